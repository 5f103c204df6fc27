"""The Thrive sandbox over real HTTP: auth modes, tokens, paging quirks, date bounds, faults."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import requests

from learning_platform_sandbox import Organisation, SandboxServer, ThriveSimulator
from learning_platform_sandbox.thrive import ACTIVITY_TYPES, CONTENT_TYPES
from learning_platform_tests.fakes import FakeTime

DAY = date(2026, 3, 2)
NEXT_DAY = DAY + timedelta(days=1)
WEEK = {"timestampFrom": f"{DAY} 00:00:00", "timestampTo": f"{DAY + timedelta(days=7)} 00:00:00"}


def utc(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def sandbox(organisation: Organisation, clock: FakeTime):
    """The conftest organisation (12 learners, 10 contents) with Thrive on a clock tests move."""
    thrive = ThriveSimulator(organisation, clock=clock.clock)
    with SandboxServer(organisation, thrive=thrive) as server:
        yield server


@pytest.fixture
def thrive(sandbox: SandboxServer) -> ThriveSimulator:
    return sandbox.thrive


@pytest.fixture
def token(sandbox: SandboxServer) -> str:
    return fetch_token(sandbox)


def request_token(
    server: SandboxServer, *, tenant: str | None = None, secret: str | None = None, **form
) -> requests.Response:
    thrive = server.thrive
    url = server.url + f"/thrive/oauth2/token/{tenant or thrive.tenant_id}"
    auth = (thrive.client_id, secret or thrive.client_secret)
    data = {"grant_type": "client_credentials", "scope": "api/read", **form}
    return requests.post(url, data=data, auth=auth, timeout=10)


def fetch_token(server: SandboxServer) -> str:
    response = request_token(server)
    response.raise_for_status()
    return response.json()["access_token"]


def get(
    server: SandboxServer, credentials: str | tuple[str, str] | None, path: str, **params
) -> requests.Response:
    """GET under the REST base with a bearer token (str), Basic (tenant, secret) or nothing."""
    headers, auth = {}, None
    if isinstance(credentials, str):
        headers["Authorization"] = f"Bearer {credentials}"
    elif credentials is not None:
        auth = credentials
    url = server.environment()["THRIVE_API_URL"] + path
    return requests.get(url, params=params, headers=headers, auth=auth, timeout=10)


def walk(server: SandboxServer, token: str, path: str, **params) -> list[dict]:
    """Every result of pages 1..totalPages, as upstreams.md §2.7 says clients page."""
    first = get(server, token, path, page=1, **params).json()
    results = list(first["results"])
    for page in range(2, first["pagination"]["totalPages"] + 1):
        results += get(server, token, path, page=page, **params).json()["results"]
    return results


def ids(records: list[dict], key: str = "id") -> list[str]:
    return [record[key] for record in records]


# -- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["basic", "oauth2"])
def test_both_auth_modes_read_the_api(sandbox, thrive, mode):
    """Each mode's credentials, as `credentials()` hands them out, get a 200."""
    variables = thrive.credentials(mode)
    if mode == "basic":
        credentials: str | tuple[str, str] = (thrive.tenant_id, variables["THRIVE_API_SECRET"])
    else:
        credentials = fetch_token(sandbox)

    assert get(sandbox, credentials, "/users").status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [None, ("eu-west-2_SandboxTn", "wrong"), ("eu-west-2_Other", "secret"), "not-a-token"],
    ids=["none", "wrong-secret", "wrong-tenant", "unknown-token"],
)
def test_bad_credentials_are_a_401_with_a_thrive_error_body(sandbox, thrive, credentials):
    if isinstance(credentials, tuple) and credentials[1] == "secret":
        credentials = (credentials[0], thrive.api_secret)  # the right secret, another tenant

    response = get(sandbox, credentials, "/users")

    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401 and body["error"] == "Unauthorized" and body["message"]


def test_request_log_flags_the_auth_used_but_holds_no_secret(sandbox, thrive, token, capfd):
    get(sandbox, token, "/users")
    get(sandbox, (thrive.tenant_id, thrive.api_secret), "/users")

    records = thrive.requests
    assert records[0].path == "/thrive/oauth2/token/eu-west-2_SandboxTn"
    assert records[0].params == {} and records[0].status == 200
    assert [(r.had_bearer_token, r.had_basic_auth) for r in thrive.api_requests] == [
        (True, False),
        (False, True),
    ]
    logged = repr(records) + "".join(capfd.readouterr())
    for secret in (thrive.api_secret, thrive.client_secret, token):
        assert secret not in logged


