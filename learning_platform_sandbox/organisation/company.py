"""The Organisation: its learners and catalogue, and each Pacific day's engagements with them.

The day's engagements
---------------------
On a full Pacific day there are `pairs_per_day` engagements, each one distinct (learner, content)
pair. Engagement `i` of a day is computed on its own, in O(1):

- its pair comes from an affine permutation of the learner × content grid (`(a*i + b) mod N` with a
  coprime to N), so the pairs of a day never repeat and no day is ever built in memory;
- its first engagement lies in the i-th of `pairs_per_day` equal slices of the day, so engagements
  are numbered in chronological order. That makes a partial day a prefix: the engagements present
  at `data_through` are exactly those first engaged at or before it.

Completeness follows `data_through` (what LinkedIn calls `latestDataAt`): a day that ended at or
before it is complete, the day containing it holds the prefix above, later days are empty.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from learning_platform.lib.linkedin_learning.records import FINAL_MARGIN_MS
from learning_platform.lib.windows import PACIFIC, DayWindow, to_epoch_ms
from learning_platform_sandbox.organisation.catalogue import Content, make_content
from learning_platform_sandbox.organisation.hashing import stable_hash
from learning_platform_sandbox.organisation.people import Learner, make_learner

# Seconds viewed in one day's engagement, by asset type: (fewest, most).
_SECONDS_VIEWED = {
    "COURSE": (60, 3600),
    "VIDEO": (20, 900),
    "LEARNING_PATH": (120, 5400),
    "ARTICLE": (30, 600),
    "BOOK": (300, 3600),
    "AUDIO": (120, 2700),
    "DOCUMENT": (30, 900),
    "EVENT": (900, 3600),
    "LEARNING_COLLECTION": (60, 1800),
}
_COMPLETION_PERCENT = 20  # share of engagements that reach 100 % on the day


class Engagement(NamedTuple):
    """One learner's engagement with one content item during one Pacific day."""

    day: date
    index: int  # position in the day; engagements are numbered in chronological order
    learner: Learner
    content: Content
    first_engaged_at_ms: int
    last_engaged_at_ms: int
    seconds_viewed: int
    progress_percentage: int  # 1-100; 100 exactly when completed
    completed: bool


@dataclass(frozen=True)
class _DayPlan:
    """What engagement `i` of one day needs, computed once per day."""

    day: date
    ordinal: int  # days since 1970-01-01, part of every hash of the day
    start_ms: int
    end_ms: int  # next Pacific midnight: days are 23 or 25 hours long on DST changes
    # Coprime to the grid size N, so i -> (multiplier*i + offset) mod N is a bijection.
    multiplier: int
    offset: int
    hash_prefix: bytes  # stable_hash(seed, "engagement", ordinal, i) == _hash_with(hash_prefix, i)


