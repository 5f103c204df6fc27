"""Least privilege, and the learner's right to erasure.

Roles (lib/warehouse/roles.py says who does what):
- `learning_platform_owner` (no login) owns every schema and every table of the migrations; the
  migrating role must be a member, and later migrations run as it (migrations/env.py);
- `learning_platform_loader` (login) runs the assets: rows of every table, no DDL, except in the
  schemas dbt builds, where it owns what it creates (existing dbt relations are handed to it);
- `reporting_reader` sessions are read-only, with a statement and an idle-in-transaction timeout.
PUBLIC loses every right on the database and CREATE on `public`.

Created here when the migrating role may (a superuser: the embedded server); otherwise an
administrator creates them first (deploy/postgres-init.sh does in compose).

Erasure: `ops.erasure_requests` (the audit trail, no e-mail) and `ops.suppressed_learners` (keys
every load leaves out).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OWNER = "learning_platform_owner"
LOADER = "learning_platform_loader"
READER = "reporting_reader"
MIGRATED_SCHEMAS = ("linkedin_learning", "thrive", "thought_industries", "directory", "ops")
DBT_SCHEMAS = ("reporting", "reporting_intermediate")
READER_SETTINGS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "5min",
    "idle_in_transaction_session_timeout": "1min",
}


def _create_role(name: str, login: bool) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {name} {"LOGIN" if login else "NOLOGIN"};
            END IF;
        EXCEPTION
            WHEN duplicate_object THEN
                NULL;  -- another database's migration created it at the same moment
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'creating the role {name} needs CREATEROLE: have an administrator '
                    'create the roles (deploy/postgres-init.sh shows how), then migrate again';
        END
        $$
        """
    )


def _on_database(statement: str) -> None:
    """`statement` with %I for the current database."""
    op.execute(f"DO $$ BEGIN EXECUTE format('{statement}', current_database()); END $$")


def _relations(schemas: tuple[str, ...]) -> str:
    """SQL listing the tables, views and sequences of `schemas` (not indexes, not owned sequences:
    they follow their table)."""
    names = ", ".join(f"'{schema}'" for schema in schemas)
    return f"""
        SELECT c.relkind, format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ({names}) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    """


def _hand_over(schemas: tuple[str, ...], owner: str) -> str:
    """PL/pgSQL (in a block declaring `relation record`) making `owner` the owner of everything
    in the schemas."""
    return f"""
        FOR relation IN {_relations(schemas)} LOOP
            EXECUTE format(
                'ALTER %s %s OWNER TO {owner}',
                CASE relation.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                    WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                    ELSE 'TABLE' END,
                relation.name);
        END LOOP;
    """


def _give(schemas: tuple[str, ...], owner: str) -> None:
    """Make `owner` the owner of the schemas and of everything in them."""
    for schema in schemas:
        op.execute(f"ALTER SCHEMA {schema} OWNER TO {owner}")
    op.execute(
        f"""
        DO $$
        DECLARE relation record;
        BEGIN
            {_hand_over(schemas, owner)}
        END
        $$
        """
    )


