# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One drift scan: run the baseline in check and diff mode under the readonly ceiling, turn every drifted task on
every host into a convergence request, and bring the older requests up to date.

Per host and task (a loop or a role included twice gives several executions of one task) the scan sees one of:

    drift        a dry run reports a change: a new request, proposed; older open requests of the same host and task
                 are superseded by it (keeping "since when" if it is the same drift)
    clean        no change: older open requests of the same host and task are gone
    unscannable  the task would really execute (check_mode: false, raw, script, a module without check mode), so
                 the gate refused it and it did not run; or its module skipped it in check mode
    failed       the dry run failed (an error in the check itself): the scan is incomplete
    unreachable  the host could not be reached: the scan is incomplete

Exit status (the CLI's): 0 no drift, 2 drift, 1 the scan could not be completed (errors are listed; what was seen is
still recorded).

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core import killswitch
from ..core.errors import ConfigError, StateError
from ..core.models import Tier
from ..core.settings import GateSettings
from ..store import Store
from . import diffs
from .baseline import compute_baseline
from .job import DriftJob, JobKind
from .ledger import Ledger, ensure_digest_key
from .model import Baseline, ConvergenceRequest, iso, new_request_id, new_scan_id
from .runner import Execution, run_job

__all__ = ["EXIT_DRIFT", "EXIT_ERROR", "EXIT_OK", "Observation", "ScanOptions", "ScanResult", "aggregate", "run_scan"]

EXIT_OK, EXIT_ERROR, EXIT_DRIFT = 0, 1, 2
DEFAULT_TTL = timedelta(days=7)
_MAX_CELLS = 20_000
_MAX_SUMMARY = 20
# Refusals that say nothing about the task: the scan could not run it at all (it is incomplete, not unscannable).
_GATE_UNAVAILABLE = frozenset({"killswitch", "audit-unavailable", "internal-error"})
# The worst status of a task's executions is the task's status.
_RANK = {"clean": 0, "drift": 1, "unscannable": 2, "failed": 3, "unreachable": 4}


@dataclass(frozen=True, slots=True)
class ScanOptions:
    playbook: Path
    inventory: tuple[str, ...]
    limit: str | None = None
    baseline_name: str | None = None
    scm_revision: str | None = None
    ttl: timedelta = DEFAULT_TTL
    timeout: float = 3600.0
    extra_vars: tuple[str, ...] = ()  # -e values: passed to the run, digested into the baseline, never stored


