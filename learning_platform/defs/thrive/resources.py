"""The Thrive resource: tenant, credentials and hosts from the environment, one API client per run,
bound to THRIVE_* (DESIGN.md §4) as `thrive`."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from learning_platform import settings
from learning_platform.defs.shared.resources import UpstreamClient
from learning_platform.lib.thrive.api import ThriveApi
from learning_platform.lib.thrive.config import resolve_config

# Resource field <- environment variable (DESIGN.md §4).
ENVIRONMENT_VARIABLES = {
    "tenant_id": settings.THRIVE_TENANT_ID,
    "api_secret": settings.THRIVE_API_SECRET,
    "client_id": settings.THRIVE_CLIENT_ID,
    "client_secret": settings.THRIVE_CLIENT_SECRET,
    "auth": settings.THRIVE_AUTH,
    "environment": settings.THRIVE_ENVIRONMENT,
    "api_url": settings.THRIVE_API_URL,
    "token_url": settings.THRIVE_TOKEN_URL,
}


class ThriveClient(UpstreamClient):
    """Thrive (learn.link) public API, with HTTP Basic (tenant id and API secret) or a cached
    OAuth2 client-credentials token. A missing or contradictory setting fails at set-up, before
    any request, with a message that names the variables."""

    tenant_id: str | None = None
    api_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    auth: str | None = None  # basic or oauth2; unset: basic when an API secret is set
    environment: str | None = None  # production, production-mea, staging, staging-mea
    api_url: str | None = None  # overrides the REST base derived from the environment
    token_url: str | None = None  # overrides the token endpoint derived from it
    # Thrive publishes no rate limit; upstreams.md §2.10 keeps to about 5 requests a second. Two
    # pages at once stay near that at the few hundred milliseconds a page takes.
    max_pages_in_flight: int = 2
    # Each day is asked for with this much on either side, and the records are then kept by their
    # own timestamp: the filter's bounds (inclusive or not, which zone) are undocumented, and a
    # record at exactly midnight must land in one day, once.
    window_overlap_minutes: int = 60

    @classmethod
    def from_environment(cls) -> ThriveClient:
        """Bound to the variables that are set (as EnvVar, so the UI shows names, not values);
        the ones left unset stay None, for set-up to name if the configuration needs them."""
        in_flight = settings.THRIVE_MAX_PAGES_IN_FLIGHT
        return cls(
            **{
                field: dg.EnvVar(variable)
                for field, variable in ENVIRONMENT_VARIABLES.items()
                if settings.env(variable)
            },
            **(
                {"max_pages_in_flight": dg.EnvVar.int(in_flight)} if settings.env(in_flight) else {}
            ),
        )

    @property
    def window_overlap(self) -> timedelta:
        return timedelta(minutes=self.window_overlap_minutes)

    def build_api(self) -> ThriveApi:
        config = resolve_config(**{field: getattr(self, field) for field in ENVIRONMENT_VARIABLES})
        return ThriveApi(
            config,
            page_size=self.page_size,
            pages_in_flight=self.max_pages_in_flight,
            timeout=self.timeout,
            retry=self.retry,
        )


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"thrive": ThriveClient.from_environment()})
