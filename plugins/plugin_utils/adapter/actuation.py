# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue of the actuation plugins: praxis.gatekeeper.ssh's checks before every command, and the
praxis.gatekeeper.talos action's run of exactly the talosctl call the gate allowed.

Why here and not in the plugins: both need the gate's state (the allowed decision executing in this worker, the
operator's settings, the emergency stop) and the runner's rules (the connection-option allowlist, the talosctl
plan); a plugin that reached for those itself would be logic in the wrong room.

Security constraints: SEC-5, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleConnectionFailure

from ..core import killswitch
from ..core.errors import GatekeeperError
from ..core.gate import Gate
from ..core.models import normalise_host_type
from ..core.settings import GateSettings, load_settings
from ..policy import _connopts, _talos
from ..policy._modules import canonical_action
from ..policy.redact import redact_text, truncate
from ..talos import plan as talos_plan
from ..talos.process import Completed
from . import hooks
from .requests import SECRET_OPTIONS, read_option

__all__ = ["SSH_CONNECT_TIMEOUT_MAX", "harden_ssh_command", "run_talos_task", "ssh_hardening"]

SSH_CONNECT_TIMEOUT_MAX = 60  # seconds: an unreachable host must not hold a worker (and the run) for long
_SSH_CONNECT_TIMEOUT_DEFAULT = 10


class SshRefused(AnsibleConnectionFailure):  # type: ignore[misc]  # ansible-core ships no type information
    """praxis.gatekeeper.ssh did not start ssh: the target or its options are unsafe, or the emergency stop tripped."""


# ---------------------------------------------------------------------------------------------------- ssh
def _settings() -> GateSettings:
    gate = hooks.armed()
    if gate is not None:
        return gate.settings
    try:
        return load_settings()
    except GatekeeperError as exc:
        raise SshRefused(f"praxis.gatekeeper.ssh refused: the operator settings cannot be read: {exc}") from exc


def ssh_hardening(connection: Any) -> list[str]:
    """Check one ssh/scp/sftp command before it starts (raises SshRefused) and return the options that come first
    on its command line. ssh keeps the first value it reads for each option, so these win over anything a play,
    an inventory or ``ssh_args`` adds later."""
    settings = _settings()
    if killswitch.is_tripped(settings.killswitch_path):
        raise SshRefused(f"praxis.gatekeeper.ssh refused: {killswitch.status(settings.killswitch_path).describe()}")
    play_context = getattr(connection, "_play_context", None)
    hosts = {read_option(connection, "host"), getattr(play_context, "remote_addr", None),
             getattr(connection, "host", None)} - {None, ""}  # fmt: skip
    problems = [
        problem
        for host in sorted(map(str, hosts)) or [""]
        for problem in _connopts.target_problems(
            host, read_option(connection, "port"), read_option(connection, "remote_user")
        )
    ]
    host_types = {normalise_host_type(read_option(connection, "host_type") or "linux")}
    gate = hooks.armed()
    active = gate.active if gate is not None else None
    if active is not None:
        host_types.add(active.host_type)
    if "talos" in host_types:
        problems.append("the target is a Talos node (praxis_host_type: talos), which is never reached over SSH; use "
                        "the praxis.gatekeeper.talosctl connection and the praxis.gatekeeper.talos module")  # fmt: skip
    options = {k: v for k, v in connection.get_options().items() if k not in SECRET_OPTIONS}
    findings = _connopts.connection_findings(connection=_connopts.GATEKEEPER_SSH, host_type="linux", options=options)
    problems.extend(f.reason for f in findings)
    if problems:
        raise SshRefused("praxis.gatekeeper.ssh refused: " + "; ".join(dict.fromkeys(problems))[:900])
    host = str(read_option(connection, "host") or getattr(play_context, "remote_addr", "") or "")
    accept_new = any(fnmatch.fnmatchcase(host, pattern) for pattern in settings.ssh_accept_new)
    hardening = [
        "-o", "BatchMode=yes",
        "-o", f"StrictHostKeyChecking={'accept-new' if accept_new else 'yes'}",
        "-o", f"ConnectTimeout={_connect_timeout(read_option(connection, 'timeout'))}",
        "-o", "UpdateHostKeys=no",
        "-o", "PermitLocalCommand=no",
    ]  # fmt: skip
    if settings.ssh_known_hosts is not None:
        hardening += ["-o", f'UserKnownHostsFile="{settings.ssh_known_hosts}"', "-o", "GlobalKnownHostsFile=/dev/null"]
    return hardening


