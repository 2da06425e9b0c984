# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bypass matrix: one real playbook per technique for reaching a host around the gate.

Each case runs real ansible-playbook against a real sshd. Its payload only creates a file in a canary directory,
so a technique that slipped past the gate leaves evidence instead of damage. Two passes:
- readonly mode, payload ``touch``: any execution is at least T1, so the gate must refuse it;
- guarded mode, payload ``touch`` hidden behind base64 and piped into a shell: deny-listed in every mode.
A case passes only if the canary stays empty AND the run shows the gate's refusal (an audit record or the gate's
own message), so a case that "passes" because the task never ran for some other reason is caught.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .harness import AnsibleLab


@dataclass(frozen=True)
class Case:
    id: str
    playbook: str
    files: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    whole_run_refused: bool = False  # refused before any task (adjacent code, shadowing)


def _b64(command: str) -> str:
    return base64.b64encode(command.encode()).decode()


_SHADOW = "collections/ansible_collections/praxis/gatekeeper"
# {cmd} is replaced by the payload command; {canary} by the canary directory.
_HEAD = """\
- hosts: target1
  gather_facts: false
"""
CASES = [
    Case("fqcn-command", _HEAD + "  tasks:\n    - ansible.builtin.command: {cmd}\n"),
    Case("fqcn-shell", _HEAD + "  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case("fqcn-raw", _HEAD + "  tasks:\n    - ansible.builtin.raw: {cmd}\n"),
    Case(
        "fqcn-script",
        _HEAD + "  tasks:\n    - ansible.builtin.script: payload.sh\n",
        files={"files/payload.sh": "#!/bin/sh\n{cmd}\n"},
    ),
    Case("legacy-shell", _HEAD + "  tasks:\n    - ansible.legacy.shell: {cmd}\n"),
    Case("legacy-command", _HEAD + "  tasks:\n    - ansible.legacy.command: {cmd}\n"),
    Case("short-shell", _HEAD + "  tasks:\n    - shell: {cmd}\n"),
    Case("short-raw", _HEAD + "  tasks:\n    - raw: {cmd}\n"),
    Case(
        "action-templated-module",
        _HEAD + "  vars:\n    m: shell\n  tasks:\n    - action: '{{{{ m }}}} {cmd}'\n",
    ),
    Case("local-action", _HEAD + "  tasks:\n    - local_action: ansible.builtin.shell {cmd}\n"),
    Case("delegate-localhost", _HEAD + "  tasks:\n    - ansible.builtin.shell: {cmd}\n      delegate_to: localhost\n"),
    Case("play-connection-local", _HEAD + "  connection: local\n  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case(
        "var-ansible-connection",
        _HEAD + "  vars:\n    ansible_connection: local\n  tasks:\n    - ansible.builtin.shell: {cmd}\n",
    ),
    Case("strategy-linear", _HEAD + "  strategy: linear\n  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case("strategy-free", _HEAD + "  strategy: free\n  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case("strategy-host-pinned", _HEAD + "  strategy: host_pinned\n  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case(
        "async-poll-0",
        _HEAD + "  tasks:\n    - ansible.builtin.shell: {cmd}\n      async: 30\n      poll: 0\n"
        "    - ansible.builtin.pause: seconds=2\n",
    ),
    Case(
        "include-tasks",
        _HEAD + "  tasks:\n    - ansible.builtin.include_tasks: inner.yml\n",
        files={"inner.yml": "- ansible.builtin.shell: {cmd}\n"},
    ),
    Case(
        "import-tasks",
        _HEAD + "  tasks:\n    - ansible.builtin.import_tasks: inner.yml\n",
        files={"inner.yml": "- ansible.builtin.shell: {cmd}\n"},
    ),
    Case(
        "include-role",
        _HEAD + "  tasks:\n    - ansible.builtin.include_role:\n        name: payload\n",
        files={"roles/payload/tasks/main.yml": "- ansible.builtin.shell: {cmd}\n"},
    ),
    Case(
        "import-role",
        _HEAD + "  tasks:\n    - ansible.builtin.import_role:\n        name: payload\n",
        files={"roles/payload/tasks/main.yml": "- ansible.builtin.shell: {cmd}\n"},
    ),
    Case(
        "handler",
        _HEAD + "  tasks:\n    - ansible.builtin.debug: msg=hi\n      changed_when: true\n      notify: h\n"
        "  handlers:\n    - name: h\n      ansible.builtin.shell: {cmd}\n",
    ),
    Case("loop", _HEAD + "  tasks:\n    - ansible.builtin.shell: '{{{{ item }}}}'\n      loop: ['{cmd}']\n"),
    Case(
        "with-items", _HEAD + "  tasks:\n    - ansible.builtin.shell: '{{{{ item }}}}'\n      with_items: ['{cmd}']\n"
    ),
    Case(
        "with-lines",
        _HEAD + "  tasks:\n    - ansible.builtin.debug: msg='{{{{ item }}}}'\n      with_lines: ['{cmd}']\n",
    ),
    Case("become", _HEAD + "  become: true\n  tasks:\n    - ansible.builtin.shell: {cmd}\n"),
    Case(
        "module-defaults",
        _HEAD
        + "  module_defaults:\n    ansible.builtin.shell:\n      cmd: {cmd}\n"
        + "  tasks:\n    - ansible.builtin.shell: {{}}\n",
    ),
    Case(
        "environment-keyword",
        _HEAD + "  tasks:\n    - ansible.builtin.stat: path=/etc/hostname\n"
        "      environment:\n        PROMPT_COMMAND: {cmd}\n        BASH_ENV: /dev/null\n",
    ),
    Case("pipe-in-args", _HEAD + "  tasks:\n    - ansible.builtin.debug: msg=\"{{{{ lookup('pipe', '{cmd}') }}}}\"\n"),
    Case(
        "pipe-in-when",
        _HEAD + "  tasks:\n    - ansible.builtin.debug: msg=hi\n      when: lookup('pipe', '{cmd}') is string\n",
    ),
    Case(
        "pipe-in-vars",
        _HEAD
        + "  tasks:\n    - ansible.builtin.debug: msg='{{{{ x }}}}'\n"
        + "      vars:\n        x: \"{{{{ lookup('pipe', '{cmd}') }}}}\"\n",
    ),
    Case(
        "pipe-in-task-name",
        _HEAD + "  tasks:\n    - name: \"{{{{ lookup('pipe', '{cmd}') }}}}\"\n      ansible.builtin.debug: msg=hi\n",
    ),
    Case(
        "pipe-in-play-vars",
        _HEAD + "  vars:\n    x: \"{{{{ lookup('pipe', '{cmd}') }}}}\"\n  tasks:\n    - ansible.builtin.debug: var=x\n",
    ),
    Case(
        "copy-content-sensitive",
        _HEAD
        + "  tasks:\n    - ansible.builtin.copy:\n        content: '{cmd}'\n        dest: '{canary}/authorized_keys'\n",
    ),
    Case(
        "add-host-local",
        _HEAD + "  tasks:\n    - ansible.builtin.add_host:\n        name: sneaky\n        ansible_connection: local\n"
        "- hosts: sneaky\n  gather_facts: false\n  tasks:\n    - ansible.builtin.shell: {cmd}\n",
    ),
    Case(
        "ssh-common-args-proxycommand",
        _HEAD + '  vars:\n    ansible_ssh_common_args: "-o ProxyCommand=\'sh -c \\"{cmd}\\"\'"\n'
        "  tasks:\n    - ansible.builtin.ping:\n",
    ),
    Case(
        "ssh-extra-args-localcommand",
        _HEAD + "  vars:\n    ansible_ssh_extra_args: \"-o PermitLocalCommand=yes -o LocalCommand='{cmd}'\"\n"
        "  tasks:\n    - ansible.builtin.ping:\n",
    ),
    Case(
        "python-interpreter-command",
        _HEAD
        + "  vars:\n    ansible_python_interpreter: \"/bin/sh -c '{cmd}' #\"\n  tasks:\n    - ansible.builtin.ping:\n",
    ),
    Case(
        "become-flags-injection",
        _HEAD + '  become: true\n  become_user: nobody\n  vars:\n    ansible_become_flags: "-n; {cmd};"\n'
        "    ansible_pipelining: false\n  tasks:\n    - ansible.builtin.ping:\n",
    ),
    Case(
        "remote-tmp-injection",
        _HEAD + '  vars:\n    ansible_remote_tmp: "~/.ansible/tmp$({cmd})"\n    ansible_pipelining: false\n'
        "  tasks:\n    - ansible.builtin.ping:\n",
    ),
    Case(
        "extra-var-raises-mode",
        _HEAD + "  tasks:\n    - ansible.builtin.shell: {cmd}\n",
        args=("-e", "praxis_mode=open", "-e", "PRAXIS_MODE=open"),
    ),
    Case(
        "adjacent-action-plugins",
        _HEAD + "  tasks:\n    - command: echo hi\n",
        files={
            "action_plugins/command.py": "import os\nos.system({cmd_py})\n"
            "from ansible.plugins.action import ActionBase\nclass ActionModule(ActionBase):\n    pass\n",
        },
        whole_run_refused=True,
    ),
    Case(
        "adjacent-filter-plugins",
        "- hosts: \"{{{{ 'target1' | undo_gate }}}}\"\n  gather_facts: false\n"
        "  tasks:\n    - ansible.builtin.debug: msg=hi\n",
        files={
            "filter_plugins/undo.py": "import os\nos.system({cmd_py})\n"
            "class FilterModule:\n    def filters(self):\n        return {{'undo_gate': lambda x: x}}\n",
        },
        whole_run_refused=True,
    ),
    Case(
        "adjacent-collections-shadow",
        _HEAD + "  tasks:\n    - ansible.builtin.debug: msg=hi\n",
        files={
            f"{_SHADOW}/plugins/callback/gate.py": "import os\nos.system({cmd_py})\n",
            f"{_SHADOW}/galaxy.yml": "namespace: praxis\nname: gatekeeper\nversion: 9.9.9\n",
        },
        whole_run_refused=True,
    ),
    Case(
        "role-library-module",
        _HEAD + "  roles:\n    - evil\n",
        files={
            "roles/evil/library/evil_mod": "#!/bin/sh\n{cmd}\necho '{{{{\"changed\": false}}}}'\n",
            "roles/evil/tasks/main.yml": "- evil_mod: {{}}\n",
        },
        whole_run_refused=True,
    ),
]


def _render(case: Case, command: str, canary: Path) -> tuple[str, dict[str, str]]:
    def fill(text: str) -> str:
        return text.format(cmd=command, canary=canary, cmd_py=repr(command))

    return fill(case.playbook), {name: fill(content) for name, content in case.files.items()}


def _assert_refused(result, canary: Path, case: Case) -> None:
    leftovers = sorted(p.name for p in canary.rglob("*") if p.is_file())
    assert not leftovers, f"{case.id}: the payload ran ({leftovers})\n{result.output[-3000:]}"
    refusals = [
        r
        for r in result.records
        if (r.get("event") == "decision" and r.get("decision") in ("denied", "refused"))
        or r.get("event") == "run-refused"
    ]
    if case.whole_run_refused:
        assert result.rc != 0, f"{case.id}: the run should have been refused\n{result.output[-3000:]}"
        assert "praxis.gatekeeper refused this run" in result.output, result.output[-3000:]
    else:
        assert refusals, f"{case.id}: no refusal recorded\n{result.output[-3000:]}"
        assert "praxis.gatekeeper" in result.output, result.output[-3000:]


# Every path a payload can take is the glue's concern in both legs through the guarded test; readonly repeats the
# same paths under another ceiling (policy), so the 2.21 leg runs it only for the cases guarded cannot show.
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=() if c.whole_run_refused else pytest.mark.one_version) for c in CASES],
)
def test_readonly_refuses_any_execution(lab: AnsibleLab, canary: Path, case: Case) -> None:
    lab.mode = "readonly"
    playbook, files = _render(case, f"touch {canary}/ran-{case.id}", canary)
    result = lab.playbook(playbook, files=files, args=case.args)
    _assert_refused(result, canary, case)


