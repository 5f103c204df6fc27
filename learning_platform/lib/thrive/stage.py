"""Staging Thrive: one UTC day of a daily stream (activity records, CPD entries), or the users
snapshot, fetched page by page into the staging area."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pyarrow.compute as pc

from learning_platform.lib.http import RequestStats
from learning_platform.lib.prefetch import prefetched
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.thrive import records
from learning_platform.lib.thrive.api import ThriveApi
from learning_platform.lib.thrive.records import Stream
from learning_platform.lib.windows import DayWindow

# The source's folder in the staging area, and the first part of its asset keys.
SOURCE = "thrive"
RECORDS = "records"  # the staged file of a partition
USERS_STREAM = "users"
SNAPSHOT = "latest"  # the users snapshot is not partitioned: one staged file, replaced each time


@dataclass
class StagedDay:
    """What staging one day of one stream produced, for the run's metadata."""

    window: DayWindow
    rows: int = 0
    pages: int = 0
    # Records the overlapping query returned that belong to a neighbouring day (their own day's
    # partition stages them), and records served twice by the paging (kept once).
    outside_day: int = 0
    repeated: int = 0
    # False when the day was fetched before its query's end had passed: records written since
    # are missing until the day is fetched again.
    complete: bool = True
    rows_per_type: Counter = field(default_factory=Counter)


class _FirstSeen:
    """Keeps the first of records served twice by offset paging over a set that changed; a record
    without an id stays, for the keys check to report."""

    def __init__(self):
        self.seen: set[str] = set()
        self.repeated = 0

    def keep(self, record_id: str | None) -> bool:
        if record_id is None:
            return True
        if record_id in self.seen:
            self.repeated += 1
            return False
        self.seen.add(record_id)
        return True


def stage_day(
    api: ThriveApi,
    area: StagingArea,
    stream: Stream,
    window: DayWindow,
    overlap: timedelta,
    stats: RequestStats,
) -> StagedDay:
    """Fetch one UTC day of one stream, page by page, into its staged Parquet file.

    The query reaches `overlap` past both ends of the day, and each record is kept by its own
    timestamp: whether Thrive's bounds are inclusive is undocumented, and a record at exactly
    midnight must land in one day, once. The file replaces the previous staging of the day only if
    the whole day was fetched.
    """
    staged = StagedDay(window)
    staged.complete = datetime.now(timezone.utc) >= window.end + overlap
    pages = prefetched(
        api.between(
            stream.endpoint,
            stream.from_param,
            stream.to_param,
            window.start - overlap,
            window.end + overlap,
            stats=stats,
            label=f"day {window.key}",
        ),
        name=f"thrive-{stream.name}-pages",
    )
    first_seen = _FirstSeen()
    with contextlib.ExitStack() as files:
        files.enter_context(contextlib.closing(pages))  # a failure here stops the fetching thread
        sink = files.enter_context(
            area.writer(
                SOURCE, stream.name, window.key, RECORDS, stream.schema, (stream.id_column,)
            )
        )
        for page in pages:
            staged.pages += 1
            kept = []
            for record in page:
                if not window.start <= stream.time_of(record) < window.end:
                    staged.outside_day += 1
                elif first_seen.keep(stream.record_id(record)):
                    kept.append(record)
            batch = stream.to_batch(kept)
            sink.write(batch)
            if stream is records.ACTIVITY_STREAM and batch.num_rows:
                for entry in pc.value_counts(batch.column("type")).to_pylist():
                    staged.rows_per_type[str(entry["values"])] += entry["counts"]
        staged.rows = sink.rows
    staged.repeated = first_seen.repeated
    return staged


@dataclass(frozen=True)
class StagedUsers:
    rows: int
    repeated: int
    snapshot_at: datetime


def stage_users(api: ThriveApi, area: StagingArea, stats: RequestStats) -> StagedUsers:
    """Every Thrive user, page by page, into the snapshot's staged file (replaced only if the
    whole list was fetched)."""
    snapshot_at = datetime.now(timezone.utc)
    first_seen = _FirstSeen()
    with contextlib.ExitStack() as files:
        pages: Iterable[list[records.User]] = files.enter_context(
            contextlib.closing(
                prefetched(api.pages(records.USERS, stats=stats), name="thrive-users")
            )
        )
        sink = files.enter_context(
            area.writer(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS, records.USER_SCHEMA, ("id",))
        )
        for page in pages:
            kept = [user for user in page if first_seen.keep(user.id)]
            sink.write(records.user_batch(kept, snapshot_at))
        rows = sink.rows
    return StagedUsers(rows, first_seen.repeated, snapshot_at)
