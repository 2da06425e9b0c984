# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands that run other command lines: shells, ``su``, ``find -exec``, ``xargs``, ``ssh``, command-valued options.

Each handler reads its command's options the way the tool does, finds the string or argv it will run, and analyses
that one level deeper with the right origin, state and working directory: ``sh -c`` gets its positional parameters,
``su -`` starts in an unknown directory, ``find -exec`` puts its roots where ``{}`` is, ``xargs`` appends the words a
static producer pipes into it, ``ssh HOST CMD`` runs on a fresh state, ``tar --to-command=``, ``git -c
alias.x='!...'`` and ``ssh -o ProxyCommand=`` run their values; the programs of ``_COMMAND_RUNNERS`` (``script -qc``,
``su -lc``, ``flock``, ``watch``, ...) are read with their own option syntax (``_getopt``). What a handler cannot see
(a script on stdin from elsewhere) is marked ``stdin_code`` for the rules. ``find_parts`` gives the rules find's roots
and expression.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Sequence

from ._expansion import _Field, _static
from ._files import _basename
from ._output import _produced_text
from ._results import _Cmd
from ._simple import _getopt, _SimpleCommands
from ._state import _Alt, _State
from ._vocabulary import (
    _COMMAND_CONFIG_KEYS,
    _COMMAND_CONFIG_PATTERNS,
    _COMMAND_RUNNERS,
    _CONFIG_OPTIONS,
    _FIND_EXEC,
    _FIND_NARROWING,
    _MAX_ALTS,
    _OPTION_COMMANDS,
    _SHELL_VALUE_OPTS,
    INTERPRETER_RE,
    SHELLS,
)

# Runners that start a shell reading its standard input when they are given no command.
_SHELL_STARTERS = frozenset({"su", "runuser", "sg", "script", "newgrp"})


class _Runners(_SimpleCommands):
    """The layer that follows commands into the command lines they run."""

    def _startup_files(
        self, cmd: _Cmd, fields: list[_Field], env_over: dict[str, list[_Alt]], wraps: tuple[str, ...]
    ) -> None:
        """The files a shell reads as code before its own (``BASH_ENV`` for bash, ``ENV`` for an interactive sh or
        dash, ``--rcfile``/``--init-file``): one the text wrote is analysed as what runs; one it did not write is
        code the gate cannot read, which rounds the analysis up."""
        paths: list[str] = []
        for variable in ("BASH_ENV", "ENV"):
            for text, empty, _srcs in env_over.get(variable) or self.state.vars.get(variable) or []:
                if empty is not None:
                    self.out.uncertain = True
                elif text:
                    paths.append(text)
        for at, field in enumerate(fields[1:-1], start=1):
            if field.text in ("--rcfile", "--init-file"):
                paths.append(fields[at + 1].text)
        for path in paths[:4]:
            if not self._run_file(path, cmd, wraps, self.state.copy()):
                self.out.uncertain = True

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
        self._startup_files(cmd, fields, env_over, wraps)
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

    def _command_runner(
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
        """A program that runs a command line from an option or its operands (``_COMMAND_RUNNERS``): ``script
        -qc CMD``, ``su -lc CMD``, ``su USER -- -c CMD``, ``runuser -u USER CMD``, ``flock FILE -c CMD``, ``watch
        -tn1 CMD``, ``entr -s CMD``, ``hyperfine CMD...``, ``capsh -- -c CMD``. Options are read as the program
        reads them (clusters, attached values, abbreviations), so no spelling hides the command."""
        short, longs, code_opts, layout, lead, permute, switches = _COMMAND_RUNNERS[name]
        opts, operand_idx = _getopt(fields, short, longs, permute=permute)
        login = False
        texts: list[_Field] = []
        programs: list[_Field] = []
        for opt, value in opts:
            if opt in code_opts and value is not None:
                (programs if layout == "program" else texts).append(value)
            if opt in switches:
                layout = switches[opt]
                if value is not None and layout == "argv" and name == "runuser":
                    lead = 0  # ``runuser -u USER CMD ARGS``: the user was the option's value
            if opt in ("-l", "--login"):
                login = True
        operands = [fields[k] for k in operand_idx]
        if operands and operands[0].text == "-" and name in ("su", "runuser", "sg"):
            login = True
            operands = operands[1:]
        if layout == "argv" and permute and operand_idx:
            # ``runuser -u USER cmd -x``: everything from the command on is the command's, options included.
            operands = list(fields[operand_idx[0] :])
        child = self._child_state(env_over, (None,) if login else cwds)
        for text in texts:
            self._mark_feeds([text])
            cmd.code = text.text if cmd.code is None else cmd.code
            self.nested(text.text, f"{name} -c", state=child.copy(), wrap=(*wraps, name), fname="")
        rest = operands[lead:]
        if programs:
            for program in programs[:_MAX_ALTS]:
                self._dispatch([program, *rest], (), None, wrappers=(*wraps, name), env_over=env_over, origin=name)
            return
        if texts or not rest or layout in ("", "program"):
            if name in _SHELL_STARTERS and not texts and layout != "argv":
                cmd.stdin_code = True  # ``su``, ``su - USER``, ``script``: a shell reading its standard input
                if stdin is not None:
                    cmd.code = stdin
                    self.nested(stdin, "heredoc", state=child, wrap=(*wraps, name), fname="")
            return
        if layout == "argv" and rest[0].text in code_opts:
            if len(rest) > 1:  # ``flock FILE -c CMD``: the option follows the lock file
                self._mark_feeds(rest[1:2])
                self.nested(rest[1].text, f"{name} -c", state=child, wrap=(*wraps, name), fname="")
            return
        if layout == "text":
            self._mark_feeds(rest)
            self.nested(" ".join(f.text for f in rest), name, state=child, wrap=(*wraps, name), fname="")
        elif layout == "each":
            for f in rest[:_MAX_ALTS]:
                self._mark_feeds([f])
                self.nested(f.text, name, state=child.copy(), wrap=(*wraps, name), fname="")
        elif layout == "argv":
            self._dispatch(list(rest), (), None, wrappers=(*wraps, name), env_over=env_over, origin=name)
        elif layout == "shell":
            self._shell(cmd, [_static("sh"), *rest], stdin=stdin, env_over=env_over, wraps=(*wraps, name), cwds=cwds)

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
            option = t.partition("=")[0] if t.startswith("--") else t[:2]
            if option in _CONFIG_OPTIONS.get(name, ()):
                if not cfg_eq:
                    continue
                if name == "git" and low.startswith("alias.") and cfg_val.startswith("!"):
                    value = cfg_val[1:]
                elif low in _COMMAND_CONFIG_KEYS or any(fnmatch.fnmatchcase(low, p) for p in _COMMAND_CONFIG_PATTERNS):
                    value = cfg_val.removeprefix("!")
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
