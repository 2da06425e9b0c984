# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate approvals``: the operator's side of human approval (list, show, approve, cosign, deny).

These commands run on the operator's terminal, with the operator's key. The token `approve` prints goes to the
operator's standard output only; the store and the audit log learn its hash, never the token.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..approvals import bodies
from ..approvals.operators import Approver, load_operator_key, load_registry, operator_key_encrypted
from ..approvals.queue import GRANTS, denial, item_state
from ..approvals.stage import DIFF_LIMIT as _DIFF_LIMIT
from ..approvals.stage import WAIT_GRANT
from ..approvals.tokens import Binding, TokenItem, cosign_token, sign_tokens, split_tokens, token_ref
from ..audit.writer import AuditLog
from ..core.display import emit, emit_json, shorten, unified_diff_lines
from ..core.errors import ConfigError
from ..core.gate import Gate
from ..core.settings import MAX_APPROVAL_FILE, GateSettings
from ..policy.ruleset import load_ruleset
from ..store import Store, open_store
from ..store._model import ApprovalItem, ApprovalRequest, ConflictError
from ._common import read_passphrase

__all__ = ["register"]


@dataclass
class _Plan:
    plan: str
    requests: list[ApprovalRequest]
    items: list[tuple[ApprovalRequest, ApprovalItem]]

    @property
    def first(self) -> ApprovalRequest:
        return min(self.requests, key=lambda r: r.created_at)


def _open(settings: GateSettings) -> Store:
    """The store, opened for approvals work: every purge that is due happens first (bodies.py), so what follows
    shows no body that should already be gone."""
    store = open_store(settings)
    bodies.settle(store)
    return store


def _body(store: Store, item: ApprovalItem) -> dict[str, Any] | None:
    """What is left of an item's body: the diff while the item waits for a decision, its sha256 always."""
    if item.body_sha256 is None:
        return None
    found = store.approval_body(item.item_id)
    if found is None:
        return {"sha256": item.body_sha256, "purged": None, "purged_at": None, "purged_because": None, "diff": None}
    return {
        "sha256": found.sha256, "purged": found.purged,
        "diff": found.body.get("diff") if isinstance(found.body, dict) else None,
        "purged_at": found.purged_at.isoformat(timespec="seconds") if found.purged_at else None,
        "purged_because": found.purged_because,
    }  # fmt: skip


def _plans(store: Store) -> dict[str, _Plan]:
    plans: dict[str, _Plan] = {}
    for request in store.list_approval_requests(limit=5000):
        plan = str(request.payload.get("plan") or request.request_id)
        entry = plans.setdefault(plan, _Plan(plan, [], []))
        entry.requests.append(request)
        entry.items.extend((request, item) for item in store.approval_items(request.request_id))
    for entry in plans.values():
        # Play order: each task's request is recorded when the run reaches it.
        entry.items.sort(key=lambda pair: (pair[0].created_at, pair[0].request_id))
        entry.items = _loops_together(entry.items)
    return plans


def _loop_key(item: ApprovalItem) -> tuple[str, str, str, str]:
    """What the items of one loop share: the task (name and path), its module and its host."""
    return (str(item.payload.get("task") or ""), str(item.payload.get("task_path") or ""), item.action, item.target)


def _loops_together(
    items: list[tuple[ApprovalRequest, ApprovalItem]],
) -> list[tuple[ApprovalRequest, ApprovalItem]]:
    """Play order with each loop's items together: a loop on several hosts is recorded interleaved (each fork
    records its host's items as they come: web1, web2, web1, ...), so every task-and-host group takes the place of
    its first item and keeps its own items in the order they were recorded."""
    groups: dict[tuple[str, str, str, str], list[tuple[ApprovalRequest, ApprovalItem]]] = {}
    for pair in items:
        groups.setdefault(_loop_key(pair[1]), []).append(pair)
    return [pair for group in groups.values() for pair in group]


