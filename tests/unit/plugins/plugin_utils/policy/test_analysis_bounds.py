# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The analyser's cost bounds on pathological inputs, and what each bound does to the verdict.

Every bound caps work (counted here, never timed), and past a bound the text is no longer read whole, so the
verdict must round UP: T3 (approval) or a deny, never the tier of the part that was read. Each bound has three
tests: the work stays under the cap, the bounded case rounds up, and a positive control shows the same
construction under the bound is read (a deny-class payload is denied) and, where the tool is installed, that the
construction really runs its payload when no gate is armed (a canary file in a temporary directory).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _pwsh, _shell
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._commands import content_tier, deny_findings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell import _output, _scripts

ROOT_WIPE = "deny.root-wipe"


def _rules(text: str) -> set[str]:
    return {f.rule for f in deny_findings(text)}


def _rounds_up(text: str) -> list[str]:
    """Assert the text is denied or at least T3; return the reasons."""
    tier, reasons = content_tier(text)
    assert tier is Tier.T3 or _rules(text), (text[:120], tier, reasons)
    return reasons


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


def _runs(argv: list[str], tmp_path: Path, stdin: str | None = None) -> bool:
    """Positive control: run the construction for real (harmless payload) and report whether the canary appeared."""
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} is not installed")
    subprocess.run(argv, cwd=tmp_path, input=stdin, text=True, capture_output=True, timeout=30, check=False)
    return (tmp_path / "canary").exists()


# ---------------------------------------------------------------------------------------------------------------
# Programs the gate does not know, handed possible commands: at most _MAX_RUNNER_PROBES analyses per text
# ---------------------------------------------------------------------------------------------------------------

PROBES = _commands._MAX_RUNNER_PROBES


def _unknown_programs(count: int, last: str = "rm -f /tmp/gate-x") -> str:
    lines = [f"frob{k} 'rm -f /tmp/gate-{k}'" for k in range(count - 1)]
    return "\n".join([*lines, f"frob{count} {_q(last)}"])


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_runner_probes_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, _shell, "analyze")
    content_tier(_unknown_programs(PROBES * 20))
    assert len(calls) <= PROBES + 1  # the text itself, then at most PROBES probes


def test_runner_probes_past_the_cap_round_up() -> None:
    tier, reasons = content_tier(_unknown_programs(PROBES + 1))
    assert tier is Tier.T3
    assert any("too many programs the gate does not know" in r for r in reasons), reasons
    # a deny-class command handed to the program past the cap is still T3 (it was never read)
    tier, _unused = content_tier(_unknown_programs(PROBES * 3, last="rm -rf /"))
    assert tier is Tier.T3


def test_runner_probes_under_the_cap_are_read() -> None:
    tier, reasons = content_tier(_unknown_programs(PROBES))
    assert tier is Tier.T0, reasons  # positive control: harmless words under the cap stay T0
    tier, reasons = content_tier(_unknown_programs(PROBES, last="rm -rf /"))
    assert tier is Tier.T3
    assert any("may run its arguments as a command" in r and ROOT_WIPE in r for r in reasons), reasons


# ---------------------------------------------------------------------------------------------------------------
# PowerShell: at most _MAX_DENY_COMMANDS commands per script are read; a longer script is T3
# ---------------------------------------------------------------------------------------------------------------

PS_CAP = _pwsh._MAX_DENY_COMMANDS
PS_WIPE = "Remove-Item -Recurse -Force C:\\Windows"


def _ps(count: int, last: str = "Get-Date") -> str:
    return "\n".join([*(["Get-Date"] * (count - 1)), last])


def test_pwsh_commands_read_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    deny_calls = _counting(monkeypatch, _pwsh, "_deny_command")
    tier_calls = _counting(monkeypatch, _pwsh, "_command")
    _pwsh.deny_script(_ps(PS_CAP * 4))
    _pwsh.classify_script(_ps(PS_CAP * 4))
    assert len(deny_calls) == PS_CAP
    assert len(tier_calls) == PS_CAP


def test_pwsh_past_the_cap_rounds_up() -> None:
    tier, reason = _pwsh.classify_script(_ps(PS_CAP + 1))
    assert tier is Tier.T3
    assert f"more than {PS_CAP} commands" in reason
    # the deny scan stops at the cap; the tier reader rounds the same script up, in every place PowerShell runs
    hidden = _ps(PS_CAP + 10, last=PS_WIPE)
    assert _pwsh.classify_script(hidden)[0] is Tier.T3
    assert _rounds_up(f"pwsh -NoProfile -Command {_q(hidden)}")


def test_pwsh_under_the_cap_is_read() -> None:
    assert _pwsh.classify_script(_ps(PS_CAP)) == (Tier.T0, "PowerShell that reads")
    found = _pwsh.deny_script(_ps(PS_CAP, last=PS_WIPE))
    assert [rule for rule, _unused in found] == [ROOT_WIPE]
    assert ROOT_WIPE in _rules(f"pwsh -NoProfile -Command {_q(_ps(PS_CAP, last=PS_WIPE))}")


