# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One suite, both backends: every test here runs on SQLite and on a real PostgreSQL server (parity)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import IntegrityError, StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import (
    SCHEMA_VERSION,
    ApprovalItem,
    ConflictError,
    SchemaVersionError,
    Store,
    StoreRefused,
    canonical_json,
    content_hash,
)
from conftest import Target

KEY = ("host-a", "sshd.port", "config")
TABLES = [
    "facts",
    "approval_requests",
    "approval_items",
    "consumptions",
    "sessions",
    "killswitch_events",
    "schema_version",
]


def _seed(store: Store) -> None:
    """One row in every append-only table."""
    first = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    store.put(*KEY, {"port": 2222}, expected_hash=first.content_hash, actor="bob", reason="hardening")
    store.add_approval_request(
        request_id="req-1",
        requester="agent-7",
        session="sess-1",
        run_id="run-1",
        ruleset_digest="sha256:abc",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        payload={"why": "restart"},
        items=[ApprovalItem("item-1", "req-1", "ansible.builtin.service", "web1", "T2", "sha256:def", {"n": 1})],
    )
    assert store.consume("item-1", consumer="run-1", context={"task": "restart"})
    store.add_session(session_id="sess-1", principal="alice@ctl", attributes={"via": "cli"})
    store.record_killswitch("stop", reason="incident 42", actor="alice")


# ---------------------------------------------------------------------------------------------------- facts
def test_put_and_read_back(store: Store) -> None:
    fact = store.put(*KEY, {"port": 22, "b": [1, "x"]}, expected_hash=None, actor="alice")
    assert fact.version == 1 and fact.supersedes is None and not fact.retracted
    assert fact.content_hash == content_hash({"b": [1, "x"], "port": 22})
    assert canonical_json(fact.content) == '{"b":[1,"x"],"port":22}'
    assert fact.valid_from == fact.recorded_at and fact.valid_to is None
    assert store.current(*KEY) == fact
    assert store.current("host-a", "sshd.port", "other") is None


def test_compare_and_set_mismatch_writes_nothing(store: Store) -> None:
    first = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    with pytest.raises(ConflictError, match="compare-and-set conflict"):
        store.put(*KEY, {"port": 23}, expected_hash=None, actor="bob", reason="r")  # it exists already
    with pytest.raises(ConflictError):
        store.put(*KEY, {"port": 23}, expected_hash=content_hash({"port": 99}), actor="bob", reason="r")
    with pytest.raises(ConflictError):
        store.put("host-b", "x", "y", 1, expected_hash=first.content_hash, actor="bob")  # nothing there yet
    assert store.history(*KEY) == [first]
    assert store.list_current() == [first]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_supersede_without_reason_is_refused(store: Store, reason: str | None) -> None:
    first = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    with pytest.raises(StoreRefused, match="without a reason"):
        store.put(*KEY, {"port": 23}, expected_hash=first.content_hash, actor="bob", reason=reason)
    assert store.history(*KEY) == [first]


@pytest.mark.parametrize("actor", [None, "", "  "])
def test_write_without_actor_is_refused(store: Store, actor: str | None) -> None:
    with pytest.raises(StoreRefused, match="without an actor"):
        store.put(*KEY, 1, expected_hash=None, actor=actor)  # type: ignore[arg-type]
    first = store.put(*KEY, 1, expected_hash=None, actor="alice")
    with pytest.raises(StoreRefused, match="without an actor"):
        store.put(*KEY, 2, expected_hash=first.content_hash, actor=actor, reason="r")  # type: ignore[arg-type]
    assert store.history(*KEY) == [first]


def test_history_keeps_every_version(store: Store) -> None:
    v1 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    v2 = store.put(*KEY, {"port": 2222}, expected_hash=v1.content_hash, actor="bob", reason="hardening")
    v3 = store.put(*KEY, {"port": 22}, expected_hash=v2.content_hash, actor="carol", reason="rollback")
    history = store.history(*KEY)
    assert history == [v1, v2, v3]
    assert [f.version for f in history] == [1, 2, 3]
    assert [f.supersedes for f in history] == [None, v1.fact_id, v2.fact_id]
    assert [(f.actor, f.reason) for f in history] == [("alice", None), ("bob", "hardening"), ("carol", "rollback")]
    assert v1.recorded_at <= v2.recorded_at <= v3.recorded_at
    assert store.current(*KEY) == v3


