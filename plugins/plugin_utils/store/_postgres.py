# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared backend: one PostgreSQL database for several controllers or every AWX execution node.

Why these choices:

* psycopg is imported here, lazily: it is an optional extra (``praxis-gatekeeper[postgres]``), and a controller on
  the embedded SQLite store must not need it. ``PRAXIS_STORE_DSN`` set without psycopg installed is a StateError
  that says what to install: the gate never falls back to a local file when the operator asked for a shared store,
  because two controllers with two different stores would each accept the same approval once.
* Races are decided by the database, not by locks held in Python: a compare-and-set that loses hits a unique index
  (``facts_one_root`` or ``facts_one_successor``) and rolls back; a second consumption of an approval item meets
  the item's primary key under ``ON CONFLICT DO NOTHING``, which waits for the first writer and then records
  nothing. Both hold at READ COMMITTED, for any number of processes on any number of hosts.
* Times come from the server's clock (``clock_timestamp()``), so controllers with skewed clocks agree on the order
  of what they recorded.
* Triggers refuse UPDATE and DELETE per row and TRUNCATE per statement. They stop any role that may write rows but
  does not own the tables; the owner (or a superuser) can disable triggers or rewrite a column with ALTER TABLE, so
  the runtime role should not be either (docs/store.md shows the grants). `praxis-gate store check` reports a
  trigger that is missing, disabled, given a WHEN condition or pointed at another function, and warns when it runs
  as the owner or as a superuser.
* The connection string may hold a password: it is never printed. Locations are shown as host, port, database and
  user only, and pg_dump/pg_restore get the password through the environment, not the command line.

Security constraints: SEC-10 (docs/security-constraints.yml).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..core.errors import GatekeeperError, StateError
from ..core.statedir import open_private_file
from ._base import BackendCheck, BackupInfo, Row, Run, Store
from ._migrations import Expected
from ._model import CheckReport, ConflictError, StoreRefused

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore", "describe_dsn", "find_pg_tool", "open_postgres", "restore_postgres"]

_MIGRATION_LOCK = 0x70726178  # "prax": pg_advisory_xact_lock key that serialises migrations
_DEFAULT_CONNECT_TIMEOUT = 10
_TOOL_TIMEOUT = 3600


def _psycopg() -> ModuleType:
    try:
        import psycopg  # noqa: PLC0415 - optional dependency, only for a PostgreSQL store
    except ImportError as exc:
        raise StateError(
            "PRAXIS_STORE_DSN names a PostgreSQL store, but psycopg (version 3) is not installed",
            hint="pip install 'praxis-gatekeeper[postgres]' into the Python that runs Ansible (in AWX: the "
            "execution environment), or unset PRAXIS_STORE_DSN to use the embedded SQLite store",
        ) from exc
    return psycopg


def _params(dsn: str) -> dict[str, Any]:
    psycopg = _psycopg()
    try:
        return dict(psycopg.conninfo.conninfo_to_dict(dsn))
    except psycopg.Error as exc:
        raise StateError(
            "PRAXIS_STORE_DSN is not a valid PostgreSQL connection string (not shown: it may hold a password)",
            hint="use 'host=... port=... dbname=... user=...' or postgresql://user@host:port/dbname",
        ) from exc


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def describe_dsn(dsn: str) -> str:
    """Where a DSN points, without its password (or anything else that is not host, port, database or user)."""
    params = _params(dsn)
    parts = [f"{key}={params[key]}" for key in ("host", "port", "dbname", "user") if params.get(key)]
    return "postgresql " + (" ".join(parts) or "(libpq defaults)")


class _PgTx:
    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self.rowcount = -1

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows, self.rowcount = self._store._execute(sql, params)
        return rows


