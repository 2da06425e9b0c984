# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible's objects as runner requests: where ansible-core keeps a task's action, arguments, host, connection and
its options, become, environment and shipped files, and how a task result reads as an outcome.

Written once for every adapter: the gate's hooks build requests here today, and the action and connection plugins
build theirs from the same functions, so that a task is described the same way whichever plugin asks. Only reads;
nothing here decides or records.

Security constraints: SEC-1, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible import constants as C
from ansible import context as ansible_context
from ansible._internal._datatag._tags import TrustedAsTemplate  # private; present in 2.19 and 2.21
from ansible.errors import AnsibleError
from ansible.executor.module_common import _get_action_arg_defaults  # private; same signature in 2.19 and 2.21
from ansible.plugins.loader import module_loader

from ..approvals.tokens import WITHHELD_TOKEN, split_tokens
from ..core.gate import Gate, Outcome
from ..core.models import RequestKind, TaskRequest
from ..core.sources import copied_sources, named_sources, script_files, source_path
from ..core.templating import possibly_template
from ..policy import _controller
from ..policy._modules import canonical_action, truthy
from ..policy._options import CONTROLLER_WRITING_LOOKUPS
from . import inventory
from .provenance import read_provenance

__all__ = [
    "SECRET_OPTIONS",
    "TaskContext",
    "as_skipped",
    "check_run",
    "connection_surface",
    "controller_paths",
    "is_include",
    "lookup_base",
    "lookup_name",
    "lookup_options",
    "lookup_request",
    "meta_request",
    "read_option",
    "remote_target",
    "result_data",
    "result_message",
    "sub_actions",
    "task_outcome",
    "task_path",
    "task_request",
    "unreadable_request",
    "writes_controller",
]

# Connection and become options that hold credentials: never part of a request (requests are recorded).
SECRET_OPTIONS = frozenset({"password", "private_key", "private_key_passphrase", "become_pass"})


@dataclass(frozen=True)
class TaskContext:
    """One task on one host as ansible-core holds it once the task is templated and its connection configured.

    The gate's hook takes these from the ``TaskExecutor``; an action plugin has the same objects as ``self._task``,
    ``self._connection``, ``self._play_context``, ``self._loader`` and ``self._templar``.
    """

    task: Any
    host_name: str
    connection: Any
    play_context: Any
    loader: Any
    templar: Any
    # Where the host's type may come from (adapter/inventory.py): the task's variables with their data tags,
    # before the connection adds its own, the inventory's host, and the variable manager's layers.
    job_vars: Any = None
    host: Any = None
    variable_manager: Any = None

    @classmethod
    def from_executor(cls, executor: Any, templar: Any) -> TaskContext:
        """The context of the task a ``TaskExecutor`` is about to hand to its action handler."""
        return cls(
            task=executor._task, host_name=str(executor._host.name), connection=executor._connection,
            play_context=executor._play_context, loader=executor._loader, templar=templar,
            job_vars=_task_vars(executor), host=executor._host, variable_manager=executor._variable_manager,
        )  # fmt: skip


def _task_vars(executor: Any) -> Any:
    """The task's variables as the executor holds them: ``_job_vars`` up to ansible-core 2.20, the ambient task
    context from 2.21 (where the connection's own variables are already merged in)."""
    job_vars = getattr(executor, "_job_vars", None)
    if job_vars is not None:
        return job_vars
    from ansible._internal._task import TaskContext as AmbientTask  # noqa: PLC0415 - ansible-core 2.21 and later

    return AmbientTask.current().task_vars


