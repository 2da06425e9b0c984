# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pipeline asks no seam when every seam says it is quiet for the decision's tier, and that changes nothing
(issue 22, item 2: the plain decision's hot path); the request checks' shortcut for printable ASCII names is the
patterns' answer.

* each seam's ``quiet_tiers`` is true to its ``__call__``: for every tier it names, generated requests get None and
  nothing in the seam changes (no store opened, nothing remembered);
* decisions with the seams skipped are those with the seams asked (explain and decide, every tier, both modes the
  approvals matter in), and the seams are skipped exactly when all are quiet: positive controls where they are
  asked (a tier that needs approval, an agent session, a seam that says nothing);
* ``_malformed`` gives the patterns' answer for every code point and generated names.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.seam import SessionSeam
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.stage import ApprovalSeam
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Tier, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.seams import ALL_TIERS, SeamContext, SeamResult
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import GateSettings, load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

# One request per tier (open mode lets each through to the seams).
BY_TIER: dict[Tier, tuple[str, dict[str, Any]]] = {
    Tier.T0: ("ansible.builtin.stat", {"path": "/etc/hostname"}),
    Tier.T1: ("ansible.builtin.copy", {"dest": "/srv/app/motd", "content": "managed\n"}),
    Tier.T2: ("ansible.builtin.service", {"name": "nginx", "state": "restarted"}),
    Tier.T3: ("ansible.builtin.file", {"path": "/srv/app/old", "state": "absent"}),
}


def _settings(tmp_path: Path, mode: str = "open", principal: str = "alice@controller") -> GateSettings:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path), "PRAXIS_MODE": mode,
           "PRAXIS_PRINCIPAL": principal}  # fmt: skip
    return load_settings(env, cwd=str(tmp_path), cfg=None)


def _request(tier: Tier, **fields: Any) -> TaskRequest:
    action, args = BY_TIER[tier]
    return TaskRequest(action=action, args=dict(args), host="web1", **fields)


def _snapshot(seam: object) -> dict[str, Any]:
    return {name: repr(value) for name, value in vars(seam).items()}


def test_each_request_has_its_tier(tmp_path: Path) -> None:
    gate = Gate.from_settings(_settings(tmp_path), seams=())
    for tier in Tier:
        assert evaluate(_request(tier), ruleset=gate.ruleset).tier is tier


@pytest.mark.parametrize("record", [True, False])
def test_a_seam_is_quiet_for_exactly_the_tiers_it_names(tmp_path: Path, record: bool) -> None:
    """Outside an agent session the session stage is quiet for every tier; the approvals stage for the tiers it
    asks no human for. For each, the seam answers None and changes nothing (no store opened either)."""
    configured = _settings(tmp_path)
    approvals = ApprovalSeam(configured)
    session = SessionSeam(configured, approvals=approvals)
    assert session.quiet_tiers == ALL_TIERS
    assert approvals.quiet_tiers == {Tier.T0, Tier.T1}
    gate = Gate.from_settings(configured, seams=())
    for seam in (session, approvals):
        for tier in seam.quiet_tiers:
            for check_mode in (False, True):
                request = _request(tier, check_mode=check_mode, batch_size=3)
                context = SeamContext(request, evaluate(request, ruleset=gate.ruleset), f"d-{tier}", "x", record)
                before = _snapshot(seam)
                assert seam(context) is None
                assert _snapshot(seam) == before, (seam, tier)
    assert approvals._store is None and not approvals._dry_runs


def test_an_agent_session_stage_is_never_quiet(tmp_path: Path) -> None:
    configured = _settings(tmp_path, principal="agent:s1")
    assert SessionSeam(configured, approvals=ApprovalSeam(configured)).quiet_tiers == frozenset()


class _Spy:
    """Counts the seams' turns; says nothing about quiet tiers unless told."""

    def __init__(self, inner: Any = None, *, quiet: frozenset[Tier] | None = None) -> None:
        self.inner, self.calls = inner, 0
        if quiet is not None:
            self.quiet_tiers = quiet
        elif inner is not None and hasattr(inner, "quiet_tiers"):
            self.quiet_tiers = inner.quiet_tiers

    def __call__(self, context: SeamContext) -> SeamResult | None:
        self.calls += 1
        return self.inner(context) if self.inner is not None else None

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None:
        if self.inner is not None:
            self.inner.after_outcome(decision_id, status=status, diff=diff)

    def observe(self, signal: Any) -> None:
        pass


def _view(decision: Any) -> tuple[Any, ...]:
    reason = re.sub(r"req-[0-9a-f]+", "req-N", decision.reason)  # (each store names its own pending requests)
    return (decision.verdict, decision.tier, decision.rule, reason, decision.reasons, decision.dry_run,
            decision.planned, bool(decision.approval_ref))  # fmt: skip


