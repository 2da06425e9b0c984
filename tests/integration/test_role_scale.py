# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real roles through the gate (issue 16): a role in the shape of os_hardening/ssh_hardening (check_mode: false
reads of the account databases, arguments from registered results, ``when: not ansible_check_mode``, loops over
users and sysctl keys, a handler, become inherited through include_tasks with apply) against a real sshd.

The --check run completes and its plan lists every gated task (dry runs, tasks that would execute for real, tasks
decided at run time); one approval of that plan plus a wait-mode run, in which an operator approves what the check
run could not bind as it comes up, applies the whole role in one run with the ungated run's end state.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .harness import AnsibleLab, SshTarget

ROLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "roles"
REQUESTER = "agent@controller"


@pytest.fixture
def lab(tmp_path: Path, ssh_target: SshTarget) -> AnsibleLab:
    lab = AnsibleLab(root=tmp_path / "lab", targets={"target1": ssh_target})
    lab.env_overrides.update(
        PRAXIS_OPERATOR_DIR=str(lab.config_dir / "operators"),
        PRAXIS_APPROVERS=str(lab.config_dir / "approvers"),
        PRAXIS_PRINCIPAL=REQUESTER,
        ANSIBLE_ROLES_PATH=str(ROLE_DIR),
    )
    result = lab.run("praxis-gate", ["operator", "init", "--name", "alice", "--no-passphrase"])
    assert result.rc == 0, result.output
    return lab


def _play(root: Path) -> str:
    return f"""\
        - hosts: target1
          gather_facts: false
          roles:
            - role: hardening_shaped
              vars:
                hardening_root: {root}
        """


def _state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def _json(lab: AnsibleLab, *args: str) -> Any:
    result = lab.run("praxis-gate", [*args, "--json"])
    assert result.rc == 0, result.output
    return json.loads(result.stdout)


def _ungated(lab: AnsibleLab, root: Path) -> dict[str, str]:
    root.mkdir()
    result = lab.playbook(_play(root), env={"PRAXIS_GATE": "0", "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.default"})
    assert result.rc == 0, result.output
    assert not result.records, "the positive control ran ungated"
    return _state(root)


def test_a_hardening_role_plans_in_one_check_run_and_applies_in_one_waiting_run(
    lab: AnsibleLab, tmp_path: Path
) -> None:
    expected = _ungated(lab, tmp_path / "ungated")
    assert {"sysctl.conf", "probed", "registered-0", "real-only", "sysctl-reloaded", "home-root"} <= set(expected)

    root = tmp_path / "gated"
    root.mkdir()
    # 1. the check run never stops: reads run, what would execute for real is listed, unbindable tasks too
    check = lab.playbook(_play(root), args=["--check", "--diff"])
    assert check.rc == 0, check.output
    assert _state(root) == {}, "the check run changed the host"
    reads = [d for d in check.decisions() if d["action"] == "ansible.builtin.command" and d["tier"] == "T0"]
    assert len(reads) == 2 and all(d["decision"] == "allowed" for d in reads), reads
    controller_side = [d for d in check.decisions() if d["action"] in ("ansible.builtin.include_vars",
                                                                       "ansible.builtin.debug")]  # fmt: skip
    assert controller_side and all(d["tier"] == "T0" and d["become"] for d in controller_side), controller_side
    (request,) = [row["request"] for row in _json(lab, "approvals", "list")]
    items = _json(lab, "approvals", "show", request)["items"]
    by_task = {}
    for item in items:
        by_task.setdefault(str(item["task"]).removeprefix("hardening_shaped : "), []).append(item)
    assert len(by_task["Set kernel parameters (a loop over sysctl keys)"]) == 3
    probe = by_task["Probe the ssh version (executes for real, like `ssh -V` in ssh_hardening)"]
    assert [i["state"] for i in probe] == ["pending"] and probe[0]["executes_for_real"] is True
    for task in ("Write a file named from a registered result", "Only in a real run"):
        (runtime,) = by_task[task]
        assert runtime["state"] == "decided at run time", runtime
        assert runtime["task_path"] and "hardening_shaped/tasks/main.yml" in runtime["task_path"]
        assert runtime["action"] == "ansible.builtin.command" and "{{" in json.dumps(runtime["args"]), runtime
    assert "Reload sysctl" in by_task, by_task.keys()

    # 2. one approval of the plan
    approve = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert approve.rc == 0, approve.output
    token = approve.stdout.strip()

    # 3. the real run waits for what the plan could not bind; the operator approves it as it comes up
    stop = threading.Event()
    approved: list[str] = []

    def operator() -> None:
        while not stop.is_set():
            for row in _json(lab, "approvals", "list"):
                if row["request"] != request and row["pending"]:
                    result = lab.run("praxis-gate", ["approvals", "approve", row["request"], "--as", "alice"])
                    if result.rc == 0:
                        approved.append(row["request"])
            time.sleep(1)

    helper = threading.Thread(target=operator, daemon=True)
    helper.start()
    try:
        run = lab.playbook(_play(root), args=["-e", json.dumps({"praxis_approval": token})],
                           env={"PRAXIS_APPROVAL_WAIT": "120"})  # fmt: skip
    finally:
        stop.set()
        helper.join(timeout=30)
    assert run.rc == 0, run.output
    assert "waits up to 120 s for an operator" in run.output
    assert _state(root) == expected
    granted = run.decisions(rule="approval.granted")
    assert len(granted) >= 10, granted
    assert approved, "nothing was approved while the run waited"
    assert not run.decisions(decision="approval_required"), run.output


