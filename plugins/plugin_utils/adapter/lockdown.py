# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the gate itself cannot be imported, refuse every task, lookup and remote operation with the reason.

Why: a Galaxy-only install puts the collection where ansible-core finds it, but not the gate's Python requirements
(pydantic, jsonschema, ...). The callback module would then fail to import, and ansible-core skips a callback it
cannot load with a warning: the run would go on ungated. So the callback imports the gate inside a guard and, when
that fails, arms this instead. It needs nothing but ansible-core: it installs the same class-level hooks as the
gate, each of which refuses with a message that names the missing packages and the pip command.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ansible.errors import AnsibleError
from ansible.executor.task_executor import TaskExecutor
from ansible.plugins.connection import ConnectionBase
from ansible.plugins.lookup import LookupBase
from ansible.plugins.strategy import StrategyBase

from ._probe import missing_requirements
from .patching import patch, wrap_subclasses

__all__ = ["refusing_arm"]

_LOCKED = {"message": ""}


def _message(error: BaseException) -> str:
    missing = missing_requirements()
    python = sys.executable
    if missing:
        return (
            f"praxis.gatekeeper refused to run: the gate's Python requirements are missing from {python}: "
            f"{', '.join(missing)}. Install them into the Python that runs Ansible: {python} -m pip install "
            f"{' '.join(repr(m) for m in missing)} (or, better, {python} -m pip install praxis-gatekeeper, which also "
            "installs the start-up hook)"
        )
    return (
        f"praxis.gatekeeper refused to run: the gate could not be loaded ({type(error).__name__}: {error}). "
        f"Reinstall it into {python}: {python} -m pip install praxis-gatekeeper"
    )


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AnsibleError(_LOCKED["message"])


def lock_down(message: str) -> None:
    """Refuse everything from now on in this process and every worker forked from it."""
    if _LOCKED["message"]:
        return
    _LOCKED["message"] = message
    patch(TaskExecutor, "_get_action_handler_with_module_context", _refuse)
    patch(StrategyBase, "_execute_meta", _refuse)
    wrap_subclasses(ConnectionBase, [(name, _refuse) for name in ("exec_command", "put_file", "fetch_file")])
    wrap_subclasses(LookupBase, [("run", _refuse)])


def refusing_arm(error: BaseException) -> Callable[..., None]:
    """An ``arm`` for the callback to use instead of the gate's: it locks the run down and says why."""
    message = _message(error)

    def arm(*, via: str) -> None:
        lock_down(message)
        raise AnsibleError(message)

    return arm
