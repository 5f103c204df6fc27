"""Thrive (learn.link) records -> typed rows: activities, CPD entries and users.

Pages are decoded straight from bytes into typed structs (msgspec), then turned into one Arrow
batch per page. `data` and `with` stay the JSON text Thrive sent: they are free-form, and real
records differ from the docs (`data.source` a string, `progresspercentage` a number or a string).

Three record types, each with its struct, its Arrow schema and its converter side by side, so that
a field changes in one place; that is what makes the module longer than most.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Generic, TypeVar

import msgspec
import pyarrow as pa

from learning_platform.lib.personal_data import personal_field
from learning_platform.lib.storable_text import json_text_field
from learning_platform.lib.typed_json import MalformedPage, RecordError, decode

TIMESTAMP = pa.timestamp("us", tz="UTC")

# Every Thrive id is a MongoDB ObjectId.
ID_PATTERN = r"^[0-9a-fA-F]{24}$"


# -- the wire format ---------------------------------------------------------------------------
# Fields Thrive adds later are ignored; non-strict mode takes lossless coercions ("15" for 15).


class Activity(msgspec.Struct, gc=False):
    id: str | None = None
    user: str | None = None
    type: str | None = None
    date: datetime | None = None
    contextId: str | None = None
    contextType: str | None = None
    contentType: str | None = None
    name: str | None = None
    # As received: absent is an empty Raw, null is the text "null" (Raw takes no union with None).
    data: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    with_: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw, name="with")


class CpdActivity(msgspec.Struct, gc=False):
    type: str | None = None
    name: str | None = None


class CpdCategory(msgspec.Struct, gc=False):
    categoryId: str | None = None
    name: str | None = None


class CpdEntry(msgspec.Struct, gc=False):
    logEntryId: str | None = None
    userId: str | None = None
    activity: CpdActivity | None = None
    category: CpdCategory | None = None
    entryDate: datetime | None = None
    # Kept as received: the blocking check, not the decoder, judges it, and names what it found.
    durationMinutes: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    description: str | None = None
    isVerified: bool | None = None


class User(msgspec.Struct, gc=False):
    id: str | None = None
    ref: str | None = None
    email: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    role: str | None = None
    status: str | None = None


class Pagination(msgspec.Struct, gc=False):
    totalResults: int | None = None
    totalPages: int | None = None
    page: int | None = None
    perPage: int | None = None


Record = TypeVar("Record", Activity, CpdEntry, User)


class Page(msgspec.Struct, Generic[Record], gc=False):
    results: list[Record] | None = None  # None: not a Thrive page
    pagination: Pagination | None = None


# Values worth quoting in an error: dates, numbers and ids, never a name, an e-mail or free text.
_QUOTABLE_FIELDS = frozenset(
    {"id", "user", "type", "date", "logEntryId", "userId", "entryDate", "isVerified"}
    | {"totalResults", "totalPages", "page", "perPage"}
)


@dataclass(frozen=True)
class Endpoint(Generic[Record]):
    """One paged Thrive list endpoint and how its records decode."""

    name: str  # the path under /rest/v1, e.g. "activities"
    record: type
    page_decoder: msgspec.json.Decoder = field(repr=False, compare=False)
    record_decoder: msgspec.json.Decoder = field(repr=False, compare=False)
    default_per_page: int  # what Thrive uses when perPage is not sent

    def decode_page(self, body: bytes, context: str) -> Page:
        """Raises MalformedPage for a body that is not a page (retry it), RecordError for a page
        whose values cannot be stored without loss (asking again brings the same values)."""
        page = decode(self.page_decoder, body, f"{self.name} {context}", _QUOTABLE_FIELDS)
        if page.results is None:
            raise MalformedPage("JSON without a `results` list")
        return page

    def decode_record(self, body: bytes, context: str):
        return decode(self.record_decoder, body, f"{self.name} {context}", _QUOTABLE_FIELDS)


def _endpoint(name: str, record: type, default_per_page: int) -> Endpoint:
    return Endpoint(
        name=name,
        record=record,
        page_decoder=msgspec.json.Decoder(Page[record], strict=False),
        record_decoder=msgspec.json.Decoder(record, strict=False),
        default_per_page=default_per_page,
    )


ACTIVITIES = _endpoint("activities", Activity, 20)
CPD_ENTRIES = _endpoint("cpdEntries", CpdEntry, 100)
USERS = _endpoint("users", User, 100)


# -- rows --------------------------------------------------------------------------------------

ACTIVITY_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("type", pa.string()),
        pa.field("occurred_at", TIMESTAMP),
        pa.field("context_id", pa.string()),
        pa.field("context_type", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("name", pa.string()),
        json_text_field("data"),  # loaded into jsonb
        json_text_field("with_context"),
    ]
)
CPD_ENTRY_SCHEMA = pa.schema(
    [
        pa.field("log_entry_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("content_name", pa.string()),
        pa.field("category_id", pa.string()),
        pa.field("category_name", pa.string()),
        pa.field("entry_date", TIMESTAMP),
        # The whole number of minutes, or null when what was received is not one.
        pa.field("duration_minutes", pa.int64()),
        # durationMinutes as Thrive sent it (JSON text): what the check quotes when it fails.
        pa.field("duration_minutes_as_received", pa.string()),
        pa.field("description", pa.string()),
        pa.field("is_verified", pa.bool_()),
    ]
)
USER_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("ref", pa.string()),
        personal_field("email"),
        personal_field("first_name"),
        personal_field("last_name"),
        pa.field("role", pa.string()),
        pa.field("status", pa.string()),
        pa.field("snapshot_at", TIMESTAMP),
    ]
)


def as_utc(moment: datetime) -> datetime:
    """Thrive stamps records in UTC (`...Z`); a stamp without an offset is read as UTC too."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def activity_time(record: Activity) -> datetime:
    if record.date is None:
        raise RecordError(f"activity {record.id!r} has no date: it belongs to no day")
    return as_utc(record.date)


