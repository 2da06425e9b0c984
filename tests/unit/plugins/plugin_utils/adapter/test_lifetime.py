# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Workers die with their controller: real processes, a real SIGKILL, the kernel's parent-death signal.

The "controller" is a child Python process that forks the way ansible-core's strategy does (from its main thread)
and, for the control, from a short-lived thread; the test kills it with SIGKILL and watches what survives. The
end-to-end form (ansible-playbook's process group killed mid-task) is in tests/integration/test_run_resilience.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONTROLLER = """
import os, sys, threading, time
sys.path[:0] = {path!r}
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import lifetime
if {arm!r}:
    assert lifetime.die_with_controller()

def fork_child():
    pid = os.fork()
    if pid == 0:
        while True:
            time.sleep(1)
    return pid

children = [fork_child()]
thread = threading.Thread(target=lambda: children.append(fork_child()))
thread.start()
thread.join()  # the forking thread is gone: a parent-death signal tied to it would already have fired
print(*children, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie lingers until init reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != b"Z"


def _wait_gone(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _kill(*pids: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("arm", [True, False], ids=["armed", "not-armed"])
def test_a_child_forked_from_the_main_thread_dies_with_its_controller(arm: bool) -> None:
    controller = subprocess.Popen([sys.executable, "-c", CONTROLLER.format(path=sys.path, arm=arm)],
                                  stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert controller.stdout is not None
    worker, threaded = (int(pid) for pid in controller.stdout.readline().split())
    try:
        controller.kill()  # SIGKILL: no handler, no atexit, as kill -9 of a process group
        controller.wait(timeout=30)
        if arm:
            assert _wait_gone(worker), "the worker outlived its controller"
        else:
            time.sleep(1)  # the positive control: nothing tells an unarmed worker, so it is still there
            assert _alive(worker)
        assert _alive(threaded), "a child of a short-lived thread must not be tied to that thread's death"
    finally:
        _kill(worker, threaded)


STOPPER = """
import signal, subprocess, sys
sys.path[:0] = {path!r}
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import lifetime
detached = subprocess.Popen(["sleep", "600"], start_new_session=True)  # how ansible-core starts ssh
grouped = subprocess.Popen(["sleep", "600"])  # the worker's own group: ansible-core's handler kills that
lifetime.stop_children(signal.SIGTERM)
print(detached.wait(timeout=30), grouped.poll(), grouped.pid, flush=True)
grouped.kill()
grouped.wait()
"""


def test_stop_children_stops_the_children_in_sessions_of_their_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STOPPER.format(path=sys.path)], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    detached_status, grouped_status, _unused = done.stdout.split()
    assert detached_status == str(-signal.SIGTERM)
    assert grouped_status == "None"  # left to the worker's own handler, which kills its process group
