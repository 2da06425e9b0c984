# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible-core runs on the controller from the files an agent's run points it at, before any task: refused
before anything starts (agents/inputs.py). Red-team classes, each generated over its table, each with a positive
control; the last test is the real run: ansible-runner starting ansible-playbook on an inventory script and on a
project ansible.cfg whose vault password script ansible-core executes, canary files proving neither ran."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents import runner as runner_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.config import load_agent_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.inputs import INERT_SETTINGS
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import (
    AgentRunner,
    AgentRunRequest,
    RunRefused,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "projects" / "site"
    root.mkdir(parents=True)
    (root / "site.yml").write_text("- hosts: all\n  gather_facts: false\n  tasks: []\n")
    (root / "inventory.ini").write_text("[web]\nweb1 ansible_host=192.0.2.1\n")
    return root


def _runner(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> AgentRunner:
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    env = {"PRAXIS_STATE_DIR": str(state), "HOME": str(tmp_path / "home"),
           "PRAXIS_AGENT_PROJECTS": str(project.parent), **extra}  # fmt: skip
    runner = AgentRunner(session="s1", settings=load_settings(env, cfg=False),
                         agent_settings=load_agent_settings(env), environ=env)  # fmt: skip
    started: list[Any] = []
    monkeypatch.setattr(runner, "_ansible_runner", lambda *a: started.append(a) or ("successful", 0, ""))
    runner.started = started  # type: ignore[attr-defined]
    return runner


@pytest.fixture
def runner(tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> AgentRunner:
    return _runner(tmp_path, project, monkeypatch)


def _request(runner: AgentRunner, **fields: Any) -> AgentRunRequest:
    return AgentRunRequest(**{"playbook": "site.yml", "project": str(runner.agent_settings.projects[0] / "site"),
                              **fields})  # fmt: skip


def refused(runner: AgentRunner, **fields: Any) -> RunRefused:
    before = len(runner.started)  # type: ignore[attr-defined]
    with pytest.raises(RunRefused) as caught:
        runner.run(_request(runner, **fields))
    assert len(runner.started) == before, "nothing may start for a refused request"  # type: ignore[attr-defined]
    assert caught.value.hint, "a refusal says what to do next"
    return caught.value


def allowed(runner: AgentRunner, **fields: Any) -> None:
    before = len(runner.started)  # type: ignore[attr-defined]
    runner.run(_request(runner, **fields))
    assert len(runner.started) == before + 1  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ inventories
# Inventory files ansible-core would not read as data: (name, content, mode, phrase). Each is tried as the named
# inventory and inside an inventory directory (nested), the way ansible-core walks one.
NOT_DATA = [
    ("inv.sh", "#!/bin/sh\necho '{}'\n", 0o755, "executable"),
    ("inv.py", "#!/usr/bin/env python3\nprint('{}')\n", 0o700, "executable"),
    ("hosts", "web1\n", 0o744, "executable"),  # a static file with an execute bit: the script plugin runs it
    ("hosts.ini", "web1\n", 0o654, "executable"),  # group execute only
    ("gen.yml", "plugin: ansible.builtin.generator\nhosts: {name: x}\n", 0o644, "inventory plugin"),
    ("c.yaml", "plugin: ansible.builtin.constructed\ncompose: {a: b}\n", 0o644, "inventory plugin"),
    ("c.config", "---\nplugin: constructed\n", 0o644, "inventory plugin"),
    ("tagged.yml", "plugin: !unsafe ansible.builtin.constructed\n", 0o644, "inventory plugin"),
    ("quoted.yml", '"plugi\\x6e": ansible.builtin.constructed\n', 0o644, "inventory plugin"),  # escaped key
    ("flow.yml", "{plugin: constructed}\n", 0o644, "inventory plugin"),
    ("merged.yml", "base: &b {plugin: constructed}\n<<: *b\n", 0o644, "inventory plugin"),  # merge key
    ("broken.yml", "plugin: [unclosed\n", 0o644, "could not be read"),  # unknown: rounds up
]


@pytest.mark.parametrize(("name", "content", "mode", "phrase"), NOT_DATA, ids=[row[0] for row in NOT_DATA])
@pytest.mark.parametrize("where", ["file", "directory"])
def test_an_inventory_that_is_not_data_is_refused(
    runner: AgentRunner, project: Path, *, name: str, content: str, mode: int, phrase: str, where: str
) -> None:
    folder = project / ("inv/sub" if where == "directory" else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(content)
    (folder / name).chmod(mode)
    refusal = refused(runner, inventory=("inv" if where == "directory" else name,))
    assert phrase in str(refusal) and "before any task" in str(refusal)


DATA = [
    ("hosts.ini", "[web]\nweb1 ansible_host=192.0.2.1\n[db]\ndb1\n"),
    ("hosts.yml", "all:\n  hosts:\n    web1:\n      ansible_host: 192.0.2.1\n  children: {db: {hosts: {db1: {}}}}\n"),
    ("vault.yml", "all:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n"),
    ("hosts.toml", '[web.hosts]\nweb1 = { ansible_host = "192.0.2.1" }\n'),
    ("hosts", "web1\nweb2\n"),
    ("vars.yml", "all:\n  vars:\n    plugins: [a, b]\n    plugin_name: x\n"),  # 'plugin' only nested or as a prefix
]


@pytest.mark.parametrize(("name", "content"), DATA, ids=[row[0] for row in DATA])
def test_positive_control_static_inventories_run(runner: AgentRunner, project: Path, name: str, content: str) -> None:
    (project / "inv" / "group_vars").mkdir(parents=True)
    (project / "inv" / name).write_text(content)
    (project / "inv" / "group_vars" / "all.yml").write_text("ntp: pool.example\n")
    allowed(runner, inventory=(f"inv/{name}",))
    allowed(runner, inventory=("inv",))


def test_a_link_inside_an_inventory_directory_out_of_the_project_is_refused(
    runner: AgentRunner, project: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "hosts").write_text("web1\n")
    (project / "inv").mkdir()
    (project / "inv" / "hosts").symlink_to(tmp_path / "elsewhere" / "hosts")
    assert "outside the project" in str(refused(runner, inventory=("inv",)))
    (project / "inv" / "hosts").unlink()
    (project / "inv" / "more").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    assert "outside the project" in str(refused(runner, inventory=("inv",)))
    (project / "inv" / "more").unlink()
    (project / "inv" / "hosts").symlink_to(project / "inventory.ini")  # positive control: a link within it
    allowed(runner, inventory=("inv",))


def test_the_operator_vouches_for_an_inventory_script_by_allowlisting_it(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "inv.sh").write_text("#!/bin/sh\necho '{}'\n")
    (project / "inv.sh").chmod(0o755)
    runner = _runner(tmp_path, project, monkeypatch, PRAXIS_ALLOW_PATHS=str(project / "inv.sh"))
    allowed(runner, inventory=("inv.sh",))


# ------------------------------------------------------------------------------------------------ project ansible.cfg
# Settings of a project ansible.cfg that ansible-core would obey: each is refused, whatever it names.
NOT_INERT = [
    ("defaults", "vault_password_file", "./vault.sh"),
    ("defaults", "vault_identity_list", "prod@./vault.sh"),
    ("defaults", "inventory", "./inv.sh"),
    ("defaults", "log_path", "~/.bashrc"),
    ("defaults", "become_exe", "./su"),
    ("defaults", "jinja2_extensions", "evil.ext"),
    ("defaults", "strategy", "debug"),
    ("defaults", "enable_task_debugger", "True"),
    ("defaults", "local_tmp", "/tmp/x"),
    ("defaults", "fact_caching_connection", "/etc/cron.d"),
    ("defaults", "roles_path", "./roles2"),
    ("defaults", "some_future_setting", "x"),  # unknown: rounds up
    ("ssh_connection", "ssh_executable", "./ssh"),
    ("ssh_connection", "ssh_args", "-o ProxyCommand=./x"),
    ("paramiko_connection", "proxy_command", "./x"),
    ("persistent_connection", "ansible_connection_path", "./python"),
    ("inventory", "enable_plugins", "script"),
    ("galaxy", "server_list", "x"),
    ("callback_tree", "directory", "/tmp/t"),
]


@pytest.mark.parametrize(("section", "key", "value"), NOT_INERT, ids=[f"{s}.{k}" for s, k, _v in NOT_INERT])
@pytest.mark.parametrize("ansible_config", ["unset", "blank", "relative", "directory"])
def test_a_project_ansible_cfg_setting_more_than_switches_is_refused(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch, *, section: str, key: str, value: str,
    ansible_config: str,
) -> None:  # fmt: skip
    head = "" if section == "defaults" else f"\n[{section}]\n"
    (project / "ansible.cfg").write_text(f"[defaults]\nforks = 5\n{head}{key} = {value}\n")
    extra = {"unset": {}, "blank": {"ANSIBLE_CONFIG": ""}, "relative": {"ANSIBLE_CONFIG": "ansible.cfg"},
             "directory": {"ANSIBLE_CONFIG": str(project)}}[ansible_config]  # fmt: skip
    refusal = refused(_runner(tmp_path, project, monkeypatch, **extra))
    assert f"[{section}] {key}" in str(refusal) and "ANSIBLE_CONFIG" in refusal.hint


@pytest.mark.parametrize(("section", "key"), sorted((s, k) for s, keys in INERT_SETTINGS.items() for k in keys))
def test_positive_control_a_project_ansible_cfg_of_switches_runs(
    runner: AgentRunner, project: Path, section: str, key: str
) -> None:
    (project / "ansible.cfg").write_text(
        f"[{section}]\n{'red' if key == '*' else key} = 5\n\n[praxis_gatekeeper]\nmode = readonly\n"
    )
    allowed(runner)


def test_a_project_ansible_cfg_is_not_checked_when_the_operator_names_the_configuration(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    operator = tmp_path / "operator.cfg"
    operator.write_text("[defaults]\nforks = 5\n")
    (project / "ansible.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n")
    allowed(_runner(tmp_path, project, monkeypatch, ANSIBLE_CONFIG=str(operator)))
    # ... but an ANSIBLE_CONFIG that lands inside the project is the project's file
    refused(_runner(tmp_path, project, monkeypatch, ANSIBLE_CONFIG=str(project / "ansible.cfg")))


def test_a_project_ansible_cfg_repeating_the_operators_runs_unless_it_names_a_project_file(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    text = f"[defaults]\ninventory = {project / 'inventory.ini'}\ninterpreter_python = {sys.executable}\n"
    (home / ".ansible.cfg").write_text(text)  # the operator's, found through HOME
    (project / "ansible.cfg").write_text(text + "\n[praxis_gatekeeper]\nmode = readonly\n")
    allowed(_runner(tmp_path, project, monkeypatch))
    # the same text names another file when ansible-core resolves it against the project
    (home / ".ansible.cfg").write_text("[defaults]\ninventory = hosts.sh\n")
    (project / "ansible.cfg").write_text("[defaults]\ninventory = hosts.sh\n")
    (project / "hosts.sh").write_text("#!/bin/sh\necho '{}'\n")
    assert "[defaults] inventory" in str(refused(_runner(tmp_path, project, monkeypatch)))


def test_a_linked_or_unreadable_project_ansible_cfg_is_refused(
    runner: AgentRunner, project: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n")
    (project / "ansible.cfg").symlink_to(tmp_path / "elsewhere.cfg")
    assert "vault_password_file" in str(refused(runner))
    (project / "ansible.cfg").unlink()
    (project / "ansible.cfg").write_text("not ini at all\n")
    assert "cannot be read" in str(refused(runner))
    (project / "ansible.cfg").write_text("[DEFAULT]\nvault_password_file = ./v.sh\n[defaults]\nforks = 5\n")
    assert "vault_password_file" in str(refused(runner))  # [DEFAULT] reaches every section


def _real_run_env(tmp_path: Path, project: Path, state: Path) -> dict[str, str]:
    """The environment of a real agent run: this one without Ansible's and the gate's variables, the gate armed in
    guarded mode on a private state directory, HOME in the test's folder, ansible-playbook beside this Python."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "PRAXIS_"))}
    env.update(
        PRAXIS_STATE_DIR=str(state),
        PRAXIS_GATE="enforce",
        PRAXIS_MODE="guarded",
        HOME=str(tmp_path),
        PRAXIS_AGENT_PROJECTS=str(project),
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
    )
    return env


# ------------------------------------------------------------------------------------------------ real runs
@pytest.mark.skipif(shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) is None,
                    reason="needs ansible-playbook beside this interpreter")  # fmt: skip
def test_real_runs_neither_the_inventory_script_nor_the_vault_script_runs(tmp_path: Path, project: Path) -> None:
    canary = tmp_path / "canary"
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (project / "inv.sh").write_text(f"#!/bin/sh\nid > {canary}\necho '{{}}'\n")
    (project / "inv.sh").chmod(0o755)
    (project / "vault.sh").write_text(f"#!/bin/sh\nid > {canary}\necho pw\n")
    (project / "vault.sh").chmod(0o755)
    env = _real_run_env(tmp_path, project, state)
    runner = AgentRunner(session=None, environ=env)
    with pytest.raises(RunRefused, match="executable"):
        runner.run(AgentRunRequest(playbook="site.yml", inventory=("inv.sh",)))
    (project / "ansible.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n")
    with pytest.raises(RunRefused, match="vault_password_file"):
        runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert not canary.exists()
    # positive control, and proof the refused files are what ansible-core runs: the same project without the check
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", "inv.sh", "--list"], cwd=project,
        env={**env, "PRAXIS_GATE": ""}, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert canary.exists(), done.stdout + done.stderr
    canary.unlink()
    (project / "ansible.cfg").unlink()
    result = runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert result.gated and not canary.exists(), result.problems


# ------------------------------------------------------------------------------------------------ environment
# Variables a program of the run reads as its configuration: refused even when the operator allowlisted them.
NEVER_ENV = [
    ("_ANSIBLE_TEMPLAR_SANDBOX_MODE", "allow_unsafe_attributes"),  # ansible-core: the Jinja sandbox off
    ("_ANSIBLE_CONNECTION_PATH", "/tmp/x"), ("ANSIBLE_CONFIG", "/tmp/x.cfg"), ("PRAXIS_MODE", "open"),
    ("PYTHONPATH", "/tmp/shim"), ("PYTHONSTARTUP", "/tmp/s.py"), ("PYTHONHOME", "/tmp"), ("LD_PRELOAD", "/tmp/x.so"),
    ("LD_LIBRARY_PATH", "/tmp"), ("DYLD_INSERT_LIBRARIES", "/tmp/x"), ("BASH_ENV", "/tmp/rc"), ("ENV", "/tmp/rc"),
    ("BASH_FUNC_x", "() { id; }"), ("SSH_ASKPASS", "/tmp/askpass"), ("SSH_ASKPASS_REQUIRE", "force"),
    ("HOME", "/tmp"), ("XDG_CONFIG_HOME", "/tmp"), ("PATH", "/tmp"), ("_ansible_templar_sandbox_mode", "x"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value"), NEVER_ENV, ids=[row[0] for row in NEVER_ENV])
def test_configuration_variables_are_refused_even_when_allowlisted(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    runner = _runner(tmp_path, project, monkeypatch, PRAXIS_AGENT_ENV_ALLOW=f"{name},HTTPS_PROXY")
    refusal = refused(runner, env={name: value})
    assert f"environment variable {name} is not one an agent may set" in str(refusal)


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "AWS_REGION", "NO_PROXY", "K8S_AUTH_CONTEXT"])
def test_positive_control_plain_allowlisted_variables_pass(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    allowed(_runner(tmp_path, project, monkeypatch, PRAXIS_AGENT_ENV_ALLOW=name), env={name: "value"})


# ------------------------------------------------------------------------------------------------ extra vars
# Mappings ansible-core's -e JSON decoder (_json/_profiles/_legacy.py) turns into typed values, at any depth.
ENCODED = [
    {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n6162"}, {"__ansible_unsafe": "x"},
    [{"__ansible_vault": "x"}], {"outer": {"__ansible_unsafe": "x"}}, {"__ansible_type": "x"},
]  # fmt: skip


@pytest.mark.parametrize("value", ENCODED)
def test_encoded_values_in_extra_vars_are_refused(runner: AgentRunner, value: Any) -> None:
    assert "__ansible" in str(refused(runner, extra_vars={"app": value}))


def test_positive_control_keys_that_only_look_alike_pass(runner: AgentRunner) -> None:
    allowed(runner, extra_vars={"app": {"_ansible_vault": "x", "ansible_unsafe_x": "y", "vault": {"a": 1}}})


@pytest.mark.skipif(shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) is None,
                    reason="needs ansible-playbook beside this interpreter")  # fmt: skip
def test_a_script_swapped_in_after_the_check_still_does_not_run(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check and the run are apart in time: ansible-core itself is held to the data-reading inventory plugins
    (ANSIBLE_INVENTORY_ENABLED), so an inventory made executable after the check is not executed either."""
    canary = tmp_path / "canary"
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (project / "inv").mkdir()
    (project / "inv" / "hosts.sh").write_text(f"#!/bin/sh\nid > {canary}\necho '{{}}'\n")
    (project / "inv" / "hosts.sh").chmod(0o755)
    (project / "inv" / "static.ini").write_text("web1 ansible_host=192.0.2.1\n")
    monkeypatch.setattr(runner_module, "inventory_refusal", lambda *a: None)  # as if swapped after the check
    env = _real_run_env(tmp_path, project, state)
    result = AgentRunner(session=None, environ=env).run(AgentRunRequest(playbook="site.yml", inventory=("inv",)))
    assert result.gated and not canary.exists(), result.problems
    # positive control: the operator vouches for the directory, and ansible-core runs the script as before
    env["PRAXIS_ALLOW_PATHS"] = str(project / "inv")
    AgentRunner(session=None, environ=env).run(AgentRunRequest(playbook="site.yml", inventory=("inv",)))
    assert canary.exists()


@pytest.mark.skipif(shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) is None,
                    reason="needs ansible-playbook beside this interpreter")  # fmt: skip
@pytest.mark.parametrize("operator_cfg", [False, True])
def test_a_project_ansible_cfg_written_after_the_check_is_not_read(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch, operator_cfg: bool
) -> None:
    """No project ansible.cfg at the check: the run's ANSIBLE_CONFIG is pinned to what ansible-core would have read
    then (the operator's file, or an empty one), so a file the agent writes between the check and the start is not
    read (its vault password script does not run)."""
    canary = tmp_path / "canary"
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (project / "vault.sh").write_text(f"#!/bin/sh\nid > {canary}\necho pw\n")
    (project / "vault.sh").chmod(0o755)
    if operator_cfg:
        (tmp_path / ".ansible.cfg").write_text("[defaults]\nforks = 3\n")  # the operator's, through HOME
    env = _real_run_env(tmp_path, project, state)
    runner = AgentRunner(session=None, environ=env)
    original = runner._refuse_code_in_inputs

    def check_then_write(*args: Any) -> str | None:
        pinned = original(*args)
        (project / "ansible.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n")
        return pinned

    monkeypatch.setattr(runner, "_refuse_code_in_inputs", check_then_write)
    result = runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert result.gated and not canary.exists(), result.problems
    # positive control: without the pin (the check disabled), ansible-core reads the file and runs the script
    monkeypatch.setattr(runner, "_refuse_code_in_inputs", lambda *a: None)
    runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert canary.exists()


def _events(state: Path) -> list[dict[str, Any]]:
    """The audit log's run-level records (run start and end, checkpoints, agent runs) of this state directory."""
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    return [record for record in records if "event" in record]


@pytest.mark.skipif(shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) is None,
                    reason="needs ansible-playbook beside this interpreter")  # fmt: skip
def test_a_project_ansible_cfg_rewritten_after_the_check_is_not_read_and_still_only_tightens(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project had an ansible.cfg at the check: the run reads a private copy of the bytes that were checked, so
    a rewrite between the check and the start is not read (its vault password script does not run). The gate reads
    that copy as the project's file: its mode = readonly lowers the run's mode, and an operator-only key in it (a
    signed checkpoint after every record) is ignored, as a project's is: one checkpoint, at the run's end."""
    canary = tmp_path / "canary"
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (project / "vault.sh").write_text(f"#!/bin/sh\nid > {canary}\necho pw\n")
    (project / "vault.sh").chmod(0o755)
    gate_section = "\n[praxis_gatekeeper]\nmode = readonly\naudit_checkpoint_every = 1\n"
    (project / "ansible.cfg").write_text("[defaults]\nforks = 5\n" + gate_section)
    env = _real_run_env(tmp_path, project, state)
    runner = AgentRunner(session=None, environ=env)
    original = runner._refuse_code_in_inputs

    def check_then_rewrite(*args: Any) -> Any:
        pinned = original(*args)
        (project / "ansible.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n" + gate_section)
        return pinned

    monkeypatch.setattr(runner, "_refuse_code_in_inputs", check_then_rewrite)
    result = runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert result.gated and result.status == "successful" and not canary.exists(), result.problems
    events = _events(state)
    assert [e["mode"] for e in events if e["event"] == "run-start"] == ["readonly"], events
    assert [e["event"] for e in events].count("checkpoint") == 1, events
    # positive control: without the pin (the check disabled), ansible-core reads the rewritten file and runs the
    # script
    monkeypatch.setattr(runner, "_refuse_code_in_inputs", lambda *a: None)
    (project / "ansible.cfg").write_text("[defaults]\nvault_password_file = ./vault.sh\n")
    runner.run(AgentRunRequest(playbook="site.yml", inventory=("inventory.ini",)))
    assert canary.exists()
