"""LinkedIn Learning streams: each report aggregation staged per Pacific day, then loaded into its
warehouse table. One factory builds all four streams; they differ only in parameters."""

import dagster as dg

from learning_platform.defs.linkedin_learning.partitions import (
    LINKEDIN_API_POOL,
    backfill_policy,
    daily_partitions,
)
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.shared.catalog import code_version
from learning_platform.defs.shared.checks import StagedStream
from learning_platform.defs.shared.metadata import (
    iso_from_epoch_ms,
    record_per_partition,
    run_size,
)
from learning_platform.defs.shared.resources import StagingStore
from learning_platform.defs.shared.retries import (
    no_retry_for_final_failures,
)
from learning_platform.defs.shared.tables import daily_staged_asset, daily_table_asset
from learning_platform.lib import suppression, windows
from learning_platform.lib.http import RequestStats
from learning_platform.lib.linkedin_learning import api, load, records, stage
from learning_platform.lib.linkedin_learning.load import DETAIL_TABLES, TABLES, load_days
from learning_platform.lib.linkedin_learning.records import Aggregation
from learning_platform.lib.linkedin_learning.rules import rules
from learning_platform.lib.linkedin_learning.stage import (
    ACTIVITY,
    SOURCE,
    StagedWindow,
    detail_parts,
    stage_window,
)
from learning_platform.lib.memory import release_free_memory
from learning_platform.lib.warehouse import loads
from learning_platform.lib.warehouse.tables import linkedin_learning as tables
from learning_platform.lib.windows import window_for_key

# What decides a staged day's rows (the calls, the records, the Pacific day), and a loaded day's.
STAGING_CODE = code_version(api, records, stage, windows)
LOADING_CODE = code_version(load, loads, tables, suppression)


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


def day_figures(aggregation: Aggregation, staged: StagedWindow) -> dict:
    """A staged day's own figures, for its own materialization."""
    figures = {"dagster/row_count": staged.rows, "pages": staged.pages}
    if aggregation.has_learner:
        figures["learners"] = staged.learners
    if aggregation.has_content:
        figures["contents"] = staged.contents
    return figures | {
        "latest_data_at": iso_from_epoch_ms(staged.latest_data_at),
        "final": staged.final,
        "rows_per_engagement_type": dict(sorted(staged.rows_per_engagement_type.items())),
    }


def build_linkedin_stream(aggregation: Aggregation) -> list[dg.AssetsDefinition]:
    """The staged asset and the table asset of one LinkedIn report aggregation."""
    stream = STREAMS[aggregation]
    table = stream.table
    details = detail_parts(aggregation)

    @daily_staged_asset(
        stream,
        partitions_def=daily_partitions,
        backfill_policy=backfill_policy,
        pool=LINKEDIN_API_POOL,
        parts={ACTIVITY: aggregation.activity_schema, **details},
        code_version=STAGING_CODE,
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
        record_per_partition(context, {s.window.key: day_figures(aggregation, s) for s in staged})
        return dg.MaterializeResult(
            metadata={
                **run_size(context.partition_keys),
                **stats.as_metadata(),
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
        load=lambda cursor, area, days, erased: load_days(cursor, area, aggregation, days, erased),
        code_version=LOADING_CODE,
        also_writes=[DETAIL_TABLES[part] for part in details],
        description=(
            f"{table.fullname}: the {aggregation.label} report, one row per metric per Pacific day. "
            "Each run replaces its days in one transaction"
            + "".join(f", and upserts {DETAIL_TABLES[part].fullname}" for part in details)
            + "."
        ),
    )
    return [staged_asset, table_asset]


linkedin_assets = [
    asset for aggregation in records.AGGREGATIONS for asset in build_linkedin_stream(aggregation)
]
