"""Loading staged LinkedIn days into the warehouse: each day's rows replaced, and the learner and
content details upserted, in the caller's transaction."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import psycopg
import pyarrow as pa
import sqlalchemy as sa

from learning_platform.lib.linkedin_learning import records
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.linkedin_learning.stage import (
    ACTIVITY,
    CONTENTS,
    LEARNERS,
    SOURCE,
    detail_parts,
)
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.suppression import LearnerColumns, Suppression
from learning_platform.lib.warehouse import changes, loads
from learning_platform.lib.warehouse.tables import linkedin_learning as tables
from learning_platform.lib.windows import window_for_key

TABLES: dict[str, sa.Table] = {
    records.ACCOUNT_ACTIVITY.stream: tables.account_activity,
    records.LEARNER_ACTIVITY.stream: tables.learner_activity,
    records.LEARNER_CONTENT_ACTIVITY.stream: tables.learner_content_activity,
    records.CONTENT_ACTIVITY.stream: tables.content_activity,
}
DETAIL_TABLES: dict[str, sa.Table] = {LEARNERS: tables.learners, CONTENTS: tables.contents}

_LEARNER_ID = (("learner_urn", SOURCE),)
_PER_LEARNER = (records.LEARNER_ACTIVITY.stream, records.LEARNER_CONTENT_ACTIVITY.stream)
# Where LinkedIn names a learner: by urn in the activity, by urn and e-mail in the details.
LEARNER_COLUMNS: dict[sa.Table, LearnerColumns] = {
    column.table: column
    for column in (
        *(
            LearnerColumns(TABLES[stream], ids=_LEARNER_ID, staged=((SOURCE, stream, ACTIVITY),))
            for stream in _PER_LEARNER
        ),
        LearnerColumns(
            tables.learners,
            emails=("email",),
            ids=_LEARNER_ID,
            staged=tuple((SOURCE, stream, LEARNERS) for stream in _PER_LEARNER),
        ),
    )
}


def load_days(
    cursor: psycopg.Cursor,
    area: StagingArea,
    aggregation: Aggregation,
    partition_keys: Sequence[str],
    suppression: Suppression,
) -> loads.LoadResult:
    """Replace the days' rows of the aggregation's table with their staged rows, and upsert the
    details they carry (newer days win), leaving suppressed learners out. Loading the same days
    twice changes nothing."""
    days = [window_for_key(key).day for key in partition_keys]

    def staged(part: str, table: sa.Table, key: str):
        batches = area.batches(SOURCE, aggregation.stream, key, part)
        learner = LEARNER_COLUMNS.get(table)
        return suppression.filter(batches, learner) if learner else batches

    # Each day is replaced whole, so the rows written for it are the rows it holds: counted as
    # they stream past, not by asking the table again.
    rows_per_day = dict.fromkeys(partition_keys, 0)

    def activity() -> Iterator[pa.RecordBatch]:
        for key in partition_keys:
            for batch in staged(ACTIVITY, TABLES[aggregation.stream], key):
                rows_per_day[key] += batch.num_rows
                yield batch

    load = loads.replace_partitions(
        cursor,
        TABLES[aggregation.stream],
        "window_start",
        days,
        activity(),
        aggregation.activity_schema.names,
    )
    upserted = {}
    for part, schema in detail_parts(aggregation).items():
        upserted[part], renamed = loads.upsert_batches_watching(
            cursor,
            DETAIL_TABLES[part],
            itertools.chain.from_iterable(
                staged(part, DETAIL_TABLES[part], key) for key in partition_keys
            ),
            schema.names,
            newer_column="last_seen_on",
            # Every event of a content item shows its name: a new name is news for all of them.
            watch=("name",) if part == CONTENTS else (),
        )
        if renamed:
            changes.everything_changed(cursor, f"{renamed} LinkedIn content item(s) renamed")
    changes.days_changed(cursor, SOURCE, days)
    return loads.LoadResult(
        load.deleted, load.written, upserted, suppression.removed, rows_per_partition=rows_per_day
    )
