# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval tokens and operator keys: what a token binds, what makes one worthless, and where trust comes from.

Everything here is the token mathematics (approvals.py) and the operator key handling (operators.py) on their own;
the integration suite drives the same code through real runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import tokens as approvals
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import (
    Approver,
    init_operator,
    load_operator_key,
    load_registry,
    registry_names,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    Binding,
    InvalidToken,
    TokenItem,
    cosign_token,
    plan_id,
    sign_token,
    sign_tokens,
    split_tokens,
    token_ref,
    verify_token,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
MAX_TTL = 900


# ---------------------------------------------------------------------------------------------------- helpers
class Operator:
    """An operator's key pair as the tests hold it: the private half signs, the Approver is what the gate trusts."""

    def __init__(self, name: str) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.approver = Approver(name, self.key.public_key())

    @property
    def b64(self) -> str:
        raw = self.approver.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()


@pytest.fixture
def alice() -> Operator:
    return Operator("alice")


@pytest.fixture
def bob() -> Operator:
    return Operator("bob")


@pytest.fixture
def registry(alice: Operator, bob: Operator) -> dict[str, Approver]:
    return {alice.approver.key_id: alice.approver, bob.approver.key_id: bob.approver}


def _binding(**overrides: str) -> Binding:
    fields = {
        "action": "ansible.builtin.command",
        "target": "web1",
        "tier": "T2",
        "args_digest": "a" * 64,
        "ruleset": "r" * 64,
    }
    fields.update(overrides)
    return Binding(**fields)


def _item(item_id: str = "item-1", **overrides: str) -> TokenItem:
    binding = _binding(**overrides)
    return TokenItem(item_id, binding.digest(item_id), binding.target, binding.tier)


def _sign(operator: Operator, items: list[TokenItem] | None = None, *, ttl: int = 600, now: datetime = NOW) -> str:
    return sign_token(
        plan="req-0123456789abcdef", items=items or [_item()], key=operator.key, approver=operator.approver,
        ttl=ttl, now=now,
    )  # fmt: skip


def _verify(token: str, registry: dict[str, Approver], *, now: datetime = NOW, **kwargs: Any) -> Any:
    return verify_token(token, approvers=registry, now=now, max_ttl=kwargs.pop("max_ttl", MAX_TTL), **kwargs)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parts(token: str) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    prefix, payload, signatures = token.split(".")
    return prefix, json.loads(_unb64(payload)), json.loads(_unb64(signatures))


def _assemble(payload: bytes, signatures: list[dict[str, Any]]) -> str:
    return f"pxa1.{_b64(payload)}.{_b64(json.dumps(signatures).encode())}"


def _signed(operator: Operator, payload: dict[str, Any]) -> str:
    """A token over an arbitrary payload, correctly signed: exercises the checks that run after the signature."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    signature = operator.key.sign(approvals._DOMAIN + body)
    return _assemble(body, [{"k": operator.approver.key_id, "n": operator.approver.name, "s": _b64(signature)}])


def _payload(**overrides: Any) -> dict[str, Any]:
    iat = int(NOW.timestamp())
    payload: dict[str, Any] = {
        "v": 1,
        "plan": "req-0123456789abcdef",
        "items": [{"id": "item-1", "d": _item().digest, "t": "web1", "tier": "T2"}],
        "iat": iat,
        "exp": iat + 600,
        "nonce": "00" * 16,
    }
    payload.update(overrides)
    return payload


# ---------------------------------------------------------------------------------------------------- round trip
def test_token_round_trip(alice: Operator, registry: dict[str, Approver]) -> None:
    items = [_item("item-1"), _item("item-2", target="web2", args_digest="b" * 64)]
    token = _sign(alice, items, ttl=300)
    verified = _verify(token, registry)
    assert verified.plan == "req-0123456789abcdef"
    assert verified.items == tuple(items)
    assert verified.approvers == ("alice",)
    assert verified.issued_at == int(NOW.timestamp())
    assert verified.expires_at == int(NOW.timestamp()) + 300
    assert verified.ref == token_ref(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith("pxa1.") and token.count(".") == 2


def test_surrounding_whitespace_is_ignored_and_ref_is_stable(alice: Operator, registry: dict[str, Approver]) -> None:
    token = _sign(alice)
    assert _verify(f"  {token}\n", registry).ref == token_ref(token) == token_ref(f"\n{token}  ")


def test_every_token_is_unique_even_for_the_same_approval(alice: Operator, registry: dict[str, Approver]) -> None:
    first, second = _sign(alice), _sign(alice)
    assert first != second
    assert _parts(first)[1]["nonce"] != _parts(second)[1]["nonce"]
    assert len(_parts(first)[1]["nonce"]) == 32  # 128 bits


def test_token_ref_does_not_reveal_the_token(alice: Operator) -> None:
    token = _sign(alice)
    ref = token_ref(token)
    assert len(ref) == 64 and all(c in "0123456789abcdef" for c in ref)
    assert ref not in token and token.split(".")[2] not in ref


def test_nothing_to_approve_is_refused(alice: Operator) -> None:
    with pytest.raises(InvalidToken, match="nothing to approve"):
        sign_token(plan="req-x", items=[], key=alice.key, approver=alice.approver, ttl=60, now=NOW)


# A fleet's approval: more items, or longer ones, than one token may carry. Host names up to DNS's 253 characters.
FLEET_SIZES = [1, 2, 150, 999, 1000, 1001, 2000, 4500]
TARGET_LENGTHS = [5, 60, 253]


@pytest.mark.parametrize("count", FLEET_SIZES)
@pytest.mark.parametrize("target_length", TARGET_LENGTHS)
def test_an_approval_of_any_size_is_minted_as_tokens_every_run_accepts(
    alice: Operator, registry: dict[str, Approver], count: int, target_length: int
) -> None:
    """Every token within the bounds verify_token holds tokens to, each verifying, together carrying every item
    exactly once and in order, with one issue time and expiry; as few tokens as the bounds allow (give or take one)."""
    items = [_item(f"item-{n:020x}", target=f"h{n:04d}".ljust(target_length, "x")) for n in range(count)]
    minted = sign_tokens(plan="req-0123456789abcdef", items=items, key=alice.key, approver=alice.approver, ttl=600,
                         now=NOW)  # fmt: skip
    verified = [_verify(one.token, registry) for one in minted]
    assert [i for one in minted for i in one.items] == items
    assert [list(v.items) for v in verified] == [list(one.items) for one in minted]
    assert {(v.issued_at, v.expires_at, v.plan) for v in verified} == {(int(NOW.timestamp()), int(NOW.timestamp())
                                                                       + 600, "req-0123456789abcdef")}  # fmt: skip
    assert all(len(one.token) <= approvals._MAX_TOKEN and len(one.items) <= approvals._MAX_ITEMS for one in minted)
    whole = sign_token(plan="req-0123456789abcdef", items=items, key=alice.key, approver=alice.approver, ttl=600,
                       now=NOW)  # fmt: skip
    fewest = max(-(-len(whole) // approvals._MAX_TOKEN), -(-count // approvals._MAX_ITEMS))
    assert fewest <= len(minted) <= fewest + 1, (len(minted), fewest)
    # presented the way a run presents them (one per line in a file), they are the same tokens
    assert split_tokens("\n".join(one.token for one in minted) + "\n") == tuple(one.token for one in minted)


@pytest.mark.parametrize("count", [1001, 2000])
def test_the_bounds_are_real_one_token_for_a_fleet_is_refused(
    alice: Operator, registry: dict[str, Approver], count: int
) -> None:
    """The positive control: the single token `approvals approve` used to mint for a fleet's plan is one no run
    accepts (too many items, too long), which is why every task of such a run waited for an approval given."""
    items = [_item(f"item-{n:020x}", target=f"host{n:04d}") for n in range(count)]
    whole = sign_token(plan="req-0123456789abcdef", items=items, key=alice.key, approver=alice.approver, ttl=600,
                       now=NOW)  # fmt: skip
    with pytest.raises(InvalidToken):
        _verify(whole, registry)


def test_an_item_that_fits_no_token_is_refused(alice: Operator) -> None:
    item = TokenItem("item-1", "d" * 64, "x" * approvals._MAX_TOKEN, "T2")
    with pytest.raises(InvalidToken, match="does not fit in an approval token"):
        sign_tokens(plan="req-x", items=[item], key=alice.key, approver=alice.approver, ttl=60, now=NOW)
    with pytest.raises(InvalidToken, match="nothing to approve"):
        sign_tokens(plan="req-x", items=[], key=alice.key, approver=alice.approver, ttl=60, now=NOW)


def test_plan_id_is_the_run_id_prefix() -> None:
    assert plan_id("0123456789abcdef0123456789abcdef") == "req-0123456789abcdef"


# ---------------------------------------------------------------------------------------------------- cosign
def test_cosign_adds_a_second_approver_without_changing_the_approval(
    alice: Operator, bob: Operator, registry: dict[str, Approver]
) -> None:
    token = _sign(alice)
    cosigned = cosign_token(token, key=bob.key, approver=bob.approver)
    assert cosigned.split(".")[1] == token.split(".")[1]  # the payload is untouched
    verified = _verify(cosigned, registry)
    assert verified.approvers == ("alice", "bob")
    assert verified.ref != token_ref(token)  # a different token: the single-use item is what binds both


def test_the_same_approver_cannot_cosign_twice(alice: Operator) -> None:
    token = _sign(alice)
    with pytest.raises(InvalidToken, match="already signed"):
        cosign_token(token, key=alice.key, approver=alice.approver)


def test_a_second_signature_by_the_same_name_with_another_key_counts_once(alice: Operator) -> None:
    """Two registered keys under one name are impossible (registry refuses duplicates); two signatures with one
    name still count as one approver, so a T3 two-approver rule cannot be met by one person."""
    other = Operator("alice")
    registry = {alice.approver.key_id: alice.approver, other.approver.key_id: other.approver}
    cosigned = cosign_token(_sign(alice), key=other.key, approver=other.approver)
    assert _verify(cosigned, registry).approvers == ("alice",)


@pytest.mark.parametrize(
    ("second", "same_person"),
    [("Alice", True), ("alice@corp.example", True), ("ALICE@ops@b", True),
     ("alice.smith", False), ("bob", False), ("carol@alice", False)],
)  # fmt: skip
def test_two_signatures_count_as_two_approvers_only_when_they_name_two_people(
    alice: Operator, second: str, same_person: bool
) -> None:
    """The T3 two-approver rule needs two people: a second key registered under another spelling of the same name
    (``Alice``, ``alice@corp.example``) counts once; other names (``alice.smith``, ``carol@alice``) count."""
    other = Operator(second)
    registry = {alice.approver.key_id: alice.approver, other.approver.key_id: other.approver}
    verified = _verify(cosign_token(_sign(alice), key=other.key, approver=other.approver), registry)
    assert verified.approvers == (("alice",) if same_person else ("alice", second))


def test_cosign_by_an_unregistered_key_adds_nothing(alice: Operator, registry: dict[str, Approver]) -> None:
    mallory = Operator("mallory")
    cosigned = cosign_token(_sign(alice), key=mallory.key, approver=mallory.approver)
    assert _verify(cosigned, registry).approvers == ("alice",)


def test_a_cosignature_that_does_not_verify_spoils_the_token(
    alice: Operator, bob: Operator, registry: dict[str, Approver]
) -> None:
    cosigned = cosign_token(_sign(alice), key=bob.key, approver=bob.approver)
    signatures = _parts(cosigned)[2]
    raw = bytearray(_unb64(signatures[1]["s"]))
    raw[0] ^= 0x01
    signatures[1]["s"] = _b64(bytes(raw))
    with pytest.raises(InvalidToken, match="by bob does not verify"):
        _verify(_assemble(_unb64(cosigned.split(".")[1]), signatures), registry)


def test_cosign_refuses_a_damaged_token(bob: Operator) -> None:
    with pytest.raises(InvalidToken, match="not a praxis approval token"):
        cosign_token("pxa1.only-two", key=bob.key, approver=bob.approver)


# ---------------------------------------------------------------------------------------------------- tampering
def _flip_payload_field(token: str, mutate: Callable[[dict[str, Any]], None]) -> str:
    _unused, payload, signatures = _parts(token)
    mutate(payload)
    return _assemble(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode(), signatures)


PAYLOAD_TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "plan": lambda p: p.update(plan="req-ffffffffffffffff"),
    "item id": lambda p: p["items"][0].update(id="item-2"),
    "item digest": lambda p: p["items"][0].update(d="0" * 64),
    "item target": lambda p: p["items"][0].update(t="web2"),
    "item tier": lambda p: p["items"][0].update(tier="T3"),
    "extra item": lambda p: p["items"].append(dict(p["items"][0], id="item-9")),
    "expiry extended": lambda p: p.update(exp=p["exp"] + 3600),
    "issued moved": lambda p: p.update(iat=p["iat"] + 30),
    "nonce": lambda p: p.update(nonce="ff" * 16),
}


@pytest.mark.parametrize("field", list(PAYLOAD_TAMPERS))
def test_any_change_to_the_signed_payload_is_refused(
    field: str, alice: Operator, registry: dict[str, Approver]
) -> None:
    tampered = _flip_payload_field(_sign(alice), PAYLOAD_TAMPERS[field])
    with pytest.raises(InvalidToken, match="does not verify"):
        _verify(tampered, registry)


def test_one_flipped_bit_anywhere_in_the_payload_bytes_is_refused(
    alice: Operator, registry: dict[str, Approver]
) -> None:
    token = _sign(alice)
    payload = _unb64(token.split(".")[1])
    signatures = json.loads(_unb64(token.split(".")[2]))
    for index in range(len(payload)):
        for bit in (0x01, 0x20):
            raw = bytearray(payload)
            raw[index] ^= bit
            with pytest.raises(InvalidToken):
                _verify(_assemble(bytes(raw), signatures), registry)


def test_one_flipped_bit_in_the_signature_is_refused(alice: Operator, registry: dict[str, Approver]) -> None:
    token = _sign(alice)
    payload = _unb64(token.split(".")[1])
    signature = _unb64(_parts(token)[2][0]["s"])
    for index in range(0, len(signature), 7):
        raw = bytearray(signature)
        raw[index] ^= 0x80
        forged = [{"k": alice.approver.key_id, "n": "alice", "s": _b64(bytes(raw))}]
        with pytest.raises(InvalidToken, match="does not verify"):
            _verify(_assemble(payload, forged), registry)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: "pxa2" + t[4:], "not a praxis approval token"),
        (lambda t: t.rsplit(".", 1)[0], "not a praxis approval token"),
        (lambda t: t + ".extra", "not a praxis approval token"),
        (lambda t: "", "not a praxis approval token"),
        (lambda t: "pxa1.!!!!.????", "damaged"),
        (lambda t: "pxa1." + _b64(b"not json") + "." + t.split(".")[2], "damaged"),
        (lambda t: t.split(".")[0] + "." + t.split(".")[1] + "." + _b64(b"not json"), "damaged"),
        (lambda t: "pxa1." + "é" * 10 + "." + t.split(".")[2], "damaged"),
        (lambda t: "pxa1." + _b64(b"[" * 20_000) + "." + t.split(".")[2], "damaged"),
        (lambda t: ".".join(t.split(".")[:2]) + "." + _b64(b'{"k": "x"}'), "signatures are malformed"),
        (lambda t: ".".join(t.split(".")[:2]) + "." + _b64(b'["x"]'), "signatures are malformed"),
        (lambda t: ".".join(t.split(".")[:2]) + "." + _b64(b"[]"), "not signed by any registered approver"),
        (lambda t: ".".join(t.split(".")[:2]) + "." + _b64(b'[{"n": "alice"}]'), "not signed by any registered"),
        (lambda t: "pxa1." + "A" * (64 * 1024) + ".x", "too long"),
    ],
    ids=[
        "prefix", "two-parts", "four-parts", "empty", "not-base64", "payload-not-json", "signatures-not-json",
        "non-ascii", "deeply-nested", "signatures-dict", "signature-not-object", "no-signature", "no-key-id",
        "too-long",
    ],
)  # fmt: skip
def test_malformed_tokens_are_refused_with_a_reason(
    make: Callable[[str], str], message: str, alice: Operator, registry: dict[str, Approver]
) -> None:
    with pytest.raises(InvalidToken, match=message):
        _verify(make(_sign(alice)), registry)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"v": 2}, "unknown approval token version"),
        ({"items": []}, "content is malformed"),
        ({"items": ["item-1"]}, "content is malformed"),
        ({"items": [{"id": "item-1"}]}, "content is malformed"),
        ({"items": {"id": "item-1"}}, "content is malformed"),
        ({"items": [{"id": f"i{n}", "d": "x", "t": "h", "tier": "T2"} for n in range(1001)]}, "content is malformed"),
        ({"iat": "yesterday"}, "content is malformed"),
        ({"exp": None}, "content is malformed"),
        ({"plan": None, "items": None}, "content is malformed"),
    ],
    ids=["version", "no-items", "item-not-object", "item-incomplete", "items-not-list", "too-many-items",
         "iat-not-int", "exp-missing", "nothing"],
)  # fmt: skip
def test_signed_but_malformed_content_is_refused(
    overrides: dict[str, Any], message: str, alice: Operator, registry: dict[str, Approver]
) -> None:
    with pytest.raises(InvalidToken, match=message):
        _verify(_signed(alice, _payload(**overrides)), registry)


def test_a_payload_that_is_not_an_object_is_refused(alice: Operator, registry: dict[str, Approver]) -> None:
    body = b"[1, 2, 3]"
    signature = alice.key.sign(approvals._DOMAIN + body)
    token = _assemble(body, [{"k": alice.approver.key_id, "n": "alice", "s": _b64(signature)}])
    with pytest.raises(InvalidToken, match="unknown approval token version"):
        _verify(token, registry)


def test_a_signature_without_the_domain_prefix_does_not_verify(alice: Operator, registry: dict[str, Approver]) -> None:
    """A signature the key made for something else (no domain separation) cannot be replayed as an approval."""
    body = json.dumps(_payload(), sort_keys=True, separators=(",", ":")).encode()
    token = _assemble(body, [{"k": alice.approver.key_id, "n": "alice", "s": _b64(alice.key.sign(body))}])
    with pytest.raises(InvalidToken, match="does not verify"):
        _verify(token, registry)


# ---------------------------------------------------------------------------------------------------- keys
def test_a_token_signed_by_an_unregistered_key_is_refused(registry: dict[str, Approver]) -> None:
    mallory = Operator("mallory")
    with pytest.raises(InvalidToken, match="not signed by any registered approver"):
        _verify(_sign(mallory), registry)


def test_an_unregistered_key_claiming_a_registered_name_is_refused(
    alice: Operator, registry: dict[str, Approver]
) -> None:
    impostor = Operator("alice")  # same name, different key
    with pytest.raises(InvalidToken, match="not signed by any registered approver"):
        _verify(_sign(impostor), registry)


def test_an_unregistered_key_claiming_a_registered_key_id_does_not_verify(
    alice: Operator, registry: dict[str, Approver]
) -> None:
    mallory = Operator("mallory")
    token = _sign(mallory)
    payload = _unb64(token.split(".")[1])
    forged = [{"k": alice.approver.key_id, "n": "alice", "s": _parts(token)[2][0]["s"]}]
    with pytest.raises(InvalidToken, match="by alice does not verify"):
        _verify(_assemble(payload, forged), registry)


def test_an_empty_registry_trusts_nobody(alice: Operator) -> None:
    with pytest.raises(InvalidToken, match="not signed by any registered approver"):
        _verify(_sign(alice), {})


def test_the_name_in_the_signature_is_not_what_counts(alice: Operator, registry: dict[str, Approver]) -> None:
    """The approver's name comes from the registry, never from the token."""
    token = _sign(alice)
    payload = _unb64(token.split(".")[1])
    signatures = _parts(token)[2]
    signatures[0]["n"] = "root"
    assert _verify(_assemble(payload, signatures), registry).approvers == ("alice",)


# ---------------------------------------------------------------------------------------------------- time
def test_expiry(alice: Operator, registry: dict[str, Approver]) -> None:
    token = _sign(alice, ttl=600)
    assert _verify(token, registry, now=NOW + timedelta(seconds=599)).expires_at == int(NOW.timestamp()) + 600
    with pytest.raises(InvalidToken, match="expired"):
        _verify(token, registry, now=NOW + timedelta(seconds=600))
    with pytest.raises(InvalidToken, match="expired"):
        _verify(token, registry, now=NOW + timedelta(days=30))


def test_a_token_minted_in_the_past_is_expired(alice: Operator, registry: dict[str, Approver]) -> None:
    token = _sign(alice, ttl=MAX_TTL, now=NOW - timedelta(seconds=MAX_TTL + 1))
    with pytest.raises(InvalidToken, match="expired"):
        _verify(token, registry)


def test_a_lifetime_beyond_the_installation_maximum_is_refused(alice: Operator, registry: dict[str, Approver]) -> None:
    assert _verify(_sign(alice, ttl=MAX_TTL), registry).expires_at - int(NOW.timestamp()) == MAX_TTL
    with pytest.raises(InvalidToken, match="exceeds this installation's maximum"):
        _verify(_sign(alice, ttl=MAX_TTL + 1), registry)
    with pytest.raises(InvalidToken, match=r"maximum \(300 s\)"):
        _verify(_sign(alice, ttl=600), registry, max_ttl=300)


def test_clock_skew_of_up_to_a_minute_is_tolerated(alice: Operator, registry: dict[str, Approver]) -> None:
    """An operator's clock a little ahead of the controller's still works; one far ahead does not (it could mint
    tokens whose lifetime starts later and so outlives the maximum)."""
    ahead = _sign(alice, ttl=600, now=NOW + timedelta(seconds=60))
    assert _verify(ahead, registry).approvers == ("alice",)
    too_far = _sign(alice, ttl=600, now=NOW + timedelta(seconds=61))
    with pytest.raises(InvalidToken, match="lifetime exceeds"):
        _verify(too_far, registry)
    with pytest.raises(InvalidToken):
        _verify(_sign(alice, ttl=600, now=NOW + timedelta(days=365)), registry)


def test_expiry_is_checked_only_after_the_signature(alice: Operator, registry: dict[str, Approver]) -> None:
    """An unsigned expired token is reported as unsigned: no detail is given about forged content."""
    mallory = Operator("mallory")
    token = _sign(mallory, now=NOW - timedelta(days=1))
    with pytest.raises(InvalidToken, match="not signed by any registered approver"):
        _verify(token, registry)


# ---------------------------------------------------------------------------------------------------- people
@pytest.mark.parametrize("requester", ["alice", "alice@controller", "alice@ctl.example.com"])
def test_distinct_approver_rule_refuses_self_approval(
    requester: str, alice: Operator, registry: dict[str, Approver]
) -> None:
    token = _sign(alice)
    assert _verify(token, registry, requester=requester).approvers == ("alice",)  # rule off: allowed
    with pytest.raises(InvalidToken, match="signed by the requester"):
        _verify(token, registry, requester=requester, distinct_from_requester=True)


def test_distinct_approver_rule_counts_only_the_others(
    alice: Operator, bob: Operator, registry: dict[str, Approver]
) -> None:
    cosigned = cosign_token(_sign(alice), key=bob.key, approver=bob.approver)
    verified = _verify(cosigned, registry, requester="alice@ctl", distinct_from_requester=True)
    assert verified.approvers == ("bob",)
    assert _verify(_sign(alice), registry, requester="carol@ctl", distinct_from_requester=True).approvers == ("alice",)


def test_distinct_approver_rule_is_not_fooled_by_a_similar_name(alice: Operator, registry: dict[str, Approver]) -> None:
    assert _verify(_sign(alice), registry, requester="alicex@ctl", distinct_from_requester=True).approvers == ("alice",)


# Every spelling under which a principal can name the approver's person: the name itself, with a host, with the
# name's own @-parts and a host after them (found by mutation testing: ``alice@corp.example@web1`` was a second
# person to ``alice@corp.example``), in another case.
_SELF_SPELLINGS = ("{n}", "{n}@ctl", "{n}@ctl.example.com", "{n}@web1@ctl", "{N}", "{N}@ctl", "{u}", "{u}@other")
# Principals that name someone else: the rule must still count the approver (positive controls).
_OTHERS = ("{u}x@ctl", "x{u}@ctl", "carol@{n}", "carol", "", "agent:{u}")


@pytest.mark.parametrize("name", ["alice", "alice@corp.example", "Alice.Smith@corp.example", "ops-1@a@b"])
def test_distinct_approver_rule_refuses_every_spelling_of_the_approver(name: str) -> None:
    approver = Operator(name)
    registry = {approver.approver.key_id: approver.approver}
    token = _sign(approver)
    user = name.split("@", 1)[0]
    spellings = {template.format(n=name, N=name.upper(), u=user) for template in _SELF_SPELLINGS}
    for requester in sorted(spellings):
        assert _verify(token, registry, requester=requester).approvers == (name,)  # the rule off: counted
        with pytest.raises(InvalidToken, match="signed by the requester"):
            _verify(token, registry, requester=requester, distinct_from_requester=True)
    for template in _OTHERS:
        requester = template.format(n=name, N=name.upper(), u=user)
        verified = _verify(token, registry, requester=requester, distinct_from_requester=True)
        assert verified.approvers == (name,), requester


# ---------------------------------------------------------------------------------------------------- T3
def test_a_t3_token_must_name_exactly_one_host(alice: Operator, registry: dict[str, Approver]) -> None:
    two_hosts = [_item("item-1", tier="T3", target="web1"), _item("item-2", tier="T3", target="web2")]
    with pytest.raises(InvalidToken, match="exactly one target host"):
        _verify(_sign(alice, two_hosts), registry)


def test_t3_on_one_host_with_t2_elsewhere_is_fine(alice: Operator, registry: dict[str, Approver]) -> None:
    items = [
        _item("item-1", tier="T3", target="web1"),
        _item("item-2", tier="T3", target="web1", args_digest="c" * 64),
        _item("item-3", tier="T2", target="web2"),
    ]
    assert len(_verify(_sign(alice, items), registry).items) == 3


# ---------------------------------------------------------------------------------------------------- binding
@pytest.mark.parametrize(
    "change",
    [
        {"action": "ansible.builtin.shell"},
        {"target": "web2"},
        {"tier": "T3"},
        {"args_digest": "b" * 64},
        {"ruleset": "s" * 64},
    ],
    ids=lambda c: next(iter(c)),
)
def test_binding_digest_differs_when_any_field_differs(change: dict[str, str]) -> None:
    base = _binding()
    assert base.digest("item-1") == _binding().digest("item-1")  # deterministic
    assert replace(base, **change).digest("item-1") != base.digest("item-1")


def test_binding_digest_depends_on_the_item_id() -> None:
    assert _binding().digest("item-1") != _binding().digest("item-2")


def test_binding_digest_has_no_field_ambiguity() -> None:
    """Moving characters from one field to the next must not produce the same digest."""
    one = Binding("ansible.builtin.command", "web1", "T2", "ab", "cd")
    two = Binding("ansible.builtin.command", "web1", "T2", "a", "bcd")
    assert one.digest("item-1") != two.digest("item-1")


# ---------------------------------------------------------------------------------------------------- registry
def _registry_file(tmp_path: Path, *operators: Operator, extra: str = "", mode: int = 0o644) -> Path:
    path = tmp_path / "approvers"
    lines = ["# trusted approvers", ""] + [o.approver.line() for o in operators]
    path.write_text("\n".join(lines) + "\n" + extra)
    os.chmod(path, mode)
    return path


def test_registry_file_and_inline_keys(tmp_path: Path, alice: Operator, bob: Operator) -> None:
    carol = Operator("carol")
    path = _registry_file(tmp_path, alice, bob)
    loaded = load_registry(path, f"carol={carol.b64}")
    assert registry_names(loaded) == ["alice", "bob", "carol"]
    assert loaded[alice.approver.key_id].name == "alice"
    assert loaded[carol.approver.key_id].line() == carol.approver.line()


def test_inline_keys_accept_commas_and_semicolons(alice: Operator, bob: Operator) -> None:
    loaded = load_registry(None, f" alice={alice.b64} ; bob = {bob.b64},")
    assert registry_names(loaded) == ["alice", "bob"]


def test_a_missing_registry_file_trusts_nobody(tmp_path: Path) -> None:
    assert load_registry(tmp_path / "absent") == {}
    assert load_registry(None, "") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("alice ed25519\n", "expected `NAME ed25519 BASE64`"),
        ("alice rsa AAAA\n", "expected `NAME ed25519 BASE64`"),
        ("alice ed25519 not-base64!\n", "not an Ed25519 public key"),
        ("alice ed25519 " + base64.b64encode(b"short").decode() + "\n", "not an Ed25519 public key"),
        ("-alice ed25519 " + base64.b64encode(b"\0" * 32).decode() + "\n", "invalid approver name"),
        ("al ice ed25519 x\n", "expected `NAME ed25519 BASE64`"),
    ],
    ids=["missing-key", "wrong-type", "bad-base64", "short-key", "bad-name", "space-in-name"],
)
def test_registry_lines_that_do_not_parse_are_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "approvers"
    path.write_text(content)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match=message):
        load_registry(path)


