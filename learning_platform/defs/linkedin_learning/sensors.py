"""The LinkedIn sensors: the late-data sensor, which pulls days again that were loaded before their
data was final, once LinkedIn's latestDataAt has passed their end; and the days-alone sensor, which
runs each day of a failed ranged run on its own."""

from collections import defaultdict
from datetime import date, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from learning_platform.defs.linkedin_learning.jobs import linkedin_learning_daily
from learning_platform.defs.linkedin_learning.partitions import daily_partitions
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.shared.automation import default_sensor_status, partition_range_request
from learning_platform.defs.shared.days_alone import days_alone_sensor
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.lib.linkedin_learning.late_data import (
    Requested,
    not_final_days,
    plan_late_data,
)
from learning_platform.lib.linkedin_learning.load import TABLES
from learning_platform.lib.linkedin_learning.stage import SOURCE
from learning_platform.lib.windows import PACIFIC, DayWindow, from_epoch_ms, to_epoch_ms

SENSOR_NAME = "linkedin_learning_late_data_sensor"
# How far back a loaded day is still watched. LinkedIn's aggregates settle within days; a month
# leaves room for an outage of its batch without the sensor reading the whole history every hour.
LOOKBACK_DAYS = 30
# Every aggregation's table: a day is final only once each report of it was loaded final.
ACTIVITY_TABLES = tuple(TABLES.values())
LATEST_DATA_AT_TAG = "linkedin_learning/latest_data_at"


def loaded_latest_data_at(
    warehouse: PostgresWarehouse, first: date, last: date
) -> dict[date, list[int | None]]:
    """For each day from `first` to `last` that any LinkedIn activity table holds rows of, the
    latestDataAt (epoch ms) each such table loaded it with. Days without rows are not here: the
    schedule and backfills load those."""
    per_table = sa.union_all(
        *(
            sa.select(table.c.window_start, sa.func.max(table.c.latest_data_at))
            .where(table.c.window_start.between(first, last))
            .group_by(table.c.window_start)
            for table in ACTIVITY_TABLES
        )
    )
    loaded: dict[date, list[int | None]] = defaultdict(list)
    with warehouse.engine.connect() as connection:
        for day, latest in connection.execute(per_table):
            loaded[day].append(None if latest is None else to_epoch_ms(latest))
    return dict(loaded)


def _failure(error: Exception, secrets: tuple[str | None, ...] = ()) -> str:
    """The failure in one line: its type and first line, without the given secrets."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


@dg.sensor(
    name=SENSOR_NAME,
    job=linkedin_learning_daily,
    # LinkedIn moves latestDataAt about once a day; hourly finds it soon enough, and asks the API
    # at most one small page per tick, and only while some loaded day is not final.
    minimum_interval_seconds=3600,
    default_status=default_sensor_status(),
    description=(
        f"Every hour: finds the LinkedIn days of the last {LOOKBACK_DAYS} that were loaded before "
        "LinkedIn's data for them was final (their latest_data_at did not reach the day's end), "
        "asks LinkedIn for its current latestDataAt, and runs linkedin_learning_daily again over "
        "the days it has now passed, in runs of at most 14 consecutive days. A day is asked for "
        "once per latestDataAt. A failed database query or API call skips the tick."
    ),
)
def linkedin_learning_late_data_sensor(
    context: dg.SensorEvaluationContext,
    linkedin_learning: LinkedInLearningClient,
    warehouse: PostgresWarehouse,
):
    requested = Requested.from_cursor(context.cursor)
    today = datetime.now(PACIFIC).date()
    first = max(today - timedelta(days=LOOKBACK_DAYS), daily_partitions.start.date())
    last = today - timedelta(days=1)
    # Failures from here on skip the tick and keep the cursor. (A warehouse already unreachable
    # when the tick starts fails the resource's set-up instead: an errored tick, cursor kept too.)
    try:
        loaded = loaded_latest_data_at(warehouse, first, last)
    except Exception as error:  # the warehouse went away or timed out: try again next tick
        return dg.SkipReason(
            "could not read what latestDataAt the LinkedIn days were loaded with: "
            + _failure(error, (_password(warehouse.database_url),))
        )
    not_final = not_final_days(loaded)
    if not not_final:
        return dg.SkipReason(f"every loaded LinkedIn day from {first} to {last} is final")

    # The newest not-final day has rows, so its ACCOUNT report has the element that states
    # latestDataAt; one day, as every call this platform makes.
    try:
        api_latest = linkedin_learning.latest_data_at(DayWindow(not_final[-1]))
    except Exception as error:  # an outage, a quota, a revoked key: try again next tick
        return dg.SkipReason(f"could not ask LinkedIn for its latestDataAt: {_failure(error)}")
    if api_latest is None:
        return dg.SkipReason(
            f"LinkedIn's ACCOUNT report for {not_final[-1]} has no element, so no latestDataAt"
        )

    plan = plan_late_data(loaded, api_latest, requested)
    requested.forget_before(first)
    api_latest_iso = from_epoch_ms(api_latest).isoformat()
    runs = [
        partition_range_request(
            days[0].isoformat(),
            days[-1].isoformat(),
            # The same days at the same latestDataAt are one run, however often they are seen.
            run_key=f"late-data:{days[0]}..{days[-1]}@{api_latest}",
            tags={LATEST_DATA_AT_TAG: api_latest_iso},
        )
        for days in plan.runs
    ]
    if runs:
        context.log.info(
            f"LinkedIn latestDataAt {api_latest_iso} has passed {len(plan.stale)} day(s) loaded "
            f"before it: {len(runs)} run(s) over {[f'{d[0]}..{d[-1]}' for d in plan.runs]}"
        )
        return dg.SensorResult(run_requests=runs, cursor=requested.to_cursor())
    waiting = len(plan.not_final) - len(plan.stale)
    return dg.SensorResult(
        cursor=requested.to_cursor(),
        skip_reason=(
            f"{len(plan.not_final)} loaded day(s) not final: {len(plan.stale)} already requested "
            f"at LinkedIn latestDataAt {api_latest_iso}, {waiting} not yet passed by it"
        ),
    )


def _password(url: str | None) -> str | None:
    try:
        return sa.make_url(url).password if url else None
    except Exception:
        return None


linkedin_learning_days_alone = days_alone_sensor(
    name="linkedin_learning_days_alone",
    source=SOURCE,
    job=linkedin_learning_daily,
    partitions_def=daily_partitions,
)
