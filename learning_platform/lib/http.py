"""Calls to upstream JSON APIs: explicit timeouts, bounded retries, and errors that name the call
but never a secret.

Shared by every API source (LinkedIn Learning, Thrive). One `HttpClient.request_json` call is one
logical request: transient faults (429, 5xx, timeouts, dropped connections, a 200 whose body is
not the JSON it should be) are retried with backoff inside a time budget; any other 4xx is final
at once. Counters land in a `RequestStats` the caller reports as run metadata.

Longer than most modules here: the client, its retry policy, its errors and the counters it keeps
are one contract that every API client reads together.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import tenacity

log = logging.getLogger(__name__)

# How much of an upstream's own error text goes into our messages.
MAX_QUOTED_CHARS = 300


class UpstreamError(Exception):
    """A call to an upstream API failed. The message names the source, the endpoint and the
    caller's context (the window, the page), never a credential."""


class UpstreamResponseError(UpstreamError):
    """The upstream answered with an HTTP status that retrying will not fix, or kept answering
    with one that retrying did not fix."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class UpstreamAuthError(UpstreamResponseError):
    """Credentials refused: a token endpoint that rejects the client id and secret, a token the
    API rejects even after renewal, or a key without permission (401, 403)."""


class UpstreamNotFoundError(UpstreamResponseError):
    """HTTP 404. On a single-record call this means the record is not there."""


class MalformedBody(ValueError):
    """A 2xx body that is not what the endpoint answers (an HTML page, JSON cut short)."""


@dataclass
class RequestStats:
    """What the calls of one run cost, for its Dagster metadata. The caller owns one per run and
    passes it to every call."""

    api_calls: int = 0  # requests sent to the API itself, retries included
    token_requests: int = 0  # requests sent to a token endpoint, retries included
    retries: int = 0  # attempts that were repeated after a transient fault
    throttled: int = 0  # of which after an HTTP 429
    in_flight_lowered: int = 0  # times a 429 halved a walk's pages in flight
    walks_in_flight: int = 0  # walks that waited on the upstream, and went on with pages in flight
    retry_wait_seconds: float = 0.0  # time spent waiting between attempts
    token_renewals_after_401: int = 0
    pages: int = 0  # non-empty pages received
    elements_received: int = 0
    elements_expected: int = 0  # what the upstream's paging totals announced
    shortfalls: list[str] = field(default_factory=list)  # paging anomalies, one line each

    def add(self, other: RequestStats) -> None:
        """Count `other`'s calls in these (one request's, fetched on another thread)."""
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_metadata(self) -> dict[str, Any]:
        metadata = asdict(self)
        metadata["retry_wait_seconds"] = round(self.retry_wait_seconds, 1)
        return metadata


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one logical request tries before it fails."""

    max_attempts: int = 6
    # The whole request, waits included, ends within this budget: a wait that would overrun it is
    # not taken, the request fails instead.
    max_total_seconds: float = 300.0
    # Without Retry-After: full jitter, a uniform wait in [0, min(max, base * 2**(attempt - 1))].
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    # A Retry-After is honoured up to this. LinkedIn's quotas reset at midnight UTC: waiting
    # hours inside a step is worse than failing it and letting the run retry later.
    retry_after_max_seconds: float = 120.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})


class Secrets:
    """Values that must never appear in an error message: client secrets, access tokens, Basic
    authorization headers. Every message this module builds is scrubbed of them."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    # Shorter values are no credential worth the name, and replacing them would garble messages.
    MIN_LENGTH = 8

    def add(self, value: str | None) -> None:
        if value and len(value) >= self.MIN_LENGTH:
            self._values.add(value)

    def scrub(self, text: str) -> str:
        # Longest first, so a token that contains another registered value is removed whole.
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "[redacted]")
        return text


class _TransientFailure(Exception):
    """One attempt failed in a way worth another attempt."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


