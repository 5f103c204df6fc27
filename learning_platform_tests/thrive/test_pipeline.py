"""The Thrive streams end to end: sandbox over HTTP -> staged Parquet -> blocking checks -> PostgreSQL."""

import base64
from datetime import date, datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest
import time_machine

from learning_platform.lib import vocabulary
from learning_platform_sandbox.messages import dumps

DAY = "2026-10-06"
NEXT_DAY = "2026-10-07"


def midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=timezone.utc)


def stored_ids(platform, table, time_column, day):
    start = midnight(day)
    rows = platform.query(
        f"SELECT {'id' if table == 'activities' else 'log_entry_id'} FROM thrive.{table} "
        f"WHERE {time_column} >= %s AND {time_column} < %s",
        start,
        start + timedelta(days=1),
    )
    return sorted(row[0] for row in rows)


def checksum(platform, table):
    """An ordered checksum of the business columns: equal only if the rows are exactly equal."""
    key = {"activities": "id", "cpd_entries": "log_entry_id", "users": "id"}[table]
    columns = {
        "activities": "id, user_id, type, occurred_at, context_id, context_type, content_type, name, data, with_context",
        "cpd_entries": "log_entry_id, user_id, content_type, content_name, category_id, category_name, entry_date, duration_minutes, description, is_verified",
        "users": "id, ref, email, first_name, last_name, role, status",
    }[table]
    return platform.query(
        f"SELECT count(*), md5(coalesce(string_agg(row({columns})::text, '|' ORDER BY {key}), '')) "
        f"FROM thrive.{table}"
    )[0]


def check_evaluations(result):
    return {
        f"{evaluation.check_name}@{evaluation.asset_key.path[-1]}": evaluation
        for evaluation in result.get_asset_check_evaluations()
    }


def staged_metadata(result, stream):
    """The metadata of the run's first staged materialization (its first day's, in a ranged run)."""
    materialization = result.asset_materializations_for_node(f"thrive__{stream}_staged")[0]
    return {name: value.value for name, value in materialization.metadata.items()}


def row_counts(result, asset):
    """The `dagster/row_count` each partition's materialization in the run records."""
    return {
        materialization.partition: materialization.metadata["dagster/row_count"].value
        for materialization in result.asset_materializations_for_node(f"thrive__{asset}")
    }


def test_warehouse_rows_for_a_day_equal_the_sandbox(platform, sandbox):
    result = platform.materialize_thrive(DAY)

    assert result.success
    records = sandbox.thrive.records
    day = date.fromisoformat(DAY)
    expected_activities = sorted(record["id"] for record in records.activities_on(day))
    expected_entries = sorted(record["logEntryId"] for record in records.cpd_entries_on(day))
    assert expected_activities and expected_entries
    assert stored_ids(platform, "activities", "occurred_at", DAY) == expected_activities
    assert stored_ids(platform, "cpd_entries", "entry_date", DAY) == expected_entries
    assert platform.query("SELECT count(*) FROM thrive.activities") == [(len(expected_activities),)]
    stored_types = dict(platform.query("SELECT type, count(*) FROM thrive.activities GROUP BY 1"))
    expected_types = {}
    for record in records.activities_on(day):
        expected_types[record["type"]] = expected_types.get(record["type"], 0) + 1
    assert stored_types == expected_types
    assert staged_metadata(result, "activities")["dagster/row_count"] == len(expected_activities)


def test_basic_and_oauth2_load_the_same_rows(platform, sandbox):
    thrive = sandbox.thrive
    assert platform.materialize_thrive(DAY, thrive=platform.thrive_client("basic")).success
    assert thrive.token_requests == 0
    loaded_with_basic = [checksum(platform, t) for t in ("activities", "cpd_entries")]
    with platform.warehouse.transaction() as cursor:
        cursor.execute("DELETE FROM thrive.activities; DELETE FROM thrive.cpd_entries")

    assert platform.materialize_thrive(DAY, thrive=platform.thrive_client("oauth2")).success

    assert thrive.token_requests == 1  # one token for every page of both streams
    assert [checksum(platform, t) for t in ("activities", "cpd_entries")] == loaded_with_basic
    assert loaded_with_basic[0][0] > 0


