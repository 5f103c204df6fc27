"""Day windows in Pacific time: the unit of every LinkedIn API call."""

from datetime import date, datetime, timedelta, timezone

import pytest

from learning_platform.lib.windows import (
    DayWindow,
    batches_of_days,
    consecutive_runs,
    window_for_key,
)


def test_window_starts_at_pacific_midnight_in_epoch_ms():
    window = window_for_key("2026-07-15")
    assert window.start_ms == int(datetime(2026, 7, 15, 7, tzinfo=timezone.utc).timestamp() * 1000)
    assert window.end_ms - window.start_ms == 24 * 3600 * 1000


def test_daylight_saving_days_are_23_and_25_hours_long():
    """A day is midnight to midnight local time, never start + 24h: the spring-forward day is short."""
    spring = DayWindow(date(2026, 3, 8))
    autumn = DayWindow(date(2026, 11, 1))
    assert spring.end_ms - spring.start_ms == 23 * 3600 * 1000
    assert autumn.end_ms - autumn.start_ms == 25 * 3600 * 1000
    assert DayWindow(date(2026, 3, 9)).start_ms == spring.end_ms


def test_a_range_of_thirty_days_splits_into_runs_of_at_most_fourteen_with_no_gap_or_overlap():
    windows = [DayWindow(date(2026, 1, 1) + timedelta(days=n)) for n in range(30)]
    batches = batches_of_days(windows)
    assert [len(batch) for batch in batches] == [14, 14, 2]
    flattened = [window for batch in batches for window in batch]
    assert flattened == windows
    assert len({window.day for window in flattened}) == 30


def test_a_partition_key_that_is_not_a_day_is_refused_by_name():
    with pytest.raises(ValueError, match="'2026-13-01'"):
        window_for_key("2026-13-01")


def test_scattered_days_become_runs_of_consecutive_days_of_at_most_fourteen():
    """A gap starts a new run, and so does the fifteenth day of an unbroken stretch; the order
    and repeats of the input do not matter."""
    stretch = [date(2026, 1, 1) + timedelta(days=n) for n in range(16)]  # Jan 1..16
    alone = date(2026, 1, 18)
    runs = consecutive_runs([alone, *reversed(stretch), stretch[3]])
    assert runs == [stretch[:14], stretch[14:], [alone]]
    assert consecutive_runs([]) == []
