# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every setting the gate obeys, in one table: its ``PRAXIS_*`` variable, its ansible.cfg key, its default, who may
set it, and what reads it.

Why one table: the same setting used to be described in the README, docs/configuration.md, the callback's
DOCUMENTATION and settings.py, and they drifted. The configuration reference (docs/settings.md) and the callback's
``ansible-doc`` options are generated from this table
(``python -m tests.settings_reference --write``), and tests/unit/test_settings_reference.py fails when either
disagrees with it, when a ``PRAXIS_*`` variable appears in the code but not here, or when ``load_settings`` does not
honour a row the way the row says (variable, key, who may set it).
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "SECTION",
    "SETTINGS",
    "Setting",
    "Who",
    "documentation_options",
    "markdown_table",
    "reference_page",
]

SECTION = "praxis_gatekeeper"


class Who(Enum):
    """Who may set a setting (see the trust model in settings.py)."""

    OPERATOR = "operator: environment or the operator's ansible.cfg"
    OPERATOR_ENV = "operator: environment only"
    TIGHTEN = "operator; a project ansible.cfg may only lower it"
    RUN = "whoever starts the run: environment"


RUNS = "every gated run"
AGENT_ENTRY_POINTS = ("praxis-gate agent run", "praxis-gate mcp", "the agent Python API")
AGENT_SESSIONS = ("gated runs of agent sessions", "praxis-gate agent")


