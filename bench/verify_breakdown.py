# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where verification spends its time per record: each step of ``verify_log``'s per-record work, timed alone.

A budget for the verify target: 300k records/s leaves 3.3 us per record for everything. Each step below is run
over the same lines of a real log, in a tight loop, and timed in CPU time, so the numbers are lower bounds of what
that step costs inside ``verify_log``.

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
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import canonical_json, chain_hash
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.merkle import CompactRange, leaf_hash

    with path.open("rb") as handle:
        lines = [line.rstrip(b"\n") for _, line in zip(range(limit), handle, strict=False)]
    n = len(lines)
    steps: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        started = time.thread_time()  # CPU time: other processes competing for the cores do not inflate it
        result = fn()
        steps[name] = (time.thread_time() - started) / n * 1e6
        return result

    def read() -> int:
        count = 0
        with path.open("rb") as handle:
            for _, _line in zip(range(limit), handle, strict=False):
                count += 1
        return count

    timed("read lines (buffered file iteration)", read)
    records = timed("json.loads of the line", lambda: [json.loads(line) for line in lines])
    timed("chain_hash (dict copy without hash + canonical JSON + sha256)",
          lambda: [chain_hash(r["prev_hash"], r) for r in records])  # fmt: skip
    timed("  of which canonical_json alone", lambda: [canonical_json(r) for r in records])
    timed("  of which sha256 of the line bytes alone", lambda: [hashlib.sha256(line).digest() for line in lines])

    def tree() -> None:
        compact = CompactRange()
        for r in records:
            compact.append(leaf_hash(bytes.fromhex(r["hash"])))

    timed("Merkle leaf hash + compact range append", tree)

    # What a fast path could cost: the writer's line is canonical JSON, so the hashed body is the line without its
    # "hash" member; hash those bytes instead of re-serialising the parsed record (fall back when they differ).
    def raw_body(line: bytes) -> tuple[bytes, bytes]:
        at = line.find(b'"hash":"')
        digest = line[at + 8 : at + 72]
        if line[at + 73 : at + 74] == b",":
            return digest, line[:at] + line[at + 74 :]
        return digest, line[: at - 1] + line[at + 73 :]  # the last member: drop the comma before it

    def fast_chain() -> int:
        agree = 0
        for line, record in zip(lines, records, strict=True):
            digest, body = raw_body(line)
            prev = record["prev_hash"].encode()
            agree += hashlib.sha256(prev + b"\n" + body).hexdigest().encode() == digest
        return agree

    agree = timed("proposed: sha256 of the line minus its hash member (no re-serialisation)", fast_chain)
    try:
        import orjson  # type: ignore[import-not-found]  # not a dependency of the gate: measured only if present
    except ImportError:
        orjson = None
    if orjson is not None:
        timed("proposed: orjson.loads of the line (C parser)", lambda: [orjson.loads(line) for line in lines])
    total_verify = sum(v for k, v in steps.items() if not k.startswith(("  ", "proposed")))
    return {
        "fast_path_agrees_with_chain_hash": f"{agree}/{n}",
        "lines": n,
        "mean_line_bytes": round(sum(len(line) for line in lines) / n, 1),
        "us_per_record": {k: round(v, 3) for k, v in steps.items()},
        "sum_of_main_steps_us": round(total_verify, 3),
        "implied_ceiling_records_per_s": round(1e6 / total_verify, 0),
    }


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    print(json.dumps(breakdown(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 50_000), indent=1))
