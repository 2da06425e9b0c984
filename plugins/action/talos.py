# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The praxis.gatekeeper.talos action: validates the arguments and runs the talosctl call the gate allowed."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.praxis.gatekeeper.plugins.modules.talos import ARGUMENT_SPEC
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.actuation import run_talos_task
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.hooks import GateRefusal


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible-core ships no type information
    """talosctl on the controller for one Talos node; nothing is shipped to the node (it has no Python)."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _supports_check_mode = True
    _supports_async = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: Any = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        arguments = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        environment = self._task.environment
        if any(environment) if isinstance(environment, list) else environment:
            self._display.warning("praxis.gatekeeper.talos ignores environment: talosctl gets only the operator's "
                                  "allowlisted environment")  # fmt: skip
        try:
            result.update(run_talos_task(timeout=arguments["timeout"]))
        except GateRefusal as exc:
            raise AnsibleActionFail(str(exc)) from exc
        return result
