# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Human approval of gated actions: bound to one action, target, tier, argument set and ruleset; single-use;
time-limited; minted out of band by an operator's key; never seen by the caller that asked.

How the pieces keep those promises:
- The gate records a *pending item* per gated task (what, where, tier, a keyed digest of the exact arguments, the
  ruleset digest) and fails the task, naming the request, never a token.
- An operator signs the request id, each item's binding digest, an expiry and a random nonce with an Ed25519 key
  the gate has never seen the private half of. The token is printed on the operator's terminal only.
- Redemption recomputes the binding from the task actually about to run; a token that does not cover it refuses
  without consuming anything. A covering token consumes its item once, decided by the store's unique constraint,
  so a replay or a race finds the item spent. A retry needs a new request and a new approval.
- Trust comes only from the approver registry in operator configuration, never from the store: a hand-written
  "approved" row means nothing.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..core.errors import GatekeeperError
from ..core.limits import load_json
from ..core.models import Tier
from ..core.requirements import lazy

if TYPE_CHECKING:
    from cryptography import exceptions
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from .operators import Approver  # annotations only: the registry loads when a token is verified or signed
else:  # loaded on first use: arming the gate does not import them
    exceptions = lazy("cryptography.exceptions")
    ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")

__all__ = [
    "APPROVAL_TIERS",
    "WITHHELD_TOKEN",
    "Binding",
    "InvalidToken",
    "MintedToken",
    "TokenItem",
    "VerifiedToken",
    "cosign_token",
    "may_be_requester",
    "person",
    "plan_id",
    "sign_token",
    "sign_tokens",
    "split_tokens",
    "token_ref",
    "verify_token",
]

APPROVAL_TIERS = frozenset({Tier.T2, Tier.T3})
WITHHELD_TOKEN = "<withheld: praxis.gatekeeper keeps presented approval tokens>"  # noqa: S105 - a placeholder
TOKEN_PREFIX = "pxa1"  # noqa: S105 - a format tag, not a secret
_DOMAIN = b"praxis.gatekeeper approval v1\n"
_MAX_TOKEN = 64 * 1024
_MAX_ITEMS = 1000
_MAX_TOKEN_DEPTH = 4  # a token's JSON is an object of a list of objects of strings: anything deeper was not minted
_CLOCK_SKEW = 60


class InvalidToken(GatekeeperError):
    """An approval token that does not authorise anything; the message says why, so the operator can act."""


@dataclass(frozen=True, slots=True)
class Binding:
    """Everything an approval is bound to, recomputed from the task about to run."""

    action: str
    target: str
    tier: str
    args_digest: str
    ruleset: str

    def digest(self, item_id: str) -> str:
        blob = json.dumps(
            {"item": item_id, "action": self.action, "target": self.target, "tier": self.tier,
             "args_digest": self.args_digest, "ruleset": self.ruleset},
            sort_keys=True, separators=(",", ":"),
        )  # fmt: skip
        return hashlib.sha256(blob.encode()).hexdigest()


def plan_id(run_id: str) -> str:
    """All gated items of one run form one request (for a --check run: the plan the operator approves once)."""
    return f"req-{run_id[:16]}"


def new_item_id() -> str:
    return f"item-{uuid.uuid4().hex[:20]}"


@dataclass(frozen=True, slots=True)
class TokenItem:
    item_id: str
    digest: str
    target: str
    tier: str


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    plan: str
    items: tuple[TokenItem, ...]
    approvers: tuple[str, ...]
    issued_at: int
    expires_at: int
    ref: str


def split_tokens(value: Any) -> tuple[str, ...]:
    """Tokens as a run presents them: one string (space or comma separated) or a list of strings."""
    if not value:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).replace(",", " ").split()
    return tuple(str(item).strip() for item in items if str(item).strip())


