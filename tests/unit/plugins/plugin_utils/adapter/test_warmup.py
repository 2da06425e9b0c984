# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's warm-up before a task is queued (adapter/warmup.py): once per action, records nothing, never
raises, and changes no decision. Its speed is measured in bench/pertask.py, not here."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import hooks, warmup
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings

POLICY = "version: 1\ncommand_allowlist:\n  - uptime\n"
TASKS = [
    ("ansible.builtin.command", {"cmd": "uptime"}),
    ("ansible.builtin.command", {"cmd": "rm -rf {{ root }}"}),
    ("ansible.builtin.shell", {"cmd": "df -h | tail -n 1"}),
    ("ansible.builtin.copy", {"dest": "/srv/app.conf", "content": "password=hunter2\nport=1\n"}),
    ("file", {"path": "{{ root }}/conf", "state": "directory"}),
    ("ansible.builtin.get_url", {"url": "https://{{ mirror }}/x.tgz", "dest": "/tmp/x.tgz"}),
    ("ansible.builtin.stat", {"path": "/etc/shadow"}),
]


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "_WARMED", set())
    monkeypatch.setattr(warmup, "_TEMPLATING", [False])  # each test's first warm-up also rehearses the records
    monkeypatch.setattr(warmup, "_TIERED", set())
    monkeypatch.setattr(warmup, "_SEAMS_WARM", [False])


def _gate(tmp_path: Path) -> Gate:
    tmp_path.mkdir(exist_ok=True)
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_POLICY": str(policy), "HOME": str(tmp_path)}
    gate = Gate.from_settings(load_settings(env, cwd=str(tmp_path), cfg=None))
    assert gate.start_run(via="test")
    return gate


def _task(action: str, args: Any) -> Any:
    return SimpleNamespace(action=action, args=args)


def test_each_action_is_warmed_once_and_nothing_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(tmp_path)
    log = gate.settings.audit_path
    before = log.read_bytes()
    evaluated: list[str] = []
    real = warmup.evaluate
    monkeypatch.setattr(
        warmup, "evaluate", lambda request, **kw: evaluated.append(request.action) or real(request, **kw)
    )
    for _round in range(3):
        for action, args in TASKS:
            warmup.warm(gate, _task(action, args))
    actions = list(dict.fromkeys(action for action, _args in TASKS))
    assert evaluated == actions  # the first task of each action, once
    assert warmup.warmed() == frozenset(actions)
    assert log.read_bytes() == before  # no decision, no record
    assert gate.active is None


def test_the_number_of_warmed_actions_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _gate(tmp_path)
    monkeypatch.setattr(warmup, "_MAX_ACTIONS", 3)
    for number in range(10):
        warmup.warm(gate, _task(f"example.collection.module{number}", {}))
    assert len(warmup.warmed()) == 3


class _Hostile:
    def __str__(self) -> str:
        raise RuntimeError("hostile __str__")


class _ArgsRaise:
    action = "ansible.builtin.copy"

    @property
    def args(self) -> Any:
        raise RuntimeError("cannot read the arguments")


@pytest.mark.parametrize(
    "task",
    [
        _task(_Hostile(), {}),
        _ArgsRaise(),
        _task("ansible.builtin.command", ["not", "a", "mapping"]),
        _task("ansible.builtin.command", {"cmd": _Hostile()}),
        _task("ansible.builtin.copy", {"content": {"nested": [_Hostile()]}}),
        SimpleNamespace(),
    ],
    ids=["hostile-action", "args-raise", "args-not-a-mapping", "hostile-arg", "hostile-nested-arg", "no-attributes"],
)
def test_a_warm_up_never_raises(tmp_path: Path, task: Any) -> None:
    warmup.warm(_gate(tmp_path), task)


