# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the audit log back: streaming verification in constant memory, and filtered views.

Verification walks the file once, holding only the previous hash and a little state, so a log of any size verifies
in constant memory. It stops at the first problem and names it the way an investigator needs it named: which
record, and whether it looks edited, missing, reordered, torn or spliced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .audit import GENESIS, chain_hash

__all__ = ["VerifyReport", "iter_records", "verify_log"]


@dataclass
class VerifyReport:
    ok: bool
    records: int = 0
    seams: int = 0
    last_hash: str = GENESIS
    last_seq: int = 0
    problem: str = ""
    line: int = 0
    seq: int | None = None
    kind: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "seams": self.seams,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "problem": self.problem,
            "kind": self.kind,
            "line": self.line,
            "seq": self.seq,
            "notes": self.notes,
        }


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes without newline, whether the line was newline-terminated)."""
    for number, raw in enumerate(handle, start=1):
        if raw.endswith(b"\n"):
            yield number, raw[:-1], True
        else:
            yield number, raw, False


def verify_log(path: Path) -> VerifyReport:
    """Verify the chain of ``path``; never raises for content problems (they are the report)."""
    report = VerifyReport(ok=True)
    prev = GENESIS
    expected_seq = 1
    damaged: list[bytes] = []
    damaged_line = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        return VerifyReport(ok=False, problem=f"cannot open {path}: {exc.strerror or exc}", kind="unreadable")
    with handle:
        for number, raw, terminated in _lines(handle):
            if not terminated:
                return _fail(report, number, None, "torn tail", "the last record is incomplete (a crash mid-write?)")
            try:
                record = json.loads(raw)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                if not damaged:
                    damaged_line = number
                damaged.append(raw)
                continue
            seq = record.get("seq")
            if damaged:
                if record.get("event") != "seam":
                    return _fail(report, damaged_line, None, "edited", "an unreadable record is not acknowledged")
                torn = b"\n".join(damaged)
                if record.get("torn_sha256") != hashlib.sha256(torn).hexdigest() or record.get("torn_len") != len(torn):
                    return _fail(report, number, seq, "edited", "a seam record does not match the damage it names")
                report.notes.append(f"seam at line {number}: {len(torn)} damaged bytes acknowledged")
                damaged = []
            elif record.get("event") == "seam":
                return _fail(report, number, seq, "edited", "a seam record with no damage before it")
            problem = _check(record, prev, expected_seq)
            if problem:
                return _fail(report, number, seq if isinstance(seq, int) else None, *problem)
            prev = str(record["hash"])
            expected_seq += 1
            report.records += 1
            report.seams += record.get("event") == "seam"
            report.last_hash, report.last_seq = prev, expected_seq - 1
    if damaged:
        return _fail(report, damaged_line, None, "torn tail", "the log ends with unreadable records")
    return report


def _check(record: Mapping[str, Any], prev: str, expected_seq: int) -> tuple[str, str] | None:
    seq = record.get("seq")
    if not isinstance(seq, int):
        return "edited", "a record without a sequence number"
    if record.get("prev_hash") != prev:
        if isinstance(seq, int) and seq < expected_seq:
            return "reordered", f"seq {seq} appears after seq {expected_seq - 1}"
        if isinstance(seq, int) and seq > expected_seq:
            return "missing", f"records {expected_seq}..{seq - 1} are missing"
        return "forked", "the record does not chain to the one before it (spliced or forked log)"
    if chain_hash(prev, record) != record.get("hash"):
        return "edited", "the record's content does not match its hash"
    if seq != expected_seq:
        return ("missing" if seq > expected_seq else "reordered"), f"expected seq {expected_seq}, found {seq}"
    return None


def _fail(report: VerifyReport, line: int, seq: int | None, kind: str, problem: str) -> VerifyReport:
    report.ok = False
    report.line, report.seq, report.kind = line, seq, kind
    report.problem = f"{kind}: {problem} (line {line}" + (f", seq {seq})" if seq is not None else ")")
    return report


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
