"""Thrive's API as simulated: paths, auth modes, scopes, and the list endpoints with their pages."""

from __future__ import annotations

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


def check_endpoint(endpoint: str | None, *, allow_none: bool) -> None:
    if endpoint is None and allow_none:
        return
    if endpoint not in LIST_ENDPOINTS:
        raise ValueError(f"endpoint must be one of {LIST_ENDPOINTS}, got {endpoint!r}")
