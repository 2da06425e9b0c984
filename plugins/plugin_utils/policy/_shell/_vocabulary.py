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
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._results import Redirect

# --------------------------------------------------------------------------------------------------------------
# Vocabulary (exported so the rules and the ruleset fingerprint see the same lists)
# --------------------------------------------------------------------------------------------------------------


SHELLS: frozenset[str] = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "pdksh", "lksh", "oksh", "posh", "yash", "rbash", "fish"}
    | {"csh", "tcsh", "ksh93", "busybox-sh"}
)
# Interpreters by family name; a version may follow (python3.12, perl5.36). The names are a table as well as a
# pattern so that a check over many words at once (the deny scan's whole-text pre-check) can use them as a set.
INTERPRETER_NAMES = (
    "python", "pypy", "perl", "ruby", "jruby", "node", "nodejs", "php", "lua", "luajit", "tclsh", "wish", "expect",
    "rscript", "deno", "bun", "osascript",
)  # fmt: skip
INTERPRETER_RE = re.compile(f"(?:{'|'.join(INTERPRETER_NAMES)})[0-9.]*", re.IGNORECASE)
# Interpreters whose language is Tcl: a command runs a program by its words (``exec rm -rf /``, ``spawn sh``), not
# through a call with a quoted string, so their code is read by ``_scripts.tcl_commands``.
TCL_FAMILY = frozenset({"tclsh", "wish", "expect"})
# An interpreter's family without its version (python3.12 -> python); compiled here, once, because a pattern
# compiled at its call site is compiled again in every forked worker, that is for every task and host.
VERSION_SUFFIX = re.compile(r"[0-9.]+$")
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
# The architecture names setarch answers to when a link to it bears one (util-linux's setarch.c, every platform):
# ``x86_64 rm -rf /`` is ``setarch x86_64 rm -rf /``.
SETARCH_NAMES = (
    "i386",
    "i486",
    "i586",
    "i686",
    "athlon",
    "x86_64",
    "ia64",
    "ppc",
    "ppc32",
    "ppc64",
    "ppcle",
    "ppc64le",
    "s390",
    "s390x",
    "sparc",
    "sparc32",
    "sparc32bash",
    "sparc64",
    "parisc",
    "parisc32",
    "parisc64",
    "mips",
    "mips32",
    "mips64",
    "mipsel",
    "mips64el",
    "arm",
    "armv7l",
    "armh",
    "armv8l",
    "arm64",
    "aarch64",
    "alpha",
    "sh4",
    "sh4a",
    "m68k",
    "riscv32",
    "riscv64",
    "loongarch",
    "loongarch32",
    "loongarch64",
)  # fmt: skip  (setarch's "sh" is the shell's name here: a shell, read as one)
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
        # privilege: sudo's work-alikes take sudo's options
        (
            "dzdo",
            "-u -g -C -D -h -p -r -t -T -U -R",
            "--user --group --close-from --chdir --host --prompt --role --type --command-timeout --other-user",
            0,
        ),
        (
            "sudo-rs",
            "-u -g -C -D -h -p -r -t -T -U -R",
            "--user --group --close-from --chdir --host --prompt --role --type --command-timeout --other-user",
            0,
        ),
        ("pbrun", "-u -h", "--user --host", 0),
        # identity, credentials and capabilities
        (
            "setpriv",
            "",
            "--reuid --regid --ruid --rgid --euid --egid --groups --inh-caps --ambient-caps "
            "--bounding-set --securebits --pdeathsig --selinux-label --apparmor-profile --landlock-access "
            "--landlock-rule",
            0,
        ),
        ("su-exec", "", "", 1),
        ("gosu", "", "", 1),
        ("setuidgid", "", "", 1),
        ("s6-setuidgid", "", "", 1),
        ("envuidgid", "", "", 1),
        ("envdir", "", "", 1),
        ("chpst", "-u -U -b -e -/ -C -n -l -L -m -o -p -f -c -r -t", "", 0),
        ("runcon", "-t -u -r -l", "--type --user --role --range", -1),
        ("sshpass", "-p -f -d -P", "", 0),
        ("ssh-agent", "-a -E -P -O -t", "", 0),
        ("fakeroot", "-l -s -i -b", "--lib --faked", 0),
        ("fakechroot", "-e -c -d -l -s", "--environment --config-dir --use-system-libs --lib", 0),
        ("eatmydata", "", "", 0),
        # scheduling, limits, personality, sessions
        ("numactl", "-i -C -N -m -p -P -o -f -S -I -M -L", "", 0),
        ("setarch", "", "", 1),
        ("linux32", "", "", 0),
        ("linux64", "", "", 0),
        # setarch run under an architecture's name (util-linux installs these as links to setarch): setarch ARCH
        ("uname26", "", "", 0),
        *((arch, "", "", 0) for arch in SETARCH_NAMES),
        # bash's jobs -x runs its operands as a command (jobspecs replaced by process groups)
        ("jobs", "", "", 0),
        ("softlimit", "-a -c -d -f -l -m -o -p -r -s -t", "", 0),
        ("cpulimit", "-l -p -e", "--limit --pid --exe", 0),
        ("trickle", "-u -d -w -t -l -n", "", 0),
        ("tsocks", "", "", 0),
        ("torify", "", "", 0),
        ("ifne", "", "", 0),
        ("nq", "", "", 0),
        ("systemd-inhibit", "", "--what --who --why --mode", 0),
        ("systemd-cat", "-t -p", "--identifier --priority --stderr-priority --level-prefix", 0),
        ("dbus-launch", "", "--config-file --autolaunch", 0),
        ("dbus-run-session", "", "--config-file --dbus-daemon", 0),
        ("daemonize", "-c -e -E -o -p -l -u", "", 0),
        # tracers and profilers run their operands
        ("valgrind", "", "", 0),
        ("ld.so", "", "--library-path --preload --audit --argv0 --inhibit-rpath", 0),
        ("ld-linux.so.2", "", "--library-path --preload --audit --argv0 --inhibit-rpath", 0),
        ("ld-linux-x86-64.so.2", "", "--library-path --preload --audit --argv0 --inhibit-rpath", 0),
        ("ld-linux-aarch64.so.1", "", "--library-path --preload --audit --argv0 --inhibit-rpath", 0),
    )
}
_PRIV_WRAPPERS = frozenset({"sudo", "doas", "pkexec", "run0", "dzdo", "sudo-rs", "pbrun"})
_SUDO_LIKE = frozenset({"sudo", "dzdo", "sudo-rs"})  # read sudo's options: -e/-l/-v/-k/-K run no command

