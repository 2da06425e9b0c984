# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent-session stage through the real pipeline, on SQLite and PostgreSQL: the trifecta latch (SEC-4), budgets
and grants (SEC-8), across gates and processes, with the approvals stage deciding what the latch holds."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.config import Budgets
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.sessions import LATCH_TYPE, SessionBook
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import Binding, TokenItem, sign_token
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import (
    Decision,
    Provenance,
    TaskRequest,
    Tier,
    Verdict,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store

if TYPE_CHECKING:  # fixtures come from this directory's conftest (not importable by name beside the store's)
    from conftest import Backend, GateFactory, Operator

FORK = multiprocessing.get_context("fork")
READ = ("ansible.builtin.stat", {"path": "/etc/hostname"})
T1 = ("ansible.builtin.copy", {"dest": "/srv/app/motd", "content": "managed\n"})
T2 = ("ansible.builtin.service", {"name": "nginx", "state": "restarted"})
BUDGETS = Budgets(total=100, t2=10, per_host=25)


def request(gate: Gate, action: str, args: dict[str, Any], *, host: str = "web1", **fields: Any) -> TaskRequest:
    session = gate.settings.session
    return TaskRequest(action=action, args=dict(args), host=host, principal=gate.settings.principal, session=session,
                       run_id=gate.run_id, **fields)  # fmt: skip


def run(gate: Gate, action: str, args: dict[str, Any], *, status: str = "ok", **fields: Any) -> Decision:
    """Decide a task and, when allowed, record its outcome the way the adapter does."""
    req = request(gate, action, args, **fields)
    decision = gate.decide(req)
    gate.record_outcome(decision, status=status if decision.allowed else "not-run", output=b"{}", host=req.target,
                        action=req.action)  # fmt: skip
    return decision


def book(gate: Gate) -> SessionBook:
    return SessionBook(open_store(gate.settings, quick_check=False))


def audit(gate: Gate, event: str) -> list[dict[str, Any]]:
    import json

    lines = gate.settings.audit_path.read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("event") == event]


# ------------------------------------------------------------------------------------------------ not an agent
def test_runs_outside_agent_sessions_pass_through_untouched(agent_gate: GateFactory) -> None:
    gate = agent_gate(principal="alice@controller")
    assert run(gate, *READ).allowed
    for _repeat in range(3):
        assert run(gate, *T1).allowed
    assert book(gate).store.list_current(fact_type="praxis.agent.session") == []


# ------------------------------------------------------------------------------------------------ the latch
def test_a_fresh_session_reads_and_changes_without_approval(agent_gate: GateFactory) -> None:
    gate = agent_gate("fresh")
    decision = run(gate, *T1)
    assert decision.verdict is Verdict.ALLOWED, decision.reason
    sessions = book(gate)
    assert sessions.get("fresh") is not None
    assert sessions.usage("fresh").total == 1
    assert not sessions.latch("fresh").armed


@pytest.mark.parametrize("mode", ["open", "guarded"])
def test_host_output_arms_the_latch_and_every_t1_then_needs_a_human(agent_gate: GateFactory, mode: str) -> None:
    gate = agent_gate("s1", mode=mode)
    assert run(gate, *READ).allowed
    latch = book(gate).latch("s1")
    assert latch.armed and latch.kind == "host-output" and "ansible.builtin.stat" in latch.reason
    held = gate.decide(request(gate, *T1))
    assert held.verdict is Verdict.APPROVAL_REQUIRED and held.rule == "agent.latch"
    assert "trifecta latch is armed" in held.reason and "req-" in held.reason
    assert book(gate).usage("s1").total == 0, "a held actuation is not charged"
    armed = audit(gate, "agent-latch-armed")
    assert len(armed) == 1 and armed[0]["session"] == "s1" and armed[0]["kind"] == "host-output"


