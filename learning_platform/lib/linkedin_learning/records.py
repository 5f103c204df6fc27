"""LinkedIn Learning report elements -> typed rows: activities, learner details, content details.

Pages are decoded straight into typed structs (msgspec) and turned into Arrow batches, one batch per
API page, so a day of a million metrics never exists as a million Python dicts.

The report's structs, the four aggregations, and the activity, learner and content rows side by
side, so that a field changes in one place; that is what makes the module longer than most.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import msgspec
import numpy as np
import pyarrow as pa

from learning_platform.lib.personal_data import personal_field
from learning_platform.lib.storable_text import json_text_field
from learning_platform.lib.typed_json import MalformedPage, RecordError, decode
from learning_platform.lib.vocabulary import NO_ASSET_TYPE
from learning_platform.lib.windows import DayWindow

TIMESTAMP = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True)
class Aggregation:
    """One LinkedIn report stream: which aggregation it asks for and which keys its rows carry."""

    stream: str  # the warehouse table and asset name, e.g. "learner_content_activity"
    primary: str
    secondary: str | None = None
    asset_type: str | None = None  # the report's assetType filter, where LinkedIn wants one

    @property
    def has_learner(self) -> bool:
        return self.primary == "INDIVIDUAL"

    @property
    def has_content(self) -> bool:
        return "CONTENT" in (self.primary, self.secondary)

    @property
    def label(self) -> str:
        label = self.primary if self.secondary is None else f"{self.primary}/{self.secondary}"
        return label if self.asset_type is None else f"{label} ({self.asset_type})"

    @property
    def key_columns(self) -> tuple[str, ...]:
        keys = ["window_start"]
        if self.has_learner:
            keys.append("learner_urn")
        if self.has_content:
            keys.append("content_urn")
        return (*keys, "engagement_type", "engagement_qualifier", "asset_type")

    @property
    def activity_schema(self) -> pa.Schema:
        fields = [pa.field("window_start", pa.date32(), nullable=False)]
        if self.has_learner:
            fields.append(pa.field("learner_urn", pa.string()))
        if self.has_content:
            fields.append(pa.field("content_urn", pa.string()))
        fields += [
            pa.field("engagement_type", pa.string()),
            pa.field("engagement_qualifier", pa.string()),
            pa.field("asset_type", pa.string()),
            pa.field("engagement_value", pa.int64()),
            pa.field("first_engaged_at", TIMESTAMP),
            pa.field("last_engaged_at", TIMESTAMP),
            pa.field("latest_data_at", TIMESTAMP),
        ]
        return pa.schema(fields)


ACCOUNT_ACTIVITY = Aggregation("account_activity", "ACCOUNT")
LEARNER_ACTIVITY = Aggregation("learner_activity", "INDIVIDUAL")
LEARNER_CONTENT_ACTIVITY = Aggregation("learner_content_activity", "INDIVIDUAL", "CONTENT")
# Per content item over all learners: what content owners ask for. LinkedIn's CONTENT report wants
# assetType=COURSE, the only combination working consumers send (upstreams.md §1.4, §1.9).
CONTENT_ACTIVITY = Aggregation("content_activity", "CONTENT", asset_type="COURSE")
AGGREGATIONS = (ACCOUNT_ACTIVITY, LEARNER_ACTIVITY, LEARNER_CONTENT_ACTIVITY, CONTENT_ACTIVITY)

LEARNER_SCHEMA = pa.schema(
    [
        pa.field("learner_urn", pa.string()),
        personal_field("name"),
        personal_field("email"),
        pa.field("unique_user_id", pa.string()),
        json_text_field("enterprise_groups"),  # loaded into jsonb
        json_text_field("custom_attributes"),
        pa.field("last_seen_on", pa.date32()),
    ]
)
CONTENT_SCHEMA = pa.schema(
    [
        pa.field("content_urn", pa.string()),
        pa.field("name", pa.string()),
        pa.field("locale_language", pa.string()),
        pa.field("locale_country", pa.string()),
        pa.field("content_provider_name", pa.string()),
        pa.field("content_source", pa.string()),
        pa.field("website_url", pa.string()),
        pa.field("last_seen_on", pa.date32()),
    ]
)


# LinkedIn stamps a complete day's data 23:59 Pacific (the doc sample's latestDataAt), so a day is
# final once latestDataAt reaches its last minute. Until then its aggregates can still change.
FINAL_MARGIN_MS = 60_000


def day_is_final(window: DayWindow, latest_data_at_ms: int | None) -> bool:
    return latest_data_at_ms is not None and latest_data_at_ms >= window.end_ms - FINAL_MARGIN_MS


# -- the wire format ---------------------------------------------------------------------------
# Typed structs that msgspec decodes straight from the page's bytes: several times faster than
# json.loads into dicts, and the types are checked while decoding. Fields the API adds later are
# ignored; non-strict mode takes the lossless coercions ("12" and 12.0 for 12) and refuses the rest.


class Metric(msgspec.Struct, gc=False):
    engagementType: str | None = None
    engagementMetricQualifier: str | None = None
    assetType: str | None = None
    engagementValue: int | None = None
    firstEngagedAt: int | None = None
    lastEngagedAt: int | None = None


class Entity(msgspec.Struct, gc=False):
    profileUrn: str | None = None
    accountUrn: str | None = None


class LearnerDetails(msgspec.Struct, gc=False):
    name: str | None = None
    email: str | None = None
    uniqueUserId: str | None = None
    # Kept as the JSON text LinkedIn sent, and loaded into jsonb: no round trip through Python.
    # (msgspec.Raw takes no union with None: absent is an empty Raw, null is the text "null".)
    enterpriseGroups: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    customAttributes: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    entity: Entity | None = None


class Locale(msgspec.Struct, gc=False):
    language: str | None = None
    country: str | None = None


class ContentDetails(msgspec.Struct, gc=False):
    name: str | None = None
    contentUrn: str | None = None
    locale: Locale | None = None
    contentProviderName: str | None = None
    contentSource: str | None = None
    websiteUrl: str | None = None


class Element(msgspec.Struct, gc=False):
    activities: list[Metric] | None = None
    latestDataAt: int | None = None
    learnerDetails: LearnerDetails | None = None
    contentDetails: ContentDetails | None = None


class Paging(msgspec.Struct, gc=False):
    total: int | None = None
    start: int | None = None
    count: int | None = None


class Page(msgspec.Struct, gc=False):
    elements: list[Element] | None = None  # None: not a report page
    paging: Paging | None = None


_PAGE_DECODER = msgspec.json.Decoder(Page, strict=False)
# Values worth quoting in an error: numbers and enums, never a name, an e-mail or an attribute.
_QUOTABLE_FIELDS = frozenset(
    {
        "engagementType",
        "engagementMetricQualifier",
        "assetType",
        "engagementValue",
        "firstEngagedAt",
        "lastEngagedAt",
        "latestDataAt",
        "total",
        "start",
        "count",
    }
)


def decode_page(body: bytes, window: DayWindow) -> Page:
    """One page of a report, decoded and type-checked.

    Raises MalformedPage for a body that is not a page (retry it), RecordError for a page whose
    values cannot be stored without loss (asking again brings the same values).
    """
    page = decode(_PAGE_DECODER, body, f"window {window}", _QUOTABLE_FIELDS)
    if page.elements is None:
        raise MalformedPage("JSON without an `elements` list")
    return page


# -- rows --------------------------------------------------------------------------------------


def learner_urn(element: Element) -> str | None:
    details = element.learnerDetails
    return details.entity.profileUrn if details is not None and details.entity is not None else None


def content_urn(element: Element) -> str | None:
    details = element.contentDetails
    return details.contentUrn if details is not None else None


def activity_batch(
    elements: Sequence[Element], window: DayWindow, aggregation: Aggregation
) -> pa.RecordBatch:
    """Every activity of every element as one row. Rows are keyed by (type, qualifier, asset type),
    never by their position in `activities`: the order is not a contract."""
    # Column by column, each a comprehension over the page's metrics: no per-row tuple, no
    # transpose, and Arrow builds each typed column from one list.
    elements = [element for element in elements if element.activities]
    metrics = [metric for element in elements for metric in element.activities]
    counts = np.fromiter((len(element.activities) for element in elements), np.int64, len(elements))
    # Each metric's element: an element's own values are converted once, then repeated by Arrow.
    metric_element = pa.array(np.repeat(np.arange(len(elements)), counts))

    def per_metric(values: list, type_: pa.DataType) -> pa.Array:
        return pa.array(values, type_).take(metric_element)

    values = [metric.engagementValue for metric in metrics]
    values_column = pa.array(values, pa.int64())
    if values_column.null_count:
        position = values.index(None)
        raise RecordError(
            f"window {window}: engagementValue None of "
            f"{metrics[position].engagementType!r} is not a whole number"
        )
    columns = {
        "window_start": pa.repeat(pa.scalar(window.day, pa.date32()), len(metrics)),
        "engagement_type": pa.array([m.engagementType for m in metrics], pa.string()),
        "engagement_qualifier": pa.array(
            [m.engagementMetricQualifier for m in metrics], pa.string()
        ),
        "asset_type": pa.array([m.assetType or NO_ASSET_TYPE for m in metrics], pa.string()),
        "engagement_value": values_column,
        "first_engaged_at": pa.array([m.firstEngagedAt for m in metrics], TIMESTAMP),
        "last_engaged_at": pa.array([m.lastEngagedAt for m in metrics], TIMESTAMP),
        "latest_data_at": per_metric([e.latestDataAt for e in elements], TIMESTAMP),
    }
    if aggregation.has_learner:
        learners = [learner_urn(element) for element in elements]
        columns["learner_urn"] = per_metric(learners, pa.string())
    if aggregation.has_content:
        contents = [content_urn(element) for element in elements]
        columns["content_urn"] = per_metric(contents, pa.string())
    schema = aggregation.activity_schema
    return pa.RecordBatch.from_arrays([columns[name] for name in schema.names], schema=schema)


def _json_text(raw: msgspec.Raw) -> str | None:
    text = bytes(raw).decode()
    return None if text in ("", "null") else text


def learner_batch(
    elements: Iterable[Element], seen_on: date, seen: set[str] | None = None
) -> pa.RecordBatch:
    """The learner details of INDIVIDUAL elements, one row per learner: a learner already in `seen`
    (the urns staged earlier the same day, updated here) is not repeated."""
    seen = set() if seen is None else seen
    rows = []
    for element in elements:
        urn = learner_urn(element)
        if urn is None or urn in seen:
            continue  # a missing urn stays on the activity rows, where the keys check reports it
        seen.add(urn)
        details = element.learnerDetails
        rows.append(
            (
                urn,
                details.name,
                details.email,
                details.uniqueUserId,
                _json_text(details.enterpriseGroups),
                _json_text(details.customAttributes),
                seen_on,
            )
        )
    return _batch(rows, LEARNER_SCHEMA)


def content_batch(
    elements: Iterable[Element], seen_on: date, seen: set[str] | None = None
) -> pa.RecordBatch:
    """The content details of CONTENT elements, one row per content item not already in `seen`."""
    seen = set() if seen is None else seen
    rows = []
    for element in elements:
        urn = content_urn(element)
        if urn is None or urn in seen:
            continue
        seen.add(urn)
        details = element.contentDetails
        locale = details.locale or Locale()
        rows.append(
            (
                urn,
                details.name,
                locale.language,
                locale.country,
                details.contentProviderName,
                details.contentSource,
                details.websiteUrl,
                seen_on,
            )
        )
    return _batch(rows, CONTENT_SCHEMA)


def _batch(rows: list[tuple], schema: pa.Schema) -> pa.RecordBatch:
    columns = zip(*rows) if rows else ((),) * len(schema)
    return pa.RecordBatch.from_arrays(
        [pa.array(column, field.type) for column, field in zip(columns, schema)], schema=schema
    )
