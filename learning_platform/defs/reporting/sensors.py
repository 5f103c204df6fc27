"""The marts after an erasure: the erasure runs in the sources' code location, the marts here, so
the sensor watches that location's job by name."""

import dagster as dg

from learning_platform.defs.reporting.jobs import reporting_refresh
from learning_platform.defs.shared import locations
from learning_platform.defs.shared.automation import default_sensor_status

ERASURE_JOB = "erase_learner"


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[dg.JobSelector(location_name=locations.SOURCES, job_name=ERASURE_JOB)],
    request_job=reporting_refresh,
    default_status=default_sensor_status(),
    description="Recompute the marts after an erasure (their aggregates counted the learner).",
)
def marts_after_erasure(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=f"after-erasure-{context.dagster_run.run_id}")