def token_ref(token: str) -> str:
    """What records and the store keep instead of the token: its sha256 (useless for redemption)."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_token(
    *,
    plan: str,
    items: Sequence[TokenItem],
    key: ed25519.Ed25519PrivateKey,
    approver: Approver,
    ttl: int,
    now: datetime | None = None,
) -> str:
    """Mint a token: the payload (request, item digests, expiry, nonce) and the approver's signature over it."""
    if not items:
        raise InvalidToken("nothing to approve", hint="the request has no pending items")
    payload_bytes = _payload_bytes(plan, items, now or datetime.now(UTC), ttl, secrets.token_hex(16))
    return f"{TOKEN_PREFIX}.{_b64(payload_bytes)}.{_signature_part(approver, key.sign(_DOMAIN + payload_bytes))}"


def _item_json(item: TokenItem) -> dict[str, str]:
    return {"id": item.item_id, "d": item.digest, "t": item.target, "tier": item.tier}


def _payload_bytes(plan: str, items: Sequence[TokenItem], now: datetime, ttl: int, nonce: str) -> bytes:
    issued = int(now.timestamp())
    payload = {
        "v": 1,
        "plan": plan,
        "items": [_item_json(i) for i in items],
        "iat": issued,
        "exp": issued + int(ttl),
        "nonce": nonce,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _signature_part(approver: Approver, signature: bytes) -> str:
    return _b64(json.dumps([{"k": approver.key_id, "n": approver.name, "s": _b64(signature)}]).encode())


@dataclass(frozen=True, slots=True)
class MintedToken:
    """A token ``sign_tokens`` minted, with the items it carries."""

    token: str
    items: tuple[TokenItem, ...]


def sign_tokens(
    *,
    plan: str,
    items: Sequence[TokenItem],
    key: ed25519.Ed25519PrivateKey,
    approver: Approver,
    ttl: int,
    now: datetime | None = None,
) -> tuple[MintedToken, ...]:
    """Mint the tokens that carry ``items``: one when they fit, else as few as the bounds every reader holds a token
    to allow (``verify_token``: at most ``_MAX_ITEMS`` items and ``_MAX_TOKEN`` characters). Why: one approval of a
    fleet run (100 hosts x 20 tasks is 2,000 items, about 350 KB) signed as one token was a token no run accepts,
    so every task waited for an approval that had been given. The items are packed in order, each token as full as
    its exact encoded length allows; each covers its own items, all with the same issue time and expiry. A run
    presents them all (one per line in PRAXIS_APPROVAL_FILE)."""
    if not items:
        raise InvalidToken("nothing to approve", hint="the request has no pending items")
    moment = now or datetime.now(UTC)
    # The token's length for a run of items, computed as sign_token encodes it (the nonce and the signature have a
    # fixed length): the payload without items, each item's JSON and a comma between two, in base64 without padding.
    empty = len(_payload_bytes(plan, [], moment, ttl, "0" * 32))
    signature = len(_signature_part(approver, bytes(64)))
    minted: list[MintedToken] = []
    chunk: list[TokenItem] = []
    size = empty
    for item in items:
        cost = len(json.dumps(_item_json(item), sort_keys=True, separators=(",", ":"))) + (1 if chunk else 0)
        if chunk and (len(chunk) >= _MAX_ITEMS or _token_length(size + cost, signature) > _MAX_TOKEN):
            minted.extend(_signed_within_bounds(tuple(chunk), plan=plan, key=key, approver=approver, ttl=ttl,
                                                now=moment))  # fmt: skip
            chunk, size = [], empty
            cost -= 1  # the first item of a token has no comma before it
        chunk.append(item)
        size += cost
    minted.extend(_signed_within_bounds(tuple(chunk), plan=plan, key=key, approver=approver, ttl=ttl, now=moment))
    return tuple(minted)


def _token_length(payload_length: int, signature_length: int) -> int:
    return len(TOKEN_PREFIX) + 1 + (4 * payload_length + 2) // 3 + 1 + signature_length


def _signed_within_bounds(
    items: tuple[TokenItem, ...],
    *,
    plan: str,
    key: ed25519.Ed25519PrivateKey,
    approver: Approver,
    ttl: int,
    now: datetime,
) -> list[MintedToken]:
    """``items`` signed as one token, checked against the bound rather than trusted to the length computed above:
    a token that came out longer anyway (an item alone longer than a token can be) is split in two, or refused."""
    token = sign_token(plan=plan, items=items, key=key, approver=approver, ttl=ttl, now=now)
    if len(token) <= _MAX_TOKEN:
        return [MintedToken(token, items)]
    if len(items) == 1:
        raise InvalidToken(
            f"the item {items[0].item_id} does not fit in an approval token", hint="approve the items one by one"
        )
    half = len(items) // 2
    return [*_signed_within_bounds(items[:half], plan=plan, key=key, approver=approver, ttl=ttl, now=now),
            *_signed_within_bounds(items[half:], plan=plan, key=key, approver=approver, ttl=ttl, now=now)]  # fmt: skip


def cosign_token(token: str, *, key: ed25519.Ed25519PrivateKey, approver: Approver) -> str:
    """Add a second approver's signature (T3 with two approvers) without changing what is approved."""
    payload_bytes, signatures = _split(token)
    if any(s.get("k") == approver.key_id for s in signatures):
        raise InvalidToken(f"{approver.name} already signed this approval", hint="a second approver must cosign")
    signatures.append({"k": approver.key_id, "n": approver.name, "s": _b64(key.sign(_DOMAIN + payload_bytes))})
    return f"{TOKEN_PREFIX}.{_b64(payload_bytes)}.{_b64(json.dumps(signatures).encode())}"


def _split(token: str) -> tuple[bytes, list[dict[str, Any]]]:
    text = token.strip()
    if len(text) > _MAX_TOKEN:
        raise InvalidToken("the approval token is too long", hint="paste exactly what `approvals approve` printed")
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise InvalidToken("not a praxis approval token", hint="paste exactly what `approvals approve` printed")
    try:
        payload_bytes = _unb64(parts[1])
        signatures = load_json(_unb64(parts[2]), max_bytes=_MAX_TOKEN, max_depth=_MAX_TOKEN_DEPTH)
    except (binascii.Error, ValueError) as exc:  # InputRejected (too deep) is a ValueError
        raise InvalidToken("the approval token is damaged", hint="paste it again, whole") from exc
    if not isinstance(signatures, list) or not all(isinstance(s, dict) for s in signatures):
        raise InvalidToken("the approval token's signatures are malformed", hint="request a new approval")
    return payload_bytes, signatures


def person(name: str) -> str:
    """Who a principal or an approver's name names, for the rules that need two people: the part before the first
    ``@``, without case. A principal is ``<who>@<where>`` and an approver's name may hold an ``@`` itself
    (``alice@corp.example``); comparing whole names let ``alice@corp.example`` approve a request of
    ``alice@corp.example@web1``. Ambiguity rounds up: ``alice``, ``Alice@ops`` and ``alice@corp.example`` are one
    person to these rules."""
    return name.split("@", 1)[0].casefold()


def may_be_requester(approver: str, requester: str) -> bool:
    """Whether an approver's signature may be the requester's own, for the distinct-approver rule."""
    return person(approver) == person(requester)


# Tokens this process has verified, by everything their verification depends on apart from the clock. A fleet's
# approval is several 64 KiB tokens and a redeeming task tried them in turn, each a JSON parse and a signature check
# in a freshly forked worker (about 1.3 ms each): the controller verifies the presented tokens once before workers
# fork (ApprovalSeam.prepare_run) and each worker finds them here. Only verified tokens are kept, and bounded.
_VERIFIED: dict[tuple[str, tuple[tuple[str, str, bytes], ...], str, bool, int], VerifiedToken] = {}
_VERIFIED_LIMIT = 64


def verify_token(
    token: str,
    *,
    approvers: Mapping[str, Approver],
    now: datetime,
    max_ttl: int,
    requester: str = "",
    distinct_from_requester: bool = False,
    allow_expired: bool = False,
) -> VerifiedToken:
    """Check signatures against the registry, expiry and shape; raise InvalidToken with the reason otherwise.

    Does not decide what the token covers: the caller matches item digests against the task and consumes.
    ``allow_expired``: check everything but the expiry (the caller decides whether the run that presents it began
    redeeming it in time: expiry bounds the run, not each task).

    What does not depend on the clock is remembered per process, keyed by the exact token, every registered key id
    with its name and public key, the requester rule and the maximum lifetime, so a changed registry verifies
    again; the clock is judged on every call.
    """
    text = token.strip()
    registry = tuple(sorted((key, approver.name, approver.raw) for key, approver in approvers.items()))
    memo_key = (text, registry, requester, distinct_from_requester, max_ttl)
    verified = _VERIFIED.get(memo_key)
    if verified is None:
        verified = _verify_untimed(text, approvers, max_ttl, requester, distinct_from_requester)
        if len(_VERIFIED) < _VERIFIED_LIMIT:
            _VERIFIED[memo_key] = verified
    moment = int(now.timestamp())
    if verified.expires_at <= moment and not allow_expired:
        raise InvalidToken(
            f"the approval expired at {datetime.fromtimestamp(verified.expires_at, UTC).isoformat()}",
            hint="request a new approval; a retry needs a fresh one",
        )
    if verified.issued_at > moment + _CLOCK_SKEW:  # minted ahead of this clock, it would outlive the maximum
        raise InvalidToken(
            f"the approval's lifetime exceeds this installation's maximum ({max_ttl} s)",
            hint="approve again with a shorter --ttl",
        )
    return verified


def _verify_untimed(
    token: str, approvers: Mapping[str, Approver], max_ttl: int, requester: str, distinct_from_requester: bool
) -> VerifiedToken:
    """Everything verify_token checks that the clock does not change: signatures, shape, lifetime, T3 targets."""
    payload_bytes, signatures = _split(token)
    try:
        payload = load_json(payload_bytes, max_bytes=_MAX_TOKEN, max_depth=_MAX_TOKEN_DEPTH)
    except ValueError as exc:
        raise InvalidToken("the approval token is damaged", hint="paste it again, whole") from exc
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise InvalidToken("unknown approval token version", hint="request a new approval")
    valid_names: list[str] = []
    for signature in signatures:
        approver = approvers.get(str(signature.get("k", "")))
        if approver is None:
            continue  # a key the operator never registered proves nothing
        try:
            approver.public.verify(_unb64(str(signature.get("s", ""))), _DOMAIN + payload_bytes)
        except (exceptions.InvalidSignature, binascii.Error, ValueError):
            raise InvalidToken(
                f"the approval token's signature by {approver.name} does not verify (altered?)",
                hint="request a new approval; do not edit tokens",
            ) from None
        if all(person(approver.name) != person(name) for name in valid_names):
            valid_names.append(approver.name)  # one person signing twice (under two names) counts once
    if not valid_names:
        raise InvalidToken(
            "the approval token is not signed by any registered approver",
            hint="approvers are registered by the operator (`praxis-gate operator init`)",
        )
    if distinct_from_requester:
        valid_names = [name for name in valid_names if not may_be_requester(name, requester)]
        if not valid_names:
            raise InvalidToken(
                "the approval was signed by the requester; this installation needs a different approver",
                hint="ask another operator to approve",
            )
    try:
        issued, expires = int(payload["iat"]), int(payload["exp"])
        plan = str(payload["plan"])
        raw_items = payload["items"]
        if not isinstance(raw_items, list) or not 0 < len(raw_items) <= _MAX_ITEMS:
            raise ValueError("items")
        items = tuple(
            TokenItem(str(i["id"]), str(i["d"]), str(i["t"]), str(i["tier"])) for i in raw_items if isinstance(i, dict)
        )
        if len(items) != len(raw_items):
            raise ValueError("item")
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidToken("the approval token's content is malformed", hint="request a new approval") from exc
    if expires - issued > max_ttl:
        raise InvalidToken(
            f"the approval's lifetime exceeds this installation's maximum ({max_ttl} s)",
            hint="approve again with a shorter --ttl",
        )
    t3_targets = {i.target for i in items if i.tier == "T3"}
    if len(t3_targets) > 1:
        raise InvalidToken(
            "a T3 approval must name exactly one target host; this one names " + ", ".join(sorted(t3_targets)[:5]),
            hint="approve T3 actions one host at a time (`approvals approve ID --host HOST`)",
        )
    return VerifiedToken(
        plan=plan,
        items=items,
        approvers=tuple(valid_names),
        issued_at=issued,
        expires_at=expires,
        ref=token_ref(token),
    )
