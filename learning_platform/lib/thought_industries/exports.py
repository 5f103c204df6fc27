"""Thought Industries "Content Actions" CSV exports -> typed rows, streamed in chunks.

The report's exact header strings, timestamp format and time zone are undocumented (upstreams.md
§3.2), so the reader is tolerant where tolerance loses nothing and strict where it would:

- headers are matched by name, whatever their order, case, spaces or underscores; a missing
  required column rejects the file, naming the column; columns it does not know are ignored
  (never mapped anywhere) and reported;
- UTF-8 with or without a BOM, CRLF or LF, quoted fields holding commas, quotes and newlines;
  bytes that are not UTF-8 reject the file (never decoded "with errors ignored");
- timestamps in ISO 8601 (with or without milliseconds, `Z` or an offset) or the report's display
  formats (`11/20/2026 2:58 PM`, month first); one without a zone is read as UTC and flagged;
- a row that cannot be read (wrong number of fields, a broken quote, an unreadable timestamp) is a
  reject with its line number, never skipped in silence; too many of them reject the file;
- e-mails are stored as the report gives them, but trimmed and lower-cased for the natural key;
  Source is normalised (lower case, `-` to `_`) with the raw value kept beside it.

Its length is the reader's: one pass over the file does all of the above, and splitting the pass
would mean reading a file twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import BinaryIO

import pyarrow as pa

from learning_platform.lib.personal_data import personal_field

TIMESTAMP = pa.timestamp("us", tz="UTC")

# Canonical column <- the report's header, as its help page names the fields, in report order.
COLUMNS = {
    "learner_email": "Email",
    "panorama_name": "Panorama Name",
    "content_type": "Content Type",
    "content_title": "Content Title",
    "action_type": "Type",
    "action_source": "Source",
    "occurred_at": "Timestamp",
}
SCHEMA = pa.schema(
    [
        pa.field("action_id", pa.string()),
        personal_field("learner_email"),
        pa.field("panorama_name", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("content_title", pa.string()),
        pa.field("action_type", pa.string()),
        pa.field("action_source", pa.string()),
        pa.field("action_source_raw", pa.string()),
        pa.field("occurred_at", TIMESTAMP),
        # True when the export's timestamp had no zone and was read as UTC.
        pa.field("occurred_at_assumed_utc", pa.bool_()),
        pa.field("line", pa.int64()),  # where the row starts in the file (the header is line 1)
    ]
)
REJECT_SCHEMA = pa.schema([pa.field("line", pa.int64()), pa.field("reason", pa.string())])

CHUNK_ROWS = 16_384
# A file with more unreadable rows than this share is not an export with a few bad lines but
# something else (a different report, a broken download): it is rejected whole.
MAX_REJECT_SHARE = 0.10

# The report's display formats, month first (Thought Industries is a US product).
_DISPLAY_FORMATS = (
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
)


class FileRejected(ValueError):
    """The whole file cannot be read as a content-actions export. Names the file and what is
    wrong with it (a column, a line), never a learner's e-mail."""


