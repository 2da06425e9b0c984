# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deny scan's whole-text pre-check (``_commands._long_text_clean``) never clears what the analysis denies.

Every string argument of every task is deny-scanned as a possible command, a 64 KiB ``content`` included; past
2,048 characters the scan proves a text clean in a few whole-text passes (the fast path's argument, at any length)
instead of running the bash analyser over every line. Held here:

* differential: texts generated to be hostile to exactly that proof (program names from the deny rules' tables,
  devices, paths, quotes, expansions, comments, heredocs, continuations, unicode, NULs and other invalid bits,
  between and inside ordinary configuration lines) give the same findings with the pre-check as without it;
* every string constant of the unit tests and every string of the golden decisions' requests (each deny-rule
  payload the suite knows), alone and hidden in a long configuration;
* coverage: every command name a deny rule reads, and every name the fast path's tables hold, keeps a text off;
* the lower-casing and case folding the pre-check relies on, for every code point;
* positive controls: the benchmark's 64 KiB configuration is cleared without the analyser, and a payload hidden
  in its line 1,499 is still denied;
* single quotes and semicolons (which the long-text proof reads itself, the short fast path does not): YAML, CSS,
  nginx and mixed-quote documents of 64 KiB are cleared without the analyser, payloads spelled with them are denied,
  and generated texts of quotes, comments and semicolons get the analysis' findings.
"""

from __future__ import annotations

import ast
import json
import random
import re
from functools import cache
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _modules, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import (
    _long_text_clean,
    deny_findings,
    deny_rules,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.golden_decisions import GOLDEN
from tests.unit.plugins.plugin_utils.policy.test_fast_paths import (
    _DENIED_COMMANDS,
    _PIECES,
    _PREFIXES,
    _RUNNER_FORMS,
    _command_names_in,
    _deny_rule_functions,
    _forms,
    _hostile_text,
    _obfuscated_denied_command,
    _wrap,
)

_TESTS = Path(__file__).resolve().parents[4]


def _without_precheck(text: str, cwd: str | None = None) -> list[_commands.Finding]:
    """What ``deny_findings`` returns with no fast path of its own: the analysis (with its plain-line shortcut)."""
    return deny_rules(_shell.analyze(text, cwd=cwd))


def _long_way(text: str) -> list[_commands.Finding]:
    """The full analyser, bypassing the analyser's plain-line shortcut too."""
    return deny_rules(_shell._run_analyzer(text, cwd=None, max_depth=8, uncertain=False))


def _cleared_only_if_harmless(text: str) -> bool:
    """The property: text the pre-check clears holds nothing either analysis denies. True when it was cleared."""
    if not _long_text_clean(text):
        return False
    assert _long_way(text) == [], text
    assert _without_precheck(text) == [], text
    return True


def _bench_line(i: int) -> str:
    return f"setting_{i} = value {i} # comment for line {i}\n"


def _bench_config(lines: int = 1500) -> str:
    """The latency benchmark's 64 KiB ``content`` (bench/latency.py)."""
    return "".join(_bench_line(i) for i in range(lines))


_PAD = _bench_config(60)  # just over the 2,048 characters from which the scan takes the whole-text pre-check
assert len(_PAD) > _commands._LONG_TEXT


# ---------------------------------------------------------------------------------------------------------------
# Positive controls
# ---------------------------------------------------------------------------------------------------------------