def _matches(args: argparse.Namespace, item: ApprovalItem, state: str | None = None) -> bool:
    """The filters `show` and `approve` share: --tier, --module, --task (a glob over the task name), --host,
    --state (show only)."""
    tiers = {t.upper() for t in getattr(args, "tier", None) or []}
    modules = getattr(args, "module", None) or []
    tasks = getattr(args, "task", None) or []
    hosts = getattr(args, "host_filter", None) or []
    states = getattr(args, "state", None) or []
    task = str(item.payload.get("task") or "")
    return (
        (not tiers or item.tier in tiers)
        and (not modules or any(fnmatch.fnmatchcase(item.action, m) or item.action.endswith("." + m) for m in modules))
        and (not tasks or any(fnmatch.fnmatchcase(task, t) or t in task for t in tasks))
        and (not hosts or item.target in hosts)
        and (not states or state is None or any(state.startswith(st) for st in states))
    )


def _summary(items: list[dict[str, Any]]) -> list[str]:
    """Counts by state, tier, module, task and host: what a plan holds before its items. Only a state is cut at
    " by " (``approved by alice, unused, ...`` counts as ``approved``); a task name may hold those words itself."""
    lines = []
    for label, key in (("state", "state"), ("tier", "tier"), ("module", "action"), ("host", "target"),
                       ("task", "task")):  # fmt: skip
        counts = Counter(str(item[key]).partition(" by ")[0] if key == "state" else str(item[key]) for item in items)
        shown = ", ".join(f"{name} {count}" for name, count in counts.most_common(12))
        more = f", ... ({len(counts) - 12} more)" if len(counts) > 12 else ""
        lines.append(f"  by {label}: {shown}{more}")
    return lines


def _plan(store: Store, plan_id: str) -> _Plan:
    plan = _plans(store).get(plan_id)
    if plan is None:
        raise ConfigError(f"no approval request {plan_id}", hint="see `praxis-gate approvals list`")
    return plan


def _item_state(store: Store, request: ApprovalRequest, item: ApprovalItem, ruleset: str) -> str:
    return str(item_state(store, request, item, ruleset=ruleset))


def _pending(store: Store, request: ApprovalRequest, item: ApprovalItem, ruleset: str) -> bool:
    """Whether ``approve`` may sign the item: pending, or approved and still unused."""
    return item_state(store, request, item, ruleset=ruleset).approvable


def _plan_status(store: Store, plan: _Plan, ruleset: str) -> tuple[str, list[str]]:
    states = [_item_state(store, r, i, ruleset) for r, i in plan.items]
    if denial(store, plan.plan):
        return "denied", states
    if "pending" in states:
        return "pending", states
    if any(state.startswith("approved") for state in states):
        return "approved", states
    if states and all(state.startswith("superseded") for state in states):
        return "superseded", states
    return "closed", states


def cmd_list(args: argparse.Namespace, settings: GateSettings) -> int:
    store, ruleset = _open(settings), load_ruleset(settings.policy_path).digest
    rows: list[dict[str, Any]] = []
    for plan in sorted(_plans(store).values(), key=lambda p: p.first.created_at, reverse=True):
        status, states = _plan_status(store, plan, ruleset)
        if status not in ("pending", "approved") and not args.all:
            continue
        counts = Counter(state.split(" by ")[0].split(" (")[0] for state in states)
        grants = [g.content for g in store.history(plan.plan, *GRANTS) if isinstance(g.content, dict)]
        rows.append({
            "request": plan.plan, "status": status, "requester": plan.first.requester,
            "created": plan.first.created_at.isoformat(timespec="seconds"), "items": len(plan.items),
            "pending": states.count("pending"), "tiers": sorted({i.tier for _unused, i in plan.items}),
            "targets": sorted({i.target for _unused, i in plan.items}), "states": dict(sorted(counts.items())),
            "approvers": sorted({str(g.get("by")) for g in grants}),
            "expires": max(r.expires_at for r in plan.requests).isoformat(timespec="seconds"),
            "approval_expires": max((str(g.get("expires_at")) for g in grants), default=None),
        })  # fmt: skip
    if args.json:
        emit_json(rows, indent=2)
        return 0
    if not rows:
        emit("no pending or approved approval requests" + ("" if args.all else " (--all shows closed ones)"))
    for row in rows:
        tiers, targets = ",".join(map(str, row["tiers"])), shorten(",".join(map(str, row["targets"])), 60)
        counted = ", ".join(f"{count} {name}" for name, count in row["states"].items())
        approved = (
            f"  approved by {','.join(row['approvers'])} until {row['approval_expires']}" if row["approvers"] else ""
        )
        emit(
            f"{row['request']}  {row['status']:10}  {counted}  {tiers}  on {targets}  by {row['requester']}  "
            f"{row['created']}  reviewable until {row['expires']}{approved}"
        )
    return 0


