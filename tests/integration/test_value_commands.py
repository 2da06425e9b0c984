# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A file that runs a deny-class command later is refused when a task writes it, whatever its format (SEC-1).

A real ``ansible-playbook`` run against the sshd target, guarded mode: a systemd unit whose ``ExecStart`` is
``/bin/rm -rf /usr`` (``copy``), an ssh configuration whose ``ProxyCommand`` is the same (``lineinfile``) and a
Kubernetes-style exec array (``copy``) are refused by the deny list and never written; the same unit with an
ordinary program (the positive control) is written. The unit tests (``policy/test_value_commands.py``) hold the
class; this holds the path from a playbook's task to the refusal and the audit record."""

from __future__ import annotations

from pathlib import Path

from .harness import AnsibleLab


def test_a_configuration_value_holding_a_deny_class_command_is_refused(lab: AnsibleLab, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    playbook = f"""\
    - hosts: target1
      gather_facts: false
      tasks:
        - ansible.builtin.copy:
            dest: "{work}/cleanup.service"
            content: "[Unit]\\nDescription=cleanup\\n\\n[Service]\\nType=oneshot\\nExecStart=/bin/rm -rf /usr\\n"
          ignore_errors: true
        - ansible.builtin.lineinfile:
            path: "{work}/ssh_config"
            line: "    ProxyCommand rm -rf /usr"
            create: true
          ignore_errors: true
        - ansible.builtin.copy:
            dest: "{work}/pod.yml"
            content: "spec:\\n  containers:\\n    - name: x\\n      command: [\\"rm\\", \\"-rf\\", \\"/usr\\"]\\n"
          ignore_errors: true
        - ansible.builtin.copy:
            dest: "{work}/app.service"
            content: "[Service]\\nExecStart=/usr/bin/true\\n"
    """
    result = lab.playbook(playbook)
    assert result.rc == 0, result.output[-3000:]
    assert not (work / "cleanup.service").exists()
    assert not (work / "ssh_config").exists()
    assert not (work / "pod.yml").exists()
    assert (work / "app.service").read_text() == "[Service]\nExecStart=/usr/bin/true\n"
    denied = result.decisions(decision="denied")
    assert [d["rule"] for d in denied] == ["deny.root-wipe"] * 3, denied
    assert all("configuration value" in d["reason"] for d in denied), denied
    assert "deny list" in result.output and "configuration value" in result.output
    allowed = [d for d in result.decisions(decision="allowed") if d.get("action") == "ansible.builtin.copy"]
    assert len(allowed) == 1, result.decisions()


def test_a_copied_or_templated_controller_file_holding_a_deny_class_command_is_refused(
    lab: AnsibleLab, tmp_path: Path
) -> None:
    """The same class through ``src``: the bytes ``copy`` and ``template`` write come from a controller file the
    task's arguments do not show (core/sources.py reads it for the deny list); a directory is read as the tree
    ``copy`` places. The ordinary unit and template are written (the positive control)."""
    work = tmp_path / "work"
    work.mkdir()
    files = tmp_path / "files"
    (files / "tree" / "cron.d").mkdir(parents=True)
    (files / "cleanup.service").write_text("[Service]\nType=oneshot\nExecStart=/bin/rm -rf /usr\n")
    (files / "cleanup.service.j2").write_text("[Service]\nUser={{ 'root' }}\nExecStart=/bin/rm -rf /usr\n")
    (files / "tree" / "cron.d" / "wipe").write_text("* * * * * root rm -rf /usr\n")
    (files / "app.service.j2").write_text("[Service]\nExecStart=/usr/bin/{{ 'true' }}\n")
    playbook = f"""\
    - hosts: target1
      gather_facts: false
      tasks:
        - ansible.builtin.copy: {{src: "{files}/cleanup.service", dest: "{work}/cleanup.service"}}
          ignore_errors: true
        - ansible.builtin.template: {{src: "{files}/cleanup.service.j2", dest: "{work}/cleanup2.service"}}
          ignore_errors: true
        - ansible.builtin.copy: {{src: "{files}/tree/", dest: "{work}/tree"}}
          ignore_errors: true
        - ansible.builtin.template: {{src: "{files}/app.service.j2", dest: "{work}/app.service"}}
    """
    result = lab.playbook(playbook)
    assert result.rc == 0, result.output[-3000:]
    assert not (work / "cleanup.service").exists()
    assert not (work / "cleanup2.service").exists()
    assert not (work / "tree").exists()
    assert (work / "app.service").read_text() == "[Service]\nExecStart=/usr/bin/true\n"
    denied = result.decisions(decision="denied")
    assert [d["rule"] for d in denied] == ["deny.root-wipe"] * 3, denied
    assert [d["reason"].rsplit("(in ", 1)[-1] for d in denied] == ["cleanup.service)", "cleanup.service.j2)", "wipe)"]


def test_a_shell_line_that_stores_a_deny_class_command_is_refused(lab: AnsibleLab, tmp_path: Path) -> None:
    """The same class through a command line that stores the text itself (ruleset 2026.12.18): ``echo`` into a
    cron file, a heredoc into a unit, a pipe into ``tee``. Each is refused by the deny list and nothing is written;
    the same shell store of ordinary text asks for approval like any free-form command (the positive control)."""
    work = tmp_path / "work"
    work.mkdir()
    playbook = f"""\
    - hosts: target1
      gather_facts: false
      tasks:
        - ansible.builtin.shell: echo '* * * * * root rm -rf /usr' > {work}/wipe.cron
          ignore_errors: true
        - ansible.builtin.shell: |
            cat > {work}/cleanup.service <<'EOF'
            [Service]
            ExecStart=/bin/rm -rf /usr
            EOF
          ignore_errors: true
        - ansible.builtin.shell: printf '%s\\n' 'mkfs.ext4 /dev/sda' | tee {work}/format.sh
          ignore_errors: true
        - ansible.builtin.shell: echo 'ExecStart=/usr/bin/true' > {work}/app.service
          ignore_errors: true
    """
    result = lab.playbook(playbook)
    assert result.rc == 0, result.output[-3000:]
    assert sorted(p.name for p in work.iterdir()) == [], result.output[-3000:]
    denied = result.decisions(decision="denied")
    assert [d["rule"] for d in denied] == ["deny.root-wipe", "deny.root-wipe", "deny.raw-disk-write"], denied
    assert all("stores for later" in d["reason"] for d in denied), denied
    asked = [d for d in result.decisions() if d.get("decision") not in ("denied", "allowed")]
    assert [d["decision"] for d in asked] == ["approval_required"] and asked[0]["rule"] == "approval.required", asked
