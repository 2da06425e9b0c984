# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emergency stop: anything but a definitely absent sentinel reads as tripped, and nothing here may hang."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.killswitch import KillSwitchState

from tests.special_files import make_unix_socket


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    return state / "emergency-stop"


def _run_bounded(func: Callable[[], object], seconds: float = 20.0) -> object:
    """Run ``func`` in a thread; fail the test (instead of hanging the suite) if it does not return."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "call hung"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


# ------------------------------------------------------------------------------------------------ round trip
def test_absent_is_clear(sentinel: Path) -> None:
    assert killswitch.is_tripped(sentinel) is False
    state = killswitch.status(sentinel)
    assert state == KillSwitchState(tripped=False)
    assert state.describe() == "emergency stop: clear"


def test_missing_state_dir_is_clear(tmp_path: Path) -> None:
    path = tmp_path / "never" / "created" / "emergency-stop"
    assert killswitch.is_tripped(path) is False
    assert killswitch.status(path).tripped is False


def test_trip_status_clear_round_trip(sentinel: Path) -> None:
    tripped = killswitch.trip(sentinel, reason="  runaway playbook  ", principal="alice@ctl")
    assert tripped.tripped is True
    assert tripped.reason == "runaway playbook"
    assert tripped.by == "alice@ctl"
    assert tripped.since.endswith("+00:00")

    assert killswitch.is_tripped(sentinel) is True
    state = killswitch.status(sentinel)
    assert state == tripped
    assert state.problem == ""
    assert "TRIPPED" in state.describe()
    assert "runaway playbook" in state.describe()
    assert "alice@ctl" in state.describe()

    previous = killswitch.clear(sentinel)
    assert previous == tripped
    assert killswitch.is_tripped(sentinel) is False
    assert not sentinel.exists()


def test_sentinel_content_is_json(sentinel: Path) -> None:
    killswitch.trip(sentinel, reason="r", principal="p")
    data = json.loads(sentinel.read_bytes())
    assert set(data) == {"reason", "since", "by", "pid"}
    assert data["reason"] == "r" and data["pid"] == os.getpid() == killswitch.status(sentinel).pid


def test_trip_twice_overwrites(sentinel: Path) -> None:
    killswitch.trip(sentinel, reason="first", principal="a")
    killswitch.trip(sentinel, reason="second", principal="b")
    assert killswitch.status(sentinel).reason == "second"


def test_trip_bounds_fields(sentinel: Path) -> None:
    state = killswitch.trip(sentinel, reason="r" * 5000, principal="p" * 5000)
    assert len(state.reason) == 500
    assert len(state.by) == 200
    assert killswitch.status(sentinel) == state


def test_trip_creates_the_state_dir(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "emergency-stop"
    killswitch.trip(path, reason="stop", principal="p")
    assert killswitch.is_tripped(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_trip_without_reason_is_refused(sentinel: Path, reason: str) -> None:
    with pytest.raises(StateError, match="reason"):
        killswitch.trip(sentinel, reason=reason, principal="p")
    assert not killswitch.is_tripped(sentinel)


def test_sentinel_mode_is_0600_even_with_umask_0(sentinel: Path) -> None:
    old = os.umask(0)
    try:
        killswitch.trip(sentinel, reason="r", principal="p")
    finally:
        os.umask(old)
    assert stat.S_IMODE(sentinel.stat().st_mode) == 0o600


def test_trip_is_atomic_no_temp_files_left(sentinel: Path) -> None:
    for index in range(5):
        killswitch.trip(sentinel, reason=f"r{index}", principal="p")
    assert sorted(p.name for p in sentinel.parent.iterdir()) == ["emergency-stop"]


def test_trip_failure_leaves_no_temp_file(sentinel: Path) -> None:
    sentinel.mkdir()
    (sentinel / "occupied").write_text("x")  # rename over a non-empty directory fails
    with pytest.raises(StateError, match="cannot write"):
        killswitch.trip(sentinel, reason="r", principal="p")
    assert sorted(p.name for p in sentinel.parent.iterdir()) == ["emergency-stop"]
    assert killswitch.is_tripped(sentinel)  # still tripped: the directory is there


def test_trip_when_state_dir_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("not a directory")
    with pytest.raises(StateError):
        killswitch.trip(blocker / "emergency-stop", reason="r", principal="p")


def test_trip_replaces_a_symlink_without_following_it(sentinel: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    sentinel.symlink_to(victim)
    killswitch.trip(sentinel, reason="r", principal="p")
    assert victim.read_text() == "keep me"
    assert not sentinel.is_symlink()
    assert killswitch.status(sentinel).reason == "r"


def test_clear_when_clear_returns_clear(sentinel: Path) -> None:
    assert killswitch.clear(sentinel).tripped is False
    assert killswitch.clear(sentinel.parent / "missing-dir" / "emergency-stop").tripped is False


def test_clear_unremovable_sentinel_raises(sentinel: Path) -> None:
    sentinel.mkdir()
    with pytest.raises(StateError, match="cannot remove"):
        killswitch.clear(sentinel)
    assert killswitch.is_tripped(sentinel)


# ------------------------------------------------------------------------------------------------ unreadable sentinels
def _make_dir(path: Path) -> None:
    path.mkdir()


def _make_dangling(path: Path) -> None:
    path.symlink_to(path.parent / "does-not-exist")


def _make_loop(path: Path) -> None:
    other = path.parent / "loop-b"
    path.symlink_to(other)
    other.symlink_to(path)


def _make_link_to_valid(path: Path) -> None:
    target = path.parent / "real"
    target.write_text(json.dumps({"reason": "x", "since": "s", "by": "b"}))
    path.symlink_to(target)


def _make_garbage(path: Path) -> None:
    path.write_bytes(b"\xff\xfe\x00garbage\x80")


def _make_empty(path: Path) -> None:
    path.write_bytes(b"")


def _make_list(path: Path) -> None:
    path.write_text("[1, 2, 3]")


def _make_string(path: Path) -> None:
    path.write_text('"tripped"')


def _make_null(path: Path) -> None:
    path.write_text("null")


def _make_huge(path: Path) -> None:
    path.write_bytes(b'{"reason": "' + b"x" * (2 * 1024 * 1024) + b'"}')


def _make_nested(path: Path) -> None:
    path.write_bytes(b"[" * 60000)  # a RecursionError for json, not a ValueError


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_socket(path: Path) -> None:
    make_unix_socket(path)


UNREADABLE = [
    _make_dir,
    _make_dangling,
    _make_loop,
    _make_link_to_valid,
    _make_garbage,
    _make_empty,
    _make_list,
    _make_string,
    _make_null,
    _make_huge,
    _make_nested,
    _make_fifo,
    _make_socket,
]


@pytest.mark.parametrize("make", UNREADABLE, ids=lambda f: f.__name__[6:])
def test_unreadable_sentinel_counts_as_tripped(sentinel: Path, make: Callable[[Path], None]) -> None:
    make(sentinel)
    assert killswitch.is_tripped(sentinel) is True
    state = _run_bounded(lambda: killswitch.status(sentinel))
    assert isinstance(state, KillSwitchState)
    assert state.tripped is True
    assert state.problem, "an unreadable sentinel must say why"
    assert len(state.problem) <= 300
    assert "sentinel unreadable" in state.describe()


@pytest.mark.parametrize("make", [_make_fifo, _make_nested, _make_garbage], ids=lambda f: f.__name__[6:])
def test_clear_removes_an_unreadable_sentinel(sentinel: Path, make: Callable[[Path], None]) -> None:
    make(sentinel)
    previous = _run_bounded(lambda: killswitch.clear(sentinel))
    assert isinstance(previous, KillSwitchState)
    assert previous.tripped is True
    assert killswitch.is_tripped(sentinel) is False


def test_enotdir_counts_as_tripped(tmp_path: Path) -> None:
    parent = tmp_path / "state"
    parent.write_text("a regular file where the state directory should be")
    path = parent / "emergency-stop"
    assert killswitch.is_tripped(path) is True
    state = killswitch.status(path)
    assert state.tripped is True
    assert "NotADirectoryError" in state.problem


def test_name_too_long_counts_as_tripped(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300)
    assert killswitch.is_tripped(path) is True
    assert killswitch.status(path).tripped is True


def test_valid_json_prefix_of_a_large_file(sentinel: Path) -> None:
    sentinel.write_bytes(b'{"reason": "big"}' + b" " * (1024 * 1024))
    state = killswitch.status(sentinel)
    assert state.tripped is True  # either way it is tripped; the content is bounded to 64 KiB
    assert state.reason in ("big", "")


def test_status_bounds_foreign_fields(sentinel: Path) -> None:
    sentinel.write_text(json.dumps({"reason": "r" * 2000, "since": "s" * 200, "by": "b" * 2000, "extra": 1}))
    state = killswitch.status(sentinel)
    assert (len(state.reason), len(state.since), len(state.by)) == (500, 64, 200)
    assert state.problem == ""


def test_status_object_without_fields(sentinel: Path) -> None:
    sentinel.write_text("{}")
    state = killswitch.status(sentinel)
    assert state.tripped is True
    assert state.reason == ""