def test_environment_hands_out_the_credentials_of_its_auth_mode(organisation):
    basic = ThriveSimulator(organisation, auth="basic").environment("http://sandbox")
    oauth2 = ThriveSimulator(organisation).environment("http://sandbox")

    assert basic["THRIVE_AUTH"] == "basic" and "THRIVE_API_SECRET" in basic
    assert "THRIVE_CLIENT_SECRET" not in basic
    assert oauth2["THRIVE_AUTH"] == "oauth2" and "THRIVE_CLIENT_SECRET" in oauth2
    assert "THRIVE_API_SECRET" not in oauth2
    assert oauth2["THRIVE_API_URL"] == "http://sandbox/thrive/rest/v1"
    assert oauth2["THRIVE_TOKEN_URL"] == "http://sandbox/thrive/oauth2/token/eu-west-2_SandboxTn"


def test_the_server_environment_has_thrive_next_to_linkedin(sandbox):
    environment = sandbox.environment()
    assert environment["THRIVE_API_URL"] == sandbox.url + "/thrive/rest/v1"
    assert "LINKEDIN_LEARNING_CLIENT_SECRET" in environment


# -- the token endpoint ------------------------------------------------------------------------


def test_token_endpoint_issues_one_hour_bearer_tokens(sandbox, thrive):
    body = request_token(sandbox).json()

    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    assert thrive.token_requests == 1


def test_token_endpoint_accepts_client_credentials_in_the_form_body(sandbox, thrive):
    url = sandbox.environment()["THRIVE_TOKEN_URL"]
    form = {
        "grant_type": "client_credentials",
        "client_id": thrive.client_id,
        "client_secret": thrive.client_secret,
    }

    response = requests.post(url, data=form, timeout=10)

    assert response.status_code == 200 and response.json()["access_token"]


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"tenant": "eu-west-2_Other"}, 400, "invalid_request"),
        ({"secret": "wrong"}, 401, "invalid_client"),
        ({"scope": "api/write"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
    ids=["wrong-tenant", "wrong-client", "write-scope", "wrong-grant"],
)
def test_token_endpoint_refuses_what_it_cannot_grant(sandbox, change, status, error):
    response = request_token(sandbox, **change)

    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_a_token_past_its_hour_gets_a_401(sandbox, clock):
    token = fetch_token(sandbox)

    clock.now += 3599
    within_the_hour = get(sandbox, token, "/users").status_code
    clock.now += 1
    at_the_hour = get(sandbox, token, "/users").status_code

    assert (within_the_hour, at_the_hour) == (200, 401)
    assert get(sandbox, fetch_token(sandbox), "/users").status_code == 200


# -- paging ------------------------------------------------------------------------------------


def test_total_pages_announces_an_empty_last_page_when_pages_are_full(sandbox, token):
    """24 activities between the day's midnight and 23:59:59, six a page: four full pages, and a
    fifth announced."""
    params = {"timestampFrom": f"{DAY} 00:00:00", "timestampTo": f"{DAY} 23:59:59", "perPage": 6}

    first = get(sandbox, token, "/activities", **params).json()
    last = get(sandbox, token, "/activities", page=5, **params).json()

    assert first["pagination"] == {"totalResults": 24, "totalPages": 5, "page": 1, "perPage": 6}
    assert last["results"] == [] and last["pagination"]["totalPages"] == 5


def test_no_results_still_announce_one_page(sandbox, token):
    body = get(sandbox, token, "/activities", actions="bookmarked", **WEEK).json()

    assert body == {
        "pagination": {"totalResults": 0, "totalPages": 1, "page": 1, "perPage": 20},
        "results": [],
    }


def test_walking_pages_one_to_total_pages_returns_every_record_once(sandbox, thrive, token):
    walked = walk(sandbox, token, "/activities", perPage=7, **WEEK)

    expected = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    assert walked == expected
    assert len(set(ids(walked))) == len(walked) == 7 * 24 + 1


def test_a_page_past_the_last_is_empty_with_the_same_totals(sandbox, token):
    last = get(sandbox, token, "/activities", **WEEK).json()["pagination"]

    beyond = get(sandbox, token, "/activities", page=last["totalPages"] + 3, **WEEK).json()

    assert beyond["results"] == []
    assert beyond["pagination"]["totalResults"] == last["totalResults"]
    assert beyond["pagination"]["totalPages"] == last["totalPages"]


def test_page_size_defaults_to_20_activities_but_100_cpd_entries_and_users(sandbox, token):
    months = {"entryDateFrom": f"{DAY}", "entryDateTo": f"{DAY + timedelta(days=40)}"}

    activities = get(sandbox, token, "/activities", **WEEK).json()
    cpd_entries = get(sandbox, token, "/cpdEntries", **months).json()
    users = get(sandbox, token, "/users").json()

    assert (len(activities["results"]), activities["pagination"]["perPage"]) == (20, 20)
    assert cpd_entries["pagination"]["totalResults"] > 100
    assert (len(cpd_entries["results"]), cpd_entries["pagination"]["perPage"]) == (100, 100)
    assert users["pagination"]["perPage"] == 100


def test_a_page_holds_at_most_1000_records(organisation):
    busy = ThriveSimulator(organisation, activities_per_day=1500)
    with SandboxServer(organisation, thrive=busy) as server:
        body = get(server, busy.issue_token(), "/activities", perPage=1000, **WEEK).json()

    assert len(body["results"]) == 1000 and body["pagination"]["perPage"] == 1000


@pytest.mark.parametrize("per_page", ["1001", "0", "20.5", "many"])
def test_a_page_size_outside_1_to_1000_is_a_400(sandbox, token, per_page):
    response = get(sandbox, token, "/activities", perPage=per_page, **WEEK)

    assert response.status_code == 400 and "perPage" in response.json()["message"]


# -- date filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "names", "key"),
    [
        ("/activities", ("timestampFrom", "timestampTo"), "id"),
        ("/cpdEntries", ("entryDateFrom", "entryDateTo"), "logEntryId"),
    ],
)
def test_a_midnight_record_comes_back_in_both_adjacent_days_queries(
    sandbox, token, path, names, key
):
    """Both bounds are inclusive: a day queried midnight to midnight holds the next day's first
    record, stamped at that midnight, and so does the next day's query."""

    def day_query(day: date) -> list[dict]:
        start, end = f"{day} 00:00:00", f"{day + timedelta(days=1)} 00:00:00"
        return walk(sandbox, token, path, perPage=1000, **{names[0]: start, names[1]: end})

    first_day, second_day = day_query(DAY), day_query(NEXT_DAY)

    shared = set(ids(first_day, key)) & set(ids(second_day, key))
    assert len(shared) == 1
    assert first_day[-1] == second_day[0]
    date_field = "date" if key == "id" else "entryDate"
    assert second_day[0][date_field] == f"{NEXT_DAY}T00:00:00.000Z"


