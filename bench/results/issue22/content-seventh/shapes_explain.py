# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gate.explain for the latency mix's 64 KiB ``copy content`` request, its content replaced by 64 KiB of other
document formats. usage: shapes_explain.py ROOT N  (ROOT holds ansible_collections/praxis/gatekeeper)

CPU time per call (time.thread_time_ns), p50 and p99 over N calls after 3 unmeasured ones, and whether the deny
scan's long-text pre-check cleared the content (if not, the bash analyser read all of it).
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

root = sys.argv[1]
n = int(sys.argv[2])
sys.path.insert(0, root)
tree = root + "/ansible_collections/praxis/gatekeeper"
sys.path.append(f"{tree}/bench")
import latency as L  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands  # noqa: E402

LINES = {
    "ini (the benchmark's)": lambda i: f"setting_{i} = value {i} # comment for line {i}\n",
    "yaml, single quotes": lambda i: f"key_{i}: 'value {i}'  # it's a note\n",
    "yaml, mixed quotes": lambda i: f"key_{i}: \"it's {i}\"\nother_{i}: 'say \"hi\"' # c\n",
    "nginx (; and {})": lambda i: f"location /app/{i} {{ proxy_pass http://backend_{i}:8080; }}\n",
    "css": lambda i: f".c{i} {{ color: #{i:06x}; margin: {i}px; }}\n",
    "ini with ; comments": lambda i: f"name_{i} = 'n {i}' ; comment\n",
    "json, indented": None,
    "xml (<>)": lambda i: f'<item id="{i}">value {i}</item>\n',
    "sql (parentheses)": lambda i: f"INSERT INTO t VALUES ({i}, 'name {i}');\n",
}


def content(name: str) -> str:
    """Whole lines (or whole entries) up to 64 KiB: a cut line could leave a quote open."""
    if LINES[name] is None:
        entries = 1
        while len(_json(entries + 1)) <= 65536:
            entries += 1
        return _json(entries)
    lines, size, i = [], 0, 0
    while size + len(line := LINES[name](i)) <= 65536:
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines)


def _json(entries: int) -> str:
    return json.dumps({f"key_{i}": {"name": f"value {i}", "list": [i, i + 1]} for i in range(entries)}, indent=2)


gate_mod, models, policy_mod, settings_mod = L._modules()
rows, _src = L.load_captured(None)
base = dict(L.build_mix(rows))["copy with 64 KiB content"]
state = Path(tempfile.mkdtemp(prefix="pxshapes-"))
env = {"PRAXIS_STATE_DIR": str(state / "state"), "PRAXIS_MODE": "guarded",
       "PRAXIS_POLICY": f"{tree}/bench/playbook/policy.yml", "HOME": "/root", "PRAXIS_PRINCIPAL": "bench@localhost"}
gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
gate.start_run(pid=os.getpid(), via="benchmark")
try:
    for name in LINES:
        data = dict(base)
        data["args"] = dict(base["args"], content=content(name))
        request = L._request(models, data)
        cleared = _commands._long_text_clean(data["args"]["content"])
        for _ in range(3):
            decision = gate.explain(request)
        times = []
        for _ in range(n if cleared else max(3, n // 20)):
            t = time.thread_time_ns()
            gate.explain(request)
            times.append(time.thread_time_ns() - t)
        times.sort()
        p50, p99 = times[len(times) // 2] / 1e3, times[min(len(times) - 1, int(len(times) * 0.99))] / 1e3
        print(f"{name:24s} n={len(times):4d} p50 {p50:9.1f} us  p99 {p99:9.1f} us  cleared={cleared}  "
              f"{decision.verdict.value} {decision.tier}")
finally:
    gate.finish_run()
    shutil.rmtree(state)
