# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tools with a command language of their own, and where their scripts come from.

``sed``, ``ed``, ``ex``/``vim``, ``gdb``, ``lldb``, ``less``, ``m4``, ``make``, ``tmux`` and ``screen`` (the names
in ``_LANGUAGES``) each read a script in their own language from options, operands, files the text wrote or their
standard input, and some of its commands run a shell command line. This layer finds the scripts the way each tool's
options say (``sed -n -e``, ``vim -c``/``+cmd``/``--cmd``, ``gdb -ex``/``-x``, ``make -f -``/``--eval``, ``tmux
new-session CMD``, ``screen -X stuff``), hands them to the readers in ``_scripts``, and analyses what they run one
level deeper on a fresh state: a command line as bash, interpreter code for its calls, a program and its arguments as
a command. A tool that reads its script from standard input is marked ``stdin_code`` with its language, so that a
static producer piped into it is read in that language (``echo '!rm -rf /' | ed``) and an unknown one rounds up.
"""

from __future__ import annotations

from ._expansion import _Field, _static
from ._interpreters import _Interpreters
from ._results import _Cmd
from ._scripts import (
    INPUT,
    CommandLines,
    ed_commands,
    ex_commands,
    gdb_commands,
    lldb_commands,
    m4_commands,
    make_commands,
    sed_invocation,
    sed_script,
)
from ._simple import _getopt
from ._state import _State
from ._vocabulary import _LANGUAGES, _MAX_ALTS, STDIN_FILES, TCL_FAMILY

# tmux commands that run a shell command line (their last operands), with the options of each that take a value.
_TMUX_SHELL: dict[str, str] = {
    **dict.fromkeys(("new-session", "new"), "cefFnstxy"),
    **dict.fromkeys(("new-window", "neww"), "cefFnt"),
    **dict.fromkeys(("split-window", "splitw"), "celptF"),
    **dict.fromkeys(("respawn-pane", "respawnp", "respawn-window", "respawnw"), "cet"),
    **dict.fromkeys(("run-shell", "run"), "cdt"),
    **dict.fromkeys(("if-shell", "if"), "t"),
    **dict.fromkeys(("pipe-pane", "pipep"), "t"),
    **dict.fromkeys(("display-popup", "popup"), "bcdehsStTwxy"),
    **dict.fromkeys(("send-keys", "send"), "Nt"),
}
_TMUX_KEYS_NEWLINE = frozenset({"Enter", "C-m", "C-M", "KPEnter", "C-j", "^M", "^J"})


class _Languages(_Interpreters):
    """The layer that reads the scripts of tools with a command language (``_LANGUAGES``)."""

    def _language(self, cmd: _Cmd, name: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        language = _LANGUAGES[name]
        reader = {
            "sed": self._sed,
            "ed": self._ed,
            "ex": self._vim,
            "gdb": self._gdb,
            "lldb": self._gdb,
            "less": self._less,
            "m4": self._m4,
            "make": self._make,
            "tmux": self._tmux,
            "screen": self._screen,
        }[language]
        reader(cmd, language, fields, stdin, (*wraps, name))

    def _run_lines(self, found: CommandLines, origin: str, wraps: tuple[str, ...]) -> None:
        """Analyse what a script runs: command lines as bash, interpreter code for its calls, programs as commands."""
        if not found.complete:
            self.out.uncertain = True
        state = _State(self.state.cwds[0])
        for text in found.commands[: _MAX_ALTS * 8]:
            self.nested_input(text, origin, state=state.copy(), wrap=wraps)
        for code in found.code[: _MAX_ALTS * 8]:
            self._code_strings(code, wraps)
        for argv in found.argv[: _MAX_ALTS * 8]:
            if argv:
                self._dispatch([_static(word) for word in argv], (), None, wrappers=wraps, env_over={}, origin=origin)

    def _read_language(self, cmd: _Cmd, language: str, text: str, wraps: tuple[str, ...]) -> None:
        """A script in ``language`` (a tool's, or an interpreter family's) that ``cmd`` runs."""
        if language in ("sed",):
            self._sed_script(cmd, text, reads_stdin=False, wraps=wraps)
            return
        if language in ("ed", "less"):
            found = ed_commands(text)
        elif language == "ex":
            found = ex_commands(text)
            self._code_strings(text, wraps)
        elif language == "gdb":
            found = gdb_commands(text)
            self._code_strings(text, wraps)
        elif language == "lldb":
            found = lldb_commands(text)
        elif language == "m4":
            found = m4_commands(text)
        elif language == "make":
            found = make_commands(text)
        elif language in TCL_FAMILY:
            if cmd.code is None:
                cmd.code = text
            self._tcl_code(text, wraps)
            return
        else:  # an interpreter's own code
            if cmd.code is None:
                cmd.code = text
            self._code_strings(text, wraps)
            return
        if cmd.code is None:
            cmd.code = text
        self._run_lines(found, language, wraps)

    def _read_stdin_script(self, cmd: _Cmd, text: str) -> None:
        """The text a static producer pipes into a command that reads code in ``cmd.stdin_lang`` on its input."""
        if cmd.stdin is None:
            cmd.stdin = text
        self._read_language(cmd, cmd.stdin_lang, text, cmd.wrappers)

    def _stdin_script(self, cmd: _Cmd, language: str, stdin: str | None, wraps: tuple[str, ...]) -> None:
        """``cmd`` reads a script in ``language`` on its standard input: read it when the text gives it."""
        cmd.stdin_code = True
        cmd.stdin_lang = language
        if stdin is not None:
            self._read_language(cmd, language, stdin, wraps)

    def _known_file(self, path: str) -> str | None:
        key = self._file_key(path)
        return self.out.files.get(key) if key is not None else None

    # ---------------- sed ----------------
    def _sed(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        invocation = sed_invocation([f.text for f in fields])
        if invocation.sandbox:
            return  # GNU sed refuses a script with e, r or w under --sandbox: nothing runs
        if any(f.empty is not None for f in fields[1:]) and not invocation.scripts:
            self.out.uncertain = True
        reads_stdin = not invocation.files or any(f in STDIN_FILES for f in invocation.files)
        scripts = list(invocation.scripts)
        for path in invocation.script_files:
            if path in STDIN_FILES:
                self._stdin_script(cmd, "sed", stdin, wraps)
                if stdin is not None:
                    scripts.append(stdin)  # (``sed -i -f - f <<< '$a ...'``: the script it reads is its input)
                continue
            content = self._known_file(path)
            if content is not None:
                scripts.append(content)
        for script in scripts:
            self._sed_script(cmd, script, reads_stdin=reads_stdin, stdin=stdin, wraps=wraps)
        if invocation.in_place or self._output_stored(cmd.redirects):
            self._record_sed_text(cmd, scripts, stdin)

    def _sed_script(
        self,
        cmd: _Cmd,
        script: str,
        *,
        reads_stdin: bool,
        wraps: tuple[str, ...],
        stdin: str | None = None,
    ) -> None:
        parsed = sed_script(script)
        if not parsed.complete:
            self.out.uncertain = True
        state = _State(self.state.cwds[0])
        for command in parsed.commands[: _MAX_ALTS * 8]:
            cmd.code = command if cmd.code is None else cmd.code
            self.nested_input(command, "sed e", state=state.copy(), wrap=wraps)
        if parsed.runs_input:
            # A bare ``e`` runs the input lines: what a static producer pipes in is read as bash; input the text
            # does not give is a command line the gate cannot see.
            if reads_stdin:
                cmd.stdin_code = True
                if stdin is not None:
                    self.nested(stdin, "sed e", state=state.copy(), wrap=wraps, fname="")
                    return
                if self.levels and self.levels[-1].piping:
                    return  # the pipeline reads what the producer gives it (or rounds up)
            self.nested(INPUT, "sed e", state=state.copy(), wrap=wraps, fname="")

    # ---------------- ed, ex, vim, less ----------------
    def _ed(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        _opts, operands = _getopt(fields, "p", frozenset({"--prompt"}), permute=True)
        for k in operands:
            if fields[k].text.startswith("!"):  # ``ed '!cmd'`` edits the output of cmd
                self._run_lines(CommandLines(commands=[fields[k].text[1:]]), "ed", wraps)
        self._stdin_script(cmd, "ed", stdin, wraps)

    def _vim(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        """vi, vim, nvim, ex: ``-c CMD``, ``--cmd CMD``, ``+CMD``, ``-S FILE``, ``-s SCRIPTIN``, ``--remote-send``
        and ``--remote-expr``; in Ex mode (``ex``, ``-e``, ``-E``) standard input is ex commands."""
        name = cmd.name
        ex_mode = name == "ex"
        commands: list[str] = []
        k = 1
        n = len(fields)
        while k < n:
            t = fields[k].text
            if t == "--":
                break
            if t.startswith("+") and not t.startswith("++"):
                commands.append(t[1:])
            elif t.startswith("--"):
                key, eq, value = t.partition("=")
                if key in ("--cmd", "--remote-send", "--remote-expr", "--remote-expr-silent") or key.startswith(
                    "--remote"
                ):
                    if not eq and k + 1 < n:
                        value = fields[k + 1].text
                        k += 1
                    commands.append(value.replace("<CR>", "\n").replace("<cr>", "\n"))
                elif key in ("--servername", "--startuptime", "--log", "--listen") and not eq:
                    k += 1
            elif t.startswith("-") and len(t) > 1:
                j = 1
                while j < len(t):
                    letter = t[j]
                    if letter in "eE":
                        ex_mode = True
                    if letter in "cSuUiTtqwWs" and not (letter == "s" and (ex_mode or "e" in t or "E" in t)):
                        value = t[j + 1 :]
                        if not value and k + 1 < n:
                            value = fields[k + 1].text
                            k += 1
                        if letter == "c":
                            commands.append(value)
                        elif letter in "Ss":
                            content = self._known_file(value)
                            if content is not None:
                                commands.append(content)
                        break
                    j += 1
            k += 1
        for text in commands[: _MAX_ALTS * 8]:
            self._read_language(cmd, "ex", text, wraps)
        if ex_mode:
            self._stdin_script(cmd, "ex", stdin, wraps)

    def _less(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        for f in fields[1:]:
            if f.text.startswith("+"):
                self._read_language(cmd, "less", f.text.lstrip("+"), wraps)

    # ---------------- gdb, lldb ----------------
    def _gdb(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        """gdb's and lldb's command options (single or double dash, ``=`` or the next word), script files, the
        program after ``--args``/``--`` (run by ``run``), and commands on standard input."""
        gdb = language == "gdb"
        line_options = (
            {"ex", "eval-command", "iex", "init-eval-command"}
            if gdb
            else {"o", "one-line", "O", "one-line-before-file", "k", "one-line-on-crash"}
        )
        file_options = (
            {"x", "command", "ix", "init-command"}
            if gdb
            else {"s", "source", "S", "source-before-file", "K", "source-on-crash"}
        )
        value_options = (
            {"p", "pid", "c", "core", "cd", "d", "directory", "s", "symbols", "e", "exec", "se", "tty", "b", "l"}
            | {"i", "interpreter", "D", "data-directory"}
            if gdb
            else {"f", "file", "c", "core", "p", "attach-pid", "n", "attach-name", "a", "arch", "l"}
            | {"script-language", "r", "R"}
        )
        k = 1
        n = len(fields)
        while k < n:
            t = fields[k].text
            if t == "--" or t in ("--args", "-args"):
                rest = list(fields[k + 1 :])
                if rest:
                    self._dispatch(rest, (), None, wrappers=wraps, env_over={}, origin=language)
                break
            if not t.startswith("-"):
                k += 1
                continue
            key, eq, value = t.lstrip("-").partition("=")
            takes = key in line_options or key in file_options or key in value_options
            if takes and not eq and k + 1 < n:
                value = fields[k + 1].text
                k += 1
            if key in line_options:
                self._read_language(cmd, language, value, wraps)
            elif key in file_options:
                if value in STDIN_FILES:
                    self._stdin_script(cmd, language, stdin, wraps)
                else:
                    content = self._known_file(value)
                    if content is not None:
                        self._read_language(cmd, language, content, wraps)
            k += 1
        if not cmd.stdin_code:
            self._stdin_script(cmd, language, stdin, wraps)

    # ---------------- m4, make ----------------
    def _m4(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        opts, operands = _getopt(
            fields,
            "DUItdolLFR",
            frozenset(
                [
                    "--define",
                    "--undefine",
                    "--include",
                    "--trace",
                    "--debugfile",
                    "--error-output",
                    "--arglength",
                    "--nesting-limit",
                    "--freeze-state",
                    "--reload-state",
                ]
            ),
            permute=True,
        )
        for opt, value in opts:
            if opt in ("-D", "--define") and value is not None:
                self._read_language(cmd, "m4", value.text, wraps)
        files = [fields[k].text for k in operands]
        for path in files:
            content = self._known_file(path)
            if content is not None:
                self._read_language(cmd, "m4", content, wraps)
        if not files or any(path in STDIN_FILES for path in files):
            self._stdin_script(cmd, "m4", stdin, wraps)

    def _make(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        opts, operands = _getopt(
            fields,
            "fCIoWE",
            frozenset(
                [
                    "--file",
                    "--makefile",
                    "--directory",
                    "--include-dir",
                    "--old-file",
                    "--assume-old",
                    "--new-file",
                    "--assume-new",
                    "--what-if",
                    "--eval",
                ]
            ),
            permute=True,
        )
        for opt, value in opts:
            if value is None:
                continue
            if opt in ("-E", "--eval"):
                self._read_language(cmd, "make", value.text, wraps)
            elif opt in ("-f", "--file", "--makefile"):
                if value.text in STDIN_FILES:
                    self._stdin_script(cmd, "make", stdin, wraps)
                else:
                    content = self._known_file(value.text)
                    if content is not None:
                        self._read_language(cmd, "make", content, wraps)
        for k in operands:
            variable, eq, assigned = fields[k].text.partition("=")
            if eq and variable and " " in assigned:
                # ``make SHELL=... CC='...'``: a variable a recipe may run, read as the command line it may be.
                self._run_lines(CommandLines(commands=[assigned]), "make", wraps)

    # ---------------- tmux, screen ----------------
    def _tmux(self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]) -> None:
        opts, operands = _getopt(fields, "cfLST", frozenset(), permute=False)
        for opt, value in opts:
            if opt == "-c" and value is not None:
                self._run_lines(CommandLines(commands=[value.text]), "tmux", wraps)
        words = [fields[k].text for k in operands]
        command: list[str] = []
        for word in [*words, ";"]:
            if word in (";", "\\;"):
                self._tmux_command(command, wraps)
                command = []
            elif word.endswith("\\;") or (word.endswith(";") and len(word) > 1):
                command.append(word.rstrip("\\;"))
                self._tmux_command(command, wraps)
                command = []
            else:
                command.append(word)

    def _tmux_command(self, words: list[str], wraps: tuple[str, ...]) -> None:
        if not words or words[0] not in _TMUX_SHELL:
            return
        values = _TMUX_SHELL[words[0]]
        k = 1
        while k < len(words) and words[k].startswith("-") and words[k] != "--":
            t = words[k]
            taken = next((j for j in range(1, len(t)) if t[j] in values), None)
            k += 2 if taken is not None and taken == len(t) - 1 else 1
        if k < len(words) and words[k] == "--":
            k += 1
        rest = words[k:]
        if not rest:
            return
        if words[0] in ("send-keys", "send"):
            text = "".join("\n" if w in _TMUX_KEYS_NEWLINE else w + " " for w in rest)
        elif words[0] in ("if-shell", "if", "run-shell", "run"):
            text = rest[0]
        else:
            text = " ".join(rest)
        self._run_lines(CommandLines(commands=[text]), "tmux", wraps)

    def _screen(
        self, cmd: _Cmd, language: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]
    ) -> None:
        """``screen [opts] CMD ARGS`` runs CMD; ``screen -X stuff TEXT`` types TEXT into a window's shell, ``-X
        exec CMD`` and ``-X screen CMD`` run CMD."""
        k = 1
        n = len(fields)
        remote = False
        while k < n:
            t = fields[k].text
            if not t.startswith("-") or t == "-":
                break
            if t == "--":
                k += 1
                break
            if t in ("-Logfile", "-logfile"):
                k += 2
                continue
            letters = t[1:]
            if "X" in letters or "Q" in letters:
                remote = True
            taken = next((j for j, c in enumerate(letters) if c in "cehpsStT"), None)
            k += 2 if taken is not None and taken == len(letters) - 1 else 1
        rest = [f.text for f in fields[k:]]
        if not rest:
            return
        if not remote:
            self._dispatch(list(fields[k:]), (), None, wrappers=wraps, env_over={}, origin="screen")
            return
        verb, args = rest[0], rest[1:]
        if verb == "stuff" and args:
            self._run_lines(
                CommandLines(commands=[" ".join(args).replace("^M", "\n").replace("\\r", "\n")]), "screen", wraps
            )
        elif verb == "exec":
            while args and set(args[0]) <= set(".!|:"):
                args = args[1:]
            if args:
                self._run_lines(CommandLines(argv=[args]), "screen", wraps)
        elif verb == "screen":
            while args and args[0].startswith("-"):
                args = args[2:] if args[0] in ("-t", "-T", "-h") else args[1:]
            if args:
                self._run_lines(CommandLines(argv=[args]), "screen", wraps)