def test_date_only_filter_values_mean_midnight_utc(sandbox, token):
    date_only = {"timestampFrom": f"{DAY}", "timestampTo": f"{NEXT_DAY}"}
    spelled_out = {"timestampFrom": f"{DAY} 00:00:00", "timestampTo": f"{NEXT_DAY} 00:00:00"}

    answered = get(sandbox, token, "/activities", **date_only)

    assert answered.status_code == 200
    assert answered.json() == get(sandbox, token, "/activities", **spelled_out).json()


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/activities", "timestampFrom", "2026-03-02T00:00:00"),
        ("/activities", "timestampTo", "02/03/2026"),
        ("/cpdEntries", "entryDateFrom", "2026-13-01"),
        ("/cpdEntries", "entryDateTo", "2026-03-02 24:00:00"),
    ],
)
def test_a_malformed_date_filter_is_a_400_naming_the_parameter(sandbox, token, path, name, value):
    names = {
        "/activities": ("timestampFrom", "timestampTo"),
        "/cpdEntries": ("entryDateFrom", "entryDateTo"),
    }[path]
    params = {names[0]: f"{DAY}", names[1]: f"{NEXT_DAY}", name: value}

    response = get(sandbox, token, path, **params)

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request" and name in response.json()["message"]


def test_the_sandbox_wants_both_bounds_of_a_date_filter(sandbox, token):
    """Its data has no first or last day, so a query without a bound would never end."""
    response = get(sandbox, token, "/activities", timestampFrom=f"{DAY}")

    assert response.status_code == 400 and "timestampTo" in response.json()["message"]


def test_actions_keep_and_omit_actions_drop_activity_types(sandbox, token):
    kept = walk(sandbox, token, "/activities", actions="viewed,completed", perPage=1000, **WEEK)
    dropped = walk(sandbox, token, "/activities", omitActions="viewed", perPage=1000, **WEEK)

    assert {a["type"] for a in kept} == {"viewed", "completed"}
    assert "viewed" not in {a["type"] for a in dropped} and dropped


