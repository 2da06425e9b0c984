# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell analyzer: what bash would run, derived statically from the text.

The deny rules are only as good as this view, so the tests are organised by the ways text can hide a command:
quoting, expansions, wrappers, nesting, control flow and the working directory. Robustness (never raise, linear
time, bounded depth) is tested with hypothesis and with deliberately hostile inputs.
"""

from __future__ import annotations

import time

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell import (
    Redirect,
    ShellAnalysis,
    SimpleCommand,
    analyze,
    split_argv,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def argvs(text: str, **kwargs: object) -> list[tuple[str, ...]]:
    return [c.argv for c in analyze(text, **kwargs).commands]  # type: ignore[arg-type]


def find(text: str, name: str, **kwargs: object) -> SimpleCommand:
    for cmd in analyze(text, **kwargs).commands:  # type: ignore[arg-type]
        if cmd.name == name:
            return cmd
    raise AssertionError(f"no {name!r} command in {text!r}: {argvs(text)}")


# ---------------------------------------------------------------------------------------------------------------
# Quoting and word formation: every spelling of `rm -rf /` yields the same argv
# ---------------------------------------------------------------------------------------------------------------

RM_SPELLINGS = [
    "rm -rf /",
    "r''m -rf /",
    'r""m -rf /',
    '"r"m -rf /',
    "'rm' '-rf' '/'",
    "\\rm -rf /",
    "r\\m -rf /",
    "rm -r\\f /",
    "$'rm' -rf /",
    "$'\\x72\\x6d' -rf /",
    "$'\\162\\155' -rf /",
    "$'\\u0072\\u006d' -rf /",
    "$'\\U00000072m' -rf /",
    '$"rm" -rf /',
    "rm \\\n-rf \\\n/",
    "  rm   -rf\t/  ",
    "rm -rf / # trailing comment",
    "{rm,-rf,/}",
    "rm${IFS}-rf${IFS}/",
    "rm$IFS-rf$IFS/",
    "IFS=,; x=rm,-rf,/; $x",
    "a=rm; $a -rf /",
    "a=r; b=m; $a$b -rf /",
    'a="rm -rf /"; $a',
    "a=rm; ${a} -rf /",
    "a=xrm; ${a#x} -rf /",
    "a=rmx; ${a%x} -rf /",
    "a=RM; ${a,,} -rf /",
    "a=abrmcd; ${a:2:2} -rf /",
    "a=r_m; ${a/_/} -rf /",
    "a=(rm -rf /); ${a[@]}",
    "a=(rm -rf /); ${a[0]} ${a[1]} ${a[2]}",
    "${u:-rm} -rf /",
    "$(echo rm) -rf /",
    "`echo rm` -rf /",
    "$(printf rm) -rf /",
    "export a=rm; $a -rf /",
    "declare a=rm; $a -rf /",
    "local a=rm; $a -rf /",
    "readonly a=rm; $a -rf /",
    "typeset -x a=rm; $a -rf /",
    "a=r; a+=m; $a -rf /",
    "set -- rm -rf /; $@",
    'set -- rm -rf /; "$@"',
    "rm -rf {/,}",
]


@pytest.mark.parametrize("text", RM_SPELLINGS)
def test_rm_spellings_resolve(text: str) -> None:
    cmd = find(text, "rm")
    assert cmd.argv[1:] in (("-rf", "/"), ("-rf", "/", "")), (text, cmd.argv)
    assert not cmd.dynamic_name


def test_ansi_c_escapes() -> None:
    assert argvs("echo $'a\\tb\\nc\\x41\\101\\u00e9\\cA'")[0][1] == "a\tb\ncAA\u00e9\x01"
    assert argvs("echo $'it\\'s'")[0][1] == "it's"
    assert argvs("echo \"$'x'\"")[0][1] == "$'x'"


def test_quotes_keep_words_together() -> None:
    assert argvs("echo 'a b' \"c d\" e\\ f") == [("echo", "a b", "c d", "e f")]
    assert argvs("echo \"a'b\" 'a\"b'") == [("echo", "a'b", 'a"b')]
    assert argvs('echo "a\\"b\\$c\\\\d\\x"') == [("echo", 'a"b$c\\d\\x')]


def test_brace_expansion() -> None:
    assert argvs("echo /{bin,etc}") == [("echo", "/bin", "/etc")]
    assert argvs("echo {a,b}{c,d}") == [("echo", "ac", "ad", "bc", "bd")]
    assert argvs("echo {1..3} {a..c}") == [("echo", "1", "2", "3", "a", "b", "c")]
    assert argvs("echo {a,{b,c}}") == [("echo", "a", "b", "c")]
    assert argvs("echo '{a,b}' {a} {} x{,y}") == [("echo", "{a,b}", "{a}", "{}", "x", "xy")]
    assert argvs("a={x,y}; echo $a") == [("echo", "{x,y}")]


def test_field_splitting() -> None:
    assert argvs('a="x  y"; echo $a "$a"') == [("echo", "x", "y", "x  y")]
    assert argvs("a=''; echo $a x") == [("echo", "x")]
    assert argvs("a=''; echo \"$a\" x") == [("echo", "", "x")]
    assert argvs("IFS=:; p=a:b; echo $p") == [("echo", "a", "b")]


def test_ifs_variants_as_separators() -> None:
    for text in ("cat${IFS}/etc/passwd", "cat$IFS/etc/passwd", "cat${IFS:0:1}/etc/passwd"):
        assert argvs(text) == [("cat", "/etc/passwd")], text


# ---------------------------------------------------------------------------------------------------------------
# Unknown values stay visibly unknown
# ---------------------------------------------------------------------------------------------------------------


def test_unknown_variables_are_dynamic_with_empty_forms() -> None:
    cmd = find('rm -rf "$DIR"/ ${X}/* ${Y:-/tmp} /srv', "rm")
    assert cmd.argv == ("rm", "-rf", "$DIR/", "${X}/*", "${Y:-/tmp}", "/srv")
    assert cmd.empty_forms == (None, None, "/", "/*", "/tmp", None)


@pytest.mark.parametrize(
    "text", ["$x -rf /", "${x} -rf /", "$(cat f) -rf /", "`cat f` -rf /", "/bin/r? -rf /", "$1 x", "${!ref} x"]
)
def test_dynamic_command_names(text: str) -> None:
    cmds = [c for c in analyze(text).commands if c.origin == "top"]
    assert cmds[0].dynamic_name, text
    # an unknown word that may expand to nothing also leaves the rest of the line as a candidate command
    assert all(c.wrappers == ("$",) for c in cmds[1:]), text


def test_static_name_with_dynamic_args_is_not_dynamic_name() -> None:
    cmd = find("ls $HOME", "ls")
    assert not cmd.dynamic_name
    assert cmd.empty_forms == (None, "")


def test_conditional_assignment_keeps_alternatives() -> None:
    names = {c.name for c in analyze("if x; then a=rm; else a=ls; fi; $a -rf /").commands}
    assert {"rm", "ls"} <= names
    names = {c.name for c in analyze("[ -n x ] && a=rm; $a -rf /").commands}
    assert "rm" in names
    assert any(c.dynamic_name for c in analyze("[ -n x ] && a=rm; $a -rf /").commands)


def test_for_loop_values() -> None:
    cmds = analyze("for c in ls rm; do $c -rf /; done").commands
    assert {"ls", "rm"} <= {c.name for c in cmds}


def test_substitution_output_is_dynamic_but_analysed() -> None:
    a = analyze("echo $(id -u) `whoami`")
    assert [c.name for c in a.commands] == ["id", "whoami", "echo"]
    assert [c.origin for c in a.commands] == ["substitution", "substitution", "top"]
    assert a.commands[-1].empty_forms == (None, "", "")


def test_unset_variable_known_empty() -> None:
    assert argvs("a=rm; unset a; echo x$a") == [("unset", "a"), ("echo", "x")]


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("echo $(echo a b)", ("echo", "a", "b")),
        ('echo "$(printf "%s-%s" a b)"', ("echo", "a-b")),
        ("echo $(echo cm0gLXJmIC8= | base64 -d)", ("echo", "rm", "-rf", "/")),
        ("echo $(base64 -d <<< L2V0Yw==)", ("echo", "/etc")),
        ("echo $(echo 2f657463 | xxd -r -p)", ("echo", "/etc")),
        ("echo $(echo cte/ | rev)", ("echo", "/etc")),
        ("echo $(dirname /etc/x) $(basename /a/b)", ("echo", "/etc", "b")),
        ("cd /srv && echo $(pwd)", ("echo", "/srv")),
        ("echo $(mktemp -d)", ("echo", "/tmp/tmp.xxxxxxxxxx")),
        ("echo $(mktemp -p /var/tmp)", ("echo", "/var/tmp/tmp.xxxxxxxxxx")),
        ("x=$(echo rm); echo $x", ("echo", "rm")),
        ("echo $(cat <<'EOF'\nhi there\nEOF\n)", ("echo", "hi", "there")),
    ],
)
def test_static_substitutions_resolve(text: str, argv: tuple[str, ...]) -> None:
    assert analyze(text).commands[-1].argv == argv


def test_unknown_substitutions_stay_dynamic() -> None:
    assert analyze("echo $(date)").commands[-1].empty_forms == (None, "")
    assert analyze("echo $(cat f | base64 -d)").commands[-1].empty_forms == (None, "")
    assert analyze("echo $(echo x | base64 -d | sort)").commands[-1].empty_forms == (None, "")


def test_decompression_is_bounded() -> None:
    import base64
    import gzip

    bomb = base64.b64encode(gzip.compress(b"x" * 5_000_000)).decode()
    start = time.process_time()
    a = analyze(f"echo {bomb} | base64 -d | gunzip | sh")
    assert time.process_time() - start < 20.0  # CPU seconds: a blow-up guard, not a speed target
    assert isinstance(a, ShellAnalysis)


def test_case_inside_substitution() -> None:
    a = analyze("x=$(case $y in a) rm x;; b) ls;; esac); echo done")
    assert not a.uncertain
    assert [c.name for c in a.commands] == ["rm", "ls", "echo"]


def test_local_without_value_is_empty() -> None:
    assert analyze("f() { local d; echo x$d; }").commands[-1].argv == ("echo", "x")
    assert analyze("export PATH; echo $PATH").commands[-1].empty_forms == (None, "")


def test_function_definition_does_not_leak_state() -> None:
    # defining a function does not run it: its assignments and cd apply only when it is called
    cmd = analyze("f() { cd /; a=rm; }; echo $a; ls", cwd="/srv").commands
    assert cmd[-2].empty_forms == (None, "")
    assert cmd[-1].cwd == "/srv"
    cmd = analyze("f() { cd /; a=rm; }; f; echo $a; ls", cwd="/srv").commands
    assert cmd[-2].argv == ("echo", "rm")
    assert cmd[-1].cwd == "/"


def test_unknown_prefix_word_may_vanish() -> None:
    names = [(c.name, c.wrappers) for c in analyze("$SUDO rm -rf x").commands]
    assert ("", ()) in names
    assert ("rm", ("$",)) in names
    assert {c.name for c in analyze('"$SUDO" sh -c "rm x"').commands if c.origin == "sh -c"} == {"rm"}


def test_process_substitution_as_script() -> None:
    a = analyze("bash <(echo 'rm x')")
    assert any(c.name == "rm" and c.origin == "script" for c in a.commands)
    assert any(c.name == "echo" and c.feeds_code for c in a.commands)
    a = analyze("cat <(echo 'rm x')")
    assert not any(c.name == "rm" for c in a.commands)
    assert not any(c.feeds_code for c in a.commands)


# ---------------------------------------------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------------------------------------------

WRAPPED = [
    ("sudo rm x", ("sudo",)),
    ("sudo -u root -E -n -H rm x", ("sudo",)),
    ("sudo -uroot rm x", ("sudo",)),
    ("sudo --user=root -- rm x", ("sudo",)),
    ("sudo -s rm x", ("sudo",)),
    ("doas -u root rm x", ("doas",)),
    ("pkexec --user root rm x", ("pkexec",)),
    ("run0 --user=root rm x", ("run0",)),
    ("env rm x", ("env",)),
    ("env -i A=1 B=2 rm x", ("env",)),
    ("env -u HOME rm x", ("env",)),
    ("env -S 'rm x'", ("env",)),
    ("nohup rm x", ("nohup",)),
    ("nohup nice rm x", ("nohup", "nice")),
    ("nice -n 10 rm x", ("nice",)),
    ("nice -10 rm x", ("nice",)),
    ("ionice -c 3 rm x", ("ionice",)),
    ("time rm x", ("time",)),
    ("time -p rm x", ("time",)),
    ("command rm x", ("command",)),
    ("builtin rm x", ("builtin",)),
    ("exec rm x", ("exec",)),
    ("stdbuf -oL rm x", ("stdbuf",)),
    ("setsid -f rm x", ("setsid",)),
    ("timeout 5 rm x", ("timeout",)),
    ("timeout -s KILL 5s rm x", ("timeout",)),
    ("chronic rm x", ("chronic",)),
    ("unbuffer rm x", ("unbuffer",)),
    ("busybox rm x", ("busybox",)),
    ("/usr/bin/sudo /usr/bin/env /bin/rm x", ("sudo", "env")),
    ("sudo env nohup timeout 1 nice busybox rm x", ("sudo", "env", "nohup", "timeout", "nice", "busybox")),
    ("chroot /mnt rm x", ("chroot",)),
    ("strace -f -o /tmp/t rm x", ("strace",)),
]


@pytest.mark.parametrize(("text", "wrappers"), WRAPPED)
def test_wrappers_are_stripped(text: str, wrappers: tuple[str, ...]) -> None:
    cmd = find(text, "rm")
    assert cmd.argv[1:] == ("x",), cmd.argv
    assert cmd.argv[0].endswith("rm")
    assert cmd.wrappers == wrappers


@pytest.mark.parametrize("text", ["sudo", "sudo -l", "sudo -e /etc/hosts", "command -v rm", "env", "sudo -i"])
def test_wrapper_without_command_is_the_command(text: str) -> None:
    cmds = analyze(text).commands
    assert len(cmds) == 1
    assert cmds[0].name == text.split(maxsplit=1)[0]
    assert all(c.name != "rm" for c in cmds)


def test_wrapper_working_directory() -> None:
    assert find("sudo -D / rm -rf x", "rm").cwd == "/"
    assert find("env -C /srv rm -rf x", "rm").cwd == "/srv"
    assert find("env --chdir=/srv rm -rf x", "rm").cwd == "/srv"
    assert find("sudo -i rm -rf x", "rm", cwd="/srv").cwd is None


def test_leading_assignments_reach_nested_shells() -> None:
    cmd = find("X=/ sh -c 'rm -rf $X'", "rm")
    assert cmd.argv == ("rm", "-rf", "/")
    cmd = find("env X=/ sh -c 'rm -rf $X'", "rm")
    assert cmd.argv == ("rm", "-rf", "/")


# ---------------------------------------------------------------------------------------------------------------
# Nesting
# ---------------------------------------------------------------------------------------------------------------

NESTED = [
    ("sh -c 'rm x'", "sh -c"),
    ("bash -c 'rm x'", "sh -c"),
    ("bash -lc 'rm x'", "sh -c"),
    ("bash -xc 'rm x'", "sh -c"),
    ("bash -e -u -c 'rm x'", "sh -c"),
    ("bash -o pipefail -c 'rm x'", "sh -c"),
    ("dash -c 'rm x'", "sh -c"),
    ("zsh -c 'rm x'", "sh -c"),
    ("ksh -c 'rm x'", "sh -c"),
    ("ash -c 'rm x'", "sh -c"),
    ("/bin/sh -c 'rm x'", "sh -c"),
    ("busybox sh -c 'rm x'", "sh -c"),
    ("sudo sh -c 'rm x'", "sh -c"),
    ("env bash -c 'rm x'", "sh -c"),
    ("su -c 'rm x'", "su -c"),
    ("su root -c 'rm x'", "su -c"),
    ("su - deploy -c 'rm x'", "su -c"),
    ("su --command='rm x' bob", "su -c"),
    ("runuser -l bob -c 'rm x'", "runuser -c"),
    ("runuser -u bob -- rm x", "runuser"),
    ("eval 'rm x'", "eval"),
    ("eval rm x", "eval"),
    ("find . -exec rm x {} \\;", "find -exec"),
    ("find . -execdir rm x {} +", "find -execdir"),
    ("find . -ok rm x {} \\;", "find -exec"),
    ("xargs rm x", "xargs"),
    ("xargs -0 -n 1 -P4 rm x", "xargs"),
    ("xargs -I{} rm x {}", "xargs"),
    ("watch rm x", "watch"),
    ("watch -n 5 'rm x'", "watch"),
    ("timeout 5 sh -c 'rm x'", "sh -c"),
    ("flock /tmp/l rm x", "flock"),
    ("flock /tmp/l -c 'rm x'", "flock -c"),
    ("script -q -c 'rm x' /dev/null", "script -c"),
    ("ssh host rm x", "ssh"),
    ("ssh -p 2222 -o BatchMode=yes user@host 'rm x'", "ssh"),
    ("echo $(rm x)", "substitution"),
    ("echo `rm x`", "substitution"),
    ('echo "$(rm x)"', "substitution"),
    ("cat <(rm x)", "process-substitution"),
    ("tee >(rm x)", "process-substitution"),
    ("bash <<EOF\nrm x\nEOF", "heredoc"),
    ("sh <<'E'\nrm x\nE", "heredoc"),
    ("bash <<< 'rm x'", "here-string"),
    ("echo 'rm x' | sh", "pipe"),
    ("printf 'rm x\\n' | bash", "pipe"),
    ("cat <<EOF | sh\nrm x\nEOF", "pipe"),
    ("f() { rm x; }; f", "function"),
    ("alias r='rm'; r x", "alias"),
    ("python3 -c 'import os; os.system(\"rm x\")'", "interpreter"),
    ("perl -e 'system(\"rm x\")'", "interpreter"),
    ("ruby -e '`rm x`'", "interpreter"),
    ("awk 'BEGIN{system(\"rm x\")}'", "interpreter"),
    ('python3 -c \'import subprocess; subprocess.run(["rm", "x"])\'', "interpreter"),
    ("trap 'rm x' EXIT", "trap"),
    ("at now <<< 'rm x'", "heredoc"),
    ("tar xf a --to-command='rm x'", "tar option"),
    ("ssh -o ProxyCommand='rm x' h", "ssh option"),
    ("git -c alias.y='!rm x' y", "git option"),
    ("parallel rm x ::: a", "parallel"),
    ("$SHELL -c 'rm x'", "sh -c"),
    ("bash <(echo 'rm x')", "script"),
    ("source <(echo 'rm x')", "script"),
    ("echo cm0geA== | base64 -d | sh", "pipe"),
]


@pytest.mark.parametrize(("text", "origin"), NESTED)
def test_nested_commands_are_found(text: str, origin: str) -> None:
    cmds = [c for c in analyze(text).commands if c.name == "rm"]
    assert cmds, (text, argvs(text))
    assert any(c.origin == origin for c in cmds), (text, [c.origin for c in cmds])
    assert any(c.argv[:2] == ("rm", "x") for c in cmds), [c.argv for c in cmds]


def test_nested_depth_limit_sets_uncertain() -> None:
    assert find("eval " * 5 + "rm x", "rm").origin == "eval"
    a = analyze("eval " * 20 + "rm x")
    assert a.uncertain
    deep = "echo " + "$(" * 20 + "rm x" + ")" * 20
    a = analyze(deep, max_depth=8)
    assert a.uncertain
    assert all(c.name != "rm" for c in a.commands)
    a = analyze(deep, max_depth=30)
    assert any(c.name == "rm" for c in a.commands)


def test_sh_c_positional_parameters() -> None:
    assert find("sh -c 'rm -rf \"$1\"' sh /etc", "rm").argv == ("rm", "-rf", "/etc")
    assert find('f() { rm -rf "$1"; }; f /srv', "rm", cwd=None).argv[-1] in ("/srv", "$1")
    assert any(c.argv == ("rm", "-rf", "/srv") for c in analyze('f() { rm -rf "$1"; }; f /srv').commands)


def test_find_exec_placeholder() -> None:
    cmd = next(c for c in analyze("find /srv -exec rm -rf {} +").commands if c.name == "rm")
    assert cmd.argv == ("rm", "-rf", "/srv")
    cmd = next(c for c in analyze("find /srv -name '*.log' -exec rm {} +").commands if c.name == "rm")
    assert cmd.argv == ("rm", "/srv/{}")
    assert _shell.find_parts(("find", "/a", "/b", "-name", "x", "-delete")) == (
        ["/a", "/b"],
        ["-name", "x", "-delete"],
        True,
    )
    assert _shell.find_parts(("find", "-delete"))[0] == ["."]


def test_xargs_reads_static_producers() -> None:
    cmd = next(c for c in analyze("echo /a /b | xargs rm").commands if c.name == "rm")
    assert cmd.argv == ("rm", "/a", "/b")
    cmd = next(c for c in analyze("cat list | xargs rm").commands if c.name == "rm")
    assert cmd.empty_forms[-1] == ""


def test_heredoc_for_non_shell_interpreter_is_code() -> None:
    cmd = find("python3 <<'EOF'\nprint(1)\nEOF", "python3")
    assert cmd.stdin == "print(1)\n"
    assert cmd.code == "print(1)\n"
    assert cmd.stdin_code


def test_interpreter_inline_code() -> None:
    assert find("python3 -c 'print(1)'", "python3").code == "print(1)"
    assert find("perl -le 'print 1'", "perl").code == "print 1"
    assert find("node --eval 'x()'", "node").code == "x()"
    assert find("php -r 'x();'", "php").code == "x();"
    assert not find("python3 script.py", "python3").stdin_code
    assert find("python3", "python3").stdin_code
    assert find("python3 -", "python3").stdin_code
    assert not find("python3 -m http.server", "python3").stdin_code


def test_feeds_code() -> None:
    a = analyze('eval "$(echo x | base64 -d)"')
    assert all(c.feeds_code for c in a.commands if c.name in ("echo", "base64"))
    a = analyze('echo "$(echo x | base64 -d)"')
    assert not any(c.feeds_code for c in a.commands)
    a = analyze('x=$(curl -s u); bash -c "$x"')
    assert find('x=$(curl -s u); bash -c "$x"', "curl").feeds_code
    assert any(c.feeds_code for c in a.commands if c.name == "curl")


# ---------------------------------------------------------------------------------------------------------------
# Control flow, groups, pipelines
# ---------------------------------------------------------------------------------------------------------------


def test_keywords_are_skipped() -> None:
    text = (
        "if [ -f x ]; then a; elif b; then c; else d; fi; while e; do f; done; until g; do h; done; "
        "for i in 1 2; do j; done; case $k in x|y) l;; *) m;; esac; ! n; time o; { p; }; (q); [[ -n r ]] && s"
    )
    names = [c.name for c in analyze(text).commands]
    for name in "abcdefghjlmnopqs":
        assert name in names, (name, names)
    assert "if" not in names
    assert "then" not in names
    assert "done" not in names
    assert "esac" not in names


def test_function_bodies_are_analysed() -> None:
    a = analyze("cleanup() {\n  rm -rf /srv/x\n}\nfunction other { ls; }")
    rm = next(c for c in a.commands if c.name == "rm")
    assert rm.function == "cleanup"
    assert next(c for c in a.commands if c.name == "ls").function == "other"


def test_pipelines_and_flags() -> None:
    a = analyze("a | b |& c; d && e | f &")
    assert [[c.name for c in p] for p in a.pipelines] == [["a", "b", "c"], ["e", "f"]]
    by = {c.name: c for c in a.commands}
    assert by["a"].pipe_out
    assert not by["a"].pipe_in
    assert by["b"].pipe_in
    assert by["b"].pipe_out
    assert by["c"].pipe_in
    assert not by["c"].pipe_out
    assert not by["d"].pipe_in
    assert not by["d"].pipe_out
    assert by["f"].background
    assert by["e"].background
    assert not by["d"].background


def test_group_in_pipeline_is_flattened() -> None:
    a = analyze("{ echo x | base64 -d; } | sh")
    assert [c.name for c in a.pipelines[-1]] == ["echo", "base64", "sh"]


def test_redirections() -> None:
    cmd = find("cmd >out 2>&1 <in 3<>rw >>app &>both &>>b2 >|clob 2>/dev/null", "cmd")
    assert cmd.redirects == (
        Redirect(">", None, "out"),
        Redirect(">&", 2, "1"),
        Redirect("<", None, "in"),
        Redirect("<>", 3, "rw"),
        Redirect(">>", None, "app"),
        Redirect("&>", None, "both"),
        Redirect("&>>", None, "b2"),
        Redirect(">|", None, "clob"),
        Redirect(">", 2, "/dev/null"),
    )
    assert find("x=/dev/sda; echo > $x", "echo").redirects == (Redirect(">", None, "/dev/sda"),)
    assert analyze("> /dev/sda").commands[0].redirects == (Redirect(">", None, "/dev/sda"),)
    assert analyze("{ a; } > /etc/x").commands[-1].redirects == (Redirect(">", None, "/etc/x"),)


def test_heredoc_bodies() -> None:
    cmd = find("cat <<EOF\nhello $USER\nEOF\necho after", "cat")
    assert cmd.stdin == "hello $USER\n"
    assert find("cat <<EOF\nhello $USER\nEOF\necho after", "echo").argv == ("echo", "after")
    cmd = find("cat <<-'E'\n\tx\n\tE", "cat")
    assert cmd.stdin == "x\n"
    a = analyze("cat <<EOF\n$(rm -rf /x)\nEOF")
    assert any(c.name == "rm" and c.origin == "substitution" for c in a.commands)
    a = analyze("cat <<'EOF'\n$(rm -rf /x)\nEOF")
    assert not any(c.name == "rm" for c in a.commands)
    assert find("cat <<< 'hi there'", "cat").stdin == "hi there\n"


def test_comments() -> None:
    assert argvs("echo a # rm -rf /\necho b#c") == [("echo", "a"), ("echo", "b#c")]


def test_case_patterns_are_not_commands() -> None:
    names = [c.name for c in analyze("case $1 in start|stop) svc;; rm) other;; esac").commands]
    assert names == ["svc", "other"]


# ---------------------------------------------------------------------------------------------------------------
# Working directory
# ---------------------------------------------------------------------------------------------------------------


def test_cd_tracking() -> None:
    assert find("cd / && rm x", "rm").cwd == "/"
    assert find("cd /srv && cd app && rm x", "rm").cwd == "/srv/app"
    assert find("cd /srv/app/.. && rm x", "rm").cwd == "/srv"
    assert find("rm x", "rm", cwd="/opt").cwd == "/opt"
    assert find("cd sub && rm x", "rm", cwd="/opt").cwd == "/opt/sub"
    assert find("cd && rm x", "rm", cwd="/opt").cwd is None
    assert find("cd $X && rm x", "rm", cwd="/opt").cwd is None
    assert find("cd - && rm x", "rm", cwd="/opt").cwd is None
    assert find("pushd /a && pushd /b && popd && rm x", "rm").cwd == "/a"
    assert find("(cd /; true); rm x", "rm", cwd="/opt").cwd == "/opt"


def test_cd_that_may_fail_keeps_both_directories() -> None:
    cmd = find("cd /srv; rm x", "rm", cwd="/opt")
    assert cmd.cwd == "/srv"
    assert set(cmd.cwds) == {"/srv", "/opt"}
    assert find("set -e; cd /srv; rm x", "rm", cwd="/opt").cwds == ("/srv",)
    assert set(find("cd /srv || true; rm x", "rm", cwd="/opt").cwds) == {"/srv", "/opt"}
    assert set(find("if x; then cd /; fi; rm x", "rm", cwd="/opt").cwds) == {"/", "/opt"}


def test_relative_cwd_argument_is_ignored() -> None:
    assert find("rm x", "rm", cwd="relative").cwd is None


# ---------------------------------------------------------------------------------------------------------------
# Uncertainty and robustness
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "echo 'unterminated",
        'echo "unterminated',
        "echo $(unterminated",
        "echo `x",
        "echo ${x",
        "if x; then y",
        "( a",
        "a )",
        "cat <<EOF\nno end",
    ],
)
def test_oddities_set_uncertain(text: str) -> None:
    a = analyze(text)
    assert a.uncertain, text


@pytest.mark.parametrize("text", ["echo hi", "ls -la /etc", "a=1; echo $a", "cat <<EOF\nx\nEOF\n", "f() { :; }"])
def test_ordinary_text_is_certain(text: str) -> None:
    assert not analyze(text).uncertain


def test_unbalanced_quote_still_yields_commands() -> None:
    a = analyze("rm -rf / 'oops")
    assert a.uncertain
    assert find("rm -rf / 'oops", "rm").argv[:3] == ("rm", "-rf", "/")


def test_max_bytes_truncates_and_flags() -> None:
    a = analyze("echo " + "x" * 100, max_bytes=50)
    assert a.uncertain
    assert len(a.text) <= 50


def test_text_is_normalised() -> None:
    assert analyze("rm \\\n -rf\r\n/\x00").text == "rm  -rf\n/"


def test_result_types_are_frozen() -> None:
    a = analyze("echo x")
    assert isinstance(a, ShellAnalysis)
    with pytest.raises(AttributeError):
        a.commands[0].name = "rm"  # type: ignore[misc]
    assert not hasattr(a.commands[0], "__dict__")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_analyze_never_raises(text: str) -> None:
    a = analyze(text)
    assert isinstance(a, ShellAnalysis)
    for cmd in a.commands:
        assert len(cmd.empty_forms) == len(cmd.argv)
        assert cmd.cwds


_TOKENS = st.sampled_from(
    [
        *[
            "rm",
            "-rf",
            "/",
            "$(",
            ")",
            "`",
            "'",
            '"',
            "\\",
            "{",
            "}",
            ",",
            ";",
            "|",
            "&&",
            "||",
            "&",
            "<<",
            "<<-",
            "EOF",
            "$IFS",
            "${x:-/}",
            "${x",
            "sh",
            "-c",
            "eval",
            "find",
            "-exec",
            "{}",
            "+",
            "\\;",
        ],
        *[
            "xargs",
            "cd",
            "..",
            "*",
            "x=",
            "$x",
            "(",
            "<(",
            ">(",
            ">",
            ">>",
            "2>&1",
            "/dev/sda",
            "if",
            "then",
            "fi",
            "for",
            "in",
            "do",
            "done",
            "case",
            "esac",
            ";;",
            "function",
            "f()",
        ],
        *[
            "$'\\x41",
            "{1..3}",
            "a=(",
            "[[",
            "]]",
            "((",
            "))",
            "#",
            "~",
            "sudo",
            "env",
            "-u",
            "ssh",
            "<<<",
            "$((",
            "$@",
            "$1",
            "alias",
        ],
        "\n",
    ]
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=50), st.sampled_from([" ", "", "\n"]))
def test_shell_noise_never_raises(tokens: list[str], sep: str) -> None:
    a = analyze(sep.join(tokens), cwd="/")
    assert isinstance(a.uncertain, bool)


# ---------------------------------------------------------------------------------------------------------------
# Linear time and bounds
# ---------------------------------------------------------------------------------------------------------------

HOSTILE = [
    "echo hello; " * 85_000,
    "$(" * 10_000 + "rm -rf /" + ")" * 10_000,
    "`" * 10_000,
    "(" * 10_000 + "x" + ")" * 10_000,
    "{ " * 10_000 + "x" + "; }" * 10_000,
    "${a:-" * 5_000 + "x" + "}" * 5_000,
    '"$(' * 5_000,
    "a" * 1_000_000,
    "{a,b}" * 2_000,
    "{" * 100_000,
    "x=$x$x; " * 5_000,
    "a=aaaaaaaaaaaaaaaaaaaa; " + "a=$a$a; " * 40 + "echo $a",
    "f(){ f; f; }; " + "f; " * 1_000,
    "g0(){ :; }; " + "".join(f"g{i}(){{ g{i - 1}; g{i - 1}; }}; " for i in range(1, 40)) + "g39",
    "cat <<EOF\n" * 20_000,
    "'" + "\\" * 500_000,
    "eval " * 50_000 + "rm x",
    "sh -c " * 20_000 + "x",
    "$((" * 5_000,
    "echo " + "{1..99999999}",
    "echo $'" + "\\x41" * 100_000 + "'",
    "a=(" + "x " * 200_000 + ")",
    "for i in " + "x " * 100_000 + "; do $i; done",
    "if x; then " * 20_000,
    "case x in " + "a) b;; " * 20_000 + "esac",
    "x | " * 50_000 + "y",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_inputs_finish_fast(text: str) -> None:
    start = time.process_time()
    a = analyze(text)
    elapsed = time.process_time() - start
    assert elapsed < 20.0, elapsed  # CPU seconds: a blow-up guard, not a speed target
    assert isinstance(a, ShellAnalysis)


def test_one_megabyte_and_deep_nesting_timing(capsys: pytest.CaptureFixture[str]) -> None:
    big = ("ls -la /srv && echo ok | tee -a /tmp/log; " * 25_000)[:1_000_000]
    start = time.process_time()
    analyze(big)
    big_s = time.process_time() - start
    deep = "$(" * 10_000 + "x" + ")" * 10_000
    start = time.process_time()
    analyze(deep)
    deep_s = time.process_time() - start
    with capsys.disabled():
        print(f"\n[bench] analyze(1 MB script) {big_s:.2f} s; analyze(10,000-deep $( ) {deep_s * 1000:.1f} ms")
    assert big_s < 20.0  # CPU seconds: blow-up guards, not speed targets
    assert deep_s < 20.0


def test_microbenchmark_printout(capsys: pytest.CaptureFixture[str]) -> None:
    text = "cd /srv/app && git pull --rebase origin main && systemctl restart app.service >/dev/null 2>&1 || true"
    assert 90 <= len(text) <= 110
    analyze(text)
    rounds = 2_000
    start = time.perf_counter()
    for _repeat in range(rounds):
        analyze(text)
    per = (time.perf_counter() - start) / rounds * 1e6
    with capsys.disabled():
        print(f"\n[bench] analyze(~100-char command) {per:.1f} us")


# ---------------------------------------------------------------------------------------------------------------
# split_argv
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["echo", "hello"],
        ["rm", "-rf", "/"],
        ["printf", "%s\n", "a b"],
        ["sh", "-c", "echo $HOME; id"],
        ["x", ""],
        ["a'b", 'c"d', "e\\f", "$(id)", "`id`", "*", "~", "{a,b}", "#c", "\n"],
    ],
)
def test_split_argv_round_trips_through_analyze(argv: list[str]) -> None:
    text = split_argv(argv)
    cmds = [c for c in analyze(text).commands if c.origin == "top"]
    assert cmds[0].argv == tuple(argv)


@given(st.lists(st.text(max_size=20), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None)
def test_split_argv_property(argv: list[str]) -> None:
    clean = ["echo", *(a.replace("\x00", "") for a in argv)]
    text = split_argv(clean)
    top = [c for c in analyze(text).commands if c.origin == "top"]
    assert top
    assert top[0].argv == tuple(clean)
