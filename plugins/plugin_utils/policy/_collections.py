# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. Destructive states of modules from any collection.

The built-in table (``_modules``) knows ansible-core and a few collections. A module it does not know is at least
T2; what makes one irreversible is usually the value of ``state`` or of an option playing its part (``command``,
``action``, ``mode``, ``power_state``, ``reset_type``): ``terminated``, ``absent``, ``PowerForceOff``, ``undefine``,
``delete``. Those values are read here as words (``PowerForceOff`` is power, force, off; ``delete_snapshot`` is
delete, snapshot), and a word that destroys, wipes, resets, powers off, purges, uninstalls or drops makes the task
T3, whatever the collection. ``MODULES`` names the common cloud, container, database, virtualisation and BMC modules
whose values mean more than their words (``stopped`` powers off an instance but only stops a service; a Pod deleted
through ``kubernetes.core.k8s`` is recreated by its controller, a Namespace is not), modules that are destructive
whatever their state, and the modules whose arguments carry SQL or PowerShell, which the readers of those languages
judge.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.models import Tier
from . import _lifecycle, _pwsh, _sql

__all__ = ["COLLECTIONS_DATA", "MODULES", "deny_findings", "state_tier"]

Verdict = tuple[Tier, str]

# Options that play the part of ``state``.
STATE_OPTIONS = ("state", "command", "commands", "action", "mode", "operation", "power_state", "reset_type", "status")
# Words of a value that destroy (as a whole value, or as one word of it).
DESTRUCTIVE_WORDS = frozenset(
    [
        "absent",
        "terminate",
        "terminated",
        "delete",
        "deleted",
        "destroy",
        "destroyed",
        "wipe",
        "wiped",
        "purge",
        "purged",
        "off",
        "poweroff",
        "poweredoff",
        "shutdown",
        "shutdownguest",
        "undefine",
        "undefined",
        "remove",
        "removed",
        "flush",
        "flushed",
        "drop",
        "dropped",
        "truncate",
        "truncated",
        "reset",
        "reboot",
        "rebooted",
        "rebootguest",
        "uninstall",
        "uninstalled",
        "erase",
        "erased",
        "deregister",
        "deregistered",
        "unregister",
        "unregistered",
        "deallocate",
        "deallocated",
        "decommission",
        "decommissioned",
        "forceoff",
        "delobj",
        "powercycle",
        "forcerestart",
        "hardreset",
        "coldreset",
    ]
)
# Whole values (separators removed) that destroy although none of their words does alone.
_DESTRUCTIVE_VALUES = frozenset({"powerforcerestart", "powerforceoff", "forcerestart", "resettodefaults"})
_WORD_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")

