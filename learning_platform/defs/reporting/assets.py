"""The learner directory: every learner id of every source keyed by an HMAC of the e-mail, a secret
the SQL never sees, so a Python asset. The marts that read it are the dbt project's (marts.py).

`reporting` knows tables, never upstreams: the directory's inputs are the source table assets.
"""

from collections import Counter
from pathlib import Path

import dagster as dg
import psycopg
from psycopg import sql

from learning_platform.defs.reporting.automation import GROUP, refresh_after_inputs
from learning_platform.defs.shared.catalog import code_version, owners, table_tags
from learning_platform.defs.shared.metadata import table_metadata
from learning_platform.defs.shared.resources import PostgresWarehouse, PseudonymKey
from learning_platform.defs.shared.retries import WAREHOUSE_RETRY_POLICY
from learning_platform.lib import identity
from learning_platform.lib.warehouse import changes
from learning_platform.lib.warehouse.loads import qualified
from learning_platform.lib.warehouse.tables import directory

SQL_FOLDER = Path(__file__).parent / "sql"
DIRECTORY = dg.AssetKey(["directory", "learners"])
IDENTITY_COLUMNS = [column.name for column in directory.learner_identities.columns]
# The SQL files the directory is written with (learner_counts only reports).
DIRECTORY_SQL = ("learner_sources", "directory_changes", "learners")


def directory_sql(name: str) -> str:
    """The SQL of the directory: `sql/<name>.sql`."""
    return (SQL_FOLDER / f"{name}.sql").read_text()


def _identity_rows(cursor: psycopg.Cursor, pseudonym_key: PseudonymKey) -> list[tuple]:
    pseudonymizer = pseudonym_key.pseudonymizer()
    cursor.execute(directory_sql("learner_sources"))
    rows = []
    for source, source_learner_id, email, name in cursor.fetchall():
        key, from_email = pseudonymizer.key_for(source, source_learner_id, email)
        rows.append(
            (source, source_learner_id, key, email, name, "email" if from_email else "source_id")
        )
    return rows


def _write_identities(cursor: psycopg.Cursor, rows: list[tuple]) -> tuple[int, list[str]]:
    """Replace the identities in place (a reader sees the old ones or the new ones); returns how
    many source ids changed key, and the learner keys that came or went."""
    cursor.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE incoming_identities (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP"
        ).format(qualified(directory.learner_identities))
    )
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in IDENTITY_COLUMNS)
    with cursor.copy(sql.SQL("COPY incoming_identities ({}) FROM STDIN").format(columns)) as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(directory_sql("directory_changes"))
    rekeyed, added, removed = cursor.fetchone()
    target = qualified(directory.learner_identities)
    cursor.execute(sql.SQL("DELETE FROM {}").format(target))
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM incoming_identities").format(
            target, columns, columns
        )
    )
    return rekeyed, [*added, *removed]


@dg.asset(
    key=DIRECTORY,
    group_name=GROUP,
    deps=[
        dg.AssetKey(["linkedin_learning", "learner_activity"]),
        dg.AssetKey(["linkedin_learning", "learner_content_activity"]),
        dg.AssetKey(["thrive", "users"]),
        dg.AssetKey(["thrive", "activities"]),
        dg.AssetKey(["thrive", "cpd_entries"]),
        dg.AssetKey(["thought_industries", "content_actions"]),
    ],
    kinds={"postgres"},
    automation_condition=refresh_after_inputs,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    owners=owners(GROUP),
    tags=table_tags(GROUP, [directory.learners, directory.learner_identities]),
    # The SQL that gathers and writes the learners, and how a learner key is made.
    code_version=code_version(*(SQL_FOLDER / f"{name}.sql" for name in DIRECTORY_SQL), identity),
    metadata=table_metadata(directory.learners, directory.learner_identities),
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
        rekeyed, learners_changed = _write_identities(cursor, rows)
        learner_columns = sql.SQL(", ").join(
            sql.Identifier(column.name) for column in directory.learners.columns
        )
        cursor.execute(sql.SQL("DELETE FROM {}").format(qualified(directory.learners)))
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM ({}) AS keyed").format(
                qualified(directory.learners),
                learner_columns,
                learner_columns,
                sql.SQL(directory_sql("learners")),
            )
        )
        learners = cursor.rowcount
        # What the marts must refresh: the learners who came or went; everything, when a learner
        # id changed its key (every event of theirs shows it).
        changes.learners_changed(cursor, learners_changed)
        if rekeyed:
            changes.everything_changed(cursor, f"{rekeyed} learner id(s) re-keyed")
        cursor.execute(directory_sql("learner_counts"))
        in_all_sources, source_scoped = cursor.fetchone()
    per_source = Counter(row[0] for row in rows)
    context.log.info(
        f"directory: {learners} learners from {len(rows)} source identities "
        f"({in_all_sources} in all three sources, {source_scoped} without an e-mail)"
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": learners,
            "identities_per_source": dict(sorted(per_source.items())),
            "learners_in_all_sources": in_all_sources,
            "learners_without_email": source_scoped,
            "learners_new_or_gone": len(learners_changed),
            "identities_rekeyed": rekeyed,
        }
    )
