# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SSRF egress filter (SEC-7), generated from its own table: every blocked range in every encoding a resolver
accepts, refused by the filter and by the gate; public addresses in the same encodings pass (positive control); a
rebinding resolver double gets asked once and the connection goes where the check looked; redirects are re-checked.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.egress import addresses, client, rules
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.egress.addresses import (
    BLOCKED_RANGES,
    EgressPolicy,
    blocked_reason,
    parse_ip_literal,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.egress.client import EgressError, EgressRefused

from tests.http_receiver import HttpReceiver, down_url

NOBODY = EgressPolicy()
PUBLIC_V4 = ("8.8.8.8", "1.1.1.1", "93.184.216.34", "151.101.1.69")
PUBLIC_V6 = ("2606:4700:4700::1111", "2001:4860:4860::8888")
# Pinned so that a change to the filter's data is deliberate (like RULESET_HISTORY for the ruleset).
EGRESS_DATA_FINGERPRINT = "c16b30c2ec56e97ceae616ac734706c2b7debe0d87df0506ec4f048167fa43e5"


# ------------------------------------------------------------------------------------------------ the generators
def _samples(network: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """First, last and a middle address of a range."""
    net = ipaddress.ip_network(network)
    first, last = int(net.network_address), int(net.broadcast_address)
    kind = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
    return list(dict.fromkeys([kind(first), kind(last), kind((first + last) // 2 + 1 if last > first else first)]))


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) - 0x30 + 0xFF10) if c.isdigit() else c for c in text)


def v4_spellings(address: ipaddress.IPv4Address) -> dict[str, str]:
    """Every spelling of an IPv4 address that glibc's inet_aton (what getaddrinfo uses for a literal) accepts,
    plus the URL-level and IPv6 carriers. Keys name the encoding."""
    n = int(address)
    a, b, c, d = address.packed
    spellings = {
        "dotted": str(address),
        "decimal": str(n),
        "hex": f"0x{n:x}",
        "HEX": f"0X{n:X}",
        "octal": f"0{n:o}",
        "dotted-hex": f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
        "dotted-octal": f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
        "three-part": f"{a}.{b}.{c * 256 + d}",
        "two-part": f"{a}.{(b << 16) | (c << 8) | d}",
        "mixed": f"0x{a:x}.{b}.0{c:o}.{d}",
        "trailing-dot": f"{address}.",
        "fullwidth": _fullwidth(str(address)),
        "percent": "".join(f"%{ord(ch):02x}" for ch in str(address)),
        "mapped": f"[::ffff:{address}]",
        "mapped-hex": f"[::ffff:{n >> 16:x}:{n & 0xFFFF:x}]",
        "mapped-long": f"[0:0:0:0:0:ffff:{address}]",
        "nat64": f"[64:ff9b::{address}]",
        "6to4": f"[2002:{n >> 16:x}:{n & 0xFFFF:x}::1]",
    }
    if n > 1:
        spellings["compatible"] = f"[::{address}]"
    return spellings


def v6_spellings(address: ipaddress.IPv6Address) -> dict[str, str]:
    spellings = {
        "compressed": f"[{address.compressed}]",
        "exploded": f"[{address.exploded}]",
        "upper": f"[{address.exploded.upper()}]",
    }
    if address.is_link_local:
        spellings["zone"] = f"[{address.compressed}%25eth0]"
    return spellings


def _spell(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> dict[str, str]:
    return v4_spellings(address) if isinstance(address, ipaddress.IPv4Address) else v6_spellings(address)


BLOCKED_CASES = [
    pytest.param(str(sample), encoding, spelled, id=f"{network}-{sample}-{encoding}")
    for network, _unused in BLOCKED_RANGES
    for sample in _samples(network)
    for encoding, spelled in _spell(sample).items()
]
PUBLIC_CASES = [
    pytest.param(public, encoding, spelled, id=f"{public}-{encoding}")
    for public in (*PUBLIC_V4, *PUBLIC_V6)
    for encoding, spelled in _spell(ipaddress.ip_address(public)).items()
    if encoding not in ("nat64", "6to4", "compatible")  # carriers of a public IPv4 are tested below
]


def _never(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"a literal must not be resolved ({host})")


class CountingResolver:
    """A resolver double: answers from a script, one answer per call (the last repeats), and counts the calls."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


# ------------------------------------------------------------------------------------------------ the table
def test_the_filter_data_is_pinned() -> None:
    assert addresses.egress_fingerprint() == EGRESS_DATA_FINGERPRINT, (
        "the egress filter's data changed: review it and pin the new fingerprint "
        f"({addresses.egress_fingerprint()}), then note the change in docs/egress.md"
    )


@pytest.mark.parametrize(("address", "encoding", "spelled"), BLOCKED_CASES)
def test_every_blocked_range_is_refused_in_every_encoding(address: str, encoding: str, spelled: str) -> None:
    expected = ipaddress.ip_address(address)
    parsed = parse_ip_literal(spelled)
    assert parsed is not None, spelled
    carried = addresses.embedded_ipv4(parsed)
    assert expected in (parsed, carried), (spelled, parsed)
    assert blocked_reason(parsed), f"{spelled} ({encoding}) reaches {address}, which must be refused"
    url = f"http://{spelled}:8080/latest/meta-data/"
    with pytest.raises(EgressRefused, match="egress refused"):
        client.check_url(url, NOBODY, resolver=_never)
    refusal = rules.judge_url(url, on_controller=True, policy=NOBODY, resolver=_never)
    assert refusal is not None and refusal.rule.startswith("deny.egress-"), (url, refusal)


@pytest.mark.parametrize(("address", "encoding", "spelled"), PUBLIC_CASES)
def test_public_addresses_pass_in_the_same_encodings(address: str, encoding: str, spelled: str) -> None:
    parsed = parse_ip_literal(spelled)
    assert parsed is not None
    assert parsed == ipaddress.ip_address(address) or addresses.embedded_ipv4(parsed) == ipaddress.ip_address(address)
    assert blocked_reason(parsed) is None
    target = client.check_url(f"https://{spelled}/x", NOBODY, resolver=_never)
    assert target.addresses == (str(parsed),)
    assert rules.judge_url(f"https://{spelled}/x", on_controller=True, policy=NOBODY, resolver=_never) is None


@pytest.mark.parametrize("public", PUBLIC_V4)
@pytest.mark.parametrize("carrier", ["nat64", "6to4", "compatible", "mapped"])
def test_ipv6_carriers_of_a_public_ipv4_address_pass(public: str, carrier: str) -> None:
    spelled = v4_spellings(ipaddress.IPv4Address(public))[carrier]
    assert rules.judge_url(f"http://{spelled}/", on_controller=True, policy=NOBODY, resolver=_never) is None


def _v4_encodings() -> Iterator[tuple[str, str]]:
    for network, _unused in BLOCKED_RANGES:
        for sample in _samples(network):
            if isinstance(sample, ipaddress.IPv4Address):
                for encoding, spelled in v4_spellings(sample).items():
                    if encoding not in ("fullwidth", "percent") and not spelled.startswith("["):
                        yield str(sample), spelled.rstrip(".")


@pytest.mark.parametrize(("address", "spelled"), list(_v4_encodings()))
def test_the_literal_reader_agrees_with_inet_aton(address: str, spelled: str) -> None:
    """The reader is held to the C library the resolver uses: what inet_aton reads, it reads the same."""
    assert socket.inet_ntoa(socket.inet_aton(spelled)) == address
    assert str(parse_ip_literal(spelled)) == address


@pytest.mark.parametrize(
    "text", ["example.com", "256.1.1.1", "1.2.3.4.5", "08.1.1.1", "1..1", "", "a.b.c.d", "0x", "0X.1"]
)
def test_names_and_invalid_literals_are_not_addresses(text: str) -> None:
    assert parse_ip_literal(text) is None


def test_the_allowlist_admits_only_what_it_names() -> None:
    policy = EgressPolicy.parse(["10.20.0.0/16", "hooks.internal", "192.0.2.7"])
    assert client.check_url("http://10.20.3.4/", policy, resolver=_never).addresses == ("10.20.3.4",)
    assert client.check_url("http://[::ffff:10.20.3.4]/", policy, resolver=_never)
    assert client.check_url("http://192.0.2.7/", policy, resolver=_never)
    with pytest.raises(EgressRefused):
        client.check_url("http://10.21.0.1/", policy, resolver=_never)
    with pytest.raises(EgressRefused):
        client.check_url("http://192.0.2.8/", policy, resolver=_never)
    named = client.check_url("https://hooks.internal/x", policy, resolver=CountingResolver(["10.99.0.1"]))
    assert named.addresses == ("10.99.0.1",)
    with pytest.raises(ValueError, match="not a network"):
        EgressPolicy.parse(["bad name!"])


# ------------------------------------------------------------------------------------------------ resolution
def test_a_name_is_refused_when_any_address_it_resolves_to_is_refused() -> None:
    resolver = CountingResolver(["93.184.216.34", "10.0.0.5"])
    with pytest.raises(EgressRefused, match=r"\(10\.0\.0\.5\) is private"):
        client.check_url("https://mixed.example/", NOBODY, resolver=resolver)
    assert resolver.calls == ["mixed.example"]


@pytest.mark.parametrize("answer", [["169.254.169.254"], ["::ffff:169.254.169.254"], ["fd00:ec2::254"]])
def test_a_name_that_resolves_to_the_metadata_service_is_refused(answer: list[str]) -> None:
    with pytest.raises(EgressRefused):
        client.check_url("http://innocent.example/", NOBODY, resolver=CountingResolver(answer))
    refusal = rules.judge_url("http://innocent.example/", on_controller=True, policy=NOBODY,
                              resolver=CountingResolver(answer))  # fmt: skip
    assert refusal is not None and refusal.rule == "deny.egress-metadata"


def test_an_unresolvable_name_is_refused_not_guessed() -> None:
    def failing(host: str, port: int) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(EgressRefused, match="cannot resolve"):
        client.check_url("http://nowhere.invalid/", NOBODY, resolver=failing)
    refusal = rules.judge_url("http://nowhere.invalid/", on_controller=True, policy=NOBODY, resolver=failing)
    assert refusal is not None and refusal.rule == "deny.egress-unresolved"


def test_a_slow_resolver_is_cut_off() -> None:
    def slow(host: str, port: int) -> Sequence[str]:
        time.sleep(2)
        return ["93.184.216.34"]

    with pytest.raises(TimeoutError):
        rules.bounded_resolver(0.2, slow)("slow.example", 443)


def test_rebinding_gets_one_answer_and_the_connection_goes_where_the_check_looked() -> None:
    """The double answers the allowlisted receiver first and the metadata address on every later call: the client
    asks once and connects to the address it checked."""
    with HttpReceiver() as receiver:
        resolver = CountingResolver(["127.0.0.1"], ["169.254.169.254"])
        policy = EgressPolicy.parse(["127.0.0.1/32"])
        response = client.request(
            f"http://rebind.example:{receiver.port}/x", policy=policy, resolver=resolver, timeout=5
        )
    assert response.status == 200
    assert resolver.calls == ["rebind.example"]
    assert receiver.received and receiver.received[0].headers["Host"] == f"rebind.example:{receiver.port}"


def test_without_pinning_the_rebinding_double_would_reach_the_second_address() -> None:
    """Negative control: the double really does change its answer, so the test above shows pinning."""
    resolver = CountingResolver(["127.0.0.1"], ["169.254.169.254"])
    assert resolver("rebind.example", 80) != resolver("rebind.example", 80)


# ------------------------------------------------------------------------------------------------ redirects
@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.1.2.3/",
        "http://0x7f000002:9/",  # 127.0.0.2: the allowlist names 127.0.0.1 only
        "http://[::ffff:192.168.0.1]/",
        "http://internal.example/",  # resolves to a private address (the double)
        "ftp://93.184.216.34/",  # a scheme the client does not speak
    ],
)
@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_to_a_refused_destination_is_refused_before_anything_is_sent(
    location: str, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        connected.append(address)
        return real(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client.socket, "create_connection", recording)
    policy = EgressPolicy.parse(["127.0.0.1/32"])
    resolver = CountingResolver(["192.168.7.7"])
    with (
        HttpReceiver(behaviour="redirect", status=status, location=location) as receiver,
        pytest.raises(EgressRefused),
    ):
        client.request(receiver.url, policy=policy, resolver=resolver, timeout=5)
    assert connected == [("127.0.0.1", receiver.port)], connected


def test_an_allowed_redirect_is_followed_and_bounded() -> None:
    policy = EgressPolicy.parse(["127.0.0.1/32"])
    with HttpReceiver() as final, HttpReceiver(behaviour="redirect", status=302, location=final.url) as hop:
        response = client.request(hop.url, policy=policy, resolver=_never, timeout=5)
        assert response.status == 200 and response.redirects == 1 and final.received
    with (
        HttpReceiver(behaviour="redirect", status=302, location="/again") as loop,
        pytest.raises(EgressError, match="more than 3 redirects"),
    ):
        client.request(loop.url, policy=policy, resolver=_never, timeout=5)


def test_a_post_does_not_follow_a_redirect_that_would_drop_its_body() -> None:
    policy = EgressPolicy.parse(["127.0.0.1/32"])
    with (
        HttpReceiver(behaviour="redirect", status=302, location="/elsewhere") as receiver,
        pytest.raises(EgressError, match="turn the POST into a GET"),
    ):
        client.request(receiver.url, policy=policy, method="POST", body=b"{}", resolver=_never, timeout=5)


# ------------------------------------------------------------------------------------------------ bounds
def test_a_hanging_server_is_cut_off_at_the_deadline() -> None:
    policy = EgressPolicy.parse(["127.0.0.1/32"])
    with HttpReceiver(behaviour="hang") as receiver:
        started = time.perf_counter()
        with pytest.raises(EgressError, match="did not answer within"):
            client.request(receiver.url, policy=policy, resolver=_never, timeout=0.5)
        assert time.perf_counter() - started < 3
        assert receiver.received  # it really was reached, and really hung


def test_a_server_that_is_down_is_an_error_not_a_hang() -> None:
    with pytest.raises(EgressError, match="cannot reach"):
        client.request(down_url(), policy=EgressPolicy.parse(["127.0.0.1/32"]), resolver=_never, timeout=5)


def test_an_oversized_answer_is_refused() -> None:
    policy = EgressPolicy.parse(["127.0.0.1/32"])
    with HttpReceiver(body=b"x" * 5000) as receiver, pytest.raises(EgressError, match="5000-byte answer"):
        client.request(receiver.url, policy=policy, resolver=_never, timeout=5, max_response=100)


def test_a_webhook_secret_in_the_url_never_appears_in_an_error() -> None:
    with pytest.raises(EgressError) as caught:
        client.request(down_url() + "/T000/B000/s3cr3t", policy=EgressPolicy.parse(["127.0.0.1/32"]),
                       resolver=_never, timeout=5)  # fmt: skip
    assert "s3cr3t" not in str(caught.value)
    with pytest.raises(EgressRefused) as refused:
        client.check_url("http://10.0.0.1/services/s3cr3t", NOBODY, resolver=_never)
    assert "s3cr3t" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    ["http://user:pw@93.184.216.34/", "file:///etc/passwd", "gopher://93.184.216.34/", "http:///x", "http://a\\@b/"],
)
def test_urls_the_client_will_not_read_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused):
        client.check_url(url, NOBODY, resolver=_never)


# ------------------------------------------------------------------------------------------------ the gate rules
@pytest.fixture
def gates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Gate]:
    monkeypatch.chdir(tmp_path)  # relative lookup terms resolve here, not inside the checkout the gate protects
    made = {}
    for mode in ("open", "guarded", "readonly"):
        env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": mode, "HOME": str(tmp_path)}
        made[mode] = Gate.from_settings(load_settings(env, cfg=False), seams=(), resolver=_double_dns)
    return made


def _double_dns(host: str, port: int) -> Sequence[str]:
    return {"intranet.example": ["10.9.9.9"], "public.example": ["93.184.216.34"],
            "meta.example": ["169.254.169.254"]}[host]  # fmt: skip


def _request(action: str, args: dict[str, object], **fields: object) -> TaskRequest:
    return TaskRequest(action=action, args=args, host="web1", **fields)  # type: ignore[arg-type]


CONTROLLER_PLACES = [
    pytest.param({"connection": "local"}, id="connection-local"),
    pytest.param({"connection": "ssh", "delegate_to": "localhost"}, id="delegate-localhost"),
    pytest.param({"connection": "ssh", "delegate_to": "127.0.0.1"}, id="delegate-127"),
]
FETCHERS = [
    ("ansible.builtin.uri", "url"),
    ("ansible.builtin.get_url", "url"),
    ("uri", "url"),
    ("ansible.legacy.get_url", "url"),
    ("ansible.windows.win_uri", "url"),
    ("community.general.some_http_module", "api_url"),  # no table: read by option name
]
REFUSED_ON_CONTROLLER = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://127.1:8080/admin",
    "https://localhost/",
    "http://intranet.example/",
    "http://meta.example/",
    "http://100.100.100.200/latest/meta-data/",
]


@pytest.mark.parametrize("place", CONTROLLER_PLACES)
@pytest.mark.parametrize(("action", "option"), FETCHERS)
@pytest.mark.parametrize("url", REFUSED_ON_CONTROLLER)
def test_the_gate_denies_fetches_from_refused_destinations_on_the_controller_in_every_mode(
    gates: dict[str, Gate], place: dict[str, str], action: str, option: str, url: str
) -> None:
    request = _request(action, {option: url, "dest": "/tmp/x"} if "get_url" in action else {option: url}, **place)
    for mode, gate in gates.items():
        decision = gate.explain(request)
        assert decision.verdict is Verdict.DENIED, (mode, decision)
        assert decision.rule.startswith("deny.egress-"), decision


@pytest.mark.parametrize(("action", "option"), FETCHERS[:2])
def test_a_public_fetch_on_the_controller_is_untouched(gates: dict[str, Gate], action: str, option: str) -> None:
    """Positive control: the same task to a public destination is judged as before (uri GET is T0)."""
    for url in ("https://public.example/api", "https://93.184.216.34/"):
        decision = gates["guarded"].explain(_request(action, {option: url}, connection="local"))
        assert not decision.rule.startswith("deny.egress"), decision
    assert gates["readonly"].explain(_request("ansible.builtin.uri", {"url": "https://public.example/"},
                                              connection="local")).allowed  # fmt: skip


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
            "http://[fd00:ec2::254]/", "http://0251.0376.0251.0376/", "http://169.254.170.2/v2/credentials"],
)  # fmt: skip
def test_the_metadata_service_is_refused_from_managed_hosts_too(gates: dict[str, Gate], url: str) -> None:
    decision = gates["open"].explain(_request("ansible.builtin.uri", {"url": url}, connection="ssh"))
    assert decision.verdict is Verdict.DENIED and decision.rule == "deny.egress-metadata", decision


@pytest.mark.parametrize("url", ["http://10.0.0.5/status", "http://intranet.example/", "http://localhost:8080/"])
def test_a_managed_host_may_reach_its_own_private_network(gates: dict[str, Gate], url: str) -> None:
    decision = gates["readonly"].explain(_request("ansible.builtin.uri", {"url": url}, connection="ssh"))
    assert decision.allowed, decision


def test_a_url_lookup_is_judged_on_the_controller(gates: dict[str, Gate]) -> None:
    gate = gates["open"]
    assert gate.lookup_touches_gate(["http://169.254.169.254/"], {}, name="ansible.builtin.url")
    assert not gate.lookup_touches_gate(["https://93.184.216.34/"], {}, name="ansible.builtin.url")
    request = TaskRequest(action="ansible.builtin.url", args={"_terms": ["http://10.1.1.1/"]}, host="localhost",
                          connection="local", kind=RequestKind.LOOKUP)  # fmt: skip
    assert gate.explain(request).rule == "deny.egress-private"


def test_the_operator_allowlist_lifts_the_gate_rule(tmp_path: Path) -> None:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "s"), "PRAXIS_MODE": "readonly", "HOME": str(tmp_path),
           "PRAXIS_EGRESS_ALLOW": "10.9.0.0/16, 169.254.169.254"}  # fmt: skip
    gate = Gate.from_settings(load_settings(env, cfg=False), seams=(), resolver=_double_dns)
    for url in ("http://intranet.example/", "http://169.254.169.254/latest/"):
        assert gate.explain(_request("ansible.builtin.uri", {"url": url}, connection="local")).allowed


def test_a_malformed_allowlist_refuses_to_start(tmp_path: Path) -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError

    env = {"PRAXIS_STATE_DIR": str(tmp_path / "s"), "HOME": str(tmp_path), "PRAXIS_EGRESS_ALLOW": "10.0.0.0/33"}
    with pytest.raises(ConfigError, match="EGRESS_ALLOW"):
        Gate.from_settings(load_settings(env, cfg=False), seams=())


# ------------------------------------------------------------------------------------------------ the runner's own
def _a_checkpoint(tmp_path: Path) -> dict[str, object]:
    import json

    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog

    log = AuditLog(tmp_path / "audit.jsonl", fsync=False)
    assert log.append({"event": "cli", "reason": "one record"})
    assert log.checkpoint(), log.last_error
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    found: dict[str, object] = next(r for r in records if r["event"] == "checkpoint")
    return found


def test_the_tsa_is_reached_through_the_filter(tmp_path: Path) -> None:
    """The gate's RFC 3161 client goes through the filter: a TSA on loopback is refused until allowlisted."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.timestamps import TimestampError
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module

    from tests.tsa_server import TestTSA

    checkpoint = _a_checkpoint(tmp_path)
    with TestTSA() as tsa:
        env = {"PRAXIS_STATE_DIR": str(tmp_path / "s"), "HOME": str(tmp_path), "PRAXIS_TSA_URL": tsa.url}
        refusing = gate_module._timestamper(load_settings(env, cfg=False), NOBODY)
        assert refusing is not None
        with pytest.raises(TimestampError, match=r"egress refused: 127\.0\.0\.1 is loopback"):
            refusing(checkpoint)
        admitting = gate_module._timestamper(load_settings(env, cfg=False), EgressPolicy.parse(["127.0.0.1"]))
        assert admitting is not None
        assert len(admitting(checkpoint)) > 100  # a granted DER token
