# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate status``: the mode and where it came from, the emergency stop, the state directory, the ruleset, and
whether a run from here would be gated (the ``doctor`` verdicts; non-zero exit when it would not)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from ..core import killswitch
from ..core.display import emit, emit_json
from ..core.errors import GatekeeperError
from ..core.settings import GateSettings
from ..core.statedir import ensure_state_dir, state_file_problem
from ..policy.ruleset import load_ruleset
from . import doctor
from ._common import EXIT_NOT_ALLOWED, EXIT_OK


def cmd_status(args: argparse.Namespace, settings: GateSettings) -> int:
    state = killswitch.status(settings.killswitch_path)
    info: dict[str, Any] = {
        "mode": settings.mode.value,
        "mode_source": settings.mode_source,
        "state_dir": str(settings.state_dir),
        "audit_log": str(settings.audit_path),
        "emergency_stop": {
            "tripped": state.tripped,
            "reason": state.reason,
            "since": state.since,
            "by": state.by,
            "problem": state.problem,
        },
        "policy_file": str(settings.policy_path) if settings.policy_path else None,
        "config_file": settings.config_file,
        "enforce": settings.enforce,
        "warnings": list(settings.warnings),
    }
    try:
        ruleset = load_ruleset(settings.policy_path)
        info["ruleset"] = ruleset.label
    except GatekeeperError as exc:
        info["ruleset"] = None
        info["ruleset_error"] = exc.message
        info["ruleset_next"] = exc.hint or None
    try:
        ensure_state_dir(settings.state_dir, create=False)
        planted = state_file_problem(settings.audit_path)
        if planted is not None:
            raise planted
        info["state_dir_error"] = info["state_dir_next"] = None
    except GatekeeperError as exc:
        info["state_dir_error"], info["state_dir_next"] = exc.message, exc.hint or None
    verdicts = doctor.diagnose()
    info["armed"] = not doctor.ungated(verdicts)
    # Each of these stops a run before its first task: a run from here would not be gated, it would not run at all.
    usable = info["ruleset"] is not None and info["state_dir_error"] is None
    info["arming"] = [asdict(verdict) for verdict in verdicts]
    if args.json:
        emit_json(info, indent=2, sort_keys=True)
    else:
        emit(state.describe())
        emit(f"mode: {settings.mode.value} (from {settings.mode_source})")
        emit(f"state directory: {settings.state_dir}")
        if info["state_dir_error"]:
            emit(f"  UNUSABLE: {info['state_dir_error']}")
            if info["state_dir_next"]:
                emit(f"  next: {info['state_dir_next']}")
        emit(f"ruleset: {info.get('ruleset') or 'INVALID: ' + str(info.get('ruleset_error'))}")
        if info.get("ruleset_next"):
            emit(f"  next: {info['ruleset_next']}")
        for warning in settings.warnings:
            emit(f"warning: {warning}")
        doctor.report(verdicts)
    return EXIT_OK if info["armed"] and usable else EXIT_NOT_ALLOWED


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    status = sub.add_parser("status", help="mode, emergency stop, state directory, ruleset")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
