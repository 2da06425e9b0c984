# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No false refusals on ordinary roles (issue 16), per class, generated over tables and spellings:

- a command that only reads the account databases is T0, and every way of making it do more is not;
- an operator-allowlisted command is pinned to T0 whatever paths it names (deny rules still apply);
- controller-side actions carry no privilege floor under an inherited become; every other action keeps it;
- permission and owner changes are T2 even on T3 paths, T3 when they open access (world-writable, setuid/setgid);
- the check-mode table agrees with the modules' own documented check_mode support (ansible-doc), for every module
  of it that is installed here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Tier
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands, _modules
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell import analyze
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import Ruleset, load_ruleset

RULESET = load_ruleset(None)


def _tier(action: str, args: dict[str, object], *, ruleset: Ruleset = RULESET, **kw: object) -> Tier:
    evaluation = evaluate(TaskRequest(action=action, args=args, host="h", **kw), ruleset=ruleset)  # type: ignore[arg-type]
    assert not evaluation.findings, evaluation.findings
    return evaluation.tier


# ------------------------------------------------------------------------------------------ account database reads
READS = [
    "awk -F: '{print $1}' /etc/passwd",
    "awk -F: '$3 >= 1000 {print $1}' /etc/passwd",
    "awk -F: '($3 == 0) { print $1 }' /etc/passwd",
    "cat /etc/passwd",
    "cat /etc/group",
    "grep -E '^root:' /etc/shadow",
    "grep -c nologin /etc/passwd",
    "cut -d: -f1 /etc/passwd",
    "cut -d: -f1 /etc/passwd | sort -u",
    "getent passwd",
    "getent shadow root",
    "getent group sudo",
    "getent passwd | cut -d: -f1",
    "head -n 5 /etc/login.defs",
    "wc -l /etc/passwd",
    "id -u",
    "cat /etc/passwd 2>/dev/null",
]
NOT_READS = [
    "awk '{print > \"/tmp/x\"}' /etc/passwd",  # output redirection inside awk
    "awk '{print | \"sh\"}' /etc/passwd",  # a pipe to a program
    "awk '{system(\"id\")}' /etc/passwd",
    "awk 'BEGIN { while ((\"id\" | getline line) > 0) print line }'",
    "awk -f prog.awk /etc/passwd",  # a program file the gate cannot read
    "gawk '@load \"filefuncs\"; {print}' /etc/passwd",
    "cat /etc/passwd > /tmp/copy",  # writes
    "cat /etc/passwd | tee /tmp/copy",
    "sort -o /etc/passwd /etc/passwd",  # sort's output option
    "cat /etc/sudoers",  # not an account database
    "cat /etc/passwd /root/.ssh/id_ed25519",
    "cat $FILE",  # unknown at run time
    "sudo cat /etc/shadow",  # a wrapper
    "getent passwd /etc/x",
    "cat",  # a caller's standard input
    "cat /etc/passwd; rm -f /tmp/x",
    "tail -f /etc/passwd",
]


@pytest.mark.parametrize("module", ["ansible.builtin.command", "ansible.builtin.shell"])
@pytest.mark.parametrize("text", READS)
def test_a_read_of_the_account_databases_is_t0(module: str, text: str) -> None:
    if module == "ansible.builtin.command" and "|" in text:
        pytest.skip("command does not run pipelines")
    assert _commands.reads_account_databases_only(analyze(text)), text
    assert _tier(module, {"_raw_params": text}) is Tier.T0


@pytest.mark.parametrize("text", NOT_READS)
def test_anything_more_than_a_read_is_not_a_read(text: str) -> None:
    assert not _commands.reads_account_databases_only(analyze(text)), text
    assert _tier("ansible.builtin.shell", {"_raw_params": text}) >= Tier.T2


def test_the_operator_allowlist_pins_a_command_that_names_a_t3_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("version: 1\ncommand_allowlist:\n  - cat /etc/sudoers\n  - sshd -T\n")
    pinned = load_ruleset(path)
    assert _tier("ansible.builtin.command", {"_raw_params": "cat /etc/sudoers"}) is Tier.T3
    assert _tier("ansible.builtin.command", {"_raw_params": "cat /etc/sudoers"}, ruleset=pinned) is Tier.T0
    # pinned word for word: anything else still counts
    assert _tier("ansible.builtin.command", {"_raw_params": "cat /etc/sudoers.d/x"}, ruleset=pinned) is Tier.T3


# ------------------------------------------------------------------------------------------ privilege floor
@pytest.mark.parametrize("action", sorted(_modules.CONTROL_MODULES))
def test_controller_side_actions_carry_no_privilege_floor(action: str) -> None:
    assert _tier(action, {}, become=True, become_method="sudo") is Tier.T0


