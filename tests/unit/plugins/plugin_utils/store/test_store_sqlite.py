# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The embedded backend: file safety, damage that is reported and never repaired, backup and restore."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import (
    SCHEMA_VERSION,
    Store,
    StoreCorruptError,
    open_sqlite,
    open_store,
    store_dsn,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._sqlite import restore_sqlite

KEY = ("host-a", "sshd.port", "config")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    return directory


def _filled(path: Path, facts: int = 300) -> None:
    """A store spanning many pages, so that truncation cuts real data."""
    store = open_sqlite(path)
    try:
        for i in range(facts):
            content = {"pkgs": [f"p{j}" for j in range(20)]}
            store.put(f"host-{i}", "packages", "inventory", content, expected_hash=None, actor="setup")
    finally:
        store.close()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_new_store_is_owner_only_and_in_wal_mode(state: Path) -> None:
    old = os.umask(0)
    try:
        store = open_sqlite(state / "state.db")
    finally:
        os.umask(old)
    try:
        store.put(*KEY, 1, expected_hash=None, actor="a")
        for name in os.listdir(state):
            assert stat.S_IMODE(os.stat(state / name).st_mode) == 0o600, name
        assert store.check().ok
    finally:
        store.close()
    conn = sqlite3.connect(state / "state.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()
    assert _siblings(state / "state.db") == ["state.db"]  # no temporary build file left behind


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"this is not a database at all\n" * 200, id="garbage"),
        pytest.param(lambda data: os.urandom(len(data)), id="random-bytes"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[:60], id="truncated-header"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated-half"),
        pytest.param(lambda data: data[:4096] + b"\xff" * 4096 + data[8192:], id="page-overwritten"),
    ],
)
def test_damaged_file_is_reported_and_left_untouched(state: Path, damage: object) -> None:
    path = state / "state.db"
    _filled(path)
    damaged = damage(path.read_bytes())  # type: ignore[operator]
    path.write_bytes(damaged)
    before = _siblings(path)
    with pytest.raises(StoreCorruptError) as caught:
        open_sqlite(path)
    assert str(path) in caught.value.message
    assert "never recreates" in caught.value.hint
    assert path.read_bytes() == damaged  # not repaired, not recreated, not truncated
    assert _siblings(path) == before


def test_damage_is_reported_by_check_even_when_open_skips_the_quick_check(state: Path) -> None:
    path = state / "state.db"
    _filled(path)
    data = path.read_bytes()
    middle = (len(data) // 2) // 4096 * 4096  # fact pages; the schema lives in the first pages
    damaged = data[:middle] + b"\xff" * 8192 + data[middle + 8192 :]
    path.write_bytes(damaged)
    store = open_sqlite(path, migrate=False, refuse_newer=False, quick_check=False)
    try:
        report = store.check()
    finally:
        store.close()
    assert not report.ok and not report.integrity_ok
    assert path.read_bytes() == damaged


def test_symlink_and_foreign_owner_refused(state: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.db"
    _filled(real, facts=1)
    (state / "state.db").symlink_to(real)
    with pytest.raises(StateError, match="symbolic link"):
        open_sqlite(state / "state.db")


def test_missing_store_is_not_created_when_told_not_to(state: Path) -> None:
    with pytest.raises(StateError, match="no store"):
        open_sqlite(state / "state.db", create=False)
    assert not (state / "state.db").exists()


def test_an_unmigrated_database_is_reported_then_migrated(state: Path) -> None:
    path = state / "state.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE scratch (a)")
    conn.execute("DROP TABLE scratch")
    conn.close()
    os.chmod(path, 0o600)
    store = open_sqlite(path, migrate=False)
    try:
        assert store.schema_version() == 0
        report = store.check()
        assert not report.ok and any("store migrate" in p for p in report.problems)
        assert store.migrate() == (0, SCHEMA_VERSION)
        assert store.check().ok
    finally:
        store.close()


def test_praxis_tables_without_a_schema_version_are_refused(state: Path) -> None:
    path = state / "state.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE facts (a)")
    conn.close()
    with pytest.raises(StateError, match="no schema_version"):
        open_sqlite(path)