def cmd_show(args: argparse.Namespace, settings: GateSettings) -> int:
    store, ruleset = _open(settings), load_ruleset(settings.policy_path).digest
    plan = _plan(store, args.request)
    denied = denial(store, plan.plan)
    detail: dict[str, Any] = {
        "request": plan.plan, "requester": plan.first.requester, "session": plan.first.session,
        "run_id": plan.first.run_id, "created": plan.first.created_at.isoformat(timespec="seconds"),
        "expires": max(r.expires_at for r in plan.requests).isoformat(timespec="seconds"),
        "check_run": bool(plan.first.payload.get("check_run")), "denied": denied,
        "items": [
            {"item": i.item_id, "state": state, "action": i.action, "target": i.target,
             "tier": i.tier, "task": i.payload.get("task"), "args": i.payload.get("args"),
             "diff": (body := _body(store, i) or {}).get("diff"), "body": body or None,
             "reasons": i.payload.get("reasons"), "become": i.payload.get("become"),
             "become_user": i.payload.get("become_user"), "address": i.payload.get("address"),
             "task_path": i.payload.get("task_path"), "refused": i.payload.get("refused"),
             "executes_for_real": bool(i.payload.get("executes_for_real")), "waiting": bool(i.payload.get("waiting"))}
            for r, i in plan.items
            if _matches(args, i, state := _item_state(store, r, i, ruleset))
        ],
    }  # fmt: skip
    detail["summary"] = _summary(detail["items"])
    if args.json:
        emit_json(detail, indent=2)
        return 0
    origin = " [from a --check run]" if detail["check_run"] else ""
    emit(f"request {plan.plan}: {len(plan.items)} item(s), asked by {detail['requester']} at {detail['created']}, "
         f"reviewable until {detail['expires']}{origin}")  # fmt: skip
    if denied:
        emit(f"DENIED by {denied.get('by')}: {denied.get('reason')}")
    shown = len(detail["items"])
    emit(f"summary ({shown} item(s){'' if shown == len(plan.items) else ' matching the filters'}):")
    for line in detail["summary"]:
        emit(line)
    previous: tuple[Any, ...] | None = None
    for item in detail["items"]:
        group = (item["task"], item["task_path"], item["action"], item["target"])  # as _loop_key
        emit()
        if group == previous:
            # another item of the same loop: only what differs
            emit(f"  {item['item']}  [{item['state']}]  {item['tier']}  (loop item of the task above)")
            emit(f"    args: {shorten(json.dumps(item['args'], default=str), 800)}")
            _emit_diff(item["diff"], item["body"])
            continue
        previous = group
        emit(f"  {item['item']}  [{item['state']}]  {item['tier']}  {item['action']} on {item['target']}")
        emit(f"    task: {item['task']}" + (f"  ({item['task_path']})" if item["task_path"] else ""))
        if item["refused"]:
            emit(f"    refused: {item['refused']}")
        if item["executes_for_real"]:
            emit("    executes for real (not run by the --check run)")
        privilege = f"become {item['become_user'] or 'root'}" if item["become"] else "no privilege escalation"
        emit(f"    runs: on {item['address'] or item['target']}, {privilege}")
        emit(f"    args: {shorten(json.dumps(item['args'], default=str), 800)}")
        for reason in item["reasons"] or []:
            emit(f"    why:  {reason}")
        _emit_diff(item["diff"], item["body"])
    return 0


_PURGED_AFTER = {
    "approved": "the item was approved",
    "denied": "the request was denied",
    "used": "the item was used",
    "expired": "the request expired",
}


