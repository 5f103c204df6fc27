"""The late-data sensor against the LinkedIn sandbox and a real warehouse: which days it pulls
again, in which runs, what it remembers, and what it does when the API or the database fails.

Days are recent (the sensor watches the last 30 Pacific days). A day "loaded before final" is
loaded while the sandbox's data (LinkedIn's latestDataAt) reaches only its noon."""

from datetime import date, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa

from learning_platform.defs.linkedin_learning.assets import linkedin_assets
from learning_platform.defs.linkedin_learning.checks import linkedin_checks
from learning_platform.defs.linkedin_learning.jobs import linkedin_learning_daily
from learning_platform.defs.linkedin_learning.sensors import (
    ACTIVITY_TABLES,
    linkedin_learning_late_data_sensor,
)
from learning_platform.defs.shared.automation import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
)
from learning_platform.lib.linkedin_learning.late_data import Requested, plan_late_data
from learning_platform.lib.linkedin_learning.records import day_is_final
from learning_platform.lib.windows import PACIFIC, DayWindow, to_epoch_ms


def days_ago(n: int) -> date:
    return datetime.now(PACIFIC).date() - timedelta(days=n)


def noon(day: date) -> datetime:
    return DayWindow(day).start.replace(hour=12)


def last_minute(day: date) -> datetime:
    """23:59 Pacific: LinkedIn's stamp of a complete day."""
    return DayWindow(day).end - timedelta(minutes=1)


class LateData:
    """The sensor and its job wired to the platform's sandbox, warehouse and instance."""

    def __init__(self, platform):
        self.platform = platform
        self.organisation = platform.sandbox.organisation
        self.definitions = dg.Definitions(
            assets=[*linkedin_assets, *linkedin_checks],
            jobs=[linkedin_learning_daily],
            sensors=[linkedin_learning_late_data_sensor],
            resources=platform.resources,
        )

    def load_before_final(self, day: date, selection: str | None = None) -> None:
        """Load `day` (every stream, or the `selection`) while LinkedIn's data reaches only its
        noon."""
        self.organisation.data_through = noon(day)
        assert self.platform.materialize(day.isoformat(), selection=selection).success

    def tick(self, cursor: str | None = None):
        resources = {
            key: self.platform.resources[key] for key in ("linkedin_learning", "warehouse")
        }
        with dg.build_sensor_context(
            instance=self.platform.instance,
            cursor=cursor,
            definitions=self.definitions,
            resources=resources,
        ) as context:
            return linkedin_learning_late_data_sensor.evaluate_tick(context)

    def run(self, request: dg.RunRequest):
        """Execute a requested run as the daemon would launch it: the job, with its tags."""
        job = self.definitions.resolve_job_def(linkedin_learning_daily.name)
        return job.execute_in_process(
            instance=self.platform.instance,
            partition_key=request.partition_key,
            tags={k: v for k, v in request.tags.items() if k != "dagster/partition"},
            raise_on_error=False,
        )

    def loaded_latest(self, day: date) -> list[int | None]:
        """The latestDataAt each LinkedIn table holds for `day`."""
        latest = []
        for table in ACTIVITY_TABLES:
            rows = self.platform.query(
                f"SELECT max(latest_data_at) FROM {table.fullname} WHERE window_start = %s", day
            )
            latest.append(None if rows[0][0] is None else to_epoch_ms(rows[0][0]))
        return latest


@pytest.fixture
def late_data(platform) -> LateData:
    return LateData(platform)


def requested(data) -> list[tuple[str, date, date]]:
    """(run key, first day, last day) of each run a tick asks for."""
    runs = []
    for request in data.run_requests:
        first = request.partition_key or request.tags[PARTITION_RANGE_START_TAG]
        last = request.partition_key or request.tags[PARTITION_RANGE_END_TAG]
        runs.append((request.run_key, date.fromisoformat(first), date.fromisoformat(last)))
    return runs


def test_days_loaded_before_final_are_requested_in_runs_of_at_most_fourteen_consecutive_days(
    late_data, organisation
):
    """Fifteen consecutive stale days are two runs (14 + 1); a final day between stale ones
    splits them; the newest day, which LinkedIn has not passed yet, waits. One stream is loaded:
    the sensor watches a day as soon as any LinkedIn table holds it."""
    one_stream = "linkedin_learning/account_activity_staged*"
    stretch = [days_ago(n) for n in range(25, 10, -1)]  # 15 consecutive days
    gap, after_gap, newest = days_ago(10), days_ago(9), days_ago(8)
    for day in stretch:
        late_data.load_before_final(day, one_stream)
    organisation.data_through = noon(after_gap)
    assert late_data.platform.materialize(
        gap.isoformat(), after_gap.isoformat(), selection=one_stream
    ).success
    late_data.load_before_final(newest, one_stream)
    latest = organisation.latest_data_at_ms  # noon of the newest day: past every other day's end

    data = late_data.tick()

    assert requested(data) == [
        (f"late-data:{stretch[0]}..{stretch[13]}@{latest}", stretch[0], stretch[13]),
        (f"late-data:{stretch[14]}..{stretch[14]}@{latest}", stretch[14], stretch[14]),
        (f"late-data:{after_gap}..{after_gap}@{latest}", after_gap, after_gap),
    ]
    ranged, single, _ = data.run_requests
    assert ranged.partition_key is None and ranged.partition_key_range.end == str(stretch[13])
    assert single.partition_key == str(stretch[14])

    next_tick = late_data.tick(cursor=data.cursor)

    assert next_tick.run_requests == []
    assert "16 already requested" in next_tick.skip_message
    assert "1 not yet passed" in next_tick.skip_message


