"""Validation of staged rows: controlled vocabularies and natural keys. Plain functions over Arrow
tables, shared by every source's blocking checks and by the loaders' last guard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Finding:
    """The outcome of one validation: whether it passed, a sentence, and what a person needs to fix it."""

    passed: bool
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _samples(
    table: pa.Table, mask: pa.ChunkedArray, columns: Sequence[str], limit: int
) -> list[dict]:
    rows = table.select(list(columns)).filter(mask).slice(0, limit).to_pylist()
    return [{name: _plain(value) for name, value in row.items()} for row in rows]


def known_values(
    table: pa.Table,
    column: str,
    allowed: frozenset[str],
    *,
    sample_columns: Sequence[str],
    label: str | None = None,
    samples: int = SAMPLE_SIZE,
) -> Finding:
    """Every value of `column` is in `allowed`. A null counts as unknown: a vocabulary column with
    no value is as unusable downstream as one with a value nobody knows."""
    label = label or column
    counts = (
        pc.value_counts(table.column(column)) if table.num_rows else pa.array([], pa.struct([]))
    )
    unknown: list[dict[str, Any]] = []
    for entry in counts.to_pylist():
        value, count = entry["values"], entry["counts"]
        if value in allowed:
            continue
        mask = (
            pc.is_null(table.column(column))
            if value is None
            else pc.equal(table.column(column), value)
        )
        unknown.append(
            {
                "value": value,
                "count": count,
                "samples": _samples(table, mask, sample_columns, samples),
            }
        )
    unknown.sort(key=lambda item: (-item["count"], str(item["value"])))
    if not unknown:
        return Finding(
            True, f"every {label} is known ({table.num_rows} rows)", {"rows": table.num_rows}
        )
    values = ", ".join(f"{item['value']!r} ({item['count']} rows)" for item in unknown)
    return Finding(
        False,
        f"unknown {label}: {values}; extend lib/vocabulary.py after review, then re-run the partition",
        {"rows": table.num_rows, "unknown_values": unknown},
    )


def keys_present_and_unique(
    table: pa.Table, keys: Sequence[str], *, samples: int = SAMPLE_SIZE
) -> Finding:
    """No key column is null, and no key appears twice."""
    missing: dict[str, int] = {}
    for key in keys:
        nulls = table.column(key).null_count
        if nulls:
            missing[key] = nulls
    duplicates = []
    if table.num_rows:
        grouped = (
            table.select(list(keys))
            .group_by(list(keys), use_threads=False)
            .aggregate([([], "count_all")])
        )
        repeated = grouped.filter(pc.greater(grouped.column("count_all"), 1))
        duplicate_count = repeated.num_rows
        duplicates = [
            {name: _plain(value) for name, value in row.items()}
            for row in repeated.slice(0, samples).to_pylist()
        ]
    else:
        duplicate_count = 0
    if not missing and not duplicate_count:
        return Finding(
            True, f"keys present and unique ({table.num_rows} rows)", {"rows": table.num_rows}
        )
    problems = []
    if missing:
        problems.append(
            "missing " + ", ".join(f"{key} in {count} rows" for key, count in missing.items())
        )
    if duplicate_count:
        problems.append(f"{duplicate_count} keys appear more than once")
    return Finding(
        False,
        "; ".join(problems),
        {
            "rows": table.num_rows,
            "missing_keys": missing,
            "duplicate_keys": duplicate_count,
            "duplicate_samples": duplicates,
        },
    )
