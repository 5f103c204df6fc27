"""The code location as the UI and `dg` see it, and the demo's path through it."""

import dagster as dg
import pytest

from learning_platform import demo_run, settings
from learning_platform.lib.windows import window_for_key

STREAMS = ("account_activity", "learner_activity", "learner_content_activity")


@pytest.fixture
def environment(monkeypatch, sandbox, database_url, tmp_path):
    """The environment contract pointed at the sandbox and a test database."""
    for name, value in sandbox.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(settings.DATABASE_URL, database_url)
    monkeypatch.setenv(settings.HOME, str(tmp_path / "home"))
    return sandbox


def test_the_code_location_has_every_stream_with_its_checks(environment):
    definitions = demo_run.load_definitions()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()

    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {
        f"linkedin_learning/{stream}{suffix}" for stream in STREAMS for suffix in ("", "_staged")
    }
    checks = {f"{key.asset_key.path[-1]}:{key.name}" for key in graph.asset_check_keys}
    for stream in STREAMS:
        for name in (
            "engagement_type_known",
            "engagement_qualifier_known",
            "asset_type_known",
            "keys_present_and_unique",
        ):
            assert f"{stream}_staged:{name}" in checks
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == "linkedin_learning"
        assert node.backfill_policy == dg.BackfillPolicy.multi_run(max_partitions_per_run=14)
        assert node.partitions_def.timezone == "America/Los_Angeles"
    staged = definitions.get_assets_def(
        dg.AssetKey(["linkedin_learning", "learner_content_activity_staged"])
    )
    assert staged.op.pool == "linkedin_api"


def test_secrets_are_bound_to_environment_variables_not_values(environment):
    client = demo_run.load_definitions().resources["linkedin_learning"]
    assert isinstance(client.client_secret, dg.EnvVar)
    assert client.client_secret.env_var_name == "LINKEDIN_LEARNING_CLIENT_SECRET"


def test_the_demo_path_loads_recent_days_in_the_instance_and_summarises_them(environment):
    days = [window_for_key(key).day for key in ("2026-10-05", "2026-10-06")]
    instance = dg.DagsterInstance.ephemeral()

    outcome = demo_run.materialize_days(days, instance=instance)

    assert outcome.success
    assert len(outcome.run_ids) == 1
    assert all(
        rows > 0 and windows == 2
        for rows, windows in (outcome.table_rows[f"linkedin_learning.{s}"] for s in STREAMS)
    )
    assert len(outcome.check_results) == 12 and all(
        passed for _, _, passed, _ in outcome.check_results
    )
    text = demo_run.summary(outcome)
    assert "linkedin_learning.learner_content_activity" in text and "FAILED" not in text


def test_missing_linkedin_credentials_fail_before_any_request_naming_the_variable(
    environment, monkeypatch
):
    secret = environment.environment()["LINKEDIN_LEARNING_CLIENT_SECRET"]
    monkeypatch.delenv("LINKEDIN_LEARNING_CLIENT_SECRET")
    job = demo_run.load_definitions().resolve_implicit_global_asset_job_def()

    with pytest.raises(
        dg.DagsterInvalidConfigError, match="LINKEDIN_LEARNING_CLIENT_SECRET"
    ) as error:
        job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2026-10-06")

    assert secret not in str(error.value)
    assert environment.linkedin.requests == []