@dataclass(frozen=True)
class Setting:
    """One row of the configuration reference. ``field`` is the GateSettings attribute it fills (None when it is
    read elsewhere), or with ``agent`` the AgentSettings attribute (agents/config.py: the controls agent sessions
    work under); ``sample`` is a valid value other than the default, which the agreement test sets."""

    name: str
    env: str
    ini: str | None
    type: str
    default: str | None
    who: Who
    read_by: tuple[str, ...]
    description: str
    field: str | None
    sample: str
    choices: tuple[str, ...] = ()
    secret: bool = False  # carries a token or a password: kept out of ansible-core's configuration (ansible-config)
    agent: bool = False  # read by agents/config.py (load_agent_settings), not by load_settings


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "gate", "PRAXIS_GATE", None, "str", "off", Who.OPERATOR_ENV,
        (RUNS, "praxis-gate doctor", "praxis-gate status"),
        "Arms the gate in every ansible-playbook, ansible and ansible-runner run of a Python where the pip package "
        "(and so its start-up hook) is installed. Set it together with callbacks_enabled = praxis.gatekeeper.gate, "
        "which is what arms a Galaxy-only install; praxis-gate doctor shows where neither would. Values: enforce "
        "(or true, yes, on, 1); off (or false, no, 0, empty).",
        "enforce", "enforce",
    ),
    Setting(
        "mode", "PRAXIS_MODE", "mode", "str", "guarded", Who.TIGHTEN, (RUNS, "praxis-gate check", "praxis-gate status"),
        "The mode ceiling: open allows every tier (each with its own gate), guarded refuses T3, readonly allows "
        "only T0. No play, task or variable can raise it.",
        "mode", "readonly", ("open", "guarded", "readonly"),
    ),
    Setting(
        "state_dir", "PRAXIS_STATE_DIR", "state_dir", "path", "$XDG_DATA_HOME/praxis-gatekeeper", Who.OPERATOR,
        (RUNS, "every praxis-gate command"),
        "Holds the audit log, its keys and anchor, the emergency stop and the SQLite store. Absolute, owned by the "
        "user running Ansible, not writable by group or others (default ~/.local/share/praxis-gatekeeper).",
        "state_dir", "/srv/praxis-state",
    ),
    Setting(
        "policy", "PRAXIS_POLICY", "policy", "path", None, Who.OPERATOR,
        (RUNS, "praxis-gate check", "praxis-gate status", "praxis-gate approvals"),
        "Operator policy file (YAML, validated against docs/schema/policy.schema.json): extra deny rules, module "
        "tier pins, allowlisted command lines. An invalid file refuses the run.",
        "policy_path", "/etc/praxis/policy.yml",
    ),
    Setting(
        "allow_paths", "PRAXIS_ALLOW_PATHS", "allow_paths", "list", None, Who.OPERATOR, (RUNS,),
        "Directories (: or , separated) whose playbook-adjacent plugin code and collections/ the operator trusts.",
        "allow_paths", "/opt/trusted-playbooks",
    ),
    Setting(
        "command_lookups", "PRAXIS_COMMAND_LOOKUPS", "command_lookups", "list", None, Who.OPERATOR, (RUNS,),
        "Extra lookup plugins (FQCN) that run commands on the controller and must pass the gate, added to "
        "ansible.builtin.pipe and ansible.builtin.lines.",
        "command_lookups", "community.general.shelvefile",
    ),
    Setting(
        "interpreters", "PRAXIS_INTERPRETERS", "interpreters", "list", None, Who.OPERATOR, (RUNS,),
        "Absolute interpreter paths (: or , separated) a play may name in ansible_python_interpreter and the other "
        "ansible_*_interpreter variables, besides a known interpreter in a system program directory and the "
        "controller's own Python; any other interpreter rounds the task up.",
        "interpreters", "/opt/python/bin/python3",
    ),
    Setting(
        "ssh_known_hosts", "PRAXIS_SSH_KNOWN_HOSTS", "ssh_known_hosts", "path", None, Who.OPERATOR,
        ("praxis.gatekeeper.ssh",),
        "The only known_hosts file praxis.gatekeeper.ssh trusts (absolute; the global file is then ignored). "
        "Unset, ssh's own files are used; either way an unknown or changed host key is refused (docs/plugins/ssh.md).",
        "ssh_known_hosts", "/etc/praxis/known_hosts",
    ),
    Setting(
        "ssh_accept_new_host_keys", "PRAXIS_SSH_ACCEPT_NEW", "ssh_accept_new_host_keys", "list", None, Who.OPERATOR,
        ("praxis.gatekeeper.ssh",),
        "Host names or fnmatch patterns (, separated) whose first host key praxis.gatekeeper.ssh may accept "
        "(StrictHostKeyChecking=accept-new); a changed key is still refused.",
        "ssh_accept_new", "new-node-*",
    ),
    Setting(
        "talosctl", "PRAXIS_TALOSCTL", "talosctl", "str", "talosctl", Who.OPERATOR, ("praxis.gatekeeper.talos",),
        "The talosctl program the praxis.gatekeeper.talos action runs: a name found on PATH or an absolute path "
        "(a relative path is refused; it would resolve inside the project's working directory).",
        "talosctl", "/usr/local/bin/talosctl",
    ),
    Setting(
        "talos_root", "PRAXIS_TALOS_ROOT", "talos_root", "path", None, Who.OPERATOR, ("praxis.gatekeeper.talos",),
        "Absolute directory under which every local file talosctl reads or writes must lie (output paths, config "
        "patches), and talosctl's working directory. Unset, a Talos task that names a local file is refused "
        "(docs/talos-setup.md).",
        "talos_root", "/srv/talos",
    ),
    Setting(
        "talos_env", "PRAXIS_TALOS_ENV", "talos_env", "list", None, Who.OPERATOR, ("praxis.gatekeeper.talos",),
        "Environment variable names (, separated) added to talosctl's environment allowlist (PATH, HOME, LANG, "
        "TALOSCONFIG, KUBECONFIG); every other variable is withheld.",
        "talos_env", "HTTPS_PROXY",
    ),
    Setting(
        "talos_timeout", "PRAXIS_TALOS_TIMEOUT", "talos_timeout", "int", "3600", Who.OPERATOR,
        ("praxis.gatekeeper.talos",),
        "The longest a talosctl call may run, in seconds (1..86400); the task's timeout can only be lower. On "
        "timeout, and when the emergency stop trips, talosctl's whole process group is killed.",
        "talos_timeout", "600",
    ),
    Setting(
        "principal", "PRAXIS_PRINCIPAL", None, "str", "user@host", Who.RUN, (RUNS, "every praxis-gate command"),
        "Who is recorded as running the play (and as the actor of praxis-gate commands).",
        "principal", "deploy-bot@ci",
    ),
    Setting(
        "session", "PRAXIS_SESSION", None, "str", "the run id", Who.RUN, (RUNS,),
        "Groups the runs of one agent session or job in the audit log.",
        "session", "session-42",
    ),
    Setting(
        "drift_job", "PRAXIS_DRIFT_JOB", None, "str", None, Who.RUN, (RUNS, "praxis-gate drift"),
        "Set by praxis-gate drift scan and converge for the ansible-playbook run they start (docs/drift.md), never by "
        "hand: names the drift job (32 hexadecimal digits) whose ceiling the run takes (readonly, check mode) and "
        "whose findings it records. A job can only tighten the mode; a malformed value or a job that is missing "
        "refuses to arm.",
        "drift_job", "0123456789abcdef0123456789abcdef",
    ),
    Setting(
        "audit_anchor", "PRAXIS_AUDIT_ANCHOR", "audit_anchor", "path", "<state_dir>/audit.anchor", Who.OPERATOR,
        (RUNS, "praxis-gate audit"),
        "Where the audit log's high-water mark (the newest signed checkpoint) is kept. Outside the state directory, "
        "truncating the log and rolling back the anchor needs write access to two places.",
        "audit_anchor", "/var/lib/praxis-anchor/audit.anchor",
    ),
    Setting(
        "audit_checkpoint_every", "PRAXIS_AUDIT_CHECKPOINT_EVERY", "audit_checkpoint_every", "int", "1000",
        Who.OPERATOR, (RUNS,),
        "Write a signed Merkle checkpoint every this many records (and at the end of every run).",
        "checkpoint_every", "500",
    ),
    Setting(
        "audit_durability", "PRAXIS_AUDIT_DURABILITY", "audit_durability", "str", "batch", Who.OPERATOR, (RUNS,),
        "always: every record reaches the disk before the action runs. batch: decisions that let T2/T3 actions run "
        "are synced at once, the rest within 50 ms.",
        "audit_durability", "always", ("always", "batch"),
    ),
    Setting(
        "tsa_url", "PRAXIS_TSA_URL", "tsa_url", "str", None, Who.OPERATOR, (RUNS,),
        "RFC 3161 time-stamping authority that countersigns each checkpoint (optional).",
        "tsa_url", "https://tsa.example.com/tsr",
    ),
    Setting(
        "tsa_ca", "PRAXIS_TSA_CA", "tsa_ca", "path", None, Who.OPERATOR, (RUNS, "praxis-gate audit verify"),
        "PEM file with the root certificate(s) the time-stamping authority's tokens must chain to.",
        "tsa_ca", "/etc/praxis/tsa-roots.pem",
    ),
    Setting(
        "egress_allow", "PRAXIS_EGRESS_ALLOW", "egress_allow", "list", None, Who.OPERATOR,
        (RUNS, "praxis-gate check"),
        "Networks (10.20.0.0/16), addresses or exact host names (, or space separated) the SSRF egress filter "
        "admits although private, loopback, link-local, CGNAT, multicast, reserved or unspecified: for the "
        "time-stamping authority, approval notifications and URL-fetching tasks on the controller "
        "(docs/egress.md). An invalid entry refuses the run.",
        "egress_allow", "10.20.0.0/16",
    ),
    Setting(
        "approval_webhook", "PRAXIS_APPROVAL_WEBHOOK", "approval_webhook", "str", None, Who.OPERATOR, (RUNS,),
        "An http(s) receiver each run's pending approval requests are announced to when the run ends (a JSON POST "
        "shaped for Slack- or Matrix-style receivers: id, summary, tiers, hosts, expiry, the operator's next "
        "command; never a token or an argument body), through the egress filter with bounded retries. A receiver "
        "that is down or slow costs the run at most five seconds and never fails it. The URL is treated as a "
        "secret: errors and the audit log show only its scheme and host (docs/approvals.md).",
        "approval_webhook", "https://hooks.example.com/praxis",
    ),
    Setting(
        "approvers", "PRAXIS_APPROVERS", "approvers", "path", "$XDG_CONFIG_HOME/praxis-gatekeeper/approvers",
        Who.OPERATOR, (RUNS, "praxis-gate approvals", "praxis-gate operator init"),
        "The approver registry: the operators' public keys the gate trusts (NAME ed25519 BASE64 per line). Not "
        "writable by group or others.",
        "approvers_path", "/etc/praxis/approvers",
    ),
    Setting(
        "approver_keys", "PRAXIS_APPROVER_KEYS", None, "str", None, Who.OPERATOR_ENV,
        (RUNS, "praxis-gate approvals"),
        "Approver public keys inline, for execution environments: NAME=BASE64, comma separated.",
        "approver_keys", "alice=MCowBQYDK2VwAyEA",
    ),
    Setting(
        "operator_dir", "PRAXIS_OPERATOR_DIR", None, "path", "$XDG_CONFIG_HOME/praxis-gatekeeper/operators",
        Who.OPERATOR_ENV, ("praxis-gate operator init", "praxis-gate approvals"),
        "Where operator init writes and approvals approve reads the operators' private keys (0600).",
        "operator_dir", "/home/alice/.praxis-keys",
    ),
    Setting(
        "approval_max_ttl", "PRAXIS_APPROVAL_MAX_TTL", "approval_max_ttl", "int", "900", Who.OPERATOR,
        (RUNS, "praxis-gate approvals approve"),
        "The longest an approval token may stay valid, in seconds (60..86400).",
        "approval_max_ttl", "600",
    ),
    Setting(
        "approval_pending_ttl", "PRAXIS_APPROVAL_PENDING_TTL", "approval_pending_ttl", "int", "86400", Who.OPERATOR,
        (RUNS,),
        "How long a pending approval request stays approvable, in seconds (300..2592000); a newer request for the "
        "same task supersedes an older one at once.",
        "approval_pending_ttl", "3600",
    ),
    Setting(
        "approval_wait", "PRAXIS_APPROVAL_WAIT", "approval_wait", "int", "0", Who.OPERATOR, (RUNS,),
        "Seconds a gated task waits for an operator's decision instead of failing (0..86400; 0: fail at once and "
        "name the request). The run prints the command to approve; the signed approval reaches the waiting task "
        "through the store; a denial or the emergency stop ends the wait. The extra var praxis_approval_wait (a "
        "job-template variable) sets it per run, never above this value when this is set.",
        "approval_wait", "600",
    ),
    Setting(
        "approval_distinct_approver", "PRAXIS_APPROVAL_DISTINCT", "approval_distinct_approver", "bool", "false",
        Who.OPERATOR, (RUNS, "praxis-gate approvals approve"),
        "Refuse approvals signed by the requester.",
        "approval_distinct", "true",
    ),
    Setting(
        "approval_t3_two_approvers", "PRAXIS_APPROVAL_T3_TWO", "approval_t3_two_approvers", "bool", "false",
        Who.OPERATOR, (RUNS,),
        "T3 actions need two distinct approvers (praxis-gate approvals cosign adds the second).",
        "t3_two_approvers", "true",
    ),
    Setting(
        "approval", "PRAXIS_APPROVAL", None, "str", None, Who.RUN, (RUNS,),
        "Approval tokens the run presents (space or comma separated); the extra var praxis_approval does the same. "
        "Taken out of the environment when the gate arms.",
        "approval_tokens", "pxa1.payload.signatures", secret=True,
    ),
    Setting(
        "approval_file", "PRAXIS_APPROVAL_FILE", None, "path", None, Who.RUN, (RUNS,),
        "A file holding approval tokens for the run (one or more).",
        "approval_tokens", "<a file holding pxa1.payload.signatures>", secret=True,
    ),
    Setting(
        "store_dsn", "PRAXIS_STORE_DSN", None, "str", "state.db in the state directory", Who.OPERATOR_ENV,
        (RUNS, "praxis-gate approvals", "praxis-gate store", "praxis-gate emergency-stop"),
        "A PostgreSQL connection string for a store shared by several controllers or AWX execution nodes "
        "(docs/store.md). There is no fallback between PostgreSQL and SQLite.",
        None, "host=db.example.com dbname=praxis user=praxis_gate", secret=True,
    ),
    Setting(
        "agent_projects", "PRAXIS_AGENT_PROJECTS", "agent_projects", "list", None, Who.OPERATOR,
        AGENT_ENTRY_POINTS,
        "The project directories (absolute, : or , separated) agents may run playbooks from; a playbook or project "
        "outside them (after resolving every symbolic link) is refused. None set: agents run nothing.",
        "projects", "/srv/ansible/site", agent=True,
    ),
    Setting(
        "agent_budget_total", "PRAXIS_AGENT_BUDGET_TOTAL", "agent_budget_total", "str", "100", Who.OPERATOR,
        AGENT_SESSIONS,
        "How many actuations (T1 and above, dry runs excluded) a new agent session may make in total: a whole "
        "number, or none for no limit. Fixed when the session opens; a spent budget refuses further actuation.",
        "budgets", "5", agent=True,
    ),
    Setting(
        "agent_budget_t2", "PRAXIS_AGENT_BUDGET_T2", "agent_budget_t2", "str", "10", Who.OPERATOR,
        AGENT_SESSIONS,
        "How many actuations at T2 and above a new agent session may make: a whole number, or none for no limit.",
        "budgets", "0", agent=True,
    ),
    Setting(
        "agent_budget_per_host", "PRAXIS_AGENT_BUDGET_PER_HOST", "agent_budget_per_host", "str", "25", Who.OPERATOR,
        AGENT_SESSIONS,
        "How many actuations on any one host a new agent session may make: a whole number, or none for no limit.",
        "budgets", "3", agent=True,
    ),
    Setting(
        "agent_env_allow", "PRAXIS_AGENT_ENV_ALLOW", "agent_env_allow", "list", None, Who.OPERATOR,
        AGENT_ENTRY_POINTS,
        "Names of the environment variables (comma separated) an agent may set for its runs. PRAXIS_* and "
        "ANSIBLE_* variables never, whatever this says.",
        "env_allow", "HTTPS_PROXY", agent=True,
    ),
    Setting(
        "agent_run_timeout", "PRAXIS_AGENT_RUN_TIMEOUT", "agent_run_timeout", "int", "3600", Who.OPERATOR,
        AGENT_ENTRY_POINTS,
        "The longest an agent's run may take, in seconds; a run past it is ended with its whole process group.",
        "run_timeout", "600", agent=True,
    ),
    Setting(
        "agent_output_limit", "PRAXIS_AGENT_OUTPUT_LIMIT", "agent_output_limit", "int", "4096", Who.OPERATOR,
        AGENT_ENTRY_POINTS,
        "How many characters of each task's output (redacted, labelled untrusted) an agent is shown (at least 256).",
        "output_limit", "8192", agent=True,
    ),
)  # fmt: skip


