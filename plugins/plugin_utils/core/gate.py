# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one pipeline every request goes through, in a fixed order:

    kill switch -> request validation -> deny list -> classify -> mode ceiling -> approvals -> trifecta
    -> decision record -> (the adapter executes) -> outcome record

``decide`` never raises: any internal error becomes a DENIED decision with a bounded, redacted reason, and a
decision that cannot be recorded is not allowed to change anything (only T0 reads continue unaudited). Adapters
call ``authorize``, which raises ``TaskRefused`` for anything but ALLOWED, so the safe call is the short one.

Security constraints: SEC-1, SEC-2, SEC-3, SEC-5, SEC-8, SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import site
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..agents.principals import session_of
from ..agents.seam import SessionSeam
from ..approvals.stage import ApprovalSeam
from ..audit.writer import AuditLog, AuditSink
from ..egress import client as egress_client
from ..egress.addresses import EgressPolicy
from ..egress.rules import bounded_resolver
from ..policy import _controller
from ..policy.evaluate import Evaluation, evaluate, tamper_findings
from ..policy.redact import RedactionError, holds_no_hint, redact, redact_text, redact_texts, truncate
from ..policy.ruleset import Ruleset, load_ruleset
from . import killswitch
from .egress_stage import egress_findings
from .errors import ConfigError, StateError, TaskRefused
from .limits import InputRejected, read_bounded
from .models import Decision, Mode, RequestKind, TaskRequest, Tier, Verdict, new_decision
from .runs import RunJournal
from .seams import NO_TIERS, Seam, SeamContext, Signal
from .settings import GateSettings
from .statedir import ensure_state_dir

__all__ = ["Gate", "Outcome"]

log = logging.getLogger(__name__)

# The tier a deny-list match implies, whatever the task would otherwise classify as: a deny rule names an action that
# no approval or mode may allow (destructive, irreversible, or opaque by construction: decoded text piped into a
# shell, a fork bomb, host keys switched off), so its refusal is labelled at the top tier.
DENY_TIER = Tier.T3
_REASON_LIMIT = 400
_RESOLVE_SECONDS = 3.0  # a gate decision waits at most this long for DNS (then refuses what it cannot check)
_MAX_ACTION = 200
_MAX_HOST = 255
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")  # str.isspace() is \s for str patterns; below 32: control
_CONTROL = re.compile(r"[\x00-\x1f]")


class Outcome:
    """Outcome statuses recorded after execution."""

    OK = "ok"
    CHANGED = "changed"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNREACHABLE = "unreachable"
    NOT_RUN = "not-run"
    ERROR = "error"

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> tuple[str, bytes, Any]:
        """(status, the canonical bytes the output digest covers, the diff if any) of a task result."""
        if result.get("unreachable"):
            status = cls.UNREACHABLE
        elif result.get("failed"):
            status = cls.FAILED
        elif result.get("skipped"):
            status = cls.SKIPPED
        elif result.get("changed"):
            status = cls.CHANGED
        else:
            status = cls.OK
        return status, output_bytes(result), result.get("diff")


