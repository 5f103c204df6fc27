"""The schedules as the daemon evaluates them: which days each tick asks for, in which run, and
whether they start on their own (LEARNING_PLATFORM_AUTOMATION)."""

import importlib
from datetime import datetime

import dagster as dg
import pytest

from learning_platform import settings
from learning_platform.definitions import defs
from learning_platform.defs.linkedin_learning import freshness as linkedin_freshness
from learning_platform.defs.linkedin_learning import schedules as linkedin_schedules
from learning_platform.defs.linkedin_learning import sensors as linkedin_sensors
from learning_platform.defs.linkedin_learning.partitions import (
    daily_partitions as linkedin_partitions,
)
from learning_platform.defs.shared.automation import (
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
)
from learning_platform.defs.thought_industries import sensors as thought_industries_sensors
from learning_platform.defs.thrive import freshness as thrive_freshness
from learning_platform.defs.thrive import schedules as thrive_schedules
from learning_platform.defs.thrive import sensors as thrive_sensors
from learning_platform.lib.windows import PACIFIC, UTC

LINKEDIN = linkedin_schedules.SCHEDULE_NAME
THRIVE_DAILY = thrive_schedules.DAILY_SCHEDULE_NAME
THRIVE_USERS = thrive_schedules.USERS_SCHEDULE_NAME
AUTOMATION_MODULES = (
    linkedin_schedules,
    linkedin_sensors,
    linkedin_freshness,
    thrive_schedules,
    thrive_sensors,
    thrive_freshness,
    thought_industries_sensors,
)


@pytest.fixture(scope="module")
def repository() -> dg.RepositoryDefinition:
    """The code location as the daemon loads it: a tick that asks for one partition is resolved
    against the schedule's job there."""
    return defs().get_repository_def()


def tick(repository, schedule_name: str, at: datetime):
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=repository)
    return repository.get_schedule_def(schedule_name).evaluate_tick(context)


def requested(data) -> list[tuple[str, str | None, str | None]]:
    """(run key, first partition, last partition) of each run a tick asks for."""
    runs = []
    for request in data.run_requests:
        if request.partition_key is not None:
            first = last = request.partition_key
        else:
            first = request.tags.get(PARTITION_RANGE_START_TAG)
            last = request.tags.get(PARTITION_RANGE_END_TAG)
        runs.append((request.run_key, first, last))
    return runs


def pacific(*args) -> datetime:
    return datetime(*args, tzinfo=PACIFIC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- LinkedIn ----------------------------------------------------------------------------------


def test_linkedin_runs_every_morning_at_seven_pacific(repository):
    schedule = repository.get_schedule_def(LINKEDIN)
    assert schedule.cron_schedule == "0 7 * * *"
    assert schedule.execution_timezone == "America/Los_Angeles"
    assert schedule.job_name == "linkedin_learning_daily"


def test_linkedin_morning_run_is_yesterday_and_the_three_days_before_in_one_ranged_run(repository):
    data = tick(repository, LINKEDIN, pacific(2026, 10, 7, 7))

    assert requested(data) == [("daily@2026-10-07", "2026-10-03", "2026-10-06")]
    request = data.run_requests[0]
    assert request.partition_key is None  # a range: each asset gets the four days in one step
    assert request.partition_key_range == dg.PartitionKeyRange("2026-10-03", "2026-10-06")


@pytest.mark.parametrize(
    "scheduled_at, first, last",
    [
        # 2026-03-08 springs forward: 07:00 PDT the day after is 14:00 UTC, not 15:00.
        (pacific(2026, 3, 8, 7), "2026-03-04", "2026-03-07"),
        (pacific(2026, 3, 9, 7), "2026-03-05", "2026-03-08"),
        # 2026-11-01 falls back: 07:00 PST the day after is 15:00 UTC.
        (pacific(2026, 11, 2, 7), "2026-10-29", "2026-11-01"),
        # The daemon may hand the tick over in UTC: the day is still the Pacific one.
        (utc(2026, 11, 2, 15), "2026-10-29", "2026-11-01"),
    ],
)
def test_linkedin_days_are_pacific_days_across_daylight_saving_changes(
    repository, scheduled_at, first, last
):
    data = tick(repository, LINKEDIN, scheduled_at)

    day = scheduled_at.astimezone(PACIFIC).date().isoformat()
    assert requested(data) == [(f"daily@{day}", first, last)]


def test_linkedin_days_before_the_first_partition_are_left_out(repository):
    """The partitions start on 2025-01-01: the first mornings ask only for what exists."""
    schedule = LINKEDIN
    start = linkedin_partitions.start.date().isoformat()
    assert start == "2025-01-01"

    assert requested(tick(repository, schedule, pacific(2025, 1, 3, 7))) == [
        ("daily@2025-01-03", "2025-01-01", "2025-01-02")
    ]
    one_day = tick(repository, schedule, pacific(2025, 1, 2, 7))
    assert requested(one_day) == [("daily@2025-01-02", "2025-01-01", "2025-01-01")]
    assert one_day.run_requests[0].tags["dagster/partition"] == "2025-01-01"
    nothing = tick(repository, schedule, pacific(2025, 1, 1, 7))
    assert nothing.run_requests == [] and "2025-01-01" in nothing.skip_message


def test_a_tick_evaluated_again_asks_for_the_same_run(repository):
    """The run key comes from the scheduled day: the daemon launches one run per key, however
    often a tick is retried, and a new day is a new run."""
    schedule = LINKEDIN
    first = tick(repository, schedule, pacific(2026, 10, 7, 7))
    again = tick(repository, schedule, pacific(2026, 10, 7, 7))
    next_day = tick(repository, schedule, pacific(2026, 10, 8, 7))

    assert requested(first) == requested(again)
    assert requested(next_day) == [("daily@2026-10-08", "2026-10-04", "2026-10-07")]


# -- Thrive ------------------------------------------------------------------------------------


def test_thrive_night_run_is_yesterday_and_the_day_before_in_utc(repository):
    schedule = repository.get_schedule_def(THRIVE_DAILY)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "UTC")
    assert schedule.job_name == "thrive_daily"

    data = tick(repository, THRIVE_DAILY, utc(2026, 10, 7, 2))

    assert requested(data) == [("daily@2026-10-07", "2026-10-05", "2026-10-06")]
    assert data.run_requests[0].partition_key_range == dg.PartitionKeyRange(
        "2026-10-05", "2026-10-06"
    )


