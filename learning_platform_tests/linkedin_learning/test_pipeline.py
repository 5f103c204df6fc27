"""The LinkedIn streams end to end: sandbox over HTTP -> staged Parquet -> blocking checks -> PostgreSQL."""

import re
from datetime import date, timedelta

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from learning_platform.defs.linkedin_learning.assets import linkedin_assets
from learning_platform.lib import vocabulary
from learning_platform.lib.linkedin_learning.load import TABLES
from learning_platform.lib.linkedin_learning.records import (
    AGGREGATIONS,
    LEARNER_ACTIVITY,
    LEARNER_CONTENT_ACTIVITY,
)
from learning_platform.lib.windows import (
    MAX_DAYS_PER_RUN,
    DayWindow,
    batches_of_days,
    window_for_key,
)

DAY = "2026-10-06"


def warehouse_totals(platform, aggregation, day):
    table = TABLES[aggregation.stream]
    rows = platform.query(
        f"SELECT engagement_type, engagement_qualifier, asset_type, sum(engagement_value)::bigint, count(*) "
        f"FROM {table.fullname} WHERE window_start = %s GROUP BY 1, 2, 3",
        date.fromisoformat(day),
    )
    totals = {
        (kind, qualifier, asset_type or None): total
        for kind, qualifier, asset_type, total, _ in rows
    }
    return totals, sum(row[4] for row in rows)


def expected_totals(reports, aggregation, day):
    """The sandbox's totals of the report the aggregation asks for (its assetType filter too)."""
    return reports.expected_totals(
        day, aggregation.primary, aggregation.secondary, asset_type=aggregation.asset_type
    )


def expected_row_count(reports, aggregation, day):
    return reports.expected_row_count(
        day, aggregation.primary, aggregation.secondary, asset_type=aggregation.asset_type
    )


def content_cross_check(platform, day):
    """Per course and metric, content_activity's value next to what learner_content_activity adds
    up to for the same course and day: the sum of the learners' rows, or for ENGAGED_LEARNERS the
    number of learners. Also the courses each table holds that day."""
    compared = platform.query(
        "SELECT c.content_urn, c.engagement_type, c.engagement_value,"
        " CASE WHEN c.engagement_type = 'ENGAGED_LEARNERS'"
        "  THEN (SELECT count(DISTINCT l.learner_urn)"
        "   FROM linkedin_learning.learner_content_activity AS l"
        "   WHERE l.window_start = c.window_start AND l.content_urn = c.content_urn)"
        "  ELSE (SELECT coalesce(sum(l.engagement_value), 0)"
        "   FROM linkedin_learning.learner_content_activity AS l"
        "   WHERE l.window_start = c.window_start AND l.content_urn = c.content_urn"
        "    AND l.engagement_type = c.engagement_type"
        "    AND l.engagement_qualifier = c.engagement_qualifier AND l.asset_type = c.asset_type)"
        " END"
        " FROM linkedin_learning.content_activity AS c"
        " WHERE c.window_start = %s"
        "  AND c.engagement_type IN ('SECONDS_VIEWED', 'COMPLETIONS', 'ENGAGED_LEARNERS')",
        day,
    )
    courses = {
        table: {
            urn
            for (urn,) in platform.query(
                f"SELECT DISTINCT content_urn FROM linkedin_learning.{table}"
                " WHERE window_start = %s AND asset_type = 'COURSE'",
                day,
            )
        }
        for table in ("content_activity", "learner_content_activity")
    }
    return compared, courses


def table_checksum(platform, aggregation):
    """An ordered checksum of the business columns: equal only if the rows are exactly equal."""
    table = TABLES[aggregation.stream]
    keys = ", ".join(aggregation.key_columns)
    columns = ", ".join(
        [
            *aggregation.key_columns,
            "engagement_value",
            "first_engaged_at",
            "last_engaged_at",
            "latest_data_at",
        ]
    )
    return platform.query(
        f"SELECT count(*), md5(coalesce(string_agg(row({columns})::text, '|' ORDER BY {keys}), '')) FROM {table.fullname}"
    )[0]


