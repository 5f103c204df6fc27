"""Thought Industries "Content Actions" CSV exports of the shared organisation, as people drop them.

Thought Industries has no API here: its Content Actions report (upstreams.md §3) reaches the
platform as a CSV file in a folder. Two layers:

- `ContentActions` computes the organisation's learner actions per UTC day, without I/O. Tests and
  the platform use it for expectations (`actions_on`, `expected_rows`).
- `ContentActions.write_export` writes those actions as an export file, with the variations real
  exports show: BOM or not, CRLF or LF, several timestamp styles, blank Panorama Names, odd Source
  spellings, e-mails with stray spaces or capitals, titles that need CSV quoting.

Life cycles
-----------
Actions come from journeys: a learner enrolls in a content item, starts it a little later,
completes it days later and is granted a certificate seconds after that; other journeys stop after
the start, end in a revoked access, attend a webinar, or are completed by a manager's bulk grant.
Every UTC day has the same list of journey *slots*, each with a fixed shape (which steps, how many
days after the enrollment each one happens); what fills a slot on the day a journey starts (learner,
content, sources, times) comes from stable hashes of (seed, start day, slot). So each step of a
journey lands on exactly one day, a day is computed on its own from the journeys that started on
the few days before it, and every day holds exactly `actions_per_day` actions.

Exports are snapshots of a log: two exports over overlapping days carry the same actions with the
same timestamps, which is what the natural key (e-mail, content, type, source, timestamp) relies on.
"""

from __future__ import annotations

import csv
import io
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from learning_platform_sandbox.organisation import Draws, Learner, Organisation, stable_hash

# The report's columns, in report order; the exact header strings are not documented (§3.2), the
# display names are the best guess and what the platform matches case-insensitively.
COLUMNS = (
    "Email",
    "Panorama Name",
    "Content Type",
    "Content Title",
    "Type",
    "Source",
    "Timestamp",
)
# How an export may write the Timestamp column. "iso" is the TI API's own style; "display" is the
# report's on-screen style, naive and to the minute: an export in it loses the seconds, so its
# actions do not share natural keys with an "iso" export of the same days.
TIMESTAMP_FORMATS = ("iso", "iso_seconds", "display", "naive")
LINE_ENDINGS = ("\r\n", "\n")

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
_BOM = b"\xef\xbb\xbf"

# The docs' two odd spellings (§3.3). Real exports probably use the snake_case forms; both occur.
GIFT_COURSE_PURCHASE_AS_DOCUMENTED = "gift-course-purchase"
MANAGER_GRANT_COMPLETED_AS_DOCUMENTED = "Manager_grant_completed"

# Enrollment sources of an ordinary journey, by weight (percent).
_ENROLLMENT_SOURCES = (
    ("course_purchase", 17),
    ("registration", 13),
    ("manager_course_enrollment", 11),
    ("sso", 11),
    ("subscription_access", 9),
    ("client_access", 9),
    ("gift_course_purchase", 6),
    ("subscription_purchase", 3),
    ("manager_created_user", 3),
    ("learning_path_access", 3),
    ("license_access", 3),
    ("manager_bulk_user_creation", 2),
    ("redemption_code", 2),
    ("registration_code", 2),
    ("public", 2),
    ("gift_redemption_code", 1),
    ("balance_redemption", 1),
    ("salesforce_provision", 1),
    ("reschedule", 1),
)
_BUNDLE_ENROLLMENT_SOURCES = (
    "collection_purchase",
    "a_la_carte_collection_purchase",
    "gift_collection_purchase",
)
_WEBINAR_ENROLLMENT_SOURCES = (
    ("registration", 35),
    ("client_access", 20),
    ("manager_course_enrollment", 15),
    ("sso", 10),
    ("public", 10),
    ("reschedule", 10),
)
_MANAGER_ENROLLMENT_SOURCES = (
    "manager_course_enrollment",
    "manager_bulk_user_creation",
    "manager_created_user",
)
_START_SOURCES = (
    ("course_started", 72),
    ("manager_change_started", 6),
    ("manager_grant_started", 4),
    ("manager_change_not_started", 4),
    ("manager_grant_not_started", 3),
    ("manager_changed_status", 4),
    ("enrollment", 7),
)
_COMPLETION_SOURCES = (
    ("course_completed", 72),
    ("manager_change_completed", 10),
    ("recertify", 10),  # recertify_course, or recertify_learning_path for a learning path
    ("manager_grant_completed", 8),
)
# The certificate that follows a completion, by the completion's source.
_CERTIFICATE_AFTER = {
    "course_completed": "course_completed",
    "recertify_course": "course_completed",
    "recertify_learning_path": "course_completed",
    "manager_change_completed": "manager_change_completed",
    "manager_grant_completed": "manager_grant",
}
# How access ends (revoked_access sources, by weight) and the enrollments that lead there.
_REVOCATIONS = (
    ("access_expiration", 34, ("subscription_access", "redemption_code", "registration_code")),
    ("manager_revoked_access", 18, ("manager_course_enrollment", "course_purchase", "sso")),
    ("client_revoked_access", 10, ("client_access",)),
    ("license_deletion", 8, ("license_access",)),
    ("manager_course_enrollment", 8, ("manager_course_enrollment",)),
    ("course_deletion", 6, ("course_purchase", "registration", "client_access")),
    ("sso", 6, ("sso",)),
    ("reschedule", 5, ("course_purchase", "registration")),
    ("manager_bulk_user_creation", 5, ("manager_bulk_user_creation",)),
)
# Certificates granted on enrollment alone (certificate_grant with an enrollment's source).
_CERTIFICATE_ON_ENROLLMENT = ("course_purchase", "collection_purchase", "manager_course_enrollment")

