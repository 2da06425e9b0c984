# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where paths lead: redirections, working directories, the files the text writes and the names it renames.

The analyser never touches the filesystem, so it keeps its own record of what the text itself did: the working
directories a command may start in (``cd``, ``pushd``, ``sudo -D``, ``env -C``), the content of files a static
producer wrote (``cat > x.sh <<EOF``), so that running one later (``bash x.sh``, ``./x.sh``, ``. x.sh``) is analysed
as the script it is, and programs copied, linked or hashed under another name (``ln -s /bin/rm x; ./x``), so that
the new name is judged as the program it runs. Paths are lexical (``_normpath``); a relative one under an unknown
working directory is keyed as such, never guessed.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Sequence

from ._expansion import _Expansion, _Field, _static, _unknown
from ._lexer import _Redir
from ._output import _filter_output, _produced_text, _static_output, _without_stdin
from ._results import Redirect, _Cmd
from ._scripts import sed_invocation, sed_script
from ._state import _State
from ._vocabulary import (
    _MAX_ALTS,
    _MAX_VALUE,
    INHERITED_FDS,
    STDIN_FILES,
    STORES_STDIN,
    apply_redirects,
    is_stored,
    names_stdin,
    summarises,
)


def _at_empty_forms(cmd: _Cmd) -> _Cmd:
    """A copy of ``cmd`` whose words are read at their empty forms (what an unresolved expansion gives when its
    variable is unset: ``${V:-x}`` is ``x``)."""
    copy = _without_stdin(cmd)
    copy.argv = tuple(form if form is not None else word for word, form in zip(cmd.argv, cmd.empty_forms, strict=False))
    copy.empty_forms = (None,) * len(copy.argv)
    copy.stdin, copy.redirects = cmd.stdin, cmd.redirects
    return copy


def _basename(text: str) -> str:
    return text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


