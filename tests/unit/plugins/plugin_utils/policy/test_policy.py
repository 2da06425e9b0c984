# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every policy rule: deny first in all modes, round-up, privilege floor, path floors, check mode, operator policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import PolicyFileError, TaskRefused
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import (
    Mode,
    RequestKind,
    TaskRequest,
    Tier,
    Verdict,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate

BUILTIN = ruleset_mod.load_ruleset(None)


def req(action: str, args: dict[str, Any] | None = None, **kw: Any) -> TaskRequest:
    kw.setdefault("host", "web1")
    return TaskRequest(action=action, args=args or {}, **kw)


def tier_of(request: TaskRequest, rules: ruleset_mod.Ruleset = BUILTIN) -> Tier:
    evaluation = evaluate(request, ruleset=rules)
    assert not evaluation.findings, evaluation.findings
    return evaluation.tier


def gate_for(tmp_path: Path, mode: Mode, policy: Path | None = None) -> Gate:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": mode.value, "HOME": str(tmp_path)}
    if policy:
        env["PRAXIS_POLICY"] = str(policy)
    return Gate.from_settings(load_settings(env, cwd=str(tmp_path), cfg=None))


# ----------------------------------------------------------------------------------------------- tiers
@pytest.mark.parametrize(
    ("action", "args", "expected"),
    [
        ("ansible.builtin.stat", {"path": "/etc/shadow"}, Tier.T0),
        ("ansible.builtin.setup", {}, Tier.T0),
        ("ansible.builtin.debug", {"msg": "hi"}, Tier.T0),
        ("ansible.builtin.copy", {"content": "x", "dest": "/srv/app/x"}, Tier.T1),
        ("ansible.builtin.template", {"src": "a.j2", "dest": "/srv/a"}, Tier.T1),
        ("ansible.builtin.lineinfile", {"path": "/srv/a", "line": "x"}, Tier.T1),
        ("ansible.builtin.file", {"path": "/srv/a", "state": "directory"}, Tier.T1),
        ("ansible.builtin.package", {"name": "vim", "state": "present"}, Tier.T2),
        ("ansible.builtin.service", {"name": "nginx", "state": "restarted"}, Tier.T2),
        ("ansible.builtin.user", {"name": "bob"}, Tier.T2),
        ("ansible.posix.mount", {"path": "/mnt", "src": "/dev/sdb1", "state": "mounted"}, Tier.T2),
        ("ansible.builtin.cron", {"name": "x", "job": "true"}, Tier.T2),
        ("ansible.builtin.reboot", {}, Tier.T3),
        ("community.general.filesystem", {"dev": "/dev/sdb1", "fstype": "ext4"}, Tier.T3),
        ("community.general.parted", {"device": "/dev/sdb", "number": 1}, Tier.T3),
        ("ansible.builtin.file", {"path": "/srv/app", "state": "absent"}, Tier.T3),
        ("ansible.builtin.file", {"path": "/tmp/scratch", "state": "absent"}, Tier.T1),
        ("ansible.builtin.file", {"path": "/tmp/../srv/app", "state": "absent"}, Tier.T3),
        ("ansible.builtin.file", {"path": "/tmpfoo/app", "state": "absent"}, Tier.T3),
        ("ansible.builtin.user", {"name": "bob", "state": "absent"}, Tier.T3),
        ("ansible.builtin.git", {"repo": "x", "dest": "/srv/x", "force": True}, Tier.T3),
        ("ansible.builtin.uri", {"url": "https://x"}, Tier.T0),
        ("ansible.builtin.uri", {"url": "https://x", "method": "POST"}, Tier.T2),
        ("ansible.legacy.copy", {"content": "x", "dest": "/srv/x"}, Tier.T1),
        ("copy", {"content": "x", "dest": "/srv/x"}, Tier.T1),
    ],
)
def test_module_base_and_state_tiers(action: str, args: dict[str, Any], expected: Tier) -> None:
    assert tier_of(req(action, args)) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"dest": "/etc/motd", "content": "x"}, Tier.T2),
        ({"dest": "/etc/sudoers", "content": "x"}, Tier.T3),
        ({"dest": "/etc/sudoers.d/ops", "content": "x"}, Tier.T3),
        ({"dest": "/home/bob/.ssh/authorized_keys", "content": "x"}, Tier.T3),
        ({"dest": "/etc/ssh/sshd_config", "content": "x"}, Tier.T3),
        ({"dest": "/etc/./ssh//sshd_config", "content": "x"}, Tier.T3),
        ({"dest": "/tmp/../etc/sudoers", "content": "x"}, Tier.T3),
        ({"dest": "/srv/app/config", "content": "x"}, Tier.T1),
    ],
)
def test_path_floors_for_writes(args: dict[str, Any], expected: Tier) -> None:
    assert tier_of(req("ansible.builtin.copy", args)) == expected