def test_a_name_registered_twice_is_an_error(tmp_path: Path, alice: Operator) -> None:
    twin = Operator("alice")
    with pytest.raises(ConfigError, match="registered twice"):
        load_registry(_registry_file(tmp_path, alice, twin))
    with pytest.raises(ConfigError, match="registered twice"):
        load_registry(_registry_file(tmp_path, alice), f"alice={twin.b64}")


@pytest.mark.parametrize("inline", ["alice", "alice:AAAA", "=AAAA"])
def test_inline_entries_that_do_not_parse_are_errors(inline: str) -> None:
    with pytest.raises(ConfigError):
        load_registry(None, inline)


@pytest.mark.parametrize("mode", [0o664, 0o646, 0o666, 0o620])
def test_a_registry_others_can_write_is_refused(tmp_path: Path, alice: Operator, mode: int) -> None:
    path = _registry_file(tmp_path, alice, mode=mode)
    with pytest.raises(ConfigError, match="writable by group or others"):
        load_registry(path)


def test_a_registry_owned_by_someone_else_is_refused(tmp_path: Path, alice: Operator) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file away")  # the suite runs as root in CI
    path = _registry_file(tmp_path, alice)
    os.chown(path, 65534, 65534)
    with pytest.raises(ConfigError, match="belongs to uid 65534"):
        load_registry(path)


