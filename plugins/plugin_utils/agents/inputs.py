# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible-core makes of the files an agent's run points it at, decided before anything runs.

An agent names inventories inside the project, and ansible-runner starts ansible-playbook with the project as its
working directory. ansible-core does more with those files than read host names, and some of it happens on the
controller before the first task, where the gate decides nothing:

- **Inventory sources.** ansible-core offers each file of an inventory (a directory is walked, every file in it) to
  its inventory plugins in turn. The ``script`` plugin takes any file it may execute and runs it with ``--list``; the
  ``auto`` plugin loads whichever inventory plugin a YAML file's ``plugin:`` key names and runs it with the file's
  options; a symbolic link inside a directory is followed out of the project. So an agent-named inventory is
  accepted only when every file in it is data: not executable, not a plugin configuration, inside the project.
- **The project's ansible.cfg.** With no ``ANSIBLE_CONFIG`` (or a blank one, or one naming a path inside the
  project) ansible-core reads ``./ansible.cfg``, the project's, as its whole configuration: a
  ``vault_password_file`` or ``vault_identity_list`` script it executes at start, a default ``inventory`` (a script
  again), ``log_path`` (a file it appends to, anywhere), plugin and tool choices. The gate vets only its own section
  and the plugin paths. So a project ansible.cfg that ansible-core would read may set only the settings listed in
  ``INERT_SETTINGS`` (plain numbers, switches and colours), the gate's own section (tighten-only, core/settings.py)
  and entries that repeat the operator's ansible.cfg exactly; anything else is refused, whatever it is (a rule that
  lists the dangerous settings would round every other one down).

The operator vouches for a file by allowlisting it (``PRAXIS_ALLOW_PATHS``). Plain Python: no ansible-core import.
The check and the run are apart in time, so the runner also holds ansible-core to what was checked: an agent-named
inventory is read with the data plugins only (``ANSIBLE_INVENTORY_ENABLED``); when the project had no ansible.cfg
the run's ``ANSIBLE_CONFIG`` is pinned to the file ansible-core would have read; and a project ansible.cfg is read
once, checked as those bytes, and the run reads a private copy of exactly them (runner.py), named to the gate as
the project's (``PRAXIS_PROJECT_CONFIG``, core/settings.py) so that its ``[praxis_gatekeeper]`` section still only
tightens. A file rewritten between the check and the start is then not read at all.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.limits import read_bounded
from ..core.settings import GateSettings

__all__ = [
    "INERT_SETTINGS",
    "CheckedConfig",
    "InputRefusal",
    "checked_project_config",
    "inventory_refusal",
    "project_config",
]

# ansible.cfg settings that only tune how a run behaves: numbers, switches, colours. None names a file, a program, a
# plugin, a host or an interpreter, and none loosens what the run checks or shows an agent more of the run (host key
# checking, verbosity and display_args_to_stdout are left out). [section] -> keys; "*" means every key of the section.
INERT_SETTINGS: Mapping[str, frozenset[str]] = {
    "defaults": frozenset({
        "forks", "timeout", "gathering", "gather_subset", "gather_timeout", "nocows", "nocolor", "force_color",
        "retry_files_enabled", "display_skipped_hosts", "display_ok_hosts", "deprecation_warnings",
        "system_warnings", "localhost_warning", "error_on_undefined_vars", "force_handlers", "any_errors_fatal",
        "internal_poll_interval", "poll_interval", "show_custom_stats", "duplicate_dict_key",
        "invalid_task_attribute_failed", "max_diff_size", "show_per_host_start", "check_mode_markers",
        "display_failed_stderr",
    }),
    "colors": frozenset({"*"}),
    "diff": frozenset({"always", "context"}),
    "inventory": frozenset({"any_unparsed_is_failed", "unparsed_is_failed", "host_pattern_mismatch"}),
    "ssh_connection": frozenset({"pipelining", "retries", "timeout"}),
    "persistent_connection": frozenset({"connect_timeout", "command_timeout"}),
}  # fmt: skip
GATE_SECTION = "praxis_gatekeeper"  # the gate's own: read tighten-only by core/settings.py, agent_* ignored
_MAX_FILES = 2000  # files walked in one inventory directory; past it the inventory is refused (rounds up)
_MAX_CONFIG_BYTES = 1024 * 1024
_YAML_CONFIG_SUFFIXES = (".yml", ".yaml", ".config")  # what the auto, constructed and generator plugins accept
_NEXT = "the operator allowlists it (PRAXIS_ALLOW_PATHS)"