def test_the_64k_configuration_is_cleared_without_the_analyser(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _bench_config()
    assert len(text) > 60_000
    assert _long_text_clean(text)
    assert _long_way(text) == []  # the analysis agrees
    calls: list[str] = []
    monkeypatch.setattr(_shell, "analyze", lambda *a, **k: calls.append("analyze") or _shell._run_analyzer(*a, **k))
    assert deny_findings(text) == []
    assert calls == []  # the pre-check, not the analyser, cleared it


_HIDDEN = [
    ("rm -rf /", "deny.root-wipe"),
    ('r"m" -rf /', "deny.root-wipe"),
    ("sudo /bin/rm -rf /usr", "deny.root-wipe"),
    ("/bin/r? -rf /", "deny.root-wipe"),
    ("{r,}m -rf /", "deny.root-wipe"),
    ("a=rm\n$a -rf /", "deny.root-wipe"),
    ("r\x00m -rf /", "deny.root-wipe"),
    ("r\\\nm -rf /", "deny.root-wipe"),
    ("cat <<EOF | sh\nrm -rf /\nEOF", "deny.root-wipe"),
    ("dd if=/dev/zero of=/dev/sda", "deny.raw-disk-write"),
    ("mkfs.ext4 /dev/sda", "deny.raw-disk-write"),
    ("chmod -R 777 /", "deny.recursive-perms-root"),
    ("git push --force origin main", "deny.force-push-main"),
    ("echo cm0gLXJmIC8= | base64 -d | sh", "deny.decode-to-shell"),
    (":(){ :|:& };:", "deny.fork-bomb"),
    ("python3 -c \"import shutil; shutil.rmtree('/usr')\"", "deny.root-wipe"),
    ("pwsh -c 'Remove-Item -Recurse -Force C:\\'", None),
]


@pytest.mark.parametrize(("payload", "rule"), _HIDDEN)
def test_a_payload_hidden_in_line_1499_of_the_64k_configuration_is_denied(payload: str, rule: str | None) -> None:
    lines = [_bench_line(i) for i in range(1500)]
    lines.insert(1498, payload + "\n")
    text = "".join(lines)
    assert not _long_text_clean(text)
    found = deny_findings(text)
    assert found == _without_precheck(text)
    expected = rule or _without_precheck(payload)[0].rule  # the PowerShell reading decides its own rule
    assert expected in {f.rule for f in found}, (payload, found)


def test_a_payload_only_a_quote_away_is_denied() -> None:
    """A quote opened in one line and closed in a later one holds every line between in one word; a command
    after the closing quote is still found (the quote pairs as bash pairs it, comments included)."""
    text = _PAD + 'note = "first\n' + _PAD + 'last" \nrm -rf /\n# "\n' + _PAD
    assert not _long_text_clean(text)
    assert "deny.root-wipe" in {f.rule for f in deny_findings(text)}


# ---------------------------------------------------------------------------------------------------------------
# Single quotes and semicolons: what the long-text proof reads beyond the short fast path
# ---------------------------------------------------------------------------------------------------------------

# Ordinary 64 KiB documents whose single quotes or semicolons the short fast path leaves to the analyser (33-99 ms
# each before the long-text proof read them; bench/results/issue22/content/).
_QUOTED_SHAPES = {
    "yaml": lambda i: f"key_{i}: 'value {i}'  # it's a note\n",
    "nginx": lambda i: f"location /app/{i} {{ proxy_pass http://backend_{i}:8080; }}\n",
    "css": lambda i: f".c{i} {{ color: #{i:06x}; margin: {i}px; }}\n",
    "mixed quotes": lambda i: f'key_{i}: "it\'s {i}"\nother_{i}: \'say "hi"\' # c;d\n',
    "ini": lambda i: f"name_{i} = 'n {i}' ; comment\n" if i % 2 else f"path_{i} = /srv/app/{i}/*.conf;\n",
}


def _shape(name: str, lines: int = 1500) -> str:
    return "".join(_QUOTED_SHAPES[name](i) for i in range(lines))


@pytest.mark.parametrize("name", sorted(_QUOTED_SHAPES))
def test_documents_with_single_quotes_and_semicolons_are_cleared_without_the_analyser(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _shape(name)
    assert len(text) > 30_000
    assert _cleared_only_if_harmless(text)  # the analysis agrees
    calls: list[str] = []
    monkeypatch.setattr(_shell, "analyze", lambda *a, **k: calls.append("analyze") or _shell._run_analyzer(*a, **k))
    assert deny_findings(text) == []
    assert calls == []


_QUOTED_PAYLOADS = [
    ("x; rm -rf /", "deny.root-wipe"),
    ("x;rm -rf /", "deny.root-wipe"),
    ("r'm' -rf /", "deny.root-wipe"),
    ("'r'm -rf /", "deny.root-wipe"),
    ("'rm' -rf /", "deny.root-wipe"),
    ("x; /bin/r? -rf /", "deny.root-wipe"),
    ("x;/bin/r? -rf /", "deny.root-wipe"),
    ("X='a b';/bin/r? -rf /", "deny.root-wipe"),
    ("X='a b' /bin/r? -rf /", "deny.root-wipe"),
    ("then;/bin/r? -rf /", "deny.root-wipe"),
    ("if x; then /bin/r? -rf /; fi", "deny.root-wipe"),
    ("a;# '\n/bin/r? -rf /\n# '", "deny.root-wipe"),  # the quote is in a comment: it opens nothing
    ('a;# "\n/bin/r? -rf /\n# "', "deny.root-wipe"),
    ('msg = "it\'s"; /bin/r? -rf /', "deny.root-wipe"),
    ("msg = 'say \"hi\"'; /bin/r? -rf /", "deny.root-wipe"),
    ("dd if=/dev/zero of=/dev/sda;", "deny.raw-disk-write"),
    ("x; mkfs.ext4 /dev/sda", "deny.raw-disk-write"),
    ("chmod -R 777 /;", "deny.recursive-perms-root"),
    ("git push --force origin main; x", "deny.force-push-main"),
    ("sh -c 'rm -rf /'", "deny.root-wipe"),
    ("python3 -c 'import shutil; shutil.rmtree(\"/usr\")'", None),
]


@pytest.mark.parametrize("shape", ["yaml", "nginx", "mixed quotes"])
@pytest.mark.parametrize(("payload", "rule"), _QUOTED_PAYLOADS)
def test_a_payload_with_quotes_or_semicolons_hidden_in_a_document_is_denied(
    payload: str, rule: str | None, shape: str
) -> None:
    lines = [_QUOTED_SHAPES[shape](i) for i in range(400)]
    lines.insert(397, payload + "\n")
    text = "".join(lines)
    assert not _long_text_clean(text), payload
    found = deny_findings(text)
    assert found == _without_precheck(text)
    expected = rule or _without_precheck(payload)[0].rule
    assert expected in {f.rule for f in found}, (payload, found)


def test_a_single_quote_spanning_lines_hides_nothing_after_it() -> None:
    """A single quote opened in one line and closed in a later one holds every line between in one word (bash reads
    it so); a command after the closing quote, or after a semicolon, is still found."""
    for tail in ("\nrm -rf /\n", "; rm -rf /\n", ";/bin/r? -rf /\n", " ;\n/bin/r? -rf /\n"):
        text = _PAD + "note = 'first\n" + _PAD + "last'" + tail + _PAD
        assert not _long_text_clean(text), tail
        assert "deny.root-wipe" in {f.rule for f in deny_findings(text)}, tail
    harmless = _PAD + "note = 'first\n/bin/r? -rf /\nlast';\n" + _PAD  # quoted: a literal, as bash reads it
    assert _cleared_only_if_harmless(harmless)


def test_no_command_the_analyser_reads_arguments_of_hides_a_glob_command_in_single_quotes() -> None:
    """The runner forms of the fast-path tests, with single quotes for double and after a semicolon."""
    checked = 0
    for name in sorted(_shell._HANDLED_NAMES - _shell.KEYWORDS):
        for form in _RUNNER_FORMS:
            for spelled in (form.replace('"', "'"), "x;" + form, form.replace("\n", ";")):
                _cleared_only_if_harmless(_PAD + spelled.format(name=name) + "\n")
                checked += 1
    assert checked > 4500


_QUOTE_BITS = ["'", "'", '"', "#", ";", "; ", " ;", "# '", '# "', "'#'", '"\'"', "'\"'", ";#", "x#'", "'x'", "it's"]


@st.composite
def _quoted_hostile_text(draw: st.DrawFn) -> str:
    """Pieces of denied commands and harmless words, wrapped in single or double quotes (whole, half, split), joined
    by semicolons, blanks and line breaks, with quotes and comment starts put between them, past 2 KiB."""
    parts: list[str] = []
    for _repeat in range(draw(st.integers(1, 14))):
        piece = draw(st.sampled_from([*_PIECES, *_QUOTE_BITS]))
        quote = draw(st.sampled_from(["'", '"']))
        wrap = draw(st.sampled_from(["", "", "", "quote", "half", "split"]))
        cut = draw(st.integers(1, len(piece) - 1)) if len(piece) > 1 else 0
        parts.append(_wrap(piece, quote, wrap, cut))
        parts.append(draw(st.sampled_from([" ", "", ";", "; ", "\n", "\t", " ;\n", ";\n"])))
    where = draw(st.sampled_from(["before", "after", "both"]))
    body = "".join(parts)
    return (_PAD if where != "after" else "") + body + (_PAD if where != "before" else "")


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_quoted_hostile_text())
def test_quotes_comments_and_semicolons_never_clear_what_the_analysis_denies(text: str) -> None:
    _cleared_only_if_harmless(text)


def _single_quote_forms(word: str) -> list[str]:
    cut = max(1, len(word) // 2)
    return [f"'{word}'", f"{word[:cut]}'{word[cut:]}'", f"'{word[:cut]}'{word[cut:]}", f"$'{word}'", f'"{word}"']


def test_every_denied_command_spelled_with_single_quotes_and_semicolons_behind_every_prefix() -> None:
    """The systematic version for what the long-text proof newly reads: each deny-listed command, its name in every
    obfuscated form (single quotes among them), behind every prefix, after a semicolon, hidden past 2 KiB."""
    checked = denied = 0
    for command in _DENIED_COMMANDS:
        for name in [*_forms(command[0]), *_single_quote_forms(command[0])]:
            for prefix in [*_PREFIXES, ["ls"], ["Y='a b'"]]:
                for lead in ("x;", "x; ", "x ;\n", "'a';", "# it's\n"):
                    text = _PAD + lead + " ".join([*prefix, name, *command[1:]]) + "\n"
                    if not _cleared_only_if_harmless(text):
                        denied += bool(_without_precheck(text))
                    checked += 1
    assert checked > 7000
    assert denied > checked // 2, (denied, checked)  # most spellings run the command; the rest name another


def test_generated_quoted_texts_are_both_cleared_and_denied() -> None:
    """The positive control of the generated property, over a fixed sample of the same kind of text, half of them
    with a denied command put in after a semicolon or a line break: the proof clears many of them (so the property
    is not met by refusing everything), and each one the analysis denies is refused."""
    rng = random.Random(22)  # a seeded sample, so the counts are the same in every run
    cleared = denied = 0
    for _unused in range(1500):
        words = []
        for _repeat in range(rng.randint(1, 10)):
            piece = rng.choice([*_PIECES, *_QUOTE_BITS])
            quote = rng.choice("'\"")
            wrap = rng.choice(["", "", "quote", "split"])
            cut = rng.randint(1, len(piece) - 1) if len(piece) > 1 else 0
            words.append(_wrap(piece, quote, wrap, cut) + rng.choice([" ", ";", "; ", "\n", " "]))
        if rng.random() < 0.5:
            command = rng.choice(_DENIED_COMMANDS)
            name = rng.choice([command[0], *_single_quote_forms(command[0])[:3]])
            words.insert(
                rng.randint(0, len(words)), rng.choice([";", "\n", "; "]) + " ".join([name, *command[1:]]) + ";"
            )
        text = _PAD + "".join(words) + "\n"
        cleared += _cleared_only_if_harmless(text)
        denied += bool(_without_precheck(text))
    assert cleared > 100 and denied > 400, (cleared, denied)  # 134 and 638 with this seed


# ---------------------------------------------------------------------------------------------------------------
# Coverage: every trigger the rules and the tables hold keeps a text off the pre-check
# ---------------------------------------------------------------------------------------------------------------


def _rule_names() -> set[str]:
    names: set[str] = set()
    for function in _deny_rule_functions():
        names |= _command_names_in(function)
    return names


def test_every_command_name_a_deny_rule_reads_keeps_a_long_text_off_the_precheck() -> None:
    """A deny rule added for a new command name (or a name added to a rule's table) takes a long text naming it
    to the analyser, as a command word, by path, quoted, upper-cased and after a prefix assignment."""
    names = _rule_names()
    assert {"rm", "dd", "chmod", "git", "uudeview", "tee", "find", "base64", "sed", "rsync"} <= names
    for name in sorted(names):
        lines = (f"{name} x", f"/usr/bin/{name} -o a.sh", f'x "{name}" y', f"X=1 {name.upper()}", f"{name}/",
                 f"x '{name}' y", f"x;{name} y", f"x=1;'{name}'")  # fmt: skip
        for line in lines:
            assert not _long_text_clean(_PAD + line + "\n" + _PAD), line


def test_every_name_and_pattern_the_fast_path_holds_keeps_a_long_text_off() -> None:
    """The fast path's tables (every name that may run its arguments, every name a rule reads) and its patterns
    (formatters, interpreters with versions, PowerShell spellings), one by one."""
    names = set(_commands._FAST_NAMES)
    patterned = ["mkfs", "mkfs.ext4", "mkfs.xfs", *_commands._MKFS_RE.pattern.split("|")[1:]]
    interpreters = list(_shell.INTERPRETER_NAMES)
    patterned += [f"{i}{suffix}" for i in interpreters for suffix in ("", "3", "3.12", "5.36.0")]
    patterned += [i.upper() for i in interpreters] + ["Python3", "pwsh", "pwsh7", "pwsh.exe", "PowerShell.EXE"]
    patterned += ["TCL\u017fH"]  # a long s is an s to the interpreter pattern
    assert len(names) > 150 and len(interpreters) > 10
    for name in sorted(names) + patterned:
        assert not _long_text_clean(_PAD + f"{name} x\n"), name
    renaming = sorted(_commands._RENAMING_NAMES)
    for name in renaming:  # a glob may stand for the program these give another name
        assert not _long_text_clean(_PAD + f"{name} -s /bin/r? x\n./x -rf /\n"), name


def test_the_name_patterns_are_built_from_their_tables() -> None:
    """The pre-check skips a piece whose first letter starts no prefix, formatter or interpreter name of the
    tables; the patterns the fast path and the analyser use must therefore be those tables, name for name."""
    assert _shell.INTERPRETER_RE.pattern == f"(?:{'|'.join(_shell.INTERPRETER_NAMES)})[0-9.]*"
    assert _shell.INTERPRETER_RE.flags & re.IGNORECASE
    assert _commands._MKFS_RE.pattern == "mkfs(?:\\..+)?|" + "|".join(_commands._FORMATTERS)
    assert ("mkfs", *_commands._PWSH_PREFIXES) == _commands._LONG_NAME_PREFIXES


# The scan as bash reads it: a quoted string of either kind, or a comment from a # at the start of a word (the start of
# the text, or after a blank or a semicolon). _LONG_QUOTED is the same scan, written to run faster.
_READABLE_LONG_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|(?<![^ \t\n;])#[^\n]*")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"\"'#;ab -", "\n", "\t", "é"]), max_size=40))
def test_quotes_are_paired_as_the_whole_scan_pairs_them(text: str) -> None:
    """``_unquoted`` (a split when no comment can start and one kind of quote is used) is ``_LONG_QUOTED.sub`` with
    an open quote refused; without single quotes and semicolons that is the fast path's own scan."""
    reference = _READABLE_LONG_QUOTED.sub(_commands._QUOTE_STAND_IN, text)
    assert _commands._LONG_QUOTED.sub(_commands._QUOTE_STAND_IN, text) == reference
    expected = None if '"' in reference or "'" in reference else reference
    assert _commands._unquoted(text) == expected
    if "'" not in text and ";" not in text:
        assert reference == _commands._QUOTED.sub(_commands._QUOTE_STAND_IN, text)


_LINE_BITS = [*"{}[]*?,=ab01789 \t%é", "\n", "\n", "if ", "then ", "do", "X=1 ", "a[1]=", "{a,b}", "7"]


def _patterns_agree(text: str) -> tuple[bool, bool]:
    lines = _commands._distinct_lines(text)
    found = []
    for pattern in (_commands._BRACE_WORD, _commands._GLOB_COMMAND_WORD):
        assert bool(pattern.search(lines)) == bool(pattern.search("\n" + text)), (pattern.pattern[:20], text)
        found.append(bool(pattern.search(lines)))
    return found[0], found[1]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_LINE_BITS), max_size=40).map("".join))
