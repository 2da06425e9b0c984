# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The doctor's verdicts: every combination of what an interpreter reports is judged, and every "no" says why and
what to do. The probe itself runs for real against this interpreter; the integration suite runs it against a
foreign environment and a Galaxy-only install."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import doctor

HOOKED = "/venv/site-packages/ansible_collections/praxis/gatekeeper"


def _facts(**overrides: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "python": "/venv/bin/python", "version": "2.19.14", "hook": True, "hook_collection": HOOKED,
        "collection": HOOKED, "praxis_gate_env": True, "callback_enabled": True, "missing": [], "error": None,
    }  # fmt: skip
    facts.update(overrides)
    return facts


def _judge(**overrides: Any) -> doctor.Arming:
    return doctor.judge("ansible-playbook", "/venv/bin/ansible-playbook", "/venv/bin/python", _facts(**overrides),
                        first=True)  # fmt: skip


@pytest.mark.parametrize(
    "case",
    list(itertools.product([True, False], [True, False], [True, False], [HOOKED, "/other/copy", None],
                           [(), ("pydantic>=2.7,<3",)], ["2.19.14", "2.21.5", "2.18.3", "2.22.0"])),
)  # fmt: skip
def test_every_combination_has_a_verdict_and_each_no_a_reason(case: tuple[Any, ...]) -> None:
    hook, env, callback, collection, missing, version = case
    verdict = _judge(hook=hook, praxis_gate_env=env, callback_enabled=callback, collection=collection,
                     missing=list(missing), version=version)  # fmt: skip
    supported = version.startswith(("2.19.", "2.20.", "2.21."))
    requested = env or callback
    expected_hook = hook and requested and supported and not missing and collection == HOOKED
    expected_callback = not hook and callback and supported and not missing and collection is not None
    assert verdict.armed is (expected_hook or expected_callback), verdict
    assert verdict.via == ("start-up hook" if expected_hook else "callback" if expected_callback else None)
    if not verdict.armed:
        assert verdict.reasons and verdict.reasons[0], verdict


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"praxis_gate_env": False, "callback_enabled": False}, "the gate is opt-in"),
        ({"version": "2.22.1"}, "outside the supported range 2.19 up to but not including 2.22"),
        ({"missing": ["pydantic>=2.7,<3"]}, "-m pip install praxis-gatekeeper"),
        ({"collection": "/project/collections/ansible_collections/praxis/gatekeeper"}, "would be loaded from"),
        ({"hook": False, "callback_enabled": False}, "PRAXIS_GATE=enforce is set, but"),
        ({"hook": False, "collection": None}, "ansible-core skips the callback with a warning and runs ungated"),
        ({"version": None, "error": "ModuleNotFoundError: No module named 'ansible'"}, "cannot import ansible-core"),
        ({"probe_error": "cannot run /venv/bin/python: [Errno 2]"}, "cannot run"),
    ],
)
def test_each_reason_names_the_next_step(overrides: dict[str, Any], needle: str) -> None:
    verdict = _judge(**overrides)
    assert not verdict.armed and needle in " ".join(verdict.reasons), verdict.reasons


def test_callback_only_is_armed_with_a_warning() -> None:
    verdict = _judge(hook=False)
    assert verdict.armed and verdict.via == "callback"
    assert "collections/ folder beside a playbook" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("first_lines", "expected"),
    [
        ("#!/opt/venv/bin/python\n", "/opt/venv/bin/python"),
        ("#!/opt/venv/bin/python3.12 -E\n", "/opt/venv/bin/python3.12"),
        ("#!/bin/sh\n'''exec' '/very/long/venv/bin/python' \"$0\" \"$@\"\n' '''\n", "/very/long/venv/bin/python"),
        ("#!/bin/bash\necho not python\n", None),
        ("ELF binary", None),
        ("#!/usr/bin/perl\n", None),
    ],
)
def test_the_interpreter_of_a_console_script(tmp_path: Path, first_lines: str, expected: str | None) -> None:
    script = tmp_path / "ansible-playbook"
    script.write_text(first_lines)
    assert doctor.interpreter_of(script) == expected


def test_env_shebangs_resolve_through_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "python3").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(tmp_path))
    script = tmp_path / "ansible"
    script.write_text("#!/usr/bin/env python3\n")
    assert doctor.interpreter_of(script) == str(tmp_path / "python3")


def test_the_probe_runs_in_a_real_interpreter_and_reads_the_callers_ansible_cfg(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "ansible.cfg").write_text("[defaults]\ncallbacks_enabled = praxis.gatekeeper.gate\n")
    (project / "json.py").write_text("raise SystemExit('the project json.py was imported')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_"))}
    facts = doctor._run_probe(sys.executable, env, str(project))
    assert "probe_error" not in facts, facts
    assert facts["python"] == sys.executable and facts["version"]
    assert facts["callback_enabled"] is True and facts["config_file"] == str(project / "ansible.cfg")
    assert facts["praxis_gate_env"] is False and facts["missing"] == []


def test_doctor_lists_every_program_on_path_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for directory in (first, second):
        directory.mkdir()
        for program in doctor.PROGRAMS:
            (directory / program).write_text("#!/nonexistent/python\n")
            (directory / program).chmod(0o755)
    verdicts = doctor.diagnose({"PATH": f"{first}{os.pathsep}{second}"}, str(tmp_path))
    listed = [(v.program, v.path, v.first_on_path) for v in verdicts if v.program != "python"]
    assert listed == [
        ("ansible-playbook", str(first / "ansible-playbook"), True),
        ("ansible-playbook", str(second / "ansible-playbook"), False),
        ("ansible", str(first / "ansible"), True),
        ("ansible", str(second / "ansible"), False),
    ]
    assert all(not v.armed and "cannot run /nonexistent/python" in v.reasons[0] for v in verdicts[:4])
    assert len(doctor.ungated(verdicts)) == 2


def test_a_path_directory_this_user_cannot_read_is_skipped_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `sudo -u nobody` PATH may still name root's private directories, where stat raises EACCES (a molecule
    run of the controller role met /root/.cargo/bin). Such a directory holds nothing this user runs; the tests run
    as root, who reads through any mode, so the stat error is raised for that one path."""
    blocked = tmp_path / "private" / "ansible-playbook"
    runnable = tmp_path / "open" / "ansible-playbook"
    runnable.parent.mkdir()
    runnable.write_text("#!/bin/sh\n")
    runnable.chmod(0o755)
    real_is_file = Path.is_file

    def is_file(self: Path) -> bool:
        if self == blocked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    assert doctor._runnable(blocked) is False
    assert doctor._runnable(runnable) is True  # positive control
