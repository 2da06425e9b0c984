# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names, options and limits the analyser knows, and the fingerprint of them all.

Every table here changes what the analyser concludes, so they live together: the rules import the public ones
(``SHELLS``, ``WRAPPERS``, ``INTERPRETER_RE``, ``HANDLED_NAMES``, ...) to see the same lists, the plain-command
shortcut reads ``HANDLED_NAMES`` and ``_PLAIN_COMMAND``, and ``_data`` serialises all of them, limits included,
into the ruleset fingerprint, so that a change to any of them is a change of the ruleset.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------------------------------
# Vocabulary (exported so the rules and the ruleset fingerprint see the same lists)
# --------------------------------------------------------------------------------------------------------------


SHELLS: frozenset[str] = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "pdksh", "lksh", "oksh", "posh", "yash", "rbash", "fish"}
    | {"csh", "tcsh", "ksh93", "busybox-sh"}
)
INTERPRETER_RE = re.compile(
    r"(?:python|pypy|perl|ruby|jruby|node|nodejs|php|lua|luajit|tclsh|rscript|deno|bun|osascript)[0-9.]*",
    re.IGNORECASE,
)
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk"})
# Programs that read code in another language (SQL, the MongoDB shell's JavaScript, Redis commands, PowerShell) on
# their standard input: a static producer piped into one (``echo 'DROP TABLE t' | psql``) gives it that text as its
# input, for the rules (policy._lifecycle) to read; it is never analysed as bash. Held to the lifecycle table's
# readers by the tests.
FOREIGN_READERS: frozenset[str] = frozenset(
    {"psql", "mysql", "mariadb", "sqlite3", "cqlsh", "clickhouse-client", "sqlcmd", "mongosh", "mongo", "redis-cli"}
    | {"valkey-cli", "pwsh", "powershell"}
)

# name -> (short options taking a value, long options taking a value, leading positional operands)
WRAPPERS: dict[str, tuple[frozenset[str], frozenset[str], int]] = {
    name: (frozenset(short.split()), frozenset(long.split()), npos)
    for name, short, long, npos in (
        (
            "sudo",
            "-u -g -C -D -h -p -r -t -T -U -R",
            "--user --group --close-from --chdir --host --prompt --role --type --command-timeout --other-user --chroot",
            0,
        ),
        ("doas", "-u -C", "", 0),
        ("pkexec", "", "--user", 0),
        (
            "run0",
            "-u -g -D",
            "--user --group --chdir --unit --property --description --slice --nice --setenv --machine --background",
            0,
        ),
        ("env", "-u -C -S -P", "--unset --chdir --split-string", 0),
        ("nohup", "", "", 0),
        ("nice", "-n", "--adjustment", 0),
        ("ionice", "-c -n -p -P -u", "--class --classdata --pid --pgid --uid", 0),
        ("time", "-f -o", "--format --output", 0),
        ("command", "", "", 0),
        ("builtin", "", "", 0),
        ("exec", "-a", "", 0),
        ("stdbuf", "-i -o -e", "--input --output --error", 0),
        ("setsid", "", "", 0),
        ("timeout", "-s -k", "--signal --kill-after", 1),
        ("chronic", "", "", 0),
        ("unbuffer", "", "", 0),
        ("busybox", "", "", 0),
        ("nsenter", "-t -S -G", "--target --setuid --setgid", 0),
        ("chroot", "", "--userspec --groups", 1),
        ("unshare", "-S -G", "--setuid --setgid --map-user --map-group --propagation --setgroups --wd", 0),
        ("taskset", "", "", 1),
        ("chrt", "", "", 1),
        ("prlimit", "-p", "--pid", 0),
        ("strace", "-o -e -p -s -u -E -a -b -I -O -S -X -P", "", 0),
        ("ltrace", "-o -e -p -s -u -a -n -l", "", 0),
        (
            "systemd-run",
            "-p -u -E -H -M -G",
            "--unit --property --description --slice --uid --gid --setenv "
            "--working-directory --machine --host --on-calendar --on-active",
            0,
        ),
        ("firejail", "", "", 0),
        ("proxychains", "-f", "", 0),
        ("proxychains4", "-f", "", 0),
        ("torsocks", "-u -p -a -P", "", 0),
        ("faketime", "-f", "", 1),
        ("cgexec", "-g", "", 0),
        ("catchsegv", "", "", 0),
        ("xvfb-run", "-n -s -e -f -p", "--server-num --server-args --error-file --auth-file", 0),
        ("caffeinate", "-w -t", "", 0),
        ("flatpak-spawn", "", "", 0),
        ("toybox", "", "", 0),
    )
}
_PRIV_WRAPPERS = frozenset({"sudo", "doas", "pkexec", "run0"})
_DECL_BUILTINS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_READERS = frozenset({"read", "mapfile", "readarray", "getopts"})
_KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "while",
        "until",
        "for",
        "select",
        "case",
        "esac",
        "function",
        "{",
        "}",
        "!",
        "time",
        "[[",
        "coproc",
    }
)
KEYWORDS = _KEYWORDS  # reserved words: the word after one is in command position


