# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README's second command from a fresh copy of this checkout: scripts/test builds its own virtual environments
(never touching the system Python), runs both legs, reports both even when the first fails, and runs every test
process as on a machine booted minutes ago.

Here, and not in tests/integration, because it tests the scripts rather than the ansible-core under test: only the
first leg of scripts/test collects it (the second runs tests/integration), so it does not run itself twice.

The copy holds exactly the files git would commit (tracked and untracked-but-not-ignored), without .venv*. The first
run uses the audit writer as it was before the uptime fix: it must fail in both legs (the fresh-boot clock exposes
it) and both failures must be reported. The second run, with this tree's writer, must pass in both legs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SELECTION = "tests/unit/plugins/plugin_utils/audit/test_audit_durability.py"
# The writer before the uptime fix: "never synced" read as "synced at boot".
UPTIME_BUG = ("self._last_sync: float | None = None", "self._last_sync: float | None = 0.0")


def _copy_tree(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    for raw in filter(None, listed):
        relative = Path(os.fsdecode(raw))
        source = REPO / relative
        if source.is_file() and not relative.parts[0].startswith(".venv"):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _scripts_test(clone: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_", "VIRTUAL_ENV"))}
    # no virtualenv of ours on PATH: scripts/test must find and build its own
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env["PRAXIS_TEST_FRESH_BOOT"] = "90"
    env["PRAXIS_TEST_STATIC"] = "0"  # ruff, mypy and ansible-lint already ran on this tree in the run around this test
    done = subprocess.run(["scripts/test", SELECTION], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=3600, check=False)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_scripts_test_from_a_fresh_copy_on_a_freshly_booted_machine(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    _copy_tree(clone)
    assert (clone / "scripts" / "test").is_file() and not (clone / ".venv").exists()
    writer = clone / "plugins" / "plugin_utils" / "audit" / "writer.py"
    fixed = writer.read_text()
    assert UPTIME_BUG[0] in fixed
    try:
        writer.write_text(fixed.replace(*UPTIME_BUG))
        code, output = _scripts_test(clone)
        assert code != 0, output[-3000:]
        results = re.findall(r"== results: .*", output)
        assert results == ["== results: ansible-core 2.19 leg: FAILED (1); ansible-core 2.21 leg: FAILED (1)"], output[
            -3000:
        ]
        assert output.count("test_batch_syncs_durable_records_at_once_and_others_by_time") >= 2, output[-3000:]

        writer.write_text(fixed)
        code, output = _scripts_test(clone)
        assert code == 0, output[-3000:]
        assert re.findall(r"== results: .*", output) == [
            "== results: ansible-core 2.19 leg: passed; ansible-core 2.21 leg: passed"
        ], output[-3000:]
        for venv in (".venv", ".venv312"):
            assert (clone / venv / "bin" / "python").exists()
            hooked = subprocess.run([str(clone / venv / "bin" / "python"), "-c", "import _praxis_gatekeeper_boot"],
                                    capture_output=True, check=False)  # fmt: skip
            assert hooked.returncode == 0, f"the start-up hook is not in {venv}"
        for system in dict.fromkeys((shutil.which("python3", path="/usr/bin:/bin"), "/usr/bin/python3")):
            if system and Path(system).exists():
                outside = subprocess.run([system, "-c", "import _praxis_gatekeeper_boot"], capture_output=True,
                                         check=False)  # fmt: skip
                assert outside.returncode != 0, f"the start-up hook was installed into the system Python {system}"
    finally:
        shutil.rmtree(clone, ignore_errors=True)
