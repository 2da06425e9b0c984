# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy evaluation: deny findings first, then the tier. Pure, deterministic, no I/O.

Tier = max(module base tier, content tier, path tier, state tier, option tier, privilege floor, environment floor).
Every rule that raises the tier adds a reason, so a refusal can say exactly why. Anything the evaluator cannot see
through (an unknown module, an option the table does not know, a script it cannot read, arguments too large to
inspect, a relative path) rounds up, never down.

Every option is read by what it is (``_options.OPTIONS``): a command or program it runs is judged as a command and
takes the free-form T2 floor; a path on the target is judged by the path rules in every reading (a relative path
from ``/`` and from the remote home, a link by its target, a tree copy or an archive by everything it could place
under its destination); a path on the controller is judged against the gate's own files whatever the connection.
A dry run is a task the check-mode table says changes nothing and runs nothing with the options it was given.

Security constraints: SEC-1, SEC-3, SEC-5, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.models import HOST_TYPES, RequestKind, TaskRequest, Tier
from . import (
    _collections,
    _commands,
    _connopts,
    _controller,
    _executables,
    _modules,
    _options,
    _paths,
    _shell,
    _talos,
    _value_commands,
)
from ._commands import Finding
from ._shell import split_argv
from .redact import redact_text
from .ruleset import GATE_STATE_NAMES, Ruleset

__all__ = ["Evaluation", "evaluate", "tamper_findings"]

_MAX_TEXT = 256 * 1024  # longer command texts are still regex-scanned but count as uninspectable (T3)
HOST_TYPE = "deny.host-type"
# Requests that describe a task on a host (a real one, or one `praxis-gate check` explains): host type rules apply.
_HOST_KINDS = (RequestKind.TASK, RequestKind.CHECK)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How one request was classified. ``sensitive_read`` names why the request reads secrets ("" when it does not):
    the interface through which classifiers (Talos secret-reading verbs, for one) arm an agent session's trifecta
    latch (agents/seam.py); it never changes the tier or the verdict by itself."""

    findings: tuple[Finding, ...]
    tier: Tier
    reasons: tuple[str, ...]
    dry_run: bool
    action: str
    sensitive: bool = False  # reads secrets (talosctl kubeconfig, etcd snapshot, ...): the agents' trifecta latch
    sensitive_read: str = ""


# Every evaluation builds one Evaluation; a frozen dataclass sets each field through object.__setattr__, so the hot
# path fills the slots through their descriptors instead (which the frozen __setattr__ does not guard), every field
# set; the instance is as frozen as any other (tests/unit/plugins/plugin_utils/core/test_decision_fields.py).
_EVALUATION_FIELDS = ("findings", "tier", "reasons", "dry_run", "action", "sensitive", "sensitive_read")
if Evaluation.__slots__ != _EVALUATION_FIELDS:  # pragma: no cover
    raise ImportError("Evaluation changed its fields: update _new_evaluation")
_NEW = object.__new__
_FINDINGS, _TIER, _REASONS, _DRY_RUN, _ACTION, _SENSITIVE, _SENSITIVE_READ = [
    vars(Evaluation)[name].__set__ for name in _EVALUATION_FIELDS
]


def _new_evaluation(
    findings: tuple[Finding, ...],
    tier: Tier,
    reasons: tuple[str, ...],
    dry_run: bool,
    action: str,
    *,
    sensitive: bool,
    sensitive_read: str,
) -> Evaluation:
    """``Evaluation(findings, tier, reasons, dry_run, action, sensitive, sensitive_read)``."""
    evaluation: Evaluation = _NEW(Evaluation)
    _FINDINGS(evaluation, findings)
    _TIER(evaluation, tier)
    _REASONS(evaluation, reasons)
    _DRY_RUN(evaluation, dry_run)
    _ACTION(evaluation, action)
    _SENSITIVE(evaluation, sensitive)
    _SENSITIVE_READ(evaluation, sensitive_read)
    return evaluation


class _Tiering:
    """Accumulates max(tier) with the reason for each raise."""

    __slots__ = ("reasons", "tier")

    def __init__(self) -> None:
        self.tier = Tier.T0
        self.reasons: list[str] = []

    def raise_to(self, tier: Tier, reason: str) -> None:
        if tier > Tier.T0:
            self.reasons.append(f"{tier}: {reason}")
        self.tier = max(self.tier, tier)

    def absorb(self, tier: Tier, reasons: Iterable[str]) -> None:
        """Take a sub-classifier's verdict whose reasons already carry their tier prefix."""
        if tier > Tier.T0:
            self.reasons.extend(reasons)
        self.tier = max(self.tier, tier)


