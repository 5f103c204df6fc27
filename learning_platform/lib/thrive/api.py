"""The Thrive (learn.link) public API: HTTP Basic or OAuth2 client credentials, and list endpoints
walked page by page."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import requests

from learning_platform import settings
from learning_platform.lib.http import (
    HttpClient,
    RequestStats,
    RetryPolicy,
    UpstreamError,
    UpstreamNotFoundError,
)
from learning_platform.lib.in_flight import InFlight, Pace, fetch_in_order, total_now
from learning_platform.lib.oauth import ClientCredentialsToken
from learning_platform.lib.thrive.config import ThriveConfig
from learning_platform.lib.thrive.records import (
    ACTIVITIES,
    USERS,
    Activity,
    Endpoint,
    Page,
    User,
)

log = logging.getLogger(__name__)

SOURCE = "Thrive"
SCOPE = "api/read"
MAX_PAGE_SIZE = 1000
# The filters take `YYYY-MM-DD hh:mm:ss` (upstreams.md §2.8), read here as UTC.
FILTER_FORMAT = "%Y-%m-%d %H:%M:%S"

HINTS = {
    400: "Thrive refused a parameter of this call",
    401: f"check {settings.THRIVE_TENANT_ID} and the API secret or client credentials of this environment",
    403: f"the credentials may lack the {SCOPE} scope",
    422: "Thrive could not process this call's parameters",
}


def filter_time(moment: datetime) -> str:
    """A date filter's value: `YYYY-MM-DD hh:mm:ss` in UTC."""
    return moment.astimezone(timezone.utc).strftime(FILTER_FORMAT)


