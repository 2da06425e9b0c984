# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self page faults and CPU per function in a forked worker's first Gate.decide (record=True)."""

import collections
import gc
import importlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

tree = Path(__file__).resolve().parents[4]  # the checkout this file is in
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
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import redact  # noqa: E402

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
reqs = [latency._request(models, r["request"]) for r in rows]
want = sys.argv[1] if len(sys.argv) > 1 else "lineinfile"
req = next(r for r in reqs if r.action.endswith(want))
gate.rehearse_records(req)
ev = evaluate(
    req, ruleset=gate.ruleset, protected_paths=gate.protected_paths, trusted_interpreters=gate.trusted_interpreters
)
redact(req.args)
gate.warm_seams(ev.tier)
gc.freeze()
getr = resource.getrusage
SELF = resource.RUSAGE_SELF


def run_child(profile):
    selfflt = collections.Counter()
    selfcpu = collections.Counter()
    stack = []
    last = [getr(SELF).ru_minflt, time.thread_time_ns()]

    def prof(frame, event, arg):
        now_f = getr(SELF).ru_minflt
        now_t = time.thread_time_ns()
        if stack:
            key = stack[-1]
            selfflt[key] += now_f - last[0]
            selfcpu[key] += now_t - last[1]
        if event in ("call", "c_call"):
            co = frame.f_code if event == "call" else None
            key = (
                (co.co_filename.split("plugin_utils/")[-1].split("site-packages/")[-1] + ":" + co.co_name)
                if co
                else ("C:" + getattr(arg, "__qualname__", str(arg)))
            )
            stack.append(key)
        elif event in ("return", "c_return", "c_exception") and stack:
            stack.pop()
        last[0] = getr(SELF).ru_minflt
        last[1] = time.thread_time_ns()

    f0 = getr(SELF).ru_minflt
    t0 = time.thread_time_ns()
    if profile:
        sys.setprofile(prof)
    gate.decide(req)
    sys.setprofile(None)
    print("total faults", getr(SELF).ru_minflt - f0, "cpu us", (time.thread_time_ns() - t0) // 1000)
    if profile:
        tot = sum(selfflt.values())
        for k, v in selfflt.most_common(45):
            print(f"{v:5d} {selfcpu[k] / 1000:8.1f}us  {k}")
        print("sum self faults", tot)


for profile in (False, True):
    pid = os.fork()
    if pid == 0:
        run_child(profile)
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
gate.finish_run()
shutil.rmtree(shim)
shutil.rmtree(state)
