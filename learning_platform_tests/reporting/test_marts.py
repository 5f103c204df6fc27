"""The learner directory and the marts, on a small synthetic organisation whose every figure is
worked out by hand below, in a real PostgreSQL."""

import importlib.metadata
import shutil
import threading
from datetime import date
from decimal import Decimal

import dagster as dg
import psycopg
import pytest
import yaml
from dagster_dbt import DbtProject
from packaging import version

from learning_platform import settings
from learning_platform.defs.reporting import previews
from learning_platform.defs.reporting.assets import learner_directory
from learning_platform.defs.reporting.dbt_project import PROJECT_DIR, dbt_cli, ensure_prepared
from learning_platform.defs.reporting.marts import (
    FULL_REFRESH_TAG,
    build_reporting_marts,
    reporting_marts,
)
from learning_platform.defs.shared.resources import PostgresWarehouse, PseudonymKey
from learning_platform.lib.identity import Pseudonymizer, PseudonymKeyError
from learning_platform.lib.warehouse import changes

MARTS_YML = PROJECT_DIR / "models" / "marts" / "marts.yml"
SECRET = "test-pseudonym-key-0123456789"
KEYS = Pseudonymizer.from_secret(SECRET)
ANN, BOB, CARA, DAN = (
    KEYS.learner_key(email)
    for email in ("ann@example.com", "bob@example.com", "cara@example.com", "dan@example.com")
)
USER01, USER02, USER03 = ("a" * 22 + "01", "a" * 22 + "02", "a" * 22 + "03")
NO_EMAIL = KEYS.source_scoped_key("thrive", USER02)
NOT_IN_SNAPSHOT = KEYS.source_scoped_key("thrive", USER03)
# Everything personal the organisation holds: none of it may reach `reporting`.
PERSONAL = (
    "Ann@Example.COM",
    "ANN@example.com",
    "ann@EXAMPLE.com",
    "cara@example.com",
    "dan@example.com",
    "bob@example.com",
    "Ann Archer",
    "Bob Brown",
    "Noemail",
    "Archer",
)

