# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit writer: one append-only JSON-lines file, hash-chained, owner-only, and a writer that never raises.

Why each choice:
- One write() per record under an exclusive ``flock``: forked workers and concurrent runs interleave whole records
  and read the previous hash under the same lock, so the chain never forks.
- The chain (``prev_hash`` -> ``hash``) makes an edited, removed or reordered record visible to ``audit verify``.
- Outputs are never stored, only an HMAC-SHA256 (keyed per installation) and a length: a short secret in an output
  cannot be confirmed by hashing guesses without the key.
- A torn last line (a crash mid-write) is never rewritten: the next writer terminates it and appends a ``seam``
  record that names its length and digest, so the damage stays visible and the chain continues.
- ``append`` returns False instead of raising; the gate treats a failed write as "cannot audit" and fails closed.
- During a run (``watch``), the writer remembers where its last record landed. A log replaced, truncated or
  rewritten under it since then is not crash damage to chain past: every later append fails, saying what changed,
  so the gate refuses every task above T0 for the rest of the run instead of starting a new chain on top of it.

Security constraints: SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import math
import mmap
import os
import secrets
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..core.errors import StateError
from ..core.limits import MAX_JSON_DEPTH, json_depth_exceeds
from ..core.statedir import check_state_dir, ensure_state_dir, open_private_file, resource_error
from .checkpoint import Anchor, CheckpointKeys, checkpoint_payload, read_anchor, write_anchor
from .digests import KeyedDigest, sha256_hex
from .merkle import CompactRange, leaf_hash

__all__ = [
    "GENESIS",
    "MAX_RECORD_BYTES",
    "MAX_RECORD_DEPTH",
    "AuditLog",
    "AuditSink",
    "canonical_json",
    "chain_hash",
    "load_or_create_key",
]

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DURABILITY_POLICIES = ("always", "batch", "never")
SCHEMA_VERSION = 1
MAX_RECORD_BYTES = 256 * 1024  # the longest line (without its newline) a writer produces; verify holds lines to it
MAX_RECORD_DEPTH = MAX_JSON_DEPTH  # the deepest nesting a writer produces; verify holds lines to it
_MAX_RECORD_BYTES = MAX_RECORD_BYTES
_TAIL_FIRST_WINDOW = 64 * 1024
_TAIL_WINDOW = 4 * _MAX_RECORD_BYTES  # must exceed the longest line written (a record plus its newline)


class AuditSink(Protocol):
    """The one small interface the gate writes through."""

    def append(self, record: Mapping[str, Any], *, durable: bool = False) -> bool: ...

    def output_digest(self, data: bytes) -> str: ...

    @property
    def last_error(self) -> str: ...


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Deterministic bytes for hashing: sorted keys, no spaces, ASCII only (invalid UTF-8 survives as escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode("ascii")


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    """The record hash: sha256 over the previous hash and the record without its own ``hash`` field."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json({k: v for k, v in body.items() if k != "hash"}))
    return digest.hexdigest()


def load_or_create_key(path: Path, *, size: int = 32) -> bytes:
    """A per-installation secret, created once, owner-only.

    The key is written to a private temporary file first and published with ``link()``, which fails if the name
    already exists: two processes racing cannot create two keys, and no reader ever sees a half-written key (an
    exclusive create at the final name would be visible, empty, until its creator wrote it).
    """
    key = _read_key(path, size)
    if key is not None:
        return key
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = open_private_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        try:
            fresh = secrets.token_bytes(size)
            if os.write(fd, fresh) != len(fresh):
                raise StateError(f"short write to the key file {tmp}", hint="check free space in the state directory")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process published its key first: use that one
        except OSError as exc:
            raise StateError(f"cannot create the key file {path}: {exc.strerror or exc}", hint=_KEY_HINT) from exc
        else:
            return fresh
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    key = _read_key(path, size)
    if key is None:
        raise StateError(f"the key file {path} vanished while it was being created", hint=_KEY_HINT)
    return key


_KEY_HINT = "check the state directory (PRAXIS_STATE_DIR); the key must be a regular file you own"


def _read_key(path: Path, size: int) -> bytes | None:
    """The key at ``path``; None when there is no file at all; StateError for anything else unusable."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot use the key file {path}: {exc.strerror or exc}", hint=_KEY_HINT) from exc
    fd = open_private_file(path, os.O_RDONLY)
    try:
        key = os.read(fd, 4096)
    finally:
        os.close(fd)
    if len(key) < size:
        raise StateError(f"the key file {path} is truncated", hint="restore it from backup")
    return key