class InputRefusal(Exception):
    """What was refused and why (``args[0]``), and what to do next (``hint``)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


# ---------------------------------------------------------------------------------------------------- inventories
def inventory_refusal(project: Path, source: Path, settings: GateSettings) -> InputRefusal | None:
    """None when every file ansible-core would read for the inventory ``source`` (a real path inside ``project``)
    is data; otherwise the refusal for the first that is not."""
    if settings.is_allowlisted(source):
        return None
    try:
        files = list(_inventory_files(source))
    except InputRefusal as refusal:
        return refusal
    for path in files:
        real = Path(os.path.realpath(path))
        if real != project and project not in real.parents:
            return InputRefusal(
                f"the inventory {source} reaches {path}, which resolves outside the project ({real})",
                hint="keep every inventory file inside the project, without links out of it",
            )
        if settings.is_allowlisted(real):
            continue
        why = _not_data(real)
        if why:
            return InputRefusal(
                f"the inventory file {path} {why}; ansible-core would run it on the controller before any task, "
                "where the gate decides nothing",
                hint=f"give the agent a static inventory (INI, YAML hosts, TOML), or have {_NEXT}",
            )
    return None


def _inventory_files(source: Path) -> Iterator[Path]:
    """Every file of the source, as ansible-core's inventory manager walks it (a directory recursively, links
    followed), its ignore patterns and group_vars/host_vars included (rounds up)."""
    if not source.is_dir():
        yield source
        return
    count = 0
    for top, dirs, files in os.walk(source, followlinks=True):
        dirs.sort()
        for name in [*sorted(files), *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:
            count += 1
            if count > _MAX_FILES:
                raise InputRefusal(
                    f"the inventory {source} holds more than {_MAX_FILES} files; it was not checked to the end",
                    hint="name the inventory files the run needs",
                )
            yield Path(top) / name


def _not_data(path: Path) -> str | None:
    """Why ansible-core would not read ``path`` as plain inventory data; None when it would."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"could not be checked ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return None  # walked separately
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_mode & 0o111 or os.access(path, os.X_OK):
        return "is executable: ansible-core's script inventory plugin would execute it with --list"
    if info.st_size > _MAX_CONFIG_BYTES:
        return None if path.suffix not in _YAML_CONFIG_SUFFIXES else "is too large to be checked"
    try:
        body = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"could not be read ({exc.strerror or exc})"
    try:
        data = yaml.load(body, Loader=_AnyTagLoader)  # noqa: S506 - a SafeLoader that reads every tag as data
    except yaml.YAMLError:
        if path.suffix in _YAML_CONFIG_SUFFIXES:
            return "is YAML that could not be read, so whether it configures an inventory plugin is unknown"
        return None  # INI or TOML: parsed as host data
    except RecursionError:
        return "is YAML nested too deeply to be checked"
    if isinstance(data, Mapping) and "plugin" in data:
        named = data.get("plugin")
        return (
            f"configures the inventory plugin {str(named)[:80]!r}: ansible-core would load and run that plugin "
            "with the file's options"
        )
    return None


