# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One pass over a stretch of the audit log: every per-record check of ``audit verify``, in constant memory.

A scan either starts at the top of the log (and then knows everything a check needs) or starts right after a
checkpoint record, seeded from it (its hash, seq and compact range), so that several scans can cover one log in
parallel. A seeded scan cannot see what came before its seed, so the few checks that look back further than one
record (a decision's outcome arriving after a run-end, an approval item used twice, a timestamp naming an older
checkpoint) are handed back as *deferred* checks, in order, for the caller to settle with what the earlier scans
found. The scan that verified the seed's checkpoint is what makes the seed trustworthy: the caller joins scans
only where the earlier one ended on exactly that checkpoint.

Why a fast field decoder: verification needs a handful of top-level members of each record, and a full JSON parse
of a ~1 KB record costs more than the whole per-record budget. msgspec (when installed) decodes just those members
while still validating the entire line as JSON; anything it does not accept, or any record whose content needs
more than those members (seams, checkpoints, timestamps), takes the standard library parser, so the verdict never
depends on which parser ran.

Security constraints: SEC-2, SEC-3, SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from ..core.limits import json_depth_exceeds
from ..core.requirements import lazy
from .checkpoint import Anchor, key_id, verify_checkpoint_signature
from .merkle import CompactRange, leaf_hash
from .timestamps import verify_timestamp
from .writer import GENESIS, MAX_RECORD_BYTES, MAX_RECORD_DEPTH, chain_hash

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519
else:  # loaded on first use: arming the gate does not import them
    ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")

__all__ = [
    "MAX_REMEMBERED",
    "RECENT_CHECKPOINTS",
    "Failure",
    "LateRecords",
    "Scan",
    "ScanResult",
    "Seed",
    "check_timestamp",
    "fast_fields",
    "gap_failure",
    "line_hash",
    "orphan_problem",
    "use_item",
]

MAX_REMEMBERED = 100_000  # open decisions / used approval items / deferred checks remembered per scan (bounded)
RECENT_CHECKPOINTS = 64  # how far back a timestamp record may name its checkpoint
_FULL_RECORD_EVENTS = frozenset({"seam", "checkpoint", "checkpoint-timestamp"})
_CLOSING_EVENTS = frozenset({"run-end", "run-aborted"})
# Records a run writes only while it is open: one after the run's run-end or run-aborted is an anomaly (a worker that
# outlived its controller and reported after `audit recover` closed the run, or a record appended by hand).
_RUN_RECORD_EVENTS = frozenset({"decision", "outcome", "orphan"}) | _CLOSING_EVENTS
_decode_text = json.JSONDecoder().decode


class Fields:
    """The top-level members verification reads; ``None`` when absent (as ``dict.get`` would say)."""

    __slots__ = ("approval_item", "decision", "decision_id", "event", "hash", "prev_hash", "run_id", "seq")

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.seq = record.get("seq")
        self.prev_hash = record.get("prev_hash")
        self.hash = record.get("hash")
        self.event = record.get("event")
        self.decision_id = record.get("decision_id")
        self.run_id = record.get("run_id")
        self.approval_item = record.get("approval_item")
        self.decision = record.get("decision")


def _stdlib_fields(raw: bytes) -> Any:
    return None  # no fast decoder: every line takes the full parse


def _msgspec_decoder() -> Callable[[bytes], Any]:
    """Build the fast decoder (msgspec, a dependency of the pip install; a Galaxy-only install may lack it)."""
    try:
        import msgspec  # noqa: PLC0415 - loaded by the first scan: arming the gate does not import it
    except ImportError:  # pragma: no cover - exercised by the no-msgspec test through monkeypatching
        return _stdlib_fields

    class _FastFields(msgspec.Struct):
        seq: Any = None
        prev_hash: Any = None
        hash: Any = None
        event: Any = None
        decision_id: Any = None
        run_id: Any = None
        approval_item: Any = None
        decision: Any = None

    decode = msgspec.json.Decoder(_FastFields).decode
    errors = (msgspec.DecodeError, msgspec.ValidationError, ValueError)  # ValueError: invalid UTF-8

    def msgspec_fields(raw: bytes) -> Any:
        try:
            if not raw.isascii():
                # msgspec does not check the UTF-8 of members it skips; the standard parser rejects the whole
                # line, so the fast path must too (the writer's lines are ASCII: this costs nothing for them).
                raw.decode("utf-8")
            return decode(raw)
        except (*errors, RecursionError):
            return None  # the standard library parser decides (it may still accept: NaN, huge exponents)

    return msgspec_fields


