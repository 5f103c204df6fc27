"""Thrive streams: activity records and CPD entries staged per UTC day, users as a snapshot, each
then loaded into its warehouse table. One factory builds both daily streams."""

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from learning_platform.defs.common import (
    UPSTREAM_RETRY_POLICY,
    WAREHOUSE_RETRY_POLICY,
    final_failure,
    partitions_label,
    row_count,
)
from learning_platform.defs.staging import StagingStore
from learning_platform.defs.thrive.partitions import (
    THRIVE_API_POOL,
    backfill_policy,
    daily_partitions,
)
from learning_platform.defs.thrive.resources import ThriveClient
from learning_platform.defs.thrive.validations import RULES
from learning_platform.defs.warehouse import PostgresWarehouse, table_metadata
from learning_platform.lib.http import RequestStats
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.prefetch import prefetched
from learning_platform.lib.thrive import records as thrive_records
from learning_platform.lib.thrive.records import USER_SCHEMA, USERS, Stream
from learning_platform.lib.warehouse import loads as postgres
from learning_platform.lib.warehouse.tables import thrive as thrive_tables
from learning_platform.lib.windows import UTC, DayWindow, window_for_key

SOURCE = "thrive"
RECORDS = "records"  # the staged file of a partition
USERS_STREAM = "users"
SNAPSHOT = "latest"  # the users snapshot is not partitioned: one staged file, replaced each time

TABLES = {
    thrive_records.ACTIVITY_STREAM.name: thrive_tables.activities,
    thrive_records.CPD_ENTRY_STREAM.name: thrive_tables.cpd_entries,
    USERS_STREAM: thrive_tables.users,
}


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


def stage_day(
    client: ThriveClient,
    staging: StagingStore,
    stream: Stream,
    window: DayWindow,
    stats: RequestStats,
) -> StagedDay:
    """Fetch one UTC day of one stream, page by page, into its staged Parquet file.

    The query reaches past both ends of the day, and each record is kept by its own timestamp:
    whether Thrive's bounds are inclusive is undocumented, and a record at exactly midnight must
    land in one day, once. The file replaces the previous staging of the day only if the whole day
    was fetched.
    """
    staged = StagedDay(window)
    overlap = client.window_overlap
    staged.complete = datetime.now(timezone.utc) >= window.end + overlap
    api = client.api()
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
    seen: set[str] = set()
    with contextlib.ExitStack() as files:
        files.enter_context(contextlib.closing(pages))  # a failure here stops the fetching thread
        sink = files.enter_context(
            staging.area.writer(SOURCE, stream.name, window.key, RECORDS, stream.schema)
        )
        for records in pages:
            staged.pages += 1
            kept = []
            for record in records:
                if not window.start <= stream.time_of(record) < window.end:
                    staged.outside_day += 1
                    continue
                record_id = stream.record_id(record)
                if record_id is not None:  # a missing id stays, for the keys check to report
                    if record_id in seen:
                        staged.repeated += 1
                        continue
                    seen.add(record_id)
                kept.append(record)
            batch = stream.to_batch(kept)
            sink.write(batch)
            if stream is thrive_records.ACTIVITY_STREAM and batch.num_rows:
                for entry in pc.value_counts(batch.column("type")).to_pylist():
                    staged.rows_per_type[str(entry["values"])] += entry["counts"]
        staged.rows = sink.rows
    return staged


def staged_reader(
    staging: StagingStore, stream_name: str, partition_keys: Sequence[str]
) -> Callable[[Sequence[str]], Iterator[pa.RecordBatch]]:
    """Reads the named columns of the staged rows of these partitions, batch by batch."""

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        for key in partition_keys:
            yield from staging.area.batches(
                SOURCE, stream_name, key, RECORDS, columns=list(columns)
            )

    return read


def refuse_unless_valid(
    staging: StagingStore, stream_name: str, partition_keys: Sequence[str], staged_key: dg.AssetKey
) -> None:
    """The table asset's last guard. A blocking check stops the table load only when both run
    together; a run that selects the table alone must not load what the checks would refuse."""
    table = TABLES[stream_name]
    rows = staged_reader(staging, stream_name, partition_keys)
    for rule in RULES[stream_name]:
        finding = rule.run(rows)
        if not finding.passed:
            where = "" if partition_keys == [SNAPSHOT] else f" {partitions_label(partition_keys)}"
            raise dg.Failure(
                description=(
                    f"{table.fullname}{where} not loaded: {finding.summary} "
                    f"(check {rule.check_name} on {'/'.join(staged_key.path)})"
                ),
                allow_retries=False,
            )