def test_unknown_modules_round_up() -> None:
    assert tier_of(req("acme.tools.frobnicate", {"name": "x"})) == Tier.T2
    assert tier_of(req("acme.tools.frobnicate", {"name": "x", "state": "absent"})) == Tier.T3
    assert tier_of(req("acme.tools.frobnicate", {"path": "/etc/sudoers"})) == Tier.T3


@pytest.mark.parametrize("method", ["sudo", "su", "doas", "pkexec", "runas", "machinectl", "community.general.dzdo"])
def test_privilege_escalation_is_at_least_t2_for_any_method(method: str) -> None:
    assert tier_of(req("ansible.builtin.stat", {"path": "/"}, become=True, become_method=method)) == Tier.T2
    assert tier_of(req("ansible.builtin.ping", {}, become=True, become_method=method)) == Tier.T2


def test_free_form_execution_floors_at_t2_and_content_rounds_up() -> None:
    assert tier_of(req("ansible.builtin.command", {"_raw_params": "uptime"})) == Tier.T2
    assert tier_of(req("ansible.builtin.shell", {"_raw_params": "cat /etc/sudoers"})) == Tier.T3
    assert tier_of(req("ansible.builtin.command", {"argv": ["reboot"]})) == Tier.T3
    assert tier_of(req("ansible.builtin.raw", {"_raw_params": "shutdown -h now"})) == Tier.T3


def test_script_payload_is_classified_and_unreadable_scripts_round_up() -> None:
    hidden = b"#!/bin/sh\necho dG91Y2ggL3RtcC94 | base64 -d | sh\n"
    evaluation = evaluate(
        req("ansible.builtin.script", {"_raw_params": "x.sh"}, local_files={"/p/files/x.sh": hidden}), ruleset=BUILTIN
    )
    assert any(f.rule == "deny.decode-to-shell" for f in evaluation.findings)
    unreadable = req("ansible.builtin.script", {"_raw_params": "x.sh"}, local_files={"x.sh": None})
    assert tier_of(unreadable) == Tier.T3


def test_environment_that_changes_code_is_t2() -> None:
    assert tier_of(req("ansible.builtin.stat", {"path": "/"}, environment={"LD_PRELOAD": "/tmp/x.so"})) == Tier.T2
    assert tier_of(req("ansible.builtin.stat", {"path": "/"}, environment={"LANG": "C"})) == Tier.T0


def test_command_lookups_are_controller_execution() -> None:
    lookup = req("ansible.builtin.pipe", {"_terms": ["uptime"]}, kind=RequestKind.LOOKUP, connection="local")
    assert tier_of(lookup) == Tier.T2


def test_oversized_arguments_round_up() -> None:
    args = {"items": [f"value-{i}" for i in range(6000)]}
    assert tier_of(req("acme.tools.frobnicate", args)) == Tier.T3


