# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state directory holds the audit log, its keys, the kill switch and the store: it must be ours alone.

We check ownership and permissions the way sshd's StrictModes does, because a directory someone else can write is a
directory where our audit log can be swapped for a symlink or our kill switch deleted.

Security constraints: SEC-2, SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import StateError

__all__ = [
    "check_state_dir",
    "ensure_state_dir",
    "open_private_file",
    "resource_error",
    "state_dir_problem",
    "state_file_problem",
]


def resource_error(exc: OSError, directory: Path, doing: str) -> StateError:
    """One reason and one next step for an operating-system error met while using the state directory.

    A full disk, a read-only mount, a missing directory and exhausted file descriptors each need a different fix;
    the person reading the message is usually mid-incident, so it names the one that applies."""
    where = str(directory)
    hints = {
        errno.ENOSPC: f"free space on the filesystem that holds {where} (`df -h {where}`), or set PRAXIS_STATE_DIR "
        "to a directory on another filesystem",
        errno.EDQUOT: f"the disk quota of the user running Ansible is exhausted on {where}: free space or raise the "
        "quota",
        errno.EROFS: f"the filesystem that holds {where} is mounted read-only: remount it read-write, or set "
        "PRAXIS_STATE_DIR to a writable directory",
        errno.EMFILE: "this process has no file descriptors left: raise the limit (`ulimit -n`) for the user "
        "running Ansible",
        errno.ENFILE: "the system has no file descriptors left: raise fs.file-max or stop what holds them",
        errno.ENOENT: f"create it (`mkdir -m 700 {where}`) or set PRAXIS_STATE_DIR to a directory that exists",
        errno.ENOTDIR: f"a component of {where} is not a directory: set PRAXIS_STATE_DIR to a directory you own",
        errno.EACCES: f"give the user running Ansible access to {where} (owner-only, `chmod 700`), or set "
        "PRAXIS_STATE_DIR to a directory it owns",
        errno.EPERM: f"give the user running Ansible access to {where} (owner-only, `chmod 700`), or set "
        "PRAXIS_STATE_DIR to a directory it owns",
    }
    hint = hints.get(exc.errno or 0, f"check {where} (PRAXIS_STATE_DIR): it must be a directory you own and can write")
    return StateError(f"cannot {doing}: {exc.strerror or exc}", hint=hint)


def ensure_state_dir(path: Path, *, create: bool = True) -> Path:
    """Create (0700) or validate the state directory; return its real path. StateError says what is wrong and the
    one thing to do about it.

    A symbolic link is refused like a symlinked file inside the directory is: the gate writes only where the path
    names, not wherever a link, replaceable by whoever can write its parent, points today. ``create=False`` only
    judges (``praxis-gate status``): a directory that does not exist yet is fine, since the first run creates it
    owner-only."""
    if os.path.islink(path):
        raise _symlinked(path)
    if not create and not os.path.lexists(path):
        return path
    try:
        if create:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        real = Path(os.path.realpath(path))
        info = os.stat(real)
    except OSError as exc:
        raise resource_error(exc, path, f"use the state directory {path}") from exc
    _judge(path, real, info)
    return real


