# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate schema``: print a published JSON Schema (one copy, shipped in docs/schema)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..core.display import emit_json
from ..core.settings import GateSettings
from ..drift.model import convergence_schema
from ..policy.ruleset import policy_schema
from ._common import EXIT_OK


def _mcp_tools_schema() -> dict[str, Any]:
    # The MCP server module (and pydantic) loads only for this schema, not for every `praxis-gate` command.
    from ..agents.mcp_server import mcp_tools_schema  # noqa: PLC0415

    return mcp_tools_schema()


_SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "policy": policy_schema,
    "convergence-request": convergence_schema,
    "mcp-tools": _mcp_tools_schema,
}


def cmd_schema(args: argparse.Namespace, settings: GateSettings) -> int:
    emit_json(_SCHEMAS[args.name](), indent=2, sort_keys=args.name == "mcp-tools")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    schema = sub.add_parser("schema", help="print a published JSON Schema")
    schema.add_argument("name", choices=sorted(_SCHEMAS))
    schema.set_defaults(func=cmd_schema)