def evaluate(
    request: TaskRequest,
    *,
    ruleset: Ruleset,
    protected_paths: Sequence[str] = (),
    trusted_interpreters: Sequence[str] = (),
) -> Evaluation:
    """Classify one request. Never consults anything but the request, the ruleset and the gate's own paths."""
    action = _modules.canonical_action(request.action)
    args: Mapping[str, Any] = request.args
    findings: list[Finding] = []
    tiering = _Tiering()
    policy = ruleset.policy
    # `praxis-gate check` (CHECK) reads the options exactly as the task it explains would have them read.
    on_host = request.kind in _HOST_KINDS  # a task on a host (or one explained as such): host rules apply
    reading = _read_options(action, args) if on_host else _OptionReading(known=True)

    # --- what will execute: command texts, with the working directory they start in (parsed once) ---
    commands, interpreters = _executables.route(
        action, args, request.local_files, _command_texts(action, args, request, reading)
    )
    analyses = [_shell.analyze(text[:_MAX_TEXT], cwd=cwd) for text, cwd in commands]
    strings = list(_modules.iter_strings(args, max_items=5000))
    env_strings = list(_modules.iter_strings(request.environment, max_items=500)) if request.environment else []
    out_of_bounds = False
    for key, value in strings:
        if key == "<bound>" or value.startswith("<nested deeper"):
            out_of_bounds = True
            break
    talos = (
        _talos.module_verdict(
            args, host_type=request.host_type, connection=request.connection, nodes=_talos_nodes(request)
        )
        if action == _talos.MODULE and on_host
        else None
    )
    sensitive = talos is not None and talos.sensitive

    # --- 1. deny list (built-in, then operator), over everything that could carry a command ---
    seen: set[str] = set()
    for (text, cwd), analysis in zip(commands, analyses, strict=True):
        seen.add(text)
        findings.extend(_commands.deny_findings(text[:_MAX_TEXT], cwd=cwd, analysis=analysis))
    for _unused, value in (*strings, *env_strings):
        if value not in seen:
            seen.add(value)
            # (a value that is not itself a command line may still hold one: ExecStart=..., ProxyCommand ...)
            findings.extend(_value_commands.data_findings(value[:_MAX_TEXT]))
    for path, data in request.copied_files.items():  # (copy/template src: the bytes a content argument would be)
        found = _value_commands.data_findings(data.decode("utf-8", errors="replace")[:_MAX_TEXT])
        findings.extend(Finding(f.rule, f"{f.reason} (in {os.path.basename(path)[:80]})") for f in found)
    plan = _plan(action)  # the module-specific steps that can find anything for this action
    if plan.module_rules or reading.remote_paths or not args.keys().isdisjoint(_DEVICE_KEYS):
        findings.extend(_module_deny(action, args, reading))
    findings.extend(reading.findings)
    if on_host and (request.untrusted_inventory or request.host_type not in HOST_TYPES):
        findings.extend(_host_type_findings(request))
    if on_host:
        control = action in _modules.CONTROL_MODULES
        over_talosctl = _talos.connection_findings(action, request.connection, control=control)
        if over_talosctl:
            findings.extend(Finding(*f) for f in over_talosctl)
    if talos is not None:
        findings.extend(Finding(rule, reason) for rule, reason in talos.findings)
    for analysis in analyses:  # talosctl in command text: the module's rules, so shelling out gains nothing
        for command in analysis.commands:
            if command.name == _talos.PROGRAM:
                unresolved = any(form is not None for form in command.empty_forms)
                talosctl = _talos.command_findings(command.argv, unresolved=unresolved)
                findings.extend(Finding(rule, reason) for rule, reason in talosctl)
                sensitive = sensitive or _talos.parse(command.argv[1:]).sensitive()
    if request.approval_tokens:  # (a request that presents no token cannot leak one)
        findings.extend(
            _token_leaks(
                request,
                itertools.chain(
                    (t for t, _unused in commands), (v for _unused, v in strings), (v for _unused, v in env_strings)
                ),
            )
        )
    if on_host:  # (`praxis-gate check` explains a connection as a task would meet it)
        findings.extend(
            _connopts.connection_findings(
                connection=request.connection,
                host_type=request.host_type,
                options=request.connection_options,
                allowed=policy.connections,
                trusted_interpreters=trusted_interpreters,
            )
        )
    if request.runs_on_controller or request.kind is RequestKind.LOOKUP:
        named = (v for k, v in strings if not _role_context(action, k))
        findings.extend(tamper_findings((*[t for t, _unused in commands], *named), protected_paths))
    # Controller paths are the controller's files whatever the connection (fetch dest, copy src, lookup files).
    if reading.controller_paths or request.controller_paths:
        controller_texts = [value for _unused, value in reading.controller_paths]
        controller_texts.extend(str(value) for value in request.controller_paths.values())
        findings.extend(tamper_findings(controller_texts, protected_paths))
    if policy.deny:
        blob = json.dumps(
            {"action": action, "args": args, "environment": request.environment},
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        )[: 4 * _MAX_TEXT]
        texts = [blob, *(text[:_MAX_TEXT] for text, _unused in commands)]
        for rule in policy.deny:
            if rule.applies_to(action) and any(rule.pattern.search(text) for text in texts):
                findings.append(Finding(rule.rule_id, rule.reason))

    # --- 2. tier ---
    if request.kind is RequestKind.LOOKUP and action in _options.CONTROLLER_WRITING_LOOKUPS:
        tiering.raise_to(Tier.T1, f"lookup {request.action} may create or rewrite a file on the controller")
    elif request.kind is RequestKind.LOOKUP:
        tiering.raise_to(Tier.T2, f"lookup {request.action} runs commands on the controller")
    elif request.kind in (RequestKind.META, RequestKind.INCLUDE):
        pass
    elif talos is not None:
        # Controller-side talosctl: the verb table decides (after Talos's API roles); no operator pin lowers it.
        tiering.absorb(talos.tier, talos.reasons)
    elif action in _modules.EXEC_MODULES:
        # Free-form execution: the floor below (T2 unless every command is allowlisted) replaces the base tier,
        # and no pin can lower it.
        if not commands:
            tiering.raise_to(Tier.T3, "free-form execution with no command the gate can read")
    else:
        pinned = policy.module_tiers.get(action)
        base = pinned if pinned is not None else _modules.base_tier(action)
        if base is None:
            tiering.raise_to(Tier.T2, f"unknown module {action} (unknown modules are at least T2)")
        else:
            tiering.raise_to(base, f"module {action}" + (" (operator pin)" if pinned is not None else ""))

    if commands:
        allowlisted = bool(policy.command_allowlist) and all(
            _commands.matches_allowlist(
                text, policy.command_allowlist, analysis=analysis if cwd is None and len(text) <= _MAX_TEXT else None
            )
            for (text, cwd), analysis in zip(commands, analyses, strict=True)
        )
        # A command that only reads the account databases changes nothing (T0); an allowlisted one is pinned to T0
        # by the operator. Either way its content is not rounded up for the paths it names (deny rules still ran).
        account_read = not allowlisted and all(
            len(text) <= _MAX_TEXT and _commands.reads_account_databases_only(analysis)
            for (text, _cwd), analysis in zip(commands, analyses, strict=True)
        )
        pinned_reason = "an operator-allowlisted command (pinned to T0)" if allowlisted else ""
        if account_read:
            pinned_reason = "only reads the account databases"
        if not pinned_reason:
            for label in dict.fromkeys(reading.runs):
                tiering.raise_to(Tier.T2, label)
            tiering.raise_to(Tier.T2, "free-form command execution")
        for (text, cwd), analysis in zip(commands, analyses, strict=True):
            if pinned_reason:
                break
            if len(text) > _MAX_TEXT:
                tiering.raise_to(Tier.T3, "command text too large to inspect")
            tier, reasons = _commands.content_tier(text[:_MAX_TEXT], cwd=cwd, analysis=analysis)
            tiering.absorb(tier, reasons or ["command content"])
    for verdict in interpreters:
        tiering.raise_to(*verdict)
    for path, content in request.local_files.items():
        if content is None:
            tiering.raise_to(Tier.T3, f"cannot read the local file {os.path.basename(path)!r} to inspect it")

    # The talos module's command words are read by its verb table, not guessed at as another collection's state.
    state = _modules.state_tier(action, args) if talos is None and (plan.state_rules or "state" in args) else None
    if state:
        tiering.raise_to(*state)
    option = _modules.option_tier(action, args)
    if option:
        tiering.raise_to(*option)
    # (a Talos node's paths are not this machine's: the verb table weighs what talosctl does with them)
    writes = action not in _modules.CONTROL_MODULES and _modules.base_tier(action) is not Tier.T0 and talos is None
    if writes:
        attributes_only = _attributes_only(action, args)
        for key, value in strings:
            if value.startswith(_PATH_STARTS):  # (what _path_tier reads first: other values name no path)
                _path_tier(tiering, key, value, persistence=not reading.known, attributes_only=attributes_only)
        for key, value, candidate in reading.remote_paths:
            if candidate == value:
                _path_tier(tiering, key, value, t3_and_etc=False)
            else:
                _path_tier(tiering, key, candidate, relative_of=value, attributes_only=attributes_only)
    mode = args.get("mode") if action in _modules.MODE_MODULES else None
    if isinstance(mode, str | int) and not isinstance(mode, bool) and str(mode).strip():
        opens = _commands.mode_opens_access(str(mode) if isinstance(mode, str) else format(mode, "o"))
        if opens and not (isinstance(mode, str) and mode.strip() == "preserve"):
            tiering.raise_to(Tier.T3, f"{opens}")
    for label in reading.unknown:
        tiering.raise_to(Tier.T2, label)
    for tier, label in reading.raises:
        tiering.raise_to(tier, label)
    if action in ("ansible.posix.authorized_key",):
        tiering.raise_to(Tier.T3, "writes authorized_keys")
    if request.become and action not in _modules.CONTROL_MODULES:
        # Controller-side actions (set_fact, include_vars, debug, assert, add_host, group_by, meta, includes) never
        # reach the target, so an inherited become never applies to them: no privilege floor.
        tiering.raise_to(Tier.T2, f"privilege escalation (become_method={request.become_method or 'default'})")
    inert_environment = True
    for name in request.environment:
        if str(name).upper() in _modules.CODE_ENV_VARS:
            tiering.raise_to(Tier.T2, f"environment variable {name} changes what code runs")
            inert_environment = False
        elif not _modules.inert_env_var(str(name)):
            tiering.raise_to(Tier.T2, f"environment variable {str(name)[:60]} is not on the gate's list of inert ones")
            inert_environment = False
    sub_dry = True
    for sub_action, sub_args in request.sub_actions[:8]:
        sub = evaluate(
            replace(request, action=sub_action, args=sub_args, sub_actions=()),
            ruleset=ruleset,
            protected_paths=protected_paths,
            trusted_interpreters=trusted_interpreters,
        )
        findings.extend(f for f in sub.findings if f not in findings)
        tiering.absorb(sub.tier, [f"{sub.action} (run by {action}): {why}" for why in sub.reasons])
        sub_dry = sub_dry and sub.dry_run
        sensitive = sensitive or sub.sensitive
    if len(request.sub_actions) > 8:
        tiering.raise_to(Tier.T3, "more modules run in this task's place than the gate inspects")
    if out_of_bounds and action not in _modules.CONTROL_MODULES:
        tiering.raise_to(Tier.T3, "arguments too large or too deep to inspect")

    dry_run = (
        request.check_mode
        and on_host
        and inert_environment
        and sub_dry
        # (the talos action runs a verb with --dry-run in check mode, or not at all)
        and (talos is not None or _honest_under_check(action, args, reading))
    )
    # Built through the slots (_new_evaluation: the constructor's result at half its cost; tests hold it).
    return _new_evaluation(
        tuple(findings),
        tiering.tier,
        tuple(dict.fromkeys(tiering.reasons)),
        bool(dry_run),
        action,
        sensitive=sensitive,
        # the same fact in the words an agent session's latch records (agents/trifecta.py)
        sensitive_read=f"{action}: the talosctl verb table marks this call as reading secrets" if sensitive else "",
    )


