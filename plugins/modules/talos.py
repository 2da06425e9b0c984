#!/usr/bin/python
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.talos: documentation and argument spec; its action plugin runs talosctl on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
module: talos
short_description: Run a talosctl command against one Talos node, gated by verb
version_added: 0.1.0
author: praxis.gatekeeper contributors (@praxis)
description:
  - Runs C(talosctl) on the controller against the Talos node of the task's host. Talos has no shell and no Python,
    so this is the way a play changes a Talos node; the host's inventory sets C(praxis_host_type=talos) and
    C(ansible_connection=praxis.gatekeeper.talosctl).
  - The node, endpoints, context and talosconfig come from the operator's inventory only (the connection's
    options), never from the task. C(command) holds the talosctl words after the node selection, verb first.
  - "Every verb has a tier after Talos's own API roles: reads T0 (reads of secrets such as C(kubeconfig), C(read),
    C(copy), C(etcd snapshot) and C(support) are T0 but sensitive); C(service ... restart), C(restart),
    C(etcd defrag), C(image pull) T1; C(reboot), C(shutdown), C(apply-config), C(patch), C(rollback),
    C(etcd leave) and C(etcd forfeit-leadership) T2; C(reset) in any form (including a partition-scoped
    C(--system-labels-to-wipe) reset), C(wipe), C(upgrade), C(upgrade-k8s), C(etcd remove-member), C(bootstrap)
    and C(apply-config --insecure) T3; an unknown verb T3. C(praxis-gate check --host-type talos) explains a task."
  - Options are checked against each verb's allowlist; C(--nodes), C(--endpoints), C(--talosconfig),
    C(--context) and C(--cluster) in C(command) are refused. A T3 call runs on exactly one node.
  - Local files talosctl reads or writes (C(kubeconfig out/kc), C(etcd snapshot db.snap), C(copy /var/log out),
    C(apply-config -f node.yaml), C(support -O bundle.zip)) must lie under the operator's talos root
    (C(PRAXIS_TALOS_ROOT)); relative paths are relative to it.
  - talosctl runs isolated - its own session and process group, stdin from /dev/null, only C(PATH), C(HOME), C(LANG),
    C(TALOSCONFIG), C(KUBECONFIG) and the operator's C(PRAXIS_TALOS_ENV) in its environment, bounded output, no
    shell - and its whole process group is killed on timeout or when the emergency stop trips.
options:
  command:
    description:
      - The talosctl words after the node selection, verb first, one list item per word (C([etcd, members]),
        C([service, kubelet, restart]), C([apply-config, --file, node.yaml, --mode, no-reboot])).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds talosctl may run before its process group is killed (at most the operator's limit).
    type: int
    default: 300
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details:
      - Verbs with C(--dry-run) (C(apply-config), C(patch), C(upgrade-k8s), C(rotate-ca)) run with it; T0 reads that
        write no local file run as usual; every other verb is skipped and reported, never run.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: Talos Linux (controller-side talosctl)
notes:
  - Runs only under an armed praxis.gatekeeper gate, which decides the task before this module starts.
  - talosctl is found on the controller's C(PATH), or set with C(PRAXIS_TALOSCTL).
seealso:
  - plugin: praxis.gatekeeper.talosctl
    plugin_type: connection
"""

EXAMPLES = r"""
- name: Read the etcd members
  praxis.gatekeeper.talos:
    command: [etcd, members]

- name: Restart the kubelet (T1)
  praxis.gatekeeper.talos:
    command: [service, kubelet, restart]

- name: Apply a configuration without a reboot (T2; --dry-run under --check)
  praxis.gatekeeper.talos:
    command: [apply-config, --file, nodes/cp1.yaml, --mode, no-reboot]

- name: Back up etcd into the talos root (T0, sensitive)
  praxis.gatekeeper.talos:
    command: [etcd, snapshot, backups/etcd.snap]
"""

RETURN = r"""
cmd:
  description: The talosctl argv that ran (or would have run).
  returned: always
  type: list
  elements: str
rc:
  description: talosctl's exit status (negative when its process group was killed).
  returned: when talosctl ran
  type: int
stdout:
  description: talosctl's standard output (at most 4 MiB).
  returned: when talosctl ran
  type: str
stderr:
  description: talosctl's standard error (at most 4 MiB).
  returned: when talosctl ran
  type: str
stdout_lines:
  description: stdout split into lines.
  returned: when talosctl ran
  type: list
  elements: str
tier:
  description: The verb's tier (T0..T3).
  returned: always
  type: str
dry_run:
  description: Whether talosctl ran with C(--dry-run) (check mode).
  returned: always
  type: bool
sensitive:
  description: Whether the command reads secrets.
  returned: always
  type: bool
outputs:
  description: Local files talosctl was asked to write, resolved under the talos root.
  returned: when talosctl ran
  type: list
  elements: str
truncated:
  description: Whether output beyond 4 MiB was dropped.
  returned: when talosctl ran
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = {
    "command": {"type": "list", "elements": "str", "required": True},
    "timeout": {"type": "int", "default": 300},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="praxis.gatekeeper.talos runs on the controller through its action plugin; it cannot run "
                         "on a host (Talos has no Python)")  # fmt: skip


if __name__ == "__main__":
    main()
