# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared backend on a real server: what only PostgreSQL has (disabled triggers, roles, pg_dump, DSNs)."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import (
    SCHEMA_VERSION,
    ApprovalItem,
    Store,
    open_postgres,
    open_store,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._postgres import describe_dsn, restore_postgres
from conftest import PgCluster

pytestmark = pytest.mark.postgres
KEY = ("host-a", "sshd.port", "config")


@pytest.fixture
def pg_store(pg_database: str) -> Iterator[Store]:
    store = open_postgres(pg_database)
    try:
        yield store
    finally:
        store.close()


def _raw(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def test_open_store_uses_the_dsn_from_the_environment(pg_database: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = load_settings({"PRAXIS_STATE_DIR": str(state), "HOME": str(tmp_path)}, cfg=None)
    with open_store(settings, env={"PRAXIS_STORE_DSN": pg_database}) as store:
        assert store.backend == "postgres" and store.schema_version() == SCHEMA_VERSION
    assert not (state / "state.db").exists()  # no local store on the side


def test_disabled_trigger_is_reported(pg_store: Store, pg_database: str) -> None:
    _raw(pg_database, "ALTER TABLE consumptions DISABLE TRIGGER consumptions_no_delete")
    report = pg_store.check()
    assert not report.ok and report.triggers_missing == ("consumptions_no_delete",)
    assert any("disabled" in p for p in report.problems)


def test_trigger_with_a_when_condition_is_reported(pg_store: Store, pg_database: str) -> None:
    _raw(pg_database, "DROP TRIGGER facts_no_update ON facts")
    _raw(
        pg_database,
        "CREATE TRIGGER facts_no_update BEFORE UPDATE ON facts FOR EACH ROW WHEN (false) "
        "EXECUTE FUNCTION praxis_append_only()",
    )
    report = pg_store.check()
    assert report.triggers_missing == ("facts_no_update",)
    assert any("WHEN condition" in p for p in report.problems)


def test_altered_trigger_function_is_reported(pg_store: Store, pg_database: str) -> None:
    _raw(
        pg_database,
        "CREATE OR REPLACE FUNCTION praxis_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
        "BEGIN RETURN OLD; END $fn$",
    )
    report = pg_store.check()
    assert not report.ok and any("function praxis_append_only was altered" in p for p in report.problems)


def test_unmigrated_database_is_reported_then_migrated(pg_database: str) -> None:
    store = open_postgres(pg_database, migrate=False)
    try:
        assert store.schema_version() == 0
        report = store.check()
        assert not report.ok and any("store migrate" in p for p in report.problems)
        assert len(report.tables_missing) == 8
        assert store.migrate() == (0, SCHEMA_VERSION)
        assert store.check().ok
    finally:
        store.close()


def test_a_least_privilege_role_works_and_cannot_touch_the_triggers(
    pg_store: Store, pg_cluster: PgCluster, pg_database: str
) -> None:
    """The documented deployment: migrations as the owner, the gate as a role with SELECT and INSERT only."""
    role = f"gate_{uuid.uuid4().hex[:8]}"
    dbname = pg_database.rsplit("dbname=", 1)[1]
    _raw(pg_database, f"CREATE ROLE {role} LOGIN")
    try:
        _raw(pg_database, f"GRANT CONNECT ON DATABASE {dbname} TO {role}")
        _raw(pg_database, f"GRANT USAGE ON SCHEMA public TO {role}")
        _raw(pg_database, f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}")
        _raw(pg_database, f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        runtime_dsn = pg_database.replace(" user=praxis ", f" user={role} ")
        with open_postgres(runtime_dsn) as store:  # without the purge grant: check says bodies cannot be purged
            warned = store.check()
        assert warned.ok and any("may not purge approval bodies" in w for w in warned.warnings), warned
        _raw(pg_database, f"GRANT UPDATE (body, purged_at, purged_because) ON approval_bodies TO {role}")
        with open_postgres(runtime_dsn) as store:
            fact = store.put(*KEY, {"port": 22}, expected_hash=None, actor="gate")
            store.put(*KEY, {"port": 2222}, expected_hash=fact.content_hash, actor="gate", reason="r")
            store.record_killswitch("stop", reason="drill", actor="gate")
            store.add_approval_request(
                request_id="req-1", requester="gate", session="s", run_id="run", ruleset_digest="d",
                expires_at=datetime.now(UTC) + timedelta(hours=1),
                items=[ApprovalItem("item-1", "req-1", "ansible.builtin.copy", "web1", "T2", "d", {"task": "t"})],
                bodies={"item-1": {"diff": "listen 8080"}},
            )  # fmt: skip
            assert store.purge_bodies(["item-1"], because="denied") == 1
            body = store.approval_body("item-1")
            report = store.check()
        assert body is not None and body.purged and body.body is None
        assert report.ok and report.warnings == (), report
        for sql in (
            "ALTER TABLE facts DISABLE TRIGGER facts_no_delete",
            "DROP TRIGGER facts_no_delete ON facts",
            "DELETE FROM facts",
            "TRUNCATE facts CASCADE",
            "SET session_replication_role = replica",
            "ALTER TABLE approval_bodies DISABLE TRIGGER approval_bodies_purge_only",
            "UPDATE approval_bodies SET purged_because = 'used'",
            "DELETE FROM approval_bodies",
        ):
            with pytest.raises(psycopg.Error):
                _raw(runtime_dsn, sql)
    finally:
        _raw(pg_database, f"DROP OWNED BY {role}")
        pg_cluster.admin(f"DROP ROLE {role}")


def test_dsn_password_never_shown(pg_cluster: PgCluster) -> None:
    dsn = f"host={pg_cluster.socket_dir} port=1 user=praxis dbname=nope password=hunter2"
    assert "hunter2" not in describe_dsn(dsn)
    assert "hunter2" not in describe_dsn("postgresql://u:hunter2@db.example:5432/praxis")
    with pytest.raises(StateError, match="cannot connect") as caught:
        open_postgres(dsn)
    assert "hunter2" not in caught.value.diagnostics()
    with pytest.raises(StateError, match="not a valid") as bad:
        open_postgres("host='unterminated password=hunter2")
    assert "hunter2" not in bad.value.diagnostics()


def test_backup_and_restore_into_a_new_database(
    pg_store: Store, pg_database: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    v1 = pg_store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    pg_store.put(*KEY, {"port": 2222}, expected_hash=v1.content_hash, actor="bob", reason="hardening")
    pg_store.record_killswitch("stop", reason="drill", actor="alice")
    archive = tmp_path / "store.dump"
    info = pg_store.backup(archive)
    assert info.size > 0 and info.schema_version == SCHEMA_VERSION
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    with pytest.raises(StateError):
        pg_store.backup(archive)  # never overwrites
    with pytest.raises(StateError, match="already holds a praxis store"):
        restore_postgres(pg_database, archive)
    name = f"r_{uuid.uuid4().hex[:12]}"
    pg_cluster.admin(f'CREATE DATABASE "{name}"')
    try:
        report = restore_postgres(pg_cluster.dsn(name), archive)
        assert report.ok, report.problems
        with open_postgres(pg_cluster.dsn(name)) as restored:
            assert [f.version for f in restored.history(*KEY)] == [1, 2]
            assert [e.reason for e in restored.killswitch_history()] == ["drill"]
            with pytest.raises(StateError, match="append-only"):
                restored._read("DELETE FROM facts")
    finally:
        pg_cluster.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_refuses_a_file_that_is_not_a_store_archive(pg_cluster: PgCluster, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"PGDMP" + b"\x00" * 100)
    name = f"r_{uuid.uuid4().hex[:12]}"
    pg_cluster.admin(f'CREATE DATABASE "{name}"')
    try:
        with pytest.raises(StateError, match="pg_restore failed"):
            restore_postgres(pg_cluster.dsn(name), bogus)
    finally:
        pg_cluster.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
