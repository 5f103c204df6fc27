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

OWNER = "learning_platform_owner"
LOADER = "learning_platform_loader"
READER = "reporting_reader"

# The schemas the migrations' tables live in, and those dbt builds.
MIGRATED_SCHEMAS = ("linkedin_learning", "thrive", "thought_industries", "directory", "ops")
DBT_SCHEMAS = ("reporting", "reporting_intermediate")

# An analyst's session: no query runs longer than this, and a transaction left open (a notebook,
# a BI tool's cursor) ends after IDLE, releasing the locks that would hold a mart's rebuild back.
READER_STATEMENT_TIMEOUT = "5min"
READER_IDLE_IN_TRANSACTION_TIMEOUT = "1min"


def reader_settings(
    timeout: str = READER_STATEMENT_TIMEOUT, idle: str = READER_IDLE_IN_TRANSACTION_TIMEOUT
) -> dict[str, str]:
    """The settings every reading session gets (ALTER ROLE ... IN DATABASE ... SET)."""
    return {
        "default_transaction_read_only": "on",
        "statement_timeout": timeout,
        "idle_in_transaction_session_timeout": idle,
    }
