# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Connection, shell and become options: the injection surface args do not show.

A task's arguments can be harmless while its *connection* runs a command on the controller (``-o ProxyCommand``),
loads a library into ssh (``PKCS11Provider``), replaces the remote command (``RemoteCommand``), turns host-key
checking off, or smuggles shell syntax into ``become_flags`` or ``ansible_remote_tmp``. These options come from
inventory and play variables, so they are untrusted. The rule is an allowlist: every ssh option and flag we accept
is named here with a validator; anything else is refused, so a new dangerous option is refused by default.

Security constraints: SEC-1, SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..core.models import normalise_host_type
from ._commands import Finding

__all__ = ["ALLOWED_CONNECTIONS", "CONNOPTS_DATA", "connection_findings", "target_problems"]

INJECTION = "deny.connection-injection"
HOST_KEY = "deny.host-key-policy"
PLUGIN = "deny.connection-plugin"
TALOS = "deny.talos-ssh"

GATEKEEPER_SSH = "praxis.gatekeeper.ssh"
TALOSCTL = "praxis.gatekeeper.talosctl"
LOCAL = "ansible.builtin.local"
ALLOWED_CONNECTIONS = frozenset(
    {"ansible.builtin.ssh", LOCAL, "ansible.builtin.paramiko_ssh", GATEKEEPER_SSH, TALOSCTL}
)
_SSH_LIKE = frozenset({"ansible.builtin.ssh", "ansible.builtin.paramiko_ssh", GATEKEEPER_SSH})
# A Talos node has no shell and no SSH: only controller-side work reaches it (talosctl, or a local task).
_TALOS_CONNECTIONS = frozenset({TALOSCTL, LOCAL})

_HOSTNAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$")
_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\$?$")
_PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./+@~-]+$")
_TMP_PATH = re.compile(r"^(?!-)(?:\$HOME|~[A-Za-z0-9_.-]*)?[A-Za-z0-9_./+@-]*$")
_CONTROL_PATH = re.compile(r"^[A-Za-z0-9_./%~@+:=()-]+$")  # "%(directory)s/%%h-%%r" is Ansible's own syntax
_FLAGS = re.compile(r"^[A-Za-z0-9 _=.,:/+-]*$")
_INTERPRETER = re.compile(r"^(?:/usr/bin/env +)?(?!-)[A-Za-z0-9_./+-]+$")
_KEY_FILE = re.compile(r"^[^\x00-\x1f\"'`$;|&<>\\]+$")
_ALGOS = re.compile(r"^[A-Za-z0-9@.,+_-]+$")
_WORD = re.compile(r"^[A-Za-z0-9_.-]+$")
_TALOSCONFIG = re.compile(r"^(?!-)[A-Za-z0-9_./+@~-]+$")
_CONTEXT = re.compile(r"^(?!-)[A-Za-z0-9_.@-]+$")
# Only locale and terminal variables may be sent: a wildcard (SendEnv *) would hand the controller's whole
# environment (cloud credentials included) to whatever host the inventory names.
_SEND_ENV_NAME = r"(?:LANG|LANGUAGE|TERM|COLORTERM|TZ|LC_[A-Z_*?]*)"
_SEND_ENV = re.compile(rf"^{_SEND_ENV_NAME}(?: +{_SEND_ENV_NAME})*$")
# Patterns are always applied with fullmatch(): with match(), "$" also matches before a trailing newline.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_INTERPRETER_KEYWORDS = frozenset({"auto", "auto_silent", "auto_legacy", "auto_legacy_silent"})
_TRANSFER_METHODS = frozenset({"smart", "sftp", "scp", "piped"})
# ansible-core's boolean() spellings; anything else is treated as "not clearly true/false" and refused.
_BOOL_TRUE = frozenset({"y", "yes", "on", "1", "true", "t", "1.0"})
_BOOL_FALSE = frozenset({"n", "no", "off", "0", "false", "f", "0.0"})