def _header_key(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


_HEADER_KEYS = {_header_key(header): column for column, header in COLUMNS.items()}


def normalise_source(raw: str) -> str:
    """`gift-course-purchase` and `Manager_grant_completed` (the docs' spellings) match their
    snake_case siblings."""
    return raw.strip().lower().replace("-", "_")


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def parse_timestamp(text: str) -> tuple[datetime, bool]:
    """(the UTC instant, whether the text had no zone and was read as UTC). ValueError if it is
    no timestamp the report writes."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _DISPLAY_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            # An export whose columns slipped can put an e-mail here: never quote one.
            shown = "(a value with an @)" if "@" in text else repr(text)
            raise ValueError(f"Timestamp {shown} is not a date and time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc), True
    return moment.astimezone(timezone.utc), False


def action_id(
    email: str | None,
    content_type: str | None,
    content_title: str | None,
    action_type: str | None,
    source: str | None,
    occurred_at: datetime | None,
) -> str:
    """The natural key: 128 bits of SHA-256 over the normalised parts, the same in every export
    that contains the action. Not the Panorama name: one export leaves it blank where another
    fills it in."""
    parts = (
        normalise_email(email or ""),
        (content_type or "").strip(),
        (content_title or "").strip(),
        action_type or "",
        source or "",
        occurred_at.isoformat(timespec="microseconds") if occurred_at is not None else "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class _HashingReader(io.RawIOBase):
    """A binary stream that hashes and counts every byte read through it."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


@dataclass
class ReadSummary:
    """What reading one file found, for its registry row and the run's metadata."""

    rows: int = 0
    rejects: int = 0
    blank_lines: int = 0
    rows_assumed_utc: int = 0
    size_bytes: int = 0
    content_hash: str = ""
    ignored_columns: list[str] = field(default_factory=list)


class ContentActionsReader:
    """Reads one export from a binary stream, in chunks of Arrow rows; rejects are collected.

    reader = ContentActionsReader(stream, "export.csv")
    for batch in reader.batches(): ...      # SCHEMA
    reader.reject_batches()                  # REJECT_SCHEMA: line, reason
    reader.summary                           # counts, size, SHA-256 of the bytes
    """

    def __init__(
        self,
        stream: BinaryIO,
        name: str,
        *,
        chunk_rows: int = CHUNK_ROWS,
        max_reject_share: float = MAX_REJECT_SHARE,
    ):
        self.name = name
        self.chunk_rows = chunk_rows
        self.max_reject_share = max_reject_share
        self.summary = ReadSummary()
        self.rejects: list[tuple[int, str]] = []
        self._bytes = _HashingReader(stream)

    def batches(self) -> Iterator[pa.RecordBatch]:
        # utf-8-sig drops a BOM if there is one; strict errors: bad bytes are a rejected file.
        text = io.TextIOWrapper(
            io.BufferedReader(self._bytes), encoding="utf-8-sig", errors="strict", newline=""
        )
        rows = csv.reader(text, strict=True)
        try:
            header = next(rows, None)
            if header is not None:
                positions = self._positions(header)
                yield from self._rows(rows, positions, len(header))
        except UnicodeDecodeError as error:
            raise FileRejected(
                f"{self.name}: not UTF-8 text (byte {error.start} of a chunk after line "
                f"{rows.line_num}: {error.reason})"
            ) from None
        # Read to the end, so the hash covers the whole file even after a trailing blank line.
        while self._bytes.read(1 << 16):
            pass
        self.summary.size_bytes = self._bytes.size
        self.summary.content_hash = self._bytes.sha256.hexdigest()
        self.summary.rejects = len(self.rejects)
        total = self.summary.rows + self.summary.rejects
        if total and self.summary.rejects / total > self.max_reject_share:
            lines = ", ".join(str(line) for line, _ in self.rejects[:10])
            raise FileRejected(
                f"{self.name}: {self.summary.rejects} of {total} rows cannot be read "
                f"(more than {self.max_reject_share:.0%}), first at lines {lines}: "
                f"{self.rejects[0][1]}"
            )

    def reject_batches(self) -> Iterator[pa.RecordBatch]:
        for start in range(0, len(self.rejects), self.chunk_rows):
            chunk = self.rejects[start : start + self.chunk_rows]
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array([line for line, _ in chunk], pa.int64()),
                    pa.array([reason for _, reason in chunk], pa.string()),
                ],
                schema=REJECT_SCHEMA,
            )

    # -- reading ----------------------------------------------------------------------------

    def _positions(self, header: list[str]) -> dict[str, int]:
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            column = _HEADER_KEYS.get(_header_key(name))
            if column is None:
                self.summary.ignored_columns.append(name.strip())
                continue
            if column in positions:
                raise FileRejected(f"{self.name}: column {COLUMNS[column]!r} appears twice")
            positions[column] = index
        missing = [COLUMNS[column] for column in COLUMNS if column not in positions]
        if missing:
            raise FileRejected(
                f"{self.name}: no {', '.join(repr(name) for name in missing)} column "
                f"(header: {', '.join(repr(name.strip()) for name in header)})"
            )
        return positions

    def _rows(self, rows, positions: dict[str, int], width: int) -> Iterator[pa.RecordBatch]:
        chunk = _Chunk()
        line_before = rows.line_num  # the header's last line
        while True:
            start = line_before + 1
            try:
                fields = next(rows)
            except StopIteration:
                break
            except csv.Error as error:
                if "unexpected end of data" in str(error):
                    # A quote opened and never closed: everything after it is one field.
                    raise FileRejected(
                        f"{self.name}: a quoted field opened at line {start} never closes"
                    ) from None
                self.rejects.append((start, f"not valid CSV: {error}"))
                line_before = rows.line_num
                continue
            line_before = rows.line_num
            if not any(value.strip() for value in fields):
                self.summary.blank_lines += 1
                continue
            if len(fields) != width:
                self.rejects.append((start, f"{len(fields)} fields where the header has {width}"))
                continue
            values = {column: fields[index] for column, index in positions.items()}
            stamp = values["occurred_at"].strip()
            if stamp:
                try:
                    occurred_at, assumed_utc = parse_timestamp(stamp)
                except ValueError as error:
                    self.rejects.append((start, str(error)))
                    continue
            else:
                occurred_at, assumed_utc = None, False  # a missing key part: the check names it
            chunk.add(values, occurred_at, assumed_utc, start)
            self.summary.rows += 1
            self.summary.rows_assumed_utc += assumed_utc
            if len(chunk) >= self.chunk_rows:
                yield chunk.batch()
                chunk = _Chunk()
        if len(chunk):
            yield chunk.batch()


def _blank_to_none(value: str) -> str | None:
    value = value.strip()
    return value or None


class _Chunk:
    """Rows gathered column by column until they become one Arrow batch."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in SCHEMA.names}

    def __len__(self) -> int:
        return len(self.columns["line"])

    def add(self, values: dict[str, str], occurred_at, assumed_utc: bool, line: int) -> None:
        email = values["learner_email"]
        content_type = _blank_to_none(values["content_type"])
        content_title = _blank_to_none(values["content_title"])
        action_type = _blank_to_none(values["action_type"])
        action_type = action_type.lower() if action_type else None
        raw_source = values["action_source"]
        source = normalise_source(raw_source) or None
        columns = self.columns
        columns["action_id"].append(
            action_id(email, content_type, content_title, action_type, source, occurred_at)
        )
        columns["learner_email"].append(email if email.strip() else None)
        columns["panorama_name"].append(_blank_to_none(values["panorama_name"]))
        columns["content_type"].append(content_type)
        columns["content_title"].append(content_title)
        columns["action_type"].append(action_type)
        columns["action_source"].append(source)
        columns["action_source_raw"].append(raw_source if raw_source.strip() else None)
        columns["occurred_at"].append(occurred_at)
        columns["occurred_at_assumed_utc"].append(assumed_utc)
        columns["line"].append(line)

    def batch(self) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays(
            [pa.array(self.columns[f.name], f.type) for f in SCHEMA], schema=SCHEMA
        )
