"""Which staged partitions have outlived the retention, and removing those already loaded.

A staged partition is only needed to run its checks and its load again without asking the upstream
again. Once it has been loaded since it was last staged, and is older than the retention, its files
(learners' e-mails and names) go. A partition never loaded since it was staged stays, whatever its
age: a check refused it, or its load failed, and re-running the load needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from learning_platform.lib.staging import ORPHANED_AFTER_SECONDS, StagedPartition, StagingArea

# Whether (source, stream, partition key) has been loaded since it was last staged.
Loaded = Callable[[str, str, str], bool]

_DAY_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")


def partition_day(partition_key: str) -> date | None:
    """The day of a day partition (`2026-11-03`); None for any other key (a dropped file's name,
    a snapshot)."""
    if not _DAY_KEY.fullmatch(partition_key):
        return None
    try:
        return date.fromisoformat(partition_key)
    except ValueError:
        return None


def is_expired(partition: StagedPartition, retention_days: int, now: datetime) -> bool:
    """A day partition is expired once its day is more than `retention_days` days before `now`'s
    day; any other partition once its newest file is older than `retention_days` days. A
    partition whose files tell no time (a backend without one) is never expired."""
    day = partition_day(partition.partition_key)
    if day is not None:
        return (now.date() - day).days > retention_days
    if not partition.newest_modified:
        return False
    return now.timestamp() - partition.newest_modified > retention_days * 86_400


def expired_partitions(
    area: StagingArea, retention_days: int, now: datetime
) -> list[StagedPartition]:
    """The staged partitions older than the retention at `now`."""
    return [p for p in area.partitions() if is_expired(p, retention_days, now)]


def in_use(partition: StagedPartition, now: datetime) -> bool:
    """Whether a run may still be writing, checking or loading the partition: a file of it was
    written within the longest a run lives (a backfill of an old day staged it a moment ago)."""
    return now.timestamp() - partition.newest_modified < ORPHANED_AFTER_SECONDS


@dataclass
class RetentionResult:
    """What a pass removed, and the expired partitions it kept and why."""

    removed: list[StagedPartition] = field(default_factory=list)
    files_removed: dict[tuple[str, str], int] = field(default_factory=dict)  # by (source, stream)
    # Expired, and kept: not loaded since staged (or not known to be), or still in a run's hands.
    not_loaded: list[StagedPartition] = field(default_factory=list)
    in_use: list[StagedPartition] = field(default_factory=list)


def remove_expired_partitions(
    area: StagingArea, retention_days: int, now: datetime, loaded: Loaded
) -> RetentionResult:
    """Remove the staged partitions older than the retention at `now` that `loaded` says have been
    loaded since they were staged; keep every other one."""
    if retention_days < 1:
        raise ValueError(f"the staging retention must be at least one day, not {retention_days}")
    result = RetentionResult()
    for partition in expired_partitions(area, retention_days, now):
        if in_use(partition, now):
            result.in_use.append(partition)
        elif not loaded(partition.source, partition.stream, partition.partition_key):
            result.not_loaded.append(partition)
        else:
            files = area.remove_partition(partition)
            stream = (partition.source, partition.stream)
            result.files_removed[stream] = result.files_removed.get(stream, 0) + files
            result.removed.append(partition)
    return result
