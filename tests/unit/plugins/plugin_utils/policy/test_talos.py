# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talosctl verb table: every verb's tier (held to the issue's list and Talos's API roles, written here
independently of the table), options in every spelling pflag accepts, node selection refused in the module's
words, one node at T3, and talosctl in command text judged like the module."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest, Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _talos
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._talos import NODES, OPTION, TARGET, VERB
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

BUILTIN = ruleset_mod.load_ruleset(None)
T0, T1, T2, T3 = Tier.T0, Tier.T1, Tier.T2, Tier.T3

# Every node verb and the tier the issue (and Talos's roles: machined's rules table) gives it: (words, tier, sensitive)
EXPECTED: list[tuple[list[str], Tier, bool]] = [
    (["version"], T0, False), (["get", "members"], T0, False), (["list", "/var/log"], T0, False),
    (["logs", "kubelet"], T0, False), (["dmesg"], T0, False), (["service"], T0, False),
    (["service", "etcd"], T0, False), (["service", "etcd", "status"], T0, False), (["health"], T0, False),
    (["etcd", "members"], T0, False), (["etcd", "status"], T0, False), (["etcd", "alarm", "list"], T0, False),
    (["containers"], T0, False), (["stats"], T0, False), (["processes"], T0, False), (["memory"], T0, False),
    (["mounts"], T0, False), (["netstat"], T0, False), (["cgroups"], T0, False), (["events"], T0, False),
    (["time"], T0, False), (["diskfree"], T0, False), (["usage", "/var"], T0, False), (["routes"], T0, False),
    (["image", "list"], T0, False), (["inspect", "dependencies"], T0, False),
    # reads of secrets: T0, sensitive
    (["read", "/etc/os-release"], T0, True), (["copy", "/var/log", "out"], T0, True),
    (["kubeconfig", "out/kc"], T0, True), (["etcd", "snapshot", "db.snap"], T0, True), (["support"], T0, True),
    (["get", "machineconfig"], T0, True), (["get", "osrootsecret"], T0, True),
    (["get", "members", "--namespace", "secrets"], T0, True),
    # reversible management (os:operator)
    (["service", "kubelet", "restart"], T1, False), (["service", "kubelet", "stop"], T1, False),
    (["service", "kubelet", "start"], T1, False), (["restart", "kubelet"], T1, False), (["etcd", "defrag"], T1, False),
    (["image", "pull", "registry.k8s.io/pause:3.10"], T1, False), (["etcd", "alarm", "disarm"], T1, False),
    # stateful
    (["reboot"], T2, False), (["reboot", "--mode", "powercycle"], T2, False), (["shutdown"], T2, False),
    (["shutdown", "--force"], T2, False), (["apply-config", "--file", "cp.yaml"], T2, False),
    (["apply-config", "--file", "cp.yaml", "--mode", "no-reboot"], T2, False),
    (["apply-config", "--file", "cp.yaml", "--mode", "staged"], T2, False),
    (["apply-config", "--file", "cp.yaml", "--mode", "try"], T2, False),
    (["patch", "machineconfig", "--patch", "[]"], T2, False), (["edit", "machineconfig"], T2, False),
    (["rollback"], T2, False), (["etcd", "leave"], T2, False), (["etcd", "forfeit-leadership"], T2, False),
    (["meta", "write", "0x0a", "x"], T2, False), (["image", "remove", "x"], T2, False),
    # irreversible
    (["reset"], T3, False), (["reset", "--graceful=false"], T3, False),
    (["reset", "--system-labels-to-wipe", "EPHEMERAL"], T3, False),
    (["reset", "--system-labels-to-wipe=STATE", "--system-labels-to-wipe=EPHEMERAL", "--reboot"], T3, False),
    (["reset", "--user-disks-to-wipe", "/dev/sdb"], T3, False), (["reset", "--wipe-mode", "user-disks"], T3, False),
    (["wipe", "disk", "sdb"], T3, False), (["wipe", "disk", "sdb1", "--drop-partition"], T3, False),
    (["upgrade", "--image", "ghcr.io/siderolabs/installer:v1.11.5"], T3, False),
    (["upgrade-k8s", "--to", "1.34.1"], T3, False), (["etcd", "remove-member", "3e0bd6f8a1f5c2d1"], T3, False),
    (["bootstrap"], T3, False), (["apply-config", "--insecure", "--file", "cp.yaml"], T3, False),
    (["apply-config", "-i", "-f", "cp.yaml"], T3, False), (["rotate-ca"], T3, False),
    # unknown verbs, unknown service actions
    (["frobnicate"], T3, True), (["etcd", "frobnicate"], T3, True), (["service", "kubelet", "enable"], T3, False),
]  # fmt: skip
ALIASES = [
    (["ls"], ["list"]), (["cp", "/a", "b"], ["copy", "/a", "b"]), (["apply", "-f", "x"], ["apply-config", "-f", "x"]),
    (["ps"], ["processes"]), (["cat", "/x"], ["read", "/x"]), (["images", "ls"], ["image", "list"]),
    (["image", "rm", "x"], ["image", "remove", "x"]), (["services"], ["service"]),
    (["g", "members"], ["get", "members"]), (["df"], ["diskfree"]), (["tcpdump"], ["pcap"]),
]  # fmt: skip