def test_the_patterns_find_in_the_distinct_lines_what_they_find_in_the_text(text: str) -> None:
    """The brace and command-word patterns run over each distinct line once, digits read as 0 (a generated
    document is a few lines with other numbers): they must find a match there exactly when the text has one."""
    _patterns_agree(text)


def test_the_distinct_lines_sample_finds_both_answers() -> None:
    """Positive control of the property above: over a seeded sample of the same texts, each pattern both finds
    and misses."""
    rng = random.Random(7)
    counts = [0, 0, 0, 0]
    for _unused in range(3000):
        braces, globs = _patterns_agree("".join(rng.choice(_LINE_BITS) for _bit in range(rng.randint(0, 40))))
        counts[braces] += 1
        counts[2 + globs] += 1
    assert min(counts) > 300, counts


@pytest.mark.parametrize(
    ("text", "unquoted"),
    [("a 'b \" c' d", "a % d"), ("a \"b ' c\" d", "a % d"), ("# it's\nx", "%\nx"), ("x;# it's\ny", "x;%\ny"),
     ("x#'a'", "x#%"), ("'a'#b", "%#b"), ("it's", None), ("\"a' b", None), ("a;'#b'", "a;%")],
)  # fmt: skip
def test_quotes_and_comments_pair_as_bash_pairs_them(text: str, unquoted: str | None) -> None:
    """Hand-checked against bash: a quote of one kind inside a string of the other is literal, a quote in a comment
    opens nothing, a # starts a comment at the start of a word (after a blank or a semicolon), not mid-word."""
    assert _commands._unquoted(text) == unquoted


