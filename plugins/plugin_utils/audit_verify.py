# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the audit log back: streaming verification in constant memory, inclusion proofs, filtered views.

Verification walks the file once, holding the previous hash, an O(log n) Merkle compact range and the decisions
still waiting for an outcome, so a log of any size verifies in constant memory. It stops at the first problem and
names it the way an investigator needs it named: which record, and whether it looks edited, missing, reordered,
truncated, forked (spliced), torn, or whether a checkpoint or the anchor disagrees.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .audit import GENESIS, chain_hash
from .audit_checkpoint import Anchor, key_id, verify_checkpoint_signature
from .merkle import CompactRange, inclusion_proof, leaf_hash, verify_inclusion
from .tsa import verify_timestamp

__all__ = ["Proof", "VerifyReport", "build_proof", "check_proof", "iter_records", "records_since", "verify_log"]

_MAX_OPEN_DECISIONS = 100_000  # beyond this, open decisions are counted, not remembered (memory stays bounded)


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
        }


_decode = json.JSONDecoder().decode


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without newline, whether the line was newline-terminated)."""
    for number, raw in enumerate(handle, start=1):
        if raw.endswith(b"\n"):
            yield number, raw[:-1], True
        else:
            yield number, raw, False


class _Runs:
    """Decisions waiting for their outcome, per run; a run that ended with some still open is a defect."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[str, int]] = {}  # decision_id -> (run_id, seq)
        self.overflow = 0
        self.ended: set[str] = set()

    def see(self, record: Mapping[str, Any]) -> str | None:
        event, run = record.get("event"), str(record.get("run_id", ""))
        decision = record.get("decision_id")
        if event == "decision" and isinstance(decision, str):
            if len(self.open) < _MAX_OPEN_DECISIONS:
                self.open[decision] = (run, int(record.get("seq", 0)))
            else:
                self.overflow += 1
        elif event in ("outcome", "orphan") and isinstance(decision, str):
            self.open.pop(decision, None)
        elif event == "run-end":
            waiting = [d for d, (r, _) in self.open.items() if r == run]
            if waiting:
                seq = self.open[waiting[0]][1]
                count = len(waiting)
                return f"run {run[:12]} ended with {count} decision(s) lacking an outcome or orphan mark (seq {seq})"
            self.ended.add(run)
        return None


