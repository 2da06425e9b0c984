# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the gate arms, refuses to start, and stops runs in progress: real ansible-playbook, ansible and
ansible-runner processes against a real sshd."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .harness import BIN_DIR, AnsibleLab

SIMPLE = """\
- hosts: target1
  gather_facts: false
  tasks:
    - ansible.builtin.copy:
        content: "x"
        dest: "{canary}/written.txt"
"""


def _wait_for(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never appeared")
        time.sleep(0.05)


def test_allowed_refused_and_denied_tasks_leave_decision_and_outcome_records(lab: AnsibleLab, canary: Path) -> None:
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.stat: path=/etc/hostname
            - ansible.builtin.copy: content=x dest={canary}/t1.txt
            - ansible.builtin.copy: content="ssh-ed25519 AAAA attacker" dest={canary}/authorized_keys
              ignore_errors: true
            - ansible.builtin.shell: echo dG91Y2ggL3RtcC9uZXZlcg== | base64 -d | sh
              ignore_errors: true
        """
    )
    assert result.rc == 0, result.output
    assert (canary / "t1.txt").exists()
    assert not (canary / "authorized_keys").exists(), "the T3 task ran in guarded mode"
    decisions = result.decisions()
    assert [(d["action"], d["tier"], d["decision"]) for d in decisions] == [
        ("ansible.builtin.stat", "T0", "allowed"),
        ("ansible.builtin.copy", "T1", "allowed"),
        ("ansible.builtin.copy", "T3", "refused"),
        ("ansible.builtin.shell", "T3", "denied"),  # the tier a deny rule implies, whatever the command classifies as
    ]
    assert decisions[3]["rule"] == "deny.decode-to-shell"
    outcomes = {r["decision_id"]: r for r in result.events("outcome")}
    assert [outcomes[d["decision_id"]]["status"] for d in decisions] == ["ok", "changed", "not-run", "not-run"]
    for outcome in outcomes.values():
        assert "stdout" not in outcome and "stat" not in outcome  # hashes and lengths only
    assert all(len(o["output_sha256"]) == 64 for o in outcomes.values() if o["status"] != "not-run")
    verify = lab.run("praxis-gate", ["audit", "verify"])
    assert verify.rc == 0, verify.output


def _without_callback(lab: AnsibleLab) -> None:
    lab.config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate", ""))


def test_gate_armed_by_praxis_gate_env_even_with_callbacks_disabled(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "readonly"
    _without_callback(lab)
    result = lab.playbook(SIMPLE.format(canary=canary))
    assert not (canary / "written.txt").exists()
    assert result.decisions(decision="refused"), result.output


def test_gate_armed_by_enabled_callback_without_praxis_gate_env(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "readonly"
    result = lab.playbook(SIMPLE.format(canary=canary), env={"PRAXIS_GATE": ""})
    assert not (canary / "written.txt").exists()
    assert any(r.get("via") == "start-up hook" for r in result.events("run-start")), result.records
    assert result.decisions(decision="refused"), result.output


def test_gate_is_opt_in_for_the_operator(lab: AnsibleLab, canary: Path) -> None:
    """Neither PRAXIS_GATE nor the callback: installing the package alone does not gate (documented opt-in)."""
    _without_callback(lab)
    result = lab.playbook(SIMPLE.format(canary=canary), env={"PRAXIS_GATE": ""})
    assert result.rc == 0, result.output
    assert (canary / "written.txt").exists()
    assert result.records == []


T3_TASK = """\
- hosts: target1
  gather_facts: false
  tasks:
    - ansible.builtin.copy: content=x dest={canary}/t1.txt
    - ansible.builtin.copy: content="ssh-ed25519 AAAA x" dest={canary}/authorized_keys
"""


@pytest.mark.one_version
def test_project_ansible_cfg_cannot_raise_the_mode(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    """With ANSIBLE_CONFIG unset, ansible-core reads the project's ansible.cfg; its mode=open must not count."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "ansible.cfg").write_text(
        lab.config.read_text() + "\n[praxis_gatekeeper]\nmode = open\nallow_paths = /\n"
    )
    result = lab.playbook(
        T3_TASK.format(canary=canary), directory=project, env={"ANSIBLE_CONFIG": "", "PRAXIS_MODE": ""}
    )
    assert (canary / "t1.txt").exists(), result.output
    assert not (canary / "authorized_keys").exists(), result.output
    assert [d["mode"] for d in result.decisions()] == ["guarded", "guarded"]
    assert result.decisions(decision="refused", tier="T3"), result.output


