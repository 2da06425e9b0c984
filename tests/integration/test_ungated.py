# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Never silently ungated: the deployments where ``PRAXIS_GATE=enforce`` does not arm the gate are reported as such.

Each case first shows the hole is real (positive control: the task runs, its canary appears, the audit log stays
empty), then that the operator's tools say so: ``praxis-gate status`` and ``doctor`` report the program unarmed and
exit non-zero, and ``praxis-gate audit gated`` fails an ansible-runner job that left no run-start record. The
"foreign" environment is a real second Python environment with only ansible-core in it (harness.foreign_ansible).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from .harness import BIN_DIR, REPO_ROOT, AnsibleLab, foreign_ansible

PLAY = """\
- hosts: target1
  gather_facts: false
  tasks:
    - name: write the canary
      ansible.builtin.shell: touch {canary}/ran
"""


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    return foreign_ansible(tmp_path / "foreign")


def _galaxy_install(tmp_path: Path) -> Path:
    """The collection as `ansible-galaxy collection install` puts it into a fresh collections path."""
    build = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path)],
        check=False, cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    collections = tmp_path / "collections"
    tarball = next(tmp_path.glob("praxis-gatekeeper-*.tar.gz"))
    install = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "install", "--force", str(tarball), "-p", str(collections)],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    assert (collections / "ansible_collections" / "praxis" / "gatekeeper" / "requirements.txt").is_file()
    return collections


def _without_callback(lab: AnsibleLab) -> None:
    lab.config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate", ""))


