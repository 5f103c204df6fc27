"""The two assets of a day-partitioned stream: the staged asset's declaration (fetched from an API
under its pool, retried, staged as Parquet), and the table asset (its last guard, its days replaced
in one transaction, and what the load did, for the UI)."""

from collections.abc import Callable, Mapping, Sequence

import dagster as dg
import psycopg
import pyarrow as pa
import sqlalchemy as sa

from learning_platform import settings
from learning_platform.defs.shared.catalog import owners, staged_tags, table_tags
from learning_platform.defs.shared.checks import (
    StagedStream,
    load_failures_named,
    refuse_unless_valid,
)
from learning_platform.defs.shared.metadata import (
    record_per_partition,
    run_size,
    staged_metadata,
    table_metadata,
)
from learning_platform.defs.shared.resources import PostgresWarehouse, StagingStore
from learning_platform.defs.shared.retries import UPSTREAM_RETRY_POLICY, WAREHOUSE_RETRY_POLICY
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.suppression import Suppression
from learning_platform.lib.warehouse.loads import LoadResult

# Loads the staged days (partition keys) into the warehouse, in the cursor's transaction, leaving
# the suppressed learners out.
LoadDays = Callable[[psycopg.Cursor, StagingArea, Sequence[str], Suppression], LoadResult]


def suppression_in(cursor: psycopg.Cursor) -> Suppression:
    """The erased learners every load leaves out, as of the load's transaction."""
    return Suppression.read(cursor, settings.env(settings.PSEUDONYM_KEY))


def daily_staged_asset(
    stream: StagedStream,
    *,
    partitions_def: dg.PartitionsDefinition,
    backfill_policy: dg.BackfillPolicy,
    pool: str,
    parts: Mapping[str, pa.Schema],
    code_version: str,
    description: str,
):
    """The decorator of a stream's staged asset: one API call per day per page, every call under
    `pool`, a failed step retried later by the upstream retry policy. `parts` are the files each
    day stages (the checked one first) with their schemas; `code_version` that of the code that
    makes their rows."""
    return dg.asset(
        key=stream.staged_key,
        group_name=stream.source,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
        pool=pool,
        retry_policy=UPSTREAM_RETRY_POLICY,
        kinds={"api", "parquet"},
        owners=owners(stream.source),
        tags=staged_tags(stream.source, parts.values()),
        code_version=code_version,
        metadata=staged_metadata(parts),
        description=description,
    )


def daily_table_asset(
    stream: StagedStream,
    *,
    staged_asset: dg.AssetsDefinition,
    partitions_def: dg.PartitionsDefinition,
    backfill_policy: dg.BackfillPolicy,
    load: LoadDays,
    code_version: str,
    description: str,
    also_writes: Sequence[sa.Table] = (),
) -> dg.AssetsDefinition:
    """The warehouse table of `stream`: each run loads its days with `load`, in one transaction,
    after the same rules as the staged checks have passed. `also_writes`: the other tables the
    load upserts (a report's learner and content details)."""
    table = stream.table

    @dg.asset(
        key=stream.table_key,
        deps=[staged_asset],
        group_name=stream.source,
        partitions_def=partitions_def,
        backfill_policy=backfill_policy,
        kinds={"postgres"},
        retry_policy=WAREHOUSE_RETRY_POLICY,
        owners=owners(stream.source),
        tags=table_tags(stream.source, [table, *also_writes]),
        code_version=code_version,
        metadata=table_metadata(table, *also_writes),
        description=description,
    )
    def table_asset(
        context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
    ) -> dg.MaterializeResult:
        days = list(context.partition_keys)
        refuse_unless_valid(stream, staging, days, context)
        with load_failures_named(stream, staging, days), warehouse.transaction() as cursor:
            loaded = load(cursor, staging.area, days, suppression_in(cursor))
        release_free_memory()
        context.log.info(
            f"{table.fullname}: replaced {len(days)} day(s), {loaded.deleted} rows deleted, "
            f"{loaded.written} written"
        )
        record_per_partition(
            context,
            {day: {"dagster/row_count": rows} for day, rows in loaded.rows_per_partition.items()},
        )
        return dg.MaterializeResult(
            metadata={
                **run_size(days),
                "rows_written": loaded.written,
                "rows_deleted": loaded.deleted,
                "rows_suppressed": loaded.suppressed,
                **{f"{name}_upserted": count for name, count in loaded.upserted.items()},
            }
        )

    return table_asset