def _yes_no(*allowed: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value.lower() in allowed else f"only {', '.join(allowed)} accepted"

    return check


def _control_path(value: str) -> str | None:
    """A master socket path must name the host it serves (%C, or %h), or a task judged for one host could ride
    another host's existing ssh master and run there."""
    if not _CONTROL_PATH.fullmatch(value):
        return "not a plain control path"
    if "%C" not in value and "%h" not in value and "%%C" not in value and "%%h" not in value:
        return "must contain %C or %h so it cannot reuse another host's master connection"
    return None


def _matches(pattern: re.Pattern[str], what: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if pattern.fullmatch(value) else f"not a plain {what}"

    return check


def _known_hosts(value: str) -> str | None:
    paths = value.split()
    if not paths or any(_not_a_known_hosts_file(p) for p in paths):
        return "known_hosts must be a real file (strict host-key policy)"
    return None


def _not_a_known_hosts_file(path: str) -> bool:
    if path == "none" or not _PLAIN_PATH.fullmatch(path):
        return True
    normal = posixpath.normpath(path)
    return normal.startswith(("/dev/", "/proc/")) or normal == "/dev"


def _proxy_jump(value: str) -> str | None:
    """``[user@]host[:port]`` hops (or ``ssh://`` URIs), comma-separated, or ``none``.

    The user part matters as much as the host: OpenSSH turns ProxyJump into a ProxyCommand that a shell runs.
    """
    if value.lower() == "none":
        return None
    for hop in value.split(","):
        problem = _jump_hop_problem(hop)
        if problem:
            return f"not a plain jump host: {hop[:60]!r} ({problem})"
    return None


def _jump_hop_problem(hop: str) -> str | None:
    if hop.startswith("-"):
        return "starts with '-'"
    rest = hop[len("ssh://") :] if hop.startswith("ssh://") else hop
    user, at, hostport = rest.rpartition("@")
    if at and not _USER.fullmatch(user):
        return "user"
    if hostport.startswith("["):
        host, closed, tail = hostport[1:].partition("]")
        if not closed or (tail and not tail.startswith(":")):
            return "address"
        port, has_port = tail[1:], bool(tail)
    else:
        host, colon, port = hostport.partition(":")
        has_port = bool(colon)
    if not _valid_host(host):
        return "host"
    if has_port and _number(port):
        return "port"
    return None


# Compiled once at import, in the controller: a pattern compiled at its call site is compiled again in every
# forked worker, that is for every task and host (a fork inherits only the parent's warm re cache).
_DURATION = re.compile(r"[0-9]+[smhdw]?|yes|no")


def _number(value: str) -> str | None:
    return None if value.isascii() and value.isdigit() else "not a number"


def _duration(value: str) -> str | None:
    return None if _DURATION.fullmatch(value.lower()) else "not a duration"


_ALLOWED_SSH_OPTIONS: dict[str, Callable[[str], str | None]] = {
    "addressfamily": _yes_no("any", "inet", "inet6"),
    "batchmode": _yes_no("yes", "no"),
    "bindaddress": _matches(_HOSTNAME, "address"),
    "casignaturealgorithms": _matches(_ALGOS, "algorithm list"),
    "certificatefile": _matches(_PLAIN_PATH, "path"),
    "challengeresponseauthentication": _yes_no("yes", "no"),
    "checkhostip": _yes_no("yes", "no"),
    "ciphers": _matches(_ALGOS, "cipher list"),
    "clearallforwardings": _yes_no("yes"),
    "compression": _yes_no("yes", "no"),
    "connectionattempts": _number,
    "connecttimeout": _number,
    "controlmaster": _yes_no("auto", "autoask", "yes", "no", "ask"),
    "controlpath": _control_path,
    "controlpersist": _duration,
    "escapechar": _yes_no("none", "~"),
    "exitonforwardfailure": _yes_no("yes", "no"),
    "forwardagent": _yes_no("no"),
    "forwardx11": _yes_no("no"),
    "globalknownhostsfile": _known_hosts,
    "gssapiauthentication": _yes_no("yes", "no"),
    "gssapidelegatecredentials": _yes_no("no"),
    "hashknownhosts": _yes_no("yes", "no"),
    "hostkeyalgorithms": _matches(_ALGOS, "algorithm list"),
    "hostkeyalias": _matches(_HOSTNAME, "host name"),
    "identitiesonly": _yes_no("yes", "no"),
    "identityagent": _matches(_PLAIN_PATH, "path"),
    "identityfile": _matches(_PLAIN_PATH, "path"),
    "ipqos": _matches(_ALGOS, "qos value"),
    "kbdinteractiveauthentication": _yes_no("yes", "no"),
    "kexalgorithms": _matches(_ALGOS, "algorithm list"),
    "loglevel": _matches(_WORD, "log level"),
    "macs": _matches(_ALGOS, "mac list"),
    "numberofpasswordprompts": _number,
    "passwordauthentication": _yes_no("yes", "no"),
    "port": _number,
    "preferredauthentications": _matches(_ALGOS, "method list"),
    "proxyjump": _proxy_jump,
    "pubkeyacceptedalgorithms": _matches(_ALGOS, "algorithm list"),
    "pubkeyacceptedkeytypes": _matches(_ALGOS, "algorithm list"),
    "pubkeyauthentication": _yes_no("yes", "no", "unbound", "host-bound"),
    "rekeylimit": _matches(re.compile(r"^[0-9A-Za-z ]+$"), "rekey limit"),
    "requesttty": _yes_no("yes", "no", "force", "auto"),
    "sendenv": _matches(_SEND_ENV, "locale/terminal variable list"),
    "serveraliveinterval": _number,
    "serveralivecountmax": _number,
    "stricthostkeychecking": _yes_no("yes"),
    "tcpkeepalive": _yes_no("yes", "no"),
    "updatehostkeys": _yes_no("yes", "no", "ask"),
    "user": _matches(_USER, "user name"),
    "userknownhostsfile": _known_hosts,
    "verifyhostkeydns": _yes_no("yes", "no"),
}
_HOST_KEY_OPTIONS = frozenset({"stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile"})
# Flags without a value, and flags that take one (validated).
_BARE_FLAGS = frozenset("46CqvTtnNxkgaMsfGV")
_REFUSED_BARE = {
    "A": "agent forwarding exposes the controller's keys",
    "K": "GSSAPI credential delegation exposes the controller's credentials",
    "X": "X11 forwarding",
    "Y": "X11 forwarding",
}
# scp and sftp read the same flags as ssh, except these, which run a program on the controller.
_REFUSED_BY_OPTION: dict[str, dict[str, str]] = {
    "scp_extra_args": {"S": "scp -S runs the given program instead of ssh"},
    "sftp_extra_args": {
        "S": "sftp -S runs the given program instead of ssh",
        "D": "sftp -D runs a local sftp server program",
    },
}
_VALUE_FLAGS: dict[str, Callable[[str], str | None]] = {
    "p": _number,
    "l": _matches(_USER, "user name"),
    "i": _matches(_PLAIN_PATH, "path"),
    "c": _matches(_ALGOS, "cipher list"),
    "m": _matches(_ALGOS, "mac list"),
    "b": _matches(_HOSTNAME, "address"),
    "S": _control_path,
    "J": _proxy_jump,
    "F": lambda v: None if v == "/dev/null" else "an ssh config file can carry ProxyCommand/LocalCommand",
}

CONNOPTS_DATA: Mapping[str, object] = {
    "connections": sorted(ALLOWED_CONNECTIONS),
    "ssh_options": sorted(_ALLOWED_SSH_OPTIONS),
    "bare_flags": sorted(_BARE_FLAGS),
    "value_flags": sorted(_VALUE_FLAGS),
    "patterns": [
        p.pattern
        for p in (
            _HOSTNAME,
            _USER,
            _PLAIN_PATH,
            _TMP_PATH,
            _CONTROL_PATH,
            _FLAGS,
            _INTERPRETER,
            _KEY_FILE,
            _ALGOS,
            _TALOSCONFIG,
            _CONTEXT,
        )
    ],
    "talos_connections": sorted(_TALOS_CONNECTIONS),
}


def _valid_host(host: str) -> bool:
    if not host or host.startswith("-"):
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host))


