"""LinkedIn Learning simulator: token endpoint and Reporting API over an Organisation, with quirks.

Two layers:

- `LinkedInReports` turns the organisation's engagements into report elements, with no HTTP. Tests
  use it for expectations (`expected_element_count`, `expected_row_count`, `expected_totals`,
  `activity_rows`).
- `LinkedInSimulator` serves those elements over HTTP the way upstreams.md §1 describes the real
  API, quirks included, and lets tests inject faults (`simulator.faults`) and observe the calls.

What the reports guarantee (for a window, after the same filters):

- INDIVIDUAL+CONTENT: one element per (learner, content) pair engaged in the window, with
  SECONDS_VIEWED/TOTAL, PROGRESS_PERCENTAGE/TOTAL and, when completed, COMPLETIONS/TOTAL, all under
  the content's asset type. Over several days: seconds and completions add up, progress is the
  maximum.
- INDIVIDUAL: one element per active learner: DAYS_ACTIVE/UNIQUE (no assetType), SECONDS_VIEWED/
  TOTAL under VIDEO (like the real API, it holds the seconds of every asset type), then VIEWS/TOTAL
  and COMPLETIONS/TOTAL for each of the nine asset types (zeros included): 20 rows. VIEWS counts
  one per engagement (pair and day).
- ACCOUNT: one element (none when nobody was active) with the INDIVIDUAL rows summed over learners
  plus VIEWS/UNIQUE (no assetType) = the number of active learners: 21 rows.
- CONTENT: one element per engaged content item: ENGAGED_LEARNERS/UNIQUE, VIEWS/TOTAL,
  SECONDS_VIEWED/TOTAL and COMPLETIONS/TOTAL under its asset type (a guess: no sample exists).

So SECONDS_VIEWED and COMPLETIONS agree across INDIVIDUAL+CONTENT, INDIVIDUAL, ACCOUNT and CONTENT;
VIEWS/TOTAL per asset type equals the number of INDIVIDUAL+CONTENT elements of that type on one day.
"""

from __future__ import annotations

import json
import secrets
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple
from urllib.parse import parse_qs, urlencode

from learning_platform.lib.vocabulary import (
    LINKEDIN_AGGREGATIONS,
    LINKEDIN_ASSET_TYPES,
)
from learning_platform.lib.windows import PACIFIC, DayWindow, to_epoch_ms
from learning_platform_sandbox.faults import Failure, FaultsBase, retry_after_header
from learning_platform_sandbox.messages import Request, Response, dumps
from learning_platform_sandbox.observation import ObservedSimulator, RequestRecord
from learning_platform_sandbox.organisation import (
    CONTENT_ASSET_TYPES,
    LINKEDIN_LEARNING,
    ORGANIZATION,
    THIRD_PARTY,
    Content,
    Engagement,
    Learner,
    Organisation,
)
from learning_platform_sandbox.tokens import Tokens, same

TOKEN_PATH = "/oauth/v2/accessToken"
REPORT_PATH = "/v2/learningActivityReports"
TOKEN_LIFETIME_SECONDS = 7775999  # about 90 days, as the real token endpoint answers

# The aggregations the simulator serves, as "PRIMARY" or "PRIMARY+SECONDARY".
SUPPORTED_AGGREGATIONS = ("ACCOUNT", "INDIVIDUAL", "INDIVIDUAL+CONTENT", "CONTENT")
MAX_WINDOW_DAYS = 14
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
# LinkedIn sometimes answers fewer elements than asked although more exist; here every third page
# (by start // count) is this much short, so a client that stops on a short page loses data.
SHORT_PAGE_SHORTFALL = 7

