"""What a simulator lets tests see of the calls it served (the request log, calls in flight)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from learning_platform_sandbox.faults import FaultsBase
from learning_platform_sandbox.messages import Request, Response


@dataclass(frozen=True)
class RequestRecord:
    """One call as a simulator saw it. Never holds a token, a secret or a request body."""

    method: str
    path: str
    params: dict[str, str]
    had_bearer_token: bool
    status: int
    had_basic_auth: bool = False  # an `Authorization: Basic` header, whatever it held


class ObservedSimulator:
    """What a simulator lets tests see of the calls it served, and how it stops.

    A subclass sets `faults`, answers each token request through `_serve_token_request()` and each
    API call through `_serve_api_call()`, so both are counted and logged. An API call starts with
    `_apply_faults_before_call()` and answers its 200 with `_ok()`, so the faults apply. The
    subclass names the in-flight maximum after what its API serves (`max_reports_in_flight`,
    `max_in_flight`).

    `latency_seconds` is how long every API call takes before it is answered, as a vendor far
    away does: each call waits on its own server thread, so calls in flight overlap.
    """

    faults: FaultsBase

    def __init__(self, latency_seconds: float = 0.0) -> None:
        if latency_seconds < 0:
            raise ValueError(f"latency must be zero or more seconds, got {latency_seconds}")
        self.latency_seconds = latency_seconds
        self._closed = threading.Event()  # what a slow call waits on, so stopping wakes it
        self._lock = threading.Lock()
        self._in_flight_changed = threading.Condition(self._lock)
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

    def wait_until_in_flight(self, calls: int, timeout: float = 10.0) -> bool:
        """Block until `calls` API calls are in flight at once; False if not within `timeout`."""
        with self._in_flight_changed:
            return self._in_flight_changed.wait_for(lambda: self._in_flight >= calls, timeout)

    def reset_observations(self) -> None:
        with self._lock:
            self._log.clear()
            self._token_requests = 0
            self._max_in_flight = self._in_flight

    def close(self) -> None:
        self._closed.set()
        self.faults.clear()

    def _apply_faults_before_call(self) -> None:
        """Wait the latency, hold the call at the gates, delay it, and count it towards a token
        revocation."""
        if self.latency_seconds:
            self._closed.wait(self.latency_seconds)  # woken early when the server stops
        self.faults._wait_at_gates()
        delay = self.faults._take_delay()
        if delay:
            self._closed.wait(delay)  # woken early when the server stops
        self.faults._tick_revocation()

    def _ok(self, body: bytes, html_error_page: bytes) -> Response:
        """A 200 with `body`, unless a garbage fault serves `html_error_page` or half the body."""
        garbage = self.faults._take_garbage()
        if garbage == "html":
            return Response(200, html_error_page, content_type="text/html; charset=utf-8")
        if garbage == "truncated_json":
            return Response(200, body[: len(body) // 2])
        return Response(200, self.faults._rewritten(body))

    def _serve_token_request(
        self, request: Request, answer: Callable[[Request], Response]
    ) -> Response:
        """Answer a token request, counted, and log it without its form: that holds the secret."""
        self._count_token_request()
        response = answer(request)
        self._observe(request, {}, response.status)
        return response

    def _serve_api_call(self, request: Request, answer: Callable[[Request], Response]) -> Response:
        """Answer an API call, counted while in flight, and log it with its query string."""
        with self._counting_in_flight():
            response = answer(request)
        self._observe(request, dict(request.params), response.status)
        return response

    def _count_token_request(self) -> None:
        with self._lock:
            self._token_requests += 1

    @contextmanager
    def _counting_in_flight(self) -> Iterator[None]:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._in_flight_changed.notify_all()
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