_VM_STATES = {
    "stopped": 3,
    "restarted": 3,
    "rebooted": 3,
    "poweredoff": 3,
    "powered-off": 3,
    "shutdownguest": 3,
    "rebootguest": 3,
    "suspended": 2,
    "running": 2,
    "started": 2,
    "present": 2,
    "poweredon": 2,
    "powered-on": 2,
}
# module -> {"states": {value: tier} for its state options, "always": (tier, why), "sql": option names,
# "pwsh": option names, "kube": True (state=absent judged by kind)}
MODULES: Mapping[str, Mapping[str, Any]] = {
    # cloud
    "amazon.aws.ec2_instance": {"states": {**_VM_STATES, "terminated": 3, "absent": 3}},
    "amazon.aws.ec2_vol": {"states": {"absent": 3}},
    "amazon.aws.s3_object": {"states": {"delete": 3, "delobj": 3, "put": 2, "get": 0, "list": 0, "create": 2}},
    "amazon.aws.s3_bucket": {"states": {"absent": 3}},
    "amazon.aws.rds_instance": {"states": {**_VM_STATES, "absent": 3, "terminated": 3, "deleted": 3}},
    "amazon.aws.cloudformation": {"states": {"absent": 3}},
    "google.cloud.gcp_compute_instance": {"states": {"absent": 3}},
    "azure.azcollection.azure_rm_virtualmachine": {"states": {"absent": 3}},
    "azure.azcollection.azure_rm_resourcegroup": {"states": {"absent": 3}},
    "openstack.cloud.server": {"states": {"absent": 3}},
    "openstack.cloud.server_action": {
        "states": {**_VM_STATES, "stop": 3, "reboot": 3, "rebuild": 3, "shelve": 2, "start": 2, "pause": 2, "resume": 2}
    },
    "community.general.terraform": {"states": {"absent": 3, "planned": 0, "present": 2}},
    # containers and clusters
    "community.docker.docker_prune": {"always": (3, "docker_prune deletes everything unused")},
    "community.docker.docker_volume": {"states": {"absent": 3}},
    "community.docker.docker_container": {"states": {"absent": 2, "stopped": 2, "started": 2, "present": 2}},
    "community.docker.docker_image": {"states": {"absent": 2}},
    "community.docker.docker_compose_v2": {"states": {"absent": 2}, "raise": {"remove_volumes": 3}},
    "containers.podman.podman_volume": {"states": {"absent": 3}},
    "containers.podman.podman_container": {"states": {"absent": 2, "stopped": 2}},
    "kubernetes.core.k8s": {"kube": True},
    "kubernetes.core.helm": {"states": {"absent": 3}},
    # databases
    "community.postgresql.postgresql_db": {"states": {"absent": 3, "restore": 3, "dump": 0, "present": 2}},
    "community.postgresql.postgresql_query": {"sql": ("query",), "dialect": "postgres"},
    "community.postgresql.postgresql_user": {"states": {"absent": 3}},
    "community.mysql.mysql_db": {"states": {"absent": 3, "import": 3, "dump": 0, "present": 2}},
    "community.mysql.mysql_query": {"sql": ("query",), "dialect": "mysql"},
    "community.mysql.mysql_user": {"states": {"absent": 3}},
    "community.mongodb.mongodb_shell": {"mongo": ("eval",)},
    # virtualisation
    "community.libvirt.virt": {
        "states": {"destroyed": 3, "shutdown": 3, "undefined": 3, "running": 2, "paused": 2, "present": 2}
    },
    "community.vmware.vmware_guest": {"states": {**_VM_STATES, "absent": 3}},
    "community.vmware.vmware_guest_powerstate": {"states": {**_VM_STATES, "reset": 3}},
    "community.general.proxmox_kvm": {"states": {**_VM_STATES, "absent": 3}},
    "community.general.proxmox": {"states": {**_VM_STATES, "absent": 3}},
    # BMC
    "community.general.ipmi_power": {"states": {"on": 2, "off": 3, "shutdown": 3, "reset": 3, "boot": 3}},
    "community.general.redfish_command": {"states": {"poweron": 2}},
    "dellemc.openmanage.redfish_powerstate": {"states": {"on": 2}},
    "dellemc.openmanage.idrac_reset": {"always": (3, "resets the iDRAC")},
    # Windows
    "ansible.windows.win_shell": {"pwsh": ("_raw_params", "cmd")},
    "ansible.windows.win_powershell": {"pwsh": ("script",)},
    "ansible.windows.win_command": {"windows": ("_raw_params", "cmd", "argv")},
}


def _value_words(value: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.findall(value)]


def _destroys(value: str) -> bool:
    lower = value.lower()
    if lower in DESTRUCTIVE_WORDS or re.sub(r"[^a-z0-9]", "", lower) in _DESTRUCTIVE_VALUES:
        return True
    return any(word in DESTRUCTIVE_WORDS for word in _value_words(value))


