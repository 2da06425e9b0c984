# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Words after expansion: parameters, command substitution, brace expansion, field splitting and assignments.

A word (``_Word``) becomes every alternative list of fields (``_Field``) bash may make of it, bounded by
``_MAX_VARIANTS`` and ``_MAX_BRACE``. Variables whose values are statically known are substituted and the
``${X:-y}``, ``${X#y}``, ``${X/y/z}``, ... operators applied to them; a ``$(...)`` is analysed as nested code and
replaced by its output when that is static. What stays unknown keeps its source text and its "empty" form (the
word with every unknown part empty), and each field remembers the commands that produced it, so that a value which
becomes code can mark its producers (``_mark_feeds``). Assignments (``X=...``, ``a=(...)``, ``x+=...``) are here
too: they are expansions written into the state.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Sequence

from ._base import _AnalyzerBase
from ._lexer import _LIT, _PARAM, _SUB, _Lexer, _Part, _Word, decode_escapes
from ._output import _static_output
from ._state import _Alt, _State
from ._vocabulary import (
    _COMMAND_ENV_VARS,
    _MAX_ALTS,
    _MAX_BRACE,
    _MAX_BRACE_ATOMS,
    _MAX_VALUE,
    _MAX_VARIANTS,
    ALIAS_ARRAYS,
    GUARDED_UNKNOWN,
)


class _Field:
    __slots__ = ("empty", "glob", "proc", "srcs", "text")

    def __init__(self, text: str, empty: str | None, glob: bool, srcs: tuple[tuple[int, int], ...], proc: bool):
        self.text = text
        self.empty = empty  # None when static
        self.glob = glob
        self.srcs = srcs
        self.proc = proc


def _static(text: str) -> _Field:
    return _Field(text, None, False, (), False)


def _unknown(text: str) -> _Field:
    """A word whose value is not statically known (it may be anything, or empty), shown as ``text``."""
    return _Field(text, "", False, (), False)


def _has_glob(text: str) -> bool:
    return "*" in text or "?" in text or ("[" in text and "]" in text[text.index("[") + 1 :])


_SEQ = re.compile(
    r"(-?[0-9]{1,9})\.\.(-?[0-9]{1,9})(?:\.\.(-?[0-9]{1,6}))?|([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?[0-9]{1,6}))?"
)


def _sequence(inner: str) -> list[str] | None:
    m = _SEQ.fullmatch(inner)
    if not m:
        return None
    if m.group(1) is not None:
        a, b = int(m.group(1)), int(m.group(2))
        step = abs(int(m.group(3) or 1)) or 1
        rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(x) for x in list(rng[:_MAX_BRACE])]
    a, b = ord(m.group(4)), ord(m.group(5))
    step = abs(int(m.group(6) or 1)) or 1
    rng = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
    return [chr(x) for x in list(rng[:_MAX_BRACE])]


def _find_brace(atoms: list[str | _Part]) -> tuple[int, int, list[list[str | _Part]]] | None:
    """Leftmost brace expression in one linear pass: (open index, close index, alternatives)."""
    stack: list[int] = []
    commas: dict[int, list[int]] = {}
    best: tuple[int, int, list[int]] | None = None
    for idx, atom in enumerate(atoms):
        if atom == "{":
            stack.append(idx)
        elif atom == "," and stack:
            commas.setdefault(stack[-1], []).append(idx)
        elif atom == "}" and stack:
            open_idx = stack.pop()
            cs = commas.pop(open_idx, [])
            valid = bool(cs)
            if not valid:
                inner = atoms[open_idx + 1 : idx]
                valid = (
                    all(isinstance(a, str) for a in inner)
                    and _sequence("".join(a for a in inner if isinstance(a, str))) is not None
                )
            if valid and (best is None or open_idx < best[0]):
                best = (open_idx, idx, cs)
    if best is None:
        return None
    lo, hi, cs = best
    if cs:
        bounds = [lo, *cs, hi]
        alts = [atoms[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)]
    else:
        seq = _sequence("".join(a for a in atoms[lo + 1 : hi] if isinstance(a, str))) or []
        alts = [list(x) for x in seq]
    return lo, hi, alts


