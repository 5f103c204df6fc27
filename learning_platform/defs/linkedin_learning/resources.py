"""The LinkedIn Learning resource: credentials and limits from the environment, one API client
per run, bound to LINKEDIN_LEARNING_* (DESIGN.md §4) as `linkedin_learning`."""

from __future__ import annotations

import threading

import dagster as dg
from pydantic import PrivateAttr

from learning_platform import settings
from learning_platform.lib.http import RetryPolicy
from learning_platform.lib.linkedin_learning.api import LinkedInLearningApi
from learning_platform.lib.windows import DayWindow

# A sensor tick must end within Dagster's sensor evaluation timeout (60 s by default): its calls
# get a retry budget and a read timeout well inside it, and the next tick is the real retry.
SENSOR_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=20.0)
SENSOR_READ_TIMEOUT_SECONDS = 15.0


class LinkedInLearningClient(dg.ConfigurableResource):
    """LinkedIn Learning Reporting API with a cached OAuth2 client-credentials token."""

    client_id: str
    client_secret: str
    api_url: str = settings.DEFAULT_LINKEDIN_API_URL
    token_url: str = settings.DEFAULT_LINKEDIN_TOKEN_URL
    page_size: int = 1000
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 60.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0

    _api: LinkedInLearningApi | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self.api()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._api is not None:
            self._api.close()

    def api(self) -> LinkedInLearningApi:
        """The client of this resource instance, built once: every window of a run shares its
        token and its keep-alive connections."""
        with self._lock:
            if self._api is None:
                self._require_credentials()
                self._api = LinkedInLearningApi(
                    client_id=self.client_id,
                    client_secret=self.client_secret,
                    api_url=self.api_url,
                    token_url=self.token_url,
                    page_size=self.page_size,
                    timeout=(self.connect_timeout_seconds, self.read_timeout_seconds),
                    retry=RetryPolicy(
                        max_attempts=self.max_attempts, max_total_seconds=self.max_retry_seconds
                    ),
                )
            return self._api

    def latest_data_at(self, window: DayWindow) -> int | None:
        """LinkedIn's current latestDataAt (epoch ms), asked by a client of its own whose retries
        and timeouts fit a sensor tick; None when `window` has no ACCOUNT element."""
        self._require_credentials()
        api = LinkedInLearningApi(
            client_id=self.client_id,
            client_secret=self.client_secret,
            api_url=self.api_url,
            token_url=self.token_url,
            page_size=self.page_size,
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
                api_url=settings.env(settings.LINKEDIN_API_URL)
                or settings.DEFAULT_LINKEDIN_API_URL,
                token_url=settings.env(settings.LINKEDIN_TOKEN_URL)
                or settings.DEFAULT_LINKEDIN_TOKEN_URL,
            )
        }
    )
