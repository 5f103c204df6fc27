"""The LinkedIn Learning sandbox over real HTTP: organisation, paging quirks, auth and faults."""

from __future__ import annotations

import json
import re
import threading
import tracemalloc
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import requests

from learning_platform.lib.vocabulary import LINKEDIN_ENGAGEMENT_TYPES
from learning_platform.lib.windows import PACIFIC, DayWindow
from learning_platform_sandbox import (
    LinkedInReports,
    LinkedInSimulator,
    Organisation,
    ReportQuery,
    SandboxServer,
    days_in_window,
)

DATA_THROUGH = datetime(2024, 3, 20, 23, 59, tzinfo=PACIFIC)
DAY = date(2024, 3, 12)
DST_DAY = date(2024, 3, 10)  # 23 hours long in Pacific time
REPORTS = "/v2/learningActivityReports"


@pytest.fixture
def organisation() -> Organisation:
    return Organisation(seed=7, data_through=DATA_THROUGH)


@pytest.fixture
def sandbox(organisation):
    with SandboxServer(organisation) as server:
        yield server


@pytest.fixture
def token(sandbox) -> str:
    return fetch_token(sandbox)


def request_token(server: SandboxServer) -> requests.Response:
    env = server.environment()
    return requests.post(
        env["LINKEDIN_LEARNING_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": env["LINKEDIN_LEARNING_CLIENT_ID"],
            "client_secret": env["LINKEDIN_LEARNING_CLIENT_SECRET"],
        },
        timeout=10,
    )


def fetch_token(server: SandboxServer) -> str:
    response = request_token(server)
    response.raise_for_status()
    return response.json()["access_token"]


