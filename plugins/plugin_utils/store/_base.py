# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store's logic, written once for both backends.

Why one implementation with small backend hooks rather than two stores: the guarantees (compare-and-set,
append-only chains, bitemporal reads, single-use consumption) must be the same whichever database is behind them,
and the parity test suite can only prove that if there is a single place where they are decided. The backends
supply a connection, a write transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction in which the
database's unique indexes decide races), the clock (PostgreSQL: the server's, so that controllers with skewed
clocks agree), the translation of driver errors into the runner's errors, and their half of ``check``.

A Store object is not thread-safe and must not cross a fork: every thread or process opens its own.

Security constraints: SEC-10 (docs/security-constraints.yml).
"""

from __future__ import annotations

import abc
import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ..core.errors import GatekeeperError, IntegrityError
from . import _migrations
from ._migrations import LATEST, MIGRATIONS, PURGE_REASONS, Expected
from ._model import (
    TIERS,
    ApprovalBody,
    ApprovalItem,
    ApprovalRequest,
    CheckReport,
    ConflictError,
    Consumption,
    Fact,
    KillSwitchEvent,
    KillSwitchEventKind,
    SchemaVersionError,
    Session,
    StoreRefused,
    canonical_json,
    load_stored,
    utc,
)

__all__ = ["BackupInfo", "Store"]

Row = tuple[Any, ...]
Run = Callable[[str, Sequence[Any]], list[Row]]

_FACT_COLUMNS = (
    "fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash, retracted, "
    "valid_from, valid_to, recorded_at, actor, reason"
)
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_MAX_PROBLEMS = 50


class Tx(Protocol):
    """One write transaction. ``run`` returns the rows (if any); ``rowcount`` is that of the last statement."""

    rowcount: int

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


@dataclass(frozen=True, slots=True)
class BackendCheck:
    tables_missing: tuple[str, ...] = ()
    triggers_missing: tuple[str, ...] = ()
    integrity_ok: bool = True
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """A backup that was written and verified."""

    path: Path
    size: int
    sha256: str
    schema_version: int
    notes: tuple[str, ...] = field(default_factory=tuple)


def _text(value: str, what: str, *, limit: int = 200, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise StoreRefused(f"{what} must be a string, got {type(value).__name__}")
    if "\x00" in value:
        raise StoreRefused(f"{what} must not contain NUL characters")
    if not allow_empty and not value.strip():
        raise StoreRefused(f"{what} must not be empty", hint=f"give a {what}")
    if len(value) > limit:
        raise StoreRefused(f"{what} is longer than {limit} characters")
    return value


def _json_object(value: Mapping[str, Any] | None, what: str) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise StoreRefused(f"{what} must be a JSON object (a mapping), got {type(value).__name__}")
    return canonical_json(dict(value))


class Store(abc.ABC):
    """Append-only state: facts with compare-and-set and bitemporal reads, approvals, sessions, kill-switch history.

    Open one with ``open_store(settings)``. Every write either appends rows or raises; nothing is ever updated or
    deleted, and the database itself refuses UPDATE, DELETE and TRUNCATE from any client. The exception is an
    approval body, whose one permitted change is its purge to its sha256 (``purge_bodies``, ``sweep_bodies``).
    """

    backend: ClassVar[str]

    def __init__(self, location: str) -> None:
        self.location = location

    # ------------------------------------------------------------------------------------------ backend hooks
    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def _transaction(self, *, schema_lock: bool = False) -> AbstractContextManager[Tx]: ...

    @abc.abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abc.abstractmethod
    def _now(self, run: Run) -> datetime: ...

    @abc.abstractmethod
    def _existing_tables(self, run: Run) -> set[str]: ...

    @abc.abstractmethod
    def _check_backend(self, expected: Expected) -> BackendCheck: ...

    def _ts(self, value: datetime) -> Any:
        """A timestamp as a query parameter (SQLite: fixed-width UTC text; PostgreSQL: the datetime itself)."""
        return value

    # ---------------------------------------------------------------------------------------------- lifecycle
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

    def schema_version(self) -> int:
        """The highest migration applied to this database (0 for an empty one)."""
        return self._version(self._read)

    def _version(self, run: Run) -> int:
        tables = self._existing_tables(run)
        if "schema_version" not in tables:
            ours = sorted(tables & set(_migrations.expected(self.backend).tables))
            if ours:
                raise SchemaVersionError(
                    f"the store {self.location} holds praxis tables ({', '.join(ours)}) but no schema_version table",
                    hint="it was not created by praxis.gatekeeper's migrations, or was damaged; the gate will not "
                    "migrate into it. Restore a backup, or point the store at a new database.",
                )
            return 0
        rows = run("SELECT max(version) FROM schema_version", ())
        return int(rows[0][0] or 0) if rows else 0

    def _start(self, *, migrate: bool, refuse_newer: bool) -> None:
        version = self.schema_version()
        if version > LATEST and refuse_newer:
            raise self._too_new(version)
        if migrate and version < LATEST:
            self.migrate()

    def _too_new(self, version: int) -> SchemaVersionError:
        return SchemaVersionError(
            f"the store {self.location} has schema version {version}, newer than this praxis.gatekeeper "
            f"understands (up to {LATEST}); refusing to use it",
            hint="upgrade praxis.gatekeeper on this controller to the release that migrated the store (every "
            "controller and execution node sharing one store must run the same release), or restore a backup "
            "taken before that upgrade",
        )

    def migrate(self) -> tuple[int, int]:
        """Apply every pending migration in one transaction; return (version before, version after).

        Concurrent starters are serialised (SQLite's write lock, PostgreSQL's advisory lock) and re-read the version
        under the lock, so each migration runs once. A database newer than the code is refused.
        """
        with self._transaction(schema_lock=True) as tx:
            before = self._version(tx.run)
            if before > LATEST:
                raise self._too_new(before)
            if before == LATEST:
                return before, before
            now = self._now(tx.run)
            for migration in MIGRATIONS:
                if migration.version <= before:
                    continue
                for statement in migration.statements(self.backend):
                    tx.run(statement)
                tx.run(
                    "INSERT INTO schema_version (version, description, applied_at, applied_by) VALUES (?, ?, ?, ?)",
                    (migration.version, migration.description, self._ts(now), "praxis.gatekeeper"),
                )
        return before, LATEST

    # -------------------------------------------------------------------------------------------------- facts
    def current(self, subject: str, predicate: str, fact_type: str) -> Fact | None:
        """The current version of a fact (the head of its chain), or None if it never existed or was retracted."""
        head = self._head(self._read, (subject, predicate, fact_type))
        return None if head is None or head.retracted else head

    def history(self, subject: str, predicate: str, fact_type: str) -> list[Fact]:
        """Every version of a fact, oldest first, tombstones included."""
        rows = self._read(
            f"SELECT {_FACT_COLUMNS} FROM facts WHERE subject = ? AND predicate = ? AND fact_type = ? "  # noqa: S608
            "ORDER BY version",
            (subject, predicate, fact_type),
        )
        return [self._fact(row) for row in rows]

    def as_of(
        self,
        subject: str,
        predicate: str,
        fact_type: str,
        *,
        valid_at: datetime | None = None,
        known_at: datetime | None = None,
    ) -> Fact | None:
        """What the store said, at ``known_at`` (recorded time, default: now), was true at ``valid_at`` (default: now).

        Among the versions recorded by ``known_at``, the newest whose valid interval contains ``valid_at`` wins; a
        tombstone there means nothing was asserted. A later version with a later ``valid_from`` does not erase what
        an earlier one said about earlier times.
        """
        valid = utc(valid_at) if valid_at is not None else self._now(self._read)
        sql = (
            f"SELECT {_FACT_COLUMNS} FROM facts WHERE subject = ? AND predicate = ? AND fact_type = ? "  # noqa: S608
            "AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
        )
        params: list[Any] = [subject, predicate, fact_type, self._ts(valid), self._ts(valid)]
        if known_at is not None:
            sql += " AND recorded_at <= ?"
            params.append(self._ts(utc(known_at)))
        rows = self._read(sql + " ORDER BY version DESC LIMIT 1", params)
        if not rows:
            return None
        fact = self._fact(rows[0])
        return None if fact.retracted else fact

    def list_current(
        self, *, subject: str | None = None, predicate: str | None = None, fact_type: str | None = None
    ) -> list[Fact]:
        """The current (not retracted) version of every fact matching the filters."""
        sql = (
            f"SELECT {_FACT_COLUMNS} FROM facts AS f WHERE NOT f.retracted "  # noqa: S608 - constant columns
            "AND NOT EXISTS (SELECT 1 FROM facts AS s WHERE s.supersedes = f.fact_id)"
        )
        params: list[Any] = []
        for column, value in (("subject", subject), ("predicate", predicate), ("fact_type", fact_type)):
            if value is not None:
                sql += f" AND f.{column} = ?"
                params.append(value)
        rows = self._read(sql + " ORDER BY f.subject, f.predicate, f.fact_type", params)
        return [self._fact(row) for row in rows]

    def put(
        self,
        subject: str,
        predicate: str,
        fact_type: str,
        content: Any,
        *,
        expected_hash: str | None,
        actor: str,
        reason: str | None = None,
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
    ) -> Fact:
        """Record a new version of a fact, if and only if its current content hash is ``expected_hash``.

        ``expected_hash=None`` means "there must be no current fact". When a version already exists (including a
        tombstone) the write supersedes it and needs a non-empty ``reason``; ``actor`` is always required. A
        mismatch raises ConflictError and writes nothing.
        """
        return self._append(
            (subject, predicate, fact_type),
            content,
            retracted=False,
            expected_hash=expected_hash,
            actor=actor,
            reason=reason,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def retract(
        self,
        subject: str,
        predicate: str,
        fact_type: str,
        *,
        expected_hash: str,
        actor: str,
        reason: str,
        valid_from: datetime | None = None,
    ) -> Fact:
        """Append a tombstone: from ``valid_from`` (default: now) nothing is asserted. History keeps every version."""
        return self._append(
            (subject, predicate, fact_type),
            None,
            retracted=True,
            expected_hash=expected_hash,
            actor=actor,
            reason=reason,
            valid_from=valid_from,
            valid_to=None,
        )

    def _append(
        self,
        key: tuple[str, str, str],
        content: Any,
        *,
        retracted: bool,
        expected_hash: str | None,
        actor: str | None,
        reason: str | None,
        valid_from: datetime | None,
        valid_to: datetime | None,
    ) -> Fact:
        subject = _text(key[0], "subject", limit=1000)
        predicate = _text(key[1], "predicate")
        fact_type = _text(key[2], "fact_type")
        if actor is None or not isinstance(actor, str) or not actor.strip():
            raise StoreRefused(
                f"refusing to write {predicate} of {subject} ({fact_type}) without an actor",
                hint="every version records who wrote it: pass actor=",
            )
        actor = _text(actor, "actor")
        if reason is not None:
            reason = _text(reason, "reason", limit=2000, allow_empty=True)
        if expected_hash is not None and not isinstance(expected_hash, str):
            raise StoreRefused("expected_hash must be a hex sha256 string or None")
        text = "null" if retracted else canonical_json(content)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        stored_reason = reason if reason is not None and reason.strip() else None
        start = utc(valid_from) if valid_from is not None else None
        end = utc(valid_to) if valid_to is not None else None
        fact_id = uuid.uuid4().hex
        try:
            with self._transaction() as tx:
                head = self._head(tx.run, key)
                current_hash = None if head is None or head.retracted else head.content_hash
                if expected_hash != current_hash:
                    raise ConflictError(
                        f"compare-and-set conflict on {predicate} of {subject} ({fact_type}): the writer expected "
                        f"{_hash_label(expected_hash)}, the store holds {_hash_label(current_hash)}; nothing written",
                        hint="re-read the current fact, decide again, and write with its content_hash as expected_hash",
                    )
                if retracted and current_hash is None:
                    raise StoreRefused(
                        f"nothing to retract: {predicate} of {subject} ({fact_type}) has no current fact"
                    )
                if head is not None and stored_reason is None:
                    raise StoreRefused(
                        f"refusing to supersede version {head.version} of {predicate} of {subject} ({fact_type}) "
                        "without a reason",
                        hint="superseding keeps the old version and records who replaced it and why: pass reason=",
                    )
                now = self._now(tx.run)
                recorded = max(now, head.recorded_at) if head is not None else now
                start = start or recorded
                if end is not None and end <= start:
                    raise StoreRefused("valid_to must be later than valid_from")
                version = head.version + 1 if head is not None else 1
                supersedes = head.fact_id if head is not None else None
                tx.run(
                    f"INSERT INTO facts ({_FACT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                    (
                        fact_id,
                        subject,
                        predicate,
                        fact_type,
                        version,
                        supersedes,
                        text,
                        digest,
                        retracted,
                        self._ts(start),
                        self._ts(end) if end is not None else None,
                        self._ts(recorded),
                        actor,
                        stored_reason,
                    ),
                )
        except ConflictError as exc:
            if exc.message.startswith("compare-and-set"):
                raise
            raise ConflictError(
                f"compare-and-set conflict on {predicate} of {subject} ({fact_type}): another writer recorded a "
                "version first; nothing written",
                hint="re-read the current fact, decide again, and write with its content_hash as expected_hash",
            ) from exc
        return Fact(
            fact_id=fact_id,
            subject=subject,
            predicate=predicate,
            fact_type=fact_type,
            version=version,
            supersedes=supersedes,
            content=None if retracted else load_stored(text, f"fact {fact_id}"),
            content_hash=digest,
            retracted=retracted,
            valid_from=start,
            valid_to=end,
            recorded_at=recorded,
            actor=actor,
            reason=stored_reason,
        )

    def _head(self, run: Run, key: tuple[str, str, str]) -> Fact | None:
        rows = run(
            f"SELECT {_FACT_COLUMNS} FROM facts WHERE subject = ? AND predicate = ? AND fact_type = ? "  # noqa: S608
            "ORDER BY version DESC LIMIT 1",
            key,
        )
        return self._fact(rows[0]) if rows else None

    def _fact(self, row: Row) -> Fact:
        text = str(row[6])
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest != row[7]:
            raise IntegrityError(
                f"fact {row[0]} ({row[2]} of {row[1]}) in {self.location} does not match its content hash",
                hint="the row was written outside praxis.gatekeeper; run `praxis-gate store check` and investigate",
            )
        return Fact(
            fact_id=row[0],
            subject=row[1],
            predicate=row[2],
            fact_type=row[3],
            version=int(row[4]),
            supersedes=row[5],
            content=None if row[8] else load_stored(text, f"fact {row[0]}"),
            content_hash=row[7],
            retracted=bool(row[8]),
            valid_from=_dt(row[9]),
            valid_to=_dt(row[10]) if row[10] is not None else None,
            recorded_at=_dt(row[11]),
            actor=row[12],
            reason=row[13],
        )

    # ---------------------------------------------------------------------------------------------- approvals
    def add_approval_request(
        self,
        *,
        request_id: str,
        requester: str,
        session: str,
        run_id: str,
        ruleset_digest: str,
        expires_at: datetime,
        payload: Mapping[str, Any] | None = None,
        items: Sequence[ApprovalItem] = (),
        bodies: Mapping[str, Any] | None = None,
    ) -> ApprovalRequest:
        """Record a request and its items atomically. ``created_at`` is the store's clock. Ids must be new.

        ``bodies`` maps an item id to what an operator reads before approving it (a dry run's redacted diff). It
        goes to ``approval_bodies``, which the approvals layer purges once the item is decided or expires; the
        item's append-only payload gets its ``body_sha256``, which stays.
        """
        _text(request_id, "request_id")
        _text(requester, "requester")
        for value, what in ((session, "session"), (run_id, "run_id"), (ruleset_digest, "ruleset_digest")):
            _text(value, what, limit=1000, allow_empty=True)
        expires = utc(expires_at)
        payload_text = _json_object(payload, "payload")
        item_rows = []
        body_rows: list[tuple[str, str, str]] = []
        unknown = sorted(set(bodies or {}) - {item.item_id for item in items})
        if unknown:
            raise StoreRefused(f"approval bodies for items that are not part of {request_id}: {', '.join(unknown)}")
        for item in items:
            if item.request_id != request_id:
                raise StoreRefused(f"approval item {item.item_id} belongs to {item.request_id}, not to {request_id}")
            if item.tier not in TIERS:
                raise StoreRefused(f"approval item {item.item_id}: tier must be one of {', '.join(TIERS)}")
            item_payload = dict(item.payload or {})
            if "body_sha256" in item_payload:
                raise StoreRefused(
                    f"approval item {item.item_id}: body_sha256 is the store's to write", hint="pass bodies= instead"
                )
            if bodies is not None and item.item_id in bodies:
                body_text = canonical_json(bodies[item.item_id])
                digest = hashlib.sha256(body_text.encode("ascii")).hexdigest()
                item_payload["body_sha256"] = digest
                body_rows.append((item.item_id, digest, body_text))
            item_rows.append(
                (
                    _text(item.item_id, "item_id"),
                    request_id,
                    _text(item.action, "action", limit=500),
                    _text(item.target, "target", limit=1000, allow_empty=True),
                    item.tier,
                    _text(item.args_digest, "args_digest", limit=1000, allow_empty=True),
                    _json_object(item_payload, "item payload"),
                )
            )
        try:
            with self._transaction() as tx:
                now = self._now(tx.run)
                if expires <= now:
                    raise StoreRefused(
                        f"approval request {request_id} would already be expired ({expires.isoformat()})"
                    )
                tx.run(
                    "INSERT INTO approval_requests (request_id, created_at, requester, session, run_id, "
                    "ruleset_digest, expires_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (request_id, self._ts(now), requester, session, run_id, ruleset_digest, self._ts(expires),
                     payload_text),
                )  # fmt: skip
                for row in item_rows:
                    tx.run(
                        "INSERT INTO approval_items (item_id, request_id, action, target, tier, args_digest, payload) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                for body_row in body_rows:
                    tx.run("INSERT INTO approval_bodies (item_id, body_sha256, body) VALUES (?, ?, ?)", body_row)
        except ConflictError as exc:
            raise ConflictError(
                f"approval request {request_id} (or one of its item ids) already exists; nothing written",
                hint="approval requests and items are immutable: use new ids",
            ) from exc
        return ApprovalRequest(
            request_id=request_id,
            created_at=now,
            requester=requester,
            session=session,
            run_id=run_id,
            ruleset_digest=ruleset_digest,
            expires_at=expires,
            payload=load_stored(payload_text, f"approval request {request_id}"),
        )

    def approval_request(self, request_id: str) -> ApprovalRequest | None:
        rows = self._read(
            "SELECT request_id, created_at, requester, session, run_id, ruleset_digest, expires_at, payload "
            "FROM approval_requests WHERE request_id = ?",
            (request_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return ApprovalRequest(
            r[0], _dt(r[1]), r[2], r[3], r[4], r[5], _dt(r[6]), load_stored(r[7], f"approval request {r[0]}")
        )

    def list_approval_requests(self, *, run_id: str | None = None, limit: int = 1000) -> list[ApprovalRequest]:
        """Requests, newest first; all of one run when ``run_id`` is given (a run's requests form one plan)."""
        sql = (
            "SELECT request_id, created_at, requester, session, run_id, ruleset_digest, expires_at, payload "
            "FROM approval_requests"
        )
        params: list[Any] = []
        if run_id is not None:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        rows = self._read(sql + " ORDER BY created_at DESC, request_id LIMIT ?", [*params, max(1, int(limit))])
        return [
            ApprovalRequest(
                r[0], _dt(r[1]), r[2], r[3], r[4], r[5], _dt(r[6]), load_stored(r[7], f"approval request {r[0]}")
            )
            for r in rows
        ]

    def approval_items(self, request_id: str) -> list[ApprovalItem]:
        rows = self._read(
            "SELECT item_id, request_id, action, target, tier, args_digest, payload FROM approval_items "
            "WHERE request_id = ? ORDER BY item_id",
            (request_id,),
        )
        return [
            ApprovalItem(r[0], r[1], r[2], r[3], r[4], r[5], load_stored(r[6], f"approval item {r[0]}")) for r in rows
        ]

    def approval_item(self, item_id: str) -> ApprovalItem | None:
        rows = self._read(
            "SELECT item_id, request_id, action, target, tier, args_digest, payload FROM approval_items "
            "WHERE item_id = ?",
            (item_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return ApprovalItem(r[0], r[1], r[2], r[3], r[4], r[5], load_stored(r[6], f"approval item {r[0]}"))

    # ------------------------------------------------------------------------------------- approval bodies
    def approval_body(self, item_id: str) -> ApprovalBody | None:
        """The reviewable body of an item (None if it never had one); its ``body`` is None once purged."""
        rows = self._read(
            "SELECT item_id, body_sha256, body, purged_at, purged_because FROM approval_bodies WHERE item_id = ?",
            (item_id,),
        )
        return self._body(rows[0]) if rows else None

    def _body(self, row: Row) -> ApprovalBody:
        item_id, digest, text, purged_at, because = row
        if text is None:
            return ApprovalBody(item_id, digest, None, _dt(purged_at) if purged_at is not None else None, because)
        if hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest() != digest:
            raise IntegrityError(
                f"the body of approval item {item_id} in {self.location} does not match its sha256",
                hint="the row was written outside praxis.gatekeeper; run `praxis-gate store check` and investigate",
            )
        return ApprovalBody(item_id, digest, load_stored(str(text), f"the body of approval item {item_id}"))

    def unpurged_bodies(self, *, limit: int = 100_000) -> list[tuple[str, str]]:
        """(item id, request id) of every body not purged yet: the items still waiting for a decision (and any
        whose purge failed and waits for the next sweep)."""
        rows = self._read(
            "SELECT b.item_id, i.request_id FROM approval_bodies AS b JOIN approval_items AS i "
            "ON i.item_id = b.item_id WHERE b.body IS NOT NULL ORDER BY b.item_id LIMIT ?",
            (max(1, int(limit)),),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    def purge_bodies(self, item_ids: Sequence[str], *, because: str) -> int:
        """Purge these items' bodies to their sha256 (``because``: approved, denied, used or expired); returns how
        many were purged now. Idempotent: a body purged before keeps its first purge time and reason.

        The one change the database permits on ``approval_bodies`` (see _migrations.py, version 2).
        """
        if because not in PURGE_REASONS:
            raise StoreRefused(f"a body is purged because it was {', '.join(PURGE_REASONS)}, not {because!r}")
        ids = [_text(item_id, "item_id") for item_id in dict.fromkeys(item_ids)]
        purged = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _value in chunk)
            with self._transaction() as tx:
                tx.run(
                    "UPDATE approval_bodies SET body = NULL, purged_at = ?, purged_because = ? "  # noqa: S608
                    f"WHERE body IS NOT NULL AND item_id IN ({marks})",
                    (self._ts(self._now(tx.run)), because, *chunk),
                )
                purged += max(tx.rowcount, 0)
        return purged

    def sweep_bodies(self) -> int:
        """Purge the bodies of items that were used or whose request expired (store clock); returns how many.

        Cheap when there is nothing to purge (one read, no write lock), so every opening of the store for approvals
        work can call it: expiry needs no daemon. Approvals and denials are the approvals layer's facts; it purges
        those (approvals/bodies.py).
        """
        now = self._ts(self._now(self._read))
        due = self._read(
            "SELECT count(*) FROM approval_bodies AS b WHERE b.body IS NOT NULL AND (EXISTS (SELECT 1 FROM "
            "consumptions AS c WHERE c.item_id = b.item_id) OR EXISTS (SELECT 1 FROM approval_items AS i JOIN "
            "approval_requests AS r ON r.request_id = i.request_id WHERE i.item_id = b.item_id AND r.expires_at <= ?))",
            (now,),
        )
        if not due or not int(due[0][0]):
            return 0
        purged = 0
        with self._transaction() as tx:
            now = self._ts(self._now(tx.run))
            tx.run(
                "UPDATE approval_bodies SET body = NULL, purged_at = ?, purged_because = 'used' "
                "WHERE body IS NOT NULL AND item_id IN (SELECT item_id FROM consumptions)",
                (now,),
            )
            purged += max(tx.rowcount, 0)
            tx.run(
                "UPDATE approval_bodies SET body = NULL, purged_at = ?, purged_because = 'expired' "
                "WHERE body IS NOT NULL AND item_id IN (SELECT i.item_id FROM approval_items AS i "
                "JOIN approval_requests AS r ON r.request_id = i.request_id WHERE r.expires_at <= ?)",
                (now, now),
            )
            purged += max(tx.rowcount, 0)
        return purged

    def consume(self, item_id: str, *, consumer: str, context: Mapping[str, Any] | None = None) -> bool:
        """Use an approval item once. True for exactly one caller, whatever the concurrency; False for all others.

        Decided by the database: the consumption's primary key is the item id, so a second consumption cannot be
        recorded by any client (PostgreSQL: ``ON CONFLICT DO NOTHING`` waits for the first writer and then skips;
        SQLite: writers are serialised and the duplicate insert is refused). An unknown item raises StoreRefused.
        """
        _text(item_id, "item_id")
        _text(consumer, "consumer")
        context_text = _json_object(context, "context")
        try:
            with self._transaction() as tx:
                if not tx.run("SELECT 1 FROM approval_items WHERE item_id = ?", (item_id,)):
                    raise StoreRefused(f"no approval item {item_id}", hint="only recorded approval items can be used")
                tx.run(
                    "INSERT INTO consumptions (item_id, consumer, consumed_at, context) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (item_id) DO NOTHING",
                    (item_id, consumer, self._ts(self._now(tx.run)), context_text),
                )
                return tx.rowcount == 1
        except ConflictError:
            return False

    def consumption(self, item_id: str) -> Consumption | None:
        rows = self._read(
            "SELECT item_id, consumer, consumed_at, context FROM consumptions WHERE item_id = ?", (item_id,)
        )
        return (
            Consumption(rows[0][0], rows[0][1], _dt(rows[0][2]), load_stored(rows[0][3], "a stored context"))
            if rows
            else None
        )

    # ----------------------------------------------------------------------------------------------- sessions
    def add_session(self, *, session_id: str, principal: str, attributes: Mapping[str, Any] | None = None) -> Session:
        _text(session_id, "session_id")
        _text(principal, "principal")
        attributes_text = _json_object(attributes, "attributes")
        try:
            with self._transaction() as tx:
                now = self._now(tx.run)
                tx.run(
                    "INSERT INTO sessions (session_id, principal, created_at, attributes) VALUES (?, ?, ?, ?)",
                    (session_id, principal, self._ts(now), attributes_text),
                )
        except ConflictError as exc:
            raise ConflictError(f"session {session_id} already exists", hint="sessions are immutable") from exc
        return Session(session_id, principal, now, load_stored(attributes_text, f"session {session_id}"))

    def session(self, session_id: str) -> Session | None:
        rows = self._read(
            "SELECT session_id, principal, created_at, attributes FROM sessions WHERE session_id = ?", (session_id,)
        )
        return (
            Session(rows[0][0], rows[0][1], _dt(rows[0][2]), load_stored(rows[0][3], "a stored context"))
            if rows
            else None
        )

    # ---------------------------------------------------------------------------------------- kill-switch log
    def record_killswitch(self, event: KillSwitchEventKind, *, reason: str, actor: str) -> KillSwitchEvent:
        """Append a 'stop' or 'clear' to the kill-switch history (the sentinel file stays the source of truth)."""
        if event not in ("stop", "clear"):
            raise StoreRefused(f"kill-switch events are 'stop' or 'clear', not {event!r}")
        _text(reason, "reason", limit=2000)
        _text(actor, "actor")
        with self._transaction() as tx:
            now = self._now(tx.run)
            rows = tx.run(
                "INSERT INTO killswitch_events (event, reason, actor, at) VALUES (?, ?, ?, ?) RETURNING event_id",
                (event, reason, actor, self._ts(now)),
            )
        return KillSwitchEvent(int(rows[0][0]), event, reason, actor, now)

    def killswitch_history(self, *, limit: int | None = None) -> list[KillSwitchEvent]:
        """Oldest first; with ``limit``, the most recent ``limit`` events (still oldest first)."""
        sql = "SELECT event_id, event, reason, actor, at FROM killswitch_events ORDER BY event_id DESC"
        rows = self._read(sql + " LIMIT ?", (int(limit),)) if limit is not None else self._read(sql, ())
        return [KillSwitchEvent(int(r[0]), r[1], r[2], r[3], _dt(r[4])) for r in reversed(rows)]

    # -------------------------------------------------------------------------------------------------- check
    def check(self, *, own_version: bool = False) -> CheckReport:
        """Schema version, the append-only triggers and indexes, database integrity, fact hashes and chains.

        ``own_version`` checks the schema against the migrations up to the database's own version instead of this
        code's (for a backup made by an earlier release, which the next start migrates).
        """
        problems: list[str] = []
        try:
            version = self.schema_version()
        except GatekeeperError as exc:
            version = -1
            problems.append(exc.message)
        if version > LATEST:
            problems.append(f"schema version {version} is newer than this code ({LATEST}): upgrade praxis.gatekeeper")
        elif 0 <= version < LATEST and not (own_version and version > 0):
            problems.append(f"schema version {version}, this code needs {LATEST}: run `praxis-gate store migrate`")
        own = own_version and 0 < version <= LATEST
        expected = _migrations.expected(self.backend, version if own else LATEST)
        try:
            backend = self._check_backend(expected)
        except GatekeeperError as exc:
            backend = BackendCheck(integrity_ok=False, problems=(f"cannot inspect the schema: {exc.message}",))
        problems.extend(backend.problems)
        checked = 0
        if "facts" in expected.tables and "facts" not in backend.tables_missing:
            try:
                checked, fact_problems = self._check_facts()
            except GatekeeperError as exc:
                checked, fact_problems = 0, [f"cannot read facts: {exc.message}"]
            problems.extend(fact_problems)
        if "approval_bodies" in expected.tables and "approval_bodies" not in backend.tables_missing:
            try:
                problems.extend(self._check_bodies())
            except GatekeeperError as exc:
                problems.append(f"cannot read approval bodies: {exc.message}")
        return CheckReport(
            backend=self.backend,
            location=self.location,
            schema_version=version,
            expected_version=LATEST,
            triggers_expected=tuple(sorted(expected.triggers)),
            triggers_missing=backend.triggers_missing,
            tables_missing=backend.tables_missing,
            integrity_ok=backend.integrity_ok,
            facts_checked=checked,
            problems=tuple(problems[:_MAX_PROBLEMS]),
            warnings=backend.warnings,
        )

    def _check_facts(self) -> tuple[int, list[str]]:
        """Recompute every content hash and walk every chain: what the constraints promise, verified after the fact."""
        rows = self._read(
            "SELECT fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash, recorded_at "
            "FROM facts ORDER BY subject, predicate, fact_type, version",
            (),
        )
        problems: list[str] = []
        previous: Row | None = None
        for row in rows:
            fact_id, subject, predicate, fact_type, version, supersedes, text, digest, recorded = row
            if hashlib.sha256(str(text).encode("utf-8")).hexdigest() != digest:
                problems.append(f"fact {fact_id} ({predicate} of {subject}): content does not match content_hash")
            same_key = previous is not None and tuple(previous[1:4]) == (subject, predicate, fact_type)
            if same_key and previous is not None:
                if version != previous[4] + 1 or supersedes != previous[0]:
                    problems.append(f"fact {fact_id} ({predicate} of {subject}): breaks the version chain")
                elif _dt(recorded) < _dt(previous[8]):
                    problems.append(f"fact {fact_id} ({predicate} of {subject}): recorded before its predecessor")
            elif version != 1 or supersedes is not None:
                problems.append(f"fact {fact_id} ({predicate} of {subject}): a chain that does not start at version 1")
            previous = row
        return len(rows), problems

    def _check_bodies(self) -> list[str]:
        """Every body still held matches its sha256, and each item names the body it has (and only that)."""
        problems: list[str] = []
        rows = self._read(
            "SELECT i.item_id, i.payload, b.item_id, b.body_sha256, b.body FROM approval_items AS i "
            "LEFT JOIN approval_bodies AS b ON b.item_id = i.item_id ORDER BY i.item_id",
            (),
        )
        for item_id, payload, body_item, digest, text in rows:
            stored = load_stored(str(payload), f"approval item {item_id}")
            named = stored.get("body_sha256") if isinstance(stored, dict) else None
            if body_item is None:
                if named:
                    problems.append(f"approval item {item_id} names a body that is not in approval_bodies")
                continue
            if named != digest:
                problems.append(f"approval item {item_id}: its body's sha256 is not the one the item recorded")
            if text is not None and hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest() != digest:
                problems.append(f"approval item {item_id}: its body does not match its sha256")
        return problems

    # ------------------------------------------------------------------------------------------------- backup
    @abc.abstractmethod
    def backup(self, destination: Path) -> BackupInfo:
        """Write a consistent, verified copy to a new owner-only file (never overwrites)."""


def _hash_label(value: str | None) -> str:
    return f"content {value[:12]}..." if value else "no current fact"


def format_ts(value: datetime) -> str:
    """Fixed-width UTC text (SQLite's representation), ordered like time itself for years 1..9999."""
    v = utc(value)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}Z"


def warm_timestamps() -> None:
    """Read one stored timestamp: a process's first ``strptime`` imports ``_strptime`` and compiles its locale's
    patterns (about 2 ms), which a controller does once before workers fork instead of every worker."""
    _dt(format_ts(datetime.now(UTC)))


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return utc(value)
    if isinstance(value, str):
        try:
            return datetime.strptime(value, _TS_FORMAT).replace(tzinfo=UTC)
        except ValueError as exc:
            raise IntegrityError(f"the store holds a malformed timestamp {value!r}") from exc
    raise IntegrityError(f"the store holds a timestamp of type {type(value).__name__}")