def build_thrive_day_stream(stream: Stream) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one day-partitioned Thrive stream."""
    table = TABLES[stream.name]
    staged_key = dg.AssetKey([SOURCE, f"{stream.name}_staged"])

    @dg.asset(
        key=staged_key,
        group_name=SOURCE,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=THRIVE_API_POOL,
        retry_policy=UPSTREAM_RETRY_POLICY,
        kinds={"api", "parquet"},
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
            try:
                result = stage_day(thrive, staging, stream, window, stats)
            except Exception as error:
                failure = final_failure(error)
                if failure is not None:
                    raise failure from error
                raise
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

    @dg.asset(
        key=[SOURCE, stream.name],
        deps=[staged_asset],
        group_name=SOURCE,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        kinds={"postgres"},
        retry_policy=WAREHOUSE_RETRY_POLICY,
        metadata=table_metadata(table),
        description=(
            f"{table.fullname}: Thrive {stream.label}, one row per record, keyed by its id. Each run "
            f"replaces its UTC days (by {stream.time_column}) in one transaction."
        ),
    )
    def table_asset(
        context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
    ) -> dg.MaterializeResult:
        keys = list(context.partition_keys)
        refuse_unless_valid(staging, stream.name, keys, staged_key)
        windows = [window_for_key(key, UTC) for key in keys]
        columns = [name for name in stream.schema.names if name in table.columns]
        batches = itertools.chain.from_iterable(
            staging.area.batches(SOURCE, stream.name, key, RECORDS) for key in keys
        )
        with warehouse.transaction() as cursor:
            deleted = postgres.delete_time_ranges(
                cursor, table, stream.time_column, [(w.start, w.end) for w in windows]
            )
            # An upsert, not a plain insert: a record whose timestamp Thrive moved to another day
            # is still keyed by its id, and is updated in place instead of failing the load.
            written = postgres.upsert_batches(cursor, table, batches, columns, newer_column=None)
        release_free_memory()
        context.log.info(
            f"{table.fullname}: replaced {len(windows)} day(s), {deleted} rows deleted, {written} written"
        )
        return dg.MaterializeResult(
            metadata={
                **row_count(written, len(windows)),
                "rows_deleted": deleted,
                "days": [window.key for window in windows],
            }
        )

    return [staged_asset, table_asset]


users_staged_key = dg.AssetKey([SOURCE, f"{USERS_STREAM}_staged"])


@dg.asset(
    key=users_staged_key,
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
    snapshot_at = datetime.now(timezone.utc)
    seen: set[str] = set()
    repeated = 0
    api = thrive.api()
    try:
        with contextlib.ExitStack() as files:
            pages = files.enter_context(
                contextlib.closing(prefetched(api.pages(USERS, stats=stats), name="thrive-users"))
            )
            sink = files.enter_context(
                staging.area.writer(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS, USER_SCHEMA)
            )
            for users in pages:
                kept = []
                for user in users:
                    if user.id is not None and user.id in seen:
                        repeated += 1  # offset paging over a set that changed: served twice
                        continue
                    if user.id is not None:
                        seen.add(user.id)
                    kept.append(user)
                sink.write(thrive_records.user_batch(kept, snapshot_at))
            rows = sink.rows
    except Exception as error:
        failure = final_failure(error)
        if failure is not None:
            raise failure from error
        raise
    for shortfall in stats.shortfalls:
        context.log.warning(f"Thrive users paging anomaly: {shortfall}")
    context.log.info(f"Thrive users: {rows} in the snapshot taken at {snapshot_at.isoformat()}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            **stats.as_metadata(),
            "records_served_twice": repeated,
            "snapshot_at": snapshot_at.isoformat(),
            "staged_at": dg.MetadataValue.path(
                staging.area.path(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS)
            ),
        }
    )


@dg.asset(
    key=[SOURCE, USERS_STREAM],
    deps=[users_staged],
    group_name=SOURCE,
    kinds={"postgres"},
    retry_policy=WAREHOUSE_RETRY_POLICY,
    metadata=table_metadata(thrive_tables.users),
    description=(
        "thrive.users: every Thrive user once, as the latest snapshot gave them. Users the newest "
        "snapshot no longer lists are kept, with the older snapshot_at that last saw them."
    ),
)
def users_table(
    context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
) -> dg.MaterializeResult:
    refuse_unless_valid(staging, USERS_STREAM, [SNAPSHOT], users_staged_key)
    table = thrive_tables.users
    with warehouse.transaction() as cursor:
        written = postgres.upsert_batches(
            cursor,
            table,
            staging.area.batches(SOURCE, USERS_STREAM, SNAPSHOT, RECORDS),
            USER_SCHEMA.names,
            newer_column="snapshot_at",
        )
        no_longer_listed, total = postgres.count_older_rows(cursor, table, "snapshot_at")
    context.log.info(f"{table.fullname}: {written} users upserted, {total} in the table")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "users_upserted": written,
            "users_no_longer_listed": no_longer_listed,
        }
    )


thrive_assets = [
    asset for stream in thrive_records.DAY_STREAMS for asset in build_thrive_day_stream(stream)
] + [users_staged, users_table]