@pytest.mark.one_version  # plan and approval logic; the waiting-run test covers the glue in both legs
def test_a_guarded_plan_lists_t3_items_as_refused_and_never_asks_for_them(lab: AnsibleLab, tmp_path: Path) -> None:
    target = tmp_path / "keys"
    target.mkdir()
    play = f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - name: irreversible
              ansible.builtin.copy:
                content: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA operator\\n"
                dest: "{target}/authorized_keys"
            - name: after it
              ansible.builtin.command: "touch {target}/after"
              check_mode: false
        """
    check = lab.playbook(play, args=["--check"])
    assert check.rc == 0, check.output
    assert not (target / "authorized_keys").exists() and not (target / "after").exists()
    (request,) = [row["request"] for row in _json(lab, "approvals", "list")]
    items = {i["task"]: i for i in _json(lab, "approvals", "show", request)["items"]}
    assert items["irreversible"]["state"] == "refused" and "ceiling" in items["irreversible"]["refused"]
    assert items["after it"]["state"] == "pending"
    approve = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert approve.rc == 0 and "approved 1 item(s)" in approve.stderr, approve.output


@pytest.mark.one_version  # plan and approval logic; the waiting-run test covers the glue in both legs
def test_a_waiting_task_ends_on_a_denial(lab: AnsibleLab, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    canary.mkdir()
    play = f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - name: gated
              ansible.builtin.command: "touch {canary}/ran"
        """
    stop = threading.Event()

    def operator() -> None:
        while not stop.is_set():
            for row in _json(lab, "approvals", "list"):
                lab.run("praxis-gate", ["approvals", "deny", row["request"], "--reason", "not today"])
            time.sleep(1)

    helper = threading.Thread(target=operator, daemon=True)
    helper.start()
    started = time.monotonic()
    try:
        run = lab.playbook(play, env={"PRAXIS_APPROVAL_WAIT": "300"})
    finally:
        stop.set()
        helper.join(timeout=30)
    assert run.rc != 0 and time.monotonic() - started < 200, run.output
    assert "not today" in run.output and not (canary / "ran").exists()
    shutil.rmtree(canary)


@pytest.mark.one_version  # plan and approval logic; the waiting-run test covers the glue in both legs
def test_without_waiting_one_check_run_and_one_real_run_apply_the_role(lab: AnsibleLab, tmp_path: Path) -> None:
    """Nothing depends on registered results: one check run, one approval, one real run with the token."""
    play = _play(tmp_path / "ungated").replace(
        "hardening_root:", "hardening_runtime_tasks: false\n                hardening_root:"
    )
    (tmp_path / "ungated").mkdir()
    control = lab.playbook(play, env={"PRAXIS_GATE": "0", "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.default"})
    assert control.rc == 0 and not control.records, control.output
    expected = _state(tmp_path / "ungated")
    root = tmp_path / "gated"
    root.mkdir()
    play = play.replace(str(tmp_path / "ungated"), str(root))
    check = lab.playbook(play, args=["--check"])
    assert check.rc == 0, check.output
    (request,) = [row["request"] for row in _json(lab, "approvals", "list")]
    states = {i["state"] for i in _json(lab, "approvals", "show", request)["items"]}
    assert states == {"pending"}, states
    token_file = tmp_path / "token"
    approve = lab.run(
        "praxis-gate", ["approvals", "approve", request, "--as", "alice", "--token-file", str(token_file)]
    )
    assert approve.rc == 0 and approve.stdout == "", approve.output
    assert token_file.stat().st_mode & 0o777 == 0o600
    run = lab.playbook(play, env={"PRAXIS_APPROVAL_FILE": str(token_file)})
    assert run.rc == 0, run.output
    assert _state(root) == expected
    assert not run.decisions(decision="approval_required")
    (row,) = _json(lab, "approvals", "list", "--all")
    assert row["status"] == "closed" and row["states"].get("used"), row