def test_decisions_after_the_warm_up_are_the_decisions_without_it(tmp_path: Path) -> None:
    """The warm-up only builds what evaluation caches: the same requests decide the same way in a gate that warmed
    every action first and in one that did not."""
    requests = [TaskRequest(action=a, args={k: str(v).replace("{{ root }}", "/srv") for k, v in args.items()},
                            host="web1") for a, args in TASKS]  # fmt: skip
    cold = [_gate(tmp_path / "cold").explain(r) for r in requests]
    warm_gate = _gate(tmp_path / "warm")
    for action, args in TASKS:
        warmup.warm(warm_gate, _task(action, args))
    warm = [warm_gate.explain(r) for r in requests]
    fields = ("verdict", "tier", "rule", "reason", "reasons", "dry_run", "sensitive", "host_type")
    assert [[getattr(d, f) for f in fields] for d in warm] == [[getattr(d, f) for f in fields] for d in cold]
    assert {d.verdict.value for d in cold} >= {"allowed", "denied"}  # the mix holds refusals too


def test_the_queue_hook_warms_only_when_armed_and_always_queues(monkeypatch: pytest.MonkeyPatch) -> None:
    queued: list[tuple[Any, ...]] = []

    def original(strategy: Any, host: Any, task: Any, task_vars: Any, play_context: Any) -> str:
        queued.append((strategy, host, task, task_vars, play_context))
        return "queued"

    warmed: list[Any] = []
    monkeypatch.setattr(warmup, "warm", lambda gate, task: warmed.append(task))
    task = _task("ansible.builtin.stat", {"path": "/"})
    monkeypatch.setattr(hooks._ARMING, "gate", None)
    assert hooks._before_queue(original, "strategy", "host", task, {}, "pc") == "queued"
    assert warmed == []
    monkeypatch.setattr(hooks._ARMING, "gate", object())
    assert hooks._before_queue(original, "strategy", "host", task, {}, "pc") == "queued"
    assert warmed == [task]
    assert len(queued) == 2


def test_templating_is_warmed_once_with_a_constant_and_no_play_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lexer the workers' templating needs is built in the controller, once, by rendering the module's constant
    template with no variables: nothing the play wrote is rendered (a lookup in the arguments never runs)."""
    from ansible._internal._templating._jinja_bits import AnsibleEnvironment
    from ansible.template import Templar

    gate = _gate(tmp_path)
    monkeypatch.setattr(warmup, "_TEMPLATING", [False])
    monkeypatch.setattr(AnsibleEnvironment, "_lexer_cache", type(AnsibleEnvironment._lexer_cache)(50))
    rendered: list[Any] = []
    real = Templar.template
    monkeypatch.setattr(Templar, "template", lambda self, value, *a, **k: rendered.append(value) or real(self, value))
    canary = tmp_path / "canary"
    for _round in range(3):
        warmup.warm(gate, _task("ansible.builtin.debug", {"msg": f"{{{{ lookup('pipe', 'touch {canary}') }}}}"}))
    assert rendered == [warmup._WARM_TEMPLATE]
    assert len(AnsibleEnvironment._lexer_cache) == 1
    assert not canary.exists()


def test_the_records_are_rehearsed_once_and_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first warm-up of a run has the gate build its two records for the first task, 16 times, and the writer
    serialise and hash them: the log, the writer's place in the chain and the run's shared mark stay as they were."""
    gate = _gate(tmp_path)
    audit = gate.audit
    log = gate.settings.audit_path
    before = (log.read_bytes(), audit._tail, audit.last_offset, audit._read_mark(), audit._read_chain())
    rehearsed: list[dict[str, Any]] = []
    real = type(audit).rehearse
    monkeypatch.setattr(
        type(audit), "rehearse", lambda self, record: rehearsed.append(dict(record)) or real(self, record)
    )
    for _round in range(3):
        for action, args in TASKS:
            warmup.warm(gate, _task(action, args))
    assert [r["event"] for r in rehearsed] == ["decision", "outcome"] * 16  # the first task only, once per run
    assert {r["action"] for r in rehearsed} == {TASKS[0][0]}
    assert (log.read_bytes(), audit._tail, audit.last_offset, audit._read_mark(), audit._read_chain()) == before
    # the rehearsed records are the gate's own records, field for field
    decided = gate.decide(TaskRequest(action=TASKS[0][0], args=dict(TASKS[0][1]), host="localhost",
                                      connection="ansible.builtin.local"))  # fmt: skip
    gate.record_outcome(decided, status="ok", output=b"{}", host="localhost", action=TASKS[0][0])
    written = [json.loads(line) for line in log.read_text().splitlines()[-2:]]
    assert [sorted(r) for r in written] == [sorted({**r, "v": 1, "seq": 0, "time": 0, "prev_hash": 0, "hash": 0})
                                            for r in rehearsed[:2]]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# The store: loaded before the fork for tasks whose workers will use it, opened by nobody
