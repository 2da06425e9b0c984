# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate check`` reads the controller files a task names (a ``copy`` or ``template`` source, a
``script``) as a run does (``core/sources.py``): before, a unit file with a deny-class command in it was explained
as "approval required" by ``check`` and denied by the run. Generated over both copying actions and every way
``src`` names a file (relative to the current directory, absolute, through a symlink, a directory tree), each with
a positive control (the same file without the command is not denied) and the case the run does not read
(``remote_src``); the ``script`` program in each spelling; a controller path in the gate's own state."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.sources import COPYING_ACTIONS

from tests.operator_env import operator_environment

PAYLOAD = "[Service]\nExecStart=/bin/rm -rf /usr\n"
BENIGN = "[Service]\nExecStart=/usr/bin/true\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    operator_environment(tmp_path, monkeypatch, state=tmp_path / "state", mode="guarded", principal="op@controller")
    work = tmp_path / "play"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _place(work: Path, form: str, text: str) -> str:
    """Write ``text`` where ``form`` says and return the ``src`` that names it."""
    if form == "relative":
        (work / "unit.service").write_text(text)
        return "unit.service"
    if form == "absolute":
        (work / "unit.service").write_text(text)
        return str(work / "unit.service")
    if form == "symlink":
        (work / "real.service").write_text(text)
        (work / "unit.service").symlink_to(work / "real.service")
        return "unit.service"
    if form == "tree":
        (work / "units" / "nested").mkdir(parents=True)
        (work / "units" / "a.conf").write_text("[Unit]\nDescription=a\n")
        (work / "units" / "nested" / "b.service").write_text(text)
        return "units/"
    raise AssertionError(form)


def _check(capsys: pytest.CaptureFixture[str], action: str, args: dict[str, object]) -> dict[str, object]:
    code = main(["check", "--action", action, "--args", json.dumps(args), "--json"])
    out, err = capsys.readouterr()
    decision: dict[str, object] = json.loads(out)
    assert code == (0 if decision["decision"] == "allowed" else 1), err
    return decision


@pytest.mark.parametrize("form", ["relative", "absolute", "symlink", "tree"])
@pytest.mark.parametrize("action", sorted(COPYING_ACTIONS))
def test_check_denies_what_the_copied_file_holds(
    workdir: Path, capsys: pytest.CaptureFixture[str], action: str, form: str
) -> None:
    src = _place(workdir, form, PAYLOAD)
    decision = _check(capsys, action, {"src": src, "dest": "/etc/systemd/system/unit.service"})
    assert decision["decision"] == "denied" and str(decision["rule"]).startswith("deny."), decision


@pytest.mark.parametrize("form", ["relative", "absolute", "symlink", "tree"])
@pytest.mark.parametrize("action", sorted(COPYING_ACTIONS))
def test_the_same_file_without_the_command_is_not_denied(
    workdir: Path, capsys: pytest.CaptureFixture[str], action: str, form: str
) -> None:
    src = _place(workdir, form, BENIGN)
    decision = _check(capsys, action, {"src": src, "dest": "/etc/systemd/system/unit.service"})
    assert decision["decision"] == "approval_required" and decision["tier"] == "T2", decision


def test_a_remote_source_is_not_read_from_the_controller(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _place(workdir, "relative", PAYLOAD)
    remote = _check(capsys, "ansible.builtin.copy", {"src": src, "remote_src": True, "dest": "/etc/x.service"})
    local = _check(capsys, "ansible.builtin.copy", {"src": src, "dest": "/etc/x.service"})
    assert remote["decision"] != "denied" and local["decision"] == "denied", (remote, local)


def test_a_source_that_cannot_be_read_is_explained_not_raised(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for src in ("missing.service", "bad\x00name", "/proc/self/mem"):
        decision = _check(capsys, "ansible.builtin.copy", {"src": src, "dest": "/etc/x.conf"})
        assert decision["decision"] == "approval_required", (src, decision)
    assert os.getcwd() == str(workdir)


@pytest.mark.parametrize("spelling", ["_raw_params", "cmd", "with arguments"])
def test_check_reads_the_script_the_run_ships(workdir: Path, capsys: pytest.CaptureFixture[str], spelling: str) -> None:
    """``script`` runs a controller file: the run reads it and classifies its content; so does ``check`` (a denied
    payload, an ordinary script at the free-form tier, a missing one rounded up to T3 as the run rounds it)."""
    (workdir / "wipe.sh").write_text("#!/bin/sh\nrm -rf /usr\n")
    (workdir / "ok.sh").write_text("#!/bin/sh\nuptime\n")

    def args(name: str) -> dict[str, object]:
        if spelling == "with arguments":
            return {"_raw_params": f"{name} --verbose"}
        return {spelling: name}

    assert _check(capsys, "ansible.builtin.script", args("wipe.sh"))["rule"] == "deny.root-wipe"
    ordinary = _check(capsys, "ansible.builtin.script", args("ok.sh"))
    assert ordinary["decision"] == "approval_required" and ordinary["tier"] == "T2", ordinary
    missing = _check(capsys, "ansible.builtin.script", args("missing.sh"))
    assert missing["tier"] == "T3" and "cannot read the local file" in str(missing["reason"]), missing


def test_check_judges_a_controller_source_in_the_gates_own_state(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A controller path is judged as the run judges it: copying from the gate's state directory is tampering."""
    state = workdir.parent / "state"
    state.mkdir(exist_ok=True)
    (state / "audit.jsonl").write_text("{}\n")
    decision = _check(capsys, "ansible.builtin.copy", {"src": str(state / "audit.jsonl"), "dest": "/tmp/copy"})
    assert decision["rule"] == "deny.gate-tamper", decision
    control = _check(capsys, "ansible.builtin.copy", {"src": "unit.service", "dest": "/tmp/copy"})
    assert control["decision"] != "denied", control