def recorded_row_counts(instance, key):
    """The `dagster/row_count` of each partition's latest materialization, as the UI shows it."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), limit=1000)
    counts = {}
    for record in reversed(records.records):  # newest first: the newest ends up in the dict
        metadata = record.asset_materialization.metadata
        counts[record.partition_key] = metadata["dagster/row_count"].value
    return counts


def check_evaluations(result):
    return {
        evaluation.check_name + "@" + evaluation.asset_key.path[-1]: evaluation
        for evaluation in result.get_asset_check_evaluations()
    }


def test_warehouse_totals_for_a_window_equal_the_sandbox(platform, sandbox):
    result = platform.materialize(DAY)

    assert result.success
    reports = sandbox.linkedin.reports
    for aggregation in AGGREGATIONS:
        totals, rows = warehouse_totals(platform, aggregation, DAY)
        day = date.fromisoformat(DAY)
        assert totals == expected_totals(reports, aggregation, day)
        assert rows == expected_row_count(reports, aggregation, day)
    learners = {
        row.entity_urn for row in reports.activity_rows(date.fromisoformat(DAY), "INDIVIDUAL")
    }
    assert platform.query("SELECT count(*) FROM linkedin_learning.learners")[0][0] == len(learners)
    assert platform.query("SELECT count(*) FROM linkedin_learning.contents")[0][0] > 0
    # The CONTENT report agrees with INDIVIDUAL+CONTENT course by course, once in the warehouse.
    compared, courses = content_cross_check(platform, date.fromisoformat(DAY))
    assert len(compared) == 3 * len(courses["content_activity"]) > 0
    assert [row for row in compared if row[2] != row[3]] == []
    assert courses["content_activity"] == courses["learner_content_activity"]


def test_loading_a_window_twice_changes_nothing(platform):
    assert platform.materialize(DAY).success
    first = [table_checksum(platform, aggregation) for aggregation in AGGREGATIONS]

    assert platform.materialize(DAY).success

    assert [table_checksum(platform, aggregation) for aggregation in AGGREGATIONS] == first
    assert first[0][0] > 0


def test_a_twenty_day_backfill_runs_in_batches_of_at_most_14_days_with_one_day_per_api_call(
    platform, sandbox
):
    """Dagster splits a backfill by each asset's policy; every call the runs make spans one Pacific day."""
    for asset in linkedin_assets:
        assert asset.backfill_policy == dg.BackfillPolicy.multi_run(
            max_partitions_per_run=MAX_DAYS_PER_RUN
        )
    windows = [DayWindow(date(2026, 9, 1) + timedelta(days=n)) for n in range(20)]
    batches = batches_of_days(windows)
    assert [len(batch) for batch in batches] == [14, 6]

    for batch in batches:
        assert platform.materialize(batch[0].key, batch[-1].key).success

    calls = sandbox.linkedin.report_requests
    assert {
        (call.params["timeOffset.unit"], call.params["timeOffset.duration"]) for call in calls
    } == {("DAY", "1")}
    assert {int(call.params["startedAt"]) for call in calls} == {
        window.start_ms for window in windows
    }
    # The CONTENT report is asked for with the assetType LinkedIn wants, the others without one.
    assert {
        (call.params["aggregationCriteria.primary"], call.params.get("assetType")) for call in calls
    } == {("ACCOUNT", None), ("INDIVIDUAL", None), ("CONTENT", "COURSE")}
    for aggregation in AGGREGATIONS:
        per_day = dict(
            platform.query(
                f"SELECT window_start::text, count(*) FROM {TABLES[aggregation.stream].fullname} "
                "GROUP BY 1"
            )
        )
        assert len(per_day) == 20
        # In a ranged run, each day's materialization records that day's own row count.
        for name in (f"{aggregation.stream}_staged", aggregation.stream):
            key = dg.AssetKey(["linkedin_learning", name])
            assert recorded_row_counts(platform.instance, key) == per_day, name


def test_a_token_revoked_mid_run_is_renewed_once_and_the_data_is_complete(platform, sandbox):
    sandbox.linkedin.faults.revoke_tokens_after(2)

    result = platform.materialize(DAY)

    assert result.success
    assert sandbox.linkedin.token_requests == 2
    totals, _ = warehouse_totals(platform, LEARNER_CONTENT_ACTIVITY, DAY)
    assert totals == sandbox.linkedin.reports.expected_totals(
        date.fromisoformat(DAY), "INDIVIDUAL", "CONTENT"
    )


