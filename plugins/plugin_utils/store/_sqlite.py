# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The embedded backend: one SQLite file, ``state.db``, in the owner-only state directory.

Why these choices:

* WAL mode, ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` for every write: readers never block the gate, a committed
  approval or consumption survives a power cut, and writers are serialised by SQLite's write lock, so a
  compare-and-set reads and writes under the same lock and a consumption cannot be recorded twice.
* A new store is built in a temporary file and linked into place only once its schema is complete, so ``state.db``
  either does not exist or is a whole store. Anything else found at that path (garbage, a truncated file, a page
  that does not verify) is therefore damage: it is reported as StoreCorruptError and left exactly as it is. The
  gate never recreates a damaged store, because a fresh one would silently forget approvals, consumptions and
  history, which is the one thing this store exists to prevent.
* The file is opened with ``mode=rw`` (SQLite never creates it behind our back), never through a symbolic link,
  only when owned by us, and kept 0600 (SQLite gives its -wal and -shm files the same mode).
* ``PRAGMA secure_delete``: a purged approval body (the one row content the store ever gives up) is zeroed in the
  file, not left in a free page.
* ``PRAGMA quick_check`` at open: a damaged page is found before the gate relies on it, not in the middle of a run.
  ``praxis-gate store check`` runs the full ``integrity_check`` and ``foreign_key_check``.

Who the triggers stop: any client that writes through SQL without first changing the schema. The owner of the file
can drop a trigger (it is their file); `praxis-gate store check` reports a trigger that is missing or altered.

Security constraints: SEC-10 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..core.errors import GatekeeperError, StateError
from ..core.statedir import ensure_state_dir, open_private_file
from ._base import BackendCheck, BackupInfo, Row, Run, Store, format_ts
from ._migrations import Expected, normalize_sql
from ._model import ConflictError, StoreCorruptError, StoreRefused

__all__ = ["SqliteStore", "inspect_file", "open_sqlite", "restore_sqlite"]

MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 60_000
MIN_SQLITE = (3, 35, 0)  # RETURNING and upsert; the JSON functions are checked at open
_CORRUPT_HINT = (
    "the file was left exactly as found. Run `praxis-gate store check`, then restore the latest backup with "
    "`praxis-gate store restore BACKUP --force` (the damaged file is kept beside it). The gate never recreates a "
    "damaged store: a fresh one would silently forget approvals, consumptions and history."
)


class _SqliteTx:
    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.rowcount = -1

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            cursor = self._store.conn.execute(sql, tuple(params))
            rows = cursor.fetchall()
        except sqlite3.Error as exc:
            raise self._store.translate(exc) from exc
        self.rowcount = cursor.rowcount
        return rows


class SqliteStore(Store):
    backend = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        super().__init__(str(path))
        self.path = path
        self.conn = conn

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def _ts(self, value: datetime) -> Any:
        return format_ts(value)

    def _now(self, run: Run) -> datetime:
        return datetime.now(UTC)

    @contextmanager
    def _transaction(self, *, schema_lock: bool = False) -> Iterator[_SqliteTx]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self.translate(exc) from exc
        try:
            yield _SqliteTx(self)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise self.translate(exc) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            return self.conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise self.translate(exc) from exc

    def _existing_tables(self, run: Run) -> set[str]:
        return {str(r[0]) for r in run("SELECT name FROM sqlite_master WHERE type = 'table'", ())}

    def translate(self, exc: sqlite3.Error) -> GatekeeperError:
        """A driver error as the runner's error: conflicts, refusals, damage and everything else."""
        name = str(getattr(exc, "sqlite_errorname", ""))
        text = str(exc)
        if isinstance(exc, sqlite3.IntegrityError):
            if name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY") or "already exists" in text:
                return ConflictError(f"the store already holds this row: {text}")
            if name == "SQLITE_CONSTRAINT_FOREIGNKEY":
                return StoreRefused(f"refused by the store: a referenced row does not exist ({text})")
            return StoreRefused(f"refused by the store: {text}")
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return StoreCorruptError(f"the store {self.path} is damaged: {text}", hint=_CORRUPT_HINT)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return StateError(
                f"the store {self.path} stayed locked for {BUSY_TIMEOUT_MS // 1000}s: {text}",
                hint="another process holds a long write transaction on it; retry",
            )
        return StateError(f"the store {self.path} failed: {text}", hint="run `praxis-gate store check`")

    def quick_check(self) -> list[str]:
        rows = self._read("PRAGMA quick_check", ())
        return [] if [tuple(r) for r in rows] == [("ok",)] else [str(r[0]) for r in rows]

    def _check_backend(self, expected: Expected) -> BackendCheck:
        problems: list[str] = []
        master = self._read("SELECT type, name, tbl_name, sql FROM sqlite_master", ())
        tables = {r[1] for r in master if r[0] == "table"}
        triggers = {r[1]: r for r in master if r[0] == "trigger"}
        indexes = {r[1]: r for r in master if r[0] == "index" and r[3] is not None}
        tables_missing = tuple(t for t in expected.tables if t not in tables)
        problems.extend(f"table {t} is missing" for t in tables_missing)
        missing: list[str] = []
        for name, spec in sorted(expected.triggers.items()):
            row = triggers.get(name)
            if row is None:
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} is missing")
            elif normalize_sql(str(row[3])) != spec.sql:
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} was altered: it is not the one migrations created")
        for name, sql in sorted(expected.indexes.items()):
            row = indexes.get(name)
            if row is None:
                problems.append(f"index {name} is missing")
            elif normalize_sql(str(row[3])) != sql:
                problems.append(f"index {name} was altered: it is not the one migrations created")
        integrity_ok = True
        try:
            result = [str(r[0]) for r in self._read("PRAGMA integrity_check", ())]
            if result != ["ok"]:
                integrity_ok = False
                problems.extend(f"integrity_check: {line}" for line in result[:20])
            orphans = self._read("PRAGMA foreign_key_check", ())
            if orphans:
                integrity_ok = False
                problems.extend(f"foreign_key_check: {r[0]} row {r[1]} refers to a missing {r[2]}" for r in orphans[:9])
        except GatekeeperError as exc:
            integrity_ok = False
            problems.append(f"integrity_check failed: {exc.message}")
        return BackendCheck(
            tables_missing=tables_missing,
            triggers_missing=tuple(missing),
            integrity_ok=integrity_ok,
            problems=tuple(problems),
        )

    def backup(self, destination: Path) -> BackupInfo:
        """SQLite's online backup API into a new 0600 file, then the copy is opened and fully checked."""
        fd = open_private_file(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.close(fd)
        try:
            target = sqlite3.connect(_uri(destination, "rw"), uri=True, isolation_level=None)
            try:
                self.conn.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
            finally:
                target.close()
            report = verify_file(destination)
        except BaseException:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{destination}{suffix}")
            raise
        return report


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path))}?mode={mode}"


def inspect_file(path: Path) -> None:
    """Refuse anything at ``path`` that is not a regular file we own starting with SQLite's header. Never writes."""
    fd = open_private_file(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        header = os.read(fd, 100)
    finally:
        os.close(fd)
    if size < 100 or len(header) < 100:
        raise StoreCorruptError(
            f"the store {path} is damaged: {size} bytes, shorter than a SQLite header (truncated?)", hint=_CORRUPT_HINT
        )
    if header[:16] != MAGIC:
        raise StoreCorruptError(f"the store {path} is damaged: it is not a SQLite database", hint=_CORRUPT_HINT)


def _sha256_text(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StateError(
            f"SQLite {sqlite3.sqlite_version} is too old for the store (needs {'.'.join(map(str, MIN_SQLITE))})",
            hint="use a Python linked against a newer SQLite, or set PRAXIS_STORE_DSN to a PostgreSQL database",
        )
    conn = sqlite3.connect(_uri(path, "rw"), uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        for pragma in (
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys = ON",
            "PRAGMA recursive_triggers = ON",
            "PRAGMA cell_size_check = ON",
            "PRAGMA synchronous = FULL",
            # A purged approval body must not linger in freed pages: zero what is freed (the default on some
            # builds only, Debian's among them; python.org's and others leave the bytes in the file).
            "PRAGMA secure_delete = ON",
        ):
            conn.execute(pragma)
        # SQLite has no sha256; migration 2 hashes the bodies it moves with this (nothing in the schema calls it,
        # so any other client can still read and write the file).
        conn.create_function("praxis_sha256", 1, _sha256_text, deterministic=True)
        try:
            conn.execute("SELECT json_valid('{}')").fetchone()
        except sqlite3.OperationalError as exc:
            raise StateError(
                f"this SQLite ({sqlite3.sqlite_version}) has no JSON functions, which the store's constraints use",
                hint="use a Python linked against SQLite 3.38 or later, or set PRAXIS_STORE_DSN to PostgreSQL",
            ) from exc
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if not mode or str(mode[0]).lower() != "wal":
            raise StateError(f"cannot put the store {path} in WAL mode (got {mode!r})", hint="check the filesystem")
    except sqlite3.Error as exc:
        conn.close()
        raise SqliteStore(path, conn).translate(exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _create(path: Path) -> None:
    """Build a complete store in a temporary file, then link it into place (never replacing an existing one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    fd = open_private_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    os.close(fd)
    try:
        conn = _connect(tmp)
        try:
            SqliteStore(tmp, conn).migrate()
        finally:
            conn.close()
        with contextlib.suppress(FileExistsError):  # another process created it first: theirs is as good
            os.link(tmp, path)
        _fsync_dir(path.parent)
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{tmp}{suffix}")


def open_sqlite(
    path: Path, *, migrate: bool = True, create: bool = True, refuse_newer: bool = True, quick_check: bool = True
) -> SqliteStore:
    """Open (creating if allowed and absent) the SQLite store at ``path``; its directory must be ours alone."""
    directory = ensure_state_dir(path.parent)
    path = directory / path.name
    if not os.path.lexists(path):
        if not create:
            raise StateError(f"there is no store at {path}", hint="run `praxis-gate store migrate` to create it")
        _create(path)
    inspect_file(path)
    conn = _connect(path)
    store = SqliteStore(path, conn)
    try:
        if quick_check:
            damage = store.quick_check()
            if damage:
                raise StoreCorruptError(f"the store {path} is damaged: {'; '.join(damage[:3])}", hint=_CORRUPT_HINT)
        store._start(migrate=migrate, refuse_newer=refuse_newer)
    except BaseException:
        store.close()
        raise
    return store


def verify_file(path: Path) -> BackupInfo:
    """Open a copy (a backup) read-only, check it completely, and describe it. Raises StateError if it fails."""
    inspect_file(path)
    conn = sqlite3.connect(_uri(path, "ro") + "&immutable=1", uri=True, isolation_level=None)
    try:
        store = SqliteStore(path, conn)
        report = store.check(own_version=True)
    finally:
        conn.close()
    if not report.ok:
        raise StateError(
            f"the backup {path} does not verify: {'; '.join(report.problems[:5])}",
            hint="use another backup; this one was not changed",
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return BackupInfo(path, path.stat().st_size, digest.hexdigest(), report.schema_version)


def restore_sqlite(source: Path, path: Path, *, force: bool) -> tuple[BackupInfo, Path | None]:
    """Verify ``source``, then make it the store at ``path``; return what was restored and where the old file went.

    An existing store is only replaced with ``force``, and is first copied (online backup API, so a consistent
    snapshot) to ``state.db.replaced-<time>`` beside it: a restore never destroys history either. Stop every run
    that uses the store before restoring.
    """
    info = verify_file(source)
    directory = ensure_state_dir(path.parent)
    path = directory / path.name
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.restore")
    fd = open_private_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    os.close(fd)
    kept: Path | None = None
    try:
        src = sqlite3.connect(_uri(source, "ro") + "&immutable=1", uri=True, isolation_level=None)
        dst = sqlite3.connect(_uri(tmp, "rw"), uri=True, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = WAL")
        finally:
            src.close()
            dst.close()
        verify_file(tmp)
        if os.path.lexists(path):
            if not force:
                raise StateError(
                    f"refusing to replace the existing store {path}",
                    hint="stop every run using it, then repeat with --force (the current file is kept beside it)",
                )
            kept = path.with_name(f"{path.name}.replaced-{stamp}")
            if not _snapshot(path, kept):
                # A damaged live store cannot be copied page by page: keep the file itself instead.
                kept = path.with_name(f"{path.name}.damaged-{stamp}")
                os.link(path, kept)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{path}{suffix}")  # the old store's journal must never be replayed onto the restored one
        os.replace(tmp, path)
        _fsync_dir(directory)
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{tmp}{suffix}")
    return info, kept


def _snapshot(path: Path, destination: Path) -> bool:
    """Copy the live store to ``destination`` through the backup API; False if it is too damaged to copy."""
    try:
        live = open_sqlite(path, migrate=False, refuse_newer=False, quick_check=False)
    except GatekeeperError:
        return False
    try:
        live.backup(destination)
    except GatekeeperError:
        return False
    finally:
        live.close()
    return True


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
