"""Thrive records -> rows: the documented shapes, the real-world quirks, and what cannot be stored."""

import json
from datetime import datetime, timezone

import msgspec
import pytest

from learning_platform.lib.thrive.records import (
    ACTIVITIES,
    CPD_ENTRIES,
    MalformedPage,
    RecordError,
    activity_batch,
    cpd_entry_batch,
    whole_minutes,
)


def page(*records):
    body = {
        "pagination": {"totalResults": len(records), "totalPages": 1, "page": 1, "perPage": 1000}
    }
    return json.dumps(body | {"results": list(records)}).encode()


ACTIVITY = {
    "id": "60d5ec49b60b4b3a2c8f9a10",
    "user": "60d5ec49b60b4b3a2c8f9a11",
    "type": "viewed",
    "date": "2020-02-12T14:58:23.621Z",
    "contextId": "64b6f4a8c2e4a1b9d3f2c4a0",
    "contextType": "content",
    "data": {"source": {"source": "feed"}, "duration": "3600"},
    "with": None,
}


def test_an_activity_as_documented_becomes_one_row_with_data_kept_as_received():
    decoded = ACTIVITIES.decode_page(page(ACTIVITY), "2020-02-12")
    row = activity_batch(decoded.results).to_pylist()[0]

    assert row["id"] == ACTIVITY["id"]
    assert row["user_id"] == ACTIVITY["user"]
    assert row["occurred_at"] == datetime(2020, 2, 12, 14, 58, 23, 621000, tzinfo=timezone.utc)
    assert json.loads(row["data"]) == ACTIVITY["data"]
    assert row["with_context"] is None


def test_real_world_data_shapes_and_unknown_fields_load():
    """`data.source` a string, `progresspercentage` a string or a number, fields the docs lack."""
    quirky = [
        ACTIVITY | {"id": "a" * 24, "data": {"source": "feed", "progresspercentage": "42"}},
        ACTIVITY | {"id": "b" * 24, "data": {"progresspercentage": 42.5}, "tenantRef": "x"},
        ACTIVITY | {"id": "c" * 24, "date": "2020-02-12T14:58:23", "with": {"id": "d" * 24}},
    ]
    rows = activity_batch(ACTIVITIES.decode_page(page(*quirky), "day").results).to_pylist()

    assert [json.loads(row["data"]) for row in rows[:2]] == [quirky[0]["data"], quirky[1]["data"]]
    # A stamp without an offset is UTC, like every stamp Thrive sends.
    assert rows[2]["occurred_at"] == datetime(2020, 2, 12, 14, 58, 23, tzinfo=timezone.utc)
    assert json.loads(rows[2]["with_context"]) == {"id": "d" * 24}


def test_an_activity_without_a_date_cannot_be_placed_in_a_day():
    decoded = ACTIVITIES.decode_page(page(ACTIVITY | {"date": None}), "day")

    with pytest.raises(RecordError, match=ACTIVITY["id"]):
        activity_batch(decoded.results)


def test_an_unreadable_date_is_refused_naming_the_value():
    with pytest.raises(RecordError, match="'yesterday'"):
        ACTIVITIES.decode_page(page(ACTIVITY | {"date": "yesterday"}), "day")


def test_a_body_that_is_not_a_page_is_malformed_not_empty():
    with pytest.raises(MalformedPage):
        ACTIVITIES.decode_page(b"<html>busy</html>", "day")
    with pytest.raises(MalformedPage):
        ACTIVITIES.decode_page(b'{"message": "ok"}', "day")


@pytest.mark.parametrize(
    ("received", "minutes"),
    [
        (15, 15),
        (15.0, 15),
        ("15", 15),
        (" 15 ", 15),
        (0, 0),
        (-5, -5),
        (12.5, None),
        ("15m", None),
        (None, None),
        (True, None),
    ],
)
def test_duration_minutes_is_a_whole_number_only_when_one_was_sent(received, minutes):
    assert whole_minutes(msgspec.Raw(json.dumps(received).encode())) == minutes


def test_a_cpd_entry_keeps_its_duration_as_received_beside_the_number():
    entry = {
        "logEntryId": "60d5ec49b60b4b3a2c8f9a10",
        "userId": "60d5ec49b60b4b3a2c8f9a11",
        "activity": {"type": "file", "name": "International Space Station"},
        "category": {"categoryId": "64b6f4a8c2e4a1b9d3f2c4a0", "name": "TECHNOLOGY"},
        "entryDate": "2020-09-25T19:34:23.133Z",
        "durationMinutes": 12.5,
        "description": None,
        "isVerified": True,
    }
    row = cpd_entry_batch(CPD_ENTRIES.decode_page(page(entry), "day").results).to_pylist()[0]

    assert row["duration_minutes"] is None
    assert row["duration_minutes_as_received"] == "12.5"
    assert (row["content_type"], row["category_name"], row["is_verified"]) == (
        "file",
        "TECHNOLOGY",
        True,
    )
