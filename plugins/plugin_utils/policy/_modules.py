# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Module knowledge: base tiers, destructive states, check-mode honesty.

The tables are data (``MODULE_DATA``) so the ruleset fingerprint changes whenever they do. A module missing from the
table is unknown, and unknown rounds up: at least T2, T3 with a destructive state, and a real run under --check.

Security constraints: SEC-1, SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..core.models import Tier
from . import _collections
from ._paths import is_temp_path

# Free-form execution: the content decides, with a T2 floor no pin can lower (only the command allowlist can).
EXEC_MODULES = frozenset(
    {
        "ansible.builtin.command",
        "ansible.builtin.shell",
        "ansible.builtin.raw",
        "ansible.builtin.script",
        "ansible.builtin.expect",
        "community.general.expect",
    }
)

# Control actions: they shape the run (facts, includes, inventory in memory) and touch no host state.
CONTROL_MODULES = frozenset(
    {
        "ansible.builtin.add_host",
        "ansible.builtin.assert",
        "ansible.builtin.debug",
        "ansible.builtin.fail",
        "ansible.builtin.group_by",
        "ansible.builtin.import_playbook",
        "ansible.builtin.import_role",
        "ansible.builtin.import_tasks",
        "ansible.builtin.include_role",
        "ansible.builtin.include_tasks",
        "ansible.builtin.include_vars",
        "ansible.builtin.meta",
        "ansible.builtin.pause",
        "ansible.builtin.set_fact",
        "ansible.builtin.set_stats",
        "ansible.builtin.validate_argument_spec",
        "praxis.gatekeeper.emergency_stop",  # trips the controller's stop: only ever stricter, touches no host
    }
)

_BASE: dict[str, Tier] = {
    # T0: observe
    **dict.fromkeys(
        (
            "ansible.builtin.async_status",
            "ansible.builtin.find",
            "ansible.builtin.gather_facts",
            "ansible.builtin.getent",
            "ansible.builtin.mount_facts",
            "ansible.builtin.package_facts",
            "ansible.builtin.ping",
            "ansible.builtin.service_facts",
            "ansible.builtin.setup",
            "ansible.builtin.slurp",
            "ansible.builtin.stat",
            "ansible.builtin.wait_for",
            "ansible.builtin.wait_for_connection",
            "ansible.builtin.uri",  # GET/HEAD only; see _uri_tier
            "community.general.listen_ports_facts",
            "ansible.posix.mount_facts",
            # A drift scan: starts a separate gated ansible-playbook under the readonly ceiling (docs/drift.md)
            "praxis.gatekeeper.drift_scan",
        ),
        Tier.T0,
    ),
    **dict.fromkeys(CONTROL_MODULES, Tier.T0),
    # T1: reversible file changes
    **dict.fromkeys(
        (
            "ansible.builtin.assemble",
            "ansible.builtin.blockinfile",
            "ansible.builtin.copy",
            "ansible.builtin.fetch",
            "ansible.builtin.file",
            "ansible.builtin.get_url",
            "ansible.builtin.git",
            "ansible.builtin.known_hosts",
            "ansible.builtin.lineinfile",
            "ansible.builtin.replace",
            "ansible.builtin.subversion",
            "ansible.builtin.tempfile",
            "ansible.builtin.template",
            "ansible.builtin.unarchive",
            "ansible.posix.acl",
            "ansible.posix.patch",
            "ansible.posix.synchronize",
            "community.general.archive",
            "community.general.ini_file",
            "community.general.xml",
            "community.crypto.openssh_keypair",
        ),
        Tier.T1,
    ),
    # T2: stateful system changes
    **dict.fromkeys(
        (
            "ansible.builtin.apt",
            "ansible.builtin.apt_key",
            "ansible.builtin.apt_repository",
            "ansible.builtin.cron",
            "ansible.builtin.deb822_repository",
            "ansible.builtin.debconf",
            "ansible.builtin.dnf",
            "ansible.builtin.dnf5",
            "ansible.builtin.dpkg_selections",
            "ansible.builtin.group",
            "ansible.builtin.hostname",
            "ansible.builtin.iptables",
            "ansible.builtin.package",
            "ansible.builtin.pip",
            "ansible.builtin.rpm_key",
            "ansible.builtin.service",
            "ansible.builtin.systemd",
            "ansible.builtin.systemd_service",
            "ansible.builtin.sysvinit",
            "ansible.builtin.user",
            "ansible.builtin.yum_repository",
            "ansible.posix.at",
            "ansible.posix.authorized_key",
            "ansible.posix.firewalld",
            "ansible.posix.mount",
            "ansible.posix.seboolean",
            "ansible.posix.selinux",
            "ansible.posix.sysctl",
            "community.general.alternatives",
            "community.general.capabilities",
            "community.general.kernel_blacklist",
            "community.general.locale_gen",
            "community.general.lvg",
            "community.general.lvol",
            "community.general.modprobe",
            "community.general.nmcli",
            "community.general.timezone",
            "community.general.ufw",
            "community.general.zfs",
        ),
        Tier.T2,
    ),
    **dict.fromkeys(EXEC_MODULES, Tier.T2),
    # T3: irreversible
    **dict.fromkeys(
        (
            "ansible.builtin.reboot",
            "community.general.filesystem",
            "community.general.parted",
            "community.general.sudoers",
            "community.general.pam_limits",
            "community.general.pamd",
            "community.general.shutdown",
        ),
        Tier.T3,
    ),
}

