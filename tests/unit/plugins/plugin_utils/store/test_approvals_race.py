# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hundred processes present one approval for one item at the same moment, through the whole gate pipeline.

Each process builds its own gate from operator settings (Gate.from_settings, which puts the ApprovalSeam in the
pipeline), as separate Ansible workers or AWX jobs would, waits at a barrier, and asks for the same approved task.
Exactly one decision may be ALLOWED; the other 99 must be APPROVAL_REQUIRED because the item was already used, and
none of them may open a request of its own (a losing redemption names the request that exists). The store decides
(SQLite's write lock, PostgreSQL's unique constraint), so both backends run the race.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    Binding,
    TokenItem,
    plan_id,
    sign_token,
    token_ref,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import DSN_VARIABLE, open_store
from conftest import FORK, Target, race
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REDEEMERS = 100


@pytest.fixture
def operator() -> tuple[Ed25519PrivateKey, Approver, str]:
    key = Ed25519PrivateKey.generate()
    approver = Approver("alice", key.public_key())
    raw = approver.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, approver, f"alice={base64.b64encode(raw).decode()}"


@pytest.fixture
def gate_env(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operator: tuple[Any, Any, str]
) -> dict[str, str]:
    """Operator settings for every process: the store is state.db in the state directory (SQLite) or the test's
    PostgreSQL database, named the way operators name it, by PRAXIS_STORE_DSN in the process environment."""
    if target.kind == "sqlite":
        state = target.path.parent
        monkeypatch.delenv(DSN_VARIABLE, raising=False)
    else:
        state = tmp_path / "gate-state"
        state.mkdir(mode=0o700)
        monkeypatch.setenv(DSN_VARIABLE, target.location)
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        "PRAXIS_STATE_DIR": str(state),
        "PRAXIS_MODE": "guarded",
        "PRAXIS_PRINCIPAL": "agent@controller",
        "PRAXIS_APPROVER_KEYS": operator[2],
    }


def _request(run_id: str, tokens: tuple[str, ...] = ()) -> TaskRequest:
    return TaskRequest(
        action="ansible.builtin.command", args={"_raw_params": "systemctl restart nginx"}, host="web1",
        task_name="restart nginx", run_id=run_id, session="session-1", principal="agent@controller",
        approval_tokens=tokens,
    )  # fmt: skip


def _ask(env: dict[str, str], request: TaskRequest, results: Any) -> None:
    """The run that needs the approval: its gate records a pending request (in its own process, like a real run)."""
    try:
        decision = Gate.from_settings(load_settings(env, cfg=None)).decide(request)
        results.put((0, (decision.verdict.value, decision.reason)))
    except BaseException as exc:
        results.put((0, f"error: {exc!r}"))


def _redeem(env: dict[str, str], request: TaskRequest, index: int, barrier: Barrier, results: Any) -> None:
    try:
        gate = Gate.from_settings(load_settings(env, cfg=None))
        barrier.wait(timeout=120)
        decision = gate.decide(request)
        results.put((index, (decision.verdict.value, decision.reason, decision.approval_ref, decision.decision_id)))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((index, f"error: {exc!r}"))


def test_a_hundred_processes_redeem_one_approval_exactly_once_and_open_no_request(
    target: Target, gate_env: dict[str, str], operator: tuple[Ed25519PrivateKey, Approver, str]
) -> None:
    key, approver, _unused = operator
    settings = load_settings(gate_env, cfg=None)
    run_id = uuid.uuid4().hex

    # 1. the run asks: a pending request with one item
    asked = race(_ask, [(gate_env, _request(run_id))], 120)[0]
    assert asked[0] == Verdict.APPROVAL_REQUIRED.value, asked
    assert plan_id(run_id) in asked[1]

    # 2. the operator approves it (out of band: the private key never meets the gate)
    with open_store(settings) as store:
        (pending,) = store.list_approval_requests(run_id=run_id)
        (item,) = store.approval_items(pending.request_id)
    assert (item.action, item.target, item.tier) == ("ansible.builtin.command", "web1", "T2")
    binding = Binding(item.action, item.target, item.tier, item.args_digest, pending.ruleset_digest)
    token = sign_token(
        plan=plan_id(run_id), items=[TokenItem(item.item_id, binding.digest(item.item_id), item.target, item.tier)],
        key=key, approver=approver, ttl=600,
    )  # fmt: skip

    # 3. a hundred processes redeem it at once, each through its own gate, as a retried or relaunched job would
    requests_before = target.raw("SELECT request_id FROM approval_requests ORDER BY request_id")
    assert len(requests_before) == 1
    barrier = FORK.Barrier(REDEEMERS)
    redeeming = _request(uuid.uuid4().hex, (token,))
    outcomes = race(_redeem, [(gate_env, redeeming, i, barrier) for i in range(REDEEMERS)], 300)

    errors = {i: o for i, o in outcomes.items() if isinstance(o, str)}
    assert not errors, errors
    allowed = [o for o in outcomes.values() if o[0] == Verdict.ALLOWED.value]
    refused = [o for o in outcomes.values() if o[0] != Verdict.ALLOWED.value]
    assert len(allowed) == 1, [o[:2] for o in outcomes.values()]
    assert len(refused) == REDEEMERS - 1
    assert {o[0] for o in refused} == {Verdict.APPROVAL_REQUIRED.value}, {o[0] for o in refused}
    assert all("already used" in o[1] for o in refused), {o[1] for o in refused}
    # no loser opened a request: each names the one it lost (the only request there is), none is pending now
    assert target.raw("SELECT request_id FROM approval_requests ORDER BY request_id") == requests_before
    assert all(f"approvals show {plan_id(run_id)}" in o[1] for o in refused), {o[1] for o in refused}
    with open_store(settings) as store:
        assert store.list_approval_requests(limit=5000) == [pending]
    (winner,) = allowed
    assert "approved by alice" in winner[1]
    assert winner[2] == token_ref(token)
    assert all(o[2] is None for o in refused)

    # the store holds exactly one consumption, by the winning decision, with the token's hash and never the token
    with open_store(settings) as store:
        used = store.consumption(item.item_id)
    assert used is not None and used.consumer == winner[3]
    assert used.context["approval_ref"] == token_ref(token) and used.context["approvers"] == ["alice"]
    assert target.raw("SELECT count(*) FROM consumptions") == [(1,)]
    assert token not in json.dumps(target.raw("SELECT * FROM consumptions"), default=str)

    # the audit trail agrees: one allowed decision carries the approval's hash, the chain is intact, no token in it
    audit = Path(gate_env["PRAXIS_STATE_DIR"]) / "audit.jsonl"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    decisions = [r for r in records if r.get("event") == "decision"]
    assert len(decisions) == 1 + REDEEMERS
    assert [d["decision_id"] for d in decisions if d["decision"] == "allowed"] == [winner[3]]
    assert [d["approval_ref"] for d in decisions if d["approval_ref"]] == [token_ref(token)]
    report = verify_log(audit, expect_anchor=False)
    assert report.ok, report.as_dict()
    for path in Path(gate_env["PRAXIS_STATE_DIR"]).rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), f"{path} holds the token"
            assert token.split(".")[2].encode() not in path.read_bytes(), f"{path} holds the signature"


