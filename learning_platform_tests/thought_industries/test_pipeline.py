"""Thought Industries drops end to end: a CSV in the drop folder -> staged Parquet -> blocking
checks -> PostgreSQL, and the sensor that turns files into partitions and runs."""

import logging
import os
import uuid

import dagster as dg
import pytest

from learning_platform.defs.thought_industries.partitions import drop_file_partitions
from learning_platform.defs.thought_industries.resources import ThoughtIndustriesDrops
from learning_platform.defs.thought_industries.sensors import thought_industries_drop_sensor
from learning_platform.lib import vocabulary

HEADER = "Email,Panorama Name,Content Type,Content Title,Type,Source,Timestamp"
ROWS = [
    "ada@example.com,Academy,course,Negotiation,enrollment,course_purchase,2026-11-20T10:00:00.000Z",
    "ada@example.com,Academy,course,Negotiation,status_change,course_started,2026-11-20T10:05:00.000Z",
    "ada@example.com,Academy,course,Negotiation,status_change,course_completed,2026-11-21T09:00:00.000Z",
    "ada@example.com,Academy,course,Negotiation,certificate_grant,course_completed,2026-11-21T09:00:01.000Z",
    "bob@example.com,,webinar,Security,enrollment,gift-course-purchase,2026-11-21T11:00:00.000Z",
    "bob@example.com,,webinar,Security,status_change,Manager_grant_completed,2026-11-22T11:00:00.000Z",
]


def drop(platform, name: str, rows, *, header: str = HEADER, crlf: bool = False) -> str:
    platform.drops.mkdir(parents=True, exist_ok=True)
    ending = "\r\n" if crlf else "\n"
    (platform.drops / name).write_text(ending.join([header, *rows]) + ending, encoding="utf-8")
    return name


def table_state(platform):
    return platform.query(
        "SELECT count(*), md5(coalesce(string_agg(row(action_id, learner_email, panorama_name, "
        "content_type, content_title, action_type, action_source, occurred_at)::text, '|' "
        "ORDER BY action_id), '')) FROM thought_industries.content_actions"
    )[0]


def evaluations(result):
    return {
        evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()
    }


def test_a_bom_crlf_export_with_quoted_newlines_loads_exactly(platform):
    rows = [
        'ada@example.com,Academy,course,"Negotiation, ""the hard way""",enrollment,sso,2026-11-20T10:00:00Z',
        'bob@example.com,Academy,video,"Two\r\nlines: café",enrollment,sso,2026-11-20T11:00:00Z',
    ]
    platform.drops.mkdir(parents=True)
    (platform.drops / "export.csv").write_bytes(
        b"\xef\xbb\xbf" + "\r\n".join([HEADER, *rows, ""]).encode()
    )

    result = platform.materialize_drop("export.csv")

    assert result.success
    titles = platform.query(
        "SELECT content_title, line FROM thought_industries.content_actions ORDER BY line"
    )
    assert titles == [('Negotiation, "the hard way"', 2), ("Two\r\nlines: café", 3)]
    assert platform.query(
        "SELECT file_name, rows_read, rows_new FROM thought_industries.drop_files"
    ) == [("export.csv", 2, 2)]


def test_an_overlapping_export_and_a_redelivered_copy_add_no_rows(platform):
    assert platform.materialize_drop(drop(platform, "first.csv", ROWS[:4])).success
    # The second export overlaps the first (rows 2..4), and fills in a Panorama left blank.
    overlapping = [row.replace(",Academy,", ",,") for row in ROWS[2:4]] + ROWS[4:]
    assert platform.materialize_drop(drop(platform, "second.csv", overlapping)).success
    after_two = table_state(platform)
    (platform.drops / "copy-of-second.csv").write_bytes(
        (platform.drops / "second.csv").read_bytes()
    )

    result = platform.materialize_drop("copy-of-second.csv")

    assert result.success
    assert table_state(platform) == after_two
    assert after_two[0] == len(ROWS)
    registry = platform.query(
        "SELECT file_name, rows_read, rows_new, same_content_as FROM thought_industries.drop_files ORDER BY file_name"
    )
    assert registry == [
        ("copy-of-second.csv", 4, 0, "second.csv"),
        ("first.csv", 4, 4, None),
        ("second.csv", 4, 2, None),
    ]
    # The overlap kept the Panorama the first export gave.
    assert platform.query(
        "SELECT count(*) FROM thought_industries.content_actions WHERE panorama_name = 'Academy'"
    ) == [(4,)]


