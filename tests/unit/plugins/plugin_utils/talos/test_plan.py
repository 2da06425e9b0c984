# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The talosctl plan: the argv that runs (node selection from the inventory, the task's words after it), local files
confined to the operator's root in both directions, check mode (--dry-run or skipped), and the second reading of
the verb table that refuses whatever the gate's table refuses."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import GateSettings, load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.talos.plan import (
    TalosRefused,
    Target,
    confine,
    execute,
    plan,
)

DOUBLE = Path(__file__).resolve().parents[5] / "tests" / "doubles" / "talosctl.py"


@pytest.fixture
def talos_root(tmp_path: Path) -> Path:
    root = tmp_path / "talos-root"
    root.mkdir()
    return root


def settings_for(tmp_path: Path, root: Path | None, **extra: str) -> GateSettings:
    program = tmp_path / "bin" / "talosctl"
    program.parent.mkdir(exist_ok=True)
    if not program.exists():
        # the test double (tests/doubles/talosctl.py), run by this interpreter (not through a shim that adds variables)
        program.write_text(f"#!{sys.executable}\n" + DOUBLE.read_text())
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path), "PRAXIS_TALOSCTL": str(program),
           **({"PRAXIS_TALOS_ROOT": str(root)} if root else {}), **extra}  # fmt: skip
    return load_settings(env, cfg=None)


TARGET = Target(node="10.5.0.2", endpoints=("10.5.0.1",), context="prod", talosconfig="/etc/talos/config")


def test_the_argv_puts_the_inventory_selection_after_the_verb(tmp_path: Path, talos_root: Path) -> None:
    settings = settings_for(tmp_path, talos_root)
    planned = plan(["etcd", "members"], target=TARGET, check_mode=False, settings=settings)
    assert planned.argv[1:] == ("etcd", "members", "--nodes=10.5.0.2", "--endpoints=10.5.0.1", "--context=prod",
                                "--talosconfig=/etc/talos/config")  # fmt: skip
    assert planned.argv[0] == settings.talosctl and planned.runs and planned.cwd == talos_root


def test_an_unknown_verb_is_t3_and_runs_only_as_written(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, None)
    planned = plan(["frobnicate", "x"], target=TARGET, check_mode=False, settings=settings)
    assert planned.tier == 3 and planned.argv[1:3] == ("frobnicate", "--nodes=10.5.0.2") and planned.cwd is None
    assert not plan(["frobnicate"], target=TARGET, check_mode=True, settings=settings).runs


N = "--nodes=10.5.0.2"
CHECK_MODE = [  # words -> the argv after the program when it runs with --dry-run or as usual, or None when skipped
    (["version"], ("version", N)),
    (["apply-config", "-f", "cp.yaml"], ("apply-config", N, "--dry-run", "-f", "cp.yaml")),
    (["patch", "machineconfig", "--dry-run=false", "-p", "[]"], ("patch", N, "--dry-run", "machineconfig", "-p", "[]")),
    (["upgrade-k8s", "--to", "1.34.1"], ("upgrade-k8s", N, "--dry-run", "--to", "1.34.1")),
    (["reset", "--system-labels-to-wipe", "EPHEMERAL"], None),
    (["service", "kubelet", "restart"], None),
    (["reboot"], None),
    (["etcd", "snapshot", "db.snap"], None),  # T0, but it writes a local file
    (["etcd", "members"], ("etcd", "members", N)),
    (["kubeconfig", "-"], ("kubeconfig", N, "-")),
]


@pytest.mark.parametrize(("words", "argv_tail"), CHECK_MODE, ids=[" ".join(w) for w, _unused in CHECK_MODE])
def test_check_mode_runs_dry_or_not_at_all(
    tmp_path: Path, talos_root: Path, words: list[str], argv_tail: tuple[str, ...] | None
) -> None:
    planned = plan(words, target=Target("10.5.0.2"), check_mode=True, settings=settings_for(tmp_path, talos_root))
    assert planned.dry_run is ("--dry-run" in (argv_tail or ()))
    if argv_tail is None:
        assert not planned.runs and "check mode does not run it" in planned.skip
    else:
        assert planned.runs and planned.argv[1:] == argv_tail


@pytest.mark.parametrize(
    "words",
    [
        ["version", "--nodes=10.9.9.9"],
        ["-e", "x", "version"],
        ["version", "--talosconfig", "/tmp/x"],
        ["frobnicate", "--x"],
        ["reset", "--frobnicate"],
        ["dashboard"],
        ["edit", "machineconfig"],
        ["config", "info"],
        [],
    ],
)
def test_the_second_reading_refuses_what_the_table_refuses(tmp_path: Path, talos_root: Path, words: list[str]) -> None:
    with pytest.raises(TalosRefused):
        plan(words, target=TARGET, check_mode=False, settings=settings_for(tmp_path, talos_root))


def test_t3_on_several_nodes_is_refused_at_execution_too(tmp_path: Path, talos_root: Path) -> None:
    settings = settings_for(tmp_path, talos_root)
    with pytest.raises(TalosRefused, match="exactly one node"):
        plan(["reset"], target=Target("10.5.0.2,10.5.0.3"), check_mode=False, settings=settings)
    assert plan(["version"], target=Target("10.5.0.2,10.5.0.3"), check_mode=False, settings=settings).runs


