# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real HTTP receiver on loopback for egress and webhook tests: records what arrives, answers as told.

Behaviours: ``ok`` (200), ``status`` (any status), ``redirect`` (a Location, 302 or 307/308), ``hang`` (accepts the
connection, reads the request, never answers until the test ends), ``flaky`` (fails the first N requests with 503,
then 200). ``down_url()`` gives a URL on a loopback port nothing listens on.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    behaviour: str = "ok"
    status: int = 200
    location: str = ""
    failures: int = 0
    body: bytes = b"ok"
    received: list[Received] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook/secret-path-token"

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def down_url() -> str:
    """A loopback URL with nothing listening (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def _handler(receiver: HttpReceiver) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            if receiver.behaviour == "hang":
                receiver._release.wait(60)
                return
            if receiver.behaviour == "redirect":
                self.send_response(receiver.status if receiver.status in (301, 302, 303, 307, 308) else 302)
                self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = receiver.status
            if receiver.behaviour == "flaky":
                status = 503 if len(receiver.received) <= receiver.failures else 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(receiver.body)))
            self.end_headers()
            self.wfile.write(receiver.body)

        do_GET = do_POST = do_HEAD = _serve

    return Handler
