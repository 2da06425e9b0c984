# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. What PowerShell text does: ``pwsh``/``powershell`` command lines, and the scripts
of ``ansible.windows.win_shell``, ``win_command`` and ``win_powershell``.

Why a parser (tree-sitter's PowerShell grammar, from the ``tree-sitter-powershell`` package) and not bash's
analyser or a regex: PowerShell is another language. ``ri C:\\x -r``, ``& { Stop-Computer }``,
``Microsoft.PowerShell.Management\\Remove-Item``, a pipeline into ``Remove-Item`` and ``[IO.Directory]::Delete()``
all destroy, and none of them is a bash command. The parse tree gives every command (with its parameters), every
script block and every .NET member call; each command is judged by name (aliases resolved), then by its verb:
PowerShell's approved verbs say what a cmdlet does (``Get`` reads, ``Set`` changes, ``Remove``, ``Clear``,
``Uninstall`` and ``Reset`` destroy), and a verb outside the list rounds up. ``-WhatIf`` runs nothing. Native
programs called from PowerShell are judged by the same rules as in a shell, plus the Windows tools that wipe disks
and boot configuration. Code the gate cannot see (``Invoke-Expression $x``, ``& $cmd``, ``Add-Type``,
``[scriptblock]::Create``) and text the grammar cannot parse round up.

``tree-sitter-language-pack`` was the first choice; its 1.x releases download grammars at run time, which a gate
must not do (and cannot, offline), so the single-grammar package is used. Both imports happen on first use.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from ..core.models import Tier
from ._sql import UNKNOWN_WORD

__all__ = [
    "PWSH_DATA",
    "classify_invocation",
    "classify_script",
    "classify_windows_command",
    "deny_invocation",
    "deny_script",
    "deny_windows_command",
]
Finding = tuple[str, str]  # (deny rule, reason), as _commands.Finding holds them

Verdict = tuple[Tier, str]
_MAX_SCRIPT = 256 * 1024
_MAX_DEPTH = 4

# Aliases PowerShell defines (Windows PowerShell and PowerShell 7) for commands this module judges by name.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(("ri", "rm", "rmdir", "del", "erase", "rd"), "remove-item"),
    **dict.fromkeys(("iex",), "invoke-expression"),
    **dict.fromkeys(("icm",), "invoke-command"),
    **dict.fromkeys(("saps", "start"), "start-process"),
    **dict.fromkeys(("clc",), "clear-content"),
    **dict.fromkeys(("cli",), "clear-item"),
    **dict.fromkeys(("clp",), "clear-itemproperty"),
    **dict.fromkeys(("rp",), "remove-itemproperty"),
    **dict.fromkeys(("kill", "spps"), "stop-process"),
    **dict.fromkeys(("spsv",), "stop-service"),
    **dict.fromkeys(("sc", "set-content"), "set-content"),
    **dict.fromkeys(("ni",), "new-item"),
    **dict.fromkeys(("cp", "copy", "cpi"), "copy-item"),
    **dict.fromkeys(("mv", "move", "mi"), "move-item"),
    **dict.fromkeys(("ren", "rni"), "rename-item"),
    **dict.fromkeys(("ls", "dir", "gci"), "get-childitem"),
    **dict.fromkeys(("cat", "gc", "type"), "get-content"),
    **dict.fromkeys(("echo", "write"), "write-output"),
    **dict.fromkeys(("%", "foreach"), "foreach-object"),
    **dict.fromkeys(("?", "where"), "where-object"),
    **dict.fromkeys(("ipmo",), "import-module"),
    **dict.fromkeys(("iwr", "curl", "wget"), "invoke-webrequest"),
    **dict.fromkeys(("irm",), "invoke-restmethod"),
}
# Commands judged by name, before their verb.
_BY_NAME: dict[str, int] = {
    **dict.fromkeys(
        [
            "remove-item",
            "format-volume",
            "clear-disk",
            "initialize-disk",
            "remove-partition",
            "clear-content",
            "clear-item",
            "stop-computer",
            "restart-computer",
            "remove-vm",
            "stop-vm",
            "remove-vmsnapshot",
            "restore-vmsnapshot",
            "remove-vhd",
            "clear-recyclebin",
            "clear-eventlog",
            "remove-eventlog",
            "clear-tpm",
            "restore-computer",
            "checkpoint-computer",
            "remove-bitlockerkeyprotector",
            "disable-bitlocker",
            "suspend-bitlocker",
            "reset-computermachinepassword",
            "add-type",
            "invoke-expression",
        ],
        3,
    ),
    **dict.fromkeys(
        [
            "format-table",
            "format-list",
            "format-wide",
            "format-custom",
            "format-hex",
            "import-csv",
            "import-clixml",
            "import-powershelldatafile",
            "import-localizeddata",
            "where-object",
            "foreach-object",
        ],
        0,
    ),
    **dict.fromkeys(["start-process", "invoke-command", "import-module", "invoke-webrequest", "invoke-restmethod"], 2),
}
_READ_VERBS = frozenset(
    [
        "get",
        "test",
        "find",
        "measure",
        "select",
        "show",
        "read",
        "resolve",
        "compare",
        "convertto",
        "convertfrom",
        "where",
        "sort",
        "group",
        "write",
        "trace",
        "wait",
        "watch",
        "search",
        "debug",
        "ping",
        "format",
        "tee",
        "join",
        "split",
    ]
)
_CHANGE_VERBS = frozenset(
    [
        "set",
        "new",
        "add",
        "copy",
        "move",
        "rename",
        "start",
        "restart",
        "stop",
        "enable",
        "disable",
        "install",
        "update",
        "invoke",
        "register",
        "unregister",
        "import",
        "export",
        "out",
        "push",
        "pop",
        "send",
        "save",
        "checkpoint",
        "suspend",
        "resume",
        "mount",
        "dismount",
        "connect",
        "disconnect",
        "grant",
        "revoke",
        "lock",
        "unlock",
        "block",
        "unblock",
        "approve",
        "deny",
        "protect",
        "unprotect",
        "publish",
        "unpublish",
        "request",
        "sync",
        "complete",
        "edit",
        "expand",
        "compress",
        "initialize",
        "repair",
        "optimize",
        "merge",
        "backup",
        "restore",
        "use",
        "enter",
        "exit",
        "deploy",
        "build",
        "assert",
        "limit",
        "close",
        "open",
        "skip",
        "step",
        "submit",
        "switch",
        "receive",
        "redo",
        "undo",
        "confirm",
        "convert",
    ]
)
_DESTROY_VERBS = frozenset(["remove", "clear", "uninstall", "reset", "erase"])
# .NET members whose call destroys, and calls that load code the gate cannot read.
_DESTROYING_MEMBERS = frozenset(
    [
        "delete",
        "deletesubkeytree",
        "deletesubkey",
        "deletevalue",
        "deletetree",
        "format",
        "win32shutdown",
        "win32shutdowntracker",
        "shutdown",
        "reboot",
        "terminate",
        "destroy",
        "drop",
        "truncate",
        "wipe",
        "clear",
        "remove",
        "removeall",
        "kill",
    ]
)
_CODE_MEMBERS = frozenset({"create", "load", "loadfrom", "loadfile", "invoke", "invokescript", "compileassembly"})