def _state_values(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for option in STATE_OPTIONS:
        value = args.get(option)
        values = value if isinstance(value, list | tuple) else [value]
        found.extend((option, v) for v in values[:64] if isinstance(v, str) and v)
    return found


def state_tier(action: str, args: Mapping[str, Any], *, builtin: bool) -> Verdict | None:
    """The tier the module's state (or equivalent option) or its code calls for, with the reason, or None when
    nothing here applies. ``builtin``: the module is in the built-in table, whose own ``state`` rules stand; only
    its code options are read here."""
    spec = MODULES.get(action)
    if spec is None:
        if builtin:
            return None
        for option, value in _state_values(args):
            if _destroys(value):
                return Tier.T3, f"{option}={value[:40]} destroys (a module the gate has no table for)"
        return None
    worst: Verdict | None = None

    def consider(verdict: Verdict | None) -> None:
        nonlocal worst
        if verdict is not None and (worst is None or verdict[0] > worst[0]):
            worst = verdict

    if "always" in spec:
        tier, why = spec["always"]
        consider((Tier(tier), why))
    states = spec.get("states", {})
    for option, value in _state_values(args):
        lower = value.lower()
        if spec.get("kube") and option == "state":
            continue  # judged by kind below
        if lower in states:
            consider((Tier(states[lower]), f"{option}={value[:40]}"))
        elif _destroys(value):
            consider((Tier.T3, f"{option}={value[:40]} destroys"))
    for option, tier in spec.get("raise", {}).items():
        if str(args.get(option, "")).lower() in ("true", "yes", "1", "on", "always", "all"):
            consider((Tier(tier), f"{option}={args.get(option)}"))
    if spec.get("kube") and str(args.get("state", "")).lower() == "absent":
        kind = args.get("kind")
        if isinstance(kind, str) and kind:
            tier, name = _lifecycle.kube_kind_tier(kind)
            consider((Tier(tier), f"state=absent deletes {name}" + (" (irreversible)" if tier == 3 else "")))
        else:
            consider((Tier.T3, "state=absent of resources whose kind the task does not name"))
    for option in spec.get("sql", ()):
        for text in _texts(args.get(option)):
            consider(_sql.classify_sql(text, spec.get("dialect", "")))
    for option in spec.get("mongo", ()):
        for text in _texts(args.get(option)):
            consider(_sql.classify_mongo("mongosh", ["--eval", text], None, ""))
    for option in spec.get("pwsh", ()):
        for text in _texts(args.get(option)):
            executable = str(args.get("executable", "")).lower()
            if executable and "powershell" not in executable and "pwsh" not in executable:
                words = text.split()
                consider(_pwsh.classify_windows_command("cmd", ["/c", *words]))
            else:
                consider(_pwsh.classify_script(text))
    for option in spec.get("windows", ()):
        given = args.get(option)
        words = [str(w) for w in given] if isinstance(given, list | tuple) else str(given or "").split()
        if words:
            consider(_pwsh.classify_windows_command(words[0], words[1:]))
    return worst


def deny_findings(action: str, args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Deny-class effects of the modules whose arguments are PowerShell or a Windows command line (``win_shell``,
    ``win_powershell``, ``win_command``): the deny classes read in those languages (policy._pwsh)."""
    spec = MODULES.get(action)
    if spec is None:
        return []
    found: list[tuple[str, str]] = []
    for option in spec.get("pwsh", ()):
        for text in _texts(args.get(option)):
            executable = str(args.get("executable", "")).lower()
            if executable and "powershell" not in executable and "pwsh" not in executable:
                found.extend(_pwsh.deny_windows_command("cmd", ["/c", *text.split()]))
            else:
                found.extend(_pwsh.deny_script(text))
    for option in spec.get("windows", ()):
        given = args.get(option)
        words = [str(w) for w in given] if isinstance(given, list | tuple) else str(given or "").split()
        if words:
            found.extend(_pwsh.deny_windows_command(words[0], words[1:]))
    return found[:16]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


COLLECTIONS_DATA: Mapping[str, object] = {
    "state_options": list(STATE_OPTIONS),
    "destructive_words": sorted(DESTRUCTIVE_WORDS),
    "destructive_values": sorted(_DESTRUCTIVE_VALUES),
    "word_split": _WORD_SPLIT.pattern,
    "modules": {
        name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(spec.items())}
        for name, spec in sorted(MODULES.items())
    },
}
