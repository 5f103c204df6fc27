"""Who may do what in the warehouse: the roles the migrations create where they may (and
deploy/postgres-init.sh where they may not).

- OWNER (no login) owns the platform's schemas and the tables the migrations make. Whoever
  migrates is a member of it, and migrations run as it, so no login role owns anything.
- LOADER (login) runs every asset: it reads and writes the rows of every table, and has no DDL on
  them. In the two schemas dbt builds (reporting, reporting_intermediate) it may create tables,
  and owns the ones it creates: dbt's materializations are DDL by nature (a full refresh creates
  a table and swaps it in; an incremental build makes temporary tables and indexes).
- READER (no login; analysts' logins are its members) reads `reporting` and nothing else; its
  sessions are read-only by default, and cannot hold a lock for long (statement and idle timeouts).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

OWNER = "learning_platform_owner"
LOADER = "learning_platform_loader"
READER = "reporting_reader"

# The schemas dbt builds (the migrations' own are tables.SCHEMAS).
DBT_SCHEMAS = ("reporting", "reporting_intermediate")

# An analyst's session: no query runs longer than this, and a transaction left open (a notebook,
# a BI tool's cursor) ends after IDLE, releasing the locks that would hold a mart's rebuild back.
READER_STATEMENT_TIMEOUT = "5min"
READER_IDLE_IN_TRANSACTION_TIMEOUT = "1min"


def reader_settings(
    statement_timeout: str = READER_STATEMENT_TIMEOUT,
    idle_in_transaction_session_timeout: str = READER_IDLE_IN_TRANSACTION_TIMEOUT,
) -> dict[str, str]:
    """The settings every reading session gets (ALTER ROLE ... IN DATABASE ... SET)."""
    return {
        "default_transaction_read_only": "on",
        "statement_timeout": statement_timeout,
        "idle_in_transaction_session_timeout": idle_in_transaction_session_timeout,
    }


def add_reader(
    cursor: psycopg.Cursor, name: str, password: str | None = None, **settings: str
) -> None:
    """Create (or update) an analyst's login: a member of READER, read-only by default, with the
    reader's timeouts in this database (`settings` overrides them). Needs CREATEROLE."""
    values = reader_settings(**settings)
    role = sql.Identifier(name)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    statement = sql.SQL(f"{verb} ROLE {{}} LOGIN").format(role)
    if password is not None:
        statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
    cursor.execute(statement)
    cursor.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(READER), role))
    for setting, value in values.items():
        cursor.execute(
            sql.SQL("ALTER ROLE {} IN DATABASE {} SET {} = {}").format(
                role,
                sql.Identifier(cursor.connection.info.dbname),
                sql.Identifier(setting),
                sql.Literal(value),
            )
        )
