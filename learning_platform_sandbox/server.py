"""A real HTTP server on 127.0.0.1 serving the upstream simulators of one synthetic organisation.

Each simulator is mounted on its path prefixes (LinkedIn: `/oauth/v2/accessToken` and
`/v2/learningActivityReports`; Thrive: everything under `/thrive`) and turns a `Request` into a
`Response`; this module only speaks HTTP. The server is quiet: no request lines on stderr, since
query strings and headers are nobody's business in test output, and tokens must never be logged.
"""

from __future__ import annotations

import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from learning_platform_sandbox.linkedin_learning import LinkedInSimulator
from learning_platform_sandbox.messages import Request, Response, Simulator
from learning_platform_sandbox.organisation import Organisation
from learning_platform_sandbox.thrive import ThriveSimulator


class SandboxServer:
    """The sandbox's HTTP server in a background thread; LinkedIn and Thrive are mounted by default.

    with SandboxServer(Organisation(seed=7)) as server:
        os.environ.update(server.environment())
    """

    def __init__(
        self,
        organisation: Organisation,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        linkedin: LinkedInSimulator | None = None,
        thrive: ThriveSimulator | None = None,
    ) -> None:
        self.organisation = organisation
        self._simulators: list[Simulator] = []
        self._httpd = _QuietThreadingHTTPServer((host, port), _Handler)
        self._httpd.sandbox = self
        self._thread: threading.Thread | None = None
        self.linkedin = linkedin if linkedin is not None else LinkedInSimulator(organisation)
        self.mount(self.linkedin)
        self.thrive = thrive if thrive is not None else ThriveSimulator(organisation)
        self.mount(self.thrive)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def mount(self, simulator: Simulator) -> Simulator:
        """Serve `simulator` on its path prefixes, which no mounted simulator may already use."""
        taken = {prefix for mounted in self._simulators for prefix in mounted.path_prefixes}
        clash = taken.intersection(simulator.path_prefixes)
        if clash:
            raise ValueError(f"path prefixes {sorted(clash)} are already served")
        self._simulators.append(simulator)
        return simulator

    def route(self, path: str) -> Simulator | None:
        """The simulator with the longest prefix that matches `path`."""
        best, best_length = None, -1
        for simulator in self._simulators:
            for prefix in simulator.path_prefixes:
                base = prefix.rstrip("/")
                if (path == base or path.startswith(base + "/")) and len(base) > best_length:
                    best, best_length = simulator, len(base)
        return best

    def environment(self) -> dict[str, str]:
        """Every variable the platform's clients need to talk to this server, not the vendors."""
        variables: dict[str, str] = {}
        for simulator in self._simulators:
            variables.update(simulator.environment(self.url))
        return variables

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sandbox-server-{self._httpd.server_address[1]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and release the port; bounded, even if requests are still being answered."""
        for simulator in self._simulators:
            simulator.close()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout)
            self._thread = None
        # Connection threads are daemons: an idle keep-alive connection does not hold the stop.
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _QuietThreadingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # concurrency tests open many connections at once
    sandbox: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-response (its own timeout, a test that moved on) is not a
        # sandbox failure; anything else is a bug worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive between pages; Nagle's algorithm would add ~40 ms per
    # response on loopback (headers and body are separate writes), so it is off.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 60  # an idle keep-alive connection gives its thread back
    server: _QuietThreadingHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        params = {name: values[-1] for name, values in query.items()}
        request = Request(self.command, url.path, params, self.headers, body)
        simulator = self.server.sandbox.route(url.path)
        if simulator is None:
            message = f"no simulator serves {url.path}"
            response = Response.json(404, {"message": message, "status": 404})
        else:
            try:
                response = simulator.handle(request)
            except Exception:
                traceback.print_exc()  # a sandbox bug: loud, but the client still gets an answer
                message = "sandbox simulator failed"
                response = Response.json(500, {"message": message, "status": 500})
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines would clutter test output (and carry query strings)."""