def test_thrive_days_before_the_first_partition_are_left_out(repository):
    schedule = THRIVE_DAILY
    assert requested(tick(repository, schedule, utc(2025, 1, 2, 2))) == [
        ("daily@2025-01-02", "2025-01-01", "2025-01-01")
    ]
    assert tick(repository, schedule, utc(2025, 1, 1, 2)).run_requests == []


def test_thrive_users_snapshot_runs_every_night_before_the_day_records(repository):
    schedule = repository.get_schedule_def(THRIVE_USERS)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 1 * * *", "UTC")
    assert schedule.job_name == "thrive_users"

    data = tick(repository, THRIVE_USERS, utc(2026, 10, 7, 1))

    assert requested(data) == [("users@2026-10-07", None, None)]


# -- default status ----------------------------------------------------------------------------


@pytest.fixture
def load_with_automation(monkeypatch):
    """Loads the schedule and sensor modules again with LEARNING_PLATFORM_AUTOMATION set to a
    value, as a code location process started with it would; reloads them unset afterwards."""

    def load(value: str | None) -> list:
        if value is None:
            monkeypatch.delenv(settings.AUTOMATION, raising=False)
        else:
            monkeypatch.setenv(settings.AUTOMATION, value)
        modules = [importlib.reload(module) for module in AUTOMATION_MODULES]
        return [
            instigator
            for module in modules
            for instigator in vars(module).values()
            if isinstance(instigator, (dg.ScheduleDefinition, dg.SensorDefinition))
        ]

    yield load
    monkeypatch.delenv(settings.AUTOMATION, raising=False)
    for module in AUTOMATION_MODULES:
        importlib.reload(module)


EXPECTED_INSTIGATORS = {
    "linkedin_learning_daily_schedule",
    "thrive_daily_schedule",
    "thrive_users_schedule",
    "linkedin_learning_late_data_sensor",
    "linkedin_learning_freshness_sensor",
    "thrive_freshness_sensor",
    "thought_industries_drop_sensor",
    "linkedin_learning_days_alone",
    "thrive_days_alone",
}


@pytest.mark.parametrize(
    "value, running", [("on", True), ("off", False), (None, False), ("TRUE", True)]
)
def test_automation_setting_decides_whether_schedules_and_sensors_start_running(
    load_with_automation, value, running
):
    instigators = load_with_automation(value)

    assert {instigator.name for instigator in instigators} == EXPECTED_INSTIGATORS
    statuses = {instigator.name: instigator.default_status.value for instigator in instigators}
    assert statuses == {name: "RUNNING" if running else "STOPPED" for name in statuses}
