"""The shared HTTP plumbing (lib/http.py, lib/oauth.py) against real servers on 127.0.0.1.

Waits are recorded by an injected sleep, never slept; the same fake clock drives token expiry.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from learning_platform.lib.http import (
    HttpClient,
    RequestStats,
    RetryPolicy,
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFoundError,
    UpstreamResponseError,
    retry_after_seconds,
)
from learning_platform.lib.oauth import ClientCredentialsToken
from learning_platform_tests.fakes import FakeTime

CLIENT_ID = "thrive-client"
CLIENT_SECRET = "very-secret-value-42"


def make_client(fake_time: FakeTime, retry: RetryPolicy = RetryPolicy()) -> HttpClient:
    return HttpClient(
        "Thrive", timeout=(1.0, 2.0), retry=retry, sleep=fake_time.sleep, clock=fake_time.clock
    )


def scripted(*responses: Response):
    """A handler that answers with `responses` in turn, then repeats the last one."""
    remaining = list(responses)

    def handle(request: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handle


def ok(body: object = None) -> Response:
    body = {"data": [1, 2, 3]} if body is None else body
    return Response(json.dumps(body), content_type="application/json")


def get(client: HttpClient, server: HTTPServer, stats: RequestStats, **kwargs):
    return client.request_json(
        "GET", server.url_for("/users"), endpoint="users", context="page 1", stats=stats, **kwargs
    )


# Retry-After -------------------------------------------------------------------------------------


def test_retry_after_is_read_as_delta_seconds_or_http_date():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("2", now) == 2.0
    assert retry_after_seconds("Fri, 20 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 20 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_http_date_retry_after_is_capped_at_retry_after_max(server, fake_time):
    """A quota that resets hours from now must not park the step for hours."""
    in_an_hour = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    server.expect_request("/users").respond_with_handler(
        scripted(Response("slow down", status=429, headers={"Retry-After": in_an_hour}), ok())
    )
    stats = RequestStats()
    client = make_client(fake_time, RetryPolicy(retry_after_max_seconds=7))

    assert get(client, server, stats) == {"data": [1, 2, 3]}
    assert fake_time.waits == [7]
    assert stats.retries == 1 and stats.retry_wait_seconds == 7


def test_backoff_without_retry_after_is_exponential_with_full_jitter(server, fake_time):
    server.expect_request("/users").respond_with_handler(
        scripted(*[Response(status=503)] * 4, ok())
    )
    policy = RetryPolicy(backoff_base_seconds=1, backoff_max_seconds=5)
    stats = RequestStats()

    get(make_client(fake_time, policy), server, stats)

    assert len(fake_time.waits) == 4
    for attempt, wait in enumerate(fake_time.waits, start=1):
        assert 0 <= wait <= min(5, 2 ** (attempt - 1))
    assert stats.api_calls == 5 and stats.retries == 4


# Budgets and final errors ------------------------------------------------------------------------


def test_attempts_stop_at_max_attempts(server, fake_time):
    server.expect_request("/users").respond_with_data("down", status=502)

    with pytest.raises(UpstreamResponseError) as failure:
        get(make_client(fake_time, RetryPolicy(max_attempts=3)), server, RequestStats())

    assert failure.value.status == 502
    assert len(server.log) == 3
    assert "Thrive users page 1" in str(failure.value) and "3 attempt(s)" in str(failure.value)


def test_a_wait_that_would_overrun_the_time_budget_is_not_taken(server, fake_time):
    """With 10 s of budget, Retry-After 4 allows two waits (8 s); a third would end at 12 s."""
    server.expect_request("/users").respond_with_data(
        "busy", status=429, headers={"Retry-After": "4"}
    )
    policy = RetryPolicy(max_attempts=10, max_total_seconds=10)

    with pytest.raises(UpstreamResponseError) as failure:
        get(make_client(fake_time, policy), server, RequestStats())

    assert fake_time.waits == [4, 4]
    assert len(server.log) == 3
    assert failure.value.status == 429


@pytest.fixture
def cut_short_then_ok():
    """A raw loopback server: the first connection promises 1000 bytes and closes after 20, the
    next ones get a whole response. (Werkzeug would fix up the Content-Length.)"""
    listener = socket.create_server(("127.0.0.1", 0))
    whole = b'{"data": [1, 2, 3]}'
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        + whole[:12],
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(whole), whole),
    ]
    connections = []

    def serve():
        for answer in answers:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                # Recorded before answering: once the client holds the answer, the count is final.
                connections.append(answer)
                connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/users", connections
    listener.close()


def test_connection_dropped_mid_body_is_retried(cut_short_then_ok, fake_time):
    url, connections = cut_short_then_ok
    stats = RequestStats()

    body = make_client(fake_time).request_json("GET", url, endpoint="users", stats=stats)

    assert body == {"data": [1, 2, 3]}
    assert len(connections) == 2 and stats.retries == 1


def test_unreachable_server_fails_after_bounded_attempts(fake_time):
    closed_port = HTTPServer(host="127.0.0.1", port=0)
    closed_port.start()
    url = closed_port.url_for("/users")
    closed_port.stop()
    client = make_client(fake_time, RetryPolicy(max_attempts=3))

    with pytest.raises(UpstreamError, match="Thrive users page 1: gave up after 3 attempt"):
        client.request_json("GET", url, endpoint="users", context="page 1", stats=RequestStats())


def test_404_on_a_single_record_is_not_found_after_one_request(server, fake_time):
    server.expect_request("/users/17").respond_with_json({"message": "User not found"}, status=404)

    with pytest.raises(UpstreamNotFoundError, match="User not found"):
        make_client(fake_time).request_json(
            "GET", server.url_for("/users/17"), endpoint="users/17", stats=RequestStats()
        )
    assert len(server.log) == 1


def test_200_failing_the_shape_check_is_retried_then_fails(server, fake_time):
    """A 200 `{}` where a page was expected must not read as a page with no records."""
    server.expect_request("/users").respond_with_json({})

    with pytest.raises(UpstreamError, match="unexpected shape"):
        client = make_client(fake_time, RetryPolicy(max_attempts=2))
        get(client, server, RequestStats(), valid=lambda body: "data" in body)
    assert len(server.log) == 2


# Client-credentials tokens -----------------------------------------------------------------------


def token_endpoint(server: HTTPServer, expires_in: int = 3600):
    """A Cognito-like token endpoint that issues token-1, token-2, ... to HTTP Basic clients."""
    issued: list[str] = []
    expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    def handle(request: Request) -> Response:
        grant = request.form.get("grant_type")
        if request.headers.get("Authorization") != expected or grant != "client_credentials":
            refusal = json.dumps({"error": "invalid_client"})
            return Response(refusal, status=401, content_type="application/json")
        issued.append(f"token-{len(issued) + 1}")
        return ok({"access_token": issued[-1], "expires_in": expires_in, "token_type": "Bearer"})

    server.expect_request("/oauth2/token", method="POST").respond_with_handler(handle)
    return issued


def cognito_token(client: HttpClient, server: HTTPServer, secret: str = CLIENT_SECRET):
    token_url = server.url_for("/oauth2/token")
    return ClientCredentialsToken(client, token_url, CLIENT_ID, secret, client_auth="basic")


def form_token(client: HttpClient, server: HTTPServer) -> ClientCredentialsToken:
    return ClientCredentialsToken(client, server.url_for("/token"), CLIENT_ID, CLIENT_SECRET)


def test_basic_client_auth_keeps_the_secret_out_of_the_form(server, fake_time):
    token_endpoint(server)
    stats = RequestStats()

    assert cognito_token(make_client(fake_time), server).get(stats) == "token-1"

    request, _ = server.log[0]
    assert CLIENT_SECRET not in request.get_data(as_text=True)
    assert stats.token_requests == 1 and stats.api_calls == 0


def test_form_client_auth_sends_the_credentials_in_the_body(server, fake_time):
    server.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "abc", "expires_in": 60}
    )
    tokens = form_token(make_client(fake_time), server)

    assert tokens.get(RequestStats()) == "abc"

    request, _ = server.log[0]
    assert dict(request.form) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert "Authorization" not in request.headers


def test_token_is_cached_then_renewed_shortly_before_expiry(server, fake_time):
    """An hour-long token is renewed when less than 10% of its life (6 minutes) remains."""
    issued = token_endpoint(server, expires_in=3600)
    tokens = cognito_token(make_client(fake_time), server)
    stats = RequestStats()

    assert tokens.get(stats) == "token-1"
    fake_time.now += 3600 - 361
    assert tokens.get(stats) == "token-1"
    fake_time.now += 2
    assert tokens.get(stats) == "token-2"
    assert issued == ["token-1", "token-2"] and stats.token_requests == 2


def test_threads_share_one_token_request(server, fake_time):
    issued = token_endpoint(server)
    tokens = cognito_token(make_client(fake_time), server)
    stats = RequestStats()
    seen: list[str] = []

    threads = [threading.Thread(target=lambda: seen.append(tokens.get(stats))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert seen == ["token-1"] * 8 and issued == ["token-1"]


def test_invalidating_an_already_replaced_token_keeps_the_new_one(server, fake_time):
    """Two threads get the same 401; the second must not throw away the token the first renewed."""
    issued = token_endpoint(server)
    tokens = cognito_token(make_client(fake_time), server)
    stats = RequestStats()
    tokens.get(stats)

    tokens.invalidate(rejected="token-1")
    assert tokens.get(stats) == "token-2"
    tokens.invalidate(rejected="token-1")
    assert tokens.get(stats) == "token-2"
    assert issued == ["token-1", "token-2"]


def test_token_endpoint_5xx_is_retried(server, fake_time):
    server.expect_request("/oauth2/token", method="POST").respond_with_handler(
        scripted(Response(status=503), ok({"access_token": "abc", "expires_in": 3600}))
    )
    stats = RequestStats()

    assert cognito_token(make_client(fake_time), server).get(stats) == "abc"
    assert stats.token_requests == 2 and stats.retries == 1


def test_wrong_secret_fails_at_once_without_the_secret_or_basic_header(server, fake_time):
    token_endpoint(server)
    wrong_secret = "wrong-secret-value-99"
    basic = base64.b64encode(f"{CLIENT_ID}:{wrong_secret}".encode()).decode()

    with pytest.raises(UpstreamAuthError) as failure:
        cognito_token(make_client(fake_time), server, secret=wrong_secret).get(RequestStats())

    text = str(failure.value)
    assert "check the client id and secret" in text and server.url_for("/oauth2/token") in text
    assert wrong_secret not in text and basic not in text
    assert len(server.log) == 1


@pytest.mark.parametrize("status", [400, 401])
def test_token_refusal_in_the_form_body_mode_is_an_auth_error(server, fake_time, status):
    """OAuth2 servers answer a bad client with 400 `invalid_client` as often as with 401."""
    server.expect_request("/token", method="POST").respond_with_json(
        {"error": "invalid_client"}, status=status
    )
    tokens = form_token(make_client(fake_time), server)

    with pytest.raises(UpstreamAuthError, match="invalid_client") as failure:
        tokens.get(RequestStats())
    assert CLIENT_SECRET not in str(failure.value)
    assert len(server.log) == 1


def test_garbled_token_response_is_never_quoted_in_the_error(server, fake_time):
    """A token response cut short still starts with the token; the error must not show it."""
    server.expect_request("/token", method="POST").respond_with_data(
        '{"access_token": "AQXpartial-token-value', content_type="application/json"
    )
    tokens = form_token(make_client(fake_time, RetryPolicy(max_attempts=2)), server)

    with pytest.raises(UpstreamError) as failure:
        tokens.get(RequestStats())
    assert "AQX" not in str(failure.value) and "not JSON" in str(failure.value)


def test_upstream_text_that_echoes_the_secret_is_scrubbed(server, fake_time):
    """Some token endpoints repeat what they were sent; our message must not repeat it."""
    server.expect_request("/token", method="POST").respond_with_json(
        {"error": "invalid_client", "error_description": f"unknown secret {CLIENT_SECRET}"},
        status=401,
    )

    with pytest.raises(UpstreamAuthError) as failure:
        form_token(make_client(fake_time), server).get(RequestStats())
    assert CLIENT_SECRET not in str(failure.value) and "[redacted]" in str(failure.value)
