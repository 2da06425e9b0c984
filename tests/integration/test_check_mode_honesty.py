# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The check-mode table held to what the modules really do: every program-running option the table calls quiet
under check mode is run for real, without the gate, once under --check (its payload must not run) and once
without (it must: the positive control), and every option the table calls loud must run under --check. A module
that runs an external program of the task's choosing under check mode cannot be called honest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _modules, _options

from .harness import AnsibleLab

# Ordinary arguments under which each module reaches the option under test (a file that differs, so that it
# would write), keyed by module; {work} is a scratch directory on the target, {run} the payload command.
ARGS = {
    "ansible.builtin.copy": {"content": "new\n", "dest": "{work}/f"},
    "ansible.builtin.template": {"src": "{work}/t.j2", "dest": "{work}/f"},
    "ansible.builtin.lineinfile": {"path": "{work}/f", "line": "new"},
    "ansible.builtin.blockinfile": {"path": "{work}/f", "block": "new"},
    "ansible.builtin.replace": {"path": "{work}/f", "regexp": "old", "replace": "new"},
    "ansible.builtin.assemble": {"src": "{work}/parts", "dest": "{work}/f"},
    "ansible.builtin.command": {},
    "ansible.builtin.shell": {},
    "ansible.builtin.cron": {"name": "praxis-test", "cron_file": "{work}/cronfile", "user": "root"},
}
PAYLOAD = {
    "validate": "{run} %s",
    "_raw_params": "{run}",
    "cmd": "{run}",
    "argv": ["sh", "-c", "{run}"],
    "executable": "{script}",
    "job": "{run}",
    "value": "{run}",
}
QUIET = sorted((m, o) for m, (quiet, _unused) in _modules.CHECK_MODE_HONEST.items() for o in quiet if m in ARGS)
LOUD = sorted(
    (m, o)
    for m, (_unused, loud) in _modules.CHECK_MODE_HONEST.items()
    for o in loud
    if m in ARGS and _options.OPTIONS[m].get(o) in _options.RUNS_PROGRAM
)
# cron installs its job, it never runs it: a real run is no positive control for its payload.
NO_POSITIVE_CONTROL = {("ansible.builtin.cron", "job"), ("ansible.builtin.cron", "value")}


def _ungated(lab: AnsibleLab) -> dict[str, str]:
    config = lab.config.with_name("ungated.cfg")
    config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate\n", ""))
    return {"ANSIBLE_CONFIG": str(config), "PRAXIS_GATE": "off"}


def _run(lab: AnsibleLab, tmp_path: Path, module: str, option: str, *, check: bool) -> tuple[bool, str]:
    work = tmp_path / ("check" if check else "real")
    work.mkdir()
    (work / "f").write_text("old\n")
    (work / "t.j2").write_text("new\n")
    (work / "parts").mkdir()
    (work / "parts" / "a").write_text("new\n")
    marker = work / "ran"
    script = work / "payload"
    script.write_text(f'#!/bin/sh\ntouch {marker}\nexec /bin/sh "$@"\n')
    script.chmod(0o755)
    run = f"touch {marker}"
    args = {k: v.format(work=work) for k, v in ARGS[module].items()}
    payload = PAYLOAD[option]
    if isinstance(payload, list):
        args[option] = [p.format(run=run) for p in payload]
    else:
        args[option] = payload.format(run=run, script=script)
    if option == "executable":
        args["_raw_params"] = "true"
    result = lab.run(
        "ansible", ["target1", "-m", module, "-a", json.dumps(args), *(["--check"] if check else [])], env=_ungated(lab)
    )
    assert not result.records, "the gate must not be armed here"
    return marker.exists(), result.output


@pytest.mark.parametrize(("module", "option"), QUIET, ids=[f"{m[16:]}.{o}" for m, o in QUIET])
def test_a_quiet_option_does_not_run_under_check_mode(
    lab: AnsibleLab, tmp_path: Path, module: str, option: str
) -> None:
    ran, output = _run(lab, tmp_path, module, option, check=True)
    assert not ran, f"{module} ran its {option} under --check: it is not quiet\n{output[-2000:]}"
    if (module, option) not in NO_POSITIVE_CONTROL:
        ran, output = _run(lab, tmp_path, module, option, check=False)
        assert ran, f"positive control: {module} {option} did not run without --check\n{output[-2000:]}"


@pytest.mark.parametrize(("module", "option"), LOUD, ids=[f"{m[16:]}.{o}" for m, o in LOUD])
def test_a_loud_option_does_run_under_check_mode(lab: AnsibleLab, tmp_path: Path, module: str, option: str) -> None:
    ran, output = _run(lab, tmp_path, module, option, check=True)
    assert ran, f"{module} did not run its {option} under --check: the table calls it loud\n{output[-2000:]}"


def test_every_quiet_option_is_exercised() -> None:
    tabled = {(m, o) for m, (quiet, _unused) in _modules.CHECK_MODE_HONEST.items() for o in quiet}
    assert tabled == set(QUIET), f"add arguments for {sorted(tabled - set(QUIET))} to ARGS"