def test_odd_blanks_in_ascii_text_are_the_patterns() -> None:
    ascii_odd = {chr(c) for c in range(128) if _commands._ODD_BLANK.fullmatch(chr(c))}
    assert set(_commands._ASCII_ODD_BLANKS) == ascii_odd
    for code in range(0x110000):
        assert _commands._odd_blank(f"x{chr(code)}y") == bool(_commands._ODD_BLANK.fullmatch(chr(code))), hex(code)


def _indented_json(entries: int) -> str:
    return json.dumps({f"key_{i}": {"name": f"value {i}", "list": [i, i + 1]} for i in range(entries)}, indent=2)


def test_an_indented_json_document_is_cleared_and_the_analysis_agrees() -> None:
    """A reserved word alone on its line (``{`` and ``}`` in every indented JSON document) puts no word in command
    position, so globs in the document (``[``) do not send it to the analyser."""
    text = _indented_json(200)
    assert len(text) > 10_000
    assert _cleared_only_if_harmless(text)


@pytest.mark.parametrize(
    "line",
    ["{ /bin/r? -rf /", "if /bin/r? -rf /", "! /bin/r? -rf /", "time /bin/r? -rf /", "then /bin/r? -rf /",
     "X=1 /bin/r? -rf /", "{\n/bin/r? -rf /", "do\n  /bin/r? -rf /\ndone", "coproc /bin/r? -rf /"],
)  # fmt: skip
def test_a_glob_in_command_position_after_a_reserved_word_is_refused(line: str) -> None:
    text = _indented_json(100).replace('"name"', '"name" [x]', 1) + "\n" + line + "\n"
    assert not _long_text_clean(text), line
    assert deny_findings(text) == _without_precheck(text)
    assert "deny.root-wipe" in {f.rule for f in deny_findings(text)}, line


