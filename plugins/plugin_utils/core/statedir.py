# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state directory holds the audit log, its keys, the kill switch and the store: it must be ours alone.

We check ownership and permissions the way sshd's StrictModes does, because a directory someone else can write is a
directory where our audit log can be swapped for a symlink or our kill switch deleted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import StateError

__all__ = ["ensure_state_dir", "open_private_file"]


def ensure_state_dir(path: Path, *, create: bool = True) -> Path:
    """Create (0700) or validate the state directory; return its real path.

    ``create=False`` only judges (``praxis-gate status``): a directory that does not exist yet is fine, since the first
    run creates it owner-only."""
    if not create and not os.path.lexists(path):
        return path
    try:
        if create:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        real = Path(os.path.realpath(path))
        info = os.stat(real)
    except OSError as exc:
        raise StateError(
            f"cannot use the state directory {path}: {exc.strerror or exc}",
            hint="set PRAXIS_STATE_DIR to a directory you own, or fix the permissions of this one",
        ) from exc
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
    return real


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
        raise StateError(f"cannot open {path}: {exc.strerror or exc}", hint="check the state directory") from exc
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