def _rebuild(atoms: list[str | _Part]) -> list[_Part]:
    parts: list[_Part] = []
    buf: list[str] = []
    for atom in atoms:
        if isinstance(atom, str):
            buf.append(atom)
        else:
            if buf:
                parts.append(_Part(_LIT, "".join(buf), False))
                buf = []
            parts.append(atom)
    if buf:
        parts.append(_Part(_LIT, "".join(buf), False))
    return parts


def _split_ifs(text: str, ifs: str) -> tuple[list[str], bool, bool]:
    """Field-split ``text`` on ``ifs``; returns (pieces, leading separator, trailing separator)."""
    if not ifs:
        return [text], False, False
    pattern = "[" + re.escape(ifs) + "]+"
    pieces = re.split(pattern, text)
    lead = bool(pieces) and pieces[0] == ""
    trail = len(pieces) > 1 and pieces[-1] == ""
    return [p for p in pieces if p], lead, trail


def _join_alts(values: Sequence[_Alt]) -> _Alt:
    dyn = any(v[1] is not None for v in values)
    text = " ".join(v[0] for v in values)
    empty = " ".join((v[1] if v[1] is not None else v[0]) for v in values) if dyn else None
    srcs = tuple(s for v in values for s in v[2])
    return (text, empty, srcs)


