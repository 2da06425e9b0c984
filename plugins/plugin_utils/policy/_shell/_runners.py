# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands that run other command lines: shells, ``su``, ``find -exec``, ``xargs``, ``ssh``, command-valued options.

Each handler reads its command's options the way the tool does, finds the string or argv it will run, and analyses
that one level deeper with the right origin, state and working directory: ``sh -c`` gets its positional parameters,
``su -`` starts in an unknown directory, ``find -exec`` puts its roots where ``{}`` is, ``xargs`` appends the words a
static producer pipes into it, ``ssh HOST CMD`` runs on a fresh state, ``tar --to-command=``, ``git -c
alias.x='!...'`` and ``ssh -o ProxyCommand=`` run their values. What a handler cannot see (a script on stdin from
elsewhere) is marked ``stdin_code`` for the rules. ``find_parts`` gives the rules find's roots and expression.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ._expansion import _Field, _static
from ._files import _basename
from ._output import _produced_text
from ._results import _Cmd
from ._simple import _SimpleCommands
from ._state import _Alt, _State
from ._vocabulary import (
    _COMMAND_CONFIG_KEYS,
    _FIND_EXEC,
    _FIND_NARROWING,
    _MAX_ALTS,
    _OPTION_COMMANDS,
    _SHELL_VALUE_OPTS,
    INTERPRETER_RE,
    SHELLS,
)


