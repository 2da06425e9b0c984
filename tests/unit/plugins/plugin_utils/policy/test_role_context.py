# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's argument validation on the controller names the role's own path (inside a pip-installed collection,
under site-packages, which the tamper check protects). That context is read by nothing, so it is not a task
touching the gate's files: the validation runs. Everything the validation is asked to check stays inspected, and
every other controller-side task naming the same path is still denied."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset

PROTECTED = "/venv/lib/python3.11/site-packages"
ROLE = f"{PROTECTED}/ansible_collections/praxis/gatekeeper/roles/drift_scan"


def _findings(action: str, args: dict[str, Any]) -> list[str]:
    request = TaskRequest(action=action, args=args, host="localhost", connection="local")
    return [f.rule for f in evaluate(request, ruleset=load_ruleset(None), protected_paths=(PROTECTED,)).findings]


def _validation(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "argument_spec": {"drift_scan_playbook": {"type": "path", "required": True}},
        "provided_arguments": {"drift_scan_playbook": "/srv/project/site.yml"},
        "validate_args_context": {"type": "role", "name": "drift_scan", "argument_spec_name": "main", "path": ROLE},
    }
    args.update(overrides)
    return args


def test_a_roles_own_path_in_its_argument_validation_is_not_tampering() -> None:
    assert _findings("ansible.builtin.validate_argument_spec", _validation()) == []


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("ansible.builtin.validate_argument_spec", _validation(provided_arguments={"x": f"{ROLE}/tasks/main.yml"})),
        ("ansible.builtin.validate_argument_spec", _validation(argument_spec={"x": {"default": ROLE}})),
        ("ansible.builtin.copy", {"dest": f"{ROLE}/tasks/main.yml", "content": "x",
                                  "validate_args_context": {"path": ROLE}}),
        ("ansible.builtin.include_vars", {"file": f"{ROLE}/vars/main.yml"}),
        ("ansible.builtin.debug", {"msg": ROLE}),
    ],
)  # fmt: skip
def test_the_same_path_anywhere_else_is_still_denied(action: str, args: dict[str, Any]) -> None:
    assert "deny.gate-tamper" in _findings(action, args)


def test_a_roles_argument_validation_reads_its_context_as_data_not_as_an_unknown_option() -> None:
    """ansible-core adds validate_args_context to every role's argument validation; an option table that did not
    know it rounded every role with an argument spec up to T2 (a human approval for a scheduled drift scan)."""
    request = TaskRequest(action="ansible.builtin.validate_argument_spec", args=_validation(), host="localhost",
                          connection="local")  # fmt: skip
    evaluation = evaluate(request, ruleset=load_ruleset(None), protected_paths=(PROTECTED,))
    assert not any("unknown to the gate" in reason for reason in evaluation.reasons), evaluation.reasons
    assert str(evaluation.tier) in ("T0", "T1"), evaluation
    unknown = _validation(surprise_option=1)  # the control: an option nobody tabled still rounds up
    request = TaskRequest(action="ansible.builtin.validate_argument_spec", args=unknown, host="localhost",
                          connection="local")  # fmt: skip
    assert str(evaluate(request, ruleset=load_ruleset(None), protected_paths=(PROTECTED,)).tier) == "T2"
