# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Which language a ``shell``, ``raw`` or ``script`` task's text is in.

``shell`` and ``raw`` run their text as ``EXECUTABLE -c TEXT``; ``script`` runs its file with ``executable`` or, without
one, by its shebang. When that program is not a POSIX shell the text is not bash: ``os.system('rm -rf /srv')`` under
``executable: /usr/bin/python3`` is Python. So the text is handed to the rules as the command that really runs
(``python3 -c TEXT``, ``pwsh -c TEXT``), which the analyser and the readers judge by that interpreter's rules, and a
program the gate knows no rules for rounds the task up to T3 instead of being read as bash.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..core.models import Tier
from . import _shell
from ._shell._vocabulary import _CODE_OPTS

__all__ = ["EXECUTABLES_DATA", "route"]

Verdict = tuple[Tier, str]
_SCRIPT_ACTIONS = frozenset({"ansible.builtin.script"})
_TEXT_ACTIONS = frozenset({"ansible.builtin.shell", "ansible.builtin.raw"}) | _SCRIPT_ACTIONS
# Shells whose language is the one the analyser reads (POSIX sh and its supersets).
POSIX_SHELLS = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "pdksh", "lksh", "oksh", "posh", "yash", "rbash", "ksh93"}
    | {"busybox", "busybox-sh"}
)
# Programs with rules of their own (the analyser's interpreters, PowerShell): the option that takes inline code.
_OTHER_READERS = {"pwsh": "-c", "powershell": "-Command"}
_SHEBANG = re.compile(r"#![ \t]*(\S+)(?:[ \t]+(\S+))?")


def _program(executable: str) -> tuple[str, str] | None:
    """(path, base name) of the program an ``executable`` or shebang names (``/usr/bin/env python3`` is python3)."""
    words = executable.split()
    if not words:
        return None
    if words[0].rsplit("/", 1)[-1] == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not rest:
            return None
        words = rest
    return words[0], words[0].rsplit("/", 1)[-1]


def _inline(program: tuple[str, str], text: str) -> tuple[str | None, Verdict | None]:
    """The command line that runs ``text`` with ``program``, and a verdict when the gate has no rules for it."""
    path, name = program
    lower = name.lower()
    if lower in POSIX_SHELLS:
        return None, None
    if _shell.INTERPRETER_RE.fullmatch(lower):
        family = _shell.VERSION_SUFFIX.sub("", lower)
        letters = _CODE_OPTS.get(family, "")
        if letters:
            return _shell.split_argv([path, "-" + letters[0], text]), None
    if lower.removesuffix(".exe") in _OTHER_READERS:
        return _shell.split_argv([path, _OTHER_READERS[lower.removesuffix(".exe")], text]), None
    return _shell.split_argv([path, "-c", text]), (
        Tier.T3,
        f"the text runs under {name[:40]}, an interpreter the gate has no rules for (rounded up, not read as bash)",
    )


def route(
    action: str,
    args: Mapping[str, Any],
    local_files: Mapping[str, bytes | None],
    commands: Iterable[tuple[str, str | None]],
) -> tuple[list[tuple[str, str | None]], list[Verdict]]:
    """The command texts as the rules should read them, and the verdicts on programs without rules."""
    texts = list(commands)
    if action not in _TEXT_ACTIONS:
        return texts, []
    executable = args.get("executable")
    program = _program(executable) if isinstance(executable, str) and executable.strip() else None
    contents = {c.decode("utf-8", errors="replace") for c in local_files.values() if c is not None}
    routed: list[tuple[str, str | None]] = []
    verdicts: list[Verdict] = []
    for text, cwd in texts:
        is_script = action in _SCRIPT_ACTIONS and text in contents
        chosen = program
        if is_script and chosen is None:
            m = _SHEBANG.match(text)
            chosen = _program(" ".join(g for g in m.groups() if g)) if m else None
        elif action in _SCRIPT_ACTIONS and not is_script:
            chosen = None  # the script's path and arguments, not its code
        if chosen is None:
            routed.append((text, cwd))
            continue
        line, verdict = _inline(chosen, text)
        routed.append((line if line is not None else text, cwd))
        if verdict is not None:
            verdicts.append(verdict)
    return routed, verdicts


def _sorted(items: Sequence[str] | frozenset[str]) -> list[str]:
    return sorted(items)


EXECUTABLES_DATA: Mapping[str, object] = {
    "posix_shells": _sorted(POSIX_SHELLS),
    "other_readers": dict(sorted(_OTHER_READERS.items())),
    "text_actions": _sorted(_TEXT_ACTIONS),
    "shebang": _SHEBANG.pattern,
}
