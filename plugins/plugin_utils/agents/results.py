# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an agent gets back from a run: per host and task the status, tier, decision and reason, host output
labelled untrusted (redacted and bounded), and (filled in by the runner from the store) the approval request an
operator must review.

The gate's audit records are the authority on decisions (they are what was enforced); ansible-runner's events add
what each task returned. Output is host text an attacker may control, so it is never mixed into fields an agent
would read as the gate's own words: it sits under ``output`` with ``untrusted: true``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..policy._modules import canonical_action
from ..policy.redact import redact, redact_text
from . import trifecta

__all__ = ["AgentRunResult", "TaskOutcome", "build_result"]

_SEVERITY = {"allowed": 0, "approval_required": 1, "refused": 2, "denied": 3}
_TASK_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}
_DROP = ("invocation", "_ansible_no_log", "_ansible_verbose_always", "_ansible_verbose_override")
_TOTAL_OUTPUT = 256 * 1024


@dataclass
class TaskOutcome:
    """One task on one host: what the gate decided (worst of its decisions, e.g. over loop items) and what ran."""

    host: str
    task: str
    action: str = ""
    status: str = "not-run"
    tier: str | None = None
    decision: str | None = None
    rule: str | None = None
    reason: str = ""
    decision_ids: list[str] = field(default_factory=list)
    output: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "task": self.task,
            "action": self.action,
            "status": self.status,
            "tier": self.tier,
            "decision": self.decision,
            "rule": self.rule,
            "reason": self.reason,
            "decision_ids": list(self.decision_ids),
            "output": self.output,
        }


@dataclass
class AgentRunResult:
    """The structured result of one agent run. ``ok`` only when the run was gated and ansible-playbook succeeded."""

    session: str
    runner_ident: str
    status: str
    rc: int | None
    check: bool
    run_id: str | None = None
    gated: bool = False
    tasks: list[TaskOutcome] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    latch: Mapping[str, Any] = field(default_factory=dict)
    usage: Mapping[str, Any] = field(default_factory=dict)
    budgets: Mapping[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.gated and self.status == "successful"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "session": self.session,
            "runner_ident": self.runner_ident,
            "run_id": self.run_id,
            "status": self.status,
            "rc": self.rc,
            "check": self.check,
            "gated": self.gated,
            "tasks": [task.as_dict() for task in self.tasks],
            "approvals": list(self.approvals),
            "latch": dict(self.latch),
            "usage": dict(self.usage),
            "budgets": dict(self.budgets),
            "problems": list(self.problems),
        }


def build_result(
    base: AgentRunResult,
    records: Sequence[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    *,
    output_limit: int,
) -> bool:
    """Fill ``base`` from the run's audit records and runner events; True when host output went to the agent."""
    tasks: dict[tuple[str, str], TaskOutcome] = {}
    for record in records:
        if record.get("event") != "decision" or record.get("kind") not in ("task", "lookup"):
            continue
        host, task = str(record.get("host") or ""), str(record.get("task") or "")
        entry = tasks.setdefault((host, task), TaskOutcome(host=host, task=task))
        entry.action = str(record.get("resolved") or record.get("action") or "")
        entry.decision_ids.append(str(record.get("decision_id")))
        verdict = str(record.get("decision"))
        if entry.decision is None or _SEVERITY.get(verdict, 3) > _SEVERITY.get(entry.decision, 3):
            entry.decision, entry.rule, entry.reason = verdict, record.get("rule"), str(record.get("reason", ""))
        if entry.tier is None or str(record.get("tier")) > entry.tier:
            entry.tier = str(record.get("tier"))
    statuses = {str(r.get("decision_id")): str(r.get("status")) for r in records if r.get("event") == "outcome"}
    for entry in tasks.values():
        seen = [statuses[d] for d in entry.decision_ids if d in statuses]
        if seen:
            entry.status = next((s for s in seen if s in ("failed", "unreachable", "error")), seen[-1])
    budget = [_TOTAL_OUTPUT]
    returned_host_output = False
    for event in events:
        status = _TASK_EVENTS.get(str(event.get("event")))
        data = event.get("event_data")
        if status is None or not isinstance(data, Mapping):
            continue
        host, task = str(data.get("host") or ""), str(data.get("task") or "")
        entry = tasks.get((host, task)) or tasks.setdefault((host, task), TaskOutcome(host=host, task=task))
        action = canonical_action(str(data.get("resolved_action") or data.get("task_action") or entry.action))
        entry.action = entry.action or action
        if entry.decision in (None, "allowed"):
            entry.status = "changed" if status == "ok" and _changed(data.get("res")) else status
        if entry.decision not in (None, "allowed"):
            continue  # the failure is the gate's refusal, already in decision and reason
        res = data.get("res")
        if not isinstance(res, Mapping) or status == "skipped":
            continue
        if action in trifecta.QUIET_MODULES and status != "failed":
            continue  # metadata the playbook chose; no host text
        entry.output = _bounded_output(res, action, host, min(output_limit, max(0, budget[0])))
        budget[0] -= len(json.dumps(entry.output, default=str))
        if trifecta.host_output(action, host, "failed" if status == "unreachable" else status):
            returned_host_output = True
    base.tasks = list(tasks.values())
    return returned_host_output


def _changed(res: Any) -> bool:
    return isinstance(res, Mapping) and bool(res.get("changed"))


def _bounded_output(res: Mapping[str, Any], action: str, host: str, limit: int) -> dict[str, Any]:
    """The task's result for the agent: internal keys dropped, secrets redacted, at most ``limit`` characters."""
    data = {k: v for k, v in res.items() if k not in _DROP and not str(k).startswith("_ansible")}
    if res.get("_ansible_no_log"):
        data = {"censored": "the task ran with no_log: its output is withheld"}
    cleaned = redact(data, max_str=max(64, limit // 2), max_items=100)
    text = json.dumps(cleaned, sort_keys=True, default=str, ensure_ascii=False)
    output: dict[str, Any] = {"untrusted": True, "source": f"host output of {action} on {host}", "length": len(text)}
    if len(text) <= limit:
        output["data"], output["truncated"] = cleaned, False
    else:
        output["text"], output["truncated"] = redact_text(text, limit=max(0, limit)), True
    return output
