# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift under real runs (SEC-6): check-mode scans of a baseline against real sshd hosts with drift introduced,
convergence through a real operator approval, and every refusal the lifecycle promises.

The fleet is two inventory hosts on the session's sshd (this machine), each managing its own temporary directory
(``drift_root``), so a change to one host is visible as exactly that. Drift is introduced by hand between runs: a
changed configuration line, a changed secret line, a file mode, a missing file, and a stopped service (the host's
``ssh`` init script with a ``pattern`` that matches a process the test starts for the host that should be running).
Every scan and re-check is proved to change nothing by a snapshot of both hosts (content, mode and mtime of every
file), and no secret or output body may reach the scan's output, the store, the audit log or the report.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import token_ref
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.model import convergence_schema
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset

from tests.browser import Dom, chromium

from .harness import AnsibleLab, RunResult, SshTarget

HOSTS = ("host1", "host2")
SSH_INIT_SCRIPT = Path("/etc/init.d/ssh")

BASELINE = """\
    - name: Baseline of the drift tests
      hosts: all
      gather_facts: false
      tasks:
        - name: Read the site notes
          ansible.builtin.slurp:
            src: "{{ drift_root }}/notes.txt"
          register: notes
        - name: sshd listens on port 22
          ansible.builtin.lineinfile:
            path: "{{ drift_root }}/sshd_config"
            regexp: "^Port "
            line: "Port 22"
        - name: the database password is the managed one
          ansible.builtin.lineinfile:
            path: "{{ drift_root }}/app.conf"
            regexp: "^password="
            line: "password={{ db_password }}"
        - name: motd is world-readable
          ansible.builtin.file:
            path: "{{ drift_root }}/motd"
            mode: "0644"
        - name: the banner exists
          ansible.builtin.copy:
            dest: "{{ drift_root }}/banner"
            content: "{{ banner_text }}\\n"
            mode: "0644"
        - name: the sshd service runs
          ansible.builtin.service:
            name: ssh
            pattern: "{{ drift_service }}"
            state: started
        - name: record the last run
          ansible.builtin.copy:
            dest: "{{ drift_root }}/canary"
            content: "ran\\n"
          check_mode: false
    """


def _service_is_a_dry_run() -> bool:
    """Whether the gate counts the service check as a check-mode dry run (drift) or not (unscannable): the tests
    follow the gate's own classification, never a list of their own."""
    request = TaskRequest(action="ansible.builtin.service", args={"name": "ssh", "pattern": "x", "state": "started"},
                          host="host1", check_mode=True)  # fmt: skip
    return evaluate(request, ruleset=load_ruleset(None)).dry_run