def module_request(command: Any, *, host: str = "10.5.0.2", host_type: str = "talos", **kw: Any) -> TaskRequest:
    args = kw.pop("args", None) or {"command": command}
    kw.setdefault("connection", _talos.CONNECTION)
    return TaskRequest(action=_talos.MODULE, args=args, host="cp1", host_type=host_type,
                       connection_options={"host": host}, **kw)  # fmt: skip


def shell_request(text: str) -> TaskRequest:
    return TaskRequest(action="ansible.builtin.shell", args={"_raw_params": text}, host="admin1", connection="local")


@pytest.mark.parametrize(
    ("words", "tier", "sensitive"), EXPECTED, ids=[" ".join(w) for w, _tier, _sensitive in EXPECTED]
)
def test_every_verb_has_its_tier(words: list[str], tier: Tier, sensitive: bool) -> None:
    call = _talos.parse(words)
    assert call.tier()[0] is tier, call.tier()
    assert call.sensitive() is sensitive
    evaluation = evaluate(module_request(words), ruleset=BUILTIN)
    assert evaluation.tier is tier, evaluation
    assert evaluation.sensitive is sensitive


def test_the_table_names_every_documented_node_verb() -> None:
    expected = {
        call.verb.name for call in (_talos.parse(w) for w, _tier, _sensitive in EXPECTED) if call.verb is not None
    }
    missing = {verb.name for verb in _talos._VERBS} - expected
    assert missing <= {"pcap", "dashboard", "debug", "disks", "interfaces", "etcd downgrade validate",
                       "etcd downgrade cancel", "etcd downgrade enable", "meta delete", "wipe lv", "wipe md",
                       "wipe pv", "wipe vg", "conformance kubernetes"}, missing  # fmt: skip
    for verb in _talos._VERBS:  # every verb in the table is T0..T3 with a Talos role, and nodes only
        assert verb.role in (_talos.READER, _talos.OPERATOR, _talos.ADMIN), verb
    for name in ("reset", "wipe disk", "upgrade", "upgrade-k8s", "etcd remove-member", "bootstrap"):
        assert _talos.lookup(name.split()).tier is T3  # type: ignore[union-attr]


@pytest.mark.parametrize(("alias", "canonical"), ALIASES, ids=[" ".join(a) for a, _canonical in ALIASES])
def test_aliases_read_as_their_verb(alias: list[str], canonical: list[str]) -> None:
    a, c = _talos.parse(alias), _talos.parse(canonical)
    assert a.verb is c.verb and a.verb is not None
    assert a.tier()[0] is c.tier()[0]


# ------------------------------------------------------------------------------------------------ node selection
SELECTION_SPELLINGS = [
    ["-n", "10.5.0.9"], ["-n10.5.0.9"], ["-n=10.5.0.9"], ["--nodes", "10.5.0.9"], ["--nodes=10.5.0.9"],
    ["-e", "10.5.0.9"], ["--endpoints=10.5.0.9"], ["--talosconfig", "/tmp/other"], ["--talosconfig=/tmp/other"],
    ["--context", "prod"], ["-c", "other"], ["--cluster=other"], ["--siderov1-keys-dir", "/tmp/k"],
]  # fmt: skip


@pytest.mark.parametrize("selection", SELECTION_SPELLINGS, ids=[" ".join(s) for s in SELECTION_SPELLINGS])
@pytest.mark.parametrize("verb", [["version"], ["etcd", "members"], ["reset"], ["frobnicate"]])
@pytest.mark.parametrize("where", ["after", "before", "between"])
def test_node_selection_in_the_words_is_refused(selection: list[str], verb: list[str], where: str) -> None:
    words = {"after": [*verb, *selection], "before": [*selection, *verb],
             "between": [verb[0], *selection, *verb[1:]]}[where]  # fmt: skip
    findings = evaluate(module_request(words), ruleset=BUILTIN).findings
    assert findings, words
    assert OPTION in {f.rule for f in findings}, findings


@pytest.mark.parametrize("key", ["nodes", "node", "endpoints", "talosconfig", "context", "cluster", "argv", "cmd"])
def test_node_selection_in_the_task_args_is_refused(key: str) -> None:
    findings = evaluate(module_request(None, args={"command": ["version"], key: "10.5.0.9"}), ruleset=BUILTIN).findings
    assert TARGET in {f.rule for f in findings}, findings


