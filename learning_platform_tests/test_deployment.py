"""The deployment files, validated without a Docker engine, helm or a cluster: the compose file
against the compose specification, the Helm values against the chart's schema, and every instance
config (compose's, and the one the chart renders) through Dagster's own config system, down to the
classes it names."""

import copy
import fnmatch
import importlib.resources
import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
import sqlalchemy as sa
import yaml
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.local_compute_log_manager import LocalComputeLogManager
from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher
from dagster_postgres import DagsterPostgresStorage
from dagster_postgres.event_log import PostgresEventLogStorage
from dagster_postgres.run_storage import PostgresRunStorage
from dagster_postgres.schedule_storage import PostgresScheduleStorage
from jsonschema.validators import validator_for

from learning_platform import settings
from learning_platform.defs.shared import locations
from learning_platform.lib.warehouse import roles
from learning_platform_tests.deployment_files import (
    ComposeInterpolationError,
    InstanceClassError,
    build_instance_classes,
    chart_instance_config,
    chart_values_validator,
    compose_variables,
    interpolate_compose,
    read_dotenv,
    schema_errors,
)

ROOT = Path(__file__).resolve().parent.parent
CHART_SCHEMA = ROOT.parent / "shared" / "deploy" / "dagster-chart-values.schema.json"
COMPOSE_STORAGE_VARIABLES = (
    "DAGSTER_POSTGRES_HOST",
    "DAGSTER_POSTGRES_USER",
    "DAGSTER_POSTGRES_PASSWORD",
    "DAGSTER_POSTGRES_DB",
)


class CodeLocation(NamedTuple):
    """Where a code location is served: the module its server loads, its compose service and its
    Helm chart deployment (a Kubernetes name, so no `_`)."""

    module: str
    service: str
    deployment: str


# The two code locations, by the names the code gives them (defs/shared/locations.py): the sources,
# and the reporting layer apart so that the sources' runs never import dbt.
CODE_LOCATIONS = {
    locations.SOURCES: CodeLocation(
        "learning_platform.definitions", "user-code", "learning-platform"
    ),
    locations.REPORTING: CodeLocation(
        "learning_platform.reporting_definitions",
        "user-code-reporting",
        "learning-platform-reporting",
    ),
}
CODE_SERVERS = [location.service for location in CODE_LOCATIONS.values()]


def load_yaml(relative: str):
    return yaml.safe_load((ROOT / relative).read_text())


@pytest.fixture
def compose_storage_environment(monkeypatch):
    for name in COMPOSE_STORAGE_VARIABLES:
        monkeypatch.setenv(name, "placeholder")


@pytest.fixture
def inside_a_pod(tmp_path, monkeypatch):
    """What K8sRunLauncher's in-cluster configuration (the chart's `loadInclusterConfig: true`)
    reads in a pod: the API server's address and the service account's token and CA files. Building
    the launcher sends no request."""
    from kubernetes.config import incluster_config

    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("placeholder-token")
    (account / "ca.crt").write_text("placeholder-ca")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(account / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(account / "ca.crt"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "placeholder")  # from the chart's postgres Secret


# --- instance configs ----------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_instance_configs_are_valid_dagster_instance_configs(
    config, tmp_path, compose_storage_environment
):
    shutil.copyfile(ROOT / config, tmp_path / "dagster.yaml")

    validated, _ = dagster_instance_config(str(tmp_path))

    assert validated["concurrency"]["pools"]["default_limit"] == 1


@pytest.mark.parametrize("config", ["dagster.yaml", "deploy/dagster.yaml"])
def test_dead_runs_are_failed_their_slots_freed_and_crashed_runs_retried_once(
    config, tmp_path, compose_storage_environment
):
    shutil.copyfile(ROOT / config, tmp_path / "dagster.yaml")

    validated, _ = dagster_instance_config(str(tmp_path))

    monitoring = validated["run_monitoring"]
    assert monitoring["enabled"] is True
    assert 0 < monitoring["free_slots_after_run_end_seconds"] <= monitoring["poll_interval_seconds"]
    assert monitoring["max_runtime_seconds"] > 0  # the backstop for a run that hangs
    assert validated["run_retries"] == {
        "enabled": True,
        "max_retries": 1,
        "retry_on_asset_or_op_failure": False,
    }


