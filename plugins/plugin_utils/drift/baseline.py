# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The identity of a baseline: what a convergence request was measured against, so converge can tell whether it
still holds.

The baseline is the playbook's project (its directory, as Ansible resolves roles, files, templates and vars relative
to it), the inventory sources and the group_vars/host_vars beside them. Each is a content digest: every regular file
by its relative path, its bytes and whether it is executable; a symbolic link by its target. Version-control and
cache directories are left out. The SCM revision (git) is recorded when there is one, for people; the digest does
not depend on it, so the same content checked out elsewhere (AWX copies the project for every job) is the same
baseline, and an uncommitted edit is a different one.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.errors import ConfigError
from .model import Baseline

__all__ = ["MAX_BYTES", "MAX_FILES", "compute_baseline", "extra_vars_arguments", "tree_digest"]

MAX_FILES = 20_000
MAX_BYTES = 512 * 1024 * 1024
_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".tox", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
     ".ansible", ".cache"}
)  # fmt: skip
_VARS_DIRS = ("group_vars", "host_vars")


class _Budget:
    """One bound for the whole baseline: a playbook in a home directory must not make a scan read the disk."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0

    def take(self, size: int, where: Path) -> None:
        self.files += 1
        self.bytes += size
        if self.files > MAX_FILES or self.bytes > MAX_BYTES:
            raise ConfigError(
                f"the baseline under {where} is larger than a drift scan reads ({MAX_FILES} files, "
                f"{MAX_BYTES // (1024 * 1024)} MiB)",
                hint="keep the playbook in a project directory of its own (its roles, files, templates and vars)",
            )


def _entries(root: Path, budget: _Budget) -> Iterable[tuple[str, str]]:
    """(relative path, digest of what is there) for every file under ``root``, in a stable order. Symbolic links
    are recorded by their target and never followed."""
    for directory, dirs, files in os.walk(root, followlinks=False):
        kept = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".venv"))
        links = [d for d in kept if os.path.islink(os.path.join(directory, d))]
        dirs[:] = [d for d in kept if d not in links]
        for name in sorted([*files, *links]):
            path = Path(directory, name)
            entry = _entry(path, budget)
            if entry is not None:
                yield path.relative_to(root).as_posix(), entry


def _entry(path: Path, budget: _Budget) -> str | None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return "link:" + os.readlink(path)
        if not stat.S_ISREG(info.st_mode):
            return None
        budget.take(info.st_size, path)
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot read {path} for the baseline: {exc.strerror or exc}",
                          hint="every file of the baseline must be readable") from exc  # fmt: skip
    return ("x" if info.st_mode & 0o111 else "-") + digest.hexdigest()


def tree_digest(root: Path, budget: _Budget | None = None) -> tuple[str, int]:
    """sha256 over every (path, content) under ``root``; (digest, number of entries). A file digests as itself."""
    budget = budget or _Budget()
    digest = hashlib.sha256()
    count = 0
    entries: Iterable[tuple[str, str | None]]
    if root.is_dir():
        entries = _entries(root, budget)
    elif root.exists():
        entries = [("", _entry(root, budget))]  # a single file by its content only, wherever it is
    else:
        entries = [(str(root), "absent")]
    for relative, content in entries:
        digest.update(json.dumps([relative, content]).encode() + b"\n")
        count += 1
    return digest.hexdigest(), count


def _inventory_paths(sources: Sequence[str]) -> list[str]:
    """Inventory sources as given: paths made absolute; a host list (``web1,web2,``) stays as it is."""
    resolved: list[str] = []
    for source in sources:
        if "," in source and not os.path.exists(source):
            resolved.append(source)
        else:
            resolved.append(os.path.abspath(os.path.expanduser(source)))
    return resolved


def _scm_revision(root: Path) -> str | None:
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=20, check=False)  # fmt: skip
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "."], capture_output=True,
                                text=True, timeout=20, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    revision = head.stdout.strip()
    return revision + ("+dirty" if status.returncode == 0 and status.stdout.strip() else "")


def extra_vars_arguments(extra_vars: Sequence[str]) -> list[str]:
    """``-e`` values as ansible-playbook takes them, ``@file`` made absolute (the run starts in the project)."""
    return [f"@{os.path.abspath(os.path.expanduser(v[1:]))}" if v.startswith("@") else v for v in extra_vars]


def compute_baseline(
    playbook: Path,
    inventory: Sequence[str],
    *,
    name: str | None = None,
    scm_revision: str | None = None,
    extra_vars: Sequence[str] = (),
) -> Baseline:
    """Digest the playbook's project, the inventory sources and the vars beside them, and the run's extra vars (their
    digest only: extra vars may hold secrets, and the store never sees them)."""
    playbook = Path(os.path.abspath(os.path.expanduser(str(playbook))))
    if not playbook.is_file():
        raise ConfigError(f"the playbook {playbook} does not exist", hint="give the baseline playbook's path")
    if not inventory:
        raise ConfigError("a drift scan needs an inventory (-i)", hint="the same inventory the baseline is run with")
    root = playbook.parent
    budget = _Budget()
    project, files = tree_digest(root, budget)
    sources = _inventory_paths(inventory)
    inventory_parts: list[tuple[str, str]] = []
    vars_parts: list[tuple[str, str]] = []
    vars_dirs: set[Path] = set()
    for source in sources:
        path = Path(source)
        if not path.is_absolute():
            inventory_parts.append((source, hashlib.sha256(source.encode()).hexdigest()))
            continue
        if not path.exists():
            raise ConfigError(f"the inventory source {source} does not exist", hint="check -i")
        inventory_parts.append((source, tree_digest(path, budget)[0]))
        base = path if path.is_dir() else path.parent
        vars_dirs.update(base / d for d in _VARS_DIRS)
    vars_dirs.update(root / d for d in _VARS_DIRS)
    for directory in sorted(vars_dirs):
        if directory.exists():
            vars_parts.append((str(directory), tree_digest(directory, budget)[0]))
    # Digest content, not locations: the same project checked out elsewhere is the same baseline.
    inventory_digest = _digest([content for _unused, content in inventory_parts])
    vars_digest = _digest(sorted(content for _unused, content in vars_parts))
    if extra_vars:
        extras = []
        for value in extra_vars_arguments(extra_vars):
            if value.startswith("@"):
                if not Path(value[1:]).is_file():
                    raise ConfigError(f"the extra vars file {value[1:]} does not exist", hint="check -e @FILE")
                extras.append(tree_digest(Path(value[1:]), budget)[0])
            else:
                extras.append(hashlib.sha256(value.encode()).hexdigest())
        vars_digest = _digest([vars_digest, "extra-vars", *extras])  # in order: a later -e wins
    playbook_in_project = playbook.relative_to(root).as_posix()
    digest = _digest([playbook_in_project, project, inventory_digest, vars_digest])
    return Baseline(
        name=name or playbook.name,
        digest=digest,
        project_digest=project,
        inventory_digest=inventory_digest,
        vars_digest=vars_digest,
        scm_revision=scm_revision if scm_revision is not None else _scm_revision(root),
        playbook=str(playbook),
        inventory=tuple(sources),
        files=files,
    )


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()
