# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands held in configuration values: the deny list over what a file a task writes will run later.

The deny list reads every string argument as a possible command line (``content`` written into ``cron.d``, a unit
file or a script runs later). Read as bash, a configuration line hides its command: ``ExecStart=/bin/rm -rf /usr``
is an assignment before the command ``-rf``, ``ProxyCommand rm -rf /usr`` a program handed arguments, ``command:
["rm", "-rf", "/usr"]`` one word with brackets. Listing formats would leave every format not listed open, so each
line of a data string is also read the ways any key-and-value format can hold a command:

* the value after each ``=`` (systemd ``Exec*=``, desktop ``Exec=``, udev ``RUN+=``, supervisord ``command=``,
  environment files, INI and git's ``alias.x = !cmd``) and after each ``:`` (a JSON object's values on one line);
* the line without its first word (``ProxyCommand``, ``ForceCommand``, a YAML ``run:`` or ``command:`` key, a
  Dockerfile ``RUN``, after a YAML list marker), a YAML list item itself, and a cron or anacron line's command
  after its schedule fields and user;

each with one outer pair of quotes taken off, the prefixes systemd and git put before a program (``-@:+!|``)
dropped, and an exec array (``["rm", "-rf", "/usr"]``, ``[rm, -rf, /usr]``) joined into its command line. Each
such value goes through the deny list as a command line of its own. This only adds deny findings: the tiers
are untouched, and command texts (what a task executes) stay read as bash alone.

