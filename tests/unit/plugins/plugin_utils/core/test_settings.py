# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operator settings: who may set the mode, and how far a project checkout can reach into them."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.config import load_agent_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Mode
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.options import SETTINGS, Setting
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import (
    BUILTIN_COMMAND_LOOKUPS,
    CfgFile,
    GateSettings,
    find_ansible_cfg,
    find_operator_cfg,
    load_settings,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME, and no system-wide /etc/ansible/ansible.cfg, so the host machine never leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(settings, "_SYSTEM_CFG", tmp_path / "etc" / "ansible.cfg")
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    os.chmod(project, 0o755)
    return project


def _write_cfg(path: Path, body: str, *, section: bool = True) -> Path:
    header = "[praxis_gatekeeper]\n" if section else ""
    path.write_text(f"[defaults]\nforks = 5\n\n{header}{body}\n", encoding="utf-8")
    return path


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), **extra}


def _load(home: Path, cwd: Path, **extra: str) -> GateSettings:
    return load_settings(_env(home, **extra), cwd=str(cwd))


# ------------------------------------------------------------------------------------------------ mode precedence
def test_default_mode_is_guarded(home: Path, project: Path) -> None:
    result = _load(home, project)
    assert result.mode is Mode.GUARDED
    assert result.mode_source == "default"
    assert result.config_file is None
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("raw", "mode"), [("open", Mode.OPEN), (" READONLY ", Mode.READONLY), ("Guarded", Mode.GUARDED)]
)
def test_env_mode(home: Path, project: Path, raw: str, mode: Mode) -> None:
    result = _load(home, project, PRAXIS_MODE=raw)
    assert result.mode is mode
    assert result.mode_source == "environment PRAXIS_MODE"


def test_operator_home_cfg_sets_mode(home: Path, project: Path) -> None:
    cfg = _write_cfg(home / ".ansible.cfg", "mode = readonly")
    result = _load(home, project)
    assert result.mode is Mode.READONLY
    assert result.mode_source == str(cfg)
    assert result.config_file == str(cfg)


def test_ansible_config_env_sets_mode(home: Path, project: Path, tmp_path: Path) -> None:
    cfg = _write_cfg(tmp_path / "operator.cfg", "mode = open")
    _write_cfg(home / ".ansible.cfg", "mode = readonly")  # shadowed by ANSIBLE_CONFIG, as in Ansible
    result = _load(home, project, ANSIBLE_CONFIG=str(cfg))
    assert result.mode is Mode.OPEN
    assert result.config_file == str(cfg)