# ---------------------------------------------------------------------------------------------------------------
# cut: ranges merged (each position once, work linear in the line); more than 256 ranges is not computed
# ---------------------------------------------------------------------------------------------------------------


def test_cut_ranges_merge() -> None:
    spec = ",".join(["1-999999999"] * 256)
    assert _output._cut_ranges(spec) == [(1, 999999999)]
    assert _output._cut_ranges("5,1-3,4,9-") == [(1, 5), (9, 1 << 30)]
    assert _output._cut_ranges(",".join(str(k) for k in range(257))) is None  # "0" is refused


def test_cut_work_is_linear_in_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    line = b"x" * 4096 + b"\n"
    spec = ",".join(f"{k}-999999999" for k in range(1, 257))
    calls = _counting(monkeypatch, _output, "_pick")
    assert _output._cut(["-c", spec], line) == line
    assert len(calls) == 1
    assert _output._cut(["--complement", "-c", "2-", "-d", ","], b"ab\n") == b"a\n"


def test_cut_past_the_range_cap_rounds_up() -> None:
    many = ",".join(str(k) for k in range(1, 300))
    assert _output._cut(["-c", many], b"rm -rf /\n") is None
    reasons = _rounds_up(f"printf 'rm -rf /' | cut -c {many} | sh")
    assert ROOT_WIPE not in _rules(f"printf 'rm -rf /' | cut -c {many} | sh")  # not computed: T3, not a guess
    assert any(r.startswith("T3: ") for r in reasons)