def test_hard_characters_are_the_fast_paths_but_quotes_and_semicolons_and_nul() -> None:
    """Every character that makes the short fast path take the analyser does so for long texts, but the single quote
    and the semicolon, which the long-text proof reads itself (positive control: each alone is cleared, and the
    analysis agrees)."""
    assert set(_commands._HARD_CHARS) == (set(_commands._FAST_CHARS) - {"'", ";"}) | {"\x00"}
    assert set(_commands._LONG_READS) == {"'", ";"} <= set(_commands._FAST_CHARS)
    for char in _commands._HARD_CHARS:
        assert not _long_text_clean(_PAD + f"x{char}y\n")
    for line in ("x 'y' z", "x;y", "a = 'b';", "x ; y"):
        assert _cleared_only_if_harmless(_PAD + line + "\n"), line


# ---------------------------------------------------------------------------------------------------------------
# What the pre-check relies on, for every code point
# ---------------------------------------------------------------------------------------------------------------


def test_lower_casing_keeps_every_word_break_slash_and_quote() -> None:
    """Pieces are compared lower-cased: lower-casing must neither make nor remove a word break, a slash or a
    double quote, so the lower-cased text's pieces are the text's pieces lower-cased."""
    for code in range(0x110000):
        char = chr(code)
        low = char.lower()
        assert ("/" in low) == (char == "/"), hex(code)
        assert ('"' in low) == (char == '"'), hex(code)
        assert ("'" in low) == (char == "'"), hex(code)
        assert (";" in low) == (char == ";"), hex(code)
        assert ("\n" in low) == (char == "\n"), hex(code)
        assert any(c.isspace() for c in low) == char.isspace(), hex(code)
        if char.isspace():
            assert low == char, hex(code)


