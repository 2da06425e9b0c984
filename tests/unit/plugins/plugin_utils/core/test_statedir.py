# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state directory and its files must be ours alone (StrictModes-style checks)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.statedir import (
    check_state_dir,
    ensure_state_dir,
    open_private_file,
    state_file_problem,
)

from tests.special_files import make_unix_socket

NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another uid needs root")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _bounded(func: Callable[[], int], seconds: float = 20.0) -> int:
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "open hung"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    value = box["value"]
    assert isinstance(value, int)
    return value


# ------------------------------------------------------------------------------------------------ ensure_state_dir
def test_creates_private_directory(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state"
    old = os.umask(0)
    try:
        real = ensure_state_dir(path)
    finally:
        os.umask(old)
    assert real == Path(os.path.realpath(path))
    assert path.is_dir()
    assert _mode(path) == 0o700


def test_existing_private_directory_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    assert ensure_state_dir(path) == path
    assert ensure_state_dir(path) == path  # idempotent


def test_group_readable_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.mkdir()
    os.chmod(path, 0o750)
    assert ensure_state_dir(path) == path


@pytest.mark.parametrize("mode", [0o770, 0o702, 0o777, 0o1777, 0o720])
def test_group_or_world_writable_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "state"
    path.mkdir()
    os.chmod(path, mode)
    with pytest.raises(StateError, match="writable by group or others") as info:
        ensure_state_dir(path)
    assert "chmod 700" in info.value.hint


@needs_root
def test_directory_of_another_uid_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    os.chown(path, NOBODY, NOBODY)
    with pytest.raises(StateError, match=f"belongs to uid {NOBODY}"):
        ensure_state_dir(path)


def _own(path: Path) -> None:
    path.mkdir(mode=0o700)


def _foreign(path: Path) -> None:
    path.mkdir(mode=0o700)
    os.chown(path, NOBODY, NOBODY)


def _writable(path: Path) -> None:
    path.mkdir()
    os.chmod(path, 0o777)


def _dangling(path: Path) -> None:
    pass


@pytest.mark.parametrize("target", [_own, _foreign, _writable, _dangling], ids=lambda f: f.__name__.strip("_"))
def test_a_symlink_as_the_state_directory_is_refused_whatever_it_points_at(tmp_path: Path, target: Any) -> None:
    """The gate writes where PRAXIS_STATE_DIR names, not wherever a link (replaceable by whoever can write its
    parent) points today; the next step names the real directory, for an operator whose link was deliberate."""
    if target is _foreign and os.geteuid() != 0:
        pytest.skip("chown to another uid needs root")
    real = tmp_path / "real"
    target(real)
    link = tmp_path / "state"
    link.symlink_to(real)
    with pytest.raises(StateError, match="is a symbolic link") as info:
        ensure_state_dir(link)
    assert str(real) in info.value.hint


def test_regular_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state"
    path.write_text("x")
    with pytest.raises(StateError, match="cannot use the state directory"):
        ensure_state_dir(path)


def test_parent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "file"
    parent.write_text("x")
    with pytest.raises(StateError):
        ensure_state_dir(parent / "state")


# ------------------------------------------------------------------------------------------------ open_private_file
@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    return path


def test_creates_0600_whatever_the_umask(state: Path) -> None:
    target = state / "f"
    old = os.umask(0)
    try:
        fd = open_private_file(target, os.O_RDWR | os.O_CREAT)
    finally:
        os.umask(old)
    try:
        os.write(fd, b"data")
    finally:
        os.close(fd)
    assert _mode(target) == 0o600
    assert target.read_bytes() == b"data"


@pytest.mark.parametrize("mode", [0o644, 0o666, 0o777, 0o4755, 0o400])
def test_fixes_a_looser_or_odd_mode(state: Path, mode: int) -> None:
    target = state / "f"
    target.write_text("x")
    os.chmod(target, mode)
    os.close(open_private_file(target, os.O_RDONLY))
    assert _mode(target) == 0o600


def test_descriptor_is_blocking_and_cloexec(state: Path) -> None:
    fd = open_private_file(state / "f", os.O_RDWR | os.O_CREAT)
    try:
        assert os.get_blocking(fd) is True
        assert os.get_inheritable(fd) is False
    finally:
        os.close(fd)


def test_refuses_symlink_to_a_file(state: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("original")
    os.chmod(victim, 0o644)
    link = state / "audit.jsonl"
    link.symlink_to(victim)
    with pytest.raises(StateError, match="symbolic link") as info:
        open_private_file(link, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    assert "remove the link" in info.value.hint
    assert victim.read_text() == "original"
    assert _mode(victim) == 0o644  # not chmodded through the link


def test_refuses_dangling_symlink_without_creating_its_target(state: Path, tmp_path: Path) -> None:
    target = tmp_path / "created-through-link"
    link = state / "audit.jsonl"
    link.symlink_to(target)
    with pytest.raises(StateError, match="symbolic link"):
        open_private_file(link, os.O_RDWR | os.O_CREAT)
    assert not target.exists()


def test_refuses_symlink_with_exclusive_create(state: Path, tmp_path: Path) -> None:
    link = state / "key"
    link.symlink_to(tmp_path / "x")
    with pytest.raises(StateError):
        open_private_file(link, os.O_WRONLY | os.O_CREAT | os.O_EXCL)


@pytest.mark.parametrize("flags", [os.O_RDONLY, os.O_WRONLY, os.O_RDWR | os.O_APPEND | os.O_CREAT])
def test_refuses_fifo_without_hanging(state: Path, flags: int) -> None:
    fifo = state / "audit.jsonl"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(StateError):
        _bounded(lambda: open_private_file(fifo, flags))


def test_refuses_directory(state: Path) -> None:
    (state / "d").mkdir()
    with pytest.raises(StateError):
        open_private_file(state / "d", os.O_RDONLY)


def test_refuses_socket(state: Path) -> None:
    path = state / "sock"
    make_unix_socket(path)
    with pytest.raises(StateError):
        _bounded(lambda: open_private_file(path, os.O_RDONLY))


def test_refuses_character_device(state: Path) -> None:
    with pytest.raises(StateError, match="not a regular file"):
        _bounded(lambda: open_private_file(Path("/dev/null"), os.O_RDWR))


@needs_root
def test_refuses_file_of_another_uid(state: Path) -> None:
    target = state / "f"
    target.write_text("x")
    os.chmod(target, 0o644)
    os.chown(target, NOBODY, NOBODY)
    with pytest.raises(StateError, match=f"owned by uid {NOBODY}"):
        open_private_file(target, os.O_RDONLY)
    assert _mode(target) == 0o644  # refused before touching it


def test_missing_file_without_create(state: Path) -> None:
    with pytest.raises(StateError, match="cannot open"):
        open_private_file(state / "missing", os.O_RDONLY)


def test_exclusive_create_on_existing_file(state: Path) -> None:
    (state / "f").write_text("x")
    with pytest.raises(StateError, match="cannot open"):
        open_private_file(state / "f", os.O_WRONLY | os.O_CREAT | os.O_EXCL)


def test_no_descriptor_leak_on_refusal(state: Path) -> None:
    (state / "d").mkdir()
    before = len(os.listdir("/proc/self/fd"))
    for _repeat in range(20):
        with pytest.raises(StateError):
            open_private_file(state / "d", os.O_RDONLY)
    assert len(os.listdir("/proc/self/fd")) == before


def test_judging_only_creates_nothing_and_still_refuses(tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    assert ensure_state_dir(missing, create=False) == missing and not missing.exists()
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    with pytest.raises(StateError, match="writable by group or others"):
        ensure_state_dir(loose, create=False)


def _planted_link(path: Path) -> None:
    (path.parent / "elsewhere.jsonl").write_text("")
    path.symlink_to(path.parent / "elsewhere.jsonl")


@pytest.mark.parametrize(
    ("plant", "said"),
    [
        (_planted_link, "is a symbolic link"),
        (lambda path: path.symlink_to(path.parent / "missing"), "is a symbolic link"),
        (os.mkfifo, "is not a regular file"),
        (make_unix_socket, "is not a regular file"),
        (lambda path: path.mkdir(), "is not a regular file"),
        (lambda path: path.write_text("{}\n"), None),  # positive control: the gate's own regular file
        (lambda path: None, None),  # not there yet: the run creates it
    ],
)
def test_status_names_a_state_file_every_run_would_refuse(
    state: Path, plant: Callable[[Path], Any], said: str | None
) -> None:
    path = state / "audit.jsonl"
    plant(path)
    problem = state_file_problem(path)  # lstat only: a FIFO cannot block it
    if said is None:
        assert problem is None
    else:
        assert problem is not None and said in problem.message and str(path) in problem.message
        assert problem.hint and "move" in problem.hint


def _state_dir_cases(tmp_path: Path) -> dict[str, Path]:
    """Every kind of state directory the two checks meet: usable, missing, a link (to a usable directory, to a
    missing one), a file, a FIFO, group- and world-writable, someone else's (as root), below a linked parent."""
    cases: dict[str, Path] = {}
    good = tmp_path / "good"
    good.mkdir(mode=0o700)
    cases["usable"] = good
    cases["missing"] = tmp_path / "missing" / "state"
    cases["link"] = tmp_path / "link"
    cases["link"].symlink_to(good)
    cases["dangling link"] = tmp_path / "dangling"
    cases["dangling link"].symlink_to(tmp_path / "nowhere")
    cases["file"] = tmp_path / "file"
    cases["file"].write_text("x")
    cases["fifo"] = tmp_path / "fifo"
    os.mkfifo(cases["fifo"])
    for name, mode in (("group-writable", 0o770), ("world-writable", 0o707), ("sticky world", 0o1777)):
        cases[name] = tmp_path / name
        cases[name].mkdir()
        os.chmod(cases[name], mode)
    if os.geteuid() == 0:
        cases["someone else's"] = tmp_path / "other"
        cases["someone else's"].mkdir(mode=0o700)
        os.chown(cases["someone else's"], NOBODY, NOBODY)
    parent = tmp_path / "parent-link"
    parent.symlink_to(tmp_path)
    cases["linked parent"] = parent / "good"
    return cases


def _judged(check: Callable[[Path], object], path: Path) -> tuple[str, str]:
    try:
        check(path)
    except StateError as exc:
        return "refused", f"{exc} / {exc.hint}"
    return "accepted", oct(os.lstat(path).st_mode)


@pytest.mark.parametrize("case", ["usable", "missing", "link", "dangling link", "file", "fifo", "group-writable",
                                  "world-writable", "sticky world", "someone else's", "linked parent"])  # fmt: skip
def test_check_state_dir_judges_as_ensure_state_dir(tmp_path: Path, case: str) -> None:
    """The writer's per-process check (one lstat for a usable directory) accepts exactly what ensure_state_dir
    accepts, creates what it creates, and refuses the rest with the same reason and next step."""
    theirs_root, ours_root = tmp_path / "a", tmp_path / "b"
    theirs_root.mkdir()
    ours_root.mkdir()
    theirs = _state_dir_cases(theirs_root)
    ours = _state_dir_cases(ours_root)
    if case not in theirs:
        pytest.skip("needs root")
    expected = _judged(ensure_state_dir, theirs[case])
    found = _judged(check_state_dir, ours[case])
    assert found == (expected[0], expected[1].replace(str(theirs_root), str(ours_root)))
    assert expected[0] == ("accepted" if case in ("usable", "missing", "linked parent") else "refused")