# Windows programs that wipe disks, shadow copies, backups or the boot configuration, by subcommand where they have
# one ({} of tiers with "*" for others, or a tier for the whole program).
_WINDOWS_NATIVES: dict[str, Any] = {
    "format": 3,
    "diskpart": 3,
    "sdelete": 3,
    "sdelete64": 3,
    "bcdedit": {"=": 0, "/enum": 0, "/v": 0, "*": 3},
    "vssadmin": {"list": 0, "*": 3},
    "wbadmin": {"get": 0, "start": 2, "enable": 2, "*": 3},
    "cipher": {"/w": 3, "*": 2},
    "reg": {"query": 0, "export": 0, "add": 2, "import": 2, "copy": 2, "save": 0, "*": 3},
    "net": {"/delete": 3, "stop": 2, "start": 2, "user": 2, "*": 2},
    "sc": {"query": 0, "qc": 0, "delete": 3, "*": 2},
    "wmic": {"delete": 3, "call": 2, "get": 0, "list": 0, "*": 2},
    "manage-bde": {"-status": 0, "-off": 3, "-forcerecovery": 3, "-protectors": 2, "*": 2},
    "fsutil": {"fsinfo": 0, "query": 0, "*": 2},
    "del": 3,
    "erase": 3,
    "rd": 3,
    "rmdir": 3,
    "cmd": {"*": 2},
}


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_powershell  # noqa: PLC0415 - loaded on first use: arming the gate stays cheap
    from tree_sitter import Language, Parser  # noqa: PLC0415

    return Parser(Language(tree_sitter_powershell.language()))


def _text(node: Any) -> str:
    return bytes(node.text).decode("utf-8", "replace")


def _string_value(node: Any) -> str | None:
    """The value of a string literal the gate can read ('...' always; "..." without $ or backtick), else None."""
    inner = node.children[0] if node.type == "string_literal" and node.children else node
    kind = inner.type
    raw = _text(inner)
    if kind == "verbatim_string_characters" and len(raw) >= 2 and raw[0] == "'" and raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    if kind == "expandable_string_literal" and len(raw) >= 2 and "$" not in raw and "`" not in raw:
        return raw[1:-1]
    if kind in ("verbatim_here_string_characters", "expandable_here_string_literal"):
        body = raw.split("\n", 1)[1] if "\n" in raw else ""
        body = body.rsplit("\n", 1)[0]
        return body if kind.startswith("verbatim") or ("$" not in body and "`" not in body) else None
    return None


