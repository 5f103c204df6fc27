"""Stable hashes, the one source of every synthetic value, and the draws made from them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def stable_hash(*parts: object) -> int:
    """128 deterministic bits for `parts`, the same in every process."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")


def pick_weighted(options: Sequence[tuple], point: int) -> tuple:
    """The row of `options` ((value, weight, ...) rows) that `point`, below the weights' sum,
    falls on."""
    for row in options:
        if point < row[1]:
            return row
        point -= row[1]
    return options[-1]


class Draws:
    """Successive choices from stable hashes of `parts`: each draw uses up the bits it needs.

    The bits are `words` hashes of `parts` (and of `parts` with "more", "still more"), 128 bits
    each: Thrive's records draw from two, Thought Industries' journeys from three. Another number
    of words would change every value drawn.
    """

    _SUFFIXES = ((), ("more",), ("still more",))

    def __init__(self, *parts: object, words: int = 2) -> None:
        if not 1 <= words <= len(self._SUFFIXES):
            raise ValueError(f"draws take 1 to {len(self._SUFFIXES)} words of bits, got {words}")
        bits = 0
        for suffix in self._SUFFIXES[:words]:
            bits = bits << 128 | stable_hash(*parts, *suffix)
        self._bits = bits

    def below(self, bound: int) -> int:
        self._bits, value = divmod(self._bits, bound)
        return value

    def pick(self, options: Sequence):
        return options[self.below(len(options))]

    def weighted(self, options: Sequence[tuple[str, int]]) -> str:
        return self.weighted_row(options)[0]

    def weighted_row(self, options: Sequence[tuple]) -> tuple:
        return pick_weighted(options, self.below(sum(row[1] for row in options)))