def report_params(day=DAY, primary="INDIVIDUAL", secondary="CONTENT", **extra) -> dict:
    params = {
        "q": "criteria",
        "startedAt": DayWindow(day).start_ms,
        "timeOffset.unit": "DAY",
        "timeOffset.duration": 1,
        "aggregationCriteria.primary": primary,
        "contentSource": "ALL_SOURCES",
    }
    if secondary:
        params["aggregationCriteria.secondary"] = secondary
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def get_report(server: SandboxServer, token: str | None, timeout: float = 10, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = server.url + REPORTS
    return requests.get(url, params=report_params(**params), headers=headers, timeout=timeout)


def fetch_all(server: SandboxServer, token: str, count: int = 1000, **params):
    """Every element of a report, paging by `start` as upstreams.md §1.5 says; also page sizes."""
    elements, sizes, start = [], [], 0
    while True:
        page = get_report(server, token, start=start, count=count, **params).json()
        sizes.append(len(page["elements"]))
        elements += page["elements"]
        start += len(page["elements"])
        if not page["elements"] or start >= page["paging"]["total"]:
            return elements, sizes


def totals_of(elements: list[dict]) -> dict:
    totals: Counter = Counter()
    for element in elements:
        for a in element["activities"]:
            key = (a["engagementType"], a["engagementMetricQualifier"], a.get("assetType"))
            totals[key] += a["engagementValue"]
    return dict(totals)


# -- the organisation ------------------------------------------------------------------------------


def test_same_seed_gives_identical_pages():
    """Two organisations built apart from the same seed serve byte-identical pages."""
    bodies = []
    for _ in range(2):
        with SandboxServer(Organisation(seed=11, data_through=DATA_THROUGH)) as server:
            token = fetch_token(server)
            pages = [
                get_report(server, token, count=50),
                get_report(server, token, primary="ACCOUNT", secondary=None),
                get_report(server, token, primary="INDIVIDUAL", secondary=None, count=50),
            ]
            bodies.append([page.content for page in pages])
    assert bodies[0] == bodies[1]


def test_different_seeds_give_different_organisations():
    first = Organisation(seed=1, data_through=DATA_THROUGH)
    second = Organisation(seed=2, data_through=DATA_THROUGH)
    assert [learner.email for learner in first.learners] != [
        learner.email for learner in second.learners
    ]
    assert first.engagement(DAY, 0) != second.engagement(DAY, 0)


def test_learners_have_unique_identities_for_every_source(organisation):
    learners = organisation.learners
    for attribute in ("email", "unique_user_id", "linkedin_profile_id", "thrive_id"):
        values = {getattr(learner, attribute) for learner in learners}
        assert len(values) == len(learners), attribute
    assert all(re.fullmatch(r"[0-9a-f]{24}", learner.thrive_id) for learner in learners)
    assert all(learner.email == learner.email.lower() for learner in learners)


def test_learner_emails_in_reports_belong_to_the_organisation(sandbox, token, organisation):
    """Other sources join on e-mail: each reported learner is found by it, with the same profile."""
    elements, _ = fetch_all(sandbox, token)
    for element in elements:
        details = element["learnerDetails"]
        learner = organisation.learner_by_email(details["email"])
        assert details["entity"]["profileUrn"] == learner.profile_urn
        assert details["name"] == learner.name


def test_a_day_never_repeats_a_learner_content_pair(organisation):
    pairs = [(e.learner.index, e.content.index) for e in organisation.engagements(DAY)]
    assert len(pairs) == len(set(pairs)) == organisation.pairs_per_day


def test_pairs_per_day_cannot_exceed_the_learner_content_grid():
    with pytest.raises(ValueError, match="learners × contents"):
        Organisation(learners=3, contents=2, pairs_per_day=7)


# -- paging and its quirks -------------------------------------------------------------------------


def test_paging_by_start_collects_every_element_once_despite_short_pages(sandbox, token):
    """Every third page is 7 short; a client that advances `start` by what it got loses nothing."""
    elements, sizes = fetch_all(sandbox, token, count=10)

    keys = [
        (e["learnerDetails"]["entity"]["profileUrn"], e["contentDetails"]["contentUrn"])
        for e in elements
    ]
    expected = sandbox.linkedin.reports.expected_element_count(DAY, "INDIVIDUAL", "CONTENT")
    assert len(keys) == len(set(keys)) == expected
    assert 3 in sizes[:-1], "a short page came before the end"


def test_next_link_is_present_past_the_last_page_and_drops_content_source(sandbox, token):
    total = get_report(sandbox, token).json()["paging"]["total"]

    past_the_end = get_report(sandbox, token, start=total, count=10).json()

    assert past_the_end["elements"] == []
    (next_link,) = [link for link in past_the_end["paging"]["links"] if link["rel"] == "next"]
    assert next_link["href"].startswith(REPORTS + "?")
    assert f"start={total + 10}" in next_link["href"]
    assert "contentSource" not in next_link["href"]


def test_missing_content_source_reports_linkedin_content_only(sandbox, token):
    """The `next` link drops contentSource; without it the organisation's own content is gone."""
    reports = sandbox.linkedin.reports
    elements, _ = fetch_all(sandbox, token, contentSource=None)

    linkedin_only = reports.expected_element_count(
        DAY, "INDIVIDUAL", "CONTENT", content_source="EXTERNAL"
    )
    assert len(elements) == linkedin_only
    assert len(elements) < reports.expected_element_count(DAY, "INDIVIDUAL", "CONTENT")
    assert {e["contentDetails"]["contentProviderName"] for e in elements} == {"LinkedIn"}


def test_activity_order_differs_between_elements(sandbox, token):
    elements, _ = fetch_all(sandbox, token)
    orders = {
        tuple(a["engagementType"] for a in e["activities"])
        for e in elements
        if len(e["activities"]) == 2
    }
    assert len(orders) == 2


def test_some_learners_have_no_unique_user_id(sandbox, token):
    elements, _ = fetch_all(sandbox, token, primary="INDIVIDUAL", secondary=None)
    with_id = [e for e in elements if "uniqueUserId" in e["learnerDetails"]]
    assert 0 < len(with_id) < len(elements)


# -- windows ---------------------------------------------------------------------------------------


def test_window_over_fourteen_days_is_a_500(sandbox, token):
    def status(unit: str, duration: int) -> int:
        window = {"timeOffset.unit": unit, "timeOffset.duration": duration}
        return get_report(sandbox, token, **window).status_code

    assert (status("DAY", 15), status("WEEK", 3)) == (500, 500)
    assert (status("DAY", 14), status("WEEK", 2)) == (200, 200)


def test_one_day_window_covers_exactly_a_23_hour_day():
    assert days_in_window(DayWindow(DST_DAY).start_ms, "DAY", 1) == (DST_DAY,)
    assert days_in_window(DayWindow(DST_DAY).start_ms, "WEEK", 1) == tuple(
        DST_DAY + timedelta(days=n) for n in range(7)
    )


def test_window_starting_mid_day_covers_the_days_that_start_inside_it():
    started_at = DayWindow(DAY).start_ms + 3_600_000
    days = days_in_window(started_at, "DAY", 2)
    assert days == (DAY + timedelta(days=1), DAY + timedelta(days=2))


def test_week_window_sums_its_days(sandbox, token):
    (account,) = get_report(
        sandbox, token, primary="ACCOUNT", secondary=None, **{"timeOffset.unit": "WEEK"}
    ).json()["elements"]

    reports = sandbox.linkedin.reports
    week = [DAY + timedelta(days=n) for n in range(7)]
    seconds = ("SECONDS_VIEWED", "TOTAL", "VIDEO")
    seconds_per_day = [reports.expected_totals(day)[seconds] for day in week]
    assert totals_of([account])[seconds] == sum(seconds_per_day)
    assert totals_of([account]) == reports.expected_totals(week)


# -- consistency of the reports --------------------------------------------------------------------


def test_account_is_the_sum_over_learners_and_over_learner_content(organisation):
    reports = LinkedInReports(organisation)
    account = reports.expected_totals(DAY, "ACCOUNT")
    individual = reports.expected_totals(DAY, "INDIVIDUAL")
    pairs = reports.expected_totals(DAY, "INDIVIDUAL", "CONTENT")
    learners = reports.expected_element_count(DAY, "INDIVIDUAL")

    assert account[("VIEWS", "UNIQUE", None)] == learners
    assert individual[("DAYS_ACTIVE", "UNIQUE", None)] == learners
    assert {k: v for k, v in account.items() if k != ("VIEWS", "UNIQUE", None)} == individual
    seconds = sum(v for (kind, _, _), v in pairs.items() if kind == "SECONDS_VIEWED")
    assert account[("SECONDS_VIEWED", "TOTAL", "VIDEO")] == seconds
    for (kind, qualifier, asset_type), value in pairs.items():
        if kind == "COMPLETIONS":
            assert account[(kind, qualifier, asset_type)] == value


def test_content_totals_equal_the_individual_content_sums_per_content_item(sandbox, token):
    """The CONTENT report (assetType COURSE, as LinkedIn wants it) against INDIVIDUAL+CONTENT for
    the same day, course by course: seconds and completions are the sums of the learners' rows,
    engaged learners and views the number of learners (one element each)."""
    by_course, _ = fetch_all(sandbox, token, primary="CONTENT", secondary=None, assetType="COURSE")
    pairs, _ = fetch_all(sandbox, token)
    summed: dict[str, Counter] = {}
    for element in pairs:
        if {a.get("assetType") for a in element["activities"]} != {"COURSE"}:
            continue
        sums = summed.setdefault(element["contentDetails"]["contentUrn"], Counter())
        for a in element["activities"]:
            sums[a["engagementType"], a["engagementMetricQualifier"]] += a["engagementValue"]
        sums["ENGAGED_LEARNERS", "UNIQUE"] += 1
        sums["VIEWS", "TOTAL"] += 1

    reported = {
        element["contentDetails"]["contentUrn"]: {
            (a["engagementType"], a["engagementMetricQualifier"]): a["engagementValue"]
            for a in element["activities"]
        }
        for element in by_course
    }
    assert set(reported) == set(summed) and len(reported) >= 2
    assert {a.get("assetType") for e in by_course for a in e["activities"]} == {"COURSE"}
    assert all("learnerDetails" not in element for element in by_course)
    for urn, metrics in reported.items():
        assert set(metrics) == {
            ("ENGAGED_LEARNERS", "UNIQUE"),
            ("VIEWS", "TOTAL"),
            ("SECONDS_VIEWED", "TOTAL"),
            ("COMPLETIONS", "TOTAL"),
        }
        assert metrics == {metric: summed[urn][metric] for metric in metrics}, urn
    assert sum(metrics["COMPLETIONS", "TOTAL"] for metrics in reported.values()) > 0


def test_account_report_has_the_21_rows_of_the_doc_sample(organisation):
    rows = list(LinkedInReports(organisation).activity_rows(DAY, "ACCOUNT"))
    assert len(rows) == 21
    assert {row.entity_urn for row in rows} == {"urn:li:enterpriseAccount:999"}


def test_http_totals_match_expected_totals(sandbox, token):
    reports = sandbox.linkedin.reports
    for primary, secondary in (("ACCOUNT", None), ("INDIVIDUAL", None), ("INDIVIDUAL", "CONTENT")):
        elements, _ = fetch_all(sandbox, token, primary=primary, secondary=secondary)
        rows = sum(len(e["activities"]) for e in elements)
        assert totals_of(elements) == reports.expected_totals(DAY, primary, secondary), primary
        assert rows == reports.expected_row_count(DAY, primary, secondary), primary


def test_default_organisation_has_three_engagements_per_learner_a_day():
    """Default sizes stay small, so a pass over a day (ACCOUNT, INDIVIDUAL) is cheap."""
    organisation = Organisation()
    assert (len(organisation.learners), len(organisation.contents)) == (60, 40)
    assert organisation.pairs_per_day == 180


# -- latestDataAt and completeness -----------------------------------------------------------------


def test_latest_data_at_is_data_through_on_every_element(sandbox, token):
    elements, _ = fetch_all(sandbox, token, primary="INDIVIDUAL", secondary=None)
    assert {e["latestDataAt"] for e in elements} == {int(DATA_THROUGH.timestamp() * 1000)}


def test_default_data_through_is_2359_yesterday_pacific():
    data_through = Organisation().data_through.astimezone(PACIFIC)
    assert (data_through.hour, data_through.minute) == (23, 59)
    assert data_through.date() == datetime.now(PACIFIC).date() - timedelta(days=1)


def test_partial_day_grows_as_data_through_advances(organisation):
    """The late-data sensor's world: the same day has more rows after data_through moves on."""
    reports = LinkedInReports(organisation)
    complete = reports.expected_element_count(DAY, "INDIVIDUAL", "CONTENT")

    organisation.data_through = DayWindow(DAY).start + timedelta(hours=6)
    morning = reports.report(ReportQuery.of(DAY, "INDIVIDUAL", "CONTENT")).elements()
    organisation.data_through = DayWindow(DAY).start + timedelta(hours=18)
    evening = reports.report(ReportQuery.of(DAY, "INDIVIDUAL", "CONTENT")).elements()
    organisation.data_through = DayWindow(DAY).end

    assert 0 < len(morning) < len(evening) < complete
    pairs = [(e.learner, e.content) for e in evening]
    assert pairs[: len(morning)] == [(e.learner, e.content) for e in morning]
    assert reports.expected_element_count(DAY, "INDIVIDUAL", "CONTENT") == complete
    assert organisation.is_complete(DAY)


def test_partial_day_has_no_engagement_after_data_through(sandbox, token, organisation):
    organisation.data_through = DayWindow(DAY).start + timedelta(hours=12)
    cutoff = int(organisation.data_through.timestamp() * 1000)

    elements, _ = fetch_all(sandbox, token)

    assert elements
    assert max(a["lastEngagedAt"] for e in elements for a in e["activities"]) <= cutoff
    assert not organisation.is_complete(DAY)


def test_days_after_data_through_have_no_elements(sandbox, token):
    later = DATA_THROUGH.date() + timedelta(days=1)
    for primary, secondary in (("ACCOUNT", None), ("INDIVIDUAL", None), ("INDIVIDUAL", "CONTENT")):
        page = get_report(sandbox, token, day=later, primary=primary, secondary=secondary).json()
        assert page["elements"] == [] and page["paging"]["total"] == 0


# -- auth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token_sent", [None, "not-a-token"], ids=["missing", "unknown"])
def test_report_needs_a_valid_token(sandbox, token_sent):
    response = get_report(sandbox, token_sent)
    assert response.status_code == 401
    assert response.json() == {
        "serviceErrorCode": 65600,
        "message": "Invalid access token",
        "status": 401,
    }


def test_token_endpoint_refuses_a_wrong_secret(sandbox):
    response = requests.post(
        sandbox.environment()["LINKEDIN_LEARNING_TOKEN_URL"],
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.linkedin.client_id,
            "client_secret": "wrong",
        },
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_endpoint_answers_like_linkedin(sandbox):
    body = request_token(sandbox).json()
    assert set(body) == {"access_token", "expires_in"} and body["expires_in"] == 7775999
    assert sandbox.linkedin.token_requests == 1


def test_revoked_tokens_give_401_and_a_new_token_works(sandbox, token):
    sandbox.linkedin.faults.revoke_tokens_after(2)

    statuses = [get_report(sandbox, token).status_code for _ in range(3)]
    fresh = fetch_token(sandbox)

    assert statuses == [200, 200, 401]
    assert get_report(sandbox, fresh).status_code == 200
    assert get_report(sandbox, token).status_code == 401


# -- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 400, 403, 404])
def test_injected_status_answers_the_configured_number_of_calls(sandbox, token, status):
    sandbox.linkedin.faults.fail(status, times=2)

    responses = [get_report(sandbox, token) for _ in range(3)]

    assert [r.status_code for r in responses] == [status, status, 200]
    assert responses[0].json()["status"] == status and "serviceErrorCode" in responses[0].json()


def test_retry_after_is_sent_in_seconds_or_as_an_http_date(sandbox, token):
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    sandbox.linkedin.faults.fail(429, retry_after=3)
    sandbox.linkedin.faults.fail(503, retry_after=when)

    in_seconds, as_date = get_report(sandbox, token), get_report(sandbox, token)

    assert in_seconds.headers["Retry-After"] == "3"
    assert parsedate_to_datetime(as_date.headers["Retry-After"]) == when


def test_failure_for_a_day_and_aggregation_spares_other_calls(sandbox, token):
    sandbox.linkedin.faults.fail(500, times=5, day=DAY, aggregation="INDIVIDUAL+CONTENT")

    assert get_report(sandbox, token, day=DAY + timedelta(days=1)).status_code == 200
    assert get_report(sandbox, token, primary="ACCOUNT", secondary=None).status_code == 200
    assert get_report(sandbox, token).status_code == 500
    week_with_the_day = get_report(sandbox, token, **{"timeOffset.unit": "WEEK"})
    assert week_with_the_day.status_code == 500


def test_slow_response_outlasts_a_short_client_timeout(sandbox, token):
    """The slowness is far longer than the client's patience; the stop of the server wakes it."""
    sandbox.linkedin.faults.slow(seconds=60, times=1)

    with pytest.raises(requests.exceptions.ReadTimeout):
        get_report(sandbox, token, timeout=0.2)
    assert get_report(sandbox, token).status_code == 200


def test_calls_held_at_a_gate_are_counted_in_flight(sandbox, token):
    gate = sandbox.linkedin.faults.hold()
    statuses = []
    callers = [
        threading.Thread(target=lambda: statuses.append(get_report(sandbox, token).status_code))
        for _ in range(3)
    ]
    for caller in callers:
        caller.start()

    assert gate.wait_until_waiting(3)
    gate.open()
    for caller in callers:
        caller.join(10)

    assert statuses == [200, 200, 200]
    assert sandbox.linkedin.max_reports_in_flight == 3


def test_report_calls_overlap_during_the_latency_and_token_calls_skip_it(organisation):
    """The latency of a vendor far away: each report call waits on its own thread, so a client
    with several pages in flight gains from them; the token endpoint answers at once (a
    minute-long latency would make the token request time out). Stopping the server wakes the
    waiting calls."""
    linkedin = LinkedInSimulator(organisation, latency_seconds=60)
    server = SandboxServer(organisation, linkedin=linkedin).start()
    token = fetch_token(server)
    statuses = []
    callers = [
        threading.Thread(target=lambda: statuses.append(get_report(server, token).status_code))
        for _ in range(2)
    ]
    for caller in callers:
        caller.start()

    assert linkedin.wait_until_in_flight(2)
    server.stop()
    for caller in callers:
        caller.join(10)

    assert statuses == [200, 200]
    assert linkedin.max_reports_in_flight == 2 and linkedin.token_requests == 1


def test_stop_releases_calls_held_at_a_gate(organisation):
    server = SandboxServer(organisation).start()
    token = fetch_token(server)
    gate = server.linkedin.faults.hold()
    caller = threading.Thread(target=lambda: get_report(server, token))
    caller.start()
    assert gate.wait_until_waiting(1)

    server.stop()
    caller.join(10)

    assert not caller.is_alive()


def test_html_garbage_is_a_200_that_is_not_json(sandbox, token):
    sandbox.linkedin.faults.garbage(times=1, kind="html")

    garbage = get_report(sandbox, token)

    assert garbage.status_code == 200 and garbage.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        garbage.json()
    assert get_report(sandbox, token).json()["elements"]


def test_truncated_json_is_a_200_that_does_not_parse(sandbox, token):
    sandbox.linkedin.faults.garbage(times=1, kind="truncated_json")

    truncated = get_report(sandbox, token)

    assert truncated.status_code == 200 and truncated.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)