class _Expansion(_AnalyzerBase):
    """The layer that expands words and assigns variables."""

    # ---------------- expansion ----------------
    def _lookup(self, part: _Part) -> list[_Alt]:
        name = part.name
        unknown: list[_Alt] = [(part.raw, "", ())]
        st = self.state
        if part.index is not None and name not in ("@", "*"):
            arr = st.arrays.get(name)
            if part.index in ("@", "*"):
                if arr is None:
                    vals = st.vars.get(name)
                    return list(vals) if vals else unknown
                return [_join_alts(arr)]
            if arr is not None:
                try:
                    k = int(part.index)
                except ValueError:
                    return unknown
                return [arr[k]] if -len(arr) <= k < len(arr) else [("", None, ())]
            if part.index == "0":
                return list(st.vars.get(name, unknown))
            return unknown
        if name in st.vars:
            return list(st.vars[name])
        if name == "IFS":
            return [(" \t\n", None, ())]
        if name == "PWD" and st.cwds[0] is not None and len(st.cwds) == 1:
            return [(st.cwds[0], None, ())]
        if name.isdigit() and name != "0":
            if st.pos is None:
                return unknown
            k = int(name) - 1
            return [st.pos[k]] if k < len(st.pos) else [("", None, ())]
        if name in ("@", "*"):
            if st.pos is None:
                return unknown
            return [_join_alts(st.pos)]
        if name == "#" and st.pos is not None:
            return [(str(len(st.pos)), None, ())]
        return unknown

    def _param(self, part: _Part) -> list[_Alt]:
        op = part.op
        if op in ("bad", "indirect"):
            self.out.uncertain = self.out.uncertain or op == "bad"
            return [(part.raw, "", self._arg_srcs(part))]
        base = self._lookup(part)
        if op == "":
            return base
        result: list[_Alt] = []
        for text, empty, srcs in base[:_MAX_ALTS]:
            if op == "len":
                result.append((str(len(text)), None, srcs) if empty is None else (part.raw, "", srcs))
                continue
            arg = self._arg_value(part)
            if empty is not None:
                # Unknown value: keep the source text; its "empty" form follows bash's rule for an empty value.
                if op in (":-", "-", ":=", "="):
                    result.append((part.raw, arg[1] if arg[1] is not None else arg[0], srcs + arg[2]))
                elif op == ":?":
                    # ``${X:?}`` never expands to nothing: unset or empty, bash stops the command (shellcheck's
                    # SC2115 guard). Its value stays unknown, read as a word that is not empty.
                    result.append((part.raw, GUARDED_UNKNOWN, srcs + arg[2]))
                else:
                    result.append((part.raw, "", srcs + arg[2]))
                continue
            value = self._apply_op(op, text, part, arg)
            if value is None:
                result.append((part.raw, "", srcs + arg[2]))
            else:
                result.append(value if value[2] else (value[0], value[1], srcs))
            if op in (":=", "=") and text == "" and value is not None:
                self._set_var(part.name, [value], force_union=False)
        return result or [(part.raw, "", ())]

    def _arg_srcs(self, part: _Part) -> tuple[tuple[int, int], ...]:
        if part.arg is None:
            return ()
        return self._arg_value(part)[2]

    def _arg_value(self, part: _Part) -> _Alt:
        if part.arg is None:
            return ("", None, ())
        alts = self._expand(part.arg, split=False, brace=False)
        fields = alts[0] if alts else []
        if not fields:
            return ("", None, ())
        f = fields[0]
        return (f.text, f.empty, f.srcs)

    def _apply_op(self, op: str, v: str, part: _Part, arg: _Alt) -> _Alt | None:
        atext, aempty, _unused = arg
        if op in (":-", ":="):
            return arg if v == "" else (v, None, ())
        if op in ("-", "=", ":?", "?"):
            return (v, None, ())
        if op == ":+":
            return arg if v != "" else ("", None, ())
        if op == "+":
            return arg
        if aempty is not None:
            return None
        if op in ("#", "##", "%", "%%"):
            if not _has_glob(atext):
                if op.startswith("#"):
                    return (v[len(atext) :] if v.startswith(atext) else v, None, ())
                return (v[: len(v) - len(atext)] if atext and v.endswith(atext) else v, None, ())
            if len(v) > 256:
                return None
            rng = range(len(v) + 1) if op in ("#", "%%") else range(len(v), -1, -1)
            for k in rng:
                if op.startswith("#") and fnmatch.fnmatchcase(v[:k], atext):
                    return (v[k:], None, ())
                if op.startswith("%") and fnmatch.fnmatchcase(v[len(v) - k :] if op == "%%" else v[k:], atext):
                    return ((v[: len(v) - k] if op == "%%" else v[:k]), None, ())
            return (v, None, ())
        if op in ("/", "//", "/#", "/%"):
            pat, _separator, rep = atext.partition("/")
            if _has_glob(pat):
                return None
            if not pat:
                return (v, None, ())
            if op == "/":
                return (v.replace(pat, rep, 1), None, ())
            if op == "//":
                return (v.replace(pat, rep), None, ())
            if op == "/#":
                return ((rep + v[len(pat) :]) if v.startswith(pat) else v, None, ())
            return ((v[: len(v) - len(pat)] + rep) if v.endswith(pat) else v, None, ())
        if op == "^^":
            return (v.upper(), None, ())
        if op == ",,":
            return (v.lower(), None, ())
        if op == "^":
            return (v[:1].upper() + v[1:], None, ())
        if op == ",":
            return (v[:1].lower() + v[1:], None, ())
        if op == ":":
            m = re.fullmatch(r"\s*(-?[0-9]{1,9})\s*(?::\s*(-?[0-9]{1,9})\s*)?", atext)
            if not m:
                return None
            off = int(m.group(1))
            off = max(len(v) + off, 0) if off < 0 else off
            if m.group(2) is None:
                return (v[off:], None, ())
            ln = int(m.group(2))
            end = off + ln if ln >= 0 else len(v) + ln
            return (v[off:end], None, ())
        if op == "@" and atext in ("Q", "E", "L", "U", "u"):
            if atext == "Q":
                return (shlex.quote(v), None, ())
            if atext == "E":
                return (decode_escapes(v)[0], None, ())
            return ((v.lower() if atext == "L" else v.upper() if atext == "U" else v[:1].upper() + v[1:]), None, ())
        return None

    def _sub(self, part: _Part) -> _Alt:
        if part.cache is not None:
            return part.cache
        if part.sub == "arith":
            parts: list[_Part] = []
            _Lexer(part.inner, self.out, self.depth).dq(0, parts, heredoc=True)
            srcs: list[tuple[int, int]] = []
            for p in parts:
                if p.kind == _SUB:
                    srcs.extend(self._sub(p)[2])
                elif p.kind == _PARAM:
                    for alt in self._param(p):
                        srcs.extend(alt[2])
            m = re.fullmatch(r"\s*([0-9]{1,12})\s*", part.inner)
            part.cache = (m.group(1), None, ()) if m else (part.raw, "", tuple(srcs))
            return part.cache
        origin = "substitution" if part.sub == "cmd" else "process-substitution"
        a, b = self.nested(part.inner, origin)
        value = _static_output(self.out.cmds, a, b) if part.sub == "cmd" else None
        part.cache = (value, None, ((a, b),)) if value is not None else (part.raw, "", ((a, b),))
        return part.cache

    def _expand(self, word: _Word, *, split: bool = True, brace: bool = True) -> list[list[_Field]]:
        """All alternatives of the fields ``word`` expands to (brace, parameter, command substitution, splitting)."""
        parts0 = word.parts
        if len(parts0) == 1 and parts0[0].kind == _LIT:
            text = parts0[0].raw
            if parts0[0].quoted:
                return [[_Field(text, None, False, (), False)]]
            if "{" not in text or not brace:
                return [[_Field(text, None, _has_glob(text), (), False)]]
        if brace and any(p.kind == _LIT and not p.quoted and "{" in p.raw for p in word.parts):
            partlists = self._braces(word.parts)
            if len(partlists) > 1:
                combined: list[list[_Field]] = [[]]
                for parts in partlists:
                    expanded = self._expand(_Word(parts, ""), split=split, brace=False)
                    combined = [c + a for c in combined for a in expanded]
                    if len(combined) > _MAX_VARIANTS:
                        self.out.uncertain = True
                        combined = combined[:_MAX_VARIANTS]
                return combined
            word = _Word(partlists[0], word.raw)
        result: list[list[_Field]] = []
        for parts in [word.parts]:
            per: list[list[_Alt]] = []
            multi = False
            for p in parts:
                if p.kind == _LIT:
                    per.append([])
                elif p.kind == _PARAM:
                    alts = self._param(p)
                    multi = multi or len(alts) > 1
                    per.append(alts)
                else:
                    per.append([self._sub(p)])
            if not multi:
                result.append(self._fields(parts, [a[0] if a else None for a in per], split))
                continue
            combos: list[list[_Alt | None]] = [[]]
            for alts in per:
                combos = [[*c, a] for c in combos for a in alts] if alts else [[*c, None] for c in combos]
                if len(combos) > _MAX_VARIANTS:
                    self.out.uncertain = True
                    combos = combos[:_MAX_VARIANTS]
            for combo in combos:
                result.append(self._fields(parts, combo, split))
        return result

    def _fields(self, parts: list[_Part], combo: Sequence[_Alt | None], split: bool) -> list[_Field]:
        fields: list[_Field] = []
        text: list[str] = []
        empty: list[str] = []
        dyn = False
        has = False
        glob = False
        proc = False
        srcs: list[tuple[int, int]] = []
        ifs: str | None = None

        # An unquoted "[" whose "]" comes in a later unquoted part of the word is a bracket expression too: quoting
        # inside one (["r"]m, [r""]m) makes its characters literal, not the brackets (bash matches /bin/rm).
        bracket = False

        def flush() -> None:
            nonlocal text, empty, dyn, has, glob, proc, srcs, bracket
            if has:
                fields.append(_Field("".join(text), "".join(empty) if dyn else None, glob, tuple(srcs), proc))
            text, empty, dyn, has, glob, proc, srcs, bracket = [], [], False, False, False, False, [], False

        for p, alt in zip(parts, combo, strict=True):
            if p.kind == _LIT:
                text.append(p.raw)
                empty.append(p.raw)
                has = True
                if not p.quoted and not glob:
                    if _has_glob(p.raw) or (bracket and "]" in p.raw):
                        glob = True
                    elif "[" in p.raw:
                        bracket = True
                continue
            if alt is None:
                continue
            value, vempty, vsrcs = alt
            srcs.extend(vsrcs)
            if p.kind == _SUB and p.sub.startswith("proc"):
                proc = True
            if vempty is not None:
                text.append(value)
                empty.append(vempty)
                dyn = True
                has = True
                continue
            force = p.name in ("@", "*") or p.index in ("@", "*")
            if not split or (p.quoted and not force):
                text.append(value)
                empty.append(value)
                has = True
                continue
            if not value:
                continue
            if ifs is None:
                ifs_alts = self.state.vars.get("IFS")
                ifs = ifs_alts[0][0] if ifs_alts and ifs_alts[0][1] is None else " \t\n"
            pieces, lead, trail = _split_ifs(value, ifs if not force else (ifs or " ") + " ")
            if lead:
                flush()
            for k, piece in enumerate(pieces):
                if k:
                    keep = srcs
                    flush()
                    srcs = list(keep)
                text.append(piece)
                empty.append(piece)
                has = True
                if _has_glob(piece):
                    glob = True
            if trail:
                flush()
        flush()
        if not split and len(fields) > 1:
            return [_Field(" ".join(f.text for f in fields), None, False, (), False)]
        return fields

    def _braces(self, parts: list[_Part]) -> list[list[_Part]]:
        atoms: list[str | _Part] = []
        for p in parts:
            if p.kind == _LIT and not p.quoted:
                atoms.extend(p.raw)
            else:
                atoms.append(p)
        if len(atoms) > _MAX_BRACE_ATOMS:
            self.out.uncertain = True
            return [parts]
        done: list[list[_Part]] = []
        work: list[list[str | _Part]] = [atoms]
        steps = 0
        while work:
            steps += 1
            self.out.work += len(work[-1])
            if steps > 4 * _MAX_BRACE or len(done) >= _MAX_BRACE:
                self.out.uncertain = True
                break
            atoms = work.pop()
            found = _find_brace(atoms)
            if found is None:
                done.append(_rebuild(atoms))
                continue
            lo, hi, alts = found
            for alt in reversed(alts):
                work.append(atoms[:lo] + alt + atoms[hi + 1 :])
        return done or [parts]

    # ---------------- variables ----------------
    def _set_var(
        self, name: str, values: list[_Alt], *, force_union: bool, replace: bool = False, append: bool = False
    ) -> None:
        st = self.state
        cleaned: list[_Alt] = []
        for text, empty, srcs in values:
            if len(text) > _MAX_VALUE:
                self.out.uncertain = True
                cleaned.append(("$" + name, "", srcs))
            else:
                cleaned.append((text, empty, srcs))
        if append:
            old = st.vars.get(name, [("", None, ())])
            cleaned = [
                (
                    o[0] + v[0],
                    (o[1] if o[1] is not None else o[0]) + (v[1] if v[1] is not None else v[0])
                    if (o[1] is not None or v[1] is not None)
                    else None,
                    o[2] + v[2],
                )
                for o in old[:_MAX_ALTS]
                for v in cleaned[:_MAX_ALTS]
            ][:_MAX_ALTS]
        if (self.cond > 0 or force_union) and not replace:
            old = st.vars.get(name, [("$" + name, "", ())])
            merged = list(old)
            for v in cleaned:
                if v not in merged:
                    merged.append(v)
            if len(merged) > _MAX_ALTS:
                self.out.uncertain = True
                merged = merged[-_MAX_ALTS:]
            st.vars[name] = merged
        else:
            st.vars[name] = cleaned or [("", None, ())]
        st.arrays.pop(name, None)

    def _assign_word(self, word: _Word, m: re.Match[str]) -> None:
        name, index, plus = m.group(1), m.group(2), m.group(3)
        first = word.parts[0]
        rest_text = first.raw[m.end() :]
        if word.array is not None:
            items: list[_Alt] = []
            for item in word.array:
                for fields in self._expand(item)[:1]:
                    items.extend((f.text, f.empty, f.srcs) for f in fields)
            if name in ALIAS_ARRAYS:
                for text, _empty, _srcs in items:
                    key, eq, value = text.partition("]=")
                    if eq and key.startswith("["):
                        self.alias_entry(name, key[1:], value)
            if plus and name in self.state.arrays:
                items = self.state.arrays[name] + items
            self.state.arrays[name] = items[:1024]
            self.state.vars[name] = [items[0]] if items else [("", None, ())]
            self._command_env(name, items[:_MAX_ALTS])  # (``PROMPT_COMMAND=('cmd' ...)``: each element runs)
            return
        parts = ([_Part(_LIT, rest_text, False)] if rest_text else []) + word.parts[1:]
        alts = self._expand(_Word(parts, ""), split=False, brace=False)
        values: list[_Alt] = []
        for fields in alts:
            if fields:
                values.append((fields[0].text, fields[0].empty, fields[0].srcs))
            else:
                values.append(("", None, ()))
        if index is not None:
            key = index[1:-1]
            if name in ALIAS_ARRAYS:
                for text, _empty, _srcs in values:
                    self.alias_entry(name, key, text)
            arr = self.state.arrays.setdefault(name, [])
            if key.isdigit() and int(key) < 1024 and values:
                k = int(key)
                while len(arr) <= k:
                    arr.append(("", None, ()))
                arr[k] = values[0]
                if k == 0:
                    self.state.vars[name] = [values[0]]
            return
        self._set_var(name, values, force_union=False, append=bool(plus))
        self._command_env(name, values)

    def alias_entry(self, array: str, key: str, value: str) -> None:
        """An element written into bash's alias table (``BASH_ALIASES[ls]='rm -rf /'`` is ``alias ls='rm -rf /'``)
        or its command hash (``BASH_CMDS[ls]=/bin/rm`` runs /bin/rm for ``ls``, as ``hash -p /bin/rm ls`` does):
        either way the name then runs the value, which is what an alias of it says."""
        key = key.strip("'\"")
        if key and value:
            self.state.aliases[key] = value

    def _command_env(self, name: str, values: list[_Alt]) -> None:
        """A variable whose value a program runs as code (``GIT_SSH_COMMAND``, ``PAGER``, ``LESSOPEN``, ``PS4``,
        ``TAR_OPTIONS``: ``_COMMAND_ENV_VARS``) is read as that code where the text assigns it, on a fresh state
        (the program runs it later, in its own shell). Values that are not statically known are left to the
        expansion that uses them."""
        kind = _COMMAND_ENV_VARS.get(name)
        if kind is None:
            return
        for text, empty, _srcs in values[:_MAX_ALTS]:
            if empty is not None or not text.strip():
                continue
            code = text.replace("%s", "FILE")  # the file or URL the program substitutes (named by the same text)
            if kind == "lessopen":
                code = code.lstrip(" ").removeprefix("||").removeprefix("|").removeprefix("-")
            elif kind == "prompt":
                lines = [line for line in text.split("\n") if line != "__PRAXIS_PROMPT__"]
                code = "cat <<__PRAXIS_PROMPT__\n" + "\n".join(lines) + "\n__PRAXIS_PROMPT__\n"
            elif kind.startswith("options "):
                code = kind.split(" ", 1)[1] + " " + text
            self.nested(code, "environment", state=_State(self.state.cwds[0]))

    # ---------------- values that become code ----------------
    def _mark_feeds(self, fields: Sequence[_Field]) -> None:
        for f in fields:
            for a, b in f.srcs:
                for c in self.out.cmds[a:b]:
                    c.feeds_code = True
