# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scripts of tools with a command language of their own, read for the shell command lines they run.

``sed '1e rm -rf /'``, ``sed 's/.*/rm -rf \\//e'``, ``vim -c '!rm -rf /'``, ``ed`` reading ``!rm -rf /``, ``gdb -ex
'shell rm -rf /'``, ``m4`` expanding ``syscmd(rm -rf /)``, a makefile's recipes and ``$(shell ...)``, and Tcl's
``exec``/``spawn``/``system`` (``expect``, ``tclsh``) all hand a command line to a shell or run a program, and none
of them is bash. Each reader here parses its language just far enough to find those command lines (and, for sed,
the files a script writes and reads), and returns them as text for the analyser to read one level deeper. They are
plain functions over text (the rules read sed's writes from the argv with the same parser), linear in their input,
never raise, and say when they could not read a script (``complete``), so the caller can round up.

Where a command line takes part of its text from the tool's input (``s/^/rm -rf \\//e`` runs the edited line), the
unknown part is written as ``INPUT`` (an expansion of a variable no text can set), so the analyser keeps it unknown:
its command word is dynamic (T3) and its "all unknowns empty" form (``rm -rf /``) is what the deny rules read.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# What a tool's input stands for inside a command line built from it: a parameter expansion of a name the analysed
# text cannot assign (the analyser's fresh state knows no value for it), so it stays unknown, possibly empty.
INPUT = "${__praxis_input}"
_MAX_SCRIPT = 65536
_MAX_ITEMS = 64
_MAX_OUTPUT = 1 << 20  # computed output (``sed_output``) longer than this is not computed


# ---------------------------------------------------------------------------------------------------------------
# sed
# ---------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SedScript:
    """What a sed script does beyond editing text. ``commands``: command lines it runs (``e CMD``, and ``s///e``
    replacements with the input as ``INPUT``); ``runs_input``: a bare ``e`` runs input lines as commands;
    ``writes``/``reads``: files named by ``w``/``W``/``s///w`` and ``r``/``R``; ``edits``: the script only
    substitutes literal text and transliterates (its output can be computed, see ``sed_output``)."""

    commands: list[str] = field(default_factory=list)
    runs_input: bool = False
    writes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    edits: list[tuple[str, str, str, str]] = field(default_factory=list)
    simple: bool = True
    complete: bool = True
    # Text the script puts into its output: the text of ``a``, ``i`` and ``c``, and each ``s`` replacement (with
    # ``&`` and back-references, which are input, left out).
    inserted: list[str] = field(default_factory=list)


_SED_SIMPLE = frozenset("=dDgGhHnNpPxzF")


def _to_line_end(text: str, i: int) -> tuple[str, int]:
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    return text[i:end], end


def _skip_blanks(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _delimited(text: str, i: int, delim: str) -> tuple[str, int] | None:
    """The part up to the next unescaped ``delim`` (escapes kept, ``\\delim`` made plain), and the index after it."""
    out: list[str] = []
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            out.append(nxt if nxt == delim and delim not in "&\\n" else c + nxt)
            i += 2
            continue
        if c == delim:
            return "".join(out), i + 1
        if c == "\n" and delim != "\n":
            return None
        out.append(c)
        i += 1
    return None


def _sed_address(text: str, i: int) -> int | None:
    """The index after an address at ``i`` (or ``i`` when there is none); None when it cannot be read."""
    n = len(text)
    if i >= n:
        return i
    c = text[i]
    if c.isdigit():
        while i < n and (text[i].isdigit() or text[i] == "~"):
            i += 1
        return i
    if c == "$":
        return i + 1
    if c in "/\\":
        delim = "/"
        if c == "\\":
            if i + 1 >= n:
                return None
            delim = text[i + 1]
            i += 1
        part = _delimited(text, i + 1, delim)
        if part is None:
            return None
        i = part[1]
        while i < n and text[i] in "IM":
            i += 1
        return i
    return i


def sed_script(text: str) -> SedScript:
    """Read a GNU sed script (commands separated by newlines or ``;``, with addresses, blocks and ``!``)."""
    result = SedScript()
    if len(text) > _MAX_SCRIPT:
        result.complete = False
        text = text[:_MAX_SCRIPT]
    n = len(text)
    i = 0
    if text.startswith("#n\n"):
        i = 3
    steps = 0
    while i < n:
        steps += 1
        if steps > 20000:
            result.complete = False
            break
        c = text[i]
        if c in " \t\n;":
            i += 1
            continue
        if c == "#":
            i = _to_line_end(text, i)[1]
            continue
        if c == "}":
            i += 1
            continue
        start = i
        after = _sed_address(text, i)
        if after is None:
            result.complete = False
            break
        i = _skip_blanks(text, after)
        if i < n and text[i] == ",":
            i = _skip_blanks(text, i + 1)
            if i < n and text[i] in "+~":
                i += 1
            end = _sed_address(text, i)
            if end is None or end == i:
                result.complete = False
                break
            i = _skip_blanks(text, end)
        addressed = i != start
        while i < n and text[i] in "! \t":
            i += 1
        if i >= n:
            result.complete = not addressed
            break
        c = text[i]
        i += 1
        if c == "{":
            result.simple = False
            continue
        if addressed:
            result.simple = False
        if c in "aic":
            result.simple = False
            end = _sed_text_end(text, i)
            result.inserted.append(_sed_text(text[i:end]))
            i = end
        elif c in ":btTv":
            result.simple = False
            while i < n and text[i] not in ";\n":
                i += 1
        elif c in "rRwW":
            name, i = _to_line_end(text, _skip_blanks(text, i))
            (result.reads if c in "rR" else result.writes).append(name)
            result.simple = False
        elif c == "e":
            command, i = _to_line_end(text, _skip_blanks(text, i))
            if command.strip():
                result.commands.append(command)
            else:
                result.runs_input = True
            result.simple = False
        elif c in "lLqQ":
            result.simple = False
            i = _skip_blanks(text, i)
            while i < n and text[i].isdigit():
                i += 1
        elif c in _SED_SIMPLE:
            result.simple = False
        elif c in "sy":
            if i >= n or text[i] in "\n\\":
                result.complete = False
                break
            delim = text[i]
            first = _delimited(text, i + 1, delim)
            second = _delimited(text, first[1], delim) if first is not None else None
            if first is None or second is None:
                result.complete = False
                break
            i = second[1]
            flags = ""
            if c == "s":
                while i < n and (text[i] in "gpiImMe" or text[i].isdigit()):
                    flags += text[i]
                    i += 1
                if i < n and text[i] == "w":
                    name, i = _to_line_end(text, _skip_blanks(text, i + 1))
                    result.writes.append(name)
                    flags += "w"
                if "e" in flags:
                    result.commands.append(_substituted_command(first[0], second[0]))
            result.edits.append((c, first[0], second[0], flags))
            if c == "s":
                result.inserted.append(_sed_unescape(re.sub(r"(?<!\\)&|\\[0-9]", "", second[0])))
        else:
            result.complete = False
            break
        i = _skip_blanks(text, i)
        if i < n and text[i] not in ";\n}#":
            result.complete = False
            break
        if len(result.commands) + len(result.writes) + len(result.reads) > _MAX_ITEMS:
            result.complete = False
            break
    return result


def _sed_text(raw: str) -> str:
    """The text ``a``, ``i`` or ``c`` adds: after its blanks and an optional backslash (GNU's one-line form and the
    POSIX ``a\\`` form), lines continued by a trailing backslash joined with line breaks, escapes removed."""
    body = raw.lstrip(" \t")
    if body.startswith("\\"):
        body = body[1:].lstrip("\n") if body[1:2] == "\n" else body[1:]
    return _sed_unescape(body)


# GNU sed's escapes in text it produces: \xHH, \oNNN, \dNNN, \cX and the one-letter ones; \U, \L, \u, \l
# and \E change the case of what follows (a replacement's own text included).
_SED_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|o[0-7]{1,3}|d[0-9]{1,3}|c.|[ULulE]|.)", re.S)
_SED_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "f": "\f", "v": "\v"}


