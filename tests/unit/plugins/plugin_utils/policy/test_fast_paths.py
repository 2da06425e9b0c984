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

import ast
import inspect
import shlex
import textwrap

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import (
    _fast_clean,
    deny_findings,
    deny_rules,
    posix_words,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _analysed(text: str) -> list[str]:
    """The full analysis's verdict, bypassing both fast paths (the deny scan's and the analyser's)."""
    return [finding.rule for finding in deny_rules(_shell._run_analyzer(text, cwd=None, max_depth=8, uncertain=False))]


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
    "if", "then", "time", "!", "coproc", "[[", "^workers", ".*$", "*.ini", "a$", "X+=1", "a[1]=x", "X+=/bin/r*",
    # commands that run their arguments: a glob there may name rm
    "alias", "x=", "trap", "parallel", "dbclient", "man", "-P", "-o", "ProxyCommand=/bin/r?", "apt-get", "scp",
    "--to-command=/bin/r?", "EXIT", ":::", "cd", "set", "-e", "export", "at", "now",
    # comments: a quote inside one opens nothing, a # inside quotes or mid-word starts nothing
    "#", "# x", '#"', '# "', "x#", "#/bin/r?", '"#"', "rm/", "/bin/rm//", "sh/",
    # programs run under another name
    "ln", "-s", "./x", "x", "hash", "-p", "install", "mv", "cp",
    # what ordinary content looks like
    "name", "users", "=", "port=8080", "log_level=debug", "# managed", "benchapp", "{\"name\":", "\"users\",",
    "host2\"}", "true", "[1]",
]  # fmt: skip
_SEPARATORS = [" ", "", "", "\n", "\t", "\r", ",", " \n "]


@st.composite
def _hostile_text(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _repeat in range(draw(st.integers(1, 12))):
        piece = draw(st.sampled_from(_PIECES))
        wrap = draw(st.sampled_from(["", "", "", "quote", "half", "split"]))
        cut = draw(st.integers(1, len(piece) - 1)) if len(piece) > 1 else 0
        parts.append(_wrap(piece, '"', wrap, cut))
        parts.append(draw(st.sampled_from(_SEPARATORS)))
    return "".join(parts)


def _wrap(piece: str, quote: str, how: str, cut: int) -> str:
    """``piece`` in ``quote``: whole ("quote"), opened only ("half"), or from ``cut`` on ("split", when it can be)."""
    if how == "quote":
        return f"{quote}{piece}{quote}"
    if how == "half":
        return f"{quote}{piece}"
    if how == "split" and 0 < cut < len(piece):
        return f"{piece[:cut]}{quote}{piece[cut:]}{quote}"
    return piece


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
        "link",  # the file module's state=link: a renaming command's name, but nothing a glob could stand for
        "ln -s /srv/app/releases/3 /srv/app/current",
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
             ["if"], ["time"], ["!"], ["coproc"], ["X+=1"], ["a[1]=x"], ["X=1", "Y+=2"], ["trap"], ["parallel"],
             ["dbclient", "host"], ["alias", "x="], ["man", "-P"], ["scp", "-S"]]  # fmt: skip


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
    lead = draw(st.sampled_from(["", "name=x\n", "# comment\n", '{"a": "b"}\n', "ok\r\n", '# "\n', 'x # "\n']))
    trail = draw(st.sampled_from(["", "\n", "\nname=y", ' "tail"', '\n# "', ' #"']))
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


