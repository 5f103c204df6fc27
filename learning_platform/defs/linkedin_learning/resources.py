"""The LinkedIn Learning resource: credentials and limits from the environment, one API client
per run, bound to LINKEDIN_LEARNING_* (DESIGN.md §4) as `linkedin_learning`."""

from __future__ import annotations

import dagster as dg

from learning_platform import settings
from learning_platform.defs.shared.resources import UpstreamClient
from learning_platform.lib.http import RetryPolicy
from learning_platform.lib.linkedin_learning.api import LinkedInLearningApi
from learning_platform.lib.windows import DayWindow

# A sensor tick must end within Dagster's sensor evaluation timeout (60 s by default): its calls
# get a retry budget and a read timeout well inside it, and the next tick is the real retry.
SENSOR_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=20.0)
SENSOR_READ_TIMEOUT_SECONDS = 15.0


class LinkedInLearningClient(UpstreamClient):
    """LinkedIn Learning Reporting API with a cached OAuth2 client-credentials token."""

    client_id: str
    client_secret: str
    api_url: str = settings.DEFAULT_LINKEDIN_API_URL
    token_url: str = settings.DEFAULT_LINKEDIN_TOKEN_URL
    # LinkedIn's limits are calls per application and per member per day, not calls at once
    # (upstreams.md §1.7): pages in flight cost no call more, but gap fills after short pages.
    # Four took a day at 300 ms per call from 35 s to 12 s; eight gains less, for twice the burst
    # on a limit LinkedIn does not publish.
    max_pages_in_flight: int = 4

    def build_api(
        self, timeout: tuple[float, float] | None = None, retry: RetryPolicy | None = None
    ) -> LinkedInLearningApi:
        self._require_credentials()
        return LinkedInLearningApi(
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_url=self.api_url,
            token_url=self.token_url,
            page_size=self.page_size,
            pages_in_flight=self.max_pages_in_flight,
            timeout=timeout or self.timeout,
            retry=retry or self.retry,
        )

    def latest_data_at(self, window: DayWindow) -> int | None:
        """LinkedIn's current latestDataAt (epoch ms), asked by a client of its own whose retries
        and timeouts fit a sensor tick; None when `window` has no ACCOUNT element."""
        api = self.build_api(
            timeout=(
                self.connect_timeout_seconds,
                min(self.read_timeout_seconds, SENSOR_READ_TIMEOUT_SECONDS),
            ),
            retry=SENSOR_RETRY,
        )
        try:
            return api.latest_data_at(window)
        finally:
            api.close()

    def _require_credentials(self) -> None:
        missing = [
            variable
            for variable, value in (
                (settings.LINKEDIN_CLIENT_ID, self.client_id),
                (settings.LINKEDIN_CLIENT_SECRET, self.client_secret),
            )
            if not (value or "").strip()
        ]
        if missing:
            raise ValueError(
                f"LinkedIn Learning credentials missing: set {' and '.join(missing)} "
                "(a LinkedIn Learning REST API key with the Reports permission)"
            )


@dg.definitions
def resources() -> dg.Definitions:
    # EnvVar: the UI shows the variables' names, never the credentials.
    return dg.Definitions(
        resources={
            "linkedin_learning": LinkedInLearningClient(
                client_id=dg.EnvVar(settings.LINKEDIN_CLIENT_ID),
                client_secret=dg.EnvVar(settings.LINKEDIN_CLIENT_SECRET),
                **(
                    {"max_pages_in_flight": dg.EnvVar.int(settings.LINKEDIN_MAX_PAGES_IN_FLIGHT)}
                    if settings.env(settings.LINKEDIN_MAX_PAGES_IN_FLIGHT)
                    else {}
                ),
                api_url=settings.env(settings.LINKEDIN_API_URL)
                or settings.DEFAULT_LINKEDIN_API_URL,
                token_url=settings.env(settings.LINKEDIN_TOKEN_URL)
                or settings.DEFAULT_LINKEDIN_TOKEN_URL,
            )
        }
    )
