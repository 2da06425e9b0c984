# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-runner entry point for agents: run a playbook from the operator's project root in an agent session,
under the gate, and hand back a structured result.

What the wrapper guarantees, whoever calls it (the Python API, ``praxis-gate agent run``, the MCP server):

- Playbooks and inventories only from inside an operator-configured project root, after resolving every symbolic
  link; a project that ships controller-side Python (``filter_plugins/``, ``library/``, ``collections/`` ...) is
  refused before anything runs (the gate would refuse it too, mid-start). What ansible-core would run on the
  controller before any task from the files the run points it at is refused too: an inventory that is not plain data
  (a script, an inventory plugin configuration, a link out of the project) and a project ``ansible.cfg`` that sets
  more than plain switches (inputs.py).
- The gate's configuration is forced through the run's environment, which only this wrapper writes: the gate armed
  (``PRAXIS_GATE=enforce``), the operator's mode and state directory, principal ``agent:<session>``, strict host-key
  checking. Agent extra vars may not name gate, Ansible or magic variables nor carry templates (anything ansible-core
  would template, its ``#jinja2:`` header included: core/templating.py) nor ``__ansible_*`` keys (ansible-core's
  encoded values); agent environment variables must be on the operator's allowlist and never one a program of the
  run reads as configuration (``_ANSIBLE_*``, ``PYTHON*``, ``LD_*`` ...); a project ``ansible.cfg`` can only tighten
  (core/settings.py).
