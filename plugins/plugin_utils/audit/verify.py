# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the audit log back: streaming verification in constant memory, inclusion proofs, filtered views.

Verification walks the file once, holding the previous hash, an O(log n) Merkle compact range and the decisions
still waiting for an outcome, so a log of any size verifies in constant memory. It stops at the first problem and
names it the way an investigator needs it named: which record, and whether it looks edited, missing, reordered,
truncated, forked (spliced), torn, or whether a checkpoint or the anchor disagrees.

Security constraints: SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..core.limits import InputRejected, bounded_lines, load_json
from ..core.requirements import lazy
from .checkpoint import Anchor, verify_checkpoint_signature
from .merkle import inclusion_proof, leaf_hash, verify_inclusion
from .scan import (
    MAX_REMEMBERED,
    RECENT_CHECKPOINTS,
    LateRecords,
    Scan,
    ScanResult,
    Seed,
    check_timestamp,
    gap_failure,
    orphan_problem,
    use_item,
)
from .writer import GENESIS, MAX_RECORD_BYTES, MAX_RECORD_DEPTH

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
else:  # loaded on first use: arming the gate does not import them
    ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")
    serialization = lazy("cryptography.hazmat.primitives.serialization")

__all__ = [
    "Proof",
    "VerifyReport",
    "build_proof",
    "check_proof",
    "iter_records",
    "records_since",
    "verify_log",
    "verify_parts",
]


@dataclass
class VerifyReport:
    ok: bool
    records: int = 0
    seams: int = 0
    checkpoints: int = 0
    last_hash: str = GENESIS
    last_seq: int = 0
    problem: str = ""
    line: int = 0
    seq: int | None = None
    kind: str = ""
    notes: list[str] = field(default_factory=list)
    open_decisions: int = 0
    timestamps: int = 0
    late_records: list[LateRecords] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "seams": self.seams,
            "checkpoints": self.checkpoints,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "problem": self.problem,
            "kind": self.kind,
            "line": self.line,
            "seq": self.seq,
            "open_decisions": self.open_decisions,
            "timestamps": self.timestamps,
            "notes": self.notes,
            "late_records": [late.as_dict() for late in self.late_records],
        }


# Below this size one scan is quicker than starting workers; above it each worker has seconds of work.
PARALLEL_MIN_BYTES = 64 * 1024 * 1024
_SEED_SEARCH_BYTES = 32 * 1024 * 1024  # how far past a split point to look for a checkpoint to start from


def verify_log(
    path: Path,
    *,
    public_key: ed25519.Ed25519PublicKey | None = None,
    anchor: Anchor | None = None,
    expect_anchor: bool = True,
    tsa_roots: bytes | None = None,
    workers: int | None = None,
) -> VerifyReport:
    """Verify the chain, every checkpoint (tree head, signature, predecessor) and the anchor; never raises for
    content problems (they are the report). ``expect_anchor``: a log with checkpoints but no anchor fails.

    ``workers``: processes to spread a large log over (None: one per CPU for logs over ``PARALLEL_MIN_BYTES``,
    else one). Each worker scans from a checkpoint to the next split point in constant memory; the report is the
    one a single scan gives, because the scans are joined only where each ends on the checkpoint the next one
    started from, and the checks that look across a join are settled here in file order."""
    try:
        handle = _open_log(path)
    except (OSError, InputRejected) as exc:
        problem = f"cannot open {path}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        return VerifyReport(ok=False, problem=problem, kind="unreadable")
    with handle:
        size = os.fstat(handle.fileno()).st_size
        count = workers if workers is not None else _cpus() if size >= PARALLEL_MIN_BYTES else 1
        plan = _plan(handle, size, count) if count > 1 else []
        if not plan:
            scan = Scan(public_key=public_key, anchor=anchor, tsa_roots=tsa_roots)
            return _merge([(None, scan.run(handle, None))], anchor, expect_anchor, tsa_roots)
    return verify_parts(path, plan, public_key=public_key, anchor=anchor, expect_anchor=expect_anchor,
                        tsa_roots=tsa_roots)  # fmt: skip


