# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inside a gated ansible-playbook run started by `praxis-gate drift`: the ceiling, the seam, and the spool.

The Ansible glue (adapter/hooks.py) asks three things of a ``DriftRun`` and nothing more: the settings and seams the
gate arms with, whether a task on a host is an apply target (then, and only then, it runs out of check mode), and
to note what each task execution did. Everything that decides lives here.

- Scan, re-check, approval request: the mode ceiling is tightened to readonly. Only check-mode dry runs (the gate's
  own ``dry_run`` classification) and T0 reads pass; a task that would really execute is refused, and the glue
  reports that refusal as a skip so the scan goes on: it is unscannable, and it did not run.
- Apply: the operator's ceiling stands, and the converge seam holds every task but the targets to readonly while it
  sends each target to the approvals stage, which asks a human for every tier that changes anything (T1 included).
- Each execution becomes one spool line: host, task path and name, action, the gate's verdict, the outcome, and
  for a change a keyed digest of the diff with a redacted summary (diffs.py). The diff itself stays in memory.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..approvals.stage import ApprovalSeam
from ..core.errors import StateError
from ..core.models import Decision, Mode, TaskRequest, Tier, Verdict
from ..core.seams import Seam, SeamContext, SeamResult, Signal
from ..core.settings import GateSettings
from ..policy._modules import canonical_action, first_path
from ..policy.redact import redact_text
from ..store import open_store
from . import diffs
from .job import DriftJob, JobKind, relative_task_path
from .ledger import read_digest_key

__all__ = ["ConvergeSeam", "DriftRun"]

log = logging.getLogger(__name__)
_CHANGING_TIERS = frozenset({Tier.T1, Tier.T2, Tier.T3})


class DriftRun:
    """The drift job this process was started for (None-able: most runs are not drift runs)."""

    def __init__(self, job: DriftJob, state_dir: Path, key: bytes) -> None:
        self.job = job
        self.state_dir = state_dir
        self._key = key

    @classmethod
    def from_settings(cls, settings: GateSettings) -> DriftRun | None:
        """The run's drift job, or None. Raises StateError when the job cannot be used: the gate then refuses to
        arm, so a drift run never proceeds without its ceiling and its record."""
        if not settings.drift_job:
            return None
        job = DriftJob.load(settings.state_dir, settings.drift_job)
        with open_store(settings, quick_check=False) as store:
            key = read_digest_key(store)
        if key is None:
            raise StateError("the store holds no drift digest key", hint="start drift runs with `praxis-gate drift`")
        return cls(job, settings.state_dir, key)

    # ---------------------------------------------------------------------------------------- arming
    def settings(self, settings: GateSettings) -> GateSettings:
        """Scans, re-checks and approval requests run under readonly (tighten only: never raised)."""
        if not self.job.kind.readonly:
            return settings
        mode = settings.mode.stricter(Mode.READONLY)
        return settings.model_copy(
            update={
                "mode": mode,
                "mode_source": f"drift {self.job.kind.value} (readonly ceiling; {settings.mode_source})",
            }
        )

    def seams(self, settings: GateSettings) -> tuple[Seam, ...]:
        """The approvals stage only for approval requests and applies, behind the converge seam; a scan records no
        approval plan (its findings are convergence requests).

        ``settings`` are the operator's, before this job tightened the ceiling: an approval request's plan is for the
        apply that follows, which runs under the operator's ceiling, so its items are judged against that ceiling
        (under the job's readonly ceiling every change would be listed as one the real run refuses)."""
        if self.job.kind in (JobKind.SCAN, JobKind.VERIFY):
            return ()
        approvals = ApprovalSeam(settings, tiers=_CHANGING_TIERS)
        return (ConvergeSeam(self.job, approvals),)

    def started(self, run_id: str, mode: Mode) -> None:
        self.job.append(self.state_dir, {"type": "armed", "run_id": run_id, "mode": mode.value,
                                         "kind": self.job.kind.value})  # fmt: skip

    # ---------------------------------------------------------------------------------------- per task
    def task_key(self, raw_path: str) -> str:
        return relative_task_path(raw_path, self.job.root)

    def runs_for_real(self, host: str, raw_path: str) -> bool:
        """Only an apply's targets leave check mode; the gate then decides them as the real changes they are."""
        return self.job.kind is JobKind.APPLY and self.job.is_target(host, self.task_key(raw_path))

    def observe(self, request: TaskRequest, decision: Decision, *, status: str, diff: Any, message: str = "") -> None:
        """One spool line for one execution. Never raises: a drift record that cannot be written shows in the
        scan as a missing observation (the CLI reports hosts and tasks it never heard of), not as a crash."""
        try:
            self.job.append(self.state_dir, self._line(request, decision, status=status, diff=diff, message=message))
        except Exception as exc:
            log.warning("praxis drift: could not record an observation: %s", exc)

    def _line(self, request: TaskRequest, decision: Decision, *, status: str, diff: Any, message: str
              ) -> dict[str, Any]:  # fmt: skip
        action = canonical_action(request.action)
        line: dict[str, Any] = {
            "type": "execution",
            "host": request.host,
            "target": request.target,
            "task_path": self.task_key(request.task_path),
            "task": redact_text(request.task_name, limit=200),
            "action": action,
            "verdict": decision.verdict.value,
            "tier": str(decision.tier),
            "rule": decision.rule,
            "dry_run": decision.dry_run,
            "check_mode": request.check_mode,
            "status": status,
            "decision_id": decision.decision_id,
            "approval_item": decision.approval_item,
            "approval_ref": decision.approval_ref,
        }
        if not decision.allowed:
            line["reason"] = decision.reason  # already redacted and bounded by the gate
        elif message:
            line["message"] = redact_text(message.splitlines()[0] if message.strip() else message, limit=200)
        if status == "changed" and decision.allowed:
            line["digest"] = diffs.execution_digest(self._key, action=action, diff=diff)
            line["summary"] = diffs.summarise(diff, withheld=request.no_log, path=first_path(request.args))
        return line


