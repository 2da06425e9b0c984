# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate agent``: run a playbook in an agent session (``run``), and the operator's controls over sessions
(``grant``, ``revoke``, ``sessions``, ``close``).

``run`` is the ansible-runner entry point for agents (agents/runner.py); its exit status is 0 when the run was
gated and succeeded, 1 when it ran but did not succeed (a failed task, an approval needed, a refusal, the emergency
stop), 2 when it was refused before running, 3 when it ran ungated. The other subcommands are the operator's: they
write the store with the operator's identity and leave an audit record.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from ..agents.config import load_agent_settings
from ..agents.runner import AgentRunner, AgentRunRequest
from ..agents.sessions import SessionBook, valid_session_id
from ..approvals.tokens import split_tokens
from ..core.limits import InputRejected, read_bounded
from ..core.models import Tier
from ..core.settings import MAX_APPROVAL_FILE, GateSettings
from ..store import open_store
from ._common import EXIT_ERROR, EXIT_NOT_ALLOWED, EXIT_OK, EXIT_VERIFY, fatal, gate_for_records, positive_int

__all__ = ["register"]


def cmd_run(args: argparse.Namespace, settings: GateSettings) -> int:
    extra_vars: dict[str, Any] = {}
    for pair in args.extra_vars or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fatal(f"-e takes KEY=VALUE, got {pair!r}")
        extra_vars[key] = value
    password = _become_password(args)
    tokens: tuple[str, ...] = ()
    if args.approval_file:
        # Bounded as PRAXIS_APPROVAL_FILE is: a larger file is refused, never cut short in the middle of a token.
        try:
            text = read_bounded(args.approval_file, max_bytes=MAX_APPROVAL_FILE, what="--approval-file")
            tokens = split_tokens(text.decode("utf-8"))
        except (InputRejected, OSError, UnicodeDecodeError) as exc:
            fatal(f"cannot read the approval file {args.approval_file}: {exc}; nothing ran")
    runner = AgentRunner(session=args.session, settings=settings, become_password=password)
    request = AgentRunRequest(playbook=args.playbook, project=args.project, inventory=tuple(args.inventory or ()),
                              extra_vars=extra_vars, limit=args.limit, check=args.check, approvals=tokens)  # fmt: skip
    result = runner.run(request)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, sort_keys=True, default=str))
    else:
        _print_run(result.as_dict())
    if not result.gated:
        return EXIT_VERIFY
    return EXIT_OK if result.ok else EXIT_NOT_ALLOWED


def _become_password(args: argparse.Namespace) -> str | None:
    """The operator's become password for this run, in memory only (never a file, a record or an event)."""
    if args.become_password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if args.ask_become_pass:
        return getpass.getpass("BECOME password (kept in memory for this run): ")
    return None


def _print_run(result: dict[str, Any]) -> None:
    state = "gated" if result["gated"] else "UNGATED"
    print(f"session {result['session']}  run {result['run_id'] or '-'}  {result['status']} ({state})")
    for task in result["tasks"]:
        print(f"  {task['host']:<20} {task['status']:<11} {task['tier'] or '--':<3} {task['decision'] or '-':<17} "
              f"{task['task'][:60]}")  # fmt: skip
        if task["decision"] not in (None, "allowed"):
            print(f"      {task['reason']}")
    for approval in result["approvals"]:
        print(f"  approval needed: {approval['waiting']} item(s) in {approval['request']}; an operator runs "
              f"`{approval['review']}`")  # fmt: skip
    latch = result["latch"]
    print(f"  latch: {'ARMED (' + latch['kind'] + ': ' + latch['reason'] + ')' if latch['armed'] else 'clear'}")
    for problem in result["problems"]:
        print(f"  problem: {problem}")


def cmd_grant(args: argparse.Namespace, settings: GateSettings) -> int:
    session = valid_session_id(args.session)
    with open_store(settings) as store:
        grant = SessionBook(store).grant(
            session, hosts=args.host or [], groups=args.group or [], max_tier=Tier.parse(args.max_tier),
            verbs=args.verb or [], ttl=args.ttl, actor=settings.principal, reason=args.reason,
            budgets=load_agent_settings().budgets,
        )  # fmt: skip
    gate_for_records(settings).record_event("agent-grant", durable=True, by=settings.principal, agent_session=session,
                                            **grant.as_dict())  # fmt: skip
    if args.json:
        print(json.dumps(grant.as_dict(), indent=2))
    else:
        scope = ", ".join([*(f"host {h}" for h in grant.hosts), *(f"group {g}" for g in grant.groups)])
        verbs = ", ".join(grant.verbs) or "any action"
        print(f"{grant.grant_id}: session {session} may act on {scope} up to {grant.max_tier} ({verbs}) until "
              f"{grant.expires_at.isoformat()}; the session is deny-unless-granted from now on")  # fmt: skip
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace, settings: GateSettings) -> int:
    session = valid_session_id(args.session)
    with open_store(settings) as store:
        grant = SessionBook(store).revoke(session, args.grant, actor=settings.principal, reason=args.reason)
    gate = gate_for_records(settings)
    gate.record_event("agent-revoke", durable=True, by=settings.principal, agent_session=session,
                      grant=grant.grant_id, reason=args.reason)  # fmt: skip
    print(f"{grant.grant_id} revoked; session {session} stays deny-unless-granted")
    return EXIT_OK