def test_registry_read_only_modes_are_accepted(tmp_path: Path, alice: Operator) -> None:
    for mode in (0o600, 0o644, 0o444, 0o400):
        path = _registry_file(tmp_path, alice, mode=mode)
        assert registry_names(load_registry(path)) == ["alice"]


# ---------------------------------------------------------------------------------------------------- operator keys
def test_operator_init_without_passphrase(tmp_path: Path) -> None:
    keys, registry = tmp_path / "operators", tmp_path / "cfg" / "approvers"
    approver = init_operator("alice", key_dir=keys, registry=registry, passphrase=None)
    key_file = keys / "alice.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert b"ENCRYPTED" not in key_file.read_bytes()
    assert (keys / "alice.pub").read_text().strip() == approver.line()
    assert registry.read_text().splitlines() == [approver.line()]
    assert not stat.S_IMODE(registry.stat().st_mode) & (stat.S_IWGRP | stat.S_IWOTH)
    loaded = load_registry(registry)
    assert list(loaded) == [approver.key_id]
    private = load_operator_key("alice", key_dir=keys, passphrase=None)
    assert Approver("alice", private.public_key()).key_id == approver.key_id


def test_the_private_key_never_reaches_the_registry_or_the_public_file(tmp_path: Path) -> None:
    keys, registry = tmp_path / "operators", tmp_path / "approvers"
    init_operator("alice", key_dir=keys, registry=registry, passphrase=None)
    private = load_operator_key("alice", key_dir=keys, passphrase=None)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())  # fmt: skip
    for path in (registry, keys / "alice.pub"):
        text = path.read_bytes()
        assert base64.b64encode(raw) not in text and b"PRIVATE" not in text


