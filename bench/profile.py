# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles (pyinstrument, statistical) of the paths whose targets the benchmark checks.

Each profile writes the full call tree as text to ``bench/results/profiles/<name>.txt`` and returns the functions
with the most self time (time spent in the function itself, not in what it calls), which is what a fix targets.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR, log

PROFILES_DIR = RESULTS_DIR / "profiles"


def _profile(name: str, work: Callable[[], None], *, interval: float = 0.0002, top: int = 15) -> dict[str, Any]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=interval)
    started = time.perf_counter()
    profiler.start()
    work()
    profiler.stop()
    elapsed = time.perf_counter() - started
    PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    text = profiler.output_text(unicode=False, color=False, show_all=True)
    (PROFILES_DIR / f"{name}.txt").write_text(text)
    totals: dict[str, float] = {}
    root = profiler.last_session.root_frame() if profiler.last_session else None
    stack = [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic:
            continue
        own = frame.total_self_time
        if own <= 0:
            continue
        path = frame.file_path or "?"
        short = path.split("site-packages/")[-1].replace("ansible_collections/praxis/gatekeeper/", "")
        key = f"{short}:{frame.line_no} {frame.function}"
        totals[key] = totals.get(key, 0.0) + own
    total = sum(totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]
    log(f"profile {name}: {elapsed:.2f} s; top self time: {ranked[0][0] if ranked else '-'}")
    return {
        "seconds": round(elapsed, 3),
        "report": str((PROFILES_DIR / f"{name}.txt").relative_to(RESULTS_DIR.parent.parent)),
        "top_self_time": [{"function": k, "seconds": round(v, 4), "share": round(v / total, 3)} for k, v in ranked],
    }


def run(policy: Path, *, verify_log_path: Path | None, quick: bool) -> dict[str, Any]:
    import latency
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import writer as audit
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate, models
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import settings as settings_mod
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import evaluate as pol

    rows, _unused = latency.load_captured(None)
    named = latency.build_mix(rows)
    requests = {name: latency._request(models, data) for name, data in named}
    ordinary = [r for n, r in requests.items() if not n.startswith("copy with 64")]
    big = requests["copy with 64 KiB content"]
    scratch = Path(tempfile.mkdtemp(prefix="pxb-profile-"))
    env = {"PRAXIS_STATE_DIR": str(scratch / "state"), "PRAXIS_MODE": "guarded", "PRAXIS_POLICY": str(policy),
           "HOME": os.environ.get("HOME", "/root")}  # fmt: skip
    the_gate = gate.Gate.from_settings(settings_mod.load_settings(env, cwd=str(scratch), cfg=None))
    n = 2000 if quick else 20000

    def evaluate_ordinary() -> None:
        for i in range(n):
            pol.evaluate(
                ordinary[i % len(ordinary)], ruleset=the_gate.ruleset, protected_paths=the_gate.protected_paths
            )

    def evaluate_big() -> None:
        for _repeat in range(5 if quick else 30):
            pol.evaluate(big, ruleset=the_gate.ruleset, protected_paths=the_gate.protected_paths)

    def explain_ordinary() -> None:
        for i in range(n):
            the_gate.explain(ordinary[i % len(ordinary)])

    import audit_bench

    decision_rec = audit_bench.record_templates(policy)[0]
    writer = audit.AuditLog(scratch / "append" / "audit.jsonl")  # the default durability (batch)
    (scratch / "append").mkdir(mode=0o700)
    writer.append({"event": "run-start"})

    def append_default() -> None:
        for i in range(300 if quick else 2000):
            writer.append({**decision_rec, "decision_id": str(i)})

    results = {
        "evaluate_ordinary_mix": _profile("evaluate-ordinary-mix", evaluate_ordinary),
        "evaluate_64k_copy": _profile("evaluate-64k-copy", evaluate_big),
        "explain_ordinary_mix": _profile("explain-ordinary-mix", explain_ordinary),
        "append_default_durability": _profile("append-default-durability", append_default),
    }
    if verify_log_path is not None:
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
            load_public_key,
            read_anchor,
        )
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log

        key = load_public_key(verify_log_path.parent / "audit-signing.pub")
        anchor = read_anchor(verify_log_path.parent / "audit.anchor")
        results["verify"] = _profile(
            "verify", lambda: verify_log(verify_log_path, public_key=key, anchor=anchor), interval=0.0005
        )
        results["verify"]["log"] = str(verify_log_path.name)
    return results
