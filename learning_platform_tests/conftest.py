"""Shared fixtures: a real PostgreSQL (the embedded server, or LEARNING_PLATFORM_TEST_DATABASE_URL)
and a fresh, migrated database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from learning_platform.defs.warehouse import PostgresWarehouse
from learning_platform.lib import migrations

TEMPLATE = "learning_platform_template"


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory) -> Iterator[sa.URL]:
    """An administrative URL of a real PostgreSQL server for the whole session."""
    external = os.environ.get("LEARNING_PLATFORM_TEST_DATABASE_URL")
    if external:
        yield sa.make_url(external)
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    try:
        yield sa.make_url(server.get_uri()).set(drivername="postgresql+psycopg")
    finally:
        server.cleanup()


def _admin(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: sa.URL) -> str:
    """A database at the newest migration, copied for every test (much faster than migrating)."""
    admin = _admin(postgres_server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{TEMPLATE}"')
    engine = sa.create_engine(postgres_server_url.set(database=TEMPLATE), poolclass=sa.pool.NullPool)
    migrations.upgrade(engine)
    engine.dispose()
    admin.dispose()
    return TEMPLATE


@pytest.fixture
def database_url(postgres_server_url: sa.URL, migrated_template: str) -> Iterator[str]:
    """A fresh, migrated database for one test; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = _admin(postgres_server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    yield postgres_server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def empty_database_url(postgres_server_url: sa.URL) -> Iterator[str]:
    """A fresh database with no migrations applied."""
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = _admin(postgres_server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield postgres_server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def warehouse(database_url: str) -> Iterator[PostgresWarehouse]:
    resource = PostgresWarehouse(database_url=database_url)
    resource.ensure_ready()
    yield resource
    resource.engine.dispose()
