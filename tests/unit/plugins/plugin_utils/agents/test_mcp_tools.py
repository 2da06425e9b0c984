# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MCP tools' logic without the transport: published schemas, every class of malformed call refused and
recorded with nothing run, the session fixed by the server, bodies never returned. (tests/integration/test_agents.py
drives the same tools through a real MCP client session over stdio.)"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.config import load_agent_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.mcp_server import TOOLS, GateTools, ToolError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.results import AgentRunResult
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import AgentRunner
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest

if TYPE_CHECKING:
    from conftest import GateFactory


@pytest.fixture
def tools(agent_gate: GateFactory) -> GateTools:
    gate = agent_gate("mcp1")
    runner = AgentRunner(session="mcp1", settings=gate.settings, agent_settings=load_agent_settings({}),
                         environ={"HOME": str(gate.settings.state_dir)})  # fmt: skip
    calls: list[Any] = []

    def recorded(request: Any) -> AgentRunResult:  # the dispatch is under test here; real runs: test_agents.py
        calls.append(request)
        return AgentRunResult(session="mcp1", runner_ident="x", status="successful", rc=0, check=request.check)

    runner.run = recorded  # type: ignore[method-assign]
    tools = GateTools(session="mcp1", settings=gate.settings, runner=runner, explain=gate.explain,
                      record=gate.record_event,
                      trip=lambda reason: gate.trip_emergency_stop(reason=reason, by="agent:mcp1"))  # fmt: skip
    tools.calls = calls  # type: ignore[attr-defined]
    tools.gate = gate  # type: ignore[attr-defined]
    return tools


def records(tools: GateTools, event: str) -> list[dict[str, Any]]:
    lines = tools.settings.audit_path.read_text().splitlines() if tools.settings.audit_path.exists() else []
    return [r for r in map(json.loads, lines) if r.get("event") == event]


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_every_tool_publishes_a_closed_schema(name: str) -> None:
    schema = TOOLS[name].schema()
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert TOOLS[name].description
    for forbidden in ("session", "principal", "mode"):
        assert forbidden not in schema.get("properties", {})


MALFORMED: list[tuple[str, Any, str]] = [
    ("no_such_tool", {}, "unknown tool"),
    ("emergency_clear", {"reason": "x"}, "unknown tool"),
    ("run_playbook", ["site.yml"], "must be a JSON object"),
    ("run_playbook", {}, "playbook: Field required"),
    ("run_playbook", {"playbook": ""}, "playbook"),
    ("run_playbook", {"playbook": 7}, "playbook"),
    ("run_playbook", {"playbook": "x.yml", "inventory": "inv"}, "inventory"),
    ("run_playbook", {"playbook": "x.yml", "extra_vars": ["a"]}, "extra_vars"),
    ("run_playbook", {"playbook": "x.yml", "approvals": "tok"}, "approvals"),
    ("run_playbook", {"playbook": "x" * 501}, "playbook"),
    ("plan_playbook", {"playbook": "x.yml", "approvals": ["t"]}, "Extra inputs are not permitted"),
    ("explain_task", {"action": "ansible.builtin.ping"}, "host: Field required"),
    ("explain_task", {"action": "", "host": "web1"}, "action"),
    ("explain_task", {"action": "x", "host": "web1", "become": "maybe"}, "become"),
    ("approval_status", {"request": "req-XYZ"}, "request"),
    ("approval_status", {"request": "req-0123456789abcdef.x"}, "request"),
    ("emergency_stop", {}, "reason: Field required"),
    ("emergency_stop", {"reason": ""}, "reason"),
    ("session_decisions", {"limit": 0}, "limit"),
    ("session_decisions", {"limit": 10_000}, "limit"),
    ("session_status", {"x": 1}, "Extra inputs are not permitted"),
]
# Every tool refuses an argument that would pick the session, the principal or the mode.
for _tool in TOOLS:
    for _field in ("session", "principal", "mode"):
        MALFORMED.append((_tool, {_field: "other"}, "Extra inputs are not permitted"))


