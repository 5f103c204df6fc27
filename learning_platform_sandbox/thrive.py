"""Thrive (learn.link) simulator: token endpoint and public REST API over an Organisation.

Two layers, as for LinkedIn:

- `ThriveRecords` turns the organisation into Thrive's records (activities, CPD entries, users)
  with no HTTP. Tests use it for expectations.
- `ThriveSimulator` serves those records under `/thrive` the way upstreams.md §2 describes the real
  API, quirks included, and lets tests inject faults (`simulator.faults`) and observe the calls.

Activities and CPD entries are numbered per UTC day, and record `i` of a day is computed on its own
from (seed, day, i): its time lies in the i-th of the day's equal slices, so the numbering is
chronological, and record 0 is stamped at midnight exactly, so that how a client reads the
inclusive bounds shows on every day. Data exists for every day from 1970 to 2105; there is no
partial day and no late data here.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import parse_qs

from learning_platform.lib.vocabulary import THRIVE_ACTIVITY_TYPES
from learning_platform_sandbox.faults import Failure, FaultsBase, retry_after_header
from learning_platform_sandbox.messages import Request, Response, dumps
from learning_platform_sandbox.observation import ObservedSimulator, RequestRecord
from learning_platform_sandbox.organisation import (
    Draws,
    Learner,
    Organisation,
    pick_weighted,
    stable_hash,
)
from learning_platform_sandbox.tokens import Tokens, same

PREFIX = "/thrive"
REST_BASE = PREFIX + "/rest/v1"
TOKEN_PATH = PREFIX + "/oauth2/token"  # the tenant id follows: /thrive/oauth2/token/<tenant id>
TOKEN_LIFETIME_SECONDS = 3600  # no refresh token: clients fetch a new one
SCOPES = frozenset({"api/read", "api/all"})  # what a read-only client may ask for
AUTH_MODES = ("basic", "oauth2")

MAX_PER_PAGE = 1000
# The documented defaults differ per endpoint: a client that relies on them gets 20 activities a
# page but 100 CPD entries or users.
DEFAULT_PER_PAGE = {"activities": 20, "cpdEntries": 100, "users": 100}
LIST_ENDPOINTS = tuple(DEFAULT_PER_PAGE)

# The twenty documented activity verbs, as the checks know them. Sorted: a set of strings
# iterates in a different order in every process, and the generated data must not change.
ACTIVITY_TYPES = tuple(sorted(THRIVE_ACTIVITY_TYPES))
# How often each verb is drawn (percent). The four missing verbs (unpinned, unliked,
# commentdeleted, unfollowed) come only from the rotation of every eighth activity.
_VERB_WEIGHTS = (
    ("viewed", 34),
    ("progressed", 20),
    ("started", 12),
    ("completed", 10),
    ("resumed", 6),
    ("loggedin", 4),
    ("searched", 3),
    ("found", 2),
    ("liked", 2),
    ("shared", 1),
    ("commented", 1),
    ("passed", 1),
    ("registered", 1),
    ("pinned", 1),
    ("loggedout", 1),
    ("followed", 1),
)
# Verbs about no content: contextId, contextType, contentType and name are null.
_CONTEXTLESS_VERBS = frozenset({"searched", "loggedin", "loggedout"})

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
_SOURCES = ("feed", "search", "assignment", "home", "pathway")
_SEARCH_TERMS = (
    "python",
    "excel pivot tables",
    "leadership",
    "gdpr",
    "sql joins",
    "feedback conversations",
    "time management",
)
_CPD_NOTES = (
    "Read during the team's learning hour.",
    "External webinar, certificate on file.",
    "Conference session, notes shared with the team.",
)
_MAX_PER_DAY = 0xFFFFFF  # the index of a record in its day takes 3 bytes of its id
DAY_MS = 86_400_000
# Ids start with the record's second since 1970 in 4 bytes, so data ends with 2105.
_FIRST_DAY_NUMBER = 0
_LAST_DAY_NUMBER = 2**32 // 86_400 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")
_INTEGER = re.compile(r"-?[0-9]+")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2}):([0-9]{2}))?")

_Stamped = tuple[int, dict]  # (epoch ms, record): the time the record was stamped with


class ThriveContent(NamedTuple):
    """One item of the catalogue as Thrive knows it."""

    id: str
    content_type: str
    name: str


# -- records, without HTTP ---------------------------------------------------------------------


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
            if not 0 <= value <= _MAX_PER_DAY:
                raise ValueError(f"{name}={value} must lie between 0 and {_MAX_PER_DAY}")
        self.organisation = organisation
        self.activities_per_day = activities_per_day
        self.cpd_entries_per_day = cpd_entries_per_day
        seed = organisation.seed
        self.catalogue: tuple[ThriveContent, ...] = tuple(
            ThriveContent(
                _hex24(seed, "thrive-content", content.index),
                CONTENT_TYPES[content.asset_type],
                content.name[:250],  # the documented limit of an activity's name
            )
            for content in organisation.contents
        )
        self._categories = tuple(
            {"categoryId": _hex24(seed, "thrive-cpd-category", name), "name": name}
            for name in CPD_CATEGORIES
        )
        self._users: list[dict] | None = None
        self._users_by_id: dict[str, dict] = {}
        self._cache: OrderedDict[tuple[str, int], list[_Stamped]] = OrderedDict()
        self._cached_records = 0
        self._lock = threading.Lock()

    # -- expectations for tests ------------------------------------------------------------

    def activities_on(self, day: date) -> list[dict]:
        """Every activity stamped within the UTC day [00:00, next 00:00), in served order."""
        return [copy.deepcopy(record) for _, record in self._stamped("activities", _number(day))]

    def activities_between(self, start: datetime, end: datetime) -> list[dict]:
        """Every activity stamped at or after `start` and at or before `end` (aware datetimes)."""
        return self._between("activities", start, end)

    def cpd_entries_on(self, day: date) -> list[dict]:
        return [copy.deepcopy(record) for _, record in self._stamped("cpdEntries", _number(day))]

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
        if not _FIRST_DAY_NUMBER <= day_number <= _LAST_DAY_NUMBER:
            return 0
        return self.activities_per_day if kind == "activities" else self.cpd_entries_per_day

    def _stamped(self, kind: str, day_number: int) -> list[_Stamped]:
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
        if not _HEX_ID.fullmatch(activity_id):
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
        start_ms, end_ms = _epoch_ms(start), _epoch_ms(end)
        _, records = _window_slice(
            lambda n: self._stamped(kind, n),
            lambda n: self._count_on(kind, n),
            start_ms,
            end_ms,
        )
        return copy.deepcopy(records)

    def _make_activity(self, day_number: int, index: int) -> _Stamped:
        org = self.organisation
        draws = Draws(org.seed, "thrive-activity", day_number, index)
        stamp = _stamp_ms(day_number, index, self.activities_per_day, draws.below(65536))
        learner = draws.pick(org.learners)
        content = draws.pick(self.catalogue)
        verb = self._verb(day_number, index, draws.below(100))
        record_id = _record_id(stamp, index, draws.below(2**40))
        data, with_ = _activity_data(verb, stamp, learner, org.learners, draws)
        contextless = verb in _CONTEXTLESS_VERBS
        record: dict[str, object] = {
            "id": record_id,
            "user": learner.thrive_id,
            "type": verb,
            "date": _iso(stamp),
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
        return pick_weighted(_VERB_WEIGHTS, percentile)[0]

    def _make_cpd_entry(self, day_number: int, index: int) -> _Stamped:
        org = self.organisation
        draws = Draws(org.seed, "thrive-cpd", day_number, index)
        stamp = _stamp_ms(day_number, index, self.cpd_entries_per_day, draws.below(65536))
        learner = draws.pick(org.learners)
        content = draws.pick(self.catalogue)
        category = draws.pick(self._categories)
        record_id = _record_id(stamp, index, draws.below(2**40))
        minutes = 5 * draws.below(49)
        # Verified entries come from activity Thrive saw; a learner's own entries carry notes.
        verified = draws.below(5) < 3
        note = draws.pick(_CPD_NOTES)
        record = {
            "logEntryId": record_id,
            "userId": learner.thrive_id,
            "activity": {"type": content.content_type, "name": content.name},
            "category": dict(category),
            "entryDate": _iso(stamp),
            "durationMinutes": minutes,
            "description": None if verified else note,
            "isVerified": verified,
        }
        return stamp, record

    def _all_users(self) -> list[dict]:
        if self._users is None:
            users = [self._make_user(learner) for learner in self.organisation.learners]
            self._users_by_id = {user["id"]: user for user in users}
            self._users = users
        return self._users

    def _make_user(self, learner: Learner) -> dict:
        org = self.organisation
        draws = Draws(org.seed, "thrive-user", learner.index)
        index = learner.index
        # Signs in with a reference instead of an e-mail: the activity of such a user cannot be
        # joined to other platforms by e-mail.
        ref_login = index % 30 == 29
        role = "administrator" if index == 0 else "learneradmin" if index % 10 == 5 else "learner"
        status = "inactive" if index % 12 == 7 else "new" if index % 12 == 10 else "active"
        created = datetime(2023, 1, 1, 9, tzinfo=timezone.utc) + timedelta(
            days=draws.below(365), seconds=draws.below(28_800)
        )
        updated = created + timedelta(days=draws.below(400), seconds=draws.below(86_400))
        first_login = created + timedelta(days=draws.below(30), seconds=draws.below(86_400))
        last_login = first_login + timedelta(days=draws.below(400), seconds=draws.below(86_400))
        never_logged_in = status == "new"
        manager_index = index - index % 10  # the first learner of each ten manages the others
        manager = None
        if manager_index != index:
            manager = {"id": org.learners[manager_index].thrive_id}
        position = {
            "id": _hex24(org.seed, "thrive-position", index),
            "manager": manager,
            "ouId": _hex24(org.seed, "thrive-ou", learner.department),
            "isActive": True,
            "startDate": _iso_datetime(created),
            "endDate": None,
            "createdAt": _iso_datetime(created),
            "updatedAt": _iso_datetime(updated),
        }
        return {
            "id": learner.thrive_id,
            "ref": learner.unique_user_id,
            "firstName": learner.first_name,
            "lastName": learner.last_name,
            "email": None if ref_login else learner.email,
            "role": role,
            "status": status,
            "positions": [position],
            "additionalFields": {"department": learner.department},
            "languageCode": "en-GB",
            "deleted": False,
            "createdAt": _iso_datetime(created),
            "updatedAt": _iso_datetime(updated),
            "firstLogin": None if never_logged_in else _iso_datetime(first_login),
            "lastLogin": None if never_logged_in else _iso_datetime(last_login),
            "timeZone": "Europe/London",
            "audiences": [],
            "singleSignOn": not ref_login and draws.below(4) != 0,
        }


def _activity_data(
    verb: str, stamp: int, learner: Learner, learners: Sequence[Learner], draws: Draws
) -> tuple[dict, dict | None]:
    """The free-form `data` of an activity and its `with`, with the quirks of live records."""
    source = draws.pick(_SOURCES)
    # Thrive's own example nests the source ({"source": {"source": "feed"}}); live records carry
    # a plain string. Clients meet both.
    source_value: object = {"source": source} if draws.below(3) == 0 else source
    duration = str(1 + draws.below(3600))  # seconds, as a string
    percent = 1 + draws.below(99)
    # progresspercentage is a number in some records and a string in others.
    as_text = draws.below(2) == 0
    term = draws.pick(_SEARCH_TERMS)
    results = draws.below(50)
    other = learners[(learner.index + 1 + draws.below(max(1, len(learners) - 1))) % len(learners)]
    with_ = None
    if verb == "viewed":
        data: dict[str, object] = {"duration": duration, "source": source_value}
    elif verb == "progressed":
        progress = str(percent) if as_text else percent
        data = {"duration": duration, "progresspercentage": progress, "source": source_value}
    elif verb == "completed":
        data = {
            "completion": True,
            "completedDate": _iso(stamp),
            "duration": duration,
            "progresspercentage": "100" if as_text else 100,
        }
    elif verb in ("started", "resumed"):
        data = {"source": source_value}
    elif verb == "passed":
        data = {
            "success": True,
            "score": percent,
            "scaled": percent / 100,
            "minScore": 0,
            "maxScore": 100,
        }
    elif verb == "searched":
        data = {"search": term, "searchresults": results}
    elif verb == "found":
        data = {"search": term, "source": "search"}
    elif verb == "shared":
        data = {"source": source_value}
        with_ = {"id": other.thrive_id, "type": "user"}
    elif verb in ("commented", "commentdeleted"):
        data = {"commentId": f"{stamp // 1000:08x}{draws.below(2**64):016x}"}
    else:
        data = {}
    return data, with_


def _stamp_ms(day_number: int, index: int, count: int, fraction: int) -> int:
    # Slice `index` of `count` equal slices of the day, at a hashed point inside it (1/65536
    # steps); the first record of every day is at midnight exactly.
    start = day_number * DAY_MS
    if index == 0:
        return start
    return start + DAY_MS * (index * 65536 + fraction) // (count * 65536)


def _record_id(stamp_ms: int, index: int, hashed: int) -> str:
    return f"{stamp_ms // 1000:08x}{index:06x}{hashed:010x}"


def _hex24(*parts: object) -> str:
    return f"{stable_hash(*parts):032x}"[:24]


def _iso(epoch_ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def _iso_datetime(moment: datetime) -> str:
    return _iso(_epoch_ms(moment))


def _epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} is naive: a time zone is required")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - _EPOCH.date()).days


def _window_slice(
    records_on: Callable[[int], list[_Stamped]],
    count_on: Callable[[int], int],
    start_ms: int,
    end_ms: int,
    keep: Callable[[dict], bool] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict]]:
    """How many records lie in [start_ms, end_ms], both ends included, and `limit` of them from
    `offset` on, over UTC days (numbered since 1970).

    A day wholly inside the window is counted without being built unless `keep` must look at its
    records, so a window of years costs the pages served, not its days.
    """
    total, page = 0, []
    stop = None if limit is None else offset + limit
    first = max(start_ms // DAY_MS, _FIRST_DAY_NUMBER)
    last = min(end_ms // DAY_MS, _LAST_DAY_NUMBER)
    for day_number in range(first, last + 1):
        day_start = day_number * DAY_MS
        matching: list[dict] | None = None
        if keep is None and start_ms <= day_start and day_start + DAY_MS - 1 <= end_ms:
            count = count_on(day_number)
        else:
            matching = [
                record
                for stamp, record in records_on(day_number)
                if start_ms <= stamp <= end_ms and (keep is None or keep(record))
            ]
            count = len(matching)
        low = max(offset - total, 0)
        high = count if stop is None else min(stop - total, count)
        if low < high:
            if matching is None:
                matching = [record for _, record in records_on(day_number)]
            page.extend(matching[low:high])
        total += count
    return total, page


# -- faults -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _Failure(Failure):
    endpoint: str | None


@dataclass(frozen=True)
class _UnknownVerb:
    day_number: int
    value: str
    count: int


class ThriveFaults(FaultsBase[_Failure, str]):
    """Misbehaviour for the next API calls, set by tests at runtime; `clear()` undoes it all.

    Faults apply to API calls only (never to the token endpoint). Failures, slowness and garbage
    are consumed in the order they were set, one per matching call. `revoke_tokens_after` stops
    bearer tokens only: the API secret of Basic auth is not affected.
    """

    def __init__(self, tokens: Tokens) -> None:
        super().__init__(tokens)
        self._unknown_verbs: list[_UnknownVerb] = []
        self._cpd_durations: dict[int, object] = {}  # day number -> durationMinutes as served
        self._shifts: dict[str, int] = {}  # endpoint -> records to shift pages back by

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: int | float | datetime | None = None,
        endpoint: str | None = None,
        after: int = 0,
    ) -> None:
        """Answer `status` with Thrive's error body to the next `times` matching API calls.

        `endpoint` ("activities", "cpdEntries", "users") limits the failure to that list; None
        matches any call. `after` lets that many matching calls through first (a walk that
        breaks on page 3). `retry_after` adds a Retry-After header: seconds, or a datetime sent
        as an HTTP-date.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"a failure needs an error status, got {status}")
        _check_endpoint(endpoint, allow_none=True)
        self._add_failure(
            _Failure(
                status=status,
                remaining=times,
                retry_after=retry_after_header(retry_after),
                endpoint=endpoint,
                skip=after,
            )
        )

    def unknown_verb(self, day: date, value: str = "bookmarked", count: int = 1) -> None:
        """Serve the first `count` activities of the UTC `day` with `type` = `value`."""
        with self._lock:
            self._unknown_verbs.append(_UnknownVerb(_number(day), value, count))

    def cpd_duration(self, day: date, value: object) -> None:
        """Serve the first CPD entry of the UTC `day` with `durationMinutes` = `value`, verbatim
        (-5, 12.5, "15", None: whatever the client must survive)."""
        with self._lock:
            self._cpd_durations[_number(day)] = value

    def shift_pages(self, endpoint: str, by: int = 1) -> None:
        """Offset paging over a set that grows while a client walks it, for the next walk.

        Every page after the first starts `by` records early, so the record at the boundary of
        pages 1 and 2 is served twice (a client must dedupe by id) and none is lost. The walk
        ends, and the fault with it, once the last announced page (`totalPages`) is served.
        """
        _check_endpoint(endpoint, allow_none=False)
        if by < 1:
            raise ValueError(f"pages shift back by at least one record, got {by}")
        with self._lock:
            self._shifts[endpoint] = by

    def _clear_own(self) -> None:
        self._unknown_verbs, self._cpd_durations, self._shifts = [], {}, {}

    def _failure_matches(self, failure: _Failure, endpoint: str) -> bool:
        return failure.endpoint in (None, endpoint)

    # -- consumed by the simulator ------------------------------------------------------------

    def _verbs_on(self, day_number: int) -> list[_UnknownVerb]:
        with self._lock:
            return [fault for fault in self._unknown_verbs if fault.day_number == day_number]

    def _cpd_duration_on(self, day_number: int) -> tuple[bool, object]:
        with self._lock:
            if day_number in self._cpd_durations:
                return True, self._cpd_durations[day_number]
        return False, None

    def _shift(self, endpoint: str, page: int) -> int:
        if page < 2:
            return 0
        with self._lock:
            return self._shifts.get(endpoint, 0)

    def _page_served(self, endpoint: str, page: int, total_pages: int) -> None:
        if page >= total_pages:
            with self._lock:
                self._shifts.pop(endpoint, None)