def _argument(node: Any) -> str:
    """A command element as the gate reads it: its literal text, or the unknown marker."""
    if node.type in ("generic_token", "command_parameter"):
        return _text(node)
    literals = [n for n in _descend(node) if n.type == "string_literal"]
    if len(literals) == 1 and _text(literals[0]) == _text(node).strip():
        value = _string_value(literals[0])
        if value is not None:
            return value
    if re.fullmatch(r"[\w.:\\/-]+", _text(node)) and "$" not in _text(node):
        return _text(node)
    return UNKNOWN_WORD


def _descend(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed(item.children))


def classify_script(text: str, *, depth: int = 0) -> Verdict:
    """The verdict on a PowerShell script (the text of ``-Command``, a ``win_shell`` task, a here-string)."""
    if UNKNOWN_WORD in text:
        return Tier.T3, "PowerShell code that is not statically known"
    if len(text) > _MAX_SCRIPT:
        return Tier.T3, "PowerShell text too large to inspect"
    if depth > _MAX_DEPTH:
        return Tier.T3, "PowerShell nested deeper than the gate reads"
    tree = _parser().parse(text.encode("utf-8", "surrogateescape"))
    if tree.root_node.has_error:
        return Tier.T3, "PowerShell the gate cannot parse"
    functions = {
        _text(child).lower()
        for node in _descend(tree.root_node)
        if node.type == "function_statement"
        for child in node.children
        if child.type == "function_name"
    }
    worst: Verdict = (Tier.T0, "PowerShell that reads")
    commands = 0
    for node in _descend(tree.root_node):
        verdict: Verdict | None = None
        if node.type == "command":
            commands += 1
            if commands > _MAX_DENY_COMMANDS:
                return Tier.T3, f"PowerShell with more than {_MAX_DENY_COMMANDS} commands (the gate reads that many)"
            verdict = _command(node, functions, depth)
        elif node.type == "invokation_expression":
            verdict = _member_call(node)
        if verdict is not None and verdict[0] > worst[0]:
            worst = verdict
            if worst[0] is Tier.T3:
                break
    return worst


def _command(node: Any, functions: set[str], depth: int) -> Verdict | None:
    name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
    elements_node = next((c for c in node.children if c.type == "command_elements"), None)
    elements = [c for c in elements_node.children if c.type != "command_argument_sep"] if elements_node else []
    args = [_argument(e) for e in elements]
    if name_node is None:
        return None
    if name_node.type == "command_name_expr":
        if any(c.type == "script_block_expression" for c in name_node.children):
            return None  # & { ... }: the block's commands are judged where they stand
        literal = next((c for c in name_node.children if c.type == "string_literal"), None)
        name = _string_value(literal) if literal is not None else None
        if name is None:
            return Tier.T3, f"PowerShell runs a command whose name is not statically known ({_text(name_node)[:40]})"
    else:
        name = _text(name_node)
    shown = f"{name} {' '.join(a for a in args if a != UNKNOWN_WORD)}"[:60].strip()
    lower = name.rsplit("\\", 1)[-1].lower()
    lower = lower[:-4] if lower.endswith(".exe") else lower
    if lower in functions:
        return None  # its body is judged where it is defined
    params = {a.lower().rstrip(":") for a in args if a.startswith("-")}
    if "-whatif" in params:
        return Tier.T0, f"PowerShell -WhatIf runs nothing ({shown})"
    cmdlet = _ALIASES.get(lower, lower)
    if cmdlet == "invoke-expression":
        code = next((a for a in args if not a.startswith("-")), UNKNOWN_WORD)
        inner = classify_script(code, depth=depth + 1)
        return max(inner, (Tier.T2, "PowerShell Invoke-Expression runs text as code"), key=lambda v: v[0])
    if cmdlet in _BY_NAME:
        tier = _BY_NAME[cmdlet]
        return Tier(tier), f"PowerShell {cmdlet}: {_LABELS[tier]} ({shown})"
    if lower in ("pwsh", "powershell"):
        return classify_invocation(lower, args, None, "", depth=depth + 1)
    verb, dash, noun = cmdlet.partition("-")
    if dash and noun and re.fullmatch(r"[a-z]+", verb):
        if verb in _DESTROY_VERBS:
            return Tier.T3, f"PowerShell {cmdlet}: {_LABELS[3]} ({shown})"
        if verb in _CHANGE_VERBS:
            return Tier.T2, f"PowerShell {cmdlet}: {_LABELS[2]} ({shown})"
        if verb in _READ_VERBS:
            return Tier.T0, f"PowerShell {cmdlet}: {_LABELS[0]}"
        return Tier.T3, f"PowerShell {cmdlet}: a verb the gate does not know ({shown})"
    return classify_windows_command(lower, args)


