# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Ending every process of one agent run, wherever it went.

Why not just the process group: ansible-core's workers call ``setsid()`` (each is a session of its own), ssh
clients and their ControlPersist masters detach too, and a worker's children are re-parented when the worker dies.
Killing ansible-playbook's process group, which is all ansible-runner does on cancel, leaves tasks running. So each
run carries a marker in its environment (inherited by every process it starts, in every session), and the sweep
kills every process with the marker, plus every descendant of one (a task that cleared its environment), until none
is left. Only processes of this user are visible, which are the only ones a run can start.

Security constraints: SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

__all__ = ["MARKER", "end_processes", "marked_processes", "running"]

MARKER = "PRAXIS_AGENT_RUN"
_PROC = Path("/proc")


def marked_processes(token: str) -> set[int]:
    """Pids of processes carrying ``MARKER=token`` in their environment, and their descendants."""
    needle = f"{MARKER}={token}".encode()
    me = os.getpid()
    marked: set[int] = set()
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == me:
            continue
        try:
            stat = (entry / "stat").read_bytes()
            parents[pid] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                marked.add(pid)
        except (OSError, ValueError, IndexError):
            continue
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(marked), list(marked)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found and child != me:
                found.add(child)
                stack.append(child)
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process: not gone, and not a zombie waiting for its parent to reap it."""
    try:
        stat = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rindex(b")") + 2 :][:1] not in (b"Z", b"X", b"")


def end_processes(token: str, *, rounds: int = 40, pause: float = 0.025) -> int:
    """Stop, then kill, every process of the run; repeat until none is found. Returns how many were signalled."""
    signalled: set[int] = set()
    for _repeat in range(rounds):
        pids = marked_processes(token)
        if not pids:
            break
        for pid in pids:  # stopped first, so that none forks a replacement while its siblings are killed
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)
        for pid in marked_processes(token) | pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                signalled.add(pid)
        time.sleep(pause)
    return len(signalled)
