"""Thought Industries content actions: each dropped export staged as its own partition, checked,
then merged into the warehouse by natural key, so overlapping exports and re-deliveries add
nothing twice."""

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg import sql

from learning_platform.defs.common import WAREHOUSE_RETRY_POLICY
from learning_platform.defs.staging import StagingStore
from learning_platform.defs.thought_industries.partitions import drop_file_partitions
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.defs.warehouse import PostgresWarehouse, table_metadata
from learning_platform.lib import vocabulary
from learning_platform.lib.thought_industries.exports import (
    REJECT_SCHEMA,
    SCHEMA,
    ContentActionsReader,
    FileRejected,
)
from learning_platform.lib.validation import Finding, Rows, known_values, no_row_where
from learning_platform.lib.warehouse import loads as postgres
from learning_platform.lib.warehouse.tables import thought_industries as thought_industries_tables

SOURCE = "thought_industries"
STREAM = "content_actions"
ACTIONS, REJECTS, FILE = "actions", "rejects", "file"
STAGED_KEY = dg.AssetKey([SOURCE, f"{STREAM}_staged"])

FILE_SCHEMA = pa.schema(
    [
        pa.field("file_name", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("size_bytes", pa.int64()),
        pa.field("rows_read", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
    ]
)

# Samples name the line and the values: never the learner's e-mail.
SAMPLE_COLUMNS = ["line", "action_type", "action_source", "action_source_raw"]
REQUIRED_KEY_PARTS = [
    "learner_email",
    "content_title",
    "action_type",
    "action_source",
    "occurred_at",
]


@dataclass(frozen=True)
class Rule:
    check_name: str
    description: str
    run: Callable[[Rows], Finding]


def _with_type_source(rows: Rows) -> Rows:
    """The staged rows with one more column, `type_source` = "type/source"."""

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        base = list(
            dict.fromkeys(
                [c for c in columns if c != "type_source"] + ["action_type", "action_source"]
            )
        )
        for batch in rows(base):
            pair = pc.binary_join_element_wise(
                batch.column("action_type"), batch.column("action_source"), "/"
            )
            table = pa.Table.from_batches([batch]).append_column("type_source", pair)
            yield from table.select(list(columns)).to_batches()

    return read


def _keys_present(rows: Rows) -> Finding:
    def is_bad(batch: pa.RecordBatch) -> pa.Array:
        missing = pc.is_null(batch.column(0))
        for column in batch.columns[1:]:
            missing = pc.or_(missing, pc.is_null(column))
        return missing

    return no_row_where(
        rows,
        REQUIRED_KEY_PARTS,
        is_bad,
        sample_columns=["line", "action_type", "action_source", "occurred_at"],
        problem="lack a part of the natural key (Email, Content Title, Type, Source or Timestamp)",
        passed="every row has its Email, Content Title, Type, Source and Timestamp",
    )


RULES = (
    Rule(
        "action_type_known",
        "Type is one of the four documented action types.",
        lambda rows: known_values(
            rows,
            "action_type",
            vocabulary.THOUGHT_INDUSTRIES_ACTION_TYPES,
            sample_columns=SAMPLE_COLUMNS,
            label="Type",
        ),
    ),
    Rule(
        "type_source_documented",
        "(Type, Source) is a documented pair: the same Source means different things under different Types.",
        lambda rows: known_values(
            _with_type_source(rows),
            "type_source",
            vocabulary.thought_industries_type_source_pairs(),
            sample_columns=SAMPLE_COLUMNS,
            label="Type/Source pair",
        ),
    ),
    Rule(
        "keys_present",
        "Every part of the natural key is present: Email, Content Title, Type, Source, Timestamp.",
        _keys_present,
    ),
)


def staged_reader(staging: StagingStore, partition_key: str) -> Rows:
    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        yield from staging.area.batches(
            SOURCE, STREAM, partition_key, ACTIONS, columns=list(columns)
        )

    return read


def findings(staging: StagingStore, partition_key: str) -> Iterator[tuple[Rule, Finding]]:
    """Each rule's finding on one staged file, its summary prefixed with the file's name."""
    rows = staged_reader(staging, partition_key)
    for rule in RULES:
        finding = rule.run(rows)
        yield rule, Finding(finding.passed, f"{partition_key}: {finding.summary}", finding.details)


def _failure(description: str) -> dg.Failure:
    return dg.Failure(description=description, allow_retries=False)


@dg.asset(
    key=STAGED_KEY,
    group_name=SOURCE,
    partitions_def=drop_file_partitions,
    retry_policy=WAREHOUSE_RETRY_POLICY,  # a drop location on object storage can hiccup
    kinds={"csv", "parquet"},
    description=(
        "A Thought Industries content-actions export dropped in THOUGHT_INDUSTRIES_DROP_URL, read "
        "and staged as Parquet (one partition per file). Rows that cannot be read are kept apart "
        "with their line numbers. Blocking checks validate Type and (Type, Source) before load."
    ),
)
def content_actions_staged(
    context: dg.AssetExecutionContext,
    thought_industries_drops: ThoughtIndustriesDrops,
    staging: StagingStore,
) -> dg.MaterializeResult:
    file_name = context.partition_key
    folder = thought_industries_drops.folder
    area = staging.area
    try:
        with contextlib.ExitStack() as files:
            stream = files.enter_context(folder.open(file_name))
            reader = ContentActionsReader(stream, file_name)
            actions = files.enter_context(area.writer(SOURCE, STREAM, file_name, ACTIONS, SCHEMA))
            for batch in reader.batches():
                actions.write(batch)
            with area.writer(SOURCE, STREAM, file_name, REJECTS, REJECT_SCHEMA) as rejects:
                for batch in reader.reject_batches():
                    rejects.write(batch)
            summary = reader.summary
            with area.writer(SOURCE, STREAM, file_name, FILE, FILE_SCHEMA) as file_row:
                file_row.write(
                    pa.RecordBatch.from_pylist(
                        [
                            {
                                "file_name": file_name,
                                "content_hash": summary.content_hash,
                                "size_bytes": summary.size_bytes,
                                "rows_read": summary.rows,
                                "rows_rejected": summary.rejects,
                            }
                        ],
                        schema=FILE_SCHEMA,
                    )
                )
    except FileNotFoundError:
        raise _failure(f"{file_name}: no such file under {folder.url} any more") from None
    except FileRejected as rejected:
        raise _failure(str(rejected)) from rejected
    for line, reason in reader.rejects[:20]:
        context.log.warning(f"{file_name} line {line} not loaded: {reason}")
    context.log.info(
        f"{file_name}: {summary.rows} rows, {summary.rejects} unreadable, sha256 {summary.content_hash[:12]}"
    )
    metadata = {
        "dagster/row_count": summary.rows,
        "rows_rejected": summary.rejects,
        "rejected_lines": [
            {"line": line, "reason": reason} for line, reason in reader.rejects[:20]
        ],
        "rows_with_timestamp_read_as_utc": summary.rows_assumed_utc,
        "blank_lines": summary.blank_lines,
        "content_hash": summary.content_hash,
        "size_bytes": summary.size_bytes,
        "source_file": dg.MetadataValue.path(folder.path(file_name)),
    }
    if summary.ignored_columns:
        metadata["ignored_columns"] = summary.ignored_columns
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=[SOURCE, STREAM],
    deps=[content_actions_staged],
    group_name=SOURCE,
    partitions_def=drop_file_partitions,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"postgres"},
    metadata=table_metadata(thought_industries_tables.content_actions),
    description=(
        "thought_industries.content_actions: one row per action, keyed by a hash of its e-mail, content, "
        "type, source and timestamp. A file's actions already loaded from another export add nothing "
        "(a blank Panorama is filled in). thought_industries.drop_files records every file, its hash and "
        "counts; content_action_rejects its unreadable lines."
    ),
)
def content_actions(
    context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
) -> dg.MaterializeResult:
    file_name = context.partition_key
    # A blocking check stops this asset only when both run together; a run that selects the
    # table alone must not load what the checks would refuse.
    for rule, finding in findings(staging, file_name):
        if not finding.passed:
            raise _failure(
                f"{thought_industries_tables.content_actions.fullname} not loaded from "
                f"{finding.summary} (check {rule.check_name} on {STAGED_KEY.to_user_string()})"
            )
    area = staging.area
    (file_row,) = [
        row for batch in area.batches(SOURCE, STREAM, file_name, FILE) for row in batch.to_pylist()
    ]
    content_hash = file_row["content_hash"]
    columns = [*SCHEMA.names, "source_file"]

    def actions() -> Iterator[pa.RecordBatch]:
        for batch in area.batches(SOURCE, STREAM, file_name, ACTIONS):
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

    with warehouse.transaction() as cursor:
        inserted, filled = postgres.insert_new_rows(
            cursor,
            thought_industries_tables.content_actions,
            actions(),
            columns,
            fill_columns=["panorama_name"],
            # Text, timestamps, booleans and integers: PostgreSQL parses no text at all.
            binary=True,
        )
        postgres.replace_rows(
            cursor,
            thought_industries_tables.content_action_rejects,
            {"file_name": file_name, "content_hash": content_hash},
            rejects(),
            ["file_name", "content_hash", *REJECT_SCHEMA.names],
        )
        same_content_as = _register(cursor, file_row | {"rows_new": inserted})
    already = file_row["rows_read"] - inserted
    context.log.info(
        f"{file_name}: {inserted} new actions, {already} already loaded"
        + (f" ({filled} with their Panorama filled in)" if filled else "")
        + (f"; same bytes as {same_content_as}" if same_content_as else "")
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": inserted,
            "rows_already_loaded": already,
            "panorama_filled_in": filled,
            "rows_rejected": file_row["rows_rejected"],
            "same_content_as": same_content_as or "",
        }
    )


def _register(cursor, file_row: dict) -> str | None:
    """Record the file in drop_files; returns an earlier file with the same bytes, if any."""
    registry = thought_industries_tables.drop_files
    cursor.execute(
        sql.SQL(
            "SELECT file_name FROM {} WHERE content_hash = %s AND file_name <> %s "
            "ORDER BY loaded_at, file_name LIMIT 1"
        ).format(postgres.qualified(registry)),
        (file_row["content_hash"], file_row["file_name"]),
    )
    earlier = cursor.fetchone()
    same_content_as = earlier[0] if earlier else None
    postgres.upsert_row(
        cursor,
        registry,
        file_row | {"same_content_as": same_content_as, "times_processed": 1},
        add_up=("rows_new", "times_processed"),
    )
    return same_content_as


thought_industries_assets = [content_actions_staged, content_actions]
