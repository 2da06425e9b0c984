# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy evaluation: deny findings first, then the tier. Pure, deterministic, no I/O.

Tier = max(module base tier, content tier, path tier, state tier, privilege floor, environment floor). Every rule
that raises the tier adds a reason, so a refusal can say exactly why. Anything the evaluator cannot see through
(an unknown module, a script it cannot read, arguments too large to inspect) rounds up, never down.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.models import RequestKind, TaskRequest, Tier
from . import _commands, _connopts, _modules, _paths, _shell
from ._commands import Finding
from ._shell import split_argv
from .redact import redact_text
from .ruleset import GATE_STATE_NAMES, Ruleset

__all__ = ["Evaluation", "evaluate", "tamper_findings"]

_MAX_TEXT = 256 * 1024  # longer command texts are still regex-scanned but count as uninspectable (T3)


@dataclass(frozen=True, slots=True)
class Evaluation:
    findings: tuple[Finding, ...]
    tier: Tier
    reasons: tuple[str, ...]
    dry_run: bool
    action: str


class _Tiering:
    """Accumulates max(tier) with the reason for each raise."""

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


def evaluate(request: TaskRequest, *, ruleset: Ruleset, protected_paths: Sequence[str] = ()) -> Evaluation:
    """Classify one request. Never consults anything but the request and the ruleset."""
    action = _modules.canonical_action(request.action)
    args: Mapping[str, Any] = request.args
    findings: list[Finding] = []
    tiering = _Tiering()
    policy = ruleset.policy

    # --- what will execute: command texts, with the working directory they start in (parsed once) ---
    commands = list(_command_texts(action, args, request))
    analyses = [_shell.analyze(text[:_MAX_TEXT], cwd=cwd) for text, cwd in commands]
    strings = list(_modules.iter_strings(args, max_items=5000))
    env_strings = list(_modules.iter_strings(request.environment, max_items=500)) if request.environment else []
    out_of_bounds = any(key == "<bound>" or value.startswith("<nested deeper") for key, value in strings)

    # --- 1. deny list (built-in, then operator), over everything that could carry a command ---
    seen: set[str] = set()
    for (text, cwd), analysis in zip(commands, analyses, strict=True):
        seen.add(text)
        findings.extend(_commands.deny_findings(text[:_MAX_TEXT], cwd=cwd, analysis=analysis))
    for _, value in (*strings, *env_strings):
        if value not in seen:
            seen.add(value)
            findings.extend(_commands.deny_findings(value[:_MAX_TEXT]))
    findings.extend(_module_deny(action, args))
    findings.extend(
        _token_leaks(
            request, itertools.chain((t for t, _ in commands), (v for _, v in strings), (v for _, v in env_strings))
        )
    )
    if request.kind is RequestKind.TASK:
        findings.extend(
            _connopts.connection_findings(
                connection=request.connection,
                host_type=request.host_type,
                options=request.connection_options,
            )
        )
    if request.runs_on_controller or request.kind is RequestKind.LOOKUP:
        named = (v for k, v in strings if not _role_context(action, k))
        findings.extend(tamper_findings((*[t for t, _ in commands], *named), protected_paths))
    if policy.deny:
        blob = json.dumps(
            {"action": action, "args": args, "environment": request.environment},
            sort_keys=True,
            default=str,
            ensure_ascii=False,
        )[: 4 * _MAX_TEXT]
        texts = [blob, *(text[:_MAX_TEXT] for text, _ in commands)]
        for rule in policy.deny:
            if rule.applies_to(action) and any(rule.pattern.search(text) for text in texts):
                findings.append(Finding(rule.rule_id, rule.reason))

    # --- 2. tier ---
    if request.kind is RequestKind.LOOKUP:
        tiering.raise_to(Tier.T2, f"lookup {request.action} runs commands on the controller")
    elif request.kind in (RequestKind.META, RequestKind.INCLUDE):
        pass
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
        if not allowlisted:
            tiering.raise_to(Tier.T2, "free-form command execution")
        for (text, cwd), analysis in zip(commands, analyses, strict=True):
            if len(text) > _MAX_TEXT:
                tiering.raise_to(Tier.T3, "command text too large to inspect")
            tier, reasons = _commands.content_tier(text[:_MAX_TEXT], cwd=cwd, analysis=analysis)
            tiering.absorb(tier, reasons or ["command content"])
    for path, content in request.local_files.items():
        if content is None:
            tiering.raise_to(Tier.T3, f"cannot read the local file {os.path.basename(path)!r} to inspect it")

    state = _modules.state_tier(action, args)
    if state:
        tiering.raise_to(*state)
    option = _modules.option_tier(action, args)
    if option:
        tiering.raise_to(*option)
    if action not in _modules.CONTROL_MODULES and _modules.base_tier(action) is not Tier.T0:
        for key, value in strings:
            _path_tier(tiering, key, value)
    if action in ("ansible.posix.authorized_key",):
        tiering.raise_to(Tier.T3, "writes authorized_keys")
    if request.become:
        tiering.raise_to(Tier.T2, f"privilege escalation (become_method={request.become_method or 'default'})")
    for name in request.environment:
        if str(name).upper() in _modules.CODE_ENV_VARS:
            tiering.raise_to(Tier.T2, f"environment variable {name} changes what code runs")
    if out_of_bounds and action not in _modules.CONTROL_MODULES:
        tiering.raise_to(Tier.T3, "arguments too large or too deep to inspect")

    dry_run = (
        request.check_mode
        and request.kind is RequestKind.TASK
        and (action in _modules.CHECK_MODE_HONEST or _modules.base_tier(action) is Tier.T0)
    )
    return Evaluation(
        findings=tuple(findings),
        tier=tiering.tier,
        reasons=tuple(dict.fromkeys(tiering.reasons)),
        dry_run=bool(dry_run),
        action=action,
    )


