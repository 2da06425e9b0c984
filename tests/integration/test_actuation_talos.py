# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.talos end to end: real ansible-playbook runs, the real gate and audit log, and a TEST DOUBLE
of talosctl (tests/doubles/talosctl.py; talosctl cannot be installed here) that records every call.

Shown here: verbs reach talosctl with their tiers and the inventory's node, isolated (own session and group,
stdin /dev/null, allowlisted environment, the talos root as working directory); T3 on several nodes, node or
endpoint from the task, options outside a verb's allowlist and Talos node selection from a play are refused
before talosctl starts; ``shell: talosctl ... reset`` weighs what the module does; check mode runs --dry-run or
nothing; local files stay under the talos root; and the emergency stop kills a running talosctl with its whole
process group."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .harness import BIN_DIR, REPO_ROOT, AnsibleLab, RunResult

DOUBLE = REPO_ROOT / "tests" / "doubles" / "talosctl.py"
ALLOWED_ENV = {"PATH", "HOME", "LANG", "TALOSCONFIG", "KUBECONFIG", "LC_CTYPE"}


@dataclass
class TalosLab:
    """An operator's controller for Talos hosts: inventory, talos root, and the talosctl double on PATH."""

    lab: AnsibleLab
    bin_dir: Path
    root: Path

    @property
    def calls_path(self) -> Path:
        return self.bin_dir / "talosctl-calls.jsonl"

    def calls(self, event: str = "call") -> list[dict[str, Any]]:
        if not self.calls_path.exists():
            return []
        entries = [json.loads(line) for line in self.calls_path.read_text().splitlines()]
        return [e for e in entries if e["event"] == event]

    def env(self, **extra: str) -> dict[str, str]:
        return {"PATH": f"{self.bin_dir}{os.pathsep}{BIN_DIR}{os.pathsep}{os.environ['PATH']}",
                "PRAXIS_TALOS_ROOT": str(self.root), "HOME": str(self.lab.root), **extra}  # fmt: skip

    def play(self, text: str, *, args: tuple[str, ...] = (), **env: str) -> RunResult:
        return self.lab.playbook(text, env=self.env(**env), args=args)


def install_talosctl_double(bin_dir: Path) -> Path:
    """The double as ``talosctl`` in ``bin_dir``, run by this interpreter directly (a pyenv shim in between would
    add variables of its own to the environment the double records)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    program = bin_dir / "talosctl"
    program.write_text(f"#!{sys.executable}\n" + DOUBLE.read_text())
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return program


INVENTORY = """\
[talos]
cp1 ansible_host=10.5.0.2
cpmulti ansible_host=10.5.0.2,10.5.0.3
cp-by-name

[talos:vars]
ansible_connection=praxis.gatekeeper.talosctl
praxis_host_type=talos
praxis_talos_endpoints=10.5.0.1