# Connection-level faults worth another attempt: timeouts, resets, a body cut off mid-transfer.
# A certificate error is a ConnectionError too, but no retry will fix it.
_NETWORK_FAULTS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class HttpClient:
    """Sends JSON requests to one upstream with timeouts and retries, over one keep-alive session.

    `sleep` and `clock` (monotonic seconds) are injectable so that tests record waits instead of
    sleeping, and drive token expiry without waiting for it.
    """

    def __init__(
        self,
        source: str,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.source = source
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self.secrets = Secrets()
        self._backoff = tenacity.wait_random_exponential(
            multiplier=retry.backoff_base_seconds, max=retry.backoff_max_seconds
        )

    def __repr__(self) -> str:
        return f"HttpClient({self.source!r})"

    def close(self) -> None:
        self.session.close()

    def request_json(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        context: str = "",
        stats: RequestStats,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Callable[[], Mapping[str, str]] | None = None,
        auth: requests.auth.AuthBase | None = None,
        on_unauthorized: Callable[[requests.Response], None] | None = None,
        valid: Callable[[Any], bool] | None = None,
        decode: Callable[[bytes], Any] | None = None,
        hints: Mapping[int, str] | None = None,
        counter: str = "api_calls",
        quote_body: bool = True,
    ) -> Any:
        """Send one logical request and return its parsed JSON body.

        endpoint, context: name the call in errors and logs ("learningActivityReports",
            "INDIVIDUAL window 2026-11-20 (America/Los_Angeles) start=3000").
        headers: computed before every send, so that a renewed token is picked up.
        on_unauthorized: called once on a 401 (with that response) to renew credentials; the
            request is then sent again. A second 401 is final. Without it, a 401 is final at once.
        valid: a check of the parsed body; a 200 that fails it is treated like a garbled body
            (retried, then an error), never read as "no records".
        decode: turns the body's bytes into the result instead of json.loads, for a typed
            decoder; a MalformedBody from it is a garbled body. Other errors propagate as they are.
        hints: what to add to the error for a final status ({403: "the key may lack ..."}).
        counter: the RequestStats field that counts the requests sent ("token_requests").
        quote_body: False for calls whose response may hold a credential (a token endpoint):
            errors then quote only the upstream's structured error fields, never raw body text.
        """
        where = " ".join(part for part in (self.source, endpoint, context) if part)
        hints = hints or {}
        attempts = 0
        renewed = False
        started = self.clock()

        def send() -> requests.Response:
            extra_headers = dict(headers()) if headers is not None else {}
            setattr(stats, counter, getattr(stats, counter) + 1)
            try:
                return self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=extra_headers,
                    auth=auth,
                    timeout=self.timeout,
                )
            except requests.exceptions.SSLError as error:
                raise UpstreamError(f"{where}: TLS error: {_shorten(str(error))}") from error
            except _NETWORK_FAULTS as error:
                reason = f"{type(error).__name__}: {_shorten(str(error))}"
                raise _TransientFailure(reason) from error

        def attempt() -> Any:
            nonlocal attempts, renewed
            attempts += 1
            response = send()
            if response.status_code == 401 and on_unauthorized is not None and not renewed:
                renewed = True
                stats.token_renewals_after_401 += 1
                log.info("%s: HTTP 401, renewing the credentials once and sending again", where)
                on_unauthorized(response)
                response = send()
            return self._parse(response, where, valid, decode, hints, quote_body)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            stats.retries += 1
            if getattr(state.outcome.exception() if state.outcome else None, "status", None) == 429:
                stats.throttled += 1
            stats.retry_wait_seconds += state.upcoming_sleep
            failure = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s: %s; attempt %d of %d, retrying in %.1f s",
                where,
                failure,
                state.attempt_number,
                self.retry.max_attempts,
                state.upcoming_sleep,
            )

        def out_of_budget(state: tenacity.RetryCallState) -> bool:
            # Runs after the wait is chosen: a wait that would overrun the budget is not taken.
            return self.clock() - started + state.upcoming_sleep > self.retry.max_total_seconds

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_TransientFailure),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(self.retry.max_attempts) | out_of_budget,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _TransientFailure as failure:
            elapsed = self.clock() - started
            message = (
                f"{where}: gave up after {attempts} attempt(s) in {elapsed:.0f} s; "
                f"last: {failure.reason}"
            )
            if failure.status is None:
                raise UpstreamError(self.secrets.scrub(message)) from failure.__cause__
            if failure.status in hints:
                message += f"; {hints[failure.status]}"
            raise UpstreamResponseError(self.secrets.scrub(message), failure.status) from None

    def _wait(self, state: tenacity.RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _TransientFailure) and failure.retry_after is not None:
            return min(failure.retry_after, self.retry.retry_after_max_seconds)
        return self._backoff(state)

    def _parse(
        self,
        response: requests.Response,
        where: str,
        valid: Callable[[Any], bool] | None,
        decode: Callable[[bytes], Any] | None,
        hints: Mapping[int, str],
        quote_body: bool,
    ) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            garbled: type[ValueError] = ValueError if decode is None else MalformedBody
            try:
                body = response.json() if decode is None else decode(response.content)
            except garbled:
                # An HTML error page from a proxy, or a body cut short: never "zero records".
                body_seen = _describe_body(response, quote_body)
                raise _TransientFailure(f"HTTP {status} with a body that is not JSON ({body_seen})")
            if valid is not None and not valid(body):
                raise _TransientFailure(f"HTTP {status} with JSON of an unexpected shape")
            return body

        said = _upstream_message(response, quote_body)
        reason = f"HTTP {status}" + (f" ({self.secrets.scrub(said)})" if said else "")
        if status in self.retry.retry_statuses:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            raise _TransientFailure(reason, status, retry_after)
        message = f"{where}: {reason}" + (f"; {hints[status]}" if status in hints else "")
        message = self.secrets.scrub(message)
        if status in (401, 403):
            raise UpstreamAuthError(message, status)
        if status == 404:
            raise UpstreamNotFoundError(message, status)
        raise UpstreamResponseError(message, status)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a Retry-After header asks for: delta seconds or an HTTP date. None when absent or
    unreadable (the caller then backs off on its own); 0 for a date already past."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT
        moment = moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (moment - now).total_seconds())


# Where upstreams put their own explanation: LinkedIn `message`/`serviceErrorCode`, OAuth2
# `error`/`error_description`, and the common `detail`/`title`.
_ERROR_FIELDS = ("error", "error_description", "message", "detail", "title", "serviceErrorCode")


def _upstream_message(response: requests.Response, quote_body: bool) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        said = [
            f"{name}: {body[name]}"
            for name in _ERROR_FIELDS
            if isinstance(body.get(name), (str, int))
        ]
        if said:
            return _shorten("; ".join(said))
    if not quote_body or not response.text.strip():
        return response.reason or ""
    return _excerpt(response.text)


def _describe_body(response: requests.Response, quote_body: bool) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    description = f"{kind}, {len(response.content)} bytes"
    # A proxy's HTML page says what went wrong; a cut-short JSON page would only quote learner data.
    if quote_body and "json" not in kind.lower():
        description += f": {_excerpt(response.text)}"
    return description


def _excerpt(text: str) -> str:
    return repr(_shorten(text)) if text.strip() else "empty body"


def _shorten(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_QUOTED_CHARS else text[:MAX_QUOTED_CHARS] + "..."
