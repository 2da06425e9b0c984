# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deny rules and content tiers for free-form command text. Internal: no stability promise.

Why rules run on the analyzer's commands and not on the raw text: every way of writing a command (quoting,
variables, wrappers, ``sh -c``, ``find -exec``, ...) reaches these rules as the same ``SimpleCommand``, so one
rule per *effect* closes the whole class of spellings. The few raw-text regexes left (fork bomb, SQL) are safety
nets on top, never the primary check.

Two outputs:

* :func:`deny_findings` - catastrophic, never-legitimate effects (wiping /, writing a raw disk, fork bombs,
  force-pushing main, running decoded payloads). It runs on *every* string argument of every task, so it has a
  fast path for text that cannot be a dangerous command and keeps false positives low on prose and paths.
* :func:`content_tier` - how much a command changes, with reasons. Ambiguity rounds up: a dynamic command name,
  an operand that is not statically known or an analysis the parser was unsure of counts as the worst case.

Security constraints: SEC-1, SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextvars
import dataclasses
import fnmatch
import functools
import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..core.models import Tier
from . import _lifecycle, _paths, _pwsh, _shell, _sql, _talos
from ._shell import ShellAnalysis, SimpleCommand

# How many levels of stored text (a script that stores a script ...) the deny list reads, and the current level.
_MAX_STORED_DEPTH = 4
_STORED_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("praxis_stored_depth", default=0)

__all__ = [
    "ACCOUNT_DATABASES",
    "RULES_DATA",
    "Finding",
    "content_tier",
    "deny_findings",
    "deny_rules",
    "matches_allowlist",
    "mode_opens_access",
    "permission_change",
    "reads_account_databases_only",
]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    reason: str


ROOT_WIPE = "deny.root-wipe"
FORK_BOMB = "deny.fork-bomb"
RAW_DISK = "deny.raw-disk-write"
PERMS_ROOT = "deny.recursive-perms-root"
FORCE_PUSH = "deny.force-push-main"
DECODE_SHELL = "deny.decode-to-shell"

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------------------------

_RM_NAMES = frozenset({"rm", "unlink"})
_SHRED_NAMES = frozenset({"shred", "srm", "wipe"})
_PERM_NAMES = frozenset({"chmod", "chown", "chgrp", "setfacl", "chattr"})
# Formatters: mkfs and mkfs.TYPE, and the ones named otherwise (a table as well, for the whole-text pre-check).
_FORMATTERS = ("mke2fs", "mkswap", "mkntfs", "mkdosfs", "mkexfatfs", "mkudffs", "mkreiserfs", "mkbtrfs", "mkfatfs")
_MKFS_RE = re.compile(r"mkfs(?:\..+)?|" + "|".join(_FORMATTERS))
# Compiled at import: a pattern compiled at its call site is compiled again in every forked worker.
_LANGUAGE_PACKAGERS = re.compile(r"pip[0-9.]*|pipx|uv|conda|mamba|gem|cargo|go")
_DISK_WRITERS = frozenset(
    {"wipefs", "shred", "blkdiscard", "badblocks", "sgdisk", "tee", "dd", "dcfldd", "dc3dd", "cp", "ddrescue"}
    | {"truncate", "fallocate", "pv", "flashrom"}
)
_DYNAMIC_AS = ("rm", "chmod", "chown", "mkfs", "dd")
_DECODERS_D = frozenset({"base64", "base32", "basenc", "gbase64", "b64", "base58"})
_DECOMPRESSORS = frozenset(
    {
        "gzip",
        "gunzip",
        "zcat",
        "bzip2",
        "bunzip2",
        "bzcat",
        "xz",
        "unxz",
        "xzcat",
        "zstd",
        "unzstd",
        "zstdcat",
        "lz4",
        "lz4cat",
        "brotli",
        "lzma",
        "unlzma",
        "lzcat",
    }
)
_DECOMPRESS_ALWAYS = frozenset(
    {"gunzip", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "unzstd", "zstdcat", "lz4cat", "unlzma", "lzcat"}
)
_PRIV_COMMANDS = frozenset(
    {"sudo", "doas", "pkexec", "su", "run0", "runuser", "sudoedit", "sg", "newgrp", "calife", "ksu", "dzdo", "pbrun"}
)
# Wrappers that run their command as another user (the tier's privilege floor).
_PRIV_WRAPPING = frozenset({"sudo", "doas", "pkexec", "run0", "dzdo", "sudo-rs", "pbrun", "su", "runuser"})
_TEMP_SAFE_DD = frozenset({"/dev/null"})
_PWSH_TOOLS = frozenset({"pwsh", "powershell"})
_PWSH_PREFIXES = ("pwsh", "powershell")  # every name the lifecycle table reads as PowerShell (pwsh7, pwsh.exe)
_SED_NAMES = frozenset({"sed", "gsed"})

_PKG_ALWAYS = frozenset(
    {
        "apt",
        "apt-get",
        "aptitude",
        "yum",
        "dnf",
        "microdnf",
        "snap",
        "zypper",
        "apk",
        "pacman",
        "emerge",
        "xbps-install",
        "opkg",
        "port",
        "nix-env",
        "flatpak",
        "brew",
        "pkg",
        "yay",
        "paru",
        "tdnf",
    }
)
_SERVICE_VERBS = frozenset(
    {
        "start",
        "stop",
        "restart",
        "reload",
        "enable",
        "disable",
        "mask",
        "unmask",
        "try-restart",
        "reload-or-restart",
        "try-reload-or-restart",
        "daemon-reload",
        "daemon-reexec",
        "set-default",
        "preset",
        "preset-all",
        "link",
        "revert",
        "kill",
        "edit",
        "set-property",
        "condrestart",
        "force-reload",
    }
)
_SYSTEMCTL_T3 = frozenset(
    {
        "reboot",
        "poweroff",
        "halt",
        "kexec",
        "rescue",
        "emergency",
        "soft-reboot",
        "isolate",
        "suspend",
        "hibernate",
        "hybrid-sleep",
    }
)
_ACCOUNT_T2 = frozenset(
    {
        "useradd",
        "usermod",
        "groupadd",
        "groupmod",
        "passwd",
        "chpasswd",
        "adduser",
        "addgroup",
        "chage",
        "gpasswd",
        "newusers",
        "chsh",
        "chfn",
        "pwconv",
        "grpconv",
    }
)
_ACCOUNT_T3 = frozenset(
    {"userdel", "groupdel", "deluser", "delgroup", "vipw", "vigr", "visudo", "pwunconv", "grpunconv"}
)
_POWER_T3 = frozenset({"reboot", "shutdown", "poweroff", "halt", "kexec"})
_DISK_T3 = frozenset(
    {
        "fdisk",
        "sfdisk",
        "sgdisk",
        "parted",
        "gdisk",
        "cfdisk",
        "cgdisk",
        "wipefs",
        "shred",
        "blkdiscard",
        "truncate",
        "srm",
        "wipe",
        "mkswap",
        "lvremove",
        "vgremove",
        "pvremove",
        "lvreduce",
        "dropdb",
        "ssh-copy-id",
        "badblocks",
        "cryptsetup",
        "mdadm",
        "dmsetup",
        "zerofree",
        "e2fsck",
        "fsck",
        "tune2fs",
        "resize2fs",
        "xfs_repair",
    }
)
_DISK_LIST_ONLY: dict[str, frozenset[str]] = {
    "fdisk": frozenset({"-l", "--list"}),
    "sfdisk": frozenset({"-l", "--list", "-d", "--dump", "-s", "--show-size", "-V", "--verify", "-J", "--json"}),
    "sgdisk": frozenset({"-p", "--print", "-i", "--info", "-v", "--verify"}),
    "gdisk": frozenset({"-l"}),
    "parted": frozenset({"-l", "--list", "print"}),
    "cryptsetup": frozenset({"status", "luksDump", "isLuks", "--version"}),
    "mdadm": frozenset({"--detail", "-D", "--examine", "-E", "--query", "-Q"}),
    "dmsetup": frozenset({"ls", "info", "status", "table", "deps"}),
}
_MODULE_T2 = frozenset({"modprobe", "rmmod", "insmod", "depmod"})
_FIREWALLS = frozenset(
    {
        "iptables",
        "ip6tables",
        "iptables-legacy",
        "ip6tables-legacy",
        "iptables-nft",
        "ip6tables-nft",
        "ebtables",
        "arptables",
    }
)
_WRITE_LAST = frozenset({"cp", "install", "ln", "rsync", "scp", "ditto", "rclone"})
_WRITE_ALL = frozenset(
    {
        "tee",
        "touch",
        "truncate",
        "rm",
        "unlink",
        "shred",
        "mkdir",
        "rmdir",
        "mv",
        "chmod",
        "chown",
        "chgrp",
        "chattr",
        "setfacl",
        "sed",
        "perl",
        "dd",
        "patch",
        "ed",
        "ex",
        "sponge",
    }
)
_FIRST_OPERAND_IS_MODE = frozenset({"chmod", "chown", "chgrp", "chattr"})
_SQL_T3 = re.compile(
    r"\b(?:drop\s+(?:database|table|schema|user|role)\b|truncate\s+(?:table\s+)?[`\"\w]|flushall\b|flushdb\b)",
    re.IGNORECASE,
)
_CODE_DELETE = re.compile(
    r"\b(?:rmtree|rm_rf|rm_r|remove_tree|rimraf|rmSync|rmdirSync|unlinkSync|remove_dir_all|os\.remove|os\.unlink"
    r"|os\.rmdir|File\.delete|FileUtils\.rm|unlink|rmdir)\b"
)
_CODE_DELETE_ARG = re.compile(
    r"\b(?:rmtree|rm_rf|rm_r|remove_tree|rimraf|rmSync|rmdirSync|remove_dir_all)\s*\(\s*[rbu]?(?:'([^'\n]{1,256})'"
    r"|\"([^\"\n]{1,256})\")"
)
# Cheap pre-filter: a path can only be T3-sensitive if it (or its directory) says so, or is a glob / ``..`` trick.
_T3_HINT = re.compile(r"sudoers|ssh|pam|security|passwd|shadow|group|preload|boot|authorized|[*?\[]|\.\.")
_PATH_TOKEN = re.compile(r"(?:~[A-Za-z0-9_.-]*)?/[A-Za-z0-9_.*?+@%,:=/~\[\]{}-]{1,4096}|authorized_keys2?")

# Decode-and-execute inside interpreter code.
_CODE_DECODERS = re.compile(
    r"b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes|decodestring|fromhex|unhexlify|a2b_base64"
    r"|a2b_hex|codecs\.decode|zlib\.decompress|marshal\.loads|decode64|strict_decode64|urlsafe_decode64"
    r"|unpack1?\s*\(?\s*['\"][mu]|pack\s*\(?\s*['\"][Hh]\*?|decode_base64|MIME::Base64|base64_decode|hex2bin"
    r"|gzinflate|gzuncompress|str_rot13|convert_uudecode|atob\s*\(|['\"](?:base64|hex)['\"]|rot13|\[::-1\]"
)
_CODE_SINKS = re.compile(
    r"\b(?:exec|eval|system|popen|spawn|execSync|execFileSync|spawnSync|child_process|shell_exec|passthru"
    r"|proc_open|assert|compile|subprocess|os\.exec\w*|pty\.spawn|getoutput|check_output|Function|qx|IO\.popen"
    r"|Open3|Kernel\.exec|instance_eval|create_function|vm\.run\w*)\b|`|%x[({\[]"
)
_CODE_FORK = re.compile(r"\bfork\b")
_CODE_LOOP = re.compile(r"\b(?:while|until|loop|for\s*\(\s*;\s*;|repeat|for\s+\(\s*;\s*;)\b|for\s*\(\s*;\s*;")
# Raw-text safety net: `name(){ ... name | name ...}` (or `name & ... name`) in any spacing, also
# `function name { ... }`. Found by scanning for the literal `(` `)` `{` / `function` openers, so the cost is
# linear in the text; each candidate body is a bounded window.
_FORK_OPENER = re.compile(r"\(\s*\)\s*\{|\bfunction\s+([^\s(){};|&]{1,64})\s*(?:\(\s*\))?\s*\{")
_FORK_NAME_BEFORE = re.compile(r"([\w:.@%+-]{1,64})\s*$")
_NAME_CHARS = r"[\w:.@%+-]"


