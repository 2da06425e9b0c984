# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Control flow: lists, pipelines, compound commands and function definitions, and the token loop that drives them.

``run`` walks the lexer's tokens once, with a stack of open blocks (``_Level``: ``if``, loops, ``case``, ``{ }``,
subshells, function bodies) and the simple command being collected (``_Cur``), which goes to the simple-command
layer when it ends. Code that may not run (inside a conditional, after ``&&`` or ``||``) adds alternatives to what
it assigns instead of replacing them (``cond``); a subshell or a function body runs on a copy of the state, and a
function's body is kept for its calls. A pipeline whose consumer runs its stdin as code (``... | sh``) is analysed
with the producers' static output, and what a pipeline or a redirected group stores in a file is reported
(``ShellAnalysis.written``) for the deny list to read.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

from ._base import _Cur, _Level
from ._lexer import _LIT, _NAME, _REDIR_TOK, _WORD_OP, _WORD_TOK, _Lexer, _Part, _Tok, _Word
from ._output import _chain_output, _filter_output
from ._results import _Cmd
from ._simple import _SimpleCommands
from ._state import _Alt, _State
from ._vocabulary import _COPIERS, _KEYWORDS, _MAX_ALTS, _MAX_DECODED, FOREIGN_READERS, STORES_STDIN

# The reserved words that open a compound command (after ``coproc NAME``).
_COMPOUND_STARTS = frozenset({"{", "if", "while", "until", "for", "case", "select", "[["})


def _tok_literal(tok: _Tok) -> str | None:
    return tok.word.literal() if tok.word is not None else None


# Programs that copy what they read (a process substitution's output among it) into files.
_FILE_WRITERS = _COPIERS | STORES_STDIN


