# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Special files the tests put where the gate expects a regular one."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def make_unix_socket(path: Path) -> None:
    """A bound (then closed) AF_UNIX socket at ``path``. Bound by its short name from inside its directory: a pytest
    temporary path under a private TMPDIR can exceed the 107 bytes an AF_UNIX address holds."""
    sock = socket.socket(socket.AF_UNIX)
    previous = os.getcwd()
    try:
        os.chdir(path.parent)
        sock.bind(path.name)
    finally:
        os.chdir(previous)
        sock.close()