def _ssh_arg_findings(option: str, text: str) -> list[Finding]:
    try:
        words = shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        return [Finding(INJECTION, f"{option}: cannot be parsed safely ({exc})")]
    refused = {**_REFUSED_BARE, **_REFUSED_BY_OPTION.get(option, {})}
    findings: list[Finding] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            findings.append(Finding(INJECTION, f"{option}: unexpected argument {word[:60]!r}"))
            continue
        # Flags cluster the way ssh's getopt reads them: "-Co ControlMaster=auto", "-p22", "-vvv".
        flags = word[1:]
        for position, flag in enumerate(flags):
            if flag in refused:
                findings.append(Finding(INJECTION, f"{option}: -{flag} refused ({refused[flag]})"))
                break
            if flag == "o" or flag in _VALUE_FLAGS:
                value = flags[position + 1 :]
                if not value:
                    if index >= len(words):
                        findings.append(Finding(INJECTION, f"{option}: -{flag} without a value"))
                        break
                    value = words[index]
                    index += 1
                if flag == "o":
                    findings.extend(_ssh_option_findings(option, value))
                else:
                    problem = _VALUE_FLAGS[flag](value)
                    if problem:
                        findings.append(Finding(INJECTION, f"{option}: -{flag} {value[:60]!r}: {problem}"))
                break
            if flag not in _BARE_FLAGS:
                findings.append(Finding(INJECTION, f"{option}: ssh flag -{flag} is not on the allowlist"))
                break
    return findings


