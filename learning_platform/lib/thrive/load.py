"""Loading staged Thrive data into the warehouse, in the caller's transaction: a daily stream's UTC
days replaced, or the users snapshot upserted."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa

from learning_platform.lib.staging import StagingArea
from learning_platform.lib.suppression import LearnerColumns, Suppression
from learning_platform.lib.thrive import records
from learning_platform.lib.thrive.records import Stream
from learning_platform.lib.thrive.stage import RECORDS, SNAPSHOT, SOURCE, USERS_STREAM
from learning_platform.lib.warehouse import changes, loads
from learning_platform.lib.warehouse.tables import thrive as tables
from learning_platform.lib.windows import UTC, window_for_key

TABLES: dict[str, sa.Table] = {
    records.ACTIVITY_STREAM.name: tables.activities,
    records.CPD_ENTRY_STREAM.name: tables.cpd_entries,
    USERS_STREAM: tables.users,
}
# Where Thrive names a learner: by user id in the records, by id and e-mail in the users.
LEARNER_COLUMNS: dict[str, LearnerColumns] = {
    records.ACTIVITY_STREAM.name: LearnerColumns(
        tables.activities,
        ids=(("user_id", SOURCE),),
        staged=((SOURCE, records.ACTIVITY_STREAM.name, RECORDS),),
    ),
    records.CPD_ENTRY_STREAM.name: LearnerColumns(
        tables.cpd_entries,
        ids=(("user_id", SOURCE),),
        staged=((SOURCE, records.CPD_ENTRY_STREAM.name, RECORDS),),
    ),
    USERS_STREAM: LearnerColumns(
        tables.users,
        emails=("email",),
        ids=(("id", SOURCE),),
        staged=((SOURCE, USERS_STREAM, RECORDS),),
    ),
}


def load_days(
    cursor: psycopg.Cursor,
    area: StagingArea,
    stream: Stream,
    partition_keys: Sequence[str],
    suppression: Suppression,
) -> loads.LoadResult:
    """Replace the UTC days' records of the stream's table (by its time column) with their staged
    rows, leaving suppressed learners out. Loading the same days twice changes nothing."""
    table = TABLES[stream.name]
    windows = [window_for_key(key, UTC) for key in partition_keys]
    columns = [name for name in stream.schema.names if name in table.columns]
    batches = suppression.filter(
        itertools.chain.from_iterable(
            area.batches(SOURCE, stream.name, key, RECORDS) for key in partition_keys
        ),
        LEARNER_COLUMNS[stream.name],
    )
    deleted = loads.delete_time_ranges(
        cursor, table, stream.time_column, [(w.start, w.end) for w in windows]
    )
    # An upsert, not a plain insert: a record whose timestamp Thrive moved to another day is still
    # keyed by its id, and is updated in place instead of failing the load.
    written = loads.upsert_batches(cursor, table, batches, columns, newer_column=None)
    changes.days_changed(cursor, SOURCE, [window.day for window in windows])
    per_day = loads.count_rows_in_ranges(
        cursor, table, stream.time_column, [(w.start, w.end) for w in windows]
    )
    return loads.LoadResult(
        deleted,
        written,
        suppressed=suppression.removed,
        rows_per_partition=dict(zip(partition_keys, per_day)),
    )


@dataclass(frozen=True)
class UsersLoaded:
    upserted: int
    no_longer_listed: int
    total: int
    suppressed: int


def load_users(cursor: psycopg.Cursor, area: StagingArea, suppression: Suppression) -> UsersLoaded:
    """Upsert the staged snapshot's users but the suppressed; users it no longer lists keep their
    older snapshot_at."""
    upserted = loads.upsert_batches(
        cursor,
        tables.users,
        suppression.filter(
            area.batches(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS), LEARNER_COLUMNS[USERS_STREAM]
        ),
        records.USER_SCHEMA.names,
        newer_column="snapshot_at",
    )
    no_longer_listed, total = loads.count_older_rows(cursor, tables.users, "snapshot_at")
    return UsersLoaded(upserted, no_longer_listed, total, suppression.removed)