def _host_type_findings(request: TaskRequest) -> list[Finding]:
    """A host's type comes from the operator's inventory or nowhere: a value from any other source, or a value
    outside the vocabulary, denies the task (a typo must not turn a Talos node into a Linux box or back)."""
    found = [
        Finding(
            HOST_TYPE,
            f"{item}; only the operator's inventory (inventory sources and the group_vars/host_vars "
            "beside them) may set it",
        )
        for item in request.untrusted_inventory[:5]
    ]
    if request.host_type not in HOST_TYPES:
        found.append(
            Finding(
                HOST_TYPE,
                f"unknown praxis_host_type {request.host_type[:40]!r} (expected one of "
                f"{', '.join(sorted(HOST_TYPES))})",
            )
        )
    return found


def _talos_nodes(request: TaskRequest) -> tuple[str, ...] | None:
    """The nodes a Talos host's inventory selects (the talosctl connection's host), None when there is none."""
    host = request.connection_options.get("host")
    if not isinstance(host, str) or not host.strip():
        return None
    return tuple(node.strip() for node in host.split(",") if node.strip())


def _command_texts(
    action: str, args: Mapping[str, Any], request: TaskRequest, reading: _OptionReading
) -> Iterable[tuple[str, str | None]]:
    """The command lines a request will execute, each with its starting directory."""
    cwd = args.get("chdir") if isinstance(args.get("chdir"), str) else None
    if request.kind is RequestKind.LOOKUP:
        if action in _options.CONTROLLER_WRITING_LOOKUPS:
            return
        terms = args.get("_terms", ())
        for term in terms if isinstance(terms, list | tuple) else (terms,):
            yield str(term), None
        return
    if action not in _modules.EXEC_MODULES:
        for key in ("job", "command") if action == "ansible.posix.at" else ():
            value = args.get(key)
            if isinstance(value, str):
                yield value, None
        # Options that run a command or a program on the target (validate, ssh_opts, extra_opts, executable...).
        for text in reading.commands:
            yield text, cwd
        return
    argv = args.get("argv")
    if isinstance(argv, list | tuple) and argv:
        # (the option reading has joined the same words when the table knows argv as a command: joined once)
        joined = reading.joined_argv.get("argv")
        yield (joined if joined is not None else split_argv([str(word) for word in argv])), cwd
    for key in ("_raw_params", "cmd", "command"):
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            yield value, cwd
    for content in request.local_files.values():
        if content is not None:
            yield content.decode("utf-8", errors="replace"), None