class _AnyTagLoader(yaml.SafeLoader):
    """SafeLoader that reads an unknown tag (``!unsafe``, ``!vault``) as the plain value it wraps."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_AnyTagLoader.add_multi_constructor("!", _any_tag)
_AnyTagLoader.add_multi_constructor("tag:", _any_tag)


# ---------------------------------------------------------------------------------------------------- ansible.cfg
def project_config(project: Path, run_env: Mapping[str, str]) -> Path | None:
    """The ansible.cfg ansible-core will read in a run started in ``project`` with ``run_env``, when that file is
    inside the project (the project's, so the agent's); None when it reads the operator's or none.

    ansible-core: a non-empty ``ANSIBLE_CONFIG`` (relative to the working directory; a directory means its
    ansible.cfg) when it exists, else ``./ansible.cfg`` (a blank ``ANSIBLE_CONFIG`` names the working directory
    too), else the home and system files. The world-writable-directory exception is ignored (rounds up)."""
    named = run_env.get("ANSIBLE_CONFIG", "")
    if named:
        path = Path(os.path.expanduser(named))
        path = path if path.is_absolute() else project / path
        path = path / "ansible.cfg" if path.is_dir() else path
        if path.exists():  # the operator's choice, unless it lands inside the project
            real = Path(os.path.realpath(path))
            return real if real == project or project in real.parents else None
    own = project / "ansible.cfg"
    # the project's file, wherever a link in it points: the agent chose what it says
    return own if os.path.lexists(own) else None


@dataclass(frozen=True)
class CheckedConfig:
    """The project's ansible.cfg that ansible-core would read, as the bytes that were checked: the run reads a
    private copy of these, never the path again (an agent can rewrite the file after the check)."""

    path: Path
    content: bytes


def checked_project_config(
    project: Path, run_env: Mapping[str, str], operator_cfg: Path | None, settings: GateSettings
) -> CheckedConfig | None:
    """The project's ansible.cfg (if ansible-core reads one and the operator does not vouch for it) when it sets
    only inert settings, the gate's own section and exact repetitions of the operator's ansible.cfg; InputRefusal
    for the first other entry. The file is read once: what is checked is what the run will read."""
    path = project_config(project, run_env)
    if path is None or settings.is_allowlisted(path):
        return None
    hint = (
        "agents run under the operator's Ansible configuration: move the setting to the operator's ansible.cfg, "
        f"point ANSIBLE_CONFIG at the operator's file for agent runs, or have {_NEXT}"
    )
    try:
        content = read_bounded(path, max_bytes=_MAX_CONFIG_BYTES, what="the project's ansible.cfg")
        sections = _parse_cfg(content.decode("utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error, ValueError) as exc:
        raise InputRefusal(f"the project's ansible.cfg {path} cannot be read: {str(exc)[:200]}", hint=hint) from None
    operator: dict[str, dict[str, str]] = {}
    if operator_cfg is not None and Path(os.path.realpath(operator_cfg)) != path:
        try:
            operator = _read_cfg(operator_cfg)
        except (OSError, UnicodeDecodeError, configparser.Error, ValueError):
            operator = {}
    for section, entries in sections.items():
        if section == GATE_SECTION:
            continue
        inert = INERT_SETTINGS.get(section, frozenset())
        for key, value in entries.items():
            if "*" in inert or key in inert:
                continue
            if operator.get(section, {}).get(key) == value and not _names_a_project_path(project, value):
                continue  # the operator's own setting, meaning the same here
            raise InputRefusal(
                f"the project's ansible.cfg {path} sets [{section}] {key}, which ansible-core would obey in this "
                "run: a project setting may name a program, a script, a plugin or a file the controller runs, "
                "loads or writes before or around the gate, and only plain switches and numbers are accepted",
                hint=hint,
            )
    return CheckedConfig(path, content)


def _read_cfg(path: Path) -> dict[str, dict[str, str]]:
    """Every section of an ansible.cfg file, as ansible-core's configparser reads it (keys lowercased)."""
    return _parse_cfg(read_bounded(path, max_bytes=_MAX_CONFIG_BYTES, what="an ansible.cfg").decode("utf-8"))


def _parse_cfg(text: str) -> dict[str, dict[str, str]]:
    """Every section of an ansible.cfg's text, as ansible-core's configparser reads it (keys lowercased)."""
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",), strict=False)
    parser.read_string(text)
    return {
        section.lower(): {key.lower(): (value or "").strip() for key, value in parser.items(section, raw=True)}
        for section in parser.sections()
    }


def _names_a_project_path(project: Path, value: str) -> bool:
    """Whether a word of ``value`` is a relative path that exists in the project: the operator's text would then
    name the project's file here (ansible-core resolves relative paths against the file's directory)."""
    for raw in value.replace(",", " ").replace(os.pathsep, " ").replace("=", " ").split():
        word = raw.strip("'\"")
        word = word.split("@", 1)[1] if "@" in word else word  # vault identities: id@path
        if word and not os.path.isabs(os.path.expanduser(word)) and (project / word).exists():
            return True
    return False
