"""Vocabulary and key validation over staged Arrow tables."""

import numpy as np
import pyarrow as pa

from learning_platform.lib import validation
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


def batches_of(table: pa.Table, rows_per_batch: int):
    """A staged file as the checks read it: the named columns, a batch at a time."""
    return lambda columns: table.select(list(columns)).to_batches(max_chunksize=rows_per_batch)


def test_a_duplicate_split_across_batches_is_found():
    staged = table(day=["d1"] * 5, who=["a", "b", "c", "d", "a"])
    finding = keys_present_and_unique(batches_of(staged, 2), ["day", "who"])
    assert not finding.passed
    assert finding.details["duplicate_samples"] == [{"day": "d1", "who": "a", "count_all": 2}]


def test_a_hash_collision_is_never_reported_as_a_duplicate(monkeypatch):
    """Keys are compared by 64-bit hash first; rows whose hashes repeat are compared exactly."""
    monkeypatch.setattr(
        validation, "_row_hashes", lambda batch: np.zeros(batch.num_rows, dtype=np.uint64)
    )
    staged = table(day=["d1", "d1", "d2"], who=["a", "b", "a"])
    assert keys_present_and_unique(batches_of(staged, 2), ["day", "who"]).passed


def test_unknown_values_are_counted_over_every_batch_with_samples_from_any():
    staged = table(kind=["VIEWS"] * 4 + ["LIKES", "VIEWS", "LIKES"], id=list(range(7)))
    finding = known_values(batches_of(staged, 3), "kind", ALLOWED, sample_columns=["id"])
    assert finding.details["unknown_values"] == [
        {"value": "LIKES", "count": 2, "samples": [{"id": 4}, {"id": 6}]}
    ]


def test_an_email_in_a_checked_column_is_hidden_in_the_summary_samples_and_table():
    """A misaligned row can put an address in a vocabulary column: the check names the problem,
    never the address."""
    staged = table(kind=["VIEWS", "ann@example.com", "LIKES"], id=[1, 2, 3])

    finding = known_values(staged, "kind", ALLOWED, sample_columns=["id", "kind"])

    tables = validation.sample_tables(finding.details)
    assert [table.columns for table in tables] == [["kind (unknown)", "rows with it", "id"]]
    assert sorted(tables[0].rows) == [["(e-mail hidden)", 1, 2], ["LIKES", 1, 3]]
    assert "@" not in finding.summary and "@" not in str(finding.details)
