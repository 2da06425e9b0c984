# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounds every reader relies on: depth without recursion, size on the open descriptor, YAML aliases budgeted."""

from __future__ import annotations

import io
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.limits import (
    MAX_YAML_ALIAS_NODES,
    InputRejected,
    bounded_lines,
    json_depth_exceeds,
    load_json,
    load_yaml,
    read_bounded,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('ab"\\[]{}\n\u00e9'), max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4),
    max_leaves=60,
)


@settings(max_examples=400, deadline=None)
@given(_json, st.integers(min_value=0, max_value=8))
def test_the_depth_check_agrees_with_the_parsed_depth(value: Any, limit: int) -> None:
    """Brackets inside strings (escaped quotes, backslashes) are not structure; the check is exact on JSON."""
    text = json.dumps(value, ensure_ascii=False)
    assert json_depth_exceeds(text, limit) == (_depth(value) > limit)
    assert json_depth_exceeds(text.encode(), limit) == (_depth(value) > limit)


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_the_depth_check_never_recurses(depth: int) -> None:
    assert json_depth_exceeds("[" * depth + "]" * depth)
    assert json_depth_exceeds('{"a":' * depth + "1" + "}" * depth)
    with pytest.raises(InputRejected, match="nests deeper than 64 levels"):
        load_json("[" * depth + "]" * depth, max_bytes=10**8)


def test_an_unterminated_string_full_of_escaped_quotes_and_brackets_is_no_structure() -> None:
    """The input that makes a regular expression for strings backtrack once per quote (quadratic); the check reads
    it in linear steps."""
    assert json_depth_exceeds('"' + '\\"[' * 300_000) is False  # inside one string: no structure at all
    assert json_depth_exceeds('"a",' * 10 + "[" * 65) is True


# The reference: the scanner the check replaced, which reads the text token by token in Python (a run of other
# bytes, an escape pair, a lone backslash, a quote, a bracket) and keeps the running depth.
_REFERENCE_TOKEN = re.compile(rb'[^"\\\[\]{}]+|\\.|\\|["\[\]{}]', re.DOTALL)


def _reference_depth_exceeds(raw: bytes, limit: int) -> bool:
    depth, in_string = 0, False
    for match in _REFERENCE_TOKEN.finditer(raw):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or len(token) > 1 or token == b"\\":
            continue
        elif token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


# Anything at all, weighted to what the check reads: brackets, quotes and backslashes in any order, so malformed
# text (unbalanced, mismatched, closers first, unterminated strings, a trailing backslash) is most of it.
_structure_bytes = st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b",", b":", b"\xff", b"\n"]),
                            max_size=400).map(b"".join)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.one_of(_structure_bytes, st.binary(max_size=200)), st.integers(min_value=0, max_value=12))
def test_the_depth_check_is_the_token_scanner_on_any_bytes(raw: bytes, limit: int) -> None:
    """On every input, JSON or not, the C-speed reduction answers what the token scanner answered."""
    assert json_depth_exceeds(raw, limit) == _reference_depth_exceeds(raw, limit)


@pytest.mark.parametrize("seed", range(3))
def test_the_depth_check_is_the_token_scanner_on_generated_deep_and_wide_text(seed: int) -> None:
    """Long generated texts around the limit (depth limit-1 .. limit+1, many siblings, brackets hidden in strings and
    escapes, closers first): the same answers, and both answers occur (a positive control for each side)."""
    chooser = random.Random(seed)
    answers = []
    for _case in range(300):
        limit = chooser.randint(1, 70)
        depth = limit + chooser.choice([-1, 0, 1])
        parts = []
        for _part in range(chooser.randint(1, 30)):
            nest = chooser.randint(0, max(depth, 0))
            parts.append("[" * nest + chooser.choice(['"[{\\"]"', "1", '"\\\\"', "{}", "[]"]) + "]" * nest)
        text = chooser.choice(["", "]", '"', "\\"]) + ",".join(parts)
        raw = text.encode()
        answer = json_depth_exceeds(raw, limit)
        assert answer == _reference_depth_exceeds(raw, limit), text[:200]
        answers.append(answer)
    assert True in answers and False in answers


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(InputRejected, match="larger than 10 bytes"):
        load_json("[1, 2, 3, 4, 5]", max_bytes=10)
    assert load_json("[1]", max_bytes=10) == [1]
    with pytest.raises(json.JSONDecodeError):  # not JSON: the parser's own error, also a ValueError
        load_json("[1", max_bytes=10)


# ------------------------------------------------------------------------------------------------ files
def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.mkdir()


