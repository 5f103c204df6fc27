"""Day windows in a time zone: the unit of work of the daily-partitioned streams."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")

# LinkedIn refuses report windows longer than 14 days (with a 500, not a 400), so no run may ask
# for more than 14 daily windows at once, and no single API call ever spans more than one day.
MAX_DAYS_PER_RUN = 14


@dataclass(frozen=True, order=True)
class DayWindow:
    """One calendar day in a time zone: [start, end) as aware datetimes.

    On a daylight-saving change the day is 23 or 25 hours long; `end` is always the next local
    midnight, never `start + 24h`.
    """

    day: date
    zone: ZoneInfo = PACIFIC

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.day + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def start_ms(self) -> int:
        return to_epoch_ms(self.start)

    @property
    def end_ms(self) -> int:
        return to_epoch_ms(self.end)

    @property
    def key(self) -> str:
        """The Dagster partition key of this window."""
        return self.day.isoformat()

    def __str__(self) -> str:
        return f"{self.day.isoformat()} ({self.zone.key})"


def to_epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: a time zone is required")
    return int(moment.timestamp() * 1000)


def from_epoch_ms(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def window_for_key(partition_key: str, zone: ZoneInfo = PACIFIC) -> DayWindow:
    """The window of a daily partition key (`YYYY-MM-DD`)."""
    try:
        day = date.fromisoformat(partition_key)
    except ValueError:
        raise ValueError(f"partition key {partition_key!r} is not a day (YYYY-MM-DD)") from None
    return DayWindow(day, zone)


def batches_of_days(
    windows: list[DayWindow], size: int = MAX_DAYS_PER_RUN
) -> list[list[DayWindow]]:
    """Consecutive runs of at most `size` windows, in order."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    ordered = sorted(windows)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def consecutive_runs(days: Iterable[date], size: int = MAX_DAYS_PER_RUN) -> list[list[date]]:
    """The days, sorted and without repeats, as runs of consecutive days of at most `size` each:
    a gap starts a new run, and so does the day after every `size` days of an unbroken stretch."""
    if size < 1:
        raise ValueError("run size must be at least 1")
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][-1] == timedelta(days=1) and len(runs[-1]) < size:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs
