# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate inside ansible-core: which methods are hooked per supported release (one table), arming, and the
hook functions that put a decision in front of every effect.

Why class-level hooks at all: every documented extension point (action plugin, strategy, connection) misses some
task; ``TaskExecutor`` and the connection and lookup base classes do not (docs/mechanism.md). Arming happens in
the controller before workers fork, so every worker inherits the hooks and this module's state. Arming fails
closed: a problem installs the hooks in lock-down (every task refused with the reason) and aborts the run.

Security constraints: SEC-2, SEC-5, SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import json
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from ansible.errors import AnsibleActionSkip, AnsibleError

from ..agents.trifecta import credential_lookup
from ..approvals.stage import ApprovalSeam
from ..approvals.stage import warm as warm_approvals
from ..approvals.tokens import WITHHELD_TOKEN, split_tokens
from ..core.display import render
from ..core.errors import GatekeeperError, TaskRefused
from ..core.gate import Gate, Outcome, output_bytes
from ..core.killswitch import KillSwitchState
from ..core.models import Decision, TaskRequest
from ..core.requirements import STORE_DSN_VARIABLE, MissingRequirement, missing, missing_store_driver
from ..core.settings import GateSettings, load_settings
from ..policy.trust import adjacent_collections_refusal, plugin_dir_refusal
from . import controller, inventory, lifetime, requests, warmup
from .patching import patch, wrap_subclasses

if TYPE_CHECKING:
    from ..drift.observe import DriftRun

__all__ = [
    "HOOK_TABLE",
    "SUPPORTED",
    "GateRefusal",
    "GateUnscannable",
    "HookKind",
    "HookPoint",
    "HookSet",
    "active_task",
    "arm",
    "armed",
    "emergency_stop",
    "report_pending",
]


