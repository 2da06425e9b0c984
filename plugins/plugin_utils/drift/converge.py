# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Convergence: a drifted task on a host changes only through a human approval, and only that task on that host.

`praxis-gate drift converge ID [ID...]`:

1. Currency. Each request must be open and unexpired; all must share one baseline, and that baseline must still be
   what the scan measured (the same content digest). Otherwise: refused, with what to do next (usually: rescan).
2. Re-check. The baseline runs again in check mode on the requests' hosts (readonly, as a scan); each request's
   task must still drift with the same keyed diff digest. Drift that went away marks the request ``gone``.
3. Without a token: the baseline runs once more in check mode, and the approvals stage records each target's dry
   run as an item of one approval request (every tier that changes anything, T1 included). The requests become
   ``approval-requested``; the operator reviews and approves it with `praxis-gate approvals`.
4. With the token (``PRAXIS_APPROVAL`` or ``--approval-file``): after the same currency checks and re-check, the
   baseline runs with only the targets out of check mode, each redeeming its approval item once; every other task
   stays a dry run or is refused. A target that ran is ``applied``, with its outcome.

A request names an approval request only when that approval request holds an item for every execution of its task
on its host recorded by the run that raised it. The approvals stage records no item for a task whose presented
approval was already used (it names the used request, or one already waiting for the task): such a request keeps
its state and is told to run converge again without the used approval, which raises a new request for it.

Nothing here ever applies a change the approvals stage did not allow.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..approvals.tokens import plan_id
from ..core.errors import ConfigError, GatekeeperError
from ..core.settings import GateSettings
from ..store import Store
from .baseline import compute_baseline
from .job import DriftJob, JobKind, Target
from .ledger import Ledger, ensure_digest_key
from .model import ConvergenceRequest, iso
from .runner import Execution, RunOutcome, run_job
from .scan import EXIT_ERROR, EXIT_OK, aggregate

__all__ = ["EXIT_APPROVAL", "ConvergeOptions", "ConvergeResult", "converge"]

EXIT_APPROVAL = 3


@dataclass(frozen=True, slots=True)
class ConvergeOptions:
    ids: tuple[str, ...]
    playbook: Path | None = None  # where the baseline is now, when not where it was scanned
    inventory: tuple[str, ...] = ()
    token_file: Path | None = None
    tokens_presented: bool = False
    timeout: float = 3600.0
    extra_vars: tuple[str, ...] = ()  # the scan's -e values again (their digest is part of the baseline)


@dataclass
class ConvergeResult:
    # applied, approval-requested, approval-required (needs an approval, but no request was raised), refused, failed
    outcome: str
    requests: list[ConvergenceRequest] = field(default_factory=list)
    approval_request: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"applied": EXIT_OK, "approval-requested": EXIT_APPROVAL, "approval-required": EXIT_APPROVAL}.get(
            self.outcome, EXIT_ERROR
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "approval_request": self.approval_request,
            "messages": self.messages,
            "requests": [r.as_dict() for r in self.requests],
        }


def converge(settings: GateSettings, store: Store, options: ConvergeOptions) -> ConvergeResult:
    if not options.ids:
        raise ConfigError("name at least one convergence request", hint="see `praxis-gate drift list`")
    ledger = Ledger(store, actor=settings.principal)
    requests: list[ConvergenceRequest] = []
    for request_id in dict.fromkeys(options.ids):
        request = ledger.get(request_id)
        if request is None:
            raise ConfigError(f"no convergence request {request_id}", hint="see `praxis-gate drift list`")
        requests.append(request)
    refused = _currency(ledger, requests, options)
    if refused is not None:
        return refused
    baseline = requests[0].baseline
    playbook = str(Path(options.playbook).resolve()) if options.playbook else baseline.playbook
    inventory = tuple(options.inventory) or baseline.inventory
    targets = [Target(r.host, r.task_path) for r in requests]
    limit = ",".join(sorted({r.host for r in requests}))
    root = Path(playbook).parent
    key = ensure_digest_key(store, actor=settings.principal)

    def run(kind: JobKind, *, present: bool = False) -> RunOutcome:
        return run_job(settings, DriftJob.new(kind, root=root, targets=targets), playbook=playbook,
                       inventory=inventory, limit=limit, present_tokens=present, token_file=options.token_file,
                       extra_vars=options.extra_vars, timeout=options.timeout)  # fmt: skip

    # 2. re-check: the same dry run a scan does, read for the targets only
    check = run(JobKind.VERIFY)
    if check.problems:
        return ConvergeResult("failed", requests, messages=[f"the re-check could not run: {p}" for p in check.problems])
    observations = aggregate(_of_targets(check.executions, targets), key)
    messages: list[str] = []
    for index, request in enumerate(requests):
        seen = observations.get((request.host, request.task_path))
        if seen is None:
            messages.append(f"{request.id}: the re-check did not run {request.task_name!r} on {request.host}")
        elif seen.status == "clean":
            requests[index] = ledger.move(request, "gone", reason="the re-check before converging observed no drift")
            messages.append(f"{request.id}: refused: the drift is gone (the task reports no change on "
                            f"{request.host}); the request is now gone")  # fmt: skip
        elif seen.status != "drift":
            messages.append(f"{request.id}: refused: the re-check found the task {seen.status}: "
                            + "; ".join(dict.fromkeys(seen.notes)))  # fmt: skip
        elif seen.digest != request.diff_digest:
            messages.append(f"{request.id}: refused: the drift on {request.host} changed since scan {request.scan} "
                            "(a different diff); rescan, then converge the new request")  # fmt: skip
    if messages:
        return ConvergeResult("refused", requests, messages=messages)

    if not (options.tokens_presented or options.token_file):
        return _request_approval(ledger, store, requests, run(JobKind.REQUEST))
    return _apply(ledger, store, requests, run(JobKind.APPLY, present=True))