# ---------------------------------------------------------------------------------------------------------------

_STORE_PROBE = r"""
import json, os, sys
from types import SimpleNamespace
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import warmup
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils import store

opened = []
store.open_postgres = lambda *a, **k: opened.append("postgres")
store.open_sqlite = lambda *a, **k: opened.append("sqlite")
env = json.loads(sys.argv[1])
gate = Gate.from_settings(load_settings(env, cwd=env["HOME"], cfg=None))
assert gate.start_run(via="test")
RUNNER = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"
seen = {}
for action, args in json.loads(sys.argv[2]):
    warmup.warm(gate, SimpleNamespace(action=action, args=args))
    seen[action + " " + json.dumps(args)] = {
        "psycopg": "psycopg" in sys.modules,
        "postgres": RUNNER + ".store._postgres" in sys.modules,
        "sqlite": RUNNER + ".store._sqlite" in sys.modules,
    }
print(json.dumps({"seen": seen, "opened": opened, "file": warmup.__file__,
                  "state_db": os.path.exists(env["PRAXIS_STATE_DIR"] + "/state.db")}))
"""
_T0 = ("ansible.builtin.stat", {"path": "/etc/hostname"})
_T2 = ("ansible.builtin.command", {"cmd": "touch /srv/marker"})


def _probe_store(tmp_path: Path, tasks: list[tuple[str, dict[str, str]]], **extra: str) -> dict[str, Any]:
    """Warm ``tasks`` in turn in a fresh interpreter (so nothing is imported already) and say what it loaded."""
    import subprocess
    import sys

    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_POLICY": str(policy), "HOME": str(tmp_path),
           "PRAXIS_MODE": "guarded", **extra}  # fmt: skip
    shim = Path(hooks.__file__).parents[
        6
    ]  # the directory that holds ansible_collections/ (this copy, not one installed)
    done = subprocess.run(
        [sys.executable, "-c", _STORE_PROBE, json.dumps(env), json.dumps(tasks)],
        capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(shim), **extra},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(shim)), result["file"]  # this copy of the code, not an installed one
    return result


def test_a_t2_task_loads_the_postgresql_driver_before_the_fork_and_opens_nothing(tmp_path: Path) -> None:
    """With a PostgreSQL store, a read (T0) loads nothing of the store; the first T2 task (an approval item, a
    --check plan entry in its worker) loads the driver in the controller, so that no worker imports it. Nothing is
    opened (a connection would not survive the fork): the DSN names a socket directory that does not exist."""
    pytest.importorskip("psycopg")
    dsn = f"host={tmp_path}/no-such-socket-dir dbname=praxis"
    result = _probe_store(tmp_path, [_T0, _T2], PRAXIS_STORE_DSN=dsn)
    after_read, after_t2 = result["seen"].values()
    assert after_read == {"psycopg": False, "postgres": False, "sqlite": False}  # the control: a read loads nothing
    assert after_t2["psycopg"] and after_t2["postgres"] and not after_t2["sqlite"]
    assert result["opened"] == []


def test_a_t2_task_loads_the_sqlite_store_before_the_fork_and_creates_no_database(tmp_path: Path) -> None:
    result = _probe_store(tmp_path, [_T0, _T2])
    after_read, after_t2 = result["seen"].values()
    assert not after_read["sqlite"] and after_t2["sqlite"] and not after_t2["psycopg"]
    assert result["opened"] == [] and not result["state_db"]


