# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate``: the operator's console. Catches GatekeeperError once and exits with its diagnostics.

Exit codes: 0 success (for ``check``: allowed), 1 the checked request would not be allowed, 2 usage or
configuration error, 3 a verification failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn

from ..audit.checkpoint import PUBLIC_KEY_FILE, load_public_key, read_anchor
from ..audit.verify import build_proof, check_proof, iter_records, verify_log
from ..core import killswitch
from ..core.errors import GatekeeperError
from ..core.gate import Gate
from ..core.models import Mode, RequestKind, TaskRequest
from ..core.settings import GateSettings, load_settings
from ..policy.ruleset import load_ruleset, policy_schema
from ..store import open_store
from .approvals import register as register_approval_commands
from .store import register as register_store_commands

__all__ = ["main"]

EXIT_OK, EXIT_NOT_ALLOWED, EXIT_ERROR, EXIT_VERIFY = 0, 1, 2, 3


def _fatal(message: str, code: int = EXIT_ERROR) -> NoReturn:
    print(f"praxis-gate: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _json_arg(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fatal(f"{what} is not valid JSON: {exc}")


def cmd_check(args: argparse.Namespace, settings: GateSettings) -> int:
    if args.mode:
        settings = settings.model_copy(update={"mode": Mode.parse(args.mode), "mode_source": "--mode (explain only)"})
    task_args = _json_arg(args.args, "--args")
    if not isinstance(task_args, dict):
        _fatal('--args must be a JSON object, for example \'{"_raw_params": "uptime"}\'')
    environment = _json_arg(args.env, "--env") if args.env else {}
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
        print(json.dumps(decision.as_dict(), indent=2, sort_keys=True))
    else:
        print(f"{decision.verdict.value.upper()}  {decision.tier}  ({decision.rule})")
        print(f"  {decision.reason}")
        for reason in decision.reasons:
            print(f"  - {reason}")
        print(f"  mode {decision.mode.value}; ruleset {decision.ruleset}")
    return EXIT_OK if decision.allowed else EXIT_NOT_ALLOWED


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
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
    else:
        print(state.describe())
        print(f"mode: {settings.mode.value} (from {settings.mode_source})")
        print(f"state directory: {settings.state_dir}")
        print(f"ruleset: {info.get('ruleset') or 'INVALID: ' + str(info.get('ruleset_error'))}")
        for warning in settings.warnings:
            print(f"warning: {warning}")
    return EXIT_OK


def cmd_emergency_stop(args: argparse.Namespace, settings: GateSettings) -> int:
    state = killswitch.trip(settings.killswitch_path, reason=args.reason, principal=settings.principal)
    _gate_for_records(settings).record_event("emergency-stop", durable=True, reason=state.reason, by=state.by)
    _killswitch_history(settings, "stop", state.reason)
    print(f"emergency stop TRIPPED by {state.by} at {state.since}: every task and remote command is now refused")
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
        print(f"praxis-gate: warning: the {event} is in effect but not in the store's history: {exc.message}",
              file=sys.stderr)  # fmt: skip


def cmd_emergency_clear(args: argparse.Namespace, settings: GateSettings) -> int:
    if not args.reason.strip():
        _fatal("clearing the emergency stop needs a reason: --reason 'why it is safe again'")
    previous = killswitch.clear(settings.killswitch_path)
    _gate_for_records(settings).record_event(
        "emergency-clear",
        durable=True,
        reason=args.reason.strip()[:500],
        by=settings.principal,
        was_tripped=previous.tripped,
        previous_reason=previous.reason,
        previous_by=previous.by,
    )
    _killswitch_history(settings, "clear", args.reason.strip()[:500])
    print("emergency stop cleared" if previous.tripped else "emergency stop was not tripped; recorded the clear")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, settings: GateSettings) -> int:
    print(json.dumps(policy_schema(), indent=2))
    return EXIT_OK


