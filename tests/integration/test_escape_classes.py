# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The five escape classes of issue 13, run for real: ansible-playbook against the sshd target, in guarded and in
readonly mode, and once with the gate not armed (the positive control: the payload really works, so the refusal is
the gate's doing). Payloads only leave evidence in a temporary directory (a file, a link, a fetched copy).

Classes: (1) a module option that runs a program, (2) a dry run that executes, (3) an interpreter or environment
switch, (4) a controller path outside the tamper check, (5) a path the gate could not see (a link, a relative path
into a persistence location, an async job id that names a file)."""

from __future__ import annotations

import os
import subprocess
import tarfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import AnsibleLab, RunResult


@dataclass(frozen=True)
class Case:
    id: str
    cls: int
    tasks: str  # YAML task list (indented under tasks:), with {work}, {script}, {facts}, {state}, {archive}
    play: str = "  gather_facts: false\n"
    evidence: str = "ran"  # "ran": the payload's marker file; "file:<name>": a file in work; "gone:<name>"


CASES = [
    Case("copy-validate", 1, "- ansible.builtin.copy: {{content: x, dest: '{work}/out', validate: '{script} %s'}}"),
    Case(
        "lineinfile-validate",
        1,
        "- ansible.builtin.lineinfile: {{path: '{work}/lif', line: x, create: true, validate: '{script} %s'}}",
    ),
    Case(
        "git-executable",
        1,
        "- ansible.builtin.git: {{repo: 'https://example.invalid/x.git', dest: '{work}/repo', executable: '{script}'}}",
    ),
    Case("setup-fact-path", 1, "- ansible.builtin.setup: {{fact_path: '{facts}'}}"),
    Case(
        "gather-facts-module-defaults",
        1,
        "- ansible.builtin.debug: {{msg: hi}}",
        play="  gather_facts: true\n  module_defaults:\n    ansible.builtin.setup:\n      fact_path: '{facts}'\n",
    ),
    Case(
        "unarchive-extra-opts",
        1,
        "- ansible.builtin.unarchive: {{src: '{archive}', dest: '{work}/unpack', remote_src: true, "
        "extra_opts: ['--checkpoint=1', '--checkpoint-action=exec={script}']}}",
    ),
    Case("mount-facts-binary", 1, "- ansible.builtin.mount_facts: {{sources: [mount], mount_binary: '{script}'}}"),
    Case(
        "check-mode-git",
        2,
        "- ansible.builtin.git: {{repo: 'https://example.invalid/x.git', dest: '{work}/repo', "
        "executable: '{script}'}}\n  check_mode: true",
    ),
    Case("check-mode-pip", 2, "- ansible.builtin.pip: {{name: x, executable: '{script}'}}\n  check_mode: true"),
    Case(
        "python-interpreter",
        3,
        "- ansible.builtin.ping:\n  vars:\n    ansible_python_interpreter: '{script}'",
    ),
    Case(
        "environment-pythonwarnings-browser",
        3,
        "- ansible.builtin.ping:\n  environment:\n    PYTHONWARNINGS: 'ignore::antigravity.x'\n"
        "    BROWSER: '{script} %s'",
    ),
    Case(
        "fetch-dest-onto-gate-key",
        4,
        "- ansible.builtin.fetch: {{src: '{work}/hostname', dest: '{state}/./audit.key', flat: true}}",
        evidence="key-replaced",
    ),
    Case(
        "copy-src-gate-key",
        4,
        "- ansible.builtin.copy: {{src: '{state}/x/../audit.key', dest: '{work}/stolen'}}",
        evidence="file:stolen",
    ),
    Case(
        "url-lookup-percent-encoded",
        4,
        "- ansible.builtin.copy:\n    content: \"{{{{ lookup('url', 'file://{state}/audit%2Ekey') }}}}\"\n"
        "    dest: '{work}/leaked'",
        evidence="file:leaked",
    ),
    Case(
        "link-into-sudoers",
        5,
        "- ansible.builtin.file: {{src: /etc/sudoers.d, dest: '{work}/link', state: link}}",
        evidence="file:link",
    ),
    Case(
        "async-status-jid-path",
        5,
        "- ansible.builtin.async_status: {{jid: '{work}/victim', mode: cleanup}}",
        evidence="gone:victim",
    ),
    Case(
        "relative-path-into-bashrc",
        5,
        "- ansible.builtin.copy: {{content: x, dest: '../../../../../../../..{work}/.bashrc'}}",
        evidence="file:.bashrc",
    ),
]


@dataclass
class Setup:
    work: Path
    marker: Path
    playbook: str


def _prepare(lab: AnsibleLab, tmp_path: Path, case: Case) -> Setup:
    work = tmp_path / "work"
    work.mkdir()
    (work / "unpack").mkdir()
    (work / "victim").write_text("victim")
    (work / "hostname").write_text("fetched-hostname\n")
    marker = work / f"ran-{case.id}"
    script = tmp_path / "bin" / "payload"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\nexit 0\n")
    script.chmod(0o755)
    facts = tmp_path / "facts.d"
    facts.mkdir()
    (facts / "x.fact").write_text(script.read_text())
    (facts / "x.fact").chmod(0o755)
    archive = tmp_path / "a.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(work / "hostname", arcname="hostname")
    lab.state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(lab.state_dir, 0o700)
    key = lab.state_dir / "audit.key"
    if not key.exists():
        key.write_bytes(b"k" * 32)
        key.chmod(0o600)
    fields = {"work": work, "script": script, "facts": facts, "state": lab.state_dir, "archive": archive}
    tasks = textwrap.indent(case.tasks.format(**fields), "    ")
    playbook = f"- hosts: target1\n{case.play.format(**fields)}  tasks:\n{tasks}\n"
    return Setup(work, marker, playbook)


def _happened(setup: Setup, case: Case, lab: AnsibleLab) -> bool:
    if case.evidence == "ran":
        return setup.marker.exists()
    if case.evidence == "key-replaced":
        return (lab.state_dir / "audit.key").read_bytes().startswith(b"fetched-hostname")
    kind, _separator, name = case.evidence.partition(":")
    path = setup.work / name
    return not path.exists() if kind == "gone" else path.exists() or path.is_symlink()


def _ungated(lab: AnsibleLab) -> dict[str, str]:
    """The same controller with the gate not armed: no callback, PRAXIS_GATE off."""
    config = lab.config.with_name("ungated.cfg")
    config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate\n", ""))
    return {"ANSIBLE_CONFIG": str(config), "PRAXIS_GATE": "off"}


def _refused(result: RunResult) -> list[dict[str, object]]:
    return [
        r
        for r in result.records
        if r.get("event") == "decision" and r.get("decision") in ("denied", "refused", "approval_required")
    ]


@pytest.mark.parametrize("case", CASES, ids=[f"class{c.cls}-{c.id}" for c in CASES])
def test_the_payload_works_when_the_gate_is_not_armed(lab: AnsibleLab, tmp_path: Path, case: Case) -> None:
    setup = _prepare(lab, tmp_path, case)
    result = lab.playbook(setup.playbook, env=_ungated(lab))
    assert not result.records, "the gate must not be armed for the positive control"
    assert _happened(setup, case, lab), f"{case.id}: the payload did not work without the gate\n{result.output[-3000:]}"


# the ceiling is policy: the 2.21 leg runs each class once, in guarded mode (the glue it crosses is the same)
@pytest.mark.parametrize("mode", [pytest.param("readonly", marks=pytest.mark.one_version), "guarded"])
@pytest.mark.parametrize("case", CASES, ids=[f"class{c.cls}-{c.id}" for c in CASES])
def test_the_gate_stops_every_escape_class(lab: AnsibleLab, tmp_path: Path, case: Case, mode: str) -> None:
    lab.mode = mode
    setup = _prepare(lab, tmp_path, case)
    result = lab.playbook(setup.playbook)
    assert not _happened(setup, case, lab), f"{case.id} ({mode}): the payload ran\n{result.output[-3000:]}"
    refusals = _refused(result)
    assert refusals, f"{case.id} ({mode}): no refusal recorded\n{result.output[-3000:]}"
    # refused for what the task does, not because the gate could not describe it
    assert all("<unreadable>" not in str(r.get("args")) for r in refusals), refusals
    assert "praxis.gatekeeper" in result.output


# -------------------------------------------------------------------------------------- ordinary use still works
def test_ordinary_tasks_of_the_same_modules_still_run_in_guarded_mode(lab: AnsibleLab, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    playbook = f"""\
    - hosts: target1
      gather_facts: true
      tasks:
        - ansible.builtin.copy: {{content: "x\\n", dest: "{work}/plain"}}
        - ansible.builtin.lineinfile: {{path: "{work}/conf", line: "a=1", create: true}}
        - ansible.builtin.file: {{path: "{work}/dir", state: directory}}
        - ansible.builtin.stat: {{path: "{work}/plain"}}
          environment: {{LANG: C.UTF-8}}
        - ansible.builtin.debug: {{msg: "{{{{ lookup('password', '/dev/null length=8') | length }}}}"}}
    """
    result = lab.playbook(playbook)
    assert result.rc == 0, result.output[-3000:]
    assert (work / "plain").read_text() == "x\n" and (work / "dir").is_dir()
    assert not _refused(result)


def test_a_check_run_of_honest_modules_stays_a_dry_run_in_readonly_mode(lab: AnsibleLab, tmp_path: Path) -> None:
    lab.mode = "readonly"
    work = tmp_path / "work"
    work.mkdir()
    playbook = f"""\
    - hosts: target1
      gather_facts: false
      tasks:
        - ansible.builtin.copy: {{content: x, dest: "{work}/plain", validate: "/bin/true %s"}}
        - ansible.builtin.lineinfile: {{path: "{work}/conf", line: "a=1", create: true}}
    """
    result = lab.playbook(playbook, args=["--check"])
    assert result.rc == 0, result.output[-3000:]
    assert all(r["dry_run"] for r in result.decisions()), result.decisions()
    assert not (work / "plain").exists()


def test_readonly_refuses_a_password_lookup_that_would_create_a_controller_file(
    lab: AnsibleLab, tmp_path: Path
) -> None:
    target = tmp_path / "creds" / "db"
    playbook = f"""\
    - hosts: target1
      gather_facts: false
      tasks:
        - ansible.builtin.debug: {{msg: "{{{{ lookup('password', '{target} length=8') }}}}"}}
    """
    lab.mode = "readonly"
    refused = lab.playbook(playbook)
    assert not target.exists(), refused.output[-2000:]
    assert any(r.get("decision") == "refused" for r in refused.records), refused.output[-2000:]
    lab.mode = "guarded"
    allowed = lab.playbook(playbook)
    assert allowed.rc == 0 and target.exists(), allowed.output[-2000:]


# -------------------------------------------------------------------------------------- the log changed under a run
@pytest.mark.parametrize("change", ["replaced", "truncated"])
def test_a_log_changed_during_a_run_refuses_the_rest_of_the_run(lab: AnsibleLab, tmp_path: Path, change: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    playbook_dir = tmp_path / "play"
    playbook_dir.mkdir()
    (playbook_dir / "play.yml").write_text(
        textwrap.dedent(f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.copy: {{content: x, dest: "{work}/before"}}
            - ansible.builtin.wait_for: {{path: "{work}/go", timeout: 60}}
            - ansible.builtin.copy: {{content: x, dest: "{work}/after"}}
        """)
    )
    log = lab.state_dir / "audit.jsonl"
    process = subprocess.Popen(
        [str(Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "ansible-playbook")
         if os.environ.get("VIRTUAL_ENV") else "ansible-playbook", str(playbook_dir / "play.yml")],
        cwd=playbook_dir, env=lab.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    _wait_for((work / "before").exists, process)
    data = log.read_bytes()
    if change == "replaced":
        log.rename(log.with_name("moved-aside.jsonl"))
        log.write_bytes(data)
        log.chmod(0o600)
    else:
        os.truncate(log, len(data) // 3)
    (work / "go").touch()
    output, _stderr = process.communicate(timeout=120)
    assert not (work / "after").exists(), output[-3000:]
    assert f"was {change}" in output, output[-3000:]


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the run ended or stalled early: {process.communicate()[0][-3000:]}")
        time.sleep(0.1)