# Programs that run a command line given in an option or as their operands, each read the way it parses its
# arguments (getopt-style clusters ``-qc``, attached values ``-cCMD``, ``--command=CMD``, unambiguous long prefixes):
# name -> (short options taking a value, long options taking a value (and, marked ``+``, the flags that share a
# prefix with one, so that an abbreviation is read as getopt reads it), options whose value is a command line,
# operand layout, leading operands before the command, options may follow operands, options switching the layout).
# Layouts: "text" - the operands, joined by blanks, are one shell command line (``watch``, ``sg GROUP CMD``);
# "argv" - they are a program and its arguments (``flock FILE CMD ARGS``; ``flock FILE -c CMD`` is also read);
# "shell" - they are arguments to a shell (``su USER -- -c CMD``, ``capsh -- -c CMD``); "each" - each operand is a
# command line of its own (``hyperfine CMD1 CMD2``); "program" - the command options name a program, which runs with
# the operands as its arguments (``start-stop-daemon --exec /bin/x -- ARGS``); "" - operands are files.
_COMMAND_RUNNERS: dict[str, tuple[str, frozenset[str], frozenset[str], str, int, bool, dict[str, str]]] = {
    name: (short, frozenset(long.split()), frozenset(code.split()), layout, lead, permute, switches)
    for name, short, long, code, layout, lead, permute, switches in (
        (
            "script",
            "cEIOBmTo",
            "--command --echo --log-in --log-out --log-io --log-timing --logging-format --output-limit",
            "-c --command",
            "",
            0,
            True,
            {},
        ),
        (
            "su",
            "cgGswC",
            "--command --session-command --group --supp-group --shell --whitelist-environment",
            "-c --command --session-command",
            "shell",
            1,
            True,
            {},
        ),
        (
            "runuser",
            "cgGswu",
            "--command --session-command --group --supp-group --shell --whitelist-environment --user",
            "-c --command --session-command",
            "shell",
            1,
            True,
            {"-u": "argv", "--user": "argv"},
        ),
        ("sg", "c", "--command", "-c --command", "text", 1, True, {}),
        ("flock", "wE", "--timeout --wait --conflict-exit-code", "-c --command", "argv", 1, False, {}),
        ("watch", "nq", "--interval --equexit", "", "text", 0, False, {"-x": "argv", "--exec": "argv"}),
        ("entr", "", "", "", "argv", 0, False, {"-s": "text"}),
        (
            "hyperfine",
            "wmMrspcPDLSunN",
            "--warmup --min-runs --max-runs --runs --setup --prepare --conclude --cleanup --parameter-scan "
            "--parameter-step-size --parameter-list --shell --style --sort --time-unit --export-asciidoc "
            "--export-csv --export-json --export-markdown --export-orgmode --command-name --output --input "
            "--reference",
            "-s --setup -p --prepare -c --cleanup --conclude --reference",
            "each",
            0,
            True,
            {},
        ),
        ("sem", "j", "--id --jobs --timeout", "", "text", 0, False, {}),
        (
            "watchexec",
            "weifdsE",
            "--watch --exts --filter --ignore --debounce --signal --shell --env --stop-signal --stop-timeout "
            "--project-origin --workdir --on-busy-update --delay-run --poll --filter-file --ignore-file --timeout",
            "",
            "text",
            0,
            False,
            {},
        ),
        ("capsh", "", "", "", "shell", 0, False, {}),
        (
            "start-stop-daemon",
            "xapnugcrdNPIksR",
            "--exec --startas --pidfile --name --user --group --chuid --chroot --chdir --nicelevel --procsched "
            "--iosched --umask --signal --retry --output --notify-timeout +--start +--stop +--status",
            "-x --exec -a --startas",
            "program",
            0,
            True,
            {},
        ),
        ("newgrp", "", "", "", "", 1, True, {}),
        # bash builtins that run a command line given to them: compgen -C runs it at once (complete -C when a
        # completion is asked for), fc -e runs the editor command on the history, history -s stores a command that
        # fc -s runs again later (builtins stop reading options at the first operand)
        ("compgen", "AGWFCXPSo", "", "-C", "", 0, False, {}),
        ("complete", "AGWFCXPSo", "", "-C", "", 0, False, {}),
        ("fc", "e", "", "-e", "", 0, False, {}),
        ("history", "d", "", "", "", 0, False, {"-s": "text"}),
    )
}
# Tools with a command language of their own in which a command runs a shell command line or a program (``sed e``,
# ``vim -c '!cmd'``, ``ed`` reading ``!cmd``, ``gdb -ex 'shell cmd'``, ``m4 syscmd()``, a makefile's recipes, ``tmux
# new-session CMD``, ``screen -X stuff``): name -> language (``_languages`` finds the scripts, ``_scripts`` reads
# them). Tcl (``expect``, ``tclsh``, ``wish``) is an interpreter (``INTERPRETER_RE``, ``TCL_FAMILY``).
_LANGUAGES: dict[str, str] = {
    **dict.fromkeys(("sed", "gsed"), "sed"),
    "ed": "ed",
    **dict.fromkeys(
        (
            "ex",
            "vi",
            "vim",
            "nvim",
            "gvim",
            "view",
            "gview",
            "vimdiff",
            "nvi",
            "evim",
            "editor",
            "vim.basic",
            "vim.tiny",
            "vim.nox",
            "vim.gtk3",
        ),
        "ex",
    ),
    **dict.fromkeys(("gdb", "gdb-multiarch"), "gdb"),
    "lldb": "lldb",
    **dict.fromkeys(("less", "more"), "less"),
    **dict.fromkeys(("m4", "gm4"), "m4"),
    **dict.fromkeys(("make", "gmake"), "make"),
    "tmux": "tmux",
    "screen": "screen",
}
_DECL_BUILTINS = frozenset({"export", "declare", "typeset", "local", "readonly"})
# bash's alias table and command hash as arrays: an element written there makes a name run its value.
ALIAS_ARRAYS = frozenset({"BASH_ALIASES", "BASH_CMDS"})
ALIAS_ARRAYS_RE = re.compile("|".join(sorted(ALIAS_ARRAYS)))  # a word naming one, once expanded
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
# Programs that store what they read on standard input for later: tee and sponge (into their files), dd (of=),
# crontab (``crontab -`` or no file: the user's cron table). What a static producer pipes into one, or a heredoc
# gives one, is data the deny list reads (ShellAnalysis.written), as it reads a file a task copies.
STORES_STDIN = frozenset({"tee", "sponge", "dd", "crontab"})
# Redirection targets that are not files: writing there keeps nothing.
_NOT_FILES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/full", "/dev/zero"})


