# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decision latency, in process: one policy decision for a mix of real task requests.

Three measurements over the same mix, each after a warm-up, with the garbage collector left on (as in a run):

    evaluate   policy.evaluate(): deny list + tier classification, pure, no I/O
    explain    Gate.explain() = Gate.decide(record=False): the whole pipeline (emergency stop check, validation,
               redaction, evaluation, mode ceiling, approvals stage, decision) without writing the audit record
    decide     Gate.decide(): the same plus the decision record appended to the audit log (fsync per record) and,
               for T2 requests, the pending approval request written to the approvals store

The requests: the ones a real gated run of the benchmark playbook handed the gate (captured by bench/capture.py
during the warm-up run, or bench/fixtures/requests.json when no capture is available), completed by kinds the
playbook does not contain, built with the same connection options as the captured requests.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, log, percentile

FIXTURE = BENCH_DIR / "fixtures" / "requests.json"


def _modules() -> Any:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate, models, settings
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import evaluate as policy

    return gate, models, policy, settings


def load_captured(path: Path | None) -> tuple[list[dict[str, Any]], str]:
    """Distinct captured requests by action (first of each), from a fresh capture or the checked-in fixture."""
    if path is not None and path.is_file() and path.stat().st_size:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        source = f"captured in this session ({path.name}, {len(rows)} decisions)"
    else:
        rows = json.loads(FIXTURE.read_text())["requests"]
        source = f"fixture {FIXTURE.relative_to(BENCH_DIR.parent)}"
    return rows, source


def save_fixture(path: Path) -> None:
    """Keep one captured request per (action, task) as the fixture used when no capture is available."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["request"]["action"], row["request"]["task_name"])
        seen.setdefault(key, row)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"comment": "TaskRequests a gated run of bench/playbook/site.yml handed the gate "
                       "(bench/capture.py); refreshed by every full benchmark run",
                       "requests": list(seen.values())}, indent=1)  # fmt: skip
    FIXTURE.write_text(re.sub(r"/tmp/pxb-[A-Za-z0-9_]+/", "/tmp/pxb-LAB/", text) + "\n")


def _request(models: Any, data: dict[str, Any]) -> Any:
    data = dict(data)
    data["kind"] = models.RequestKind(data.get("kind", "task"))
    data["approval_tokens"] = tuple(data.get("approval_tokens", ()))
    data["local_files"] = {k: (None if v is None else v.encode()) for k, v in data.get("local_files", {}).items()}
    return models.TaskRequest(**data)


def build_mix(rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Ten representative requests: real ones from the capture, and the kinds a configuration run lacks."""

    def first(action: str, pred: Callable[[dict[str, Any]], bool] = lambda r: True) -> dict[str, Any]:
        for row in rows:
            request = row["request"]
            if request["action"] in (action, action.rsplit(".", 1)[-1]) and pred(request):
                return copy.deepcopy(request)
        raise LookupError(f"no captured request for {action}")

    stat = first("ansible.builtin.stat")
    copy_ = first("ansible.builtin.copy", lambda r: "content" in r["args"])
    template = first("ansible.builtin.template")
    argv = first("ansible.builtin.command", lambda r: "argv" in r["args"])
    base = {k: v for k, v in stat.items() if k not in ("action", "args", "task_name")}

    def synthetic(action: str, args: dict[str, Any], name: str, **extra: Any) -> dict[str, Any]:
        return {**copy.deepcopy(base), "action": action, "args": args, "task_name": name, **extra}

    shell = synthetic(
        "ansible.builtin.shell",
        {"_raw_params": "ps -eo pid,comm,%mem --sort=-%mem | head -n 20 | awk '{print $1, $2}' > /tmp/top-mem.txt",
         "chdir": "/tmp"},
        "Top memory users",
    )  # fmt: skip
    package = synthetic(
        "ansible.builtin.package", {"name": ["nginx", "curl"], "state": "present"}, "Web packages",
        become=True, become_method="sudo", become_user="root",
    )  # fmt: skip
    absent = synthetic("ansible.builtin.file", {"path": "/srv/app/releases/2026-11-01", "state": "absent"},
                       "Old release")  # fmt: skip
    lookup = {
        **copy.deepcopy(base),
        "action": "ansible.builtin.pipe",
        "args": {"_terms": ["git -C /srv/app rev-parse --short HEAD"]},
        "host": "localhost",
        "connection": "local",
        "kind": "lookup",
        "connection_options": {},
        "task_name": "",
    }
    big_content = "".join(f"setting_{i} = value {i} # comment for line {i}\n" for i in range(1500))  # ~64 KiB
    big = synthetic(
        "ansible.builtin.copy",
        {"dest": "/srv/app/conf/big.conf", "content": big_content, "mode": "0644",
         "validate": "/usr/bin/env true %s"},
        "Large generated configuration",
    )  # fmt: skip
    denied = synthetic("ansible.builtin.shell", {"_raw_params": "rm -rf --no-preserve-root / >/dev/null 2>&1"},
                       "Wipe")  # fmt: skip
    return [
        ("stat (captured)", stat),
        ("copy content (captured)", copy_),
        ("template (captured)", template),
        ("command argv (captured, allowlisted)", argv),
        ("shell pipeline", shell),
        ("package with become", package),
        ("file state=absent", absent),
        ("pipe lookup", lookup),
        ("copy with 64 KiB content", big),
        ("deny-listed shell", denied),
    ]


