# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit writer: one unbroken hash chain whatever happens to the file, and a writer that never raises."""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import writer as audit
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    read_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import VerifyReport, verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import (
    GENESIS,
    AuditLog,
    canonical_json,
    chain_hash,
    load_or_create_key,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _verify(path: Path) -> VerifyReport:
    """Verify with the installation's own checkpoint key and anchor, as `praxis-gate audit verify` does."""
    public = path.with_name(PUBLIC_KEY_FILE)
    return verify_log(
        path,
        public_key=load_public_key(public) if public.exists() else None,
        anchor=read_anchor(path.with_name("audit.anchor")),
    )


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def log_path(state: Path) -> Path:
    return state / "audit.jsonl"


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n") if line]


def _assert_chain(path: Path, *, damaged_lines: int = 0) -> list[dict[str, Any]]:
    """Recompute the whole chain independently of the writer; return the good records."""
    prev, expected_seq, good, bad = GENESIS, 1, [], 0
    data = path.read_bytes()
    assert data.endswith(b"\n")
    for raw in data.split(b"\n")[:-1]:
        try:
            record = json.loads(raw)
        except ValueError:
            bad += 1
            continue
        if not isinstance(record, dict):
            bad += 1
            continue
        assert record["prev_hash"] == prev
        assert record["seq"] == expected_seq
        assert record["v"] == 1
        assert chain_hash(prev, record) == record["hash"]
        prev, expected_seq = record["hash"], expected_seq + 1
        good.append(record)
    assert bad == damaged_lines
    return good


# ------------------------------------------------------------------------------------------------ chain
def test_canonical_json_is_deterministic() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == b'{"a":"\\u00e9","b":1}'
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_chain_hash_ignores_own_hash_field() -> None:
    body = {"event": "x", "seq": 1}
    assert chain_hash(GENESIS, body) == chain_hash(GENESIS, {**body, "hash": "anything"})
    assert chain_hash(GENESIS, body) != chain_hash("1" * 64, body)
    expected = hashlib.sha256(GENESIS.encode() + b"\n" + canonical_json(body)).hexdigest()
    assert chain_hash(GENESIS, body) == expected


def test_records_chain(log_path: Path) -> None:
    log = AuditLog(log_path)
    for index in range(5):
        assert log.append({"event": "decision", "n": index}) is True
    assert log.healthy
    assert log.last_error == ""
    records = _assert_chain(log_path)
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert [r["n"] for r in records] == list(range(5))
    assert records[0]["prev_hash"] == GENESIS
    assert _verify(log_path).ok


def test_verify_hashes_the_writers_bytes_and_still_reads_other_layouts(log_path: Path) -> None:
    """verify hashes a writer-laid-out line as written (canonical body, hash last) without re-serialising it; a
    line laid out otherwise (keys reordered, spaces) but equal in content is re-canonicalised and still verifies;
    one changed byte inside the body fails either way."""
    log = AuditLog(log_path, fsync=False)
    for index in range(3):
        assert log.append({"event": "decision", "n": index, "path": "/srv/app"})
    lines = log_path.read_bytes().splitlines(keepends=True)
    assert lines[1].rstrip(b"\n").endswith(b',"hash":"' + json.loads(lines[1])["hash"].encode() + b'"}')
    relaid = json.dumps(dict(reversed(list(json.loads(lines[1]).items()))), indent=None).encode() + b"\n"
    assert relaid != lines[1]
    log_path.write_bytes(lines[0] + relaid + lines[2])
    assert _verify(log_path).ok
    log_path.write_bytes(lines[0] + lines[1].replace(b"/srv/app", b"/srv/apq") + lines[2])
    report = _verify(log_path)
    assert not report.ok
    assert report.kind == "edited"


def test_chain_continues_across_instances(log_path: Path) -> None:
    assert AuditLog(log_path).append({"event": "a"})
    assert AuditLog(log_path).append({"event": "b"})
    assert [r["seq"] for r in _assert_chain(log_path)] == [1, 2]


def test_record_cannot_forge_chain_fields(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "a"})
    forged = {"event": "b", "seq": 99, "prev_hash": "f" * 64, "hash": "e" * 64, "v": 7}
    assert log.append(forged)
    records = _assert_chain(log_path)
    assert records[1]["seq"] == 2
    assert records[1]["v"] == 1
    assert forged["seq"] == 99  # the caller's mapping is not mutated


