"""The two code locations: the sources' never loads dbt, and together they hold what one did."""

import json
import subprocess
import sys

from learning_platform.definitions import PLATFORM_FOLDERS, load

# In a fresh interpreter: what a run process of each location imports and holds.
PROBE = """
import json, sys
from learning_platform.{module} import defs
repository = defs().get_repository_def()
print(json.dumps({{
    "assets": sorted(key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()
                     if repository.asset_graph.get(key).is_materializable),
    "jobs": sorted(job.name for job in repository.get_all_jobs()),
    "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
    "schedules": sorted(schedule.name for schedule in repository.schedule_defs),
    "dbt_loaded": any(name == "dbt" or name.startswith(("dbt.", "dagster_dbt")) for name in sys.modules),
}}))
"""


def _location(module: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {**json.loads(completed.stdout.splitlines()[-1]), "stderr": completed.stderr}


def test_the_sources_run_without_dbt_and_the_two_locations_hold_the_whole_platform():
    sources = _location("definitions")
    reporting = _location("reporting_definitions")

    assert not sources["dbt_loaded"]
    # Loaded as Dagster's own loader loads a defs folder: without its beta and preview warnings.
    assert "Warning" not in sources["stderr"]
    assert reporting["dbt_loaded"]
    assert not [key for key in sources["assets"] if key.startswith(("reporting", "directory"))]
    assert all(key.startswith(("reporting", "directory")) for key in reporting["assets"])
    assert "marts_after_erasure" in reporting["sensors"]
    assert "erase_learner" in sources["jobs"] and "reporting_refresh" in reporting["jobs"]

    # Nothing lost and nothing served twice: the two hold exactly what the platform as one holds.
    repository = load(PLATFORM_FOLDERS).get_repository_def()
    graph = repository.asset_graph
    whole = sorted(
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    )
    assert sorted(sources["assets"] + reporting["assets"]) == whole
    for kind, names in (
        ("sensors", [sensor.name for sensor in repository.sensor_defs]),
        ("schedules", [schedule.name for schedule in repository.schedule_defs]),
    ):
        assert sorted(sources[kind] + reporting[kind]) == sorted(names)
