# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Markdown tables from a results file, for docs/performance.md.

python bench/report.py [bench/results/latest-full.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def machine(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    rows = [
        ("CPU", f"{m['cpu_model']}, {m['cores_usable']} cores usable"),
        ("memory", m["memory"]),
        ("OS, kernel", f"{m['os']}, {m['kernel']}"),
        ("Python", m["python"]),
        ("ansible-core", m["ansible_core"]),
        ("OpenSSH", m["openssh"]),
        ("ARA, Django", f"{m['ara']}, {m['django']}"),
        (
            "praxis-gatekeeper",
            f"{m['praxis_gatekeeper']} at {m['git_commit'][:12]}"
            + (
                " (installed copy differs from the tree!)"
                if m["installed_copy_stale_files"]
                else " (installed copy = working tree)"
            ),
        ),
        ("state directory filesystem", m.get("state_dir_filesystem", "?")),
        ("load average at start / end", f"{m['loadavg_at_start']} / {m.get('loadavg_at_end', '?')}"),
    ]
    return ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]


def end_to_end(results: dict[str, Any]) -> list[str]:
    e2e = results["e2e"]["end_to_end"]
    out = ["| round | order | ungated s | gated s | ara s | gated/ungated | ara/ungated | load (1 min) at start |",
           "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in e2e["runs"]:
        u, g, a = (row[v]["wall_s"] for v in ("ungated", "gated", "ara"))
        loads = "/".join(_fmt(row[v]["loadavg_1m_at_start"], 1) for v in row["order"])
        out.append(f"| {row['round']} | {' > '.join(row['order'])} | {_fmt(u)} | {_fmt(g)} | {_fmt(a)} | "
                   f"{_fmt(g / u, 3)} | {_fmt(a / u, 3)} | {loads} |")  # fmt: skip
    med = e2e["median_wall_s"]
    out.append(
        f"| **median** | | **{_fmt(med['ungated'])}** | **{_fmt(med['gated'])}** | **{_fmt(med['ara'])}** | "
        f"**{_fmt(e2e['ratio_gated_over_ungated'], 3)}** | **{_fmt(e2e['ratio_ara_over_ungated'], 3)}** | |"
    )
    cpu = e2e["cpu_s"]
    out.append("")
    out.append(
        "CPU seconds of the ansible-playbook process tree (controller and workers, user+sys), median: "
        + ", ".join(f"{v} {_fmt(cpu[v]['median'])}" for v in ("ungated", "gated", "ara"))
    )
    return out


def drift(results: dict[str, Any]) -> list[str]:
    d = results["e2e"]["drift"]
    names = list(d["raw_wall_s"])
    out = ["| variant | runs (s) | median s |", "|---|---|---|"]
    for name in names:
        out.append(
            f"| {name} | {', '.join(_fmt(x) for x in d['raw_wall_s'][name])} | {_fmt(d['median_wall_s'][name])} |"
        )
    out.append("")
    out.append(
        f"gated `--check --diff` / plain `--check`: **{d['ratio_gated_check_diff_over_ungated_check']}**; "
        f"gated `--check --diff` / ungated `--check --diff`: "
        f"**{d['ratio_gated_check_diff_over_ungated_check_diff']}**"
    )
    return out


def latency(results: dict[str, Any]) -> list[str]:
    lat = results["latency"]
    out = ["| request | verdict | tier | evaluate p50 / p99 us | explain p50 / p99 us | decide p50 / p99 us |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for req in lat["requests"]:
        cells = []
        for kind in ("evaluate", "explain", "decide"):
            per = lat[kind]["wall"]["per_request"][req["name"]]
            cells.append(f"{_fmt(per['p50_us'], 0)} / {_fmt(per['p99_us'], 0)}")
        out.append(f"| {req['name']} | {req['verdict']} | {req['tier']} | {' | '.join(cells)} |")
    mix = lat["playbook_mix"]
    out.append("")
    out.append(
        f"| the playbook mix ({mix['requests']} real requests: every decision of one gated run) | evaluate | "
        "explain | decide |"
    )
    out.append("|---|---|---|---|")
    for label, key in (("p50, wall", ("wall", "p50_us")), ("p99, wall", ("wall", "p99_us")),
                       ("p50, CPU time", ("cpu", "p50_us")), ("p99, CPU time", ("cpu", "p99_us"))):  # fmt: skip
        out.append(
            f"| {label} | "
            + " | ".join(_fmt(mix[k][key[0]][key[1]], 0) for k in ("evaluate", "explain", "decide"))
            + " |"
        )
    out.append("")
    out.append("| the ten kinds above, interleaved | evaluate | explain | decide |")
    out.append("|---|---|---|---|")
    for label, key in (("p50, wall", ("wall", "mix_p50_us")), ("p99, wall", ("wall", "mix_p99_us")),
                       ("p50, CPU time", ("cpu", "mix_p50_us")), ("p99, CPU time", ("cpu", "mix_p99_us")),
                       ("p99 without the 64 KiB request, wall", ("wall", "mix_without_64k_p99_us")),
                       ("p99 without the 64 KiB request, CPU", ("cpu", "mix_without_64k_p99_us"))):  # fmt: skip
        out.append(
            f"| {label} | "
            + " | ".join(_fmt(lat[k][key[0]][key[1]], 0) for k in ("evaluate", "explain", "decide"))
            + " |"
        )
    return out


def audit(results: dict[str, Any]) -> list[str]:
    a = results["audit"]
    ap = a["append"]
    out = ["| append | records | seconds | records/s | p50 us | p99 us |", "|---|---|---|---|---|---|"]
    for key, label in (("batch_default", "`batch` (the default)"), ("always_fsync_per_record", "`always`"),
                       ("never_fsync", "`never`")):  # fmt: skip
        r = ap[key]
        out.append(
            f"| {label} | {r['records']} | {r['seconds']} | **{r['records_per_s']:.0f}** | {r['p50_us']} | "
            f"{r['p99_us']} |"
        )
    out.append(
        f"| the disk alone: write + fsync of one record-sized line | | | {ap['disk_write_plus_fsync_per_s']:.0f} | | |"
    )
    out.append("")
    out.append(
        "| verify | records | file MiB | verify_log records/s (default) | single scan records/s | CPU s "
        "(coordinator + workers) | peak RSS KiB (before / after verify; workers) | `praxis-gate audit verify` s | "
        "its peak RSS KiB |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|")
    for size, v in sorted(a["verify"].items(), key=lambda kv: int(kv[0])):
        p, c = v["verify_log_in_process"], v["cli"]
        single = v.get("verify_log_single_scan", {})
        out.append(
            f"| {int(size):,} | {p['records']:,} | {v['log']['bytes'] / 2**20:.1f} | **{p['records_per_s']:.0f}**"
            f" | {single.get('records_per_s', 0):.0f} | {p['cpu_seconds']} + "
            f"{p.get('cpu_seconds_of_worker_processes', 0)} | {p['peak_rss_kb_before_verify']} / "
            f"{p['peak_rss_kb_after_verify']}; {p.get('peak_rss_kb_of_worker_processes') or '-'} | "
            f"{c['wall_seconds']} | {c['peak_rss_kb']} |"
        )
    return out


def targets(results: dict[str, Any]) -> list[str]:
    out = ["| target | measured | verdict |", "|---|---|---|"]
    for _name, t in results.get("targets", {}).items():
        out.append(f"| {t['target']} | {t['measured']} | {'met' if t['met'] else '**missed**'} |")
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS_DIR / "latest-full.json"
    results = json.loads(path.read_text())
    sections = [("Machine", machine), ("Targets", targets)]
    if results.get("e2e"):
        sections += [("End to end", end_to_end), ("Drift", drift)]
    if results.get("latency"):
        sections.append(("Decision latency", latency))
    if results.get("audit"):
        sections.append(("Audit", audit))
    for title, render in sections:
        print(f"### {title}\n")
        print("\n".join(render(results)))
        print()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
