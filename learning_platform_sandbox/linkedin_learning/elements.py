"""Report elements and their activities, built from the organisation's engagements (no HTTP).

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
- CONTENT (served only with an assetType, as the real API wants): one element per engaged content
  item: ENGAGED_LEARNERS/UNIQUE, VIEWS/TOTAL, SECONDS_VIEWED/TOTAL and COMPLETIONS/TOTAL under its
  asset type (a guess: no sample exists).

So SECONDS_VIEWED and COMPLETIONS agree across INDIVIDUAL+CONTENT, INDIVIDUAL, ACCOUNT and CONTENT;
VIEWS/TOTAL per asset type equals the number of INDIVIDUAL+CONTENT elements of that type on one day.
Per content item on one day, CONTENT's SECONDS_VIEWED and COMPLETIONS are the sums of its
INDIVIDUAL+CONTENT rows, and its ENGAGED_LEARNERS and VIEWS the number of its INDIVIDUAL+CONTENT
elements (one per learner).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from learning_platform_sandbox.organisation import (
    CONTENT_ASSET_TYPES,
    Content,
    Engagement,
    Learner,
)


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


def pair_element(engagement: Engagement) -> ReportElement:
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


def learner_tallies(engagements: Iterable[Engagement]) -> list[_LearnerTally]:
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


def account_element(learners: list[_LearnerTally]) -> ReportElement:
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


def merged_pair_elements(engagements: Iterable[Engagement]) -> list[ReportElement]:
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


def content_elements(engagements: Iterable[Engagement]) -> list[ReportElement]:
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
