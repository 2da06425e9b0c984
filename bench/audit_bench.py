# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit log benchmarks: append throughput (each durability policy), verify throughput and memory.

Records are the gate's own: a decision record and an outcome record produced by ``Gate.decide`` and
``Gate.record_outcome`` for a request the benchmark playbook really made, replayed with fresh decision ids.
Logs for the verify benchmark are written by ``AuditLog`` itself (fsync off, to build them quickly; the bytes are
the same) as runs of 500 decision/outcome pairs with run-start, run-end and the checkpoint that closes each run,
plus the writer's checkpoint every 1000 records, and are verified with the public key and the anchor, exactly as
``praxis-gate audit verify`` does.

    python bench/audit_bench.py verify-worker LOG N|default  # internal: one verification in a fresh process
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BIN_DIR, log

_STRIP = ("v", "seq", "time", "prev_hash", "hash")


def _pkg() -> Any:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import writer as audit
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate, models, settings

    return audit, gate, models, settings


def record_templates(policy: Path) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """A real decision record and outcome record (from the gate), with the chain fields removed."""
    import latency

    _audit, gate_mod, models, settings_mod = _pkg()
    rows, _unused = latency.load_captured(None)
    named = dict(latency.build_mix(rows))
    request = latency._request(models, named["copy content (captured)"])
    scratch = Path(tempfile.mkdtemp(prefix="pxb-tpl-"))
    env = {"PRAXIS_STATE_DIR": str(scratch / "state"), "PRAXIS_MODE": "guarded", "PRAXIS_POLICY": str(policy),
           "HOME": os.environ.get("HOME", "/root")}  # fmt: skip
    settings = settings_mod.load_settings(env, cwd=str(scratch), cfg=None)
    gate = gate_mod.Gate.from_settings(settings, seams=())
    decision = gate.decide(request)
    gate.record_outcome(decision, status="changed", output=b'{"changed": true, "dest": "/tmp/x"}' * 8,
                        host=request.target, action=request.action)  # fmt: skip
    lines = (scratch / "state" / "audit.jsonl").read_text().splitlines()
    decision_rec, outcome_rec = (json.loads(line) for line in lines[-2:])
    for rec in (decision_rec, outcome_rec):
        for key in _STRIP:
            rec.pop(key, None)
    return decision_rec, outcome_rec, settings, gate.ruleset


def _fsync_floor(directory: Path, count: int, size: int) -> float:
    """Physical ceiling on this disk: write(size bytes) + fsync, ``count`` times, on a plain O_APPEND file."""
    path = directory / "fsync-floor.bin"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    payload = b"x" * (size - 1) + b"\n"
    try:
        started = time.perf_counter()
        for _repeat in range(count):
            os.write(fd, payload)
            os.fsync(fd)
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
        path.unlink()
    return count / elapsed


