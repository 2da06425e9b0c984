# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate inside Ansible: translate Ansible's objects into runner requests at the few points every effect passes.

The runner (plugin_utils) decides; this file only knows where ansible-core keeps things. The hook points and why
they are enough are documented in docs/mechanism.md.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: gate
type: aggregate
short_description: The praxis.gatekeeper policy gate
version_added: 0.1.0
description:
  - Arms the praxis.gatekeeper gate in the controller before workers fork, so every task of every play is decided
    on its templated arguments and resolved FQCN just before its action handler runs, every remote command and file
    transfer is checked against that decision and the emergency stop, and command-running lookups are gated where
    they run.
  - Every decision and every outcome is written to the audit log before and after the action runs.
  - Installed with pip, the collection also arms the gate from an interpreter start-up hook whenever this callback
    is listed in C(callbacks_enabled) or C(PRAXIS_GATE=enforce) is set in the environment, so a callback that fails
    to load, a
    C(collections/) directory that shadows this collection, or playbook-adjacent Python never yields an ungated run.
  - Settings are read by the gate itself so that a project's own C(ansible.cfg) (in the working directory) can only
    tighten them; see docs/configuration.md.
requirements:
  - enable in configuration (C(callbacks_enabled = praxis.gatekeeper.gate))
options:
  mode:
    description:
      - The mode ceiling. C(open) allows every tier, C(guarded) refuses T3, C(readonly) allows only T0.
      - Only operator configuration sets it; a project C(ansible.cfg) may only lower it.
    type: str
    choices: [open, guarded, readonly]
    default: guarded
    env:
      - name: PRAXIS_MODE
    ini:
      - section: praxis_gatekeeper
        key: mode
  state_dir:
    description: Directory holding the audit log, its keys and the emergency-stop sentinel.
    type: path
    default: ~/.local/share/praxis-gatekeeper
    env:
      - name: PRAXIS_STATE_DIR
    ini:
      - section: praxis_gatekeeper
        key: state_dir
  policy:
    description: Operator policy file (YAML, validated against docs/schema/policy.schema.json).
    type: path
    env:
      - name: PRAXIS_POLICY
    ini:
      - section: praxis_gatekeeper
        key: policy
  allow_paths:
    description: Directories whose playbook-adjacent plugins, modules and collections the operator trusts.
    type: list
    elements: path
    env:
      - name: PRAXIS_ALLOW_PATHS
    ini:
      - section: praxis_gatekeeper
        key: allow_paths
  command_lookups:
    description: Extra lookup plugins (FQCN) that run commands on the controller and must pass the gate.
    type: list
    elements: str
    env:
      - name: PRAXIS_COMMAND_LOOKUPS
    ini:
      - section: praxis_gatekeeper
        key: command_lookups
  audit_anchor:
    description:
      - Where the audit log's high-water mark (the newest signed checkpoint) is kept. Keeping it outside the state
        directory means truncating the log and rolling back the anchor needs write access to two places.
    type: path
    default: <state_dir>/audit.anchor
    env:
      - name: PRAXIS_AUDIT_ANCHOR
    ini:
      - section: praxis_gatekeeper
        key: audit_anchor
  audit_checkpoint_every:
    description: Write a signed Merkle checkpoint every this many records (and at the end of every run).
    type: int
    default: 1000
    env:
      - name: PRAXIS_AUDIT_CHECKPOINT_EVERY
    ini:
      - section: praxis_gatekeeper
        key: audit_checkpoint_every
  tsa_url:
    description: RFC 3161 time-stamping authority that countersigns each checkpoint (optional).
    type: str
    env:
      - name: PRAXIS_TSA_URL
    ini:
      - section: praxis_gatekeeper
        key: tsa_url
  tsa_ca:
    description: PEM file with the root certificate(s) the time-stamping authority's tokens must chain to.
    type: path
    env:
      - name: PRAXIS_TSA_CA
    ini:
      - section: praxis_gatekeeper
        key: tsa_ca
