# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate audit``: verify the log (chain, signed checkpoints, anchor, timestamps), prove and check the
inclusion of one record, close runs whose process died, and show records."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from ..audit.checkpoint import PUBLIC_KEY_FILE, load_public_key, read_anchor
from ..audit.runs import runs
from ..audit.verify import build_proof, check_proof, iter_records, verify_log
from ..core.display import Column, emit, emit_json, table
from ..core.gate import Gate
from ..core.limits import read_bounded
from ..core.settings import GateSettings
from ._common import EXIT_OK, EXIT_VERIFY, fatal, json_arg, positive_int

_MAX_PROOF = 1024 * 1024


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


def cmd_audit_verify(args: argparse.Namespace, settings: GateSettings) -> int:
    path, pubkey_path, anchor_path = _audit_inputs(args, settings)
    public_key = load_public_key(pubkey_path) if pubkey_path.exists() else None
    tsa_ca = Path(args.tsa_ca) if args.tsa_ca else settings.tsa_ca
    report = verify_log(
        path,
        public_key=public_key,
        anchor=read_anchor(anchor_path),
        expect_anchor=True,
        tsa_roots=read_bounded(tsa_ca, max_bytes=_MAX_PROOF, what="the TSA roots") if tsa_ca else None,
        workers=args.workers,
    )
    if args.json:
        emit_json(report.as_dict(), indent=2, sort_keys=True)
    elif report.ok:
        anchor_state = "matched" if anchor_path.exists() else "absent"
        emit(
            f"audit log {path}: OK, {report.records} records, chain intact (last seq {report.last_seq}), "
            f"{report.checkpoints} signed checkpoint(s) and {report.timestamps} timestamp(s) verified, "
            f"anchor {anchor_state}"
        )
        for note in report.notes:
            emit(f"  note: {note}")
    else:
        emit(f"audit log {path}: FAILED: {report.problem}", stream=sys.stderr)
    return EXIT_OK if report.ok else EXIT_VERIFY


def cmd_audit_prove(args: argparse.Namespace, settings: GateSettings) -> int:
    path, _unused1, _unused2 = _audit_inputs(args, settings)
    try:
        proof = build_proof(path, args.seq)
    except LookupError as exc:
        fatal(str(exc))
    emit_json(proof.as_dict(), indent=2, sort_keys=True)
    return EXIT_OK


def cmd_audit_check_proof(args: argparse.Namespace, settings: GateSettings) -> int:
    _unused1, pubkey_path, _unused2 = _audit_inputs(args, settings)
    text = read_bounded(args.proof, max_bytes=_MAX_PROOF, what="the proof") if args.proof != "-" else sys.stdin.read()
    proof = json_arg(text if isinstance(text, str) else text.decode("utf-8"), "the proof")
    problem = check_proof(proof, load_public_key(pubkey_path))
    if problem:
        emit(f"proof FAILED: {problem}", stream=sys.stderr)
        return EXIT_VERIFY
    emit(
        f"proof OK: record seq {proof['seq']} is in the checkpoint of {proof['tree_size']} records "
        f"(root {str(proof['root'])[:16]}...), signed by key {proof['checkpoint']['key_id']}"
    )
    return EXIT_OK


def cmd_audit_recover(args: argparse.Namespace, settings: GateSettings) -> int:
    gate = Gate.from_settings(settings)
    if gate.journal is None:
        fatal("this audit sink has no run journal")
    recovered = gate.journal.recover()
    emit(f"recovered {recovered} run(s) whose process had died; their open decisions are marked orphaned")
    return EXIT_OK


def cmd_audit_gated(args: argparse.Namespace, settings: GateSettings) -> int:
    """Was this job gated? A job controller's check after an ansible-runner (AWX) job: a run-start record must name
    the job's runner ident. None means the job ran without the gate: a failure, whatever the job's own status."""
    found = runs(settings.audit_path, runner_ident=args.runner_ident)
    if args.json:
        emit_json({"gated": bool(found), "runner_ident": args.runner_ident, "audit_log": str(settings.audit_path),
                   "runs": [run.as_dict() for run in found]}, sort_keys=True)  # fmt: skip
    elif found:
        for run in found:
            verdicts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(run.verdicts.items())) or "none"
            emit(f"gated: runner ident {args.runner_ident}: run {run.run_id} by {run.program} (armed by the {run.via}, "
                 f"ansible-core {run.ansible}, mode {run.mode}), decisions: {verdicts}; "
                 f"{run.ended or 'not closed yet'}")  # fmt: skip
    else:
        emit(f"UNGATED: no run in {settings.audit_path} names runner ident {args.runner_ident}: the job ran without "
             "the gate (or against another state directory)", stream=sys.stderr)  # fmt: skip
        emit("  next: `praxis-gate doctor` with the job's PATH and environment shows why the gate did not arm",
             stream=sys.stderr)  # fmt: skip
    return EXIT_OK if found else EXIT_VERIFY


_SHOW_COLUMNS = ("seq", "event", "host", "action", "tier", "decision", "status", "reason")
# Fixed columns keep their width; event, host and action give way on a narrow terminal (shortened at a word
# boundary), and the reason wraps onto continuation lines: the table fits the terminal whatever the records hold.
_SHOW_TABLE = (
    Column("seq", 6),
    Column("event", 14, flexible=True),
    Column("host", 14, flexible=True),
    Column("action", 26, flexible=True),
    Column("tier", 4),
    Column("decision", 17),
    Column("status", 9),
    Column("reason", 60, flexible=True, wraps=True),
)


def cmd_audit_show(args: argparse.Namespace, settings: GateSettings) -> int:
    path = settings.audit_path
    if not path.exists():
        fatal(f"no audit log at {path}")
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
            emit_json(record, indent=None, sort_keys=True)
        return EXIT_OK
    width = shutil.get_terminal_size(fallback=(120, 24)).columns
    rows = [["" if record.get(c) is None else record.get(c) for c in _SHOW_COLUMNS] for record in selected]
    for line in table(_SHOW_TABLE, rows, width=max(60, width)):
        emit(line)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
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
        type=positive_int,
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
    gated = audit.add_parser(
        "gated", help="check that an ansible-runner (AWX) job ran gated: a run-start record names its ident"
    )
    gated.add_argument("--runner-ident", required=True, help="the ansible-runner ident (in AWX: the job id)")
    gated.add_argument("--json", action="store_true")
    gated.set_defaults(func=cmd_audit_gated)
    show = audit.add_parser("show", help="list records as a table or JSON lines")
    show.add_argument("--run", default="last", help="run id, 'last' (default) or 'all'")
    show.add_argument("--host")
    show.add_argument("--decision", choices=["allowed", "denied", "refused", "approval_required"])
    show.add_argument("--tier", choices=["T0", "T1", "T2", "T3"])
    show.add_argument("--event")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_audit_show)
