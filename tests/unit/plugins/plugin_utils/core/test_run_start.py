# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The start and the end of a run against resource errors: one reason and one next step, nothing half-done.

``Gate.start_run`` is where a run proves it can be audited (the adapter ends the run before its first task when it
cannot); ``finish_run`` and recovery must leave every run closed exactly once, however the disk behaves.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    read_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.runs import RunJournal
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.statedir import state_dir_problem


def _gate(state: Path) -> Gate:
    settings = load_settings({"PRAXIS_STATE_DIR": str(state), "HOME": str(state.parent)}, cwd=str(state.parent),
                             cfg=None)  # fmt: skip
    return Gate.from_settings(settings, seams=())


def _records(state: Path) -> list[dict[str, Any]]:
    path = state / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _verified(state: Path, anchor: Path | None = None) -> Any:
    """The report `praxis-gate audit verify` gives: with the state directory's public key and anchor."""
    public = state / PUBLIC_KEY_FILE
    return verify_log(
        state / "audit.jsonl",
        public_key=load_public_key(public) if public.exists() else None,
        anchor=read_anchor(anchor or state / "audit.anchor"),
    )


def _markers(state: Path) -> list[str]:
    return sorted(p.name for p in (state / "runs").glob("*")) if (state / "runs").is_dir() else []


# ------------------------------------------------------------------------------------------------ the state directory
def _world_writable(state: Path) -> tuple[str, str]:
    state.mkdir(mode=0o700)
    state.chmod(0o777)
    return "writable by group or others", "chmod 700"


def _symlink(state: Path) -> tuple[str, str]:
    real = state.with_name("real")
    real.mkdir(mode=0o700)
    state.symlink_to(real)
    return "is a symbolic link", str(real)


def _parent_is_a_file(state: Path) -> tuple[str, str]:
    state.parent.joinpath("file").write_text("x")
    return "Not a directory", "is not a directory"


@pytest.mark.parametrize("spoil", [_world_writable, _symlink, _parent_is_a_file], ids=lambda f: f.__name__[1:])
def test_an_unusable_state_directory_stops_the_start(tmp_path: Path, spoil: Callable[[Path], tuple[str, str]]) -> None:
    state = tmp_path / "state"
    reason, hint = spoil(state)
    if spoil is _parent_is_a_file:
        state = tmp_path / "file" / "state"
    with pytest.raises(StateError) as info:
        _gate(state).start_run(via="test")
    assert reason in info.value.message and hint in info.value.hint, info.value.diagnostics()


@pytest.mark.parametrize("spoil", [_world_writable, _symlink, _parent_is_a_file], ids=lambda f: f.__name__[1:])
def test_the_probe_for_status_says_what_the_start_would_say(
    tmp_path: Path, spoil: Callable[[Path], tuple[str, str]]
) -> None:
    """``state_dir_problem`` changes nothing and gives the reason and next step a run's start would give."""
    state = tmp_path / "state"
    spoil(state)
    if spoil is _parent_is_a_file:
        state = tmp_path / "file" / "state"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    problem = state_dir_problem(state)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    with pytest.raises(StateError) as info:
        _gate(state).start_run(via="test")
    assert problem is not None
    assert (problem.message.split(":")[0], problem.hint) == (info.value.message.split(":")[0], info.value.hint)


def _statvfs(flag: int, free_blocks: int) -> Callable[[Any], os.statvfs_result]:
    return lambda _: os.statvfs_result((4096, 4096, 1000, free_blocks, free_blocks, 100, 100, 100, flag, 255))


@pytest.mark.parametrize(
    ("flag", "free", "hint"),
    [(os.ST_RDONLY, 1000, "mounted read-only"), (0, 10, "free space"), (0, 1000, None)],
    ids=["read-only", "full", "fine"],
)
def test_the_probe_sees_a_read_only_or_full_filesystem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: int, free: int, hint: str | None
) -> None:
    for state in (tmp_path / "state", tmp_path / "not-yet" / "state"):  # existing, or judged by its parent
        if state.parent == tmp_path:
            state.mkdir(mode=0o700)
        monkeypatch.setattr(os, "statvfs", _statvfs(flag, free))
        problem = state_dir_problem(state)
        monkeypatch.undo()
        assert (problem.hint if problem else None) is None if hint is None else hint in problem.hint


