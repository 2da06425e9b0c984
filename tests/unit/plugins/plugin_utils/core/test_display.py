# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The terminal-safe renderer: every hostile string comes out with nothing a terminal would act on, printable text
comes out unchanged, and tables fit the width they are given."""

from __future__ import annotations

import io
import json

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.display import (
    RESET,
    STYLES,
    Column,
    cell_width,
    emit,
    emit_json,
    render,
    shorten,
    style,
    table,
    unified_diff_lines,
    unsafe_character,
    wrap,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile import HOSTILE, dangerous


@pytest.mark.parametrize("text", HOSTILE)
def test_every_hostile_string_renders_without_a_dangerous_character(text: str) -> None:
    for multiline in (False, True):
        shown = render(text, multiline=multiline)
        assert not [c for c in shown if dangerous(c) and not (multiline and c == "\n")], repr(shown)
        assert multiline or "\n" not in shown


@given(st.text())
@settings(max_examples=2000)
def test_any_text_renders_safe_and_rendering_is_idempotent(text: str) -> None:
    shown = render(text)
    assert not any(dangerous(c) for c in shown)
    assert render(shown) == shown


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Mn", "Me"))))
def test_printable_text_is_unchanged(text: str) -> None:
    assert render(text) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("mallory \x1b[2K\x1b[1G alice", "mallory \\x1b[2K\\x1b[1G alice"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("user\u202eecila", "user\\u202eecila"),
        ("\x9b2J", "\\x9b2J"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("caf\u00e9 \u65e5\u672c \u00a0nbsp", "caf\u00e9 \u65e5\u672c \u00a0nbsp"),
    ],
)
def test_escapes_are_visible_and_readable(text: str, shown: str) -> None:
    assert render(text) == shown


def test_newlines_survive_only_where_the_caller_owns_them() -> None:
    assert render("a\nb", multiline=True) == "a\nb"
    assert render("a\nb") == "a\\nb"
    assert not unsafe_character("a") and unsafe_character("\n") and unsafe_character("\u2066")


def test_combining_marks_are_cut_back() -> None:
    shown = render("z" + "\u0301" * 40)
    assert shown.count("\u0301") == 4 and shown.count("\\u0301") == 36


def test_limit_never_cuts_an_escape_in_half() -> None:
    assert render("\x1b" * 10, limit=7) == "\\x1b\u2026"
    assert render("ab\x1b" * 10, limit=9) == "ab\\x1bab\u2026"
    assert render("x" * 100, limit=10) == "x" * 9 + "\u2026"
    assert render("short\x1b", limit=100) == "short\\x1b"


def test_an_unprintable_object_is_a_placeholder() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert render(Hostile()) == "<unprintable Hostile>"


def test_emit_renders_and_json_stays_exact() -> None:
    out = io.StringIO()
    emit("task \x1b]52;c;x\x07 done", stream=out)
    assert out.getvalue() == "task \\x1b]52;c;x\\x07 done\n"
    out = io.StringIO()
    value = {"task": HOSTILE[1], "all": list(HOSTILE)}
    emit_json(value, stream=out)
    assert json.loads(out.getvalue()) == value
    assert out.getvalue().isascii() and "\x1b" not in out.getvalue()


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert style("x", "added", Tty()) == f"{STYLES['added']}x{RESET}"
    assert style("x", "added", io.StringIO()) == "x"
    monkeypatch.setenv("NO_COLOR", "1")
    assert style("x", "added", Tty()) == "x"


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("the quick brown fox", 30, "the quick brown fox"),
        ("the quick brown fox", 12, "the quick\u2026"),
        ("supercalifragilistic", 8, "superca\u2026"),
        ("\u65e5\u672c\u8a9e\u306e\u6587", 5, "\u65e5\u672c\u2026"),
    ],
)
def test_shorten_cuts_at_a_word_boundary(text: str, width: int, expected: str) -> None:
    assert shorten(text, width) == expected
    assert cell_width(shorten(text, width)) <= width


def test_wrap_breaks_at_spaces_and_splits_only_overlong_words() -> None:
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
    assert wrap("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]


AUDIT_COLUMNS = (
    Column("seq", 6),
    Column("event", 14, flexible=True),
    Column("host", 14, flexible=True),
    Column("action", 26, flexible=True),
    Column("tier", 4),
    Column("decision", 17),
    Column("status", 9),
    Column("reason", 60, flexible=True, wraps=True),
)
_cell = st.text(max_size=300) | st.sampled_from(HOSTILE) | st.just("approval_required")


@given(st.lists(st.lists(_cell, min_size=8, max_size=8), max_size=5), st.integers(min_value=74, max_value=240))
@settings(max_examples=300)
def test_tables_fit_the_width_and_hold_nothing_dangerous(rows: list[list[str]], width: int) -> None:
    for line in table(AUDIT_COLUMNS, rows, width=width):
        assert cell_width(line) <= width, (width, line)
        assert not any(dangerous(c) for c in line)


def test_a_long_reason_wraps_under_its_column_at_word_boundaries() -> None:
    reason = "T3 exceeds the guarded mode ceiling (T2): dest touches sudoers (/etc/sudoers.d/x) and more words"
    lines = table(AUDIT_COLUMNS, [["1", "decision", "web1", "ansible.builtin.copy", "T3", "refused", "", reason]],
                  width=100)  # fmt: skip
    assert len(lines) > 2
    start = lines[1].index("T3 exceeds")
    for line in lines[2:]:
        assert line[:start].strip() == "" and not line[start].isspace()
    words = " ".join(line.strip() if i else line[start:] for i, line in enumerate(lines[1:])).split()
    assert words == reason.split()


def test_unified_diff_lines_from_ansible_diffs() -> None:
    lines = unified_diff_lines({"before": "a\nb\n", "after": "a\nc\n", "before_header": "/f", "after_header": "/f"})
    assert ("-b", "removed") in lines and ("+c", "added") in lines and ("--- before: /f", "header") in lines
    assert unified_diff_lines({"prepared": "--- x\n+++ y\n@@ -1 +1 @@\n-a\n+b"})[2] == ("@@ -1 +1 @@", "hunk")
    assert unified_diff_lines("plain text") == [("plain text", None)]
    dicts = unified_diff_lines({"before": {"mode": "0644"}, "after": {"mode": "0600"}})
    assert ('-  "mode": "0644"', "removed") in dicts
