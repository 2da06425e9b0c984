# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`praxis-gate check` explains what a task would meet: for every task of the golden corpus, the same request as a
CHECK request gets the same verdict, tier, rule and dry-run reading as the TASK it explains.

Why: the option reading (issue 13) once ran for TASK requests only, so `check` explained a lower tier than the real
run got. A test over the whole corpus, not one example, holds every rule to the same parity.
"""

from __future__ import annotations

import json
from dataclasses import replace

from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings

from tests.golden_decisions import GOLDEN


def _gate(tmp_path: object, mode: str) -> Gate:
    env = {"PRAXIS_STATE_DIR": f"{tmp_path}/state-{mode}", "PRAXIS_MODE": mode, "HOME": str(tmp_path)}
    return Gate.from_settings(load_settings(env, cfg=False), seams=())


def test_check_explains_every_task_of_the_corpus_as_the_task_meets_it(tmp_path: object) -> None:
    gates = {mode: _gate(tmp_path, mode) for mode in ("open", "guarded", "readonly")}
    compared = 0
    for line in GOLDEN.read_text().splitlines():
        case = json.loads(line)
        data = dict(case["request"])
        if data.get("kind", "task") != "task":
            continue
        data["kind"] = RequestKind.TASK
        data["approval_tokens"] = tuple(data.get("approval_tokens", ()))
        task = TaskRequest(**data)
        gate = gates[case["mode"]]
        as_task, as_check = gate.explain(task), gate.explain(replace(task, kind=RequestKind.CHECK))
        seen = [(d.verdict, d.tier, d.rule, d.dry_run) for d in (as_task, as_check)]
        assert seen[0] == seen[1], (case["request"], case["mode"], as_task.reasons, as_check.reasons)
        compared += 1
    assert compared > 5000  # the corpus is there: an empty loop would prove nothing