def test_production_instance_stores_runs_and_events_in_postgres():
    config = load_yaml("deploy/dagster.yaml")
    assert set(config["storage"]) == {"postgres"}


def test_compose_instance_builds_every_class_it_names(tmp_path, compose_storage_environment):
    """What the webserver, the daemon and each run container build from deploy/dagster.yaml: runs
    in containers of their own, queued, their logs on the shared volume, everything in PostgreSQL."""
    built = build_instance_classes(load_yaml("deploy/dagster.yaml"), tmp_path)

    assert isinstance(built["storage"], DagsterPostgresStorage)
    assert isinstance(built["run_coordinator"], QueuedRunCoordinator)
    assert isinstance(built["compute_logs"], LocalComputeLogManager)
    launcher = built["run_launcher"]
    assert isinstance(launcher, DockerRunLauncher)
    assert launcher.networks == ["learning-platform"]


def test_chart_instance_builds_every_class_it_names(tmp_path, inside_a_pod):
    """The instance the chart renders from deploy/helm/values.yaml, built as its daemon builds it: a
    Kubernetes Job per run with the bench's sizing, queued, logs on S3, storage in PostgreSQL."""
    values = load_yaml("deploy/helm/values.yaml")

    built = build_instance_classes(chart_instance_config(values), tmp_path)

    for key, storage_class in (
        ("run_storage", PostgresRunStorage),
        ("event_log_storage", PostgresEventLogStorage),
        ("schedule_storage", PostgresScheduleStorage),
    ):
        assert isinstance(built[key], storage_class)
    assert isinstance(built["run_coordinator"], QueuedRunCoordinator)
    logs = built["compute_logs"]
    assert isinstance(logs, S3ComputeLogManager)
    assert (logs._s3_bucket, logs._s3_prefix) == ("learning-platform", "compute-logs")
    launcher = built["run_launcher"]
    assert isinstance(launcher, K8sRunLauncher)
    assert launcher.job_namespace == "learning-platform"
    assert launcher.resources == values["runLauncher"]["config"]["k8sRunLauncher"]["resources"]
    assert launcher.postgres_password_secret == "dagster-postgresql-secret"


def test_chart_instance_applies_the_compose_instance_run_policy(tmp_path):
    """Both deployments queue, pool, monitor and retry runs alike; only a pod's start timeout is
    longer (it may wait for a node and pull the image)."""
    compose = load_yaml("deploy/dagster.yaml")
    chart = chart_instance_config(load_yaml("deploy/helm/values.yaml"))

    assert chart["concurrency"] == compose["concurrency"]
    assert chart["run_retries"] == compose["run_retries"]
    monitoring = dict(chart["run_monitoring"])
    assert (
        monitoring.pop("start_timeout_seconds") > compose["run_monitoring"]["start_timeout_seconds"]
    )
    assert monitoring == {
        key: value
        for key, value in compose["run_monitoring"].items()
        if key != "start_timeout_seconds"
    }
    validated, _ = dagster_instance_config(_written(chart, tmp_path))
    assert validated["run_retries"]["retry_on_asset_or_op_failure"] is False


def _written(config: dict, directory: Path) -> str:
    (directory / "dagster.yaml").write_text(yaml.safe_dump(config))
    return str(directory)


def _compose_instance() -> dict:
    return load_yaml("deploy/dagster.yaml")


def _chart_instance() -> dict:
    return chart_instance_config(load_yaml("deploy/helm/values.yaml"))


@pytest.mark.parametrize(
    "instance, key",
    [(_compose_instance, "run_launcher"), (_chart_instance, "compute_logs")],
    ids=["compose", "chart"],
)
def test_an_instance_class_misnamed_fails_naming_its_yaml_key(
    instance, key, tmp_path, compose_storage_environment, inside_a_pod
):
    config = instance()
    config[key]["class"] += "Typo"

    with pytest.raises(InstanceClassError, match=rf"^{key} \(.*Typo\): .*Couldn't find class"):
        build_instance_classes(config, tmp_path)