def _sed_unescape(body: str) -> str:
    """``body`` as GNU sed prints it: escapes decoded and case conversions applied."""
    out: list[str] = []
    case = ""  # "U" or "L" until \E; "u" or "l" for the next character only
    at = 0

    def emit(text: str) -> None:
        nonlocal case
        for char in text:
            if case in ("u", "l"):
                out.append(char.upper() if case == "u" else char.lower())
                case = out_case[0]
            else:
                out.append(char.upper() if case == "U" else char.lower() if case == "L" else char)

    out_case = [""]
    for match in _SED_ESCAPE.finditer(body):
        emit(body[at : match.start()])
        at = match.end()
        code = match.group(1)
        if code in ("U", "L"):
            case = out_case[0] = code
        elif code == "E":
            case = out_case[0] = ""
        elif code in ("u", "l"):
            case = code
        elif code[0] == "x" and len(code) > 1:
            emit(chr(int(code[1:], 16)))
        elif code[0] == "o" and len(code) > 1:
            emit(chr(int(code[1:], 8) & 0xFF))
        elif code[0] == "d" and len(code) > 1:
            emit(chr(int(code[1:]) & 0xFF))
        elif code[0] == "c" and len(code) > 1:
            emit(chr(ord(code[1].upper()) ^ 0x40))
        else:
            emit(_SED_SIMPLE_ESCAPES.get(code, code))
    emit(body[at:])
    return "".join(out)


def _sed_text_end(text: str, i: int) -> int:
    """The end of the text of ``a``, ``i`` or ``c`` (lines continued by a trailing backslash)."""
    n = len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n:
            i += 2
            continue
        if text[i] == "\n":
            return i
        i += 1
    return n