@dataclass
class Fleet:
    lab: AnsibleLab
    roots: dict[str, Path]
    project: Path
    secret: str
    old_secret: str
    markers: tuple[str, ...]
    extra_vars: Path = Path()
    services: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)

    @property
    def playbook(self) -> Path:
        return self.project / "site.yml"

    # ------------------------------------------------------------------------------------------- the hosts
    def make_clean(self, host: str) -> None:
        root = self.roots[host]
        (root / "notes.txt").write_text(f"{self.markers[0]} site notes\n")
        (root / "sshd_config").write_text(f"# managed\nPort 22\nPermitRootLogin no\n# {self.markers[1]}\n")
        (root / "app.conf").write_text(f"name=app\npassword={self.secret}\n# {self.markers[2]}\n")
        (root / "motd").write_text("hello\n")
        (root / "banner").write_text("authorised use only\n")
        for name in ("motd", "banner"):
            os.chmod(root / name, 0o644)
        self.start_service(host)

    def drift(self, host: str) -> None:
        """Every kind of drift at once: a config line, a secret line, a mode, a missing file, a stopped service."""
        root = self.roots[host]
        _replace(root / "sshd_config", "Port 22\n", "Port 2222\n")
        _replace(root / "app.conf", f"password={self.secret}\n", f"password={self.old_secret}\n")
        os.chmod(root / "motd", 0o600)
        (root / "banner").unlink()
        self.stop_service(host)

    def start_service(self, host: str) -> None:
        if host not in self.services:
            self.services[host] = subprocess.Popen([self.patterns[host], "600"], executable="/bin/sleep")

    def stop_service(self, host: str) -> None:
        process = self.services.pop(host, None)
        if process is not None:
            process.terminate()
            process.wait(timeout=10)

    def snapshot(self) -> dict[str, tuple[bytes, int, int]]:
        """Every file of every host: content, mode, mtime."""
        state = {}
        for host, root in self.roots.items():
            for path in sorted(root.rglob("*")):
                info = path.lstat()
                state[f"{host}/{path.relative_to(root)}"] = (path.read_bytes(), info.st_mode, info.st_mtime_ns)
        return state

    # ------------------------------------------------------------------------------------------- the commands
    def gate(self, *args: str, env: dict[str, str] | None = None) -> RunResult:
        return self.lab.run("praxis-gate", list(args), env=env, timeout=900)

    @property
    def extra(self) -> tuple[str, ...]:
        """The baseline's extra vars, as the scan and every converge give them (their digest is the baseline's)."""
        return ("-e", f"@{self.extra_vars}")

    def scan(self, *args: str) -> tuple[RunResult, dict[str, Any]]:
        result = self.gate("drift", "scan", "-i", str(self.lab.inventory), str(self.playbook), "--json", *self.extra,
                           *args)  # fmt: skip
        assert result.rc in (0, 2), result.output
        return result, json.loads(result.stdout)

    def converge(self, *args: str, env: dict[str, str] | None = None) -> RunResult:
        return self.gate("drift", "converge", *args, *self.extra, env=env)

    def show(self, request: str) -> dict[str, Any]:
        result = self.gate("drift", "show", request, "--json")
        assert result.rc == 0, result.output
        shown: dict[str, Any] = json.loads(result.stdout)
        return shown

    def approve(self, plan: str) -> str:
        result = self.gate("approvals", "approve", plan, "--as", "alice")
        assert result.rc == 0, result.output
        return result.stdout.strip()

    def approval(self, plan: str) -> dict[str, Any]:
        result = self.gate("approvals", "show", plan, "--json")
        assert result.rc == 0, result.output
        detail: dict[str, Any] = json.loads(result.stdout)
        return detail

    def evidence(self) -> bytes:
        """Everything the gate keeps: the store (with its WAL) and the audit log."""
        state = self.lab.state_dir
        return b"".join(p.read_bytes() for p in sorted(state.rglob("*")) if p.is_file())


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


@pytest.fixture
def fleet(tmp_path: Path, ssh_target: SshTarget) -> Iterator[Fleet]:
    assert SSH_INIT_SCRIPT.is_file(), "the service case needs the host's ssh init script (openssh-server)"
    lab = AnsibleLab(root=tmp_path / "lab", targets=dict.fromkeys(HOSTS, ssh_target))
    tag = secrets.token_hex(6)
    roots = {host: tmp_path / "hosts" / host for host in HOSTS}
    patterns = {host: f"praxis-drift-svc-{tag}-{host}" for host in HOSTS}
    secret, old_secret = f"Sw0rdfish-{tag}", f"0ldSecret-{tag}"
    lines = lab.inventory.read_text().splitlines()
    lines = [
        line + (f" drift_root={roots[line.split()[0]]} drift_service={patterns[line.split()[0]]} db_password={secret}"
                if line.split() and line.split()[0] in roots else "")
        for line in lines
    ]  # fmt: skip
    lab.inventory.write_text("\n".join(lines) + "\n")
    lab.env_overrides.update(
        PRAXIS_OPERATOR_DIR=str(lab.config_dir / "operators"), PRAXIS_APPROVERS=str(lab.config_dir / "approvers")
    )
    assert lab.run("praxis-gate", ["operator", "init", "--name", "alice", "--no-passphrase"]).rc == 0
    project = tmp_path / "project"
    project.mkdir()
    (project / "site.yml").write_text(textwrap.dedent(BASELINE))
    markers = tuple(f"{kind}-{tag}" for kind in ("BODY", "CONTEXT", "APPCTX"))
    extra_vars = tmp_path / "extra-vars.yml"
    extra_vars.write_text("banner_text: authorised use only\n")
    fleet = Fleet(lab, roots, project, secret, old_secret, markers, extra_vars=extra_vars, patterns=patterns)
    for root in roots.values():
        root.mkdir(parents=True)
    try:
        for host in HOSTS:
            fleet.make_clean(host)
        yield fleet
    finally:
        for host in list(fleet.services):
            fleet.stop_service(host)
        shutil.rmtree(lab.control_dir, ignore_errors=True)


