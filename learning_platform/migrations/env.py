"""Alembic environment: migrates the warehouse described by `learning_platform.lib.warehouse.tables`."""

import sqlalchemy as sa
from alembic import context

from learning_platform.lib.warehouse.tables import SCHEMAS, metadata

config = context.config


def include_name(name, type_, parent_names):
    # Only the platform's own schemas are compared; other tenants of the database are left alone.
    if type_ == "schema":
        return name in SCHEMAS
    return True


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = sa.create_engine(
            config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool
        )
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


# Once revision 0007 has made the owner role (and given it the database's CREATE), migrations run
# as it: whatever they create is the owner's, never the login that happened to migrate.
_AS_OWNER = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'learning_platform_owner')
        AND pg_has_role(current_user, 'learning_platform_owner', 'USAGE')
        AND has_database_privilege('learning_platform_owner', current_database(), 'CREATE')
    THEN
        SET ROLE learning_platform_owner;
    END IF;
END
$$
"""


def _run(connection) -> None:
    connection.exec_driver_sql(_AS_OWNER)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
