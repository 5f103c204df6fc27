"""Days fail alone: when a run over a range of days fails, each of its days runs again on its own.

A ranged run (a backfill's 14 days, the schedule's 4) is one step per asset over all its days, and
in Dagster 1.13 a step, a blocking check and a run succeed or fail whole: one day refused for good
(a 403, a malformed page, an unknown verb) fails every day of the run. Ranged runs stay, because a
year's backfill as one run per day would pay Dagster's fixed cost per run hundreds of times; when
one fails, this sensor asks for a run per day of its range. The good days load and show as
materialized; the bad day fails again, in a run of its own that names it. A run that died without
a failed step is first retried whole by the instance (run_retries in dagster.yaml): it is split
only if that retry fails too.
"""

from collections.abc import Iterable, Iterator

import dagster as dg

from learning_platform.defs.shared.automation import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    default_sensor_status,
)

SPLIT_FROM_TAG = "learning_platform/split_from"
WILL_RETRY_TAG = "dagster/will_retry"


def failed_range(
    run: dg.DagsterRun,
    planned: Iterable[dg.AssetKey],
    source: str,
    partitions_def: dg.PartitionsDefinition,
) -> list[str]:
    """The days of a failed ranged run that should each run alone: those of its range, when it
    planned to materialize assets of `source` (`planned`, whichever way it was launched: a job, a
    backfill, the UI) and the instance will not retry it whole. None for a one-day run."""
    start = run.tags.get(PARTITION_RANGE_START_TAG)
    end = run.tags.get(PARTITION_RANGE_END_TAG)
    if start is None or end is None or start == end:
        return []
    if run.tags.get(WILL_RETRY_TAG) == "true":
        return []
    if not any(key.path[0] == source for key in planned):
        return []
    return list(partitions_def.get_partition_keys_in_range(dg.PartitionKeyRange(start, end)))


def planned_assets(instance: dg.DagsterInstance, run_id: str) -> set[dg.AssetKey]:
    """The assets a run planned to materialize."""
    return {
        entry.dagster_event.asset_key
        for entry in instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED
        )
        if entry.dagster_event is not None and entry.dagster_event.asset_key is not None
    }


def days_alone_sensor(
    *,
    name: str,
    source: str,
    job,  # the source's daily asset job (define_asset_job)
    partitions_def: dg.PartitionsDefinition,
) -> dg.SensorDefinition:
    """A sensor that runs `job` once per day of every failed ranged run of `source`'s assets."""

    @dg.run_failure_sensor(
        name=name,
        request_job=job,
        default_status=default_sensor_status(),
        minimum_interval_seconds=30,
        description=(
            f"When a run over several days of {source} fails (a backfill's, a schedule's), runs "
            f"{job.name} once per day of its range, so that one day refused for good keeps no "
            "other day out of the warehouse: the good days load, the bad day fails alone and is "
            "named by its own run. A run the instance retries whole is split only if the retry "
            "fails too."
        ),
    )
    def days_alone(context: dg.RunFailureSensorContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        run = context.dagster_run
        days = failed_range(
            run, planned_assets(context.instance, run.run_id), source, partitions_def
        )
        if not days:
            yield dg.SkipReason(f"run {run.run_id} is not a failed range of {source} days")
            return
        context.log.info(
            f"run {run.run_id} failed over {days[0]}..{days[-1]}: one run per day of its range"
        )
        for day in days:
            yield dg.RunRequest(
                # Each day once per failed run, however often the failure is seen.
                run_key=f"{run.run_id}:{day}",
                partition_key=day,
                tags={SPLIT_FROM_TAG: run.run_id},
            )

    return days_alone
