"""Replace-a-partition and upsert through COPY, against a real PostgreSQL."""

from datetime import date, datetime, timezone

import psycopg
import pyarrow as pa
import pytest

from learning_platform.lib.linkedin_learning.records import LEARNER_ACTIVITY, LEARNER_SCHEMA
from learning_platform.lib.warehouse import loads as postgres
from learning_platform.lib.warehouse import roles
from learning_platform.lib.warehouse.tables import linkedin_learning as linkedin_tables

DAY_1, DAY_2 = date(2026, 11, 1), date(2026, 11, 2)
COLUMNS = LEARNER_ACTIVITY.activity_schema.names


def activity(day, learner, engagement_type="VIEWS", value=1, asset_type="COURSE"):
    return pa.RecordBatch.from_pylist(
        [
            {
                "window_start": day,
                "learner_urn": learner,
                "engagement_type": engagement_type,
                "engagement_qualifier": "TOTAL",
                "asset_type": asset_type,
                "engagement_value": value,
                "first_engaged_at": datetime(2026, 11, 1, 8, tzinfo=timezone.utc),
                "last_engaged_at": None,
                "latest_data_at": datetime(2026, 11, 3, 7, tzinfo=timezone.utc),
            }
        ],
        schema=LEARNER_ACTIVITY.activity_schema,
    )


def load(warehouse, days, *batches):
    with warehouse.transaction() as cursor:
        return postgres.replace_partitions(
            cursor, linkedin_tables.learner_activity, "window_start", days, batches, COLUMNS
        )


