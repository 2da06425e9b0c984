# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a static producer prints, and what decoding filters make of it.

This is how ``echo cm0gLXJmIC8= | base64 -d | sh``, ``$(printf 'r%s' m)`` and ``cat > x.sh <<EOF`` are seen
through: when every stage of a short chain is statically known (``echo``, ``printf``, ``cat`` of a heredoc, ``pwd``,
``mktemp``, ``dirname``, then ``base64 -d``, ``xxd -r -p``, ``rev``, ``gunzip``, ...), its output is computed, at
most ``_MAX_DECODED`` bytes of it, and the analyser reads it as the code or word it becomes. Anything not
statically known gives None, and the caller keeps the text unresolved.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Sequence

from ._lexer import decode_escapes
from ._results import _Cmd
from ._vocabulary import _MAX_DECODED


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


def _printf_text(argv: Sequence[str]) -> str | None:
    if len(argv) < 2:
        return ""
    fmt = argv[1]
    if fmt.startswith("-"):
        return None
    args = list(argv[2:])
    out: list[str] = []
    for _ in range(64):
        i = 0
        chunk: list[str] = []
        used = False
        while i < len(fmt):
            c = fmt[i]
            if c == "%" and i + 1 < len(fmt):
                spec = fmt[i + 1]
                if spec == "%":
                    chunk.append("%")
                elif spec in "sbdiuc":
                    val = args.pop(0) if args else ""
                    used = True
                    chunk.append(decode_escapes(val, echo=True)[0] if spec == "b" else val)
                else:
                    return None
                i += 2
                continue
            chunk.append(c)
            i += 1
        out.append(decode_escapes("".join(chunk))[0])
        if not args or not used:
            break
    return "".join(out)


def _produced_text(cmd: _Cmd, *, writes_ok: bool = False) -> str | None:
    """What a static producer writes to its standard output (echo/printf with static words, cat of a heredoc)."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms):
        return None
    for r in cmd.redirects:
        if r.op in ("<<", "<<-", "<<<") or r.fd == 2 or r.op == ">&":
            continue
        if not (writes_ok and r.op in (">", ">>", ">|") and r.fd in (None, 1)):
            return None
    name = cmd.name
    if name == "echo":
        return _echo_text(cmd.argv)
    if name == "printf":
        return _printf_text(cmd.argv)
    if name == "cat" and len(cmd.argv) == 1 and cmd.stdin is not None:
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
    if name in ("dirname", "basename") and len(cmd.argv) == 2 and not cmd.argv[1].startswith("-"):
        path = cmd.argv[1]
        if name == "basename":
            return (path.rstrip("/").rsplit("/", 1)[-1] or "/") + "\n"
        head = path.rstrip("/").rsplit("/", 1)[0] if "/" in path.rstrip("/") else "."
        return (head or "/") + "\n"
    return None


def _filter_output(cmd: _Cmd, data: bytes) -> bytes | None:
    """Statically apply a decoding filter (base64 -d, xxd -r -p, rev, gunzip, ...) to known input, else None."""
    if cmd.dynamic_name or any(e is not None for e in cmd.empty_forms) or cmd.stdin is not None:
        return None
    name = cmd.name
    args = cmd.argv[1:]
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    longs = {a for a in args if a.startswith("--")}
    operands = [a for a in args if not a.startswith("-")]
    if operands and name != "tr":
        return None
    try:
        if name in ("base64", "base32", "basenc", "gbase64") and ("d" in flags or "D" in flags or "--decode" in longs):
            compact = b"".join(data.split())
            if name == "base32" or "--base32" in longs:
                return base64.b32decode(compact + b"=" * (-len(compact) % 8))
            return base64.b64decode(compact + b"=" * (-len(compact) % 4))
        if name == "xxd" and "r" in flags and "p" in flags:
            return bytes.fromhex(data.decode("ascii", "replace").replace(" ", "").replace("\n", ""))
        if name == "rev":
            return b"\n".join(line[::-1] for line in data.split(b"\n"))
        if name == "cat" and not args:
            return data
        if name in ("gunzip", "zcat") or (name == "gzip" and ("d" in flags or "--decompress" in longs)):
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = inflater.decompress(data, _MAX_DECODED)
            return out if not inflater.unconsumed_tail else None
    except (ValueError, binascii.Error, zlib.error):
        return None
    return None


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
