# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gate rules for tasks that fetch a URL (SEC-7): ``uri``, ``get_url``, the ``url`` lookup and their kind.

Where a task runs decides what it may reach:

- on the controller (``connection: local``, ``delegate_to: localhost``, a lookup), the controller's own network is
  at stake: every address the table refuses is refused, for a literal in any encoding and for a name, which is
  resolved once here and refused when any address it resolves to is refused (or when it cannot be resolved: what
  cannot be checked is not fetched);
- on a managed host, that host's private network is its own business, but the cloud metadata service (link-local
  addresses, the metadata names) hands out the machine's credentials, so it is refused there too.

The operator's allowlist (``EgressPolicy``) lifts both. The module fetches on its own later and resolves the name
again, so a resolver that changes its answer between the gate and the module is outside what the gate can pin;
the runner's own connections (``client``) are pinned.
"""

from __future__ import annotations

import concurrent.futures
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .addresses import EgressPolicy, blocked_reason, is_metadata, normalise_host, parse_ip_literal
from .client import Resolver, system_resolver

__all__ = [
    "CONTROLLER_NAMES",
    "FETCHING_MODULES",
    "FETCH_SCHEMES",
    "URL_LOOKUPS",
    "Refusal",
    "bounded_resolver",
    "judge_url",
    "rules_data",
    "url_hosts",
]

FETCH_SCHEMES = frozenset({"http", "https", "ftp"})
# A task delegated to one of these names runs on the controller whatever its connection.
CONTROLLER_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "localhost.localdomain", "ip6-localhost"})
# Lookups that fetch their terms on the controller.
URL_LOOKUPS = frozenset({"ansible.builtin.url"})
# Modules outside ansible.builtin (whose options the policy's option table classifies) that fetch a URL, and the
# options that hold it. A module with no table is read by option name (``*url*``, ``*uri*``).
FETCHING_MODULES: Mapping[str, tuple[str, ...]] = {
    "ansible.windows.win_uri": ("url",),
    "ansible.windows.win_get_url": ("url",),
    "community.general.maven_artifact": ("repository_url",),
    "community.general.jenkins_plugin": ("url", "updates_url"),
}


# No generated __eq__, __hash__ or __repr__ (eq=False, repr=False): never compared, hashed or printed, and each
# generated method is compiled when the class is created, in every gated run's start-up (issue 22).
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Refusal:
    rule: str
    reason: str


def rules_data() -> dict[str, object]:
    return {
        "fetch_schemes": sorted(FETCH_SCHEMES),
        "controller_names": sorted(CONTROLLER_NAMES),
        "url_lookups": sorted(URL_LOOKUPS),
        "fetching_modules": {k: list(v) for k, v in sorted(FETCHING_MODULES.items())},
    }


def url_hosts(text: str) -> list[str]:
    """Every host a client could read out of ``text``: the standard reading, and the reading of clients that take a
    backslash for a slash (``http://127.0.0.1\\@example.com``). Ambiguity rounds up: each must pass."""
    hosts: list[str] = []
    for candidate in (text, text.replace("\\", "/")):
        try:
            host = urllib.parse.urlsplit(candidate.strip()).hostname
        except ValueError:
            host = None
        if host is not None:
            hosts.append(host)
    netloc = text.strip().split("//", 1)[-1]
    for stop in "/\\?#":
        netloc = netloc.split(stop, 1)[0]
    bare = netloc.rpartition("@")[2]
    bare = bare[: bare.rindex("]") + 1] if bare.startswith("[") and "]" in bare else bare.split(":", 1)[0]
    hosts.append(bare)
    return list(dict.fromkeys(h for h in hosts))


def judge_url(
    text: str,
    *,
    on_controller: bool,
    policy: EgressPolicy,
    resolver: Resolver = system_resolver,
) -> Refusal | None:
    """Whether a task may fetch ``text`` from where it runs; None when it may (or ``text`` is no fetchable URL)."""
    stripped = text.strip()
    scheme = stripped.split(":", 1)[0].lower() if ":" in stripped else ""
    if scheme not in FETCH_SCHEMES:
        return None
    for host in url_hosts(stripped):
        refusal = _judge_host(host, on_controller=on_controller, policy=policy, resolver=resolver)
        if refusal is not None:
            return refusal
    return None


def _judge_host(host: str, *, on_controller: bool, policy: EgressPolicy, resolver: Resolver) -> Refusal | None:
    name = normalise_host(host)
    literal = parse_ip_literal(host)
    shown = name[:80] or "(no host)"
    if policy.admits_name(name) or (literal is not None and policy.admits(literal)):
        return None
    if is_metadata(literal, name):
        return Refusal("deny.egress-metadata", f"fetches from the cloud metadata service ({shown})")
    if not on_controller:
        return None
    if not name:
        return Refusal("deny.egress-private", "fetches from a URL without a host (read as this machine)")
    if literal is not None:
        why = blocked_reason(literal)
        return Refusal("deny.egress-private", f"fetches from {shown} on the controller: {why}") if why else None
    if name == "localhost" or name.endswith(".localhost"):
        return Refusal("deny.egress-private", f"fetches from {shown} on the controller: loopback")
    try:
        resolved = list(resolver(name, 443))
    except (OSError, UnicodeError, ValueError, TimeoutError) as exc:
        return Refusal(
            "deny.egress-unresolved",
            f"fetches from {shown} on the controller, which the gate cannot resolve to check ({type(exc).__name__})",
        )
    if not resolved:
        return Refusal("deny.egress-unresolved", f"{shown} resolves to no address the gate can check")
    for text in resolved:
        address = parse_ip_literal(text)
        if address is None:
            return Refusal("deny.egress-unresolved", f"{shown} resolves to {text[:60]!r}, not an address")
        if is_metadata(address):
            return Refusal("deny.egress-metadata", f"{shown} resolves to the cloud metadata service ({address})")
        why = blocked_reason(address)
        if why and not policy.admits(address):
            return Refusal("deny.egress-private", f"fetches from {shown} on the controller: {address} is {why}")
    return None


def bounded_resolver(timeout: float, resolver: Resolver = system_resolver) -> Resolver:
    """``resolver`` with a deadline: the system resolver has none, and a gate decision must not wait on DNS."""

    def resolve(host: str, port: int) -> Sequence[str]:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="praxis-resolve")
        try:
            future = pool.submit(resolver, host, port)
        except RuntimeError:  # interpreter shutdown (a run's end): no thread can start; the resolver's own timeouts
            pool.shutdown(wait=False)
            return resolver(host, port)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as exc:
            raise TimeoutError(f"resolving {host!r} took longer than {timeout:g} s") from exc
        finally:
            pool.shutdown(wait=False)

    return resolve


def option_urls(action: str, args: Mapping[str, object], url_options: Iterable[str] | None) -> list[str]:
    """The URL texts a module's options hold: the options the caller's table marks as URLs, the modules listed here,
    or, for a module nobody describes, every option whose name says url or uri."""
    names: Iterable[str]
    if url_options is not None:
        names = url_options
    elif action in FETCHING_MODULES:
        names = FETCHING_MODULES[action]
    else:
        names = [k for k in args if "url" in str(k).lower() or "uri" in str(k).lower()]
    texts: list[str] = []
    for name in names:
        value = args.get(name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and item.strip():
                texts.append(item)
    return texts