def _check_endpoint(endpoint: str | None, *, allow_none: bool) -> None:
    if endpoint is None and allow_none:
        return
    if endpoint not in LIST_ENDPOINTS:
        raise ValueError(f"endpoint must be one of {LIST_ENDPOINTS}, got {endpoint!r}")


# -- the HTTP simulator -----------------------------------------------------------------------


class _BadRequest(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _ListQuery:
    endpoint: str  # "activities", "cpdEntries" or "users"
    page: int
    per_page: int
    start_ms: int = 0
    end_ms: int = 0
    keep: Callable[[dict], bool] | None = None  # the activity types asked for


@dataclass(frozen=True)
class _RecordQuery:
    endpoint: str  # "activity" or "user"
    record_id: str


class ThriveSimulator(ObservedSimulator):
    """Thrive's OAuth token endpoint and public REST API (`/rest/v1`) under `/thrive`, over one
    organisation.

    Quirks always on:

    - `totalPages` is `totalResults // perPage + 1`: when the total is a multiple of perPage (or
      zero), the last announced page is empty. A page past totalPages answers empty `results`
      with the same totals.
    - `perPage` defaults to 20 for activities but 100 for CPD entries and users.
    - Date filters take `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DD`, read as UTC, and both bounds are
      inclusive to the millisecond: the record stamped at midnight (every day has one) comes
      back in the queries of both days it borders.
    - `data` is free-form: `duration` is a string, `source` a string or a nested object,
      `progresspercentage` a number or a string; some records carry fields nobody documented.
    - Every 30th user signs in with a reference and has no e-mail.

    The sandbox also wants both bounds of a date filter: its data has no first or last day, so a
    query without them would never end. Faults are set through `faults`.
    """

    path_prefixes = (PREFIX,)
    faults: ThriveFaults

    def __init__(
        self,
        organisation: Organisation,
        *,
        tenant_id: str = "eu-west-2_SandboxTn",
        api_secret: str | None = None,
        client_id: str = "sandbox-thrive-client",
        client_secret: str | None = None,
        auth: str = "oauth2",
        activities_per_day: int | None = None,
        cpd_entries_per_day: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, got {auth!r}")
        super().__init__()
        self.organisation = organisation
        self.records = ThriveRecords(organisation, activities_per_day, cpd_entries_per_day)
        self.tenant_id = tenant_id
        self.client_id = client_id
        # Random per simulator, so a leak test can search logs for these exact strings.
        self.api_secret = api_secret or secrets.token_urlsafe(24)
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.auth = auth
        self._tokens = Tokens(lifetime_seconds=TOKEN_LIFETIME_SECONDS, clock=clock)
        self.faults = ThriveFaults(self._tokens)

    # -- for tests and clients -------------------------------------------------------------

    def environment(self, base_url: str) -> dict[str, str]:
        return {
            "THRIVE_TENANT_ID": self.tenant_id,
            "THRIVE_API_URL": base_url + REST_BASE,
            "THRIVE_TOKEN_URL": f"{base_url}{TOKEN_PATH}/{self.tenant_id}",
            "THRIVE_AUTH": self.auth,
            **self.credentials(self.auth),
        }

    def credentials(self, auth: str) -> dict[str, str]:
        """The variables that only one auth mode needs: "basic" or "oauth2"."""
        if auth == "basic":
            return {"THRIVE_API_SECRET": self.api_secret}
        if auth == "oauth2":
            return {"THRIVE_CLIENT_ID": self.client_id, "THRIVE_CLIENT_SECRET": self.client_secret}
        raise ValueError(f"auth must be one of {AUTH_MODES}, got {auth!r}")

    def issue_token(self) -> str:
        """A valid bearer token without an HTTP call, for tests that are not about auth."""
        return self._tokens.issue()

    def revoke_all_tokens(self) -> None:
        self._tokens.revoke_all()

    @property
    def api_requests(self) -> list[RequestRecord]:
        return [record for record in self.requests if not _is_token_path(record.path)]

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if _is_token_path(request.path):
            self._count_token_request()
            response = self._token(request)
            params: dict[str, str] = {}  # the form body may hold the client secret: never recorded
        else:
            with self._counting_in_flight():
                response = self._api(request)
            params = dict(request.params)
        self._observe(request, params, response.status)
        return response

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return _oauth_error(405, "invalid_request", "use POST")
        tenant = request.path[len(TOKEN_PATH) + 1 :]
        if tenant != self.tenant_id:
            return _oauth_error(400, "invalid_request", "unknown tenant in the token URL")
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        # The client authenticates with HTTP Basic, or (the fallback) in the form body.
        client = request.basic_credentials()
        if client is None:
            client = (form.get("client_id", ""), form.get("client_secret", ""))
        if not (same(client[0], self.client_id) & same(client[1], self.client_secret)):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") != "client_credentials":
            message = "grant_type must be client_credentials"
            return _oauth_error(400, "unsupported_grant_type", message)
        unknown = set(form.get("scope", "").split()) - SCOPES
        if unknown:
            return _oauth_error(400, "invalid_scope", f"unknown scope {sorted(unknown)[0]!r}")
        token = self._tokens.issue()
        body = {"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"}
        return Response.json(200, body)

    def _api(self, request: Request) -> Response:
        route = _route(request.path)
        if route is None:
            return _error(404, f"no resource at {request.path}")
        self._apply_faults_before_call()
        if not self._authorised(request):
            return _error(401, "Missing or invalid credentials")
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on {request.path}")
        endpoint, record_id = route
        try:
            if record_id is None:
                query: _ListQuery | _RecordQuery = _parse_list_params(endpoint, request.params)
            else:
                query = _parse_record_id(endpoint, record_id)
        except _BadRequest as bad:
            return _error(400, bad.message)
        failure = self.faults._take_failure(endpoint)
        if failure is not None:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return _error(failure.status, headers=headers)
        if isinstance(query, _RecordQuery):
            record = self._record(query)
            if record is None:
                return _error(404, f"no {query.endpoint} with id {query.record_id}")
            body = dumps(record).encode()
        else:
            body = self._page(query).encode()
        return self._ok(body, _HTML_ERROR_PAGE)

    def _authorised(self, request: Request) -> bool:
        # Both modes are accepted at any time, whichever one `environment()` hands out.
        basic = request.basic_credentials()
        if basic is not None:
            return same(basic[0], self.tenant_id) & same(basic[1], self.api_secret)
        return self._tokens.is_valid(request.bearer_token())

    def _page(self, query: _ListQuery) -> str:
        shift = self.faults._shift(query.endpoint, query.page)
        offset = max(0, (query.page - 1) * query.per_page - shift)
        if query.endpoint == "users":
            users = self.records._all_users()
            total, results = len(users), users[offset : offset + query.per_page]
        else:
            total, results = _window_slice(
                lambda day_number: self._served(query.endpoint, day_number),
                lambda day_number: self.records._count_on(query.endpoint, day_number),
                query.start_ms,
                query.end_ms,
                query.keep,
                offset,
                query.per_page,
            )
        total_pages = total // query.per_page + 1
        self.faults._page_served(query.endpoint, query.page, total_pages)
        pagination = {
            "totalResults": total,
            "totalPages": total_pages,
            "page": query.page,
            "perPage": query.per_page,
        }
        return dumps({"pagination": pagination, "results": results})

    def _served(self, kind: str, day_number: int) -> list[_Stamped]:
        """A day's records as served: the records, with what a fault changes (in copies)."""
        stamped = self.records._stamped(kind, day_number)
        if kind == "activities":
            faults = self.faults._verbs_on(day_number)
            if not faults:
                return stamped
            stamped = list(stamped)
            for fault in faults:
                for index in range(min(fault.count, len(stamped))):
                    stamp, record = stamped[index]
                    stamped[index] = (stamp, {**record, "type": fault.value})
            return stamped
        changed, minutes = self.faults._cpd_duration_on(day_number)
        if not changed or not stamped:
            return stamped
        stamp, first = stamped[0]
        return [(stamp, {**first, "durationMinutes": minutes}), *stamped[1:]]

    def _record(self, query: _RecordQuery) -> dict | None:
        if query.endpoint == "user":
            return self.records._user_by_id(query.record_id)
        found = self.records._find_activity(query.record_id)
        if found is None:
            return None
        index, record = found
        day_number = int(record["id"][:8], 16) // 86_400
        return self._served("activities", day_number)[index][1]


def _is_token_path(path: str) -> bool:
    return path == TOKEN_PATH or path.startswith(TOKEN_PATH + "/")


def _route(path: str) -> tuple[str, str | None] | None:
    """(endpoint, record id or None) of an API path; None when nothing lives there."""
    if not path.startswith(REST_BASE + "/"):
        return None
    rest = path[len(REST_BASE) + 1 :]
    if rest in LIST_ENDPOINTS:
        return rest, None
    # The single-record paths are singular: /activity/<id> and /user/<id>.
    endpoint, slash, record_id = rest.partition("/")
    if slash and endpoint in ("activity", "user") and "/" not in record_id:
        return endpoint, record_id
    return None


def _parse_record_id(endpoint: str, record_id: str) -> _RecordQuery:
    if not _HEX_ID.fullmatch(record_id):
        raise _BadRequest(f"{endpoint} id must be 24 hexadecimal characters, got {record_id!r}")
    return _RecordQuery(endpoint, record_id.lower())


def _parse_list_params(endpoint: str, params: dict[str, str]) -> _ListQuery:
    page = _int_param(params, "page", 1)
    if page < 1:
        raise _BadRequest(f"Parameter 'page' must be 1 or more, got {page}")
    per_page = _int_param(params, "perPage", DEFAULT_PER_PAGE[endpoint])
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise _BadRequest(f"Parameter 'perPage' must be 1 to {MAX_PER_PAGE}, got {per_page}")
    if endpoint == "users":
        return _ListQuery(endpoint, page, per_page)
    if endpoint == "activities":
        start_name, end_name = "timestampFrom", "timestampTo"
    else:
        start_name, end_name = "entryDateFrom", "entryDateTo"
    start_ms = _timestamp_param(params, start_name)
    end_ms = _timestamp_param(params, end_name)
    keep = None
    if endpoint == "activities":
        keep = _verb_filter(_csv(params.get("actions")), _csv(params.get("omitActions")))
    return _ListQuery(endpoint, page, per_page, start_ms, end_ms, keep)


def _verb_filter(actions: frozenset[str], omitted: frozenset[str]) -> Callable[[dict], bool] | None:
    """What `actions` (types to keep) and `omitActions` (types to drop) keep; None: everything."""
    if not actions and not omitted:
        return None

    def keep(record: dict) -> bool:
        verb = record["type"]
        return (not actions or verb in actions) and verb not in omitted

    return keep


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise _BadRequest(f"Parameter '{name}' must be an integer, got {raw!r}")
    return int(raw)


def _timestamp_param(params: dict[str, str], name: str) -> int:
    """Epoch ms of a `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DD` filter value, read as UTC."""
    raw = params.get(name)
    if raw is None:
        raise _BadRequest(f"Parameter '{name}' is required by the sandbox: its data never ends")
    message = f"Parameter '{name}' must be YYYY-MM-DD hh:mm:ss or YYYY-MM-DD, got {raw!r}"
    match = _TIMESTAMP.fullmatch(raw)
    if match is None:
        raise _BadRequest(message)
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:  # well formed but no such time: month 13, hour 24
        raise _BadRequest(message) from None
    return _epoch_ms(moment)


def _csv(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (raw or "").split(",") if part.strip())


def _error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """Thrive's error body: {"status", "error" (the reason phrase), "message"}."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"status": status, "error": phrase, "message": message or phrase}
    return Response.json(status, body, headers)


def _oauth_error(status: int, error: str, description: str) -> Response:
    """The token endpoint's error body, OAuth style (not the API's error body)."""
    return Response.json(status, {"error": error, "error_description": description})


# What a gateway in front of the API answers when the service behind it fails, with a 200 here.
_HTML_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)
