# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands the analyser knows by name: which handler a command gets, and the builtins that change the shell's state.

``_special`` is the one place that branches on a command's name, so the tests hold ``HANDLED_NAMES`` to the names
it compares with and keep each of them off the plain-command shortcut. Builtins that change the state are handled
here (``cd``, ``pushd``, ``popd``, ``unset``, ``read``, ``set``, ``alias``, ``hash -p``, copies and links); those that
run code (``eval``, ``source``, ``trap``, ``at``, ``sudo -s``) are followed here; shells, interpreters, the programs
that run a command line (``_COMMAND_RUNNERS``), the tools with a command language (``_LANGUAGES``) and the other
runners go to their layers; a call of a function or alias the text defined is re-analysed with its arguments.
"""

from __future__ import annotations

from ._expansion import _Field
from ._languages import _Languages
from ._lexer import _NAME, split_argv
from ._results import _Cmd
from ._runners import _Runners
from ._state import _Alt
from ._vocabulary import (
    _AWKS,
    _COMMAND_RUNNERS,
    _COPIERS,
    _HANDLED_NAMES,
    _LANGUAGES,
    _OPTION_COMMANDS,
    _PRIV_WRAPPERS,
    _READERS,
    INTERPRETER_RE,
    SHELLS,
)


def _read_target(words: list[str]) -> str | None:
    """The one variable ``read`` fills with a whole line: only ``-r``, ``-s``, ``-e``, ``-p PROMPT`` and ``-t
    SECONDS`` besides it (``-d``, ``-n``, ``-a``, ``-u`` and several names read something else), else None."""
    names: list[str] = []
    k = 0
    while k < len(words):
        word = words[k]
        if word in ("-p", "-t"):
            k += 2
            continue
        if word.startswith("-") and len(word) > 1 and set(word[1:]) <= set("rse"):
            k += 1
            continue
        if word.startswith("-") or not _NAME.fullmatch(word):
            return None
        names.append(word)
        k += 1
    return names[0] if len(names) == 1 else None


class _SpecialCommands(_Runners, _Languages):
    """The layer that gives each named command its meaning."""

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
        st = self.state
        args = fields[1:]
        if cmd.redirects or cmd.stdin is not None or self.out.exec_fds is not None:
            self._record_file(cmd)
        texts = [f.text for f in args]
        may_fail = self.term == "||" or (self.term not in ("&&", "|", "|&") and not st.errexit)
        if name == "hash" and "-p" in texts:
            k = texts.index("-p")
            for hashed in args[k + 2 :] if k + 1 < len(args) else ():
                if not hashed.text.startswith("-"):
                    self._rename(hashed, args[k + 1])
            return
        if name in _COPIERS:
            self._record_copies(name, args)
        if name in ("cd", "pushd", "chdir"):
            operands = [f for f in args if not (f.text.startswith("-") and len(f.text) > 1 and f.empty is None)]
            if name == "pushd":
                st.dirstack.append(st.cwds)
            if not operands:
                new: tuple[str | None, ...] = (None,)
            elif operands[0].empty is not None or operands[0].text == "-":
                new = (None,)
            else:
                new = self._dir_after(operands[0].text)
            self._set_cwd(new, may_fail=may_fail)
            return
        if name == "popd":
            st.cwds = st.dirstack.pop() if st.dirstack else (None,)
            return
        if name == "unset":
            for t in texts:
                if not t.startswith("-"):
                    st.vars[t] = [("", None, ())]
                    st.arrays.pop(t, None)
                    st.funcs.pop(t, None)
            return
        if name in _READERS or (name == "printf" and texts[:1] == ["-v"]):
            targets = texts[1:2] if name == "printf" else [t for t in texts if _NAME.fullmatch(t)]
            for t in targets:
                st.vars.pop(t, None)
                st.arrays.pop(t, None)
            line_read = _read_target(texts) if name == "read" and stdin is not None else None
            line = stdin.split("\n", 1)[0] if stdin is not None else ""
            raw = any(t.startswith("-") and "r" in t for t in texts)
            if line_read is not None and not self.cond and (raw or "\\" not in line):
                # ``read -r line <<< 'text'``: one name, a static line (what a later ``echo "$line"`` stores);
                # without -r a backslash escapes, and such a line stays unknown.
                st.vars[line_read] = [(line.strip(" \t"), None, ())]
            if name in ("mapfile", "readarray"):
                callback = _mapfile_callback(texts)
                if callback is not None:  # -C CODE: bash evaluates it for every quantum of lines read
                    self.nested(callback, "eval", state=self.state, wrap=wraps, fname=self.fname)
            return
        if name == "set":
            for t in texts:
                if t == "--":
                    st.pos = [(f.text, f.empty, f.srcs) for f in args[texts.index("--") + 1 :]]
                    break
                if t.startswith("-") and "e" in t[1:] and not t.startswith("--"):
                    st.errexit = True
                elif t.startswith("+") and "e" in t[1:]:
                    st.errexit = False
            if "errexit" in texts and "-o" in texts:
                st.errexit = True
            return
        if name == "alias":
            for t in texts:
                alias, eq, value = t.partition("=")
                if eq and _NAME.fullmatch(alias.replace("-", "_")):
                    st.aliases[alias] = value
            return
        if name in ("eval",):
            cmd.code = " ".join(texts)
            self._mark_feeds(args)
            self.nested(" ".join(texts), "eval", state=self.state, wrap=wraps, fname=self.fname)
            return
        if name in ("source", "."):
            target = args[0] if args else None
            if target is None or target.text in ("/dev/stdin", "-", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                if stdin is not None:
                    self.nested(stdin, "heredoc", state=self.state, wrap=wraps)
            elif target.proc or target.empty is not None:
                self._script_from(target, wraps, self.state)
            else:
                self._run_file(target.text, cmd, wraps, self.state)
            return
        if name in SHELLS or (name in ("busybox", "toybox") and texts[:1] in (["sh"], ["ash"])):
            self._shell(cmd, fields, stdin=stdin, env_over=env_over, wraps=wraps, cwds=cwds)
            return
        lower = name.lower()
        if INTERPRETER_RE.fullmatch(lower):
            self._interpreter(cmd, lower, fields, stdin, wraps)
            return
        if name in _AWKS:
            self._awk(cmd, fields, wraps)
            return
        if name in _COMMAND_RUNNERS:
            self._command_runner(cmd, name, fields, stdin=stdin, env_over=env_over, wraps=wraps, cwds=cwds)
            return
        if name in _LANGUAGES:
            self._language(cmd, name, fields, stdin, wraps)
            return
        if name == "find":
            self._find(cmd, fields, env_over, wraps)
            return
        if name == "xargs":
            self._xargs(cmd, fields, env_over, wraps)
            return
        if name in ("ssh", "dbclient"):
            self._option_commands("ssh", fields, wraps)
            self._ssh(cmd, fields, wraps)
            return
        if name == "trap":
            operands = [f for f in args if not f.text.startswith("-")]
            if len(operands) >= 2:
                self._mark_feeds(operands[:1])
                self.nested(operands[0].text, "trap", state=self.state.copy(), wrap=wraps)
            return
        if name in ("at", "batch"):
            if not any(f.text in ("-f", "-l", "-r", "-d", "-c") for f in args):
                cmd.stdin_code = True
                if stdin is not None:
                    cmd.code = stdin
                    self.nested(stdin, "heredoc", state=self._child_state(env_over, cwds), wrap=wraps)
            return
        if name == "parallel":
            self._parallel(fields, env_over, wraps)
            return
        if name in _OPTION_COMMANDS:
            self._option_commands(name, fields, wraps)
            if name != "git":
                return
        if (
            name in _PRIV_WRAPPERS
            and len(fields) > 1
            and any(f.text in ("-i", "-s", "--login", "--shell") for f in args)
        ):
            cmd.stdin_code = True
            if stdin is not None:
                cmd.code = stdin
                self.nested(stdin, "heredoc", state=self._child_state(env_over, cwds), wrap=(*wraps, name))
            return
        if name in ("pkexec", "run0", "doas") and len(fields) == 1:
            cmd.stdin_code = True
            return
        if "/" in fields[0].text and self._run_file(fields[0].text, cmd, wraps):
            return
        if name in st.aliases and name not in st.calling:
            body = st.aliases[name] + " " + split_argv(texts)
            saved = st.calling
            st.calling = saved | {name}
            self.nested(body, "alias", state=st, wrap=wraps)
            st.calling = saved
            return
        if name in st.funcs and name not in st.calling:
            saved_pos, saved_calling = st.pos, st.calling
            st.pos = [(f.text, f.empty, f.srcs) for f in args]
            st.calling = saved_calling | {name}
            self.nested(st.funcs[name], "function", state=st, wrap=wraps, fname=name)
            st.pos, st.calling = saved_pos, saved_calling
            return
        if name not in _HANDLED_NAMES:
            self._record_unknown_copies(args)


def _mapfile_callback(texts: list[str]) -> str | None:
    """The code ``mapfile``/``readarray`` evaluates (``-C CODE``, ``-CCODE``, in an option cluster ``-tC CODE``),
    read as getopt reads their options (``-d -n -O -s -u -c`` take a value); None when there is none."""
    k = 0
    while k < len(texts):
        word = texts[k]
        if word == "--" or not word.startswith("-") or word == "-":
            return None
        for at in range(1, len(word)):
            letter = word[at]
            if letter in "dnOsucC":
                value = word[at + 1 :] or (texts[k + 1] if k + 1 < len(texts) else None)
                if letter == "C":
                    return value
                if not word[at + 1 :]:
                    k += 1
                break
        k += 1
    return None
