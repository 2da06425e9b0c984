# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile strings: what a playbook author, an inventory, a host or a requester can put in front of an operator.

Each is a class of terminal injection, not one example: CSI (erase, move, hide, colour), OSC (clipboard, title,
hyperlinks) with both terminators, DCS/APC/PM/SOS strings, 8-bit C1 controls (``\\x9b`` is a CSI on its own in 8-bit
terminals), every other C0 control, DEL, carriage return and backspace overwrites, bidirectional overrides and
isolates, zero-width and other invisible format characters, line and paragraph separators, lone surrogates, and a
stack of combining marks. ``CONTROL`` says which code points must never reach a terminal raw.
"""

from __future__ import annotations

import re
import unicodedata

ESC = "\x1b"

HOSTILE: tuple[str, ...] = (
    f"restart nginx {ESC}[8mhidden{ESC}[0m",  # conceal
    f"mallory {ESC}[2K{ESC}[1G alice",  # erase the line, back to column 1: shows as alice
    f"{ESC}]52;c;cm0gLXJmIC8K{ESC}\\",  # OSC 52: write the operator's clipboard (ST terminator)
    f"{ESC}]52;c;cm0gLXJmIC8K\x07",  # OSC 52 with the BEL terminator
    f"{ESC}]0;pwned title\x07",  # window title
    f"{ESC}]8;;https://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\",  # hyperlink
    f"{ESC}P+q544e{ESC}\\",  # DCS (a terminfo query that makes some terminals answer on stdin)
    f"{ESC}_apc{ESC}\\ {ESC}^pm{ESC}\\ {ESC}Xsos{ESC}\\",  # APC, PM, SOS
    f"{ESC}[6n",  # cursor position report: the terminal types an answer
    f"{ESC}[31;1mRED{ESC}[0m {ESC}(0lqk{ESC}(B",  # colour, line-drawing charset
    "\x9b2J\x9d0;t\x9c \x90q\x9c",  # 8-bit CSI, OSC, ST, DCS
    "web1\rweb2",  # carriage return overwrite
    "approved\x08\x08\x08\x08\x08\x08\x08\x08denied",  # backspace overwrite
    "alice\nwhy:  approved by the security team",  # a newline that fakes an output line
    "bell\x07 nul\x00 vt\x0b ff\x0c del\x7f so\x0e si\x0f",
    "".join(chr(c) for c in range(0x00, 0x20)),  # every C0 control
    "".join(chr(c) for c in range(0x80, 0xA0)),  # every C1 control
    "user\u202eecila",  # right-to-left override: reads "alice" backwards
    "\u2066safe\u2069 \u2067x\u2069 \u2068y\u2069 \u202ax\u202c \u202bx\u202c \u202dx\u202c",  # isolates, embeds
    "a\u200eb\u200fc\u061cd",  # marks
    "al\u200bice \ufeffbom \u200czw\u200dj \u2060wj \u00adshy",  # invisible
    "line\u2028sep\u2029para",  # Unicode line and paragraph separators
    "tag\U000e0041\U000e0042",  # tag characters
    "lone \udc80 surrogate",  # an undecodable byte kept by surrogateescape
    "z" + "\u0301" * 40,  # stacked combining marks
)

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def dangerous(char: str) -> bool:
    """A code point that must never reach a terminal raw (newlines are judged by the caller)."""
    return char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


RAW_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
