# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate doctor``: for each ``ansible-playbook`` and ``ansible`` on PATH, and for the Python running this
command, whether the gate would arm there, and why not.

Why it exists: ``PRAXIS_GATE=enforce`` only works where the pip package's start-up hook is installed, and a shell,
a job runner or ansible-runner may find an ``ansible-playbook`` of another environment first on PATH (a Galaxy-only
install, a distribution package, a pipx install). Such a run is simply ungated, and nothing in it says so. The
doctor asks each of those interpreters directly: it runs the adapter's probe (``adapter/_probe.py``, read as source
text and executed by that interpreter, never imported here: the CLI never loads the Ansible glue) and judges what
it reports. ``status`` shows the same verdicts; both exit non-zero when the first ``ansible-playbook`` or ``ansible``
on PATH would run ungated.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.display import emit, emit_json
from ..core.settings import GateSettings
from ._common import EXIT_NOT_ALLOWED, EXIT_OK

__all__ = ["Arming", "diagnose", "register"]

_COLLECTION_ROOT = Path(__file__).resolve().parents[3]
_PROBE = Path(__file__).resolve().parents[1] / "adapter" / "_probe.py"
PROGRAMS = ("ansible-playbook", "ansible")
_PROBE_SECONDS = 60


@dataclass
class Arming:
    """The verdict for one program (or this Python): would a run there be gated?"""

    program: str
    path: str
    python: str | None
    first_on_path: bool
    armed: bool
    via: str | None = None  # "start-up hook" or "callback"
    reasons: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> bool:
        """Whether this verdict decides the exit status: the program a shell or ansible-runner would start."""
        return self.first_on_path and self.program in PROGRAMS


