# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration reference cannot drift: docs/settings.md and the callback's ansible-doc options are generated
from the one table (core/options.py), every PRAXIS_* variable in the code has a row, and load_settings honours each
row the way it says: its variable, its ansible.cfg key, and who may set it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents import config as agent_config
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import settings as settings_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.options import SETTINGS, Setting, Who
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import CfgFile, load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import store_dsn

from tests import settings_reference

ROOT = Path(__file__).resolve().parents[2]
# Variables that are not settings: the doctor's private channel to its probe (adapter/_probe.py), the marker
# an agent run puts in the environment of its own process tree so the emergency stop can find it
# (agents/_processes.py; it never reaches the gate's settings), and the name an agent run gives its private copy of
# the project's checked ansible.cfg beside ANSIBLE_CONFIG (agents/runner.py; it can only make the gate read the file
# ANSIBLE_CONFIG names as the project's, never as the operator's: core/test_settings.py holds that).
INTERNAL = {"PRAXIS_PROBE_CWD", "PRAXIS_AGENT_RUN", "PRAXIS_PROJECT_CONFIG"}


def test_the_page_and_the_callback_documentation_are_generated_from_the_table() -> None:
    for path, text in settings_reference.expected().items():
        assert path.read_text() == text, f"{path} disagrees with core/options.py: python -m tests.settings_reference"


def test_ansible_doc_lists_every_setting() -> None:
    source = (ROOT / "plugins" / "callback" / "gate.py").read_text()
    (doc,) = [
        node.value.value for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION"
    ]  # fmt: skip
    options = yaml.safe_load(doc)["options"]
    assert list(options) == [s.name for s in SETTINGS]
    for setting in SETTINGS:
        option = options[setting.name]
        text = " ".join(option["description"])
        if setting.secret:
            assert "env" not in option and setting.env in text  # ansible-config never reads (or prints) it
        else:
            assert option["env"] == [{"name": setting.env}]
        assert option.get("ini", []) == ([{"section": "praxis_gatekeeper", "key": setting.ini}] if setting.ini else [])


def test_every_praxis_variable_in_the_code_has_a_row() -> None:
    used: set[str] = set()
    for path in [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "boot").glob("*.py")]:
        # \b: a heredoc word such as __PRAXIS_PROMPT__ is no setting
        used |= set(re.findall(r"\bPRAXIS_[A-Z0-9_]*[A-Z0-9]", path.read_text()))
    assert used - INTERNAL == {s.env for s in SETTINGS}


def test_the_ini_keys_settings_reads_are_the_tables() -> None:
    source = Path(settings_module.__file__).read_text()
    read = set(re.findall(r'operator_values\.get\("([a-z0-9_]+)"', source))
    read |= set(re.findall(r'_absolute_path\(env, operator_values, "PRAXIS_[A-Z0-9_]+", "([a-z0-9_]+)"\)', source))
    read.add("mode")  # read through _resolve_mode
    agent_source = Path(agent_config.__file__).read_text()
    read_by_agents = set(re.findall(r'raw\("PRAXIS_[A-Z0-9_]+", "([a-z0-9_]+)"\)', agent_source))
    assert read_by_agents == {s.ini for s in SETTINGS if s.ini and s.agent}
    assert read | read_by_agents == {s.ini for s in SETTINGS if s.ini}
    operator_only = set(settings_module._OPERATOR_ONLY_PATHS) | set(settings_module._OPERATOR_ONLY_VALUES)
    assert operator_only == {s.ini for s in SETTINGS if s.ini and s.who is Who.OPERATOR}


@pytest.fixture
def base(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home")}


def _sample(setting: Setting, tmp_path: Path) -> str:
    if setting.env == "PRAXIS_APPROVAL_FILE":
        path = tmp_path / "tokens"
        path.write_text("pxa1.payload.signatures\n")
        return str(path)
    return setting.sample


def _value(setting: Setting, env: dict[str, str], cfg: CfgFile | None) -> object:
    if setting.agent:
        assert setting.field is not None
        return getattr(agent_config.load_agent_settings(env, cfg=cfg), setting.field)
    if setting.field is None:
        return store_dsn(env)
    value = getattr(load_settings(env, cfg=cfg), setting.field)
    return value


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_load_settings_honours_the_variable_and_the_key_each_row_names(
    setting: Setting, base: dict[str, str], tmp_path: Path
) -> None:
    default = _value(setting, base, None)
    sample = _sample(setting, tmp_path)
    assert _value(setting, {**base, setting.env: sample}, None) != default, f"{setting.env} changes nothing"
    cfg_path = tmp_path / "ansible.cfg"
    key = setting.ini or setting.name
    operator = CfgFile(cfg_path, operator=True, values={key: sample})
    project = CfgFile(cfg_path, operator=False, values={key: sample})
    if setting.ini is None:
        # no ansible.cfg key: the row says environment only, and a key of that name in either file is no setting
        assert _value(setting, base, operator) == default
        assert _value(setting, base, project) == default
        return
    assert _value(setting, base, operator) != default, f"[praxis_gatekeeper] {setting.ini} changes nothing"
    if setting.who is Who.TIGHTEN:
        assert _value(setting, base, project) != default  # readonly is lower than the default guarded
        raised = CfgFile(cfg_path, operator=False, values={key: "open"})
        assert _value(setting, base, raised) == default  # a project cannot raise it
    else:
        assert setting.who is Who.OPERATOR
        assert _value(setting, base, project) == default
        assert any(setting.ini in w for w in load_settings(base, cfg=project).warnings)


def test_every_row_is_complete() -> None:
    for s in SETTINGS:
        assert s.env.startswith("PRAXIS_") and s.description.endswith(".") and s.read_by, s
        assert s.who is not Who.TIGHTEN or s.name == "mode"
        assert not s.ini or s.who in (Who.OPERATOR, Who.TIGHTEN), s
