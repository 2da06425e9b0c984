# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller files a task copies to its host, read so that the deny list sees what they hold.

``copy content=...`` is deny-scanned like every string argument: a unit file, a cron table or a script written
from it runs later, and a deny-class command in it is refused. ``copy src=files/x.service`` and ``template
src=x.j2`` write the same bytes from a file on the controller, which the task's arguments do not show. The adapter
resolves the source the way the action does (``adapter/requests.controller_paths``) and this module reads it,
bounded, so that the policy can scan it as it scans ``content`` (``policy.evaluate``; a template is read as its
text, before rendering).

What is not read, and why that is not rounded up: a file larger than :data:`MAX_FILE_BYTES`, a binary file (a NUL
byte in its first line, or in bytes that are not UTF-8: see ``_binary``), a tree beyond :data:`MAX_FILES` files or
:data:`MAX_TOTAL_BYTES`, and anything that cannot be opened. A copy of a large archive or a package is an ordinary
task; refusing or asking approval for it would be a false refusal, and its destination still decides its tier (a
unit or cron file is T2 or more). The threat model lists this as a known limit.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..policy import _controller
from ..policy._modules import truthy
from .limits import InputRejected, read_bounded

__all__ = [
    "CONTROLLER_SOURCES", "MAX_FILES", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "SCRIPT_LIMIT", "copied_sources",
    "named_sources", "script_files", "source_path",
]  # fmt: skip

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 64
MAX_TOTAL_BYTES = 2 * 1024 * 1024
MAX_DIRECTORIES = 256
# The actions that write a controller file's bytes (or a template's rendering) to the host, by the option that names
# it (adapter/requests.controller_paths resolves it; a directory ends with "/").
COPYING_ACTIONS: Mapping[str, str] = {"ansible.builtin.copy": "src", "ansible.builtin.template": "src"}
# Actions that read a controller file: the option that names it and the subdirectory of the task's search path the
# action looks in (``script`` names its program in ``cmd`` or the free-form's first word, under ``files``).
CONTROLLER_SOURCES: Mapping[str, tuple[str, str]] = {
    "ansible.builtin.copy": ("src", "files"),
    "ansible.builtin.template": ("src", "templates"),
    "ansible.builtin.assemble": ("src", "files"),
    "ansible.builtin.unarchive": ("src", "files"),
    "ansible.builtin.uri": ("src", "files"),
    "ansible.builtin.include_vars": ("file", "vars"),
}
SCRIPT_LIMIT = 1024 * 1024  # a script payload larger than this is classified by name only (content None)


def named_sources(action: str, args: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The controller files ``action`` reads with ``args``, as option -> (search subdirectory, path as given): the
    ``script`` program, and each source option of :data:`CONTROLLER_SOURCES` the action reads on the controller (not
    with ``remote_src``, ``assemble``'s default, ``unarchive copy=false``, or a URL). The caller resolves each path
    the way it can: the adapter on the task's search path, ``praxis-gate check`` from the current directory."""
    if action == "ansible.builtin.script":
        source = str(args.get("cmd") or args.get("_raw_params") or "").strip().split(" ", 1)[0]
        return {"cmd": ("files", source)} if source else {}
    if action not in CONTROLLER_SOURCES:
        return {}
    option, subdir = CONTROLLER_SOURCES[action]
    remote = truthy(args.get("remote_src", action == "ansible.builtin.assemble")) or (
        action == "ansible.builtin.unarchive" and not truthy(args.get("copy", True))
    )
    given = args.get(option) or (args.get("_raw_params") if action == "ansible.builtin.include_vars" else None)
    if isinstance(given, str) and given and not remote and "://" not in given:
        return {option: (subdir, given)}
    return {}


def source_path(path: str) -> str:
    """``path`` resolved on this controller through every symlink (``policy/_controller.resolve``), a directory
    ending with ``/`` (``copy`` then places the whole tree): how the adapter and ``praxis-gate check`` both report a
    controller source. Raises ValueError for a path no system call accepts (a NUL)."""
    resolved = _controller.resolve(path)
    return resolved + "/" if os.path.isdir(resolved) and not resolved.endswith("/") else resolved


def script_files(action: str, controller_paths: Mapping[str, str]) -> dict[str, bytes | None]:
    """The program ``script`` ships and runs (path -> bytes), read so that its content is classified; None for one
    that cannot be read, is too large or is not a regular file (classified without its content, which rounds up:
    T3). Never blocks: a FIFO named by the playbook would otherwise hang the reader."""
    if action != "ansible.builtin.script":
        return {}
    path = controller_paths.get("cmd")
    if not path:
        return {"<missing>": None}
    try:
        return {path: read_bounded(path, max_bytes=SCRIPT_LIMIT, what="the script")}
    except (InputRejected, OSError, ValueError):
        return {path: None}


def copied_sources(action: str, controller_paths: Mapping[str, str]) -> dict[str, bytes]:
    """The text files ``action`` copies from the controller (path -> bytes), for the paths the adapter resolved;
    empty for other actions. Never raises: what cannot be read is left out (see the module docstring)."""
    try:
        return _read(action, controller_paths)
    except Exception:  # (a path no system call accepts: a NUL, a lone surrogate) what cannot be read is left out
        return {}


def _read(action: str, controller_paths: Mapping[str, str]) -> dict[str, bytes]:
    option = COPYING_ACTIONS.get(action)
    path = controller_paths.get(option) if option else None
    if not path:
        return {}
    found: dict[str, bytes] = {}
    candidates = _tree(path) if path.endswith("/") else [path]
    total = 0
    for candidate in candidates[:MAX_FILES]:
        try:
            data = read_bounded(candidate, max_bytes=MAX_FILE_BYTES, what="the copied file")
        except (InputRejected, OSError, ValueError):
            continue
        if _binary(data) or total + len(data) > MAX_TOTAL_BYTES:
            continue
        total += len(data)
        found[candidate] = data
    return found


def _binary(data: bytes) -> bool:
    """A file no shell or configuration parser reads as text: a NUL in its first line (bash refuses to run such a
    file) or a NUL in bytes that are not UTF-8 (an archive, an image). A NUL further into UTF-8 text does not make it
    binary: bash skips it, and the analyser drops it as bash does."""
    if b"\x00" not in data:
        return False
    first_line = data.split(b"\n", 1)[0]
    if b"\x00" in first_line:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _tree(directory: str) -> list[str]:
    """The regular files below ``directory`` (links followed, as ``copy`` follows them by default), in sorted order,
    at most :data:`MAX_FILES` + 1 of them; each directory is visited once (a link back to a parent is a loop) and at
    most :data:`MAX_DIRECTORIES` are."""
    files: list[str] = []
    pending = [directory]
    seen: set[tuple[int, int]] = set()
    while pending and len(seen) < MAX_DIRECTORIES:
        current = pending.pop(0)
        try:  # (OSError, or ValueError for a path with a NUL)
            info = os.stat(current)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except (OSError, ValueError):
            continue
        for entry in entries:
            try:
                if entry.is_dir():
                    pending.append(entry.path)
                elif entry.is_file():
                    files.append(entry.path)
            except OSError:
                continue
            if len(files) > MAX_FILES:
                return files
    return files
