"""A report call's query string read into a ReportQuery and a page, or the 400 (or 500) it earns."""

from __future__ import annotations

from learning_platform.lib.vocabulary import (
    LINKEDIN_AGGREGATIONS,
    LINKEDIN_ASSET_TYPES,
)
from learning_platform_sandbox.linkedin_learning.api import (
    CONTENT_SOURCE_SELECTS,
    DEFAULT_CONTENT_SOURCE,
    DEFAULT_PAGE_SIZE,
    ERROR_MESSAGES,
    MAX_PAGE_SIZE,
    MAX_WINDOW_DAYS,
    SUPPORTED_AGGREGATIONS,
    aggregation_label,
    days_in_window,
)
from learning_platform_sandbox.linkedin_learning.reports import ReportQuery


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_report_params(params: dict[str, str]) -> tuple[ReportQuery, int, int]:
    if params.get("q") != "criteria":
        raise BadRequest(400, "Parameter 'q' is required and must be 'criteria'")
    started_at = _int_param(params, "startedAt")
    unit = params.get("timeOffset.unit")
    if unit not in ("DAY", "WEEK"):
        raise BadRequest(400, f"Parameter 'timeOffset.unit' must be DAY or WEEK, got {unit!r}")
    duration = _int_param(params, "timeOffset.duration")
    if duration < 1:
        raise BadRequest(400, f"Parameter 'timeOffset.duration' must be positive, got {duration}")
    if duration * (7 if unit == "WEEK" else 1) > MAX_WINDOW_DAYS:
        # The real API's answer to a window over 14 days: a bare 500, not a helpful 400.
        raise BadRequest(500, ERROR_MESSAGES[500])
    primary = params.get("aggregationCriteria.primary", "ACCOUNT")
    secondary = params.get("aggregationCriteria.secondary") or None
    for name, value in (("primary", primary), ("secondary", secondary)):
        if value is not None and value not in LINKEDIN_AGGREGATIONS:
            raise BadRequest(
                400, f"Parameter 'aggregationCriteria.{name}' has unknown value {value!r}"
            )
    if aggregation_label(primary, secondary) not in SUPPORTED_AGGREGATIONS:
        label = aggregation_label(primary, secondary)
        raise BadRequest(400, f"Aggregation {label} is not supported")
    content_source = params.get("contentSource", DEFAULT_CONTENT_SOURCE)
    if content_source not in CONTENT_SOURCE_SELECTS:
        raise BadRequest(400, f"Parameter 'contentSource' has unknown value {content_source!r}")
    asset_type = params.get("assetType") or None
    if asset_type is not None and asset_type not in LINKEDIN_ASSET_TYPES:
        raise BadRequest(400, f"Parameter 'assetType' has unknown value {asset_type!r}")
    if primary == "CONTENT" and asset_type is None:
        # What working consumers were told (upstreams.md §1.9, quirk 6); they send COURSE.
        raise BadRequest(400, "Aggregation CONTENT requires the parameter 'assetType'")
    start = _int_param(params, "start", default=0)
    count = _int_param(params, "count", default=DEFAULT_PAGE_SIZE)
    if start < 0:
        raise BadRequest(400, f"Parameter 'start' must not be negative, got {start}")
    if not 1 <= count <= MAX_PAGE_SIZE:
        raise BadRequest(400, f"Parameter 'count' must be 1 to {MAX_PAGE_SIZE}, got {count}")
    try:
        days = days_in_window(started_at, unit, duration)
    except (OverflowError, OSError, ValueError):
        raise BadRequest(400, f"Parameter 'startedAt' is out of range: {started_at}") from None
    return ReportQuery(days, primary, secondary, content_source, asset_type), start, count


def _int_param(params: dict[str, str], name: str, default: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        if default is None:
            raise BadRequest(400, f"Parameter '{name}' is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(400, f"Parameter '{name}' must be an integer, got {raw!r}") from None