@pytest.mark.parametrize("mode", ["open", "guarded"])
@pytest.mark.parametrize("check_mode", [False, True])
def test_decisions_with_quiet_seams_skipped_are_those_with_every_seam_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, check_mode: bool
) -> None:
    def decisions(asked: bool) -> list[tuple[Any, ...]]:
        folder = tmp_path / ("asked" if asked else "skipped")
        configured = _settings(folder, mode=mode)
        approvals = ApprovalSeam(configured)
        spies = [_Spy(SessionSeam(configured, approvals=approvals)), _Spy(approvals)]
        gate = Gate.from_settings(configured, seams=spies)
        gate.start_run(pid=1, via="test")
        out = []
        with monkeypatch.context() as patch:
            if asked:
                patch.setattr(gate_mod, "_seams_quiet", lambda seams, tier: False)
            for tier in Tier:
                request = _request(tier, check_mode=check_mode, batch_size=1, run_id=gate.run_id)
                for decide in (gate.explain, gate.decide):
                    before = [spy.calls for spy in spies]
                    decision = decide(request)
                    asked_now = [spy.calls for spy in spies] != before
                    out.append((tier, decide.__name__, _view(decision)))
                    reached = decision.tier <= gate.mode.ceiling or decision.dry_run
                    if not asked and reached:  # the seams are skipped exactly when both are quiet for the tier
                        assert asked_now == (tier in (Tier.T2, Tier.T3)), (tier, decision)
        gate.finish_run()
        return out

    skipped, asked = decisions(False), decisions(True)
    assert skipped == asked
    verdicts = {entry[2][0] for entry in skipped}
    if check_mode:  # dry runs go through and join the run's plan, whatever their tier
        assert any(entry[2][5] for entry in skipped) and Verdict.ALLOWED in verdicts
    else:  # both sides of the approvals stage
        assert Verdict.ALLOWED in verdicts and verdicts - {Verdict.ALLOWED}


def test_seams_are_asked_in_an_agent_session_and_when_one_says_nothing(tmp_path: Path) -> None:
    configured = _settings(tmp_path / "a", principal="agent:s1")
    approvals = ApprovalSeam(configured)
    session = _Spy(SessionSeam(configured, approvals=approvals))
    assert not gate_mod._seams_quiet((session, approvals), Tier.T0)
    silent = _Spy()  # no quiet_tiers: always asked
    assert not hasattr(silent, "quiet_tiers")
    gate = Gate.from_settings(_settings(tmp_path / "b"), seams=(silent,))
    gate.explain(_request(Tier.T0))
    assert silent.calls == 1
    quiet = _Spy(quiet=ALL_TIERS)
    gate = Gate.from_settings(_settings(tmp_path / "c"), seams=(quiet,))
    assert gate.explain(_request(Tier.T0)).allowed and quiet.calls == 0


# ---------------------------------------------------------------------------------------------------------------
# The request checks
# ---------------------------------------------------------------------------------------------------------------

_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f]")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _reference(action: str, host: str) -> str:
    """What ``_malformed`` answered before the shortcut: the patterns on every name."""
    if not action.strip() or len(action) > 200:
        return "action"
    if _SPACE_OR_CONTROL.search(action):
        return "fqcn"
    if not host or len(host) > 255:
        return "host"
    if _CONTROL.search(host):
        return "control"
    return ""


def _answer(action: str, host: str) -> str:
    problem = gate_mod._malformed(TaskRequest(action=action, args={}, host=host))
    for marker, word in (("non-empty FQCN", "action"), ("is not an FQCN", "fqcn"), ("non-empty name", "host"),
                         ("control characters", "control")):  # fmt: skip
        if marker in problem:
            return word
    assert problem == ""
    return ""


def test_every_code_point_in_a_name_is_judged_as_the_patterns_judge_it() -> None:
    for code in range(0x3100):
        char = chr(code)
        for action, host in ((f"ansible.builtin.x{char}y", "web1"), ("ansible.builtin.ping", f"web{char}1")):
            assert _answer(action, host) == _reference(action, host), hex(code)


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_generated_names_are_judged_as_the_patterns_judge_them(action: str, host: str) -> None:
    assert _answer(action, host) == _reference(action, host)


def test_a_str_subclass_cannot_answer_for_the_shortcut() -> None:
    class Liar(str):
        def isascii(self) -> bool:
            return True

        def isprintable(self) -> bool:
            return True

        def __contains__(self, item: object) -> bool:
            return False

        def find(self, *args: Any) -> int:
            return -1

    assert "is not an FQCN" in gate_mod._malformed(TaskRequest(action=Liar("ansible.builtin.x\ty"), args={}, host="h"))
    assert "control" in gate_mod._malformed(TaskRequest(action="ansible.builtin.ping", args={}, host=Liar("h\x01")))
