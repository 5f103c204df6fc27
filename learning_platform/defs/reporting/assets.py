"""The learner directory and the reporting marts: SQL over the warehouse tables, each rebuilt whole
and atomically (a reader sees the old table or the new one), refreshed by declarative automation.

`reporting` knows tables, never upstreams: its inputs are the source table assets' keys.
"""

import hashlib
from collections import Counter
from pathlib import Path

import dagster as dg
import psycopg
import sqlalchemy as sa
from psycopg import sql

from learning_platform.defs.reporting.automation import GROUP, refresh_after_inputs
from learning_platform.defs.reporting.resources import PseudonymKey
from learning_platform.defs.shared.metadata import table_metadata
from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.defs.shared.retries import WAREHOUSE_RETRY_POLICY
from learning_platform.lib import vocabulary
from learning_platform.lib.warehouse.rebuild import rebuild_table, select_fill
from learning_platform.lib.warehouse.tables import reporting as rt

SQL_FOLDER = Path(__file__).parent / "sql"

LINKEDIN_LEARNERS = dg.AssetKey(["linkedin_learning", "learner_activity"])
LINKEDIN_CONTENT_ACTIVITY = dg.AssetKey(["linkedin_learning", "learner_content_activity"])
THRIVE_USERS = dg.AssetKey(["thrive", "users"])
THRIVE_ACTIVITIES = dg.AssetKey(["thrive", "activities"])
THRIVE_CPD_ENTRIES = dg.AssetKey(["thrive", "cpd_entries"])
THOUGHT_INDUSTRIES_ACTIONS = dg.AssetKey(["thought_industries", "content_actions"])
DIRECTORY = dg.AssetKey(["directory", "learners"])


def mart_key(table: sa.Table) -> dg.AssetKey:
    return dg.AssetKey([rt.REPORTING_SCHEMA, table.name])


LEARNING_EVENTS = mart_key(rt.learning_events)

# What each mart reads. Only the directory and learning_events read source tables; every other mart
# reads them alone, so the automation's guard on those two (no failing blocking check on their
# inputs' inputs) holds for all. The LinkedIn content details come with the content activity.
MART_INPUTS: dict[str, list[dg.AssetKey]] = {
    rt.learning_events.name: [
        DIRECTORY,
        LINKEDIN_CONTENT_ACTIVITY,
        THRIVE_ACTIVITIES,
        THRIVE_CPD_ENTRIES,
        THOUGHT_INDUSTRIES_ACTIONS,
    ],
    rt.learner_summary.name: [LEARNING_EVENTS, DIRECTORY],
    rt.daily_engagement.name: [LEARNING_EVENTS],
    rt.content_engagement.name: [LEARNING_EVENTS],
    rt.cpd_hours_monthly.name: [LEARNING_EVENTS],
    rt.enrollment_funnel.name: [LEARNING_EVENTS],
}


def mart_sql(name: str) -> str:
    """The SQL of a mart or directory query: `sql/<name>.sql`."""
    return (SQL_FOLDER / f"{name}.sql").read_text()


def activity_map_params() -> dict[str, list[str]]:
    """The canonical activity of every source value (lib/vocabulary.py), as the three arrays
    learning_events.sql binds: values are bound, never quoted into the SQL."""
    mapping = vocabulary.canonical_activities()
    return {
        "activity_sources": [source for source, _, _ in mapping],
        "source_activities": [value for _, value, _ in mapping],
        "activities": [activity for _, _, activity in mapping],
    }


# Only learning_events.sql takes parameters.
MART_PARAMS = {rt.learning_events.name: activity_map_params}


def _code_version(*texts: str) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]


# -- the directory ----------------------------------------------------------------------------------


