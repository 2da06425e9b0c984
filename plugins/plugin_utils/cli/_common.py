# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every ``praxis-gate`` command shares: exit codes, fatal errors, argument parsers and the audit record a
command leaves before it acts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from ..core.display import emit
from ..core.errors import ConfigError
from ..core.gate import Gate
from ..core.settings import GateSettings

EXIT_OK, EXIT_NOT_ALLOWED, EXIT_ERROR, EXIT_VERIFY = 0, 1, 2, 3


def fatal(message: str, code: int = EXIT_ERROR) -> NoReturn:
    emit(f"praxis-gate: error: {message}", stream=sys.stderr)
    raise SystemExit(code)


def json_arg(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fatal(f"{what} is not valid JSON: {exc}")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def gate_for_records(settings: GateSettings) -> Gate:
    gate = Gate.from_settings(settings)
    if not gate.audit.append({"event": "cli", "command": " ".join(sys.argv[1:2]), "by": settings.principal}):
        fatal(f"cannot write the audit log {settings.audit_path}: {gate.audit.last_error}")
    return gate


def read_passphrase(args: argparse.Namespace, *, prompt: str, confirm: bool) -> bytes | None:
    """The operator's passphrase: from --passphrase-file, else asked on a terminal; None when there is none."""
    if getattr(args, "no_passphrase", False):
        return None
    if getattr(args, "passphrase_file", None):
        return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\n").encode() or None
    if not sys.stdin.isatty():
        return None  # an unencrypted key loads without one; an encrypted key then fails with a clear error
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        raise ConfigError("the passphrases differ", hint="try again")
    return first.encode() or None