@pytest.mark.parametrize(
    "instance, variable, path",
    [
        (_compose_instance, "DAGSTER_POSTGRES_PASSWORD", "storage:postgres:postgres_db:password"),
        (_chart_instance, "DAGSTER_PG_PASSWORD", "run_storage:config:postgres_db:password"),
    ],
    ids=["compose", "chart"],
)
def test_an_unset_environment_variable_fails_naming_its_yaml_path(
    instance, variable, path, tmp_path, compose_storage_environment, inside_a_pod, monkeypatch
):
    monkeypatch.delenv(variable)

    with pytest.raises(InstanceClassError) as failure:
        build_instance_classes(instance(), tmp_path)

    assert f"path {path} " in str(failure.value)
    assert f'environment variable "{variable}" which is not set' in str(failure.value)


def test_a_run_limit_beside_the_pools_is_refused(tmp_path, inside_a_pod):
    """Why the chart's values keep the run coordinator without a limit: Dagster refuses
    `max_concurrent_runs` on the run coordinator once `concurrency` is configured."""
    values = load_yaml("deploy/helm/values.yaml")
    coordinator = values["dagsterDaemon"]["runCoordinator"]["config"]
    coordinator["queuedRunCoordinator"] = {"maxConcurrentRuns": 4}

    with pytest.raises(DagsterInvalidConfigError, match="incompatible with the `concurrency"):
        build_instance_classes(chart_instance_config(values), tmp_path)


# --- compose -------------------------------------------------------------------------------------


def compose_with_example_env() -> dict:
    """docker-compose.yml as compose reads it with a .env made of .env.example's placeholders."""
    return interpolate_compose(load_yaml("docker-compose.yml"), read_dotenv(ROOT / ".env.example"))


def compose_specification_errors(compose: dict) -> list[str]:
    spec = json.loads(
        importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text()
    )
    return schema_errors(validator_for(spec)(spec), compose)


def test_compose_file_follows_the_compose_specification():
    compose = compose_with_example_env()

    assert compose_specification_errors(compose) == []
    assert set(compose["services"]) == {
        "postgres",
        "migrate",
        "user-code",
        "user-code-reporting",
        "webserver",
        "daemon",
    }


def test_a_misspelled_compose_key_fails_the_compose_specification():
    compose = compose_with_example_env()
    user_code = compose["services"]["user-code"]
    user_code["helthcheck"] = user_code.pop("healthcheck")

    assert compose_specification_errors(compose) == [
        "services.user-code: Unevaluated properties are not allowed ('helthcheck' was unexpected)"
    ]


def test_a_secret_missing_from_env_stops_compose_naming_it(tmp_path):
    env = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(re.sub(r"(?m)^DAGSTER_POSTGRES_PASSWORD=.*\n", "", env))

    with pytest.raises(
        ComposeInterpolationError,
        match=r"required variable DAGSTER_POSTGRES_PASSWORD is missing a value: set "
        r"DAGSTER_POSTGRES_PASSWORD in \.env",
    ):
        interpolate_compose(load_yaml("docker-compose.yml"), read_dotenv(tmp_path / ".env"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("${SET}", "value"),
        ("$SET/x", "value/x"),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${SET:+alternative}", "alternative"),
        ("${UNSET:+alternative}", ""),
        ("${UNSET:-${SET}}", "value"),
        ("$${SET}", "${SET}"),
        ("postgresql://u:${SET:?set it}@host", "postgresql://u:value@host"),
    ],
)
def test_compose_interpolation_reads_variables_as_compose_does(text, expected):
    environment = {"SET": "value", "EMPTY": ""}

    assert interpolate_compose({"key": text}, environment) == {"key": expected}


def test_env_example_lists_every_compose_variable_and_no_secret():
    """A committed .env.example names every variable the compose file reads; secrets are
    placeholders (`<...>`) or empty, never a usable value."""
    example = read_dotenv(ROOT / ".env.example")

    assert set(example) == compose_variables((ROOT / "docker-compose.yml").read_text())
    secrets = [name for name in example if re.search(r"PASSWORD|SECRET|KEY", name)]
    assert "LEARNING_PLATFORM_PSEUDONYM_KEY" in secrets
    for name in secrets:
        assert example[name] == "" or re.fullmatch(r"<[^>]+>", example[name]), name
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_compose_has_no_default_secret():
    """Every password is required from the operator's .env; none is written into the file."""
    text = (ROOT / "docker-compose.yml").read_text()
    for variable in (
        "POSTGRES_PASSWORD",
        "DAGSTER_POSTGRES_PASSWORD",
        "WAREHOUSE_MIGRATOR_PASSWORD",
        "WAREHOUSE_LOADER_PASSWORD",
    ):
        assert f"${{{variable}:?" in text