SMUGGLED = [
    ["version", "--frobnicate"], ["etcd", "members", "--insecure"], ["logs", "kubelet", "--since=1h"],
    ["reset", "--image", "x"], ["get", "members", "-x"], ["version", "--nodes-extra=1"], ["version", "-Z"],
    ["reboot", "--dry-run"], ["frobnicate", "--anything"], ["etcd", "snapshot", "db", "--output", "x"],
    ["version", "-ni"],  # a cluster with node selection in it
]  # fmt: skip


@pytest.mark.parametrize("words", SMUGGLED, ids=[" ".join(w) for w in SMUGGLED])
def test_options_the_verb_allowlist_does_not_name_are_refused(words: list[str]) -> None:
    findings = evaluate(module_request(words), ruleset=BUILTIN).findings
    assert OPTION in {f.rule for f in findings}, findings


@pytest.mark.parametrize(
    "words",
    [
        ["logs", "-f", "kubelet"],
        ["logs", "--follow", "--tail=10", "kubelet"],
        ["list", "-lr", "/var"],
        ["list", "-d3", "/var"],
        ["get", "members", "-oyaml"],
        ["netstat", "-tl"],
        ["apply-config", "-f", "x", "-m", "try"],
    ],
)
def test_options_on_the_allowlist_pass(words: list[str]) -> None:
    assert not evaluate(module_request(words), ruleset=BUILTIN).findings


@pytest.mark.parametrize("host", ["10.5.0.2,10.5.0.3", "a,b,c", None, ""])
def test_t3_needs_exactly_one_node(host: str | None) -> None:
    request = TaskRequest(action=_talos.MODULE, args={"command": ["reset"]}, host="cp1", host_type="talos",
                          connection=_talos.CONNECTION, connection_options={"host": host})  # fmt: skip
    assert NODES in {f.rule for f in evaluate(request, ruleset=BUILTIN).findings}
    below = TaskRequest(action=_talos.MODULE, args={"command": ["version"]}, host="cp1", host_type="talos",
                        connection=_talos.CONNECTION, connection_options={"host": host})  # fmt: skip
    assert NODES not in {f.rule for f in evaluate(below, ruleset=BUILTIN).findings}


@pytest.mark.parametrize("words", [["reset", "--system-labels-to-wipe", "EPHEMERAL"], ["reset", "--graceful=false"]])
def test_partition_scoped_reset_is_still_t3(words: list[str]) -> None:
    assert evaluate(module_request(words), ruleset=BUILTIN).tier is T3
    multi = module_request(words, host="10.5.0.2,10.5.0.3")
    assert NODES in {f.rule for f in evaluate(multi, ruleset=BUILTIN).findings}


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("etcd members", OPTION),
        (["kubeconfig", 1], OPTION),
        ([], OPTION),
        (["config", "info"], VERB),
        (["gen", "config"], VERB),
        (["dashboard"], VERB),
        (["edit", "machineconfig"], VERB),
    ],
)
def test_what_the_module_cannot_run_is_refused(command: Any, rule: str) -> None:
    assert rule in {f.rule for f in evaluate(module_request(command), ruleset=BUILTIN).findings}


@pytest.mark.parametrize("host_type", ["linux", "ssh"])
def test_the_module_needs_a_talos_host_over_talosctl(host_type: str) -> None:
    assert TARGET in {f.rule for f in evaluate(module_request(["version"], host_type=host_type),
                                               ruleset=BUILTIN).findings}  # fmt: skip
    for connection in ("local", "ssh", "praxis.gatekeeper.ssh"):
        findings = evaluate(module_request(["version"], connection=connection), ruleset=BUILTIN).findings
        assert TARGET in {f.rule for f in findings}, connection


@pytest.mark.parametrize(
    "action",
    [
        "ansible.builtin.setup",
        "ansible.builtin.raw",
        "ansible.builtin.command",
        "ansible.builtin.copy",
        "ansible.builtin.ping",
        "community.general.foo",
    ],
)
def test_the_talosctl_connection_runs_nothing_else(action: str) -> None:
    request = TaskRequest(action=action, args={"_raw_params": "uptime"}, host="cp1", host_type="talos",
                          connection=_talos.CONNECTION, connection_options={"host": "10.5.0.2"})  # fmt: skip
    assert TARGET in {f.rule for f in evaluate(request, ruleset=BUILTIN).findings}
    control = TaskRequest(action="ansible.builtin.debug", args={"msg": "x"}, host="cp1", host_type="talos",
                          connection=_talos.CONNECTION, connection_options={"host": "10.5.0.2"})  # fmt: skip
    assert not evaluate(control, ruleset=BUILTIN).findings


