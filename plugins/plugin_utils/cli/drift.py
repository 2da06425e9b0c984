# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate drift``: scan a baseline in check mode, read the convergence requests, converge through approval.

Exit codes differ from the other groups on purpose, for schedulers: ``scan`` exits 0 without drift, 2 with drift,
1 when the scan could not be completed; ``converge`` exits 0 when applied, 3 when an approval request waits for an
operator, 1 when refused; every command exits 1 on an error (argparse's own usage errors stay 2).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.display import emit, emit_json
from ..core.errors import ConfigError, GatekeeperError
from ..core.settings import GateSettings
from ..drift import diffs
from ..drift.converge import ConvergeOptions, ConvergeResult, converge
from ..drift.ledger import Ledger
from ..drift.model import STATES, ConvergenceRequest, iso, parse_duration
from ..drift.report import render_report
from ..drift.scan import EXIT_ERROR, ScanOptions, ScanResult, requests_table, run_scan
from ..store import open_store
from ._common import positive_int

__all__ = ["register"]

Command = Callable[[argparse.Namespace, GateSettings], int]


def _exit_one(command: Command) -> Command:
    """Errors exit 1 (exit 2 means "drift" to a scheduler)."""

    @functools.wraps(command)
    def run(args: argparse.Namespace, settings: GateSettings) -> int:
        try:
            return command(args, settings)
        except GatekeeperError as exc:
            emit(f"praxis-gate: error: {exc.message}", stream=sys.stderr)
            if exc.hint:
                emit(f"  next: {exc.hint}", stream=sys.stderr)
        except ValueError as exc:
            emit(f"praxis-gate: error: {exc}", stream=sys.stderr)
        return EXIT_ERROR

    return run


def duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ------------------------------------------------------------------------------------------------------- scan
@_exit_one
def cmd_scan(args: argparse.Namespace, settings: GateSettings) -> int:
    options = ScanOptions(
        playbook=Path(args.playbook), inventory=tuple(args.inventory), limit=args.limit,
        baseline_name=args.baseline_name, scm_revision=args.scm_revision, ttl=args.ttl, timeout=float(args.timeout),
        extra_vars=tuple(args.extra_vars or ()),
    )  # fmt: skip
    with open_store(settings) as store:
        result = run_scan(settings, store, options)
    if args.json:
        emit_json(result.as_dict(), indent=2, sort_keys=True)
    else:
        _print_scan(result)
    return result.exit_code


def _print_scan(result: ScanResult) -> None:
    baseline = result.baseline
    revision = f", revision {baseline.scm_revision}" if baseline.scm_revision else ""
    emit(
        f"scan {result.scan_id}: baseline {baseline.name} (digest {baseline.digest[:12]}{revision}), "
        f"{len(result.hosts())} host(s)"
    )
    now = datetime.now(UTC)
    for row in requests_table(result.requests, now):
        emit(
            f"  DRIFT        {row['id']}  {row['host']}  {row['task']!r}  {row['action']}  {row['tier']}  {row['what']}"
        )
    for observation in result.of_status("unscannable"):
        why = "; ".join(dict.fromkeys(observation.notes))
        emit(f"  UNSCANNABLE  {observation.host}  {observation.task!r}  {observation.action}: {why[:300]}")
    for error in result.as_dict()["errors"]:
        emit(f"  ERROR        {error[:400]}")
    counts = result.counts()
    emit(f"  {counts['superseded']} older request(s) superseded, {counts['gone']} gone, {counts['expired']} expired")
    if result.exit_code == EXIT_ERROR:
        emit("the scan is incomplete (see the errors above); what it saw was recorded. Nothing was changed.")
    elif result.requests:
        emit(
            f"{len(result.requests)} drifted task(s). Nothing was changed. Review: `praxis-gate drift show ID`; "
            "converge (asks a human for an approval): `praxis-gate drift converge ID [ID...]`"
        )
    else:
        emit("no drift. Nothing was changed.")


# ------------------------------------------------------------------------------------------------------- read
@_exit_one
def cmd_list(args: argparse.Namespace, settings: GateSettings) -> int:
    now = datetime.now(UTC)
    with open_store(settings) as store:
        requests = Ledger(store, actor=settings.principal).requests(host=args.host, baseline=args.baseline)
    if args.state:
        requests = [r for r in requests if r.effective_state(now) in args.state]
    elif not args.all:
        requests = [r for r in requests if r.effective_state(now) in ("proposed", "approval-requested")]
    rows = requests_table(requests, now)
    if args.json:
        emit_json(rows, indent=2)
        return 0
    if not rows:
        emit("no open convergence requests" + ("" if args.all or args.state else " (--all shows closed ones)"))
    for row in rows:
        emit(
            f"{row['id']}  {row['state']:18}  {row['host']}  {row['task']!r}  {row['tier']}  since {row['since']}  "
            f"{row['what']}"
        )
    return 0


@_exit_one
def cmd_show(args: argparse.Namespace, settings: GateSettings) -> int:
    with open_store(settings) as store:
        request = Ledger(store, actor=settings.principal).get(args.request)
    if request is None:
        raise ConfigError(f"no convergence request {args.request}", hint="see `praxis-gate drift list --all`")
    now = datetime.now(UTC)
    if args.json:
        emit_json({**request.as_dict(), "effective_state": request.effective_state(now),
                   "history": list(request.history)}, indent=2)  # fmt: skip
        return 0
    _print_request(request, now)
    return 0


def _print_request(request: ConvergenceRequest, now: datetime) -> None:
    state = request.effective_state(now)
    emit(f"convergence request {request.id}: {state}" + (f" ({request.state_reason})" if request.state_reason else ""))
    emit(f"  host:      {request.host}")
    emit(f"  task:      {request.task_name!r} at {request.task_path}")
    emit(f"  action:    {request.action} ({request.tier})")
    emit(f"  since:     {iso(request.first_observed_at)}; last observed {iso(request.observed_at)} by {request.scan}")
    emit(f"  expires:   {iso(request.expires_at)}")
    revision = f", revision {request.baseline.scm_revision}" if request.baseline.scm_revision else ""
    emit(
        f"  baseline:  {request.baseline.name} (digest {request.baseline.digest[:12]}{revision}) "
        f"{request.baseline.playbook}"
    )
    emit(f"  diff:      digest {request.diff_digest[:16]}...; {diffs.describe(request.summary, limit=400)}")
    for change in request.summary:
        for line in change.get("lines", []):
            emit(f"             {line}")
    if request.approval_request:
        emit(
            f"  approval:  request {request.approval_request} (`praxis-gate approvals show {request.approval_request}`)"
        )
    if request.outcome:
        emit(f"  outcome:   {request.outcome.get('status')} at {request.outcome.get('at')}")
    emit("  history:")
    for version in request.history:
        emit(f"    {version['at']}  {version['state']:18}  by {version['actor']}: {version['reason']}")


@_exit_one
def cmd_scans(args: argparse.Namespace, settings: GateSettings) -> int:
    with open_store(settings) as store:
        scans = Ledger(store, actor=settings.principal).scans()
    rows = [
        {"scan": s["scan_id"], "started_at": s["started_at"], "baseline": s["baseline"]["name"],
         "hosts": len(s.get("hosts", [])), "drift": s.get("counts", {}).get("drift", 0), "exit_code": s["exit_code"]}
        for s in scans
    ]  # fmt: skip
    if args.json:
        emit_json(rows, indent=2)
        return 0
    if not rows:
        emit("no drift scans recorded")
    for row in rows:
        emit(
            f"{row['scan']}  {row['started_at']}  {row['baseline']}  {row['hosts']} host(s)  {row['drift']} drift  "
            f"exit {row['exit_code']}"
        )
    return 0


@_exit_one
def cmd_report(args: argparse.Namespace, settings: GateSettings) -> int:
    with open_store(settings) as store:
        ledger = Ledger(store, actor=settings.principal)
        scan = ledger.scan(args.scan) if args.scan else next(iter(ledger.scans()), None)
        if args.scan and scan is None:
            raise ConfigError(f"no drift scan {args.scan}", hint="see `praxis-gate drift scans`")
        name = str(scan["baseline"]["name"]) if scan else None
        requests = [ledger.get(r.id) or r for r in ledger.requests(baseline=name)]  # with their histories
    page = render_report(scan=scan, requests=requests, generated_at=datetime.now(UTC))
    _write_atomically(Path(args.output), page)
    emit(f"wrote {args.output} ({len(requests)} request(s)" + (f", scan {scan['scan_id']})" if scan else ")"))
    return 0


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------------------------------- converge
@_exit_one
def cmd_converge(args: argparse.Namespace, settings: GateSettings) -> int:
    token_file = Path(args.approval_file) if args.approval_file else None
    if token_file is not None and not token_file.is_file():
        raise ConfigError(f"--approval-file {token_file} is not a readable file", hint="the file `approve` wrote")
    options = ConvergeOptions(
        ids=tuple(args.requests), playbook=Path(args.playbook) if args.playbook else None,
        inventory=tuple(args.inventory or ()), token_file=token_file,
        tokens_presented=bool(settings.approval_tokens), timeout=float(args.timeout),
        extra_vars=tuple(args.extra_vars or ()),
    )  # fmt: skip
    with open_store(settings) as store:
        result = converge(settings, store, options)
    if args.json:
        emit_json(result.as_dict(), indent=2, sort_keys=True)
    else:
        _print_converge(result)
    return result.exit_code


def _print_converge(result: ConvergeResult) -> None:
    for message in result.messages:
        emit(message)
    ids = " ".join(r.id for r in result.requests)
    plan = result.approval_request
    # Only the requests the approval request covers are named with its token; the others must ask again.
    covered = [r.id for r in result.requests if plan and r.state == "approval-requested" and r.approval_request == plan]
    outside = [r.id for r in result.requests if r.id not in covered and r.state != "applied"]
    if result.outcome == "approval-requested" and plan:
        emit(f"approval request {plan} waits for an operator. Nothing was changed.")
        emit(f"  next: praxis-gate approvals show {plan}")
        emit(f"        praxis-gate approvals approve {plan} --as OPERATOR   (prints a single-use token)")
        named = " ".join(covered)
        emit(f"        PRAXIS_APPROVAL=TOKEN praxis-gate drift converge {named}   (or --approval-file FILE)")
    elif result.outcome == "applied":
        emit(f"applied {len(result.requests)} convergence request(s): {ids}")
    else:
        emit(f"not converged ({result.outcome}).")
    if result.outcome in ("approval-requested", "approval-required") and outside:
        emit(f"{len(outside)} request(s) are in no new approval request: {' '.join(outside)}. Nothing was changed.")
        emit(f"  next: praxis-gate drift converge {ids}   (without the used approval: one new approval request for "
             "all of them)")  # fmt: skip


# ------------------------------------------------------------------------------------------------------- parser
def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    drift = sub.add_parser("drift", help="check-mode drift scans, convergence requests, converge through approval")
    drift.set_defaults(error_exit=EXIT_ERROR)  # a configuration error exits 1: 2 means drift to a scheduler
    commands = drift.add_subparsers(dest="drift", required=True)

    scan = commands.add_parser("scan", help="run a baseline in check and diff mode (readonly) and record its drift")
    scan.add_argument("-i", "--inventory", action="append", required=True, help="inventory source (repeatable)")
    scan.add_argument("playbook", help="the baseline playbook")
    scan.add_argument("-l", "--limit", help="further limit the hosts (Ansible's --limit pattern)")
    scan.add_argument("-e", "--extra-vars", action="append", help="extra vars of the baseline run (repeatable; @FILE)")
    scan.add_argument("--baseline-name", help="name of the baseline (default: the playbook's file name)")
    scan.add_argument("--scm-revision", help="the project's revision, when git cannot tell (AWX: awx_project_revision)")
    scan.add_argument("--ttl", type=duration, default=duration("7d"), help="how long requests stay valid (7d)")
    scan.add_argument("--timeout", type=positive_int, default=3600, help="seconds the scan may take (3600)")
    scan.add_argument("--json", action="store_true", help="the scan and its requests as JSON")
    scan.set_defaults(func=cmd_scan)

    listing = commands.add_parser("list", help="convergence requests (open ones unless --all or --state)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--state", action="append", choices=STATES)
    listing.add_argument("--host")
    listing.add_argument("--baseline", help="only requests of this baseline name")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)

    show = commands.add_parser("show", help="one request: what differs, since when, its state and history")
    show.add_argument("request")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)

    scans = commands.add_parser("scans", help="recorded scans, newest first")
    scans.add_argument("--json", action="store_true")
    scans.set_defaults(func=cmd_scans)

    report = commands.add_parser("report", help="a self-contained HTML page: hosts by tasks, requests, history")
    report.add_argument("--scan", help="the scan to show (default: the newest)")
    report.add_argument("-o", "--output", required=True, help="the HTML file to write")
    report.set_defaults(func=cmd_report)

    converge_parser = commands.add_parser(
        "converge", help="re-check, then raise an approval request (exit 3) or, with the token, apply (exit 0)"
    )
    converge_parser.add_argument("requests", nargs="+", metavar="ID", help="convergence request ids (one plan)")
    converge_parser.add_argument("--approval-file", help="a file holding the approval token (else PRAXIS_APPROVAL)")
    converge_parser.add_argument("--playbook", help="where the baseline playbook is now (same content)")
    converge_parser.add_argument("-i", "--inventory", action="append", help="where the inventory is now (same content)")
    converge_parser.add_argument("-e", "--extra-vars", action="append", help="the scan's extra vars, again")
    converge_parser.add_argument("--timeout", type=positive_int, default=3600)
    converge_parser.add_argument("--json", action="store_true")
    converge_parser.set_defaults(func=cmd_converge)
