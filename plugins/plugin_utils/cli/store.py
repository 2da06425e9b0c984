# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate store ...``: create or migrate, check, back up and restore the append-only store.

Kept apart from cli.py so the store's operations live beside the store; cli.py calls ``register`` once. Exit codes
follow cli.py: 0 success, 2 usage, configuration or state error, 3 the check (or a backup's verification) failed.
``check`` opens the store without migrating it and without refusing a newer schema, so that it can report exactly
what it found; every other command refuses a schema newer than this code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..approvals import bodies
from ..core.display import emit, emit_json
from ..core.errors import StateError
from ..core.settings import GateSettings
from ..store import SCHEMA_VERSION, CheckReport, StoreCorruptError, open_store, sqlite_path, store_dsn

__all__ = ["register"]

EXIT_OK, EXIT_ERROR, EXIT_VERIFY = 0, 2, 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``store migrate|check|backup|restore`` to the praxis-gate parser."""
    store = subparsers.add_parser("store", help="the append-only state store: migrate, check, back up, restore")
    sub = store.add_subparsers(dest="store", required=True)

    migrate = sub.add_parser(
        "migrate", help="create the store, or apply pending schema migrations (and purge approval bodies that are due)"
    )
    migrate.set_defaults(func=cmd_store_migrate)

    check = sub.add_parser("check", help="schema version, append-only triggers, integrity, fact hashes and chains")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_store_check)

    backup = sub.add_parser("backup", help="write a verified copy to a new file (SQLite: backup API; PG: pg_dump)")
    backup.add_argument("path", help="the backup file to create (never overwritten)")
    backup.set_defaults(func=cmd_store_backup)

    restore = sub.add_parser("restore", help="verify a backup, then restore it (see docs/store.md)")
    restore.add_argument("path", help="a backup made by `praxis-gate store backup`")
    restore.add_argument(
        "--force", action="store_true", help="SQLite: replace an existing store (it is kept beside the restored one)"
    )
    restore.set_defaults(func=cmd_store_restore)


def cmd_store_migrate(args: argparse.Namespace, settings: GateSettings) -> int:
    with open_store(settings, migrate=False) as store:
        before, after = store.migrate()
        location = store.location
        purged = bodies.settle(store)  # approval bodies already decided or expired (version 2 moved them)
    if before == after:
        emit(f"store {location}: schema version {after}, up to date")
    else:
        emit(f"store {location}: schema version {before} -> {after}")
    if purged:
        emit(f"purged {purged} approval bodies of decided or expired requests to their sha256")
    return EXIT_OK


def cmd_store_check(args: argparse.Namespace, settings: GateSettings) -> int:
    try:
        store = open_store(settings, migrate=False, create=False, refuse_newer=False)
    except StoreCorruptError as exc:
        if args.json:
            emit_json({"ok": False, "problems": [exc.message], "hint": exc.hint}, indent=2, sort_keys=True)
        else:
            emit(f"store check FAILED: {exc.message}", stream=sys.stderr)
            if exc.hint:
                emit(f"  next: {exc.hint}", stream=sys.stderr)
        return EXIT_VERIFY
    with store:
        report = store.check()
    if args.json:
        emit_json(report.as_dict(), indent=2, sort_keys=True)
    else:
        _print_report(report)
    return EXIT_OK if report.ok else EXIT_VERIFY


def _print_report(report: CheckReport) -> None:
    emit(f"store: {report.backend} {report.location}")
    emit(f"schema version: {report.schema_version} (this code: {report.expected_version})")
    missing = ", ".join(report.triggers_missing)
    present = len(report.triggers_expected) - len(report.triggers_missing)
    emit(
        f"append-only triggers: {present}/{len(report.triggers_expected)} present"
        + (f"; missing or altered: {missing}" if missing else "")
    )
    emit(f"integrity: {'ok' if report.integrity_ok else 'FAILED'}; facts verified: {report.facts_checked}")
    for problem in report.problems:
        emit(f"  problem: {problem}")
    for warning in report.warnings:
        emit(f"  warning: {warning}")
    emit("OK" if report.ok else "FAILED")


def cmd_store_backup(args: argparse.Namespace, settings: GateSettings) -> int:
    destination = Path(args.path).absolute()
    if destination.exists() or destination.is_symlink():
        raise StateError(f"refusing to overwrite {destination}", hint="give a new file name for the backup")
    with open_store(settings, migrate=False, create=False) as store:
        if store.schema_version() == SCHEMA_VERSION:
            bodies.settle(store)  # a backup holds no body that should already be gone
        info = store.backup(destination)
    emit(
        f"backup of {store.location} written to {info.path}: {info.size} bytes, sha256 {info.sha256}, "
        f"schema version {info.schema_version}; verified"
    )
    return EXIT_OK


def cmd_store_restore(args: argparse.Namespace, settings: GateSettings) -> int:
    source = Path(args.path).absolute()
    dsn = store_dsn()
    if dsn is not None:
        from ..store._postgres import describe_dsn, restore_postgres  # noqa: PLC0415 - psycopg is optional

        if args.force:
            raise StateError(
                "--force only applies to the SQLite store: a PostgreSQL restore never overwrites a database",
                hint="create a new, empty database, point PRAXIS_STORE_DSN at it, and restore into it",
            )
        report = restore_postgres(dsn, source)
        emit(f"restored {source} into {describe_dsn(dsn)}")
        _print_report(report)
        return EXIT_OK if report.ok else EXIT_VERIFY
    from ..store._sqlite import restore_sqlite  # noqa: PLC0415 - only this command needs it

    target = sqlite_path(settings)
    info, kept = restore_sqlite(source, target, force=args.force)
    emit(f"restored {info.path} (sha256 {info.sha256}, schema version {info.schema_version}) to {target}; verified")
    if kept is not None:
        emit(f"the store it replaced is kept at {kept}")
    return EXIT_OK