def test_nothing_is_requested_while_latest_data_at_has_not_passed_the_day(late_data, organisation):
    day = days_ago(5)
    late_data.load_before_final(day)
    first = late_data.tick()
    organisation.data_through = last_minute(day) - timedelta(minutes=1)  # later, still short
    second = late_data.tick(cursor=first.cursor)

    assert first.run_requests == [] and second.run_requests == []
    assert "1 not yet passed" in second.skip_message


def test_a_later_latest_data_at_requests_a_day_again(late_data, organisation):
    """A requested run that failed leaves the day not final: LinkedIn's next latestDataAt asks
    for it again, under a new run key; the same latestDataAt does not."""
    day = days_ago(5)
    late_data.load_before_final(day)
    organisation.data_through = last_minute(day)
    first = late_data.tick()
    same = late_data.tick(cursor=first.cursor)
    organisation.data_through = last_minute(day + timedelta(days=1))
    later = late_data.tick(cursor=same.cursor)

    assert requested(first) == [
        (f"late-data:{day}..{day}@{to_epoch_ms(last_minute(day))}", day, day)
    ]
    assert same.run_requests == []
    assert requested(later) == [
        (f"late-data:{day}..{day}@{organisation.latest_data_at_ms}", day, day)
    ]


def test_a_requested_run_makes_its_days_final_and_the_sensor_quiet(late_data, organisation):
    first_day, last_day = days_ago(7), days_ago(6)
    late_data.load_before_final(first_day)
    late_data.load_before_final(last_day)
    organisation.data_through = last_minute(last_day)
    data = late_data.tick()
    assert requested(data) == [
        (
            f"late-data:{first_day}..{last_day}@{organisation.latest_data_at_ms}",
            first_day,
            last_day,
        )
    ]

    result = late_data.run(data.run_requests[0])

    assert result.success
    for day in (first_day, last_day):
        latest = late_data.loaded_latest(day)
        assert latest == [organisation.latest_data_at_ms] * len(ACTIVITY_TABLES)
        assert all(day_is_final(DayWindow(day), ms) for ms in latest)
    # Without a cursor, so it is the warehouse that says there is nothing left to do.
    after = late_data.tick()
    assert after.run_requests == []
    assert "is final" in after.skip_message


def test_an_api_failure_skips_the_tick_naming_it_and_keeps_the_cursor(
    late_data, organisation, sandbox
):
    day = days_ago(5)
    late_data.load_before_final(day)
    organisation.data_through = last_minute(day)
    cursor = Requested({str(days_ago(20)): 1}).to_cursor()
    sandbox.linkedin.faults.fail(403, aggregation="ACCOUNT")

    data = late_data.tick(cursor=cursor)

    assert data.run_requests == []
    assert data.cursor == cursor
    assert "could not ask LinkedIn for its latestDataAt" in data.skip_message
    assert "HTTP 403" in data.skip_message
    assert sandbox.linkedin.client_secret not in data.skip_message
    # The next tick, with the API back, requests the day.
    assert requested(late_data.tick(cursor=cursor))[0][1:] == (day, day)


def test_a_warehouse_query_that_fails_skips_the_tick_and_keeps_the_cursor(
    late_data, platform, database_url
):
    late_data.load_before_final(days_ago(5))
    # The schema goes (an administrator's doing: the platform's own role may not drop it).
    admin = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA linkedin_learning CASCADE")
    admin.dispose()
    cursor = Requested({str(days_ago(20)): 1}).to_cursor()

    data = late_data.tick(cursor=cursor)

    assert data.run_requests == [] and data.cursor == cursor
    assert "could not read what latestDataAt" in data.skip_message
    assert "UndefinedTable" in data.skip_message or "does not exist" in data.skip_message


# -- the plan, without Dagster -------------------------------------------------------------------


def test_a_day_is_not_final_if_any_table_loaded_it_before_its_end():
    day = date(2026, 10, 6)
    final, early = to_epoch_ms(last_minute(day)), to_epoch_ms(noon(day))
    loaded = {day: [final, early, final], day + timedelta(days=1): [None]}
    requested_days = Requested()

    plan = plan_late_data(loaded, to_epoch_ms(last_minute(day + timedelta(days=1))), requested_days)

    assert plan.not_final == plan.stale == [day, day + timedelta(days=1)]
    assert plan.runs == [[day, day + timedelta(days=1)]]
    assert Requested.from_cursor(requested_days.to_cursor()) == requested_days
