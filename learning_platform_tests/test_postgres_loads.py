"""Replace-a-partition and upsert through COPY, against a real PostgreSQL."""

from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

from learning_platform.lib import postgres, tables
from learning_platform.lib.linkedin_records import LEARNER_ACTIVITY, LEARNER_SCHEMA

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
            cursor, tables.linkedin_learner_activity, "window_start", days, batches, COLUMNS
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
    nasty = "x'); DROP TABLE t;--, \"quoted\"\nnew line"
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
            cursor, tables.linkedin_learners, batches, LEARNER_SCHEMA.names, newer_column="last_seen_on"
        )


def names(warehouse):
    with warehouse.transaction() as cursor:
        cursor.execute("SELECT learner_urn, name, custom_attributes FROM linkedin_learning.learners ORDER BY 1")
        return cursor.fetchall()


def test_upsert_keeps_one_row_per_key_with_the_newest_details(warehouse):
    upsert(warehouse, learner("a", "Old", DAY_1), learner("a", "New", DAY_2), learner("b", "Bea", DAY_1))
    assert names(warehouse) == [("a", "New", {"team": "finance"}), ("b", "Bea", {"team": "finance"})]


def test_upsert_of_older_details_does_not_overwrite_newer_ones(warehouse):
    """Backfilling an old day must not roll a learner's details back in time."""
    upsert(warehouse, learner("a", "New", DAY_2))
    upsert(warehouse, learner("a", "Old", DAY_1))
    assert names(warehouse)[0][1] == "New"
