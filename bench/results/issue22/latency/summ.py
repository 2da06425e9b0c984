# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import json
import sys
import glob
import statistics

d = sys.argv[1]
runs = {
    "base": [json.load(open(f)) for f in sorted(glob.glob(d + "/base-*.json"))],
    "new": [json.load(open(f)) for f in sorted(glob.glob(d + "/new-*.json"))],
}
for side in runs:
    for r in runs[side]:
        pass
kinds = [k for k in runs["base"][0] if k not in ("tree", "verdicts")]
if runs["base"][0]["verdicts"] != runs["new"][0]["verdicts"]:
    print("VERDICTS DIFFER", runs["base"][0]["verdicts"], runs["new"][0]["verdicts"])
for kind in kinds:
    print(f"== {kind}: CPU µs, median over rounds of per-round p50 / p99 (base -> new)")
    for req in runs["base"][0][kind]:
        b50 = statistics.median(r[kind][req]["p50"] for r in runs["base"])
        b99 = statistics.median(r[kind][req]["p99"] for r in runs["base"])
        n50 = statistics.median(r[kind][req]["p50"] for r in runs["new"])
        n99 = statistics.median(r[kind][req]["p99"] for r in runs["new"])
        print(f"  {req:36s} p50 {b50:7.1f} -> {n50:7.1f}   p99 {b99:7.1f} -> {n99:7.1f}")
