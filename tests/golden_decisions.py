# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Golden decisions: what the gate decides on a fixed corpus, so that a refactor provably changes nothing and a rule
change shows every decision it moves.

The corpus: the TaskRequests a real gated run of the benchmark playbook handed the gate (in all three modes), and
every command and path text the command, shell, fast-path, path, policy and connection-option tests used when the
corpus was taken (each as a shell command and as a copy destination). Decisions are explained (never recorded),
without the approvals stage, in a private state directory.

    python -m tests.golden_decisions --write    # after reviewing a deliberate rule change, with a new ruleset version

tests/unit/plugins/plugin_utils/policy/test_golden_decisions.py compares the live gate with the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# imported for its effect: it makes ansible_collections.praxis.gatekeeper import from this checkout
from tests import conftest  # noqa: F401  # pylint: disable=unused-import

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden-decisions.jsonl"


def decide_all(cases: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The decision on each case: {"mode", "request"} in, the case plus its decision out."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="praxis-golden-") as tmp:
        os.chmod(tmp, 0o700)
        gates = {}
        for mode in ("open", "guarded", "readonly"):
            env = {"PRAXIS_STATE_DIR": f"{tmp}/state", "PRAXIS_MODE": mode, "HOME": tmp}
            gates[mode] = Gate.from_settings(load_settings(env, cfg=False), seams=())
        for case in cases:
            data = dict(case["request"])
            data["kind"] = RequestKind(data.get("kind", "task"))
            data["approval_tokens"] = tuple(data.get("approval_tokens", ()))
            decision = gates[case["mode"]].explain(TaskRequest(**data))
            yield {
                **case,
                "decision": {
                    "verdict": decision.verdict.value,
                    "tier": str(decision.tier),
                    "rule": decision.rule,
                    "dry_run": decision.dry_run,
                    "reason": decision.reason,
                    "reasons": list(decision.reasons),
                    "ruleset": decision.ruleset,
                },
            }


def load_golden(path: Path = GOLDEN) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the golden file with today's decisions")
    args = parser.parse_args(argv)
    cases = [{key: row[key] for key in ("mode", "request")} for row in load_golden()]
    fresh = list(decide_all(cases))
    if args.write:
        GOLDEN.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in fresh), encoding="utf-8")
        print(f"wrote {len(fresh)} decisions to {GOLDEN}")
        return 0
    old = load_golden()
    changed = [(o, n) for o, n in zip(old, fresh, strict=True) if o["decision"] != n["decision"]]
    for o, n in changed[:50]:
        print(json.dumps({"request": o["request"], "mode": o["mode"], "was": o["decision"], "now": n["decision"]}))
    print(f"{len(changed)} of {len(fresh)} decisions differ", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