ORGANISATION = """
INSERT INTO linkedin_learning.learners (learner_urn, name, email, last_seen_on) VALUES
    ('urn:ann', 'Ann Archer', ' Ann@Example.COM', '2026-11-03'),
    ('urn:bob', 'Bob Brown', 'bob@example.com', '2026-11-02');
INSERT INTO linkedin_learning.contents (content_urn, name, last_seen_on) VALUES
    ('urn:course:1', 'SQL Basics', '2026-11-03');
-- The days the activity below covers get their partitions, as a day's first load makes them.
SELECT ops.day_partition('linkedin_learning.learner_content_activity', day)
    FROM (VALUES (date '2026-11-02'), (date '2026-11-03')) days (day);
SELECT ops.attach_day_partition('linkedin_learning.learner_content_activity', day)
    FROM (VALUES (date '2026-11-02'), (date '2026-11-03')) days (day);
INSERT INTO linkedin_learning.learner_content_activity
    (window_start, learner_urn, content_urn, engagement_type, engagement_qualifier, asset_type, engagement_value)
VALUES
    ('2026-11-02', 'urn:ann', 'urn:course:1', 'SECONDS_VIEWED', 'TOTAL', 'COURSE', 600),
    ('2026-11-02', 'urn:ann', 'urn:course:1', 'PROGRESS_PERCENTAGE', 'TOTAL', 'COURSE', 40),
    ('2026-11-03', 'urn:ann', 'urn:course:1', 'COMPLETIONS', 'TOTAL', 'COURSE', 1),
    ('2026-11-03', 'urn:ann', 'urn:course:1', 'SECONDS_VIEWED', 'TOTAL', 'COURSE', 900),
    ('2026-11-02', 'urn:bob', 'urn:course:1', 'SECONDS_VIEWED', 'TOTAL', 'COURSE', 300),
    ('2026-11-02', 'urn:bob', 'urn:course:1', 'COMPLETIONS', 'TOTAL', 'COURSE', 0);
-- The CONTENT report of the same course: 2026-11-02 final (stamped 23:59 Pacific), 2026-11-03
-- loaded at noon, so not final, and without a VIEWS row.
INSERT INTO linkedin_learning.content_activity
    (window_start, content_urn, engagement_type, engagement_qualifier, asset_type, engagement_value, latest_data_at)
VALUES
    ('2026-11-02', 'urn:course:1', 'ENGAGED_LEARNERS', 'UNIQUE', 'COURSE', 2, '2026-11-02T23:59-08:00'),
    ('2026-11-02', 'urn:course:1', 'VIEWS', 'TOTAL', 'COURSE', 2, '2026-11-02T23:59-08:00'),
    ('2026-11-02', 'urn:course:1', 'SECONDS_VIEWED', 'TOTAL', 'COURSE', 900, '2026-11-02T23:59-08:00'),
    ('2026-11-02', 'urn:course:1', 'COMPLETIONS', 'TOTAL', 'COURSE', 0, '2026-11-02T23:59-08:00'),
    ('2026-11-03', 'urn:course:1', 'ENGAGED_LEARNERS', 'UNIQUE', 'COURSE', 1, '2026-11-03T12:00-08:00'),
    ('2026-11-03', 'urn:course:1', 'SECONDS_VIEWED', 'TOTAL', 'COURSE', 900, '2026-11-03T12:00-08:00'),
    ('2026-11-03', 'urn:course:1', 'COMPLETIONS', 'TOTAL', 'COURSE', 1, '2026-11-03T12:00-08:00');
INSERT INTO thrive.users (id, email, first_name, last_name, role, status, snapshot_at) VALUES
    ('{u1}', 'ANN@example.com ', 'Ann', 'Archer', 'learner', 'active', now()),
    ('{u2}', NULL, 'Noemail', 'Person', 'learner', 'active', now());
INSERT INTO thrive.activities (id, user_id, type, occurred_at, context_id, context_type, content_type, name, data)
VALUES
    ('b01', '{u1}', 'viewed', '2026-11-02T10:00Z', 'c1', 'content', 'video', 'Safety 101', '{{"duration": "1200"}}'),
    ('b02', '{u1}', 'completed', '2026-11-02T23:30Z', 'c1', 'content', 'video', 'Safety 101',
     '{{"duration": "60", "progresspercentage": "100"}}'),
    ('b03', '{u2}', 'viewed', '2026-11-03T08:00Z', 'c1', 'content', 'video', 'Safety 101', '{{"duration": "300"}}'),
    ('b04', '{u3}', 'loggedin', '2026-11-04T09:00Z', NULL, NULL, NULL, NULL, '{{}}');
INSERT INTO thrive.cpd_entries
    (log_entry_id, user_id, content_type, content_name, category_id, category_name, entry_date, duration_minutes, is_verified)
VALUES
    ('e01', '{u1}', 'article', 'Reading', 'k1', 'TECHNOLOGY', '2026-11-05T10:00Z', 30, true),
    ('e02', '{u1}', 'article', 'More reading', 'k1', 'TECHNOLOGY', '2026-11-20T10:00Z', 45, false),
    ('e03', '{u1}', 'file', 'A file', NULL, NULL, '2026-12-01T10:00Z', 15, false),
    ('e04', '{u2}', 'video', 'Leading', 'k2', 'LEADERSHIP', '2026-11-06T10:00Z', 60, true);
INSERT INTO thought_industries.content_actions
    (action_id, learner_email, content_type, content_title, action_type, action_source, action_source_raw,
     occurred_at, occurred_at_assumed_utc, source_file, line)
VALUES
    ('t1', 'ann@EXAMPLE.com', 'course', 'Course A', 'enrollment', 'course_purchase', 'course_purchase', '2026-11-01T09:00Z', false, 'f.csv', 2),
    ('t2', 'cara@example.com', 'course', 'Course A', 'enrollment', 'registration', 'registration', '2026-11-01T10:00Z', false, 'f.csv', 3),
    ('t3', 'cara@example.com', 'course', 'Course A', 'status_change', 'course_started', 'course_started', '2026-11-02T10:00Z', false, 'f.csv', 4),
    ('t4', 'cara@example.com', 'course', 'Course A', 'status_change', 'course_completed', 'course_completed', '2026-11-03T10:00Z', false, 'f.csv', 5),
    ('t5', 'cara@example.com', 'course', 'Course A', 'certificate_grant', 'course_completed', 'course_completed', '2026-11-03T10:01Z', false, 'f.csv', 6),
    ('t6', 'dan@example.com', 'course', 'Course B', 'certificate_grant', 'manager_grant', 'manager_grant', '2026-11-04T10:00Z', false, 'f.csv', 7),
    ('t7', 'ann@example.com', 'course', 'Course A', 'revoked_access', 'access_expiration', 'access_expiration', '2026-11-05T10:00Z', false, 'f.csv', 8);
""".format(u1=USER01, u2=USER02, u3=USER03)


