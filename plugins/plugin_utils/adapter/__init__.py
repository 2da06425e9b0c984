# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible glue: the only package under plugin_utils that imports Ansible, and the one home of it.

Why one home: the callback, the action plugins and the connection plugins all read the same ansible-core objects
(task, play context, connection and its options, templar, loader) and must turn them into the same runner
requests; written once here, a plugin stays a thin adapter and a change in ansible-core's internals is fixed in one
place. ``requests`` (Ansible's objects as ``TaskRequest``s, a task result as an outcome), ``controller`` (the
controller's ansible-core: its version, configuration and where its code lives), ``patching`` (how a hook is put on
a class) and ``hooks`` (the hook table per supported ansible-core, arming, and the hook functions).

Uses the runner packages; nothing in the runner or the cli imports this package, so the runner stays plain Python
that can be tested and used without Ansible.
"""
