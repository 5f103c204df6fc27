"""Thrive streams: activity records and CPD entries staged per UTC day, users as a snapshot, each
then loaded into its warehouse table. One factory builds both daily streams."""

from collections import Counter

import dagster as dg

from learning_platform.defs.shared.checks import (
    StagedStream,
    load_failures_named,
    refuse_unless_valid,
)
from learning_platform.defs.shared.metadata import row_count, table_metadata
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
from learning_platform.lib.http import RequestStats
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.thrive import records
from learning_platform.lib.thrive.load import TABLES, load_days, load_users
from learning_platform.lib.thrive.records import Stream
from learning_platform.lib.thrive.rules import RULES
from learning_platform.lib.thrive.stage import (
    RECORDS,
    SNAPSHOT,
    SOURCE,
    USERS_STREAM,
    stage_day,
    stage_users,
)
from learning_platform.lib.windows import UTC, window_for_key

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


def build_thrive_day_stream(stream: Stream) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one day-partitioned Thrive stream."""
    staged_stream = STREAMS[stream.name]
    table = staged_stream.table

    @daily_staged_asset(
        staged_stream,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=THRIVE_API_POOL,
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
        per_type = sum((s.rows_per_type for s in staged), Counter())
        metadata = {
            **row_count(sum(s.rows for s in staged), len(staged)),
            **stats.as_metadata(),
            "records_served_twice": sum(s.repeated for s in staged),
            "records_of_neighbouring_days": sum(s.outside_day for s in staged),
            "days": {
                s.window.key: {
                    "rows": s.rows,
                    "pages": s.pages,
                    "served_twice": s.repeated,
                    "complete": s.complete,
                }
                for s in staged
            },
            "incomplete_days": [s.window.key for s in staged if not s.complete],
            "staged_at": dg.MetadataValue.path(
                staging.area.path(SOURCE, stream.name, "<day>", RECORDS)
            ),
        }
        if per_type:
            metadata["rows_per_type"] = dict(sorted(per_type.items()))
        return dg.MaterializeResult(metadata=metadata)

    table_asset = daily_table_asset(
        staged_stream,
        staged_asset=staged_asset,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        load=lambda cursor, area, days, suppression: load_days(
            cursor, area, stream, days, suppression
        ),
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
    metadata=table_metadata(USERS.table),
    description=(
        "thrive.users: every Thrive user once, as the latest snapshot gave them. Users the newest "
        "snapshot no longer lists are kept, with the older snapshot_at that last saw them."
    ),
)
def users_table(
    context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
) -> dg.MaterializeResult:
    refuse_unless_valid(USERS, staging, [SNAPSHOT])
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
