"""Faults every simulator offers tests: failures, slowness, garbage, held calls, revoked tokens."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Generic, TypeVar

from learning_platform_sandbox.tokens import Tokens


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


@dataclass(kw_only=True)
class Failure:
    """An error status for the next matching calls; what a call must match is the simulator's."""

    status: int
    remaining: int
    retry_after: str | None
    skip: int = 0  # matching calls to let through before the first failure

    @property
    def headers(self) -> dict[str, str]:
        """The headers of the failed answer: Retry-After, when the failure has one."""
        return {"Retry-After": self.retry_after} if self.retry_after else {}


FailureT = TypeVar("FailureT", bound=Failure)
CallT = TypeVar("CallT")  # what a failure is matched against: a report query, an endpoint


class FaultsBase(Generic[FailureT, CallT]):
    """The faults every simulator offers for its API calls, set by tests at runtime.

    Failures, slowness and garbage are consumed in the order they were set, one per matching call;
    `clear()` undoes it all. A subclass adds its own `fail()` and faults, says which calls a
    failure matches (`_failure_matches`) and forgets its own faults in `_clear_own()`.
    """

    def __init__(self, tokens: Tokens) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()
        self._failures: list[FailureT] = []
        self._delays: list[list] = []  # [seconds, calls left]
        self._garbage: list[list] = []  # [kind, calls left]
        self._revocation: tuple[int, int] | None = None  # (calls left, tokens issued when set)
        self._gates: list[Gate] = []
        self._rewrites: list[list] = []  # [old bytes, new bytes, bodies left]

    def slow(self, seconds: float, times: int = 1) -> None:
        """Wait `seconds` before answering each of the next `times` API calls."""
        with self._lock:
            self._delays.append([seconds, times])

    def garbage(self, times: int = 1, *, kind: str = "html") -> None:
        """Answer 200 with a broken body: `html` (an error page) or `truncated_json` (half)."""
        if kind not in ("html", "truncated_json"):
            raise ValueError(f"garbage kind must be 'html' or 'truncated_json', got {kind!r}")
        with self._lock:
            self._garbage.append([kind, times])

    def rewrite(self, old: str, new: str, times: int = 1) -> None:
        """Serve the next `times` 200 bodies that contain `old` with its first occurrence replaced
        by `new`, as raw text: a field of one record changed (a JSON-escaped NUL, `\\u0000`, in a
        name), everything else as it was."""
        with self._lock:
            self._rewrites.append([old.encode(), new.encode(), times])

    def hold(self) -> Gate:
        """Make API calls wait until the returned gate is opened (or `clear()`)."""
        gate = Gate()
        with self._lock:
            self._gates.append(gate)
        return gate

    def revoke_tokens_after(self, calls: int) -> None:
        """After `calls` more API calls, every bearer token issued by then stops working (401).

        A token fetched after that works, so a client that refreshes once on 401 recovers.
        """
        with self._lock:
            self._revocation = (calls, self._tokens.issued)

    def clear(self) -> None:
        with self._lock:
            gates = self._gates
            self._failures, self._delays, self._garbage, self._gates = [], [], [], []
            self._rewrites = []
            self._revocation = None
            self._clear_own()
        for gate in gates:
            gate.open()

    # -- for subclasses ----------------------------------------------------------------------

    def _clear_own(self) -> None:
        """Forget the subclass's own faults; called with the lock held, so `clear()` is one step."""

    def _failure_matches(self, failure: FailureT, call: CallT) -> bool:
        """Whether `failure` applies to `call`; called with the lock held."""
        raise NotImplementedError

    def _add_failure(self, failure: FailureT) -> None:
        with self._lock:
            self._failures.append(failure)

    # -- consumed by the simulator ------------------------------------------------------------

    def _wait_at_gates(self) -> None:
        with self._lock:
            gates = list(self._gates)
        for gate in gates:
            gate._pass()

    def _rewritten(self, body: bytes) -> bytes:
        with self._lock:
            for rewrite in self._rewrites:
                old, new, left = rewrite
                if left > 0 and old in body:
                    rewrite[2] -= 1
                    body = body.replace(old, new, 1)
            self._rewrites = [rewrite for rewrite in self._rewrites if rewrite[2] > 0]
        return body

    def _take_delay(self) -> float:
        return self._take(self._delays) or 0.0

    def _take_garbage(self) -> str | None:
        return self._take(self._garbage)

    def _take(self, queue: list[list]):
        with self._lock:
            for entry in queue:
                if entry[1] > 0:
                    entry[1] -= 1
                    return entry[0]
        return None

    def _tick_revocation(self) -> None:
        with self._lock:
            if self._revocation is None:
                return
            calls_left, issued = self._revocation
            if calls_left > 0:
                self._revocation = (calls_left - 1, issued)
                return
            self._revocation = None
        # Everything issued by now, including a token fetched after the fault was set: a token
        # revoked mid-run is the one the run is using.
        self._tokens.revoke_all()

    def _take_failure(self, call: CallT) -> FailureT | None:
        with self._lock:
            for failure in self._failures:
                if failure.remaining > 0 and self._failure_matches(failure, call):
                    if failure.skip > 0:
                        failure.skip -= 1
                        continue
                    failure.remaining -= 1
                    return failure
        return None


def retry_after_header(retry_after: int | float | datetime | None) -> str | None:
    """A Retry-After value: whole seconds, or a datetime as an HTTP-date."""
    if retry_after is None:
        return None
    if isinstance(retry_after, datetime):
        return format_datetime(retry_after.astimezone(timezone.utc), usegmt=True)
    return str(int(retry_after))


def check_error_status(status: int) -> None:
    """A failure answers an error status (4xx or 5xx); anything else is a mistake in the test."""
    if not 400 <= status <= 599:
        raise ValueError(f"a failure needs an error status, got {status}")