def classify_windows_command(name: str, args: Sequence[str]) -> Verdict:
    """A native program run from PowerShell or ``win_command``: the Windows tools here, then the shell rules (the
    lifecycle table included) that judge the same program in a bash task."""
    lower = name.lower().rsplit("\\", 1)[-1].rsplit("/", 1)[-1]
    lower = lower[:-4] if lower.endswith((".exe", ".com")) else lower
    if lower in ("pwsh", "powershell"):
        return classify_invocation(lower, args, None, "") or (Tier.T0, f"{lower} with no command")
    if lower == "cmd":
        code = _cmd_code(args)
        if code is not None:
            worst: Verdict = (Tier.T0, "cmd with no command")
            for segment in re.split(r"&&|\|\||[&|]", code):
                parts = segment.split()
                verdict = classify_windows_command(parts[0], parts[1:]) if parts else worst
                worst = verdict if verdict[0] > worst[0] else worst
            return worst
    if UNKNOWN_WORD in args and lower in _WINDOWS_NATIVES:
        return Tier.T3, f"{lower} with arguments that are not statically known"
    rule = _WINDOWS_NATIVES.get(lower)
    if isinstance(rule, int):
        return Tier(rule), f"{lower}: {_LABELS[rule]}"
    if isinstance(rule, dict):
        lowered = [a.lower() for a in args]
        for word in lowered:
            if word in rule and word not in ("=", "*"):
                return Tier(rule[word]), f"{lower} {word}: {_LABELS[rule[word]]}"
        if not lowered and "=" in rule:
            return Tier(rule["="]), f"{lower}: {_LABELS[rule['=']]}"
        return Tier(rule["*"]), f"{lower} {' '.join(lowered)[:40]}: {_LABELS[rule['*']]}"
    from . import _commands, _shell  # noqa: PLC0415 - _commands reaches this module through _lifecycle

    words = [lower, *(a if a != UNKNOWN_WORD else "$UNKNOWN" for a in args)]
    tier, reasons = _commands.content_tier(_shell.split_argv(words))
    return tier, (reasons[-1].split(": ", 1)[-1] if reasons else f"{lower}: {_LABELS[0]}")


def _cmd_code(args: Sequence[str]) -> str | None:
    for k, word in enumerate(args):
        if word.lower() in ("/c", "/k", "/r"):
            return " ".join(args[k + 1 :])
    return None


def _member_call(node: Any) -> Verdict | None:
    member = next((c for c in node.children if c.type == "member_name"), None)
    if member is None:
        return None
    name = _text(member).lower()
    owner = next((c for c in node.children if c.type == "type_literal"), None)
    owner_text = _text(owner).lower() if owner is not None else ""
    if name in _DESTROYING_MEMBERS:
        return Tier.T3, f"PowerShell calls the .NET member {_text(member)[:30]} (destroys)"
    if name in _CODE_MEMBERS and any(t in owner_text for t in ("scriptblock", "assembly", "powershell", "codedom")):
        return Tier.T3, f"PowerShell loads code the gate cannot read ({owner_text[:30]}::{name})"
    if name == "start" and "process" in owner_text:
        return Tier.T2, "PowerShell starts a process"
    if owner is not None:
        return Tier.T2, f"PowerShell calls {owner_text[:40]}::{name}"
    return None


_LABELS = {0: "reads only", 1: "changes local files", 2: "an ordinary change", 3: "irreversible"}

# pwsh/powershell command-line parameters (matched by unambiguous prefix, as the programs do).
_VALUE_PARAMETERS = [
    "executionpolicy",
    "windowstyle",
    "workingdirectory",
    "inputformat",
    "outputformat",
    "configurationname",
    "version",
    "psconsolefile",
    "settingsfile",
    "custompipename",
    "encodedarguments",
    "configurationfile",
]


def _parameter(word: str) -> str | None:
    """The pwsh parameter a word names (``-c``, ``/Command``, ``-enc``), or None for an argument."""
    if len(word) < 2 or word[0] not in "-/" or word in ("--", "-"):
        return None
    key = word[1:].lower().split(":", 1)[0]
    if key in ("c", "command") or (len(key) >= 3 and "command".startswith(key)):
        return "command"
    if key in ("e", "ec", "en", "enc", "enco") or (len(key) >= 2 and "encodedcommand".startswith(key)):
        return "encodedcommand"
    if key in ("f", "fi", "fil", "file"):
        return "file"
    if key in ("ex", "ep") or (len(key) >= 2 and "executionpolicy".startswith(key)):
        return "executionpolicy"
    for full in _VALUE_PARAMETERS:
        if len(key) >= 2 and full.startswith(key):
            return full
    if key in ("w", "wd", "o", "of", "i", "if", "v"):
        return {
            "w": "windowstyle",
            "wd": "workingdirectory",
            "o": "outputformat",
            "of": "outputformat",
            "i": "inputformat",
            "if": "inputformat",
            "v": "version",
        }[key]
    return "flag"