def _ssh_option_findings(option: str, assignment: str) -> list[Finding]:
    key, sep, value = assignment.partition("=")
    if not sep:
        key, _separator, value = assignment.strip().partition(" ")
    key, value = key.strip().lower(), value.strip().strip('"')
    validator = _ALLOWED_SSH_OPTIONS.get(key)
    rule = HOST_KEY if key in _HOST_KEY_OPTIONS else INJECTION
    if validator is None:
        return [Finding(INJECTION, f"{option}: ssh option {key[:40]!r} is not on the allowlist")]
    if _CONTROL_CHARS.search(assignment):
        # ssh reads newlines and tabs as separators: what follows would be a word we never validated.
        return [Finding(rule, f"{option}: {key}: control characters in the option ({assignment[:40]!r})")]
    problem = validator(value)
    return [Finding(rule, f"{option}: {key}={value[:60]!r}: {problem}")] if problem else []


def _check(
    findings: list[Finding], options: Mapping[str, Any], name: str, validate: Callable[[str], str | None]
) -> None:
    value = options.get(name)
    if value is None or value == "":
        return
    problem = validate(str(value))
    if problem:
        findings.append(Finding(INJECTION, f"{name}={str(value)[:60]!r}: {problem}"))


def _talos_selection_findings(options: Mapping[str, Any]) -> list[Finding]:
    """A Talos host's node, endpoints, context and talosconfig become talosctl options: each must be a plain value
    that talosctl cannot read as another option or as several values."""
    findings: list[Finding] = []
    host = options.get("host")
    nodes = str(host).split(",") if host not in (None, "") else []
    if any(not _valid_host(node.strip().strip("[]")) for node in nodes):
        findings.append(Finding(INJECTION, f"Talos node {str(host)[:60]!r} is not a plain host name or address"))
    endpoints = options.get("endpoints")
    listed = endpoints if isinstance(endpoints, list | tuple) else str(endpoints or "").split(",")
    for endpoint in listed:
        text = str(endpoint).strip()
        if text and (_jump_hop_problem(text) is not None or "@" in text):
            findings.append(Finding(INJECTION, f"Talos endpoint {text[:60]!r} is not a plain host[:port]"))
    _check(findings, options, "context", _matches(_CONTEXT, "talosconfig context name"))
    _check(findings, options, "talosconfig", _matches(_TALOSCONFIG, "talosconfig path"))
    return findings