def _substituted_command(regex: str, replacement: str) -> str:
    """The command line ``s/REGEX/REPLACEMENT/e`` runs: the edited line. The part of the line before the match and
    after it, and every reference to the matched text (``&``, ``\\1``), are input (``INPUT``)."""
    out: list[str] = []
    if not (regex.startswith("^") or regex.startswith(".*")):
        out.append(INPUT)
    k = 0
    while k < len(replacement):
        c = replacement[k]
        if c == "\\" and k + 1 < len(replacement):
            nxt = replacement[k + 1]
            if nxt.isdigit():
                out.append(INPUT)
            elif nxt == "n":
                out.append("\n")
            elif nxt not in "LUEul":
                out.append(nxt)
            k += 2
            continue
        out.append(INPUT if c == "&" else c)
        k += 1
    if not (regex.endswith("$") and not regex.endswith("\\$")) and not regex.endswith(".*"):
        out.append(INPUT)
    return "".join(out)


@dataclass(slots=True)
class SedInvocation:
    """A sed command line: its script (``-e``/``--expression`` parts, or the first operand), the script files it
    reads (``-f``), its input files, and whether ``--sandbox`` refuses ``e``, ``r`` and ``w``."""

    scripts: list[str] = field(default_factory=list)
    script_files: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    sandbox: bool = False
    quiet: bool = False
    in_place: bool = False


_SED_LONG_VALUE = {
    "--expression": "-e",
    "--file": "-f",
    "--line-length": "-l",
}


def sed_invocation(argv: Sequence[str]) -> SedInvocation:
    """Read sed's options as GNU sed does (clusters like ``-ne``, ``-i`` taking only an attached suffix)."""
    result = SedInvocation()
    operands: list[str] = []
    k = 1
    n = len(argv)
    while k < n:
        t = argv[k]
        if t == "--":
            operands.extend(argv[k + 1 :])
            break
        if t.startswith("--") and len(t) > 2:
            key, eq, value = t.partition("=")
            full = _long_option(key, (*_SED_LONG_VALUE, "--in-place", "--sandbox", "--quiet", "--silent"))
            short = _SED_LONG_VALUE.get(full)
            if short is not None and not eq and k + 1 < n:
                value = argv[k + 1]
                k += 1
            if short == "-e":
                result.scripts.append(value)
            elif short == "-f":
                result.script_files.append(value)
            elif full == "--sandbox":
                result.sandbox = True
            elif full == "--in-place":
                result.in_place = True
            elif full in ("--quiet", "--silent"):
                result.quiet = True
            k += 1
            continue
        if t.startswith("-") and len(t) > 1:
            j = 1
            while j < len(t):
                ch = t[j]
                if ch in "efl":
                    value = t[j + 1 :]
                    if not value and k + 1 < n:
                        value = argv[k + 1]
                        k += 1
                    if ch == "e":
                        result.scripts.append(value)
                    elif ch == "f":
                        result.script_files.append(value)
                    break
                if ch == "i":
                    result.in_place = True
                    break  # -i[SUFFIX]: the rest of the cluster is the suffix
                if ch == "n":
                    result.quiet = True
                j += 1
            k += 1
            continue
        operands.append(t)
        k += 1
    if not result.scripts and not result.script_files and operands:
        result.scripts.append(operands.pop(0))
    result.files = operands
    return result


def _long_option(key: str, names: Sequence[str]) -> str:
    """The long option ``key`` names: itself, or the only one it is a prefix of (getopt_long's abbreviations)."""
    if key in names:
        return key
    matches = [name for name in names if name.startswith(key)] if len(key) > 3 else []
    return matches[0] if len(matches) == 1 else key


def sed_output(script: SedScript, data: str, *, quiet: bool) -> str | None:
    """The output of a script that only substitutes literal text (``s/x/r/``, ``s/^/r/``, flags ``g`` and a
    count) and transliterates (``y/abc/xyz/``) on ``data``; None for anything else. Literal patterns keep the
    computation linear; anything the gate would have to emulate a regex engine for is left unknown."""
    if quiet or not script.simple or not script.complete or script.commands or script.writes or script.reads:
        return None
    if not script.edits:
        return data
    lines = data.split("\n")
    trailing = lines[-1] == ""
    if trailing:
        lines.pop()
    for kind, left, right, flags in script.edits:
        if kind == "y":
            source, target = _sed_literal(left), _sed_literal(right)
            if source is None or target is None or len(source) != len(target):
                return None
            table = str.maketrans(source, target)
            lines = [line.translate(table) for line in lines]
            continue
        edited = _literal_substitution(lines, left, right, flags)
        if edited is None:
            return None
        lines = edited
    return "\n".join(lines) + ("\n" if trailing else "")


def _sed_literal(text: str) -> str | None:
    """A sed text with only escaped delimiters, ``\\n`` and ``\\\\`` as escapes, unescaped."""
    out: list[str] = []
    k = 0
    while k < len(text):
        c = text[k]
        if c == "\\" and k + 1 < len(text):
            nxt = text[k + 1]
            if nxt == "n":
                out.append("\n")
            elif nxt in "\\/|#,:;!@%+_-=.":
                out.append(nxt)
            else:
                return None
            k += 2
            continue
        out.append(c)
        k += 1
    return "".join(out)