def test_retract_leaves_a_tombstone_and_history(store: Store) -> None:
    v1 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    with pytest.raises(StoreRefused, match="reason"):
        store.retract(*KEY, expected_hash=v1.content_hash, actor="bob", reason="")
    tomb = store.retract(*KEY, expected_hash=v1.content_hash, actor="bob", reason="host decommissioned")
    assert tomb.retracted and tomb.version == 2 and tomb.content is None
    assert store.current(*KEY) is None
    assert store.list_current() == []
    with pytest.raises(StoreRefused, match="nothing to retract"):
        store.retract(*KEY, expected_hash=None, actor="bob", reason="again")  # type: ignore[arg-type]
    # Re-creating after a retraction supersedes the tombstone: it needs a reason, and "no current fact" as CAS.
    with pytest.raises(StoreRefused, match="without a reason"):
        store.put(*KEY, {"port": 22}, expected_hash=None, actor="carol")
    v3 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="carol", reason="host is back")
    assert v3.version == 3 and store.current(*KEY) == v3
    assert [f.version for f in store.history(*KEY)] == [1, 2, 3]


def test_as_of_recorded_time(store: Store) -> None:
    v1 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    v2 = store.put(
        *KEY, {"port": 2222}, expected_hash=v1.content_hash, actor="bob", reason="hardening", valid_from=v1.valid_from
    )
    assert store.as_of(*KEY, known_at=v1.recorded_at - timedelta(seconds=1)) is None
    assert store.as_of(*KEY, known_at=v1.recorded_at) == v1
    assert store.as_of(*KEY, known_at=v2.recorded_at) == v2
    assert store.as_of(*KEY) == v2


def test_as_of_valid_time(store: Store) -> None:
    jan, mar, apr, may = (datetime(2025, m, 1, tzinfo=UTC) for m in (1, 3, 4, 5))
    v1 = store.put(*KEY, "A", expected_hash=None, actor="alice", valid_from=jan)
    v2 = store.put(
        *KEY, "B", expected_hash=v1.content_hash, actor="bob", reason="maintenance window", valid_from=mar, valid_to=apr
    )
    assert store.as_of(*KEY, valid_at=jan - timedelta(days=1)) is None
    assert store.as_of(*KEY, valid_at=datetime(2025, 2, 1, tzinfo=UTC)) == v1
    assert store.as_of(*KEY, valid_at=datetime(2025, 3, 15, tzinfo=UTC)) == v2
    assert store.as_of(*KEY, valid_at=may) == v1  # B was only valid in March
    # Before B was recorded, March belonged to A.
    assert store.as_of(*KEY, valid_at=datetime(2025, 3, 15, tzinfo=UTC), known_at=v1.recorded_at) == v1
    tomb = store.retract(*KEY, expected_hash=v2.content_hash, actor="carol", reason="gone", valid_from=may)
    assert store.as_of(*KEY, valid_at=may + timedelta(days=1)) is None
    assert store.as_of(*KEY, valid_at=datetime(2025, 2, 1, tzinfo=UTC)) == v1
    assert tomb.valid_from == may
    with pytest.raises(StoreRefused, match="valid_to"):
        store.put("h", "p", "t", 1, expected_hash=None, actor="a", valid_from=apr, valid_to=mar)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.as_of(*KEY, valid_at=datetime(2025, 1, 1))


def test_list_current_filters(store: Store) -> None:
    a = store.put("web1", "pkg", "drift_finding", {"n": 1}, expected_hash=None, actor="x")
    b = store.put("web2", "pkg", "drift_finding", {"n": 2}, expected_hash=None, actor="x")
    c = store.put("web1", "svc", "convergence_request", {"n": 3}, expected_hash=None, actor="x")
    a2 = store.put("web1", "pkg", "drift_finding", {"n": 4}, expected_hash=a.content_hash, actor="x", reason="r")
    assert store.list_current() == [a2, c, b]
    assert store.list_current(subject="web1") == [a2, c]
    assert store.list_current(fact_type="drift_finding") == [a2, b]
    assert store.list_current(predicate="svc", fact_type="convergence_request") == [c]


def test_contents_are_json_only(store: Store) -> None:
    with pytest.raises(StoreRefused, match="JSON"):
        store.put(*KEY, {"x": {1, 2}}, expected_hash=None, actor="a")
    with pytest.raises(StoreRefused, match="JSON"):
        store.put(*KEY, float("nan"), expected_hash=None, actor="a")
    fact = store.put(*KEY, {"t": "caf\u00e9 \x00 \U0001f600"}, expected_hash=None, actor="a")
    assert store.current(*KEY) == fact and fact.content == {"t": "caf\u00e9 \x00 \U0001f600"}


