"""The LinkedIn Learning client against a scripted LinkedIn on 127.0.0.1: paging, retries, tokens,
errors, and that no secret reaches a log or an error."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from learning_platform.defs.linkedin_learning.resources import LinkedInLearningClient
from learning_platform.lib.http import (
    RequestStats,
    RetryPolicy,
    UpstreamAuthError,
    UpstreamError,
    UpstreamResponseError,
)
from learning_platform.lib.in_flight import Pace
from learning_platform.lib.linkedin_learning import api as api_module
from learning_platform.lib.linkedin_learning.api import LinkedInLearningApi
from learning_platform.lib.windows import DayWindow
from learning_platform_tests.fakes import FakeTime

CLIENT_ID = "78linkedinclientid"
CLIENT_SECRET = "Wq3-super-secret-client-value"
WINDOW = DayWindow(date(2026, 11, 20))
NEXT_DAY = DayWindow(date(2026, 11, 21))
WINDOW_TEXT = "INDIVIDUAL/CONTENT window 2026-11-20 (America/Los_Angeles)"


@dataclass
class Fault:
    respond: Callable[[], Response]
    times: int | None  # None: every time
    when: Callable[[dict[str, str]], bool]


class FakeLinkedIn:
    """LinkedIn Learning on loopback: the token endpoint and learningActivityReports over
    `total` numbered elements, with faults injected per request.

    Like the real API, every page carries a `next` link, even past the end, and the link drops
    `contentSource`. `announced_total` lets paging.total differ from what is really served, and
    `page_limit` makes pages shorter than the `count` asked for, and `delay` (seconds) each
    report call as slow as a vendor far away.
    """

    def __init__(
        self,
        server: HTTPServer,
        total: int = 0,
        announced_total: int | None = None,
        page_limit: int | None = None,
        delay: float = 0.0,
    ):
        self.total = total
        self.announced_total = announced_total
        self.page_limit = page_limit
        self.delay = delay
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.faults: list[Fault] = []
        self.revoke_at: set[int] = set()
        self.report_requests: list[dict[str, str]] = []
        token, reports = "/oauth/v2/accessToken", "/v2/learningActivityReports"
        server.expect_request(token, method="POST").respond_with_handler(self._token)
        server.expect_request(reports, method="GET").respond_with_handler(self._report)

    def fail(
        self, respond: Callable[[], Response], times: int | None = 1, start: int | None = None
    ) -> None:
        """Answer with `respond()` instead, `times` times (None: always), at `start` or anywhere."""
        if start is None:
            self.faults.append(Fault(respond, times, lambda params: True))
        else:
            self.faults.append(Fault(respond, times, lambda params: params["start"] == str(start)))

    def revoke_tokens_when_asked_for(self, start: int) -> None:
        """Every token issued so far stops working when the page at `start` is requested."""
        self.revoke_at.add(start)

    @property
    def starts(self) -> list[int]:
        return [int(params["start"]) for params in self.report_requests]

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            refusal = {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
            return json_response(refusal, status=401)
        token = f"AQV-access-token-{len(self.issued) + 1}-Zx9"
        self.issued.append(token)
        self.valid.add(token)
        return json_response({"access_token": token, "expires_in": 7775999})

    def _report(self, request: Request) -> Response:
        params = request.args.to_dict()
        self.report_requests.append(params)
        time.sleep(self.delay)
        if int(params["start"]) in self.revoke_at:
            self.revoke_at.discard(int(params["start"]))
            self.valid.clear()
        for fault in self.faults:
            if fault.times != 0 and fault.when(params):
                if fault.times is not None:
                    fault.times -= 1
                return fault.respond()
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            refusal = {"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401}
            return json_response(refusal, status=401)
        start, count = int(params["start"]), int(params["count"])
        served = min(count, self.page_limit or count)
        elements = [element(n) for n in range(start, min(start + served, self.total))]
        next_href = (
            "/v2/learningActivityReports"
            f"?aggregationCriteria.primary={params['aggregationCriteria.primary']}"
            f"&count={count}&q=criteria&start={start + count}&startedAt={params['startedAt']}"
            "&timeOffset.duration=1&timeOffset.unit=DAY"
        )
        total = self.total if self.announced_total is None else self.announced_total
        return json_response(
            {
                "elements": elements,
                "paging": {
                    "total": total,
                    "count": count,
                    "start": start,
                    "links": [{"rel": "next", "type": "application/json", "href": next_href}],
                },
            }
        )


def element(n: int) -> dict:
    """Report element number `n`: learner n's seconds viewed of one course."""
    profile = f"urn:li:enterpriseProfile:(urn:li:enterpriseAccount:999,{n})"
    return {
        "latestDataAt": 1795766340000,
        "learnerDetails": {"entity": {"profileUrn": profile}},
        "contentDetails": {"contentUrn": "urn:li:lyndaCourse:563464"},
        "activities": [
            {
                "engagementType": "SECONDS_VIEWED",
                "engagementMetricQualifier": "TOTAL",
                "engagementValue": n,
            }
        ],
    }


