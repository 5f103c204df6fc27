"""Freshness checks on the daily tables: yesterday's partition is expected some hours after each
source's schedule. The clock is set to fixed instants (time-machine), so nothing depends on when
the tests run."""

from datetime import datetime, timedelta

import dagster as dg
import pytest
import time_machine

from learning_platform.definitions import defs
from learning_platform.defs.linkedin_learning.assets import linkedin_assets
from learning_platform.defs.linkedin_learning.freshness import linkedin_freshness_checks
from learning_platform.defs.reporting.freshness import mart_freshness
from learning_platform.defs.thrive.assets import thrive_assets
from learning_platform.defs.thrive.freshness import thrive_freshness_checks
from learning_platform.lib.windows import PACIFIC, UTC
from learning_platform.reporting_definitions import defs as reporting_defs

TABLES = {
    "linkedin_learning/account_activity",
    "linkedin_learning/learner_activity",
    "linkedin_learning/learner_content_activity",
    "linkedin_learning/content_activity",
    "thrive/activities",
    "thrive/cpd_entries",
}


def evaluate(platform, assets, checks, at: datetime) -> dict[str, tuple[bool, str]]:
    """Run the freshness checks alone, as their sensor does, with the clock at `at`."""
    with time_machine.travel(at, tick=True):
        result = dg.materialize(
            [*assets, *checks],
            selection=dg.AssetSelection.checks(*checks),
            resources=platform.resources,
            instance=platform.instance,
        )
    return {
        evaluation.asset_key.to_user_string(): (evaluation.passed, evaluation.description)
        for evaluation in result.get_asset_check_evaluations()
    }


def test_every_daily_table_has_a_freshness_check_evaluated_by_its_own_sensor_not_by_the_data_runs():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    freshness = {
        key.asset_key.to_user_string()
        for key in graph.asset_check_keys
        if key.name == "freshness_check"
    }
    assert freshness == TABLES
    assert all(
        not graph.get_check_spec(key).blocking
        for key in graph.asset_check_keys
        if key.name == "freshness_check"
    )
    sensors = {sensor.name for sensor in definitions.sensors}
    assert {"linkedin_learning_freshness_sensor", "thrive_freshness_sensor"} <= sensors
    for job_name in ("linkedin_learning_daily", "thrive_daily", "thrive_users"):
        job = definitions.resolve_job_def(job_name)
        assert not any(node.name.startswith("freshness_check") for node in job.nodes)


@pytest.mark.parametrize(
    "at, expected, fresh",
    [
        # From 11:00 Pacific, yesterday's Pacific day is due.
        (datetime(2026, 10, 7, 12, tzinfo=PACIFIC), "2026-10-06", True),
        # Before 11:00 the latest deadline is yesterday's: the day before yesterday is due.
        (datetime(2026, 10, 7, 10, 30, tzinfo=PACIFIC), "2026-10-05", False),
        # A day later, 2026-10-07 is due and was never loaded.
        (datetime(2026, 10, 8, 12, tzinfo=PACIFIC), "2026-10-07", False),
    ],
)
def test_linkedin_tables_are_fresh_once_yesterday_is_loaded_by_eleven_pacific(
    platform, at, expected, fresh
):
    assert platform.materialize("2026-10-06").success

    outcome = evaluate(platform, linkedin_assets, linkedin_freshness_checks, at)

    assert set(outcome) == {table for table in TABLES if table.startswith("linkedin_learning/")}
    for passed, description in outcome.values():
        assert passed is fresh
        assert f"partition {expected}" in description


@pytest.mark.parametrize(
    "at, expected, fresh",
    [
        (datetime(2026, 10, 7, 6, 30, tzinfo=UTC), "2026-10-06", True),
        (datetime(2026, 10, 8, 6, 30, tzinfo=UTC), "2026-10-07", False),
    ],
)
def test_thrive_tables_are_fresh_once_yesterday_is_loaded_by_six_utc(platform, at, expected, fresh):
    assert platform.materialize_thrive("2026-10-06").success

    outcome = evaluate(platform, thrive_assets, thrive_freshness_checks, at)

    assert set(outcome) == {"thrive/activities", "thrive/cpd_entries"}
    for passed, description in outcome.values():
        assert passed is fresh
        assert f"partition {expected}" in description


def test_every_mart_is_due_by_noon_pacific_from_the_days_loads_and_the_seed_is_not():
    """A policy Dagster's daemon evaluates (no sensor to turn on): every dbt model rebuilt since
    07:00 Pacific, when the LinkedIn schedule runs, by 12:00, an hour after the LinkedIn tables'
    own deadline."""
    graph = reporting_defs().resolve_asset_graph()
    seed = dg.AssetKey(["reporting", "canonical_activities"])
    models = [
        key
        for key in graph.get_all_asset_keys()
        if key.path[0] in ("reporting", "reporting_intermediate") and key != seed
    ]

    assert {"reporting/learning_events", "reporting/learner_summary"} < {
        key.to_user_string() for key in models
    }
    assert all(graph.get(key).freshness_policy == mart_freshness for key in models)
    assert graph.get(seed).freshness_policy is None
    assert graph.get(dg.AssetKey(["directory", "learners"])).freshness_policy is None
    assert mart_freshness == dg.FreshnessPolicy.cron(
        "0 12 * * *", lower_bound_delta=timedelta(hours=5), timezone="America/Los_Angeles"
    )
