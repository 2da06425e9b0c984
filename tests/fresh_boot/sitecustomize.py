# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests only: make this Python process see the machine as freshly booted.

``time.monotonic()`` counts from boot on Linux, so code that treats 0.0 as "long ago" works on a machine up for
hours and fails on one booted minutes ago (a CI runner, a new VM). tests/conftest.py puts this directory first on
PYTHONPATH when ``PRAXIS_TEST_FRESH_BOOT=SECONDS`` is set, with ``PRAXIS_TEST_MONOTONIC_OFFSET`` computed once per
test session, so every test process and every process a test starts (ansible-playbook, praxis-gate, workers) reads
the same shifted clock: CLOCK_MONOTONIC is one clock for the whole machine, and differences stay exact.

It shadows any other ``sitecustomize`` on the path (Debian's and Ubuntu's only hook crash reporting).
"""

from __future__ import annotations

import os
import time


def simulate() -> None:
    offset = float(os.environ.get("PRAXIS_TEST_MONOTONIC_OFFSET") or 0)
    if offset <= 0 or getattr(time.monotonic, "fresh_boot", False):
        return
    real, real_ns = time.monotonic, time.monotonic_ns

    def monotonic() -> float:
        return real() - offset

    def monotonic_ns() -> int:
        return real_ns() - int(offset * 1_000_000_000)

    monotonic.fresh_boot = True  # type: ignore[attr-defined]
    time.monotonic, time.monotonic_ns = monotonic, monotonic_ns


simulate()
