# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Append-only state (SEC-10): one interface, an embedded SQLite file or a shared PostgreSQL database behind it.

Why a store at all: approvals must be single-use across every process of every run, sessions and kill-switch
history must outlive a run, and later drift findings need versions with a past. Why append-only: this state is
evidence. A history that can be rewritten proves nothing, so the store only ever adds rows; a change is a new
version that names the one it replaces, records who made it and why, and keeps the old one. The database itself
refuses UPDATE, DELETE and TRUNCATE, so this holds for any client, not only for this code. The one exception is
``approval_bodies``: what an operator reads before approving is kept only until the decision or expiry, and its one
permitted change is a purge that leaves its sha256 (approvals/bodies.py).

Which backend: ``PRAXIS_STORE_DSN`` (operator environment) names a PostgreSQL database shared by several
controllers or AWX execution nodes; otherwise the store is ``state.db`` in the owner-only state directory. There is
no silent fallback from one to the other. See docs/store.md.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from ..core.settings import GateSettings
from ..core.statedir import ensure_state_dir
from ._base import BackupInfo, Store
from ._migrations import LATEST
from ._model import (
    ApprovalBody,
    ApprovalItem,
    ApprovalRequest,
    CheckReport,
    ConflictError,
    Consumption,
    Fact,
    KillSwitchEvent,
    SchemaVersionError,
    Session,
    StoreCorruptError,
    StoreRefused,
    canonical_json,
    content_hash,
)

__all__ = [
    "DSN_VARIABLE",
    "SCHEMA_VERSION",
    "SQLITE_NAME",
    "ApprovalBody",
    "ApprovalItem",
    "ApprovalRequest",
    "BackupInfo",
    "CheckReport",
    "ConflictError",
    "Consumption",
    "Fact",
    "KillSwitchEvent",
    "SchemaVersionError",
    "Session",
    "Store",
    "StoreCorruptError",
    "StoreRefused",
    "canonical_json",
    "content_hash",
    "open_postgres",
    "open_sqlite",
    "open_store",
    "sqlite_path",
    "store_dsn",
    "warm",
]

DSN_VARIABLE = "PRAXIS_STORE_DSN"
SQLITE_NAME = "state.db"
SCHEMA_VERSION = LATEST


def store_dsn(env: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL connection string from ``PRAXIS_STORE_DSN``, or None for the embedded SQLite store."""
    value = (os.environ if env is None else env).get(DSN_VARIABLE, "")
    return value.strip() or None


def sqlite_path(settings: GateSettings) -> Path:
    return settings.state_dir / SQLITE_NAME


def open_sqlite(
    path: Path, *, migrate: bool = True, create: bool = True, refuse_newer: bool = True, quick_check: bool = True
) -> Store:
    from ._sqlite import open_sqlite as _open  # noqa: PLC0415 - keeps sqlite3 out of imports that never need it

    return _open(path, migrate=migrate, create=create, refuse_newer=refuse_newer, quick_check=quick_check)


def open_postgres(dsn: str, *, migrate: bool = True, refuse_newer: bool = True) -> Store:
    from ._postgres import open_postgres as _open  # noqa: PLC0415 - psycopg is optional

    return _open(dsn, migrate=migrate, refuse_newer=refuse_newer)


def warm(env: Mapping[str, str] | None = None) -> None:
    """Load, in this process, what opening the operator's store will need (its backend module, the PostgreSQL
    driver, the first timestamp parse), opening nothing; never raises.

    Why: ansible-core forks one worker per task and host, and a worker whose task uses the store (an approval item,
    a --check plan, an agent session) imported the driver itself: psycopg costs about 140 ms of CPU in a fresh
    process, which is what made a 2,000-item --check plan on PostgreSQL take twice the CPU of one on SQLite. The
    controller calls this before the first worker that will need it forks (adapter/warmup.py, through the seams),
    so the workers inherit the modules. No connection is made: a connection does not survive a fork."""
    try:
        from . import _base  # noqa: PLC0415 - the store loads on first use

        _base.warm_timestamps()
        if store_dsn(env) is not None:
            from . import _postgres  # noqa: F401, PLC0415

            with contextlib.suppress(ImportError):  # opening the store says what to install
                import psycopg  # noqa: F401, PLC0415
        else:
            from . import _sqlite  # noqa: F401, PLC0415
    except Exception:  # only a head start: the worker that needs the store loads it, or says what is missing
        return


def open_store(
    settings: GateSettings,
    *,
    env: Mapping[str, str] | None = None,
    migrate: bool = True,
    create: bool = True,
    refuse_newer: bool = True,
    quick_check: bool = True,
) -> Store:
    """The operator's store: PostgreSQL when ``PRAXIS_STORE_DSN`` is set in ``env`` (default: the process
    environment), else ``state.db`` in the state directory. Migrations are applied at open unless ``migrate`` is
    False; a database newer than this code is refused unless ``refuse_newer`` is False (for `store check`).
    ``quick_check`` (SQLite) verifies every page at open: O(size), milliseconds for a typical store.
    """
    dsn = store_dsn(env)
    if dsn is not None:
        return open_postgres(dsn, migrate=migrate, refuse_newer=refuse_newer)
    directory = ensure_state_dir(settings.state_dir)
    return open_sqlite(
        directory / SQLITE_NAME, migrate=migrate, create=create, refuse_newer=refuse_newer, quick_check=quick_check
    )
