# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry points: analyse a text, or answer a plain command line without the analyser.

``_Analyzer`` is the whole analyser, its layers composed. ``analyze`` bounds the input, answers a plain line (most
command tasks, most argument values) with ``_plain_command``, whose result is fixed and held to the analyser's by
the tests, and otherwise runs the analyser on a fresh state and freezes what it found. ``analyzer_data`` is the
vocabulary for the ruleset fingerprint. ``mentions_alias_arrays`` says when a text may write bash's alias table in a
way no alias entry records, so that every command name is analysed as any program too.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import re

from ._control import _ControlFlow
from ._expansion import _has_glob
from ._files import _basename, _normpath
from ._results import ShellAnalysis, _Out, one_command_analysis, plain_command
from ._simple import _may_take_code
from ._special import _SpecialCommands
from ._state import _State
from ._vocabulary import _HANDLED_NAMES, _PLAIN_COMMAND, ALIAS_ARRAYS_RE, INTERPRETER_RE, _data


class _Analyzer(_ControlFlow, _SpecialCommands):
    """The analyser: control flow on top, then the commands known by name (with the runners and interpreters
    they route to), simple commands and wrappers, files, and expansion. One instance analyses one text at one
    depth; ``nested`` makes another for each string that becomes code."""


def _plain_command(text: str, cwd: str | None) -> ShellAnalysis | None:
    """The analysis of a plain command line (``uname -a``, ``cat /proc/loadavg``, a path glob given as an argument
    value) without running the analyzer, None for anything else. Most command tasks and argument values are such
    lines, and the analyzer's result for them is fixed: one simple command whose argv is the blank-separated words,
    its name dynamic when the first word is a glob (tests compare the two on generated lines)."""
    if _PLAIN_COMMAND.fullmatch(text) is None:
        return None
    words = text.split()
    first = words[0]
    name = _basename(first)
    if first in _HANDLED_NAMES or name in _HANDLED_NAMES or INTERPRETER_RE.fullmatch(name.lower()):
        return None
    dynamic = _has_glob(first)
    if dynamic and any(_may_take_code(w) for w in words[1:6]):
        return None  # ``/bin/*sh -c ...``: the analyzer reads the string as the code an unknown shell may run
    cwds = (_normpath(cwd) if cwd else None,)
    return one_command_analysis(plain_command(tuple(words), name, cwds[0], dynamic, cwds), text)


_CONTINUATION = re.compile(r"\\\r?\n")


def _normalise(text: str) -> str:
    return _CONTINUATION.sub("", text.replace("\x00", "")).replace("\r\n", "\n")


def analyzer_data() -> dict[str, object]:
    """The analyzer's tables (wrappers, interpreters, limits, ...) for the ruleset fingerprint."""
    return _data()


def analyze(text: str, *, cwd: str | None = None, max_bytes: int = 1_000_000, max_depth: int = 8) -> ShellAnalysis:
    """Analyse ``text`` as bash would parse it, without running anything. Never raises."""
    uncertain = False
    if len(text) > max_bytes:
        text = text[:max_bytes]
        uncertain = True
    if cwd is not None and not cwd.startswith("/"):
        cwd = None
    plain = None if uncertain else _plain_command(text, cwd)
    return plain if plain is not None else _run_analyzer(text, cwd=cwd, max_depth=max_depth, uncertain=uncertain)


def _run_analyzer(text: str, *, cwd: str | None, max_depth: int, uncertain: bool) -> ShellAnalysis:
    out = _Out(max_depth, limit=4 * len(text) + 262144)
    out.written_room = 2 * len(text) + 4096
    out.decoded_room = len(text) + 4096  # (a decoder can make no more text to read than the line holds)
    out.aliased = mentions_alias_arrays(text)  # (from the start: a loop runs its first lines again after a write)
    try:
        analyzer = _Analyzer(out, _State(_normpath(cwd) if cwd else None), 0, "top")
        analyzer.run(text.replace("\x00", ""))
        for key in sorted(out.appended):
            analyzer._record_written(out.files.get(key))
    except (RecursionError, MemoryError, ValueError, IndexError, KeyError, TypeError, AttributeError):
        out.uncertain = True
    cmds = tuple(c.freeze() for c in out.cmds)
    pipelines = tuple(tuple(cmds[i] for i in idxs if i < len(cmds)) for idxs in out.pipelines)
    return ShellAnalysis(
        commands=cmds,
        pipelines=pipelines,
        uncertain=uncertain or out.uncertain,
        text=_normalise(text),
        written=tuple(out.written),
    )


# The alias arrays (ALIAS_ARRAYS), or a BASH_ name built from an expansion.
_ALIAS_ARRAY_NAMES = re.compile(ALIAS_ARRAYS_RE.pattern + r"|BASH_[${]")


def mentions_alias_arrays(text: str) -> bool:
    """``text`` names bash's alias table or command hash (``BASH_ALIASES``, ``BASH_CMDS``), with its quotes and
    backslashes removed (``"BASH_C""MDS"``), or builds a ``BASH_`` name from an expansion (``BASH_$x``)."""
    if "ASH_" not in text:
        return False
    if "$'" in text:
        return True  # ANSI-C quoting may spell any letter of the name as an escape ($'\x42ASH_CMDS')
    bare = text.replace("\\", "").replace('"', "").replace("'", "")
    return _ALIAS_ARRAY_NAMES.search(bare) is not None
