"""LinkedIn Learning streams: each report aggregation staged per Pacific day, then loaded into
its warehouse table. One factory builds all three streams; they differ only in parameters."""

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

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
from learning_platform.defs.linkedin_learning.partitions import (
    LINKEDIN_API_POOL,
    backfill_policy,
    daily_partitions,
)
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.linkedin_learning.vocabulary_rules import (
    RULES,
    check_vocabulary,
)
from learning_platform.defs.staging import StagingStore
from learning_platform.defs.warehouse import PostgresWarehouse, table_metadata
from learning_platform.lib.http import RequestStats
from learning_platform.lib.linkedin_learning import records as linkedin_records
from learning_platform.lib.linkedin_learning.records import (
    CONTENT_SCHEMA,
    LEARNER_SCHEMA,
    Aggregation,
)
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.prefetch import prefetched
from learning_platform.lib.warehouse import loads as postgres
from learning_platform.lib.warehouse.tables import linkedin_learning as linkedin_tables
from learning_platform.lib.windows import DayWindow, from_epoch_ms, window_for_key

SOURCE = "linkedin_learning"
ACTIVITY, LEARNERS, CONTENTS = "activity", "learners", "contents"
DETAIL_BATCHES = {
    LEARNERS: linkedin_records.learner_batch,
    CONTENTS: linkedin_records.content_batch,
}

TABLES = {
    linkedin_records.ACCOUNT_ACTIVITY.stream: linkedin_tables.account_activity,
    linkedin_records.LEARNER_ACTIVITY.stream: linkedin_tables.learner_activity,
    linkedin_records.LEARNER_CONTENT_ACTIVITY.stream: linkedin_tables.learner_content_activity,
}


@dataclass
class StagedWindow:
    """What staging one day produced, for the run's metadata."""

    window: DayWindow
    rows: int = 0
    pages: int = 0
    learners: int = 0
    contents: int = 0
    latest_data_at: int | None = None
    rows_per_engagement_type: Counter = field(default_factory=Counter)

    @property
    def final(self) -> bool:
        return linkedin_records.day_is_final(self.window, self.latest_data_at)

    def observe(self, batch: pa.RecordBatch) -> None:
        """Count a page's rows per engagement type and keep the newest latestDataAt."""
        if batch.num_rows == 0:
            return
        for entry in pc.value_counts(batch.column("engagement_type")).to_pylist():
            self.rows_per_engagement_type[str(entry["values"])] += entry["counts"]
        latest_ms = pc.max(batch.column("latest_data_at")).value  # the column is in ms
        if latest_ms is not None:
            self.latest_data_at = max(self.latest_data_at or latest_ms, latest_ms)


def stage_window(
    client: LinkedInLearningClient,
    staging: StagingStore,
    aggregation: Aggregation,
    window: DayWindow,
    stats: RequestStats,
) -> StagedWindow:
    """Fetch one day of one aggregation, page by page, into its staged Parquet files.

    Each page becomes Arrow batches as it arrives; a day is never held in memory whole. The files
    replace the previous staging of the day only if the whole day was fetched.
    """
    staged = StagedWindow(window)
    area = staging.area

    def writer(part: str, schema: pa.Schema):
        return area.writer(SOURCE, aggregation.stream, window.key, part, schema)

    # The next page is fetched while this one is converted and written: still one request in
    # flight, but the wait for it no longer adds up with the work.
    pages = prefetched(
        client.api().activity_report_pages(
            window, aggregation.primary, aggregation.secondary, stats=stats
        ),
        name=f"linkedin-{aggregation.stream}-pages",
    )
    with contextlib.ExitStack() as files:
        files.enter_context(contextlib.closing(pages))  # a failure here stops the fetching thread
        activity = files.enter_context(writer(ACTIVITY, aggregation.activity_schema))
        details = {
            part: files.enter_context(writer(part, schema))
            for part, (_, schema) in _detail_tables(aggregation).items()
        }
        # Details are staged once per learner or content item and day, not once per element.
        seen: dict[str, set[str]] = {part: set() for part in details}
        for page in pages:
            staged.pages += 1
            batch = linkedin_records.activity_batch(page.elements, window, aggregation)
            activity.write(batch)
            staged.observe(batch)
            for part, sink in details.items():
                sink.write(DETAIL_BATCHES[part](page.elements, window.day, seen[part]))
        staged.rows = activity.rows
        staged.learners = details[LEARNERS].rows if LEARNERS in details else 0
        staged.contents = details[CONTENTS].rows if CONTENTS in details else 0
    return staged


