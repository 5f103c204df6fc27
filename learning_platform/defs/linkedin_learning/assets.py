"""LinkedIn Learning streams: each report aggregation staged per Pacific day, then loaded into its
warehouse table. One factory builds all three streams; they differ only in parameters."""

from collections import Counter

import dagster as dg

from learning_platform.defs.linkedin_learning.partitions import (
    LINKEDIN_API_POOL,
    backfill_policy,
    daily_partitions,
)
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.shared.checks import StagedStream
from learning_platform.defs.shared.metadata import iso_from_epoch_ms, row_count
from learning_platform.defs.shared.resources import StagingStore
from learning_platform.defs.shared.retries import (
    no_retry_for_final_failures,
)
from learning_platform.defs.shared.tables import daily_staged_asset, daily_table_asset
from learning_platform.lib.http import RequestStats
from learning_platform.lib.linkedin_learning import records
from learning_platform.lib.linkedin_learning.load import TABLES, load_days
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.linkedin_learning.rules import rules
from learning_platform.lib.linkedin_learning.stage import (
    ACTIVITY,
    SOURCE,
    detail_parts,
    stage_window,
)
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.windows import window_for_key


def staged_stream(aggregation: Aggregation) -> StagedStream:
    return StagedStream(
        source=SOURCE,
        name=aggregation.stream,
        part=ACTIVITY,
        rules=rules(aggregation),
        table=TABLES[aggregation.stream],
        checks_description=f"Vocabulary and key checks of the staged {aggregation.label} report.",
        other_parts=tuple(detail_parts(aggregation)),
    )


STREAMS = {aggregation: staged_stream(aggregation) for aggregation in records.AGGREGATIONS}


def build_linkedin_stream(aggregation: Aggregation) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one LinkedIn report aggregation."""
    stream = STREAMS[aggregation]
    table = stream.table

    @daily_staged_asset(
        stream,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=LINKEDIN_API_POOL,
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
        staged = []
        for key in context.partition_keys:
            window = window_for_key(key)
            with no_retry_for_final_failures():
                result = stage_window(
                    linkedin_learning.api(), staging.area, aggregation, window, stats
                )
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
                "latest_data_at": iso_from_epoch_ms(latest),
                "rows_per_engagement_type": dict(sorted(per_type.items())),
                "windows": {
                    s.window.key: {
                        "rows": s.rows,
                        "pages": s.pages,
                        "learners": s.learners,
                        "contents": s.contents,
                        "latest_data_at": iso_from_epoch_ms(s.latest_data_at),
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

    table_asset = daily_table_asset(
        stream,
        staged_asset=staged_asset,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        load=lambda cursor, area, days, suppression: load_days(
            cursor, area, aggregation, days, suppression
        ),
        description=(
            f"{table.fullname}: the {aggregation.label} report, one row per metric per Pacific day. "
            "Each run replaces its days in one transaction"
            + (", and upserts learner and content details." if aggregation.has_learner else ".")
        ),
    )
    return [staged_asset, table_asset]


linkedin_assets = [
    asset for aggregation in records.AGGREGATIONS for asset in build_linkedin_stream(aggregation)
]