def test_every_code_location_is_a_module_of_the_package_and_the_local_workspace_serves_it():
    """The names the code gives its locations are the ones every deployment serves, each from a
    module of the package (the local workspace.yaml as the deployments do)."""
    assert set(CODE_LOCATIONS) == {locations.SOURCES, locations.REPORTING}
    for name, location in CODE_LOCATIONS.items():
        assert importlib.util.find_spec(location.module) is not None, name

    local = {
        entry["python_module"]["location_name"]: entry["python_module"]["module_name"]
        for entry in load_yaml("workspace.yaml")["load_from"]
    }
    assert local == {name: location.module for name, location in CODE_LOCATIONS.items()}


def _option(command: list[str], option: str) -> str:
    return command[command.index(option) + 1]


def test_compose_services_reach_the_user_code_and_the_database_through_the_contract():
    compose = compose_with_example_env()
    services = compose["services"]
    workspace = {
        entry["grpc_server"]["location_name"]: entry["grpc_server"]
        for entry in load_yaml("deploy/workspace.yaml")["load_from"]
    }

    assert set(workspace) == set(CODE_LOCATIONS)
    for name, location in CODE_LOCATIONS.items():
        command = services[location.service]["command"]
        assert command[:3] == ["dagster", "code-server", "start"], name
        assert _option(command, "-m") == location.module, name
        grpc = workspace[name]
        assert grpc["host"] == location.service, name
        assert str(grpc["port"]) == _option(command, "-p"), name
    assert _option(services["user-code"]["command"], "-m") == "learning_platform.definitions"
    ports = [str(grpc["port"]) for grpc in workspace.values()]
    assert len(set(ports)) == len(ports)

    environment = services["user-code"]["environment"]
    for variable in (
        settings.DATABASE_URL,
        settings.HOME,
        settings.STAGING_URL,
        settings.STAGING_RETENTION_DAYS,
        settings.LINKEDIN_CLIENT_ID,
        settings.LINKEDIN_CLIENT_SECRET,
        settings.THRIVE_TENANT_ID,
        settings.THRIVE_API_SECRET,
        settings.THRIVE_CLIENT_ID,
        settings.THRIVE_CLIENT_SECRET,
        settings.THRIVE_ENVIRONMENT,
        settings.THOUGHT_INDUSTRIES_DROP_URL,
        settings.PSEUDONYM_KEY,
    ):
        assert variable in environment
    assert environment[settings.DATABASE_URL].startswith("postgresql+psycopg://")
    # The reporting code server reads the warehouse and the pseudonym key alike: the same settings.
    assert services["user-code-reporting"]["environment"] == environment
    assert services["daemon"]["environment"].items() <= environment.items()
    # The webserver reads Dagster's storage and nothing of the platform's.
    assert set(services["webserver"]["environment"]) == set(COMPOSE_STORAGE_VARIABLES)
    for name in ("webserver", "daemon"):
        assert "/opt/learning_platform/deploy/workspace.yaml" in services[name]["command"]


def test_compose_builds_the_image_once_and_starts_services_once_their_dependencies_are_healthy():
    services = compose_with_example_env()["services"]
    image = services["user-code"]["image"]

    assert [name for name, service in services.items() if "build" in service] == ["user-code"]
    for name in ("migrate", "user-code-reporting", "webserver", "daemon"):
        assert services[name]["image"] == image
        assert services[name]["pull_policy"] == "never"  # never looked for on a registry
    for name, service in services.items():
        if name == "migrate":  # a one-shot: it exits once the warehouse is current
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
        for dependency, condition in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            )
            assert condition == {"condition": expected}, (name, dependency)
    for name in ("webserver", "daemon"):
        assert set(services[name]["depends_on"]) == {"postgres", *CODE_SERVERS}, name
    for name in CODE_SERVERS:
        assert services[name]["depends_on"]["migrate"], name