def classify_invocation(
    tool: str, args: Sequence[str], stdin: str | None, unread_stdin: str, *, depth: int = 0
) -> Verdict | None:
    """The verdict on ``pwsh``/``powershell`` run with ``args``: ``-Command`` text (everything after it),
    ``-EncodedCommand`` (base64 of UTF-16LE), a ``-File`` script the gate cannot read, or commands on stdin."""
    k = 0
    while k < len(args):
        word = args[k]
        if word == UNKNOWN_WORD:
            return Tier.T3, f"{tool} with arguments that are not statically known"
        parameter = _parameter(word)
        if parameter is None:
            if word == "-":
                return _stdin(tool, stdin, unread_stdin, depth)
            if word.lower().endswith(".ps1"):
                return Tier.T2, f"{tool} runs a script the gate cannot read"
            # Windows PowerShell reads a bare argument as -Command, pwsh as -File: round up to the command.
            return _script(tool, " ".join(args[k:]), depth)
        if parameter == "command":
            rest = " ".join(args[k + 1 :])
            if rest.strip() == "-":
                return _stdin(tool, stdin, unread_stdin, depth)
            return _script(tool, rest, depth)
        if parameter == "encodedcommand":
            encoded = args[k + 1] if k + 1 < len(args) else ""
            try:
                decoded = base64.b64decode(encoded, validate=True).decode("utf-16-le")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return Tier.T3, f"{tool} -EncodedCommand the gate cannot decode"
            verdict = _script(tool, decoded, depth)
            return max(verdict, (Tier.T2, f"{tool} runs an encoded command"), key=lambda v: v[0]) if verdict else None
        if parameter == "file":
            target = args[k + 1] if k + 1 < len(args) else ""
            if target == "-":
                return _stdin(tool, stdin, unread_stdin, depth)
            return Tier.T2, f"{tool} runs a script the gate cannot read"
        k += 1 if parameter == "flag" or ":" in word else 2
    return _stdin(tool, stdin, unread_stdin, depth)


def _script(tool: str, text: str, depth: int) -> Verdict:
    tier, reason = classify_script(text, depth=depth)
    return tier, f"{tool}: {reason}"