def test_429_with_and_without_retry_after_and_5xx_are_retried_to_a_complete_result(
    platform, sandbox
):
    faults = sandbox.linkedin.faults
    faults.fail(429, retry_after=1, aggregation="INDIVIDUAL+CONTENT")
    faults.fail(429, aggregation="INDIVIDUAL+CONTENT")
    faults.fail(503, aggregation="INDIVIDUAL+CONTENT")
    faults.fail(502, aggregation="INDIVIDUAL+CONTENT")

    result = platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    )

    assert result.success
    staged = result.asset_materializations_for_node(
        "linkedin_learning__learner_content_activity_staged"
    )[0]
    assert staged.metadata["retries"].value == 4
    totals, _ = warehouse_totals(platform, LEARNER_CONTENT_ACTIVITY, DAY)
    assert totals == sandbox.linkedin.reports.expected_totals(
        date.fromisoformat(DAY), "INDIVIDUAL", "CONTENT"
    )


@pytest.mark.parametrize("status", [400, 403])
def test_400_and_403_fail_at_once_naming_the_window(platform, sandbox, status):
    sandbox.linkedin.faults.fail(status, times=5, aggregation="ACCOUNT")

    result = platform.materialize(DAY, selection="linkedin_learning/account_activity_staged*")

    assert not result.success
    assert len(sandbox.linkedin.report_requests) == 1
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert "2026-10-06" in message and f"HTTP {status}" in message
    assert platform.query("SELECT count(*) FROM linkedin_learning.account_activity") == [(0,)]


def test_an_unknown_engagement_type_fails_the_blocking_check_and_keeps_the_previous_rows(
    platform, sandbox
):
    assert platform.materialize(DAY).success
    before = table_checksum(platform, LEARNER_CONTENT_ACTIVITY)
    sandbox.linkedin.faults.unknown_enum(
        date.fromisoformat(DAY), field="engagementType", value="BOOKMARKS"
    )

    result = platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    )

    assert not result.success
    evaluation = check_evaluations(result)["engagement_type_known@learner_content_activity_staged"]
    assert not evaluation.passed
    unknown = evaluation.metadata["unknown_values"].value
    assert unknown[0]["value"] == "BOOKMARKS" and unknown[0]["count"] > 0
    assert unknown[0]["samples"][0]["engagement_type"] == "BOOKMARKS"
    assert "BOOKMARKS" in evaluation.description
    # As the UI shows it: a table of the unknown value, its count and its sample rows.
    table = evaluation.metadata["samples_table"].value.splitlines()
    assert table[0].startswith("| engagement_type (unknown) | rows with it | window_start |")
    assert table[2].startswith(f"| BOOKMARKS | {unknown[0]['count']} | {DAY} |")
    assert table_checksum(platform, LEARNER_CONTENT_ACTIVITY) == before


def test_after_the_vocabulary_is_extended_rerunning_the_partition_loads_it(
    platform, sandbox, monkeypatch
):
    sandbox.linkedin.faults.unknown_enum(
        date.fromisoformat(DAY), field="engagementType", value="BOOKMARKS"
    )
    assert not platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    ).success
    # The reviewed code change an operator would make: one more value in lib/vocabulary.py.
    monkeypatch.setattr(
        vocabulary,
        "LINKEDIN_ENGAGEMENT_TYPES",
        vocabulary.LINKEDIN_ENGAGEMENT_TYPES | {"BOOKMARKS"},
    )

    assert platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    ).success
    rows = platform.query(
        "SELECT count(*) FROM linkedin_learning.learner_content_activity WHERE engagement_type = 'BOOKMARKS'"
    )
    assert rows[0][0] > 0


def test_a_run_of_the_table_alone_does_not_load_what_the_checks_refused(platform, sandbox):
    """A blocking check only stops the table in the same run; the load itself re-checks the vocabulary."""
    sandbox.linkedin.faults.unknown_enum(
        date.fromisoformat(DAY), field="assetType", value="PODCAST"
    )
    assert not platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    ).success

    result = platform.materialize(DAY, selection="linkedin_learning/learner_content_activity")

    assert not result.success
    assert platform.query("SELECT count(*) FROM linkedin_learning.learner_content_activity") == [
        (0,)
    ]