MARTS = (
    "learning_events",
    "learner_summary",
    "daily_engagement",
    "content_engagement",
    "cpd_hours_monthly",
    "enrollment_funnel",
    "content_owner_daily",
)


def build(warehouse, secret=SECRET, raise_on_error=True, selection=None, tags=None):
    return dg.materialize(
        [learner_directory, reporting_marts],
        resources={"warehouse": warehouse, "pseudonym_key": PseudonymKey(secret=secret)},
        selection=selection,
        tags=tags,
        raise_on_error=raise_on_error,
    )


@pytest.fixture(scope="module")
def first_build(module_database_url):
    """The organisation above, loaded and built once for the module: a dbt build costs seconds,
    and the tests below only read, or rebuild it to the same content. The warehouse, and what the
    build reported."""
    warehouse = PostgresWarehouse(database_url=module_database_url)
    warehouse.ensure_ready()
    with warehouse.transaction() as cursor:
        cursor.execute(ORGANISATION)
    result = build(warehouse)
    assert result.success
    yield warehouse, result
    warehouse.engine.dispose()


@pytest.fixture(scope="module")
def reporting(first_build):
    return first_build[0]


def rows(warehouse, statement: str) -> list[tuple]:
    with warehouse.transaction() as cursor:
        cursor.execute(statement)
        return cursor.fetchall()


# -- identity -----------------------------------------------------------------------------------


def test_the_same_email_in_any_case_and_spacing_is_one_key():
    assert KEYS.learner_key("ann@example.com") == KEYS.learner_key("  ANN@Example.com\t")
    assert KEYS.learner_key("ann@example.com") != KEYS.learner_key("anne@example.com")
    assert (
        Pseudonymizer.from_secret("another-secret-0123456789").learner_key("ann@example.com") != ANN
    )
    # A source-scoped key is keyed by source and id, and never equals an e-mail's.
    assert KEYS.source_scoped_key("thrive", USER02) != KEYS.source_scoped_key(
        "linkedin_learning", USER02
    )
    assert KEYS.key_for("thrive", USER02, "  ") == (NO_EMAIL, False)
    assert KEYS.key_for("thrive", USER01, "Ann@example.com") == (ANN, True)
    assert SECRET not in repr(KEYS)


@pytest.mark.parametrize(
    "secret, message", [(None, "is not set"), ("", "is not set"), ("short", "is too short")]
)
def test_an_unusable_pseudonym_key_is_refused_naming_the_variable(secret, message):
    with pytest.raises(PseudonymKeyError, match=f"LEARNING_PLATFORM_PSEUDONYM_KEY {message}"):
        Pseudonymizer.from_secret(secret)


def test_a_missing_key_fails_the_directory_at_set_up_and_writes_nothing(warehouse):
    with warehouse.transaction() as cursor:
        cursor.execute(ORGANISATION)
    result = build(warehouse, secret=None, raise_on_error=False)
    assert not result.success
    failures = [
        event.event_specific_data.error.to_string()
        for event in result.all_events
        if event.is_failure
    ]
    assert any("LEARNING_PLATFORM_PSEUDONYM_KEY is not set" in text for text in failures)
    # The directory's tables belong to the migrations: they exist, and nothing was written.
    assert rows(warehouse, "SELECT count(*) FROM directory.learners") == [(0,)]
    assert rows(warehouse, "SELECT count(*) FROM directory.learner_identities") == [(0,)]


# -- the directory ------------------------------------------------------------------------------


def test_the_directory_keys_every_source_identity(reporting):
    identities = rows(
        reporting,
        "SELECT source, source_learner_id, learner_key, keyed_by FROM directory.learner_identities ORDER BY 1, 2",
    )
    assert identities == [
        ("linkedin_learning", "urn:ann", ANN, "email"),
        ("linkedin_learning", "urn:bob", BOB, "email"),
        ("thought_industries", "ann@example.com", ANN, "email"),
        ("thought_industries", "cara@example.com", CARA, "email"),
        ("thought_industries", "dan@example.com", DAN, "email"),
        ("thrive", USER01, ANN, "email"),
        ("thrive", USER02, NO_EMAIL, "source_id"),
        ("thrive", USER03, NOT_IN_SNAPSHOT, "source_id"),
    ]
    ann = rows(
        reporting,
        "SELECT email, names, linkedin_learner_urns, thrive_user_ids, in_thought_industries "
        f"FROM directory.learners WHERE learner_key = '{ANN}'",
    )
    assert ann == [("ann@example.com", ["Ann Archer"], ["urn:ann"], [USER01], True)]
    assert rows(reporting, "SELECT count(*) FROM directory.learners") == [(6,)]


