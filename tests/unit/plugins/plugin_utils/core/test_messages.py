# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What refusals say: a deny-list match is labelled with the tier a deny rule implies (T3), an emergency stop labels
a task with its own classification (a debug task is not T3), and an invalid mode is said once with one next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import DENY_TIER, Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Tier, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings

GOLDEN = Path(__file__).resolve().parents[5] / "tests" / "fixtures" / "golden-decisions.jsonl"


@pytest.fixture
def gate(tmp_path: Path) -> Gate:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": "open", "HOME": str(tmp_path)}
    return Gate.from_settings(load_settings(env, cfg=None), seams=())


def test_every_deny_list_refusal_in_the_golden_corpus_is_labelled_t3() -> None:
    denied = [json.loads(line)["decision"] for line in GOLDEN.read_text().splitlines()]
    denied = [d for d in denied if d["verdict"] == "denied" and d["rule"].startswith("deny.")]
    assert len(denied) > 500
    assert {d["tier"] for d in denied} == {str(DENY_TIER)} == {"T3"}


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("ansible.builtin.shell", {"_raw_params": "echo aGk= | base64 -d | sh"}),
        ("ansible.builtin.shell", {"_raw_params": ":(){ :|:& };:"}),
        ("ansible.builtin.file", {"path": "/", "mode": "0777", "recurse": True}),
        ("ansible.builtin.copy", {"content": "x", "dest": "/dev/sda"}),
    ],
)
def test_a_deny_list_refusal_names_t3_whatever_the_task_classifies_as(
    gate: Gate, action: str, args: dict[str, object]
) -> None:
    decision = gate.explain(TaskRequest(action=action, args=args, host="web1"))
    assert decision.verdict is Verdict.DENIED and decision.rule.startswith("deny.")
    assert decision.tier is Tier.T3


@pytest.mark.parametrize(
    ("action", "args", "tier"),
    [
        ("ansible.builtin.debug", {"msg": "hello"}, Tier.T0),
        ("ansible.builtin.stat", {"path": "/etc/hostname"}, Tier.T0),
        ("ansible.builtin.copy", {"content": "x", "dest": "/tmp/x"}, Tier.T1),
        ("ansible.builtin.copy", {"content": "x", "dest": "/etc/sudoers.d/x"}, Tier.T3),
        ("ansible.builtin.shell", {"_raw_params": "rm -rf /"}, Tier.T3),
    ],
)
def test_an_emergency_stop_labels_each_task_with_its_own_tier(
    gate: Gate, action: str, args: dict[str, object], tier: Tier
) -> None:
    killswitch.trip(gate.settings.killswitch_path, reason="incident", principal="ops")
    decision = gate.explain(TaskRequest(action=action, args=args, host="web1"))
    assert (decision.verdict, decision.rule, decision.tier) == (Verdict.REFUSED, "killswitch", tier)


def test_an_emergency_stop_refuses_what_cannot_be_classified_and_labels_it_t3(
    gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    killswitch.trip(gate.settings.killswitch_path, reason="incident", principal="ops")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the classifier failed")

    monkeypatch.setattr(gate_module, "evaluate", broken)
    decision = gate.explain(TaskRequest(action="ansible.builtin.debug", args={"msg": "x"}, host="web1"))
    assert (decision.verdict, decision.rule, decision.tier) == (Verdict.REFUSED, "killswitch", Tier.T3)


def test_an_invalid_mode_is_said_once_with_one_next_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRAXIS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PRAXIS_MODE", "bogus")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("not a mode") == 1 and err.count("next:") == 1, err
    assert "use open, guarded or readonly" in err
