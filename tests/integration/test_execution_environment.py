# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX: the execution environment definition, and a job's run through ansible-runner with an AWX-shaped private
data directory deciding exactly as the CLI does.

ansible-builder builds a context from execution-environment.yml (building the image needs a container engine,
which these machines lack; the context is what the engine would build, checked here). The AWX-shaped run uses the
layout AWX writes for a job (project/, an executable inventory/hosts, env/envvars with what the image and the
credential inject, env/extravars with job and survey variables) and is compared, decision by decision, with
``ansible-playbook`` run by an operator on the same playbook and inventory.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .harness import BIN_DIR, REPO_ROOT, AnsibleLab, SshTarget

pytestmark = pytest.mark.one_version  # runner and policy logic; the glue is covered in both legs

SITE = """\
- name: Site
  hosts: all
  gather_facts: false
  tasks:
    - name: Read
      ansible.builtin.stat:
        path: /etc/hostname
    - name: Reversible change
      ansible.builtin.copy:
        content: "listen 8080\\n"
        dest: "{canary}/{{{{ inventory_hostname }}}}-app.conf"
        mode: "0644"
    - name: Stateful change
      ansible.builtin.command: "touch {canary}/{{{{ inventory_hostname }}}}-restarted"
      ignore_errors: true
    - name: Irreversible-class change
      ansible.builtin.file:
        path: "{canary}/authorized_keys"
        state: touch
        mode: "0600"
      ignore_errors: true
    - name: Deny-listed
      ansible.builtin.shell: "echo {{{{ 'touch {canary}/denied' | b64encode }}}} | base64 -d | sh"
      ignore_errors: true
"""

RUNNER = """
import json, sys
import ansible_runner
private, ident, out = sys.argv[1], sys.argv[2], sys.argv[3]
r = ansible_runner.run(private_data_dir=private, playbook="site.yml", ident=ident, quiet=True)
with open(out, "w") as handle:
    json.dump({"rc": r.rc, "status": r.status}, handle)
"""


