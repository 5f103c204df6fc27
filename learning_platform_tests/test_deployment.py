"""The deployment files, validated without a Docker engine: instance configs Dagster accepts, and a
compose file whose services point at each other and at the environment contract."""

import shutil
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from learning_platform import settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_instance_configs_are_valid_dagster_instance_configs(config, tmp_path, monkeypatch):
    for name in (
        "DAGSTER_POSTGRES_HOST",
        "DAGSTER_POSTGRES_USER",
        "DAGSTER_POSTGRES_PASSWORD",
        "DAGSTER_POSTGRES_DB",
    ):
        monkeypatch.setenv(name, "placeholder")
    shutil.copyfile(ROOT / config, tmp_path / "dagster.yaml")

    validated, _ = dagster_instance_config(str(tmp_path))

    assert validated["concurrency"]["pools"]["default_limit"] == 1


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_dead_runs_are_failed_their_slots_freed_and_crashed_runs_retried_once(
    config, tmp_path, monkeypatch
):
    for name in ("DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_USER", "DAGSTER_POSTGRES_PASSWORD"):
        monkeypatch.setenv(name, "placeholder")
    monkeypatch.setenv("DAGSTER_POSTGRES_DB", "placeholder")
    shutil.copyfile(ROOT / config, tmp_path / "dagster.yaml")

    validated, _ = dagster_instance_config(str(tmp_path))

    monitoring = validated["run_monitoring"]
    assert monitoring["enabled"] is True
    assert 0 < monitoring["free_slots_after_run_end_seconds"] <= monitoring["poll_interval_seconds"]
    assert monitoring["max_runtime_seconds"] > 0  # the backstop when the code server died too
    assert validated["run_retries"] == {
        "enabled": True,
        "max_retries": 1,
        "retry_on_asset_or_op_failure": False,
    }


def test_production_instance_stores_runs_and_events_in_postgres():
    config = yaml.safe_load((ROOT / "deploy/dagster.yaml").read_text())
    assert set(config["storage"]) == {"postgres"}


def test_compose_services_reach_the_user_code_and_the_database_through_the_contract():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "user-code", "webserver", "daemon"}

    user_code = services["user-code"]["command"]
    assert user_code[:3] == ["dagster", "code-server", "start"]
    assert user_code[user_code.index("-m") + 1] == "learning_platform.definitions"
    workspace = yaml.safe_load((ROOT / "deploy/workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    assert grpc["host"] == "user-code" and str(grpc["port"]) == user_code[user_code.index("-p") + 1]

    environment = services["user-code"]["environment"]
    for variable in (
        settings.DATABASE_URL,
        settings.HOME,
        settings.STAGING_URL,
        settings.LINKEDIN_CLIENT_ID,
        settings.LINKEDIN_CLIENT_SECRET,
        settings.THRIVE_TENANT_ID,
        settings.THRIVE_API_SECRET,
        settings.THRIVE_CLIENT_ID,
        settings.THRIVE_CLIENT_SECRET,
        settings.THRIVE_ENVIRONMENT,
        settings.THOUGHT_INDUSTRIES_DROP_URL,
    ):
        assert variable in environment
    assert environment[settings.DATABASE_URL].startswith("postgresql+psycopg://")
    assert services["webserver"]["environment"] == environment == services["daemon"]["environment"]
    for name in ("webserver", "daemon"):
        assert "/opt/learning_platform/deploy/workspace.yaml" in services[name]["command"]


def test_compose_has_no_default_secret():
    """Every password is required from the operator's .env; none is written into the file."""
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in ("POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD", "WAREHOUSE_PASSWORD"):
        assert f"${{{variable}:?" in text
