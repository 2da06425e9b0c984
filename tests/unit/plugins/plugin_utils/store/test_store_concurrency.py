# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Races between real processes, each with its own connection, released together by a barrier, on both backends.

Exactly one compare-and-set writer wins; exactly one of 50 processes consumes an approval item. Processes are
forked so that each opens its own store, as separate Ansible workers and controllers would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import (
    SCHEMA_VERSION,
    ApprovalItem,
    ConflictError,
    Store,
    open_postgres,
    open_sqlite,
)
from conftest import FORK, Target, race

KEY = ("host-a", "sshd.port", "config")
CONSUMERS = 50


def _open(kind: str, location: str) -> Store:
    return open_sqlite(Path(location)) if kind == "sqlite" else open_postgres(location)


def _cas_writer(kind: str, location: str, index: int, expected: str, barrier: Barrier, results: Any) -> None:  # noqa: PLR0917
    try:
        store = _open(kind, location)
        barrier.wait(timeout=60)
        store.put(*KEY, {"writer": index}, expected_hash=expected, actor=f"writer-{index}", reason="race")
        results.put((index, "won"))
    except ConflictError:
        results.put((index, "conflict"))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((index, f"error: {exc!r}"))


def _consumer(kind: str, location: str, index: int, barrier: Barrier, results: Any) -> None:
    try:
        store = _open(kind, location)
        barrier.wait(timeout=120)
        results.put((index, store.consume("item-1", consumer=f"process-{index}", context={"i": index})))
    except BaseException as exc:
        results.put((index, f"error: {exc!r}"))


def _first_opener(kind: str, location: str, index: int, barrier: Barrier, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        store = _open(kind, location)
        store.put("opener", str(index), "t", index, expected_hash=None, actor=f"opener-{index}")
        results.put((index, store.schema_version()))
    except BaseException as exc:
        results.put((index, f"error: {exc!r}"))


@pytest.mark.parametrize("writers", [2, 8])
def test_compare_and_set_race_has_exactly_one_winner(store: Store, target: Target, writers: int) -> None:
    base = store.put(*KEY, {"writer": None}, expected_hash=None, actor="setup")
    barrier = FORK.Barrier(writers)
    outcomes = race(
        _cas_writer, [(target.kind, target.location, i, base.content_hash, barrier) for i in range(writers)], 120
    )
    assert sorted(outcomes.values()) == ["conflict"] * (writers - 1) + ["won"], outcomes
    winner = next(i for i, outcome in outcomes.items() if outcome == "won")
    history = store.history(*KEY)
    assert [f.version for f in history] == [1, 2]
    assert history[1].content == {"writer": winner} and history[1].actor == f"writer-{winner}"
    assert store.check().ok


def test_creation_race_has_exactly_one_winner(store: Store, target: Target) -> None:
    """expected_hash=None ("must not exist yet") from several writers at once: one creates, the others conflict."""
    writers = 6
    barrier = FORK.Barrier(writers)
    args = [(target.kind, target.location, i, None, barrier) for i in range(writers)]
    outcomes = race(_cas_writer, args, 120)
    assert sorted(outcomes.values()) == ["conflict"] * (writers - 1) + ["won"], outcomes
    assert len(store.history(*KEY)) == 1


def test_fifty_processes_consume_one_item_exactly_once(store: Store, target: Target) -> None:
    store.add_approval_request(
        request_id="req-1",
        requester="agent",
        session="s",
        run_id="run",
        ruleset_digest="d",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        items=[ApprovalItem("item-1", "req-1", "ansible.builtin.reboot", "web1", "T3", "sha256:x")],
    )
    barrier = FORK.Barrier(CONSUMERS)
    outcomes = race(_consumer, [(target.kind, target.location, i, barrier) for i in range(CONSUMERS)], 240)
    errors = {i: o for i, o in outcomes.items() if not isinstance(o, bool)}
    assert not errors, errors
    winners = [i for i, won in outcomes.items() if won]
    assert len(winners) == 1, outcomes
    used = store.consumption("item-1")
    assert used is not None and used.consumer == f"process-{winners[0]}" and used.context == {"i": winners[0]}
    assert target.raw("SELECT count(*) FROM consumptions") == [(1,)]


def test_simultaneous_first_opens_create_and_migrate_once(target: Target) -> None:
    """Several processes starting on a store that does not exist yet: one schema, applied once, used by all."""
    openers = 8
    barrier = FORK.Barrier(openers)
    outcomes = race(_first_opener, [(target.kind, target.location, i, barrier) for i in range(openers)], 120)
    assert set(outcomes.values()) == {SCHEMA_VERSION}, outcomes
    assert target.raw("SELECT count(*) FROM schema_version") == [(SCHEMA_VERSION,)]
    with _open(target.kind, target.location) as store:
        assert len(store.list_current(subject="opener")) == openers
        assert store.check().ok
