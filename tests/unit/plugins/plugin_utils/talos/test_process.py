# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Isolated subprocesses, on real processes: own session and process group, the whole group killed when the
emergency stop trips, on timeout and after the program exits, stdin from /dev/null, an allowlisted environment,
bounded output, never a shell. Waits are bounded; nothing asserts on speed."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.talos.process import (
    BASE_ENVIRONMENT,
    isolated_environment,
    run_isolated,
)

PY = sys.executable
# A program that reports how it was started, starts a helper in its own group, then keeps talking until killed.
# The report appears whole or not at all (written aside, then renamed): the tests wait for it to exist and read it at
# once, and a report seen half-written failed a CI run on a loaded machine.
REPORTER = r"""
import json, os, subprocess, sys, time
helper = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
report = {"pid": os.getpid(), "pgid": os.getpgid(0), "sid": os.getsid(0), "helper": helper.pid,
          "stdin": os.readlink("/proc/self/fd/0"), "env": dict(os.environ), "argv": sys.argv}
with open(sys.argv[1] + ".part", "w") as handle:
    handle.write(json.dumps(report))
os.replace(sys.argv[1] + ".part", sys.argv[1])
while True:
    print("still running", flush=True)
    time.sleep(0.05)
"""


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting for a reaper that may never come in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(predicate())  # type: ignore[operator]


def test_isolation_the_program_sees(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    source = {
        "PATH": os.environ["PATH"],
        "HOME": "/h",
        "LANG": "C.UTF-8",
        "TALOSCONFIG": "/t",
        "KUBECONFIG": "/k",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "SSH_AUTH_SOCK": "/agent",
        "HTTPS_PROXY": "http://p",
        "EXTRA": "1",
    }
    env = isolated_environment(source, allow=["EXTRA"])
    done = run_isolated([PY, "-c", REPORTER, str(report)], env=env, timeout=30,
                        stop=report.exists)  # fmt: skip
    data = json.loads(report.read_text())
    assert data["pid"] == data["pgid"] == data["sid"] != os.getpgid(0), "own session and process group"
    assert data["stdin"] == "/dev/null"
    assert set(data["env"]) <= {*BASE_ENVIRONMENT, "EXTRA", "LC_CTYPE"}  # (CPython may add LC_CTYPE itself)
    assert "AWS_SECRET_ACCESS_KEY" not in data["env"] and "SSH_AUTH_SOCK" not in data["env"]
    assert done.ended == "stopped"
    assert wait_for(lambda: not alive(data["pid"]) and not alive(data["helper"]))


def test_the_emergency_stop_kills_the_whole_group(tmp_path: Path) -> None:
    report, sentinel = tmp_path / "report.json", tmp_path / "state" / "emergency-stop"
    outcome: dict[str, object] = {}

    def run() -> None:
        outcome["done"] = run_isolated([PY, "-c", REPORTER, str(report)], env={"PATH": os.environ["PATH"]},
                                       timeout=600, stop=lambda: killswitch.is_tripped(sentinel))  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    assert wait_for(report.exists), "the program never started"
    data = json.loads(report.read_text())
    assert alive(data["pid"]) and alive(data["helper"])
    killswitch.trip(sentinel, reason="test", principal="tester")
    thread.join(timeout=10)
    assert not thread.is_alive(), "run_isolated did not return after the stop tripped"
    done = outcome["done"]
    assert done.ended == "stopped" and done.returncode < 0  # type: ignore[attr-defined]
    assert b"still running" in done.stdout  # type: ignore[attr-defined]
    assert wait_for(lambda: not alive(data["pid"]) and not alive(data["helper"])), "a process of the group survived"


def test_a_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    # The timeout leaves a loaded machine time to start the program and its helper; the report names both.
    done = run_isolated([PY, "-c", REPORTER, str(report)], env={"PATH": os.environ["PATH"]}, timeout=5.0)
    assert done.ended == "timeout" and done.returncode < 0
    assert report.exists(), "the program did not report within the timeout"
    data = json.loads(report.read_text())
    assert wait_for(lambda: not alive(data["pid"]) and not alive(data["helper"]))


def test_helpers_left_behind_after_a_normal_exit_are_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "helper"
    code = ("import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
            f"open({str(pid_file)!r}, 'w').write(str(p.pid))\nprint('bye')")  # fmt: skip
    done = run_isolated([PY, "-c", code], env={"PATH": os.environ["PATH"]}, timeout=30)
    assert done.ended == "exited" and done.returncode == 0 and done.stdout == b"bye\n"
    assert wait_for(lambda: not alive(int(pid_file.read_text())))


def test_output_is_bounded_and_the_program_never_blocks(tmp_path: Path) -> None:
    code = "import sys\nfor _ in range(64): sys.stdout.write('x' * 65536)\nsys.stderr.write('e' * 300000)"
    done = run_isolated([PY, "-c", code], env={}, timeout=60, max_output=1000)
    assert done.ended == "exited" and done.returncode == 0
    assert len(done.stdout) == 1000 and done.stdout_total == 64 * 65536
    assert len(done.stderr) == 1000 and done.stderr_total == 300000 and done.truncated


@pytest.mark.parametrize("argv", ["talosctl version", b"talosctl", [], ["talosctl", 1], ("x", None)])
def test_never_a_shell(argv: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="argv"):
        run_isolated(argv, env={}, timeout=1)  # type: ignore[arg-type]


def test_shell_syntax_is_one_literal_argument(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    done = run_isolated([PY, "-c", "import sys; print(sys.argv[1])", f"x; touch {canary}"], env={}, timeout=30)
    assert done.stdout.decode().strip() == f"x; touch {canary}"
    assert not canary.exists()


def test_a_stop_already_tripped_starts_nothing(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    done = run_isolated([PY, "-c", f"open({str(canary)!r}, 'w')"], env={}, timeout=30, stop=lambda: True)
    assert done.ended == "stopped" and not canary.exists()
