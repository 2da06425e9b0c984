# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A convergence request and its lifecycle; the baseline a scan measured against.

A request says: on this host, this task of this baseline would change this (a keyed digest and a redacted summary),
observed then, valid until then. It is a proposal, never an instruction: only a human approval turns it into a
change. Its states, each a new version of one fact in the append-only store:

    proposed ──converge──> approval-requested ──converge with the token──> applied
       │                        │
       ├── a rescan sees the drift again (a new request) ─> superseded
       ├── a rescan or a re-check sees it no more ───────> gone
       └── its expiry passes ────────────────────────────> expired

applied, superseded, gone and expired are final. The JSON form is published as
docs/schema/convergence-request.schema.json (`praxis-gate schema convergence-request`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..core.errors import IntegrityError

__all__ = [
    "FACT_TYPE",
    "FINAL_STATES",
    "OPEN_STATES",
    "PREDICATE",
    "SCHEMA_PATH",
    "STATES",
    "Baseline",
    "ConvergenceRequest",
    "convergence_schema",
    "new_request_id",
    "new_scan_id",
    "parse_duration",
    "parse_time",
]

FACT_TYPE = "convergence-request"
PREDICATE = "convergence"
SCHEMA_VERSION = 1
STATES = ("proposed", "approval-requested", "applied", "expired", "superseded", "gone")
OPEN_STATES = frozenset({"proposed", "approval-requested"})
FINAL_STATES = frozenset(STATES) - OPEN_STATES
SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "schema" / "convergence-request.schema.json"


def convergence_schema() -> dict[str, Any]:
    """The published schema (docs/schema ships inside the collection, so there is exactly one copy)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def new_request_id() -> str:
    return f"cr-{secrets.token_hex(8)}"


def new_scan_id() -> str:
    return f"scan-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


_DURATION = re.compile(r"(\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``45s`` or plain seconds, from 1 s to 366 days; ValueError otherwise."""
    match = _DURATION.fullmatch(str(text).strip().lower())
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else 0
    if not 1 <= seconds <= 366 * 86400:
        raise ValueError(f"{text!r} is not a duration from 1s to 366d (e.g. 7d, 12h, 30m)")
    return timedelta(seconds=seconds)


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"a timestamp without a time zone: {text!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a scan measured against. ``digest`` covers the content only (project files, inventory, vars) and the
    playbook's place in the project: the same content scanned from another checkout path is the same baseline."""

    name: str
    digest: str
    project_digest: str
    inventory_digest: str
    vars_digest: str
    scm_revision: str | None
    playbook: str  # absolute path at scan time: where converge finds the baseline again
    inventory: tuple[str, ...]  # inventory sources as given (paths made absolute)
    files: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "digest": self.digest,
            "project_digest": self.project_digest,
            "inventory_digest": self.inventory_digest,
            "vars_digest": self.vars_digest,
            "scm_revision": self.scm_revision,
            "playbook": self.playbook,
            "inventory": list(self.inventory),
            "files": self.files,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Baseline:
        return cls(
            name=str(data["name"]),
            digest=str(data["digest"]),
            project_digest=str(data["project_digest"]),
            inventory_digest=str(data["inventory_digest"]),
            vars_digest=str(data["vars_digest"]),
            scm_revision=None if data.get("scm_revision") is None else str(data["scm_revision"]),
            playbook=str(data["playbook"]),
            inventory=tuple(str(i) for i in data.get("inventory", ())),
            files=int(data.get("files", 0)),
        )


@dataclass(frozen=True, slots=True)
class ConvergenceRequest:
    """One drifted task on one host, as a scan saw it, and where it stands now."""

    id: str
    host: str
    task_path: str
    task_name: str
    action: str
    tier: str
    diff_digest: str
    summary: tuple[Mapping[str, Any], ...]
    baseline: Baseline
    scan: str
    observed_at: datetime
    first_observed_at: datetime
    expires_at: datetime
    state: str = "proposed"
    state_reason: str = ""
    superseded_by: str | None = None
    approval_request: str | None = None
    outcome: Mapping[str, Any] | None = None
    executions: int = 1
    history: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)  # filled from the store's versions

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def expired_at(self, now: datetime) -> bool:
        """Open, and its validity has passed (it is recorded as expired at the next chance)."""
        return self.is_open and self.expires_at <= now

    def effective_state(self, now: datetime) -> str:
        return "expired" if self.expired_at(now) else self.state

    def moved(self, state: str, *, reason: str, **changes: Any) -> ConvergenceRequest:
        if state not in STATES:
            raise ValueError(f"not a convergence request state: {state!r}")
        return replace(self, state=state, state_reason=reason, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The published JSON form (docs/schema/convergence-request.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "host": self.host,
            "task": {"path": self.task_path, "name": self.task_name},
            "action": self.action,
            "tier": self.tier,
            "diff": {"digest": self.diff_digest, "summary": [dict(c) for c in self.summary]},
            "executions": self.executions,
            "baseline": self.baseline.as_dict(),
            "scan": self.scan,
            "observed_at": iso(self.observed_at),
            "first_observed_at": iso(self.first_observed_at),
            "expires_at": iso(self.expires_at),
            "state": self.state,
            "state_reason": self.state_reason,
            "superseded_by": self.superseded_by,
            "approval_request": self.approval_request,
            "outcome": dict(self.outcome) if self.outcome is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, history: Sequence[Mapping[str, Any]] = ()) -> ConvergenceRequest:
        try:
            return cls(
                id=str(data["id"]),
                host=str(data["host"]),
                task_path=str(data["task"]["path"]),
                task_name=str(data["task"]["name"]),
                action=str(data["action"]),
                tier=str(data["tier"]),
                diff_digest=str(data["diff"]["digest"]),
                summary=tuple(dict(c) for c in data["diff"]["summary"]),
                baseline=Baseline.from_dict(data["baseline"]),
                scan=str(data["scan"]),
                observed_at=parse_time(data["observed_at"]),
                first_observed_at=parse_time(data["first_observed_at"]),
                expires_at=parse_time(data["expires_at"]),
                state=str(data["state"]),
                state_reason=str(data.get("state_reason") or ""),
                superseded_by=data.get("superseded_by"),
                approval_request=data.get("approval_request"),
                outcome=data.get("outcome"),
                executions=int(data.get("executions", 1)),
                history=tuple(history),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(
                f"a stored convergence request is malformed ({type(exc).__name__}: {exc})",
                hint="run `praxis-gate store check`; the store holds a value this release cannot read",
            ) from exc