def test_check_mode_is_a_dry_run_for_every_verb() -> None:
    for words, _tier, _sensitive in EXPECTED[:10] + EXPECTED[-12:]:
        assert evaluate(module_request(words, check_mode=True), ruleset=BUILTIN).dry_run
    assert not evaluate(module_request(["reset"]), ruleset=BUILTIN).dry_run


# ------------------------------------------------------------------------------------------------ command text
PREFIXES = ["talosctl -n 10.5.0.2", "/usr/local/bin/talosctl --nodes=10.5.0.2", "sudo talosctl -n 10.5.0.2",
            "env TALOSCONFIG=/x talosctl -n 10.5.0.2", "sh -c 'talosctl -n 10.5.0.2 {words}'"]  # fmt: skip


@pytest.mark.parametrize(
    ("words", "tier", "sensitive"), EXPECTED, ids=[" ".join(w) for w, _tier, _sensitive in EXPECTED]
)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_talosctl_in_command_text_is_classified_like_the_module(
    words: list[str], tier: Tier, sensitive: bool, prefix: str
) -> None:
    joined = " ".join(w if w and all(c.isalnum() or c in "-=/._:," for c in w) else f'"{w}"' for w in words)
    text = prefix.format(words=joined) if "{words}" in prefix else f"{prefix} {joined}"
    evaluation = evaluate(shell_request(text), ruleset=BUILTIN)
    assert evaluation.tier is max(tier, T2), (text, evaluation)  # free-form execution is at least T2
    assert evaluation.sensitive is sensitive or words[0] == "frobnicate", text
    if tier is T3:
        assert any("T3: talosctl" in r or "unknown talosctl verb" in r for r in evaluation.reasons), evaluation


@pytest.mark.parametrize(
    "text",
    [
        "talosctl reset",
        "talosctl -n 10.5.0.2,10.5.0.3 reset",
        "talosctl -n a -n b reset",
        "talosctl --nodes=a,b wipe disk sda",
        "talosctl upgrade -i x",
        "cd /tmp && talosctl reset --graceful=false",
    ],
)
def test_command_text_t3_calls_need_exactly_one_node(text: str) -> None:
    findings = evaluate(shell_request(text), ruleset=BUILTIN).findings
    assert NODES in {f.rule for f in findings}, findings
    single = text.replace("-n 10.5.0.2,10.5.0.3", "-n 10.5.0.2").replace("--nodes=a,b", "--nodes=a")
    if "-n" not in single and "--nodes" not in single:
        single = single.replace("talosctl", "talosctl -n 10.5.0.2", 1)
    if "-n a -n b" in single:
        single = single.replace("-n a -n b", "-n a")
    assert NODES not in {f.rule for f in evaluate(shell_request(single), ruleset=BUILTIN).findings}, single


@pytest.mark.parametrize(
    "text",
    ["talosctl -n $NODES reset", 'talosctl --nodes="$(cat nodes)" reset', "talosctl -n ${NODE:-a,b} wipe disk sda"],
)
def test_command_text_t3_with_nodes_only_known_at_run_time_is_refused(text: str) -> None:
    assert NODES in {f.rule for f in evaluate(shell_request(text), ruleset=BUILTIN).findings}
    assert NODES not in {f.rule for f in evaluate(shell_request("talosctl -n $NODE version"), ruleset=BUILTIN).findings}


def test_unknown_options_in_command_text_round_up() -> None:
    evaluation = evaluate(shell_request("talosctl -n 10.5.0.2 version --frobnicate"), ruleset=BUILTIN)
    assert evaluation.tier is T3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["reset", "version", "etcd", "members", "-n", "10.5.0.2", "--nodes", "-f", "--", "-",
                                 "--dry-run", "-i", "x", "service", "kubelet", "restart", "--wipe-mode", "=", "-nx",
                                 "wipe", "disk", "get", "--watch"]), max_size=8))  # fmt: skip
def test_any_argv_parses_and_unknown_rounds_up(argv: list[str]) -> None:
    call = _talos.parse(argv)
    tier, reasons = call.tier()
    assert reasons
    if call.verb is None or call.unknown:
        assert tier is T3
    request = module_request(argv)
    evaluation = evaluate(request, ruleset=BUILTIN)
    assert evaluation.tier >= tier or evaluation.findings


def test_check_requests_from_the_cli_are_judged_too() -> None:
    request = TaskRequest(action=_talos.MODULE, args={"command": ["reset"]}, host="cp1", host_type="talos",
                          kind=RequestKind.CHECK, connection=_talos.CONNECTION,
                          connection_options={"host": "10.5.0.2"})  # fmt: skip
    assert evaluate(request, ruleset=BUILTIN).tier is T3
