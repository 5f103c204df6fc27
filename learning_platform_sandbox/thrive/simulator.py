"""The Thrive simulator over HTTP: its token endpoint and REST API under `/thrive`."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from http import HTTPStatus

from learning_platform_sandbox.messages import Request, Response, dumps
from learning_platform_sandbox.observation import ObservedSimulator, RequestRecord
from learning_platform_sandbox.organisation import Organisation
from learning_platform_sandbox.thrive.api import (
    AUTH_MODES,
    PREFIX,
    REST_BASE,
    SCOPES,
    TOKEN_LIFETIME_SECONDS,
    TOKEN_PATH,
)
from learning_platform_sandbox.thrive.faults import ThriveFaults
from learning_platform_sandbox.thrive.parameters import (
    BadRequest,
    ListQuery,
    RecordQuery,
    parse_list_params,
    parse_path,
    parse_record_id,
)
from learning_platform_sandbox.thrive.records import ThriveRecords
from learning_platform_sandbox.thrive.stamps import Stamped, window_slice
from learning_platform_sandbox.tokens import Tokens, oauth_error, same


class ThriveSimulator(ObservedSimulator):
    """Thrive's OAuth token endpoint and public REST API (`/rest/v1`) under `/thrive`, over one
    organisation.

    Quirks always on:

    - `totalPages` is `totalResults // perPage + 1`: when the total is a multiple of perPage (or
      zero), the last announced page is empty. A page past totalPages answers empty `results`
      with the same totals.
    - `perPage` defaults to 20 for activities but 100 for CPD entries and users.
    - Date filters take `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DD`, read as UTC, and both bounds are
      inclusive to the millisecond: the record stamped at midnight (every day has one) comes
      back in the queries of both days it borders.
    - `data` is free-form: `duration` is a string, `source` a string or a nested object,
      `progresspercentage` a number or a string; some records carry fields nobody documented.
    - Every 30th user signs in with a reference and has no e-mail.

    The sandbox also wants both bounds of a date filter: its data has no first or last day, so a
    query without them would never end. Faults are set through `faults`; `latency_seconds`
    delays every API call (not the token endpoint), each on its own thread.
    """

    path_prefixes = (PREFIX,)
    faults: ThriveFaults

    def __init__(
        self,
        organisation: Organisation,
        *,
        tenant_id: str = "eu-west-2_SandboxTn",
        api_secret: str | None = None,
        client_id: str = "sandbox-thrive-client",
        client_secret: str | None = None,
        auth: str = "oauth2",
        activities_per_day: int | None = None,
        cpd_entries_per_day: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        latency_seconds: float = 0.0,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, got {auth!r}")
        super().__init__(latency_seconds)
        self.organisation = organisation
        self.records = ThriveRecords(organisation, activities_per_day, cpd_entries_per_day)
        self.tenant_id = tenant_id
        self.client_id = client_id
        # Random per simulator, so a leak test can search logs for these exact strings.
        self.api_secret = api_secret or secrets.token_urlsafe(24)
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.auth = auth
        self._tokens = Tokens(lifetime_seconds=TOKEN_LIFETIME_SECONDS, clock=clock)
        self.faults = ThriveFaults(self._tokens)

    # -- for tests and clients -------------------------------------------------------------

    def environment(self, base_url: str) -> dict[str, str]:
        return {
            "THRIVE_TENANT_ID": self.tenant_id,
            "THRIVE_API_URL": base_url + REST_BASE,
            "THRIVE_TOKEN_URL": f"{base_url}{TOKEN_PATH}/{self.tenant_id}",
            "THRIVE_AUTH": self.auth,
            **self.credentials(self.auth),
        }

    def credentials(self, auth: str) -> dict[str, str]:
        """The variables that only one auth mode needs: "basic" or "oauth2"."""
        if auth == "basic":
            return {"THRIVE_API_SECRET": self.api_secret}
        if auth == "oauth2":
            return {"THRIVE_CLIENT_ID": self.client_id, "THRIVE_CLIENT_SECRET": self.client_secret}
        raise ValueError(f"auth must be one of {AUTH_MODES}, got {auth!r}")

    def issue_token(self) -> str:
        """A valid bearer token without an HTTP call, for tests that are not about auth."""
        return self._tokens.issue()

    def revoke_all_tokens(self) -> None:
        self._tokens.revoke_all()

    @property
    def api_requests(self) -> list[RequestRecord]:
        return [record for record in self.requests if not _is_token_path(record.path)]

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if _is_token_path(request.path):
            return self._serve_token_request(request, self._token)
        return self._serve_api_call(request, self._api)

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return oauth_error(405, "invalid_request", "use POST")
        tenant = request.path[len(TOKEN_PATH) + 1 :]
        if tenant != self.tenant_id:
            return oauth_error(400, "invalid_request", "unknown tenant in the token URL")
        form = request.form()
        # The client authenticates with HTTP Basic, or (the fallback) in the form body.
        client = request.basic_credentials()
        if client is None:
            client = (form.get("client_id", ""), form.get("client_secret", ""))
        if not (same(client[0], self.client_id) & same(client[1], self.client_secret)):
            return oauth_error(401, "invalid_client", "Client authentication failed")
        if form.get("grant_type") != "client_credentials":
            message = "grant_type must be client_credentials"
            return oauth_error(400, "unsupported_grant_type", message)
        unknown = set(form.get("scope", "").split()) - SCOPES
        if unknown:
            return oauth_error(400, "invalid_scope", f"unknown scope {sorted(unknown)[0]!r}")
        token = self._tokens.issue()
        body = {"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"}
        return Response.json(200, body)

    def _api(self, request: Request) -> Response:
        route = parse_path(request.path)
        if route is None:
            return _error(404, f"no resource at {request.path}")
        self._apply_faults_before_call()
        if not self._authorised(request):
            return _error(401, "Missing or invalid credentials")
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on {request.path}")
        endpoint, record_id = route
        try:
            if record_id is None:
                query: ListQuery | RecordQuery = parse_list_params(endpoint, request.params)
            else:
                query = parse_record_id(endpoint, record_id)
        except BadRequest as bad:
            return _error(400, bad.message)
        failure = self.faults._take_failure(endpoint)
        if failure is not None:
            return _error(failure.status, headers=failure.headers)
        if isinstance(query, RecordQuery):
            record = self._record(query)
            if record is None:
                return _error(404, f"no {query.endpoint} with id {query.record_id}")
            body = dumps(record).encode()
        else:
            body = self._page(query).encode()
        return self._ok(body, _HTML_ERROR_PAGE)

    def _authorised(self, request: Request) -> bool:
        # Both modes are accepted at any time, whichever one `environment()` hands out.
        basic = request.basic_credentials()
        if basic is not None:
            return same(basic[0], self.tenant_id) & same(basic[1], self.api_secret)
        return self._tokens.is_valid(request.bearer_token())

    def _page(self, query: ListQuery) -> str:
        shift = self.faults._shift(query.endpoint, query.page)
        offset = max(0, (query.page - 1) * query.per_page - shift)
        if query.endpoint == "users":
            users = self.records._all_users()
            total, results = len(users), users[offset : offset + query.per_page]
        else:
            total, results = window_slice(
                lambda day_number: self._served(query.endpoint, day_number),
                lambda day_number: self.records._count_on(query.endpoint, day_number),
                query.start_ms,
                query.end_ms,
                query.keep,
                offset,
                query.per_page,
            )
        total_pages = total // query.per_page + 1
        self.faults._page_served(query.endpoint, query.page, total_pages)
        pagination = {
            "totalResults": total,
            "totalPages": total_pages,
            "page": query.page,
            "perPage": query.per_page,
        }
        return dumps({"pagination": pagination, "results": results})

    def _served(self, kind: str, day_number: int) -> list[Stamped]:
        """A day's records as served: the records, with what a fault changes (in copies)."""
        stamped = self.records._stamped(kind, day_number)
        if kind == "activities":
            faults = self.faults._verbs_on(day_number)
            if not faults:
                return stamped
            stamped = list(stamped)
            for fault in faults:
                for index in range(min(fault.count, len(stamped))):
                    stamp, record = stamped[index]
                    stamped[index] = (stamp, {**record, "type": fault.value})
            return stamped
        changed, minutes = self.faults._cpd_duration_on(day_number)
        if not changed or not stamped:
            return stamped
        stamp, first = stamped[0]
        return [(stamp, {**first, "durationMinutes": minutes}), *stamped[1:]]

    def _record(self, query: RecordQuery) -> dict | None:
        if query.endpoint == "user":
            return self.records._user_by_id(query.record_id)
        found = self.records._find_activity(query.record_id)
        if found is None:
            return None
        index, record = found
        day_number = int(record["id"][:8], 16) // 86_400
        return self._served("activities", day_number)[index][1]


def _is_token_path(path: str) -> bool:
    return path == TOKEN_PATH or path.startswith(TOKEN_PATH + "/")


def _error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """Thrive's error body: {"status", "error" (the reason phrase), "message"}."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"status": status, "error": phrase, "message": message or phrase}
    return Response.json(status, body, headers)


# What a gateway in front of the API answers when the service behind it fails, with a 200 here.
_HTML_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)