def _executable(expected: Iterable[str]) -> Callable[[str], str | None]:
    names = frozenset(expected)

    def check(value: str) -> str | None:
        if not _PLAIN_PATH.fullmatch(value):
            return "not a plain executable path"
        if "/" in value and posixpath.normpath(value) != value:
            return "not a normalised path (no '.', '..' or '//' components)"
        if value.rsplit("/", 1)[-1] not in names:
            return f"must be one of {', '.join(sorted(names))} (or a path to one)"
        if "/" in value and not value.startswith(("/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/sbin/", "/sbin/")):
            return "must live in a system binary directory"
        return None

    return check


def target_problems(host: object, port: object, user: object) -> list[str]:
    """Why an SSH target could be read as something other than a host, a port and a user (an option such as
    ``-oProxyCommand=...``, whitespace or control characters that split or end an option); empty when plain."""
    problems: list[str] = []
    if host in (None, "") or not _valid_host(str(host).strip("[]")) or _CONTROL_CHARS.search(str(host)):
        problems.append(f"host {str(host)[:60]!r} is not a plain host name or address")
    if port not in (None, "") and not (_number(str(port)) is None and 0 < int(str(port)) < 65536):
        problems.append(f"port {str(port)[:20]!r} is not a TCP port")
    if user not in (None, "") and not _USER.fullmatch(str(user)):
        problems.append(f"user {str(user)[:40]!r} is not a plain user name")
    return problems


def connection_findings(
    *,
    connection: str,
    host_type: str,
    options: Mapping[str, Any],
    allowed: Iterable[str] = (),
    trusted_interpreters: Iterable[str] = (),
) -> list[Finding]:
    """Findings (all deny-class) for one task's connection surface; empty when everything is on the allowlist.

    ``options`` is flat: connection plugin options plus ``become_*``, shell options (``remote_tmp``,
    ``async_dir``...), ``executable`` (the shell) and ``python_interpreter``. ``allowed``: the operator's own
    connection list (the policy file's ``connections``), which can only narrow the built-in allowlist.
    ``trusted_interpreters``: interpreter paths the operator trusts (settings ``interpreters``).

    Every task on a host presents the same surface, so verdicts are memoised by the exact surface (when every
    option value is hashable; anything else is checked afresh).
    """
    operator = tuple(sorted(allowed))
    trusted = tuple(trusted_interpreters)
    try:
        # An exact memo key: every value with its class (True, 1 and 1.0 are equal in Python; their verdicts need
        # not be). Hashed once, by the lookup itself; a value that cannot be a key is checked afresh.
        key = (connection, host_type, tuple(options.items()), tuple(map(type, options.values())), operator, trusted)
        known = _SURFACES.get(key)
    except TypeError:
        return _connection_findings(connection, host_type, options, operator, trusted)
    if known is None:
        known = tuple(_connection_findings(connection, host_type, dict(key[2]), operator, trusted))
        if len(_SURFACES) >= _SURFACES_LIMIT:
            _SURFACES.clear()
        _SURFACES[key] = known
    return list(known)


_SURFACES_LIMIT = 512  # distinct connection surfaces remembered (then forgotten all at once)
_SURFACES: dict[tuple[Any, ...], tuple[Finding, ...]] = {}


