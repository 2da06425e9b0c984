# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deny-list gap classes the red team found, closed as classes: the tests are generated over the analyser's
own tables, so a name added to a table is tested by adding it, and a name a test cannot spell fails loudly.

- programs that run a command line they are handed (``_COMMAND_RUNNERS``: ``script -c``, ``su -c``, ...);
- tools with a command language (``_LANGUAGES``: sed ``e``, vim ``!``, ed, gdb ``shell``, m4, make, ...);
- static text filters whose output feeds a shell (``_TEXT_FILTERS``: ``tr 'ez' 'rm' | sh``, ``rev``, ``cut``, ...);
- PowerShell removal of system directories by every alias of ``Remove-Item`` and every spelling of ``-Recurse``.

Each class has a near-miss (the same spelling with a harmless payload is not denied) and a positive control: where
the tool is installed, the spelling runs its payload for real (a canary file in a temporary directory).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _pwsh
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import content_tier, deny_findings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell._output import _TEXT_FILTERS
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell._runners import _SHELL_STARTERS
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell._vocabulary import (
    _COMMAND_RUNNERS,
    _LANGUAGES,
)

ROOT_WIPE = "deny.root-wipe"
PAYLOAD = "rm -rf /"
HARMLESS = "rm -f /tmp/gate-harmless"
CANARY = "touch canary"


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _rules(text: str) -> set[str]:
    return {f.rule for f in deny_findings(text)}


def _runs(text: str, tmp_path: Path, program: str) -> bool:
    """Positive control: run the spelling in bash (harmless payload) and report whether the canary appeared."""
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")
    subprocess.run(
        ["bash", "-c", text], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False
    )
    return (tmp_path / "canary").exists()


# ---------------------------------------------------------------------------------------------------------------
# Programs that run a command line they are handed: every code option, in every getopt spelling
# ---------------------------------------------------------------------------------------------------------------

# positional arguments a runner takes before the command (a user, a group, a lock file)
_LEAD = {"su": "root", "runuser": "root", "sg": "root", "flock": "/tmp/gate-lock", "newgrp": "root"}
# spellings for the runners whose command is a program with its arguments, not a command line
_PROGRAM_SPELLINGS = {
    "start-stop-daemon": lambda p: [f"start-stop-daemon --start --exec /bin/{p}", f"start-stop-daemon -S -x /bin/{p}"],
}


def _runner_spellings(name: str, payload: str) -> list[str]:
    short, _longs, code, layout, lead, permute, switches = _COMMAND_RUNNERS[name]
    head = " ".join([_LEAD[name]] * lead) if lead else ""
    tail = " /dev/null" if name == "script" else ""
    quoted = _q(payload)
    out: list[str] = []
    if layout == "program":
        program, _separator, rest = payload.partition(" ")
        return [s.replace(f"/bin/{program}", f"/bin/{program} -- {rest}") for s in _PROGRAM_SPELLINGS[name](program)]
    for opt in sorted(code):
        if opt.startswith("--"):
            forms = [f"{opt}={quoted}", f"{opt} {quoted}", f"{opt[:-1]} {quoted}"]  # = form, separate, abbreviated
        else:
            forms = [f"{opt} {quoted}", f"{opt}{quoted}"]  # separate, attached
            flag = next((c for c in "qfsx" if c not in short and c != opt[1]), None)
            if name == "script" and flag:
                forms.append(f"-q{opt[1]} {quoted}")  # a cluster ending in the option (``script -qc``)
        if not permute and head:
            # options stop at the first operand (flock FILE -c CMD): only a separate code option follows it
            out.append(f"{name} {head} {opt} {quoted}")
            out.append(f"{name} -w 5 {head} {opt} {quoted}")
            continue
        for form in forms:
            out.append(f"{name} {head} {form}{tail}".replace("  ", " "))
            if head:
                out.append(f"{name} {form} {head}{tail}")
    for switch, kind in sorted(switches.items()):
        value = "root " if name == "runuser" else ""  # runuser -u USER
        out.append(f"{name} {switch} {value}{payload if kind == 'argv' else quoted}")
    if layout == "text":
        out.append(f"{name} {head} {quoted}".replace("  ", " "))
    elif layout == "argv":
        out.append(f"{name} {head} {payload}".replace("  ", " "))
    elif layout == "shell":
        out.append(f"{name} {head} -- -c {quoted}".replace("  ", " "))
    elif layout == "each":
        out.append(f"{name} {quoted}")
    elif layout == "" and name in _SHELL_STARTERS:  # (a shell reading its standard input)
        out.append(f"{name} {head} <<< {quoted}".replace("  ", " "))
    return out


