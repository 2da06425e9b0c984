# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.ssh: ansible.builtin.ssh with strict host keys, no prompts, a bounded connect time, plain
targets only, never to a Talos node, and the emergency stop checked before every command.

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: ssh
short_description: SSH with strict host keys, injection-safe targets and the emergency stop
version_added: 0.1.0
author: praxis.gatekeeper contributors (@praxis)
description:
  - Extends P(ansible.builtin.ssh#connection) (the same options, the same ssh client) and refuses what that plugin
    allows.
  - Host keys are checked strictly against a known_hosts file; an unknown or a changed host key is refused. The
    operator may list hosts whose first key is accepted (C(StrictHostKeyChecking=accept-new)).
  - C(BatchMode=yes) (no password or passphrase prompts), C(ConnectTimeout) bounded to 60 seconds,
    C(UpdateHostKeys=no) and C(PermitLocalCommand=no) come first on every ssh, scp and sftp command line; ssh keeps
    the first value of each option, so nothing a play or inventory adds later can weaken them.
  - A host, port or user that could be read as an option (C(-oProxyCommand=...)) or that holds whitespace or
    control characters is refused, as are the connection options praxis.gatekeeper refuses for every SSH
    connection (ProxyCommand, host-key checking off, agent forwarding, ...).
  - A host whose inventory sets C(praxis_host_type=talos) is refused; use M(praxis.gatekeeper.talos).
  - The emergency stop (C(praxis-gate emergency-stop)) is checked before every command and file transfer.
  - Operators make this the only SSH transport with C(connections) in the policy file (docs/plugins/ssh.md).
extends_documentation_fragment:
  - ansible.builtin.connection_pipelining
  - praxis.gatekeeper.builtin_ssh
options:
  host_type:
    description:
      - The host's type from the inventory. C(talos) hosts are refused. With the gate armed, the type the gate
        decided on (from the operator's inventory only) is refused as well.
    type: str
    default: linux
    vars:
      - name: praxis_host_type
  known_hosts_file:
    description:
      - The only known_hosts file trusted for host keys (the global one is ignored). Read by the gate from the
        operator's settings only, never from a project's C(ansible.cfg) or a play.
      - Unset, ssh's own files (and C(UserKnownHostsFile) in the operator's C(ssh_args)) are used.
    type: path
    env:
      - name: PRAXIS_SSH_KNOWN_HOSTS
    ini:
      - section: praxis_gatekeeper
        key: ssh_known_hosts
  accept_new_host_keys:
    description:
      - Host names or patterns (fnmatch) whose unknown host key is accepted once and recorded (C(accept-new)); a
        changed key is still refused. Operator settings only.
    type: list
    elements: str
    env:
      - name: PRAXIS_SSH_ACCEPT_NEW
    ini:
      - section: praxis_gatekeeper
        key: ssh_accept_new_host_keys
notes:
  - Password and keyboard-interactive logins do not work (C(BatchMode=yes)); use keys and an agent.
seealso:
  - plugin: ansible.builtin.ssh
    plugin_type: connection
  - plugin: praxis.gatekeeper.talosctl
    plugin_type: connection
"""

EXAMPLES = r"""
# inventory (the operator's): every Linux host over the hardened connection
# [linux]
# web1 ansible_host=192.0.2.10 ansible_connection=praxis.gatekeeper.ssh

# policy file (PRAXIS_POLICY): no laxer SSH transport can be chosen by a play
# version: 1
# connections: [praxis.gatekeeper.ssh, praxis.gatekeeper.talosctl, ansible.builtin.local]
"""

from typing import Any

from ansible.plugins.connection.ssh import Connection as BuiltinSsh
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.actuation import (
    harden_ssh_command,
    ssh_hardening,
)


class Connection(BuiltinSsh):  # type: ignore[misc]  # ansible-core ships no type information
    """ansible.builtin.ssh, checked and hardened before every ssh, scp and sftp command it builds."""

    transport = "praxis.gatekeeper.ssh"

    def _build_command(self, binary: str, subsystem: str, *other_args: Any) -> list[bytes]:
        hardening = ssh_hardening(self)  # refuses (raises) before anything starts
        return harden_ssh_command(super()._build_command(binary, subsystem, *other_args), binary, hardening)
