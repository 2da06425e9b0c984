#!/usr/bin/python
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the drift_scan action (it runs on the controller: plugins/action/drift_scan.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: drift_scan
short_description: Scan a baseline playbook for drift in check mode and record convergence requests
version_added: 0.1.0
description:
  - Runs the baseline playbook against its inventory in check and diff mode, with the praxis.gatekeeper gate armed
    under the readonly ceiling, exactly as C(praxis-gate drift scan) does. Nothing on any host is changed.
  - Every task whose dry run reports a change becomes a convergence request in the gate's store (a keyed digest of the
    diff and a redacted summary, never the diff itself). A later scan supersedes older requests of the same host and
    task and marks drift that went away C(gone).
  - A task that would really execute under check mode (C(check_mode) false, C(raw), C(script), a module without
    check mode) is not run and is reported as unscannable.
  - Nothing is ever fixed here. A request changes a host only through C(praxis-gate drift converge), which re-checks
    it and asks an operator for an approval of exactly that task on exactly that host.
  - Runs on the controller (it is an action); use C(run_once) and delegate it to C(localhost). The role
    M(praxis.gatekeeper.drift_scan) wraps it for an AWX schedule.
author: praxis.gatekeeper contributors (@praxis)
options:
  playbook:
    description: The baseline playbook (a path on the controller). Its directory is the baseline's project.
    type: path
    required: true
  inventory:
    description: Inventory sources the baseline runs with (paths, or a host list such as C(web1,web2,)).
    type: list
    elements: str
    required: true
  limit:
    description: Limit the scan to these hosts (an Ansible host pattern).
    type: str
  baseline_name:
    description:
      - The baseline's name. Scans of the same name supersede each other's requests. Defaults to the playbook's file
        name.
    type: str
  scm_revision:
    description: The project's revision, recorded for people when git cannot tell (in AWX, C(awx_project_revision)).
    type: str
  ttl:
    description: How long the requests stay valid (C(7d), C(12h), C(30m), or seconds).
    type: str
    default: 7d
  timeout:
    description: Seconds the scan may take.
    type: int
    default: 3600
  fail_on_drift:
    description: Fail the task when the scan finds drift, so a scheduled job shows it (and its notifications fire).
    type: bool
    default: false
  extra_vars:
    description:
      - Extra vars of the baseline run, each as ansible-playbook's C(-e) takes it (C(key=value), JSON, or C(@file)).
      - Only their digest is part of the baseline (they may hold secrets); converging needs the same values again.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: The scan never changes a host; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The gate arms in the scan's ansible-playbook from the pip-installed praxis-gatekeeper (C(PRAXIS_GATE=enforce) is
    set for it); the scan fails if it did not.
  - The store is the operator's (C(PRAXIS_STORE_DSN) or C(state.db) in C(PRAXIS_STATE_DIR)); in AWX use the shared
    PostgreSQL store so operators can converge from their terminals.
seealso:
  - name: Drift model, request lifecycle and the AWX schedule
    description: docs/drift.md in the collection.
    link: https://github.com/praxis/gatekeeper/tree/main/docs/drift.md
"""

EXAMPLES = r"""
- name: Scan the site baseline for drift
  praxis.gatekeeper.drift_scan:
    playbook: "{{ playbook_dir }}/site.yml"
    inventory: "{{ ansible_inventory_sources }}"
    fail_on_drift: true
  delegate_to: localhost
  run_once: true
  register: drift
"""

RETURN = r"""
scan:
  description: The scan's id (C(praxis-gate drift report --scan ID)).
  returned: always
  type: str
exit_code:
  description: 0 no drift, 2 drift, 1 the scan could not be completed (the codes of C(praxis-gate drift scan)).
  returned: always
  type: int
counts:
  description: Tasks per status (drift, clean, unscannable, failed, unreachable), requests superseded, gone, expired.
  returned: always
  type: dict
requests:
  description: The new convergence requests (id, state, host, task, action, tier, since, a one-line summary).
  returned: always
  type: list
  elements: dict
unscannable:
  description: Tasks that would really execute in check mode and were not run, with the gate's reason.
  returned: always
  type: list
  elements: dict
errors:
  description: Why the scan is incomplete, if it is.
  returned: always
  type: list
  elements: str
baseline:
  description: The baseline identity (name, digests, SCM revision, playbook and inventory).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

# Validated by the action plugin (plugins/action/drift_scan.py), and held to DOCUMENTATION by validate-modules.
ARGUMENT_SPEC = {
    "playbook": {"type": "path", "required": True},
    "inventory": {"type": "list", "elements": "str", "required": True},
    "limit": {"type": "str"},
    "baseline_name": {"type": "str"},
    "scm_revision": {"type": "str"},
    "ttl": {"type": "str", "default": "7d"},
    "timeout": {"type": "int", "default": 3600},
    "fail_on_drift": {"type": "bool", "default": False},
    "extra_vars": {"type": "list", "elements": "str", "default": []},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(
        msg="praxis.gatekeeper.drift_scan runs on the controller through its action plugin; it was executed as a "
        "module, which means the collection's action plugin was not loaded"
    )


if __name__ == "__main__":
    main()
