# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the emergency stop's lstat costs inside Gate.explain (``uname -a``), against a tight loop of it alone:
``python killswitch_insitu.py TREE`` (TREE: a checkout). Benchmark code only; replaces the check for measuring."""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
shim = Path(tempfile.mkdtemp(prefix="ks-"))
state = Path(tempfile.mkdtemp(prefix="ks-state-"))
(shim / "ansible_collections" / "praxis").mkdir(parents=True)
(shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
sys.path.insert(0, str(shim))
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as G  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings  # noqa: E402

env = {
    "PRAXIS_STATE_DIR": str(state / "state"),
    "PRAXIS_MODE": "guarded",
    "HOME": "/root",
    "PRAXIS_POLICY": str(tree / "bench/playbook/policy.yml"),
    "PRAXIS_PRINCIPAL": "bench@localhost",
}
gate = G.Gate.from_settings(load_settings(env, cwd=str(state), cfg=None))
gate.start_run(pid=os.getpid(), via="benchmark")
req = TaskRequest(action="ansible.builtin.command", args={"_raw_params": "uname -a"}, host="h1")


def measure(label, fn, n=30000):
    for _repeat in range(3000):
        fn()
    ts = []
    for _repeat in range(n):
        a = time.thread_time_ns()
        fn()
        ts.append(time.thread_time_ns() - a)
    ts.sort()
    print(f"{label:34s} p50 {ts[n // 2] / 1000:7.2f} us  p99 {ts[int(n * 0.99)] / 1000:7.2f} us")


original = killswitch.is_tripped
measure("is_tripped alone (tight loop)", lambda: original(gate._killswitch_path))
measure("explain, as is", lambda: gate.explain(req))
killswitch.is_tripped = lambda path: os.getppid() < 0
measure("explain, a getppid() instead", lambda: gate.explain(req))
killswitch.is_tripped = lambda path: False
measure("explain, no system call", lambda: gate.explain(req))


def other(path="/nonexistent-x"):
    def check(_p):
        try:
            os.lstat(path)
        except FileNotFoundError:
            return False
        return True

    return check


killswitch.is_tripped = other()
measure("explain, lstat of /nonexistent-x", lambda: gate.explain(req))
killswitch.is_tripped = original
measure("explain, as is (again)", lambda: gate.explain(req))
gate.finish_run()
shutil.rmtree(shim)
shutil.rmtree(state)
