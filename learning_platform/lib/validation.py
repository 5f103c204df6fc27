"""Validation of staged rows: controlled vocabularies and natural keys. Plain functions over Arrow
data read batch by batch, and the Rule that makes one of them a blocking check: every source's
checks and its loaders' last guard run the same rules.

Longer than most modules: the key check's spill-to-disk hashing (a third of it) stays beside the
findings and rules it serves."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from learning_platform.lib import vocabulary
from learning_platform.lib.markdown import hide_emails

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Finding:
    """The outcome of one validation: whether it passed, a sentence, and what a person needs to fix it."""

    passed: bool
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """A sample value as metadata shows it: dates in ISO form, and never an e-mail address (a
    sample column is chosen to hold none, but a misaligned upstream row could put one there)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return hide_emails(value)
    return value


@dataclass(frozen=True)
class SampleTable:
    """Part of a failed finding's details as one table, the way a person reads it to fix the data:
    each unknown value with its count beside its sample rows, each failing row, each repeated key."""

    caption: str | None
    columns: list[str]
    rows: list[list[Any]]


def sample_tables(details: dict[str, Any], caption: str | None = None) -> list[SampleTable]:
    """The tables of a finding's details (those `known_values`, `no_row_where`,
    `keys_present_and_unique` and `all_of` make); none for a finding that passed."""
    tables = []
    for failure in details.get("failures", []):
        tables += sample_tables(failure, caption=failure["summary"])
    if details.get("unknown_values"):
        unknown = details["unknown_values"]
        column = details.get("column")
        sample_columns = [
            name
            for name in dict.fromkeys(
                name for item in unknown for sample in item["samples"] for name in sample
            )
            if name != column  # shown once, as the unknown value
        ]
        rows = [
            [item["value"], item["count"], *(sample.get(k) for k in sample_columns)]
            for item in unknown
            for sample in item["samples"] or [{}]
        ]
        first = f"{column} (unknown)" if column else "unknown value"
        tables.append(SampleTable(caption, [first, "rows with it", *sample_columns], rows))
    if details.get("samples"):
        columns = list(details["samples"][0])
        rows = [[sample.get(k) for k in columns] for sample in details["samples"]]
        tables.append(SampleTable(caption, columns, rows))
    if details.get("missing_keys"):
        rows = [[key, count] for key, count in details["missing_keys"].items()]
        tables.append(SampleTable(caption, ["key column", "rows without it"], rows))
    if details.get("duplicate_samples"):
        keys = [k for k in details["duplicate_samples"][0] if k != "count_all"]
        rows = [[*(d[k] for k in keys), d["count_all"]] for d in details["duplicate_samples"]]
        tables.append(SampleTable(caption, [*keys, "rows with this key"], rows))
    return tables


# Staged rows to validate: a table, or a function that reads the named columns batch by batch
# (a staged file, one or several partitions). Every validation streams: memory stays flat however
# large the partition, and each pass reads only the columns it needs.
Rows = pa.Table | Callable[[Sequence[str]], Iterable[pa.RecordBatch]]

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class Rule:
    """What a staged stream must satisfy before it is loaded: one blocking check, named
    `check_name`, that `run` decides over the staged rows."""

    check_name: str
    description: str
    run: Callable[[Rows], Finding]


def vocabulary_rule(
    check_name: str,
    column: str,
    list_name: str,
    *,
    label: str,
    sample_columns: Sequence[str],
    also_allowed: frozenset[str] = frozenset(),
    description: str | None = None,
) -> Rule:
    """Every value of `column` is in the list `list_name` of lib/vocabulary.py. The list is looked
    up when the check runs, so vocabulary.py stays the one place to extend."""
    return Rule(
        check_name,
        description or f"Every {label} is one lib/vocabulary.py {list_name} knows.",
        lambda rows: known_values(
            rows,
            column,
            getattr(vocabulary, list_name) | also_allowed,
            sample_columns=sample_columns,
            label=label,
        ),
    )


def keys_rule(key_columns: Sequence[str], description: str) -> Rule:
    """The natural key is present on every row and unique."""
    return Rule(
        "keys_present_and_unique",
        description,
        lambda rows: keys_present_and_unique(rows, key_columns),
    )


def all_of(findings: list[Finding]) -> Finding:
    """Several findings as one: passed only if all passed, each failure's details under its label."""
    failed = [finding for finding in findings if not finding.passed]
    if not failed:
        return Finding(
            True, "; ".join(finding.summary for finding in findings), findings[0].details
        )
    return Finding(
        False,
        "; ".join(finding.summary for finding in failed),
        {"failures": [finding.details | {"summary": finding.summary} for finding in failed]},
    )