"""

import atexit
import functools
import json
import os
import sys
import threading
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import WITHHELD_TOKEN, split_tokens
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import GatekeeperError, TaskRefused
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate, Outcome, output_bytes
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._modules import canonical_action
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.trust import (
    adjacent_collections_refusal,
    plugin_dir_refusal,
    project_path_refusal,
)

SUPPORTED = ((2, 19), (2, 22))  # [min, max) ansible-core major.minor whose internals are hooked and tested
_STATE: dict[str, Any] = {"gate": None, "error": None}
_LOCK = threading.Lock()


class GateRefusal(AnsibleError):
    """A task, lookup or remote operation the gate did not allow."""


# ---------------------------------------------------------------------------------------------------- arming
def arm(*, via: str) -> Gate | None:
    """Install the hooks once per process. On any problem, lock down (every task refused) and raise."""
    with _LOCK:
        if _STATE["gate"] is not None or _STATE["error"] is not None:
            return _STATE["gate"]
        try:
            hooks = _hook_points()
            settings = load_settings()
            # Presented tokens stay in the gate's memory only: no task, lookup or local command can read them back.
            for name in ("PRAXIS_APPROVAL", "PRAXIS_APPROVAL_FILE"):
                os.environ.pop(name, None)
            gate = Gate.from_settings(settings, protected_paths=_ansible_paths(), warn=_warn)
            _refuse_project_plugin_paths(gate)
            _STATE["gate"] = gate
        except (GatekeeperError, ImportError, AttributeError, ValueError, GateRefusal) as exc:
            _STATE["error"] = f"the gate could not start ({via}): {exc}"
            _install(_hook_points_or_none())
            raise AnsibleError(f"praxis.gatekeeper refused to run: {_STATE['error']}") from exc
        _install(hooks)
        controller = os.getpid()
        gate.start_run(
            pid=controller, via=via, program=os.path.basename(sys.argv[0]),
            ansible=_ansible_version_text(), mode=gate.mode.value, ruleset=gate.ruleset.digest,
            principal=gate.settings.principal,
        )  # fmt: skip
        atexit.register(_run_end, controller)
        return gate


def _run_end(controller: int) -> None:
    gate = _STATE["gate"]
    if gate is not None and os.getpid() == controller:
        gate.finish_run()


def _ansible_version_text() -> str:
    from ansible.release import __version__

    return str(__version__)


def _hook_points() -> dict[str, Any]:
    version = tuple(int(p) for p in _ansible_version_text().split(".")[:2])
    if not SUPPORTED[0] <= version < SUPPORTED[1]:
        raise AnsibleError(
            f"praxis.gatekeeper supports ansible-core {SUPPORTED[0][0]}.{SUPPORTED[0][1]} up to but not including "
            f"{SUPPORTED[1][0]}.{SUPPORTED[1][1]}; this is {_ansible_version_text()}, whose internals the gate "
            "cannot vouch for. Install a supported ansible-core."
        )
    from ansible.executor.task_executor import TaskExecutor
    from ansible.plugins.connection import ConnectionBase
    from ansible.plugins.loader import PluginLoader
    from ansible.plugins.lookup import LookupBase
    from ansible.plugins.strategy import StrategyBase
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    from ansible.vars.manager import VariableManager

    points = {
        "VariableManager": VariableManager,
        "TaskExecutor": TaskExecutor,
        "ConnectionBase": ConnectionBase,
        "LookupBase": LookupBase,
        "StrategyBase": StrategyBase,
        "PluginLoader": PluginLoader,
        "Finder": _AnsibleCollectionFinder,
    }
    for owner, attr in (
        (TaskExecutor, "_get_action_handler_with_module_context"),
        (TaskExecutor, "_execute"),
        (TaskExecutor, "_poll_async_result"),
        (StrategyBase, "_execute_meta"),
        (PluginLoader, "add_directory"),
        (_AnsibleCollectionFinder, "set_playbook_paths"),
    ):
        if not callable(getattr(owner, attr, None)):
            raise AnsibleError(f"praxis.gatekeeper cannot hook {owner.__name__}.{attr} in this ansible-core")
    return points


def _hook_points_or_none() -> dict[str, Any] | None:
    try:
        return _hook_points()
    except Exception:
        return None


def _install(points: dict[str, Any] | None) -> None:
    if points is None:
        return
    executor = points["TaskExecutor"]
    if getattr(executor, "_praxis_armed", False):
        return
    executor._praxis_armed = True
    _patch(executor, "_get_action_handler_with_module_context", _before_action)
    _patch(executor, "_execute", _around_execute)
    _patch(executor, "_poll_async_result", _around_poll)
    _patch(points["VariableManager"], "__init__", _after_variable_manager)
    _patch(points["StrategyBase"], "_execute_meta", _around_meta)
    _patch(points["PluginLoader"], "add_directory", _before_add_directory)
    _patch(points["Finder"], "set_playbook_paths", _before_playbook_paths)
    _wrap_subclasses(points["ConnectionBase"], ("exec_command", "put_file", "fetch_file"), _guard_remote)
    _wrap_subclasses(points["LookupBase"], ("run",), _guard_lookup)


def _patch(owner: type, name: str, hook: Any) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return hook(original, *args, **kwargs)

    setattr(owner, name, wrapper)


def _wrap_subclasses(base: type, names: tuple[str, ...], hook: Any) -> None:
    """Wrap the methods on every subclass, including classes defined later (plugins load lazily)."""

    def wrap(cls: type) -> None:
        for name in names:
            original = cls.__dict__.get(name)
            if callable(original) and not getattr(original, "_praxis_wrapped", False):
                setattr(cls, name, _method_hook(hook, original, name))

    def init_subclass(cls: type, **kwargs: Any) -> None:
        super(base, cls).__init_subclass__(**kwargs)  # type: ignore[misc]
        wrap(cls)

    base.__init_subclass__ = classmethod(init_subclass)  # type: ignore[assignment]
    pending = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        wrap(cls)
        pending.extend(cls.__subclasses__())


def _method_hook(hook: Any, original: Any, name: str) -> Any:
    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return hook(original, name, self, *args, **kwargs)

    method._praxis_wrapped = True  # type: ignore[attr-defined]
    return method


def _warn(message: str) -> None:
    from ansible.utils.display import Display

    Display().warning(message)


def _gate() -> Gate:
    gate = _STATE["gate"]
    if gate is None:
        raise GateRefusal(f"praxis.gatekeeper refused: {_STATE['error'] or 'the gate is not armed'}")
    return gate


# ---------------------------------------------------------------------------------------------------- hooks
def _before_action(original: Any, executor: Any, templar: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    try:
        request = _task_request(gate, executor, templar)
    except Exception as exc:  # cannot describe the task: deny it, recorded, rather than guess
        request = TaskRequest(
            action=str(getattr(executor._task, "action", "") or "unknown"), args={"<unreadable>": type(exc).__name__},
            host=str(getattr(executor._host, "name", "unknown")), kind=RequestKind.TASK, connection="<unknown>",
        )  # fmt: skip
    decision = gate.decide(request)
    executor.__dict__.setdefault("_praxis_window", []).append((decision, request))
    if not decision.allowed:
        raise GateRefusal(str(TaskRefused(decision, action=request.action, target=request.target)))
    gate.begin(decision)
    return original(executor, templar, *args, **kwargs)


def _around_execute(original: Any, executor: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    executor._praxis_window = []
    try:
        result = original(executor, *args, **kwargs)
    except BaseException as exc:
        for decision, request in executor._praxis_window:
            gate.record_outcome(
                decision, status=Outcome.ERROR, detail=type(exc).__name__, host=request.target, action=request.action
            )
        raise
    finally:
        gate.end()
    data = result.as_result_dict() if hasattr(result, "as_result_dict") else result
    status, payload, diff = Outcome.of(data if isinstance(data, dict) else {"result": str(data)})
    window = executor._praxis_window
    for decision, request in window:
        gate.record_outcome(
            decision,
            status=status if decision.allowed else Outcome.NOT_RUN,
            output=payload if decision.allowed else None,
            host=request.target,
            action=request.action,
            diff=diff if decision.dry_run else None,
        )
    if not window:
        task = executor._task
        kind = "include" if _is_include(task) else "not-gated"
        gate.record_event(
            "task-" + kind, host=str(executor._host.name), action=str(task.action), status=status,
            task=str(task.get_name()), detail="task ended before reaching an action handler",
        )  # fmt: skip
    return result


def _around_meta(original: Any, strategy: Any, task: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    target_host = args[2] if len(args) > 2 else kwargs["target_host"]  # (play_context, iterator, target_host)
    request = TaskRequest(
        action="ansible.builtin.meta", args={"_raw_params": str(task.args.get("_raw_params", ""))},
        host=str(target_host.name), kind=RequestKind.META, connection="controller", task_name=str(task.get_name()),
        run_id=gate.run_id, principal=gate.settings.principal,
    )  # fmt: skip
    decision = gate.decide(request)
    if not decision.allowed:
        raise GateRefusal(str(TaskRefused(decision, action="meta", target=request.host)))
    result = original(strategy, task, *args, **kwargs)
    gate.record_outcome(decision, status=Outcome.OK, host=request.host, action=request.action)
    return result


def _around_poll(original: Any, executor: Any, *args: Any, **kwargs: Any) -> Any:
    """ansible-core retries every exception while polling an async job until the job's timeout, so a refused poll
    would keep a stopped run busy for hours; inside a poll a refusal is answered as a failed module result instead,
    which ends the loop at once."""
    _STATE["polling"] = True
    try:
        return original(executor, *args, **kwargs)
    finally:
        _STATE["polling"] = False


def _after_variable_manager(original: Any, manager: Any, *args: Any, **kwargs: Any) -> Any:
    """Take the praxis_approval extra var (an AWX survey password answer) out of reach of every task: the gate keeps
    the tokens; the variable, hostvars and vars dumps show a placeholder instead."""
    result = original(manager, *args, **kwargs)
    extra = getattr(manager, "_extra_vars", None)
    if isinstance(extra, dict) and "praxis_approval" in extra:
        _STATE["presented"] = split_tokens(str(extra["praxis_approval"]))
        extra["praxis_approval"] = WITHHELD_TOKEN
    return result


def _guard_remote(original: Any, name: str, connection: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    target = str(getattr(getattr(connection, "_play_context", None), "remote_addr", "") or "")
    reason = gate.check_remote(name, target)
    if reason is not None:
        message = f"praxis.gatekeeper refused {name} on {target or 'the target'}: {reason}"
        if name == "exec_command" and _STATE.get("polling"):
            return 1, json.dumps({"failed": True, "msg": message}).encode(), b""
        raise GateRefusal(message)
    return original(connection, *args, **kwargs)


def _guard_lookup(original: Any, name: str, lookup: Any, terms: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    fqcn = canonical_action(getattr(lookup, "ansible_name", None) or getattr(lookup, "_load_name", "") or "unknown")
    # ``variables`` is every variable of the play, not an option of this lookup: the play's own paths (its
    # playbook_dir may be inside the installed collection) must not make an ordinary lookup look like tampering.
    options = {key: value for key, value in kwargs.items() if key != "variables"}
    if fqcn in gate.settings.command_lookups or gate.lookup_touches_gate(terms, options):
        items = list(terms) if isinstance(terms, list | tuple) else [terms]
        request = TaskRequest(
            action=fqcn, args={"_terms": [str(item) for item in items]}, host="localhost", connection="local",
            kind=RequestKind.LOOKUP, run_id=gate.run_id, principal=gate.settings.principal,
        )  # fmt: skip
        decision = gate.decide(request)
        if not decision.allowed:
            raise GateRefusal(str(TaskRefused(decision, action=f"lookup {fqcn}", target="the controller")))
        try:
            result = original(lookup, terms, *args, **kwargs)
        except BaseException as exc:
            gate.record_outcome(decision, status=Outcome.ERROR, detail=type(exc).__name__, host="localhost")
            raise
        gate.record_outcome(decision, status=Outcome.OK, output=output_bytes(result), host="localhost", action=fqcn)
        return result
    return original(lookup, terms, *args, **kwargs)


def _before_add_directory(original: Any, loader: Any, directory: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    path = os.path.realpath(os.path.expanduser(str(directory)))
    if kwargs.get("with_subdir") or (args and args[0]):
        path = os.path.join(path, str(loader.subdir))
    refusal = plugin_dir_refusal(path, str(loader.subdir), gate.settings, _trusted_roots())
    if refusal:
        gate.record_event("run-refused", reason="playbook-adjacent plugin code", path=path)
        raise GateRefusal(refusal)
    return original(loader, directory, *args, **kwargs)


def _before_playbook_paths(original: Any, finder: Any, playbook_paths: Any) -> Any:
    gate = _gate()
    paths = [playbook_paths] if isinstance(playbook_paths, str | bytes) else list(playbook_paths)
    for raw in paths:
        refusal = adjacent_collections_refusal(os.fsdecode(raw), gate.settings)
        if refusal:
            message, shadow = refusal
            gate.record_event("run-refused", reason="playbook-adjacent collections", path=os.fsdecode(raw),
                              shadow=shadow)  # fmt: skip
            raise GateRefusal(message)
    return original(finder, playbook_paths)


# ---------------------------------------------------------------------------------------------------- translation
def _task_request(gate: Gate, executor: Any, templar: Any) -> TaskRequest:
    task, connection = executor._task, executor._connection
    variables = templar.available_variables
    become = getattr(connection, "become", None)
    return TaskRequest(
        action=str(task.resolved_action or task.action),
        args=dict(task.args),
        host=str(executor._host.name),
        host_type=str(_template(templar, variables.get("praxis_host_type", "ssh")) or "ssh"),
        delegate_to=str(task.delegate_to) if task.delegate_to else None,
        connection=str(getattr(connection, "ansible_name", None) or getattr(connection, "_load_name", "unknown")),
        become=become is not None,
        become_method=str(getattr(become, "name", "")) or None if become is not None else None,
        become_user=_option(become, "become_user"),
        check_mode=bool(task.check_mode),
        environment=_environment(task, templar),
        connection_options=_connection_surface(executor, connection, variables, templar),
        local_files=_local_files(executor, task),
        kind=RequestKind.TASK,
        task_name=str(task.get_name()),
        no_log=bool(task.no_log),
        run_id=gate.run_id,
        session=gate.session,
        principal=gate.settings.principal,
        approval_tokens=(*gate.settings.approval_tokens, *_presented_tokens(templar, variables)),
        batch_size=len(variables.get("ansible_play_batch") or [executor._host.name]),
    )


def _presented_tokens(templar: Any, variables: Any) -> tuple[str, ...]:
    """Approval tokens from the praxis_approval extra var (kept by the gate when it scrubbed the variable)."""
    kept: tuple[str, ...] = _STATE.get("presented") or ()
    value = _template(templar, variables.get("praxis_approval"))
    return kept if value in (None, "", WITHHELD_TOKEN) else (*kept, *split_tokens(value))


def _template(templar: Any, value: Any) -> Any:
    return templar.template(value) if isinstance(value, str | dict | list) else value


def _option(plugin: Any, name: str) -> Any:
    if plugin is None:
        return None
    try:
        return plugin.get_option(name)
    except (KeyError, AttributeError, AnsibleError):
        return None


_SECRET_OPTIONS = frozenset({"password", "private_key", "private_key_passphrase", "become_pass"})


def _connection_surface(executor: Any, connection: Any, variables: Any, templar: Any) -> dict[str, Any]:
    # No try/except: options we cannot read are options we cannot vouch for; the error denies the task.
    surface = {k: v for k, v in connection.get_options().items() if k not in _SECRET_OPTIONS}
    for name in ("become_exe", "become_flags", "become_user", "sudo_chdir"):
        value = _option(getattr(connection, "become", None), name)
        if value not in (None, ""):
            surface[name] = value
    for name in ("remote_tmp", "async_dir"):
        value = _option(getattr(connection, "_shell", None), name)
        if value not in (None, ""):
            surface[name] = value
    surface["executable"] = getattr(executor._play_context, "executable", None)
    for key in variables:
        if isinstance(key, str) and key.startswith("ansible_") and key.endswith("_interpreter"):
            value = _template(templar, variables.get(key))
            if key == "ansible_python_interpreter":
                surface["python_interpreter"] = value
            elif value not in (None, ""):
                surface.setdefault("python_interpreter", None)
                surface[f"{key[8:]}"] = value
    return surface


def _environment(task: Any, templar: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    raw = task.environment
    for item in raw if isinstance(raw, list) else [raw]:
        if not item:
            continue
        value = _template(templar, item)
        if isinstance(value, dict):
            merged.update({str(k): v for k, v in value.items()})
        else:
            merged["<unparsed>"] = str(value)
    return merged


def _local_files(executor: Any, task: Any) -> dict[str, bytes | None]:
    """The script module ships a controller file and runs it: read it so its content is classified."""
    if canonical_action(str(task.resolved_action or task.action)) != "ansible.builtin.script":
        return {}
    args = task.args
    source = str(args.get("cmd") or args.get("_raw_params") or "").strip().split(" ", 1)[0]
    if not source:
        return {"<missing>": None}
    try:
        path = executor._loader.path_dwim_relative_stack(task.get_search_path(), "files", source)
        with open(path, "rb") as handle:
            data = handle.read(1024 * 1024 + 1)
        return {path: data if len(data) <= 1024 * 1024 else None}
    except (OSError, AnsibleError):
        return {source: None}


def _is_include(task: Any) -> bool:
    from ansible import constants as C

    return task.action in C._ACTION_INCLUDE_TASKS or task.action in C._ACTION_INCLUDE_ROLE


def _trusted_roots() -> list[str]:
    """Where ansible-core's own plugins live: always trusted."""
    import ansible

    return [os.path.dirname(os.path.realpath(ansible.__file__))]


