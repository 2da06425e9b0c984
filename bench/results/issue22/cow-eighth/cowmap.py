# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which inherited pages a forked worker's first Gate.decide copies, attributed to the objects on them."""

import collections
import gc
import importlib
import json
import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

tree = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[4])
shim = Path(tempfile.mkdtemp(prefix="cow-"))
state = Path(tempfile.mkdtemp(prefix="cow-state-"))
(shim / "ansible_collections" / "praxis").mkdir(parents=True)
(shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
sys.path.insert(0, str(shim))
sys.path.append(str(tree / "bench"))
for _name in ("ansible.executor.task_executor", "ansible.template", "ansible.plugins.action"):
    importlib.import_module(_name)  # a realistic heap
import latency  # noqa: E402

gate_mod, models, policy_mod, settings_mod = latency._modules()
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate  # noqa: E402

rows, _source = latency.load_captured(None)
env = {
    "PRAXIS_STATE_DIR": str(state / "state"),
    "PRAXIS_MODE": "guarded",
    "PRAXIS_POLICY": str(tree / "bench/playbook/policy.yml"),
    "HOME": "/root",
    "PRAXIS_PRINCIPAL": "bench@localhost",
}
gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
gate.start_run(pid=os.getpid(), via="benchmark")
want = sys.argv[2] if len(sys.argv) > 2 else "lineinfile"
reqs = [latency._request(models, r["request"]) for r in rows]
req = next(r for r in reqs if r.action.endswith(want))
print("request", req.action, str(req.args)[:100])
# the controller's warm-up: one evaluation per action, rehearsed records
gate.rehearse_records(req)
evaluate(
    req, ruleset=gate.ruleset, protected_paths=gate.protected_paths, trusted_interpreters=gate.trusted_interpreters
)
gate.warm_seams(evaluate(req, ruleset=gate.ruleset, protected_paths=gate.protected_paths).tier)
gc.freeze()


def ranges():
    out = []
    for line in open("/proc/self/maps"):
        parts = line.split()
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        if "w" in parts[1]:
            out.append((lo, hi, parts[5] if len(parts) > 5 else ""))
    return out


def exclusive(rs):
    pages = set()
    with open("/proc/self/pagemap", "rb") as f:
        for lo, hi, _name in rs:
            n = (hi - lo) // 4096
            f.seek(lo // 4096 * 8)
            data = f.read(n * 8)
            for i, (v,) in enumerate(struct.iter_unpack("Q", data)):
                if v >> 63 and (v >> 56) & 1:
                    pages.add(lo // 4096 + i)
    return pages


r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    rs = ranges()
    e0 = exclusive(rs)
    e0b = exclusive(rs)
    noise = len(e0b - e0)
    import resource

    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    gate.decide(req)
    f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    e1 = exclusive(rs)
    new = e1 - e0b
    # attribute
    gc.unfreeze()
    objs = gc.get_objects()
    seen = {}

    def add(o):
        i = id(o)
        if i not in seen:
            seen[i] = o

    for o in objs:
        add(o)
        if type(o).__name__ == "function":
            add(o.__code__)
        for ref in gc.get_referents(o):
            add(ref)
    owner = {}
    for o in list(seen.values()):
        if type(o).__name__ == "code":
            stack = [o]
            while stack:
                c = stack.pop()
                for k in c.co_consts:
                    if type(k).__name__ == "code":
                        stack.append(k)
                        seen.setdefault(id(k), k)
                    else:
                        owner.setdefault(id(k), c.co_filename)
                        seen.setdefault(id(k), k)
                        if isinstance(k, (tuple, frozenset)):
                            for kk in k:
                                owner.setdefault(id(kk), c.co_filename)
                                seen.setdefault(id(kk), kk)
    bypage = collections.defaultdict(list)
    for i, o in seen.items():
        bypage[i // 4096].append(o)
    kinds = collections.Counter()
    mods = collections.Counter()
    unknown = 0
    for p in new:
        os_ = bypage.get(p)
        if not os_:
            unknown += 1
            continue
        ts = collections.Counter(type(o).__name__ for o in os_)
        kinds[ts.most_common(1)[0][0]] += 1
        ms = collections.Counter()
        for o in os_:
            tn = type(o).__name__
            m = (
                o.co_filename
                if tn == "code"
                else (o.__module__ if tn in ("function", "type") else (o.__name__ if tn == "module" else None))
            )
            if m is None:
                m = owner.get(id(o))
            if isinstance(m, str):
                ms[
                    m.replace("ansible_collections.praxis.gatekeeper.plugins.plugin_utils.", "gk.")
                    .split("plugin_utils/")[-1]
                    .split("site-packages/")[-1][-60:]
                ] += 1
        mods[ms.most_common(1)[0][0] if ms else "?"] += 1
    print(
        json.dumps(
            {
                "minflt": f1 - f0,
                "new_exclusive_pages": len(new),
                "noise": noise,
                "unattributed": unknown,
                "kinds": kinds.most_common(25),
                "modules": mods.most_common(40),
            },
            indent=0,
        ),
        file=os.fdopen(w, "w"),
    )
    os._exit(0)
os.close(w)
print(os.fdopen(r).read())
os.waitpid(pid, 0)
gate.finish_run()
shutil.rmtree(shim)
shutil.rmtree(state)