# -- the marts, against figures worked out by hand -----------------------------------------------


def test_learning_events_has_one_row_per_event_with_its_canonical_activity(reporting):
    assert rows(
        reporting, "SELECT source, count(*) FROM reporting.learning_events GROUP BY 1 ORDER BY 1"
    ) == [
        ("linkedin_learning", 5),  # the zero-valued COMPLETIONS row is not an event
        ("thought_industries", 7),
        ("thrive", 8),  # 4 activities and 4 CPD entries
    ]
    assert rows(
        reporting,
        "SELECT learner_key, event_date, activity, source_activity, content_id, content_title, seconds,"
        " progress_percent, quantity FROM reporting.learning_events WHERE learner_key = %s"
        " AND source <> 'thought_industries' ORDER BY occurred_at, source_activity".replace(
            "%s", f"'{ANN}'"
        ),
    ) == [
        (
            ANN,
            date(2026, 11, 2),
            "progressed",
            "PROGRESS_PERCENTAGE",
            "urn:course:1",
            "SQL Basics",
            None,
            Decimal("40.00"),
            1,
        ),
        (
            ANN,
            date(2026, 11, 2),
            "viewed",
            "SECONDS_VIEWED",
            "urn:course:1",
            "SQL Basics",
            600,
            None,
            1,
        ),
        (ANN, date(2026, 11, 2), "viewed", "viewed", "c1", "Safety 101", 1200, None, 1),
        (
            ANN,
            date(2026, 11, 2),
            "completed",
            "completed",
            "c1",
            "Safety 101",
            60,
            Decimal("100.00"),
            1,
        ),
        (
            ANN,
            date(2026, 11, 3),
            "completed",
            "COMPLETIONS",
            "urn:course:1",
            "SQL Basics",
            None,
            None,
            1,
        ),
        (
            ANN,
            date(2026, 11, 3),
            "viewed",
            "SECONDS_VIEWED",
            "urn:course:1",
            "SQL Basics",
            900,
            None,
            1,
        ),
        (ANN, date(2026, 11, 5), "cpd_logged", "cpd_entry", None, "Reading", 1800, None, 1),
        (ANN, date(2026, 11, 20), "cpd_logged", "cpd_entry", None, "More reading", 2700, None, 1),
        (ANN, date(2026, 12, 1), "cpd_logged", "cpd_entry", None, "A file", 900, None, 1),
    ]
    assert rows(
        reporting,
        "SELECT source_activity, activity FROM reporting.learning_events"
        " WHERE source = 'thought_industries' ORDER BY occurred_at",
    ) == [
        ("enrollment/course_purchase", "enrolled"),
        ("enrollment/registration", "enrolled"),
        ("status_change/course_started", "started"),
        ("status_change/course_completed", "completed"),
        ("certificate_grant/course_completed", "certified"),
        ("certificate_grant/manager_grant", "certified"),
        ("revoked_access/access_expiration", "revoked"),
    ]


def test_a_learner_in_all_three_sources_appears_once_with_activity_from_each(reporting):
    summary = rows(
        reporting, f"SELECT * FROM reporting.learner_summary WHERE learner_key = '{ANN}'"
    )
    assert summary == [
        (
            ANN,
            "email",
            ["linkedin_learning", "thought_industries", "thrive"],
            4,
            5,
            2,  # events per source
            date(2026, 11, 1),
            date(2026, 12, 1),
            6,  # first, last, active days
            2760,
            Decimal("0.77"),  # LinkedIn 600 + 900, Thrive 1200 + 60 (CPD apart)
            3,
            2,  # contents engaged, completed
            1,
            0,
            90,  # enrollments, certificates, CPD minutes
        )
    ]


