# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the gate costs: the benchmark harness behind docs/performance.md.

    python bench/run.py            # the full benchmark (about 25 minutes on 2 cores), as in docs/performance.md
    python bench/run.py --quick    # smoke test, under 2 minutes: every section once, small sizes, no targets judged
    python bench/run.py --only latency,audit      # some sections (startup, e2e, fleet, latency, audit, profile)

Sections:
  startup  a one-task play on the local connection: ungated, gated (existing state directory), first use, ARA,
           interleaved; CPU, wall and peak RSS over ungated (bench/startup.py)
  fleet    100 namespaced sshd hosts x 20 tasks, forks 20: ungated, gated, gated on PostgreSQL, ARA interleaved,
           then approval redemption runs on SQLite and PostgreSQL (bench/fleet.py); needs root and PostgreSQL
  e2e      the same playbook on 3 namespaced sshd hosts, interleaved rounds of ungated / gated / ARA, then the
           drift scan (gated --check --diff) against plain --check; needs root
  latency  in-process decision latency (evaluate, explain, decide) for a mix of real task requests
  audit    append throughput (fsync per record, and off), verify throughput and peak memory at 1k/100k/1M records
  profile  pyinstrument profiles of the paths behind each target

Raw results: bench/results/<mode>-<UTC time>.json (and latest-<mode>.json). Nothing is asserted: the summary
says which targets are met or missed, and the profiles say where the time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH_DIR, RESULTS_DIR, ensure_snapshot_env, installed_digest, log, machine, write_result

TARGETS = {
    "startup_cpu_ms": 50.0,  # a one-task run, existing state directory: CPU over ungated
    "startup_wall_ms": 50.0,
    "startup_rss_mib": 10.0,
    "fleet_gated_over_ungated": 1.02,
    "gate_cpu_ms_per_task_and_host": 1.0,
    "plain_command_p99_us": 50.0,
    "content_64k_p99_us": 2000.0,
    "gated_over_ungated": 1.03,
    "decision_p99_us": 100.0,
    "append_records_per_s": 10_000.0,
    "verify_records_per_s": 300_000.0,
    "verify_memory_growth_kb": 5 * 1024,  # "constant memory": peak RSS at 1M within 5 MiB of the smallest log's
}


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: under 2 minutes, no targets judged")
    parser.add_argument("--only", default="startup,e2e,fleet,latency,audit,profile", help="comma-separated sections")
    parser.add_argument("--startup-rounds", type=int, help="start-up rounds (default 9; quick 1)")
    parser.add_argument("--fleet-hosts", type=int, help="fleet hosts (default 100; quick 4)")
    parser.add_argument("--fleet-rounds", type=int, help="fleet rounds (default 3; quick 1)")
    parser.add_argument("--fleet-forks", type=int, default=20)
    parser.add_argument("--fleet-warmup-hosts", type=int, default=4,
                        help="warm each fleet variant up on this many hosts (0: all; default 4)")  # fmt: skip
    parser.add_argument("--no-postgres", action="store_true", help="fleet without the PostgreSQL variants")
    parser.add_argument("--no-approvals", action="store_true", help="fleet without the approval redemption runs")
    parser.add_argument("--rounds", type=int, help="end-to-end rounds (default 7; quick 1)")
    parser.add_argument("--drift-rounds", type=int, help="drift rounds (default 3; quick 1)")
    parser.add_argument("--hosts", type=int, default=3, help="namespaced sshd hosts (default 3)")
    parser.add_argument("--verify-sizes", help="comma-separated log sizes (default 1000,100000,1000000)")
    parser.add_argument(
        "--pyspy",
        action="store_true",
        help="also profile one gated and one ungated run with py-spy (after the measured rounds)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, audit logs)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--ref", help="measure this git ref (git archive) instead of the working tree")
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="measure the interpreter's own installed copy instead of a snapshot of this tree "
        "installed into a private venv",
    )
    return parser.parse_args()


def _check_dependencies(sections: set[str]) -> None:
    missing = []
    if sections & {"e2e", "fleet", "startup"} and importlib.util.find_spec("ara") is None:
        missing.append("ara[server]")
    if "e2e" in sections and importlib.util.find_spec("django") is None:
        missing.append("django (ara[server])")
    if "profile" in sections and importlib.util.find_spec("pyinstrument") is None:
        missing.append("pyinstrument")
    if importlib.util.find_spec("ansible_collections.praxis.gatekeeper") is None:
        missing.append("praxis-gatekeeper (pip install .)")
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)}; run bench/setup first")


