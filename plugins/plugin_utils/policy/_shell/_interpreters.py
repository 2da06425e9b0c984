# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Programs in other languages: their inline code, and the shell command lines hidden in it.

An interpreter's program (``python3 -c``, ``perl -e``, ``node -e``, ``php -r``, a heredoc on its stdin, a script the
text wrote, an awk program) is recorded as the command's ``code`` for the rules, and the strings it hands to a shell
(``os.system("...")``, ``subprocess.run([...])``, backticks, ``system '...'``, ...: ``_CALL_STRINGS``,
``_BACKTICK_CODE``) are analysed as the command lines they are, in the first ``_MAX_CODE_SCAN`` characters.
"""

from __future__ import annotations

import re

from ._expansion import _Field, _static
from ._lexer import split_argv
from ._results import _Cmd
from ._scripts import code_calls, string_literals, tcl_commands
from ._simple import _SimpleCommands
from ._state import _State
from ._vocabulary import (
    _BACKTICK_CODE,
    _CALL_STRINGS,
    _CODE_OPTS,
    _CODE_VALUE_OPTS,
    _MAX_CODE_SCAN,
    TCL_FAMILY,
    VERSION_SUFFIX,
)

# Compiled at import: a call-site pattern is compiled again in every forked worker, that is for every task and host.
_LIST_CALL = re.compile(r"(?:system|exec|spawn|Popen|run|call|check_output|execFileSync|spawnSync)\s*\(\s*\[")
_QUOTED_ITEM = re.compile(r"\"([^\"\\\n]{0,400})\"|'([^'\\\n]{0,400})'")


class _Interpreters(_SimpleCommands):
    """The layer that reads interpreter and awk programs."""

    def _interpreter(
        self, cmd: _Cmd, lower: str, fields: list[_Field], stdin: str | None, wraps: tuple[str, ...]
    ) -> None:
        family = VERSION_SUFFIX.sub("", lower)
        code_letters = _CODE_OPTS.get(family, "")
        value_letters = _CODE_VALUE_OPTS.get(family, "")
        codes: list[_Field] = []
        k = 1
        n = len(fields)
        script: _Field | None = None
        module = False
        while k < n:
            f = fields[k]
            t = f.text
            if f.empty is not None and not codes:
                script = f
                break
            if t == "--":
                k += 1
                if k < n and not codes:
                    script = fields[k]
                break
            if t in ("--eval", "--print", "-e", "-p") and family in ("node", "nodejs", "bun"):
                if k + 1 < n:
                    codes.append(fields[k + 1])
                k += 2
                continue
            if t.startswith("--"):
                k += 1
                continue
            if t == "-":
                script = f
                break
            if t.startswith("-") and len(t) > 1:
                j = 1
                while j < len(t):
                    ch = t[j]
                    if ch in code_letters:
                        rest = t[j + 1 :]
                        if rest:
                            codes.append(_static(rest))
                        elif k + 1 < n:
                            codes.append(fields[k + 1])
                            k += 1
                        break
                    if ch in value_letters:
                        if ch == "m" and family in ("python", "pypy"):
                            module = True
                        if not t[j + 1 :]:
                            k += 1
                        break
                    j += 1
                k += 1
                if module:
                    break
                continue
            if not codes:
                script = f
            break
        if codes:
            self._mark_feeds(codes)
            cmd.code = "\n".join(c.text for c in codes)
        elif module:
            return
        elif script is not None:
            if script.proc or script.empty is not None:
                self._mark_feeds([script])
                cmd.stdin_code = script.empty is not None and not script.proc
            elif script.text in ("-", "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0"):
                cmd.stdin_code = True
                cmd.stdin_lang = family
                cmd.code = stdin
            else:
                key = self._file_key(script.text)
                cmd.code = self.out.files.get(key) if key is not None else None
            if cmd.code is None:
                return
        else:
            cmd.stdin_code = True
            cmd.stdin_lang = family
            cmd.code = stdin
        if cmd.code:
            if family in TCL_FAMILY:
                self._tcl_code(cmd.code, wraps)
            else:
                self._code_strings(cmd.code, wraps)

    def _code_strings(self, code: str, wraps: tuple[str, ...], *, awk: bool = False, tcl: bool = False) -> None:
        """Shell command strings embedded in interpreter code (``os.system("...")``, ``system '...'``, backticks),
        programs run with literal arguments (``subprocess.run(["rm", ...])``, ``system("rm", "-rf", "/")``,
        ``system qw(rm -rf /)``), and, when a call runs a command the code computes (``os.system(c)``), every
        string literal that could be a command line: what the gate can compute of a computed command is judged,
        and the rules round the rest up. Code longer than the scan is not read whole, so it rounds up."""
        if len(code) > _MAX_CODE_SCAN:
            self.out.uncertain = True
            code = code[:_MAX_CODE_SCAN]
        state = _State(self.state.cwds[0])
        for m in _CALL_STRINGS.finditer(code):
            self.nested(m.group(1) or m.group(2) or "", "interpreter", state=state.copy(), wrap=wraps)
        for m in _BACKTICK_CODE.finditer(code):
            text = m.group(1) or m.group(2) or m.group(3) or ""
            self.nested(text, "interpreter", state=state.copy(), wrap=wraps)
        for m in _LIST_CALL.finditer(code):
            end = code.find("]", m.end())
            if end < 0 or end - m.end() > 4000:
                continue
            items = _QUOTED_ITEM.findall(code[m.end() : end])
            words = [a or b for a, b in items]
            if words:
                self.nested(split_argv(words), "interpreter", state=state.copy(), wrap=wraps)
        calls = code_calls(code, awk=awk, tcl=tcl)
        if len(calls.argv) > 64 or len(calls.commands) > 64:
            self.out.uncertain = True  # more calls than the gate reads
        for argv in calls.argv[:64]:
            self.nested(split_argv(argv), "interpreter", state=state.copy(), wrap=wraps)
        for text in calls.commands[:64]:
            self.nested(text, "interpreter", state=state.copy(), wrap=wraps)
        if calls.computed or calls.piped_to_shell:
            for text in string_literals(code):
                self.nested(text, "interpreter", state=state.copy(), wrap=wraps)

    def _tcl_code(self, code: str, wraps: tuple[str, ...]) -> None:
        """Tcl code (``expect -c``, ``tclsh``): the programs ``exec``/``spawn`` run, the command lines ``system``,
        ``send`` and ``open |`` hand to a shell, then the calls any language makes."""
        found = tcl_commands(code)  # reads at most its own bound; a longer script is not complete
        if not found.complete:
            self.out.uncertain = True
        state = _State(self.state.cwds[0])
        for argv in found.argv[:64]:
            self.nested(
                split_argv(argv).replace("'|'", "|").replace("'>'", ">").replace("'<'", "<"),
                "interpreter",
                state=state.copy(),
                wrap=wraps,
            )
        for text in found.commands[:64]:
            self.nested(text, "interpreter", state=state.copy(), wrap=wraps)
        self._code_strings(code, wraps, tcl=True)

    def _awk(self, cmd: _Cmd, fields: list[_Field], wraps: tuple[str, ...]) -> None:
        k = 1
        n = len(fields)
        while k < n:
            t = fields[k].text
            if t in ("-F", "-v", "-f", "--file", "-i", "--include", "-l", "--load"):
                if t in ("-f", "--file"):
                    return
                k += 2
                continue
            if t.startswith("-") and len(t) > 1 and t != "--":
                k += 1
                continue
            if t == "--":
                k += 1
            break
        if k < n:
            cmd.code = fields[k].text
            self._code_strings(cmd.code, wraps, awk=True)
