"""Least privilege, against a real PostgreSQL: the loader that runs every asset has rows and no DDL,
an analyst reads the marts and nothing else, read-only, and cannot hold a mart's rebuild back for
longer than the idle timeout. (That every asset materializes as the loader, every pipeline test
shows: the shared `warehouse` fixture runs them as it.)"""

import threading
import uuid

import psycopg
import pytest
import sqlalchemy as sa

from learning_platform.lib.warehouse import migrations, roles
from learning_platform.lib.warehouse.embedded import as_role
from learning_platform.lib.warehouse.tables import SCHEMAS


def connect(url: str, role: str | None = None, **options) -> psycopg.Connection:
    if role is not None:
        url = as_role(url, role)
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, **options)


DDL = (
    "CREATE TABLE linkedin_learning.intruder (a int)",
    "CREATE TABLE public.intruder (a int)",
    "CREATE SCHEMA intruder",
    "ALTER TABLE linkedin_learning.learners ADD COLUMN intruder int",
    "DROP TABLE thrive.users",
    "TRUNCATE thought_industries.content_actions",
    "DROP TABLE ops.erasure_requests",
    "CREATE INDEX intruder ON directory.learners (names)",
    "ALTER TABLE ops.reporting_changes DISABLE TRIGGER ALL",
)


@pytest.mark.parametrize("statement", DDL)
def test_the_loader_is_refused_ddl(warehouse, database_url, statement):
    with connect(database_url, roles.LOADER) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)


def test_the_loader_writes_rows_of_every_table(database_url):
    with connect(database_url, roles.LOADER) as connection:
        connection.execute(
            "INSERT INTO thrive.users (id, email, snapshot_at) VALUES ('x', 'x@example.com', now())"
        )
        connection.execute("UPDATE thrive.users SET role = 'learner' WHERE id = 'x'")
        connection.execute("DELETE FROM thrive.users WHERE id = 'x'")
        connection.execute("INSERT INTO ops.reporting_changes (kind) VALUES ('all')")  # identity
        # dbt's schemas: the loader builds the marts there, and owns what it builds.
        connection.execute("CREATE TABLE reporting.a_mart (learner_key text)")
        connection.execute("DROP TABLE reporting.a_mart")
        connection.rollback()


def test_a_migrated_database_is_closed_to_public_and_owned_by_no_login(empty_database_url):
    engine = sa.create_engine(empty_database_url, poolclass=sa.pool.NullPool)
    migrations.upgrade(engine)
    with engine.connect() as connection:
        public = connection.execute(
            sa.text(
                "SELECT has_database_privilege('public', current_database(), 'CONNECT'),"
                " has_database_privilege('public', current_database(), 'TEMPORARY'),"
                " has_schema_privilege('public', 'public', 'CREATE')"
            )
        ).one()
        owners = connection.execute(
            sa.text(
                "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p', 'S')"
                " UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace"
                " WHERE nspname = ANY(:schemas)"
            ),
            {"schemas": list(SCHEMAS)},
        ).scalars()
        assert set(owners) == {roles.OWNER}
        assert tuple(public) == (False, False, False)
        can_login = connection.execute(
            sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :role"),
            {"role": roles.OWNER},
        ).scalar()
        assert can_login is False
    engine.dispose()


@pytest.fixture
def analyst(database_url):
    """An analyst's login, as `learning-platform db add-reader` makes it, with a short idle
    timeout; a mart the loader built for it to read."""
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    with connect(database_url, autocommit=True) as admin:
        with admin.cursor() as cursor:
            roles.add_reader(cursor, name, idle_in_transaction_session_timeout="1s")
    with connect(database_url, roles.LOADER) as loader:
        loader.execute("CREATE TABLE reporting.a_mart AS SELECT 'k1'::text AS learner_key")
        loader.commit()
    yield name
    with connect(database_url, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS reporting.a_mart")
        admin.execute(f'DROP OWNED BY "{name}"')
        admin.execute(f'DROP ROLE "{name}"')


def test_an_analyst_reads_the_marts_read_only_and_nothing_else(database_url, analyst):
    with connect(database_url, analyst, autocommit=True) as connection:
        assert connection.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert connection.execute("SHOW statement_timeout").fetchone() == ("5min",)
        assert connection.execute("SELECT learner_key FROM reporting.a_mart").fetchall() == [
            ("k1",)
        ]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("INSERT INTO reporting.a_mart VALUES ('k2')")
        # Even a transaction asked read-write is refused the write, and the restricted schemas.
        for statement in (
            "INSERT INTO reporting.a_mart VALUES ('k2')",
            "SELECT * FROM directory.learners",
            "SELECT * FROM linkedin_learning.learners",
            "SELECT * FROM thrive.users",
            "SELECT * FROM ops.erasure_requests",
            "CREATE TABLE reporting.mine (a int)",
        ):
            with connection.transaction():
                connection.execute("SET TRANSACTION READ WRITE")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    connection.execute(statement)
                raise_rollback(connection)


def raise_rollback(connection):
    """Leave the failed transaction block by rolling it back."""
    raise psycopg.Rollback()


def test_an_analysts_idle_transaction_does_not_hold_a_rebuild_past_its_timeout(
    database_url, analyst
):
    analyst_session = connect(database_url, analyst)
    analyst_session.execute("SELECT * FROM reporting.a_mart").fetchall()  # its lock is held...
    # ... while the session idles in its transaction; the rebuild's swap needs the table alone.
    done = threading.Event()

    def rebuild():
        with connect(database_url, roles.LOADER, options="-c lock_timeout=60000") as loader:
            loader.execute("DROP TABLE reporting.a_mart")
            loader.execute("CREATE TABLE reporting.a_mart AS SELECT 'k2'::text AS learner_key")
            loader.commit()
        done.set()

    worker = threading.Thread(target=rebuild)
    worker.start()
    worker.join(timeout=120)
    assert done.is_set()  # the server ended the idle analyst's session, not the rebuild's wait
    with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
        analyst_session.execute("SELECT 1")
    analyst_session.close()
