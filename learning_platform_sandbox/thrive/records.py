"""Thrive's records of an organisation (activities, CPD entries, users), computed without HTTP."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from datetime import date, datetime
from typing import NamedTuple

from learning_platform_sandbox.organisation import Draws, Organisation, pick_weighted
from learning_platform_sandbox.thrive.activities import (
    ACTIVITY_TYPES,
    CONTEXTLESS_VERBS,
    VERB_WEIGHTS,
    activity_data,
)
from learning_platform_sandbox.thrive.stamps import (
    FIRST_DAY_NUMBER,
    HEX_ID,
    LAST_DAY_NUMBER,
    MAX_PER_DAY,
    Stamped,
    day_number_of,
    epoch_ms_of,
    hex24,
    iso_timestamp,
    record_id_of,
    stamp_of,
    window_slice,
)
from learning_platform_sandbox.thrive.users import make_user

# Thrive's content type for each asset type of the organisation's catalogue.
CONTENT_TYPES = {
    "COURSE": "course",
    "VIDEO": "video",
    "ARTICLE": "article",
    "DOCUMENT": "file",
    "BOOK": "book",
    "AUDIO": "audio",
    "EVENT": "event",
    "LEARNING_PATH": "pathway",
    "LEARNING_COLLECTION": "collection",
}
CPD_CATEGORIES = ("TECHNOLOGY", "LEADERSHIP", "COMPLIANCE", "COMMUNICATION", "WELLBEING")
_CPD_NOTES = (
    "Read during the team's learning hour.",
    "External webinar, certificate on file.",
    "Conference session, notes shared with the team.",
)


class ThriveContent(NamedTuple):
    """One item of the catalogue as Thrive knows it."""

    id: str
    content_type: str
    name: str


class ThriveRecords:
    """Thrive's records of an organisation, computed without HTTP: what the API must serve.

    Ids look like Mongo ObjectIds but are laid out as the record's second (4 bytes), its index in
    its UTC day (3 bytes) and hashed bytes (5): so the order by (date, id) is the index order,
    and an id alone finds its record. Built days are cached, least recently used out first, up to
    a number of records (not of days: a big organisation's day is big), so repeated pages are
    cheap. The lists returned are copies: tests may change them freely.
    """

    _CACHE_RECORDS = 200_000

    def __init__(
        self,
        organisation: Organisation,
        activities_per_day: int | None = None,
        cpd_entries_per_day: int | None = None,
    ) -> None:
        learners = len(organisation.learners)
        if activities_per_day is None:
            activities_per_day = 2 * learners
        if cpd_entries_per_day is None:
            cpd_entries_per_day = max(1, learners // 4)
        for name, value in (
            ("activities_per_day", activities_per_day),
            ("cpd_entries_per_day", cpd_entries_per_day),
        ):
            if not 0 <= value <= MAX_PER_DAY:
                raise ValueError(f"{name}={value} must lie between 0 and {MAX_PER_DAY}")
        self.organisation = organisation
        self.activities_per_day = activities_per_day
        self.cpd_entries_per_day = cpd_entries_per_day
        seed = organisation.seed
        self.catalogue: tuple[ThriveContent, ...] = tuple(
            ThriveContent(
                hex24(seed, "thrive-content", content.index),
                CONTENT_TYPES[content.asset_type],
                content.name[:250],  # the documented limit of an activity's name
            )
            for content in organisation.contents
        )
        self._categories = tuple(
            {"categoryId": hex24(seed, "thrive-cpd-category", name), "name": name}
            for name in CPD_CATEGORIES
        )
        self._users: list[dict] | None = None
        self._users_by_id: dict[str, dict] = {}
        self._cache: OrderedDict[tuple[str, int], list[Stamped]] = OrderedDict()
        self._cached_records = 0
        self._lock = threading.Lock()

    # -- expectations for tests ------------------------------------------------------------

    def activities_on(self, day: date) -> list[dict]:
        """Every activity stamped within the UTC day [00:00, next 00:00), in served order."""
        return [
            copy.deepcopy(record) for _, record in self._stamped("activities", day_number_of(day))
        ]

    def activities_between(self, start: datetime, end: datetime) -> list[dict]:
        """Every activity stamped at or after `start` and at or before `end` (aware datetimes)."""
        return self._between("activities", start, end)

    def cpd_entries_on(self, day: date) -> list[dict]:
        return [
            copy.deepcopy(record) for _, record in self._stamped("cpdEntries", day_number_of(day))
        ]

    def cpd_entries_between(self, start: datetime, end: datetime) -> list[dict]:
        """Every CPD entry whose entryDate lies in [start, end], both ends included."""
        return self._between("cpdEntries", start, end)

    def users(self) -> list[dict]:
        """One user per learner of the organisation, in the organisation's order."""
        return copy.deepcopy(self._all_users())

    def activity(self, activity_id: str) -> dict | None:
        found = self._find_activity(activity_id)
        return copy.deepcopy(found[1]) if found is not None else None

    def user(self, user_id: str) -> dict | None:
        found = self._user_by_id(user_id)
        return copy.deepcopy(found) if found is not None else None

    # -- for the simulator (records are shared: never changed in place) ---------------------

    def _count_on(self, kind: str, day_number: int) -> int:
        """How many records of `kind` ("activities" or "cpdEntries") a UTC day holds."""
        if not FIRST_DAY_NUMBER <= day_number <= LAST_DAY_NUMBER:
            return 0
        return self.activities_per_day if kind == "activities" else self.cpd_entries_per_day

    def _stamped(self, kind: str, day_number: int) -> list[Stamped]:
        """(epoch ms, record) of every record of a UTC day (days since 1970), in served order."""
        key = (kind, day_number)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        make = self._make_activity if kind == "activities" else self._make_cpd_entry
        records = [make(day_number, index) for index in range(self._count_on(kind, day_number))]
        with self._lock:  # two threads may build the same day once each: harmless
            if key not in self._cache:
                self._cache[key] = records
                self._cached_records += len(records)
            # The day just built stays, however big: the page being served needs it.
            while self._cached_records > self._CACHE_RECORDS and len(self._cache) > 1:
                _, evicted = self._cache.popitem(last=False)
                self._cached_records -= len(evicted)
        return records

    def _find_activity(self, activity_id: str) -> tuple[int, dict] | None:
        """(index in its day, record) of an activity; None when no activity has that id."""
        if not HEX_ID.fullmatch(activity_id):
            return None
        activity_id = activity_id.lower()
        day_number = int(activity_id[:8], 16) // 86_400
        index = int(activity_id[8:14], 16)
        if index >= self._count_on("activities", day_number):
            return None
        _, record = self._make_activity(day_number, index)
        return (index, record) if record["id"] == activity_id else None

    def _user_by_id(self, user_id: str) -> dict | None:
        self._all_users()
        return self._users_by_id.get(user_id.lower())

    # -- building ----------------------------------------------------------------------------

    def _between(self, kind: str, start: datetime, end: datetime) -> list[dict]:
        start_ms, end_ms = epoch_ms_of(start), epoch_ms_of(end)
        _, records = window_slice(
            lambda n: self._stamped(kind, n),
            lambda n: self._count_on(kind, n),
            start_ms,
            end_ms,
        )
        return copy.deepcopy(records)

    def _make_activity(self, day_number: int, index: int) -> Stamped:
        org = self.organisation
        draws = Draws(org.seed, "thrive-activity", day_number, index)
        stamp = stamp_of(day_number, index, self.activities_per_day, draws.below(65536))
        learner = draws.pick(org.learners)
        content = draws.pick(self.catalogue)
        verb = self._verb(day_number, index, draws.below(100))
        record_id = record_id_of(stamp, index, draws.below(2**40))
        data, with_ = activity_data(verb, stamp, learner, org.learners, draws)
        contextless = verb in CONTEXTLESS_VERBS
        record: dict[str, object] = {
            "id": record_id,
            "user": learner.thrive_id,
            "type": verb,
            "date": iso_timestamp(stamp),
            "contextId": None if contextless else content.id,
            "contextType": None if contextless else "content",
            "contentType": None if contextless else content.content_type,
            "name": None if contextless else content.name,
            "data": data,
            "with": with_,
        }
        if draws.below(8) == 0:
            # A field the documentation does not list, as live records have: clients ignore it.
            record["tenantRef"] = f"sandbox-{org.seed}"
        return stamp, record

    def _verb(self, day_number: int, index: int, percentile: int) -> str:
        if index % 8 == 1:
            # Every eighth activity takes the next of the twenty verbs in turn, carrying on from
            # one day to the next, so any week at the default volume holds every verb.
            turns_per_day = (self.activities_per_day + 6) // 8
            return ACTIVITY_TYPES[(day_number * turns_per_day + index // 8) % len(ACTIVITY_TYPES)]
        return pick_weighted(VERB_WEIGHTS, percentile)[0]

    def _make_cpd_entry(self, day_number: int, index: int) -> Stamped:
        org = self.organisation
        draws = Draws(org.seed, "thrive-cpd", day_number, index)
        stamp = stamp_of(day_number, index, self.cpd_entries_per_day, draws.below(65536))
        learner = draws.pick(org.learners)
        content = draws.pick(self.catalogue)
        category = draws.pick(self._categories)
        record_id = record_id_of(stamp, index, draws.below(2**40))
        minutes = 5 * draws.below(49)
        # Verified entries come from activity Thrive saw; a learner's own entries carry notes.
        verified = draws.below(5) < 3
        note = draws.pick(_CPD_NOTES)
        record = {
            "logEntryId": record_id,
            "userId": learner.thrive_id,
            "activity": {"type": content.content_type, "name": content.name},
            "category": dict(category),
            "entryDate": iso_timestamp(stamp),
            "durationMinutes": minutes,
            "description": None if verified else note,
            "isVerified": verified,
        }
        return stamp, record

    def _all_users(self) -> list[dict]:
        if self._users is None:
            users = [
                make_user(self.organisation, learner) for learner in self.organisation.learners
            ]
            self._users_by_id = {user["id"]: user for user in users}
            self._users = users
        return self._users
