# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the store holds and the errors it raises, independent of the database behind it.

Why a separate module: both backends and every caller (approvals, sessions, drift findings, the CLI) share these
shapes, and none of them should need a database driver to name a Fact or catch a ConflictError. Contents are kept
as canonical JSON (sorted keys, no whitespace, ASCII only) so that the same value hashes to the same
``content_hash`` on every backend and on every controller, which is what makes compare-and-set meaningful.

Security constraints: SEC-3 (docs/security-constraints.yml).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ..core.errors import IntegrityError, StateError
from ..core.limits import MAX_JSON_DEPTH, json_depth_exceeds, load_json

__all__ = [
    "ApprovalBody",
    "ApprovalItem",
    "ApprovalRequest",
    "CheckReport",
    "ConflictError",
    "Consumption",
    "Fact",
    "KillSwitchEvent",
    "KillSwitchEventKind",
    "SchemaVersionError",
    "Session",
    "StoreCorruptError",
    "StoreRefused",
    "canonical_json",
    "content_hash",
    "load_stored",
]

MAX_VALUE_BYTES = 16 * 1024 * 1024  # one stored JSON value: fact content, a payload, a context

KillSwitchEventKind = Literal["stop", "clear"]
TIERS = ("T0", "T1", "T2", "T3")


class StoreRefused(StateError):
    """A write the store will not make: it would rewrite history, or it lacks the actor or reason it needs."""


class ConflictError(StateError):
    """A compare-and-set write lost: the current content is not the one the writer based its change on.

    Nothing was written. Re-read the current fact, decide again, and write with its hash as ``expected_hash``.
    """


class SchemaVersionError(StateError):
    """The database's schema is not the one this code was written for (newer, or not yet migrated)."""


class StoreCorruptError(StateError):
    """The database file is damaged. It is reported and left exactly as found: never repaired or recreated."""


def canonical_json(value: Any) -> str:
    """The one text form of a JSON value: sorted keys, no whitespace, ASCII, no NaN. Raises StoreRefused."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise StoreRefused(
            f"the store keeps JSON values only: {exc}",
            hint="pass dicts, lists, strings, numbers, booleans and None (no NaN, no sets, no bytes)",
        ) from exc
    # Whatever is written must read back through load_stored, which holds rows to the same bounds.
    if len(text) > MAX_VALUE_BYTES or json_depth_exceeds(text, MAX_JSON_DEPTH):
        raise StoreRefused(
            f"the store keeps JSON values of at most {MAX_VALUE_BYTES // (1024 * 1024)} MiB nested at most "
            f"{MAX_JSON_DEPTH} levels",
            hint="bound the value before storing it",
        )
    return text


def load_stored(text: str, what: str) -> Any:
    """A JSON value read back from a row. A row outside the bounds canonical_json writes was not written by the
    store: IntegrityError, never a RecursionError in whoever reads it."""
    try:
        return load_json(text, max_bytes=MAX_VALUE_BYTES, max_depth=MAX_JSON_DEPTH, what=what)
    except ValueError as exc:
        raise IntegrityError(
            f"{what} in the store cannot be read: {exc}",
            hint="the row was written outside praxis.gatekeeper; run `praxis-gate store check` and investigate",
        ) from None


def content_hash(value: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``value``: what compare-and-set writes compare."""
    return hashlib.sha256(canonical_json(value).encode("ascii")).hexdigest()


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC. A naive datetime is a programming error: its meaning depends on the machine."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"the store needs timezone-aware datetimes, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Fact:
    """One version of a fact. Versions of one (subject, predicate, fact_type) form a chain that only grows.

    ``supersedes`` names the version this one replaced (None for version 1). ``valid_from``/``valid_to`` say when
    the content is true in the world (valid time); ``recorded_at`` says when the store learned it (recorded time).
    A ``retracted`` version is a tombstone: from its valid_from on, nothing is asserted for the key.
    """

    fact_id: str
    subject: str
    predicate: str
    fact_type: str
    version: int
    supersedes: str | None
    content: Any
    content_hash: str
    retracted: bool
    valid_from: datetime
    valid_to: datetime | None
    recorded_at: datetime
    actor: str
    reason: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.predicate, self.fact_type)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fact_id": self.fact_id,
            "subject": self.subject,
            "predicate": self.predicate,
            "fact_type": self.fact_type,
            "version": self.version,
            "supersedes": self.supersedes,
            "content": self.content,
            "content_hash": self.content_hash,
            "retracted": self.retracted,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A request for a human approval, as recorded. ``created_at`` is the store's clock, not the caller's."""

    request_id: str
    created_at: datetime
    requester: str
    session: str
    run_id: str
    ruleset_digest: str
    expires_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApprovalItem:
    """One approvable action of a request: what, where, at which tier, bound to a digest of its arguments."""

    item_id: str
    request_id: str
    action: str
    target: str
    tier: str
    args_digest: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def body_sha256(self) -> str | None:
        """The sha256 of the item's reviewable body (``approval_bodies``), kept after the body is purged."""
        value = self.payload.get("body_sha256")
        return str(value) if value else None


@dataclass(frozen=True, slots=True)
class ApprovalBody:
    """What an operator reads before approving an item (a dry run's redacted diff), kept apart from the item.

    ``body`` is the JSON value while the item waits for a decision, and None once purged: after the item was
    approved, denied or used, or its request expired (``purged_because``, ``purged_at``). ``sha256`` (over the
    stored text) stays, in this row and in the item's append-only payload.
    """

    item_id: str
    sha256: str
    body: Any
    purged_at: datetime | None = None
    purged_because: str | None = None

    @property
    def purged(self) -> bool:
        return self.purged_at is not None


@dataclass(frozen=True, slots=True)
class Consumption:
    """The single use of an approval item. At most one exists per item, whatever the concurrency."""

    item_id: str
    consumer: str
    consumed_at: datetime
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    principal: str
    created_at: datetime
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KillSwitchEvent:
    event_id: int
    event: str
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `praxis-gate store check` found. ``ok`` only when there is no problem at all."""

    backend: str
    location: str
    schema_version: int
    expected_version: int
    triggers_expected: tuple[str, ...] = ()
    triggers_missing: tuple[str, ...] = ()
    tables_missing: tuple[str, ...] = ()
    integrity_ok: bool = False
    facts_checked: int = 0
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "backend": self.backend,
            "location": self.location,
            "schema_version": self.schema_version,
            "expected_version": self.expected_version,
            "triggers_expected": list(self.triggers_expected),
            "triggers_missing": list(self.triggers_missing),
            "tables_missing": list(self.tables_missing),
            "integrity_ok": self.integrity_ok,
            "facts_checked": self.facts_checked,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }
