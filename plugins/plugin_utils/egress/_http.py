# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The egress client's HTTP exchange: connections pinned to the checked addresses, one wall-clock deadline.

Kept apart from client.py so that the gate, which checks URLs at every task (core/egress_stage.py) and builds its
resolver when it arms, does not import http.client and ssl: they load with the first request actually sent (a
checkpoint timestamp, an approval webhook), not with every one-task run (docs/performance.md, start-up).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import ssl
import time
from types import TracebackType
from typing import Any

from .addresses import normalise_host
from .client import EgressError, Target

__all__ = ["Deadline", "exchange"]


def exchange(
    target: Target,
    *,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    deadline: Deadline,
    max_response: int,
    tls: ssl.SSLContext | None,
    shown: str,
) -> tuple[int, str | None, bytes]:
    headers.setdefault("User-Agent", "praxis-gatekeeper")
    errors: list[str] = []
    for address in target.addresses:
        if deadline.expired:
            break
        connection = _connection(target, address, deadline, tls)
        try:
            connection.request(method, target.path, body=body, headers=headers)
            response = connection.getresponse()
            declared = response.getheader("Content-Length")
            if declared and declared.strip().isdigit() and int(declared) > max_response:
                raise EgressError(f"{shown} announced a {int(declared)}-byte answer; the limit is {max_response}")
            payload = response.read(max_response + 1)
            if len(payload) > max_response:
                raise EgressError(f"{shown} sent more than {max_response} bytes")
            if deadline.expired:
                raise EgressError(f"{shown} did not answer within {deadline.seconds:g} s")
            return response.status, response.getheader("Location"), payload
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # a socket timeout is the deadline too: sockets time out at what remains of it, a hair before the timer
            if deadline.expired or isinstance(exc, TimeoutError):
                raise EgressError(f"{shown} did not answer within {deadline.seconds:g} s") from exc
            errors.append(f"{address}: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}")
        finally:
            with contextlib.suppress(Exception):
                connection.close()
    if deadline.expired:
        raise EgressError(f"{shown} did not answer within {deadline.seconds:g} s")
    raise EgressError(f"cannot reach {shown}: {'; '.join(errors) or 'no address'}")


def _connection(
    target: Target, address: str, deadline: Deadline, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    host = normalise_host(target.host)
    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            host, target.port, address=address, deadline=deadline, context=tls or ssl.create_default_context()
        )
    return _PinnedHTTPConnection(host, target.port, address=address, deadline=deadline)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, never to whatever the name resolves to now; Host stays the URL's."""

    def __init__(self, host: str, port: int, *, address: str, deadline: Deadline) -> None:
        super().__init__(host, port, timeout=max(0.05, deadline.remaining()))
        self._address = address
        self._deadline = deadline

    def _open(self) -> socket.socket:
        return socket.create_connection((self._address, self.port), max(0.05, self._deadline.remaining()))

    def connect(self) -> None:
        self.sock = _BoundedSocket(self._open(), self._deadline)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS over the pinned TCP connection, verified against the URL's host name (not the address)."""

    def __init__(self, host: str, port: int, *, address: str, deadline: Deadline, context: ssl.SSLContext) -> None:
        super().__init__(host, port, address=address, deadline=deadline)
        self._tls = context

    def connect(self) -> None:
        raw = self._open()
        self._deadline.arm(raw)
        self.sock = _BoundedSocket(self._tls.wrap_socket(raw, server_hostname=self.host), self._deadline)


class Deadline:
    """One wall-clock deadline for a whole exchange, kept without threads (the run's end, where notifications are
    sent, may be interpreter shutdown, where no thread can start): every send and receive gets what remains of it as
    its timeout, so a server that trickles one byte at a time cannot hold the caller past ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds

    def __enter__(self) -> Deadline:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._ends

    def remaining(self) -> float:
        return max(0.0, self._ends - time.monotonic())

    def arm(self, sock: socket.socket) -> None:
        left = self.remaining()
        if left <= 0:
            raise TimeoutError(f"the {self.seconds:g} s deadline passed")
        sock.settimeout(left)


class _BoundedSocket:
    """A connected socket whose every send and receive is held to the deadline (what http.client uses of it).

    Like a socket's own ``makefile``, the reader keeps the socket open until both are closed: http.client closes the
    connection's socket while the response is still being read."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self.sock = sock
        self.deadline = deadline
        self._readers = 0
        self._closed = False

    def sendall(self, data: bytes) -> None:
        self.deadline.arm(self.sock)
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_BoundedReader(self))

    def settimeout(self, value: float | None) -> None:
        self.sock.settimeout(value)

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closed and self._readers <= 0:
            self.sock.close()

    def close(self) -> None:
        self._closed = True
        if self._readers <= 0:
            self.sock.close()


class _BoundedReader(io.RawIOBase):
    def __init__(self, owner: _BoundedSocket) -> None:
        super().__init__()
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._owner.deadline.arm(self._owner.sock)
        return self._owner.sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._owner.reader_closed()
        super().close()
