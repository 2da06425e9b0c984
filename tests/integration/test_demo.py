# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's first command must stay true: the demo runs the collection's own playbook
(``praxis.gatekeeper.demo``) through the gate and ends with a verified audit trail.

It also pins a regression: the demo's playbook lives inside the installed collection and reads its lab directory
with an ``env`` lookup; an ordinary lookup must not be mistaken for tampering because the play's variables (its
``playbook_dir``) name the gate's installation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_version  # runner and policy logic; the glue is covered in both legs

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_shows_every_verdict_and_verifies_its_audit_trail() -> None:
    cache = Path.home() / ".cache" / f"praxis-demo-test-{uuid.uuid4().hex[:8]}"  # not /tmp: see demo_lab.py
    try:
        done = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "demo_lab.py")],
            env={**os.environ, "XDG_CACHE_HOME": str(cache)},
            capture_output=True,
            text=True,
            timeout=540,
            check=False,
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-2000:]
    assert out.rstrip().endswith("demo: OK")
    for verdict in ("allowed", "denied", "refused", "approval_required"):
        assert f" {verdict} " in out, verdict
    assert "chain intact" in out
    assert "anchor matched" in out
    assert "approved change made: True; made again with the used token: False" in out
    assert "lookup ansible.builtin.env" not in out