class AuditLog:
    """Appends chained records to ``path``. Safe to share across fork(): every append re-reads the tail under lock."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: bool = True,
        key_path: Path | None = None,
        checkpoint_every: int = 1000,
        anchor_path: Path | None = None,
        durability: str = "batch",
        batch_seconds: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if durability not in DURABILITY_POLICIES:
            raise ValueError(f"unknown durability policy {durability!r} (expected one of {DURABILITY_POLICIES})")
        self.path = path
        self.fsync = fsync
        self.durability = durability if fsync else "never"
        self.batch_seconds = batch_seconds
        self._clock = clock
        # None until this process syncs: "never" must not be read as "at boot", because monotonic time counts from
        # boot and a machine up for less than batch_seconds would then skip the first sync of every process.
        self._last_sync: float | None = None
        self._tail: tuple[int, int, str, int] | None = None  # (inode, size, last hash, last seq) after our write
        self.key_path = key_path or path.with_name("audit.key")
        self.checkpoint_every = max(1, checkpoint_every)
        self.anchor_path = anchor_path or path.with_name("audit.anchor")
        self._fd: int | None = None
        self._pid = -1
        self._key: KeyedDigest | None = None  # prepared once per process, before workers fork (prepare)
        self._signing: CheckpointKeys | None = None
        self._last_error = ""
        self._last_failure: BaseException | None = None
        self.last_offset = -1  # byte offset of the last record this process wrote (runs resume scans from it)
        self.last_checkpoint: dict[str, Any] | None = None  # the newest checkpoint this process wrote
        self._flusher: _Flusher | None = None
        self._flusher_pid = -1  # processes forked after the flusher started leave their syncing to it
        # During a run: (st_dev, st_ino, offset of the last line written, its sha256, end of that write) of the
        # newest write by any process of the run, in memory shared with the workers forked after ``watch`` (so a
        # worker sees the controller's and the other workers' writes), and why the log cannot be trusted any more.
        self._shared: mmap.mmap | None = None
        self._changed: str = ""

    @property
    def last_error(self) -> str:
        return self._last_error

    @property
    def last_failure(self) -> BaseException | None:
        """The exception behind ``last_error`` (a StateError or OSError says what to do next), or None."""
        return self._last_failure

    @property
    def healthy(self) -> bool:
        return not self._last_error

    def watch(self) -> None:
        """From now on (a run), refuse to write to a log that was replaced, truncated or rewritten since any process
        of this run last wrote to it. Call before workers fork: they share the mark through anonymous shared memory.
        """
        if self._shared is None:
            self._shared = mmap.mmap(-1, _SHARED_SIZE)

    def _read_mark(self) -> tuple[tuple[int, int, int, str, int] | None, str]:
        shared = self._shared
        if shared is None:
            return None, ""
        dev, ino, line_at, end, digest, _chain, _seq, _chained, flag, length = _MARK.unpack_from(shared, 0)
        reason = bytes(shared[_MARK.size : _MARK.size + length]).decode("utf-8", "replace") if flag else ""
        return ((dev, ino, line_at, digest.hex(), end) if end else None), reason

    def _read_chain(self) -> tuple[str, int] | None:
        """The hash and seq of the record the run's last write ended with (what ``_read_tail`` would parse back
        from that line), or None when no process of the run has written since ``watch``."""
        shared = self._shared
        if shared is None:
            return None
        _dev, _ino, _line_at, _end, _digest, chain, seq, chained, _flag, _length = _MARK.unpack_from(shared, 0)
        return (chain.hex(), seq) if chained else None

    def _write_mark(
        self, mark: tuple[int, int, int, str, int] | None, reason: str = "", chain: tuple[str, int] | None = None
    ) -> None:
        """``chain``: the hash and seq of the record on the marked line, when it is a chained record."""
        shared = self._shared
        if shared is None:
            return
        if reason:
            text = reason.encode("utf-8")[: _SHARED_SIZE - _MARK.size]
            shared[_MARK.size : _MARK.size + len(text)] = text
            dev, ino, line_at, end, digest, last, seq, chained, _unused1, _unused2 = _MARK.unpack_from(shared, 0)
            _MARK.pack_into(shared, 0, dev, ino, line_at, end, digest, last, seq, chained, 1, len(text))
            return
        if mark is not None:
            dev, ino, line_at, digest_hex, end = mark
            last, seq, chained = b"", 0, 0
            if chain is not None and len(chain[0]) == 64:
                last, seq, chained = bytes.fromhex(chain[0]), chain[1], 1
            _MARK.pack_into(shared, 0, dev, ino, line_at, end, bytes.fromhex(digest_hex), last, seq, chained, 0, 0)

    def prepare(self) -> None:
        """Open the log and load (or create) its keys now; StateError with the reason and the next step otherwise.

        A run calls this at its start, so that a full or read-only disk, a missing or unsafe state directory or
        exhausted file descriptors stop it before its first task, not at its first outcome (the output key) or its
        last checkpoint (the signing key)."""
        try:
            self._open()
            self.output_digest(b"")
            self._keys()
        except OSError as exc:
            raise resource_error(exc, self.path.parent, f"open the audit log {self.path}") from exc

    def output_digest(self, data: bytes) -> str:
        """HMAC-SHA256 of an output under the installation key (hex)."""
        if self._key is None:
            ensure_state_dir(self.key_path.parent)
            self._key = KeyedDigest(load_or_create_key(self.key_path))
        return self._key.hexdigest(data)

    def append(self, record: Mapping[str, Any], *, durable: bool = False) -> bool:
        """Append one record; never raises. False means it was not written (see ``last_error``).

        ``durable`` forces an fsync before returning whatever the policy (the gate asks for it on every decision
        that lets a T2 or T3 action run, and on operator actions)."""
        return self._guarded(record, checkpoint=False, durable=durable)

    def rehearse(self, record: Mapping[str, Any]) -> None:
        """Serialise and hash ``record`` as ``append`` would, at a placeholder place in the chain, and throw the
        result away: opens, locks, reads and writes nothing, changes no state of this writer; never raises. The
        controller's warm-up (``Gate.rehearse_records``) runs it before workers fork, so that their first append
        runs code the interpreter has already specialised."""
        try:
            _stamped, line = self._finish(dict(record), GENESIS, 1)
            sha256_hex(line)
            self._read_mark()
        except Exception:
            return

    def checkpoint(self) -> bool:
        """Append a signed checkpoint over everything written so far (the end of every run); never raises."""
        return self._guarded(None, checkpoint=True)

    def _guarded(self, record: Mapping[str, Any] | None, *, checkpoint: bool, durable: bool = False) -> bool:
        try:
            self._append(record, force_checkpoint=checkpoint, durable=durable)
        except Exception as exc:  # the writer must never take the gate down; the gate fails closed on False
            self._last_failure = exc
            self._last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("praxis audit write failed: %s", self._last_error)
            self._close()
            return False
        self._last_error, self._last_failure = "", None
        return True

    def _open(self) -> int:
        changed = self._changed or self._read_mark()[1]
        if changed:
            self._changed = changed
            raise StateError(changed, hint=_CHANGED_HINT)
        if self._fd is not None and self._pid == os.getpid():
            if self._still_at_path(self._fd):
                return self._fd
            self._close()  # removed or replaced (rotated) since we opened it: write where the log is now
        self._fd = None  # a descriptor inherited over fork() is shared; reopen so locks are per process
        check_state_dir(self.path.parent)  # by path, in every process: a directory changed mid-run is judged
        self._fd = open_private_file(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
        self._pid = os.getpid()
        return self._fd

    def _still_at_path(self, fd: int) -> bool:
        try:
            here, ours = os.lstat(self.path), os.fstat(fd)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (ours.st_dev, ours.st_ino)

    def _close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    def _append(
        self, record: Mapping[str, Any] | None, *, force_checkpoint: bool = False, durable: bool = False
    ) -> None:
        fd = self._open()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            info = os.fstat(fd)
            mark, _unused = self._read_mark()
            if mark is not None:
                changed = _changed_since(fd, info, mark)
                if changed:
                    self._changed = f"the audit log was {changed} during this run ({self.path})"
                    self._write_mark(None, self._changed)
                    raise StateError(self._changed, hint=_CHANGED_HINT)
            tail = self._tail
            chain = (
                self._read_chain() if mark is not None and mark[1] == info.st_ino and mark[4] == info.st_size else None
            )
            if tail is not None and tail[0] == info.st_ino and tail[1] == info.st_size:
                # Nobody appended since our last write: the chain continues from what we wrote.
                prev_hash, seq, torn, unterminated = tail[2], tail[3], None, False
            elif chain is not None:
                # Another process of this run wrote last, nobody after it (the file ends where its write ended, and
                # _changed_since found that write's last line intact): the chain continues from the hash and seq it
                # left in the shared mark, which are that line's own, so the tail need not be read and parsed.
                prev_hash, seq, torn, unterminated = chain[0], chain[1], None, False
            else:
                prev_hash, seq, torn, unterminated = _read_tail(fd)
            lines: list[bytes] = []
            written_records: list[dict[str, Any]] = []
            if torn is not None:
                # Terminate the torn fragment (append-only; never rewrite) and chain a visible seam record.
                if unterminated:
                    lines.append(b"\n")
                seam, seam_line = self._finish(
                    {
                        "event": "seam",
                        "reason": "torn record after a crash; continuing the chain from the last good record",
                        "torn_len": len(torn),
                        "torn_sha256": sha256_hex(torn),
                    },
                    prev_hash,
                    seq + 1,
                )
                lines.append(seam_line)
                written_records.append(seam)
                prev_hash, seq = seam["hash"], seq + 1
            if record is not None:
                body, body_line = self._finish(dict(record), prev_hash, seq + 1)
                body_at = sum(len(line) for line in lines)  # relative to where this batch lands
                lines.append(body_line)
                written_records.append(body)
                prev_hash, seq = body["hash"], seq + 1
            checkpoint = None
            if force_checkpoint or (record is not None and seq % self.checkpoint_every == 0):
                checkpoint = self._checkpoint(fd, written_records, prev_hash, seq + 1)
                lines.append(_line(checkpoint))
            data = b"".join(lines)
            offset = info.st_size
            try:
                written = os.write(fd, data)
            except OSError:
                self._tail = None
                raise
            if written != len(data):
                # A full disk took part of the batch. We still hold the exclusive lock, so nobody has read or chained
                # to these bytes: take them back, rather than leave a torn record that only the next writer's seam
                # (after space is freed) would make the log verify past.
                self._tail = None
                _take_back(fd, offset, written)
                raise OSError(
                    errno.ENOSPC,
                    f"{os.strerror(errno.ENOSPC)}: short write to the audit log ({written} of {len(data)} bytes)",
                )
            last = checkpoint if checkpoint is not None else written_records[-1] if written_records else None
            self._tail = (info.st_ino, offset + len(data), last["hash"], last["seq"]) if last else None
            if lines and self._shared is not None:
                last_line = lines[-1]
                end = offset + len(data)
                digest = sha256_hex(last_line)
                chained = (last["hash"], last["seq"]) if last else None
                self._write_mark((info.st_dev, info.st_ino, end - len(last_line), digest, end), chain=chained)
            self._sync(fd, forced=durable or checkpoint is not None)
            if record is not None:
                self.last_offset = offset + body_at
            if checkpoint is not None:
                where = offset + len(data) - len(lines[-1])
                anchor = Anchor(
                    checkpoint["seq"], checkpoint["hash"], checkpoint["tree_size"], checkpoint["root"], where
                )
                try:
                    write_anchor(self.anchor_path, anchor)
                except Exception as exc:
                    if not _anchored(self.anchor_path, checkpoint):
                        # The first checkpoint of a log whose anchor cannot be written would read as a cut log to
                        # `audit verify` (checkpoints, but no anchor). Still under the lock, take it back: the log
                        # stays verifiable, and a later checkpoint tries again.
                        self._tail = None
                        _take_back(fd, where, len(lines[-1]))
                        if record is None:
                            raise
                        log.warning("praxis audit checkpoint dropped, the anchor could not be written: %s", exc)
                        return
                self.last_checkpoint = checkpoint
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _sync(self, fd: int, *, forced: bool) -> None:
        """The durability policy. ``always``: every record reaches the disk before append returns. ``batch``
        (default): records reach the page cache at once (a process crash loses nothing) and the disk within
        ``batch_seconds``, except those the caller marks durable (decisions that let T2/T3 actions run,
        checkpoints, operator actions), which are synced before append returns.

        Under ``batch`` with a flusher running (``start_flusher``, the controller of an ansible-playbook run), this
        process and every worker forked from it leave the other records to the flusher: per-process timing would
        cost one fsync per forked worker, that is one per task and host, held under the log's lock."""
        if self.durability == "never":
            return
        now = self._clock()
        if self.durability == "always" or forced:
            os.fsync(fd)
            self._last_sync = now
        elif self._flusher_pid != -1:
            return
        elif self._last_sync is None or not 0 <= now - self._last_sync < self.batch_seconds:
            os.fsync(fd)
            self._last_sync = now

    def start_flusher(self) -> None:
        """Group commit for a run: a thread in this process fsyncs the log every ``batch_seconds`` when it has
        grown, whichever process (this one or a forked worker) wrote to it. Only under ``batch``; never raises
        (without a flusher every writer syncs by its own timing)."""
        if self.durability != "batch" or self._flusher is not None:
            return
        try:
            flusher = _Flusher(self.path, self.batch_seconds)
            flusher.start()
        except Exception as exc:  # no flusher: the per-process timing still bounds what a power loss can take
            log.warning("praxis audit flusher not started: %s", exc)
            return
        self._flusher, self._flusher_pid = flusher, os.getpid()

    def stop_flusher(self) -> None:
        """Stop the flusher after a final sync; writers go back to syncing by their own timing."""
        flusher, self._flusher = self._flusher, None
        if flusher is not None and self._flusher_pid == os.getpid():
            flusher.stop()
        self._flusher_pid = -1

    def _keys(self) -> CheckpointKeys:
        if self._signing is None:
            self._signing = CheckpointKeys.load_or_create(self.path.parent)
        return self._signing

    def _checkpoint(self, fd: int, pending: list[dict[str, Any]], prev_hash: str, seq: int) -> dict[str, Any]:
        """A signed tree head over every record in the file plus ``pending``, chained to the previous one."""
        tree, previous = _tree_through_file(fd, self.anchor_path)
        for done in pending:
            tree.append(leaf_hash(bytes.fromhex(done["hash"])))
        keys = self._keys()
        record: dict[str, Any] = {
            "event": "checkpoint",
            "tree_size": tree.size,
            "root": tree.root().hex(),
            "peaks": tree.to_json(),
            "prev_checkpoint": previous,
            "key_id": keys.key_id,
        }
        stamped = self._stamp(record, prev_hash, seq)
        stamped["signature"] = keys.sign(checkpoint_payload(stamped))
        stamped["hash"] = chain_hash(prev_hash, stamped)
        return stamped

    @classmethod
    def _finish(cls, record: dict[str, Any], prev_hash: str, seq: int) -> tuple[dict[str, Any], bytes]:
        """The chained record and its line, serialising it once: the line is the canonical body with the hash
        appended (key order inside a line does not matter: readers re-canonicalise before hashing)."""
        stamped = cls._stamp(record, prev_hash, seq)
        body = canonical_json(stamped)
        digest = sha256_hex(prev_hash.encode("ascii") + b"\n" + body)
        stamped["hash"] = digest
        line = body[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}\n'
        if len(line) - 1 > _MAX_RECORD_BYTES:
            raise ValueError(f"audit record too large ({len(line)} bytes); the caller must bound its fields")
        if json_depth_exceeds(line, MAX_RECORD_DEPTH):
            raise ValueError(f"audit record nested deeper than {MAX_RECORD_DEPTH} levels; the caller must bound it")
        return stamped, line

    @staticmethod
    def _stamp(record: dict[str, Any], prev_hash: str, seq: int) -> dict[str, Any]:
        # Hash exactly what a reader will parse back: a JSON round trip turns tuples into lists, non-string keys
        # into strings (whose sort order differs: 10 < 2 as text) and other objects into their str(). Hashing the
        # Python value instead would make `audit verify` report an untouched record as edited.
        record = dict(record) if _json_native(record) else json.loads(canonical_json(record))
        for reserved in ("hash", "signature"):
            record.pop(reserved, None)
        record["v"] = SCHEMA_VERSION
        record["seq"] = seq
        record.setdefault("time", datetime.now(UTC).isoformat(timespec="microseconds"))
        record["prev_hash"] = prev_hash
        return record