_REGEX_SPECIAL = frozenset(".[]*^$\\+?(){}|")


def _literal_substitution(lines: list[str], regex: str, replacement: str, flags: str) -> list[str] | None:
    if set(flags) - set("g0123456789"):
        return None
    anchor_start = regex.startswith("^")
    anchor_end = regex.endswith("$") and not regex.endswith("\\$")
    body = regex[1 if anchor_start else 0 : len(regex) - 1 if anchor_end else len(regex)]
    pattern = _sed_literal(body)
    if pattern is None or any(c in _REGEX_SPECIAL for c in body.replace("\\.", "").replace("\\/", "")):
        return None
    repl_parts: list[str | None] = []  # None: the matched text (&)
    k = 0
    while k < len(replacement):
        c = replacement[k]
        if c == "\\" and k + 1 < len(replacement):
            nxt = replacement[k + 1]
            if nxt == "n":
                repl_parts.append("\n")
            elif nxt.isdigit() or nxt in "LUEul":
                return None
            else:
                repl_parts.append(nxt)
            k += 2
            continue
        repl_parts.append(None if c == "&" else c)
        k += 1
    count = int("".join(ch for ch in flags if ch.isdigit()) or "1")
    every = "g" in flags
    out: list[str] = []
    size = 0
    for line in lines:
        edited = _substitute_line(
            line, pattern, repl_parts, start=anchor_start, end=anchor_end, count=count, every=every
        )
        size += len(edited) + 1
        if size > _MAX_OUTPUT:
            return None
        out.append(edited)
    return out


def _substitute_line(
    line: str, pattern: str, repl: list[str | None], *, start: bool, end: bool, count: int, every: bool
) -> str:
    def text_for(match: str) -> str:
        return "".join(match if part is None else part for part in repl)

    if start and end:
        return text_for(line) if line == pattern else line
    if start:
        return text_for(pattern) + line[len(pattern) :] if line.startswith(pattern) else line
    if end:
        return line[: len(line) - len(pattern)] + text_for(pattern) if line.endswith(pattern) else line
    if not pattern:
        return line
    out: list[str] = []
    pos = 0
    seen = 0
    while True:
        found = line.find(pattern, pos)
        if found < 0:
            break
        seen += 1
        if seen >= count:
            out.append(line[pos:found] + text_for(pattern))
            pos = found + len(pattern)
            if not every:
                break
        else:
            out.append(line[pos : found + len(pattern)])
            pos = found + len(pattern)
    out.append(line[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# ed, ex and vim
# ---------------------------------------------------------------------------------------------------------------

# Ex commands that run interpreter code (``:py3 import os; os.system(...)``, ``:lua os.execute(...)``).
_EX_CODE = re.compile(
    r"(?:py3|python3|py|python|pyx|pythonx|py3do|pydo|pyxdo|lua|luado|perl|perldo|ruby|rubydo|tcl|tcldo|mz|mzscheme)"
    r"(?:!)?(?:[ \t]|$)"
)
_EX_TERMINAL = re.compile(r"ter(?:m|mi|min|mina|minal)?!?(?:[ \t]|$)")
_EX_EXECUTE = re.compile(r"exe(?:c|cu|cut|cute)?(?:[ \t]|$)")
_EX_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.){0,4000})\"|'([^'\n]{0,4000})'")
# Ex command modifiers that take the command after them (``:silent! !cmd``, ``:keepalt r !cmd``).
_EX_MODIFIERS = frozenset(
    {"sil", "sile", "silen", "silent", "uns", "unsilent", "keepalt", "keepmarks", "keepjumps", "keeppatterns"}
    | {"lockmarks", "noautocmd", "noa", "vertical", "vert", "topleft", "botright", "aboveleft", "belowright"}
    | {"leftabove", "rightbelow", "tab", "confirm", "conf", "hide", "browse", "sandbox", "noswapfile"}
)


def _ex_command_start(line: str) -> str:
    """The ex command after leading colons, blanks, modifiers and a range (``:silent! 1,$``, ``'<,'>``, ``/x/``)."""
    for _repeat in range(16):
        line = line.lstrip(" \t:")
        word = line.split(None, 1)[0] if line.split(None, 1) else ""
        if word.rstrip("!") not in _EX_MODIFIERS:
            break
        line = line[len(word) :]
    k = 0
    while k < len(line):
        c = line[k]
        if c in "0123456789.,;$%+- \t":
            k += 1
        elif c == "'" and k + 1 < len(line):
            k += 2
        elif c in "/?":
            end = line.find(c, k + 1)
            k = len(line) if end < 0 else end + 1
        elif c == "\\" and k + 1 < len(line) and line[k + 1] in "/?&":
            k += 2
        else:
            break
    return line[k:]


