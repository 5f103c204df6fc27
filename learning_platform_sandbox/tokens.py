"""Access tokens as an upstream issues them, the check of a client's secret, OAuth errors."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable

from learning_platform_sandbox.messages import Response


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


def same(given: str, expected: str) -> bool:
    """Constant-time comparison, so a secret cannot be guessed from response times."""
    return hmac.compare_digest(given.encode(), expected.encode())


def oauth_error(status: int, error: str, description: str) -> Response:
    """A token endpoint's error body, OAuth style (not the body of the API's own errors)."""
    return Response.json(status, {"error": error, "error_description": description})