_SHARED_SIZE = 1024
# dev, inode, last line offset, end, last line sha256, that line's chain hash and seq, whether those two are set,
# changed flag, reason length
_MARK = struct.Struct("=QQQQ32s32sQBBH")
_CHANGED_HINT = (
    "something replaced, truncated or rewrote the log while the run was writing to it; only T0 reads run until "
    "the run ends: inspect it with `praxis-gate audit verify` and find out who changed it"
)


def _changed_since(fd: int, info: os.stat_result, mark: tuple[int, int, int, str, int]) -> str:
    """How the log at ``fd`` differs from what the last write left ("" when it only grew): replaced by another
    file, truncated below the end of that write, or that write's last line rewritten."""
    dev, ino, line_at, line_sha, end = mark
    if (info.st_dev, info.st_ino) != (dev, ino):
        return "replaced by another file"
    if info.st_size < end:
        return f"truncated (it ends at byte {info.st_size}, the last record written ended at {end})"
    line = os.pread(fd, end - line_at, line_at)
    if sha256_hex(line) != line_sha:
        return f"rewritten (the record at byte {line_at} is not the one written there)"
    return ""


class _Flusher(threading.Thread):
    """fsyncs the audit log every ``period`` seconds when it has grown since the last sync (group commit)."""

    def __init__(self, path: Path, period: float) -> None:
        super().__init__(name="praxis-audit-flusher", daemon=True)
        self.path = path
        self.period = max(0.005, period)
        self._stop_event = threading.Event()
        self._fd = -1
        self._synced: tuple[int, int] = (-1, -1)  # (inode, size) at the last sync
        self._last_error = ""

    def run(self) -> None:
        while not self._stop_event.wait(self.period):
            self.flush()
        self.flush()
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1

    def flush(self) -> None:
        try:
            if self._fd < 0:
                if not os.path.lexists(self.path):
                    return  # nothing written yet
                self._fd = open_private_file(self.path, os.O_RDONLY)
            info = os.fstat(self._fd)
            here = os.lstat(self.path)
            if (here.st_dev, here.st_ino) != (info.st_dev, info.st_ino):  # rotated: sync the old one, follow
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = open_private_file(self.path, os.O_RDONLY)
                info = os.fstat(self._fd)
            if (info.st_ino, info.st_size) != self._synced:
                os.fsync(self._fd)
                self._synced = (info.st_ino, info.st_size)
        except Exception as exc:  # never raises: writers that need durability sync for themselves
            if str(exc) != self._last_error:  # once per distinct problem, not every period
                self._last_error = str(exc)
                log.warning("praxis audit flusher: %s", exc)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def _anchored(path: Path, checkpoint: Mapping[str, Any]) -> bool:
    """Whether the anchor names this checkpoint (it was published, and only a later step of writing it failed)."""
    try:
        anchor = read_anchor(path)
    except StateError:
        return False
    return anchor is not None and anchor.checkpoint_hash == checkpoint["hash"]