def test_a_blank_panorama_is_filled_in_by_a_later_export(platform):
    assert platform.materialize_drop(
        drop(platform, "blank.csv", [r.replace(",Academy,", ",,") for r in ROWS[:2]])
    ).success
    assert platform.materialize_drop(drop(platform, "filled.csv", ROWS[:2])).success

    assert platform.query(
        "SELECT DISTINCT panorama_name FROM thought_industries.content_actions"
    ) == [("Academy",)]
    assert table_state(platform)[0] == 2


def test_duplicate_rows_inside_one_file_count_once(platform):
    result = platform.materialize_drop(drop(platform, "dupes.csv", [ROWS[0], ROWS[0], ROWS[1]]))

    assert result.success
    assert table_state(platform)[0] == 2


def test_an_empty_header_only_file_is_processed_and_loads_nothing(platform):
    result = platform.materialize_drop(drop(platform, "empty.csv", []))

    assert result.success
    assert table_state(platform)[0] == 0
    assert platform.query("SELECT rows_read, rows_new FROM thought_industries.drop_files") == [
        (0, 0)
    ]


def test_a_missing_column_rejects_the_file_by_name(platform):
    header = HEADER.replace(",Type,", ",")
    result = platform.materialize_drop(drop(platform, "no-type.csv", [], header=header))

    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "no-type.csv: no 'Type' column" in failure.step_failure_data.error.to_string()
    assert table_state(platform)[0] == 0


@pytest.mark.parametrize(
    ("row", "check", "value"),
    [
        (ROWS[0].replace(",enrollment,", ",unenrollment,"), "action_type_known", "unenrollment"),
        (
            ROWS[0].replace(",course_purchase,", ",passed_exam,"),
            "type_source_documented",
            "enrollment/passed_exam",
        ),
    ],
)
def test_an_unknown_type_or_an_undocumented_pair_fails_the_check_and_leaves_the_table(
    platform, row, check, value
):
    assert platform.materialize_drop(drop(platform, "good.csv", ROWS[1:3])).success
    before = table_state(platform)

    result = platform.materialize_drop(drop(platform, "bad.csv", [ROWS[3], row]))

    assert not result.success
    evaluation = evaluations(result)[check]
    assert not evaluation.passed
    assert "bad.csv" in evaluation.description and value in evaluation.description
    (unknown,) = evaluation.metadata["unknown_values"].value
    assert unknown["value"] == value and unknown["samples"][0]["line"] == 3
    assert "learner_email" not in unknown["samples"][0]
    # As the UI shows it: a markdown table of the value, its count and the line, no e-mail.
    table = evaluation.metadata["samples_table"].value
    assert f"| {value} | 1 | 3 |" in table and "@" not in table
    assert table_state(platform) == before


def test_after_the_vocabulary_is_extended_rerunning_the_file_loads_it(platform, monkeypatch):
    name = drop(
        platform,
        "bad.csv",
        [ROWS[0].replace(",enrollment,course_purchase,", ",unenrollment,self,")],
    )
    assert not platform.materialize_drop(name).success
    monkeypatch.setattr(
        vocabulary,
        "THOUGHT_INDUSTRIES_ACTION_TYPES",
        vocabulary.THOUGHT_INDUSTRIES_ACTION_TYPES | {"unenrollment"},
    )
    monkeypatch.setitem(
        vocabulary.THOUGHT_INDUSTRIES_SOURCES_BY_TYPE, "unenrollment", frozenset({"self"})
    )

    assert platform.materialize_drop(name).success
    assert table_state(platform)[0] == 1


