# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How bash splits text into words, operators and redirections, by its quoting rules.

The lexer is the one place that reads raw text. Quotes, escapes, ``$'...'``, heredocs, ``$(...)``, ``${...}``,
backticks, process substitutions and array assignments become the parts of words (``_Part``, ``_Word``) that the
later layers expand without looking at quoting again. It is linear and never raises: brackets are matched with an
explicit stack (``_find_close``), a parameter's operand is lexed at most ``max_depth`` levels deep, and anything
unbalanced sets ``uncertain``. ``split_argv`` goes the other way, quoting an argv back into one command line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from ._results import _Out
from ._state import _Alt

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
        elif nx == "c" and echo:
            return "".join(out), n  # (echo -e and printf %b: \c ends the output there)
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
                _decoded, j = decode_escapes(s, i + 1, stop_at_quote=True)
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
            for redir, _unused1, _unused2 in self.pending:
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
                        word, _end = sub.word(0, _NOSTOP)
                        part.arg = word
                    break
            else:
                part.op = "bad"
        return part


def split_argv(argv: Sequence[str]) -> str:
    """Shell-quote an argv list back into one command line (ansible's ``argv:`` form of the command module)."""
    return " ".join(shlex.quote(str(word)) for word in argv)
