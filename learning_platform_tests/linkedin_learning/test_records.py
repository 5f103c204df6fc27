"""Report pages -> rows: keyed by metric, never by position, and nothing lossy passes."""

import json
from datetime import date

import pytest

from learning_platform.lib.linkedin_learning.records import (
    ACCOUNT_ACTIVITY,
    LEARNER_CONTENT_ACTIVITY,
    MalformedPage,
    RecordError,
    content_batch,
    decode_page,
    learner_batch,
)
from learning_platform.lib.linkedin_learning.records import activity_batch as batch_of_elements
from learning_platform.lib.windows import DayWindow

WINDOW = DayWindow(date(2021, 7, 26))
PROFILE = "urn:li:enterpriseProfile:(urn:li:enterpriseAccount:999,60432694)"


def element(*activities, email="jane@corp.com"):
    return {
        "latestDataAt": 1632207540000,
        "learnerDetails": {
            "name": "Jane Doe",
            "email": email,
            "uniqueUserId": "E12345",
            "enterpriseGroups": [],
            "customAttributes": {"team": "finance"},
            "entity": {"profileUrn": PROFILE},
        },
        "contentDetails": {
            "name": "Excel Essential Training",
            "contentUrn": "urn:li:lyndaCourse:563464",
            "locale": {"language": "en", "country": "US"},
            "contentProviderName": "LinkedIn",
            "contentSource": "EXTERNAL",
        },
        "activities": list(activities),
    }


def decoded(*elements):
    """The elements as the client gets them: a page's bytes decoded and type-checked."""
    body = json.dumps({"elements": list(elements), "paging": {"total": len(elements)}})
    return decode_page(body.encode(), WINDOW).elements


def activity_batch(elements, window, aggregation):
    return batch_of_elements(decoded(*elements), window, aggregation)


def metric(engagement_type, value, qualifier="TOTAL", asset_type="COURSE"):
    activity = {
        "engagementType": engagement_type,
        "engagementValue": value,
        "engagementMetricQualifier": qualifier,
        "firstEngagedAt": 1627267600000,
        "lastEngagedAt": 1627354000000,
    }
    if asset_type is not None:
        activity["assetType"] = asset_type
    return activity


def test_each_activity_becomes_one_row_keyed_by_learner_content_and_metric():
    batch = activity_batch(
        [element(metric("SECONDS_VIEWED", 2505), metric("PROGRESS_PERCENTAGE", 45))],
        WINDOW,
        LEARNER_CONTENT_ACTIVITY,
    )
    rows = batch.to_pylist()
    assert [(row["engagement_type"], row["engagement_value"]) for row in rows] == [
        ("SECONDS_VIEWED", 2505),
        ("PROGRESS_PERCENTAGE", 45),
    ]
    assert {row["learner_urn"] for row in rows} == {PROFILE}
    assert {row["content_urn"] for row in rows} == {"urn:li:lyndaCourse:563464"}
    assert {row["window_start"] for row in rows} == {date(2021, 7, 26)}


def test_a_metric_without_asset_type_gets_the_empty_marker_so_it_can_be_keyed():
    batch = activity_batch(
        [{"activities": [metric("DAYS_ACTIVE", 88, "UNIQUE", None)]}], WINDOW, ACCOUNT_ACTIVITY
    )
    assert batch.to_pylist()[0]["asset_type"] == ""


@pytest.mark.parametrize("raw, expected", [("12", 12), (12.0, 12), (7, 7)])
def test_lossless_engagement_values_are_coerced(raw, expected):
    batch = activity_batch([element(metric("VIEWS", raw))], WINDOW, LEARNER_CONTENT_ACTIVITY)
    assert batch.column("engagement_value").to_pylist() == [expected]


@pytest.mark.parametrize("raw", [12.5, "twelve", None, True])
def test_lossy_engagement_values_are_refused_naming_window_and_value(raw):
    with pytest.raises(RecordError, match="2021-07-26") as error:
        activity_batch([element(metric("VIEWS", raw))], WINDOW, LEARNER_CONTENT_ACTIVITY)
    assert repr(raw) in str(error.value)


def test_unknown_vocabulary_is_staged_as_received_for_the_checks_to_judge():
    batch = activity_batch([element(metric("BOOKMARKS", 3))], WINDOW, LEARNER_CONTENT_ACTIVITY)
    assert batch.column("engagement_type").to_pylist() == ["BOOKMARKS"]


def test_a_missing_learner_urn_is_staged_as_null_not_dropped():
    broken = element(metric("VIEWS", 1))
    broken["learnerDetails"]["entity"] = {}
    batch = activity_batch([broken], WINDOW, LEARNER_CONTENT_ACTIVITY)
    assert batch.num_rows == 1
    assert batch.column("learner_urn").null_count == 1


def test_learner_and_content_details_are_taken_from_the_element():
    learners = learner_batch(decoded(element()), WINDOW.day).to_pylist()
    contents = content_batch(decoded(element()), WINDOW.day).to_pylist()
    assert learners[0]["learner_urn"] == PROFILE
    assert json.loads(learners[0]["custom_attributes"]) == {"team": "finance"}
    assert learners[0]["enterprise_groups"] == "[]"
    assert contents[0]["locale_country"] == "US"
    assert contents[0]["last_seen_on"] == WINDOW.day


def test_fields_the_api_adds_later_are_ignored_not_fatal():
    grown = element(dict(metric("VIEWS", 3), engagementSource="MOBILE"))
    grown["newTopLevelField"] = {"anything": [1, 2]}
    assert activity_batch([grown], WINDOW, LEARNER_CONTENT_ACTIVITY).column(
        "engagement_value"
    ).to_pylist() == [3]


def test_a_learner_seen_earlier_the_same_day_is_staged_once():
    """Details are staged per learner and day, not per element: a day of a million elements
    carries each learner's details once."""
    seen = set()
    first = learner_batch(decoded(element(), element()), WINDOW.day, seen)
    again = learner_batch(decoded(element()), WINDOW.day, seen)
    assert first.num_rows == 1 and again.num_rows == 0
    assert seen == {PROFILE}


@pytest.mark.parametrize(
    "body", [b"<html>Bad gateway</html>", b'{"elements": [{"activities": [', b'{"paging": {}}']
)
def test_a_body_that_is_not_a_page_is_malformed_not_empty(body):
    with pytest.raises(MalformedPage):
        decode_page(body, WINDOW)


def test_a_refused_value_names_its_field_but_never_quotes_a_learners_details():
    """The error quotes numbers and enums; a wrong-typed e-mail is named by its path only."""
    broken = element(metric("VIEWS", 1), email=12345)
    with pytest.raises(RecordError) as error:
        decoded(broken)
    assert "learnerDetails.email" in str(error.value)
    assert "12345" not in str(error.value)