def _fork_net(text: str) -> str | None:
    if "{" not in text:
        return None
    for count, m in enumerate(_FORK_OPENER.finditer(text)):
        if count > 10_000:
            break
        name = m.group(1)
        if name is None:
            before = _FORK_NAME_BEFORE.search(text[max(0, m.start() - 80) : m.start()])
            if before is None:
                continue
            name = before.group(1)
        body = text[m.end() : m.end() + 256].split("}", 1)[0]
        if name not in body:
            continue
        n = re.escape(name)
        edge = f"(?<!{_NAME_CHARS}){n}(?!{_NAME_CHARS})"
        if re.search(f"{edge}\\s*\\|&?\\s*{edge}", body) or re.search(f"{edge}\\s*&(?!&)", body):
            return (name + "() {" + body + "}")[:80]
    return None


# Characters that make any text take the analyser (single quotes, escapes, substitutions, operators, redirections).
_FAST_CHARS = frozenset("'\\`()|;&<>")
# Characters the fast path accounts for itself: double quotes (removed, as quote removal does; without \ and `
# nothing inside them is special but $), braces (expansion needs an unquoted { and } in one word), line breaks and
# tabs (they only separate words and commands, and every word of every command is checked), a $ that expands
# nothing (followed by a blank or the end), and globs outside the command word.
_FAST_SOFT = frozenset('"{}\n\r\t$*?[')
_GLOB_CHARS = frozenset("*?[")
# Double-quoted strings and comments, in one left-to-right scan as bash finds them: a quote inside a comment opens
# nothing and a # inside quotes starts nothing. A comment starts at a # that begins a word (at the start or after a
# blank; the operators that also end a word are refused before this).
_QUOTED = re.compile(r'"[^"]*"|(?<![^ \t\n])#[^\n]*')
_QUOTE_STAND_IN = "%"


def _without_quotes_and_comments(text: str) -> str:
    """``text`` with each quoted string replaced by a character no variable name holds (so a quote inside a
    would-be assignment's name, ``r"m "X=/bin/r*``, leaves a command word) and each comment removed (so a quote in
    a comment cannot pair with one on a later line and hide the commands between them)."""
    return _QUOTED.sub(lambda m: "" if m.group()[0] == "#" else _QUOTE_STAND_IN, text)


_BASH_BLANKS = re.compile(r"[ \t\n]+")  # what ends a word in bash once the operators are excluded (not \r, \v, \f)
_LINE_BLANKS = re.compile(r"[ \t]+")
_ODD_BLANK = re.compile(r"[^\S \t\n]")  # whitespace that is not a bash word break
_EXPANDING_DOLLAR = re.compile(r"\$(?![ \t\n]|\Z)")  # $name, ${, $", $'... (a $ before a blank is literal)
# A prefix assignment as bash reads one (NAME=, NAME+=); one with a subscript (a[1]=) has a glob character and is
# left to the analyser as if it were the command word. Reading a command word as an assignment would skip it.
_PREFIX_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
# Names the analyser handles that only change its own state (working directory, variables, options) or only read
# code from standard input: with no expansion, redirection or pipe in the text (the fast path refuses those), that
# state cannot turn an argument into a command. Every other handled name may run its arguments (alias, trap,
# parallel, dbclient, man -P, tar --to-command, apt -o ...), so a glob there could name rm: those take the analyser.
_STATE_ONLY_NAMES = frozenset(
    {"cd", "pushd", "chdir", "popd", "unset", "set", "at", "batch"}
    | _shell._DECL_BUILTINS
    | (_shell._READERS - {"mapfile", "readarray"})  # (their -C evaluates code for every line read)
)
# Names that give a program another name (ln -s /bin/rm x, hash -p): the program's own name is a piece of the
# text, unless a glob stands for it (ln -s /bin/r? x), so these take the analyser only from text with a glob.
_RENAMING_NAMES = frozenset(_shell.COPIERS | {"hash"})
# Command names that send text to the analyser when any piece of it is one: every name a deny rule reads (tests
# walk the rules' source and hold this set to it) and every name that may run its arguments (their option values
# can name a program in shapes no piece shows: -Prm, x=rm).
_FAST_NAMES = frozenset(
    (_shell.HANDLED_NAMES - _shell.KEYWORDS - _STATE_ONLY_NAMES - _RENAMING_NAMES)
    | _sql.CLIENT_NAMES  # (database shells run shell commands of their own: sqlite3 .shell, psql \\!)
    | _RM_NAMES
    | _SHRED_NAMES
    | _PERM_NAMES
    | _DISK_WRITERS
    | _DECODERS_D
    | _DECOMPRESSORS
    | _shell.SHELLS
    | frozenset(_shell.WRAPPERS)
    | {
        "find",
        "rsync",
        "wipefs",
        "blkdiscard",
        "badblocks",
        "sgdisk",
        "git",
        "xxd",
        "openssl",
        "uudecode",
        "uudeview",
        "recode",
        "mimencode",
        "mmencode",
        "rev",
        "openrsync",
        "printf",
        "echo",
        "eval",
        "source",
        ".",
        "fork",
        "xargs",
        "su",
        "runuser",
        "watch",
        "flock",
        "script",
        "ssh",
        "awk",
        "gawk",
        "mawk",
        "nawk",
        "sg",
        "mkfs",
        "mke2fs",
        "mkswap",
        "mkntfs",
        "mkdosfs",
        ":",
        # a reserved word, but one that runs what follows in the background without "&": a function that runs
        # itself through it is a fork bomb with no pipe or ampersand in the text (f() { coproc f; f; })
        "coproc",
    }
)


# ---------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------


def _show(cmd: SimpleCommand, limit: int = 60) -> str:
    text = " ".join(cmd.argv) if cmd.argv else " ".join(f"{r.op}{r.target}" for r in cmd.redirects)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _words(cmd: SimpleCommand) -> list[tuple[str, str | None]]:
    empties = cmd.empty_forms or (None,) * len(cmd.argv)
    return list(zip(cmd.argv, empties, strict=False))


def _options(args: Sequence[tuple[str, str | None]]) -> tuple[str, set[str], list[tuple[str, str | None]], bool]:
    """(short letters, long options, operands, some word is wholly unknown and could be any option)."""
    short: list[str] = []
    longs: set[str] = set()
    operands: list[tuple[str, str | None]] = []
    unknown = False
    ended = False
    for text, empty in args:
        if empty is not None:
            operands.append((text, empty))
            if empty == "":
                unknown = True
            continue
        if not ended and text == "--":
            ended = True
            continue
        if not ended and text.startswith("--"):
            longs.add(text.split("=", 1)[0])
        elif not ended and text.startswith("-") and len(text) > 1:
            short.append(text[1:])
        else:
            operands.append((text, empty))
    return "".join(short), longs, operands, unknown


_HOME_RE = re.compile(r"\$(?:HOME\b|\{HOME\})")


def _candidates(text: str, empty: str | None) -> tuple[str, ...]:
    """The word as written and, when it holds unresolved expansions, as it reads with them empty. ``$HOME``
    stands for ``~`` (a whole home directory), which the path predicates understand."""
    result = (text,) if empty is None or empty == text else (text, empty)
    if empty is not None and text.startswith(("$HOME", "${HOME}")):
        result = (*result, _HOME_RE.sub("~", text, count=1))
    return result


def _system_dir(cmd: SimpleCommand, text: str, empty: str | None) -> str | None:
    return _system_dir_in(text, empty, tuple(cmd.cwds or (None,)))


# The path predicates are pure functions of their words: memoised, because the analyser emits a command once for
# each way its leading unknown words may vanish (``$(a) $(a) ... rm -rf /``), and every one of them carries the
# same later words (a 16 KB line of such words cost 10 s judged word by word for every command).
@functools.lru_cache(maxsize=8192)
def _system_dir_in(text: str, empty: str | None, cwds: tuple[str | None, ...]) -> str | None:
    for cand in _candidates(text, empty):
        for cwd in cwds:
            if _paths.is_system_dir(cand, cwd=cwd):
                return cand
    return None


def _raw_disk(text: str, empty: str | None, cwds: Sequence[str | None] = (None,)) -> bool:
    """The word, written to, writes a raw disk or a device node the harmless list does not name (in any of the
    working directories the command may start in)."""
    return _raw_disk_in(text, empty, tuple(cwds))


@functools.lru_cache(maxsize=8192)
def _raw_disk_in(text: str, empty: str | None, cwds: tuple[str | None, ...]) -> bool:
    return any(_paths.is_device_write(c, cwd=cwd) for c in _candidates(text, empty) for cwd in cwds)


def _device(path: str) -> str:
    """How a refusal names a device write target."""
    kind = "the raw disk" if _paths.is_raw_disk(path) else "the device node"
    return f"{kind} {path[:40]}"


def _write_redirects(cmd: SimpleCommand) -> list[str]:
    targets: list[str] = []
    for r in cmd.redirects:
        if r.op in (">", ">>", ">|", "&>", "&>>", "<>") or (
            r.op == ">&" and not r.target.isdigit() and r.target != "-"
        ):
            targets.append(r.target)
    return targets


def _sed_writes(cmd: SimpleCommand) -> list[str]:
    """Files a sed script writes with ``w``, ``W`` or ``s///w`` (``/dev/stdout`` and ``/dev/stderr`` are output)."""
    invocation = _shell.sed_invocation(cmd.argv)
    if invocation.sandbox:
        return []
    found: list[str] = []
    for script in invocation.scripts[:16]:
        found.extend(w for w in _shell.sed_script(script).writes if w not in ("/dev/stdout", "/dev/stderr"))
    return found[:64]


# ---------------------------------------------------------------------------------------------------------------
# Deny rules
# ---------------------------------------------------------------------------------------------------------------


def _fast_clean(text: str) -> bool:
    """True when ``text`` cannot contain a deny-listed command: no shell syntax beyond double quotes, braces that
    cannot expand, line breaks, literal dollars and globs in argument positions, and no relevant command word
    anywhere.

    Why checking whitespace-separated pieces of the text with its double quotes removed is enough: every word bash
    forms is such a piece, or several joined by quoted whitespace, and a word's last path component (what names
    the command) has no whitespace in it, so it ends one of the pieces. Pieces inside quoted strings are checked
    too, so a command string handed to any program (``X -c "rm -rf /"``) is judged as if it were run. A glob can
    only name a command from a command word (the first after prefix assignments, or any after a reserved word),
    so globs there, and reserved words before them, take the analyser; a glob elsewhere only names arguments of a
    command the pieces already cleared, never of one that may run its arguments (wrappers, ``trap``, ``alias``,
    ``parallel``, ``ssh``: their names are in the list). Where the command words are depends on which quotes
    and comments bash sees, so both are found in one scan, as bash finds them."""
    if len(text) > 2048 or not _FAST_CHARS.isdisjoint(text) or _writes_alias_table(text):
        return False
    if not _FAST_SOFT.isdisjoint(text):
        if "$" in text and _EXPANDING_DOLLAR.search(text):
            return False
        unquoted = _without_quotes_and_comments(text)  # quoted text is literal: no braces, globs or words in it
        if '"' in unquoted or not _braces_inert(unquoted):
            return False  # an unterminated quote (bash refuses the text, the analyser says how) or an expansion
        if not _GLOB_CHARS.isdisjoint(unquoted) and not _globs_name_arguments_only(unquoted):
            return False
        text = text.replace('"', "")
    globs = not _GLOB_CHARS.isdisjoint(text)
    for word in text.split():
        base = word.rstrip("/").rsplit("/", 1)[-1]  # the name the analyser gives a command word (rm/ is rm)
        if (
            base in _FAST_NAMES
            or (globs and base in _RENAMING_NAMES)
            or base.startswith("mkfs")
            or _MKFS_RE.fullmatch(base)
            or _shell.INTERPRETER_RE.fullmatch(base.lower())
            or base.lower().startswith(_PWSH_PREFIXES)
        ):
            return False
    return True


