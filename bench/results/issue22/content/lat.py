# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile/measure one latency-mix request in a given tree. usage: lat.py TREE NAME N [sortkey]"""

import sys
import os
import tempfile
import cProfile
import pstats
import time

tree = sys.argv[1]
root = {"base": "/tmp/pc/base", "cur": "/tmp/pc/cur"}[tree]
sys.path.insert(0, root)
tree = root + "/ansible_collections/praxis/gatekeeper"
sys.path.append(f"{tree}/bench")
import latency as L
from pathlib import Path

gate_mod, models, policy_mod, settings_mod = L._modules()
print("gate module:", gate_mod.__file__, file=sys.stderr)
rows, src = L.load_captured(None)
named = L.build_mix(rows)
reqs = {n: L._request(models, d) for n, d in named}
state = Path(tempfile.mkdtemp(prefix="pxprof-"))
env = {
    "PRAXIS_STATE_DIR": str(state / "state"),
    "PRAXIS_MODE": "guarded",
    "PRAXIS_POLICY": f"{tree}/bench/playbook/policy.yml",
    "HOME": "/root",
    "PRAXIS_PRINCIPAL": "bench@localhost",
}
gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
gate.start_run(pid=os.getpid(), via="benchmark")
which = sys.argv[2]
n = int(sys.argv[3])
r = reqs[which]
for _ in range(3):
    gate.explain(r)
t = time.thread_time_ns()
for _ in range(n):
    gate.explain(r)
print("cpu mean us", (time.thread_time_ns() - t) / n / 1e3)
if len(sys.argv) > 4:
    cProfile.run("for _ in range(n): gate.explain(r)", "/tmp/pc/out")
    pstats.Stats("/tmp/pc/out").sort_stats(sys.argv[4]).print_stats(40)
gate.finish_run()
import shutil

shutil.rmtree(state)