def test_digits_read_as_zero_change_nothing_else() -> None:
    """Pieces are compared with their digits read as 0 (so are the names and patterns): every other code point,
    lone surrogates included, stays what it was."""
    every = "".join(map(chr, range(0x110000)))
    expected = "".join("0" if char in "123456789" else char for char in every)
    assert _commands._as_zero(every) == expected
    for name in (*_commands._FAST_NAMES, *_commands._FORMATTERS):
        assert _commands._as_zero(name.lower()) in _commands._LONG_NAMES or name in _commands._FORMATTERS


def test_the_interpreter_pattern_reads_lower_cased_text_as_it_reads_any_case() -> None:
    """``INTERPRETER_RE`` matches case-insensitively; the pre-check matches it case-sensitively on lower-cased text
    after ``_ASCII_FOLDS``. Every character that can stand in lower-cased text and that one of the pattern's
    letters matches case-insensitively, put in place of that letter in each interpreter's name, still names an
    interpreter to the pre-check."""
    folds = dict(_commands._ASCII_FOLDS)
    names = _shell.INTERPRETER_NAMES
    letters = "".join(sorted(set("".join(names))))
    any_letter = re.compile(f"[{letters}]", re.IGNORECASE)  # the letters, as the pattern reads them
    checked = 0
    for code in range(0x110000):
        char = chr(code)
        if char.lower() != char or not any_letter.fullmatch(char):
            continue  # never in lower-cased text, or no letter of the pattern stands for it
        for name in names:
            for at, letter in enumerate(name):
                spelled = name[:at] + char + name[at + 1 :]
                if _shell.INTERPRETER_RE.fullmatch(spelled):
                    assert not _long_text_clean(_PAD + spelled + " -c x\n"), (hex(code), spelled)
                    assert folds.get(char, char) == letter, (hex(code), spelled)
                    checked += 1
    assert checked >= sum(map(len, names)) + 2  # each letter itself, and the dotless i and the long s


