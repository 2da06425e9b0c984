# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.ssh and host types against a real sshd: strict host keys (unknown and changed keys refused,
accept-new only where the operator lists the host), hostile hosts, users and ports refused with the canary
untouched (by the plugin itself with the gate off, and by the gate with it on), Talos hosts never reached over
SSH, and praxis_host_type taken from the operator's inventory only.

Each refusal has a positive control: the same payload through ansible.builtin.ssh without the gate does run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .harness import AnsibleLab, SshTarget

USER = os.environ.get("USER", "root")


def inventory(lab: AnsibleLab, hosts: dict[str, dict[str, Any]], **group_vars: Any) -> dict[str, str]:
    """A YAML inventory (values exactly as written, no INI quoting) used instead of the lab's; its env override."""
    path = lab.config_dir / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": group_vars}}))
    return {"ANSIBLE_INVENTORY": str(path)}


def target_vars(target: SshTarget, **extra: Any) -> dict[str, Any]:
    return {"ansible_host": target.address, "ansible_port": target.port, "ansible_user": USER,
            "ansible_ssh_private_key_file": str(target.client_key), **extra}  # fmt: skip


def ungated(lab: AnsibleLab) -> dict[str, str]:
    """The gate off (no callback, no PRAXIS_GATE): only the connection plugin stands between play and host."""
    lab.config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate", ""))
    return {"PRAXIS_GATE": ""}


TOUCH = """\
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.command: touch {canary}/ran-{{{{ inventory_hostname }}}}
"""
# One word after the host on ssh's command line: a hostile "host" that is really an option then sees a valid host
# name after it, so OpenSSH runs its ProxyCommand (a command with spaces there would be refused by ssh itself).
RAW = """\
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.raw: id
"""


def test_the_hardened_connection_runs_ordinary_tasks(lab: AnsibleLab, ssh_target: SshTarget, canary: Path) -> None:
    env = inventory(lab, {"web1": target_vars(ssh_target)}, ansible_connection="praxis.gatekeeper.ssh")
    lab.allow_commands(f"touch {canary}/ran-web1")
    result = lab.playbook(TOUCH.format(canary=canary), env=env, args=["-vvv"])
    assert result.rc == 0, result.output
    assert (canary / "ran-web1").exists()
    (decision,) = result.decisions()
    assert decision["connection"] == "praxis.gatekeeper.ssh" and decision["host_type"] == "linux"
    ssh_line = next(line for line in result.stdout.splitlines() if "SSH: EXEC" in line)
    for option in ("BatchMode=yes", "StrictHostKeyChecking=yes", "ConnectTimeout=", "UpdateHostKeys=no",
                   "PermitLocalCommand=no"):  # fmt: skip
        assert option in ssh_line, ssh_line
    assert ssh_line.index("StrictHostKeyChecking=yes") < ssh_line.index("ControlMaster"), "hardening must come first"


def _other_key_line(target: SshTarget, tmp_path: Path) -> str:
    other = tmp_path / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    kind, key = other.with_suffix(".pub").read_text().split()[:2]
    return f"[{target.address}]:{target.port} {kind} {key}\n"


@pytest.mark.parametrize("case", ["unknown", "changed"])
def test_unknown_and_changed_host_keys_are_refused(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path, case: str
) -> None:
    known = tmp_path / "operator_known_hosts"
    known.write_text("" if case == "unknown" else _other_key_line(ssh_target, tmp_path))
    env = inventory(lab, {"web1": target_vars(ssh_target)}, ansible_connection="praxis.gatekeeper.ssh")
    lab.allow_commands(f"touch {canary}/ran-web1")
    result = lab.playbook(TOUCH.format(canary=canary), env={**env, "PRAXIS_SSH_KNOWN_HOSTS": str(known)})
    assert result.rc != 0
    assert "Host key verification failed" in result.output or "REMOTE HOST IDENTIFICATION HAS CHANGED" in \
        result.output, result.output  # fmt: skip
    assert not (canary / "ran-web1").exists()
    assert known.read_text() == ("" if case == "unknown" else _known_unchanged(known)), "known_hosts was edited"
    # positive control: the operator's correct known_hosts lets the same task through
    correct = lab.playbook(TOUCH.format(canary=canary), env={**env, "PRAXIS_SSH_KNOWN_HOSTS": str(
        ssh_target.known_hosts)})  # fmt: skip
    assert correct.rc == 0 and (canary / "ran-web1").exists(), correct.output


def _known_unchanged(path: Path) -> str:
    return path.read_text()


