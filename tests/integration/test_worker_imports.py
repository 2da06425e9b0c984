# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a forked worker imports (issue 22, item 2): nothing of the gate, in a real run against a real sshd.

ansible-core forks one worker per task and host, and a module a worker imports is imported again by every worker:
the store's driver cost about 100 ms of CPU per planned task on PostgreSQL that way. The controller loads what the
workers will need before they fork (adapter/warmup.py, ``Gate.warm_seams``). A probe loaded through PYTHONPATH into
every Python of the run records, per worker, the modules that were not there when it forked. The positive control
makes the controller forget one of the store's modules before each fork: the probe then sees the worker import it.
Speed itself is measured in bench/, not here."""

from __future__ import annotations

import json
from pathlib import Path

from .harness import AnsibleLab

_PROBE = """
import json, os, sys
_OUT = os.environ.get("PXB_IMPORT_OUT", "")
_FORGET = os.environ.get("PXB_FORGET", "")
_AT_FORK = {}


def _before():
    if _FORGET and "ansible.executor.process.worker" in sys.modules:
        sys.modules.pop(_FORGET, None)
        parent, _dot, child = _FORGET.rpartition(".")
        package = sys.modules.get(parent)
        if package is not None and child in vars(package):
            delattr(package, child)  # (``from . import child`` would find the attribute without importing)


def _child():
    _AT_FORK["modules"] = set(sys.modules)
    executor = sys.modules.get("ansible.executor.task_executor")
    if executor is None or "ansible.executor.process.worker" not in sys.modules:
        return
    if getattr(executor.TaskExecutor.run, "_probed", False):
        return
    original = executor.TaskExecutor.run

    # The task's run, not the worker's: the worker sends its result before its own run returns, and the controller
    # may end the run (and stop the last worker) before a line written after that reaches the file.
    def run(self):
        try:
            return original(self)
        finally:
            with open(_OUT, "a") as out:
                out.write(json.dumps(sorted(set(sys.modules) - _AT_FORK["modules"])) + "\\n")

    run._probed = True
    executor.TaskExecutor.run = run


if _OUT:
    os.register_at_fork(before=_before, after_in_child=_child)
"""
_PLAY = """\
- hosts: target1
  gather_facts: false
  tasks:
    - ansible.builtin.stat: path=/etc/hostname
    - ansible.builtin.command: uptime
    - ansible.builtin.command: touch {canary}/needs-approval
      ignore_errors: true
"""
_GATE = "ansible_collections.praxis.gatekeeper."
_STORE_MODULE = _GATE + "plugins.plugin_utils.store._sqlite"


def _worker_imports(lab: AnsibleLab, canary: Path, tmp_path: Path, **env: str) -> list[list[str]]:
    probe = tmp_path / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "sitecustomize.py").write_text(_PROBE)
    out = tmp_path / f"imports-{len(env)}.jsonl"
    result = lab.playbook(
        _PLAY.format(canary=canary), env={"PYTHONPATH": str(probe), "PXB_IMPORT_OUT": str(out), **env}
    )
    assert result.rc == 0, result.output
    decisions = [(d["action"], d["tier"], d["decision"]) for d in result.decisions()]
    assert decisions[-1] == ("ansible.builtin.command", "T2", "approval_required"), decisions  # it wrote to the store
    assert not (canary / "needs-approval").exists()
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_no_worker_imports_a_module_of_the_gate(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    lab.allow_commands("uptime")
    workers = _worker_imports(lab, canary, tmp_path)
    assert len(workers) == 3  # one per task: the probe ran in each worker
    imported = sorted({name for modules in workers for name in modules if name.startswith(_GATE)})
    assert imported == [], imported
    assert not {"sqlite3", "psycopg", "_strptime"} & {name for modules in workers for name in modules}


def test_the_probe_sees_a_gate_module_a_worker_imports(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    """The control: a controller that forgets the store's SQLite module before each fork leaves the worker that
    records the approval item to import it, and the probe says so."""
    lab.allow_commands("uptime")
    workers = _worker_imports(lab, canary, tmp_path, PXB_FORGET=_STORE_MODULE)
    assert len(workers) == 3, workers
    assert any(_STORE_MODULE in modules for modules in workers), [sorted(set(m) & {_STORE_MODULE}) for m in workers]