def output_bytes(value: Any) -> bytes:
    """The bytes an output's keyed digest is computed over (never stored themselves)."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8", errors="surrogatepass")


class Gate:
    """One gate per process (inherited by forked workers). Holds no per-task state except the active decision."""

    def __init__(
        self,
        *,
        settings: GateSettings,
        ruleset: Ruleset,
        audit: AuditSink,
        run_id: str | None = None,
        protected_paths: Sequence[str] = (),
        seams: Sequence[Seam] = (),
        clock: Callable[[], float] = time.time,
        warn: Callable[[str], None] | None = None,
        resolver: egress_client.Resolver | None = None,
    ) -> None:
        self.settings = settings
        self.egress = _egress_policy(settings)
        self._resolver = resolver or bounded_resolver(_RESOLVE_SECONDS)
        self._killswitch_path = settings.killswitch_path  # checked on every decision: joined once
        self.ruleset = ruleset
        self.audit = audit
        self.run_id = run_id or uuid.uuid4().hex
        self.session = settings.session or self.run_id
        self.protected_paths = _with_real_paths([*_own_paths(settings), *protected_paths])
        # The controller's own Python (ansible_playbook_python) and the interpreters the operator trusts.
        self.trusted_interpreters = tuple(
            dict.fromkeys([sys.executable, os.path.realpath(sys.executable), *settings.interpreters])
        )
        self.seams = tuple(seams)
        self.agent_session = session_of(settings.principal)  # the agent session this run belongs to, if any
        for seam in self.seams:
            if isinstance(seam, SessionSeam) and seam.recorder is None:
                seam.recorder = self.record_event  # latch arming is recorded in the audit log with its reason
        self._clock = clock
        self._active: Decision | None = None
        self._active_pid = -1
        self._counter = 0
        self._id_pid = -1  # the process _id_prefix and _id_salt were drawn in (see _next_id)
        self._id_prefix = ""
        self._id_salt = ""
        self._warn = warn or _stderr
        self._last_warning = ""
        self.journal = (
            RunJournal(audit, settings.state_dir, timestamper=_timestamper(settings, self.egress))
            if isinstance(audit, AuditLog)
            else None
        )

    @classmethod
    def from_settings(cls, settings: GateSettings, **kwargs: Any) -> Gate:
        """Load the ruleset (a bad policy file raises ConfigError: refuse to start), open the audit log, and put
        the agent-session and approvals stages in the pipeline (unless ``seams`` says otherwise). The session stage
        comes first: grants and budgets refuse before anyone is asked to approve, and it has the approvals stage
        decide the requests it holds for a human (see agents/seam.py).

        The state directory is checked first (StateError: refuse to start): the audit writer never raises, so a
        directory it cannot use would otherwise only show at the first write, after read-only tasks had already run
        unaudited."""
        ensure_state_dir(settings.state_dir)
        if "seams" not in kwargs:
            approvals = ApprovalSeam(settings)
            kwargs["seams"] = (SessionSeam(settings, approvals=approvals), approvals)
        ruleset = load_ruleset(settings.policy_path, cache_dir=settings.state_dir)
        audit = AuditLog(
            settings.audit_path,
            checkpoint_every=settings.checkpoint_every,
            anchor_path=settings.anchor_path,
            durability=settings.audit_durability,
        )
        return cls(settings=settings, ruleset=ruleset, audit=audit, **kwargs)

    @property
    def mode(self) -> Mode:
        return self.settings.mode

    # ------------------------------------------------------------------ deciding
    def decide(self, request: TaskRequest, *, record: bool = True) -> Decision:
        """Run the pipeline; never raises. Writes the decision record unless ``record`` is False (explain only)."""
        decision_id = self._next_id()
        evaluation: Evaluation | None = None
        # A recorded decision has its arguments redacted before anything else, and is denied when that fails. One
        # that is not recorded (explain) needs no redacted copy, only the same answer: arguments made of plain data
        # within bounds cannot fail to redact, so only others are redacted to find out (a fifth of explain's cost).
        redacted = _redacted_args(request) if record or not _redaction_cannot_fail(request.args) else None
        try:
            if redacted is not None and redacted.failed:
                # Arguments we cannot redact are arguments we cannot record; a task we cannot record does not run.
                decision = self._decision(
                    Verdict.DENIED,
                    Tier.T3,
                    "redaction-failed",
                    "the task's arguments could not be redacted for the audit record, so it was denied (fail "
                    "closed); the record says the arguments were withheld",
                    decision_id,
                )
            else:
                decision, evaluation = self._pipeline(request, decision_id, record=record)
        except Exception as exc:  # fail closed: an error inside the gate is a denial, never a pass
            log.exception("praxis gate internal error")
            decision = self._decision(
                Verdict.DENIED,
                Tier.T3,
                "internal-error",
                f"internal error in the gate ({type(exc).__name__}); the task was denied (fail closed)",
                decision_id,
            )
        # Every decision says which kind of host it was taken for, and whether the action reads secrets (copied only
        # when either differs from the default, which most decisions keep: the copy is the hot path's cost).
        sensitive = evaluation is not None and evaluation.sensitive
        if sensitive or request.host_type != decision.host_type:
            decision = replace(decision, host_type=request.host_type, sensitive=sensitive)
        unrecorded = (
            record and redacted is not None and not self._record_decision(request, decision, evaluation, redacted)
        )
        if unrecorded:
            self._warn_once(
                f"praxis.gatekeeper: cannot write the audit log {self.settings.audit_path} "
                f"({getattr(self.audit, 'last_error', '') or 'unknown error'}); refusing every task above T0"
            )
        if unrecorded and decision.allowed and decision.tier > Tier.T0:
            decision = self._decision(
                Verdict.REFUSED,
                decision.tier,
                "audit-unavailable",
                "the audit log cannot be written, so only T0 reads may run: "
                + truncate(getattr(self.audit, "last_error", "") or "unknown error", 200),
                decision_id,
                reasons=decision.reasons,
            )
            if request.host_type != decision.host_type:
                decision = replace(decision, host_type=request.host_type)
        return decision

    def authorize(self, request: TaskRequest) -> Decision:
        """Decide and raise TaskRefused unless allowed. The adapters' entry point."""
        decision = self.decide(request)
        if not decision.allowed:
            raise TaskRefused(decision, action=request.action, target=request.target)
        return decision

    def explain(self, request: TaskRequest) -> Decision:
        """Decide without recording or executing anything (`praxis-gate check`)."""
        return self.decide(request, record=False)

    def _pipeline(
        self, request: TaskRequest, decision_id: str, *, record: bool = True
    ) -> tuple[Decision, Evaluation | None]:
        # 1. kill switch: before anything else, so a tripped stop needs no parsing to work
        if killswitch.is_tripped(self._killswitch_path):
            state = killswitch.status(self.settings.killswitch_path)
            return (
                self._decision(
                    Verdict.REFUSED,
                    self._label_tier(request),
                    "killswitch",
                    f"{state.describe()}; clear it with `praxis-gate emergency-clear --reason ...`",
                    decision_id,
                ),
                None,
            )
        # 2. request validation: malformed requests are denied and recorded
        problem = _malformed(request)
        if problem:
            return self._decision(Verdict.DENIED, Tier.T3, "malformed-request", problem, decision_id), None
        # 3 + 4. deny list, then classification (one evaluation computes both, deny findings win)
        evaluation = evaluate(
            request,
            ruleset=self.ruleset,
            protected_paths=self.protected_paths,
            trusted_interpreters=self.trusted_interpreters,
        )
        # 3b. egress: URLs the task fetches, judged by where it runs (deny findings too)
        refused_egress = egress_findings(request, policy=self.egress, resolver=self._resolver)
        if refused_egress:
            evaluation = replace(evaluation, findings=(*evaluation.findings, *refused_egress))
        if evaluation.findings:
            first = evaluation.findings[0]
            reasons = tuple(f"{f.rule}: {f.reason}" for f in evaluation.findings)
            return (
                self._decision(
                    Verdict.DENIED,
                    DENY_TIER,
                    first.rule,
                    f"deny list: {first.reason}",
                    decision_id,
                    reasons=reasons + evaluation.reasons,
                    dry_run=evaluation.dry_run,
                ),
                evaluation,
            )
        # 5. mode ceiling: a dry run only observes, so it is held to T0; the record keeps the real tier
        effective = Tier.T0 if evaluation.dry_run else evaluation.tier
        mode = self.mode
        if effective > mode.ceiling:
            why = evaluation.reasons[-1] if evaluation.reasons else f"tier {evaluation.tier}"
            reason = f"{evaluation.tier} exceeds the {mode.value} mode ceiling ({mode.ceiling}): {why}"
            planned = False
            if request.check_run and record and evaluation.tier >= Tier.T2:
                # A --check run lists what the real run will refuse, up front, and goes on: nobody approves it.
                context = SeamContext(request, evaluation, decision_id, self.ruleset.digest, record)
                for seam in self.seams:
                    if isinstance(seam, ApprovalSeam):
                        seam.record_refused(context, reason)
                        planned = True
            refused = self._decision(
                Verdict.REFUSED, evaluation.tier, "mode.ceiling", reason, decision_id,
                reasons=evaluation.reasons, dry_run=evaluation.dry_run,
            )  # fmt: skip
            return (replace(refused, planned=True) if planned else refused), evaluation
        # 6 + 7. approvals and trifecta seams
        approval_ref: str | None = None
        approval_item: str | None = None
        granted = ""
        if self.seams and not _seams_quiet(self.seams, evaluation.tier):
            context = SeamContext(request, evaluation, decision_id, self.ruleset.digest, record)
            for seam in self.seams:
                result = seam(context)
                if result is None:
                    continue
                if result.verdict is not Verdict.ALLOWED:
                    objection = self._decision(
                        result.verdict, evaluation.tier, result.rule, result.reason, decision_id,
                        reasons=evaluation.reasons, dry_run=evaluation.dry_run,
                    )  # fmt: skip
                    return (replace(objection, planned=True) if result.planned else objection), evaluation
                approval_ref, granted = result.approval_ref or approval_ref, result.reason
                approval_item = result.approval_item or approval_item
        summary = "; ".join(evaluation.reasons[-2:]) if evaluation.reasons else "observes only"
        allowed = self._decision(
            Verdict.ALLOWED,
            evaluation.tier,
            "approval.granted" if approval_ref else "allowed",
            f"{evaluation.tier} within the {mode.value} ceiling ({summary})"
            + (" [dry run]" if evaluation.dry_run else "")
            + (f"; {granted}" if granted else ""),
            decision_id,
            reasons=evaluation.reasons,
            dry_run=evaluation.dry_run,
        )
        if approval_ref or approval_item:
            allowed = replace(allowed, approval_ref=approval_ref, approval_item=approval_item)
        return allowed, evaluation

    def _label_tier(self, request: TaskRequest) -> Tier:
        """The tier a refused request is labelled with when the refusal itself needed no classification (the
        emergency stop refuses before parsing anything): its classification when that succeeds, else T3 (ambiguity
        rounds up). Only the label: the refusal stands whatever this finds."""
        try:
            evaluation = evaluate(request, ruleset=self.ruleset, protected_paths=self.protected_paths)
        except Exception:
            return Tier.T3
        return DENY_TIER if evaluation.findings else evaluation.tier

    def _decision(
        self,
        verdict: Verdict,
        tier: Tier,
        rule: str,
        reason: str,
        decision_id: str,
        *,
        reasons: Sequence[str] = (),
        dry_run: bool = False,
    ) -> Decision:
        bounded, *redacted = _shown_reasons((reason, *reasons[:20]))
        # Built through the slots (models.new_decision: the constructor's result at half its cost; tests hold it).
        return new_decision(verdict, tier, self.mode, bounded, rule, ruleset=self.ruleset.label,
                            decision_id=decision_id, dry_run=dry_run, reasons=tuple(redacted))  # fmt: skip

    def _next_id(self) -> str:
        """A decision id unique across the run's processes: run, pid, counter and four random bytes drawn once per
        process. Forked workers inherit the counter, and a pid can be reused by a later worker of the same run, so
        each process draws its own bytes the first time it decides (not on every decision: a system call each)."""
        self._counter += 1
        pid = os.getpid()
        if pid != self._id_pid:
            self._id_pid = pid
            self._id_prefix = f"{self.run_id[:12]}-{pid}-"
            self._id_salt = os.urandom(4).hex()
        return f"{self._id_prefix}{self._counter}-{self._id_salt}"

    # ------------------------------------------------------------------ recording
    def _warn_once(self, message: str) -> None:
        if message != self._last_warning:
            self._last_warning = message
            with contextlib.suppress(Exception):
                self._warn(message)

    def _record_decision(
        self, request: TaskRequest, decision: Decision, evaluation: Evaluation | None, redacted: _RedactedArgs
    ) -> bool:
        try:
            record = self._decision_record(request, decision, evaluation, redacted)
        except Exception as exc:  # a record we cannot build is a record we cannot write
            log.warning("praxis: cannot build the decision record: %s", exc)
            return False
        # A decision that lets a stateful or irreversible action run reaches the disk before the action does.
        return self.audit.append(record, durable=decision.allowed and decision.tier >= Tier.T2)

    def _decision_record(
        self, request: TaskRequest, decision: Decision, evaluation: Evaluation | None, redacted: _RedactedArgs
    ) -> dict[str, Any]:
        """The decision's audit record (builds it; writes nothing: the controller's warm-up builds some, see
        ``rehearse_records``)."""
        record = {
            "event": "decision",
            "decision_id": decision.decision_id,
            "run_id": self.run_id,
            "session": request.session or self.session,
            "principal": request.principal or self.settings.principal,
            "kind": request.kind.value,
            "host": truncate(str(request.host), 255),
            "target": truncate(str(request.target), 255),
            "host_type": truncate(str(request.host_type), 40),
            "action": truncate(str(request.action), 200),
            "resolved": evaluation.action if evaluation else None,
            "task": redact_text(request.task_name, limit=200),
            "connection": truncate(str(request.connection), 100),
            "become": bool(request.become),
            "check_mode": bool(request.check_mode),
            "dry_run": decision.dry_run,
            "tier": str(decision.tier),
            "mode": decision.mode.value,
            "decision": decision.verdict.value,
            "rule": decision.rule,
            "reason": decision.reason,
            "reasons": list(decision.reasons),
            "ruleset": self.ruleset.digest,
            "ruleset_version": self.ruleset.version,
            "args": redacted.value,
            "args_len": redacted.length,
            "args_withheld": redacted.withheld,
            "args_digest": self.args_digest(request),
            "approval_ref": decision.approval_ref,
            "approval_item": decision.approval_item,
            "planned": decision.planned,
            "sensitive": decision.sensitive,
        }
        if request.provenance is not None:  # agent sessions: argument paths by origin, never values
            record["provenance"] = request.provenance.as_dict()
        return record

    def rehearse_records(self, request: TaskRequest, *, times: int = 16) -> None:
        """Build, and have the audit writer serialise and hash, a decision and an outcome record for ``request``,
        ``times`` times, writing nothing and deciding nothing (the decision is a fixed T0 placeholder); never raises.

        Why: ansible-core forks a fresh worker per task and host, and each writes these two records once. Code run
        for the first time in a process (or fewer times than the interpreter's specialising threshold) writes to its
        own code objects as it runs, and in a forked worker every such write copies a page the controller owns. Run
        here, in the controller before the workers fork, that happens once per run instead of once per task and host
        (adapter/warmup.py calls this; measured with bench/pertask.py)."""
        try:
            decision = Decision(Verdict.ALLOWED, Tier.T0, self.mode, "warm-up", "warm-up", self.ruleset.label,
                                "warm-up", False, ())  # fmt: skip
            rehearse = getattr(self.audit, "rehearse", None)
            for _round in range(times):
                records = (
                    self._decision_record(request, decision, None, _redacted_args(request)),
                    self._outcome_record(
                        decision, status=Outcome.OK, output=b"{}", host=request.host, action=request.action, detail=""
                    ),
                )
                if rehearse is not None:
                    for record in records:
                        rehearse(record)
        except Exception:  # a warm-up that fails only leaves the workers to warm themselves
            return

    def warm_seams(self, tier: Tier) -> bool:
        """Have each seam load, in this process, what deciding a task of ``tier`` will need (``warm``, see
        core/seams.py); the controller's warm-up calls it before workers fork. True when every seam says it has
        loaded all it can (later tasks need not be evaluated for it). Decides and records nothing; never raises."""
        done = True
        for seam in self.seams:
            warm = getattr(seam, "warm", None)
            if warm is None:
                continue
            try:
                done = bool(warm(tier)) and done
            except Exception:
                done = False
        return done

    def args_digest(self, request: TaskRequest) -> str:
        """Keyed digest of the exact (unredacted) arguments: binds approvals without storing the arguments.

        Arguments that cannot be serialised get the digest of a fixed marker, which no real arguments produce."""
        try:
            blob = json.dumps(
                {"action": request.action, "args": request.args}, sort_keys=True, default=str, ensure_ascii=True
            ).encode()
        except Exception:
            blob = b"\0<arguments that cannot be serialised>\0"
        try:
            return self.audit.output_digest(blob)
        except Exception:
            return hashlib.sha256(b"unkeyed\0" + blob).hexdigest()

    def record_outcome(
        self,
        decision: Decision,
        *,
        status: str,
        output: bytes | None = None,
        detail: str = "",
        host: str = "",
        action: str = "",
        diff: Any = None,
    ) -> bool:
        """Append the outcome record for a decision (and let seams see a dry run's diff); never raises."""
        for seam in self.seams:
            try:
                seam.after_outcome(decision.decision_id, status=status, diff=diff)
            except Exception as exc:
                self._warn_once(f"praxis.gatekeeper: a pipeline stage could not record this outcome: {exc}")
        try:
            record = self._outcome_record(decision, status=status, output=output, host=host, action=action,
                                          detail=detail)  # fmt: skip
        except Exception as exc:
            log.warning("praxis: cannot build the outcome record: %s", exc)
            return False
        return self.audit.append(record)

    def _outcome_record(
        self, decision: Decision, *, status: str, output: bytes | None, host: str, action: str, detail: str
    ) -> dict[str, Any]:
        """The outcome's audit record (builds it; writes nothing)."""
        return {
            "event": "outcome",
            "decision_id": decision.decision_id,
            "run_id": self.run_id,
            "session": self.session,
            "host": truncate(host, 255),
            "host_type": truncate(str(decision.host_type), 40),
            "action": truncate(action, 200),
            "status": status,
            "tier": str(decision.tier),
            "decision": decision.verdict.value,
            "output_sha256": self.audit.output_digest(output) if output is not None else None,
            "output_len": len(output) if output is not None else 0,
            "detail": redact_text(detail, limit=300),
        }

    def observe(self, kind: str, reason: str, *, host: str = "", action: str = "") -> None:
        """Tell the seams about something that is not a task (a credential lookup in an agent session); never
        raises. Only agent sessions listen, so other runs pay nothing."""
        if self.agent_session is None:
            return
        signal = Signal(kind, truncate(reason, 300), truncate(host, 255), truncate(action, 200))
        for seam in self.seams:
            try:
                seam.observe(signal)
            except Exception as exc:
                self._warn_once(f"praxis.gatekeeper: could not record a {kind} for the agent session: {exc}")

    def trip_emergency_stop(self, *, reason: str, by: str) -> killswitch.KillSwitchState:
        """Trip the emergency stop (never clear it), record it durably, and add it to the store's history (a store
        problem never undoes a stop). Raises StateError if the sentinel cannot be written."""
        state = killswitch.trip(self._killswitch_path, reason=reason, principal=by)
        self.record_event("emergency-stop", durable=True, reason=state.reason, by=state.by)
        try:
            from ..store import open_store  # noqa: PLC0415 - only a tripped stop writes to the store here

            store = open_store(self.settings, quick_check=False)
            try:
                store.record_killswitch("stop", reason=state.reason or "-", actor=by[:200] or "unknown")
            finally:
                store.close()
        except Exception as exc:
            self._warn_once(f"praxis.gatekeeper: the emergency stop is in effect but not in the store's history: {exc}")
        return state

    def record_event(self, event: str, *, durable: bool = False, **fields: Any) -> bool:
        """Run-level events (emergency stop/clear, remote operations refused, ...); never raises."""
        try:
            record = {"event": event, "run_id": self.run_id, "session": self.session, **_redacted_fields(fields)}
        except Exception as exc:
            log.warning("praxis: cannot build the %s record: %s", event, exc)
            return False
        return self.audit.append(record, durable=durable)

    def pending_approvals(self, *, check_run: bool = False) -> str:
        """A line telling the requester where this run's gated actions wait, or "" (never raises).

        ``check_run``: the run was started with --check, whose plan (dry-run diffs, tasks decided at run time,
        refusals up front) is written without a decision that waits, so its end always looks in the store."""
        if not check_run and self.journal is not None and not self.journal.asked_for_approval(self.run_id):
            return ""  # no decision of this run waits: the store stays closed (and unimported)
        for seam in self.seams:
            if isinstance(seam, ApprovalSeam):
                try:
                    pending = seam.pending_for_run(self.run_id)
                except Exception as exc:
                    return f"praxis.gatekeeper: could not list this run's approval requests: {exc}"
                if pending:
                    request, count = pending
                    return (
                        f"praxis.gatekeeper: {count} gated action(s) of this run wait for an operator in request "
                        f"{request}: `praxis-gate approvals show {request}`"
                    )
        return ""

    def lookup_touches_gate(
        self, terms: Any, options: Mapping[str, Any], *, base: str | None = None, name: str = ""
    ) -> bool:
        """Any lookup (file, fileglob, template, ini, url...) whose terms name the gate's own state or secrets, in
        any spelling (``/./``, ``..``, percent-encoding, a ``file://`` URL, a symlink), is sent through the full
        pipeline, which denies it; so is a lookup that fetches a URL the egress filter refuses (``name`` is the
        lookup's FQCN). Everything else stays unrecorded, as lookups only read. ``base`` is the directory relative
        terms resolve against (the play's)."""
        items = terms if isinstance(terms, list | tuple) else [terms]
        texts = [str(item) for item in items] + [str(value) for value in options.values()]
        if name:
            probe = TaskRequest(action=name, args={"_terms": texts[: len(items)]}, host="localhost",
                                connection="local", kind=RequestKind.LOOKUP)  # fmt: skip
            if egress_findings(probe, policy=self.egress, resolver=self._resolver):
                return True
        return bool(tamper_findings([*texts, *_resolved_paths(texts, base)], self.protected_paths))

    # ------------------------------------------------------------------ runs
    def start_run(self, **fields: Any) -> bool:
        """Record the run's start (after recovering runs that died) and remember where it began.

        Returns True, or raises StateError naming the one reason and the one next step (a full or read-only disk,
        an unusable state directory, no file descriptors left): a run that cannot be audited must not start, and
        the adapter ends it before its first task."""
        if isinstance(self.audit, AuditLog):
            self.audit.watch()  # from here on, a log changed under the run refuses everything above T0
        if self.journal is None:
            if not self.record_event("run-start", **fields):
                raise StateError(
                    f"cannot record the start of the run: {self.audit.last_error or 'unknown error'}",
                    hint="check the audit sink",
                )
            return True
        return self.journal.start(self.run_id, {"session": self.session, **_redacted_fields(fields)})

    def finish_run(self) -> None:
        """Announce the run's pending approvals (if a webhook is set), orphan-mark undecided outcomes, record the
        run's end and a signed checkpoint; never raises."""
        self._announce_pending()
        try:
            if self.journal is not None:
                self.journal.finish(self.run_id, self.session)
            else:
                self.record_event("run-end")
        except Exception as exc:
            self._warn_once(f"praxis.gatekeeper: could not close the run in the audit log: {exc}")

    def _announce_pending(self) -> None:
        """The webhook announcement of this run's pending request: recorded either way, never fatal."""
        for seam in self.seams:
            if not isinstance(seam, ApprovalSeam):
                continue
            try:
                delivery = seam.announce_pending(self.run_id)
            except Exception as exc:
                self._warn_once(f"praxis.gatekeeper: could not announce the pending approvals: {exc}")
                continue
            if delivery is None:
                continue
            self.record_event(
                "approval-notification",
                request=delivery.request,
                delivered=delivery.delivered,
                attempts=delivery.attempts,
                detail=delivery.detail,
            )
            if not delivery.delivered:
                self._warn_once(
                    f"praxis.gatekeeper: the approval webhook did not take request {delivery.request} "
                    f"({delivery.detail}); operators can still see it with `praxis-gate approvals list`"
                )

    # ------------------------------------------------------------------ execution window
    def begin(self, decision: Decision) -> None:
        """Mark an allowed decision as executing in this process (remote commands are checked against it)."""
        self._active, self._active_pid = decision, os.getpid()

    def end(self) -> None:
        self._active = None

    @property
    def active(self) -> Decision | None:
        return self._active if self._active_pid == os.getpid() else None

    def check_remote(self, operation: str, target: str) -> str | None:
        """Every remote command or file transfer: refused (with a reason) outside an allowed decision or while
        the emergency stop is tripped. Returns None when it may proceed."""
        try:
            if killswitch.is_tripped(self._killswitch_path):
                reason = "the emergency stop is tripped"
            elif self.active is None or not self.active.allowed:
                reason = "no allowed gate decision covers this remote operation"
            else:
                return None
            self.record_event(
                "remote-refused",
                operation=operation,
                target=truncate(target, 255),
                reason=reason,
                decision_id=self.active.decision_id if self.active else None,
            )
            return reason
        except Exception as exc:
            return f"internal error checking the remote operation ({type(exc).__name__})"