def test_a_consumed_item_stays_consumed_for_a_fresh_process(
    target: Target, gate_env: dict[str, str], operator: tuple[Ed25519PrivateKey, Approver, str]
) -> None:
    """After the race, a later process (a relaunch) presenting the same token is refused and consumes nothing."""
    key, approver, _unused = operator
    settings = load_settings(gate_env, cfg=None)
    run_id = uuid.uuid4().hex
    race(_ask, [(gate_env, _request(run_id))], 120)
    with open_store(settings) as store:
        (pending,) = store.list_approval_requests(run_id=run_id)
        (item,) = store.approval_items(pending.request_id)
    binding = Binding(item.action, item.target, item.tier, item.args_digest, pending.ruleset_digest)
    token = sign_token(
        plan=plan_id(run_id), items=[TokenItem(item.item_id, binding.digest(item.item_id), item.target, item.tier)],
        key=key, approver=approver, ttl=600,
    )  # fmt: skip
    barrier = FORK.Barrier(1)
    first = race(_redeem, [(gate_env, _request(uuid.uuid4().hex, (token,)), 0, barrier)], 120)[0]
    assert first[0] == Verdict.ALLOWED.value, first
    barrier = FORK.Barrier(1)
    again = race(_redeem, [(gate_env, _request(uuid.uuid4().hex, (token,)), 0, barrier)], 120)[0]
    assert again[0] == Verdict.APPROVAL_REQUIRED.value and "already used" in again[1], again
    assert target.raw("SELECT count(*) FROM consumptions") == [(1,)]
    assert os.environ.get(DSN_VARIABLE, "") == (target.location if target.kind == "postgres" else "")


@pytest.mark.postgres
def test_an_approval_asked_on_one_node_is_redeemed_on_another(
    pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operator: tuple[Ed25519PrivateKey, Approver, str]
) -> None:
    """AWX: the check job and the run job land on different execution nodes (or fresh containers), each with its
    own state directory, sharing one PostgreSQL store through PRAXIS_STORE_DSN (docs/store.md). The approval must
    survive that; the binding may not depend on anything a node keeps to itself."""
    key, approver, inline = operator
    monkeypatch.setenv(DSN_VARIABLE, pg_database)
    nodes = []
    for name in ("node-a", "node-b"):
        state = tmp_path / name
        state.mkdir(mode=0o700)
        nodes.append({"HOME": str(tmp_path), "PRAXIS_STATE_DIR": str(state), "PRAXIS_MODE": "guarded",
                      "PRAXIS_PRINCIPAL": "agent@controller", "PRAXIS_APPROVER_KEYS": inline})  # fmt: skip
    run_id = uuid.uuid4().hex
    asked = race(_ask, [(nodes[0], _request(run_id))], 120)[0]
    assert asked[0] == Verdict.APPROVAL_REQUIRED.value, asked
    with open_store(load_settings(nodes[0], cfg=None)) as store:
        (pending,) = store.list_approval_requests(run_id=run_id)
        (item,) = store.approval_items(pending.request_id)
    binding = Binding(item.action, item.target, item.tier, item.args_digest, pending.ruleset_digest)
    token = sign_token(
        plan=plan_id(run_id), items=[TokenItem(item.item_id, binding.digest(item.item_id), item.target, item.tier)],
        key=key, approver=approver, ttl=600,
    )  # fmt: skip
    redeemed = race(_redeem, [(nodes[1], _request(uuid.uuid4().hex, (token,)), 0, FORK.Barrier(1))], 120)[0]
    assert redeemed[0] == Verdict.ALLOWED.value, redeemed[1]