# States that destroy data. Per module where the table knows better; any other module with one of these is T3.
DESTRUCTIVE_STATES = frozenset({"absent", "purged", "deleted", "removed", "destroyed", "wiped", "flushed"})
_STATE_TIERS: dict[str, dict[str, Tier]] = {
    "ansible.builtin.apt": {"absent": Tier.T2},
    "ansible.builtin.dnf": {"absent": Tier.T2, "removed": Tier.T2},
    "ansible.builtin.dnf5": {"absent": Tier.T2, "removed": Tier.T2},
    "ansible.builtin.package": {"absent": Tier.T2, "removed": Tier.T2},
    "ansible.builtin.pip": {"absent": Tier.T2},
    "ansible.builtin.cron": {"absent": Tier.T2},
    "ansible.builtin.group": {"absent": Tier.T2},
    "ansible.builtin.apt_repository": {"absent": Tier.T2},
    "ansible.builtin.apt_key": {"absent": Tier.T2},
    "ansible.builtin.rpm_key": {"absent": Tier.T2},
    "ansible.builtin.yum_repository": {"absent": Tier.T2},
    "ansible.builtin.deb822_repository": {"absent": Tier.T2},
    "ansible.builtin.known_hosts": {"absent": Tier.T1},
    "ansible.builtin.lineinfile": {"absent": Tier.T1},
    "ansible.builtin.blockinfile": {"absent": Tier.T1},
    "ansible.posix.mount": {"absent": Tier.T2},
    "ansible.posix.firewalld": {"absent": Tier.T2},
    "ansible.posix.acl": {"absent": Tier.T1},
    "ansible.posix.sysctl": {"absent": Tier.T2},
    "community.general.ufw": {"absent": Tier.T2},
}

