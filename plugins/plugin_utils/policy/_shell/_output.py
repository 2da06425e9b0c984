# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a static producer prints, and what decoding filters make of it.

This is how ``echo cm0gLXJmIC8= | base64 -d | sh``, ``echo 'ez -es /' | tr ez rm | sh``, ``$(printf 'r%s' m)`` and
``cat > x.sh <<EOF`` are seen through: when every stage of a short chain is statically known (``echo``, ``printf``,
``cat`` of a heredoc, an awk ``BEGIN`` that prints literals, ``pwd``, ``mktemp``, ``dirname``, then ``base64 -d``,
``xxd -r -p``, ``iconv``, ``rev``, ``tr``, ``sed`` substituting literal text, ``cut``, ``head``, ``tail``, ``tac``,
``gunzip``, ...), its output is computed, at most ``_MAX_DECODED`` bytes of it, and the analyser reads it as the code
or word it becomes. Anything not statically known gives None, and the caller keeps the text unresolved (a consumer
that runs it rounds up).

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable, Sequence

from ._lexer import decode_escapes
from ._results import _Cmd
from ._scripts import sed_invocation, sed_output, sed_script
from ._vocabulary import _AWKS, _CAT_STDIN, _MAX_DECODED


def _echo_text(argv: Sequence[str]) -> str:
    k = 1
    escapes = False
    newline = True
    while k < len(argv) and re.fullmatch(r"-[neE]+", argv[k]):
        escapes = "e" in argv[k] or (escapes and "E" not in argv[k])
        newline = newline and "n" not in argv[k]
        k += 1
    text = " ".join(argv[k:])
    if escapes:
        text = decode_escapes(text, echo=True)[0]
    return text + ("\n" if newline else "")


# One printf conversion: an optional argument position (``%2$s``), flags, a width and a precision (each a number
# or ``*``, read from the arguments), and the conversion letter.
_PRINTF_SPEC = re.compile(r"%(?:([1-9][0-9]{0,3})\$)?([-+ #0']*)(\*|[0-9]{1,4})?(?:\.(\*|[0-9]{0,4}))?([a-zA-Z%])")
_PRINTF_NUMBERS = "diouxXeEfFgGaA"
_MAX_PRINTF_WIDTH = 4096


def _printf_text(argv: Sequence[str]) -> str | None:
    """What bash's printf prints for static words: the format (after ``--``) applied to the arguments, again and
    again while arguments remain; ``%s``, ``%b`` (its argument's escapes decoded), ``%q`` and ``%c`` with their
    flags, width and precision, and numbers as written. None for ``-v`` (it prints nothing) or a conversion bash
    does not have."""
    words = list(argv[1:])
    if words[:1] == ["--"]:
        words = words[1:]
    if not words:
        return ""
    fmt = words[0]
    if fmt.startswith("-"):
        return None
    args = words[1:]
    out: list[str] = []
    for _repeat in range(64):
        consumed = False
        chunk: list[str] = []
        at = 0
        for match in _PRINTF_SPEC.finditer(fmt):
            chunk.append(decode_escapes(fmt[at : match.start()])[0])
            at = match.end()
            position, flags, width, precision, conversion = match.groups()
            if conversion == "%":
                chunk.append("%")
                continue
            if width == "*" or precision == "*":
                taken = [args.pop(0) if args else "0" for star in (width, precision) if star == "*"]
                consumed = True
                width = taken.pop(0) if width == "*" else width
                precision = taken.pop(0) if precision == "*" else precision
            if position is not None:
                index = int(position) - 1
                value = words[1:][index] if index < len(words) - 1 else ""
            else:
                value = args.pop(0) if args else ""
                consumed = True
            if conversion == "b":
                value = decode_escapes(value, echo=True)[0]
            elif conversion == "c":
                value = value[:1]
            elif conversion not in "sq" and conversion not in _PRINTF_NUMBERS:
                return None
            if precision not in (None, "") and conversion in "sbq" and precision.isdigit():
                value = value[: int(precision)]  # (a negative precision, from *, is none: bash prints it all)
            if width not in (None, "") and width.lstrip("-").isdigit():
                size = abs(int(width[:12]))
                if size > _MAX_PRINTF_WIDTH:
                    return None  # (padding that large is not static text the rules read; it is not computed)
                value = value.ljust(size) if "-" in flags or width.startswith("-") else value.rjust(size)
            chunk.append(value)
        chunk.append(decode_escapes(fmt[at:])[0])
        out.append("".join(chunk))
        if not args or not consumed:
            break
    return "".join(out)


