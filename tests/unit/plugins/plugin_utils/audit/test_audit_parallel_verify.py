# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification split across processes says exactly what one scan says, wherever the log is split.

The parallel verifier joins scans that each start right after a checkpoint. The property that makes it safe is
parity: for every log (clean or tampered in any way the tamper matrix knows) and for every checkpoint chosen as a
join, the joined report equals the single-scan report, failure kind, line, seq and wording included. The logs
here put the checks that look across records (a decision and the run-end that must find its outcome, an approval
item used twice, a timestamp naming an older checkpoint, a crash seam, a deleted or swapped record) on both sides
of every join. The fast field decoder is held to the standard library parser the same way.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import scan as audit_scan
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import verify as audit_verify
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    read_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.scan import Fields, Seed, fast_fields
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.timestamps import request_timestamp
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import (
    VerifyReport,
    _plan,
    verify_log,
    verify_parts,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from hypothesis import given, settings
from hypothesis import strategies as st
from test_audit_trail import TAMPERS, lines, write_log


# ----------------------------------------------------------------------------------------------- helpers
def _inputs(path: Path, tsa_roots: bytes | None) -> dict[str, Any]:
    public = path.with_name(PUBLIC_KEY_FILE)
    return {
        "public_key": load_public_key(public) if public.exists() else None,
        "anchor": read_anchor(path.with_name("audit.anchor")),
        "expect_anchor": True,
        "tsa_roots": tsa_roots,
    }


def _verdict(report: VerifyReport) -> dict[str, Any]:
    """What a report says: everything when the log verifies (notes as a multiset, as a join may settle a
    timestamp note later); the failure itself when it does not (counts then say how far the scans got)."""
    if not report.ok:
        return {"ok": False, "kind": report.kind, "line": report.line, "seq": report.seq, "problem": report.problem}
    said = report.as_dict()
    said["notes"] = sorted(report.notes)
    return said


def _joins(path: Path) -> list[tuple[int, Seed]]:
    """Every place a part may start: right after each checkpoint line that is not the last line."""
    found, offset = [], 0
    data = path.read_bytes()
    for raw in data.splitlines(keepends=True):
        offset += len(raw)
        seed = Seed.from_line(raw.rstrip(b"\n")) if raw.endswith(b"\n") and b'"checkpoint"' in raw else None
        if seed is not None and offset < len(data):
            found.append((offset, seed))
    return found


def assert_every_join_agrees(path: Path, *, tsa_roots: bytes | None = None, min_joins: int = 2) -> VerifyReport:
    """The single-scan report, after checking that every one-join split and one all-joins split say the same."""
    inputs = _inputs(path, tsa_roots)
    single = verify_log(path, workers=1, **inputs)
    joins = _joins(path)
    assert len(joins) >= min_joins, "the log needs checkpoints inside it to test joins"
    expected = _verdict(single)
    for join in joins:
        assert _verdict(verify_parts(path, [join], **inputs)) == expected, f"join at byte {join[0]}"
    assert _verdict(verify_parts(path, joins, **inputs)) == expected, "every checkpoint a join"
    return single


def _rewrite(path: Path, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(edit(lines(path))))


class _Writer:
    """A log with runs, decisions, outcomes, approvals and checkpoints interleaved, written by AuditLog."""

    def __init__(self, directory: Path, *, every: int = 4) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = directory / "audit.jsonl"
        self.log = AuditLog(self.path, fsync=False, checkpoint_every=every)

    def add(self, **record: Any) -> None:
        assert self.log.append(record), self.log.last_error

    def decision(self, run: str, decision_id: str, item: str | None = None) -> None:
        extra = {"approval_item": item} if item else {}
        self.add(event="decision", run_id=run, decision_id=decision_id, decision="allowed", **extra)

    def outcome(self, run: str, decision_id: str) -> None:
        self.add(event="outcome", run_id=run, decision_id=decision_id, status="ok")

    def checkpoint(self) -> dict[str, Any]:
        assert self.log.checkpoint(), self.log.last_error
        assert self.log.last_checkpoint is not None
        return dict(self.log.last_checkpoint)


# ----------------------------------------------------------------------------------------------- parity
def _in_process(*args: Any) -> list[Any]:
    """The parts scanned one after another in this process, with exactly the arguments the pool would pickle."""
    return [audit_verify._scan_part(**call) for call in audit_verify._part_calls(*args)]


@pytest.fixture(autouse=True)
def _parts_in_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parity matrix is about joining: it scans each part in this process. Under pytest-xdist a worker always
    has a second thread (execnet's), so the pool would spawn a fresh interpreter per part, some forty per case,
    minutes in all. The process boundary itself is held by the tests marked ``pool``: the pool's results equal the
    in-process ones, a pool that cannot start falls back, and the CLI verifies with real workers."""
    if request.node.get_closest_marker("pool") is None:
        monkeypatch.setattr(audit_verify, "_run_parallel", _in_process)


@pytest.mark.pool
@pytest.mark.parametrize("name", ["clean", "delete-record", "checkpoint-root-forged"])
def test_the_process_pool_scans_exactly_as_the_parts_do_in_process(tmp_path: Path, name: str) -> None:
    path = write_log(tmp_path / "state", 30, every=4)
    if name != "clean":
        TAMPERS[name][0](path)
    inputs = _inputs(path, None)
    args = (path, _joins(path), inputs["public_key"], inputs["anchor"], None)
    assert len(args[1]) >= 2
    assert audit_verify._run_parallel(*args) == _in_process(*args)


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_every_tamper_is_reported_alike_wherever_the_log_is_split(tmp_path: Path, name: str) -> None:
    path = write_log(tmp_path / "state", 30, every=4)
    assert assert_every_join_agrees(path).ok
    tamper, kind = TAMPERS[name]
    tamper(path)
    report = assert_every_join_agrees(path, min_joins=1)
    assert not report.ok and report.kind == kind, report.problem


@pytest.mark.parametrize("index", range(0, 34, 3))
def test_a_deleted_or_swapped_record_anywhere_is_reported_alike(tmp_path: Path, index: int) -> None:
    """Deleting or swapping around a checkpoint leaves a skipped-ahead record at the end of a part: the next
    part's first record decides between missing and reordered, as the single scan's lookahead does."""
    path = write_log(tmp_path / "state", 30, every=4)
    original = path.read_bytes()
    _rewrite(path, lambda content: content[:index] + content[index + 1 :])
    deleted = assert_every_join_agrees(path, min_joins=1)
    assert not deleted.ok
    path.write_bytes(original)
    _rewrite(path, lambda content: [*content[:index], content[index + 1], content[index], *content[index + 2 :]])
    swapped = assert_every_join_agrees(path, min_joins=1)
    assert not swapped.ok and swapped.kind in {"reordered", "edited", "checkpoint mismatch", "forked"}


def test_outcomes_and_run_ends_across_joins(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "state")
    for run in ("run-a", "run-b"):
        writer.add(event="run-start", run_id=run)
    for index in range(12):  # decisions of two runs whose outcomes land several checkpoints later
        writer.decision("run-a" if index % 2 else "run-b", f"d{index}")
    for index in range(12):
        writer.outcome("run-a" if index % 2 else "run-b", f"d{index}")
    writer.add(event="run-end", run_id="run-a")
    writer.decision("run-b", "late")
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert report.ok and report.open_decisions == 1  # run-b is still going

    writer.add(event="run-end", run_id="run-b")  # without the late decision's outcome or orphan mark
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert not report.ok and report.kind == "orphan not flagged", report.problem


def test_orphan_counts_add_up_across_a_join(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "state", every=3)
    writer.decision("run", "early-1")
    writer.decision("run", "early-2")
    writer.checkpoint()
    writer.decision("run", "late-1")
    writer.decision("run", "late-2")
    writer.add(event="run-end", run_id="run")
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert not report.ok and "4 decision(s)" in report.problem, report.problem


def test_an_approval_used_twice_is_caught_across_joins(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "state", every=3)
    writer.decision("run", "first", item="item-1")
    writer.outcome("run", "first")
    for index in range(8):
        writer.decision("run", f"other-{index}", item=f"fresh-{index}")
        writer.outcome("run", f"other-{index}")
    writer.checkpoint()
    assert assert_every_join_agrees(writer.path).ok
    writer.decision("run", "again", item="item-1")
    writer.outcome("run", "again")
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert not report.ok and report.kind == "replayed approval", report.problem


def test_a_timestamp_naming_an_older_checkpoint_across_a_join(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "state", every=100)
    writer.add(event="cli", command="one")
    older = writer.checkpoint()
    writer.add(event="cli", command="two")
    writer.checkpoint()
    writer.add(event="checkpoint-timestamp", checkpoint_seq=older["seq"], checkpoint_hash=older["hash"],
               tsa_token="not-checked-without-roots")  # fmt: skip
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert report.ok and any("not checked" in note for note in report.notes), report.notes

    writer.add(event="checkpoint-timestamp", checkpoint_seq=1, checkpoint_hash="ab" * 32, tsa_token="x")
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert not report.ok and "not among the recent ones" in report.problem


def test_real_timestamps_verify_alike_across_joins(tmp_path: Path) -> None:
    from tests.tsa_server import TestTSA

    writer = _Writer(tmp_path / "state", every=100)
    with TestTSA() as tsa:
        for index in range(3):
            writer.add(event="cli", command=f"run {index}")
            checkpoint = writer.checkpoint()
            token = request_timestamp(checkpoint, url=tsa.url)
            writer.add(event="checkpoint-timestamp", checkpoint_seq=checkpoint["seq"],
                       checkpoint_hash=checkpoint["hash"], tsa_token=base64.b64encode(token).decode())  # fmt: skip
        writer.checkpoint()
        report = assert_every_join_agrees(writer.path, tsa_roots=tsa.root_pem)
    assert report.ok and report.timestamps == 3, report.problem


def test_a_crash_seam_before_and_after_joins(tmp_path: Path) -> None:
    path = write_log(tmp_path / "state", 9, every=4)
    with path.open("ab") as handle:
        handle.write(b'{"event":"decision","seq":99,"half-writ')
    log = AuditLog(path, fsync=False, checkpoint_every=4)
    for index in range(6):
        assert log.append({"event": "cli", "command": f"after-{index}"})
    assert log.checkpoint()
    report = assert_every_join_agrees(path)
    assert report.ok and report.seams == 1, report.problem
    seam_note = next(note for note in report.notes if note.startswith("seam at line"))
    seam_line = int(seam_note.split()[3].rstrip(":"))
    assert json.loads(lines(path)[seam_line - 1])["event"] == "seam"


def test_a_large_log_is_split_by_default_and_agrees(tmp_path: Path) -> None:
    """What ``audit verify`` does on its own: several parts for a big log, one scan for a small one."""
    path = write_log(tmp_path / "state", 3000, every=100)
    with path.open("rb") as handle:
        assert len(_plan(handle, path.stat().st_size, 3)) == 2
    inputs = _inputs(path, None)
    single = verify_log(path, workers=1, **inputs)
    assert single.ok and single.records == 3031
    assert _verdict(verify_log(path, workers=3, **inputs)) == _verdict(single)


def test_parts_that_do_not_join_fall_back_to_one_scan(tmp_path: Path) -> None:
    """A seed that is not where the previous part ended (a file rewritten between planning and scanning) must
    never produce a verdict of its own."""
    path = write_log(tmp_path / "state", 20, every=4)
    joins = _joins(path)
    offset, _unused = joins[1]
    _unused, wrong_seed = joins[0]
    inputs = _inputs(path, None)
    report = verify_parts(path, [(offset, wrong_seed)], **inputs)
    assert _verdict(report) == _verdict(verify_log(path, workers=1, **inputs))


# ----------------------------------------------------------------------------------------------- fast decoder
_INSERTIONS = [
    b'"seq":1,',
    b",",
    b"\\",
    b'"',
    b"\xff",
    b"\xc3",
    b"NaN",
    b"1e999",
    b"\x00",
    b"\\ud800",
    b"{",
    b"]",
    b" ",
]
_MEMBERS = ("seq", "prev_hash", "hash", "event", "decision_id", "run_id", "approval_item", "decision")


def _sample_lines(tmp_path: Path) -> list[bytes]:
    writer = _Writer(tmp_path / "sample", every=3)
    writer.decision("run", "d1", item="i1")
    writer.outcome("run", "d1")
    hostile_args = {"seq": 5, "prev_hash": "x", "event": "outcome", "nested": [{"hash": "y"}], "text": 'a"\\b\u00e9'}
    writer.add(event="decision", run_id="run", decision_id="d2", decision="denied", args=hostile_args)
    writer.checkpoint()
    return [line.rstrip(b"\n") for line in lines(writer.path)]


def _stdlib_view(raw: bytes) -> Fields | None:
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return Fields(parsed) if isinstance(parsed, dict) else None


def _agree(raw: bytes) -> None:
    fast = fast_fields(raw)
    if fast is None:
        return  # declined: the standard library parser decides alone
    slow = _stdlib_view(raw)
    assert slow is not None, raw
    for member in _MEMBERS:
        assert getattr(fast, member) == getattr(slow, member), (member, raw)
        assert type(getattr(fast, member)) is type(getattr(slow, member)), (member, raw)


def test_the_fast_decoder_reads_only_top_level_members(samples: list[bytes]) -> None:
    assert fast_fields(b"{}") is not None, "msgspec is a dependency of the pip install"
    for raw in samples:
        _agree(raw)
    nested = fast_fields(b'{"args":{"seq":5,"event":"outcome"},"seq":1,"event":"decision","seq":2}')
    assert nested is not None and nested.seq == 2 and nested.event == "decision"  # last duplicate, as json does


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return _sample_lines(tmp_path_factory.mktemp("samples"))


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_fast_decoder_never_accepts_what_the_standard_parser_reads_differently(
    samples: list[bytes], data: st.DataObject
) -> None:
    raw = bytearray(data.draw(st.sampled_from(samples)))
    for _repeat in range(data.draw(st.integers(1, 4))):
        where = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip" and where < len(raw):
            raw[where] = data.draw(st.integers(0, 255))
        elif action == "insert":
            raw[where:where] = data.draw(st.sampled_from(_INSERTIONS))
        elif where < len(raw):
            del raw[where]
    _agree(bytes(raw))


@given(record=st.dictionaries(st.sampled_from([*_MEMBERS, "args", "x"]),
                              st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                                           | st.text(), lambda inner: st.lists(inner, max_size=3)
                                           | st.dictionaries(st.sampled_from(_MEMBERS), inner, max_size=3),
                                           max_leaves=8)))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_the_fast_decoder_agrees_on_any_json_object(record: dict[str, Any]) -> None:
    for encoded in (json.dumps(record), json.dumps(record, ensure_ascii=False, separators=(",", ":"))):
        _agree(encoded.encode("utf-8"))


def test_verification_without_the_fast_decoder_says_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = _Writer(tmp_path / "state", every=3)
    for index in range(10):
        writer.decision("run", f"d{index}", item=f"i{index % 7}")
        writer.outcome("run", f"d{index}")
    writer.checkpoint()
    with_fast = assert_every_join_agrees(writer.path)
    monkeypatch.setattr(audit_scan, "_fast_fields", audit_scan._stdlib_fields)
    without_fast = assert_every_join_agrees(writer.path)
    assert _verdict(with_fast) == _verdict(without_fast)
    assert not with_fast.ok and with_fast.kind == "replayed approval"


@pytest.mark.pool
def test_pool_start_failure_falls_back_to_one_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_log(tmp_path / "state", 20, every=4)

    def no_processes(*_: Any, **__: Any) -> None:
        raise OSError(os.strerror(11))

    monkeypatch.setattr(audit_verify, "_run_parallel", no_processes)
    inputs = _inputs(path, None)
    report = verify_parts(path, _joins(path), **inputs)
    assert report.ok and _verdict(report) == _verdict(verify_log(path, workers=1, **inputs))


@pytest.mark.pool
def test_cli_verify_with_workers_reports_the_first_bad_record(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write_log(tmp_path / "state", 40, every=4)
    env = {**os.environ, "PRAXIS_STATE_DIR": str(tmp_path / "state"), "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main", "audit",
               "verify", "--workers", "3"]  # fmt: skip
    clean = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    total = len(lines(path))
    assert clean.returncode == 0 and f"OK, {total} records" in clean.stdout, clean.stdout + clean.stderr
    edited_seq = next(json.loads(line)["seq"] for line in lines(path) if b'"record-37"' in line)
    data = bytearray(path.read_bytes())
    target = data.index(b"record-37")
    data[target + 8] = ord("6")
    path.write_bytes(bytes(data))
    tampered = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    assert tampered.returncode == 3
    assert "edited" in tampered.stderr and f"seq {edited_seq})" in tampered.stderr, tampered.stderr
    refused = subprocess.run([*command[:-1], "0"], check=False, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "not a positive whole number" in refused.stderr


# ----------------------------------------------------------------------------------------------- late records
def _late_log(directory: Path, *, closing: str) -> tuple[Path, list[int]]:
    """Runs whose records go on after their run-end or run-aborted (a worker that outlived its controller, as
    issue 23 found), spread so that every checkpoint join falls somewhere among them. Returns the late seqs."""
    writer = _Writer(directory, every=3)
    for run in ("run-a", "run-b", "run-c"):
        writer.decision(run, f"{run}-d1")
        writer.outcome(run, f"{run}-d1")
        writer.decision(run, f"{run}-d2")
        writer.add(event="orphan", run_id=run, decision_id=f"{run}-d2")
        writer.add(event=closing, run_id=run)
        writer.add(event="cli", command="in between")
    for run in ("run-a", "run-c"):
        writer.outcome(run, f"{run}-d2")  # the outcome a surviving worker reported after the run was closed
        writer.add(event="cli", command="in between")
    writer.decision("run-a", "run-a-d3")  # and a decision of the closed run
    writer.checkpoint()
    records = [json.loads(line) for line in lines(writer.path)]
    late = [r["seq"] for r in records if r["event"] == "outcome" and r["decision_id"].endswith("-d2")]
    return writer.path, late


@pytest.mark.parametrize("closing", ["run-end", "run-aborted"])
def test_records_after_their_run_closed_are_reported_alike_wherever_the_log_is_split(
    tmp_path: Path, closing: str
) -> None:
    path, late = _late_log(tmp_path / "state", closing=closing)
    report = assert_every_join_agrees(path)
    assert not report.ok and report.kind == "late record", report.problem
    assert report.seq == late[0] and f"seq {late[0]}" in report.problem
    assert "and 1 more" in report.problem and "1 more run(s)" in report.problem, report.problem
    runs = {entry.run: entry for entry in report.late_records}
    assert set(runs) == {"run-a", "run-c"} and runs["run-a"].count == 2 and runs["run-c"].seq == late[1]


def test_a_log_without_late_records_says_nothing_of_them(tmp_path: Path) -> None:
    writer = _Writer(tmp_path / "state", every=3)
    for run in ("run-a", "run-b"):
        writer.decision(run, f"{run}-d1")
        writer.outcome(run, f"{run}-d1")
        writer.add(event="run-end", run_id=run)
        writer.add(event="checkpoint-timestamp-free", run_id=run)  # other run-level events after closing are fine
    writer.checkpoint()
    report = assert_every_join_agrees(writer.path)
    assert report.ok and report.late_records == [], report.problem