class GateRefusal(AnsibleError):  # type: ignore[misc]  # ansible-core ships no type information
    """A task, lookup or remote operation the gate did not allow. Its message names the task's action, host and
    arguments, which the playbook controls, so it is rendered terminal-safe before ansible-core shows it."""

    def __init__(self, message: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(render(message, multiline=True), *args, **kwargs)


class GateUnscannable(AnsibleActionSkip):  # type: ignore[misc]  # ansible-core ships no type information
    """In a drift run, a task the gate did not allow is reported as skipped so the scan goes on to the next task: it
    did not run, and the scan lists it as unscannable with the gate's reason. The reason names what the playbook
    controls, so it is rendered terminal-safe like a GateRefusal."""

    def __init__(self, message: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(render(message, multiline=True), *args, **kwargs)


# ---------------------------------------------------------------------------------------------------- arming
@dataclass
class _Arming:
    """This process's gate, or why there is none; inherited by forked workers with the hooks."""

    gate: Gate | None = None
    error: str | None = None
    polling: bool = False  # inside TaskExecutor._poll_async_result (see _around_poll)
    presented: tuple[str, ...] = ()  # approval tokens taken out of the praxis_approval extra var
    wait: int | None = None  # the praxis_approval_wait extra var (a job-template variable), if given
    drift: DriftRun | None = None  # the drift job this run was started for by `praxis-gate drift`
    task: tuple[Decision, TaskRequest] | None = None  # the allowed task executing in this process (worker)
    pending_reported: bool = False  # the run's "waiting for an operator" line was shown


_ARMING = _Arming()
_LOCK = threading.Lock()


def arm(*, via: str) -> Gate | None:
    """Install the hooks once per process. On any problem, lock down (every task refused) and raise."""
    with _LOCK:
        if _ARMING.gate is not None or _ARMING.error is not None:
            return _ARMING.gate
        if missing():
            # The gate's packages load on first use (core/requirements.py), so a Python that lacks one is found
            # here, by looking, before the run starts (never half-way through it), and refused as a Galaxy-only
            # install whose callback cannot import is: every task locked out, the packages and the pip command named.
            from .lockdown import refusing_arm  # noqa: PLC0415 - only for a Python that lacks the requirements

            _ARMING.error = "the gate's Python requirements are missing"
            refusing_arm(ImportError(_ARMING.error))(via=via)
        # ansible-core's start-up lives for the whole run: frozen now, the collections that hook_points()' parse of
        # ansible.builtin's runtime.yml (about 19,000 YAML nodes) triggers no longer walk it (arming 198 -> 154 ms
        # CPU best of 10; a one-task run +64 -> +25 ms over ungated, bench/results/issue22/startup-imports/).
        gc.freeze()
        try:
            points = hook_points()
            settings = load_settings()
            driver = missing_store_driver()
            if driver:
                python = sys.executable
                raise MissingRequirement(
                    f"{STORE_DSN_VARIABLE} names a PostgreSQL store, but {python} cannot import its driver psycopg: "
                    f"{python} -m pip install '{driver}', or unset {STORE_DSN_VARIABLE} to use the embedded SQLite "
                    "store"
                )
            drift = _drift_run(settings)
            operator_settings = settings
            if drift is not None:
                settings = drift.settings(settings)
            # Presented tokens stay in the gate's memory only: no task, lookup or local command can read them back.
            for name in ("PRAXIS_APPROVAL", "PRAXIS_APPROVAL_FILE"):
                os.environ.pop(name, None)
            seams = {"seams": drift.seams(operator_settings)} if drift is not None else {}
            gate = Gate.from_settings(
                settings, protected_paths=controller.protected_paths(), warn=controller.warn, **seams
            )
            _refuse_project_plugin_paths(gate)
            for seam in gate.seams:
                if isinstance(seam, ApprovalSeam):
                    seam.announce = controller.display  # a waiting task says so in the run's output
            if settings.approval_tokens:
                _prepare_approvals(gate, settings.approval_tokens)
            pid = os.getpid()
            # A run that cannot be audited does not start: StateError names the reason and the one next step.
            gate.start_run(
                pid=pid, via=via, **controller.launcher(), ansible=controller.ansible_version(),
                mode=gate.mode.value, ruleset=gate.ruleset.digest, principal=gate.settings.principal,
            )  # fmt: skip
            if drift is not None:
                drift.started(gate.run_id, gate.mode)
        except (GatekeeperError, ImportError, AttributeError, ValueError, OSError, GateRefusal) as exc:
            _ARMING.error = f"the gate could not start ({via}): {exc}"
            _install(_hook_points_or_none())
            # The message already says what and what next; ansible-core would append the cause chain's messages.
            raise AnsibleError(f"praxis.gatekeeper refused to run: {_ARMING.error}") from None
        _ARMING.gate, _ARMING.drift = gate, drift
        _install(points)
        lifetime.die_with_controller()
        atexit.register(_run_end, pid)
        # What is alive now (ansible-core's start-up and the gate's tables) lives for the whole run. In the permanent
        # generation, no later collection walks it again: not the controller's, and not a forked worker's, whose
        # first full collection would otherwise write GC bookkeeping into, and so copy, every page of it (issue 22).
        gc.freeze()
        return gate


def _drift_run(settings: GateSettings) -> DriftRun | None:
    """The drift job of a run started by `praxis-gate drift` (its ceiling and seams), or None. The drift package
    loads only for such a run: every other run arms without it."""
    if not settings.drift_job:
        return None
    from ..drift.observe import DriftRun  # noqa: PLC0415 - only a drift job's run needs it

    return DriftRun.from_settings(settings)


def emergency_stop(reason: str) -> KillSwitchState:
    """Trip the emergency stop for the ``praxis.gatekeeper.emergency_stop`` action, recorded by this run's gate (or,
    when the gate is not armed here, by a gate opened for the occasion: the stop concerns everyone)."""
    gate = _ARMING.gate or Gate.from_settings(load_settings(), seams=())
    return gate.trip_emergency_stop(reason=reason, by=gate.settings.principal)


def _run_end(controller_pid: int) -> None:
    gate = _ARMING.gate
    if gate is not None and os.getpid() == controller_pid:
        report_pending(controller.display)
        gate.finish_run()


def report_pending(show: Callable[[str], None]) -> None:
    """Once per run, at its end, name the request where its gated actions wait for an operator (a --check run's
    plan has no failed task to name it). The callback calls this at the recap; without the callback (armed by
    PRAXIS_GATE alone) the run's end does."""
    gate = _ARMING.gate
    if gate is None or _ARMING.pending_reported:
        return
    _ARMING.pending_reported = True
    line = gate.pending_approvals(check_run=requests.check_run())
    if line:
        show(line)


def _refuse_project_plugin_paths(gate: Gate) -> None:
    refusal = controller.project_plugin_path_refusal(gate.settings)
    if refusal:
        setting, path, message = refusal
        gate.record_event("run-refused", reason=f"{setting} in the project's ansible.cfg", path=path)
        raise GateRefusal(message)


def armed() -> Gate | None:
    """This process's gate, or None when the gate is not armed here (plugins that work without it ask)."""
    return _ARMING.gate


def active_task() -> tuple[Decision, TaskRequest]:
    """The allowed decision, and the request it was taken on, for the task executing in this process; an action
    plugin executes exactly that request. GateRefusal when the gate is not armed or no allowed task is executing."""
    gate = _gate()
    task = _ARMING.task
    active = gate.active
    if task is None or active is None or not active.allowed or task[0].decision_id != active.decision_id:
        raise GateRefusal("praxis.gatekeeper refused: no allowed gate decision covers this action")
    return task


def _gate() -> Gate:
    gate = _ARMING.gate
    if gate is None:
        raise GateRefusal(f"praxis.gatekeeper refused: {_ARMING.error or 'the gate is not armed'}")
    return gate


# ---------------------------------------------------------------------------------------------------- hooks
def _before_action(original: Any, executor: Any, templar: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    drift = _ARMING.drift
    try:
        if drift is not None and drift.runs_for_real(str(executor._host.name), requests.task_path(executor._task)):
            # An approved convergence target leaves check mode, and the gate decides it as the real change it is.
            executor._task.check_mode = False
        context = requests.TaskContext.from_executor(executor, templar)
        raw = executor.__dict__.get("_praxis_raw_args")
        request = requests.task_request(
            gate, context, presented=_ARMING.presented, approval_wait=_ARMING.wait, raw_args=raw
        )
    except Exception as exc:  # cannot describe the task: deny it, recorded, rather than guess
        request = requests.unreadable_request(executor._task, executor._host, exc)
    decision = gate.decide(request)
    executor.__dict__.setdefault("_praxis_window", []).append((decision, request))
    if not decision.allowed and decision.planned:
        # --check: what would really execute is not run; it is in the run's plan and the run goes on.
        message = render(f"praxis.gatekeeper: not run under --check: {decision.reason}", multiline=True)
        return _PlannedSkip(message), None
    if not decision.allowed:
        refusal = str(TaskRefused(decision, action=request.action, target=request.target))
        if drift is not None:
            raise GateUnscannable(f"praxis.gatekeeper drift: not run: {refusal}")
        raise GateRefusal(refusal)
    gate.begin(decision)
    _ARMING.task = (decision, request)
    return original(executor, templar, *args, **kwargs)


class _PlannedSkip:
    """The action handler of a task a --check run lists in its plan instead of running: it reports "skipped"
    with the reason, touches nothing, and the run goes on."""

    def __init__(self, message: str) -> None:
        self._message = message

    def run(self, task_vars: Any = None) -> dict[str, Any]:
        return {"changed": False, "skipped": True, "skip_reason": self._message, "msg": self._message}

    def cleanup(self, force: bool = False) -> None:
        return None


def _around_execute(original: Any, executor: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    executor._praxis_window = []
    if gate.agent_session is not None:
        # The arguments as written, before ansible-core templates them in place: an agent session judges where each
        # templated value came from (adapter/provenance.py). In a loop this is the item's fresh copy of the task.
        executor._praxis_raw_args = dict(executor._task.args)
    try:
        result = original(executor, *args, **kwargs)
    except BaseException as exc:
        for decision, request in executor._praxis_window:
            gate.record_outcome(
                decision, status=Outcome.ERROR, detail=type(exc).__name__, host=request.target, action=request.action
            )
            if _ARMING.drift is not None:
                _ARMING.drift.observe(request, decision, status=Outcome.ERROR, diff=None, message=type(exc).__name__)
        raise
    finally:
        gate.end()
        _ARMING.task = None
    if not executor._praxis_window and requests.check_run():
        if _skipped_for_check_mode(executor, result):
            controller.plan_runtime(gate, executor, why="skipped under --check (when: not ansible_check_mode)")
        elif requests.result_data(result).get("failed"):
            # Failed before its action handler (its arguments, loop or condition could not be templated: they come
            # from results the check run did not produce): listed as "decided at run time" and skipped here.
            why = f"cannot be planned under --check: {str(requests.result_data(result).get('msg', ''))[:300]}"
            planned = controller.plan_runtime(gate, executor, why=why)
            if planned is not None:
                result = requests.as_skipped(result, planned)
    status, payload, diff = requests.task_outcome(result)
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
        if _ARMING.drift is not None:
            _ARMING.drift.observe(
                request, decision, status=status if decision.allowed else Outcome.NOT_RUN, diff=diff,
                message=requests.result_message(result) if status in (Outcome.SKIPPED, Outcome.FAILED) else "",
            )  # fmt: skip
    if not window:
        task = executor._task
        kind = "include" if requests.is_include(task) else "not-gated"
        gate.record_event(
            "task-" + kind, host=str(executor._host.name), action=str(task.action), status=status,
            task=str(task.get_name()), detail="task ended before reaching an action handler",
        )  # fmt: skip
    return result


def _skipped_for_check_mode(executor: Any, result: Any) -> bool:
    """Skipped because the run is a check run: the condition that was false names ansible_check_mode (ansible-core
    reports it as ``false_condition``; without it, any condition of the task naming it counts)."""
    data = requests.result_data(result)
    if not data.get("skipped"):
        return False
    if "false_condition" in data:
        return "ansible_check_mode" in str(data["false_condition"])
    when = getattr(executor._task, "when", None) or []
    return "ansible_check_mode" in " ".join(str(w) for w in when)


def _on_worker_term(original: Any, worker: Any, signum: int, frame: Any) -> Any:
    """A worker told to stop (by its controller's death, see lifetime.py, or by ansible-core) also stops the children
    it started in sessions of their own, which the handler's kill of the worker's process group misses."""
    lifetime.stop_children(signum)
    return original(worker, signum, frame)


def _around_meta(original: Any, strategy: Any, task: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    target_host = args[2] if len(args) > 2 else kwargs["target_host"]  # (play_context, iterator, target_host)
    request = requests.meta_request(gate, task, target_host)
    decision = gate.decide(request)
    if not decision.allowed:
        raise GateRefusal(str(TaskRefused(decision, action="meta", target=request.host)))
    result = original(strategy, task, *args, **kwargs)
    gate.record_outcome(decision, status=Outcome.OK, host=request.host, action=request.action)
    return result


def _before_queue(original: Any, strategy: Any, host: Any, task: Any, *args: Any, **kwargs: Any) -> Any:
    """In the controller, before the strategy forks the worker for a task and host: the first time an action is
    queued, warm what deciding it builds, so that each worker forked for it reads that instead of building it
    (adapter/warmup.py). Decides nothing: every worker still takes its own decision on what it runs."""
    gate = _ARMING.gate
    if gate is not None:
        warmup.warm(gate, task)
    return original(strategy, host, task, *args, **kwargs)


def _around_poll(original: Any, executor: Any, *args: Any, **kwargs: Any) -> Any:
    """ansible-core retries every exception while polling an async job until the job's timeout, so a refused poll
    would keep a stopped run busy for hours; inside a poll a refusal is answered as a failed module result instead,
    marked finished, which ends the loop at once (ansible-core 2.21 ends it on ``finished`` only: its poll result no
    longer carries the parsed flag that made 2.19 stop on ``failed``). The job on the host is not touched: polling
    stops, the task fails with the refusal."""
    _ARMING.polling = True
    try:
        return original(executor, *args, **kwargs)
    finally:
        _ARMING.polling = False


def _prepare_approvals(gate: Gate, tokens: tuple[str, ...]) -> None:
    """In the controller, before workers fork: what redeeming the presented tokens needs is loaded and verified once
    here instead of in every task's worker (approvals/stage.py ``warm`` and ``ApprovalSeam.prepare_run``)."""
    warm_approvals(gate.settings)
    for seam in gate.seams:
        if isinstance(seam, ApprovalSeam):
            seam.prepare_run(tokens)


def _after_variable_manager(original: Any, manager: Any, *args: Any, **kwargs: Any) -> Any:
    """Take the praxis_approval extra var (an AWX survey password answer) out of reach of every task: the gate keeps
    the tokens; the variable, hostvars and vars dumps show a placeholder instead."""
    result = original(manager, *args, **kwargs)
    inventory.snapshot(getattr(manager, "_inventory", None))  # what add_host changes later shows against this
    extra = getattr(manager, "_extra_vars", None)
    if isinstance(extra, dict) and "praxis_approval" in extra:
        _ARMING.presented = split_tokens(str(extra["praxis_approval"]))
        if _ARMING.presented and _ARMING.gate is not None:
            _prepare_approvals(_ARMING.gate, _ARMING.presented)
        extra["praxis_approval"] = WITHHELD_TOKEN
    if isinstance(extra, dict) and "praxis_approval_wait" in extra:
        raw = str(extra["praxis_approval_wait"]).strip()
        if not raw.isdigit() or int(raw) > 86_400:
            raise GateRefusal(f"praxis_approval_wait must be 0..86400 seconds, got {raw[:20]!r}")
        _ARMING.wait = int(raw)
    return result


def _guard_remote(original: Any, name: str, connection: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    target = requests.remote_target(connection)
    reason = gate.check_remote(name, target)
    if reason is not None:
        message = f"praxis.gatekeeper refused {name} on {target or 'the target'}: {reason}"
        if name == "exec_command" and _ARMING.polling:
            return 1, json.dumps({"failed": True, "finished": True, "msg": message}).encode(), b""
        raise GateRefusal(message)
    return original(connection, *args, **kwargs)


def _guard_lookup(original: Any, name: str, lookup: Any, terms: Any, *args: Any, **kwargs: Any) -> Any:
    gate = _gate()
    fqcn = requests.lookup_name(lookup)
    if gate.agent_session is not None:
        sensitive = credential_lookup(fqcn, terms if isinstance(terms, list | tuple) else [terms],
                                      requests.lookup_options(kwargs))  # fmt: skip
        if sensitive:
            gate.observe("sensitive-read", sensitive, host="localhost", action=fqcn)
    base = requests.lookup_base(lookup)
    if (
        fqcn in gate.settings.command_lookups
        or requests.writes_controller(fqcn, terms)
        or gate.lookup_touches_gate(terms, requests.lookup_options(kwargs), base=base, name=fqcn)
    ):
        request = requests.lookup_request(gate, fqcn, terms)
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
    refusal = plugin_dir_refusal(path, str(loader.subdir), gate.settings, controller.trusted_roots())
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


# ---------------------------------------------------------------------------------------------------- the table
class HookKind(Enum):
    """How a hook is installed (see patching.py)."""

    PATCH = "patch"  # the method of that one class: hook(original, *args, **kwargs)
    WRAP_EVERY_SUBCLASS = "wrap-every-subclass"  # the method on every subclass: hook(original, name, self, ...)


@dataclass(frozen=True)
class HookPoint:
    """One hooked method: ``owner`` is ``module:Class`` in ansible-core, imported only when the gate arms."""

    owner: str
    method: str
    hook: Callable[..., Any]
    kind: HookKind


@dataclass(frozen=True)
class HookSet:
    """The hook points for the ansible-core releases ``since`` <= major.minor < ``before``, in installation order.
    The first point's class carries the marker that this process's ansible-core is hooked."""

    since: tuple[int, int]
    before: tuple[int, int]
    points: tuple[HookPoint, ...]


_TE = "ansible.executor.task_executor:TaskExecutor"
_PATCH, _EVERY = HookKind.PATCH, HookKind.WRAP_EVERY_SUBCLASS

# Every ansible-core method the gate hooks, per supported release range. 2.19 and 2.21 use the same names; a release
# that renames a private method gets a HookSet of its own. Arming refuses a release outside every range, and a
# range whose classes or methods are missing.
HOOK_TABLE: tuple[HookSet, ...] = (
    HookSet(since=(2, 19), before=(2, 22), points=(
        HookPoint(_TE, "_get_action_handler_with_module_context", _before_action, _PATCH),
        HookPoint(_TE, "_execute", _around_execute, _PATCH),
        HookPoint(_TE, "_poll_async_result", _around_poll, _PATCH),
        HookPoint("ansible.vars.manager:VariableManager", "__init__", _after_variable_manager, _PATCH),
        HookPoint("ansible.plugins.strategy:StrategyBase", "_execute_meta", _around_meta, _PATCH),
        HookPoint("ansible.plugins.strategy:StrategyBase", "_queue_task", _before_queue, _PATCH),
        HookPoint("ansible.plugins.loader:PluginLoader", "add_directory", _before_add_directory, _PATCH),
        HookPoint("ansible.utils.collection_loader._collection_finder:_AnsibleCollectionFinder",
                  "set_playbook_paths", _before_playbook_paths, _PATCH),
        HookPoint("ansible.plugins.connection:ConnectionBase", "exec_command", _guard_remote, _EVERY),
        HookPoint("ansible.plugins.connection:ConnectionBase", "put_file", _guard_remote, _EVERY),
        HookPoint("ansible.plugins.connection:ConnectionBase", "fetch_file", _guard_remote, _EVERY),
        HookPoint("ansible.plugins.lookup:LookupBase", "run", _guard_lookup, _EVERY),
        HookPoint("ansible.executor.process.worker:WorkerProcess", "_term", _on_worker_term, _PATCH),
    )),
)  # fmt: skip

# [min, max) ansible-core major.minor whose internals are hooked and tested
SUPPORTED = (min(s.since for s in HOOK_TABLE), max(s.before for s in HOOK_TABLE))


# ---------------------------------------------------------------------------------------------------- installation
def hook_points() -> list[tuple[type, HookPoint]]:
    """This ansible-core's hook points with their classes; AnsibleError when the release or a method is not there."""
    text = controller.ansible_version()
    version = tuple(int(p) for p in text.split(".")[:2])
    hook_set = next((s for s in HOOK_TABLE if s.since <= version < s.before), None)
    if hook_set is None:
        raise AnsibleError(
            f"praxis.gatekeeper supports ansible-core {SUPPORTED[0][0]}.{SUPPORTED[0][1]} up to but not including "
            f"{SUPPORTED[1][0]}.{SUPPORTED[1][1]}; this is {text}, whose internals the gate "
            "cannot vouch for. Install a supported ansible-core."
        )
    owners = {owner: _import_class(owner) for owner in dict.fromkeys(point.owner for point in hook_set.points)}
    for point in hook_set.points:
        owner = owners[point.owner]
        if not callable(getattr(owner, point.method, None)):
            raise AnsibleError(f"praxis.gatekeeper cannot hook {owner.__name__}.{point.method} in this ansible-core")
    return [(owners[point.owner], point) for point in hook_set.points]


def _import_class(path: str) -> type:
    module_name, _separator, name = path.partition(":")
    module = importlib.import_module(module_name)
    try:
        owner: type = getattr(module, name)
    except AttributeError:
        raise ImportError(f"cannot import name {name!r} from {module_name!r}") from None
    return owner


def _hook_points_or_none() -> list[tuple[type, HookPoint]] | None:
    try:
        return hook_points()
    except Exception:
        return None


def _install(points: list[tuple[type, HookPoint]] | None) -> None:
    """Patches in table order, then the every-subclass wraps, one installation per base class (it owns that
    class's ``__init_subclass__``)."""
    if not points:
        return
    marked = points[0][0]
    if getattr(marked, "_praxis_armed", False):
        return
    marked._praxis_armed = True  # type: ignore[attr-defined]
    every_subclass: dict[type, list[tuple[str, Callable[..., Any]]]] = {}
    for owner, point in points:
        if point.kind is HookKind.PATCH:
            patch(owner, point.method, point.hook)
        else:
            every_subclass.setdefault(owner, []).append((point.method, point.hook))
    for base, methods in every_subclass.items():
        wrap_subclasses(base, methods)