def _writes_alias_table(text: str) -> bool:
    """The text names bash's alias table or command hash (``declare 'BASH_ALIASES[ls]=/bin/r? -rf /'`` then ``ls``,
    a nameref ``declare -n r="BASH_C""MDS"``): a declaration builtin, which the names above let pass, would make any
    name run anything, and the analysis then judges every command name as any program. Case matters to bash here:
    ``bash_aliases`` is another variable."""
    return _shell.mentions_alias_arrays(text)


def _braces_inert(unquoted: str) -> bool:
    """No word with an unquoted ``{`` and ``}``, which brace expansion could turn into other words (``{r,}m`` is
    ``rm m``). ``unquoted``: the text with each quoted string replaced by a plain character."""
    if "{" not in unquoted or "}" not in unquoted:
        return True
    return not any("{" in word and "}" in word for word in _BASH_BLANKS.split(unquoted))


def _globs_name_arguments_only(unquoted: str) -> bool:
    """Every line's command word (the first after prefix assignments) is free of globs and not a reserved word.

    Words are bash's (split at spaces and tabs); text with other whitespace (a carriage return, which bash keeps in
    a word and the analyser splits at) is refused, so the command word is the same for both."""
    if _ODD_BLANK.search(unquoted):
        return False
    for line in unquoted.split("\n"):
        for word in _LINE_BLANKS.split(line):
            if not word or _PREFIX_ASSIGNMENT.match(word):
                continue  # an assignment's value is not glob-expanded and names no command
            if word in _shell.KEYWORDS or not _GLOB_CHARS.isdisjoint(word):
                return False
            break
    return True


# ---------------------------------------------------------------------------------------------------------------
# The same proof over long texts (generated configuration, documents, scripts given as ``content``), in a few
# passes of C-speed string methods and regexes instead of a Python loop over every word
# ---------------------------------------------------------------------------------------------------------------

_LONG_TEXT = 2048  # from here on a text takes _long_text_clean; shorter ones _fast_clean
# The analyser drops NUL characters before it reads a text (bash ignores them in a script), so a NUL joins the
# pieces on either side of it (``r\0m`` is ``rm``): no text with one is cleared without the analysis.
_NUL = "\x00"
# What the long-text proof reads itself, beyond the fast path: single quotes (YAML, INI and Python values, SQL), paired
# as bash pairs them with the double quotes and comments in one scan, and semicolons (nginx, CSS, C-like and SQL
# text), which end a word and a command exactly as a line break does. Every other character that makes the analyser
# run still does: backslashes, backticks, parentheses, pipes, ampersands, redirections (and NUL, below).
_LONG_READS = frozenset("';")
_HARD_CHARS = "".join(sorted((_FAST_CHARS - _LONG_READS) | {_NUL}))
# A word with an unquoted { and } in it, in either order (linear: each scan stops at the next brace or blank).
_BRACE_WORD = re.compile(r"\{[^ \t\n{}]*\}|\}[^ \t\n{}]*\{")
# A line whose command word (the first after prefix assignments) holds a glob, or is a reserved word with another
# word after it on its line (which the reserved word puts in command position: ``if /bin/r? -rf /``); searched for
# from line break to line break. _globs_name_arguments_only also refuses a reserved word alone on its line (the
# ``{`` and ``}`` lines of every indented JSON document); that puts no word of its own line in command position,
# and the next line's command word is checked as that line's.
_GLOB_COMMAND_WORD = re.compile(
    r"\n[ \t]*(?:"
    + _PREFIX_ASSIGNMENT.pattern
    + r"[^ \t\n]*(?:[ \t]+|(?![^\n])))*+(?:[^ \t\n*?\[]*+[*?\[]|(?=["
    + re.escape("".join(sorted({k[0] for k in _shell.KEYWORDS})))
    + r"])(?:"
    + "|".join(re.escape(k) for k in sorted(_shell.KEYWORDS, key=len, reverse=True))
    + r")[ \t]+[^ \t\n])"
)
# Whitespace other than a blank or a line break (_ODD_BLANK), found with memchr in ASCII text.
_ASCII_ODD_BLANKS = "".join(chr(c) for c in range(128) if chr(c).isspace() and chr(c) not in " \t\n")


# Double- and single-quoted strings and comments, in one left-to-right scan as bash finds them (no backslash, backtick
# or expanding $ reaches it, so a quote ends at the next quote of its kind): a quote of one kind inside a string of the
# other, or inside a comment, opens nothing, and a # inside quotes or mid-word starts nothing. A comment starts at a
# # that begins a word: at the start, after a blank, or after a semicolon (which ends a word as a blank does). The
# look-behind comes after the # so that every branch starts with a literal and the engine skips from one quote or #
# to the next at C speed (half the time of ``(?<![^ \t\n;])#``, which tests hold it to).
_LONG_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|#(?<![^ \t\n;]#)[^\n]*")


def _unquoted(text: str) -> str | None:
    """``_LONG_QUOTED.sub(_QUOTE_STAND_IN, text)``: each quoted string (double or single) replaced by a stand-in, each
    comment by one (a comment holds no word any check below needs; it may hold a quote that opens nothing), or None
    when a quote is left open. Without a ``#`` there is no comment, and quotes of one kind alone pair in order: a
    split finds them."""
    double, single = '"' in text, "'" in text
    if "#" in text or (double and single):
        unquoted = _LONG_QUOTED.sub(_QUOTE_STAND_IN, text)
        return None if '"' in unquoted or "'" in unquoted else unquoted
    parts = text.split('"' if double else "'")
    if len(parts) % 2 == 0:
        return None  # an odd number of quotes: the last one is left open
    return _QUOTE_STAND_IN.join(parts[0::2])


def _distinct_lines(unquoted: str) -> str:
    """Each distinct line of ``unquoted`` once, with its digits read as 0, each after a line break: what
    _BRACE_WORD and _GLOB_COMMAND_WORD search. Neither pattern reads past a line break or tells digits apart, so
    they find a match here exactly when they find one in the text, and a generated document (the same few lines
    with other numbers: indented JSON, INI) has only a few distinct lines to search."""
    return "\n" + "\n".join(set(_as_zero(unquoted).split("\n")))


def _odd_blank(text: str) -> bool:
    if text.isascii():
        return any(char in text for char in _ASCII_ODD_BLANKS)
    return _ODD_BLANK.search(text) is not None


# The name tests of _fast_clean, over the text's distinct pieces, lower-cased and with every digit read as 0 (the
# names and patterns read the same way): a name table then matches more pieces, never fewer, and a generated file,
# whose lines differ by their numbers (setting_1 = value 1 ...), has only a few distinct lines to split. The
# patterns run over the distinct pieces one per line, each after a line break. They match case-sensitively on
# lower-cased text, which is what they match case-insensitively but for the two letters that fold to an ASCII one
# without being its lower case (dotless i and long s; tests check every code point): those are folded first. A
# piece can only match if it starts with the first letter of a prefix or a name: the search jumps from line break
# to line break and the lookahead passes over every other piece, both at C speed.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _as_zero(text: str) -> str:
    """``text`` with every ASCII digit read as 0 (through UTF-8, where no other character holds a digit's byte)."""
    return text.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO).decode("utf-8", "surrogatepass")


_LONG_NAMES = frozenset(_as_zero(name.lower()) for name in _FAST_NAMES)
_LONG_NAMES_WITH_GLOBS = _LONG_NAMES | frozenset(_as_zero(name.lower()) for name in _RENAMING_NAMES)
_LONG_NAME_PREFIXES = ("mkfs", *_PWSH_PREFIXES)  # _fast_clean's startswith tests
_LONG_FORMATTERS = tuple(_as_zero(name) for name in _FORMATTERS)
_LONG_NAME_PATTERNS = re.compile(
    r"\n(?=["
    + "".join(sorted({name[0] for name in (*_LONG_NAME_PREFIXES, *_LONG_FORMATTERS, *_shell.INTERPRETER_NAMES)}))
    + r"])(?:"
    + "|".join(re.escape(prefix) for prefix in _LONG_NAME_PREFIXES)
    + r"|(?:mkfs(?:\..+)?|"
    + "|".join(_LONG_FORMATTERS)
    + r")(?![^\n])|(?:"
    + _shell.INTERPRETER_RE.pattern.lower()
    + r")(?![^\n]))"
)
_ASCII_FOLDS = (("\u0131", "i"), ("\u017f", "s"))


def _long_text_clean(text: str) -> bool:
    """:func:`_fast_clean`'s verdict for a text of any length, reached in whole-text passes, and extended to single
    quotes and semicolons.

    The argument is _fast_clean's, step for step, each step a pass over the text that is at least as strict but
    one: no character that makes the analyser run but those two (nor a NUL); no ``$`` that expands (``$'`` and
    ``$"`` included); double- and single-quoted strings and comments found as bash finds them, with no quote left
    open and no word that brace expansion could turn into other words; globs only outside command words (a
    reserved word alone on its line is no command word before one, see _GLOB_COMMAND_WORD); and no piece of the
    text (its quotes removed, split at whitespace and semicolons, the last path component of each) that a deny rule
    or a command running its arguments could be named by. Pieces are compared lower-cased and with their digits
    read as 0: a name table matches more pieces that way, never fewer.

    Why the two extensions keep the argument: with no backslash, backtick or expanding ``$`` in the text, a single
    quote only quotes up to the next one, which is what the scan pairs (so quoted globs and braces are literal, as
    double-quoted ones are). Removing every quote character from the pieces is bash's quote removal, and more:
    a quote of one kind inside a string of the other is literal to bash, and removing it only joins more of the
    piece, which no name holds a quote to match. A semicolon ends a word and a command as a line break does (only
    a here-document, which needs ``<<``, or a comment tells them apart: the scan lets a comment start after one, as
    bash does, and ends it only at a line break); so it is read as a line break for the command words and as a blank
    for the pieces. A function that runs itself in a pipe or in the background (the fork bomb rule) needs ``|``
    or ``&``, which stay out.

    Why it is cheap: ``in`` on a string is a memchr, a regex pass over one character class runs in C, and only the
    text's distinct lines are split into pieces, compared as a set; only the distinct pieces with a ``/`` in them
    are looked at one by one."""
    for char in _HARD_CHARS:
        if char in text:
            return False
    if "$" in text and _EXPANDING_DOLLAR.search(text):
        return False
    if _writes_alias_table(text):
        return False
    globs = "*" in text or "?" in text or "[" in text
    quoted = '"' in text or "'" in text
    separated = ";" in text
    if quoted or globs or ("{" in text and "}" in text):
        # Without a quote, comments can pair no quotes; left in place they only add words to the checks below (a
        # glob or a brace in a comment, a command word after a semicolon in one), never take one away.
        unquoted = _unquoted(text) if quoted else text
        if unquoted is None:
            return False  # an unterminated quote
        if separated:
            unquoted = unquoted.replace(";", "\n")
        braces = "{" in unquoted and "}" in unquoted
        if braces or globs:
            lines = _distinct_lines(unquoted)
            if braces and _BRACE_WORD.search(lines):
                return False
            # (odd blanks looked for in the text itself: quoted ones count too, which only refuses more)
            if globs and (_odd_blank(text) or _GLOB_COMMAND_WORD.search(lines)):
                return False
    read = text.replace('"', "").replace("'", "") if quoted else text
    if separated:
        read = read.replace(";", "\n")
    read = _as_zero(read.lower())
    return _pieces_clean(_distinct_pieces(read), globs=globs)


