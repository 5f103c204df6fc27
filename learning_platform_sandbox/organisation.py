"""One deterministic synthetic company (people, content, daily engagement) for every simulator.

The LinkedIn simulator reports on it today; Thrive and Thought Industries simulators will report on
the same learners (same e-mails) later, so nothing here is shaped like one vendor's API.

Everything derives from `seed` through blake2b hashes of (seed, what, day, index): never the global
`random` state, never the per-process salted built-in `hash` of strings. Two organisations with the
same arguments are identical, in any process.

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

from learning_platform.lib.linkedin_records import FINAL_MARGIN_MS
from learning_platform.lib.windows import PACIFIC, DayWindow, to_epoch_ms

# The nine asset types of LinkedIn's ACCOUNT report sample, in that sample's order. Every content
# item is one of them (ASSESSMENT is a known value that no report row carries).
CONTENT_ASSET_TYPES = (
    "ARTICLE",
    "AUDIO",
    "BOOK",
    "LEARNING_COLLECTION",
    "COURSE",
    "DOCUMENT",
    "EVENT",
    "LEARNING_PATH",
    "VIDEO",
)

# Where content comes from, as LinkedIn's `contentSource` filter names it.
LINKEDIN_LEARNING = "LINKEDIN_LEARNING"
ORGANIZATION = "ORGANIZATION"
THIRD_PARTY = "THIRD_PARTY"

FIRST_NAMES = (
    "ada",
    "alan",
    "amara",
    "ana",
    "arjun",
    "beatriz",
    "carlos",
    "chen",
    "chloe",
    "dmitri",
    "elena",
    "emeka",
    "farah",
    "grace",
    "hana",
    "ibrahim",
    "ingrid",
    "jamal",
    "joao",
    "kenji",
    "lars",
    "leila",
    "lucia",
    "mateo",
    "mei",
    "nadia",
    "noah",
    "olga",
    "omar",
    "priya",
    "quentin",
    "rosa",
    "samir",
    "sofia",
    "tariq",
    "uma",
    "valentina",
    "wei",
    "yusuf",
    "zoe",
)
LAST_NAMES = (
    "abara",
    "berg",
    "castillo",
    "dubois",
    "eriksen",
    "fernandes",
    "garcia",
    "hopper",
    "ibarra",
    "johnson",
    "kowalski",
    "lovelace",
    "moreau",
    "nakamura",
    "okafor",
    "petrov",
    "quinn",
    "rossi",
    "silva",
    "tanaka",
    "turing",
    "umarov",
    "varga",
    "weber",
    "xu",
    "yilmaz",
    "zhang",
    "haddad",
    "murphy",
    "novak",
    "connolly",
    "patel",
    "santos",
    "schmidt",
    "singh",
    "smith",
    "takahashi",
    "van-dijk",
    "williams",
    "kim",
)
DEPARTMENTS = (
    "Engineering",
    "Finance",
    "Sales",
    "Marketing",
    "People",
    "Operations",
    "Legal",
    "Support",
)

_TOPICS = (
    "Excel",
    "Python",
    "SQL",
    "Project Management",
    "Leadership",
    "Public Speaking",
    "Data Visualization",
    "Cloud Computing",
    "Agile",
    "Negotiation",
    "Time Management",
    "Power BI",
    "JavaScript",
    "Cybersecurity",
    "Machine Learning",
    "Business Writing",
    "Design Thinking",
    "Accounting",
    "Customer Service",
    "Kubernetes",
    "Critical Thinking",
    "Statistics",
    "Digital Marketing",
    "Coaching",
    "Git",
)
_TITLE_TEMPLATES = {
    "COURSE": (
        "{topic} Essential Training",
        "Learning {topic}",
        "{topic}: Advanced Techniques",
        "{topic} for Beginners",
        "Mastering {topic}",
    ),
    "VIDEO": ("{topic} Tips and Tricks", "{topic} in Five Minutes", "What Is {topic}?"),
    "LEARNING_PATH": ("Become an Expert in {topic}", "Master {topic}", "{topic} Career Path"),
    "ARTICLE": ("Why {topic} Matters", "Five Myths About {topic}"),
    "BOOK": ("The {topic} Handbook", "{topic}: A Practical Guide"),
    "AUDIO": ("The {topic} Podcast", "{topic} on the Go"),
    "DOCUMENT": ("{topic} Cheat Sheet", "{topic} Checklist"),
    "EVENT": ("Live Q&A: {topic}", "{topic} Summit Keynote"),
    "LEARNING_COLLECTION": ("{topic} Collection", "Team Picks: {topic}"),
}
# Share of the catalogue per asset type (percent), after one item of each type is guaranteed.
_ASSET_TYPE_WEIGHTS = (
    ("COURSE", 40),
    ("VIDEO", 25),
    ("LEARNING_PATH", 10),
    ("ARTICLE", 5),
    ("BOOK", 5),
    ("AUDIO", 4),
    ("DOCUMENT", 4),
    ("EVENT", 4),
    ("LEARNING_COLLECTION", 3),
)
_GUARANTEED_ASSET_TYPES = (
    "COURSE",
    "VIDEO",
    "LEARNING_PATH",
    "ARTICLE",
    "BOOK",
    "AUDIO",
    "DOCUMENT",
    "EVENT",
    "LEARNING_COLLECTION",
)
_URN_KINDS = {
    "COURSE": "lyndaCourse",
    "VIDEO": "lyndaVideo",
    "LEARNING_PATH": "lyndaLearningPath",
    "ARTICLE": "lyndaArticle",
    "BOOK": "lyndaBook",
    "AUDIO": "lyndaAudio",
    "DOCUMENT": "lyndaDocument",
    "EVENT": "lyndaEvent",
    "LEARNING_COLLECTION": "lyndaLearningCollection",
}
_LOCALES = (("en", "US"),) * 6 + (
    ("en", "GB"),
    ("fr", "FR"),
    ("de", "DE"),
    ("es", "ES"),
    ("ja", "JP"),
)
_THIRD_PARTY_PROVIDERS = ("Contoso Academy", "Fabrikam Learning")
_ORGANIZATION_PROVIDER = "Example Corp"
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


def stable_hash(*parts: object) -> int:
    """128 deterministic bits for `parts`, the same in every process."""
    key = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")


@dataclass(frozen=True)
class Learner:
    """One person of the company, known to every learning platform under the same e-mail."""

    index: int
    first_name: str
    last_name: str
    email: str
    unique_user_id: str
    linkedin_profile_id: int
    thrive_id: str
    department: str
    account_id: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def profile_urn(self) -> str:
        return (
            f"urn:li:enterpriseProfile:(urn:li:enterpriseAccount:{self.account_id},"
            f"{self.linkedin_profile_id})"
        )


@dataclass(frozen=True)
class Locale:
    language: str
    country: str

    def as_dict(self) -> dict[str, str]:
        return {"language": self.language, "country": self.country}


@dataclass(frozen=True)
class Content:
    """One item of the catalogue: a course, a video, a learning path, a book..."""

    index: int
    asset_type: str
    content_id: int
    name: str
    locale: Locale
    content_provider_name: str
    content_source: str  # LINKEDIN_LEARNING, ORGANIZATION or THIRD_PARTY

    @property
    def urn(self) -> str:
        return f"urn:li:{_URN_KINDS[self.asset_type]}:{self.content_id}"


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
        self.learners: tuple[Learner, ...] = tuple(self._make_learner(i) for i in range(learners))
        self.contents: tuple[Content, ...] = tuple(self._make_content(i) for i in range(contents))
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

    # -- construction ----------------------------------------------------------------------

    def _make_learner(self, index: int) -> Learner:
        bits = stable_hash(self.seed, "learner", index)
        first_name = FIRST_NAMES[bits % len(FIRST_NAMES)]
        last_name = LAST_NAMES[(bits >> 16) % len(LAST_NAMES)]
        return Learner(
            index=index,
            first_name=first_name.title(),
            last_name=last_name.replace("-", " ").title().replace(" ", "-"),
            # The index keeps e-mails unique however many learners share a name.
            email=f"{first_name}.{last_name}.{index}@example.com",
            unique_user_id=f"E{index:06d}",
            # Increasing with the index, so unique; the hash only makes them look less tidy.
            linkedin_profile_id=60_000_000 + index * 1000 + (bits >> 32) % 1000,
            thrive_id=f"{stable_hash(self.seed, 'thrive', index):032x}"[:24],
            department=DEPARTMENTS[(bits >> 48) % len(DEPARTMENTS)],
            account_id=self.account_id,
        )

    def _make_content(self, index: int) -> Content:
        bits = stable_hash(self.seed, "content", index)
        if index < len(_GUARANTEED_ASSET_TYPES):
            asset_type = _GUARANTEED_ASSET_TYPES[index]
        else:
            asset_type = _weighted_asset_type(bits % 100)
        if index % 10 == 3:
            source, provider = ORGANIZATION, _ORGANIZATION_PROVIDER
        elif index % 10 == 7:
            source = THIRD_PARTY
            provider = _THIRD_PARTY_PROVIDERS[(bits >> 8) % len(_THIRD_PARTY_PROVIDERS)]
        else:
            source, provider = LINKEDIN_LEARNING, "LinkedIn"
        topic = _TOPICS[(bits >> 16) % len(_TOPICS)]
        templates = _TITLE_TEMPLATES[asset_type]
        language, country = _LOCALES[(bits >> 40) % len(_LOCALES)]
        return Content(
            index=index,
            asset_type=asset_type,
            content_id=500_000 + index * 37 + (bits >> 24) % 37,  # unique: 37 ids per index
            name=templates[(bits >> 32) % len(templates)].format(topic=topic),
            locale=Locale(language, country),
            content_provider_name=provider,
            content_source=source,
        )

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


def _weighted_asset_type(percentile: int) -> str:
    for asset_type, weight in _ASSET_TYPE_WEIGHTS:
        if percentile < weight:
            return asset_type
        percentile -= weight
    return "COURSE"


def _default_data_through() -> datetime:
    today = datetime.now(PACIFIC).date()
    return datetime.combine(today, time.min, tzinfo=PACIFIC) - timedelta(minutes=1)