def _by_task(requests: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["host"], r["task"]["name"]): r for r in requests}


def _drifted_tasks() -> set[str]:
    tasks = {"sshd listens on port 22", "the database password is the managed one", "motd is world-readable",
             "the banner exists"}  # fmt: skip
    return tasks | ({"the sshd service runs"} if _service_is_a_dry_run() else set())


def _assert_nothing_kept(fleet: Fleet, *texts: str) -> None:
    """No secret and no output body in the scan's output, the store or the audit log."""
    evidence = fleet.evidence()
    for needle in (fleet.secret, fleet.old_secret, *fleet.markers):
        for where, text in (("the store or the audit log", evidence), *((f"output {i}", t.encode())
                                                                        for i, t in enumerate(texts))):  # fmt: skip
            assert needle.encode() not in text, f"{needle} reached {where}"


# --------------------------------------------------------------------------------------------------------- scan
def test_a_scan_emits_requests_changes_nothing_and_reports_what_it_cannot_check(fleet: Fleet) -> None:
    fleet.drift("host1")
    before = fleet.snapshot()
    result, scan = fleet.scan()
    assert result.rc == 2 and scan["exit_code"] == 2, result.output
    assert fleet.snapshot() == before, "a scan changed a host"
    assert not any((root / "canary").exists() for root in fleet.roots.values())

    requests = _by_task(scan["requests"])
    assert {task for host, task in requests if host == "host1"} == _drifted_tasks(), sorted(requests)
    assert {host for host, _unused in requests} == {"host1"}, "the clean host has no drift"
    validator = jsonschema.Draft202012Validator(convergence_schema(), format_checker=jsonschema.FormatChecker())
    for request in scan["requests"]:
        validator.validate(request)
        assert request["state"] == "proposed" and request["baseline"]["digest"] == scan["baseline"]["digest"]
        assert request["task"]["path"].startswith("site.yml:"), request["task"]
        assert request["tier"] == "T1" or request["action"] == "ansible.builtin.service"

    def lines(task: str) -> list[str]:
        return [line for change in requests[("host1", task)]["diff"]["summary"] for line in change.get("lines", [])]

    assert lines("sshd listens on port 22") == ["- Port 2222", "+ Port 22"]
    assert lines("the database password is the managed one") == ["- password=<redacted>", "+ password=<redacted>"]
    motd = requests[("host1", "motd is world-readable")]["diff"]["summary"]
    assert motd[0]["attributes"] == {"mode": ["0600", "0644"]} and motd[0]["path"].endswith("/host1/motd")
    banner = requests[("host1", "the banner exists")]["diff"]["summary"][0]
    assert banner["note"] == "would be created" and banner["path"].endswith("/host1/banner")

    unscannable = {(u["host"], u["task"]): u["reason"] for u in scan["unscannable"]}
    for host in HOSTS:
        assert "not a check-mode dry run" in unscannable[(host, "record the last run")], unscannable
    if not _service_is_a_dry_run():
        assert ("host1", "the sshd service runs") in unscannable
    assert scan["counts"]["drift"] == len(_drifted_tasks()) and scan["errors"] == []

    listed = fleet.gate("drift", "list")
    assert listed.rc == 0 and listed.stdout.count("proposed") == len(_drifted_tasks()), listed.output
    _assert_nothing_kept(fleet, result.output, listed.output)

    # a clean fleet (here: the clean host alone) exits 0 and leaves the other host's requests alone
    clean, data = fleet.scan("--limit", "host2")
    assert clean.rc == 0 and data["requests"] == [] and data["hosts"] == ["host2"], clean.output
    still = json.loads(fleet.gate("drift", "list", "--json").stdout)
    assert {r["id"] for r in still} == {r["id"] for r in scan["requests"]}
    assert fleet.snapshot() == before


