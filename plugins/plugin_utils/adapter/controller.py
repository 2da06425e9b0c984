# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's ansible-core: which release it is, what its configuration says, and where its code lives.

Read when the gate arms, to know which hook table applies, which controller files a task must not edit, which
plugin directories are ansible-core's own (always trusted), and whether a project's ansible.cfg points plugin
paths at code of its own. Values are read at call time: a ``sitecustomize`` or a configuration loaded later is
what the gate sees.

Security constraints: SEC-2, SEC-3 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import ansible
from ansible import constants as C
from ansible import release
from ansible.errors import AnsibleError
from ansible.utils.display import Display

from ..approvals.stage import ApprovalSeam
from ..core.display import render
from ..core.models import Tier
from ..core.settings import GateSettings
from ..policy import _modules
from ..policy.trust import project_path_refusal

__all__ = [
    "ansible_version",
    "display",
    "launcher",
    "project_plugin_path_refusal",
    "protected_paths",
    "trusted_roots",
    "warn",
]

# Every setting through which a configuration file can make the controller load plugin or collection code.
_PLUGIN_PATH_SETTINGS = (
    "COLLECTIONS_PATHS", "DEFAULT_ACTION_PLUGIN_PATH", "DEFAULT_BECOME_PLUGIN_PATH", "DEFAULT_CACHE_PLUGIN_PATH",
    "DEFAULT_CALLBACK_PLUGIN_PATH", "DEFAULT_CLICONF_PLUGIN_PATH", "DEFAULT_CONNECTION_PLUGIN_PATH",
    "DEFAULT_DOC_FRAGMENT_PLUGIN_PATH", "DEFAULT_FILTER_PLUGIN_PATH", "DEFAULT_HTTPAPI_PLUGIN_PATH",
    "DEFAULT_INVENTORY_PLUGIN_PATH", "DEFAULT_LOOKUP_PLUGIN_PATH", "DEFAULT_MODULE_PATH", "DEFAULT_MODULE_UTILS_PATH",
    "DEFAULT_NETCONF_PLUGIN_PATH", "DEFAULT_STRATEGY_PLUGIN_PATH", "DEFAULT_TERMINAL_PLUGIN_PATH",
    "DEFAULT_TEST_PLUGIN_PATH", "DEFAULT_VARS_PLUGIN_PATH",
)  # fmt: skip


def ansible_version() -> str:
    """The running ansible-core's version text (e.g. ``2.19.14``)."""
    return str(release.__version__)


def launcher() -> dict[str, str]:
    """Who started this run, for its run-start record: the program and its Python, and under ansible-runner (and so
    AWX) the runner's ident, which ansible-runner passes as the last part of ``AWX_ISOLATED_DATA_DIR`` (the job's
    artifact directory), plus AWX's job id. A job controller checks after the job that a record names its ident:
    a job without one ran ungated (``praxis-gate audit gated --runner-ident ID``)."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    info = {"program": os.path.basename(argv0), "program_path": os.path.abspath(argv0) if argv0 else "",
            "python": sys.executable}  # fmt: skip
    artifacts = os.environ.get("AWX_ISOLATED_DATA_DIR", "").rstrip("/")
    if artifacts:
        info["runner_ident"] = os.path.basename(artifacts)
        info["runner_artifacts"] = artifacts
    if os.environ.get("JOB_ID"):
        info["awx_job_id"] = os.environ["JOB_ID"]
    return info


def warn(message: str) -> None:
    """Show a warning the way ansible-core shows its own."""
    Display().warning(render(message))


def display(message: str) -> None:
    """Show a line in the run's output, as a callback would."""
    Display().display(render(message))


def trusted_roots() -> list[str]:
    """Where ansible-core's own plugins live: always trusted."""
    return [os.path.dirname(os.path.realpath(ansible.__file__))]


def protected_paths() -> list[str]:
    """Controller files a task must not edit: Ansible's configuration in use and its plugin search paths."""
    paths = [str(C.CONFIG_FILE or "")]
    for name in (
        "COLLECTIONS_PATHS",
        "DEFAULT_MODULE_PATH",
        "DEFAULT_ACTION_PLUGIN_PATH",
        "DEFAULT_CALLBACK_PLUGIN_PATH",
    ):
        value = getattr(C, name, None) or []
        paths.extend(str(p) for p in (value if isinstance(value, list) else [value]))
    return [os.path.expanduser(p) for p in paths if p]


def project_plugin_path_refusal(settings: GateSettings) -> tuple[str, str, str] | None:
    """A project's own ansible.cfg can point plugin and collection paths at Python in the project (``library =
    ./library``): the same hole as playbook-adjacent plugins. (setting, path, message) for the first such path."""
    project = settings.project_config
    if not project:
        return None
    for name in _PLUGIN_PATH_SETTINGS:
        try:
            value, origin = C.config.get_config_value_and_origin(name)
        except AnsibleError:  # a setting this ansible-core does not define
            continue
        if not origin or os.path.realpath(str(origin)) != os.path.realpath(project):
            continue
        refusal = project_path_refusal(name, value if isinstance(value, list) else [value], settings, trusted_roots())
        if refusal:
            return name, refusal[0], refusal[1]
    return None


def plan_runtime(gate: Any, executor: Any, *, why: str) -> str | None:
    """List a task a --check run cannot bind in the run's plan as "decided at run time" (module, task path,
    argument template) when the real run may ask an operator for it; returns the skip message (None: not gated,
    nothing to plan, so the error stands). Never raises: a plan entry that cannot be written leaves the error."""
    try:
        task = executor._task
        action = _modules.canonical_action(str(task.resolved_action or task.action))
        become = bool(getattr(task, "become", False))
        base = _modules.base_tier(action)
        if action in _modules.CONTROL_MODULES:
            return f"praxis.gatekeeper: skipped under --check ({why[:300]})"
        if base is not None and base < Tier.T2 and not become and action not in _modules.EXEC_MODULES:
            return None
        tier = "T3" if base is None or base is Tier.T3 else "T2"
        for seam in gate.seams:
            if isinstance(seam, ApprovalSeam):
                plan = seam.record_runtime(
                    run_id=gate.run_id, principal=gate.settings.principal, session=gate.session,
                    host=str(executor._host.name), action=action, task_name=str(task.get_name()),
                    task_path=str(task.get_path() or ""), args_template=dict(task.args), why=why, tier=tier,
                    ruleset_digest=gate.ruleset.digest,
                )  # fmt: skip
                return (
                    f"praxis.gatekeeper: decided at run time, listed in request {plan} ({why[:300]}); the real run "
                    "asks an operator for it"
                )
    except Exception as exc:
        warn(f"praxis.gatekeeper: could not list a task decided at run time in the plan: {exc}")
    return None