def _time(
    fn: Callable[[Any], Any], requests: list[Any], iterations: int, warmup: int
) -> tuple[list[list[float]], list[list[float]]]:
    """Per-request wall-clock and CPU-time samples in microseconds; requests interleaved round-robin (the mix).

    Wall time is what a task waits; CPU time (this thread's) is the gate's own work, which other processes
    competing for the cores cannot inflate, so it is the steadier measure on a shared machine."""
    count = len(requests)
    for i in range(warmup):
        fn(requests[i % count])
    wall: list[list[float]] = [[] for _request in requests]
    cpu: list[list[float]] = [[] for _request in requests]
    clock, thread_clock = time.perf_counter_ns, time.thread_time_ns
    for i in range(iterations):
        index = i % count
        request = requests[index]
        c0 = thread_clock()
        w0 = clock()
        fn(request)
        w1 = clock()
        c1 = thread_clock()
        wall[index].append((w1 - w0) / 1000.0)
        cpu[index].append((c1 - c0) / 1000.0)
    return wall, cpu


def _stats(samples: list[list[float]], names: list[str]) -> dict[str, Any]:
    flat = [s for per in samples for s in per]
    ordinary = [s for i, per in enumerate(samples) if names[i] != "copy with 64 KiB content" for s in per]
    return {
        "mix_p50_us": round(percentile(flat, 50), 2),
        "mix_p99_us": round(percentile(flat, 99), 2),
        "mix_mean_us": round(sum(flat) / len(flat), 2),
        "mix_max_us": round(max(flat), 2),
        # The mix without the one outsized request, to show what an ordinary task costs.
        "mix_without_64k_p50_us": round(percentile(ordinary, 50), 2),
        "mix_without_64k_p99_us": round(percentile(ordinary, 99), 2),
        "per_request": {
            names[i]: {"p50_us": round(percentile(s, 50), 2), "p99_us": round(percentile(s, 99), 2), "n": len(s)}
            for i, s in enumerate(samples)
        },
    }