def _produced_text(cmd: _Cmd, *, writes_ok: bool = False, any_redirects: bool = False) -> str | None:
    """What a static producer writes to its standard output (echo/printf with static words, cat of a heredoc).
    ``any_redirects``: the caller followed the redirections itself (where the output goes is its business)."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms):
        return None
    for r in () if any_redirects else cmd.redirects:
        if r.op in ("<<", "<<-", "<<<") or r.fd == 2 or r.op == ">&":
            continue
        if not (writes_ok and r.op in (">", ">>", ">|", "&>", "&>>") and r.fd in (None, 1)):
            return None
    name = cmd.name
    if name == "echo":
        return _echo_text(cmd.argv)
    if name == "printf":
        return _printf_text(cmd.argv)
    if name == "cat" and cmd.stdin is not None and all(word in _CAT_STDIN for word in cmd.argv[1:]):
        return cmd.stdin
    if name == "pwd" and len(cmd.cwds) == 1 and cmd.cwds[0] is not None:
        return cmd.cwds[0] + "\n"
    if name == "mktemp":
        # A fresh name under the temporary directory (or the one given): removing it later is routine.
        base = "/tmp"  # noqa: S108 - a name the command would use, nothing is created here
        for k, arg in enumerate(cmd.argv[1:], start=1):
            if arg in ("-p", "--tmpdir") and k + 1 < len(cmd.argv):
                base = cmd.argv[k + 1]
            elif arg.startswith(("--tmpdir=", "-p")) and len(arg) > 2 and arg != "-p":
                base = arg.split("=", 1)[1] if "=" in arg else arg[2:]
            elif not arg.startswith("-") and "/" in arg and cmd.argv[k - 1] not in ("-p", "--tmpdir"):
                return arg.replace("X", "x") + "\n"
        return base.rstrip("/") + "/tmp.xxxxxxxxxx\n"  # noqa: S108
    if name in _AWKS and len(cmd.argv) == 2:
        return _awk_begin_output(cmd.argv[1])
    if name in ("dirname", "basename") and len(cmd.argv) == 2 and not cmd.argv[1].startswith("-"):
        path = cmd.argv[1]
        if name == "basename":
            return (path.rstrip("/").rsplit("/", 1)[-1] or "/") + "\n"
        head = path.rstrip("/").rsplit("/", 1)[0] if "/" in path.rstrip("/") else "."
        return (head or "/") + "\n"
    return None


_AWK_STRING = re.compile(r'"((?:[^"\\\n]|\\.){0,4000})"')
_AWK_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "\\": "\\",
    '"': '"',
    "/": "/",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _awk_begin_output(program: str) -> str | None:
    """What ``awk 'BEGIN { print "..."; printf "..." }'`` prints: a BEGIN block of print and printf statements
    with string literals only; None for any other program."""
    body = program.strip()
    if not body.startswith("BEGIN"):
        return None
    body = body[5:].strip()
    if not (body.startswith("{") and body.endswith("}")):
        return None
    out: list[str] = []
    for raw in re.split(r"[;\n]", body[1:-1]):
        statement = raw.strip()
        if not statement:
            continue
        verb, _separator, rest = statement.partition(" ")
        if verb not in ("print", "printf"):
            return None
        rest = rest.strip().removeprefix("(").removesuffix(")") if verb == "print" else rest.strip()
        literals = list(_AWK_STRING.finditer(rest))
        if not literals or _AWK_STRING.sub("", rest).replace(",", "").strip():
            return None
        values = [_awk_unescape(m.group(1)) for m in literals]
        if verb == "printf":
            if len(values) != 1 or "%" in values[0].replace("%%", ""):
                return None
            out.append(values[0].replace("%%", "%"))
        else:
            out.append((" " if "," in rest else "").join(values) + "\n")
    return "".join(out)


def _awk_unescape(text: str) -> str:
    out: list[str] = []
    k = 0
    while k < len(text):
        if text[k] == "\\" and k + 1 < len(text):
            out.append(_AWK_ESCAPES.get(text[k + 1], "\\" + text[k + 1]))
            k += 2
            continue
        out.append(text[k])
        k += 1
    return "".join(out)


def _filter_output(cmd: _Cmd, data: bytes) -> bytes | None:
    """Statically apply a decoding or text filter to known input, else None: decoders (``base64 -d``, ``base32
    -d``, ``basenc``, ``openssl base64 -d``, ``xxd -r -p``, ``gunzip``, ``iconv``) and the text filters whose
    output follows from their input and their words alone (``rev``, ``tr``, ``sed`` substituting literal text,
    ``cut``, ``head``, ``tail``, ``tac``, ``cat``)."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms) or cmd.stdin is not None:
        return None
    name = cmd.name
    args = list(cmd.argv[1:])
    try:
        text_filter = _TEXT_FILTERS.get(name)
        if text_filter is not None:
            return text_filter(args, data)
        if name == "openssl":
            return _openssl(args, data)
    except (ValueError, binascii.Error, zlib.error, LookupError, UnicodeError):
        return None
    if name == "cat" and all(arg in _CAT_STDIN for arg in args):
        return data
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    longs = {a for a in args if a.startswith("--")}
    operands = [a for a in args if not a.startswith("-")]
    if operands:
        return None
    try:
        if name in ("base64", "base32", "basenc", "gbase64") and ("d" in flags or "D" in flags or "--decode" in longs):
            compact = b"".join(data.split())
            if name == "base32" or longs & {"--base32", "--base32hex"}:
                if "--base32hex" in longs:
                    compact = compact.translate(_BASE32HEX)
                return base64.b32decode(compact + b"=" * (-len(compact) % 8))
            if "--base16" in longs:
                return base64.b16decode(compact.upper())
            if "--base64url" in longs:
                return base64.urlsafe_b64decode(compact + b"=" * (-len(compact) % 4))
            if name == "basenc" and "--base64" not in longs:
                return None
            return base64.b64decode(compact + b"=" * (-len(compact) % 4))
        if name == "xxd" and "r" in flags and "p" in flags:
            return bytes.fromhex(data.decode("ascii", "replace").replace(" ", "").replace("\n", ""))
        if name in ("gunzip", "zcat") or (name == "gzip" and ("d" in flags or "--decompress" in longs)):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = inflater.decompress(data, _MAX_DECODED)
            return out if not inflater.unconsumed_tail else None
    except (ValueError, binascii.Error, zlib.error):
        return None
    return None


