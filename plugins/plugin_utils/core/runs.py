# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run bookkeeping: every decision ends with an outcome, or is visibly marked orphaned.

A run that is killed (``kill -9``, an OOM, a lost node) leaves decisions whose outcome was never written. The gate
cannot know what those tasks did, so it must say so rather than leave a silent gap. Each run leaves a small marker
in the state directory while it is alive, naming where in the log it started; the run's own end, or the next run
to start (or ``praxis-gate audit recover``), reads the log from there and appends an ``orphan`` record for every
decision without an outcome, then closes the run. The scan covers one run's records, never the whole log.

Whether a run is gone is decided by a lock, not only by a process id. The controller holds an exclusive ``flock``
on its open marker, and every worker it forks inherits that open file (a lock belongs to the open file, not to a
process), so the lock is free only when the controller and every worker are gone. A controller killed while a
worker still runs its task therefore keeps its run open: recovery never races a live worker into writing an
outcome after the run was closed. Programs a worker executes (modules, ssh) do not inherit it (close-on-exec).

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audit.writer import MAX_RECORD_BYTES, MAX_RECORD_DEPTH, AuditLog
from .errors import StateError
from .limits import bounded_lines, load_json, read_bounded
from .models import Verdict
from .statedir import ensure_state_dir, open_private_file, resource_error

__all__ = ["RunJournal", "open_decisions"]

_MARKERS = "runs"
_MAX_MARKER = 4096
Timestamper = Callable[[Mapping[str, Any]], bytes]


# No generated __eq__, __hash__ or __repr__ (eq=False, repr=False): never compared, hashed or printed, and each
# generated method is compiled when the class is created, in every gated run's start-up (issue 22).
@dataclass(frozen=True, eq=False, repr=False)
class _Marker:
    run_id: str
    pid: int
    offset: int
    path: Path
    locked: bool = False  # its run holds a lock on it (markers of older releases do not)


def open_decisions(log_path: Path, run_id: str, offset: int) -> list[dict[str, Any]]:
    """Decisions of ``run_id`` written at or after ``offset`` that have neither an outcome nor an orphan mark."""
    return _scan_run(log_path, run_id, offset)[0]


def _scan_run(log_path: Path, run_id: str, offset: int) -> tuple[list[dict[str, Any]], bool]:
    """(the run's open decisions, whether its run-end or run-aborted is already in the log) from ``offset`` on."""
    waiting: dict[str, dict[str, Any]] = {}
    closed = False
    for record in _records_from(log_path, max(0, offset)):
        if record.get("run_id") != run_id:
            continue
        event = record.get("event")
        if event in ("run-end", "run-aborted"):
            closed = True
        decision_id = record.get("decision_id")
        if not isinstance(decision_id, str):
            continue
        if event == "decision":
            waiting[decision_id] = record
        elif event in ("outcome", "orphan"):
            waiting.pop(decision_id, None)
    return list(waiting.values()), closed


def _records_from(path: Path, offset: int) -> Iterator[dict[str, Any]]:
    try:
        fd = open_private_file(path, os.O_RDONLY)
    except StateError:
        return
    with os.fdopen(fd, "rb") as handle:
        handle.seek(offset)
        if offset:
            handle.readline()  # the offset may land mid-line if the log was damaged; skip to a boundary
        for raw in bounded_lines(handle, MAX_RECORD_BYTES):
            if raw is None:
                continue
            try:
                record = load_json(raw, max_bytes=MAX_RECORD_BYTES, max_depth=MAX_RECORD_DEPTH)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