def task_request(
    gate: Gate,
    context: TaskContext,
    *,
    presented: tuple[str, ...] = (),
    approval_wait: int | None = None,
    raw_args: Mapping[str, Any] | None = None,
) -> TaskRequest:
    """The request for one task: templated arguments, resolved FQCN and everything that changes where and how it
    runs. ``presented`` are approval tokens the run handed over out of the task's reach (the scrubbed extra var).
    In an agent session the request also carries the host's groups and where each argument value came from
    (``raw_args``: the task's arguments before templating, see provenance.py)."""
    task, connection, templar = context.task, context.connection, context.templar
    variables = templar.available_variables
    become = getattr(connection, "become", None)
    host_type, untrusted = inventory.target_host_type(
        context.job_vars if context.job_vars is not None else variables, host=context.host,
        delegate_to=str(task.delegate_to) if task.delegate_to else None, manager=context.variable_manager,
        templar=templar,
    )  # fmt: skip
    agent = gate.agent_session is not None
    action = str(task.resolved_action or task.action)
    paths = controller_paths(task, context.loader, variables)
    return TaskRequest(
        action=action,
        args=dict(task.args),
        host=context.host_name,
        host_type=host_type,
        untrusted_inventory=untrusted,
        delegate_to=str(task.delegate_to) if task.delegate_to else None,
        connection=str(getattr(connection, "ansible_name", None) or getattr(connection, "_load_name", "unknown")),
        become=become is not None,
        become_method=str(getattr(become, "name", "")) or None if become is not None else None,
        become_user=read_option(become, "become_user"),
        check_mode=bool(task.check_mode),
        environment=_environment(task, templar),
        connection_options=connection_surface(
            connection, play_context=context.play_context, variables=variables, templar=templar
        ),
        local_files=script_files(canonical_action(action), paths),
        copied_files=copied_sources(canonical_action(action), paths),
        controller_paths=paths,
        sub_actions=sub_actions(task, variables, templar),
        kind=RequestKind.TASK,
        task_name=str(task.get_name()),
        task_path=task_path(task),
        no_log=bool(task.no_log),
        run_id=gate.run_id,
        session=gate.session,
        principal=gate.settings.principal,
        approval_tokens=(*gate.settings.approval_tokens, *_presented_tokens(templar, variables, presented)),
        batch_size=len(variables.get("ansible_play_batch") or [context.host_name]),
        check_run=check_run(),
        approval_wait=approval_wait,
        groups=tuple(str(g) for g in variables.get("group_names") or ()) if agent else (),
        provenance=read_provenance(task.args, raw_args, variables) if agent else None,
    )


def check_run() -> bool:
    """Whether the run was started with --check (a task may still run for real: ``check_mode: false``)."""
    return bool(ansible_context.CLIARGS.get("check", False))


def unreadable_request(task: Any, host: Any, error: BaseException) -> TaskRequest:
    """A task that cannot be described is denied, and recorded, rather than guessed at: this request names only
    what can be read without failing, and the kind of error."""
    return TaskRequest(
        action=str(getattr(task, "action", "") or "unknown"), args={"<unreadable>": type(error).__name__},
        host=str(getattr(host, "name", "unknown")), kind=RequestKind.TASK, connection="<unknown>",
    )  # fmt: skip


def meta_request(gate: Gate, task: Any, target_host: Any) -> TaskRequest:
    """A ``meta`` task: run by the strategy in the controller, never by a worker."""
    return TaskRequest(
        action="ansible.builtin.meta", args={"_raw_params": str(task.args.get("_raw_params", ""))},
        host=str(target_host.name), kind=RequestKind.META, connection="controller", task_name=str(task.get_name()),
        run_id=gate.run_id, principal=gate.settings.principal,
    )  # fmt: skip


def lookup_name(lookup: Any) -> str:
    """The lookup plugin's canonical FQCN (``ansible.legacy.pipe`` and ``pipe`` are ``ansible.builtin.pipe``)."""
    return canonical_action(getattr(lookup, "ansible_name", None) or getattr(lookup, "_load_name", "") or "unknown")


