# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run's workers die with its controller, so that killing a run stops its tasks.

Why this is needed: ansible-core forks a worker per task and host, and each worker calls ``setsid()``
(``WorkerProcess._detach``) to leave the controller's terminal. A worker is therefore in a session and process group
of its own, and ``kill -- -PGID`` of ``ansible-playbook`` (what a job runner, a CI timeout or an operator does to stop
a run) kills the controller but not the workers: a task keeps running, unsupervised, and reports its outcome into an
audit log in which ``audit recover`` may already have closed the run.

What is done, only while the gate is armed: every process the controller forks from its main thread (the workers)
asks the kernel for a parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGTERM)``, through ctypes: the standard
library has no binding). SIGTERM, not SIGKILL, because a worker's own handler for it (``WorkerProcess._term``) kills
the worker's process group, where a local task's module and the commands it runs live; the hook on that handler
(``stop_children``) also stops the worker's children that ansible-core put in sessions of their own (the ssh client).
A fork from another thread is left alone: the signal follows the thread that forked, not the process, so a child of
a short-lived thread would die early. Not covered: a command already running on an SSH host (without a terminal,
sshd does not signal a session's processes when its client goes away) and ``async`` jobs, which detach on purpose.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable

__all__ = ["die_with_controller", "stop_children"]

_PR_SET_PDEATHSIG = 1
# Set just before each fork; the child reads its inherited copy.
_forker: dict[str, int | bool] = {"pid": -1, "main": False}
_registered: list[bool] = []  # one entry once this process registered its handlers


def die_with_controller() -> bool:
    """From now on, children forked from this process's main thread get SIGTERM when it dies. Once per process;
    False where the kernel offers no parent-death signal (not Linux)."""
    if _registered:
        return True
    prctl = _prctl()
    if prctl is None:
        return False
    os.register_at_fork(before=_before_fork, after_in_child=lambda: _in_child(prctl))
    _registered.append(True)
    return True


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    function.restype = ctypes.c_int
    prctl: Callable[..., int] = function
    return prctl


def _before_fork() -> None:
    _forker["pid"] = os.getpid()
    _forker["main"] = threading.current_thread() is threading.main_thread()


def _in_child(prctl: Callable[..., int]) -> None:
    if not _forker["main"]:
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != _forker["pid"]:  # the parent died between fork() and prctl(): the signal would never come
        os.kill(os.getpid(), signal.SIGTERM)


def stop_children(signum: int) -> None:
    """Send ``signum`` to this process's children that live in another session (ansible-core starts the ssh client
    with ``start_new_session``), which a kill of this process's own group would miss; never raises."""
    me = os.getpid()
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            pid, parent, group = int(entry), int(fields[1]), int(fields[2])
            if parent != me or group == os.getpgid(0):
                continue
            with contextlib.suppress(OSError):
                if group == pid:
                    os.killpg(group, signum)  # a session leader: its whole group (what it started, too)
                else:
                    os.kill(pid, signum)
