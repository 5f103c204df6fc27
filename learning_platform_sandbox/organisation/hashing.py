"""Stable hashes, the one source of every synthetic value: the same bits in every process."""

from __future__ import annotations

import hashlib


def stable_hash(*parts: object) -> int:
    """128 deterministic bits for `parts`, the same in every process."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")