@pytest.mark.parametrize(
    "action", ["ansible.builtin.stat", "ansible.builtin.slurp", "ansible.builtin.setup", "ansible.builtin.ping"]
)
def test_actions_on_the_target_keep_the_privilege_floor(action: str) -> None:
    assert _tier(action, {"path": "/etc/hostname"} if "stat" in action or "slurp" in action else {}) is Tier.T0
    assert _tier(action, {"path": "/etc/hostname"} if "stat" in action or "slurp" in action else {},
                 become=True, become_method="sudo") is Tier.T2  # fmt: skip


# ------------------------------------------------------------------------------------------ permissions
T3_PATHS = ["/etc/shadow", "/etc/gshadow", "/boot", "/boot/grub/grub.cfg", "/etc/sudoers", "/etc/ssh/sshd_config"]
REVERSIBLE_MODES = ["0600", "0640", "0400", "600", "u=rw,go=", "go-rwx", "o-w", "u+x", "0755"]
OPENING_MODES = ["0777", "0666", "4755", "2755", "6755", "o+w", "a+w", "+w", "u+s", "g+s", "+s", "o=rwx"]


@pytest.mark.parametrize("path", T3_PATHS)
@pytest.mark.parametrize("mode", REVERSIBLE_MODES)
def test_permission_changes_of_t3_paths_are_t2(path: str, mode: str) -> None:
    assert _tier("ansible.builtin.shell", {"_raw_params": f"chmod {mode} {path}"}) is Tier.T2
    assert _tier("ansible.builtin.file", {"path": path, "mode": mode}) is Tier.T2
    assert _tier("ansible.builtin.file", {"path": path, "owner": "root", "group": "root", "mode": mode}) is Tier.T2


@pytest.mark.parametrize("path", T3_PATHS)
@pytest.mark.parametrize("command", ["chown root:root", "chown root", "chgrp shadow"])
def test_owner_changes_of_t3_paths_are_t2(path: str, command: str) -> None:
    assert _tier("ansible.builtin.shell", {"_raw_params": f"{command} {path}"}) is Tier.T2


@pytest.mark.parametrize("path", [*T3_PATHS, "/tmp/x", "/opt/app/bin/tool"])
@pytest.mark.parametrize("mode", OPENING_MODES)
def test_world_writable_or_setuid_is_t3_anywhere(path: str, mode: str) -> None:
    assert _commands.mode_opens_access(mode), mode
    assert _tier("ansible.builtin.shell", {"_raw_params": f"chmod {mode} {path}"}) is Tier.T3
    assert _tier("ansible.builtin.file", {"path": path, "mode": mode}) is Tier.T3
    assert _tier("ansible.builtin.copy", {"dest": path, "content": "x", "mode": mode}) is Tier.T3


@pytest.mark.parametrize("args", [
    {"path": "/etc/shadow", "state": "absent"},
    {"path": "/etc/sudoers.d/x", "state": "touch", "mode": "0440"},
    {"path": "/boot", "state": "directory", "mode": "0700"},
    {"path": "/etc/shadow", "state": "link", "src": "/tmp/x"},
    {"path": "/etc/shadow", "mode": "0600", "recurse": True},
])  # fmt: skip
def test_file_tasks_that_do_more_than_change_attributes_stay_t3(args: dict[str, object]) -> None:
    assert _tier("ansible.builtin.file", args) is Tier.T3


# ------------------------------------------------------------------------------------------ check-mode support
def _documented_support(module: str) -> str | None:
    doc = shutil.which("ansible-doc", path=str(Path(sys.executable).parent))
    if doc is None:
        pytest.skip("ansible-doc is not installed beside this interpreter")
    result = subprocess.run([doc, "--json", module], capture_output=True, text=True, check=False)
    found = json.loads(result.stdout) if result.returncode == 0 and result.stdout.strip().startswith("{") else {}
    if module not in found:
        return None  # the collection is not installed here
    attributes = found[module]["doc"].get("attributes") or {}
    support = (attributes.get("check_mode") or {}).get("support")
    return str(support) if support is not None else None


@pytest.mark.parametrize("module", sorted(_modules.CHECK_MODE_HONEST))
def test_the_check_mode_table_agrees_with_each_modules_documented_support(module: str) -> None:
    support = _documented_support(module)
    if support is None:
        pytest.skip(f"{module} is not installed here, or documents no check_mode attribute")
    # package and service dispatch to a backend module (judged as the sub-action it runs): their support is "N/A"
    dispatchers = {"ansible.builtin.package", "ansible.builtin.service"}
    allowed = ("full", "partial", "N/A") if module in dispatchers else ("full", "partial")
    assert support in allowed, f"{module} documents check_mode support {support!r}"