class Organisation:
    """A deterministic company: learners, a content catalogue and their daily engagements.

    `pairs_per_day` is the number of (learner, content) engagements on a complete day (default
    three per learner); it cannot exceed learners × contents. `data_through` (aware datetime) is
    how far the upstream data reaches; it defaults to 23:59 yesterday, Pacific, like the LinkedIn
    doc sample's `latestDataAt`, and can be moved at runtime to simulate late data.
    """

    def __init__(
        self,
        seed: int = 7,
        learners: int = 60,
        contents: int = 40,
        account_id: int = 999,
        pairs_per_day: int | None = None,
        data_through: datetime | None = None,
    ) -> None:
        if learners < 1 or contents < 1:
            raise ValueError(
                f"an organisation needs learners and contents, got {learners}, {contents}"
            )
        grid = learners * contents
        if pairs_per_day is None:
            pairs_per_day = min(3 * learners, grid)
        if not 0 <= pairs_per_day <= grid:
            raise ValueError(
                f"pairs_per_day={pairs_per_day} must lie between 0 and "
                f"learners × contents = {grid}: "
                "each engagement of a day is a distinct (learner, content) pair"
            )
        self.seed = seed
        self.account_id = account_id
        self.pairs_per_day = pairs_per_day
        self.learners: tuple[Learner, ...] = tuple(
            make_learner(seed, account_id, i) for i in range(learners)
        )
        self.contents: tuple[Content, ...] = tuple(make_content(seed, i) for i in range(contents))
        self._learner_by_email = {learner.email: learner for learner in self.learners}
        self._plans: dict[date, _DayPlan] = {}
        self.data_through = data_through if data_through is not None else _default_data_through()

    # -- time ------------------------------------------------------------------------------

    @property
    def data_through(self) -> datetime:
        return self._data_through

    @data_through.setter
    def data_through(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError(f"data_through {moment!r} is naive: a time zone is required")
        self._data_through = moment
        self._data_through_ms = to_epoch_ms(moment)

    @property
    def latest_data_at_ms(self) -> int:
        """`data_through` in epoch milliseconds: LinkedIn's `latestDataAt`."""
        return self._data_through_ms

    def is_complete(self, day: date) -> bool:
        return self._plan(day).end_ms - FINAL_MARGIN_MS <= self._data_through_ms

    # -- people and content ----------------------------------------------------------------

    @property
    def account_urn(self) -> str:
        return f"urn:li:enterpriseAccount:{self.account_id}"

    def learner_by_email(self, email: str) -> Learner:
        """The learner with this e-mail (case-insensitive); KeyError if there is none."""
        return self._learner_by_email[email.strip().lower()]

    # -- engagements -----------------------------------------------------------------------

    def engagement_count(self, day: date) -> int:
        """How many engagements of `day` exist as of `data_through`."""
        plan = self._plan(day)
        through = self._data_through_ms
        if plan.end_ms - FINAL_MARGIN_MS <= through:
            # Data stamped with the day's last minute is LinkedIn's mark of a complete day.
            return self.pairs_per_day
        if plan.start_ms > through:
            return 0
        # First engagement times grow with the index, so the present engagements are a prefix;
        # its end is near the slice that holds `through`, found without scanning the day.
        count = self.pairs_per_day
        present = max(0, (through - plan.start_ms) * count // (plan.end_ms - plan.start_ms) - 1)
        while present < count and self._first_engaged_ms(plan, present) <= through:
            present += 1
        return present

    def engagements(self, day: date) -> Iterator[Engagement]:
        """Every engagement of `day` present as of `data_through`, in chronological order."""
        for index in range(self.engagement_count(day)):
            yield self.engagement(day, index)

    def pair(self, day: date, index: int) -> tuple[Learner, Content]:
        """Learner and content of engagement `index` of `day`, without computing its metrics."""
        return self._pair(self._plan(day), index)

    def engagement(self, day: date, index: int) -> Engagement:
        """Engagement `index` of `day` as it stands when the day is complete (O(1), no day built).

        On the partial day, `last_engaged_at_ms` is cut at `data_through`.
        """
        plan = self._plan(day)
        learner, content = self._pair(plan, index)
        bits = _hash_with(plan.hash_prefix, index)
        first = _first_engaged_ms_from(plan, index, self.pairs_per_day, bits)
        fewest, most = _SECONDS_VIEWED[content.asset_type]
        seconds = fewest + (bits >> 16) % (most - fewest + 1)
        completed = (bits >> 48) % 100 < _COMPLETION_PERCENT
        progress = 100 if completed else 1 + (bits >> 56) % 99
        # Time in the content plus pauses, within the day and never past what the data covers.
        last = first + seconds * 1000 + (bits >> 64) % 1_800_000
        last = max(first, min(last, plan.end_ms - 1, self._data_through_ms))
        return Engagement(day, index, learner, content, first, last, seconds, progress, completed)

    def _plan(self, day: date) -> _DayPlan:
        plan = self._plans.get(day)
        if plan is None:
            window = DayWindow(day, PACIFIC)
            ordinal = (day - date(1970, 1, 1)).days
            grid = len(self.learners) * len(self.contents)
            bits = stable_hash(self.seed, "day", ordinal)
            multiplier = 1 + bits % grid if grid > 1 else 1
            while math.gcd(multiplier, grid) != 1:
                multiplier = multiplier % grid + 1
            plan = _DayPlan(
                day=day,
                ordinal=ordinal,
                start_ms=window.start_ms,
                end_ms=window.end_ms,
                multiplier=multiplier,
                offset=(bits >> 64) % grid,
                hash_prefix=f"{self.seed}\x1fengagement\x1f{ordinal}\x1f".encode(),
            )
            self._plans[day] = plan  # a benign race: two threads compute the same plan
        return plan

    def _pair(self, plan: _DayPlan, index: int) -> tuple[Learner, Content]:
        if not 0 <= index < self.pairs_per_day:
            raise IndexError(f"engagement {index} of {plan.day}: a day has {self.pairs_per_day}")
        contents = len(self.contents)
        cell = (plan.multiplier * index + plan.offset) % (len(self.learners) * contents)
        return self.learners[cell // contents], self.contents[cell % contents]

    def _first_engaged_ms(self, plan: _DayPlan, index: int) -> int:
        bits = _hash_with(plan.hash_prefix, index)
        return _first_engaged_ms_from(plan, index, self.pairs_per_day, bits)


def _hash_with(prefix: bytes, index: int) -> int:
    # stable_hash with the parts before `index` already joined: the hot path of every page.
    digest = hashlib.blake2b(prefix + str(index).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


def _first_engaged_ms_from(plan: _DayPlan, index: int, count: int, bits: int) -> int:
    # Slice `index` of `count` equal slices of the day, at a hashed point inside it (1/65536 steps).
    length = plan.end_ms - plan.start_ms
    return plan.start_ms + length * (index * 65536 + (bits & 0xFFFF)) // (count * 65536)


def _default_data_through() -> datetime:
    today = datetime.now(PACIFIC).date()
    return datetime.combine(today, time.min, tzinfo=PACIFIC) - timedelta(minutes=1)