# --------------------------------------------------------------------------------------------------------- converge
@pytest.mark.one_version
def test_converge_fixes_exactly_the_approved_item_on_exactly_that_host(fleet: Fleet, tmp_path: Path) -> None:
    fleet.drift("host1")
    (fleet.roots["host2"] / "banner").unlink()  # the same drift on the other host, which must stay
    _unused, scan = fleet.scan()
    requests = _by_task(scan["requests"])
    banner1 = requests[("host1", "the banner exists")]["id"]
    assert ("host2", "the banner exists") in requests

    # 1. converge without a token: re-checked, an approval request raised, nothing changed
    before = fleet.snapshot()
    asked = fleet.converge(banner1)
    assert asked.rc == 3, asked.output
    plan = fleet.show(banner1)["approval_request"]
    assert plan and plan.startswith("req-") and fleet.show(banner1)["state"] == "approval-requested"
    assert f"praxis-gate approvals approve {plan}" in asked.stdout and f"drift converge {banner1}" in asked.stdout
    assert fleet.snapshot() == before
    items = fleet.approval(plan)["items"]
    assert [(i["action"], i["target"], i["tier"], i["state"]) for i in items] == [
        ("ansible.builtin.copy", "host1", "T1", "pending")]  # fmt: skip
    assert items[0]["diff"]["drift_summary"][0]["note"] == "would be created"

    # 2. the operator approves; converge with the token applies exactly that task on exactly that host
    token = fleet.approve(plan)
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    applied = fleet.converge(banner1, "--approval-file", str(token_file))
    assert applied.rc == 0, applied.output
    after = fleet.snapshot()
    changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    assert changed == {"host1/banner"}, changed
    assert (fleet.roots["host1"] / "banner").read_text() == "authorised use only\n"
    assert not (fleet.roots["host2"] / "banner").exists()
    shown = fleet.show(banner1)
    assert shown["state"] == "applied" and shown["outcome"]["status"] == "changed"
    assert shown["outcome"]["approval_refs"] == [token_ref(token)]
    assert [v["state"] for v in shown["history"]] == ["proposed", "approval-requested", "applied"]
    assert token not in applied.output and token.encode() not in fleet.evidence()

    # 3. the same request again: it is applied, refused before anything runs
    again = fleet.converge(banner1, env={"PRAXIS_APPROVAL": token})
    assert again.rc == 1 and "is applied" in again.stdout, again.output

    # 4. the drift comes back; a rescan makes new requests, and the spent token converges none of them
    (fleet.roots["host1"] / "banner").unlink()
    _unused, rescan = fleet.scan()
    fresh = _by_task(rescan["requests"])
    plan_ids = [fresh[("host1", "the banner exists")]["id"], fresh[("host1", "motd is world-readable")]["id"],
                fresh[("host2", "the banner exists")]["id"]]  # fmt: skip
    before = fleet.snapshot()
    reused = fleet.converge(*plan_ids, env={"PRAXIS_APPROVAL": token})
    assert reused.rc == 3, reused.output
    assert "already used" in reused.stdout, reused.output
    assert fleet.snapshot() == before, "a spent token changed a host"
    # The task the token already changed (host1's banner, the same binding) is the approvals stage's lost approval:
    # it records no item and names the used request, so that request joins no plan and names none. The two tasks
    # the token never covered are asked for under one new plan that holds exactly them: no request names a plan
    # that does not cover it.
    spent = fleet.show(plan_ids[0])
    assert spent["state"] == "proposed" and spent["approval_request"] is None, spent
    assert "already used" in spent["state_reason"] and "without the used approval" in spent["state_reason"], spent
    partial = {fleet.show(i)["approval_request"] for i in plan_ids[1:]}
    assert len(partial) == 1 and plan not in partial and None not in partial, partial
    (partial_plan,) = partial
    assert all(fleet.show(i)["state"] == "approval-requested" for i in plan_ids[1:])
    assert sorted(i["target"] for i in fleet.approval(partial_plan)["items"]) == ["host1", "host2"]
    assert f"drift converge {' '.join(plan_ids[1:])}   (or --approval-file" in reused.stdout, reused.output
    assert f"next: praxis-gate drift converge {' '.join(plan_ids)}   (without the used approval" in reused.stdout

    # the documented retry: converge again without the used approval; one new plan asks for all three, and the
    # partial plan's items give way to it (one pending request per task)
    retried = fleet.converge(*plan_ids)
    assert retried.rc == 3, retried.output
    assert fleet.snapshot() == before, "an approval request changed a host"
    new_plan = {fleet.show(i)["approval_request"] for i in plan_ids}
    assert len(new_plan) == 1 and not new_plan & {plan, partial_plan, None}, new_plan
    assert {i["state"] for i in fleet.approval(partial_plan)["items"]} == {f"superseded by {min(new_plan)}"}

    # 5. several requests converge as one approved plan, across hosts; the unapproved drift stays
    (new_plan_id,) = new_plan
    assert sorted(i["target"] for i in fleet.approval(new_plan_id)["items"]) == ["host1", "host1", "host2"]
    second = fleet.approve(new_plan_id)
    done = fleet.converge(*plan_ids, env={"PRAXIS_APPROVAL": second})
    assert done.rc == 0, done.output
    after = fleet.snapshot()
    changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    assert changed == {"host1/banner", "host1/motd", "host2/banner"}, changed
    assert (fleet.roots["host1"] / "motd").stat().st_mode & 0o777 == 0o644
    assert "Port 2222" in (fleet.roots["host1"] / "sshd_config").read_text()
    assert fleet.old_secret in (fleet.roots["host1"] / "app.conf").read_text()
    assert all(fleet.show(i)["state"] == "applied" for i in plan_ids)
    assert not any((root / "canary").exists() for root in fleet.roots.values())
    _assert_nothing_kept(fleet, asked.output, applied.output, reused.output, retried.output, done.output)