def test_ansible_config_pointing_at_directory(home: Path, project: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cfgdir"
    directory.mkdir()
    cfg = _write_cfg(directory / "ansible.cfg", "mode = readonly")
    result = _load(home, project, ANSIBLE_CONFIG=str(directory))
    assert result.mode is Mode.READONLY
    assert result.config_file == str(cfg)


def test_ansible_config_missing_falls_back_like_ansible(home: Path, project: Path, tmp_path: Path) -> None:
    cfg = _write_cfg(home / ".ansible.cfg", "mode = readonly")
    result = _load(home, project, ANSIBLE_CONFIG=str(tmp_path / "nope.cfg"))
    assert result.config_file == str(cfg)
    assert result.mode is Mode.READONLY


def test_env_mode_beats_operator_cfg(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "mode = readonly")
    result = _load(home, project, PRAXIS_MODE="open")
    assert result.mode is Mode.OPEN
    assert result.mode_source == "environment PRAXIS_MODE"


def test_empty_env_mode_is_unset(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "mode = readonly")
    assert _load(home, project, PRAXIS_MODE="").mode is Mode.READONLY


def test_system_cfg_is_operator(home: Path, project: Path, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    cfg = _write_cfg(tmp_path / "etc" / "ansible.cfg", "mode = readonly")
    result = _load(home, project)
    assert result.mode is Mode.READONLY
    assert result.config_file == str(cfg)


def test_cfg_without_section_changes_nothing(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "", section=False)
    result = _load(home, project)
    assert result.mode is Mode.GUARDED
    assert result.config_file == str(home / ".ansible.cfg")


# ------------------------------------------------------------------------------------------------ invalid values
@pytest.mark.parametrize("raw", ["opne", "permissive", "T3", "off", "0", "readonly;open"])
def test_invalid_env_mode_is_an_error(home: Path, project: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="PRAXIS_MODE"):
        _load(home, project, PRAXIS_MODE=raw)


@pytest.mark.parametrize("raw", ["opne", "", "yes"])
def test_invalid_operator_cfg_mode_is_an_error(home: Path, project: Path, raw: str) -> None:
    _write_cfg(home / ".ansible.cfg", f"mode = {raw}")
    with pytest.raises(ConfigError, match="mode"):
        _load(home, project)


def test_invalid_project_cfg_mode_is_an_error(home: Path, project: Path) -> None:
    _write_cfg(project / "ansible.cfg", "mode = wide-open")
    with pytest.raises(ConfigError, match="mode"):
        _load(home, project, PRAXIS_MODE="readonly")


def test_unparseable_cfg_is_an_error(home: Path, project: Path) -> None:
    (home / ".ansible.cfg").write_text("this is not [an ini file\n= = =\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        _load(home, project)


def test_non_utf8_cfg_is_an_error(home: Path, project: Path) -> None:
    (home / ".ansible.cfg").write_bytes(b"[praxis_gatekeeper]\nmode = \xff\xfe\n")
    with pytest.raises(ConfigError):
        _load(home, project)


def test_inline_comment_is_not_part_of_the_value(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "mode = readonly ; the operator's choice")
    assert _load(home, project).mode is Mode.READONLY


@given(st.text(max_size=20).filter(lambda t: t.strip().lower() not in {"open", "guarded", "readonly", ""}))
def test_any_other_mode_text_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({"HOME": "/nonexistent", "PRAXIS_MODE": raw}, cfg=None)


# ------------------------------------------------------------------------------------------------ project ansible.cfg
def test_project_cfg_is_found_as_project(home: Path, project: Path) -> None:
    cfg = _write_cfg(project / "ansible.cfg", "mode = guarded")
    found = find_ansible_cfg(_env(home), str(project))
    assert found is not None
    assert found.path == cfg
    assert found.operator is False


@pytest.mark.parametrize(
    ("env_mode", "project_mode", "expected"),
    [
        ("open", "readonly", Mode.READONLY),
        ("open", "guarded", Mode.GUARDED),
        ("guarded", "readonly", Mode.READONLY),
        (None, "readonly", Mode.READONLY),
    ],
)
def test_project_cfg_can_lower_the_mode(
    home: Path, project: Path, env_mode: str | None, project_mode: str, expected: Mode
) -> None:
    cfg = _write_cfg(project / "ansible.cfg", f"mode = {project_mode}")
    extra = {"PRAXIS_MODE": env_mode} if env_mode else {}
    result = _load(home, project, **extra)
    assert result.mode is expected
    assert "tightened" in result.mode_source
    assert str(cfg) in result.mode_source


@pytest.mark.parametrize(("env_mode", "project_mode"), [("readonly", "open"), ("guarded", "open"), (None, "open")])
def test_project_cfg_cannot_raise_the_mode(home: Path, project: Path, env_mode: str | None, project_mode: str) -> None:
    _write_cfg(project / "ansible.cfg", f"mode = {project_mode}")
    extra = {"PRAXIS_MODE": env_mode} if env_mode else {}
    result = _load(home, project, **extra)
    assert result.mode is Mode.parse(env_mode or "guarded")
    assert any("ignored mode=open" in w for w in result.warnings)


def test_project_cfg_same_mode_is_silent(home: Path, project: Path) -> None:
    _write_cfg(project / "ansible.cfg", "mode = guarded")
    result = _load(home, project)
    assert result.mode is Mode.GUARDED
    assert result.warnings == ()


def test_project_cfg_does_not_hide_operator_home_cfg(home: Path, project: Path, tmp_path: Path) -> None:
    """Ansible reads only ./ansible.cfg when it exists; the gate must still honour ~/.ansible.cfg."""
    operator_state = tmp_path / "operator-state"
    _write_cfg(home / ".ansible.cfg", f"mode = readonly\nstate_dir = {operator_state}\ncommand_lookups = mine")
    _write_cfg(project / "ansible.cfg", "", section=False)
    result = _load(home, project)
    assert result.config_file == str(project / "ansible.cfg")  # what Ansible itself uses
    assert result.mode is Mode.READONLY
    assert result.state_dir == operator_state
    assert "ansible.builtin.mine" in result.command_lookups


def test_project_cfg_open_cannot_lift_shadowed_operator_readonly(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "mode = readonly")
    _write_cfg(project / "ansible.cfg", "mode = open")
    result = _load(home, project)
    assert result.mode is Mode.READONLY
    assert any("ignored mode=open" in w for w in result.warnings)


def test_find_operator_cfg_skips_the_project(home: Path, project: Path) -> None:
    _write_cfg(project / "ansible.cfg", "mode = open")
    assert find_operator_cfg(_env(home), str(project)) is None
    cfg = _write_cfg(home / ".ansible.cfg", "mode = guarded")
    found = find_operator_cfg(_env(home), str(project))
    assert found is not None
    assert found.path == cfg
    assert found.operator is True


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("state_dir", "/tmp/attacker-state"),
        ("policy", "/tmp/attacker-policy.yml"),
        ("allow_paths", "/"),
        ("command_lookups", "evil"),
        ("audit_anchor", "/tmp/attacker-anchor"),
        ("tsa_url", "http://attacker.invalid/tsa"),
    ],
)
def test_project_cfg_cannot_set_operator_keys(home: Path, project: Path, key: str, value: str) -> None:
    _write_cfg(project / "ansible.cfg", f"{key} = {value}")
    result = _load(home, project, PRAXIS_GATE="enforce")
    assert result.state_dir == home / ".local" / "share" / "praxis-gatekeeper"
    assert result.policy_path is None
    assert result.allow_paths == ()
    assert result.command_lookups == BUILTIN_COMMAND_LOOKUPS
    assert result.enforce is True
    assert result.audit_anchor is None
    assert result.tsa_url is None
    assert any(f"ignored [praxis_gatekeeper] {key}" in w for w in result.warnings)
    assert result.is_allowlisted("/etc/passwd") is False


def test_ansible_config_beats_project_cfg(home: Path, project: Path, tmp_path: Path) -> None:
    operator = _write_cfg(tmp_path / "op.cfg", "mode = open")
    _write_cfg(project / "ansible.cfg", "mode = readonly")
    result = _load(home, project, ANSIBLE_CONFIG=str(operator))
    # Ansible never reads ./ansible.cfg when ANSIBLE_CONFIG names a file, so neither does the gate.
    assert result.mode is Mode.OPEN
    assert result.config_file == str(operator)


_CFG_ROWS = [row for row in SETTINGS if row.ini]


def _read(row: Setting, env: dict[str, str], cwd: Path) -> object:
    assert row.field is not None
    loaded = load_agent_settings(env, cwd=str(cwd)) if row.agent else load_settings(env, cwd=str(cwd))
    return getattr(loaded, row.field)


@pytest.mark.parametrize("row", _CFG_ROWS, ids=[row.ini or row.name for row in _CFG_ROWS])
@pytest.mark.parametrize("marked", [True, False], ids=["the-agent-runs-copy", "positive-control-unmarked"])
def test_an_ansible_config_named_as_the_projects_copy_only_tightens(
    home: Path, project: Path, tmp_path: Path, row: Setting, marked: bool
) -> None:
    """An agent run pins ANSIBLE_CONFIG to a private copy of the project's checked ansible.cfg and names the same
    path in PRAXIS_PROJECT_CONFIG: the gate reads the copy as the project's file (every operator key of the
    reference ignored, the mode never raised) and the operator's own ~/.ansible.cfg still counts. Unmarked, the
    same file is the operator's and each key takes effect (the control that each sample changes something)."""
    value = "open" if row.ini == "mode" else (row.sample if row.env != "PRAXIS_APPROVAL_FILE" else "/x")
    (tmp_path / "private").mkdir()
    copy = _write_cfg(tmp_path / "private" / "ansible.cfg", f"{row.ini} = {value}")
    _write_cfg(home / ".ansible.cfg", "mode = guarded")
    extra = {"ANSIBLE_CONFIG": str(copy), **({settings.PROJECT_CONFIG_VARIABLE: str(copy)} if marked else {})}
    baseline = _read(row, _env(home), project)
    result = _read(row, _env(home, **extra), project)
    assert load_settings(_env(home, **extra), cwd=str(project)).config_file == str(copy)  # what ansible-core reads
    if marked:
        assert result == baseline, f"the project's copy set {row.ini}"
        assert load_settings(_env(home, **extra), cwd=str(project)).project_config == str(copy)
    else:
        assert result != baseline, f"the unmarked copy is the operator's file, so its {row.ini} should count"


def test_the_project_copy_marker_names_only_the_exact_file(home: Path, project: Path, tmp_path: Path) -> None:
    """A marker that names another path lowers nothing: ANSIBLE_CONFIG stays the operator's."""
    operator = _write_cfg(tmp_path / "op.cfg", "mode = open")
    result = _load(home, project, ANSIBLE_CONFIG=str(operator),
                   **{settings.PROJECT_CONFIG_VARIABLE: str(tmp_path / "other.cfg")})  # fmt: skip
    assert result.mode is Mode.OPEN and result.project_config is None
    lowered = _load(home, project, ANSIBLE_CONFIG=str(operator), **{settings.PROJECT_CONFIG_VARIABLE: str(operator)})
    assert lowered.mode is Mode.GUARDED and lowered.project_config == str(operator)
    tightening = _write_cfg(tmp_path / "copy.cfg", "mode = readonly")  # a project's copy may still lower the mode
    tightened = _load(home, project, ANSIBLE_CONFIG=str(tightening),
                      **{settings.PROJECT_CONFIG_VARIABLE: str(tightening)})  # fmt: skip
    assert tightened.mode is Mode.READONLY


def test_relative_ansible_config_is_project_controlled(
    home: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_cfg(project / "ansible.cfg", "mode = open\nallow_paths = /")
    _write_cfg(home / ".ansible.cfg", "mode = readonly")
    monkeypatch.chdir(project)
    result = load_settings(_env(home, ANSIBLE_CONFIG="ansible.cfg"))
    found = find_ansible_cfg(_env(home, ANSIBLE_CONFIG="ansible.cfg"))
    assert found is not None
    assert found.operator is False
    assert result.mode is Mode.READONLY
    assert result.allow_paths == ()


def test_world_writable_cwd_cfg_is_skipped(home: Path, project: Path) -> None:
    _write_cfg(project / "ansible.cfg", "mode = readonly")
    os.chmod(project, 0o777)
    assert find_ansible_cfg(_env(home), str(project)) is None
    assert _load(home, project).mode is Mode.GUARDED
    operator = _write_cfg(home / ".ansible.cfg", "mode = open")
    found = find_ansible_cfg(_env(home), str(project))
    assert found is not None
    assert found.path == operator


def test_missing_cwd_is_skipped(home: Path, tmp_path: Path) -> None:
    assert find_ansible_cfg(_env(home), str(tmp_path / "gone")) is None


def test_cwd_defaults_to_process_cwd(home: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_cfg(project / "ansible.cfg", "mode = readonly")
    monkeypatch.chdir(project)
    assert load_settings(_env(home)).mode is Mode.READONLY


def test_directory_named_ansible_cfg_is_not_a_file(home: Path, project: Path) -> None:
    (project / "ansible.cfg").mkdir()
    assert find_ansible_cfg(_env(home), str(project)) is None


def test_explicit_cfg_argument(home: Path, project: Path, tmp_path: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "mode = open")
    explicit = CfgFile(path=tmp_path / "x.cfg", operator=False, values={"mode": "readonly"})
    assert load_settings(_env(home), cwd=str(project), cfg=explicit).mode is Mode.READONLY
    assert load_settings(_env(home), cwd=str(project), cfg=None).mode is Mode.GUARDED
    assert load_settings(_env(home), cwd=str(project), cfg=False).mode is Mode.GUARDED


# ------------------------------------------------------------------------------------------------ state dir / policy
def test_default_state_dir_uses_xdg(home: Path, project: Path, tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    assert _load(home, project, XDG_DATA_HOME=str(xdg)).state_dir == xdg / "praxis-gatekeeper"
    assert _load(home, project).state_dir == home / ".local" / "share" / "praxis-gatekeeper"


def test_relative_xdg_data_home_is_ignored(home: Path, project: Path) -> None:
    result = _load(home, project, XDG_DATA_HOME="relative/data")
    assert result.state_dir == home / ".local" / "share" / "praxis-gatekeeper"
    assert result.state_dir.is_absolute()


def test_state_dir_from_env_and_operator_cfg(home: Path, project: Path, tmp_path: Path) -> None:
    _write_cfg(home / ".ansible.cfg", f"state_dir = {tmp_path / 'from-cfg'}")
    assert _load(home, project).state_dir == tmp_path / "from-cfg"
    assert _load(home, project, PRAXIS_STATE_DIR=str(tmp_path / "from-env")).state_dir == tmp_path / "from-env"


def test_state_dir_tilde_uses_env_home(home: Path, project: Path) -> None:
    assert _load(home, project, PRAXIS_STATE_DIR="~/state").state_dir == home / "state"


@pytest.mark.parametrize("raw", ["state", "./state", "../state", "state/dir"])
def test_relative_state_dir_is_refused(home: Path, project: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="absolute"):
        _load(home, project, PRAXIS_STATE_DIR=raw)


def test_relative_state_dir_in_operator_cfg_is_refused(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "state_dir = relative")
    with pytest.raises(ConfigError, match="absolute"):
        _load(home, project)


def test_policy_path(home: Path, project: Path, tmp_path: Path) -> None:
    assert _load(home, project).policy_path is None
    assert _load(home, project, PRAXIS_POLICY=str(tmp_path / "p.yml")).policy_path == tmp_path / "p.yml"
    assert _load(home, project, PRAXIS_POLICY="~/p.yml").policy_path == home / "p.yml"
    _write_cfg(home / ".ansible.cfg", f"policy = {tmp_path / 'cfg.yml'}")
    assert _load(home, project).policy_path == tmp_path / "cfg.yml"


def test_relative_policy_path_is_refused(home: Path, project: Path) -> None:
    # It would resolve against the working directory: the project checkout could supply the "operator" policy.
    with pytest.raises(ConfigError, match="absolute"):
        _load(home, project, PRAXIS_POLICY="policy.yml")


def test_derived_paths(home: Path, project: Path, tmp_path: Path) -> None:
    result = _load(home, project, PRAXIS_STATE_DIR=str(tmp_path / "s"))
    assert result.audit_path == tmp_path / "s" / "audit.jsonl"
    assert result.killswitch_path == tmp_path / "s" / "emergency-stop"


def test_settings_are_frozen(home: Path, project: Path) -> None:
    result = _load(home, project)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mode = Mode.OPEN  # type: ignore[misc]


# ------------------------------------------------------------------------------------------------ PRAXIS_GATE
@pytest.mark.parametrize(
    ("raw", "expected"),
    [("enforce", True), ("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("", False), ("0", False),
     ("false", False), ("No", False), ("off", False)],
)  # fmt: skip
def test_praxis_gate_parsing(home: Path, project: Path, raw: str, expected: bool) -> None:
    assert _load(home, project, PRAXIS_GATE=raw).enforce is expected


@pytest.mark.parametrize("raw", ["enforced", "maybe", "2", "y"])
def test_praxis_gate_invalid(home: Path, project: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="PRAXIS_GATE"):
        _load(home, project, PRAXIS_GATE=raw)


def test_enforce_comes_from_the_environment_only(home: Path, project: Path) -> None:
    """The start-up hook arms before any config of ours is read, so an ini key would be a promise it cannot keep."""
    _write_cfg(home / ".ansible.cfg", "enforce = true")
    assert _load(home, project).enforce is False
    assert _load(home, project, PRAXIS_GATE="enforce").enforce is True


def test_audit_settings(home: Path, project: Path, tmp_path: Path) -> None:
    _write_cfg(home / ".ansible.cfg", f"audit_anchor = {tmp_path}/anchor\naudit_checkpoint_every = 50")
    result = _load(home, project, PRAXIS_TSA_URL="http://127.0.0.1:9/tsa")
    assert result.anchor_path == tmp_path / "anchor"
    assert result.checkpoint_every == 50
    assert result.tsa_url == "http://127.0.0.1:9/tsa"
    (home / ".ansible.cfg").unlink()
    assert _load(home, project).anchor_path == _load(home, project).state_dir / "audit.anchor"
    for bad in ({"PRAXIS_AUDIT_CHECKPOINT_EVERY": "0"}, {"PRAXIS_AUDIT_CHECKPOINT_EVERY": "ten"},
                {"PRAXIS_TSA_URL": "file:///etc/passwd"}, {"PRAXIS_AUDIT_ANCHOR": "relative/anchor"}):  # fmt: skip
        with pytest.raises(ConfigError):
            _load(home, project, **bad)


def test_principal_and_session(home: Path, project: Path) -> None:
    result = _load(home, project, PRAXIS_PRINCIPAL="alice@ops", PRAXIS_SESSION="s-1")
    assert result.principal == "alice@ops"
    assert result.session == "s-1"
    default = _load(home, project)
    assert "@" in default.principal
    assert default.session == ""


# ------------------------------------------------------------------------------------------------ allow_paths
def test_allow_paths_are_realpathed(home: Path, project: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = _load(home, project, PRAXIS_ALLOW_PATHS=f"{link}, {tmp_path / 'other'}")
    assert result.allow_paths == (real, tmp_path / "other")


def test_allow_paths_merge_env_and_cfg_and_accept_pathsep(home: Path, project: Path, tmp_path: Path) -> None:
    _write_cfg(home / ".ansible.cfg", f"allow_paths = {tmp_path / 'c'}")
    result = _load(home, project, PRAXIS_ALLOW_PATHS=f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'},,")
    assert set(result.allow_paths) == {tmp_path / "a", tmp_path / "b", tmp_path / "c"}


def test_allow_paths_tilde(home: Path, project: Path) -> None:
    assert _load(home, project, PRAXIS_ALLOW_PATHS="~/lib").allow_paths == (home / "lib",)


@pytest.mark.parametrize("raw", ["lib", ".", "./plugins", "../x"])
def test_relative_allow_paths_are_refused(home: Path, project: Path, raw: str) -> None:
    # A relative entry resolves against the working directory: the project would allowlist itself.
    with pytest.raises(ConfigError, match="absolute"):
        _load(home, project, PRAXIS_ALLOW_PATHS=raw)


def test_is_allowlisted(home: Path, project: Path, tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    (allowed / "deep" / "er").mkdir(parents=True)
    sibling = tmp_path / "allowed-not"
    sibling.mkdir()
    result = _load(home, project, PRAXIS_ALLOW_PATHS=str(allowed))
    assert result.is_allowlisted(allowed)
    assert result.is_allowlisted(allowed / "deep" / "er" / "x.py")
    assert result.is_allowlisted(str(allowed / "deep"))
    assert not result.is_allowlisted(sibling)  # a shared prefix is not a parent
    assert not result.is_allowlisted(tmp_path)
    assert not result.is_allowlisted(allowed / ".." / "allowed-not")
    assert not result.is_allowlisted("\x00bad")


def test_is_allowlisted_follows_symlinks(home: Path, project: Path, tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    escape = allowed / "escape"
    escape.symlink_to(outside)
    inside_link = tmp_path / "inside-link"
    inside_link.symlink_to(allowed)
    result = _load(home, project, PRAXIS_ALLOW_PATHS=str(allowed))
    assert not result.is_allowlisted(escape)  # a link inside the allowlist pointing outside is not allowlisted
    assert not result.is_allowlisted(escape / "x.py")
    assert result.is_allowlisted(inside_link / "x.py")  # a link from outside into the allowlist resolves inside


def test_allowlisted_symlinked_directory_is_resolved_at_load(home: Path, project: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = _load(home, project, PRAXIS_ALLOW_PATHS=str(link))
    assert result.is_allowlisted(real / "x.py")
    assert result.is_allowlisted(link / "x.py")


# ------------------------------------------------------------------------------------------------ command lookups
def test_builtin_command_lookups(home: Path, project: Path) -> None:
    assert _load(home, project).command_lookups == frozenset({"ansible.builtin.pipe", "ansible.builtin.lines"})


def test_command_lookups_are_fqcn_normalised(home: Path, project: Path) -> None:
    _write_cfg(home / ".ansible.cfg", "command_lookups = ansible.legacy.fromcfg")
    result = _load(home, project, PRAXIS_COMMAND_LOOKUPS=" mycmd , community.general.shelly:ansible.legacy.runit")
    assert {
        "ansible.builtin.mycmd",
        "community.general.shelly",
        "ansible.builtin.runit",
        "ansible.builtin.fromcfg",
    } <= result.command_lookups
    assert result.command_lookups >= BUILTIN_COMMAND_LOOKUPS
    assert not any(name.startswith("ansible.legacy.") for name in result.command_lookups)
    assert not any(name != name.strip() for name in result.command_lookups)