_BASE32HEX = bytes.maketrans(b"0123456789ABCDEFGHIJKLMNOPQRSTUV", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _openssl(args: list[str], data: bytes) -> bytes | None:
    """``openssl base64 -d`` and ``openssl enc -d -base64`` (``-a``, ``-A``): base64 decoding."""
    if not args or args[0] not in ("base64", "enc"):
        return None
    rest = set(args[1:])
    if "-d" not in rest or (args[0] == "enc" and not rest & {"-base64", "-a"}):
        return None
    if rest - {"-d", "-base64", "-a", "-A"}:
        return None
    return base64.b64decode(b"".join(data.split()) + b"=" * (-len(b"".join(data.split())) % 4))


def _rev(args: list[str], data: bytes) -> bytes | None:
    if args:
        return None
    return b"\n".join(line[::-1] for line in data.split(b"\n"))


def _tac(args: list[str], data: bytes) -> bytes | None:
    if args:
        return None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
        return b"".join(line + b"\n" for line in reversed(lines))
    return b"\n".join(reversed(lines))


def _options(args: list[str], value_letters: str, long_values: tuple[str, ...]) -> dict[str, str] | None:
    """Options of a small filter, getopt style (``-n5``, ``-n 5``, ``-d' '``, ``--lines=5``); None when an operand
    (a file: input the text does not give) or an unknown shape is present."""
    found: dict[str, str] = {}
    k = 0
    while k < len(args):
        word = args[k]
        if word.startswith("--"):
            key, eq, value = word.partition("=")
            if key in long_values and not eq:
                if k + 1 >= len(args):
                    return None
                value = args[k + 1]
                k += 1
            found[key] = value
        elif word.startswith("-") and len(word) > 1:
            j = 1
            while j < len(word):
                letter = word[j]
                if letter in value_letters:
                    value = word[j + 1 :]
                    if not value:
                        if k + 1 >= len(args):
                            return None
                        value = args[k + 1]
                        k += 1
                    found["-" + letter] = value
                    break
                found["-" + letter] = ""
                j += 1
        else:
            return None
        k += 1
    return found


def _head_tail(args: list[str], data: bytes, *, head: bool) -> bytes | None:
    if args and re.fullmatch(r"[-+][0-9]{1,9}", args[0]):
        args = ["-n", args[0][1:] if args[0][0] == "-" else args[0]]
    opts = _options(args, "nc", ("--lines", "--bytes"))
    if opts is None or set(opts) - {"-n", "-c", "--lines", "--bytes", "-q"}:
        return None
    spec = opts.get("-n", opts.get("--lines"))
    unit_bytes = spec is None and ("-c" in opts or "--bytes" in opts)
    if unit_bytes:
        spec = opts.get("-c", opts.get("--bytes"))
    spec = "10" if spec is None else spec
    m = re.fullmatch(r"([-+]?)([0-9]{1,9})", spec)
    if m is None:
        return None
    sign, count = m.group(1), int(m.group(2))
    if unit_bytes:
        if head:
            return data[: len(data) - count] if sign == "-" else data[:count]
        return data[count - 1 :] if sign == "+" else data[len(data) - count :] if count else b""
    lines = data.split(b"\n")
    trailing = lines[-1] == b""
    if trailing:
        lines.pop()
    if head:
        chosen = lines[: len(lines) - count] if sign == "-" else lines[:count]
    else:
        chosen = lines[max(count - 1, 0) :] if sign == "+" else (lines[len(lines) - count :] if count else [])
    return b"".join(line + b"\n" for line in chosen) if (trailing or chosen != lines) else b"\n".join(chosen)


def _cut(args: list[str], data: bytes) -> bytes | None:
    opts = _options(args, "bcfd", ("--bytes", "--characters", "--fields", "--delimiter", "--output-delimiter"))
    if opts is None or set(opts) - {"-b", "-c", "-f", "-d", "-s", "--bytes", "--characters", "--fields"} - {
        "--delimiter",
        "--output-delimiter",
        "--complement",
        "--only-delimited",
    }:
        return None
    fields = opts.get("-f", opts.get("--fields"))
    chars = opts.get("-c", opts.get("--characters", opts.get("-b", opts.get("--bytes"))))
    spec = fields if fields is not None else chars
    if spec is None:
        return None
    ranges = _cut_ranges(spec)
    if ranges is None:
        return None
    complement = "--complement" in opts
    delimiter = opts.get("-d", opts.get("--delimiter", "\t")).encode("utf-8", "surrogateescape")
    if len(delimiter) != 1:
        return None
    output_delimiter = opts.get("--output-delimiter", delimiter.decode("utf-8", "surrogateescape")).encode(
        "utf-8", "surrogateescape"
    )
    only = "-s" in opts or "--only-delimited" in opts
    out: list[bytes] = []
    lines = data.split(b"\n")
    trailing = lines[-1] == b""
    if trailing:
        lines.pop()
    for line in lines:
        if fields is not None:
            if delimiter not in line:
                if not only:
                    out.append(line)
                continue
            parts = line.split(delimiter)
            out.append(output_delimiter.join(_pick(parts, ranges, complement=complement)))
        else:
            out.append(b"".join(_pick([bytes([b]) for b in line], ranges, complement=complement)))
    return b"".join(line + b"\n" for line in out)


def _cut_ranges(spec: str) -> list[tuple[int, int]] | None:
    ranges: list[tuple[int, int]] = []
    for part in spec.replace(" ", ",").split(","):
        m = re.fullmatch(r"([0-9]{0,9})(-?)([0-9]{0,9})", part)
        if m is None or not part or part == "-":
            return None
        low = int(m.group(1)) if m.group(1) else 1
        high = (int(m.group(3)) if m.group(3) else 1 << 30) if m.group(2) else low
        if low < 1 or high < low:
            return None
        ranges.append((low, high))
    if len(ranges) > 256:
        return None  # not computed: the pipeline's text is then unknown
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _pick(items: list[bytes], ranges: list[tuple[int, int]], *, complement: bool) -> list[bytes]:
    """The items (1-based) inside the ranges, in order, each once; or outside them with ``complement``."""
    chosen = [False] * len(items)
    for low, high in ranges:
        for k in range(low - 1, min(high, len(items))):
            chosen[k] = True
    return [item for item, keep in zip(items, chosen, strict=True) if keep != complement]


def _iconv(args: list[str], data: bytes) -> bytes | None:
    opts = _options(args, "ft", ("--from-code", "--to-code"))
    if opts is None or set(opts) - {"-f", "-t", "--from-code", "--to-code", "-c", "-s", "--silent"}:
        return None
    source = opts.get("-f", opts.get("--from-code", "utf-8")).split("//", 1)[0]
    target = opts.get("-t", opts.get("--to-code", "utf-8")).split("//", 1)[0]
    errors = "ignore" if "-c" in opts else "strict"
    return data.decode(source, errors).encode(target, errors)


def _sed(args: list[str], data: bytes) -> bytes | None:
    invocation = sed_invocation(["sed", *args])
    if invocation.files or invocation.script_files or invocation.in_place or len(invocation.scripts) != 1:
        return None
    text = sed_output(
        sed_script(invocation.scripts[0]), data.decode("utf-8", "surrogateescape"), quiet=invocation.quiet
    )
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _tr_filter(args: list[str], data: bytes) -> bytes | None:
    return tr_output(args, data)


_TEXT_FILTERS: dict[str, Callable[[list[str], bytes], bytes | None]] = {
    "rev": _rev,
    "tac": _tac,
    "tr": _tr_filter,
    "cut": _cut,
    "head": lambda args, data: _head_tail(args, data, head=True),
    "tail": lambda args, data: _head_tail(args, data, head=False),
    "iconv": _iconv,
    "sed": _sed,
    "gsed": _sed,
}


# ---------------------------------------------------------------------------------------------------------------
# tr (GNU coreutils semantics, in the C locale: bytes)
# ---------------------------------------------------------------------------------------------------------------

_TR_CLASSES: dict[str, bytes] = {
    "alnum": bytes(c for c in range(128) if chr(c).isalnum()),
    "alpha": bytes(c for c in range(128) if chr(c).isalpha()),
    "blank": b" \t",
    "cntrl": bytes([*range(32), 127]),
    "digit": b"0123456789",
    "graph": bytes(range(33, 127)),
    "lower": bytes(range(97, 123)),
    "print": bytes(range(32, 127)),
    "punct": bytes(c for c in range(33, 127) if not chr(c).isalnum()),
    "space": b" \t\n\v\f\r",
    "upper": bytes(range(65, 91)),
    "xdigit": b"0123456789ABCDEFabcdef",
}
_TR_ESCAPES = {ord("n"): 10, ord("t"): 9, ord("r"): 13, ord("a"): 7, ord("b"): 8, ord("f"): 12, ord("v"): 11}


def _tr_atoms(spec: bytes) -> list[tuple[str, int, int]] | None:
    """A tr set as atoms: ("c", byte, 0), ("r", low, high), ("k", class index, 0), ("*", byte, count or -1)."""
    atoms: list[tuple[str, int, int]] = []
    k = 0
    n = len(spec)

    def char_at(i: int) -> tuple[int, int]:
        c = spec[i]
        if c == 92 and i + 1 < n:  # backslash
            nxt = spec[i + 1]
            if 48 <= nxt <= 55:
                j = i + 1
                value = 0
                while j < n and j < i + 4 and 48 <= spec[j] <= 55:
                    value = value * 8 + spec[j] - 48
                    j += 1
                return value & 0xFF, j
            return _TR_ESCAPES.get(nxt, nxt), i + 2
        return c, i + 1

    while k < n:
        if spec[k] == 91 and k + 1 < n:  # [
            close = spec.find(b"]", k + 2)
            inner = spec[k + 1 : close] if close > 0 else b""
            if inner.startswith(b":") and inner.endswith(b":") and inner[1:-1].decode() in _TR_CLASSES:
                atoms.append(("k", list(_TR_CLASSES).index(inner[1:-1].decode()), 0))
                k = close + 1
                continue
            if inner.startswith(b"=") and inner.endswith(b"=") and len(inner) == 3:
                atoms.append(("c", inner[1], 0))
                k = close + 1
                continue
            if close > 0 and b"*" in inner:
                value, after = char_at(k + 1)
                if after < n and spec[after] == 42:  # *
                    digits = spec[after + 1 : close]
                    if digits and not digits.isdigit():
                        return None
                    count = int(digits, 8 if digits.startswith(b"0") else 10) if digits else -1
                    atoms.append(("*", value, count))
                    k = close + 1
                    continue
        value, after = char_at(k)
        if after < n and spec[after] == 45 and after + 1 < n:  # a range a-z
            high, end = char_at(after + 1)
            if high < value:
                return None
            atoms.append(("r", value, high))
            k = end
            continue
        atoms.append(("c", value, 0))
        k = after
    return atoms


def _tr_expand(atoms: list[tuple[str, int, int]], fill_to: int = 0) -> bytes | None:
    fixed = sum(
        (high - low + 1) if kind == "r" else len(_TR_CLASSES[list(_TR_CLASSES)[low]]) if kind == "k"
        else (high if kind == "*" and high >= 0 else 0 if kind == "*" else 1)
        for kind, low, high in atoms
    )  # fmt: skip
    out = bytearray()
    for kind, low, high in atoms:
        if kind == "c":
            out.append(low)
        elif kind == "r":
            out.extend(range(low, high + 1))
        elif kind == "k":
            out.extend(_TR_CLASSES[list(_TR_CLASSES)[low]])
        elif high >= 0:
            out.extend(bytes([low]) * high)
        else:
            out.extend(bytes([low]) * max(fill_to - fixed, 0))
        if len(out) > 65536:
            return None
    return bytes(out)


def tr_output(args: list[str], data: bytes) -> bytes | None:
    """What ``tr`` writes for ``data``: translation, ``-d``, ``-s``, ``-c``/``-C``, ``-t``, ranges, classes,
    repeats and escapes, as GNU tr does in the C locale. None for anything it would refuse."""
    flags = ""
    sets: list[bytes] = []
    if sum(len(word) for word in args) > 4096:
        return None
    for word in args:
        if word.startswith("-") and len(word) > 1 and not sets and set(word[1:]) <= set("cCdst"):
            flags += word[1:]
        elif word in ("--delete", "--squeeze-repeats", "--complement", "--truncate-set1"):
            flags += {"--delete": "d", "--squeeze-repeats": "s", "--complement": "c", "--truncate-set1": "t"}[word]
        elif word == "--":
            continue
        else:
            sets.append(word.encode("utf-8", "surrogateescape"))
    if not 1 <= len(sets) <= 2:
        return None
    atoms1 = _tr_atoms(sets[0])
    if atoms1 is None:
        return None
    set1 = _tr_expand(atoms1)
    if set1 is None:
        return None
    if "c" in flags or "C" in flags:
        set1 = bytes(sorted(set(range(256)) - set(set1)))
    if "d" in flags:
        remove = set(set1)
        out = bytes(b for b in data if b not in remove)
        if "s" in flags and len(sets) == 2:
            squeeze_atoms = _tr_atoms(sets[1])
            squeeze = _tr_expand(squeeze_atoms) if squeeze_atoms is not None else None
            return None if squeeze is None else _squeeze(out, set(squeeze))
        return out if len(sets) == 1 else None
    if len(sets) == 1:
        return _squeeze(data, set(set1)) if "s" in flags else None
    atoms2 = _tr_atoms(sets[1])
    if atoms2 is None:
        return None
    if "t" in flags:
        plain = _tr_expand(atoms2)
        if plain is None:
            return None
        set1 = set1[: len(plain)]
    set2 = _tr_expand(atoms2, fill_to=len(set1))
    if not set2:
        return None
    set2 = set2 + set2[-1:] * max(len(set1) - len(set2), 0)
    table = bytearray(range(256))
    for source, target in zip(set1, set2, strict=False):
        table[source] = target
    out = data.translate(bytes(table))
    return _squeeze(out, set(set2)) if "s" in flags else out


def _squeeze(data: bytes, which: set[int]) -> bytes:
    out = bytearray()
    for b in data:
        if out and b == out[-1] and b in which:
            continue
        out.append(b)
    return bytes(out)


def _chain_output(cmds: Sequence[_Cmd]) -> str | None:
    """Output of a pipeline whose first command is a static producer and whose other commands are decoding
    filters (``echo cm0= | base64 -d``); None when any stage is not statically known."""
    if not cmds:
        return None
    first = cmds[0]
    text = _produced_text(first)
    if text is None:
        if first.stdin is None:
            return None
        data = _filter_output(_without_stdin(first), first.stdin.encode("utf-8", "surrogateescape"))
    else:
        data = text.encode("utf-8", "surrogateescape")
    for cmd in cmds[1:]:
        if data is None or len(data) > _MAX_DECODED:
            return None
        data = _filter_output(cmd, data)
    if data is None or len(data) > _MAX_DECODED:
        return None
    return data.decode("utf-8", "replace")


def _without_stdin(cmd: _Cmd) -> _Cmd:
    copy = _Cmd()
    copy.argv, copy.name, copy.empty_forms, copy.cwds = cmd.argv, cmd.name, cmd.empty_forms, cmd.cwds
    return copy


def _static_output(cmds: list[_Cmd], a: int, b: int) -> str | None:
    """The output of a substitution whose commands are a static producer plus decoding filters, else None."""
    if b <= a or b - a > 8:
        return None
    chain = cmds[a:b]
    if any(c.wrappers or c.origin != chain[0].origin for c in chain):
        return None
    if any(not c.pipe_in for c in chain[1:]) or chain[0].pipe_in:
        return None
    text = _chain_output(chain)
    return None if text is None else text.rstrip("\n")