def test_caller_time_is_kept(log_path: Path) -> None:
    assert AuditLog(log_path).append({"event": "a", "time": "2026-01-01T00:00:00+00:00"})
    assert _records(log_path)[0]["time"] == "2026-01-01T00:00:00+00:00"


def test_one_line_per_record(log_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a", "text": "line1\nline2\r\n\u2028"})
    assert log_path.read_bytes().count(b"\n") == 1
    assert _records(log_path)[0]["text"] == "line1\nline2\r\n\u2028"


def test_values_that_json_reshapes_still_verify(log_path: Path) -> None:
    """Tuples, int keys (10 sorts before 2 as text), Paths: the hash must cover what a reader parses back."""
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a", "map": {2: "two", 10: "ten"}, "tuple": (1, 2), "path": Path("/x")})
    assert log.append({"event": "b", "nested": {"k": {3: [1, (2, 3)], 20: None}}})
    records = _assert_chain(log_path)
    assert records[0]["map"] == {"2": "two", "10": "ten"}
    assert records[0]["path"] == "/x"
    assert _verify(log_path).ok


def test_file_is_0600_even_with_umask_0(state: Path) -> None:
    path = state / "sub" / "audit.jsonl"
    old = os.umask(0)
    try:
        assert AuditLog(path).append({"event": "a"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_loose_existing_file_is_tightened(log_path: Path) -> None:
    log_path.write_bytes(b"")
    os.chmod(log_path, 0o644)
    assert AuditLog(log_path).append({"event": "a"})
    assert stat.S_IMODE(log_path.stat().st_mode) == 0o600


# ------------------------------------------------------------------------------------------------ never raises
def test_symlink_at_audit_path_is_refused(log_path: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    log_path.symlink_to(victim)
    log = AuditLog(log_path)
    assert log.append({"event": "a"}) is False
    assert "symbolic link" in log.last_error
    assert not log.healthy
    assert victim.read_text() == "untouched"


def test_dangling_symlink_is_refused(log_path: Path, tmp_path: Path) -> None:
    log_path.symlink_to(tmp_path / "would-be-created")
    assert AuditLog(log_path).append({"event": "a"}) is False
    assert not (tmp_path / "would-be-created").exists()


def test_directory_at_audit_path(log_path: Path) -> None:
    log_path.mkdir()
    log = AuditLog(log_path)
    assert log.append({"event": "a"}) is False
    assert log.last_error


def test_state_dir_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("x")
    log = AuditLog(blocker / "audit.jsonl")
    assert log.append({"event": "a"}) is False
    assert "StateError" in log.last_error


def test_insecure_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(state, 0o777)
    log = AuditLog(state / "audit.jsonl")
    assert log.append({"event": "a"}) is False
    assert "writable by group or others" in log.last_error
    assert not (state / "audit.jsonl").exists()


def test_unwritable_descriptor(log_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only file system (EROFS) or a full disk: append reports, never raises."""
    log = AuditLog(log_path)
    assert log.append({"event": "a"})

    def failing_write(fd: int, data: bytes) -> int:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "write", failing_write)
    assert log.append({"event": "b"}) is False
    assert "Read-only file system" in log.last_error
    monkeypatch.undo()
    assert log.append({"event": "c"}) is True  # recovers, and the chain is intact
    assert log.healthy
    assert [r["event"] for r in _assert_chain(log_path)] == ["a", "c"]


def test_short_write_is_a_failure_that_leaves_no_torn_record(log_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk that takes half a record: append reports it, and the half is taken back under the lock (nobody
    can have chained to it), so the log verifies at once instead of only after the next writer's seam."""
    log = AuditLog(log_path)
    assert log.append({"event": "a"})
    before = log_path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    assert log.append({"event": "b"}) is False
    assert "short write" in log.last_error and "No space left" in log.last_error
    monkeypatch.undo()
    assert log_path.read_bytes() == before
    assert verify_log(log_path, expect_anchor=False).ok
    assert log.append({"event": "c"})
    assert [r["event"] for r in _assert_chain(log_path)] == ["a", "c"]


def test_oversized_record_is_rejected(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "big", "blob": "x" * (300 * 1024)}) is False
    assert "too large" in log.last_error
    assert not log_path.exists() or log_path.read_bytes() == b""
    assert log.append({"event": "small"})
    assert [r["seq"] for r in _assert_chain(log_path)] == [1]


def test_escaping_counts_toward_the_size_bound(log_path: Path) -> None:
    # 100k non-ASCII characters become 600k bytes of \\uXXXX escapes
    assert AuditLog(log_path).append({"event": "big", "text": "\u00e9" * 100_000}) is False


def test_unserialisable_record_is_a_failure_not_an_exception(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "a", "mixed": {1: "a", "b": 2}}) is False  # keys of two types cannot sort
    assert log.append({"event": "a", "huge": 10**5000}) is False
    assert log.append({"event": "b"})
    assert [r["seq"] for r in _assert_chain(log_path)] == [1]


@pytest.mark.parametrize(
    "value",
    [
        "\udcff\udc80 lone surrogates",
        "\ud800",
        b"\xff\xfe invalid utf-8 bytes",
        "nul \x00 and bell \x07",
        "\U0001f525 astral",
    ],
)
def test_odd_text_does_not_break_writing(log_path: Path, value: object) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "odd", "value": value, value if isinstance(value, str) else "k": 1})
    assert log.append({"event": "after"})
    raw = log_path.read_bytes()
    raw.decode("ascii")  # the file is pure ASCII
    assert len(_assert_chain(log_path)) == 2
    assert _verify(log_path).ok


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
            ),
            max_leaves=10,
        ),
        max_size=6,
    )
)
def test_any_json_record_chains_and_verifies(tmp_path_factory: pytest.TempPathFactory, record: dict[str, Any]) -> None:
    state = tmp_path_factory.mktemp("state")
    os.chmod(state, 0o700)
    path = state / "audit.jsonl"
    log = AuditLog(path, fsync=False)
    assert log.append(record), log.last_error
    assert log.append(record), log.last_error
    assert len(_assert_chain(path)) == 2
    assert _verify(path).ok