@pytest.mark.parametrize(
    "text",
    ['rm"rm rmrm rmrm "X=/bin/r* -rf / ', 'r"m "X=/bin/r* -rf /', '"X"=/bin/r* -rf /', 'a"b"c=/bin/r? -rf /'],
)
def test_a_quote_in_a_would_be_assignment_name_leaves_a_command_word(text: str) -> None:
    """Bash reads ``NAME=value`` as an assignment only when NAME is unquoted: with a quote in it, the word is the
    command word, here a glob that may name rm (found by the property test above)."""
    assert _analysed(text) == ["deny.root-wipe"]
    assert not _fast_clean(text)
    assert deny_findings(text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("X+=1 /bin/r? -rf /", "deny.root-wipe"),  # += is an assignment too: the glob is the command word
        ("mkbtrfs /dev/sda", "deny.raw-disk-write"),  # formatters the regex names, not only mkfs*
        ("mkfatfs /dev/sda", "deny.raw-disk-write"),
        ("uudeview -o run.sh\n./run.sh", "deny.decode-to-shell"),  # decoders outside the decoder tables
        ('alias x="/bin/r? -rf /"\nx', "deny.root-wipe"),  # commands that run their arguments
        ('trap "/bin/r? -rf /" EXIT', "deny.root-wipe"),
        ("parallel /bin/r? -rf ::: /", "deny.root-wipe"),
        ('dbclient host "/bin/r? -rf /"', "deny.root-wipe"),
        ('man -P "/bin/r? -rf /" ls', "deny.root-wipe"),
        ('scp -o "ProxyCommand=/bin/r? -rf /" a b', "deny.root-wipe"),
        ('# "\n/bin/r? -rf /\n# "', "deny.root-wipe"),  # quotes in comments paired across the command line
        ('x # "\n/bin/r? -rf / "', "deny.root-wipe"),
        ("ln -s /bin/r? x\n./x -rf /", "deny.root-wipe"),  # a glob standing for the program given another name
        ("hash -p /bin/r? ls\nls -rf /", "deny.root-wipe"),
        ("rm/ / -rf ", "deny.root-wipe"),  # a trailing slash: the analyser names the command by what precedes it
        ("/bin/rm// -rf /", "deny.root-wipe"),
    ],
)
def test_texts_the_fast_path_once_cleared_are_denied(text: str, rule: str) -> None:
    """Each of these passed the fast path before its name or form was accounted for (found by review and by the
    systematic tests above); the analysis denies them and so does the public scan now."""
    assert rule in _analysed(text)
    assert not _fast_clean(text)
    assert rule in {finding.rule for finding in deny_findings(text)}


def test_a_carriage_return_cannot_hide_the_command_word() -> None:
    assert not _fast_clean("X=1 \r r[m] \r -rf /")
    assert not _fast_clean("\r/bin/r? -rf /")


# ---------------------------------------------------------------------------------------------------------------
# The analyser's plain-command shortcut: a line of literal words is one simple command, exactly as the analyser
# would build it, or the analyser runs.
# ---------------------------------------------------------------------------------------------------------------


def _long_way(text: str, cwd: str | None = None) -> _shell.ShellAnalysis:
    normalised = cwd if cwd is not None and cwd.startswith("/") else None
    return _shell._run_analyzer(text, cwd=normalised, max_depth=8, uncertain=False)


# Every name the analyser treats specially (the shortcut's own list, and independently of it the names its
# branches were written for), as a command word bare and by path.
_SPECIAL = [
    *sorted(
        _shell._HANDLED_NAMES
        | set(_shell.WRAPPERS) | _shell.SHELLS | set(_shell._OPTION_COMMANDS) | _shell._KEYWORDS
        | {"cd", "pushd", "popd", "unset", "read", "printf", "set", "alias", "eval", "source", ".", "export", "local"}
        | {"su", "runuser", "sg", "find", "xargs", "watch", "flock", "script", "ssh", "trap", "at", "batch", "parallel"}
        | {"pkexec", "run0", "doas", "sudo", "env", "awk", "gawk", "tar", "git", "busybox", "toybox", "command", "exec"}
    ),
    "python3", "perl5.36", "NODE", "pypy3.10", "Rscript",
]  # fmt: skip
_WORDS = [
    *_SPECIAL, *(f"/usr/bin/{name}" for name in _SPECIAL[::7]), "uname", "-a", "id", "-u", "df", "-h", "cat",
    "/proc/loadavg", "uptime", "ls", "/", "/etc/", "rm", "-rf", "*", "*.ini,*.conf", "/bin/*sh", "/bin/r?", "[ab]*",
    "[", "]", "[[", "=", "a=b", "X=1", "of=/dev/sda", "-c", "-lc", "--c", "-xc", "--", "-", ".", "..", "./run.sh",
    "x/", "%1", "@host", "user@host:/srv", "a,b", "+x", "é", "a#b", "~", "~/x", "a{b,c}", "$x", "'q'", "\"q\"",
]  # fmt: skip


@st.composite
def _plainish_line(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=7))
    separators = [draw(st.sampled_from([" ", "\t", "  ", " \t"])) for _word in words]
    lead, trail = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\t", "\n"]))
    return lead + "".join(w + s for w, s in zip(words, separators, strict=True)).rstrip(" \t") + trail


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plainish_line(), st.sampled_from([None, "/srv/app", "/tmp/../etc/", "relative/dir", ""]))
def test_the_plain_command_shortcut_is_the_analysers_result(text: str, cwd: str | None) -> None:
    assert _shell.analyze(text, cwd=cwd) == _long_way(text, cwd), text