def test_a_record_at_exactly_midnight_is_stored_once_in_its_own_day(platform, sandbox):
    """The sandbox's bounds are inclusive, so the midnight record comes back in both days' queries."""
    records = sandbox.thrive.records
    (at_midnight,) = [
        record
        for record in records.activities_on(date.fromisoformat(NEXT_DAY))
        if record["date"] == f"{NEXT_DAY}T00:00:00.000Z"
    ]

    assert platform.materialize_thrive(DAY).success
    assert platform.query(
        "SELECT count(*) FROM thrive.activities WHERE id = %s", at_midnight["id"]
    ) == [(0,)]
    result = platform.materialize_thrive(DAY, NEXT_DAY)

    assert result.success
    assert platform.query(
        "SELECT occurred_at FROM thrive.activities WHERE id = %s", at_midnight["id"]
    ) == [(midnight(NEXT_DAY),)]
    total = sum(len(records.activities_on(date.fromisoformat(d))) for d in (DAY, NEXT_DAY))
    assert platform.query("SELECT count(*) FROM thrive.activities") == [(total,)]
    assert staged_metadata(result, "activities")["records_of_neighbouring_days"] > 0
    # The two-day run records each day's own row count on that day's materializations.
    per_day = {d: len(records.activities_on(date.fromisoformat(d))) for d in (DAY, NEXT_DAY)}
    assert row_counts(result, "activities_staged") == row_counts(result, "activities") == per_day
    # The next page is fetched while one is staged, but never two requests at once.
    assert sandbox.thrive.max_in_flight == 1


def test_loading_a_day_twice_changes_nothing(platform):
    assert platform.materialize_thrive(DAY).success
    first = [checksum(platform, t) for t in ("activities", "cpd_entries")]

    assert platform.materialize_thrive(DAY).success

    assert [checksum(platform, t) for t in ("activities", "cpd_entries")] == first
    assert first[0][0] > 0


def test_an_unknown_verb_fails_the_blocking_check_and_keeps_the_previous_rows(platform, sandbox):
    assert platform.materialize_thrive(DAY).success
    before = checksum(platform, "activities")
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(DAY), value="bookmarked", count=2)

    result = platform.materialize_thrive(DAY)

    assert not result.success
    evaluation = check_evaluations(result)["type_known@activities_staged"]
    assert not evaluation.passed
    assert "bookmarked" in evaluation.description
    unknown = evaluation.metadata["unknown_values"].value
    assert unknown[0]["value"] == "bookmarked" and unknown[0]["count"] == 2
    assert set(unknown[0]["samples"][0]) == {"id", "user_id", "type", "occurred_at"}
    assert checksum(platform, "activities") == before
    assert not result.asset_materializations_for_node("thrive__activities")


def test_after_the_vocabulary_is_extended_rerunning_the_day_loads_it(
    platform, sandbox, monkeypatch
):
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(DAY), value="bookmarked", count=1)
    assert not platform.materialize_thrive(DAY).success
    monkeypatch.setattr(
        vocabulary, "THRIVE_ACTIVITY_TYPES", vocabulary.THRIVE_ACTIVITY_TYPES | {"bookmarked"}
    )
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(DAY), value="bookmarked", count=1)

    assert platform.materialize_thrive(DAY).success
    assert platform.query("SELECT count(*) FROM thrive.activities WHERE type = 'bookmarked'") == [
        (1,)
    ]


def test_a_run_of_the_table_alone_does_not_load_what_the_checks_refused(platform, sandbox):
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(DAY), value="bookmarked")
    assert not platform.materialize_thrive(DAY, selection="thrive/activities_staged").success

    result = platform.materialize_thrive(DAY, selection="thrive/activities")

    assert not result.success
    assert platform.query("SELECT count(*) FROM thrive.activities") == [(0,)]


@pytest.mark.parametrize(("received", "loads"), [(-5, False), (12.5, False), ("15", True)])
def test_cpd_duration_minutes_must_be_a_whole_number_not_below_zero(
    platform, sandbox, received, loads
):
    sandbox.thrive.faults.cpd_duration(date.fromisoformat(DAY), received)

    result = platform.materialize_thrive(DAY, selection="thrive/cpd_entries_staged*")

    evaluation = check_evaluations(result)[
        "duration_minutes_whole_and_not_negative@cpd_entries_staged"
    ]
    assert result.success == loads == evaluation.passed
    if not loads:
        (sample,) = evaluation.metadata["samples"].value
        assert sample["duration_minutes_as_received"] == str(received)
        assert platform.query("SELECT count(*) FROM thrive.cpd_entries") == [(0,)]
    else:
        assert (
            platform.query("SELECT count(*) FROM thrive.cpd_entries WHERE duration_minutes = 15")[
                0
            ][0]
            >= 1
        )


