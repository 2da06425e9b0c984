# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval bodies (a dry run's diff kept for review) live in ``approval_bodies`` until their item is decided or
expires, then only their sha256 remains. Every test runs on SQLite and on a real PostgreSQL server.

What is proved, each with a positive control (the body really is there, readable, before the purge):

* the store: a body is whole while pending; a purge leaves only its hash, is idempotent, and keeps the first
  purge's time and reason; the sweep purges used and expired bodies and nothing else;
* the database: raw SQL can purge a body and nothing else; every other UPDATE, a DELETE, TRUNCATE (PostgreSQL),
  a row-replacing INSERT (SQLite) and an INSERT of an already empty body are refused;
* the migration: a store made by schema version 1 keeps every row of every table and has its bodies moved;
* the whole path, through the real gate and the real ``praxis-gate approvals`` commands: every decision
  (approve, deny, the use of an approval, expiry) purges the body, and ``approvals show`` then says so with the hash.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import bodies
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver, load_operator_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    Binding,
    TokenItem,
    plan_id,
    sign_token,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import (
    DSN_VARIABLE,
    SCHEMA_VERSION,
    ApprovalItem,
    Store,
    StoreRefused,
    canonical_json,
    open_sqlite,
    open_store,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._migrations import MIGRATIONS, PURGE_REASONS
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._postgres import PostgresStore
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._sqlite import SqliteStore
from conftest import Target

from tests.operator_env import operator_environment

MARK = "listen 8080 # reviewed-body-marker"
DIFF = [{"before": "listen 80\n", "after": f"{MARK}\n", "before_header": "/etc/app.conf"}]
LATER = "2031-01-01T00:00:00.000000Z"  # a timestamp literal both backends accept


def _request(store: Store, request_id: str, *, items: int = 1, hours: float = 1.0, diff: Any = None) -> list[str]:
    """An approval request whose items hold ``diff`` as their body (DIFF when not given)."""
    diff = DIFF if diff is None else diff
    ids = [f"{request_id}-item-{n}" for n in range(items)]
    store.add_approval_request(
        request_id=request_id, requester="agent", session="s", run_id="run", ruleset_digest="d",
        expires_at=datetime.now(UTC) + timedelta(hours=hours), payload={"plan": request_id},
        items=[ApprovalItem(i, request_id, "ansible.builtin.copy", "web1", "T2", "sha256:x", {"task": "t"})
               for i in ids],
        bodies={i: {"diff": diff} for i in ids},
    )  # fmt: skip
    return ids


def _table(target: Target, table: str) -> list[tuple[Any, ...]]:
    return target.raw(f"SELECT * FROM {table} ORDER BY 1")


# ------------------------------------------------------------------------------------------------ the store
@pytest.mark.parametrize("because", PURGE_REASONS)
def test_a_pending_body_is_whole_then_purged_to_its_hash(store: Store, target: Target, because: str) -> None:
    (item_id,) = _request(store, "req-a")
    item = store.approval_item(item_id)
    held = store.approval_body(item_id)
    # positive control: the body is in the store, readable, and its hash is the one the item keeps
    assert item is not None and held is not None and not held.purged and held.body == {"diff": DIFF}
    text = canonical_json({"diff": DIFF})
    assert held.sha256 == item.body_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert "diff" not in item.payload and MARK not in json.dumps(item.payload)
    assert MARK in json.dumps(_table(target, "approval_bodies"))

    assert store.purge_bodies([item_id], because=because) == 1
    gone = store.approval_body(item_id)
    assert gone is not None and gone.purged and gone.body is None and gone.purged_because == because
    assert gone.sha256 == held.sha256 and gone.purged_at is not None
    assert MARK not in json.dumps(_table(target, "approval_bodies"), default=str)
    assert MARK not in json.dumps(_table(target, "approval_items"), default=str)
    assert store.approval_item(item_id) == item  # the append-only row is untouched
    # idempotent: a second purge (for any reason) changes nothing, the first time and reason stay
    assert store.purge_bodies([item_id], because="expired") == 0
    assert store.approval_body(item_id) == gone
    assert store.check().ok, store.check().problems


def test_an_item_without_a_body_has_none_and_bodies_must_belong_to_the_request(store: Store) -> None:
    store.add_approval_request(
        request_id="req-b", requester="agent", session="s", run_id="run", ruleset_digest="d",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        items=[ApprovalItem("req-b-1", "req-b", "ansible.builtin.command", "web1", "T2", "sha256:x", {"task": "t"})],
    )  # fmt: skip
    item = store.approval_item("req-b-1")
    assert item is not None and item.body_sha256 is None and store.approval_body("req-b-1") is None
    with pytest.raises(StoreRefused, match="not part of req-d"):
        store.add_approval_request(
            request_id="req-d", requester="a", session="s", run_id="r", ruleset_digest="d",
            expires_at=datetime.now(UTC) + timedelta(hours=1), bodies={"elsewhere": {"diff": 1}},
        )  # fmt: skip
    with pytest.raises(StoreRefused, match="store's to write"):
        store.add_approval_request(
            request_id="req-e", requester="a", session="s", run_id="r", ruleset_digest="d",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            items=[ApprovalItem("req-e-1", "req-e", "a", "t", "T2", "d", {"body_sha256": "0" * 64})],
        )  # fmt: skip
    assert store.approval_request("req-d") is None and store.approval_request("req-e") is None


def test_the_sweep_purges_used_and_expired_bodies_and_nothing_else(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    (soon,) = _request(store, "req-soon", hours=1)
    (later,) = _request(store, "req-later", hours=3)
    (used,) = _request(store, "req-used", hours=3)
    assert store.sweep_bodies() == 0  # nothing due: one read, no write
    assert all(not b.purged for b in map(store.approval_body, (soon, later, used)) if b is not None)
    assert store.consume(used, consumer="run-1")
    clock = datetime.now(UTC) + timedelta(hours=2)  # req-soon has expired, req-later has not
    monkeypatch.setattr(store, "_now", lambda run: clock)
    assert store.sweep_bodies() == 2
    states = {i: store.approval_body(i) for i in (soon, later, used)}
    reasons = {i: (b.purged_because if b else "?") for i, b in states.items()}
    assert reasons == {soon: "expired", later: None, used: "used"}
    assert states[later] is not None and states[later].body == {"diff": DIFF}  # positive control
    assert store.unpurged_bodies() == [(later, "req-later")]
    assert store.sweep_bodies() == 0


# ------------------------------------------------------------------------------------------ the database
def _forbidden(kind: str, item: str, other: str) -> list[tuple[str, str]]:
    """(what, SQL) that would change a body row other than by a purge, or remove it."""
    zero = "0" * 64
    rows = [
        ("rewrite the body", f"UPDATE approval_bodies SET body = '{{\"diff\":\"mallory\"}}' WHERE item_id = '{item}'"),
        ("change the hash", f"UPDATE approval_bodies SET body_sha256 = '{zero}' WHERE item_id = '{item}'"),
        ("move it to another item", f"UPDATE approval_bodies SET item_id = '{other}-x' WHERE item_id = '{item}'"),
        ("empty it without a purge record", f"UPDATE approval_bodies SET body = NULL WHERE item_id = '{item}'"),
        ("purge it under another hash",
         f"UPDATE approval_bodies SET body = NULL, purged_at = '{LATER}', purged_because = 'used', "
         f"body_sha256 = '{zero}' WHERE item_id = '{item}'"),
        ("mark it purged but keep the body",
         f"UPDATE approval_bodies SET purged_at = '{LATER}', purged_because = 'used' WHERE item_id = '{item}'"),
        ("restore a purged body",
         f"UPDATE approval_bodies SET body = '{{\"diff\":1}}', purged_at = NULL, purged_because = NULL "
         f"WHERE item_id = '{other}'"),
        ("re-date a purge", f"UPDATE approval_bodies SET purged_at = '{LATER}' WHERE item_id = '{other}'"),
        ("give a purge another reason",
         f"UPDATE approval_bodies SET purged_because = 'approved' WHERE item_id = '{other}'"),
        ("delete a pending body", f"DELETE FROM approval_bodies WHERE item_id = '{item}'"),
        ("delete a purged body", f"DELETE FROM approval_bodies WHERE item_id = '{other}'"),
        ("delete every body", "DELETE FROM approval_bodies"),
        ("insert a body already empty",
         f"INSERT INTO approval_bodies (item_id, body_sha256, body, purged_at, purged_because) "
         f"SELECT '{other}-y', body_sha256, NULL, '{LATER}', 'used' FROM approval_bodies WHERE item_id = '{other}'"),
    ]  # fmt: skip
    two = hashlib.sha256(b'{"diff":2}').hexdigest()  # a consistent new row: only the conflict is wrong
    upsert = (
        f"INSERT INTO approval_bodies (item_id, body_sha256, body) VALUES ('{item}', '{two}', '{{\"diff\":2}}') "
        "ON CONFLICT (item_id) DO UPDATE SET body = EXCLUDED.body, body_sha256 = EXCLUDED.body_sha256"
    )
    rows.append(("upsert a new body", upsert))
    if kind == "postgres":
        rows += [("truncate", "TRUNCATE approval_bodies"), ("truncate cascade", "TRUNCATE approval_bodies CASCADE")]
    else:
        rows += [("replace a row", "INSERT OR REPLACE INTO approval_bodies SELECT * FROM approval_bodies"),
                 ("replace a purged row",
                  f"REPLACE INTO approval_bodies (item_id, body_sha256, body) SELECT item_id, body_sha256, "
                  f"'{{\"diff\":2}}' FROM approval_bodies WHERE item_id = '{other}'")]  # fmt: skip
    return rows


def _forbidden_ids() -> list[str]:
    return [what for what, _unused in _forbidden("postgres", "i", "o")] + ["replace a row", "replace a purged row"]


@pytest.mark.parametrize("what", _forbidden_ids())
def test_raw_sql_can_change_a_body_only_by_purging_it(store: Store, target: Target, what: str) -> None:
    (pending,) = _request(store, "req-p")
    (purged,) = _request(store, "req-q")
    store.purge_bodies([purged], because="denied")
    statements = dict(_forbidden(target.kind, pending, purged))
    if what not in statements:
        pytest.skip(f"{what}: no such statement on {target.kind}")  # TRUNCATE (PostgreSQL) / REPLACE (SQLite)
    before = _table(target, "approval_bodies")
    assert MARK in json.dumps(before, default=str)  # positive control: the pending body is there
    with pytest.raises(target.driver_error, match=r"only allows a purge|append-only"):
        target.raw(statements[what])
    assert _table(target, "approval_bodies") == before


def test_raw_sql_may_purge_a_body_once_and_repeat_it_harmlessly(store: Store, target: Target) -> None:
    """The trigger's positive control: the one permitted change, through raw SQL, and its idempotent repeat."""
    (item_id,) = _request(store, "req-r")
    digest = store.approval_body(item_id).sha256  # type: ignore[union-attr]
    purge = (
        f"UPDATE approval_bodies SET body = NULL, purged_at = '{LATER}', purged_because = 'expired' "
        f"WHERE item_id = '{item_id}'"
    )
    target.raw(purge)
    after = store.approval_body(item_id)
    assert after is not None and after.purged and after.sha256 == digest and after.purged_because == "expired"
    target.raw(f"UPDATE approval_bodies SET body = NULL WHERE item_id = '{item_id}'")  # a purge of a purged row
    target.raw(f"UPDATE approval_bodies SET purged_because = 'expired' WHERE item_id = '{item_id}'")  # no change
    assert store.approval_body(item_id) == after
    assert store.check().ok


def test_check_finds_a_body_that_does_not_match_its_hash(store: Store, target: Target) -> None:
    """PostgreSQL refuses such a row outright (a CHECK over sha256); on SQLite `store check` finds it."""
    store.add_approval_request(
        request_id="req-f", requester="agent", session="s", run_id="run", ruleset_digest="d",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        items=[ApprovalItem("req-f-1", "req-f", "ansible.builtin.copy", "web1", "T2", "sha256:x", {"task": "t"})],
    )  # fmt: skip
    forged = "INSERT INTO approval_bodies (item_id, body_sha256, body) VALUES ('req-f-1', ?, '{\"diff\":\"x\"}')"
    if target.kind == "postgres":
        with pytest.raises(target.driver_error, match="approval_bodies_hash_matches"):
            target.raw(forged, ("0" * 64,))
        return
    assert store.check().ok  # positive control
    target.raw(forged, ("0" * 64,))
    report = store.check()
    assert not report.ok and any("does not match its sha256" in p for p in report.problems), report.problems
    assert any("not the one the item recorded" in p for p in report.problems)


# ------------------------------------------------------------------------------------------- the migration
V1_DIFFS: dict[str, Any] = {
    "object": {"before": "caf\u00e9 80\n", "after": f"{MARK}\n"},
    "list": DIFF,
    "text": f"{MARK} as one string \u00e9",
    "true": True,
    "number": 3,
}


def _ts(delta: timedelta) -> str:
    value = datetime.now(UTC) + delta
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version_1_store(target: Target) -> dict[str, dict[str, Any]]:
    """A store exactly as schema version 1 made and filled it (its statements, rows written by raw SQL); returns
    each item's version-1 payload."""
    if target.kind == "sqlite":
        target.path.touch(mode=0o600)
    for statement in MIGRATIONS[0].statements(target.kind):
        target.raw(statement)
    target.raw(
        "INSERT INTO schema_version (version, description, applied_at, applied_by) VALUES (1, 'v1', ?, 'test')",
        (_ts(timedelta(days=-1)),),
    )
    for request_id, created, expires in (("req-old", -3, -1), ("req-new", -1, 5)):
        target.raw(
            "INSERT INTO approval_requests (request_id, created_at, requester, session, run_id, ruleset_digest, "
            "expires_at, payload) VALUES (?, ?, 'agent', 's', 'run', 'd', ?, ?)",
            (request_id, _ts(timedelta(hours=created)), _ts(timedelta(hours=expires)),
             canonical_json({"plan": request_id})),
        )  # fmt: skip
    payloads: dict[str, dict[str, Any]] = {}
    for name, diff in V1_DIFFS.items():
        payloads[f"new-{name}"] = {"task": f"task {name}", "args": {"x": name}, "diff": diff, "reasons": ["T2"]}
    payloads["new-null"] = {"task": "null diff", "diff": None}
    payloads["new-none"] = {"task": "no diff", "args": {}}
    payloads["old-object"] = {"task": "expired", "diff": V1_DIFFS["object"]}
    payloads["new-used"] = {"task": "used", "diff": V1_DIFFS["list"]}
    for item_id, payload in payloads.items():
        target.raw(
            "INSERT INTO approval_items (item_id, request_id, action, target, tier, args_digest, payload) "
            "VALUES (?, ?, 'ansible.builtin.copy', 'web1', 'T2', 'sha256:x', ?)",
            (item_id, "req-old" if item_id.startswith("old") else "req-new", canonical_json(payload)),
        )
    target.raw(
        "INSERT INTO consumptions (item_id, consumer, consumed_at, context) VALUES ('new-used', 'run-1', ?, '{}')",
        (_ts(timedelta(minutes=-5)),),
    )
    content = canonical_json({"port": 22})
    target.raw(
        "INSERT INTO facts (fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash, "
        "valid_from, recorded_at, actor) VALUES ('f1', 'web1', 'sshd.port', 'config', 1, NULL, ?, ?, ?, ?, 'alice')",
        (content, hashlib.sha256(content.encode()).hexdigest(), _ts(timedelta(hours=-2)), _ts(timedelta(hours=-2))),
    )
    target.raw(
        "INSERT INTO sessions (session_id, principal, created_at, attributes) VALUES ('s', 'alice', ?, '{}')",
        (_ts(timedelta(hours=-2)),),
    )
    target.raw(
        "INSERT INTO killswitch_events (event, reason, actor, at) VALUES ('stop', 'drill', 'alice', ?)",
        (_ts(timedelta(hours=-2)),),
    )
    return payloads


def test_a_version_1_store_keeps_every_row_and_has_its_bodies_moved(target: Target) -> None:
    payloads = _version_1_store(target)
    tables = ("facts", "approval_requests", "consumptions", "sessions", "killswitch_events", "schema_version")
    before = {table: _table(target, table) for table in tables}
    items_before = _table(target, "approval_items")
    assert MARK in json.dumps(items_before, default=str)  # positive control: version 1 kept the diffs in the items

    store = target.open()  # migrates
    try:
        assert store.schema_version() == SCHEMA_VERSION
        for table in tables[:-1]:
            assert _table(target, table) == before[table], table
        assert _table(target, "schema_version")[:1] == before["schema_version"]
        items_after = _table(target, "approval_items")
        assert [row[:6] for row in items_after] == [row[:6] for row in items_before]  # every column but payload
        moved = {row[0]: row for row in _table(target, "approval_bodies")}
        for item_id, payload in payloads.items():
            item = store.approval_item(item_id)
            assert item is not None
            expected = {k: v for k, v in payload.items() if k != "diff"}
            if payload.get("diff") is None:
                assert dict(item.payload) == expected and item_id not in moved, item_id
                continue
            stored_text = moved[item_id][2]
            assert item.body_sha256 == moved[item_id][1] == hashlib.sha256(stored_text.encode()).hexdigest()
            assert dict(item.payload) == {**expected, "body_sha256": item.body_sha256}, item_id
            body = store.approval_body(item_id)
            assert body is not None and body.body == {"diff": payload["diff"]} and not body.purged, item_id
        assert set(moved) == {i for i, p in payloads.items() if p.get("diff") is not None}
        assert MARK not in json.dumps(_table(target, "approval_items"), default=str)
        report = store.check()
        assert report.ok, report.problems
        with pytest.raises(target.driver_error, match="append-only"):  # the item trigger is back, as it was
            target.raw("UPDATE approval_items SET payload = '{}'")
        # decided or expired before the upgrade: purged by the first sweep, the others kept whole
        assert bodies.settle(store) == 2
        assert store.approval_body("new-used").purged_because == "used"  # type: ignore[union-attr]
        assert store.approval_body("old-object").purged_because == "expired"  # type: ignore[union-attr]
        assert not store.approval_body("new-object").purged  # type: ignore[union-attr]
    finally:
        store.close()


# ------------------------------------------------------------------------ every decision, gate and commands
@pytest.fixture
def operator_env(target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An operator's environment on this backend, with an operator key (alice) registered as an approver."""
    if target.kind == "sqlite":
        state = target.path.parent
    else:
        state = tmp_path / "gate-state"
        state.mkdir(mode=0o700)
    values = operator_environment(tmp_path, monkeypatch, state=state, mode="guarded", principal="agent@controller")
    if target.kind != "sqlite":
        monkeypatch.setenv(DSN_VARIABLE, target.location)  # after the environment was cleared of PRAXIS_*
    assert main(["operator", "init", "--name", "alice", "--no-passphrase"]) == 0
    return values


def _copy(run_id: str, *, check: bool, tokens: tuple[str, ...] = ()) -> TaskRequest:
    return TaskRequest(
        action="ansible.builtin.copy", args={"dest": "/etc/app.conf", "content": "listen 8080\n"}, host="web1",
        task_name="install config", run_id=run_id, principal="agent@controller", check_mode=check, check_run=check,
        approval_tokens=tokens,
    )  # fmt: skip


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _signed_out_of_band(env: dict[str, str], store: Store, request_id: str, item: ApprovalItem) -> str:
    """A token minted with alice's key directly (as another approval tool would), without `approvals approve`, so
    the body is still there when the run redeems it: the use of an approval is the decision that purges it."""
    key = load_operator_key("alice", key_dir=Path(env["PRAXIS_OPERATOR_DIR"]), passphrase=None)
    request = store.approval_request(item.request_id)
    assert request is not None
    binding = Binding(item.action, item.target, item.tier, item.args_digest, request.ruleset_digest)
    return sign_token(plan=request_id, items=[TokenItem(item.item_id, binding.digest(item.item_id), item.target,
                      item.tier)], key=key, approver=Approver("alice", key.public_key()), ttl=600)  # fmt: skip


DECISIONS = ("approve", "deny", "use", "expire")
PURGED_AFTER = {
    "approve": ("approved", "after the item was approved"),
    "deny": ("denied", "after the request was denied"),
    "use": ("used", "after the item was used"),
    "expire": ("expired", "after the request expired"),
}


@pytest.mark.parametrize("decision", DECISIONS)
def test_every_decision_purges_the_body_and_show_prints_its_hash(
    decision: str, target: Target, operator_env: dict[str, str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    run_id = uuid.uuid4().hex
    plan = plan_id(run_id)
    gate = Gate.from_settings(load_settings())
    gate.run_id = run_id
    dry = gate.decide(_copy(run_id, check=True))
    assert dry.verdict is Verdict.ALLOWED and dry.dry_run, dry
    gate.record_outcome(dry, status="changed", diff=DIFF, host="web1", action="ansible.builtin.copy")

    # positive control: the pending item's body is in the store and `approvals show` prints it
    code, out, err = _cli(capsys, "approvals", "show", plan)
    assert code == 0 and MARK in out and "purged" not in out, out + err
    with open_store(load_settings()) as store:
        (request,) = store.list_approval_requests(run_id=run_id)
        (item,) = store.approval_items(request.request_id)
        held = store.approval_body(item.item_id)
        assert held is not None and not held.purged and MARK in json.dumps(held.body)
        assert held.sha256 == item.body_sha256
        token = _signed_out_of_band(operator_env, store, plan, item) if decision == "use" else ""

    if decision == "approve":
        code, out, err = _cli(capsys, "approvals", "approve", plan, "--as", "alice")
        assert code == 0 and out.startswith("pxa1."), err
    elif decision == "deny":
        code, out, err = _cli(capsys, "approvals", "deny", plan, "--reason", "not today")
        assert code == 0, err
    elif decision == "use":
        real = Gate.from_settings(load_settings())
        real.run_id = uuid.uuid4().hex
        used = real.decide(_copy(real.run_id, check=False, tokens=(token,)))
        assert used.verdict is Verdict.ALLOWED and used.approval_item == item.item_id, used
    else:
        clock = datetime.now(UTC) + timedelta(seconds=load_settings().approval_pending_ttl + 60)
        for backend in (SqliteStore, PostgresStore):
            monkeypatch.setattr(backend, "_now", lambda self, run: clock)
        # the next gate that opens the store for its approvals stage purges it: no daemon, no command needed
        later = Gate.from_settings(load_settings())
        later.decide(_copy(uuid.uuid4().hex, check=False))

    because, phrase = PURGED_AFTER[decision]
    with open_store(load_settings()) as store:
        gone = store.approval_body(item.item_id)
        assert gone is not None and gone.purged and gone.body is None, gone
        assert gone.purged_because == because and gone.sha256 == held.sha256 == item.body_sha256
        assert store.approval_item(item.item_id) == item
    assert MARK not in json.dumps([_table(target, t) for t in ("approval_bodies", "approval_items")], default=str)

    code, out, err = _cli(capsys, "approvals", "show", plan)
    assert code == 0, err
    diff_lines = [line.strip() for line in out.splitlines() if line.strip().startswith("diff:")]
    assert diff_lines == [f"diff: purged at {gone.purged_at.isoformat(timespec='seconds')} {phrase}; "  # type: ignore[union-attr]
                          f"sha256 {item.body_sha256}"], out  # fmt: skip
    assert MARK not in out
    code, out, err = _cli(capsys, "approvals", "show", plan, "--json")
    (shown,) = json.loads(out)["items"]
    assert shown["diff"] is None and shown["body"] == {
        "sha256": item.body_sha256, "purged": True, "purged_because": because, "diff": None,
        "purged_at": gone.purged_at.isoformat(timespec="seconds"),  # type: ignore[union-attr]
    }  # fmt: skip


def test_a_purge_that_fails_is_logged_never_raised_and_done_by_the_next_sweep(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (item_id,) = _request(store, "req-x")
    assert store.consume(item_id, consumer="run-1")
    original = type(store).purge_bodies

    def broken(self: Store, item_ids: Any, *, because: str) -> int:
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(type(store), "purge_bodies", broken)
    assert bodies.purge(store, [item_id], because="used") == 0
    assert "could not purge 1 approval bodies" in caplog.text and "simulated" in caplog.text
    assert not store.approval_body(item_id).purged  # type: ignore[union-attr]
    monkeypatch.setattr(type(store), "purge_bodies", original)
    assert bodies.settle(store) == 1
    assert store.approval_body(item_id).purged_because == "used"  # type: ignore[union-attr]


def test_a_purged_body_leaves_no_bytes_in_the_sqlite_files(tmp_path: Path) -> None:
    """Not only the row: the page the body was in is zeroed (secure_delete), whatever SQLite's build default, once
    the write-ahead log is checkpointed (SQLite does that when the last connection closes)."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    marker = "body-bytes-marker-" + uuid.uuid4().hex
    store = open_sqlite(state / "state.db")
    try:
        assert store._read("PRAGMA secure_delete") == [(1,)]
        big = [{"before": "", "after": f"{marker}\n" * 400}]  # large enough to spill into overflow pages
        (item_id,) = _request(store, "req-bytes", diff=big)
        store._read("PRAGMA wal_checkpoint(TRUNCATE)")
        on_disk = b"".join(p.read_bytes() for p in state.iterdir() if p.is_file())
        assert on_disk.count(marker.encode()) > 300  # positive control: the body is in the file (a few straddle pages)
        assert store.purge_bodies([item_id], because="approved") == 1
    finally:
        store.close()
    on_disk = b"".join(p.read_bytes() for p in state.iterdir() if p.is_file())
    assert marker.encode() not in on_disk
