# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every decision on the golden corpus is what it was: a refactor changes none, and a rule change must rewrite the
file (``python -m tests.golden_decisions --write``) so that review sees every decision it moves."""

from __future__ import annotations

import json

from tests.golden_decisions import decide_all, load_golden


def test_decisions_on_the_golden_corpus_are_unchanged() -> None:
    golden = load_golden()
    assert len(golden) > 5000, "the golden corpus is missing"
    fresh = list(decide_all([{"mode": row["mode"], "request": row["request"]} for row in golden]))
    changed = [
        {"request": old["request"], "mode": old["mode"], "was": old["decision"], "now": new["decision"]}
        for old, new in zip(golden, fresh, strict=True)
        if old["decision"] != new["decision"]
    ]
    assert not changed, (
        f"{len(changed)} of {len(golden)} golden decisions changed; if deliberate, bump the ruleset version and run "
        "`python -m tests.golden_decisions --write`. First: " + json.dumps(changed[:3], indent=1)[:3000]
    )


def test_the_golden_corpus_exercises_every_verdict_and_tier() -> None:
    """A corpus of harmless reads would prove nothing about the rules that matter."""
    golden = load_golden()
    seen = {(row["decision"]["verdict"], row["decision"]["tier"]) for row in golden}
    assert {("denied", "T3"), ("allowed", "T0"), ("allowed", "T3"), ("refused", "T1")} <= seen, seen
