# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operator configuration: the only place the mode ceiling, the state directory and the allowlists come from.

Trust model. The process environment and the operator's ansible.cfg (``ANSIBLE_CONFIG``, ``~/.ansible.cfg``,
``/etc/ansible/ansible.cfg``) belong to the operator. An ``ansible.cfg`` in the current directory belongs to the
project (AWX and ansible-runner run with the project checkout as the working directory), so it may only tighten:
it can lower the mode, never raise it, and it cannot allowlist paths or point at a policy file. Nothing in a play,
inventory or extra vars is read here at all.

Security constraints: SEC-2, SEC-3 (docs/security-constraints.yml).
"""

from __future__ import annotations

import configparser
import getpass
import os
import re
import socket
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .limits import InputRejected, read_bounded
from .models import Mode

__all__ = [
    "MAX_APPROVAL_FILE", "PROJECT_CONFIG_VARIABLE", "CfgFile", "GateSettings", "find_ansible_cfg", "find_operator_cfg",
    "load_settings",
]  # fmt: skip

SECTION = "praxis_gatekeeper"
DEFAULT_MODE = Mode.GUARDED
# Lookups that run commands on the controller; operators add their own (``command_lookups``).
BUILTIN_COMMAND_LOOKUPS = frozenset({"ansible.builtin.pipe", "ansible.builtin.lines"})
_TRUE = frozenset({"1", "true", "yes", "on", "enforce"})
# What a run reads of presented approval tokens (PRAXIS_APPROVAL_FILE, `praxis-gate agent run --approval-file`); a
# token is at most 64 KiB, and `approvals approve` refuses to mint more than fit (approvals/tokens.py).
MAX_APPROVAL_FILE = 1024 * 1024
_FALSE = frozenset({"", "0", "false", "no", "off"})
_DRIFT_JOB = re.compile(r"[0-9a-f]{32}")


# The settings classes generate no __eq__, __hash__ or __repr__: nothing compares, hashes or prints them, and each
# method dataclasses generates is compiled from source when the class is created, in every gated run's start-up
# (issue 22; GateSettings alone about 0.5 ms). Compare fields, not objects.
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CfgFile:
    """An ansible.cfg and whether the operator (True) or the project (False) controls it."""

    path: Path
    operator: bool
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GateSettings:
    """Resolved operator settings for one run. Immutable: a run cannot change its own ceiling.

    A frozen dataclass, not a pydantic model: every value is already parsed and checked by ``load_settings``, and
    importing pydantic cost more than the rest of the gate's start-up (docs/performance.md)."""

    mode: Mode
    mode_source: str
    state_dir: Path
    policy_path: Path | None
    allow_paths: tuple[Path, ...]
    command_lookups: frozenset[str]
    enforce: bool
    principal: str
    session: str
    config_file: str | None
    warnings: tuple[str, ...] = ()
    project_config: str | None = None  # the project's ansible.cfg when ansible-core reads that one
    audit_anchor: Path | None = None
    checkpoint_every: int = 1000
    tsa_url: str | None = None
    tsa_ca: Path | None = None
    approvers_path: Path | None = None
    approver_keys: str = ""
    approval_max_ttl: int = 900
    approval_pending_ttl: int = 86_400
    approval_wait: int = 0  # seconds a gated task waits for an operator's decision (0: fail at once, name the request)
    approval_distinct: bool = False
    t3_two_approvers: bool = False
    operator_dir: Path | None = None
    approval_tokens: tuple[str, ...] = ()
    audit_durability: str = "batch"
    # Actuation (docs/plugins): praxis.gatekeeper.ssh host keys, and controller-side talosctl.
    ssh_known_hosts: Path | None = None  # the only known_hosts file praxis.gatekeeper.ssh trusts, when set
    ssh_accept_new: tuple[str, ...] = ()  # host patterns whose unknown host key may be accepted once (accept-new)
    talosctl: str = "talosctl"  # the program (a name found on PATH, or an absolute path)
    talos_root: Path | None = None  # every local file talosctl reads or writes lies under it
    talos_env: tuple[str, ...] = ()  # environment variables the operator adds to talosctl's allowlist
    talos_timeout: int = 3600  # the longest a talosctl call may run, whatever the task asks
    interpreters: tuple[str, ...] = ()  # interpreter paths the operator trusts beyond the system directories
    egress_allow: tuple[str, ...] = ()  # networks and host names the egress filter admits (SEC-7)
    approval_webhook: str | None = None  # where pending approval requests are announced (JSON POST)
    drift_job: str = ""  # set by `praxis-gate drift` for the ansible-playbook run it starts (see drift/job.py)

    def model_copy(self, *, update: Mapping[str, Any]) -> GateSettings:
        """A copy with some values replaced (explain-only callers: ``praxis-gate check --mode``, benchmarks)."""
        return replace(self, **update)

    @property
    def audit_path(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def anchor_path(self) -> Path:
        """The audit log's high-water mark; operators may keep it outside the state directory."""
        return self.audit_anchor or self.state_dir / "audit.anchor"

    @property
    def killswitch_path(self) -> Path:
        return self.state_dir / "emergency-stop"

    def is_allowlisted(self, path: str | os.PathLike[str]) -> bool:
        """Whether the operator allowlisted ``path`` (or a parent of it) for playbook-adjacent Python."""
        try:
            real = Path(os.path.realpath(path))
        except (OSError, ValueError):
            return False
        return any(real == allowed or allowed in real.parents for allowed in self.allow_paths)


_SYSTEM_CFG = Path("/etc/ansible/ansible.cfg")
# Set by an agent run beside ANSIBLE_CONFIG when that names its private copy of the project's checked ansible.cfg.
PROJECT_CONFIG_VARIABLE = "PRAXIS_PROJECT_CONFIG"


def default_state_dir(env: Mapping[str, str]) -> Path:
    """Under the user's data directory (XDG), so one user's runs share one audit trail and one kill switch.

    A relative ``XDG_DATA_HOME`` is ignored, as the XDG specification requires (it would resolve against the
    project's working directory).
    """
    xdg = env.get("XDG_DATA_HOME") or ""
    base = xdg if os.path.isabs(xdg) else os.path.join(_home(env), ".local", "share")
    return Path(base) / "praxis-gatekeeper"


def _home(env: Mapping[str, str]) -> str:
    return env.get("HOME") or os.path.expanduser("~")


def _expand(value: str, env: Mapping[str, str]) -> str:
    """``~`` and ``~/x`` against the HOME of ``env`` (the environment being resolved, not necessarily ours)."""
    if value == "~" or value.startswith("~/"):
        return _home(env) + value[1:]
    return os.path.expanduser(value)


def _candidates(env: Mapping[str, str], cwd: str | None) -> list[tuple[Path, bool]]:
    candidates: list[tuple[Path, bool]] = []
    explicit = env.get("ANSIBLE_CONFIG")
    if explicit:
        path = Path(_expand(explicit, env))
        if path.is_dir():
            path = path / "ansible.cfg"
        # A relative ANSIBLE_CONFIG resolves against the working directory, i.e. inside the project's checkout:
        # Ansible still reads it, but for the gate it is the project's file, not the operator's. So is the private
        # copy of a project's checked ansible.cfg that an agent run pins (agents/runner.py names it in
        # PRAXIS_PROJECT_CONFIG too): the name can only lower a file's trust, never raise it.
        copy = env.get(PROJECT_CONFIG_VARIABLE, "")
        candidates.append((path, path.is_absolute() and not (copy and Path(_expand(copy, env)) == path)))
    try:
        here: Path | None = Path(cwd or os.getcwd())
    except OSError:  # the working directory was removed: Ansible skips it too
        here = None
    if here is not None and not _world_writable(here):
        candidates.append((here / "ansible.cfg", False))
    candidates.append((Path(_home(env)) / ".ansible.cfg", True))
    candidates.append((_SYSTEM_CFG, True))
    return candidates


def find_ansible_cfg(env: Mapping[str, str], cwd: str | None = None) -> CfgFile | None:
    """The file ansible-core itself would use, in its order, marked operator- or project-controlled.

    Mirrors ansible-core's search: ANSIBLE_CONFIG, ./ansible.cfg (skipped when the directory is world-writable, as
    ansible-core does), ~/.ansible.cfg, /etc/ansible/ansible.cfg. Only the first existing file counts, as in Ansible.
    """
    for path, operator in _candidates(env, cwd):
        if path.is_file():
            return CfgFile(path=path, operator=operator, values=_read_section(path))
    return None


def find_operator_cfg(env: Mapping[str, str], cwd: str | None = None) -> CfgFile | None:
    """The first operator-controlled ansible.cfg, even when a project ansible.cfg shadows it for Ansible.

    Ansible reads only the first file it finds, so a project ``./ansible.cfg`` hides ``~/.ansible.cfg`` from
    Ansible. The gate's settings must not be hidden that way: a project that could make the operator's
    ``mode = readonly`` disappear by shipping any ansible.cfg would be raising the mode, which it may never do.
    """
    for path, operator in _candidates(env, cwd):
        if operator and path.is_file():
            return CfgFile(path=path, operator=True, values=_read_section(path))
    return None


def _world_writable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return True


def _read_section(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise ConfigError(
            f"cannot read {path}: {exc}",
            hint="fix or remove the file; the gate will not guess its settings",
        ) from exc
    if not parser.has_section(SECTION):
        return {}
    return {key.lower(): value.strip() for key, value in parser.items(SECTION)}


def _split_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace(os.pathsep, ",").split(",") if part.strip()]


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    cwd: str | None = None,
    cfg: CfgFile | bool | None = True,
) -> GateSettings:
    """Resolve the settings for this process. Invalid values raise ConfigError: never a silent default.

    ``cfg=True`` searches for ansible.cfg the way Ansible does; pass a CfgFile (or None) to decide it yourself.
    """
    env = dict(os.environ if env is None else env)
    cfg_file = find_ansible_cfg(env, cwd) if cfg is True else (cfg or None)
    operator_cfg = cfg_file if cfg_file and cfg_file.operator else None
    if cfg is True and cfg_file is not None and not cfg_file.operator:
        # The project's file shadows the operator's for Ansible, never for the gate (see find_operator_cfg).
        operator_cfg = find_operator_cfg(env, cwd)
    operator_values: Mapping[str, str] = operator_cfg.values if operator_cfg else {}
    project_values: Mapping[str, str] = cfg_file.values if cfg_file and not cfg_file.operator else {}
    warnings: list[str] = []

    mode, mode_source = _resolve_mode(env, operator_values, operator_cfg)
    if "mode" in project_values:
        project_mode = _parse_mode(project_values["mode"], f"[{SECTION}] mode in {cfg_file.path if cfg_file else '?'}")
        tightened = mode.stricter(project_mode)
        if tightened is not mode:
            mode, mode_source = tightened, f"project ansible.cfg {cfg_file.path if cfg_file else ''} (tightened)"
        elif project_mode is not mode:
            warnings.append(
                f"ignored mode={project_mode.value} from the project's ansible.cfg: a project can only lower the mode"
            )
    for key in (*_OPERATOR_ONLY_PATHS, *_OPERATOR_ONLY_VALUES):
        if key in project_values:
            warnings.append(f"ignored [{SECTION}] {key} from the project's ansible.cfg: only the operator sets it")

    state_raw = env.get("PRAXIS_STATE_DIR") or operator_values.get("state_dir")
    state_dir = Path(_expand(state_raw, env)) if state_raw else default_state_dir(env)
    if not state_dir.is_absolute():
        raise ConfigError(
            f"the state directory (PRAXIS_STATE_DIR or [{SECTION}] state_dir) must be an absolute path, "
            f"got {str(state_dir)!r}",
            hint="set it to an absolute directory owned by the user running Ansible",
        )

    policy_raw = env.get("PRAXIS_POLICY") or operator_values.get("policy")
    policy_path = Path(_expand(policy_raw, env)) if policy_raw else None
    if policy_path is not None and not policy_path.is_absolute():
        # A relative path would resolve against the working directory, which is the project's checkout.
        raise ConfigError(
            f"the policy file (PRAXIS_POLICY or [{SECTION}] policy) must be an absolute path, got {policy_raw!r}",
            hint="give the operator policy file as an absolute path",
        )

    allow_raw = ",".join(filter(None, [env.get("PRAXIS_ALLOW_PATHS", ""), operator_values.get("allow_paths", "")]))
    allow_paths: list[Path] = []
    for entry in _split_list(allow_raw):
        expanded = _expand(entry, env)
        if not os.path.isabs(expanded):
            raise ConfigError(
                f"allow_paths entries must be absolute paths, got {entry!r}",
                hint="a relative entry would allowlist whatever the project's working directory holds",
            )
        allow_paths.append(Path(os.path.realpath(expanded)))

    lookups_raw = ",".join(
        filter(None, [env.get("PRAXIS_COMMAND_LOOKUPS", ""), operator_values.get("command_lookups", "")])
    )
    command_lookups = BUILTIN_COMMAND_LOOKUPS | {_fqcn_lookup(name) for name in _split_list(lookups_raw)}

    # Arming is decided by the interpreter start-up hook before any file of ours is read, so it comes from the
    # environment (or callbacks_enabled) only; there is deliberately no ansible.cfg key for it.
    enforce = _parse_bool(env.get("PRAXIS_GATE", ""), "PRAXIS_GATE")
    audit_anchor = _absolute_path(env, operator_values, "PRAXIS_AUDIT_ANCHOR", "audit_anchor")
    tsa_ca = _absolute_path(env, operator_values, "PRAXIS_TSA_CA", "tsa_ca")
    tsa_url = env.get("PRAXIS_TSA_URL") or operator_values.get("tsa_url") or None
    if tsa_url is not None and not tsa_url.startswith(("http://", "https://")):
        raise ConfigError(f"PRAXIS_TSA_URL must be an http(s) URL, got {tsa_url!r}", hint="or leave it unset")
    config_home = _config_home(env)
    approvers_path = _absolute_path(env, operator_values, "PRAXIS_APPROVERS", "approvers") or (
        config_home / "approvers"
    )
    operator_dir = _absolute_path(env, {}, "PRAXIS_OPERATOR_DIR", "") or config_home / "operators"
    ttl_raw = env.get("PRAXIS_APPROVAL_MAX_TTL") or operator_values.get("approval_max_ttl") or "900"
    if not ttl_raw.strip().isdigit() or not 60 <= int(ttl_raw) <= 86_400:
        raise ConfigError(
            f"the maximum approval lifetime must be 60..86400 seconds, got {ttl_raw!r}",
            hint="set PRAXIS_APPROVAL_MAX_TTL or [praxis_gatekeeper] approval_max_ttl",
        )
    pending_raw = env.get("PRAXIS_APPROVAL_PENDING_TTL") or operator_values.get("approval_pending_ttl") or "86400"
    if not pending_raw.strip().isdigit() or not 300 <= int(pending_raw) <= 2_592_000:
        raise ConfigError(
            f"the lifetime of a pending approval request must be 300..2592000 seconds, got {pending_raw!r}",
            hint="set PRAXIS_APPROVAL_PENDING_TTL or [praxis_gatekeeper] approval_pending_ttl",
        )
    wait_raw = env.get("PRAXIS_APPROVAL_WAIT") or operator_values.get("approval_wait") or "0"
    if not wait_raw.strip().isdigit() or not 0 <= int(wait_raw) <= 86_400:
        raise ConfigError(
            f"the approval wait must be 0..86400 seconds, got {wait_raw!r}",
            hint="set PRAXIS_APPROVAL_WAIT or [praxis_gatekeeper] approval_wait (0: do not wait)",
        )
    distinct = _parse_bool(
        env.get("PRAXIS_APPROVAL_DISTINCT") or operator_values.get("approval_distinct_approver", ""),
        "PRAXIS_APPROVAL_DISTINCT",
    )
    t3_two = _parse_bool(
        env.get("PRAXIS_APPROVAL_T3_TWO") or operator_values.get("approval_t3_two_approvers", ""),
        "PRAXIS_APPROVAL_T3_TWO",
    )
    tokens = _approval_tokens(env)
    durability = (env.get("PRAXIS_AUDIT_DURABILITY") or operator_values.get("audit_durability") or "batch").lower()
    if durability not in ("always", "batch"):
        raise ConfigError(
            f"PRAXIS_AUDIT_DURABILITY must be always or batch, got {durability!r}",
            hint="batch (default) syncs decisions for T2/T3 actions at once and the rest within 50 ms",
        )
    every_raw = env.get("PRAXIS_AUDIT_CHECKPOINT_EVERY") or operator_values.get("audit_checkpoint_every") or "1000"
    if not every_raw.strip().isdigit() or not 1 <= int(every_raw) <= 10_000_000:
        raise ConfigError(
            f"the checkpoint interval must be a whole number of records (1..10000000), got {every_raw!r}",
            hint="set PRAXIS_AUDIT_CHECKPOINT_EVERY or [praxis_gatekeeper] audit_checkpoint_every",
        )
    interpreters_raw = ",".join(
        filter(None, [env.get("PRAXIS_INTERPRETERS", ""), operator_values.get("interpreters", "")])
    )
    interpreters = tuple(_expand(entry, env) for entry in _split_list(interpreters_raw))
    for entry in interpreters:
        if not os.path.isabs(entry):
            raise ConfigError(
                f"interpreters entries must be absolute paths, got {entry!r}",
                hint="a bare name is already allowed when it is a known interpreter; list only paths you trust",
            )
    egress_raw = ",".join(filter(None, [env.get("PRAXIS_EGRESS_ALLOW", ""), operator_values.get("egress_allow", "")]))
    egress_allow = tuple(entry for entry in egress_raw.replace(" ", ",").split(",") if entry.strip())
    webhook = env.get("PRAXIS_APPROVAL_WEBHOOK") or operator_values.get("approval_webhook") or None
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise ConfigError(
            "PRAXIS_APPROVAL_WEBHOOK (or [praxis_gatekeeper] approval_webhook) must be an http(s) URL",
            hint="give the receiver's URL, or leave it unset",
        )
    principal = env.get("PRAXIS_PRINCIPAL") or _default_principal()
    session = env.get("PRAXIS_SESSION", "")
    drift_job = env.get("PRAXIS_DRIFT_JOB", "").strip()
    if drift_job and not _DRIFT_JOB.fullmatch(drift_job):
        raise ConfigError(
            f"PRAXIS_DRIFT_JOB must name a drift job (32 hexadecimal digits), got {drift_job[:40]!r}",
            hint="`praxis-gate drift` sets it for the runs it starts; unset it otherwise",
        )
    actuation = _actuation(env, operator_values)

    return GateSettings(
        mode=mode,
        mode_source=mode_source,
        state_dir=state_dir,
        policy_path=policy_path,
        allow_paths=tuple(allow_paths),
        command_lookups=frozenset(command_lookups),
        enforce=enforce,
        principal=principal,
        session=session,
        config_file=str(cfg_file.path) if cfg_file else None,
        warnings=tuple(warnings),
        project_config=str(cfg_file.path) if cfg_file and not cfg_file.operator else None,
        audit_anchor=audit_anchor,
        checkpoint_every=int(every_raw),
        tsa_url=tsa_url,
        tsa_ca=tsa_ca,
        approvers_path=approvers_path,
        approver_keys=env.get("PRAXIS_APPROVER_KEYS", ""),
        approval_max_ttl=int(ttl_raw),
        approval_pending_ttl=int(pending_raw),
        approval_wait=int(wait_raw),
        approval_distinct=distinct,
        t3_two_approvers=t3_two,
        operator_dir=operator_dir,
        approval_tokens=tokens,
        audit_durability=durability,
        ssh_known_hosts=actuation.ssh_known_hosts,
        ssh_accept_new=actuation.ssh_accept_new,
        talosctl=actuation.talosctl,
        talos_root=actuation.talos_root,
        talos_env=actuation.talos_env,
        talos_timeout=actuation.talos_timeout,
        interpreters=interpreters,
        egress_allow=egress_allow,
        approval_webhook=webhook,
        drift_job=drift_job,
    )


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_HOST_PATTERN = re.compile(r"[A-Za-z0-9_.:*?\[\]-]{1,255}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Actuation:
    ssh_known_hosts: Path | None
    ssh_accept_new: tuple[str, ...]
    talosctl: str
    talos_root: Path | None
    talos_env: tuple[str, ...]
    talos_timeout: int


def _actuation(env: Mapping[str, str], operator_values: Mapping[str, str]) -> _Actuation:
    """praxis.gatekeeper.ssh's host-key settings and the talosctl runner's: operator sources only, like the mode."""
    known_hosts = _absolute_path(env, operator_values, "PRAXIS_SSH_KNOWN_HOSTS", "ssh_known_hosts")
    accept_raw = env.get("PRAXIS_SSH_ACCEPT_NEW") or operator_values.get("ssh_accept_new_host_keys", "")
    accept_new = tuple(_split_list(accept_raw))
    for pattern in accept_new:
        if not _HOST_PATTERN.fullmatch(pattern):
            raise ConfigError(
                f"PRAXIS_SSH_ACCEPT_NEW: {pattern!r} is not a host name, address or pattern",
                hint="list the hosts (fnmatch patterns) whose first host key may be accepted, comma-separated",
            )
    program = env.get("PRAXIS_TALOSCTL") or operator_values.get("talosctl") or "talosctl"
    if os.sep in program and not os.path.isabs(program):
        raise ConfigError(
            f"PRAXIS_TALOSCTL must be a program name or an absolute path, got {program!r}",
            hint="a relative path would resolve inside the project's working directory",
        )
    root = _absolute_path(env, operator_values, "PRAXIS_TALOS_ROOT", "talos_root")
    extra_raw = env.get("PRAXIS_TALOS_ENV") or operator_values.get("talos_env", "")
    extra = tuple(_split_list(extra_raw))
    for name in extra:
        if not _ENV_NAME.fullmatch(name):
            raise ConfigError(f"PRAXIS_TALOS_ENV: {name!r} is not an environment variable name", hint="fix the list")
    timeout_raw = env.get("PRAXIS_TALOS_TIMEOUT") or operator_values.get("talos_timeout") or "3600"
    if not timeout_raw.strip().isdigit() or not 1 <= int(timeout_raw) <= 86_400:
        raise ConfigError(
            f"the talosctl time limit must be 1..86400 seconds, got {timeout_raw!r}",
            hint="set PRAXIS_TALOS_TIMEOUT or [praxis_gatekeeper] talos_timeout",
        )
    return _Actuation(
        ssh_known_hosts=known_hosts,
        ssh_accept_new=accept_new,
        talosctl=program,
        talos_root=Path(os.path.realpath(root)) if root else None,
        talos_env=extra,
        talos_timeout=int(timeout_raw),
    )


def _config_home(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return Path(base) / "praxis-gatekeeper"


def _approval_tokens(env: Mapping[str, str]) -> tuple[str, ...]:
    """Tokens a run presents through its environment (PRAXIS_APPROVAL) or a file (PRAXIS_APPROVAL_FILE)."""
    text = env.get("PRAXIS_APPROVAL", "")
    file_name = env.get("PRAXIS_APPROVAL_FILE")
    if file_name:
        try:
            text += "\n" + read_bounded(file_name, max_bytes=MAX_APPROVAL_FILE, what="PRAXIS_APPROVAL_FILE").decode()
        except InputRejected as exc:
            raise ConfigError(str(exc), hint="put the approval token(s) in a regular file of at most 1 MiB") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read PRAXIS_APPROVAL_FILE {file_name}: {exc}", hint="fix the path") from exc
    return tuple(part for part in text.replace(",", " ").split() if part)


_OPERATOR_ONLY_PATHS = ("state_dir", "policy", "audit_anchor", "tsa_ca", "approvers", "ssh_known_hosts", "talos_root")
_OPERATOR_ONLY_VALUES = (
    "allow_paths",
    "command_lookups",
    "audit_checkpoint_every",
    "tsa_url",
    "approval_max_ttl",
    "approval_pending_ttl",
    "approval_wait",
    "approval_distinct_approver",
    "approval_t3_two_approvers",
    "audit_durability",
    "ssh_accept_new_host_keys",
    "talosctl",
    "talos_env",
    "talos_timeout",
    "interpreters",
    "egress_allow",
    "approval_webhook",
    # the controls agent sessions work under: read by agents/config.py, named here so a project's ansible.cfg that
    # sets one is said to be ignored
    "agent_projects",
    "agent_budget_total",
    "agent_budget_t2",
    "agent_budget_per_host",
    "agent_env_allow",
    "agent_run_timeout",
    "agent_output_limit",
)


def _absolute_path(env: Mapping[str, str], operator_values: Mapping[str, str], variable: str, key: str) -> Path | None:
    raw = env.get(variable) or operator_values.get(key)
    if not raw:
        return None
    path = Path(_expand(raw, env))
    if not path.is_absolute():
        raise ConfigError(
            f"{variable} (or [{SECTION}] {key}) must be an absolute path, got {raw!r}",
            hint="a relative path would resolve inside the project's working directory",
        )
    return path


def _resolve_mode(env: Mapping[str, str], operator_values: Mapping[str, str], cfg: CfgFile | None) -> tuple[Mode, str]:
    if env.get("PRAXIS_MODE"):
        return _parse_mode(env["PRAXIS_MODE"], "PRAXIS_MODE"), "environment PRAXIS_MODE"
    if "mode" in operator_values and cfg is not None:
        return _parse_mode(operator_values["mode"], f"[{SECTION}] mode in {cfg.path}"), f"{cfg.path}"
    return DEFAULT_MODE, "default"


def _parse_mode(value: str, source: str) -> Mode:
    try:
        return Mode.parse(value)
    except ValueError as exc:
        raise ConfigError(
            f"{source}: {exc}", hint="use open, guarded or readonly; the gate refuses to run with an unknown mode"
        ) from exc


def _parse_bool(value: str, source: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{source}: not a boolean: {value!r}", hint="use true/false (or enforce)")


def _fqcn_lookup(name: str) -> str:
    """The name the callback compares against: short names and ``ansible.legacy.*`` become ``ansible.builtin.*``."""
    name = name.strip()
    if name.startswith("ansible.legacy."):
        return "ansible.builtin." + name[len("ansible.legacy.") :]
    return name if "." in name else f"ansible.builtin.{name}"


def _default_principal() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"