def test_learner_summary_lists_every_learner_with_hand_computed_totals(reporting):
    summary = rows(
        reporting,
        "SELECT learner_key, keyed_by, sources, active_days, learning_seconds, contents_completed,"
        " enrollments, certificates, cpd_minutes FROM reporting.learner_summary",
    )
    assert sorted(summary) == sorted(
        [
            (
                ANN,
                "email",
                ["linkedin_learning", "thought_industries", "thrive"],
                6,
                2760,
                2,
                1,
                0,
                90,
            ),
            (BOB, "email", ["linkedin_learning"], 1, 300, 0, 0, 0, 0),
            (CARA, "email", ["thought_industries"], 3, 0, 1, 1, 1, 0),
            (DAN, "email", ["thought_industries"], 1, 0, 0, 0, 1, 0),
            (NO_EMAIL, "source_id", ["thrive"], 2, 300, 0, 0, 0, 60),
            (NOT_IN_SNAPSHOT, "source_id", ["thrive"], 1, 0, 0, 0, 0, 0),
        ]
    )


def test_daily_engagement_per_day_and_source(reporting):
    daily = rows(
        reporting,
        "SELECT event_date, source, active_learners, events, learning_seconds, completions,"
        " enrollments, cpd_minutes FROM reporting.daily_engagement ORDER BY 1, 2",
    )
    assert daily == [
        (date(2026, 11, 1), "thought_industries", 2, 2, 0, 0, 2, 0),
        (date(2026, 11, 2), "linkedin_learning", 2, 3, 900, 0, 0, 0),
        (date(2026, 11, 2), "thought_industries", 1, 1, 0, 0, 0, 0),
        (date(2026, 11, 2), "thrive", 1, 2, 1260, 1, 0, 0),
        (date(2026, 11, 3), "linkedin_learning", 1, 2, 900, 1, 0, 0),
        (date(2026, 11, 3), "thought_industries", 1, 2, 0, 1, 0, 0),
        (date(2026, 11, 3), "thrive", 1, 1, 300, 0, 0, 0),
        (date(2026, 11, 4), "thought_industries", 1, 1, 0, 0, 0, 0),
        (date(2026, 11, 4), "thrive", 1, 1, 0, 0, 0, 0),
        (date(2026, 11, 5), "thought_industries", 1, 1, 0, 0, 0, 0),
        (date(2026, 11, 5), "thrive", 1, 1, 0, 0, 0, 30),
        (date(2026, 11, 6), "thrive", 1, 1, 0, 0, 0, 60),
        (date(2026, 11, 20), "thrive", 1, 1, 0, 0, 0, 45),
        (date(2026, 12, 1), "thrive", 1, 1, 0, 0, 0, 15),
    ]


def test_content_engagement_ranks_the_most_used_content(reporting):
    content = rows(
        reporting,
        "SELECT popularity_rank, source, content_id, content_title, content_type, learners, events,"
        " learning_seconds, learning_hours, completed_by, first_event_on, last_event_on"
        " FROM reporting.content_engagement ORDER BY popularity_rank",
    )
    assert content == [
        (
            1,
            "linkedin_learning",
            "urn:course:1",
            "SQL Basics",
            "COURSE",
            2,
            5,
            1800,
            Decimal("0.50"),
            1,
            date(2026, 11, 2),
            date(2026, 11, 3),
        ),
        (
            2,
            "thrive",
            "c1",
            "Safety 101",
            "video",
            2,
            3,
            1560,
            Decimal("0.43"),
            1,
            date(2026, 11, 2),
            date(2026, 11, 3),
        ),
        (
            3,
            "thought_industries",
            "course:Course A",
            "Course A",
            "course",
            2,
            6,
            0,
            Decimal("0.00"),
            1,
            date(2026, 11, 1),
            date(2026, 11, 5),
        ),
        (
            4,
            "thought_industries",
            "course:Course B",
            "Course B",
            "course",
            1,
            1,
            0,
            Decimal("0.00"),
            0,
            date(2026, 11, 4),
            date(2026, 11, 4),
        ),
    ]


def test_content_owner_daily_per_course_and_pacific_day(reporting):
    """From the CONTENT report, with the course's title; a metric the day lacks counts 0, and a
    day loaded before LinkedIn's data was complete is not final."""
    assert rows(reporting, "SELECT * FROM reporting.content_owner_daily ORDER BY event_date") == [
        (
            date(2026, 11, 2),
            "urn:course:1",
            "SQL Basics",
            "COURSE",
            None,
            2,
            2,
            900,
            Decimal("0.25"),
            0,
            True,
        ),
        (
            date(2026, 11, 3),
            "urn:course:1",
            "SQL Basics",
            "COURSE",
            None,
            1,
            0,
            900,
            Decimal("0.25"),
            1,
            False,
        ),
    ]


