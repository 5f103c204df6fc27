"""The resources both code locations share, bound to the environment contract of DESIGN.md §4: the
PostgreSQL warehouse (LEARNING_PLATFORM_DATABASE_URL, or the embedded server), the staging store
(LEARNING_PLATFORM_STAGING_URL) and the secret of the learner keys (LEARNING_PLATFORM_PSEUDONYM_KEY,
which the erasure and the learner directory use). Each source binds its own upstream in its own
folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import sqlalchemy as sa
from pydantic import PrivateAttr

from learning_platform import settings
from learning_platform.lib.http import RetryPolicy
from learning_platform.lib.identity import Pseudonymizer
from learning_platform.lib.memory import convert_without_pandas, limit_allocator_arenas
from learning_platform.lib.staging import StagingArea
from learning_platform.lib.warehouse import migrations, roles
from learning_platform.lib.warehouse.embedded import as_role, embedded_database_url

# A server that does not answer fails a connection within this, instead of the system's TCP timeout.
_CONNECT = {"connect_timeout": 10}


class WarehouseNotMigrated(RuntimeError):
    """The warehouse is behind the code, and this login may not migrate it."""


class PostgresWarehouse(dg.ConfigurableResource):
    """The PostgreSQL warehouse. With no database URL, a real PostgreSQL server embedded in the
    Python environment, kept under LEARNING_PLATFORM_HOME. Migrations are applied before first use.

    database_url: the loader's login, which every asset runs as (rows, no DDL).
    migration_database_url: the migrating role's, when it differs (a deployment keeps it out of
    the runs and migrates with `learning-platform db upgrade`). The embedded server migrates as
    its superuser and runs as the loader.
    """

    database_url: str | None = None
    migration_database_url: str | None = None
    home: str | None = None
    lock_timeout_seconds: int = 60
    statement_timeout_seconds: int = 3600

    _url: str | None = PrivateAttr(default=None)
    _engine: sa.Engine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.ensure_ready()

    def ensure_ready(self) -> None:
        """Resolve the server, bring its schema to the newest migration, and connect as the loader."""
        if self._engine is not None:
            return
        url, migration_url = self._urls()
        migrator = sa.create_engine(
            _with_driver(migration_url), poolclass=sa.pool.NullPool, connect_args=_CONNECT
        )
        try:
            if not migrations.is_current(migrator):
                try:
                    migrations.upgrade(migrator)
                except sa.exc.ProgrammingError as error:
                    if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient privilege
                        raise
                    raise WarehouseNotMigrated(
                        f"the warehouse at {_where(migration_url)} is not at revision "
                        f"{migrations.HEAD_REVISION}, and its login may not migrate it: run "
                        f"`learning-platform db upgrade` with {settings.MIGRATION_DATABASE_URL} "
                        "set to the migrating role's URL"
                    ) from None
        finally:
            migrator.dispose()
        self._url = url
        self._engine = sa.create_engine(
            _with_driver(url), pool_pre_ping=True, connect_args=_CONNECT
        )

    def _urls(self) -> tuple[str, str]:
        """(the loader's URL, the migrating role's URL)."""
        if self.database_url:
            for name, value in (
                (settings.DATABASE_URL, self.database_url),
                (settings.MIGRATION_DATABASE_URL, self.migration_database_url),
            ):
                if value and not value.startswith("postgresql"):
                    raise ValueError(
                        f"{name} must be a PostgreSQL SQLAlchemy URL "
                        "(postgresql+psycopg://user:password@host:5432/database)"
                    )
            return self.database_url, self.migration_database_url or self.database_url
        superuser = embedded_database_url(
            settings.home() if self.home is None else Path(self.home).expanduser().resolve()
        )
        return as_role(superuser, roles.LOADER), superuser

    @property
    def engine(self) -> sa.Engine:
        self.ensure_ready()
        assert self._engine is not None
        return self._engine

    @property
    def url(self) -> str:
        self.ensure_ready()
        assert self._url is not None
        return self._url

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor]:
        """A cursor in one transaction: committed if the block completes, rolled back otherwise."""
        options = (
            f"-c lock_timeout={self.lock_timeout_seconds * 1000} "
            f"-c statement_timeout={self.statement_timeout_seconds * 1000}"
        )
        with psycopg.connect(
            _psycopg_conninfo(self.url), options=options, **_CONNECT
        ) as connection:
            with connection.transaction(), connection.cursor() as cursor:
                yield cursor

    @contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """The variables learning_platform_dbt/profiles.yml reads, pointing dbt at this warehouse,
        for the commands run inside the block (the password under a DBT_ENV_SECRET_ name, which
        dbt keeps out of its logs)."""
        parsed = sa.make_url(self.url)
        values = {
            "LEARNING_PLATFORM_DBT_HOST": parsed.host or str(parsed.query.get("host", "")),
            "LEARNING_PLATFORM_DBT_PORT": str(parsed.port or 5432),
            "LEARNING_PLATFORM_DBT_USER": parsed.username or "",
            "DBT_ENV_SECRET_LEARNING_PLATFORM_PASSWORD": parsed.password or "",
            "LEARNING_PLATFORM_DBT_DATABASE": parsed.database or "",
            "LEARNING_PLATFORM_DBT_SSLMODE": str(parsed.query.get("sslmode", "prefer")),
        }
        previous = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def unreachable(self) -> str | None:
        """Why the warehouse cannot be used, in one line naming host, port and database (never the
        user's password); None when it can. What a command checks before it launches any run."""
        try:
            self.ensure_ready()
            self.scalar("SELECT 1")
        except (sa.exc.OperationalError, psycopg.OperationalError, WarehouseNotMigrated) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            for url in (self.database_url, self.migration_database_url):
                password = sa.make_url(url).password if url else None
                if password:
                    reason = reason.replace(password, "***")
            where = _where(self.database_url) if self.database_url else "the embedded server"
            return f"the warehouse at {where} cannot be used: {reason}"
        return None

    def scalar(self, statement: str, **params) -> object:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(statement), params).scalar()

    def close(self) -> None:
        """Close the pooled connections (the resource can connect again later)."""
        if self._engine is not None:
            self._engine.dispose()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()


