# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import atexit
import json
import os
import resource
import sys

_OUT = os.environ.get("CTRL_OUT") if any("ansible-playbook" in a for a in sys.argv[:1]) else None
_PID = os.getpid()


def _done():
    if os.getpid() != _PID or not _OUT:
        return
    r = resource.getrusage(resource.RUSAGE_SELF)
    t = {}
    try:
        for tid in os.listdir("/proc/self/task"):
            st = open(f"/proc/self/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            t[tid] = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    except Exception:
        pass
    with open(_OUT, "a") as f:
        f.write(json.dumps({"u": r.ru_utime, "s": r.ru_stime, "minflt": r.ru_minflt, "threads": t}) + "\n")


if _OUT:
    atexit.register(_done)
if _OUT:
    import resource as _r
    import time as _t

    _ACC = {}

    def _wrap(owner, name, label):
        orig = getattr(owner, name)

        def w(*a, **k):
            f0 = _r.getrusage(_r.RUSAGE_THREAD).ru_minflt
            t0 = _t.thread_time()
            try:
                return orig(*a, **k)
            finally:
                acc = _ACC.setdefault(label, [0, 0.0, 0])
                acc[0] += 1
                acc[1] += _t.thread_time() - t0
                acc[2] += _r.getrusage(_r.RUSAGE_THREAD).ru_minflt - f0

        setattr(owner, name, w)

    import ansible.executor.process.worker as _wm

    _wrap(_wm.WorkerProcess, "start", "WorkerProcess.start")
    _wrap(_wm.WorkerProcess, "__init__", "WorkerProcess.__init__")
    import ansible.plugins.strategy as _sm

    _wrap(_sm.StrategyBase, "_queue_task", "inner _queue_task")
    _first = [True]
    _inner = _sm.StrategyBase._queue_task

    def _outer_once(*a, **k):
        if _first[0]:
            _first[0] = False
            _wrap(_sm.StrategyBase, "_queue_task", "outer _queue_task")
        return _inner(*a, **k)

    _sm.StrategyBase._queue_task = _outer_once
    import ansible.executor.task_queue_manager as _tqm

    _wrap(_tqm.TaskQueueManager, "send_callback", "send_callback")

    def _dump():
        if os.getpid() == _PID:
            with open(_OUT + ".parts", "a") as f:
                f.write(json.dumps(_ACC) + "\n")

    atexit.register(_dump)