def lookup_options(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A lookup call's own options. ``variables`` is every variable of the play, not an option of this lookup: the
    play's own paths (its playbook_dir may be inside the installed collection) must not make an ordinary lookup
    look like tampering."""
    return {key: value for key, value in kwargs.items() if key != "variables"}


def lookup_base(lookup: Any) -> str | None:
    """The directory a lookup resolves relative terms against (the play's), when the lookup knows it."""
    loader = getattr(lookup, "_loader", None)
    try:
        return str(loader.get_basedir()) if loader is not None else None
    except (AttributeError, AnsibleError):
        return None


def writes_controller(fqcn: str, terms: Any) -> bool:
    """A lookup that creates or rewrites a controller file (``password`` with a file other than /dev/null): decided
    as a controller-side write, so readonly mode refuses it."""
    if fqcn not in CONTROLLER_WRITING_LOOKUPS:
        return False
    items = terms if isinstance(terms, list | tuple) else [terms]
    return any(str(item).split(" ", 1)[0] not in ("/dev/null", "") for item in items)


def lookup_request(gate: Gate, fqcn: str, terms: Any) -> TaskRequest:
    """A command-running lookup: controller-side command execution, decided like a task on localhost."""
    items = list(terms) if isinstance(terms, list | tuple) else [terms]
    return TaskRequest(
        action=fqcn, args={"_terms": [str(item) for item in items]}, host="localhost", connection="local",
        kind=RequestKind.LOOKUP, run_id=gate.run_id, principal=gate.settings.principal,
    )  # fmt: skip


def remote_target(connection: Any) -> str:
    """The address a connection plugin talks to ("" when it has none)."""
    return str(getattr(getattr(connection, "_play_context", None), "remote_addr", "") or "")


def task_outcome(result: Any) -> tuple[str, bytes, Any]:
    """(status, output bytes, diff) of what ``TaskExecutor._execute`` returned: a dict, or a result object in
    ansible-core releases that have one."""
    data = result.as_result_dict() if hasattr(result, "as_result_dict") else result
    return Outcome.of(data if isinstance(data, dict) else {"result": str(data)})


def result_data(result: Any) -> dict[str, Any]:
    """A task result as a dict: ansible-core 2.19 returns one, later releases a result object."""
    data = result.as_result_dict() if hasattr(result, "as_result_dict") else result
    return data if isinstance(data, dict) else {}


def as_skipped(result: Any, message: str) -> Any:
    """The same task result, turned into "skipped" with ``message`` (a --check run that lists the task in its plan
    instead of failing on it): a new dict on 2.19, the result object itself, changed, on later releases (it is
    already recorded, so it is changed in place)."""
    if isinstance(result, dict):
        return {"changed": False, "skipped": True, "skip_reason": message, "msg": message}
    result.failed = False
    result.exception = None
    result.set_skipped(message)
    result.msg = message
    return result


def task_path(task: Any) -> str:
    """Where a task is defined (``file:line``), or "" when ansible-core cannot say (an implicit task)."""
    try:
        return str(task.get_path() or "")
    except (AttributeError, TypeError):
        return ""


def result_message(result: Any) -> str:
    """The ``msg`` of a task result (why a module skipped or failed), or ""."""
    data = result.as_result_dict() if hasattr(result, "as_result_dict") else result
    message = data.get("msg", "") if isinstance(data, dict) else ""
    return message if isinstance(message, str) else str(message)


def is_include(task: Any) -> bool:
    """``include_tasks`` and ``include_role`` end in the strategy, before any action handler."""
    return task.action in C._ACTION_INCLUDE_TASKS or task.action in C._ACTION_INCLUDE_ROLE


def read_option(plugin: Any, name: str) -> Any:
    """A plugin option, or None when the plugin is absent or does not define it."""
    if plugin is None:
        return None
    try:
        return plugin.get_option(name)
    except (KeyError, AttributeError, AnsibleError):
        return None


def connection_surface(connection: Any, *, play_context: Any, variables: Any, templar: Any) -> dict[str, Any]:
    """The connection, become and shell options that change what runs or where, and every interpreter variable:
    an injection surface the task arguments do not show (``ansible_ssh_common_args: -o ProxyCommand=...``)."""
    # No try/except: options we cannot read are options we cannot vouch for; the error denies the task.
    surface = {k: v for k, v in connection.get_options().items() if k not in SECRET_OPTIONS}
    for name in ("become_exe", "become_flags", "become_user", "sudo_chdir"):
        value = read_option(getattr(connection, "become", None), name)
        if value not in (None, ""):
            surface[name] = value
    for name in ("remote_tmp", "async_dir"):
        value = read_option(getattr(connection, "_shell", None), name)
        if value not in (None, ""):
            surface[name] = value
    surface["executable"] = getattr(play_context, "executable", None)
    for key in variables:
        if isinstance(key, str) and key.startswith("ansible_") and key.endswith("_interpreter"):
            value = _template(templar, variables.get(key))
            if key == "ansible_python_interpreter":
                surface["python_interpreter"] = value
            elif value not in (None, ""):
                surface.setdefault("python_interpreter", None)
                surface[f"{key[8:]}"] = value
    return surface


def _presented_tokens(templar: Any, variables: Any, kept: tuple[str, ...]) -> tuple[str, ...]:
    """Approval tokens from the praxis_approval extra var (``kept`` by the gate when it scrubbed the variable)."""
    value = _template(templar, variables.get("praxis_approval"))
    return kept if value in (None, "", WITHHELD_TOKEN) else (*kept, *split_tokens(value))


def _template(templar: Any, value: Any) -> Any:
    if type(value) is not str and isinstance(value, str):  # pylint: disable=unidiomatic-typecheck
        bare = _bare_variable(templar, value)
        if bare is not None:
            return bare
    return templar.template(value) if isinstance(value, str | dict | list) else value


# ``{{ name }}`` and nothing else, in ansible-core's default delimiters (an overrides header, whitespace control, a
# filter, an attribute or anything else does not match and is templated by ansible-core).
_BARE_VARIABLE = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}")
# Names Jinja reads as something other than a variable at the top level of a template: literals, operators and
# keywords, and the template's own references.
_JINJA_NAMES = frozenset(
    {
        "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else", "elif",
        "for", "endfor", "endif", "block", "endblock", "extends", "import", "include", "from", "as", "with",
        "without", "context", "ignore", "missing", "recursive", "scoped", "required", "set", "endset", "macro",
        "endmacro", "call", "endcall", "filter", "endfilter", "raw", "endraw", "do", "pass", "self", "loop",
        "caller", "varargs", "kwargs", "super",
    }
)  # fmt: skip


def _bare_variable(templar: Any, text: str) -> str | None:
    """The value ansible-core's templating gives ``text`` when that is ``{{ name }}`` naming a variable whose value is
    a string with no template in it (``ansible_python_interpreter: "{{ ansible_playbook_python }}"``, the usual way
    to run local tasks with the controller's own Python): that string, found without compiling a Jinja template,
    which in a freshly forked worker costs about 1 ms of the request's 1.5. None for anything else, which the
    templar then renders: text ansible-core would not template (not trusted as a template), a variable that is not
    set or is not a string, or a value that could itself hold a template. Jinja resolves a name from the task's
    variables before its globals, and those variables are exactly the templar's."""
    match = _BARE_VARIABLE.fullmatch(text)
    if match is None or match.group(1) in _JINJA_NAMES or not TrustedAsTemplate.is_tagged_on(text):
        return None
    variables = templar.available_variables
    value = variables.get(match.group(1)) if isinstance(variables, Mapping) else None
    if not isinstance(value, str) or possibly_template(value):
        return None
    return value


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


def controller_paths(task: Any, loader: Any, variables: Any) -> dict[str, str]:
    """The controller files an action will read or write, resolved the way the action resolves them (the task's
    search path for sources, ``fetch``'s per-host directory for its destination) and through symlinks. A path that
    cannot be resolved is reported as written, so it is still judged."""
    action = canonical_action(str(task.resolved_action or task.action))
    args = task.args
    found: dict[str, str] = {}
    if action == "ansible.builtin.fetch":
        dest, src = args.get("dest"), args.get("src")
        if isinstance(dest, str) and dest:
            found["dest"] = _fetch_dest(loader, dest, str(src or ""), str(variables.get("inventory_hostname", "")),
                                        flat=truthy(args.get("flat")))  # fmt: skip
        return found
    for option, (subdir, given) in named_sources(action, args).items():
        found[option] = _search(task, loader, subdir, given)
    return found


def _search(task: Any, loader: Any, subdir: str, source: str) -> str:
    """Where the action will find ``source``: its search path (role files/templates, play directory), resolved
    through symlinks; a directory ends with ``/`` (copy then places a whole tree)."""
    try:
        path = loader.path_dwim_relative_stack(task.get_search_path(), subdir, source)
    except AnsibleError:
        return source
    return source_path(path)


def _fetch_dest(loader: Any, dest: str, src: str, host: str, *, flat: bool) -> str:
    """fetch's own computation of the file it writes: ``dest`` (or ``dest/<basename>``) when flat, else
    ``dest/<inventory_hostname>/<src>``; relative to the playbook directory; then through symlinks."""
    if flat:
        path = posixpath.join(dest, posixpath.basename(src)) if dest.endswith("/") else dest
        path = path if path.startswith("/") else loader.path_dwim(path)
    else:
        path = f"{loader.path_dwim(dest)}/{host}/{src.lstrip('/')}"
    return _controller.resolve(os.path.normpath(path))


def sub_actions(task: Any, variables: Any, templar: Any) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Modules that run in a task's place with arguments the task does not show: ``gather_facts`` runs each of its
    fact modules (``ansible_facts_modules``, ``smart`` being setup) with that module's ``module_defaults`` merged
    into the task's arguments; ``package`` runs the backend ``ansible_package_use`` names."""
    action = canonical_action(str(task.resolved_action or task.action))
    names: list[str] = []
    if action == "ansible.builtin.gather_facts":
        configured = C.config.get_config_value("FACTS_MODULES", variables=variables)
        names = [str(n) for n in (configured if isinstance(configured, list) else [configured])]
        names = ["ansible.builtin.setup" if name == "smart" else name for name in names]
    elif action == "ansible.builtin.package" and not task.args.get("use"):
        backend = _template(templar, variables.get("ansible_package_use"))
        names = [str(backend)] if backend not in (None, "", "auto") else []
    found: list[tuple[str, dict[str, Any]]] = []
    for name in names:
        context = module_loader.find_plugin_with_context(name, collection_list=task.collections)
        fqcn = str(context.resolved_fqcn) if context.resolved else name
        args = {k: v for k, v in dict(task.args).items() if v is not None and k not in ("parallel", "use")}
        # What the action's _apply_action_arg_defaults does, on the TemplateEngine the executor hands the hook.
        engine = getattr(templar, "_engine", templar)
        defaults = _get_action_arg_defaults(fqcn, task, engine)
        merged = dict(engine.template({k: v for k, v in defaults.items() if k not in args}))
        merged.update(args)
        found.append((fqcn, merged))
    return tuple(found)
