"""Reporting and directory schemas, and the reporting_reader role.

The marts and the directory's tables are rebuilt whole by their assets (lib/rebuild.py); this
revision makes the places they live in and who may read them:
- `reporting`: readable by `reporting_reader` (tables created later included, by default
  privileges and by the rebuild's own GRANT);
- `directory`: who a learner key is; nobody but the platform's role may read it;
- `reporting_reader`: no login of its own; grant it to the analysts' login roles.

Roles belong to the server, not the database: the role is created only if it does not exist yet, and
is kept by the downgrade when other databases still use it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:10:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS reporting")
    op.execute("CREATE SCHEMA IF NOT EXISTS directory")
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting_reader') THEN
                CREATE ROLE reporting_reader NOLOGIN;
            END IF;
        EXCEPTION
            WHEN duplicate_object THEN
                NULL;  -- another database's migration created it at the same moment
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'creating the role reporting_reader needs CREATEROLE: have an '
                    'administrator run CREATE ROLE reporting_reader NOLOGIN, then migrate again';
        END
        $$
        """
    )
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO reporting_reader',"
        " current_database()); END $$"
    )
    op.execute("REVOKE ALL ON SCHEMA reporting FROM PUBLIC")
    op.execute("REVOKE ALL ON SCHEMA directory FROM PUBLIC")
    op.execute("GRANT USAGE ON SCHEMA reporting TO reporting_reader")
    op.execute("GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO reporting_reader")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO reporting_reader"
    )


def downgrade() -> None:
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA reporting REVOKE SELECT ON TABLES FROM reporting_reader"
    )
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM reporting_reader',"
        " current_database()); END $$"
    )
    op.execute("DROP SCHEMA IF EXISTS directory CASCADE")
    op.execute("DROP SCHEMA IF EXISTS reporting CASCADE")
    op.execute(
        """
        DO $$
        BEGIN
            DROP ROLE IF EXISTS reporting_reader;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            NULL;  -- still granted in another database of this server
        END
        $$
        """
    )