@pytest.mark.one_version
def test_rescan_supersedes_and_marks_gone_and_converge_refuses_stale_requests(fleet: Fleet) -> None:
    fleet.drift("host1")
    _unused, first = fleet.scan()
    old = _by_task(first["requests"])
    port, mode, banner = (old[("host1", t)] for t in ("sshd listens on port 22", "motd is world-readable",
                                                      "the banner exists"))  # fmt: skip

    # a rescan: the mode was fixed by hand (gone), the port drifted differently (superseded by a new drift), the
    # banner is still missing (superseded by the same drift: "since when" carries over)
    os.chmod(fleet.roots["host1"] / "motd", 0o644)
    _replace(fleet.roots["host1"] / "sshd_config", "Port 2222\n", "Port 3333\n")
    _unused, second = fleet.scan()
    assert mode["id"] in second["gone"] and fleet.show(mode["id"])["state"] == "gone"
    new = _by_task(second["requests"])
    assert ("host1", "motd is world-readable") not in new
    port2, banner2 = new[("host1", "sshd listens on port 22")], new[("host1", "the banner exists")]
    assert {port["id"], banner["id"]} <= set(second["superseded"])
    assert fleet.show(port["id"])["superseded_by"] == port2["id"] and "a different drift" in fleet.show(port["id"])[
        "state_reason"]  # fmt: skip
    assert port2["diff"]["digest"] != port["diff"]["digest"] and port2["first_observed_at"] == port2["observed_at"]
    assert banner2["diff"]["digest"] == banner["diff"]["digest"]
    assert banner2["first_observed_at"] == banner["first_observed_at"] != banner2["observed_at"]

    # a superseded request is refused before anything runs
    refused = fleet.converge(port["id"])
    assert refused.rc == 1 and "is superseded" in refused.stdout, refused.output

    # drift that went away: the re-check finds the task clean, the request is refused and marked gone
    (fleet.roots["host1"] / "banner").write_text("authorised use only\n")
    os.chmod(fleet.roots["host1"] / "banner", 0o644)
    before = fleet.snapshot()
    gone = fleet.converge(banner2["id"])
    assert gone.rc == 1 and "the drift is gone" in gone.stdout, gone.output
    assert fleet.show(banner2["id"])["state"] == "gone"

    # the scan's extra vars are part of the baseline: a converge without them is refused before anything runs
    without = fleet.gate("drift", "converge", port2["id"])
    assert without.rc == 1 and "give converge the scan's -e again" in without.stdout, without.output

    # a changed baseline: refused before anything runs; the same content again is the same baseline
    original = fleet.playbook.read_text()
    fleet.playbook.write_text(original + "# a later commit\n")
    changed = fleet.converge(port2["id"])
    assert changed.rc == 1 and "the baseline changed" in changed.stdout, changed.output
    assert fleet.show(port2["id"])["state"] == "proposed"
    fleet.playbook.write_text(original)

    # an expired request: refused, and recorded as expired
    _unused, third = fleet.scan("--ttl", "1s")
    short = _by_task(third["requests"])[("host1", "sshd listens on port 22")]
    time.sleep(1.5)
    expired = fleet.converge(short["id"])
    assert expired.rc == 1 and "expired" in expired.stdout, expired.output
    assert fleet.show(short["id"])["state"] == "expired"
    listed = json.loads(fleet.gate("drift", "list", "--state", "expired", "--json").stdout)
    assert short["id"] in {r["id"] for r in listed}
    assert fleet.snapshot() == before, "a refused converge changed a host"
    assert "Port 3333" in (fleet.roots["host1"] / "sshd_config").read_text()