# ------------------------------------------------------------------------------------------------ concurrency
def _worker(path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(path), fsync=False)
    for index in range(count):
        if not log.append({"event": "w", "worker": worker, "i": index}):
            os._exit(3)
    os._exit(0)


def test_concurrent_appends_from_many_processes(log_path: Path) -> None:
    workers, per_worker = 8, 200
    assert AuditLog(log_path).append({"event": "start"})
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_worker, args=(str(log_path), w, per_worker)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    records = _assert_chain(log_path)
    checkpoints = [r for r in records if r["event"] == "checkpoint"]
    assert [c["seq"] for c in checkpoints] == [1001]  # one signed checkpoint every 1000 records
    assert len(records) - len(checkpoints) == 1 + workers * per_worker
    seqs = [r["seq"] for r in records]
    assert seqs == list(range(1, len(records) + 1))
    for worker in range(workers):
        mine = [r["i"] for r in records if r.get("worker") == worker]
        assert mine == list(range(per_worker))  # each process's records in its own order, none lost
    assert _verify(log_path).ok


def test_shared_instance_across_fork(log_path: Path) -> None:
    """A parent's AuditLog used after fork() must reopen: a shared descriptor would share the flock."""
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "parent"})
    context = multiprocessing.get_context("fork")

    def child(worker: int) -> None:
        for index in range(100):
            if not log.append({"event": "child", "worker": worker, "i": index}):
                os._exit(3)
        os._exit(0)

    processes = [context.Process(target=child, args=(w,)) for w in range(4)]
    for process in processes:
        process.start()
    for index in range(100):
        assert log.append({"event": "parent", "i": index})
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    assert len(_assert_chain(log_path)) == 1 + 4 * 100 + 100


