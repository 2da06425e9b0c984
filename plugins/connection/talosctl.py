# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.talosctl: the connection of Talos hosts, which have no shell: it carries the inventory's node
selection to the praxis.gatekeeper.talos action and refuses every command and file transfer.

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: talosctl
short_description: Reach Talos nodes only through praxis.gatekeeper.talos (talosctl on the controller)
version_added: 0.1.0
author: praxis.gatekeeper contributors (@praxis)
description:
  - The connection for hosts whose inventory sets C(praxis_host_type=talos). Talos has no shell, no SSH and no
    Python, so no module can run on the node; M(praxis.gatekeeper.talos) runs talosctl on the controller instead,
    with the node, endpoints, context and talosconfig this connection takes from the inventory.
  - "Every remote command and file transfer is refused, so any other module (including C(raw) and fact gathering)
    fails here, after the gate has already denied it. Set C(gather_facts: false) for Talos plays."
  - The gate refuses this connection for a host whose inventory does not set C(praxis_host_type=talos), and
    refuses node selection set anywhere but the operator's inventory (play vars, extra vars, C(set_fact),
    C(add_host), task arguments).
options:
  host:
    description: The node talosctl targets (C(--nodes)); the inventory host's address.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
  endpoints:
    description: The Talos API endpoints (C(--endpoints)); the talosconfig context's endpoints when unset.
    type: list
    elements: str
    vars:
      - name: praxis_talos_endpoints
  context:
    description: The talosconfig context (C(--context)); its current context when unset.
    type: str
    vars:
      - name: praxis_talos_context
  talosconfig:
    description: The talosconfig file (C(--talosconfig)); C(TALOSCONFIG) or C(~/.talos/config) when unset.
    type: path
    vars:
      - name: praxis_talosconfig
notes:
  - Only the operator's inventory (inventory sources and the group_vars/host_vars beside them) may set
    C(praxis_host_type), C(ansible_host), C(praxis_talos_endpoints), C(praxis_talos_context) and
    C(praxis_talosconfig) for a Talos host; see docs/plugins/talosctl.md.
seealso:
  - module: praxis.gatekeeper.talos
"""

EXAMPLES = r"""
# inventory (the operator's)
# [talos]
# cp1 ansible_host=10.5.0.2
#
# [talos:vars]
# ansible_connection=praxis.gatekeeper.talosctl
# praxis_host_type=talos
# praxis_talos_endpoints=10.5.0.2
"""

from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.connection import ConnectionBase


class TalosNoShell(AnsibleError):  # type: ignore[misc]  # ansible-core ships no type information
    """A module or raw command tried to run on a Talos node."""


_REFUSAL = (
    "praxis.gatekeeper.talosctl refused {what}: a Talos node has no shell, no SSH and no Python, so nothing runs on "
    "it; use the praxis.gatekeeper.talos module (talosctl on the controller) and gather_facts: false"
)


class Connection(ConnectionBase):  # type: ignore[misc]  # ansible-core ships no type information
    """Holds a Talos host's node selection; refuses every command and file transfer."""

    transport = "praxis.gatekeeper.talosctl"
    has_pipelining = False

    def _connect(self) -> Connection:
        self._connected = True  # nothing to connect to: talosctl runs per task on the controller
        return self

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> Any:
        raise TalosNoShell(_REFUSAL.format(what="a remote command"))

    def put_file(self, in_path: str, out_path: str) -> None:
        raise TalosNoShell(_REFUSAL.format(what="a file transfer"))

    def fetch_file(self, in_path: str, out_path: str) -> None:
        raise TalosNoShell(_REFUSAL.format(what="a file transfer"))

    def close(self) -> None:
        self._connected = False
