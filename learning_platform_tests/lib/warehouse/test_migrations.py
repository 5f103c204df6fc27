"""The warehouse schema is built by migrations only, and they agree with the table definitions."""

import sqlalchemy as sa

from learning_platform.defs.shared.resources import PostgresWarehouse
from learning_platform.lib.warehouse import migrations


def test_the_first_use_of_the_warehouse_migrates_an_empty_database_to_head(empty_database_url):
    warehouse = PostgresWarehouse(database_url=empty_database_url)
    warehouse.ensure_ready()
    assert migrations.current_revision(warehouse.engine) == migrations.head_revision(
        empty_database_url
    )
    assert warehouse.scalar("SELECT count(*) FROM linkedin_learning.learner_content_activity") == 0


def test_migrated_database_matches_the_table_definitions(empty_database_url):
    """The equivalent of `alembic check`: no difference between models and database."""
    engine = sa.create_engine(empty_database_url)
    migrations.upgrade(engine)
    assert migrations.pending_changes(engine) == []


def test_upgrade_downgrade_upgrade_round_trips(empty_database_url):
    engine = sa.create_engine(empty_database_url)
    migrations.upgrade(engine)
    migrations.downgrade(engine, "base")
    assert migrations.current_revision(engine) is None
    assert not sa.inspect(engine).has_schema("linkedin_learning")
    migrations.upgrade(engine)
    assert migrations.pending_changes(engine) == []


def test_the_head_revision_every_run_checks_is_the_newest_migration(empty_database_url):
    """Runs compare the warehouse with HEAD_REVISION instead of importing Alembic: a new
    migration must move it, or runs would not apply the migration."""
    assert migrations.HEAD_REVISION == migrations.head_revision(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    assert not migrations.is_current(engine)
    migrations.upgrade(engine)
    assert migrations.is_current(engine)