RUNNER_CASES = [(name, text) for name in sorted(_COMMAND_RUNNERS) for text in _runner_spellings(name, PAYLOAD)]


def test_every_runner_has_spellings() -> None:
    for name in _COMMAND_RUNNERS:
        assert _runner_spellings(name, PAYLOAD), name


@pytest.mark.parametrize(("name", "text"), RUNNER_CASES)
def test_command_runners_are_seen_through(name: str, text: str) -> None:
    assert ROOT_WIPE in _rules(text), text


@pytest.mark.parametrize(
    ("name", "text"), [(name, text) for name in sorted(_COMMAND_RUNNERS) for text in _runner_spellings(name, HARMLESS)]
)
def test_command_runners_near_miss(name: str, text: str) -> None:
    assert ROOT_WIPE not in _rules(text), text


# runners that terminate on their own here (the tests run as root, so su/runuser/sg switch to root)
_RUNNABLE = {
    "script": "script -q -c {} /dev/null",
    "script-cluster": "script -qc {} /dev/null",
    "script-long": "script --command={} /dev/null",
    "flock": "flock ./lock -c {}",
    "runuser": "runuser root -c {}",
    "runuser-u": "runuser -u root -- sh -c {}",
    "su": "su root -c {}",
}


@pytest.mark.parametrize("spelling", sorted(_RUNNABLE))
def test_command_runners_positive_control(spelling: str, tmp_path: Path) -> None:
    template = _RUNNABLE[spelling]
    program = template.split(" ", 1)[0]
    if (
        program in ("su", "runuser")
        and shutil.which("id")
        and subprocess.run(["id", "-u"], check=True, capture_output=True, text=True).stdout.strip() != "0"
    ):
        pytest.skip("switching user needs root")
    assert ROOT_WIPE in _rules(template.format(_q(PAYLOAD)))
    assert _runs(template.format(_q(CANARY)), tmp_path, program)


# ---------------------------------------------------------------------------------------------------------------
# Tools with a command language: every name in the table, by the commands of its language
# ---------------------------------------------------------------------------------------------------------------

_LANGUAGE_SPELLINGS: dict[str, list[str]] = {
    "sed": ["{n} -n '1e {p}' /etc/hostname", "{n} 's/.*/{ps}/e' /etc/hostname", "echo '{p}' | {n} e"],
    "ed": ["{n} -s /etc/hostname <<'EOF'\n!{p}\nEOF", "printf '%s\\n' '!{p}' | {n} -s /etc/hostname"],
    "ex": [
        "{n} -es -c '!{p}' -c 'qa!'",
        "{n} -es '+!{p}' '+qa!'",
        "{n} -es --cmd '!{p}'",
        "{n} -es <<'EOF'\n!{p}\nEOF",
    ],
    "gdb": ["{n} -batch -ex 'shell {p}'", "{n} -batch -ex '!{p}'"],
    "lldb": ["{n} -b -o 'platform shell {p}'"],
    "less": ["{n} '+!{p}' /etc/hostname"],
    "m4": ["echo 'syscmd({p})' | {n}", "{n} <<'EOF'\nesyscmd(`{p}')\nEOF"],
    "make": ["{n} -f - <<'EOF'\nall:\n\t{p}\nEOF", "{n} --eval 'x := $(shell {p})' -f /dev/null"],
    "tmux": ["{n} new-session -d '{p}'"],
    "screen": ["{n} -dm sh -c '{p}'"],
}