def _connection_findings(
    connection: str,
    host_type: str,
    options: Mapping[str, Any],
    operator: tuple[str, ...] = (),
    trusted: tuple[str, ...] = (),
) -> list[Finding]:
    findings: list[Finding] = []
    plugin = connection if "." in connection else f"ansible.builtin.{connection}"
    plugin = plugin.replace("ansible.legacy.", "ansible.builtin.")
    if plugin not in ALLOWED_CONNECTIONS:
        findings.append(
            Finding(
                PLUGIN,
                f"connection plugin {connection[:60]!r} is not on the gate's allowlist "
                f"({', '.join(sorted(ALLOWED_CONNECTIONS))})",
            )
        )
    elif operator and plugin not in operator:
        findings.append(
            Finding(
                PLUGIN,
                f"connection plugin {connection[:60]!r} is not on the operator's connection list "
                f"({', '.join(operator)})",
            )
        )
    talos_host = normalise_host_type(host_type) == "talos"
    if talos_host and plugin not in _TALOS_CONNECTIONS:
        findings.append(
            Finding(
                TALOS,
                f"Talos hosts are never reached over SSH or any shell ({connection[:60]!r}); use "
                f"{TALOSCTL} and the praxis.gatekeeper.talos module",
            )
        )
    if plugin == TALOSCTL:
        if not talos_host:
            findings.append(
                Finding(
                    TALOS,
                    f"{TALOSCTL} reaches Talos nodes only; this host's inventory does not set praxis_host_type: talos",
                )
            )
        findings.extend(_talos_selection_findings(options))
    if plugin in _SSH_LIKE:
        for name in ("ssh_args", "ssh_common_args", "ssh_extra_args", "scp_extra_args", "sftp_extra_args"):
            value = options.get(name)
            if value:
                findings.extend(_ssh_arg_findings(name, str(value)))
        host = options.get("host")
        if host is not None and not _valid_host(str(host).strip("[]")):
            findings.append(Finding(INJECTION, f"host {str(host)[:60]!r} is not a plain host name or address"))
        port = options.get("port")
        if port not in (None, "") and not (_number(str(port)) is None and 0 < int(str(port)) < 65536):
            findings.append(Finding(INJECTION, f"port {str(port)[:20]!r} is not a TCP port"))
        hkc = options.get("host_key_checking")
        if hkc not in (None, "") and str(hkc).strip().lower() not in _BOOL_TRUE:
            # Anything ansible-core may read as false ("f", 0.0, ...) or cannot read at all is refused.
            findings.append(Finding(HOST_KEY, "host_key_checking is off; the gate requires a strict host-key policy"))
        auto_add = options.get("host_key_auto_add")
        if auto_add not in (None, "") and str(auto_add).strip().lower() not in _BOOL_FALSE:
            findings.append(Finding(HOST_KEY, "host_key_auto_add accepts unknown host keys (trust on first use)"))
        if options.get("pkcs11_provider"):
            findings.append(Finding(INJECTION, "pkcs11_provider loads a library into ssh on the controller"))
        if options.get("proxy_command"):
            findings.append(Finding(INJECTION, "proxy_command runs a command on the controller"))
        transfer = options.get("ssh_transfer_method")
        if transfer not in (None, "") and str(transfer) not in _TRANSFER_METHODS:
            findings.append(Finding(INJECTION, f"ssh_transfer_method {str(transfer)[:20]!r} is unknown"))
        _check(findings, options, "ssh_executable", _executable({"ssh"}))
        _check(findings, options, "scp_executable", _executable({"scp"}))
        _check(findings, options, "sftp_executable", _executable({"sftp"}))
        _check(findings, options, "private_key_file", _matches(_KEY_FILE, "key file path"))
        _check(findings, options, "control_path", _control_path)
        _check(findings, options, "control_path_dir", _matches(_TMP_PATH, "directory"))
    _check(findings, options, "remote_user", _matches(_USER, "user name"))
    _check(findings, options, "become_user", _matches(_USER, "user name"))
    _check(findings, options, "become_flags", _matches(_FLAGS, "flag list"))
    _check(
        findings,
        options,
        "become_exe",
        _executable({"sudo", "su", "doas", "pbrun", "pfexec", "dzdo", "ksu", "machinectl", "runas", "pmrun", "sesu"}),
    )
    _check(findings, options, "sudo_chdir", _matches(_TMP_PATH, "directory"))
    _check(findings, options, "remote_tmp", _matches(_TMP_PATH, "directory"))
    _check(findings, options, "async_dir", _matches(_TMP_PATH, "directory"))
    _check(findings, options, "executable", _executable({"sh", "bash", "dash", "zsh", "ksh", "ash"}))
    # Every ansible_<lang>_interpreter replaces a module's shebang interpreter, not just Python's: each must name a
    # known interpreter in a system program directory (or on PATH), or a path the operator trusts.
    for name in sorted(k for k in options if isinstance(k, str) and k.endswith("_interpreter")):
        interpreter = options.get(name)
        if interpreter not in (None, "") and not (
            name == "python_interpreter" and str(interpreter) in _INTERPRETER_KEYWORDS
        ):
            _check(findings, options, name, _known_interpreter(trusted))
    return findings


