# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.praxis.gatekeeper`` import from this checkout.

The repository root is the collection, but Python (and ansible-test) expect it under an
``ansible_collections/<namespace>/<name>`` path. A symlink in a private temporary folder gives unit tests that path
without copying anything, so they always test the working tree, not whatever copy pip installed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shim_root() -> Path:
    digest = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / f"praxis-collection-shim-{os.getuid()}-{digest}"
    link = root / "ansible_collections" / "praxis" / "gatekeeper"
    if not link.is_symlink() or link.resolve() != REPO_ROOT:
        link.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = link.with_name(f".gatekeeper.{os.getpid()}")
        tmp.symlink_to(REPO_ROOT, target_is_directory=True)
        os.replace(tmp, link)
    return root


sys.path.insert(0, str(_shim_root()))

FRESH_BOOT = Path(__file__).resolve().parent / "fresh_boot"


def _simulate_fresh_boot() -> None:
    """``PRAXIS_TEST_FRESH_BOOT=SECONDS``: this test session (its workers, and every process a test starts) runs as
    on a machine booted SECONDS before it began (tests/fresh_boot/sitecustomize.py). scripts/test sets it, so the
    suite proves on every run that nothing depends on the machine's uptime."""
    seconds = os.environ.get("PRAXIS_TEST_FRESH_BOOT")
    if seconds and not os.environ.get("PRAXIS_TEST_MONOTONIC_OFFSET"):
        os.environ["PRAXIS_TEST_MONOTONIC_OFFSET"] = repr(max(0.0, time.monotonic() - float(seconds)))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(FRESH_BOOT), os.environ.get("PYTHONPATH")]))
    if os.environ.get("PRAXIS_TEST_MONOTONIC_OFFSET"):
        from tests.fresh_boot import sitecustomize as fresh  # the process was started before PYTHONPATH named it

        fresh.simulate()  # idempotent


_simulate_fresh_boot()


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """The longest tests first: the roles' molecule scenarios and the fresh-clone run of scripts/test (minutes each),
    then the integration tests (seconds each), then the unit tests (milliseconds). scripts/test runs under xdist's
    work stealing, so the suite ends on short tests that an idle worker can take over, not on one worker's queue of
    long ones while the other waits. The sort is stable and deterministic, as xdist needs every worker to collect
    the same order."""

    def weight(item: Any) -> int:
        path = Path(str(item.fspath)).resolve()
        parts = path.relative_to(REPO_ROOT).parts if path.is_relative_to(REPO_ROOT) else path.parts
        if item.get_closest_marker("molecule") is not None or "scripts" in parts:
            return 0
        return 2 if "unit" in parts else 1

    items.sort(key=weight)
