"""A Thrive API call's path and query string read into a query, or the 400 it earns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from learning_platform_sandbox.thrive.api import (
    DEFAULT_PER_PAGE,
    LIST_ENDPOINTS,
    MAX_PER_PAGE,
    REST_BASE,
)
from learning_platform_sandbox.thrive.stamps import HEX_ID, epoch_ms_of

_INTEGER = re.compile(r"-?[0-9]+")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2}):([0-9]{2}))?")


class BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ListQuery:
    endpoint: str  # "activities", "cpdEntries" or "users"
    page: int
    per_page: int
    start_ms: int = 0
    end_ms: int = 0
    keep: Callable[[dict], bool] | None = None  # the activity types asked for


@dataclass(frozen=True)
class RecordQuery:
    endpoint: str  # "activity" or "user"
    record_id: str


def parse_path(path: str) -> tuple[str, str | None] | None:
    """(endpoint, record id or None) of an API path; None when nothing lives there."""
    if not path.startswith(REST_BASE + "/"):
        return None
    rest = path[len(REST_BASE) + 1 :]
    if rest in LIST_ENDPOINTS:
        return rest, None
    # The single-record paths are singular: /activity/<id> and /user/<id>.
    endpoint, slash, record_id = rest.partition("/")
    if slash and endpoint in ("activity", "user") and "/" not in record_id:
        return endpoint, record_id
    return None


def parse_record_id(endpoint: str, record_id: str) -> RecordQuery:
    if not HEX_ID.fullmatch(record_id):
        raise BadRequest(f"{endpoint} id must be 24 hexadecimal characters, got {record_id!r}")
    return RecordQuery(endpoint, record_id.lower())


def parse_list_params(endpoint: str, params: dict[str, str]) -> ListQuery:
    page = _int_param(params, "page", 1)
    if page < 1:
        raise BadRequest(f"Parameter 'page' must be 1 or more, got {page}")
    per_page = _int_param(params, "perPage", DEFAULT_PER_PAGE[endpoint])
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"Parameter 'perPage' must be 1 to {MAX_PER_PAGE}, got {per_page}")
    if endpoint == "users":
        return ListQuery(endpoint, page, per_page)
    if endpoint == "activities":
        start_name, end_name = "timestampFrom", "timestampTo"
    else:
        start_name, end_name = "entryDateFrom", "entryDateTo"
    start_ms = _timestamp_param(params, start_name)
    end_ms = _timestamp_param(params, end_name)
    keep = None
    if endpoint == "activities":
        keep = _verb_filter(_csv(params.get("actions")), _csv(params.get("omitActions")))
    return ListQuery(endpoint, page, per_page, start_ms, end_ms, keep)


def _verb_filter(actions: frozenset[str], omitted: frozenset[str]) -> Callable[[dict], bool] | None:
    """What `actions` (types to keep) and `omitActions` (types to drop) keep; None: everything."""
    if not actions and not omitted:
        return None

    def keep(record: dict) -> bool:
        verb = record["type"]
        return (not actions or verb in actions) and verb not in omitted

    return keep


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadRequest(f"Parameter '{name}' must be an integer, got {raw!r}")
    return int(raw)


def _timestamp_param(params: dict[str, str], name: str) -> int:
    """Epoch ms of a `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DD` filter value, read as UTC."""
    raw = params.get(name)
    if raw is None:
        raise BadRequest(f"Parameter '{name}' is required by the sandbox: its data never ends")
    message = f"Parameter '{name}' must be YYYY-MM-DD hh:mm:ss or YYYY-MM-DD, got {raw!r}"
    match = _TIMESTAMP.fullmatch(raw)
    if match is None:
        raise BadRequest(message)
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:  # well formed but no such time: month 13, hour 24
        raise BadRequest(message) from None
    return epoch_ms_of(moment)


def _csv(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