def test_unreadable_rows_are_kept_apart_with_their_lines_and_the_rest_loads(platform):
    good = [
        f"user{n}@example.com,P,course,T,enrollment,sso,2026-11-20T10:00:00Z" for n in range(20)
    ]
    bad = ["ada@example.com,Academy,course", "bob@example.com,,course,T,enrollment,sso,not a time"]
    result = platform.materialize_drop(drop(platform, "ragged.csv", good[:10] + bad + good[10:]))

    assert result.success
    assert table_state(platform)[0] == len(good)
    assert platform.query(
        "SELECT line, reason FROM thought_industries.content_action_rejects ORDER BY line"
    ) == [
        (12, "3 fields where the header has 7"),
        (13, "Timestamp 'not a time' is not a date and time"),
    ]
    assert platform.query("SELECT rows_read, rows_rejected FROM thought_industries.drop_files") == [
        (20, 2)
    ]
    staged = result.asset_materializations_for_node("thought_industries__content_actions_staged")[0]
    assert [item["line"] for item in staged.metadata["rejected_lines"].value] == [12, 13]


def test_a_run_of_the_table_alone_does_not_load_what_the_checks_refused(platform):
    name = drop(platform, "bad.csv", [ROWS[0].replace(",enrollment,", ",unenrollment,")])
    assert not platform.materialize_drop(
        name, selection="thought_industries/content_actions_staged"
    ).success

    result = platform.materialize_drop(name, selection="thought_industries/content_actions")

    assert not result.success
    assert table_state(platform)[0] == 0


# -- the sensor --------------------------------------------------------------------------------


class Sensor:
    """The drop sensor ticking against the test instance, its cursor carried between ticks."""

    def __init__(self, platform):
        self.platform = platform
        self.cursor = None

    def tick(self):
        context = dg.build_sensor_context(
            instance=self.platform.instance,
            cursor=self.cursor,
            resources={
                "thought_industries_drops": ThoughtIndustriesDrops(url=str(self.platform.drops))
            },
        )
        result = thought_industries_drop_sensor(context)
        if isinstance(result, dg.SensorResult):
            self.cursor = result.cursor
            for request in result.dynamic_partitions_requests or []:
                self.platform.instance.add_dynamic_partitions(
                    request.partitions_def_name, list(request.partition_keys)
                )
            return result.run_requests or []
        return []


def test_the_sensor_waits_for_a_growing_file_and_takes_it_once_stable(platform):
    sensor = Sensor(platform)
    path = platform.drops / drop(platform, "export.csv", ROWS[:2])

    assert sensor.tick() == []  # first sight: not known to be complete
    with path.open("a") as growing:
        growing.write(ROWS[2] + "\n")
    assert sensor.tick() == []  # it changed since: still being written
    (request,) = sensor.tick()  # unchanged since the last tick

    assert request.partition_key == "export.csv"
    assert request.run_key.startswith("export.csv@")
    assert platform.instance.get_dynamic_partitions(drop_file_partitions.name) == ["export.csv"]


def test_a_second_tick_over_the_same_files_requests_nothing_new(platform):
    sensor = Sensor(platform)
    drop(platform, "a.csv", ROWS[:2])
    drop(platform, "b.csv", ROWS[2:])
    sensor.tick()
    assert {request.partition_key for request in sensor.tick()} == {"a.csv", "b.csv"}

    assert sensor.tick() == []
    # Touched without a change of bytes: looked at again, but nothing to load.
    os.utime(platform.drops / "a.csv", (1, 1))
    assert sensor.tick() == [] and sensor.tick() == []
    # New bytes under the same name: loaded again, under a new run key.
    drop(platform, "a.csv", ROWS[:3])
    sensor.tick()
    (request,) = sensor.tick()
    assert request.partition_key == "a.csv"
    assert platform.instance.get_dynamic_partitions(drop_file_partitions.name) == ["a.csv", "b.csv"]


def test_a_failed_listing_is_a_skip_not_no_files(platform, monkeypatch):
    sensor = Sensor(platform)
    drop(platform, "a.csv", ROWS)
    sensor.tick()
    cursor = sensor.cursor

    def broken(self):
        raise PermissionError("access denied")

    monkeypatch.setattr("learning_platform.lib.thought_industries.drops.DropFolder.list", broken)
    context = dg.build_sensor_context(
        instance=platform.instance,
        cursor=cursor,
        resources={"thought_industries_drops": ThoughtIndustriesDrops(url=str(platform.drops))},
    )
    result = thought_industries_drop_sensor(context)

    assert isinstance(result, dg.SkipReason) and "access denied" in result.skip_message
    monkeypatch.undo()
    sensor.cursor = cursor
    assert [request.partition_key for request in sensor.tick()] == ["a.csv"]


