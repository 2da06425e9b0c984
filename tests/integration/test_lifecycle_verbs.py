# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real gated run in guarded mode refuses the irreversible verbs of infrastructure tools before anything runs.

``terraform destroy`` and ``kubectl delete namespace`` need not exist on this machine: the payload touches a canary
first, so a task that slipped past the gate leaves evidence. The same playbook with the gate not armed leaves the
canaries (the positive control), so the refusal, not a missing program, is what keeps them away.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import AnsibleLab

pytestmark = pytest.mark.one_version  # runner and policy logic; the glue is covered in both legs

COMMANDS = {
    "terraform": "terraform -chdir=/srv/infra destroy -auto-approve",
    "tofu": "sudo -n tofu destroy",
    "kubectl": "kubectl --context prod delete namespace prod",
    "helm": "timeout 5 helm -n web uninstall web",
    "psql": "psql -c 'DELETE FROM users'",
}


def _playbook(canary: Path) -> str:
    tasks = "".join(
        f"    - name: {name}\n"
        f'      ansible.builtin.shell: "touch {canary}/ran-{name}; {command.replace(chr(34), chr(92) + chr(34))} '
        f'|| true"\n'
        f"      ignore_errors: true\n"
        for name, command in COMMANDS.items()
    )
    return f"- hosts: target1\n  gather_facts: false\n  tasks:\n{tasks}"


@pytest.mark.parametrize("mode", ["guarded", "readonly"])
def test_a_gated_run_refuses_destroying_verbs_before_they_run(lab: AnsibleLab, canary: Path, mode: str) -> None:
    lab.mode = mode
    result = lab.playbook(_playbook(canary))
    assert not list(canary.iterdir()), result.output[-3000:]
    refused = result.decisions(action="ansible.builtin.shell", decision="refused", tier="T3")
    assert len(refused) == len(COMMANDS), (result.output[-3000:], result.decisions())
    reasons = " ".join(str(d.get("reason", "")) for d in refused)
    for name in COMMANDS:
        assert name in reasons, (name, reasons)


def test_without_the_gate_the_payloads_reach_the_host(lab: AnsibleLab, canary: Path) -> None:
    """Positive control: the same playbook, gate not armed, leaves every canary (the programs need not exist)."""
    result = lab.playbook(
        _playbook(canary), env={"PRAXIS_GATE": "0", "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.default"}
    )
    assert sorted(p.name for p in canary.iterdir()) == sorted(f"ran-{name}" for name in COMMANDS), result.output[-3000:]