def _command_texts(action: str, args: Mapping[str, Any], request: TaskRequest) -> Iterable[tuple[str, str | None]]:
    """The command lines a request will execute, each with its starting directory."""
    cwd = args.get("chdir") if isinstance(args.get("chdir"), str) else None
    if request.kind is RequestKind.LOOKUP:
        terms = args.get("_terms", ())
        for term in terms if isinstance(terms, list | tuple) else (terms,):
            yield str(term), None
        return
    if action not in _modules.EXEC_MODULES:
        for key in ("job", "command") if action in ("ansible.builtin.cron", "ansible.posix.at") else ():
            value = args.get(key)
            if isinstance(value, str):
                yield value, None
        return
    argv = args.get("argv")
    if isinstance(argv, list | tuple) and argv:
        yield split_argv([str(word) for word in argv]), cwd
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


def _module_deny(action: str, args: Mapping[str, Any]) -> list[Finding]:
    findings: list[Finding] = []
    path = _modules.first_path(args)
    state = str(args.get("state", "")).lower()
    if action == "ansible.builtin.file" and path is not None:
        if state == "absent" and _paths.is_system_dir(path):
            findings.append(Finding("deny.root-wipe", f"file state=absent on a system directory ({path[:60]})"))
        recursive = str(args.get("recurse", "")).lower() in ("true", "yes", "1", "on")
        changes_perms = any(args.get(k) not in (None, "") for k in ("mode", "owner", "group"))
        if recursive and changes_perms and _paths.is_system_dir(path):
            findings.append(Finding("deny.recursive-perms-root", f"file recurse=true with mode/owner on {path[:60]}"))
    formats_disks = action in ("community.general.filesystem", "community.general.parted", "ansible.posix.mount")
    for key in ("dest", "path", "name", "dev", "device"):
        value = args.get(key)
        if isinstance(value, str) and _paths.is_raw_disk(value) and not formats_disks:
            findings.append(Finding("deny.raw-disk-write", f"{action} writes to the raw disk {value[:60]}"))
    if action == "ansible.posix.synchronize" and str(args.get("delete", "")).lower() in ("true", "yes", "1"):
        dest = args.get("dest")
        if isinstance(dest, str) and _paths.is_system_dir(dest):
            findings.append(Finding("deny.root-wipe", f"synchronize delete=true into a system directory ({dest[:60]})"))
    return findings


def _path_tier(tiering: _Tiering, key: str, value: str) -> None:
    if not value.startswith(("/", "~")) or len(value) > 4096:
        return
    label = _paths.t3_sensitive(value)
    if label:
        tiering.raise_to(Tier.T3, f"{key} touches {label} ({redact_text(value, limit=80)})")
    elif _paths.under_etc(value):
        tiering.raise_to(Tier.T2, f"{key} is under /etc")


def _token_leaks(request: TaskRequest, texts: Iterable[str]) -> list[Finding]:
    """An approval token is presented to the gate, never handed to a task: a task that carries one as data (to
    print, store or send it) is denied, so a token cannot leak into results, logs or another system."""
    tokens = [t for t in request.approval_tokens if len(t) >= 16]
    if tokens and any(token in text for text in texts for token in tokens):
        return [Finding("deny.token-leak", "the task's arguments contain an approval token; tokens are for the gate")]
    return []


def tamper_findings(texts: Iterable[str], protected_paths: Sequence[str]) -> list[Finding]:
    """Controller-side work that names the gate's own state or installation is refused: a run must not edit its
    own referee. Substring matching on purpose: ambiguity rounds up."""
    needles = [p.rstrip("/") for p in protected_paths if p and p != "/"] + list(GATE_STATE_NAMES)
    for text in texts:
        normalised = text.replace("//", "/")
        for needle in needles:
            if needle in normalised:
                return [
                    Finding("deny.gate-tamper", f"controller-side task names the gate's own files ({needle[-60:]})")
                ]
    return []