def _emit_diff(diff: Any, body: dict[str, Any] | None = None) -> None:
    if body is not None and body["purged"] is not False:
        after = _PURGED_AFTER.get(str(body["purged_because"]), "")
        when = f" at {body['purged_at']}" if body["purged_at"] else ""
        emit(f"    diff: purged{when}" + (f" after {after}" if after else " (no longer in the store)")
             + f"; sha256 {body['sha256']}")  # fmt: skip
        return
    if diff is None:
        return
    emit("    diff:")
    for line, kind in unified_diff_lines(diff):
        emit(f"      {line}", styled=kind)
    if "<truncated" in json.dumps(diff, default=str):
        emit(f"      [this diff was shortened for review; the store keeps at most {_DIFF_LIMIT} characters of it]")


def _operator(args: argparse.Namespace, settings: GateSettings) -> tuple[Approver, Any]:
    key_dir = settings.operator_dir or Path.home() / ".config" / "praxis-gatekeeper" / "operators"
    name = args.as_name
    if not name:
        keys = sorted(p.stem for p in key_dir.glob("*.key")) if key_dir.is_dir() else []
        if not keys:
            raise ConfigError(
                f"there is no operator key in {key_dir}, so nothing can sign an approval",
                hint="create one with `praxis-gate operator init --name NAME` (it also registers you as an approver)",
            )
        if len(keys) > 1:
            raise ConfigError(
                f"several operator keys in {key_dir} ({', '.join(keys)}); say which operator you are",
                hint="add --as NAME",
            )
        name = keys[0]
    # A key made with --no-passphrase is not asked for one (an empty answer would only be refused).
    passphrase = (
        read_passphrase(args, prompt=f"passphrase for operator {name}: ", confirm=False)
        if args.passphrase_file or operator_key_encrypted(name, key_dir=key_dir)
        else None
    )
    key = load_operator_key(name, key_dir=key_dir, passphrase=passphrase)
    registry = load_registry(settings.approvers_path, settings.approver_keys)
    approver = Approver(name, key.public_key())
    if approver.key_id not in registry:
        raise ConfigError(
            f"operator {name}'s key is not in the approver registry {settings.approvers_path}",
            hint="register it (`praxis-gate operator init` does) before approving",
        )
    return approver, key


def _confirm_host(target: str, given: str | None) -> None:
    """A T3 approval makes the operator type the host name: the last look before something irreversible."""
    if given is None:
        prompt = f"T3 (irreversible) on {target}: type the host name to approve: "
        try:
            with open("/dev/tty", encoding="utf-8") as tty:
                emit(prompt, end="", stream=sys.stderr)
                given = tty.readline().strip()
        except OSError:
            emit(prompt, end="", stream=sys.stderr)
            given = sys.stdin.readline().strip()
    if given != target:
        raise ConfigError(f"the typed host name does not match {target}; nothing approved", hint="type it exactly")


