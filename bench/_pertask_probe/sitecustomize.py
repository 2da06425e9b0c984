# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probe of bench/pertask.py --probe, loaded through PYTHONPATH into every Python of a probed run.

It does nothing until a process that has loaded ansible-core's worker module forks (the controller of an
ansible-playbook run). Then, once, before that first fork, it wraps the gate's parts (request building, decide
and its evaluation and audit record, the outcome record, the audit writer's steps) and ansible-core's two
TaskExecutor methods the gate hooks, with timers of CPU time and minor page faults (inclusive, so nested parts
add up to more than their parent). Every forked worker starts its counters at zero and writes one JSON line
(its parts, its own CPU and faults, its children's CPU) to PXB_PROBE_OUT when ``WorkerProcess.run`` returns;
the controller writes one at exit. Benchmark code only: never installed, never imported by the gate.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import resource
import sys
import time

_OUT = os.environ.get("PXB_PROBE_OUT", "")
_PKG = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"
_TARGETS = (
    ("ansible.executor.task_executor", "TaskExecutor", ("_get_action_handler_with_module_context", "_execute")),
    ("ansible.plugins.strategy", "StrategyBase", ("_queue_task", "_process_pending_results")),
    (_PKG + ".adapter.requests", "TaskContext", ("from_executor",)),
    (
        _PKG + ".adapter.requests",
        None,
        (
            "task_request",
            "task_outcome",
            "connection_surface",
            "controller_paths",
            "sub_actions",
            "_environment",
            "_local_files",
            "_presented_tokens",
            "_template",
        ),
    ),
    (_PKG + ".adapter.inventory", None, ("target_host_type", "inventory_sources")),
    (
        _PKG + ".core.gate",
        "Gate",
        (
            "decide",
            "explain",
            "_pipeline",
            "_record_decision",
            "record_outcome",
            "record_event",
            "begin",
            "end",
            "args_digest",
        ),
    ),
    (_PKG + ".core.gate", None, ("_redacted_args",)),
    (_PKG + ".policy.evaluate", None, ("evaluate",)),
    (_PKG + ".audit.writer", "AuditLog", ("append", "_open", "_sync", "output_digest", "_finish")),
    (
        _PKG + ".audit.writer",
        None,
        ("_read_tail", "_changed_since", "ensure_state_dir", "open_private_file", "canonical_json"),
    ),
)
_PARTS: dict[str, list[float]] = {}
_STATE: dict[str, object] = {"installed": False, "controller": 0, "at_run": 0}


def _timed(name: str, function):  # type: ignore[no-untyped-def]
    @functools.wraps(function)
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        cpu0, faults0 = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        try:
            return function(*args, **kwargs)
        finally:
            part = _PARTS.setdefault(name, [0, 0.0, 0])
            part[0] += 1
            part[1] += time.process_time() - cpu0
            part[2] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0

    return timed


def _install() -> None:
    for module_name, class_name, names in _TARGETS:
        module = sys.modules.get(module_name)
        if module is None:
            continue
        owner = getattr(module, class_name) if class_name else module
        for name in names:
            raw = owner.__dict__.get(name) if class_name else getattr(owner, name, None)
            if raw is None:
                continue
            label = f"{class_name or module_name.rsplit('.', 1)[-1]}.{name}"
            if isinstance(raw, classmethod):
                setattr(owner, name, classmethod(_timed(label, raw.__func__)))
            else:
                setattr(owner, name, _timed(label, raw))
    worker = sys.modules["ansible.executor.process.worker"].WorkerProcess
    original_run = worker.run

    def run(self):  # type: ignore[no-untyped-def]
        profile = None
        if os.environ.get("PXB_PROBE_PROFILE") == "workers":
            import cProfile

            profile = cProfile.Profile(time.process_time)  # CPU, not wall: the machine is shared
            profile.enable()
        try:
            return original_run(self)
        finally:
            if profile is not None:
                profile.disable()
                profile.dump_stats(_OUT + f".worker.{os.getpid()}.prof")
            _write("worker")

    worker.run = run


def _threads() -> dict[str, float]:
    """CPU seconds of each thread of this process (the controller's audit flusher shows up here)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/self/task/{tid}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue
        out[f"{tid}:{name}"] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def _write(kind: str) -> None:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    record = {"kind": kind, "pid": os.getpid(), "self_cpu_s": own.ru_utime + own.ru_stime,
              "self_minflt": own.ru_minflt, "children_cpu_s": children.ru_utime + children.ru_stime,
              "minflt_at_run": _STATE["at_run"], "maxrss_kb": own.ru_maxrss,
              "parts": {k: list(v) for k, v in _PARTS.items()}}  # fmt: skip
    if kind == "controller":
        record["threads"] = _threads()
        profile = _STATE.get("profile")
        if profile is not None:
            profile.disable()
            profile.dump_stats(_OUT + f".{os.getpid()}.prof")
    with open(_OUT, "a") as out:
        out.write(json.dumps(record) + "\n")


def _before_fork() -> None:
    if _STATE["installed"] or "ansible.executor.process.worker" not in sys.modules:
        return
    _STATE["installed"], _STATE["controller"] = True, os.getpid()
    _install()
    atexit.register(_controller_exit)
    if os.environ.get("PXB_PROBE_PROFILE") == "controller":  # the controller's main thread, from its first fork on
        import cProfile

        _STATE["profile"] = cProfile.Profile(time.process_time)
        _STATE["profile"].enable()


def _after_in_child() -> None:
    if _STATE["installed"]:
        _PARTS.clear()
        _STATE["at_run"] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _controller_exit() -> None:
    if os.getpid() == _STATE["controller"]:
        _write("controller")


if _OUT:
    os.register_at_fork(before=_before_fork, after_in_child=_after_in_child)