def test_workers_of_a_watched_run_continue_the_chain_from_the_shared_mark(
    log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a run (``watch``), a forked worker whose log ends at the run's last write takes the previous hash and seq
    from the shared mark instead of reading the file's tail; the chain is the same one the tail would give. An
    append from outside the run (the file no longer ends where the mark says) falls back to reading the tail."""
    log = AuditLog(log_path, fsync=False)
    log.watch()
    assert log.append({"event": "run-start"})
    context = multiprocessing.get_context("fork")

    def child(worker: int) -> None:
        read_tail = audit._read_tail
        reads: list[int] = []

        def counted(fd: int) -> Any:
            reads.append(fd)
            return read_tail(fd)

        audit._read_tail = counted
        for index in range(20):
            if not log.append({"event": "child", "worker": worker, "i": index}):
                os._exit(3)
        os._exit(0 if not reads else 4)

    for worker in range(3):  # one after the other: each starts where the previous one's last write ended
        process = context.Process(target=child, args=(worker,))
        process.start()
        process.join(120)
        assert process.exitcode == 0
    assert log.append({"event": "controller"})
    outsider = AuditLog(log_path, fsync=False)  # not of the run: no shared mark
    assert outsider.append({"event": "outsider"})
    calls: list[int] = []
    original = audit._read_tail
    monkeypatch.setattr(audit, "_read_tail", lambda fd: calls.append(fd) or original(fd))
    assert log.append({"event": "after the outsider"})  # grown past the mark by a writer outside the run
    assert calls  # so the tail was read
    records = _assert_chain(log_path)
    assert [r["event"] for r in records] == ["run-start", *["child"] * 60, "controller", "outsider",
                                             "after the outsider"]  # fmt: skip
    assert _verify(log_path).ok


def test_the_shared_mark_keeps_the_chain_of_a_checkpoint(log_path: Path) -> None:
    """A checkpoint as the run's last write: the next worker chains to the checkpoint's own hash and seq."""
    log = AuditLog(log_path, fsync=False, checkpoint_every=3)
    log.watch()
    for index in range(3):
        assert log.append({"event": "e", "i": index})
    last = _records(log_path)[-1]
    assert last["event"] == "checkpoint"
    assert log._read_chain() == (last["hash"], last["seq"])
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os._exit(0 if log.append({"event": "worker"}) else 3)
    assert os.waitpid(pid, 0)[1] == 0
    records = _assert_chain(log_path)
    assert records[-1]["prev_hash"] == last["hash"] and records[-1]["seq"] == last["seq"] + 1
    assert _verify(log_path).ok


# ------------------------------------------------------------------------------------------------ damage and seams
def test_torn_last_line_gets_a_seam(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "a"})
    assert log.append({"event": "b"})
    good = _records(log_path)
    full = json.dumps({"event": "c", "seq": 3, "hash": "x" * 64}).encode()
    torn = full[: len(full) // 2]
    with log_path.open("ab") as handle:
        handle.write(torn)
    before = log_path.read_bytes()

    assert AuditLog(log_path).append({"event": "d"})
    after = log_path.read_bytes()
    assert after.startswith(before)  # the torn bytes are untouched, never rewritten
    assert after[len(before) : len(before) + 1] == b"\n"  # the fragment is terminated first

    records = _assert_chain(log_path, damaged_lines=1)
    seam, last = records[2], records[3]
    assert seam["event"] == "seam"
    assert seam["torn_len"] == len(torn)
    assert seam["torn_sha256"] == hashlib.sha256(torn).hexdigest()
    assert seam["prev_hash"] == good[1]["hash"]  # chained to the last good record
    assert seam["seq"] == 3
    assert last["event"] == "d"
    assert last["seq"] == 4
    report = _verify(log_path)
    assert report.ok, report.problem
    assert report.seams == 1


def test_garbage_complete_line_becomes_a_seam(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "a"})
    garbage = b'{"this is": not json'
    with log_path.open("ab") as handle:
        handle.write(garbage + b"\n")
    assert log.append({"event": "b"})
    records = _assert_chain(log_path, damaged_lines=1)
    assert [r["event"] for r in records] == ["a", "seam", "b"]
    assert records[1]["torn_len"] == len(garbage)
    assert records[1]["torn_sha256"] == hashlib.sha256(garbage).hexdigest()
    assert _verify(log_path).ok


DAMAGE = {
    "json-list": b"[1, 2, 3]\n",  # JSON, but not a record
    "json-string": b'"just a string"\n',
    "blank": b"\n",  # a blank line is damage too (the verifier reads it as one)
    "spaces": b"   \n",
    "carriage-return": b"junk\rwith a carriage return\n",
    "two-lines-and-torn": b"line one\nline two\npartial",
    "zeros": b"\x00\x00\x00\x00",  # zero-filled tail after a crash
    "invalid-utf8": b"\xff\xfe\xfd\n",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_any_damage_is_sealed_consistently_with_the_verifier(log_path: Path, damage: bytes) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    with log_path.open("ab") as handle:
        handle.write(damage)
    assert log.append({"event": "b"}), log.last_error
    assert log.append({"event": "c"}), log.last_error
    events = [r["event"] for r in _records_lenient(log_path)]
    assert events == ["a", "seam", "b", "c"]
    report = _verify(log_path)
    assert report.ok, report.problem
    assert report.seams == 1


FOREIGN = {
    "no-chain-fields": b'{"no": "hash or seq"}\n',
    "wrong-types": b'{"hash": 5, "seq": "1"}\n',
    "bool-seq": b'{"hash": "x", "seq": true}\n',
    "too-deep": b"[" * 50_000 + b"\n",  # a RecursionError for json, not a ValueError
}


@pytest.mark.parametrize("damage", FOREIGN.values(), ids=FOREIGN.keys())
def test_foreign_lines_are_sealed_not_chained_from(log_path: Path, damage: bytes) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    good = _records(log_path)[0]
    with log_path.open("ab") as handle:
        handle.write(damage)
    assert log.append({"event": "b"}), log.last_error
    seam, last = _records_lenient(log_path)[-2:]
    assert seam["event"] == "seam"
    assert seam["prev_hash"] == good["hash"]
    assert seam["seq"] == 2
    assert seam["torn_sha256"] == hashlib.sha256(damage.rstrip(b"\n")).hexdigest()
    assert last["prev_hash"] == seam["hash"]
    assert last["seq"] == 3


def _records_lenient(path: Path) -> list[dict[str, Any]]:
    out = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if isinstance(record, dict) and "event" in record:
            out.append(record)
    return out


def test_damage_only_file_starts_from_genesis(log_path: Path) -> None:
    log_path.write_bytes(b"not a record at all")
    os.chmod(log_path, 0o600)
    assert AuditLog(log_path).append({"event": "a"})
    records = _assert_chain(log_path, damaged_lines=1)
    assert records[0]["event"] == "seam"
    assert records[0]["prev_hash"] == GENESIS
    assert records[0]["seq"] == 1
    assert _verify(log_path).ok


def test_seam_is_written_once(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.append({"event": "a"})
    with log_path.open("ab") as handle:
        handle.write(b"torn")
    for event in ("b", "c", "d"):
        assert log.append({"event": event})
    assert [r["event"] for r in _assert_chain(log_path, damaged_lines=1)] == ["a", "seam", "b", "c", "d"]


def _line_length_for(state: Path, pad: int) -> int:
    path = state / f"probe-{pad}.jsonl"
    assert AuditLog(path, fsync=False).append({"event": "big", "time": "t", "pad": "x" * pad})
    return len(path.read_bytes())


def test_largest_record_does_not_wedge_the_log(state: Path) -> None:
    """A last line one byte longer than the old 256 KiB tail window must still be found."""
    overhead = _line_length_for(state, 0)  # includes the newline
    pad = audit._MAX_RECORD_BYTES + 1 - overhead
    assert _line_length_for(state, pad) == audit._MAX_RECORD_BYTES + 1
    path = state / "audit.jsonl"
    log = AuditLog(path, fsync=False)
    assert log.append({"event": "big", "time": "t", "pad": "x" * pad}), log.last_error
    assert log.append({"event": "next"}), log.last_error
    records = _assert_chain(path)
    assert [r["seq"] for r in records] == [1, 2]
    assert records[1]["prev_hash"] == records[0]["hash"]


def test_many_large_records(log_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    for index in range(12):
        assert log.append({"event": "big", "i": index, "pad": "y" * (200 * 1024)}), log.last_error
    assert len(_assert_chain(log_path)) == 12


def test_damage_beyond_the_window_fails_closed(log_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    with log_path.open("ab") as handle:
        handle.write(b"z" * (audit._TAIL_WINDOW + 10))
    before = log_path.read_bytes()
    assert log.append({"event": "b"}) is False
    assert "no readable record" in log.last_error
    assert log_path.read_bytes() == before  # nothing guessed, nothing written


def test_rotated_log_is_not_written_through_a_stale_descriptor(log_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    rotated = log_path.with_name("audit.jsonl.1")
    log_path.rename(rotated)
    assert log.append({"event": "b"})
    assert [r["event"] for r in _records(rotated)] == ["a"]
    assert [r["event"] for r in _records(log_path)] == ["b"]


def test_deleted_log_is_recreated(log_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    log_path.unlink()
    assert log.append({"event": "b"})
    assert [r["event"] for r in _records(log_path)] == ["b"]


def test_log_replaced_by_symlink_after_open(log_path: Path, tmp_path: Path) -> None:
    log = AuditLog(log_path, fsync=False)
    assert log.append({"event": "a"})
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    log_path.unlink()
    log_path.symlink_to(victim)
    assert log.append({"event": "b"}) is False
    assert victim.read_text() == "untouched"


# ------------------------------------------------------------------------------------------------ output digest
def test_output_digest_is_an_hmac(log_path: Path, state: Path) -> None:
    log = AuditLog(log_path)
    data = b"secret output"
    digest = log.output_digest(data)
    assert digest != hashlib.sha256(data).hexdigest()
    key = (state / "audit.key").read_bytes()
    assert len(key) == 32
    assert digest == hmac.new(key, data, hashlib.sha256).hexdigest()
    assert stat.S_IMODE((state / "audit.key").stat().st_mode) == 0o600


def test_output_digest_stable_across_instances(log_path: Path) -> None:
    first = AuditLog(log_path).output_digest(b"x")
    second = AuditLog(log_path).output_digest(b"x")
    assert first == second
    assert AuditLog(log_path).output_digest(b"y") != first


def test_output_digest_differs_per_installation(tmp_path: Path) -> None:
    digests = set()
    for name in ("one", "two"):
        state = tmp_path / name
        digests.add(AuditLog(state / "audit.jsonl").output_digest(b"x"))
    assert len(digests) == 2


def test_output_digest_before_any_append_creates_the_dir(tmp_path: Path) -> None:
    state = tmp_path / "fresh" / "state"
    digest = AuditLog(state / "audit.jsonl").output_digest(b"x")
    assert len(digest) == 64
    assert stat.S_IMODE(state.stat().st_mode) == 0o700


def test_key_is_created_once_with_umask_0(state: Path) -> None:
    key_path = state / "k"
    old = os.umask(0)
    try:
        key = load_or_create_key(key_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert load_or_create_key(key_path) == key
    assert sorted(p.name for p in state.iterdir()) == ["k"]  # no temporary files left


def test_truncated_key_is_an_error(state: Path) -> None:
    key_path = state / "k"
    key_path.write_bytes(b"short")
    with pytest.raises(StateError, match="truncated"):
        load_or_create_key(key_path)
    empty = state / "empty"
    empty.write_bytes(b"")
    with pytest.raises(StateError, match="truncated"):
        load_or_create_key(empty)


def test_symlinked_key_is_refused(state: Path, tmp_path: Path) -> None:
    target = tmp_path / "attacker-key"
    target.write_bytes(b"k" * 32)
    (state / "k").symlink_to(target)
    with pytest.raises(StateError, match="symbolic link"):
        load_or_create_key(state / "k")
    dangling = state / "d"
    dangling.symlink_to(tmp_path / "missing")
    with pytest.raises(StateError):
        load_or_create_key(dangling)
    assert not (tmp_path / "missing").exists()


def test_key_that_is_a_directory_is_refused(state: Path) -> None:
    (state / "k").mkdir()
    with pytest.raises(StateError):
        load_or_create_key(state / "k")


def _key_worker(path: str, barrier: Any, queue: Any) -> None:
    barrier.wait()
    try:
        queue.put(AuditLog(Path(path)).output_digest(b"same input"))
    except Exception as exc:  # reported to the parent
        queue.put(f"error: {exc}")


def test_key_created_once_under_concurrency(tmp_path: Path) -> None:
    for attempt in range(5):
        state = tmp_path / f"s{attempt}"
        state.mkdir(mode=0o700)
        context = multiprocessing.get_context("fork")
        workers = 12
        barrier, queue = context.Barrier(workers), context.Queue()
        processes = [
            context.Process(target=_key_worker, args=(str(state / "audit.jsonl"), barrier, queue))
            for _repeat in range(workers)
        ]
        for process in processes:
            process.start()
        results = [queue.get(timeout=60) for _repeat in range(workers)]
        for process in processes:
            process.join(60)
        assert len(set(results)) == 1, results  # one key, and no process saw a half-written one
        assert not results[0].startswith("error")
        assert sorted(p.name for p in state.iterdir()) == ["audit.key"]


def test_audit_sink_protocol(log_path: Path) -> None:
    sink: audit.AuditSink = AuditLog(log_path)
    assert sink.append({"event": "a"})
    assert sink.last_error == ""
    assert isinstance(sink.output_digest(b""), str)


def _mapping_record() -> Mapping[str, Any]:
    from types import MappingProxyType

    return MappingProxyType({"event": "proxy"})


def test_append_accepts_any_mapping(log_path: Path) -> None:
    assert AuditLog(log_path).append(_mapping_record())
    assert _records(log_path)[0]["event"] == "proxy"
