# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A check-mode diff becomes two things and is then forgotten: a keyed digest and a redacted summary.

The digest is what convergence compares: "the drift is still present, and it is the same drift" means the same
digest from a new dry run. It is an HMAC under a key kept in the store (so every controller sharing the store
agrees, and a reader of the store cannot test guesses of a file's content against it) over the diff normalised to
one shape: modules report a list of dicts (copy, lineinfile, template) or one dict (file), and some headers name a
temporary file on the controller that differs on every run, so those are left out.

The summary is what people read: which file, which attributes changed from what to what, how many lines were added
and removed, and the first few changed lines, every value through the same redactor as the audit log and bounded.
Never the whole before/after body, never a module's output.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..policy.redact import redact_text, truncate

__all__ = ["combine_digests", "describe", "execution_digest", "normalise", "summarise"]

_DOMAIN = b"praxis.gatekeeper drift diff v1\n"
_KEPT = ("before_header", "before", "after", "prepared")  # after_header names a controller temp file: volatile
_MAX_ENTRIES = 20
_MAX_LINES = 8
_LINE_LIMIT = 160
_VALUE_LIMIT = 80
_DIFF_LIMIT = 4 * 1024 * 1024  # text beyond this is counted, not compared line by line
_WITHHELD = "<redacted: part of a secret that spans lines>"


def _plain(value: Any, depth: int = 0) -> Any:
    """A JSON value of plain types (Ansible hands over str subclasses and tagged values)."""
    if depth > 12:
        return "<nested too deep>"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return str(value)


def normalise(diff: Any) -> list[dict[str, Any]]:
    """One shape for every module's diff: a list of entries holding only the stable keys."""
    if diff is None or diff == "":
        return []
    entries = diff if isinstance(diff, list | tuple) else [diff]
    normalised: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            kept = {key: _plain(entry[key]) for key in _KEPT if key in entry and entry[key] not in (None, "")}
            if "before" in entry or "after" in entry:  # an empty side is information (a file to be created)
                kept.setdefault("before", _plain(entry.get("before")) or "")
                kept.setdefault("after", _plain(entry.get("after")) or "")
            if kept.keys() - {"before_header"}:  # a header alone (lineinfile's "file attributes") says nothing
                normalised.append(kept)
        elif entry not in (None, ""):
            normalised.append({"prepared": _plain(entry)})
    return normalised


def execution_digest(key: bytes, *, action: str, diff: Any) -> str:
    """Keyed digest of one execution's change: the action and its normalised diff."""
    blob = json.dumps({"action": action, "diff": normalise(diff)}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, default=str)  # fmt: skip
    return hmac.new(key, _DOMAIN + blob.encode("ascii"), hashlib.sha256).hexdigest()


def combine_digests(key: bytes, digests: Sequence[str]) -> str:
    """The digest of a task on a host: its executions' digests in order (a loop, a role included twice)."""
    blob = json.dumps(list(digests), separators=(",", ":")).encode("ascii")
    return hmac.new(key, _DOMAIN + b"task\n" + blob, hashlib.sha256).hexdigest()


def _redacted(text: str) -> str:
    return redact_text(text, limit=2 * len(text) + 1024)


class _Shown:
    """Changed lines as people may see them. The changes are found on the real lines (a changed secret is still a
    change); each shown line is redacted on its own, and shown only if the whole text, redacted at once, has that
    line too: a secret spanning lines (a PEM key) is recognised only whole, and its lines are then withheld."""

    def __init__(self, *texts: str) -> None:
        self._known = {line for text in texts for line in _redacted(text).splitlines()}
        self.lines: list[str] = []

    def add(self, mark: str, chunk: Sequence[str]) -> None:
        for line in chunk[: _MAX_LINES - len(self.lines)]:
            shown = _redacted(line)
            self.lines.append(f"{mark} " + (truncate(shown, _LINE_LIMIT) if shown in self._known else _WITHHELD))


def _text_change(before: str, after: str) -> dict[str, Any]:
    if "\x00" in before or "\x00" in after:
        return {"kind": "content", "note": "binary content differs"}
    if len(before) + len(after) > _DIFF_LIMIT:
        return {"kind": "content", "note": "the content differs (too large to compare line by line)"}
    old, new = before.splitlines(), after.splitlines()
    shown = _Shown(before, after)
    added = removed = 0
    # Opcodes, not unified-diff text: a removed line that itself starts with "--" must not read as a header.
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed, added = removed + (i2 - i1), added + (j2 - j1)
        shown.add("-", old[i1:i2])
        shown.add("+", new[j1:j2])
    change: dict[str, Any] = {"kind": "content", "added": added, "removed": removed, "lines": shown.lines}
    if not before:
        change["note"] = "would be created"
    elif not after:
        change["note"] = "would be emptied"
    elif not added and not removed:
        change["note"] = "line endings or a final newline differ"
    return change


def _is_header(rows: Sequence[str], index: int) -> bool:
    """A unified diff's file header: "--- a" then "+++ b", at the start or before a hunk ("@@")."""
    if not (rows[index].startswith("---") and rows[index + 1].startswith("+++")):
        return False
    return index == 0 or (index + 2 < len(rows) and rows[index + 2].startswith("@@"))


def _prepared_change(text: str) -> dict[str, Any]:
    """A diff a module rendered itself: its removed and its added lines (the +/- markers taken off before redaction,
    so they cannot read as part of a secret's shape)."""
    sides: dict[str, list[str]] = {"-": [], "+": []}
    rows = text[:_DIFF_LIMIT].splitlines()
    headers = {i for i in range(len(rows) - 1) if _is_header(rows, i)}
    for index, line in enumerate(rows):
        if index in headers or index - 1 in headers or not line.startswith(("+", "-")):
            continue  # a file header ("--- a", "+++ b", then a hunk); a removed line may start with "---" too
        sides[line[0]].append(line[1:])
    shown = _Shown("\n".join(sides["-"]), "\n".join(sides["+"]))
    shown.add("-", sides["-"])
    shown.add("+", sides["+"])
    return {"kind": "change", "added": len(sides["+"]), "removed": len(sides["-"]), "lines": shown.lines}


def _attribute_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    changed = {
        key: [
            redact_text(str(before.get(key)), limit=_VALUE_LIMIT),
            redact_text(str(after.get(key)), limit=_VALUE_LIMIT),
        ]
        for key in sorted(set(before) | set(after))
        if key != "path" and before.get(key) != after.get(key)
    }
    path = after.get("path") or before.get("path")
    change: dict[str, Any] = {"kind": "state" if "state" in changed else "attributes", "attributes": changed}
    if path:
        change["path"] = redact_text(str(path), limit=200)
    return change


def summarise(diff: Any, *, withheld: bool = False, path: str | None = None) -> list[dict[str, Any]]:
    """What differs, for people: bounded, redacted, and never a whole body. ``path`` names the file when the diff
    does not (a file to be created has no "before" header)."""
    if withheld:
        return [{"kind": "withheld", "note": "the task is no_log: what differs is not recorded"}]
    summary: list[dict[str, Any]] = []
    for entry in normalise(diff)[:_MAX_ENTRIES]:
        before, after = entry.get("before"), entry.get("after")
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            change = _attribute_change(before, after)
        elif "before" in entry or "after" in entry:
            before_text = before if isinstance(before, str) else json.dumps(before, sort_keys=True, default=str)
            after_text = after if isinstance(after, str) else json.dumps(after, sort_keys=True, default=str)
            change = _text_change(before_text, after_text)
        else:
            change = _prepared_change(str(entry.get("prepared", "")))
        header = entry.get("before_header") or path
        if header and "path" not in change:
            change["path"] = redact_text(str(header), limit=200)
        summary.append(change)
    if not summary:
        summary.append({"kind": "change", "note": "the module reports a change but shows no diff"})
        if path:
            summary[0]["path"] = redact_text(path, limit=200)
    return summary


def describe(summary: Sequence[Mapping[str, Any]], *, limit: int = 160) -> str:
    """One line for a table: ``/etc/motd: +1 -1 lines; mode 0644->0600``."""
    parts: list[str] = []
    for change in summary:
        where = f"{change['path']}: " if change.get("path") else ""
        if change.get("attributes"):
            attributes = ", ".join(f"{k} {v[0]}->{v[1]}" for k, v in change["attributes"].items())
            parts.append(where + attributes)
        elif "added" in change:
            note = f" ({change['note']})" if change.get("note") else ""
            parts.append(f"{where}+{change['added']} -{change['removed']} lines{note}")
        else:
            parts.append(where + str(change.get("note", "changes")))
    text = "; ".join(parts) or "changes"
    return text if len(text) <= limit else text[: limit - 3] + "..."