# ------------------------------------------------------------------------------------ approvals, sessions, log
def test_approval_request_items_and_single_use(store: Store) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    items = [
        ApprovalItem("i1", "r1", "ansible.builtin.shell", "web1", "T2", "sha256:1", {"cmd": "x"}),
        ApprovalItem("i2", "r1", "ansible.builtin.reboot", "web1", "T3", "sha256:2"),
    ]
    request = store.add_approval_request(
        request_id="r1",
        requester="agent",
        session="s",
        run_id="run",
        ruleset_digest="d",
        expires_at=expires,
        items=items,
    )
    assert store.approval_request("r1") == request
    assert request.expires_at == expires and request.created_at < expires
    assert store.approval_items("r1") == items
    assert store.approval_item("i2") == items[1]
    assert store.approval_item("nope") is None and store.approval_request("nope") is None
    assert store.consumption("i1") is None
    assert store.consume("i1", consumer="run-9", context={"host": "web1"}) is True
    assert store.consume("i1", consumer="run-10") is False
    used = store.consumption("i1")
    assert used is not None and used.consumer == "run-9" and used.context == {"host": "web1"}
    assert store.consume("i2", consumer="run-10") is True
    with pytest.raises(StoreRefused, match="no approval item"):
        store.consume("i3", consumer="run-10")


def test_approval_requests_are_immutable_and_atomic(store: Store) -> None:
    expires = datetime.now(UTC) + timedelta(hours=1)
    store.add_approval_request(
        request_id="r1",
        requester="agent",
        session="s",
        run_id="run",
        ruleset_digest="d",
        expires_at=expires,
        items=[ApprovalItem("i1", "r1", "a", "t", "T1", "d")],
    )
    with pytest.raises(ConflictError, match="already exists"):
        store.add_approval_request(
            request_id="r1", requester="other", session="s", run_id="run", ruleset_digest="d", expires_at=expires
        )
    with pytest.raises(ConflictError):  # a new request reusing an item id: neither is written
        store.add_approval_request(
            request_id="r2",
            requester="agent",
            session="s",
            run_id="run",
            ruleset_digest="d",
            expires_at=expires,
            items=[ApprovalItem("i1", "r2", "a", "t", "T1", "d")],
        )
    assert store.approval_request("r2") is None
    with pytest.raises(StoreRefused, match="belongs to"):
        store.add_approval_request(
            request_id="r3",
            requester="agent",
            session="s",
            run_id="run",
            ruleset_digest="d",
            expires_at=expires,
            items=[ApprovalItem("i9", "r1", "a", "t", "T1", "d")],
        )
    with pytest.raises(StoreRefused, match="tier"):
        store.add_approval_request(
            request_id="r4",
            requester="agent",
            session="s",
            run_id="run",
            ruleset_digest="d",
            expires_at=expires,
            items=[ApprovalItem("i9", "r4", "a", "t", "T7", "d")],
        )
    with pytest.raises(StoreRefused, match="expired"):
        store.add_approval_request(
            request_id="r5",
            requester="agent",
            session="s",
            run_id="run",
            ruleset_digest="d",
            expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )


def test_sessions_and_killswitch_history(store: Store) -> None:
    session = store.add_session(session_id="s1", principal="alice@ctl", attributes={"tty": True})
    assert store.session("s1") == session and store.session("s2") is None
    with pytest.raises(ConflictError):
        store.add_session(session_id="s1", principal="mallory")
    stop = store.record_killswitch("stop", reason="incident", actor="alice")
    clear = store.record_killswitch("clear", reason="resolved", actor="bob")
    assert store.killswitch_history() == [stop, clear]
    assert store.killswitch_history(limit=1) == [clear]
    assert stop.event_id < clear.event_id and stop.at <= clear.at
    with pytest.raises(StoreRefused):
        store.record_killswitch("pause", reason="x", actor="a")  # type: ignore[arg-type]
    with pytest.raises(StoreRefused):
        store.record_killswitch("stop", reason=" ", actor="a")