def _distinct_pieces(read: str) -> set[str]:
    """The distinct blank-separated pieces of ``read`` (a line break separates pieces too: the distinct lines are
    split first), with the last path component of each that has one (the name the analyser gives a command word)."""
    pieces = set("\n".join(set(read.split("\n"))).split())
    if "/" in read:
        pieces.update([piece.rstrip("/").rsplit("/", 1)[-1] for piece in pieces if "/" in piece])
    return pieces


def _pieces_clean(pieces: set[str], *, globs: bool) -> bool:
    """No piece that a deny rule or a command running its arguments could be named by (the name tests of
    _fast_clean; ``pieces`` lower-cased, digits read as 0, last path components included). ``globs``: the text has
    glob characters, so the names of programs that rename others count too."""
    if not (_LONG_NAMES_WITH_GLOBS if globs else _LONG_NAMES).isdisjoint(pieces):
        return False
    lines = "\n" + "\n".join(pieces)
    for special, letter in _ASCII_FOLDS:
        if special in lines:
            lines = lines.replace(special, letter)
    return _LONG_NAME_PATTERNS.search(lines) is None


def _provably_clean(text: str) -> bool:
    """True when no deny rule can fire on ``text``: the fast paths' proof, the one each text's length calls for."""
    if _NUL in text:
        return False
    return _fast_clean(text) if len(text) <= _LONG_TEXT else _long_text_clean(text)


def _deny_rm(
    cmd: SimpleCommand, args: list[tuple[str, str | None]], add: Callable[[str, str], None], *, hint: bool
) -> None:
    short, longs, operands, unknown = _options(args)
    if "--no-preserve-root" in longs:
        add(ROOT_WIPE, f"rm --no-preserve-root ({_show(cmd)})")
        return
    recursive = hint or unknown or "r" in short or "R" in short or "--recursive" in longs
    forced = unknown or "f" in short or "--force" in longs
    if not (recursive or forced):
        return
    for text, empty in operands:
        hit = _system_dir(cmd, text, empty)
        if hit is not None:
            add(ROOT_WIPE, f"{cmd.name or 'rm'} removes a system directory {hit[:40]!r} ({_show(cmd)})")
            return


