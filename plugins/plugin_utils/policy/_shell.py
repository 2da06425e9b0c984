# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tolerant, static analyzer for POSIX/bash command text. Internal: no stability promise.

Why this exists: the deny rules and the content tiers must judge what a shell *would run*, not what the text
looks like. ``r''m -rf /``, ``a=rm; $a -rf /``, ``{rm,-rf,/}``, ``sh -c 'rm -rf /'`` and ``cd / && rm -rf *``
all run the same command, and a list of regexes over the raw text can never close that class. So this module
does what bash does up to the point of running anything: lexing with bash's quoting rules, brace expansion,
parameter expansion of variables whose values are statically known, field splitting, wrapper stripping, and
re-analysis of every string that becomes code (``sh -c``, ``eval``, ``$(...)``, ``find -exec``, ``xargs``,
``ssh HOST CMD``, heredocs fed to interpreters, ...).

Design rules:

* Never execute, never touch the filesystem, never raise. Anything odd sets ``uncertain`` and analysis goes on
  conservatively; callers treat ``uncertain`` as "round up".
* What cannot be known stays visibly unknown: an unresolved expansion keeps its source text in ``argv`` and
  marks the command or word dynamic, with the word's "all unknowns empty" form alongside (``"$DIR"/`` might be
  ``/``). Where bash's behaviour has alternatives (a variable set in only one branch, a ``cd`` that may fail),
  every alternative is kept, bounded.
* Linear time on untrusted input: no regex with nested quantifiers, explicit stacks instead of recursion for
  matching brackets, and hard bounds (input size, nesting depth, total work, expansion fan-out).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import itertools
import re
import shlex
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "INTERPRETER_RE",
    "SHELLS",
    "WRAPPERS",
    "Redirect",
    "ShellAnalysis",
    "SimpleCommand",
    "analyze",
    "analyzer_data",
    "decode_escapes",
    "find_parts",
    "split_argv",
]


# --------------------------------------------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redirect:
    """One redirection. ``op`` is the operator as written (``>``, ``>>``, ``2>&1`` has op ``>&``, fd 2, target 1);
    for heredocs ``target`` is the delimiter and for here-strings the expanded word."""

    op: str
    fd: int | None
    target: str


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One command bash would run.

    ``argv`` holds the words after quote removal and every expansion the analyzer could resolve; an expansion it
    could not resolve stays as its source text (``$HOME``, ``$(date)``). ``wrappers`` lists stripped prefix
    commands in order; ``"$"`` there means "an unknown word before this one might have expanded to nothing"
    (``$SUDO rm -rf /`` yields both the dynamic command and ``rm -rf /``). ``origin`` names how the text was
    reached: ``top``, ``sh -c``, ``su -c``, ``eval``, ``substitution``, ``process-substitution``, ``heredoc``,
    ``here-string``, ``pipe`` (a static ``echo ... | sh``), ``script`` (``bash <(echo ...)``), ``find -exec``,
    ``find -execdir``, ``xargs``, ``parallel``, ``watch``, ``flock``, ``flock -c``, ``script -c``, ``ssh``,
    ``runuser``, ``function`` (a call re-analysed with its arguments), ``alias``, ``trap``, ``interpreter``
    (a string passed to ``os.system()`` & co.), ``<tool> option`` (``tar --to-command=``, ``ssh -o
    ProxyCommand=``, ``git -c alias.x=!...``). Fields after ``origin`` are extensions the rules use.
    """

    argv: tuple[str, ...]
    name: str = ""
    wrappers: tuple[str, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    cwd: str | None = None
    dynamic_name: bool = False
    pipe_in: bool = False
    pipe_out: bool = False
    origin: str = "top"
    # Per argv word: None when the word is fully static, else the word with every unresolved expansion replaced
    # by what it gives when empty (``"$X"/`` -> ``/``; ``${X:-/tmp}`` -> ``/tmp``).
    empty_forms: tuple[str | None, ...] = ()
    # Every working directory the command may start in (``cwd`` first); ``None`` entries mean "unknown".
    cwds: tuple[str | None, ...] = (None,)
    background: bool = False
    function: str = ""  # innermost shell function whose body contains the command
    stdin: str | None = None  # heredoc / here-string text fed to the command
    stdin_code: bool = False  # the command executes its standard input as code (``sh``, ``python3 -``, ...)
    feeds_code: bool = False  # its output becomes code (inside ``eval "$(...)"``, ``bash <(...)``, ...)
    code: str | None = None  # inline program given to an interpreter (``-c``/``-e``/``-r``/heredoc body)


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    """``commands``: every simple command found, nested ones included, in the order analysed. ``pipelines``:
    commands joined by ``|`` (groups inside a pipeline are flattened into it). ``uncertain``: some part could
    not be analysed with confidence (unbalanced quoting, a size/depth/work limit, an unknown construct).
    ``text``: the input without NULs and line continuations, for regex safety nets."""

    commands: tuple[SimpleCommand, ...]
    pipelines: tuple[tuple[SimpleCommand, ...], ...]
    uncertain: bool
    text: str


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

# --------------------------------------------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------------------------------------------

_LIT, _PARAM, _SUB = 0, 1, 2
_META = frozenset(" \t\r\n;&|()<>")
_NOSTOP: frozenset[str] = frozenset()
_PLAIN = re.compile(r"[^\s;&|()<>'\"\\$`]+")
_SIMPLE_END = frozenset(" \t\r\n;&|()<>")
# Blanks, then a plain word that bash would take literally, ending where an operator or blank starts.
_FAST_WORD = re.compile(r"[ \t\r\f\v]*((?!#)[^\s;&|()<>'\"\\$`]+)(?=[ \t\r\n;&|)]|\Z)")
_DQ_PLAIN = re.compile(r'[^"\\$`]+')
_HD_PLAIN = re.compile(r"[^\\$`]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-]")
_PARAM_OPS = (
    ":-",
    ":=",
    ":+",
    ":?",
    "-",
    "=",
    "+",
    "?",
    "##",
    "#",
    "%%",
    "%",
    "//",
    "/#",
    "/%",
    "/",
    "^^",
    "^",
    ",,",
    ",",
    "@",
    ":",
)
_REDIR_OPS = ("<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">|", ">&", ">")
_SEP_OPS = (";;&", ";;", ";&", ";", "&&", "&", "||", "|&", "|")
_WORD_OP, _WORD_TOK, _REDIR_TOK = 0, 1, 2


class _Part:
    __slots__ = ("arg", "cache", "index", "inner", "kind", "name", "op", "quoted", "raw", "sub")

    def __init__(self, kind: int, raw: str, quoted: bool) -> None:
        self.kind = kind
        self.raw = raw  # literal text for _LIT; source text for expansions
        self.quoted = quoted
        self.name = ""
        self.index: str | None = None
        self.op = ""
        self.arg: _Word | None = None
        self.sub = ""  # cmd | proc-in | proc-out | arith
        self.inner = ""
        self.cache: _Alt | None = None


class _Word:
    __slots__ = ("array", "parts", "raw")

    def __init__(self, parts: list[_Part], raw: str) -> None:
        self.parts = parts
        self.raw = raw
        self.array: list[_Word] | None = None

    def literal(self) -> str | None:
        """The word's text when it is one plain unquoted literal (keywords, function names), else None."""
        if len(self.parts) == 1 and self.parts[0].kind == _LIT and not self.parts[0].quoted:
            return self.parts[0].raw
        return None

    def assignment(self) -> re.Match[str] | None:
        if self.parts and self.parts[0].kind == _LIT and not self.parts[0].quoted and "=" in self.parts[0].raw:
            return _ASSIGN.match(self.parts[0].raw)
        return None


class _Redir:
    __slots__ = ("body", "fd", "op", "quoted_delim", "target")

    def __init__(self, op: str, fd: int | None, target: _Word) -> None:
        self.op = op
        self.fd = fd
        self.target = target
        self.body: _Word | None = None  # heredoc body (as a word to expand, or a literal when the delimiter is quoted)
        self.quoted_delim = False


class _Tok:
    __slots__ = ("end", "kind", "op", "redir", "start", "word")

    def __init__(self, kind: int, op: str, word: _Word | None, redir: _Redir | None, *, start: int, end: int) -> None:
        self.kind = kind
        self.op = op
        self.word = word
        self.redir = redir
        self.start = start
        self.end = end


_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


