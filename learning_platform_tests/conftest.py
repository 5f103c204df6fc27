"""Shared fixtures: a real PostgreSQL (the embedded server, or LEARNING_PLATFORM_TEST_DATABASE_URL)
with a fresh, migrated database per test; the sandbox upstreams and the LinkedIn assets wired to
them; a scriptable loopback HTTP server, an S3-compatible server on loopback and a fake clock."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from pytest_httpserver import HTTPServer

from learning_platform.defs.linkedin_learning.assets import linkedin_assets
from learning_platform.defs.linkedin_learning.checks import linkedin_checks
from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.defs.shared.resources import PostgresWarehouse, StagingStore
from learning_platform.defs.thought_industries.assets import thought_industries_assets
from learning_platform.defs.thought_industries.checks import thought_industries_checks
from learning_platform.defs.thought_industries.partitions import drop_file_partitions
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.defs.thrive.assets import thrive_assets
from learning_platform.defs.thrive.checks import thrive_checks
from learning_platform.defs.thrive.resources import ThriveClient
from learning_platform.lib.warehouse import migrations, roles
from learning_platform.lib.warehouse.embedded import as_role
from learning_platform_sandbox import Organisation, SandboxServer
from learning_platform_tests.fakes import FakeTime

TEMPLATE = "learning_platform_template"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[sa.URL]:
    """An administrative URL of a real PostgreSQL server for the whole session."""
    external = os.environ.get("LEARNING_PLATFORM_TEST_DATABASE_URL")
    if external:
        yield sa.make_url(external)
        return
    import pgserver

    # Not under pytest's tmp_path: pytest keeps that folder private (0700), and as root pgserver
    # runs the server as its own system user, which must be able to reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="learning-platform-test-pg-"))
    server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    try:
        yield sa.make_url(server.get_uri()).set(drivername="postgresql+psycopg")
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def _admin(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: sa.URL) -> str:
    """A database at the newest migration, copied for every test (much faster than migrating)."""
    admin = _admin(postgres_server_url)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{TEMPLATE}"')
    engine = sa.create_engine(
        postgres_server_url.set(database=TEMPLATE), poolclass=sa.pool.NullPool
    )
    migrations.upgrade(engine)
    engine.dispose()
    admin.dispose()
    return TEMPLATE


@contextmanager
def _fresh_database(server_url: sa.URL, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server for one test, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin(server_url)
    with admin.connect() as connection:
        copy_of = f' TEMPLATE "{template}"' if template else ""
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(postgres_server_url: sa.URL, migrated_template: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    with _fresh_database(postgres_server_url, "test", migrated_template) as url:
        yield url


@pytest.fixture(scope="module")
def module_database_url(postgres_server_url: sa.URL, migrated_template: str) -> Iterator[str]:
    """A fresh, migrated database shared by the tests of one module (a long-lived deployment)."""
    with _fresh_database(postgres_server_url, "module", migrated_template) as url:
        yield url


@pytest.fixture
def empty_database_url(postgres_server_url: sa.URL) -> Iterator[str]:
    """A fresh database with no migrations applied."""
    with _fresh_database(postgres_server_url, "empty") as url:
        yield url


@pytest.fixture
def warehouse(database_url: str) -> Iterator[PostgresWarehouse]:
    """The warehouse as the platform uses it: every asset runs as the loader (no DDL), the
    migrations as the server's administrator."""
    resource = PostgresWarehouse(
        database_url=as_role(database_url, roles.LOADER), migration_database_url=database_url
    )
    resource.ensure_ready()
    yield resource
    resource.engine.dispose()


# -- the sandbox and the platform's Dagster definitions ---------------------------------------


@pytest.fixture
def organisation() -> Organisation:
    """A small company: a dozen learners, ten content items, a few dozen engagements a day."""
    return Organisation(seed=11, learners=12, contents=10)


@pytest.fixture
def sandbox(organisation: Organisation) -> Iterator[SandboxServer]:
    with SandboxServer(organisation) as server:
        yield server


