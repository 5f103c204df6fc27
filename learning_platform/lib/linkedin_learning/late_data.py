"""Which loaded LinkedIn days to pull again: those loaded before LinkedIn's data for them was final,
once LinkedIn's latestDataAt has passed their end."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from learning_platform.lib.linkedin_learning.records import day_is_final
from learning_platform.lib.windows import MAX_DAYS_PER_RUN, DayWindow, consecutive_runs


@dataclass
class Requested:
    """What the late-data sensor asked for (its cursor): each day, with the API's latestDataAt
    (epoch ms) it was last requested at. The same day is asked for again only at a later one."""

    at: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_cursor(cls, cursor: str | None) -> Requested:
        if not cursor:
            return cls()
        saved = json.loads(cursor)
        return cls({day: int(latest) for day, latest in saved.get("requested", {}).items()})

    def to_cursor(self) -> str:
        return json.dumps({"requested": self.at}, sort_keys=True)

    def already(self, day: date, latest_data_at_ms: int) -> bool:
        return self.at.get(day.isoformat(), -1) >= latest_data_at_ms

    def forget_before(self, first: date) -> None:
        """Days older than the lookback are never asked for again: keep the cursor small."""
        self.at = {day: at for day, at in self.at.items() if date.fromisoformat(day) >= first}


@dataclass(frozen=True)
class LateDataPlan:
    not_final: list[date]  # loaded with a latestDataAt before their end
    stale: list[date]  # of those, the days LinkedIn's current latestDataAt has passed
    runs: list[list[date]]  # stale days not yet requested at this latestDataAt, as runs


def not_final_days(loaded: Mapping[date, Sequence[int | None]]) -> list[date]:
    """The loaded days where any table holds a latestDataAt (epoch ms, None if missing) that did
    not reach the day's end."""
    return sorted(
        day
        for day, latests in loaded.items()
        if not all(day_is_final(DayWindow(day), latest) for latest in latests)
    )


def plan_late_data(
    loaded: Mapping[date, Sequence[int | None]],
    api_latest_data_at_ms: int,
    requested: Requested,
    run_size: int = MAX_DAYS_PER_RUN,
) -> LateDataPlan:
    """The days to pull again now, in runs of at most `run_size` consecutive days; a gap starts a
    new run. Records the days it plans in `requested`."""
    not_final = not_final_days(loaded)
    stale = [day for day in not_final if day_is_final(DayWindow(day), api_latest_data_at_ms)]
    due = [day for day in stale if not requested.already(day, api_latest_data_at_ms)]
    for day in due:
        requested.at[day.isoformat()] = api_latest_data_at_ms
    return LateDataPlan(not_final, stale, consecutive_runs(due, run_size))