@pytest.mark.parametrize("case", [c for c in CASES if not c.whole_run_refused], ids=lambda c: c.id)
def test_guarded_denies_deny_listed_payload(lab: AnsibleLab, canary: Path, case: Case) -> None:
    lab.mode = "guarded"
    hidden = f"echo {_b64(f'touch {canary}/ran-{case.id}')} | base64 -d | sh"
    playbook, files = _render(case, hidden, canary)
    result = lab.playbook(playbook, files=files, args=case.args)
    _assert_refused(result, canary, case)


PROJECT_CFG_PATHS = {
    "library": ("mylib/evil_mod", "#!/bin/sh\n{cmd}\necho '{{\"changed\": false}}'\n"),
    "action_plugins": ("myactions/command.py", "import os\nos.system({cmd_py})\n"),
    "filter_plugins": ("myfilters/f.py", "import os\nos.system({cmd_py})\n"),
    "collections_path": ("mycollections/ansible_collections/evil/x/plugins/modules/m.py", "import os\n"),
}


@pytest.mark.parametrize("setting", sorted(PROJECT_CFG_PATHS))
def test_project_ansible_cfg_cannot_point_plugin_paths_into_the_project(
    lab: AnsibleLab, canary: Path, tmp_path: Path, setting: str
) -> None:
    """ansible-core reads the project's ansible.cfg when ANSIBLE_CONFIG is unset; its plugin paths are the
    playbook-adjacent hole by another door."""
    relative, content = PROJECT_CFG_PATHS[setting]
    project = tmp_path / "project"
    target = project / relative
    target.parent.mkdir(parents=True)
    command = f"touch {canary}/ran-{setting}"
    target.write_text(content.format(cmd=command, cmd_py=repr(command)))
    directory = relative.split("/")[0]
    (project / "ansible.cfg").write_text(
        lab.config.read_text().replace("[defaults]\n", f"[defaults]\n{setting} = ./{directory}\n", 1)
    )
    playbook = "- hosts: target1\n  gather_facts: false\n  tasks:\n    - command: echo hi\n"
    result = lab.playbook(playbook, directory=project, env={"ANSIBLE_CONFIG": ""})
    assert result.rc != 0, result.output
    assert "praxis.gatekeeper refused" in result.output and "project's ansible.cfg" in result.output, result.output
    assert not list(canary.iterdir()), result.output
