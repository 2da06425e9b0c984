# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail end to end in one process: Merkle checkpoints, the anchor, the tamper matrix, proofs, orphans."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import merkle
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    read_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import (
    VerifyReport,
    build_proof,
    check_proof,
    verify_log,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Mode, TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.runs import RunJournal
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from hypothesis import given, settings
from hypothesis import strategies as st

CLI_MODULE = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main"

ROOT = Path(__file__).resolve().parents[5]
RECORD_SCHEMA = json.loads((ROOT / "docs" / "schema" / "audit-record.schema.json").read_text())


# ----------------------------------------------------------------------------------------------- RFC 6962
def test_rfc6962_known_values() -> None:
    assert merkle.CompactRange().root().hex() == hashlib.sha256(b"").hexdigest()
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    # domain separation: a leaf over the concatenation of two hashes is not their parent node
    a, b = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.node_hash(a, b) != merkle.leaf_hash(a + b)


@pytest.mark.parametrize("size", [*range(1, 40), 64, 65, 127, 128, 129])
def test_compact_range_matches_the_definition_and_proofs_verify(size: int) -> None:
    leaves = [merkle.leaf_hash(os.urandom(8)) for _repeat in range(size)]
    tree = merkle.CompactRange()
    for leaf in leaves:
        tree.append(leaf)
    assert tree.root() == merkle.root_of(leaves)
    restored = merkle.CompactRange.from_json(tree.size, tree.to_json())
    assert restored.root() == tree.root()
    for index in sorted({0, size // 2, size - 1}):
        proof = merkle.inclusion_proof(index, leaves)
        assert merkle.verify_inclusion(index, size, leaves[index], proof, tree.root())
        assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"other"), proof, tree.root())
        if proof:
            assert not merkle.verify_inclusion(index, size, leaves[index], proof[:-1], tree.root())


# ----------------------------------------------------------------------------------------------- helpers
def write_log(directory: Path, records: int, *, every: int = 10, final_checkpoint: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = AuditLog(directory / "audit.jsonl", fsync=False, checkpoint_every=every)
    for index in range(records):
        assert log.append({"event": "cli", "command": f"record-{index}"}), log.last_error
    if final_checkpoint:
        assert log.checkpoint(), log.last_error
    return directory / "audit.jsonl"


def verify(path: Path, *, anchor_from: Path | None = None) -> VerifyReport:
    public = path.with_name(PUBLIC_KEY_FILE)
    anchor_dir = anchor_from or path.parent
    return verify_log(
        path,
        public_key=load_public_key(public) if public.exists() else None,
        anchor=read_anchor(anchor_dir / "audit.anchor"),
    )


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


# ----------------------------------------------------------------------------------------------- checkpoints
def test_checkpoints_every_n_records_and_on_demand(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 25, every=10)
    records = [json.loads(line) for line in lines(path)]
    checkpoints = [r for r in records if r["event"] == "checkpoint"]
    # every 10th record is followed by a checkpoint covering every record before it; one more on demand
    assert [c["tree_size"] for c in checkpoints] == [10, 20, 27]
    assert checkpoints[0]["prev_checkpoint"] is None
    assert [c["prev_checkpoint"] for c in checkpoints[1:]] == [c["hash"] for c in checkpoints[:-1]]
    anchor = read_anchor(tmp_path / "state" / "audit.anchor")
    assert anchor is not None and anchor.checkpoint_hash == checkpoints[-1]["hash"]
    report = verify(path)
    assert report.ok, report.problem
    assert report.checkpoints == 3
    for record in records:
        jsonschema.validate(record, RECORD_SCHEMA)


def test_signing_key_is_private_and_the_public_half_is_published(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 3)
    key = path.with_name("audit-signing.key")
    assert key.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    assert b"PUBLIC KEY" in path.with_name(PUBLIC_KEY_FILE).read_bytes()
    assert path.with_name("audit.anchor").stat().st_mode & 0o777 == 0o600


def test_checkpoint_signed_by_another_key_fails(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 12)
    other = write_log(tmp_path / "other", 1)
    report = verify_log(path, public_key=load_public_key(other.with_name(PUBLIC_KEY_FILE)),
                        anchor=read_anchor(path.with_name("audit.anchor")))  # fmt: skip
    assert not report.ok and report.kind == "checkpoint mismatch"


# ----------------------------------------------------------------------------------------------- tamper matrix
def _edit_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    target = data.index(b"record-7")
    data[target + 7] = ord("8")
    path.write_bytes(bytes(data))


def _delete_record(path: Path) -> None:
    content = lines(path)
    del content[5]
    path.write_bytes(b"".join(content))


def _reorder_two(path: Path) -> None:
    content = lines(path)
    content[4], content[5] = content[5], content[4]
    path.write_bytes(b"".join(content))


def _truncate_tail(path: Path) -> None:
    content = lines(path)
    path.write_bytes(b"".join(content[:-3]))


def _truncate_mid_record(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])


def _shorter_valid_chain(path: Path) -> None:
    """A valid prefix of the real log, with its own checkpoints intact: only the anchor can tell."""
    content = lines(path)
    path.write_bytes(b"".join(content[:11]))  # records 1-10 plus the checkpoint at seq 11


def _splice(path: Path) -> None:
    other = write_log(path.parent.parent / "splice-source", 30)
    mine, theirs = lines(path), lines(other)
    path.write_bytes(b"".join(mine[:15] + theirs[15:]))


def _drop_anchor(path: Path) -> None:
    path.with_name("audit.anchor").unlink()


def _forge_checkpoint_root(path: Path) -> None:
    content = lines(path)
    for index, line in enumerate(content):
        record = json.loads(line)
        if record["event"] == "checkpoint":
            record["root"] = "0" * 64
            content[index] = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
            break
    path.write_bytes(b"".join(content))


TAMPERS = {
    "edit-one-byte": (_edit_byte, "edited"),
    "delete-record": (_delete_record, "missing"),
    "reorder-two": (_reorder_two, "reordered"),
    "truncate-tail": (_truncate_tail, "truncated"),
    "truncate-mid-record": (_truncate_mid_record, "torn tail"),
    "shorter-valid-chain": (_shorter_valid_chain, "truncated"),
    "splice-two-logs": (_splice, "forked"),
    "anchor-deleted": (_drop_anchor, "truncated"),
    "checkpoint-root-forged": (_forge_checkpoint_root, "edited"),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tamper_matrix_is_detected(tmp_path: Path, name: str) -> None:
    path = write_log(tmp_path / "state", 30)
    assert verify(path).ok
    tamper, kind = TAMPERS[name]
    tamper(path)
    report = verify(path)
    assert not report.ok, name
    assert report.kind == kind, (name, report.problem)


def test_cli_verify_reports_the_first_bad_record(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 20)
    _edit_byte(path)
    env = {**os.environ, "PRAXIS_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": os.pathsep.join(sys.path)}
    completed = subprocess.run(
        [sys.executable, "-m", CLI_MODULE, "audit", "verify"],
        check=False, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert completed.returncode == 3
    assert "edited" in completed.stderr and "seq 8" in completed.stderr, completed.stderr


def test_torn_tail_becomes_a_visible_seam_and_the_chain_continues(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 12)
    with path.open("ab") as handle:
        handle.write(b'{"event":"decision","seq":999,"half-writ')
    assert verify(path).kind == "torn tail"
    log = AuditLog(path, fsync=False, checkpoint_every=10)
    assert log.append({"event": "cli", "command": "after the crash"})
    assert log.checkpoint()
    report = verify(path)
    assert report.ok, report.problem
    assert report.seams == 1 and any("seam" in note for note in report.notes)
    assert b"half-writ" in path.read_bytes()  # never rewritten in place


# ----------------------------------------------------------------------------------------------- proofs
def test_inclusion_proof_round_trip_and_tampering(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 23)
    public = load_public_key(path.with_name(PUBLIC_KEY_FILE))
    proof = build_proof(path, 7).as_dict()
    assert check_proof(proof, public) is None
    assert check_proof(json.loads(json.dumps(proof)), public) is None
    bad_path = {**proof, "path": ["00" * 32, *proof["path"][1:]]}
    assert check_proof(bad_path, public) is not None
    bad_record = {**proof, "record_hash": "11" * 32}
    assert check_proof(bad_record, public) is not None
    bad_signature = {**proof, "checkpoint": {**proof["checkpoint"], "tree_size": proof["tree_size"] + 1},
                     "tree_size": proof["tree_size"] + 1}  # fmt: skip
    assert check_proof(bad_signature, public) is not None
    other = load_public_key(write_log(tmp_path / "other", 1).with_name(PUBLIC_KEY_FILE))
    assert check_proof(proof, other) is not None
    with pytest.raises(LookupError):
        build_proof(path, 10_000)


# ----------------------------------------------------------------------------------------------- runs and orphans
def gate_for(tmp_path: Path, **env: str) -> Gate:
    settings = load_settings(
        {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path), "PRAXIS_MODE": "guarded", **env},
        cwd=str(tmp_path),
        cfg=None,
    )
    return Gate.from_settings(settings)


def _decide(gate: Gate, host: str = "web1") -> Any:
    return gate.decide(TaskRequest(action="ansible.builtin.ping", args={}, host=host, run_id=gate.run_id))


def test_run_end_orphans_decisions_without_outcome(tmp_path: Path) -> None:
    gate = gate_for(tmp_path)
    assert gate.start_run(via="test")
    finished = _decide(gate)
    gate.record_outcome(finished, status="ok", output=b"{}")
    lost = _decide(gate)
    gate.finish_run()
    records = [json.loads(line) for line in lines(gate.settings.audit_path)]
    orphans = [r for r in records if r["event"] == "orphan"]
    assert [o["decision_id"] for o in orphans] == [lost.decision_id]
    assert records[-2]["event"] == "run-end" and records[-1]["event"] == "checkpoint"
    report = verify(gate.settings.audit_path)
    assert report.ok, report.problem
    assert report.open_decisions == 0


def _run_in_a_process_that_dies(tmp_path: Path, *, worker_waits_on: int | None = None) -> str:
    """Start a run in a forked process that decides one task and dies without ending the run (``os._exit``: no
    atexit, no run-end, as after kill -9). With ``worker_waits_on`` (a pipe's read end), the dead process first
    forks a "worker" that inherits the run as ansible-core's workers do and lives until that pipe is written.
    Returns the run id."""
    ids_read, ids_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            gate = gate_for(tmp_path)
            gate.start_run(via="test")
            _decide(gate)
            if worker_waits_on is not None and os.fork() == 0:
                os.read(worker_waits_on, 1)
                os._exit(0)
            os.write(ids_write, gate.run_id.encode())
        finally:
            os._exit(0)
    os.close(ids_write)
    run_id = os.read(ids_read, 200).decode()
    os.close(ids_read)
    os.waitpid(pid, 0)
    return run_id


def test_killed_run_is_recovered_by_the_next_one(tmp_path: Path) -> None:
    run_id = _run_in_a_process_that_dies(tmp_path)
    marker = tmp_path / "state" / "runs" / f"{run_id}.json"
    assert marker.exists()
    log = tmp_path / "state" / "audit.jsonl"
    report = verify(log)
    assert report.ok and report.open_decisions == 1
    second = gate_for(tmp_path)
    assert second.start_run(via="test")
    second.finish_run()
    records = [json.loads(line) for line in lines(log)]
    aborted = [r for r in records if r["event"] == "run-aborted"]
    assert aborted and aborted[0]["run_id"] == run_id
    assert [r for r in records if r["event"] == "orphan" and r["run_id"] == run_id]
    final = verify(log)
    assert final.ok, final.problem
    assert final.open_decisions == 0
    assert not marker.exists()


def test_a_run_whose_worker_outlives_its_controller_stays_open_until_the_worker_is_gone(tmp_path: Path) -> None:
    """The race issue 23 found: the controller is killed, a worker still runs its task. Recovery must not close
    the run under the worker (which would then report an outcome into a closed run): the marker's lock, inherited
    by the worker, keeps the run open until the worker is gone too."""
    release_read, release_write = os.pipe()
    gone_read, gone_write = os.pipe()  # its write end lives in the dead controller and its worker only
    run_id = _run_in_a_process_that_dies(tmp_path, worker_waits_on=release_read)
    os.close(gone_write)
    try:
        journal = RunJournal(gate_for(tmp_path).audit, tmp_path / "state")  # type: ignore[arg-type]
        assert journal.recover() == 0, "closed a run whose worker is alive"
        records = [json.loads(line) for line in lines(tmp_path / "state" / "audit.jsonl")]
        assert not [r for r in records if r["event"] == "run-aborted"]
    finally:
        os.write(release_write, b"x")
        assert os.read(gone_read, 1) == b""  # end of file: the worker (not our child) has exited
        for fd in (release_read, release_write, gone_read):
            os.close(fd)
    assert journal.recover() == 1
    records = [json.loads(line) for line in lines(tmp_path / "state" / "audit.jsonl")]
    assert [r["run_id"] for r in records if r["event"] == "run-aborted"] == [run_id]
    assert verify(tmp_path / "state" / "audit.jsonl").ok


def test_a_marker_left_by_an_older_release_is_judged_by_its_pid(tmp_path: Path) -> None:
    """Markers written before the lock existed carry no "locked" flag: a free lock proves nothing about them, so
    their controller's pid decides, as it did."""
    gate = gate_for(tmp_path)
    assert gate.start_run(via="test")
    _decide(gate)
    gate.journal._release()  # type: ignore[union-attr]  # as if no lock had ever been taken
    marker = tmp_path / "state" / "runs" / f"{gate.run_id}.json"
    data = json.loads(marker.read_text())
    del data["locked"]
    marker.write_text(json.dumps(data))
    journal = RunJournal(gate.audit, gate.settings.state_dir)  # type: ignore[arg-type]
    assert journal.recover() == 0  # our own pid is alive
    marker.write_text(json.dumps({**data, "pid": 2**22 + 12345}))  # a pid that cannot exist
    assert journal.recover() == 1
    assert not marker.exists()


def test_live_runs_are_not_recovered(tmp_path: Path) -> None:
    first = gate_for(tmp_path)
    assert first.start_run(via="test")
    _decide(first)
    journal = RunJournal(first.audit, first.settings.state_dir)  # type: ignore[arg-type]
    assert journal.recover() == 0  # our own pid is alive


def test_verify_fails_when_a_finished_run_left_a_decision_unaccounted(tmp_path: Path) -> None:
    gate = gate_for(tmp_path)
    assert gate.start_run(via="test")
    _decide(gate)
    gate.record_event("run-end")  # bypasses the journal's orphan marking
    report = verify_log(gate.settings.audit_path, public_key=None, anchor=None)
    assert not report.ok and report.kind == "orphan not flagged"


def test_the_run_end_opens_the_store_only_when_a_decision_waits_for_approval(tmp_path: Path) -> None:
    """Start-up cost: a run whose decisions were all allowed never opens (or creates) the approval store."""
    gate = gate_for(tmp_path)
    assert gate.start_run(via="test")
    _decide(gate)
    assert gate.pending_approvals() == ""
    assert not (gate.settings.state_dir / "state.db").exists()
    waiting = gate.decide(
        TaskRequest(action="ansible.builtin.command", args={"_raw_params": "touch /tmp/x"}, host="web1",
                    run_id=gate.run_id)
    )  # fmt: skip
    assert waiting.verdict is Verdict.APPROVAL_REQUIRED
    line = gate.pending_approvals()
    assert "1 gated action(s) of this run wait for an operator" in line, line
    gate.finish_run()


def test_the_end_of_a_check_run_names_its_plan_although_no_decision_waits(tmp_path: Path) -> None:
    """A --check run's plan is written from dry-run outcomes, which are allowed decisions: no record says a decision
    waits, so a check run's end looks in the store by itself (the adapter passes check_run)."""
    gate = gate_for(tmp_path)
    assert gate.start_run(via="test")
    for path in ("/etc/motd", "/etc/issue"):
        planned = gate.decide(
            TaskRequest(action="ansible.builtin.lineinfile", args={"path": path, "line": "x"}, host="web1",
                        run_id=gate.run_id, check_mode=True, check_run=True)
        )  # fmt: skip
        assert planned.allowed and planned.dry_run and planned.tier.name == "T2"
        gate.record_outcome(planned, status="changed", diff={"before": "", "after": "x\n"})
    assert gate.pending_approvals() == "", "control: no decision of the run says it waits"
    line = gate.pending_approvals(check_run=True)
    assert "2 gated action(s) of this run wait for an operator" in line, line
    gate.finish_run()


def test_the_run_end_names_a_request_whose_wait_the_emergency_stop_ended(tmp_path: Path) -> None:
    """A waiting task ended by the emergency stop is refused (rule killswitch), and its request still waits."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.stage import ApprovalSeam

    gate = gate_for(tmp_path, PRAXIS_APPROVAL_WAIT="600")
    assert gate.start_run(via="test")
    seam = next(seam for seam in gate.seams if isinstance(seam, ApprovalSeam))
    seam.announce = lambda line: gate.trip_emergency_stop(reason="test", by="tester")  # the stop, while it waits
    stopped = gate.decide(
        TaskRequest(action="ansible.builtin.command", args={"_raw_params": "touch /tmp/x"}, host="web1",
                    run_id=gate.run_id)
    )  # fmt: skip
    assert stopped.verdict is Verdict.REFUSED and stopped.rule == "killswitch", stopped.reason
    line = gate.pending_approvals()
    assert "1 gated action(s) of this run wait for an operator" in line, line
    gate.finish_run()


# ----------------------------------------------------------------------------------------------- gate and records
class Hostile:
    """Arguments that cannot even be read: neither repr nor str works."""

    def __repr__(self) -> str:
        raise RuntimeError("no")

    def __str__(self) -> str:
        raise RuntimeError("no")


def test_redaction_failure_denies_and_says_args_were_withheld(tmp_path: Path) -> None:
    gate = gate_for(tmp_path)
    decision = gate.decide(TaskRequest(action="ansible.builtin.debug", args={"msg": Hostile()}, host="web1"))
    assert decision.verdict is Verdict.DENIED and decision.rule == "redaction-failed"
    record = json.loads(lines(gate.settings.audit_path)[-1])
    assert record["args"] == "<withheld:redaction-failed>" and record["args_withheld"] is True


def test_only_a_recorded_decision_redacts_the_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """explain records nothing, so it does not pay for redacting the arguments; decide still redacts them before
    anything else and denies when that fails (the same redaction failing is what the two calls tell apart)."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module

    gate = gate_for(tmp_path)
    request = TaskRequest(action="ansible.builtin.command", args={"argv": ["id", "-u"]}, host="web1")
    calls: list[object] = []

    def failing(value: object, **kwargs: object) -> object:
        calls.append(value)
        raise gate_module.RedactionError("test")

    monkeypatch.setattr(gate_module, "redact", failing)
    explained = gate.explain(request)
    assert calls == [] and explained.rule != "redaction-failed", explained
    decided = gate.decide(request)
    assert calls and decided.verdict is Verdict.DENIED and decided.rule == "redaction-failed", decided
    record = json.loads(lines(gate.settings.audit_path)[-1])
    assert record["decision_id"] == decided.decision_id and record["args"] == "<withheld:redaction-failed>"


def test_hostile_arguments_are_denied_by_explain_too(tmp_path: Path) -> None:
    """Without the redaction step, arguments that cannot even be read still deny (fail closed), never allow."""
    gate = gate_for(tmp_path)
    decision = gate.explain(TaskRequest(action="ansible.builtin.debug", args={"msg": Hostile()}, host="web1"))
    assert decision.verdict is Verdict.DENIED, decision


_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(args=st.dictionaries(st.text(max_size=8), _PLAIN, max_size=4))
def test_arguments_said_to_redact_always_redact(args: dict[str, Any]) -> None:
    """The shortcut explain takes: every tree it calls plain really serialises and redacts."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module

    request = TaskRequest(action="ansible.builtin.debug", args=args, host="web1")
    if gate_module._redaction_cannot_fail(args):
        assert not gate_module._redacted_args(request).failed


class _Text(str):
    def lower(self) -> str:
        raise RuntimeError("no")


class _Map(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise RuntimeError("no")


def _hostile_args() -> list[Any]:
    looped: list[Any] = []
    looped.append(looped)
    deep: Any = "x"
    for _level in range(12):
        deep = [deep]
    return [
        {"msg": _Text("hello")},
        {"msg": _Map(a=1)},
        {"msg": looped},
        {"msg": 10**5000},
        {"msg": deep},
        {"msg": b"bytes"},
        {1: "int key"},
        {"msg": {"a": list(range(3000))}},
    ]


@pytest.mark.parametrize("args", _hostile_args(), ids=lambda a: type(next(iter(a.values()))).__name__)
def test_explain_answers_as_decide_for_arguments_that_are_not_plain(tmp_path: Path, args: Any) -> None:
    """Arguments outside plain data take the redaction in explain too, so explain's verdict is decide's."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module

    assert not gate_module._redaction_cannot_fail(args)
    gate = gate_for(tmp_path)
    request = TaskRequest(action="ansible.builtin.debug", args=args, host="web1")
    explained, decided = gate.explain(request), gate.decide(request)
    assert (explained.verdict, explained.rule, explained.tier) == (decided.verdict, decided.rule, decided.tier)


def test_decision_ids_stay_unique_across_forked_workers(tmp_path: Path) -> None:
    """Ids draw their random part once per process: a forked worker (same counter, same run) draws its own."""
    gate = gate_for(tmp_path)
    request = TaskRequest(action="ansible.builtin.command", args={"_raw_params": "uptime"}, host="web1")
    parent = [gate.explain(request).decision_id for _repeat in range(3)]
    assert len(set(parent)) == 3
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: one decision, its id to the parent
        try:
            os.write(write, gate.explain(request).decision_id.encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 200).decode()
    os.close(read)
    os.waitpid(pid, 0)
    sibling = gate.explain(request).decision_id
    # same counter value in both processes, different pid and random part
    assert child.split("-")[2] == sibling.split("-")[2] and child != sibling
    assert child.split("-")[-1] != parent[0].split("-")[-1] and sibling.split("-")[-1] == parent[0].split("-")[-1]


def test_no_log_arguments_are_withheld_with_their_length(tmp_path: Path) -> None:
    gate = gate_for(tmp_path)
    secret = "s3cr3t-" + os.urandom(6).hex()
    gate.decide(TaskRequest(action="ansible.builtin.user", args={"name": "bob", "password": secret}, host="web1",
                            no_log=True))  # fmt: skip
    record = json.loads(lines(gate.settings.audit_path)[-1])
    assert record["args"] == "<withheld:no_log>" and record["args_len"] > len(secret)
    assert secret.encode() not in gate.settings.audit_path.read_bytes()


def test_unwritable_log_warns_once_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gate = gate_for(tmp_path)
    (tmp_path / "state").mkdir(exist_ok=True)  # the gate made it (owner-only) when it started
    (tmp_path / "state" / "audit.jsonl").symlink_to(tmp_path / "elsewhere")
    for _repeat in range(3):
        decision = gate.decide(TaskRequest(action="ansible.builtin.copy", args={"dest": "/srv/x"}, host="web1"))
        assert decision.rule == "audit-unavailable"
    err = capsys.readouterr().err
    assert err.count("cannot write the audit log") == 1 and "refusing every task above T0" in err


def test_decision_records_match_the_published_schema(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, PRAXIS_MODE="readonly")
    assert gate.start_run(via="test")
    allowed = _decide(gate)
    gate.record_outcome(allowed, status="ok", output=b"pong")
    gate.decide(TaskRequest(action="ansible.builtin.shell", args={"_raw_params": "rm -rf /"}, host="web1"))
    gate.decide(TaskRequest(action="ansible.builtin.copy", args={"dest": "/srv/x"}, host="web1"))
    gate.finish_run()
    for line in lines(gate.settings.audit_path):
        jsonschema.validate(json.loads(line), RECORD_SCHEMA)
    assert Mode.READONLY.value in gate.settings.audit_path.read_text()


def test_anchor_outside_the_state_directory(tmp_path: Path) -> None:
    elsewhere = tmp_path / "vault"
    elsewhere.mkdir(mode=0o700)
    gate = gate_for(tmp_path, PRAXIS_AUDIT_ANCHOR=str(elsewhere / "audit.anchor"), PRAXIS_AUDIT_CHECKPOINT_EVERY="3")
    assert gate.start_run(via="test")
    for _repeat in range(5):
        gate.record_outcome(_decide(gate), status="ok", output=b"")
    gate.finish_run()
    assert (elsewhere / "audit.anchor").exists() and not (tmp_path / "state" / "audit.anchor").exists()
    assert verify(gate.settings.audit_path, anchor_from=elsewhere).ok
    shutil.copy(gate.settings.audit_path, tmp_path / "copy.jsonl")


# ----------------------------------------------------------------------------------------------- RFC 3161
def test_run_end_checkpoints_are_timestamped_and_verified(tmp_path: Path) -> None:
    from tests.tsa_server import TestTSA

    with TestTSA() as tsa:
        ca = tmp_path / "tsa-root.pem"
        ca.write_bytes(tsa.root_pem)
        # the TSA listens on loopback, which the egress filter refuses unless the operator allowlists it (SEC-7)
        gate = gate_for(tmp_path, PRAXIS_TSA_URL=tsa.url, PRAXIS_TSA_CA=str(ca), PRAXIS_EGRESS_ALLOW="127.0.0.1/32")
        assert gate.start_run(via="test")
        gate.record_outcome(_decide(gate), status="ok", output=b"")
        gate.finish_run()
    records = [json.loads(line) for line in lines(gate.settings.audit_path)]
    stamp = records[-1]
    assert stamp["event"] == "checkpoint-timestamp" and stamp["checkpoint_hash"] == records[-2]["hash"]
    for record in records:
        jsonschema.validate(record, RECORD_SCHEMA)
    path = gate.settings.audit_path
    public = load_public_key(path.with_name(PUBLIC_KEY_FILE))
    anchor = read_anchor(path.with_name("audit.anchor"))
    report = verify_log(path, public_key=public, anchor=anchor, tsa_roots=ca.read_bytes())
    assert report.ok and report.timestamps == 1, report.problem
    with TestTSA() as stranger:
        wrong = verify_log(path, public_key=public, anchor=anchor, tsa_roots=stranger.root_pem)
    assert not wrong.ok and "timestamp does not verify" in wrong.problem


def test_an_unreachable_tsa_is_recorded_and_never_blocks_the_run(tmp_path: Path) -> None:
    gate = gate_for(tmp_path, PRAXIS_TSA_URL="http://127.0.0.1:9/tsa")
    assert gate.start_run(via="test")
    gate.finish_run()
    stamp = json.loads(lines(gate.settings.audit_path)[-1])
    assert stamp["event"] == "checkpoint-timestamp" and "error" in stamp and "tsa_token" not in stamp
    report = verify(gate.settings.audit_path)
    assert report.ok and any("no timestamp" in note for note in report.notes)