def decode_escapes(text: str, start: int = 0, *, stop_at_quote: bool = False, echo: bool = False) -> tuple[str, int]:
    """Decode ANSI-C escapes (``\\xHH``, ``\\NNN``, ``\\uXXXX``, ``\\n``, ...) as ``$'...'`` and ``echo -e`` do.

    Returns the decoded text and the index after it (after the closing quote with ``stop_at_quote``). ``echo``
    selects echo's octal form (``\\0NNN``)."""
    out: list[str] = []
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if stop_at_quote and c == "'":
            return "".join(out), i + 1
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nx = text[i + 1]
        if nx in _ANSI_SIMPLE and not (echo and nx in "'\"?"):
            out.append(_ANSI_SIMPLE[nx])
            i += 2
        elif nx in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[nx]
            j = i + 2
            while j < n and j < i + 2 + limit and text[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i + 2:
                out.append("\\" + nx)
            else:
                code = int(text[i + 2 : j], 16)
                out.append(chr(code) if code <= 0x10FFFF else "\ufffd")
            i = j
        elif nx in "01234567":
            j = i + 1
            limit = 4 if (echo and nx == "0") else 3
            while j < n and j < i + 1 + limit and text[j] in "01234567":
                j += 1
            out.append(chr(int(text[i + 1 : j], 8) & 0xFF))
            i = j
        elif nx == "c" and i + 2 < n:
            out.append(chr(ord(text[i + 2]) & 0x1F))
            i += 3
        else:
            out.append("\\" + nx)
            i += 2
    return "".join(out), n


def _find_close(s: str, i: int, closer: str) -> int:
    """Index of the ``closer`` (``)`` or ``}``) matching an opener just before ``i``; -1 when unbalanced.

    Iterative with an explicit stack so that 10,000 nested ``$(`` cost no recursion; quotes, backticks,
    ``$(``/``${`` and comments are skipped the way bash skips them."""
    stack = [closer]
    cases = [0]  # open `case ... esac` per frame: their `pattern)` must not close a `$(`
    n = len(s)
    while i < n:
        c = s[i]
        top = stack[-1]
        if len(cases) < len(stack):
            cases.append(0)
        elif len(cases) > len(stack):
            del cases[len(stack) :]
        if top == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
            elif c == "$" and i + 1 < n and s[i + 1] in "({":
                stack.append(")" if s[i + 1] == "(" else "}")
                i += 2
                continue
            elif c == "`":
                stack.append("`")
            i += 1
            continue
        if top == "`":
            if c == "\\":
                i += 2
                continue
            if c == "`":
                stack.pop()
                if not stack:
                    return i
            i += 1
            continue
        if c == "\\":
            i += 2
            continue
        if c == "'":
            if i > 0 and s[i - 1] == "$":
                _, j = decode_escapes(s, i + 1, stop_at_quote=True)
                i = j
                continue
            j = s.find("'", i + 1)
            if j < 0:
                return -1
            i = j + 1
            continue
        if c in ('"', "`"):
            stack.append(c)
        elif c == "$" and i + 1 < n and s[i + 1] in "({":
            stack.append(")" if s[i + 1] == "(" else "}")
            i += 2
            continue
        elif c == "(" and top == ")":
            stack.append(")")
        elif top == ")" and c in "ce" and (i == 0 or s[i - 1] in " \t\n;&|(") and s.startswith(("case", "esac"), i):
            after = s[i + 4 : i + 5]
            if not after or after in " \t\n;&|)":
                cases[-1] += 1 if c == "c" else -1 if cases[-1] else 0
            i += 4
            continue
        elif c == ")" and top == ")" and cases[-1] > 0:
            pass  # a case pattern terminator
        elif c == "#" and top == ")" and (i == 0 or s[i - 1] in " \t\n;&|("):
            j = s.find("\n", i)
            if j < 0:
                return -1
            i = j
            continue
        elif c == top:
            stack.pop()
            if not stack:
                return i
        i += 1
    return -1


class _Lexer:
    """Turns text into words, operators and redirections. Never raises; oddities set ``flags.uncertain``."""

    def __init__(self, s: str, out: _Out, depth: int) -> None:
        self.s = s
        self.n = len(s)
        self.out = out
        self.depth = depth
        self.pending: list[tuple[_Redir, str, bool]] = []

    # ---- top level ----
    def tokens(self) -> list[_Tok]:
        s, n = self.s, self.n
        toks: list[_Tok] = []
        i = 0
        fast = _FAST_WORD.match
        append = toks.append
        while i < n:
            m = fast(s, i)
            if m is not None:
                # Fast path: blanks then one plain unquoted word (the vast majority of words).
                text = m.group(1)
                append(
                    _Tok(_WORD_TOK, "", _Word([_Part(_LIT, text, False)], text), None, start=m.start(1), end=m.end())
                )
                i = m.end()
                continue
            c = s[i]
            if c == " " or c == "\t" or c == "\r" or c == "\f" or c == "\v":  # noqa: PLR1714 - hot loop
                i += 1
                continue
            if c == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
                continue
            if c == "\n":
                toks.append(_Tok(_WORD_OP, "\n", None, None, start=i, end=i + 1))
                i += 1
                if self.pending:
                    i = self._heredocs(i)
                continue
            if c == "#":
                j = s.find("\n", i)
                i = n if j < 0 else j
                continue
            if c == "&" and i + 1 < n and s[i + 1] == ">":
                op = "&>>" if s.startswith("&>>", i) else "&>"
                i = self._redirect(i, op, None, toks)
                continue
            if c in ";&|":
                for op in _SEP_OPS:
                    if s.startswith(op, i):
                        break
                toks.append(_Tok(_WORD_OP, op, None, None, start=i, end=i + len(op)))
                i += len(op)
                continue
            if c in "()":
                toks.append(_Tok(_WORD_OP, c, None, None, start=i, end=i + 1))
                i += 1
                continue
            if c in "<>" and not (i + 1 < n and s[i + 1] == "("):
                for op in _REDIR_OPS:
                    if s.startswith(op, i):
                        break
                i = self._redirect(i, op, None, toks)
                continue
            m = _PLAIN.match(s, i)
            if m is not None:
                j = m.end()
                if j >= n or (s[j] in _SIMPLE_END and not (s[j] == "(" and s[j - 1] == "=")):
                    text = m.group()
                    if not (j < n and s[j] in "<>" and text.isdigit()):
                        # Fast path: one plain unquoted word (the vast majority of words).
                        toks.append(_Tok(_WORD_TOK, "", _Word([_Part(_LIT, text, False)], text), None, start=i, end=j))
                        i = j
                        continue
            word, j = self.word(i, _META)
            if j == i:  # cannot happen, but never loop forever
                self.out.uncertain = True
                i += 1
                continue
            if (
                j + 1 < n
                and s[j] in "<>"
                and s[j + 1] != "("
                and word.literal() is not None
                and word.raw.isdigit()
                and len(word.raw) < 6
            ):
                for op in _REDIR_OPS:
                    if s.startswith(op, j):
                        break
                i = self._redirect(j, op, int(word.raw), toks)
                continue
            if j < n and s[j] == "(" and word.raw.endswith("=") and _ASSIGN.fullmatch(word.raw):
                j = self._array(word, j + 1)
            toks.append(_Tok(_WORD_TOK, "", word, None, start=i, end=j))
            i = j
        if self.pending:
            for redir, _, _ in self.pending:
                redir.body = _Word([_Part(_LIT, "", True)], "")
            self.pending = []
        return toks

    def _array(self, word: _Word, i: int) -> int:
        s, n = self.s, self.n
        items: list[_Word] = []
        while i < n:
            c = s[i]
            if c in " \t\r\n":
                i += 1
            elif c == ")":
                word.array = items
                return i + 1
            elif c == "#":
                j = s.find("\n", i)
                i = n if j < 0 else j
            else:
                item, j = self.word(i, _META)
                if j == i:
                    self.out.uncertain = True
                    i += 1
                    continue
                items.append(item)
                i = j
        self.out.uncertain = True
        word.array = items
        return n

    def _skip_blanks(self, i: int) -> int:
        s, n = self.s, self.n
        while i < n:
            if s[i] in " \t":
                i += 1
            elif s[i] == "\\" and i + 1 < n and s[i + 1] == "\n":
                i += 2
            else:
                break
        return i

    def _redirect(self, i: int, op: str, fd: int | None, toks: list[_Tok]) -> int:
        start = i
        j = self._skip_blanks(i + len(op))
        target, k = self.word(j, _META)
        if k == j:
            self.out.uncertain = True
        redir = _Redir(op, fd, target)
        if op in ("<<", "<<-"):
            quoted = any(p.quoted or p.kind != _LIT for p in target.parts)
            delim = "".join(p.raw for p in target.parts)
            redir.quoted_delim = quoted
            self.pending.append((redir, delim, op == "<<-"))
        toks.append(_Tok(_REDIR_TOK, op, None, redir, start=start, end=k))
        return k

    def _heredocs(self, i: int) -> int:
        s, n = self.s, self.n
        for redir, delim, strip in self.pending:
            lines: list[str] = []
            found = False
            while i < n:
                j = s.find("\n", i)
                line = s[i:] if j < 0 else s[i:j]
                i = n if j < 0 else j + 1
                check = line.lstrip("\t") if strip else line
                if check == delim or check.rstrip("\r") == delim:
                    found = True
                    break
                lines.append(check)
            body = "\n".join(lines) + ("\n" if lines else "")
            if not found and delim:
                self.out.uncertain = True
            if redir.quoted_delim:
                redir.body = _Word([_Part(_LIT, body, True)], body)
            else:
                parts: list[_Part] = []
                _Lexer(body, self.out, self.depth).dq(0, parts, heredoc=True)
                redir.body = _Word(parts, body)
        self.pending = []
        return i

    # ---- words ----
    def word(self, i: int, stop: frozenset[str]) -> tuple[_Word, int]:
        s, n = self.s, self.n
        start = i
        parts: list[_Part] = []
        while i < n:
            c = s[i]
            if c in "<>" and i + 1 < n and s[i + 1] == "(":
                j = _find_close(s, i + 2, ")")
                if j < 0:
                    self.out.uncertain = True
                    j = n
                part = _Part(_SUB, s[i : j + 1], False)
                part.sub = "proc-in" if c == "<" else "proc-out"
                part.inner = s[i + 2 : j]
                parts.append(part)
                i = j + 1
                continue
            if c in stop:
                break
            if c == "\\":
                if i + 1 >= n:
                    parts.append(_Part(_LIT, "\\", True))
                    i += 1
                elif s[i + 1] == "\n":
                    i += 2
                else:
                    parts.append(_Part(_LIT, s[i + 1], True))
                    i += 2
            elif c == "'":
                j = s.find("'", i + 1)
                if j < 0:
                    self.out.uncertain = True
                    parts.append(_Part(_LIT, s[i + 1 :], True))
                    i = n
                else:
                    parts.append(_Part(_LIT, s[i + 1 : j], True))
                    i = j + 1
            elif c == '"':
                i = self.dq(i + 1, parts)
            elif c == "$":
                i = self._dollar(i, parts, quoted=False)
            elif c == "`":
                i = self._backtick(i, parts, quoted=False)
            else:
                m = _PLAIN.match(s, i)
                if m:
                    parts.append(_Part(_LIT, m.group(), False))
                    i = m.end()
                else:
                    parts.append(_Part(_LIT, c, False))
                    i += 1
        return _Word(parts, s[start:i]), i

    def dq(self, i: int, parts: list[_Part], *, heredoc: bool = False) -> int:
        """Double-quoted text from ``i`` (after the opening quote) or, with ``heredoc``, a whole heredoc body."""
        s, n = self.s, self.n
        plain = _HD_PLAIN if heredoc else _DQ_PLAIN
        escapable = "$`\\" if heredoc else '$`"\\'
        while i < n:
            c = s[i]
            if c == '"' and not heredoc:
                return i + 1
            if c == "\\":
                nx = s[i + 1] if i + 1 < n else ""
                if nx and nx in escapable:
                    parts.append(_Part(_LIT, nx, True))
                    i += 2
                elif nx == "\n":
                    i += 2
                else:
                    parts.append(_Part(_LIT, "\\", True))
                    i += 1
            elif c == "$":
                i = self._dollar(i, parts, quoted=True)
            elif c == "`":
                i = self._backtick(i, parts, quoted=True)
            else:
                m = plain.match(s, i)
                end = m.end() if m else i + 1
                parts.append(_Part(_LIT, s[i:end], True))
                i = end
        if not heredoc:
            self.out.uncertain = True
        return n

    def _backtick(self, i: int, parts: list[_Part], *, quoted: bool) -> int:
        s, n = self.s, self.n
        j = i + 1
        while j < n and s[j] != "`":
            j += 2 if s[j] == "\\" else 1
        if j >= n:
            self.out.uncertain = True
            j = n
        raw = s[i : j + 1]
        inner = s[i + 1 : j]
        if "\\" in inner:
            inner = re.sub(r"\\([\\`$])", r"\1", inner)
        part = _Part(_SUB, raw, quoted)
        part.sub = "cmd"
        part.inner = inner
        parts.append(part)
        return j + 1

    def _dollar(self, i: int, parts: list[_Part], *, quoted: bool) -> int:
        s, n = self.s, self.n
        nx = s[i + 1] if i + 1 < n else ""
        if nx == "'" and not quoted:
            text, j = decode_escapes(s, i + 2, stop_at_quote=True)
            if j >= n and not s.endswith("'"):
                self.out.uncertain = True
            parts.append(_Part(_LIT, text, True))
            return j
        if nx == '"' and not quoted:
            return self.dq(i + 2, parts)
        if nx == "(":
            if i + 2 < n and s[i + 2] == "(":
                j = _find_close(s, i + 3, ")")
                if j >= 0 and j + 1 < n and s[j + 1] == ")":
                    part = _Part(_SUB, s[i : j + 2], quoted)
                    part.sub = "arith"
                    part.inner = s[i + 3 : j]
                    parts.append(part)
                    return j + 2
            j = _find_close(s, i + 2, ")")
            if j < 0:
                self.out.uncertain = True
                j = n
            part = _Part(_SUB, s[i : j + 1], quoted)
            part.sub = "cmd"
            part.inner = s[i + 2 : j]
            parts.append(part)
            return j + 1
        if nx == "{":
            j = _find_close(s, i + 2, "}")
            if j < 0:
                self.out.uncertain = True
                j = n
            parts.append(self._param(s[i + 2 : j], s[i : j + 1], quoted))
            return j + 1
        if nx and (nx.isalpha() or nx == "_"):
            m = _NAME.match(s, i + 1)
            end = m.end() if m else i + 2
            part = _Part(_PARAM, s[i:end], quoted)
            part.name = s[i + 1 : end]
            parts.append(part)
            return end
        if nx and (nx.isdigit() or nx in "@*#?-$!"):
            part = _Part(_PARAM, s[i : i + 2], quoted)
            part.name = nx
            parts.append(part)
            return i + 2
        parts.append(_Part(_LIT, "$", quoted))
        return i + 1

    def _param(self, content: str, raw: str, quoted: bool) -> _Part:
        part = _Part(_PARAM, raw, quoted)
        if content.startswith("#") and len(content) > 1 and _PARAM_NAME.fullmatch(content[1:].split("[", 1)[0]):
            part.op = "len"
            content = content[1:]
        elif content.startswith("!"):
            part.op = "indirect"
            part.name = content[1:]
            return part
        m = _PARAM_NAME.match(content)
        if not m:
            part.op = "bad"
            return part
        part.name = m.group()
        rest = content[m.end() :]
        if rest.startswith("["):
            k = rest.find("]")
            if k < 0:
                part.op = "bad"
                return part
            part.index = rest[1:k]
            rest = rest[k + 1 :]
        if part.op == "len":
            return part
        if rest:
            for op in _PARAM_OPS:
                if rest.startswith(op):
                    part.op = op
                    arg = rest[len(op) :]
                    if self.depth >= self.out.max_depth:
                        self.out.uncertain = True
                        part.op = "bad"
                    else:
                        sub = _Lexer(arg, self.out, self.depth + 1)
                        word, _ = sub.word(0, _NOSTOP)
                        part.arg = word
                    break
            else:
                part.op = "bad"
        return part


# --------------------------------------------------------------------------------------------------------------
# Analysis state
# --------------------------------------------------------------------------------------------------------------

# One possible value: (text, empty form or None when static, ranges of out.cmds that produced it)
_Alt = tuple[str, str | None, tuple[tuple[int, int], ...]]


class _Field:
    __slots__ = ("empty", "glob", "proc", "srcs", "text")

    def __init__(self, text: str, empty: str | None, glob: bool, srcs: tuple[tuple[int, int], ...], proc: bool):
        self.text = text
        self.empty = empty  # None when static
        self.glob = glob
        self.srcs = srcs
        self.proc = proc


def _static(text: str) -> _Field:
    return _Field(text, None, False, (), False)


def _unknown(text: str) -> _Field:
    """A word whose value is not statically known (it may be anything, or empty), shown as ``text``."""
    return _Field(text, "", False, (), False)


def _may_take_code(option: str) -> bool:
    """A short option cluster ending in ``c`` (``-c``, ``-lc``): after an unknown command, what may be a shell's
    command string follows it."""
    return option.startswith("-") and not option.startswith("--") and option.endswith("c")


class _Cmd:
    __slots__ = (
        "argv",
        "background",
        "code",
        "cwds",
        "dynamic_name",
        "empty_forms",
        "feeds_code",
        "function",
        "name",
        "origin",
        "pipe_in",
        "pipe_out",
        "redirects",
        "stdin",
        "stdin_code",
        "wrappers",
    )

    def __init__(self) -> None:
        self.argv: tuple[str, ...] = ()
        self.name = ""
        self.wrappers: tuple[str, ...] = ()
        self.redirects: tuple[Redirect, ...] = ()
        self.cwds: tuple[str | None, ...] = (None,)
        self.dynamic_name = False
        self.pipe_in = False
        self.pipe_out = False
        self.origin = "top"
        self.empty_forms: tuple[str | None, ...] = ()
        self.background = False
        self.function = ""
        self.stdin: str | None = None
        self.stdin_code = False
        self.feeds_code = False
        self.code: str | None = None

    def freeze(self) -> SimpleCommand:
        return SimpleCommand(
            argv=self.argv,
            name=self.name,
            wrappers=self.wrappers,
            redirects=self.redirects,
            cwd=self.cwds[0] if self.cwds else None,
            dynamic_name=self.dynamic_name,
            pipe_in=self.pipe_in,
            pipe_out=self.pipe_out,
            origin=self.origin,
            empty_forms=self.empty_forms,
            cwds=self.cwds or (None,),
            background=self.background,
            function=self.function,
            stdin=self.stdin,
            stdin_code=self.stdin_code,
            feeds_code=self.feeds_code,
            code=self.code,
        )


class _Out:
    __slots__ = ("cmds", "files", "limit", "max_depth", "pipelines", "renamed", "uncertain", "work")

    def __init__(self, max_depth: int, limit: int) -> None:
        self.cmds: list[_Cmd] = []
        self.files: dict[str, str] = {}  # files the text writes with known content (``cat > x.sh <<EOF``)
        # Command names the text gives other programs (``ln -s /bin/rm x``, ``hash -p /bin/rm ls``): a name or a
        # file key -> the programs it may run ("" for one that is not statically known). Bounded.
        self.renamed: dict[str, list[str]] = {}
        self.pipelines: list[tuple[int, ...]] = []
        self.uncertain = False
        self.work = 0
        self.max_depth = max_depth
        self.limit = limit


class _State:
    __slots__ = ("aliases", "arrays", "calling", "cwds", "dirstack", "errexit", "funcs", "pos", "vars")

    def __init__(self, cwd: str | None) -> None:
        self.vars: dict[str, list[_Alt]] = {}
        self.arrays: dict[str, list[_Alt]] = {}
        self.cwds: tuple[str | None, ...] = (cwd,)
        self.dirstack: list[tuple[str | None, ...]] = []
        self.funcs: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.pos: list[_Alt] | None = None
        self.errexit = False
        self.calling: frozenset[str] = frozenset()

    def copy(self) -> _State:
        new = _State(None)
        new.vars = dict(self.vars)
        new.arrays = dict(self.arrays)
        new.cwds = self.cwds
        new.dirstack = list(self.dirstack)
        new.funcs = dict(self.funcs)
        new.aliases = dict(self.aliases)
        new.pos = self.pos
        new.errexit = self.errexit
        new.calling = self.calling
        return new


class _Level:
    __slots__ = (
        "andor",
        "case_pat",
        "cmd_start",
        "cond",
        "fname",
        "func",
        "kind",
        "pipe",
        "piping",
        "saved_cond",
        "snapshot",
        "start_off",
    )

    def __init__(self, kind: str, cmd_start: int, fname: str) -> None:
        self.kind = kind
        self.cmd_start = cmd_start
        self.fname = fname
        self.func = ""  # set when this block is the body of a function definition
        self.snapshot: _State | None = None
        self.start_off = 0
        self.pipe: list[tuple[int, int, int]] = []
        self.piping = False
        self.andor = False
        self.case_pat = False
        self.cond = False
        self.saved_cond = 0


class _Cur:
    __slots__ = ("group_start", "main", "redirs", "time", "words")

    def __init__(self, group_start: int | None = None) -> None:
        self.words: list[_Word] = []
        self.redirs: list[_Redir] = []
        self.group_start = group_start
        self.time = False
        self.main = -1


def _tok_literal(tok: _Tok) -> str | None:
    return tok.word.literal() if tok.word is not None else None


def _basename(text: str) -> str:
    return text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or ("[" in text and "]" in text[text.index("[") + 1 :])


_SEQ = re.compile(
    r"(-?[0-9]{1,9})\.\.(-?[0-9]{1,9})(?:\.\.(-?[0-9]{1,6}))?|([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?[0-9]{1,6}))?"
)


def _sequence(inner: str) -> list[str] | None:
    m = _SEQ.fullmatch(inner)
    if not m:
        return None
    if m.group(1) is not None:
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(x) for x in list(rng[:_MAX_BRACE])]
    a, b = ord(m.group(4)), ord(m.group(5))
    step = abs(int(m.group(6) or 1)) or 1
    rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
    return [chr(x) for x in list(rng[:_MAX_BRACE])]