@dataclass(slots=True)
class CommandLines:
    """What a script in some language runs: ``commands``, command lines (each read as bash), ``code`` in another
    interpreter's language (read for the calls that reach a shell), ``argv`` programs run with their arguments,
    and whether the whole script could be read."""

    commands: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    argv: list[list[str]] = field(default_factory=list)
    complete: bool = True

    def bounded(self) -> CommandLines:
        """At most ``_MAX_ITEMS`` of each; a script that runs more is not read whole, so it rounds up."""
        if max(len(self.commands), len(self.code), len(self.argv)) > _MAX_ITEMS:
            self.complete = False
        self.commands = self.commands[:_MAX_ITEMS]
        self.code = self.code[:_MAX_ITEMS]
        self.argv = self.argv[:_MAX_ITEMS]
        return self


def _script_lines(text: str, max_lines: int, result: CommandLines) -> list[str]:
    """The first ``_MAX_SCRIPT`` characters' first ``max_lines`` lines; a longer script is not read whole."""
    lines = text[:_MAX_SCRIPT].split("\n")
    if len(text) > _MAX_SCRIPT or len(lines) > max_lines:
        result.complete = False
    return lines[:max_lines]


def ex_commands(text: str, *, depth: int = 0) -> CommandLines:
    """Ex commands (``vim -c``, ``+cmd``, ``ex`` scripts, ``ed`` scripts): everything after a ``!`` in a line is a
    shell command line (``!cmd``, ``:%!cmd``, ``r !cmd``, ``w !cmd``; a ``w!`` that only forces a write leaves a
    file name, which reads as a harmless command), ``:terminal CMD`` runs CMD, the interpreter commands run code,
    and ``:execute "..."`` runs the ex commands in its strings."""
    result = CommandLines()
    for raw in _script_lines(text, 4096, result):
        for line in _ex_bar_split(raw):
            _ex_line(line, result, depth)
    return result.bounded()


def _ex_bar_split(line: str) -> list[str]:
    """Ex commands joined by ``|``, except that ``!``, ``:normal`` and the interpreter commands take the rest."""
    parts: list[str] = []
    start = 0
    k = 0
    takes_rest = _takes_rest(line, 0)
    while k < len(line) and not takes_rest:
        c = line[k]
        if c == "!":
            break
        if c == "\\" and k + 1 < len(line):
            k += 2
            continue
        if c == "|":
            parts.append(line[start:k])
            start = k + 1
            takes_rest = _takes_rest(line, start)
        k += 1
    parts.append(line[start:])
    return parts


def _takes_rest(line: str, start: int) -> bool:
    """The ex command at ``start`` takes the rest of the line, bars included (``:normal``, ``:py3``, ``:exe``)."""
    head = line[start : start + 64].lstrip(" \t:")
    return head.startswith(("norm", "py", "lua", "perl", "ruby", "tcl", "exe"))


def _ex_line(line: str, result: CommandLines, depth: int) -> None:
    rest = _ex_command_start(line)
    for text in dict.fromkeys((line, rest)):
        bang = text.find("!")
        if bang >= 0:
            result.commands.append(text[bang + 1 :])
    if _EX_CODE.match(rest):
        result.code.append(rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else "")
    elif _EX_TERMINAL.match(rest):
        parts = rest.split(None, 1)
        if len(parts) > 1:
            result.commands.append(parts[1].lstrip("+").split(" ", 1)[-1] if parts[1].startswith("++") else parts[1])
    elif _EX_EXECUTE.match(rest):
        if depth >= 4:
            result.complete = False  # nested deeper than the gate reads
            return
        for m in _EX_STRING.finditer(rest):
            inner = ex_commands(m.group(1) if m.group(1) is not None else m.group(2), depth=depth + 1)
            result.commands.extend(inner.commands)
            result.code.extend(inner.code)
            result.complete = result.complete and inner.complete


def ed_commands(text: str) -> CommandLines:
    """An ed script: ``!cmd``, ``r !cmd``, ``w !cmd``, ``e !cmd`` run cmd (everything after the ``!``)."""
    result = CommandLines()
    for line in _script_lines(text, 4096, result):
        bang = line.find("!")
        if bang >= 0:
            result.commands.append(line[bang + 1 :])
    return result.bounded()


# ---------------------------------------------------------------------------------------------------------------
# gdb and lldb
# ---------------------------------------------------------------------------------------------------------------

_GDB_PYTHON = frozenset({"python", "py", "python-interactive", "pi", "guile", "gu"})


