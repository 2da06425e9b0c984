# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX approval flow (docs/awx.md) through ansible_runner.run(), with the private data directory laid out the way
AWX lays it out for a job: project/ (the checkout), inventory/hosts (an executable script printing the inventory
JSON), env/extravars (AWX's job variables and the survey answers), env/envvars (what the execution environment and
the credentials inject), env/settings and env/cmdline (--check --diff for a check job).

The runner process itself carries no PRAXIS_* or ANSIBLE_* variables: everything the gate obeys comes from
env/envvars, as it does in an AWX job.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ansible.release import __version__ as ansible_version
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import token_ref

from .harness import BIN_DIR, AnsibleLab, SshTarget

AWX_ROOT = Path(__file__).resolve().parents[2] / "playbooks" / "awx"

SITE = """\
- name: Site
  hosts: all
  gather_facts: false
  tasks:
    - name: Restart the application
      ansible.builtin.command: touch {canary}/{{{{ inventory_hostname }}}}-restarted
    - name: Install the configuration
      ansible.builtin.copy:
        content: "listen 8080\\n"
        dest: "{canary}/{{{{ inventory_hostname }}}}.conf"
        mode: "0644"
      become: true
"""

RUNNER = """
import json, sys
import ansible_runner
private, ident, out = sys.argv[1], sys.argv[2], sys.argv[3]
r = ansible_runner.run(private_data_dir=private, playbook="site.yml", ident=ident, quiet=True)
with open(out, "w") as handle:
    json.dump({"rc": r.rc, "status": r.status, "events": list(r.events)}, handle, default=str)
"""


@pytest.fixture
def lab(tmp_path: Path, ssh_target: SshTarget) -> AnsibleLab:
    lab = AnsibleLab(root=tmp_path / "lab", targets={"web1": ssh_target})
    lab.env_overrides.update(
        PRAXIS_OPERATOR_DIR=str(lab.config_dir / "operators"),
        PRAXIS_APPROVERS=str(lab.config_dir / "approvers"),
    )
    init = lab.run("praxis-gate", ["operator", "init", "--name", "alice", "--no-passphrase"])
    assert init.rc == 0, init.output
    return lab


