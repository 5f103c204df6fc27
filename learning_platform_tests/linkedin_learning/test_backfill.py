"""A real backfill: `dagster dev` (webserver + daemon) launched against the sandbox and a test
database, a 20-day backfill submitted through the UI's GraphQL API, and what Dagster made of it."""

import os
import shutil
import time
from datetime import date, timedelta

import pytest
import requests

from learning_platform.lib.windows import DayWindow
from learning_platform_tests.dagster_dev import PROJECT_ROOT, running_dagster_dev

STREAMS = ("account_activity", "learner_activity", "learner_content_activity")
DEADLINE_SECONDS = 300

LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
PROGRESS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { status tags { key value } } }
  }
}"""


@pytest.fixture
def dagster_dev(sandbox, database_url, tmp_path):
    """The webserver and daemon of `dagster dev` against the sandbox and the test database."""
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    environment = {
        **os.environ,
        **sandbox.environment(),
        "LEARNING_PLATFORM_DATABASE_URL": database_url,
        "LEARNING_PLATFORM_HOME": str(tmp_path / "home"),
        "DAGSTER_HOME": str(dagster_home),
    }
    with running_dagster_dev(environment, tmp_path / "dagster-dev.log") as url:
        yield url


def test_a_twenty_day_backfill_runs_as_two_runs_of_at_most_14_days_one_fetch_at_a_time(
    dagster_dev, sandbox, platform
):
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(20)]
    assets = [
        {"path": ["linkedin_learning", stream + suffix]}
        for stream in STREAMS
        for suffix in ("_staged", "")
    ]
    launched = requests.post(
        dagster_dev,
        json={
            "query": LAUNCH,
            "variables": {
                "params": {
                    "partitionNames": [d.isoformat() for d in days],
                    "assetSelection": assets,
                }
            },
        },
        timeout=60,
    ).json()["data"]["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched

    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        progress = requests.post(
            dagster_dev,
            json={"query": PROGRESS, "variables": {"id": launched["backfillId"]}},
            timeout=30,
        ).json()["data"]
        status = progress["partitionBackfillOrError"]["status"]
        runs = progress["runsOrError"]["results"]
        if (
            status.startswith("COMPLETED")
            and runs
            and all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs)
        ):
            break
        assert time.monotonic() < deadline, f"backfill still {status} after {DEADLINE_SECONDS} s"
        time.sleep(2)

    assert status == "COMPLETED_SUCCESS"
    ranges = sorted(
        (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"])
        for tags in ({tag["key"]: tag["value"] for tag in run["tags"]} for run in runs)
    )
    assert ranges == [("2026-09-01", "2026-09-14"), ("2026-09-15", "2026-09-20")]
    calls = sandbox.linkedin.report_requests
    assert {
        (call.params["timeOffset.unit"], call.params["timeOffset.duration"]) for call in calls
    } == {("DAY", "1")}
    assert {int(call.params["startedAt"]) for call in calls} == {
        DayWindow(day).start_ms for day in days
    }
    # Two runs at once are allowed (dagster.yaml), but the linkedin_api pool lets one fetch at a time.
    assert sandbox.linkedin.max_reports_in_flight == 1
    for stream in STREAMS:
        assert platform.query(
            f"SELECT count(DISTINCT window_start) FROM linkedin_learning.{stream}"
        ) == [(20,)]
