# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's decision and outcome record in a freshly forked child, without Ansible: CPU and minor page faults.

Why: ansible-core forks one worker per task and host, so the gate's per-task cost is a fresh fork's first decision.
This parent arms a gate on a private state directory (run started, log watched, keys loaded, gc frozen, as the
controller leaves it), then forks ``--children`` children that each decide one copy task and record its outcome,
timed inside the child. ``--rehearse`` first runs the controller's warm-up of the records
(``Gate.rehearse_records``); ``--split`` times the parts of ``decide`` (redaction, pipeline, argument digest, record).
Used for the before/after figures of bench/results/issue22/pertask2/README.md (run it from the checkout, with the
venv's python, once per variant, interleaved).

    .venv/bin/python bench/results/issue22/pertask2/forkbench.py --children 80 [--rehearse] [--split]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from plugins.plugin_utils.core import gate as gate_module  # noqa: E402
from plugins.plugin_utils.core.models import TaskRequest  # noqa: E402
from plugins.plugin_utils.core.settings import load_settings  # noqa: E402


def _now() -> tuple[float, int]:
    return time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=80)
    parser.add_argument("--rehearse", action="store_true", help="run the controller's record warm-up first")
    parser.add_argument("--split", action="store_true", help="time decide's parts instead of decide")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="pxb-fork-"))
    try:
        state.chmod(0o700)
        env = {"PRAXIS_STATE_DIR": str(state), "PRAXIS_GATE": "enforce", "PRAXIS_PRINCIPAL": "bench@fork",
               "HOME": os.environ.get("HOME", str(state))}  # fmt: skip
        gate = gate_module.Gate.from_settings(load_settings(env, cfg=None), seams=())
        gate.start_run(pid=os.getpid(), via="bench")
        request = TaskRequest(
            action="ansible.builtin.copy", host="h001", connection="ansible.builtin.local",
            args={"dest": "/srv/app/conf/app.conf", "content": "# managed\nname=benchapp\n", "mode": "0644"},
            task_name="Main configuration", run_id=gate.run_id, principal="bench@fork",
        )  # fmt: skip
        gate.explain(request)  # what adapter/warmup.py's evaluation warm-up leaves warm
        if args.rehearse:
            gate.rehearse_records(request)
        gc.freeze()
        rows = [_child(gate, request, split=args.split) for _number in range(args.children)]
        names = ["redaction", "pipeline", "args_digest", "record"] if args.split else ["decide", "outcome"]
        print(json.dumps({
            "children": args.children, "rehearse": args.rehearse,
            **{f"{n}_cpu_ms": round(statistics.median(r[i][0] for r in rows), 4) for i, n in enumerate(names)},
            **{f"{n}_minflt": statistics.median(r[i][1] for r in rows) for i, n in enumerate(names)},
        }))  # fmt: skip
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return 0


def _child(gate: gate_module.Gate, request: TaskRequest, *, split: bool) -> list[list[float]]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, exit without cleanup
        os.close(read)
        marks = [_now()]
        if split:
            decision_id = gate._next_id()
            redacted = gate_module._redacted_args(request)
            marks.append(_now())
            decision, evaluation = gate._pipeline(request, decision_id)
            marks.append(_now())
            gate.args_digest(request)
            marks.append(_now())
            gate._record_decision(request, decision, evaluation, redacted)
            marks.append(_now())
        else:
            decision = gate.decide(request)
            marks.append(_now())
            gate.record_outcome(decision, status="changed", output=b'{"changed": true}', host="h001",
                                action=request.action)  # fmt: skip
            marks.append(_now())
        parts = [[(b[0] - a[0]) * 1000, b[1] - a[1]] for a, b in itertools.pairwise(marks)]
        os.write(write, json.dumps(parts).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        result: list[list[float]] = json.loads(pipe.read())
    return result


if __name__ == "__main__":
    raise SystemExit(main())