def learner_numbers(pages) -> list[int]:
    return [
        int(page_element.learnerDetails.entity.profileUrn.rsplit(",", 1)[1].rstrip(")"))
        for page in pages
        for page_element in page.elements
    ]


def json_response(body: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def status(code: int, body: object | None = None, headers: dict | None = None):
    """A fault: an answer with this status, a LinkedIn-style error body and these headers."""
    return lambda: json_response(body or {"status": code}, status=code, headers=headers)


def make_api(
    server: HTTPServer,
    fake_time: FakeTime,
    page_size: int = 10,
    retry: RetryPolicy = RetryPolicy(),
    timeout: tuple[float, float] = (1.0, 2.0),
    client_secret: str = CLIENT_SECRET,
    pages_in_flight: int = 1,
) -> LinkedInLearningApi:
    return LinkedInLearningApi(
        CLIENT_ID,
        client_secret,
        api_url=server.url_for("/"),
        token_url=server.url_for("/oauth/v2/accessToken"),
        page_size=page_size,
        pages_in_flight=pages_in_flight,
        timeout=timeout,
        retry=retry,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )


def fetch_day(api: LinkedInLearningApi, stats: RequestStats, window: DayWindow = WINDOW):
    return list(api.activity_report_pages(window, "INDIVIDUAL", "CONTENT", stats=stats))


# Retries -----------------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_and_the_day_completes(server, fake_time):
    linkedin = FakeLinkedIn(server, total=5)
    linkedin.fail(status(429, headers={"Retry-After": "2"}), times=2)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert len(linkedin.report_requests) == 3
    assert len(fake_time.waits) == 2 and all(wait >= 2 for wait in fake_time.waits)
    assert stats.retries == 2
    assert learner_numbers(pages) == list(range(5))


@pytest.mark.parametrize("code", [500, 502, 504])
def test_a_single_5xx_is_retried_and_the_day_completes(server, fake_time, code):
    linkedin = FakeLinkedIn(server, total=25)
    linkedin.fail(status(code), start=10)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert learner_numbers(pages) == list(range(25))
    assert linkedin.starts == [0, 10, 10, 20]
    assert stats.retries == 1


def test_503_beyond_the_retry_budget_fails_naming_the_window_not_the_token(server, fake_time):
    linkedin = FakeLinkedIn(server, total=25)
    linkedin.fail(status(503, {"message": "Service Unavailable"}), times=None)

    with pytest.raises(UpstreamResponseError) as failure:
        fetch_day(make_api(server, fake_time, retry=RetryPolicy(max_attempts=4)), RequestStats())

    text = str(failure.value)
    assert failure.value.status == 503
    assert len(linkedin.report_requests) == 4
    assert "LinkedIn Learning learningActivityReports" in text and WINDOW_TEXT in text
    assert "Service Unavailable" in text
    assert linkedin.issued and not any(token in text for token in linkedin.issued)


def test_read_timeout_is_retried_and_the_day_completes(server, fake_time):
    """The first answer stalls for longer than the 0.2 s read timeout; the retry gets the page."""
    linkedin = FakeLinkedIn(server, total=5)
    release = threading.Event()

    def stall() -> Response:
        release.wait(timeout=2)
        return json_response({"elements": [], "paging": {"total": 0}})

    linkedin.fail(stall)
    stats = RequestStats()
    try:
        pages = fetch_day(make_api(server, fake_time, timeout=(1.0, 0.2)), stats)
    finally:
        release.set()

    assert learner_numbers(pages) == list(range(5))
    assert stats.retries == 1 and stats.api_calls == 2


@pytest.mark.parametrize(
    "code, message",
    [
        (400, "Invalid param: aggregationCriteria.secondary"),
        (403, "Not enough permissions to access: learningActivityReports.FINDER-criteria"),
        (404, "Not Found"),
    ],
)
def test_client_errors_fail_after_one_request_naming_the_window(server, fake_time, code, message):
    linkedin = FakeLinkedIn(server, total=25)
    error_body = {"serviceErrorCode": 100, "message": message, "status": code}
    linkedin.fail(status(code, error_body), times=None)

    with pytest.raises(UpstreamResponseError) as failure:
        fetch_day(make_api(server, fake_time), RequestStats())

    text = str(failure.value)
    assert len(linkedin.report_requests) == 1 and fake_time.waits == []
    assert failure.value.status == code
    assert WINDOW_TEXT in text and message in text
    if code == 403:
        assert isinstance(failure.value, UpstreamAuthError)
        assert "Reports permission" in text


@pytest.mark.parametrize(
    "garbage",
    [
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        '{"elements": [{"activities": [',
        '{"status": "ok"}',
    ],
    ids=["html", "truncated-json", "no-elements"],
)
def test_garbled_200_is_retried_not_read_as_an_empty_day(server, fake_time, garbage):
    linkedin = FakeLinkedIn(server, total=5)
    linkedin.fail(lambda: Response(garbage, status=200, content_type="text/html"))
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert learner_numbers(pages) == list(range(5))
    assert stats.retries == 1


def test_persistently_garbled_200_fails_instead_of_yielding_nothing(server, fake_time):
    linkedin = FakeLinkedIn(server, total=5)

    def maintenance_page() -> Response:
        return Response("<html>maintenance</html>", content_type="text/html")

    linkedin.fail(maintenance_page, times=None)

    with pytest.raises(UpstreamError, match="not JSON"):
        fetch_day(make_api(server, fake_time, retry=RetryPolicy(max_attempts=3)), RequestStats())
    assert len(linkedin.report_requests) == 3


# Paging ------------------------------------------------------------------------------------------


def test_every_request_asks_for_the_same_pacific_day_and_all_sources(server, fake_time):
    linkedin = FakeLinkedIn(server, total=25)

    fetch_day(make_api(server, fake_time), RequestStats())

    midnight_pacific = int(datetime(2026, 11, 20, 8, tzinfo=timezone.utc).timestamp() * 1000)
    for params in linkedin.report_requests:
        assert {key: value for key, value in params.items() if key != "start"} == {
            "q": "criteria",
            "startedAt": str(midnight_pacific),
            "timeOffset.unit": "DAY",
            "timeOffset.duration": "1",
            "aggregationCriteria.primary": "INDIVIDUAL",
            "aggregationCriteria.secondary": "CONTENT",
            "contentSource": "ALL_SOURCES",
            "count": "10",
        }


def test_next_link_past_the_end_is_not_followed(server, fake_time):
    """Every page, the last included, carries a `next` link; the walk stops at paging.total."""
    linkedin = FakeLinkedIn(server, total=25)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert linkedin.starts == [0, 10, 20]
    pages_seen = [(page.start, len(page.elements), page.total) for page in pages]
    assert pages_seen == [(0, 10, 25), (10, 10, 25), (20, 5, 25)]
    assert stats.shortfalls == [] and stats.elements_expected == stats.elements_received == 25


def test_short_pages_do_not_end_the_walk_before_total(server, fake_time):
    linkedin = FakeLinkedIn(server, total=20, page_limit=7)

    pages = fetch_day(make_api(server, fake_time), RequestStats())

    assert linkedin.starts == [0, 7, 14]
    assert learner_numbers(pages) == list(range(20))


def test_empty_day_is_one_request_and_no_pages(server, fake_time):
    linkedin = FakeLinkedIn(server, total=0)
    stats = RequestStats()

    assert fetch_day(make_api(server, fake_time), stats) == []
    assert len(linkedin.report_requests) == 1
    assert stats.shortfalls == [] and stats.pages == 0


def test_empty_page_before_total_ends_the_walk_and_records_the_shortfall(server, fake_time):
    """paging.total says 120 but only 100 elements exist: stop at the empty page, tell the
    caller."""
    linkedin = FakeLinkedIn(server, total=100, announced_total=120, page_limit=None)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time, page_size=50), stats)

    assert linkedin.starts == [0, 50, 100]
    assert learner_numbers(pages) == list(range(100))
    assert stats.elements_expected == 120 and stats.elements_received == 100
    assert len(stats.shortfalls) == 1
    assert WINDOW_TEXT in stats.shortfalls[0]
    assert "100 elements received of 120" in stats.shortfalls[0]