def _status(lab: AnsibleLab, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = lab.run("praxis-gate", ["status", "--json"], env=env)
    return result.rc, json.loads(result.stdout)


def _playbook_row(status: dict[str, Any], bin_dir: Path) -> dict[str, Any]:
    rows = [r for r in status["arming"] if r["program"] == "ansible-playbook" and r["first_on_path"]]
    assert len(rows) == 1 and rows[0]["path"] == str(bin_dir / "ansible-playbook"), status["arming"]
    return dict(rows[0])


def test_a_galaxy_only_install_with_praxis_gate_set_is_reported_unarmed(
    lab: AnsibleLab, canary: Path, tmp_path: Path, foreign: Path
) -> None:
    collections = _galaxy_install(tmp_path)
    _without_callback(lab)
    env = {"PATH": os.pathsep.join([str(foreign), os.environ["PATH"]]), "ANSIBLE_COLLECTIONS_PATH": str(collections)}
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY.format(canary=canary))

    # the hole: PRAXIS_GATE=enforce reaches an ansible-playbook without the start-up hook, and the task just runs
    run = subprocess.run(
        [str(foreign / "ansible-playbook"), str(playbook)],
        check=False,
        env=lab.env(**env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0 and (canary / "ran").exists(), run.stdout + run.stderr
    assert lab.audit_records() == []

    # the truth: status says the ansible-playbook on PATH would not arm, why, and exits non-zero
    code, status = _status(lab, env)
    assert code == 1 and status["armed"] is False
    row = _playbook_row(status, foreign)
    assert row["armed"] is False and row["python"] == str(foreign / "python")
    assert any("PRAXIS_GATE=enforce is set" in r and "no praxis.gatekeeper start-up hook" in r for r in row["reasons"])
    doctor = lab.run("praxis-gate", ["doctor"], env=env)
    assert doctor.rc == 1 and "NOT ARMED" in doctor.stdout, doctor.output

    # with this environment's own ansible-playbook first but the Galaxy copy still on the collection path, the
    # start-up hook would refuse the run (the copy it would load is not the installed one): also not armed
    code, status = _status(lab, {"ANSIBLE_COLLECTIONS_PATH": str(collections)})
    ours = _playbook_row(status, BIN_DIR)
    assert code == 1 and ours["armed"] is False and "would be loaded from" in " ".join(ours["reasons"]), ours
    # control: this environment's own ansible-playbook and collection: armed by the start-up hook, exit 0
    code, status = _status(lab, {})
    assert code == 0 and _playbook_row(status, BIN_DIR)["via"] == "start-up hook", status


def test_a_galaxy_only_install_without_its_python_requirements_fails_closed(
    lab: AnsibleLab, canary: Path, tmp_path: Path, foreign: Path
) -> None:
    collections = _galaxy_install(tmp_path)  # callbacks_enabled = praxis.gatekeeper.gate stays in the lab's cfg
    env = {"PATH": os.pathsep.join([str(foreign), os.environ["PATH"]]), "ANSIBLE_COLLECTIONS_PATH": str(collections)}
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY.format(canary=canary))
    run = subprocess.run(
        [str(foreign / "ansible-playbook"), str(playbook)],
        check=False,
        env=lab.env(**env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0 and not (canary / "ran").exists(), output
    assert "Traceback" not in output
    assert "praxis.gatekeeper refused to run: the gate's Python requirements are missing" in output, output
    for package in ("pydantic", "jsonschema", "msgspec", "rfc3161-client"):
        assert package in output
    assert f"{foreign / 'python'} -m pip install" in output
    code, status = _status(lab, env)
    row = _playbook_row(status, foreign)
    assert code == 1 and row["armed"] is False
    assert any("lacks the gate's Python requirements" in r and "pydantic" in r for r in row["reasons"]), row


RUNNER = """
import json, sys
import ansible_runner
private, ident = sys.argv[1], sys.argv[2]
r = ansible_runner.run(private_data_dir=private, playbook="site.yml", ident=ident, quiet=True,
                       envvars={"ANSIBLE_HOST_KEY_CHECKING": "True"})
print(json.dumps({"rc": r.rc, "status": r.status}))
"""


def _runner_job(lab: AnsibleLab, tmp_path: Path, canary: Path, path: str) -> tuple[str, dict[str, Any]]:
    private = tmp_path / f"runner-{uuid.uuid4().hex[:8]}"
    (private / "project").mkdir(parents=True)
    (private / "project" / "site.yml").write_text(PLAY.format(canary=canary))
    ident = uuid.uuid4().hex
    done = subprocess.run(
        [str(BIN_DIR / "python"), "-c", RUNNER, str(private), ident],
        check=False,
        env=lab.env(PATH=path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return ident, json.loads(done.stdout.strip().splitlines()[-1])


def test_a_runner_job_that_finds_a_foreign_ansible_core_first_is_reported_ungated(
    lab: AnsibleLab, canary: Path, tmp_path: Path, foreign: Path
) -> None:
    lab.allow_commands(f"touch {canary}/ran")
    foreign_first = os.pathsep.join([str(foreign), str(BIN_DIR), os.environ["PATH"]])
    ident, job = _runner_job(lab, tmp_path, canary, foreign_first)
    # the hole: ansible-runner started the foreign ansible-playbook; the job "succeeded" and the task ran ungated
    assert job == {"rc": 0, "status": "successful"} and (canary / "ran").exists()
    gated = lab.run("praxis-gate", ["audit", "gated", "--runner-ident", ident])
    assert gated.rc == 3 and "UNGATED" in gated.stderr and ident in gated.stderr, gated.output
    code, status = _status(lab, {"PATH": foreign_first})
    assert code == 1 and _playbook_row(status, foreign)["armed"] is False

    # control: with this environment's ansible-playbook first, the job is gated and its run-start record says so
    (canary / "ran").unlink()
    ident, job = _runner_job(lab, tmp_path, canary, os.pathsep.join([str(BIN_DIR), os.environ["PATH"]]))
    assert job["status"] == "successful" and (canary / "ran").exists()
    gated = lab.run("praxis-gate", ["audit", "gated", "--runner-ident", ident, "--json"])
    assert gated.rc == 0, gated.output
    (run,) = json.loads(gated.stdout)["runs"]
    assert (run["program"], run["runner_ident"], run["via"]) == ("ansible-playbook", ident, "start-up hook")
    starts = [r for r in lab.audit_records() if r.get("event") == "run-start" and r.get("runner_ident") == ident]
    assert len(starts) == 1 and starts[0]["runner_artifacts"].endswith(f"/artifacts/{ident}")
    assert starts[0]["python"] == str(BIN_DIR / "python")
