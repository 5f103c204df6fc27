"""Days fail alone: a ranged run that fails is run again one day at a time, so that one day refused
for good keeps no other day out of the warehouse, and the UI shows each day as it really is."""

from datetime import date, timedelta

import dagster as dg

from learning_platform.defs.linkedin_learning.partitions import daily_partitions as linkedin_days
from learning_platform.defs.linkedin_learning.sensors import linkedin_learning_days_alone
from learning_platform.defs.shared.days_alone import SPLIT_FROM_TAG, failed_range
from learning_platform.defs.thrive.partitions import daily_partitions as thrive_days
from learning_platform.defs.thrive.sensors import thrive_days_alone
from learning_platform.lib.linkedin_learning.records import AGGREGATIONS

FIRST = date(2026, 10, 1)
DAYS = [(FIRST + timedelta(days=n)).isoformat() for n in range(5)]
BAD = DAYS[2]
LINKEDIN_TABLES = tuple(aggregation.stream for aggregation in AGGREGATIONS)


def sensor_requests(sensor, platform, result) -> list[dg.RunRequest]:
    run = platform.instance.get_run_by_id(result.run_id)
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=platform.instance,
        dagster_run=run,
    )
    return [request for request in sensor(context) if isinstance(request, dg.RunRequest)]


def status_by_day(platform, asset_key, partitions_def):
    statuses = platform.instance.get_status_by_partition(
        dg.AssetKey(asset_key), DAYS, partitions_def
    )
    return {day: str(statuses[day].value) if statuses.get(day) else None for day in DAYS}


def test_a_permanent_403_on_day_3_of_5_leaves_the_other_four_loaded_and_day_3_failed_by_name(
    platform, sandbox
):
    sandbox.linkedin.faults.fail(403, times=1000, day=date.fromisoformat(BAD))

    ranged = platform.materialize(DAYS[0], DAYS[-1])
    assert not ranged.success
    requests = sensor_requests(linkedin_learning_days_alone, platform, ranged)
    assert [request.partition_key for request in requests] == DAYS
    assert all(request.tags[SPLIT_FROM_TAG] == ranged.run_id for request in requests)
    # Asking again for the same failure asks for the same runs (run keys): a day runs once.
    assert [r.run_key for r in requests] == [
        r.run_key for r in sensor_requests(linkedin_learning_days_alone, platform, ranged)
    ]

    alone = {
        request.partition_key: platform.materialize(request.partition_key) for request in requests
    }

    assert [day for day, result in alone.items() if not result.success] == [BAD]
    failure = alone[BAD].get_run_failure_event().message + "".join(
        str(event.event_specific_data)
        for event in alone[BAD].all_events
        if event.event_type_value == "STEP_FAILURE"
    )
    assert BAD in failure and "403" in failure
    for table in LINKEDIN_TABLES:
        loaded = platform.query(
            f"SELECT DISTINCT window_start::text FROM linkedin_learning.{table} ORDER BY 1"
        )
        assert [day for (day,) in loaded] == [day for day in DAYS if day != BAD]
        assert status_by_day(platform, ["linkedin_learning", table], linkedin_days) == {
            day: "FAILED" if day == BAD else "MATERIALIZED" for day in DAYS
        }
    # The day's own run failed alone: no split of a one-day run.
    assert sensor_requests(linkedin_learning_days_alone, platform, alone[BAD]) == []

    # RELIABILITY case 10: once the upstream relents, retrying only the failed day completes the
    # range, and every day holds exactly the upstream's figures.
    sandbox.linkedin.faults.clear()
    assert platform.materialize(BAD).success
    reports = sandbox.linkedin.reports
    for aggregation in AGGREGATIONS:
        assert status_by_day(
            platform, ["linkedin_learning", aggregation.stream], linkedin_days
        ) == dict.fromkeys(DAYS, "MATERIALIZED")
        for day in DAYS:
            totals = dict(
                platform.query(
                    f"SELECT concat_ws('/', engagement_type, engagement_qualifier, nullif(asset_type, '')),"
                    f" sum(engagement_value)::bigint FROM linkedin_learning.{aggregation.stream}"
                    " WHERE window_start = %s GROUP BY 1",
                    date.fromisoformat(day),
                )
            )
            expected = reports.expected_totals(
                date.fromisoformat(day),
                aggregation.primary,
                aggregation.secondary,
                asset_type=aggregation.asset_type,
            )
            assert totals == {
                "/".join(part for part in key if part): value for key, value in expected.items()
            }


def test_an_unknown_verb_on_one_day_keeps_only_that_day_out(platform, sandbox):
    sandbox.thrive.faults.unknown_verb(date.fromisoformat(BAD), value="bookmarked")

    ranged = platform.materialize_thrive(DAYS[0], DAYS[-1])
    assert not ranged.success
    assert platform.query("SELECT count(*) FROM thrive.activities") == [(0,)]

    for request in sensor_requests(thrive_days_alone, platform, ranged):
        platform.materialize_thrive(request.partition_key, request.partition_key)

    loaded = platform.query(
        "SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date::text FROM thrive.activities"
        " ORDER BY 1"
    )
    assert [day for (day,) in loaded] == [day for day in DAYS if day != BAD]
    assert status_by_day(platform, ["thrive", "activities"], thrive_days) == {
        day: "FAILED" if day == BAD else "MATERIALIZED" for day in DAYS
    }


def test_runs_that_are_not_a_failed_range_of_the_source_are_not_split():
    ranged = {
        "dagster/asset_partition_range_start": DAYS[0],
        "dagster/asset_partition_range_end": DAYS[-1],
    }
    linkedin = [dg.AssetKey(["linkedin_learning", "learner_activity_staged"])]
    thrive = [dg.AssetKey(["thrive", "activities_staged"])]

    def days(tags, planned=linkedin):
        run = dg.DagsterRun(job_name="__ASSET_JOB", run_id="r", tags=tags)
        return failed_range(run, planned, "linkedin_learning", linkedin_days)

    assert days(ranged) == DAYS
    assert days({}) == []  # one day: alone already
    assert days({**ranged, "dagster/will_retry": "true"}) == []  # retried whole first
    assert days(ranged, planned=thrive) == []  # another source's run
