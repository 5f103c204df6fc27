"""A drop location (a folder, or an object-store URL fsspec knows) watched for files, and the rule
that decides when a dropped file is complete enough to take.

A file is taken once its size and modification time have not changed between two looks: a file
still being written or uploaded is left for a later look. A file taken before is taken again only
if its bytes changed (a new export under the same name); the same bytes touched again are not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

import fsspec

from learning_platform.lib.filesystems import modified_time

# Exports the drop location may hold; anything else (a README, a `.part` upload) is not looked at.
SUFFIXES = (".csv",)
# What Dagster refuses in a partition key (dagster/_core/definitions/partitions/utils/base.py):
# each file is a partition named after it.
_INVALID_IN_PARTITION_KEYS = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def is_valid_partition_key(name: str) -> bool:
    return bool(name) and not any(part in name for part in _INVALID_IN_PARTITION_KEYS)


@dataclass(frozen=True)
class DroppedFile:
    name: str  # the path under the drop location, with `/` separators
    size: int
    modified: float  # seconds since the epoch, as the file system reports it

    @property
    def stamp(self) -> list:
        return [self.size, self.modified]


class DropFolder:
    """The files under one drop URL."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)

    def __repr__(self) -> str:
        return f"DropFolder({self.url!r})"

    def list(self) -> list[DroppedFile]:
        """Every export under the location, sorted by name. Raises whatever the file system
        raises: a listing that failed is not an empty folder."""
        if not self.fs.exists(self.root):
            return []
        found = []
        for path, info in self.fs.find(self.root, detail=True).items():
            if info.get("type") != "file" or not path.lower().endswith(SUFFIXES):
                continue
            name = path[len(self.root) :].lstrip("/")
            found.append(DroppedFile(name, int(info.get("size") or 0), modified_time(info)))
        return sorted(found, key=lambda dropped: dropped.name)

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def open(self, name: str) -> BinaryIO:
        return self.fs.open(self.path(name), "rb")

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.open(name) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()


@dataclass
class WatchState:
    """What the watcher remembers between looks (the sensor's cursor): files seen but not yet
    stable, and files taken with the stamp and hash they were taken with."""

    pending: dict[str, list]
    taken: dict[str, list]  # name -> [size, modified, sha256]

    @classmethod
    def from_cursor(cls, cursor: str | None) -> WatchState:
        if not cursor:
            return cls({}, {})
        saved = json.loads(cursor)
        return cls(saved.get("pending", {}), saved.get("taken", {}))

    def to_cursor(self) -> str:
        return json.dumps({"pending": self.pending, "taken": self.taken}, sort_keys=True)


@dataclass(frozen=True)
class Look:
    """The outcome of one look at the drop location."""

    ready: list[DroppedFile]  # stable, and new or changed: to hash and maybe take
    waiting: list[str]  # seen changing (or for the first time): looked at again next time
    unusable: list[str]  # names Dagster cannot use as a partition key


def look(files: Iterable[DroppedFile], state: WatchState) -> Look:
    """Compare a listing with the state, and update the state's pending files in place."""
    ready, waiting, unusable = [], [], []
    pending: dict[str, list] = {}
    for dropped in files:
        if not is_valid_partition_key(dropped.name):
            unusable.append(dropped.name)
            continue
        taken = state.taken.get(dropped.name)
        if taken is not None and taken[:2] == dropped.stamp:
            continue  # taken as it is now
        if state.pending.get(dropped.name) == dropped.stamp:
            ready.append(dropped)
        else:
            pending[dropped.name] = dropped.stamp
            waiting.append(dropped.name)
    state.pending = pending
    return Look(ready, waiting, unusable)
