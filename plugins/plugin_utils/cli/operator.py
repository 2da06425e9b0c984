# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate operator``: create an operator's Ed25519 key pair and register it as a trusted approver."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..approvals.operators import init_operator
from ..core.display import emit
from ..core.errors import ConfigError
from ..core.settings import GateSettings
from ._common import read_passphrase


def cmd_operator_init(args: argparse.Namespace, settings: GateSettings) -> int:
    key_dir = settings.operator_dir or Path.home() / ".config" / "praxis-gatekeeper" / "operators"
    registry = settings.approvers_path or key_dir.parent / "approvers"
    passphrase = read_passphrase(args, prompt=f"new passphrase for operator {args.name}: ", confirm=True)
    if passphrase is None and not args.no_passphrase:
        raise ConfigError(
            "an operator key needs a passphrase (or --no-passphrase, for keys kept in a secrets store)",
            hint="run on a terminal, or pass --passphrase-file",
        )
    approver = init_operator(args.name, key_dir=key_dir, registry=registry, passphrase=passphrase)
    emit(
        f"operator {approver.name}: key {key_dir / (approver.name + '.key')} (0600"
        f"{', passphrase-protected' if passphrase else ', NOT passphrase-protected'}), key id {approver.key_id}"
    )
    emit(f"registered as a trusted approver in {registry}:")
    emit(f"  {approver.line()}")
    emit(f"for execution environments: PRAXIS_APPROVER_KEYS={approver.name}={approver.line().split()[-1]}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``operator`` command group to the ``praxis-gate`` parser."""
    operator = subparsers.add_parser("operator", help="operator keys").add_subparsers(dest="operator", required=True)
    init = operator.add_parser("init", help="create an operator key pair and register it as a trusted approver")
    init.add_argument("--name", required=True)
    init.add_argument("--no-passphrase", action="store_true", help="leave the private key unencrypted")
    init.add_argument("--passphrase-file")
    init.set_defaults(func=cmd_operator_init)
