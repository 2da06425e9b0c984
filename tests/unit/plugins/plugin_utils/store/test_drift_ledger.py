# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Convergence requests in the append-only store, on SQLite and on PostgreSQL alike: a rescan supersedes, marks
gone and expires older requests as new versions (nothing is ever rewritten), "since when" carries over while the
drift stays the same, other hosts and baselines are left alone, and two writers racing on one request cannot both
win. (Lives beside the store's fixtures, which start the private PostgreSQL cluster.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.ledger import Ledger, ensure_digest_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.model import Baseline, ConvergenceRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.runner import Execution
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.scan import ScanResult, aggregate, reconcile
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import Store, open_postgres, open_sqlite
from conftest import FORK, Target, race

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TTL = timedelta(days=7)


def _baseline(digest: str = "b" * 64, name: str = "site.yml") -> Baseline:
    return Baseline(name, digest, "p" * 64, "i" * 64, "v" * 64, None, "/srv/project/site.yml", ("/srv/inv",), 3)


def _ran(host: str, line: int, status: str, digest: str | None = None, verdict: str = "allowed") -> Execution:
    summary = ({"kind": "content", "added": 1, "removed": 0, "lines": ["+ x"]},) if digest else ()
    return Execution(host=host, task_path=f"site.yml:{line}", task=f"task {line}", action="ansible.builtin.copy",
                     verdict=verdict, tier="T1", rule="allowed", dry_run=True, status=status, digest=digest,
                     summary=summary)  # fmt: skip


def _scan(store: Store, scan_id: str, at: datetime, runs: list[Execution], *, baseline: Baseline | None = None,
          ttl: timedelta = TTL) -> ScanResult:  # fmt: skip
    key = ensure_digest_key(store, actor="test")
    result = ScanResult(scan_id, baseline or _baseline(), at, at, aggregate(runs, key))
    reconcile(Ledger(store, actor="scanner"), result, ttl=ttl)
    return result


def _states(store: Store) -> dict[tuple[str, str], list[str]]:
    """(host, task path) -> the states of its requests, oldest first."""
    found: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for request in Ledger(store, actor="t").requests():
        found.setdefault((request.host, request.task_path), []).append((request.observed_at, request.state))
    return {slot: [state for _unused, state in sorted(values)] for slot, values in found.items()}


def test_rescans_supersede_mark_gone_and_expire_as_new_versions(store: Store) -> None:
    first = _scan(store, "scan-1", T0, [_ran("web1", 1, "changed", "d1"), _ran("web1", 2, "changed", "d2"),
                                        _ran("web1", 3, "changed", "d3"), _ran("web2", 1, "ok")])  # fmt: skip
    assert len(first.requests) == 3 and all(r.state == "proposed" for r in first.requests)
    assert len({r.diff_digest for r in first.requests}) == 3  # keyed digests over the executions
    old = {r.task_path: r for r in first.requests}

    later = T0 + timedelta(hours=1)
    second = _scan(store, "scan-2", later, [_ran("web1", 1, "changed", "d1"), _ran("web1", 2, "ok"),
                                            _ran("web1", 3, "changed", "d3-other")])  # fmt: skip
    ledger = Ledger(store, actor="t")
    assert ledger.get(old["site.yml:2"].id).state == "gone"  # type: ignore[union-attr]
    assert second.gone == [old["site.yml:2"].id]
    new = {r.task_path: r for r in second.requests}
    same, different = ledger.get(old["site.yml:1"].id), ledger.get(old["site.yml:3"].id)
    assert same is not None and same.state == "superseded" and same.superseded_by == new["site.yml:1"].id
    assert "the same drift" in same.state_reason
    assert different is not None and different.state == "superseded" and "a different drift" in different.state_reason
    assert new["site.yml:1"].first_observed_at == T0 and new["site.yml:1"].observed_at == later
    assert new["site.yml:3"].first_observed_at == later
    assert [v["state"] for v in same.history] == ["proposed", "superseded"]
    assert [v["actor"] for v in same.history] == ["scanner", "scanner"]

    # a request past its validity is expired by the next scan that meets it, even when it sees nothing there
    expired_scan = _scan(store, "scan-3", later + TTL + timedelta(minutes=1),
                         [_ran("web1", 1, "skipped", verdict="refused")])  # fmt: skip
    assert set(expired_scan.expired) == {new["site.yml:1"].id, new["site.yml:3"].id}
    assert _states(store)[("web1", "site.yml:1")] == ["superseded", "expired"]
    assert ("web2", "site.yml:1") not in _states(store)  # a clean host never had a request
    assert store.check().ok


def test_a_changed_baseline_supersedes_the_tasks_it_no_longer_runs_and_leaves_the_rest(store: Store) -> None:
    first = _scan(store, "scan-1", T0, [_ran("web1", 3, "changed", "d3"), _ran("web2", 3, "changed", "d3")])
    other_baseline = _scan(
        store, "scan-o", T0, [_ran("web1", 3, "changed", "dx")], baseline=_baseline("c" * 64, "db.yml")
    )
    # the playbook changed: task 3 moved to line 4 and web1 was scanned; web2 was not
    _scan(store, "scan-2", T0 + timedelta(hours=1), [_ran("web1", 4, "changed", "d3")], baseline=_baseline("n" * 64))
    ledger = Ledger(store, actor="t")
    web1, web2 = (ledger.get(r.id) for r in first.requests)
    assert web1 is not None and web1.state == "superseded" and "changed baseline" in web1.state_reason
    assert web2 is not None and web2.state == "proposed"
    assert ledger.get(other_baseline.requests[0].id).state == "proposed"  # type: ignore[union-attr]


def test_unscannable_failed_and_unreachable_tasks_leave_open_requests_alone(store: Store) -> None:
    first = _scan(store, "scan-1", T0, [_ran("web1", n, "changed", f"d{n}") for n in (1, 2, 3)])
    runs = [_ran("web1", 1, "not-run", verdict="refused"), _ran("web1", 2, "failed"), _ran("web1", 3, "unreachable")]
    result = _scan(store, "scan-2", T0 + timedelta(hours=1), runs)
    assert result.requests == [] and result.superseded == [] and result.gone == []
    assert {s.status for s in result.observations.values()} == {"unscannable", "failed", "unreachable"}
    assert all(Ledger(store, actor="t").get(r.id).state == "proposed" for r in first.requests)  # type: ignore[union-attr]


def test_a_gate_that_could_not_decide_makes_the_scan_incomplete_not_the_task_unscannable(store: Store) -> None:
    rules = ("killswitch", "audit-unavailable", "internal-error", "mode.ceiling")
    stopped = [replace(_ran("web1", n, "not-run", verdict="refused"), rule=rule) for n, rule in enumerate(rules)]
    result = _scan(store, "scan-1", T0, stopped)
    assert [o.status for o in result.observations.values()] == ["failed", "failed", "failed", "unscannable"]
    assert result.exit_code == 1


def test_a_task_run_several_times_is_one_request_with_every_execution_in_its_digest(store: Store) -> None:
    looped = [_ran("web1", 7, "ok"), _ran("web1", 7, "changed", "a"), _ran("web1", 7, "changed", "b")]
    (request,) = _scan(store, "scan-1", T0, looped).requests
    assert request.executions == 3 and len(request.summary) == 2
    (reordered,) = _scan(store, "scan-2", T0 + timedelta(hours=1), [looped[0], looped[2], looped[1]]).requests
    assert reordered.diff_digest != request.diff_digest
    # one refused execution makes the whole task unscannable: it cannot be converged as one
    mixed = _scan(store, "scan-3", T0 + timedelta(hours=2), [*looped[:2], _ran("web1", 7, "not-run", verdict="denied")])
    assert mixed.requests == [] and mixed.observations[("web1", "site.yml:7")].status == "unscannable"


def test_a_move_is_compare_and_set_on_the_state_that_was_read(store: Store) -> None:
    (request,) = _scan(store, "scan-1", T0, [_ran("web1", 1, "changed", "d1")]).requests
    alice, bob = Ledger(store, actor="alice"), Ledger(store, actor="bob")
    read_by_bob = bob.get(request.id)
    alice.move(request, "approval-requested", reason="asked", approval_request="req-1")
    with pytest.raises(StateError, match="is approval-requested now"):
        bob.move(read_by_bob, "gone", reason="late")  # type: ignore[arg-type]
    assert [v["actor"] for v in alice.history(request.id)] == ["scanner", "alice"]
    with pytest.raises(StateError, match="no convergence request"):
        alice.move(ConvergenceRequest.from_dict({**request.as_dict(), "id": "cr-0000000000000000"}), "gone", reason="x")


def _open(kind: str, location: str) -> Store:
    return open_sqlite(Path(location)) if kind == "sqlite" else open_postgres(location)


def _mover(kind: str, location: str, request_id: str, index: int, barrier: Barrier, results: Any) -> None:  # noqa: PLR0917
    try:
        store = _open(kind, location)
        ledger = Ledger(store, actor=f"mover-{index}")
        request = ledger.get(request_id)
        barrier.wait(timeout=60)
        ledger.move(request, "gone" if index % 2 else "approval-requested", reason=f"mover {index}")  # type: ignore[arg-type]
        results.put((index, "won"))
    except StateError:
        results.put((index, "lost"))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((index, f"error: {exc!r}"))


def test_racing_writers_on_one_request_have_exactly_one_winner(store: Store, target: Target) -> None:
    (request,) = _scan(store, "scan-1", T0, [_ran("web1", 1, "changed", "d1")]).requests
    movers = 12
    barrier = FORK.Barrier(movers)
    outcomes = race(_mover, [(target.kind, target.location, request.id, i, barrier) for i in range(movers)], 180)
    assert sorted(outcomes.values()) == ["lost"] * (movers - 1) + ["won"], outcomes
    history = Ledger(store, actor="t").history(request.id)
    assert len(history) == 2 and history[1]["actor"] == f"mover-{next(i for i, o in outcomes.items() if o == 'won')}"
    assert store.check().ok


def test_scans_are_listed_newest_first(store: Store) -> None:
    ledger = Ledger(store, actor="t")
    for index, at in enumerate((T0, T0 + timedelta(hours=2), T0 + timedelta(hours=1))):
        ledger.record_scan({"scan_id": f"scan-{index}", "started_at": at.isoformat(), "baseline": {"name": "s"},
                            "exit_code": 0})  # fmt: skip
    assert [s["scan_id"] for s in ledger.scans()] == ["scan-1", "scan-2", "scan-0"]
    assert ledger.scan("scan-2") is not None and ledger.scan("nope") is None


class _StaleLedger(Ledger):
    """A scan that read the open requests before another writer moved one of them."""

    def __init__(self, store: Store, stale: list[ConvergenceRequest]) -> None:
        super().__init__(store, actor="late-scanner")
        self._stale = stale

    def requests(self, *, host: str | None = None, baseline: str | None = None) -> list[ConvergenceRequest]:
        return self._stale


def test_a_scan_leaves_alone_a_request_someone_moved_while_it_ran(store: Store) -> None:
    (request,) = _scan(store, "scan-1", T0, [_ran("web1", 1, "changed", "d1")]).requests
    stale = Ledger(store, actor="t").requests()
    Ledger(store, actor="operator").move(request, "approval-requested", reason="converge", approval_request="req-1")
    key = ensure_digest_key(store, actor="test")
    result = ScanResult("scan-2", _baseline(), T0, T0, aggregate([_ran("web1", 1, "ok")], key))
    reconcile(_StaleLedger(store, stale), result, ttl=TTL)
    assert result.gone == []
    assert Ledger(store, actor="t").get(request.id).state == "approval-requested"  # type: ignore[union-attr]