def verify_log(
    path: Path,
    *,
    public_key: Ed25519PublicKey | None = None,
    anchor: Anchor | None = None,
    expect_anchor: bool = True,
    tsa_roots: bytes | None = None,
) -> VerifyReport:
    """Verify the chain, every checkpoint (tree head, signature, predecessor) and the anchor; never raises for
    content problems (they are the report). ``expect_anchor``: a log with checkpoints but no anchor fails."""
    report = VerifyReport(ok=True)
    prev = GENESIS
    expected_seq = 1
    damaged: list[bytes] = []
    damaged_line = 0
    tree = CompactRange()
    last_checkpoint: str | None = None
    runs = _Runs()
    gap: tuple[int, int, str] | None = None  # (line, seq, problem) of a record that skipped ahead
    recent_checkpoints: dict[str, dict[str, Any]] = {}  # hash -> record, for checking timestamps (bounded)
    used_items: dict[str, int] = {}  # approval item -> seq of the decision it allowed
    try:
        handle = path.open("rb")
    except OSError as exc:
        return VerifyReport(ok=False, problem=f"cannot open {path}: {exc.strerror or exc}", kind="unreadable")
    with handle:
        for number, raw, terminated in _lines(handle):
            if not terminated:
                return _fail(report, number, None, "torn tail", "the last record is incomplete (a crash mid-write?)")
            try:
                record = _decode(raw.decode("utf-8"))  # a UnicodeDecodeError is a ValueError: damage
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                if not damaged:
                    damaged_line = number
                damaged.append(raw)
                continue
            seq = record.get("seq")
            event = record.get("event")
            if damaged:
                if event != "seam":
                    return _fail(report, damaged_line, None, "edited", "an unreadable record is not acknowledged")
                torn = b"\n".join(damaged)
                if record.get("torn_sha256") != hashlib.sha256(torn).hexdigest() or record.get("torn_len") != len(torn):
                    return _fail(report, number, seq, "edited", "a seam record does not match the damage it names")
                report.notes.append(f"seam at line {number}: {len(torn)} damaged bytes acknowledged (a crash)")
                damaged = []
            elif event == "seam":
                return _fail(report, number, seq, "edited", "a seam record with no damage before it")
            if gap is not None:
                # One record of lookahead tells a swap (the skipped record comes next) from a deletion.
                kind = "reordered" if seq == expected_seq else "missing"
                detail = f"seq {gap[1]} appears before seq {expected_seq}" if kind == "reordered" else gap[2]
                return _fail(report, gap[0], gap[1], kind, detail)
            problem = _check(record, prev, expected_seq, raw)
            if problem and problem[0] == "missing" and isinstance(seq, int):
                gap = (number, seq, problem[1])
                continue
            if problem:
                return _fail(report, number, seq if isinstance(seq, int) else None, *problem)
            if event == "checkpoint":
                mismatch = _check_checkpoint(record, tree, last_checkpoint, public_key)
                if mismatch:
                    return _fail(report, number, int(record["seq"]), "checkpoint mismatch", mismatch)
                last_checkpoint = str(record["hash"])
                report.checkpoints += 1
                recent_checkpoints[last_checkpoint] = record
                if len(recent_checkpoints) > 64:
                    recent_checkpoints.pop(next(iter(recent_checkpoints)))
            if event == "checkpoint-timestamp":
                stamp_problem = _check_timestamp(record, recent_checkpoints, tsa_roots, report)
                if stamp_problem:
                    return _fail(report, number, int(record["seq"]), "checkpoint mismatch", stamp_problem)
            if anchor is not None and seq == anchor.seq and record.get("hash") != anchor.checkpoint_hash:
                return _fail(
                    report, number, seq, "forked", "the record at the anchor's seq is not the anchored checkpoint"
                )
            item = record.get("approval_item") if event == "decision" else None
            if isinstance(item, str) and record.get("decision") == "allowed":
                if item in used_items:
                    first = used_items[item]
                    replay = f"approval item {item} allowed a second task (first at seq {first})"
                    return _fail(report, number, int(record["seq"]), "replayed approval", replay)
                if len(used_items) < _MAX_OPEN_DECISIONS:
                    used_items[item] = int(record["seq"])
            orphan_problem = runs.see(record)
            if orphan_problem:
                return _fail(report, number, int(record["seq"]), "orphan not flagged", orphan_problem)
            prev = str(record["hash"])
            tree.append(leaf_hash(bytes.fromhex(prev)))
            expected_seq += 1
            report.records += 1
            report.seams += event == "seam"
            report.last_hash, report.last_seq = prev, expected_seq - 1
    if gap is not None:
        return _fail(report, gap[0], gap[1], "missing", gap[2])
    if damaged:
        return _fail(report, damaged_line, None, "torn tail", "the log ends with unreadable records")
    report.open_decisions = len(runs.open) + runs.overflow
    if report.open_decisions:
        report.notes.append(
            f"{report.open_decisions} decision(s) of runs still in progress (or killed and not yet recovered) "
            "have no outcome yet"
        )
    return _check_anchor(report, anchor, expect_anchor)


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


_HASH_SUFFIX_LEN = len(b',"hash":"') + 64 + len(b'"}')


def _line_hash(prev: str, raw: bytes) -> str | None:
    """The chain hash straight from a line as the writer lays it out (its canonical body, then ``"hash"`` last),
    without parsing and re-serialising the record; None for any other layout (the caller re-canonicalises).

    Hashing the bytes as written commits to them exactly, as the canonical form does: a line whose bytes hash to
    its recorded hash is the line the writer hashed, and any changed byte changes the hash."""
    if len(raw) <= _HASH_SUFFIX_LEN or not raw.endswith(b'"}'):
        return None
    cut = len(raw) - _HASH_SUFFIX_LEN
    if raw[cut : cut + 9] != b',"hash":"':
        return None
    return hashlib.sha256(prev.encode("ascii") + b"\n" + raw[:cut] + b"}").hexdigest()


