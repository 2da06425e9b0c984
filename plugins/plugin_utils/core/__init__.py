# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pipeline core: what is asked, what is answered, and the one ordered pipeline between them.

Two halves. The foundation (``models``, ``errors``, ``limits``, ``settings``, ``statedir``, ``killswitch``) is the
shared vocabulary, the bounds on input and operator configuration; it imports nothing else of the runner, so every
concern package may use it.
The pipeline (``seams``, ``runs``, ``gate``) composes the concern packages (policy, audit, store, approvals)
into kill switch -> validation -> deny list -> classification -> mode ceiling -> approvals -> records; no concern
package imports the pipeline half. Nothing here imports ``cli`` or Ansible.
"""