@dataclass
class Observation:
    """One task on one host, over all its executions in one run."""

    host: str
    task_path: str
    task: str
    action: str
    tier: str = "T0"
    status: str = "clean"
    digests: list[str] = field(default_factory=list)
    summary: list[Mapping[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    executions: int = 0
    digest: str | None = None

    @property
    def observes_only(self) -> bool:
        """A clean T0 task (facts, stat, debug): it cannot drift, so the report leaves it out."""
        return self.status == "clean" and self.tier == "T0"

    def as_cell(self, request: str | None = None) -> dict[str, Any]:
        return {"host": self.host, "task_path": self.task_path, "task": self.task, "action": self.action,
                "tier": self.tier, "status": self.status, "request": request,
                "note": "; ".join(dict.fromkeys(self.notes))[:400]}  # fmt: skip


def _status(execution: Execution) -> tuple[str, str]:
    if execution.status == "unreachable":
        return "unreachable", execution.message or "the host could not be reached"
    if not execution.allowed:
        why = execution.reason or f"the gate did not allow it ({execution.verdict})"
        if execution.rule in _GATE_UNAVAILABLE:
            return "failed", f"the gate could not decide it: {why}"
        if execution.rule == "mode.ceiling":
            return "unscannable", f"it would really execute (not a check-mode dry run), so it was not run: {why}"
        return "unscannable", f"it was not run: {why}"
    if execution.status in ("failed", "error"):
        return "failed", execution.message or "the check failed"
    if execution.status == "skipped":
        return "unscannable", "its module skipped it in check mode" + (
            f": {execution.message}" if execution.message else ""
        )
    if execution.status == "changed":
        return "drift", ""
    return "clean", ""


def aggregate(executions: Iterable[Execution], key: bytes) -> dict[tuple[str, str], Observation]:
    """Executions per (host, task path), in the order the run met them."""
    found: dict[tuple[str, str], Observation] = {}
    for execution in executions:
        slot = (execution.host, execution.task_path)
        observation = found.get(slot)
        if observation is None:
            observation = found[slot] = Observation(execution.host, execution.task_path, execution.task,
                                                    execution.action)  # fmt: skip
        status, note = _status(execution)
        observation.executions += 1
        if _RANK[status] > _RANK[observation.status]:
            observation.status = status
        if note:
            observation.notes.append(note)
        if _tier(execution.tier) > _tier(observation.tier):
            observation.tier = execution.tier
        observation.digests.append(execution.digest or "-")
        if status == "drift":
            observation.summary.extend(execution.summary[: _MAX_SUMMARY - len(observation.summary)])
    for observation in found.values():
        if observation.status == "drift":
            observation.digest = diffs.combine_digests(key, observation.digests)
    return found


def _tier(text: str) -> Tier:
    try:
        return Tier.parse(text)
    except ValueError:
        return Tier.T3


@dataclass
class ScanResult:
    scan_id: str
    baseline: Baseline
    started_at: datetime
    finished_at: datetime
    observations: dict[tuple[str, str], Observation]
    requests: list[ConvergenceRequest] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    returncode: int = 0
    limit: str | None = None

    @property
    def exit_code(self) -> int:
        incomplete = self.problems or any(o.status in ("failed", "unreachable") for o in self.observations.values())
        if incomplete:
            return EXIT_ERROR
        return EXIT_DRIFT if self.requests else EXIT_OK

    def of_status(self, status: str) -> list[Observation]:
        return [o for o in self.observations.values() if o.status == status]

    def counts(self) -> dict[str, int]:
        counts = {status: len(self.of_status(status)) for status in _RANK}
        counts.update(superseded=len(self.superseded), gone=len(self.gone), expired=len(self.expired),
                      hosts=len(self.hosts()))  # fmt: skip
        return counts

    def hosts(self) -> list[str]:
        return sorted({host for host, _unused in self.observations})

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `praxis-gate drift scan --json`."""
        return {
            "scan": self.scan_id,
            "exit_code": self.exit_code,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "baseline": self.baseline.as_dict(),
            "limit": self.limit,
            "hosts": self.hosts(),
            "counts": self.counts(),
            "requests": [r.as_dict() for r in self.requests],
            "unscannable": [_brief(o) for o in self.of_status("unscannable")],
            "errors": [*self.problems, *(f"{o.host}: {o.task} ({o.task_path}): {o.status}: {'; '.join(o.notes)}"
                                         for o in self.observations.values() if o.status in ("failed", "unreachable"))],
            "superseded": self.superseded,
            "gone": self.gone,
            "expired": self.expired,
        }  # fmt: skip

    def record(self) -> dict[str, Any]:
        """What the store keeps of the scan: every host and task's state (the report's grid)."""
        by_slot = {(r.host, r.task_path): r.id for r in self.requests}
        cells = [o.as_cell(by_slot.get(slot)) for slot, o in self.observations.items() if not o.observes_only]
        return {
            **{k: v for k, v in self.as_dict().items() if k not in ("requests", "unscannable")},
            "scan_id": self.scan_id,
            "requests": [r.id for r in self.requests],
            "cells": cells[:_MAX_CELLS],
            "cells_truncated": len(cells) > _MAX_CELLS,
        }


def _brief(observation: Observation) -> dict[str, Any]:
    return {"host": observation.host, "task": observation.task, "task_path": observation.task_path,
            "action": observation.action, "tier": observation.tier,
            "reason": "; ".join(dict.fromkeys(observation.notes))[:400]}  # fmt: skip


def run_scan(settings: GateSettings, store: Store, options: ScanOptions) -> ScanResult:
    """Scan, record, and return what was found. Raises GatekeeperError when the scan cannot start."""
    if settings.drift_job:
        # A baseline that scans itself (the drift_scan action inside the baseline) would recurse without end.
        raise ConfigError(
            "a drift scan does not start inside another drift run (this process belongs to drift job "
            f"{settings.drift_job[:12]})",
            hint="scan the baseline from the CLI or a scheduled job, not from a task of a scanned playbook",
        )
    if killswitch.is_tripped(settings.killswitch_path):
        raise ConfigError(
            f"the emergency stop is tripped ({killswitch.status(settings.killswitch_path).describe()}); no scan runs",
            hint="clear it with `praxis-gate emergency-clear --reason ...` once it is safe",
        )
    baseline = compute_baseline(options.playbook, options.inventory, name=options.baseline_name,
                                scm_revision=options.scm_revision, extra_vars=options.extra_vars)  # fmt: skip
    ledger = Ledger(store, actor=settings.principal)
    key = ensure_digest_key(store, actor=settings.principal)
    scan_id = new_scan_id()
    started = datetime.now(UTC)
    job = DriftJob.new(JobKind.SCAN, root=Path(baseline.playbook).parent)
    outcome = run_job(settings, job, playbook=baseline.playbook, inventory=baseline.inventory, limit=options.limit,
                      extra_vars=options.extra_vars, timeout=options.timeout)  # fmt: skip
    observations = aggregate(outcome.executions, key)
    result = ScanResult(scan_id, baseline, started, datetime.now(UTC), observations, problems=outcome.problems,
                        returncode=outcome.returncode, limit=options.limit)  # fmt: skip
    if (
        outcome.armed
        and outcome.returncode != 0
        and not result.problems
        and not any(o.status in ("failed", "unreachable") for o in observations.values())
    ):
        result.problems.append(f"ansible-playbook exited with status {outcome.returncode}")
    reconcile(ledger, result, ttl=options.ttl)
    ledger.record_scan(result.record())
    return result


def reconcile(ledger: Ledger, result: ScanResult, *, ttl: timedelta) -> None:
    """New requests for drift; older open requests superseded, gone or expired. Every change is a new version."""
    now = result.finished_at
    baseline = result.baseline
    open_requests: dict[tuple[str, str], list[ConvergenceRequest]] = {}
    for request in ledger.requests(baseline=baseline.name):
        if request.is_open:
            open_requests.setdefault((request.host, request.task_path), []).append(request)
    handled: set[str] = set()
    for slot, observation in result.observations.items():
        previous = open_requests.get(slot, [])
        if observation.status == "drift" and observation.digest is not None:
            same = [r for r in previous if r.diff_digest == observation.digest and not r.expired_at(now)]
            request = ConvergenceRequest(
                id=new_request_id(), host=observation.host, task_path=observation.task_path,
                task_name=observation.task, action=observation.action, tier=observation.tier,
                diff_digest=observation.digest, summary=tuple(observation.summary), baseline=baseline,
                scan=result.scan_id, observed_at=now,
                first_observed_at=min((r.first_observed_at for r in same), default=now),
                expires_at=now + ttl, executions=observation.executions,
            )  # fmt: skip
            ledger.add(request)
            result.requests.append(request)
            for old in previous:
                handled.add(old.id)
                if old.expired_at(now):
                    _expire(ledger, result, old)
                    continue
                what = "the same drift" if old.diff_digest == observation.digest else "a different drift"
                reason = f"scan {result.scan_id} observed {what} (request {request.id})"
                if _move(ledger, old, "superseded", reason=reason, superseded_by=request.id):
                    result.superseded.append(old.id)
        elif observation.status == "clean":
            for old in previous:
                handled.add(old.id)
                if _move(ledger, old, "gone", reason=f"scan {result.scan_id} observed no drift"):
                    result.gone.append(old.id)
    scanned_hosts = set(result.hosts())
    for slot, requests in open_requests.items():
        for old in requests:
            if old.id in handled:
                continue
            if old.expired_at(now):
                _expire(ledger, result, old)
            elif (
                old.host in scanned_hosts and slot not in result.observations and old.baseline.digest != baseline.digest
            ):
                reason = f"scan {result.scan_id} ran a changed baseline in which this task no longer ran on the host"
                if _move(ledger, old, "superseded", reason=reason):
                    result.superseded.append(old.id)


def _expire(ledger: Ledger, result: ScanResult, request: ConvergenceRequest) -> None:
    if _move(ledger, request, "expired", reason=f"its validity ended at {iso(request.expires_at)}"):
        result.expired.append(request.id)


def _move(ledger: Ledger, request: ConvergenceRequest, state: str, *, reason: str, **changes: Any) -> bool:
    """A request another scan or a converge moved meanwhile is theirs now: this scan leaves it alone."""
    try:
        ledger.move(request, state, reason=reason, **changes)
    except StateError:
        return False
    return True


def requests_table(requests: Sequence[ConvergenceRequest], now: datetime) -> list[dict[str, Any]]:
    """Rows for operators' tables (list and scan output)."""
    return [
        {"id": r.id, "state": r.effective_state(now), "host": r.host, "task": r.task_name, "action": r.action,
         "tier": r.tier, "since": iso(r.first_observed_at), "what": diffs.describe(r.summary)}
        for r in requests
    ]  # fmt: skip