def _check(record: Mapping[str, Any], prev: str, expected_seq: int, raw: bytes | None = None) -> tuple[str, str] | None:
    seq = record.get("seq")
    if not isinstance(seq, int):
        return "edited", "a record without a sequence number"
    if record.get("prev_hash") != prev:
        if seq < expected_seq:
            return "reordered", f"seq {seq} appears after seq {expected_seq - 1}"
        if seq > expected_seq:
            return "missing", f"records {expected_seq}..{seq - 1} are missing"
        return "forked", "the record does not chain to the one before it (spliced or forked log)"
    claimed = record.get("hash")
    if (raw is None or _line_hash(prev, raw) != claimed) and chain_hash(prev, record) != claimed:
        return "edited", "the record's content does not match its hash"
    if seq != expected_seq:
        return ("missing" if seq > expected_seq else "reordered"), f"expected seq {expected_seq}, found {seq}"
    return None


def _check_checkpoint(
    record: Mapping[str, Any], tree: CompactRange, previous: str | None, public_key: Ed25519PublicKey | None
) -> str | None:
    if record.get("tree_size") != tree.size:
        return f"covers {record.get('tree_size')} records, but {tree.size} precede it"
    if record.get("root") != tree.root().hex():
        return "its Merkle root does not match the records before it"
    if record.get("peaks") != tree.to_json():
        return "its stored compact range does not match the records before it"
    if record.get("prev_checkpoint") != previous:
        return "it does not name the previous checkpoint"
    if public_key is None:
        return "no public key to check its signature (pass --pubkey or keep audit-signing.pub)"
    if not verify_checkpoint_signature(record, public_key):
        return f"its signature does not verify under key {key_id(public_key)}"
    return None


def _check_timestamp(
    record: Mapping[str, Any], checkpoints: Mapping[str, Mapping[str, Any]], roots: bytes | None, report: VerifyReport
) -> str | None:
    token = record.get("tsa_token")
    if not token:
        report.notes.append(f"checkpoint seq {record.get('checkpoint_seq')} has no timestamp: {record.get('error')}")
        return None
    checkpoint = checkpoints.get(str(record.get("checkpoint_hash")))
    if checkpoint is None or checkpoint.get("seq") != record.get("checkpoint_seq"):
        return "a timestamp names a checkpoint that is not among the recent ones"
    if roots is None:
        report.notes.append("timestamps present but not checked (no TSA root: set PRAXIS_TSA_CA or pass --tsa-ca)")
        return None
    try:
        problem = verify_timestamp(base64.b64decode(str(token), validate=True), checkpoint, roots_pem=roots)
    except ValueError:
        problem = "the timestamp token is not base64"
    report.timestamps += problem is None
    return f"the checkpoint's timestamp does not verify: {problem}" if problem else None


def _fail(report: VerifyReport, line: int, seq: int | None, kind: str, problem: str) -> VerifyReport:
    report.ok = False
    report.line, report.seq, report.kind = line, seq, kind
    where = f"line {line}" if line else "log"
    report.problem = f"{kind}: {problem} ({where}" + (f", seq {seq})" if seq is not None else ")")
    return report


def records_since(path: Path, since: str, *, block: int = 64 * 1024) -> Iterator[dict[str, Any]]:
    """Records whose ISO time is at or after ``since``, newest first, reading the file backwards: the cost is the
    records since then, not the size of the log."""
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        end = handle.seek(0, 2)
        carry = b""
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            chunk = handle.read(end - start) + carry
            lines = chunk.split(b"\n")
            carry = lines.pop(0) if start > 0 else b""
            for raw in reversed(lines):
                try:
                    record = json.loads(raw)
                except (ValueError, RecursionError):
                    continue
                if not isinstance(record, dict):
                    continue
                if str(record.get("time", "")) < since:
                    return
                yield record
            end = start
        if carry:
            try:
                record = json.loads(carry)
            except (ValueError, RecursionError):
                return
            if isinstance(record, dict) and str(record.get("time", "")) >= since:
                yield record


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Parsed records in file order, skipping unreadable lines (use verify_log to judge them)."""
    with path.open("rb") as handle:
        for _, raw, _ in _lines(handle):
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                yield record


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
    target: tuple[int, str] | None = None
    for record in iter_records(path):
        if record.get("event") == "checkpoint" and target is not None and record.get("tree_size") == len(leaves):
            index, record_hash = target
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
            target = (len(leaves), str(record["hash"]))
        leaves.append(leaf_hash(bytes.fromhex(str(record["hash"]))))
    if target is None:
        raise LookupError(f"no record with seq {seq}")
    raise LookupError(f"no checkpoint covers seq {seq} yet (one is written every N records and at each run's end)")


def check_proof(proof: Mapping[str, Any], public_key: Ed25519PublicKey) -> str | None:
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
