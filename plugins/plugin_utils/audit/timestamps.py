# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 3161 timestamps on audit checkpoints: a witness the installation does not control.

Signed checkpoints and the anchor prove the log was not cut or edited *by someone without the installation's keys*.
Someone with them (root on the controller) could rebuild the whole log and re-sign it. A timestamp token from an
outside time-stamping authority (TSA) over a checkpoint closes that gap: the TSA vouches that this exact checkpoint
existed at a time, and nobody here can mint such a token later for a rebuilt history.

Why each choice:
- The imprint is sha256 over the checkpoint's signed payload *and* its chain ``hash``, so the token binds the exact
  checkpoint record, including its place in the hash chain, not only the tree head.
- The token stored is the whole DER TimeStampResp as the TSA sent it: that is what rfc3161-client parses and
  verifies directly (it has no entry point for a bare TimeStampToken), and it keeps the TSA's status with it.
- The request carries a random nonce and asks for the TSA certificate; the answer is checked for status, nonce and
  imprint before it is returned, so a replayed or misdirected answer is refused at once, not found at audit time.
- The network call is bounded: http(s) only, no redirects (a redirect could move the request somewhere the operator
  did not configure), a size limit, and a wall-clock deadline that shuts the socket, because a per-read socket
  timeout alone lets a server that trickles one byte at a time hold the caller indefinitely.
- ``verify_timestamp`` never raises for bad input: ``audit verify`` reports problems rather than crashing on them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import re
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..core.errors import GatekeeperError
from ..core.requirements import lazy
from .checkpoint import checkpoint_payload

if TYPE_CHECKING:
    import rfc3161_client
    from cryptography import x509
else:  # loaded when a checkpoint is first timestamped or a token first verified
    rfc3161_client = lazy("rfc3161_client")
    x509 = lazy("cryptography.x509")

__all__ = ["TimestampError", "imprint", "request_timestamp", "timestamp_time", "verify_timestamp"]


@functools.cache
def _sha256_oid() -> x509.ObjectIdentifier:
    return x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


_HASH_RE = re.compile(r"[0-9a-f]{64}")
_HINT = "check PRAXIS_TSA_URL (or [praxis_gatekeeper] tsa_url) and that the time-stamping authority is reachable"


class TimestampError(GatekeeperError):
    """A timestamp could not be obtained from the configured TSA, or its answer was not acceptable."""


def imprint(checkpoint: Mapping[str, Any]) -> bytes:
    """The 32-byte digest a TSA signs for ``checkpoint``: sha256(checkpoint_payload || "\\n" || hash)."""
    return hashlib.sha256(_message(checkpoint)).digest()


def _message(checkpoint: Mapping[str, Any]) -> bytes:
    record_hash = checkpoint.get("hash")
    if not isinstance(record_hash, str) or not _HASH_RE.fullmatch(record_hash):
        raise TimestampError("the checkpoint has no valid 'hash' field to timestamp", hint="pass a written checkpoint")
    return checkpoint_payload(checkpoint) + b"\n" + record_hash.encode("ascii")


