"""The Thought Industries sandbox: the organisation's content actions and CSV exports of them."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from learning_platform.lib.vocabulary import (
    THOUGHT_INDUSTRIES_ACTION_TYPES,
    thought_industries_type_source_pairs,
)
from learning_platform_sandbox import ContentActions, Organisation, append_rows
from learning_platform_sandbox.thought_industries import (
    COLUMNS,
    format_timestamp,
    normalised_source,
)

MONDAY = date(2026, 11, 16)
SUNDAY = MONDAY + timedelta(days=6)
# Completions whose certificate's Source is `course_completed`.
COMPLETIONS_CERTIFIED_AS_COURSE_COMPLETED = {
    "course_completed",
    "recertify_course",
    "recertify_learning_path",
}
HEADER = "Email,Panorama Name,Content Type,Content Title,Type,Source,Timestamp"


@pytest.fixture(scope="module")
def actions() -> ContentActions:
    """The default-size organisation (60 learners, 40 contents): 30 actions a day."""
    return ContentActions(Organisation(seed=7))


def read_rows(path: Path) -> list[list[str]]:
    """Every row of an export, header included, as csv.reader reads it."""
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def natural_key(row: dict[str, str]) -> tuple[str, ...]:
    return (
        row["Email"].strip().lower(),
        row["Content Type"],
        row["Content Title"],
        row["Type"],
        normalised_source(row["Source"]),
        row["Timestamp"],
    )


def read_records(path: Path) -> list[dict[str, str]]:
    header, *rows = read_rows(path)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_export_has_the_report_header_a_bom_and_crlf_line_ends(actions, tmp_path):
    path = actions.write_export(tmp_path, MONDAY, MONDAY)

    data = path.read_bytes()
    assert path.name == "content-actions-2026-11-16-to-2026-11-16.csv"
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.endswith(b"\r\n")
    # Every line ends in CRLF except the line breaks inside the quoted two-line title.
    assert data.count(b"\r\n") >= actions.expected_rows(MONDAY, MONDAY) + 1


def test_export_without_bom_and_with_lf_line_ends(actions, tmp_path):
    path = actions.write_export(tmp_path, MONDAY, MONDAY, bom=False, line_ending="\n")

    data = path.read_bytes()
    assert data.startswith(HEADER.encode() + b"\n")
    assert b"\r" not in data


def test_titles_with_commas_quotes_line_breaks_and_accents_round_trip(actions, tmp_path):
    path = actions.write_export(tmp_path, MONDAY, SUNDAY)

    rows = read_rows(path)[1:]
    expected = actions.actions_between(MONDAY, SUNDAY)
    assert [row[3] for row in rows] == [action.content_title for action in expected]
    titles = {row[3] for row in rows}
    assert 'Negotiation, "the hard way"' in titles
    assert any("\n" in title for title in titles)
    assert any("é" in title for title in titles)
    assert '"Negotiation, ""the hard way"""' in path.read_text(encoding="utf-8-sig")


def test_only_documented_type_source_pairs_and_all_four_types_in_a_week(actions):
    week = actions.actions_between(MONDAY, SUNDAY)

    pairs = {f"{action.action_type}/{normalised_source(action.action_source)}" for action in week}
    assert pairs <= thought_industries_type_source_pairs()
    assert {action.action_type for action in week} == THOUGHT_INDUSTRIES_ACTION_TYPES


def test_the_docs_odd_source_spellings_appear_raw(actions):
    """upstreams.md §3.3: `gift-course-purchase` and `Manager_grant_completed` as the docs spell
    them; both normalise to documented sources, under their own Type."""
    raw = Counter(
        (action.action_type, action.action_source)
        for action in actions.actions_between(MONDAY, SUNDAY)
    )

    assert raw[("enrollment", "gift-course-purchase")] > 0
    assert raw[("status_change", "Manager_grant_completed")] > 0


def test_emails_are_the_organisations_after_trimming_and_lower_casing(actions):
    week = actions.actions_between(MONDAY, SUNDAY)

    learners = {learner.email for learner in actions.organisation.learners}
    assert {action.email.strip().lower() for action in week} <= learners
    written_otherwise = [action.email for action in week if action.email not in learners]
    assert written_otherwise, "some e-mails should carry spaces or capitals"
    assert any(email != email.strip() for email in written_otherwise)


def test_actions_are_distinct_under_the_natural_key_and_counted_by_expected_rows(actions):
    week = actions.actions_between(MONDAY, SUNDAY)

    assert len({action.natural_key for action in week}) == len(week)
    assert len(week) == actions.expected_rows(MONDAY, SUNDAY) == 7 * 30


def test_timestamps_lie_in_their_utc_day_to_the_millisecond(actions):
    for day in (MONDAY, SUNDAY):
        start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        stamps = [action.timestamp for action in actions.actions_on(day)]
        assert all(start <= stamp < start + timedelta(days=1) for stamp in stamps)
        assert all(stamp.microsecond % 1000 == 0 for stamp in stamps)
        assert stamps == sorted(stamps)