@pytest.mark.parametrize(
    ("text", "name", "dynamic"),
    [
        ("uname -a", "uname", False),
        ("  cat /proc/loadavg\t", "cat", False),
        ("/usr/bin/id -u", "id", False),
        ("*.ini,*.conf", "*.ini,*.conf", True),
        ("/etc/*.d x", "*.d", True),
        ("dd of=/dev/sda", "dd", False),
        ("rm -rf /", "rm", False),
    ],
)
def test_plain_lines_take_the_shortcut(text: str, name: str, dynamic: bool) -> None:
    analysis = _shell._plain_command(text, None)
    assert analysis is not None
    assert analysis == _long_way(text)
    (command,) = analysis.commands
    assert (command.name, command.dynamic_name) == (name, dynamic)


@pytest.mark.parametrize(
    "text",
    [
        "sudo rm -rf /", "/usr/bin/env rm", "bash", "python3 x.py", "find / -delete", "xargs rm", "X=1 rm",
        "if true", "time rm", "eval rm", "ssh host rm", "/bin/*sh -c rm", "cd /", "export A=b", "tar -I rm x",
        "ls $HOME", "ls ~", "ls {a,b}", "ls 'a'", "ls; rm", "ls\nrm", "ls > x", "ls # x", "ls é", "", " ",
    ],
)  # fmt: skip
def test_lines_the_analyser_must_read_do_not_take_the_shortcut(text: str) -> None:
    assert _shell._plain_command(text, None) is None


def _names_compared_in(function: object) -> tuple[set[str], set[str]]:
    """String constants and module-level tables that ``function`` compares a command name with."""
    source = textwrap.dedent(inspect.getsource(function))  # type: ignore[arg-type]
    constants: set[str] = set()
    tables: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)):
            continue
        if node.left.id not in ("name", "first", "lower"):
            continue
        for right in node.comparators:
            if isinstance(right, ast.Constant) and isinstance(right.value, str):
                constants.add(right.value)
            elif isinstance(right, ast.Tuple | ast.Set | ast.List):
                constants.update(e.value for e in right.elts if isinstance(e, ast.Constant))
            elif isinstance(right, ast.Name):
                tables.add(right.id)
    return constants, tables


def test_every_name_the_analyser_handles_is_excluded_from_the_shortcut() -> None:
    """A branch added to the analyser for a new command name must keep that name off the shortcut."""
    seen = 0
    for function in (_shell._Analyzer._special, _shell._Analyzer._execute, _shell._Analyzer._dispatch):
        constants, tables = _names_compared_in(function)
        assert constants - _shell._HANDLED_NAMES == set(), function
        for table in tables:
            names = set(getattr(_shell, table))
            assert names <= _shell._HANDLED_NAMES, (function, table)
            seen += len(names)
        seen += len(constants)
    assert seen > 100


_RUNNER_FORMS = [
    "{name} /bin/r? -rf /", '{name} x "/bin/r? -rf /"', '{name} "/bin/r? -rf /" x', "{name} x /bin/r? -rf /",
    "{name} -o ProxyCommand=/bin/r? host", '{name} -o "ProxyCommand=/bin/r? -rf /" host', "{name} -S /bin/r? x",
    "{name} --to-command=/bin/r? x", '{name} -P "/bin/r? -rf /" ls', "{name} -TT /bin/r? x", "{name} -e /bin/r? x",
    '{name} -c "/bin/r? -rf /"', "{name} -c /bin/r? -rf /", '{name} x="/bin/r? -rf /"\nx', "{name} x=/bin/r?\nx -rf /",
    '{name} "/bin/r? -rf /" EXIT', "{name} /bin/r? -rf ::: /", "{name} -I /bin/r? x", "{name} host /bin/r? -rf /",
    "{name} -u root /bin/r? -rf /", "{name} sh -c /bin/r?",
]  # fmt: skip


def test_no_command_the_analyser_reads_arguments_of_hides_a_glob_command() -> None:
    """Every name the analyser handles, with a glob that could name rm in each argument shape a command string
    takes (operand, quoted string, option value, assignment): the fast path clears it only if the analysis
    finds nothing either."""
    checked = 0
    for name in sorted(_shell._HANDLED_NAMES - _shell.KEYWORDS):
        for form in _RUNNER_FORMS:
            text = form.format(name=name)
            if _fast_clean(text):
                assert _analysed(text) == [], text
            checked += 1
    assert checked > 1500


