# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side talosctl: what one ``praxis.gatekeeper.talos`` task runs, and how any program the collection
starts on the controller is isolated.

Why on the controller: a Talos node has no shell and no Python, so nothing is shipped to it; talosctl talks to its
API. ``plan`` turns a task's words and the inventory's node selection into one argv (the verb table, option
allowlists and one-node-at-T3 rule are policy's ``_talos``, the same the gate decided with), confines every local
file talosctl reads or writes to the operator's root, and decides what check mode runs (``--dry-run``) or skips.
``process`` runs a program isolated: its own session and process group, stdin from /dev/null, an allowlisted
environment, bounded output, never a shell, and the whole group killed on timeout or when the emergency stop trips.
May import the core foundation and policy; never audit, store, approvals, the pipeline, ``cli`` or Ansible.
"""
