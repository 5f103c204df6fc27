"""The staging_retention job against a Dagster instance: a staged partition goes only once it is
older than the retention and its table has been materialized since it was last staged; and the job
and its schedule in the code location."""

import importlib
import os
from datetime import datetime, timedelta

import dagster as dg
import pyarrow as pa
import pytest
from dagster._core.definitions.reconstruct import ReconstructableRepository

from learning_platform import settings
from learning_platform.definitions import defs
from learning_platform.defs.shared import retention
from learning_platform.lib.linkedin_learning.stage import ACTIVITY, SOURCE
from learning_platform.lib.windows import PACIFIC


def days_ago(days: int) -> str:
    return (datetime.now(PACIFIC).date() - timedelta(days=days)).isoformat()


def staged_days(area, stream: str) -> list[str]:
    return [p.partition_key for p in area.partitions() if (p.source, p.stream) == (SOURCE, stream)]


def run_in_the_code_location(job_name: str, instance: dg.DagsterInstance):
    """A run of the code location's job, as the UI or the daemon launches one: its op sees the
    code location's asset graph (a job executed in process has none)."""
    repository = ReconstructableRepository.for_module("learning_platform.definitions", "defs")
    return dg.execute_job(repository.get_reconstructable_job(job_name), instance=instance)


def output_metadata(result) -> dict:
    (output,) = [event for event in result.all_events if event.is_successful_output]
    return {name: entry.value for name, entry in output.step_output_data.metadata.items()}


def test_only_expired_partitions_their_table_loaded_since_staging_are_removed(
    platform, caplog, monkeypatch
):
    """Days older than the retention: one loaded (removed, from every stream); one loaded, then
    its account activity staged again without a load (that file kept: the table's materialization
    is older than the staged one); one staged and never loaded (kept); one on disk that Dagster
    never saw (kept, and named). A recent loaded day stays."""
    loaded, restaged, never_loaded, unknown, recent = (days_ago(n) for n in (40, 41, 42, 43, 2))
    for day in (loaded, restaged, recent):
        assert platform.materialize(day).success
    account_activity_staged = "linkedin_learning/account_activity_staged"
    for day in (restaged, never_loaded):
        assert platform.materialize(day, selection=account_activity_staged).success
    area = platform.resources["staging"].area
    schema = pa.schema([pa.field("learner_email", pa.string())])
    with area.writer(SOURCE, "account_activity", unknown, ACTIVITY, schema) as sink:
        sink.write(
            pa.RecordBatch.from_pylist([{"learner_email": "ann@example.com"}], schema=schema)
        )
    # Staged yesterday, as far as the files tell: no run is still working on them.
    yesterday = (datetime.now() - timedelta(days=1)).timestamp()
    for partition in area.partitions():
        for path in partition.files:
            os.utime(path, (yesterday, yesterday))
    going = [
        partition
        for partition in area.partitions()
        if partition.partition_key == loaded
        or (partition.partition_key == restaged and partition.stream != "account_activity")
    ]
    monkeypatch.setenv(settings.STAGING_URL, area.url)
    monkeypatch.delenv(settings.STAGING_RETENTION_DAYS, raising=False)

    result = run_in_the_code_location(retention.JOB_NAME, platform.instance)

    assert result.success
    assert staged_days(area, "account_activity") == sorted(
        [restaged, never_loaded, unknown, recent]
    )
    for stream in ("learner_activity", "learner_content_activity", "content_activity"):
        assert staged_days(area, stream) == [recent]
    metadata = output_metadata(result)
    assert metadata["retention_days"] == settings.DEFAULT_STAGING_RETENTION_DAYS
    assert metadata["partitions_removed"] == len(going) == 7
    assert metadata["files_removed"] == sum(len(partition.files) for partition in going)
    assert {
        stream: removed["partitions"] for stream, removed in metadata["removed_per_stream"].items()
    } == {
        f"{SOURCE}/account_activity": 1,
        f"{SOURCE}/learner_activity": 2,
        f"{SOURCE}/learner_content_activity": 2,
        f"{SOURCE}/content_activity": 2,
    }
    assert metadata["kept_not_loaded_since_staged"] == 2
    assert metadata["kept_unknown_to_dagster"] == 1
    recorded = platform.everything_recorded(caplog, result)
    assert f"{SOURCE}/account_activity: 1 expired partition(s)" in recorded
    assert f"never saw staged, kept: {unknown}" in recorded
    assert "ann@example.com" not in recorded


def test_the_job_and_its_daily_schedule_are_in_the_code_location():
    repository = defs().get_repository_def()

    schedule = repository.get_schedule_def(retention.SCHEDULE_NAME)

    assert repository.has_job(retention.JOB_NAME)
    assert schedule.job_name == retention.JOB_NAME
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 5 * * *", "UTC")


@pytest.mark.parametrize("value, status", [("on", "RUNNING"), (None, "STOPPED")])
def test_the_schedule_starts_running_only_when_automation_is_on(monkeypatch, value, status):
    if value is None:
        monkeypatch.delenv(settings.AUTOMATION, raising=False)
    else:
        monkeypatch.setenv(settings.AUTOMATION, value)
    try:
        reloaded = importlib.reload(retention)
        assert reloaded.staging_retention_schedule.default_status.value == status
    finally:
        monkeypatch.delenv(settings.AUTOMATION, raising=False)
        importlib.reload(retention)