def _with_real_paths(paths: Sequence[str]) -> tuple[str, ...]:
    """Each path as given and as it resolves through symlinks: a protected file reached through a link is the
    same file."""
    out: list[str] = []
    for path in paths:
        out.append(path)
        with contextlib.suppress(OSError, ValueError):
            out.append(os.path.realpath(path))
    return tuple(dict.fromkeys(p for p in out if p))


def _resolved_paths(texts: Sequence[str], base: str | None) -> list[str]:
    """The controller paths inside lookup terms, resolved through symlinks (words that look like paths only)."""
    resolved: list[str] = []
    for text in texts[:64]:
        for word in text.replace("=", " ").split()[:16]:
            if "/" in word or word.startswith(("~", "file:")):
                with contextlib.suppress(OSError, ValueError):
                    resolved.append(_controller.resolve(word, base=base))
    return resolved


def _seams_quiet(seams: Sequence[Seam], tier: Tier) -> bool:
    """Whether every seam says it answers None for any request of this tier without reading or changing anything
    (its ``quiet_tiers``, see core/seams.py); a seam that says nothing is asked."""
    for seam in seams:  # noqa: SIM110 - a loop, not all() over a generator: this is the hot path
        if tier not in getattr(seam, "quiet_tiers", NO_TIERS):
            return False
    return True


