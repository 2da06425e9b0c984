# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift (SEC-6): check-mode scans of a baseline that emit convergence requests, and convergence that happens only
through a human approval. Nothing here ever fixes anything on its own.

Modules, in the order a scan uses them:

    baseline   what a scan was measured against: content digests of the playbook's project, inventory and vars
    diffs      a check-mode diff as a keyed digest (what converge compares) and a redacted summary (what people read)
    job        the hand-off between `praxis-gate drift` and the gated ansible-playbook it starts (PRAXIS_DRIFT_JOB)
    observe    inside that run: the readonly ceiling, the converge seam, and one spool line per task execution
    model      a convergence request and its lifecycle (proposed, approval-requested, applied, expired, superseded,
               gone), kept as versions of one fact in the append-only store
    ledger     reading and writing requests and scans in the store, with compare-and-set
    runner     starting ansible-playbook in check and diff mode for a job, and reading back what it observed
    scan       one scan: observe, aggregate per host and task, supersede, mark gone, record
    converge   re-check, raise an approval request, apply exactly the approved tasks on exactly those hosts
    report     a self-contained HTML page of hosts by tasks

The package sits beside the pipeline: it uses the approvals stage and the gate, and nothing but the CLI and the
Ansible glue uses it.
"""