def test_a_certificate_for_a_completion_follows_that_completion(actions):
    """Journeys run enrollment, start, completion, certificate: the certificate granted for a
    completion comes seconds after a completion of the same learner and content."""
    week = actions.actions_between(MONDAY, SUNDAY)
    completions = {
        (action.email.strip().lower(), action.content_title): action.timestamp
        for action in week
        if action.action_type == "status_change"
        and action.action_source in COMPLETIONS_CERTIFIED_AS_COURSE_COMPLETED
    }
    certificates = [
        action
        for action in week
        if action.action_type == "certificate_grant" and action.action_source == "course_completed"
    ]

    assert certificates
    for certificate in certificates:
        completed_at = completions[(certificate.email.strip().lower(), certificate.content_title)]
        assert timedelta(0) < certificate.timestamp - completed_at <= timedelta(minutes=3)


def test_same_seed_writes_identical_bytes(tmp_path):
    first = ContentActions(Organisation(seed=11)).write_export(tmp_path / "a", MONDAY, SUNDAY)
    second = ContentActions(Organisation(seed=11)).write_export(tmp_path / "b", MONDAY, SUNDAY)
    other = ContentActions(Organisation(seed=12)).write_export(tmp_path / "c", MONDAY, SUNDAY)

    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_overlapping_demo_exports_share_the_middle_days_actions(actions, tmp_path):
    days = [MONDAY + timedelta(days=offset) for offset in range(6)]

    first, second = actions.write_demo_exports(tmp_path / "drops", days)

    first_rows, second_rows = read_records(first), read_records(second)
    middle = {natural_key(row) for row in first_rows} & {natural_key(row) for row in second_rows}
    assert len(first_rows) == actions.expected_rows(days[0], days[3])
    assert len(second_rows) == actions.expected_rows(days[2], days[5])
    assert len(middle) == actions.expected_rows(days[2], days[3])
    # Some actions the first export left without a panorama, the second names.
    panoramas = {natural_key(row): row["Panorama Name"] for row in second_rows}
    assert any(row["Panorama Name"] == "" and panoramas.get(natural_key(row)) for row in first_rows)


def test_display_timestamps_have_no_zone_and_no_seconds(actions, tmp_path):
    path = actions.write_export(tmp_path, MONDAY, MONDAY, timestamp_format="display")

    stamps = [record["Timestamp"] for record in read_records(path)]
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2} [AP]M", s) for s in stamps)


def test_each_timestamp_format_writes_the_documented_style():
    moment = datetime(2026, 11, 20, 14, 58, 23, tzinfo=timezone.utc)

    assert format_timestamp(moment, "iso") == "2026-11-20T14:58:23.000Z"
    assert format_timestamp(moment, "iso_seconds") == "2026-11-20T14:58:23Z"
    assert format_timestamp(moment, "display") == "11/20/2026 2:58 PM"
    assert format_timestamp(moment, "naive") == "2026-11-20 14:58:23"
    with pytest.raises(ValueError, match="timestamp format"):
        format_timestamp(moment, "epoch")


def test_append_rows_grows_a_file_in_place(actions, tmp_path):
    path = actions.write_export(tmp_path, MONDAY, MONDAY)
    size = path.stat().st_size
    late = ["ada.lovelace.0@example.com", "", "course", "Late", "enrollment", "sso", "x"]

    append_rows(path, [late])

    assert path.stat().st_size > size
    assert read_rows(path)[-1] == late


def test_columns_can_drop_reorder_and_rename_the_case_of_columns(actions, tmp_path):
    columns = ["timestamp", "EMAIL", "Content Title", "Content Type", "Source", "Notes"]

    path = actions.write_export(tmp_path, MONDAY, MONDAY, columns=columns)

    header, *rows = read_rows(path)
    first = actions.actions_on(MONDAY)[0]
    assert header == columns
    assert rows[0][:5] == [
        format_timestamp(first.timestamp, "iso"),
        first.email,
        first.content_title,
        first.content_type,
        first.action_source,
    ]
    assert {row[5] for row in rows} == {""}


def test_panorama_blank_empties_every_panorama_name(actions, tmp_path):
    filled = read_records(actions.write_export(tmp_path, MONDAY, MONDAY, name="filled.csv"))
    blank = read_records(
        actions.write_export(tmp_path, MONDAY, MONDAY, name="blank.csv", panorama_blank=True)
    )

    assert {row["Panorama Name"] for row in filled} >= {"Example Corp Academy", ""}
    assert {row["Panorama Name"] for row in blank} == {""}
    assert [natural_key(row) for row in blank] == [natural_key(row) for row in filled]


def test_extra_rows_are_appended_after_the_actions(actions, tmp_path):
    bad = [["not-an-email", "", "course", "Broken", "enrollment", "teleportation", "yesterday"]]

    path = actions.write_export(tmp_path, MONDAY, MONDAY, extra_rows=bad)

    rows = read_rows(path)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 1 + actions.expected_rows(MONDAY, MONDAY) + 1
    assert rows[-1] == bad[0]


def test_export_leaves_only_the_finished_file_in_the_folder(actions, tmp_path):
    """Written under a hidden temporary name and renamed: a watcher never lists half a file."""
    folder = tmp_path / "drops" / "thought_industries"

    path = actions.write_export(folder, MONDAY, SUNDAY, name="weekly.csv")

    assert list(folder.iterdir()) == [path]