def test_the_load_reads_the_staged_day_again_only_without_its_checks_in_the_run(platform, sandbox):
    def trusted(result) -> bool:
        messages = [entry.user_message for entry in platform.instance.all_logs(result.run_id)]
        return any("every blocking check passed on these staged files" in m for m in messages)

    with_checks = platform.materialize(DAY, selection="linkedin_learning/learner_activity_staged*")
    alone = platform.materialize(DAY, selection="linkedin_learning/learner_activity")

    assert with_checks.success and trusted(with_checks)
    assert alone.success and not trusted(alone)


def test_no_secret_token_or_learner_email_in_logs_errors_or_metadata(
    platform, sandbox, organisation, debug_logging
):
    caplog = debug_logging
    faults = sandbox.linkedin.faults
    faults.revoke_tokens_after(1)
    faults.fail(429, aggregation="INDIVIDUAL")
    faults.fail(403, times=5, aggregation="ACCOUNT")

    result = platform.materialize(DAY)

    assert not result.success  # the 403 fails ACCOUNT; the others load
    assert platform.query("SELECT count(*) FROM linkedin_learning.learners")[0][0] > 0
    everything = platform.everything_recorded(caplog, result)
    secrets = [
        sandbox.environment()["LINKEDIN_LEARNING_CLIENT_SECRET"],
        *sandbox.linkedin._tokens._serial,
    ]
    assert (
        len(secrets) >= 3
    )  # the secret and at least two tokens (one renewed after the revocation)
    for secret in secrets:
        assert secret not in everything
    for learner in organisation.learners:
        assert learner.email not in everything


def test_a_run_that_fails_after_some_pages_leaves_the_table_as_it_was(platform, sandbox):
    """The API breaks for good on page 3: no partial day reaches the table, and a rerun is clean."""
    client = platform.resources["linkedin_learning"]
    platform.resources["linkedin_learning"] = type(client)(
        **{**client.model_dump(), "page_size": 5}
    )
    selection = "linkedin_learning/learner_content_activity_staged*"
    assert platform.materialize(DAY, selection=selection).success
    before = table_checksum(platform, LEARNER_CONTENT_ACTIVITY)
    assert before[0] > 10  # several pages of 5 elements
    sandbox.linkedin.reset_observations()
    sandbox.linkedin.faults.fail(403, after=2)

    result = platform.materialize(DAY, selection=selection)

    assert not result.success
    # The walk stops at the 403: the pages already in flight end, nothing more is asked.
    statuses = [call.status for call in sandbox.linkedin.report_requests]
    assert statuses[:2] == [200, 200] and statuses.count(403) == 1
    assert len(statuses) <= 3 + client.max_pages_in_flight
    assert table_checksum(platform, LEARNER_CONTENT_ACTIVITY) == before
    assert platform.materialize(DAY, selection=selection).success
    assert table_checksum(platform, LEARNER_CONTENT_ACTIVITY) == before


def test_late_data_for_a_loaded_day_is_picked_up_by_a_rerun_without_duplicates(
    platform, sandbox, organisation
):
    """A day loaded before LinkedIn's data was complete is flagged not final; re-pulling it once
    the data has passed the day's end brings exactly the complete day."""
    window = window_for_key(DAY)
    final_day_through = organisation.data_through
    organisation.data_through = window.start.replace(hour=12)

    early = platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    )
    staged = early.asset_materializations_for_node(
        "linkedin_learning__learner_content_activity_staged"
    )[0]
    assert staged.metadata["not_final_windows"].value == [DAY]
    _, partial_rows = warehouse_totals(platform, LEARNER_CONTENT_ACTIVITY, DAY)

    organisation.data_through = final_day_through
    late = platform.materialize(DAY, selection="linkedin_learning/learner_content_activity_staged*")

    staged = late.asset_materializations_for_node(
        "linkedin_learning__learner_content_activity_staged"
    )[0]
    assert staged.metadata["not_final_windows"].value == []
    totals, rows = warehouse_totals(platform, LEARNER_CONTENT_ACTIVITY, DAY)
    assert 0 < partial_rows < rows
    assert totals == sandbox.linkedin.reports.expected_totals(window.day, "INDIVIDUAL", "CONTENT")


