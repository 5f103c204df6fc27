"""The platform as an operator runs it, under `dagster dev` (webserver, daemon, code server) with
the project's instance config: the demo's runs re-executed from the UI's API, and a run whose
worker is killed failed, its pool slot freed, the next run started and the dead one retried."""

import os
import signal
import time
from datetime import date

import dagster as dg
import pytest
import yaml

from learning_platform import demo_run, settings
from learning_platform_sandbox import ContentActions, Organisation, SandboxServer
from learning_platform_tests.dagster_dev import PROJECT_ROOT, graphql, running_dagster_dev

DEMO_DAYS = [date(2026, 10, 5), date(2026, 10, 6)]
DEADLINE_SECONDS = 180

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
JOB_RUNS = """
query($job: String!) {
  pipelineOrError(params: {
    repositoryLocationName: "learning_platform", repositoryName: "__repository__", pipelineName: $job
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


class Deployment:
    """`dagster dev` over one instance, one warehouse and the sandbox, for the module's tests."""

    def __init__(self, url: str, instance: dg.DagsterInstance, sandbox: SandboxServer, demo):
        self.url = url
        self.instance = instance
        self.sandbox = sandbox
        self.demo = demo

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
        ContentActions(organisation).write_demo_exports(
            settings.thought_industries_drop_url(), DEMO_DAYS
        )
        with dg.DagsterInstance.get() as instance:
            demo = demo_run.materialize_days(DEMO_DAYS, instance=instance)
            assert demo.success
            with running_dagster_dev({**os.environ}, home / "dagster-dev.log") as url:
                yield Deployment(url, instance, sandbox, demo)


def test_a_demo_run_shows_in_the_ui_and_re_executes_from_it(deployment):
    runs = {run["runId"]: run for run in deployment.runs()}
    assert set(deployment.demo.run_ids) <= set(runs)  # on the Runs page
    origins = {
        run["runId"]: run["repositoryOrigin"]
        for run in graphql(deployment.url, ORIGINS)["runsOrError"]["results"]
    }
    for run_id in deployment.demo.run_ids:  # placed in the workspace: the Overview timeline
        assert origins[run_id] == {
            "repositoryLocationName": "learning_platform",
            "repositoryName": "__repository__",
        }
        job = runs[run_id]["jobName"]
        job_runs = graphql(deployment.url, JOB_RUNS, job=job)["pipelineOrError"]["runs"]
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
