"""The platform as an operator runs it, under `dagster dev` (webserver, daemon, code server) with
the project's instance config: the demo's runs re-executed from the UI's API, and a run whose
worker is killed failed, its pool slot freed, the next run started and the dead one retried."""

import contextlib
import io
import os
import signal
import socket
import sqlite3
import subprocess
import time
from datetime import date, timedelta

import dagster as dg
import psutil
import pytest
import requests
import yaml

from learning_platform import cli, demo_run, settings
from learning_platform.defs.shared import locations
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.lib.windows import DayWindow
from learning_platform_sandbox import ContentActions, Organisation, SandboxServer
from learning_platform_tests.dagster_dev import (
    PROJECT_ROOT,
    free_port,
    graphql,
    running_dagster_dev,
    serves,
)

DEMO_DAYS = [date(2026, 10, 5), date(2026, 10, 6)]
MARTS = (
    "learning_events",
    "learner_summary",
    "daily_engagement",
    "content_engagement",
    "cpd_hours_monthly",
    "enrollment_funnel",
    "content_owner_daily",
)
STREAMS = ("account_activity", "learner_activity", "learner_content_activity", "content_activity")
DEADLINE_SECONDS = 180
FRESHNESS = "freshness_check"
FRESHNESS_CHECKED = [f"linkedin_learning/{stream}" for stream in STREAMS] + [
    "thrive/activities",
    "thrive/cpd_entries",
]

RUNS = """
query($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId status jobName tags { key value } } }
  }
}"""
# What the Overview timeline and a job's page read: a run's origin in the workspace, and the
# job's own runs.
ORIGINS = """
query($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId repositoryOrigin { repositoryLocationName repositoryName } } }
  }
}"""


def location_of(job_name: str) -> str:
    """The code location a job is served from: the marts' is the reporting location."""
    return locations.REPORTING if job_name == "reporting_refresh" else locations.SOURCES


JOB_RUNS = """
query($location: String!, $job: String!) {
  pipelineOrError(params: {
    repositoryLocationName: $location, repositoryName: "__repository__", pipelineName: $job
  }) {
    ... on Pipeline { runs(limit: 50) { runId } }
  }
}"""
REEXECUTE = """
mutation($params: ReexecutionParams!) {
  launchRunReexecution(reexecutionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
LAUNCH = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
FRESHNESS_STATUS = """
query($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode { freshnessStatusInfo { freshnessStatus } }
  }
}"""


BACKFILL_LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
BACKFILL_PROGRESS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { status tags { key value } } }
  }
}"""
BACKFILL_DEADLINE_SECONDS = 300


class Deployment:
    """`dagster dev` over one instance, one warehouse and the sandbox, after the demo's path ran
    through it, for the module's tests."""

    def __init__(self, url, instance, sandbox, organisation, demo, exports, warehouse):
        self.url = url
        self.instance = instance
        self.sandbox = sandbox
        self.organisation = organisation
        self.demo = demo
        self.exports = exports
        self.warehouse = warehouse

    def runs(self, **filter_) -> list[dict]:
        return graphql(self.url, RUNS, filter=filter_ or None)["runsOrError"]["results"]

    def wait_for(self, run_id: str, statuses: set[str]) -> str:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (status := self.instance.get_run_by_id(run_id).status.value) not in statuses:
            assert time.monotonic() < deadline, f"run {run_id} still {status}"
            time.sleep(0.5)
        return status

    def launch_linkedin_day(self, day: str) -> str:
        params = {
            "selector": {
                "repositoryLocationName": "learning_platform",
                "repositoryName": "__repository__",
                "jobName": "linkedin_learning_daily",
            },
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": day}]},
        }
        launched = graphql(self.url, LAUNCH, params=params)["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        return launched["run"]["runId"]


@pytest.fixture(scope="module")
def deployment(module_database_url, tmp_path_factory):
    home = tmp_path_factory.mktemp("operations")
    dagster_home = home / "dagster"
    dagster_home.mkdir()
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    # The project's monitoring, on a test's clock: a tick every 2 s, slots freed 1 s after a run
    # ends (the project's own values, a minute each, are checked in test_deployment).
    config["run_monitoring"].update(poll_interval_seconds=2, free_slots_after_run_end_seconds=1)
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))
    organisation = Organisation(seed=11, learners=12, contents=10)
    with SandboxServer(organisation) as sandbox, pytest.MonkeyPatch.context() as patch:
        environment = {
            **sandbox.environment(),
            settings.DATABASE_URL: module_database_url,
            settings.HOME: str(home / "home"),
            settings.PSEUDONYM_KEY: "operations-test-key-0123456789",
            "DAGSTER_HOME": str(dagster_home),
        }
        for name, value in environment.items():
            patch.setenv(name, value)
        exports = ContentActions(organisation).write_demo_exports(
            settings.thought_industries_drop_url(), DEMO_DAYS
        )
        warehouse = PostgresWarehouse(database_url=module_database_url)
        with dg.DagsterInstance.get() as instance:
            demo = demo_run.materialize_days(DEMO_DAYS, instance=instance)
            with running_dagster_dev({**os.environ}, home / "dagster-dev.log") as url:
                yield Deployment(url, instance, sandbox, organisation, demo, exports, warehouse)
        warehouse.engine.dispose()