class _Runners(_SimpleCommands):
    """The layer that follows commands into the command lines they run."""

    def _shell(
        self,
        cmd: _Cmd,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
        cwds: tuple[str | None, ...] | None,
    ) -> None:
        k = 1
        if _basename(fields[0].text) in ("busybox", "toybox"):
            k = 2
        command_mode = False
        read_stdin = False
        errexit = False
        n = len(fields)
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None:
                break
            if t in ("--", "-"):
                k += 1
                break
            if t in _SHELL_VALUE_OPTS:
                k += 2
                continue
            if t.startswith("--"):
                k += 1
                continue
            if len(t) > 1 and t[0] in "-+":
                if t[0] == "-":
                    command_mode = command_mode or "c" in t[1:]
                    read_stdin = read_stdin or "s" in t[1:]
                    errexit = errexit or "e" in t[1:]
                    if t[-1] in "oO" and k + 1 < n:
                        k += 1
                k += 1
                continue
            break
        child = self._child_state(env_over, cwds)
        child.errexit = errexit
        if command_mode:
            if k >= n:
                return
            script = fields[k]
            cmd.code = script.text
            self._mark_feeds([script])
            child.pos = [(f.text, f.empty, f.srcs) for f in fields[k + 2 :]]
            self.nested(script.text, "sh -c", state=child, wrap=wraps, fname="")
            return
        if k < n and not read_stdin:
            target = fields[k]
            if target.proc or target.empty is not None:
                self._script_from(target, wraps, child)
                if target.empty is not None and not target.proc:
                    cmd.stdin_code = True
            elif target.text in ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                if stdin is not None:
                    cmd.code = stdin
                    self.nested(stdin, "heredoc", state=child, wrap=wraps, fname="")
            else:
                self._run_file(target.text, cmd, wraps, child)
            return
        cmd.stdin_code = True
        if stdin is not None:
            cmd.code = stdin
            origin = "here-string" if any(r.op == "<<<" for r in cmd.redirects) else "heredoc"
            self.nested(stdin, origin, state=child, wrap=wraps, fname="")

    def _su(
        self,
        cmd: _Cmd,
        name: str,
        fields: list[_Field],
        *,
        stdin: str | None,
        env_over: dict[str, list[_Alt]],
        wraps: tuple[str, ...],
    ) -> None:
        wraps = (*wraps, name)
        n = len(fields)
        k = 1
        login = False
        command: _Field | None = None
        positional: list[_Field] = []
        while k < n:
            f = fields[k]
            t = f.text
            if t in ("-c", "--command", "--session-command"):
                if k + 1 < n:
                    command = fields[k + 1]
                k += 2
                continue
            if t.startswith(("--command=", "--session-command=")):
                command = _Field(t.partition("=")[2], f.empty and f.empty.partition("=")[2], False, f.srcs, False)
                k += 1
                continue
            if name == "runuser" and t in ("-u", "--user") and k + 1 < n:
                rest = fields[k + 2 :]
                if rest and rest[0].text == "--":
                    rest = rest[1:]
                if rest:
                    self._dispatch(list(rest), (), stdin, wrappers=wraps, env_over=env_over, origin="runuser")
                return
            if name == "sg" and k == 2 and command is None and not t.startswith("-"):
                command = f
                k += 1
                continue
            if t in ("-", "-l", "--login"):
                login = True
            elif t in ("-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"):
                k += 2
                continue
            elif not t.startswith("-"):
                positional.append(f)
            k += 1
        child = self._child_state(env_over, (None,) if login else None)
        if command is not None:
            self._mark_feeds([command])
            cmd.code = command.text
            self.nested(command.text, f"{name} -c", state=child, wrap=wraps, fname="")
            return
        cmd.stdin_code = True
        if stdin is not None:
            cmd.code = stdin
            self.nested(stdin, "heredoc", state=child, wrap=wraps, fname="")

    def _find(self, cmd: _Cmd, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        first, k, narrowed = _find_layout([f.text for f in fields], [f.empty for f in fields])
        roots = list(fields[first:k]) or [_static(".")]
        while k < n:
            t = fields[k].text
            if t in _FIND_EXEC:
                j = k + 1
                while j < n and fields[j].text not in (";", "+"):
                    j += 1
                inner = fields[k + 1 : j]
                k = j + 1
                if not inner:
                    continue
                for root in roots[:_MAX_ALTS]:
                    value = root.text.rstrip("/") + "/{}" if narrowed else root.text
                    replaced = [
                        _Field(
                            f.text.replace("{}", value),
                            (f.empty or f.text).replace("{}", value)
                            if (f.empty is not None or root.empty is not None)
                            else None,
                            f.glob,
                            f.srcs,
                            f.proc,
                        )
                        if "{}" in f.text
                        else f
                        for f in inner
                    ]
                    origin = "find -execdir" if t in ("-execdir", "-okdir") else "find -exec"
                    self._dispatch(replaced, (), None, wrappers=wraps, env_over=env_over, origin=origin)
                continue
            k += 1

    def _xargs(self, cmd: _Cmd, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        k = 1
        replace: str | None = None
        value_opts = (
            "-I",
            "-n",
            "-P",
            "-L",
            "-s",
            "-d",
            "-E",
            "-e",
            "-a",
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--max-lines",
            "--max-chars",
            "--eof",
            "--replace",
            "--process-slot-var",
        )
        while k < n:
            t = fields[k].text
            if t == "--":
                k += 1
                break
            if not t.startswith("-") or len(t) == 1:
                break
            if t in value_opts:
                if t in ("-I", "--replace") and k + 1 < n:
                    replace = fields[k + 1].text
                k += 2
                continue
            if t.startswith("-I") and len(t) > 2:
                replace = t[2:]
            elif t == "-i" or t.startswith("--replace="):
                replace = t.partition("=")[2] or "{}"
            k += 1
        rest = list(fields[k:]) or [_static("echo")]
        placeholder = "$(xargs-input)"  # what xargs reads from its input: unknown unless a static producer feeds it
        fed = self._piped_words()
        static_fed = fed is not None and replace is not None and len(fed) == 1
        if static_fed and fed is not None:
            placeholder = fed[0]
        if fed is not None and not replace:
            rest.extend(_static(w) for w in fed[:256])
        elif replace:
            rest = [
                _Field(
                    f.text.replace(replace, placeholder),
                    None if static_fed and f.empty is None else (f.empty or f.text).replace(replace, ""),
                    f.glob,
                    f.srcs,
                    f.proc,
                )
                if replace in f.text
                else f
                for f in rest
            ]
        else:
            rest.append(_Field(placeholder, "", False, (), False))
        head = _basename(rest[0].text)
        if head in SHELLS or INTERPRETER_RE.fullmatch(head.lower()) or head in ("eval", "source", "."):
            cmd.stdin_code = True
        self._dispatch(rest, (), None, wrappers=wraps, env_over=env_over, origin="xargs")

    def _piped_words(self) -> list[str] | None:
        """Words a static producer (``echo /etc | xargs ...``) feeds into the command being piped into."""
        lvl = self.levels[-1] if self.levels else None
        if lvl is None or not lvl.piping or not lvl.pipe:
            return None
        main = lvl.pipe[-1][2]
        if main < 0:
            return None
        text = _produced_text(self.out.cmds[main])
        return text.split() if text is not None else None

    def _parallel(self, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]) -> None:
        texts = [f.text for f in fields]
        k = 1
        while k < len(fields) and texts[k].startswith("-") and texts[k] not in (":::", "::::"):
            k += 2 if texts[k] in ("-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "-d", "-I") else 1
        end = texts.index(":::") if ":::" in texts[k:] else len(fields)
        command = list(fields[k:end])
        values = fields[end + 1 :] if end < len(fields) else [_Field("$(parallel-input)", "", False, (), False)]
        if not command:
            for v in values[:_MAX_ALTS]:
                self.nested(v.text, "parallel", wrap=wraps)
            return
        for v in values[:_MAX_ALTS]:
            if any("{}" in f.text for f in command):
                argv = [_Field(f.text.replace("{}", v.text), f.empty, f.glob, f.srcs, f.proc) for f in command]
            else:
                argv = [*command, v]
            if len(command) == 1 and " " in command[0].text:
                self.nested(" ".join(f.text for f in argv), "parallel", wrap=wraps)
            else:
                self._dispatch(argv, (), None, wrappers=wraps, env_over=env_over, origin="parallel")

    def _option_commands(self, name: str, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        """Options whose value is a command line the tool runs (``tar --to-command``, ``rsync -e``, ``ssh -o
        ProxyCommand=``, ``git -c core.sshCommand=``, ``git -c alias.x='!cmd'``, ...)."""
        spec = _OPTION_COMMANDS[name]
        texts = [f.text for f in fields]
        for k, t in enumerate(texts[1:], start=1):
            value: str | None = None
            key, eq, rest = t.partition("=")
            if t in spec and k + 1 < len(texts):
                value = texts[k + 1]
            elif eq and key in spec:
                value = rest
            elif len(t) > 2 and t[:2] in spec and not t.startswith("--"):
                value = t[2:]
            if value is None:
                continue
            cfg_key, cfg_eq, cfg_val = value.partition("=")
            low = cfg_key.lower().rstrip(":")
            if name in ("ssh", "scp", "sftp", "git", "apt", "apt-get") and not (name in ("scp", "sftp") and t == "-S"):
                if not cfg_eq:
                    continue
                if name == "git" and low.startswith("alias.") and cfg_val.startswith("!"):
                    value = cfg_val[1:]
                elif low in _COMMAND_CONFIG_KEYS:
                    value = cfg_val
                else:
                    continue
            elif name == "tar" and key == "--checkpoint-action":
                if not value.startswith("exec="):
                    continue
                value = value[5:]
            self.nested(value, f"{name} option", state=self.state.copy(), wrap=wraps)

    def _ssh(self, cmd: _Cmd, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        n = len(fields)
        k = 1
        value = set("BbcDEeFIiJLlmOopQRSWw")
        while k < n:
            t = fields[k].text
            if t == "--":
                k += 1
                break
            if t.startswith("-") and len(t) > 1:
                if t[-1] in value and len(t) == 2:
                    k += 2
                else:
                    k += 1
                continue
            break
        k += 1  # host
        rest = fields[k:]
        if rest:
            self._mark_feeds(rest)
            self.nested(" ".join(f.text for f in rest), "ssh", state=_State(None), wrap=wraps, fname="")
        else:
            cmd.stdin_code = True


def _find_layout(argv: Sequence[str], empties: Sequence[str | None]) -> tuple[int, int, bool]:
    """find's layout: (index of the first root, index of the first expression word, whether tests narrow it)."""
    n = len(argv)
    k = 1
    while k < n and argv[k] in ("-H", "-L", "-P", "-D", "-O0", "-O1", "-O2", "-O3"):
        k += 2 if argv[k] == "-D" else 1
    first = k
    while k < n and not (argv[k].startswith(("-", "(", "!")) and empties[k] is None):
        k += 1
    exprs = list(argv[k:])
    narrowing = sum(1 for t in exprs if t in _FIND_NARROWING)
    alternations = sum(1 for t in exprs if t in ("-o", "-or", ","))
    everything = any(
        t in ("-name", "-iname", "-path", "-ipath", "-wholename") and v in ("*", "*.*", "**", ".*", "?*", "*/*")
        for t, v in itertools.pairwise(exprs)
    )
    return first, k, narrowing > alternations and not everything


def find_parts(argv: Sequence[str], empties: Sequence[str | None] = ()) -> tuple[list[str], list[str], bool]:
    """Split a ``find`` argv into (roots, expression words, narrowed). ``narrowed`` is True when name/time/size
    tests restrict what matches (``-name '*.log'``), so the roots themselves are not what gets acted on."""
    padded = list(empties) + [None] * (len(argv) - len(empties))
    first, k, narrowed = _find_layout(argv, padded)
    return list(argv[first:k]) or ["."], list(argv[k:]), narrowed