class _Files(_Expansion):
    """The layer that follows redirections, working directories, written files and renamed programs."""

    # ---------------- redirections ----------------
    def _redirects(self, redirs: list[_Redir]) -> tuple[tuple[Redirect, ...], str | None]:
        result: list[Redirect] = []
        stdin: str | None = None
        for r in redirs:
            if r.op in ("<<", "<<-"):
                delim = "".join(p.raw for p in r.target.parts)
                result.append(Redirect(r.op, r.fd, delim))
                if r.body is not None:
                    fields = self._expand(r.body, split=False, brace=False)
                    stdin = fields[0][0].text if fields and fields[0] else ""
                continue
            alts = self._expand(r.target, split=False, brace=False)
            target = alts[0][0].text if alts and alts[0] else ""
            result.append(Redirect(r.op, r.fd, target))
            if r.op == "<<<":
                stdin = target + "\n"
        return tuple(result), stdin

    # ---------------- working directories ----------------
    def _dir_after(self, target: str) -> tuple[str | None, ...]:
        if not target or target.startswith("~") or "$" in target:
            return (None,)
        result: list[str | None] = []
        for base in self.state.cwds:
            if target.startswith("/"):
                result.append(_normpath(target))
            elif base is None:
                result.append(None)
            else:
                result.append(_normpath(base + "/" + target))
        return tuple(dict.fromkeys(result))

    def _set_cwd(self, new: tuple[str | None, ...], *, may_fail: bool) -> None:
        st = self.state
        merged = tuple(dict.fromkeys((*new, *st.cwds))) if may_fail or self.cond > 0 else new
        if len(merged) > _MAX_ALTS:
            self.out.uncertain = True
            merged = merged[:_MAX_ALTS]
        st.cwds = merged

    # ---------------- files the text writes and runs ----------------
    def _script_from(self, field: _Field, wraps: tuple[str, ...], state: _State | None = None) -> None:
        """A process substitution used as a script (``bash <(...)``): mark its commands and, when its output is
        statically known, analyse that output as the script it is."""
        self._mark_feeds([field])
        if field.proc and len(field.srcs) == 1:
            text = _static_output(self.out.cmds, *field.srcs[0])
            if text is not None:
                self.nested(text, "script", state=state if state is not None else self.state.copy(), wrap=wraps)

    def _file_key(self, path: str) -> str | None:
        if not path or "$" in path or "`" in path or path.startswith("~"):
            return None
        if path.startswith("/"):
            return _normpath(path)
        cwds = self.state.cwds
        if len(cwds) == 1 and cwds[0] is not None:
            return _normpath(cwds[0] + "/" + path)
        while path.startswith("./"):
            path = path[2:]
        return "?/" + path

    def _record_copies(self, name: str, args: list[_Field]) -> None:
        """``cp /bin/rm x``, ``ln -s /bin/rm x``, ``install -m 755 /bin/rm x``: the destination now runs the source.
        Options are skipped without knowing which take a value, so a value may pass for a source: every operand
        before the destination counts as one the destination may run (an over-approximation, never a miss)."""
        operands = [f for f in args if not f.text.startswith("-") or f.empty is not None]
        if name == "rsync":
            operands = [f for f in operands if ":" not in f.text]  # remote ends copy nothing here
        if any(f.text.startswith(("-t", "--target-directory")) for f in args if f.empty is None):
            return  # into a directory: every copy keeps its own name
        if len(operands) < 2:
            return
        for source in operands[:-1][:8]:
            self._rename(operands[-1], source)

    def _record_unknown_copies(self, args: list[_Field]) -> None:
        """A program the analyser does not know may write any of its path operands from another (``objcopy
        /bin/rm x``, ``strip -o x /bin/rm``, ``gio copy /bin/rm x``): each path operand may now run what any other
        statically known one runs, as a copier's destination does (an over-approximation; it matters only when such
        a path is run later). A glob or an expansion as the source is left out: the deny scan's pre-checks read a
        glob outside the command word as an argument, and must agree with this analysis (named as open in the issue
        note). Bounded to the first eight path operands."""
        paths = [f for f in args if "/" in f.text and not f.text.startswith("-") and f.empty is None][:8]
        if len(paths) < 2:
            return
        runs = [[] if f.glob else self._runs(f) for f in paths]  # before any is renamed: copies of what was there
        for target in paths:
            for source, programs in zip(paths, runs, strict=True):
                if source is not target and programs:
                    self._rename_to(target, programs)

    def _record_written(self, text: str | None, *, decoded: bool = False) -> None:
        """Keep data the text stores for later (``ShellAnalysis.written``), each distinct text once. Bounded by
        the text's own size (``_Out.written_room``), with a room of its own for what decoders and filters make
        (``decoded``), so that a compressed payload cannot crowd out a store the text spells out after it. What
        does not fit is cut there and the analysis is uncertain: the command is rounded up (T3) rather than judged
        on what was read."""
        out = self.out
        if not text or not text.strip() or text in out.written_seen:
            return
        room = out.decoded_room if decoded else out.written_room
        if len(text) > room:
            out.uncertain = True
            text = text[:room]
            if not text:
                return
        if decoded:
            out.decoded_room -= len(text)
        else:
            out.written_room -= len(text)
        out.written_seen.add(text)
        out.written.append(text)

    # ---------------- what the text stores for later ----------------
    def _fds(self, redirects: Sequence[Redirect]) -> dict[int, str]:
        """Where each descriptor of a command with ``redirects`` leads, after what ``exec`` left."""
        return apply_redirects(redirects, self.out.exec_fds or INHERITED_FDS)

    def _output_stored(self, redirects: Sequence[Redirect]) -> bool:
        """A command with ``redirects`` writes its standard output into a file."""
        return is_stored(self._fds(redirects).get(1, ""))

    def _stores_input(self, cmd: _Cmd) -> bool:
        """The command keeps what it reads on standard input: a program that stores it (tee, sponge, dd,
        crontab), one that names its standard input as a file (``cp /dev/stdin f``), or any command whose output
        goes to a file (a filter's output is its input, transformed)."""
        if cmd.name in STORES_STDIN or names_stdin(cmd.argv):
            return True
        return self._output_stored(cmd.redirects) and not summarises((cmd.name, *cmd.argv[1:]))

    def _record_output(self, cmd: _Cmd) -> None:
        """What the command prints, kept as stored text: a static producer's output, read as written and with
        every expansion it could not resolve at its empty form (``${V:-rm -rf /usr}``), or a decoder's output of
        the heredoc or here-string it is given."""
        self._record_written(_produced_text(cmd, writes_ok=True, any_redirects=True))
        if any(form is not None for form in cmd.empty_forms):
            self._record_written(_produced_text(_at_empty_forms(cmd), writes_ok=True, any_redirects=True))
        if cmd.stdin is not None and cmd.name != "cat":
            data = _filter_output(_without_stdin(cmd), cmd.stdin.encode("utf-8", "surrogateescape"))
            if data is not None:
                self._record_written(data.decode("utf-8", "replace"), decoded=True)

    def _record_sed_text(self, cmd: _Cmd, scripts: Sequence[str] | None = None, stdin: str | None = None) -> None:
        """The text a sed puts into what it writes (``sed -i '$ a ...' f``, ``sed 's/x/.../' a > b``, a sed stage
        before ``| crontab -``): its ``a``/``i``/``c`` text and ``s`` replacements, its ``-e`` parts joined as GNU sed
        joins them, and the standard input an ``r /dev/stdin`` reads into it."""
        if scripts is None:
            invocation = sed_invocation(cmd.argv)
            if invocation.sandbox:
                return
            scripts = invocation.scripts
        parsed = sed_script("\n".join(scripts[:64]))
        for text in parsed.inserted[:64]:
            self._record_written(text)
        if stdin is not None and any(path in STDIN_FILES for path in parsed.reads):
            self._record_written(stdin)

    def _record_inner_output(self, start: int, end: int, redirects: Sequence[Redirect]) -> None:
        """A redirected group, loop, subshell, function call or nested shell (``{ echo ...; } > f``, ``{ echo
        ... >&2; } 2> f``, ``f > f``, ``sh -c '...' > f``): what each command inside prints where the redirections
        lead it, every descriptor followed. Each level reads its commands once, counted against the analysis's
        work limit."""
        table = self._fds(redirects)
        if not any(is_stored(target) for target in table.values()):
            return
        self.out.work += end - start
        if self.out.work > self.out.limit:
            self.out.uncertain = True
            return
        printed: list[str] = []
        for cmd in self.out.cmds[start:end]:
            if cmd.redirects and not cmd.name:
                continue  # (an inner group's own redirection: its commands were read at its level)
            if not is_stored(apply_redirects(cmd.redirects, table).get(1, "")):
                continue  # (its output goes elsewhere)
            text = _produced_text(cmd, writes_ok=True, any_redirects=True)
            if text is not None:
                printed.append(text)
        self._record_written("".join(printed))

    def _record_file(self, cmd: _Cmd) -> None:
        """``echo ... > f`` / ``cat > f <<EOF``: remember what a static producer wrote, to analyse ``sh f`` later.
        A file written with content that is not statically known runs an unknown program if executed later.
        Whatever the file, what a command prints into one (the descriptor table followed through every
        redirection and ``exec``), and the text a program that stores its standard input (``tee f <<EOF``,
        ``crontab - <<< ...``, ``cp /dev/stdin f``) is given, is data kept for later: the deny list reads it."""
        if cmd.name == "exec" and len(cmd.argv) == 1 and cmd.redirects:
            if cmd.stdin is not None:  # (``exec <<EOF ... EOF; cat > f``: what follows reads it, and may keep it)
                self._record_written(cmd.stdin)
            table = self._fds(cmd.redirects)  # (exec with only redirections: for what follows)
            if not self.cond and not (self.levels and self.levels[-1].piping):
                self.out.exec_fds = table
            else:  # (an exec that may not run, or runs in a pipeline's subshell, may add a file, never remove one)
                current = dict(self.out.exec_fds or INHERITED_FDS)
                current.update((fd, target) for fd, target in table.items() if is_stored(target))
                self.out.exec_fds = current
            return
        if cmd.stdin is not None and self._stores_input(cmd):
            self._record_written(cmd.stdin)
        if self._output_stored(cmd.redirects):
            self._record_output(cmd)
        if not cmd.redirects:
            return
        writes = [r for r in cmd.redirects if r.op in (">", ">>", ">|") and r.fd in (None, 1)]
        if len(writes) != 1:
            return
        key = self._file_key(writes[0].target)
        text = _produced_text(cmd, writes_ok=True)
        if key is not None and text is None and key not in self.out.files:
            self._rename(_static(writes[0].target), _unknown(writes[0].target))
        if key is None or text is None:
            return
        old = self.out.files.get(key, "") if writes[0].op == ">>" else ""
        self.out.files[key] = (old + text)[:_MAX_VALUE]
        if old:  # (``echo -n 'rm -rf ' > f; echo /usr >> f``: the file's whole text is read once, at the end)
            self.out.appended.add(key)

    def _run_file(self, path: str, cmd: _Cmd, wraps: tuple[str, ...], state: _State | None = None) -> bool:
        """Analyse a script the text itself wrote earlier (``cat > x.sh <<EOF ... EOF; bash x.sh``)."""
        key = self._file_key(path)
        content = self.out.files.get(key) if key is not None else None
        if content is None:
            return False
        if cmd.code is None:
            cmd.code = content
        self.nested(content, "script", state=state if state is not None else self.state.copy(), wrap=wraps)
        return True

    # ---------------- renamed programs ----------------
    def _programs(self, word: _Field) -> list[str]:
        """The programs a renamed command word may run ("" for one not statically known); [] when not renamed."""
        renamed = self.out.renamed
        if not renamed or word.empty is not None or word.glob:
            return []
        return list(dict.fromkeys(program for key in self._rename_keys(word.text) for program in renamed.get(key, [])))

    def _rename_keys(self, text: str) -> list[str]:
        """Where a renamed word is found: by its name (a lookup on the PATH) and, for a path, by its file."""
        return [key for key in (_basename(text), self._file_key(text) if "/" in text else None) if key]

    def _rename(self, target: _Field, source: _Field) -> None:
        """Remember that ``target`` (a path or a name) now runs ``source``; an unknown source may be any program,
        and a source that is itself renamed stands for the programs it may run."""
        self._rename_to(target, self._runs(source))

    def _runs(self, source: _Field) -> list[str]:
        """The programs ``source`` runs as a command word: itself or what it was renamed to ("" for any)."""
        known = source.empty is None and not source.glob
        return (self._programs(source) or [source.text]) if known else [""]

    def _rename_to(self, target: _Field, programs: list[str]) -> None:
        if target.empty is not None or not target.text or target.glob or len(self.out.renamed) >= 256:
            return
        for key in self._rename_keys(target.text):
            entry = self.out.renamed.setdefault(key, [])
            for program in programs:
                if program not in entry and len(entry) < 8 and (not program or _basename(program) != key):
                    entry.append(program)