# The shape of each kind of journey: the Type of each step, in order.
_JOURNEY_STEPS = {
    "completed": ("enrollment", "status_change", "status_change", "certificate_grant"),
    "started": ("enrollment", "status_change"),
    "webinar": ("enrollment", "status_change"),
    "revoked": ("enrollment", "revoked_access"),
    "manager_grant": ("enrollment", "status_change", "certificate_grant"),
    "exam": ("enrollment", "status_change", "certificate_grant"),
    "enrolled": ("enrollment",),
    "certified_on_enrollment": ("enrollment", "certificate_grant"),
}
# The slots of every day, in this order, repeated until a day holds `actions_per_day` actions; the
# last slot keeps only as many first steps as fit (a journey that stops early).
_SLOT_CYCLE = (
    "completed",
    "started",
    "webinar",
    "revoked",
    "manager_grant",
    "completed",
    "exam",
    "enrolled",
    "started",
    "certified_on_enrollment",
    "revoked",
    "completed",
)
_RAW_EMAIL_SHARE = 25  # one action in this many writes its e-mail with spaces or capitals


class Action(NamedTuple):
    """One row of the Content Actions report, with its values as the export writes them."""

    email: str  # as written: a few have surrounding spaces or capitals
    panorama_name: str  # "" when the learner is in no client portal
    content_type: str
    content_title: str
    action_type: str
    action_source: str  # raw: the docs' odd spellings occur
    timestamp: datetime  # aware, UTC, whole milliseconds

    @property
    def natural_key(self) -> tuple[str, str, str, str, str, datetime]:
        """What identifies the action in any export: normalised e-mail and source, no panorama."""
        return (
            self.email.strip().lower(),
            self.content_type,
            self.content_title,
            self.action_type,
            normalised_source(self.action_source),
            self.timestamp,
        )


class CatalogueItem(NamedTuple):
    """One content item as Thought Industries names it."""

    content_type: str
    title: str


@dataclass(frozen=True)
class _Slot:
    kind: str
    day_offsets: tuple[int, ...]  # days after the enrollment of each step kept in this slot


class _Step(NamedTuple):
    day_offset: int
    second: int  # in its UTC day
    millisecond: int
    action_type: str
    action_source: str  # raw


