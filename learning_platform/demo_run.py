"""The demo's work: materialize every asset over recent days in the local Dagster instance, and
summarise what landed where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import dagster as dg
import sqlalchemy as sa

from learning_platform import settings
from learning_platform.defs.warehouse import PostgresWarehouse
from learning_platform.lib import tables
from learning_platform.lib.windows import PACIFIC, DayWindow, batches_of_days

ACTIVITY_TABLES = (
    tables.linkedin_account_activity,
    tables.linkedin_learner_activity,
    tables.linkedin_learner_content_activity,
)
DETAIL_TABLES = (tables.linkedin_learners, tables.linkedin_contents)


@dataclass
class DemoOutcome:
    days: list[date]
    run_ids: list[str] = field(default_factory=list)
    success: bool = True
    check_results: list[tuple[str, str, bool, str]] = field(default_factory=list)
    table_rows: dict[str, tuple[int, int]] = field(default_factory=dict)


def load_definitions() -> dg.Definitions:
    from learning_platform.definitions import defs

    return defs()


def materialize_days(days: list[date], instance: dg.DagsterInstance | None = None) -> DemoOutcome:
    """One run per 14 days (the backfill policy's batch), recorded in the Dagster instance."""
    definitions = load_definitions()
    instance = instance or dg.DagsterInstance.get()
    job = definitions.resolve_implicit_global_asset_job_def()
    outcome = DemoOutcome(days=days)
    for batch in batches_of_days([DayWindow(day, PACIFIC) for day in days]):
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": batch[0].key,
                "dagster/asset_partition_range_end": batch[-1].key,
                "learning_platform/trigger": "demo",
            },
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
        outcome.run_ids.append(result.run_id)
        outcome.success = outcome.success and result.success
        for evaluation in result.get_asset_check_evaluations():
            outcome.check_results.append(
                (
                    evaluation.asset_key.to_user_string(),
                    evaluation.check_name,
                    evaluation.passed,
                    evaluation.description or "",
                )
            )
    # The definitions' resource holds EnvVar references, resolved only inside runs.
    warehouse = PostgresWarehouse(database_url=settings.env(settings.DATABASE_URL))
    with warehouse.engine.connect() as connection:
        for table in ACTIVITY_TABLES:
            rows, windows = connection.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(table.c.window_start)))
            ).one()
            outcome.table_rows[table.fullname] = (rows, windows)
        for table in DETAIL_TABLES:
            outcome.table_rows[table.fullname] = (
                connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
                None,
            )
    return outcome


def summary(outcome: DemoOutcome) -> str:
    lines = [
        "",
        f"LinkedIn Learning, Pacific days {outcome.days[0]} .. {outcome.days[-1]}: "
        + ("all runs succeeded" if outcome.success else "A RUN FAILED")
        + f" (runs {', '.join(run_id[:8] for run_id in outcome.run_ids)})",
        "",
        f"{'table':<50}{'rows':>10}{'days':>6}",
    ]
    for name, (rows, days) in outcome.table_rows.items():
        lines.append(f"{name:<50}{rows:>10}{'' if days is None else days:>6}")
    lines += ["", f"{'check':<80}result"]
    for asset, check_name, passed, description in outcome.check_results:
        lines.append(
            f"{asset + ' ' + check_name:<80}{'PASSED' if passed else 'FAILED'}  {description}"
        )
    return "\n".join(lines)
