# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SEC-7 in real runs: URL-fetching tasks on the controller cannot reach private addresses in any spelling (and the
same payloads do reach a loopback receiver when the gate is not armed); a managed host cannot fetch from the cloud
metadata service; and nothing a gated run starts opens a network listener."""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.http_receiver import HttpReceiver

from .harness import BIN_DIR, AnsibleLab

SPELLINGS = ("127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "localhost")


def _ungated(lab: AnsibleLab) -> dict[str, str]:
    config = lab.config.with_name("ungated.cfg")
    config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate\n", ""))
    return {"ANSIBLE_CONFIG": str(config), "PRAXIS_GATE": "off"}


def _fetching_play(port: int) -> str:
    tasks = []
    for index, host in enumerate(SPELLINGS):
        url = f"http://{host}:{port}/canary/{index}"
        tasks.append(f"""
        - name: uri on the controller via {host}
          ansible.builtin.uri: {{url: "{url}/uri-local"}}
          ignore_errors: true
        - name: delegated uri via {host}
          ansible.builtin.uri: {{url: "{url}/uri-delegated"}}
          delegate_to: localhost
          ignore_errors: true""")
    tasks.append(f"""
        - name: url lookup
          ansible.builtin.debug: {{msg: "{{{{ lookup('ansible.builtin.url', 'http://127.1:{port}/canary/lookup') }}}}"}}
          ignore_errors: true""")
    return "- hosts: localhost\n  gather_facts: false\n  connection: local\n  tasks:" + "".join(tasks) + "\n"


@pytest.mark.parametrize("mode", ["open", "guarded"])
def test_controller_fetches_from_private_addresses_are_denied_in_every_spelling(lab: AnsibleLab, mode: str) -> None:
    lab.mode = mode
    with HttpReceiver() as receiver:
        result = lab.playbook(_fetching_play(receiver.port))
    assert receiver.received == [], f"a gated fetch reached the receiver: {receiver.received}\n{result.output[-3000:]}"
    denied = [r for r in result.decisions() if str(r.get("rule", "")).startswith("deny.egress-")]
    assert len(denied) == 2 * len(SPELLINGS) + 1, result.output[-3000:]
    assert {r["decision"] for r in denied} == {"denied"}
    assert "egress" in result.output


def test_the_same_fetches_reach_the_receiver_when_the_gate_is_not_armed(lab: AnsibleLab) -> None:
    """Positive control: every spelling really reaches the loopback receiver without the gate."""
    with HttpReceiver() as receiver:
        result = lab.playbook(_fetching_play(receiver.port), env=_ungated(lab))
    assert not result.records, "the gate must not be armed for the positive control"
    paths = {r.path for r in receiver.received}
    expected = {f"/canary/{i}/{kind}" for i in range(len(SPELLINGS)) for kind in ("uri-local", "uri-delegated")}
    assert expected | {"/canary/lookup"} <= paths, (sorted(paths), result.output[-3000:])


def test_an_operator_allowlist_admits_the_receiver(lab: AnsibleLab) -> None:
    lab.env_overrides["PRAXIS_EGRESS_ALLOW"] = "127.0.0.0/8"
    lab.mode = "readonly"
    with HttpReceiver() as receiver:
        result = lab.playbook(
            f"""\
            - hosts: localhost
              gather_facts: false
              connection: local
              tasks:
                - ansible.builtin.uri: {{url: "http://127.0.0.1:{receiver.port}/allowed"}}
            """
        )
    assert result.rc == 0, result.output[-3000:]
    assert [r.path for r in receiver.received] == ["/allowed"]


def test_a_managed_host_cannot_fetch_from_the_metadata_service(lab: AnsibleLab) -> None:
    result = lab.playbook(
        """\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.uri: {url: "http://169.254.169.254/latest/meta-data/iam/security-credentials/"}
              ignore_errors: true
            - ansible.builtin.get_url: {url: "http://metadata.google.internal/computeMetadata/v1/", dest: /tmp/x}
              ignore_errors: true
        """
    )
    rules = [r.get("rule") for r in result.decisions()]
    assert rules.count("deny.egress-metadata") == 2, (rules, result.output[-3000:])


# ------------------------------------------------------------------------------------------------ no listener
def _tree(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _listeners(inodes: set[str]) -> list[str]:
    """Network sockets among ``inodes`` that accept connections or datagrams from anyone: TCP in LISTEN, UDP
    bound without a peer."""
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode not in inodes:
                continue
            unconnected = set(remote.split(":")[0]) == {"0"}
            if (table.startswith("tcp") and state == "0A") or (table.startswith("udp") and unconnected):
                found.append(f"{table} {local} (inode {inode})")
    return found


def test_nothing_a_gated_run_starts_opens_a_network_listener(lab: AnsibleLab, tmp_path: Path) -> None:
    """Sampled through a whole gated run (SSH to a target, a controller task, decisions, the audit log, the store,
    an approval request announced on a webhook): no process of the run ever listens on the network."""
    lab.allow_commands("sleep 2")
    playbook = tmp_path / "listen.yml"
    playbook.write_text(
        textwrap.dedent(
            """\
        - hosts: target1
          gather_facts: true
          tasks:
            - ansible.builtin.command: sleep 2
            - ansible.builtin.command: useradd nobody-here
              ignore_errors: true
        - hosts: localhost
          gather_facts: false
          connection: local
          tasks:
            - ansible.builtin.command: sleep 2
        """
        )
    )
    with HttpReceiver() as hook:
        env = lab.env(PRAXIS_APPROVAL_WEBHOOK=hook.url, PRAXIS_EGRESS_ALLOW="127.0.0.1/32")
        process = subprocess.Popen(
            [str(BIN_DIR / "ansible-playbook"), str(playbook)], env=env, cwd=str(tmp_path),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        listening: list[str] = []
        samples = 0
        try:
            while process.poll() is None:
                inodes: set[str] = set()
                for pid in _tree(process.pid):
                    inodes |= _socket_inodes(pid)
                listening.extend(_listeners(inodes))
                samples += 1
                time.sleep(0.05)
            output = process.stdout.read() if process.stdout else ""
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(30)
    assert samples > 20, f"the run was too short to sample ({samples})"
    assert "useradd" not in "".join(r.body.decode() for r in hook.received)
    assert hook.received, f"the webhook was not called; the run did not exercise notifications\n{output[-2000:]}"
    assert listening == [], listening


def test_the_listener_probe_sees_a_listener(tmp_path: Path) -> None:
    """Negative control for the probe: a child that listens on loopback is found."""
    child = subprocess.Popen(
        [str(BIN_DIR / "python"), "-c",
         "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('up', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "up"
        assert _listeners(_socket_inodes(child.pid))
    finally:
        child.kill()
        child.wait(10)
