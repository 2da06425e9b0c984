# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 22 item 2, plain command lines only: ``python plainlat.py TREE ITERATIONS OUT [BENCH_DIR]``.

Runs ``bench/latency.py``'s ``plain_command_lines`` block (CPU time per request, ``evaluate`` and ``Gate.explain``,
garbage collector on, the benchmark policy, guarded mode) against the checkout at TREE, with the latency module
of BENCH_DIR (default: TREE's own bench/), and writes the figures and the load average to OUT as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def main(tree: Path, iterations: int, out: Path, bench: Path) -> None:
    shim = Path(tempfile.mkdtemp(prefix="plainlat-"))
    state = Path(tempfile.mkdtemp(prefix="plainlat-state-"))
    try:
        (shim / "ansible_collections" / "praxis").mkdir(parents=True)
        (shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
        sys.path.insert(0, str(shim))
        sys.path.append(str(bench))
        import latency  # (from the bench directory named on the command line)

        gate_mod, models, policy_mod, settings_mod = latency._modules()
        rows, _source = latency.load_captured(None)
        env = {"PRAXIS_STATE_DIR": str(state / "state"), "PRAXIS_MODE": "guarded",
               "PRAXIS_POLICY": str(tree / "bench/playbook/policy.yml"), "HOME": os.environ.get("HOME", "/root"),
               "PRAXIS_PRINCIPAL": "bench@localhost"}  # fmt: skip
        gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
        gate.start_run(pid=os.getpid(), via="benchmark")

        def evaluate(request: Any) -> Any:
            return policy_mod.evaluate(request, ruleset=gate.ruleset, protected_paths=gate.protected_paths)

        kinds = {"evaluate": (evaluate, iterations, 0), "explain": (gate.explain, iterations, 0)}
        before = Path("/proc/loadavg").read_text().strip()
        figures = latency._plain_command_lines(models, rows, kinds, iterations=iterations,
                                               warmup=min(2000, iterations // 5))  # fmt: skip
        after = Path("/proc/loadavg").read_text().strip()
        gate.finish_run()
        out.write_text(json.dumps({"tree": str(tree), "loadavg_before": before, "loadavg_after": after,
                                   "plain_command_lines": figures}, indent=1))  # fmt: skip
    finally:
        shutil.rmtree(shim, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    TREE = Path(sys.argv[1]).resolve()
    main(TREE, int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else TREE / "bench")
