# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host types: the linux/talos vocabulary (and the legacy "ssh"), unknown and untrusted values denied, the host
type in every decision and record, which connections each type may use, and `praxis-gate check --host-type`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import (
    Mode,
    TaskRequest,
    Verdict,
    normalise_host_type,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _connopts
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._connopts import (
    INJECTION,
    PLUGIN,
    TALOS,
    connection_findings,
    target_problems,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import HOST_TYPE, evaluate

BUILTIN = ruleset_mod.load_ruleset(None)
CLI = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main"


def rules(request: TaskRequest, ruleset: ruleset_mod.Ruleset = BUILTIN) -> set[str]:
    return {f.rule for f in evaluate(request, ruleset=ruleset).findings}


@pytest.mark.parametrize(
    ("given", "expected"),
    [("ssh", "linux"), ("SSH", "linux"), (" Talos ", "talos"), ("linux", "linux"), ("windows", "windows"), ("", "")],
)
def test_the_vocabulary_and_its_migration(given: str, expected: str) -> None:
    assert normalise_host_type(given) == expected
    assert TaskRequest(action="ansible.builtin.ping", args={}, host="h", host_type=given).host_type == expected
    assert TaskRequest(action="ansible.builtin.ping", args={}, host="h").host_type == "linux"


@pytest.mark.parametrize("host_type", ["windows", "", "talos2", "linux\n", "bsd"])
def test_unknown_host_types_are_denied(host_type: str) -> None:
    request = TaskRequest(action="ansible.builtin.ping", args={}, host="h", host_type=host_type)
    if normalise_host_type(host_type) in ("linux", "talos"):
        assert HOST_TYPE not in rules(request)
    else:
        assert HOST_TYPE in rules(request)


def test_untrusted_host_types_are_denied_with_their_source() -> None:
    request = TaskRequest(action="ansible.builtin.ping", args={}, host="h", host_type="linux",
                          untrusted_inventory=("praxis_host_type is set in extra vars (-e)",))  # fmt: skip
    findings = evaluate(request, ruleset=BUILTIN).findings
    assert findings[0].rule == HOST_TYPE and "extra vars" in findings[0].reason and "inventory" in findings[0].reason


def test_every_decision_and_record_carries_the_host_type(tmp_path: Path) -> None:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": "open", "HOME": str(tmp_path)}
    gate = Gate.from_settings(load_settings(env, cfg=None), seams=())
    requests = [
        TaskRequest(action="ansible.builtin.stat", args={"path": "/x"}, host="web1"),
        TaskRequest(action="praxis.gatekeeper.talos", args={"command": ["kubeconfig", "-"]}, host="cp1",
                    host_type="talos", connection="praxis.gatekeeper.talosctl", connection_options={"host": "c"}),
        TaskRequest(action="ansible.builtin.ping", args={}, host="cp1", host_type="talos", connection="ssh"),
        TaskRequest(action="ansible.builtin.ping", args={}, host="x", host_type="bsd"),
    ]  # fmt: skip
    decisions = [gate.decide(r) for r in requests]
    assert [d.host_type for d in decisions] == ["linux", "talos", "talos", "bsd"]
    assert [d.verdict for d in decisions] == [Verdict.ALLOWED, Verdict.ALLOWED, Verdict.DENIED, Verdict.DENIED]
    assert decisions[1].sensitive and not decisions[0].sensitive
    gate.record_outcome(decisions[0], status="ok", output=b"{}", host="web1", action="ansible.builtin.stat")
    records = [json.loads(line) for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    decided = [r for r in records if r["event"] == "decision"]
    assert [r["host_type"] for r in decided] == ["linux", "talos", "talos", "bsd"]
    assert [r["sensitive"] for r in decided] == [False, True, False, False]
    assert [r["host_type"] for r in records if r["event"] == "outcome"] == ["linux"]
    assert decisions[1].as_dict()["host_type"] == "talos" and decisions[1].as_dict()["sensitive"] is True
    assert isinstance(gate.audit, AuditLog)


# ------------------------------------------------------------------------------------------------ connections
def findings(connection: str, host_type: str = "linux", allowed: tuple[str, ...] = (), **options: Any) -> set[str]:
    return {f.rule for f in connection_findings(connection=connection, host_type=host_type, options=options,
                                                allowed=allowed)}  # fmt: skip


@pytest.mark.parametrize("connection", ["praxis.gatekeeper.ssh", "ssh", "paramiko_ssh", "ansible.builtin.ssh"])
def test_talos_hosts_are_never_reached_over_any_ssh(connection: str) -> None:
    assert TALOS in findings(connection, "talos")
    assert TALOS not in findings(connection, "linux")


def test_the_talosctl_connection_is_for_talos_hosts_only() -> None:
    assert findings("praxis.gatekeeper.talosctl", "talos", host="10.5.0.2") == set()
    assert TALOS in findings("praxis.gatekeeper.talosctl", "linux", host="10.5.0.2")


@pytest.mark.parametrize(
    "options",
    [
        {"host": "-oProxyCommand=x"},
        {"host": "10.5.0.2 --nodes=x"},
        {"host": "a\nb"},
        {"endpoints": ["-e", "x"]},
        {"endpoints": "user@host"},
        {"context": "--talosconfig=/x"},
        {"talosconfig": "-x"},
        {"talosconfig": "/a b"},
        {"host": "10.5.0.2", "endpoints": "10.5.0.1;id"},
    ],
)
def test_talos_node_selection_must_be_plain(options: dict[str, Any]) -> None:
    assert INJECTION in findings("praxis.gatekeeper.talosctl", "talos", **options)


def test_the_gatekeeper_ssh_is_held_to_every_ssh_rule() -> None:
    assert findings("praxis.gatekeeper.ssh", ssh_common_args="-o ProxyCommand=x")
    assert findings("praxis.gatekeeper.ssh", host_key_checking=False)
    assert findings("praxis.gatekeeper.ssh", host="-oProxyCommand=x")
    assert findings("praxis.gatekeeper.ssh", host="10.0.0.1", port=22, remote_user="deploy") == set()


def test_operators_can_make_the_gatekeeper_ssh_the_only_transport(tmp_path: Path) -> None:
    only = ("praxis.gatekeeper.ssh", "praxis.gatekeeper.talosctl", "ansible.builtin.local")
    for laxer in ("ssh", "ansible.builtin.ssh", "ansible.legacy.ssh", "paramiko_ssh"):
        assert PLUGIN in findings(laxer, allowed=only), laxer
    assert findings("praxis.gatekeeper.ssh", allowed=only) == set()
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nconnections: [praxis.gatekeeper.ssh, ansible.builtin.local]\n")
    ruleset = ruleset_mod.load_ruleset(policy)
    request = TaskRequest(action="ansible.builtin.ping", args={}, host="h", connection="ssh")
    assert PLUGIN in rules(request, ruleset)
    assert PLUGIN not in rules(TaskRequest(action="ansible.builtin.ping", args={}, host="h",
                                           connection="praxis.gatekeeper.ssh"), ruleset)  # fmt: skip
    policy.write_text("version: 1\nconnections: [community.docker.docker]\n")  # only narrows: never widens
    with pytest.raises(Exception, match="schema"):
        ruleset_mod.load_ruleset(policy)


@pytest.mark.parametrize(
    ("host", "port", "user"),
    [
        ("-oProxyCommand=touch x", 22, "root"),
        ("127.0.0.1 -oProxyCommand=x", 22, "root"),
        ("a\tb", 22, "root"),
        ("127.0.0.1\n-oProxyCommand=x", 22, "root"),
        ("127.0.0.1", "22 -oProxyCommand=x", "root"),
        ("127.0.0.1", "-1", "root"),
        ("127.0.0.1", 70000, "root"),
        ("127.0.0.1", 22, "-oProxyCommand=x"),
        ("127.0.0.1", 22, 'root" -oProxyCommand="x'),
        ("127.0.0.1", 22, "ro ot"),
        ("127.0.0.1", 22, "root\n"),
        ("", 22, "root"),
        (None, 22, "root"),
    ],
)
def test_hostile_targets_are_named(host: Any, port: Any, user: Any) -> None:
    assert target_problems(host, port, user)


def test_plain_targets_pass() -> None:
    for host in ("127.0.0.1", "::1", "[::1]", "web-1.example.com", "web_1"):
        assert target_problems(host, 22, "deploy") == [], host
    assert target_problems("h", None, None) == []


def test_connection_data_is_fingerprinted() -> None:
    assert "praxis.gatekeeper.ssh" in _connopts.CONNOPTS_DATA["connections"]  # type: ignore[operator]
    assert "talos" in ruleset_mod.builtin_data()


# ------------------------------------------------------------------------------------------------ praxis-gate check
def check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    env.pop("PRAXIS_MODE", None)
    return subprocess.run(
        [sys.executable, "-m", CLI, "check", *args], check=False, env=env, capture_output=True, text=True
    )


def test_check_explains_talos_tasks(tmp_path: Path) -> None:
    done = check(tmp_path, "--host-type", "talos", "--action", "praxis.gatekeeper.talos", "--args",
                 '{"command": ["etcd", "snapshot", "db.snap"]}', "--json")  # fmt: skip
    decision = json.loads(done.stdout)
    assert done.returncode == 0 and decision["tier"] == "T0" and decision["sensitive"] is True
    assert decision["host_type"] == "talos"
    done = check(tmp_path, "--host-type", "talos", "--action", "praxis.gatekeeper.talos", "--args",
                 '{"command": ["reset", "--system-labels-to-wipe", "EPHEMERAL"]}')  # fmt: skip
    assert done.returncode == 1 and "REFUSED  T3" in done.stdout and "talosctl reset" in done.stdout
    done = check(tmp_path, "--mode", "open", "--host-type", "talos", "--node", "10.5.0.2,10.5.0.3", "--action",
                 "praxis.gatekeeper.talos", "--args", '{"command": ["reset"]}')  # fmt: skip
    assert done.returncode == 1 and "deny.talos-nodes" in done.stdout
    done = check(tmp_path, "--host-type", "talos", "--action", "ansible.builtin.setup")
    assert done.returncode == 1 and "gather_facts: false" in done.stdout
    done = check(tmp_path, "--host-type", "ssh", "--action", "ansible.builtin.ping")  # the legacy spelling
    assert done.returncode == 0 and "host type linux" in done.stdout
    done = check(tmp_path, "--host-type", "windows", "--action", "ansible.builtin.ping")
    assert done.returncode == 2 and "--host-type must be one of" in done.stderr


def test_check_explains_a_talos_host_over_ssh(tmp_path: Path) -> None:
    done = check(tmp_path, "--host-type", "talos", "--connection", "ssh", "--action", "ansible.builtin.ping")
    assert done.returncode == 1, done.stdout
    assert Mode.GUARDED.value in done.stdout
