"""How the sources keep themselves current: whether their schedules and sensors start running, how
they ask for ranged runs, the daily schedule they share, and partition freshness checks."""

import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from learning_platform import settings

# The tags a backfill's ranged runs carry: Dagster 1.13's RunRequest has no range argument, and its
# `partition_key_range` property reads these two tags.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def default_schedule_status() -> dg.DefaultScheduleStatus:
    """RUNNING when LEARNING_PLATFORM_AUTOMATION is on as the definitions load, else STOPPED (an
    operator turns the schedule on in the UI, or with `dagster schedule start`)."""
    if settings.automation_on():
        return dg.DefaultScheduleStatus.RUNNING
    return dg.DefaultScheduleStatus.STOPPED


def default_sensor_status() -> dg.DefaultSensorStatus:
    """The sensors' equivalent of `default_schedule_status`."""
    if settings.automation_on():
        return dg.DefaultSensorStatus.RUNNING
    return dg.DefaultSensorStatus.STOPPED


def partition_range_request(
    first: str, last: str, run_key: str, tags: Mapping[str, str] | None = None
) -> dg.RunRequest:
    """One run over the partitions first..last, both included: a single partition by its key,
    several as one ranged run, as a backfill launches them (each asset gets them all at once)."""
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first, tags=dict(tags or {}))
    return dg.RunRequest(
        run_key=run_key,
        tags={**(tags or {}), PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last},
    )


def days_before(
    moment: datetime, partitions_def: dg.TimeWindowPartitionsDefinition, count: int
) -> list[date]:
    """The `count` days before the day of `moment` in the partitions' time zone (yesterday and the
    days before it), oldest first, without those before the partitions start. A day is a partition
    once it has ended, so these all exist."""
    zone = ZoneInfo(partitions_def.timezone)
    today = moment.astimezone(zone).date()
    first_partition = partitions_def.start.astimezone(zone).date()
    days = [today - timedelta(days=n) for n in range(count, 0, -1)]
    return [day for day in days if day >= first_partition]


def partition_freshness(
    assets: Sequence[dg.AssetKey], deadline_cron: str, timezone: str, sensor_name: str
) -> tuple[list[dg.AssetChecksDefinition], dg.SensorDefinition]:
    """A check per daily-partitioned asset that its newest partition as of the latest
    `deadline_cron` tick (yesterday, once today's deadline has passed) is materialized, and the
    sensor that evaluates the checks.

    Partition-aware checks, not a FreshnessPolicy: in Dagster 1.13 a policy looks at the asset's
    last materialization of any partition, so a re-pull of older days (each schedule's trailing
    days, the late-data sensor, a backfill) would keep it fresh while yesterday is missing. Dagster
    calls these builders superseded by that policy; the warning is silenced here knowingly. WARN:
    the data is late, not wrong (wrong data is what the blocking ERROR checks stop).

    Until its sensor has run it, a check has no result, and the UI's asset graph draws that as a
    green tick beside "0 / 1 Passed" (the node's icon is the worst status among failed, warned and
    skipped, a tick when there is none): the demo ticks the sensors once after its loads, and
    a deployment turns them on (LEARNING_PLATFORM_AUTOMATION).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        checks = list(
            dg.build_time_partition_freshness_checks(
                assets=assets,
                deadline_cron=deadline_cron,
                timezone=timezone,
                severity=dg.AssetCheckSeverity.WARN,
            )
        )
        sensor = dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name=sensor_name,
            # A check passes until the next deadline; between deadlines the sensor has nothing to
            # do, and ten minutes after one is soon enough to say a day is late.
            minimum_interval_seconds=600,
            default_status=default_sensor_status(),
        )
    return checks, sensor


def daily_range_schedule(
    *,
    name: str,
    cron_schedule: str,
    job,  # an asset job (define_asset_job)
    partitions_def: dg.TimeWindowPartitionsDefinition,
    days_per_tick: int,
    source_label: str,
    description: str,
) -> dg.ScheduleDefinition:
    """A schedule that runs `job` once per tick over the `days_per_tick` days before the tick's
    day (in the partitions' time zone, so that daylight saving moves nothing), as one ranged run.
    Its run key is the tick's day: one run per scheduled day, however often a tick is evaluated."""
    zone = ZoneInfo(partitions_def.timezone)

    @dg.schedule(
        name=name,
        cron_schedule=cron_schedule,
        execution_timezone=partitions_def.timezone,
        job=job,
        default_status=default_schedule_status(),
        description=description,
    )
    def daily_schedule(context: dg.ScheduleEvaluationContext):
        scheduled_at = context.scheduled_execution_time
        days = days_before(scheduled_at, partitions_def, days_per_tick)
        if not days:
            return dg.SkipReason(
                f"no {source_label} partition has ended yet: they start on "
                f"{partitions_def.start.date()}"
            )
        run_key = f"daily@{scheduled_at.astimezone(zone).date().isoformat()}"
        return partition_range_request(days[0].isoformat(), days[-1].isoformat(), run_key)

    return daily_schedule
