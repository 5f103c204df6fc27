"""LinkedIn Learning: the two per-learner activity tables partitioned by day, existing rows kept.

learner_activity and learner_content_activity grow with the organisation (a 1M-row day for a
large tenant) and are only ever written a whole day at a time. As one table, every new day went
into a primary key already holding every other day: 5.2 s for a 1M-row day, key by key. As a
partition of its own, a new day is copied into a table with no index, its key built once by a
sort, and the table attached (2.7 s): `ops.day_partition` then `ops.attach_day_partition`.
A day whose partition exists is reloaded in place: its rows deleted, the new ones copied in.

Each day's partition is `<schema>_days.<table>_<YYYYMMDD>` (linkedin_learning_days), owned by
learning_platform_owner. The loader has no DDL, so the two functions are SECURITY DEFINER: they
make and attach day tables of tables partitioned by a single date range, nothing else. The loader
may read and insert into a day's table, as it may through the parent; it copies a day straight
into its table, so that a row PostgreSQL refuses names its day. Reading through the parent is
unchanged for everyone: its rights are the parent's.

Attaching takes SHARE UPDATE EXCLUSIVE on the parent, which readers' ACCESS SHARE does not wait
for. Detaching or dropping a day would take ACCESS EXCLUSIVE on the parent, so no load does.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SCHEMA = "linkedin_learning"
DAYS = "linkedin_learning_days"
LOADER = "learning_platform_loader"
TABLES = {
    "learner_activity": (
        "window_start",
        "learner_urn",
        "engagement_type",
        "engagement_qualifier",
        "asset_type",
    ),
    "learner_content_activity": (
        "window_start",
        "learner_urn",
        "content_urn",
        "engagement_type",
        "engagement_qualifier",
        "asset_type",
    ),
}

FUNCTIONS = ("day_partition", "attach_day_partition")

# The parent's schema, name and partition column, if it is partitioned by a range of one column.
_PARENT = """
    SELECT n.nspname, c.relname, a.attname INTO parent_schema, parent_name, key_column
    FROM pg_partitioned_table p
    JOIN pg_class c ON c.oid = p.partrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = parent AND p.partstrat = 'r' AND p.partnatts = 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% is not partitioned by a range of one column', parent;
    END IF;
    day_schema := parent_schema || '_days';
    day_name := parent_name || '_' || to_char(day, 'YYYYMMDD');
"""
_DECLARE = """
DECLARE
    parent_schema text;
    parent_name text;
    key_column text;
    day_schema text;
    day_name text;
"""

DAY_PARTITION = f"""
CREATE FUNCTION ops.day_partition(parent regclass, day date, OUT day_table text, OUT created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
{_DECLARE}
BEGIN
    {_PARENT}
    day_table := format('%I.%I', day_schema, day_name);
    created := to_regclass(day_table) IS NULL;
    IF NOT created THEN
        RETURN;  -- attached by an earlier load: the caller replaces its rows in place
    END IF;
    -- No index yet: the copy only appends, and attaching builds the key in one sort. The check
    -- is the partition's bound, so attaching need not scan the day to prove it.
    EXECUTE format(
        'CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS, CONSTRAINT bound CHECK (%I >= %L AND %I < %L))',
        day_table, parent, key_column, day, key_column, day + 1
    );
    -- What it may do through the parent anyway; copied straight in, a row that fails names its day.
    EXECUTE format('GRANT SELECT, INSERT ON %s TO {LOADER}', day_table);
END
$$
"""

ATTACH_DAY_PARTITION = f"""
CREATE FUNCTION ops.attach_day_partition(parent regclass, day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
{_DECLARE}
BEGIN
    {_PARENT}
    EXECUTE format(
        'ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
        parent, day_schema, day_name, day, day + 1
    );
    EXECUTE format('ALTER TABLE %I.%I DROP CONSTRAINT bound', day_schema, day_name);
END
$$
"""


def _columns(table: str) -> str:
    return ", ".join(
        row[0]
        for row in op.get_bind().execute(
            sa.text(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:table) "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"table": table},
        )
    )


def _set_aside(table: str, old: str, partition_by: str = "") -> str:
    """Rename `table` to `old` and create `table` anew in its image (columns, defaults, comments;
    the key is added once the rows are in, where that is cheaper); returns its column list."""
    op.execute(f"ALTER TABLE {SCHEMA}.{table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {SCHEMA}.{old} RENAME CONSTRAINT {table}_pkey TO {old}_pkey")
    op.execute(
        f"CREATE TABLE {SCHEMA}.{table} (LIKE {SCHEMA}.{old} INCLUDING DEFAULTS "
        f"INCLUDING COMMENTS) {partition_by}"
    )
    op.execute(
        f"DO $$ BEGIN EXECUTE format('COMMENT ON TABLE {SCHEMA}.{table} IS %L', "
        f"obj_description('{SCHEMA}.{old}'::regclass, 'pg_class')); END $$"
    )
    return _columns(f"{SCHEMA}.{table}")


def _add_key(table: str, key: tuple[str, ...]) -> None:
    op.execute(
        f"ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({', '.join(key)})"
    )


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA {DAYS}")
    op.execute(f"REVOKE ALL ON SCHEMA {DAYS} FROM PUBLIC")
    op.execute(f"GRANT USAGE ON SCHEMA {DAYS} TO {LOADER}")
    op.execute(DAY_PARTITION)
    op.execute(ATTACH_DAY_PARTITION)
    for function in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION ops.{function}(regclass, date) FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION ops.{function}(regclass, date) TO {LOADER}")

    bind = op.get_bind()
    for table, key in TABLES.items():
        old = f"{table}_unpartitioned"
        columns = _set_aside(table, old, "PARTITION BY RANGE (window_start)")
        _add_key(table, key)  # on the parent: each day's index is built as the day is attached
        # Every day the table holds becomes a partition, the way a load makes one.
        days = bind.execute(
            sa.text(f"SELECT DISTINCT window_start FROM {SCHEMA}.{old} ORDER BY 1")
        ).scalars()
        for day in list(days):
            target = bind.execute(
                sa.text("SELECT day_table FROM ops.day_partition(to_regclass(:parent), :day)"),
                {"parent": f"{SCHEMA}.{table}", "day": day},
            ).scalar()
            bind.execute(
                sa.text(
                    f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {SCHEMA}.{old} "
                    f"WHERE window_start = :day"
                ),
                {"day": day},
            )
            bind.execute(
                sa.text("SELECT ops.attach_day_partition(to_regclass(:parent), :day)"),
                {"parent": f"{SCHEMA}.{table}", "day": day},
            )
        op.execute(f"DROP TABLE {SCHEMA}.{old}")


def downgrade() -> None:
    for table, key in TABLES.items():
        old = f"{table}_partitioned"
        columns = _set_aside(table, old)
        op.execute(
            f"INSERT INTO {SCHEMA}.{table} ({columns}) SELECT {columns} FROM {SCHEMA}.{old} "
            f"ORDER BY {', '.join(key)}"
        )
        _add_key(table, key)
        op.execute(f"DROP TABLE {SCHEMA}.{old}")  # and its day partitions with it
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION ops.{function}(regclass, date)")
    op.execute(f"DROP SCHEMA {DAYS}")