def test_a_lossy_engagement_value_fails_the_day_naming_it_and_loads_nothing(
    platform, sandbox, monkeypatch
):
    """engagementValue 12.5 cannot be stored as a count without loss: the run says so and stops."""
    reports = sandbox.linkedin.reports
    original = reports.report

    def with_a_fraction(query):
        report = original(query)
        elements = report.elements

        def fractional(start=0, stop=None):
            chosen = elements(start, stop)
            if chosen and start == 0:
                chosen[0].activities[0] = chosen[0].activities[0]._replace(value=12.5)
            return chosen

        report.elements = fractional
        return report

    monkeypatch.setattr(reports, "report", with_a_fraction)
    result = platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged*"
    )

    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.error.to_string()
    assert "12.5" in message and "2026-10-06" in message
    assert platform.query("SELECT count(*) FROM linkedin_learning.learner_content_activity") == [
        (0,)
    ]


def test_a_nul_in_a_learners_name_is_replaced_and_the_warning_names_the_learner(platform, sandbox):
    reports = sandbox.linkedin.reports
    urn = min(
        row.entity_urn for row in reports.activity_rows(date.fromisoformat(DAY), "INDIVIDUAL")
    )
    learner = next(person for person in sandbox.organisation.learners if person.profile_urn == urn)
    sandbox.linkedin.faults.rewrite(
        f'"name":"{learner.first_name} {learner.last_name}"',
        f'"name":"{learner.first_name}\\u0000 {learner.last_name}"',
        times=10,  # wherever the learner's details are served that day
    )

    result = platform.materialize(DAY)

    assert result.success
    assert platform.query(
        "SELECT name FROM linkedin_learning.learners WHERE learner_urn = %s", urn
    ) == [(f"{learner.first_name}\ufffd {learner.last_name}",)]
    for aggregation in AGGREGATIONS:  # the day's metrics all loaded
        totals, _ = warehouse_totals(platform, aggregation, DAY)
        day = date.fromisoformat(DAY)
        assert totals == expected_totals(reports, aggregation, day)
    warnings = [
        evaluation
        for name, evaluation in check_evaluations(result).items()
        if name.startswith("no_nul_characters@") and not evaluation.passed
    ]
    assert warnings and all(w.severity.value == "WARN" for w in warnings)
    for warning in warnings:
        summary = warning.metadata["summary"].value
        assert f"{DAY} learners.name in learner_urn {urn}" in summary
        assert learner.last_name not in summary and learner.email not in summary


def test_a_crash_between_the_committed_load_and_its_materialization_reruns_to_the_clean_day(
    platform, sandbox, monkeypatch
):
    """RELIABILITY case 2: the load commits, then the step dies before Dagster records the
    materialization. The day stays unmaterialized (the watermark never runs ahead), and the
    rerun replaces the day: exactly the clean rows, no duplicate."""
    from learning_platform.defs.shared import tables as table_assets

    def crash():
        raise dg.Failure("the step died after the commit", allow_retries=False)

    monkeypatch.setattr(table_assets, "release_free_memory", crash)
    crashed = platform.materialize(DAY)
    monkeypatch.undo()

    assert not crashed.success
    day = date.fromisoformat(DAY)
    reports = sandbox.linkedin.reports
    for aggregation in AGGREGATIONS:
        key = dg.AssetKey(["linkedin_learning", aggregation.stream])
        assert platform.instance.get_materialized_partitions(key) == set()
        _, committed = warehouse_totals(platform, aggregation, DAY)
        assert committed == expected_row_count(reports, aggregation, day)
    first = [table_checksum(platform, aggregation) for aggregation in AGGREGATIONS]

    assert platform.materialize(DAY).success

    assert [table_checksum(platform, aggregation) for aggregation in AGGREGATIONS] == first
    for aggregation in AGGREGATIONS:
        totals, count = warehouse_totals(platform, aggregation, DAY)
        assert totals == expected_totals(reports, aggregation, day)
        assert count == expected_row_count(reports, aggregation, day)
        key = dg.AssetKey(["linkedin_learning", aggregation.stream])
        assert platform.instance.get_materialized_partitions(key) == {DAY}


