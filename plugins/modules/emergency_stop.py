#!/usr/bin/python
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of praxis.gatekeeper.emergency_stop; the work is done on the controller by its action plugin."""

from __future__ import annotations

DOCUMENTATION = r"""
module: emergency_stop
short_description: Trip the praxis.gatekeeper emergency stop (never clear it)
version_added: 0.1.0
description:
  - Trips the durable emergency stop of the praxis.gatekeeper gate on the controller. From that moment every task and
    every remote command of every gated run, this one included, is refused until an operator clears the stop with
    C(praxis-gate emergency-clear --reason ...).
  - A playbook or an agent may trip the stop; nothing in a play can clear it. The trip is written to the audit log
    (durably) and to the store's kill-switch history, naming who tripped it and why.
  - Runs once per task on the controller, whatever the play's hosts, and needs no connection to them.
options:
  reason:
    description: What happened; shown to everyone whose task is refused, and recorded.
    type: str
    required: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Under C(--check) the stop is not tripped; the result says it would have been.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The task is T0 for the gate (it changes no managed host and only ever makes the controller stricter), so it is
    allowed in every mode, including C(readonly).
seealso:
  - name: praxis-gate emergency-stop and emergency-clear
    description: The operator's commands (docs/mechanism.md).
    link: https://github.com/praxis/gatekeeper/tree/main/docs
author: praxis.gatekeeper contributors (@praxis)
"""

EXAMPLES = r"""
- name: Stop everything if the health check fails
  praxis.gatekeeper.emergency_stop:
    reason: "health check failed on {{ inventory_hostname }} after the rollout"
  when: health.status != 200
"""

RETURN = r"""
tripped:
  description: Whether the stop is tripped now (false only under check mode).
  type: bool
  returned: always
since:
  description: When the stop was tripped (UTC, ISO 8601).
  type: str
  returned: when tripped
by:
  description: The principal that tripped it.
  type: str
  returned: when tripped
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(argument_spec={"reason": {"type": "str", "required": True}}, supports_check_mode=True)
    module.fail_json(
        msg="praxis.gatekeeper.emergency_stop runs on the controller through its action plugin; it "
        "was executed as a module, which means the collection's action plugin was not loaded"
    )


if __name__ == "__main__":
    main()