class ThriveApi:
    """Thrive's read endpoints over one keep-alive session, with Basic or a cached OAuth2 token."""

    def __init__(
        self,
        config: ThriveConfig,
        *,
        page_size: int = MAX_PAGE_SIZE,
        pages_in_flight: int = 1,
        timeout: tuple[float, float] = (5, 60),
        retry: RetryPolicy = RetryPolicy(),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        self.config = config
        self.page_size = page_size
        self.pages_in_flight = InFlight(pages_in_flight).limit  # refused below 1
        self.http = HttpClient(
            SOURCE, session=session, timeout=timeout, retry=retry, sleep=sleep, clock=clock
        )
        self.tokens: ClientCredentialsToken | None = None
        self._basic: requests.auth.HTTPBasicAuth | None = None
        if config.auth == "basic":
            assert config.api_secret is not None
            # The tenant id is the user name, the API secret the password.
            self._basic = requests.auth.HTTPBasicAuth(config.tenant_id, config.api_secret)
            self.http.secrets.add(config.api_secret)
            basic = f"{config.tenant_id}:{config.api_secret}".encode()
            self.http.secrets.add(base64.b64encode(basic).decode())
        else:
            assert config.client_id is not None and config.client_secret is not None
            # Cognito-style: the client authenticates to the token endpoint with HTTP Basic.
            self.tokens = ClientCredentialsToken(
                self.http,
                config.token_url,
                config.client_id,
                config.client_secret,
                client_auth="basic",
                scope=SCOPE,
            )

    def __repr__(self) -> str:
        return f"ThriveApi({self.config.api_url!r}, auth={self.config.auth!r})"

    def close(self) -> None:
        self.http.close()

    def in_flight(self) -> InFlight:
        """The in-flight limit of one walk: a 429 lowers it for that walk only."""
        return InFlight(self.pages_in_flight)

    def pages(
        self,
        endpoint: Endpoint,
        params: dict[str, Any] | None = None,
        *,
        context: str = "",
        stats: RequestStats | None = None,
    ) -> Iterator[list]:
        """Every page of a list endpoint's records, yielded in order as it arrives.

        Pages are asked for by number up to the announced `totalPages`. Thrive's last announced
        page can be empty, so an empty page ends the walk without complaint; a page that is not
        the one asked for, or totals that move during the walk, are reported, never papered over.
        Once the first page has told `totalPages`, and as soon as the walk mostly waits on Thrive
        (`Pace`), the others are asked for with up to `pages_in_flight` requests at once, and
        handed on in page order.
        """
        stats = stats if stats is not None else RequestStats()
        params = dict(params or {})
        params["perPage"] = self.page_size
        walk = " ".join(part for part in (endpoint.name, context) if part)
        received = 0
        first_total: int | None = None
        total: int | None = None
        total_pages: int | None = None

        def fetch(page_number: int, own: RequestStats) -> Page:
            page = self._get(
                endpoint, params | {"page": page_number}, f"{context} page={page_number}", own
            )
            echoed = page.pagination.page if page.pagination is not None else None
            if echoed is not None and echoed != page_number:
                raise UpstreamError(
                    f"{SOURCE} {walk}: asked for page {page_number}, got page {echoed}"
                )
            return page

        def taken(page: Page) -> list:
            nonlocal total, first_total, total_pages, received
            pagination = page.pagination
            if pagination is not None and pagination.totalResults is not None:
                announced = pagination.totalResults
                first_total = announced if first_total is None else first_total
                total = total_now(total, announced, went_in_flight)
            pages = pagination.totalPages if pagination is not None else None
            total_pages = total_now(total_pages, pages, went_in_flight)
            results = page.results or []
            stats.pages += bool(results)
            stats.elements_received += len(results)
            received += len(results)
            return results

        pace = Pace()
        went_in_flight = False
        page_number = 1
        while True:
            sequential = total_pages is None or self.pages_in_flight == 1 or page_number == 1
            if sequential or not pace.waiting():
                results = taken(fetch(page_number, stats))
                if not results:
                    break
                yield results
                if total_pages is None:
                    # No paging totals: only a short page tells the end.
                    if len(results) < self.page_size:
                        break
                elif page_number >= total_pages:
                    break
                page_number += 1
                continue
            stats.walks_in_flight += not went_in_flight  # once a walk, if its total grew
            went_in_flight = True
            log.info("%s: waiting on Thrive, the pages from %d go in flight", walk, page_number)
            planned = range(page_number, total_pages + 1)
            stretches = fetch_in_order(planned, fetch, self.in_flight(), stats, name="thrive-pages")
            ended = False
            try:
                for page_number, page in stretches:
                    results = taken(page)
                    if not results:
                        ended = True
                        break
                    yield results
            finally:
                stretches.close()
            if ended or total_pages is None or planned[-1] >= total_pages:
                break
            page_number = planned[-1] + 1  # totalPages grew during the walk

        stats.elements_expected += total if total is not None else received
        problems = []
        if first_total is not None and total != first_total:
            problems.append(f"totalResults changed from {first_total} to {total} during the walk")
        if total is not None and received != total:
            problems.append(f"{received} records received of {total} announced")
        if problems:
            shortfall = f"{SOURCE} {walk}: " + "; ".join(problems)
            stats.shortfalls.append(shortfall)
            log.warning(shortfall)

    def between(
        self,
        endpoint: Endpoint,
        from_param: str,
        to_param: str,
        start: datetime,
        end: datetime,
        stats: RequestStats | None = None,
        label: str = "",
    ) -> Iterator[list]:
        """Every page of records whose time filter lies between `start` and `end`; `label` names
        the walk in errors and logs (the partition it is for)."""
        params = {from_param: filter_time(start), to_param: filter_time(end)}
        between = f"{filter_time(start)}..{filter_time(end)} UTC"
        context = f"{label} ({between})" if label else between
        return self.pages(endpoint, params, context=context, stats=stats)

    def activity(self, activity_id: str, stats: RequestStats | None = None) -> Activity | None:
        """One activity record; None when Thrive has no such record (404)."""
        return self._one(ACTIVITIES, f"/activity/{activity_id}", activity_id, stats)

    def user(self, user_id: str, stats: RequestStats | None = None) -> User | None:
        """One user (`/user/{id}`, singular); None when Thrive has no such user (404)."""
        return self._one(USERS, f"/user/{user_id}", user_id, stats)

    # -- requests -----------------------------------------------------------------------------

    def _one(self, endpoint: Endpoint, path: str, record_id: str, stats: RequestStats | None):
        stats = stats if stats is not None else RequestStats()
        name = path.rsplit("/", 1)[0].lstrip("/")

        def decode(body: bytes):
            return endpoint.decode_record(body, record_id)

        try:
            return self._request(path, None, name, record_id, decode, stats)
        except UpstreamNotFoundError:
            return None

    def _get(
        self, endpoint: Endpoint, params: dict[str, Any], context: str, stats: RequestStats
    ) -> Page:
        def decode(body: bytes) -> Page:
            return endpoint.decode_page(body, context)

        # A MalformedPage is a MalformedBody: the client retries it like any garbled body.
        return self._request(f"/{endpoint.name}", params, endpoint.name, context, decode, stats)

    def _request(
        self,
        path: str,
        params: dict[str, Any] | None,
        endpoint_name: str,
        context: str,
        decode: Callable[[bytes], Any],
        stats: RequestStats,
    ) -> Any:
        oauth = self.tokens is not None
        return self.http.request_json(
            "GET",
            self.config.api_url + path,
            endpoint=endpoint_name,
            context=context.strip(),
            stats=stats,
            params=params,
            auth=self._basic,
            headers=(lambda: self.tokens.bearer_header(stats)) if oauth else None,
            on_unauthorized=self.tokens.forget_rejected if oauth else None,
            decode=decode,
            hints=HINTS,
        )
