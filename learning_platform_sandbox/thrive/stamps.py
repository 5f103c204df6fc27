"""Thrive's time and ids: UTC day numbers, record stamps and ids, ISO times, a window's records.

Activities and CPD entries are numbered per UTC day, and record `i` of a day is computed on its own
from (seed, day, i): its time lies in the i-th of the day's equal slices, so the numbering is
chronological, and record 0 is stamped at midnight exactly, so that how a client reads the
inclusive bounds shows on every day. Data exists for every day from 1970 to 2105; there is no
partial day and no late data here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from learning_platform_sandbox.organisation import stable_hash

MAX_PER_DAY = 0xFFFFFF  # the index of a record in its day takes 3 bytes of its id
DAY_MS = 86_400_000
# Ids start with the record's second since 1970 in 4 bytes, so data ends with 2105.
FIRST_DAY_NUMBER = 0
LAST_DAY_NUMBER = 2**32 // 86_400 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
HEX_ID = re.compile(r"[0-9a-fA-F]{24}")

Stamped = tuple[int, dict]  # (epoch ms, record): the time the record was stamped with


def stamp_of(day_number: int, index: int, count: int, fraction: int) -> int:
    # Slice `index` of `count` equal slices of the day, at a hashed point inside it (1/65536
    # steps); the first record of every day is at midnight exactly.
    start = day_number * DAY_MS
    if index == 0:
        return start
    return start + DAY_MS * (index * 65536 + fraction) // (count * 65536)


def record_id_of(stamp_ms: int, index: int, hashed: int) -> str:
    return f"{stamp_ms // 1000:08x}{index:06x}{hashed:010x}"


def hex24(*parts: object) -> str:
    return f"{stable_hash(*parts):032x}"[:24]


def iso_timestamp(epoch_ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def iso_datetime(moment: datetime) -> str:
    return iso_timestamp(epoch_ms_of(moment))


def epoch_ms_of(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} is naive: a time zone is required")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def day_number_of(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH.date()).days


def window_slice(
    records_on: Callable[[int], list[Stamped]],
    count_on: Callable[[int], int],
    start_ms: int,
    end_ms: int,
    keep: Callable[[dict], bool] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict]]:
    """How many records lie in [start_ms, end_ms], both ends included, and `limit` of them from
    `offset` on, over UTC days (numbered since 1970).

    A day wholly inside the window is counted without being built unless `keep` must look at its
    records, so a window of years costs the pages served, not its days.
    """
    total, page = 0, []
    stop = None if limit is None else offset + limit
    first = max(start_ms // DAY_MS, FIRST_DAY_NUMBER)
    last = min(end_ms // DAY_MS, LAST_DAY_NUMBER)
    for day_number in range(first, last + 1):
        day_start = day_number * DAY_MS
        matching: list[dict] | None = None
        if keep is None and start_ms <= day_start and day_start + DAY_MS - 1 <= end_ms:
            count = count_on(day_number)
        else:
            matching = [
                record
                for stamp, record in records_on(day_number)
                if start_ms <= stamp <= end_ms and (keep is None or keep(record))
            ]
            count = len(matching)
        low = max(offset - total, 0)
        high = count if stop is None else min(stop - total, count)
        if low < high:
            if matching is None:
                matching = [record for _, record in records_on(day_number)]
            page.extend(matching[low:high])
        total += count
    return total, page
