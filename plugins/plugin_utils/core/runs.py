# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run bookkeeping: every decision ends with an outcome, or is visibly marked orphaned.

A run that is killed (``kill -9``, an OOM, a lost node) leaves decisions whose outcome was never written. The gate
cannot know what those tasks did, so it must say so rather than leave a silent gap. Each run leaves a small marker
in the state directory while it is alive, naming where in the log it started; the run's own end, or the next run
to start (or ``praxis-gate audit recover``), reads the log from there and appends an ``orphan`` record for every
decision without an outcome, then closes the run. The scan covers one run's records, never the whole log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audit.writer import AuditLog
from .models import Verdict
from .statedir import ensure_state_dir, open_private_file

__all__ = ["RunJournal", "open_decisions"]

_MARKERS = "runs"
Timestamper = Callable[[Mapping[str, Any]], bytes]


@dataclass(frozen=True)
class _Marker:
    run_id: str
    pid: int
    offset: int
    path: Path


def open_decisions(log_path: Path, run_id: str, offset: int) -> list[dict[str, Any]]:
    """Decisions of ``run_id`` written at or after ``offset`` that have neither an outcome nor an orphan mark."""
    waiting: dict[str, dict[str, Any]] = {}
    for record in _records_from(log_path, max(0, offset)):
        if record.get("run_id") != run_id:
            continue
        decision_id = record.get("decision_id")
        if not isinstance(decision_id, str):
            continue
        if record.get("event") == "decision":
            waiting[decision_id] = record
        elif record.get("event") in ("outcome", "orphan"):
            waiting.pop(decision_id, None)
    return list(waiting.values())


def _records_from(path: Path, offset: int) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        handle.seek(offset)
        if offset:
            handle.readline()  # the offset may land mid-line if the log was damaged; skip to a boundary
        for raw in handle:
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                yield record


class RunJournal:
    """Start, finish and recover runs against one audit log."""

    def __init__(self, audit: AuditLog, state_dir: Path, *, timestamper: Timestamper | None = None) -> None:
        self.audit = audit
        self.directory = state_dir / _MARKERS
        self.timestamper = timestamper

    def start(self, run_id: str, fields: dict[str, Any]) -> bool:
        """Recover dead runs, write ``run-start`` and leave this run's marker. False if the record was not written."""
        self.recover()
        started = self.audit.append({"event": "run-start", "run_id": run_id, **fields})
        self.audit.start_flusher()  # group commit for the run's forked workers (see AuditLog._sync)
        if not started:
            return False
        self._write_marker(run_id, os.getpid(), self.audit.last_offset)
        return True

    def asked_for_approval(self, run_id: str) -> bool:
        """Whether a decision of this run may wait for an operator, read from the run's own records (from its
        marker on): the run's end opens the approval store only then. True whenever it cannot tell."""
        marker = self._read_marker(self.directory / f"{run_id}.json")
        if marker is None:
            return True
        needle, run = f'"{Verdict.APPROVAL_REQUIRED.value}"'.encode(), run_id.encode()
        try:
            with self.audit.path.open("rb") as handle:
                handle.seek(marker.offset)
                return any(needle in raw and run in raw for raw in handle)
        except OSError:
            return True

    def finish(self, run_id: str, session: str) -> None:
        """Mark this run's open decisions orphaned, write ``run-end`` and a checkpoint, drop the marker, and stop the
        run's group commit after a last sync."""
        try:
            marker = self._read_marker(self.directory / f"{run_id}.json")
            offset = marker.offset if marker else 0
            self._close(run_id, session, offset, event="run-end", why="the run ended before this task reported back")
            self._checkpoint(run_id)
            if marker:
                with contextlib.suppress(OSError):
                    marker.path.unlink()
        finally:
            self.audit.stop_flusher()

    def recover(self) -> int:
        """Close runs whose process is gone. Returns how many were recovered."""
        try:
            markers = sorted(self.directory.glob("*.json"))
        except OSError:
            return 0
        recovered = 0
        for path in markers:
            marker = self._read_marker(path)
            if marker is None or _alive(marker.pid):
                continue
            self._close(
                marker.run_id,
                "",
                marker.offset,
                event="run-aborted",
                why=f"the run's process (pid {marker.pid}) died before this task reported back",
            )
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

    def _close(self, run_id: str, session: str, offset: int, *, event: str, why: str) -> None:
        for decision in open_decisions(self.audit.path, run_id, offset):
            self.audit.append(
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
        self.audit.append({"event": event, "run_id": run_id, "session": session, "pid": os.getpid()})

    def _write_marker(self, run_id: str, pid: int, offset: int) -> None:
        ensure_state_dir(self.directory.parent)
        self.directory.mkdir(mode=0o700, exist_ok=True)
        fd = open_private_file(self.directory / f"{run_id}.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            os.write(fd, json.dumps({"run_id": run_id, "pid": pid, "offset": offset}).encode())
        finally:
            os.close(fd)

    @staticmethod
    def _read_marker(path: Path) -> _Marker | None:
        try:
            data = json.loads(path.read_bytes())
            return _Marker(str(data["run_id"]), int(data["pid"]), int(data["offset"]), path)
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _alive(pid: int) -> bool:
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
