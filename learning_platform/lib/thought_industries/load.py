"""Loading one staged Thought Industries export into the warehouse, in the caller's transaction:
its actions merged by natural key, its unreadable lines replaced, the file recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from learning_platform.lib.staging import StagingArea
from learning_platform.lib.suppression import LearnerColumns, Suppression
from learning_platform.lib.thought_industries.exports import REJECT_SCHEMA, SCHEMA
from learning_platform.lib.thought_industries.stage import ACTIONS, FILE, REJECTS, SOURCE, STREAM
from learning_platform.lib.warehouse import changes, loads
from learning_platform.lib.warehouse.tables import thought_industries as tables

# Where Thought Industries names a learner: by e-mail only. (Its rejected lines keep a line number
# and a reason, never the line's text.)
LEARNER_COLUMNS = LearnerColumns(
    tables.content_actions, emails=("learner_email",), staged=((SOURCE, STREAM, ACTIONS),)
)


@dataclass(frozen=True)
class FileLoaded:
    inserted: int  # actions no export had brought before
    already_loaded: int
    panorama_filled_in: int
    rows_rejected: int
    same_content_as: str | None  # an earlier file with exactly the same bytes
    suppressed: int  # actions of erased learners left out


def load_file(
    cursor: psycopg.Cursor, area: StagingArea, file_name: str, suppression: Suppression
) -> FileLoaded:
    """Insert the file's actions that are not loaded yet (filling in a blank Panorama from this
    file) but the suppressed learners', replace its unreadable lines, and record it in drop_files.
    Loading a file twice, or the same actions from another export, adds nothing."""
    (file_row,) = [
        row for batch in area.batches(SOURCE, STREAM, file_name, FILE) for row in batch.to_pylist()
    ]
    content_hash = file_row["content_hash"]
    columns = [*SCHEMA.names, "source_file"]
    days: set = set()

    def actions() -> Iterator[pa.RecordBatch]:
        staged = area.batches(SOURCE, STREAM, file_name, ACTIONS)
        for batch in suppression.filter(staged, LEARNER_COLUMNS):
            # The UTC days the file's actions happened on: the marts' days to refresh.
            days.update(pc.unique(pc.cast(batch.column("occurred_at"), pa.date32())).to_pylist())
            source = pa.array([file_name] * batch.num_rows, pa.string())
            yield pa.RecordBatch.from_arrays([*batch.columns, source], names=columns)

    def rejects() -> Iterator[pa.RecordBatch]:
        for batch in area.batches(SOURCE, STREAM, file_name, REJECTS):
            names = pa.array([file_name] * batch.num_rows, pa.string())
            hashes = pa.array([content_hash] * batch.num_rows, pa.string())
            yield pa.RecordBatch.from_arrays(
                [names, hashes, *batch.columns],
                names=["file_name", "content_hash", *REJECT_SCHEMA.names],
            )

    inserted, filled = loads.insert_new_rows(
        cursor,
        tables.content_actions,
        actions(),
        columns,
        fill_columns=["panorama_name"],
        # Text, timestamps, booleans and integers: PostgreSQL parses no text at all.
        binary=True,
    )
    loads.replace_rows(
        cursor,
        tables.content_action_rejects,
        {"file_name": file_name, "content_hash": content_hash},
        rejects(),
        ["file_name", "content_hash", *REJECT_SCHEMA.names],
    )
    same_content_as = _register(cursor, file_row | {"rows_new": inserted})
    changes.days_changed(cursor, SOURCE, (day for day in days if day is not None))
    return FileLoaded(
        inserted=inserted,
        already_loaded=file_row["rows_read"] - inserted - suppression.removed,
        panorama_filled_in=filled,
        rows_rejected=file_row["rows_rejected"],
        same_content_as=same_content_as,
        suppressed=suppression.removed,
    )


def _register(cursor: psycopg.Cursor, file_row: dict) -> str | None:
    """Record the file in drop_files; returns an earlier file with the same bytes, if any."""
    registry = tables.drop_files
    cursor.execute(
        sql.SQL(
            "SELECT file_name FROM {} WHERE content_hash = %s AND file_name <> %s "
            "ORDER BY loaded_at, file_name LIMIT 1"
        ).format(loads.qualified(registry)),
        (file_row["content_hash"], file_row["file_name"]),
    )
    earlier = cursor.fetchone()
    same_content_as = earlier[0] if earlier else None
    loads.upsert_row(
        cursor,
        registry,
        file_row | {"same_content_as": same_content_as, "times_processed": 1},
        add_up=("rows_new", "times_processed"),
    )
    return same_content_as