def _sparse_huge(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(1 << 30)


@pytest.mark.parametrize(
    ("make", "why"),
    [(_fifo, "a FIFO"), (_dev_zero, "a character device"), (_directory, "a directory"), (_sparse_huge, "larger")],
    ids=["fifo", "dev-zero", "directory", "sparse-1GiB"],
)
def test_read_bounded_refuses_at_once_what_is_not_a_small_regular_file(tmp_path: Path, make: Any, why: str) -> None:
    """Run in a child with a timeout: a FIFO read by an unbounded reader blocks forever, /dev/zero never ends."""
    path = tmp_path / "operator-file"
    make(path)
    code = (
        f"import sys; sys.path[:0] = {sys.path!r}\n"
        "from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.limits import read_bounded\n"
        f"read_bounded({str(path)!r}, max_bytes=1 << 20, what='the file')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "InputRejected" in done.stderr and why in done.stderr, done.stderr


def test_read_bounded_reads_a_regular_file_and_a_symlink_to_one(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_bytes(b"version: 1\n")
    (tmp_path / "link").symlink_to(path)
    assert read_bounded(path, max_bytes=11, what="x") == b"version: 1\n"
    assert read_bounded(tmp_path / "link", max_bytes=11, what="x") == b"version: 1\n"
    with pytest.raises(InputRejected, match="larger than 10 bytes"):
        read_bounded(path, max_bytes=10, what="x")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        read_bounded(tmp_path / "link", max_bytes=11, what="x", follow_symlinks=False)
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing", max_bytes=11, what="x")


# ------------------------------------------------------------------------------------------------ YAML
def _laughs(levels: int, width: int = 9) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * width)}]")
    return "\n".join(lines) + "\n"


def test_the_billion_laughs_is_refused_while_composing() -> None:
    text = _laughs(10)
    assert len(text) < 1024
    with pytest.raises(InputRejected, match="expands its aliases past"):
        load_yaml(text)


def test_aliases_within_the_budget_still_work() -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nfirst: *b\nsecond:\n  <<: *b\n  z: 3\n"
    assert load_yaml(text) == yaml.safe_load(text)
    assert load_yaml(_laughs(3)) == yaml.safe_load(_laughs(3))  # 9 + 81 + 729 aliased nodes: under the budget
    with pytest.raises(InputRejected):
        load_yaml(_laughs(5))  # 9 ** 5 nodes: over it
    assert 9**4 < MAX_YAML_ALIAS_NODES < 9**5


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a: &a [*a]\n", "recursive alias"),
        ("a: &a {b: *a}\n", "recursive alias"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper than 64 levels"),
        ("- " * 100 + "x\n", "nests deeper than 64 levels"),
        ("n: " + "9" * 5000 + "\n", "cannot be read"),
    ],
    ids=["recursive-sequence", "recursive-mapping", "deep-flow", "deep-block", "huge-integer"],
)
def test_yaml_that_no_walker_survives_is_refused(text: str, why: str) -> None:
    with pytest.raises(InputRejected, match=why):
        load_yaml(text)


def test_yaml_syntax_errors_stay_yaml_errors() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [\n")


# ------------------------------------------------------------------------------------------------ lines
def _expected_lines(data: bytes, limit: int) -> list[bytes | None]:
    """What bounded_lines must give: the newline-separated lines (a final newline ends the last line, it does not
    start an empty one), each longer than the limit replaced by None."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line if len(line) <= limit else None for line in lines]


class _Spy(io.BytesIO):
    """Records the largest piece any single readline handed out: the most of one line a reader ever holds."""

    largest = 0

    def readline(self, size: int | None = -1, /) -> bytes:
        piece = super().readline(size)
        self.largest = max(self.largest, len(piece))
        return piece


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.binary(max_size=12).map(lambda raw: raw.replace(b"\n", b"")), max_size=8),
    st.booleans(),
    st.integers(min_value=0, max_value=10),
)
def test_bounded_lines_gives_each_line_or_none_in_its_place(lines: list[bytes], terminated: bool, limit: int) -> None:
    data = b"\n".join(lines) + (b"\n" if terminated and lines else b"")
    assert list(bounded_lines(io.BytesIO(data), limit)) == _expected_lines(data, limit)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"\n", [b""]),
        (b"abcd\n", [b"abcd"]),  # exactly the limit, with its newline
        (b"abcd", [b"abcd"]),  # exactly the limit, last line without a newline
        (b"abcde\n", [None]),  # one byte over, with its newline
        (b"abcde", [None]),  # one byte over, at the end of the file
        (b"abcde\nab\n\nabcd", [None, b"ab", b"", b"abcd"]),  # the lines after a long one are read as they are
    ],
    ids=["empty", "blank", "at-limit", "at-limit-unterminated", "over", "over-unterminated", "after-a-long-one"],
)
def test_bounded_lines_at_the_edges(data: bytes, expected: list[bytes | None]) -> None:
    assert list(bounded_lines(io.BytesIO(data), 4)) == expected


@pytest.mark.parametrize("terminated", [True, False], ids=["line", "unterminated"])
def test_bounded_lines_reads_a_long_line_through_in_chunks(terminated: bool) -> None:
    """A line of 5 MiB under a limit of 1 KiB: skipped in pieces of at most 1 MiB, never held whole, and the record
    after it still comes out intact."""
    long_line = b"[" * (5 << 20)
    data = b"first\n" + long_line + (b"\nafter\n" if terminated else b"")
    handle = _Spy(data)
    assert list(bounded_lines(handle, 1024)) == ([b"first", None, b"after"] if terminated else [b"first", None])
    assert handle.largest <= 1 << 20
