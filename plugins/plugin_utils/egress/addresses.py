# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which addresses are off limits (SEC-7), and how a host literal is read in every spelling a resolver accepts.

The table lists the ranges by name so a refusal can say why; behind it, any address ``ipaddress`` does not call
globally reachable is refused as well (a range the table forgot rounds up, never down). IPv6 addresses that carry an
IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the IPv4 address they reach.

Host literals are read the way ``inet_aton`` (glibc's resolver, which ``getaddrinfo`` uses) reads them: one to
four parts, each decimal, octal (``0`` prefix) or hexadecimal (``0x``), the last part filling the remaining bytes;
so ``2130706433``, ``0x7f.1``, ``017700000001`` and ``127.1`` are all 127.0.0.1. Full-width digits are folded
(NFKC, as IDNA does), a trailing dot and percent-escapes are read through, and an IPv6 zone is dropped.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "BLOCKED_RANGES",
    "METADATA_ADDRESSES",
    "METADATA_NAMES",
    "Address",
    "EgressPolicy",
    "blocked_reason",
    "egress_data",
    "egress_fingerprint",
    "embedded_ipv4",
    "is_metadata",
    "normalise_host",
    "parse_ip_literal",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# (network, why). IANA special-purpose registries (RFC 6890 and successors) plus the addresses that reach a cloud
# provider's metadata service. Order is for reading; every entry is checked.
BLOCKED_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified / this network"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (CGNAT, RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (the cloud metadata service 169.254.169.254)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "broadcast"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/23", "IETF protocol assignments (Teredo, ORCHID, benchmarking)"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("5f00::/16", "segment routing (SRv6) identifiers"),
    ("fc00::/7", "unique local (private; fd00:ec2::254 is a metadata service)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
)
_NETWORKS: tuple[tuple[Network, str], ...] = tuple((ipaddress.ip_network(net), why) for net, why in BLOCKED_RANGES)

# Metadata services: refused even for tasks that run on a managed host (where every other private address may be
# the host's own business). Names are compared case-insensitively without a trailing dot.
METADATA_ADDRESSES: tuple[str, ...] = (
    "169.254.169.254",  # AWS, Azure, GCP, OpenStack, DigitalOcean, Oracle ...
    "169.254.170.2",  # AWS ECS task metadata
    "169.254.169.123",  # AWS time sync (same link-local service network)
    "100.100.100.200",  # Alibaba Cloud
    "fd00:ec2::254",  # AWS over IPv6
    "fd00:ec2::23",
)
METADATA_NAMES: tuple[str, ...] = (
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.internal",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
)
_METADATA_IPS = frozenset(ipaddress.ip_address(a) for a in METADATA_ADDRESSES)
# IPv6 prefixes that embed an IPv4 destination in their low (or, for 6to4, second) 32 bits.
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")

_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")


def egress_data() -> dict[str, object]:
    """The filter's rule data, fingerprinted like the ruleset's (a change needs a new EGRESS_VERSION line)."""
    return {
        "blocked": [list(entry) for entry in BLOCKED_RANGES],
        "metadata_addresses": list(METADATA_ADDRESSES),
        "metadata_names": list(METADATA_NAMES),
        "embedded": [str(_MAPPED), str(_COMPATIBLE), str(_NAT64), str(_SIX_TO_FOUR)],
    }


def egress_fingerprint() -> str:
    blob = json.dumps(egress_data(), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def normalise_host(host: str) -> str:
    """A host as a resolver will see it: percent-escapes decoded, NFKC-folded (full-width digits and dots become
    ASCII, as IDNA folds them), brackets, an IPv6 zone and a trailing dot dropped, lower case."""
    text = urllib.parse.unquote(host.strip())
    text = unicodedata.normalize("NFKC", text).replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0] if ":" in text else text  # fe80::1%eth0: the zone is not part of the address
    return text.rstrip(".").lower()


def parse_ip_literal(host: str) -> Address | None:
    """The address a host literal names in any spelling ``inet_aton``/``inet_pton`` accept, or None for a name."""
    text = normalise_host(host)
    if not text:
        return None
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.fullmatch(p) for p in parts):
        return None
    values: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            values.append(int(part[2:], 16))
        elif part.startswith("0") and len(part) > 1:
            values.append(int(part[1:], 8))
        else:
            values.append(int(part, 10))
    *head, last = values
    if any(v > 255 for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = 0
    for value in head:
        number = number << 8 | value
    number = number << (8 * (4 - len(head))) | last
    return ipaddress.IPv4Address(number)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 destination an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in _MAPPED or address in _NAT64 or (address in _COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
    return None


def blocked_reason(address: Address) -> str | None:
    """Why ``address`` is off limits, or None when it is globally reachable."""
    inner = embedded_ipv4(address)
    if inner is not None:
        why = blocked_reason(inner)
        return f"{why} (carried inside the IPv6 address {address})" if why else None
    for network, why in _NETWORKS:
        if address.version == network.version and address in network:
            return why
    if not address.is_global:
        return "not globally reachable (IANA special-purpose)"
    return None


def is_metadata(address: Address | None, host: str = "") -> bool:
    """Whether a destination is a cloud metadata service: its address, any link-local address, or its name."""
    if address is not None:
        inner = embedded_ipv4(address)
        if inner is not None:
            address = inner
        return address in _METADATA_IPS or address.is_link_local
    return normalise_host(host) in METADATA_NAMES


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    """The operator's exceptions: networks (CIDR or single addresses) and exact host names that may be reached
    although the table refuses them. A name on the list admits the addresses it resolves to; anything else is still
    checked address by address."""

    networks: tuple[Network, ...] = ()
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, entries: Iterable[str]) -> EgressPolicy:
        """Entries as the operator writes them; a malformed entry raises ValueError naming it."""
        networks: list[Network] = []
        names: set[str] = set()
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = normalise_host(entry)
            if not re.fullmatch(r"[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_])?", name) or parse_ip_literal(name):
                raise ValueError(f"not a network, address or host name: {raw!r}")
            names.add(name)
        return cls(tuple(networks), frozenset(names))

    def admits(self, address: Address) -> bool:
        candidates: Sequence[Address] = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates = [address, inner]
        return any(c.version == n.version and c in n for c in candidates for n in self.networks)

    def admits_name(self, host: str) -> bool:
        return normalise_host(host) in self.names