def _with_driver(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    return (
        parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed
    )


def _where(url: str) -> str:
    """host:port/database of a URL: what an error may name (never the user or password)."""
    parsed = sa.make_url(url)
    host = parsed.host or str(parsed.query.get("host", "local socket"))
    return f"{host}:{parsed.port or 5432}/{parsed.database}"


def _psycopg_conninfo(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class UpstreamClient(dg.ConfigurableResource):
    """What every upstream API resource shares: the limits of its requests, and one API client per
    run, built on first use, so that every partition of a run shares its token and its keep-alive
    connections. A source's resource says how its client is built (`build_api`)."""

    page_size: int = 1000
    # A day's pages fetched at once, after the first (each source says why its default); a 429
    # halves it for the rest of that day. The API pools bound the steps, this each step's walk.
    max_pages_in_flight: int = 4
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 60.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0

    _api: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout_seconds, self.read_timeout_seconds)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(max_attempts=self.max_attempts, max_total_seconds=self.max_retry_seconds)

    def build_api(self) -> Any:
        raise NotImplementedError

    def api(self) -> Any:
        """The client of this resource instance, built once (a missing setting fails here, at the
        run's set-up, before any request)."""
        with self._lock:
            if self._api is None:
                self._api = self.build_api()
            return self._api

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.api()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._api is not None:
            self._api.close()


class StagingStore(dg.ConfigurableResource):
    """Staged partitions, one Parquet file per partition per staged stream, under
    LEARNING_PLATFORM_STAGING_URL."""

    url: str | None = None

    _area: StagingArea | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Every step that stages or loads uses this store, and a run's resources are set up once,
        # before its first step: the place to keep the run's allocator to two malloc arenas
        # instead of one more per thread that allocates, and pandas unloaded.
        limit_allocator_arenas()
        convert_without_pandas()

    @property
    def area(self) -> StagingArea:
        if self._area is None:
            self._area = StagingArea(self.url or settings.staging_url())
        return self._area


def _warehouse() -> PostgresWarehouse:
    if settings.env(settings.DATABASE_URL):
        migration = settings.MIGRATION_DATABASE_URL
        return PostgresWarehouse(
            database_url=dg.EnvVar(settings.DATABASE_URL),
            migration_database_url=dg.EnvVar(migration) if settings.env(migration) else None,
        )
    return PostgresWarehouse()


class PseudonymKey(dg.ConfigurableResource):
    """The HMAC secret of the learner keys. Required: a run that builds the learner directory or
    erases a learner fails at set-up, naming the variable, when it is missing or too short."""

    secret: str | None = None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.pseudonymizer()

    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_secret(self.secret)


def _pseudonym_key() -> PseudonymKey:
    # Bound only when set: Dagster refuses an unset EnvVar with its own message, while ours says
    # what the key is for and how to make one.
    if settings.env(settings.PSEUDONYM_KEY):
        return PseudonymKey(secret=dg.EnvVar(settings.PSEUDONYM_KEY))
    return PseudonymKey()


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": _warehouse(),
            "staging": StagingStore(),
            "pseudonym_key": _pseudonym_key(),
        },
        # Steps run in the run's own process: a LinkedIn day is a few seconds of work, and a new
        # process per step would cost more than the step itself.
        executor=dg.in_process_executor,
    )
