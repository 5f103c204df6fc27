"""What the sources share: step retry policies, the metadata of ranged runs, and how their
schedules and sensors ask for runs and start."""

import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from learning_platform import settings
from learning_platform.lib.http import RetryPolicy, UpstreamResponseError
from learning_platform.lib.typed_json import RecordError

# The API clients already retry each request within their budget; these re-run a step that still
# failed, later, a bounded number of times: an upstream outage or quota, a database restart.
UPSTREAM_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=120, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
WAREHOUSE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
RETRYABLE_STATUSES = RetryPolicy().retry_statuses


def row_count(rows: int, partitions: int) -> dict:
    """A ranged run's metadata is recorded on each of its partitions, so a per-partition row count
    is only claimed when the run had one partition; the assets' per-day metadata breaks a range
    down."""
    if partitions == 1:
        return {"dagster/row_count": rows}
    return {"rows_in_run": rows, "partitions_in_run": partitions}


def partitions_label(keys: Sequence[str]) -> str:
    return f"partition {keys[0]}" if len(keys) == 1 else f"partitions {keys[0]}..{keys[-1]}"


def final_failure(error: Exception) -> dg.Failure | None:
    """The failure to raise instead of `error` when another attempt in a few minutes would not fix
    it (no step retry): a refused parameter, key or licence, or data that is wrong in itself (a
    lossy value; fetching it again brings the same). None for anything worth retrying."""
    if isinstance(error, UpstreamResponseError) and error.status not in RETRYABLE_STATUSES:
        return dg.Failure(description=str(error), allow_retries=False)
    if isinstance(error, RecordError):
        return dg.Failure(description=str(error), allow_retries=False)
    return None


# -- automation ----------------------------------------------------------------------------------

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
