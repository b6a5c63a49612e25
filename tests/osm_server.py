"""A loopback stand-in for Nominatim and Overpass that serves recorded responses.

Tests point ``routeplan.settings.nominatim_url`` at :attr:`OSMServer.nominatim_url` and
``routeplan.settings.overpass_url`` at :attr:`OSMServer.overpass_url`; nothing leaves the machine.

The server answers

* ``GET  <nominatim_url>/search`` (and ``/lookup``, ``/reverse``) with the recorded Nominatim JSON,
* ``GET  <nominatim_url>/status`` with ``OK``,
* ``POST <overpass_url>/interpreter`` (GET too) with the recorded Overpass JSON, whatever the query,
* ``GET  <overpass_url>/status`` with an idle Overpass status page,

counts every request, and can be told to misbehave for the next requests to a service with
:meth:`OSMServer.script`: an ``int`` answers with that HTTP status, ``"truncate"`` sends half of the
body under the full ``Content-Length`` and closes, ``"garbage"`` sends a complete HTML body instead of
JSON, ``"remark"`` sends an Overpass runtime-error remark with no elements, and ``"hang"`` holds the
request open until :attr:`OSMServer.hang_s` has passed or the server stops.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

NOMINATIM_PREFIX = "/nominatim"
OVERPASS_PREFIX = "/api"

OVERPASS_STATUS = (
    "Connected as: 2130706433\n"
    "Current time: 2023-04-11T02:30:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)
REMARK = (
    b'{"version": 0.6, "generator": "Overpass API", "elements": [], '
    b'"remark": "runtime error: Query timed out in \\"query\\" at line 1 after 181 seconds."}'
)
Action = int | str


class OSMServer:
    """Nominatim + Overpass on ``127.0.0.1`` with a free port, run in a daemon thread.

    Parameters
    ----------
    nominatim_file
        Recorded Nominatim search response (a JSON list).
    overpass_file
        Recorded Overpass response (a JSON object with ``elements``).
    hang_s
        How long a ``"hang"`` action holds the request before answering normally.

    Attributes
    ----------
    nominatim_body, overpass_body
        The bytes served; tests may replace them to serve another recording.
    requests
        ``(service, method, path)`` of every request received, in order.
    """

    def __init__(self, nominatim_file: Path, overpass_file: Path, hang_s: float = 10.0) -> None:
        self.nominatim_body = Path(nominatim_file).read_bytes()
        self.overpass_body = Path(overpass_file).read_bytes()
        self.hang_s = hang_s
        self.requests: list[tuple[str, str, str]] = []  # (service, method, path)
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Action]] = {"nominatim": deque(), "overpass": deque()}
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="osm-server", daemon=True)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> OSMServer:
        """Start serving; returns ``self``."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests, stop serving and close the socket."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OSMServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------ configuration / inspection
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def nominatim_url(self) -> str:
        """Base URL to use as ``nominatim_url``."""
        return self.base_url + NOMINATIM_PREFIX

    @property
    def overpass_url(self) -> str:
        """Base URL to use as ``overpass_url``."""
        return self.base_url + OVERPASS_PREFIX

    def script(self, service: str, *actions: Action) -> None:
        """Queue misbehaviour for the next requests to ``service`` (``"nominatim"`` or ``"overpass"``).

        Each request to the service's data endpoint (search / interpreter) takes the next action;
        once the queue is empty the recorded response is served again.
        """
        with self._lock:
            self._scripts[service].extend(actions)

    def count(self, service: str | None = None) -> int:
        """Number of requests received, in total or for one service."""
        with self._lock:
            return sum(1 for s, _, _ in self.requests if service is None or s == service)

    def reset(self) -> None:
        """Forget the counted requests and any queued misbehaviour."""
        with self._lock:
            self.requests.clear()
            for q in self._scripts.values():
                q.clear()

    def _next_action(self, service: str) -> Action | None:
        with self._lock:
            q = self._scripts[service]
            return q.popleft() if q else None

    def _record(self, service: str, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((service, method, path))


class _QuietServer(ThreadingHTTPServer):
    """A server that does not print a traceback for a client that went away (a timeout test, a truncated body)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def _make_handler(server: OSMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._handle("POST")

        def _handle(self, method: str) -> None:
            path = urlsplit(self.path).path
            if path.startswith(NOMINATIM_PREFIX + "/"):
                service, endpoint = "nominatim", path[len(NOMINATIM_PREFIX) + 1:]
            elif path.startswith(OVERPASS_PREFIX + "/"):
                service, endpoint = "overpass", path[len(OVERPASS_PREFIX) + 1:]
            else:
                server._record("other", method, path)
                self._send(404, b"not found", "text/plain")
                return
            server._record(service, method, path)
            if endpoint == "status":
                text = "OK" if service == "nominatim" else OVERPASS_STATUS
                self._send(200, text.encode(), "text/plain")
                return
            if (service, endpoint) not in {
                ("nominatim", "search"), ("nominatim", "lookup"), ("nominatim", "reverse"),
                ("overpass", "interpreter"),
            }:
                self._send(404, b"not found", "text/plain")
                return
            body = server.nominatim_body if service == "nominatim" else server.overpass_body
            action = server._next_action(service)
            if action is None:
                self._send(200, body)
            elif isinstance(action, int):
                self._send(action, f"<html><body>{action} error</body></html>".encode(), "text/html",
                           extra={"Retry-After": "1"} if action in (429, 503) else None)
            elif action == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
            elif action == "garbage":
                self._send(200, b"<html><body>502 Bad Gateway (proxy)</body></html>", "text/html")
            elif action == "remark":
                self._send(200, REMARK)
            elif action == "hang":
                server._stopping.wait(server.hang_s)
                try:
                    self._send(200, body)
                except OSError:  # the client gave up
                    pass
            else:  # pragma: no cover - a typo in a test
                raise ValueError(f"unknown action {action!r}")

        def _send(self, status: int, body: bytes, ctype: str = "application/json",
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    return Handler