def test_total_changing_during_the_walk_is_recorded(server, fake_time):
    linkedin = FakeLinkedIn(server, total=25)

    def grow_then_serve() -> Response:
        linkedin.total = 30
        elements = [element(n) for n in range(10, 20)]
        return json_response({"elements": elements, "paging": {"total": 30, "start": 10}})

    linkedin.fail(grow_then_serve, start=10)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert learner_numbers(pages) == list(range(30))
    assert "paging.total changed from 25 to 30" in stats.shortfalls[0]


def test_a_page_at_another_start_than_asked_fails(server, fake_time):
    """An API that ignores `start` would serve page one forever; its rows must not be repeated."""
    linkedin = FakeLinkedIn(server, total=25)
    first_page_again = {"elements": [element(0)], "paging": {"total": 25, "start": 0}}
    linkedin.fail(lambda: json_response(first_page_again), start=10, times=None)

    with pytest.raises(UpstreamError, match="asked for start=10, got a page at start=0"):
        fetch_day(make_api(server, fake_time), RequestStats())


def test_pages_are_yielded_as_they_arrive(server, fake_time):
    linkedin = FakeLinkedIn(server, total=25)
    pages = make_api(server, fake_time).activity_report_pages(WINDOW, "INDIVIDUAL", "CONTENT")

    assert linkedin.report_requests == []
    first = next(pages)
    assert first.start == 0 and linkedin.starts == [0]
    next(pages)
    assert linkedin.starts == [0, 10]