def test_429_and_5xx_are_retried_to_a_complete_result(platform, sandbox):
    faults = sandbox.thrive.faults
    faults.fail(429, retry_after=0, endpoint="activities")
    faults.fail(429, endpoint="activities")
    faults.fail(503, endpoint="cpdEntries")
    faults.fail(502, endpoint="cpdEntries")

    result = platform.materialize_thrive(DAY)

    assert result.success
    assert staged_metadata(result, "activities")["retries"] == 2
    assert staged_metadata(result, "cpd_entries")["retries"] == 2
    records = sandbox.thrive.records
    day = date.fromisoformat(DAY)
    assert stored_ids(platform, "activities", "occurred_at", DAY) == sorted(
        record["id"] for record in records.activities_on(day)
    )


@pytest.mark.parametrize("status", [400, 403, 422])
def test_other_4xx_fail_at_once_without_a_retry(platform, sandbox, status):
    sandbox.thrive.faults.fail(status, times=5, endpoint="activities")

    result = platform.materialize_thrive(DAY, selection="thrive/activities_staged*")

    assert not result.success
    assert len([r for r in sandbox.thrive.api_requests if r.path.endswith("/activities")]) == 1
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert f"HTTP {status}" in message and f"Thrive activities day {DAY}" in message
    assert platform.query("SELECT count(*) FROM thrive.activities") == [(0,)]


def test_an_expired_token_is_renewed_once_and_the_data_is_complete(platform, sandbox):
    sandbox.thrive.faults.revoke_tokens_after(1)

    result = platform.materialize_thrive(DAY, thrive=platform.thrive_client("oauth2", page_size=5))

    assert result.success
    assert sandbox.thrive.token_requests == 2
    expected = sorted(
        r["id"] for r in sandbox.thrive.records.activities_on(date.fromisoformat(DAY))
    )
    assert stored_ids(platform, "activities", "occurred_at", DAY) == expected


def test_a_record_served_twice_by_shifting_pages_is_stored_once(platform, sandbox):
    sandbox.thrive.faults.shift_pages("activities")

    result = platform.materialize_thrive(
        DAY, selection="thrive/activities_staged*", thrive=platform.thrive_client(page_size=7)
    )

    assert result.success
    assert staged_metadata(result, "activities")["records_served_twice"] >= 1
    expected = sorted(
        r["id"] for r in sandbox.thrive.records.activities_on(date.fromisoformat(DAY))
    )
    assert stored_ids(platform, "activities", "occurred_at", DAY) == expected


def test_a_mixed_configuration_is_refused_before_any_request(platform, sandbox):
    oauth2 = sandbox.thrive.credentials("oauth2")
    mixed = platform.thrive_client(
        "basic",
        client_id=oauth2["THRIVE_CLIENT_ID"],
        client_secret=oauth2["THRIVE_CLIENT_SECRET"],
    )

    result = platform.materialize_thrive(DAY, thrive=mixed)

    assert not result.success
    assert sandbox.thrive.requests == []


def test_the_users_snapshot_lands_every_learner_with_their_email(platform, sandbox, organisation):
    result = platform.materialize_thrive()

    assert result.success
    stored = dict(platform.query("SELECT id, email FROM thrive.users"))
    assert stored == {user["id"]: user["email"] for user in sandbox.thrive.records.users()}
    assert set(stored) == {learner.thrive_id for learner in organisation.learners}
    assert all(evaluation.passed for evaluation in result.get_asset_check_evaluations())
    # role, status, ids, keys, and the NUL warning
    assert len(result.get_asset_check_evaluations()) == 5

    assert platform.materialize_thrive().success
    assert platform.query("SELECT count(*) FROM thrive.users") == [(len(organisation.learners),)]


def test_no_secret_token_or_learner_email_in_logs_errors_or_metadata(
    platform, sandbox, organisation, debug_logging
):
    caplog = debug_logging
    faults = sandbox.thrive.faults
    faults.revoke_tokens_after(1)
    faults.fail(429, retry_after=0, endpoint="cpdEntries")
    faults.unknown_verb(date.fromisoformat(DAY), value="bookmarked")
    thrive = platform.thrive_client("oauth2")

    results = [platform.materialize_thrive(), platform.materialize_thrive(DAY, thrive=thrive)]
    basic = platform.thrive_client("basic")
    faults.fail(401, endpoint="activities")
    results.append(
        platform.materialize_thrive(DAY, selection="thrive/activities_staged", thrive=basic)
    )

    assert [result.success for result in results] == [True, False, False]
    everything = platform.everything_recorded(caplog, *results)
    secrets = [
        sandbox.thrive.client_secret,
        sandbox.thrive.api_secret,
        *sandbox.thrive._tokens._serial,
    ]
    basic_header = f"{sandbox.thrive.tenant_id}:{sandbox.thrive.api_secret}".encode()
    secrets.append(base64.b64encode(basic_header).decode())
    assert len(secrets) >= 5  # two secrets, at least two tokens (one renewed after the revocation)
    for secret in secrets:
        assert secret not in everything
    for learner in organisation.learners:
        assert learner.email not in everything
    assert "bookmarked" in everything  # the check's finding did reach the log


