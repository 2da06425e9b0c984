# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every ``praxis-gate`` command shares: exit codes, fatal errors, argument parsers and the audit record a
command leaves before it acts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, NoReturn

from ..core.display import emit
from ..core.errors import ConfigError
from ..core.gate import Gate
from ..core.limits import MAX_JSON_DEPTH, InputRejected, load_json, read_bounded
from ..core.settings import GateSettings

EXIT_OK, EXIT_NOT_ALLOWED, EXIT_ERROR, EXIT_VERIFY = 0, 1, 2, 3
_MAX_JSON_ARG = 8 * 1024 * 1024


def fatal(message: str, code: int = EXIT_ERROR) -> NoReturn:
    emit(f"praxis-gate: error: {message}", stream=sys.stderr)
    raise SystemExit(code)


def json_arg(text: str, what: str) -> Any:
    """Parse JSON given by the operator, within bounds: too large, too deep or not JSON is a usage error (exit 2)."""
    try:
        return load_json(text, max_bytes=_MAX_JSON_ARG, what=what)
    except InputRejected as exc:
        fatal(f"{exc}; give at most {_MAX_JSON_ARG // (1024 * 1024)} MiB nested at most {MAX_JSON_DEPTH} levels")
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
        try:
            raw = read_bounded(args.passphrase_file, max_bytes=64 * 1024, what="the passphrase file")
        except InputRejected as exc:
            raise ConfigError(str(exc), hint="give a regular file holding the passphrase") from None
        return raw.decode("utf-8").rstrip("\n").encode() or None
    if not sys.stdin.isatty():
        return None  # an unencrypted key loads without one; an encrypted key then fails with a clear error
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        raise ConfigError("the passphrases differ", hint="try again")
    return first.encode() or None