def _batches(rows: Rows, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
    if isinstance(rows, pa.Table):
        yield from rows.select(list(columns)).to_batches(max_chunksize=BATCH_ROWS)
    else:
        yield from rows(list(columns))


def _row_dicts(batch: pa.RecordBatch) -> list[dict]:
    return [{name: _plain(value) for name, value in row.items()} for row in batch.to_pylist()]


def known_values(
    rows: Rows,
    column: str,
    allowed: frozenset[str],
    *,
    sample_columns: Sequence[str],
    label: str | None = None,
    samples: int = SAMPLE_SIZE,
) -> Finding:
    """Every value of `column` is in `allowed`. A null counts as unknown: a vocabulary column with
    no value is as unusable downstream as one with a value nobody knows.

    One pass reads `column` alone; only when something is unknown does a second pass read the
    sample columns, to show a few rows of each unknown value.
    """
    label = label or column
    counts: Counter = Counter()
    total = 0
    for batch in _batches(rows, [column]):
        total += batch.num_rows
        for entry in pc.value_counts(batch.column(0)).to_pylist():
            counts[entry["values"]] += entry["counts"]
    unknown_counts = {value: count for value, count in counts.items() if value not in allowed}
    if not unknown_counts:
        return Finding(True, f"every {label} is known ({total} rows)", {"rows": total})

    found: dict[Any, list[dict]] = {value: [] for value in unknown_counts}
    wanted = list(dict.fromkeys([*sample_columns, column]))
    for batch in _batches(rows, wanted):
        values = batch.column(wanted.index(column))
        for value, kept in found.items():
            if len(kept) >= samples:
                continue
            mask = pc.is_null(values) if value is None else pc.equal(values, value)
            matching = batch.filter(mask).slice(0, samples - len(kept))
            kept.extend(_row_dicts(matching.select(list(sample_columns))))
        if all(len(kept) >= samples for kept in found.values()):
            break
    unknown = [
        {"value": _plain(value), "count": count, "samples": found[value]}
        for value, count in unknown_counts.items()
    ]
    unknown.sort(key=lambda item: (-item["count"], str(item["value"])))
    values = ", ".join(f"{item['value']!r} ({item['count']} rows)" for item in unknown)
    return Finding(
        False,
        f"unknown {label}: {values}; extend lib/vocabulary.py after review, then re-run the partition",
        {"rows": total, "column": column, "unknown_values": unknown},
    )


def no_row_where(
    rows: Rows,
    columns: Sequence[str],
    is_bad: Callable[[pa.RecordBatch], pa.Array],
    *,
    sample_columns: Sequence[str],
    problem: str,
    passed: str,
    samples: int = SAMPLE_SIZE,
) -> Finding:
    """No row for which `is_bad` (a boolean mask over a batch of `columns`) is true.

    One pass: the mask is computed batch by batch; the first few bad rows are kept as samples,
    showing only `sample_columns` (never a column that could hold an e-mail or a name).
    """
    wanted = list(dict.fromkeys([*columns, *sample_columns]))
    total = bad = 0
    found: list[dict] = []
    for batch in _batches(rows, wanted):
        total += batch.num_rows
        mask = pc.fill_null(is_bad(batch.select(list(columns))), True)
        count = pc.sum(mask).as_py() or 0
        if count:
            bad += count
            if len(found) < samples:
                matching = batch.filter(mask).slice(0, samples - len(found))
                found.extend(_row_dicts(matching.select(list(sample_columns))))
    if not bad:
        return Finding(True, f"{passed} ({total} rows)", {"rows": total})
    return Finding(
        False,
        f"{bad} of {total} rows {problem}",
        {"rows": total, "failing_rows": bad, "samples": found},
    )


def matches_pattern(
    rows: Rows,
    column: str,
    pattern: str,
    *,
    sample_columns: Sequence[str],
    nullable: bool = False,
    label: str | None = None,
) -> Finding:
    """Every value of `column` matches the regular expression `pattern` (a null only if `nullable`)."""
    label = label or column

    def is_bad(batch: pa.RecordBatch) -> pa.Array:
        values = batch.column(0)
        matched = pc.match_substring_regex(values, pattern)
        return pc.invert(pc.fill_null(matched, nullable))

    return no_row_where(
        rows,
        [column],
        is_bad,
        sample_columns=sample_columns,
        problem=f"have a {label} that does not match {pattern}"
        + ("" if nullable else " (or none at all)"),
        passed=f"every {label} matches {pattern}",
    )


HASH_BUCKET_BITS = 4
HASH_BUCKETS = 2**HASH_BUCKET_BITS
_MIX = np.uint64(0x100000001B3)  # the 64-bit FNV prime: spreads each column's hash over the word
_NULL_HASH = np.uint64(0x9E3779B97F4A7C15)


def _column_hashes(column: pa.Array) -> np.ndarray:
    """A 64-bit hash per value of one key column (equal values, equal hashes; null has its own)."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.dictionary_encode(column)
    if pa.types.is_dictionary(column.type):
        dictionary = np.array(
            [hash(value) for value in column.dictionary.to_pylist()], dtype=np.int64
        ).view(np.uint64)
        indices = _int64_values(column.indices)
        hashes = dictionary[indices] if len(dictionary) else np.zeros(len(column), np.uint64)
    else:
        hashes = _int64_values(column).view(np.uint64)
    if column.null_count:
        hashes = np.where(_int64_values(column.is_null()).astype(bool), _NULL_HASH, hashes)
    return hashes


def _int64_values(column: pa.Array) -> np.ndarray:
    """The values of an integer or boolean column as 64-bit integers, nulls as 0, in NumPy.

    Read from the Arrow buffer itself: `to_numpy` goes through pyarrow's pandas bridge, which
    imports pandas (about 34 MB) into a run that never uses it.
    """
    integers = pc.cast(column, pa.int64()).fill_null(0)
    return np.frombuffer(integers.buffers()[1], np.int64, len(integers), integers.offset * 8)


def _row_hashes(batch: pa.RecordBatch) -> np.ndarray:
    hashes = np.zeros(batch.num_rows, dtype=np.uint64)
    for column in batch.columns:
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            column = column.view(pa.int32() if pa.types.is_date32(column.type) else pa.int64())
        hashes = (hashes * _MIX) ^ _column_hashes(column)
    return hashes


def keys_present_and_unique(
    rows: Rows, keys: Sequence[str], *, samples: int = SAMPLE_SIZE
) -> Finding:
    """No key column is null, and no key appears twice.

    Streams: each row's key is reduced to a 64-bit hash, and only rows whose hash repeats are
    read again and compared exactly, so a hash collision can never be reported as a duplicate.
    """
    keys = list(keys)
    missing: Counter = Counter()
    total = 0
    # The hashes are spilled to disk in buckets by their top bits, then each bucket is sorted on
    # its own: the check holds 1/HASH_BUCKETS of 8 bytes a row, however large the partition.
    with tempfile.TemporaryDirectory(prefix="key-hashes-") as spill:
        paths = [os.path.join(spill, f"{bucket:02d}") for bucket in range(HASH_BUCKETS)]
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(open(path, "wb")) for path in paths]
            for batch in _batches(rows, keys):
                total += batch.num_rows
                for key, column in zip(keys, batch.columns):
                    if column.null_count:
                        missing[key] += column.null_count
                hashes = _row_hashes(batch)
                buckets = (hashes >> np.uint64(64 - HASH_BUCKET_BITS)).astype(np.intp)
                order = np.argsort(buckets, kind="stable")
                bounds = np.cumsum(np.bincount(buckets, minlength=HASH_BUCKETS))[:-1]
                for file, part in zip(files, np.split(hashes[order], bounds)):
                    part.tofile(file)
        repeated_parts = []
        for path in paths:
            bucket = np.fromfile(path, dtype=np.uint64)
            bucket.sort()
            repeated_parts.append(np.unique(bucket[1:][bucket[1:] == bucket[:-1]]))
    repeated_hashes = np.concatenate(repeated_parts)

    duplicates: Counter = Counter()
    if len(repeated_hashes):
        for batch in _batches(rows, keys):
            suspects = batch.filter(pa.array(np.isin(_row_hashes(batch), repeated_hashes)))
            duplicates.update(tuple(row.values()) for row in suspects.to_pylist())
    repeated = [(key, count) for key, count in duplicates.items() if count > 1]
    if not missing and not repeated:
        return Finding(True, f"keys present and unique ({total} rows)", {"rows": total})
    problems = []
    if missing:
        problems.append(
            "missing " + ", ".join(f"{key} in {count} rows" for key, count in missing.items())
        )
    if repeated:
        problems.append(f"{len(repeated)} keys appear more than once")
    duplicate_samples = [
        {**{name: _plain(value) for name, value in zip(keys, key)}, "count_all": count}
        for key, count in repeated[:samples]
    ]
    return Finding(
        False,
        "; ".join(problems),
        {
            "rows": total,
            "missing_keys": dict(missing),
            "duplicate_keys": len(repeated),
            "duplicate_samples": duplicate_samples,
        },
    )
