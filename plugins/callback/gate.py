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
    to load, a C(collections/) directory that shadows this collection, or playbook-adjacent Python never yields an
    ungated run. Set both; with a Galaxy-only install only C(callbacks_enabled) arms the gate.
  - Settings are read by the gate itself so that a project's own C(ansible.cfg) (in the working directory) can only
    tighten them; see docs/configuration.md. The options below are the gate's settings (docs/settings.md);
    C(praxis-gate doctor) shows, for each ansible-playbook and ansible on PATH, whether the gate would arm.
requirements:
  - enable in configuration (C(callbacks_enabled = praxis.gatekeeper.gate))
# settings:begin (generated from plugin_utils/core/options.py)
options:
  gate:
    description:
      - "Arms the gate in every ansible-playbook, ansible and ansible-runner run of a Python where the pip package
        (and so its start-up hook) is installed."
      - "Set it together with callbacks_enabled = praxis.gatekeeper.gate, which is what arms a Galaxy-only install;
        praxis-gate doctor shows where neither would."
      - "Values: enforce (or true, yes, on, 1); off (or false, no, 0, empty)."
      - "Who may set it: operator: environment only. Read by: every gated run, praxis-gate doctor, praxis-gate
        status."
    type: str
    default: "off"
    env:
      - name: PRAXIS_GATE
  mode:
    description:
      - "The mode ceiling: open allows every tier (each with its own gate), guarded refuses T3, readonly allows only
        T0."
      - "No play, task or variable can raise it."
      - "Who may set it: operator; a project ansible.cfg may only lower it. Read by: every gated run, praxis-gate
        check, praxis-gate status."
    type: str
    choices: [open, guarded, readonly]
    default: "guarded"
    env:
      - name: PRAXIS_MODE
    ini:
      - section: praxis_gatekeeper
        key: mode
  state_dir:
    description:
      - "Holds the audit log, its keys and anchor, the emergency stop and the SQLite store."
      - "Absolute, owned by the user running Ansible, not writable by group or others (default
        ~/.local/share/praxis-gatekeeper)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, every
        praxis-gate command."
    type: path
    default: "$XDG_DATA_HOME/praxis-gatekeeper"
    env:
      - name: PRAXIS_STATE_DIR
    ini:
      - section: praxis_gatekeeper
        key: state_dir
  policy:
    description:
      - "Operator policy file (YAML, validated against docs/schema/policy.schema.json): extra deny rules, module tier
        pins, allowlisted command lines."
      - "An invalid file refuses the run."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        check, praxis-gate status, praxis-gate approvals."
    type: path
    env:
      - name: PRAXIS_POLICY
    ini:
      - section: praxis_gatekeeper
        key: policy
  allow_paths:
    description:
      - "Directories (: or , separated) whose playbook-adjacent plugin code and collections/ the operator trusts."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: list
    elements: str
    env:
      - name: PRAXIS_ALLOW_PATHS
    ini:
      - section: praxis_gatekeeper
        key: allow_paths
  command_lookups:
    description:
      - "Extra lookup plugins (FQCN) that run commands on the controller and must pass the gate, added to
        ansible.builtin.pipe and ansible.builtin.lines."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: list
    elements: str
    env:
      - name: PRAXIS_COMMAND_LOOKUPS
    ini:
      - section: praxis_gatekeeper
        key: command_lookups
  interpreters:
    description:
      - "Absolute interpreter paths (: or , separated) a play may name in ansible_python_interpreter and the other
        ansible_*_interpreter variables, besides a known interpreter in a system program directory and the
        controller's own Python; any other interpreter rounds the task up."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: list
    elements: str
    env:
      - name: PRAXIS_INTERPRETERS
    ini:
      - section: praxis_gatekeeper
        key: interpreters
  ssh_known_hosts:
    description:
      - "The only known_hosts file praxis.gatekeeper.ssh trusts (absolute; the global file is then ignored)."
      - "Unset, ssh's own files are used; either way an unknown or changed host key is refused (docs/plugins/ssh.md)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.ssh."
    type: path
    env:
      - name: PRAXIS_SSH_KNOWN_HOSTS
    ini:
      - section: praxis_gatekeeper
        key: ssh_known_hosts
  ssh_accept_new_host_keys:
    description:
      - "Host names or fnmatch patterns (, separated) whose first host key praxis.gatekeeper.ssh may accept
        (StrictHostKeyChecking=accept-new); a changed key is still refused."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.ssh."
    type: list
    elements: str
    env:
      - name: PRAXIS_SSH_ACCEPT_NEW
    ini:
      - section: praxis_gatekeeper
        key: ssh_accept_new_host_keys
  talosctl:
    description:
      - "The talosctl program the praxis.gatekeeper.talos action runs: a name found on PATH or an absolute path (a
        relative path is refused; it would resolve inside the project's working directory)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.talos."
    type: str
    default: "talosctl"
    env:
      - name: PRAXIS_TALOSCTL
    ini:
      - section: praxis_gatekeeper
        key: talosctl
  talos_root:
    description:
      - "Absolute directory under which every local file talosctl reads or writes must lie (output paths, config
        patches), and talosctl's working directory."
      - "Unset, a Talos task that names a local file is refused (docs/talos-setup.md)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.talos."
    type: path
    env:
      - name: PRAXIS_TALOS_ROOT
    ini:
      - section: praxis_gatekeeper
        key: talos_root
  talos_env:
    description:
      - "Environment variable names (, separated) added to talosctl's environment allowlist (PATH, HOME, LANG,
        TALOSCONFIG, KUBECONFIG); every other variable is withheld."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.talos."
    type: list
    elements: str
    env:
      - name: PRAXIS_TALOS_ENV
    ini:
      - section: praxis_gatekeeper
        key: talos_env
  talos_timeout:
    description:
      - "The longest a talosctl call may run, in seconds (1..86400); the task's timeout can only be lower."
      - "On timeout, and when the emergency stop trips, talosctl's whole process group is killed."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis.gatekeeper.talos."
    type: int
    default: "3600"
    env:
      - name: PRAXIS_TALOS_TIMEOUT
    ini:
      - section: praxis_gatekeeper
        key: talos_timeout
  principal:
    description:
      - "Who is recorded as running the play (and as the actor of praxis-gate commands)."
      - "Who may set it: whoever starts the run: environment. Read by: every gated run, every praxis-gate command."
    type: str
    default: "user@host"
    env:
      - name: PRAXIS_PRINCIPAL
  session:
    description:
      - "Groups the runs of one agent session or job in the audit log."
      - "Who may set it: whoever starts the run: environment. Read by: every gated run."
    type: str
    default: "the run id"
    env:
      - name: PRAXIS_SESSION
  drift_job:
    description:
      - "Set by praxis-gate drift scan and converge for the ansible-playbook run they start (docs/drift.md), never by
        hand: names the drift job (32 hexadecimal digits) whose ceiling the run takes (readonly, check mode) and whose
        findings it records."
      - "A job can only tighten the mode; a malformed value or a job that is missing refuses to arm."
      - "Who may set it: whoever starts the run: environment. Read by: every gated run, praxis-gate drift."
    type: str
    env:
      - name: PRAXIS_DRIFT_JOB
  audit_anchor:
    description:
      - "Where the audit log's high-water mark (the newest signed checkpoint) is kept."
      - "Outside the state directory, truncating the log and rolling back the anchor needs write access to two
        places."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        audit."
    type: path
    default: "<state_dir>/audit.anchor"
    env:
      - name: PRAXIS_AUDIT_ANCHOR
    ini:
      - section: praxis_gatekeeper
        key: audit_anchor
  audit_checkpoint_every:
    description:
      - "Write a signed Merkle checkpoint every this many records (and at the end of every run)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: int
    default: "1000"
    env:
      - name: PRAXIS_AUDIT_CHECKPOINT_EVERY
    ini:
      - section: praxis_gatekeeper
        key: audit_checkpoint_every
  audit_durability:
    description:
      - "always: every record reaches the disk before the action runs."
      - "batch: decisions that let T2/T3 actions run are synced at once, the rest within 50 ms."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: str
    choices: [always, batch]
    default: "batch"
    env:
      - name: PRAXIS_AUDIT_DURABILITY
    ini:
      - section: praxis_gatekeeper
        key: audit_durability
  tsa_url:
    description:
      - "RFC 3161 time-stamping authority that countersigns each checkpoint (optional)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: str
    env:
      - name: PRAXIS_TSA_URL
    ini:
      - section: praxis_gatekeeper
        key: tsa_url
  tsa_ca:
    description:
      - "PEM file with the root certificate(s) the time-stamping authority's tokens must chain to."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        audit verify."
    type: path
    env:
      - name: PRAXIS_TSA_CA
    ini:
      - section: praxis_gatekeeper
        key: tsa_ca
  egress_allow:
    description:
      - "Networks (10.20.0.0/16), addresses or exact host names (, or space separated) the SSRF egress filter admits
        although private, loopback, link-local, CGNAT, multicast, reserved or unspecified: for the time-stamping
        authority, approval notifications and URL-fetching tasks on the controller (docs/egress.md)."
      - "An invalid entry refuses the run."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        check."
    type: list
    elements: str
    env:
      - name: PRAXIS_EGRESS_ALLOW
    ini:
      - section: praxis_gatekeeper
        key: egress_allow
  approval_webhook:
    description:
      - "An http(s) receiver each run's pending approval requests are announced to when the run ends (a JSON POST
        shaped for Slack- or Matrix-style receivers: id, summary, tiers, hosts, expiry, the operator's next command;
        never a token or an argument body), through the egress filter with bounded retries."
      - "A receiver that is down or slow costs the run at most five seconds and never fails it."
      - "The URL is treated as a secret: errors and the audit log show only its scheme and host (docs/approvals.md)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: str
    env:
      - name: PRAXIS_APPROVAL_WEBHOOK
    ini:
      - section: praxis_gatekeeper
        key: approval_webhook
  approvers:
    description:
      - "The approver registry: the operators' public keys the gate trusts (NAME ed25519 BASE64 per line)."
      - "Not writable by group or others."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        approvals, praxis-gate operator init."
    type: path
    default: "$XDG_CONFIG_HOME/praxis-gatekeeper/approvers"
    env:
      - name: PRAXIS_APPROVERS
    ini:
      - section: praxis_gatekeeper
        key: approvers
  approver_keys:
    description:
      - "Approver public keys inline, for execution environments: NAME=BASE64, comma separated."
      - "Who may set it: operator: environment only. Read by: every gated run, praxis-gate approvals."
    type: str
    env:
      - name: PRAXIS_APPROVER_KEYS
  operator_dir:
    description:
      - "Where operator init writes and approvals approve reads the operators' private keys (0600)."
      - "Who may set it: operator: environment only. Read by: praxis-gate operator init, praxis-gate approvals."
    type: path
    default: "$XDG_CONFIG_HOME/praxis-gatekeeper/operators"
    env:
      - name: PRAXIS_OPERATOR_DIR
  approval_max_ttl:
    description:
      - "The longest an approval token may stay valid, in seconds (60..86400)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        approvals approve."
    type: int
    default: "900"
    env:
      - name: PRAXIS_APPROVAL_MAX_TTL
    ini:
      - section: praxis_gatekeeper
        key: approval_max_ttl
  approval_pending_ttl:
    description:
      - "How long a pending approval request stays approvable, in seconds (300..2592000); a newer request for the same
        task supersedes an older one at once."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: int
    default: "86400"
    env:
      - name: PRAXIS_APPROVAL_PENDING_TTL
    ini:
      - section: praxis_gatekeeper
        key: approval_pending_ttl
  approval_wait:
    description:
      - "Seconds a gated task waits for an operator's decision instead of failing (0..86400; 0: fail at once and name
        the request)."
      - "The run prints the command to approve; the signed approval reaches the waiting task through the store; a
        denial or the emergency stop ends the wait."
      - "The extra var praxis_approval_wait (a job-template variable) sets it per run, never above this value when
        this is set."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: int
    default: "0"
    env:
      - name: PRAXIS_APPROVAL_WAIT
    ini:
      - section: praxis_gatekeeper
        key: approval_wait
  approval_distinct_approver:
    description:
      - "Refuse approvals signed by the requester."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run, praxis-gate
        approvals approve."
    type: bool
    default: "false"
    env:
      - name: PRAXIS_APPROVAL_DISTINCT
    ini:
      - section: praxis_gatekeeper
        key: approval_distinct_approver
  approval_t3_two_approvers:
    description:
      - "T3 actions need two distinct approvers (praxis-gate approvals cosign adds the second)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: every gated run."
    type: bool
    default: "false"
    env:
      - name: PRAXIS_APPROVAL_T3_TWO
    ini:
      - section: praxis_gatekeeper
        key: approval_t3_two_approvers
  approval:
    description:
      - "Approval tokens the run presents (space or comma separated); the extra var praxis_approval does the same."
      - "Taken out of the environment when the gate arms."
      - "Who may set it: whoever starts the run: environment. Read by: every gated run."
      - "Set it in the environment as PRAXIS_APPROVAL; ansible-core's configuration never reads it."
    type: str
  approval_file:
    description:
      - "A file holding approval tokens for the run (one or more)."
      - "Who may set it: whoever starts the run: environment. Read by: every gated run."
      - "Set it in the environment as PRAXIS_APPROVAL_FILE; ansible-core's configuration never reads it."
    type: path
  store_dsn:
    description:
      - "A PostgreSQL connection string for a store shared by several controllers or AWX execution nodes
        (docs/store.md)."
      - "There is no fallback between PostgreSQL and SQLite."
      - "Who may set it: operator: environment only. Read by: every gated run, praxis-gate approvals, praxis-gate
        store, praxis-gate emergency-stop."
      - "Set it in the environment as PRAXIS_STORE_DSN; ansible-core's configuration never reads it."
    type: str
    default: "state.db in the state directory"
  agent_projects:
    description:
      - "The project directories (absolute, : or , separated) agents may run playbooks from; a playbook or project
        outside them (after resolving every symbolic link) is refused."
      - "None set: agents run nothing."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis-gate agent run,
        praxis-gate mcp, the agent Python API."
    type: list
    elements: str
    env:
      - name: PRAXIS_AGENT_PROJECTS
    ini:
      - section: praxis_gatekeeper
        key: agent_projects
  agent_budget_total:
    description:
      - "How many actuations (T1 and above, dry runs excluded) a new agent session may make in total: a whole number,
        or none for no limit."
      - "Fixed when the session opens; a spent budget refuses further actuation."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: gated runs of agent sessions,
        praxis-gate agent."
    type: str
    default: "100"
    env:
      - name: PRAXIS_AGENT_BUDGET_TOTAL
    ini:
      - section: praxis_gatekeeper
        key: agent_budget_total
  agent_budget_t2:
    description:
      - "How many actuations at T2 and above a new agent session may make: a whole number, or none for no limit."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: gated runs of agent sessions,
        praxis-gate agent."
    type: str
    default: "10"
    env:
      - name: PRAXIS_AGENT_BUDGET_T2
    ini:
      - section: praxis_gatekeeper
        key: agent_budget_t2
  agent_budget_per_host:
    description:
      - "How many actuations on any one host a new agent session may make: a whole number, or none for no limit."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: gated runs of agent sessions,
        praxis-gate agent."
    type: str
    default: "25"
    env:
      - name: PRAXIS_AGENT_BUDGET_PER_HOST
    ini:
      - section: praxis_gatekeeper
        key: agent_budget_per_host
  agent_env_allow:
    description:
      - "Names of the environment variables (comma separated) an agent may set for its runs."
      - "PRAXIS_* and ANSIBLE_* variables never, whatever this says."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis-gate agent run,
        praxis-gate mcp, the agent Python API."
    type: list
    elements: str
    env:
      - name: PRAXIS_AGENT_ENV_ALLOW
    ini:
      - section: praxis_gatekeeper
        key: agent_env_allow
  agent_run_timeout:
    description:
      - "The longest an agent's run may take, in seconds; a run past it is ended with its whole process group."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis-gate agent run,
        praxis-gate mcp, the agent Python API."
    type: int
    default: "3600"
    env:
      - name: PRAXIS_AGENT_RUN_TIMEOUT
    ini:
      - section: praxis_gatekeeper
        key: agent_run_timeout
  agent_output_limit:
    description:
      - "How many characters of each task's output (redacted, labelled untrusted) an agent is shown (at least 256)."
      - "Who may set it: operator: environment or the operator's ansible.cfg. Read by: praxis-gate agent run,
        praxis-gate mcp, the agent Python API."
    type: int
    default: "4096"
    env:
      - name: PRAXIS_AGENT_OUTPUT_LIMIT
    ini:
      - section: praxis_gatekeeper
        key: agent_output_limit
# settings:end
"""

from typing import Any

from ansible.plugins.callback import CallbackBase

try:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.hooks import arm, report_pending
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.display import render
except ImportError as missing:
    # A Galaxy-only install without the gate's Python requirements. ansible-core would skip a callback that fails to
    # import and run ungated, so this one imports anyway and locks the run down, naming the packages to install.
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.lockdown import refusing_arm

    arm = refusing_arm(missing)

    def report_pending(show: Any) -> None:
        """Nothing can be pending: nothing ran."""

    def render(text: str) -> str:
        return text


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
                self._display.warning(render(f"praxis.gatekeeper: {warning}"))

    def v2_playbook_on_stats(self, stats: Any) -> None:
        report_pending(self._display.display)
