# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trip the praxis.gatekeeper emergency stop from a play: trip only, never clear.

Security constraints: SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.hooks import emergency_stop
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import GatekeeperError


class ActionModule(ActionBase):
    """Trips the stop once per task on the controller; the gate has already decided the task (T0)."""

    TRANSFERS_FILES = False
    BYPASS_HOST_LOOP = True
    _VALID_ARGS = frozenset({"reason"})
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec={"reason": {"type": "str", "required": True}})
        reason = str(args["reason"]).strip()
        if not reason:
            raise AnsibleActionFail("praxis.gatekeeper.emergency_stop needs a reason")
        if self._task.check_mode:
            result.update(changed=True, tripped=False, msg=f"check mode: the emergency stop would be tripped: {reason}")
            return result
        try:
            state = emergency_stop(reason)
        except GatekeeperError as exc:
            raise AnsibleActionFail(f"praxis.gatekeeper could not trip the emergency stop: {exc}") from exc
        result.update(changed=True, tripped=True, since=state.since, by=state.by,
                      msg=f"emergency stop TRIPPED: every task and remote command is refused until an operator "
                          f"clears it ({reason})")  # fmt: skip
        return result