def test_cpd_hours_per_learner_month_and_category(reporting):
    assert rows(reporting, "SELECT * FROM reporting.cpd_hours_monthly ORDER BY minutes") == sorted(
        [
            (ANN, date(2026, 11, 1), "TECHNOLOGY", 2, 75, Decimal("1.25"), 30),
            (ANN, date(2026, 12, 1), "Uncategorised", 1, 15, Decimal("0.25"), 0),
            (NO_EMAIL, date(2026, 11, 1), "LEADERSHIP", 1, 60, Decimal("1.00"), 60),
        ],
        key=lambda row: row[4],
    )


def test_enrollment_funnel_per_course(reporting):
    assert rows(
        reporting,
        "SELECT content_id, content_title, enrolled, started, completed, certified, revoked, completion_rate"
        " FROM reporting.enrollment_funnel ORDER BY content_id",
    ) == [
        # Ann enrolled and lost access; Cara went all the way.
        ("course:Course A", "Course A", 2, 1, 1, 1, 1, Decimal("0.5000")),
        # Dan was certified by a manager: every earlier stage counts as reached.
        ("course:Course B", "Course B", 1, 1, 1, 1, 0, Decimal("1.0000")),
    ]


def relation_ids(warehouse) -> dict[str, int]:
    return dict(
        rows(
            warehouse,
            "SELECT relname, oid::int FROM pg_class WHERE relnamespace = 'reporting'::regnamespace"
            " AND relkind = 'r'",
        )
    )


def test_a_rebuild_gives_the_same_marts(reporting):
    before = {
        mart: rows(reporting, f"SELECT * FROM reporting.{mart} ORDER BY 1, 2") for mart in MARTS
    }
    tables = relation_ids(reporting)
    with reporting.transaction() as cursor:
        changes.everything_changed(cursor, "a test recomputes everything")

    assert build(reporting).success

    assert relation_ids(reporting) == tables  # rows replaced in place, in the same tables
    assert before == {
        mart: rows(reporting, f"SELECT * FROM reporting.{mart} ORDER BY 1, 2") for mart in MARTS
    }


# -- privacy and access -------------------------------------------------------------------------


def test_no_column_of_reporting_holds_an_email_or_a_name(reporting):
    columns = rows(
        reporting,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'reporting'",
    )
    # The marts, and the canonical activities they are reported in (public vocabulary).
    assert {table for table, _ in columns} == {*MARTS, "canonical_activities"}
    for table, column in columns:
        values = rows(reporting, f'SELECT DISTINCT "{column}"::text FROM reporting."{table}"')
        text = " ".join(str(value) for (value,) in values).lower()
        assert "@" not in text, (table, column)
        for personal in PERSONAL:
            assert personal.lower() not in text, (table, column, personal)


def test_each_mart_materialization_previews_its_first_rows_without_emails_or_names(first_build):
    _, result = first_build
    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }

    for mart in MARTS:
        preview = metadata[f"reporting/{mart}"]["preview"].value
        assert "|---|" in preview, mart
        assert "@" not in preview and not any(p.lower() in preview.lower() for p in PERSONAL)
    # Ordered by the primary key, every column shown: the two days of the CONTENT report.
    assert metadata["reporting/content_owner_daily"]["preview"].value.splitlines()[2:] == [
        "| event_date | content_id | content_title | content_type | content_provider "
        "| learners_engaged | views | learning_seconds | learning_hours | completions | is_final |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        "| 2026-11-02 | urn:course:1 | SQL Basics | COURSE |  | 2 | 2 | 900 | 0.25 | 0 | True |",
        "| 2026-11-03 | urn:course:1 | SQL Basics | COURSE |  | 1 | 0 | 900 | 0.25 | 1 | False |",
    ]
    # The learner directory holds the e-mails and names: it is never previewed.
    assert "preview" not in metadata["directory/learners"]


def test_a_column_marked_personal_in_the_yml_is_left_out_of_the_preview(reporting):
    node = {
        "schema": "reporting",
        "name": "learner_summary",
        "columns": {
            "learner_key": {"constraints": [{"type": "primary_key"}]},
            "keyed_by": {"meta": {"pii": True}},
        },
    }
    with reporting.transaction() as cursor:
        preview = previews.preview_markdown(cursor, node)

    header = preview.splitlines()[2]
    assert preview.startswith("The first 6 rows by learner_key, without keyed_by (personal)")
    assert header.startswith("| learner_key | sources |") and "keyed_by" not in header