def _currency(ledger: Ledger, requests: list[ConvergenceRequest], options: ConvergeOptions) -> ConvergeResult | None:
    """Refused unless every request is open, unexpired, and of one baseline that is still what was scanned."""
    now = datetime.now(UTC)
    messages: list[str] = []
    for index, request in enumerate(requests):
        if request.expired_at(now):
            requests[index] = ledger.move(request, "expired", reason=f"its validity ended at {iso(request.expires_at)}")
            messages.append(f"{request.id}: refused: it expired at {iso(request.expires_at)}; rescan for a new one")
        elif not request.is_open:
            why = f" ({request.state_reason})" if request.state_reason else ""
            messages.append(f"{request.id}: refused: it is {request.state}{why}")
    slots = [(r.host, r.task_path) for r in requests]
    if len(set(slots)) != len(slots):
        messages.append("two requests name the same task on the same host; converge one of them")
    if messages:
        return ConvergeResult("refused", requests, messages=messages)
    digests = {(r.baseline.name, r.baseline.digest) for r in requests}
    if len(digests) != 1:
        return _refused(requests, "the requests were observed against different baselines; one plan is one baseline")
    baseline = requests[0].baseline
    playbook = Path(options.playbook) if options.playbook else Path(baseline.playbook)
    try:
        current = compute_baseline(playbook, options.inventory or baseline.inventory, name=baseline.name,
                                   scm_revision="", extra_vars=options.extra_vars)  # fmt: skip
    except GatekeeperError as exc:
        return _refused(
            requests,
            f"refused: the baseline of scan {requests[0].scan} cannot be read where it was scanned: {exc.message}",
            "give its current place with --playbook and -i (the content must be unchanged)",
        )
    if current.digest != baseline.digest:
        parts = (
            ("the playbook's project", baseline.project_digest, current.project_digest),
            ("the inventory", baseline.inventory_digest, current.inventory_digest),
            (
                "the vars (group_vars, host_vars, and -e: give converge the scan's -e again)",
                baseline.vars_digest,
                current.vars_digest,
            ),
        )
        changed = [part for part, old, new in parts if old != new] or ["the playbook's place in its project"]
        return _refused(
            requests,
            f"refused: the baseline changed since scan {requests[0].scan} ({', '.join(changed)}: digest "
            f"{baseline.digest[:12]} is now {current.digest[:12]}); rescan, then converge the new requests",
        )
    return None


def _refused(requests: list[ConvergenceRequest], *messages: str) -> ConvergeResult:
    return ConvergeResult("refused", requests, messages=list(messages))


def _of_targets(executions: Sequence[Execution], targets: Sequence[Target]) -> list[Execution]:
    wanted = {(t.host, t.task_path) for t in targets}
    return [e for e in executions if (e.host, e.task_path) in wanted]


def _recorded_items(store: Store, run_id: str) -> dict[str, str]:
    """The approval items a run recorded (its plan), by the decision each was recorded for."""
    return {
        str(item.payload.get("decision_id")): item.item_id
        for request in store.list_approval_requests(run_id=run_id)
        for item in store.approval_items(request.request_id)
        if item.payload.get("decision_id")
    }


def _uncovered(executions: Sequence[Execution], recorded: Mapping[str, str]) -> list[Execution]:
    """Executions for which the run's plan holds no item: a plan that lacks one does not cover the task."""
    return [e for e in executions if not e.decision_id or e.decision_id not in recorded]