def request_timestamp(
    checkpoint: Mapping[str, Any],
    *,
    url: str,
    timeout: float = 5.0,
    max_response: int = 64 * 1024,
    roots_pem: bytes | None = None,
    post: Transport | None = None,
) -> bytes:
    """Ask the TSA at ``url`` to timestamp ``checkpoint``; return the DER TimeStampResp it granted.

    ``post`` carries the request: the gate passes the egress filter's client (SEC-7: checked, pinned addresses, no
    redirects); without it a direct urllib exchange is used (the audit package may not import the filter).

    ``timeout`` bounds the whole exchange (connect, TLS, headers, body). With ``roots_pem`` the answer must also
    pass :func:`verify_timestamp` before it is returned. Every failure raises :class:`TimestampError`.
    """
    _check_url(url)
    if not 0 < timeout <= 300:
        raise TimestampError(f"the TSA timeout must be between 0 and 300 seconds, got {timeout!r}", hint=_HINT)
    if max_response < 1:
        raise TimestampError(f"the TSA response limit must be positive, got {max_response!r}", hint=_HINT)
    digest = imprint(checkpoint)
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(_message(checkpoint))
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    if request.message_imprint.message != digest or request.nonce is None:
        raise TimestampError("internal error: the timestamp request does not carry the checkpoint's imprint")
    if post is None:
        body = _post(url, request.as_bytes(), timeout=timeout, max_response=max_response)
    else:
        body = post(url, request.as_bytes(), dict(_HEADERS), timeout, max_response)
        if len(body) > max_response:
            raise TimestampError(f"the TSA at {url} sent more than {max_response} bytes", hint=_HINT)
    try:
        response = rfc3161_client.decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(
            f"the TSA at {url} answered with something that is not a TimeStampResp: {_short(exc)}", hint=_HINT
        ) from exc
    if response.status != rfc3161_client.PKIStatus.GRANTED:
        raise TimestampError(f"the TSA at {url} did not grant the timestamp: {_status(response)}", hint=_HINT)
    try:
        info = response.tst_info
        certificates = response.signed_data.certificates
    except ValueError as exc:
        raise TimestampError(f"the TSA at {url} granted a malformed token: {_short(exc)}", hint=_HINT) from exc
    if info.message_imprint.hash_algorithm != _sha256_oid() or info.message_imprint.message != digest:
        raise TimestampError(
            f"the TSA at {url} timestamped something other than this checkpoint (imprint mismatch)", hint=_HINT
        )
    if info.nonce is None:
        raise TimestampError(
            f"the TSA at {url} left the nonce out of its token, so a replay cannot be ruled out", hint=_HINT
        )
    if info.nonce != request.nonce:
        raise TimestampError(
            f"the TSA at {url} answered another request (nonce mismatch; a replayed answer?)", hint=_HINT
        )
    if not certificates:
        raise TimestampError(f"the TSA at {url} left out its certificate although the request asked for it", hint=_HINT)
    if roots_pem is not None:
        problem = verify_timestamp(body, checkpoint, roots_pem=roots_pem)
        if problem is not None:
            raise TimestampError(
                f"the token from the TSA at {url} does not verify: {problem}",
                hint="check PRAXIS_TSA_CA names the root that issued the TSA's certificate",
            )
    return body


def verify_timestamp(token: bytes, checkpoint: Mapping[str, Any], *, roots_pem: bytes) -> str | None:
    """None when ``token`` is a granted TimeStampResp, signed by a TSA certificate that chains to one of
    ``roots_pem`` and carries the critical timeStamping EKU, over this checkpoint's imprint; otherwise a short
    description of the problem. Never raises for bad input."""
    try:
        expected = imprint(checkpoint)
    except TimestampError as exc:
        return exc.message
    try:
        roots = x509.load_pem_x509_certificates(roots_pem)
    except (ValueError, TypeError) as exc:
        return f"the TSA root certificate(s) cannot be read: {_short(exc)}"
    try:
        response = rfc3161_client.decode_timestamp_response(bytes(token))
        if response.status != rfc3161_client.PKIStatus.GRANTED:
            return f"the token's status is not granted: {_status(response)}"
        if response.tst_info.message_imprint.hash_algorithm != _sha256_oid():
            return "the token's imprint is not sha256"
        if response.tst_info.message_imprint.message != expected:
            return "the token is for something other than this checkpoint (imprint mismatch)"
        builder = rfc3161_client.VerifierBuilder()
        for root in dict.fromkeys(roots):  # the builder refuses duplicates; keep the operator's order
            builder = builder.add_root_certificate(root)
        builder.build().verify(response, expected)
    except Exception as exc:  # the verifier raises VerificationError, ValueError and others for hostile input
        return f"the token does not verify: {_short(exc)}"
    except BaseException as exc:  # a Rust panic in the parser surfaces as pyo3's PanicException (a BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        return f"the token does not verify: {_short(exc)}"
    return None


def timestamp_time(token: bytes) -> datetime | None:
    """The time a token claims (TSTInfo genTime), or None when it cannot be read. Unverified: trust it only after
    :func:`verify_timestamp` returned None for the same token."""
    try:
        return rfc3161_client.decode_timestamp_response(bytes(token)).tst_info.gen_time
    except Exception:
        return None


_HEADERS = {
    "Content-Type": "application/timestamp-query",
    "Accept": "application/timestamp-reply",
    "User-Agent": "praxis-gatekeeper",
}
# (url, body, headers, timeout, max_response) -> the answer's body; raises TimestampError
Transport = Callable[[str, bytes, Mapping[str, str], float, int], bytes]