def cpd_entry_time(record: CpdEntry) -> datetime:
    if record.entryDate is None:
        raise RecordError(f"CPD entry {record.logEntryId!r} has no entryDate: it belongs to no day")
    return as_utc(record.entryDate)


def _json_text(raw: msgspec.Raw) -> str | None:
    text = bytes(raw).decode()
    return None if text in ("", "null") else text


def whole_minutes(raw: msgspec.Raw) -> int | None:
    """durationMinutes as a whole number when that is what was sent (15, 15.0 or "15"), else None.
    The sign is kept: a negative whole number is for the check to refuse, by name."""
    text = bytes(raw).decode().strip()
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(value, str):
        value = value.strip()
        return int(value) if re.fullmatch(r"-?\d+", value) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def activity_batch(records: Iterable[Activity]) -> pa.RecordBatch:
    records = list(records)
    return _batch(
        ACTIVITY_SCHEMA,
        {
            "id": [r.id for r in records],
            "user_id": [r.user for r in records],
            "type": [r.type for r in records],
            "occurred_at": [activity_time(r) for r in records],
            "context_id": [r.contextId for r in records],
            "context_type": [r.contextType for r in records],
            "content_type": [r.contentType for r in records],
            "name": [r.name for r in records],
            "data": [_json_text(r.data) for r in records],
            "with_context": [_json_text(r.with_) for r in records],
        },
    )


def cpd_entry_batch(records: Iterable[CpdEntry]) -> pa.RecordBatch:
    records = list(records)
    activities = [r.activity or CpdActivity() for r in records]
    categories = [r.category or CpdCategory() for r in records]
    return _batch(
        CPD_ENTRY_SCHEMA,
        {
            "log_entry_id": [r.logEntryId for r in records],
            "user_id": [r.userId for r in records],
            "content_type": [a.type for a in activities],
            "content_name": [a.name for a in activities],
            "category_id": [c.categoryId for c in categories],
            "category_name": [c.name for c in categories],
            "entry_date": [cpd_entry_time(r) for r in records],
            "duration_minutes": [whole_minutes(r.durationMinutes) for r in records],
            "duration_minutes_as_received": [
                bytes(r.durationMinutes).decode() or None for r in records
            ],
            "description": [r.description for r in records],
            "is_verified": [r.isVerified for r in records],
        },
    )


def user_batch(records: Iterable[User], snapshot_at: datetime) -> pa.RecordBatch:
    records = list(records)
    return _batch(
        USER_SCHEMA,
        {
            "id": [r.id for r in records],
            "ref": [r.ref for r in records],
            "email": [r.email for r in records],
            "first_name": [r.firstName for r in records],
            "last_name": [r.lastName for r in records],
            "role": [r.role for r in records],
            "status": [r.status for r in records],
            "snapshot_at": [snapshot_at] * len(records),
        },
    )


def _batch(schema: pa.Schema, columns: dict[str, list]) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(columns[f.name], f.type) for f in schema], schema=schema
    )


@dataclass(frozen=True)
class Stream:
    """One day-partitioned Thrive stream: its endpoint, its filter parameters and its rows."""

    name: str  # the warehouse table and asset name
    endpoint: Endpoint
    from_param: str
    to_param: str
    key: str  # the record's id field
    id_column: str  # the row's
    time_of: Callable[[object], datetime]
    time_column: str
    schema: pa.Schema
    to_batch: Callable[[Iterable], pa.RecordBatch]
    label: str

    def record_id(self, record) -> str | None:
        return getattr(record, self.key)


ACTIVITY_STREAM = Stream(
    name="activities",
    endpoint=ACTIVITIES,
    from_param="timestampFrom",
    to_param="timestampTo",
    key="id",
    id_column="id",
    time_of=activity_time,
    time_column="occurred_at",
    schema=ACTIVITY_SCHEMA,
    to_batch=activity_batch,
    label="activity records",
)
CPD_ENTRY_STREAM = Stream(
    name="cpd_entries",
    endpoint=CPD_ENTRIES,
    from_param="entryDateFrom",
    to_param="entryDateTo",
    key="logEntryId",
    id_column="log_entry_id",
    time_of=cpd_entry_time,
    time_column="entry_date",
    schema=CPD_ENTRY_SCHEMA,
    to_batch=cpd_entry_batch,
    label="CPD entries",
)
DAY_STREAMS = (ACTIVITY_STREAM, CPD_ENTRY_STREAM)