# Pages in flight ---------------------------------------------------------------------------------

# Each report call waits this long (seconds), as over a network: the walk then mostly waits, and
# sends its pages in flight (a walk that keeps its process busy stays one page at a time).
FAR_AWAY = 0.02


def test_four_in_flight_hand_on_exactly_the_sequential_pages(server, fake_time):
    FakeLinkedIn(server, total=95, delay=FAR_AWAY)
    sequential = fetch_day(make_api(server, fake_time), RequestStats())
    stats = RequestStats()

    concurrent = fetch_day(make_api(server, fake_time, pages_in_flight=4), stats)

    assert [(page.start, learner_numbers([page])) for page in concurrent] == [
        (page.start, learner_numbers([page])) for page in sequential
    ]
    assert stats.pages == 10 and stats.elements_received == stats.elements_expected == 95
    assert stats.shortfalls == [] and stats.walks_in_flight == 1


def test_a_walk_that_keeps_its_process_busy_stays_one_page_at_a_time(
    server, fake_time, monkeypatch
):
    """An upstream that answers at once (on loopback): more requests would only contend for the
    process's CPU. Here every second of the walk is a second of CPU."""
    linkedin = FakeLinkedIn(server, total=34, page_limit=7)
    monkeypatch.setattr(api_module, "Pace", lambda: Pace(cpu=time.perf_counter))
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time, pages_in_flight=4), stats)

    assert learner_numbers(pages) == list(range(34))
    assert linkedin.starts == [0, 7, 14, 21, 28] and stats.walks_in_flight == 0