# Modules that honour --check: under it they change nothing, and run no program a task's options choose (they may
# read state with the fixed system programs they always use, as the fact modules do). Per module, two option sets
# held to what the module really does under check mode (tests/integration/test_check_mode_honesty.py runs them):
# ``quiet`` lists options of a program-running kind that the module does NOT run under check mode (command's own
# command, copy's validate); every other program-running option makes the task a real run. ``loud`` lists options
# that make the module run or write something under check mode anyway (assemble's backup and validate run before
# its check-mode test). Anything else under --check is a real run: git (ls-remote with the author's ssh options),
# script and raw (they execute), unarchive, pip with an executable.
_QUIET_VALIDATE = frozenset({"validate"})
CHECK_MODE_HONEST: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "ansible.builtin.apt": (frozenset(), frozenset()),
    "ansible.builtin.apt_key": (frozenset(), frozenset()),
    "ansible.builtin.apt_repository": (frozenset(), frozenset()),
    "ansible.builtin.assemble": (frozenset(), frozenset({"backup", "validate"})),
    "ansible.builtin.blockinfile": (_QUIET_VALIDATE, frozenset()),
    "ansible.builtin.command": (frozenset({"_raw_params", "cmd", "argv"}), frozenset()),
    "ansible.builtin.copy": (_QUIET_VALIDATE, frozenset()),
    "ansible.builtin.cron": (frozenset({"job", "value"}), frozenset()),
    "ansible.builtin.debconf": (frozenset(), frozenset()),
    "ansible.builtin.dnf": (frozenset(), frozenset()),
    "ansible.builtin.dnf5": (frozenset(), frozenset()),
    "ansible.builtin.file": (frozenset(), frozenset()),
    "ansible.builtin.get_url": (frozenset(), frozenset()),
    "ansible.builtin.group": (frozenset(), frozenset()),
    "ansible.builtin.hostname": (frozenset(), frozenset()),
    "ansible.builtin.known_hosts": (frozenset(), frozenset()),
    "ansible.builtin.lineinfile": (_QUIET_VALIDATE, frozenset()),
    "ansible.builtin.package": (frozenset(), frozenset()),
    "ansible.builtin.pip": (frozenset(), frozenset()),
    "ansible.builtin.replace": (_QUIET_VALIDATE, frozenset()),
    "ansible.builtin.service": (frozenset(), frozenset()),
    "ansible.builtin.shell": (frozenset({"_raw_params", "cmd", "executable"}), frozenset()),
    "ansible.builtin.systemd": (frozenset(), frozenset()),
    "ansible.builtin.systemd_service": (frozenset(), frozenset()),
    "ansible.builtin.sysvinit": (frozenset(), frozenset()),
    "ansible.builtin.template": (_QUIET_VALIDATE, frozenset()),
    "ansible.builtin.user": (frozenset(), frozenset()),
    "ansible.builtin.yum_repository": (frozenset(), frozenset()),
    # Collection modules whose options the gate does not table (they are not installed where the table is tested):
    # kept honest as before because none of their documented options (ansible.posix 1.x and 2.x) names a program.
    "ansible.posix.authorized_key": (frozenset(), frozenset()),
    "ansible.posix.mount": (frozenset(), frozenset()),
    "ansible.posix.sysctl": (frozenset(), frozenset()),
    # Modules whose documentation declares check_mode support full or partial and that run no program of the
    # task's choosing (tests/unit/plugins/plugin_utils/policy/test_check_mode_support.py holds each entry to the
    # module's own documented attributes where the collection is installed).
    "community.crypto.openssh_keypair": (frozenset(), frozenset()),
    "community.general.pam_limits": (frozenset(), frozenset()),
    "community.general.pamd": (frozenset(), frozenset()),
    "community.general.timezone": (frozenset(), frozenset()),
}

# Modules with a ``mode`` option that sets a file's permissions: world-writable or setuid/setgid is T3.
MODE_MODULES = frozenset(
    {
        "ansible.builtin.assemble",
        "ansible.builtin.blockinfile",
        "ansible.builtin.copy",
        "ansible.builtin.file",
        "ansible.builtin.get_url",
        "ansible.builtin.lineinfile",
        "ansible.builtin.replace",
        "ansible.builtin.template",
        "ansible.builtin.unarchive",
        "community.general.ini_file",
    }
)
ATTRIBUTE_OPTIONS = frozenset(
    {"path", "dest", "name", "mode", "owner", "group", "state", "seuser", "serole", "setype", "selevel",
     "attributes", "attr", "follow", "unsafe_writes", "access_time", "modification_time",
     "access_time_format", "modification_time_format", "_original_basename"}
)  # fmt: skip


# Argument names whose values are command lines run on the target later (cron jobs, at jobs, expect commands).
COMMAND_ARGS = ("_raw_params", "cmd", "command", "job", "argv")
PATH_ARGS = ("path", "dest", "name", "src", "file", "creates", "removes")