SECRETS = {
    "redis.conf": "bind 127.0.0.1\nrequirepass S3cr3tAlpha1\n",
    "pgpool.conf": "master_password S3cr3tBravo2\n",
    "slapd.conf": "rootpw {SSHA}S3cr3tCharlie3\n",
    "app.ini": "[db]\npassword = S3cr3tDelta4\n",
    "app.json": '{"api_token": "S3cr3tEcho5"}\n',
    "app.yml": "db_password: S3cr3tFoxtrot6\n",
    "app.env": "SECRET_KEY=S3cr3tGolf7\n",
}


@pytest.mark.one_version  # plan and approval logic; the waiting-run test covers the glue in both legs
def test_secrets_in_config_file_diffs_never_reach_the_store_or_the_log(lab: AnsibleLab, tmp_path: Path) -> None:
    target = tmp_path / "etc"
    target.mkdir()
    tasks = "".join(
        f"""
            - name: write {name}
              ansible.builtin.copy:
                content: {json.dumps(content)}
                dest: {target}/{name}
                mode: "0600"
              become: true
        """
        for name, content in SECRETS.items()
    )
    play = f"""\
        - hosts: target1
          gather_facts: false
          tasks:{tasks}
        """
    check = lab.playbook(play, args=["--check", "--diff"])
    assert check.rc == 0, check.output
    (request,) = [row["request"] for row in _json(lab, "approvals", "list")]
    shown = lab.run("praxis-gate", ["approvals", "show", request])
    assert shown.rc == 0 and "diff:" in shown.stdout and "requirepass <redacted>" in shown.stdout, shown.output
    items = _json(lab, "approvals", "show", request)["items"]
    assert len(items) == len(SECRETS) and all(i["diff"] for i in items)
    secrets = [line.split()[-1].strip('"}').rsplit("=", 1)[-1] for line in
               (content.strip().splitlines()[-1] for content in SECRETS.values())]  # fmt: skip
    assert all(s.startswith(("S3cr3t", "{SSHA}S3cr3t")) for s in secrets), secrets
    stored = b"".join(p.read_bytes() for p in lab.state_dir.rglob("*") if p.is_file())
    assert stored, "nothing was stored"
    for secret in secrets:
        assert secret.encode() not in stored, secret
        assert secret not in shown.stdout and secret not in check.output.replace(check.stdout, "")
    # the positive control: without --diff redaction the secrets are in the task's own output (ansible shows them)
    assert "S3cr3tAlpha1" in check.stdout


@pytest.mark.one_version  # plan and approval logic; the waiting-run test covers the glue in both legs
def test_a_run_longer_than_the_tokens_lifetime_completes(lab: AnsibleLab, tmp_path: Path) -> None:
    """Two plans approved together with the shortest lifetime (30 s): the first one's run outlives its token (a
    30 s pause between its two gated tasks) and completes; the second token, presented once that run is over, has
    expired before its run redeemed anything and is refused (the negative control). The pause is skipped by the
    check runs, which only plan."""
    canary = tmp_path / "canary"
    canary.mkdir()

    def play(name: str) -> str:
        return f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - name: first
              ansible.builtin.command: "touch {canary}/{name}-first"
            - name: a long task between
              ansible.builtin.pause:
                seconds: 30
              when: not ansible_check_mode
            - name: second
              ansible.builtin.command: "touch {canary}/{name}-second"
        """

    tokens = {}
    for name in ("long", "late"):
        assert lab.playbook(play(name), args=["--check"]).rc == 0
        pending = [row["request"] for row in _json(lab, "approvals", "list") if row["status"] == "pending"]
        assert len(pending) == 1, pending
        approve = lab.run("praxis-gate", ["approvals", "approve", pending[0], "--as", "alice", "--ttl", "30"])
        assert approve.rc == 0, approve.output
        tokens[name] = approve.stdout.strip()
    started = time.monotonic()
    run = lab.playbook(play("long"), args=["-e", json.dumps({"praxis_approval": tokens["long"]})])
    assert run.rc == 0, run.output
    assert time.monotonic() - started >= 30  # the run outlived the token's lifetime
    assert sorted(p.name for p in canary.iterdir()) == ["long-first", "long-second"]
    granted = run.decisions(rule="approval.granted")
    assert len(granted) == 2, granted
    late = lab.playbook(play("late"), args=["-e", json.dumps({"praxis_approval": tokens["late"]})])
    assert late.rc != 0 and not (canary / "late-first").exists()
    assert "expired" in " ".join(d["reason"] for d in late.decisions(decision="approval_required"))