def test_the_execution_environment_definition_builds_a_context(tmp_path: Path) -> None:
    builder = shutil.which("ansible-builder", path=str(BIN_DIR))
    assert builder, "ansible-builder is a test dependency (pyproject [test])"
    definition = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    shutil.copy(REPO_ROOT / "execution-environment.yml", tmp_path)
    build_wheel = [str(BIN_DIR / "python"), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist")]
    wheel = subprocess.run([*build_wheel, str(REPO_ROOT)], check=False, capture_output=True, text=True, timeout=300)
    assert wheel.returncode == 0, wheel.stderr
    created = subprocess.run(
        [
            builder,
            "create",
            "-f",
            "execution-environment.yml",
            "--context",
            "ctx",
            "--output-filename",
            "Containerfile",
        ],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    context = tmp_path / "ctx"
    containerfile = (context / "Containerfile").read_text()
    assert [p.name for p in (context / "_build" / "praxis").iterdir()] == ["praxis_gatekeeper-0.1.0-py3-none-any.whl"]
    assert "psycopg[binary]" in (context / "_build" / "requirements.txt").read_text()
    for line in ("ENV PRAXIS_GATE=enforce", "ENV ANSIBLE_HOST_KEY_CHECKING=True", "pip install --no-cache-dir"):
        assert line in containerfile
    # the operator settings come from the image and the credential, never from extra vars
    assert "PRAXIS_MODE" not in containerfile and "extra_vars" not in containerfile
    from ansible.parsing.yaml.loader import AnsibleLoader  # the playbook uses !unsafe, Ansible's own tag

    text = (REPO_ROOT / "playbooks" / "awx" / "create_templates.yml").read_text()
    templates = yaml.load(text, Loader=AnsibleLoader)
    injected = next(t for t in templates[0]["tasks"] if "awx.awx.credential_type" in t)["awx.awx.credential_type"]
    assert set(injected["injectors"]["env"]) >= {"PRAXIS_MODE", "PRAXIS_STORE_DSN", "PRAXIS_APPROVER_KEYS"}


class AwxJob:
    """A job's private data directory, laid out as AWX lays it out."""

    def __init__(self, root: Path, lab: AnsibleLab, target: SshTarget, canary: Path) -> None:
        self.root, self.lab = root, lab
        (root / "project").mkdir(parents=True)
        (root / "project" / "site.yml").write_text(SITE.format(canary=canary))
        (root / "inventory").mkdir()
        inventory = {
            "all": {"children": ["ungrouped"]},
            "ungrouped": {"hosts": ["web1"]},
            "_meta": {"hostvars": {"web1": {
                "ansible_host": target.address, "ansible_port": target.port,
                "ansible_user": os.environ.get("USER", "root"), "ansible_ssh_private_key_file": str(target.client_key),
            }}},
        }  # fmt: skip
        hosts = root / "inventory" / "hosts"
        hosts.write_text(f"#! /usr/bin/env python3\nprint({json.dumps(inventory)!r})\n")
        hosts.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR)
        (root / "env").mkdir()
        envvars = {  # what the image and the praxis.gatekeeper credential inject
            "PRAXIS_GATE": "enforce", "PRAXIS_MODE": lab.mode, "PRAXIS_STATE_DIR": str(lab.state_dir),
            "PRAXIS_POLICY": lab.env_overrides.get("PRAXIS_POLICY", ""), "ANSIBLE_CONFIG": str(lab.config),
            "ANSIBLE_HOST_KEY_CHECKING": "True", "PRAXIS_PRINCIPAL": "awx-job@awx.example.com",
        }  # fmt: skip
        (root / "env" / "envvars").write_text(json.dumps({k: v for k, v in envvars.items() if v}))
        # job variables and a hostile extra var: extra vars set nothing of the gate's
        extravars = {"awx_job_id": 7, "awx_job_template_name": "site - run", "praxis_mode": "open",
                     "praxis_principal": "root", "praxis_session": "fresh"}  # fmt: skip
        (root / "env" / "extravars").write_text(json.dumps(extravars))

    def launch(self, ident: str) -> dict[str, Any]:
        out = self.root.parent / f"runner-{ident}.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_"))}
        env["PATH"] = os.pathsep.join([str(BIN_DIR), env.get("PATH", "")])
        done = subprocess.run(
            [str(BIN_DIR / "python"), "-c", RUNNER, str(self.root), ident, str(out)],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _decisions(records: list[dict[str, Any]], run_id: str) -> list[tuple[Any, ...]]:
    return [
        (r["task"], r["host"], r["resolved"], r["tier"], r["decision"], r["rule"], r["mode"])
        for r in records
        if r.get("event") == "decision" and r.get("run_id") == run_id
    ]


@pytest.mark.parametrize("mode", ["guarded", "open"])
def test_an_awx_shaped_run_decides_exactly_as_the_cli_does(tmp_path: Path, ssh_target: SshTarget, mode: str) -> None:
    cli_canary, job_canary = tmp_path / "cli-canary", tmp_path / "job-canary"
    cli_canary.mkdir()
    job_canary.mkdir()
    lab = AnsibleLab(root=tmp_path / "lab", targets={"web1": ssh_target}, mode=mode)
    project = tmp_path / "cli-project"
    project.mkdir()
    # the operator's run: the same playbook (with its own canary) through ansible-playbook
    cli = lab.playbook(SITE.format(canary=cli_canary), name="site.yml", directory=project)
    (cli_run,) = [r["run_id"] for r in cli.records if r.get("event") == "run-start"]
    job = AwxJob(tmp_path / "job", lab, ssh_target, job_canary)
    before = len(lab.audit_records())
    launched = job.launch("42")
    records = lab.audit_records()[before:]
    (start,) = [r for r in records if r.get("event") == "run-start"]
    assert start["runner_ident"] == "42" and start["principal"] == "awx-job@awx.example.com"
    assert launched["rc"] == cli.rc
    cli_decisions = _decisions(cli.records, cli_run)
    job_decisions = _decisions(records, start["run_id"])
    assert job_decisions == cli_decisions and len(job_decisions) == 5
    assert {d[4] for d in job_decisions} >= {"allowed", "denied"}
    assert sorted(p.name for p in job_canary.iterdir()) == sorted(p.name for p in cli_canary.iterdir())
    assert not (job_canary / "denied").exists()
    assert all(r.get("mode") == mode for r in records if r.get("event") == "decision")
    cli_start = next(r for r in cli.records if r.get("event") == "run-start")
    assert "runner_ident" not in cli_start, "an operator's own run belongs to no runner job"