def _connect_timeout(value: Any) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return _SSH_CONNECT_TIMEOUT_DEFAULT
    return min(seconds, SSH_CONNECT_TIMEOUT_MAX) if seconds > 0 else _SSH_CONNECT_TIMEOUT_DEFAULT


def harden_ssh_command(command: list[bytes], binary: str, hardening: list[str]) -> list[bytes]:
    """``command`` with ``hardening`` right after the ssh/scp/sftp program (after sshpass, when there is one)."""
    program = binary.encode("utf-8", errors="surrogateescape")
    index = command.index(program) + 1 if program in command else 1
    return [*command[:index], *(word.encode() for word in hardening), *command[index:]]


# ---------------------------------------------------------------------------------------------------- talos
def run_talos_task(*, timeout: int) -> dict[str, Any]:
    """Run the talosctl call of the ``praxis.gatekeeper.talos`` task the gate allowed in this worker, and return
    the task result. Refusals come back as a failed result that says why; GateRefusal without an allowed task."""
    decision, request = hooks.active_task()
    if canonical_action(request.action) != _talos.MODULE:
        raise hooks.GateRefusal("praxis.gatekeeper refused: the allowed task is not a praxis.gatekeeper.talos task")
    gate = hooks.armed()
    if gate is None:  # active_task raised otherwise
        raise hooks.GateRefusal("praxis.gatekeeper refused: the gate is not armed in this process")
    words = request.args.get("command")
    try:
        target = _talos_target(request.connection_options)
        planned = talos_plan.plan(
            list(words) if isinstance(words, list | tuple) else [], target=target, check_mode=request.check_mode,
            settings=gate.settings,
        )  # fmt: skip
    except GatekeeperError as exc:
        return {"failed": True, "changed": False, "msg": exc.diagnostics()}
    base: dict[str, Any] = {"cmd": list(planned.argv), "tier": str(planned.tier), "dry_run": planned.dry_run,
                            "sensitive": decision.sensitive, "host_type": decision.host_type}  # fmt: skip
    if not planned.runs:
        return {**base, "skipped": True, "changed": False, "msg": planned.skip}
    stopped = gate.settings.killswitch_path
    try:
        completed = talos_plan.execute(
            planned, settings=gate.settings, timeout=timeout, stop=lambda: killswitch.is_tripped(stopped)
        )
    except (OSError, ValueError) as exc:
        return {**base, "failed": True, "changed": False, "msg": f"talosctl could not be started: {exc}"}
    return {**base, **_talos_result(planned, completed, gate)}


def _talos_target(options: Mapping[str, Any]) -> talos_plan.Target:
    host = options.get("host")
    if not isinstance(host, str) or not host.strip():
        raise talos_plan.TalosRefused("talosctl refused: the inventory gives this Talos host no node address",
                                      hint="set ansible_host for the host in the inventory")  # fmt: skip
    endpoints = options.get("endpoints") or ()
    listed = endpoints if isinstance(endpoints, list | tuple) else str(endpoints).split(",")
    return talos_plan.Target(
        node=host, endpoints=tuple(str(e).strip() for e in listed if str(e).strip()),
        context=str(options["context"]) if options.get("context") else None,
        talosconfig=str(options["talosconfig"]) if options.get("talosconfig") else None,
    )  # fmt: skip


def _talos_result(planned: talos_plan.Plan, completed: Completed, gate: Gate) -> dict[str, Any]:
    stdout = completed.stdout.decode("utf-8", errors="replace")
    stderr = completed.stderr.decode("utf-8", errors="replace")
    result: dict[str, Any] = {
        "rc": completed.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "stdout_lines": stdout.splitlines(),
        "stderr_lines": stderr.splitlines(),
        "outputs": [str(path) for path in planned.outputs],
        "truncated": completed.truncated,
        "changed": completed.returncode == 0 and planned.tier > 0 and not planned.dry_run,
    }
    if completed.ended != "exited":
        why = (
            "the emergency stop tripped"
            if completed.ended == "stopped"
            else f"it ran longer than {completed.seconds:.0f} s (the task's timeout or PRAXIS_TALOS_TIMEOUT)"
        )
        verb = " ".join(planned.call.words) or "?"
        gate.record_event("process-killed", durable=True, program="talosctl", verb=truncate(verb, 60), reason=why,
                          seconds=round(completed.seconds, 3))  # fmt: skip
        result.update(failed=True, changed=False, msg=f"praxis.gatekeeper killed talosctl and its process group: {why}")
    elif completed.returncode != 0:
        result.update(failed=True, msg=f"talosctl exited with {completed.returncode}: "
                                       f"{redact_text(stderr.strip()[-300:], limit=300)}")  # fmt: skip
    return result
