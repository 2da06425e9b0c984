# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A/B CPU latency of Gate.explain / decide / evaluate on plain command lines, one tree per process."""

import sys
import os
import json
import tempfile
import time
import copy
import shutil
import importlib

# not used here, but loaded in the measuring process of the published runs: kept loaded for the same heap
importlib.import_module("gc")
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
iters = int(sys.argv[2])
out = sys.argv[3]
kinds = sys.argv[4].split(",") if len(sys.argv) > 4 else ["explain", "evaluate"]
shim = Path(tempfile.mkdtemp(prefix="latshim-"))
(shim / "ansible_collections" / "praxis").mkdir(parents=True)
(shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
sys.path.insert(0, str(shim))
sys.path.append(str(tree / "bench"))
import latency as L

gate_mod, models, policy_mod, settings_mod = L._modules()
assert str(tree) in gate_mod.__file__ or str(shim) in gate_mod.__file__, gate_mod.__file__
rows, src = L.load_captured(None)
named = dict(L.build_mix(rows))


def cap(params):
    for r in rows:
        q = r["request"]
        if q["action"].endswith("command") and q["args"] == params:
            return copy.deepcopy(q)
    raise LookupError(params)


mix = {
    "command argv id -u (allowlisted)": named["command argv (captured, allowlisted)"],
    "command uname -a": cap({"_raw_params": "uname -a"}),
    "command df -h": cap({"_raw_params": "df -h"}),
    "command cat /proc/loadavg": cap({"_raw_params": "cat /proc/loadavg"}),
    "shell pipeline": named["shell pipeline"],
    "stat (captured)": named["stat (captured)"],
    "package with become": named["package with become"],
}
reqs = {k: L._request(models, v) for k, v in mix.items()}
uniq_base = cap({"_raw_params": "uname -a"})
uniques = [
    L._request(models, {**uniq_base, "args": {"_raw_params": f"ls -l /var/log/app-{i:06d}"}}) for i in range(iters)
]
state = Path(tempfile.mkdtemp(prefix="latab-"))
env = {
    "PRAXIS_STATE_DIR": str(state / "state"),
    "PRAXIS_MODE": "guarded",
    "PRAXIS_POLICY": str(tree / "bench/playbook/policy.yml"),
    "HOME": os.environ.get("HOME", "/root"),
    "PRAXIS_PRINCIPAL": "bench@localhost",
}
gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
gate.start_run(pid=os.getpid(), via="benchmark")


def evaluate(r):
    return policy_mod.evaluate(
        r, ruleset=gate.ruleset, protected_paths=gate.protected_paths, trusted_interpreters=gate.trusted_interpreters
    )


fns = {"explain": gate.explain, "evaluate": evaluate, "decide": gate.decide}
tc = time.thread_time_ns
res = {
    "tree": str(tree),
    "verdicts": {k: str(gate.explain(r).verdict) + " " + str(gate.explain(r).tier) for k, r in reqs.items()},
}
names = list(reqs)
for kind in kinds:
    fn = fns[kind]
    n = iters if kind != "decide" else max(200, iters // 10)
    for i in range(300):
        fn(reqs[names[i % len(names)]])
    samples = {k: [] for k in names + ["unique ls lines"]}
    for i in range(n):
        for k in names:
            r = reqs[k]
            c0 = tc()
            fn(r)
            samples[k].append(tc() - c0)
        r = uniques[i % len(uniques)]
        c0 = tc()
        fn(r)
        samples["unique ls lines"].append(tc() - c0)

    def pct(xs, p):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] / 1000

    res[kind] = {
        k: {
            "p50": round(pct(v, 50), 1),
            "p99": round(pct(v, 99), 1),
            "mean": round(sum(v) / len(v) / 1000, 1),
            "n": len(v),
        }
        for k, v in samples.items()
    }
gate.finish_run()
shutil.rmtree(state, ignore_errors=True)
shutil.rmtree(shim, ignore_errors=True)
Path(out).write_text(json.dumps(res, indent=1))