def gdb_commands(text: str) -> CommandLines:
    """gdb commands: ``shell CMD``, ``!CMD``, ``pipe``/``|`` (the part after the command's ``|``), ``make ARGS``,
    Python and Guile (one line, or a block ending in ``end``), and calls in expressions (``call
    system("...")``, read by the interpreter scan)."""
    result = CommandLines()
    block: list[str] | None = None
    for raw in _script_lines(text, 4096, result):
        line = raw.strip()
        if block is not None:
            if line == "end":
                result.code.append("\n".join(block))
                block = None
            else:
                block.append(raw)
            continue
        word, _separator, rest = line.partition(" ")
        if line.startswith("!"):
            result.commands.append(line[1:])
        elif word == "shell":
            result.commands.append(rest)
        elif word in ("pipe", "|") or line.startswith("|"):
            body = line[1:] if line.startswith("|") else rest
            body = body.strip()
            delim = "|"
            if body.startswith("-d "):
                parts = body[3:].split(None, 1)
                if parts:
                    delim = parts[0]
                    body = parts[1] if len(parts) > 1 else ""
            if delim in body:
                result.commands.append(body.split(delim, 1)[1])
        elif word == "make":
            result.argv.append(["make", *rest.split()])
        elif word in _GDB_PYTHON:
            if rest.strip():
                result.code.append(rest)
            else:
                block = []
    if block is not None:
        result.code.append("\n".join(block))
    return result.bounded()


def lldb_commands(text: str) -> CommandLines:
    """lldb commands: ``platform shell CMD`` (and its ``shell`` alias) runs CMD, ``script CODE`` runs Python."""
    result = CommandLines()
    for raw in _script_lines(text, 4096, result):
        words = raw.split()
        if words[:2] == ["platform", "shell"]:
            result.commands.append(raw.split("shell", 1)[1])
        elif words[:1] in (["shell"], ["_regexp-shell"]):
            result.commands.append(raw.split(words[0], 1)[1])
        elif words[:1] == ["script"]:
            result.code.append(raw.split("script", 1)[1])
    return result.bounded()


# ---------------------------------------------------------------------------------------------------------------
# m4 and make
# ---------------------------------------------------------------------------------------------------------------

_M4_CALL = re.compile(r"\b(?:m4_)?e?syscmd\(")


def m4_commands(text: str) -> CommandLines:
    """m4 input: the argument of every ``syscmd(...)``/``esyscmd(...)`` (m4's quotes removed) is a command line."""
    result = CommandLines()
    if len(text) > _MAX_SCRIPT:
        result.complete = False
        text = text[:_MAX_SCRIPT]
    for m in _M4_CALL.finditer(text):
        argument = _balanced(text, m.end() - 1)
        if argument is None:
            result.complete = False
            continue
        result.commands.append(argument.replace("`", "").replace("'", "").replace("[", "").replace("]", ""))
        if len(result.commands) > _MAX_ITEMS:
            break
    return result.bounded()


def _balanced(text: str, open_at: int) -> str | None:
    """The text inside the parenthesis opened at ``open_at`` (nesting counted), None when it never closes."""
    depth = 0
    for k in range(open_at, min(len(text), open_at + 8192)):
        c = text[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : k]
    return None


def make_commands(text: str) -> CommandLines:
    """A makefile: recipe lines (after a TAB) are shell command lines, so is the argument of every ``$(shell
    ...)`` and the right side of ``VAR != ...``. Make's own expansions become ``INPUT`` (their values are not
    read) and ``$$`` becomes ``$``."""
    result = CommandLines()
    logical: list[str] = []
    pending = ""
    for raw in _script_lines(text, 8192, result):
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        logical.append(pending + raw)
        pending = ""
    if pending:
        logical.append(pending)
    for line in logical:
        for inner in _make_shell_calls(line):
            result.commands.append(_make_text(inner, result))
        if line.startswith("\t"):
            result.commands.append(_make_text(line.lstrip("\t").lstrip("@-+ \t"), result))
        elif "!=" in line and ":" not in line.split("!=", 1)[0]:
            result.commands.append(_make_text(line.split("!=", 1)[1], result))
    return result.bounded()


def _make_shell_calls(line: str) -> list[str]:
    found: list[str] = []
    parens = line.replace("{", "(").replace("}", ")")
    for m in re.finditer(r"\$[({]shell[ \t]", line):
        inner = _balanced(parens, m.start() + 1)
        if inner is not None:
            found.append(inner[len("shell") :])
        if len(found) > _MAX_ITEMS:
            break  # one more than the bound: the script is marked incomplete (``bounded``)
    return found


def _make_text(line: str, result: CommandLines) -> str:
    out: list[str] = []
    parens = line.replace("{", "(").replace("}", ")")
    k = 0
    while k < len(line):
        c = line[k]
        if c == "$" and k + 1 < len(line):
            nxt = line[k + 1]
            if nxt == "$":
                out.append("$")
                k += 2
                continue
            if nxt in "({":
                inner = _balanced(parens, k + 1)
                if inner is None:
                    result.complete = False
                    return "".join(out)
                out.append(INPUT)
                k += len(inner) + 3
                continue
            out.append(INPUT)
            k += 2
            continue
        out.append(c)
        k += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Tcl (tclsh, wish, expect)
# ---------------------------------------------------------------------------------------------------------------

_TCL_ARGV = frozenset({"exec", "spawn", "exp_spawn", "exp_exec"})
_TCL_TEXT = frozenset({"system", "exp_system"})
_TCL_SEND = frozenset({"send", "exp_send", "send_spawn"})