# --------------------------------------------------------------------------------- raw SQL cannot rewrite history
@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_update_and_delete_are_blocked(store: Store, target: Target, table: str) -> None:
    _seed(store)
    before = target.raw(f"SELECT * FROM {table} ORDER BY 1")
    assert before
    column = target.raw(f"SELECT * FROM {table}")
    first_column = {
        "facts": "actor",
        "approval_requests": "requester",
        "approval_items": "target",
        "consumptions": "consumer",
        "sessions": "principal",
        "killswitch_events": "reason",
        "schema_version": "description",
    }[table]
    assert column
    with pytest.raises(target.driver_error, match="append-only"):
        target.raw(f"UPDATE {table} SET {first_column} = 'mallory'")
    with pytest.raises(target.driver_error, match="append-only"):
        target.raw(f"DELETE FROM {table}")
    with pytest.raises(target.driver_error, match="append-only"):
        target.raw(f"DELETE FROM {table} WHERE 1 = 1")
    assert target.raw(f"SELECT * FROM {table} ORDER BY 1") == before


@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_truncate_or_replace_is_blocked(store: Store, target: Target, table: str) -> None:
    """PostgreSQL: TRUNCATE (and CASCADE). SQLite has no TRUNCATE; its row-replacing INSERT OR REPLACE is refused."""
    _seed(store)
    before = target.raw(f"SELECT * FROM {table} ORDER BY 1")
    if target.kind == "postgres":
        with pytest.raises(target.driver_error):  # append-only, or "referenced in a foreign key constraint"
            target.raw(f"TRUNCATE {table}")
        with pytest.raises(target.driver_error, match="append-only"):
            target.raw(f"TRUNCATE {table} CASCADE")
    else:
        with pytest.raises(target.driver_error, match="append-only"):
            target.raw(f"INSERT OR REPLACE INTO {table} SELECT * FROM {table}")
        with pytest.raises(target.driver_error, match="append-only"):
            target.raw(f"REPLACE INTO {table} SELECT * FROM {table}")
    assert target.raw(f"SELECT * FROM {table} ORDER BY 1") == before


def test_raw_sql_upsert_cannot_rewrite_a_consumption(store: Store, target: Target) -> None:
    _seed(store)
    with pytest.raises(target.driver_error, match="append-only"):
        target.raw(
            "INSERT INTO consumptions (item_id, consumer, consumed_at, context) "
            "SELECT item_id, 'mallory', consumed_at, context FROM consumptions WHERE true "
            "ON CONFLICT (item_id) DO UPDATE SET consumer = 'mallory'"
        )
    used = store.consumption("item-1")
    assert used is not None and used.consumer == "run-1"


def test_raw_sql_cannot_supersede_without_reason_or_fork_a_chain(store: Store, target: Target) -> None:
    v1 = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    other = store.put("host-b", "sshd.port", "config", {"port": 22}, expected_hash=None, actor="alice")
    columns = (
        "fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash, valid_from, "
        "recorded_at, actor, reason"
    )
    copy = (
        f"INSERT INTO facts ({columns}) SELECT ?, subject, predicate, fact_type, ?, ?, content, content_hash, "
        "valid_from, recorded_at, ?, ? FROM facts WHERE fact_id = ?"
    )
    # No reason (or a blank one) for a superseding row: refused by the database, not only by the code.
    for reason in (None, "  "):
        with pytest.raises(target.driver_error, match="facts_supersede_needs_reason"):
            target.raw(copy, ("x1", 2, v1.fact_id, "mallory", reason, v1.fact_id))
    # A second root for the same key, a version that skips ahead, and a link into another key's chain.
    with pytest.raises(target.driver_error):
        target.raw(copy, ("x2", 1, None, "mallory", None, v1.fact_id))
    with pytest.raises(target.driver_error, match="chain"):
        target.raw(copy, ("x3", 3, v1.fact_id, "mallory", "r", v1.fact_id))
    with pytest.raises(target.driver_error, match="chain"):
        target.raw(copy, ("x4", 2, other.fact_id, "mallory", "r", v1.fact_id))
    # One legitimate successor, then a fork of the same version is refused.
    store.put(*KEY, {"port": 2222}, expected_hash=v1.content_hash, actor="bob", reason="hardening")
    with pytest.raises(target.driver_error):
        target.raw(copy, ("x5", 2, v1.fact_id, "mallory", "fork", v1.fact_id))
    assert [f.actor for f in store.history(*KEY)] == ["alice", "bob"]
    assert store.check().ok