class RunJournal:
    """Start, finish and recover runs against one audit log."""

    def __init__(self, audit: AuditLog, state_dir: Path, *, timestamper: Timestamper | None = None) -> None:
        self.audit = audit
        self.state_dir = state_dir
        self.directory = state_dir / _MARKERS
        self.timestamper = timestamper
        self._held: int | None = None  # this run's marker, open and locked for the run's lifetime

    def start(self, run_id: str, fields: dict[str, Any]) -> bool:
        """Recover dead runs, leave this run's marker (locked), write ``run-start``. True, or StateError naming what
        is wrong with the state directory and the one next step: a run that cannot be recorded does not start."""
        ensure_state_dir(self.state_dir)
        self.audit.prepare()  # the log, its keys: a full or read-only disk is found here, not at the first task
        self.recover()
        try:
            offset = os.stat(self.audit.path).st_size  # this run's records all come after it
        except OSError as exc:
            raise resource_error(exc, self.state_dir, f"read the audit log {self.audit.path}") from exc
        self._hold_marker(run_id, os.getpid(), offset)
        if not self.audit.append({"event": "run-start", "run_id": run_id, **fields}, durable=True):
            self._drop_marker(run_id)
            failure = self.audit.last_failure
            if isinstance(failure, StateError):
                raise failure
            if isinstance(failure, OSError):
                raise resource_error(failure, self.state_dir, f"write the audit log {self.audit.path}")
            raise StateError(f"cannot write the audit log {self.audit.path}: {self.audit.last_error}",
                             hint="run `praxis-gate audit verify` and check the state directory")  # fmt: skip
        self.audit.start_flusher()  # group commit for the run's forked workers (see AuditLog._sync)
        return True

    def asked_for_approval(self, run_id: str) -> bool:
        """Whether a decision of this run may wait for an operator, read from the run's own records (from its
        marker on): the run's end opens the approval store only then. True whenever it cannot tell.

        A decision that waits says ``approval_required``; one whose wait the emergency stop ended is a refusal by
        the ``killswitch`` rule, and its request still waits. (A --check run's plan is written without either: its
        dry-run diffs, tasks decided at run time and refusals up front; the gate asks for it by itself.)"""
        marker = self._read_marker(self.directory / f"{run_id}.json")
        if marker is None:
            return True
        needles = (f'"{Verdict.APPROVAL_REQUIRED.value}"'.encode(), b'"killswitch"')
        run = run_id.encode()
        try:
            with self.audit.path.open("rb") as handle:
                handle.seek(marker.offset)
                return any(run in raw and any(needle in raw for needle in needles) for raw in handle)
        except OSError:
            return True

    def finish(self, run_id: str, session: str) -> None:
        """Mark this run's open decisions orphaned, write ``run-end`` and a checkpoint, drop the marker, and stop the
        run's group commit after a last sync. A run whose end cannot be written keeps its marker, so that the next
        run (or ``audit recover``), once the disk has room again, closes it."""
        try:
            marker = self._read_marker(self.directory / f"{run_id}.json")
            offset = marker.offset if marker else 0
            closed = self._close(
                run_id, session, offset, event="run-end", why="the run ended before this task reported back"
            )
            self._checkpoint(run_id)
            if closed:
                self._drop_marker(run_id)
        finally:
            self._release()
            self.audit.stop_flusher()

    def recover(self) -> int:
        """Close runs whose processes are all gone (see the module docstring). Returns how many were recovered."""
        try:
            markers = sorted(self.directory.glob("*.json"))
        except OSError:
            return 0
        recovered = 0
        for path in markers:
            with _claim(path) as claimed:
                marker = self._read_marker(path) if claimed else None
                if marker is None or (not marker.locked and _alive(marker.pid)):
                    continue  # alive (or a marker we cannot judge); a free lock alone proves a locking run gone
                if _scan_run(self.audit.path, marker.run_id, marker.offset)[1]:
                    # The run closed itself but could not remove its marker (a read-only directory): closing it
                    # again would put a second closing record after the first, which verify reports.
                    with contextlib.suppress(OSError):
                        path.unlink()
                    continue
                if self._close(
                    marker.run_id,
                    "",
                    marker.offset,
                    event="run-aborted",
                    why=f"the run's process (pid {marker.pid}) died before this task reported back",
                ):
                    with contextlib.suppress(OSError):
                        path.unlink()
                    recovered += 1
        if recovered:
            self._checkpoint("")
        return recovered

    def _checkpoint(self, run_id: str) -> None:
        """Checkpoint, and have it countersigned when a time-stamping authority is configured. Each checkpoint
        chains to the one before, so a timestamp on the newest vouches for every record up to it."""
        if not self.audit.checkpoint() or self.timestamper is None or self.audit.last_checkpoint is None:
            return
        checkpoint = self.audit.last_checkpoint
        record: dict[str, Any] = {
            "event": "checkpoint-timestamp",
            "run_id": run_id,
            "checkpoint_seq": checkpoint["seq"],
            "checkpoint_hash": checkpoint["hash"],
        }
        try:
            record["tsa_token"] = base64.b64encode(self.timestamper(checkpoint)).decode()
        except Exception as exc:  # a missing witness is recorded, never fatal to the run
            record["error"] = f"{type(exc).__name__}: {exc}"[:300]
        self.audit.append(record)

    def _close(self, run_id: str, session: str, offset: int, *, event: str, why: str) -> bool:
        """Orphan-mark the run's open decisions and write its closing record; True when that record was written.

        A closing record only after every orphan mark is written: on a nearly full disk a long orphan record can fail
        where the short closing record still fits, and a run closed over an unmarked decision is what verify reports
        as tampering. Without the closing record the marker stays, and the next run or `audit recover` closes it."""
        for decision in open_decisions(self.audit.path, run_id, offset):
            marked = self.audit.append(
                {
                    "event": "orphan",
                    "run_id": run_id,
                    "session": session or decision.get("session", ""),
                    "decision_id": decision["decision_id"],
                    "host": decision.get("host"),
                    "action": decision.get("action"),
                    "tier": decision.get("tier"),
                    "decision": decision.get("decision"),
                    "reason": why,
                }
            )
            if not marked:
                return False
        return self.audit.append({"event": event, "run_id": run_id, "session": session, "pid": os.getpid()})

    def _hold_marker(self, run_id: str, pid: int, offset: int) -> None:
        """Write this run's marker and keep it open under an exclusive lock that forked workers inherit."""
        path = self.directory / f"{run_id}.json"
        fd = -1
        try:
            self.directory.mkdir(mode=0o700, exist_ok=True)
            fd = open_private_file(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            data = json.dumps({"run_id": run_id, "pid": pid, "offset": offset, "locked": True}).encode()
            if os.write(fd, data) != len(data):
                raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)}: short write")
        except OSError as exc:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(OSError):
                path.unlink()
            raise resource_error(exc, self.state_dir, f"write the run marker {path}") from exc
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        self._held = fd

    def _drop_marker(self, run_id: str) -> None:
        with contextlib.suppress(OSError):
            (self.directory / f"{run_id}.json").unlink()
        self._release()

    def _release(self) -> None:
        fd, self._held = self._held, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # forked workers that still hold the open file keep the lock until they exit

    @staticmethod
    def _read_marker(path: Path) -> _Marker | None:
        try:
            raw = read_bounded(path, max_bytes=_MAX_MARKER, what="the run marker", follow_symlinks=False)
            data = load_json(raw, max_bytes=_MAX_MARKER, max_depth=2)
            return _Marker(str(data["run_id"]), int(data["pid"]), int(data["offset"]), path, data.get("locked") is True)
        except (OSError, ValueError, KeyError, TypeError):
            return None


@contextlib.contextmanager
def _claim(path: Path) -> Iterator[bool]:
    """Lock a run's marker if no process of the run holds it: True while held (the run's processes are all gone,
    and no other recovery is closing it), False when the run is alive, or the marker is not a file we can lock."""
    try:
        fd = open_private_file(path, os.O_RDONLY)
    except StateError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield os.path.lexists(path)  # a recovery that held it before us may have closed the run and removed it
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    """The marker's process id still names a process that may be the run's controller (kept beside the lock for
    markers left by releases that did not lock them)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a reused pid that is not an Ansible process does not keep a dead run open
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"ansible" in cmdline or b"python" in cmdline