def test_the_latch_is_the_sessions_across_gates_and_processes(agent_gate: GateFactory) -> None:
    first = agent_gate("shared")

    def arm_elsewhere() -> None:
        other = agent_gate("shared")  # another process, another gate, the same store
        assert run(other, *READ).allowed

    child = FORK.Process(target=arm_elsewhere)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert first.decide(request(first, *T1)).verdict is Verdict.APPROVAL_REQUIRED
    fresh = agent_gate("other-session")
    assert fresh.decide(request(fresh, *T1)).allowed, "a fresh session is not latched by another's reads"


def test_the_latch_never_clears_within_the_session(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    run(gate, *READ)
    run(gate, "ansible.builtin.setup", {}, host="web2")  # a second read arms nothing new
    sessions = book(gate)
    assert len(sessions.store.history("s1", "state", LATCH_TYPE)) == 1
    assert not sessions.arm("s1", kind="host-output", reason="again", decision_id="", actor="x")
    for _repeat in range(3):  # later gates, later runs: still held
        later = agent_gate("s1")
        assert later.decide(request(later, *T1)).verdict is Verdict.APPROVAL_REQUIRED


@pytest.mark.parametrize(
    ("action", "args", "status", "arms"),
    [
        ("ansible.builtin.command", {"_raw_params": "uptime"}, "ok", True),
        ("ansible.builtin.setup", {}, "ok", True),
        ("ansible.builtin.slurp", {"src": "/etc/motd"}, "ok", True),
        ("ansible.builtin.fetch", {"src": "/etc/motd", "dest": "/tmp/x"}, "ok", True),
        ("ansible.builtin.uri", {"url": "http://example.invalid/"}, "ok", True),
        ("community.general.unknown_thing", {}, "ok", True),  # unknown modules round up
        ("ansible.builtin.copy", {"dest": "/srv/x", "content": "y"}, "failed", True),  # an error is host text
        ("ansible.builtin.copy", {"dest": "/srv/x", "content": "y"}, "changed", False),
        ("ansible.builtin.file", {"path": "/srv/x", "state": "directory"}, "ok", False),
        ("ansible.builtin.ping", {}, "ok", False),
        ("ansible.builtin.debug", {"msg": "x"}, "ok", False),
        ("ansible.builtin.set_fact", {"x": "y"}, "ok", False),
        ("ansible.builtin.command", {"_raw_params": "uptime"}, "skipped", False),
        ("ansible.builtin.command", {"_raw_params": "uptime"}, "unreachable", False),
    ],
)
def test_which_outcomes_arm_the_latch(
    agent_gate: GateFactory, action: str, args: dict[str, Any], status: str, arms: bool
) -> None:
    gate = agent_gate("s1")
    decision = gate.decide(request(gate, action, args))
    # Judge the outcome as if the task had run (a module held for approval would not; its kind of result is what
    # the rule is about): the stage remembered the request under its decision id.
    ran = Decision(Verdict.ALLOWED, decision.tier, decision.mode, "", "allowed", "", decision.decision_id)
    gate.record_outcome(ran, status=status, host="web1", action=action)
    assert book(gate).latch("s1").armed is arms


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("ansible.builtin.slurp", {"src": "/etc/shadow"}),
        ("ansible.builtin.fetch", {"src": "/root/.ssh/id_ed25519", "dest": "/tmp/k"}),
        ("ansible.builtin.command", {"_raw_params": "cat /etc/ssl/private/server.key"}),
        ("ansible.builtin.shell", {"_raw_params": "grep x ~/.aws/credentials"}),
        ("community.hashi_vault.vault_kv2_get", {"path": "app"}),
    ],
)
def test_sensitive_reads_arm_the_latch_as_such(agent_gate: GateFactory, action: str, args: dict[str, Any]) -> None:
    gate = agent_gate("s1")
    decision = gate.decide(request(gate, action, args))
    allowed = Decision(Verdict.ALLOWED, decision.tier, decision.mode, "", "allowed", "", decision.decision_id)
    gate.record_outcome(allowed, status="ok", host="web1", action=action)
    latch = book(gate).latch("s1")
    assert latch.armed and latch.kind == "sensitive-read", latch


