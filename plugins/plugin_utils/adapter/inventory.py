# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where an inventory-only variable's value came from: the operator's inventory, or somewhere a playbook reaches.

Some variables decide how a host may be reached at all: ``praxis_host_type`` (a Talos node is never reached over
SSH), and a Talos host's node selection (``ansible_host``, ``praxis_talos_endpoints``, ``praxis_talos_context``,
``praxis_talosconfig``), which names the machine an irreversible ``talosctl reset`` lands on. Those belong to the
operator's inventory (docs/threat-model.md). A value is the inventory's only when all of these hold:

1. the variable is not in extra vars (``-e``, ansible-runner's and AWX's extravars);
2. it is not in the host's runtime layers: ``set_fact`` and ``register`` results, facts (cacheable ``set_fact``
   included), ``include_vars``. Values there are computed by the run; a template that copies another inventory
   variable keeps that variable's origin tag, so only the layer tells where the assignment came from;
3. ``add_host`` did not create the host or change the variable since the inventory was loaded (the snapshot taken
   when the variable manager is built; with callback-only arming there is none and only 1, 2 and 4 apply);
4. the value's data tag (ansible-core 2.19+ ``Origin``) points into an inventory source: the inventory file, a
   file inside an inventory directory, the ``group_vars``/``host_vars`` beside an inventory file, or the output of
   an inventory plugin or script run on a source. A value without an origin, or with a playbook's, a role's, a
   ``vars_files``' or the playbook directory's ``group_vars``, is not the inventory's.

Uses ansible-core's ``_internal`` data-tagging API (present in 2.19 and 2.21; the hook table pins the range).

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ansible._internal._datatag._tags import Origin

__all__ = [
    "HOST_TYPE_VARIABLE",
    "TALOS_SELECTION",
    "inventory_sources",
    "snapshot",
    "target_host_type",
    "untrusted_source",
]

HOST_TYPE_VARIABLE = "praxis_host_type"
TALOS_SELECTION = ("ansible_host", "praxis_talos_endpoints", "praxis_talos_context", "praxis_talosconfig")
_WATCHED = (HOST_TYPE_VARIABLE, *TALOS_SELECTION)
_MISSING = object()
# Origin descriptions ansible-core gives values an inventory plugin or script produced (inventory/manager.py,
# plugins/inventory/script.py), with the source they ran on.
_PLUGIN_ORIGIN = re.compile(r"^<inventory plugin .* with source (?P<source>'.*'|\".*\")>$", re.DOTALL)
_SCRIPT_ORIGIN = re.compile(r"^<inventory script output from (?P<source>'.*'|\".*\")>$", re.DOTALL)

# the origin ansible-core 2.21 gives the ansible_host it fills in from the inventory host name
_FILLED_IN_ORIGIN = "<Config var: inventory_hostname>"

# host name -> {variable: the value object add_host would replace}, taken when the inventory is loaded; None until
# then (this process's, inherited by the workers forked later)
_SNAPSHOT: list[dict[str, dict[str, Any]] | None] = [None]


def snapshot(inventory: Any) -> None:
    """Remember each inventory host's watched variables as loaded: a later ``add_host`` shows as a change."""
    hosts = getattr(inventory, "hosts", None)
    if not isinstance(hosts, Mapping):
        return
    _SNAPSHOT[0] = {
        str(name): {var: host.vars[var] for var in _WATCHED if var in getattr(host, "vars", {})}
        for name, host in hosts.items()
    }


def inventory_sources(manager: Any) -> tuple[str, ...]:
    """The real paths of the inventory sources that exist (host lists such as ``a,b,`` name no file)."""
    inventory = getattr(manager, "_inventory", None)
    sources = getattr(inventory, "_sources", None) or ()
    found: list[str] = []
    for source in sources if isinstance(sources, list | tuple) else (sources,):
        text = os.path.expanduser(str(source))
        if os.path.exists(text):
            found.append(os.path.realpath(text))
    return tuple(dict.fromkeys(found))


def untrusted_source(name: str, raw: Any, *, host: Any, manager: Any, sources: Iterable[str]) -> str | None:
    """None when ``raw`` (the variable's value as the task sees it, untemplated) is the operator's inventory's;
    otherwise where it came from, for the refusal."""
    return _assigned_by_the_run(name, host=host, manager=manager) or _untrusted_origin(name, raw, tuple(sources))


