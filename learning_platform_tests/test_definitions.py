"""The code locations as the UI and `dg` see them, and the demo's path through them."""

import dagster as dg
import pytest

from learning_platform import demo_run, settings
from learning_platform.definitions import PLATFORM_FOLDERS, load

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
THRIVE_STREAMS = ("activities", "cpd_entries", "users")


@pytest.fixture
def environment(monkeypatch, sandbox, database_url, tmp_path):
    """The environment contract pointed at the sandbox and a test database."""
    for name, value in sandbox.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(settings.DATABASE_URL, database_url)
    monkeypatch.setenv(settings.HOME, str(tmp_path / "home"))
    monkeypatch.setenv(settings.PSEUDONYM_KEY, "definitions-test-key-0123456789")
    return sandbox


def test_the_code_locations_have_every_stream_with_its_checks(environment):
    definitions = load(PLATFORM_FOLDERS)
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()

    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {
        f"linkedin_learning/{stream}{suffix}" for stream in STREAMS for suffix in ("", "_staged")
    } | {f"thrive/{stream}{suffix}" for stream in THRIVE_STREAMS for suffix in ("", "_staged")} | {
        "thought_industries/content_actions",
        "thought_industries/content_actions_staged",
    } | {f"reporting/{mart}" for mart in MARTS} | {
        "directory/learners",
        "reporting/canonical_activities",  # the dbt seed the marts' activities come from
        # The partial sums two marts are added up from.
        "reporting_intermediate/learner_months",
        "reporting_intermediate/learner_contents",
    }
    checks = {f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys}
    for stream in STREAMS:
        for name in (
            "engagement_type_known",
            "engagement_qualifier_known",
            "asset_type_known",
            "keys_present_and_unique",
        ):
            assert f"linkedin_learning/{stream}_staged:{name}" in checks
    for stream, names in {
        "activities": ("type_known", "ids_well_formed", "keys_present_and_unique"),
        "cpd_entries": (
            "duration_minutes_whole_and_not_negative",
            "ids_well_formed",
            "keys_present_and_unique",
        ),
        "users": ("role_known", "status_known", "ids_well_formed", "keys_present_and_unique"),
    }.items():
        for name in names:
            assert f"thrive/{stream}_staged:{name}" in checks
    for name in ("action_type_known", "type_source_documented", "keys_present"):
        assert f"thought_industries/content_actions_staged:{name}" in checks
    source_checks = [
        key for key in graph.asset_check_keys if key.asset_key.path[-1].endswith("_staged")
    ]
    # Every vocabulary and key check blocks; the NUL warning, one per staged stream, does not.
    nul_checks = [key for key in source_checks if key.name == "no_nul_characters"]
    assert {key.asset_key for key in nul_checks} == {
        key for key in graph.get_all_asset_keys() if key.path[-1].endswith("_staged")
    }
    assert not any(graph.get_check_spec(key).blocking for key in nul_checks)
    assert all(graph.get_check_spec(key).blocking for key in source_checks if key not in nul_checks)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0] in ("reporting", "reporting_intermediate", "directory"):
            assert node.group_name == "reporting"
            assert node.partitions_def is None
            assert node.automation_condition is not None
            continue
        assert node.group_name == key.path[0]
        if key.path[0] == "linkedin_learning":
            assert node.backfill_policy == dg.BackfillPolicy.multi_run(max_partitions_per_run=14)
            assert node.partitions_def.timezone == "America/Los_Angeles"
        elif key.path[1].startswith("users"):
            assert node.partitions_def is None
        elif key.path[0] == "thought_industries":
            assert isinstance(node.partitions_def, dg.DynamicPartitionsDefinition)
        else:
            assert node.partitions_def.timezone == "UTC"
    for key, pool in {
        ("linkedin_learning", "learner_content_activity_staged"): "linkedin_api",
        ("thrive", "activities_staged"): "thrive_api",
        ("thrive", "users_staged"): "thrive_api",
    }.items():
        assert definitions.get_assets_def(dg.AssetKey(list(key))).op.pool == pool


def test_secrets_are_bound_to_environment_variables_not_values(environment):
    resources = demo_run.load_definitions().resources
    client = resources["linkedin_learning"]
    assert isinstance(client.client_secret, dg.EnvVar)
    assert client.client_secret.env_var_name == "LINKEDIN_LEARNING_CLIENT_SECRET"
    thrive = resources["thrive"]
    assert isinstance(thrive.client_secret, dg.EnvVar)
    assert thrive.client_secret.env_var_name == "THRIVE_CLIENT_SECRET"


def test_missing_linkedin_credentials_fail_before_any_request_naming_the_variable(
    environment, monkeypatch
):
    secret = environment.environment()["LINKEDIN_LEARNING_CLIENT_SECRET"]
    monkeypatch.delenv("LINKEDIN_LEARNING_CLIENT_SECRET")
    job = demo_run.load_definitions().resolve_job_def("linkedin_learning_daily")

    with pytest.raises(
        dg.DagsterInvalidConfigError, match="LINKEDIN_LEARNING_CLIENT_SECRET"
    ) as error:
        job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2026-10-06")

    assert secret not in str(error.value)
    assert environment.linkedin.requests == []


def test_missing_thrive_tenant_fails_at_set_up_naming_the_variable_before_any_request(
    environment, monkeypatch
):
    secret = environment.thrive.client_secret
    monkeypatch.delenv("THRIVE_TENANT_ID")
    job = demo_run.load_definitions().resolve_job_def("thrive_daily")

    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="2026-10-06", raise_on_error=False
    )

    assert not result.success
    messages = " ".join(
        f"{event.message} {event.event_specific_data!r}" for event in result.all_events
    )
    assert "THRIVE_TENANT_ID is not set" in messages
    assert secret not in messages
    assert environment.thrive.requests == []
