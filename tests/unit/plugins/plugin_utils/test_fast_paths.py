# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision path's shortcuts say what the long way says.

The deny scan's fast path never clears text the full analysis would deny, and the allowlist's word splitter
agrees with shlex.

Every string argument of every task is deny-scanned as a possible command; most are not commands, and the fast
path lets text that provably holds no deny-listed command skip the bash analysis. It reads double quotes, braces
and line breaks itself, so the property that matters is checked here against the analyser on text built to be
hostile to exactly that reading: command names split across quotes (``"r"m``), brace expansion building a name
(``{r,}m``), command strings in quotes handed to other programs, unbalanced quotes, and line breaks between
commands.
"""

from __future__ import annotations

import shlex

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils import _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils._commands import _fast_clean, deny_findings, posix_words
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _analysed(text: str) -> list[str]:
    """The full analysis's verdict, bypassing the fast path."""
    return [finding.rule for finding in deny_findings(text, analysis=_shell.analyze(text))]


_PIECES = [
    # whole names and arguments the deny rules look for
    "rm", "-rf", "-r", "-f", "/", "/*", "/etc", "/usr", "--no-preserve-root", "chmod", "chown", "777", "-R",
    "dd", "of=/dev/sda", "if=/dev/zero", "/dev/sda", "mkfs.ext4", "shred", "-u", "find", "-delete", "xargs",
    "git", "push", "--force", "main", "base64", "-d", "sh", "bash", "-c", "python3", "perl", "-e", "eval",
    "sudo", "env", "nice", "timeout", "5", "su", "watch", "ssh", "host", "busybox", "tar", "--to-command=rm",
    "/bin/rm", "/usr/bin/chmod", "wipefs", "-a", ":", "fork",
    # fragments that only become names when quotes are removed or braces expand
    "r", "m", "mk", "fs", "ch", "mod", "s", "h", "ba", "se64", "pu", "sh", "{", "}", ",", "..", "{r,}m", "{a..z}",
    "{,}", "x{", "}y",
    # globs and dollars: a glob can name a command only from a command word, a $ before a letter expands
    "/bin/r?", "/bin/[r]m", "/usr/bin/r*", "*", "?", "[", "]", "$", "$x", "${x}", "$\"rm\"", "X=1", "X=/bin/r*",
    "if", "then", "time", "!", "coproc", "[[", "^workers", ".*$", "*.ini", "a$",
    # what ordinary content looks like
    "name", "users", "=", "port=8080", "log_level=debug", "# managed", "benchapp", "{\"name\":", "\"users\",",
    "host2\"}", "true", "[1]",
]  # fmt: skip
_SEPARATORS = [" ", "", "", "\n", "\t", "\r", ",", " \n "]


@st.composite
def _hostile_text(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        piece = draw(st.sampled_from(_PIECES))
        wrap = draw(st.sampled_from(["", "", "", "quote", "half", "split"]))
        if wrap == "quote":
            piece = f'"{piece}"'
        elif wrap == "half":
            piece = f'"{piece}'
        elif wrap == "split" and len(piece) > 1:
            cut = draw(st.integers(1, len(piece) - 1))
            piece = f'{piece[:cut]}"{piece[cut:]}"'
        parts.append(piece)
        parts.append(draw(st.sampled_from(_SEPARATORS)))
    return "".join(parts)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile_text())
def test_the_fast_path_never_clears_what_the_analysis_denies(text: str) -> None:
    if _fast_clean(text):
        assert _analysed(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        '"r"m -rf /',
        'r"m" -rf /',
        "{r,}m -rf /",
        "x {r,}m -rf /",
        'X -c "rm -rf /"',
        'sh -c "chmod -R 777 /"',
        "ok\nrm -rf /",
        'ok\n"r"m -rf /\n',
        '"unterminated rm -rf /',
        "dd\tif=/dev/zero\tof=/dev/sda",
        '{"cmd": "rm -rf /"}',
        "/bin/r? -rf /",
        "/bin/[r]m -rf /",
        "X=1 /bin/r? -rf /",
        "if /bin/r? -rf /",
        "ok\n/usr/bin/r* -rf /",
        '$"rm" -rf /',
        "$x -rf /",
        "a=rm\n$a -rf /",
        '"/bin/r"? -rf /',
    ],
)
def test_hostile_shapes_take_the_analyser(text: str) -> None:
    assert not _fast_clean(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "users", "host": "host2"}',
        "host1 runs benchapp\n",
        "name=benchapp\nport=8080\nlog_level=debug\n",
        "# managed by ansible\nname=benchapp\n",
        'x "{r,}m" y',  # quoted braces are literal: the word is {r,}m, not rm
        "cache=on\tcache_size=64m\r\n",
        "^workers = .*$",
        "ls *.ini",
        "cost: 5 $",
        "X=/bin/r* y",
    ],
)
def test_ordinary_content_takes_the_fast_path_and_the_analyser_agrees(text: str) -> None:
    assert _fast_clean(text)
    assert _analysed(text) == []