def tcl_commands(text: str, *, depth: int = 0) -> CommandLines:
    """Tcl: ``exec``/``spawn`` run a program with their words (``|``, ``<``, ``>`` as in a shell); expect's
    ``system`` runs its words through ``/bin/sh``; ``send`` types its text into the spawned program, read as the
    shell command lines a spawned shell would run; ``open "|cmd"`` runs cmd. Braced words and ``[...]`` are
    scripts too (procedure bodies, conditions, command substitutions) and are read the same way."""
    result = CommandLines()
    if depth > 6:
        result.complete = False
        return result
    if len(text) > _MAX_SCRIPT:
        result.complete = False
    for words in _tcl_split(text[:_MAX_SCRIPT], result):
        plain = [w for w, _unused in words]
        name = plain[0] if plain else ""
        args = plain[1:]
        while args and args[0].startswith("-") and name in _TCL_ARGV | _TCL_SEND and args[0] not in ("--",):
            args = args[2:] if args[0] in ("-i", "-p", "-console", "-pty") and name in _TCL_SEND else args[1:]
        if args and args[0] == "--":
            args = args[1:]
        if name in _TCL_ARGV and args:
            result.argv.append(args)
        elif name in _TCL_TEXT and args:
            result.commands.append(" ".join(args))
        elif name in _TCL_SEND and args:
            result.commands.append(args[-1].replace("\r", "\n"))
        elif name == "open" and args and args[0].startswith("|"):
            result.commands.append(args[0][1:])
        for word, braced in words:
            if (braced or word.startswith("[")) and len(result.commands) < _MAX_ITEMS:
                inner = tcl_commands(word.strip("[]") if not braced else word, depth=depth + 1)
                result.commands.extend(inner.commands)
                result.argv.extend(inner.argv)
                result.complete = result.complete and inner.complete
    return result.bounded()


def _tcl_split(text: str, result: CommandLines) -> list[list[tuple[str, bool]]]:
    """Tcl commands as lists of (word, braced): words split at blanks, ``{...}`` kept literal (braced), ``"..."``
    with backslash escapes decoded, ``[...]`` kept whole; commands end at newlines and ``;``."""
    commands: list[list[tuple[str, bool]]] = []
    words: list[tuple[str, bool]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
            continue
        if c in "\n;":
            if words:
                commands.append(words)
                words = []
            i += 1
            continue
        if c == "#" and not words:
            while i < n and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            continue
        if c == "{":
            end = _tcl_close(text, i, "{", "}")
            if end < 0:
                result.complete = False
                words.append((text[i + 1 :], True))
                break
            words.append((text[i + 1 : end], True))
            i = end + 1
            continue
        word: list[str] = []
        quoted = c == '"'
        if quoted:
            i += 1
        while i < n:
            c = text[i]
            if c == "\\" and i + 1 < n:
                nxt = text[i + 1]
                word.append({"n": "\n", "r": "\r", "t": "\t"}.get(nxt, nxt if nxt != "\n" else " "))
                i += 2
                continue
            if c == "[":
                end = _tcl_close(text, i, "[", "]")
                if end < 0:
                    result.complete = False
                    end = n - 1
                word.append(text[i : end + 1])
                i = end + 1
                continue
            if quoted and c == '"':
                i += 1
                break
            if not quoted and (c in " \t\r\n;"):
                break
            word.append(c)
            i += 1
        words.append(("".join(word), False))
        if len(commands) > 4096:
            result.complete = False
            break
    if words:
        commands.append(words)
    return commands


def _tcl_close(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    k = start
    while k < len(text):
        c = text[k]
        if c == "\\":
            k += 2
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


# ---------------------------------------------------------------------------------------------------------------
# Calls in interpreter code that reach a shell or run a program
# ---------------------------------------------------------------------------------------------------------------

# A call that runs a command line or a program: qualified where the bare name means something else (``run``).
_SINK = re.compile(
    r"(?<![\w.$])(?:(?:os|posix)\.(?:system|popen|exec\w{0,4}|spawn\w{0,4}|execute)|(?:io|IO)\.popen"
    r"|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|Open3\.\w{1,12}"
    r"|commands\.getoutput|pty\.spawn|system|popen|exec|spawn|execSync|execFileSync|spawnSync|shell_exec"
    r"|passthru|proc_open|Kernel\.system|Kernel\.exec)\b"
)
_LITERAL = re.compile(r"\"([^\"\\\n]{0,4000})\"|'([^'\\\n]{0,4000})'")
_KEYWORD_ARGUMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}[ \t]{0,4}=(?!=)")
# awk: ``print ... | CMD`` and ``CMD | getline`` run CMD (``||`` is a logical or).
_AWK_BAR = re.compile(r"(?<![|&])\|(?![|&])[ \t]{0,8}")
_SHELL_NAMES = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "busybox"})