def _language_cases(payload: str) -> list[tuple[str, str]]:
    return [
        (name, spelling.format(n=name, p=payload, ps=payload.replace("/", "\\/")))
        for name, language in sorted(_LANGUAGES.items())
        for spelling in _LANGUAGE_SPELLINGS[language]
    ]


def test_every_language_has_spellings() -> None:
    assert set(_LANGUAGES.values()) <= set(_LANGUAGE_SPELLINGS)


@pytest.mark.parametrize(("name", "text"), _language_cases(PAYLOAD))
def test_command_languages_are_seen_through(name: str, text: str) -> None:
    assert ROOT_WIPE in _rules(text), text


@pytest.mark.parametrize(("name", "text"), _language_cases(HARMLESS))
def test_command_languages_near_miss(name: str, text: str) -> None:
    assert ROOT_WIPE not in _rules(text), text


def test_sed_writes_to_a_device_are_raw_disk_writes() -> None:
    assert "deny.raw-disk-write" in _rules("sed -n 'w /dev/sda' /etc/hostname")
    assert "deny.raw-disk-write" in _rules("sed 's/x/y/w /dev/sda' /etc/hostname")
    assert "deny.raw-disk-write" not in _rules("sed -n 'w /tmp/gate-out' /etc/hostname")  # near miss


_LANGUAGE_RUNNABLE = {
    "sed": "sed -n '1e {p}' /etc/hostname",
    "sed-s-e": "echo x | sed 's|.*|{p}|e'",
    "ed": "printf '%s\\n' '!{p}' q | ed -s /etc/hostname",
    "vim": "vim -es -N -u NONE -c '!{p}' -c 'qa!'",
    "gdb": "gdb -batch -nx -ex 'shell {p}'",
    "make": "printf 'x := $(shell {p})\\nall:\\n\\t@true\\n' | make -s -f -",
    "less": "less '+!{p}\\nq' /etc/hostname",
}


@pytest.mark.parametrize("spelling", sorted(set(_LANGUAGE_RUNNABLE) - {"less"}))
def test_command_languages_positive_control(spelling: str, tmp_path: Path) -> None:
    template = _LANGUAGE_RUNNABLE[spelling]
    assert ROOT_WIPE in _rules(template.format(p=PAYLOAD)), template
    program = (
        template.split(" ", 1)[0] if not template.startswith(("echo", "printf")) else template.split("| ")[1].split()[0]
    )
    assert _runs(template.format(p=CANARY), tmp_path, program)


# ---------------------------------------------------------------------------------------------------------------
# Static text filters feeding a shell: each filter's output is computed, so an encoded payload is seen
# ---------------------------------------------------------------------------------------------------------------

# name -> (what the producer prints, the filter's arguments) such that the filter's output is the payload
_FILTER_ENCODINGS: dict[str, Callable[[str], tuple[str, str]]] = {
    "rev": lambda p: (p[::-1], ""),
    "tac": lambda p: (p, ""),
    "tr": lambda p: (p.replace("r", "e").replace("m", "z").replace("t", "q").replace("o", "0"), "'ezq0' 'rmto'"),
    "cut": lambda p: ("".join(c + "x" for c in p), "-c " + ",".join(str(k) for k in range(1, 2 * len(p), 2))),
    "head": lambda p: (p + "\\nsleep 1", "-n 1"),
    "tail": lambda p: ("sleep 1\\n" + p, "-n 1"),
    "iconv": lambda p: (p, "-f utf-8 -t ascii"),
    "sed": lambda p: (p.replace("rm", "XY").replace("touch", "XYZ"), "'s/XYZ/touch/;s/XY/rm/'"),
    "gsed": lambda p: (p.replace("rm", "XY").replace("touch", "XYZ"), "-e 's/XYZ/touch/;s/XY/rm/'"),
}