# Which content each `contentSource` value selects. Absent means EXTERNAL, the deprecated alias of
# LINKEDIN_LEARNING: a client that follows the `next` link (which drops `contentSource`) silently
# loses the organisation's own and third-party content.
_CONTENT_SOURCE_SELECTS = {
    "ALL_SOURCES": None,
    "LINKEDIN_LEARNING": frozenset({LINKEDIN_LEARNING}),
    "EXTERNAL": frozenset({LINKEDIN_LEARNING}),
    "ORGANIZATION": frozenset({ORGANIZATION}),
    "INTERNAL": frozenset({ORGANIZATION}),
    "THIRD_PARTY": frozenset({THIRD_PARTY}),
}
DEFAULT_CONTENT_SOURCE = "EXTERNAL"

_SERVICE_ERROR_CODES = {401: 65600, 403: 100, 429: 101}
_ERROR_MESSAGES = {
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


# A report window as tests name it: one day, or several (a multi-day window).
Window = date | DayWindow | Iterable[date | DayWindow]
Totals = dict[tuple[str, str, str | None], int]  # (engagementType, qualifier, assetType) -> sum


def aggregation_label(primary: str, secondary: str | None) -> str:
    return primary if secondary is None else f"{primary}+{secondary}"


# -- report elements, without HTTP -------------------------------------------------------------


class Activity(NamedTuple):
    """One engagement metric of a report element (one warehouse row)."""

    engagement_type: str
    qualifier: str
    asset_type: str | None
    value: int
    first_engaged_at: int | None  # epoch ms; null on rows with nothing behind them
    last_engaged_at: int | None


class ActivityRow(NamedTuple):
    """An activity with the element it belongs to: what a loader lands, one per activity."""

    entity_urn: str | None  # profileUrn (INDIVIDUAL), accountUrn (ACCOUNT), None (CONTENT)
    content_urn: str | None
    engagement_type: str
    qualifier: str
    asset_type: str | None
    value: int
    first_engaged_at: int | None
    last_engaged_at: int | None


@dataclass(slots=True)
class ReportElement:
    learner: Learner | None  # INDIVIDUAL primary
    content: Content | None  # CONTENT primary or secondary
    activities: list[Activity]


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
        if content_source not in _CONTENT_SOURCE_SELECTS:
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
                return [_pair_element(org.engagement(day, i)) for i in indices[start:stop]]

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
        if _CONTENT_SOURCE_SELECTS[query.content_source] is None and query.asset_type is None:
            return range(present)

        def matching() -> array:
            return array("l", (i for i in range(present) if _selected(query, org.pair(day, i)[1])))

        return self._cached(query, "indices", matching)

    def _materialise(self, query: ReportQuery) -> list[ReportElement]:
        engagements = self._engagements(query)
        if query.aggregation == "INDIVIDUAL+CONTENT":
            return _merged_pair_elements(engagements)
        if query.aggregation == "CONTENT":
            return _content_elements(engagements)
        # INDIVIDUAL and ACCOUNT share one pass over the days: the learners' tallies.
        learners = self._cached(
            replace(query, primary="INDIVIDUAL"), "learners", lambda: _learner_tallies(engagements)
        )
        if query.aggregation == "INDIVIDUAL":
            return [ReportElement(t.learner, None, t.activities()) for t in learners]
        return [_account_element(learners)] if learners else []

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
    sources = _CONTENT_SOURCE_SELECTS[query.content_source]
    if sources is not None and content.content_source not in sources:
        return False
    return query.asset_type is None or content.asset_type == query.asset_type


def _pair_activities(
    asset_type: str, seconds: int, progress: int, completions: int, first: int, last: int
) -> list[Activity]:
    # The real API's observed order: SECONDS_VIEWED, PROGRESS_PERCENTAGE, then COMPLETIONS.
    activities = [
        Activity("SECONDS_VIEWED", "TOTAL", asset_type, seconds, first, last),
        Activity("PROGRESS_PERCENTAGE", "TOTAL", asset_type, progress, first, last),
    ]
    if completions:
        activities.append(Activity("COMPLETIONS", "TOTAL", asset_type, completions, first, last))
    return activities


def _pair_element(engagement: Engagement) -> ReportElement:
    content = engagement.content
    activities = _pair_activities(
        content.asset_type,
        engagement.seconds_viewed,
        engagement.progress_percentage,
        int(engagement.completed),
        engagement.first_engaged_at_ms,
        engagement.last_engaged_at_ms,
    )
    return ReportElement(engagement.learner, content, activities)


class _Tally:
    """Sums of engagements: views, seconds, completions, first and last engagement."""

    __slots__ = ("views", "seconds", "completions", "progress", "first", "last")

    def __init__(self) -> None:
        self.views = self.seconds = self.completions = self.progress = 0
        self.first: int | None = None
        self.last: int | None = None

    def add(self, engagement: Engagement) -> None:
        # Called once per engagement and tally on every pass over a day: kept free of calls.
        self.views += 1
        self.seconds += engagement.seconds_viewed
        self.completions += engagement.completed
        if engagement.progress_percentage > self.progress:
            self.progress = engagement.progress_percentage
        if self.first is None or engagement.first_engaged_at_ms < self.first:
            self.first = engagement.first_engaged_at_ms
        if self.last is None or engagement.last_engaged_at_ms > self.last:
            self.last = engagement.last_engaged_at_ms

    def merge(self, other: _Tally) -> None:
        self.views += other.views
        self.seconds += other.seconds
        self.completions += other.completions
        self.progress = max(self.progress, other.progress)
        self.first = _earliest(self.first, other.first)
        self.last = _latest(self.last, other.last)


class _LearnerTally:
    def __init__(self, learner: Learner) -> None:
        self.learner = learner
        self.days: set[date] = set()
        self.overall = _Tally()
        self.by_asset_type: dict[str, _Tally] = {}

    def add(self, engagement: Engagement) -> None:
        self.days.add(engagement.day)
        self.overall.add(engagement)
        self.by_asset_type.setdefault(engagement.content.asset_type, _Tally()).add(engagement)

    def activities(self) -> list[Activity]:
        return _learner_activities(len(self.days), None, self.overall, self.by_asset_type)


def _learner_tallies(engagements: Iterable[Engagement]) -> list[_LearnerTally]:
    tallies: dict[int, _LearnerTally] = {}
    for engagement in engagements:
        learner = engagement.learner
        tally = tallies.get(learner.index)
        if tally is None:
            tally = tallies[learner.index] = _LearnerTally(learner)
        tally.add(engagement)
    return [tallies[index] for index in sorted(tallies)]


def _learner_activities(
    days_active: int, unique_viewers: int | None, overall: _Tally, by_asset_type: dict[str, _Tally]
) -> list[Activity]:
    first, last = overall.first, overall.last
    activities = [Activity("DAYS_ACTIVE", "UNIQUE", None, days_active, first, last)]
    if unique_viewers is not None:
        activities.append(Activity("VIEWS", "UNIQUE", None, unique_viewers, first, last))
    # Seconds of every asset type, reported under VIDEO as the real API does.
    activities.append(Activity("SECONDS_VIEWED", "TOTAL", "VIDEO", overall.seconds, first, last))
    for asset_type in CONTENT_ASSET_TYPES:
        t = by_asset_type.get(asset_type) or _Tally()
        completed = t.completions > 0
        activities += [
            Activity("VIEWS", "TOTAL", asset_type, t.views, t.first, t.last),
            Activity(
                "COMPLETIONS",
                "TOTAL",
                asset_type,
                t.completions,
                t.first if completed else None,
                t.last if completed else None,
            ),
        ]
    return activities


def _account_element(learners: list[_LearnerTally]) -> ReportElement:
    overall = _Tally()
    by_asset_type: dict[str, _Tally] = {}
    for learner in learners:
        overall.merge(learner.overall)
        for asset_type, tally in learner.by_asset_type.items():
            by_asset_type.setdefault(asset_type, _Tally()).merge(tally)
    # Learner-days, as in the doc sample (88 days active for 12 unique viewers in a week).
    days_active = sum(len(learner.days) for learner in learners)
    activities = _learner_activities(days_active, len(learners), overall, by_asset_type)
    return ReportElement(None, None, activities)


def _merged_pair_elements(engagements: Iterable[Engagement]) -> list[ReportElement]:
    pairs: dict[tuple[int, int], tuple[Learner, Content, _Tally]] = {}
    for engagement in engagements:
        key = (engagement.learner.index, engagement.content.index)
        if key not in pairs:
            pairs[key] = (engagement.learner, engagement.content, _Tally())
        pairs[key][2].add(engagement)
    return [
        ReportElement(
            learner,
            content,
            _pair_activities(
                content.asset_type, t.seconds, t.progress, t.completions, t.first, t.last
            ),
        )
        for learner, content, t in pairs.values()
    ]


def _content_elements(engagements: Iterable[Engagement]) -> list[ReportElement]:
    tallies: dict[int, tuple[Content, _Tally, set[int]]] = {}
    for engagement in engagements:
        content = engagement.content
        if content.index not in tallies:
            tallies[content.index] = (content, _Tally(), set())
        tallies[content.index][1].add(engagement)
        tallies[content.index][2].add(engagement.learner.index)
    elements = []
    for index in sorted(tallies):
        content, t, learners = tallies[index]
        asset_type = content.asset_type
        activities = [
            Activity("ENGAGED_LEARNERS", "UNIQUE", asset_type, len(learners), t.first, t.last),
            Activity("VIEWS", "TOTAL", asset_type, t.views, t.first, t.last),
            Activity("SECONDS_VIEWED", "TOTAL", asset_type, t.seconds, t.first, t.last),
            Activity("COMPLETIONS", "TOTAL", asset_type, t.completions, t.first, t.last),
        ]
        elements.append(ReportElement(None, content, activities))
    return elements


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _as_days(window: Window) -> tuple[date, ...]:
    if isinstance(window, DayWindow):
        return (window.day,)
    if isinstance(window, date):
        return (window,)
    return tuple(sorted({w.day if isinstance(w, DayWindow) else w for w in window}))


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


# -- faults -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _Failure(Failure):
    day: date | None
    aggregation: str | None


@dataclass
class _UnknownEnum:
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
        self._unknown_enums: list[_UnknownEnum] = []

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
        if not 400 <= status <= 599:
            raise ValueError(f"a failure needs an error status, got {status}")
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
                _UnknownEnum(_day(day), field, value, _aggregation(aggregation), every)
            )

    def _clear_own(self) -> None:
        self._unknown_enums = []

    def _failure_matches(self, failure: _Failure, query: ReportQuery) -> bool:
        return _matches(failure.day, failure.aggregation, query)

    # -- consumed by the simulator ------------------------------------------------------------

    def _enums_for(self, query: ReportQuery) -> list[_UnknownEnum]:
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


