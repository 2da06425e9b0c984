# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which runs the audit log saw: the evidence that a job was gated at all.

Why: a run whose ``ansible-playbook`` came from another environment (a Galaxy-only install, a foreign ansible-core
first on PATH) runs its tasks and leaves nothing in the log, and the job that started it reports success. Every
gated run leaves a ``run-start`` record naming its program and, under ansible-runner (and so AWX), the runner's
ident. A job controller (the AWX flow, the agent entry point) asks afterwards for the run of its ident: no run means
the job ran ungated, which is a failure, not a success.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .verify import iter_records

__all__ = ["RunSummary", "runs"]

_ENDS = frozenset({"run-end", "run-aborted"})


@dataclass
class RunSummary:
    """One run as its records describe it."""

    run_id: str
    started: str
    program: str
    via: str
    runner_ident: str | None
    python: str | None = None
    ansible: str | None = None
    mode: str | None = None
    ended: str | None = None  # run-end, run-aborted, or None while running (or killed and not yet recovered)
    decisions: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def runs(path: Path, *, runner_ident: str | None = None) -> list[RunSummary]:
    """Every run in the log at ``path`` (only those of ``runner_ident`` when given), oldest first. Streams the log."""
    if not path.exists():
        return []
    found: dict[str, RunSummary] = {}
    for record in _records(path):
        run_id = str(record.get("run_id") or "")
        event = record.get("event")
        if event == "run-start":
            ident = record.get("runner_ident")
            if runner_ident is not None and ident != runner_ident:
                continue
            found[run_id] = RunSummary(
                run_id=run_id, started=str(record.get("time", "")), program=str(record.get("program", "")),
                via=str(record.get("via", "")), runner_ident=ident if isinstance(ident, str) else None,
                python=record.get("python"), ansible=record.get("ansible"), mode=record.get("mode"),
            )  # fmt: skip
            continue
        summary = found.get(run_id)
        if summary is None:
            continue
        if event == "decision":
            summary.decisions += 1
            verdict = str(record.get("decision"))
            summary.verdicts[verdict] = summary.verdicts.get(verdict, 0) + 1
        elif event in _ENDS:
            summary.ended = str(event)
    return list(found.values())


def _records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        yield from iter_records(path)
    except OSError:
        return
