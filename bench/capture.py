# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-playbook with the gate armed and write every TaskRequest the gate decides to a JSON-lines file.

Used only for an unmeasured warm-up run: the decision-latency benchmark then times the gate on the exact requests
a real run produced (templated arguments, the real connection options of the ssh plugin, become, environment).

    PRAXIS_BENCH_CAPTURE=/path/requests.jsonl python bench/capture.py [ansible-playbook arguments]

The gate itself is not changed: the start-up hook arms it as usual, and this wrapper only wraps ``Gate.decide``
after arming (workers fork later and inherit the wrapper).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any


def request_to_json(request: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in dataclasses.fields(request):
        value = getattr(request, spec.name)
        if spec.name == "local_files":
            value = {k: (None if v is None else v.decode("utf-8", "replace")) for k, v in value.items()}
        data[spec.name] = value
    return json.loads(json.dumps(data, default=str))


def main() -> None:
    out = os.environ.pop("PRAXIS_BENCH_CAPTURE", "")
    import _praxis_gatekeeper_boot as boot

    original_arm = boot._arm

    def arm_and_capture() -> None:
        original_arm()
        module = sys.modules.get("ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate")
        if module is None or not out:
            return
        decide = module.Gate.decide

        def capturing(self: Any, request: Any, *, record: bool = True) -> Any:
            decision = decide(self, request, record=record)
            line = json.dumps({"request": request_to_json(request), "verdict": str(decision.verdict),
                               "tier": str(decision.tier)}) + "\n"  # fmt: skip
            fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
            return decision

        module.Gate.decide = capturing

    boot._arm = arm_and_capture
    program = Path(sys.executable).parent / "ansible-playbook"
    sys.argv = [str(program), *sys.argv[1:]]
    from ansible.cli.playbook import main as playbook_main

    playbook_main()


if __name__ == "__main__":
    main()