def _filter_text(name: str, payload: str) -> str:
    printed, args = _FILTER_ENCODINGS[name](payload)
    return f"printf '{printed}\\n' | {name} {args} | sh".replace("  ", " ")


def test_every_filter_has_an_encoding() -> None:
    assert set(_TEXT_FILTERS) == set(_FILTER_ENCODINGS)


@pytest.mark.parametrize("name", sorted(_TEXT_FILTERS))
def test_static_filters_feeding_a_shell_are_computed(name: str) -> None:
    text = _filter_text(name, PAYLOAD)
    assert ROOT_WIPE in _rules(text), text


@pytest.mark.parametrize("name", sorted(_TEXT_FILTERS))
def test_static_filters_near_miss(name: str) -> None:
    text = _filter_text(name, HARMLESS)
    assert ROOT_WIPE not in _rules(text), text


def test_a_filter_the_gate_does_not_compute_rounds_up() -> None:
    text = "printf 'XY -rf /\\n' | sed -e 's/XYZ/touch/' -e 's/XY/rm/' | sh"  # several -e: not computed
    assert content_tier(text)[0] is Tier.T3


@pytest.mark.parametrize("name", sorted(_TEXT_FILTERS))
def test_static_filters_positive_control(name: str, tmp_path: Path) -> None:
    assert _runs(_filter_text(name, CANARY), tmp_path, name)


# ---------------------------------------------------------------------------------------------------------------
# PowerShell: every alias of Remove-Item, every prefix of -Recurse, on every system directory
# ---------------------------------------------------------------------------------------------------------------

_REMOVERS = sorted([*(a for a, c in _pwsh._ALIASES.items() if c == "remove-item"), "Remove-Item"])
_RECURSE = ["-Recurse", "-r", "-rec", "-RECURSE", "-Recurse:$true"]
_TARGETS = ["C:\\", "C:\\Windows", "c:/windows/system32", "$env:windir", "C:\\Users", "/", "D:\\Program Files"]
PWSH_CASES = [(remover, recurse, target) for remover in _REMOVERS for recurse in _RECURSE for target in _TARGETS]


@pytest.mark.parametrize(("remover", "recurse", "target"), PWSH_CASES)
def test_pwsh_recursive_removal_of_a_system_directory(remover: str, recurse: str, target: str) -> None:
    quoted = f'"{target}"' if " " in target else target
    script = f"{remover} {recurse} -Force {quoted}"
    assert ROOT_WIPE in {rule for rule, _unused in _pwsh.deny_script(script)}, script
    assert ROOT_WIPE in _rules(f"pwsh -NoProfile -c {_q(script)}"), script


@pytest.mark.parametrize("remover", _REMOVERS)
def test_pwsh_removal_near_miss(remover: str) -> None:
    for script in (f"{remover} -Recurse -Force C:\\Temp\\build", f"{remover} C:\\Windows\\Temp\\x.log"):
        assert _pwsh.deny_script(script) == [], script
        assert ROOT_WIPE not in _rules(f"pwsh -NoProfile -c {_q(script)}"), script


def test_pwsh_native_programs_by_the_shell_rules() -> None:
    assert ROOT_WIPE in _rules("pwsh -c 'rm -rf /'")
    assert ROOT_WIPE in _rules("pwsh -c 'Get-ChildItem C:\\Windows | Remove-Item -Recurse -Force'")
    assert "deny.raw-disk-write" in _rules("pwsh -c 'Clear-Disk -Number 0 -RemoveData'")
    assert ROOT_WIPE not in _rules("pwsh -c 'rm -rf /tmp/gate-x'")  # near miss
