"""The yardstick: the least a loader of one LinkedIn INDIVIDUAL+CONTENT day can do.

requests, a flatten to tuples, binary COPY into a table of the platform table's definition, nothing
else.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    token = session.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=30,
    ).json()["access_token"]
    params = {
        "q": "criteria",
        "startedAt": window.start_ms,
        "timeOffset.unit": "DAY",
        "timeOffset.duration": 1,
        "aggregationCriteria.primary": "INDIVIDUAL",
        "aggregationCriteria.secondary": "CONTENT",
        "contentSource": "ALL_SOURCES",
        "count": 1000,
    }
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
            for element in elements:
                learner = element["learnerDetails"]["entity"]["profileUrn"]
                content = element["contentDetails"]["contentUrn"]
                latest = _moment(element.get("latestDataAt"))
                for metric in element["activities"]:
                    copy.write_row(
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
                    rows += 1
            start += len(elements)
            if start >= page["paging"]["total"]:
                break
    return rows
