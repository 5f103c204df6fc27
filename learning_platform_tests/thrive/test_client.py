"""The Thrive client against a scripted Thrive on 127.0.0.1: paging by page number, Basic and
OAuth2, retries only where Thrive says to retry, and 404 as "not there"."""

import base64
import json
import time
from datetime import datetime, timezone

import pytest
from werkzeug import Request, Response

from learning_platform.lib.http import (
    RequestStats,
    RetryPolicy,
    UpstreamError,
    UpstreamResponseError,
)
from learning_platform.lib.thrive.api import ThriveApi
from learning_platform.lib.thrive.config import resolve_config
from learning_platform.lib.thrive.records import ACTIVITIES, USERS

TENANT = "eu-west-2_AbcdEfghI"
SECRET = "thrive-basic-secret-value"
START = datetime(2026, 11, 20, tzinfo=timezone.utc)
END = datetime(2026, 11, 21, tzinfo=timezone.utc)


def user(number: int) -> dict:
    return {"id": f"{number:024x}", "email": f"u{number}@example.com", "role": "learner"}


def envelope(results, total, total_pages, page, per_page=1000):
    body = {"totalResults": total, "totalPages": total_pages, "page": page, "perPage": per_page}
    return Response(
        json.dumps({"pagination": body, "results": results}), content_type="application/json"
    )


def api(server, fake_time, **kwargs) -> ThriveApi:
    config = resolve_config(tenant_id=TENANT, api_secret=SECRET, api_url=server.url_for("/rest/v1"))
    return ThriveApi(config, sleep=fake_time.sleep, clock=fake_time.clock, **kwargs)


def test_pages_are_walked_by_number_with_the_largest_page_size_and_basic_auth(server, fake_time):
    seen = []

    def handler(request: Request) -> Response:
        seen.append((dict(request.args), request.headers.get("Authorization")))
        page = int(request.args["page"])
        # Thrive's last announced page can be empty: 4 records, 2 per page, 3 pages announced.
        results = [user(n) for n in range(4)][(page - 1) * 2 : page * 2]
        return envelope(results, 4, 3, page, 2)

    server.expect_request("/rest/v1/users").respond_with_handler(handler)
    stats = RequestStats()

    pages = list(api(server, fake_time, page_size=2).pages(USERS, stats=stats))

    assert [[u.id for u in page] for page in pages] == [
        [user(0)["id"], user(1)["id"]],
        [user(2)["id"], user(3)["id"]],
    ]
    assert [args["page"] for args, _ in seen] == ["1", "2", "3"]
    assert {args["perPage"] for args, _ in seen} == {"2"}
    expected = "Basic " + base64.b64encode(f"{TENANT}:{SECRET}".encode()).decode()
    assert {header for _, header in seen} == {expected}
    assert stats.shortfalls == []


def test_the_day_filters_are_sent_in_thrive_format_in_utc(server, fake_time):
    seen = []
    server.expect_request("/rest/v1/activities").respond_with_handler(
        lambda request: seen.append(dict(request.args)) or envelope([], 0, 1, 1)
    )

    assert (
        list(api(server, fake_time).between(ACTIVITIES, "timestampFrom", "timestampTo", START, END))
        == []
    )
    assert seen[0]["timestampFrom"] == "2026-11-20 00:00:00"
    assert seen[0]["timestampTo"] == "2026-11-21 00:00:00"


def test_a_page_other_than_the_one_asked_for_fails_the_walk(server, fake_time):
    server.expect_request("/rest/v1/users").respond_with_handler(
        lambda request: envelope([user(1)], 3, 3, 1)  # always page 1
    )

    with pytest.raises(UpstreamError, match="asked for page 2, got page 1"):
        list(api(server, fake_time).pages(USERS))


def test_fewer_records_than_announced_is_reported_as_a_shortfall(server, fake_time):
    server.expect_request("/rest/v1/users").respond_with_handler(
        lambda request: envelope(
            [user(1)] if request.args["page"] == "1" else [], 5, 2, int(request.args["page"])
        )
    )
    stats = RequestStats()

    list(api(server, fake_time).pages(USERS, stats=stats))

    assert stats.shortfalls == ["Thrive users: 1 records received of 5 announced"]


