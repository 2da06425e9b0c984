# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where verification spends its time per record: each step of a scan's per-record work, timed alone.

A budget for the verify target: 300k records/s leaves 3.3 us per record for everything. Each step below is run
over the same lines of a real log (from its first line, so the whole-scan step can start at the genesis hash), in
a tight loop, and timed in CPU time, so the step numbers are lower bounds of what that step costs inside a scan.

    python bench/verify_breakdown.py LOG [LINES]
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any


def breakdown(path: Path, limit: int = 50_000) -> dict[str, Any]:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import load_public_key
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.merkle import CompactRange, leaf_hash
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.scan import Scan, fast_fields, line_hash

    with path.open("rb") as handle:
        lines = [line.rstrip(b"\n") for _unused, line in zip(range(limit), handle, strict=False)]
    n = len(lines)
    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        started = time.thread_time()  # CPU time: other processes competing for the cores do not inflate it
        result = fn()
        steps[name] = (time.thread_time() - started) / n * 1e6
        return result

    timed("standard library json.loads of the line (for comparison)", lambda: [json.loads(line) for line in lines])
    fields = timed("fast field decoding (msgspec, eight members)", lambda: [fast_fields(line) for line in lines])
    timed("sha256 of the line bytes alone (for comparison)", lambda: [hashlib.sha256(line).digest() for line in lines])
    pairs = list(zip(fields, lines, strict=True))
    hashes = timed("chain hash from the line as written",
                   lambda: [line_hash(f.prev_hash, line) if f else None for f, line in pairs])  # fmt: skip

    def tree() -> None:
        compact = CompactRange()
        for f in fields:
            if f is not None:
                compact.append(leaf_hash(bytes.fromhex(f.hash)))

    timed("Merkle leaf hash + compact range append", tree)
    key = load_public_key(path.with_name("audit-signing.pub"))
    scan = Scan(public_key=key, anchor=None, tsa_roots=None)
    failures = timed("the whole per-record work (Scan.feed: all of the above and every check)",
                     lambda: [scan.feed(number, line) for number, line in enumerate(lines, start=1)])  # fmt: skip
    whole = steps["the whole per-record work (Scan.feed: all of the above and every check)"]
    return {
        "lines": n,
        "mean_line_bytes": round(sum(len(line) for line in lines) / n, 1),
        "fast_decoder_declined": sum(f is None for f in fields),
        "line_hash_matched": sum(h is not None and h == f.hash for h, f in zip(hashes, fields, strict=True) if f),
        "scan_problems": [repr(problem) for problem in failures if problem is not None][:3],
        "us_per_record": {k: round(v, 3) for k, v in steps.items()},
        "implied_single_scan_records_per_s": round(1e6 / whole, 0),
    }


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    print(json.dumps(breakdown(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 50_000), indent=1))
