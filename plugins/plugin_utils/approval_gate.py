# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The approvals stage of the pipeline (after the mode ceiling): redeem a covering token, or record a request.

Kept apart from the token mathematics (approvals.py) because this is where the store is touched: pending items
are written here, consumption happens here, and nothing here is consulted for trust.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .approvals import APPROVAL_TIERS, Binding, InvalidToken, TokenItem, VerifiedToken, plan_id, verify_token
from .models import Tier, Verdict
from .operators import Approver, load_registry
from .redact import redact, redact_text
from .seams import SeamContext, SeamResult
from .settings import GateSettings
from .store import Store, open_store
from .store._model import ApprovalItem, StoreRefused

__all__ = ["ApprovalSeam"]

_PENDING_HOURS = 24
_MAX_DIFF_BYTES = 32 * 1024


class ApprovalSeam:
    """T2 and T3 need a human: a token that covers the exact task, consumed once; otherwise a pending request."""

    def __init__(
        self,
        settings: GateSettings,
        *,
        store: Callable[[], Store] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._open_store = store or (lambda: open_store(settings, quick_check=False))
        self._store: Store | None = None
        self._store_pid = -1
        self._clock = clock
        self._approvers: dict[str, Approver] | None = None
        self._dry_runs: dict[str, SeamContext] = {}

    # -------------------------------------------------------------------------------------------- pipeline hook
    def __call__(self, context: SeamContext) -> SeamResult | None:
        evaluation, request = context.evaluation, context.request
        if evaluation.tier not in APPROVAL_TIERS:
            return None
        if evaluation.dry_run:
            # A dry run changes nothing: it runs, and its diff joins the run's plan for the operator to approve.
            if context.record:
                self._dry_runs[context.decision_id] = context
            return None
        if evaluation.tier is Tier.T3 and request.batch_size != 1:
            return SeamResult(
                Verdict.REFUSED,
                f"T3 actions run on exactly one host at a time; this batch has {request.batch_size} hosts "
                "(use serial: 1 or --limit to one host)",
                "approval.t3-one-host",
            )
        binding = Binding(evaluation.action, request.target, str(evaluation.tier), context.args_digest,
                          context.ruleset_digest)  # fmt: skip
        problems: list[str] = []
        for token in request.approval_tokens:
            result = self._redeem(token, binding, context, problems)
            if result is not None:
                return result
        request_id = self._record_pending(context, binding, diff=None) if context.record else plan_id(request.run_id)
        detail = f" ({'; '.join(dict.fromkeys(problems))})" if problems else ""
        return SeamResult(
            Verdict.APPROVAL_REQUIRED,
            f"{evaluation.tier} needs a human approval: request {request_id}{detail}. An operator reviews it with "
            f"`praxis-gate approvals show {request_id}`; the approved run presents the token as the extra var "
            "praxis_approval, PRAXIS_APPROVAL or PRAXIS_APPROVAL_FILE",
            "approval.required",
        )

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None:
        context = self._dry_runs.pop(decision_id, None)
        if context is None:
            return
        binding = Binding(context.evaluation.action, context.request.target, str(context.evaluation.tier),
                          context.args_digest, context.ruleset_digest)  # fmt: skip
        self._record_pending(context, binding, diff=diff, status=status)

    # -------------------------------------------------------------------------------------------- redemption
    def _redeem(self, token: str, binding: Binding, context: SeamContext, problems: list[str]) -> SeamResult | None:
        try:
            verified = verify_token(
                token,
                approvers=self._registry(),
                now=self._clock(),
                max_ttl=self.settings.approval_max_ttl,
                requester=context.request.principal,
                distinct_from_requester=self.settings.approval_distinct,
            )
        except InvalidToken as exc:
            problems.append(exc.message)
            return None
        item = _covering_item(verified, binding)
        if item is None:
            problems.append(
                "a presented approval does not cover this task (its action, target, tier, arguments or ruleset "
                "differ from what was approved); nothing was consumed"
            )
            return None
        needed = 2 if binding.tier == "T3" and self.settings.t3_two_approvers else 1
        if len(verified.approvers) < needed:
            problems.append(f"T3 needs {needed} distinct approvers; this approval has {len(verified.approvers)}")
            return None
        store = self._get_store()
        if _denied(store, verified.plan):
            problems.append(f"request {verified.plan} was denied by an operator")
            return None
        try:
            consumed = store.consume(
                item.item_id,
                consumer=context.decision_id,
                context={"approval_ref": verified.ref, "approvers": list(verified.approvers),
                         "run_id": context.request.run_id},
            )  # fmt: skip
        except StoreRefused:
            problems.append("the approved item is not in this installation's store")
            return None
        if not consumed:
            problems.append("this approval was already used; a retry needs a new request and a new approval")
            return None
        return SeamResult(
            Verdict.ALLOWED,
            f"approved by {', '.join(verified.approvers)} (request {verified.plan}, item {item.item_id})",
            "approval.granted",
            approval_ref=verified.ref,
        )

    # -------------------------------------------------------------------------------------------- requests
    def _record_pending(self, context: SeamContext, binding: Binding, *, diff: Any, status: str | None = None) -> str:
        request = context.request
        plan = plan_id(request.run_id)
        request_id = f"{plan}.{uuid.uuid4().hex[:10]}"
        item_payload: dict[str, Any] = {
            "task": redact_text(request.task_name, limit=200),
            "args": "<withheld:no_log>" if request.no_log else redact(request.args, max_str=500),
            "reasons": list(context.evaluation.reasons[:10]),
            "decision_id": context.decision_id,
            "dry_run": context.evaluation.dry_run,
            "become": request.become,
            "batch_size": request.batch_size,
        }
        if status is not None:
            item_payload["dry_run_status"] = status
        if diff is not None and not request.no_log:
            item_payload["diff"] = _bounded_diff(diff)
        store = self._get_store()
        now = self._clock()
        store.add_approval_request(
            request_id=request_id,
            requester=request.principal or self.settings.principal,
            session=request.session,
            run_id=request.run_id,
            ruleset_digest=context.ruleset_digest,
            expires_at=now.replace(microsecond=0) + timedelta(hours=_PENDING_HOURS),
            payload={"plan": plan, "check_run": request.check_mode, "mode": self.settings.mode.value},
            items=[
                ApprovalItem(
                    item_id=f"item-{uuid.uuid4().hex[:20]}",
                    request_id=request_id,
                    action=binding.action,
                    target=binding.target,
                    tier=binding.tier,
                    args_digest=binding.args_digest,
                    payload=item_payload,
                )
            ],
        )
        return plan

    def _registry(self) -> dict[str, Approver]:
        if self._approvers is None:
            self._approvers = load_registry(self.settings.approvers_path, self.settings.approver_keys)
        return self._approvers

    def _get_store(self) -> Store:
        if self._store is None or self._store_pid != os.getpid():
            self._store, self._store_pid = self._open_store(), os.getpid()  # a store must not cross fork()
        return self._store


def _covering_item(verified: VerifiedToken, binding: Binding) -> TokenItem | None:
    for item in verified.items:
        if item.tier == binding.tier and item.target == binding.target and item.digest == binding.digest(item.item_id):
            return item
    return None


def _denied(store: Store, plan: str) -> bool:
    return store.current(plan, "decision", "approval-denial") is not None


def _bounded_diff(diff: Any) -> Any:
    redacted = redact(diff, max_str=4000, max_items=100)
    text = repr(redacted)
    return redacted if len(text) <= _MAX_DIFF_BYTES else redact_text(text, limit=_MAX_DIFF_BYTES)
