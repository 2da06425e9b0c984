# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Terminal-safe rendering: the one way a string that came from a playbook, inventory, host or requester reaches a
person's screen.

Why one renderer at the output boundary rather than escaping at each call site: a task name, a requester, a host
name, an approval id pasted into a command line, a policy file's deny reason, a diff from a host, all end up in
tables, messages and errors, and one forgotten call site is enough for ``ESC[8m`` to hide text, OSC 52 to write the
operator's clipboard, or ``mallory ESC[2K ESC[1G alice`` to display as alice. Every ``praxis-gate`` command writes
through ``emit``, which renders the whole text; JSON output is ASCII already (``json.dumps`` escapes every control
character), so it passes unchanged and stays exact.

The rules (the HTML reports reuse ``unsafe_character``):
- C0 and C1 control characters, DEL, ESC: shown as ``\\x1b``-style escapes. In 8-bit terminals C1 ``\\x9b`` is a CSI
  on its own, so C1 counts as control too. A newline survives only where the caller says the line breaks are its
  own (``multiline=True``); everywhere else it is shown as ``\\n``, so a value cannot fake a line of output.
- Bidirectional controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM) are neutralised by showing
  them as escapes: text cannot be made to read backwards or be reordered around a name.
- Other invisible formatting characters (zero-width spaces and joiners, the BOM, soft hyphen, tag characters), line
  and paragraph separators, and lone surrogates (undecodable bytes) are shown as escapes too: what is on the screen
  is what is in the record.
- A run of more than four combining marks is cut back (the rest shown as escapes), so stacked marks cannot paint
  over neighbouring lines.

Colour is ours only: ``style`` wraps already-rendered text in one of the SGR sequences of ``STYLES``, and only when
the stream is a terminal and ``NO_COLOR`` is unset. Rendered text never holds an ESC of its own, so a hostile string
cannot forge or close one.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = [
    "RESET",
    "STYLES",
    "Column",
    "cell_width",
    "colour_enabled",
    "emit",
    "emit_json",
    "render",
    "shorten",
    "style",
    "table",
    "unified_diff_lines",
    "unsafe_character",
    "wrap",
]

# The only escape sequences praxis-gate itself writes (tests strip exactly these before looking for control bytes).
STYLES = {
    "added": "\x1b[32m",
    "removed": "\x1b[31m",
    "hunk": "\x1b[36m",
    "header": "\x1b[1m",
    "warning": "\x1b[33m",
}
RESET = "\x1b[0m"

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ESCAPE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_COMBINING = frozenset({"Mn", "Me"})
_MAX_COMBINING = 4
# Fast path: text made only of printable ASCII and common printable Latin-1 needs no per-character look.
_PLAIN = re.compile(r"[\x20-\x7e]*")


def unsafe_character(char: str) -> bool:
    """Whether ``char`` must be shown as an escape rather than as itself (control, escape, bidi, invisible)."""
    if " " <= char <= "~":
        return False
    return char in _BIDI or unicodedata.category(char) in _ESCAPE_CATEGORIES


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def render(value: object, *, multiline: bool = False, limit: int | None = None) -> str:
    """``value`` as text that is safe on a terminal: every unsafe character shown as a visible escape.

    ``limit`` bounds the result (in characters, an ellipsis included) after escaping, so an escape is never cut in
    half. Never raises: a value whose ``str()`` fails is shown as a placeholder.
    """
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        text = f"<unprintable {type(value).__name__}>"
    if _PLAIN.fullmatch(text) is not None:
        return text if limit is None or len(text) <= limit else text[: max(0, limit - 1)] + "\u2026"
    pieces = _pieces(text, multiline=multiline)
    if limit is None or sum(len(piece) for piece in pieces) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in pieces:  # whole pieces only: an escape is never cut in half
        if used + len(piece) > limit - 1:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + "\u2026"


def _pieces(text: str, *, multiline: bool) -> list[str]:
    """The rendering of each character of ``text`` (an escape, or the character itself)."""
    out: list[str] = []
    combining = 0
    for char in text:
        if char == "\n" and multiline:
            out.append(char)
            combining = 0
            continue
        if unsafe_character(char):
            out.append(_escape(char))
            combining = 0
            continue
        if unicodedata.category(char) in _COMBINING:
            combining += 1
            if combining > _MAX_COMBINING:
                out.append(_escape(char))
                continue
        else:
            combining = 0
        out.append(char)
    return out