# ----------------------------------------------------------------------------------------------- deny list
DENY_CASES = [
    (req("ansible.builtin.shell", {"_raw_params": "rm -rf --no-preserve-root /"}), "deny.root-wipe"),
    (req("ansible.builtin.command", {"argv": ["rm", "-rf", "/"]}), "deny.root-wipe"),
    (req("ansible.builtin.file", {"path": "/", "state": "absent"}), "deny.root-wipe"),
    (req("ansible.builtin.file", {"path": "/etc", "state": "absent"}), "deny.root-wipe"),
    (req("ansible.builtin.file", {"path": "/usr/", "state": "absent"}), "deny.root-wipe"),
    (req("ansible.builtin.file", {"path": "/", "recurse": True, "mode": "0777", "state": "directory"}),
     "deny.recursive-perms-root"),
    (req("ansible.builtin.copy", {"src": "x.img", "dest": "/dev/sda"}), "deny.raw-disk-write"),
    (req("ansible.builtin.shell", {"_raw_params": "dd if=/dev/zero of=/dev/nvme0n1"}), "deny.raw-disk-write"),
    (req("ansible.builtin.shell", {"_raw_params": ":(){ :|:& };:"}), "deny.fork-bomb"),
    (req("ansible.builtin.shell", {"_raw_params": "git push -f origin main"}), "deny.force-push-main"),
    (req("ansible.builtin.shell", {"_raw_params": "echo aGk= | base64 -d | bash"}), "deny.decode-to-shell"),
    (req("ansible.builtin.cron", {"name": "x", "job": "rm -rf /"}), "deny.root-wipe"),
    (req("ansible.builtin.debug", {"msg": "rm -rf --no-preserve-root /"}), "deny.root-wipe"),
    (req("ansible.builtin.stat", {"path": "/"}, environment={"PROMPT_COMMAND": "echo aGk= | base64 -d | sh"}),
     "deny.decode-to-shell"),
    (req("ansible.builtin.ping", {}, connection_options={"ssh_common_args": "-o ProxyCommand='nc x 22'"}),
     "deny.connection-injection"),
    (req("ansible.builtin.ping", {}, connection_options={"host_key_checking": False}), "deny.host-key-policy"),
    (req("ansible.builtin.ping", {}, connection="community.docker.docker"), "deny.connection-plugin"),
    (req("ansible.builtin.ping", {}, host_type="talos"), "deny.talos-ssh"),
]  # fmt: skip


@pytest.mark.parametrize(("request_", "rule"), DENY_CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(DENY_CASES)])
@pytest.mark.parametrize("mode", list(Mode))
def test_deny_list_applies_first_in_every_mode(tmp_path: Path, request_: TaskRequest, rule: str, mode: Mode) -> None:
    gate = gate_for(tmp_path, mode)
    decision = gate.decide(request_)
    assert decision.verdict is Verdict.DENIED
    assert rule in [decision.rule, *(r.split(":")[0] for r in decision.reasons)]
    with pytest.raises(TaskRefused):
        gate.authorize(request_)


def test_deny_wins_even_under_check_mode(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.OPEN)
    decision = gate.decide(req("ansible.builtin.shell", {"_raw_params": "rm -rf /"}, check_mode=True))
    assert decision.verdict is Verdict.DENIED


def test_gate_tamper_from_controller_side_tasks(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.OPEN)
    state = str(tmp_path / "state")
    local = req("ansible.builtin.file", {"path": f"{state}/emergency-stop", "state": "absent"}, connection="local")
    assert gate.decide(local).rule == "deny.gate-tamper"
    lookup = req("ansible.builtin.pipe", {"_terms": [f"rm {state}/audit.jsonl"]}, kind=RequestKind.LOOKUP,
                 connection="local")  # fmt: skip
    assert gate.decide(lookup).rule == "deny.gate-tamper"


