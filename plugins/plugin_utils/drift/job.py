# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-off between `praxis-gate drift` and the gated ansible-playbook run it starts.

The CLI writes a job file into the owner-only state directory (``drift/<id>.json``) and starts ansible-playbook with
``PRAXIS_DRIFT_JOB=<id>``; the gate in that run reads the job when it arms, and every worker appends one line per
task execution to the job's spool (``drift/<id>.jsonl``): digests and redacted summaries, never a diff or an output.
The CLI reads the spool back, then removes both files.

A job can only make a run stricter, never looser: a scan, a re-check or an approval request puts the whole run under
the readonly ceiling (only check-mode dry runs and T0 reads pass); an apply lets exactly its target tasks on their
hosts run for real, each through a human approval whatever its tier, and holds every other task to readonly. Setting
the variable by hand gains nothing: without a job file written by the operator's own CLI the gate refuses to arm.

Security constraints: SEC-3, SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import enum
import json
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import StateError
from ..core.limits import MAX_JSON_DEPTH, bounded_lines, json_depth_exceeds, load_json, read_bounded
from ..core.statedir import ensure_state_dir, open_private_file

__all__ = ["JOB_VARIABLE", "DriftJob", "JobKind", "Target", "relative_task_path"]

JOB_VARIABLE = "PRAXIS_DRIFT_JOB"
_DIRECTORY = "drift"
_MAX_JOB = 4 * 1024 * 1024  # a job names its targets: a few hundred bytes each
_MAX_LINE = 64 * 1024
_MAX_SPOOL = 256 * 1024 * 1024


class JobKind(enum.StrEnum):
    """What the run is for."""

    SCAN = "scan"  # observe every task: readonly ceiling, nothing recorded for approval
    VERIFY = "verify"  # re-check the targets (the same as a scan, read for the targets only)
    REQUEST = "request"  # re-check the targets and raise one approval request for them
    APPLY = "apply"  # run exactly the targets for real, each through a presented approval

    @property
    def readonly(self) -> bool:
        return self is not JobKind.APPLY


@dataclass(frozen=True, slots=True)
class Target:
    """A task (by its path in the baseline) on a host."""

    host: str
    task_path: str