def _request_approval(ledger: Ledger, store: Store, requests: list[ConvergenceRequest], run: RunOutcome
                      ) -> ConvergeResult:  # fmt: skip
    if run.problems or run.run_id is None:
        return ConvergeResult(
            "failed", requests, messages=[f"the approval request run failed: {p}" for p in run.problems]
        )
    plan = plan_id(run.run_id)
    recorded = _recorded_items(store, run.run_id)
    unrecorded: list[str] = []
    for request in requests:
        ran = _of_targets(run.executions, [Target(request.host, request.task_path)])
        if not ran:
            unrecorded.append(f"{request.host} {request.task_name}: the task did not run")
        unrecorded += [f"{e.host} {e.task}: {e.verdict}: {e.reason or e.status}" for e in ran
                       if not (e.allowed and e.dry_run)]  # fmt: skip
        unrecorded += [f"{e.host} {e.task}: its dry run has no item in {plan}" for e in _uncovered(ran, recorded)
                       if e.allowed and e.dry_run]  # fmt: skip
    if unrecorded:
        why = "; ".join(dict.fromkeys(unrecorded))
        return ConvergeResult(
            "failed", requests, messages=[f"the approval request was not recorded for every target: {why}"]
        )
    moved = [ledger.move(r, "approval-requested", reason=f"approval request {plan} raised by converge",
                         approval_request=plan) for r in requests]  # fmt: skip
    return ConvergeResult("approval-requested", moved, approval_request=plan, messages=[
        f"approval request {plan} holds {len(recorded)} item(s) for {len(moved)} convergence request(s)"])  # fmt: skip


def _apply(ledger: Ledger, store: Store, requests: list[ConvergenceRequest], run: RunOutcome) -> ConvergeResult:
    if run.run_id is None:
        return ConvergeResult("failed", requests, messages=[f"the apply run failed: {p}" for p in run.problems])
    messages = [f"the apply run: {p}" for p in run.problems]
    results: list[ConvergenceRequest] = []
    new_plan = plan_id(run.run_id)
    recorded = _recorded_items(store, run.run_id)
    outcomes: set[str] = set()
    for request in requests:
        ran = _of_targets(run.executions, [Target(request.host, request.task_path)])
        record = _outcome(run, ran)
        waiting = [e for e in ran if e.verdict == "approval_required"]
        if (
            ran
            and all(e.allowed and not e.dry_run for e in ran)
            and not any(e.status in ("failed", "error", "unreachable") for e in ran)
        ):
            results.append(ledger.move(request, "applied", reason=f"applied on {request.host} with an approval",
                                       outcome=record))  # fmt: skip
            outcomes.add("applied")
            messages.append(f"{request.id}: applied on {request.host} ({record['status']})")
        elif waiting and not _uncovered(waiting, recorded):
            why = "; ".join(dict.fromkeys(e.reason for e in waiting))
            reason = f"the presented approval did not cover it; approval request {new_plan} raised"
            results.append(ledger.move(request, "approval-requested", reason=reason, approval_request=new_plan))
            outcomes.add("approval-requested")
            messages.append(f"{request.id}: not applied: {why}")
        elif waiting:
            # The stage recorded no item for it (the approval presented for it was already used, or a request
            # already waits for the task): it joins no plan here, and keeps the state and request it had.
            why = "; ".join(dict.fromkeys(e.reason for e in waiting))
            reason = (f"not applied: {why}. It is in no approval request of this run: run `praxis-gate drift "
                      f"converge {request.id}` again without the used approval to raise one")  # fmt: skip
            results.append(ledger.move(request, request.state, reason=reason[:1000]))
            outcomes.add("approval-required")
            messages.append(f"{request.id}: not applied, and in no new approval request: {why}")
        else:
            why = "; ".join(dict.fromkeys(e.reason or e.message or e.status for e in ran)) or "the task did not run"
            results.append(ledger.move(request, request.state, reason=f"converge failed: {why}"[:500], outcome=record))
            outcomes.add("failed")
            messages.append(f"{request.id}: not applied: {why}")
    if "failed" in outcomes or run.problems:
        outcome = "failed"
    elif "approval-requested" in outcomes:
        outcome = "approval-requested"
    elif "approval-required" in outcomes:
        outcome = "approval-required"
    else:
        outcome = "applied"
    return ConvergeResult(outcome, results, approval_request=new_plan if outcome == "approval-requested" else None,
                          messages=messages)  # fmt: skip


def _outcome(run: RunOutcome, ran: Sequence[Execution]) -> dict[str, Any]:
    statuses = [e.status for e in ran]
    status = "changed" if "changed" in statuses else (statuses[0] if len(set(statuses)) == 1 else "mixed")
    summary: list[Mapping[str, Any]] = [c for e in ran if e.status == "changed" for c in e.summary][:20]
    return {
        "at": iso(datetime.now(UTC)),
        "run_id": run.run_id,
        "status": status if ran else "not-run",
        "decisions": [e.decision_id for e in ran],
        "approval_items": [e.approval_item for e in ran if e.approval_item],
        "approval_refs": sorted({e.approval_ref for e in ran if e.approval_ref}),
        "summary": summary,
    }
