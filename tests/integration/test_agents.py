# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Agents through both doors, against real sshd hosts: the Python API and ``praxis-gate agent run`` (the
ansible-runner entry point) and a real MCP client session over stdio (``praxis-gate mcp``).

The trifecta latch (SEC-4) across runs and processes, what an agent cannot change about its session, the project
confinement, the emergency stop ending a run in flight, budgets and grants (SEC-8), secrets kept in memory, and
argument provenance from ansible-core's data tags. Refusal tests use canary files; each has a positive control.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents._processes import marked_processes
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import (
    AgentRunner,
    AgentRunRequest,
    RunRefused,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch

from .harness import BIN_DIR, AnsibleLab, SshTarget

LONG_SLEEP = "sleep 29.517"  # unique: the test finds and ends the remote half by this exact command line


class AgentLab:
    """An operator's controller (real sshd targets, strict host keys) with a project root agents may run from."""

    def __init__(self, lab: AnsibleLab, canary: Path) -> None:
        self.lab, self.canary = lab, canary
        self.projects = lab.root / "projects"
        self.project = self.projects / "site"
        self.project.mkdir(parents=True)
        lab.allow_commands("cat /proc/uptime", LONG_SLEEP)
        lab.env_overrides["PRAXIS_AGENT_PROJECTS"] = str(self.project)

    def write(self, name: str, text: str) -> str:
        path = self.project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("CANARY", str(self.canary)))
        return name

    def env(self, **overrides: str) -> dict[str, str]:
        return self.lab.env(**overrides)

    def api(self, playbook: str, session: str | None = "s1", **fields: Any) -> dict[str, Any]:
        runner = AgentRunner(session=session, environ=self.env(**fields.pop("environ", {})),
                             become_password=fields.pop("become_password", None))  # fmt: skip
        return runner.run(AgentRunRequest(playbook=playbook, **fields)).as_dict()

    def cli(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any] | None, str]:
        done = subprocess.run([str(BIN_DIR / "praxis-gate"), *args], check=False, env=self.env(**(env or {})),
                              capture_output=True, text=True, timeout=600, cwd=self.lab.root)  # fmt: skip
        try:
            data = json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else None
        except ValueError:
            data = None
        return done.returncode, data, done.stdout + done.stderr

    def run_cli(
        self, playbook: str, session: str = "s1", *extra: str, env: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        code, data, output = self.cli("agent", "run", playbook, "--session", session, "--json", *extra, env=env)
        assert data is not None, output
        return code, data

    def records(self, event: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.lab.audit_records() if event is None or r.get("event") == event]


@pytest.fixture
def agents(tmp_path: Path, ssh_target: SshTarget, canary: Path) -> Iterator[AgentLab]:
    lab = AnsibleLab(root=tmp_path / "lab", targets={"target1": ssh_target, "target2": ssh_target})
    yield AgentLab(lab, canary)
    _end_remote_sleeps()


def _end_remote_sleeps() -> None:
    """The remote half of an ended run (a sleep under sshd) outlives its ssh client: end it by its exact command."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "cmdline").read_bytes().split(b"\0")[:2] == LONG_SLEEP.encode().split():
                    os.kill(int(entry.name), 9)


READ = """\
- name: Read the hosts
  hosts: target1
  gather_facts: false
  tasks:
    - name: Uptime
      ansible.builtin.command: cat /proc/uptime
      changed_when: false
    - name: Hostname file
      ansible.builtin.stat:
        path: /etc/hostname
"""
CHANGE = """\
- name: Change the hosts
  hosts: target1
  gather_facts: false
  tasks:
    - name: Write a file
      ansible.builtin.copy:
        content: "managed\\n"
        dest: "CANARY/{{ inventory_hostname }}-changed.txt"
        mode: "0644"
"""


def _tasks(result: dict[str, Any], task: str) -> list[dict[str, Any]]:
    return [t for t in result["tasks"] if t["task"] == task]


# ------------------------------------------------------------------------------------------------ the latch
def test_a_read_only_playbook_runs_without_approval_and_arms_the_latch(agents: AgentLab) -> None:
    result = agents.api(agents.write("read.yml", READ), session="reader")
    assert result["ok"] and result["gated"] and result["status"] == "successful", result["problems"]
    uptime = _tasks(result, "Uptime")[0]
    assert uptime["decision"] == "allowed" and uptime["tier"] == "T0"
    assert uptime["output"]["untrusted"] is True and "stdout" in uptime["output"]["data"]
    assert result["latch"]["armed"] and result["latch"]["kind"] == "host-output"
    started = [r for r in agents.records("run-start") if r.get("runner_ident") == result["runner_ident"]]
    assert started and started[0]["principal"] == "agent:reader"


def test_a_read_then_a_change_in_the_same_run_needs_approval(agents: AgentLab) -> None:
    agents.write("both.yml", READ + "\n" + CHANGE)
    code, result = agents.run_cli("both.yml", "same-run")
    change = _tasks(result, "Write a file")[0]
    assert code == 1 and change["decision"] == "approval_required" and change["rule"] == "agent.latch"
    assert change["status"] == "not-run" and not list(agents.canary.iterdir())
    (approval,) = result["approvals"]
    assert approval["request"] == f"req-{result['run_id'][:16]}" and "approvals show" in approval["review"]
    # positive control: the same change in a fresh session runs
    fresh = agents.api(agents.write("change.yml", CHANGE), session="fresh")
    assert fresh["ok"] and (agents.canary / "target1-changed.txt").is_file()


def test_a_read_then_a_change_in_a_later_run_from_another_process_needs_approval(agents: AgentLab) -> None:
    agents.write("read.yml", READ)
    agents.write("change.yml", CHANGE)
    code, first = agents.run_cli("read.yml", "later")  # another process: praxis-gate agent run
    assert code == 0 and first["latch"]["armed"]
    second = agents.api("change.yml", session="later")  # this process, a later run
    change = _tasks(second, "Write a file")[0]
    assert change["decision"] == "approval_required" and change["rule"] == "agent.latch"
    assert not list(agents.canary.iterdir())
    code, sessions, _unused = agents.cli("agent", "sessions", "later", "--json")
    assert code == 0 and sessions is not None and sessions["latch"]["armed"] and sessions["usage"]["total"] == 0


@pytest.mark.one_version
def test_the_agent_cannot_clear_the_latch_raise_the_mode_or_set_the_principal(agents: AgentLab) -> None:
    agents.write("read.yml", READ)
    agents.write("change.yml", CHANGE)
    assert agents.api("read.yml", session="held")["latch"]["armed"]
    # through extra vars and environment variables the wrapper would pass: refused before anything runs
    for fields, phrase in (
        ({"extra_vars": {"praxis_mode": "open"}}, "reserved"),
        ({"extra_vars": {"praxis_session": "fresh"}}, "reserved"),
        ({"extra_vars": {"praxis_principal": "root"}}, "reserved"),
        ({"extra_vars": {"ansible_become": True}}, "reserved"),
        ({"extra_vars": {"note": "{{ lookup('pipe', 'id') }}"}}, "template markers"),
        (
            {"extra_vars": {"note": "#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ 6*7 ]]"}},
            "template markers",
        ),  # the override header moves the delimiters
        ({"env": {"PRAXIS_MODE": "open"}}, "not one an agent may set"),
        ({"env": {"PRAXIS_SESSION": "fresh"}}, "not one an agent may set"),
        ({"env": {"ANSIBLE_CONFIG": "/tmp/mine.cfg"}}, "not one an agent may set"),
    ):
        with pytest.raises(RunRefused, match=phrase):
            agents.api("change.yml", session="held", **fields)
    code, _unused, output = agents.cli("agent", "run", "read.yml", "--session", "held", "-e", "praxis_mode=open")
    assert code == 2 and "reserved" in output
    # through the play itself, a project ansible.cfg, and the caller's environment: nothing changes
    agents.write("hostile.yml", """\
        - name: Try to loosen the gate from inside the play
          hosts: target1
          gather_facts: false
          vars:
            praxis_mode: open
            praxis_session: fresh
            praxis_principal: root
          environment:
            PRAXIS_MODE: open
            PRAXIS_SESSION: fresh
          tasks:
            - name: Write a file
              ansible.builtin.copy:
                content: "managed\\n"
                dest: "CANARY/hostile.txt"
                mode: "0644"
              ignore_errors: true
            - name: An irreversible-class change
              ansible.builtin.file:
                path: "CANARY/authorized_keys"
                state: touch
                mode: "0600"
              ignore_errors: true
        """)  # fmt: skip
    (agents.canary / "precious.txt").write_text("keep")
    operator_cfg = agents.lab.config.read_text()
    home = agents.lab.root / "home"
    home.mkdir()
    (home / ".ansible.cfg").write_text(operator_cfg)  # the operator's file, found through HOME
    (agents.project / "ansible.cfg").write_text(
        operator_cfg + "\n[praxis_gatekeeper]\nmode = open\nprincipal = root\nsession = fresh\n"
    )
    result = agents.api("hostile.yml", session="held", environ={
        "ANSIBLE_CONFIG": "", "HOME": str(home), "PRAXIS_PRINCIPAL": "root@elsewhere", "PRAXIS_SESSION": "fresh",
    })  # fmt: skip
    assert result["gated"], result["problems"]
    write, t3 = _tasks(result, "Write a file")[0], _tasks(result, "An irreversible-class change")[0]
    assert write["decision"] == "approval_required" and write["rule"] == "agent.latch"
    assert t3["decision"] == "refused" and t3["tier"] == "T3" and "guarded" in t3["reason"]
    assert sorted(p.name for p in agents.canary.iterdir()) == ["precious.txt"]
    decisions = [r for r in agents.records("decision") if r.get("run_id") == result["run_id"]]
    assert decisions and {(r["principal"], r["session"], r["mode"]) for r in decisions} == {
        ("agent:held", "held", "guarded")
    }


# ------------------------------------------------------------------------------------------------ confinement
@pytest.mark.one_version
def test_a_project_shipping_plugins_or_a_playbook_outside_the_root_is_refused(agents: AgentLab) -> None:
    agents.write("read.yml", READ)
    (agents.lab.root / "outside.yml").write_text(READ)
    (agents.project / "linked.yml").symlink_to(agents.lab.root / "outside.yml")
    for playbook in ("../outside.yml", str(agents.lab.root / "outside.yml"), "linked.yml"):
        code, _unused, output = agents.cli("agent", "run", playbook, "--session", "confined")
        assert code == 2 and "outside the project" in output
    filters = agents.project / "filter_plugins"
    filters.mkdir()
    (filters / "evil.py").write_text("import os\nos.system('touch " + str(agents.canary / "ran") + "')\n")
    code, _unused, output = agents.cli("agent", "run", "read.yml", "--session", "confined")
    assert code == 2 and "filter_plugins" in output
    assert not (agents.canary / "ran").exists()
    assert not agents.records("run-start"), "nothing started"
    filters.joinpath("evil.py").unlink()  # positive control: the same project without the plugin runs
    code, result = agents.run_cli("read.yml", "confined")
    assert code == 0 and result["ok"]


# ------------------------------------------------------------------------------------------------ emergency stop
def test_the_emergency_stop_ends_a_long_run_within_a_second(agents: AgentLab) -> None:
    agents.write("long.yml", f"""\
        - name: A long task
          hosts: target1
          gather_facts: false
          tasks:
            - name: Wait
              ansible.builtin.command: {LONG_SLEEP}
              changed_when: false
        """)  # fmt: skip
    runner = AgentRunner(session="long", environ=agents.env())
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(runner.run(AgentRunRequest(playbook="long.yml"))))
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _remote_sleep_running():
            time.sleep(0.05)
        assert _remote_sleep_running(), "the long task never started"
        marker = runner.active_marker
        assert marker and marked_processes(marker), "the run is in flight"
        settings_dir = Path(agents.env()["PRAXIS_STATE_DIR"])
        killswitch.trip(settings_dir / "emergency-stop", reason="the agent went wrong", principal="operator")
        tripped = time.monotonic()
        # Every process of the run must die; how fast (under a second on an idle machine) is a speed target, so it
        # lives in the benchmarks, not here: this bound only says "ended by the stop, not by the task's own end".
        while marked_processes(marker) and time.monotonic() - tripped < 20:  # the task alone would run 29.5 s
            time.sleep(0.01)
        elapsed = time.monotonic() - tripped
        assert not marked_processes(marker), f"the run's processes outlived the emergency stop by {elapsed:.2f}s"
    finally:
        thread.join(60)
    (result,) = results
    assert result.status == "canceled" and any("emergency stop" in p for p in result.problems)


def _remote_sleep_running() -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "cmdline").read_bytes().split(b"\0")[:2] == LONG_SLEEP.encode().split():
                    return True
    return False


# ------------------------------------------------------------------------------------------------ budgets, grants
@pytest.mark.one_version
def test_budgets_refuse_after_the_limit(agents: AgentLab) -> None:
    agents.write("three.yml", """\
        - name: Three changes
          hosts: target1
          gather_facts: false
          tasks:
            - name: Write files
              ansible.builtin.copy:
                content: "x\\n"
                dest: "CANARY/{{ item }}.txt"
                mode: "0644"
              loop: [one, two, three]
        """)  # fmt: skip
    code, result = agents.run_cli("three.yml", "budgeted", env={"PRAXIS_AGENT_BUDGET_TOTAL": "2"})
    (task,) = _tasks(result, "Write files")
    assert code == 1 and task["decision"] == "refused" and task["rule"] == "agent.budget"
    assert "budget of 2 actuations is spent" in task["reason"]
    assert sorted(p.name for p in agents.canary.iterdir()) == ["one.txt", "two.txt"]
    assert result["usage"]["total"] == 2 and result["budgets"]["total"] == 2


@pytest.mark.one_version
def test_a_grant_limits_hosts_and_tiers_and_expires(agents: AgentLab) -> None:
    agents.write("both-hosts.yml", CHANGE.replace("hosts: target1", "hosts: target1,target2"))
    agents.write("t2.yml", """\
        - name: A stateful change
          hosts: target1
          gather_facts: false
          tasks:
            - name: Restart
              ansible.builtin.command: "touch CANARY/t2"
        """)  # fmt: skip
    # positive control: before any grant the session may act on both hosts
    _unused, result = agents.run_cli("both-hosts.yml", "open-session")
    assert {t["decision"] for t in _tasks(result, "Write a file")} == {"allowed"}
    for path in agents.canary.iterdir():
        path.unlink()
    code, grant, output = agents.cli("agent", "grant", "scoped", "--host", "target1", "--max-tier", "T1",
                                     "--ttl", "600", "--reason", "deploy the motd", "--json")  # fmt: skip
    assert code == 0 and grant is not None, output
    code, result = agents.run_cli("both-hosts.yml", "scoped")
    by_host = {t["host"]: t for t in _tasks(result, "Write a file")}
    assert by_host["target1"]["decision"] == "allowed"
    assert by_host["target2"]["decision"] == "refused" and by_host["target2"]["rule"] == "agent.grant"
    assert sorted(p.name for p in agents.canary.iterdir()) == ["target1-changed.txt"]
    _unused, result = agents.run_cli("t2.yml", "scoped")
    assert _tasks(result, "Restart")[0]["rule"] == "agent.grant" and not (agents.canary / "t2").exists()
    code, _unused, output = agents.cli("agent", "revoke", "scoped", grant["grant"], "--reason", "done")
    assert code == 0, output
    _unused, result = agents.run_cli("both-hosts.yml", "scoped")
    assert {t["rule"] for t in _tasks(result, "Write a file")} == {"agent.grant"}, "revoked: still scoped"
    # a grant that expires
    code, _unused, output = agents.cli(
        "agent", "grant", "brief", "--host", "target1", "--max-tier", "T1", "--ttl", "1", "--reason", "one moment"
    )
    assert code == 0, output
    time.sleep(1.5)
    (agents.canary / "target1-changed.txt").unlink()
    _unused, result = agents.run_cli("both-hosts.yml", "brief")
    refused = _tasks(result, "Write a file")
    assert {t["rule"] for t in refused} == {"agent.grant"} and "expired" in refused[0]["reason"]
    assert not list(agents.canary.iterdir())
    assert agents.records("agent-grant")[0]["grant"] == grant["grant"]


# ------------------------------------------------------------------------------------------------ provenance
def test_arguments_derived_from_host_output_need_approval_before_the_latch(agents: AgentLab) -> None:
    agents.write("derived.yml", """\
        - name: Use a result
          hosts: target1
          gather_facts: false
          vars:
            base: CANARY
          tasks:
            - name: First copy
              ansible.builtin.copy:
                content: "one\\n"
                dest: "{{ base }}/first.txt"
                mode: "0644"
              register: first
            - name: Computed from trusted data
              ansible.builtin.copy:
                content: "two\\n"
                dest: "{{ base }}/second.txt"
                mode: "0644"
            - name: Derived from the first result
              ansible.builtin.copy:
                content: "three\\n"
                dest: "{{ first.dest }}.bak"
                mode: "0644"
        """)  # fmt: skip
    result = agents.api("derived.yml", session="tags")
    assert _tasks(result, "First copy")[0]["decision"] == "allowed"
    assert _tasks(result, "Computed from trusted data")[0]["decision"] == "allowed"
    derived = _tasks(result, "Derived from the first result")[0]
    assert derived["decision"] == "approval_required" and derived["rule"] == "agent.host-derived"
    assert sorted(p.name for p in agents.canary.iterdir()) == ["first.txt", "second.txt"]
    records = {r["task"]: r for r in agents.records("decision") if r.get("run_id") == result["run_id"]}
    assert records["Derived from the first result"]["provenance"]["host_derived"] == ["dest"]
    assert records["Computed from trusted data"]["provenance"] == {
        "computed": ["dest"],
        "host_derived": [],
        "vaulted": [],
    }
    assert not result["latch"]["armed"] or result["latch"]["reason"].startswith("the run's task results")


# ------------------------------------------------------------------------------------------------ secrets
@pytest.mark.one_version
def test_a_become_password_stays_in_memory(agents: AgentLab, monkeypatch: pytest.MonkeyPatch) -> None:
    password = "Pw-" + os.urandom(8).hex()
    scratch = agents.lab.root / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    agents.write("become.yml", """\
        - name: Escalate
          hosts: target1
          gather_facts: false
          tasks:
            - name: Who am I
              ansible.builtin.command: cat /proc/uptime
              changed_when: false
        """)  # fmt: skip
    result = agents.api("become.yml", session="secret", become_password=password)
    assert result["ok"], result["problems"]  # the prompt was answered in memory, or the run would have hung
    assert list(scratch.iterdir()) == [], "ansible-runner's private data directory is removed"
    haystacks = [
        json.dumps(result),
        *(p.read_bytes().decode(errors="replace") for p in agents.lab.state_dir.rglob("*") if p.is_file()),
    ]
    assert not any(password in text for text in haystacks)


# ------------------------------------------------------------------------------------------------ MCP over stdio
@pytest.mark.one_version
def test_a_real_mcp_client_session_over_stdio(agents: AgentLab) -> None:
    import anyio
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    agents.write("read.yml", READ)
    agents.write("change.yml", CHANGE)
    params = StdioServerParameters(command=str(BIN_DIR / "praxis-gate"), args=["mcp", "--session", "mcp-s"],
                                   env=agents.env(), cwd=str(agents.lab.root))  # fmt: skip
    seen: dict[str, Any] = {}

    async def session() -> None:
        async with stdio_client(params) as streams, ClientSession(*streams) as client:
            await client.initialize()
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
            seen["tools"] = listed
            for name, arguments in (
                ("run_playbook", {"playbook": "read.yml", "session": "other"}),
                ("run_playbook", {"playbook": 42}),
                ("no_such_tool", {}),
                ("emergency_clear", {"reason": "x"}),
            ):
                reply = await client.call_tool(name, arguments)
                seen.setdefault("malformed", []).append((reply.is_error, reply.content[0].text))
            seen["read"] = (await client.call_tool("run_playbook", {"playbook": "read.yml"})).structured_content
            seen["plan"] = (await client.call_tool("plan_playbook", {"playbook": "change.yml"})).structured_content
            request = seen["plan"]["approvals"][0]["request"]
            status = await client.call_tool("approval_status", {"request": request})
            seen["status"] = status.structured_content
            seen["decisions"] = (await client.call_tool("session_decisions", {"limit": 20})).structured_content
            task = {"action": "ansible.builtin.copy", "host": "target1", "args": {"dest": "/srv/x", "content": "y"}}
            explained = await client.call_tool("explain_task", task)
            seen["explain"] = explained.structured_content
            stopped = await client.call_tool("emergency_stop", {"reason": "the agent asks"})
            seen["stop"] = stopped.structured_content

    anyio.run(session)
    assert set(seen["tools"]) == {"explain_task", "plan_playbook", "run_playbook", "approval_status",
                                  "emergency_stop", "session_decisions", "session_status"}  # fmt: skip
    assert seen["tools"]["run_playbook"].input_schema["additionalProperties"] is False
    assert all(is_error for is_error, _unused in seen["malformed"]), seen["malformed"]
    assert "Extra inputs are not permitted" in seen["malformed"][0][1]
    refused = agents.records("mcp-refused")
    assert [r["tool"] for r in refused] == ["run_playbook", "run_playbook", "no_such_tool", "emergency_clear"]
    assert seen["read"]["ok"] and seen["read"]["session"] == "mcp-s" and seen["read"]["latch"]["armed"]
    plan = seen["plan"]
    assert plan["check"] and _tasks(plan, "Write a file")[0]["decision"] == "allowed"  # a dry run, in the plan
    assert seen["status"]["status"] == "pending" and seen["status"]["items"][0]["tier"] == "T1"
    assert "latch" in seen["status"]["items"][0]["why"]
    assert seen["explain"]["decision"] == "approval_required" and seen["explain"]["rule"] == "agent.latch"
    decisions = json.dumps(seen["decisions"])
    assert '"args"' not in decisions and "managed" not in decisions and seen["decisions"]["records"]
    assert seen["stop"]["tripped"] and killswitch.is_tripped(agents.lab.state_dir / "emergency-stop")
    assert not list(agents.canary.iterdir())
    calls = agents.records("mcp-call")
    assert {r["tool"] for r in calls} >= {"run_playbook", "plan_playbook", "approval_status", "emergency_stop"}
    code, _unused, output = agents.cli("emergency-clear", "--reason", "test over")
    assert code == 0, output


# ------------------------------------------------------------------------------------------------ the module
def test_a_play_trips_the_emergency_stop_and_cannot_clear_it(agents: AgentLab) -> None:
    agents.write("stop.yml", """\
        - name: Stop everything
          hosts: target1
          gather_facts: false
          tasks:
            - name: Trip the stop
              praxis.gatekeeper.emergency_stop:
                reason: the rollout broke the health check
            - name: Anything after it
              ansible.builtin.stat:
                path: /etc/hostname
              ignore_errors: true
        """)  # fmt: skip
    sentinel = agents.lab.state_dir / "emergency-stop"
    planned = agents.api("stop.yml", session="stopper", check=True)
    assert _tasks(planned, "Trip the stop")[0]["decision"] == "allowed" and not sentinel.exists(), "--check only says"
    result = agents.api("stop.yml", session="stopper", environ={"PRAXIS_MODE": "readonly"})
    trip = _tasks(result, "Trip the stop")[0]
    assert trip["decision"] == "allowed" and trip["tier"] == "T0" and trip["status"] == "changed"
    # through the agent door the tripped stop ends the run itself (the next task, if it is reached first, is refused)
    assert result["status"] == "canceled"
    assert all(t["rule"] == "killswitch" and t["status"] == "not-run" for t in _tasks(result, "Anything after it"))
    assert killswitch.status(sentinel).by == "agent:stopper"
    (stopped,) = agents.records("emergency-stop")
    assert stopped["reason"] == "the rollout broke the health check" and stopped["session"] == "stopper"
    code, _unused, output = agents.cli("emergency-clear", "--reason", "test over")
    assert code == 0 and not sentinel.exists(), output
    # through ansible-playbook, the next task is refused, and no task can clear the stop
    plain = agents.lab.playbook((agents.project / "stop.yml").read_text() + textwrap.indent(textwrap.dedent(f"""\
            - name: Clear the stop from the play
              ansible.builtin.file:
                path: {sentinel}
                state: absent
              delegate_to: localhost
        """), "    "), env={"PRAXIS_MODE": "open"})  # fmt: skip
    after, clear = plain.decisions(task="Anything after it"), plain.decisions(task="Clear the stop from the play")
    assert after and after[0]["rule"] == "killswitch", plain.output[-3000:]
    assert clear and clear[0]["decision"] in ("refused", "denied")
    assert sentinel.exists() and killswitch.status(sentinel).reason == "the rollout broke the health check"
    agents.cli("emergency-clear", "--reason", "test over")


@pytest.mark.one_version
def test_the_entry_point_never_imports_ansible_core_in_its_own_process(agents: AgentLab) -> None:
    """The runner stays plain Python: ansible_runner is imported (it starts ansible-playbook as a process), ansible-core
    is not, before, during or after a run."""
    agents.write("read.yml", READ)
    script = textwrap.dedent("""\
        import sys
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import run_playbook
        import ansible_runner
        before = sorted(m for m in sys.modules if m == "ansible" or m.startswith("ansible."))
        result = run_playbook("read.yml", session="imports")
        after = sorted(m for m in sys.modules if m == "ansible" or m.startswith("ansible."))
        print(result.ok, before, after)
    """)  # fmt: skip
    done = subprocess.run(
        [str(BIN_DIR / "python"), "-c", script],
        check=False,
        env=agents.env(),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=agents.lab.root,
    )
    assert done.stdout.strip() == "True [] []", done.stdout + done.stderr