[admin]
admin1 ansible_connection=local ansible_python_interpreter={python}
"""


@pytest.fixture
def talos(tmp_path: Path) -> TalosLab:
    lab = AnsibleLab(root=tmp_path / "lab", targets={})
    lab.inventory.write_text(INVENTORY.format(python=sys.executable))
    root = tmp_path / "talos-root"
    root.mkdir()
    return TalosLab(lab, install_talosctl_double(tmp_path / "bin").parent, root)


def task(command: list[str], **extra: Any) -> str:
    lines = [f"    - praxis.gatekeeper.talos:\n        command: {json.dumps(command)}"]
    for key, value in extra.items():
        lines.append(f"        {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n      ignore_errors: true\n"


def play(hosts: str, *tasks: str) -> str:
    return f"- hosts: {hosts}\n  gather_facts: false\n  tasks:\n" + "".join(tasks)


def test_a_verb_reaches_talosctl_isolated_with_the_inventory_node(talos: TalosLab) -> None:
    tasks = task(["etcd", "members"]) + "      register: out\n    - ansible.builtin.debug: var=out.stdout_lines\n"
    result = talos.play(play("cp1", tasks), AWS_SECRET_ACCESS_KEY="s3cr3t", TALOSCONFIG="/etc/talos/config")
    assert result.rc == 0, result.output
    assert "3e0bd6f8a1f5c2d1" in result.stdout  # the double's canned `etcd members` table reached the play
    (call,) = talos.calls()
    assert call["argv"][1:] == ["etcd", "members", "--nodes=10.5.0.2", "--endpoints=10.5.0.1"]
    assert call["pid"] == call["pgid"] == call["sid"], "own session and process group"
    assert call["stdin"] == "/dev/null"
    assert set(call["env"]) <= ALLOWED_ENV and "AWS_SECRET_ACCESS_KEY" not in call["env"]
    assert call["env"]["TALOSCONFIG"] == "/etc/talos/config"
    assert call["cwd"] == str(talos.root)
    (decision,) = result.decisions(action="praxis.gatekeeper.talos")
    assert (decision["tier"], decision["decision"], decision["host_type"]) == ("T0", "allowed", "talos")
    assert decision["connection"] == "praxis.gatekeeper.talosctl"


def test_a_talos_host_without_an_address_is_reached_by_its_inventory_name(talos: TalosLab) -> None:
    result = talos.play(play("cp-by-name", task(["version"])))
    assert result.decisions()[0]["decision"] == "allowed", result.output
    (call,) = talos.calls()
    assert call["argv"][1:3] == ["version", "--nodes=cp-by-name"]


TIERS = [  # (command, tier, guarded decision): T0/T1 run, T2 waits for an approval, T3 is above the ceiling
    (["version"], "T0", "allowed"), (["get", "members"], "T0", "allowed"), (["service"], "T0", "allowed"),
    (["kubeconfig", "-"], "T0", "allowed"), (["service", "kubelet", "restart"], "T1", "allowed"),
    (["etcd", "defrag"], "T1", "allowed"), (["image", "pull", "registry.k8s.io/pause:3.10"], "T1", "allowed"),
    (["reboot"], "T2", "approval_required"), (["apply-config", "--file", "cp.yaml"], "T2", "approval_required"),
    (["etcd", "leave"], "T2", "approval_required"), (["reset"], "T3", "refused"),
    (["reset", "--system-labels-to-wipe", "EPHEMERAL"], "T3", "refused"), (["wipe", "disk", "sdb"], "T3", "refused"),
    (["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.11.5"], "T3", "refused"),
    (["etcd", "remove-member", "3e0bd6f8a1f5c2d1"], "T3", "refused"), (["bootstrap"], "T3", "refused"),
    (["apply-config", "--insecure", "--file", "cp.yaml"], "T3", "refused"), (["frobnicate"], "T3", "refused"),
]  # fmt: skip


@pytest.mark.one_version
def test_verbs_are_decided_by_their_tier_and_only_allowed_ones_reach_talosctl(talos: TalosLab) -> None:
    result = talos.play(play("cp1", *(task(command) for command, _unused1, _unused2 in TIERS)))
    decisions = result.decisions(action="praxis.gatekeeper.talos")
    assert [(d["tier"], d["decision"]) for d in decisions] == [(t, v) for _unused, t, v in TIERS], result.output
    selection = ("--nodes=10.5.0.2", "--endpoints=10.5.0.1")
    ran = [[word for word in call["argv"][1:] if word not in selection] for call in talos.calls()]
    assert ran == [c for c, _unused, v in TIERS if v == "allowed"]
    assert [d["sensitive"] for d in decisions][:4] == [False, False, False, True]  # kubeconfig reads a secret


@pytest.mark.one_version
def test_t3_on_several_nodes_is_refused_and_lower_tiers_run(talos: TalosLab) -> None:
    talos.lab.mode = "open"
    result = talos.play(play("cpmulti", task(["reset"]), task(["version"])))
    denied, allowed = result.decisions(action="praxis.gatekeeper.talos")
    assert denied["decision"] == "denied" and denied["rule"] == "deny.talos-nodes", denied
    assert allowed["decision"] == "allowed"
    (call,) = talos.calls()
    assert call["argv"][1:3] == ["version", "--nodes=10.5.0.2,10.5.0.3"]


NODE_FROM_TASK = play(
    "cp1",
    "    - praxis.gatekeeper.talos:\n        command: [version]\n        nodes: 10.9.9.9\n      ignore_errors: true\n",
    task(["version", "-n", "10.9.9.9"]), task(["version", "--nodes=10.9.9.9"]), task(["-e", "10.9.9.9", "version"]),
    task(["etcd", "members", "--endpoints", "10.9.9.9"]), task(["version", "--talosconfig", "/tmp/other"]),
    task(["etcd", "members", "--context=prod"]), task(["logs", "kubelet", "--frobnicate"]),
    task(["version", "-ni"]), task(["get", "members", "--siderov1-keys-dir=/tmp/k"]),
)  # fmt: skip


def test_node_selection_and_smuggled_options_from_the_task_are_refused(talos: TalosLab) -> None:
    result = talos.play(NODE_FROM_TASK)
    decisions = result.decisions(action="praxis.gatekeeper.talos")
    assert len(decisions) == 10
    assert all(d["decision"] == "denied" for d in decisions), [(d["rule"], d["reason"]) for d in decisions]
    assert {d["rule"] for d in decisions} == {"deny.talos-target", "deny.talos-option"}
    assert talos.calls() == [], "talosctl started for a refused task"


UNTRUSTED_NODE = """\
- hosts: cp1
  gather_facts: false
  vars:
    ansible_host: 10.9.9.9
  tasks:
    - praxis.gatekeeper.talos:
        command: [version]
      ignore_errors: true

