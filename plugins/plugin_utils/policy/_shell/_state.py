# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the shell knows at a point of the text: variables, working directories, functions, aliases.

Each variable holds a bounded list of alternative values (``_Alt``), because where bash's behaviour has alternatives
that cannot be told apart statically (a value set in one branch only, a ``cd`` that may fail) every alternative is
kept. A value carries its "all unknowns empty" form and the commands that produced it, so the rules see both
``"$DIR"/`` and ``/``, and the producers of a value that becomes code are known. Nested code runs on a copy of the
state; an alias or function call runs on the caller's own.
"""

from __future__ import annotations

# One possible value: (text, empty form or None when static, ranges of out.cmds that produced it)
_Alt = tuple[str, str | None, tuple[tuple[int, int], ...]]


class _State:
    __slots__ = ("aliases", "arrays", "calling", "cwds", "dirstack", "errexit", "funcs", "pos", "vars")

    def __init__(self, cwd: str | None) -> None:
        self.vars: dict[str, list[_Alt]] = {}
        self.arrays: dict[str, list[_Alt]] = {}
        self.cwds: tuple[str | None, ...] = (cwd,)
        self.dirstack: list[tuple[str | None, ...]] = []
        self.funcs: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.pos: list[_Alt] | None = None
        self.errexit = False
        self.calling: frozenset[str] = frozenset()

    def copy(self) -> _State:
        new = _State(None)
        new.vars = dict(self.vars)
        new.arrays = dict(self.arrays)
        new.cwds = self.cwds
        new.dirstack = list(self.dirstack)
        new.funcs = dict(self.funcs)
        new.aliases = dict(self.aliases)
        new.pos = self.pos
        new.errexit = self.errexit
        new.calling = self.calling
        return new