_SHOWN_LIMIT = 256  # distinct reason lists kept (then forgotten all at once)
_SHOWN_CHARACTERS = 2048  # longer lists are redacted afresh every time
_SHOWN: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shown_reasons(texts: tuple[str, ...]) -> tuple[str, ...]:
    """A decision's reason and reasons as it shows them: ``redact_texts`` with the reason bounded to 400 characters
    and each of the others to 200.

    Most decisions give one of a few reasons ("T0 within the guarded ceiling (observes only)", the reasons of a
    module's base tier), so the answer is kept for the exact texts: ``redact_texts`` is a pure function of them
    (their positions fix the limits). Kept only for exact ``str`` texts (a subclass may answer ``==`` and hashing
    its own way), only for short lists, and only when redaction changed nothing (nothing withheld is kept in memory
    beyond the decision that held it, and no text is kept that the decision does not show as it is)."""
    size = 0
    for text in texts:
        if type(text) is not str:  # pylint: disable=unidiomatic-typecheck
            return _redacted_reasons(texts)
        size += len(text)
    if size > _SHOWN_CHARACTERS:
        return _redacted_reasons(texts)
    shown = _SHOWN.get(texts)
    if shown is None:
        shown = _redacted_reasons(texts)
        if shown == texts:
            if len(_SHOWN) >= _SHOWN_LIMIT:
                _SHOWN.clear()
            _SHOWN[texts] = shown
    return shown