def test_accept_new_only_where_the_operator_lists_the_host(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path
) -> None:
    known = tmp_path / "operator_known_hosts"
    known.write_text("")
    env = inventory(lab, {"web1": target_vars(ssh_target)}, ansible_connection="praxis.gatekeeper.ssh")
    lab.allow_commands(f"touch {canary}/ran-web1")
    elsewhere = lab.playbook(TOUCH.format(canary=canary), env={**env, "PRAXIS_SSH_KNOWN_HOSTS": str(known),
                                                               "PRAXIS_SSH_ACCEPT_NEW": "10.9.*"})  # fmt: skip
    assert elsewhere.rc != 0 and not (canary / "ran-web1").exists()
    listed = lab.playbook(TOUCH.format(canary=canary), env={**env, "PRAXIS_SSH_KNOWN_HOSTS": str(known),
                                                            "PRAXIS_SSH_ACCEPT_NEW": ssh_target.address})  # fmt: skip
    assert listed.rc == 0, listed.output
    assert (canary / "ran-web1").exists()
    assert ssh_target.known_hosts.read_text().split()[-1] in known.read_text(), "the accepted key was not recorded"
    # once recorded, a changed key is refused even for a listed host (a new connection: no master to reuse)
    known.write_text(_other_key_line(ssh_target, tmp_path))
    (canary / "ran-web1").unlink()
    fresh = tmp_path / "cp"
    fresh.mkdir()
    changed = lab.playbook(TOUCH.format(canary=canary), env={**env, "PRAXIS_SSH_KNOWN_HOSTS": str(known),
                                                             "PRAXIS_SSH_ACCEPT_NEW": ssh_target.address,
                                                             "ANSIBLE_SSH_CONTROL_PATH_DIR": str(fresh)})  # fmt: skip
    assert changed.rc != 0 and not (canary / "ran-web1").exists()


def hostile_hosts(target: SshTarget, canary: Path) -> dict[str, dict[str, Any]]:
    """One inventory host per hostile spelling; each payload would touch its own canary file."""
    touch = f"touch {canary}/"
    base = target_vars(target)
    return {
        "host-option": {**base, "ansible_host": f"-oProxyCommand={touch}host-option"},
        "host-space": {**base, "ansible_host": f"{target.address} -oProxyCommand={touch}host-space"},
        "host-newline": {**base, "ansible_host": f"{target.address}\n-oProxyCommand={touch}host-newline"},
        "host-tab": {**base, "ansible_host": f"{target.address}\t-oProxyCommand={touch}host-tab"},
        "user-option": {**base, "ansible_user": f"-oProxyCommand={touch}user-option"},
        "user-quote": {**base, "ansible_user": f'{USER}" -oProxyCommand="{touch}user-quote'},
        "user-newline": {**base, "ansible_user": f"{USER}\nProxyCommand {touch}user-newline"},
        "port-space": {**base, "ansible_port": f"{target.port} -oProxyCommand={touch}port-space"},
        "port-option": {**base, "ansible_port": f"-oProxyCommand={touch}port-option"},
    }


def test_hostile_hosts_users_and_ports_are_refused_by_the_plugin_itself(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path
) -> None:
    hosts = hostile_hosts(ssh_target, canary)
    env = {**inventory(lab, hosts, ansible_connection="praxis.gatekeeper.ssh"), **ungated(lab)}
    result = lab.playbook(RAW, env=env)
    assert result.rc != 0
    assert sorted(p.name for p in canary.iterdir()) == [], result.output
    assert result.records == [], "the gate was meant to be off"
    for name in hosts:
        if name.startswith("port"):  # ansible-core itself refuses a port that is not a number
            continue
        assert f"{name}" in result.output
    assert result.output.count("praxis.gatekeeper.ssh refused") >= 7, result.output


def test_hostile_targets_are_denied_by_the_gate(lab: AnsibleLab, ssh_target: SshTarget, canary: Path) -> None:
    hosts = hostile_hosts(ssh_target, canary)
    env = inventory(lab, hosts, ansible_connection="praxis.gatekeeper.ssh")
    result = lab.playbook(RAW, env=env)
    assert sorted(p.name for p in canary.iterdir()) == [], result.output
    denied = {d["host"] for d in result.decisions(decision="denied", rule="deny.connection-injection")}
    assert {"host-option", "host-space", "host-newline", "host-tab", "user-option", "user-quote"} <= denied


def test_positive_control_the_hostile_host_runs_its_payload_through_builtin_ssh(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path
) -> None:
    hosts = {"host-option": hostile_hosts(ssh_target, canary)["host-option"]}
    env = {**inventory(lab, hosts, ansible_connection="ansible.builtin.ssh"), **ungated(lab)}
    lab.playbook(RAW, env=env)
    assert (canary / "host-option").exists(), "the payload did not run: the refusal tests would prove nothing"


