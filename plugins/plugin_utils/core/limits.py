# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounds on what the gate reads from outside: files, JSON and YAML, checked before any parser sees the data.

Every reader of input someone else wrote (operator files, the audit log, approval tokens, store rows, command-line
JSON) goes through here, so that an input too large, too deep, or not a regular file at all becomes one kind of
error, ``InputRejected``, which each reader turns into its documented verdict (tampering, invalid input, a denial).
Why here and not in each reader: the failure modes are the parsers', not the readers'. ``json`` recurses once per
bracket and raises ``RecursionError`` at a depth that depends on the caller's stack; msgspec does the same; PyYAML
builds a graph whose aliases share nodes, so a 0.7 KB file expands to billions of nodes only when something walks
it (schema validation, serialisation); ``read_bytes()`` on ``/dev/zero`` never returns and ``open()`` on a FIFO
blocks until a writer appears. Each bound below is checked where it is cheap: the size on the open descriptor, the
depth on the bytes before parsing, the alias expansion while the YAML graph is composed.

Security constraints: SEC-3 (docs/security-constraints.yml).
"""

from __future__ import annotations

import itertools
import json
import operator
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import yaml

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_YAML_ALIAS_NODES",
    "MAX_YAML_DEPTH",
    "InputRejected",
    "bounded_lines",
    "json_depth_exceeds",
    "load_json",
    "load_yaml",
    "read_bounded",
]

MAX_JSON_DEPTH = 64  # deeper than any record, token or argument set the gate writes or accepts
MAX_YAML_DEPTH = 64
MAX_YAML_ALIAS_NODES = 10_000  # nodes that aliases may add on top of the document's own (merge keys included)


class InputRejected(ValueError):
    """An input outside its bounds (size, depth, alias expansion, file type). A ValueError, so that a reader that
    already treats unparseable input as damaged treats an unbounded one the same way."""


# Escapes pair a backslash with the byte after it, left to right, inside strings and out (as the parser reads them);
# each match is constant work, so removing them is linear whatever the input.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# What is not a bracket carries no structure; each bracket becomes a step: opening 2, closing 0 (so that the depth
# after the n-th bracket is the running sum minus n, summed at C speed by itertools).
_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_depth_exceeds(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests deeper than ``limit`` brackets, judged without parsing (so without recursion).

    Counting opening brackets bounds the depth from above, so ordinary records cost two ``count`` calls. Text with
    more brackets than the limit is reduced to its structure with C-speed steps only, because approval tokens and
    store values routinely hold hundreds of objects and a token-by-token scan in Python cost about 4 ms per 64 KiB
    token (six of them per redeemed task): escapes removed, the text between quotes dropped (brackets inside
    strings are not structure), every other byte but brackets deleted, and the running depth summed by
    ``itertools.accumulate``. Every step is linear whatever the input: no regular expression spans a string, which
    would backtrack on an unterminated one once per later quote. Text that is not JSON may be judged either way:
    the parser that follows rejects it anyway."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    outside_strings = b"".join(_ESCAPE.sub(b"", raw).split(b'"')[::2])
    steps = outside_strings.translate(_BRACKET_STEP, _NOT_BRACKET)
    if len(steps) <= limit:
        return False
    deepest: int = max(map(operator.sub, itertools.accumulate(steps), itertools.count(1)))
    return deepest > limit


def load_json(data: bytes | str, *, max_bytes: int, max_depth: int = MAX_JSON_DEPTH, what: str = "the input") -> Any:
    """Parse JSON within bounds; InputRejected when too large or too deep, ValueError when not JSON at all."""
    size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputRejected(f"{what} is larger than {_size(max_bytes)}")
    if json_depth_exceeds(data, max_depth):
        raise InputRejected(f"{what} nests deeper than {max_depth} levels")
    try:
        return json.loads(data)
    except RecursionError:  # pragma: no cover - the depth check comes first; kept as the backstop it is
        raise InputRejected(f"{what} nests too deeply to parse") from None


def read_bounded(path: Path | str, *, max_bytes: int, what: str, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; InputRejected for anything else, OSError when it
    cannot be opened.

    The open never blocks (``O_NONBLOCK``: a FIFO with no writer would otherwise hang the run) and never adopts a
    terminal (``O_NOCTTY``); the type and size are judged on the open descriptor (``fstat``), so a file swapped
    after a ``stat`` of its path is still caught; and at most ``max_bytes + 1`` bytes are read, so a file that grows
    while it is read, or a device that never ends (``/dev/zero``), is refused instead of filling memory."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputRejected(f"{what} {path} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise InputRejected(f"{what} {path} is larger than {_size(max_bytes)} ({info.st_size} bytes)")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise InputRejected(f"{what} {path} grew past {_size(max_bytes)} while it was read")
    return data


def bounded_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The lines of a file (without their newline), each at most ``limit`` bytes; None in place of a longer one,
    which is read through in chunks and never held whole (a multi-gigabyte line must not exhaust memory). A last
    line without a newline comes as it is."""
    while raw := handle.readline(limit + 1):
        if raw.endswith(b"\n"):
            yield raw[:-1]
        elif len(raw) <= limit:
            yield raw
        else:
            while (more := handle.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
            yield None


def load_yaml(
    text: str,
    *,
    max_depth: int = MAX_YAML_DEPTH,
    max_alias_nodes: int = MAX_YAML_ALIAS_NODES,
    what: str = "the document",
) -> Any:
    """``yaml.safe_load`` within bounds: nesting depth, and the nodes aliases add when expanded (a "billion laughs"
    file is refused while it is composed, before anything walks it). InputRejected for a bound, a recursive alias
    or a scalar Python cannot convert (an integer of 5,000 digits); yaml.YAMLError for bad syntax."""
    loader = _BoundedLoader(text, max_depth=max_depth, max_alias_nodes=max_alias_nodes, what=what)
    try:
        return loader.get_single_data()
    except RecursionError:  # pragma: no cover - the depth bound comes first; kept as the backstop it is
        raise InputRejected(f"{what} nests too deeply to parse") from None
    except ValueError as exc:  # int() past sys.get_int_max_str_digits(), and similar conversions
        if isinstance(exc, InputRejected):
            raise
        raise InputRejected(f"{what} holds a value that cannot be read: {exc}") from None
    finally:
        loader.dispose()


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer counts: each node once, each alias as the size of what it stands for.

    PyYAML composes an alias as a reference to the anchored node, so composition itself stays small; the expansion
    happens in whatever walks the result. Counting the expanded size while composing refuses the bomb before that
    walk. A node's expanded size is known when its composition ends (the count grew by exactly its subtree); an
    alias to a node still being composed is a recursive structure, which no policy needs and no walker survives."""

    def __init__(self, text: str, *, max_depth: int, max_alias_nodes: int, what: str) -> None:
        super().__init__(text)
        self._max_depth, self._max_alias_nodes, self._what = max_depth, max_alias_nodes, what
        self._depth = 0
        self._aliased = 0  # nodes added by expanding aliases
        self._counted = 0  # expanded nodes composed so far
        self._sizes: dict[int, int] = {}  # id(node) -> expanded size, for anchored nodes
        self._open: set[str] = set()  # anchors whose node is being composed

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML leaves its composer untyped
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise InputRejected(f"{self._what} has a recursive alias (*{event.anchor})")
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node), 1)
            self._aliased += size
            self._counted += size
            if self._aliased > self._max_alias_nodes:
                raise InputRejected(
                    f"{self._what} expands its aliases past {self._max_alias_nodes} nodes "
                    "(anchors and aliases that multiply, as in a 'billion laughs' file)"
                )
            return node
        self._depth += 1
        if self._depth > self._max_depth:
            raise InputRejected(f"{self._what} nests deeper than {self._max_depth} levels")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        start = self._counted
        self._counted += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)
        if anchor is not None:
            self._sizes[id(node)] = self._counted - start
        return node


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"