def _redacted_reasons(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(redact_texts(texts, limits=[_REASON_LIMIT, *[200] * (len(texts) - 1)]))


def _malformed(request: TaskRequest) -> str:
    if not isinstance(request.action, str) or not request.action.strip() or len(request.action) > _MAX_ACTION:
        return "malformed request: the action must be a non-empty FQCN"
    # Printable ASCII holds no control character and no whitespace but the space, so most names need no pattern
    # (str's own methods, unbound: a subclass cannot answer for them).
    action = request.action
    plain = str.isascii(action) and str.isprintable(action) and str.find(action, " ") < 0
    if not plain and _SPACE_OR_CONTROL.search(action):
        return f"malformed request: the action {redact_text(action, limit=60)!r} is not an FQCN"
    host = request.host
    if not isinstance(host, str) or not host or len(host) > _MAX_HOST:
        return "malformed request: the host must be a non-empty name of at most 255 characters"
    if not (str.isascii(host) and str.isprintable(host)) and _CONTROL.search(host):
        return "malformed request: the host name contains control characters"
    # Adapters build requests from untyped Ansible objects; check what the type hints only promise.
    args: object = request.args
    environment: object = request.environment
    # (an exact dict first: the ABC check costs more)
    if type(args) is not dict and not isinstance(args, Mapping):  # pylint: disable=unidiomatic-typecheck
        return "malformed request: the arguments must be a mapping"
    if type(environment) is not dict and not isinstance(environment, Mapping):  # pylint: disable=unidiomatic-typecheck
        return "malformed request: the environment must be a mapping"
    return ""


@dataclass(frozen=True, slots=True)
class _RedactedArgs:
    value: Any
    length: int
    withheld: bool
    failed: bool = False


_PLAIN_LEAVES = frozenset({str, float, bool, type(None)})
_PLAIN_DEPTH = 8  # redact()'s own depth bound
_PLAIN_NODES = 2000  # and its node budget


def _redaction_cannot_fail(args: object) -> bool:
    """Whether ``_redacted_args`` provably succeeds for ``args``: a tree of exact ``dict`` (``str`` keys), ``list``,
    ``tuple``, ``str``, ``float``, ``bool``, ``None`` and ``int`` of at most 128 bits (no subclass, whose methods
    could raise; no integer too long to print), within redact()'s depth and node bounds (so no cycle either). Such
    a tree always serialises and always redacts. Anything else answers False and is redacted to find out."""
    budget = _PLAIN_NODES
    stack: list[tuple[object, int]] = [(args, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind in _PLAIN_LEAVES:
            continue
        if depth >= _PLAIN_DEPTH:
            return False
        if kind is dict:
            items: dict[object, object] = value  # type: ignore[assignment]
            budget -= len(items)
            if budget < 0:
                return False
            for key, item in items.items():
                if type(key) is not str:  # pylint: disable=unidiomatic-typecheck
                    return False
                if type(item) not in _PLAIN_LEAVES:
                    stack.append((item, depth + 1))
        elif kind is list or kind is tuple:
            sequence: list[object] | tuple[object, ...] = value  # type: ignore[assignment]
            budget -= len(sequence)
            if budget < 0:
                return False
            stack.extend((item, depth + 1) for item in sequence if type(item) not in _PLAIN_LEAVES)
        elif kind is not int or value.bit_length() > 128:  # type: ignore[attr-defined]
            return False
    return True


def _redacted_args(request: TaskRequest) -> _RedactedArgs:
    """The arguments as they may be recorded: redacted, or withheld (no_log) with their length only. Never raises:
    arguments that cannot even be measured or redacted come back ``failed`` and the task is denied."""
    try:
        dump = json.dumps(request.args, default=str, ensure_ascii=False)
    except Exception:  # hostile __str__, recursion: cannot be measured, so cannot be recorded either
        return _RedactedArgs("<withheld:redaction-failed>", -1, True, failed=True)
    if request.no_log:
        return _RedactedArgs("<withheld:no_log>", len(dump), True)
    try:
        # The dump that measures the arguments also shows whether any string in them could need redacting.
        return _RedactedArgs(redact(request.args, hint_free=holds_no_hint(dump)), len(dump), False)
    except (RedactionError, Exception):
        return _RedactedArgs("<withheld:redaction-failed>", len(dump), True, failed=True)


def _timestamper(settings: GateSettings, egress: EgressPolicy) -> Callable[[Mapping[str, Any]], bytes] | None:
    """The RFC 3161 client, connecting through the egress filter (checked, pinned, no redirects)."""
    url = settings.tsa_url
    if not url:
        return None
    roots = None
    if settings.tsa_ca:
        try:
            roots = read_bounded(settings.tsa_ca, max_bytes=1024 * 1024, what="PRAXIS_TSA_CA")
        except (InputRejected, OSError) as exc:
            raise ConfigError(
                f"cannot read the time-stamping roots: {exc}", hint="point PRAXIS_TSA_CA at a PEM file"
            ) from None

    def post(target: str, data: bytes, headers: Mapping[str, str], timeout: float, max_response: int) -> bytes:
        return egress_post(target, data, headers, timeout, max_response, policy=egress)

    def stamp(checkpoint: Mapping[str, Any]) -> bytes:
        # Loaded with the first checkpoint to stamp: the HTTP and TLS stack is not part of arming the gate.
        from ..audit.timestamps import request_timestamp  # noqa: PLC0415

        return request_timestamp(checkpoint, url=url, roots_pem=roots, post=post)

    return stamp


def egress_post(
    url: str,
    data: bytes,
    headers: Mapping[str, str],
    timeout: float,
    max_response: int,
    *,
    policy: EgressPolicy,
    resolver: egress_client.Resolver = egress_client.system_resolver,
) -> bytes:
    """POST through the egress filter without following redirects; errors become TimestampError for the caller."""
    from ..audit.timestamps import TimestampError  # noqa: PLC0415 - only a checkpoint being stamped posts

    try:
        response = egress_client.request(
            url, policy=policy, method="POST", body=data, headers=headers, timeout=timeout,
            max_response=max_response, max_redirects=0, resolver=resolver,
        )  # fmt: skip
    except (egress_client.EgressRefused, egress_client.EgressError) as exc:
        raise TimestampError(f"the TSA: {exc.message}", hint=exc.hint or "check PRAXIS_TSA_URL") from exc
    if response.status in (301, 302, 303, 307, 308):
        raise TimestampError(f"the TSA at {response.url} redirected; redirects are refused",
                             hint="configure the TSA's final URL")  # fmt: skip
    if response.status != 200:
        raise TimestampError(f"the TSA at {response.url} answered HTTP {response.status}",
                             hint="check PRAXIS_TSA_URL")  # fmt: skip
    return response.body


def _egress_policy(settings: GateSettings) -> EgressPolicy:
    try:
        return EgressPolicy.parse(settings.egress_allow)
    except ValueError as exc:
        raise ConfigError(
            f"PRAXIS_EGRESS_ALLOW (or [praxis_gatekeeper] egress_allow): {exc}",
            hint="list networks (10.0.0.0/8), addresses (192.0.2.7) or exact host names, separated by commas",
        ) from exc


def _redacted_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: redact(value, max_str=400) for key, value in fields.items()}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _own_paths(settings: GateSettings) -> list[str]:
    """Paths a controller-side task must never touch: our state, our code, and where Python loads start-up hooks."""
    paths = [str(settings.state_dir), os.path.realpath(settings.state_dir)]
    paths.append(str(Path(__file__).resolve().parents[3]))
    for secret in (settings.approvers_path, settings.operator_dir, settings.anchor_path, settings.tsa_ca):
        if secret is not None:
            paths.append(str(secret))
    with contextlib.suppress(AttributeError):  # virtualenvs of old tools lack these
        paths.extend(site.getsitepackages())
        paths.append(site.getusersitepackages())
    if settings.config_file:
        paths.append(settings.config_file)
    if settings.policy_path:
        paths.append(str(settings.policy_path))
    return [p for p in paths if p and p != sys.prefix]
