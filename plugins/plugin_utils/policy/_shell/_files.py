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

from ._expansion import _Expansion, _Field, _static, _unknown
from ._lexer import _Redir
from ._output import _produced_text, _static_output
from ._results import Redirect, _Cmd
from ._state import _State
from ._vocabulary import _MAX_ALTS, _MAX_VALUE, STORES_STDIN, stores_output


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

    def _record_file(self, cmd: _Cmd) -> None:
        """``echo ... > f`` / ``cat > f <<EOF``: remember what a static producer wrote, to analyse ``sh f`` later.
        A file written with content that is not statically known runs an unknown program if executed later.
        Whatever the file, what a static producer writes to one, and the text a program that stores its standard
        input (``tee f <<EOF``, ``crontab - <<< ...``) is given, is data kept for later: the deny list reads it."""
        if cmd.stdin is not None and cmd.name in STORES_STDIN:
            self._record_written(cmd.stdin)
        if stores_output(cmd.redirects):
            if cmd.name == "exec" and len(cmd.argv) == 1:  # ``exec > f``: what every later command prints
                self.out.output_stored = True
            self._record_written(_produced_text(cmd, writes_ok=True))
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
