"""The LinkedIn Learning Reporting API (`/v2/learningActivityReports`): one Pacific day per call,
walked page by page and yielded as the pages arrive."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from learning_platform.lib.http import (
    HttpClient,
    RequestStats,
    RetryPolicy,
    UpstreamError,
)
from learning_platform.lib.in_flight import InFlight, Pace, fetch_in_order, total_now
from learning_platform.lib.linkedin_learning.records import Element, Page, decode_page
from learning_platform.lib.oauth import ClientCredentialsToken
from learning_platform.lib.windows import DayWindow

log = logging.getLogger(__name__)

SOURCE = "LinkedIn Learning"
REPORTS_ENDPOINT = "learningActivityReports"
REPORTS_PATH = "/v2/learningActivityReports"

# Said in the error when LinkedIn answers with these statuses for good.
HINTS = {
    400: "LinkedIn refused a parameter or this aggregation combination",
    401: "the API refused a freshly issued token; the key may have been revoked",
    403: "the API key may lack the Reports permission, or the account a LinkedIn Learning licence",
    429: "the daily quota resets at 00:00 UTC",
}


@dataclass(frozen=True)
class ReportPage:
    """One page of report elements, in the order LinkedIn sent them."""

    elements: list[Element]
    start: int  # offset of the first element in the day's report
    total: int | None  # paging.total as this page announced it


class LinkedInLearningApi:
    """learningActivityReports with a cached client-credentials token, over a keep-alive session."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        api_url: str = "https://api.linkedin.com",
        token_url: str = "https://www.linkedin.com/oauth/v2/accessToken",
        page_size: int = 1000,
        pages_in_flight: int = 1,
        timeout: tuple[float, float] = (5, 60),
        retry: RetryPolicy = RetryPolicy(),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        # 1000 is the largest page working consumers use; LinkedIn documents no higher maximum.
        if not 1 <= page_size <= 1000:
            raise ValueError(f"page_size must be between 1 and 1000, not {page_size}")
        self.page_size = page_size
        self.pages_in_flight = InFlight(pages_in_flight).limit  # refused below 1
        self.reports_url = api_url.rstrip("/") + REPORTS_PATH
        self.http = HttpClient(
            SOURCE, session=session, timeout=timeout, retry=retry, sleep=sleep, clock=clock
        )
        # LinkedIn takes the client credentials in the form body, not as HTTP Basic.
        self.tokens = ClientCredentialsToken(
            self.http, token_url, client_id, client_secret, client_auth="form"
        )

    def __repr__(self) -> str:
        return f"LinkedInLearningApi({self.reports_url!r}, page_size={self.page_size})"

    def in_flight(self) -> InFlight:
        """The in-flight limit of one day's walk: a 429 lowers it for that day only."""
        return InFlight(self.pages_in_flight)

    def close(self) -> None:
        self.http.close()

    def activity_report_pages(
        self,
        window: DayWindow,
        primary: str,
        secondary: str | None = None,
        stats: RequestStats | None = None,
        asset_type: str | None = None,
    ) -> Iterator[ReportPage]:
        """Every page of one day's report for one aggregation (of one assetType, if given),
        yielded in order as it arrives.

        Pages are built from `start` and `count`, never from the `next` link: LinkedIn sends a
        `next` link even past the last page, and its href drops `contentSource`, which would
        silently switch the filter back to the default. A page can be shorter than `count` while
        more data exists, so only an empty page or `start >= paging.total` ends the walk.

        Once the first page has told `paging.total`, and as soon as the walk mostly waits on
        LinkedIn (`Pace`), the rest are asked for at fixed offsets (multiples of `count`) with up
        to `pages_in_flight` requests at once; a page shorter than its stretch is followed by a
        gap-fill request where it ended, for what the stretch lacks, before the next stretch is
        handed on, so the pages come out exactly as a sequential walk's.
        """
        stats = stats if stats is not None else RequestStats()
        aggregation = primary if secondary is None else f"{primary}/{secondary}"
        if asset_type is not None:
            aggregation += f" ({asset_type})"
        params = _report_params(window, primary, secondary, count=self.page_size)
        if asset_type is not None:
            params["assetType"] = asset_type
        walk = f"{aggregation} window {window}"
        received = 0
        first_total: int | None = None
        total: int | None = None
        totals: set[int] = (
            set()
        )  # every total announced: pages in flight may come back in any order
        ended_early = False

        def fetch(start: int, own: RequestStats, count: int = self.page_size) -> Page:
            asked = params | {"start": start, "count": count}
            page = self._get_page(asked, f"{walk} start={start}", window, own)
            echoed = page.paging.start if page.paging is not None else None
            if echoed is not None and echoed != start:
                # Rows would be repeated or skipped; no total or warning could make that right.
                raise UpstreamError(
                    f"{SOURCE} {REPORTS_ENDPOINT} {walk}: asked for start={start}, "
                    f"got a page at start={echoed}"
                )
            return page

        def taken(page: Page, start: int, end: int | None) -> list[Element]:
            """The page's elements up to `end` (where the next request's stretch begins), its
            total noted."""
            nonlocal total, first_total, received
            if page.paging is not None and page.paging.total is not None:
                announced = page.paging.total
                totals.add(announced)
                first_total = announced if first_total is None else first_total
                total = total_now(total, announced, went_in_flight)
            elements = page.elements if end is None else page.elements[: end - start]
            stats.pages += bool(elements)
            stats.elements_received += len(elements)
            received += len(elements)
            return elements

        pace = Pace()
        went_in_flight = False
        start = 0
        while total is None or start < total:
            if total is None or self.pages_in_flight == 1 or not pace.waiting():
                elements = taken(fetch(start, stats), start, None)
                if not elements:
                    ended_early = total is not None and start < total
                    break
                yield ReportPage(elements=elements, start=start, total=total)
                start += len(elements)
                continue
            # The stretches up to the announced total: [start, next multiple of count), then one
            # page each. A stretch's request fills the gap a short page left itself, on its own
            # thread, so the stretches after it keep coming meanwhile.
            stats.walks_in_flight += not went_in_flight  # once a walk, if its total grew
            went_in_flight = True
            log.info("%s: waiting on LinkedIn, the pages from start=%d go in flight", walk, start)
            end_of_walk = total
            offsets = [
                start,
                *range((start // self.page_size + 1) * self.page_size, total, self.page_size),
            ]
            ends = dict(zip(offsets, [*offsets[1:], end_of_walk], strict=True))

            def fetch_stretch(offset: int, own: RequestStats) -> list[tuple[int, Page]]:
                pieces, position, end = [], offset, ends[offset]
                while position < end:
                    # Only what the stretch lacks: a gap fill after a short page of 993 asks
                    # for 7, not for a page of 1,000 to keep 7 of them.
                    page = fetch(position, own, count=end - position)
                    pieces.append((position, page))
                    if not page.elements:
                        break
                    position += len(page.elements[: end - position])
                return pieces

            stretches = fetch_in_order(
                offsets, fetch_stretch, self.in_flight(), stats, name="linkedin-pages"
            )
            try:
                for offset, pieces in stretches:
                    for position, page in pieces:
                        elements = taken(page, position, ends[offset])
                        if not elements:
                            ended_early = True
                            start = position
                            break
                        yield ReportPage(elements=elements, start=position, total=total)
                    if ended_early:
                        break
                    start = ends[offset]
            finally:
                stretches.close()
            if ended_early or total <= end_of_walk:
                break
            # paging.total grew during the walk: the rest is walked from where the plan ended.

        stats.elements_expected += total if total is not None else received
        problems: list[str] = []
        if len(totals) > 1:
            changed = f"{first_total} to {max(totals - {first_total})}"
            problems.append(f"paging.total changed from {changed} during the walk")
        if ended_early:
            problems.append(f"an empty page at start={start} before paging.total={total}")
        if total is not None and received != total:
            problems.append(f"{received} elements received of {total} announced")
        if problems:
            shortfall = f"{SOURCE} {walk}: " + "; ".join(problems)
            stats.shortfalls.append(shortfall)
            log.warning(shortfall)

    def latest_data_at(self, window: DayWindow, stats: RequestStats | None = None) -> int | None:
        """LinkedIn's current `latestDataAt` (epoch ms), as one small page of the ACCOUNT report
        for `window` states it: the report's data reaches that far, whatever the window. None when
        the window has no element (nobody was active in it), which states nothing."""
        stats = stats if stats is not None else RequestStats()
        params = _report_params(window, "ACCOUNT", None, count=1) | {"start": 0}
        page = self._get_page(params, f"ACCOUNT window {window} latestDataAt", window, stats)
        stamps = [element.latestDataAt for element in page.elements or []]
        return max((stamp for stamp in stamps if stamp is not None), default=None)

    def _get_page(
        self, params: dict[str, Any], context: str, window: DayWindow, stats: RequestStats
    ) -> Page:
        return self.http.request_json(
            "GET",
            self.reports_url,
            endpoint=REPORTS_ENDPOINT,
            context=context,
            stats=stats,
            params=params,
            headers=lambda: self.tokens.bearer_header(stats),
            on_unauthorized=self.tokens.forget_rejected,
            # A MalformedPage is a MalformedBody: the client retries it like any garbled body.
            decode=lambda body: decode_page(body, window),
            hints=HINTS,
        )


def _report_params(
    window: DayWindow, primary: str, secondary: str | None, count: int
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "q": "criteria",
        # One call = exactly one Pacific day. LinkedIn caps windows at 14 days, and the metrics
        # are aggregates over the window, so a wider window would lose the daily grain.
        "startedAt": window.start_ms,
        "timeOffset.unit": "DAY",
        "timeOffset.duration": 1,
        "aggregationCriteria.primary": primary,
        # The default is probably the deprecated EXTERNAL (LinkedIn's own content only).
        "contentSource": "ALL_SOURCES",
        "count": count,
    }
    if secondary is not None:
        params["aggregationCriteria.secondary"] = secondary
    return params