# -- the records -------------------------------------------------------------------------------


def test_every_day_opens_with_an_activity_and_a_cpd_entry_at_midnight(thrive):
    for offset in range(7):
        day = DAY + timedelta(days=offset)
        midnight = f"{day}T00:00:00.000Z"
        assert thrive.records.activities_on(day)[0]["date"] == midnight
        assert thrive.records.cpd_entries_on(day)[0]["entryDate"] == midnight


def test_activities_come_in_date_then_id_order(sandbox, token):
    walked = walk(sandbox, token, "/activities", perPage=1000, **WEEK)

    assert [(a["date"], a["id"]) for a in walked] == sorted((a["date"], a["id"]) for a in walked)


def test_a_week_holds_all_twenty_documented_verbs_and_no_other(sandbox, token):
    verbs = Counter(a["type"] for a in walk(sandbox, token, "/activities", perPage=1000, **WEEK))

    assert set(verbs) == set(ACTIVITY_TYPES) and len(ACTIVITY_TYPES) == 20
    assert verbs.most_common(1)[0][0] == "viewed"


def test_source_comes_as_a_string_and_as_a_nested_object(thrive):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    sources = [a["data"]["source"] for a in activities if "source" in a["data"]]

    assert any(isinstance(source, str) for source in sources)
    assert any(isinstance(source, dict) for source in sources)
    assert all(isinstance(source, str) or set(source) == {"source"} for source in sources)


def test_progress_percentage_comes_as_a_number_and_as_a_string(thrive):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    progress = [
        a["data"]["progresspercentage"] for a in activities if "progresspercentage" in a["data"]
    ]

    assert {type(value) for value in progress} == {int, str}


def test_durations_are_strings_of_seconds(thrive):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    timed = [a for a in activities if a["type"] in ("viewed", "progressed", "completed")]

    assert timed and all(a["data"]["duration"].isdigit() for a in timed)
    completed = [a for a in timed if a["type"] == "completed"]
    assert completed and all(a["data"]["completion"] is True for a in completed)


def test_searches_have_a_search_term_and_no_content(thrive):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    searches = [a for a in activities if a["type"] == "searched"]

    assert searches
    for search in searches:
        assert search["data"]["search"]
        context = [search[k] for k in ("contextId", "contextType", "contentType", "name")]
        assert context == [None, None, None, None]


def test_some_activities_are_with_a_user_or_carry_undocumented_fields(thrive, organisation):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    thrive_ids = {learner.thrive_id for learner in organisation.learners}

    with_someone = [a["with"] for a in activities if a["with"] is not None]
    assert with_someone and len(with_someone) < len(activities) / 2
    assert all(w["type"] == "user" and w["id"] in thrive_ids for w in with_someone)
    assert any("tenantRef" in a for a in activities)


def test_activities_are_by_learners_about_the_catalogue(thrive, organisation):
    activities = thrive.records.activities_between(utc(DAY), utc(DAY + timedelta(days=7)))
    thrive_ids = {learner.thrive_id for learner in organisation.learners}
    titles = {content.name for content in organisation.contents}
    about_content = [a for a in activities if a["contextId"] is not None]

    assert {a["user"] for a in activities} <= thrive_ids
    assert {a["name"] for a in about_content} <= titles
    assert {a["contentType"] for a in about_content} <= set(CONTENT_TYPES.values())
    assert all(a["contextType"] == "content" and len(a["contextId"]) == 24 for a in about_content)


def test_cpd_entries_have_the_documented_shape(sandbox, token, organisation):
    week = {"entryDateFrom": f"{DAY}", "entryDateTo": f"{DAY + timedelta(days=7)}"}
    entries = get(sandbox, token, "/cpdEntries", **week).json()["results"]
    thrive_ids = {learner.thrive_id for learner in organisation.learners}

    assert len(entries) == 7 * 3 + 1
    for entry in entries:
        assert entry["userId"] in thrive_ids and len(entry["logEntryId"]) == 24
        assert set(entry["activity"]) == {"type", "name"}
        assert set(entry["category"]) == {"categoryId", "name"}
        assert isinstance(entry["durationMinutes"], int) and entry["durationMinutes"] >= 0
        assert isinstance(entry["isVerified"], bool)