def test_unknown_engagement_type_appears_only_on_the_chosen_day(sandbox, token):
    sandbox.linkedin.faults.unknown_enum(DAY, field="engagementType", value="BOOKMARKS")

    def engagement_types(day):
        elements, _ = fetch_all(sandbox, token, day=day)
        return [a["engagementType"] for e in elements for a in e["activities"]]

    on_the_day, next_day = engagement_types(DAY), engagement_types(DAY + timedelta(days=1))
    assert "BOOKMARKS" in on_the_day and "BOOKMARKS" not in LINKEDIN_ENGAGEMENT_TYPES
    assert 0 < on_the_day.count("BOOKMARKS") < len(on_the_day) / 2
    assert set(next_day) <= LINKEDIN_ENGAGEMENT_TYPES


def test_unknown_asset_type_is_limited_to_the_chosen_aggregation(sandbox, token):
    sandbox.linkedin.faults.unknown_enum(
        DAY, field="assetType", value="PODCAST", aggregation="INDIVIDUAL"
    )

    def asset_types(primary, secondary):
        elements, _ = fetch_all(sandbox, token, primary=primary, secondary=secondary)
        return {a.get("assetType") for e in elements for a in e["activities"]}

    assert "PODCAST" in asset_types("INDIVIDUAL", None)
    assert "PODCAST" not in asset_types("INDIVIDUAL", "CONTENT")


