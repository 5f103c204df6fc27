"""The deployment files read as their tools read them, without Docker, helm or a cluster: compose's
`.env` and interpolation, the Helm chart's values schema and the instance config the chart renders,
and Dagster building every class an instance config names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance import InstanceRef
from dagster._core.instance.config import dagster_instance_config
from jsonschema import Draft7Validator
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

# --- compose -------------------------------------------------------------------------------------

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ComposeInterpolationError(ValueError):
    """A `${...}` compose would refuse: a required variable without a value, or a malformed one."""


def read_dotenv(path: Path) -> dict[str, str]:
    """The variables of a compose `.env` file: `NAME=value` lines, `#` comments, quoted values."""
    variables = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.removeprefix("export ").partition("=")
        if not separator or not _VARIABLE_NAME.fullmatch(name.strip()):
            raise ValueError(f"{path.name}:{number}: not NAME=value")
        value = value.strip()
        if value[:1] in {'"', "'"} and value.endswith(value[0]) and len(value) > 1:
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        variables[name.strip()] = value
    return variables


def interpolate_compose(document: Any, environment: Mapping[str, str], where: str = "") -> Any:
    """Every string value of a parsed compose file with its `$VAR`, `${VAR}`, `${VAR:-default}`,
    `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`
    and `$$` replaced as compose does (keys are left alone); errors name the value's path."""
    if isinstance(document, dict):
        return {
            key: interpolate_compose(value, environment, f"{where}.{key}".lstrip("."))
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [
            interpolate_compose(value, environment, f"{where}[{index}]")
            for index, value in enumerate(document)
        ]
    if isinstance(document, str):
        return _interpolate(document, environment, where)
    return document


def _interpolate(text: str, environment: Mapping[str, str], where: str) -> str:
    parts = []
    position = 0
    while position < len(text):
        dollar = text.find("$", position)
        if dollar < 0:
            parts.append(text[position:])
            break
        parts.append(text[position:dollar])
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            parts.append("$")
            position = dollar + 2
        elif following == "{":
            value, position = _braced(text, dollar + 2, environment, where)
            parts.append(value)
        elif name := _VARIABLE_NAME.match(text, dollar + 1):
            parts.append(environment.get(name.group(), ""))
            position = name.end()
        else:
            raise ComposeInterpolationError(f"{where}: invalid interpolation {text[dollar:]!r}")
    return "".join(parts)


def _braced(text: str, start: int, environment: Mapping[str, str], where: str) -> tuple[str, int]:
    """The value of the `${...}` whose name starts at `start`, and the position after its `}`."""
    name_match = _VARIABLE_NAME.match(text, start)
    if not name_match:
        raise ComposeInterpolationError(f"{where}: invalid interpolation {text[start - 2 :]!r}")
    name, position = name_match.group(), name_match.end()
    if text.startswith("}", position):
        return environment.get(name, ""), position + 1
    operators = [op for op in (":-", ":?", ":+", "-", "?", "+") if text.startswith(op, position)]
    if not operators:
        raise ComposeInterpolationError(f"{where}: invalid interpolation {text[start - 2 :]!r}")
    operator = operators[0]
    # The argument runs to the `}` that closes this `${`: it may hold `${...}` of its own.
    depth, end = 0, position + len(operator)
    while end < len(text) and (text[end] != "}" or depth):
        if text.startswith("${", end):
            depth, end = depth + 1, end + 1
        elif text[end] == "}":
            depth -= 1
        end += 1
    if end >= len(text):
        raise ComposeInterpolationError(f"{where}: unterminated {text[start - 2 :]!r}")
    argument = text[position + len(operator) : end]
    # With a colon, an empty value counts as unset.
    has_value = bool(environment.get(name)) if operator.startswith(":") else name in environment
    if operator.endswith("-"):
        value = environment[name] if has_value else _interpolate(argument, environment, where)
    elif operator.endswith("?"):
        if not has_value:
            message = _interpolate(argument, environment, where)
            raise ComposeInterpolationError(
                f"{where}: required variable {name} is missing a value: {message}"
            )
        value = environment[name]
    else:
        value = _interpolate(argument, environment, where) if has_value else ""
    return value, end + 1


def compose_variables(text: str) -> set[str]:
    """The names of the variables a compose file interpolates."""
    return set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


# --- JSON schemas --------------------------------------------------------------------------------


def schema_errors(validator: Validator, document: Any) -> list[str]:
    """Each error as `path.to.value: message`, in a stable order. Where a value matches none of a
    schema's alternatives (`anyOf`), the error is the one of the closest alternative."""
    errors = []
    for error in validator.iter_errors(document):
        while error.context:
            # The alternative the value came closest to: the deepest error, and of those, one that
            # is not "is not of type 'null'" (the alternative of leaving the key out).
            error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
        path = ".".join(str(part) for part in error.absolute_path) or "(top)"
        errors.append(f"{path}: {error.message}")
    return sorted(errors)


def chart_values_validator(schema: dict) -> Draft7Validator:
    """A validator of a values file laid over the chart's defaults, as `helm` checks the merged
    values: the schema's `required` lists are left out (the chart's own values.yaml supplies every
    required key), and its references to Kubernetes type schemas on the web, which cannot be fetched
    here, accept anything."""
    remote: dict[str, dict] = {}
    for reference in _references(schema):
        uri, _, pointer = reference.partition("#")
        if uri.startswith(("http://", "https://")):
            # `#/definitions/<type>`: an empty schema, which any value satisfies, at that pointer.
            document = remote.setdefault(uri, {})
            for part in pointer.strip("/").split("/"):
                document = document.setdefault(part, {})
    registry = Registry().with_resources(
        (uri, Resource.from_contents(document, default_specification=DRAFT7))
        for uri, document in remote.items()
    )
    return Draft7Validator(_without_required(schema), registry=registry)


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _without_required(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_required(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if key in {"properties", "definitions", "patternProperties"}:
            kept[key] = {name: _without_required(schema) for name, schema in value.items()}
        elif key != "required":
            kept[key] = _without_required(value)
    return kept


# --- the Helm chart's instance config ------------------------------------------------------------

# The chart's defaults for the values the renderer reads where this project's values are silent.
CHART_DEFAULTS = {
    "global": {"dagsterHome": "/opt/dagster/dagster_home", "postgresqlSecretName": ""},
    "serviceAccount": {"name": ""},
    "imagePullSecrets": [],
    "scheduler": {"type": "DagsterDaemonScheduler", "config": {}},
    "postgresql": {"service": {"port": 5432}, "postgresqlParams": {}},
    "dagsterDaemon": {"enabled": True},
    "telemetry": {"enabled": True},
    "additionalInstanceConfig": {},
}


def chart_instance_config(
    values: Mapping[str, Any],
    release: str = "learning-platform",
    namespace: str = "learning-platform",
) -> dict[str, Any]:
    """The `dagster.yaml` that Dagster's chart renders into its instance ConfigMap from these values
    (templates/configmap-instance.yaml and templates/helpers/instance/*.tpl), for the run launcher,
    run coordinator, compute log manager, storage and daemon settings this project uses. With no
    `helm` on the machine, this mirrors the templates key by key; anything it does not know fails."""
    values = _deep_merge(CHART_DEFAULTS, values)
    fullname = release if "dagster" in release else f"{release}-dagster"
    postgres_secret = values["global"]["postgresqlSecretName"] or f"{fullname}-postgresql-secret"
    storage = {"postgres_db": _postgres_config(values["postgresql"])}
    daemon = values["dagsterDaemon"]

    instance: dict[str, Any] = {
        "scheduler": _scheduler(values["scheduler"]),
        "schedule_storage": _configurable(
            "dagster_postgres.schedule_storage", "PostgresScheduleStorage", storage
        ),
        "run_launcher": _run_launcher(
            values,
            namespace,
            fullname,
            postgres_secret,
            values["serviceAccount"]["name"] or fullname,
        ),
        "run_storage": _configurable("dagster_postgres.run_storage", "PostgresRunStorage", storage),
        "event_log_storage": _configurable(
            "dagster_postgres.event_log", "PostgresEventLogStorage", storage
        ),
    }
    coordinator = daemon.get("runCoordinator", {})
    if daemon["enabled"] and coordinator.get("enabled"):
        instance["run_coordinator"] = _run_coordinator(coordinator)
    instance["compute_logs"] = _compute_logs(values["computeLogManager"])
    monitoring = daemon.get("runMonitoring", {})
    if daemon["enabled"] and monitoring.get("enabled"):
        instance["run_monitoring"] = _drop_none(
            {
                "enabled": True,
                "start_timeout_seconds": monitoring.get("startTimeoutSeconds"),
                "cancel_timeout_seconds": monitoring.get("cancelTimeoutSeconds"),
                "max_resume_run_attempts": monitoring.get("maxResumeRunAttempts"),
                "poll_interval_seconds": monitoring.get("pollIntervalSeconds"),
                "free_slots_after_run_end_seconds": monitoring.get("freeSlotsAfterRunEndSeconds"),
            }
        )
    retries = daemon.get("runRetries", {})
    if daemon["enabled"] and retries.get("enabled"):
        instance["run_retries"] = _drop_none(
            {"enabled": True, "max_retries": retries.get("maxRetries") or None}
        )
    instance["telemetry"] = {"enabled": values["telemetry"]["enabled"]}
    # The chart appends additionalInstanceConfig as YAML: a key it already wrote would be written
    # twice, and the YAML reader would keep only the last.
    for key, value in values["additionalInstanceConfig"].items():
        if key in instance:
            raise ValueError(f"additionalInstanceConfig.{key} repeats a key the chart renders")
        instance[key] = value
    return instance


def _scheduler(scheduler: Mapping[str, Any]) -> dict[str, Any]:
    if scheduler["type"] != "DagsterDaemonScheduler":
        raise ValueError(f"scheduler.type {scheduler['type']!r}: not rendered here")
    return {"module": "dagster._core.scheduler", "class": "DagsterDaemonScheduler"}


def _postgres_config(postgresql: Mapping[str, Any]) -> dict[str, Any]:
    if postgresql.get("enabled"):
        raise ValueError("postgresql.enabled: the chart's own PostgreSQL is not rendered here")
    return _drop_none(
        {
            "username": postgresql["postgresqlUsername"],
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            "hostname": postgresql["postgresqlHost"],
            "db_name": postgresql["postgresqlDatabase"],
            "port": postgresql["service"]["port"],
            "params": postgresql["postgresqlParams"],
            "scheme": postgresql.get("postgresqlScheme"),
        }
    )


def _run_launcher(
    values: Mapping[str, Any], namespace: str, fullname: str, postgres_secret: str, account: str
) -> dict[str, Any]:
    launcher = values["runLauncher"]
    if launcher["type"] != "K8sRunLauncher":
        raise ValueError(f"runLauncher.type {launcher['type']!r}: not rendered here")
    k8s = launcher["config"]["k8sRunLauncher"]
    run_k8s_config = {
        snake: k8s["runK8sConfig"][camel]
        for camel, snake in (
            ("containerConfig", "container_config"),
            ("podSpecConfig", "pod_spec_config"),
            ("podTemplateSpecMetadata", "pod_template_spec_metadata"),
            ("jobSpecConfig", "job_spec_config"),
            ("jobMetadata", "job_metadata"),
        )
        if k8s.get("runK8sConfig", {}).get(camel)
    }
    config = {
        "load_incluster_config": k8s["loadInclusterConfig"],
        "kubeconfig_file": k8s.get("kubeconfigFile") or None,
        "job_namespace": k8s.get("jobNamespace") or namespace,
        "image_pull_policy": k8s["imagePullPolicy"],
        "image_pull_secrets": values["imagePullSecrets"] or None,
        "service_account_name": account,
        "job_image": _image_name(k8s["image"]) if "image" in k8s else None,
        "dagster_home": values["global"]["dagsterHome"],
        "instance_config_map": f"{fullname}-instance",
        "postgres_password_secret": postgres_secret,
        "env_config_maps": [item["name"] for item in k8s.get("envConfigMaps", [])] or None,
        "env_secrets": [item["name"] for item in k8s.get("envSecrets", [])] or None,
        "env_vars": k8s.get("envVars") or None,
        "volume_mounts": k8s.get("volumeMounts") or None,
        "volumes": k8s.get("volumes") or None,
        "labels": k8s.get("labels") or None,
        "resources": k8s.get("resources") or None,
        "fail_pod_on_run_failure": True if k8s.get("failPodOnRunFailure") else None,
        "scheduler_name": k8s.get("schedulerName") or None,
        "security_context": k8s.get("securityContext") or None,
        "run_k8s_config": run_k8s_config or None,
    }
    return _configurable("dagster_k8s", "K8sRunLauncher", _drop_none(config))


def _image_name(image: Mapping[str, Any]) -> str:
    return f"{image['repository']}:{image['tag']}"


def _run_coordinator(coordinator: Mapping[str, Any]) -> dict[str, Any]:
    if coordinator["type"] != "QueuedRunCoordinator":
        raise ValueError(f"runCoordinator.type {coordinator['type']!r}: not rendered here")
    queued = coordinator["config"].get("queuedRunCoordinator") or {}
    config = _drop_none(
        {
            "max_concurrent_runs": queued.get("maxConcurrentRuns"),
            "tag_concurrency_limits": queued.get("tagConcurrencyLimits") or None,
            "dequeue_interval_seconds": queued.get("dequeueIntervalSeconds"),
        }
    )
    rendered = {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"}
    return {**rendered, "config": config} if config else rendered


def _compute_logs(manager: Mapping[str, Any]) -> dict[str, Any]:
    if manager["type"] != "S3ComputeLogManager":
        raise ValueError(f"computeLogManager.type {manager['type']!r}: not rendered here")
    s3 = manager["config"]["s3ComputeLogManager"]
    config = {
        "bucket": s3["bucket"],
        "local_dir": s3.get("localDir") or None,
        "prefix": s3.get("prefix") or None,
        "use_ssl": s3.get("useSsl") or None,
        "verify": s3.get("verify") is not False,
        "verify_cert_path": s3.get("verifyCertPath") or None,
        "endpoint_url": s3.get("endpointUrl") or None,
        "skip_empty_files": s3.get("skipEmptyFiles") or None,
        "upload_interval": s3.get("uploadInterval") or None,
        "upload_extra_args": s3.get("uploadExtraArgs") or None,
        "show_url_only": s3.get("showUrlOnly") or None,
        "region": s3.get("region") or None,
    }
    return _configurable(
        "dagster_aws.s3.compute_log_manager", "S3ComputeLogManager", _drop_none(config)
    )


def _configurable(module: str, class_name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    return {"module": module, "class": class_name, "config": dict(config)}


def _drop_none(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- Dagster building an instance config's classes -----------------------------------------------


class InstanceClassError(Exception):
    """A class an instance config names could not be built; the message starts with its YAML key."""


# The YAML key of each class an instance config may name, and where InstanceRef keeps it.
_INSTANCE_CLASSES = (
    ("storage", "storage_data"),
    ("run_storage", "run_storage_data"),
    ("event_log_storage", "event_storage_data"),
    ("schedule_storage", "schedule_storage_data"),
    ("run_launcher", "run_launcher_data"),
    ("run_coordinator", "run_coordinator_data"),
    ("compute_logs", "compute_logs_data"),
    ("scheduler", "scheduler_data"),
)


def build_instance_classes(config: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    """Every class `config` (a parsed dagster.yaml) names, built by Dagster from the file as a
    webserver, daemon or run builds it, keyed by its YAML key. Dagster validates the whole file
    first; a class that cannot be found or built, or whose environment variable is unset, fails
    naming its YAML path (`storage:postgres:postgres_db:password`). PostgreSQL storage is built
    without connecting (`should_autocreate_tables: false`, a field of the same config), as there is
    no database here."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "dagster.yaml").write_text(yaml.safe_dump(_without_connecting(config)))
    dagster_instance_config(str(directory))
    reference = InstanceRef.from_dir(str(directory))
    built = {}
    for key, attribute in _INSTANCE_CLASSES:
        data = getattr(reference, attribute)
        if key not in config or data is None:
            continue
        # Where the class's own config sits in the file: Dagster names paths from there.
        config_path = (
            f"storage:{next(iter(config['storage']))}" if key == "storage" else f"{key}:config"
        )
        try:
            built[key] = data.rehydrate(as_type=object)
        except Exception as error:
            message = _reason(error).replace("path root:", f"path {config_path}:")
            raise InstanceClassError(
                f"{key} ({data.module_name}.{data.class_name}): {message}"
            ) from error
    return built


def _reason(error: Exception) -> str:
    """What was wrong, without Dagster's dump of the config schema and the stack traces."""
    if isinstance(error, DagsterInvalidConfigError):
        return "; ".join(item.message.split("\n\nStack Trace")[0] for item in error.errors)
    return str(error)


def _without_connecting(config: Mapping[str, Any]) -> dict[str, Any]:
    config = yaml.safe_load(yaml.safe_dump(dict(config)))  # a deep copy
    for block in _postgres_storage_configs(config):
        block["should_autocreate_tables"] = False
    return config


def _postgres_storage_configs(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "postgres" in config.get("storage", {}):
        yield config["storage"]["postgres"]
    for key in ("run_storage", "event_log_storage", "schedule_storage"):
        if str(config.get(key, {}).get("module", "")).startswith("dagster_postgres"):
            yield config[key]["config"]