def _first_fields(raw: bytes) -> Any:
    """The first call builds the fast decoder and puts it in place for every later one."""
    global _fast_fields  # noqa: PLW0603 - replaced once, on first use
    if _fast_fields is _first_fields:
        _fast_fields = _msgspec_decoder()
    return _fast_fields(raw)


_fast_fields: Callable[[bytes], Any] = _first_fields


def fast_fields(raw: bytes) -> Any:
    """The fast decoder's view of a line (None when it declines); exposed for the parser-agreement tests."""
    return _fast_fields(raw)


_HASH_SUFFIX_LEN = len(b',"hash":"') + 64 + len(b'"}')


def line_hash(prev: str, raw: bytes) -> str | None:
    """The chain hash straight from a line as the writer lays it out (its canonical body, then ``"hash"`` last),
    without parsing and re-serialising the record; None for any other layout (the caller re-canonicalises).

    Hashing the bytes as written commits to them exactly, as the canonical form does: a line whose bytes hash to
    its recorded hash is the line the writer hashed, and any changed byte changes the hash."""
    if len(raw) <= _HASH_SUFFIX_LEN or not raw.endswith(b'"}'):
        return None
    cut = len(raw) - _HASH_SUFFIX_LEN
    if raw[cut : cut + 9] != b',"hash":"':
        return None
    digest = hashlib.sha256(prev.encode("ascii"))
    digest.update(b"\n")
    digest.update(memoryview(raw)[:cut])
    digest.update(b"}")
    return digest.hexdigest()


@dataclass(frozen=True)
class Seed:
    """Where a scan that does not start at the top picks up: right after checkpoint ``checkpoint``."""

    checkpoint: dict[str, Any]

    @property
    def hash(self) -> str:
        return str(self.checkpoint["hash"])

    @property
    def seq(self) -> int:
        return int(self.checkpoint["seq"])

    def tree(self) -> CompactRange:
        tree = CompactRange.from_json(int(self.checkpoint["tree_size"]), self.checkpoint["peaks"])
        tree.append(leaf_hash(bytes.fromhex(self.hash)))
        return tree

    @classmethod
    def from_line(cls, raw: bytes) -> Seed | None:
        """A seed from a checkpoint line, or None when the line is not a well-formed checkpoint."""
        try:
            record = _decode_text(raw.decode("utf-8"))
            if not isinstance(record, dict) or record.get("event") != "checkpoint":
                return None
            seed = cls(record)
            seed.tree()  # the hash, size and peaks are usable
            _seq = seed.seq  # and so is the seq: reading it raises on a missing or non-integer one
            return seed
        except (ValueError, RecursionError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class Failure:
    line: int  # within the scan (1 = the scan's first line)
    seq: int | None
    kind: str
    problem: str


@dataclass
class LateRecords:
    """Records of one run written after the run was closed: the first one (where, what) and how many there were."""

    run: str
    line: int  # of the first late record, within the scan until the join renumbers it
    seq: int
    event: str
    decision_id: str
    closed_seq: int  # the run-end or run-aborted that closed the run (-1 until a join knows it)
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run,
            "seq": self.seq,
            "line": self.line,
            "event": self.event,
            "decision_id": self.decision_id,
            "closed_seq": self.closed_seq,
            "count": self.count,
        }

    def describe(self) -> str:
        what = f"{self.event} of decision {self.decision_id}" if self.decision_id else self.event
        more = f" and {self.count - 1} more" if self.count > 1 else ""
        return (
            f"run {self.run[:12]} was closed at seq {self.closed_seq}, but its {what} was recorded after that at "
            f"seq {self.seq}{more} (a process of the run outlived it, or the record was appended by hand)"
        )


