# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store's JSON values are bounded both ways, on SQLite and PostgreSQL: a value too deep or too large is refused
on the way in, and a row that holds one anyway (written past the store, with SQL) is an integrity error on the way
out, never a RecursionError in whoever lists approvals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import IntegrityError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import Store, StoreRefused
from conftest import Target

# Deeper than the 64 levels the store keeps, yet valid JSON to both databases (SQLite's json_valid stops at 1000).
DEEP = "[" * 200 + "]" * 200
LARGE = '["' + "x" * (17 * 1024 * 1024) + '"]'


def _nested(depth: int) -> object:
    value: object = []
    for _repeat in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("value", [_nested(65), _nested(100_000), ["x" * (17 * 1024 * 1024)]],
                         ids=["past-bound", "deep", "oversized"])  # fmt: skip
def test_values_out_of_bounds_are_refused_on_the_way_in(store: Store, value: object) -> None:
    with pytest.raises(StoreRefused, match="JSON values"):
        store.put("host-a", "p", "t", value, expected_hash=None, actor="test")
    with pytest.raises(StoreRefused, match="JSON values"):
        store.add_approval_request(
            request_id="req-x", requester="r", session="s", run_id="run", ruleset_digest="d",
            expires_at=datetime.now(UTC) + timedelta(hours=1), payload={"v": value},
        )  # fmt: skip


def test_values_within_the_bounds_round_trip(store: Store) -> None:
    value = {"v": _nested(60)}
    assert store.put("host-a", "p", "t", value, expected_hash=None, actor="test").content == value


@pytest.mark.parametrize("payload", [DEEP, LARGE], ids=["deep", "oversized"])
def test_a_row_out_of_bounds_written_past_the_store_is_an_integrity_error(
    target: Target, store: Store, payload: str
) -> None:
    store.add_approval_request(
        request_id="req-ok", requester="r", session="s", run_id="run", ruleset_digest="d",
        expires_at=datetime.now(UTC) + timedelta(hours=1), payload={"plan": "x"},
    )  # fmt: skip
    target.raw(
        "INSERT INTO approval_requests (request_id, created_at, requester, session, run_id, ruleset_digest, "
        "expires_at, payload) SELECT 'req-hostile', created_at, requester, session, run_id, ruleset_digest, "
        "expires_at, ? FROM approval_requests WHERE request_id = 'req-ok'",
        (payload,),
    )
    with pytest.raises(IntegrityError, match="approval request req-hostile in the store cannot be read"):
        store.approval_request("req-hostile")
    with pytest.raises(IntegrityError):
        store.list_approval_requests()
    assert store.approval_request("req-ok") is not None
