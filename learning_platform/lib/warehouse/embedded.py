"""The embedded PostgreSQL: a real server from the `pgserver` package, kept under a local folder.

Started on first use and left running, so later runs and processes reuse it (and its data) instead
of paying for a start each time. It listens on a Unix socket in its data folder only, never on TCP.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import sqlalchemy as sa

DATABASE = "learning_platform"

# pgserver logs every start-up decision at INFO; that is noise in a data engineer's run log.
logging.getLogger("pgserver").setLevel(logging.WARNING)


def _import_pgserver():
    # pgserver asks platformdirs for a runtime folder at import; without XDG_RUNTIME_DIR (CI,
    # containers) platformdirs warns and falls back to /tmp, which is fine for its lock file.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver

    return pgserver


def embedded_database_url(home: Path, database: str = DATABASE) -> str:
    """Start (or reuse) the server under `home/postgres`, make sure `database` exists, and return
    its SQLAlchemy URL."""
    pgserver = _import_pgserver()  # imported here: only the embedded default needs it

    home.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(home / "postgres", cleanup_mode=None)
    admin_url = sa.make_url(server.get_uri()).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                try:
                    connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
                except sa.exc.ProgrammingError as error:
                    # Another process created it between our look and our CREATE: that is fine.
                    if "already exists" not in str(error):
                        raise
    finally:
        engine.dispose()
    return admin_url.set(database=database).render_as_string(hide_password=False)


def as_role(url: str, role: str) -> str:
    """The same server and database, logged in as `role` with no password: pgserver's server
    trusts connections on its Unix socket (as it does for its superuser) and listens on no port."""
    return sa.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


def stop_embedded(home: Path) -> bool:
    """Stop the embedded server under `home` if it runs; its data stays. Returns whether it ran."""
    _import_pgserver()
    from pgserver._commands import pg_ctl  # pgserver's own wrapper: runs as its system user

    pgdata = home / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    user = (
        "pgserver" if os.geteuid() == 0 else None
    )  # as root, pgserver runs the server as "pgserver"
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True
