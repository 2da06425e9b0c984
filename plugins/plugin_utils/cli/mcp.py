# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate mcp``: serve the gate's agent tools over the Model Context Protocol on stdin/stdout.

The operator starts it (in the agent host's MCP configuration), fixing the session: no tool an agent calls can
choose another. Without ``--session`` the server opens a fresh session with the restricted profile and closes it
when the client disconnects. There is no network listener. Standard output is the protocol channel, so every
message for a person goes to standard error.
"""

from __future__ import annotations

import argparse
import getpass
import uuid
from typing import TYPE_CHECKING, Any

from ._common import EXIT_OK

if TYPE_CHECKING:
    from ..core.killswitch import KillSwitchState
    from ..core.settings import GateSettings

__all__ = ["register"]


def cmd_mcp(args: argparse.Namespace, settings: GateSettings) -> int:
    # The server, the agent runner and pydantic load when this command runs: every other `praxis-gate` command
    # builds the same parser and would otherwise pay for them (the server's import alone outweighs most commands).
    from ..agents.config import load_agent_settings  # noqa: PLC0415
    from ..agents.mcp_server import GateTools, serve_stdio  # noqa: PLC0415
    from ..agents.runner import AgentRunner  # noqa: PLC0415
    from ..agents.sessions import SessionBook, principal_of, valid_session_id  # noqa: PLC0415
    from ..core.gate import Gate  # noqa: PLC0415
    from ..store import open_store  # noqa: PLC0415

    restricted = args.session is None
    session = valid_session_id(args.session) if args.session else f"mcp-{uuid.uuid4().hex[:16]}"
    agent_settings = load_agent_settings()
    password = getpass.getpass("BECOME password (kept in memory): ") if args.ask_become_pass else None
    with open_store(settings) as store:
        budgets = agent_settings.budgets.restricted() if restricted else agent_settings.budgets
        SessionBook(store).open(session, budgets=budgets, actor=f"praxis-gate mcp ({settings.principal})",
                                profile="restricted" if restricted else "standard")  # fmt: skip
    # The server's own gate judges as the session: explain requests meet its latch, budgets and grants.
    session_settings = settings.model_copy(update={"principal": principal_of(session), "session": session})
    gate = Gate.from_settings(session_settings)
    gate.record_event("mcp-start", by=settings.principal, principal=principal_of(session))

    def trip(reason: str) -> KillSwitchState:
        return gate.trip_emergency_stop(reason=reason, by=principal_of(session))

    tools = GateTools(
        session=session,
        settings=settings,
        runner=AgentRunner(session=session, settings=settings, agent_settings=agent_settings, become_password=password),
        explain=gate.explain,
        record=gate.record_event,
        trip=trip,
    )
    try:
        serve_stdio(tools, version=_version())
    finally:
        gate.record_event("mcp-end", principal=principal_of(session))
        if restricted:
            with open_store(settings) as store:
                SessionBook(store).close(session, actor=f"praxis-gate mcp ({settings.principal})",
                                         reason="the MCP server that opened this session ended")  # fmt: skip
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("praxis-gatekeeper")
    except PackageNotFoundError:
        return ""


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    mcp = sub.add_parser("mcp", help="serve the agent tools over the Model Context Protocol on stdio")
    mcp.add_argument("--session", help="the agent session the server acts in (default: a fresh restricted one)")
    mcp.add_argument("--ask-become-pass", action="store_true", help="ask for a become password (kept in memory)")
    mcp.set_defaults(func=cmd_mcp)
