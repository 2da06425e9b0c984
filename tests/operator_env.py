# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An operator's environment for in-process tests of the approvals stage and the ``praxis-gate`` commands."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def operator_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, state: Path, mode: str, principal: str
) -> dict[str, str]:
    """Only these settings, whatever the caller's environment held: a private state directory, an operator key
    directory and approver registry under ``tmp_path``, an empty ansible.cfg, no colour; the working directory is
    ``tmp_path``. Returns the variables set."""
    for name in [k for k in os.environ if k.startswith(("PRAXIS_", "ANSIBLE_"))]:
        monkeypatch.delenv(name)
    (tmp_path / "empty.cfg").write_text("")
    values = {
        "HOME": str(tmp_path / "home"),
        "PRAXIS_STATE_DIR": str(state),
        "PRAXIS_MODE": mode,
        "PRAXIS_PRINCIPAL": principal,
        "PRAXIS_OPERATOR_DIR": str(tmp_path / "operators"),
        "PRAXIS_APPROVERS": str(tmp_path / "approvers"),
        "ANSIBLE_CONFIG": str(tmp_path / "empty.cfg"),
        "NO_COLOR": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return values