def test_same_seed_gives_identical_pages():
    bodies = []
    for _ in range(2):
        organisation = Organisation(seed=11, learners=12, contents=10)
        with SandboxServer(organisation) as server:
            token = server.thrive.issue_token()
            pages = [
                get(server, token, "/activities", **WEEK),
                get(
                    server,
                    token,
                    "/cpdEntries",
                    entryDateFrom="2026-03-02",
                    entryDateTo="2026-03-09",
                ),
                get(server, token, "/users"),
            ]
            bodies.append([page.content for page in pages])
    assert bodies[0] == bodies[1]


# -- users and single records ------------------------------------------------------------------


def test_users_are_every_learner_once_with_thrive_id_and_email(sandbox, token, organisation):
    users = walk(sandbox, token, "/users", perPage=5)

    assert [(u["id"], u["email"]) for u in users] == [
        (learner.thrive_id, learner.email) for learner in organisation.learners
    ]
    roles = Counter(u["role"] for u in users)
    assert roles["administrator"] == 1 and roles["learner"] > len(users) / 2


def test_every_thirtieth_user_signs_in_by_reference_without_an_email():
    organisation = Organisation(seed=11, learners=60, contents=10)
    users = ThriveSimulator(organisation).records.users()

    without_email = [index for index, user in enumerate(users) if user["email"] is None]
    assert without_email == [29, 59]
    assert all(users[index]["ref"] for index in without_email)


def test_a_single_activity_and_user_are_found_by_id(sandbox, thrive, token, organisation):
    activity = thrive.records.activities_on(DAY)[5]
    learner = organisation.learners[3]

    assert get(sandbox, token, f"/activity/{activity['id']}").json() == activity
    assert get(sandbox, token, f"/user/{learner.thrive_id}").json()["email"] == learner.email


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/activity/0123456789abcdef01234567", 404),
        ("/user/0123456789abcdef01234567", 404),
        ("/activity/not-an-id", 400),
        ("/user/0123", 400),
        ("/activities/0123456789abcdef01234567", 404),
        ("/contents", 404),
    ],
)
def test_unknown_or_malformed_ids_and_paths(sandbox, token, path, status):
    response = get(sandbox, token, path)

    assert response.status_code == status and response.json()["status"] == status


def test_only_get_is_allowed(sandbox, token):
    url = sandbox.environment()["THRIVE_API_URL"] + "/users"
    response = requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert response.status_code == 405 and response.json()["error"] == "Method Not Allowed"


# -- faults ------------------------------------------------------------------------------------


def test_a_failure_answers_with_retry_after_in_seconds_or_as_an_http_date(sandbox, thrive, token):
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    thrive.faults.fail(429, retry_after=3)
    thrive.faults.fail(503, retry_after=when)

    in_seconds, as_date, recovered = (get(sandbox, token, "/users") for _ in range(3))

    assert in_seconds.status_code == 429 and in_seconds.headers["Retry-After"] == "3"
    assert in_seconds.json() == {
        "status": 429,
        "error": "Too Many Requests",
        "message": "Too Many Requests",
    }
    assert as_date.status_code == 503
    assert parsedate_to_datetime(as_date.headers["Retry-After"]) == when
    assert recovered.status_code == 200


def test_a_failure_for_one_endpoint_spares_the_others_and_can_wait_its_turn(sandbox, thrive, token):
    thrive.faults.fail(500, times=1, endpoint="activities", after=1)

    statuses = [
        get(sandbox, token, "/users").status_code,
        get(sandbox, token, "/activities", **WEEK).status_code,
        get(sandbox, token, "/activities", page=2, **WEEK).status_code,
        get(sandbox, token, "/activities", page=2, **WEEK).status_code,
    ]

    assert statuses == [200, 200, 500, 200]


def test_faults_never_touch_the_token_endpoint(sandbox, thrive):
    thrive.faults.fail(500)

    assert request_token(sandbox).status_code == 200
    assert thrive.token_requests == 1


def test_html_garbage_is_a_200_that_is_not_json(sandbox, thrive, token):
    thrive.faults.garbage(kind="html")

    garbage = get(sandbox, token, "/users")

    assert garbage.status_code == 200 and garbage.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        garbage.json()
    assert get(sandbox, token, "/users").json()["results"]


def test_truncated_json_is_a_200_that_does_not_parse(sandbox, thrive, token):
    thrive.faults.garbage(kind="truncated_json")

    truncated = get(sandbox, token, "/users")

    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)