def test_a_short_page_in_flight_is_followed_by_a_gap_fill_before_the_next_page(server, fake_time):
    """Pages of 7 where 10 were asked for: each fixed offset's page leaves a gap, filled where it
    ended, so every element comes once and in order."""
    linkedin = FakeLinkedIn(server, total=34, page_limit=7, delay=FAR_AWAY)

    pages = fetch_day(make_api(server, fake_time, pages_in_flight=4), RequestStats())

    assert learner_numbers(pages) == list(range(34))
    # The first page (7), then fixed stretches [7, 10), [10, 20), [20, 30), [30, 34) and a gap
    # fill after each stretch a short page did not cover, asking only for what it lacks.
    asked = sorted(
        (int(params["start"]), int(params["count"])) for params in linkedin.report_requests
    )
    assert asked == [(0, 10), (7, 3), (10, 10), (17, 3), (20, 10), (27, 3), (30, 4)]


def test_an_empty_page_in_flight_before_total_ends_the_walk_with_the_shortfall(server, fake_time):
    FakeLinkedIn(server, total=100, announced_total=120, delay=FAR_AWAY)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time, page_size=50, pages_in_flight=4), stats)

    assert learner_numbers(pages) == list(range(100))
    assert "100 elements received of 120" in stats.shortfalls[0]


def test_a_429_in_flight_is_waited_out_and_halves_the_pages_in_flight(server, fake_time):
    linkedin = FakeLinkedIn(server, total=95, delay=FAR_AWAY)
    linkedin.fail(status(429, headers={"Retry-After": "2"}), start=30)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time, pages_in_flight=4), stats)

    assert learner_numbers(pages) == list(range(95))
    assert stats.throttled == 1 and stats.in_flight_lowered == 1
    assert fake_time.waits == [2.0]


def test_a_page_that_fails_for_good_in_flight_ends_the_walk_naming_it(server, fake_time):
    linkedin = FakeLinkedIn(server, total=195, delay=FAR_AWAY)
    linkedin.fail(status(403), start=40, times=None)
    pages = make_api(server, fake_time, pages_in_flight=4).activity_report_pages(
        WINDOW, "INDIVIDUAL", "CONTENT"
    )

    handed_on = []
    with pytest.raises(UpstreamAuthError, match=f"{re.escape(WINDOW_TEXT)} start=40"):
        for page in pages:
            handed_on.append(page.start)

    assert handed_on == [0, 10, 20, 30]  # every page before it, in order, and none after
    # Nothing asked once the walk ended: the first page, those handed on, and at most 6 held.
    assert len(linkedin.report_requests) <= 1 + 4 + 6


def test_a_total_growing_with_pages_in_flight_is_walked_to_its_end_as_one_walk(server, fake_time):
    linkedin = FakeLinkedIn(server, total=25, delay=FAR_AWAY)

    def grow_then_serve() -> Response:
        linkedin.total = 30
        elements = [element(n) for n in range(10, 20)]
        return json_response({"elements": elements, "paging": {"total": 30, "start": 10}})

    def answered_before_it_grew() -> Response:
        elements = [element(n) for n in range(20, 25)]
        return json_response({"elements": elements, "paging": {"total": 25, "start": 20}})

    linkedin.fail(grow_then_serve, start=10)
    linkedin.fail(answered_before_it_grew, start=20)  # in flight, handed on after start=10's
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time, pages_in_flight=4), stats)

    assert learner_numbers(pages) == list(range(30))
    assert "paging.total changed from 25 to 30" in stats.shortfalls[0]
    assert stats.walks_in_flight == 1  # its plan was made twice: once to 25, then to 30


