"""Thrive's faults: failures by endpoint, unknown verbs, odd CPD durations, pages that shift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from learning_platform_sandbox.faults import (
    Failure,
    FaultsBase,
    check_error_status,
    retry_after_header,
)
from learning_platform_sandbox.thrive.api import check_endpoint
from learning_platform_sandbox.thrive.stamps import day_number_of
from learning_platform_sandbox.tokens import Tokens


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
        self._shifted_pages: dict[str, set[int]] = {}  # endpoint -> pages served shifted so far

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
        check_error_status(status)
        check_endpoint(endpoint, allow_none=True)
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
            self._unknown_verbs.append(_UnknownVerb(day_number_of(day), value, count))

    def cpd_duration(self, day: date, value: object) -> None:
        """Serve the first CPD entry of the UTC `day` with `durationMinutes` = `value`, verbatim
        (-5, 12.5, "15", None: whatever the client must survive)."""
        with self._lock:
            self._cpd_durations[day_number_of(day)] = value

    def shift_pages(self, endpoint: str, by: int = 1) -> None:
        """Offset paging over a set that grows while a client walks it, for the next walk.

        Every page after the first starts `by` records early, so the record at the boundary of
        pages 1 and 2 is served twice (a client must dedupe by id) and none is lost. The walk
        ends, and the fault with it, once the last announced page (`totalPages`) is served.
        """
        check_endpoint(endpoint, allow_none=False)
        if by < 1:
            raise ValueError(f"pages shift back by at least one record, got {by}")
        with self._lock:
            self._shifts[endpoint] = by
            self._shifted_pages[endpoint] = set()

    def _clear_own(self) -> None:
        self._unknown_verbs, self._cpd_durations, self._shifts = [], {}, {}
        self._shifted_pages = {}

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
        # The walk is over once every page after the first has been served, in whatever order a
        # client with several pages in flight asks for them.
        with self._lock:
            served = self._shifted_pages.get(endpoint)
            if served is None:
                return
            served.add(page)
            if served >= set(range(2, total_pages + 1)):
                self._shifts.pop(endpoint, None)
                self._shifted_pages.pop(endpoint, None)
