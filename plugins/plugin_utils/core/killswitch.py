# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emergency stop: one file in the state directory, checked before every task and every remote command.

A file (not a flag in a database or in memory) because it must survive crashes and reboots, be visible to every
process of every run at once, and be checkable with a single ``lstat`` on the hot path. Anything other than "the
file is definitely absent" counts as tripped: a sentinel we cannot read is a sentinel we cannot trust to be off.

Security constraints: SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import StateError

__all__ = ["KillSwitchState", "clear", "is_tripped", "status", "trip"]

_MAX_SENTINEL_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class KillSwitchState:
    tripped: bool
    reason: str = ""
    since: str = ""
    by: str = ""
    problem: str = ""  # why the sentinel counts as tripped without being readable
    # The process that tripped it. An agent run whose own task tripped the stop lets that task finish recording the
    # stop (audit record, store history, its outcome) before ending the run's processes (agents/runner.py).
    pid: int | None = None

    def describe(self) -> str:
        if not self.tripped:
            return "emergency stop: clear"
        if self.problem:
            return f"emergency stop: TRIPPED (sentinel unreadable: {self.problem})"
        return f"emergency stop: TRIPPED since {self.since} by {self.by}: {self.reason}"


def is_tripped(path: Path) -> bool:
    """Hot-path check: one lstat. Only a definite "does not exist" reads as clear."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def status(path: Path) -> KillSwitchState:
    """The full story for humans (`praxis-gate status`); never raises."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return KillSwitchState(tripped=False)
    except OSError as exc:
        return KillSwitchState(tripped=True, problem=f"{type(exc).__name__}: {exc.strerror or exc}")
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang `praxis-gate status` (or `clear`) on open().
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("sentinel is not a regular file")
            raw = os.read(fd, _MAX_SENTINEL_BYTES)
        finally:
            os.close(fd)
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("sentinel is not a JSON object")
        return KillSwitchState(
            tripped=True,
            reason=str(data.get("reason", ""))[:500],
            since=str(data.get("since", ""))[:64],
            by=str(data.get("by", ""))[:200],
            pid=_pid(data.get("pid")),
        )
    except Exception as exc:  # never raises: deeply nested JSON is a RecursionError, not a ValueError
        return KillSwitchState(tripped=True, problem=f"{type(exc).__name__}: {exc}"[:300])


def _pid(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def trip(path: Path, *, reason: str, principal: str) -> KillSwitchState:
    """Write the sentinel atomically and durably (temp file, fsync, rename, fsync the directory)."""
    if not reason.strip():
        raise StateError("an emergency stop needs a reason", hint="pass --reason 'what happened'")
    state = KillSwitchState(
        tripped=True,
        reason=reason.strip()[:500],
        since=datetime.now(UTC).isoformat(timespec="seconds"),
        by=principal[:200],
        pid=os.getpid(),
    )
    fields = {"reason": state.reason, "since": state.since, "by": state.by, "pid": state.pid}
    payload = json.dumps(fields, sort_keys=True).encode()
    directory = _ensure_dir(path.parent)
    tmp = directory / f".emergency-stop.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        _fsync_dir(directory)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise StateError(f"cannot write the emergency-stop sentinel {path}: {exc}", hint=_DIR_HINT) from exc
    return state


def clear(path: Path) -> KillSwitchState:
    """Remove the sentinel durably and return what it said (the caller records who cleared it and why)."""
    previous = status(path)
    try:
        os.unlink(path)
    except FileNotFoundError:
        return previous
    except OSError as exc:
        raise StateError(f"cannot remove the emergency-stop sentinel {path}: {exc}", hint=_DIR_HINT) from exc
    _fsync_dir(path.parent)
    return previous


_DIR_HINT = "check that the state directory (PRAXIS_STATE_DIR) exists, is owned by you and is writable"


def _ensure_dir(directory: Path) -> Path:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"cannot create the state directory {directory}: {exc}", hint=_DIR_HINT) from exc
    return directory


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EROFS):
            raise
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
