# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Human approval: operator keys, signed single-use tokens bound to one action, target, tier and ruleset, and the
pipeline stage that redeems them or records a request.

``tokens`` (the token format and its mathematics), ``operators`` (Ed25519 operator keys and the approver
registry), ``stage`` (the approvals seam: the only place the store is touched for approvals). May import the core
foundation (and its ``seams`` interface), policy's redaction, audit and store; never ``cli`` or Ansible.
"""