def test_the_demo_path_loads_recent_days_in_the_instance_and_summarises_them(deployment):
    """The demo's path (demo_run.materialize_days), as the module's deployment ran it: every
    source over two days, then the reporting layer, in runs launched through the code location."""
    days, outcome, exports = DEMO_DAYS, deployment.demo, deployment.exports
    instance, organisation = deployment.instance, deployment.organisation

    assert outcome.success
    # LinkedIn's two days in one run, the Thrive users snapshot, Thrive's two days in one run,
    # one run per export the drop sensor took, and one of the freshness sensors' checks.
    assert sorted(outcome.drop_files) == sorted(path.name for path in exports)
    assert len(outcome.run_ids) == 3 + len(exports) + 1 + 1  # ..., then reporting_refresh
    # Launched through the code locations, as the UI and the daemon launch runs: each carries its
    # origin, so the Jobs and Overview pages show it and "Re-execute" works. The marts are the
    # reporting location's; every source's run is the sources' location's.
    for run_id in outcome.run_ids:
        run = instance.get_run_by_id(run_id)
        origin = run.remote_job_origin
        assert origin is not None and origin.location_name == location_of(run.job_name)
    assert all(
        rows > 0 and windows == 2
        for rows, windows in (outcome.table_rows[f"linkedin_learning.{s}"] for s in STREAMS)
    )
    assert all(
        rows > 0 and days == 2
        for rows, days in (outcome.table_rows[f"thrive.{s}"] for s in ("activities", "cpd_entries"))
    )
    assert outcome.table_rows["thrive.users"][0] == len(organisation.learners)
    rows, _ = outcome.table_rows["thought_industries.content_actions"]
    assert rows == ContentActions(organisation).expected_rows(days[0], days[-1])
    assert outcome.table_rows["thought_industries.drop_files"][0] == len(exports)
    headlines = "\n".join(outcome.headlines)
    for mart in MARTS:
        assert mart in headlines
    assert "learners from 3 sources" in headlines
    # Each staged stream's blocking checks, and its NUL warning (one more per stream); then the dbt
    # tests of the reporting layer (3 on the seed, 2 on learning_events, 2 on learner_summary, 2 on
    # enrollment_funnel, 1 on content_owner_daily).
    others = [result for result in outcome.check_results if result.check_name != FRESHNESS]
    assert len(others) == (16 + 4) + (10 + 3) + (3 + 1) * len(exports) + 10 and all(
        result.passed for result in others
    )
    # The tables' freshness checks, evaluated once after the loads: the demo's days are long past,
    # so each says its table is late, as a warning (never a pass nobody evaluated).
    freshness = [result for result in outcome.check_results if result.check_name == FRESHNESS]
    assert sorted(result.asset for result in freshness) == sorted(FRESHNESS_CHECKED)
    assert all(
        not result.passed and result.severity == "WARN" and "partition" in result.description
        for result in freshness
    )
    text = demo_run.summary(outcome)
    assert "linkedin_learning.learner_content_activity" in text and "FAILED" not in text
    assert f"{'thrive/activities ' + FRESHNESS:<80}WARNING" in text
    assert "thrive.activities" in text


