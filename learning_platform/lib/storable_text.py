"""Text PostgreSQL can store: a NUL character, which neither `text` nor `jsonb` accepts, is replaced
with U+FFFD before a row is staged, and where that happened (record and field, never the value) is
kept for a warning check.

U+FFFD rather than an escape such as `\\0`: it is what Unicode reserves for "a character that could
not be represented", shows as such in every client, cannot be mistaken for text the learner typed,
and keeps the rest of the value byte for byte. In a JSON field the NUL arrives as the escape
`\\u0000`; the document is parsed and the character replaced inside its strings and keys, so an
escaped backslash followed by `u0000` (which is not a NUL) is left alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

REPLACEMENT = "\ufffd"
NUL = "\x00"
JSON_NUL = "\\u0000"
# Field metadata that marks a string column holding JSON text (loaded into jsonb).
JSON_TEXT = {b"content": b"json"}
# How many records a staged file names per field; the count is always complete.
MAX_RECORDS_NAMED = 50


def json_text_field(name: str) -> pa.Field:
    """A string column holding JSON text."""
    return pa.field(name, pa.string(), metadata=JSON_TEXT)


def _is_json(column_field: pa.Field) -> bool:
    return (column_field.metadata or {}).get(b"content") == b"json"


@dataclass
class NulReplacements:
    """The NUL characters replaced in one staged file: how many per field, and which records
    (described by `record_ids`, or by row number within the file when it has none)."""

    record_ids: tuple[str, ...] = ()
    characters: Counter = field(default_factory=Counter)  # field -> NUL characters replaced
    records: dict[str, list[str]] = field(default_factory=dict)  # field -> records, first few
    rows_seen: int = 0

    def __bool__(self) -> bool:
        return bool(self.characters)

    def to_json(self) -> str:
        return json.dumps(
            {
                "characters": dict(self.characters),
                "records": self.records,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> NulReplacements:
        data = json.loads(text)
        return cls(characters=Counter(data["characters"]), records=data["records"])

    def replace(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The batch with every NUL in its string columns replaced, noting where."""
        columns = list(batch.columns)
        changed = False
        for index, column_field in enumerate(batch.schema):
            if not pa.types.is_string(column_field.type):
                continue
            column = batch.column(index)
            if _is_json(column_field):
                fixed, counts = _replace_in_json(column)
            else:
                fixed, counts = _replace_in_text(column)
            if fixed is None:
                continue
            columns[index] = fixed
            changed = True
            self._note(batch, column_field.name, counts)
        self.rows_seen += batch.num_rows
        if not changed:
            return batch
        return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

    def _note(self, batch: pa.RecordBatch, name: str, counts: Sequence[int]) -> None:
        rows = [row for row, count in enumerate(counts) if count]
        self.characters[name] += sum(counts)
        named = self.records.setdefault(name, [])
        for row in rows[: max(0, MAX_RECORDS_NAMED - len(named))]:
            named.append(self._describe(batch, row))

    def _describe(self, batch: pa.RecordBatch, row: int) -> str:
        ids = [name for name in self.record_ids if name in batch.schema.names]
        if not ids:
            return f"row {self.rows_seen + row + 1}"
        return ", ".join(f"{name} {batch.column(name)[row].as_py()}" for name in ids)


def _holds(column: pa.Array, needle: str) -> bool:
    """Whether any value of the column holds `needle`. First one memchr-speed search of its
    character buffer, where two compute kernels per column and page cost about 1 s of a 1M-row day;
    the buffer may hold bytes of values outside a slice, so a yes is checked on the values."""
    data = column.buffers()[2]
    if data is None or data.to_pybytes().find(needle.encode()) < 0:
        return False
    return pc.any(pc.match_substring(column, needle)).as_py()


def _replace_in_text(column: pa.Array) -> tuple[pa.Array | None, list[int]]:
    if not _holds(column, NUL):
        return None, []
    counts = pc.fill_null(pc.count_substring(column, NUL), 0).to_pylist()
    return pc.replace_substring(column, NUL, REPLACEMENT), counts


def _replace_in_json(column: pa.Array) -> tuple[pa.Array | None, list[int]]:
    if not _holds(column, JSON_NUL):
        return None, []
    values = column.to_pylist()
    counts = [0] * len(values)
    for row, text in enumerate(values):
        if text is None or JSON_NUL not in text:
            continue
        document, counts[row] = _without_nul(json.loads(text))
        if counts[row]:
            values[row] = json.dumps(document, ensure_ascii=False)
    if not any(counts):
        return None, []
    return pa.array(values, pa.string()), counts


def _without_nul(value: Any) -> tuple[Any, int]:
    """The JSON value with NUL replaced in every string and key, and how many there were."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT), value.count(NUL)
    if isinstance(value, list):
        items = [_without_nul(item) for item in value]
        return [item for item, _ in items], sum(count for _, count in items)
    if isinstance(value, dict):
        result, total = {}, 0
        for key, item in value.items():
            item, count = _without_nul(item)
            result[key.replace(NUL, REPLACEMENT)] = item
            total += count + key.count(NUL)
        return result, total
    return value, 0