def upgrade() -> None:
    _create_role(OWNER, login=False)
    _create_role(LOADER, login=True)
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT pg_has_role(current_user, '{OWNER}', 'USAGE') THEN
                RAISE EXCEPTION 'the migrating role % must be a member of {OWNER}: have an '
                    'administrator GRANT {OWNER} TO %, then migrate again',
                    current_user, current_user;
            END IF;
        END
        $$
        """
    )

    # The database: nobody by default; the owner creates schemas, the loader connects and makes
    # temporary tables (its upserts and dbt's incremental builds do), the reader connects.
    _on_database("REVOKE ALL ON DATABASE %I FROM PUBLIC")
    _on_database(f"GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO {OWNER}")
    _on_database(f"GRANT CONNECT, TEMPORARY ON DATABASE %I TO {LOADER}")
    _on_database(f"GRANT CONNECT ON DATABASE %I TO {READER}")
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")

    for schema in MIGRATED_SCHEMAS + DBT_SCHEMAS:
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {LOADER}")
    _give(MIGRATED_SCHEMAS + DBT_SCHEMAS, OWNER)
    # The version table: the owner updates it (later migrations run as the owner), the loader
    # reads it (every run checks the warehouse is current).
    op.execute(f"ALTER TABLE public.alembic_version OWNER TO {OWNER}")
    op.execute(f"GRANT SELECT ON public.alembic_version TO {LOADER}")

    # The loader: rows, no DDL, on the migrations' tables, today's and tomorrow's.
    for schema in MIGRATED_SCHEMAS:
        op.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {LOADER}"
        )
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {LOADER}")
        op.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {LOADER}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {LOADER}"
        )
    # ... and dbt's schemas, where it creates (and so owns) the marts: the ones built so far are
    # handed over, and the reader reads what it creates (dbt grants it too, model by model).
    for schema in DBT_SCHEMAS:
        op.execute(f"GRANT CREATE ON SCHEMA {schema} TO {LOADER}")
    op.execute(
        f"""
        DO $$
        DECLARE relation record;
        BEGIN
            IF pg_has_role(current_user, '{LOADER}', 'USAGE') THEN
                {_hand_over(DBT_SCHEMAS, LOADER)}
                ALTER DEFAULT PRIVILEGES FOR ROLE {LOADER} IN SCHEMA reporting
                    GRANT SELECT ON TABLES TO {READER};
            ELSIF EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE n.nspname IN ('reporting', 'reporting_intermediate')) THEN
                RAISE EXCEPTION 'the dbt relations in reporting must pass to {LOADER}, which '
                    'needs the migrating role % to be a member of it: have an administrator '
                    'GRANT {LOADER} TO %, then migrate again', current_user, current_user;
            END IF;
        END
        $$
        """
    )

    # The reader's sessions, where the migrating role may set them (else postgres-init.sh does).
    settings = "; ".join(
        f"EXECUTE format('ALTER ROLE {READER} IN DATABASE %I SET {name} = %L', "
        f"current_database(), '{value}')"
        for name, value in READER_SETTINGS.items()
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
                {settings};
            ELSE
                RAISE NOTICE 'left the settings of {READER} to the administrator';
            END IF;
        END
        $$
        """
    )

    op.create_table(
        "erasure_requests",
        sa.Column("request_id", sa.Uuid, primary_key=True),
        sa.Column(
            "learner_key",
            sa.Text,
            nullable=False,
            comment="The erased learner's key (HMAC of the e-mail, or of a source id).",
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "warehouse_erased_at",
            sa.DateTime(timezone=True),
            comment="When the warehouse's transaction (rows deleted, keys suppressed) committed.",
        ),
        sa.Column(
            "completed_at",
            sa.DateTime(timezone=True),
            comment="When the staged files were rewritten too; null while that is still to do.",
        ),
        sa.Column(
            "run_id", sa.Text, nullable=False, comment="The Dagster run that carried it out."
        ),
        sa.Column(
            "rows_removed",
            JSONB,
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
            comment="Rows deleted, by table (schema.table).",
        ),
        sa.Column(
            "staged_rows_removed",
            JSONB,
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
            comment="Rows removed from staged files, by file (under the staging area).",
        ),
        schema="ops",
        comment="Every erasure request: the audit trail, without the e-mail.",
    )
    op.create_table(
        "suppressed_learners",
        sa.Column(
            "suppression_key",
            sa.Text,
            primary_key=True,
            comment="An erased learner's key, or the HMAC of one of their source ids (source:id).",
        ),
        sa.Column(
            "request_id",
            sa.Uuid,
            sa.ForeignKey("ops.erasure_requests.request_id"),
            nullable=False,
        ),
        sa.Column(
            "suppressed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        schema="ops",
        comment="Learners every load leaves out, so that no re-pull or re-drop brings them back.",
    )
    for table in ("erasure_requests", "suppressed_learners"):
        op.execute(f"ALTER TABLE ops.{table} OWNER TO {OWNER}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ops.{table} TO {LOADER}")
    # What follows in this session (later migrations) is the owner's.
    op.execute(f"SET ROLE {OWNER}")


def downgrade() -> None:
    op.execute("RESET ROLE")
    op.drop_table("suppressed_learners", schema="ops")
    op.drop_table("erasure_requests", schema="ops")
    op.execute(
        f"""
        DO $$
        BEGIN
            IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
                EXECUTE format('ALTER ROLE {READER} IN DATABASE %I RESET ALL', current_database());
            END IF;
            IF pg_has_role(current_user, '{LOADER}', 'USAGE') THEN
                ALTER DEFAULT PRIVILEGES FOR ROLE {LOADER} IN SCHEMA reporting
                    REVOKE SELECT ON TABLES FROM {READER};
            END IF;
        END
        $$
        """
    )
    for schema in MIGRATED_SCHEMAS:
        for kind, rights in (
            ("TABLES", "SELECT, INSERT, UPDATE, DELETE"),
            ("SEQUENCES", "USAGE, SELECT"),
        ):
            op.execute(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA {schema} "
                f"REVOKE {rights} ON {kind} FROM {LOADER}"
            )
    # Everything back to the migrating role, and the loader's rights gone (explicitly: DROP OWNED
    # would also take its rights on the server's other databases).
    _give(MIGRATED_SCHEMAS + DBT_SCHEMAS, "CURRENT_USER")
    op.execute("ALTER TABLE public.alembic_version OWNER TO CURRENT_USER")
    op.execute(f"REVOKE ALL ON public.alembic_version FROM {LOADER}")
    for schema in MIGRATED_SCHEMAS + DBT_SCHEMAS:
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {LOADER}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {LOADER}")
        op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {LOADER}")
    _on_database(f"REVOKE ALL ON DATABASE %I FROM {LOADER}")
    _on_database(f"REVOKE ALL ON DATABASE %I FROM {OWNER}")
    _on_database("GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC")