def test_a_vault_decrypted_argument_arms_the_latch_when_decided(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    provenance = Provenance(vaulted=("content",))
    decision = gate.decide(request(gate, *T1, provenance=provenance))
    latch = book(gate).latch("s1")
    assert latch.armed and latch.kind == "sensitive-read" and "vault" in latch.reason
    # The secret is in the run from the moment the task is decided: this actuation is already past the read.
    assert decision.verdict is Verdict.APPROVAL_REQUIRED and decision.rule == "agent.latch"


def test_a_credential_lookup_signal_arms_the_latch(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    gate.observe("sensitive-read", "the credential lookup community.hashi_vault.vault_read", host="localhost")
    assert book(gate).latch("s1").kind == "sensitive-read"
    assert gate.decide(request(gate, *T1)).verdict is Verdict.APPROVAL_REQUIRED


def test_observe_is_free_outside_agent_sessions(agent_gate: GateFactory) -> None:
    gate = agent_gate(principal="alice@controller")
    gate.observe("sensitive-read", "a credential lookup")
    assert book(gate).store.list_current(fact_type=LATCH_TYPE) == []


# ------------------------------------------------------------------------------------------------ data tags
def test_host_derived_arguments_need_a_human_before_the_latch_arms(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    derived = Provenance(computed=("dest",), host_derived=("dest",))
    held = gate.decide(request(gate, *T1, provenance=derived))
    assert held.verdict is Verdict.APPROVAL_REQUIRED and held.rule == "agent.host-derived"
    assert "dest derives from host output" in held.reason
    computed_only = Provenance(computed=("dest",))
    assert gate.decide(request(gate, *T1, provenance=computed_only)).allowed
    read = Provenance(computed=("path",), host_derived=("path",))
    assert gate.decide(request(gate, *READ, provenance=read)).allowed, "reads are never held for their arguments"


# ------------------------------------------------------------------------------------------------ approvals
def test_an_operator_approval_releases_a_latched_t1_once(agent_gate: GateFactory, alice: Operator) -> None:
    gate = agent_gate("s1")
    run(gate, *READ)
    held = gate.decide(request(gate, *T1))
    assert held.verdict is Verdict.APPROVAL_REQUIRED
    store = open_store(gate.settings, quick_check=False)
    requests = store.list_approval_requests(run_id=gate.run_id)
    assert len(requests) == 1, "one pending item, not one from each stage"
    pending = store.approval_items(requests[0].request_id)
    assert pending[0].tier == "T1" and "latch" in str(pending[0].payload.get("why"))
    token = sign_token(
        plan=str(requests[0].payload["plan"]),
        items=[TokenItem(i.item_id, Binding(i.action, i.target, i.tier, i.args_digest,
                                            requests[0].ruleset_digest).digest(i.item_id), i.target, i.tier)
               for i in pending],
        key=alice.key, approver=Approver("alice", alice.key.public_key()), ttl=600,
    )  # fmt: skip
    released = gate.decide(request(gate, *T1, approval_tokens=(token,)))
    assert released.allowed and released.approval_item == pending[0].item_id
    assert book(gate).usage("s1").total == 1
    again = gate.decide(request(gate, *T1, approval_tokens=(token,)))
    assert again.verdict is Verdict.APPROVAL_REQUIRED and "already used" in again.reason


def test_t2_in_an_agent_session_is_asked_once(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    held = gate.decide(request(gate, *T2))
    assert held.verdict is Verdict.APPROVAL_REQUIRED and held.rule == "approval.required"
    store = open_store(gate.settings, quick_check=False)
    assert sum(len(store.approval_items(r.request_id)) for r in store.list_approval_requests(run_id=gate.run_id)) == 1


def test_a_dry_run_under_the_latch_runs_and_joins_the_plan(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    run(gate, *READ)
    decision = run(gate, *T1, check_mode=True, status="changed")
    assert decision.allowed and decision.dry_run
    store = open_store(gate.settings, quick_check=False)
    items = [i for r in store.list_approval_requests(run_id=gate.run_id) for i in store.approval_items(r.request_id)]
    assert [i.tier for i in items] == ["T1"] and items[0].payload["dry_run"]
    assert book(gate).usage("s1").total == 0, "dry runs are not actuations"


# ------------------------------------------------------------------------------------------------ budgets
@pytest.mark.parametrize(
    ("limits", "actions", "allowed", "phrase"),
    [
        ({"PRAXIS_AGENT_BUDGET_TOTAL": "2"}, [T1, T1, T1], 2, "2 actuations is spent"),
        ({"PRAXIS_AGENT_BUDGET_PER_HOST": "1"}, [T1, T1], 1, "actuations on web1 is spent"),
        ({"PRAXIS_AGENT_BUDGET_T2": "0"}, [T2], 0, "at T2 and above is spent"),
    ],
)
def test_budgets_refuse_further_actuation_once_spent(
    agent_gate: GateFactory, limits: dict[str, str], actions: list[Any], allowed: int, phrase: str
) -> None:
    gate = agent_gate("s1", **limits)
    decisions = [gate.decide(request(gate, *action)) for action in actions]
    charged = [d for d in decisions if d.allowed or d.verdict is Verdict.APPROVAL_REQUIRED]
    assert len(charged) == allowed
    refused = decisions[-1]
    assert refused.verdict is Verdict.REFUSED and refused.rule == "agent.budget" and phrase in refused.reason
    assert run(gate, *READ).allowed, "reads are never budgeted"


def test_budgets_are_fixed_when_the_session_opens(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1", PRAXIS_AGENT_BUDGET_TOTAL="1")
    assert gate.decide(request(gate, *T1)).allowed
    looser = agent_gate("s1", PRAXIS_AGENT_BUDGET_TOTAL="50")  # a later run with other settings changes nothing
    assert looser.decide(request(looser, *T1)).rule == "agent.budget"


def _race(factory: GateFactory, barrier: Any, results: Any) -> None:
    gate = factory("race", PRAXIS_AGENT_BUDGET_TOTAL="3", PRAXIS_AGENT_BUDGET_PER_HOST="none")
    barrier.wait(60)
    results.put(gate.decide(request(gate, *T1)).verdict.value)


def test_concurrent_workers_never_overspend_a_budget(agent_gate: GateFactory) -> None:
    agent_gate("race", PRAXIS_AGENT_BUDGET_TOTAL="3", PRAXIS_AGENT_BUDGET_PER_HOST="none")
    barrier, results = FORK.Barrier(8), FORK.Queue()
    workers = [FORK.Process(target=_race, args=(agent_gate, barrier, results)) for _repeat in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    verdicts = sorted(results.get(timeout=10) for _worker in workers)
    assert verdicts.count("allowed") == 3 and verdicts.count("refused") == 5, verdicts
    gate = agent_gate("race")
    assert book(gate).usage("race").total == 3


# ------------------------------------------------------------------------------------------------ grants
def test_the_first_grant_makes_the_session_deny_unless_granted(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    assert gate.decide(request(gate, *T1, host="web2")).allowed, "not scoped before any grant"
    book(gate).grant("s1", hosts=["web1"], groups=[], max_tier=Tier.T1, verbs=[], ttl=600, actor="op", reason="x")
    assert gate.decide(request(gate, *T1)).allowed
    for host in ("web2", "web10", "db1"):
        refused = gate.decide(request(gate, *T1, host=host))
        assert refused.verdict is Verdict.REFUSED and refused.rule == "agent.grant"
        assert "deny-unless-granted" in refused.reason and "praxis-gate agent grant s1" in refused.reason
    assert gate.decide(request(gate, *READ, host="web2")).rule == "agent.grant", "reads are scoped too"
    assert gate.decide(request(gate, "ansible.builtin.debug", {"msg": "x"}, host="web2")).allowed, "controller-only"


@pytest.mark.parametrize(
    ("grant", "task", "covered"),
    [
        ({"hosts": ["web*"]}, ("web7", (), T1), True),
        ({"hosts": ["web*"]}, ("db1", (), T1), False),
        ({"groups": ["webservers"]}, ("app3", ("webservers", "all"), T1), True),
        ({"groups": ["webservers"]}, ("app3", ("dbservers",), T1), False),
        ({"hosts": ["web1"], "max_tier": Tier.T0}, ("web1", (), T1), False),
        ({"hosts": ["web1"], "max_tier": Tier.T0}, ("web1", (), READ), True),
        ({"hosts": ["web1"], "verbs": ["ansible.builtin.copy"]}, ("web1", (), T1), True),
        ({"hosts": ["web1"], "verbs": ["ansible.builtin.file"]}, ("web1", (), T1), False),
        ({"hosts": ["web1"], "verbs": ["ansible.builtin.*"]}, ("web1", (), T1), True),
    ],
)
def test_a_grant_limits_hosts_groups_tiers_and_verbs(
    agent_gate: GateFactory, grant: dict[str, Any], task: tuple[str, tuple[str, ...], Any], covered: bool
) -> None:
    gate = agent_gate("s1")
    fields = {"hosts": [], "groups": [], "max_tier": Tier.T2, "verbs": [], **grant}
    book(gate).grant("s1", ttl=600, actor="op", reason="test", budgets=BUDGETS, **fields)
    host, groups, action = task
    decision = gate.decide(request(gate, *action, host=host, groups=groups))
    assert (decision.rule != "agent.grant") is covered, decision.reason


def test_a_grant_expires_and_a_revoked_grant_stays_revoked(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    sessions = book(gate)
    grant = sessions.grant("s1", hosts=["web1"], groups=[], max_tier=Tier.T1, verbs=[], ttl=600, actor="op",
                           reason="x", budgets=BUDGETS)  # fmt: skip
    assert gate.decide(request(gate, *T1)).allowed
    later = SessionBook(sessions.store, clock=lambda: datetime.now(UTC) + timedelta(seconds=601))
    assert later.covering_grant("s1", host="web1", groups=(), tier=Tier.T1, action=T1[0])[0] is None
    sessions.revoke("s1", grant.grant_id, actor="op", reason="done")
    refused = gate.decide(request(gate, *T1))
    assert refused.rule == "agent.grant" and "expired or were revoked" in refused.reason
    assert sessions.scoped("s1"), "revoking the last grant does not unscope the session"


# ------------------------------------------------------------------------------------------------ integrity
def test_explaining_writes_nothing(agent_gate: GateFactory) -> None:
    gate = agent_gate("quiet")
    assert gate.explain(request(gate, *T1)).allowed
    assert book(gate).get("quiet") is None


def test_a_closed_session_refuses_and_a_mismatched_principal_is_denied(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    assert gate.decide(request(gate, *READ)).allowed
    book(gate).close("s1", actor="op", reason="done")
    assert gate.decide(request(gate, *READ)).rule == "agent.session-closed"
    mixed = agent_gate("s2", principal="agent:s3")
    denied = mixed.decide(request(mixed, *READ))
    assert denied.verdict is Verdict.DENIED and denied.rule == "agent.session-mismatch"


def test_a_store_failure_denies_an_agent_request(agent_gate: GateFactory, backend: Backend) -> None:
    gate = agent_gate("s1")
    seam = gate.seams[0]
    seam._open_store = lambda: (never for never in ()).throw(OSError("store down"))  # type: ignore[attr-defined]
    decision = gate.decide(request(gate, *READ))
    assert decision.verdict is Verdict.DENIED and decision.rule == "internal-error"


def test_a_latch_that_cannot_be_armed_is_recorded_and_the_next_decision_denied(agent_gate: GateFactory) -> None:
    gate = agent_gate("s1")
    decision = gate.decide(request(gate, *READ))
    seam = gate.seams[0]
    seam._book.arm = lambda *a, **k: (never for never in ()).throw(OSError("store down"))  # type: ignore[attr-defined,union-attr]
    gate.record_outcome(decision, status="ok", host="web1", action=READ[0])
    (failed,) = audit(gate, "agent-latch-unrecorded")
    assert failed["kind"] == "host-output" and "store down" in failed["error"]
    seam._open_store = lambda: (never for never in ()).throw(OSError("store down"))  # type: ignore[attr-defined]
    seam._book = None  # type: ignore[attr-defined]
    assert gate.decide(request(gate, *T1)).verdict is Verdict.DENIED
