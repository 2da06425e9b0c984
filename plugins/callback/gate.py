# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's callback: arms the gate when ansible-core loads it, and reports what the gate decided.

Only what a callback is lives here. The hooks it arms, and the translation of Ansible's objects into runner
requests, are shared with the action and connection plugins in plugin_utils/adapter/ (docs/mechanism.md). ``arm``
is also the name the interpreter start-up hook (boot/_praxis_gatekeeper_boot.py) calls.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: gate
type: aggregate
short_description: The praxis.gatekeeper policy gate
version_added: 0.1.0
description:
  - Arms the praxis.gatekeeper gate in the controller before workers fork, so every task of every play is decided
    on its templated arguments and resolved FQCN just before its action handler runs, every remote command and file
    transfer is checked against that decision and the emergency stop, and command-running lookups are gated where
    they run.
  - Every decision and every outcome is written to the audit log before and after the action runs.
  - Installed with pip, the collection also arms the gate from an interpreter start-up hook whenever this callback
    is listed in C(callbacks_enabled) or C(PRAXIS_GATE=enforce) is set in the environment, so a callback that fails
    to load, a
    C(collections/) directory that shadows this collection, or playbook-adjacent Python never yields an ungated run.
  - Settings are read by the gate itself so that a project's own C(ansible.cfg) (in the working directory) can only
    tighten them; see docs/configuration.md.
requirements:
  - enable in configuration (C(callbacks_enabled = praxis.gatekeeper.gate))
options:
  mode:
    description:
      - The mode ceiling. C(open) allows every tier, C(guarded) refuses T3, C(readonly) allows only T0.
      - Only operator configuration sets it; a project C(ansible.cfg) may only lower it.
    type: str
    choices: [open, guarded, readonly]
    default: guarded
    env:
      - name: PRAXIS_MODE
    ini:
      - section: praxis_gatekeeper
        key: mode
  state_dir:
    description: Directory holding the audit log, its keys and the emergency-stop sentinel.
    type: path
    default: ~/.local/share/praxis-gatekeeper
    env:
      - name: PRAXIS_STATE_DIR
    ini:
      - section: praxis_gatekeeper
        key: state_dir
  policy:
    description: Operator policy file (YAML, validated against docs/schema/policy.schema.json).
    type: path
    env:
      - name: PRAXIS_POLICY
    ini:
      - section: praxis_gatekeeper
        key: policy
  allow_paths:
    description: Directories whose playbook-adjacent plugins, modules and collections the operator trusts.
    type: list
    elements: path
    env:
      - name: PRAXIS_ALLOW_PATHS
    ini:
      - section: praxis_gatekeeper
        key: allow_paths
  command_lookups:
    description: Extra lookup plugins (FQCN) that run commands on the controller and must pass the gate.
    type: list
    elements: str
    env:
      - name: PRAXIS_COMMAND_LOOKUPS
    ini:
      - section: praxis_gatekeeper
        key: command_lookups
  audit_anchor:
    description:
      - Where the audit log's high-water mark (the newest signed checkpoint) is kept. Keeping it outside the state
        directory means truncating the log and rolling back the anchor needs write access to two places.
    type: path
    default: <state_dir>/audit.anchor
    env:
      - name: PRAXIS_AUDIT_ANCHOR
    ini:
      - section: praxis_gatekeeper
        key: audit_anchor
  audit_checkpoint_every:
    description: Write a signed Merkle checkpoint every this many records (and at the end of every run).
    type: int
    default: 1000
    env:
      - name: PRAXIS_AUDIT_CHECKPOINT_EVERY
    ini:
      - section: praxis_gatekeeper
        key: audit_checkpoint_every
  tsa_url:
    description: RFC 3161 time-stamping authority that countersigns each checkpoint (optional).
    type: str
    env:
      - name: PRAXIS_TSA_URL
    ini:
      - section: praxis_gatekeeper
        key: tsa_url
  tsa_ca:
    description: PEM file with the root certificate(s) the time-stamping authority's tokens must chain to.
    type: path
    env:
      - name: PRAXIS_TSA_CA
    ini:
      - section: praxis_gatekeeper
        key: tsa_ca
  egress_allow:
    description:
      - Destinations the SSRF egress filter admits although they are private, loopback, link-local, CGNAT,
        multicast, reserved or unspecified, as a comma-separated list of networks (C(10.20.0.0/16)), addresses or
        exact host names.
      - The filter applies to the collection's own connections (TSA, approval webhook) and to tasks that fetch a URL
        on the controller or from a cloud metadata service.
    type: list
    elements: str
    env:
      - name: PRAXIS_EGRESS_ALLOW
    ini:
      - section: praxis_gatekeeper
        key: egress_allow
  approval_webhook:
    description:
      - Receiver (http or https) that is sent a JSON announcement of a run's pending approval request when the run
        ends (Slack- and Matrix-style C(text)/C(body) plus a structured C(praxis) object). Never a token or an
        argument. A receiver that is down or slow costs the run at most five seconds and never fails it.
      - The URL is treated as a secret; errors and the audit log show only its scheme and host.
    type: str
    env:
      - name: PRAXIS_APPROVAL_WEBHOOK
    ini:
      - section: praxis_gatekeeper
        key: approval_webhook
"""

from typing import Any

from ansible.plugins.callback import CallbackBase
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.hooks import arm

__all__ = ["CallbackModule", "arm"]


class CallbackModule(CallbackBase):
    """Arms the gate when loaded (if the start-up hook has not already) and reports what it decided."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "praxis.gatekeeper.gate"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self._gate = arm(via="callback")

    def v2_playbook_on_start(self, playbook: Any) -> None:
        gate = self._gate
        if gate is not None:
            self._display.vv(
                f"praxis.gatekeeper: gate armed; mode {gate.mode.value} ({gate.settings.mode_source}), "
                f"ruleset {gate.ruleset.label}, audit log {gate.settings.audit_path}"
            )
            for warning in gate.settings.warnings:
                self._display.warning(f"praxis.gatekeeper: {warning}")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        if self._gate is not None:
            line = self._gate.pending_approvals()
            if line:
                self._display.display(line)