def test_revoked_tokens_get_401_and_a_fresh_token_works(sandbox, thrive, token):
    thrive.faults.revoke_tokens_after(2)

    statuses = [get(sandbox, token, "/users").status_code for _ in range(3)]

    assert statuses == [200, 200, 401]
    assert get(sandbox, fetch_token(sandbox), "/users").status_code == 200
    assert get(sandbox, (thrive.tenant_id, thrive.api_secret), "/users").status_code == 200


def test_an_unknown_verb_hits_only_the_first_activities_of_its_day(sandbox, thrive, token):
    thrive.faults.unknown_verb(DAY, value="bookmarked", count=2)
    params = {"timestampFrom": f"{DAY}", "timestampTo": f"{NEXT_DAY} 00:00:00", "perPage": 1000}

    served = get(sandbox, token, "/activities", **params).json()["results"]

    assert [a["type"] for a in served[:2]] == ["bookmarked", "bookmarked"]
    assert {a["type"] for a in served[2:]} <= set(ACTIVITY_TYPES)
    assert get(sandbox, token, f"/activity/{served[0]['id']}").json()["type"] == "bookmarked"
    assert thrive.records.activities_on(DAY)[0]["type"] in ACTIVITY_TYPES


@pytest.mark.parametrize("value", [-5, 12.5, "15", None])
def test_a_cpd_duration_is_served_verbatim(sandbox, thrive, token, value):
    thrive.faults.cpd_duration(DAY, value)
    params = {"entryDateFrom": f"{DAY}", "entryDateTo": f"{NEXT_DAY}"}

    served = get(sandbox, token, "/cpdEntries", **params).json()["results"]

    assert served[0]["durationMinutes"] == value and "durationMinutes" in served[0]
    assert all(isinstance(entry["durationMinutes"], int) for entry in served[1:])


def test_shifted_pages_serve_a_boundary_record_twice_and_lose_none(sandbox, thrive, token):
    thrive.faults.shift_pages("activities", by=1)

    shifted = walk(sandbox, token, "/activities", **WEEK)
    next_walk = walk(sandbox, token, "/activities", **WEEK)

    duplicates = [id_ for id_, n in Counter(ids(shifted)).items() if n > 1]
    assert duplicates == [shifted[19]["id"]] and shifted[19] == shifted[20]
    assert set(ids(shifted)) == set(ids(next_walk))
    assert len(next_walk) == len(set(ids(next_walk)))


def test_calls_held_at_a_gate_are_counted_in_flight(sandbox, thrive, token):
    gate = thrive.faults.hold()
    statuses: list[int] = []
    callers = [
        threading.Thread(target=lambda: statuses.append(get(sandbox, token, "/users").status_code))
        for _ in range(3)
    ]
    for caller in callers:
        caller.start()

    assert gate.wait_until_waiting(3)
    gate.open()
    for caller in callers:
        caller.join(10)

    assert statuses == [200, 200, 200] and thrive.max_in_flight == 3


def test_api_calls_overlap_during_the_latency(organisation, clock):
    """Each call waits out the latency on its own thread, so list calls in flight overlap; the
    token endpoint is not delayed. Stopping the server wakes the waiting calls."""
    thrive = ThriveSimulator(organisation, clock=clock.clock, latency_seconds=60)
    server = SandboxServer(organisation, thrive=thrive).start()
    token = fetch_token(server)
    statuses: list[int] = []
    callers = [
        threading.Thread(target=lambda: statuses.append(get(server, token, "/users").status_code))
        for _ in range(2)
    ]
    for caller in callers:
        caller.start()

    assert thrive.wait_until_in_flight(2)
    server.stop()
    for caller in callers:
        caller.join(10)

    assert statuses == [200, 200] and thrive.max_in_flight == 2


def test_a_slow_response_outlasts_a_short_client_timeout(sandbox, thrive, token):
    """The slowness is far longer than the client's patience; the stop of the server wakes it."""
    thrive.faults.slow(seconds=60)
    url = sandbox.environment()["THRIVE_API_URL"] + "/users"

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=0.2)
    assert get(sandbox, token, "/users").status_code == 200


def test_clear_removes_every_fault(sandbox, thrive, token):
    faults = thrive.faults
    faults.fail(503, times=3)
    faults.garbage(times=3)
    faults.revoke_tokens_after(0)
    faults.unknown_verb(DAY, count=100)
    faults.shift_pages("activities")

    faults.clear()

    walked = walk(sandbox, token, "/activities", **WEEK)
    assert {a["type"] for a in walked} <= set(ACTIVITY_TYPES)
    assert len(walked) == len(set(ids(walked)))