@dataclass
class ScanResult:
    """What one scan found; line numbers count from the scan's first line."""

    lines: int = 0
    records: int = 0
    seams: int = 0
    checkpoints: int = 0
    timestamps: int = 0
    first_seq: int | None = None
    expected_seq: int = 1
    last_hash: str = GENESIS
    last_checkpoint: str | None = None
    failure: Failure | None = None
    pending_gap: Failure | None = None  # a record that skipped ahead, awaiting the next scan's first record
    notes: list[str] = field(default_factory=list)
    open_decisions: dict[str, tuple[str, int]] = field(default_factory=dict)  # decision_id -> (run_id, seq)
    overflow: int = 0
    used_items: dict[str, int] = field(default_factory=dict)  # approval item -> seq of its (first) use
    recent_checkpoints: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deferred: list[tuple[Any, ...]] = field(default_factory=list)  # (kind, line, seq, ...) in file order
    deferred_overflow: bool = False
    closed_runs: dict[str, int] = field(default_factory=dict)  # run_id -> seq of its first run-end/run-aborted
    late: dict[str, LateRecords] = field(default_factory=dict)  # run_id -> its records after it was closed
    # A seeded scan cannot know which runs closed before its seed: per run, its records before any closure here,
    # for the join to judge against the runs the earlier parts closed.
    maybe_late: dict[str, LateRecords] = field(default_factory=dict)