def cmd_close(args: argparse.Namespace, settings: GateSettings) -> int:
    session = valid_session_id(args.session)
    with open_store(settings) as store:
        SessionBook(store).close(session, actor=settings.principal, reason=args.reason)
    gate_for_records(settings).record_event("agent-close", durable=True, by=settings.principal, agent_session=session,
                                            reason=args.reason)  # fmt: skip
    print(f"session {session} closed: it accepts no further runs")
    return EXIT_OK


def cmd_sessions(args: argparse.Namespace, settings: GateSettings) -> int:
    with open_store(settings) as store:
        book = SessionBook(store)
        if args.session:
            summary = book.summary(valid_session_id(args.session))
            if summary["session"] is None:
                fatal(f"no session {args.session}", EXIT_ERROR)
            rows: list[dict[str, Any]] = [summary]
        else:
            rows = [book.summary(info.session_id) for info in book.sessions()]
    if args.json:
        print(json.dumps(rows if not args.session else rows[0], indent=2, sort_keys=True, default=str))
        return EXIT_OK
    if not rows:
        print("no agent sessions")
    for row in rows:
        info, latch, usage = row["session"], row["latch"], row["usage"]
        budgets = info["budgets"]
        state = "closed" if info["closed"] else "open"
        print(f"{info['session']}  {state}  {info['profile']}  latch {'ARMED' if latch['armed'] else 'clear'}  "
              f"used {usage['total']}/{budgets['total'] or 'inf'} (T2+ {usage['t2']}/{budgets['t2'] or 'inf'})"
              f"{'  scoped' if row['scoped'] else ''}")  # fmt: skip
        if args.session:
            if latch["armed"]:
                print(f"  latch armed at {latch['at']} ({latch['kind']}): {latch['reason']}")
            for host, count in sorted(usage["hosts"].items()):
                print(f"  {host}: {count}/{budgets['per_host'] or 'inf'} actuations")
            for grant in row["grants"]:
                state = "EXPIRED" if grant["expired"] else "live"
                print(f"  {grant['grant']} {state}: hosts {grant['hosts']} groups {grant['groups']} up to "
                      f"{grant['max_tier']} verbs {grant['verbs'] or 'any'} until {grant['expires_at']}")  # fmt: skip
    return EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    agent = sub.add_parser("agent", help="agent runs and the operator's controls over agent sessions")
    groups = agent.add_subparsers(dest="agent_command", required=True)

    run = groups.add_parser("run", help="run a playbook from the project root in an agent session, under the gate")
    run.add_argument("playbook", help="the playbook, relative to the project")
    run.add_argument("--session", help="the agent session (default: a fresh restricted session for this run)")
    run.add_argument("--project", help="a project directory inside the operator's roots (PRAXIS_AGENT_PROJECTS)")
    run.add_argument("-i", "--inventory", action="append", help="an inventory inside the project (repeatable)")
    run.add_argument("-e", "--extra-vars", action="append", metavar="KEY=VALUE", help="a plain extra var")
    run.add_argument("-l", "--limit", help="a host pattern")
    run.add_argument("--check", action="store_true", help="a check-mode run: the plan an operator approves")
    run.add_argument("--approval-file", help="a file holding approval tokens an operator handed over")
    run.add_argument("--ask-become-pass", action="store_true", help="ask for the become password (kept in memory)")
    run.add_argument("--become-password-stdin", action="store_true", help="read the become password from stdin")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=cmd_run)

    grant = groups.add_parser("grant", help="allow a session hosts or groups up to a tier (deny-unless-granted)")
    grant.add_argument("session")
    grant.add_argument("--host", action="append", help="a host name or shell-style pattern (repeatable)")
    grant.add_argument("--group", action="append", help="an inventory group (repeatable)")
    grant.add_argument("--max-tier", required=True, choices=[str(t) for t in Tier])
    grant.add_argument("--verb", action="append", help="an action FQCN or pattern, e.g. ansible.builtin.copy")
    grant.add_argument("--ttl", type=positive_int, default=3600, help="seconds until the grant expires")
    grant.add_argument("--reason", required=True)
    grant.add_argument("--json", action="store_true")
    grant.set_defaults(func=cmd_grant)

    revoke = groups.add_parser("revoke", help="revoke a grant (the session stays deny-unless-granted)")
    revoke.add_argument("session")
    revoke.add_argument("grant")
    revoke.add_argument("--reason", required=True)
    revoke.set_defaults(func=cmd_revoke)

    close = groups.add_parser("close", help="close a session: it accepts no further runs")
    close.add_argument("session")
    close.add_argument("--reason", required=True)
    close.set_defaults(func=cmd_close)

    sessions = groups.add_parser("sessions", help="list agent sessions, or show one (latch, budgets, grants)")
    sessions.add_argument("session", nargs="?")
    sessions.add_argument("--json", action="store_true")
    sessions.set_defaults(func=cmd_sessions)