@dataclass(frozen=True, slots=True)
class DriftJob:
    job_id: str
    kind: JobKind
    root: str  # the baseline's project directory: task paths are recorded relative to it
    targets: tuple[Target, ...] = ()

    @classmethod
    def new(cls, kind: JobKind, *, root: Path, targets: Sequence[Target] = ()) -> DriftJob:
        return cls(secrets.token_hex(16), kind, str(root), tuple(targets))

    def is_target(self, host: str, task_path: str) -> bool:
        return any(t.host == host and t.task_path == task_path for t in self.targets)

    # ---------------------------------------------------------------------------------------------- files
    @staticmethod
    def directory(state_dir: Path) -> Path:
        return state_dir / _DIRECTORY

    def path(self, state_dir: Path) -> Path:
        return self.directory(state_dir) / f"{self.job_id}.json"

    def spool(self, state_dir: Path) -> Path:
        return self.directory(state_dir) / f"{self.job_id}.jsonl"

    def write(self, state_dir: Path) -> Path:
        """Write the job (owner-only, never through a link) and an empty spool for its workers."""
        directory = self.directory(ensure_state_dir(state_dir))
        directory.mkdir(mode=0o700, exist_ok=True)
        body = json.dumps({
            "job": self.job_id, "kind": self.kind.value, "root": self.root,
            "targets": [{"host": t.host, "task_path": t.task_path} for t in self.targets],
        }).encode()  # fmt: skip
        for path, content in ((self.path(state_dir), body), (self.spool(state_dir), b"")):
            fd = open_private_file(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            try:
                os.write(fd, content)
            finally:
                os.close(fd)
        return self.path(state_dir)

    def remove(self, state_dir: Path) -> None:
        for path in (self.path(state_dir), self.spool(state_dir)):
            path.unlink(missing_ok=True)

    @classmethod
    def load(cls, state_dir: Path, job_id: str) -> DriftJob:
        """The job a run was started for; StateError when it is missing or malformed (the gate then refuses)."""
        path = cls.directory(state_dir) / f"{job_id}.json"
        try:
            # Bounded like every reader of input (core/limits.py): size on the bytes read, depth before parsing.
            raw = read_bounded(path, max_bytes=_MAX_JOB, what="the job file", follow_symlinks=False)
            if os.stat(path, follow_symlinks=False).st_uid != os.geteuid():  # the state directory is owner-only
                raise ValueError("the job file is not this user's")
            data = load_json(raw, max_bytes=_MAX_JOB, what="the job file")
            if not isinstance(data, dict) or not isinstance(data.get("targets", []), list):
                raise ValueError("not a job object")
            kind = JobKind(data["kind"])
            targets = tuple(_target(t) for t in data.get("targets", ()))
            if data.get("job") != job_id or not isinstance(data.get("root"), str):
                raise ValueError("job id or root")
        except (StateError, OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                f"this run names drift job {job_id} (PRAXIS_DRIFT_JOB), but its job file {path} cannot be used: {exc}",
                hint="drift jobs are started by `praxis-gate drift scan|converge`; unset PRAXIS_DRIFT_JOB otherwise",
            ) from exc
        if kind is not JobKind.SCAN and not targets:
            raise StateError(f"drift job {job_id} ({kind.value}) names no target", hint="start it with the CLI")
        return cls(job_id, kind, data["root"], targets)

    # ---------------------------------------------------------------------------------------------- spool
    def append(self, state_dir: Path, record: Mapping[str, Any]) -> None:
        """One line, one write, O_APPEND: lines of concurrent workers never interleave."""
        line = json.dumps(record, sort_keys=True, default=str, ensure_ascii=True).encode() + b"\n"
        if len(line) > _MAX_LINE or json_depth_exceeds(line, MAX_JSON_DEPTH):
            line = json.dumps({"type": "oversized", "host": record.get("host"), "task_path": record.get("task_path")
                               }).encode() + b"\n"  # fmt: skip
        fd = open_private_file(self.spool(state_dir), os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def read(self, state_dir: Path) -> Iterator[dict[str, Any]]:
        """The spool's records, one per line, each read within the bounds of core/limits.py (line size, nesting
        depth); a line outside them, unparseable or not an object is reported as damaged, never skipped silently."""
        fd = open_private_file(self.spool(state_dir), os.O_RDONLY)
        with os.fdopen(fd, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > _MAX_SPOOL:
                raise StateError(f"the drift spool of job {self.job_id} is larger than {_MAX_SPOOL} bytes",
                                 hint="scan fewer hosts at a time (--limit)")  # fmt: skip
            read = 0
            for raw in bounded_lines(handle, _MAX_LINE):  # None: a line longer than any record the gate writes
                read += _MAX_LINE if raw is None else len(raw) + 1
                if read > _MAX_SPOOL + _MAX_LINE:  # it grew while it was read
                    raise StateError(f"the drift spool of job {self.job_id} grew past {_MAX_SPOOL} bytes",
                                     hint="scan fewer hosts at a time (--limit)")  # fmt: skip
                record: Any = None
                if raw:
                    try:
                        record = load_json(raw, max_bytes=_MAX_LINE, what="a spool line")
                    except ValueError:  # InputRejected is one: too deep is damaged too
                        record = None
                yield record if isinstance(record, dict) else {"type": "damaged"}


def _target(entry: Any) -> Target:
    if not isinstance(entry, dict) or not isinstance(entry.get("host"), str) or not isinstance(
            entry.get("task_path"), str):  # fmt: skip
        raise ValueError("a target is not {host, task_path} strings")
    return Target(entry["host"], entry["task_path"])


def relative_task_path(raw: str, root: str) -> str:
    """A task's path (``file:line``) relative to the baseline's project, so the same baseline checked out elsewhere
    names its tasks alike; a collection's task by its place in the collection; anything else as it is."""
    path, sep, line = raw.rpartition(":")
    if not sep or not line.isdigit():
        path, line = raw, ""
    if not path:
        return raw
    real = os.path.realpath(path)
    base = os.path.realpath(root)
    if real == base or real.startswith(base + os.sep):
        shown = os.path.relpath(real, base)
    elif "/ansible_collections/" in real:
        shown = "collection:" + real.split("/ansible_collections/", 1)[1]
    else:
        shown = real
    return f"{shown}:{line}" if line else shown
