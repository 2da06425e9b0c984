# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Convergence requests and scans in the append-only store (SQLite or PostgreSQL), as versions of facts.

A request is the fact ``(request id, "convergence", "convergence-request")``; each change of state is a new version
naming who made it and why, written with compare-and-set, so two operators (or a scan and a converge) racing on one
request cannot both win: the loser re-reads and is told what changed. A scan is the fact
``(scan id, "scan", "drift-scan")``: what was scanned, against which baseline, and the state of every host and task.
Nothing is ever updated or deleted; the store's history is the request's history.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any

from ..core.errors import StateError
from ..store import ConflictError, Fact, Store
from .model import FACT_TYPE, PREDICATE, ConvergenceRequest, parse_time

__all__ = ["SCAN_FACT_TYPE", "Ledger", "ensure_digest_key", "read_digest_key"]

SCAN_FACT_TYPE = "drift-scan"
SCAN_PREDICATE = "scan"
_KEY = ("praxis", "drift-digest-key", "secret")


def read_digest_key(store: Store) -> bytes | None:
    """The key drift digests are computed under, shared by every controller using this store."""
    fact = store.current(*_KEY)
    return bytes.fromhex(str(fact.content["key"])) if fact is not None else None


def ensure_digest_key(store: Store, *, actor: str) -> bytes:
    key = read_digest_key(store)
    if key is None:
        # Another controller may create it first (compare-and-set loses): then theirs is used.
        with contextlib.suppress(ConflictError):
            store.put(*_KEY, {"key": secrets.token_hex(32)}, expected_hash=None, actor=actor,
                      reason="first drift scan on this store")  # fmt: skip
        key = read_digest_key(store)
    if key is None:
        raise StateError("the store has no drift digest key", hint="run `praxis-gate store check`")
    return key


class Ledger:
    """Reads and writes of convergence requests and scans; every write is one appended version."""

    def __init__(self, store: Store, *, actor: str) -> None:
        self.store = store
        self.actor = actor

    # ---------------------------------------------------------------------------------------------- requests
    def get(self, request_id: str) -> ConvergenceRequest | None:
        fact = self.store.current(request_id, PREDICATE, FACT_TYPE)
        if fact is None:
            return None
        return ConvergenceRequest.from_dict(fact.content, history=self.history(request_id))

    def history(self, request_id: str) -> list[dict[str, Any]]:
        """Every state the request has been in: when, by whom, why."""
        return [_version(f) for f in self.store.history(request_id, PREDICATE, FACT_TYPE) if not f.retracted]

    def requests(self, *, host: str | None = None, baseline: str | None = None) -> list[ConvergenceRequest]:
        """The current version of every request (optionally of one host or baseline name), newest first."""
        found = [
            ConvergenceRequest.from_dict(f.content)
            for f in self.store.list_current(predicate=PREDICATE, fact_type=FACT_TYPE)
        ]
        found = [
            r for r in found if (host is None or r.host == host) and (baseline is None or r.baseline.name == baseline)
        ]
        return sorted(found, key=lambda r: (r.observed_at, r.id), reverse=True)

    def add(self, request: ConvergenceRequest) -> ConvergenceRequest:
        self.store.put(request.id, PREDICATE, FACT_TYPE, request.as_dict(), expected_hash=None, actor=self.actor,
                       reason=f"observed by {request.scan}")  # fmt: skip
        return request

    def move(self, request: ConvergenceRequest, state: str, *, reason: str, **changes: Any) -> ConvergenceRequest:
        """The next state of ``request``, if it is still in the state the caller read; StateError otherwise."""
        fact = self.store.current(request.id, PREDICATE, FACT_TYPE)
        if fact is None:
            raise StateError(f"no convergence request {request.id}", hint="see `praxis-gate drift list`")
        current = ConvergenceRequest.from_dict(fact.content)
        if current.state != request.state:
            raise StateError(
                f"convergence request {request.id} is {current.state} now (was {request.state} when read): "
                f"{current.state_reason}",
                hint="another scan or converge changed it; see `praxis-gate drift show " + request.id + "`",
            )
        moved = current.moved(state, reason=reason, **changes)
        try:
            self.store.put(request.id, PREDICATE, FACT_TYPE, moved.as_dict(), expected_hash=fact.content_hash,
                           actor=self.actor, reason=f"{state}: {reason}"[:2000])  # fmt: skip
        except ConflictError as exc:
            raise StateError(
                f"convergence request {request.id} changed while this command was deciding; nothing was written",
                hint="run the command again",
            ) from exc
        return moved

    # ---------------------------------------------------------------------------------------------- scans
    def record_scan(self, record: Mapping[str, Any]) -> None:
        self.store.put(str(record["scan_id"]), SCAN_PREDICATE, SCAN_FACT_TYPE, dict(record), expected_hash=None,
                       actor=self.actor, reason="drift scan")  # fmt: skip

    def scan(self, scan_id: str) -> dict[str, Any] | None:
        fact = self.store.current(scan_id, SCAN_PREDICATE, SCAN_FACT_TYPE)
        return dict(fact.content) if fact is not None else None

    def scans(self) -> list[dict[str, Any]]:
        """Every scan, newest first."""
        found = [dict(f.content) for f in self.store.list_current(predicate=SCAN_PREDICATE, fact_type=SCAN_FACT_TYPE)]
        return sorted(found, key=lambda s: (parse_time(s["started_at"]), s["scan_id"]), reverse=True)


def _version(fact: Fact) -> dict[str, Any]:
    content = fact.content if isinstance(fact.content, Mapping) else {}
    return {
        "version": fact.version,
        "state": content.get("state"),
        "at": fact.recorded_at.isoformat(timespec="seconds"),
        "actor": fact.actor,
        "reason": fact.reason or "",
    }