def append_bench(policy: Path, *, fsync_records: int, nofsync_records: int, root: Path) -> dict[str, Any]:
    audit, _gate, _models, _settings = _pkg()
    decision, outcome, _s, _r = record_templates(policy)
    size = len(json.dumps(decision)) + 200
    results: dict[str, Any] = {
        "record_bytes": {"decision": len(json.dumps(decision)) + 200, "outcome": len(json.dumps(outcome)) + 200},
        "checkpoint_every": 1000,
    }
    # The default policy (batch: page cache at once, fsync at most every 50 ms, durable records at once), then
    # fsync on every record, then no fsync at all (what the disk costs, by difference).
    for label, durability, count in (("batch_default", "batch", nofsync_records),
                                     ("always_fsync_per_record", "always", fsync_records),
                                     ("never_fsync", "never", nofsync_records)):  # fmt: skip
        state = root / f"append-{label}"
        state.mkdir(mode=0o700, parents=True)
        writer = audit.AuditLog(state / "audit.jsonl", durability=durability)
        writer.append({"event": "run-start", "run_id": "bench"})  # keys created before timing
        latencies: list[float] = []
        started = time.perf_counter()
        for i in range(count):
            template = decision if i % 2 == 0 else outcome
            record = {**template, "decision_id": f"bench-{i // 2}-{uuid.uuid4().hex[:8]}"}
            t0 = time.perf_counter_ns()
            if not writer.append(record):
                raise RuntimeError(f"append failed: {writer.last_error}")
            latencies.append((time.perf_counter_ns() - t0) / 1000)
        elapsed = time.perf_counter() - started
        latencies.sort()
        results[label] = {
            "records": count,
            "seconds": round(elapsed, 3),
            "records_per_s": round(count / elapsed, 1),
            "p50_us": round(latencies[len(latencies) // 2], 1),
            "p99_us": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        }
        log(f"audit append ({label}): {results[label]['records_per_s']:.0f} records/s")
    floor_dir = root / "fsync-floor"
    floor_dir.mkdir()
    results["disk_write_plus_fsync_per_s"] = round(_fsync_floor(floor_dir, max(200, fsync_records // 2), size), 1)
    log(f"disk ceiling (write+fsync of {size} bytes): {results['disk_write_plus_fsync_per_s']:.0f}/s")
    return results


def build_log(policy: Path, directory: Path, records: int) -> dict[str, Any]:
    """A realistic log of about ``records`` records, written by AuditLog (fsync off) in runs of 1000 records."""
    audit, gate_mod, _models, _settings = _pkg()
    decision, outcome, settings, ruleset = record_templates(policy)
    directory.mkdir(mode=0o700, parents=True)
    writer = audit.AuditLog(directory / "audit.jsonl", fsync=False)
    settings = settings.model_copy(update={"state_dir": directory})
    started = time.perf_counter()
    written = 0
    pairs_per_run = 499  # + run-start, run-end, the run's checkpoint (and the writer's every 1000) ~ 1000 a run
    while written < records - 3:
        gate = gate_mod.Gate(settings=settings, ruleset=ruleset, audit=writer, seams=())
        gate.start_run(pid=os.getpid(), via="benchmark")
        pairs = max(1, min(pairs_per_run, (records - written - 3) // 2))
        for i in range(pairs):
            decision_id = f"{gate.run_id[:12]}-{i}-{uuid.uuid4().hex[:8]}"
            for template in (decision, outcome):
                if not writer.append({**template, "decision_id": decision_id, "run_id": gate.run_id,
                                      "session": gate.run_id}):  # fmt: skip
                    raise RuntimeError(f"append failed: {writer.last_error}")
        gate.finish_run()
        written += 2 * pairs + 3
    elapsed = time.perf_counter() - started
    path = directory / "audit.jsonl"
    lines = sum(1 for _line in path.open("rb"))
    return {"records": lines, "bytes": path.stat().st_size, "build_seconds": round(elapsed, 1),
            "build_records_per_s": round(lines / elapsed, 1)}  # fmt: skip


def _hwm_kb() -> int:
    """Peak resident set of this process image (VmHWM). Unlike ru_maxrss it is not inherited across fork+exec
    from a large parent, so it measures the verifier alone."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def verify_worker(path: Path, workers: int | None) -> None:
    """One verification in this (fresh) process; prints timings and peak RSS as JSON. ``workers``: None is what
    ``audit verify`` does by default (one process per CPU for a log over 64 MiB), 1 a single scan; the
    workers' own peak is reported apart (each is forked from this process, so it starts at its size)."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
        load_public_key,
        read_anchor,
    )
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log

    key = load_public_key(path.parent / "audit-signing.pub")
    anchor = read_anchor(path.parent / "audit.anchor")
    baseline = _hwm_kb()
    started = time.perf_counter()
    cpu = time.process_time()
    report = verify_log(path, public_key=key, anchor=anchor, workers=workers)
    elapsed = time.perf_counter() - started
    workers_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "ok": report.ok, "problem": report.problem, "records": report.records, "checkpoints": report.checkpoints,
        "seconds": round(elapsed, 3), "cpu_seconds": round(time.process_time() - cpu, 3),
        "records_per_s": round(report.records / elapsed, 1), "peak_rss_kb_before_verify": baseline,
        "peak_rss_kb_after_verify": _hwm_kb(), "workers": workers or "default",
        "peak_rss_kb_of_worker_processes": workers_usage.ru_maxrss or None,
        "cpu_seconds_of_worker_processes": round(workers_usage.ru_utime + workers_usage.ru_stime, 3),
    }))  # fmt: skip


def _run_timed(command: list[str]) -> tuple[int, float, int | None, str]:
    """Run under /usr/bin/time: its own tiny RSS is what a forked child inherits, so %M is the command's peak."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-o", stats.name, "-f", "%M", *command], check=False, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
        text = Path(stats.name).read_text().strip().splitlines()
    try:
        peak = int(text[-1])
    except (IndexError, ValueError):
        peak = None
    return done.returncode, elapsed, peak, done.stdout


def verify_bench(policy: Path, sizes: list[int], root: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in sizes:
        directory = root / f"verify-{size}"
        log(f"audit verify: building a log of {size} records")
        built = build_log(policy, directory, size)
        path = directory / "audit.jsonl"
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # page cache warm for every reader
        runs = {}
        for label, workers in (("single_scan", "1"), ("default", "default")):
            worker = subprocess.run([sys.executable, __file__, "verify-worker", str(path), workers],
                                    capture_output=True, text=True, check=True)  # fmt: skip
            runs[label] = json.loads(worker.stdout.strip().splitlines()[-1])
        inproc = runs["default"]
        rc, wall, peak, out = _run_timed([str(BIN_DIR / "praxis-gate"), "audit", "verify", str(path), "--json"])
        cli = {"rc": rc, "wall_seconds": round(wall, 3), "peak_rss_kb": peak,
               "records_per_s_wall": round(inproc["records"] / wall, 1), "report": _last_json(out)}  # fmt: skip
        results[str(size)] = {"log": built, "verify_log_in_process": inproc,
                              "verify_log_single_scan": runs["single_scan"], "cli": cli}  # fmt: skip
        log(
            f"  {size}: verify_log {inproc['records_per_s']:.0f} records/s (single scan "
            f"{runs['single_scan']['records_per_s']:.0f}), peak RSS {inproc['peak_rss_kb_after_verify']} KiB "
            f"(before verifying {inproc['peak_rss_kb_before_verify']}; workers "
            f"{inproc['peak_rss_kb_of_worker_processes']}); CLI {wall:.2f} s, peak RSS {cli['peak_rss_kb']} KiB"
        )
    return results


def _last_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text[-500:]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "verify-worker":
        verify_worker(Path(sys.argv[2]), None if sys.argv[3] == "default" else int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