@dataclass(slots=True)
class CodeCalls:
    """What interpreter code hands to a shell or runs: ``argv`` programs with literal arguments (``system("rm",
    "-rf", "/")``, ``system qw(rm -rf /)``), ``computed``: a call whose command is not a literal (``os.system(c)``,
    ``system $cmd``, awk's ``print | cmd``), and ``piped_to_shell``: awk prints into a shell (``print "..." |
    "sh"``), so what it prints is code; ``commands``: literal command lines of awk's pipes."""

    argv: list[list[str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    computed: bool = False
    piped_to_shell: bool = False


def code_calls(code: str, *, awk: bool = False, tcl: bool = False) -> CodeCalls:
    """Scan interpreter code for calls that run commands (bounded: the first ``_MAX_SCRIPT`` characters). Tcl runs
    programs by their words (``exec rm $dir``): a substitution among the words of ``exec``, ``spawn``,
    ``system`` or ``open |`` is a computed command."""
    result = CodeCalls()
    if len(code) > _MAX_SCRIPT:
        result.computed = True  # the rest is not read: judged as code that computes its commands
        code = code[:_MAX_SCRIPT]
    if tcl:
        found = CommandLines()
        for tcl_words in _tcl_split(code, found):
            plain = [w for w, _unused in tcl_words]
            if (
                plain
                and plain[0] in (_TCL_ARGV | _TCL_TEXT | {"open", "eval"})
                and any("$" in w or "[" in w for w in plain[1:])
            ):
                result.computed = True
        return result
    for count, m in enumerate(_SINK.finditer(code)):
        if count > 256:
            result.computed = True
            break
        k = m.end()
        while k < len(code) and code[k] in " \t":
            k += 1
        paren = k < len(code) and code[k] == "("
        if paren:
            k += 1
            while k < len(code) and code[k] in " \t":
                k += 1
        if k >= len(code) or code[k] in ")\n;":
            continue  # a name, not a call with an argument (``def system():``, ``exec`` alone)
        words, _end, static = _literal_arguments(code, k)
        if words and len(words) > 1 and static:
            result.argv.append(words)
        if not static:
            result.computed = True
    if awk:
        for m in _AWK_BAR.finditer(code):
            if code.startswith("getline", m.end()):
                before = code[max(0, m.start() - 4010) : m.start()].rstrip()
                opening = before.rfind('"', max(0, len(before) - 4002), len(before) - 1) if before.endswith('"') else -1
                if opening >= 0:
                    result.commands.append(before[opening + 1 : -1])
                    if "\\" in before[max(0, opening - 1) : -1]:
                        result.computed = True  # an escape (``\"``) may hide where the string starts, or what it holds
                else:
                    result.computed = True
                continue
            literal = _LITERAL.match(code, m.end())
            if literal is None or literal.group(1) is None:
                result.computed = True
                continue
            target = literal.group(1)
            result.commands.append(target)
            if target.strip().split(" ", 1)[0].rsplit("/", 1)[-1] in _SHELL_NAMES:
                result.piped_to_shell = True
    return result


def _literal_arguments(code: str, k: int) -> tuple[list[str], int, bool]:
    """The arguments of a call starting at ``k``: (literal words, end, whether every argument is a literal).
    Accepts ``"a"``, ``"a", "b"``, ``["a", "b"]``, ``qw(a b)`` and ``%w(a b)``; anything else is computed."""
    words: list[str] = []
    n = len(code)
    if code.startswith(("qw", "%w"), k) and k + 2 < n and code[k + 2] in "([{/":
        close = {"(": ")", "[": "]", "{": "}", "/": "/"}[code[k + 2]]
        end = code.find(close, k + 3)
        if end < 0 or end - k > 4000:
            return [], k, False
        return code[k + 3 : end].split(), end + 1, True
    bracket = k < n and code[k] == "["
    if bracket:
        k += 1
    limit = min(n, k + 8192)  # a call's arguments are read this far, at most 256 of them; a longer list is computed
    while k < limit and len(words) < 256:
        while k < n and code[k] in " \t\n":
            k += 1
        m = _LITERAL.match(code, k)
        if m is None:
            if k < n and code[k] in ")]" and words:
                return words, k, True
            if words and not bracket and _KEYWORD_ARGUMENT.match(code, k):
                return words, k, True  # ``subprocess.run("ls -l", shell=True)``
            return words, k, False
        words.append(m.group(1) if m.group(1) is not None else m.group(2))
        k = m.end()
        while k < n and code[k] in " \t":
            k += 1
        if k < n and code[k] == ",":
            k += 1
            continue
        if k >= n or code[k] in ")];\n}" or (not bracket and code[k] in "#"):
            return words, k, True
        return words, k, False
    return words, k, bool(words) and k >= n  # stopped by a bound (more arguments follow): computed


def string_literals(code: str) -> list[str]:
    """String literals of interpreter code that could be command lines (they hold a blank), bounded."""
    found: list[str] = []
    for m in _LITERAL.finditer(code[:_MAX_SCRIPT]):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        if text and (" " in text or "\t" in text):
            found.append(text)
            if len(found) >= _MAX_ITEMS:
                break
    return found
