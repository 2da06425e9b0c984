# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Average CPU ms and minor faults per worker of a few probed parts, from bench/_pertask_probe JSON lines.

Usage: python probe_summary.py PROBE.jsonl[.gz] [...]   (one line per file)"""

from __future__ import annotations

import gzip
import json
import statistics
import sys

PARTS = ("requests.task_request", "Gate.decide", "Gate._pipeline", "Gate._record_decision", "Gate.record_outcome")

for path in sys.argv[1:]:
    with gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    workers = [r for r in records if r.get("kind") == "worker" and "Gate.decide" in r["parts"]]
    cells = []
    for part in PARTS:
        cpu = [w["parts"][part][1] * 1000 for w in workers if part in w["parts"]]
        faults = [w["parts"][part][2] for w in workers if part in w["parts"]]
        if cpu:
            cells.append(
                f"{part} {statistics.mean(cpu):.2f} ms / {statistics.mean(faults):.0f} (p50 "
                f"{statistics.median(cpu):.2f})"
            )
    print(f"{path}: {len(workers)} workers; " + "; ".join(cells))