# --------------------------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------------------------


_MAX_ALTS = 8  # alternative values kept per variable / working directory
_MAX_VARIANTS = 16  # argv variants built for one command
_MAX_BRACE = 256  # words one brace expansion may produce
_MAX_BRACE_ATOMS = 4096
_MAX_VALUE = 65536  # longer variable values are treated as unknown
_MAX_COMMANDS = 200_000
_MAX_CODE_SCAN = 65536
_MAX_DECODED = 1 << 20


# --------------------------------------------------------------------------------------------------------------
# What the command handlers read: options, code-running calls, find tests, command-valued options
# --------------------------------------------------------------------------------------------------------------


_SHELL_VALUE_OPTS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
_CODE_OPTS: dict[str, str] = {
    "python": "c",
    "pypy": "c",
    "perl": "eE",
    "ruby": "e",
    "jruby": "e",
    "node": "ep",
    "nodejs": "ep",
    "deno": "",
    "bun": "e",
    "php": "r",
    "lua": "e",
    "luajit": "e",
    "osascript": "e",
    "rscript": "e",
    "tclsh": "",
}
_CODE_VALUE_OPTS: dict[str, str] = {
    "python": "mWXQ",
    "pypy": "mWX",
    "perl": "IMmxCd",
    "ruby": "IrCEFxK",
    "jruby": "IrCEFx",
    "node": "r",
    "nodejs": "r",
    "php": "dcfz",
    "lua": "l",
    "luajit": "lj",
    "rscript": "",
    "bun": "r",
    "osascript": "l",
}
_CALL_STRINGS = re.compile(
    r"(?:system|popen|exec[lv]?p?e?|spawn(?:Sync)?|execSync|shell_exec|passthru|check_output|check_call|call|run"
    r"|Popen|getoutput|getstatusoutput|qx|execute|shell|sh|cmd)"
    r"[ \t]{0,8}[({]?[ \t]{0,8}\[?[ \t]{0,8}[rbfu]?(?:\"([^\"\\\n]{1,4000})\"|'([^'\\\n]{1,4000})')"
)
_BACKTICK_CODE = re.compile(r"`([^`\\\n]{1,4000})`|%x\(([^()\\\n]{1,4000})\)|qx\{([^{}\\\n]{1,4000})\}")
_FIND_NARROWING = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-anewer",
        "-cnewer",
        "-newermt",
        "-newerct",
        "-size",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-perm",
        "-inum",
        "-samefile",
        "-links",
        "-empty",
        "-nouser",
        "-nogroup",
        "-lname",
        "-ilname",
        "-used",
        "-context",
        "-fstype",
    }
)
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# Options whose value is itself a command line that the tool runs.
_OPTION_COMMANDS: dict[str, frozenset[str]] = {
    "tar": frozenset(
        {
            "--to-command",
            "--use-compress-program",
            "-I",
            "--checkpoint-action",
            "--info-script",
            "-F",
            "--new-volume-script",
            "--rsh-command",
        }
    ),
    "rsync": frozenset({"-e", "--rsh", "--rsync-path"}),
    "ssh": frozenset({"-o"}),
    "scp": frozenset({"-o", "-S"}),
    "sftp": frozenset({"-o", "-S"}),
    "git": frozenset({"-c"}),
    "zip": frozenset({"-TT", "--unzip-command"}),
    "man": frozenset({"-P", "--pager"}),
    "apt-get": frozenset({"-o"}),
    "apt": frozenset({"-o"}),
}
_COMMAND_CONFIG_KEYS = frozenset(
    {
        "proxycommand",
        "localcommand",
        "remotecommand",
        "knownhostscommand",
        "core.sshcommand",
        "core.pager",
        "core.editor",
        "core.fsmonitor",
        "core.hookspath",
        "sequence.editor",
        "diff.external",
        "credential.helper",
        "dpkg::pre-invoke",
        "dpkg::post-invoke",
        "apt::update::pre-invoke",
        "apt::update::post-invoke",
        "dpkg::pre-install-pkgs",
        "pager",
        "editor",
    }
)