def _stdin(tool: str, stdin: str | None, unread_stdin: str, depth: int) -> Verdict | None:
    if stdin is not None:
        return _script(tool, stdin, depth)
    if unread_stdin == "pipe":
        return Tier.T3, f"{tool} runs commands read from a pipe the gate cannot see"
    if unread_stdin == "file":
        return Tier.T2, f"{tool} runs commands from a file the gate cannot read"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Deny-class effects: the same classes as in a shell (deny.root-wipe, deny.raw-disk-write,
# deny.recursive-perms-root), read in PowerShell and in the Windows tools, and every native program by the shell's
# own deny rules (PowerShell on Linux defines no ``rm`` alias: ``pwsh -c 'rm -rf /'`` runs /bin/rm).
# ---------------------------------------------------------------------------------------------------------------

_ROOT_WIPE = "deny.root-wipe"
# Commands of one script the gate reads (deny scan and tier); past it, the deny scan stops and the tier is T3.
_MAX_DENY_COMMANDS = 512
_RAW_DISK = "deny.raw-disk-write"
_PERMS_ROOT = "deny.recursive-perms-root"
# Windows directories whose recursive removal (or re-permissioning) is catastrophic, on any drive, lower case with
# forward slashes; a drive root and the root of the current drive (``\``) count too.
_WINDOWS_SYSTEM_DIRS = frozenset(
    {
        "windows", "windows/system32", "windows/syswow64", "windows/winsxs", "program files",
        "program files (x86)", "programdata", "users", "boot", "recovery", "system volume information", "efi",
    }
)  # fmt: skip
_WINDOWS_ENV_DIRS = {
    "systemdrive": "c:",
    "systemroot": "c:/windows",
    "windir": "c:/windows",
    "programfiles": "c:/program files",
    "programfiles(x86)": "c:/program files (x86)",
    "programdata": "c:/programdata",
    "allusersprofile": "c:/programdata",
    "homedrive": "c:",
    "public": "c:/users",
}
# Cmdlets that wipe a disk or format a volume (the PowerShell spelling of sgdisk --zap-all and mkfs).
_DISK_WIPERS = frozenset({"clear-disk", "format-volume"})
# Remove-Item's parameters that take a value (their values are not the path to remove).
_REMOVE_VALUE_PARAMETERS = ("filter", "include", "exclude", "credential", "stream")
_REMOVE_PATH_PARAMETERS = ("path", "literalpath", "pspath", "lp")
_LISTERS = frozenset({"get-childitem", "get-item"})


def windows_system_dir(path: str) -> bool:
    """A Windows path (or a POSIX one, for PowerShell on Linux) whose recursive removal is catastrophic: a drive
    root (``C:\\``, ``C:``, ``\\``, ``/``), the Windows, program, user and boot directories on any drive, a
    wildcard over one (``C:\\*``), and the environment variables that name them (``$env:SystemRoot``)."""
    from . import _paths  # noqa: PLC0415 - the POSIX path rules, for pwsh on Linux

    raw = path.strip().strip("'\"")
    lower = raw.replace("\\", "/").lower()
    m = re.match(r"(?:\$env:|\$\{env:)([a-z()0-9]+)\}?", lower)
    if m and m.group(1) in _WINDOWS_ENV_DIRS:
        lower = _WINDOWS_ENV_DIRS[m.group(1)] + lower[m.end() :]
    elif lower.startswith(("$home", "~")):
        return True  # a whole home directory, as in a shell
    end = len(lower)
    while end > 1:  # trailing separators and wildcards over everything (``C:\\*``, ``/*.*``)
        if lower.endswith("/*.*", 0, end):
            end -= 4
        elif lower.endswith("/*", 0, end):
            end -= 2
        elif lower.endswith("/", 0, end):
            end -= 1
        else:
            break
    lower = lower[:end]
    if lower in ("", "/", "*", "/*") or re.fullmatch(r"[a-z]:/?\*?(\.\*)?", lower):
        return True
    drive = re.match(r"(?:[a-z]:)?/", lower)
    rest = lower[drive.end() :] if drive else lower
    while "//" in rest:
        rest = rest.replace("//", "/")
    if rest.rstrip("/") in _WINDOWS_SYSTEM_DIRS:
        return True
    return "/" in raw and "\\" not in raw and _paths.is_system_dir(raw)


def deny_script(text: str, *, depth: int = 0) -> list[Finding]:
    """Deny-class effects of a PowerShell script: a recursive ``Remove-Item`` (any alias, parameter prefix or
    pipeline from ``Get-ChildItem``) of a system directory, ``[IO.Directory]::Delete(dir, $true)`` of one, the
    disk-wiping cmdlets, native programs judged by the shell's deny rules and the Windows tools', and code it runs
    with ``Invoke-Expression`` or a nested ``pwsh``."""
    if not text or len(text) > _MAX_SCRIPT or depth > _MAX_DEPTH:
        return []
    tree = _parser().parse(text.encode("utf-8", "surrogateescape"))
    found: list[Finding] = []
    commands = 0
    for node in _descend(tree.root_node):
        if node.type in ("pipeline_chain", "pipeline"):
            found.extend(_deny_pipeline(node))
        elif node.type == "command":
            commands += 1
            if commands > _MAX_DENY_COMMANDS:
                break  # the tier reader rounds a script this long up; its first commands are judged
            found.extend(_deny_command(node, depth))
        elif node.type == "invokation_expression":
            found.extend(_deny_member_call(node))
        if len(found) > 16:
            break
    return list(dict.fromkeys(found))


def _command_parts(node: Any) -> tuple[str, list[Any]] | None:
    name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
    if name_node is None:
        return None
    if name_node.type == "command_name_expr":
        literal = next((c for c in name_node.children if c.type == "string_literal"), None)
        name = _string_value(literal) if literal is not None else None
        if name is None:
            return None
    else:
        name = _text(name_node)
    elements_node = next((c for c in node.children if c.type == "command_elements"), None)
    elements = [c for c in elements_node.children if c.type != "command_argument_sep"] if elements_node else []
    return name, elements


def _cmdlet(name: str) -> str:
    lower = name.rsplit("\\", 1)[-1].lower()
    lower = lower[:-4] if lower.endswith(".exe") else lower
    return _ALIASES.get(lower, lower)


def _removal(elements: list[Any]) -> tuple[bool, list[str]]:
    """(recursive, paths) of a Remove-Item call: ``-Recurse`` in any unambiguous prefix (``-r``, ``-rec``), not
    ``-Recurse:$false``, and the paths given by position or by ``-Path``/``-LiteralPath``."""
    recursive = False
    paths: list[str] = []
    k = 0
    while k < len(elements):
        node = elements[k]
        raw = _text(node)
        if node.type == "command_parameter":
            key = raw[1:].lower().rstrip(":")
            value_follows = raw.endswith(":")
            if key and "recurse".startswith(key):
                # ``-Recurse:$false`` (the grammar leaves the colon between the two elements)
                false = k + 1 < len(elements) and _text(elements[k + 1]).lower() == "$false"
                recursive = recursive or not false
                k += 2 if false else 1
                continue
            if any(full.startswith(key) for full in _REMOVE_PATH_PARAMETERS) and k + 1 < len(elements):
                paths.extend(_path_list(_text(elements[k + 1])))
                k += 2
                continue
            if any(full.startswith(key) for full in _REMOVE_VALUE_PARAMETERS) or value_follows:
                k += 2
                continue
            k += 1
            continue
        paths.extend(_path_list(raw))
        k += 1
    return recursive, paths


def _path_list(raw: str) -> list[str]:
    return [part.strip().strip("'\"") for part in raw.split(",") if part.strip()][:16]


def _deny_command(node: Any, depth: int) -> list[Finding]:
    parts = _command_parts(node)
    if parts is None:
        return []
    name, elements = parts
    cmdlet = _cmdlet(name)
    args = [_argument(e) for e in elements]
    shown = f"{name} {' '.join(a for a in args if a != UNKNOWN_WORD)}"[:60].strip()
    found: list[Finding] = []
    if "-whatif" in {a.lower() for a in args}:
        return []
    if cmdlet == "remove-item":
        recursive, paths = _removal(elements)
        hit = next((p for p in paths if windows_system_dir(p)), None)
        if recursive and hit is not None:
            found.append(
                (_ROOT_WIPE, f"PowerShell Remove-Item -Recurse removes a system directory {hit[:40]!r} ({shown})")
            )
    elif cmdlet in _DISK_WIPERS:
        found.append((_RAW_DISK, f"PowerShell {cmdlet} wipes a disk or formats a volume ({shown})"))
    elif cmdlet == "invoke-expression":
        code = next((a for a in args if not a.startswith("-")), UNKNOWN_WORD)
        if code != UNKNOWN_WORD:
            found.extend(deny_script(code, depth=depth + 1))
    elif cmdlet in ("pwsh", "powershell"):
        found.extend(deny_invocation(args, None, depth=depth + 1))
    written = name.rsplit("\\", 1)[-1].lower().removesuffix(".exe")
    if not re.fullmatch(r"[a-z]+-[a-z]\w*", written):
        # Not a cmdlet: a native program (on Linux ``rm`` is /bin/rm, not Remove-Item's alias).
        found.extend(deny_windows_command(name, args, depth=depth))
    return found


def _deny_pipeline(node: Any) -> list[Finding]:
    """``Get-ChildItem C:\\ -Recurse | Remove-Item -Force`` removes what the lister lists: a Remove-Item without
    a path after a lister of a system directory is a removal of that directory (recursive when either side is)."""
    commands = [c for c in node.children if c.type == "command"]
    found: list[Finding] = []
    listed: tuple[str, bool] | None = None
    for command in commands:
        parts = _command_parts(command)
        if parts is None:
            listed = None
            continue
        name, elements = parts
        cmdlet = _cmdlet(name)
        recursive, paths = _removal(elements)
        if cmdlet in _LISTERS:
            hit = next((p for p in paths if windows_system_dir(p)), None)
            listed = (hit, recursive) if hit is not None else None
        elif cmdlet == "remove-item" and not paths and listed is not None:
            found.append((_ROOT_WIPE, f"PowerShell removes what is listed under a system directory {listed[0][:40]!r}"))
        elif cmdlet not in ("where-object", "foreach-object", "sort-object", "select-object"):
            listed = None
    return found


def _deny_member_call(node: Any) -> list[Finding]:
    member = next((c for c in node.children if c.type == "member_name"), None)
    owner = next((c for c in node.children if c.type == "type_literal"), None)
    if member is None or owner is None or _text(member).lower() != "delete" or "directory" not in _text(owner).lower():
        return []
    arguments = next((c for c in node.children if c.type == "argument_list"), None)
    text = _text(arguments) if arguments is not None else ""
    literals = [_string_value(n) for n in _descend(arguments)] if arguments is not None else []
    paths = [p for p in literals if p] + re.findall(r"\$env:\w+", text, re.IGNORECASE)
    hit = next((p for p in paths if windows_system_dir(p)), None)
    if hit is not None and "$true" in text.lower():
        return [
            (_ROOT_WIPE, f"PowerShell deletes the system directory {hit[:40]!r} recursively (.NET Directory.Delete)")
        ]
    return []


def deny_windows_command(name: str, args: Sequence[str], *, depth: int = 0) -> list[Finding]:
    """A native program: the Windows tools that wipe (``rd /s``, ``del /s``, ``format``, ``icacls /t``,
    ``takeown /r`` on a system directory), ``cmd /c`` and ``pwsh`` recursively, and every program by the shell's
    deny rules."""
    lower = name.lower().rsplit("\\", 1)[-1].rsplit("/", 1)[-1]
    lower = lower[:-4] if lower.endswith((".exe", ".com")) else lower
    if depth > _MAX_DEPTH:
        return []
    found: list[Finding] = []
    switches = {a.lower() for a in args if a.startswith("/") and len(a) <= 4}
    targets = [a for a in args if a != UNKNOWN_WORD and not (a.startswith("/") and len(a) <= 4)]
    hit = next((t for t in targets if windows_system_dir(t)), None)
    shown = f"{lower} {' '.join(a for a in args if a != UNKNOWN_WORD)}"[:60]
    if lower in ("rd", "rmdir") and "/s" in switches and hit is not None:
        found.append((_ROOT_WIPE, f"{lower} /s removes a system directory {hit[:40]!r} ({shown})"))
    elif lower in ("del", "erase") and "/s" in switches and hit is not None:
        found.append((_ROOT_WIPE, f"{lower} /s deletes under a system directory {hit[:40]!r} ({shown})"))
    elif lower == "format" and any(re.fullmatch(r"[a-z]:", t.lower()) for t in targets):
        found.append((_RAW_DISK, f"format wipes a volume ({shown})"))
    elif lower in ("icacls", "cacls") and switches & {"/t"} and hit is not None:
        found.append((_PERMS_ROOT, f"{lower} /t changes permissions under a system directory {hit[:40]!r} ({shown})"))
    elif lower == "takeown" and switches & {"/r"} and hit is not None:
        found.append((_PERMS_ROOT, f"takeown /r takes ownership under a system directory {hit[:40]!r} ({shown})"))
    elif lower == "cmd":
        code = _cmd_code(args)
        for segment in re.split(r"&&|\|\||[&|]", code or "")[:32]:
            words = segment.split()
            if words:
                found.extend(deny_windows_command(words[0], words[1:], depth=depth + 1))
    elif lower in ("pwsh", "powershell"):
        found.extend(deny_invocation(args, None, depth=depth + 1))
    else:
        from . import _commands, _shell  # noqa: PLC0415 - _commands reaches this module through _lifecycle

        words = [lower, *(a if a != UNKNOWN_WORD else "$UNKNOWN" for a in args)]
        found.extend(
            (f.rule, f"{f.reason} (run from PowerShell)")
            for f in _commands.deny_rules(_shell.analyze(_shell.split_argv(words)))
        )
    return found


def _script_of(args: Sequence[str], stdin: str | None) -> str | None:
    """The PowerShell text an invocation runs (``-Command``, ``-EncodedCommand``, a bare command, ``-`` or no
    command with its input known), following ``classify_invocation``; None when it runs none the gate can read."""
    k = 0
    while k < len(args):
        word = args[k]
        if word == UNKNOWN_WORD:
            return None
        parameter = _parameter(word)
        if parameter is None:
            if word == "-":
                return stdin
            return None if word.lower().endswith(".ps1") else " ".join(args[k:])
        if parameter == "command":
            rest = " ".join(args[k + 1 :])
            return stdin if rest.strip() == "-" else rest
        if parameter == "encodedcommand":
            try:
                return base64.b64decode(args[k + 1] if k + 1 < len(args) else "", validate=True).decode("utf-16-le")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return None
        if parameter == "file":
            return stdin if (args[k + 1] if k + 1 < len(args) else "") == "-" else None
        k += 1 if parameter == "flag" or ":" in word else 2
    return stdin


def deny_invocation(args: Sequence[str], stdin: str | None, *, depth: int = 0) -> list[Finding]:
    """Deny-class effects of ``pwsh``/``powershell`` run with ``args`` (and ``stdin`` when known)."""
    script = _script_of(args, stdin)
    return deny_script(script, depth=depth) if script else []


PWSH_DATA: dict[str, object] = {
    "aliases": dict(sorted(_ALIASES.items())),
    "by_name": dict(sorted(_BY_NAME.items())),
    "read_verbs": sorted(_READ_VERBS),
    "change_verbs": sorted(_CHANGE_VERBS),
    "destroy_verbs": sorted(_DESTROY_VERBS),
    "destroying_members": sorted(_DESTROYING_MEMBERS),
    "code_members": sorted(_CODE_MEMBERS),
    "windows_natives": dict(sorted(_WINDOWS_NATIVES.items())),
    "value_parameters": list(_VALUE_PARAMETERS),
    "max_script": _MAX_SCRIPT,
    "max_depth": _MAX_DEPTH,
    "windows_system_dirs": sorted(_WINDOWS_SYSTEM_DIRS),
    "windows_env_dirs": dict(sorted(_WINDOWS_ENV_DIRS.items())),
    "disk_wipers": sorted(_DISK_WIPERS),
    "remove_value_parameters": list(_REMOVE_VALUE_PARAMETERS),
    "remove_path_parameters": list(_REMOVE_PATH_PARAMETERS),
    "listers": sorted(_LISTERS),
    "max_deny_commands": _MAX_DENY_COMMANDS,
}
