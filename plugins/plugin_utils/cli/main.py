# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate``: the operator's console. Builds the parser from each command group's ``register`` and catches
GatekeeperError once, exiting with its diagnostics.

Exit codes: 0 success (for ``check``: allowed), 1 the checked request would not be allowed (for ``status`` and
``doctor``: a run from here would not be gated), 2 usage or configuration error, 3 a verification failed. ``drift``
has its own (see cli/drift.py): 2 there means drift. Output to a reader that left early (``| head``) ends quietly:
no message, the error exit code (2; in ``drift``, 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO, cast

from ..core.display import emit
from ..core.errors import GatekeeperError
from ..core.settings import load_settings
from . import agent, approvals, audit, check, doctor, drift, emergency, mcp, operator, policy, schema, status, store
from ._common import EXIT_ERROR

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["build_parser", "main"]

# The order of the groups in ``praxis-gate --help``.
_GROUPS = (check, status, doctor, emergency, audit, schema, policy, store, operator, approvals, agent, mcp, drift)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors (which echo what was typed, e.g. a pasted request id) rendered safe."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            emit(message, stream=cast(TextIO, file or sys.stderr), end="", multiline=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="praxis-gate", description="praxis.gatekeeper operator console")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = _run(args)
        # Flushed here, not at interpreter exit: output still buffered when the reader has gone (`| head`, stdout
        # a pipe) would otherwise fail after main returned, as "Exception ignored ... BrokenPipeError" (exit 120).
        sys.stdout.flush()
    except BrokenPipeError:  # `praxis-gate audit show | head`: the reader left early; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(getattr(args, "error_exit", EXIT_ERROR))  # drift's 2 means drift, not a closed pipe
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        code: int = args.func(args, settings)
    except GatekeeperError as exc:
        emit(f"praxis-gate: error: {exc.message}", stream=sys.stderr)
        if exc.hint:
            emit(f"  next: {exc.hint}", stream=sys.stderr)
        return int(getattr(args, "error_exit", EXIT_ERROR))
    except ValueError as exc:
        emit(f"praxis-gate: error: {exc}", stream=sys.stderr)
        return int(getattr(args, "error_exit", EXIT_ERROR))
    return code


if __name__ == "__main__":
    sys.exit(main())