# Commands that copy or link a file under another name (the destination then runs what the source runs).
_COPIERS = frozenset({"cp", "ln", "link", "install", "mv", "rsync"})
# Command names the analyzer does more with than record a simple command: the reserved words, the wrappers
# ``_dispatch`` strips, the names ``_execute`` and ``_special`` branch on (interpreters are matched by
# INTERPRETER_RE). A plain line whose command word is none of these is exactly one simple command of its words
# (``_plain_command``); tests hold this set to the names ``_special`` compares with.
_HANDLED_NAMES: frozenset[str] = frozenset(
    {"cd", "pushd", "chdir", "popd", "unset", "printf", "set", "alias", "eval", "source", ".", "busybox", "toybox"}
    | {"su", "runuser", "sg", "find", "xargs", "watch", "flock", "script", "ssh", "dbclient", "trap", "at", "batch"}
    | {"parallel", "pkexec", "run0", "doas", "hash"}
    | _COPIERS
    | SHELLS
    | _AWKS
    | WRAPPERS.keys()
    | _DECL_BUILTINS
    | _READERS
    | _PRIV_WRAPPERS
    | _OPTION_COMMANDS.keys()
    | _KEYWORDS
)
HANDLED_NAMES = _HANDLED_NAMES
COPIERS = _COPIERS
# One line of words bash takes literally but for globs: no quote, escape, expansion, brace, tilde, comment,
# operator, redirection or line break anywhere, and no ``=`` in the first word (no prefix assignment).
_PLAIN_COMMAND = re.compile(r"[ \t]*[\w./:,@%+*?\[\]-]+(?:[ \t]+[\w./:,@%+*?\[\]=-]+)*[ \t]*", re.ASCII)


def _data() -> dict[str, object]:
    """Every table the analyzer's behaviour depends on, JSON-serialisable (part of the ruleset fingerprint)."""
    return {
        "shells": sorted(SHELLS),
        "interpreters": INTERPRETER_RE.pattern,
        "awks": sorted(_AWKS),
        "foreign_readers": sorted(FOREIGN_READERS),
        "wrappers": {k: [sorted(v[0]), sorted(v[1]), v[2]] for k, v in sorted(WRAPPERS.items())},
        "privileged_wrappers": sorted(_PRIV_WRAPPERS),
        "declaration_builtins": sorted(_DECL_BUILTINS),
        "readers": sorted(_READERS),
        "keywords": sorted(_KEYWORDS),
        "shell_value_opts": sorted(_SHELL_VALUE_OPTS),
        "code_opts": dict(sorted(_CODE_OPTS.items())),
        "code_value_opts": dict(sorted(_CODE_VALUE_OPTS.items())),
        "plain_command": _PLAIN_COMMAND.pattern,
        "handled_names": sorted(_HANDLED_NAMES),
        "call_strings": _CALL_STRINGS.pattern,
        "backtick_code": _BACKTICK_CODE.pattern,
        "find_narrowing": sorted(_FIND_NARROWING),
        "find_exec": sorted(_FIND_EXEC),
        "option_commands": {k: sorted(v) for k, v in sorted(_OPTION_COMMANDS.items())},
        "command_config_keys": sorted(_COMMAND_CONFIG_KEYS),
        "limits": {
            "alternatives": _MAX_ALTS,
            "variants": _MAX_VARIANTS,
            "brace_words": _MAX_BRACE,
            "brace_atoms": _MAX_BRACE_ATOMS,
            "value_chars": _MAX_VALUE,
            "commands": _MAX_COMMANDS,
            "code_scan": _MAX_CODE_SCAN,
            "decoded_bytes": _MAX_DECODED,
        },
    }