# ---------------------------------------------------------------------------------------------------------------
# Differential: generated texts, short and long
# ---------------------------------------------------------------------------------------------------------------


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile_text())
def test_the_precheck_never_clears_what_the_analysis_denies(text: str) -> None:
    _cleared_only_if_harmless(text)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_obfuscated_denied_command())
def test_obfuscated_denied_commands_are_cleared_only_when_harmless(text: str) -> None:
    _cleared_only_if_harmless(text)


def test_every_form_of_every_denied_command_behind_every_prefix() -> None:
    checked = 0
    for command in _DENIED_COMMANDS:
        for name in _forms(command[0]):
            for prefix in [*_PREFIXES, ["ls"], ["Y=a", "Z=b"]]:
                for separator in (" ", "\t", " \r ", "\r", "\x0b", "\xa0"):
                    _cleared_only_if_harmless(separator.join([*prefix, name, *command[1:]]))
                    checked += 1
    assert checked > 4000


def test_no_command_the_analyser_reads_arguments_of_hides_a_glob_command() -> None:
    checked = 0
    for name in sorted(_shell._HANDLED_NAMES - _shell.KEYWORDS):
        for form in _RUNNER_FORMS:
            _cleared_only_if_harmless(form.format(name=name))
            checked += 1
    assert checked > 1500


# Ordinary configuration lines of several formats (the pre-check clears them), and some it leaves to the analyser
# (a glob or a reserved word as a line's first word, a brace expansion, a single quote), and hostile fragments to
# put between and inside them.
_CONFIG_LINES = [
    _bench_line(7), "name = benchapp\n", "port=8080\n", '{"name": "users", "hosts": ["a", "b"]}\n',
    "  - item: value\n", "# a comment with \"a quote\n", 'msg = "a # not a comment"\n',
    "path = /etc/app/conf.d/*.conf\n", "cost = 5 $\n", "Ünïcödé = 中文 ✓ 🚀\n", "\n",
    "Straße = \u017f \u0131 \u212a \u0130\n",
    "include /srv/app/*.ini\n", "LOG=/var/log/app.log\n", "url = https://h/x?y=1\n",
    "ExecStart=/usr/bin/app --flag\n", "do = then\n", "line\twith\ttabs\n", "windows line\r\n", "~/x = ~user\n",
]  # fmt: skip
_CONFIG_LINES_OFF = ["[section]\n", "key: 'single'\n", "x = {a,b}\n", "[[ok]]\n"]
_NAMES = sorted(
    _commands._FAST_NAMES | _commands._RENAMING_NAMES | _commands._STATE_ONLY_NAMES | _shell.KEYWORDS
    | {"mkfs.ext4", "mke2fs", "python3.12", "perl5", "pwsh7", "PYTHON", "Rscript", "rm/", "/bin/rm", "ls", "cat"}
)  # fmt: skip
_FRAGMENTS = [
    "rm -rf /", "rm", "-rf", "/", "/*", "/dev/sda", "of=/dev/sda", "/dev/nvme0n1", "if=/dev/zero", "--force", "main",
    "-R", "777", "-d", "-c", "--no-preserve-root", "push", "/etc", "/usr", "~", "~/x", "$x", "$HOME", "${x}", "$",
    "$(echo rm)", "`rm`", "'rm'", '"', '"rm"', "r\"m\"", "{r,}m", "{", "}", "*", "?", "[r]m", "/bin/r?", "X=",
    "X=/bin/r*", "a[1]=x", "#", "# \"", "\\", "\\\n", "<<EOF\nrm -rf /\nEOF\n", "<<<", ">", ">/dev/sda", "|", "&",
    ";", "(", ")", "\x00", "\r", "\x0b", "\x0c", "\xa0", "\u3000", "\u2028", "\x1c", "\u0131", "\u017f", "\u212a",
    "\u0130", "\ud800", ":(){ :|:& };:", "function f { f | f & }", "base64 -d", "| sh", "xxd -r", "eval", "alias",
    "trap",
]  # fmt: skip
# Bits that look like the above but that the pre-check may clear: what it must tell apart.
_NEAR_MISSES = [
    "-rf /", "/dev/sda", "of=/dev/sda", "/dev/null", "main", "--force", "xrm", "rm.conf", "rmx", "farm", "shell",
    "bashful", "pythonic", "perl_path", "sha", "shx", "ddx", "/etc/rm.d/x", "x/rm.conf", "a$", "cost: 5 $", "~",
    "~/x", "~user/x", "X=/bin/r*", "ls *.ini", "x /bin/r?", "a{b", "}{", "{a}", "x {a} y", '"{r,}m"', '"r m"',
    '"quoted words"', '# comment "quote', '"a" "b"', "é", "中文", "\u0131", "\u017f", "\u212a", "\t", "[x]",
    "x=1 y=2 z", ".x", ":x", "x:", "name: value", "- item", "#!/usr/bin/env", "if_x", "done_x", "then:", "a\u3000b",
]  # fmt: skip