# -- the HTTP simulator -----------------------------------------------------------------------


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LinkedInSimulator(ObservedSimulator):
    """LinkedIn Learning's token endpoint and `/v2/learningActivityReports`, over one organisation.

    Quirks always on: the `next` link exists past the last page and drops `contentSource`; every
    third page is short; `activities` come in a per-element order; a window over 14 days is a 500;
    some learners have no `uniqueUserId`. Faults are set through `faults`.
    """

    path_prefixes = (TOKEN_PATH, REPORT_PATH)
    faults: Faults

    def __init__(
        self,
        organisation: Organisation,
        *,
        client_id: str = "sandbox-linkedin-client",
        client_secret: str | None = None,
        page_cache_bytes: int = 0,
    ) -> None:
        super().__init__()
        self.organisation = organisation
        self.reports = LinkedInReports(organisation)
        self.client_id = client_id
        # Random per simulator, so a leak test can search logs for this exact string.
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self._tokens = Tokens()
        self.faults = Faults(self._tokens)
        self._learner_details: dict[int, str] = {}
        self._content_details: dict[int, str] = {}
        # Rendered pages, for benchmarks: a big day rendered once serves every repeat at the speed
        # of a socket write, so the client's work is what gets measured, not the simulator's.
        self._page_cache = _PageCache(page_cache_bytes)

    # -- for tests and clients -------------------------------------------------------------

    def environment(self, base_url: str) -> dict[str, str]:
        return {
            "LINKEDIN_LEARNING_API_URL": base_url,
            "LINKEDIN_LEARNING_TOKEN_URL": base_url + TOKEN_PATH,
            "LINKEDIN_LEARNING_CLIENT_ID": self.client_id,
            "LINKEDIN_LEARNING_CLIENT_SECRET": self.client_secret,
        }

    def issue_token(self) -> str:
        """A valid access token without an HTTP call, for tests that are not about auth."""
        return self._tokens.issue()

    def revoke_all_tokens(self) -> None:
        self._tokens.revoke_issued_before(self._tokens.issued)

    @property
    def report_requests(self) -> list[RequestRecord]:
        return [record for record in self.requests if record.path == REPORT_PATH]

    @property
    def max_reports_in_flight(self) -> int:
        return self._max_in_flight

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            self._count_token_request()
            response = self._token(request)
            params: dict[str, str] = {}  # the form body holds the client secret: never recorded
        elif request.path == REPORT_PATH:
            with self._counting_in_flight():
                response = self._report(request)
            params = dict(request.params)
        else:
            response = _error(404, f"no resource at {request.path}")
            params = dict(request.params)
        self._observe(request, params, response.status)
        return response

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return Response.json(405, {"error": "invalid_request", "error_description": "use POST"})
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "client_credentials":
            message = "grant_type must be client_credentials"
            return _oauth_error(400, "unsupported_grant_type", message)
        id_ok = same(form.get("client_id", ""), self.client_id)
        secret_ok = same(form.get("client_secret", ""), self.client_secret)
        if not (id_ok and secret_ok):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        token = self._tokens.issue()
        return Response.json(200, {"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS})

    def _report(self, request: Request) -> Response:
        self._apply_faults_before_call()
        if not self._tokens.is_valid(request.bearer_token()):
            return _error(401)
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on {REPORT_PATH}")
        try:
            query, start, count = _parse_report_params(request.params)
        except _BadRequest as bad:
            return _error(bad.status, bad.message)
        failure = self.faults._take_failure(query)
        if failure is not None:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return _error(failure.status, headers=headers)
        return self._ok(self._page(request.params, query, start, count), _HTML_ERROR_PAGE)

    def _page(self, params: dict[str, str], query: ReportQuery, start: int, count: int) -> bytes:
        enums = self.faults._enums_for(query)
        if enums:  # a fault shapes this page: never cached, never served from the cache
            return self._render_page(params, query, start, count, enums)
        key = (tuple(sorted(params.items())), self.organisation.latest_data_at_ms)
        page = self._page_cache.get(key)
        if page is None:
            page = self._render_page(params, query, start, count, enums)
            self._page_cache.put(key, page)
        return page

    def _render_page(
        self,
        params: dict[str, str],
        query: ReportQuery,
        start: int,
        count: int,
        enums: list[_UnknownEnum],
    ) -> bytes:
        report = self.reports.report(query)
        short = count > SHORT_PAGE_SHORTFALL and (start // count) % 3 == 2
        elements = report.elements(start, start + count - (SHORT_PAGE_SHORTFALL if short else 0))
        rendered = [
            self._render(query, element, start + offset, report.latest_data_at_ms, enums)
            for offset, element in enumerate(elements)
        ]
        links = _paging_links(params, start, count)
        paging = {"total": report.total, "count": count, "start": start, "links": links}
        return f'{{"elements":[{",".join(rendered)}],"paging":{dumps(paging)}}}'.encode()

    def _render(
        self,
        query: ReportQuery,
        element: ReportElement,
        position: int,
        latest: int,
        enums: list[_UnknownEnum],
    ) -> str:
        activities = _reordered(element, query, self.organisation.seed)
        for enum in enums:
            if position % enum.every == 0:
                activities = enum.apply(activities)
        parts = [f'{{"latestDataAt":{latest}']
        if query.primary == "ACCOUNT":
            account_urn = _quote(self.organisation.account_urn)
            parts.append(f'"learnerDetails":{{"entity":{{"accountUrn":{account_urn}}}}}')
        elif element.learner is not None:
            parts.append(self._learner_json(element.learner))
        if element.content is not None:
            parts.append(self._content_json(element.content))
        parts.append('"activities":[' + ",".join(map(_activity_json, activities)) + "]}")
        return ",".join(parts)

    def _learner_json(self, learner: Learner) -> str:
        cached = self._learner_details.get(learner.index)
        if cached is None:
            details: dict[str, object] = {"name": learner.name, "email": learner.email}
            # Only learners provisioned by SSO or CSV carry uniqueUserId; in the sandbox, every
            # 25th learner was invited by e-mail instead.
            if learner.index % 25 != 24:
                details["uniqueUserId"] = learner.unique_user_id
            details["enterpriseGroups"] = []
            details["customAttributes"] = {"department": learner.department}
            details["entity"] = {"profileUrn": learner.profile_urn}
            cached = self._learner_details[learner.index] = '"learnerDetails":' + dumps(details)
        return cached

    def _content_json(self, content: Content) -> str:
        cached = self._content_details.get(content.index)
        if cached is None:
            internal = content.content_source != LINKEDIN_LEARNING
            details: dict[str, object] = {
                "name": content.name,
                "contentUrn": content.urn,
                "locale": content.locale.as_dict(),
                "contentProviderName": content.content_provider_name,
                # Deprecated field, two values only: LinkedIn's own catalogue is EXTERNAL.
                "contentSource": "INTERNAL" if internal else "EXTERNAL",
            }
            if internal:
                details["websiteUrl"] = f"https://learning.example.com/content/{content.content_id}"
            cached = self._content_details[content.index] = '"contentDetails":' + dumps(details)
        return cached


class _PageCache:
    """Rendered pages up to a total size in bytes, least recently used out first; 0 keeps none."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: bytes) -> None:
        if len(page) > self.max_bytes:
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = page
            self._bytes += len(page)
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)


def _parse_report_params(params: dict[str, str]) -> tuple[ReportQuery, int, int]:
    if params.get("q") != "criteria":
        raise _BadRequest(400, "Parameter 'q' is required and must be 'criteria'")
    started_at = _int_param(params, "startedAt")
    unit = params.get("timeOffset.unit")
    if unit not in ("DAY", "WEEK"):
        raise _BadRequest(400, f"Parameter 'timeOffset.unit' must be DAY or WEEK, got {unit!r}")
    duration = _int_param(params, "timeOffset.duration")
    if duration < 1:
        raise _BadRequest(400, f"Parameter 'timeOffset.duration' must be positive, got {duration}")
    if duration * (7 if unit == "WEEK" else 1) > MAX_WINDOW_DAYS:
        # The real API's answer to a window over 14 days: a bare 500, not a helpful 400.
        raise _BadRequest(500, _ERROR_MESSAGES[500])
    primary = params.get("aggregationCriteria.primary", "ACCOUNT")
    secondary = params.get("aggregationCriteria.secondary") or None
    for name, value in (("primary", primary), ("secondary", secondary)):
        if value is not None and value not in LINKEDIN_AGGREGATIONS:
            raise _BadRequest(
                400, f"Parameter 'aggregationCriteria.{name}' has unknown value {value!r}"
            )
    if aggregation_label(primary, secondary) not in SUPPORTED_AGGREGATIONS:
        label = aggregation_label(primary, secondary)
        raise _BadRequest(400, f"Aggregation {label} is not supported")
    content_source = params.get("contentSource", DEFAULT_CONTENT_SOURCE)
    if content_source not in _CONTENT_SOURCE_SELECTS:
        raise _BadRequest(400, f"Parameter 'contentSource' has unknown value {content_source!r}")
    asset_type = params.get("assetType") or None
    if asset_type is not None and asset_type not in LINKEDIN_ASSET_TYPES:
        raise _BadRequest(400, f"Parameter 'assetType' has unknown value {asset_type!r}")
    start = _int_param(params, "start", default=0)
    count = _int_param(params, "count", default=DEFAULT_PAGE_SIZE)
    if start < 0:
        raise _BadRequest(400, f"Parameter 'start' must not be negative, got {start}")
    if not 1 <= count <= MAX_PAGE_SIZE:
        raise _BadRequest(400, f"Parameter 'count' must be 1 to {MAX_PAGE_SIZE}, got {count}")
    try:
        days = days_in_window(started_at, unit, duration)
    except (OverflowError, OSError, ValueError):
        raise _BadRequest(400, f"Parameter 'startedAt' is out of range: {started_at}") from None
    return ReportQuery(days, primary, secondary, content_source, asset_type), start, count


def _int_param(params: dict[str, str], name: str, default: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        if default is None:
            raise _BadRequest(400, f"Parameter '{name}' is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise _BadRequest(400, f"Parameter '{name}' must be an integer, got {raw!r}") from None


def _paging_links(params: dict[str, str], start: int, count: int) -> list[dict[str, str]]:
    # Both quirks of the documentation's own sample: `next` is there even past the last page, and
    # its href has lost contentSource (so has `prev`, built the same way). `next` also assumes a
    # full page, so after a short page it skips elements.
    kept = {k: v for k, v in params.items() if k not in ("contentSource", "start", "count")}

    def href(page_start: int) -> str:
        query = urlencode(sorted({**kept, "start": str(page_start), "count": str(count)}.items()))
        return f"{REPORT_PATH}?{query}"

    links = []
    if start > 0:
        previous = max(0, start - count)
        links.append({"rel": "prev", "type": "application/json", "href": href(previous)})
    links.append({"rel": "next", "type": "application/json", "href": href(start + count)})
    return links


def _reordered(element: ReportElement, query: ReportQuery, seed: int) -> list[Activity]:
    """The element's activities in an order of its own: rotated and maybe reversed.

    Deterministic from integers only (the built-in hash of str or date is salted per process).
    """
    activities = element.activities
    learner = element.learner.index if element.learner is not None else -1
    content = element.content.index if element.content is not None else -1
    ordinal = query.days[0].toordinal() if query.days else 0
    key = ((learner + 2) * 2_654_435_761 + (content + 2) * 40_503 + ordinal * 97 + seed) % 1_000_003
    turn = key % len(activities)
    reordered = activities[turn:] + activities[:turn]
    if (key // len(activities)) % 2:
        reordered.reverse()
    return reordered


_quote = json.encoder.encode_basestring_ascii  # the C encoder: pages are big


def _activity_json(activity: Activity) -> str:
    asset = f',"assetType":{_quote(activity.asset_type)}' if activity.asset_type is not None else ""
    first = "null" if activity.first_engaged_at is None else activity.first_engaged_at
    last = "null" if activity.last_engaged_at is None else activity.last_engaged_at
    return (
        f'{{"engagementType":{_quote(activity.engagement_type)},"engagementValue":{activity.value},'
        f'"engagementMetricQualifier":{_quote(activity.qualifier)}{asset},'
        f'"firstEngagedAt":{first},"lastEngagedAt":{last}}}'
    )


def _error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """LinkedIn's error body: {"serviceErrorCode", "message", "status"}."""
    body = {
        "serviceErrorCode": _SERVICE_ERROR_CODES.get(status, 0),
        "message": message or _ERROR_MESSAGES.get(status, "Error"),
        "status": status,
    }
    return Response.json(status, body, headers)


def _oauth_error(status: int, error: str, description: str) -> Response:
    """The token endpoint's error body, OAuth style (not the API's serviceErrorCode body)."""
    return Response.json(status, {"error": error, "error_description": description})


_HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>LinkedIn</title></head>"
    b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
)
