# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail: the hash-chained, owner-only JSON-lines log, its signed checkpoints, Merkle proofs, RFC 3161
timestamps, and reading it back (scan, verify, show).

``writer`` (append; never raises), ``checkpoint`` (signed checkpoints and the anchor), ``merkle`` (RFC 6962),
``scan`` and ``verify`` (constant-memory verification and views), ``timestamps`` (RFC 3161). May import the core
foundation; never policy, store, approvals, the pipeline, ``cli`` or Ansible.
"""
