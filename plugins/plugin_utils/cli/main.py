# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate``: the operator's console. Builds the parser from each command group's ``register`` and catches
GatekeeperError once, exiting with its diagnostics.

Exit codes: 0 success (for ``check``: allowed), 1 the checked request would not be allowed, 2 usage or
configuration error, 3 a verification failed. ``drift`` has its own (see cli/drift.py): 2 there means drift.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..core.errors import GatekeeperError
from ..core.settings import load_settings
from . import approvals, audit, check, drift, emergency, operator, schema, status, store
from ._common import EXIT_ERROR

__all__ = ["build_parser", "main"]

# The order of the groups in ``praxis-gate --help``.
_GROUPS = (check, status, emergency, audit, schema, store, operator, approvals, drift)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="praxis-gate", description="praxis.gatekeeper operator console")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        code: int = args.func(args, settings)
    except GatekeeperError as exc:
        print(f"praxis-gate: error: {exc.diagnostics()}", file=sys.stderr)
        return int(getattr(args, "error_exit", EXIT_ERROR))
    except ValueError as exc:
        print(f"praxis-gate: error: {exc}", file=sys.stderr)
        return int(getattr(args, "error_exit", EXIT_ERROR))
    return code


if __name__ == "__main__":
    sys.exit(main())