# Interpreter programs by name (python3, python3.12, perl5.36, ruby3.1, a POSIX shell...).
_INTERPRETER_NAMES: dict[str, str] = {
    "python": r"python|python[23](?:\.[0-9]{1,2})?|platform-python",
    "perl": r"perl(?:5(?:\.[0-9]{1,2}(?:\.[0-9]{1,2})?)?)?",
    "ruby": r"ruby(?:[0-9](?:\.[0-9]{1,2})?)?",
    "powershell": r"pwsh|powershell",
    "shell": r"sh|bash|dash|zsh|ksh",
    "node": r"node|nodejs",
}
_KNOWN_INTERPRETER = re.compile("|".join(f"(?:{pattern})" for pattern in _INTERPRETER_NAMES.values()))
_SYSTEM_PROGRAM_DIRS = ("/usr/bin/", "/bin/", "/usr/local/bin/", "/usr/libexec/", "/opt/homebrew/bin/")
_TRUST_HINT = " (an operator can trust a path: [praxis_gatekeeper] interpreters)"


def _known_interpreter(trusted: tuple[str, ...]) -> Callable[[str], str | None]:
    """A validator: the value names a known interpreter program by name (found on the target's PATH, directly or
    through ``/usr/bin/env``) or by a path in a system program directory, or is a path the operator trusts
    (``interpreters`` in the gate's settings, and the controller's own Python). A script, a wrapper or a program in
    a directory a playbook could have written is not an interpreter. Any known interpreter may stand in for another
    (``ansible_bash_interpreter: /usr/bin/perl`` runs a module, not a payload)."""

    def check(value: str) -> str | None:
        if value in trusted:
            return None
        if not _INTERPRETER.fullmatch(value):
            return "not a plain interpreter path"
        if value.startswith("/usr/bin/env"):
            program = value[len("/usr/bin/env") :].strip()
            return None if _KNOWN_INTERPRETER.fullmatch(program) else f"not a known interpreter{_TRUST_HINT}"
        if "/" in value and posixpath.normpath(value) != value:
            return "not a normalised path (no '.', '..' or '//' components)"
        directory, _separator, program = value.rpartition("/")
        if not _KNOWN_INTERPRETER.fullmatch(program):
            return f"not a known interpreter{_TRUST_HINT}"
        if directory and directory + "/" not in _SYSTEM_PROGRAM_DIRS:
            return f"not in a system program directory{_TRUST_HINT}"
        return None

    return check


def interpreter_data() -> dict[str, object]:
    """The interpreter allowlist as data, for the ruleset fingerprint."""
    return {"names": dict(sorted(_INTERPRETER_NAMES.items())), "dirs": list(_SYSTEM_PROGRAM_DIRS)}