def _take_back(fd: int, offset: int, written: int) -> None:
    """Truncate a partial write of our own back to where it began, if the file is exactly as we left it."""
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_size == offset + written:
            os.ftruncate(fd, offset)


def _json_native(value: Any, depth: int = 0) -> bool:
    """True when JSON would give this value back unchanged (str keys, JSON scalar types), so the normalising round
    trip can be skipped; anything else (tuples, int keys, other objects) takes the round trip."""
    # Exact types, deliberately: a subclass (an IntEnum, a str or dict subclass overriding its methods) may serialise
    # differently from what it compares equal to, so it takes the round trip. One exception: a string VALUE of a str
    # subclass (ansible-core's tagged task arguments, in every decision record). json's encoders write a string's
    # own characters whatever its class overrides, and the parsed-back exact str writes the same text again, so the
    # line and its hash are what a reader re-canonicalises. A subclass as a KEY still takes the round trip: sorting
    # keys uses their comparison, which a subclass may override.
    # pylint: disable=unidiomatic-typecheck
    if depth > 32:
        return False
    if value is None or type(value) in (str, int, bool) or isinstance(value, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is dict:
        return all(type(key) is str and _json_native(item, depth + 1) for key, item in value.items())
    if type(value) is list:
        return all(_json_native(item, depth + 1) for item in value)
    return False


def _line(record: Mapping[str, Any]) -> bytes:
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str).encode("ascii")
    if len(data) > _MAX_RECORD_BYTES:
        raise ValueError(f"audit record too large ({len(data)} bytes); the caller must bound its fields")
    return data + b"\n"


