# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate policy validate``: check operator policy files exactly as the gate will load them, before they are
deployed (the controller role runs it as the ``validate`` step of writing the policy file)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.settings import GateSettings
from ..policy.ruleset import load_ruleset
from ._common import EXIT_OK


def cmd_policy_validate(args: argparse.Namespace, settings: GateSettings) -> int:
    # load_ruleset is the gate's own loader (YAML, the published schema, deny patterns that compile), so a file
    # this accepts is a file the gate accepts; its PolicyFileError reaches main() and exits 2 with the reason.
    for name in args.files:
        ruleset = load_ruleset(Path(name).absolute())
        print(f"{name}: valid ({ruleset.label})")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add the ``policy`` command group to the ``praxis-gate`` parser."""
    policy = sub.add_parser("policy", help="operator policy files").add_subparsers(dest="policy", required=True)
    validate = policy.add_parser(
        "validate", help="check policy files against the published schema and the gate's own loader"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_policy_validate)