def cmd_approve(args: argparse.Namespace, settings: GateSettings) -> int:
    store, ruleset = _open(settings), load_ruleset(settings.policy_path).digest
    plan = _plan(store, args.request)
    if denial(store, plan.plan):
        raise ConfigError(f"request {plan.plan} was denied; it cannot be approved", hint="a new request is needed")
    chosen = [
        (request, item) for request, item in plan.items
        if _pending(store, request, item, ruleset) and _matches(args, item)
        and (not args.host or item.target == args.host) and (not args.item or item.item_id in args.item)
    ]  # fmt: skip
    approvable = [(request, item) for request, item in plan.items if _pending(store, request, item, ruleset)]
    filters = _described_filters(args)
    if not chosen and approvable and filters:
        shown = " ".join(filter(None, [plan.plan, _described_filters(args, items=False)]))
        raise ConfigError(
            f"no pending item of {plan.plan} matches {filters} ({len(approvable)} pending in all); nothing approved",
            hint=f"`praxis-gate approvals show {shown}` shows what the filters select, with each item's state",
        )
    if not chosen:
        newer = sorted({state.by for r, i in plan.items
                        if (state := item_state(store, r, i, ruleset=ruleset)).name == "superseded"})  # fmt: skip
        raise ConfigError(
            f"request {plan.plan} has no pending items" + (f" on {args.host}" if args.host else ""),
            hint=f"a newer request asks for the same task: approve {', '.join(newer)}"
            if newer
            else "`praxis-gate approvals show` lists each item's state (used, expired, stale, superseded)",
        )
    t3_targets = sorted({item.target for _unused, item in chosen if item.tier == "T3"})
    if len(t3_targets) > 1:
        raise ConfigError(
            f"T3 items on several hosts ({', '.join(t3_targets)}); T3 is approved one host at a time",
            hint="add --host HOST",
        )
    approver, key = _operator(args, settings)
    if settings.approval_distinct and approver.name in (plan.first.requester, plan.first.requester.split("@")[0]):
        raise ConfigError("this installation requires an approver other than the requester", hint="ask a colleague")
    if t3_targets:
        _confirm_host(t3_targets[0], args.confirm_host)
    if args.ttl is not None and not 30 <= args.ttl <= settings.approval_max_ttl:
        raise ConfigError(
            f"--ttl must be between 30 and {settings.approval_max_ttl} seconds (this installation's maximum)",
            hint="omit --ttl to use the maximum",
        )
    ttl = args.ttl or settings.approval_max_ttl
    # What is about to be signed, before it is signed (on standard error: standard output carries the token).
    emit(f"signing {len(chosen)} item(s) of {plan.plan}:", stream=sys.stderr)
    for _request, item in chosen:
        emit(f"  {item.item_id}  {item.tier}  {item.action} on {item.target}: {item.payload.get('task')}",
             stream=sys.stderr)  # fmt: skip
    items = [
        TokenItem(item.item_id, Binding(item.action, item.target, item.tier, item.args_digest,
                                        request.ruleset_digest).digest(item.item_id), item.target, item.tier)
        for request, item in chosen
    ]  # fmt: skip
    waiting = [item.item_id for _unused, item in chosen if item.payload.get("waiting")]
    # The token file is made before anything is signed: a path that cannot be created (it exists, say) refuses the
    # approval, rather than record a grant nobody holds and purge the diffs the operator still has to review.
    token_path = Path(args.token_file) if args.token_file and not waiting else None
    token_file = _create_token_file(token_path) if token_path is not None else None
    try:
        # One token when the items fit in one; a fleet's plan needs several (approvals/tokens.py sign_tokens).
        minted = sign_tokens(plan=plan.plan, items=items, key=key, approver=approver, ttl=ttl)
        tokens = [one.token for one in minted]
        presented = sum(len(token) + 1 for token in tokens)
        if presented > MAX_APPROVAL_FILE:
            raise ConfigError(
                f"{len(items)} items need {len(tokens)} approval tokens ({presented} bytes), more than a run reads "
                f"({MAX_APPROVAL_FILE} bytes); nothing was approved",
                hint="approve the plan in parts, e.g. with --host or --task, and run each part with its tokens",
            )
        for one in minted:
            _remember(settings, store, plan.plan, "approval-grant", actor=approver.name, content={
                "approval_ref": token_ref(one.token), "items": [i.item_id for i in one.items], "ttl": ttl,
            })  # fmt: skip
        expires = datetime.now(UTC).timestamp() + ttl
        _append(store, plan.plan, GRANTS, actor=approver.name, content={
            "items": [i.item_id for i in items], "by": approver.name, "expires": expires,
            "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds"),
        })  # fmt: skip
    except BaseException:
        if token_path is not None and token_file is not None:
            os.close(token_file)
            token_path.unlink(missing_ok=True)  # ours, empty: nothing was signed into it
        raise
    # Reviewed and signed: the bodies of these items are purged to their sha256 (a failure is retried later).
    bodies.purge(store, [item.item_id for _unused, item in chosen if item.body_sha256], because="approved")
    if waiting:
        # A run waits for these items: the signed approval reaches it through the store (redeemed once, bound as
        # a presented token is). The store keeps it until it expires; it covers only the items signed here.
        waiting_ids = set(waiting)
        for one in minted:
            held = [item.item_id for item in one.items if item.item_id in waiting_ids]
            if held:
                _append(store, plan.plan, WAIT_GRANT, actor=approver.name, content={"token": one.token, "items": held})
        emit(f"approved {len(items)} item(s) of {plan.plan} as {approver.name}, valid {ttl} s; the waiting run "
             "picks the approval up from the store", stream=sys.stderr)  # fmt: skip
        return 0
    note = "give it to the run that needs it, e.g. as the extra var praxis_approval; each item works once"
    several = f" in {len(tokens)} tokens (present them all)" if len(tokens) > 1 else ""
    if token_file is not None:
        with os.fdopen(token_file, "w", encoding="utf-8") as handle:
            handle.write("".join(token + "\n" for token in tokens))
        emit(f"approved {len(items)} item(s) of {plan.plan} as {approver.name}{several}, valid {ttl} s. The "
             f"token{'s are' if several else ' is'} in {args.token_file} (owner-only): run with "
             f"PRAXIS_APPROVAL_FILE={args.token_file}", stream=sys.stderr)  # fmt: skip
        return 0
    emit(
        f"approved {len(items)} item(s) of {plan.plan} as {approver.name}{several}, valid {ttl} s. "
        f"Token{'s, one per line' if several else ''} ({note}):",
        stream=sys.stderr,
    )
    for token in tokens:
        emit(token)
    return 0