def test_a_row_postgresql_refuses_fails_the_load_for_good_naming_day_and_record(platform, sandbox):
    """A value no check covers but the table refuses (here a null engagement_value, tampered
    into the staged day) fails the load once, not after retries: the message names the table,
    the day and the record PostgreSQL stopped at, never the failing row PostgreSQL quotes."""
    staged = "linkedin_learning/learner_activity_staged"
    assert platform.materialize(DAY, selection=staged).success
    area = platform.resources["staging"].area
    day_file = pa.Table.from_batches(
        list(area.batches("linkedin_learning", "learner_activity", DAY, "activity"))
    )
    values = day_file.column("engagement_value").to_pylist()
    values[4] = None
    tampered = day_file.set_column(
        day_file.schema.get_field_index("engagement_value"),
        "engagement_value",
        pa.array(values, pa.int64()),
    )
    schema = LEARNER_ACTIVITY.activity_schema
    with area.writer(
        "linkedin_learning",
        "learner_activity",
        DAY,
        "activity",
        schema,
        LEARNER_ACTIVITY.key_columns,
    ) as sink:
        for batch in tampered.to_batches():
            sink.write(batch)
    fifth = tampered.slice(4, 1).to_pylist()[0]

    result = platform.materialize(DAY, selection="linkedin_learning/learner_activity")

    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1  # not retried: loading it again would fail again
    message = failures[0].step_failure_data.error.message
    assert f"linkedin_learning.learner_activity partition {DAY} not loaded" in message
    assert "engagement_value" in message and "SQLSTATE 23502" in message
    assert f"learner_urn {fifth['learner_urn']}" in message
    assert f"engagement_type {fifth['engagement_type']}" in message
    assert "Failing row" not in message
    assert platform.query("SELECT count(*) FROM linkedin_learning.learner_activity") == [(0,)]


def stage_day(platform, **client_settings) -> dict[str, pa.Table]:
    """Stage the INDIVIDUAL+CONTENT day with these client settings; its staged files, read back."""
    client = platform.resources["linkedin_learning"]
    platform.resources["linkedin_learning"] = type(client)(
        **{**client.model_dump(), **client_settings}
    )
    try:
        selection = "linkedin_learning/learner_content_activity_staged"
        assert platform.materialize(DAY, selection=selection).success
    finally:
        platform.resources["linkedin_learning"] = client
    area = platform.resources["staging"].area
    stream = LEARNER_CONTENT_ACTIVITY.stream
    return {
        part: pq.read_table(area.fs.open(area.path("linkedin_learning", stream, DAY, part), "rb"))
        for part in ("activity", "learners", "contents")
    }


def test_four_pages_in_flight_stage_exactly_the_sequential_day(platform, sandbox):
    sequential = stage_day(platform, page_size=5, max_pages_in_flight=1)
    assert sequential["activity"].num_rows > 40  # many pages of 5
    sandbox.linkedin.reset_observations()
    # Each call takes a moment, so that the walk's requests overlap as they would over a network.
    sandbox.linkedin.faults.slow(0.05, times=10_000)

    concurrent = stage_day(platform, page_size=5, max_pages_in_flight=4)

    assert 2 <= sandbox.linkedin.max_reports_in_flight <= 4
    for part, table in sequential.items():
        assert concurrent[part].equals(table), part  # the same rows in the same order


def test_a_429_with_pages_in_flight_still_stages_the_complete_day(platform, sandbox):
    sequential = stage_day(platform, page_size=5, max_pages_in_flight=1)
    sandbox.linkedin.faults.slow(0.05, times=10_000)
    sandbox.linkedin.faults.fail(429, retry_after=1, after=4)

    throttled = stage_day(platform, page_size=5, max_pages_in_flight=4)

    for part, table in sequential.items():
        assert throttled[part].equals(table), part


def test_a_page_failing_for_good_in_flight_stops_the_day_naming_it_and_stages_nothing(
    platform, sandbox
):
    before = stage_day(platform, page_size=5, max_pages_in_flight=1)
    sandbox.linkedin.faults.slow(0.05, times=10_000)
    sandbox.linkedin.faults.fail(403, times=100, after=5)
    client = platform.resources["linkedin_learning"]
    platform.resources["linkedin_learning"] = type(client)(
        **{**client.model_dump(), "page_size": 5, "max_pages_in_flight": 4}
    )

    result = platform.materialize(
        DAY, selection="linkedin_learning/learner_content_activity_staged"
    )

    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert re.search(
        r"INDIVIDUAL/CONTENT window 2026-10-06 .* start=\d+", str(failure.event_specific_data.error)
    )
    platform.resources["linkedin_learning"] = client
    area = platform.resources["staging"].area
    stream = LEARNER_CONTENT_ACTIVITY.stream
    for part, table in before.items():  # the previous staging of the day, untouched
        path = area.path("linkedin_learning", stream, DAY, part)
        assert pq.read_table(area.fs.open(path, "rb")).equals(table), part