def test_compose_code_servers_differ_only_in_what_they_serve_and_each_checks_its_own_port():
    """The reporting code server is the sources' but for its command and health check (and the
    build, which only user-code does): same image, environment, volume and dependencies."""
    services = compose_with_example_env()["services"]
    differing = {"command", "healthcheck", "build", "pull_policy"}

    sources, reporting = (
        {key: value for key, value in services[name].items() if key not in differing}
        for name in CODE_SERVERS
    )
    assert sources == reporting
    timings = []
    for name in CODE_SERVERS:
        healthcheck = dict(services[name]["healthcheck"])
        port = _option(services[name]["command"], "-p")
        assert healthcheck.pop("test") == ["CMD", "dagster", "api", "grpc-health-check", "-p", port]
        assert healthcheck["start_period"], name
        timings.append(healthcheck)
    assert timings[0] == timings[1]


def test_compose_migrates_with_its_own_login_and_runs_everything_as_the_loader():
    services = compose_with_example_env()["services"]
    migrate = services["migrate"]

    assert migrate["command"] == ["learning-platform", "db", "upgrade"]
    assert migrate["restart"] == "on-failure"
    migrator = sa.make_url(migrate["environment"][settings.MIGRATION_DATABASE_URL])
    assert migrator.username == "learning_platform_migrator"
    for name in ("migrate", *CODE_SERVERS, "daemon"):
        environment = services[name]["environment"]
        assert sa.make_url(environment[settings.DATABASE_URL]).username == roles.LOADER, name
    for name in (*CODE_SERVERS, "webserver", "daemon"):
        assert settings.MIGRATION_DATABASE_URL not in services[name]["environment"], name
    # The init script makes the roles the migrations may not: the same names as the code's.
    init = (ROOT / "deploy" / "postgres-init.sh").read_text()
    for role in (roles.OWNER, roles.LOADER, roles.READER, "learning_platform_migrator"):
        assert f"CREATE ROLE {role} " in init
    for setting, value in roles.reader_settings().items():
        assert f"SET {setting} = " in init and value in init


def test_only_the_daemon_has_the_docker_socket():
    services = compose_with_example_env()["services"]

    with_socket = [
        name
        for name, service in services.items()
        if any("docker.sock" in volume for volume in service.get("volumes", []))
    ]
    assert with_socket == ["daemon"]


def test_run_containers_get_the_compose_platform_environment_network_volume_and_image():
    """The daemon starts runs outside compose: deploy/dagster.yaml must name what compose made."""
    compose = compose_with_example_env()
    services = compose["services"]
    launcher = load_yaml("deploy/dagster.yaml")["run_launcher"]["config"]

    platform_variables = set(services["daemon"]["environment"])
    assert set(launcher["env_vars"]) == platform_variables
    assert launcher["network"] == compose["networks"]["default"]["name"]
    shared_volume = compose["volumes"]["platform-data"]["name"]
    assert launcher["container_kwargs"]["volumes"] == [
        f"{shared_volume}:/var/lib/learning_platform"
    ]
    assert "platform-data:/var/lib/learning_platform" in services["webserver"]["volumes"]
    for name in CODE_SERVERS:
        assert "platform-data:/var/lib/learning_platform" in services[name]["volumes"], name
        assert (
            services[name]["environment"]["DAGSTER_CURRENT_IMAGE"]
            == (services["user-code"]["image"])
        ), name
    compute_logs = load_yaml("deploy/dagster.yaml")["compute_logs"]["config"]["base_dir"]
    assert compute_logs.startswith("/var/lib/learning_platform/")


# --- the image -----------------------------------------------------------------------------------


def test_image_installs_every_deployment_extra_from_the_lock_and_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    extras = re.search(r'ARG EXTRAS="([^"]+)"', dockerfile).group(1).split()[1::2]
    syncs = re.findall(r"^RUN uv sync (.*)$", dockerfile, flags=re.MULTILINE)

    assert set(extras) == set(load_toml()["project"]["optional-dependencies"])
    assert len(syncs) == 2 and all("--locked" in sync and "$EXTRAS" in sync for sync in syncs)
    users = re.findall(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}


