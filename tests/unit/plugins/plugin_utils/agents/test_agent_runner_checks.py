# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the agent entry point refuses before anything runs: paths out of the project (by any spelling or link),
controller-side code shipped in the project, reserved or templated extra vars, environment variables the operator
did not allow. Each refusal is a class generated over its table; every case also shows nothing was started."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.config import load_agent_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import (
    PLUGIN_DIRS,
    AgentRunner,
    AgentRunRequest,
    RunRefused,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "projects" / "site"
    root.mkdir(parents=True)
    (root / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    (root / "inventory.ini").write_text("web1\n")
    (tmp_path / "outside.yml").write_text("- hosts: all\n  tasks: []\n")
    return root


@pytest.fixture
def runner(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> AgentRunner:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    env = {"PRAXIS_STATE_DIR": str(state), "HOME": str(tmp_path), "PRAXIS_AGENT_PROJECTS": str(project.parent),
           "PRAXIS_AGENT_ENV_ALLOW": "HTTPS_PROXY,PRAXIS_MODE,ANSIBLE_CONFIG"}  # fmt: skip
    started: list[Any] = []
    runner = AgentRunner(session="s1", settings=load_settings(env, cfg=False),
                         agent_settings=load_agent_settings(env), environ=env)  # fmt: skip
    monkeypatch.setattr(runner, "_ansible_runner", lambda *a: started.append(a) or ("successful", 0, ""))
    runner.started = started  # type: ignore[attr-defined]
    return runner


def _request(runner: AgentRunner, **fields: Any) -> AgentRunRequest:
    project = str(runner.agent_settings.projects[0] / "site")
    return AgentRunRequest(**{"playbook": "site.yml", "project": project, **fields})


def allowed(runner: AgentRunner, **fields: Any) -> None:
    runner.run(_request(runner, **fields))
    assert len(runner.started) == 1  # type: ignore[attr-defined]


def refused(runner: AgentRunner, **fields: Any) -> str:
    with pytest.raises(RunRefused) as caught:
        runner.run(_request(runner, **fields))
    assert runner.started == [], "nothing may start for a refused request"  # type: ignore[attr-defined]
    return str(caught.value)


@pytest.mark.parametrize("playbook", ["../outside.yml", "../../outside.yml", "/etc/hostname", "sub/../../outside.yml"])
def test_a_playbook_outside_the_project_is_refused(runner: AgentRunner, playbook: str) -> None:
    assert "outside the project" in refused(runner, playbook=playbook)


def test_a_symlink_out_of_the_project_is_refused(runner: AgentRunner, project: Path, tmp_path: Path) -> None:
    (project / "escape.yml").symlink_to(tmp_path / "outside.yml")
    (project / "linked").symlink_to(tmp_path, target_is_directory=True)
    assert "outside the project" in refused(runner, playbook="escape.yml")
    assert "outside the project" in refused(runner, playbook="linked/outside.yml")
    assert "outside the project" in refused(runner, inventory=("linked/outside.yml",))


def test_a_project_outside_the_roots_is_refused(runner: AgentRunner, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="outside the operator's project roots"):
        runner.run(AgentRunRequest(playbook="outside.yml", project=str(tmp_path)))


def test_no_project_root_means_no_agent_runs(tmp_path: Path) -> None:
    settings = load_agent_settings({"HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="no project root"):
        settings.project(None)


@pytest.mark.parametrize("place", ["", "roles/web/"])
@pytest.mark.parametrize("kind", PLUGIN_DIRS)
def test_controller_code_shipped_in_the_project_is_refused(
    runner: AgentRunner, project: Path, kind: str, place: str
) -> None:
    directory = project / place / kind
    directory.mkdir(parents=True)
    (directory / "evil.py").write_text("import os\n")
    assert "refused this run" in refused(runner)


def test_adjacent_collections_are_refused(runner: AgentRunner, project: Path) -> None:
    (project / "collections" / "ansible_collections" / "praxis" / "gatekeeper").mkdir(parents=True)
    assert "collections beside the playbook" in refused(runner)


def test_an_empty_plugin_directory_is_harmless(runner: AgentRunner, project: Path) -> None:
    (project / "filter_plugins").mkdir()
    allowed(runner)


RESERVED = [
    "ansible_become", "ansible_connection", "ansible_ssh_common_args", "ANSIBLE_PYTHON_INTERPRETER", "praxis_approval",
    "praxis_mode", "praxis_principal", "praxis_session", "hostvars", "vars", "groups", "inventory_hostname", "omit",
    "playbook_dir", "role_path", "environment", "group_names", "item",
]  # fmt: skip


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_extra_vars_are_refused(runner: AgentRunner, name: str) -> None:
    assert "reserved" in refused(runner, extra_vars={name: "x"})


@pytest.mark.parametrize(
    "value",
    ["{{ lookup('pipe', 'id') }}", "{% if true %}x{% endif %}", "{# c #}", ["ok", "{{ x }}"], {"k": "{{ x }}"},
     {"{{ key }}": 1},
     # ansible-core's override header moves the delimiters: no default start string, and it still runs
     "#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ lookup('pipe', 'id') ]]",
     ["ok", "#jinja2:block_start_string:'<%', block_end_string:'%>'\n<% if true %>x<% endif %>"],
     {"#jinja2:variable_start_string:'((', variable_end_string:'))'\n": 1}],
)  # fmt: skip
def test_templates_in_extra_vars_are_refused(runner: AgentRunner, value: Any) -> None:
    assert "template markers" in refused(runner, extra_vars={"app_version": value})


@pytest.mark.parametrize("name", ["bad-name", "1x", "a b", "", "x" * 101])
def test_malformed_extra_var_names_are_refused(runner: AgentRunner, name: str) -> None:
    assert "not a variable name" in refused(runner, extra_vars={name: "x"})


def test_plain_extra_vars_pass(runner: AgentRunner) -> None:
    allowed(runner, extra_vars={"app_version": "1.2.3", "ports": [80, 443]})


@pytest.mark.parametrize("name", ["PRAXIS_MODE", "ANSIBLE_CONFIG", "PRAXIS_PRINCIPAL", "LD_PRELOAD", "PATH"])
def test_environment_variables_outside_the_allowlist_are_refused(runner: AgentRunner, name: str) -> None:
    assert "not one an agent may set" in refused(runner, env={name: "x"})


def test_an_allowed_environment_variable_passes_and_the_gate_settings_win(runner: AgentRunner) -> None:
    env = runner._run_env("s1", runner._checked_env({"HTTPS_PROXY": "http://proxy:3128"}), (), "m")
    assert env["HTTPS_PROXY"] == "http://proxy:3128"
    assert env["PRAXIS_GATE"] == "enforce" and env["PRAXIS_PRINCIPAL"] == "agent:s1" and env["PRAXIS_SESSION"] == "s1"
    assert env["ANSIBLE_HOST_KEY_CHECKING"] == "True" and env["PRAXIS_MODE"] == runner.settings.mode.value
    assert env["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert "PRAXIS_APPROVAL" not in env


@pytest.mark.parametrize("limit", ["web1;id", "web1 web2", "$(id)", "a" * 501, "web1\n"])
def test_malformed_limits_are_refused(runner: AgentRunner, limit: str) -> None:
    assert "not a host pattern" in refused(runner, limit=limit)


@pytest.mark.parametrize("session", ["", "-x", "a/b", "a b", "x" * 65, "../s", "s1\n", "s\x00"])
def test_malformed_session_ids_are_refused(session: str) -> None:
    with pytest.raises(ConfigError, match="not a session id"):
        AgentRunner(session=session, environ={"HOME": "/nonexistent", "PRAXIS_STATE_DIR": "/tmp/x"})