# Where a file descriptor leads before any redirection: the terminal (or whatever the caller gave the task).
INHERITED_FDS: Mapping[int, str] = {0: "<in>", 1: "<out>", 2: "<err>"}
# The file names that are a program's standard input ("-" where a program reads files).
STDIN_FILES = frozenset({"-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"})
# Operands through which a program copies its standard input (``cp /dev/stdin f``, ``install /dev/stdin f``, ``dd
# if=/dev/stdin``): such a program stores its input.
_STDIN_NAMES = (STDIN_FILES - {"-"}) | {"if=/dev/stdin", "if=/dev/fd/0"}
_CAT_STDIN = frozenset({"-", "/dev/stdin", "-u"})  # cat's words that still mean "copy standard input"
# Filters whose output holds none of their input's text (a digest, a count): writing it to a file keeps nothing.
SUMMARISERS = frozenset({
    "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum", "b3sum", "cksum", "sum", "wc",
})  # fmt: skip
_GREP_COUNTS = re.compile(r"-[a-zA-Z]*[clLq]|--(?:count|files-with(?:out)?-matches|quiet|silent)$")


def summarises(argv: Sequence[str]) -> bool:
    """The command prints a digest or a count of its input, not its text (``sha256sum``, ``wc``, ``grep -c``)."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name in SUMMARISERS:
        return True
    return name in ("grep", "egrep", "fgrep") and any(_GREP_COUNTS.fullmatch(word) for word in argv[1:])


# What an unknown ``${X:?}`` stands for at its empty form: some word that is not empty (bash stops the command
# when it would be), with no character a rule reads as a path, a glob or an option.
GUARDED_UNKNOWN = "guarded-value"


def apply_redirects(redirects: Sequence[Redirect], fds: Mapping[int, str]) -> dict[int, str]:
    """The descriptor table after ``redirects``, applied in order as bash applies them: ``N>f``, ``N>>f``, ``N>|f``
    and ``N<>f`` point N at f; ``&>f`` and ``>&f`` point 1 and 2 at f; ``N>&M`` makes N a copy of M; ``N>&-``
    closes N. A target is a path, or ``<out>``/``<err>``/``<in>`` for what the command inherited."""
    table = dict(fds)
    for r in redirects:
        op, target = r.op, r.target
        if op in (">", ">>", ">|", "<>"):
            table[r.fd if r.fd is not None else (0 if op == "<>" else 1)] = _device(target, table)
        elif op in ("&>", "&>>"):
            table[1] = table[2] = _device(target, table)
        elif op in (">&", "<&"):
            fd = r.fd if r.fd is not None else (1 if op == ">&" else 0)
            if target.isdigit():
                table[fd] = table.get(int(target), "<closed>")
            elif target == "-":
                table[fd] = "<closed>"
            elif r.fd is None and op == ">&":
                table[1] = table[2] = _device(target, table)
            else:
                table[fd] = _device(target, table)
    return table


def _device(target: str, table: Mapping[int, str]) -> str:
    """A redirection target, with the descriptor files resolved against the table (``/dev/stdout`` is wherever
    descriptor 1 leads now)."""
    if target in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
        return table.get(1, "<closed>")
    if target in ("/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"):
        return table.get(2, "<closed>")
    if target.startswith("/dev/fd/") and target[8:].isdigit():
        return table.get(int(target[8:]), "<closed>")
    return target


def is_stored(target: str) -> bool:
    """A descriptor target that keeps what is written to it: a file, not /dev/null, the terminal, a standard
    stream the task inherited or a closed descriptor."""
    return bool(target) and not target.startswith("<") and target not in _NOT_FILES


def names_stdin(argv: Sequence[str]) -> bool:
    """The command reads a file that is its standard input (``cp /dev/stdin f``)."""
    return any(word in _STDIN_NAMES for word in argv[1:])


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
    "expect": "c",
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
    "expect": "fbD",
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
    "git": frozenset({"-c", "--upload-pack", "--receive-pack", "--exec"}),
    "zip": frozenset({"-TT", "--unzip-command"}),
    "man": frozenset({"-P", "--pager", "-H", "--html"}),
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
        "core.askpass",
        "core.gitproxy",
        "gpg.program",
        "gpg.openpgp.program",
        "gpg.ssh.program",
        "gpg.x509.program",
        "uploadpack.packobjectshook",
        "interactive.difffilter",
        "web.browser",
        "sendemail.sendmailcmd",
        "sendemail.tocmd",
        "sendemail.cccmd",
        "dir::bin::dpkg",
        "apt::update::post-invoke-success",
        "apt::key::gpgvcommand",
        "acquire::http::proxy-auto-detect",
        "acquire::https::proxy-auto-detect",
    }
)
# Configuration keys with a name in the middle (``filter.<driver>.clean``) whose value is a command line.
_COMMAND_CONFIG_PATTERNS = (
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "diff.*.textconv",
    "diff.*.command",
    "merge.*.driver",
    "mergetool.*.cmd",
    "difftool.*.cmd",
    "browser.*.cmd",
    "man.*.cmd",
    "remote.*.uploadpack",
    "remote.*.receivepack",
    "remote.*.proxy",
    "credential.*.helper",
)
# Configuration options per tool (their values are KEY=VALUE settings; the command-valued keys above run).
_CONFIG_OPTIONS: dict[str, frozenset[str]] = {
    "ssh": frozenset({"-o"}),
    "scp": frozenset({"-o"}),
    "sftp": frozenset({"-o"}),
    "git": frozenset({"-c"}),
    "apt": frozenset({"-o"}),
    "apt-get": frozenset({"-o"}),
}
# Environment variables whose value is code a program runs: name -> how the value reads. "command" - a command line
# (``GIT_SSH_COMMAND``, ``PAGER``); "lessopen" - a command line after a leading ``|`` or ``||``, with ``%s`` for the
# file (``LESSOPEN``); "prompt" - expanded like a double-quoted string whenever the shell prints it, so a command
# substitution in it runs (``PS4`` under ``bash -x``); "options <tool>" - options the tool reads as if given first
# (``TAR_OPTIONS``). A value is read where the text assigns it (``X=... cmd``, ``export X=...``, ``env X=... cmd``).
_COMMAND_ENV_VARS: dict[str, str] = {
    **dict.fromkeys(
        (
            "PAGER",
            "MANPAGER",
            "GIT_PAGER",
            "SYSTEMD_PAGER",
            "BROWSER",
            "EDITOR",
            "VISUAL",
            "FCEDIT",
            "GIT_EDITOR",
            "GIT_SEQUENCE_EDITOR",
            "SYSTEMD_EDITOR",
            "GIT_SSH",
            "GIT_SSH_COMMAND",
            "GIT_ASKPASS",
            "SSH_ASKPASS",
            "SUDO_ASKPASS",
            "GIT_EXTERNAL_DIFF",
            "GIT_PROXY_COMMAND",
            "RSYNC_RSH",
            "RSYNC_CONNECT_PROG",
            "CVS_RSH",
            "PROMPT_COMMAND",
            "PARALLEL_SHELL",
            "DIFFPROG",
        ),
        "command",
    ),
    "LESSOPEN": "lessopen",
    "LESSCLOSE": "lessopen",
    **dict.fromkeys(("PS0", "PS1", "PS2", "PS3", "PS4"), "prompt"),
    "TAR_OPTIONS": "options tar",
    "MANOPT": "options man",
    "LESS": "options less",
}

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
    | _COMMAND_RUNNERS.keys()
    | _LANGUAGES.keys()
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
        "alias_arrays": sorted(ALIAS_ARRAYS),
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
        "command_config_patterns": list(_COMMAND_CONFIG_PATTERNS),
        "config_options": {k: sorted(v) for k, v in sorted(_CONFIG_OPTIONS.items())},
        "command_env_vars": dict(sorted(_COMMAND_ENV_VARS.items())),
        "command_runners": {
            k: [v[0], sorted(v[1]), sorted(v[2]), v[3], v[4], v[5], dict(sorted(v[6].items()))]
            for k, v in sorted(_COMMAND_RUNNERS.items())
        },
        "languages": dict(sorted(_LANGUAGES.items())),
        "tcl_family": sorted(TCL_FAMILY),
        "sudo_like": sorted(_SUDO_LIKE),
        "stores_stdin": sorted(STORES_STDIN),
        "not_files": sorted(_NOT_FILES),
        "stdin_names": sorted(_STDIN_NAMES),
        "stdin_files": sorted(STDIN_FILES),
        "cat_stdin": sorted(_CAT_STDIN),
        "guarded_unknown": GUARDED_UNKNOWN,
        "summarisers": sorted(SUMMARISERS),
        "grep_counts": _GREP_COUNTS.pattern,
        "read_line_flags": "-r -s -e -p PROMPT -t SECONDS, one name, -r or no backslash",
        "printf_spec": "%[N$][flags][width][.precision]conversion",
        "limits": {
            "alternatives": _MAX_ALTS,
            "variants": _MAX_VARIANTS,
            "brace_words": _MAX_BRACE,
            "brace_atoms": _MAX_BRACE_ATOMS,
            "value_chars": _MAX_VALUE,
            "commands": _MAX_COMMANDS,
            "code_scan": _MAX_CODE_SCAN,
            "decoded_bytes": _MAX_DECODED,
            "stored_text": "2 * len(text) + 4096, decoded len(text) + 4096",
        },
    }