def test_open_store_picks_sqlite_in_the_state_dir_without_a_dsn(state: Path) -> None:
    settings = load_settings({"PRAXIS_STATE_DIR": str(state), "HOME": str(state)}, cfg=None)
    assert store_dsn({}) is None and store_dsn({"PRAXIS_STORE_DSN": "  "}) is None
    assert store_dsn({"PRAXIS_STORE_DSN": " host=x "}) == "host=x"
    with open_store(settings, env={}) as store:
        assert store.backend == "sqlite" and store.location == str(state / "state.db")


def test_a_dsn_without_psycopg_is_a_clear_error_not_a_fallback(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings({"PRAXIS_STATE_DIR": str(state), "HOME": str(state)}, cfg=None)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StateError, match="psycopg") as caught:
        open_store(settings, env={"PRAXIS_STORE_DSN": "host=/nonexistent dbname=x password=hunter2"})
    assert "praxis-gatekeeper[postgres]" in caught.value.hint
    assert "hunter2" not in caught.value.diagnostics()
    assert not (state / "state.db").exists()


def test_backup_is_verified_owner_only_and_never_overwrites(state: Path, tmp_path: Path) -> None:
    path = state / "state.db"
    _filled(path, facts=20)
    store = open_sqlite(path)
    try:
        info = store.backup(tmp_path / "backup.db")
        assert info.size > 0 and len(info.sha256) == 64 and info.schema_version == SCHEMA_VERSION
        assert stat.S_IMODE(os.stat(tmp_path / "backup.db").st_mode) == 0o600
        with pytest.raises(StateError):
            store.backup(tmp_path / "backup.db")
    finally:
        store.close()
    copy = open_sqlite(tmp_path / "backup.db", migrate=False)
    try:
        assert len(copy.list_current()) == 20 and copy.check().ok
    finally:
        copy.close()


def test_restore_refuses_a_live_store_without_force_and_keeps_the_old_one(state: Path, tmp_path: Path) -> None:
    path = state / "state.db"
    store = open_sqlite(path)
    try:
        v1 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
        store.backup(tmp_path / "backup.db")
        store.put(*KEY, {"port": 2222}, expected_hash=v1.content_hash, actor="bob", reason="after the backup")
    finally:
        store.close()
    with pytest.raises(StateError, match="refusing to replace"):
        restore_sqlite(tmp_path / "backup.db", path, force=False)
    info, kept = restore_sqlite(tmp_path / "backup.db", path, force=True)
    assert kept is not None and kept.parent == state and kept.name.startswith("state.db.replaced-")
    assert info.schema_version == SCHEMA_VERSION
    restored: Store = open_sqlite(path)
    try:
        assert [f.version for f in restored.history(*KEY)] == [1]
    finally:
        restored.close()
    previous = open_sqlite(kept, migrate=False)
    try:
        assert [f.version for f in previous.history(*KEY)] == [1, 2]  # history before the restore is kept
    finally:
        previous.close()


def test_restore_verifies_the_backup_first(state: Path, tmp_path: Path) -> None:
    path = state / "state.db"
    _filled(path, facts=5)
    live = path.read_bytes()
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a backup" * 100)
    os.chmod(bad, 0o600)
    with pytest.raises(StoreCorruptError):
        restore_sqlite(bad, path, force=True)
    # A backup whose append-only triggers were dropped is refused too.
    tampered = tmp_path / "tampered.db"
    store = open_sqlite(path)
    try:
        store.backup(tampered)
    finally:
        store.close()
    conn = sqlite3.connect(tampered)
    conn.execute("DROP TRIGGER facts_no_delete")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="does not verify"):
        restore_sqlite(tampered, path, force=True)
    assert path.read_bytes() == live
    assert not any(".restore" in name for name in os.listdir(state))


def test_restore_over_a_damaged_store_keeps_the_damaged_file(state: Path, tmp_path: Path) -> None:
    path = state / "state.db"
    _filled(path, facts=5)
    store = open_sqlite(path)
    try:
        store.backup(tmp_path / "backup.db")
    finally:
        store.close()
    path.write_bytes(b"garbage" * 1000)
    _unused, kept = restore_sqlite(tmp_path / "backup.db", path, force=True)
    assert kept is not None and kept.name.startswith("state.db.damaged-")
    assert kept.read_bytes() == b"garbage" * 1000
    with open_sqlite(path) as restored:
        assert len(restored.list_current()) == 5