@pytest.mark.parametrize(("name", "arguments", "phrase"), MALFORMED)
def test_malformed_calls_get_an_error_and_a_record_and_run_nothing(
    tools: GateTools, name: str, arguments: Any, phrase: str
) -> None:
    with pytest.raises(ToolError) as caught:
        tools.call(name, arguments)
    assert phrase in caught.value.message
    assert tools.calls == []  # type: ignore[attr-defined]
    refused = records(tools, "mcp-refused")
    assert len(refused) == 1 and refused[0]["session"] == "mcp1" and refused[0]["args_len"] > 0
    assert records(tools, "mcp-call") == []
    assert not killswitch.is_tripped(tools.settings.killswitch_path)


def test_a_run_takes_the_servers_session_and_plans_are_check_runs(tools: GateTools) -> None:
    tools.call("run_playbook", {"playbook": "site.yml", "extra_vars": {"v": "1"}})
    tools.call("plan_playbook", {"playbook": "site.yml"})
    run, plan = tools.calls  # type: ignore[attr-defined]
    assert not run.check and plan.check and run.extra_vars == {"v": "1"}
    assert tools.runner.session == "mcp1"
    assert [r["ok"] for r in records(tools, "mcp-call")] == [True, True]


def test_explain_is_the_sessions_check_decision(tools: GateTools) -> None:
    decision = tools.call("explain_task", {"action": "ansible.builtin.copy", "host": "web1",
                                           "args": {"dest": "/srv/x", "content": "y"}})  # fmt: skip
    assert decision["decision"] == "allowed" and decision["tier"] == "T1" and decision["session"] == "mcp1"
    gate = tools.gate  # type: ignore[attr-defined]
    request = TaskRequest(action="ansible.builtin.stat", args={"path": "/etc/hostname"}, host="web1",
                          principal="agent:mcp1", session="mcp1", run_id=gate.run_id)  # fmt: skip
    gate.record_outcome(gate.decide(request), status="ok", host="web1", action="ansible.builtin.stat")
    held = tools.call("explain_task", {"action": "ansible.builtin.copy", "host": "web1",
                                       "args": {"dest": "/srv/x", "content": "y"}})  # fmt: skip
    assert held["decision"] == "approval_required" and held["rule"] == "agent.latch"


def test_the_emergency_stop_tool_trips_and_nothing_clears_it(tools: GateTools) -> None:
    result = tools.call("emergency_stop", {"reason": "the agent saw something wrong"})
    assert result["tripped"] and result["by"] == "agent:mcp1"
    assert killswitch.is_tripped(tools.settings.killswitch_path)
    assert records(tools, "emergency-stop")[0]["reason"] == "the agent saw something wrong"
    assert not [name for name in TOOLS if "clear" in name]


def test_session_decisions_are_this_sessions_and_hold_no_bodies(tools: GateTools, agent_gate: GateFactory) -> None:
    other = agent_gate("someone-else")
    for gate, session in ((tools.gate, "mcp1"), (other, "someone-else")):  # type: ignore[attr-defined]
        request = TaskRequest(action="ansible.builtin.copy", args={"dest": "/srv/x", "content": "SECRET-BODY"},
                              host="web1", principal=f"agent:{session}", session=session, run_id=gate.run_id,
                              task_name="write the body")  # fmt: skip
        gate.record_outcome(gate.decide(request), status="changed", output=b"OUTPUT-BODY", host="web1",
                            action="ansible.builtin.copy")  # fmt: skip
    found = tools.call("session_decisions", {"limit": 10})["records"]
    assert {r["event"] for r in found} == {"decision", "outcome"}
    assert all(r.get("run_id") == tools.gate.run_id for r in found)  # type: ignore[attr-defined]
    text = json.dumps(found)
    assert "SECRET-BODY" not in text and "OUTPUT-BODY" not in text and "write the body" not in text
    assert any(r.get("args_digest") and r.get("args_len") for r in found)
    assert any(r.get("output_sha256") and r.get("output_len") for r in found)


def test_session_status_shows_latch_budgets_and_grants(tools: GateTools) -> None:
    status = tools.call("session_status", {})
    assert status["latch"]["armed"] is False and status["scoped"] is False and status["mode"] == "open"


def test_the_published_tool_schemas_are_the_codes() -> None:
    from pathlib import Path

    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.mcp_server import mcp_tools_schema

    published = Path(__file__).resolve().parents[5] / "docs" / "schema" / "mcp-tools.schema.json"
    assert json.loads(published.read_text()) == mcp_tools_schema(), (
        "docs/schema/mcp-tools.schema.json is stale: regenerate it with `praxis-gate schema mcp-tools`"
    )