def staged_reader(
    staging: StagingStore, aggregation: Aggregation, partition_keys: list[str]
) -> Callable[[Sequence[str]], Iterator[pa.RecordBatch]]:
    """Reads the named columns of the staged activity rows of these partitions, batch by batch."""

    def read(columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        for key in partition_keys:
            yield from staging.area.batches(
                SOURCE, aggregation.stream, key, ACTIVITY, columns=list(columns)
            )

    return read


def _detail_tables(aggregation: Aggregation) -> dict[str, tuple]:
    """The details files an aggregation stages, with the table and schema each is upserted into."""
    details = {}
    if aggregation.has_learner:
        details[LEARNERS] = (linkedin_tables.learners, LEARNER_SCHEMA)
    if aggregation.has_content:
        details[CONTENTS] = (linkedin_tables.contents, CONTENT_SCHEMA)
    return details


def _iso(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else from_epoch_ms(epoch_ms).isoformat()


def build_linkedin_stream(aggregation: Aggregation) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one LinkedIn report aggregation."""
    table = TABLES[aggregation.stream]
    staged_key = dg.AssetKey([SOURCE, f"{aggregation.stream}_staged"])

    @dg.asset(
        key=staged_key,
        group_name=SOURCE,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=LINKEDIN_API_POOL,
        retry_policy=UPSTREAM_RETRY_POLICY,
        kinds={"api", "parquet"},
        description=(
            f"LinkedIn Learning {aggregation.label} report, fetched one Pacific day per API call and staged "
            "as Parquet (one file per day). Blocking checks validate its vocabularies and keys before load."
        ),
    )
    def staged_asset(
        context: dg.AssetExecutionContext,
        linkedin_learning: LinkedInLearningClient,
        staging: StagingStore,
    ) -> dg.MaterializeResult:
        stats = RequestStats()
        windows = [window_for_key(key) for key in context.partition_keys]
        staged = []
        for window in windows:
            try:
                result = stage_window(linkedin_learning, staging, aggregation, window, stats)
            except Exception as error:
                failure = final_failure(error)
                if failure is not None:
                    raise failure from error
                raise
            context.log.info(
                f"{aggregation.label} {window}: {result.rows} rows from {result.pages} pages"
                + ("" if result.final else " (not final yet: latestDataAt is before the day's end)")
            )
            staged.append(result)
            release_free_memory()  # each day's pages are gone: keep the run's footprint one day's
        for shortfall in stats.shortfalls:
            context.log.warning(f"{aggregation.label} paging anomaly: {shortfall}")
        per_type = sum((s.rows_per_engagement_type for s in staged), Counter())
        latest = max(
            (s.latest_data_at for s in staged if s.latest_data_at is not None), default=None
        )
        return dg.MaterializeResult(
            metadata={
                **row_count(sum(s.rows for s in staged), len(staged)),
                **stats.as_metadata(),
                "latest_data_at": _iso(latest),
                "rows_per_engagement_type": dict(sorted(per_type.items())),
                "windows": {
                    s.window.key: {
                        "rows": s.rows,
                        "pages": s.pages,
                        "learners": s.learners,
                        "contents": s.contents,
                        "latest_data_at": _iso(s.latest_data_at),
                        "final": s.final,
                    }
                    for s in staged
                },
                "not_final_windows": [s.window.key for s in staged if not s.final],
                "staged_at": dg.MetadataValue.path(
                    staging.area.path(SOURCE, aggregation.stream, "<day>", ACTIVITY)
                ),
            }
        )

    @dg.asset(
        key=[SOURCE, aggregation.stream],
        deps=[staged_asset],
        group_name=SOURCE,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        kinds={"postgres"},
        retry_policy=WAREHOUSE_RETRY_POLICY,
        metadata=table_metadata(table),
        description=(
            f"{table.fullname}: the {aggregation.label} report, one row per metric per Pacific day. "
            "Each run replaces its days in one transaction"
            + (", and upserts learner and content details." if aggregation.has_learner else ".")
        ),
    )
    def table_asset(
        context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, staging: StagingStore
    ) -> dg.MaterializeResult:
        area = staging.area
        keys = list(context.partition_keys)
        # A blocking check stops this asset only when both run together; a run that selects the
        # table alone must not load what the checks would refuse.
        for rule in RULES:
            finding = check_vocabulary(staged_reader(staging, aggregation, keys), aggregation, rule)
            if not finding.passed:
                raise dg.Failure(
                    description=(
                        f"{table.fullname} {partitions_label(keys)} not loaded: "
                        f"{finding.summary} (check {rule.check_name} on {'/'.join(staged_key.path)})"
                    ),
                    allow_retries=False,
                )
        activity_batches = itertools.chain.from_iterable(
            area.batches(SOURCE, aggregation.stream, key, ACTIVITY) for key in keys
        )
        days = [window_for_key(key).day for key in keys]
        columns = aggregation.activity_schema.names
        details = _detail_tables(aggregation)
        upserted = {}
        with warehouse.transaction() as cursor:
            load = postgres.replace_partitions(
                cursor, table, "window_start", days, activity_batches, columns
            )
            for part, (detail_table, schema) in details.items():
                upserted[part] = postgres.upsert_batches(
                    cursor,
                    detail_table,
                    itertools.chain.from_iterable(
                        area.batches(SOURCE, aggregation.stream, key, part) for key in keys
                    ),
                    schema.names,
                    newer_column="last_seen_on",
                )
        release_free_memory()
        context.log.info(
            f"{table.fullname}: replaced {len(days)} day(s), {load.deleted} rows deleted, {load.written} written"
        )
        metadata = {
            **row_count(load.written, len(days)),
            "rows_deleted": load.deleted,
            "days": [day.isoformat() for day in days],
        }
        metadata.update({f"{part}_upserted": count for part, count in upserted.items()})
        return dg.MaterializeResult(metadata=metadata)

    return [staged_asset, table_asset]


linkedin_assets = [
    asset
    for aggregation in linkedin_records.AGGREGATIONS
    for asset in build_linkedin_stream(aggregation)
]
