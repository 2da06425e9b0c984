# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simple commands: prefix assignments, wrapper stripping, and the dispatch of each command bash would run.

A collected command (``_Cur``) is expanded into its argv variants. Each is stripped of the wrappers that run their
operands (``sudo``, ``env``, ``nice``, ``timeout``, ...: ``WRAPPERS``), recorded (``_emit``) and handed to what its
name does (``_special``, defined by the special-commands layer). A command word that is not statically known is also
analysed as what it may be: nothing (``$SUDO rm -rf /`` runs ``rm``), its default (``${CMD:-rm}``), or a shell
given ``-c``; a name the text renamed is analysed once more as each program it may run.
"""

from __future__ import annotations

from ._base import _Cur
from ._expansion import _Field, _static, _unknown
from ._files import _basename, _Files
from ._lexer import _ASSIGN, _NAME, _Lexer
from ._results import Redirect, _Cmd
from ._state import _Alt, _State
from ._vocabulary import (
    _DECL_BUILTINS,
    _MAX_COMMANDS,
    _MAX_VARIANTS,
    _SUDO_LIKE,
    ALIAS_ARRAYS,
    ALIAS_ARRAYS_RE,
    WRAPPERS,
)


def _may_take_code(option: str) -> bool:
    """A short option cluster ending in ``c`` (``-c``, ``-lc``): after an unknown command, what may be a shell's
    command string follows it."""
    return option.startswith("-") and not option.startswith("--") and option.endswith("c")


def _long_name(key: str, names: frozenset[str]) -> str:
    """The long option ``key`` stands for: itself, or the one long option it abbreviates (getopt_long accepts
    ``--comm`` for ``--command``). ``names``: the long options taking a value, and the flags that share a prefix
    with one of them marked with a leading ``+`` (``+--start`` beside ``--startas``)."""
    if key in names or "+" + key in names or len(key) < 4:
        return key
    matches = [name.lstrip("+") for name in names if name.lstrip("+").startswith(key)]
    return matches[0] if len(matches) == 1 else key


def _getopt(
    fields: list[_Field], short_value: str, long_value: frozenset[str], *, permute: bool, start: int = 1
) -> tuple[list[tuple[str, _Field | None]], list[int]]:
    """Options and operands of a program that parses its arguments with getopt_long: short options clustered
    (``-qc CMD``), a value attached (``-cCMD``) or in the next word, ``--long=value`` or ``--long value``,
    abbreviated long options, and ``--`` ending the options. ``permute``: options may follow operands (GNU
    getopt's default); otherwise the first operand ends them (``+`` in the option string). Returns the options as
    (name, value field or None) and the indexes of the operands. A word whose value is not statically known is an
    operand (the caller rounds it up)."""
    opts: list[tuple[str, _Field | None]] = []
    operands: list[int] = []
    n = len(fields)
    k = start
    while k < n:
        f = fields[k]
        t = f.text
        if f.empty is not None or t == "-" or not t.startswith("-"):
            operands.append(k)
            k += 1
            if not permute:
                operands.extend(range(k, n))
                break
            continue
        if t == "--":
            operands.extend(range(k + 1, n))
            break
        if t.startswith("--"):
            key, eq, value = t.partition("=")
            key = _long_name(key, long_value)
            if eq:
                opts.append((key, _Field(value, None, f.glob, f.srcs, f.proc)))
            elif key in long_value and k + 1 < n:
                opts.append((key, fields[k + 1]))
                k += 1
            else:
                opts.append((key, None))
            k += 1
            continue
        j = 1
        while j < len(t):
            letter = t[j]
            if letter in short_value:
                rest = t[j + 1 :]
                if rest:
                    opts.append(("-" + letter, _Field(rest, None, f.glob, f.srcs, f.proc)))
                elif k + 1 < n:
                    opts.append(("-" + letter, fields[k + 1]))
                    k += 1
                else:
                    opts.append(("-" + letter, None))
                break
            opts.append(("-" + letter, None))
            j += 1
        k += 1
    return opts, operands


class _SimpleCommands(_Files):
    """The layer that turns a collected command into the commands it runs, wrappers stripped."""

    # ---------------- commands ----------------
    def _execute(self, cur: _Cur) -> int:
        words = cur.words
        k = 0
        while k < len(words):
            m = words[k].assignment()
            if m is None:
                break
            k += 1
        assigns = words[:k]
        cmd_words = words[k:]
        redirects, stdin = self._redirects(cur.redirs) if cur.redirs else ((), None)
        if not cmd_words:
            for w in assigns:
                m = w.assignment()
                if m is not None:
                    self._assign_word(w, m)
            if redirects:
                self._emit([], "", (), redirects, stdin)
                return len(self.out.cmds) - 1
            return -1
        env_over: dict[str, list[_Alt]] = {}
        for w in assigns:
            m = w.assignment()
            if m is not None:
                saved = self.state.vars.get(m.group(1))
                self._assign_word(w, m)
                env_over[m.group(1)] = self.state.vars.get(m.group(1), [])
                if saved is None:
                    self.state.vars.pop(m.group(1), None)
                else:
                    self.state.vars[m.group(1)] = saved
        first = cmd_words[0].literal()
        if first in _DECL_BUILTINS:
            for w in cmd_words[1:]:
                m = w.assignment()
                if m is not None:
                    self._assign_word(w, m)
                elif first in ("local", "declare", "typeset") and (lit := w.literal()) and _NAME.fullmatch(lit):
                    self.state.vars[lit] = [("", None, ())]  # a new local starts empty
                else:
                    # A declaration builtin reads its operands as assignments when it runs, quoted ones too
                    # (``declare 'BASH_ALIASES[ls]=rm -rf /'``): what that writes into the alias table counts.
                    for fields in self._expand(w)[:1]:
                        text = " ".join(f.text for f in fields)
                        target, eq, value = text.partition("=")
                        array, bracket, key = target.partition("[")
                        if eq and bracket and array in ALIAS_ARRAYS and key.endswith("]"):
                            self.alias_entry(array, key[:-1], value)
        per_word = [self._expand(w) for w in cmd_words]
        variants: list[list[_Field]] = [[]]
        for alts in per_word:
            if len(alts) == 1:
                for v in variants:
                    v.extend(alts[0])
                continue
            variants = [v + a for v in variants for a in alts]
            if len(variants) > _MAX_VARIANTS:
                self.out.uncertain = True
                variants = variants[:_MAX_VARIANTS]
        main = -1
        wrappers = ("time",) if cur.time else ()
        for fields in variants:
            idx = self._dispatch(fields, redirects, stdin, wrappers=wrappers, env_over=env_over, origin=self.origin)
            if main < 0:
                main = idx
        return main

    def _emit(
        self,
        fields: list[_Field],
        name: str,
        wrappers: tuple[str, ...],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        *,
        origin: str | None = None,
        cwds: tuple[str | None, ...] | None = None,
        dynamic: bool = False,
    ) -> _Cmd | None:
        out = self.out
        if len(out.cmds) >= _MAX_COMMANDS:
            out.uncertain = True
            return None
        c = _Cmd()
        c.argv = tuple([f.text for f in fields])
        c.empty_forms = tuple([f.empty for f in fields])
        c.name = name
        c.wrappers = self.wrap + wrappers
        c.redirects = redirects
        c.cwds = cwds if cwds is not None else self.state.cwds
        c.dynamic_name = dynamic
        c.origin = origin or self.origin
        c.function = self.levels[-1].fname if self.levels else self.fname
        c.stdin = stdin
        c.feeds_code = self.feeds
        out.cmds.append(c)
        return c

    def _dispatch(
        self,
        fields: list[_Field],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        *,
        wrappers: tuple[str, ...],
        env_over: dict[str, list[_Alt]],
        origin: str,
    ) -> int:
        """Strip wrappers, emit the command, then analyse whatever it runs. Returns the emitted command's index."""
        wraps = list(wrappers)
        cwds: tuple[str | None, ...] | None = None
        rounds = 0
        while fields and rounds < 64:
            rounds += 1
            f0 = fields[0]
            if f0.empty is not None or f0.glob:
                break
            name = _basename(f0.text)
            if name not in WRAPPERS or self._programs(f0):
                break
            stripped = self._strip_wrapper(name, fields, env_over)
            if stripped is None:
                break
            rest, cwd_change = stripped
            if not rest:
                break
            if cwd_change is not None:
                cwds = cwd_change
            wraps.append(name)
            fields = rest
        if fields and not self.out.aliased and any(ALIAS_ARRAYS_RE.search(f.text) for f in fields):
            self.out.aliased = True  # a word that names the alias table or the command hash once expanded
        if fields and origin != "renamed":
            # A command word the text earlier made another program's name (a link or copy of a program,
            # ``hash -p``) may run that program: the command is analysed once more as each program it may be.
            # After a write into the alias table or the command hash the gate could not follow, any name may run
            # any program.
            programs = self._programs(fields[0])
            if self.out.aliased and "" not in programs:
                programs = [*programs, ""]
            for program in programs:
                first = _static(program) if program else _unknown(fields[0].text)
                self._dispatch(
                    [first, *fields[1:]], redirects, stdin, wrappers=tuple(wraps), env_over=env_over, origin="renamed"
                )
        return self._dispatch_stripped(
            fields, redirects, stdin, wraps, cwds, wrappers=wrappers, env_over=env_over, origin=origin
        )

    def _dispatch_stripped(
        self,
        fields: list[_Field],
        redirects: tuple[Redirect, ...],
        stdin: str | None,
        wraps: list[str],
        cwds: tuple[str | None, ...] | None,
        *,
        wrappers: tuple[str, ...],
        env_over: dict[str, list[_Alt]],
        origin: str,
    ) -> int:
        if not fields:
            cmd = self._emit([], "", tuple(wraps), redirects, stdin, origin=origin, cwds=cwds)
            return len(self.out.cmds) - 1 if cmd else -1
        f0 = fields[0]
        dynamic = f0.empty is not None or f0.glob or f0.proc
        name = "" if f0.empty is not None else _basename(f0.text)
        cmd = self._emit(fields, name, tuple(wraps), redirects, stdin, origin=origin, cwds=cwds, dynamic=dynamic)
        if cmd is None:
            return -1
        index = len(self.out.cmds) - 1
        if dynamic:
            self._mark_feeds(fields[:1])
            for k in range(1, min(len(fields) - 1, 6)):
                # ``$SHELL -c '...'``, ``$(which bash) -lc '...'``: the unknown command may be a shell.
                if _may_take_code(fields[k].text) and fields[k].empty is None:
                    self.nested(fields[k + 1].text, "sh -c", state=self._child_state(env_over, cwds), wrap=tuple(wraps))
                    break
            if f0.empty == "" and not f0.proc and len(fields) > 1:
                # ``$SUDO rm -rf /``: an unknown word that may expand to nothing leaves the rest as the command.
                self._dispatch(
                    fields[1:], redirects, stdin, wrappers=(*wrappers, "$"), env_over=env_over, origin=origin
                )
            if f0.empty and not f0.glob and not f0.proc:
                # ``${CMD:-rm}``: the value-if-unset is one of the commands this may run.
                self._dispatch(
                    [_static(f0.empty), *fields[1:]],
                    redirects,
                    stdin,
                    wrappers=wrappers,
                    env_over=env_over,
                    origin=origin,
                )
            return index
        if f0.srcs:
            self._mark_feeds(fields[:1])  # ``$(echo cm0= | base64 -d)``: substitution output names the command
        try:
            self._special(cmd, name, fields, stdin=stdin, env_over=env_over, wraps=tuple(wraps), cwds=cwds)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):  # a handler bug must not hide the rest
            self.out.uncertain = True
        return index

    def _strip_wrapper(
        self, name: str, fields: list[_Field], env_over: dict[str, list[_Alt]]
    ) -> tuple[list[_Field], tuple[str | None, ...] | None] | None:
        short_val, long_val, npos = WRAPPERS[name]
        if npos < 0:  # ``runcon CONTEXT cmd`` / ``runcon -t TYPE cmd``: the context is an operand only alone
            npos = 0 if len(fields) > 1 and fields[1].text.startswith("-") else 1
        cwd: tuple[str | None, ...] | None = None
        if name == "command" and len(fields) > 1 and fields[1].text in ("-v", "-V"):
            return None
        if name in ("busybox", "toybox") and len(fields) > 1 and fields[1].text.startswith("-"):
            return None
        k = 1
        n = len(fields)
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None:
                break
            if t == "--":
                k += 1
                break
            if name in ("env", "doas", "run0", *_SUDO_LIKE) and _ASSIGN.match(t) and not t.startswith("-"):
                m = _ASSIGN.match(t)
                if m is None:  # matched on the line above
                    raise RuntimeError("an assignment word stopped matching")
                env_over[m.group(1)] = [(t[m.end() :], None, ())]
                self._command_env(m.group(1), env_over[m.group(1)])
                k += 1
                continue
            if t.startswith("-") and len(t) > 1 and name not in ("busybox", "toybox"):
                if t.startswith("--"):
                    key, eq, val = t.partition("=")
                    if not eq and key in long_val:
                        val = fields[k + 1].text if k + 1 < n else ""
                        k += 1
                    if key in ("--chdir", "--working-directory"):
                        cwd = self._dir_after(val)
                    elif key == "--split-string":
                        return self._split_string(val) + fields[k + 1 :], cwd
                    elif key in ("--login",) and name in _SUDO_LIKE:
                        cwd = (None,)
                    k += 1
                    continue
                j = 1
                while j < len(t):
                    opt = "-" + t[j]
                    if name in _SUDO_LIKE and t[j] in "elvkK":
                        return None  # sudoedit / list / validate: no command runs
                    if opt in short_val:
                        val = t[j + 1 :]
                        if not val:
                            val = fields[k + 1].text if k + 1 < n else ""
                            k += 1
                        if (name in ("run0", *_SUDO_LIKE) and opt == "-D") or (name == "env" and opt == "-C"):
                            cwd = self._dir_after(val)
                        elif name == "env" and opt == "-S":
                            return self._split_string(val) + fields[k + 1 :], cwd
                        break
                    if name in _SUDO_LIKE and opt == "-i":
                        cwd = (None,)
                    j += 1
                k += 1
                continue
            if npos:
                npos -= 1
                k += 1
                continue
            break
        return fields[k:], cwd

    def _split_string(self, text: str) -> list[_Field]:
        toks = _Lexer(text, self.out, self.depth).tokens()
        result: list[_Field] = []
        for t in toks:
            if t.word is not None:
                for fields in self._expand(t.word)[:1]:
                    result.extend(fields)
        return result

    def _child_state(self, env_over: dict[str, list[_Alt]], cwds: tuple[str | None, ...] | None) -> _State:
        child = self.state.copy()
        child.vars.update(env_over)
        child.pos = None
        child.calling = frozenset()
        child.errexit = False
        if cwds is not None:
            child.cwds = cwds
        return child

    def _special(
        self,
        cmd: _Cmd,
        name: str,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
        cwds: tuple[str | None, ...] | None,
    ) -> None:
        """What the command named ``name`` does beyond being recorded; defined by ``_SpecialCommands``."""
        raise NotImplementedError

    def _read_stdin_script(self, cmd: _Cmd, text: str) -> None:
        """Read ``text``, piped into ``cmd``, as a script in ``cmd.stdin_lang``; defined by ``_Languages``."""
        raise NotImplementedError
