"""The reporting layer refreshes what changed, not all of history: a day pulled again rewrites that
day's events alone, a re-keyed learner rewrites everything once, and either way the marts equal a
full rebuild. Against the sandbox and a real PostgreSQL."""

from datetime import date

import dagster as dg

from learning_platform.defs.reporting.assets import learner_directory
from learning_platform.defs.reporting.marts import FULL_REFRESH_TAG, reporting_marts
from learning_platform.defs.shared.resources import PseudonymKey
from learning_platform.lib.warehouse import changes
from learning_platform_sandbox import ContentActions

DAYS = ["2026-10-05", "2026-10-06", "2026-10-07"]
TABLES = (
    "reporting.learning_events",
    "reporting.learner_summary",
    "reporting.daily_engagement",
    "reporting.content_engagement",
    "reporting.cpd_hours_monthly",
    "reporting.enrollment_funnel",
    "reporting.content_owner_daily",
    # What two of the marts are added up from, refreshed by month and by (learner, item).
    "reporting_intermediate.learner_months",
    "reporting_intermediate.learner_contents",
)


def build(platform, tags=None):
    result = dg.materialize(
        [learner_directory, reporting_marts],
        resources={
            "warehouse": platform.warehouse,
            "pseudonym_key": PseudonymKey(secret="incremental-test-key-0123456789"),
        },
        instance=platform.instance,
        tags=tags,
    )
    assert result.success
    return result


def load_every_source(platform, organisation):
    assert platform.materialize(DAYS[0], DAYS[-1]).success
    assert platform.materialize_thrive().success
    assert platform.materialize_thrive(DAYS[0], DAYS[-1]).success
    days = [date.fromisoformat(day) for day in DAYS]
    for path in ContentActions(organisation).write_demo_exports(platform.drops, days):
        assert platform.materialize_drop(path.name).success


def row_versions(platform) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Per (source, day): each event and the transaction that last wrote its row (xmin)."""
    versions: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for source, day, event_id, xmin in platform.query(
        "SELECT source, event_date::text, event_id, xmin::text FROM reporting.learning_events"
    ):
        versions.setdefault((source, day), set()).add((event_id, xmin))
    return versions


def marts(platform) -> dict[str, list[tuple]]:
    return {table: platform.query(f"SELECT * FROM {table} ORDER BY 1, 2, 3") for table in TABLES}


def test_the_marts_refresh_what_changed_and_always_equal_a_full_rebuild(platform, organisation):
    load_every_source(platform, organisation)
    build(platform)
    before = row_versions(platform)

    # A day is pulled again from LinkedIn and Thrive, as the schedules' trailing days are: that
    # day's events are written again, every other day's rows stay as they were.
    assert platform.materialize(DAYS[1]).success
    assert platform.materialize_thrive(DAYS[1]).success
    build(platform)

    after = row_versions(platform)
    assert set(after) == set(before)
    for (source, day), events in before.items():
        if day == DAYS[1] and source in ("linkedin_learning", "thrive"):
            # The same events, every row written again.
            assert {event for event, _ in after[(source, day)]} == {event for event, _ in events}
            assert not {xmin for _, xmin in after[(source, day)]} & {xmin for _, xmin in events}
        else:
            assert after[(source, day)] == events, (source, day)  # untouched
    incremental = marts(platform)
    build(platform, tags={FULL_REFRESH_TAG: "true"})
    assert marts(platform) == incremental

    marts_before_revision = incremental

    # A day pulled again no longer has one learner's activity on it (as when LinkedIn revises a
    # day): their events, (learner, item) pairs and month of that day go or shrink.
    learner_urn = platform.query(
        "SELECT learner_urn FROM linkedin_learning.learner_content_activity"
        " WHERE window_start = %s LIMIT 1",
        DAYS[1],
    )[0][0]
    with platform.warehouse.transaction() as cursor:
        cursor.execute(
            "DELETE FROM linkedin_learning.learner_content_activity"
            " WHERE window_start = %s AND learner_urn = %s",
            (DAYS[1], learner_urn),
        )
        changes.days_changed(cursor, "linkedin_learning", [date.fromisoformat(DAYS[1])])
    build(platform)
    incremental = marts(platform)
    assert incremental != marts_before_revision
    build(platform, tags={FULL_REFRESH_TAG: "true"})
    assert marts(platform) == incremental

    # A Thrive user's e-mail changes: their key changes, and every event of theirs, on every day,
    # must carry the new one (the directory notes that everything changed).
    learner = organisation.learners[0]
    old_key = thrive_key(platform, learner.thrive_id)
    with platform.warehouse.transaction() as cursor:
        cursor.execute(
            "UPDATE thrive.users SET email = 'renamed.learner@example.com' WHERE id = %s",
            (learner.thrive_id,),
        )
    build(platform)

    new_key = thrive_key(platform, learner.thrive_id)
    assert new_key != old_key
    thrive_events = platform.query(
        "SELECT (SELECT count(*) FROM thrive.activities WHERE user_id = %s)"
        " + (SELECT count(*) FROM thrive.cpd_entries WHERE user_id = %s)",
        learner.thrive_id,
        learner.thrive_id,
    )[0][0]
    assert platform.query(
        "SELECT count(*) FROM reporting.learning_events WHERE source = 'thrive'"
        " AND learner_key = %s",
        new_key,
    ) == [(thrive_events,)]
    incremental = marts(platform)
    build(platform, tags={FULL_REFRESH_TAG: "true"})
    assert marts(platform) == incremental


def thrive_key(platform, user_id: str) -> str:
    return platform.query(
        "SELECT learner_key FROM directory.learner_identities WHERE source = 'thrive'"
        " AND source_learner_id = %s",
        user_id,
    )[0][0]