# --------------------------------------------------------------------------------------------------------- report
@pytest.mark.one_version
def test_the_report_renders_in_headless_chromium_and_holds_no_body_or_secret(fleet: Fleet, tmp_path: Path) -> None:
    hostile_host = 'h"><img src=x onerror=alert(1)>&amp;<script>alert(2)</script>'
    hostile_task = "<img src=x onerror=alert(3)> the banner exists"
    inventory = tmp_path / "hostile.yml"
    host_vars = fleet.lab.inventory.read_text().splitlines()[1].split(" ", 1)[1]  # host1's connection and vars
    pairs = dict(pair.split("=", 1) for pair in host_vars.split())
    inventory.write_text(json.dumps({"all": {"hosts": {hostile_host: pairs}}}))
    fleet.playbook.write_text(
        fleet.playbook.read_text().replace("name: the banner exists", f"name: {json.dumps(hostile_task)}")
    )
    fleet.drift("host1")
    result = fleet.gate("drift", "scan", "-i", str(inventory), str(fleet.playbook), *fleet.extra)
    assert result.rc == 2, result.output
    page = tmp_path / "report.html"
    written = fleet.gate("drift", "report", "-o", str(page))
    assert written.rc == 0, written.output
    html = page.read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    for needle in (fleet.secret, fleet.old_secret, *fleet.markers, hostile_host, hostile_task):
        assert needle not in html, f"{needle!r} is in the page unescaped (or at all)"

    dumped = chromium("--dump-dom", page=page, profile=tmp_path / "profile1")
    assert dumped.returncode == 0 and "<table" in dumped.stdout, dumped.stderr[-2000:]
    dom = Dom(dumped.stdout)
    assert dom.problems() == [], "the page would run code or fetch something"
    text = dom.all_text
    assert hostile_host in text and hostile_task in text, "hostile names are shown as text"
    assert "Hosts by tasks" in text and "Convergence requests" in text and "What differs" in text
    assert "- Port 2222" in text and "password=<redacted>" in text and "mode" in text
    for needle in (fleet.secret, fleet.old_secret, *fleet.markers):
        assert needle not in text

    shot = tmp_path / "report.png"
    shown = chromium(f"--screenshot={shot}", "--window-size=1400,1600", page=page, profile=tmp_path / "profile2")
    assert shown.returncode == 0 and shot.is_file() and shot.stat().st_size > 20_000, shown.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------------------------------------- AWX
@pytest.mark.one_version  # the role around the scan; the scan test covers the glue in both legs
def test_the_drift_scan_role_runs_a_scheduled_scan_and_fails_the_job_on_drift(fleet: Fleet) -> None:
    fleet.drift("host1")
    before = fleet.snapshot()
    schedule = f"""\
        - name: Nightly drift scan
          hosts: localhost
          gather_facts: false
          roles:
            - role: praxis.gatekeeper.drift_scan
              drift_scan_playbook: {fleet.playbook}
              drift_scan_extra_vars: ["@{fleet.extra_vars}"]
        """
    run = fleet.lab.playbook(schedule, name="drift.yml")
    assert run.rc != 0, run.output  # fail_on_drift (the default) fails the scheduled job
    assert "drifted task(s) in scan scan-" in run.output, run.output
    allowed = run.decisions(action="praxis.gatekeeper.drift_scan")
    assert allowed and allowed[0]["decision"] == "allowed" and allowed[0]["tier"] == "T0", run.records[:5]
    assert fleet.snapshot() == before
    listed = json.loads(fleet.gate("drift", "list", "--json").stdout)
    assert {(r["host"], r["task"]) for r in listed} == {("host1", t) for t in _drifted_tasks()}
    for kind, name in (("role", "praxis.gatekeeper.drift_scan"), ("module", "praxis.gatekeeper.drift_scan")):
        documented = fleet.lab.run("ansible-doc", ["-t", kind, name])
        assert documented.rc == 0 and "drift" in documented.stdout, documented.output