def colour_enabled(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def style(rendered: str, name: str | None, stream: TextIO) -> str:
    """Wrap already-rendered text in one of our styles when ``stream`` shows colour."""
    if not name or not colour_enabled(stream):
        return rendered
    return f"{STYLES[name]}{rendered}{RESET}"


def emit(
    text: object = "",
    *,
    stream: TextIO | None = None,
    end: str = "\n",
    styled: str | None = None,
    multiline: bool = False,
) -> None:
    """Write ``text`` to ``stream`` (default stdout) through the renderer: the only way praxis-gate prints.

    One call is one line: a newline inside ``text`` (a task name with a line break that would fake a row of the
    table) is shown as ``\\n``. ``multiline`` keeps newlines, for text whose line breaks are ours alone (JSON, whose
    strings cannot hold a raw newline, and argparse's usage)."""
    target = stream if stream is not None else sys.stdout
    rendered = render(text, multiline=multiline)
    if styled:
        rendered = "\n".join(style(line, styled, target) for line in rendered.split("\n"))
    target.write(rendered + end)
    if end != "\n":
        target.flush()


def emit_json(value: Any, *, stream: TextIO | None = None, indent: int | None = 2, sort_keys: bool = False) -> None:
    """Machine-readable output, exact: ASCII JSON (every control character inside a string is a JSON escape), so
    the renderer passes it through unchanged."""
    emit(json.dumps(value, indent=indent, sort_keys=sort_keys, default=str, ensure_ascii=True), stream=stream,
         multiline=True)  # fmt: skip


def unified_diff_lines(diff: Any) -> list[tuple[str, str | None]]:
    """An Ansible task diff (a dict with ``before``/``after`` and their headers, or ``prepared`` text, or a list of
    those) as unified-diff lines, each with the style that marks it. Lines are not rendered yet: ``emit`` does.

    ``before``/``after`` that are not text (the file module reports a dict of attributes) are compared as sorted,
    indented JSON, so a changed mode or owner still shows as one changed line."""
    lines: list[tuple[str, str | None]] = []
    for entry in diff if isinstance(diff, list) else [diff]:
        if not isinstance(entry, dict):
            lines.extend((line, None) for line in str(entry).splitlines())
            continue
        if entry.get("prepared"):
            lines.extend(_classified(str(entry["prepared"]).splitlines()))
            continue
        before, after = _diff_text(entry.get("before")), _diff_text(entry.get("after"))
        name = str(entry.get("before_header") or entry.get("after_header") or "")
        delta = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"before: {entry.get('before_header') or name}".rstrip(": "),
            tofile=f"after: {entry.get('after_header') or name}".rstrip(": "),
            lineterm="",
        )
        lines.extend(_classified(delta))
    return lines


def _diff_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _classified(lines: Iterable[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for line in lines:
        if line.startswith(("+++", "---")):
            out.append((line, "header"))
        elif line.startswith("@@"):
            out.append((line, "hunk"))
        elif line.startswith("+"):
            out.append((line, "added"))
        elif line.startswith("-"):
            out.append((line, "removed"))
        else:
            out.append((line, None))
    return out


# ------------------------------------------------------------------------------------------------ widths and tables
def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (East Asian) characters take two, combining marks none."""
    if _PLAIN.fullmatch(text):
        return len(text)
    width = 0
    for char in text:
        if unicodedata.category(char) in _COMBINING:
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _cut(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits ``width`` columns."""
    used = 0
    for index, char in enumerate(text):
        used += cell_width(char)
        if used > width:
            return text[:index]
    return text


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns at a word boundary, with an ellipsis when anything was cut."""
    if cell_width(text) <= width:
        return text
    if width <= 1:
        return "\u2026"[:width]
    head = _cut(text, width - 1)
    space = head.rstrip().rfind(" ")
    if space >= max(1, (width - 1) // 2):  # cut at a word boundary unless that would lose most of the cell
        head = head[:space]
    return head.rstrip() + "\u2026"


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces; a word longer than a line is split."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if cell_width(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            rest = word
            while cell_width(rest) > width:
                piece = _cut(rest, width) or rest[:1]
                lines.append(piece)
                rest = rest[len(piece) :]
            line = rest
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Column:
    """A table column: ``width`` is its preferred width; ``flexible`` columns give way when the terminal is narrow,
    and the ``wraps`` column (at most one, the last) continues on following lines instead of being shortened."""

    name: str
    width: int
    flexible: bool = False
    wraps: bool = False


def table(columns: Sequence[Column], rows: Sequence[Sequence[object]], *, width: int) -> list[str]:
    """Rendered lines of a table that fits ``width`` columns: cells are rendered safe, then shortened at word
    boundaries, and the wrapping column wraps at word boundaries."""
    gap, least = 2, 6
    widths = [c.width for c in columns]
    fixed = sum(w for w, c in zip(widths, columns, strict=True) if not c.flexible) + gap * (len(columns) - 1)
    flexible = [i for i, c in enumerate(columns) if c.flexible]
    room = max(least * len(flexible), width - fixed)
    preferred = sum(widths[i] for i in flexible)
    if preferred > room:  # each flexible column gets its least width, the rest of the room in proportion
        spare = room - least * len(flexible)
        weights = sum(widths[i] - least for i in flexible) or 1
        for i in flexible:
            widths[i] = least + spare * (widths[i] - least) // weights
    elif flexible:  # room to spare: the wrapping column (else the last flexible one) takes it
        grow = next((i for i in flexible if columns[i].wraps), flexible[-1])
        widths[grow] += room - preferred
    lines = [_row([c.name.upper() for c in columns], widths, columns, header=True)[0]]
    for row in rows:
        lines.extend(_row([render(cell) for cell in row], widths, columns, header=False))
    return lines


def _row(cells: Sequence[str], widths: Sequence[int], columns: Sequence[Column], *, header: bool) -> list[str]:
    first: list[str] = []
    continuation: list[str] = []
    indent = 0
    for index, (cell, width, column) in enumerate(zip(cells, widths, columns, strict=True)):
        if column.wraps and not header:
            pieces = wrap(cell, width)
            first.append(pieces[0])
            continuation = pieces[1:]
            indent = sum(widths[:index]) + 2 * index
            continue
        text = shorten(cell, width)
        first.append(text + " " * (width - cell_width(text)))
    line = "  ".join(first).rstrip()
    return [line, *(" " * indent + piece for piece in continuation)]
