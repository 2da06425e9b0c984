# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate check``: explain how the gate would decide a task, without running or recording anything."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.display import emit, emit_json
from ..core.gate import Gate
from ..core.models import Mode, RequestKind, TaskRequest
from ..core.settings import GateSettings
from ._common import EXIT_NOT_ALLOWED, EXIT_OK, fatal, json_arg


def cmd_check(args: argparse.Namespace, settings: GateSettings) -> int:
    if args.mode:
        settings = settings.model_copy(update={"mode": Mode.parse(args.mode), "mode_source": "--mode (explain only)"})
    task_args = json_arg(args.args, "--args")
    if not isinstance(task_args, dict):
        fatal('--args must be a JSON object, for example \'{"_raw_params": "uptime"}\'')
    environment = json_arg(args.env, "--env") if args.env else {}
    gate = Gate.from_settings(settings)
    request = TaskRequest(
        action=args.action,
        args=task_args,
        host=args.host,
        host_type=args.host_type,
        delegate_to=args.delegate_to,
        connection=args.connection,
        become=args.become,
        become_method=args.become_method if args.become else None,
        check_mode=args.check_mode,
        environment=environment if isinstance(environment, dict) else {"<invalid>": environment},
        kind=RequestKind.CHECK if not args.lookup else RequestKind.LOOKUP,
        principal=settings.principal,
    )
    if args.lookup:
        request = TaskRequest(
            action=args.action, args={"_terms": task_args.get("_terms", [])}, host="localhost",
            connection="local", kind=RequestKind.LOOKUP, principal=settings.principal,
        )  # fmt: skip
    decision = gate.explain(request)
    if args.json:
        emit_json(decision.as_dict(), indent=2, sort_keys=True)
    else:
        emit(f"{decision.verdict.value.upper()}  {decision.tier}  ({decision.rule})")
        emit(f"  {decision.reason}")
        for reason in decision.reasons:
            emit(f"  - {reason}")
        emit(f"  mode {decision.mode.value}; ruleset {decision.ruleset}")
    return EXIT_OK if decision.allowed else EXIT_NOT_ALLOWED


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    check = sub.add_parser("check", help="explain how the gate would decide a task, without running anything")
    check.add_argument("--action", required=True, help="module or action FQCN, e.g. ansible.builtin.shell")
    check.add_argument("--args", default="{}", help='module arguments as JSON, e.g. \'{"_raw_params": "uptime"}\'')
    check.add_argument("--host", default="localhost")
    check.add_argument("--host-type", default="ssh")
    check.add_argument("--delegate-to", default=None)
    check.add_argument("--connection", default="ssh")
    check.add_argument("--become", action="store_true")
    check.add_argument("--become-method", default="sudo")
    check.add_argument("--check-mode", action="store_true", help="as under ansible-playbook --check")
    check.add_argument("--env", default=None, help="the task's environment keyword as JSON")
    check.add_argument("--lookup", action="store_true", help="explain a controller-side lookup (args: _terms)")
    check.add_argument("--mode", choices=[m.value for m in Mode], help="explain under another mode")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)
