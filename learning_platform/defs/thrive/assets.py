"""Thrive streams: activity records and CPD entries staged per UTC day, users as a snapshot, each
then loaded into its warehouse table. One factory builds both daily streams."""

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
from learning_platform.defs.shared.metadata import (
    record_per_partition,
    run_size,
    staged_metadata,
    table_metadata,
)
from learning_platform.defs.shared.resources import PostgresWarehouse, StagingStore
from learning_platform.defs.shared.retries import (
    UPSTREAM_RETRY_POLICY,
    WAREHOUSE_RETRY_POLICY,
    no_retry_for_final_failures,
)
from learning_platform.defs.shared.tables import (
    daily_staged_asset,
    daily_table_asset,
    suppression_in,
)
from learning_platform.defs.thrive.partitions import (
    THRIVE_API_POOL,
    backfill_policy,
    daily_partitions,
)
from learning_platform.defs.thrive.resources import ThriveClient
from learning_platform.lib import suppression, windows
from learning_platform.lib.http import RequestStats
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.thrive import api, load, records, stage
from learning_platform.lib.thrive.load import TABLES, load_days, load_users
from learning_platform.lib.thrive.records import Stream
from learning_platform.lib.thrive.rules import RULES
from learning_platform.lib.thrive.stage import (
    RECORDS,
    SNAPSHOT,
    SOURCE,
    USERS_STREAM,
    StagedDay,
    stage_day,
    stage_users,
)
from learning_platform.lib.warehouse import loads
from learning_platform.lib.warehouse.tables import thrive as tables
from learning_platform.lib.windows import UTC, window_for_key

# What decides a staged day's or snapshot's rows (the calls, the records, the UTC day), and a
# loaded one's.
STAGING_CODE = code_version(api, records, stage, windows)
LOADING_CODE = code_version(load, loads, tables, suppression)

STREAMS = {
    stream.name: StagedStream(
        source=SOURCE,
        name=stream.name,
        part=RECORDS,
        rules=RULES[stream.name],
        table=TABLES[stream.name],
        checks_description=f"Checks of the staged Thrive {stream.name}.",
    )
    for stream in records.DAY_STREAMS
}
USERS = StagedStream(
    source=SOURCE,
    name=USERS_STREAM,
    part=RECORDS,
    rules=RULES[USERS_STREAM],
    table=TABLES[USERS_STREAM],
    checks_description="Checks of the staged Thrive users snapshot.",
    snapshot=SNAPSHOT,
)


def day_figures(staged: StagedDay) -> dict:
    """A staged day's own figures, for its own materialization."""
    figures = {
        "dagster/row_count": staged.rows,
        "pages": staged.pages,
        "records_served_twice": staged.repeated,
        "records_of_neighbouring_days": staged.outside_day,
        "complete": staged.complete,
    }
    if staged.rows_per_type:  # activity records have a verb, CPD entries none
        figures["rows_per_type"] = dict(sorted(staged.rows_per_type.items()))
    return figures


