# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate emergency-stop`` and ``emergency-clear``: trip or clear the durable stop, recorded in the audit log
and the store's history."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Literal

from ..core import killswitch
from ..core.display import emit
from ..core.errors import GatekeeperError
from ..core.settings import GateSettings
from ..store import open_store
from ._common import EXIT_OK, fatal, gate_for_records


def cmd_emergency_stop(args: argparse.Namespace, settings: GateSettings) -> int:
    state = killswitch.trip(settings.killswitch_path, reason=args.reason, principal=settings.principal)
    gate_for_records(settings).record_event("emergency-stop", durable=True, reason=state.reason, by=state.by)
    _killswitch_history(settings, "stop", state.reason)
    emit(f"emergency stop TRIPPED by {state.by} at {state.since}: every task and remote command is now refused")
    return EXIT_OK


def _killswitch_history(settings: GateSettings, event: Literal["stop", "clear"], reason: str) -> None:
    """The sentinel file is what stops runs; the store keeps the history. A store problem never undoes a stop."""
    try:
        store = open_store(settings)
        try:
            store.record_killswitch(event, reason=reason or "-", actor=settings.principal)
        finally:
            store.close()
    except GatekeeperError as exc:
        emit(
            f"praxis-gate: warning: the {event} is in effect but not in the store's history: {exc.message}",
            stream=sys.stderr,
        )


def cmd_emergency_clear(args: argparse.Namespace, settings: GateSettings) -> int:
    if not args.reason.strip():
        fatal("clearing the emergency stop needs a reason: --reason 'why it is safe again'")
    previous = killswitch.clear(settings.killswitch_path)
    gate_for_records(settings).record_event(
        "emergency-clear",
        durable=True,
        reason=args.reason.strip()[:500],
        by=settings.principal,
        was_tripped=previous.tripped,
        previous_reason=previous.reason,
        previous_by=previous.by,
    )
    _killswitch_history(settings, "clear", args.reason.strip()[:500])
    emit("emergency stop cleared" if previous.tripped else "emergency stop was not tripped; recorded the clear")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    stop = sub.add_parser("emergency-stop", help="refuse every task and remote command until cleared")
    stop.add_argument("--reason", required=True)
    stop.set_defaults(func=cmd_emergency_stop)

    clear = sub.add_parser("emergency-clear", help="clear the emergency stop (recorded)")
    clear.add_argument("--reason", required=True)
    clear.set_defaults(func=cmd_emergency_clear)