# Tokens ------------------------------------------------------------------------------------------


def test_one_token_serves_every_page_and_window(server, fake_time):
    linkedin = FakeLinkedIn(server, total=45)
    api = make_api(server, fake_time)
    stats = RequestStats()

    fetch_day(api, stats, WINDOW)
    fetch_day(api, stats, NEXT_DAY)

    assert len(linkedin.issued) == 1 and stats.token_requests == 1
    assert stats.api_calls == 10 and stats.pages == 10


def test_token_is_renewed_a_day_before_it_expires(server, fake_time):
    """LinkedIn tokens live 90 days (expires_in 7775999 s); renew when less than a day remains."""
    linkedin = FakeLinkedIn(server, total=5)
    api = make_api(server, fake_time)
    stats = RequestStats()

    fetch_day(api, stats)
    fake_time.now += 7775999 - 86400 - 1
    fetch_day(api, stats)
    assert len(linkedin.issued) == 1
    fake_time.now += 2
    fetch_day(api, stats)
    assert len(linkedin.issued) == 2 and stats.token_requests == 2


def test_401_on_page_5_renews_the_token_once_and_the_day_completes(server, fake_time):
    linkedin = FakeLinkedIn(server, total=100)
    linkedin.revoke_tokens_when_asked_for(start=40)
    stats = RequestStats()

    pages = fetch_day(make_api(server, fake_time), stats)

    assert learner_numbers(pages) == list(range(100))
    assert len(linkedin.issued) == 2 and stats.token_requests == 2
    assert linkedin.starts == [0, 10, 20, 30, 40, 40, 50, 60, 70, 80, 90]
    assert stats.token_renewals_after_401 == 1


def test_401_after_renewal_fails_without_looping(server, fake_time):
    linkedin = FakeLinkedIn(server, total=100)
    linkedin.fail(status(401, {"message": "Invalid access token"}), start=40, times=None)

    with pytest.raises(UpstreamAuthError) as failure:
        fetch_day(make_api(server, fake_time), RequestStats())

    assert failure.value.status == 401
    assert len(linkedin.issued) == 2
    assert linkedin.starts == [0, 10, 20, 30, 40, 40]
    assert WINDOW_TEXT in str(failure.value)


def test_wrong_secret_fails_at_once_without_showing_it(server, fake_time):
    linkedin = FakeLinkedIn(server, total=5)
    wrong_secret = "Wq3-wrong-secret-value"

    with pytest.raises(UpstreamAuthError) as failure:
        fetch_day(make_api(server, fake_time, client_secret=wrong_secret), RequestStats())

    text = "".join(traceback.format_exception(failure.value))
    assert "check the client id and secret" in str(failure.value)
    assert wrong_secret not in text
    assert linkedin.report_requests == [] and len(server.log) == 1


