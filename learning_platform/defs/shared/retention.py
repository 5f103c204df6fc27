"""Staging retention: every day, the staged partitions older than
LEARNING_PLATFORM_STAGING_RETENTION_DAYS that have been loaded since they were staged are removed,
so learners' e-mails and names do not stay in a second place longer than a re-run needs them."""

from collections import Counter, defaultdict
from datetime import UTC, datetime

import dagster as dg

from learning_platform import settings
from learning_platform.defs.shared.automation import default_schedule_status
from learning_platform.defs.shared.resources import StagingStore
from learning_platform.lib.staging_retention import remove_expired_partitions

JOB_NAME = "staging_retention"
SCHEDULE_NAME = "staging_retention_schedule"


class ConsumedPartitions:
    """Whether a staged partition has been loaded since it was last staged, as the instance's event
    log tells: every asset downstream of its staged asset (the table it is loaded into) has a
    materialization of the partition newer than the staged asset's latest one. A partition of a
    stream the code location has no staged asset for, or that Dagster never recorded as staged, is
    unknown, and kept."""

    def __init__(self, instance: dg.DagsterInstance, asset_graph):
        self._instance = instance
        self._graph = asset_graph
        self.unknown: list[tuple[str, str, str]] = []

    def __call__(self, source: str, stream: str, partition_key: str) -> bool:
        # The staged asset of a stream's folder, as StagedStream names it.
        staged_key = dg.AssetKey([source, f"{stream}_staged"])
        staged = self._latest(staged_key, partition_key) if self._graph.has(staged_key) else None
        if staged is None:
            self.unknown.append((source, stream, partition_key))
            return False
        loaders = self._graph.get(staged_key).child_keys
        return bool(loaders) and all(
            (self._latest(key, partition_key) or 0) > staged for key in loaders
        )

    def _latest(self, asset_key: dg.AssetKey, partition_key: str) -> int | None:
        """The storage id (the event log's order) of the latest materialization of the asset's
        partition, or of the asset when it is not partitioned (the Thrive users snapshot)."""
        partitioned = self._graph.get(asset_key).partitions_def is not None
        records = self._instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=asset_key, asset_partitions=[partition_key] if partitioned else None
            ),
            limit=1,
        ).records
        return records[0].storage_id if records else None


@dg.op(
    description=(
        "Removes the staged partitions older than LEARNING_PLATFORM_STAGING_RETENTION_DAYS whose "
        "table has been loaded since they were staged. Partitions not loaded since, unknown to "
        "Dagster, or written in the last six hours are kept."
    )
)
def remove_expired_staged_partitions(context: dg.OpExecutionContext, staging: StagingStore) -> None:
    retention_days = settings.staging_retention_days()
    consumed = ConsumedPartitions(context.instance, context.repository_def.asset_graph)
    result = remove_expired_partitions(
        staging.area, retention_days, datetime.now(UTC), loaded=consumed
    )

    partitions_removed = Counter((p.source, p.stream) for p in result.removed)
    removed_per_stream = {
        f"{source}/{stream}": {"partitions": count, "files": result.files_removed[(source, stream)]}
        for (source, stream), count in sorted(partitions_removed.items())
    }
    for stream, removed in removed_per_stream.items():
        context.log.info(
            f"{stream}: removed {removed['partitions']} partition(s), {removed['files']} file(s)"
        )
    unknown = defaultdict(list)
    for source, stream, key in consumed.unknown:
        unknown[f"{source}/{stream}"].append(key)
    for stream, keys in sorted(unknown.items()):
        context.log.warning(
            f"{stream}: {len(keys)} expired partition(s) on disk that this Dagster instance never "
            f"saw staged, kept: {', '.join(keys[:10])}" + (", ..." if len(keys) > 10 else "")
        )
    context.add_output_metadata(
        {
            "retention_days": retention_days,
            "partitions_removed": len(result.removed),
            "files_removed": sum(result.files_removed.values()),
            "removed_per_stream": removed_per_stream,
            # Expired, and kept.
            "kept_not_loaded_since_staged": len(result.not_loaded) - len(consumed.unknown),
            "kept_unknown_to_dagster": len(consumed.unknown),
            "kept_in_use": len(result.in_use),
        }
    )


@dg.job(
    name=JOB_NAME,
    description=(
        "Removes the staged partitions (learners' e-mails and names) older than "
        f"{settings.STAGING_RETENTION_DAYS} (default: {settings.DEFAULT_STAGING_RETENTION_DAYS}) "
        "once their table has loaded them. A partition not loaded since it was staged is never "
        "removed."
    ),
)
def staging_retention():
    remove_expired_staged_partitions()


# 05:00 UTC: after the Thrive night runs (01:00 and 02:00 UTC), before LinkedIn's morning run
# (07:00 Pacific). A run staging an old day meanwhile (a backfill) keeps its files anyway: a
# partition written in the last six hours is never removed.
staging_retention_schedule = dg.ScheduleDefinition(
    name=SCHEDULE_NAME,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    job=staging_retention,
    default_status=default_schedule_status(),
    description=(
        "Every day at 05:00 UTC: staging_retention removes the loaded staged partitions older "
        "than the retention."
    ),
)
