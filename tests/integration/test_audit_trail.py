# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail under real runs: concurrency, kill -9 and secrets."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .harness import BIN_DIR, AnsibleLab, SshTarget

MANY_TASKS = """\
- hosts: all
  gather_facts: false
  tasks:
{tasks}
"""


def _tasks(count: int, canary: Path) -> str:
    lines = []
    for index in range(count):
        if index % 3 == 0:
            dest = f"{canary}/{{{{ inventory_hostname }}}}-{index}"
            lines.append(f"    - ansible.builtin.copy: content={index} dest={dest}")
        elif index % 3 == 1:
            lines.append("    - ansible.builtin.command: sleep 0.2")
        else:
            lines.append("    - ansible.builtin.stat: path=/etc/hostname")
    return "\n".join(lines)


def _verify(lab: AnsibleLab) -> dict[str, object]:
    result = lab.run("praxis-gate", ["audit", "verify", "--json"])
    report: dict[str, object] = json.loads(result.stdout)
    assert result.rc == 0, result.output
    return report


@pytest.fixture
def many_hosts(tmp_path: Path, ssh_target: SshTarget) -> AnsibleLab:
    """Ten inventory hosts (aliases of one real sshd), so forks=10 really runs ten workers at once."""
    lab = AnsibleLab(root=tmp_path / "lab", targets={f"h{i:02d}": ssh_target for i in range(10)})
    lab.config.write_text(lab.config.read_text().replace("forks = 5", "forks = 10"))
    lab.allow_commands("sleep 0.2")  # the operator pins it to T0, so these runs need no approvals
    return lab


@pytest.mark.one_version  # the writer under concurrency; worker kills are covered in both legs by test_run_resilience
def test_concurrent_runs_with_forks_10_keep_one_unbroken_chain(many_hosts: AnsibleLab, canary: Path) -> None:
    playbook = canary.parent / "many.yml"
    playbook.write_text(MANY_TASKS.format(tasks=_tasks(3, canary)))
    processes = [
        subprocess.Popen([str(BIN_DIR / "ansible-playbook"), str(playbook)], env=many_hosts.env(),
                         cwd=many_hosts.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _repeat in range(3)
    ]  # fmt: skip
    for process in processes:
        output, _stderr = process.communicate(timeout=300)
        assert process.returncode == 0, output[-3000:]
    report = _verify(many_hosts)
    records = many_hosts.audit_records()
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    decisions = [r for r in records if r["event"] == "decision"]
    assert len(decisions) == 3 * 10 * 3  # three runs of ten forks at once, three tasks each
    outcomes = {r["decision_id"] for r in records if r["event"] == "outcome"}
    assert {d["decision_id"] for d in decisions} == outcomes
    assert report["open_decisions"] == 0
    assert len([r for r in records if r["event"] == "run-end"]) == 3


@pytest.mark.one_version  # the writer under concurrency; worker kills are covered in both legs by test_run_resilience
def test_kill_dash_nine_at_random_points_leaves_a_verifiable_log_with_orphans_flagged(
    many_hosts: AnsibleLab, canary: Path
) -> None:
    seed = int(os.environ.get("PRAXIS_TEST_SEED", time.time()))
    rng = random.Random(seed)
    playbook = canary.parent / "killme.yml"
    playbook.write_text(MANY_TASKS.format(tasks=_tasks(9, canary)))
    killed = 0
    for attempt in range(6):
        process = subprocess.Popen(
            [str(BIN_DIR / "ansible-playbook"), str(playbook)], env=many_hosts.env(), cwd=many_hosts.root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        # Kill at a random point after the run has started (a kill before the gate arms leaves no run to close).
        deadline = time.monotonic() + 60
        while sum(r["event"] == "run-start" for r in many_hosts.audit_records()) <= attempt:
            assert time.monotonic() < deadline and process.poll() is None, "the run never started"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 3.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=120)
    assert killed, f"no run was killed (seed {seed}); the playbook finished too fast"
    time.sleep(3)  # forked workers get their parent-death signal and exit (adapter/lifetime.py)
    recover = many_hosts.run("praxis-gate", ["audit", "recover"])
    assert recover.rc == 0, recover.output
    report = _verify(many_hosts)
    assert report["open_decisions"] == 0, (seed, report)
    records = many_hosts.audit_records()
    starts = {r["run_id"] for r in records if r["event"] == "run-start"}
    closed = {r["run_id"] for r in records if r["event"] in ("run-end", "run-aborted")}
    assert starts == closed, seed
    aborted = [r for r in records if r["event"] == "run-aborted"]
    # Every killed run was closed by recovery, unless the kill landed after its own run-end (then it closed itself).
    assert 1 <= len(aborted) <= killed, (seed, killed, len(aborted))


def test_no_log_arguments_and_task_output_reach_no_file(lab: AnsibleLab, canary: Path) -> None:
    lab.allow_commands("cat *")
    secret = "praxis-secret-" + os.urandom(8).hex()
    output_marker = "praxis-output-" + os.urandom(8).hex()
    (canary / "out.txt").write_text(output_marker)
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.copy:
                content: "{secret}"
                dest: "{canary}/written-secret"
              no_log: true
            - ansible.builtin.command: cat {canary}/out.txt
              register: printed
            - ansible.builtin.debug: var=printed.stdout
        """
    )
    assert result.rc == 0, result.output
    assert output_marker in result.output  # the task really produced it
    for path in lab.state_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data, f"{path} holds a no_log argument"
            assert output_marker.encode() not in data, f"{path} holds task output"
    withheld = [r for r in result.records if r.get("args") == "<withheld:no_log>"]
    assert withheld and withheld[0]["args_len"] > len(secret)


# A full disk and a read-only state directory, at the start of a run and in its middle: test_run_resilience.py.
