# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inside a drift run: a job only ever tightens the gate (readonly for scans, re-checks and approval requests;
readonly for everything but the targets in an apply, which need a human for every changing tier), and the spool
holds digests and redacted summaries, never a diff or an output.

These drive the real gate (Gate.decide with the drift run's settings and seams) on a private state directory and
store; only the Ansible side is left out (the integration tests cover it)."""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError, StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Mode, TaskRequest, Tier, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import GateSettings, load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.job import (
    DriftJob,
    JobKind,
    Target,
    relative_task_path,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.ledger import ensure_digest_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.observe import DriftRun
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store

ROOT = "/srv/project"
TARGET = Target("web1", "site.yml:12")
SECRET = "Sw0rdfish-0123456789"
BODY = "BODY-MARKER-7f3a"


def _settings(tmp_path: Path, *, mode: str = "guarded", job: str = "") -> GateSettings:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": mode, "HOME": str(tmp_path),
           "PRAXIS_DRIFT_JOB": job, "PRAXIS_APPROVERS": str(tmp_path / "approvers")}  # fmt: skip
    return load_settings(env, cfg=False)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    settings = _settings(tmp_path)
    with open_store(settings) as store:
        ensure_digest_key(store, actor="test")
    return tmp_path


def _run(tmp_path: Path, kind: JobKind, *, mode: str = "guarded", targets: tuple[Target, ...] = (TARGET,)
         ) -> tuple[DriftRun, Gate, DriftJob]:  # fmt: skip
    job = DriftJob.new(kind, root=Path(ROOT), targets=targets)
    job.write(tmp_path / "state")
    settings = _settings(tmp_path, mode=mode, job=job.job_id)
    drift = DriftRun.from_settings(settings)
    assert drift is not None
    settings = drift.settings(settings)
    gate = Gate(settings=settings, ruleset=load_ruleset(None), audit=AuditLog(settings.audit_path),
                seams=drift.seams(settings))  # fmt: skip
    drift.started(gate.run_id, gate.mode)
    return drift, gate, job


def _copy(*, host: str = "web1", line: int = 12, check: bool, run_id: str = "r" * 32) -> TaskRequest:
    return TaskRequest(action="ansible.builtin.copy", args={"dest": "/srv/app/banner", "content": "hello\n"},
                       host=host, check_mode=check, task_path=f"{ROOT}/site.yml:{line}", task_name="banner",
                       run_id=run_id, principal="ops@ctl")  # fmt: skip


# ------------------------------------------------------------------------------------------------ the ceiling
@pytest.mark.parametrize("kind", list(JobKind))
@pytest.mark.parametrize("mode", ["open", "guarded", "readonly"])
def test_a_job_only_ever_tightens_the_mode(state: Path, kind: JobKind, mode: str) -> None:
    _unused1, gate, _unused2 = _run(state, kind, mode=mode, targets=() if kind is JobKind.SCAN else (TARGET,))
    expected = Mode(mode) if kind is JobKind.APPLY else Mode.READONLY
    assert gate.mode is expected
    assert gate.mode.ceiling <= Mode(mode).ceiling


@pytest.mark.parametrize("kind", [JobKind.SCAN, JobKind.VERIFY, JobKind.REQUEST])
def test_scans_run_dry_runs_and_reads_and_refuse_everything_that_would_execute(state: Path, kind: JobKind) -> None:
    _unused1, gate, _unused2 = _run(state, kind, mode="open", targets=() if kind is JobKind.SCAN else (TARGET,))
    assert gate.decide(_copy(check=True)).verdict is Verdict.ALLOWED  # a dry run
    stat = TaskRequest(action="ansible.builtin.stat", args={"path": "/etc"}, host="web1", check_mode=False)
    assert gate.decide(stat).verdict is Verdict.ALLOWED  # a T0 read
    # (raw runs under --check whatever check_mode says; a command that only reads, such as id, is a read, issue 16)
    raw = TaskRequest(action="ansible.builtin.raw", args={"_raw_params": "touch /tmp/x"}, host="web1", check_mode=True)
    for request in (_copy(check=False), _copy(check=False, line=99), raw):
        decision = gate.decide(request)
        assert decision.verdict is Verdict.REFUSED and decision.rule == "mode.ceiling", decision


def test_an_apply_holds_everything_but_its_targets_to_readonly_and_asks_for_them(state: Path) -> None:
    _unused1, gate, _unused2 = _run(state, JobKind.APPLY, mode="open")
    other_host, other_task = _copy(check=False, host="web2"), _copy(check=False, line=13)
    for request in (other_host, other_task):
        decision = gate.decide(request)
        assert decision.verdict is Verdict.REFUSED and decision.rule == "drift.not-a-target", decision
    assert gate.decide(_copy(check=True, line=13)).verdict is Verdict.ALLOWED  # other tasks stay dry runs
    target = gate.decide(_copy(check=False))
    # T1 is allowed without approval in an ordinary run; a convergence target needs a human whatever its tier
    assert target.verdict is Verdict.APPROVAL_REQUIRED and target.tier is Tier.T1, target
    with open_store(gate.settings) as store:
        (pending,) = store.list_approval_requests()
        (item,) = store.approval_items(pending.request_id)
    assert (item.action, item.target, item.tier) == ("ansible.builtin.copy", "web1", "T1")


def test_an_approval_request_records_the_targets_dry_run_with_its_summary_only(state: Path) -> None:
    _unused1, gate, _unused2 = _run(state, JobKind.REQUEST)
    decision = gate.decide(_copy(check=True))
    assert decision.verdict is Verdict.ALLOWED and decision.dry_run
    diff = [{"before": f"# {BODY}\npassword={SECRET}\n", "after": f"# {BODY}\npassword=other-{SECRET}\n",
             "before_header": "/srv/app/banner"}]  # fmt: skip
    gate.record_outcome(decision, status="changed", diff=diff, host="web1", action="ansible.builtin.copy")
    assert gate.decide(_copy(check=True, line=13)).allowed  # not a target: no approval item for it
    gate.record_outcome(gate.decide(_copy(check=True, line=13)), status="changed", diff=diff, host="web1")
    with open_store(gate.settings) as store:
        (pending,) = store.list_approval_requests()
        (item,) = store.approval_items(pending.request_id)
        body = store.approval_body(item.item_id)
    assert body is not None and not body.purged and body.sha256 == item.body_sha256
    text = json.dumps([item.payload, body.body])
    assert body.body["diff"]["drift_summary"][0]["lines"] == ["- password=<redacted>", "+ password=<redacted>"]
    assert SECRET not in text and BODY not in text
    refused = gate.decide(_copy(check=False))
    assert refused.verdict is Verdict.REFUSED  # an approval request is raised from a dry run only


# ------------------------------------------------------------------------------------------------ the spool
def test_observations_hold_digests_and_redacted_summaries_never_a_diff(state: Path) -> None:
    drift, gate, job = _run(state, JobKind.SCAN, targets=())
    diff = [{"before": f"{BODY}\nPort 2222\npassword={SECRET}\n", "after": f"{BODY}\nPort 22\npassword=x{SECRET}\n",
             "before_header": "/etc/ssh/sshd_config"}]  # fmt: skip
    changed = gate.decide(_copy(check=True))
    drift.observe(_copy(check=True), changed, status="changed", diff=diff)
    refused_request = _copy(check=False)
    drift.observe(refused_request, gate.decide(refused_request), status="not-run", diff=None)
    drift.observe(_copy(check=True), changed, status="skipped", diff=None, message=f"skipped: token={SECRET}\nmore")
    records = list(job.read(state / "state"))
    assert [r["type"] for r in records] == ["armed", "execution", "execution", "execution"]
    armed, observed, refused, skipped = records
    assert armed["run_id"] == gate.run_id and armed["mode"] == "readonly"
    assert observed["task_path"] == "site.yml:12" and observed["status"] == "changed" and len(observed["digest"]) == 64
    assert observed["summary"][0]["lines"] == [
        "- Port 2222",
        "- password=<redacted>",
        "+ Port 22",
        "+ password=<redacted>",
    ]
    assert refused["verdict"] == "refused" and "readonly mode ceiling" in refused["reason"] and "digest" not in refused
    assert skipped["message"] == "skipped: token=<redacted>"
    spool = job.spool(state / "state").read_text()
    assert SECRET not in spool and BODY not in spool and "sshd_config" in spool


def test_an_observation_that_cannot_be_written_does_not_raise(state: Path) -> None:
    drift, gate, job = _run(state, JobKind.SCAN, targets=())
    job.spool(state / "state").unlink()
    os.mkdir(job.spool(state / "state"))  # not a regular file: the write fails
    drift.observe(_copy(check=True), gate.decide(_copy(check=True)), status="ok", diff=None)


def _append_many(state_dir: str, job_id: str, worker: int) -> None:
    job = DriftJob(job_id, JobKind.SCAN, ROOT)
    for index in range(200):
        job.append(Path(state_dir), {"type": "execution", "worker": worker, "index": index, "pad": "x" * 3000})


def test_concurrent_workers_never_interleave_spool_lines(tmp_path: Path) -> None:
    job = DriftJob.new(JobKind.SCAN, root=Path(ROOT))
    job.write(tmp_path)
    fork = multiprocessing.get_context("fork")
    workers = [fork.Process(target=_append_many, args=(str(tmp_path), job.job_id, w)) for w in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = list(job.read(tmp_path))
    assert len(records) == 1200 and all(r["type"] == "execution" for r in records)
    assert {(r["worker"], r["index"]) for r in records} == {(w, i) for w in range(6) for i in range(200)}
    job.remove(tmp_path)
    assert not job.path(tmp_path).exists() and not job.spool(tmp_path).exists()


# ------------------------------------------------------------------------------------------------ the hand-off
def test_a_run_naming_a_job_that_is_missing_or_malformed_refuses_to_arm(state: Path) -> None:
    missing = _settings(state, job="0" * 32)
    with pytest.raises(StateError, match="job file"):
        DriftRun.from_settings(missing)
    job = DriftJob.new(JobKind.VERIFY, root=Path(ROOT), targets=(TARGET,))
    job.write(state / "state")
    for damage in ("not json", json.dumps({"job": "f" * 32, "kind": "scan", "root": ROOT}),
                   json.dumps({"job": job.job_id, "kind": "explode", "root": ROOT}),
                   json.dumps({"job": job.job_id, "kind": "apply", "root": ROOT, "targets": []})):  # fmt: skip
        job.path(state / "state").write_text(damage)
        with pytest.raises(StateError):
            DriftRun.from_settings(_settings(state, job=job.job_id))
    job.path(state / "state").unlink()
    os.symlink(state / "elsewhere.json", job.path(state / "state"))
    with pytest.raises(StateError):
        DriftRun.from_settings(_settings(state, job=job.job_id))
    assert DriftRun.from_settings(_settings(state)) is None


@pytest.mark.parametrize("value", ["../../etc/passwd", "A" * 32, "0" * 31, "0" * 33, "x", "0" * 32 + "\n1"])
def test_only_a_job_id_is_accepted_from_the_environment(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="PRAXIS_DRIFT_JOB"):
        _settings(tmp_path, job=value)


def test_a_store_without_the_digest_key_refuses(tmp_path: Path) -> None:
    job = DriftJob.new(JobKind.SCAN, root=Path(ROOT))
    job.write(tmp_path / "state")
    with pytest.raises(StateError, match="digest key"):
        DriftRun.from_settings(_settings(tmp_path, job=job.job_id))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"{ROOT}/site.yml:12", "site.yml:12"),
        (f"{ROOT}/roles/web/tasks/main.yml:3", "roles/web/tasks/main.yml:3"),
        (f"{ROOT}/../elsewhere/x.yml:3", "/srv/elsewhere/x.yml:3"),
        ("/usr/lib/python3/site-packages/ansible_collections/acme/web/roles/r/tasks/main.yml:9",
         "collection:acme/web/roles/r/tasks/main.yml:9"),
        ("", ""),
        (f"{ROOT}/site.yml", "site.yml"),
    ],
)  # fmt: skip
def test_task_paths_are_named_relative_to_the_baseline(raw: str, expected: str) -> None:
    assert relative_task_path(raw, ROOT) == expected


def test_the_drift_scan_action_is_a_read_in_every_mode(tmp_path: Path) -> None:
    request = TaskRequest(action="praxis.gatekeeper.drift_scan", connection="local", host="localhost",
                          args={"playbook": "/srv/project/site.yml", "inventory": ["/srv/inventory"]})  # fmt: skip
    for mode in Mode:
        gate = Gate(settings=_settings(tmp_path, mode=mode.value), ruleset=load_ruleset(None),
                    audit=AuditLog(tmp_path / "state" / "audit.jsonl"), seams=())  # fmt: skip
        decision = gate.explain(request)
        assert decision.verdict is Verdict.ALLOWED and decision.tier is Tier.T0, (mode, decision)
    dry = gate.explain(replace(request, check_mode=True))
    assert dry.allowed