def _plain_command_lines(
    models: Any, rows: list[dict[str, Any]], kinds: dict[str, Any], *, iterations: int, warmup: int
) -> dict[str, Any]:
    """The target's own requests (issue 22: p99 <= 50 us for plain command lines), CPU time per request kind:

    - every distinct captured ``command`` request (argv and command lines; the benchmark policy allowlists them),
      interleaved round-robin;
    - command lines that are each different (``ls -l /var/log/app-N``, not allowlisted), each decided once: nothing
      about a command line is remembered from one request to the next, and these figures show it, as a benchmark
      repeating the same few requests could not. (The connection surface, the same for every task on a host, is.)
    """
    seen: dict[str, Any] = {}
    for row in rows:
        request = row["request"]
        if request["action"].rsplit(".", 1)[-1] == "command":
            seen.setdefault(json.dumps(request["args"], sort_keys=True), request)
    captured = [(json.dumps(r["args"], sort_keys=True), _request(models, r)) for r in seen.values()]
    line = next(r for r in seen.values() if "_raw_params" in r["args"])
    count = max(200, iterations // 4)
    unique = [_request(models, {**line, "args": {"_raw_params": f"ls -l /var/log/app-{i:07d}"}})
              for i in range(count + warmup)]  # fmt: skip
    out: dict[str, Any] = {"captured": [name for name, _unused in captured], "unique_lines": count,
                           "unique_example": unique[0].args["_raw_params"]}  # fmt: skip
    for kind in ("evaluate", "explain"):
        fn = kinds[kind][0]
        _wall, cpu = _time(fn, [r for _unused, r in captured], iterations, warmup)
        out[kind] = {
            "captured_cpu": {
                name: {"p50_us": round(percentile(s, 50), 2), "p99_us": round(percentile(s, 99), 2), "n": len(s)}
                for (name, _unused), s in zip(captured, cpu, strict=True)
            }
        }
        for request in unique[count:]:  # warm-up on lines of its own
            fn(request)
        _wall, cpu = _time(fn, unique[:count], count, 0)
        flat = sorted(x for per in cpu for x in per)
        out[kind]["unique_lines_cpu"] = {"p50_us": round(percentile(flat, 50), 2),
                                         "p99_us": round(percentile(flat, 99), 2), "n": len(flat)}  # fmt: skip
        for name, figures in [*out[kind]["captured_cpu"].items(), ("unique lines", out[kind]["unique_lines_cpu"])]:
            log(f"  plain command lines, {kind} {name}: cpu p50 {figures['p50_us']} us, p99 {figures['p99_us']} us")
    return out


def run(*, iterations: int, decide_iterations: int, warmup: int, capture: Path | None, policy: Path) -> dict[str, Any]:
    gate_mod, models, policy_mod, settings_mod = _modules()
    rows, source = load_captured(capture)
    named = build_mix(rows)
    requests = [_request(models, data) for _unused, data in named]
    state = Path(tempfile.mkdtemp(prefix="pxb-latency-"))
    try:
        env = {"PRAXIS_STATE_DIR": str(state / "state"), "PRAXIS_MODE": "guarded", "PRAXIS_POLICY": str(policy),
               "HOME": os.environ.get("HOME", "/root"), "PRAXIS_PRINCIPAL": "bench@localhost"}  # fmt: skip
        gate = gate_mod.Gate.from_settings(settings_mod.load_settings(env, cwd=str(state), cfg=None))
        gate.start_run(pid=os.getpid(), via="benchmark")
        ruleset, protected = gate.ruleset, gate.protected_paths

        def evaluate(request: Any) -> Any:
            return policy_mod.evaluate(request, ruleset=ruleset, protected_paths=protected)

        kinds: dict[str, tuple[Callable[[Any], Any], int, int]] = {
            "evaluate": (evaluate, iterations, warmup),
            "explain": (gate.explain, iterations, warmup),
            "decide": (gate.decide, decide_iterations, min(warmup, decide_iterations // 5 + 10)),
        }
        outcome: dict[str, Any] = {
            "requests_source": source,
            "policy": policy.read_text(),
            "mode": "guarded",
            "iterations": {k: v[1] for k, v in kinds.items()},
            "loadavg_before": Path("/proc/loadavg").read_text().strip(),
            "requests": [],
        }
        decisions = [gate.explain(r) for r in requests]
        for (name, data), decision in zip(named, decisions, strict=True):
            outcome["requests"].append({
                "name": name, "action": data["action"], "verdict": str(decision.verdict), "tier": str(decision.tier),
                "rule": decision.rule, "args_bytes": len(json.dumps(data["args"], default=str)),
                "connection_options": len(data.get("connection_options", {})),
            })  # fmt: skip
        for kind, (fn, count, warm) in kinds.items():
            log(f"decision latency: {kind} x {count}")
            wall, cpu = _time(fn, requests, count, warm)
            names = [name for name, _unused in named]
            outcome[kind] = {"wall": _stats(wall, names), "cpu": _stats(cpu, names)}
            wall_mix, cpu_mix = outcome[kind]["wall"], outcome[kind]["cpu"]
            log(
                f"  {kind}: wall p50 {wall_mix['mix_p50_us']} us, p99 {wall_mix['mix_p99_us']} us;"
                f" cpu p50 {cpu_mix['mix_p50_us']} us, p99 {cpu_mix['mix_p99_us']} us"
            )
        outcome["plain_command_lines"] = _plain_command_lines(models, rows, kinds, iterations=iterations,
                                                              warmup=warmup)  # fmt: skip
        # The playbook mix: every request a gated run of the benchmark playbook handed the gate (every task on every
        # host, in the order decided; the checked-in fixture keeps one per task), as a configuration run is made of
        # them. The target is judged on this mix; the ten kinds above show what each kind costs, outliers included.
        playbook = [_request(models, row["request"]) for row in rows]
        outcome["playbook_mix"] = {"requests": len(playbook), "actions": sorted({r.action for r in playbook})}
        for kind, (fn, count, warm) in kinds.items():
            wall, cpu = _time(fn, playbook, count, warm)
            flat_wall = sorted(x for per in wall for x in per)
            flat_cpu = sorted(x for per in cpu for x in per)
            outcome["playbook_mix"][kind] = {
                "wall": {"p50_us": round(percentile(flat_wall, 50), 2), "p99_us": round(percentile(flat_wall, 99), 2),
                         "max_us": round(flat_wall[-1], 2), "n": len(flat_wall)},
                "cpu": {"p50_us": round(percentile(flat_cpu, 50), 2), "p99_us": round(percentile(flat_cpu, 99), 2),
                        "max_us": round(flat_cpu[-1], 2), "n": len(flat_cpu)},
            }  # fmt: skip
            w = outcome["playbook_mix"][kind]["wall"]
            log(f"  playbook mix, {kind}: wall p50 {w['p50_us']} us, p99 {w['p99_us']} us")
        outcome["loadavg_after"] = Path("/proc/loadavg").read_text().strip()
        gate.finish_run()
        return outcome
    finally:
        shutil.rmtree(state, ignore_errors=True)  # the gate's state for this measurement only, also on failure