def judge(results: dict[str, Any]) -> dict[str, Any]:
    """Which targets the numbers meet. Quick mode judges nothing (one round is not a measurement)."""
    verdicts: dict[str, Any] = {}
    startup = results.get("startup")
    if startup:
        for play, data in startup["plays"].items():
            diff = data["median_paired_difference_over_ungated"]["gated"]
            cpu, wall, rss = diff["cpu_s"] * 1000, diff["wall_s"] * 1000, diff["peak_rss_kb"] / 1024
            verdicts[f"startup_{play}"] = {
                "target": f"one-task {play} run, existing state directory: <= {TARGETS['startup_cpu_ms']} ms CPU and "
                          f"wall, <= {TARGETS['startup_rss_mib']} MiB peak RSS over ungated (median paired difference)",
                "measured": {"cpu_ms": round(cpu, 1), "wall_ms": round(wall, 1), "peak_rss_mib": round(rss, 2)},
                "met": cpu <= TARGETS["startup_cpu_ms"] and wall <= TARGETS["startup_wall_ms"]
                and rss <= TARGETS["startup_rss_mib"],
            }  # fmt: skip
    fleet_result = results.get("fleet")
    if fleet_result:
        ratio = fleet_result["ratio_over_ungated"]["gated"]
        verdicts["fleet"] = {"target": f"{fleet_result['hosts']} hosts x 20 tasks, forks {fleet_result['forks']}: "
                             f"gated <= {TARGETS['fleet_gated_over_ungated']}x ungated (median wall time)",
                             "measured": ratio, "met": ratio <= TARGETS["fleet_gated_over_ungated"]}  # fmt: skip
        per_task = fleet_result["gate_cpu_ms_per_task_and_host"].get("gated")
        if per_task is not None:
            verdicts["per_task_cpu"] = {"target": f"gate and audit <= {TARGETS['gate_cpu_ms_per_task_and_host']} ms "
                                        "CPU per task and host (controller and workers)",
                                        "measured": per_task,
                                        "met": per_task <= TARGETS["gate_cpu_ms_per_task_and_host"]}  # fmt: skip
    lat_kinds = results.get("latency", {}).get("explain", {}).get("wall", {}).get("per_request", {})
    if lat_kinds:
        plain = lat_kinds.get("command argv (captured, allowlisted)", {}).get("p99_us")
        big = lat_kinds.get("copy with 64 KiB content", {}).get("p99_us")
        if plain is not None:
            verdicts["plain_command_p99"] = {"target": f"plain command line: Gate.explain p99 <= "
                                             f"{TARGETS['plain_command_p99_us']} us", "measured": plain,
                                             "met": plain <= TARGETS["plain_command_p99_us"]}  # fmt: skip
        if big is not None:
            verdicts["content_64k_p99"] = {"target": f"64 KiB content: Gate.explain p99 <= "
                                           f"{TARGETS['content_64k_p99_us']} us", "measured": big,
                                           "met": big <= TARGETS["content_64k_p99_us"]}  # fmt: skip
    e2e = results.get("e2e", {}).get("end_to_end")
    if e2e:
        ratio = e2e["ratio_gated_over_ungated"]
        verdicts["end_to_end"] = {"target": f"gated <= {TARGETS['gated_over_ungated']}x ungated (median wall time)",
                                  "measured": ratio, "paired_median": e2e["median_paired_ratio_gated"],
                                  "met": ratio <= TARGETS["gated_over_ungated"]}  # fmt: skip
    lat = results.get("latency")
    if lat:
        mix = lat["playbook_mix"]
        p99 = mix["explain"]["wall"]["p99_us"]
        verdicts["decision_latency"] = {
            "target": f"decision p99 <= {TARGETS['decision_p99_us']} us (Gate.explain: the whole pipeline without "
                      "the audit write, over the playbook's real requests, wall clock)",
            "measured": p99, "measured_cpu_time": mix["explain"]["cpu"]["p99_us"],
            "policy_evaluation_only_p99": mix["evaluate"]["wall"]["p99_us"],
            "with_audit_write_p99": mix["decide"]["wall"]["p99_us"],
            "ten_kinds_mix_p99_including_64k_content": lat["explain"]["wall"]["mix_p99_us"],
            "ten_kinds_mix_p99_without_64k_content": lat["explain"]["wall"]["mix_without_64k_p99_us"],
            "met": p99 <= TARGETS["decision_p99_us"],
        }  # fmt: skip
    audit = results.get("audit")
    if audit and "append" in audit:
        rate = audit["append"]["batch_default"]["records_per_s"]
        verdicts["audit_append"] = {"target": f">= {TARGETS['append_records_per_s']:.0f} records/s, default "
                                    "durability (batch)",
                                    "measured": rate, "met": rate >= TARGETS["append_records_per_s"]}  # fmt: skip
    if audit and audit.get("verify"):
        sizes = sorted(audit["verify"], key=int)
        largest = audit["verify"][sizes[-1]]["verify_log_in_process"]
        smallest = audit["verify"][sizes[0]]["verify_log_in_process"]
        # The heaviest process of the largest verification (coordinator or a worker) against the smallest's.
        heaviest = max(largest["peak_rss_kb_after_verify"], largest.get("peak_rss_kb_of_worker_processes") or 0)
        growth = heaviest - smallest["peak_rss_kb_after_verify"]
        rate = largest["records_per_s"]
        verdicts["audit_verify"] = {
            "target": f">= {TARGETS['verify_records_per_s']:.0f} records/s in constant memory",
            "measured": rate, "at_records": largest["records"], "peak_rss_growth_kb": growth,
            "single_scan_records_per_s": audit["verify"][sizes[-1]].get("verify_log_single_scan", {}).get(
                "records_per_s"),
            "throughput_met": rate >= TARGETS["verify_records_per_s"],
            "memory_met": growth <= TARGETS["verify_memory_growth_kb"],
            "met": rate >= TARGETS["verify_records_per_s"] and growth <= TARGETS["verify_memory_growth_kb"],
        }  # fmt: skip
    return verdicts