class _ControlFlow(_SimpleCommands):
    """The layer that parses a text into commands: the top of the analyser."""

    def run(self, text: str) -> None:
        out = self.out
        out.work += len(text) + 16
        if out.work > out.limit:
            out.uncertain = True
            return
        self.text = text
        toks = _Lexer(text, out, self.depth).tokens()
        levels = [_Level("top", len(out.cmds), self.fname)]
        self.levels = levels
        cur: _Cur | None = None
        pending_func = ""
        pending_time = False
        ntok = len(toks)
        i = 0
        while i < ntok:
            t = toks[i]
            i += 1
            lvl = levels[-1]
            if lvl.case_pat:
                if t.kind == _WORD_TOK and t.word is not None and t.word.literal() == "esac":
                    closed = self._close(levels, "case", t.end)
                    cur = self._after_close(closed)
                elif t.kind == _WORD_OP and t.op == ")":
                    lvl.case_pat = False
                continue
            if t.kind == _WORD_TOK and t.word is not None:
                word = t.word
                at_start = cur is None or (not cur.words and not cur.redirs and cur.group_start is None)
                kw = word.literal() if at_start else None
                if kw is not None and kw in _KEYWORDS:
                    if kw in ("if", "while", "until"):
                        self._open(levels, kw, pending_func, t.start, cond=True)
                        pending_func = ""
                    elif kw in ("then", "do", "else", "elif", "!"):
                        pass
                    elif kw == "time":
                        pending_time = True
                        while i < ntok and _tok_literal(toks[i]) in ("-p", "--"):
                            i += 1
                    elif kw in ("fi", "done", "}"):
                        want = {"fi": "if", "done": "loop", "}": "{"}[kw]
                        if any(
                            lv.kind == want or (want == "loop" and lv.kind in ("while", "until", "for"))
                            for lv in levels[1:]
                        ):
                            closed = self._close(levels, want, t.end)
                            cur = self._after_close(closed)
                        elif kw == "}":
                            cur = _Cur()
                            cur.words.append(word)
                        else:
                            out.uncertain = True
                    elif kw in ("for", "select"):
                        lv = self._open(levels, "for", pending_func, t.start, cond=True)
                        pending_func = ""
                        i = self._for_header(toks, i, lv)
                    elif kw == "case":
                        i = self._case_header(toks, i)
                        lv = self._open(levels, "case", pending_func, t.start, cond=True)
                        pending_func = ""
                        lv.case_pat = True
                    elif kw == "function":
                        if i < ntok and toks[i].word is not None:
                            pending_func = toks[i].word.raw  # type: ignore[union-attr]
                            i += 1
                            if i + 1 < ntok and toks[i].op == "(" and toks[i + 1].op == ")":
                                i += 2
                    elif kw == "{":
                        self._open(levels, "{", pending_func, t.start, cond=False)
                        pending_func = ""
                    elif kw == "[[":
                        cur = _Cur()
                        cur.words.append(word)
                        while i < ntok:
                            tt = toks[i]
                            i += 1
                            if tt.word is not None:
                                cur.words.append(tt.word)
                                if tt.word.literal() == "]]":
                                    break
                            elif tt.kind == _WORD_OP and tt.op != "\n":
                                cur.words.append(_Word([_Part(_LIT, tt.op, True)], tt.op))
                            elif tt.redir is not None:
                                cur.words.append(_Word([_Part(_LIT, tt.redir.op, True)], tt.redir.op))
                                cur.words.append(tt.redir.target)
                    elif kw == "coproc":
                        # what follows runs as a coprocess, in the background (``f() { coproc f; f; }`` spawns
                        # itself as ``f & f`` would: the fork-bomb rule reads background commands)
                        levels[-1].coproc = True
                        if i + 1 < ntok and (word_after := toks[i].word) is not None:
                            # ``coproc NAME { ...; }``: a word before a compound command names the coprocess, and
                            # the compound command is what runs (read as a plain command, its body went unjudged)
                            named = word_after.literal()
                            after = toks[i + 1]
                            starts = after.word.literal() if after.word is not None else None
                            compound = starts in _COMPOUND_STARTS or (after.kind == _WORD_OP and after.op == "(")
                            if named and _NAME.fullmatch(named) and compound:
                                i += 1
                    continue
                if (
                    at_start
                    and kw is not None
                    and i + 1 < ntok
                    and toks[i].op == "("
                    and toks[i + 1].op == ")"
                    and toks[i].kind == _WORD_OP
                ):
                    pending_func = kw
                    i += 2
                    continue
                if cur is None:
                    cur = _Cur()
                elif cur.group_start is not None:
                    out.uncertain = True
                    self._finish(levels, cur, ";")
                    cur = _Cur()
                if pending_time:
                    cur.time = True
                    pending_time = False
                cur.words.append(word)
                continue
            if t.kind == _REDIR_TOK and t.redir is not None:
                if cur is None:
                    cur = _Cur()
                cur.redirs.append(t.redir)
                continue
            op = t.op
            if op == "(":
                if cur is not None:
                    out.uncertain = True
                    self._finish(levels, cur, ";")
                    cur = None
                lv = self._open(levels, "(", pending_func, t.start, cond=False)
                pending_func = ""
                lv.snapshot = self.state.copy()
                continue
            if op == ")":
                if cur is not None:
                    self._finish(levels, cur, ";")
                    cur = None
                if any(lv.kind == "(" for lv in levels[1:]):
                    closed = self._close(levels, "(", t.end)
                    cur = self._after_close(closed)
                else:
                    out.uncertain = True
                continue
            # separators
            self.term = op
            self._finish(levels, cur, op)
            cur = None
            if op in (";;", ";&", ";;&"):
                for lv in reversed(levels):
                    if lv.kind == "case":
                        while levels[-1] is not lv:
                            self._close(levels, levels[-1].kind, t.end)
                        lv.case_pat = True
                        break
        self.term = ";"
        self._finish(levels, cur, ";")
        while len(levels) > 1:
            out.uncertain = True
            self._close(levels, levels[-1].kind, len(text))
            self._finish(levels, None, ";")

    # ---------------- blocks ----------------
    def _open(self, levels: list[_Level], kind: str, func: str, start: int, *, cond: bool) -> _Level:
        parent = levels[-1]
        lv = _Level(kind, len(self.out.cmds), func or parent.fname)
        lv.func = func
        lv.start_off = start
        lv.cond = cond and not func
        lv.exec_fds = self.out.exec_fds
        if func:
            # A function body is analysed where it is defined as if it ran there, on a copy of the state: the
            # body is linear within itself, and only a call (re-analysed with the real state) changes globals.
            lv.snapshot = self.state.copy()
            lv.saved_cond = self.cond
            self.cond = 0
        if lv.cond:
            self.cond += 1
        levels.append(lv)
        return lv

    def _close(self, levels: list[_Level], want: str, end: int) -> _Level:
        while len(levels) > 1:
            lv = levels.pop()
            self._end_pipeline(lv, background=False)
            if lv.andor:
                self.cond -= 1
                lv.andor = False
            if lv.cond:
                self.cond -= 1
            if lv.snapshot is not None:
                self.state = lv.snapshot
            if lv.kind == "(" or lv.func:  # (a subshell's exec, or one in a body not yet called, ends with it)
                self.out.exec_fds = lv.exec_fds
            if lv.func:
                self.cond = lv.saved_cond
                body = self.text[lv.start_off : end]
                self.state.funcs[lv.func] = body
            if lv.kind == want or (want == "loop" and lv.kind in ("while", "until", "for")):
                return lv
            self.out.uncertain = True
        return levels[0]

    def _after_close(self, closed: _Level) -> _Cur:
        return _Cur(group_start=closed.cmd_start)

    def _for_header(self, toks: list[_Tok], i: int, lv: _Level) -> int:
        ntok = len(toks)
        if i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "(":
            while i < ntok and not (toks[i].word is not None and toks[i].word.literal() == "do"):  # type: ignore[union-attr]
                i += 1
            return i
        name = toks[i].word.literal() if i < ntok and toks[i].word is not None else None  # type: ignore[union-attr]
        if name is None:
            self.out.uncertain = True
            return i
        i += 1
        while i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "\n":
            i += 1
        values: list[_Alt] = []
        if i < ntok and toks[i].word is not None and toks[i].word.literal() == "in":  # type: ignore[union-attr]
            i += 1
            while i < ntok and toks[i].word is not None:
                w = toks[i].word
                if w is None:  # the loop condition checked it
                    raise RuntimeError("a for-loop word vanished")
                if w.literal() == "do":
                    break
                for fields in self._expand(w)[:1]:
                    values.extend((f.text, f.empty, f.srcs) for f in fields)
                i += 1
        else:
            values = list(self.state.pos) if self.state.pos is not None else [("$@", "", ())]
        if not values:
            values = [("", None, ())]
        self._set_var(name, values[: _MAX_ALTS * 4], force_union=False, replace=True)
        return i

    def _case_header(self, toks: list[_Tok], i: int) -> int:
        ntok = len(toks)
        if i < ntok and toks[i].word is not None:
            self._expand(toks[i].word)  # type: ignore[arg-type]
            i += 1
        while i < ntok and toks[i].kind == _WORD_OP and toks[i].op == "\n":
            i += 1
        if i < ntok and toks[i].word is not None and toks[i].word.literal() == "in":  # type: ignore[union-attr]
            i += 1
        return i

    # ---------------- pipelines ----------------
    def _finish(self, levels: list[_Level], cur: _Cur | None, term: str) -> None:
        lvl = levels[-1]
        if cur is not None:
            before = len(self.out.cmds)
            main = -1
            if cur.group_start is not None:
                if cur.redirs:
                    redirects, stdin = self._redirects(cur.redirs)
                    inside = (cur.group_start, len(self.out.cmds))
                    cmd = self._emit([], "", (), redirects, stdin)
                    main = len(self.out.cmds) - 1 if cmd is not None else -1
                    self._record_inner_output(*inside, redirects)  # (``{ echo ...; } > f``: what the group prints)
                    if stdin is not None and self._output_stored(redirects):
                        self._record_written(stdin)  # (``{ cat; } > f <<< ...``: what the group reads can end there)
                before = cur.group_start
            else:
                main = self._execute(cur)
                if 0 <= main < len(self.out.cmds) and len(self.out.cmds) - before > 1:
                    self._record_nested_stores(before, main)
            if len(self.out.cmds) > before:
                lvl.pipe.append((before, len(self.out.cmds), main))
        if term in ("|", "|&"):
            lvl.piping = True
            return
        self._end_pipeline(lvl, background=term == "&")
        if term in ("&&", "||"):
            if not lvl.andor:
                lvl.andor = True
                self.cond += 1
        elif lvl.andor:
            lvl.andor = False
            self.cond -= 1

    def _record_piped_writes(self, elems: list[tuple[int, int, int]], mains: list[_Cmd | None]) -> None:
        """What a pipeline stores for later. When a stage keeps its input (a program that stores it, or any
        command inside the stage whose output goes to a file: ``| sudo tee -a /etc/crontab``, ``| crontab -``,
        ``| (cat > f)``, ``| sh -c 'cat > f'``, ``| while read ...; done > f``), every static producer before it
        is read as stored text (what each prints, and the heredocs they are given), and so is the chain's
        computed output through the decoders and filters between (``echo cm0= | base64 -d | tee f``)."""
        cmds = self.out.cmds
        for k in range(1, len(elems)):
            a, b, _main = elems[k]
            if not any(self._stores_input(c) for c in cmds[a:b]):
                continue
            self.out.work += sum(end - start for start, end, _unused in elems[:k])
            if self.out.work > self.out.limit:
                self.out.uncertain = True
                return
            for start, end, _unused in elems[:k]:
                for producer in cmds[start:end]:
                    if not (producer.redirects and self._output_stored(producer.redirects)):
                        self._record_output(producer)
                        if producer.stdin is not None:
                            self._record_written(producer.stdin)
                        if producer.name in ("sed", "gsed"):
                            self._record_sed_text(producer)
            consumer = mains[k]
            through = consumer is not None and self._output_stored(consumer.redirects)  # (a filter into a file)
            self._record_chain_outputs(mains[: k + 1] if through else mains[:k])
            return

    def _record_chain_outputs(self, stages: list[_Cmd | None]) -> None:
        """Each static producer's output carried through the stages after it, as far as they can be computed
        (decoders, ``tr``, ``rev``, ``cat``...): every text along the way is stored text, so a decoder's output is
        read even when a later stage (``sort``, ``sha256sum``) cannot be computed."""
        producers = 0
        for start, first in enumerate(stages):
            if first is None or producers >= 8:
                continue
            text = _chain_output([first])
            if text is None:
                continue
            producers += 1
            data: bytes | None = text.encode("utf-8", "surrogateescape")
            for stage in stages[start + 1 :]:
                self.out.work += 1
                if stage is None or data is None or len(data) > _MAX_DECODED or self.out.work > self.out.limit:
                    break
                data = _filter_output(stage, data)
                if data is not None:
                    self._record_written(data.decode("utf-8", "replace"), decoded=True)

    def _record_nested_stores(self, before: int, main: int) -> None:
        """A command that runs commands of its own (``sh -c '...'``, ``eval``, ``bash -s``, a function): what they
        print goes where its redirections lead (``sh -c "echo ..." > f``), and the heredoc or here-string it is
        given is what they read (``sh -c 'cat > f' <<< ...``)."""
        cmds = self.out.cmds
        command = cmds[main]
        if command.redirects:
            self._record_inner_output(main + 1, len(cmds), command.redirects)
        keeps = self._output_stored(command.redirects) or command.name in _FILE_WRITERS or command.name == "exec"
        for inner in cmds[before:main] if keeps else ():  # (``cat <(echo ...) > f``, ``cp <(echo ...) f``)
            if inner.origin == "process-substitution":
                self._record_output(inner)
        if command.stdin is not None and any(self._stores_input(c) for c in cmds[main + 1 :]):
            self._record_written(command.stdin)

    def _end_pipeline(self, lvl: _Level, *, background: bool) -> None:
        elems = lvl.pipe
        lvl.pipe = []
        lvl.piping = False
        cmds = self.out.cmds
        if background or lvl.coproc:
            lvl.coproc = False
            for a, b, _unused in elems:
                for c in cmds[a:b]:
                    c.background = True
        if len(elems) < 2:
            return
        idxs: list[int] = []
        last = len(elems) - 1
        for k, (a, b, _unused) in enumerate(elems):
            for c in cmds[a:b]:
                if k > 0:
                    c.pipe_in = True
                if k < last:
                    c.pipe_out = True
            idxs.extend(range(a, b))
        self.out.pipelines.append(tuple(idxs))
        mains = [cmds[m] if m >= 0 else None for _unused1, _unused2, m in elems]
        self._record_piped_writes(elems, mains)
        for k in range(1, len(elems)):
            consumer = mains[k]
            foreign = consumer is not None and consumer.name in FOREIGN_READERS
            if consumer is None or not (consumer.stdin_code or foreign):
                continue
            text = None
            for j in range(k - 1, max(-1, k - 6), -1):
                chain = mains[j:k]
                if all(c is not None for c in chain):
                    text = _chain_output([c for c in chain if c is not None])
                    if text is not None:
                        break
            if text is not None and foreign:
                # A database shell or PowerShell reads another language: the rules read its input, bash does not.
                if consumer.stdin is None:
                    consumer.stdin = text
            elif text is not None and consumer.stdin_lang:
                # An interpreter or a tool with a command language of its own (``| python3``, ``| ed``, ``| m4``).
                self._read_stdin_script(consumer, text)
            elif text is not None:
                if consumer.stdin is None:
                    consumer.stdin = text
                if consumer.code is None:
                    consumer.code = text
                start, end = self.nested(text, "pipe", state=_State(consumer.cwds[0]), wrap=consumer.wrappers)
                if consumer.redirects:  # (``echo "echo ..." | sh > f``: what the piped code prints goes there)
                    self._record_inner_output(start, end, consumer.redirects)
