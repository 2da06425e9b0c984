# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner: plain Python (no Ansible imports) that decides, records and remembers; plugins are thin adapters.

Packages by concern, and the one direction imports may point (tests/unit/plugins/plugin_utils/test_layout.py
holds it):

    core (foundation: models, errors, settings, statedir, killswitch)
      <- policy, audit, store          what a task is and may do; what happened; what is remembered
      <- approvals                     human approval (uses policy's redaction, audit, store)
      <- talos                         controller-side talosctl and isolated subprocesses (uses policy's verb table)
      <- core (pipeline: seams, runs, gate)   the one ordered pipeline over all of the above
      <- cli                           the praxis-gate commands; nothing imports cli
    adapter                            the only Ansible glue; used by plugins, never by the runner or the cli

Room for the rest of the product: ``agents/`` (sessions, the trifecta latch, budgets, grants, the MCP server),
``drift/`` (check-mode scans and convergence requests) and ``egress/`` (the SSRF filter for outbound connections)
join at the concern level.

No package's ``__init__`` imports anything: importing a package costs nothing until a module is used.
"""
