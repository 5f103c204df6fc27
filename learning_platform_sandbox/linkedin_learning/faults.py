"""LinkedIn's faults: failures by day and aggregation, and values no vocabulary knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from learning_platform.lib.windows import DayWindow
from learning_platform_sandbox.faults import (
    Failure,
    FaultsBase,
    check_error_status,
    retry_after_header,
)
from learning_platform_sandbox.linkedin_learning.api import SUPPORTED_AGGREGATIONS
from learning_platform_sandbox.linkedin_learning.elements import Activity
from learning_platform_sandbox.linkedin_learning.reports import ReportQuery
from learning_platform_sandbox.tokens import Tokens


@dataclass(kw_only=True)
class _Failure(Failure):
    day: date | None
    aggregation: str | None


@dataclass
class UnknownEnum:
    day: date
    field: str  # "engagementType" or "assetType"
    value: str
    aggregation: str | None
    every: int

    def apply(self, activities: list[Activity]) -> list[Activity]:
        if self.field == "assetType":
            return [a._replace(asset_type=self.value) if a.asset_type else a for a in activities]
        model = next((a for a in activities if a.asset_type), activities[0])
        return [*activities, model._replace(engagement_type=self.value, qualifier="TOTAL", value=1)]


class Faults(FaultsBase[_Failure, ReportQuery]):
    """Misbehaviour for the next report calls, set by tests at runtime; `clear()` undoes it all.

    Faults apply to report calls only (not to the token endpoint). Failures, slowness and garbage
    are consumed in the order they were set, one per matching call.
    """

    def __init__(self, tokens: Tokens) -> None:
        super().__init__(tokens)
        self._unknown_enums: list[UnknownEnum] = []

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: int | float | datetime | None = None,
        day: date | DayWindow | None = None,
        aggregation: str | None = None,
        after: int = 0,
    ) -> None:
        """Answer `status` with a LinkedIn error body to the next `times` matching report calls.

        `after` lets that many matching calls through first (a walk that breaks on page 3).

        `retry_after` adds a Retry-After header: seconds, or a datetime sent as an HTTP-date.
        `day` matches calls whose window covers that day; `aggregation` ("ACCOUNT", "INDIVIDUAL",
        "INDIVIDUAL+CONTENT", "CONTENT") matches calls with exactly that aggregation.
        """
        check_error_status(status)
        self._add_failure(
            _Failure(
                status=status,
                remaining=times,
                retry_after=retry_after_header(retry_after),
                day=_day(day),
                aggregation=_aggregation(aggregation),
                skip=after,
            )
        )

    def unknown_enum(
        self,
        day: date | DayWindow,
        *,
        field: str = "engagementType",
        value: str | None = None,
        aggregation: str | None = None,
        every: int = 10,
    ) -> None:
        """Put a value no vocabulary knows into the elements of windows that cover `day`.

        Hit are the elements whose position in the report is a multiple of `every` (so always the
        first). field="engagementType" adds a row (default value BOOKMARKS); field="assetType"
        renames the asset type of every row that has one (default PODCAST).
        """
        if field not in ("engagementType", "assetType"):
            raise ValueError(f"field must be 'engagementType' or 'assetType', got {field!r}")
        value = value or ("BOOKMARKS" if field == "engagementType" else "PODCAST")
        with self._lock:
            self._unknown_enums.append(
                UnknownEnum(_day(day), field, value, _aggregation(aggregation), every)
            )

    def _clear_own(self) -> None:
        self._unknown_enums = []

    def _failure_matches(self, failure: _Failure, query: ReportQuery) -> bool:
        return _matches(failure.day, failure.aggregation, query)

    # -- consumed by the simulator ------------------------------------------------------------

    def _enums_for(self, query: ReportQuery) -> list[UnknownEnum]:
        with self._lock:
            return [e for e in self._unknown_enums if _matches(e.day, e.aggregation, query)]


def _matches(day: date | None, aggregation: str | None, query: ReportQuery) -> bool:
    day_matches = day is None or day in query.days
    return day_matches and (aggregation is None or aggregation == query.aggregation)


def _day(day: date | DayWindow | None) -> date | None:
    return day.day if isinstance(day, DayWindow) else day


def _aggregation(aggregation: str | None) -> str | None:
    if aggregation is not None and aggregation not in SUPPORTED_AGGREGATIONS:
        raise ValueError(f"aggregation {aggregation!r} is not one of {SUPPORTED_AGGREGATIONS}")
    return aggregation