def test_passphrase_protected_key(tmp_path: Path) -> None:
    keys, registry = tmp_path / "operators", tmp_path / "approvers"
    approver = init_operator("alice", key_dir=keys, registry=registry, passphrase=b"correct horse")
    assert b"ENCRYPTED" in (keys / "alice.key").read_bytes()
    with pytest.raises(ConfigError, match="wrong or missing passphrase"):
        load_operator_key("alice", key_dir=keys, passphrase=b"wrong horse")
    with pytest.raises(ConfigError, match="wrong or missing passphrase"):
        load_operator_key("alice", key_dir=keys, passphrase=None)
    key = load_operator_key("alice", key_dir=keys, passphrase=b"correct horse")
    token = sign_token(plan="req-x", items=[_item()], key=key, approver=approver, ttl=60, now=NOW)
    assert _verify(token, load_registry(registry)).approvers == ("alice",)


def test_operator_init_refuses_duplicates_and_bad_names(tmp_path: Path) -> None:
    keys, registry = tmp_path / "operators", tmp_path / "approvers"
    init_operator("alice", key_dir=keys, registry=registry, passphrase=None)
    with pytest.raises(ConfigError, match="already registered"):
        init_operator("alice", key_dir=tmp_path / "elsewhere", registry=registry, passphrase=None)
    with pytest.raises(ConfigError, match="already exists"):
        init_operator("alice", key_dir=keys, registry=tmp_path / "other-registry", passphrase=None)
    for name in ("", "../evil", "a b", "x" * 65, "-dash", "a/b"):
        with pytest.raises(ConfigError, match="invalid operator name"):
            init_operator(name, key_dir=keys, registry=registry, passphrase=None)
    assert registry_names(load_registry(registry)) == ["alice"]


