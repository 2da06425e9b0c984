# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate schema``: print a published JSON Schema (one copy, shipped in docs/schema)."""

from __future__ import annotations

import argparse
from typing import Any

from ..agents.mcp_server import mcp_tools_schema
from ..core.display import emit_json
from ..core.settings import GateSettings
from ..policy.ruleset import policy_schema
from ._common import EXIT_OK


def cmd_schema(args: argparse.Namespace, settings: GateSettings) -> int:
    if args.name == "mcp-tools":
        emit_json(mcp_tools_schema(), indent=2, sort_keys=True)
    else:
        emit_json(policy_schema(), indent=2)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add this command group to the ``praxis-gate`` parser."""
    schema = sub.add_parser("schema", help="print a published JSON Schema")
    schema.add_argument("name", choices=["policy", "mcp-tools"])
    schema.set_defaults(func=cmd_schema)