class ConvergeSeam:
    """Approval requests and applies: the targets go to the approvals stage, everything else stays readonly."""

    def __init__(self, job: DriftJob, approvals: ApprovalSeam) -> None:
        self.job = job
        self.approvals = approvals
        self._forwarded: dict[str, SeamContext] = {}

    def __call__(self, context: SeamContext) -> SeamResult | None:
        request, evaluation = context.request, context.evaluation
        target = self.job.is_target(request.host, relative_task_path(request.task_path, self.job.root))
        if not target:
            if evaluation.dry_run or evaluation.tier is Tier.T0:
                return None
            return SeamResult(
                Verdict.REFUSED,
                f"drift {self.job.kind.value} {self.job.job_id[:12]} runs only its approved tasks; this task would "
                "change the host and is held to the readonly ceiling",
                "drift.not-a-target",
            )
        if self.job.kind is JobKind.REQUEST and not evaluation.dry_run and evaluation.tier is not Tier.T0:
            return SeamResult(Verdict.REFUSED, "an approval request is raised from a dry run only", "drift.not-dry")
        result = self.approvals(context)
        if context.record and evaluation.dry_run and evaluation.tier in _CHANGING_TIERS:
            self._forwarded[context.decision_id] = context
        return result

    def observe(self, signal: Signal) -> None:
        """Signals (host output, credential lookups) concern agent sessions' latches; the approvals stage behind this
        seam hears them as it would without drift."""
        self.approvals.observe(signal)

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None:
        """The approvals stage records a dry run's item after it ran; it gets the redacted summary, not the diff."""
        context = self._forwarded.pop(decision_id, None)
        if context is None:
            return
        request = context.request
        summary = (
            diffs.summarise(diff, withheld=request.no_log, path=first_path(request.args))
            if status == "changed"
            else None
        )
        # ``approvals show`` prints it under "diff"; a failure here is warned about by the gate (Gate.record_outcome)
        self.approvals.after_outcome(decision_id, status=status, diff={"drift_summary": summary} if summary else None)
