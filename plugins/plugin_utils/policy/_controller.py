# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Controller paths: every spelling of a path on the controller, judged against the
gate's own files (state directory, keys, operator configuration, approver registry, installation).

A task on any connection can read or write controller files: ``fetch`` writes its ``dest`` there, ``copy``,
``template``, ``assemble``, ``unarchive`` and ``script`` read their ``src`` there, lookups read (and ``password``
writes) there. A playbook author spells such a path any way the action accepts: ``/./``, ``..``, ``//``,
percent-encoding in a ``file://`` URL, a symlink made by an earlier task. So a path is judged in every spelling it
can be reduced to: as written, URL-decoded, lexically normalised, and resolved through symlinks where it exists
(``resolve``, the only function here that touches the filesystem; the adapter and the gate call it, evaluate stays
pure and judges what they resolved).

Security constraints: SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import unquote

__all__ = ["protected_hit", "resolve", "spellings"]

_MAX_DECODE_ROUNDS = 4
_SPLIT = re.compile(r"[\s=,;'\"()\[\]{}]+")
# Compiled at import: a pattern compiled at its call site is compiled again in every forked worker.
_REPEATED_SLASHES = re.compile("/{2,}")


def spellings(text: str) -> Iterator[str]:
    """``text`` and every reduced spelling of it and of the paths inside it: URL-decoded (repeatedly, so ``%252E``
    is ``.``), without a ``file:`` scheme, and lexically normalised (``/./``, ``//``, ``..``)."""
    seen: set[str] = set()
    decoded = text
    for _repeat in range(_MAX_DECODE_ROUNDS):
        if decoded in seen:
            break
        seen.add(decoded)
        yield decoded
        following = unquote(decoded)
        if following == decoded:
            break
        decoded = following
    for variant in list(seen):
        for token in {variant, *_SPLIT.split(variant)}:
            path = _strip_scheme(token)
            if "/" not in path:
                continue
            normal = posixpath.normpath(path) if path.startswith("/") else path
            normal = _REPEATED_SLASHES.sub("/", normal)
            if normal not in seen:
                seen.add(normal)
                yield normal


def _strip_scheme(token: str) -> str:
    lowered = token.lower()
    if lowered.startswith("file://"):
        rest = token[len("file://") :]
        return rest if rest.startswith("/") else "/" + rest.partition("/")[2]  # file://host/path
    if lowered.startswith("file:"):
        return token[len("file:") :]
    return token


def protected_hit(texts: Iterable[str], protected: Sequence[str], names: Sequence[str]) -> str | None:
    """The protected path or gate file name that one spelling of one text reaches, else None.

    ``protected`` are absolute paths (a hit is the path itself or anything below it); ``names`` are the gate's file
    names, matched as substrings of every spelling (ambiguity rounds up)."""
    roots = [p.rstrip("/") for p in protected if p and p.rstrip("/")]
    for text in texts:
        for spelling in spellings(str(text)):
            for root in roots:
                if spelling == root or spelling.startswith(root + "/") or (root in spelling):
                    return root
            for name in names:
                if name in spelling:
                    return name
    return None


def resolve(path: str, *, base: str | None = None) -> str:
    """The absolute path ``path`` names on this controller: ``~`` expanded, joined onto ``base`` when relative,
    URL-decoded when given as a ``file:`` URL, and resolved through every symlink that exists on the way."""
    text = _strip_scheme(unquote(path)) if path.lower().startswith("file:") else path
    text = os.path.expanduser(text)
    if not os.path.isabs(text):
        text = os.path.join(base or os.getcwd(), text)
    return os.path.realpath(text)