def verify_parts(
    path: Path,
    plan: list[tuple[int, Seed]],
    *,
    public_key: ed25519.Ed25519PublicKey | None,
    anchor: Anchor | None,
    expect_anchor: bool,
    tsa_roots: bytes | None,
) -> VerifyReport:
    """Scan the parts ``plan`` names (byte offset where each part after the first starts, and the checkpoint it
    starts from) in parallel, and join them. Split points come from ``_plan``; tests pass every checkpoint."""
    try:
        results = _run_parallel(path, plan, public_key, anchor, tsa_roots)
    except (BrokenProcessPool, OSError):  # a worker could not start or was killed
        results = None
    if results is not None:
        seeds: list[Seed | None] = [None, *[seed for _unused, seed in plan]]
        report = _merge(list(zip(seeds, results, strict=True)), anchor, expect_anchor, tsa_roots)
        if report.kind != _NOT_JOINED:  # else the file changed under the scans, or a checks buffer overflowed
            return report
    return verify_log(path, public_key=public_key, anchor=anchor, expect_anchor=expect_anchor,
                      tsa_roots=tsa_roots, workers=1)  # fmt: skip


def _open_log(path: Path) -> BinaryIO:
    """The log for reading: a regular file, opened without blocking (a FIFO planted at the path would hang)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputRejected(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_NOT_JOINED = "not joined"


def _plan(handle: BinaryIO, size: int, count: int) -> list[tuple[int, Seed]]:
    """Split points: for each of ``count - 1`` evenly spaced offsets, the first checkpoint after it; the scan
    for the next part starts right after that checkpoint's line, seeded from it."""
    plan: list[tuple[int, Seed]] = []
    for part in range(1, count):
        offset = max(size * part // count, plan[-1][0] if plan else 0)
        handle.seek(offset)
        if offset and not _at_line_start(handle, offset):
            handle.readline()
        position = handle.tell()
        limit = position + _SEED_SEARCH_BYTES
        while position < min(limit, size):
            raw = handle.readline()
            if not raw.endswith(b"\n"):
                break
            position += len(raw)
            if b'"checkpoint"' in raw and (seed := Seed.from_line(raw[:-1])) is not None:
                if position < size and (not plan or position > plan[-1][0]):
                    plan.append((position, seed))
                break
    handle.seek(0)
    return plan


def _at_line_start(handle: BinaryIO, offset: int) -> bool:
    handle.seek(offset - 1)
    at_start = handle.read(1) == b"\n"
    handle.seek(offset)
    return at_start


def _scan_part(
    *, path: str, start: int, end: int | None, seed: Seed | None, key: bytes | None, anchor: Anchor | None,
    tsa_roots: bytes | None,
) -> ScanResult:  # fmt: skip
    public_key = ed25519.Ed25519PublicKey.from_public_bytes(key) if key is not None else None
    with open(path, "rb") as handle:
        handle.seek(start)
        return Scan(public_key=public_key, anchor=anchor, tsa_roots=tsa_roots, seed=seed).run(handle, end)


def _part_calls(
    path: Path, plan: list[tuple[int, Seed]], public_key: ed25519.Ed25519PublicKey | None, anchor: Anchor | None,
    tsa_roots: bytes | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The keyword arguments of ``_scan_part`` for each part: only picklable values cross the process boundary."""
    key = (
        public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if public_key is not None
        else None
    )
    starts = [0, *[offset for offset, _unused in plan]]
    ends: list[int | None] = [*starts[1:], None]
    seeds: list[Seed | None] = [None, *[seed for _unused, seed in plan]]
    return [
        {"path": str(path), "start": start, "end": end, "seed": seed, "key": key, "anchor": anchor,
         "tsa_roots": tsa_roots}
        for start, end, seed in zip(starts, ends, seeds, strict=True)
    ]  # fmt: skip


def _run_parallel(
    path: Path, plan: list[tuple[int, Seed]], public_key: ed25519.Ed25519PublicKey | None, anchor: Anchor | None,
    tsa_roots: bytes | None,
) -> list[ScanResult]:  # fmt: skip
    calls = _part_calls(path, plan, public_key, anchor, tsa_roots)
    # fork when this process has no other threads (the workers then need no imports); spawn otherwise, as forking
    # a threaded process can deadlock. Only the arguments and the bounded results cross the process boundary.
    context = multiprocessing.get_context("fork" if threading.active_count() == 1 else "spawn")
    with ProcessPoolExecutor(max_workers=len(calls), mp_context=context) as pool:
        futures = [pool.submit(_scan_part, **call) for call in calls]
        return [future.result() for future in futures]


def _merge(
    parts: list[tuple[Seed | None, ScanResult]], anchor: Anchor | None, expect_anchor: bool, tsa_roots: bytes | None
) -> VerifyReport:
    """Join the scans in file order: settle each part's deferred checks against what the parts before it left
    (open decisions, used approval items, recent checkpoints), then take its own verdict. A failed report's
    counts say how far the scans got, which for a split log can be past the failing record."""
    join = _Join(tsa_roots)
    report = join.report
    line_offset = 0
    previous: ScanResult | None = None
    for seed, part in parts:
        if seed is not None and previous is not None:
            if previous.pending_gap is not None:
                gap = gap_failure(previous.pending_gap, next_seq=part.first_seq, expected_seq=previous.expected_seq)
                return _fail(report, line_offset - previous.lines + gap.line, gap.seq, gap.kind, gap.problem)
            if previous.last_hash != seed.hash or previous.last_checkpoint != seed.hash or part.deferred_overflow:
                return _fail(report, 0, None, _NOT_JOINED, "the parallel scans did not join")
        for check in part.deferred:
            problem = join.settle(check)
            if problem:
                return _fail(report, line_offset + check[1], check[2], *problem)
        join.late_records(part, line_offset)
        report.records += part.records
        report.seams += part.seams
        report.checkpoints += part.checkpoints
        report.timestamps += part.timestamps
        report.notes.extend(_renumber(note, line_offset) for note in part.notes)
        report.last_hash, report.last_seq = part.last_hash, part.expected_seq - 1
        if part.failure is not None:
            failure = part.failure
            return _fail(report, line_offset + failure.line, failure.seq, failure.kind, failure.problem)
        join.carry(part)
        line_offset += part.lines
        previous = part
    report.open_decisions = len(join.open_decisions) + join.overflow
    if report.open_decisions:
        report.notes.append(
            f"{report.open_decisions} decision(s) of runs still in progress (or killed and not yet recovered) "
            "have no outcome yet"
        )
    report = _check_anchor(report, anchor, expect_anchor)
    report.late_records = sorted(join.late.values(), key=lambda late: late.seq)
    if report.ok and report.late_records:
        # The chain is intact, but the run bookkeeping says these records cannot be: an anomaly, reported as a
        # verification failure (exit 3) naming the first late record, with every affected run in the report.
        first = report.late_records[0]
        more = len(report.late_records) - 1
        _fail(report, first.line, first.seq, "late record",
              first.describe() + (f"; {more} more run(s) like it" if more else ""))  # fmt: skip
    return report


def _renumber(note: str, line_offset: int) -> str:
    """Seam notes name a line within their scan; make it the line within the file."""
    prefix = "seam at line "
    if line_offset and note.startswith(prefix):
        number, _separator, rest = note[len(prefix) :].partition(":")
        if number.isdigit():
            return f"{prefix}{int(number) + line_offset}:{rest}"
    return note


class _Join:
    """What the parts before the current one left: the state a single scan would hold at the join."""

    def __init__(self, tsa_roots: bytes | None) -> None:
        self.tsa_roots = tsa_roots
        self.report = VerifyReport(ok=True)
        self.open_decisions: dict[str, tuple[str, int]] = {}
        self.used_items: dict[str, int] = {}
        self.recent: list[tuple[str, dict[str, Any]]] = []
        self.overflow = 0
        self.closed: dict[str, int] = {}  # run_id -> seq of its first closure, over the parts joined so far
        self.late: dict[str, LateRecords] = {}  # run_id -> its records after that closure

    def late_records(self, part: ScanResult, line_offset: int) -> None:
        """Judge a part's records of runs the earlier parts closed, then take its own late records and closures."""
        for run, maybe in part.maybe_late.items():
            closed = self.closed.get(run)
            if closed is not None:
                self._add_late(replace(maybe, line=maybe.line + line_offset, closed_seq=closed))
        for late in part.late.values():
            closed = self.closed.get(late.run, late.closed_seq)
            self._add_late(replace(late, line=late.line + line_offset, closed_seq=closed))
        for run, seq in part.closed_runs.items():
            if len(self.closed) < MAX_REMEMBERED:
                self.closed.setdefault(run, seq)

    def _add_late(self, late: LateRecords) -> None:
        known = self.late.get(late.run)
        if known is None:
            if len(self.late) < MAX_REMEMBERED:
                self.late[late.run] = late
        elif late.seq < known.seq:
            self.late[late.run] = replace(late, count=known.count + late.count)
        else:
            known.count += late.count

    def carry(self, part: ScanResult) -> None:
        for decision, opened in part.open_decisions.items():
            if len(self.open_decisions) < MAX_REMEMBERED:
                self.open_decisions[decision] = opened
            else:
                self.overflow += 1
        self.overflow += part.overflow
        for item, seq in part.used_items.items():
            if len(self.used_items) < MAX_REMEMBERED:
                self.used_items.setdefault(item, seq)
        self.recent = [*self.recent, *part.recent_checkpoints][-RECENT_CHECKPOINTS:]

    def settle(self, check: tuple[Any, ...]) -> tuple[str, str] | None:
        """One deferred check of a seeded scan, in file order."""
        kind = check[0]
        if kind == "close":
            self.open_decisions.pop(check[3], None)
        elif kind == "item":
            return use_item(self.used_items, check[3], check[2])
        elif kind == "run-end":
            run, local_waiting, local_first = check[3], check[4], check[5]
            waiting = [decision for decision, (owner, _unused) in self.open_decisions.items() if owner == run]
            if waiting or local_waiting:
                first = self.open_decisions[waiting[0]][1] if waiting else local_first
                return "orphan not flagged", orphan_problem(run, len(waiting) + local_waiting, first)
        elif kind == "timestamp":
            record, local_checkpoints = check[3], check[4]
            visible = dict(self.recent[len(self.recent) - (RECENT_CHECKPOINTS - local_checkpoints) :])
            stamp = ScanResult()
            problem = check_timestamp(record, visible, self.tsa_roots, stamp)
            self.report.timestamps += stamp.timestamps
            self.report.notes.extend(stamp.notes)
            if problem:
                return "checkpoint mismatch", problem
        return None


def _check_anchor(report: VerifyReport, anchor: Anchor | None, expect_anchor: bool) -> VerifyReport:
    if anchor is None:
        if report.checkpoints and expect_anchor:
            return _fail(
                report,
                0,
                None,
                "truncated",
                "the log has checkpoints but its anchor is missing (deleted to hide a cut?)",
            )
        return report
    if report.last_seq < anchor.seq:
        return _fail(
            report,
            0,
            anchor.seq,
            "truncated",
            f"the anchor says the log reached checkpoint seq {anchor.seq}; it now ends at seq {report.last_seq}",
        )
    return report


def _fail(report: VerifyReport, line: int, seq: int | None, kind: str, problem: str) -> VerifyReport:
    report.ok = False
    report.line, report.seq, report.kind = line, seq, kind
    where = f"line {line}" if line else "log"
    report.problem = f"{kind}: {problem} ({where}" + (f", seq {seq})" if seq is not None else ")")
    return report


def records_since(
    path: Path, since: str, *, block: int = 64 * 1024, containing: bytes | None = None
) -> Iterator[dict[str, Any]]:
    """Records whose ISO time is at or after ``since``, newest first, reading the file backwards: the cost is the
    records since then, not the size of the log.

    ``containing``: only records whose line holds these bytes (an approval item's id), and only those lines are
    parsed; of the others, one line per block is, to know when the scan has passed ``since``. Why: the approvals
    stage asks the log, at every redemption, whether the item was already used; parsing every record since the
    approval was signed made each task of a 2,000-task approved run read all the run's records before it (66 ms
    of CPU per task and host at the end of the fleet benchmark's run, growing with the run). A record that holds
    the bytes is judged exactly as without the filter; the stop may come up to one block later, which can only
    show the caller more records, never fewer."""
    try:
        handle = _open_log(path)
    except (OSError, InputRejected):
        return
    with handle:
        end = handle.seek(0, 2)
        carry = b""  # the end part of a line whose start lies further back
        long_line = False  # the line being read back is longer than any record: skip to its start
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            data = handle.read(end - start)
            if long_line:
                cut = data.rfind(b"\n")
                if cut < 0:
                    end = start
                    continue
                data, carry, long_line = data[: cut + 1], b"", False
            chunk = data + carry
            lines = chunk.split(b"\n")
            carry = lines.pop(0) if start > 0 else b""
            if len(carry) > MAX_RECORD_BYTES:
                carry, long_line = b"", True
            if containing is not None:
                if containing in chunk:
                    for raw in reversed(lines):
                        record = _parse_line(raw) if containing in raw else None
                        if record is None:
                            continue
                        if str(record.get("time", "")) < since:
                            return
                        yield record
                oldest = next((r for r in map(_parse_line, lines) if r is not None), None)
                if oldest is not None and str(oldest.get("time", "")) < since:
                    return
                end = start
                continue
            for raw in reversed(lines):
                record = _parse_line(raw)
                if record is None:
                    continue
                if str(record.get("time", "")) < since:
                    return
                yield record
            end = start
        if carry and (containing is None or containing in carry):
            record = _parse_line(carry)
            if record is not None and str(record.get("time", "")) >= since:
                yield record


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Parsed records in file order, skipping unreadable lines (use verify_log to judge them)."""
    with _open_log(path) as handle:
        for raw in bounded_lines(handle, MAX_RECORD_BYTES):
            record = _parse_line(raw)
            if record is not None:
                yield record


def _parse_line(raw: bytes | None) -> dict[str, Any] | None:
    """A record within the writer's bounds, or None for anything else (verify_log judges those)."""
    if raw is None:
        return None
    try:
        record = load_json(raw, max_bytes=MAX_RECORD_BYTES, max_depth=MAX_RECORD_DEPTH, what="a record")
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class Proof:
    """An RFC 6962 inclusion proof of one record in a signed checkpoint; checkable offline."""

    seq: int
    record_hash: str
    leaf_index: int
    tree_size: int
    root: str
    path: list[str]
    checkpoint: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "record_hash": self.record_hash,
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "root": self.root,
            "path": self.path,
            "checkpoint": self.checkpoint,
        }


def build_proof(path: Path, seq: int) -> Proof:
    """Prove record ``seq`` against the first checkpoint that covers it. Holds 32 bytes per record in memory."""
    leaves: list[bytes] = []
    index: int | None = None  # of record ``seq`` among the leaves, once it is found
    record_hash = ""
    for record in iter_records(path):
        if record.get("event") == "checkpoint" and index is not None and record.get("tree_size") == len(leaves):
            siblings = inclusion_proof(index, leaves)
            return Proof(
                seq=seq,
                record_hash=record_hash,
                leaf_index=index,
                tree_size=len(leaves),
                root=str(record["root"]),
                path=[s.hex() for s in siblings],
                checkpoint={k: record[k] for k in ("seq", "tree_size", "root", "prev_checkpoint", "key_id", "time",
                                                   "signature", "hash")},
            )  # fmt: skip
        if record.get("seq") == seq:
            index, record_hash = len(leaves), str(record["hash"])
        leaves.append(leaf_hash(bytes.fromhex(str(record["hash"]))))
    if index is None:
        raise LookupError(f"no record with seq {seq}")
    raise LookupError(f"no checkpoint covers seq {seq} yet (one is written every N records and at each run's end)")


def check_proof(proof: Mapping[str, Any], public_key: ed25519.Ed25519PublicKey) -> str | None:
    """None when the proof holds: the checkpoint is signed by ``public_key`` and the record is in its tree."""
    try:
        checkpoint = proof["checkpoint"]
        if checkpoint["root"] != proof["root"] or checkpoint["tree_size"] != proof["tree_size"]:
            return "the proof's root or size differs from its checkpoint"
        if not verify_checkpoint_signature(checkpoint, public_key):
            return "the checkpoint's signature does not verify"
        leaf = leaf_hash(bytes.fromhex(proof["record_hash"]))
        siblings = [bytes.fromhex(s) for s in proof["path"]]
        if not verify_inclusion(int(proof["leaf_index"]), int(proof["tree_size"]), leaf, siblings,
                                bytes.fromhex(proof["root"])):  # fmt: skip
            return "the record is not in the checkpoint's tree"
    except (KeyError, TypeError, ValueError) as exc:
        return f"malformed proof ({type(exc).__name__}: {exc})"
    return None
