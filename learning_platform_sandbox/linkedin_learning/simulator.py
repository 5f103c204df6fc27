"""The LinkedIn Learning simulator over HTTP: the token endpoint and the activity reports."""

from __future__ import annotations

import secrets

from learning_platform_sandbox.linkedin_learning.api import (
    ERROR_MESSAGES,
    REPORT_PATH,
    SERVICE_ERROR_CODES,
    TOKEN_LIFETIME_SECONDS,
    TOKEN_PATH,
)
from learning_platform_sandbox.linkedin_learning.faults import Faults
from learning_platform_sandbox.linkedin_learning.pages import ReportPages
from learning_platform_sandbox.linkedin_learning.parameters import BadRequest, parse_report_params
from learning_platform_sandbox.linkedin_learning.reports import LinkedInReports
from learning_platform_sandbox.messages import Request, Response
from learning_platform_sandbox.observation import ObservedSimulator, RequestRecord
from learning_platform_sandbox.organisation import Organisation
from learning_platform_sandbox.tokens import Tokens, oauth_error, same


class LinkedInSimulator(ObservedSimulator):
    """LinkedIn Learning's token endpoint and `/v2/learningActivityReports`, over one organisation.

    Quirks always on: the `next` link exists past the last page and drops `contentSource`; every
    third page is short; `activities` come in a per-element order; a window over 14 days is a 500;
    some learners have no `uniqueUserId`. Faults are set through `faults`; `latency_seconds`
    delays every report call (not the token endpoint), each on its own thread.
    """

    path_prefixes = (TOKEN_PATH, REPORT_PATH)
    faults: Faults

    def __init__(
        self,
        organisation: Organisation,
        *,
        client_id: str = "sandbox-linkedin-client",
        client_secret: str | None = None,
        page_cache_bytes: int = 0,
        latency_seconds: float = 0.0,
    ) -> None:
        super().__init__(latency_seconds)
        self.organisation = organisation
        self.reports = LinkedInReports(organisation)
        self.client_id = client_id
        # Random per simulator, so a leak test can search logs for this exact string.
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self._tokens = Tokens()
        self.faults = Faults(self._tokens)
        self._pages = ReportPages(self.reports, page_cache_bytes)

    # -- for tests and clients -------------------------------------------------------------

    def environment(self, base_url: str) -> dict[str, str]:
        return {
            "LINKEDIN_LEARNING_API_URL": base_url,
            "LINKEDIN_LEARNING_TOKEN_URL": base_url + TOKEN_PATH,
            "LINKEDIN_LEARNING_CLIENT_ID": self.client_id,
            "LINKEDIN_LEARNING_CLIENT_SECRET": self.client_secret,
        }

    def issue_token(self) -> str:
        """A valid access token without an HTTP call, for tests that are not about auth."""
        return self._tokens.issue()

    def revoke_all_tokens(self) -> None:
        self._tokens.revoke_issued_before(self._tokens.issued)

    @property
    def report_requests(self) -> list[RequestRecord]:
        return [record for record in self.requests if record.path == REPORT_PATH]

    @property
    def max_reports_in_flight(self) -> int:
        return self._max_in_flight

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            return self._serve_token_request(request, self._token)
        if request.path == REPORT_PATH:
            return self._serve_api_call(request, self._report)
        response = _error(404, f"no resource at {request.path}")
        self._observe(request, dict(request.params), response.status)
        return response

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return oauth_error(405, "invalid_request", "use POST")
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            message = "grant_type must be client_credentials"
            return oauth_error(400, "unsupported_grant_type", message)
        id_ok = same(form.get("client_id", ""), self.client_id)
        secret_ok = same(form.get("client_secret", ""), self.client_secret)
        if not (id_ok and secret_ok):
            return oauth_error(401, "invalid_client", "Client authentication failed")
        token = self._tokens.issue()
        return Response.json(200, {"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS})

    def _report(self, request: Request) -> Response:
        self._apply_faults_before_call()
        if not self._tokens.is_valid(request.bearer_token()):
            return _error(401)
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on {REPORT_PATH}")
        try:
            query, start, count = parse_report_params(request.params)
        except BadRequest as bad:
            return _error(bad.status, bad.message)
        failure = self.faults._take_failure(query)
        if failure is not None:
            return _error(failure.status, headers=failure.headers)
        page = self._pages.page(request.params, query, start, count, self.faults._enums_for(query))
        return self._ok(page, _HTML_ERROR_PAGE)


def _error(
    status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """LinkedIn's error body: {"serviceErrorCode", "message", "status"}."""
    body = {
        "serviceErrorCode": SERVICE_ERROR_CODES.get(status, 0),
        "message": message or ERROR_MESSAGES.get(status, "Error"),
        "status": status,
    }
    return Response.json(status, body, headers)


_HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>LinkedIn</title></head>"
    b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
)