def test_a_talos_host_is_never_reached_over_ssh(lab: AnsibleLab, ssh_target: SshTarget, canary: Path) -> None:
    hosts = {"cp1": target_vars(ssh_target, praxis_host_type="talos"), "web1": target_vars(ssh_target)}
    lab.allow_commands(f"touch {canary}/ran-cp1", f"touch {canary}/ran-web1")
    for connection in ("praxis.gatekeeper.ssh", "ansible.builtin.ssh"):
        result = lab.playbook(TOUCH.format(canary=canary), env=inventory(lab, hosts, ansible_connection=connection))
        assert not (canary / "ran-cp1").exists(), result.output
        assert (canary / "ran-web1").exists(), result.output  # positive control: the same play on a Linux host
        (denied,) = result.decisions(host="cp1")
        assert denied["rule"] == "deny.talos-ssh" and denied["host_type"] == "talos"
        (canary / "ran-web1").unlink()
    # the gate off: the plugin itself refuses (its own host_type check)
    env = {**inventory(lab, hosts, ansible_connection="praxis.gatekeeper.ssh"), **ungated(lab)}
    result = lab.playbook(TOUCH.format(canary=canary), env=env)
    assert not (canary / "ran-cp1").exists() and (canary / "ran-web1").exists()
    assert "Talos node" in result.output


UNTRUSTED = """\
- name: play vars
  hosts: web1
  gather_facts: false
  vars:
    praxis_host_type: linux
  tasks:
    - ansible.builtin.command: touch {canary}/play-vars
      ignore_errors: true

- name: nothing overrides the inventory (positive control)
  hosts: web1
  gather_facts: false
  tasks:
    - ansible.builtin.command: touch {canary}/control

- name: add_host
  hosts: web1
  gather_facts: false
  tasks:
    - ansible.builtin.add_host:
        name: dyn1
        ansible_host: "{{{{ ansible_host }}}}"
        ansible_port: "{{{{ ansible_port }}}}"
        ansible_user: "{{{{ ansible_user }}}}"
        ansible_ssh_private_key_file: "{{{{ ansible_ssh_private_key_file }}}}"
        praxis_host_type: linux

- name: the added host
  hosts: dyn1
  gather_facts: false
  tasks:
    - ansible.builtin.command: touch {canary}/add-host
      ignore_errors: true

- name: set_fact copying an inventory value (it keeps the inventory's origin tag)
  hosts: web1
  gather_facts: false
  tasks:
    - ansible.builtin.set_fact:
        praxis_host_type: "{{{{ site_kind }}}}"
    - ansible.builtin.command: touch {canary}/set-fact
      ignore_errors: true
"""


def test_praxis_host_type_from_plays_set_fact_or_add_host_is_refused(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path
) -> None:
    env = inventory(
        lab, {"web1": target_vars(ssh_target, site_kind="linux")}, ansible_connection="praxis.gatekeeper.ssh"
    )
    lab.allow_commands(*(f"touch {canary}/{n}" for n in ("play-vars", "control", "add-host", "set-fact")))
    result = lab.playbook(UNTRUSTED.format(canary=canary), env=env)
    assert sorted(p.name for p in canary.iterdir()) == ["control"], result.output
    reasons = " | ".join(d["reason"] for d in result.decisions(rule="deny.host-type"))
    assert "play.yml" in reasons, reasons  # play vars: the playbook file is not an inventory source
    assert "add_host" in reasons and "set_fact" in reasons, reasons
    assert len(result.decisions(rule="deny.host-type")) == 3


@pytest.mark.parametrize("how", ["extra vars", "extra vars file", "playbook group_vars"])
def test_praxis_host_type_from_extra_vars_or_the_playbook_directory_is_refused(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path, how: str
) -> None:
    env = inventory(lab, {"web1": target_vars(ssh_target)}, ansible_connection="praxis.gatekeeper.ssh")
    lab.allow_commands(f"touch {canary}/ran-web1")
    project = tmp_path / "project"
    files: dict[str, str] = {}
    args: list[str] = []
    if how == "extra vars":
        args = ["-e", "praxis_host_type=linux"]
    elif how == "extra vars file":
        (tmp_path / "ev.yml").write_text("praxis_host_type: linux\n")
        args = ["-e", f"@{tmp_path / 'ev.yml'}"]
    else:
        files = {"group_vars/all.yml": "praxis_host_type: linux\n"}
    result = lab.playbook(TOUCH.format(canary=canary), env=env, args=args, files=files, directory=project)
    assert not (canary / "ran-web1").exists(), result.output
    (decision,) = result.decisions()
    assert decision["rule"] == "deny.host-type", decision


def test_praxis_host_type_from_the_inventory_and_its_group_vars_is_trusted(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path
) -> None:
    env = inventory(lab, {"web1": target_vars(ssh_target)}, ansible_connection="praxis.gatekeeper.ssh")
    (lab.config_dir / "group_vars").mkdir()
    (lab.config_dir / "group_vars" / "all.yml").write_text("praxis_host_type: linux\n")
    lab.allow_commands(f"touch {canary}/ran-web1")
    result = lab.playbook(TOUCH.format(canary=canary), env=env)
    assert result.rc == 0 and (canary / "ran-web1").exists(), result.output
    (decision,) = result.decisions()
    assert decision["host_type"] == "linux" and decision["decision"] == "allowed"
    records = [json.loads(line) for line in (lab.state_dir / "audit.jsonl").read_text().splitlines()]
    assert any(r.get("event") == "outcome" and r.get("host_type") == "linux" for r in records)
