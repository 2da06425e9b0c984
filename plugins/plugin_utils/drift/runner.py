# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting the gated ansible-playbook run of a drift job, and reading back what it observed.

The run is the baseline itself, in check and diff mode (``--check --diff``), with the gate armed
(``PRAXIS_GATE=enforce``) and the job named (``PRAXIS_DRIFT_JOB``). Its output is captured and not shown: with
``--diff`` Ansible prints whole file bodies, and those belong on no terminal, log or job page. What the run observed
comes back through the job's spool, as digests and redacted summaries. A run whose gate never announced the job
(an ansible-playbook without the gate, a collection that is not the installed one) is an error, not an empty scan.

Security constraints: SEC-3, SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError, StateError
from ..core.settings import GateSettings
from ..policy.redact import redact_text
from .baseline import extra_vars_arguments
from .job import JOB_VARIABLE, DriftJob

__all__ = ["Execution", "RunOutcome", "ansible_playbook", "run_job"]

_TOKEN_VARIABLES = ("PRAXIS_APPROVAL", "PRAXIS_APPROVAL_FILE")
_ERROR_LINE = re.compile(r"^(?:\[ERROR\]|ERROR!|fatal:|failed:|\S+ \| (?:FAILED|UNREACHABLE))")


@dataclass(frozen=True, slots=True)
class Execution:
    """One task execution on one host, as the gated run recorded it in the spool."""

    host: str
    task_path: str
    task: str
    action: str
    verdict: str
    tier: str
    rule: str
    dry_run: bool
    status: str
    decision_id: str = ""
    digest: str | None = None
    summary: tuple[Mapping[str, Any], ...] = ()
    reason: str = ""
    message: str = ""
    approval_item: str | None = None
    approval_ref: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Execution:
        """ValueError for a record whose fields are not of their types (a damaged spool line, never guessed at)."""
        summary = record.get("summary") or []
        if not isinstance(summary, list) or not all(isinstance(c, dict) for c in summary):
            raise ValueError("its summary is not a list of objects")
        for name in ("digest", "approval_item", "approval_ref"):
            if record.get(name) is not None and not isinstance(record.get(name), str):
                raise ValueError(f"its {name} is not a string")
        return cls(
            host=str(record.get("host", "")),
            task_path=str(record.get("task_path", "")),
            task=str(record.get("task", "")),
            action=str(record.get("action", "")),
            verdict=str(record.get("verdict", "")),
            tier=str(record.get("tier", "")),
            rule=str(record.get("rule", "")),
            dry_run=bool(record.get("dry_run")),
            status=str(record.get("status", "")),
            decision_id=str(record.get("decision_id", "")),
            digest=record.get("digest"),
            summary=tuple(summary),
            reason=str(record.get("reason", "")),
            message=str(record.get("message", "")),
            approval_item=record.get("approval_item"),
            approval_ref=record.get("approval_ref"),
        )

    @property
    def allowed(self) -> bool:
        return self.verdict == "allowed"


@dataclass
class RunOutcome:
    """What one drift run did: ansible-playbook's exit status, the gate's run id, every execution, the problems."""

    returncode: int
    run_id: str | None
    executions: list[Execution] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def armed(self) -> bool:
        return self.run_id is not None


def ansible_playbook() -> str:
    """The ansible-playbook of this installation (beside this interpreter), else the first on PATH."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("ansible-playbook")
    if found is None:
        raise ConfigError("ansible-playbook is not installed here", hint="install ansible-core beside praxis-gate")
    return found


def run_job(
    settings: GateSettings,
    job: DriftJob,
    *,
    playbook: str,
    inventory: Sequence[str],
    limit: str | None,
    present_tokens: bool = False,
    token_file: Path | None = None,
    extra_vars: Sequence[str] = (),
    timeout: float = 3600.0,
) -> RunOutcome:
    """Run the baseline for ``job`` and collect its spool. The job's files are removed afterwards, whatever
    happens. Approval tokens reach the run only when ``present_tokens`` (an apply); the gate takes them out of its
    environment when it arms."""
    command = [ansible_playbook()]
    for source in inventory:
        command += ["-i", source]
    for value in extra_vars_arguments(extra_vars):
        command += ["-e", value]
    command += [playbook, "--check", "--diff"]
    if limit:
        command += ["--limit", limit]
    env = dict(os.environ)
    env.update(PRAXIS_GATE="enforce", PRAXIS_STATE_DIR=str(settings.state_dir), ANSIBLE_RETRY_FILES_ENABLED="False")
    env[JOB_VARIABLE] = job.job_id
    if not present_tokens:
        for name in _TOKEN_VARIABLES:
            env.pop(name, None)
    elif token_file is not None:
        env["PRAXIS_APPROVAL_FILE"] = str(Path(token_file).resolve())
    job.write(settings.state_dir)
    try:
        try:
            # stdin from /dev/null: ansible refuses a non-blocking one (an Ansible worker's, when the action runs it)
            completed = subprocess.run(command, cwd=os.path.dirname(playbook) or None, env=env, capture_output=True,
                                       stdin=subprocess.DEVNULL, text=True, errors="replace", timeout=timeout,
                                       check=False)  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise StateError(f"the drift run did not finish within {timeout:.0f} s", hint="raise --timeout") from exc
        except OSError as exc:
            raise StateError(f"cannot start {command[0]}: {exc}", hint="check the installation") from exc
        outcome = RunOutcome(completed.returncode, None)
        for record in job.read(settings.state_dir):
            kind = record.get("type")
            if kind == "armed":
                outcome.run_id = str(record.get("run_id", "")) or None
            elif kind == "execution":
                try:
                    outcome.executions.append(Execution.from_record(record))
                except ValueError as exc:
                    outcome.problems.append(f"the run left a malformed execution record in its spool: {exc}")
            else:
                outcome.problems.append(f"the run left a {kind} record in its spool")
    finally:
        job.remove(settings.state_dir)
    if not outcome.armed:
        outcome.problems.append(
            f"the gate did not arm in the ansible-playbook run (exit status {completed.returncode}), so nothing was "
            f"observed: {_output_excerpt(completed.stdout, completed.stderr)} (the gate arms from the pip-installed "
            "praxis-gatekeeper with PRAXIS_GATE=enforce)"
        )
    elif completed.returncode not in (0, 2, 4):
        outcome.problems.append(
            f"ansible-playbook exited with status {completed.returncode}: "
            + _output_excerpt(completed.stdout, completed.stderr)
        )
    return outcome


def _output_excerpt(stdout: str, stderr: str, *, lines: int = 6) -> str:
    """Error lines of ansible's output, else the end of its standard error (where no diff is printed), redacted
    and bounded; never the diffs it printed."""
    picked = [line for line in (stdout + "\n" + stderr).splitlines() if _ERROR_LINE.match(line.strip())]
    if not picked:
        picked = [line for line in stderr.splitlines() if line.strip() and "Warning" not in line][-3:]
    return " | ".join(redact_text(line.strip(), limit=300) for line in picked[-lines:]) or "no output"