@pytest.mark.one_version
def test_project_ansible_cfg_can_lower_the_mode(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "ansible.cfg").write_text(lab.config.read_text() + "\n[praxis_gatekeeper]\nmode = readonly\n")
    result = lab.playbook(
        T3_TASK.format(canary=canary), directory=project, env={"ANSIBLE_CONFIG": "", "PRAXIS_MODE": "open"}
    )
    assert not (canary / "t1.txt").exists(), result.output
    assert result.decisions(decision="refused", mode="readonly"), result.output


@pytest.mark.one_version
def test_invalid_policy_file_refuses_the_run(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nmodule_tiers:\n  ansible.builtin.copy: T9\n")
    result = lab.playbook(SIMPLE.format(canary=canary), env={"PRAXIS_POLICY": str(policy)})
    assert result.rc != 0
    assert "praxis.gatekeeper refused to run" in result.output
    assert "does not match the published schema" in result.output
    assert not (canary / "written.txt").exists()


def test_unsupported_ansible_core_is_refused_at_start(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import ansible.release\nansible.release.__version__ = '2.23.0'\n")
    result = lab.playbook(SIMPLE.format(canary=canary), env={"PYTHONPATH": str(shim)})
    assert result.rc != 0
    assert "supports ansible-core 2.19 up to but not including 2.22" in result.output, result.output
    assert not (canary / "written.txt").exists()


def test_an_unwritable_audit_log_at_the_start_aborts_the_run_before_its_first_task(
    lab: AnsibleLab, canary: Path
) -> None:
    """A run that cannot write its audit log does not start: not even a T0 read runs unaudited (issue 14). In the
    middle of a run the gate refuses changes and lets reads finish: test_run_resilience.py."""
    lab.state_dir.mkdir(parents=True)
    (lab.state_dir / "audit.jsonl").symlink_to(canary / "elsewhere.jsonl")
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.stat: path=/etc/hostname
              register: st
            - ansible.builtin.copy: content=x dest={canary}/written.txt
        """
    )
    assert result.rc != 0
    assert "praxis.gatekeeper refused to run" in result.output and "symbolic link" in result.output, result.output
    assert "TASK [" not in result.output, result.output
    assert not (canary / "written.txt").exists()
    assert not (canary / "elsewhere.jsonl").exists()


def test_emergency_stop_refuses_everything_and_clear_is_recorded(lab: AnsibleLab, canary: Path) -> None:
    stop = lab.run("praxis-gate", ["emergency-stop", "--reason", "incident 42"])
    assert stop.rc == 0, stop.output
    status = lab.run("praxis-gate", ["status", "--json"])
    assert json.loads(status.stdout)["emergency_stop"]["tripped"] is True
    lab.mode = "open"
    result = lab.playbook(SIMPLE.format(canary=canary))
    assert not (canary / "written.txt").exists()
    assert result.decisions(rule="killswitch"), result.output
    clear = lab.run("praxis-gate", ["emergency-clear", "--reason", "incident closed"])
    assert clear.rc == 0
    cleared = [r for r in lab.audit_records() if r.get("event") == "emergency-clear"]
    assert cleared and cleared[-1]["reason"] == "incident closed" and cleared[-1]["was_tripped"] is True
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_sqlite

    history = open_sqlite(lab.state_dir / "state.db").killswitch_history()
    assert [(e.event, e.reason) for e in history][-2:] == [("stop", "incident 42"), ("clear", "incident closed")]
    again = lab.playbook(SIMPLE.format(canary=canary))
    assert again.rc == 0 and (canary / "written.txt").exists(), again.output


@pytest.mark.one_version
def test_unreadable_sentinel_counts_as_tripped(lab: AnsibleLab, canary: Path) -> None:
    lab.state_dir.mkdir(parents=True)
    (lab.state_dir / "emergency-stop").mkdir()  # exists but is not a readable sentinel file
    result = lab.playbook(SIMPLE.format(canary=canary))
    assert not (canary / "written.txt").exists()
    assert result.decisions(rule="killswitch"), result.output


WAITER = """\
import pathlib, sys, time
started, go = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
started.write_text("running")
deadline = time.monotonic() + 120
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def test_emergency_stop_halts_a_run_in_progress_at_its_next_task(lab: AnsibleLab, canary: Path) -> None:
    """The stop is tripped while a task is provably running on the host (it wrote its own "started" file), so the
    result does not depend on how fast the machine is: the running task finishes, the next one is refused."""
    waiter, started, go = canary.parent / "waiter.py", canary.parent / "started", canary.parent / "go"
    waiter.write_text(WAITER)
    lab.allow_commands(f"{sys.executable} {waiter} * *")
    playbook = canary.parent / "inflight.yml"
    playbook.write_text(
        f"""\
- hosts: target1
  gather_facts: false
  tasks:
    - ansible.builtin.command: {sys.executable} {waiter} {started} {go}
    - ansible.builtin.copy: content=2 dest={canary}/second.txt
"""
    )
    process = subprocess.Popen(
        [str(BIN_DIR / "ansible-playbook"), str(playbook)], env=lab.env(), cwd=lab.root,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert time.monotonic() < deadline and process.poll() is None, "the first task never started"
            time.sleep(0.05)
        assert lab.run("praxis-gate", ["emergency-stop", "--reason", "stop in flight"]).rc == 0
    finally:
        go.write_text("go")
    output, _stderr = process.communicate(timeout=120)
    assert not (canary / "second.txt").exists(), output
    decisions = [r for r in lab.audit_records() if r.get("event") == "decision"]
    assert [(d["action"], d["decision"]) for d in decisions][-2:] == [
        ("ansible.builtin.command", "allowed"), ("ansible.builtin.copy", "refused"),
    ], output  # fmt: skip
    assert decisions[-1]["rule"] == "killswitch" and decisions[-1]["tier"] == "T1", decisions[-1]


def test_emergency_stop_refuses_the_next_remote_command_inside_a_running_task(lab: AnsibleLab, canary: Path) -> None:
    """An async job polled every second: the stop is tripped once the job provably started on the host (its status
    file exists in the run's async directory), so the next poll, a remote command of the same task, is refused."""
    async_dir, go = canary.parent / "async", canary.parent / "go"
    playbook = canary.parent / "polling.yml"
    playbook.write_text(
        f"""\
- hosts: target1
  gather_facts: false
  vars:
    ansible_async_dir: {async_dir}
  tasks:
    - ansible.builtin.wait_for:
        path: {go}
        timeout: 120
      async: 180
      poll: 1
"""
    )
    process = subprocess.Popen(
        [str(BIN_DIR / "ansible-playbook"), str(playbook)], env=lab.env(), cwd=lab.root,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (async_dir.is_dir() and any(p.is_file() for p in async_dir.iterdir())):
            assert time.monotonic() < deadline and process.poll() is None, "the async job never started"
            time.sleep(0.05)
        assert lab.run("praxis-gate", ["emergency-stop", "--reason", "mid-task"]).rc == 0
        output, _stderr = process.communicate(timeout=120)
    finally:
        go.write_text("go")  # the background job ends now rather than at its timeout
        if process.poll() is None:  # a failed wait must not leave the playbook polling after the test
            process.kill()
            process.wait(30)
    assert process.returncode != 0, output
    # the task fails with the refusal, saying why
    assert "praxis.gatekeeper refused exec_command" in output and "emergency stop" in output, output
    refused = [r for r in lab.audit_records() if r.get("event") == "remote-refused"]
    assert refused and "emergency stop" in refused[0]["reason"], output
    assert refused[0]["operation"] == "exec_command", refused[0]


def test_adhoc_ansible_is_gated(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "readonly"
    result = lab.adhoc("target1", "ansible.builtin.shell", f"touch {canary}/adhoc")
    assert result.rc != 0
    assert not (canary / "adhoc").exists()
    assert result.decisions(decision="refused", action="ansible.builtin.shell"), result.output
    ok = lab.adhoc("target1", "ansible.builtin.ping", "")
    assert ok.rc == 0, ok.output


def test_ansible_runner_runs_are_gated(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    """ansible-runner (and so AWX) starts ansible-playbook as a subprocess; the gate arms there."""
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "site.yml").write_text(SIMPLE.format(canary=canary))
    script = f"""
import ansible_runner, json, sys
r = ansible_runner.run(private_data_dir={str(private)!r}, playbook="site.yml", quiet=True,
                       envvars={{"PRAXIS_MODE": "readonly", "ANSIBLE_HOST_KEY_CHECKING": "True"}})
failures = [e for e in r.events if e.get("event") == "runner_on_failed"]
print(json.dumps({{"rc": r.rc, "messages": [e["event_data"]["res"].get("msg", "") for e in failures]}}))
"""
    env = lab.env(PRAXIS_MODE="readonly")
    completed = subprocess.run(
        [str(BIN_DIR / "python"), "-c", script], check=False, env=env, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["rc"] != 0
    assert any("praxis.gatekeeper refused" in m for m in outcome["messages"]), outcome
    assert not (canary / "written.txt").exists()
    assert [r for r in lab.audit_records() if r.get("decision") == "refused"]


@pytest.mark.parametrize("mode", ["readonly", "guarded"])
def test_check_mode_dry_runs_are_observations_but_real_runs_are_not(lab: AnsibleLab, canary: Path, mode: str) -> None:
    lab.mode = mode
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.copy: content=x dest={canary}/dry.txt
            - ansible.builtin.raw: touch {canary}/raw.txt
              ignore_errors: true
            - ansible.builtin.copy: content=x dest={canary}/forced.txt
              check_mode: false
              ignore_errors: true
        """,
        args=("--check",),
    )
    assert not (canary / "dry.txt").exists()
    copy, raw, forced = result.decisions()
    assert copy["decision"] == "allowed" and copy["dry_run"] is True and copy["tier"] == "T1"
    assert raw["dry_run"] is False
    assert forced["dry_run"] is False
    if mode == "readonly":
        assert raw["decision"] == "refused" and forced["decision"] == "refused"
        assert not (canary / "raw.txt").exists() and not (canary / "forced.txt").exists()
    else:
        assert forced["decision"] == "allowed" and (canary / "forced.txt").exists()


def test_records_never_hold_output_bodies(lab: AnsibleLab, canary: Path) -> None:
    lab.allow_commands("cat *")
    marker = "praxis-marker-" + os.urandom(8).hex()
    (canary / "secret.txt").write_text(marker)
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.slurp: src={canary}/secret.txt
            - ansible.builtin.command: cat {canary}/secret.txt
        """
    )
    assert result.rc == 0, result.output
    for path in lab.state_dir.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), f"{path} holds task output"


def test_ansible_runner_default_host_key_policy_is_denied(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    """ansible-runner turns host-key checking off unless told otherwise; the gate's strict policy denies that."""
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "site.yml").write_text(SIMPLE.format(canary=canary))
    script = f"""
import ansible_runner, json
r = ansible_runner.run(private_data_dir={str(private)!r}, playbook="site.yml", quiet=True)
print(json.dumps([e["event_data"]["res"].get("msg", "") for e in r.events if e.get("event") == "runner_on_failed"]))
"""
    completed = subprocess.run(
        [str(BIN_DIR / "python"), "-c", script], check=False, env=lab.env(), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    messages = json.loads(completed.stdout.strip().splitlines()[-1])
    assert any("host_key_checking is off" in m and "deny.host-key-policy" in m for m in messages), messages
    assert not (canary / "written.txt").exists()


@pytest.mark.one_version
def test_status_says_an_invalid_policy_file_stops_every_run(lab: AnsibleLab, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nmodule_tiers:\n  ansible.builtin.copy: T9\n")
    good = lab.run("praxis-gate", ["status"])
    assert good.rc == 0, good.output
    bad = lab.run("praxis-gate", ["status"], env={"PRAXIS_POLICY": str(policy)})
    assert bad.rc != 0 and "INVALID" in bad.stdout and "next: " in bad.stdout, bad.output