# Environment variables that make an otherwise harmless task run other code on the target.
CODE_ENV_VARS = frozenset(
    {
        "BASH_ENV",
        "ENV",
        "LD_AUDIT",
        "LD_LIBRARY_PATH",
        "LD_PRELOAD",
        "NODE_OPTIONS",
        "PATH",
        "PERL5LIB",
        "PERL5OPT",
        "PERLLIB",
        "PROMPT_COMMAND",
        "PS4",
        "PYTHONHOME",
        "PYTHONINSPECT",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "RUBYLIB",
        "RUBYOPT",
        "SHELLOPTS",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_EXEC_PATH",
        "GIT_CONFIG_PARAMETERS",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "SUDO_ASKPASS",
        "SSH_ASKPASS",
        "LESSOPEN",
        "MANPAGER",
        "PYTHONWARNINGS",
        "PYTHONUSERBASE",
        "PYTHONEXECUTABLE",
        "PYTHONBREAKPOINT",
        "BROWSER",
        "GIT_CONFIG",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_COUNT",
        "GIT_ASKPASS",
        "GIT_PAGER",
        "GIT_EDITOR",
        "GIT_PROXY_COMMAND",
        "GIT_TEMPLATE_DIR",
        "HOME",
        "XDG_CONFIG_HOME",
        "ZDOTDIR",
        "OPENSSL_CONF",
        "OPENSSL_ENGINES",
        "GCONV_PATH",
        "HOSTALIASES",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "SYSTEMD_PAGER",
        "SYSTEMD_EDITOR",
    }
)

# Environment variables known to change nothing about what code runs: locale, time zone, terminal, proxies and
# the non-interactive switches of package managers. Every other name in ``environment:`` rounds the task up to T2
# (an allowlist: PYTHONWARNINGS with BROWSER, PYTHONUSERBASE, GIT_CONFIG_* and names nobody has thought of yet
# load code too). ``LC_*`` are locale categories.
INERT_ENV_VARS = frozenset(
    {
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "TZ",
        "TERM",
        "COLORTERM",
        "NO_COLOR",
        "COLUMNS",
        "LINES",
        "http_proxy",
        "https_proxy",
        "ftp_proxy",
        "no_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "FTP_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "DEBIAN_FRONTEND",
        "DEBCONF_NONINTERACTIVE_SEEN",
        "NEEDRESTART_MODE",
        "NEEDRESTART_SUSPEND",
        "APT_LISTCHANGES_FRONTEND",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_NO_INPUT",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "SYSTEMD_COLORS",
    }
)
_INERT_ENV_PREFIXES = ("LC_",)


def inert_env_var(name: str) -> bool:
    """True for an environment variable on the inert allowlist (exact name, or a ``LC_*`` locale category)."""
    return name in INERT_ENV_VARS or (name.startswith(_INERT_ENV_PREFIXES) and name[3:].replace("_", "").isalpha())


MODULE_DATA: Mapping[str, object] = {
    "base": {name: int(tier) for name, tier in sorted(_BASE.items())},
    "states": {name: {k: int(v) for k, v in sorted(states.items())} for name, states in sorted(_STATE_TIERS.items())},
    "destructive_states": sorted(DESTRUCTIVE_STATES),
    "check_mode_honest": {
        name: {"quiet": sorted(quiet), "loud": sorted(loud)}
        for name, (quiet, loud) in sorted(CHECK_MODE_HONEST.items())
    },
    "inert_env_vars": sorted(INERT_ENV_VARS),
    "inert_env_prefixes": list(_INERT_ENV_PREFIXES),
    "exec": sorted(EXEC_MODULES),
    "control": sorted(CONTROL_MODULES),
    "command_args": list(COMMAND_ARGS),
    "path_args": list(PATH_ARGS),
    "code_env_vars": sorted(CODE_ENV_VARS),
    "mode_modules": sorted(MODE_MODULES),
    "attribute_options": sorted(ATTRIBUTE_OPTIONS),
    "no_privilege_floor": sorted(CONTROL_MODULES),
}