def load_toml() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves `path` out of the build context: the last matching pattern wins, a
    pattern matches the path or a folder above it, `**` any number of folders."""
    ignored = False
    parts = path.split("/")
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        for depth in range(1, len(parts) + 1):
            candidate = "/".join(parts[:depth])
            if fnmatch.fnmatch(candidate, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(parts[depth - 1], pattern[3:])
            ):
                ignored = not negated
                break
    return ignored


def test_docker_build_context_keeps_what_the_image_copies_and_leaves_local_state_out():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = re.findall(r"^COPY (.+) \S+$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)

    for source in " ".join(copied).split():
        assert not dockerignored(source, patterns), source
    assert not dockerignored("learning_platform/definitions.py", patterns)
    for local in (
        ".venv/bin/python",
        ".tools/bin/uv",
        ".learning_platform/postgres/base",
        ".git/HEAD",
        ".env",
        "learning_platform/__pycache__/cli.cpython-311.pyc",
        "learning_platform/staging/x/day.parquet",
        "learning_platform_dbt/target/manifest.json",
        "learning_platform_dbt/logs/dbt.log",
        "learning_platform_dbt/seeds/canonical_activities.csv",
    ):
        assert dockerignored(local, patterns), local


# --- Kubernetes ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chart_schema() -> dict:
    if not CHART_SCHEMA.exists():
        pytest.skip(
            f"the chart's values schema is kept in ../shared ({CHART_SCHEMA}), absent beside this "
            "checkout"
        )
    return json.loads(CHART_SCHEMA.read_text())


def test_helm_values_follow_the_chart_values_schema(chart_schema):
    values = load_yaml("deploy/helm/values.yaml")

    assert schema_errors(chart_values_validator(chart_schema), values) == []


@pytest.mark.parametrize(
    "path, wrong, error",
    [
        (
            ("dagster-user-deployments", "deployments", 0, "port"),
            "3030",
            "dagster-user-deployments.deployments.0.port: '3030' is not of type 'integer'",
        ),
        (
            ("runLauncher", "type"),
            "K8sRunLaunchr",
            "runLauncher.type: 'K8sRunLaunchr' is not one of",
        ),
        (
            ("runLauncher", "config", "k8sRunLauncher", "loadInclusterConfig"),
            "yes",
            "runLauncher.config.k8sRunLauncher.loadInclusterConfig: 'yes' is not of type 'boolean'",
        ),
    ],
    ids=["port", "launcher", "incluster"],
)
def test_a_helm_values_file_with_a_wrong_value_fails_the_chart_values_schema(
    chart_schema, path, wrong, error
):
    values = copy.deepcopy(load_yaml("deploy/helm/values.yaml"))
    *parents, last = path
    node = values
    for key in parents:
        node = node[key]
    node[last] = wrong

    errors = schema_errors(chart_values_validator(chart_schema), values)

    assert len(errors) == 1 and errors[0].startswith(error), errors


def test_a_misspelled_helm_key_fails_the_chart_values_schema(chart_schema):
    values = load_yaml("deploy/helm/values.yaml")
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    launcher["resource"] = launcher.pop("resources")

    assert schema_errors(chart_values_validator(chart_schema), values) == [
        "runLauncher.config.k8sRunLauncher: Additional properties are not allowed "
        "('resource' was unexpected)"
    ]


def test_run_pods_get_the_bench_sized_resources_whichever_block_the_chart_applies():
    """The chart hands the code location's resources to its runs, over the run launcher's; both
    name one block, sized above the bench's measured peak of a run (525 MB, the reporting run)."""
    values = load_yaml("deploy/helm/values.yaml")
    deployments = values["dagster-user-deployments"]["deployments"]
    resources = values["runLauncher"]["config"]["k8sRunLauncher"]["resources"]

    assert len(deployments) == len(CODE_LOCATIONS)
    for deployment in deployments:
        assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}, deployment["name"]
        assert deployment["resources"] == resources, deployment["name"]
    assert resources["requests"]["memory"] == "768Mi" and resources["limits"]["memory"] == "1536Mi"


def test_every_deployment_keeps_staged_partitions_for_the_default_retention():
    """Compose (with .env.example, and with the variable left out of .env) and the chart pass the
    number of days the code defaults to: the retention the README states is the one they run."""
    default = str(settings.DEFAULT_STAGING_RETENTION_DAYS)
    variable = settings.STAGING_RETENTION_DAYS
    unset = {k: v for k, v in read_dotenv(ROOT / ".env.example").items() if k != variable}
    compose_default = interpolate_compose(load_yaml("docker-compose.yml"), unset)
    deployments = load_yaml("deploy/helm/values.yaml")["dagster-user-deployments"]["deployments"]

    assert compose_with_example_env()["services"]["daemon"]["environment"][variable] == default
    for name in CODE_SERVERS:
        assert compose_default["services"][name]["environment"][variable] == default, name
    assert len(deployments) == len(CODE_LOCATIONS)
    for deployment in deployments:
        assert deployment["env"][variable] == default, deployment["name"]