def _role_context(action: str, key: str) -> bool:
    """The context ansible-core adds to a role's argument validation (the role's own name and path): it names where
    the role lives (inside a pip-installed collection, under site-packages) and is read by nothing, so it is not a
    task touching the gate's files. Everything the validation is asked to check stays inspected."""
    return action == "ansible.builtin.validate_argument_spec" and key.split(".", 1)[0] == "validate_args_context"


_DEVICE_KEYS = ("dest", "path", "name", "dev", "device")  # options that may name a device node to write
# Modules with deny rules of their own that read their arguments whatever the options are called (file state=absent
# or recurse, synchronize delete; a collection's PowerShell and Windows command options are found in its table).
_MODULE_RULES = frozenset({"ansible.builtin.file", "ansible.posix.synchronize"})


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which module-specific steps of the evaluation can find anything for one action: a pure function of the
    action and the tables, worked out the first time the action is evaluated and kept.

    ``module_rules``: the action has deny rules of its own (``_MODULE_RULES``, a collection module's PowerShell or
    Windows command options). Without them the module deny step (``_module_deny``) reads only the options that may
    name a device (``_DEVICE_KEYS``) and the target paths the option reading found, so a request with neither
    gives it nothing to find and it is not run.

    ``state_rules``: the state step (``_modules.state_tier``) reads more than a ``state`` option for the action: a
    collection table lists it (its states, code options, ``always``), or no built-in table knows it (its state-like
    options are read for destructive words). Without them, a request with no ``state`` option has no state tier.

    tests/unit/plugins/plugin_utils/policy/test_decision_plan.py holds each against the step run anyway."""

    module_rules: bool
    state_rules: bool


_PLANS: dict[str, _Plan] = {}


def _plan(action: str) -> _Plan:
    plan = _PLANS.get(action)
    if plan is None:
        spec = _collections.MODULES.get(action, {})
        rules = action in _MODULE_RULES or bool(spec.get("pwsh") or spec.get("windows"))
        if len(_PLANS) >= 4096:  # (action names come from playbooks: keep the memo bounded)
            _PLANS.clear()
        state_rules = action in _collections.MODULES or _modules.base_tier(action) is None
        plan = _PLANS[action] = _Plan(module_rules=rules, state_rules=state_rules)
    return plan


def _module_deny(action: str, args: Mapping[str, Any], reading: _OptionReading) -> list[Finding]:
    findings: list[Finding] = []
    path = _modules.first_path(args) if action == "ansible.builtin.file" else None
    if path is not None:
        state = str(args.get("state", "")).lower()
        recursive = str(args.get("recurse", "")).lower() in ("true", "yes", "1", "on")
        changes_perms = any(args.get(k) not in (None, "") for k in ("mode", "owner", "group"))
        for candidate in _paths.readings(path):
            if state == "absent" and _paths.is_system_dir(candidate):
                findings.append(Finding("deny.root-wipe", f"file state=absent on a system directory ({path[:60]})"))
                break
            if recursive and changes_perms and _paths.is_system_dir(candidate):
                findings.append(
                    Finding("deny.recursive-perms-root", f"file recurse=true with mode/owner on {path[:60]}")
                )
                break
    formats_disks = action in ("community.general.filesystem", "community.general.parted", "ansible.posix.mount")
    writes = _modules.base_tier(action) is not Tier.T0  # a module that only reads may name any device
    candidates = [] if formats_disks else [(key, args[key]) for key in _DEVICE_KEYS if key in args]
    if not formats_disks:
        candidates.extend((key, value) for key, value, _unused in reading.remote_paths)
    seen: set[str] = set()
    for key, value in candidates:
        if not isinstance(value, str) or value in seen:
            continue
        seen.add(value)
        readings = _paths.readings(value)
        if any(_paths.is_raw_disk(candidate) for candidate in readings):
            findings.append(Finding("deny.raw-disk-write", f"{action} writes to the raw disk {value[:60]} ({key})"))
        elif writes and any(_paths.is_device_write(candidate) for candidate in readings):
            findings.append(Finding("deny.raw-disk-write", f"{action} writes to the device node {value[:60]} ({key})"))
    findings.extend(Finding(rule, reason) for rule, reason in _collections.deny_findings(action, args))
    if action == "ansible.posix.synchronize" and str(args.get("delete", "")).lower() in ("true", "yes", "1"):
        dest = args.get("dest")
        if isinstance(dest, str) and _paths.is_system_dir(dest):
            findings.append(Finding("deny.root-wipe", f"synchronize delete=true into a system directory ({dest[:60]})"))
    return findings


def _attributes_only(action: str, args: Mapping[str, Any]) -> bool:
    """``file`` that only changes an existing file's owner, group or mode (state file, no recursion, no link,
    nothing created): a reversible change, T2 even on /etc/shadow or /boot (T3 if it opens access, see mode)."""
    if action != "ansible.builtin.file" or str(args.get("state") or "file").lower() != "file":
        return False
    return all(str(key) in _modules.ATTRIBUTE_OPTIONS for key in args) and any(
        args.get(key) not in (None, "") for key in ("mode", "owner", "group")
    )


_PATH_STARTS = ("/", "~")


def _path_tier(
    tiering: _Tiering,
    key: str,
    value: str,
    *,
    persistence: bool = True,
    t3_and_etc: bool = True,
    relative_of: str | None = None,
    attributes_only: bool = False,
) -> None:
    if not value.startswith(_PATH_STARTS) or len(value) > 4096:
        return
    shown = redact_text(relative_of if relative_of is not None else value, limit=80)
    relative = relative_of is not None and not relative_of.startswith(("/", "~"))
    why = ": a relative path lands where the working directory is" if relative else ""
    how = f" (read as {redact_text(value, limit=80)}{why})"
    suffix = how if relative_of is not None else ""
    label = _paths.t3_sensitive(value) if t3_and_etc else None
    if label and attributes_only:
        tiering.raise_to(Tier.T2, f"{key}: changes the owner or permissions of {label} ({shown}){suffix} (reversible)")
    elif label:
        tiering.raise_to(Tier.T3, f"{key} touches {label} ({shown}){suffix}")
    elif t3_and_etc and _paths.under_etc(value):
        tiering.raise_to(Tier.T2, f"{key} is under /etc{suffix}")
    if persistence:
        planted = _paths.persistence(value)
        if planted:
            tiering.raise_to(Tier(planted[1]), f"{key} writes {planted[0]}, where code runs again later ({shown})")


_JOB_ID = re.compile(r"j?[0-9]{1,20}\.[0-9]{1,10}")
_HOME_DIR = re.compile(r"~[A-Za-z0-9_.-]*|/root|/home/[^/]+|/Users/[^/]+|/var/lib/[^/]+")
_TREE_MODULES = frozenset({"ansible.builtin.copy", "ansible.builtin.unarchive"})


@dataclass(slots=True)
class _OptionReading:
    """What a task's options are, read through the option table (``_options.OPTIONS``)."""

    known: bool  # the gate has an option table for this module
    commands: list[str] = field(default_factory=list)  # command texts the options run on the target
    runs: list[str] = field(default_factory=list)  # why: "validate runs a command on the target"
    program_options: list[str] = field(default_factory=list)  # present options of a program-running kind
    unknown: list[str] = field(default_factory=list)  # reasons for options the table does not know
    remote_paths: list[tuple[str, str, str]] = field(default_factory=list)  # (option, as written, one reading)
    controller_paths: list[tuple[str, str]] = field(default_factory=list)  # (option, value) read on the controller
    raises: list[tuple[Tier, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    joined_argv: dict[str, str] = field(default_factory=dict)  # a command option given as words, as one line

    def __init__(self, known: bool) -> None:  # (literals: the generated one calls a factory per field, every request)
        self.known = known
        self.commands = []
        self.runs = []
        self.program_options = []
        self.unknown = []
        self.remote_paths = []
        self.controller_paths = []
        self.raises = []
        self.findings = []
        self.joined_argv = {}


def _read_options(action: str, args: Mapping[str, Any]) -> _OptionReading:
    """Sort every option of a task by what it is; unknown ones round up."""
    table = _options.option_table(action)
    if table is None:
        reading = _OptionReading(known=False)
        if action in _modules.EXEC_MODULES or action in _modules.CONTROL_MODULES:
            return reading
        base = _modules.base_tier(action)
        if base is not None and base < Tier.T2 and args:
            reading.unknown.append(f"the gate has no option table for {action}; its options round up to T2")
        return reading
    reading = _OptionReading(known=True)
    controller_side: bool | None = None  # worked out when an option that names a controller path is present
    for key, value in args.items():
        kind = _options.option_kind(table, str(key))
        if kind is None:
            reading.unknown.append(f"option {str(key)[:40]!r} of {action} is unknown to the gate")
            continue
        if value is None or value in ("", []) or kind == _options.DATA:
            continue
        if kind == _options.CONTROLLER_PATH and controller_side is None:
            controller_side = _controller_side(action, args)
        _read_one(reading, str(key), kind, value, controller_side=bool(controller_side))
    _read_targets(reading, action, args)
    return reading


def _read_one(reading: _OptionReading, key: str, kind: str, value: Any, *, controller_side: bool) -> None:
    texts = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if kind in _options.RUNS_PROGRAM:
        reading.program_options.append(key)
    if kind in (_options.COMMAND, _options.PROGRAM, _options.INTERPRETER):
        if isinstance(value, list | tuple) and kind == _options.COMMAND:
            text = reading.joined_argv[key] = split_argv(texts)
        else:
            text = " ".join(texts)
        reading.commands.append(text)
        what = "a command" if kind == _options.COMMAND else "a program"
        reading.runs.append(f"{key} runs {what} on the target")
    elif kind == _options.ENVIRONMENT:
        names = value.keys() if isinstance(value, Mapping) else ["<unparsed>"]
        for name in names:
            if not _modules.inert_env_var(str(name)):
                reading.raises.append((Tier.T2, f"{key} sets the environment variable {str(name)[:60]}"))
    elif kind == _options.MODULE:
        if str(value) not in _options.KNOWN_BACKENDS:
            why = f"{key}={str(value)[:60]!r} runs another module with this task's arguments"
            reading.raises.append((Tier.T3, why))
    elif kind == _options.NAME:
        for text in texts:
            if "/" in text or text in (".", ".."):
                why = f"{key} {text[:60]!r} is joined onto a directory: with a slash it is a path"
                reading.raises.append((Tier.T3, why))
    elif kind == _options.JOB_ID:
        if not _JOB_ID.fullmatch(texts[0]):
            reading.findings.append(
                Finding("deny.async-job-path", f"{key} {texts[0][:60]!r} is not an async job id (j<digits>.<pid>)")
            )
    elif kind == _options.URL:
        for text in texts:
            lowered = text.strip().lower()
            if lowered.startswith(("ext::", "fd::")) or text.startswith("-"):
                reading.commands.append(text.split("::", 1)[-1] if "::" in text else text)
                reading.runs.append(f"{key} {text[:40]!r} makes the program run a command")
                reading.program_options.append(key)
    elif kind == _options.CONTROLLER_PATH:
        for text in texts:
            if controller_side:
                reading.controller_paths.append((key, text))
            else:
                _add_remote(reading, key, text)
    elif kind == _options.REMOTE_PATH:
        for text in texts:
            _add_remote(reading, key, text)


def _add_remote(reading: _OptionReading, key: str, text: str, *, anchors: tuple[str, ...] = ()) -> None:
    if len(text) > 4096:
        return
    for candidate in _paths.readings(text, anchors=anchors):
        reading.remote_paths.append((key, text, candidate))


def _controller_side(action: str, args: Mapping[str, Any]) -> bool:
    """Whether the module's controller-path options are on the controller for these arguments."""
    if action == "ansible.builtin.assemble":
        return not _modules.truthy(args.get("remote_src", True))
    if action == "ansible.builtin.unarchive":
        return not _modules.truthy(args.get("remote_src", False)) and _modules.truthy(args.get("copy", True))
    return not _modules.truthy(args.get("remote_src", False))


def _read_targets(reading: _OptionReading, action: str, args: Mapping[str, Any]) -> None:
    """A link is judged by its target; a tree copy and an archive by everything they could place under their
    destination (``dest/*``: its contents are the controller's or the archive's, unknown here)."""
    if action == "ansible.builtin.file" and str(args.get("state", "")).lower() in ("link", "hard"):
        src, path = args.get("src"), _modules.first_path(args)
        if isinstance(src, str) and src and isinstance(path, str):
            parent = path.rstrip("/").rpartition("/")[0] or "/"
            for candidate in _paths.readings(src, anchors=(parent,)):
                reading.remote_paths.append(("src", src, candidate))
    if action in _TREE_MODULES:
        dest, src = args.get("dest"), args.get("src")
        tree = (
            action == "ansible.builtin.unarchive"
            or (isinstance(dest, str) and (dest.endswith("/") or _paths.is_system_dir(dest)))
            or (isinstance(src, str) and src.endswith("/"))
        )
        if tree and isinstance(dest, str) and dest:
            for candidate in _paths.readings(dest):
                reading.remote_paths.append(("dest", dest, candidate.rstrip("/") + "/*"))
                if _HOME_DIR.fullmatch(candidate.rstrip("/") or "/"):
                    # a tree placed in a home directory may hold its ssh directory
                    reading.remote_paths.append(("dest", dest, candidate.rstrip("/") + "/.ssh/authorized_keys"))


def _honest_under_check(action: str, args: Mapping[str, Any], reading: _OptionReading) -> bool:
    """A dry run changes nothing and runs nothing of the options' choosing under check mode: the module is in the
    check-mode table (or only observes and its options are known), no option of a program-running kind runs under
    check mode, no option makes it write under check mode, and no option is unknown."""
    honesty = _modules.CHECK_MODE_HONEST.get(action)
    if honesty is None:
        if not (reading.known and _modules.base_tier(action) is Tier.T0):
            return False
        honesty = (frozenset(), frozenset())
    quiet, loud = honesty
    if reading.unknown and action not in _modules.CHECK_MODE_HONEST:
        return False
    if reading.known and reading.unknown:
        return False
    if any(option not in quiet for option in reading.program_options):
        return False
    return not any(_is_set(args.get(option)) for option in loud)


def _is_set(value: Any) -> bool:
    """An option given a value that turns it on (a command text, true, a list); false-like spellings do not."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off", "n", "f")
    return value not in ([], {}, 0)


def _token_leaks(request: TaskRequest, texts: Iterable[str]) -> list[Finding]:
    """An approval token is presented to the gate, never handed to a task: a task that carries one as data (to
    print, store or send it) is denied, so a token cannot leak into results, logs or another system."""
    tokens = [t for t in request.approval_tokens if len(t) >= 16]
    if tokens and any(token in text for text in texts for token in tokens):
        return [Finding("deny.token-leak", "the task's arguments contain an approval token; tokens are for the gate")]
    return []


def tamper_findings(texts: Iterable[str], protected_paths: Sequence[str]) -> list[Finding]:
    """Controller-side work that names the gate's own state or installation is refused: a run must not edit its
    own referee. Every spelling counts (URL-decoded, ``/./`` and ``..`` collapsed, a ``file://`` scheme dropped),
    and substrings match on purpose: ambiguity rounds up."""
    hit = _controller.protected_hit(texts, [p for p in protected_paths if p != "/"], GATE_STATE_NAMES)
    if hit is None:
        return []
    return [Finding("deny.gate-tamper", f"controller-side task names the gate's own files ({hit[-60:]})")]