Why it is cheap: most data strings are one word (no value to read), and for the rest one whole-text proof
(:func:`_values_clean`, the long-text pre-check's argument with the pieces also split where a value starts) shows
that no value can name a deny-listed program; then only lines with glob or brace characters, which can name a
program without naming it, have their values read one by one.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from . import _commands, _shell
from ._commands import Finding

__all__ = ["data_findings", "value_commands", "value_findings"]

# What may stand before a program in a value: systemd's ``-@:+!`` (and ``!!``), git's ``!`` for a shell alias, and
# an opening brace before a quoted or spaced value (an apt hook's ``{"cmd";}``).
_PREFIXES = "-@:+!|"
_OPENING = ("'", '"', " ", "\t")
_LIST_MARKER = re.compile(r"-[ \t]+")  # a YAML list item's marker before its key
_EXEC_ARRAY = re.compile(r"\[([^\]\n]*)\]")
# Consecutive YAML list items at one indentation (at least two).
_BLOCK_SEQUENCE = re.compile(r"^([ \t]*)-[ \t][^\n]*(?:\n\1-[ \t][^\n]*)+", re.MULTILINE)
_COMMENTS = ("#", ";", "//")
# A line that starts with a schedule (a cron field: digits, "*", "/", ",", "-"; or an @keyword): the command
# follows after up to five fields and a user (crontab, cron.d), or three (anacrontab).
_SCHEDULE_FIELD = re.compile(r"(?:@[a-z]+|[0-9*][0-9*/,-]*)[ \t]")
_MAX_SCHEDULE_FIELDS = 7
_MAX_VALUES = 16  # values read to the end of their line, per line (and element texts)
_MAX_SEPARATORS = 4096  # values read up to the next "=" or ":", per line
# Where a value starts: after a ":" or an "=" that assigns (not one of "==", "!=", "<=", ">=", "=~": a comparison
# or a match, as in udev's ACTION=="add", holds no command).
_VALUE_START = re.compile(r":|(?<![=!<>~])=(?![=~])")
# An element's text, after its start tag (``<command>rm -rf /usr</command>``); a ">" elsewhere is a redirection.
_ELEMENT_TEXT = re.compile(r"<[A-Za-z_][^<>\n]*>([^<\n]*)")
# A value that starts with an expansion, quoted or not, is an expression's value (``X=$(printf '\\033')``,
# ``RED="$(tput setaf 1)"``, Perl's ``$a = $b / 2``):
# what it runs is not written in it, and reading it as a command would refuse ordinary scripts. (ANSI-C and locale
# quoting, $'...' and $"...", are text and are read.)
_EXPANSION_FIRST = re.compile(r"\$[{(A-Za-z0-9_@*#?$!-]|`")
_VALUE_HINTS = " \t=:>["  # a text without any of these is one word: no value in it
_SEVERAL_WORDS = re.compile(r"[ \t\n{}`;|&<>()'\"\\]")
_MAX_ARRAY_ITEMS = 4096
_MAX_JSON_STRINGS = 20000
# Where a value may start inside a piece (an "=" or ":", a comma or bracket of an exec array, a brace around it, and
# a semicolon, which ends a word): the whole-text proof splits pieces there too, with the quotes removed.
_SPLIT_DROPPING_QUOTES = str.maketrans({**dict.fromkeys("=:,[]{};", " "), '"': None, "'": None})
_SPLIT_AT_OPERATORS = str.maketrans({**dict.fromkeys("=:,[]{};<>|&()", " "), '"': None, "'": None})
# What a line proof refuses outright: an expansion or escape ($, backtick, backslash, NUL) and a word "dev".
_LINE_REFUSED = re.compile(r"[$`\\\x00]|(?<![a-z0-9_.])dev(?![a-z0-9_])")
_GROUPING = re.compile(r"[(){}]|\bfunction\b")
_STDIN_RUNNERS = frozenset({"at", "batch"})
_GLOB_OR_BRACE = "*?[{"  # (searched with ``in``: memchr, where a set would walk the text in Python)
# A word that names a program without naming it: a glob, or a brace expansion (an unquoted { and } in one word).
# (A bracket expression needs its "]" in the same word: a "[" without one is literal, as in a JSON array's "key": [.)
# A quoted part inside a brace word does not end it (``{r,"x y"}m`` expands to ``rm`` and ``x ym``). Each branch
# scans to the next blank or bracket of its kind at most: linear in the text.
_BRACE_PART = r"""(?:[^ \t\n{}"']|"[^"\n]*"|'[^'\n]*')*"""
_DYNAMIC = r"[*?]|\[[^ \t\n\[]*\]|\{" + _BRACE_PART + r"\}|\}" + _BRACE_PART + r"\{"
_DYNAMIC_WORD = re.compile(_DYNAMIC)


def data_findings(text: str) -> list[Finding]:
    """Deny findings for a data string (an argument that is not a command text, a copied source): read as a command
    line, and, when that finds nothing, for the commands its configuration values hold."""
    return _commands.deny_findings(text) or value_findings(text)


def value_findings(text: str) -> list[Finding]:
    """Deny findings for the commands ``text``'s configuration values hold (see the module docstring), each reason
    saying which value held it. Empty when there are none; the text itself is judged by
    ``_commands.deny_findings``, not here."""
    if not any(char in text for char in _VALUE_HINTS):
        return []  # one word: no key with a value after it
    distinct = _values_clean(text)
    clean = distinct is not None
    if distinct is not None and not (any(char in text for char in _GLOB_OR_BRACE) and _DYNAMIC_WORD.search(distinct)):
        return []
    structured = _json_commands(text)
    if structured is not None:  # a JSON document: its strings and string arrays, exactly as its reader sees them
        return _findings([*structured[0], *structured[1]], text, nested=structured[0])
    if "\\\n" in text or "\\\r\n" in text:
        text = text.replace("\\\r\n", " ").replace("\\\n", " ")  # a continued line (systemd, bash) is one value
    if clean:  # only a glob or a brace word can still name a program without naming it: read their lines
        lines = list(dict.fromkeys(line for line in text.split("\n") if _DYNAMIC_WORD.search(line)))
    elif _commands._writes_alias_table(text):
        lines = list(dict.fromkeys(text.split("\n")))
    else:  # (text with operators: each line that may hold a value naming a program, by its own proof)
        lines = list(dict.fromkeys(text.split("\n")))
        cleared = _cleared_lines(lines)
        lines = [line for line in lines if _zeroed(line) not in cleared]
    commands = [command for line in lines for command in value_commands(line)]
    commands.extend(_sequences(text))
    if clean:
        commands = [command for command in commands if _DYNAMIC_WORD.search(command)]
    return _findings(commands, text)


def _findings(commands: list[str], text: str, *, nested: Sequence[str] = ()) -> list[Finding]:
    """Each command line deny-scanned (and each of ``nested``, a JSON document's strings, read as configuration
    too), with a reason that says a value held it."""
    findings: list[Finding] = []
    seen: set[str] = {text}
    for command in commands:
        if command not in seen:
            seen.add(command)
            findings.extend(
                Finding(f.rule, f"{f.reason}, read as the command a configuration value holds")
                for f in _commands.deny_findings(command)
            )
    for string in nested:
        if string != text and len(string) < len(text):
            findings.extend(value_findings(string))
    return findings


def _json_commands(text: str) -> tuple[list[str], list[str]] | None:
    """A JSON object or array's strings (keys and values) and its arrays of strings joined as command lines (an exec
    array), or None for text that is not one. Its reader sees exactly these (escapes decoded: ``"\\u0072m"`` is
    ``rm``), so they replace the line readings, which compact JSON (one line of nested braces) made slow."""
    start = text.lstrip()[:1]
    if start not in ("{", "["):
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    strings: list[str] = []
    arrays: list[str] = []
    pending: list[object] = [data]
    while pending and len(strings) + len(arrays) < _MAX_JSON_STRINGS:
        item = pending.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings.extend(str(key) for key in item)
            pending.extend(item.values())
        elif isinstance(item, list):
            if item and all(isinstance(word, str) for word in item):
                arrays.append(_shell.split_argv(item[:_MAX_ARRAY_ITEMS]))
            pending.extend(item)
    if pending:
        return None  # (more strings than are read one by one: the line readings take the text)
    return strings, arrays


def value_commands(line: str) -> list[str]:
    """The command lines one line of configuration may hold (see the module docstring), most likely first."""
    body = line.strip()
    if not body or body.startswith(_COMMENTS):
        return []  # a comment runs nothing, in any of these formats
    found: list[str] = []
    marker = _LIST_MARKER.match(body)
    if marker is not None:
        body = body[marker.end() :]
        found.extend(_commands_in(body))  # a list item is a command line of its own (a CI script:, an argv item)
    words = body.split(None, 1)
    if len(words) == 2 and _basename(words[0]) not in _commands.INERT_PROGRAMS:
        found.extend(_commands_in(words[1]))  # (``echo rm -rf /`` prints its words: a key runs nothing of them)
    if _SCHEDULE_FIELD.match(body):  # a cron or anacron line: the command follows its fields and maybe a user
        fields = body.split(None, _MAX_SCHEDULE_FIELDS)
        found.extend(" ".join(fields[start:]) for start in range(2, len(fields)))
    starts = [match for _count, match in zip(range(_MAX_SEPARATORS), _VALUE_START.finditer(line), strict=False)]
    for count, match in enumerate(starts):
        # The rest of the line (a value may hold "=" and ":" itself), for the first values; and, for every value, the
        # part up to the next separator (``{"k0":0,...,"k40":40,"command":"rm -rf /usr"}``), which is short.
        if count < _MAX_VALUES:
            found.extend(_commands_in(line[match.end() :]))
        found.extend(_commands_in(line[match.end() : starts[count + 1].start() if count + 1 < len(starts) else None]))
    for count, match in enumerate(_ELEMENT_TEXT.finditer(line)):
        if count >= _MAX_SEPARATORS:
            break
        found.extend(_commands_in(match.group(1)))
    return [
        command
        for command in dict.fromkeys(found)
        if command
        and not _EXPANSION_FIRST.match(command.lstrip("\"'"))
        and not _one_plain_word(command)
        and not _a_fragment(command)
    ]


def _a_fragment(command: str) -> bool:
    """A value cut out of an expression, not a command line: a quote or a backtick left open (``-echo 2>/dev/null')``
    from Python's ``os.system('stty -echo 2>/dev/null')``). No shell runs such a line, and systemd and the other
    formats refuse it; read as bash it would end in the middle of a word and look like anything."""
    if "\\" in command:
        return False  # (an escaped quote or backtick pairs differently: the analyser reads it)
    if "`" in command and command.count("`") % 2:
        return True
    return ('"' in command or "'" in command) and _commands._unquoted(command) is None


def _one_plain_word(command: str) -> bool:
    """A value of one word that nothing can turn into several (no blank, brace, quote, escape, operator or expanding
    ``$``): a program run with no arguments, which no deny rule refuses (each needs a name with arguments, or an
    operator). Globs may stay (``^port=.*$``, a regular expression, is a value of this kind)."""
    return _SEVERAL_WORDS.search(command) is None and not _commands._EXPANDING_DOLLAR.search(command)


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


def _sequences(text: str) -> list[str]:
    """Exec arrays written as YAML block sequences (``command:`` then ``- rm``, ``- -rf``, ``- /usr`` at one
    indentation), each joined into one command line."""
    if "- " not in text:
        return []
    found: list[str] = []
    for match in _BLOCK_SEQUENCE.finditer(text):
        items = [_unquoted_item(line.strip()[1:]) for line in match.group().split("\n")[:_MAX_ARRAY_ITEMS]]
        if len(items) > 1:
            found.append(_shell.split_argv([item for item in items if item]))
    return found


def _commands_in(value: str) -> list[str]:
    """The command lines a value holds: blanks and an opening brace skipped; the value as bash reads it (its quotes
    its own) and, when it opens with a quote, the quoted part alone; each with the prefixes a program may carry
    dropped, an exec array joined, and with a closing bracket, brace or comma after it (a flow mapping's ``{shell:
    rm -rf /usr}``) taken off as well."""
    value = value.lstrip(" \t")
    if value[:1] == "{" and value[1:2] in _OPENING:
        value = value[1:].lstrip(" \t")  # (a value in braces; "{r,}m" is a brace expansion, kept)
    values = [value]
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        values.append(value[1:end] if end > 0 else value[1:])
    found: list[str] = []
    for candidate in values:
        command = _command_in(candidate)
        found.append(command)
        trimmed = command.rstrip(" \t,}]")
        if trimmed != command:
            found.append(trimmed)
    return found


def _command_in(value: str) -> str:
    value = value.lstrip(_PREFIXES + " \t")
    if value.startswith("["):
        array = _EXEC_ARRAY.match(value)
        if array is not None:
            items = [_unquoted_item(item) for item in array.group(1).split(",")[:_MAX_ARRAY_ITEMS]]
            return _shell.split_argv([item for item in items if item])
    return value


def _unquoted_item(item: str) -> str:
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in ("'", '"'):
        return item[1:-1]
    return item


def _zeroed(line: str) -> str:
    return _commands._as_zero(line.lower())


def _cleared_lines(lines: list[str]) -> set[str]:
    """The lines (lower-cased, digits read as 0) whose values cannot hold a deny-listed command: for text that
    :func:`_values_clean` could not clear as a whole (it has operators, as XML, SQL, program code and scripts do),
    each distinct line by :func:`_line_clean`. Generated text repeats its lines with other numbers, so there are
    few to prove."""
    return {line for line in {_zeroed(line) for line in lines} if _line_clean(line)}


def _line_clean(line: str) -> bool:
    """True when no value read from ``line`` (lower-cased, digits read as 0) can hold a deny-listed command.

    The argument is :func:`_values_clean`'s, extended to operators. An operator only joins, separates, groups or
    redirects commands, and each of those needs a program named by a piece to do harm, but for three things:
    - a write to a device by redirection: refused when a word of the line is ``dev`` (``> /dev/sda``, ``cd /dev``);
    - a function that runs itself in a pipe or in the background: refused when the line has a parenthesis, a brace
      or the word ``function`` and a pipe or an ampersand (``:(){ :|:& }``, ``f() ( f|f& )``, ``function f while
      true; do f|f& done``);
    - text read from elsewhere: refused on ``$``, a backtick, a backslash or a NUL, and on a process substitution
      (``<(true) -rf /usr``: the analyser reads one in command position as any program);
    and two names the deny scan's fast paths let pass because they refuse pipes: ``at`` and ``batch`` run what they
    read (``tr x r <<< 'xm -rf /usr' | at now``). The ``dev`` and function checks read the line with its quotes
    removed, as bash does. Pieces are split at the operators too. The alias tables are looked for in the whole text
    by the caller (their names are case-sensitive)."""
    unquoted = line.replace('"', "").replace("'", "")  # (bash's quote removal: /de"v"/sda is /dev/sda)
    if _LINE_REFUSED.search(line) or _LINE_REFUSED.search(unquoted) or _DYNAMIC_WORD.search(line):
        return False
    if ("|" in line or "&" in line) and _GROUPING.search(unquoted):
        return False
    if "<(" in unquoted or ">(" in unquoted:
        return False  # a process substitution as the command word is read as any program
    pieces = set(line.translate(_SPLIT_AT_OPERATORS).split())
    if not _STDIN_RUNNERS.isdisjoint(pieces):
        return False
    return _commands._pieces_clean(_as_values_start(pieces), globs=False)


def _as_values_start(pieces: set[str]) -> set[str]:
    """``pieces`` (already split where a value starts) with each also taken as a value's first word would be: the
    prefixes a program may carry dropped, and its name, the last path component. What both proofs test names on."""
    pieces = pieces | {piece.lstrip(_PREFIXES) for piece in pieces if piece[:1] in _PREFIXES}
    pieces |= {piece.rstrip("/").rsplit("/", 1)[-1] for piece in pieces if "/" in piece}
    pieces.discard("")
    return pieces


def _values_clean(text: str) -> str | None:
    """The text's distinct lines (lower-cased, digits read as 0: what a glob or brace word is searched in) when no
    value :func:`value_commands` reads from ``text`` can hold a deny-listed command but for values on lines with a
    glob or a brace word (the caller reads those); None when that cannot be shown.

    The argument is the long-text pre-check's (``_commands._long_text_clean``): no character that makes the analyser
    run (single quotes and semicolons aside, which it reads), no ``$`` that expands, no mention of the alias tables,
    and no piece of the text that a deny rule or a program running its arguments could be named by. A value is a
    part of a line, so its words are pieces of the text, but for where it starts: after an ``=`` or ``:``, a comma
    or bracket of an exec array or a brace, and after the prefixes dropped before a program. The pieces here are
    split at those characters too (a command word's name, its last path component, comes after its last ``/`` and
    survives the split) and taken with those prefixes dropped, with the quotes removed (bash's quote removal:
    ``"r"m`` is ``rm``). Where a value is cut at its closing quote (``"rm -rf /usr"x``), only its last word may be
    missing from the pieces (joined with what follows the quote): a word no other word of the value runs, as the
    value's last word, cannot be a command that a deny rule finds with its arguments (every rule needs a name with
    arguments, or a pipe, redirection or background job, whose characters are refused above), and a program that
    runs its arguments has its own name among the pieces. What is left is a word that names a program without naming
    it: a glob or a brace expansion, which the caller reads value by value.
    """
    for char in _commands._HARD_CHARS:
        if char in text:
            return None
    if "$" in text and _commands._EXPANDING_DOLLAR.search(text):
        return None
    if _commands._writes_alias_table(text):
        return None
    distinct = "\n".join(set(_commands._as_zero(text.lower()).split("\n")))  # (a generated text: few lines)
    pieces = _as_values_start(set(distinct.translate(_SPLIT_DROPPING_QUOTES).split()))
    clean = _commands._pieces_clean(pieces, globs="*" in text or "?" in text or "[" in text)
    return distinct if clean else None
