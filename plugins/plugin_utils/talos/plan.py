# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``praxis.gatekeeper.talos`` task as one talosctl argv: node selection from the inventory, the task's words
after it, local files confined to the operator's root, and what check mode does.

Why the plan re-reads the task with policy's table although the gate already decided it: the gate judged the words
it was shown; the plan builds the argv that runs, from the same words and the same table, and refuses anything the
table refuses. A difference between the two (a bug, or a change of ruleset between decision and execution) then
fails closed instead of running something nobody judged.

Security constraints: SEC-5, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import GatekeeperError
from ..core.models import Tier
from ..core.settings import GateSettings
from ..policy import _talos, _talos_tables
from .process import Completed, isolated_environment, run_isolated

__all__ = ["Plan", "TalosRefused", "Target", "confine", "execute", "plan"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Output kept per stream in a task result: the rest is counted (and hashed nowhere: it is dropped).
MAX_OUTPUT = 4 * 1024 * 1024


class TalosRefused(GatekeeperError):
    """A talosctl call the runner will not start: it says what was refused, why, and what to do instead."""


@dataclass(frozen=True, slots=True)
class Target:
    """A Talos host's node selection, as the operator's inventory gave it (the talosctl connection's options)."""

    node: str
    endpoints: tuple[str, ...] = ()
    context: str | None = None
    talosconfig: str | None = None

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.node.split(",") if part.strip())

    def flags(self) -> list[str]:
        """The talosctl options that select this target; ``--name=value`` so no value can read as an option."""
        flags = [f"--nodes={','.join(self.nodes)}"]
        if self.endpoints:
            flags.append(f"--endpoints={','.join(self.endpoints)}")
        if self.context:
            flags.append(f"--context={self.context}")
        if self.talosconfig:
            flags.append(f"--talosconfig={self.talosconfig}")
        return flags


@dataclass(frozen=True, slots=True)
class Plan:
    """What one task runs (``argv``), or why check mode skips it (``skip``)."""

    argv: tuple[str, ...]
    call: _talos_tables.TalosCall
    tier: Tier
    cwd: Path | None  # the talos root; None: an empty private directory, removed afterwards
    dry_run: bool = False
    skip: str = ""
    outputs: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def runs(self) -> bool:
        return not self.skip


def plan(words: Sequence[str], *, target: Target, check_mode: bool, settings: GateSettings) -> Plan:
    """The argv for ``words`` on ``target``, or TalosRefused saying why there is none."""
    verdict = _talos.module_verdict(
        {"command": list(words)}, host_type="talos", connection=_talos.CONNECTION, nodes=target.nodes
    )
    if verdict.findings:
        raise TalosRefused(f"talosctl refused: {verdict.findings[0][1]}", hint=_HINT)
    call = verdict.call
    if call is None:  # no findings: the words were a list of strings, so a call was read
        raise TalosRefused("talosctl refused: the command words could not be read", hint=_HINT)
    if call.verb is None:
        # An unknown verb is T3 (the gate asked for that); its words are passed as written, without options.
        program = resolve_program(settings)
        unknown = (program, *call.positionals[:1], *target.flags(), *call.positionals[1:])
        skip = "an unknown talosctl verb has no known --dry-run, so check mode does not run it" if check_mode else ""
        return Plan(unknown, call, Tier.T3, settings.talos_root, skip=skip)
    verb = call.verb
    if tuple(words[: len(call.words)]) != call.words:
        raise TalosRefused("talosctl refused: the command words must start with the verb (command: [etcd, members])",
                           hint=_HINT)  # fmt: skip
    outputs, inputs = call.local_paths()
    root = settings.talos_root
    if verb.output_required and not outputs:
        raise TalosRefused(
            f"talosctl {verb.name} needs a local path to write to (a path under the talos root, or - for standard "
            "output)",
            hint="add the path to command, for example command: [kubeconfig, out/kubeconfig]",
        )
    confined: list[Path] = []
    if root is None and ([p for _unused, p in outputs if p != "-"] or inputs or verb.default_output):
        raise TalosRefused(
            f"talosctl {verb.name} reads or writes local files, and no talos root is configured",
            hint="the operator sets PRAXIS_TALOS_ROOT (or [praxis_gatekeeper] talos_root) to the directory every "
            "local file talosctl reads or writes must lie under",
        )
    if root is not None:
        for where, path in outputs:
            if path != "-":
                confined.append(confine(path, root, what=f"{verb.name} {where}"))
        for where, path in inputs:
            confine(path, root, what=f"{verb.name} {where}")
    tier, _reasons = call.tier()
    rest = list(words[len(call.words) :])
    dry_run = False
    skip = ""
    if check_mode:
        if verb.dry_run:
            rest = _without_dry_run(rest)
            dry_run = True
        elif tier > Tier.T0 or confined or verb.default_output:
            skip = (
                f"talosctl {verb.name} has no --dry-run, so check mode does not run it"
                if tier > Tier.T0
                else f"talosctl {verb.name} writes local files, so check mode does not run it"
            )
    program = resolve_program(settings)
    argv = [program, *call.words, *target.flags(), *(["--dry-run"] if dry_run else []), *rest]
    return Plan(tuple(argv), call, tier, root, dry_run, skip, tuple(confined))