def _supported() -> tuple[tuple[int, int], tuple[int, int]]:
    """[min, max) ansible-core major.minor, from meta/runtime.yml (which the hook table's test holds to the code)."""
    text = (_COLLECTION_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8")
    low = re.search(r">=\s*(\d+)\.(\d+)", text)
    high = re.search(r"<\s*(\d+)\.(\d+)", text)
    if not low or not high:
        return (0, 0), (99, 0)
    return (int(low[1]), int(low[2])), (int(high[1]), int(high[2]))


def interpreter_of(program: Path) -> str | None:
    """The Python a console script runs under, from its first lines (pip's ``#!`` line, its ``/bin/sh`` trampoline
    for long paths, or ``#!/usr/bin/env python3``); None when it is not a Python script."""
    try:
        with program.open("rb") as handle:
            head = handle.read(1024).decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    if not head or not head[0].startswith("#!"):
        return None
    words = head[0][2:].split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        return shutil.which(words[-1])
    if os.path.basename(words[0]) in ("sh", "bash") and len(head) > 1:
        trampoline = re.match(r"'''exec' '?([^' ]+)'? ", head[1])
        return trampoline[1] if trampoline else None
    return words[0] if "python" in os.path.basename(words[0]) else None


def _run_probe(python: str, env: Mapping[str, str], cwd: str) -> dict[str, Any]:
    source = _PROBE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="praxis-probe-") as safe:  # the probe's sys.path[0]: empty, ours
        try:
            done = subprocess.run(
                # ANSIBLE_LOCAL_TEMP: the probe only imports ansible-core; where this user's real runs keep their
                # local temporary files is not what arming depends on, and an unwritable one must not read as "no"
                [python, "-c", source], cwd=safe,
                env={**env, "PRAXIS_PROBE_CWD": cwd, "ANSIBLE_LOCAL_TEMP": os.path.join(safe, "ansible-local")},
                capture_output=True, text=True, timeout=_PROBE_SECONDS, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            return {"probe_error": f"cannot run {python}: {exc}"}
    for line in reversed(done.stdout.splitlines()):
        try:
            facts = json.loads(line)
        except ValueError:
            continue
        if isinstance(facts, dict):
            return facts
    return {"probe_error": f"{python} did not answer (exit {done.returncode}): {done.stderr.strip()[-300:]}"}


def judge(program: str, path: str, python: str | None, facts: dict[str, Any], *, first: bool) -> Arming:
    """The verdict from one interpreter's facts. Every "no" names the reason and the one next step."""
    verdict = Arming(program, path, python, first, armed=False, facts=facts)
    why = verdict.reasons
    if python is None:
        why.append(f"{path} is not a Python console script, so which ansible-core it runs cannot be checked")
        return verdict
    if facts.get("probe_error"):
        why.append(str(facts["probe_error"]))
        return verdict
    if not facts.get("version"):
        why.append(f"{python} cannot import ansible-core ({facts.get('error')})")
        return verdict
    low, high = _supported()
    version = tuple(int(p) for p in re.findall(r"\d+", str(facts["version"]))[:2])
    hook, callback = bool(facts.get("hook")), bool(facts.get("callback_enabled"))
    requested = bool(facts.get("praxis_gate_env")) or callback
    pip = f"{python} -m pip install praxis-gatekeeper"
    if not requested:
        why.append(
            "neither PRAXIS_GATE=enforce (environment) nor callbacks_enabled = praxis.gatekeeper.gate (ansible.cfg) "
            "is set, so runs are not gated (the gate is opt-in); set both"
        )
        return verdict
    if not low <= version < high:
        why.append(
            f"ansible-core {facts['version']} is outside the supported range {low[0]}.{low[1]} up to but not "
            f"including {high[0]}.{high[1]}: the gate refuses to run there; install a supported ansible-core"
        )
        return verdict
    missing = (
        f"{python} lacks the gate's Python requirements ({', '.join(facts.get('missing') or [])}), so runs are "
        f"refused; install them: {pip} (or {python} -m pip install -r <collection>/requirements.txt)"
    )
    if hook:
        if facts.get("missing"):
            why.append(missing)
            return verdict
        if facts.get("collection") != facts.get("hook_collection"):
            why.append(
                f"praxis.gatekeeper would be loaded from {facts.get('collection') or 'nowhere'}, not from the copy "
                f"the start-up hook arms ({facts.get('hook_collection')}), so runs are refused; remove the other "
                "copy from the collection search path"
            )
            return verdict
        verdict.armed, verdict.via = True, "start-up hook"
        if not callback:
            why.append("also list praxis.gatekeeper.gate in callbacks_enabled, so an install without the hook arms")
        return verdict
    if callback and facts.get("collection") and facts.get("missing"):
        why.append(missing)  # the callback locks the run down (adapter/lockdown.py): refused, not ungated
        return verdict
    if callback and facts.get("collection"):
        verdict.armed, verdict.via = True, "callback"
        why.append(
            f"armed by the callback only (no start-up hook in {python}): a collections/ folder beside a playbook "
            f"or a callback that fails to load would leave runs ungated; {pip} closes that"
        )
        return verdict
    if callback:
        why.append(
            "callbacks_enabled names praxis.gatekeeper.gate, but no praxis.gatekeeper collection is on the "
            "collection search path: ansible-core skips the callback with a warning and runs ungated; install the "
            f"collection ({pip})"
        )
        return verdict
    why.append(
        f"PRAXIS_GATE=enforce is set, but {python} has no praxis.gatekeeper start-up hook (a Galaxy-only install "
        "arms only through callbacks_enabled), so runs are NOT gated; "
        f"{pip}, and set callbacks_enabled = praxis.gatekeeper.gate too"
    )
    return verdict


def _runnable(candidate: Path) -> bool:
    """An executable file this user could run from PATH. A directory on PATH this user may not read (root's
    ~/.cargo/bin under sudo -u) holds nothing this user runs: skipped, never an error (stat raises there)."""
    try:
        return candidate.is_file() and os.access(candidate, os.X_OK)
    except OSError:
        return False


def diagnose(env: Mapping[str, str] | None = None, cwd: str | None = None) -> list[Arming]:
    """A verdict for every ``ansible-playbook`` and ``ansible`` on PATH (in PATH order) and for this Python."""
    env = dict(os.environ if env is None else env)
    cwd = cwd or os.getcwd()
    probes: dict[str, dict[str, Any]] = {}
    verdicts: list[Arming] = []

    def facts_of(python: str) -> dict[str, Any]:
        if python not in probes:
            probes[python] = _run_probe(python, env, cwd)
        return probes[python]

    for program in PROGRAMS:
        seen: set[str] = set()
        for directory in env.get("PATH", "").split(os.pathsep):
            candidate = Path(directory or ".") / program
            if not _runnable(candidate):
                continue
            real = os.path.realpath(candidate)
            if real in seen:
                continue
            seen.add(real)
            python = interpreter_of(candidate)
            facts = facts_of(python) if python else {}
            verdicts.append(judge(program, str(candidate), python, facts, first=len(seen) == 1))
        if not seen:
            missing = f"no {program} on PATH: runs from here cannot start, gated or not"
            verdicts.append(Arming(program, "", None, True, armed=False, reasons=[missing]))
    verdicts.append(judge("python", sys.executable, sys.executable, facts_of(sys.executable), first=False))
    return verdicts


def report(verdicts: list[Arming]) -> None:
    for verdict in verdicts:
        label = "ARMED" if verdict.armed else "NOT ARMED"
        where = verdict.path or "(none)"
        role = "" if verdict.first_on_path or verdict.program == "python" else " (shadowed: later on PATH)"
        if verdict.program == "python":
            role = " (this praxis-gate's Python: ansible-core's API, ansible_runner in-process)"
        emit(f"{verdict.program}: {where}{role}")
        version = verdict.facts.get("version")
        if verdict.python:
            emit(f"  python {verdict.python}" + (f", ansible-core {version}" if version else ""))
        emit(f"  {label}" + (f" by the {verdict.via}" if verdict.via else ""))
        for reason in verdict.reasons:
            emit(f"  - {reason}")


def ungated(verdicts: list[Arming]) -> list[Arming]:
    """The verdicts that make the exit status non-zero."""
    return [v for v in verdicts if v.counts and not v.armed]


def cmd_doctor(args: argparse.Namespace, settings: GateSettings) -> int:
    verdicts = diagnose()
    if args.json:
        emit_json({"ok": not ungated(verdicts), "programs": [asdict(v) for v in verdicts]}, sort_keys=True)
    else:
        report(verdicts)
    return EXIT_NOT_ALLOWED if ungated(verdicts) else EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    doctor = sub.add_parser(
        "doctor", help="for each ansible-playbook and ansible on PATH: would the gate arm there, and why not"
    )
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=cmd_doctor)