_PLUGIN_PATH_SETTINGS = (
    "COLLECTIONS_PATHS", "DEFAULT_ACTION_PLUGIN_PATH", "DEFAULT_BECOME_PLUGIN_PATH", "DEFAULT_CACHE_PLUGIN_PATH",
    "DEFAULT_CALLBACK_PLUGIN_PATH", "DEFAULT_CLICONF_PLUGIN_PATH", "DEFAULT_CONNECTION_PLUGIN_PATH",
    "DEFAULT_DOC_FRAGMENT_PLUGIN_PATH", "DEFAULT_FILTER_PLUGIN_PATH", "DEFAULT_HTTPAPI_PLUGIN_PATH",
    "DEFAULT_INVENTORY_PLUGIN_PATH", "DEFAULT_LOOKUP_PLUGIN_PATH", "DEFAULT_MODULE_PATH", "DEFAULT_MODULE_UTILS_PATH",
    "DEFAULT_NETCONF_PLUGIN_PATH", "DEFAULT_STRATEGY_PLUGIN_PATH", "DEFAULT_TERMINAL_PLUGIN_PATH",
    "DEFAULT_TEST_PLUGIN_PATH", "DEFAULT_VARS_PLUGIN_PATH",
)  # fmt: skip


def _refuse_project_plugin_paths(gate: Gate) -> None:
    """A project's own ansible.cfg can point plugin and collection paths at Python in the project (``library =
    ./library``): the same hole as playbook-adjacent plugins, closed the same way."""
    project = gate.settings.project_config
    if not project:
        return
    from ansible import constants as C

    for name in _PLUGIN_PATH_SETTINGS:
        try:
            value, origin = C.config.get_config_value_and_origin(name)
        except AnsibleError:  # a setting this ansible-core does not define
            continue
        if not origin or os.path.realpath(str(origin)) != os.path.realpath(project):
            continue
        refusal = project_path_refusal(
            name, value if isinstance(value, list) else [value], gate.settings, _trusted_roots()
        )
        if refusal:
            gate.record_event("run-refused", reason=f"{name} in the project's ansible.cfg", path=refusal[0])
            raise GateRefusal(refusal[1])


def _ansible_paths() -> list[str]:
    """Controller files a task must not edit: Ansible's configuration in use and its plugin search paths."""
    from ansible import constants as C

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


# ---------------------------------------------------------------------------------------------------- callback
class CallbackModule(CallbackBase):
    """Arms the gate when loaded (if the start-up hook has not already) and reports what it decided."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "praxis.gatekeeper.gate"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self._gate = arm(via="callback")

    def v2_playbook_on_start(self, playbook: Any) -> None:
        gate = self._gate
        if gate is not None:
            self._display.vv(
                f"praxis.gatekeeper: gate armed; mode {gate.mode.value} ({gate.settings.mode_source}), "
                f"ruleset {gate.ruleset.label}, audit log {gate.settings.audit_path}"
            )
            for warning in gate.settings.warnings:
                self._display.warning(f"praxis.gatekeeper: {warning}")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        if self._gate is not None:
            line = self._gate.pending_approvals()
            if line:
                self._display.display(line)
