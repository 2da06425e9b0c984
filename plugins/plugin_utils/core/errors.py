# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One error family for the runner, converted once at the edge.

Adapters turn these into ``AnsibleError`` (plugins), ``fail_json`` (modules) or an exit status (the CLI). Each error
says what was refused, why, and what to do next, because the person reading it is usually mid-incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .display import render

if TYPE_CHECKING:
    from .models import Decision

__all__ = [
    "ConfigError",
    "GatekeeperError",
    "IntegrityError",
    "PolicyFileError",
    "StateError",
    "TaskRefused",
]


class GatekeeperError(Exception):
    """Root of every error the runner raises on purpose."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The message plus what to do next, for humans: each rendered terminal-safe, because messages quote task
        names, hosts, ids and paths that a playbook, an inventory or a requester chose."""
        message = render(self.message)
        return f"{message}\n  next: {render(self.hint)}" if self.hint else message

    def __str__(self) -> str:
        return self.diagnostics()


class ConfigError(GatekeeperError):
    """Operator configuration is missing, unreadable or invalid: the gate refuses to run rather than guess."""


class PolicyFileError(ConfigError):
    """The operator policy file does not validate against the published schema."""


class StateError(GatekeeperError):
    """The state directory (audit log, kill switch, store) cannot be used safely."""


class IntegrityError(GatekeeperError):
    """Recorded state does not verify (audit chain, store triggers, signatures)."""


class TaskRefused(GatekeeperError):
    """The gate did not allow a request. Carries the decision so adapters can report it exactly."""

    def __init__(self, decision: Decision, *, action: str, target: str) -> None:
        self.decision = decision
        verdict = decision.verdict.value
        message = (
            f"praxis.gatekeeper {verdict} {action} on {target}: {decision.reason} "
            f"[tier {decision.tier}, mode {decision.mode.value}, rule {decision.rule}, decision {decision.decision_id}]"
        )
        super().__init__(message, hint=_HINTS.get(verdict, ""))


_HINTS = {
    "denied": "this action is on the global deny list or could not be evaluated safely; no approval or mode lifts it. "
    "Change the task, or run `praxis-gate check` to see how it is classified.",
    "refused": "the operator's mode ceiling or the emergency stop does not allow this tier. Run `praxis-gate status`; "
    "only the operator's configuration (PRAXIS_MODE or the controller's ansible.cfg) can change the mode.",
    "approval_required": "this action needs a human approval; see `praxis-gate approvals list`.",
}
