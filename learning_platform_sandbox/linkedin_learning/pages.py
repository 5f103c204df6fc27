"""Report pages as LinkedIn writes them: JSON elements in a per-element order, and paging links."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from urllib.parse import urlencode

from learning_platform_sandbox.linkedin_learning.api import REPORT_PATH
from learning_platform_sandbox.linkedin_learning.elements import Activity, ReportElement
from learning_platform_sandbox.linkedin_learning.faults import UnknownEnum
from learning_platform_sandbox.linkedin_learning.reports import LinkedInReports, ReportQuery
from learning_platform_sandbox.messages import dumps
from learning_platform_sandbox.organisation import LINKEDIN_LEARNING, Content, Learner

# LinkedIn sometimes answers fewer elements than asked although more exist; here every third page
# (by start // count) is this much short, so a client that stops on a short page loses data.
SHORT_PAGE_SHORTFALL = 7


class ReportPages:
    """The pages of the reports, rendered to JSON bytes; details of each learner and content item
    are rendered once, and whole pages are kept up to `page_cache_bytes`."""

    def __init__(self, reports: LinkedInReports, page_cache_bytes: int) -> None:
        self.reports = reports
        self.organisation = reports.organisation
        self._learner_details: dict[int, str] = {}
        self._content_details: dict[int, str] = {}
        # Rendered pages, for benchmarks: a big day rendered once serves every repeat at the speed
        # of a socket write, so the client's work is what gets measured, not the simulator's.
        self._page_cache = _PageCache(page_cache_bytes)

    def page(
        self,
        params: dict[str, str],
        query: ReportQuery,
        start: int,
        count: int,
        enums: list[UnknownEnum],
    ) -> bytes:
        """The JSON page of `count` elements from `start`; cached unless a fault shapes it."""
        if enums:  # a fault shapes this page: never cached, never served from the cache
            return self._render_page(params, query, start, count, enums)
        key = (tuple(sorted(params.items())), self.organisation.latest_data_at_ms)
        page = self._page_cache.get(key)
        if page is None:
            page = self._render_page(params, query, start, count, enums)
            self._page_cache.put(key, page)
        return page

    def _render_page(
        self,
        params: dict[str, str],
        query: ReportQuery,
        start: int,
        count: int,
        enums: list[UnknownEnum],
    ) -> bytes:
        report = self.reports.report(query)
        short = count > SHORT_PAGE_SHORTFALL and (start // count) % 3 == 2
        elements = report.elements(start, start + count - (SHORT_PAGE_SHORTFALL if short else 0))
        rendered = [
            self._render(query, element, start + offset, report.latest_data_at_ms, enums)
            for offset, element in enumerate(elements)
        ]
        links = _paging_links(params, start, count)
        paging = {"total": report.total, "count": count, "start": start, "links": links}
        return f'{{"elements":[{",".join(rendered)}],"paging":{dumps(paging)}}}'.encode()

    def _render(
        self,
        query: ReportQuery,
        element: ReportElement,
        position: int,
        latest: int,
        enums: list[UnknownEnum],
    ) -> str:
        activities = _reordered(element, query, self.organisation.seed)
        for enum in enums:
            if position % enum.every == 0:
                activities = enum.apply(activities)
        parts = [f'{{"latestDataAt":{latest}']
        if query.primary == "ACCOUNT":
            account_urn = _quote(self.organisation.account_urn)
            parts.append(f'"learnerDetails":{{"entity":{{"accountUrn":{account_urn}}}}}')
        elif element.learner is not None:
            parts.append(self._learner_json(element.learner))
        if element.content is not None:
            parts.append(self._content_json(element.content))
        parts.append('"activities":[' + ",".join(map(_activity_json, activities)) + "]}")
        return ",".join(parts)

    def _learner_json(self, learner: Learner) -> str:
        cached = self._learner_details.get(learner.index)
        if cached is None:
            details: dict[str, object] = {"name": learner.name, "email": learner.email}
            # Only learners provisioned by SSO or CSV carry uniqueUserId; in the sandbox, every
            # 25th learner was invited by e-mail instead.
            if learner.index % 25 != 24:
                details["uniqueUserId"] = learner.unique_user_id
            details["enterpriseGroups"] = []
            details["customAttributes"] = {"department": learner.department}
            details["entity"] = {"profileUrn": learner.profile_urn}
            cached = self._learner_details[learner.index] = '"learnerDetails":' + dumps(details)
        return cached

    def _content_json(self, content: Content) -> str:
        cached = self._content_details.get(content.index)
        if cached is None:
            internal = content.content_source != LINKEDIN_LEARNING
            details: dict[str, object] = {
                "name": content.name,
                "contentUrn": content.urn,
                "locale": content.locale.as_dict(),
                "contentProviderName": content.content_provider_name,
                # Deprecated field, two values only: LinkedIn's own catalogue is EXTERNAL.
                "contentSource": "INTERNAL" if internal else "EXTERNAL",
            }
            if internal:
                details["websiteUrl"] = f"https://learning.example.com/content/{content.content_id}"
            cached = self._content_details[content.index] = '"contentDetails":' + dumps(details)
        return cached


class _PageCache:
    """Rendered pages up to a total size in bytes, least recently used out first; 0 keeps none."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: bytes) -> None:
        if len(page) > self.max_bytes:
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = page
            self._bytes += len(page)
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)


def _paging_links(params: dict[str, str], start: int, count: int) -> list[dict[str, str]]:
    # Both quirks of the documentation's own sample: `next` is there even past the last page, and
    # its href has lost contentSource (so has `prev`, built the same way). `next` also assumes a
    # full page, so after a short page it skips elements.
    kept = {k: v for k, v in params.items() if k not in ("contentSource", "start", "count")}

    def href(page_start: int) -> str:
        query = urlencode(sorted({**kept, "start": str(page_start), "count": str(count)}.items()))
        return f"{REPORT_PATH}?{query}"

    links = []
    if start > 0:
        previous = max(0, start - count)
        links.append({"rel": "prev", "type": "application/json", "href": href(previous)})
    links.append({"rel": "next", "type": "application/json", "href": href(start + count)})
    return links


def _reordered(element: ReportElement, query: ReportQuery, seed: int) -> list[Activity]:
    """The element's activities in an order of its own: rotated and maybe reversed.

    Deterministic from integers only (the built-in hash of str or date is salted per process).
    """
    activities = element.activities
    learner = element.learner.index if element.learner is not None else -1
    content = element.content.index if element.content is not None else -1
    ordinal = query.days[0].toordinal() if query.days else 0
    key = ((learner + 2) * 2_654_435_761 + (content + 2) * 40_503 + ordinal * 97 + seed) % 1_000_003
    turn = key % len(activities)
    reordered = activities[turn:] + activities[:turn]
    if (key // len(activities)) % 2:
        reordered.reverse()
    return reordered


_quote = json.encoder.encode_basestring_ascii  # the C encoder: pages are big


def _activity_json(activity: Activity) -> str:
    asset = f',"assetType":{_quote(activity.asset_type)}' if activity.asset_type is not None else ""
    first = "null" if activity.first_engaged_at is None else activity.first_engaged_at
    last = "null" if activity.last_engaged_at is None else activity.last_engaged_at
    return (
        f'{{"engagementType":{_quote(activity.engagement_type)},"engagementValue":{activity.value},'
        f'"engagementMetricQualifier":{_quote(activity.qualifier)}{asset},'
        f'"firstEngagedAt":{first},"lastEngagedAt":{last}}}'
    )