# ---------------------------------------------------------------------------------------- schema and migrations
def test_migrations_recorded_once_and_reopen_is_idempotent(store: Store, target: Target) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    assert store.migrate() == (SCHEMA_VERSION, SCHEMA_VERSION)
    again = target.open()
    try:
        assert again.schema_version() == SCHEMA_VERSION
    finally:
        again.close()
    assert [r[0] for r in target.raw("SELECT version FROM schema_version ORDER BY version")] == list(
        range(1, SCHEMA_VERSION + 1)
    )


def test_newer_schema_is_refused_with_a_clear_error(store: Store, target: Target) -> None:
    store.close()
    target.raw(
        "INSERT INTO schema_version (version, description, applied_at, applied_by) VALUES (?, ?, ?, ?)",
        (SCHEMA_VERSION + 1, "from the future", "2030-01-01T00:00:00.000000Z", "a newer release"),
    )
    with pytest.raises(SchemaVersionError) as caught:
        target.open()
    text = caught.value.diagnostics()
    assert f"schema version {SCHEMA_VERSION + 1}" in text
    assert f"up to {SCHEMA_VERSION}" in text
    assert "upgrade praxis.gatekeeper" in text
    assert isinstance(caught.value, StateError)
    inspected = target.open(migrate=False, refuse_newer=False)
    try:
        report = inspected.check()
        with pytest.raises(SchemaVersionError):
            inspected.migrate()
    finally:
        inspected.close()
    assert not report.ok and report.schema_version == SCHEMA_VERSION + 1
    assert any("newer than this code" in p for p in report.problems)


def test_check_is_clean_on_a_healthy_store(store: Store) -> None:
    _seed(store)
    report = store.check()
    assert report.ok, report.problems
    assert report.schema_version == report.expected_version == SCHEMA_VERSION
    assert report.integrity_ok and not report.triggers_missing and not report.tables_missing
    assert report.facts_checked == 2
    assert len(report.triggers_expected) == 26  # 7 append-only tables x 3, facts_chain, 4 on approval_bodies
    assert report.as_dict()["ok"] is True


@pytest.mark.parametrize("trigger", ["facts_no_delete", "consumptions_no_update", "facts_chain"])
def test_check_reports_a_dropped_trigger(store: Store, target: Target, trigger: str) -> None:
    _seed(store)
    table = trigger.rsplit("_no_", 1)[0] if "_no_" in trigger else "facts"
    target.raw(f"DROP TRIGGER {trigger}" + (f" ON {table}" if target.kind == "postgres" else ""))
    report = store.check()
    assert not report.ok
    assert report.triggers_missing == (trigger,)
    assert any(trigger in p and "missing" in p for p in report.problems)


def test_check_reports_a_trigger_replaced_by_a_harmless_one(store: Store, target: Target) -> None:
    _seed(store)
    if target.kind == "sqlite":
        target.raw("DROP TRIGGER facts_no_delete")
        target.raw("CREATE TRIGGER facts_no_delete BEFORE DELETE ON facts BEGIN SELECT 1; END")
    else:
        target.raw("DROP TRIGGER facts_no_delete ON facts")
        target.raw("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$")
        target.raw("CREATE TRIGGER facts_no_delete BEFORE DELETE ON facts FOR EACH ROW EXECUTE FUNCTION noop()")
    report = store.check()
    assert not report.ok and report.triggers_missing == ("facts_no_delete",)
    assert any("altered" in p for p in report.problems)


def test_check_reports_a_forged_fact(store: Store, target: Target) -> None:
    """A row whose content does not match its hash: PostgreSQL refuses it outright, SQLite's check finds it."""
    fact = store.put(*KEY, {"port": 22}, expected_hash=None, actor="alice")
    forged = (
        "INSERT INTO facts (fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash, "
        "valid_from, recorded_at, actor, reason) SELECT 'forged', subject, predicate, fact_type, 2, fact_id, "
        "'{\"port\":23}', content_hash, valid_from, recorded_at, 'mallory', 'r' FROM facts WHERE fact_id = ?"
    )
    if target.kind == "postgres":
        with pytest.raises(target.driver_error, match="facts_content_hash_matches"):
            target.raw(forged, (fact.fact_id,))
        return
    target.raw(forged, (fact.fact_id,))
    report = store.check()
    assert not report.ok and any("does not match content_hash" in p for p in report.problems)
    with pytest.raises(IntegrityError, match="does not match its content hash"):
        store.current(*KEY)