class AwxJob:
    """One AWX job's private data directory and its ansible-runner run."""

    def __init__(self, lab: AnsibleLab, ssh_target: SshTarget, root: Path, canary: Path, playbook: str) -> None:
        self.lab, self.root = lab, root
        (root / "project").mkdir(parents=True)
        (root / "project" / "site.yml").write_text(playbook.format(canary=canary))
        (root / "inventory").mkdir()
        inventory = {
            "all": {"children": ["ungrouped"]},
            "ungrouped": {"hosts": ["web1"]},
            "_meta": {"hostvars": {"web1": {
                "ansible_host": ssh_target.address, "ansible_port": ssh_target.port,
                "ansible_user": os.environ.get("USER", "root"),
                "ansible_ssh_private_key_file": str(ssh_target.client_key),
            }}},
        }  # fmt: skip
        hosts = root / "inventory" / "hosts"  # what AWX writes: a script that prints the inventory
        hosts.write_text(f"#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint({json.dumps(inventory)!r})\n")
        hosts.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR)
        (root / "env").mkdir()
        # what the execution environment image and the praxis.gatekeeper credential inject (docs/awx.md)
        envvars = {
            "PRAXIS_GATE": "enforce",
            "PRAXIS_MODE": "guarded",
            "PRAXIS_STATE_DIR": str(lab.state_dir),
            "PRAXIS_APPROVERS": str(lab.config_dir / "approvers"),
            "PRAXIS_PRINCIPAL": "awx-job@awx.example.com",
            "ANSIBLE_CONFIG": str(lab.config),
            "ANSIBLE_HOST_KEY_CHECKING": "True",
        }
        (root / "env" / "envvars").write_text(json.dumps(envvars))
        (root / "env" / "settings").write_text(json.dumps({"job_timeout": 0, "pexpect_timeout": 5}))

    def launch(self, ident: str, *, job_type: str, survey: dict[str, str] | None = None) -> dict[str, Any]:
        extravars: dict[str, Any] = {  # AWX's job variables, then the survey answers
            "awx_job_id": int(ident),
            "awx_job_template_name": f"site - {job_type}",
            "awx_user_name": "requester",
            "tower_job_launch_type": "relaunch" if int(ident) > 2 else "manual",
            **(survey or {}),
        }
        (self.root / "env" / "extravars").write_text(json.dumps(extravars))
        cmdline = self.root / "env" / "cmdline"
        if job_type == "check":
            cmdline.write_text("--check --diff")
        elif cmdline.exists():
            cmdline.unlink()
        out = self.root.parent / f"{self.root.name}-{ident}.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_"))}
        # ansible-runner starts the first ansible-playbook on PATH: make it the one of the interpreter under test
        env["PATH"] = os.pathsep.join([str(BIN_DIR), env.get("PATH", "")])
        completed = subprocess.run(
            [str(BIN_DIR / "python"), "-c", RUNNER, str(self.root), ident, str(out)],
            check=False, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr
        result: dict[str, Any] = json.loads(out.read_text())
        # The flow's last step (docs/awx.md): a job is gated only if a run-start record names its runner ident; a
        # job without one ran ungated, which fails the job whatever ansible-runner reported.
        gated = self.lab.run("praxis-gate", ["audit", "gated", "--runner-ident", ident, "--json"])
        assert gated.rc == 0, f"UNGATED job {ident}: {gated.output}"
        (run,) = json.loads(gated.stdout)["runs"]
        assert (run["program"], run["runner_ident"]) == ("ansible-playbook", ident), run
        result["gated_run"] = run
        return result

    def artifacts(self, ident: str) -> list[Path]:
        return [p for p in (self.root / "artifacts" / ident).rglob("*") if p.is_file()]


def _task_events(result: dict[str, Any], event: str) -> list[dict[str, Any]]:
    return [e["event_data"] for e in result["events"] if e.get("event") == event]


def _messages(result: dict[str, Any]) -> str:
    return " | ".join(str(d["res"].get("msg", "")) for d in _task_events(result, "runner_on_failed"))


def _assert_secret(token: str, job: AwxJob, ident: str, result: dict[str, Any]) -> None:
    """Not in any runner event, not in any artifact (stdout, command, job_events), not in the state directory."""
    needles = (token, token.split(".")[2])
    serialized = json.dumps(result["events"], default=str)
    assert not any(n in serialized for n in needles), "the approval token is in a runner event"
    for path in job.artifacts(ident):
        data = path.read_text(errors="replace")
        assert not any(n in data for n in needles), f"the approval token is in the artifact {path}"
    for path in job.lab.state_dir.rglob("*"):
        if path.is_file():
            assert not any(n.encode() in path.read_bytes() for n in needles), f"{path} holds the token"


def test_awx_check_job_approve_run_job_then_relaunch(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path
) -> None:
    job = AwxJob(lab, ssh_target, tmp_path / "awx" / "job", canary, SITE)

    # the check job: a dry run that records the plan and changes nothing
    check = job.launch("1", job_type="check")
    assert check["status"] == "successful" and check["rc"] == 0, _messages(check)
    assert list(canary.iterdir()) == []
    assert "--check" in (job.root / "artifacts" / "1" / "command").read_text()
    starts = [r for r in lab.audit_records() if r.get("event") == "run-start"]
    assert [r["ansible"] for r in starts] == [ansible_version], "the job ran another ansible-core than this one"
    listed = json.loads(lab.run("praxis-gate", ["approvals", "list", "--json"]).stdout)
    assert len(listed) == 1 and listed[0]["requester"] == "awx-job@awx.example.com", listed
    request = listed[0]["request"]
    detail = json.loads(lab.run("praxis-gate", ["approvals", "show", request, "--json"]).stdout)
    assert detail["check_run"] is True
    assert sorted(i["action"] for i in detail["items"]) == ["ansible.builtin.command", "ansible.builtin.copy"]
    (copy,) = [i for i in detail["items"] if i["action"] == "ansible.builtin.copy"]
    assert "listen 8080" in json.dumps(copy["diff"]), copy

    # the operator approves on their own terminal
    approve = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert approve.rc == 0, approve.output
    token = approve.stdout.strip()

    # the run job, with the token as the survey's password answer
    run = job.launch("2", job_type="run", survey={"praxis_approval": token})
    assert run["status"] == "successful" and run["rc"] == 0, _messages(run)
    assert sorted(p.name for p in canary.iterdir()) == ["web1-restarted", "web1.conf"]
    ok = [d["task"] for d in _task_events(run, "runner_on_ok")]
    assert ok == ["Restart the application", "Install the configuration"], ok
    assert "@" in (job.root / "artifacts" / "2" / "command").read_text()  # extra vars by file, not argv
    granted = [r for r in lab.audit_records() if r.get("rule") == "approval.granted"]
    assert len(granted) == 2 and {r["approval_ref"] for r in granted} == {token_ref(token)}
    _assert_secret(token, job, "2", run)

    # a relaunch replays the survey answer: every item is used, nothing runs
    for path in canary.iterdir():
        path.unlink()
    relaunch = job.launch("3", job_type="run", survey={"praxis_approval": token})
    assert relaunch["status"] == "failed" and relaunch["rc"] != 0
    assert list(canary.iterdir()) == []
    assert "already used" in _messages(relaunch) and "approval_required" in _messages(relaunch)
    assert "praxis-gate approvals show req-" in _messages(relaunch)
    _assert_secret(token, job, "3", relaunch)


def test_awx_run_job_without_an_answer_names_a_request_and_changes_nothing(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path
) -> None:
    """The survey question is optional: left empty, the gated tasks fail and name the request to review, which the
    operator can approve for the next launch without a check job."""
    job = AwxJob(lab, ssh_target, tmp_path / "awx" / "job", canary, SITE)
    first = job.launch("1", job_type="run", survey={"praxis_approval": ""})
    assert first["status"] == "failed"
    assert list(canary.iterdir()) == []
    (failed,) = _task_events(first, "runner_on_failed")
    assert failed["task"] == "Restart the application"
    message = failed["res"]["msg"]
    assert "approval_required" in message and "praxis-gate approvals show req-" in message
    request = message.split("praxis-gate approvals show ")[1].split("`")[0].strip()
    token = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"]).stdout.strip()
    second = job.launch("2", job_type="run", survey={"praxis_approval": token})
    # the first run stopped at its first gated task, so only that one was requested and approved
    assert [d["task"] for d in _task_events(second, "runner_on_ok")] == ["Restart the application"]
    assert sorted(p.name for p in canary.iterdir()) == ["web1-restarted"]
    assert "does not cover this task" in _messages(second)
    _assert_secret(token, job, "2", second)


def test_awx_shipped_files_match_the_flow() -> None:
    """The templates and survey that docs/awx.md tells operators to import describe this flow."""
    survey = json.loads((AWX_ROOT / "survey_spec.json").read_text())
    (question,) = survey["spec"]
    assert question["variable"] == "praxis_approval" and question["type"] == "password"
    assert question["required"] is False and question["max"] >= 64 * 1024
    (check,) = json.loads((AWX_ROOT / "job_template_check.json").read_text())["job_templates"]
    (run,) = json.loads((AWX_ROOT / "job_template_run.json").read_text())["job_templates"]
    assert (check["job_type"], check["diff_mode"], check["survey_enabled"]) == ("check", True, False)
    assert (run["job_type"], run["survey_enabled"]) == ("run", True)
    assert run["related"]["survey_spec"] == survey
    assert run["ask_variables_on_launch"] is False  # the token only arrives as an encrypted survey password
    for key in ("playbook", "inventory", "project", "become_enabled", "extra_vars", "limit", "job_slice_count"):
        assert check[key] == run[key], key
    text = (AWX_ROOT / "create_templates.yml").read_text()
    for needle in ("awx.awx.job_template", "job_type: check", "job_type: run", "survey_spec", "PRAXIS_STORE_DSN"):
        assert needle in text
    assert (AWX_ROOT.parents[1] / "docs" / "awx.md").is_file()


def test_a_job_cannot_print_its_survey_answer_into_job_events(
    lab: AnsibleLab, ssh_target: SshTarget, canary: Path, tmp_path: Path
) -> None:
    """Secrecy: tokens never appear in ansible-runner events. A T0 debug task naming the survey variable would put
    it in a runner_on_ok event, which AWX stores as a job event that anyone who can read the job sees."""
    leaky = SITE.replace(
        "  tasks:\n",
        "  tasks:\n    - name: Show the answer\n      ansible.builtin.debug:\n        var: praxis_approval\n",
    )
    job = AwxJob(lab, ssh_target, tmp_path / "awx" / "job", canary, leaky)
    job.launch("1", job_type="check")
    request = json.loads(lab.run("praxis-gate", ["approvals", "list", "--json"]).stdout)[0]["request"]
    token = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"]).stdout.strip()
    run = job.launch("2", job_type="run", survey={"praxis_approval": token})
    _assert_secret(token, job, "2", run)
