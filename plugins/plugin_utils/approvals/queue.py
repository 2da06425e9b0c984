# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The approval queue's housekeeping: one pending request per task, what state each item is in, and denials.

Why: every retry of a gated task used to open a fresh pending request, so an operator found seven requests for one
task, and a redemption race opened one per loser. The queue keeps, per *binding* (action, target, tier, keyed
argument digest, ruleset: everything an approval is bound to, see tokens.Binding), the one item that currently asks
for it, as a fact in the store's append-only ``facts`` table. A newer request for the same binding supersedes the
older one (the fact gets a new version that names it; history keeps both), so the older item stops being pending.

Nothing here is consulted for trust: whether a token may run a task is still decided by its signature, its binding
and single use (stage.py). The queue only decides what an operator is shown and what a refusal names.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..store import Store
from ..store._model import ApprovalItem, ApprovalRequest, ConflictError
from .tokens import Binding

__all__ = [
    "GRANTS",
    "PLAN_REFUSED",
    "PLAN_RUNTIME",
    "ItemState",
    "binding_of",
    "claim",
    "current_claim",
    "denial",
    "item_state",
]

_PENDING = "pending"
PLAN_REFUSED = "refused"  # a --check plan's item the real run will refuse (above the mode ceiling): never approvable
GRANTS = ("grants", "approval-grants")  # (predicate, fact type): every signed approval of a plan, for its state
PLAN_RUNTIME = "decided at run time"  # a task the --check run could not bind: the real run asks for it
_FACT_TYPE = "approval-pending"
_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class ItemState:
    """An item's state for the operator: ``pending`` (approvable), ``approved`` (signed, not used yet), ``used``,
    ``expired``, ``stale`` (the rules changed), ``superseded`` (a newer request asks for the same task: ``by`` names
    it), ``denied``, ``refused`` (above the mode ceiling) or ``decided at run time``."""

    name: str
    by: str = ""

    @property
    def pending(self) -> bool:
        return self.name == _PENDING

    @property
    def approvable(self) -> bool:
        """Pending, or approved and not used yet (a second approver, or a new token after a lost one)."""
        return self.name in (_PENDING, "approved")

    def __str__(self) -> str:
        if self.name == "stale":
            return "stale (rules changed)"
        if self.name == "approved":
            return f"approved by {self.by}"
        return f"{self.name} by {self.by}" if self.by else self.name


def binding_of(request: ApprovalRequest, item: ApprovalItem) -> Binding:
    """The binding a recorded item asks an approval for."""
    return Binding(item.action, item.target, item.tier, item.args_digest, request.ruleset_digest)


def _subject(binding: Binding) -> str:
    blob = json.dumps(
        [binding.action, binding.target, binding.tier, binding.args_digest, binding.ruleset], separators=(",", ":")
    )
    return "approval-binding:" + hashlib.sha256(blob.encode()).hexdigest()


def current_claim(store: Store, binding: Binding) -> dict[str, Any] | None:
    """The newest request (plan) that asks for ``binding``: ``{"plan", "items", "requests"}``, or None. A plan can
    ask twice for the same binding (a play that restarts a service at two points): each is an item of its own."""
    fact = store.current(_subject(binding), _PENDING, _FACT_TYPE)
    return dict(fact.content) if fact is not None and isinstance(fact.content, dict) else None


def claim(store: Store, binding: Binding, *, item: str, request: str, plan: str, actor: str) -> dict[str, Any] | None:
    """Make ``item`` of ``plan`` one that asks for ``binding``; returns the claim of an older plan it superseded.

    A compare-and-set write: two runs asking for the same task at the same moment both write, one after the other,
    and the later one supersedes the earlier (never a lost update that would leave two pending). Items of the same
    plan join the claim instead of superseding each other."""
    subject = _subject(binding)
    for _repeat in range(_ATTEMPTS):
        fact = store.current(subject, _PENDING, _FACT_TYPE)
        previous = dict(fact.content) if fact is not None and isinstance(fact.content, dict) else None
        same_plan = previous is not None and previous.get("plan") == plan
        content = {
            "plan": plan,
            "items": [*(previous.get("items", []) if previous and same_plan else []), item],
            "requests": [*(previous.get("requests", []) if previous and same_plan else []), request],
        }
        try:
            store.put(
                subject, _PENDING, _FACT_TYPE, content,
                expected_hash=fact.content_hash if fact is not None else None, actor=actor,
                reason=(f"another item of {plan}" if same_plan else f"superseded by {plan}") if fact else None,
            )  # fmt: skip
        except ConflictError:
            continue
        return None if same_plan else previous
    raise ConflictError(
        f"could not record the pending request {plan} after {_ATTEMPTS} concurrent updates",
        hint="retry the run; the store is very busy",
    )


def denial(store: Store, plan: str) -> dict[str, Any] | None:
    """The operator's denial of a request (plan), if any."""
    fact = store.current(plan, "decision", "approval-denial")
    return dict(fact.content) if fact is not None and isinstance(fact.content, dict) else None


def item_state(
    store: Store,
    request: ApprovalRequest,
    item: ApprovalItem,
    *,
    ruleset: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ItemState:
    """What an operator can still do with ``item``: only a ``pending`` item can be approved."""
    plan_state = item.payload.get("plan_state")
    if plan_state in (PLAN_REFUSED, PLAN_RUNTIME):
        return ItemState(str(plan_state))
    if store.consumption(item.item_id) is not None:
        return ItemState("used")
    plan = str(request.payload.get("plan") or request.request_id)
    if denial(store, plan) is not None:
        return ItemState("denied")
    if request.expires_at <= now():
        return ItemState("expired")
    if request.ruleset_digest != ruleset:
        return ItemState("stale")
    current = current_claim(store, binding_of(request, item))
    if current is not None and item.item_id not in current.get("items", [item.item_id]):
        return ItemState("superseded", str(current.get("plan") or "?"))
    for grant in reversed(store.history(plan, *GRANTS)):
        content = grant.content if isinstance(grant.content, dict) else {}
        if item.item_id in content.get("items", []) and float(content.get("expires", 0)) > now().timestamp():
            return ItemState("approved", f"{content.get('by')}, unused, valid until {content.get('expires_at')}")
    return ItemState(_PENDING)
