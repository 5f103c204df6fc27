"""What every upstream simulator shares: issued tokens, gates for held calls, the request log."""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # server.py mounts the simulators, which import this module
    from learning_platform.sandbox.server import Request


class Tokens:
    """Issued access tokens, numbered in issue order so 'everything issued so far' is one number.

    With a `lifetime_seconds`, a token also expires that long after its issue, as read on `clock`
    (a test moves the clock instead of waiting an hour).
    """

    def __init__(
        self,
        lifetime_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._serial: dict[str, int] = {}
        self._issued_at: dict[str, float] = {}
        self._revoked_below = 0

    @property
    def issued(self) -> int:
        return len(self._serial)

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._serial[token] = len(self._serial)
            self._issued_at[token] = self._clock()
        return token

    def is_valid(self, token: str | None) -> bool:
        serial = self._serial.get(token) if token else None
        if token is None or serial is None or serial < self._revoked_below:
            return False
        if self.lifetime_seconds is None:
            return True
        return self._clock() - self._issued_at[token] < self.lifetime_seconds

    def revoke_issued_before(self, serial: int) -> None:
        with self._lock:
            self._revoked_below = max(self._revoked_below, serial)

    def revoke_all(self) -> None:
        self.revoke_issued_before(self.issued)


class Gate:
    """A closed gate: API calls wait at it until `open()`. Tests hold calls in flight with it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._open = False
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    def open(self) -> None:
        with self._condition:
            self._open = True
            self._condition.notify_all()

    def wait_until_waiting(self, calls: int, timeout: float = 10.0) -> bool:
        """Block until `calls` API calls wait at the gate; False if that takes over `timeout`."""
        with self._condition:
            return self._condition.wait_for(lambda: self._waiting >= calls, timeout)

    def _pass(self) -> None:
        with self._condition:
            self._waiting += 1
            self._condition.notify_all()
            self._condition.wait_for(lambda: self._open)
            self._waiting -= 1


@dataclass(frozen=True)
class RequestRecord:
    """One call as a simulator saw it. Never holds a token, a secret or a request body."""

    method: str
    path: str
    params: dict[str, str]
    had_bearer_token: bool
    status: int
    had_basic_auth: bool = False  # an `Authorization: Basic` header, whatever it held


class _Faults(Protocol):
    def clear(self) -> None: ...


class ObservedSimulator:
    """What a simulator lets tests see of the calls it served, and how it stops.

    A subclass sets `faults`, counts each token request with `_count_token_request()`, serves each
    API call inside `_counting_in_flight()` and logs every call with `_observe()`. It names the
    in-flight maximum after what its API serves (`max_reports_in_flight`, `max_in_flight`).
    """

    faults: _Faults

    def __init__(self) -> None:
        self._closed = threading.Event()  # what a slow call waits on, so stopping wakes it
        self._lock = threading.Lock()
        # Bounded, so a sandbox left running for days does not grow without end.
        self._log: deque[RequestRecord] = deque(maxlen=100_000)
        self._token_requests = 0
        self._in_flight = 0
        self._max_in_flight = 0

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    @property
    def token_requests(self) -> int:
        return self._token_requests

    def reset_observations(self) -> None:
        with self._lock:
            self._log.clear()
            self._token_requests = 0
            self._max_in_flight = self._in_flight

    def close(self) -> None:
        self._closed.set()
        self.faults.clear()

    def _count_token_request(self) -> None:
        with self._lock:
            self._token_requests += 1

    @contextmanager
    def _counting_in_flight(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def _observe(self, request: Request, params: dict[str, str], status: int) -> None:
        """Log a call; `params` is what may be kept of it (a token request's form holds secrets)."""
        record = RequestRecord(
            request.method,
            request.path,
            params,
            request.bearer_token() is not None,
            status,
            request.basic_credentials() is not None,
        )
        with self._lock:
            self._log.append(record)


def retry_after_header(retry_after: int | float | datetime | None) -> str | None:
    """A Retry-After value: whole seconds, or a datetime as an HTTP-date."""
    if retry_after is None:
        return None
    if isinstance(retry_after, datetime):
        return format_datetime(retry_after.astimezone(timezone.utc), usegmt=True)
    return str(int(retry_after))


def same(given: str, expected: str) -> bool:
    """Constant-time comparison, so a secret cannot be guessed from response times."""
    return hmac.compare_digest(given.encode(), expected.encode())


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