def test_the_daemon_finds_the_marts_fresh_once_the_demo_built_them(deployment):
    """Each mart's freshness policy, as the UI shows it: evaluated by dagster dev's daemon (no
    sensor to turn on), and met, since the demo built the marts after today's lower bound."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    for mart in MARTS:
        while True:
            node = graphql(deployment.url, FRESHNESS_STATUS, path=["reporting", mart])
            status = node["assetNodeOrError"]["freshnessStatusInfo"]["freshnessStatus"]
            if status != "UNKNOWN":  # not evaluated yet: the daemon looks every 30 s
                break
            assert time.monotonic() < deadline, f"reporting/{mart} freshness never evaluated"
            time.sleep(1)
        assert status == "HEALTHY", mart


def test_a_demo_run_shows_in_the_ui_and_re_executes_from_it(deployment):
    runs = {run["runId"]: run for run in deployment.runs()}
    assert set(deployment.demo.run_ids) <= set(runs)  # on the Runs page
    origins = {
        run["runId"]: run["repositoryOrigin"]
        for run in graphql(deployment.url, ORIGINS)["runsOrError"]["results"]
    }
    for run_id in deployment.demo.run_ids:  # placed in the workspace: the Overview timeline
        job = runs[run_id]["jobName"]
        location = location_of(job)
        assert origins[run_id] == {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
        }
        job_runs = graphql(deployment.url, JOB_RUNS, location=location, job=job)["pipelineOrError"][
            "runs"
        ]
        assert run_id in {run["runId"] for run in job_runs}  # the job's page
    linkedin = next(
        run for run in deployment.demo.run_ids if runs[run]["jobName"] == "linkedin_learning_daily"
    )

    child = graphql(
        deployment.url, REEXECUTE, params={"parentRunId": linkedin, "strategy": "ALL_STEPS"}
    )["launchRunReexecution"]

    assert child["__typename"] == "LaunchRunSuccess", child
    child_id = child["run"]["runId"]
    assert deployment.wait_for(child_id, {"SUCCESS", "FAILURE", "CANCELED"}) == "SUCCESS"
    tags = deployment.instance.get_run_by_id(child_id).tags
    assert tags["dagster/parent_run_id"] == linkedin
    assert (
        tags["dagster/asset_partition_range_start"],
        tags["dagster/asset_partition_range_end"],
    ) == (
        "2026-10-05",
        "2026-10-06",
    )


def test_a_killed_run_is_failed_its_slot_freed_the_next_run_starts_and_it_is_retried(deployment):
    """SIGKILL the worker of a run that holds the linkedin_api slot while it fetches: the run is
    failed, the slot freed, the run waiting for the pool starts, and the dead run is retried once
    (it died; no step failed)."""
    instance, faults = deployment.instance, deployment.sandbox.linkedin.faults
    gate = faults.hold()
    killed = deployment.launch_linkedin_day("2026-10-07")
    assert gate.wait_until_waiting(1, timeout=DEADLINE_SECONDS)  # fetching, the slot claimed
    waiting = deployment.launch_linkedin_day("2026-10-08")
    worker = next(
        int(entry.dagster_event.engine_event_data.metadata["pid"].value)
        for entry in instance.all_logs(killed, of_type=dg.DagsterEventType.ENGINE_EVENT)
        if "pid" in (entry.dagster_event.engine_event_data.metadata or {})
    )

    os.kill(worker, signal.SIGKILL)

    assert deployment.wait_for(killed, {"FAILURE", "SUCCESS", "CANCELED"}) == "FAILURE"
    slots = instance.event_log_storage.get_concurrency_info("linkedin_api")
    deadline = time.monotonic() + DEADLINE_SECONDS
    while any(slot.run_id == killed for slot in slots.claimed_slots):
        assert time.monotonic() < deadline, "the dead run still holds its linkedin_api slot"
        time.sleep(0.5)
        slots = instance.event_log_storage.get_concurrency_info("linkedin_api")
    assert deployment.wait_for(waiting, {"STARTED", "SUCCESS", "FAILURE"}) == "STARTED"
    faults.clear()  # the upstream answers again
    assert deployment.wait_for(waiting, {"SUCCESS", "FAILURE", "CANCELED"}) == "SUCCESS"
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (
        retries := deployment.runs(tags=[{"key": "dagster/parent_run_id", "value": killed}])
    ):
        assert time.monotonic() < deadline, "the dead run was not retried"
        time.sleep(0.5)
    (retry,) = retries
    assert deployment.wait_for(retry["runId"], {"SUCCESS", "FAILURE", "CANCELED"}) == "SUCCESS"
    assert {tag["key"]: tag["value"] for tag in retry["tags"]}["dagster/partition"] == "2026-10-07"


def test_a_twenty_day_backfill_runs_as_two_runs_of_at_most_14_days_one_fetch_at_a_time(
    deployment,
):
    """A real backfill, submitted through the UI's GraphQL API and run by the daemon."""
    sandbox = deployment.sandbox
    sandbox.linkedin.reset_observations()
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(20)]
    # Two streams are enough to see their staging steps queue in the pool: the two without
    # learners, the cheapest (the per-learner streams are backfilled in test_pipeline.py).
    streams = ("account_activity", "content_activity")
    assets = [
        {"path": ["linkedin_learning", stream + suffix]}
        for stream in streams
        for suffix in ("_staged", "")
    ]
    launched = requests.post(
        deployment.url,
        json={
            "query": BACKFILL_LAUNCH,
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

    deadline = time.monotonic() + BACKFILL_DEADLINE_SECONDS
    while True:
        progress = requests.post(
            deployment.url,
            json={"query": BACKFILL_PROGRESS, "variables": {"id": launched["backfillId"]}},
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
        assert time.monotonic() < deadline, (
            f"backfill still {status} after {BACKFILL_DEADLINE_SECONDS} s"
        )
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
    for stream in streams:
        with deployment.warehouse.transaction() as cursor:
            cursor.execute(
                f"SELECT count(DISTINCT window_start) FROM linkedin_learning.{stream}"
                " WHERE window_start BETWEEN %s AND %s",
                (days[0], days[-1]),
            )
            assert cursor.fetchall() == [(20,)]


def test_erase_keys_the_email_in_its_own_process_and_no_run_or_event_keeps_it(
    deployment, monkeypatch, capsys
):
    """`learning-platform erase --email -`: the erasure and the marts' refresh run through the
    code location, and the e-mail is in none of the instance's runs, configs or events. Last in
    the module: it removes a learner the tests above count."""
    email = deployment.warehouse.scalar(
        "SELECT email FROM directory.learners WHERE email IS NOT NULL"
        " AND cardinality(linkedin_learner_urns) > 0 ORDER BY learner_key LIMIT 1"
    )
    runs_before = {run.run_id for run in deployment.instance.get_runs()}
    monkeypatch.setattr("sys.stdin", io.StringIO(f" {email.upper()}\n"))

    assert cli.main(["erase", "--email", "-"]) == 0

    printed = capsys.readouterr().out
    assert "erasure " in printed and "suppressed for every later load" in printed
    new_runs = [run for run in deployment.instance.get_runs() if run.run_id not in runs_before]
    assert sorted(run.job_name for run in new_runs) == ["erase_learner", "reporting_refresh"]
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in new_runs)
    assert (
        deployment.warehouse.scalar(
            "SELECT count(*) FROM directory.learners WHERE email = :email", email=email
        )
        == 0
    )
    recorded = [repr(run.run_config) + repr(run.tags) for run in new_runs]
    for run in new_runs:
        recorded += [repr(entry) for entry in deployment.instance.all_logs(run.run_id)]
    assert email.lower() not in "\n".join(recorded).lower()

    # A key that is not one fails in the command, before any run.
    assert cli.main(["erase", "--learner-key", "not-a-key"]) == 2
    assert len(deployment.instance.get_runs()) == len(runs_before) + 2


def test_a_warehouse_that_cannot_be_reached_stops_the_demo_in_one_line_before_any_run(
    tmp_path, monkeypatch, capsys
):
    """A wrong LEARNING_PLATFORM_DATABASE_URL: one line naming host, port and database, never
    the password, and no run in the instance."""
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    password = "S3cret-never-shown"
    monkeypatch.setenv(
        settings.DATABASE_URL, f"postgresql+psycopg://loader:{password}@127.0.0.1:{port}/wh"
    )
    monkeypatch.setenv(settings.HOME, str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    assert cli.main(["demo", "--days", "1"]) == 1

    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert f"127.0.0.1:{port}/wh" in line and "cannot be used" in line
    assert password not in captured.err + captured.out
    with dg.DagsterInstance.from_config(str(tmp_path / "home" / "dagster")) as instance:
        assert instance.get_runs() == []


def test_run_help_lists_every_command():
    shown = subprocess.run(
        [str(PROJECT_ROOT / "run"), "--help"], capture_output=True, text=True, timeout=300
    )

    assert shown.returncode == 0, shown.stderr
    for command in (
        "./run demo",
        "./run test",
        "./run ui",
        "./run dg",
        "./run dagster",
        "./run bench",
    ):
        assert command in shown.stdout, command
    for command in ("demo", "sandbox", "ui", "db", "erase", "dbt", "bench"):
        assert f"    {command} " in shown.stdout, command


def test_sigterm_to_the_ui_command_leaves_no_child_process(tmp_path):
    """`./run ui` passes SIGTERM on to `dagster dev` and everything it started: no webserver keeps
    serving the port, no daemon or code server is left (checked by PID)."""
    port = free_port()
    environment = {
        **os.environ,
        settings.HOME: str(tmp_path / "home"),
        "DAGSTER_HOME": str(tmp_path / "home" / "dagster"),
    }
    environment.pop(settings.DATABASE_URL, None)
    command = [str(PROJECT_ROOT / "run"), "ui", "--port", str(port)]  # as a user starts it
    ui = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the test can clean up whatever happens
    )
    try:
        deadline = time.monotonic() + 120
        while not serves(port):
            assert ui.poll() is None and time.monotonic() < deadline, "the UI did not start"
            time.sleep(1)
        descendants = psutil.Process(ui.pid).children(recursive=True)
        assert descendants  # dagster dev, its webserver, daemon and code server

        ui.send_signal(signal.SIGTERM)
        ui.wait(timeout=120)

        left = [child.pid for child in descendants if _alive(child)]
        assert left == [], f"still running: {left}"
        assert not serves(port)
    finally:
        try:
            os.killpg(ui.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_cancels_the_demo_s_run_with_one_line_and_leaves_nothing_running(
    tmp_path, database_url
):
    """Ctrl-C (SIGINT to the terminal's process group) while a demo run is under way: the run is
    canceled through the run launcher, no run is left unfinished (NOT_STARTED included), the
    command says so in one line without a traceback, and none of its processes is left."""
    home = tmp_path / "home"
    environment = {
        **os.environ,
        settings.HOME: str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        settings.DATABASE_URL: database_url,
    }
    output, errors = tmp_path / "stdout", tmp_path / "stderr"
    with output.open("w") as stdout, errors.open("w") as stderr:
        demo = subprocess.Popen(
            [str(PROJECT_ROOT / "run"), "demo", "--days", "1"],  # as a user starts it
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # a group of its own, as a terminal's foreground job
        )
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not _runs_started(home / "dagster"):
            assert demo.poll() is None and time.monotonic() < deadline, errors.read_text()
            time.sleep(0.5)
        descendants = psutil.Process(demo.pid).children(recursive=True)

        os.killpg(demo.pid, signal.SIGINT)

        assert demo.wait(timeout=DEADLINE_SECONDS) == cli.INTERRUPTED_STATUS
        said = output.read_text() + errors.read_text()
        assert "Traceback" not in said and "KeyboardInterrupt" not in said
        assert said.count("interrupted") == 1
        assert f"learning-platform demo: {cli.INTERRUPTED}\n" in errors.read_text()
        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            statuses = [run.status for run in instance.get_runs()]
        # The demo went no further than the run under way, which ended: canceled, or done if it
        # finished before the request reached its worker (a day of the sandbox takes a second).
        (status,) = statuses
        assert status in (dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.SUCCESS)
        left = [child.pid for child in descendants if _alive(child)]
        assert left == [], f"still running: {left}"
    finally:
        try:
            os.killpg(demo.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _runs_started(dagster_home) -> bool:
    """Whether a run has STARTED, read from the instance's run storage without opening the
    instance (which would create its tables while the demo's process does)."""
    runs = dagster_home / "history" / "runs.db"
    if not runs.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{runs}?mode=ro", uri=True)) as storage:
            started = storage.execute("SELECT 1 FROM runs WHERE status = 'STARTED'").fetchone()
    except sqlite3.OperationalError:  # its tables are not there yet
        return False
    return started is not None