def test_helm_values_hold_no_secret_and_name_the_secrets_runs_read():
    values = load_yaml("deploy/helm/values.yaml")
    deployments = values["dagster-user-deployments"]["deployments"]

    secret_like = re.compile(r"PASSWORD|SECRET|PSEUDONYM_KEY|DATABASE_URL|CLIENT_ID|TENANT_ID")
    assert "postgresqlPassword" not in values["postgresql"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert len(deployments) == len(CODE_LOCATIONS)
    for deployment in deployments:
        assert [name for name in deployment["env"] if secret_like.search(name)] == []
        assert [secret["name"] for secret in deployment["envSecrets"]] == [
            "learning-platform",
            "learning-platform-object-storage",
        ], deployment["name"]


def chart_workspace(values: dict) -> dict[str, dict]:
    """The workspace the chart renders for its webserver and daemon from these values
    (templates/configmap-workspace.yaml), by location name: the listed servers when
    dagsterWebserver.workspace is enabled, else each deployment named after itself."""
    workspace = values.get("dagsterWebserver", {}).get("workspace", {})
    if workspace.get("enabled"):
        servers = [
            {"host": server["host"], "port": server["port"], "name": server.get("name")}
            for server in workspace["servers"]
        ]
    else:
        servers = [
            {"host": deployment["name"], "port": deployment["port"], "name": deployment["name"]}
            for deployment in values["dagster-user-deployments"]["deployments"]
        ]
    return {
        server["name"] or server["host"]: {"host": server["host"], "port": server["port"]}
        for server in servers
    }


def test_helm_deployments_serve_each_code_location_under_the_code_s_name():
    """One chart deployment per code location, each loading its module; the workspace the chart
    renders reaches each deployment's Service by its name and port and names the location as the
    code does (a Kubernetes name cannot: hence dagsterWebserver.workspace)."""
    values = load_yaml("deploy/helm/values.yaml")
    deployments = {
        deployment["name"]: deployment
        for deployment in values["dagster-user-deployments"]["deployments"]
    }

    assert set(deployments) == {location.deployment for location in CODE_LOCATIONS.values()}
    for location in CODE_LOCATIONS.values():
        deployment = deployments[location.deployment]
        assert deployment["dagsterApiGrpcArgs"] == ["-m", location.module], location.deployment
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", location.deployment)
    assert chart_workspace(values) == {
        name: {"host": location.deployment, "port": deployments[location.deployment]["port"]}
        for name, location in CODE_LOCATIONS.items()
    }
    # The reporting deployment is the sources' with its own name and module: same image, env,
    # Secrets, resources and security context.
    sources, reporting = (
        {
            key: value
            for key, value in deployments[location.deployment].items()
            if key not in {"name", "dagsterApiGrpcArgs"}
        }
        for location in CODE_LOCATIONS.values()
    )
    assert sources == reporting


def test_without_the_listed_servers_the_chart_would_name_a_location_after_its_deployment():
    """Why the values list the workspace's servers: the chart's own workspace names each location
    after its deployment, and the reporting location's sensor watches the erasure job in the
    location the code names `learning_platform`."""
    values = load_yaml("deploy/helm/values.yaml")
    values["dagsterWebserver"]["workspace"]["enabled"] = False

    assert set(chart_workspace(values)) == {
        location.deployment for location in CODE_LOCATIONS.values()
    }
    assert set(chart_workspace(values)).isdisjoint(CODE_LOCATIONS)


def test_chart_release_is_the_dagster_release_of_the_lock():
    """Dagster's chart is released with Dagster: the chart version in the values file and the
    README's command is the dagster version uv.lock installs."""
    lock = (ROOT / "uv.lock").read_text()
    dagster = re.search(r'\[\[package\]\]\nname = "dagster"\nversion = "([^"]+)"', lock).group(1)

    for document in ("deploy/helm/values.yaml", "README.md"):
        versions = re.findall(r"dagster/dagster --version (\S+)", (ROOT / document).read_text())
        assert versions and set(versions) == {dagster}, document
