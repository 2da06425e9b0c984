# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SEC-1: bash builtins, setarch's names and the alias arrays that run what they are given (red team, seventh
session). Each was cleared by the deny scan, its pre-checks included, while bash ran the command it was handed:
``jobs -x``, ``compgen -C`` and ``complete -C``, ``fc -e``, ``history -s`` (then ``fc -s``), ``mapfile -C`` and
``readarray -C`` (read as state-only), ``x86_64``/``i386``/... (setarch under an architecture's name), and writes into
``BASH_ALIASES``/``BASH_CMDS`` (an alias made through an array, ``declare`` read as state-only).

Held here, generated: every spelling of each, handed every deny-listed command (and its glob form), is denied, alone
and hidden in a long document; the same spellings handed a harmless command are not (the positive control); every
setarch link on this machine is read as setarch. And programs the gate does not know as copiers that write a
file from another (``objcopy /bin/rm x``, ``strip -o x /bin/rm``, ``gio copy``): every path operand may run what
another statically known one runs, so running the copy is judged as the program copied. What stays out (named in
the issue note): ``perf`` (T3: it may run what it is given), and a copy whose source is a glob (``objcopy /bin/r?
x``: T2). And the database shells' own shell escapes (``sqlite3 x.db '.shell CMD'``, psql's ``\\!`` and ``\\o |CMD``,
mysql's ``system``), whose command lines are deny-scanned as what they run."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import deny_findings, deny_rules
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell._vocabulary import SETARCH_NAMES

from tests.unit.plugins.plugin_utils.policy.test_fast_paths import _DENIED_COMMANDS

_PAD = "".join(f"setting_{i} = value {i} # comment for line {i}\n" for i in range(60))


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _spellings(command: str) -> list[str]:
    """Every way the builtins and arrays above are handed ``command`` (a command line)."""
    q = _q(command)
    out = [
        f"jobs -x {command}",
        f"compgen -C {_q(command + ' #')} x",
        f"compgen -W 'a b' -C{_q(command + ' #')} x",
        f"complete -C {_q(command + ' #')} x",
        f"fc -e {_q(command + ' #')}",
        f"fc -e{_q(command + ' #')} -1",
        f"history -s {command}",
        f"history -s {q}",
        f"mapfile -C {_q(command + ' #')} X",
        f"mapfile -u 255 -C {_q(command + ' #')} -c 1 X",
        f"readarray -tC {_q(command + ' #')} X",
        f"readarray -C{_q(command + ' #')} X",
        f"uname26 {command}",
        *(f"{arch} {command}" for arch in SETARCH_NAMES),
        f"BASH_ALIASES[ls]={q}; ls",
        f"BASH_CMDS[ls]={q.split()[0]}'; ls {' '.join(command.split()[1:])}" if "'" not in command else "",
        f"BASH_ALIASES=([ls]={q}); ls",
        f"BASH_ALIASES+=([ls]={q}); ls",
        *(f"{builtin} 'BASH_ALIASES[ls]={command}'; ls" for builtin in sorted(_shell._DECL_BUILTINS)),
        *(f"{builtin} BASH_ALIASES[ls]={q}; ls" for builtin in sorted(_shell._DECL_BUILTINS)),
        f"declare -A BASH_ALIASES=([ls]={q}); ls",
    ]
    return [s for s in out if s]


def _denied_cases() -> list[tuple[str, str]]:
    cases = []
    for argv in _DENIED_COMMANDS:
        command = " ".join(argv)
        rule = deny_rules(_shell.analyze(command))[0].rule
        cases.extend((spelled, rule) for spelled in _spellings(command))
        if argv[0] == "rm":  # the glob form the red team used, so that no piece of the text names rm
            cases.extend((spelled, rule) for spelled in _spellings(" ".join(["/bin/r?", *argv[1:]])))
    return cases


_DENIED = _denied_cases()


def test_the_generated_cases_cover_every_spelling_and_command() -> None:
    assert len(_DENIED) > len(_DENIED_COMMANDS) * 70


@pytest.mark.parametrize(("text", "rule"), _DENIED)
def test_a_deny_listed_command_handed_to_a_runner_builtin_is_denied(text: str, rule: str) -> None:
    assert rule in {f.rule for f in deny_findings(text)}, text
    hidden = _PAD + text + "\n" + _PAD
    assert not _commands._long_text_clean(hidden), text
    assert rule in {f.rule for f in deny_findings(hidden)}, text


@pytest.mark.parametrize("text", _spellings("ls -l /tmp") + _spellings("echo hello"))
def test_a_harmless_command_handed_to_the_same_spellings_is_not_denied(text: str) -> None:
    assert deny_findings(text) == [], text


def test_every_setarch_link_on_this_machine_is_read_as_setarch() -> None:
    links = [
        path.name
        for directory in (Path("/usr/bin"), Path("/bin"), Path("/usr/sbin"))
        if directory.is_dir()
        for path in directory.iterdir()
        if path.is_symlink() and path.resolve().name == "setarch"
    ]
    if not links:
        pytest.skip("no setarch links here (util-linux's setarch is not installed)")
    for name in links:
        assert name in _shell.WRAPPERS, name
        assert deny_findings(f"{name} rm -rf /usr"), name


def test_the_alias_arrays_keep_a_text_off_both_pre_checks() -> None:
    for text in ("declare 'BASH_ALIASES[ls]=/bin/r? -rf /usr'\nls", "export BASH_CMDS[ls]=/bin/r?\nls -rf /usr"):
        assert not _commands._fast_clean(text)
        assert not _commands._long_text_clean(_PAD + text + "\n")
        assert deny_findings(text), text
    assert _commands._long_text_clean(_PAD + "bash_aliases = off\n")  # another variable: case matters to bash


_COPY_SPELLINGS = [
    "objcopy {src} {dst}", "strip -o {dst} {src}", "gio copy {src} {dst}", "mytool --in {src} --out {dst}",
    "sometool {src} {dst} --verbose", "objcopy -O binary {src} {dst}",
]  # fmt: skip
_COPIED = [(argv, f"/usr/bin/{argv[0]}" if not argv[0].startswith("/") else argv[0]) for argv in _DENIED_COMMANDS]


@pytest.mark.parametrize("spelling", _COPY_SPELLINGS)
@pytest.mark.parametrize("destination", ["/tmp/ls", "./ls", "/usr/local/bin/x"])
def test_a_program_copied_by_a_tool_the_gate_does_not_know_is_judged_as_itself(spelling: str, destination: str) -> None:
    denied = 0
    for argv, source in _COPIED:
        rule = deny_rules(_shell.analyze(" ".join(argv)))[0].rule
        copy = spelling.format(src=source, dst=destination)
        text = f"{copy}\n{destination} {' '.join(argv[1:])}"
        assert rule in {f.rule for f in deny_findings(text)}, text
        assert not _commands._long_text_clean(_PAD + text + "\n"), text
        denied += 1
    assert denied == len(_DENIED_COMMANDS)
    # the positive control: a harmless program copied and run with the same arguments, and the copy run harmlessly
    assert deny_findings(f"{spelling.format(src='/bin/ls', dst=destination)}\n{destination} -rf /usr") == []
    assert deny_findings(f"{spelling.format(src='/usr/bin/rm', dst=destination)}\n{destination} --version") == []


def _client_spellings(command: str) -> list[str]:
    q = _q(command)
    return [
        f"sqlite3 x.db {_q('.shell ' + command)}",
        f"sqlite3 -batch x.db {_q('.system ' + q)}",
        f"sqlite3 x.db <<'EOF'\nselect 1;\n.shell {command}\nEOF",
        f"psql -c {_q(chr(92) + '! ' + command)}",
        f"psql -d app -c {_q(chr(92) + 'o |' + command)}",
        f"mysql -e {_q('system ' + command)}",
        f"mariadb -e {_q(chr(92) + '! ' + command)}",
        # the second red team's spellings: abbreviated dot-commands, pipes, backquotes, \\copy's program, a pager
        f"sqlite3 :memory: {_q('.sh ' + command)}",
        f"sqlite3 :memory: {_q('.sys ' + q)}",
        f"sqlite3 :memory: {_q('.once |' + command)} 'select 1;'",
        f"sqlite3 :memory: {_q('.output ' + chr(34) + '|' + command + chr(34))}",
        f"sqlite3 :memory: {_q('.read ' + chr(34) + '|' + command + chr(34))}",
        f"sqlite3 :memory: {_q('.import ' + chr(34) + '|' + command + chr(34) + ' t')}",
        f"psql -c {_q(chr(92) + 'echo `' + command + '`')}",
        f"psql -c {_q('select 1 ' + chr(92) + 'g |' + command)}",
        f"psql -c {_q(chr(92) + 'copy (select 1) to program ' + chr(39) + command + chr(39))}",
        f"mysql -e {_q('select 1; system ' + command)}",
        f"mysql --pager={q} -e 'select 1'",
    ]


_CLIENT_FORMS = len(_client_spellings("x"))


@pytest.mark.parametrize("index", range(_CLIENT_FORMS))
def test_a_database_shell_s_own_shell_escape_is_deny_scanned(index: int) -> None:
    for argv in _DENIED_COMMANDS:
        command = " ".join(argv)
        rule = deny_rules(_shell.analyze(command))[0].rule
        text = _client_spellings(command)[index]
        assert rule in {f.rule for f in deny_findings(text)}, text
        hidden = _PAD + text + "\n" + _PAD
        assert not _commands._long_text_clean(hidden), text
        assert rule in {f.rule for f in deny_findings(hidden)}, text
    glob = _client_spellings("/bin/r? -rf /usr")[index]  # the red team's spelling: no piece names rm
    assert "deny.root-wipe" in {f.rule for f in deny_findings(_PAD + glob + "\n")}, glob
    assert deny_findings(_client_spellings("ls -l /tmp")[index]) == []  # the positive control


@pytest.mark.parametrize(
    "form",
    ["coproc X {{ {c}; }}", "coproc X ({c})", "coproc X while true; do {c}; done", "coproc NAME if true; then {c}; fi",
     "PROMPT_COMMAND=({q}) bash -i < /dev/null", "PS0={ps} bash -i <<< :", "export PROMPT_COMMAND=({q})"],
)  # fmt: skip
def test_a_named_coprocess_and_the_prompt_hooks_are_read_as_what_they_run(form: str) -> None:
    """``coproc NAME { ...; }`` runs its compound command (it was read as the plain command ``NAME {``), and an
    interactive shell runs PS0 and each element of a PROMPT_COMMAND array. Control: the same with a harmless command."""
    for argv in _DENIED_COMMANDS:
        command = " ".join(argv)
        rule = deny_rules(_shell.analyze(command))[0].rule
        text = form.format(c=command, q=_q(command), ps=_q("$(" + command + ")"))
        assert rule in {f.rule for f in deny_findings(text)}, text
    harmless = form.format(c="ls -l", q=_q("ls -l"), ps=_q("$(ls -l)"))
    assert deny_findings(harmless) == [], harmless


_ALIAS_WRITES = [
    "declare -n r=BASH_CMDS; r[ls]={src}; ls {args}",
    "typeset -n r=BASH_CMDS; r[ls]={src}; ls {args}",
    "f() {{ local -n r=BASH_CMDS; r[ls]={src}; }}; f; ls {args}",
    'declare -n r="BASH_C""MDS[ls]"; r={src}; ls {args}',
    "printf -v 'BASH_CMDS[ls]' {src}; ls {args}",
    "read 'BASH_CMDS[ls]' <<< {src}; ls {args}",
    ": ${{BASH_CMDS[ls]:={src}}}; ls {args}",
    'BASH_CMDS["ls"]={src}; ls {args}',
    "k=ls; BASH_CMDS[$k]={src}; ls {args}",
    'x=CMDS; printf -v "BASH_$x[ls]" {src}; ls {args}',
    "printf -v $'\\x42ASH_CMDS[ls]' {src}; ls {args}",
    "while true; do ls {args}; BASH_CMDS[ls]={src}; done",
]


@pytest.mark.parametrize("form", _ALIAS_WRITES)
def test_a_write_into_the_alias_table_the_gate_cannot_follow_makes_every_name_any_program(form: str) -> None:
    """Namerefs, printf -v, read, ${...:=}, quoted, computed and escaped names: after any of them (and before, in a
    loop) every command name may run any program, so the arguments are judged as those of every deny-listed
    program. Controls: harmless arguments stay allowed, and a command's own rule still applies."""
    for argv in _DENIED_COMMANDS:
        if argv[0] not in ("rm", "/bin/rm", "chmod", "chown", "dd"):
            continue  # (a dynamic name is judged as rm, chmod, chown, mkfs and dd: their arguments)
        rule = deny_rules(_shell.analyze(" ".join(argv)))[0].rule
        text = form.format(src="/bin/" + argv[0].rsplit("/", 1)[-1], args=" ".join(argv[1:]))
        assert rule in {f.rule for f in deny_findings(text)}, text
        assert not _commands._long_text_clean(_PAD + text + "\n"), text
    assert deny_findings(form.format(src="/bin/ls", args="-l /tmp")) == []
    assert "deny.force-push-main" in {
        f.rule for f in deny_findings(form.format(src="/bin/ls", args="-l /tmp") + "; git push --force origin main")
    }


@pytest.mark.parametrize(
    "form",
    ["echo {q} > /tmp/e; BASH_ENV=/tmp/e bash -c true", "echo {q} > /tmp/e; ENV=/tmp/e sh -i < /dev/null",
     "echo {q} > /tmp/e; bash --rcfile /tmp/e -i", "echo {q} > /tmp/e; export BASH_ENV=/tmp/e; bash -c true",
     "echo {q} > /tmp/e; bash --init-file /tmp/e"],
)  # fmt: skip
def test_a_shell_s_startup_file_the_text_wrote_is_read_as_what_runs(form: str) -> None:
    for argv in _DENIED_COMMANDS:
        command = " ".join(argv)
        rule = deny_rules(_shell.analyze(command))[0].rule
        text = form.format(q=_q(command))
        assert rule in {f.rule for f in deny_findings(text)}, text
    assert deny_findings(form.format(q=_q("ls -l"))) == []  # the control


def test_a_startup_file_or_a_history_the_gate_cannot_read_rounds_up() -> None:
    assert _shell.analyze("BASH_ENV=/etc/somefile bash -c true").uncertain
    assert _shell.analyze("bash --rcfile /etc/somefile -i").uncertain
    assert not _shell.analyze("bash -c true").uncertain  # the control
    for text in ('history -s "xm -rf /"\nfc -s x=r', "history -r /tmp/h; fc -s rm", "fc -e 'sed -i s/x/r/'"):
        tier, reasons = _commands.content_tier(text)
        assert tier is Tier.T3 and any("history" in r for r in reasons), (text, reasons)
    assert _commands.content_tier("fc -l")[0] < Tier.T3