- No env, extra-vars or password file is written (``suppress_env_files``; a become password goes through
  ansible-runner's in-memory prompt answers). ansible-runner's private data directory (it writes its command line
  and each event there while the run lasts) is an owner-only temporary directory removed when the run ends.
- The cancel callback consults the emergency stop (and the run's time limit) every 0.2 s; a tripped stop ends every
  process of the run, in every session it started, within a second (_processes.py). When the run's own task
  tripped it, that task first finishes recording the stop and its outcome (at most ``_OWN_TRIP_GRACE`` seconds).
- After the run the wrapper looks for the gate's run-start record carrying this run's ansible-runner ident: a run
  without one was not gated, and is reported as a failure (status ``ungated``), never as success.

Security constraints: SEC-2, SEC-4, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..approvals.tokens import plan_id
from ..audit.writer import AuditLog
from ..core.errors import ConfigError, GatekeeperError
from ..core.killswitch import is_tripped
from ..core.killswitch import status as killswitch_status
from ..core.settings import PROJECT_CONFIG_VARIABLE, GateSettings, find_operator_cfg, load_settings
from ..core.templating import possibly_template
from ..policy.redact import truncate
from ..policy.trust import adjacent_collections_refusal, plugin_dir_refusal
from ..store import Store, open_store
from ._processes import MARKER, end_processes, marked_processes, running
from .config import AgentSettings, load_agent_settings
from .inputs import CheckedConfig, InputRefusal, checked_project_config, inventory_refusal
from .results import AgentRunResult, build_result
from .sessions import SessionBook, principal_of, valid_session_id

__all__ = ["AgentRunRequest", "AgentRunner", "RunRefused", "run_playbook"]

# Controller-side plugin directories ansible-core loads from beside a playbook or inside a role.
PLUGIN_DIRS = (
    "action_plugins", "become_plugins", "cache_plugins", "callback_plugins", "cliconf_plugins", "connection_plugins",
    "doc_fragments", "filter_plugins", "httpapi_plugins", "inventory_plugins", "library", "lookup_plugins",
    "module_utils", "netconf_plugins", "shell_plugins", "strategy_plugins", "terminal_plugins", "test_plugins",
    "vars_plugins",
)  # fmt: skip
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
# Names an agent may not set: Ansible's connection and behaviour variables, the gate's, and the magic ones.
_RESERVED_PREFIXES = ("ansible_", "praxis_", "inventory_", "role_", "playbook_", "group_")
_RESERVED_NAMES = frozenset(
    {"hostvars", "vars", "groups", "omit", "play_hosts", "environment", "item", "lookup", "query", "q", "tags"}
)
# Environment variables no agent may set, even on the operator's allowlist: each is read as configuration by a
# program of the run, so it would choose the run's code or its configuration. ansible-core reads _ANSIBLE_* as its
# own settings (base.yml: _ANSIBLE_TEMPLAR_SANDBOX_MODE turns the Jinja sandbox off, _ANSIBLE_CONNECTION_PATH names
# a program), Python PYTHON*, the dynamic loader LD_*/DYLD_*, shells BASH_ENV/ENV/BASH_FUNC_*, ssh SSH_ASKPASS* (a
# program it runs), and HOME/XDG_CONFIG_HOME/ANSIBLE's own lookups (~/.ansible.cfg, ~/.ansible/collections).
_NEVER_ENV_PREFIXES = ("PRAXIS_", "ANSIBLE_", "_ANSIBLE_", "PYTHON", "LD_", "DYLD_", "BASH_FUNC_", "SSH_ASKPASS")
_NEVER_ENV_NAMES = frozenset({"BASH_ENV", "ENV", "HOME", "XDG_CONFIG_HOME", "PATH"})
# The inventory plugins an agent-named inventory is read with: the ones that read files as host data. Not script
# (runs an executable file), auto (runs the plugin a YAML file names) or any plugin configuration.
DATA_INVENTORY_PLUGINS = "ansible.builtin.yaml,ansible.builtin.ini,ansible.builtin.toml"
_MAX_EXTRA_VARS_BYTES = 64 * 1024
_LIMIT_PATTERN = re.compile(r"[A-Za-z0-9_.:*?!&,\[\]@-]{1,500}")
_BECOME_PROMPT = r"^BECOME password.*:\s*?$"
_CANCEL_POLL = 0.2
# How long a run whose own task tripped the emergency stop waits for that task to finish recording it (normally a
# few milliseconds: two fsyncs and a store write) before its processes are ended. Nothing can actuate meanwhile:
# the gate refuses every task and remote command once the sentinel exists.
_OWN_TRIP_GRACE = 2.0
_KEEP_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable")
_MAX_EVENTS = 20_000


class RunRefused(ConfigError):
    """The wrapper refused an agent's request before anything ran (a path outside the project, a reserved
    variable, adjacent plugin code): the message says which and why."""


@dataclass(frozen=True)
class AgentRunRequest:
    """What an agent may ask for. Everything else about the run is the operator's."""

    playbook: str
    project: str | None = None
    inventory: tuple[str, ...] = ()
    extra_vars: Mapping[str, Any] = field(default_factory=dict)
    limit: str | None = None
    check: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    approvals: tuple[str, ...] = ()  # approval tokens an operator handed over for this run


@dataclass(frozen=True)
class _Plan:
    """A request the wrapper accepted, resolved: real paths, checked variables, the session and the run's ident."""

    project: Path
    playbook: Path
    inventories: list[str]
    extra_vars: dict[str, Any]
    agent_env: dict[str, str]
    request: AgentRunRequest
    session: str
    ident: str
    # the ansible.cfg ansible-core is to read, pinned through ANSIBLE_CONFIG so that a file the agent writes or
    # rewrites after the check is not read: the operator's path (or "" for an empty one) when the project had none at
    # the check, or the project's file as checked (a private copy of those bytes); None: not pinned
    config: str | CheckedConfig | None = None


class AgentRunner:
    """Runs playbooks for one agent session (a fresh restricted session per run when ``session`` is None).

    ``settings`` and ``agent_settings`` default to the operator's, read from this process's environment and the
    operator's ansible.cfg. ``become_password`` stays in this object's memory and reaches ansible-playbook only as
    the answer to its prompt.
    """

    def __init__(
        self,
        *,
        session: str | None = None,
        settings: GateSettings | None = None,
        agent_settings: AgentSettings | None = None,
        become_password: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.session = valid_session_id(session) if session is not None else None
        self._environ = dict(os.environ if environ is None else environ)
        self.settings = settings or load_settings(self._environ)
        self.agent_settings = agent_settings or load_agent_settings(self._environ)
        self._become_password = become_password
        self.active_marker: str | None = None  # the running run's process marker (_processes.py), None when idle

    # ---------------------------------------------------------------------------------------------- the run
    def run(self, request: AgentRunRequest) -> AgentRunResult:
        """Run one playbook; raises RunRefused (nothing ran) for a request the wrapper will not run."""
        plan = self._plan(request)
        actor = f"praxis agent runner ({self.settings.principal})"
        audit = AuditLog(
            self.settings.audit_path,
            checkpoint_every=self.settings.checkpoint_every,
            anchor_path=self.settings.anchor_path,
            durability=self.settings.audit_durability,
        )
        with contextlib.closing(open_store(self.settings, env=self._environ, quick_check=False)) as store:
            book = SessionBook(store)
            restricted = self.session is None
            budgets = self.agent_settings.budgets.restricted() if restricted else self.agent_settings.budgets
            profile = "restricted" if restricted else "standard"
            info = book.open(plan.session, budgets=budgets, actor=actor, profile=profile)
            start_offset = _size(self.settings.audit_path)
            audit.append({"event": "agent-run", "phase": "start", "session": plan.session,
                          "runner_ident": plan.ident, "principal": principal_of(plan.session),
                          "by": self.settings.principal, "check": request.check,
                          "playbook": str(plan.playbook.relative_to(plan.project))})  # fmt: skip
            result = AgentRunResult(session=plan.session, runner_ident=plan.ident, status="failed", rc=None,
                                    check=request.check, budgets=info.budgets.as_dict())  # fmt: skip
            events: list[dict[str, Any]] = []
            try:
                result.status, result.rc, stopped = self._ansible_runner(plan, events)
            except GatekeeperError:
                raise
            except Exception as exc:  # ansible-runner could not start the run: nothing ran, say why
                result.status, stopped = "error", ""
                result.problems.append(f"ansible-runner failed: {type(exc).__name__}: {truncate(str(exc), 300)}")
            if stopped:
                result.problems.append(stopped)
            records = list(_records_from(self.settings.audit_path, start_offset))
            _check_gated(result, records)
            own = [r for r in records if result.run_id and r.get("run_id") == result.run_id]
            if result.run_id:
                result.approvals = _pending(store, result.run_id)
            if build_result(result, own, events, output_limit=self.agent_settings.output_limit):
                book.arm(plan.session, kind="host-output", reason="the run's task results were returned to the agent",
                         decision_id="", actor=actor)  # fmt: skip
            if restricted:
                book.close(plan.session, actor=actor, reason="a run without a session: its session ends with it")
            result.latch = book.latch(plan.session).as_dict()
            result.usage = book.usage(plan.session).as_dict()
            audit.append({"event": "agent-run", "phase": "end", "session": plan.session, "runner_ident": plan.ident,
                          "run_id": result.run_id, "status": result.status, "rc": result.rc, "gated": result.gated,
                          "tasks": len(result.tasks)})  # fmt: skip
        return result

    def _plan(self, request: AgentRunRequest) -> _Plan:
        """The request checked and resolved, or RunRefused before anything runs."""
        project = self.agent_settings.project(request.project)
        playbook = _inside(project, request.playbook, "playbook")
        if not playbook.is_file():
            raise RunRefused(f"the playbook {request.playbook} is not a file in {project}", hint="name a playbook")
        inventories = [str(_inside(project, item, "inventory")) for item in request.inventory]
        self._refuse_adjacent_code(project, playbook)
        config = self._refuse_code_in_inputs(project, [Path(item) for item in inventories])
        extra_vars = _checked_extra_vars(request.extra_vars)
        agent_env = self._checked_env(request.env)
        if request.limit is not None and not _LIMIT_PATTERN.fullmatch(request.limit):
            raise RunRefused(f"not a host pattern: {request.limit[:80]!r}", hint="use inventory names and groups")
        session = self.session or f"anon-{uuid.uuid4().hex[:16]}"
        return _Plan(project, playbook, inventories, extra_vars, agent_env, request, session,
                     f"agent-{uuid.uuid4().hex}", config)  # fmt: skip

    # ---------------------------------------------------------------------------------------------- internals
    def _ansible_runner(self, plan: _Plan, events: list[dict[str, Any]]) -> tuple[str, int | None, str]:
        import ansible_runner  # noqa: PLC0415 - only runs need it; it imports no ansible-core (checked by a test)

        request = plan.request
        marker = self.active_marker = uuid.uuid4().hex
        env = self._run_env(plan.session, plan.agent_env, request.approvals, marker)
        # ansible-runner starts from this process's environment and can only add to it: blank the gate's and
        # Ansible's variables the run must not inherit (an approval token, a config file) unless set above.
        env.update(
            {key: "" for key in os.environ if key not in env and key.startswith(("PRAXIS_", "ANSIBLE_", "_ANSIBLE_"))}
        )
        if plan.inventories and not any(self.settings.is_allowlisted(item) for item in plan.inventories):
            # the agent's inventories were checked to be data (inputs.py); ansible-core is also held to reading them
            # as data, so a file made executable or turned into a plugin configuration after the check still is
            env["ANSIBLE_INVENTORY_ENABLED"] = DATA_INVENTORY_PLUGINS
        deadline = time.monotonic() + self.agent_settings.run_timeout
        stopped: list[str] = []

        own_trip: list[float] = []  # when this run's own task tripped the stop: how long it may finish recording it

        def cancel() -> bool:
            if is_tripped(self.settings.killswitch_path):
                if _finishing_own_trip(self.settings.killswitch_path, marker, own_trip):
                    return False
                reason = "the emergency stop was tripped: every process of the run was ended"
            elif time.monotonic() > deadline:
                reason = f"the run exceeded the operator's limit of {self.agent_settings.run_timeout} s and was ended"
            else:
                return False
            if not stopped:
                stopped.append(reason)
            end_processes(marker)
            return True

        def keep(event: dict[str, Any]) -> bool:
            if event.get("event") in _KEEP_EVENTS and len(events) < _MAX_EVENTS:
                events.append(event)
            return False  # never written to disk

        cmdline = []
        if request.check:
            cmdline += ["--check", "--diff"]
        passwords: dict[str, str] = {}
        if self._become_password is not None:
            cmdline.append("--ask-become-pass")
            passwords[_BECOME_PROMPT] = self._become_password
        private = Path(tempfile.mkdtemp(prefix="praxis-agent-"))
        try:
            settings = {
                "suppress_output_file": True,
                "suppress_ansible_output": True,
                "pexpect_timeout": _CANCEL_POLL,
                "job_timeout": self.agent_settings.run_timeout,
            }
            # ansible-runner 2.4 drops in-memory settings when env/settings is absent (prepare_env): write them. They
            # hold no secret; the environment, extra vars and passwords stay in memory (suppress_env_files).
            (private / "env").mkdir(mode=0o700)
            (private / "env" / "settings").write_text(json.dumps(settings))
            if isinstance(plan.config, CheckedConfig):  # the project's file, exactly as it was checked
                copy = private / "project-config" / "ansible.cfg"
                copy.parent.mkdir(mode=0o700)
                copy.write_bytes(plan.config.content)
                env["ANSIBLE_CONFIG"] = env[PROJECT_CONFIG_VARIABLE] = str(copy)  # the gate reads it as the project's
            elif plan.config is not None:  # what the check saw: no project ansible.cfg, so none is read
                if not plan.config:
                    (private / "ansible.cfg").write_text("")
                env["ANSIBLE_CONFIG"] = plan.config or str(private / "ansible.cfg")
            runner = ansible_runner.run(
                private_data_dir=str(private),
                project_dir=str(plan.project),
                playbook=str(plan.playbook.relative_to(plan.project)),
                inventory=plan.inventories or None,
                extravars=plan.extra_vars or None,
                limit=request.limit,
                cmdline=" ".join(cmdline) or None,
                passwords=passwords or None,
                envvars=env,
                ident=plan.ident,
                quiet=True,
                suppress_env_files=True,
                event_handler=keep,
                cancel_callback=cancel,
            )
            status, rc = str(runner.status), runner.rc
        finally:
            end_processes(marker, rounds=5)  # ssh ControlPersist masters and anything else the run left behind
            shutil.rmtree(private, ignore_errors=True)
            self.active_marker = None
        if stopped and status != "canceled":
            status = "canceled"
        return status, (int(rc) if isinstance(rc, int) else None), (stopped[0] if stopped else "")

    def _run_env(
        self, session: str, agent_env: Mapping[str, str], tokens: Sequence[str], marker: str
    ) -> dict[str, str]:
        """The run's environment on top of the operator's: agent variables first, then what the gate must see."""
        dropped = ("PRAXIS_APPROVAL", "PRAXIS_APPROVAL_FILE")
        env: dict[str, str] = {key: value for key, value in self._environ.items() if key not in dropped}
        env.update(agent_env)
        bin_dir = os.path.dirname(sys.executable)
        env.update(
            PRAXIS_GATE="enforce",
            PRAXIS_PRINCIPAL=principal_of(session),
            PRAXIS_SESSION=session,
            PRAXIS_MODE=self.settings.mode.value,
            PRAXIS_STATE_DIR=str(self.settings.state_dir),
            ANSIBLE_HOST_KEY_CHECKING="True",
            # this interpreter's ansible-playbook first: the one whose Python carries the gate
            PATH=os.pathsep.join([bin_dir, self._environ.get("PATH", "")]),
            **{MARKER: marker},
        )
        if tokens:
            env["PRAXIS_APPROVAL"] = " ".join(tokens)
        return env

    def _checked_env(self, requested: Mapping[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for key, value in requested.items():
            if not isinstance(key, str) or not _ENV_NAME.fullmatch(key):
                raise RunRefused(f"not an environment variable name: {str(key)[:60]!r}")
            if key not in self.agent_settings.env_allow:
                raise RunRefused(
                    f"the environment variable {key} is not one an agent may set",
                    hint="the operator lists the variables agents may set in PRAXIS_AGENT_ENV_ALLOW; PRAXIS_* and "
                    "ANSIBLE_* are never among them",
                )
            if key.upper().startswith(_NEVER_ENV_PREFIXES) or key.upper() in _NEVER_ENV_NAMES:
                raise RunRefused(
                    f"the environment variable {key} is not one an agent may set, even on the operator's allowlist: "
                    "a program of the run (ansible-core, Python, the loader, a shell, ssh) reads it as its "
                    "configuration",
                    hint="the operator sets it in the environment agent runs start from; agents set plain values "
                    "such as proxies or cloud regions",
                )
            if not isinstance(value, str) or "\0" in value or len(value) > 4096:
                raise RunRefused(f"the value of {key} must be a string of at most 4096 characters")
            checked[key] = value
        return checked

    def _refuse_code_in_inputs(self, project: Path, inventories: Sequence[Path]) -> str | CheckedConfig | None:
        """What ansible-core would run on the controller before any task from the files the run points it at: an
        inventory that is not plain data, a project ansible.cfg that sets more than plain switches (inputs.py).

        Returns the configuration to pin (``_Plan.config``): the project's ansible.cfg as checked when ansible-core
        would read one; when it would look for one and there is none, the operator's file it would read instead, or
        "" (none); None when the operator names the configuration or vouches for the project's file."""
        for source in inventories:
            refusal = inventory_refusal(project, source, self.settings)
            if refusal is not None:
                raise RunRefused(str(refusal), hint=refusal.hint)
        operator_cfg = None
        with contextlib.suppress(ConfigError):
            found = find_operator_cfg(self._environ, str(project))
            operator_cfg = found.path if found is not None else None
        # the run's ANSIBLE_CONFIG: the operator's, or blank (_ansible_runner blanks the one this process inherited)
        run_env = {"ANSIBLE_CONFIG": self._environ.get("ANSIBLE_CONFIG", "")}
        try:
            checked = checked_project_config(project, run_env, operator_cfg, self.settings)
        except InputRefusal as refusal:
            raise RunRefused(str(refusal), hint=refusal.hint) from None
        if checked is not None:
            return checked
        if run_env["ANSIBLE_CONFIG"] or os.path.lexists(project / "ansible.cfg"):
            return None
        return str(operator_cfg) if operator_cfg is not None else ""

    def _refuse_adjacent_code(self, project: Path, playbook: Path) -> None:
        """Controller-side Python in the project: refused before anything runs, with the gate's own message."""
        places = {playbook.parent, project}
        roles = project / "roles"
        with contextlib.suppress(OSError):
            places.update(path for path in roles.iterdir() if path.is_dir())
        for place in sorted(places):
            for name in PLUGIN_DIRS:
                refusal = plugin_dir_refusal(str(place / name), name, self.settings, ())
                if refusal:
                    raise RunRefused(refusal, hint="the operator installs plugins; a project ships playbooks")
        for place in (playbook.parent, project):
            adjacent = adjacent_collections_refusal(str(place), self.settings)
            if adjacent:
                raise RunRefused(adjacent[0], hint="the operator installs collections; a project ships playbooks")


def run_playbook(
    playbook: str,
    *,
    session: str | None = None,
    project: str | None = None,
    inventory: Sequence[str] = (),
    extra_vars: Mapping[str, Any] | None = None,
    limit: str | None = None,
    check: bool = False,
    env: Mapping[str, str] | None = None,
    approvals: Sequence[str] = (),
    become_password: str | None = None,
) -> AgentRunResult:
    """Run ``playbook`` (relative to the project root) in agent session ``session`` under the gate.

    The short call for the common case; see AgentRunner for the guarantees. Raises RunRefused when the request is
    refused before anything runs, ConfigError when the operator has configured no project root."""
    runner = AgentRunner(session=session, become_password=become_password)
    return runner.run(
        AgentRunRequest(
            playbook=playbook,
            project=project,
            inventory=tuple(inventory),
            extra_vars=dict(extra_vars or {}),
            limit=limit,
            check=check,
            env=dict(env or {}),
            approvals=tuple(approvals),
        )
    )


def _inside(project: Path, relative: str, what: str) -> Path:
    """``relative`` resolved inside ``project``, every symbolic link followed; RunRefused when it leaves it."""
    if not isinstance(relative, str) or not relative or "\0" in relative:
        raise RunRefused(f"the {what} must be a path inside the project")
    candidate = Path(relative) if os.path.isabs(relative) else project / relative
    real = Path(os.path.realpath(candidate))
    if real != project and project not in real.parents:
        raise RunRefused(
            f"the {what} {relative} is outside the project {project} (after resolving links)",
            hint=f"agents run {what} files from inside the operator's project root only",
        )
    return real


def _checked_extra_vars(extra_vars: Mapping[str, Any]) -> dict[str, Any]:
    """Agent extra vars: plain data under ordinary names. Ansible would render a template in them with the
    playbook's trust (``-e`` values are trusted), so none may carry one."""
    if not isinstance(extra_vars, Mapping):
        raise RunRefused("extra vars must be a mapping of names to values")
    try:
        size = len(json.dumps(extra_vars, default=None))
    except (TypeError, ValueError) as exc:
        raise RunRefused(f"extra vars must be JSON data: {exc}") from exc
    if size > _MAX_EXTRA_VARS_BYTES:
        raise RunRefused(f"extra vars are larger than {_MAX_EXTRA_VARS_BYTES} bytes")
    for key in extra_vars:
        if not isinstance(key, str) or not _VAR_NAME.fullmatch(key):
            raise RunRefused(f"not a variable name: {str(key)[:60]!r}")
        lowered = key.lower()
        if lowered.startswith(_RESERVED_PREFIXES) or lowered in _RESERVED_NAMES:
            raise RunRefused(
                f"the extra var {key} is reserved: agents may not set Ansible's, the gate's or magic variables",
                hint="connection, privilege and gate settings belong to the operator",
            )
    for text in _strings(extra_vars):
        if possibly_template(text):
            raise RunRefused(
                "extra vars may not contain template markers ({{ {% {# or a leading #jinja2: header): Ansible would "
                "run them as templates",
                hint="pass plain values; the playbook decides what to template",
            )
    return dict(extra_vars)


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        raise RunRefused("extra vars are nested too deeply")
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, sub in value.items():
            if str(key).startswith("__ansible"):
                # ansible-core's JSON decoder for -e reads {"__ansible_vault": ...} as a ciphertext it decrypts with
                # the run's vault secrets and {"__ansible_unsafe": ...} as a typed value, not as this mapping
                raise RunRefused(
                    f"extra vars may not hold the key {str(key)[:60]!r}: ansible-core reads a mapping with an "
                    "__ansible_* key as an encoded value (a vault ciphertext, an unsafe string), not as data",
                    hint="pass plain values; vaulted values belong in the project's vars files",
                )
            yield str(key)
            yield from _strings(sub, depth + 1)
    elif isinstance(value, list | tuple):
        for sub in value:
            yield from _strings(sub, depth + 1)


def _pending(store: Store, run_id: str) -> list[dict[str, Any]]:
    """The approval request this run left for an operator (a real run's held tasks, or a check run's plan)."""
    requests = store.list_approval_requests(run_id=run_id)
    if not requests:
        return []
    items = [item for request in requests for item in store.approval_items(request.request_id)]
    plan = plan_id(run_id)
    return [
        {
            "request": plan,
            "waiting": len(items),
            "tiers": sorted({item.tier for item in items}),
            "hosts": sorted({item.target for item in items}),
            "review": f"praxis-gate approvals show {plan}",
            "approve": f"praxis-gate approvals approve {plan} --as OPERATOR",
        }
    ]


def _check_gated(result: AgentRunResult, records: Sequence[Mapping[str, Any]]) -> None:
    """Gated means: the gate wrote a run-start record carrying this run's ansible-runner ident and the session's
    principal. Anything else is reported as ungated, a failure."""
    principal = principal_of(result.session)
    started = [r for r in records if r.get("event") == "run-start" and r.get("runner_ident") == result.runner_ident]
    if not started:
        result.gated, result.status = False, "ungated"
        result.problems.append(
            "no run-start record carries this run's ident: ansible-playbook ran without the gate (another ansible-core "
            "first on PATH, or the gate not installed in its Python); treat its effects as unaudited"
        )
        return
    result.run_id = str(started[0].get("run_id"))
    result.gated = started[0].get("principal") == principal
    if not result.gated:
        result.status = "ungated"
        result.problems.append(f"the gated run's principal is {started[0].get('principal')!r}, not {principal!r}")


def _finishing_own_trip(sentinel: Path, marker: str, since: list[float]) -> bool:
    """True while the process that tripped the emergency stop is one of this run's and still alive (for at most
    ``_OWN_TRIP_GRACE`` seconds from the first call that saw it).

    Why: the ``praxis.gatekeeper.emergency_stop`` task writes the sentinel first, so that the stop is in force at
    once, and then records the stop (its durable audit record, the store's history) and its own outcome. Ending the
    run's processes the moment the sentinel appears would kill that worker part-way: the stop would hold, but its
    record, its history entry and the task's result would be lost, and the agent would be told its task did not
    run. A stop tripped by anyone else (an operator, another run) ends the run at once."""
    state = killswitch_status(sentinel)
    if state.pid is None or not running(state.pid) or state.pid not in marked_processes(marker):
        return False
    now = time.monotonic()
    if not since:
        since.append(now)
    return now - since[0] < _OWN_TRIP_GRACE


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _records_from(path: Path, offset: int) -> Iterator[dict[str, Any]]:
    """Audit records written at or after ``offset`` (the run's own, with everything else written meanwhile)."""
    try:
        handle = path.open("rb")
    except OSError:
        return
    with handle:
        handle.seek(offset)
        for raw in handle:
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(record, dict):
                yield record
