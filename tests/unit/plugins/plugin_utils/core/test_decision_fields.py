# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hot path builds Decision and Evaluation through their slots (models.new_decision, evaluate._new_evaluation):
each value must land in the field it is meant for, whatever order the fields are declared in, and every default
field must hold the constructor's default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import models
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import (
    Decision,
    Mode,
    TaskRequest,
    Tier,
    Verdict,
    new_decision,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _talos
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import evaluate as policy_evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate


def _gate(tmp_path: Path) -> Gate:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path), "PRAXIS_MODE": "guarded"}
    return Gate.from_settings(load_settings(env, cwd=str(tmp_path), cfg=None), seams=())


def test_every_decision_field_gets_its_own_value(tmp_path: Path) -> None:
    gate = _gate(tmp_path)
    decision = gate._decision(
        Verdict.REFUSED, Tier.T2, "rule-x", "the reason", "id-1", reasons=("first why", "second why"), dry_run=True
    )
    assert decision.verdict is Verdict.REFUSED and decision.tier is Tier.T2 and decision.mode is Mode.GUARDED
    assert (decision.rule, decision.reason, decision.decision_id) == ("rule-x", "the reason", "id-1")
    assert decision.ruleset == gate.ruleset.label and decision.reasons == ("first why", "second why")
    assert decision.dry_run is True and decision.approval_ref is None and decision.planned is False


def test_every_evaluation_field_gets_its_own_value(tmp_path: Path) -> None:
    gate = _gate(tmp_path)
    plain = evaluate(
        TaskRequest(action="copy", args={"dest": "/etc/motd", "content": "hi\n"}, host="h1", check_mode=True),
        ruleset=gate.ruleset,
    )
    assert plain.action == "ansible.builtin.copy" and plain.tier is Tier.T2 and plain.findings == ()
    assert plain.dry_run is True and plain.sensitive is False and plain.sensitive_read == ""
    assert plain.reasons and all(isinstance(reason, str) for reason in plain.reasons)
    secret = evaluate(
        TaskRequest(action=_talos.MODULE, args={"command": ["kubeconfig", "-"]}, host="cp1", host_type="talos",
                    connection=_talos.CONNECTION, connection_options={"host": "10.5.0.2"}),
        ruleset=gate.ruleset,
    )  # fmt: skip
    assert secret.sensitive is True and secret.sensitive_read.startswith(f"{_talos.MODULE}: ")
    denied = evaluate(
        TaskRequest(action="shell", args={"_raw_params": "rm -rf --no-preserve-root /"}, host="h1"),
        ruleset=gate.ruleset,
    )
    assert denied.findings and denied.findings[0].rule.startswith("deny.") and denied.dry_run is False


@pytest.mark.parametrize("verdict", list(Verdict))
@pytest.mark.parametrize("tier", list(Tier))
def test_new_decision_is_the_constructors_decision(verdict: Verdict, tier: Tier) -> None:
    """The hot path builds decisions through the slots (models.new_decision): every field is the one the
    constructor gives, default fields included; equal, hashed alike, and frozen."""
    values = (verdict, tier, Mode.GUARDED, "the reason", "rule-x", "2026.12.11/abc", "id-7", True, ("a", "b"))
    built = new_decision(*values[:5], ruleset=values[5], decision_id=values[6], dry_run=values[7], reasons=values[8])
    made = Decision(*values)
    for field in dataclasses.fields(Decision):
        assert getattr(built, field.name) == getattr(made, field.name), field.name
    assert built == made and hash(built) == hash(made)
    assert type(built) is Decision  # pylint: disable=unidiomatic-typecheck  # exactly the class
    assert tuple(field.name for field in dataclasses.fields(Decision)) == models._DECISION_FIELDS
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.verdict = Verdict.ALLOWED  # type: ignore[misc]


@pytest.mark.parametrize("sensitive", [False, True])
def test_the_evaluation_built_through_its_slots_is_the_constructors(sensitive: bool) -> None:
    findings = (policy_evaluate.Finding("deny.x", "why"),)
    values = (findings, Tier.T2, ("T2: a", "T2: b"), True, "ansible.builtin.copy", sensitive, "reads" * sensitive)
    built = policy_evaluate._new_evaluation(*values[:5], sensitive=values[5], sensitive_read=values[6])
    made = policy_evaluate.Evaluation(*values)
    for field in dataclasses.fields(policy_evaluate.Evaluation):
        assert getattr(built, field.name) == getattr(made, field.name), field.name
    assert built == made and hash(built) == hash(made)
    assert type(built) is policy_evaluate.Evaluation  # pylint: disable=unidiomatic-typecheck  # exactly the class
    fields = tuple(field.name for field in dataclasses.fields(policy_evaluate.Evaluation))
    assert fields == policy_evaluate._EVALUATION_FIELDS
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.tier = Tier.T0  # type: ignore[misc]