def test_clear_removes_every_fault(sandbox, token):
    faults = sandbox.linkedin.faults
    faults.fail(503, times=3)
    faults.garbage(times=3)
    faults.revoke_tokens_after(0)
    faults.unknown_enum(DAY)

    faults.clear()

    response = get_report(sandbox, token)
    assert response.status_code == 200
    activities = [a for e in response.json()["elements"] for a in e["activities"]]
    assert all(a["engagementType"] != "BOOKMARKS" for a in activities)


# -- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": None},
        {"startedAt": None},
        {"aggregationCriteria.primary": "GROUPS"},
        {"count": 1001},
        {"count": 0},
        {"assetType": "PODCAST"},
        {"aggregationCriteria.primary": "CONTENT", "aggregationCriteria.secondary": None},
    ],
    ids=[
        "no-q",
        "no-startedAt",
        "unknown-aggregation",
        "count-over-1000",
        "count-zero",
        "unknown-asset-type",
        "content-without-asset-type",
    ],
)
def test_bad_parameters_are_a_400_with_a_linkedin_error_body(sandbox, token, params):
    response = get_report(sandbox, token, **params)
    assert response.status_code == 400
    assert set(response.json()) == {"serviceErrorCode", "message", "status"}


# -- the server ------------------------------------------------------------------------------------