@pytest.mark.parametrize(
    "words",
    [
        ["etcd", "snapshot", "../outside.snap"],
        ["etcd", "snapshot", "/tmp/outside.snap"],
        ["copy", "/var/log", "/etc"],
        ["kubeconfig", "../../kc"],
        ["apply-config", "-f", "/etc/shadow"],
        ["apply-config", "--file=../x.yaml"],
        ["patch", "machineconfig", "-p", "@/etc/passwd"],
        ["support", "-O", "/tmp/bundle.zip"],
        ["pcap", "-o", "../cap.pcap"],
        ["bootstrap", "--recover-from", "/var/db.snap"],
        ["etcd", "snapshot", "link/x"],
        ["cgroups", "--schema-file", "/etc/x"],
        ["rotate-ca", "-o", "/root/talosconfig"],
    ],
)
def test_local_files_outside_the_root_are_refused(tmp_path: Path, talos_root: Path, words: list[str]) -> None:
    (talos_root / "link").symlink_to("/tmp")  # a link inside the root that points out of it
    with pytest.raises(TalosRefused, match="outside the talos root"):
        plan(words, target=Target("10.5.0.2"), check_mode=False, settings=settings_for(tmp_path, talos_root))


@pytest.mark.parametrize(
    "words",
    [
        ["etcd", "snapshot", "backups/etcd.snap"],
        ["copy", "/var/log", "out"],
        ["kubeconfig", "out/kc"],
        ["kubeconfig", "-"],
        ["copy", "/var/log", "-"],
        ["apply-config", "-f", "nodes/cp.yaml"],
        ["support"],
        ["patch", "machineconfig", "-p", "@patches/p.yaml"],
        ["pcap", "-o", "-"],
        ["etcd", "snapshot", "{root}/x.snap"],
    ],
)
def test_local_files_inside_the_root_pass(tmp_path: Path, talos_root: Path, words: list[str]) -> None:
    words = [w.replace("{root}", str(talos_root)) for w in words]
    planned = plan(words, target=Target("10.5.0.2"), check_mode=False, settings=settings_for(tmp_path, talos_root))
    assert planned.runs
    assert all(talos_root in p.parents for p in planned.outputs)


def test_files_need_a_root_and_a_kubeconfig_needs_a_path(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, None)
    for words in (["etcd", "snapshot", "x.snap"], ["support"], ["apply-config", "-f", "x.yaml"]):
        with pytest.raises(TalosRefused, match="no talos root"):
            plan(words, target=Target("10.5.0.2"), check_mode=False, settings=settings)
    assert plan(["kubeconfig", "-"], target=Target("10.5.0.2"), check_mode=False, settings=settings).runs
    with pytest.raises(TalosRefused, match="needs a local path"):
        plan(["kubeconfig"], target=Target("10.5.0.2"), check_mode=False, settings=settings)


@pytest.mark.parametrize("path", ["a\nb", "x\x00", ""])
def test_paths_with_control_characters_are_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(TalosRefused):
        confine(path, tmp_path, what="test")


def test_a_missing_talosctl_is_a_clear_refusal(tmp_path: Path, talos_root: Path) -> None:
    settings = settings_for(tmp_path, talos_root).model_copy(update={"talosctl": "talosctl-not-installed"})
    with pytest.raises(TalosRefused, match="not found"):
        plan(["version"], target=TARGET, check_mode=False, settings=settings)


def test_operator_settings_are_validated(tmp_path: Path) -> None:
    base = {"PRAXIS_STATE_DIR": str(tmp_path / "s"), "HOME": str(tmp_path)}
    for key, value in (("PRAXIS_TALOS_ROOT", "relative/root"), ("PRAXIS_TALOSCTL", "bin/talosctl"),
                       ("PRAXIS_TALOS_ENV", "HTTPS_PROXY,bad name"), ("PRAXIS_TALOS_TIMEOUT", "0"),
                       ("PRAXIS_SSH_ACCEPT_NEW", "host;rm"), ("PRAXIS_SSH_KNOWN_HOSTS", "known_hosts")):  # fmt: skip
        with pytest.raises(ConfigError):
            load_settings({**base, key: value}, cfg=None)


def test_execute_runs_the_plan_isolated(tmp_path: Path, talos_root: Path) -> None:
    settings = settings_for(tmp_path, talos_root, PRAXIS_TALOS_ENV="HTTPS_PROXY")
    planned = plan(["etcd", "members"], target=TARGET, check_mode=False, settings=settings)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HTTPS_PROXY": "http://proxy", "AWS_TOKEN": "x"}
    done = execute(planned, settings=settings, timeout=30, stop=lambda: False, env=env)
    assert done.returncode == 0 and b"3e0bd6f8a1f5c2d1" in done.stdout
    calls = (tmp_path / "bin" / "talosctl-calls.jsonl").read_text().splitlines()
    assert len(calls) == 1
    call = json.loads(calls[0])
    assert call["argv"][1:] == list(planned.argv[1:])
    assert set(call["env"]) <= {"PATH", "HOME", "HTTPS_PROXY", "LC_CTYPE"} and "AWS_TOKEN" not in call["env"]
    assert call["cwd"] == str(talos_root) and call["pid"] == call["pgid"] == call["sid"]