class PostgresStore(Store):
    backend = "postgres"

    def __init__(self, conn: psycopg.Connection[Any], location: str, dsn: str) -> None:
        super().__init__(location)
        self.conn = conn
        self._dsn = dsn

    def close(self) -> None:
        self.conn.close()

    def _execute(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        psycopg = _psycopg()
        try:
            if params:
                cursor = self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
            else:
                cursor = self.conn.execute(sql)  # no placeholders: DDL keeps its % and ? as written
            rows = [tuple(r) for r in cursor.fetchall()] if cursor.description else []
        except psycopg.Error as exc:
            raise self.translate(exc) from exc
        return rows, cursor.rowcount

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._execute(sql, params)[0]

    def _now(self, run: Run) -> datetime:
        value = run("SELECT clock_timestamp()", ())[0][0]
        if not isinstance(value, datetime):
            raise StateError(f"PostgreSQL's clock_timestamp() returned {type(value).__name__}, not a timestamp")
        return value

    @contextmanager
    def _transaction(self, *, schema_lock: bool = False) -> Iterator[_PgTx]:
        psycopg = _psycopg()
        try:
            with self.conn.transaction():
                tx = _PgTx(self)
                if schema_lock:
                    tx.run("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
                yield tx
        except psycopg.Error as exc:
            raise self.translate(exc) from exc

    def _existing_tables(self, run: Run) -> set[str]:
        rows = run(
            "SELECT c.relname FROM pg_catalog.pg_class AS c "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')",
            (),
        )
        return {str(r[0]) for r in rows}

    def translate(self, exc: Exception) -> GatekeeperError:
        psycopg = _psycopg()
        errors = psycopg.errors
        diag = getattr(exc, "diag", None)
        text = _first_line(getattr(diag, "message_primary", None) or str(exc)) or type(exc).__name__
        if isinstance(exc, errors.UniqueViolation):
            return ConflictError(f"the store already holds this row: {text}")
        if isinstance(exc, errors.ForeignKeyViolation):
            return StoreRefused(f"refused by the store: a referenced row does not exist ({text})")
        if isinstance(exc, (psycopg.IntegrityError, errors.RaiseException)):
            return StoreRefused(f"refused by the store: {text}")
        if isinstance(exc, psycopg.OperationalError):
            return StateError(
                f"cannot use the PostgreSQL store {self.location}: {text}",
                hint="check that the server is reachable and PRAXIS_STORE_DSN is right; the gate does not fall back "
                "to another store",
            )
        return StateError(f"the PostgreSQL store {self.location} failed: {text}", hint="run `praxis-gate store check`")

    def _check_backend(self, expected: Expected) -> BackendCheck:
        problems: list[str] = []
        warnings: list[str] = []
        tables = self._existing_tables(self._read)
        tables_missing = tuple(t for t in expected.tables if t not in tables)
        problems.extend(f"table {t} is missing" for t in tables_missing)
        rows = self._read(
            "SELECT t.tgname, c.relname, t.tgtype, t.tgenabled, t.tgqual IS NULL, p.proname, pn.nspname "
            "FROM pg_catalog.pg_trigger AS t "
            "JOIN pg_catalog.pg_class AS c ON c.oid = t.tgrelid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_proc AS p ON p.oid = t.tgfoid "
            "JOIN pg_catalog.pg_namespace AS pn ON pn.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND NOT t.tgisinternal",
            (),
        )
        schema = str(self._read("SELECT current_schema()", ())[0][0])
        found = {str(r[0]): r for r in rows}
        missing: list[str] = []
        for name, spec in sorted(expected.triggers.items()):
            row = found.get(name)
            if row is None:
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} is missing")
                continue
            _unused, table, tgtype, enabled, no_condition, function, function_schema = row
            if table != spec.table or int(tgtype) != spec.tgtype or function != spec.function:
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} was altered: it is not the one migrations created")
            elif not no_condition:
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} was given a WHEN condition")
            elif function_schema != schema:
                missing.append(name)
                problems.append(f"trigger {name} calls {function_schema}.{function}, not the store's own function")
            elif str(enabled) not in ("O", "A"):
                missing.append(name)
                problems.append(f"trigger {name} on {spec.table} is disabled (ALTER TABLE ... DISABLE TRIGGER)")
        bodies = {
            str(r[0]): str(r[1])
            for r in self._read(
                "SELECT p.proname, p.prosrc FROM pg_catalog.pg_proc AS p "
                "JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()",
                (),
            )
        }
        for name, body in sorted(expected.functions.items()):
            if name not in bodies:
                problems.append(f"function {name} is missing")
            elif bodies[name].strip() != body.strip():
                problems.append(f"function {name} was altered: it is not the one migrations created")
        index_rows = self._read(
            "SELECT i.relname, t.relname, ix.indisunique, ix.indisvalid, ix.indpred IS NOT NULL "
            "FROM pg_catalog.pg_index AS ix JOIN pg_catalog.pg_class AS i ON i.oid = ix.indexrelid "
            "JOIN pg_catalog.pg_class AS t ON t.oid = ix.indrelid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = i.relnamespace WHERE n.nspname = current_schema()",
            (),
        )
        indexes = {str(r[0]): r for r in index_rows}
        for name, sql in sorted(expected.indexes.items()):
            row = indexes.get(name)
            table_match = re.search(r" ON (\w+)", sql)
            table = table_match.group(1) if table_match else ""
            want = (table, sql.startswith("CREATE UNIQUE"), True, " WHERE " in sql)
            if row is None:
                problems.append(f"index {name} is missing")
            elif (row[1], bool(row[2]), bool(row[3]), bool(row[4])) != want:
                problems.append(f"index {name} was altered or is invalid: it is not the one migrations created")
        unvalidated = self._read(
            "SELECT c.conname FROM pg_catalog.pg_constraint AS c JOIN pg_catalog.pg_namespace AS n "
            "ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND NOT c.convalidated",
            (),
        )
        problems.extend(f"constraint {r[0]} is not validated (NOT VALID)" for r in unvalidated)
        superuser = self._read("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user", ())
        if superuser and superuser[0][0]:
            warnings.append(
                "connected as a superuser: it can disable the append-only triggers; run the gate as a role that may "
                "only SELECT and INSERT (docs/store.md)"
            )
        if "approval_bodies" in expected.tables and "approval_bodies" in tables:
            may_purge = self._read(
                "SELECT bool_and(has_column_privilege(current_user, 'approval_bodies', c, 'UPDATE')) "
                "FROM unnest(ARRAY['body', 'purged_at', 'purged_because']) AS c",
                (),
            )
            if not (may_purge and may_purge[0][0]):
                warnings.append(
                    "this role may not purge approval bodies (UPDATE on approval_bodies' body, purged_at and "
                    "purged_because): diffs stay in the store after their decision; grant it (docs/store.md)"
                )
        owned = self._read(
            "SELECT c.relname FROM pg_catalog.pg_class AS c "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND pg_catalog.pg_get_userbyid(c.relowner) = "
            "current_user AND c.relname = ANY(?)",
            (list(expected.tables),),
        )
        if owned:
            warnings.append(
                f"connected as the owner of {len(owned)} store tables: the owner can drop or disable triggers; run "
                "migrations as the owner and the gate as a role granted only SELECT and INSERT (docs/store.md)"
            )
        return BackendCheck(
            tables_missing=tables_missing,
            triggers_missing=tuple(missing),
            integrity_ok=not unvalidated,
            problems=tuple(problems),
            warnings=tuple(warnings),
        )

    def backup(self, destination: Path) -> BackupInfo:
        """pg_dump (custom format) into a new 0600 file, verified with ``pg_restore --list``."""
        pg_dump = find_pg_tool("pg_dump")
        if pg_dump is None:
            raise StateError(
                "pg_dump is not installed here, so the CLI cannot back up the PostgreSQL store",
                hint=f"install postgresql-client, or run: {backup_command(self._dsn, destination)}",
            )
        version = self.schema_version()
        fd = open_private_file(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        os.close(fd)
        try:
            conninfo, env = _tool_conninfo(self._dsn)
            _run_tool(
                [pg_dump, "--format=custom", "--no-password", f"--file={destination}", f"--dbname={conninfo}"], env
            )
            _verify_archive(destination)
        except BaseException:
            destination.unlink(missing_ok=True)
            raise
        digest = hashlib.sha256(destination.read_bytes()).hexdigest()
        return BackupInfo(destination, destination.stat().st_size, digest, version)


def _tool_conninfo(dsn: str) -> tuple[str, dict[str, str]]:
    """A conninfo for pg_dump/pg_restore without the password, which goes into PGPASSWORD instead."""
    psycopg = _psycopg()
    params = _params(dsn)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return str(psycopg.conninfo.make_conninfo(**params)), env


def _run_tool(argv: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=_TOOL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StateError(f"{os.path.basename(argv[0])} failed to run: {exc}") from exc
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise StateError(f"{os.path.basename(argv[0])} failed (exit {done.returncode}): {tail}")
    return done.stdout


def _verify_archive(path: Path) -> None:
    pg_restore = find_pg_tool("pg_restore")
    if pg_restore is None:
        raise StateError("pg_restore is not installed here, so the archive cannot be verified", hint="install it")
    listing = _run_tool([pg_restore, "--list", str(path)], dict(os.environ))
    if not re.search(r"TABLE DATA \S+ schema_version ", listing) or not re.search(r"TABLE DATA \S+ facts ", listing):
        raise StateError(f"{path} is a PostgreSQL archive, but not of a praxis store (no schema_version or facts)")


def find_pg_tool(name: str) -> str | None:
    """A PostgreSQL program from PATH, else the newest /usr/lib/postgresql/<major>/bin (Debian's layout)."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/", path)
        return int(match.group(1)) if match else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major, reverse=True)
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def backup_command(dsn: str, destination: Path) -> str:
    return f"PGPASSWORD=... pg_dump --format=custom --file={destination} --dbname='{describe_dsn(dsn)[11:]}'"


def open_postgres(dsn: str, *, migrate: bool = True, refuse_newer: bool = True) -> PostgresStore:
    """Connect to the PostgreSQL store named by ``dsn`` (migrating it unless told not to)."""
    psycopg = _psycopg()
    params = _params(dsn)
    location = describe_dsn(dsn)
    extra: dict[str, Any] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = _DEFAULT_CONNECT_TIMEOUT
    if "application_name" not in params:
        extra["application_name"] = "praxis-gatekeeper"
    try:
        conn = psycopg.connect(dsn, autocommit=True, **extra)
    except psycopg.Error as exc:
        first = _first_line(str(exc)) or type(exc).__name__
        raise StateError(
            f"cannot connect to the PostgreSQL store {location}: {first}",
            hint="check that the server is reachable and PRAXIS_STORE_DSN is right; the gate does not fall back to "
            "another store",
        ) from exc
    store = PostgresStore(conn, location, dsn)
    try:
        store._execute("SET TIME ZONE 'UTC'", ())
        store._start(migrate=migrate, refuse_newer=refuse_newer)
    except BaseException:
        store.close()
        raise
    return store


def restore_postgres(dsn: str, source: Path) -> CheckReport:
    """Restore a pg_dump archive into the (empty) database named by ``dsn``, then check it.

    Refused when that database already holds a praxis store: a restore never overwrites history. Create a new
    database, restore into it, check it, then point PRAXIS_STORE_DSN at it.
    """
    pg_restore = find_pg_tool("pg_restore")
    if pg_restore is None:
        raise StateError("pg_restore is not installed here", hint="install postgresql-client (the same major version)")
    _verify_archive(source)
    store = open_postgres(dsn, migrate=False, refuse_newer=False)
    try:
        present = sorted(store._existing_tables(store._read) & {"schema_version", "facts", "consumptions"})
    finally:
        store.close()
    if present:
        raise StateError(
            f"refusing to restore into {describe_dsn(dsn)}: it already holds a praxis store ({', '.join(present)})",
            hint="create a new, empty database (createdb), restore into it, run `praxis-gate store check`, then "
            "point PRAXIS_STORE_DSN at it",
        )
    conninfo, env = _tool_conninfo(dsn)
    _run_tool(
        [pg_restore, "--exit-on-error", "--single-transaction", "--no-owner", "--no-password",
         f"--dbname={conninfo}", str(source)],
        env,
    )  # fmt: skip
    restored = open_postgres(dsn, migrate=False, refuse_newer=True)
    try:
        return restored.check(own_version=True)
    finally:
        restored.close()