class Platform:
    """Every source's assets and checks wired to the sandbox, a test database, a staging folder
    and a drop folder."""

    def __init__(
        self, warehouse: PostgresWarehouse, sandbox: SandboxServer, staging_url: str, drops: Path
    ):
        self.warehouse = warehouse
        self.drops = drops
        self.sandbox = sandbox
        self.instance = dg.DagsterInstance.ephemeral()
        environment = sandbox.environment()
        self.resources = {
            "warehouse": warehouse,
            "staging": StagingStore(url=staging_url),
            "linkedin_learning": LinkedInLearningClient(
                client_id=environment["LINKEDIN_LEARNING_CLIENT_ID"],
                client_secret=environment["LINKEDIN_LEARNING_CLIENT_SECRET"],
                api_url=environment["LINKEDIN_LEARNING_API_URL"],
                token_url=environment["LINKEDIN_LEARNING_TOKEN_URL"],
                read_timeout_seconds=5.0,
            ),
            "thrive": self.thrive_client(),
            "thought_industries_drops": ThoughtIndustriesDrops(url=str(drops)),
        }

    def thrive_client(self, auth: str | None = None, **overrides) -> ThriveClient:
        """The Thrive resource pointed at the sandbox, with the credentials of `auth` (default:
        the sandbox's own choice)."""
        thrive = self.sandbox.thrive
        environment = thrive.environment(self.sandbox.url)
        if auth is not None:
            environment = (
                {
                    name: value
                    for name, value in environment.items()
                    if not name.startswith(("THRIVE_API_SECRET", "THRIVE_CLIENT_"))
                }
                | thrive.credentials(auth)
                | {"THRIVE_AUTH": auth}
            )
        settings = {
            "tenant_id": environment["THRIVE_TENANT_ID"],
            "api_secret": environment.get("THRIVE_API_SECRET"),
            "client_id": environment.get("THRIVE_CLIENT_ID"),
            "client_secret": environment.get("THRIVE_CLIENT_SECRET"),
            "auth": environment.get("THRIVE_AUTH"),
            "api_url": environment["THRIVE_API_URL"],
            "token_url": environment["THRIVE_TOKEN_URL"],
            "read_timeout_seconds": 5.0,
        }
        return ThriveClient(**(settings | overrides))

    def materialize(self, first: str, last: str | None = None, selection: str | None = None):
        """One run over the partitions first..last (a range run, as a backfill launches)."""
        last = last or first
        tags = {}
        if first != last:
            tags = {
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            }
        return dg.materialize(
            [*linkedin_assets, *linkedin_checks],
            selection=selection,
            partition_key=first if first == last else None,
            tags=tags,
            resources=self.resources,
            instance=self.instance,
            raise_on_error=False,
        )

    def materialize_thrive(
        self,
        first: str | None = None,
        last: str | None = None,
        selection: str | None = None,
        thrive: ThriveClient | None = None,
    ):
        """One run of the Thrive daily streams over first..last, or of the users snapshot when no
        day is given."""
        resources = self.resources | ({"thrive": thrive} if thrive is not None else {})
        tags = {}
        if first is not None and last is not None and first != last:
            tags = {
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            }
        partitioned = first is not None
        assets = [
            asset for asset in thrive_assets if (asset.partitions_def is not None) == partitioned
        ]
        checks = [
            check
            for check in thrive_checks
            if any(key.asset_key in {k for a in assets for k in a.keys} for key in check.check_keys)
        ]
        return dg.materialize(
            [*assets, *checks],
            selection=selection,
            partition_key=first if partitioned and (last is None or first == last) else None,
            tags=tags,
            resources=resources,
            instance=self.instance,
            raise_on_error=False,
        )

    def materialize_drop(self, file_name: str, selection: str | None = None):
        """One run of the Thought Industries assets for one dropped file (its partition added
        first, as the drop sensor would)."""
        self.instance.add_dynamic_partitions(drop_file_partitions.name, [file_name])
        return dg.materialize(
            [*thought_industries_assets, *thought_industries_checks],
            selection=selection,
            partition_key=file_name,
            resources=self.resources,
            instance=self.instance,
            raise_on_error=False,
        )

    def everything_recorded(self, caplog, *results) -> str:
        """All the text these runs left behind: the captured logs, and every event of each run
        with its data (messages, metadata, check samples, failures)."""
        recorded = [caplog.text]
        for result in results:
            for entry in self.instance.all_logs(result.run_id):
                recorded.append(repr(entry))
                if entry.dagster_event is not None:
                    recorded.append(repr(entry.dagster_event.event_specific_data))
        return "\n".join(recorded)

    def query(self, statement: str, *params) -> list[tuple]:
        with self.warehouse.transaction() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()


@pytest.fixture
def platform(warehouse: PostgresWarehouse, sandbox: SandboxServer, tmp_path) -> Platform:
    return Platform(warehouse, sandbox, str(tmp_path / "staging"), tmp_path / "drops")


# -- a scriptable HTTP server on loopback, and a clock that only moves when code sleeps ----------


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[HTTPServer]:
    # Threaded, so that a handler that stalls (the timeout tests) does not block the retry.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(loopback_server: HTTPServer) -> HTTPServer:
    loopback_server.clear()
    return loopback_server


# -- an S3-compatible object store on loopback ----------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 in server mode on 127.0.0.1: real HTTP, the way s3fs and boto3 talk to S3."""
    from moto.server import ThreadedMotoServer

    # The server logs every request through werkzeug; the tests read their own assertions.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch) -> str:
    """A new, empty bucket, and the environment an operator sets for an S3-compatible store:
    credentials, and AWS_ENDPOINT_URL_S3, which both s3fs (staging, drops) and boto3 (the compute
    log manager) read."""
    import boto3

    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_S3", s3_endpoint),
    ):
        monkeypatch.setenv(name, value)
    bucket = f"learning-platform-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def debug_logging(caplog):
    """Everything at DEBUG, from the root logger down to HTTP and SQL: what a leak test reads."""
    for name in ("", "urllib3", "requests", "sqlalchemy.engine", "dagster"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