def _audit_inputs(args: argparse.Namespace, settings: GateSettings) -> tuple[Path, Path, Path]:
    """The log, the checkpoint public key and the anchor to check it against (defaults: the state directory's)."""
    path = Path(args.path) if getattr(args, "path", None) else settings.audit_path
    pubkey = Path(args.pubkey) if getattr(args, "pubkey", None) else path.with_name(PUBLIC_KEY_FILE)
    if getattr(args, "anchor", None):
        anchor = Path(args.anchor)
    elif getattr(args, "path", None):
        anchor = path.with_name("audit.anchor")
    else:
        anchor = settings.anchor_path
    return path, pubkey, anchor


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def cmd_audit_verify(args: argparse.Namespace, settings: GateSettings) -> int:
    path, pubkey_path, anchor_path = _audit_inputs(args, settings)
    public_key = load_public_key(pubkey_path) if pubkey_path.exists() else None
    tsa_ca = Path(args.tsa_ca) if args.tsa_ca else settings.tsa_ca
    report = verify_log(
        path,
        public_key=public_key,
        anchor=read_anchor(anchor_path),
        expect_anchor=True,
        tsa_roots=tsa_ca.read_bytes() if tsa_ca else None,
        workers=args.workers,
    )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, sort_keys=True))
    elif report.ok:
        anchor_state = "matched" if anchor_path.exists() else "absent"
        print(
            f"audit log {path}: OK, {report.records} records, chain intact (last seq {report.last_seq}), "
            f"{report.checkpoints} signed checkpoint(s) and {report.timestamps} timestamp(s) verified, "
            f"anchor {anchor_state}"
        )
        for note in report.notes:
            print(f"  note: {note}")
    else:
        print(f"audit log {path}: FAILED: {report.problem}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_VERIFY


def cmd_audit_prove(args: argparse.Namespace, settings: GateSettings) -> int:
    path, _, _ = _audit_inputs(args, settings)
    try:
        proof = build_proof(path, args.seq)
    except LookupError as exc:
        _fatal(str(exc))
    print(json.dumps(proof.as_dict(), indent=2, sort_keys=True))
    return EXIT_OK


def cmd_audit_check_proof(args: argparse.Namespace, settings: GateSettings) -> int:
    _, pubkey_path, _ = _audit_inputs(args, settings)
    proof = _json_arg(Path(args.proof).read_text() if args.proof != "-" else sys.stdin.read(), "the proof")
    problem = check_proof(proof, load_public_key(pubkey_path))
    if problem:
        print(f"proof FAILED: {problem}", file=sys.stderr)
        return EXIT_VERIFY
    print(f"proof OK: record seq {proof['seq']} is in the checkpoint of {proof['tree_size']} records "
          f"(root {str(proof['root'])[:16]}...), signed by key {proof['checkpoint']['key_id']}")  # fmt: skip
    return EXIT_OK


def cmd_audit_recover(args: argparse.Namespace, settings: GateSettings) -> int:
    gate = Gate.from_settings(settings)
    if gate.journal is None:
        _fatal("this audit sink has no run journal")
    recovered = gate.journal.recover()
    print(f"recovered {recovered} run(s) whose process had died; their open decisions are marked orphaned")
    return EXIT_OK


_SHOW_COLUMNS = ("seq", "event", "host", "action", "tier", "decision", "status", "reason")


def cmd_audit_show(args: argparse.Namespace, settings: GateSettings) -> int:
    path = settings.audit_path
    if not path.exists():
        _fatal(f"no audit log at {path}")
    records = list(iter_records(path))
    run = None if args.run == "all" else args.run
    if run == "last":
        starts = [r for r in records if r.get("event") == "run-start"]
        run = starts[-1].get("run_id") if starts else None
    selected = [
        r
        for r in records
        if (run is None or r.get("run_id") == run)
        and (args.host is None or args.host in (r.get("host"), r.get("target")))
        and (args.decision is None or r.get("decision") == args.decision)
        and (args.tier is None or r.get("tier") == args.tier)
        and (args.event is None or r.get("event") == args.event)
    ]
    if args.json:
        for record in selected:
            print(json.dumps(record, sort_keys=True))
        return EXIT_OK
    widths = {"seq": 5, "event": 14, "host": 10, "action": 26, "tier": 4, "decision": 17, "status": 9}
    print("  ".join(c.upper().ljust(widths.get(c, 0)) for c in _SHOW_COLUMNS).rstrip())
    for record in selected:
        cells = []
        for column in _SHOW_COLUMNS:
            value = record.get(column)
            text = "" if value is None else str(value)
            width = widths.get(column)
            cells.append(text[:width].ljust(width) if width else text[:110])
        print("  ".join(cells).rstrip())
    return EXIT_OK


def _gate_for_records(settings: GateSettings) -> Gate:
    gate = Gate.from_settings(settings)
    if not gate.audit.append({"event": "cli", "command": " ".join(sys.argv[1:2]), "by": settings.principal}):
        _fatal(f"cannot write the audit log {settings.audit_path}: {gate.audit.last_error}")
    return gate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="praxis-gate", description="praxis.gatekeeper operator console")
    sub = parser.add_subparsers(dest="command", required=True)

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

    status = sub.add_parser("status", help="mode, emergency stop, state directory, ruleset")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    stop = sub.add_parser("emergency-stop", help="refuse every task and remote command until cleared")
    stop.add_argument("--reason", required=True)
    stop.set_defaults(func=cmd_emergency_stop)

    clear = sub.add_parser("emergency-clear", help="clear the emergency stop (recorded)")
    clear.add_argument("--reason", required=True)
    clear.set_defaults(func=cmd_emergency_clear)

    audit = sub.add_parser("audit", help="verify and read the audit log").add_subparsers(dest="audit", required=True)
    verify = audit.add_parser(
        "verify", help="check the hash chain, the signed checkpoints and the anchor (streams; constant memory)"
    )
    verify.add_argument("path", nargs="?", help="audit log (default: the state directory's)")
    verify.add_argument("--pubkey", help="checkpoint public key (default: audit-signing.pub beside the log)")
    verify.add_argument("--anchor", help="anchor file (default: PRAXIS_AUDIT_ANCHOR or audit.anchor beside the log)")
    verify.add_argument("--tsa-ca", help="PEM root(s) that checkpoint timestamps must chain to (PRAXIS_TSA_CA)")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--workers",
        type=_positive_int,
        help="processes to verify a large log with (default: one per CPU above 64 MiB; 1: a single scan)",
    )
    verify.set_defaults(func=cmd_audit_verify)
    prove = audit.add_parser("prove", help="print an inclusion proof of one record in a signed checkpoint")
    prove.add_argument("seq", type=int)
    prove.add_argument("--path", help="audit log (default: the state directory's)")
    prove.set_defaults(func=cmd_audit_prove)
    check_proof = audit.add_parser("check-proof", help="check an inclusion proof offline (file or - for stdin)")
    check_proof.add_argument("proof")
    check_proof.add_argument("--pubkey", help="checkpoint public key (default: the state directory's)")
    check_proof.set_defaults(func=cmd_audit_check_proof)
    recover = audit.add_parser("recover", help="close runs whose process died, marking their open decisions")
    recover.set_defaults(func=cmd_audit_recover)
    show = audit.add_parser("show", help="list records as a table or JSON lines")
    show.add_argument("--run", default="last", help="run id, 'last' (default) or 'all'")
    show.add_argument("--host")
    show.add_argument("--decision", choices=["allowed", "denied", "refused", "approval_required"])
    show.add_argument("--tier", choices=["T0", "T1", "T2", "T3"])
    show.add_argument("--event")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_audit_show)

    schema = sub.add_parser("schema", help="print a published JSON Schema")
    schema.add_argument("name", choices=["policy"])
    schema.set_defaults(func=cmd_schema)
    register_store_commands(sub)
    register_approval_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        code: int = args.func(args, settings)
    except GatekeeperError as exc:
        print(f"praxis-gate: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        print(f"praxis-gate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return code


if __name__ == "__main__":
    sys.exit(main())