def test_environment_points_clients_at_the_server(sandbox):
    env = sandbox.environment()
    assert env["LINKEDIN_LEARNING_API_URL"] == sandbox.url
    assert env["LINKEDIN_LEARNING_TOKEN_URL"] == sandbox.url + "/oauth/v2/accessToken"
    assert env["LINKEDIN_LEARNING_CLIENT_SECRET"] == sandbox.linkedin.client_secret


def test_request_log_records_calls_but_no_secret(sandbox, token, capfd):
    get_report(sandbox, token)
    get_report(sandbox, None)

    records = sandbox.linkedin.requests
    reports = sandbox.linkedin.report_requests
    assert [(r.had_bearer_token, r.status) for r in reports] == [(True, 200), (False, 401)]
    assert reports[0].params["aggregationCriteria.secondary"] == "CONTENT"
    logged = repr(records) + "".join(capfd.readouterr())
    assert token not in logged and sandbox.linkedin.client_secret not in logged
    assert "GET /v2" not in logged, "request lines stay off stderr"


def test_unknown_path_is_a_404(sandbox):
    assert requests.get(sandbox.url + "/nowhere", timeout=10).status_code == 404


# -- scale -----------------------------------------------------------------------------------------


def test_a_page_of_a_400k_pair_day_is_built_without_building_the_day():
    """Elements are computed from their index: one page costs one page of memory, not a day's."""
    organisation = Organisation(
        learners=5000, contents=400, pairs_per_day=400_000, data_through=DATA_THROUGH
    )
    with SandboxServer(organisation) as server:
        token = server.linkedin.issue_token()
        tracemalloc.start()
        try:
            page = get_report(server, token, start=250_000, count=1000).json()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert page["paging"]["total"] == 400_000
    assert len(page["elements"]) == 1000
    # A whole day would be 400,000 elements of ~700 bytes of JSON each (hundreds of MB as objects).
    assert peak < 20_000_000


def test_a_cached_page_is_the_page_the_simulator_renders(organisation):
    """The benchmark's page cache changes the simulator's speed, never its answers; a fault
    that shapes a page (an unknown value) is never served from the cache."""
    cached = LinkedInSimulator(organisation, page_cache_bytes=64 * 2**20)
    with SandboxServer(organisation) as plain, SandboxServer(organisation, linkedin=cached) as fast:
        plain_token, fast_token = fetch_token(plain), fetch_token(fast)
        rendered = get_report(plain, plain_token, count=50).content
        assert get_report(fast, fast_token, count=50).content == rendered  # renders, caches
        assert get_report(fast, fast_token, count=50).content == rendered  # from the cache
        fast.linkedin.faults.unknown_enum(DAY, field="engagementType", value="BOOKMARKS")
        assert b"BOOKMARKS" in get_report(fast, fast_token, count=50).content
