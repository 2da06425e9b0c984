# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The approvals stage of the pipeline (after the mode ceiling): redeem a covering token, or record a request.

Kept apart from the token mathematics (approvals.py) because this is where the store is touched: pending items
are written here, consumption happens here, and nothing here is consulted for trust.

Security constraints: SEC-2, SEC-3, SEC-4, SEC-6, SEC-10 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..audit.checkpoint import read_anchor
from ..core.errors import StateError
from ..core.killswitch import is_tripped
from ..core.models import TaskRequest, Tier, Verdict
from ..core.requirements import lazy, require
from ..core.seams import ALL_TIERS, SeamContext, SeamResult, Signal
from ..core.settings import GateSettings
from ..policy.redact import redact, redact_text
from .tokens import APPROVAL_TIERS, Binding, InvalidToken, TokenItem, VerifiedToken, plan_id, verify_token

if TYPE_CHECKING:
    from .. import store as _store
    from ..store import Store, _model
    from . import bodies as _bodies
    from . import notify as _notify
    from . import operators as _operators
    from . import queue as _queue
    from .notify import Delivery
    from .operators import Approver
else:  # loaded by the first task that needs an approval (or warm(), before workers fork): not by arming
    _RUNNER = __package__.rsplit(".", 1)[0]
    _store = lazy(f"{_RUNNER}.store")
    _model = lazy(f"{_RUNNER}.store._model")
    _queue = lazy(f"{_RUNNER}.approvals.queue")
    _operators = lazy(f"{_RUNNER}.approvals.operators")  # the approver registry: read with the first token
    _bodies = lazy(f"{_RUNNER}.approvals.bodies")  # imports the queue
    _notify = lazy(f"{_RUNNER}.approvals.notify")  # the webhook: the egress client, at a run's end only

__all__ = ["DIFF_LIMIT", "WAIT_GRANT", "ApprovalSeam"]

_MAX_DIFF_BYTES = 32 * 1024
DIFF_LIMIT = 8000  # characters of each side of a diff kept for review; longer ones end in the redactor's marker
WAIT_POLL_SECONDS = 1.0
WAIT_GRANT = ("wait-grant", "approval-wait-grant")  # (predicate, fact type) of approvals a waiting run picks up