def _read_tail(fd: int) -> tuple[str, int, bytes | None, bool]:
    """(hash of the last good record, its seq, damaged trailing bytes or None, whether they lack a final newline).

    Reads a small window from the end and widens it until it holds a whole good record; the widest window is
    larger than the longest line a writer produces, so one large record can never wedge the log.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return GENESIS, 0, None, False
    window = _TAIL_FIRST_WINDOW
    while True:
        start = max(0, size - window)
        chunk = os.pread(fd, size - start, start)
        found = _scan_tail(chunk, whole=start == 0)
        if found is not None:
            return found
        if start == 0 or window >= _TAIL_WINDOW:
            break
        window = min(window * 4, _TAIL_WINDOW)
    raise StateError(
        f"the audit log's last {_TAIL_WINDOW // 1024} KiB hold no readable record",
        hint="run `praxis-gate audit verify` and move the damaged log aside",
    )


def _scan_tail(chunk: bytes, *, whole: bool) -> tuple[str, int, bytes | None, bool] | None:
    """Parse the tail; None when ``chunk`` (not the ``whole`` file) is too short to hold a complete good record.

    Lines are split on ``\n`` only and blank lines count as damage, exactly as ``audit verify`` reads them, so the
    seam's ``torn_len``/``torn_sha256`` name the same bytes the verifier will find.
    """
    torn: bytes | None = None
    unterminated = not chunk.endswith(b"\n")
    if unterminated:
        cut = chunk.rfind(b"\n")
        torn = chunk[cut + 1 :]
        chunk = chunk[: cut + 1]
    lines = chunk.split(b"\n")[:-1]
    if not whole:
        lines = lines[1:]  # the window may start mid-line
    for raw in reversed(lines):
        last = _parse_record(raw)
        if last is not None:
            return last[0], last[1], torn, unterminated
        # A complete but unparseable line: treat it as damage, keep it, and chain past it with a seam.
        torn = raw if torn is None else raw + b"\n" + torn
    if whole:
        return GENESIS, 0, torn if torn is not None else b"", unterminated
    return None


def _parse_record(raw: bytes) -> tuple[str, int] | None:
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    digest, seq = record.get("hash"), record.get("seq")
    if not isinstance(digest, str) or not isinstance(seq, int) or isinstance(seq, bool):
        return None
    return digest, seq


def _tree_through_file(fd: int, anchor_path: Path) -> tuple[CompactRange, str | None]:
    """The Merkle compact range over every good record in the file, and the hash of the newest checkpoint.

    Resumes from the checkpoint the anchor points at (its stored peaks) so the work is bounded by the checkpoint
    interval; without a usable anchor it folds the whole file once.
    """
    size = os.fstat(fd).st_size
    tree, previous, start = CompactRange(), None, 0
    try:
        anchor = read_anchor(anchor_path)
    except StateError:
        anchor = None
    if anchor is not None and 0 <= anchor.offset < size:
        line = next(_read_lines(fd, anchor.offset, size), b"")
        try:
            record = json.loads(line)
            if record.get("hash") == anchor.checkpoint_hash and record.get("event") == "checkpoint":
                tree = CompactRange.from_json(int(record["tree_size"]), record["peaks"])
                tree.append(leaf_hash(bytes.fromhex(record["hash"])))
                previous, start = str(record["hash"]), anchor.offset + len(line) + 1
        except (ValueError, KeyError, TypeError, RecursionError):
            tree, previous, start = CompactRange(), None, 0
    for raw in _read_lines(fd, start, size):
        parsed = _parse_record(raw)
        if parsed is None:
            continue
        tree.append(leaf_hash(bytes.fromhex(parsed[0])))
        if start == 0 and b'"event":"checkpoint"' in raw:
            previous = parsed[0]
    return tree, previous


def _read_lines(fd: int, start: int, end: int) -> Iterator[bytes]:
    """Complete lines from ``start`` to ``end``; a line longer than any record is skipped, never held whole."""
    carry = b""
    long_line = False
    offset = start
    while offset < end:
        chunk = os.pread(fd, min(1 << 20, end - offset), offset)
        if not chunk:
            break
        offset += len(chunk)
        parts = chunk.split(b"\n")
        if long_line:
            if len(parts) == 1:
                continue
            parts, carry, long_line = parts[1:], b"", False
        parts[0] = carry + parts[0]
        carry = parts.pop()
        yield from parts
        if len(carry) > _MAX_RECORD_BYTES:
            carry, long_line = b"", True
