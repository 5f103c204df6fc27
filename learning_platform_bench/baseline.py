"""The least a loader of one LinkedIn INDIVIDUAL+CONTENT day can do, sequential and with pages in
flight.

requests, a flatten to tuples, binary COPY into a table of the platform table's definition, nothing
else. `load_day` is the baseline: one page at a time. `load_day_in_flight` is the yardstick for the
platform's pages in flight: the same work with N requests at once.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import islice

import psycopg
import requests

from learning_platform.lib.windows import DayWindow

BASELINE_TABLE = "bench.learner_content_activity"
# Spelled out, not imported from the platform: the yardstick must not pay for pyarrow's import.
COLUMNS = (
    "window_start",
    "learner_urn",
    "content_urn",
    "engagement_type",
    "engagement_qualifier",
    "asset_type",
    "engagement_value",
    "first_engaged_at",
    "last_engaged_at",
    "latest_data_at",
)
TYPES = ("date", "text", "text", "text", "text", "text", "int8", "timestamptz", "timestamptz")
TYPES += ("timestamptz",)
PAGE_SIZE = 1000


def _moment(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC)


def prepare(conninfo: str) -> None:
    """The baseline's table: the platform table's columns and primary key, emptied."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS bench")
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} "
            "(LIKE linkedin_learning.learner_content_activity INCLUDING ALL)"
        )
        connection.execute(f"TRUNCATE {BASELINE_TABLE}")


def _token(session: requests.Session, token_url: str, client_id: str, client_secret: str) -> str:
    return session.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=30,
    ).json()["access_token"]


def _params(window: DayWindow) -> dict:
    return {
        "q": "criteria",
        "startedAt": window.start_ms,
        "timeOffset.unit": "DAY",
        "timeOffset.duration": 1,
        "aggregationCriteria.primary": "INDIVIDUAL",
        "aggregationCriteria.secondary": "CONTENT",
        "contentSource": "ALL_SOURCES",
        "count": PAGE_SIZE,
    }


def load_day(
    api_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    window: DayWindow,
    conninfo: str,
) -> int:
    """Fetch every page of the day and COPY its rows; returns the number of rows written."""
    session = requests.Session()
    token = _token(session, token_url, client_id, client_secret)
    params = _params(window)
    rows = 0
    statement = f"COPY {BASELINE_TABLE} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with (
        psycopg.connect(conninfo) as connection,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        copy.set_types(TYPES)
        start = 0
        while True:
            response = session.get(
                f"{api_url}/v2/learningActivityReports",
                params={**params, "start": start},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            response.raise_for_status()
            page = response.json()
            elements = page["elements"]
            if not elements:
                break
            for row in _flatten(window, elements):
                copy.write_row(row)
                rows += 1
            start += len(elements)
            if start >= page["paging"]["total"]:
                break
    return rows


def load_day_in_flight(
    api_url: str,
    token_url: str,
    client_id: str,
    client_secret: str,
    window: DayWindow,
    conninfo: str,
    in_flight: int,
) -> int:
    """The baseline's work with `in_flight` pages requested at once; returns the rows written.

    The first page tells `paging.total`; the others start at fixed offsets (every PAGE_SIZE
    elements), requested by a thread pool, at most `in_flight` at a time. LinkedIn answers some
    pages short although more follow, so a short page before the end is followed, in its own
    thread, by requests from where it stopped for what is missing up to that offset, as the
    platform's gap fills ask. Pages are flattened in their threads and handed to COPY in
    order. The requests are the platform's, so the sandbox's page cache serves both alike.
    """
    sessions = threading.local()  # a requests.Session is not shared between threads

    def get(start: int, count: int = PAGE_SIZE) -> dict:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        response = sessions.session.get(
            f"{api_url}/v2/learningActivityReports",
            params={**params, "start": start, "count": count},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def rows_from(start: int, elements: list[dict]) -> list[tuple]:
        """The rows of the page at `start`, its gap filled up to the next fixed offset."""
        end = min(start + PAGE_SIZE, total)
        filled = start + len(elements)
        while filled < end:
            gap = get(filled, count=end - filled)["elements"][: end - filled]
            if not gap:
                raise RuntimeError(f"no elements at start={filled} of {total} on {window.day}")
            elements = elements + gap
            filled += len(gap)
        return _flatten(window, elements)

    token = _token(requests.Session(), token_url, client_id, client_secret)
    params = _params(window)
    first = get(0)
    total = first["paging"]["total"]
    offsets = iter(range(PAGE_SIZE, total, PAGE_SIZE))
    rows = 0
    statement = f"COPY {BASELINE_TABLE} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with (
        ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="page") as pool,
        psycopg.connect(conninfo) as connection,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        copy.set_types(TYPES)

        def fetch(start: int) -> list[tuple]:
            return rows_from(start, get(start)["elements"])

        pending: deque[Future] = deque(
            pool.submit(fetch, start) for start in islice(offsets, in_flight)
        )
        page_rows = rows_from(0, first["elements"])
        while True:
            for row in page_rows:
                copy.write_row(row)
            rows += len(page_rows)
            if not pending:
                break
            page_rows = pending.popleft().result()
            # The next request leaves before this page is written: `in_flight` stay in flight.
            pending.extend(pool.submit(fetch, start) for start in islice(offsets, 1))
    return rows


def _flatten(window: DayWindow, elements: list[dict]) -> list[tuple]:
    """A page's elements as the baseline's rows: one per activity."""
    rows = []
    for element in elements:
        learner = element["learnerDetails"]["entity"]["profileUrn"]
        content = element["contentDetails"]["contentUrn"]
        latest = _moment(element.get("latestDataAt"))
        for metric in element["activities"]:
            rows.append(
                (
                    window.day,
                    learner,
                    content,
                    metric["engagementType"],
                    metric["engagementMetricQualifier"],
                    metric.get("assetType") or "",
                    metric["engagementValue"],
                    _moment(metric.get("firstEngagedAt")),
                    _moment(metric.get("lastEngagedAt")),
                    latest,
                )
            )
    return rows
