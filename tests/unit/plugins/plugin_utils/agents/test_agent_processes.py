# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ending a run's whole process tree: processes in other sessions and process groups, orphans re-parented away
from the run, children that cleared their environment. A process without the run's marker is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents._processes import (
    MARKER,
    end_processes,
    marked_processes,
    running,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import (
    _OWN_TRIP_GRACE,
    _finishing_own_trip,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch

# A tree shaped like a run: a worker that calls setsid (as ansible-core's do), a grandchild that clears its
# environment (env -i), and a daemonised orphan whose parent has exited. Each writes its pid to a file.
TREE = textwrap.dedent(
    """
    import os, subprocess, sys, time
    out = sys.argv[1]
    def note(name):
        with open(os.path.join(out, name), "w") as handle:
            handle.write(str(os.getpid()))
    note("leader")
    if os.fork() == 0:
        os.setsid()
        note("worker")
        subprocess.Popen(["env", "-i", sys.executable, "-c",
                          "import os,sys,time; open(sys.argv[1],'w').write(str(os.getpid())); time.sleep(300)",
                          os.path.join(out, "clean-env")])
        if os.fork() == 0:
            if os.fork() == 0:
                note("orphan")
                time.sleep(300)
            os._exit(0)
        time.sleep(300)
    time.sleep(300)
    """
)


def _pids(out: Path, names: tuple[str, ...]) -> dict[str, int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = {n: int((out / n).read_text()) for n in names if (out / n).is_file() and (out / n).read_text()}
        if len(found) == len(names):
            return found
        time.sleep(0.05)
    raise AssertionError(f"the tree did not start: {sorted(p.name for p in out.iterdir())}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_the_whole_tree_ends_and_nothing_else(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    run_dir, other_dir = tmp_path / "run", tmp_path / "other"
    run_dir.mkdir()
    other_dir.mkdir()
    env = {**os.environ, MARKER: token}
    run = subprocess.Popen([sys.executable, "-c", TREE, str(run_dir)], env=env, start_new_session=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    try:
        names = ("leader", "worker", "clean-env", "orphan")
        pids = _pids(run_dir, names)
        time.sleep(0.2)  # the orphan's parent has exited: it is re-parented, no longer a descendant of the leader
        assert set(pids.values()) <= marked_processes(token)
        started = time.monotonic()
        assert end_processes(token) >= len(names)
        for name, pid in pids.items():
            deadline = time.monotonic() + 1.0
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not _alive(pid), f"{name} survived"
        assert time.monotonic() - started < 1.0
        assert _alive(bystander.pid), "a process without the run's marker must be left alone"
        assert marked_processes(token) == set()
    finally:
        for process in (run, bystander):
            process.kill()
            process.wait(10)
        end_processes(token)


def test_running_tells_a_zombie_from_a_live_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        assert running(child.pid)
        child.kill()
        deadline = time.monotonic() + 10
        while _alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not running(child.pid), "killed, not yet reaped: a zombie is not running"
    finally:
        child.kill()
        child.wait(10)
    assert not running(child.pid)


# A task of the run trips the stop, then is still busy recording it (as the emergency_stop action is).
TRIPPER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
    killswitch.trip(Path(sys.argv[1]), reason="the run's own task", principal="agent:s1")
    time.sleep(300)
    """
)


def test_only_the_runs_own_tripping_task_may_finish_and_only_briefly(tmp_path: Path) -> None:
    token, sentinel = uuid.uuid4().hex, tmp_path / "state" / "emergency-stop"
    env = {**os.environ, MARKER: token, "PYTHONPATH": os.pathsep.join(sys.path)}
    tripper = subprocess.Popen([sys.executable, "-c", TRIPPER, str(sentinel)], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while killswitch.status(sentinel).pid != tripper.pid and time.monotonic() < deadline:
            time.sleep(0.02)
        assert killswitch.status(sentinel).pid == tripper.pid, "the run's task never tripped the stop"
        since: list[float] = []
        assert _finishing_own_trip(sentinel, token, since), "the run's own tripping task may finish recording it"
        assert not _finishing_own_trip(sentinel, uuid.uuid4().hex, []), "another run is ended at once"
        assert not _finishing_own_trip(sentinel, token, [time.monotonic() - _OWN_TRIP_GRACE]), "only briefly"
        assert _finishing_own_trip(sentinel, token, since), "the grace counts from the first call that saw it"
        killswitch.trip(sentinel, reason="an operator", principal="operator")  # not a process of the run
        assert not _finishing_own_trip(sentinel, token, []), "a stop tripped by anyone else ends the run at once"
        sentinel.write_text(json.dumps({"reason": "r", "since": "s", "by": "b", "pid": tripper.pid}))
        assert _finishing_own_trip(sentinel, token, [])
        tripper.kill()
        tripper.wait(10)
        assert not _finishing_own_trip(sentinel, token, []), "once the tripping task is gone, the run ends"
        sentinel.write_text(json.dumps({"reason": "r", "since": "s", "by": "b", "pid": True}))
        assert killswitch.status(sentinel).pid is None and not _finishing_own_trip(sentinel, token, [])
    finally:
        tripper.kill()
        tripper.wait(10)
        end_processes(token)
