# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy: what a task would do and how far it may go. Pure and deterministic; no I/O beyond reading the policy file.

``evaluate`` (deny findings, then the tier), ``ruleset`` (built-in rules plus the operator's policy file, one
digest), the bash analyser (``_shell``), command rules (``_commands``), paths (``_paths``), module knowledge
(``_modules``), connection options (``_connopts``), redaction (``redact``) and which controller-side code a run may
load (``trust``). May import the core foundation only (models, errors, settings); never audit, store, approvals,
the pipeline, ``cli`` or Ansible.
"""