def test_each_seam_warms_the_store_only_for_the_tasks_that_will_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The approvals stage: the tiers it asks a human about, and T2 and above (a --check plan lists those it will
    refuse), once per process. The agent-session stage: every tier, inside a session only. A seam whose warm-up
    raises leaves the others warmed and the gate unharmed."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils import store
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.seam import SessionSeam
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.stage import (
        ApprovalSeam,
    )
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Tier

    warmed: list[str] = []
    monkeypatch.setattr(store, "warm", lambda env=None: warmed.append("store"))
    settings = load_settings({"HOME": "/nonexistent"}, cwd="/", cfg=None)
    approvals = ApprovalSeam(settings)
    for tier in (Tier.T0, Tier.T1):
        approvals.warm(tier)
    assert warmed == []
    approvals.warm(Tier.T2)
    approvals.warm(Tier.T3)
    assert warmed == ["store"]  # once
    drift = ApprovalSeam(settings, tiers=frozenset({Tier.T1, Tier.T2, Tier.T3}))
    drift.warm(Tier.T1)
    assert warmed == ["store", "store"]

    warmed.clear()
    outside = SessionSeam(settings, approvals=ApprovalSeam(settings))
    assert outside.session is None
    outside.warm(Tier.T3)
    assert warmed == []
    agent = load_settings({"HOME": "/nonexistent", "PRAXIS_PRINCIPAL": "agent:s-1"}, cwd="/", cfg=None)
    inside = SessionSeam(agent, approvals=ApprovalSeam(agent))
    assert inside.session == "s-1"
    inside.warm(Tier.T0)
    assert warmed == ["store"]

    class Raising:
        def warm(self, tier: Tier) -> None:
            raise RuntimeError("boom")

    gate = SimpleNamespace(seams=[Raising(), ApprovalSeam(settings)])
    warmed.clear()
    assert not Gate.warm_seams(gate, Tier.T2)  # type: ignore[arg-type]  # (a seam that raised is not done)
    assert warmed == ["store"]
    fresh = ApprovalSeam(settings)
    assert not Gate.warm_seams(SimpleNamespace(seams=[fresh, outside]), Tier.T1)  # type: ignore[arg-type]
    assert Gate.warm_seams(SimpleNamespace(seams=[fresh, outside]), Tier.T3)  # type: ignore[arg-type]


def test_each_task_s_tier_reaches_the_seams_once_until_they_have_loaded_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks of one action differ in tier: ``command: uptime`` (T0, allowlisted) is queued first, then ``command:
    touch ...`` (T2). The second task's tier still reaches the seams, each task is evaluated once whatever the
    number of hosts, and once the seams have loaded everything no task is evaluated again (the control: without a
    task uuid, as before, only each action's first task is)."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils import store

    gate = _gate(tmp_path)
    warmed: list[str] = []
    monkeypatch.setattr(store, "warm", lambda env=None: warmed.append("store"))
    evaluated: list[str] = []
    real = warmup.evaluate
    monkeypatch.setattr(
        warmup, "evaluate", lambda request, **kw: evaluated.append(str(request.args)) or real(request, **kw)
    )
    uptime = SimpleNamespace(action="ansible.builtin.command", args={"cmd": "uptime"}, _uuid="t-1")
    touch = SimpleNamespace(action="ansible.builtin.command", args={"cmd": "touch /srv/x"}, _uuid="t-2")
    later = SimpleNamespace(action="ansible.builtin.command", args={"cmd": "touch /srv/y"}, _uuid="t-3")
    for task in (uptime, touch, later):
        for _host in range(3):
            warmup.warm(gate, task)
    assert warmed == ["store"]
    assert evaluated == [str(uptime.args), str(touch.args)]  # once per task; none after the store was loaded

    monkeypatch.setattr(warmup, "_WARMED", set())
    monkeypatch.setattr(warmup, "_SEAMS_WARM", [False])
    warmed.clear()
    evaluated.clear()
    for task in (
        _task("ansible.builtin.command", {"cmd": "uptime"}),
        _task("ansible.builtin.command", {"cmd": "touch /srv/x"}),
    ):
        warmup.warm(gate, task)
    assert evaluated == ["{'cmd': 'uptime'}"] and warmed == []
