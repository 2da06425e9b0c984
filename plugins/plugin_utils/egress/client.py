# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every outbound HTTP(S) connection the runner makes (SEC-7): checked, pinned, bounded.

- A URL's host is read in every spelling (``addresses.parse_ip_literal``); a name is resolved exactly once, every
  address it resolves to is checked, and the connection goes to those checked addresses only (the TCP connection is
  opened to the address, while the ``Host`` header and TLS name stay the URL's), so a resolver that answers one
  address to the check and another to the connection (DNS rebinding) has nothing to rebind.
- A redirect is a new destination: it is checked the same way before anything is sent to it, and only a bounded
  number are followed. A POST follows 307 and 308 only (the others would turn it into a GET).
- The whole exchange has a wall-clock deadline that shuts the socket, because a per-read timeout alone lets a server
  that trickles one byte at a time hold the caller; the answer is read up to a size limit.
- No proxy is consulted: a proxy would make the connection somewhere the check never saw.
"""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.errors import GatekeeperError
from .addresses import Address, EgressPolicy, blocked_reason, normalise_host, parse_ip_literal

if TYPE_CHECKING:
    import ssl

__all__ = [
    "EgressError",
    "EgressRefused",
    "Resolver",
    "Response",
    "Target",
    "check_url",
    "redacted_url",
    "request",
    "system_resolver",
]

Resolver = Callable[[str, int], Sequence[str]]
_SCHEMES = {"http": 80, "https": 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_KEEP_METHOD = frozenset({307, 308})


class EgressRefused(GatekeeperError):
    """A destination the egress filter does not allow; the message names the address and the range."""


class EgressError(GatekeeperError):
    """An allowed destination that could not be reached or answered badly (down, too slow, too much)."""


# No generated __eq__, __hash__ or __repr__ (eq=False, repr=False): never compared, hashed or printed, and each
# generated method is compiled when the class is created, in every gated run's start-up (issue 22).
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Target:
    """A checked destination: where to connect (``addresses``, in order) and what to call it (``host``)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Response:
    status: int
    body: bytes
    url: str  # the URL that answered (after redirects), redacted
    redirects: int


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP), in its order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def redacted_url(url: str) -> str:
    """scheme://host[:port]/… : a webhook URL often carries its secret in the path or the query."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}/…"


def check_url(url: str, policy: EgressPolicy, *, resolver: Resolver = system_resolver) -> Target:
    """Resolve ``url``'s host once and check every address; the Target pins the connection to them.

    Raises EgressRefused for a destination the filter refuses (or that cannot be read or resolved: what cannot be
    checked is not reached)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EgressRefused(f"egress refused: {url[:80]!r} is not a URL ({exc})", hint=_HINT) from exc
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise EgressRefused(f"egress refused: only http and https are used, not {scheme or 'no scheme'}", hint=_HINT)
    if parts.username is not None or parts.password is not None:
        raise EgressRefused("egress refused: a URL must not carry credentials (user:password@)", hint=_HINT)
    host = parts.hostname or ""
    if not host or "\\" in parts.netloc:
        raise EgressRefused(f"egress refused: {redacted_url(url)} has no host the filter can read", hint=_HINT)
    port = port or _SCHEMES[scheme]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    literal = parse_ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        name = normalise_host(host)
        try:
            resolved = list(resolver(name, port))
        except (OSError, UnicodeError, ValueError) as exc:
            raise EgressRefused(f"egress refused: cannot resolve {name!r} ({exc})", hint=_HINT) from exc
        addresses = []
        for text in resolved:
            address = parse_ip_literal(text)
            if address is None:
                raise EgressRefused(f"egress refused: {name!r} resolved to {text!r}, not an address", hint=_HINT)
            addresses.append(address)
        if not addresses:
            raise EgressRefused(f"egress refused: {name!r} resolved to no address", hint=_HINT)
        if policy.admits_name(name):
            return Target(scheme, host, port, path, tuple(str(a) for a in addresses))
    for address in addresses:
        problem = _refusal(address, policy)
        if problem:
            shown = host if literal is not None else f"{normalise_host(host)} ({address})"
            raise EgressRefused(f"egress refused: {shown} is {problem}", hint=_HINT)
    return Target(scheme, host, port, path, tuple(str(a) for a in addresses))


def _refusal(address: Address, policy: EgressPolicy) -> str | None:
    why = blocked_reason(address)
    if why is None or policy.admits(address):
        return None
    return why


_HINT = (
    "the egress filter refuses private, loopback, link-local (metadata), CGNAT, multicast, reserved and "
    "unspecified addresses; an operator may allowlist a destination with PRAXIS_EGRESS_ALLOW "
    "(or [praxis_gatekeeper] egress_allow)"
)


def request(
    url: str,
    *,
    policy: EgressPolicy,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    max_response: int = 64 * 1024,
    max_redirects: int = 3,
    resolver: Resolver = system_resolver,
    tls: ssl.SSLContext | None = None,
) -> Response:
    """One HTTP exchange through the filter. ``timeout`` bounds everything, redirects included.

    Raises EgressRefused (a destination refused, before anything is sent to it) or EgressError (unreachable, too
    slow, too large, too many redirects); an HTTP error status is a Response, for the caller to judge."""
    if not 0 < timeout <= 300:
        raise EgressError(f"the egress timeout must be between 0 and 300 seconds, got {timeout!r}")
    # The HTTP and TLS stack loads with the first request, not with the gate that checks URLs (docs/performance.md).
    from . import _http  # noqa: PLC0415

    current, redirects = url, 0
    with _http.Deadline(timeout) as deadline:
        while True:
            target = check_url(current, policy, resolver=resolver)
            status, location, payload = _http.exchange(
                target, method=method, body=body, headers=dict(headers or {}), deadline=deadline,
                max_response=max_response, tls=tls, shown=redacted_url(current),
            )  # fmt: skip
            if status not in _REDIRECTS or location is None:
                return Response(status, payload, redacted_url(current), redirects)
            if method == "POST" and status not in _KEEP_METHOD:
                raise EgressError(
                    f"{redacted_url(current)} answered {status} (a redirect that would turn the POST into a GET)"
                )
            redirects += 1
            if redirects > max_redirects:
                raise EgressError(f"{redacted_url(url)}: more than {max_redirects} redirects")
            current = urllib.parse.urljoin(current, location)
