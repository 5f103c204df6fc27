"""LinkedIn Learning report elements -> typed rows: activities, learner details, content details.

Rows are built column by column into Arrow batches, one batch per API page, so a day of a million
metrics never exists as a million Python dicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from learning_platform.lib.vocabulary import NO_ASSET_TYPE
from learning_platform.lib.windows import DayWindow

TIMESTAMP = pa.timestamp("ms", tz="UTC")


@dataclass(frozen=True)
class Aggregation:
    """One LinkedIn report stream: which aggregation it asks for and which keys its rows carry."""

    stream: str  # the warehouse table and asset name, e.g. "learner_content_activity"
    primary: str
    secondary: str | None = None

    @property
    def has_learner(self) -> bool:
        return self.primary == "INDIVIDUAL"

    @property
    def has_content(self) -> bool:
        return "CONTENT" in (self.primary, self.secondary)

    @property
    def label(self) -> str:
        return self.primary if self.secondary is None else f"{self.primary}/{self.secondary}"

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
AGGREGATIONS = (ACCOUNT_ACTIVITY, LEARNER_ACTIVITY, LEARNER_CONTENT_ACTIVITY)

LEARNER_SCHEMA = pa.schema(
    [
        pa.field("learner_urn", pa.string()),
        pa.field("name", pa.string()),
        pa.field("email", pa.string()),
        pa.field("unique_user_id", pa.string()),
        pa.field("enterprise_groups", pa.string()),  # JSON text, loaded into jsonb
        pa.field("custom_attributes", pa.string()),  # JSON text, loaded into jsonb
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


class RecordError(ValueError):
    """A report element that cannot become a row without losing information."""


def engagement_value(raw: Any, *, window: DayWindow, engagement_type: Any) -> int:
    """engagementValue as an integer: exact coercions ("12", 12.0) pass, lossy ones (12.5) fail."""
    if isinstance(raw, bool) or raw is None:
        pass
    elif isinstance(raw, int):
        return raw
    elif isinstance(raw, float) and raw.is_integer():
        return int(raw)
    elif isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            pass
    raise RecordError(
        f"window {window}: engagementValue {raw!r} of {engagement_type!r} is not a whole number"
    )


def _epoch_ms(raw: Any, *, window: DayWindow, field: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    raise RecordError(f"window {window}: {field} {raw!r} is not epoch milliseconds")


def learner_urn(element: Mapping[str, Any]) -> str | None:
    entity = (element.get("learnerDetails") or {}).get("entity") or {}
    return entity.get("profileUrn")


def content_urn(element: Mapping[str, Any]) -> str | None:
    return (element.get("contentDetails") or {}).get("contentUrn")


def activity_batch(
    elements: Iterable[Mapping[str, Any]], window: DayWindow, aggregation: Aggregation
) -> pa.RecordBatch:
    """Every activity of every element as one row. Rows are keyed by (type, qualifier, asset type),
    never by their position in `activities`: the order is not a contract."""
    columns: dict[str, list] = {name: [] for name in aggregation.activity_schema.names}
    for element in elements:
        latest_data_at = _epoch_ms(element.get("latestDataAt"), window=window, field="latestDataAt")
        learner = learner_urn(element) if aggregation.has_learner else None
        content = content_urn(element) if aggregation.has_content else None
        for activity in element.get("activities") or ():
            engagement_type = activity.get("engagementType")
            columns["window_start"].append(window.day)
            if aggregation.has_learner:
                columns["learner_urn"].append(learner)
            if aggregation.has_content:
                columns["content_urn"].append(content)
            columns["engagement_type"].append(engagement_type)
            columns["engagement_qualifier"].append(activity.get("engagementMetricQualifier"))
            columns["asset_type"].append(activity.get("assetType") or NO_ASSET_TYPE)
            columns["engagement_value"].append(
                engagement_value(
                    activity.get("engagementValue"), window=window, engagement_type=engagement_type
                )
            )
            columns["first_engaged_at"].append(
                _epoch_ms(activity.get("firstEngagedAt"), window=window, field="firstEngagedAt")
            )
            columns["last_engaged_at"].append(
                _epoch_ms(activity.get("lastEngagedAt"), window=window, field="lastEngagedAt")
            )
            columns["latest_data_at"].append(latest_data_at)
    return pa.RecordBatch.from_pydict(columns, schema=aggregation.activity_schema)


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


def learner_batch(elements: Iterable[Mapping[str, Any]], seen_on: date) -> pa.RecordBatch:
    """The learner details of INDIVIDUAL elements, one row per element that names a learner."""
    rows: dict[str, list] = {name: [] for name in LEARNER_SCHEMA.names}
    for element in elements:
        urn = learner_urn(element)
        if urn is None:
            continue  # the activity rows keep the element; the keys check reports the missing urn
        details = element.get("learnerDetails") or {}
        rows["learner_urn"].append(urn)
        rows["name"].append(details.get("name"))
        rows["email"].append(details.get("email"))
        rows["unique_user_id"].append(details.get("uniqueUserId"))
        rows["enterprise_groups"].append(_json_text(details.get("enterpriseGroups")))
        rows["custom_attributes"].append(_json_text(details.get("customAttributes")))
        rows["last_seen_on"].append(seen_on)
    return pa.RecordBatch.from_pydict(rows, schema=LEARNER_SCHEMA)


def content_batch(elements: Iterable[Mapping[str, Any]], seen_on: date) -> pa.RecordBatch:
    """The content details of CONTENT elements, one row per element that names a content item."""
    rows: dict[str, list] = {name: [] for name in CONTENT_SCHEMA.names}
    for element in elements:
        urn = content_urn(element)
        if urn is None:
            continue
        details = element.get("contentDetails") or {}
        locale = details.get("locale") or {}
        rows["content_urn"].append(urn)
        rows["name"].append(details.get("name"))
        rows["locale_language"].append(locale.get("language"))
        rows["locale_country"].append(locale.get("country"))
        rows["content_provider_name"].append(details.get("contentProviderName"))
        rows["content_source"].append(details.get("contentSource"))
        rows["website_url"].append(details.get("websiteUrl"))
        rows["last_seen_on"].append(seen_on)
    return pa.RecordBatch.from_pydict(rows, schema=CONTENT_SCHEMA)