def _check_url(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except (ValueError, TypeError) as exc:
        raise TimestampError(f"the TSA URL {url!r} is not a URL", hint=_HINT) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TimestampError(f"the TSA URL must be an http(s) URL with a host, got {url!r}", hint=_HINT)
    if parts.username is not None or parts.password is not None:
        # urllib would not send them anyway, and every error message (and the audit log) would repeat them
        raise TimestampError("the TSA URL must not carry credentials (user:password@)", hint=_HINT)


def _post(url: str, data: bytes, *, timeout: float, max_response: int) -> bytes:
    request = urllib.request.Request(  # noqa: S310 - _check_url admitted only http(s); redirects are refused
        url,
        data=data,
        method="POST",
        headers=dict(_HEADERS),
    )
    with _Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(
            _NoRedirect(), _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline)
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                if response.status != 200:
                    raise TimestampError(f"the TSA at {url} answered HTTP {response.status}", hint=_HINT)
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.strip().isdigit() and int(declared) > max_response:
                    raise TimestampError(
                        f"the TSA at {url} announced a {int(declared)}-byte answer; the limit is {max_response} bytes",
                        hint=_HINT,
                    )
                body: bytes = response.read(max_response + 1)
        except urllib.error.HTTPError as exc:
            with contextlib.suppress(Exception):
                exc.close()
            if 300 <= exc.code < 400:
                where = exc.headers.get("Location", "?") if exc.headers else "?"
                raise TimestampError(
                    f"the TSA at {url} redirected to {where}; redirects are refused",
                    hint="configure the TSA's final URL",
                ) from exc
            raise TimestampError(f"the TSA at {url} answered HTTP {exc.code} {exc.reason}", hint=_HINT) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            if (
                deadline.expired
                or isinstance(exc, TimeoutError)
                or isinstance(getattr(exc, "reason", None), TimeoutError)
            ):
                raise TimestampError(f"the TSA at {url} did not answer within {timeout:g} s", hint=_HINT) from exc
            raise TimestampError(f"cannot reach the TSA at {url}: {_short(exc)}", hint=_HINT) from exc
    if deadline.expired:
        raise TimestampError(f"the TSA at {url} did not answer within {timeout:g} s", hint=_HINT)
    if len(body) > max_response:
        raise TimestampError(f"the TSA at {url} sent more than {max_response} bytes", hint=_HINT)
    return body


def _status(response: rfc3161_client.TimeStampResponse) -> str:
    try:
        name = rfc3161_client.PKIStatus(response.status).name.lower()
    except ValueError:
        name = f"unknown status {response.status}"
    text = "; ".join(response.status_string)[:200]
    return f"{name} ({text})" if text else name


def _short(exc: BaseException) -> str:
    """One line: OpenSSL's error stack is cut down to its reasons (e.g. "unsuitable certificate purpose")."""
    text = str(exc) or type(exc).__name__
    head, _separator, stack = text.partition(": ErrorStack(")
    if stack:
        details = dict.fromkeys(re.findall(r'(?:reason|data): "([^"]{1,120})"', stack))
        text = f"{head} ({'; '.join(details)})" if details else head
    return text.splitlines()[0][:240]


class _Deadline:
    """Shuts the connection's socket when the time is up, so no server can hold the caller past ``timeout``.

    Sockets are tracked as duplicates of their descriptor: ``shutdown`` on the duplicate ends the one connection
    underneath, whether a TLS layer has since been wrapped around the original or not.
    """

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def track(self, sock: socket.socket) -> None:
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shutdown(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Tracking(http.client.HTTPConnection):
    """Registers the TCP socket with the deadline as soon as it is connected (before any TLS handshake)."""

    _deadline: _Deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.track(self.sock)


class _TrackedHTTPConnection(_Tracking):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        self._deadline = deadline
        super().__init__(*args, **kwargs)


class _TrackedHTTPSConnection(http.client.HTTPSConnection, _Tracking):
    """HTTPSConnection.connect reaches _Tracking.connect (the MRO) for the TCP part, then wraps it in TLS."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        self._deadline = deadline
        super().__init__(*args, **kwargs)


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_TrackedHTTPConnection, deadline=self._deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline
        self._tls = ssl.create_default_context()

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_TrackedHTTPSConnection, deadline=self._deadline), req, context=self._tls)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an HTTPError: the request goes to the configured URL or nowhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