def rows(warehouse):
    with warehouse.transaction() as cursor:
        cursor.execute(
            "SELECT window_start, learner_urn, engagement_value, asset_type, last_engaged_at "
            "FROM linkedin_learning.learner_activity ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_replacing_a_partition_twice_leaves_what_one_load_leaves(warehouse):
    load(warehouse, [DAY_1], activity(DAY_1, "a"), activity(DAY_1, "b"))
    first = rows(warehouse)
    result = load(warehouse, [DAY_1], activity(DAY_1, "a"), activity(DAY_1, "b"))
    assert rows(warehouse) == first
    assert (result.deleted, result.written) == (2, 2)


def test_replacing_one_day_leaves_other_days_alone(warehouse):
    load(warehouse, [DAY_1, DAY_2], activity(DAY_1, "a"), activity(DAY_2, "a"))
    load(warehouse, [DAY_2], activity(DAY_2, "a", value=9))
    assert [(row[0], row[2]) for row in rows(warehouse)] == [(DAY_1, 1), (DAY_2, 9)]


def test_a_failed_load_keeps_the_previous_rows(warehouse):
    """A duplicate key fails the COPY; the delete before it rolls back with it."""
    load(warehouse, [DAY_1], activity(DAY_1, "a"))
    with pytest.raises(Exception, match="duplicate key"):
        load(warehouse, [DAY_1], activity(DAY_1, "z"), activity(DAY_1, "z"))
    assert [row[1] for row in rows(warehouse)] == ["a"]


def test_nulls_empty_strings_and_awkward_text_survive_copy(warehouse):
    nasty = 'x\'); DROP TABLE t;--, "quoted"\nnew line'
    load(warehouse, [DAY_1], activity(DAY_1, nasty, asset_type=""))
    ((_, learner, _, asset_type, last_engaged_at),) = rows(warehouse)
    assert learner == nasty
    assert asset_type == ""
    assert last_engaged_at is None


def learner(urn, name, seen_on):
    return pa.RecordBatch.from_pylist(
        [
            {
                "learner_urn": urn,
                "name": name,
                "email": None,
                "unique_user_id": None,
                "enterprise_groups": "[]",
                "custom_attributes": '{"team":"finance"}',
                "last_seen_on": seen_on,
            }
        ],
        schema=LEARNER_SCHEMA,
    )


def upsert(warehouse, *batches):
    with warehouse.transaction() as cursor:
        return postgres.upsert_batches(
            cursor,
            linkedin_tables.learners,
            batches,
            LEARNER_SCHEMA.names,
            newer_column="last_seen_on",
        )


def names(warehouse):
    with warehouse.transaction() as cursor:
        cursor.execute(
            "SELECT learner_urn, name, custom_attributes FROM linkedin_learning.learners ORDER BY 1"
        )
        return cursor.fetchall()


def test_upsert_keeps_one_row_per_key_with_the_newest_details(warehouse):
    upsert(
        warehouse,
        learner("a", "Old", DAY_1),
        learner("a", "New", DAY_2),
        learner("b", "Bea", DAY_1),
    )
    assert names(warehouse) == [
        ("a", "New", {"team": "finance"}),
        ("b", "Bea", {"team": "finance"}),
    ]


def test_upsert_of_older_details_does_not_overwrite_newer_ones(warehouse):
    """Backfilling an old day must not roll a learner's details back in time."""
    upsert(warehouse, learner("a", "New", DAY_2))
    upsert(warehouse, learner("a", "Old", DAY_1))
    assert names(warehouse)[0][1] == "New"


def test_two_loads_of_the_same_day_at_once_run_one_after_the_other(warehouse):
    """The second load waits for the first one's lock instead of failing on the primary key, and
    the table ends as one load leaves it."""
    import threading

    first_loaded = threading.Event()
    release_first = threading.Event()
    errors = []

    def first():
        try:
            with warehouse.transaction() as cursor:
                postgres.replace_partitions(
                    cursor,
                    linkedin_tables.learner_activity,
                    "window_start",
                    [DAY_1],
                    [activity(DAY_1, "a")],
                    COLUMNS,
                )
                first_loaded.set()
                release_first.wait(timeout=30)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_loaded.wait(timeout=30)
    second = threading.Thread(target=lambda: load(warehouse, [DAY_1], activity(DAY_1, "a")))
    second.start()
    second.join(timeout=1)
    assert second.is_alive()  # waiting for the first transaction's lock
    release_first.set()
    thread.join(timeout=30)
    second.join(timeout=30)

    assert not errors and not second.is_alive()
    assert [row[1] for row in rows(warehouse)] == ["a"]


def test_a_load_blocked_by_a_reader_lock_fails_after_lock_timeout_instead_of_hanging(database_url):
    import psycopg

    from learning_platform.defs.shared.resources import PostgresWarehouse

    impatient = PostgresWarehouse(database_url=database_url, lock_timeout_seconds=1)
    holder_url = impatient.url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(holder_url) as holder:
        holder.execute("LOCK TABLE linkedin_learning.learner_activity IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            load(impatient, [DAY_1], activity(DAY_1, "a"))
        holder.rollback()


def test_an_unreachable_database_fails_without_showing_its_password():
    from learning_platform.defs.shared.resources import PostgresWarehouse

    warehouse = PostgresWarehouse(
        database_url="postgresql+psycopg://loader:s3cr3t-pa55@127.0.0.1:9/warehouse"
    )
    with pytest.raises(Exception) as error:
        warehouse.ensure_ready()
    assert "s3cr3t-pa55" not in str(error.value)
    assert "127.0.0.1" in str(error.value)


def test_a_connection_dropped_mid_copy_rolls_the_whole_day_back_and_a_retry_loads_it_once(
    warehouse, database_url
):
    """RELIABILITY case 40: the server ends the connection while the day's rows stream in (a
    restart, a failover). Nothing of the load stays; the error is an OperationalError, which the
    table assets' retry policy retries; the retry leaves what one clean load leaves."""
    load(warehouse, [DAY_1], activity(DAY_1, "a"))
    previous = rows(warehouse)

    def batches(backend_pid: int):
        yield activity(DAY_1, "b")
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        yield activity(DAY_1, "c")

    with pytest.raises(psycopg.OperationalError):
        with warehouse.transaction() as cursor:
            postgres.replace_partitions(
                cursor,
                linkedin_tables.learner_activity,
                "window_start",
                [DAY_1],
                batches(cursor.connection.info.backend_pid),
                COLUMNS,
            )

    assert rows(warehouse) == previous
    load(warehouse, [DAY_1], activity(DAY_1, "b"), activity(DAY_1, "c"))
    assert [row[1] for row in rows(warehouse)] == ["b", "c"]


def partitions(warehouse):
    """The learner table's day partitions: name, owner, whether the loader may insert into it,
    whether its key is the parent's, and the check constraints left on it."""
    with warehouse.transaction() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text, pg_get_userbyid(c.relowner),"
            " has_table_privilege(current_user, c.oid, 'INSERT'),"
            " EXISTS (SELECT FROM pg_index x JOIN pg_inherits k ON k.inhrelid = x.indexrelid"
            "         WHERE x.indrelid = c.oid AND x.indisprimary"
            "         AND k.inhparent = 'linkedin_learning.learner_activity_pkey'::regclass),"
            " (SELECT count(*) FROM pg_constraint WHERE conrelid = c.oid AND contype = 'c')"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'linkedin_learning.learner_activity'::regclass ORDER BY 1"
        )
        return cursor.fetchall()


def test_a_new_day_becomes_a_partition_of_its_own_and_a_reload_keeps_it(warehouse):
    """The loader has no DDL: the owner's functions make the day's table and attach it, with the
    parent's key; the loader may insert into it, as it may through the parent."""
    first = load(warehouse, [DAY_1, DAY_2], activity(DAY_1, "a"), activity(DAY_2, "b"))
    made = partitions(warehouse)
    assert made == [
        (f"linkedin_learning_days.learner_activity_{day:%Y%m%d}", roles.OWNER, True, True, 0)
        for day in (DAY_1, DAY_2)
    ]
    again = load(warehouse, [DAY_1, DAY_2], activity(DAY_1, "a", value=5), activity(DAY_2, "b"))
    assert partitions(warehouse) == made
    assert (first.deleted, first.written, again.deleted, again.written) == (0, 2, 2, 2)
    assert [(row[0], row[1], row[2]) for row in rows(warehouse)] == [
        (DAY_1, "a", 5),
        (DAY_2, "b", 1),
    ]


def test_a_first_load_of_a_day_that_fails_leaves_no_partition_behind(warehouse):
    day = date(2026, 1, 17)

    def batches():
        yield activity(day, "a")
        raise RuntimeError("the staged file broke off")

    with pytest.raises(RuntimeError, match="broke off"):
        with warehouse.transaction() as cursor:
            postgres.replace_partitions(
                cursor, linkedin_tables.learner_activity, "window_start", [day], batches(), COLUMNS
            )
    assert f"linkedin_learning_days.learner_activity_{day:%Y%m%d}" not in {
        row[0] for row in partitions(warehouse)
    }
    load(warehouse, [day], activity(day, "a"))
    assert [row[1] for row in rows(warehouse) if row[0] == day] == ["a"]


def test_a_row_of_a_day_not_being_loaded_is_refused_by_its_day(warehouse):
    with pytest.raises(ValueError, match="window_start 2026-11-02 is not among the days"):
        load(warehouse, [DAY_1], activity(DAY_1, "a"), activity(DAY_2, "b"))


def test_a_batch_of_several_days_is_split_between_their_partitions(warehouse):
    mixed = pa.concat_batches([activity(DAY_1, "a"), activity(DAY_2, "b"), activity(DAY_1, "c")])
    result = load(warehouse, [DAY_1, DAY_2], mixed)
    assert result.written == 3
    assert [(row[0], row[1]) for row in rows(warehouse)] == [
        (DAY_1, "a"),
        (DAY_1, "c"),
        (DAY_2, "b"),
    ]


def test_the_partition_functions_refuse_a_table_not_partitioned_by_day(warehouse):
    with warehouse.transaction() as cursor:
        with pytest.raises(psycopg.errors.RaiseException, match="not partitioned"):
            cursor.execute("SELECT * FROM ops.day_partition('thrive.users', '2026-11-01')")


def test_a_refused_row_is_placed_by_its_day_and_its_line_in_that_day(warehouse):
    """Each day is copied on its own, so the error's position counts from the day's first row,
    whether the day is new or reloaded in place, and whichever day came first."""
    load(warehouse, [DAY_1], activity(DAY_1, "a"))  # DAY_1 is reloaded in place
    refused = activity(DAY_2, "c").set_column(5, "engagement_value", pa.array([None], pa.int64()))
    for batches in (
        [activity(DAY_1, "a"), activity(DAY_2, "b"), refused],  # DAY_2 new
        [activity(DAY_2, "b"), refused, activity(DAY_1, "a")],
    ):
        with pytest.raises(psycopg.errors.NotNullViolation) as error:
            load(warehouse, [DAY_1, DAY_2], *batches)
        assert postgres.copy_position(error.value) == postgres.CopyPosition(
            "learner_activity", 2, DAY_2
        )
    load(warehouse, [DAY_2], activity(DAY_2, "b"))  # and now DAY_2 is reloaded in place too
    with pytest.raises(psycopg.errors.NotNullViolation) as error:
        load(warehouse, [DAY_1, DAY_2], activity(DAY_1, "a"), activity(DAY_2, "b"), refused)
    assert postgres.copy_position(error.value) == postgres.CopyPosition(
        "learner_activity", 2, DAY_2
    )
