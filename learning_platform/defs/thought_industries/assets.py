"""Thought Industries content actions: each dropped export staged as its own partition, checked,
then merged into the warehouse by natural key, so overlapping exports and re-deliveries add
nothing twice."""

import dagster as dg

from learning_platform.defs.shared.catalog import (
    code_version,
    owners,
    staged_tags,
    table_tags,
)
from learning_platform.defs.shared.checks import (
    StagedStream,
    load_failures_named,
    refuse_unless_valid,
)
from learning_platform.defs.shared.metadata import staged_metadata, table_metadata
from learning_platform.defs.shared.resources import PostgresWarehouse, StagingStore
from learning_platform.defs.shared.retries import WAREHOUSE_RETRY_POLICY
from learning_platform.defs.shared.tables import suppression_in
from learning_platform.defs.thought_industries.partitions import drop_file_partitions
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.lib import suppression
from learning_platform.lib.thought_industries import exports, load, stage
from learning_platform.lib.thought_industries.exports import FileRejected
from learning_platform.lib.thought_industries.load import load_file
from learning_platform.lib.thought_industries.rules import RULES
from learning_platform.lib.thought_industries.stage import (
    ACTIONS,
    REJECTS,
    SOURCE,
    STREAM,
    stage_file,
)
from learning_platform.lib.warehouse import loads
from learning_platform.lib.warehouse.tables import thought_industries as tables

# What decides a staged file's rows (reading the export), and a loaded file's.
STAGING_CODE = code_version(exports, stage)
LOADING_CODE = code_version(load, loads, tables, suppression)
STAGED_PARTS = {ACTIONS: exports.SCHEMA, REJECTS: exports.REJECT_SCHEMA}
WRITTEN_TABLES = (tables.content_actions, tables.drop_files, tables.content_action_rejects)

CONTENT_ACTIONS = StagedStream(
    source=SOURCE,
    name=STREAM,
    part=ACTIONS,
    rules=RULES,
    table=tables.content_actions,
    checks_description="Checks of a staged Thought Industries content-actions export.",
    per_file=True,
    other_parts=(REJECTS,),
    other_tables={tables.content_action_rejects.name: REJECTS},
)


def _failure(description: str) -> dg.Failure:
    return dg.Failure(description=description, allow_retries=False)


@dg.asset(
    key=CONTENT_ACTIONS.staged_key,
    group_name=SOURCE,
    partitions_def=drop_file_partitions,
    retry_policy=WAREHOUSE_RETRY_POLICY,  # a drop location on object storage can hiccup
    kinds={"csv", "parquet"},
    owners=owners(SOURCE),
    tags=staged_tags(SOURCE, STAGED_PARTS.values()),
    code_version=STAGING_CODE,
    metadata=staged_metadata(STAGED_PARTS),
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
    try:
        staged = stage_file(folder, staging.area, file_name)
    except FileNotFoundError:
        raise _failure(f"{file_name}: no such file under {folder.url} any more") from None
    except FileRejected as rejected:
        raise _failure(str(rejected)) from rejected
    summary = staged.summary
    for line, reason in staged.rejects[:20]:
        context.log.warning(f"{file_name} line {line} not loaded: {reason}")
    context.log.info(
        f"{file_name}: {summary.rows} rows, {summary.rejects} unreadable, "
        f"sha256 {summary.content_hash[:12]}"
    )
    metadata = {
        "dagster/row_count": summary.rows,
        "rows_rejected": summary.rejects,
        "rejected_lines": [
            {"line": line, "reason": reason} for line, reason in staged.rejects[:20]
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
    key=CONTENT_ACTIONS.table_key,
    deps=[content_actions_staged],
    group_name=SOURCE,
    partitions_def=drop_file_partitions,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"postgres"},
    owners=owners(SOURCE),
    tags=table_tags(SOURCE, WRITTEN_TABLES),
    code_version=LOADING_CODE,
    metadata=table_metadata(*WRITTEN_TABLES),
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
    refuse_unless_valid(CONTENT_ACTIONS, staging, [file_name], context)
    with (
        load_failures_named(CONTENT_ACTIONS, staging, [file_name]),
        warehouse.transaction() as cursor,
    ):
        loaded = load_file(cursor, staging.area, file_name, suppression_in(cursor))
    context.log.info(
        f"{file_name}: {loaded.inserted} new actions, {loaded.already_loaded} already loaded"
        + (
            f" ({loaded.panorama_filled_in} with their Panorama filled in)"
            if loaded.panorama_filled_in
            else ""
        )
        + (f"; same bytes as {loaded.same_content_as}" if loaded.same_content_as else "")
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": loaded.inserted,
            "rows_already_loaded": loaded.already_loaded,
            "panorama_filled_in": loaded.panorama_filled_in,
            "rows_rejected": loaded.rows_rejected,
            "rows_suppressed": loaded.suppressed,
            "same_content_as": loaded.same_content_as or "",
        }
    )


thought_industries_assets = [content_actions_staged, content_actions]