def check_state_dir(path: Path) -> None:
    """``ensure_state_dir`` for a writer that opens a file in the directory by path, in every process that writes
    (each forked worker of a run): the same checks and the same errors, for the usual case in one ``lstat``.

    A directory that is not a symbolic link, is ours and is writable by nobody else is what ``ensure_state_dir``
    accepts without creating anything (its ``stat`` of the resolved path finds this same directory), so it is
    accepted here without resolving the path component by component. Anything else (missing, a link, not a
    directory, someone else's, group- or world-writable, or a failing ``lstat``) goes through ``ensure_state_dir``,
    which creates it or raises the StateError that names the problem."""
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    if (
        info is not None
        and stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        return
    ensure_state_dir(path)


def _symlinked(path: Path) -> StateError:
    target = os.path.realpath(path)
    return StateError(
        f"the state directory {path} is a symbolic link (to {target})",
        hint=f"set PRAXIS_STATE_DIR to the directory itself ({target}) if it is yours",
    )


def _judge(path: Path, real: Path, info: os.stat_result) -> None:
    """StateError unless ``info`` (of ``real``) is a directory owned by us and writable by nobody else."""
    if not stat.S_ISDIR(info.st_mode):
        raise StateError(f"the state directory {path} is not a directory", hint="point PRAXIS_STATE_DIR elsewhere")
    if info.st_uid != os.geteuid():
        raise StateError(
            f"the state directory {real} belongs to uid {info.st_uid}, not to the user running the gate "
            f"(uid {os.geteuid()})",
            hint="each user needs a state directory of their own; set PRAXIS_STATE_DIR",
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise StateError(
            f"the state directory {real} is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})",
            hint=f"chmod 700 {real}",
        )


def state_dir_problem(path: Path, *, min_free: int = 1024 * 1024) -> StateError | None:
    """What would stop a run at its start, found without changing anything (for ``praxis-gate status``): the same
    reasons and next steps ``ensure_state_dir`` and a run's start give, or None.

    Checks what can be seen from outside: a symbolic link, not a directory, the owner, the mode, a read-only mount,
    and less than ``min_free`` bytes free. A directory that does not exist yet is judged by the nearest existing
    parent (the run will create it there)."""
    if os.path.islink(path):
        return _symlinked(path)
    existing = path
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    try:
        info = os.stat(existing)
        space = os.statvfs(existing)
    except OSError as exc:
        return resource_error(exc, path, f"use the state directory {path}")
    if existing == path:
        try:
            _judge(path, path, info)
        except StateError as exc:
            return exc
    elif not stat.S_ISDIR(info.st_mode):
        return resource_error(
            OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)), path, f"use the state directory {path}"
        )
    if space.f_flag & os.ST_RDONLY:
        return resource_error(OSError(errno.EROFS, os.strerror(errno.EROFS)), path, f"write to {path}")
    if space.f_bavail * space.f_frsize < min_free:
        return resource_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path, f"write to {path}")
    return None


def state_file_problem(path: Path) -> StateError | None:
    """A file of the gate's in the state directory that every run would refuse to open (for ``praxis-gate
    status``): something planted at its path that is a symbolic link or not a regular file. The gate opens its files
    with ``open_private_file`` (never through a link, never a FIFO or device), so such a file stops every run; status
    says so before a run finds out. A file that does not exist yet is fine: the run creates it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return resource_error(exc, path, f"read {path}")
    if stat.S_ISLNK(info.st_mode):
        what = f"a symbolic link (to {os.path.realpath(path)})"
    elif not stat.S_ISREG(info.st_mode):
        what = "not a regular file"
    else:
        return None
    return StateError(
        f"{path} is {what}: the gate never writes through one, so every run stops",
        hint=f"move {path} aside (keep it as evidence if you did not put it there); the next run starts a new one",
    )


def open_private_file(path: Path, flags: int) -> int:
    """Open a file owner-only whatever the umask, never through a symlink; return the descriptor.

    ``O_NOFOLLOW`` makes a symlink planted at the path fail with ELOOP instead of redirecting our writes, and the
    fchmod after opening fixes the mode even if the umask was permissive or the file pre-existed with a looser one.
    ``O_NONBLOCK`` (cleared again once the file is known to be regular) keeps a FIFO planted at the path from hanging
    the open, and ``O_NOCTTY`` keeps a terminal device from becoming our controlling terminal before it is refused.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY, 0o600)
    except OSError as exc:
        if os.path.islink(path):
            raise StateError(
                f"refusing to open {path}: it is a symbolic link",
                hint="remove the link; the gate only writes to a regular file it owns",
            ) from exc
        raise resource_error(exc, path.parent, f"open {path}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StateError(f"refusing to use {path}: not a regular file", hint="remove it")
        if info.st_uid != os.geteuid():
            raise StateError(f"refusing to use {path}: owned by uid {info.st_uid}", hint="remove it or fix ownership")
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
        if not flags & os.O_NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
