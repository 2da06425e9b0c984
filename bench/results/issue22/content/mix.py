# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gate.explain CPU time (time.thread_time_ns) per request of bench/latency.py's mix, before (main 1246e07) and after
(this branch), in alternating subprocesses (same sitting, interleaved). usage: mix.py ROUNDS ITER"""

import sys
import os
import subprocess
import importlib
import json

# not used here, but loaded in the measuring process of the published runs: kept loaded for the same heap
importlib.import_module("statistics")


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


if len(sys.argv) > 3:
    tree, iters = sys.argv[3], int(sys.argv[2])
    root = {"base": "/tmp/pc/base", "cur": "/tmp/pc/cur"}[tree]
    sys.path.insert(0, root)
    pkg = root + "/ansible_collections/praxis/gatekeeper"
    sys.path.append(pkg + "/bench")
    import tempfile
    import time
    from pathlib import Path
    import latency as L

    gate_mod, models, policy_mod, settings_mod = L._modules()
    rows, src = L.load_captured(None)
    named = L.build_mix(rows)
    reqs = [(n, L._request(models, d)) for n, d in named]
    state = Path(tempfile.mkdtemp(prefix="pxmix-"))
    env = {
        "PRAXIS_STATE_DIR": str(state / "state"),
        "PRAXIS_MODE": "guarded",
        "PRAXIS_POLICY": f"{pkg}/bench/playbook/policy.yml",
        "HOME": "/root",
        "PRAXIS_PRINCIPAL": "bench@localhost",
    }
    gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
    gate.start_run(pid=os.getpid(), via="benchmark")
    out = {n: [] for n, _r in reqs}
    verdicts = {n: str(gate.explain(r).verdict) + "/" + str(gate.explain(r).tier) for n, r in reqs}
    for i in range(20):
        gate.explain(reqs[i % len(reqs)][1])
    for i in range(iters * len(reqs)):
        n, r = reqs[i % len(reqs)]
        t = time.thread_time_ns()
        gate.explain(r)
        out[n].append((time.thread_time_ns() - t) / 1e3)
    gate.finish_run()
    import shutil

    shutil.rmtree(state)
    print(json.dumps({"samples": out, "verdicts": verdicts}))
    sys.exit(0)
rounds, iters = int(sys.argv[1]), int(sys.argv[2])
res = {"base": {}, "cur": {}}
verd = {}
for i in range(rounds):
    for tree in ("base", "cur") if i % 2 == 0 else ("cur", "base"):
        p = subprocess.run(
            [sys.executable, __file__, "x", str(iters), tree], capture_output=True, text=True, check=False
        )
        if p.returncode:
            print(p.stderr[-3000:])
            sys.exit(1)
        d = json.loads(p.stdout.strip().splitlines()[-1])
        verd[tree] = d["verdicts"]
        for n, xs in d["samples"].items():
            res[tree].setdefault(n, []).extend(xs)
print(f"loadavg {open('/proc/loadavg').read().strip()}; rounds {rounds} x {iters} explain calls per request per tree")
print(f"{'request':40s} {'before p50':>11s} {'before p99':>11s} {'after p50':>10s} {'after p99':>10s}  verdict (same?)")
allb, allc, ob, oc = [], [], [], []
for n in res["cur"]:
    b, c = res["base"][n], res["cur"][n]
    allb += b
    allc += c
    if n != "copy with 64 KiB content":
        ob += b
        oc += c
    print(
        f"{n:40s} {pct(b, 50):11.1f} {pct(b, 99):11.1f} {pct(c, 50):10.1f} {pct(c, 99):10.1f}  {verd['cur'][n]} ({verd['base'][n] == verd['cur'][n]})"
    )
print(f"{'mix (all)':40s} {pct(allb, 50):11.1f} {pct(allb, 99):11.1f} {pct(allc, 50):10.1f} {pct(allc, 99):10.1f}")
print(
    f"{'mix without the 64 KiB request':40s} {pct(ob, 50):11.1f} {pct(ob, 99):11.1f} {pct(oc, 50):10.1f} {pct(oc, 99):10.1f}"
)
