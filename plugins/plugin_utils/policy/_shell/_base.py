# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One analysis frame: what every layer of the analyser shares, and how it goes down into nested code.

The analyser is built in layers, one module per thing it models, each a class extending the layers it calls:
``_Files`` (paths) extends ``_Expansion`` (words), ``_SimpleCommands`` (dispatch) extends ``_Files``,
``_Interpreters``, ``_Runners`` and ``_ControlFlow`` each extend ``_SimpleCommands``, ``_SpecialCommands`` extends
``_Runners`` and ``_Interpreters``, and ``_entry._Analyzer`` is ``_ControlFlow`` with ``_SpecialCommands``.
This base is the frame they all read: the output sink, the shell state, the depth and origin of the text, the
blocks open in it (``_Level``), the command being collected (``_Cur``), and ``nested``, the one way into a string
that becomes code. A layer calls only the layers below it; the two calls that go up (``run`` here, ``_special`` in
``_SimpleCommands``) are declared where they are called, so that each layer type-checks on its own, and defined by
the layer that owns them.
"""

from __future__ import annotations

from ._lexer import _Redir, _Word
from ._results import _Out
from ._scripts import INPUT
from ._state import _State

# Nested readings that run in the same shell (an exec there redirects what follows): the others are a new process.
_SAME_SHELL = frozenset({"function", "alias", "eval", "trap"})


class _Level:
    __slots__ = (
        "andor",
        "case_pat",
        "cmd_start",
        "cond",
        "coproc",
        "exec_fds",
        "fname",
        "func",
        "kind",
        "pipe",
        "piping",
        "saved_cond",
        "snapshot",
        "start_off",
    )

    def __init__(self, kind: str, cmd_start: int, fname: str) -> None:
        self.kind = kind
        self.cmd_start = cmd_start
        self.fname = fname
        self.exec_fds: dict[int, str] | None = None  # (the exec table to restore when a subshell closes)
        self.func = ""  # set when this block is the body of a function definition
        self.snapshot: _State | None = None
        self.start_off = 0
        self.pipe: list[tuple[int, int, int]] = []
        self.piping = False
        self.andor = False
        self.case_pat = False
        self.cond = False
        self.saved_cond = 0
        self.coproc = False  # the pipeline being read follows "coproc": it runs in the background


class _Cur:
    __slots__ = ("group_start", "main", "redirs", "time", "words")

    def __init__(self, group_start: int | None = None) -> None:
        self.words: list[_Word] = []
        self.redirs: list[_Redir] = []
        self.group_start = group_start
        self.time = False
        self.main = -1


class _AnalyzerBase:
    """The frame of one analysis level; see the module docstring. Never used on its own."""

    def __init__(
        self,
        out: _Out,
        state: _State,
        depth: int,
        origin: str,
        *,
        wrap: tuple[str, ...] = (),
        fname: str = "",
        feeds: bool = False,
    ) -> None:
        self.out = out
        self.state = state
        self.depth = depth
        self.origin = origin
        self.wrap = wrap
        self.fname = fname
        self.feeds = feeds
        self.cond = 0
        self.text = ""
        self.term = ";"
        self.levels: list[_Level] = []

    # ---------------- driving ----------------
    def nested(
        self,
        text: str,
        origin: str,
        *,
        state: _State | None = None,
        wrap: tuple[str, ...] = (),
        feeds: bool = False,
        fname: str | None = None,
    ) -> tuple[int, int]:
        """Analyse ``text`` one level deeper; returns the range of commands it produced."""
        start = len(self.out.cmds)
        if self.depth + 1 > self.out.max_depth:
            self.out.uncertain = True
            return start, start
        child = type(self)(
            self.out,
            state if state is not None else self.state.copy(),
            self.depth + 1,
            origin,
            wrap=wrap,
            fname=self.fname if fname is None else fname,
            feeds=feeds or self.feeds,
        )
        saved_fds = self.out.exec_fds
        child.run(text)
        if origin not in _SAME_SHELL:  # (another process: its exec redirections end with it)
            self.out.exec_fds = saved_fds
        return start, len(self.out.cmds)

    def nested_input(
        self, text: str, origin: str, *, state: _State | None = None, wrap: tuple[str, ...] = ()
    ) -> tuple[int, int]:
        """Analyse a command line a tool builds from its input (``INPUT``: ``s/.*/&/e``, a makefile's ``$(X)``,
        ``LESSOPEN``'s ``%s``). The shell parses the spliced text, so the input is code as well as words: it is
        analysed once more as an unknown command of its own."""
        if INPUT in text:
            text = text + "\n" + INPUT
        return self.nested(text, origin, state=state, wrap=wrap, fname="")

    def run(self, text: str) -> None:
        """Analyse ``text`` at this level; defined by the control-flow layer (``_ControlFlow``)."""
        raise NotImplementedError