def normalised_source(raw: str) -> str:
    """The Source as the vocabulary lists it: lower case, `-` to `_` (§3.3)."""
    return raw.strip().lower().replace("-", "_")


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
        self._slots = self._make_slots()
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
        return self._write(
            folder,
            first_day,
            last_day,
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
        first_path = self._write(
            folder,
            *first,
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

    def _make_slots(self) -> tuple[_Slot, ...]:
        slots: list[_Slot] = []
        remaining = self.actions_per_day
        index = 0
        while remaining > 0:
            kind = _SLOT_CYCLE[index % len(_SLOT_CYCLE)]
            if kind == "webinar" and not self._webinars:
                kind = "revoked"  # same number of steps
            offsets = _day_offsets(kind, stable_hash(self.organisation.seed, "ti-slot", index))
            kept = offsets[:remaining]
            slots.append(_Slot(kind, kept))
            remaining -= len(kept)
            index += 1
        return tuple(slots)

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
        self, start: int, slot_index: int, slot: _Slot
    ) -> tuple[Learner, CatalogueItem, list[_Step]]:
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
        types = _JOURNEY_STEPS[kind][: len(slot.day_offsets)]
        sources = _journey_sources(kind, item.content_type, draws, rotation=start % 4)
        steps: list[_Step] = []
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
            steps.append(_Step(offset, second, millisecond, action_type, source))
        return learner, item, steps

    def _panorama_sometimes_blank(self, action: Action) -> str:
        if stable_hash(self.organisation.seed, "ti-blank-panorama", *action.natural_key) % 6 == 0:
            return ""
        return action.panorama_name

    def _write(
        self,
        folder: str | os.PathLike,
        first_day: date,
        last_day: date,
        *,
        name: str | None,
        timestamp_format: str,
        bom: bool,
        line_ending: str,
        panorama: Callable[[Action], str],
        extra_rows: Iterable[Sequence[str]],
        columns: Sequence[str] | None,
    ) -> Path:
        if timestamp_format not in TIMESTAMP_FORMATS:
            raise ValueError(
                f"timestamp_format={timestamp_format!r}: expected one of {TIMESTAMP_FORMATS}"
            )
        if line_ending not in LINE_ENDINGS:
            raise ValueError(f"line_ending={line_ending!r}: expected one of {LINE_ENDINGS!r}")
        if last_day < first_day:
            raise ValueError(f"an export from {first_day} to {last_day} ends before it starts")
        header = list(COLUMNS if columns is None else columns)
        fields = [_standard_column(column) for column in header]
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
        writer.writerow(header)
        for action in self.actions_between(first_day, last_day):
            values = {
                "Email": action.email,
                "Panorama Name": panorama(action),
                "Content Type": action.content_type,
                "Content Title": action.content_title,
                "Type": action.action_type,
                "Source": action.action_source,
                "Timestamp": format_timestamp(action.timestamp, timestamp_format),
            }
            writer.writerow([values.get(field, "") if field else "" for field in fields])
        for row in extra_rows:
            writer.writerow(list(row))
        data = (_BOM if bom else b"") + buffer.getvalue().encode("utf-8")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        path = target / (name or export_name(first_day, last_day))
        _write_atomically(path, data)
        return path


# -- files -----------------------------------------------------------------------------------


def export_name(first_day: date, last_day: date) -> str:
    """The default file name of an export: `content-actions-<first>-to-<last>.csv`."""
    return f"content-actions-{first_day.isoformat()}-to-{last_day.isoformat()}.csv"


def append_rows(
    path: str | os.PathLike, rows: Iterable[Sequence[str]], line_ending: str = "\r\n"
) -> None:
    """Append CSV rows to a file in place, not atomically: a file still being written or copied."""
    if line_ending not in LINE_ENDINGS:
        raise ValueError(f"line_ending={line_ending!r}: expected one of {LINE_ENDINGS!r}")
    with open(path, "a", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
        for row in rows:
            writer.writerow(list(row))


def format_timestamp(moment: datetime, style: str) -> str:
    """An aware UTC timestamp as an export writes it (see TIMESTAMP_FORMATS).

    "iso_seconds" and "naive" drop the milliseconds; "display" drops the seconds and the zone.
    """
    moment = moment.astimezone(timezone.utc)
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if style == "iso_seconds":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "display":
        hour = moment.hour % 12 or 12
        noon = "PM" if moment.hour >= 12 else "AM"
        return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment.minute:02d} {noon}"
    if style == "naive":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    raise ValueError(f"timestamp format {style!r}: expected one of {TIMESTAMP_FORMATS}")


def _blank(action: Action) -> str:
    return ""


def _as_recorded(action: Action) -> str:
    return action.panorama_name


def _write_atomically(path: Path, data: bytes) -> None:
    # A hidden name without the .csv suffix, in the same folder so that the rename is atomic: a
    # watcher listing *.csv never sees half a file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _standard_column(header: str) -> str | None:
    """Which of the seven report columns a header names (case, spaces, underscores aside)."""
    wanted = re.sub(r"[\s_]+", " ", header.strip()).lower()
    for column in COLUMNS:
        if column.lower() == wanted:
            return column
    return None


# -- journeys --------------------------------------------------------------------------------


def _day_offsets(kind: str, bits: int) -> tuple[int, ...]:
    """Days after the enrollment of each step of a slot's journeys: fixed per slot."""
    started = bits % 2  # the same day as the enrollment, or the next
    later = 1 + (bits >> 8) % 4
    if kind == "completed":
        return (0, started, started + later, started + later)
    if kind == "started":
        return (0, bits % 3)
    if kind == "webinar":
        return (0, 1 + (bits >> 16) % 6)
    if kind == "revoked":
        return (0, 1 + (bits >> 16) % 7)
    if kind == "manager_grant":
        return (0, later, later)
    if kind == "exam":
        return (0, started, started + 1 + (bits >> 8) % 3)
    if kind == "enrolled":
        return (0,)
    if kind == "certified_on_enrollment":
        return (0, 0)
    raise ValueError(f"unknown journey kind {kind!r}")


def _journey_sources(kind: str, content_type: str, draws: Draws, rotation: int) -> list[str]:
    """The raw Source of each step of a journey of `kind`.

    `rotation` (the start day modulo 4) makes the docs' odd spellings certain every few days
    rather than merely likely: tests over a week can count on them at the default size.
    """
    if kind == "webinar":
        return [draws.weighted(_WEBINAR_ENROLLMENT_SOURCES), "webinar_attended"]
    if kind == "revoked":
        revocation, _, enrollments = draws.weighted_row(_REVOCATIONS)
        return [_raw(draws.pick(enrollments), draws), revocation]
    if kind == "manager_grant":
        enrollment = draws.pick(_MANAGER_ENROLLMENT_SOURCES)
        if rotation == 0:
            return [enrollment, MANAGER_GRANT_COMPLETED_AS_DOCUMENTED, "manager_grant"]
        completion = "manager_grant_completed" if draws.below(4) else "manager_change_completed"
        return [enrollment, _raw(completion, draws), _CERTIFICATE_AFTER[completion]]
    if kind == "certified_on_enrollment":
        source = draws.pick(_CERTIFICATE_ON_ENROLLMENT)
        return [source, source]
    if kind == "enrolled" and rotation == 1:
        enrollment = GIFT_COURSE_PURCHASE_AS_DOCUMENTED
    else:
        enrollment = _enrollment_source(content_type, draws)
    if content_type == "shareableContentObject" and draws.below(2):
        start = "scorm_started"
    else:
        start = draws.weighted(_START_SOURCES)
    if kind in ("started", "enrolled"):
        return [enrollment, start]
    if kind == "exam":
        return [enrollment, "course_started", "passed_exam"]
    completion = draws.weighted(_COMPLETION_SOURCES)
    if completion == "recertify":
        learning_path = content_type == "learningPath"
        completion = "recertify_learning_path" if learning_path else "recertify_course"
    certificate = _CERTIFICATE_AFTER[completion]
    if certificate == "course_completed" and draws.below(10) == 0:
        certificate = "api"  # granted by an integration
    return [enrollment, "course_started", _raw(completion, draws), certificate]


def _enrollment_source(content_type: str, draws: Draws) -> str:
    if content_type == "bundle" and draws.below(2):
        return draws.pick(_BUNDLE_ENROLLMENT_SOURCES)
    if content_type == "shareableContentObject" and draws.below(3) == 0:
        return "scorm_connect"
    return _raw(draws.weighted(_ENROLLMENT_SOURCES), draws)


def _raw(source: str, draws: Draws) -> str:
    """The Source as an export writes it: the docs' odd spellings, most of the time."""
    if source == "gift_course_purchase" and draws.below(4):
        return GIFT_COURSE_PURCHASE_AS_DOCUMENTED
    if source == "manager_grant_completed" and draws.below(2):
        return MANAGER_GRANT_COMPLETED_AS_DOCUMENTED
    return source


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