def main() -> int:
    args = _parse()
    if not args.no_snapshot:
        ensure_snapshot_env([str(Path(__file__).resolve()), *sys.argv[1:]], ref=args.ref)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - {"startup", "e2e", "fleet", "latency", "audit", "profile"}
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    _check_dependencies(sections)
    quick = args.quick
    mode = "quick" if quick else "full"
    rounds = args.rounds or (1 if quick else 7)
    drift_rounds = args.drift_rounds if args.drift_rounds is not None else (1 if quick else 3)
    sizes = [int(s) for s in (args.verify_sizes or ("1000,20000" if quick else "1000,100000,1000000")).split(",")]
    policy = BENCH_DIR / "playbook" / "policy.yml"
    root = Path(tempfile.mkdtemp(prefix="pxb-", dir="/tmp"))
    (root / "tmp").mkdir()
    tempfile.tempdir = str(root / "tmp")  # every scratch directory of every section lives (and dies) under root
    started = time.perf_counter()
    info = machine(root)
    if info["installed_copy_stale_files"]:
        log("WARNING: the pip-installed gate differs from this working tree: "
            f"{', '.join(info['installed_copy_stale_files'][:5])}; run `pip install --no-deps --force-reinstall .`"
            " so the benchmark measures this tree")  # fmt: skip
    results: dict[str, Any] = {
        "mode": mode,
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": info,
        "parameters": {
            "rounds": rounds,
            "drift_rounds": drift_rounds,
            "hosts": args.hosts,
            "verify_sizes": sizes,
            "sections": sorted(sections),
        },
    }
    capture = root / "captured-requests.jsonl"
    try:
        if "startup" in sections:
            import startup

            results["startup"] = startup.run(root / "startup", rounds=args.startup_rounds or (1 if quick else 9))
        if "e2e" in sections:
            import e2e

            results["e2e"] = e2e.run_all(
                root / "e2e", hosts=args.hosts, rounds=rounds, drift_rounds=drift_rounds,
                full_warmup=not quick, capture=None if quick else capture, drift_both_diffs=not quick,
                extra_args=["--tags", "quick"] if quick else [],
            )  # fmt: skip
            if capture.is_file() and capture.stat().st_size:
                import latency as _lat

                _lat.save_fixture(capture)
                shutil.copy(capture, args.results_dir / "captured-requests.jsonl")
        if "fleet" in sections:
            import fleet

            results["fleet"] = fleet.run_fleet(
                root / "fleet", hosts=args.fleet_hosts or (4 if quick else 100),
                rounds=args.fleet_rounds or (1 if quick else 3), forks=args.fleet_forks,
                approvals=not args.no_approvals, postgres=not args.no_postgres,
                warmup_hosts=args.fleet_warmup_hosts,
            )  # fmt: skip
        if args.pyspy:
            import e2e as _e2e

            profiles = args.results_dir / "profiles"
            profiles.mkdir(parents=True, exist_ok=True)
            results["pyspy"] = _e2e.pyspy_profile(root / "pyspy", hosts=args.hosts, out_dir=profiles,
                                                  extra_args=["--tags", "quick"])  # fmt: skip
        if "latency" in sections:
            import latency

            results["latency"] = latency.run(
                iterations=500 if quick else 10_000, decide_iterations=100 if quick else 2_000,
                warmup=100 if quick else 2_000, capture=capture if capture.is_file() else None, policy=policy,
            )  # fmt: skip
        verify_path: Path | None = None
        if "audit" in sections:
            import audit_bench

            audit_root = root / "audit"
            audit_root.mkdir()
            results["audit"] = {
                "append": audit_bench.append_bench(
                    policy, fsync_records=300 if quick else 4_000, nofsync_records=3_000 if quick else 50_000,
                    root=audit_root,
                ),
                "verify": audit_bench.verify_bench(policy, sizes, audit_root),
            }  # fmt: skip
            mid = sorted(sizes)[len(sizes) // 2]
            verify_path = audit_root / f"verify-{mid}" / "audit.jsonl"
        if "profile" in sections:
            import profile as bench_profile

            results["profile"] = bench_profile.run(policy, verify_log_path=verify_path, quick=quick)
    finally:
        results["elapsed_s"] = round(time.perf_counter() - started, 1)
        results["machine"]["loadavg_at_end"] = Path("/proc/loadavg").read_text().strip()
        results["machine"]["measured_copy_digest_at_end"] = installed_digest()
        if results["machine"]["measured_copy_digest_at_end"] != results["machine"]["measured_copy_digest"]:
            log("WARNING: the measured copy of the gate changed during the benchmark; the results mix versions")
        if not quick:
            results["targets"] = judge(results)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if any(results.get(k) for k in ("startup", "e2e", "fleet", "latency", "audit")):
            path = write_result(f"{mode}-{stamp}", results, results_dir=args.results_dir)
            shutil.copy(path, args.results_dir / f"latest-{mode}.json")
            log(f"results: {path}")
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
            venv = os.environ.get("PRAXIS_BENCH_SNAPSHOT", "")
            if venv.startswith("/tmp/pxb-venv-"):
                shutil.rmtree(venv, ignore_errors=True)
    _print_summary(results)
    return 0


def _print_summary(results: dict[str, Any]) -> None:
    lines = [f"== praxis.gatekeeper benchmark ({results['mode']}, {results['elapsed_s']} s) =="]
    if results.get("startup"):
        import startup

        lines.extend(startup.print_summary(results["startup"]))
    if results.get("fleet"):
        f = results["fleet"]
        medians, ratios = json.dumps(f["median_wall_s"]), json.dumps(f["ratio_over_ungated"])
        lines.append(f"fleet ({f['hosts']} hosts x {f['tasks']} tasks, forks {f['forks']}): medians {medians}; "
                     f"over ungated {ratios}")  # fmt: skip
    e2e = results.get("e2e", {})
    if e2e.get("end_to_end"):
        r = e2e["end_to_end"]
        med = r["median_wall_s"]
        lines.append(
            f"end to end ({r['rounds']} rounds, {r['hosts']} hosts, {r['tasks_in_playbook']} tasks): "
            f"ungated {med['ungated']:.2f} s, gated {med['gated']:.2f} s, ara {med['ara']:.2f} s; "
            f"gated/ungated {r['ratio_gated_over_ungated']}, ara/ungated {r['ratio_ara_over_ungated']}"
        )
    if e2e.get("drift"):
        d = e2e["drift"]
        lines.append(
            f"drift: medians {json.dumps(d['median_wall_s'])}; gated --check --diff / plain --check "
            f"{d['ratio_gated_check_diff_over_ungated_check']}"
        )
    lat = results.get("latency")
    if lat:
        for kind in ("evaluate", "explain", "decide"):
            w, c = lat[kind]["wall"], lat[kind]["cpu"]
            pw = lat["playbook_mix"][kind]["wall"]
            lines.append(
                f"decision {kind}: playbook mix wall p50 {pw['p50_us']} us p99 {pw['p99_us']} us; "
                f"ten kinds wall p50 {w['mix_p50_us']} us p99 {w['mix_p99_us']} us "
                f"(without the 64 KiB copy p99 {w['mix_without_64k_p99_us']} us); "
                f"cpu p50 {c['mix_p50_us']} us p99 {c['mix_p99_us']} us"
            )
    audit = results.get("audit")
    if audit:
        a = audit["append"]
        lines.append(
            f"append: {a['batch_default']['records_per_s']:.0f} records/s (batch, the default), "
            f"{a['always_fsync_per_record']['records_per_s']:.0f} records/s (always), "
            f"{a['never_fsync']['records_per_s']:.0f} records/s (never); "
            f"disk write+fsync ceiling {a['disk_write_plus_fsync_per_s']:.0f}/s"
        )
        for size, v in audit["verify"].items():
            p = v["verify_log_in_process"]
            lines.append(
                f"verify {size}: {p['records_per_s']:.0f} records/s, peak RSS "
                f"{p['peak_rss_kb_after_verify']} KiB; CLI {v['cli']['wall_seconds']} s, "
                f"peak RSS {v['cli']['peak_rss_kb']} KiB"
            )
    for name, verdict in results.get("targets", {}).items():
        lines.append(
            f"target {name}: {'MET' if verdict['met'] else 'MISSED'} ({verdict['target']}; "
            f"measured {verdict['measured']})"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