class Scan:
    """The per-record checks, over lines fed in file order."""

    def __init__(
        self,
        *,
        public_key: ed25519.Ed25519PublicKey | None,
        anchor: Anchor | None,
        tsa_roots: bytes | None,
        seed: Seed | None = None,
    ) -> None:
        self.public_key, self.anchor, self.tsa_roots = public_key, anchor, tsa_roots
        self.seeded = seed is not None
        self.result = ScanResult()
        # Unreadable lines since the last good record, as a seam will name them: their bytes joined by newlines,
        # hashed as they stream by (a line of any length is never held whole).
        self.damaged = 0  # how many lines
        self.damaged_len = 0
        self.damaged_hash = hashlib.sha256()
        self.damaged_line = 0
        self.damaged_why = ""
        self.recent: dict[str, dict[str, Any]] = {}  # hash -> checkpoint record (bounded)
        self.pending: Failure | None = None  # a record that skipped ahead; the next record tells swap from cut
        if seed is None:
            self.prev, self.expected_seq, self.tree = GENESIS, 1, CompactRange()
            self.last_checkpoint: str | None = None
        else:
            self.prev, self.expected_seq, self.tree = seed.hash, seed.seq + 1, seed.tree()
            self.last_checkpoint = seed.hash
        self._publish_position()

    def run(self, handle: BinaryIO, end: int | None) -> ScanResult:
        """Feed the lines from the handle's position up to byte ``end`` (None: to the end of the file)."""
        result = self.result
        position = handle.tell()
        number = 0
        while raw := handle.readline(MAX_RECORD_BYTES + 2):  # a record, its newline, and one byte too many
            number += 1
            position += len(raw)
            if raw.endswith(b"\n"):
                problem = self.feed(number, raw[:-1])
            elif len(raw) == MAX_RECORD_BYTES + 2:
                rest, terminated = self._stream_long_line(number, raw, handle)
                position += rest
                problem = None if terminated else Failure(number, None, "torn tail", "the log ends mid-line")
            else:
                problem = Failure(number, None, "torn tail", "the last record is incomplete (a crash mid-write?)")
            if problem is not None:
                result.failure = problem
                break
            if end is not None and position >= end:
                break
        result.lines = number
        if result.failure is None:
            if self.pending is not None and end is None:
                result.failure = self.pending
            elif self.damaged:
                # Whole lines (a crash leaves only an unterminated one, caught above) that no seam acknowledges.
                result.failure = Failure(
                    self.damaged_line, None, "edited", f"the log ends with an unreadable record ({self.damaged_why})"
                )
            result.pending_gap = self.pending
        self._publish_position()
        result.recent_checkpoints = list(self.recent.items())
        return result

    def _publish_position(self) -> None:
        result = self.result
        result.expected_seq, result.last_hash = self.expected_seq, self.prev
        result.last_checkpoint = self.last_checkpoint

    def feed(self, number: int, raw: bytes) -> Failure | None:
        result = self.result
        # No record the writer produces is longer or deeper than this; a line that is gets no parser at all (a
        # parser recurses once per bracket) and counts as unreadable: damage that a seam must acknowledge.
        if len(raw) > MAX_RECORD_BYTES:
            self._damage(number, raw, f"longer than the {MAX_RECORD_BYTES // 1024} KiB a record may be")
            return None
        if json_depth_exceeds(raw, MAX_RECORD_DEPTH):
            self._damage(number, raw, f"nested deeper than the {MAX_RECORD_DEPTH} levels a record may be")
            return None
        fields = _fast_fields(raw)
        record: dict[str, Any] | None = None
        if fields is None or fields.event in _FULL_RECORD_EVENTS:
            try:
                parsed = _decode_text(raw.decode("utf-8"))  # a UnicodeDecodeError is a ValueError: damage
                if not isinstance(parsed, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                self._damage(number, raw, "not a JSON object")
                return None
            record = parsed
            fields = Fields(record)
        seq, event = fields.seq, fields.event
        if result.first_seq is None and isinstance(seq, int):
            result.first_seq = seq
        if self.damaged:
            if event != "seam" or record is None:
                return Failure(
                    self.damaged_line, None, "edited", f"an unreadable record ({self.damaged_why}) is not acknowledged"
                )
            acknowledged = (record.get("torn_sha256"), record.get("torn_len"))
            if acknowledged != (self.damaged_hash.hexdigest(), self.damaged_len):
                return Failure(number, seq, "edited", "a seam record does not match the damage it names")
            result.notes.append(f"seam at line {number}: {self.damaged_len} damaged bytes acknowledged (a crash)")
            self.damaged, self.damaged_len, self.damaged_hash, self.damaged_why = 0, 0, hashlib.sha256(), ""
        elif event == "seam":
            return Failure(number, seq, "edited", "a seam record with no damage before it")
        if self.pending is not None:
            # One record of lookahead tells a swap (the skipped record comes next) from a deletion.
            return gap_failure(self.pending, next_seq=seq, expected_seq=self.expected_seq)
        problem = self._check_chain(fields, raw, record)
        if problem and problem[0] == "missing" and isinstance(seq, int):
            self.pending = Failure(number, seq, *problem)
            return None
        if problem:
            return Failure(number, seq if isinstance(seq, int) else None, *problem)
        if not isinstance(seq, int):  # the problem check above reports a non-integer seq
            return Failure(number, None, "record", "seq is not an integer")
        if event == "checkpoint":
            if record is None:  # read above for every event but a plain decision
                return Failure(number, seq, "record", "the checkpoint record could not be read")
            mismatch = self._check_checkpoint(record)
            if mismatch:
                return Failure(number, seq, "checkpoint mismatch", mismatch)
            self.last_checkpoint = str(record["hash"])
            result.checkpoints += 1
            self.recent[self.last_checkpoint] = record
            if len(self.recent) > RECENT_CHECKPOINTS:
                self.recent.pop(next(iter(self.recent)))
        elif event == "checkpoint-timestamp":
            if record is None:  # read above for every event but a plain decision
                return Failure(number, seq, "record", "the timestamp record could not be read")
            named = self.recent.get(str(record.get("checkpoint_hash")))
            if named is None and self.seeded and len(self.recent) < RECENT_CHECKPOINTS:
                self._defer(("timestamp", number, seq, record, len(self.recent)))
            else:
                stamp_problem = check_timestamp(record, self.recent, self.tsa_roots, result)
                if stamp_problem:
                    return Failure(number, seq, "checkpoint mismatch", stamp_problem)
        if self.anchor is not None and seq == self.anchor.seq and fields.hash != self.anchor.checkpoint_hash:
            return Failure(number, seq, "forked", "the record at the anchor's seq is not the anchored checkpoint")
        problem_text = self._check_semantics(number, seq, fields)
        if problem_text:
            return Failure(number, seq, *problem_text)
        self.prev = str(fields.hash)
        self.tree.append(leaf_hash(bytes.fromhex(self.prev)))
        self.expected_seq += 1
        result.records += 1
        result.seams += event == "seam"
        return None

    def _check_chain(self, fields: Any, raw: bytes, record: dict[str, Any] | None) -> tuple[str, str] | None:
        seq, prev, expected_seq = fields.seq, self.prev, self.expected_seq
        if not isinstance(seq, int) or isinstance(seq, bool):
            return "edited", "a record without a sequence number"
        if fields.prev_hash != prev:
            if seq < expected_seq:
                return "reordered", f"seq {seq} appears after seq {expected_seq - 1}"
            if seq > expected_seq:
                return "missing", f"records {expected_seq}..{seq - 1} are missing"
            return "forked", "the record does not chain to the one before it (spliced or forked log)"
        claimed = fields.hash
        if line_hash(prev, raw) != claimed:
            if record is None:
                try:
                    record = _decode_text(raw.decode("utf-8"))
                except (ValueError, RecursionError):  # pragma: no cover - the fast decoder accepted this line
                    return "edited", "the record's content does not match its hash"
            if not isinstance(record, dict) or chain_hash(prev, record) != claimed:
                return "edited", "the record's content does not match its hash"
        if seq != expected_seq:
            return ("missing" if seq > expected_seq else "reordered"), f"expected seq {expected_seq}, found {seq}"
        return None

    def _check_checkpoint(self, record: Mapping[str, Any]) -> str | None:
        tree = self.tree
        if record.get("tree_size") != tree.size:
            return f"covers {record.get('tree_size')} records, but {tree.size} precede it"
        if record.get("root") != tree.root().hex():
            return "its Merkle root does not match the records before it"
        if record.get("peaks") != tree.to_json():
            return "its stored compact range does not match the records before it"
        if record.get("prev_checkpoint") != self.last_checkpoint:
            return "it does not name the previous checkpoint"
        if self.public_key is None:
            return "no public key to check its signature (pass --pubkey or keep audit-signing.pub)"
        if not verify_checkpoint_signature(record, self.public_key):
            return f"its signature does not verify under key {key_id(self.public_key)}"
        return None

    def _damage(self, number: int, raw: bytes, why: str) -> None:
        if not self.damaged:
            self.damaged_line, self.damaged_why = number, why
        else:
            self.damaged_hash.update(b"\n")
            self.damaged_len += 1
        self.damaged += 1
        self.damaged_hash.update(raw)
        self.damaged_len += len(raw)

    def _stream_long_line(self, number: int, start: bytes, handle: BinaryIO) -> tuple[int, bool]:
        """A line longer than any record: damage, hashed in chunks as it is read. Returns (bytes read after
        ``start``, whether the line ended with a newline)."""
        self._damage(number, start, f"longer than the {MAX_RECORD_BYTES // 1024} KiB a record may be")
        read = 0
        while chunk := handle.readline(1 << 20):
            read += len(chunk)
            terminated = chunk.endswith(b"\n")
            piece = chunk[:-1] if terminated else chunk
            self.damaged_hash.update(piece)
            self.damaged_len += len(piece)
            if terminated:
                return read, True
        return read, False

    def _note_run_record(self, number: int, seq: int, fields: Any) -> None:
        """Remember a run's closure; a record of the run after it is an anomaly (kept, bounded, per run)."""
        event, run, result = fields.event, fields.run_id, self.result
        if event not in _RUN_RECORD_EVENTS or not isinstance(run, str) or not run:
            return
        decision = fields.decision_id if isinstance(fields.decision_id, str) else ""
        closed = result.closed_runs.get(run)
        if closed is not None:
            _count_late(result.late, LateRecords(run, number, seq, str(event), decision, closed))
        elif self.seeded and not _count_late(
            result.maybe_late, LateRecords(run, number, seq, str(event), decision, -1)
        ):
            result.deferred_overflow = True  # the join could not judge every run: it falls back to one scan
        if event in _CLOSING_EVENTS and closed is None and len(result.closed_runs) < MAX_REMEMBERED:
            result.closed_runs[run] = seq

    def _check_semantics(self, number: int, seq: int, fields: Any) -> tuple[str, str] | None:
        """Approval items used once; every decision of an ended run has its outcome (or an orphan mark); no run
        records anything after it was closed."""
        self._note_run_record(number, seq, fields)
        result, event, decision = self.result, fields.event, fields.decision_id
        if event == "decision":
            item = fields.approval_item
            if isinstance(item, str) and fields.decision == "allowed":
                replay = use_item(result.used_items, item, seq)
                if replay:
                    return replay
                if self.seeded:
                    self._defer(("item", number, seq, item))
            if isinstance(decision, str):
                if len(result.open_decisions) < MAX_REMEMBERED:
                    result.open_decisions[decision] = (str(fields.run_id or ""), seq)
                else:
                    result.overflow += 1
        elif event in ("outcome", "orphan") and isinstance(decision, str):
            if result.open_decisions.pop(decision, None) is None and self.seeded:
                self._defer(("close", number, seq, decision))
        elif event == "run-end":
            run = str(fields.run_id or "")
            waiting = [d for d, (r, _unused) in result.open_decisions.items() if r == run]
            first_seq = result.open_decisions[waiting[0]][1] if waiting else None
            if self.seeded:
                self._defer(("run-end", number, seq, run, len(waiting), first_seq))
            elif waiting:
                return "orphan not flagged", orphan_problem(run, len(waiting), first_seq)
        return None

    def _defer(self, check: tuple[Any, ...]) -> None:
        if len(self.result.deferred) < MAX_REMEMBERED:
            self.result.deferred.append(check)
        else:
            self.result.deferred_overflow = True


def _count_late(table: dict[str, LateRecords], late: LateRecords) -> bool:
    """Count one late record of its run; False when the table is full and the run is not in it."""
    entry = table.get(late.run)
    if entry is not None:
        entry.count += 1
    elif len(table) < MAX_REMEMBERED:
        table[late.run] = late
    else:
        return False
    return True


def gap_failure(gap: Failure, *, next_seq: object, expected_seq: int) -> Failure:
    """A record that skipped ahead, judged by the record after it: the skipped one next means a swap, else a cut."""
    if next_seq == expected_seq:
        return Failure(gap.line, gap.seq, "reordered", f"seq {gap.seq} appears before seq {expected_seq}")
    return Failure(gap.line, gap.seq, "missing", gap.problem)


def use_item(used_items: dict[str, int], item: str, seq: int) -> tuple[str, str] | None:
    """Record one use of an approval item (bounded); a second use is a replay."""
    if item in used_items:
        return "replayed approval", f"approval item {item} allowed a second task (first at seq {used_items[item]})"
    if len(used_items) < MAX_REMEMBERED:
        used_items[item] = seq
    return None


def orphan_problem(run: str, count: int, first_seq: int | None) -> str:
    return f"run {run[:12]} ended with {count} decision(s) lacking an outcome or orphan mark (seq {first_seq})"


def check_timestamp(
    record: Mapping[str, Any], checkpoints: Mapping[str, Mapping[str, Any]], roots: bytes | None, result: ScanResult
) -> str | None:
    """None when the timestamp holds (or cannot be checked, which is noted); adds to the result's count."""
    token = record.get("tsa_token")
    if not token:
        result.notes.append(f"checkpoint seq {record.get('checkpoint_seq')} has no timestamp: {record.get('error')}")
        return None
    checkpoint = checkpoints.get(str(record.get("checkpoint_hash")))
    if checkpoint is None or checkpoint.get("seq") != record.get("checkpoint_seq"):
        return "a timestamp names a checkpoint that is not among the recent ones"
    if roots is None:
        result.notes.append("timestamps present but not checked (no TSA root: set PRAXIS_TSA_CA or pass --tsa-ca)")
        return None

    try:
        problem = verify_timestamp(base64.b64decode(str(token), validate=True), checkpoint, roots_pem=roots)
    except ValueError:
        problem = "the timestamp token is not base64"
    result.timestamps += problem is None
    return f"the checkpoint's timestamp does not verify: {problem}" if problem else None
