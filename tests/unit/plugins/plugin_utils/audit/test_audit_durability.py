# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The durability policies: which appends reach the disk before they return, and who syncs the rest.

fsync is observed, not assumed: ``os.fsync`` is wrapped to note which file each call synced (the wrapper still
syncs). Forked writers report their own calls through a pipe."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the files fsync was called on, in order (from any thread of this process)."""
    calls: list[str] = []
    lock = threading.Lock()
    real = os.fsync

    def recording_fsync(fd: int) -> None:
        with lock:
            calls.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    return calls


def _in_child(work: Callable[[], int]) -> int:
    """Run ``work`` in a forked process; return the number it reports (-1 if it died)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read_end)
            os.write(write_end, str(work()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 64)
    os.close(read_end)
    os.waitpid(pid, 0)
    return int(answer) if answer else -1


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_always_syncs_every_record(tmp_path: Path, synced: list[str]) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", durability="always")
    for number in range(5):
        assert log.append({"event": "note", "n": number})
    assert synced.count(str(tmp_path / "audit.jsonl")) == 5


def test_batch_syncs_durable_records_at_once_and_others_by_time(tmp_path: Path, synced: list[str]) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, durability="batch", batch_seconds=3600)
    assert log.append({"event": "note", "n": 1})  # the first write of a process syncs
    assert log.append({"event": "note", "n": 2})  # within the period: page cache only
    assert synced.count(str(path)) == 1
    assert log.append({"event": "decision", "n": 3}, durable=True)
    assert synced.count(str(path)) == 2


def test_workers_under_a_flusher_leave_syncing_to_it(tmp_path: Path, synced: list[str]) -> None:
    """The ansible-playbook case: the controller starts the flusher, forked workers append. A worker must not pay
    an fsync per record (that was one per task and host, under the log's lock), and the controller's flusher must
    sync what the workers wrote, durable records excepted, which their writer syncs itself."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, durability="batch", batch_seconds=0.02)
    assert log.append({"event": "run-start"})
    others = _flushers()
    log.start_flusher()
    assert _flushers() - others, "batch durability started no flusher"
    try:
        before = synced.count(str(path))

        def worker() -> int:
            for number in range(20):
                assert log.append({"event": "outcome", "n": number})
            return synced.count(str(path)) - before

        assert _in_child(worker) == 0
        assert _wait_for(lambda: synced.count(str(path)) > before), "the flusher never synced the workers' records"

        def durable_worker() -> int:
            assert log.append({"event": "decision", "tier": "T2"}, durable=True)
            return synced.count(str(path)) - before

        assert _in_child(durable_worker) >= 1
    finally:
        log.stop_flusher()
    assert not _flushers() - others, "the stopped flusher is still running"
    assert verify_log(path, expect_anchor=False).ok


def test_stopping_the_flusher_syncs_what_is_left(tmp_path: Path, synced: list[str]) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, durability="batch", batch_seconds=3600)
    assert log.append({"event": "run-start"})
    log.start_flusher()
    assert log.append({"event": "note"})
    count = synced.count(str(path))
    log.stop_flusher()
    assert synced.count(str(path)) == count + 1
    # Without the flusher a writer syncs by its own timing again.
    assert log.append({"event": "note"}, durable=True)
    assert synced.count(str(path)) == count + 2


def _flushers() -> set[threading.Thread]:
    """The flusher threads alive in this process: compared before and after, since other tests' gates in the same
    xdist worker may still hold theirs."""
    return {thread for thread in threading.enumerate() if thread.name == "praxis-audit-flusher"}


def test_no_flusher_under_always_or_never(tmp_path: Path) -> None:
    for durability in ("always", "never", "batch"):  # batch: the positive control
        log = AuditLog(tmp_path / f"{durability}.jsonl", durability=durability)
        assert log.append({"event": "run-start"})
        others = _flushers()
        log.start_flusher()
        started = _flushers() - others
        log.stop_flusher()
        assert bool(started) == (durability == "batch"), durability


def test_a_writer_whose_clock_is_behind_its_last_sync_syncs(tmp_path: Path, synced: list[str]) -> None:
    """A last-sync time in the future (a clock that went backwards) must not suppress syncing forever."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, durability="batch", batch_seconds=3600)
    log._last_sync = time.monotonic() + 10_000
    assert log.append({"event": "note"})
    assert synced.count(str(path)) == 1


def test_a_flusher_that_cannot_open_the_log_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A symlink planted at the log's path is refused by the flusher (never followed), and said once, not every
    period; the writers still refuse the symlink themselves."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, durability="batch", batch_seconds=0.01)
    assert log.append({"event": "run-start"})
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    log.start_flusher()
    try:
        time.sleep(0.2)
    finally:
        log.stop_flusher()
    warnings = [r for r in caplog.records if "flusher" in r.getMessage()]
    assert len(warnings) == 1
    assert "symbolic link" in warnings[0].getMessage()
    assert not (tmp_path / "elsewhere").exists()
    assert not log.append({"event": "note"})


class BootClock:
    """time.monotonic() on a machine booted ``uptime`` seconds ago (monotonic time counts from boot)."""

    def __init__(self, uptime: float) -> None:
        self.now = uptime

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("uptime", [0.0, 0.01, 2.0, 59.0, 3599.0, 86_400.0])
def test_the_first_write_of_a_process_syncs_whatever_the_uptime(
    tmp_path: Path, synced: list[str], uptime: float
) -> None:
    """A fresh machine's monotonic clock is small: "never synced" must not read as "synced at boot"."""
    path = tmp_path / "audit.jsonl"
    clock = BootClock(uptime)
    log = AuditLog(path, durability="batch", batch_seconds=3600, clock=clock)
    assert log.append({"event": "note", "n": 1})
    assert synced.count(str(path)) == 1
    clock.now += 1.0
    assert log.append({"event": "note", "n": 2})  # within the period: page cache only
    assert synced.count(str(path)) == 1
    clock.now += 3600.0
    assert log.append({"event": "note", "n": 3})  # the period passed: synced
    assert synced.count(str(path)) == 2


def test_the_session_clock_can_be_a_fresh_boot(tmp_path: Path) -> None:
    """The fresh-boot simulation (tests/fresh_boot) reaches processes a test starts, with one clock for all."""
    import subprocess
    import sys

    from tests.conftest import FRESH_BOOT

    real = time.clock_gettime(time.CLOCK_MONOTONIC)  # this process's time.monotonic may be shifted already
    env = {**os.environ, "PRAXIS_TEST_MONOTONIC_OFFSET": repr(real - 30.0), "PYTHONPATH": str(FRESH_BOOT)}
    done = subprocess.run([sys.executable, "-c", "import time; print(time.monotonic())"], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    elapsed = time.clock_gettime(time.CLOCK_MONOTONIC) - real
    assert 30.0 <= float(done.stdout) < 30.0 + elapsed + 1.0
