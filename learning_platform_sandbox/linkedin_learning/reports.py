"""LinkedIn Learning activity reports over an organisation: queries and their elements."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from learning_platform.lib.windows import DayWindow
from learning_platform_sandbox.linkedin_learning.api import (
    CONTENT_SOURCE_SELECTS,
    SUPPORTED_AGGREGATIONS,
    aggregation_label,
)
from learning_platform_sandbox.linkedin_learning.elements import (
    ActivityRow,
    ReportElement,
    account_element,
    content_elements,
    learner_tallies,
    merged_pair_elements,
    pair_element,
)
from learning_platform_sandbox.organisation import Content, Engagement, Organisation

# A report window as tests name it: one day, or several (a multi-day window).
Window = date | DayWindow | Iterable[date | DayWindow]
Totals = dict[tuple[str, str, str | None], int]  # (engagementType, qualifier, assetType) -> sum


@dataclass(frozen=True)
class ReportQuery:
    """What one report call asks for, with the window already resolved to Pacific days."""

    days: tuple[date, ...]
    primary: str = "ACCOUNT"
    secondary: str | None = None
    content_source: str = "ALL_SOURCES"
    asset_type: str | None = None

    @property
    def aggregation(self) -> str:
        return aggregation_label(self.primary, self.secondary)

    @classmethod
    def of(
        cls,
        window: Window,
        primary: str = "ACCOUNT",
        secondary: str | None = None,
        *,
        content_source: str = "ALL_SOURCES",
        asset_type: str | None = None,
    ) -> ReportQuery:
        """A query for a day, a DayWindow, or several of them (a multi-day window)."""
        query = cls(_as_days(window), primary, secondary, content_source, asset_type)
        if query.aggregation not in SUPPORTED_AGGREGATIONS:
            raise ValueError(f"aggregation {query.aggregation} is not simulated")
        if content_source not in CONTENT_SOURCE_SELECTS:
            raise ValueError(f"unknown contentSource {content_source!r}")
        return query


class Report:
    """The elements of one query as of one `data_through`; pages are built on demand."""

    def __init__(
        self,
        query: ReportQuery,
        total: int,
        build: Callable[[int, int], list[ReportElement]],
        latest_data_at_ms: int,
    ) -> None:
        self.query = query
        self.total = total
        self.latest_data_at_ms = latest_data_at_ms
        self._build = build

    def elements(self, start: int = 0, stop: int | None = None) -> list[ReportElement]:
        stop = self.total if stop is None else min(stop, self.total)
        return self._build(start, stop) if start < stop else []


class LinkedInReports:
    """LinkedIn Learning activity reports over an organisation, computed without HTTP.

    A single-day INDIVIDUAL+CONTENT report is built page by page straight from engagement
    indices, so a 1000-element page of a 400,000-pair day costs 1000 engagements. With a
    contentSource or assetType filter, only the matching indices of the day are kept (an array of
    ints). The other aggregations and multi-day windows need a pass over their days; they are
    cached, keyed by what can change them (the days' engagement counts, and `data_through` while
    a day is partial).
    """

    _CACHE_SIZE = 32

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self._cache: OrderedDict[tuple, object] = OrderedDict()
        self._cache_lock = threading.Lock()

    def report(self, query: ReportQuery) -> Report:
        org = self.organisation
        latest = org.latest_data_at_ms
        if query.aggregation == "INDIVIDUAL+CONTENT" and len(query.days) == 1:
            day = query.days[0]
            indices = self._pair_indices(query)

            def build(start: int, stop: int) -> list[ReportElement]:
                return [pair_element(org.engagement(day, i)) for i in indices[start:stop]]

            return Report(query, len(indices), build, latest)
        elements = self._cached(query, "elements", lambda: self._materialise(query))
        return Report(query, len(elements), lambda start, stop: elements[start:stop], latest)

    # -- expectations for tests ------------------------------------------------------------

    def expected_element_count(
        self, window: Window, primary: str = "ACCOUNT", secondary: str | None = None, **filters
    ) -> int:
        """How many elements paging through this window must yield."""
        return self.report(ReportQuery.of(window, primary, secondary, **filters)).total

    def expected_row_count(
        self, window: Window, primary: str = "ACCOUNT", secondary: str | None = None, **filters
    ) -> int:
        """How many activity rows (element × activity) the window holds."""
        return sum(1 for _ in self.activity_rows(window, primary, secondary, **filters))

    def expected_totals(
        self, window: Window, primary: str = "ACCOUNT", secondary: str | None = None, **filters
    ) -> Totals:
        """Sum of engagementValue per (engagementType, qualifier, assetType or None)."""
        totals: Totals = {}
        for row in self.activity_rows(window, primary, secondary, **filters):
            key = (row.engagement_type, row.qualifier, row.asset_type)
            totals[key] = totals.get(key, 0) + row.value
        return totals

    def activity_rows(
        self, window: Window, primary: str = "ACCOUNT", secondary: str | None = None, **filters
    ) -> Iterator[ActivityRow]:
        """Every activity of the window, with its entity and content, in element order.

        `window` is a date, a DayWindow or several; `filters` are content_source (default
        ALL_SOURCES, what clients should send) and asset_type.
        """
        query = ReportQuery.of(window, primary, secondary, **filters)
        report = self.report(query)
        for start in range(0, report.total, 10_000):  # a big day, a slice at a time
            for element in report.elements(start, start + 10_000):
                entity = self._entity_urn(query, element)
                content_urn = element.content.urn if element.content is not None else None
                for activity in element.activities:
                    yield ActivityRow(entity, content_urn, *activity)

    # -- building ----------------------------------------------------------------------------

    def _entity_urn(self, query: ReportQuery, element: ReportElement) -> str | None:
        if query.primary == "ACCOUNT":
            return self.organisation.account_urn
        return element.learner.profile_urn if element.learner is not None else None

    def _pair_indices(self, query: ReportQuery) -> Sequence[int]:
        org = self.organisation
        day = query.days[0]
        present = org.engagement_count(day)
        if CONTENT_SOURCE_SELECTS[query.content_source] is None and query.asset_type is None:
            return range(present)

        def matching() -> array:
            return array("l", (i for i in range(present) if _selected(query, org.pair(day, i)[1])))

        return self._cached(query, "indices", matching)

    def _materialise(self, query: ReportQuery) -> list[ReportElement]:
        engagements = self._engagements(query)
        if query.aggregation == "INDIVIDUAL+CONTENT":
            return merged_pair_elements(engagements)
        if query.aggregation == "CONTENT":
            return content_elements(engagements)
        # INDIVIDUAL and ACCOUNT share one pass over the days: the learners' tallies.
        learners = self._cached(
            replace(query, primary="INDIVIDUAL"), "learners", lambda: learner_tallies(engagements)
        )
        if query.aggregation == "INDIVIDUAL":
            return [ReportElement(t.learner, None, t.activities()) for t in learners]
        return [account_element(learners)] if learners else []

    def _engagements(self, query: ReportQuery) -> Iterator[Engagement]:
        for day in query.days:
            for engagement in self.organisation.engagements(day):
                if _selected(query, engagement.content):
                    yield engagement

    def _cached(self, query: ReportQuery, kind: str, compute: Callable[[], object]):
        org = self.organisation
        counts = tuple(org.engagement_count(day) for day in query.days)
        # While a day is partial, moving data_through can change values without changing counts.
        partial = any(0 < n and not org.is_complete(day) for day, n in zip(query.days, counts))
        key = (kind, query, counts, org.latest_data_at_ms if partial else None)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()  # outside the lock: two threads may compute the same thing once each
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > self._CACHE_SIZE:
                self._cache.popitem(last=False)
        return value


def _selected(query: ReportQuery, content: Content) -> bool:
    sources = CONTENT_SOURCE_SELECTS[query.content_source]
    if sources is not None and content.content_source not in sources:
        return False
    return query.asset_type is None or content.asset_type == query.asset_type


def _as_days(window: Window) -> tuple[date, ...]:
    if isinstance(window, DayWindow):
        return (window.day,)
    if isinstance(window, date):
        return (window,)
    return tuple(sorted({w.day if isinstance(w, DayWindow) else w for w in window}))