class ApprovalSeam:
    """T2 and T3 need a human: a token that covers the exact task, consumed once; otherwise a pending request."""

    def __init__(
        self,
        settings: GateSettings,
        *,
        store: Callable[[], Store] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tiers: frozenset[Tier] = APPROVAL_TIERS,
    ) -> None:
        self.settings = settings
        self._tiers = tiers  # drift convergence asks a human for every change (T1 too): nothing auto-fixes
        self._open_store = store or (lambda: _store.open_store(settings, quick_check=False))
        self._store: Store | None = None
        self._store_warmed = False  # the store's modules loaded in this process by warm()
        self._store_pid = -1
        self._clock = clock
        self._approvers: dict[str, Approver] | None = None
        self._dry_runs: dict[str, tuple[SeamContext, str]] = {}
        self._decided = ""  # the decision another seam had this stage decide (see demand)
        self._binding_key: bytes | None = None
        self._swept = False  # the controller swept expired bodies before workers forked (prepare_run)
        # Where a waiting task says what it waits for: the run's own output (the adapter sets it), else stdout.
        self.announce: Callable[[str], None] = lambda line: print(line, flush=True)

    # -------------------------------------------------------------------------------------------- pipeline hook
    @property
    def quiet_tiers(self) -> frozenset[Tier]:
        """The tiers this stage never decides when asked in turn: those it asks no human for (see core/seams.py).
        Another seam may still have it decide one (``demand``); such a seam is not quiet, so the gate asks them all,
        and this stage's turn then ends the demand."""
        return ALL_TIERS - self._tiers

    def warm(self, tier: Tier) -> bool:
        """Before workers fork (the controller's warm-up, core/seams.py): a task of ``tier`` writes to the store in
        its worker when this stage asks a human about it, or when a --check run lists it as refused (T2 and above),
        so the store's modules and driver are loaded here once. True once they are (nothing left to load). Opens
        nothing; never raises."""
        if self._store_warmed or (tier not in self._tiers and tier < Tier.T2):
            return self._store_warmed
        self._store_warmed = True
        with contextlib.suppress(Exception):
            _warm_recording()
        return True

    def __call__(self, context: SeamContext) -> SeamResult | None:
        if context.decision_id == self._decided:
            self._decided = ""  # another seam had this request decided already (see demand)
            return None
        if context.evaluation.tier not in self._tiers:
            return None
        return self._decide(context, why="")

    def demand(self, context: SeamContext, *, why: str) -> SeamResult | None:
        """Decide this request's approval now, whatever its tier, on behalf of another seam (an agent session's
        trifecta latch asks for T1 approvals; budgets must know the outcome before they are charged). ``why`` leads
        the reason and is kept with the pending item. This stage's own turn for the same request is then a no-op, so
        one request never records two pending items."""
        self._decided = context.decision_id
        return self._decide(context, why=why)

    def _decide(self, context: SeamContext, *, why: str) -> SeamResult | None:
        evaluation, request = context.evaluation, context.request
        if evaluation.dry_run:
            # A dry run changes nothing: it runs, and its diff joins the run's plan for the operator to approve
            # (or, above the mode ceiling, to read as refused up front: nobody is asked to approve it).
            if context.record:
                self._dry_runs[context.decision_id] = (context, why)
            return None
        if evaluation.tier is Tier.T3 and request.batch_size != 1:
            return SeamResult(
                Verdict.REFUSED,
                f"T3 actions run on exactly one host at a time; this batch has {request.batch_size} hosts "
                "(use serial: 1 or --limit to one host)",
                "approval.t3-one-host",
            )
        binding = self._binding(context)
        problems: list[str] = []
        lost: list[str] = []  # requests whose covering item another decision used first
        for token in request.approval_tokens:
            result = self._redeem(token, binding, context, problems, lost)
            if result is not None:
                return result
        detail = f" ({'; '.join(dict.fromkeys(problems))})" if problems else ""
        lead = f"{why}; " if why else ""
        if not context.record:  # `praxis-gate check`: nothing is recorded, so there is no request to name
            return SeamResult(
                Verdict.APPROVAL_REQUIRED,
                f"{lead}{evaluation.tier} needs a human approval{detail}: a real run records an approval request and "
                "names it; an operator reviews it with `praxis-gate approvals show REQUEST`",
                "approval.required",
            )
        if lost:
            return self._lost(binding, lost, detail, lead=lead)
        if request.check_run:
            # A --check run does not run what would really execute: the task is listed in the plan as "executes for
            # real" (approvable for the real run) and the run goes on.
            request_id = self._record_pending(context, binding, diff=None, for_real=True, why=why)
            return SeamResult(
                Verdict.APPROVAL_REQUIRED,
                f"{lead}{evaluation.tier}: not run under --check (it would execute for real); listed in request "
                f"{request_id} for the real run: `praxis-gate approvals show {request_id}`",
                "approval.planned",
                planned=True,
            )
        wait = self._wait_seconds(request)
        request_id = self._record_pending(context, binding, diff=None, waiting=wait > 0, why=why)
        if wait > 0:
            return self._wait(context, binding, request_id, wait, detail, lead=lead)
        return SeamResult(
            Verdict.APPROVAL_REQUIRED,
            f"{lead}{evaluation.tier} needs a human approval: request {request_id}{detail}. An operator reviews it "
            f"with `praxis-gate approvals show {request_id}`; the approved run presents the token as the extra var "
            "praxis_approval, PRAXIS_APPROVAL or PRAXIS_APPROVAL_FILE",
            "approval.required",
        )

    def _lost(self, binding: Binding, lost: list[str], detail: str, *, lead: str = "") -> SeamResult:
        """A covering approval that another decision used first (a redemption race, or a relaunch replaying it)
        opens no request of its own: it names the request that already asks for this task, or the one it lost."""
        store = self._get_store()
        current = _queue.current_claim(store, binding)
        waiting = None
        for item_id in current.get("items", []) if current is not None else []:
            item = store.approval_item(str(item_id))
            found = store.approval_request(item.request_id) if item is not None else None
            if (
                item is not None
                and found is not None
                and _queue.item_state(store, found, item, ruleset=binding.ruleset, now=self._clock).pending
            ):
                waiting = str(found.payload.get("plan") or found.request_id)
                break
        if waiting is not None:
            next_step = (
                f"request {waiting} already asks for this task: an operator reviews it with "
                f"`praxis-gate approvals show {waiting}`"
            )
        else:
            used = lost[0]
            next_step = (
                f"`praxis-gate approvals show {used}` shows its use; to run the task again, run it without the used "
                "approval, which records a new request for an operator"
            )
        return SeamResult(
            Verdict.APPROVAL_REQUIRED,
            f"{lead}{binding.tier} needs a human approval: the approval presented for this task was already used, and "
            f"a retry needs a new one{detail}. {next_step}",
            "approval.required",
        )

    def pending_for_run(self, run_id: str) -> tuple[str, int] | None:
        """(request id, number of items) this run left waiting for an operator, if any."""
        requests = self._get_store().list_approval_requests(run_id=run_id)
        return (plan_id(run_id), len(requests)) if requests else None

    def announce_pending(self, run_id: str) -> Delivery | None:
        """Announce this run's pending request on the operator's webhook, if one is set (never raises)."""
        if not self.settings.approval_webhook:
            return None
        try:
            store = self._get_store()
            requests = store.list_approval_requests(run_id=run_id)
            items = [item for request in requests for item in store.approval_items(request.request_id)]
        except Exception as exc:
            return _notify.Delivery(
                False, 0, f"cannot read the pending requests: {type(exc).__name__}", plan_id(run_id)
            )
        return _notify.announce(self.settings, plan_id(run_id), requests, items)

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None:
        pending = self._dry_runs.pop(decision_id, None)
        if pending is None:
            return
        context, why = pending
        if context.evaluation.tier > self.settings.mode.ceiling:
            reason = (
                f"{context.evaluation.tier} exceeds the {self.settings.mode.value} mode ceiling "
                f"({self.settings.mode.ceiling}): the real run will refuse it"
            )
            self.record_refused(context, reason, diff=diff)
            return
        self._record_pending(context, self._binding(context), diff=diff, status=status, why=why)

    def observe(self, signal: Signal) -> None:
        """Approvals follow decisions only."""

    def record_refused(self, context: SeamContext, reason: str, *, diff: Any = None) -> str:
        """List a task the real run will refuse (above the mode ceiling) in the run's plan, with the reason; it is
        never approvable."""
        return self._record_item(context, plan_state=_queue.PLAN_REFUSED,
                                 extra={"refused": redact_text(reason, limit=400)}, diff=diff)  # fmt: skip

    def record_runtime(
        self, *, run_id: str, principal: str, session: str, host: str, action: str, task_name: str, task_path: str,
        args_template: Any, why: str, tier: str, ruleset_digest: str,
    ) -> str:  # fmt: skip
        """List a task a --check run could not bind (its arguments come from registered results, or it is skipped
        under check mode) as "decided at run time": module, task path and argument template, so the operator sees
        it; the real run asks for it then (and waits, in wait mode)."""
        plan = plan_id(run_id)
        payload = {
            "task": redact_text(task_name, limit=200),
            "task_path": redact_text(task_path, limit=300),
            "args": redact(args_template, max_str=500),
            "reasons": [redact_text(why, limit=300)],
            "plan_state": _queue.PLAN_RUNTIME,
        }
        item_id = f"item-{uuid.uuid4().hex[:20]}"
        request_id = f"{plan}.{uuid.uuid4().hex[:10]}"
        now = self._clock()
        self._get_store().add_approval_request(
            request_id=request_id, requester=principal or self.settings.principal,
            session=session, run_id=run_id, ruleset_digest=ruleset_digest,
            expires_at=now.replace(microsecond=0) + timedelta(seconds=self.settings.approval_pending_ttl),
            payload={"plan": plan, "check_run": True, "mode": self.settings.mode.value},
            items=[_model.ApprovalItem(item_id=item_id, request_id=request_id, action=action, target=host,
                                       tier=tier, args_digest="decided-at-run-time", payload=payload)],
        )  # fmt: skip
        return plan

    # -------------------------------------------------------------------------------------------- waiting
    def _wait_seconds(self, request: TaskRequest) -> int:
        """The run's wait: the job-template variable praxis_approval_wait, bounded by the operator's setting when
        that is set; otherwise the operator's setting."""
        configured = self.settings.approval_wait
        asked = request.approval_wait
        if asked is None:
            return configured
        return min(asked, configured) if configured > 0 else min(asked, 86_400)

    def _wait(
        self, context: SeamContext, binding: Binding, plan: str, seconds: int, detail: str, *, lead: str = ""
    ) -> SeamResult:
        """Wait for an operator's decision on this task: a signed approval of its item reaches the store (the
        operator's `approvals approve` puts it there for a waiting run), a denial, the emergency stop, or the end
        of the wait. The approval is redeemed exactly as a presented token would be: bound, single use."""
        request = context.request
        self._announce(
            f"praxis.gatekeeper: {binding.tier} {request.action} on {request.target} waits up to {seconds} s for an "
            f"operator: `praxis-gate approvals show {plan}`, then `praxis-gate approvals approve {plan}` (or "
            f"`praxis-gate approvals deny {plan} --reason ...`)"
        )
        deadline = time.monotonic() + seconds
        tried: set[str] = set()
        store = self._get_store()
        while True:
            if is_tripped(self.settings.killswitch_path):
                return SeamResult(Verdict.REFUSED, "the emergency stop ended the wait for an approval", "killswitch")
            refused = _queue.denial(store, plan)
            if refused is not None:
                return SeamResult(
                    Verdict.REFUSED,
                    f"request {plan} was denied by {refused.get('by')}: {refused.get('reason')}",
                    "approval.denied",
                )
            problems: list[str] = []
            for fact in store.history(plan, *WAIT_GRANT):
                token = str((fact.content or {}).get("token", "")) if isinstance(fact.content, dict) else ""
                ref = hashlib.sha256(token.encode()).hexdigest()
                if not token or ref in tried:
                    continue
                result = self._redeem(token, binding, context, problems, [])
                if result is not None:
                    return result
                tried.add(ref)
            if time.monotonic() >= deadline:
                return SeamResult(
                    Verdict.APPROVAL_REQUIRED,
                    f"{lead}{binding.tier} needs a human approval: no operator decided request {plan} within "
                    f"{seconds} s{detail}. `praxis-gate approvals show {plan}`",
                    "approval.required",
                )
            time.sleep(WAIT_POLL_SECONDS)

    def _announce(self, line: str) -> None:
        with contextlib.suppress(Exception):
            self.announce(line)

    # -------------------------------------------------------------------------------------------- redemption
    def _redeem(
        self, token: str, binding: Binding, context: SeamContext, problems: list[str], lost: list[str]
    ) -> SeamResult | None:
        try:
            verified = verify_token(
                token,
                approvers=self._registry(),
                now=self._clock(),
                max_ttl=self.settings.approval_max_ttl,
                requester=context.request.principal,
                distinct_from_requester=self.settings.approval_distinct,
                allow_expired=True,
            )
        except InvalidToken as exc:
            problems.append(exc.message)
            return None
        if verified.expires_at <= int(self._clock().timestamp()) and not self._run_began_with(verified, context):
            # Expiry is checked when a run redeems its first item; from then on it bounds the run, not each task.
            expired = datetime.fromtimestamp(verified.expires_at, UTC).isoformat()
            problems.append(f"the approval expired at {expired} before this run redeemed any of its items")
            return None
        items = _covering_items(verified, binding)
        if not items:
            problems.append(
                "a presented approval does not cover this task (its action, target, privilege, tier, arguments or "
                "ruleset differ from what was approved); nothing was consumed"
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
        for item in items:
            # Single use rests on the store; the audit log is a second, independent witness. Rolling back the store
            # to replay a token must then also rewrite the hash-chained, anchored log, which `audit verify` exposes.
            witness = self._audit_witness(item.item_id, verified.issued_at)
            if witness:
                problems.append(witness)
                if witness.startswith("this approval was already used"):
                    lost.append(verified.plan)
                continue
            try:
                consumed = store.consume(
                    item.item_id,
                    consumer=context.decision_id,
                    context={"approval_ref": verified.ref, "approvers": list(verified.approvers),
                             "run_id": context.request.run_id},
                )  # fmt: skip
            except _model.StoreRefused:
                problems.append("the approved item is not in this installation's store")
                continue
            if consumed:
                _bodies.purge(store, [item.item_id], because="used")  # never raises; the next sweep retries
                return SeamResult(
                    Verdict.ALLOWED,
                    f"approved by {', '.join(verified.approvers)} (request {verified.plan}, item {item.item_id})",
                    "approval.granted",
                    approval_ref=verified.ref,
                    approval_item=item.item_id,
                )
            problems.append("this approval was already used; a retry needs a new request and a new approval")
            lost.append(verified.plan)
        return None

    def _run_began_with(self, verified: VerifiedToken, context: SeamContext) -> bool:
        """Whether this run already redeemed an item of this approval (so it began while the approval was valid)."""
        store = self._get_store()
        run_id = context.request.run_id
        for item in verified.items:
            used = store.consumption(item.item_id)
            if (
                used is not None
                and run_id
                and used.context.get("run_id") == run_id
                and (used.context.get("approval_ref") == verified.ref)
            ):
                return True
        return False

    def _audit_witness(self, item_id: str, issued_at: int) -> str | None:
        """A problem if the audit log already shows this item used, or was cut back behind its anchor."""
        try:
            anchor = read_anchor(self.settings.anchor_path)
        except StateError:
            return "the audit log's anchor is unreadable; approvals are refused until `praxis-gate audit verify` passes"
        # The verifier (and its process pool) loads with the first approval that needs a witness, not at arming.
        from ..audit.verify import records_since  # noqa: PLC0415

        newest = next(records_since(self.settings.audit_path, ""), None)
        if anchor is not None and int((newest or {}).get("seq", 0) or 0) < anchor.seq:
            return "the audit log ends before its anchor (cut back?); approvals are refused until it verifies"
        since = datetime.fromtimestamp(issued_at - 60, UTC).isoformat(timespec="microseconds")
        # The log's writer spells printable ASCII as itself (JSON without escapes), so such an id is found by its
        # bytes without parsing every record (audit/verify.py records_since); any other id is looked for in all.
        plain = item_id.isascii() and item_id.isprintable() and '"' not in item_id and "\\" not in item_id
        for record in records_since(self.settings.audit_path, since, containing=item_id.encode() if plain else None):
            if record.get("approval_item") == item_id and record.get("decision") == "allowed":
                return "this approval was already used (the audit log records its use); a retry needs a new approval"
        return None

    # -------------------------------------------------------------------------------------------- requests
    def _record_pending(
        self, context: SeamContext, binding: Binding, *, diff: Any, status: str | None = None, for_real: bool = False,
        waiting: bool = False, why: str = "",
    ) -> str:  # fmt: skip
        extra: dict[str, Any] = {}
        if for_real:
            extra["executes_for_real"] = True
        if waiting:
            extra["waiting"] = True
        if why:
            extra["why"] = redact_text(why, limit=300)
        return self._record_item(context, binding=binding, diff=diff, status=status, extra=extra)

    def _record_item(
        self, context: SeamContext, *, binding: Binding | None = None, diff: Any = None, status: str | None = None,
        plan_state: str | None = None, extra: dict[str, Any] | None = None,
    ) -> str:  # fmt: skip
        request = context.request
        binding = binding or self._binding(context)
        plan = plan_id(request.run_id)
        request_id = f"{plan}.{uuid.uuid4().hex[:10]}"
        item_payload: dict[str, Any] = {
            "task": redact_text(request.task_name, limit=200),
            "args": "<withheld:no_log>" if request.no_log else redact(request.args, max_str=500),
            "reasons": list(context.evaluation.reasons[:10]),
            "decision_id": context.decision_id,
            "dry_run": context.evaluation.dry_run,
            "become": request.become,
            "become_user": request.become_user if request.become else None,
            "address": _execution(request)["address"],
            "batch_size": request.batch_size,
        }
        if status is not None:
            item_payload["dry_run_status"] = status
        if request.task_path:
            item_payload["task_path"] = redact_text(request.task_path, limit=300)
        if plan_state is not None:
            item_payload["plan_state"] = plan_state
        item_payload.update(extra or {})
        item_id = f"item-{uuid.uuid4().hex[:20]}"
        # The diff is the item's body: kept apart from the append-only payload and purged to its sha256 once the
        # item is decided or its request expires (bodies.py).
        body = {item_id: {"diff": _bounded_diff(diff)}} if diff is not None and not request.no_log else None
        store = self._get_store()
        now = self._clock()
        store.add_approval_request(
            request_id=request_id,
            requester=request.principal or self.settings.principal,
            session=request.session,
            run_id=request.run_id,
            ruleset_digest=context.ruleset_digest,
            expires_at=now.replace(microsecond=0) + timedelta(seconds=self.settings.approval_pending_ttl),
            payload={"plan": plan, "check_run": request.check_mode, "mode": self.settings.mode.value},
            items=[
                _model.ApprovalItem(
                    item_id=item_id,
                    request_id=request_id,
                    action=binding.action,
                    target=binding.target,
                    tier=binding.tier,
                    args_digest=binding.args_digest if plan_state is None else plan_state,
                    payload=item_payload,
                )
            ],
            bodies=body,
        )
        # One pending request per task: this one supersedes an older request for the same binding (a retry).
        if plan_state is None:
            _queue.claim(store, binding, item=item_id, request=request_id, plan=plan,
                         actor=request.principal or self.settings.principal)  # fmt: skip
        return plan

    def _binding(self, context: SeamContext) -> Binding:
        request, evaluation = context.request, context.evaluation
        return Binding(evaluation.action, request.target, str(evaluation.tier), self._args_digest(request),
                       context.ruleset_digest)  # fmt: skip

    def _args_digest(self, request: TaskRequest) -> str:
        """HMAC of what would actually run, under the store's binding key: the exact arguments, the privilege it
        runs with, and the machine it reaches (address, port, user, connection), so an approval does not follow an
        inventory name to another machine or cover a become it was not asked for. Every controller sharing the
        store computes the same digest (an approval asked on one AWX node redeems on another), while readers of the
        audit log, which keeps its own per-installation digest, cannot test guesses against it."""
        blob = json.dumps(_execution(request), sort_keys=True, default=str, ensure_ascii=True).encode()
        return hmac.new(self._key(), blob, hashlib.sha256).hexdigest()

    def prepare_run(self, tokens: Iterable[str]) -> None:
        """Before workers fork, in the controller of a run that presents tokens: verify each presented token once,
        read the binding key and sweep expired bodies, so that no task's freshly forked worker does them again (a
        fleet's approval is several 64 KiB tokens, which each task tried in turn). The store opened here is closed
        here: a store must not cross fork(). Never raises: a token that does not verify here is verified again, and
        refused with its reason, by the task that presents it; a key not read here is read by the first task."""
        with contextlib.suppress(Exception):
            approvers = _operators.load_registry(self.settings.approvers_path, self.settings.approver_keys)
            for token in tokens:
                with contextlib.suppress(InvalidToken):
                    verify_token(
                        token, approvers=approvers, now=self._clock(), max_ttl=self.settings.approval_max_ttl,
                        requester=self.settings.principal, distinct_from_requester=self.settings.approval_distinct,
                        allow_expired=True,
                    )  # fmt: skip
        with contextlib.suppress(Exception):
            store = self._open_store()
            try:
                self._binding_key = self._read_key(store)
                _bodies.sweep(store)
                self._swept = True
            finally:
                store.close()

    def _key(self) -> bytes:
        if self._binding_key is None:
            self._binding_key = self._read_key(self._get_store())
        return self._binding_key

    @staticmethod
    def _read_key(store: Store) -> bytes:
        """The store's approval binding key, created by the first approval on a store."""
        fact = store.current("praxis", "approval-binding-key", "secret")
        if fact is None:
            # Another controller may create it first (compare-and-set loses): then theirs is used.
            with contextlib.suppress(_model.ConflictError):
                store.put("praxis", "approval-binding-key", "secret", {"key": secrets.token_hex(32)},
                          expected_hash=None, actor="praxis-gate", reason="first approval on a store")  # fmt: skip
            fact = store.current("praxis", "approval-binding-key", "secret")
        if fact is None:
            raise StateError("the store has no approval binding key", hint="run `praxis-gate store check`")
        return bytes.fromhex(str(fact.content["key"]))

    def _registry(self) -> dict[str, Approver]:
        if self._approvers is None:
            self._approvers = _operators.load_registry(self.settings.approvers_path, self.settings.approver_keys)
        return self._approvers

    def _get_store(self) -> Store:
        if self._store is None or self._store_pid != os.getpid():
            self._store, self._store_pid = self._open_store(), os.getpid()  # a store must not cross fork()
            if not self._swept:
                _bodies.sweep(self._store)  # expiry purges lazily, here: no daemon (never raises)
        return self._store


def _execution(request: TaskRequest) -> dict[str, Any]:
    options = request.connection_options
    return {
        "action": request.action,
        "args": request.args,
        "become": request.become,
        "become_method": request.become_method if request.become else None,
        "become_user": request.become_user if request.become else None,
        "connection": request.connection,
        "address": options.get("host") or request.target,
        "port": options.get("port"),
        "remote_user": options.get("remote_user"),
        "delegate_to": request.delegate_to,
    }


def _covering_items(verified: VerifiedToken, binding: Binding) -> list[TokenItem]:
    """Every item of the token that covers this task: a plan can hold the same action twice, one item each."""
    return [
        item
        for item in verified.items
        if item.tier == binding.tier and item.target == binding.target and item.digest == binding.digest(item.item_id)
    ]


def warm(settings: GateSettings) -> None:
    """Load what redeeming an approval needs (the store, its driver, the queue) in this process: the controller
    calls it before workers fork when the run presents approval tokens, so each task's worker does not import them
    again (workers are forked per task and host). Never raises."""
    try:
        _warm_recording()
        _operators.load_registry  # noqa: B018 - the attribute read loads the module
        for module in ("cryptography.exceptions", "cryptography.hazmat.primitives.asymmetric.ed25519"):
            require(module)  # token signatures
        # The audit witness of single use reads the log with the verifier's scanner: importing it in each worker
        # cost about 28 ms of a redeemed task's 48 (bench/results/issue22/approvals-sixth/).
        from ..audit import verify  # noqa: F401, PLC0415
    except Exception:  # only a head start: the task that needs it loads it, or says what is missing
        return


def _warm_recording() -> None:
    """Load what recording or consuming an approval item needs in a worker: the store (its driver, no connection),
    the item model, the queue and the bodies. Shared by the run that presents tokens (``warm``) and the stage's
    own ``ApprovalSeam.warm``."""
    _store.warm()
    _model.ApprovalItem  # noqa: B018 - the attribute read loads the module
    _queue.claim  # noqa: B018
    _bodies.sweep  # noqa: B018


def _denied(store: Store, plan: str) -> bool:
    return store.current(plan, "decision", "approval-denial") is not None


def _bounded_diff(diff: Any) -> Any:
    redacted = redact(diff, max_str=DIFF_LIMIT, max_items=100)
    text = repr(redacted)
    return redacted if len(text) <= _MAX_DIFF_BYTES else redact_text(text, limit=_MAX_DIFF_BYTES)