def test_reporting_reader_reads_reporting_and_nothing_else(reporting):
    with psycopg.connect(reporting.url.replace("+psycopg", "")) as connection:
        assert connection.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'reporting_reader'"
        ).fetchone() == (False,)
        assert connection.execute(
            "SELECT has_database_privilege('reporting_reader', current_database(), 'CONNECT')"
        ).fetchone() == (True,)
        connection.execute("SET ROLE reporting_reader")
        for mart in MARTS:
            connection.execute(f"SELECT count(*) FROM reporting.{mart}").fetchone()
        refused = [
            "SELECT count(*) FROM directory.learners",
            "SELECT count(*) FROM directory.learner_identities",
            "SELECT count(*) FROM linkedin_learning.learners",
            "SELECT count(*) FROM thrive.users",
            "SELECT count(*) FROM thought_industries.content_actions",
            "SELECT count(*) FROM alembic_version",
            "CREATE TABLE reporting.mine (x int)",
            "DELETE FROM reporting.learning_events",
        ]
        for statement in refused:
            with connection.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
                with connection.transaction(force_rollback=True):
                    connection.execute(statement)


def _rebuild_while_reading(warehouse, isolation_levels, rounds, full_refresh):
    """Rebuild learning_events whole `rounds` times (in place, or by dbt's full refresh) while one
    reader per isolation level counts it in a loop; returns every (isolation level, count) seen."""
    url = warehouse.url.replace("+psycopg", "")
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read(isolation):
        try:
            with psycopg.connect(url, autocommit=True) as connection:
                while not stop.is_set():
                    with connection.transaction():
                        connection.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                        count = connection.execute("SELECT count(*) FROM reporting.learning_events")
                        seen.append((isolation, count.fetchone()[0]))
        except BaseException as error:  # reported below
            errors.append(error)

    readers = [threading.Thread(target=read, args=(level,)) for level in isolation_levels]
    for reader in readers:
        reader.start()
    try:
        for _ in range(rounds):
            with warehouse.transaction() as cursor:
                changes.everything_changed(cursor, "a test recomputes everything")
            result = build(
                warehouse,
                selection=["reporting/learning_events"],
                tags={FULL_REFRESH_TAG: "true"} if full_refresh else None,
            )
            assert result.success
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
    assert not errors
    return seen


