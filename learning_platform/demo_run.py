"""The demo's work: materialize every asset over recent days in the local Dagster instance, and
summarise what landed where."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import sqlalchemy as sa

from learning_platform import settings
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.defs.thought_industries.sensors import SENSOR_NAME
from learning_platform.defs.thrive.partitions import DAYS_PER_RUN as THRIVE_DAYS_PER_RUN
from learning_platform.lib.warehouse.tables import linkedin_learning as linkedin_tables
from learning_platform.lib.warehouse.tables import thought_industries as thought_industries_tables
from learning_platform.lib.warehouse.tables import thrive as thrive_tables
from learning_platform.lib.windows import PACIFIC, UTC, DayWindow, batches_of_days

WORKSPACE_YAML = Path(__file__).resolve().parent.parent / "workspace.yaml"
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# A demo day of the sandbox takes seconds; this only keeps a stuck run from hanging the demo.
RUN_TIMEOUT_SECONDS = 1800
# How long an interrupted command waits for its run's worker to stop and record it canceled.
CANCEL_TIMEOUT_SECONDS = 10
# The tag that ties the runs of one command (one demo, one erase) together.
COMMAND_TAG = "learning_platform/command"
STARTING = dg.DagsterRunStatus.STARTING


# (table, column of the partition's day or None): what the summary counts.
SUMMARY_TABLES = (
    (linkedin_tables.account_activity, "window_start"),
    (linkedin_tables.learner_activity, "window_start"),
    (linkedin_tables.learner_content_activity, "window_start"),
    (linkedin_tables.content_activity, "window_start"),
    (linkedin_tables.learners, None),
    (linkedin_tables.contents, None),
    (thrive_tables.activities, "occurred_at"),
    (thrive_tables.cpd_entries, "entry_date"),
    (thrive_tables.users, None),
    (thought_industries_tables.content_actions, "occurred_at"),
    (thought_industries_tables.drop_files, None),
)


# The sensors that evaluate the tables' freshness checks: the demo ticks each once after the loads.
# By name, from the code location: importing their modules here would build the assets outside
# Dagster's loader, which prints a beta warning for every backfill policy.
FRESHNESS_SENSORS = ("linkedin_learning_freshness_sensor", "thrive_freshness_sensor")


class CheckResult(NamedTuple):
    asset: str
    check_name: str
    passed: bool
    severity: str  # ERROR stops the data; WARN says something is late or odd
    description: str


@dataclass
class DemoOutcome:
    days: list[date]
    run_ids: list[str] = field(default_factory=list)
    success: bool = True
    check_results: list[CheckResult] = field(default_factory=list)
    table_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    drop_files: list[str] = field(default_factory=list)  # the exports the drop sensor took
    headlines: list[str] = field(default_factory=list)  # the marts' headline numbers


def load_definitions() -> dg.Definitions:
    from learning_platform.definitions import defs

    return defs()


def materialize_days(days: list[date], instance: dg.DagsterInstance | None = None) -> DemoOutcome:
    """Every source over `days`, in runs as a backfill would launch them (LinkedIn 14 Pacific days
    per run, Thrive a month of UTC days per run, the Thrive users snapshot once), then the
    Thought Industries exports in the drop folder, one run per file the drop sensor takes, and
    last the learner directory and the marts; all recorded in the Dagster instance."""
    definitions = load_definitions()
    instance = instance or dg.DagsterInstance.get()
    outcome = DemoOutcome(days=days)
    with workspace_runs(instance) as runs:
        _launch_runs(definitions, runs, days, outcome)
    # The definitions' resource holds EnvVar references, resolved only inside runs.
    warehouse = PostgresWarehouse(database_url=settings.env(settings.DATABASE_URL))
    with warehouse.engine.connect() as connection:
        for table, day_column in SUMMARY_TABLES:
            count = [sa.func.count()]
            if day_column is not None:
                day = table.c[day_column]
                if isinstance(day.type, sa.DateTime):  # the UTC day of a timestamp
                    day = sa.func.date(sa.func.timezone("UTC", day))
                count.append(sa.func.count(sa.distinct(day)))
            row = connection.execute(sa.select(*count).select_from(table)).one()
            outcome.table_rows[table.fullname] = (row[0], row[1] if day_column else None)
        outcome.headlines = headlines(connection)
    return outcome


def _launch_runs(
    definitions: dg.Definitions, runs: WorkspaceRuns, days: list[date], outcome: DemoOutcome
) -> None:
    instance = runs.instance
    planned = [
        ("linkedin_learning_daily", batch)
        for batch in batches_of_days([DayWindow(day, PACIFIC) for day in days])
    ]
    planned.append(("thrive_users", None))
    planned += [
        ("thrive_daily", batch)
        for batch in batches_of_days([DayWindow(day, UTC) for day in days], THRIVE_DAYS_PER_RUN)
    ]
    for job_name, batch in planned:
        tags = {}
        if batch is not None:
            tags["dagster/asset_partition_range_start"] = batch[0].key
            tags["dagster/asset_partition_range_end"] = batch[-1].key
        _record(instance, runs.run(job_name, tags), outcome)
    # Thought Industries exports come in as files: the drop sensor decides what to load, as the
    # daemon would run it. Two ticks: a file is taken once it has not changed between two looks.
    sensor = definitions.resolve_sensor_def(SENSOR_NAME)
    cursor = None
    for _ in range(2):
        context = dg.build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"thought_industries_drops": ThoughtIndustriesDrops()},
        )
        result = sensor(context)
        if not isinstance(result, dg.SensorResult):
            raise RuntimeError(f"{SENSOR_NAME}: {result}")
        cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(
                request.partitions_def_name, list(request.partition_keys)
            )
        for request in result.run_requests or []:
            outcome.drop_files.append(request.partition_key)
            tags = {
                **request.tags,
                "dagster/partition": request.partition_key,
                "dagster/sensor_name": SENSOR_NAME,
            }
            _record(instance, runs.run(sensor.job_name, tags), outcome)
    # The tables' freshness checks, as their sensors ask for them after these loads (here in one
    # run for both sources): a check that never ran reads "0 / 1 Passed" beside a green tick on
    # the UI's asset graph.
    due = [
        key
        for name in FRESHNESS_SENSORS
        for key in _freshness_due(definitions.resolve_sensor_def(name), instance)
    ]
    if due:
        job_name = runs.sensor_job_name(FRESHNESS_SENSORS[0])
        _record(instance, runs.run(job_name, {}, asset_check_selection=due), outcome)
    # The marts, as the automation sensor would refresh them after these loads.
    _record(instance, runs.run("reporting_refresh", {}), outcome)


def _freshness_due(
    sensor: dg.SensorDefinition, instance: dg.DagsterInstance
) -> list[dg.AssetCheckKey]:
    """The checks one tick of a freshness sensor asks to evaluate: all of them the first time,
    none while each is still within its deadline."""
    request = sensor(dg.build_sensor_context(instance=instance, sensor_name=sensor.name))
    return list(request.asset_check_keys or []) if isinstance(request, dg.RunRequest) else []


def _one(connection, statement: str) -> sa.Row:
    return connection.execute(sa.text(statement)).one()


def headlines(connection: sa.Connection) -> list[str]:
    """What a person would want to read first, one or two lines per mart."""
    lines = []
    events = _one(
        connection,
        "SELECT count(*), count(DISTINCT learner_key), count(DISTINCT source),"
        " count(*) FILTER (WHERE activity = 'completed') FROM reporting.learning_events",
    )
    lines.append(
        f"learning_events     {events[0]} events by {events[1]} learners from {events[2]} sources, "
        f"{events[3]} of them completions"
    )
    learners = _one(
        connection,
        "SELECT count(*), count(*) FILTER (WHERE cardinality(sources) = 3),"
        " count(*) FILTER (WHERE keyed_by = 'source_id'), coalesce(sum(learning_hours), 0),"
        " count(*) FILTER (WHERE contents_completed > 0) FROM reporting.learner_summary",
    )
    lines.append(
        f"learner_summary     {learners[0]} learners ({learners[1]} active in all three sources, "
        f"{learners[2]} known without an e-mail); {learners[3]} learning hours; "
        f"{learners[4]} finished something"
    )
    for source, day, active in connection.execute(
        sa.text(
            "SELECT DISTINCT ON (source) source, event_date, active_learners"
            " FROM reporting.daily_engagement ORDER BY source, active_learners DESC, event_date DESC"
        )
    ):
        lines.append(f"daily_engagement    busiest {source} day: {day}, {active} active learners")
    for rank, source, title, learners_, hours in connection.execute(
        sa.text(
            "SELECT popularity_rank, source, content_title, learners, learning_hours"
            " FROM reporting.content_engagement ORDER BY popularity_rank LIMIT 3"
        )
    ):
        lines.append(
            f"content_engagement  #{rank} {title!r} ({source}): {learners_} learners, {hours} h"
        )
    courses = _one(
        connection,
        "SELECT count(DISTINCT content_id), count(DISTINCT event_date),"
        " coalesce(sum(learning_hours), 0), coalesce(sum(completions), 0)"
        " FROM reporting.content_owner_daily",
    )
    lines.append(
        f"content_owner_daily {courses[0]} LinkedIn courses over {courses[1]} days: "
        f"{courses[2]} h viewed, {courses[3]} completions"
    )
    cpd = _one(
        connection,
        "SELECT coalesce(sum(hours), 0), count(DISTINCT learner_key),"
        " (SELECT category FROM reporting.cpd_hours_monthly GROUP BY category"
        "  ORDER BY sum(hours) DESC, category LIMIT 1) FROM reporting.cpd_hours_monthly",
    )
    lines.append(
        f"cpd_hours_monthly   {cpd[0]} CPD hours logged by {cpd[1]} learners; most in {cpd[2]}"
    )
    for title, enrolled, started, completed, certified, rate in connection.execute(
        sa.text(
            "SELECT content_title, enrolled, started, completed, certified, completion_rate"
            " FROM reporting.enrollment_funnel ORDER BY enrolled DESC, content_title LIMIT 3"
        )
    ):
        lines.append(
            f"enrollment_funnel   {title!r}: {enrolled} enrolled > {started} started > "
            f"{completed} completed > {certified} certified ({rate or 0:.0%} completion)"
        )
    return lines


class WorkspaceRuns:
    """Runs launched through the code locations, as the UI and the daemon launch them: each one
    carries its origin, so it shows on the Jobs and Overview pages and can be re-executed from
    the UI. The runs execute in a subprocess of the code server of their job's location."""

    def __init__(self, instance: dg.DagsterInstance, context):
        self.instance = instance
        self._context = context
        # Each location's one repository (a Definitions), by location; a job by its name alone.
        self._repositories = {
            entry.code_location.name: next(iter(entry.code_location.get_repositories().values()))
            for entry in context.get_code_location_entries().values()
        }
        self.command_id = uuid.uuid4().hex  # tags this command's runs

    def _holding(self, kind: str, name: str) -> tuple:
        """The location and repository that hold the job or sensor `name` (kind "job", "sensor")."""
        for location_name, repository in self._repositories.items():
            if getattr(repository, f"has_{kind}")(name):
                return self._context.get_code_location(location_name), repository
        raise KeyError(f"no {kind} {name!r} in the code locations {sorted(self._repositories)}")

    def sensor_job_name(self, sensor_name: str) -> str:
        """The job a sensor's requests run, as the daemon finds it: an asset sensor's is the
        code location's implicit asset job."""
        _, repository = self._holding("sensor", sensor_name)
        return repository.get_sensor(sensor_name).get_target().job_name

    def run(
        self,
        job_name: str,
        tags: dict[str, str],
        run_config: dict | None = None,
        trigger: str = "demo",
        asset_check_selection: Sequence[dg.AssetCheckKey] | None = None,
    ) -> dg.DagsterRun:
        """Launch `job_name` with `tags` (its partitions) and wait until the run has ended; with
        `asset_check_selection`, those checks alone (as a sensor's request for checks runs)."""
        check_keys = None if asset_check_selection is None else frozenset(asset_check_selection)
        run_config = {**RUN_CONFIG, **(run_config or {})}
        from dagster._core.definitions.selector import JobSubsetSelector

        location, repository = self._holding("job", job_name)
        remote_job = location.get_job(
            JobSubsetSelector(
                location_name=location.name,
                repository_name=repository.name,
                job_name=job_name,
                op_selection=None,
                asset_check_selection=check_keys,
            )
        )
        plan = location.get_execution_plan(
            remote_job,
            run_config,
            step_keys_to_execute=None,
            known_state=None,
            instance=self.instance,
        )
        tags = {
            **remote_job.tags,
            **tags,
            "learning_platform/trigger": trigger,
            COMMAND_TAG: self.command_id,
        }
        with interrupts_deferred():  # a launch cut short is recorded as a failed run
            run = self._create_and_launch(
                remote_job, repository, plan, run_config, tags, check_keys
            )
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while not (run := self.instance.get_run_by_id(run.run_id)).is_finished:
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run.run_id} of {job_name} still {run.status.value}")
            time.sleep(0.2)
        return run

    def _create_and_launch(
        self,
        remote_job,
        repository,
        plan,
        run_config: dict,
        tags: dict,
        check_keys: frozenset | None,
    ) -> dg.DagsterRun:
        run = self.instance.create_run(
            job_name=remote_job.name,
            run_id=None,
            run_config=run_config,
            resolved_op_selection=remote_job.resolved_op_selection,
            step_keys_to_execute=plan.execution_plan_snapshot.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags=tags,
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=remote_job.asset_selection,
            asset_check_selection=check_keys,
            asset_graph=repository.asset_graph,
        )
        # Straight to the run launcher: the demo has no daemon to take runs off the queue.
        return self.instance.launch_run(run.run_id, self._context)

    def _wait(self, run: dg.DagsterRun, deadline: float, until) -> dg.DagsterRun:
        while not until(run) and time.monotonic() < deadline:
            time.sleep(0.2)
            run = self.instance.get_run_by_id(run.run_id)
        return run

    def unfinished(self) -> list[dg.DagsterRun]:
        """This command's runs that have not ended, whether or not they were launched."""
        return [
            run
            for run in self.instance.get_runs(dg.RunsFilter(tags={COMMAND_TAG: self.command_id}))
            if not run.is_finished
        ]

    def cancel(self, run: dg.DagsterRun) -> None:
        """End a run this command started, as *Terminate* in the UI does: its worker is asked to
        stop and records the run CANCELED. A run that never reached a worker (or whose worker
        does not answer in time) is recorded canceled here, so none is left NOT_STARTED."""
        deadline = time.monotonic() + CANCEL_TIMEOUT_SECONDS
        if run.status != dg.DagsterRunStatus.NOT_STARTED:
            # A worker still starting up takes a termination request for somebody else's run and
            # leaves, and the run is then failed: it is asked once it has started.
            run = self._wait(run, deadline, until=lambda run: run.status != STARTING)
            if not run.is_finished:
                # A worker interrupted in a step with a retry policy takes the request as a
                # failure to retry, finishes the other steps and waits out the retry's delay
                # (Dagster 1.13's in-process executor): past the timeout it is recorded canceled
                # here, and the command stops its processes.
                self.instance.run_launcher.terminate(run.run_id)
                run = self._wait(run, deadline, until=lambda run: run.is_finished)
        if not run.is_finished:
            self.instance.report_run_canceled(run, message="Interrupted (Ctrl-C) before it ended")


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) until the block is done, then raise it: Dagster records a run whose
    launch was interrupted as failed, where the demo would cancel it."""
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


@contextmanager
def workspace_runs(instance: dg.DagsterInstance) -> Iterator[WorkspaceRuns]:
    """The project's code locations (workspace.yaml), each served by a code server for these
    runs."""
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    target = WorkspaceFileTarget(paths=[str(WORKSPACE_YAML)])
    with ExitStack() as stack:
        # A code server interrupted while it loads dies with a traceback: it is stopped, as it is
        # at the end, once it has started.
        with interrupts_deferred():
            process_context = stack.enter_context(WorkspaceProcessContext(instance, target))
            context = process_context.create_request_context()
        errors = context.code_location_errors()
        if errors:
            raise RuntimeError(f"a code location did not load: {errors[0].message}")
        runs = WorkspaceRuns(instance, context)
        try:
            yield runs
        except KeyboardInterrupt:
            # While the code server is still up: a launched run's worker is stopped through it.
            for run in runs.unfinished():
                runs.cancel(run)
            raise


def _record(instance: dg.DagsterInstance, run: dg.DagsterRun, outcome: DemoOutcome) -> None:
    outcome.run_ids.append(run.run_id)
    outcome.success = outcome.success and run.status == dg.DagsterRunStatus.SUCCESS
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        outcome.check_results.append(
            CheckResult(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
                evaluation.description or "",
            )
        )


def summary(outcome: DemoOutcome) -> str:
    lines = [
        "",
        f"LinkedIn Learning (Pacific days) and Thrive (UTC days) {outcome.days[0]} .. {outcome.days[-1]}: "
        + ("all runs succeeded" if outcome.success else "A RUN FAILED")
        + f" (runs {', '.join(run_id[:8] for run_id in outcome.run_ids)})",
        f"Thought Industries exports taken by the drop sensor: {', '.join(outcome.drop_files) or 'none'}",
        "",
        f"{'table':<50}{'rows':>10}{'days':>6}",
    ]
    for name, (rows, days) in outcome.table_rows.items():
        lines.append(f"{name:<50}{rows:>10}{'' if days is None else days:>6}")
    lines += ["", "Reporting (reporting.*, one learner_key per person across sources):"]
    lines += [f"  {line}" for line in outcome.headlines]
    lines += ["", f"{'check':<80}result"]
    for asset, check_name, passed, severity, description in outcome.check_results:
        result = "PASSED" if passed else "WARNING" if severity == "WARN" else "FAILED"
        lines.append(f"{asset + ' ' + check_name:<80}{result}  {description}")
    return "\n".join(lines)