def canonical_action(action: str) -> str:
    """``ansible.legacy.X`` runs builtin X (adjacent overrides are refused before the run), short names likewise."""
    if action.startswith("ansible.legacy."):
        return "ansible.builtin." + action[len("ansible.legacy.") :]
    if "." not in action:
        return "ansible.builtin." + action
    return action


def base_tier(action: str) -> Tier | None:
    """The table's tier, or None for a module the table does not know."""
    return _BASE.get(action)


def state_tier(action: str, args: Mapping[str, Any]) -> tuple[Tier, str] | None:
    """The tier a destructive ``state`` implies, with the reason, or None."""
    collection = _collections.state_tier(action, args, builtin=action in _BASE)
    if collection is not None:
        return collection
    state = args.get("state")
    if not isinstance(state, str) or state.lower() not in DESTRUCTIVE_STATES:
        return None
    state = state.lower()
    known = _STATE_TIERS.get(action, {})
    if state in known:
        return known[state], f"state={state}"
    if action == "ansible.builtin.file":
        path = first_path(args)
        if path is not None and is_temp_path(path):
            return Tier.T1, "state=absent under a temporary directory"
        return Tier.T3, "state=absent deletes data irreversibly"
    if action == "ansible.builtin.user":
        return Tier.T3, "removing an account is irreversible (uid reuse, files, mail)"
    return Tier.T3, f"destructive state={state}"


def option_tier(action: str, args: Mapping[str, Any]) -> tuple[Tier, str] | None:
    """Options that make a known module destructive or execute-capable."""
    if action == "ansible.builtin.git" and _truthy(args.get("force")):
        return Tier.T3, "git force=true discards local changes"
    if action == "ansible.builtin.apt" and _truthy(args.get("purge")):
        return Tier.T3, "apt purge=true deletes configuration"
    if action == "ansible.builtin.user" and (_truthy(args.get("remove")) or _truthy(args.get("force"))):
        return Tier.T3, "user remove/force deletes the home directory"
    if action == "ansible.posix.synchronize" and _truthy(args.get("delete")):
        return Tier.T3, "synchronize delete=true removes files on the target"
    if action == "ansible.builtin.uri":
        method = str(args.get("method", "GET")).upper()
        if method not in ("GET", "HEAD", "OPTIONS"):
            return Tier.T2, f"uri method {method} can change remote state"
        if args.get("dest"):
            return Tier.T1, "uri dest writes a file"
    if action in ("ansible.builtin.command", "ansible.builtin.shell") and args.get("stdin"):
        return Tier.T2, "stdin is fed to the command"
    return None


def first_path(args: Mapping[str, Any]) -> str | None:
    for key in ("path", "dest", "name"):
        value = args.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def iter_strings(value: Any, *, max_items: int = 500, max_depth: int = 8) -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with a dotted key path, bounded so hostile structures stay cheap."""
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    seen = 0
    while stack:
        key, item, depth = stack.pop()
        if seen >= max_items:
            yield "<bound>", "<more values than the gate inspects>"
            return
        if isinstance(item, str):
            seen += 1
            yield key, item
        # the exact type first: the ABC check costs more
        elif type(item) is dict or isinstance(item, Mapping):  # pylint: disable=unidiomatic-typecheck
            if depth >= max_depth:
                yield key, "<nested deeper than the gate inspects>"
                continue
            for sub_key, sub in item.items():
                stack.append((f"{key}.{sub_key}" if key else str(sub_key), sub, depth + 1))
        elif isinstance(item, list | tuple):
            if depth >= max_depth:
                yield key, "<nested deeper than the gate inspects>"
                continue
            for index, sub in enumerate(item):
                stack.append((f"{key}[{index}]", sub, depth + 1))


def truthy(value: Any) -> bool:
    """Ansible's boolean spellings read as True; anything else (missing, false-like, odd) as False."""
    return _truthy(value)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y")
