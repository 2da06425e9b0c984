# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift_scan action: `praxis-gate drift scan` as a task, for a scheduled AWX job (docs in modules/drift_scan.py).

Thin on purpose: it validates its arguments, hands them to the drift runner, and reports the result. The scan runs
a separate, gated ansible-playbook under the readonly ceiling; this task itself only starts it and reads the store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.praxis.gatekeeper.plugins.modules.drift_scan import ARGUMENT_SPEC
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import GatekeeperError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.model import parse_duration
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.scan import (
    EXIT_DRIFT,
    EXIT_ERROR,
    ScanOptions,
    requests_table,
    run_scan,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store


class ActionModule(ActionBase):
    """Scan a baseline in check mode and record convergence requests; never changes a host."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            options = ScanOptions(
                playbook=args["playbook"], inventory=tuple(args["inventory"]), limit=args["limit"] or None,
                baseline_name=args["baseline_name"] or None, scm_revision=args["scm_revision"] or None,
                ttl=parse_duration(args["ttl"]), timeout=float(args["timeout"]), extra_vars=tuple(args["extra_vars"]),
            )  # fmt: skip
            settings = load_settings()
            with open_store(settings) as store:
                scan = run_scan(settings, store, options)
        except (GatekeeperError, ValueError) as exc:
            raise AnsibleActionFail(f"praxis.gatekeeper drift scan: {exc}") from exc
        data = scan.as_dict()
        result.update(
            changed=False,
            scan=scan.scan_id,
            exit_code=scan.exit_code,
            counts=data["counts"],
            requests=requests_table(scan.requests, datetime.now(UTC)),
            unscannable=data["unscannable"],
            errors=data["errors"],
            baseline=data["baseline"],
        )
        drifted = len(scan.requests)
        result["msg"] = (
            f"scan {scan.scan_id}: {drifted} drifted task(s), {data['counts']['unscannable']} unscannable; nothing "
            "was changed" + (f"; incomplete: {'; '.join(data['errors'])[:500]}" if scan.exit_code == EXIT_ERROR else "")
        )
        if scan.exit_code == EXIT_ERROR or (scan.exit_code == EXIT_DRIFT and args["fail_on_drift"]):
            result["failed"] = True
        return result