def test_denied_texts_are_still_denied_through_the_public_scan() -> None:
    for text in ('"r"m -rf /', "{r,}m -rf /", "ok\nrm -rf /", 'bash -c "rm -rf /"'):
        assert deny_findings(text), text


_DENIED_COMMANDS = [
    ["rm", "-rf", "/"], ["rm", "-r", "-f", "/etc"], ["chmod", "-R", "777", "/"], ["chown", "-R", "nobody", "/"],
    ["dd", "if=/dev/zero", "of=/dev/sda"], ["mkfs.ext4", "/dev/sda"], ["git", "push", "--force", "origin", "main"],
    ["shred", "-u", "/dev/sda"], ["find", "/", "-delete"], ["wipefs", "-a", "/dev/sda"],
    ["rm", "--no-preserve-root", "/"], ["/bin/rm", "-rf", "/usr"],
]  # fmt: skip
_PREFIXES = [[], ["sudo"], ["env"], ["nice"], ["timeout", "5"], ["sh", "-c"], ["bash", "-c"], ["su", "-c"],
             ["X", "-c"], ["watch"], ["ssh", "host"], ["busybox"], ["exec"], ["command"], ["nohup"], ["X=1"],
             ["if"], ["time"], ["!"], ["coproc"]]  # fmt: skip


_FORMS = ["plain", "split", "lead", "quoted", "brace", "brace-inner", "glob", "class", "star", "dollar-quote"]


@st.composite
def _obfuscated_denied_command(draw: st.DrawFn) -> str:
    """A deny-listed command, its words split by quotes or rebuilt by brace expansion, maybe behind a wrapper or
    inside a quoted command string, between lines of ordinary content."""
    words = []
    for word in draw(st.sampled_from(_DENIED_COMMANDS)):
        cut = draw(st.integers(1, max(1, len(word) - 1)))
        form = draw(st.sampled_from(_FORMS))
        words.append({
            "plain": word, "split": f'{word[:cut]}"{word[cut:]}"', "lead": f'"{word[:cut]}"{word[cut:]}',
            "quoted": f'"{word}"', "brace": "{" + word[:cut] + ",}" + word[cut:],
            "brace-inner": word[:cut] + "{" + word[cut:cut + 1] + ",}" + word[cut + 1:],
            "glob": word[:cut] + "?" + word[cut + 1:], "star": word[:cut] + "*", "dollar-quote": f'$"{word}"',
            "class": word[:cut] + "[" + word[cut:cut + 1] + "]" + word[cut + 1:],
        }[form])  # fmt: skip
    separator = draw(st.sampled_from([" ", "\t", "  ", " \r "]))
    prefix = draw(st.sampled_from(_PREFIXES))
    body = separator.join(words)
    if prefix[-1:] == ["-c"] and draw(st.booleans()):
        body = f'"{body}"'
    lead = draw(st.sampled_from(["", "name=x\n", "# comment\n", '{"a": "b"}\n', "ok\r\n"]))
    trail = draw(st.sampled_from(["", "\n", "\nname=y", ' "tail"']))
    return lead + separator.join([*prefix, body]) + trail


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_obfuscated_denied_command())
def test_obfuscated_denied_commands_never_take_the_fast_path_unless_harmless(text: str) -> None:
    if _fast_clean(text):
        assert _analysed(text) == [], text


def _shlex_words(text: str) -> list[str] | None:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return None


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"ab-/.=_ ~%", " ", "\t", "\r", "\n", "\x0b", "\xa0", "\u3000", "'", '"',
                                         "\\", "#", "é"]), max_size=30))  # fmt: skip
def test_posix_words_is_shlex(text: str) -> None:
    assert posix_words(text) == _shlex_words(text)


def _forms(word: str) -> list[str]:
    cut = max(1, len(word) // 2)
    return [
        word, f'{word[:cut]}"{word[cut:]}"', "{" + word[:cut] + ",}" + word[cut:], word[:cut] + "?" + word[cut + 1 :],
        word[:cut] + "*", word[:cut] + "[" + word[cut : cut + 1] + "]" + word[cut + 1 :], f'$"{word}"', word + "$",
    ]  # fmt: skip


def test_every_form_of_every_denied_command_behind_every_prefix() -> None:
    """The systematic version of the property: each deny-listed command, its name in every obfuscated form, behind
    every prefix, with every separator (a carriage return is a word break to the analyser, not to bash)."""
    checked = 0
    for command in _DENIED_COMMANDS:
        for name in _forms(command[0]):
            for prefix in [*_PREFIXES, ["ls"], ["Y=a", "Z=b"]]:
                for separator in (" ", "\t", " \r ", "\r"):
                    text = separator.join([*prefix, name, *command[1:]])
                    if _fast_clean(text):
                        assert _analysed(text) == [], text
                    checked += 1
    assert checked > 3000


def test_a_carriage_return_cannot_hide_the_command_word() -> None:
    assert not _fast_clean("X=1 \r r[m] \r -rf /")
    assert not _fast_clean("\r/bin/r? -rf /")