def _command_names_in(function: object) -> set[str]:
    """Every command name ``function`` compares a command's name with: constants, and the members of the module
    tables (or unions of them) it tests membership in."""
    source = textwrap.dedent(inspect.getsource(function))  # type: ignore[arg-type]
    names: set[str] = set()

    def table(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Name) and isinstance(getattr(_commands, node.id, None), frozenset | set | dict):
            return {str(x) for x in getattr(_commands, node.id)}
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_shell":
            value = getattr(_shell, node.attr, None)
            return {str(x) for x in value} if isinstance(value, frozenset | set | dict) else set()
        if isinstance(node, ast.BinOp):
            return table(node.left) | table(node.right)
        return set()

    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        left = node.left
        is_name = (isinstance(left, ast.Name) and left.id in ("name", "nm")) or (
            isinstance(left, ast.Attribute) and left.attr == "name"
        )
        if not is_name:
            continue
        for right in node.comparators:
            if isinstance(right, ast.Constant) and isinstance(right.value, str):
                names.add(right.value)
            elif isinstance(right, ast.Tuple | ast.Set | ast.List):
                names.update(e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
            else:
                names |= table(right)
    return names


def _deny_rule_functions() -> list[object]:
    return [
        value
        for key, value in vars(_commands).items()
        if inspect.isfunction(value) and (key.startswith("_deny") or key in ("deny_rules", "is_decoder", "git_push"))
    ]


def test_every_command_name_a_deny_rule_reads_keeps_text_off_the_fast_path() -> None:
    """A deny rule added for a new command name (or a name added to a rule's table) must take the text that names
    it to the analyser; so must every name the formatter regex covers."""
    names: set[str] = set()
    for function in _deny_rule_functions():
        names |= _command_names_in(function)
    names |= {"mkfs", "mkfs.ext4", "mkfs.xfs", *_commands._MKFS_RE.pattern.split("|")[1:]}
    assert {"rm", "dd", "chmod", "git", "uudeview", "mkbtrfs", "tee", "find"} <= names
    for name in sorted(names):
        for text in (f"{name} x", f"/usr/bin/{name} -o a.sh\n./a.sh", f'x "{name}" y'):
            assert not _fast_clean(text), text


def _quoted_bracket_forms(name: str) -> list[str]:
    cut = max(0, len(name) // 2 - 1)
    char = name[cut]
    return [
        f'{name[:cut]}["{char}"]{name[cut + 1 :]}',
        f"{name[:cut]}['{char}']{name[cut + 1 :]}",
        f'{name[:cut]}[{char}""]{name[cut + 1 :]}',
        f'{name[:cut]}[""{char}]{name[cut + 1 :]}',
    ]


def test_a_bracket_glob_with_a_quoted_part_in_the_command_word_is_any_program() -> None:
    """``/bin/["r"]m`` is a bracket expression (quoting makes its characters literal, not the brackets) and matches
    /bin/rm; the analyser read only brackets within one unquoted part as a glob (second red team, eighth session).
    Every denied command, its name in each such form, behind every prefix; control: the same word as an argument."""
    checked = 0
    for command in _DENIED_COMMANDS:
        cut = max(0, len(command[0]) // 2 - 1)
        unquoted = f"{command[0][:cut]}[{command[0][cut]}]{command[0][cut + 1 :]}"
        for name in _quoted_bracket_forms(command[0]):
            for prefix in [[], ["sudo"], ["env"], ["X=1"], ["nice"]]:
                text = " ".join([*prefix, name, *command[1:]])
                # judged as the same bracket without quotes is (a dynamic name is read as rm, dd, mkfs and chmod)
                expected = {f.rule for f in deny_findings(" ".join([*prefix, unquoted, *command[1:]]))}
                assert {f.rule for f in deny_findings(text)} == expected, text
                assert not _fast_clean(text), text
                checked += bool(expected)
            assert deny_findings(f"echo {name} {' '.join(command[1:])}") == [], name
    assert checked >= 150


@pytest.mark.parametrize(
    ("text", "bomb"),
    [
        ("f() { coproc f; f; }; f", True),  # (second red team, eighth session)
        ("bomb() { coproc bomb; bomb; }; bomb", True),
        ("h() { coproc h { h; }; }; h", True),
        ("function w { coproc w; w; }; w", True),
        ("coproc sleep 1", False),
        ("coproc job { sleep 1; }; echo started", False),
        ("f() { coproc cat; echo hi >&${COPROC[1]}; }; f", False),
    ],
)
def test_a_function_that_runs_itself_as_a_coprocess_is_a_fork_bomb(text: str, bomb: bool) -> None:
    """``coproc`` runs what follows in the background, as ``&`` does: the fork-bomb rule reads it so."""
    assert ("deny.fork-bomb" in {f.rule for f in deny_findings(text)}) is bomb, text