def test_429_honours_retry_after_and_5xx_backs_off_then_the_page_is_read(server, fake_time):
    server.expect_oneshot_request("/rest/v1/users").respond_with_data(
        "", status=429, headers={"Retry-After": "7"}
    )
    server.expect_oneshot_request("/rest/v1/users").respond_with_data("", status=502)
    server.expect_oneshot_request("/rest/v1/users").respond_with_response(
        envelope([user(1)], 1, 1, 1)
    )
    stats = RequestStats()

    pages = list(api(server, fake_time).pages(USERS, stats=stats))

    assert len(pages) == 1 and stats.retries == 2 and stats.api_calls == 3
    assert fake_time.waits[0] == 7


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_client_errors_are_not_retried(server, fake_time, status):
    body = {"status": status, "error": "Bad", "message": "perPage must be at most 1000"}
    server.expect_request("/rest/v1/users").respond_with_json(body, status=status)
    stats = RequestStats()

    with pytest.raises(UpstreamResponseError) as failed:
        list(api(server, fake_time).pages(USERS, stats=stats))

    assert failed.value.status == status and stats.api_calls == 1
    assert "Thrive users" in str(failed.value) and SECRET not in str(failed.value)


def test_persistent_5xx_fails_within_the_retry_budget(server, fake_time):
    server.expect_request("/rest/v1/users").respond_with_data("", status=503)
    stats = RequestStats()

    with pytest.raises(UpstreamResponseError, match="gave up after 3 attempt"):
        list(api(server, fake_time, retry=RetryPolicy(max_attempts=3)).pages(USERS, stats=stats))
    assert stats.api_calls == 3


def test_a_single_record_that_is_not_there_is_none_not_an_error(server, fake_time):
    missing, present = "0" * 24, "a" * 24
    server.expect_request(f"/rest/v1/user/{missing}").respond_with_json(
        {"status": 404, "error": "Not Found", "message": "user not found"}, status=404
    )
    server.expect_request(f"/rest/v1/user/{present}").respond_with_json(user(10) | {"id": present})
    client = api(server, fake_time)

    assert client.user(missing) is None
    assert client.user(present).id == present


def test_oauth2_token_is_cached_renewed_before_its_hour_and_once_after_a_401(server, fake_time):
    """Cognito style: client id and secret as HTTP Basic on the tenant's token URL, scope api/read."""
    token_calls, issued = [], []

    def token(request: Request) -> Response:
        token_calls.append((request.headers.get("Authorization"), dict(request.form)))
        issued.append(f"token-number-{len(issued)}-abcdef")
        body = {"access_token": issued[-1], "expires_in": 3600, "token_type": "Bearer"}
        return Response(json.dumps(body), content_type="application/json")

    rejected = {"token-number-1-abcdef"}

    def users(request: Request) -> Response:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in rejected:
            return Response(json.dumps({"status": 401, "error": "Unauthorized"}), status=401)
        return envelope([user(1)], 1, 1, 1)

    server.expect_request(f"/oauth2/token/{TENANT}", method="POST").respond_with_handler(token)
    server.expect_request("/rest/v1/users").respond_with_handler(users)
    config = resolve_config(
        tenant_id=TENANT,
        client_id="thrive-client",
        client_secret="thrive-client-secret-value",
        api_url=server.url_for("/rest/v1"),
        token_url=server.url_for(f"/oauth2/token/{TENANT}"),
    )
    client = ThriveApi(config, sleep=fake_time.sleep, clock=fake_time.clock)

    list(client.pages(USERS))
    list(client.pages(USERS))
    assert len(token_calls) == 1  # cached
    fake_time.now += 3300  # within the last tenth of its hour
    list(client.pages(USERS))  # renewed before use; that token is then refused once
    assert len(token_calls) == 3

    client_auth = "Basic " + base64.b64encode(b"thrive-client:thrive-client-secret-value").decode()
    assert {call[0] for call in token_calls} == {client_auth}
    assert token_calls[0][1] == {"grant_type": "client_credentials", "scope": "api/read"}


def test_total_pages_growing_with_pages_in_flight_are_walked_to_the_end_as_one_walk(
    server, fake_time
):
    """Six users, three pages of two, until page 2 is asked for: then ten, five pages. Page 3,
    handed on after page 2, was answered before they grew. Each call takes 20 ms, as from far
    away, so the walk's pages after the first go in flight."""
    announced = {"users": 6}

    def handler(request: Request) -> Response:
        time.sleep(0.02)
        page = int(request.args["page"])
        if page == 2:
            announced["users"] = 10
        users = 6 if page == 3 else announced["users"]
        results = [user(n) for n in range(10)][(page - 1) * 2 : page * 2]
        return envelope(results, users, (users + 1) // 2, page, 2)

    server.expect_request("/rest/v1/users").respond_with_handler(handler)
    stats = RequestStats()

    pages = list(api(server, fake_time, page_size=2, pages_in_flight=4).pages(USERS, stats=stats))

    assert [u.id for page in pages for u in page] == [user(n)["id"] for n in range(10)]
    assert stats.shortfalls == ["Thrive users: totalResults changed from 6 to 10 during the walk"]
    assert stats.walks_in_flight == 1  # its plan was made twice: to page 3, then to page 5