def reference_page() -> str:
    """docs/settings.md, whole: generated, never edited by hand."""
    return (
        "<!--\nCopyright (c) 2026 praxis.gatekeeper contributors\n"
        "GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)\n\n"
        "Generated from plugins/plugin_utils/core/options.py by `python -m tests.settings_reference --write`; "
        "edit the table there.\n-->\n"
        "# Configuration reference\n\n"
        "Every setting the gate obeys. Environment variables win over the operator's `ansible.cfg` "
        f"(`[{SECTION}]` section); a project `ansible.cfg` (the one in the working directory) may only lower the "
        "mode and sets nothing else. How the files are found, the policy file and the host-key policy: "
        "[configuration.md](configuration.md). `ansible-doc -t callback praxis.gatekeeper.gate` lists the same.\n\n"
        + markdown_table()
    )


def markdown_table() -> str:
    """The configuration page's table (docs/configuration.md, between the ``settings`` markers)."""
    lines = [
        "| setting | environment | `[praxis_gatekeeper]` key | default | who may set it | read by | what it does |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        ini = f"`{s.ini}`" if s.ini else "—"
        default = f"`{s.default}`" if s.default else "—"
        choices = f" One of {', '.join(f'`{c}`' for c in s.choices)}." if s.choices else ""
        lines.append(
            f"| {s.name} | `{s.env}` | {ini} | {default} | {s.who.value} | {', '.join(s.read_by)} "
            f"| {s.description}{choices} |"
        )
    return "\n".join(lines) + "\n"


def documentation_options() -> str:
    """The ``options:`` block of the callback's DOCUMENTATION (YAML text, indented for the DOCUMENTATION string)."""
    out = ["options:"]
    for s in SETTINGS:
        out.append(f"  {s.name}:")
        out.append("    description:")
        out.extend(_item(part) for part in _sentences(s.description))
        who = f"Who may set it: {s.who.value}. Read by: {', '.join(s.read_by)}."
        out.append(_item(who))
        if s.secret:  # ansible-config would print the value: name the variable, never let ansible-core read it
            where = f"Set it in the environment as {s.env}; ansible-core's configuration never reads it."
            out.append(_item(where))
        out.append(f"    type: {'list' if s.type == 'list' else s.type}")
        if s.type == "list":
            out.append("    elements: str")
        if s.choices:
            out.append(f"    choices: [{', '.join(s.choices)}]")
        if s.default is not None:
            out.append(f"    default: {_yaml_text(s.default)}")
        if not s.secret:
            out.append("    env:")
            out.append(f"      - name: {s.env}")
        if s.ini:
            out.append("    ini:")
            out.append(f"      - section: {SECTION}")
            out.append(f"        key: {s.ini}")
    return "\n".join(out) + "\n"


def _item(text: str) -> str:
    """One description list item, a double-quoted YAML scalar folded at spaces to fit 120 columns."""
    lines = textwrap.wrap(_yaml_text(text), width=110, break_long_words=False, break_on_hyphens=False)
    return "      - " + "\n        ".join(lines)


def _sentences(text: str) -> list[str]:
    return [part.strip() + ("" if part.strip().endswith(".") else ".") for part in text.split(". ") if part.strip()]


def _yaml_text(text: str) -> str:
    """A YAML scalar that keeps ``text`` exact: a JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(text, ensure_ascii=False)
