"""The organisation's Thought Industries content actions per UTC day, and exports of them.

Exports are snapshots of a log: two exports over overlapping days carry the same actions with the
same timestamps, which is what the natural key (e-mail, content, type, source, timestamp) relies on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from learning_platform_sandbox.organisation import Draws, Learner, Organisation, stable_hash
from learning_platform_sandbox.thought_industries.exports import export_name, write_export_file
from learning_platform_sandbox.thought_industries.journeys import (
    JOURNEY_STEPS,
    Slot,
    Step,
    journey_sources,
    make_slots,
)
from learning_platform_sandbox.thought_industries.rows import Action, CatalogueItem

# Thought Industries' content type for each asset type of the organisation's catalogue. TI's own
# names (camelCase); DOCUMENT becomes a SCORM package so that the SCORM sources have content.
CONTENT_TYPES = {
    "COURSE": "course",
    "VIDEO": "video",
    "EVENT": "webinar",
    "LEARNING_PATH": "learningPath",
    "ARTICLE": "article",
    "BOOK": "ebook",
    "AUDIO": "podcast",
    "DOCUMENT": "shareableContentObject",
    "LEARNING_COLLECTION": "bundle",
}
# Content made in the company's own Thought Industries academy, beside the shared catalogue: their
# titles need CSV quoting (a comma, double quotes, a line break) or are not ASCII.
ACADEMY_CONTENTS = (
    ("course", 'Negotiation, "the hard way"'),
    ("video", "Onboarding Week\nDay One: Tools and People"),
    ("webinar", "Café Conversations: Feedback für Teams"),
)
ACADEMY = "Example Corp Academy"
PARTNER_PORTAL = "Partner Portal"

DAY_SECONDS = 86_400
_EPOCH = date(1970, 1, 1)

_RAW_EMAIL_SHARE = 25  # one action in this many writes its e-mail with spaces or capitals


class ContentActions:
    """The organisation's Thought Industries content actions per UTC day, and exports of them.

    `actions_per_day` defaults to one per two learners (at least 4). Built days are cached; the
    lists returned are new lists of immutable actions.
    """

    _CACHE_DAYS = 4096

    def __init__(self, organisation: Organisation, *, actions_per_day: int | None = None) -> None:
        if actions_per_day is None:
            actions_per_day = max(4, len(organisation.learners) // 2)
        if actions_per_day < 0:
            raise ValueError(f"actions_per_day={actions_per_day} must not be negative")
        self.organisation = organisation
        self.actions_per_day = actions_per_day
        self.catalogue: tuple[CatalogueItem, ...] = tuple(
            CatalogueItem(CONTENT_TYPES[content.asset_type], content.name)
            for content in organisation.contents
        ) + tuple(CatalogueItem(*item) for item in ACADEMY_CONTENTS)
        self._webinars = tuple(item for item in self.catalogue if item.content_type == "webinar")
        self._others = tuple(item for item in self.catalogue if item.content_type != "webinar")
        self._academy = tuple(CatalogueItem(*item) for item in ACADEMY_CONTENTS)
        self._panoramas = {
            learner.index: _panorama(organisation.seed, learner)
            for learner in organisation.learners
        }
        self._slots = make_slots(organisation.seed, actions_per_day, bool(self._webinars))
        self._days: dict[int, tuple[Action, ...]] = {}
        self._lock = threading.Lock()

    # -- actions -----------------------------------------------------------------------------

    def actions_on(self, day: date) -> list[Action]:
        """Every action of the UTC day, in chronological order."""
        number = (day - _EPOCH).days
        with self._lock:
            actions = self._days.get(number)
        if actions is None:
            actions = self._build_day(number)
            with self._lock:
                if len(self._days) >= self._CACHE_DAYS:
                    self._days.clear()
                self._days[number] = actions
        return list(actions)

    def actions_between(self, first_day: date, last_day: date) -> list[Action]:
        """Every action of the UTC days `first_day` to `last_day`, both included, in time order."""
        actions: list[Action] = []
        for day in _days(first_day, last_day):
            actions.extend(self.actions_on(day))
        return actions

    def expected_rows(self, first_day: date, last_day: date) -> int:
        """How many distinct actions (under the natural key) an export of those days carries."""
        return max(0, (last_day - first_day).days + 1) * self.actions_per_day

    # -- exports -----------------------------------------------------------------------------

    def write_export(
        self,
        folder: str | os.PathLike,
        first_day: date,
        last_day: date,
        *,
        name: str | None = None,
        timestamp_format: str = "iso",
        bom: bool = True,
        line_ending: str = "\r\n",
        panorama_blank: bool = False,
        extra_rows: Iterable[Sequence[str]] = (),
        columns: Sequence[str] | None = None,
    ) -> Path:
        """Write one export of the actions of `first_day`..`last_day` (UTC days) into `folder`.

        The file appears whole (written under a hidden temporary name, then renamed). `columns`
        replaces the header (another order, other case, a column left out); a name that is none of
        the report's seven is written empty. `extra_rows` are appended as they are, after the
        actions: tests use them for bad rows. `panorama_blank` empties every Panorama Name.
        """
        return write_export_file(
            folder,
            first_day,
            last_day,
            actions=self.actions_between,
            name=name,
            timestamp_format=timestamp_format,
            bom=bom,
            line_ending=line_ending,
            panorama=_blank if panorama_blank else _as_recorded,
            extra_rows=extra_rows,
            columns=columns,
        )

    def write_demo_exports(self, folder: str | os.PathLike, days: Sequence[date]) -> list[Path]:
        """The two exports `learning-platform demo` drops, overlapping on the middle days.

        The first covers the first two thirds of `days`, the second the last two thirds, both in
        the "iso" style so that the shared actions have the same timestamps. The first leaves a
        few Panorama Names blank that the second fills: the natural key must not include them.
        """
        if not days:
            return []
        ordered = sorted(set(days))
        size = max(1, -(-2 * len(ordered) // 3))
        first = (ordered[0], ordered[size - 1])
        second = (ordered[-size], ordered[-1])
        first_path = write_export_file(
            folder,
            *first,
            actions=self.actions_between,
            name=None,
            timestamp_format="iso",
            bom=True,
            line_ending="\r\n",
            panorama=self._panorama_sometimes_blank,
            extra_rows=(),
            columns=None,
        )
        second_name = export_name(*second)
        if second_name == first_path.name:  # one or two days: both exports cover them all
            second_name = second_name.removesuffix(".csv") + "-resent.csv"
        second_path = self.write_export(folder, *second, name=second_name)
        return [first_path, second_path]

    # -- building ----------------------------------------------------------------------------

    def _build_day(self, number: int) -> tuple[Action, ...]:
        found: list[tuple[int, int, int, Action]] = []
        for slot_index, slot in enumerate(self._slots):
            for start in sorted({number - offset for offset in slot.day_offsets}):
                learner, item, steps = self._journey(start, slot_index, slot)
                for step_index, step in enumerate(steps):
                    if start + step.day_offset != number:
                        continue
                    moment = (number * DAY_SECONDS + step.second) * 1000 + step.millisecond
                    email_bits = stable_hash(
                        self.organisation.seed, "ti-email", start, slot_index, step_index
                    )
                    action = Action(
                        email=_written_email(learner.email, email_bits),
                        panorama_name=self._panoramas[learner.index],
                        content_type=item.content_type,
                        content_title=item.title,
                        action_type=step.action_type,
                        action_source=step.action_source,
                        timestamp=_utc(moment),
                    )
                    found.append((moment, slot_index, step_index, action))
        found.sort(key=lambda entry: entry[:3])
        return _distinct(number, [action for *_, action in found])

    def _journey(
        self, start: int, slot_index: int, slot: Slot
    ) -> tuple[Learner, CatalogueItem, list[Step]]:
        """The learner, content and kept steps of the journey in `slot` that starts on `start`."""
        draws = Draws(self.organisation.seed, "ti-journey", start, slot_index, words=3)
        learner = draws.pick(self.organisation.learners)
        kind = slot.kind
        if kind == "webinar":
            item = draws.pick(self._webinars)
        elif draws.below(8) == 0:
            item = draws.pick(self._academy[:2])  # the academy's own titles, often
        else:
            item = draws.pick(self._others or self.catalogue)
        types = JOURNEY_STEPS[kind][: len(slot.day_offsets)]
        sources = journey_sources(kind, item.content_type, draws, rotation=start % 4)
        steps: list[Step] = []
        for offset, action_type, source in zip(slot.day_offsets, types, sources, strict=False):
            if steps and steps[-1].day_offset == offset:
                # Later on the same day: a start follows its enrollment within hours, a
                # certificate follows its completion within seconds.
                if action_type == "status_change":
                    gap = 30 + draws.below(3 * 3600)
                else:
                    gap = 1 + draws.below(90)
                second = steps[-1].second + gap
            elif not steps:
                second = draws.below(DAY_SECONDS * 7 // 10)
            else:
                second = draws.below(DAY_SECONDS * 85 // 100)
            # API-made actions carry milliseconds; most others are stamped to the second.
            millisecond = draws.below(1000) if draws.below(3) == 0 else 0
            steps.append(Step(offset, second, millisecond, action_type, source))
        return learner, item, steps

    def _panorama_sometimes_blank(self, action: Action) -> str:
        if stable_hash(self.organisation.seed, "ti-blank-panorama", *action.natural_key) % 6 == 0:
            return ""
        return action.panorama_name


def _blank(action: Action) -> str:
    return ""


def _as_recorded(action: Action) -> str:
    return action.panorama_name


def _panorama(seed: int, learner: Learner) -> str:
    """The client portal a learner belongs to; some belong to none."""
    share = stable_hash(seed, "ti-panorama", learner.index) % 20
    if share < 2:
        return ""
    return PARTNER_PORTAL if share < 5 else ACADEMY


def _written_email(email: str, bits: int) -> str:
    """The e-mail as one export row writes it: now and then with spaces or capitals."""
    if bits % _RAW_EMAIL_SHARE:
        return email
    local, _, domain = email.partition("@")
    capitalised = ".".join(part.capitalize() for part in local.split("."))
    capitalised += "@" + domain.capitalize()
    return (f"  {capitalised} ", capitalised, f" {email}", email.upper())[(bits >> 8) % 4]


def _distinct(number: int, actions: list[Action]) -> tuple[Action, ...]:
    """The day's actions with no two alike under the natural key, even to the minute.

    Two journeys of a day may pick the same learner and content; should they also take the same
    step in the same minute, the later one moves on by a minute (or back, at the end of the day),
    so that even a "display" export of the day has distinct rows.
    """
    seen: set[tuple] = set()
    result: list[Action] = []
    day_start = _utc(number * DAY_SECONDS * 1000)
    day_end = day_start + timedelta(days=1)
    for action in actions:
        step = timedelta(minutes=1)
        while _minute_key(action) in seen:
            moved = action.timestamp + step
            if moved >= day_end:
                step = -step
                moved = action.timestamp + step
            action = action._replace(timestamp=moved)
        seen.add(_minute_key(action))
        result.append(action)
    result.sort(key=lambda action: action.timestamp)
    return tuple(result)


def _minute_key(action: Action) -> tuple:
    key = action.natural_key
    return (*key[:5], key[5].replace(second=0, microsecond=0))


def _utc(epoch_ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=epoch_ms)


def _days(first_day: date, last_day: date) -> Iterable[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += timedelta(days=1)
