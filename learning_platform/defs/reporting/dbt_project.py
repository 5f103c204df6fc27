"""The reporting layer's dbt project (learning_platform_dbt/) as the platform runs it: where it is,
the seed it generates from lib/vocabulary.py, the warehouse it builds in, and its manifest."""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from learning_platform import settings
from learning_platform.lib import vocabulary
from learning_platform.lib.warehouse.embedded import DATABASE as EMBEDDED_DATABASE

PROJECT_DIR = Path(__file__).resolve().parents[3] / "learning_platform_dbt"
CANONICAL_ACTIVITIES = Path("seeds") / "canonical_activities.csv"
PARTIAL_PARSE = "partial_parse.msgpack"
DATABASE_VARIABLE = "LEARNING_PLATFORM_DBT_DATABASE"  # profiles.yml reads it

# The dbt of this Python environment, whether or not its bin folder is on PATH (a run process, a
# test, the demo all start Python directly).
DBT_EXECUTABLE = next(
    (str(path) for path in [Path(sys.executable).with_name("dbt")] if path.exists()), "dbt"
)

reporting_dbt = DbtProject(project_dir=PROJECT_DIR)


class PlatformDbtCli(DbtCliResource):
    """dagster-dbt asks the executable for its version (`dbt --version`) before every command,
    and dbt answers only after asking pypi.org for its latest release: two seconds of every
    reporting run, and traffic out of every run. The executable is this environment's own, so
    its version is the installed package's."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_cli(project: DbtProject = reporting_dbt) -> DbtCliResource:
    return PlatformDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE)


def write_canonical_activities(project: DbtProject = reporting_dbt) -> bool:
    """The seed of every source value's canonical activity, written from lib/vocabulary.py (the
    one list); True when it changed. Written whole, then moved into place."""
    seed = project.project_dir / CANONICAL_ACTIVITIES
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "source_activity", "activity"])
    writer.writerows(sorted(vocabulary.canonical_activities()))
    content = buffer.getvalue()
    if seed.exists() and seed.read_text() == content:
        return False
    partial = seed.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(content)
    partial.replace(seed)
    return True


def warehouse_database() -> str:
    """The warehouse's database name: the relations in the manifest carry it, and Dagster reads
    the marts' columns (and their lineage) from the warehouse by those names."""
    url = settings.env(settings.DATABASE_URL)
    return (sa.make_url(url).database if url else None) or EMBEDDED_DATABASE


def prepare(project: DbtProject = reporting_dbt) -> None:
    """The seed and the manifest (`dbt parse`): what the definitions are built from."""
    write_canonical_activities(project)
    previous = os.environ.get(DATABASE_VARIABLE)
    os.environ[DATABASE_VARIABLE] = warehouse_database()
    try:
        dbt_cli(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
        _fingerprint_path(project).write_text(_fingerprint(project))
    finally:
        if previous is None:
            os.environ.pop(DATABASE_VARIABLE, None)
        else:
            os.environ[DATABASE_VARIABLE] = previous


def _fingerprint_path(project: DbtProject) -> Path:
    return project.project_dir / project.target_path / "sources.sha256"


def _fingerprint(project: DbtProject) -> str:
    """A digest of what the manifest is parsed from (but the seed's rows, which it does not hold):
    a checkout that changed a model, a test or a macro since the last `dbt parse` differs."""
    root = project.project_dir
    files = [root / "dbt_project.yml", root / "profiles.yml"] + [
        path
        for folder in ("models", "macros", "seeds", "tests")
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix != ".csv"
    ]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _manifest_database(project: DbtProject) -> str | None:
    nodes = json.loads(project.manifest_path.read_text())["nodes"].values()
    return next((node["database"] for node in nodes if node["resource_type"] == "model"), None)


def ensure_prepared(project: DbtProject = reporting_dbt) -> None:
    """Prepared again whenever the project's files changed since (a pull, an edit), the warehouse
    is another database, or under `dagster dev`/`dg dev`; an image prepares at build time."""
    fingerprint = _fingerprint_path(project)
    if (
        not project.manifest_path.exists()
        or not fingerprint.exists()
        or fingerprint.read_text() != _fingerprint(project)
        or project.preparer.using_dagster_dev()
        or _manifest_database(project) != warehouse_database()
    ):
        prepare(project)


@contextmanager
def invocation_target(project: DbtProject = reporting_dbt) -> Iterator[Path]:
    """A target folder for one dbt command, removed afterwards (dbt's artifacts would otherwise
    pile up under target/), starting from the prepared project's partial parse."""
    folder = Path(tempfile.mkdtemp(prefix="dbt-target-"))
    try:
        prepared = project.project_dir / project.target_path / PARTIAL_PARSE
        if prepared.exists():
            shutil.copyfile(prepared, folder / PARTIAL_PARSE)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