def _assigned_by_the_run(name: str, *, host: Any, manager: Any) -> str | None:
    """Where the run itself assigned ``name`` (extra vars, set_fact/register, include_vars, facts, add_host); None
    when it did not. Checked before any origin tag: a template copying an inventory value keeps that value's tag."""
    host_name = str(getattr(host, "name", ""))
    if manager is not None:
        if name in (getattr(manager, "_extra_vars", None) or {}):
            return f"{name} is set in extra vars (-e)"
        for layer, label in (("_nonpersistent_fact_cache", "set_fact or register"), ("_vars_cache", "include_vars")):
            cache = getattr(manager, layer, None) or {}
            if name in (cache.get(host_name) or {}):
                return f"{name} is set by {label}"
        facts = getattr(manager, "_fact_cache", None)
        try:
            cached = facts.get(host_name) if facts is not None else None
        except KeyError:  # cache plugins raise KeyError for a host without facts (ansible's own get_vars expects it)
            cached = None
        except Exception:  # a fact cache plugin that cannot answer cannot vouch either
            return f"{name} could not be checked against the fact cache"
        if isinstance(cached, Mapping) and name in cached:
            return f"{name} is set as a fact"
    taken = _SNAPSHOT[0]
    if taken is not None and host is not None:
        known = taken.get(host_name)
        current = getattr(host, "vars", {}).get(name, _MISSING)
        if known is None and current is not _MISSING:
            return f"{name} is set by add_host (the host is not in the inventory)"
        if known is not None and current is not _MISSING and current is not known.get(name, _MISSING):
            return f"{name} was changed by add_host"
    return None


def _untrusted_origin(name: str, raw: Any, sources: tuple[str, ...]) -> str | None:
    origin = Origin.get_tag(raw)
    if origin is None:
        return f"{name} has no recorded origin (computed, or set where the inventory cannot be told apart)"
    if origin.path:
        path = os.path.realpath(str(origin.path))
        if any(_inside_inventory(path, source) for source in sources):
            return None
        return f"{name} is set in {_shown(str(origin.path))} (not an inventory source)"
    description = str(origin.description or "")
    match = _PLUGIN_ORIGIN.match(description) or _SCRIPT_ORIGIN.match(description)
    if match is not None:
        try:
            source = os.path.realpath(os.path.expanduser(str(ast.literal_eval(match.group("source")))))
        except (ValueError, SyntaxError):
            source = ""
        if source and source in sources:
            return None
    return f"{name} is set by {_shown(description) or 'an unknown source'}"


def _inside_inventory(path: str, source: str) -> bool:
    """``path`` is the source itself, a file inside a source directory, or a file in the group_vars/host_vars beside
    a source file."""
    if path == source:
        return True
    base = source if os.path.isdir(source) else os.path.dirname(source)
    if os.path.isdir(source) and path.startswith(base.rstrip("/") + "/"):
        return True
    return any(path.startswith(os.path.join(base, folder) + "/") for folder in ("group_vars", "host_vars"))


def _shown(text: str) -> str:
    return text if len(text) <= 120 else "..." + text[-117:]


def target_host_type(
    job_vars: Mapping[str, Any] | None,
    *,
    host: Any,
    delegate_to: str | None,
    manager: Any,
    templar: Any,
) -> tuple[str, tuple[str, ...]]:
    """(host type, problems) of the host a task lands on: the delegate's when delegated, else the task's host.

    ``job_vars`` are the task's variables (``TaskExecutor._job_vars``, the ambient task context from 2.21): what the
    inventory, the play and the run set, with their data tags. A Talos host's node selection is checked
    with the host type: those variables pick the node an irreversible call lands on."""
    variables: Mapping[str, Any] = job_vars or {}
    target = host
    if delegate_to:
        delegated = variables.get("ansible_delegated_vars") or {}
        variables = delegated.get(delegate_to) or {}
        inventory = getattr(manager, "_inventory", None)
        target = inventory.get_host(delegate_to) if inventory is not None else None
    sources = inventory_sources(manager)
    problems: list[str] = []
    raw = variables.get(HOST_TYPE_VARIABLE, _MISSING)
    host_type = "linux"
    if raw is not _MISSING:
        problem = untrusted_source(HOST_TYPE_VARIABLE, raw, host=target, manager=manager, sources=sources)
        if problem:
            problems.append(problem)
        value = templar.template(raw) if isinstance(raw, str) else raw
        host_type = str(value) if value not in (None, "") else "linux"
    if host_type.strip().lower() == "talos":
        for name in TALOS_SELECTION:
            if name not in variables:
                continue
            if _synthesised_address(name, variables[name], target):
                problem = _assigned_by_the_run(name, host=target, manager=manager)
            else:
                problem = untrusted_source(name, variables[name], host=target, manager=manager, sources=sources)
            if problem:
                problems.append(problem)
    return host_type, tuple(problems)


def _synthesised_address(name: str, raw: Any, host: Any) -> bool:
    """ansible-core fills in ``ansible_host`` from the connection's default, the inventory's host name, when nothing
    set it: 2.21 does so before the gate sees the variables and tags the value ``<Config var: inventory_hostname>``;
    2.19 leaves it untagged. Only such a value counts as filled in (the caller still refuses one the run assigned,
    such as ``set_fact: ansible_host="{{ inventory_hostname }}"``); the same name written in a play or vars file
    carries that file's origin and is checked like any other node selection, since it would replace the
    inventory's address."""
    if name != "ansible_host" or not isinstance(raw, str) or raw != str(getattr(host, "name", "")):
        return False
    origin = Origin.get_tag(raw)
    return origin is None or (not origin.path and str(origin.description or "") == _FILLED_IN_ORIGIN)
