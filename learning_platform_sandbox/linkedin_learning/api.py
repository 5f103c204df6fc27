"""LinkedIn's Reporting API as simulated: paths, aggregations, limits, errors, and windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from learning_platform.lib.windows import PACIFIC, DayWindow, to_epoch_ms
from learning_platform_sandbox.organisation import LINKEDIN_LEARNING, ORGANIZATION, THIRD_PARTY

TOKEN_PATH = "/oauth/v2/accessToken"
REPORT_PATH = "/v2/learningActivityReports"
TOKEN_LIFETIME_SECONDS = 7775999  # about 90 days, as the real token endpoint answers

# The aggregations the simulator serves, as "PRIMARY" or "PRIMARY+SECONDARY".
SUPPORTED_AGGREGATIONS = ("ACCOUNT", "INDIVIDUAL", "INDIVIDUAL+CONTENT", "CONTENT")
MAX_WINDOW_DAYS = 14
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10

# Which content each `contentSource` value selects. Absent means EXTERNAL, the deprecated alias of
# LINKEDIN_LEARNING: a client that follows the `next` link (which drops `contentSource`) silently
# loses the organisation's own and third-party content.
CONTENT_SOURCE_SELECTS = {
    "ALL_SOURCES": None,
    "LINKEDIN_LEARNING": frozenset({LINKEDIN_LEARNING}),
    "EXTERNAL": frozenset({LINKEDIN_LEARNING}),
    "ORGANIZATION": frozenset({ORGANIZATION}),
    "INTERNAL": frozenset({ORGANIZATION}),
    "THIRD_PARTY": frozenset({THIRD_PARTY}),
}
DEFAULT_CONTENT_SOURCE = "EXTERNAL"

SERVICE_ERROR_CODES = {401: 65600, 403: 100, 429: 101}
ERROR_MESSAGES = {
    400: "Bad request",
    401: "Invalid access token",
    403: "Not enough permissions to access: learningActivityReports.FINDER-criteria",
    404: "Not found",
    429: "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def aggregation_label(primary: str, secondary: str | None) -> str:
    return primary if secondary is None else f"{primary}+{secondary}"


def days_in_window(started_at_ms: int, unit: str, duration: int) -> tuple[date, ...]:
    """The Pacific days whose start lies in [startedAt, startedAt + duration).

    The duration counts calendar days in Pacific time, so a one-DAY window that starts at
    midnight covers exactly that day even when it is 23 or 25 hours long.
    """
    start = datetime.fromtimestamp(started_at_ms / 1000, PACIFIC)
    end_ms = to_epoch_ms(start + timedelta(days=duration * (7 if unit == "WEEK" else 1)))
    day = start.date()
    if DayWindow(day).start_ms < started_at_ms:
        day += timedelta(days=1)
    days = []
    while DayWindow(day).start_ms < end_ms:
        days.append(day)
        day += timedelta(days=1)
    return tuple(days)