_HINT = "see `ansible-doc praxis.gatekeeper.talos` and docs/plugins/talos.md"


def _without_dry_run(words: list[str]) -> list[str]:
    """The words without any ``--dry-run`` option (check mode adds its own, and a ``--dry-run=false`` must not win)."""
    kept: list[str] = []
    for index, word in enumerate(words):
        if word == "--":
            return kept + words[index:]
        if word == "--dry-run" or word.startswith("--dry-run="):
            continue
        kept.append(word)
    return kept


def confine(path: str, root: Path, *, what: str) -> Path:
    """``path`` (relative to ``root``, talosctl's working directory) resolved, symbolic links followed; TalosRefused
    unless it lies under ``root``."""
    if not path or _CONTROL.search(path):
        raise TalosRefused(f"talosctl refused: {what}: {path[:60]!r} is not a plain path", hint=_HINT)
    candidate = Path(path) if os.path.isabs(path) else root / path
    resolved = Path(os.path.realpath(candidate))
    real_root = Path(os.path.realpath(root))
    if resolved != real_root and real_root not in resolved.parents:
        raise TalosRefused(
            f"talosctl refused: {what} {path[:80]!r} lies outside the talos root {real_root}",
            hint="local files talosctl reads or writes must lie under the operator's talos root (PRAXIS_TALOS_ROOT)",
        )
    return resolved


def resolve_program(settings: GateSettings, env: Mapping[str, str] | None = None) -> str:
    """talosctl's absolute path: the operator's absolute path, or the name found on the controller's PATH."""
    program = settings.talosctl
    if os.path.isabs(program):
        found: str | None = program if os.access(program, os.X_OK) else None
    else:
        found = shutil.which(program, path=(os.environ if env is None else env).get("PATH", os.defpath))
    if not found:
        raise TalosRefused(
            f"talosctl refused: {program!r} was not found or is not executable",
            hint="install talosctl on the controller's PATH, or set PRAXIS_TALOSCTL to its absolute path",
        )
    return found


def execute(
    planned: Plan,
    *,
    settings: GateSettings,
    timeout: float,
    stop: Callable[[], bool],
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run a plan isolated: allowlisted environment, its own process group, killed when ``stop`` says so."""
    environment = isolated_environment(os.environ if env is None else env, allow=settings.talos_env)
    with tempfile.TemporaryDirectory(prefix="praxis-talosctl-") as scratch:
        return run_isolated(
            planned.argv,
            env=environment,
            cwd=planned.cwd or scratch,
            timeout=min(float(timeout), float(settings.talos_timeout)),
            max_output=MAX_OUTPUT,
            stop=stop,
        )