def _described_filters(args: argparse.Namespace, *, items: bool = True) -> str:
    """The filters given to ``approve``, as typed (for a refusal that names them); ``show`` takes all but --item."""
    given = [(flag, value) for flag, values in (("--tier", args.tier), ("--module", args.module),
             ("--task", args.task), ("--host", [args.host] if args.host else None),
             ("--item", args.item if items else None))
             for value in values or []]  # fmt: skip
    return " ".join(f"{flag} {shlex.quote(str(value))}" for flag, value in given)


def _create_token_file(path: Path) -> int:
    """A new token file, open for writing: created owner-only, never over an existing file (a large token passed as
    ``-e`` shows in ``ps``; PRAXIS_APPROVAL_FILE reads this instead). Several tokens go in one file, one per line,
    with >>."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the token file {path}: {exc}; nothing was approved", hint="name a new file"
        ) from exc


def cmd_cosign(args: argparse.Namespace, settings: GateSettings) -> int:
    approver, key = _operator(args, settings)
    presented = sys.stdin.read().strip() if args.presented == "-" else args.presented
    # A large approval comes as several tokens (one per line): each is cosigned, in order, one per line.
    cosigned = [cosign_token(token, key=key, approver=approver) for token in split_tokens(presented) or (presented,)]
    for token in cosigned:
        emit(token)
    return 0


def cmd_deny(args: argparse.Namespace, settings: GateSettings) -> int:
    reason = args.reason.strip()
    if not reason:
        raise ConfigError("a denial needs a reason", hint="--reason 'why not'")
    if bool(args.requests) == bool(args.all_pending):
        raise ConfigError("name the requests to deny, or pass --all-pending", hint="not both")
    store = _open(settings)
    if args.all_pending:
        ruleset = load_ruleset(settings.policy_path).digest
        plans = [p for p in _plans(store).values() if _plan_status(store, p, ruleset)[0] == "pending"]
        if not plans:
            emit("no pending approval requests to deny")
    else:
        plans = [_plan(store, request) for request in dict.fromkeys(args.requests)]  # all known before any is denied
    name = args.as_name or settings.principal
    for plan in plans:
        if denial(store, plan.plan):
            emit(f"{plan.plan} was already denied")
            continue
        _remember(settings, store, plan.plan, "approval-denial", actor=name,
                  content={"reason": reason[:500], "by": name}, predicate="decision")  # fmt: skip
        bodies.purge(store, [item.item_id for _unused, item in plan.items if item.body_sha256], because="denied")
        emit(f"denied {plan.plan}: {reason}")
    return 0


def _remember(
    settings: GateSettings, store: Store, plan: str, fact_type: str, *, actor: str, content: dict[str, Any],
    predicate: str | None = None,
) -> None:  # fmt: skip
    """Operator decisions go to the store (as facts) and to the audit log; the token itself to neither."""
    store.put(plan, predicate or f"grant:{content.get('approval_ref', '')[:16]}", fact_type, content,
              expected_hash=None, actor=actor, reason=fact_type)  # fmt: skip
    gate = Gate(settings=settings, ruleset=load_ruleset(settings.policy_path), audit=AuditLog(settings.audit_path),
                seams=())  # fmt: skip
    gate.record_event(
        fact_type, durable=True, request=plan, by=actor, **{k: v for k, v in content.items() if k != "by"}
    )


def _append(store: Store, plan: str, fact: tuple[str, str], *, actor: str, content: dict[str, Any]) -> None:
    """A new version of a per-plan fact whose history is the record (grants, approvals for a waiting run)."""
    predicate, fact_type = fact
    for _repeat in range(8):
        current = store.current(plan, predicate, fact_type)
        try:
            store.put(plan, predicate, fact_type, content, expected_hash=current.content_hash if current else None,
                      actor=actor, reason="another approval" if current else None)  # fmt: skip
            return
        except ConflictError:
            continue
    raise ConflictError(f"could not record the approval of {plan}", hint="retry")


def _filters(parser: argparse.ArgumentParser, *, host: bool = True) -> None:
    parser.add_argument("--tier", action="append", help="only items of this tier (T2, T3); repeatable")
    parser.add_argument("--module", action="append", help="only items of this module (FQCN, short name or glob)")
    parser.add_argument("--task", action="append", help="only items whose task name contains this (or glob)")
    if host:
        parser.add_argument("--host", dest="host_filter", action="append", help="only items on this host")


def register(subparsers: Any) -> None:
    approvals = subparsers.add_parser("approvals", help="review, approve and deny gated actions")
    sub = approvals.add_subparsers(dest="approvals", required=True)
    listing = sub.add_parser("list", help="pending and approved-but-unused requests, with each item's state")
    listing.add_argument("--all", action="store_true", help="include closed, denied and expired requests")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="what, where, diff, who asked, until when: a summary, then items in play order")
    show.add_argument("request")
    show.add_argument("--json", action="store_true")
    _filters(show)
    show.add_argument("--state", action="append", help="only items in this state (pending, approved, used, ...)")
    show.set_defaults(func=cmd_show)
    approve = sub.add_parser("approve", help="sign the pending items of a request; prints a single-use token")
    approve.add_argument("request")
    approve.add_argument("--as", dest="as_name", help="operator name (default: the only key in the operator dir)")
    approve.add_argument("--host", help="approve only the items on this host (required for T3 on several hosts)")
    approve.add_argument("--item", action="append", help="approve only these item ids")
    approve.add_argument("--ttl", type=int, help="seconds the token stays valid (capped by the installation)")
    _filters(approve, host=False)
    approve.add_argument("--token-file", help="write the token to this new owner-only file (for PRAXIS_APPROVAL_FILE) "
                         "instead of standard output: large tokens passed as -e show in ps")  # fmt: skip
    approve.add_argument("--confirm-host", help="the T3 host name, instead of typing it at the prompt")
    approve.add_argument("--passphrase-file")
    approve.set_defaults(func=cmd_approve)
    cosign = sub.add_parser("cosign", help="add a second approver's signature to a token (T3 with two approvers)")
    cosign.add_argument(
        "presented",
        metavar="TOKEN",
        help="the token (the tokens of one approval, separated by spaces or newlines), or - to read them from "
        "standard input",
    )
    cosign.add_argument("--as", dest="as_name")
    cosign.add_argument("--passphrase-file")
    cosign.set_defaults(func=cmd_cosign)
    deny = sub.add_parser("deny", help="refuse requests (recorded; they can no longer be approved)")
    deny.add_argument("requests", nargs="*", metavar="REQUEST")
    deny.add_argument("--all-pending", action="store_true", help="deny every pending request")
    deny.add_argument("--reason", required=True)
    deny.add_argument("--as", dest="as_name")
    deny.set_defaults(func=cmd_deny)