def build_thrive_day_stream(stream: Stream) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one day-partitioned Thrive stream."""
    staged_stream = STREAMS[stream.name]
    table = staged_stream.table

    @daily_staged_asset(
        staged_stream,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=THRIVE_API_POOL,
        parts={RECORDS: stream.schema},
        code_version=STAGING_CODE,
        description=(
            f"Thrive {stream.label} (GET /{stream.endpoint.name}), fetched one UTC day at a time and "
            "staged as Parquet (one file per day). Blocking checks validate them before load."
        ),
    )
    def staged_asset(
        context: dg.AssetExecutionContext, thrive: ThriveClient, staging: StagingStore
    ) -> dg.MaterializeResult:
        stats = RequestStats()
        staged = []
        for key in context.partition_keys:
            window = window_for_key(key, UTC)
            with no_retry_for_final_failures():
                result = stage_day(
                    thrive.api(), staging.area, stream, window, thrive.window_overlap, stats
                )
            context.log.info(
                f"Thrive {stream.label} {window}: {result.rows} rows from {result.pages} pages"
                + (f", {result.repeated} served twice" if result.repeated else "")
                + (
                    ""
                    if result.complete
                    else " (incomplete: the day and its margin have not ended)"
                )
            )
            staged.append(result)
            release_free_memory()
        for shortfall in stats.shortfalls:
            context.log.warning(f"Thrive {stream.label} paging anomaly: {shortfall}")
        record_per_partition(context, {s.window.key: day_figures(s) for s in staged})
        return dg.MaterializeResult(
            metadata={
                **run_size(context.partition_keys),
                **stats.as_metadata(),
                "incomplete_days": [s.window.key for s in staged if not s.complete],
                "staged_at": dg.MetadataValue.path(
                    staging.area.path(SOURCE, stream.name, "<day>", RECORDS)
                ),
            }
        )

    table_asset = daily_table_asset(
        staged_stream,
        staged_asset=staged_asset,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        load=lambda cursor, area, days, erased: load_days(cursor, area, stream, days, erased),
        code_version=LOADING_CODE,
        description=(
            f"{table.fullname}: Thrive {stream.label}, one row per record, keyed by its id. Each run "
            f"replaces its UTC days (by {stream.time_column}) in one transaction."
        ),
    )
    return [staged_asset, table_asset]


@dg.asset(
    key=USERS.staged_key,
    group_name=SOURCE,
    pool=THRIVE_API_POOL,
    retry_policy=UPSTREAM_RETRY_POLICY,
    kinds={"api", "parquet"},
    owners=owners(SOURCE),
    tags=staged_tags(SOURCE, [records.USER_SCHEMA]),
    code_version=STAGING_CODE,
    metadata=staged_metadata({RECORDS: records.USER_SCHEMA}),
    description=(
        "Thrive users (GET /users), a snapshot of every user: the id to e-mail and name map the "
        "activity records and CPD entries are joined through. Staged as Parquet, then checked."
    ),
)
def users_staged(
    context: dg.AssetExecutionContext, thrive: ThriveClient, staging: StagingStore
) -> dg.MaterializeResult:
    stats = RequestStats()
    with no_retry_for_final_failures():
        staged = stage_users(thrive.api(), staging.area, stats)
    for shortfall in stats.shortfalls:
        context.log.warning(f"Thrive users paging anomaly: {shortfall}")
    snapshot_at = staged.snapshot_at.isoformat()
    context.log.info(f"Thrive users: {staged.rows} in the snapshot taken at {snapshot_at}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": staged.rows,
            **stats.as_metadata(),
            "records_served_twice": staged.repeated,
            "snapshot_at": snapshot_at,
            "staged_at": dg.MetadataValue.path(
                staging.area.path(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS)
            ),
        }
    )


@dg.asset(
    key=USERS.table_key,
    deps=[users_staged],
    group_name=SOURCE,
    kinds={"postgres"},
    retry_policy=WAREHOUSE_RETRY_POLICY,
    owners=owners(SOURCE),
    tags=table_tags(SOURCE, [USERS.table]),
    code_version=LOADING_CODE,
    metadata=table_metadata(USERS.table),
    description=(
        "thrive.users: every Thrive user once, as the latest snapshot gave them. Users the newest "
        "snapshot no longer lists are kept, with the older snapshot_at that last saw them."
    ),
)
def users_table(
    context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
) -> dg.MaterializeResult:
    refuse_unless_valid(USERS, staging, [SNAPSHOT], context)
    with load_failures_named(USERS, staging, [SNAPSHOT]), warehouse.transaction() as cursor:
        loaded = load_users(cursor, staging.area, suppression_in(cursor))
    context.log.info(
        f"{USERS.table.fullname}: {loaded.upserted} users upserted, {loaded.total} in the table"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": loaded.total,
            "users_upserted": loaded.upserted,
            "users_no_longer_listed": loaded.no_longer_listed,
            "rows_suppressed": loaded.suppressed,
        }
    )


thrive_assets = [
    asset for stream in records.DAY_STREAMS for asset in build_thrive_day_stream(stream)
] + [users_staged, users_table]