def _find_brace(atoms: list[str | _Part]) -> tuple[int, int, list[list[str | _Part]]] | None:
    """Leftmost brace expression in one linear pass: (open index, close index, alternatives)."""
    stack: list[int] = []
    commas: dict[int, list[int]] = {}
    best: tuple[int, int, list[int]] | None = None
    for idx, atom in enumerate(atoms):
        if atom == "{":
            stack.append(idx)
        elif atom == "," and stack:
            commas.setdefault(stack[-1], []).append(idx)
        elif atom == "}" and stack:
            open_idx = stack.pop()
            cs = commas.pop(open_idx, [])
            valid = bool(cs)
            if not valid:
                inner = atoms[open_idx + 1 : idx]
                valid = (
                    all(isinstance(a, str) for a in inner)
                    and _sequence("".join(a for a in inner if isinstance(a, str))) is not None
                )
            if valid and (best is None or open_idx < best[0]):
                best = (open_idx, idx, cs)
    if best is None:
        return None
    lo, hi, cs = best
    if cs:
        bounds = [lo, *cs, hi]
        alts = [atoms[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]
    else:
        seq = _sequence("".join(a for a in atoms[lo + 1 : hi] if isinstance(a, str))) or []
        alts = [list(x) for x in seq]
    return lo, hi, alts


def _rebuild(atoms: list[str | _Part]) -> list[_Part]:
    parts: list[_Part] = []
    buf: list[str] = []
    for atom in atoms:
        if isinstance(atom, str):
            buf.append(atom)
        else:
            if buf:
                parts.append(_Part(_LIT, "".join(buf), False))
                buf = []
            parts.append(atom)
    if buf:
        parts.append(_Part(_LIT, "".join(buf), False))
    return parts


def _split_ifs(text: str, ifs: str) -> tuple[list[str], bool, bool]:
    """Field-split ``text`` on ``ifs``; returns (pieces, leading separator, trailing separator)."""
    if not ifs:
        return [text], False, False
    pattern = "[" + re.escape(ifs) + "]+"
    pieces = re.split(pattern, text)
    lead = bool(pieces) and pieces[0] == ""
    trail = len(pieces) > 1 and pieces[-1] == ""
    return [p for p in pieces if p], lead, trail


# --------------------------------------------------------------------------------------------------------------
# Analyzer
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


def _plain_command(text: str, cwd: str | None) -> ShellAnalysis | None:
    """The analysis of a plain command line (``uname -a``, ``cat /proc/loadavg``, a path glob given as an argument
    value) without running the analyzer, None for anything else. Most command tasks and argument values are such
    lines, and the analyzer's result for them is fixed: one simple command whose argv is the blank-separated words,
    its name dynamic when the first word is a glob (tests compare the two on generated lines)."""
    if _PLAIN_COMMAND.fullmatch(text) is None:
        return None
    words = text.split()
    first = words[0]
    name = _basename(first)
    if first in _HANDLED_NAMES or name in _HANDLED_NAMES or INTERPRETER_RE.fullmatch(name.lower()):
        return None
    dynamic = _has_glob(first)
    if dynamic and any(_may_take_code(w) for w in words[1:6]):
        return None  # ``/bin/*sh -c ...``: the analyzer reads the string as the code an unknown shell may run
    cwds = (_normpath(cwd) if cwd else None,)
    command = SimpleCommand(
        argv=tuple(words), name=name, cwd=cwds[0], dynamic_name=dynamic, empty_forms=(None,) * len(words), cwds=cwds
    )
    return ShellAnalysis(commands=(command,), pipelines=(), uncertain=False, text=text)


class _Analyzer:
    def __init__(
        self,
        out: _Out,
        state: _State,
        depth: int,
        origin: str,
        *,
        wrap: tuple[str, ...] = (),
        fname: str = "",
        feeds: bool = False,
    ) -> None:
        self.out = out
        self.state = state
        self.depth = depth
        self.origin = origin
        self.wrap = wrap
        self.fname = fname
        self.feeds = feeds
        self.cond = 0
        self.text = ""
        self.term = ";"
        self.levels: list[_Level] = []

    # ---------------- driving ----------------
    def nested(
        self,
        text: str,
        origin: str,
        *,
        state: _State | None = None,
        wrap: tuple[str, ...] = (),
        feeds: bool = False,
        fname: str | None = None,
    ) -> tuple[int, int]:
        """Analyse ``text`` one level deeper; returns the range of commands it produced."""
        start = len(self.out.cmds)
        if self.depth + 1 > self.out.max_depth:
            self.out.uncertain = True
            return start, start
        child = _Analyzer(
            self.out,
            state if state is not None else self.state.copy(),
            self.depth + 1,
            origin,
            wrap=wrap,
            fname=self.fname if fname is None else fname,
            feeds=feeds or self.feeds,
        )
        child.run(text)
        return start, len(self.out.cmds)

    def run(self, text: str) -> None:
        out = self.out
        out.work += len(text) + 16
        if out.work > out.limit:
            out.uncertain = True
            return
        self.text = text
        toks = _Lexer(text, out, self.depth).tokens()
        levels = [_Level("top", len(out.cmds), self.fname)]
        self.levels = levels
        cur: _Cur | None = None
        pending_func = ""
        pending_time = False
        ntok = len(toks)
        i = 0
        while i < ntok:
            t = toks[i]
            i += 1
            lvl = levels[-1]
            if lvl.case_pat:
                if t.kind == _WORD_TOK and t.word is not None and t.word.literal() == "esac":
                    closed = self._close(levels, "case", t.end)
                    cur = self._after_close(closed)
                elif t.kind == _WORD_OP and t.op == ")":
                    lvl.case_pat = False
                continue
            if t.kind == _WORD_TOK and t.word is not None:
                word = t.word
                at_start = cur is None or (not cur.words and not cur.redirs and cur.group_start is None)
                kw = word.literal() if at_start else None
                if kw is not None and kw in _KEYWORDS:
                    if kw in ("if", "while", "until"):
                        self._open(levels, kw, pending_func, t.start, cond=True)
                        pending_func = ""
                    elif kw in ("then", "do", "else", "elif", "!"):
                        pass
                    elif kw == "time":
                        pending_time = True
                        while i < ntok and _tok_literal(toks[i]) in ("-p", "--"):
                            i += 1
                    elif kw in ("fi", "done", "}"):
                        want = {"fi": "if", "done": "loop", "}": "{"}[kw]
                        if any(
                            lv.kind == want or (want == "loop" and lv.kind in ("while", "until", "for"))
                            for lv in levels[1:]
                        ):
                            closed = self._close(levels, want, t.end)
                            cur = self._after_close(closed)
                        elif kw == "}":
                            cur = _Cur()
                            cur.words.append(word)
                        else:
                            out.uncertain = True
                    elif kw in ("for", "select"):
                        lv = self._open(levels, "for", pending_func, t.start, cond=True)
                        pending_func = ""
                        i = self._for_header(toks, i, lv)
                    elif kw == "case":
                        i = self._case_header(toks, i)
                        lv = self._open(levels, "case", pending_func, t.start, cond=True)
                        pending_func = ""
                        lv.case_pat = True
                    elif kw == "function":
                        if i < ntok and toks[i].word is not None:
                            pending_func = toks[i].word.raw  # type: ignore[union-attr]
                            i += 1
                            if i + 1 < ntok and toks[i].op == "(" and toks[i + 1].op == ")":
                                i += 2
                    elif kw == "{":
                        self._open(levels, "{", pending_func, t.start, cond=False)
                        pending_func = ""
                    elif kw == "[[":
                        cur = _Cur()
                        cur.words.append(word)
                        while i < ntok:
                            tt = toks[i]
                            i += 1
                            if tt.word is not None:
                                cur.words.append(tt.word)
                                if tt.word.literal() == "]]":
                                    break
                            elif tt.kind == _WORD_OP and tt.op != "\n":
                                cur.words.append(_Word([_Part(_LIT, tt.op, True)], tt.op))
                            elif tt.redir is not None:
                                cur.words.append(_Word([_Part(_LIT, tt.redir.op, True)], tt.redir.op))
                                cur.words.append(tt.redir.target)
                    elif kw == "coproc":
                        pass
                    continue
                if (
                    at_start
                    and kw is not None
                    and i + 1 < ntok
                    and toks[i].op == "("
                    and toks[i + 1].op == ")"
                    and toks[i].kind == _WORD_OP
                ):
                    pending_func = kw
                    i += 2
                    continue
                if cur is None:
                    cur = _Cur()
                elif cur.group_start is not None:
                    out.uncertain = True
                    self._finish(levels, cur, ";")
                    cur = _Cur()
                if pending_time:
                    cur.time = True
                    pending_time = False
                cur.words.append(word)
                continue
            if t.kind == _REDIR_TOK and t.redir is not None:
                if cur is None:
                    cur = _Cur()
                cur.redirs.append(t.redir)
                continue
            op = t.op
            if op == "(":
                if cur is not None:
                    out.uncertain = True
                    self._finish(levels, cur, ";")
                    cur = None
                lv = self._open(levels, "(", pending_func, t.start, cond=False)
                pending_func = ""
                lv.snapshot = self.state.copy()
                continue
            if op == ")":
                if cur is not None:
                    self._finish(levels, cur, ";")
                    cur = None
                if any(lv.kind == "(" for lv in levels[1:]):
                    closed = self._close(levels, "(", t.end)
                    cur = self._after_close(closed)
                else:
                    out.uncertain = True
                continue
            # separators
            self.term = op
            self._finish(levels, cur, op)
            cur = None
            if op in (";;", ";&", ";;&"):
                for lv in reversed(levels):
                    if lv.kind == "case":
                        while levels[-1] is not lv:
                            self._close(levels, levels[-1].kind, t.end)
                        lv.case_pat = True
                        break
        self.term = ";"
        self._finish(levels, cur, ";")
        while len(levels) > 1:
            out.uncertain = True
            self._close(levels, levels[-1].kind, len(text))
            self._finish(levels, None, ";")

    # ---------------- blocks ----------------
    def _open(self, levels: list[_Level], kind: str, func: str, start: int, *, cond: bool) -> _Level:
        parent = levels[-1]
        lv = _Level(kind, len(self.out.cmds), func or parent.fname)
        lv.func = func
        lv.start_off = start
        lv.cond = cond and not func
        if func:
            # A function body is analysed where it is defined as if it ran there, on a copy of the state: the
            # body is linear within itself, and only a call (re-analysed with the real state) changes globals.
            lv.snapshot = self.state.copy()
            lv.saved_cond = self.cond
            self.cond = 0
        if lv.cond:
            self.cond += 1
        levels.append(lv)
        return lv

    def _close(self, levels: list[_Level], want: str, end: int) -> _Level:
        while len(levels) > 1:
            lv = levels.pop()
            self._end_pipeline(lv, background=False)
            if lv.andor:
                self.cond -= 1
                lv.andor = False
            if lv.cond:
                self.cond -= 1
            if lv.snapshot is not None:
                self.state = lv.snapshot
            if lv.func:
                self.cond = lv.saved_cond
                body = self.text[lv.start_off : end]
                self.state.funcs[lv.func] = body
            if lv.kind == want or (want == "loop" and lv.kind in ("while", "until", "for")):
                return lv
            self.out.uncertain = True
        return levels[0]

    def _after_close(self, closed: _Level) -> _Cur:
        return _Cur(group_start=closed.cmd_start)

    def _for_header(self, toks: list[_Tok], i: int, lv: _Level) -> int:
        ntok = len(toks)
        if i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "(":
            while i < ntok and not (toks[i].word is not None and toks[i].word.literal() == "do"):  # type: ignore[union-attr]
                i += 1
            return i
        name = toks[i].word.literal() if i < ntok and toks[i].word is not None else None  # type: ignore[union-attr]
        if name is None:
            self.out.uncertain = True
            return i
        i += 1
        while i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "\n":
            i += 1
        values: list[_Alt] = []
        if i < ntok and toks[i].word is not None and toks[i].word.literal() == "in":  # type: ignore[union-attr]
            i += 1
            while i < ntok and toks[i].word is not None:
                w = toks[i].word
                assert w is not None
                if w.literal() == "do":
                    break
                for fields in self._expand(w)[:1]:
                    values.extend((f.text, f.empty, f.srcs) for f in fields)
                i += 1
        else:
            values = list(self.state.pos) if self.state.pos is not None else [("$@", "", ())]
        if not values:
            values = [("", None, ())]
        self._set_var(name, values[: _MAX_ALTS * 4], force_union=False, replace=True)
        return i

    def _case_header(self, toks: list[_Tok], i: int) -> int:
        ntok = len(toks)
        if i < ntok and toks[i].word is not None:
            self._expand(toks[i].word)  # type: ignore[arg-type]
            i += 1
        while i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "\n":
            i += 1
        if i < ntok and toks[i].word is not None and toks[i].word.literal() == "in":  # type: ignore[union-attr]
            i += 1
        return i

    # ---------------- pipelines ----------------
    def _finish(self, levels: list[_Level], cur: _Cur | None, term: str) -> None:
        lvl = levels[-1]
        if cur is not None:
            before = len(self.out.cmds)
            main = -1
            if cur.group_start is not None:
                if cur.redirs:
                    redirects, stdin = self._redirects(cur.redirs)
                    cmd = self._emit([], "", (), redirects, stdin)
                    main = len(self.out.cmds) - 1 if cmd is not None else -1
                before = cur.group_start
            else:
                main = self._execute(cur)
            if len(self.out.cmds) > before:
                lvl.pipe.append((before, len(self.out.cmds), main))
        if term in ("|", "|&"):
            lvl.piping = True
            return
        self._end_pipeline(lvl, background=term == "&")
        if term in ("&&", "||"):
            if not lvl.andor:
                lvl.andor = True
                self.cond += 1
        elif lvl.andor:
            lvl.andor = False
            self.cond -= 1

    def _end_pipeline(self, lvl: _Level, *, background: bool) -> None:
        elems = lvl.pipe
        lvl.pipe = []
        lvl.piping = False
        cmds = self.out.cmds
        if background:
            for a, b, _ in elems:
                for c in cmds[a:b]:
                    c.background = True
        if len(elems) < 2:
            return
        idxs: list[int] = []
        last = len(elems) - 1
        for k, (a, b, _) in enumerate(elems):
            for c in cmds[a:b]:
                if k > 0:
                    c.pipe_in = True
                if k < last:
                    c.pipe_out = True
            idxs.extend(range(a, b))
        self.out.pipelines.append(tuple(idxs))
        mains = [cmds[m] if m >= 0 else None for _, _, m in elems]
        for k in range(1, len(elems)):
            consumer = mains[k]
            if consumer is None or not consumer.stdin_code:
                continue
            text = None
            for j in range(k - 1, max(-1, k - 6), -1):
                chain = mains[j:k]
                if all(c is not None for c in chain):
                    text = _chain_output([c for c in chain if c is not None])
                    if text is not None:
                        break
            if text is not None:
                if consumer.stdin is None:
                    consumer.stdin = text
                if consumer.code is None:
                    consumer.code = text
                self.nested(text, "pipe", state=_State(consumer.cwds[0]), wrap=consumer.wrappers)

    # ---------------- expansion ----------------
    def _lookup(self, part: _Part) -> list[_Alt]:
        name = part.name
        unknown: list[_Alt] = [(part.raw, "", ())]
        st = self.state
        if part.index is not None and name not in ("@", "*"):
            arr = st.arrays.get(name)
            if part.index in ("@", "*"):
                if arr is None:
                    vals = st.vars.get(name)
                    return list(vals) if vals else unknown
                return [_join_alts(arr)]
            if arr is not None:
                try:
                    k = int(part.index)
                except ValueError:
                    return unknown
                return [arr[k]] if -len(arr) <= k < len(arr) else [("", None, ())]
            if part.index == "0":
                return list(st.vars.get(name, unknown))
            return unknown
        if name in st.vars:
            return list(st.vars[name])
        if name == "IFS":
            return [(" \t\n", None, ())]
        if name == "PWD" and st.cwds[0] is not None and len(st.cwds) == 1:
            return [(st.cwds[0], None, ())]
        if name.isdigit() and name != "0":
            if st.pos is None:
                return unknown
            k = int(name) - 1
            return [st.pos[k]] if k < len(st.pos) else [("", None, ())]
        if name in ("@", "*"):
            if st.pos is None:
                return unknown
            return [_join_alts(st.pos)]
        if name == "#" and st.pos is not None:
            return [(str(len(st.pos)), None, ())]
        return unknown

    def _param(self, part: _Part) -> list[_Alt]:
        op = part.op
        if op in ("bad", "indirect"):
            self.out.uncertain = self.out.uncertain or op == "bad"
            return [(part.raw, "", self._arg_srcs(part))]
        base = self._lookup(part)
        if op == "":
            return base
        result: list[_Alt] = []
        for text, empty, srcs in base[:_MAX_ALTS]:
            if op == "len":
                result.append((str(len(text)), None, srcs) if empty is None else (part.raw, "", srcs))
                continue
            arg = self._arg_value(part)
            if empty is not None:
                # Unknown value: keep the source text; its "empty" form follows bash's rule for an empty value.
                if op in (":-", "-", ":=", "="):
                    result.append((part.raw, arg[1] if arg[1] is not None else arg[0], srcs + arg[2]))
                else:
                    result.append((part.raw, "", srcs + arg[2]))
                continue
            value = self._apply_op(op, text, part, arg)
            if value is None:
                result.append((part.raw, "", srcs + arg[2]))
            else:
                result.append(value if value[2] else (value[0], value[1], srcs))
            if op in (":=", "=") and text == "" and value is not None:
                self._set_var(part.name, [value], force_union=False)
        return result or [(part.raw, "", ())]

    def _arg_srcs(self, part: _Part) -> tuple[tuple[int, int], ...]:
        if part.arg is None:
            return ()
        return self._arg_value(part)[2]

    def _arg_value(self, part: _Part) -> _Alt:
        if part.arg is None:
            return ("", None, ())
        alts = self._expand(part.arg, split=False, brace=False)
        fields = alts[0] if alts else []
        if not fields:
            return ("", None, ())
        f = fields[0]
        return (f.text, f.empty, f.srcs)

    def _apply_op(self, op: str, v: str, part: _Part, arg: _Alt) -> _Alt | None:
        atext, aempty, _ = arg
        if op in (":-", ":="):
            return arg if v == "" else (v, None, ())
        if op in ("-", "=", ":?", "?"):
            return (v, None, ())
        if op == ":+":
            return arg if v != "" else ("", None, ())
        if op == "+":
            return arg
        if aempty is not None:
            return None
        if op in ("#", "##", "%", "%%"):
            if not _has_glob(atext):
                if op.startswith("#"):
                    return (v[len(atext) :] if v.startswith(atext) else v, None, ())
                return (v[: len(v) - len(atext)] if atext and v.endswith(atext) else v, None, ())
            if len(v) > 256:
                return None
            rng = range(len(v) + 1) if op in ("#", "%%") else range(len(v), -1, -1)
            for k in rng:
                if op.startswith("#") and fnmatch.fnmatchcase(v[:k], atext):
                    return (v[k:], None, ())
                if op.startswith("%") and fnmatch.fnmatchcase(v[len(v) - k :] if op == "%%" else v[k:], atext):
                    return ((v[: len(v) - k] if op == "%%" else v[:k]), None, ())
            return (v, None, ())
        if op in ("/", "//", "/#", "/%"):
            pat, _, rep = atext.partition("/")
            if _has_glob(pat):
                return None
            if not pat:
                return (v, None, ())
            if op == "/":
                return (v.replace(pat, rep, 1), None, ())
            if op == "//":
                return (v.replace(pat, rep), None, ())
            if op == "/#":
                return ((rep + v[len(pat) :]) if v.startswith(pat) else v, None, ())
            return ((v[: len(v) - len(pat)] + rep) if v.endswith(pat) else v, None, ())
        if op == "^^":
            return (v.upper(), None, ())
        if op == ",,":
            return (v.lower(), None, ())
        if op == "^":
            return (v[:1].upper() + v[1:], None, ())
        if op == ",":
            return (v[:1].lower() + v[1:], None, ())
        if op == ":":
            m = re.fullmatch(r"\s*(-?[0-9]{1,9})\s*(?::\s*(-?[0-9]{1,9})\s*)?", atext)
            if not m:
                return None
            off = int(m.group(1))
            off = max(len(v) + off, 0) if off < 0 else off
            if m.group(2) is None:
                return (v[off:], None, ())
            ln = int(m.group(2))
            end = off + ln if ln >= 0 else len(v) + ln
            return (v[off:end], None, ())
        if op == "@" and atext in ("Q", "E", "L", "U", "u"):
            if atext == "Q":
                return (shlex.quote(v), None, ())
            if atext == "E":
                return (decode_escapes(v)[0], None, ())
            return ((v.lower() if atext == "L" else v.upper() if atext == "U" else v[:1].upper() + v[1:]), None, ())
        return None

    def _sub(self, part: _Part) -> _Alt:
        if part.cache is not None:
            return part.cache
        if part.sub == "arith":
            parts: list[_Part] = []
            _Lexer(part.inner, self.out, self.depth).dq(0, parts, heredoc=True)
            srcs: list[tuple[int, int]] = []
            for p in parts:
                if p.kind == _SUB:
                    srcs.extend(self._sub(p)[2])
                elif p.kind == _PARAM:
                    for alt in self._param(p):
                        srcs.extend(alt[2])
            m = re.fullmatch(r"\s*([0-9]{1,12})\s*", part.inner)
            part.cache = (m.group(1), None, ()) if m else (part.raw, "", tuple(srcs))
            return part.cache
        origin = "substitution" if part.sub == "cmd" else "process-substitution"
        a, b = self.nested(part.inner, origin)
        value = _static_output(self.out.cmds, a, b) if part.sub == "cmd" else None
        part.cache = (value, None, ((a, b),)) if value is not None else (part.raw, "", ((a, b),))
        return part.cache

    def _expand(self, word: _Word, *, split: bool = True, brace: bool = True) -> list[list[_Field]]:
        """All alternatives of the fields ``word`` expands to (brace, parameter, command substitution, splitting)."""
        parts0 = word.parts
        if len(parts0) == 1 and parts0[0].kind == _LIT:
            text = parts0[0].raw
            if parts0[0].quoted:
                return [[_Field(text, None, False, (), False)]]
            if "{" not in text or not brace:
                return [[_Field(text, None, _has_glob(text), (), False)]]
        if brace and any(p.kind == _LIT and not p.quoted and "{" in p.raw for p in word.parts):
            partlists = self._braces(word.parts)
            if len(partlists) > 1:
                combined: list[list[_Field]] = [[]]
                for parts in partlists:
                    expanded = self._expand(_Word(parts, ""), split=split, brace=False)
                    combined = [c + a for c in combined for a in expanded]
                    if len(combined) > _MAX_VARIANTS:
                        self.out.uncertain = True
                        combined = combined[:_MAX_VARIANTS]
                return combined
            word = _Word(partlists[0], word.raw)
        result: list[list[_Field]] = []
        for parts in [word.parts]:
            per: list[list[_Alt]] = []
            multi = False
            for p in parts:
                if p.kind == _LIT:
                    per.append([])
                elif p.kind == _PARAM:
                    alts = self._param(p)
                    multi = multi or len(alts) > 1
                    per.append(alts)
                else:
                    per.append([self._sub(p)])
            if not multi:
                result.append(self._fields(parts, [a[0] if a else None for a in per], split))
                continue
            combos: list[list[_Alt | None]] = [[]]
            for alts in per:
                combos = [[*c, a] for c in combos for a in alts] if alts else [[*c, None] for c in combos]
                if len(combos) > _MAX_VARIANTS:
                    self.out.uncertain = True
                    combos = combos[:_MAX_VARIANTS]
            for combo in combos:
                result.append(self._fields(parts, combo, split))
        return result

    def _fields(self, parts: list[_Part], combo: Sequence[_Alt | None], split: bool) -> list[_Field]:
        fields: list[_Field] = []
        text: list[str] = []
        empty: list[str] = []
        dyn = False
        has = False
        glob = False
        proc = False
        srcs: list[tuple[int, int]] = []
        ifs: str | None = None

        def flush() -> None:
            nonlocal text, empty, dyn, has, glob, proc, srcs
            if has:
                fields.append(_Field("".join(text), "".join(empty) if dyn else None, glob, tuple(srcs), proc))
            text, empty, dyn, has, glob, proc, srcs = [], [], False, False, False, False, []

        for p, alt in zip(parts, combo, strict=True):
            if p.kind == _LIT:
                text.append(p.raw)
                empty.append(p.raw)
                has = True
                if not p.quoted and not glob and _has_glob(p.raw):
                    glob = True
                continue
            if alt is None:
                continue
            value, vempty, vsrcs = alt
            srcs.extend(vsrcs)
            if p.kind == _SUB and p.sub.startswith("proc"):
                proc = True
            if vempty is not None:
                text.append(value)
                empty.append(vempty)
                dyn = True
                has = True
                continue
            force = p.name in ("@", "*") or p.index in ("@", "*")
            if not split or (p.quoted and not force):
                text.append(value)
                empty.append(value)
                has = True
                continue
            if not value:
                continue
            if ifs is None:
                ifs_alts = self.state.vars.get("IFS")
                ifs = ifs_alts[0][0] if ifs_alts and ifs_alts[0][1] is None else " \t\n"
            pieces, lead, trail = _split_ifs(value, ifs if not force else (ifs or " ") + " ")
            if lead:
                flush()
            for k, piece in enumerate(pieces):
                if k:
                    keep = srcs
                    flush()
                    srcs = list(keep)
                text.append(piece)
                empty.append(piece)
                has = True
                if _has_glob(piece):
                    glob = True
            if trail:
                flush()
        flush()
        if not split and len(fields) > 1:
            return [_Field(" ".join(f.text for f in fields), None, False, (), False)]
        return fields

    def _braces(self, parts: list[_Part]) -> list[list[_Part]]:
        atoms: list[str | _Part] = []
        for p in parts:
            if p.kind == _LIT and not p.quoted:
                atoms.extend(p.raw)
            else:
                atoms.append(p)
        if len(atoms) > _MAX_BRACE_ATOMS:
            self.out.uncertain = True
            return [parts]
        done: list[list[_Part]] = []
        work: list[list[str | _Part]] = [atoms]
        steps = 0
        while work:
            steps += 1
            self.out.work += len(work[-1])
            if steps > 4 * _MAX_BRACE or len(done) >= _MAX_BRACE:
                self.out.uncertain = True
                break
            atoms = work.pop()
            found = _find_brace(atoms)
            if found is None:
                done.append(_rebuild(atoms))
                continue
            lo, hi, alts = found
            for alt in reversed(alts):
                work.append(atoms[:lo] + alt + atoms[hi + 1 :])
        return done or [parts]

    # ---------------- variables ----------------
    def _set_var(
        self, name: str, values: list[_Alt], *, force_union: bool, replace: bool = False, append: bool = False
    ) -> None:
        st = self.state
        cleaned: list[_Alt] = []
        for text, empty, srcs in values:
            if len(text) > _MAX_VALUE:
                self.out.uncertain = True
                cleaned.append(("$" + name, "", srcs))
            else:
                cleaned.append((text, empty, srcs))
        if append:
            old = st.vars.get(name, [("", None, ())])
            cleaned = [
                (
                    o[0] + v[0],
                    (o[1] if o[1] is not None else o[0]) + (v[1] if v[1] is not None else v[0])
                    if (o[1] is not None or v[1] is not None)
                    else None,
                    o[2] + v[2],
                )
                for o in old[:_MAX_ALTS]
                for v in cleaned[:_MAX_ALTS]
            ][:_MAX_ALTS]
        if (self.cond > 0 or force_union) and not replace:
            old = st.vars.get(name, [("$" + name, "", ())])
            merged = list(old)
            for v in cleaned:
                if v not in merged:
                    merged.append(v)
            if len(merged) > _MAX_ALTS:
                self.out.uncertain = True
                merged = merged[-_MAX_ALTS:]
            st.vars[name] = merged
        else:
            st.vars[name] = cleaned or [("", None, ())]
        st.arrays.pop(name, None)

    def _assign_word(self, word: _Word, m: re.Match[str]) -> None:
        name, index, plus = m.group(1), m.group(2), m.group(3)
        first = word.parts[0]
        rest_text = first.raw[m.end() :]
        if word.array is not None:
            items: list[_Alt] = []
            for item in word.array:
                for fields in self._expand(item)[:1]:
                    items.extend((f.text, f.empty, f.srcs) for f in fields)
            if plus and name in self.state.arrays:
                items = self.state.arrays[name] + items
            self.state.arrays[name] = items[:1024]
            self.state.vars[name] = [items[0]] if items else [("", None, ())]
            return
        parts = ([_Part(_LIT, rest_text, False)] if rest_text else []) + word.parts[1:]
        alts = self._expand(_Word(parts, ""), split=False, brace=False)
        values: list[_Alt] = []
        for fields in alts:
            if fields:
                values.append((fields[0].text, fields[0].empty, fields[0].srcs))
            else:
                values.append(("", None, ()))
        if index is not None:
            key = index[1:-1]
            arr = self.state.arrays.setdefault(name, [])
            if key.isdigit() and int(key) < 1024 and values:
                k = int(key)
                while len(arr) <= k:
                    arr.append(("", None, ()))
                arr[k] = values[0]
                if k == 0:
                    self.state.vars[name] = [values[0]]
            return
        self._set_var(name, values, force_union=False, append=bool(plus))

    # ---------------- commands ----------------
    def _redirects(self, redirs: list[_Redir]) -> tuple[tuple[Redirect, ...], str | None]:
        result: list[Redirect] = []
        stdin: str | None = None
        for r in redirs:
            if r.op in ("<<", "<<-"):
                delim = "".join(p.raw for p in r.target.parts)
                result.append(Redirect(r.op, r.fd, delim))
                if r.body is not None:
                    fields = self._expand(r.body, split=False, brace=False)
                    stdin = fields[0][0].text if fields and fields[0] else ""
                continue
            alts = self._expand(r.target, split=False, brace=False)
            target = alts[0][0].text if alts and alts[0] else ""
            result.append(Redirect(r.op, r.fd, target))
            if r.op == "<<<":
                stdin = target + "\n"
        return tuple(result), stdin

    def _execute(self, cur: _Cur) -> int:
        words = cur.words
        k = 0
        while k < len(words):
            m = words[k].assignment()
            if m is None:
                break
            k += 1
        assigns = words[:k]
        cmd_words = words[k:]
        redirects, stdin = self._redirects(cur.redirs) if cur.redirs else ((), None)
        if not cmd_words:
            for w in assigns:
                m = w.assignment()
                if m is not None:
                    self._assign_word(w, m)
            if redirects:
                self._emit([], "", (), redirects, stdin)
                return len(self.out.cmds) - 1
            return -1
        env_over: dict[str, list[_Alt]] = {}
        for w in assigns:
            m = w.assignment()
            if m is not None:
                saved = self.state.vars.get(m.group(1))
                self._assign_word(w, m)
                env_over[m.group(1)] = self.state.vars.get(m.group(1), [])
                if saved is None:
                    self.state.vars.pop(m.group(1), None)
                else:
                    self.state.vars[m.group(1)] = saved
        first = cmd_words[0].literal()
        if first in _DECL_BUILTINS:
            for w in cmd_words[1:]:
                m = w.assignment()
                if m is not None:
                    self._assign_word(w, m)
                elif first in ("local", "declare", "typeset") and (lit := w.literal()) and _NAME.fullmatch(lit):
                    self.state.vars[lit] = [("", None, ())]  # a new local starts empty
        per_word = [self._expand(w) for w in cmd_words]
        variants: list[list[_Field]] = [[]]
        for alts in per_word:
            if len(alts) == 1:
                for v in variants:
                    v.extend(alts[0])
                continue
            variants = [v + a for v in variants for a in alts]
            if len(variants) > _MAX_VARIANTS:
                self.out.uncertain = True
                variants = variants[:_MAX_VARIANTS]
        main = -1
        wrappers = ("time",) if cur.time else ()
        for fields in variants:
            idx = self._dispatch(fields, redirects, stdin, wrappers=wrappers, env_over=env_over, origin=self.origin)
            if main < 0:
                main = idx
        return main

    def _emit(
        self,
        fields: list[_Field],
        name: str,
        wrappers: tuple[str, ...],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        *,
        origin: str | None = None,
        cwds: tuple[str | None, ...] | None = None,
        dynamic: bool = False,
    ) -> _Cmd | None:
        out = self.out
        if len(out.cmds) >= _MAX_COMMANDS:
            out.uncertain = True
            return None
        c = _Cmd()
        c.argv = tuple([f.text for f in fields])
        c.empty_forms = tuple([f.empty for f in fields])
        c.name = name
        c.wrappers = self.wrap + wrappers
        c.redirects = redirects
        c.cwds = cwds if cwds is not None else self.state.cwds
        c.dynamic_name = dynamic
        c.origin = origin or self.origin
        c.function = self.levels[-1].fname if self.levels else self.fname
        c.stdin = stdin
        c.feeds_code = self.feeds
        out.cmds.append(c)
        return c

    def _script_from(self, field: _Field, wraps: tuple[str, ...], state: _State | None = None) -> None:
        """A process substitution used as a script (``bash <(...)``): mark its commands and, when its output is
        statically known, analyse that output as the script it is."""
        self._mark_feeds([field])
        if field.proc and len(field.srcs) == 1:
            text = _static_output(self.out.cmds, *field.srcs[0])
            if text is not None:
                self.nested(text, "script", state=state if state is not None else self.state.copy(), wrap=wraps)

    def _file_key(self, path: str) -> str | None:
        if not path or "$" in path or "`" in path or path.startswith("~"):
            return None
        if path.startswith("/"):
            return _normpath(path)
        cwds = self.state.cwds
        if len(cwds) == 1 and cwds[0] is not None:
            return _normpath(cwds[0] + "/" + path)
        while path.startswith("./"):
            path = path[2:]
        return "?/" + path

    def _record_copies(self, name: str, args: list[_Field]) -> None:
        """``cp /bin/rm x``, ``ln -s /bin/rm x``, ``install -m 755 /bin/rm x``: the destination now runs the source.
        Options are skipped without knowing which take a value, so a value may pass for a source: every operand
        before the destination counts as one the destination may run (an over-approximation, never a miss)."""
        operands = [f for f in args if not f.text.startswith("-") or f.empty is not None]
        if name == "rsync":
            operands = [f for f in operands if ":" not in f.text]  # remote ends copy nothing here
        if any(f.text.startswith(("-t", "--target-directory")) for f in args if f.empty is None):
            return  # into a directory: every copy keeps its own name
        if len(operands) < 2:
            return
        for source in operands[:-1][:8]:
            self._rename(operands[-1], source)

    def _record_file(self, cmd: _Cmd) -> None:
        """``echo ... > f`` / ``cat > f <<EOF``: remember what a static producer wrote, to analyse ``sh f`` later.
        A file written with content that is not statically known runs an unknown program if executed later."""
        writes = [r for r in cmd.redirects if r.op in (">", ">>", ">|") and r.fd in (None, 1)]
        if len(writes) != 1:
            return
        key = self._file_key(writes[0].target)
        text = _produced_text(cmd, writes_ok=True)
        if key is not None and text is None and key not in self.out.files:
            self._rename(_static(writes[0].target), _unknown(writes[0].target))
        if key is None or text is None:
            return
        old = self.out.files.get(key, "") if writes[0].op == ">>" else ""
        self.out.files[key] = (old + text)[:_MAX_VALUE]

    def _run_file(self, path: str, cmd: _Cmd, wraps: tuple[str, ...], state: _State | None = None) -> bool:
        """Analyse a script the text itself wrote earlier (``cat > x.sh <<EOF ... EOF; bash x.sh``)."""
        key = self._file_key(path)
        content = self.out.files.get(key) if key is not None else None
        if content is None:
            return False
        if cmd.code is None:
            cmd.code = content
        self.nested(content, "script", state=state if state is not None else self.state.copy(), wrap=wraps)
        return True

    def _mark_feeds(self, fields: Sequence[_Field]) -> None:
        for f in fields:
            for a, b in f.srcs:
                for c in self.out.cmds[a:b]:
                    c.feeds_code = True

    def _dispatch(
        self,
        fields: list[_Field],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        *,
        wrappers: tuple[str, ...],
        env_over: dict[str, list[_Alt]],
        origin: str,
    ) -> int:
        """Strip wrappers, emit the command, then analyse whatever it runs. Returns the emitted command's index."""
        wraps = list(wrappers)
        cwds: tuple[str | None, ...] | None = None
        rounds = 0
        while fields and rounds < 64:
            rounds += 1
            f0 = fields[0]
            if f0.empty is not None or f0.glob:
                break
            name = _basename(f0.text)
            if name not in WRAPPERS or self._programs(f0):
                break
            stripped = self._strip_wrapper(name, fields, env_over)
            if stripped is None:
                break
            rest, cwd_change = stripped
            if not rest:
                break
            if cwd_change is not None:
                cwds = cwd_change
            wraps.append(name)
            fields = rest
        if fields and origin != "renamed":
            # A command word the text earlier made another program's name (a link or copy of a program,
            # ``hash -p``) may run that program: the command is analysed once more as each program it may be.
            for program in self._programs(fields[0]):
                first = _static(program) if program else _unknown(fields[0].text)
                self._dispatch(
                    [first, *fields[1:]], redirects, stdin, wrappers=tuple(wraps), env_over=env_over, origin="renamed"
                )
        return self._dispatch_stripped(
            fields, redirects, stdin, wraps, cwds, wrappers=wrappers, env_over=env_over, origin=origin
        )

    def _programs(self, word: _Field) -> list[str]:
        """The programs a renamed command word may run ("" for one not statically known); [] when not renamed."""
        renamed = self.out.renamed
        if not renamed or word.empty is not None or word.glob:
            return []
        return list(dict.fromkeys(program for key in self._rename_keys(word.text) for program in renamed.get(key, [])))

    def _rename_keys(self, text: str) -> list[str]:
        """Where a renamed word is found: by its name (a lookup on the PATH) and, for a path, by its file."""
        return [key for key in (_basename(text), self._file_key(text) if "/" in text else None) if key]

    def _rename(self, target: _Field, source: _Field) -> None:
        """Remember that ``target`` (a path or a name) now runs ``source``; an unknown source may be any program,
        and a source that is itself renamed stands for the programs it may run."""
        if target.empty is not None or not target.text or target.glob or len(self.out.renamed) >= 256:
            return
        known = source.empty is None and not source.glob
        programs = (self._programs(source) or [source.text]) if known else [""]
        for key in self._rename_keys(target.text):
            entry = self.out.renamed.setdefault(key, [])
            for program in programs:
                if program not in entry and len(entry) < 8 and (not program or _basename(program) != key):
                    entry.append(program)

    def _dispatch_stripped(
        self,
        fields: list[_Field],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        wraps: list[str],
        cwds: tuple[str | None, ...] | None,
        *,
        wrappers: tuple[str, ...],
        env_over: dict[str, list[_Alt]],
        origin: str,
    ) -> int:
        if not fields:
            cmd = self._emit([], "", tuple(wraps), redirects, stdin, origin=origin, cwds=cwds)
            return len(self.out.cmds) - 1 if cmd else -1
        f0 = fields[0]
        dynamic = f0.empty is not None or f0.glob or f0.proc
        name = "" if f0.empty is not None else _basename(f0.text)
        cmd = self._emit(fields, name, tuple(wraps), redirects, stdin, origin=origin, cwds=cwds, dynamic=dynamic)
        if cmd is None:
            return -1
        index = len(self.out.cmds) - 1
        if dynamic:
            self._mark_feeds(fields[:1])
            for k in range(1, min(len(fields) - 1, 6)):
                # ``$SHELL -c '...'``, ``$(which bash) -lc '...'``: the unknown command may be a shell.
                if _may_take_code(fields[k].text) and fields[k].empty is None:
                    self.nested(fields[k + 1].text, "sh -c", state=self._child_state(env_over, cwds), wrap=tuple(wraps))
                    break
            if f0.empty == "" and not f0.proc and len(fields) > 1:
                # ``$SUDO rm -rf /``: an unknown word that may expand to nothing leaves the rest as the command.
                self._dispatch(
                    fields[1:], redirects, stdin, wrappers=(*wrappers, "$"), env_over=env_over, origin=origin
                )
            if f0.empty and not f0.glob and not f0.proc:
                # ``${CMD:-rm}``: the value-if-unset is one of the commands this may run.
                self._dispatch(
                    [_static(f0.empty), *fields[1:]],
                    redirects,
                    stdin,
                    wrappers=wrappers,
                    env_over=env_over,
                    origin=origin,
                )
            return index
        if f0.srcs:
            self._mark_feeds(fields[:1])  # ``$(echo cm0= | base64 -d)``: substitution output names the command
        try:
            self._special(cmd, name, fields, stdin=stdin, env_over=env_over, wraps=tuple(wraps), cwds=cwds)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):  # a handler bug must not hide the rest
            self.out.uncertain = True
        return index

    def _strip_wrapper(
        self, name: str, fields: list[_Field], env_over: dict[str, list[_Alt]]
    ) -> tuple[list[_Field], tuple[str | None, ...] | None] | None:
        short_val, long_val, npos = WRAPPERS[name]
        cwd: tuple[str | None, ...] | None = None
        if name == "command" and len(fields) > 1 and fields[1].text in ("-v", "-V"):
            return None
        if name in ("busybox", "toybox") and len(fields) > 1 and fields[1].text.startswith("-"):
            return None
        k = 1
        n = len(fields)
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None:
                break
            if t == "--":
                k += 1
                break
            if name in ("env", "sudo", "doas", "run0") and _ASSIGN.match(t) and not t.startswith("-"):
                m = _ASSIGN.match(t)
                assert m is not None
                env_over[m.group(1)] = [(t[m.end() :], None, ())]
                k += 1
                continue
            if t.startswith("-") and len(t) > 1 and name not in ("busybox", "toybox"):
                if t.startswith("--"):
                    key, eq, val = t.partition("=")
                    if not eq and key in long_val:
                        val = fields[k + 1].text if k + 1 < n else ""
                        k += 1
                    if key in ("--chdir", "--working-directory"):
                        cwd = self._dir_after(val)
                    elif key == "--split-string":
                        return self._split_string(val) + fields[k + 1 :], cwd
                    elif key in ("--login",) and name == "sudo":
                        cwd = (None,)
                    k += 1
                    continue
                j = 1
                while j < len(t):
                    opt = "-" + t[j]
                    if name == "sudo" and t[j] in "elvkK":
                        return None  # sudoedit / list / validate: no command runs
                    if opt in short_val:
                        val = t[j + 1 :]
                        if not val:
                            val = fields[k + 1].text if k + 1 < n else ""
                            k += 1
                        if (name in ("sudo", "run0") and opt == "-D") or (name == "env" and opt == "-C"):
                            cwd = self._dir_after(val)
                        elif name == "env" and opt == "-S":
                            return self._split_string(val) + fields[k + 1 :], cwd
                        break
                    if name == "sudo" and opt == "-i":
                        cwd = (None,)
                    j += 1
                k += 1
                continue
            if npos:
                npos -= 1
                k += 1
                continue
            break
        return fields[k:], cwd

    def _split_string(self, text: str) -> list[_Field]:
        toks = _Lexer(text, self.out, self.depth).tokens()
        result: list[_Field] = []
        for t in toks:
            if t.word is not None:
                for fields in self._expand(t.word)[:1]:
                    result.extend(fields)
        return result

    def _dir_after(self, target: str) -> tuple[str | None, ...]:
        if not target or target.startswith("~") or "$" in target:
            return (None,)
        result: list[str | None] = []
        for base in self.state.cwds:
            if target.startswith("/"):
                result.append(_normpath(target))
            elif base is None:
                result.append(None)
            else:
                result.append(_normpath(base + "/" + target))
        return tuple(dict.fromkeys(result))

    def _set_cwd(self, new: tuple[str | None, ...], *, may_fail: bool) -> None:
        st = self.state
        merged = tuple(dict.fromkeys((*new, *st.cwds))) if may_fail or self.cond > 0 else new
        if len(merged) > _MAX_ALTS:
            self.out.uncertain = True
            merged = merged[:_MAX_ALTS]
        st.cwds = merged

    def _special(
        self,
        cmd: _Cmd,
        name: str,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
        cwds: tuple[str | None, ...] | None,
    ) -> None:
        st = self.state
        args = fields[1:]
        if cmd.redirects:
            self._record_file(cmd)
        texts = [f.text for f in args]
        may_fail = self.term == "||" or (self.term not in ("&&", "|", "|&") and not st.errexit)
        if name == "hash" and "-p" in texts:
            k = texts.index("-p")
            for hashed in args[k + 2 :] if k + 1 < len(args) else ():
                if not hashed.text.startswith("-"):
                    self._rename(hashed, args[k + 1])
            return
        if name in _COPIERS:
            self._record_copies(name, args)
        if name in ("cd", "pushd", "chdir"):
            operands = [f for f in args if not (f.text.startswith("-") and len(f.text) > 1 and f.empty is None)]
            if name == "pushd":
                st.dirstack.append(st.cwds)
            if not operands:
                new: tuple[str | None, ...] = (None,)
            elif operands[0].empty is not None or operands[0].text == "-":
                new = (None,)
            else:
                new = self._dir_after(operands[0].text)
            self._set_cwd(new, may_fail=may_fail)
            return
        if name == "popd":
            st.cwds = st.dirstack.pop() if st.dirstack else (None,)
            return
        if name == "unset":
            for t in texts:
                if not t.startswith("-"):
                    st.vars[t] = [("", None, ())]
                    st.arrays.pop(t, None)
                    st.funcs.pop(t, None)
            return
        if name in _READERS or (name == "printf" and texts[:1] == ["-v"]):
            targets = texts[1:2] if name == "printf" else [t for t in texts if _NAME.fullmatch(t)]
            for t in targets:
                st.vars.pop(t, None)
                st.arrays.pop(t, None)
            return
        if name == "set":
            for t in texts:
                if t == "--":
                    st.pos = [(f.text, f.empty, f.srcs) for f in args[texts.index("--") + 1 :]]
                    break
                if t.startswith("-") and "e" in t[1:] and not t.startswith("--"):
                    st.errexit = True
                elif t.startswith("+") and "e" in t[1:]:
                    st.errexit = False
            if "errexit" in texts and "-o" in texts:
                st.errexit = True
            return
        if name == "alias":
            for t in texts:
                alias, eq, value = t.partition("=")
                if eq and _NAME.fullmatch(alias.replace("-", "_")):
                    st.aliases[alias] = value
            return
        if name in ("eval",):
            cmd.code = " ".join(texts)
            self._mark_feeds(args)
            self.nested(" ".join(texts), "eval", state=self.state, wrap=wraps, fname=self.fname)
            return
        if name in ("source", "."):
            target = args[0] if args else None
            if target is None or target.text in ("/dev/stdin", "-", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                if stdin is not None:
                    self.nested(stdin, "heredoc", state=self.state, wrap=wraps)
            elif target.proc or target.empty is not None:
                self._script_from(target, wraps, self.state)
            else:
                self._run_file(target.text, cmd, wraps, self.state)
            return
        if name in SHELLS or (name in ("busybox", "toybox") and texts[:1] in (["sh"], ["ash"])):
            self._shell(cmd, fields, stdin=stdin, env_over=env_over, wraps=wraps, cwds=cwds)
            return
        lower = name.lower()
        if INTERPRETER_RE.fullmatch(lower):
            self._interpreter(cmd, lower, fields, stdin, wraps)
            return
        if name in _AWKS:
            self._awk(cmd, fields, wraps)
            return
        if name in ("su", "runuser", "sg"):
            self._su(cmd, name, fields, stdin=stdin, env_over=env_over, wraps=wraps)
            return
        if name == "find":
            self._find(cmd, fields, env_over, wraps)
            return
        if name == "xargs":
            self._xargs(cmd, fields, env_over, wraps)
            return
        if name == "watch":
            k = 1
            direct = False
            while k < len(fields) and fields[k].text.startswith("-"):
                t = fields[k].text
                if t in ("-x", "--exec"):
                    direct = True
                if t in ("-n", "--interval", "-q", "--equexit"):
                    k += 1
                k += 1
            rest = fields[k:]
            if rest:
                if direct:
                    self._dispatch(list(rest), (), None, wrappers=wraps, env_over=env_over, origin="watch")
                else:
                    self._mark_feeds(rest)
                    self.nested(" ".join(f.text for f in rest), "watch", wrap=wraps)
            return
        if name == "flock":
            k = 1
            while k < len(fields) and fields[k].text.startswith("-"):
                if fields[k].text in ("-c", "--command"):
                    if k + 1 < len(fields):
                        self._mark_feeds([fields[k + 1]])
                        self.nested(fields[k + 1].text, "flock -c", wrap=wraps)
                    return
                if fields[k].text in ("-w", "--timeout", "-E", "--conflict-exit-code"):
                    k += 1
                k += 1
            rest = fields[k + 1 :]
            if rest and rest[0].text in ("-c", "--command"):
                if len(rest) > 1:
                    self._mark_feeds([rest[1]])
                    self.nested(rest[1].text, "flock -c", wrap=wraps)
            elif rest:
                self._dispatch(list(rest), (), None, wrappers=wraps, env_over=env_over, origin="flock")
            return
        if name == "script":
            for k, f in enumerate(args):
                if f.text in ("-c", "--command") and k + 1 < len(args):
                    self._mark_feeds([args[k + 1]])
                    self.nested(args[k + 1].text, "script -c", wrap=wraps)
                elif f.text.startswith("--command="):
                    self.nested(f.text.partition("=")[2], "script -c", wrap=wraps)
            return
        if name in ("ssh", "dbclient"):
            self._option_commands("ssh", fields, wraps)
            self._ssh(cmd, fields, wraps)
            return
        if name == "trap":
            operands = [f for f in args if not f.text.startswith("-")]
            if len(operands) >= 2:
                self._mark_feeds(operands[:1])
                self.nested(operands[0].text, "trap", state=self.state.copy(), wrap=wraps)
            return
        if name in ("at", "batch"):
            if not any(f.text in ("-f", "-l", "-r", "-d", "-c") for f in args):
                cmd.stdin_code = True
                if stdin is not None:
                    cmd.code = stdin
                    self.nested(stdin, "heredoc", state=self._child_state(env_over, cwds), wrap=wraps)
            return
        if name == "parallel":
            self._parallel(fields, env_over, wraps)
            return
        if name in _OPTION_COMMANDS:
            self._option_commands(name, fields, wraps)
            if name != "git":
                return
        if (
            name in _PRIV_WRAPPERS
            and len(fields) > 1
            and any(f.text in ("-i", "-s", "--login", "--shell") for f in args)
        ):
            cmd.stdin_code = True
            if stdin is not None:
                cmd.code = stdin
                self.nested(stdin, "heredoc", state=self._child_state(env_over, cwds), wrap=(*wraps, name))
            return
        if name in ("pkexec", "run0", "doas") and len(fields) == 1:
            cmd.stdin_code = True
            return
        if "/" in fields[0].text and self._run_file(fields[0].text, cmd, wraps):
            return
        if name in st.aliases and name not in st.calling:
            body = st.aliases[name] + " " + split_argv(texts)
            saved = st.calling
            st.calling = saved | {name}
            self.nested(body, "alias", state=st, wrap=wraps)
            st.calling = saved
            return
        if name in st.funcs and name not in st.calling:
            saved_pos, saved_calling = st.pos, st.calling
            st.pos = [(f.text, f.empty, f.srcs) for f in args]
            st.calling = saved_calling | {name}
            self.nested(st.funcs[name], "function", state=st, wrap=wraps, fname=name)
            st.pos, st.calling = saved_pos, saved_calling
            return

    def _child_state(self, env_over: dict[str, list[_Alt]], cwds: tuple[str | None, ...] | None) -> _State:
        child = self.state.copy()
        child.vars.update(env_over)
        child.pos = None
        child.calling = frozenset()
        child.errexit = False
        if cwds is not None:
            child.cwds = cwds
        return child

    def _shell(
        self,
        cmd: _Cmd,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
        cwds: tuple[str | None, ...] | None,
    ) -> None:
        k = 1
        if _basename(fields[0].text) in ("busybox", "toybox"):
            k = 2
        command_mode = False
        read_stdin = False
        errexit = False
        n = len(fields)
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None:
                break
            if t in ("--", "-"):
                k += 1
                break
            if t in _SHELL_VALUE_OPTS:
                k += 2
                continue
            if t.startswith("--"):
                k += 1
                continue
            if len(t) > 1 and t[0] in "-+":
                if t[0] == "-":
                    command_mode = command_mode or "c" in t[1:]
                    read_stdin = read_stdin or "s" in t[1:]
                    errexit = errexit or "e" in t[1:]
                    if t[-1] in "oO" and k + 1 < n:
                        k += 1
                k += 1
                continue
            break
        child = self._child_state(env_over, cwds)
        child.errexit = errexit
        if command_mode:
            if k >= n:
                return
            script = fields[k]
            cmd.code = script.text
            self._mark_feeds([script])
            child.pos = [(f.text, f.empty, f.srcs) for f in fields[k + 2 :]]
            self.nested(script.text, "sh -c", state=child, wrap=wraps, fname="")
            return
        if k < n and not read_stdin:
            target = fields[k]
            if target.proc or target.empty is not None:
                self._script_from(target, wraps, child)
                if target.empty is not None and not target.proc:
                    cmd.stdin_code = True
            elif target.text in ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                if stdin is not None:
                    cmd.code = stdin
                    self.nested(stdin, "heredoc", state=child, wrap=wraps, fname="")
            else:
                self._run_file(target.text, cmd, wraps, child)
            return
        cmd.stdin_code = True
        if stdin is not None:
            cmd.code = stdin
            origin = "here-string" if any(r.op == "<<<" for r in cmd.redirects) else "heredoc"
            self.nested(stdin, origin, state=child, wrap=wraps, fname="")

    def _interpreter(
        self, cmd: _Cmd, lower: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]
    ) -> None:
        family = re.sub(r"[0-9.]+$", "", lower)
        code_letters = _CODE_OPTS.get(family, "")
        value_letters = _CODE_VALUE_OPTS.get(family, "")
        codes: list[_Field] = []
        k = 1
        n = len(fields)
        script: _Field | None = None
        module = False
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None and not codes:
                script = f
                break
            if t == "--":
                k += 1
                if k < n and not codes:
                    script = fields[k]
                break
            if t in ("--eval", "--print", "-e", "-p") and family in ("node", "nodejs", "bun"):
                if k + 1 < n:
                    codes.append(fields[k + 1])
                k += 2
                continue
            if t.startswith("--"):
                k += 1
                continue
            if t == "-":
                script = f
                break
            if t.startswith("-") and len(t) > 1:
                j = 1
                while j < len(t):
                    ch = t[j]
                    if ch in code_letters:
                        rest = t[j + 1 :]
                        if rest:
                            codes.append(_static(rest))
                        elif k + 1 < n:
                            codes.append(fields[k + 1])
                            k += 1
                        break
                    if ch in value_letters:
                        if ch == "m" and family in ("python", "pypy"):
                            module = True
                        if not t[j + 1 :]:
                            k += 1
                        break
                    j += 1
                k += 1
                if module:
                    break
                continue
            if not codes:
                script = f
            break
        if codes:
            self._mark_feeds(codes)
            cmd.code = "\n".join(c.text for c in codes)
        elif module:
            return
        elif script is not None:
            if script.proc or script.empty is not None:
                self._mark_feeds([script])
                cmd.stdin_code = script.empty is not None and not script.proc
            elif script.text in ("-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                cmd.code = stdin
            else:
                key = self._file_key(script.text)
                cmd.code = self.out.files.get(key) if key is not None else None
            if cmd.code is None:
                return
        else:
            cmd.stdin_code = True
            cmd.code = stdin
        if cmd.code:
            self._code_strings(cmd.code, wraps)

    def _code_strings(self, code: str, wraps: tuple[str, ...]) -> None:
        """Shell command strings embedded in interpreter code (``os.system("...")``, ``system '...'``, backticks)."""
        code = code[:_MAX_CODE_SCAN]
        for m in _CALL_STRINGS.finditer(code):
            self.nested(m.group(1) or m.group(2) or "", "interpreter", state=_State(self.state.cwds[0]), wrap=wraps)
        for m in _BACKTICK_CODE.finditer(code):
            text = m.group(1) or m.group(2) or m.group(3) or ""
            self.nested(text, "interpreter", state=_State(self.state.cwds[0]), wrap=wraps)
        for m in re.finditer(
            r"(?:system|exec|spawn|Popen|run|call|check_output|execFileSync|spawnSync)\s*\(\s*\[", code
        ):
            end = code.find("]", m.end())
            if end < 0 or end - m.end() > 4000:
                continue
            items = re.findall(r"\"([^\"\\\n]{0,400})\"|'([^'\\\n]{0,400})'", code[m.end() : end])
            words = [a or b for a, b in items]
            if words:
                self.nested(split_argv(words), "interpreter", state=_State(self.state.cwds[0]), wrap=wraps)

    def _awk(self, cmd: _Cmd, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        k = 1
        n = len(fields)
        while k < n:
            t = fields[k].text
            if t in ("-F", "-v", "-f", "--file", "-i", "--include", "-l", "--load"):
                if t in ("-f", "--file"):
                    return
                k += 2
                continue
            if t.startswith("-") and len(t) > 1 and t != "--":
                k += 1
                continue
            if t == "--":
                k += 1
            break
        if k < n:
            cmd.code = fields[k].text
            self._code_strings(cmd.code, wraps)

    def _su(
        self,
        cmd: _Cmd,
        name: str,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
    ) -> None:
        wraps = (*wraps, name)
        n = len(fields)
        k = 1
        login = False
        command: _Field | None = None
        positional: list[_Field] = []
        while k < n:
            f = fields[k]
            t = f.text
            if t in ("-c", "--command", "--session-command"):
                if k + 1 < n:
                    command = fields[k + 1]
                k += 2
                continue
            if t.startswith(("--command=", "--session-command=")):
                command = _Field(t.partition("=")[2], f.empty and f.empty.partition("=")[2], False, f.srcs, False)
                k += 1
                continue
            if name == "runuser" and t in ("-u", "--user") and k + 1 < n:
                rest = fields[k + 2 :]
                if rest and rest[0].text == "--":
                    rest = rest[1:]
                if rest:
                    self._dispatch(list(rest), (), stdin, wrappers=wraps, env_over=env_over, origin="runuser")
                return
            if name == "sg" and k == 2 and command is None and not t.startswith("-"):
                command = f
                k += 1
                continue
            if t in ("-", "-l", "--login"):
                login = True
            elif t in ("-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"):
                k += 2
                continue
            elif not t.startswith("-"):
                positional.append(f)
            k += 1
        child = self._child_state(env_over, (None,) if login else None)
        if command is not None:
            self._mark_feeds([command])
            cmd.code = command.text
            self.nested(command.text, f"{name} -c", state=child, wrap=wraps, fname="")
            return
        cmd.stdin_code = True
        if stdin is not None:
            cmd.code = stdin
            self.nested(stdin, "heredoc", state=child, wrap=wraps, fname="")

    def _find(self, cmd: _Cmd, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        first, k, narrowed = _find_layout([f.text for f in fields], [f.empty for f in fields])
        roots = list(fields[first:k]) or [_static(".")]
        while k < n:
            t = fields[k].text
            if t in _FIND_EXEC:
                j = k + 1
                while j < n and fields[j].text not in (";", "+"):
                    j += 1
                inner = fields[k + 1 : j]
                k = j + 1
                if not inner:
                    continue
                for root in roots[:_MAX_ALTS]:
                    value = root.text.rstrip("/") + "/{}" if narrowed else root.text
                    replaced = [
                        _Field(
                            f.text.replace("{}", value),
                            (f.empty or f.text).replace("{}", value)
                            if (f.empty is not None or root.empty is not None)
                            else None,
                            f.glob,
                            f.srcs,
                            f.proc,
                        )
                        if "{}" in f.text
                        else f
                        for f in inner
                    ]
                    origin = "find -execdir" if t in ("-execdir", "-okdir") else "find -exec"
                    self._dispatch(replaced, (), None, wrappers=wraps, env_over=env_over, origin=origin)
                continue
            k += 1

    def _xargs(self, cmd: _Cmd, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        k = 1
        replace: str | None = None
        value_opts = (
            "-I",
            "-n",
            "-P",
            "-L",
            "-s",
            "-d",
            "-E",
            "-e",
            "-a",
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--max-lines",
            "--max-chars",
            "--eof",
            "--replace",
            "--process-slot-var",
        )
        while k < n:
            t = fields[k].text
            if t == "--":
                k += 1
                break
            if not t.startswith("-") or len(t) == 1:
                break
            if t in value_opts:
                if t in ("-I", "--replace") and k + 1 < n:
                    replace = fields[k + 1].text
                k += 2
                continue
            if t.startswith("-I") and len(t) > 2:
                replace = t[2:]
            elif t == "-i" or t.startswith("--replace="):
                replace = t.partition("=")[2] or "{}"
            k += 1
        rest = list(fields[k:]) or [_static("echo")]
        placeholder = "$(xargs-input)"  # what xargs reads from its input: unknown unless a static producer feeds it
        fed = self._piped_words()
        static_fed = fed is not None and replace is not None and len(fed) == 1
        if static_fed and fed is not None:
            placeholder = fed[0]
        if fed is not None and not replace:
            rest.extend(_static(w) for w in fed[:256])
        elif replace:
            rest = [
                _Field(
                    f.text.replace(replace, placeholder),
                    None if static_fed and f.empty is None else (f.empty or f.text).replace(replace, ""),
                    f.glob,
                    f.srcs,
                    f.proc,
                )
                if replace in f.text
                else f
                for f in rest
            ]
        else:
            rest.append(_Field(placeholder, "", False, (), False))
        head = _basename(rest[0].text)
        if head in SHELLS or INTERPRETER_RE.fullmatch(head.lower()) or head in ("eval", "source", "."):
            cmd.stdin_code = True
        self._dispatch(rest, (), None, wrappers=wraps, env_over=env_over, origin="xargs")

    def _piped_words(self) -> list[str] | None:
        """Words a static producer (``echo /etc | xargs ...``) feeds into the command being piped into."""
        lvl = self.levels[-1] if self.levels else None
        if lvl is None or not lvl.piping or not lvl.pipe:
            return None
        main = lvl.pipe[-1][2]
        if main < 0:
            return None
        text = _produced_text(self.out.cmds[main])
        return text.split() if text is not None else None

    def _parallel(self, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        texts = [f.text for f in fields]
        k = 1
        while k < len(fields) and texts[k].startswith("-") and texts[k] not in (":::", "::::"):
            k += 2 if texts[k] in ("-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "-d", "-I") else 1
        end = texts.index(":::") if ":::" in texts[k:] else len(fields)
        command = list(fields[k:end])
        values = fields[end + 1 :] if end < len(fields) else [_Field("$(parallel-input)", "", False, (), False)]
        if not command:
            for v in values[:_MAX_ALTS]:
                self.nested(v.text, "parallel", wrap=wraps)
            return
        for v in values[:_MAX_ALTS]:
            if any("{}" in f.text for f in command):
                argv = [_Field(f.text.replace("{}", v.text), f.empty, f.glob, f.srcs, f.proc) for f in command]
            else:
                argv = [*command, v]
            if len(command) == 1 and " " in command[0].text:
                self.nested(" ".join(f.text for f in argv), "parallel", wrap=wraps)
            else:
                self._dispatch(argv, (), None, wrappers=wraps, env_over=env_over, origin="parallel")

    def _option_commands(self, name: str, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        """Options whose value is a command line the tool runs (``tar --to-command``, ``rsync -e``, ``ssh -o
        ProxyCommand=``, ``git -c core.sshCommand=``, ``git -c alias.x='!cmd'``, ...)."""
        spec = _OPTION_COMMANDS[name]
        texts = [f.text for f in fields]
        for k, t in enumerate(texts[1:], start=1):
            value: str | None = None
            key, eq, rest = t.partition("=")
            if t in spec and k + 1 < len(texts):
                value = texts[k + 1]
            elif eq and key in spec:
                value = rest
            elif len(t) > 2 and t[:2] in spec and not t.startswith("--"):
                value = t[2:]
            if value is None:
                continue
            cfg_key, cfg_eq, cfg_val = value.partition("=")
            low = cfg_key.lower().rstrip(":")
            if name in ("ssh", "scp", "sftp", "git", "apt", "apt-get") and not (name in ("scp", "sftp") and t == "-S"):
                if not cfg_eq:
                    continue
                if name == "git" and low.startswith("alias.") and cfg_val.startswith("!"):
                    value = cfg_val[1:]
                elif low in _COMMAND_CONFIG_KEYS:
                    value = cfg_val
                else:
                    continue
            elif name == "tar" and key == "--checkpoint-action":
                if not value.startswith("exec="):
                    continue
                value = value[5:]
            self.nested(value, f"{name} option", state=self.state.copy(), wrap=wraps)

    def _ssh(self, cmd: _Cmd, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        k = 1
        value = set("BbcDEeFIiJLlmOopQRSWw")
        while k < n:
            t = fields[k].text
            if t == "--":
                k += 1
                break
            if t.startswith("-") and len(t) > 1:
                if t[-1] in value and len(t) == 2:
                    k += 2
                else:
                    k += 1
                continue
            break
        k += 1  # host
        rest = fields[k:]
        if rest:
            self._mark_feeds(rest)
            self.nested(" ".join(f.text for f in rest), "ssh", state=_State(None), wrap=wraps, fname="")
        else:
            cmd.stdin_code = True


def _find_layout(argv: Sequence[str], empties: Sequence[str | None]) -> tuple[int, int, bool]:
    """find's layout: (index of the first root, index of the first expression word, whether tests narrow it)."""
    n = len(argv)
    k = 1
    while k < n and argv[k] in ("-H", "-L", "-P", "-D", "-O0", "-O1", "-O2", "-O3"):
        k += 2 if argv[k] == "-D" else 1
    first = k
    while k < n and not (argv[k].startswith(("-", "(", "!")) and empties[k] is None):
        k += 1
    exprs = list(argv[k:])
    narrowing = sum(1 for t in exprs if t in _FIND_NARROWING)
    alternations = sum(1 for t in exprs if t in ("-o", "-or", ","))
    everything = any(
        t in ("-name", "-iname", "-path", "-ipath", "-wholename") and v in ("*", "*.*", "**", ".*", "?*", "*/*")
        for t, v in itertools.pairwise(exprs)
    )
    return first, k, narrowing > alternations and not everything


def find_parts(argv: Sequence[str], empties: Sequence[str | None] = ()) -> tuple[list[str], list[str], bool]:
    """Split a ``find`` argv into (roots, expression words, narrowed). ``narrowed`` is True when name/time/size
    tests restrict what matches (``-name '*.log'``), so the roots themselves are not what gets acted on."""
    padded = list(empties) + [None] * (len(argv) - len(empties))
    first, k, narrowed = _find_layout(argv, padded)
    return list(argv[first:k]) or ["."], list(argv[k:]), narrowed


def _join_alts(values: Sequence[_Alt]) -> _Alt:
    dyn = any(v[1] is not None for v in values)
    text = " ".join(v[0] for v in values)
    empty = " ".join((v[1] if v[1] is not None else v[0]) for v in values) if dyn else None
    srcs = tuple(s for v in values for s in v[2])
    return (text, empty, srcs)


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _echo_text(argv: Sequence[str]) -> str:
    k = 1
    escapes = False
    newline = True
    while k < len(argv) and re.fullmatch(r"-[neE]+", argv[k]):
        escapes = "e" in argv[k] or (escapes and "E" not in argv[k])
        newline = newline and "n" not in argv[k]
        k += 1
    text = " ".join(argv[k:])
    if escapes:
        text = decode_escapes(text, echo=True)[0]
    return text + ("\n" if newline else "")


def _printf_text(argv: Sequence[str]) -> str | None:
    if len(argv) < 2:
        return ""
    fmt = argv[1]
    if fmt.startswith("-"):
        return None
    args = list(argv[2:])
    out: list[str] = []
    for _ in range(64):
        i = 0
        chunk: list[str] = []
        used = False
        while i < len(fmt):
            c = fmt[i]
            if c == "%" and i + 1 < len(fmt):
                spec = fmt[i + 1]
                if spec == "%":
                    chunk.append("%")
                elif spec in "sbdiuc":
                    val = args.pop(0) if args else ""
                    used = True
                    chunk.append(decode_escapes(val, echo=True)[0] if spec == "b" else val)
                else:
                    return None
                i += 2
                continue
            chunk.append(c)
            i += 1
        out.append(decode_escapes("".join(chunk))[0])
        if not args or not used:
            break
    return "".join(out)


def _produced_text(cmd: _Cmd, *, writes_ok: bool = False) -> str | None:
    """What a static producer writes to its standard output (echo/printf with static words, cat of a heredoc)."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms):
        return None
    for r in cmd.redirects:
        if r.op in ("<<", "<<-", "<<<") or r.fd == 2 or r.op == ">&":
            continue
        if not (writes_ok and r.op in (">", ">>", ">|") and r.fd in (None, 1)):
            return None
    name = cmd.name
    if name == "echo":
        return _echo_text(cmd.argv)
    if name == "printf":
        return _printf_text(cmd.argv)
    if name == "cat" and len(cmd.argv) == 1 and cmd.stdin is not None:
        return cmd.stdin
    if name == "pwd" and len(cmd.cwds) == 1 and cmd.cwds[0] is not None:
        return cmd.cwds[0] + "\n"
    if name == "mktemp":
        # A fresh name under the temporary directory (or the one given): removing it later is routine.
        base = "/tmp"  # noqa: S108 - a name the command would use, nothing is created here
        for k, arg in enumerate(cmd.argv[1:], start=1):
            if arg in ("-p", "--tmpdir") and k + 1 < len(cmd.argv):
                base = cmd.argv[k + 1]
            elif arg.startswith(("--tmpdir=", "-p")) and len(arg) > 2 and arg != "-p":
                base = arg.split("=", 1)[1] if "=" in arg else arg[2:]
            elif not arg.startswith("-") and "/" in arg and cmd.argv[k - 1] not in ("-p", "--tmpdir"):
                return arg.replace("X", "x") + "\n"
        return base.rstrip("/") + "/tmp.xxxxxxxxxx\n"  # noqa: S108
    if name in ("dirname", "basename") and len(cmd.argv) == 2 and not cmd.argv[1].startswith("-"):
        path = cmd.argv[1]
        if name == "basename":
            return (path.rstrip("/").rsplit("/", 1)[-1] or "/") + "\n"
        head = path.rstrip("/").rsplit("/", 1)[0] if "/" in path.rstrip("/") else "."
        return (head or "/") + "\n"
    return None


_MAX_DECODED = 1 << 20


def _filter_output(cmd: _Cmd, data: bytes) -> bytes | None:
    """Statically apply a decoding filter (base64 -d, xxd -r -p, rev, gunzip, ...) to known input, else None."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms) or cmd.stdin is not None:
        return None
    name = cmd.name
    args = cmd.argv[1:]
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    longs = {a for a in args if a.startswith("--")}
    operands = [a for a in args if not a.startswith("-")]
    if operands and name != "tr":
        return None
    try:
        if name in ("base64", "base32", "basenc", "gbase64") and ("d" in flags or "D" in flags or "--decode" in longs):
            compact = b"".join(data.split())
            if name == "base32" or "--base32" in longs:
                return base64.b32decode(compact + b"=" * (-len(compact) % 8))
            return base64.b64decode(compact + b"=" * (-len(compact) % 4))
        if name == "xxd" and "r" in flags and "p" in flags:
            return bytes.fromhex(data.decode("ascii", "replace").replace(" ", "").replace("\n", ""))
        if name == "rev":
            return b"\n".join(line[::-1] for line in data.split(b"\n"))
        if name == "cat" and not args:
            return data
        if name in ("gunzip", "zcat") or (name == "gzip" and ("d" in flags or "--decompress" in longs)):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = inflater.decompress(data, _MAX_DECODED)
            return out if not inflater.unconsumed_tail else None
    except (ValueError, binascii.Error, zlib.error):
        return None
    return None


def _chain_output(cmds: Sequence[_Cmd]) -> str | None:
    """Output of a pipeline whose first command is a static producer and whose other commands are decoding
    filters (``echo cm0= | base64 -d``); None when any stage is not statically known."""
    if not cmds:
        return None
    first = cmds[0]
    text = _produced_text(first)
    if text is None:
        if first.stdin is None:
            return None
        data = _filter_output(_without_stdin(first), first.stdin.encode("utf-8", "surrogateescape"))
    else:
        data = text.encode("utf-8", "surrogateescape")
    for cmd in cmds[1:]:
        if data is None or len(data) > _MAX_DECODED:
            return None
        data = _filter_output(cmd, data)
    if data is None or len(data) > _MAX_DECODED:
        return None
    return data.decode("utf-8", "replace")


def _without_stdin(cmd: _Cmd) -> _Cmd:
    copy = _Cmd()
    copy.argv, copy.name, copy.empty_forms, copy.cwds = cmd.argv, cmd.name, cmd.empty_forms, cmd.cwds
    return copy


def _static_output(cmds: list[_Cmd], a: int, b: int) -> str | None:
    """The output of a substitution whose commands are a static producer plus decoding filters, else None."""
    if b <= a or b - a > 8:
        return None
    chain = cmds[a:b]
    if any(c.wrappers or c.origin != chain[0].origin for c in chain):
        return None
    if any(not c.pipe_in for c in chain[1:]) or chain[0].pipe_in:
        return None
    text = _chain_output(chain)
    return None if text is None else text.rstrip("\n")


def _data() -> dict[str, object]:
    """Every table the analyzer's behaviour depends on, JSON-serialisable (part of the ruleset fingerprint)."""
    return {
        "shells": sorted(SHELLS),
        "interpreters": INTERPRETER_RE.pattern,
        "awks": sorted(_AWKS),
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


_CONTINUATION = re.compile(r"\\\r?\n")


def _normalise(text: str) -> str:
    return _CONTINUATION.sub("", text.replace("\x00", "")).replace("\r\n", "\n")


def analyzer_data() -> dict[str, object]:
    """The analyzer's tables (wrappers, interpreters, limits, ...) for the ruleset fingerprint."""
    return _data()


def analyze(text: str, *, cwd: str | None = None, max_bytes: int = 1_000_000, max_depth: int = 8) -> ShellAnalysis:
    """Analyse ``text`` as bash would parse it, without running anything. Never raises."""
    uncertain = False
    if len(text) > max_bytes:
        text = text[:max_bytes]
        uncertain = True
    if cwd is not None and not cwd.startswith("/"):
        cwd = None
    plain = None if uncertain else _plain_command(text, cwd)
    return plain if plain is not None else _run_analyzer(text, cwd=cwd, max_depth=max_depth, uncertain=uncertain)


def _run_analyzer(text: str, *, cwd: str | None, max_depth: int, uncertain: bool) -> ShellAnalysis:
    out = _Out(max_depth, limit=4 * len(text) + 262144)
    try:
        analyzer = _Analyzer(out, _State(_normpath(cwd) if cwd else None), 0, "top")
        analyzer.run(text.replace("\x00", ""))
    except (RecursionError, MemoryError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        out.uncertain = True
    cmds = tuple(c.freeze() for c in out.cmds)
    pipelines = tuple(tuple(cmds[i] for i in idxs if i < len(cmds)) for idxs in out.pipelines)
    return ShellAnalysis(
        commands=cmds, pipelines=pipelines, uncertain=uncertain or out.uncertain, text=_normalise(text)
    )


def split_argv(argv: Sequence[str]) -> str:
    """Shell-quote an argv list back into one command line (ansible's ``argv:`` form of the command module)."""
    return " ".join(shlex.quote(str(word)) for word in argv)
