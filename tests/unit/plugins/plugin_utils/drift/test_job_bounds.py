# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 23 item 2 for drift: the readers of convergence-request input (the job file a drift run arms from, the
spool its workers fill, the execution records read back from it) never crash on depth, size or shape.

Each hostile input gets a clear error (the job: a StateError naming the job file, so the gate refuses to arm; a
spool line: a ``damaged`` record the CLI reports as a problem) and loses nothing: the valid records around a bad
line all come back, in order, and a refused job file is left where it was. Each class has its positive control.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.limits import MAX_JSON_DEPTH
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.job import DriftJob, JobKind, Target
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.runner import Execution

TARGET = Target("web1", "site.yml:12")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _job_body(of: DriftJob, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {"job": of.job_id, "kind": of.kind.value, "root": of.root,
                               "targets": [{"host": TARGET.host, "task_path": TARGET.task_path}]}  # fmt: skip
    body.update(changes)
    return body


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, DriftJob]:
    state = tmp_path / "state"
    job = DriftJob.new(JobKind.APPLY, root=tmp_path, targets=[TARGET])
    job.write(state)
    return state, job


# ------------------------------------------------------------------------------------------------ the job file
def test_a_written_job_loads_back_whole(written: tuple[Path, DriftJob]) -> None:
    """The positive control: what the CLI writes, the gate reads."""
    state, job = written
    assert DriftJob.load(state, job.job_id) == job


def _rewrite(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


HOSTILE_JOBS: dict[str, Callable[[DriftJob], bytes]] = {
    "larger than 4 MiB": lambda job: json.dumps(_job_body(job, pad="x" * (4 * 1024 * 1024))).encode(),
    "nested past the depth bound": lambda job: (
        json.dumps(_job_body(job)).replace('"targets"', f'"pad": {_nested(MAX_JSON_DEPTH + 1)}, "targets"').encode()
    ),
    "nested deep enough to exhaust the parser's recursion": lambda job: _nested(200_000).encode(),
    "not JSON": lambda job: b'{"job": ',
    "not UTF-8": lambda job: b"\xff\xfe{}",
    "not an object": lambda job: b"[1, 2, 3]",
    "targets not a list": lambda job: json.dumps(_job_body(job, targets="web1")).encode(),
    "a target not an object": lambda job: json.dumps(_job_body(job, targets=["web1"])).encode(),
    "a target host not a string": lambda job: json.dumps(
        _job_body(job, targets=[{"host": ["web1"], "task_path": "a:1"}])
    ).encode(),
    "an unknown kind": lambda job: json.dumps(_job_body(job, kind="everything")).encode(),
    "another job's id": lambda job: json.dumps(_job_body(job, job="0" * 32)).encode(),
    "empty": lambda job: b"",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_JOBS))
def test_a_hostile_job_file_is_a_clear_refusal_and_stays(written: tuple[Path, DriftJob], case: str) -> None:
    state, job = written
    path = job.path(state)
    data = HOSTILE_JOBS[case](job)
    _rewrite(path, data)
    with pytest.raises(StateError) as refused:
        DriftJob.load(state, job.job_id)
    assert f"drift job {job.job_id}" in refused.value.message and str(path) in refused.value.message
    assert path.read_bytes() == data  # nothing lost: the evidence stays for the operator


def test_a_fifo_or_a_link_in_place_of_the_job_file_is_refused_without_hanging(written: tuple[Path, DriftJob]) -> None:
    state, job = written
    path = job.path(state)
    real = path.with_name("elsewhere.json")
    os.replace(path, real)
    for plant in (lambda: os.mkfifo(path, 0o600), lambda: path.symlink_to(real)):
        plant()
        outcome: list[BaseException | None] = []
        reader = threading.Thread(target=_load_into, args=(outcome, state, job), daemon=True)
        reader.start()
        reader.join(timeout=20)
        assert outcome and isinstance(outcome[0], StateError), outcome
        path.unlink()
    os.replace(real, path)
    assert DriftJob.load(state, job.job_id) == job  # the positive control, once the plant is gone


def _load_into(outcome: list[BaseException | None], state: Path, job: DriftJob) -> None:
    try:
        DriftJob.load(state, job.job_id)
    except BaseException as exc:  # the test inspects whatever it was
        outcome.append(exc)
    else:
        outcome.append(None)


# ------------------------------------------------------------------------------------------------ the spool
def _execution(n: int) -> dict[str, object]:
    return {"type": "execution", "host": f"web{n}", "task_path": "site.yml:12", "task": "t", "action": "copy",
            "verdict": "allowed", "tier": "T1", "rule": "allowed", "dry_run": True, "status": "changed",
            "summary": [{"kind": "content", "note": "would be created"}], "digest": "ab" * 32}  # fmt: skip


HOSTILE_LINES: dict[str, bytes] = {
    "longer than a spool line": b'{"type": "execution", "pad": "' + b"x" * (128 * 1024) + b'"}',
    "nested past the depth bound": b'{"type": "execution", "summary": ' + _nested(MAX_JSON_DEPTH + 1).encode() + b"}",
    "nested deep enough to exhaust the parser's recursion": _nested(200_000).encode(),
    "not JSON": b'{"type": "execution", ',
    "not UTF-8": b"\xff\xfe\xfd",
    "not an object": b'["execution"]',
    "blank": b"",
}


def test_spool_records_come_back_in_order(written: tuple[Path, DriftJob]) -> None:
    """The positive control: every record appended is read back, equal, in order."""
    state, job = written
    records = [_execution(n) for n in range(5)]
    for record in records:
        job.append(state, record)
    assert list(job.read(state)) == records


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_a_hostile_spool_line_is_damaged_and_loses_no_neighbour(written: tuple[Path, DriftJob], case: str) -> None:
    state, job = written
    job.append(state, _execution(1))
    with job.spool(state).open("ab") as spool:
        spool.write(HOSTILE_LINES[case] + b"\n")
    job.append(state, _execution(2))
    assert list(job.read(state)) == [_execution(1), {"type": "damaged"}, _execution(2)]


def test_a_record_too_deep_to_spool_is_written_as_oversized(written: tuple[Path, DriftJob]) -> None:
    state, job = written
    deep: object = "leaf"
    for _repeat in range(MAX_JSON_DEPTH + 5):
        deep = [deep]
    job.append(state, {**_execution(1), "summary": deep})
    job.append(state, _execution(2))
    assert list(job.read(state)) == [{"type": "oversized", "host": "web1", "task_path": "site.yml:12"},
                                     _execution(2)]  # fmt: skip


MALFORMED_EXECUTIONS: dict[str, dict[str, object]] = {
    "a summary that is a string": {"summary": "would be created"},
    "a summary of strings": {"summary": ["would be created"]},
    "a digest that is a list": {"digest": ["ab"]},
    "an approval item that is an object": {"approval_item": {"id": "item-1"}},
}


def test_a_well_formed_execution_record_reads_back() -> None:
    execution = Execution.from_record(_execution(1))
    assert execution.summary == ({"kind": "content", "note": "would be created"},) and execution.digest == "ab" * 32


@pytest.mark.parametrize("case", sorted(MALFORMED_EXECUTIONS))
def test_a_malformed_execution_record_is_refused_not_guessed_at(case: str) -> None:
    with pytest.raises(ValueError, match="its "):
        Execution.from_record({**_execution(1), **MALFORMED_EXECUTIONS[case]})