def test_a_day_fetched_before_its_margin_has_passed_is_marked_incomplete(platform):
    """Records are written as people act: a day read at 00:30 the next morning misses the ones
    still to come within its hour of margin, and says so."""
    with time_machine.travel(midnight(NEXT_DAY) + timedelta(minutes=30), tick=True):
        early = platform.materialize_thrive(DAY, selection="thrive/activities_staged")
    later = platform.materialize_thrive(DAY, selection="thrive/activities_staged")

    assert early.success and later.success
    assert staged_metadata(early, "activities")["incomplete_days"] == [DAY]
    assert staged_metadata(later, "activities")["incomplete_days"] == []


def nul_check(result, stream):
    evaluation = check_evaluations(result)[f"no_nul_characters@{stream}_staged"]
    return evaluation, evaluation.metadata["summary"].value, evaluation.metadata["replaced"].value


def test_a_nul_in_an_activitys_data_is_replaced_and_the_warning_names_the_record(platform, sandbox):
    record = next(
        r for r in sandbox.thrive.records.activities_on(date.fromisoformat(DAY)) if r.get("data")
    )
    changed = {**record, "data": {**record["data"], "note": "be\x00fore"}}
    sandbox.thrive.faults.rewrite(dumps(record), dumps(changed))

    result = platform.materialize_thrive(DAY)

    assert result.success
    assert platform.query(
        "SELECT data->>'note' FROM thrive.activities WHERE id = %s", record["id"]
    ) == [("be\ufffdfore",)]
    assert len(stored_ids(platform, "activities", "occurred_at", DAY)) == len(
        sandbox.thrive.records.activities_on(date.fromisoformat(DAY))
    )
    evaluation, summary, table = nul_check(result, "activities")
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert f"{DAY} records.data in id {record['id']}" in summary
    assert f"id {record['id']}" in table and "fore" not in table + summary  # never the value


def test_a_nul_in_an_activitys_name_is_replaced_and_the_warning_names_the_record(platform, sandbox):
    record = next(
        r for r in sandbox.thrive.records.activities_on(date.fromisoformat(DAY)) if r.get("name")
    )
    changed = {**record, "name": record["name"][:3] + "\x00" + record["name"][3:]}
    sandbox.thrive.faults.rewrite(dumps(record), dumps(changed))

    result = platform.materialize_thrive(DAY)

    assert result.success
    expected = record["name"][:3] + "\ufffd" + record["name"][3:]
    assert platform.query("SELECT name FROM thrive.activities WHERE id = %s", record["id"]) == [
        (expected,)
    ]
    evaluation, summary, _ = nul_check(result, "activities")
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert f"records.name in id {record['id']}" in summary
    assert record["name"] not in summary
    # The CPD entries of the day held none: their warning passes.
    assert nul_check(result, "cpd_entries")[0].passed


def stage_activities(platform, **client_settings):
    result = platform.materialize_thrive(
        DAY, selection="thrive/activities_staged", thrive=platform.thrive_client(**client_settings)
    )
    assert result.success
    area = platform.resources["staging"].area
    path = area.path("thrive", "activities", DAY, "records")
    return pq.read_table(area.fs.open(path, "rb")), result


def test_pages_in_flight_stage_exactly_the_sequential_day(platform, sandbox):
    sequential, _ = stage_activities(platform, page_size=3, max_pages_in_flight=1)
    assert sequential.num_rows > 9  # several pages of 3
    sandbox.thrive.reset_observations()
    sandbox.thrive.faults.slow(0.05, times=10_000)

    concurrent, _ = stage_activities(platform, page_size=3, max_pages_in_flight=4)

    assert 2 <= sandbox.thrive.max_in_flight <= 4
    assert concurrent.equals(sequential)


def test_shifted_pages_in_flight_keep_a_record_served_twice_once(platform, sandbox):
    sequential, _ = stage_activities(platform, page_size=3, max_pages_in_flight=1)
    sandbox.thrive.faults.slow(0.05, times=10_000)
    sandbox.thrive.faults.shift_pages("activities")

    shifted, result = stage_activities(platform, page_size=3, max_pages_in_flight=4)

    assert staged_metadata(result, "activities")["records_served_twice"] >= 1
    assert sorted(shifted.column("id").to_pylist()) == sorted(sequential.column("id").to_pylist())