def test_cut_under_the_range_cap_is_computed(tmp_path: Path) -> None:
    some = ",".join(str(k) for k in range(1, 257))
    assert ROOT_WIPE in _rules(f"printf 'rm -rf /' | cut -c {some} | sh")
    assert _runs(["sh", "-c", f"printf 'touch canary' | cut -c {some} | sh"], tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# tr: sets longer than 4096 characters are not computed
# ---------------------------------------------------------------------------------------------------------------


def test_tr_size_cap() -> None:
    pad = "a" * 2100
    assert _output.tr_output(["ez", "rm"], b"ez -ef /") == b"rm -rf /"
    assert _output.tr_output([f"ez{pad}", f"rm{pad}"], b"ez -ef /") is None


def test_tr_past_the_size_cap_rounds_up() -> None:
    pad = "a" * 2100
    text = f"printf 'ez -ef /' | tr 'ez{pad}' 'rm{pad}' | sh"
    tier, _unused = content_tier(text)
    assert tier is Tier.T3


def test_tr_under_the_size_cap_is_computed(tmp_path: Path) -> None:
    pad = "a" * 2000
    assert ROOT_WIPE in _rules(f"printf 'ez -ef /' | tr 'ez{pad}' 'rm{pad}' | sh")
    assert _runs(["sh", "-c", f"printf 'tquch canary' | tr 'q{pad}' 'o{pad}' | sh"], tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# ex: a line of bars is split in one pass (the command at each start is read once, at most 64 characters)
# ---------------------------------------------------------------------------------------------------------------


def test_ex_bar_split_reads_each_segment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    line = "|".join(["echo 1"] * 5000) + "|!rm -rf /"
    calls = _counting(monkeypatch, _scripts, "_takes_rest")
    parts = _scripts._ex_bar_split(line)
    assert len(parts) == 5001
    assert len(calls) == 5001
    assert parts[-1] == "!rm -rf /"


def test_ex_commands_that_take_the_rest_keep_their_bars() -> None:
    assert _scripts._ex_bar_split("echo 1|py3 print(1)|x") == ["echo 1", "py3 print(1)|x"]
    assert _scripts._ex_bar_split("echo 1|!ls|wc") == ["echo 1", "!ls|wc"]


def test_ex_bars_past_many_segments_are_read(tmp_path: Path) -> None:
    many = "|".join(["echo 1"] * 3000)
    assert ROOT_WIPE in _rules(f"vim -es -c '{many}|!rm -rf /'")
    assert ROOT_WIPE in _rules("vim -es -c '!rm -rf /'")
    assert _runs(["vim", "-es", "-N", "-u", "NONE", "-c", "echo 1|!touch canary", "-c", "qa!"], tmp_path, stdin="")


def test_ex_script_longer_than_the_line_cap_rounds_up() -> None:
    script = "\n".join(["echo 1"] * 4100 + ["!rm -rf /"])
    assert not _scripts.ex_commands(script).complete
    assert _scripts.ex_commands("\n".join(["echo 1"] * 10 + ["!rm -rf /"])).complete  # positive control
    _rounds_up(f"vim -es <<'EOF'\n{script}\nEOF")


def test_ex_execute_nested_past_the_depth_rounds_up() -> None:
    assert not _scripts.ex_commands('exe "!rm -rf /"', depth=4).complete
    under = _scripts.ex_commands('exe "!rm -rf /"', depth=3)  # positive control, one level under the depth
    assert under.complete
    assert "rm -rf /" in under.commands
    assert ROOT_WIPE in _rules("vim -es -c 'exe \"!rm -rf /\"'")


# ---------------------------------------------------------------------------------------------------------------
# make: at most _MAX_ITEMS $(shell ...) calls per line are read; more marks the makefile incomplete (T3)
# ---------------------------------------------------------------------------------------------------------------

ITEMS = _scripts._MAX_ITEMS


def _makefile(calls: int, last: str) -> str:
    return "x := " + " ".join(["$(shell echo a)"] * (calls - 1) + [f"$(shell {last})"]) + "\nall:\n\t@true\n"


def test_make_shell_calls_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, _scripts, "_balanced")
    found = _scripts.make_commands(_makefile(5000, "rm -rf /"))
    assert len(calls) <= 2 * (ITEMS + 1)  # the calls found, and each one's text once
    assert not found.complete


def test_make_past_the_cap_rounds_up() -> None:
    text = f"make -f - <<'EOF'\n{_makefile(ITEMS + 5, 'rm -rf /')}EOF"
    tier, reasons = content_tier(text)
    assert tier is Tier.T3, reasons


def test_make_under_the_cap_is_read(tmp_path: Path) -> None:
    found = _scripts.make_commands(_makefile(ITEMS - 1, "rm -rf /"))  # and the recipe line: ITEMS in all
    assert found.complete
    assert "rm -rf /" in [c.strip() for c in found.commands]
    assert ROOT_WIPE in _rules(f"make -f - <<'EOF'\n{_makefile(ITEMS - 1, 'rm -rf /')}EOF")
    assert _runs(["make", "-s", "-f", "-"], tmp_path, stdin=_makefile(3, "touch canary"))


# ---------------------------------------------------------------------------------------------------------------
# More lines or commands than a script reader keeps: incomplete, never silently dropped
# ---------------------------------------------------------------------------------------------------------------


def test_script_readers_past_their_item_cap_are_incomplete() -> None:
    many = "\n".join(["!echo a"] * (ITEMS + 1))
    assert not _scripts.ed_commands(many).complete
    assert _scripts.ed_commands("\n".join(["!echo a"] * ITEMS)).complete  # positive control
    _rounds_up(f"ed -s /tmp/gate-f <<'EOF'\n{many}\n!rm -rf /\nEOF")
    assert ROOT_WIPE in _rules("ed -s /tmp/gate-f <<'EOF'\n!rm -rf /\nEOF")


def test_texts_longer_than_a_reader_reads_are_incomplete() -> None:
    long_tail = " " * (_scripts._MAX_SCRIPT + 1)
    assert not _scripts.sed_script("p;" + long_tail).complete
    assert _scripts.sed_script("p").complete
    assert not _scripts.tcl_commands("puts a\n" + long_tail).complete
    assert _scripts.code_calls("print(1)\n" + long_tail).computed
    assert not _scripts.code_calls("print(1)\n").computed


# ---------------------------------------------------------------------------------------------------------------
# awk: getline reads its command from a window before the bar; a string it cannot place is computed (T3)
# ---------------------------------------------------------------------------------------------------------------


def test_awk_getline_longer_than_the_window_rounds_up() -> None:
    text = "awk 'BEGIN { \"rm -rf / " + "x" * 5000 + "\" | getline }'"
    reasons = _rounds_up(text)
    assert any("computes" in r for r in reasons), reasons


def test_awk_getline_with_escaped_quotes_rounds_up() -> None:
    text = 'awk \'BEGIN { "rm -rf /tmp/gate-x \\"\\"" | getline }\''
    tier, reasons = content_tier(text)
    assert tier is Tier.T3, reasons


def test_awk_getline_in_the_window_is_read(tmp_path: Path) -> None:
    assert ROOT_WIPE in _rules("awk 'BEGIN { \"rm -rf /\" | getline }'")
    assert _runs(["awk", 'BEGIN { "touch canary" | getline }'], tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# Literal argv calls: at most 256 arguments within 8192 characters; a longer list is computed (T3)
# ---------------------------------------------------------------------------------------------------------------


def _perl_system(words: list[str]) -> str:
    return "system(" + ", ".join(f'"{w}"' for w in words) + ")"


def test_literal_arguments_past_the_cap_are_computed() -> None:
    code = _perl_system(["rm", "-rf", *(f"x{k}" for k in range(300)), "/"])
    calls = _scripts.code_calls(code)
    assert calls.computed
    assert all(len(argv) <= 256 for argv in calls.argv)
    long_word = _perl_system(["rm", "-rf", "x" * 9000, "/"])
    assert _scripts.code_calls(long_word).computed
    tier, reasons = content_tier(f"perl -e {_q(code)}")
    assert tier is Tier.T3, reasons


def test_literal_arguments_under_the_cap_are_read(tmp_path: Path) -> None:
    code = _perl_system(["rm", "-rf", *(f"x{k}" for k in range(250)), "/"])
    calls = _scripts.code_calls(code)
    assert not calls.computed
    assert calls.argv and calls.argv[0][-1] == "/"
    assert ROOT_WIPE in _rules(f"perl -e {_q(code)}")
    assert _runs(["perl", "-e", _perl_system(["touch", "canary"])], tmp_path)