def test_debug_logs_and_errors_never_show_the_secret_or_a_token(server, fake_time, caplog):
    """A whole run with a 429, a renewed token and a final 403, logged at DEBUG everywhere."""
    for name in (None, "urllib3", "requests"):
        caplog.set_level(logging.DEBUG, logger=name)
    linkedin = FakeLinkedIn(server, total=30)
    linkedin.fail(status(429, headers={"Retry-After": "1"}), start=0)
    linkedin.revoke_tokens_when_asked_for(start=20)
    api = make_api(server, fake_time)
    stats = RequestStats()

    fetch_day(api, stats, WINDOW)
    linkedin.fail(status(403, {"message": "Not enough permissions"}), times=None)
    with pytest.raises(UpstreamAuthError) as failure:
        fetch_day(api, stats, NEXT_DAY)

    seen = "\n".join(
        [
            caplog.text,
            *(record.getMessage() for record in caplog.records),
            "".join(traceback.format_exception(failure.value)),
            repr(api),
            repr(api.tokens),
            repr(api.tokens._token),
            repr(stats.as_metadata()),
        ]
    )
    assert len(linkedin.issued) == 2 and stats.retries == 1
    assert caplog.records, "DEBUG logging captured nothing"
    for secret in [CLIENT_SECRET, *linkedin.issued]:
        assert secret not in seen
    assert "Bearer" not in seen


# The resource ------------------------------------------------------------------------------------


def test_resource_without_client_id_names_the_variable_not_the_secret(monkeypatch):
    monkeypatch.setenv("LINKEDIN_LEARNING_CLIENT_ID", "")
    monkeypatch.setenv("LINKEDIN_LEARNING_CLIENT_SECRET", CLIENT_SECRET)
    resource = LinkedInLearningClient(
        client_id=dg.EnvVar("LINKEDIN_LEARNING_CLIENT_ID"),
        client_secret=dg.EnvVar("LINKEDIN_LEARNING_CLIENT_SECRET"),
    )

    with pytest.raises(Exception) as failure:
        with dg.build_resources({"linkedin_learning": resource}):
            pass

    text = "".join(traceback.format_exception(failure.value))
    assert "LINKEDIN_LEARNING_CLIENT_ID" in text
    assert "LINKEDIN_LEARNING_CLIENT_SECRET" not in str(failure.value.__cause__)
    assert CLIENT_SECRET not in text


def test_resource_builds_one_api_per_instance_so_windows_share_a_token(server, fake_time):
    resource = LinkedInLearningClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_url=server.url_for("/"),
        token_url=server.url_for("/oauth/v2/accessToken"),
        page_size=10,
    )
    linkedin = FakeLinkedIn(server, total=5)
    stats = RequestStats()

    list(resource.api().activity_report_pages(WINDOW, "ACCOUNT", stats=stats))
    list(resource.api().activity_report_pages(NEXT_DAY, "ACCOUNT", stats=stats))

    assert resource.api() is resource.api()
    assert len(linkedin.issued) == 1
    assert "aggregationCriteria.secondary" not in linkedin.report_requests[0]


# latestDataAt ----------------------------------------------------------------------------------


def test_latest_data_at_is_one_request_for_one_account_element_of_the_day(server, fake_time):
    """What the late-data sensor asks: one ACCOUNT element of one Pacific day, whose
    latestDataAt is the report's; a day with no element states none."""
    linkedin = FakeLinkedIn(server, total=3)
    api = make_api(server, fake_time)

    assert api.latest_data_at(WINDOW) == 1795766340000
    assert len(linkedin.report_requests) == 1
    params = linkedin.report_requests[0]
    assert (params["aggregationCriteria.primary"], params["count"], params["start"]) == (
        "ACCOUNT",
        "1",
        "0",
    )
    assert (params["timeOffset.unit"], params["timeOffset.duration"]) == ("DAY", "1")
    assert params["startedAt"] == str(WINDOW.start_ms)
    assert "aggregationCriteria.secondary" not in params

    linkedin.total = 0
    assert api.latest_data_at(WINDOW) is None


def test_latest_data_at_is_retried_like_any_call_and_then_fails_naming_it(server, fake_time):
    linkedin = FakeLinkedIn(server, total=1)
    linkedin.fail(status(503), times=None)
    api = make_api(server, fake_time, retry=RetryPolicy(max_attempts=3))

    with pytest.raises(UpstreamResponseError, match="ACCOUNT window 2026-11-20 .*latestDataAt"):
        api.latest_data_at(WINDOW)

    assert len(linkedin.report_requests) == 3
