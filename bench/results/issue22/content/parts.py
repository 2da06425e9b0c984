# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU time (thread_time) per component of the 64 KiB content request, base vs cur interleaved.
usage: parts.py ROUNDS  -> runs each tree in a subprocess per round, alternating"""

import sys
import os
import subprocess
import json
import statistics

if len(sys.argv) > 2:
    tree = sys.argv[2]
    root = {"base": "/tmp/pc/base", "cur": "/tmp/pc/cur"}[tree]
    sys.path.insert(0, root)
    pkg = root + "/ansible_collections/praxis/gatekeeper"
    sys.path.append(pkg + "/bench")
    import tempfile
    import time
    from pathlib import Path
    import latency as L

    gate_mod, models, policy_mod, settings_mod = L._modules()
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import (
        _commands,
        _modules,
        evaluate as ev,
        redact,
    )
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as G

    rows, src = L.load_captured(None)
    named = L.build_mix(rows)
    reqs = {n: L._request(models, d) for n, d in named}
    state = Path(tempfile.mkdtemp(prefix="pxparts-"))
    env = {
        "PRAXIS_STATE_DIR": str(state / "state"),
        "PRAXIS_MODE": "guarded",
        "PRAXIS_POLICY": f"{pkg}/bench/playbook/policy.yml",
        "HOME": "/root",
        "PRAXIS_PRINCIPAL": "bench@localhost",
    }
    gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
    gate.start_run(pid=os.getpid(), via="benchmark")
    r = reqs["copy with 64 KiB content"]
    content = r.args["content"]
    stage = [s for s in gate._seams if type(s).__name__ == "ApprovalStage"] if hasattr(gate, "_seams") else []
    strings = list(_modules.iter_strings(r.args, max_items=5000))
    parts = {
        "explain (whole pipeline)": lambda: gate.explain(r),
        "evaluate": lambda: policy_mod.evaluate(r, ruleset=gate.ruleset, protected_paths=gate.protected_paths),
        "deny_findings(content)": lambda: _commands.deny_findings(content),
        "iter_strings(args)": lambda: list(_modules.iter_strings(r.args, max_items=5000)),
        "_path_tier over the strings": lambda: [ev._path_tier(ev._Tiering(), k, v) for k, v in strings],
        "_token_leaks": lambda: ev._token_leaks(r, [v for _k, v in strings]),
        "gate._redacted_args": lambda: G._redacted_args(r),
        "  json.dumps(args)": lambda: json.dumps(r.args, default=str, ensure_ascii=False),
        "  redact.holds_no_hint(dump)": (
            lambda d=json.dumps(r.args, default=str, ensure_ascii=False): redact.holds_no_hint(d)
        ),
        "approvals stage _args_digest (json + HMAC)": (
            lambda st=[x for x in gate.seams if hasattr(x, "_args_digest")]: st[0]._args_digest(r) if st else None
        ),
        "egress_findings": (lambda: G.egress_findings(r, policy=gate.egress, resolver=gate._resolver)),
        "_malformed": (lambda: G._malformed(r)),
        "policy.deny blob json.dumps (if deny rules)": lambda: json.dumps(
            {"action": r.action, "args": r.args, "environment": r.environment},
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        ),
    }
    out = {}
    for name, fn in parts.items():
        for _ in range(5):
            fn()
        n = 30 if "explain" in name or "evaluate" in name or "deny" in name else 100
        samples = []
        for _ in range(n):
            t = time.thread_time_ns()
            fn()
            samples.append((time.thread_time_ns() - t) / 1e3)
        out[name] = statistics.median(samples)
    gate.finish_run()
    import shutil

    shutil.rmtree(state)
    print(json.dumps(out))
    sys.exit(0)
rounds = int(sys.argv[1])
res = {"base": [], "cur": []}
for i in range(rounds):
    for tree in ("base", "cur") if i % 2 == 0 else ("cur", "base"):
        p = subprocess.run([sys.executable, __file__, "x", tree], capture_output=True, text=True, check=False)
        if p.returncode:
            print(p.stderr[-2000:])
            sys.exit(1)
        res[tree].append(json.loads(p.stdout.strip().splitlines()[-1]))
keys = list(res["cur"][0])
print(f"{'component (median of per-round medians, CPU us)':52s} {'before':>10s} {'after':>10s}")
for k in keys:
    b = statistics.median(x[k] for x in res["base"])
    c = statistics.median(x[k] for x in res["cur"])
    print(f"{k:52s} {b:10.1f} {c:10.1f}")