def test_a_reader_never_sees_an_empty_or_half_built_mart(reporting):
    """Readers count the events while the mart is recomputed whole again and again: every count
    they see is the full count, at any isolation level (the rows are replaced in place)."""
    expected = rows(reporting, "SELECT count(*) FROM reporting.learning_events")[0][0]
    seen = _rebuild_while_reading(
        reporting, ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"], 2, False
    )
    assert {level for level, _ in seen} == {"READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}
    assert {count for _, count in seen} == {expected}


def test_a_full_refresh_swaps_a_new_table_in_without_an_empty_moment(reporting):
    """A full refresh (after a deploy that changes a mart's columns in a way dbt cannot apply in
    place) builds the new table beside the old one and renames it into place. READ COMMITTED
    readers (PostgreSQL's default) see the full count throughout; a REPEATABLE READ snapshot taken
    before the rename would see the new table empty, as with any DDL rewrite in PostgreSQL, which
    is why routine refreshes never swap."""
    expected = rows(reporting, "SELECT count(*) FROM reporting.learning_events")[0][0]
    seen = _rebuild_while_reading(reporting, ["READ COMMITTED"], 2, True)
    assert seen and {count for _, count in seen} == {expected}
    assert rows(
        reporting, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'learning\\_events\\_\\_%'"
    ) == [(0,)]
    # The swapped-in table keeps its primary key, the reader's grant and its documentation.
    assert rows(
        reporting,
        "SELECT a.attname FROM pg_constraint AS c JOIN pg_attribute AS a"
        " ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
        " WHERE c.conrelid = 'reporting.learning_events'::regclass AND c.contype = 'p'",
    ) == [("event_id",)]
    assert rows(
        reporting,
        "SELECT has_table_privilege('reporting_reader', 'reporting.learning_events', 'SELECT'),"
        " obj_description('reporting.learning_events'::regclass)",
    ) == [
        (
            True,
            "One row per learning event across sources: who (learner_key), what, when, how long.",
        )
    ]


def test_every_vocabulary_value_has_a_canonical_activity():
    from learning_platform.lib import vocabulary

    mapped = {(source, value) for source, value, _ in vocabulary.canonical_activities()}
    expected = (
        {("linkedin_learning", value) for value in vocabulary.LINKEDIN_ENGAGEMENT_TYPES}
        | {("thrive", value) for value in vocabulary.THRIVE_ACTIVITY_TYPES}
        | {("thrive", vocabulary.THRIVE_CPD_ENTRY)}
        | {
            ("thought_industries", pair)
            for pair in vocabulary.thought_industries_type_source_pairs()
        }
    )
    assert mapped == expected
    documented = next(
        column["description"]
        for model in yaml.safe_load(MARTS_YML.read_text())["models"]
        if model["name"] == "learning_events"
        for column in model["columns"]
        if column["name"] == "activity"
    )
    assert {activity for _, _, activity in vocabulary.canonical_activities()} <= set(
        documented.split(": ", 1)[1].rstrip(".").split(", ")
    )


def test_the_dbt_version_is_known_without_running_dbt_which_would_call_pypi(monkeypatch):
    import dagster_dbt.core.resource

    def refuse(*args, **kwargs):
        raise AssertionError(f"ran {args[0]}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", refuse)
    assert dbt_cli()._cli_version == version.parse(importlib.metadata.version("dbt-core"))


NEW_MART_SQL = """
-- Learners active per day and source: what a reporting team adds without touching Python.
select event_date, source, count(distinct learner_key) as learners
from {{ ref('learning_events') }}
group by event_date, source
"""
NEW_MART_YML = """
version: 2
models:
  - name: learners_per_day
    description: Learners active per day and source.
    constraints:
      - type: primary_key
        columns: [event_date, source]
    columns:
      - name: event_date
        data_type: date
      - name: source
        data_type: text
      - name: learners
        data_type: bigint
        data_tests: [not_null]
"""


def test_a_mart_added_as_one_sql_file_and_its_yml_entry_is_an_asset_with_lineage_and_checks(
    reporting, tmp_path, monkeypatch
):
    # The platform's warehouse is this test's database: the manifest names its relations there.
    monkeypatch.setenv(settings.DATABASE_URL, reporting.database_url)
    copy = tmp_path / "learning_platform_dbt"
    # With its prepared manifest: the added files alone make the platform parse it again.
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("logs"))
    (copy / "models" / "marts" / "learners_per_day.sql").write_text(NEW_MART_SQL)
    (copy / "models" / "marts" / "learners_per_day.yml").write_text(NEW_MART_YML)
    project = DbtProject(project_dir=copy)
    ensure_prepared(project)

    assets = build_reporting_marts(project)

    key = dg.AssetKey(["reporting", "learners_per_day"])
    assert key in assets.keys
    assert dg.AssetKey(["reporting", "learning_events"]) in {
        dep.asset_key for dep in assets.specs_by_key[key].deps
    }
    assert {check.name for check in assets.check_specs if check.asset_key == key} == {
        "not_null_learners_per_day_learners"
    }
    result = dg.materialize(
        [assets],
        selection=[key],
        resources={"warehouse": reporting},
    )
    assert result.success
    # Its columns and their lineage, as the UI shows them (dagster-dbt reads them from the
    # warehouse and the compiled SQL after the build).
    (materialization,) = result.asset_materializations_for_node("reporting_marts")
    lineage = materialization.metadata["dagster/column_lineage"].value.deps_by_column
    assert [(dep.asset_key, dep.column_name) for dep in lineage["learners"]] == [
        (dg.AssetKey(["reporting", "learning_events"]), "learner_key")
    ]
    schema = materialization.metadata["dagster/column_schema"].value
    assert [(column.name, column.type) for column in schema.columns] == [
        ("event_date", "date"),
        ("source", "text"),
        ("learners", "bigint"),
    ]
    assert rows(reporting, "SELECT sum(learners) FROM reporting.learners_per_day") == rows(
        reporting, "SELECT sum(active_learners) FROM reporting.daily_engagement"
    )
    with reporting.transaction() as cursor:  # the module's other tests list reporting's tables
        cursor.execute("DROP TABLE reporting.learners_per_day")
