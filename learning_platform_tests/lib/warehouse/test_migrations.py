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


def test_partitioning_the_learner_tables_by_day_carries_their_rows_both_ways(empty_database_url):
    """0009 makes every day the two per-learner tables hold a partition of its own, and 0008
    (its downgrade) makes them one table again, with the same rows and comments each way."""
    engine = sa.create_engine(empty_database_url, poolclass=sa.pool.NullPool)
    migrations.upgrade(engine, "0008")
    tables = ("learner_activity", "learner_content_activity")
    with engine.begin() as connection:
        for table in tables:
            content = "'urn:li:course:1', " if table == "learner_content_activity" else ""
            column = "content_urn, " if content else ""
            connection.execute(
                sa.text(
                    f"INSERT INTO linkedin_learning.{table} (window_start, learner_urn, {column}"
                    " engagement_type, engagement_qualifier, asset_type, engagement_value)"
                    f" SELECT day::date, 'urn:li:enterpriseProfile:' || n, {content}"
                    " 'SECONDS_VIEWED', 'TOTAL', 'COURSE', n"
                    " FROM generate_series('2026-01-30'::date, '2026-02-02', '1 day') day,"
                    " generate_series(1, 50) n"
                )
            )

    def state():
        with engine.connect() as connection:
            return {
                table: connection.execute(
                    sa.text(
                        "SELECT (SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)),"
                        " (SELECT count(*) FROM pg_inherits WHERE inhparent = to_regclass(:t)),"
                        " obj_description(to_regclass(:t), 'pg_class'),"
                        " col_description(to_regclass(:t), 1),"
                        f" (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM {'linkedin_learning.' + table} r),"
                        " (SELECT count(*) FROM pg_index WHERE indrelid = to_regclass(:t) AND indisprimary)"
                    ),
                    {"t": f"linkedin_learning.{table}"},
                ).one()
                for table in tables
            }

    before = state()
    migrations.upgrade(engine)
    after = state()
    migrations.downgrade(engine, "0008")
    back = state()
    engine.dispose()
    for table in tables:
        assert before[table][0] == "r" and after[table][0] == "p" and back[table][0] == "r"
        assert (before[table][1], after[table][1], back[table][1]) == (0, 4, 0)
        assert before[table][2:] == after[table][2:] == back[table][2:]
        assert before[table][4] is not None and before[table][5] == 1