def test_files_the_sensor_takes_load_through_their_runs(platform):
    sensor = Sensor(platform)
    drop(platform, "first.csv", ROWS[:4])
    drop(platform, "second.csv", ROWS[2:])
    sensor.tick()
    for request in sensor.tick():
        assert platform.materialize_drop(request.partition_key).success

    assert table_state(platform)[0] == len(ROWS)


def test_drops_on_an_object_store_url_are_listed_taken_and_loaded(platform):
    """fsspec's in-memory file system stands in for a bucket: no local path anywhere."""
    import fsspec

    memory = fsspec.filesystem("memory")
    url = f"memory://drops-{uuid.uuid4().hex}"
    memory.pipe(f"{url}/2026/export.csv", ("\n".join([HEADER, *ROWS]) + "\n").encode())
    drops = ThoughtIndustriesDrops(url=url)
    platform.resources["thought_industries_drops"] = drops
    cursor = None
    requests = []
    for _ in range(2):
        context = dg.build_sensor_context(
            instance=platform.instance, cursor=cursor, resources={"thought_industries_drops": drops}
        )
        result = thought_industries_drop_sensor(context)
        cursor = result.cursor
        requests += result.run_requests or []

    (request,) = requests
    assert request.partition_key == "2026/export.csv"
    assert platform.materialize_drop(request.partition_key).success
    assert table_state(platform)[0] == len(ROWS)


def test_no_learner_email_in_logs_metadata_or_check_samples(platform, caplog):
    caplog.set_level(logging.DEBUG)
    slipped = "carol@example.com,P,course,T,enrollment,sso,dave@example.com"  # a column slipped
    rows = ROWS + [
        f"user{n}@example.com,P,course,T,enrollment,sso,2026-11-20T10:00:00Z" for n in range(20)
    ]
    results = [
        platform.materialize_drop(drop(platform, "slipped.csv", rows + [slipped])),
        platform.materialize_drop(
            drop(platform, "unknown.csv", [ROWS[0].replace(",enrollment,", ",unenrollment,")])
        ),
        platform.materialize_drop(
            drop(platform, "missing.csv", [ROWS[0].replace(",Negotiation,", ",,")])
        ),
    ]

    assert [result.success for result in results] == [True, False, False]
    everything = platform.everything_recorded(caplog, *results)
    assert "line 28 not loaded: Timestamp (a value with an @)" in everything
    for email in (
        "ada@example.com",
        "bob@example.com",
        "carol@example.com",
        "dave@example.com",
        "user3@example.com",
    ):
        assert email not in everything


def test_running_a_file_again_adds_nothing_and_keeps_what_it_added_first(platform):
    name = drop(platform, "export.csv", ROWS)
    assert platform.materialize_drop(name).success
    before = table_state(platform)

    assert platform.materialize_drop(name).success

    assert table_state(platform) == before
    assert platform.query(
        "SELECT rows_read, rows_new, times_processed FROM thought_industries.drop_files"
    ) == [(len(ROWS), len(ROWS), 2)]


def test_a_nul_byte_in_a_row_is_replaced_and_the_warning_names_its_line(platform):
    rows = [*ROWS[:2], ROWS[2].replace("Negotiation", "Nego\x00tiation"), *ROWS[3:]]

    result = platform.materialize_drop(drop(platform, "nul.csv", rows))

    assert result.success
    assert table_state(platform)[0] == len(ROWS)
    assert platform.query(
        "SELECT count(*) FROM thought_industries.content_actions WHERE content_title = %s",
        "Nego\ufffdtiation",
    ) == [(1,)]
    warning = evaluations(result)["no_nul_characters"]
    assert not warning.passed and warning.severity == dg.AssetCheckSeverity.WARN
    summary = warning.metadata["summary"].value
    assert "nul.csv actions.content_title in line 4" in summary  # the header is line 1
    assert "ada@example.com" not in summary + warning.metadata["replaced"].value
    assert all(evaluations(result)[name].passed for name in ("action_type_known", "keys_present"))