def test_an_operator_name_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    """A name pattern ending in `$` also matches before a final newline: `operator init --name $'alice\\n'` would
    append a line break to the shared registry, after which it no longer parses and every approval fails."""
    keys, registry = tmp_path / "operators", tmp_path / "approvers"
    init_operator("bob", key_dir=keys, registry=registry, passphrase=None)
    with pytest.raises(ConfigError, match="invalid operator name"):
        init_operator("alice\n", key_dir=keys, registry=registry, passphrase=None)
    assert registry_names(load_registry(registry)) == ["bob"]


def test_loading_a_missing_or_foreign_key_is_an_error(tmp_path: Path) -> None:
    keys = tmp_path / "operators"
    keys.mkdir()
    with pytest.raises(ConfigError, match="no key for operator"):
        load_operator_key("alice", key_dir=keys, passphrase=None)
    (keys / "bob.key").write_text("not a key")
    with pytest.raises(ConfigError, match="cannot unlock"):
        load_operator_key("bob", key_dir=keys, passphrase=None)
    from cryptography.hazmat.primitives.asymmetric import ec

    foreign = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (keys / "carol.key").write_bytes(foreign)
    with pytest.raises(ConfigError, match="not an Ed25519 key"):
        load_operator_key("carol", key_dir=keys, passphrase=None)


def test_operator_init_writes_a_safe_registry_whatever_the_umask(tmp_path: Path) -> None:
    """The registry operator init writes is created without group/world write permission, whatever the umask."""
    old = os.umask(0)
    try:
        registry = tmp_path / "approvers"
        init_operator("alice", key_dir=tmp_path / "operators", registry=registry, passphrase=None)
    finally:
        os.umask(old)
    assert registry_names(load_registry(registry)) == ["alice"]
