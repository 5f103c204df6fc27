"""Vocabulary and key validation over staged Arrow tables."""

import pyarrow as pa

from learning_platform.lib.validation import keys_present_and_unique, known_values

ALLOWED = frozenset({"VIEWS", "COMPLETIONS"})


def table(**columns) -> pa.Table:
    return pa.table(columns)


def test_known_values_pass_and_say_how_many_rows():
    finding = known_values(
        table(kind=["VIEWS", "COMPLETIONS"], id=[1, 2]), "kind", ALLOWED, sample_columns=["id"]
    )
    assert finding.passed and "2 rows" in finding.summary


def test_unknown_values_are_named_with_counts_and_samples_most_frequent_first():
    staged = table(kind=["VIEWS", "BOOKMARKS", "BOOKMARKS", "LIKES"], id=[1, 2, 3, 4])
    finding = known_values(
        staged, "kind", ALLOWED, sample_columns=["id", "kind"], label="engagementType"
    )
    assert not finding.passed
    assert [(item["value"], item["count"]) for item in finding.details["unknown_values"]] == [
        ("BOOKMARKS", 2),
        ("LIKES", 1),
    ]
    assert finding.details["unknown_values"][0]["samples"] == [
        {"id": 2, "kind": "BOOKMARKS"},
        {"id": 3, "kind": "BOOKMARKS"},
    ]
    assert "'BOOKMARKS' (2 rows)" in finding.summary and "engagementType" in finding.summary


def test_case_or_space_variants_are_not_silently_accepted():
    """LinkedIn's enums are upper-case constants: ' views' is a different value, reported as such."""
    finding = known_values(
        table(kind=["views", " VIEWS"]), "kind", ALLOWED, sample_columns=["kind"]
    )
    assert not finding.passed
    assert {item["value"] for item in finding.details["unknown_values"]} == {"views", " VIEWS"}


def test_a_missing_vocabulary_value_counts_as_unknown():
    finding = known_values(
        table(kind=pa.array([None, "VIEWS"], pa.string())), "kind", ALLOWED, sample_columns=["kind"]
    )
    assert not finding.passed
    assert finding.details["unknown_values"][0]["value"] is None


def test_missing_and_duplicate_keys_are_both_reported():
    staged = table(day=["d1", "d1", "d1", None], who=["a", "a", "b", "c"])
    finding = keys_present_and_unique(staged, ["day", "who"])
    assert not finding.passed
    assert finding.details["missing_keys"] == {"day": 1}
    assert finding.details["duplicate_keys"] == 1
    assert finding.details["duplicate_samples"] == [{"day": "d1", "who": "a", "count_all": 2}]


def test_an_empty_partition_passes_both_checks():
    empty = pa.table({"day": pa.array([], pa.string()), "kind": pa.array([], pa.string())})
    assert known_values(empty, "kind", ALLOWED, sample_columns=["day"]).passed
    assert keys_present_and_unique(empty, ["day"]).passed