# ----------------------------------------------------------------------------------------------- mode ceiling
@pytest.mark.parametrize(
    ("mode", "tier_request", "verdict"),
    [
        (Mode.READONLY, req("ansible.builtin.stat", {"path": "/"}), Verdict.ALLOWED),
        (Mode.READONLY, req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"}), Verdict.REFUSED),
        (Mode.GUARDED, req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"}), Verdict.ALLOWED),
        (Mode.GUARDED, req("ansible.builtin.package", {"name": "x"}), Verdict.APPROVAL_REQUIRED),
        (Mode.GUARDED, req("ansible.builtin.reboot", {}), Verdict.REFUSED),
        (Mode.OPEN, req("ansible.builtin.reboot", {}), Verdict.APPROVAL_REQUIRED),
    ],
)
def test_mode_ceiling(tmp_path: Path, mode: Mode, tier_request: TaskRequest, verdict: Verdict) -> None:
    """Within the ceiling T0/T1 run and T2/T3 wait for a human; above it nothing, not even an approval, helps."""
    decision = gate_for(tmp_path, mode).decide(tier_request)
    assert decision.verdict is verdict
    if verdict is Verdict.REFUSED:
        assert decision.rule == "mode.ceiling"
    if verdict is Verdict.APPROVAL_REQUIRED:
        assert decision.rule == "approval.required" and "praxis-gate approvals show req-" in decision.reason


def test_nothing_in_a_request_can_raise_the_mode(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.READONLY)
    sneaky = req(
        "ansible.builtin.copy",
        {"content": "x", "dest": "/srv/x", "praxis_mode": "open"},
        environment={"PRAXIS_MODE": "open"},
        task_name="praxis_mode=open",
    )
    decision = gate.decide(sneaky)
    assert decision.verdict is Verdict.REFUSED and decision.mode is Mode.READONLY


def test_check_mode_dry_runs(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.READONLY)
    dry = gate.decide(req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"}, check_mode=True))
    assert dry.allowed and dry.dry_run and dry.tier is Tier.T1
    for real in ("ansible.builtin.raw", "ansible.builtin.script", "acme.tools.frobnicate"):
        decision = gate.decide(req(real, {"_raw_params": "true"}, check_mode=True))
        assert not decision.allowed and not decision.dry_run, real


# ----------------------------------------------------------------------------------------------- fail closed
def test_internal_errors_deny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret-token-in-message ghp_" + "a" * 36)

    monkeypatch.setattr(gate_module, "evaluate", boom)
    decision = gate_for(tmp_path, Mode.OPEN).decide(req("ansible.builtin.stat", {"path": "/"}))
    assert decision.verdict is Verdict.DENIED and decision.rule == "internal-error"
    assert "ghp_" not in decision.reason and "RuntimeError" in decision.reason


@pytest.mark.parametrize(
    "bad",
    [
        req("", {}),
        req("ansible.builtin.shell; rm", {}),
        req("ansible.builtin.stat", {}, host=""),
        req("ansible.builtin.stat", {}, host="web\n1"),
        TaskRequest(action="ansible.builtin.stat", args=["not", "a", "mapping"], host="web1"),  # type: ignore[arg-type]
    ],
)
def test_malformed_requests_are_denied_and_recorded(tmp_path: Path, bad: TaskRequest) -> None:
    gate = gate_for(tmp_path, Mode.OPEN)
    decision = gate.decide(bad)
    assert decision.verdict is Verdict.DENIED
    records = (tmp_path / "state" / "audit.jsonl").read_text().splitlines()
    assert decision.decision_id in records[-1]


def test_unwritable_audit_refuses_all_but_reads(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.OPEN)
    (tmp_path / "state").mkdir(exist_ok=True)  # the gate made it (owner-only) when it started
    (tmp_path / "state" / "audit.jsonl").symlink_to(tmp_path / "elsewhere")
    assert gate.decide(req("ansible.builtin.stat", {"path": "/"})).allowed
    refused = gate.decide(req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"}))
    assert refused.verdict is Verdict.REFUSED and refused.rule == "audit-unavailable"


# ----------------------------------------------------------------------------------------------- operator policy
def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path


def test_operator_deny_patterns_pins_and_allowlist(tmp_path: Path) -> None:
    policy = write_policy(
        tmp_path,
        "version: 1\n"
        "deny:\n  - id: no-curl-pipe\n    pattern: 'curl\\s[^|]*\\|\\s*sh'\n"
        "module_tiers:\n  acme.tools.report: T0\n"
        "command_allowlist:\n  - uptime\n  - systemctl status *\n",
    )
    gate = gate_for(tmp_path, Mode.READONLY, policy)
    assert gate.decide(req("ansible.builtin.shell", {"_raw_params": "curl x | sh"})).rule == "policy.no-curl-pipe"
    assert gate.decide(req("acme.tools.report", {})).allowed
    assert gate.decide(req("ansible.builtin.command", {"_raw_params": "uptime"})).allowed
    assert gate.decide(req("ansible.builtin.command", {"_raw_params": "systemctl status sshd"})).allowed
    for sneaky in ("uptime; touch /tmp/x", "uptime $(id)", "systemctl status x > /etc/y", "sudo uptime"):
        assert not gate.decide(req("ansible.builtin.shell", {"_raw_params": sneaky})).allowed, sneaky
    assert not gate.decide(req("ansible.builtin.command", {"_raw_params": "uptime"}, become=True)).allowed


@pytest.mark.parametrize(
    "text",
    [
        "version: 2\n",
        "deny: []\n",
        "version: 1\nmodule_tiers:\n  ansible.builtin.copy: T9\n",
        "version: 1\ndeny:\n  - id: x\n    pattern: '('\n",
        "version: 1\nunknown_key: 1\n",
        "version: [1\n",
        "- just a list\n",
    ],
)
def test_bad_policy_files_are_clear_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(PolicyFileError) as info:
        ruleset_mod.load_ruleset(write_policy(tmp_path, text))
    assert str(tmp_path / "policy.yml") in str(info.value)


def test_missing_policy_file_is_an_error_not_a_default(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError):
        ruleset_mod.load_ruleset(tmp_path / "absent.yml")


def test_ruleset_digest_covers_policy_content(tmp_path: Path) -> None:
    one = ruleset_mod.load_ruleset(write_policy(tmp_path, "version: 1\ncommand_allowlist: [uptime]\n"))
    two = ruleset_mod.load_ruleset(write_policy(tmp_path, "version: 1\ncommand_allowlist: [df -h]\n"))
    assert one.digest != two.digest != BUILTIN.digest
    assert one.version == ruleset_mod.RULESET_VERSION


def test_builtin_rules_cannot_change_without_a_new_ruleset_version() -> None:
    """Pinned fingerprint: editing any rule table fails here until RULESET_VERSION is bumped and recorded."""
    assert ruleset_mod.RULESET_HISTORY[ruleset_mod.RULESET_VERSION] == ruleset_mod.builtin_fingerprint(), (
        "built-in rules changed: bump RULESET_VERSION and add its fingerprint to RULESET_HISTORY "
        f"({ruleset_mod.builtin_fingerprint()})"
    )
    assert list(ruleset_mod.RULESET_HISTORY)[-1] == ruleset_mod.RULESET_VERSION


def test_decisions_are_stamped_with_the_ruleset(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.GUARDED)
    decision = gate.decide(req("ansible.builtin.stat", {"path": "/"}))
    assert decision.ruleset == gate.ruleset.label
    record = (tmp_path / "state" / "audit.jsonl").read_text().splitlines()[-1]
    assert gate.ruleset.digest in record


def test_audit_log_is_the_gates(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.GUARDED)
    assert isinstance(gate.audit, AuditLog)


# ----------------------------------------------------------------------------------------------- remote operations
def test_remote_operations_need_an_executing_allowed_decision(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, Mode.GUARDED)
    assert "no allowed gate decision" in (gate.check_remote("exec_command", "web1") or "")
    allowed = gate.decide(req("ansible.builtin.stat", {"path": "/"}))
    denied = gate.decide(req("ansible.builtin.shell", {"_raw_params": "rm -rf /"}))
    gate.begin(denied)
    assert gate.check_remote("put_file", "web1") is not None
    gate.begin(allowed)
    assert gate.check_remote("put_file", "web1") is None
    gate.end()
    assert gate.check_remote("fetch_file", "web1") is not None
    gate.begin(allowed)
    (tmp_path / "state" / "emergency-stop").write_text("{}")
    assert "emergency stop" in (gate.check_remote("exec_command", "web1") or "")
    refused = [
        line for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines() if "remote-refused" in line
    ]
    assert len(refused) == 4