- hosts: cp1
  gather_facts: false
  tasks:
    - ansible.builtin.set_fact:
        praxis_talos_endpoints: [10.9.9.9]
    - praxis.gatekeeper.talos:
        command: [version]
      ignore_errors: true
"""


def test_a_talos_node_selection_from_the_play_is_refused(talos: TalosLab) -> None:
    result = talos.play(UNTRUSTED_NODE)
    first, second = result.decisions(action="praxis.gatekeeper.talos")
    assert first["rule"] == second["rule"] == "deny.host-type"
    assert "ansible_host" in first["reason"] and "praxis_talos_endpoints" in second["reason"]
    assert talos.calls() == []
    extra = talos.play(play("cp1", task(["version"])), args=("-e", "praxis_host_type=talos"))
    (decision,) = extra.decisions(action="praxis.gatekeeper.talos")
    assert decision["rule"] == "deny.host-type" and "extra vars" in decision["reason"]
    assert talos.calls() == []


SHELL_AND_MODULE = """\
- hosts: admin1
  gather_facts: false
  tasks:
    - ansible.builtin.shell: talosctl -n 10.5.0.2 reset --system-labels-to-wipe EPHEMERAL
      ignore_errors: true
    - ansible.builtin.command: talosctl --nodes=10.5.0.2 wipe disk sdb
      ignore_errors: true
    - ansible.builtin.shell: talosctl -n 10.5.0.2,10.5.0.3 reset
      ignore_errors: true
    - ansible.builtin.shell: TALOSCONFIG=/x sh -c 'talosctl reset'
      ignore_errors: true
- hosts: cp1
  gather_facts: false
  tasks:
    - praxis.gatekeeper.talos:
        command: [reset, --system-labels-to-wipe, EPHEMERAL]
      ignore_errors: true
