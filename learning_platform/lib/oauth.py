"""OAuth2 client-credentials tokens: fetched on first use, cached, renewed shortly before expiry or
once after a 401.

Generic over the two ways a token endpoint authenticates the client: credentials in the form
body (LinkedIn) or HTTP Basic (AWS Cognito, Thrive).
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from learning_platform.lib.http import (
    HttpClient,
    RequestStats,
    UpstreamAuthError,
    UpstreamResponseError,
)

log = logging.getLogger(__name__)

ClientAuth = Literal["form", "basic"]

CHECK_CREDENTIALS = "the token endpoint refused the client: check the client id and secret"

# Renew when less than this much of the token's life remains: a day for LinkedIn's 90-day
# tokens, 10% of the lifetime for short ones (6 minutes of a Cognito hour).
MAX_RENEWAL_MARGIN_SECONDS = 86_400.0
RENEWAL_MARGIN_SHARE = 0.10
# A token response without `expires_in` is assumed to live this long; a 401 renews it anyway.
DEFAULT_LIFETIME_SECONDS = 3600.0


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # on the client's clock
    renew_at: float


class ClientCredentialsToken:
    """An OAuth2 client-credentials access token for one client, safe to share between threads.

    `get` returns the cached token, fetching one first when there is none or its expiry is near;
    concurrent callers wait for a single fetch. `invalidate` forces the next `get` to fetch.
    """

    def __init__(
        self,
        http: HttpClient,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        client_auth: ClientAuth = "form",
        scope: str | None = None,
    ):
        if client_auth not in ("form", "basic"):
            raise ValueError(f"client_auth must be 'form' or 'basic', not {client_auth!r}")
        self._http = http
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._client_auth = client_auth
        self._scope = scope
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        http.secrets.add(client_secret)
        http.secrets.add(_basic_credentials(client_id, client_secret))

    def __repr__(self) -> str:
        return f"ClientCredentialsToken({self._token_url!r}, client_auth={self._client_auth!r})"

    @property
    def token_url(self) -> str:
        return self._token_url

    def get(self, stats: RequestStats) -> str:
        with self._lock:
            token = self._token
            if token is None or self._http.clock() >= token.renew_at:
                token = self._token = self._fetch(stats)
            return token.value

    def invalidate(self, rejected: str | None = None) -> None:
        """Drop the cached token. With `rejected`, only if that is still the cached one: another
        thread may already have replaced it after the same 401."""
        with self._lock:
            if self._token is not None and (rejected is None or rejected == self._token.value):
                self._token = None

    def forget_rejected(self, response: requests.Response) -> None:
        """An `on_unauthorized` hook for HttpClient: drop the token the 401 was answered to, so
        the request is sent again with a fresh one."""
        sent = response.request.headers.get("Authorization", "")
        self.invalidate(rejected=sent.removeprefix("Bearer "))

    def bearer_header(self, stats: RequestStats) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.get(stats)}"}

    def _fetch(self, stats: RequestStats) -> AccessToken:
        form = {"grant_type": "client_credentials"}
        auth = None
        if self._client_auth == "basic":
            auth = requests.auth.HTTPBasicAuth(self._client_id, self._client_secret)
        else:
            form |= {"client_id": self._client_id, "client_secret": self._client_secret}
        if self._scope:
            form["scope"] = self._scope
        try:
            body = self._http.request_json(
                "POST",
                self._token_url,
                endpoint="token endpoint",
                context=self._token_url,
                stats=stats,
                data=form,
                auth=auth,
                valid=_is_token_response,
                hints={400: CHECK_CREDENTIALS, 401: CHECK_CREDENTIALS, 403: CHECK_CREDENTIALS},
                counter="token_requests",
                # A token response quoted in an error, even cut short, could hold the token.
                quote_body=False,
            )
        except UpstreamAuthError:
            raise
        except UpstreamResponseError as error:
            if error.status == 400:  # OAuth2 answers invalid_client with 400 as often as with 401
                raise UpstreamAuthError(str(error), error.status) from None
            raise
        self._http.secrets.add(body["access_token"])
        now = self._http.clock()
        lifetime = _lifetime_seconds(body.get("expires_in"))
        margin = min(MAX_RENEWAL_MARGIN_SECONDS, RENEWAL_MARGIN_SHARE * lifetime)
        log.info(
            "%s: new access token from %s, valid for %.0f s",
            self._http.source,
            self._token_url,
            lifetime,
        )
        return AccessToken(
            body["access_token"], expires_at=now + lifetime, renew_at=now + lifetime - margin
        )


def _is_token_response(body: Any) -> bool:
    token = body.get("access_token") if isinstance(body, dict) else None
    return isinstance(token, str) and bool(token)


def _lifetime_seconds(expires_in: Any) -> float:
    try:
        lifetime = float(expires_in)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME_SECONDS
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME_SECONDS


def _basic_credentials(client_id: str, client_secret: str) -> str:
    """The base64 part of the Basic header, registered so that no message can carry it."""
    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