def _deny_root_wipe(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    name = cmd.name
    args = _words(cmd)[1:]
    hint = cmd.origin.startswith("find -exec")
    if cmd.dynamic_name:
        _deny_rm(cmd, args, add, hint=hint)
        return
    if name in _RM_NAMES:
        _deny_rm(cmd, args, add, hint=hint)
    elif name in _SHRED_NAMES:
        short, longs, operands, unknown = _options(args)
        if hint or unknown or "r" in short or "R" in short or "--recursive" in longs or "u" in short:
            for text, empty in operands:
                hit = _system_dir(cmd, text, empty)
                if hit is not None:
                    add(ROOT_WIPE, f"{name} destroys a system directory {hit[:40]!r} ({_show(cmd)})")
                    return
    elif name == "find":
        roots, exprs, narrowed = _shell.find_parts(cmd.argv, cmd.empty_forms)
        if "-delete" in exprs and not narrowed:
            for root in roots:
                idx = cmd.argv.index(root) if root in cmd.argv else -1
                empty = cmd.empty_forms[idx] if 0 <= idx < len(cmd.empty_forms) else None
                hit = _system_dir(cmd, root, empty)
                if hit is not None:
                    add(ROOT_WIPE, f"find -delete over a system directory {hit[:40]!r} ({_show(cmd)})")
                    return
    elif name in ("rsync", "openrsync"):
        _deny_rsync(cmd, args, add)


_RSYNC_VALUE = frozenset(
    {
        "-e",
        "-f",
        "-T",
        "-B",
        "-M",
        "--rsh",
        "--exclude",
        "--include",
        "--filter",
        "--exclude-from",
        "--include-from",
        "--files-from",
        "--temp-dir",
        "--partial-dir",
        "--log-file",
        "--password-file",
        "--rsync-path",
        "--chmod",
        "--chown",
        "--compare-dest",
        "--copy-dest",
        "--link-dest",
        "--backup-dir",
        "--suffix",
        "--max-size",
        "--min-size",
        "--timeout",
        "--bwlimit",
        "--port",
        "--address",
        "--out-format",
        "--log-file-format",
        "--usermap",
        "--groupmap",
        "--remote-option",
        "--info",
        "--debug",
    }
)


def _deny_rsync(cmd: SimpleCommand, args: list[tuple[str, str | None]], add: Callable[[str, str], None]) -> None:
    deleting = any(t.startswith("--del") for t, _unused in args)
    if not deleting:
        return
    operands: list[tuple[str, str | None]] = []
    skip = False
    for text, empty in args:
        if skip:
            skip = False
            continue
        if empty is None and text in _RSYNC_VALUE:
            skip = True
            continue
        if empty is None and text.startswith("-") and len(text) > 1:
            continue
        operands.append((text, empty))
    if len(operands) < 2:
        return
    text, empty = operands[-1]
    dests = []
    for cand in _candidates(text, empty):
        host, sep, path = cand.partition(":")
        if sep and "/" not in host and not cand.startswith("/"):
            # host:path - a remote destination; only an absolute remote path can be judged.
            if path.startswith("/"):
                dests.append(path)
            elif path in ("", "~", "~/"):
                dests.append("~")
            continue
        dests.append(cand)
    for dest in dests:
        hit = _system_dir(cmd, dest, None)
        if hit is not None:
            add(ROOT_WIPE, f"rsync --delete into a system directory {hit[:40]!r} ({_show(cmd)})")
            return


def _deny_raw_disk(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    cwds = cmd.cwds or (None,)
    for target in _write_redirects(cmd):
        if _raw_disk(target, None, cwds):
            add(RAW_DISK, f"redirection writes to {_device(target)} ({_show(cmd)})")
            return
    if cmd.name in _SED_NAMES:
        for target in _sed_writes(cmd):
            if _raw_disk(target, None, cwds):
                add(RAW_DISK, f"sed script writes to {_device(target)} ({_show(cmd)})")
                return
    name = cmd.name
    args = _words(cmd)[1:]
    names = _DYNAMIC_AS if cmd.dynamic_name else (name,)
    disk_operands_of_any: list[tuple[str, str | None]] | None = None
    for nm in names:
        if nm in ("dd", "dcfldd", "dc3dd"):
            for text, empty in args:
                for cand in _candidates(text, empty):
                    key, eq, value = cand.partition("=")
                    if eq and key in ("of", "hof", "vf") and _raw_disk(value, None, cwds):
                        add(RAW_DISK, f"{nm} writes to {_device(value)} ({_show(cmd)})")
                        return
            continue
        if disk_operands_of_any is None:  # (the same for every name a dynamic command word may be)
            disk_operands_of_any = [(t, e) for t, e in args if not t.startswith("-") and _raw_disk(t, e, cwds)]
        disk_operands = disk_operands_of_any
        if not disk_operands:
            continue
        target = disk_operands[0][0][:40]
        short, longs, _operands, _any_option = _options(args)
        texts = {t for t, _unused in args}
        if nm == "mkfs" or _MKFS_RE.fullmatch(nm):
            add(RAW_DISK, f"{nm} formats the raw disk {target} ({_show(cmd)})")
        elif nm == "wipefs" and ("a" in short or "o" in short or longs & {"--all", "--offset"}):
            add(RAW_DISK, f"wipefs erases signatures on {target} ({_show(cmd)})")
        elif nm in ("shred", "blkdiscard", "tee", "truncate", "fallocate"):
            add(RAW_DISK, f"{nm} writes to {_device(target)} ({_show(cmd)})")
        elif nm == "badblocks" and "w" in short:
            add(RAW_DISK, f"badblocks -w overwrites the raw disk {target} ({_show(cmd)})")
        elif nm == "sgdisk" and (
            "Z" in short or "o" in short or "z" in short or texts & {"--zap-all", "--zap", "--clear"}
        ):
            add(RAW_DISK, f"sgdisk wipes the partition table of {target} ({_show(cmd)})")
        elif nm in ("cp", "ddrescue") and disk_operands[-1] == args[-1] and len(args) >= 2:
            add(RAW_DISK, f"{nm} writes to {_device(args[-1][0])} ({_show(cmd)})")
        else:
            continue
        return


def _deny_perms(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    names = ("chmod", "chown") if cmd.dynamic_name else (cmd.name,)
    args = _words(cmd)[1:]
    hint = cmd.origin.startswith("find -exec")
    for nm in names:
        if nm not in _PERM_NAMES:
            continue
        short, longs, operands, unknown = _options(args)
        recursive = hint or unknown or "R" in short or "--recursive" in longs
        if nm == "setfacl":
            recursive = recursive or "R" in short
        if not recursive:
            continue
        if nm in _FIRST_OPERAND_IS_MODE and not any(o.startswith("--reference") for o in longs) and operands:
            operands = operands[1:]
        if nm == "setfacl":
            operands = [o for o in operands if ":" not in o[0] or o[0].startswith("/")]
        for text, empty in operands:
            hit = _system_dir(cmd, text, empty)
            if hit is not None:
                add(PERMS_ROOT, f"{nm} recursive on a system directory {hit[:40]!r} ({_show(cmd)})")
                return


_GIT_VALUE = frozenset(
    {
        "-C",
        "-c",
        "--git-dir",
        "--work-tree",
        "--namespace",
        "--exec-path",
        "--super-prefix",
        "--config-env",
        "--list-cmds",
    }
)
_PUSH_VALUE = frozenset(
    {"-o", "--push-option", "--repo", "--receive-pack", "--exec", "--recurse-submodules", "--signed"}
)
_PUSH_FORCE_LONG = frozenset({"--force", "--force-with-lease", "--force-if-includes", "--mirror"})


def git_push(cmd: SimpleCommand) -> tuple[bool, list[str], bool, bool] | None:
    """For a ``git ... push`` command: (force, refspecs, all-branches, deletes), else None."""
    if cmd.name != "git":
        return None
    argv = cmd.argv
    k = 1
    while k < len(argv):
        t = argv[k]
        if t in _GIT_VALUE:
            k += 2
            continue
        if t.startswith("-"):
            k += 1
            continue
        break
    if k >= len(argv) or argv[k] != "push":
        return None
    force = False
    everything = False
    deletes = False
    positional: list[str] = []
    j = k + 1
    while j < len(argv):
        t = argv[j]
        if t == "--":
            positional.extend(argv[j + 1 :])
            break
        if t.startswith("--"):
            key = t.split("=", 1)[0]
            if key in _PUSH_FORCE_LONG:
                force = True
            if key in ("--all", "--mirror", "--branches"):
                everything = True
            if key == "--delete":
                deletes = True
            if key in _PUSH_VALUE and "=" not in t:
                j += 1
        elif t.startswith("-") and len(t) > 1:
            if "f" in t[1:]:
                force = True
            if "d" in t[1:]:
                deletes = True
            if t[-1] == "o":
                j += 1
        else:
            positional.append(t)
        j += 1
    refspecs = positional[1:]
    if any(r.startswith("+") for r in refspecs):
        force = True
    return force, refspecs, everything, deletes


def _main_ref(ref: str) -> bool:
    ref = ref.lstrip("+")
    if "$" in ref or "`" in ref:
        return True
    src, sep, dst = ref.partition(":")
    target = dst if sep else src
    if not target:
        return False
    if target == "HEAD" and not sep:
        return True
    for prefix in ("refs/heads/", "heads/"):
        if target.startswith(prefix):
            target = target[len(prefix) :]
    return any(fnmatch.fnmatchcase(name, target) for name in ("main", "master"))


def _deny_force_push(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    if cmd.dynamic_name:  # `$(which git) push -f ...`: an unknown command may be git
        cmd = dataclasses.replace(cmd, argv=("git", *cmd.argv[1:]), name="git", dynamic_name=False)
    push = git_push(cmd)
    if push is None:
        return
    force, refspecs, everything, deletes = push
    if deletes and any(_main_ref(r) for r in refspecs):
        add(FORCE_PUSH, f"git push deletes main/master ({_show(cmd)})")
        return
    if any(r.startswith(":") and _main_ref(r) for r in refspecs):
        add(FORCE_PUSH, f"git push deletes main/master ({_show(cmd)})")
        return
    if not force:
        return
    if everything or not refspecs:
        add(FORCE_PUSH, f"git force push without a named branch may rewrite main ({_show(cmd)})")
    elif any(_main_ref(r) for r in refspecs):
        add(FORCE_PUSH, f"git force push to main/master ({_show(cmd)})")


def is_decoder(cmd: SimpleCommand, *, inline_only: bool = False) -> bool:
    """The command turns an encoded payload into bytes (base64 -d, xxd -r, printf '\\x..', ...).

    A decompressor counts only for decoded data: after another decoder in a pipeline, or on an inline blob
    (heredoc / here-string); ``inline_only`` asks for the latter."""
    name = cmd.name
    args = cmd.argv[1:]
    if name in _DECODERS_D:
        return any(
            a in ("-d", "--decode", "-D", "-u") or (a.startswith("-") and not a.startswith("--") and "d" in a)
            for a in args
        )
    if name == "xxd":
        return any(a.startswith("-") and not a.startswith("--") and "r" in a for a in args) or "--revert" in args
    if name == "openssl":
        return "-d" in args or "-decode" in args
    if name in ("uudecode", "uudeview", "recode", "mimencode", "mmencode"):
        return name != "mimencode" or "-u" in args
    if name == "printf":
        return any(re.search(r"\\(?:x[0-9a-fA-F]|[0-7]{1,3}|u[0-9a-fA-F])", a) for a in args)
    if name == "echo":
        return any(re.search(r"\\(?:x[0-9a-fA-F]|0[0-7]|[0-7]{3}|u[0-9a-fA-F])", a) for a in args)
    if name in _DECOMPRESSORS and inline_only and cmd.stdin is None:
        return False
    if name in _DECOMPRESS_ALWAYS:
        return True
    if name in _DECOMPRESSORS:
        return any(
            a in ("-d", "--decompress", "--uncompress")
            or (a.startswith("-") and "d" in a[1:] and not a.startswith("--"))
            for a in args
        )
    return name == "rev"


def _code_decodes_and_runs(code: str) -> bool:
    code = code[:65536]
    return bool(_CODE_DECODERS.search(code)) and bool(_CODE_SINKS.search(code))


def _deny_decode(analysis: ShellAnalysis, add: Callable[[str, str], None]) -> None:
    decoded_files: set[str] = set()
    for pipeline in analysis.pipelines:
        decoder: SimpleCommand | None = None
        for cmd in pipeline:
            if decoder is None and is_decoder(cmd, inline_only=True):
                decoder = cmd
            elif decoder is not None and cmd.stdin_code:
                add(DECODE_SHELL, f"{decoder.name} output piped into {cmd.name or 'a shell'} ({_show(decoder)})")
                return
            elif decoder is not None:
                if cmd.name == "tee":
                    decoded_files.update(a for a in cmd.argv[1:] if not a.startswith("-"))
                decoded_files.update(_write_redirects(cmd))
    for cmd in analysis.commands:
        decodes = is_decoder(cmd, inline_only=True)
        if cmd.feeds_code and decodes:
            add(DECODE_SHELL, f"decoded {cmd.name} output executed as code ({_show(cmd)})")
            return
        if cmd.code and _shell.INTERPRETER_RE.fullmatch(cmd.name.lower()) and _code_decodes_and_runs(cmd.code):
            add(DECODE_SHELL, f"{cmd.name} code decodes and executes a payload ({_clip(cmd.code)})")
            return
        if decodes:
            decoded_files.update(_write_redirects(cmd))
            for k, a in enumerate(cmd.argv[:-1]):
                if a in ("-o", "--output", "-out"):
                    decoded_files.add(cmd.argv[k + 1])
        if decoded_files:
            runs = [cmd.argv[0]] if cmd.argv else []
            if (
                cmd.name in _shell.SHELLS
                or _shell.INTERPRETER_RE.fullmatch(cmd.name.lower())
                or cmd.name in ("source", ".")
            ):
                runs.extend(cmd.argv[1:])
            for word in runs:
                if _basename_in(word, decoded_files):
                    add(DECODE_SHELL, f"decoded payload written to {word[:40]} and executed ({_show(cmd)})")
                    return


def _basename_in(word: str, files: set[str]) -> bool:
    """``./a.sh`` and ``a.sh`` name the same file (relative to the same directory)."""

    def key(path: str) -> str:
        while path.startswith("./"):
            path = path[2:]
        return path

    return key(word) in {key(f) for f in files}


def _deny_fork(analysis: ShellAnalysis, add: Callable[[str, str], None]) -> None:
    for cmd in analysis.commands:
        if cmd.function and cmd.name == cmd.function and (cmd.pipe_in or cmd.pipe_out or cmd.background):
            add(FORK_BOMB, f"function {cmd.function[:30]!r} spawns itself in a pipe or background")
            return
        if cmd.code and _CODE_FORK.search(cmd.code[:65536]) and _CODE_LOOP.search(cmd.code[:65536]):
            add(FORK_BOMB, f"{cmd.name} code forks in a loop ({_clip(cmd.code)})")
            return
    hit = _fork_net(analysis.text)
    if hit:
        add(FORK_BOMB, f"fork bomb pattern ({_clip(hit)})")


_CODE_DISK = re.compile(r"['\"](/dev/[A-Za-z0-9/_.-]{1,64})['\"]")
_CODE_WRITE = re.compile(
    r"['\"](?:r\+|w|wb|ab|a|rb\+|r\+b|w\+b?)['\"]|O_WRONLY|O_RDWR|\bwrite|>>?\s*['\"]/dev/|\bsysopen"
)


def _deny_code_paths(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    if not cmd.code:
        return
    code = cmd.code[:65536]
    if "/dev/" in code and _CODE_WRITE.search(code):
        for m in _CODE_DISK.finditer(code):
            if _paths.is_device_write(m.group(1)):
                add(RAW_DISK, f"{cmd.name} code writes to {_device(m.group(1))}")
                return
    for m in _CODE_DELETE_ARG.finditer(cmd.code[:65536]):
        path = m.group(1) or m.group(2) or ""
        if _system_dir(cmd, path, None):
            add(ROOT_WIPE, f"{cmd.name} code deletes a system directory {path[:40]!r}")
            return


def _deny_database_shell(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    """A database shell's own command that runs a shell command line (``sqlite3 x.db '.shell rm -rf /'``, psql's
    ``\\!``, mysql's ``system``): the line is deny-scanned as the command it is."""
    if cmd.dynamic_name or not cmd.name:
        return
    for text in _sql.client_shell_commands(cmd.name, cmd.argv[1:], cmd.stdin):
        for finding in deny_rules(_shell.analyze(text[:_MAX_SHELL_ESCAPE])):
            add(finding.rule, f"{cmd.name} runs a shell command: {finding.reason}")


_MAX_SHELL_ESCAPE = 4096


def _deny_powershell(cmd: SimpleCommand, add: Callable[[str, str], None]) -> None:
    """``pwsh -c TEXT`` (and its input, ``-EncodedCommand``): the deny classes read in PowerShell (policy._pwsh)."""
    if cmd.dynamic_name or _lifecycle.tool_for(cmd.name) not in _PWSH_TOOLS:
        return
    empties = cmd.empty_forms or (None,) * len(cmd.argv)
    if any(e is not None for e in empties[1:]):
        return  # words the gate cannot read: classify_invocation rounds the task up
    for rule, reason in _pwsh.deny_invocation(cmd.argv[1:], cmd.stdin)[:8]:
        add(rule, reason)


def _deny_find_xargs(analysis: ShellAnalysis, add: Callable[[str, str], None]) -> None:
    for pipeline in analysis.pipelines:
        for k, cmd in enumerate(pipeline):
            if cmd.name != "find":
                continue
            roots, _exprs, narrowed = _shell.find_parts(cmd.argv, cmd.empty_forms)
            if narrowed or not any(_system_dir(cmd, r, None) for r in roots):
                continue
            for later in pipeline[k + 1 :]:
                if later.origin != "xargs":
                    continue
                if later.name in _RM_NAMES | _SHRED_NAMES:
                    add(ROOT_WIPE, f"find over a system directory piped into xargs {later.name} ({_show(cmd)})")
                    return
                if later.name in _PERM_NAMES:
                    add(PERMS_ROOT, f"find over a system directory piped into xargs {later.name} ({_show(cmd)})")
                    return


def deny_findings(text: str, *, cwd: str | None = None, analysis: ShellAnalysis | None = None) -> list[Finding]:
    """Deny-class findings for ``text``. Empty when nothing matched.

    ``analysis``: ``_shell.analyze(text, cwd=cwd)`` when the caller already has it. Text the fast path clears is
    clear whatever the working directory, so the analysis is only read for text the fast path cannot clear."""
    if _provably_clean(text):
        return []
    return deny_rules(analysis if analysis is not None else _shell.analyze(text, cwd=cwd))


def deny_rules(analysis: ShellAnalysis) -> list[Finding]:
    """Every deny rule over every command of ``analysis``: the long way, which the fast path must agree with."""
    found: dict[tuple[str, str], None] = {}

    def add(rule: str, reason: str) -> None:
        if len(found) < 32:
            found[(rule, reason[:199])] = None

    for cmd in analysis.commands:
        _deny_root_wipe(cmd, add)
        _deny_raw_disk(cmd, add)
        _deny_perms(cmd, add)
        _deny_force_push(cmd, add)
        _deny_code_paths(cmd, add)
        _deny_powershell(cmd, add)
        _deny_database_shell(cmd, add)
    _deny_find_xargs(analysis, add)
    _deny_decode(analysis, add)
    _deny_fork(analysis, add)
    if analysis.written:
        _deny_written(analysis, add)
    return [Finding(rule, reason) for rule, reason in found]


def _deny_written(analysis: ShellAnalysis, add: Callable[[str, str], None]) -> None:
    """What the text stores for later (``echo 'ExecStart=/bin/rm -rf /usr' > unit``, ``cat > /etc/cron.d/x
    <<EOF``, ``printf ... | crontab -``) is read as a data string, as ``copy content=`` writing the same file is:
    as a command line and for the commands its configuration values hold.

    Bounded: the analyser keeps at most about twice the text's size of stored text (more only comes from a
    decoder, and makes the command text uncertain, T3), and a stored text that stores text in turn (a script that
    writes a script) is read to :data:`_MAX_STORED_DEPTH` levels; deeper, the writing command keeps its tier (the
    threat model lists this)."""
    depth = _STORED_DEPTH.get()
    if depth >= _MAX_STORED_DEPTH:
        return
    from . import _value_commands  # noqa: PLC0415 - it imports this module, so it is found here at first use

    token = _STORED_DEPTH.set(depth + 1)
    try:
        for text in analysis.written:
            for finding in _value_commands.data_findings(text):
                add(finding.rule, f"{finding.reason}, in the data the text stores for later")
    finally:
        _STORED_DEPTH.reset(token)


# ---------------------------------------------------------------------------------------------------------------
# Content tiers
# ---------------------------------------------------------------------------------------------------------------


def _write_targets(cmd: SimpleCommand) -> list[tuple[str, str | None]]:
    """Paths the command writes, changes or removes (redirections included)."""
    targets: list[tuple[str, str | None]] = [(t, None) for t in _write_redirects(cmd)]
    name = cmd.name
    if name not in _WRITE_LAST and name not in _WRITE_ALL:
        return targets
    args = _words(cmd)[1:]
    _short, longs, operands, _unknown = _options(args)
    for text, _empty in args:
        if text.startswith("--target-directory="):
            targets.append((text.partition("=")[2], None))
    if name in _SED_NAMES:
        targets.extend((path, None) for path in _sed_writes(cmd))
    if name in ("sed", "perl"):
        if not any(t.startswith("-i") or t.startswith("--in-place") for t, _unused in args if t.startswith("-")):
            return targets
        has_script = any(
            t in ("-e", "-f", "--expression", "--file") or t.startswith("--expression=") for t, _unused in args
        )
        if not has_script and operands and name == "sed":
            operands = operands[1:]
        if name == "perl":
            operands = [o for o in operands if not o[0].startswith("-")]
    if name == "dd":
        for text, empty in args:
            if text.startswith("of="):
                targets.append((text[3:], empty[3:] if empty else None))
        return targets
    if name in _FIRST_OPERAND_IS_MODE and operands and not any(o.startswith("--reference") for o in longs):
        operands = operands[1:]
    if name in _WRITE_LAST:
        targets.extend(operands[-1:] if len(operands) >= 2 else [])
        for k, (text, _unused) in enumerate(args[:-1]):
            if text == "-t":
                targets.append(args[k + 1])
    else:
        targets.extend(operands)
    return targets


def _systemctl_verbs(argv: Sequence[str]) -> list[str]:
    return [a for a in argv[1:] if not a.startswith("-")]


class _Tiers:
    def __init__(self) -> None:
        self.tier = Tier.T0
        self.reasons: dict[str, None] = {}
        self.probes = _MAX_RUNNER_PROBES  # analyses _unknown_runner may still run for this text

    def add(self, tier: Tier, reason: str, cmd: SimpleCommand | None = None) -> None:
        text = f"{tier}: {reason}" + (f" ({_show(cmd)})" if cmd is not None and cmd.argv else "")
        if len(self.reasons) < 64:
            self.reasons[text[:199]] = None
        self.tier = max(self.tier, tier)


def _tier_command(cmd: SimpleCommand, t: _Tiers) -> None:
    name = cmd.name
    argv = cmd.argv
    args = _words(cmd)[1:]
    texts = [a for a, _unused in args]
    T3, T2 = Tier.T3, Tier.T2
    if cmd.dynamic_name:
        t.add(T3, "dynamic command name", cmd)
    if cmd.feeds_code:
        t.add(T3, "command output is executed as code", cmd)
    if cmd.stdin_code and cmd.pipe_in and cmd.stdin is None:
        t.add(T3, f"{name or 'interpreter'} runs code read from a pipe", cmd)
    if (
        any(w in _PRIV_WRAPPING for w in cmd.wrappers)
        or name in _PRIV_COMMANDS
        or (name == "machinectl" and texts[:1] == ["shell"])
    ):
        t.add(T2, "privilege escalation", cmd)
    # --- deletion ---
    if name in _RM_NAMES:
        _s, _l, operands, _unknown = _options(args)
        for text, empty in operands:
            if text == "" and empty is None:
                continue  # `rm ""` removes nothing
            if empty is not None:
                t.add(T3, "rm with an operand that is not statically known", cmd)
                break
            if not all(_paths.is_temp_path(text, cwd=c) for c in (cmd.cwds or (None,))):
                t.add(T3, "rm outside temporary directories", cmd)
                break
        if cmd.origin == "xargs":
            t.add(T3, "rm with operands read from input", cmd)
    if name == "find" and ("-delete" in texts or any(x in texts for x in ("-exec", "-execdir", "-ok"))):
        roots, exprs, _narrowed = _shell.find_parts(argv, cmd.empty_forms)
        if "-delete" in exprs and not all(
            _paths.is_temp_path(r.rstrip("/") + "/x", cwd=c) for r in roots for c in (cmd.cwds or (None,))
        ):
            t.add(T3, "find -delete outside temporary directories", cmd)
    if name in _SHRED_NAMES or name in ("wipefs", "blkdiscard") or _MKFS_RE.fullmatch(name):
        t.add(T3, f"{name} destroys data", cmd)
    if name in ("dd", "dcfldd", "dc3dd"):
        outs = [a[3:] for a in texts if a.startswith("of=")]
        if any(o not in _TEMP_SAFE_DD for o in outs):
            t.add(T3, "dd writes a file or device", cmd)
    if name in _DISK_T3 and name not in _SHRED_NAMES and name != "wipefs":
        safe = _DISK_LIST_ONLY.get(name, frozenset())
        if not (safe and any(a in safe for a in texts)):
            t.add(T3, f"{name} changes disks, volumes or data irreversibly", cmd)
    if name in ("zpool", "zfs") and texts[:1] and texts[0] in ("destroy", "labelclear", "rollback"):
        t.add(T3, f"{name} {texts[0]}", cmd)
    if name in ("mysqladmin",) and "drop" in texts:
        t.add(T3, "mysqladmin drop", cmd)
    if name in _ACCOUNT_T3:
        t.add(T3, f"{name} removes accounts or edits account databases", cmd)
    if name in _POWER_T3:
        t.add(T3, f"{name} stops or restarts the machine", cmd)
    if name in ("init", "telinit") and texts[:1] and texts[0] in ("0", "6", "1", "s", "S"):
        t.add(T3, f"{name} {texts[0]} changes the runlevel", cmd)
    if name == "systemctl":
        verbs = _systemctl_verbs(argv)
        if verbs and verbs[0] in _SYSTEMCTL_T3:
            t.add(T3, f"systemctl {verbs[0]}", cmd)
        elif verbs and verbs[0] in _SERVICE_VERBS:
            t.add(T2, f"systemctl {verbs[0]} changes services", cmd)
    if name == "git":
        push = git_push(cmd)
        if push is not None and (push[0] or push[3]):
            t.add(T3, "git push --force rewrites remote history", cmd)
        sub = [a for a in texts if not a.startswith("-")]
        if "reset" in sub and "--hard" in texts:
            t.add(T3, "git reset --hard discards work", cmd)
        if "clean" in sub and any(
            a == "--force" or (a.startswith("-") and not a.startswith("--") and "f" in a) for a in texts
        ):
            t.add(T3, "git clean -f deletes untracked files", cmd)
    if name in _FIREWALLS and any(
        a in ("-F", "--flush", "-X", "--delete-chain", "-Z")
        or (a.startswith("-") and not a.startswith("--") and ("F" in a or "X" in a))
        for a in texts
    ):
        t.add(T3, f"{name} flushes firewall rules", cmd)
    elif name in _FIREWALLS:
        t.add(T2, f"{name} changes firewall rules", cmd)
    if name == "nft" and "flush" in " ".join(texts) and "ruleset" in " ".join(texts):
        t.add(T3, "nft flush ruleset", cmd)
    if name in ("ufw",) and texts[:1] and texts[0] in ("disable", "reset"):
        t.add(T3, f"ufw {texts[0]}", cmd)
    if name in ("kill", "pkill", "killall", "killall5"):
        ops = _kill_targets(texts) if name == "kill" else texts
        if name == "kill" and any(o in ("1", "-1") for o in ops):
            t.add(T3, "kill of init or of every process", cmd)
        elif name == "killall5" or any(o in ("init", "systemd", "sshd") for o in ops):
            t.add(T3, f"{name} of a system-critical process", cmd)
    if name == _talos.PROGRAM:  # the praxis.gatekeeper.talos module's verb table: shelling out gains nothing
        for weight, reason in _talos.command_tiers(argv):
            t.add(weight, reason, cmd)
    if name == "crontab":
        if any(a == "-r" or (a.startswith("-") and "r" in a[1:] and not a.startswith("--")) for a in texts):
            t.add(T3, "crontab -r removes every job", cmd)
        elif not any(a == "-l" for a in texts):
            t.add(T2, "crontab changes scheduled jobs", cmd)
    # --- writes ---
    perms = permission_change(cmd)
    if perms is not None and perms[0] is T3:
        t.add(T3, perms[1], cmd)
    for text, empty in _write_targets(cmd):
        for cand in _candidates(text, empty):
            cwds = cmd.cwds or (None,)
            label = next(filter(None, (_paths.t3_sensitive(cand, cwd=c) for c in cwds)), None)
            if label and perms is not None:
                # chmod/chown/chgrp of /etc/shadow or /boot: reversible, so T2 (T3 when it opens access)
                if perms[0] is T3:
                    t.add(T3, f"{perms[1]} on {label}", cmd)
                else:
                    t.add(T2, f"changes the permissions or owner of {label} (reversible)", cmd)
                break
            if label:
                t.add(T3, f"writes {label}", cmd)
                break
            if any(_paths.under_etc(cand, cwd=c) for c in cwds):
                t.add(T2, "writes under /etc", cmd)
                break
    # --- stateful administration ---
    if name in _PKG_ALWAYS:
        t.add(T2, f"package manager {name}", cmd)
    elif name == "dpkg" and any(
        _flag_any(a, "irP", ("--install", "--remove", "--purge", "--configure", "--unpack")) for a in texts
    ):
        t.add(T2, "dpkg changes packages", cmd)
    elif name == "rpm" and any(_flag_any(a, "ieUF", ("--install", "--erase", "--upgrade", "--freshen")) for a in texts):
        t.add(T2, "rpm changes packages", cmd)
    elif _LANGUAGE_PACKAGERS.fullmatch(name) and any(v in texts for v in ("install", "uninstall", "remove", "add")):
        t.add(T2, f"{name} installs or removes packages", cmd)
    elif name in ("npm", "pnpm", "yarn") and ("-g" in texts or "--global" in texts or "global" in texts):
        t.add(T2, f"{name} global package change", cmd)
    elif _shell.INTERPRETER_RE.fullmatch(name.lower()) and "-m" in texts and "pip" in texts and "install" in texts:
        t.add(T2, "pip installs packages", cmd)
    if (
        name in ("service", "rc-service", "initctl", "sv", "launchctl")
        and texts
        and not any(a in ("status", "list", "--status-all", "-l") for a in texts)
    ):
        t.add(T2, f"{name} changes services", cmd)
    if name in _ACCOUNT_T2:
        t.add(T2, f"{name} changes accounts", cmd)
    if name == "fc" and not any(a.startswith("-") and not a.startswith("--") and "l" in a[1:] for a in texts):
        # fc -s [old=new] / fc -e EDITOR: runs a command from the history again, edited; the history may hold what
        # history -s or history -r put there, or lines the gate never saw
        t.add(T3, "fc runs a command from the shell's history again, which the gate cannot read", cmd)
    if name in ("mount", "umount") and [a for a in texts if not a.startswith("-")]:
        t.add(T2, f"{name} changes mounts", cmd)
    if name == "sysctl" and any(
        a in ("-w", "--write", "-p", "--load", "--system") or ("=" in a and not a.startswith("-")) for a in texts
    ):
        t.add(T2, "sysctl changes kernel parameters", cmd)
    if name in _MODULE_T2:
        t.add(T2, f"{name} changes kernel modules", cmd)
    if name in ("hostnamectl", "timedatectl", "localectl") and any(v.startswith("set-") for v in texts):
        t.add(T2, f"{name} changes system settings", cmd)
    if name == "update-alternatives" and any(a in ("--set", "--install", "--remove", "--config") for a in texts):
        t.add(T2, "update-alternatives changes defaults", cmd)
    # --- infrastructure tools: their verbs, as data (_lifecycle), and the code their shells read ---
    verdict = _lifecycle.command_verdict(cmd)
    if verdict is not None and verdict[0] > Tier.T0:
        t.add(verdict[0], verdict[1], cmd)
    # --- interpreter code ---
    code_language = bool(cmd.code) and (_shell.INTERPRETER_RE.fullmatch(name.lower()) or name in _shell._AWKS)
    if code_language and cmd.code and _CODE_DELETE.search(cmd.code[:65536]):
        t.add(T3, f"{name} code deletes files", cmd)
    if code_language and cmd.code:
        family = _shell.VERSION_SUFFIX.sub("", name.lower())
        calls = _shell.code_calls(cmd.code, awk=name in _shell._AWKS, tcl=family in _shell.TCL_FAMILY)
        if calls.computed:
            t.add(T3, f"{name} code runs a command line it computes (the gate cannot read it)", cmd)
    # --- a program the analyser does not know, handed a deny-class command ---
    _unknown_runner(cmd, t)


# Programs whose operands and option values are data (a message, a pattern, a commit message, a file name), never a
# command they run: a deny-class command line among their words is text, not a risk (``grep 'rm -rf /' notes``).
INERT_PROGRAMS = frozenset(
    {
        "echo", "printf", "logger", "wall", "write", "notify-send", "mail", "mailx", "cowsay", "figlet", "banner",
        "grep", "egrep", "fgrep", "zgrep", "rg", "ag", "ack", "jq", "yq", "test", "[", "[[", "expr", "printenv",
        "cat", "head", "tail", "wc", "sort", "uniq", "cut", "tr", "comm", "diff", "cmp", "ls", "stat", "file",
        "true", "false", ":", "basename", "dirname", "realpath", "readlink", "svn", "hg", "tee", "touch", "mkdir",
        "rm", "rmdir", "cp", "mv", "ln", "chmod", "chown", "chgrp", "dd", "mkfs", "shred", "wipefs", "mktemp",
    }
)  # fmt: skip
_UNKNOWN_RUNNER_SCAN = 8  # leading argument positions read as a possible command
_MAX_RUNNER_PROBES = 64  # analyses of possible commands per text; past it, the text rounds up


def _unknown_runner(cmd: SimpleCommand, t: _Tiers) -> None:
    """Round up a program the analyser does not read (not a shell, wrapper, runner, interpreter, tool with a
    command language, lifecycle tool or inert program) when its words hold a deny-class command: a quoted
    command line among them, or the rest of its words from some position on (``perf record rm -rf /``,
    ``bwrap --bind / / rm -rf /``). Such a program may run what it is given; the gate cannot know, so the task
    takes approval (T3) instead of passing at its ordinary tier."""
    name = cmd.name
    argv = cmd.argv
    if len(argv) < 2 or cmd.dynamic_name or name in INERT_PROGRAMS or name in _shell.HANDLED_NAMES:
        return
    if not name or name.startswith("-"):
        return  # an option left as the command word by a dynamic one before it (``$SHELL -c ...``)
    if name in _shell.FOREIGN_READERS or _shell.INTERPRETER_RE.fullmatch(name.lower()):
        return
    if name.startswith("mkfs") or _lifecycle.tool_for(name) is not None:
        return
    candidates: list[str] = []
    for k in range(1, min(len(argv), _UNKNOWN_RUNNER_SCAN + 1)):
        word = argv[k]
        if any(c in word for c in " \t\n;|&"):
            candidates.append(word)
        elif word and not word.startswith("-"):
            candidates.append(_shell.split_argv(list(argv[k:])))
    for text in candidates:
        if _provably_clean(text):
            continue
        if t.probes <= 0:
            t.add(Tier.T3, "too many programs the gate does not know handed possible commands", cmd)
            return
        t.probes -= 1
        findings = deny_rules(_shell.analyze(text))
        if findings:
            t.add(
                Tier.T3,
                f"{name} may run its arguments as a command, and they are deny-class ({findings[0].rule}: "
                f"{_clip(text, 40)})",
                cmd,
            )
            return


def _flag_any(arg: str, letters: str, longs: Sequence[str]) -> bool:
    if arg.startswith("--"):
        return arg.split("=", 1)[0] in longs
    return arg.startswith("-") and any(ch in arg[1:] for ch in letters)


def _kill_targets(texts: Sequence[str]) -> list[str]:
    k = 0
    if texts and texts[0] in ("-s", "-n", "--signal"):
        k = 2
    elif texts and (texts[0] == "--" or (texts[0].startswith("-") and (texts[0] != "-1" or len(texts) > 1))):
        k = 1
    rest = list(texts[k:])
    if rest and rest[0] == "--":
        rest = rest[1:]
    return rest


def _mentions(analysis: ShellAnalysis, t: _Tiers) -> None:
    """Round up: naming a T3-sensitive path anywhere (``cat /etc/sudoers``) is T3, whatever the command. The
    operands of a plain permission change (``chmod 0600 /etc/shadow``) are judged by the permission rule instead."""
    seen: set[tuple[str, str | None]] = set()
    words: list[tuple[str, str | None]] = []
    judged: set[str] = set()
    for cmd in analysis.commands:
        if permission_change(cmd) is not None and not cmd.redirects:
            judged.update(cmd.argv[1:])
            continue
        for word in (*cmd.argv[1:], *(r.target for r in cmd.redirects)):
            words.append((word, cmd.cwd))
    for m in _PATH_TOKEN.finditer(analysis.text[:262144]):
        if m.group(0) in judged:
            continue
        words.append((m.group(0), None))
        if len(words) > 8192:
            break
    for word, cwd in words:
        if (word, cwd) in seen or not _T3_HINT.search(f"{cwd or ''}/{word}"):
            continue
        seen.add((word, cwd))
        for cand in dict.fromkeys((word, word.split("=", 1)[-1], word.rstrip(",;:)\"'"))):  # distinct, in order
            label = _paths.t3_sensitive(cand, cwd=cwd) if cand else None
            if label:
                t.add(Tier.T3, f"mentions {label} ({_clip(cand, 60)})")
                return


def content_tier(text: str, *, cwd: str | None = None, analysis: ShellAnalysis | None = None) -> tuple[Tier, list[str]]:
    """The tier a command text's content calls for, with ``"T3: ..."``-style reasons (empty at T0)."""
    if analysis is None:
        analysis = _shell.analyze(text, cwd=cwd)
    t = _Tiers()
    if analysis.uncertain:
        t.add(Tier.T3, "command text could not be analysed with confidence")
    for cmd in analysis.commands:
        _tier_command(cmd, t)
    _mentions(analysis, t)
    m = _SQL_T3.search(analysis.text[:262144])
    if m:
        t.add(Tier.T3, f"destructive SQL ({_clip(m.group(0), 40)})")
    if t.tier == Tier.T0:
        return Tier.T0, []
    return t.tier, list(t.reasons)


# ---------------------------------------------------------------------------------------------------------------
# Permission changes and reads of the account databases (no false refusals on ordinary roles)
# ---------------------------------------------------------------------------------------------------------------

_PERM_CHANGERS = frozenset({"chmod", "chown", "chgrp"})
_OCTAL_MODE = re.compile(r"[0-7]{1,4}")
_SYMBOLIC_MODE = re.compile(r"[ugoa]*(?:[-+=][rwxXst]*)+(?:,[ugoa]*(?:[-+=][rwxXst]*)+)*")


def mode_opens_access(mode: str) -> str | None:
    """Why a chmod-style mode makes a file world-writable or setuid/setgid, or None when it does neither. A mode
    the gate cannot read (a reference file, an expansion) counts as opening access: ambiguity rounds up."""
    text = mode.strip()
    if _OCTAL_MODE.fullmatch(text):
        value = int(text, 8)
        if value & 0o6000:
            return f"mode {text} sets setuid or setgid"
        if value & 0o002:
            return f"mode {text} makes it world-writable"
        return None
    if not _SYMBOLIC_MODE.fullmatch(text):
        return f"mode {text[:40]!r} cannot be read"
    for clause in text.split(","):
        who = clause[: len(clause) - len(clause.lstrip("ugoa"))]
        for op_perms in re.findall(r"[-+=][rwxXst]*", clause[len(who) :]):
            if op_perms[0] == "-":
                continue
            if "s" in op_perms:
                return f"mode {text} sets setuid or setgid"
            if "w" in op_perms and (not who or "o" in who or "a" in who):
                return f"mode {text} makes it world-writable"
    return None


def permission_change(cmd: SimpleCommand) -> tuple[Tier, str] | None:
    """(tier, why) for a plain ``chmod``/``chown``/``chgrp``: reversible (T2), or T3 when it makes something
    world-writable or setuid/setgid (or its mode cannot be read). None for any other command."""
    if cmd.name not in _PERM_CHANGERS or cmd.dynamic_name:
        return None
    args = _words(cmd)[1:]
    _short, longs, operands, unknown = _options(args)
    if cmd.name != "chmod":
        return Tier.T2, f"{cmd.name} changes an owner (reversible)"
    if not operands:
        return Tier.T2, "chmod changes permissions (reversible)"
    if unknown or any(o.startswith("--reference") for o in longs):
        return Tier.T3, "chmod with a mode the gate cannot read"
    mode, empty = operands[0]
    # ``chmod -w file``: the mode looks like an option; _options may have taken it as one
    why = mode_opens_access(mode) if empty is None else "chmod with a mode that is not statically known"
    return (Tier.T3, f"chmod: {why}") if why else (Tier.T2, "chmod changes permissions (reversible)")


# Files a read of the account databases may name; getent's databases.
ACCOUNT_DATABASES = frozenset({"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/login.defs"})
_GETENT_DATABASES = frozenset({"passwd", "group", "shadow", "gshadow"})
# Readers: program -> (flag letters allowed, short options taking a value, long options allowed (with or without
# a value), leading operands that are not files). An allowlist: any other option or program is not a pure read.
_PURE_READERS: Mapping[str, tuple[str, str, frozenset[str], int]] = {
    "cat": ("nAvetsbET", "", frozenset(), 0),
    "grep": ("EFGivcqsnwxohHlL", "em", frozenset({"--color", "--colour"}), 1),
    "egrep": ("ivcqsnwxohHlL", "em", frozenset(), 1),
    "fgrep": ("ivcqsnwxohHlL", "em", frozenset(), 1),
    "cut": ("s", "dfcb", frozenset({"--delimiter", "--fields", "--only-delimited"}), 0),
    "head": ("", "nc", frozenset(), 0),
    "tail": ("", "nc", frozenset(), 0),
    "wc": ("lwcm", "", frozenset(), 0),
    "sort": ("urnbfd", "tk", frozenset(), 0),
    "awk": ("", "Fv", frozenset(), 1),
    "gawk": ("", "Fv", frozenset(), 1),
    "mawk": ("", "Fv", frozenset(), 1),
    "getent": ("", "", frozenset(), 0),
    "id": ("ugGnr", "", frozenset(), 0),
}
# awk programs that only print: no system(), getline, pipes or output redirection, no gawk extensions.
_AWK_UNSAFE = re.compile(r"system|getline|close|fflush|ENVIRON|PROCINFO|[@|`\\]")
_AWK_PRINT = re.compile(r"\bprintf?\b([^;{}\n]*)")


def _awk_prints_only(program: str) -> bool:
    if len(program) > 2000 or _AWK_UNSAFE.search(program):
        return False
    return not any(">" in m.group(1) or "|" in m.group(1) for m in _AWK_PRINT.finditer(program))


def _pure_read(cmd: SimpleCommand) -> tuple[bool, bool]:
    """(is a pure read, names an account database) for one simple command."""
    spec = _PURE_READERS.get(cmd.name)
    if (
        spec is None
        or cmd.dynamic_name
        or cmd.wrappers
        or cmd.origin != "top"
        or cmd.background
        or cmd.stdin is not None
        or cmd.stdin_code
        or cmd.feeds_code
        or any(e is not None for e in cmd.empty_forms)
        or any(r.target != "/dev/null" or r.op not in (">", "2>", ">>") for r in cmd.redirects)
    ):
        return False, False
    letters, valued, longs, leading = spec
    words = list(cmd.argv[1:])
    operands: list[str] = []
    k = 0
    while k < len(words):
        word = words[k]
        k += 1
        if word == "--":
            operands.extend(words[k:])
            break
        if word.startswith("--"):
            if word.split("=", 1)[0] not in longs:
                return False, False
            continue
        if word.startswith("-") and len(word) > 1:
            flags = word[1:]
            for i, letter in enumerate(flags):
                if letter in valued:
                    if i == len(flags) - 1:
                        k += 1  # the value is the next word
                    break
                if letter not in letters and not (cmd.name in ("head", "tail") and letter.isdigit()):
                    return False, False
            continue
        operands.append(word)
    if cmd.name in ("awk", "gawk", "mawk") and (not operands or not _awk_prints_only(operands[0])):
        return False, False
    if cmd.name == "getent":
        if not operands or operands[0] not in _GETENT_DATABASES or any("/" in o for o in operands):
            return False, False
        return True, True
    if cmd.name == "id":
        return (not any("/" in o for o in operands)), True
    files = operands[leading:]
    if any(f not in ACCOUNT_DATABASES for f in files):
        return False, False
    if not files and not cmd.pipe_in:
        return False, False  # reading a terminal or a caller's standard input is not a read of the databases
    return True, bool(files)


def reads_account_databases_only(analysis: ShellAnalysis) -> bool:
    """True when a command text only reads the account databases (``awk -F: '{print $1}' /etc/passwd``,
    ``getent passwd``, ``cut -d: -f1 /etc/passwd | sort``): every command is a known reader with known options, no
    output goes anywhere but the task's result (or /dev/null), nothing is expanded at run time, and the files it
    names are the account databases. Such a read changes nothing: it is T0 (it used to be T3 for naming them)."""
    if analysis.uncertain or not analysis.commands or len(analysis.commands) > 8:
        return False
    named = False
    for cmd in analysis.commands:
        pure, account = _pure_read(cmd)
        if not pure:
            return False
        named = named or account
    return named


# ---------------------------------------------------------------------------------------------------------------
# Operator allowlist
# ---------------------------------------------------------------------------------------------------------------

_ALLOWLIST_REJECT = frozenset(";&|<>`$(){}\n\r\\*?[]!#")


_POSIX_BLANKS = re.compile(r"[ \t\r\n]+")  # shlex's whitespace in POSIX mode


def posix_words(text: str) -> list[str] | None:
    """``shlex.split(text, comments=False, posix=True)``, None where it raises. Text without quotes or backslashes
    (most command lines) is split on shlex's whitespace directly: shlex does exactly that to it, at a tenth of
    the cost."""
    if "'" in text or '"' in text or "\\" in text:
        try:
            return shlex.split(text, comments=False, posix=True)
        except ValueError:
            return None
    return [word for word in _POSIX_BLANKS.split(text) if word]


def matches_allowlist(text: str, entries: Sequence[str], *, analysis: ShellAnalysis | None = None) -> bool:
    """True only when ``text`` is one plain simple command matching an allowlist entry word for word.

    Anything that could make the command do more than it says (operators, redirections, expansions, globs,
    wrappers, leading assignments, comments, several lines) is a non-match: when in doubt, False. ``analysis``:
    ``_shell.analyze(text)`` when the caller already has it (the decision path parses each command once)."""
    if not text or not entries or len(text) > 4096 or not _ALLOWLIST_REJECT.isdisjoint(text):
        return False
    words = posix_words(text)
    if not words:
        return False
    if "=" in words[0] or words[0].rsplit("/", 1)[-1] in _shell.WRAPPERS or words[0] in _PRIV_COMMANDS:
        return False
    if analysis is None:
        analysis = _shell.analyze(text)
    if analysis.uncertain or len(analysis.commands) != 1 or analysis.pipelines:
        return False
    cmd = analysis.commands[0]
    if (
        cmd.redirects
        or cmd.wrappers
        or cmd.dynamic_name
        or cmd.origin != "top"
        or cmd.stdin is not None
        or cmd.background
        or any(e is not None for e in cmd.empty_forms)
        or list(cmd.argv) != words
    ):
        return False
    exact, patterned = _allowlist_table(entries)
    if tuple(words) in exact:
        return True  # an entry without pattern characters matches only itself, word for word
    for patterns in patterned:
        if len(patterns) == len(words) and all(
            fnmatch.fnmatchcase(word, pattern) for word, pattern in zip(words, patterns, strict=True)
        ):
            return True
    return False


_ALLOWLIST_TABLES: dict[int, tuple[Sequence[str], frozenset[tuple[str, ...]], tuple[tuple[str, ...], ...]]] = {}


def _allowlist_table(entries: Sequence[str]) -> tuple[frozenset[tuple[str, ...]], tuple[tuple[str, ...], ...]]:
    """The allowlist as ``matches_allowlist`` reads it: every entry's words (a command matches an entry that is
    word for word itself), and the words of the entries with pattern characters (matched word by word with
    ``fnmatchcase``). A policy's allowlist is a tuple of strings fixed when the ruleset loads, so its table is made
    once and kept with it; any other sequence is read afresh."""
    known = _ALLOWLIST_TABLES.get(id(entries))
    if known is not None and known[0] is entries:
        return known[1], known[2]
    words = [(entry, _allowlist_words(entry)) for entry in entries]
    exact = frozenset(patterns for _entry, patterns in words if patterns is not None)
    patterned = tuple(
        patterns for entry, patterns in words if patterns is not None and not _GLOB_CHARS.isdisjoint(entry)
    )
    if type(entries) is tuple and all(type(entry) is str for entry in entries):  # pylint: disable=unidiomatic-typecheck
        if len(_ALLOWLIST_TABLES) >= 64:
            _ALLOWLIST_TABLES.clear()
        _ALLOWLIST_TABLES[id(entries)] = (entries, exact, patterned)
    return exact, patterned


# ---------------------------------------------------------------------------------------------------------------
# Ruleset fingerprint data
# ---------------------------------------------------------------------------------------------------------------


def _sorted(items: Iterable[str]) -> list[str]:
    return sorted(set(items))


RULES_DATA: Mapping[str, object] = {
    "version": 1,
    "deny": {
        ROOT_WIPE: {
            "rm": _sorted(_RM_NAMES),
            "shred": _sorted(_SHRED_NAMES),
            "rsync_value_opts": _sorted(_RSYNC_VALUE),
            "code_delete_arg": _CODE_DELETE_ARG.pattern,
        },
        FORK_BOMB: {
            "net_opener": _FORK_OPENER.pattern,
            "net_name": _FORK_NAME_BEFORE.pattern,
            "code_fork": _CODE_FORK.pattern,
            "code_loop": _CODE_LOOP.pattern,
        },
        RAW_DISK: {"mkfs": _MKFS_RE.pattern, "writers": _sorted(_DISK_WRITERS)},
        PERMS_ROOT: {"names": _sorted(_PERM_NAMES), "first_operand_is_mode": _sorted(_FIRST_OPERAND_IS_MODE)},
        FORCE_PUSH: {
            "git_value_opts": _sorted(_GIT_VALUE),
            "push_value_opts": _sorted(_PUSH_VALUE),
            "force_long": _sorted(_PUSH_FORCE_LONG),
            "protected": ["main", "master"],
        },
        DECODE_SHELL: {
            "decoders": _sorted(_DECODERS_D),
            "decompressors": _sorted(_DECOMPRESSORS),
            "code_decoders": _CODE_DECODERS.pattern,
            "code_sinks": _CODE_SINKS.pattern,
        },
        "dynamic_name_as": list(_DYNAMIC_AS),
        "fast_path_chars": _sorted(_FAST_CHARS),
        "fast_path_soft_chars": _sorted(_FAST_SOFT),
        "fast_path_quoted": _QUOTED.pattern,
        "fast_path_quote_stand_in": _QUOTE_STAND_IN,
        "fast_path_word_breaks": _BASH_BLANKS.pattern,
        "fast_path_expanding_dollar": _EXPANDING_DOLLAR.pattern,
        "fast_path_assignment": _PREFIX_ASSIGNMENT.pattern,
        "fast_path_odd_blank": _ODD_BLANK.pattern,
        "fast_path_names": _sorted(_FAST_NAMES),
        "fast_path_state_only_names": _sorted(_STATE_ONLY_NAMES),
        "fast_path_renaming_names": _sorted(_RENAMING_NAMES),
        "fast_path_powershell_prefixes": list(_PWSH_PREFIXES),
        "stored_text_depth": _MAX_STORED_DEPTH,
        "powershell": _sorted(_PWSH_TOOLS),
    },
    "tiers": {
        "pkg_always": _sorted(_PKG_ALWAYS),
        "service_verbs": _sorted(_SERVICE_VERBS),
        "systemctl_t3": _sorted(_SYSTEMCTL_T3),
        "account_t2": _sorted(_ACCOUNT_T2),
        "account_t3": _sorted(_ACCOUNT_T3),
        "power_t3": _sorted(_POWER_T3),
        "disk_t3": _sorted(_DISK_T3),
        "disk_list_only": {k: _sorted(v) for k, v in sorted(_DISK_LIST_ONLY.items())},
        "modules_t2": _sorted(_MODULE_T2),
        "firewalls": _sorted(_FIREWALLS),
        "privilege": _sorted(_PRIV_COMMANDS),
        "write_last": _sorted(_WRITE_LAST),
        "write_all": _sorted(_WRITE_ALL),
        "sql_t3": _SQL_T3.pattern,
        "inert_programs": _sorted(INERT_PROGRAMS),
        "unknown_runner_scan": _UNKNOWN_RUNNER_SCAN,
        "max_runner_probes": _MAX_RUNNER_PROBES,
        "code_delete": _CODE_DELETE.pattern,
        "path_token": _PATH_TOKEN.pattern,
    },
    "shell": _shell.analyzer_data(),
    "lifecycle": _lifecycle.LIFECYCLE_DATA,
    "allowlist_reject_chars": _sorted(_ALLOWLIST_REJECT),
    "account_reads": {
        "databases": _sorted(ACCOUNT_DATABASES),
        "getent": _sorted(_GETENT_DATABASES),
        "readers": {
            name: [spec[0], spec[1], _sorted(spec[2]), spec[3]] for name, spec in sorted(_PURE_READERS.items())
        },
        "awk_unsafe": _AWK_UNSAFE.pattern,
        "awk_print": _AWK_PRINT.pattern,
    },
    "permissions": {
        "changers": _sorted(_PERM_CHANGERS),
        "octal": _OCTAL_MODE.pattern,
        "symbolic": _SYMBOLIC_MODE.pattern,
    },
}


@functools.lru_cache(maxsize=1024)
def _allowlist_words(entry: str) -> tuple[str, ...] | None:
    """An allowlist entry's words (the policy's entries are constants: split each once), None if unparsable."""
    words = posix_words(entry)
    return None if words is None else tuple(words)
