"""Applying the warehouse migrations (Alembic), from code and from the `learning-platform db` command."""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration. Every run checks the warehouse against it before loading; knowing it here
# spares each run importing Alembic (about 40 MB) just to learn it. A test keeps it equal to the
# head of migrations/versions.
HEAD_REVISION = "0009"

# Any constant will do: it names the lock all migrating processes take, so that two runs starting
# at once on a fresh database do not both try to create the same tables.
_MIGRATION_LOCK_ID = 7_135_021_901


def is_current(engine: sa.Engine) -> bool:
    """The warehouse is at HEAD_REVISION (false on a database never migrated)."""
    with engine.connect() as connection:
        try:
            version = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        except sa.exc.ProgrammingError:
            return False
        return [row[0] for row in version] == [HEAD_REVISION]


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("learning_platform") / "migrations"))
    # ConfigParser would read '%' in a password as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the warehouse to `revision`, holding an advisory lock while doing it."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.exec_driver_sql("RESET ROLE")  # migrations run as the owner (env.py)


def downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.exec_driver_sql("RESET ROLE")


def pending_changes(engine: sa.Engine) -> list:
    """What the models describe that the database does not have (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from learning_platform.lib.warehouse.tables import SCHEMAS, metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, parents: type_ != "schema" or name in SCHEMAS,
                "compare_type": True,
            },
        )
        return compare_metadata(context, metadata)
