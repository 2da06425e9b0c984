# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate check``: explain how the gate would decide a task, without running or recording anything."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from ..core.display import emit, emit_json
from ..core.gate import Gate
from ..core.models import HOST_TYPES, Mode, RequestKind, TaskRequest, normalise_host_type
from ..core.settings import GateSettings
from ..core.sources import copied_sources, named_sources, script_files, source_path
from ..policy import _talos
from ..policy._modules import canonical_action
from ._common import EXIT_NOT_ALLOWED, EXIT_OK, fatal, json_arg


def cmd_check(args: argparse.Namespace, settings: GateSettings) -> int:
    if args.mode:
        settings = settings.model_copy(update={"mode": Mode.parse(args.mode), "mode_source": "--mode (explain only)"})
    task_args = json_arg(args.args, "--args")
    if not isinstance(task_args, dict):
        fatal('--args must be a JSON object, for example \'{"_raw_params": "uptime"}\'')
    environment = json_arg(args.env, "--env") if args.env else {}
    host_type = normalise_host_type(args.host_type)
    if host_type not in HOST_TYPES:
        fatal(f"--host-type must be one of {', '.join(sorted(HOST_TYPES))}, got {args.host_type!r}")
    # A Talos host is reached over the talosctl connection, whose node is the host (as the inventory would set it).
    connection = args.connection or (_talos.CONNECTION if host_type == "talos" else "ssh")
    gate = Gate.from_settings(settings)
    action = canonical_action(args.action)
    paths = _controller_paths(action, task_args)
    request = TaskRequest(
        action=args.action,
        args=task_args,
        host=args.host,
        host_type=host_type,
        delegate_to=args.delegate_to,
        connection=connection,
        connection_options={"host": args.node or args.host} if connection == _talos.CONNECTION else {},
        become=args.become,
        become_method=args.become_method if args.become else None,
        check_mode=args.check_mode,
        environment=environment if isinstance(environment, dict) else {"<invalid>": environment},
        controller_paths=paths,
        copied_files=copied_sources(action, paths),
        local_files=script_files(action, paths),
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
        emit(f"  host type {decision.host_type}; mode {decision.mode.value}; ruleset {decision.ruleset}")
        if decision.sensitive:
            emit("  reads secrets (sensitive)")
    return EXIT_OK if decision.allowed else EXIT_NOT_ALLOWED


def _controller_paths(action: str, task_args: Mapping[str, Any]) -> dict[str, str]:
    """The controller files the task reads (``copy``/``template`` ``src``, the ``script`` program, ...;
    ``core/sources.named_sources``), so that ``check`` judges and reads what the run judges and reads. A run finds
    them on the task's search path (role ``files/``, the play's directory); here there is no play, so a relative
    path is read from the current directory: run ``check`` where the playbook is. A directory ends with ``/``, as
    the adapter reports one (copy then places the whole tree)."""
    found: dict[str, str] = {}
    for option, (_subdir, given) in named_sources(action, task_args).items():
        try:
            found[option] = source_path(given)
        except (OSError, ValueError):  # (a NUL in the path: reported as written, and judged so)
            found[option] = given
    return found


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    check = sub.add_parser("check", help="explain how the gate would decide a task, without running anything")
    check.add_argument("--action", required=True, help="module or action FQCN, e.g. ansible.builtin.shell")
    check.add_argument(
        "--args",
        default="{}",
        help='module arguments as JSON, e.g. \'{"_raw_params": "uptime"}\'; the controller files it '
        "names (a copy or template src, a script) are read as the run reads them, a relative one from "
        "the current directory",
    )
    check.add_argument("--host", default="localhost")
    check.add_argument(
        "--host-type",
        default="linux",
        help="the host's praxis_host_type: linux (default) or talos (then --connection defaults to "
        "praxis.gatekeeper.talosctl); the legacy spelling ssh means linux",
    )
    check.add_argument("--node", default=None, help="a Talos host's node address(es), as its inventory sets them "
                                                    "(default: --host; a comma separates several)")  # fmt: skip
    check.add_argument("--delegate-to", default=None)
    check.add_argument(
        "--connection",
        default=None,
        help="the connection plugin (default: ssh, or praxis.gatekeeper.talosctl for --host-type talos)",
    )
    check.add_argument("--become", action="store_true")
    check.add_argument("--become-method", default="sudo")
    check.add_argument("--check-mode", action="store_true", help="as under ansible-playbook --check")
    check.add_argument("--env", default=None, help="the task's environment keyword as JSON")
    check.add_argument("--lookup", action="store_true", help="explain a controller-side lookup (args: _terms)")
    check.add_argument("--mode", choices=[m.value for m in Mode], help="explain under another mode")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)