"""


@pytest.mark.one_version
@pytest.mark.parametrize("mode", ["guarded", "open"])
def test_shell_talosctl_reset_is_classified_like_the_module(talos: TalosLab, mode: str) -> None:
    talos.lab.mode = mode
    result = talos.play(SHELL_AND_MODULE)
    shell, command, multi, unnamed, module = result.decisions()
    assert shell["tier"] == command["tier"] == module["tier"] == "T3"
    expected = "refused" if mode == "guarded" else "approval_required"
    assert shell["decision"] == command["decision"] == module["decision"] == expected, result.output
    assert any("talosctl reset" in r for r in shell["reasons"]) and any(
        "talosctl reset" in r for r in module["reasons"]
    )
    assert multi["rule"] == unnamed["rule"] == "deny.talos-nodes"
    assert talos.calls() == []


def test_check_mode_runs_dry_run_verbs_with_it_and_skips_the_rest(talos: TalosLab) -> None:
    talos.lab.mode = "open"
    tasks = (task(["version"]), task(["apply-config", "--file", "cp.yaml"]), task(["reset"]),
             task(["service", "kubelet", "restart"]))  # fmt: skip
    result = talos.play(play("cp1", *tasks), args=("--check", "-v"))
    assert result.rc == 0, result.output
    assert [d["dry_run"] for d in result.decisions(action="praxis.gatekeeper.talos")] == [True] * 4
    ran = [call["argv"][1:] for call in talos.calls()]
    assert ran == [
        ["version", "--nodes=10.5.0.2", "--endpoints=10.5.0.1"],
        ["apply-config", "--nodes=10.5.0.2", "--endpoints=10.5.0.1", "--dry-run", "--file", "cp.yaml"],
    ]
    assert "has no --dry-run, so check mode does not run it" in result.output
    outcomes = [r["status"] for r in result.events("outcome")]
    assert outcomes == ["ok", "ok", "skipped", "skipped"], outcomes


@pytest.mark.one_version
def test_local_files_stay_under_the_talos_root(talos: TalosLab, tmp_path: Path) -> None:
    outside = tmp_path / "outside.snap"
    (talos.root / "backups").mkdir()
    result = talos.play(play("cp1", task(["etcd", "snapshot", "backups/etcd.snap"]),
                             task(["etcd", "snapshot", "../outside.snap"]), task(["etcd", "snapshot", str(outside)]),
                             task(["kubeconfig"]), task(["apply-config", "--file", "/etc/passwd"])))  # fmt: skip
    assert not outside.exists()
    assert (talos.root / "backups" / "etcd.snap").read_bytes() == b"double etcd snapshot\n"
    assert [c["argv"][1:3] for c in talos.calls()] == [["etcd", "snapshot"]]
    assert result.output.count("outside the talos root") >= 3, result.output
    assert "needs a local path" in result.output


def test_a_talos_host_runs_no_other_module_and_the_module_needs_a_talos_host(talos: TalosLab) -> None:
    result = talos.play(
        play("cp1", "    - ansible.builtin.gather_facts:\n      ignore_errors: true\n",
             "    - ansible.builtin.raw: id\n      ignore_errors: true\n",
             "    - ansible.builtin.debug:\n        msg: still fine\n")
        + play("admin1", task(["version"]))
    )  # fmt: skip
    setup, raw, debug, module = result.decisions()
    assert setup["action"].endswith("gather_facts") and setup["rule"] == "deny.talos-target"
    assert raw["rule"] == "deny.talos-target" and debug["decision"] == "allowed"
    assert module["rule"] in ("deny.talos-target", "deny.talos-ssh") and module["host_type"] == "linux"
    assert talos.calls() == []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_emergency_stop_kills_a_running_talosctl_and_its_process_group(talos: TalosLab) -> None:
    playbook = talos.lab.root / "follow.yml"
    playbook.write_text(play("cp1", "    - praxis.gatekeeper.talos:\n        command: [logs, --follow, kubelet]\n"
                                    "        timeout: 600\n"))  # fmt: skip
    process = subprocess.Popen([str(BIN_DIR / "ansible-playbook"), str(playbook)], cwd=str(talos.lab.root),
                               env=talos.lab.env(**talos.env()), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)  # fmt: skip
    try:
        assert _wait(lambda: bool(talos.calls("stream-started")), 120), "talosctl never started streaming"
        (started,) = talos.calls("stream-started")
        talosctl, helper = started["pid"], started["helper"]
        assert _alive(talosctl) and _alive(helper)
        assert started["pgid"] == talosctl and os.getpgid(helper) == talosctl  # one group: talosctl's own
        stop = talos.lab.run("praxis-gate", ["emergency-stop", "--reason", "test: stop the talos run"])
        assert stop.rc == 0, stop.output
        assert _wait(lambda: not _alive(talosctl) and not _alive(helper), 10), "the process group survived the stop"
        output, _stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait()
    assert process.returncode != 0
    assert "killed talosctl and its process group: the emergency stop tripped" in output, output
    records = talos.lab.audit_records()
    killed = [r for r in records if r.get("event") == "process-killed"]
    assert killed and killed[0]["reason"] == "the emergency stop tripped" and killed[0]["verb"] == "logs"
    (outcome,) = [r for r in records if r.get("event") == "outcome" and r.get("action") == "praxis.gatekeeper.talos"]
    assert outcome["status"] == "failed" and outcome["host_type"] == "talos"
    clear = talos.lab.run("praxis-gate", ["emergency-clear", "--reason", "test over"])
    assert clear.rc == 0, clear.output