def _identity_rows(cursor: psycopg.Cursor, pseudonym_key: PseudonymKey) -> list[tuple]:
    pseudonymizer = pseudonym_key.pseudonymizer()
    cursor.execute(mart_sql("learner_sources"))
    rows = []
    for source, source_learner_id, email, name in cursor.fetchall():
        key, from_email = pseudonymizer.key_for(source, source_learner_id, email)
        rows.append(
            (source, source_learner_id, key, email, name, "email" if from_email else "source_id")
        )
    return rows


@dg.asset(
    key=DIRECTORY,
    group_name=GROUP,
    deps=[
        LINKEDIN_LEARNERS,
        LINKEDIN_CONTENT_ACTIVITY,
        THRIVE_USERS,
        THRIVE_ACTIVITIES,
        THRIVE_CPD_ENTRIES,
        THOUGHT_INDUSTRIES_ACTIONS,
    ],
    kinds={"postgres"},
    automation_condition=refresh_after_inputs,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    code_version=_code_version(mart_sql("learner_sources"), mart_sql("learners")),
    metadata=table_metadata(rt.learners),
    description=(
        "directory.learners and directory.learner_identities: every learner id of every source, "
        "keyed by an HMAC of the normalised e-mail under LEARNING_PLATFORM_PSEUDONYM_KEY (a "
        "source-scoped key when the source gives no e-mail). Restricted: reporting_reader cannot "
        "read it."
    ),
)
def learner_directory(
    context: dg.AssetExecutionContext, warehouse: PostgresWarehouse, pseudonym_key: PseudonymKey
) -> dg.MaterializeResult:
    with warehouse.transaction() as cursor:
        rows = _identity_rows(cursor, pseudonym_key)

        def copy_identities(cursor, target, columns) -> int:
            with cursor.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(
                    target, sql.SQL(", ").join(sql.Identifier(c) for c in columns)
                )
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)

        rebuild_table(cursor, rt.learner_identities, copy_identities)
        learners = rebuild_table(cursor, rt.learners, select_fill(mart_sql("learners")))
        cursor.execute(mart_sql("learner_counts"))
        in_all_sources, source_scoped = cursor.fetchone()
    per_source = Counter(row[0] for row in rows)
    context.log.info(
        f"directory: {learners.rows} learners from {len(rows)} source identities "
        f"({in_all_sources} in all three sources, {source_scoped} without an e-mail)"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": learners.rows,
            "identities_per_source": dict(sorted(per_source.items())),
            "learners_in_all_sources": in_all_sources,
            "learners_without_email": source_scoped,
        }
    )


# -- the marts --------------------------------------------------------------------------------------


def build_mart(table: sa.Table) -> dg.AssetsDefinition:
    """The asset that rebuilds one mart from `sql/<name>.sql`."""
    statement = mart_sql(table.name)
    params = MART_PARAMS[table.name]() if table.name in MART_PARAMS else None

    @dg.asset(
        key=mart_key(table),
        group_name=GROUP,
        deps=MART_INPUTS[table.name],
        kinds={"postgres", "sql"},
        automation_condition=refresh_after_inputs,
        retry_policy=WAREHOUSE_RETRY_POLICY,
        # The parameters too: a vocabulary change is a change of what the mart computes.
        code_version=_code_version(statement, repr(params), repr(table.columns.keys())),
        metadata={
            **table_metadata(table),
            "sql": dg.MetadataValue.path(str(SQL_FOLDER / f"{table.name}.sql")),
        },
        description=f"{table.fullname}: {table.comment}",
    )
    def mart(context: dg.AssetExecutionContext, warehouse: PostgresWarehouse):
        with warehouse.transaction() as cursor:
            result = rebuild_table(
                cursor, table, select_fill(statement, params), readers=[rt.READER_ROLE]
            )
        context.log.info(
            f"{table.fullname}: {result.rows} rows"
            + (" (a new table, swapped in)" if result.created else "")
        )
        return dg.MaterializeResult(
            metadata={"dagster/row_count": result.rows, "new_table": result.created}
        )

    return mart


marts = [build_mart(table) for table in rt.MARTS]