# ------------------------------------------------------------------------------------------------ the disk
def _failing(code: int) -> Callable[..., Any]:
    def fail(*_: Any, **__: Any) -> Any:
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize(
    ("code", "hint"),
    [(errno.ENOSPC, "free space"), (errno.EROFS, "mounted read-only"), (errno.EDQUOT, "quota"),
     (errno.EMFILE, "ulimit -n"), (errno.EIO, "must be a directory you own")],
    ids=["full", "read-only", "quota", "no-descriptors", "other"],
)  # fmt: skip
@pytest.mark.parametrize("where", ["write", "open"])
def test_a_resource_error_at_the_start_names_its_one_next_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, hint: str, where: str
) -> None:
    state = tmp_path / "state"
    gate = _gate(state)
    if where == "write":
        monkeypatch.setattr(os, "write", _failing(code))
    else:
        real_open = os.open

        def open_state_files(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if str(path).startswith(str(state)) and not flags & os.O_DIRECTORY:
                raise OSError(code, os.strerror(code))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_state_files)
    with pytest.raises(StateError) as info:
        gate.start_run(via="test")
    monkeypatch.undo()
    assert os.strerror(code) in info.value.message and hint in info.value.hint, info.value.diagnostics()
    assert _markers(state) == [], "a run that did not start left a marker"
    assert not any(r["event"] == "run-start" for r in _records(state))
    if (state / "audit.jsonl").exists():
        assert _verified(state).ok
    assert not [p.name for p in state.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_exhausted_file_descriptors_stop_the_start_with_the_limit_named(tmp_path: Path) -> None:
    """For real: a child lowers its open-file limit, uses every descriptor, then starts a run."""
    program = f"""
import os, resource, sys
sys.path[:0] = {sys.path!r}
from pathlib import Path
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.statedir import state_dir_problem
state = Path({str(tmp_path / "state")!r})
gate = Gate.from_settings(load_settings({{"PRAXIS_STATE_DIR": str(state), "HOME": "/nonexistent"}}, cfg=None), seams=())
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
try:
    gate.start_run(via="test")
except StateError as exc:
    print(exc.diagnostics())
    sys.exit(3)
"""
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Too many open files" in done.stdout and "ulimit -n" in done.stdout, done.stdout


# ------------------------------------------------------------------------------------------------ the end of a run
def _decide(gate: Gate) -> None:
    gate.decide(TaskRequest(action="ansible.builtin.ping", args={}, host="web1", run_id=gate.run_id))


def test_a_run_whose_end_cannot_be_written_keeps_its_marker_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    first = _gate(state)
    assert first.start_run(via="test")
    _decide(first)
    monkeypatch.setattr(os, "write", _failing(errno.ENOSPC))
    first.finish_run()  # never raises
    monkeypatch.undo()
    assert _markers(state) == [f"{first.run_id}.json"], "the run could not be closed: its marker must stay"
    assert _verified(state).ok  # the full disk left nothing torn
    second = _gate(state)
    assert second.start_run(via="test")  # the disk has room again: the next run closes the first
    second.finish_run()
    closing = [(r["event"], r["run_id"]) for r in _records(state) if r["event"] in ("run-end", "run-aborted")]
    assert closing == [("run-aborted", first.run_id), ("run-end", second.run_id)]
    report = _verified(state)
    assert report.ok and report.open_decisions == 0, report.problem


def test_recovery_does_not_close_again_a_run_that_closed_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that wrote its run-end but could not remove its marker (a read-only directory by then): recovery
    removes the stale marker and writes nothing; a second closing record is a late record to verify."""
    state = tmp_path / "state"
    gate = _gate(state)
    assert gate.start_run(via="test")
    monkeypatch.setattr(Path, "unlink", _failing(errno.EROFS))
    gate.finish_run()
    monkeypatch.undo()
    assert _markers(state) == [f"{gate.run_id}.json"]
    journal = RunJournal(gate.audit, state)  # type: ignore[arg-type]
    assert journal.recover() == 0
    assert _markers(state) == []
    assert [r["event"] for r in _records(state) if r["event"] in ("run-end", "run-aborted")] == ["run-end"]
    assert _verified(state).ok


# ------------------------------------------------------------------------------------------------ checkpoints
def test_a_first_checkpoint_whose_anchor_cannot_be_written_is_taken_back(tmp_path: Path) -> None:
    """Otherwise the log would hold a checkpoint and no anchor, which verify reads as a cut log."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    log = AuditLog(state / "audit.jsonl", fsync=False, anchor_path=tmp_path / "no-such-dir" / "audit.anchor",
                   checkpoint_every=2)  # fmt: skip
    assert log.append({"event": "cli", "n": 1})
    assert log.append({"event": "cli", "n": 2})  # the record stands; its checkpoint is dropped
    assert log.checkpoint() is False
    assert [r["event"] for r in _records(state)] == ["cli", "cli"]
    assert _verified(state, tmp_path / "no-such-dir" / "audit.anchor").ok
    (tmp_path / "no-such-dir").mkdir(mode=0o700)
    assert log.checkpoint()  # the anchor can be written again: so can checkpoints
    assert [r["event"] for r in _records(state)] == ["cli", "cli", "checkpoint"]
    assert _verified(state, tmp_path / "no-such-dir" / "audit.anchor").ok
