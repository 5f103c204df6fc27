"""The Thrive settings of the environment contract (DESIGN.md §4) resolved into one configuration:
which environment's hosts, and Basic or OAuth2 credentials, or an error naming the variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from learning_platform import settings

REST_PATH = "/rest/v1"
# Thrive's hosts per environment (upstreams.md §2.2). The token endpoint lives on the same host.
ENVIRONMENT_HOSTS = {
    "production": "public.api.learn.link",
    "production-mea": "public.api.mea.learn.tech",
    "staging": "public.api.learnstaging.link",
    "staging-mea": "public.api.meastaging.learn.tech",
}
DEFAULT_ENVIRONMENT = "production"
AUTH_MODES = ("basic", "oauth2")


class ThriveConfigError(ValueError):
    """The Thrive settings are missing or contradict each other. Names variables, never values."""


@dataclass(frozen=True)
class ThriveConfig:
    """Where Thrive is and how to authenticate; secrets are kept out of repr."""

    tenant_id: str
    auth: Literal["basic", "oauth2"]
    api_url: str  # the REST base, ending in /rest/v1
    token_url: str  # the tenant's OAuth2 token endpoint
    api_secret: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)


def resolve_config(
    *,
    tenant_id: str | None,
    api_secret: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    auth: str | None = None,
    environment: str | None = None,
    api_url: str | None = None,
    token_url: str | None = None,
) -> ThriveConfig:
    """The configuration these settings describe, or a ThriveConfigError that names the variables
    to fix. Basic and OAuth2 credentials together are refused, whichever THRIVE_AUTH says: one of
    them would be silently ignored, and nobody would know which key the platform uses."""
    tenant_id, api_secret, client_id, client_secret, auth, environment, api_url, token_url = (
        (value or "").strip() or None
        for value in (
            tenant_id,
            api_secret,
            client_id,
            client_secret,
            auth,
            environment,
            api_url,
            token_url,
        )
    )
    problems = []
    if tenant_id is None:
        problems.append(f"{settings.THRIVE_TENANT_ID} is not set")
    oauth_given = [
        name
        for name, value in (
            (settings.THRIVE_CLIENT_ID, client_id),
            (settings.THRIVE_CLIENT_SECRET, client_secret),
        )
        if value is not None
    ]
    if auth is not None and auth.lower() not in AUTH_MODES:
        problems.append(f"{settings.THRIVE_AUTH} must be one of {', '.join(AUTH_MODES)}")
        mode = None
    elif api_secret is not None and oauth_given:
        problems.append(
            f"both {settings.THRIVE_API_SECRET} (basic) and {' and '.join(oauth_given)} (oauth2) "
            f"are set: set the credentials of one mode only"
        )
        mode = None
    else:
        mode = (auth or ("basic" if api_secret is not None else "oauth2")).lower()
    if mode == "basic" and api_secret is None:
        problems.append(
            f"{settings.THRIVE_AUTH} is basic but {settings.THRIVE_API_SECRET} is not set"
            + (f" ({' and '.join(oauth_given)} belong to oauth2)" if oauth_given else "")
        )
    if mode == "oauth2":
        missing = [
            name
            for name, value in (
                (settings.THRIVE_CLIENT_ID, client_id),
                (settings.THRIVE_CLIENT_SECRET, client_secret),
            )
            if value is None
        ]
        if missing:
            problems.append(
                f"OAuth2 needs {settings.THRIVE_CLIENT_ID} and {settings.THRIVE_CLIENT_SECRET}; "
                f"{' and '.join(missing)} not set (or set {settings.THRIVE_API_SECRET} for basic)"
            )
    environment = (environment or DEFAULT_ENVIRONMENT).lower()
    if environment not in ENVIRONMENT_HOSTS:
        problems.append(
            f"{settings.THRIVE_ENVIRONMENT} must be one of {', '.join(ENVIRONMENT_HOSTS)}"
        )
    for name, url in ((settings.THRIVE_API_URL, api_url), (settings.THRIVE_TOKEN_URL, token_url)):
        if url is not None and not url.startswith(("https://", "http://")):
            problems.append(f"{name} must be an http(s) URL")
    if problems:
        raise ThriveConfigError("Thrive configuration: " + "; ".join(problems))
    host = f"https://{ENVIRONMENT_HOSTS[environment]}"
    assert tenant_id is not None and mode in AUTH_MODES
    return ThriveConfig(
        tenant_id=tenant_id,
        auth=mode,  # type: ignore[arg-type]
        api_url=(api_url or host + REST_PATH).rstrip("/"),
        token_url=token_url or f"{host}/oauth2/token/{tenant_id}",
        api_secret=api_secret if mode == "basic" else None,
        client_id=client_id if mode == "oauth2" else None,
        client_secret=client_secret if mode == "oauth2" else None,
    )