@st.composite
def _config_with_hostile_bits(draw: st.DrawFn) -> str:
    """Configuration lines past the pre-check's length, with program names, fragments and separators put between
    the lines, inside them, or wrapped in quotes that may span lines."""
    lines = [
        draw(st.sampled_from(_CONFIG_LINES * 8 + _CONFIG_LINES_OFF)) for _unused in range(draw(st.integers(1, 12)))
    ]
    for _unused in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["near"] * 6 + ["name", "fragment", "hostile"]))
        bit = draw(
            {"near": st.sampled_from(_NEAR_MISSES), "name": st.sampled_from(_NAMES),
             "fragment": st.sampled_from(_FRAGMENTS), "hostile": _hostile_text()}[kind]
        )  # fmt: skip
        bit = bit + draw(st.sampled_from(["", " ", "\t", " -rf /", " x", "\n", " /dev/sda"]))
        wrap = draw(st.sampled_from(["", "", "", "", "", "quote", "half"]))
        if wrap:
            bit = f'"{bit}"' if wrap == "quote" else f'"{bit}'
        at = draw(st.integers(0, len(lines)))
        if draw(st.sampled_from(["between", "inside"])) == "inside" and lines:
            target = lines[min(at, len(lines) - 1)]
            cut = draw(st.integers(0, len(target)))
            lines[min(at, len(lines) - 1)] = target[:cut] + bit + target[cut:]
        else:
            lines.insert(at, bit + "\n")
    where = draw(st.sampled_from(["before", "after", "both"]))
    body = "".join(lines)
    return (_PAD if where != "after" else "") + body + (_PAD if where != "before" else "")


def test_near_misses_in_ordinary_lines_are_cleared_and_the_analysis_agrees() -> None:
    """The positive side of the differential: hostile-looking but harmless bits in every kind of ordinary line
    (names as parts of words, devices and root as values, globs in arguments, quoted braces, unicode) are cleared,
    so the property above is not met by refusing everything."""
    cleared = 0
    for bit in _NEAR_MISSES:
        for line in _CONFIG_LINES:
            text = _PAD + line + bit + "\n" + line.replace("=", f"= {bit}", 1)
            cleared += _cleared_only_if_harmless(text)
    assert cleared > len(_NEAR_MISSES) * len(_CONFIG_LINES) // 2, cleared


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_config_with_hostile_bits(), st.sampled_from([None, "/", "/etc", "/srv/app", "relative"]))
def test_long_texts_get_the_findings_of_the_full_analysis(text: str, cwd: str | None) -> None:
    """With the working directory the command would start in (a relative operand may name / from it)."""
    assert len(text) > _commands._LONG_TEXT
    _cleared_only_if_harmless(text)
    assert deny_findings(text, cwd=cwd) == _without_precheck(text, cwd)


# ---------------------------------------------------------------------------------------------------------------
# Every deny-rule payload the suite already holds
# ---------------------------------------------------------------------------------------------------------------


@cache
def _suite_strings() -> tuple[str, ...]:
    """Every string constant in the unit tests, and every string of every golden decision's request."""
    found: set[str] = set()
    for path in sorted((_TESTS / "unit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and 0 < len(node.value) <= 4096:
                found.add(node.value)
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        request = json.loads(line)["request"]
        for _key, value in _modules.iter_strings([request.get("args"), request.get("environment")], max_items=5000):
            if len(value) <= 65536:
                found.add(value)
    return tuple(sorted(found))


def test_every_payload_of_the_suite_alone_and_hidden_in_a_long_configuration() -> None:
    strings = _suite_strings()
    assert len(strings) > 5000
    denied = cleared = 0
    for text in strings:
        alone = _cleared_only_if_harmless(text)
        hidden = _PAD + text + "\n" + _bench_line(1)
        if not alone and _long_text_clean(hidden):
            _cleared_only_if_harmless(hidden)  # (the same pieces, so this cannot happen; checked if it did)
        if not alone and _without_precheck(text):
            denied += 1
            assert deny_findings(hidden), text  # hidden after 2 KiB of configuration, it is still found
        cleared += alone
    assert denied > 200 and cleared > 1000, (denied, cleared)
