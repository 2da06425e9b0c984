# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a task's templated argument values came from, read from ansible-core's data tags (2.19 and later).

What the tags say, measured on 2.19 and 2.21: a value written verbatim in a playbook, vars file, inventory or ``-e``
carries ``TrustedAsTemplate``; a value computed at run time (a filter, a concatenation, a lookup) loses it;
registered results and gathered facts carry no tag at all; a vault-decrypted value carries ``VaultedValue`` (or
``SourceWasEncrypted`` for a whole encrypted file). So "lacks the trust tag" says *computed*, not yet *from a host*:
``"{{ base }}/x"`` and ``"{{ result.stdout }}"`` look alike. To tell them apart, the raw template of each computed
argument (snapshotted before ansible-core templates the task) is parsed, and every variable it reads is judged by
its own value: a variable whose value holds text without the trust tag (a registered result, a fact, a ``set_fact``
computed at run time), ``hostvars``, ``vars``, ``ansible_facts`` and lookups that can reach them count as host
output; a variable that is itself a trusted template is followed (bounded). Anything that cannot be read rounds up.

Used for agent sessions only (agents/seam.py holds an actuation with host-derived arguments for a human).

Security constraints: SEC-4 (docs/security-constraints.yml).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from ansible._internal._datatag._tags import SourceWasEncrypted, TrustedAsTemplate, VaultedValue
from ansible.module_utils._internal._datatag import AnsibleTagHelper
from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateError

from ..core.models import Provenance
from ..core.templating import overrides_delimiters, possibly_template
from ..policy._modules import canonical_action

__all__ = ["read_provenance"]

_MAX_STRINGS = 500
_MAX_DEPTH = 8
_MAX_FOLLOW = 6
# Variables that reach every host's data (or any variable) by name at run time.
_DYNAMIC = frozenset({"hostvars", "vars", "ansible_facts"})
# Ansible's own variables: computed, so untagged, but never host output.
_MAGIC = frozenset(
    {
        "inventory_hostname", "inventory_hostname_short", "inventory_dir", "inventory_file", "groups", "group_names",
        "omit", "playbook_dir", "play_hosts", "role_name", "role_path", "role_names", "ansible_play_hosts",
        "ansible_play_hosts_all", "ansible_play_batch", "ansible_play_name", "ansible_play_role_names",
        "ansible_role_names", "ansible_dependent_role_names", "ansible_parent_role_names", "ansible_parent_role_paths",
        "ansible_check_mode", "ansible_diff_mode", "ansible_forks", "ansible_limit", "ansible_run_tags",
        "ansible_skip_tags", "ansible_verbosity", "ansible_version", "ansible_config_file", "ansible_playbook_python",
        "ansible_collection_name", "ansible_search_path", "ansible_inventory_sources", "ansible_loop_var",
        "ansible_index_var", "ansible_loop", "ansible_role_name", "environment",
    }
)  # fmt: skip
# Lookups that read only the controller's own configuration, files or their literal terms: not host output.
_PURE_LOOKUPS = frozenset(
    {
        "ansible.builtin.env", "ansible.builtin.config", "ansible.builtin.file", "ansible.builtin.fileglob",
        "ansible.builtin.first_found", "ansible.builtin.items", "ansible.builtin.indexed_items",
        "ansible.builtin.list", "ansible.builtin.dict", "ansible.builtin.together", "ansible.builtin.nested",
        "ansible.builtin.sequence", "ansible.builtin.subelements", "ansible.builtin.random_choice",
    }
)  # fmt: skip
_LOOKUP_CALLS = frozenset({"lookup", "query", "q"})
_ENV = Environment(autoescape=False)  # noqa: S701 - parsed, never rendered


def read_provenance(args: Mapping[str, Any], raw_args: Mapping[str, Any] | None, variables: Any) -> Provenance:
    """The provenance of ``args`` (templated), given the task's ``raw_args`` (before templating; None when they
    were not captured) and the task's variables (raw, as ansible-core holds them)."""
    computed: list[str] = []
    derived: list[str] = []
    vaulted: list[str] = []
    for path, value, raw in _walk(args, raw_args):
        if value is _BOUND:  # more, or deeper, than the gate reads: round up
            computed.append(path)
            derived.append(path)
            continue
        tags = AnsibleTagHelper.tags(value)
        if any(isinstance(tag, VaultedValue | SourceWasEncrypted) for tag in tags):
            vaulted.append(path)
        if any(isinstance(tag, TrustedAsTemplate) for tag in tags):
            continue
        computed.append(path)
        if raw is _MISSING or (isinstance(raw, str) and _reads_host_output(raw, variables, 0)):
            derived.append(path)
    return Provenance(tuple(computed), tuple(derived), tuple(vaulted))


class _Missing:
    pass


_MISSING: Any = _Missing()
_BOUND: Any = _Missing()


def _walk(value: Any, raw: Any, path: str = "", depth: int = 0, budget: list[int] | None = None) -> Iterator[
    tuple[str, str, Any]
]:  # fmt: skip
    """(path, templated string, the raw value it came from) for every string, bounded. A raw template string that
    rendered into a structure stands for every string inside it."""
    budget = budget if budget is not None else [_MAX_STRINGS]
    if budget[0] <= 0 or depth > _MAX_DEPTH:
        if budget[0] > -1:
            budget[0] = -1  # said once
            yield f"{path or '<args>'}<beyond what the gate reads>", _BOUND, _MISSING
        return
    if isinstance(value, str):
        budget[0] -= 1
        yield path or "<args>", value, raw
        return
    inner_raw = raw if isinstance(raw, str) else None
    if isinstance(value, Mapping):
        for key, sub in value.items():
            sub_raw = inner_raw if inner_raw is not None else (raw.get(key, _MISSING) if isinstance(raw, Mapping)
                                                               else _MISSING)  # fmt: skip
            yield from _walk(sub, sub_raw, f"{path}.{key}" if path else str(key), depth + 1, budget)
    elif isinstance(value, list | tuple):
        for index, sub in enumerate(value):
            if inner_raw is not None:
                sub_raw = inner_raw
            elif isinstance(raw, list | tuple) and index < len(raw):
                sub_raw = raw[index]
            else:
                sub_raw = _MISSING
            yield from _walk(sub, sub_raw, f"{path}[{index}]", depth + 1, budget)


def _reads_host_output(template: str, variables: Any, depth: int) -> bool:
    """Whether rendering ``template`` can read host output. A template whose override header may change its
    delimiters (``#jinja2:variable_start_string:'[['``) is not read with Jinja's defaults: it rounds up."""
    if not possibly_template(template):
        return False
    if depth > _MAX_FOLLOW or overrides_delimiters(template):
        return True
    parsed = _references(str(template))
    if parsed is None:
        return True  # cannot be read: round up
    names, lookups_pure = parsed
    if not lookups_pure or names & _DYNAMIC:
        return True
    for name in names - _MAGIC:
        try:
            if name in variables and _holds_host_output(variables[name], variables, depth):
                return True
        except Exception:  # a variable that cannot be read is a variable that cannot be vouched for
            return True
    return False


def _holds_host_output(value: Any, variables: Any, depth: int) -> bool:
    budget = [200]
    for _unused1, text, _unused2 in _walk(value, None, budget=budget):
        tags = AnsibleTagHelper.tags(text)
        if not any(isinstance(tag, TrustedAsTemplate) for tag in tags):
            return True
        if _reads_host_output(text, variables, depth + 1):
            return True
    return budget[0] <= 0  # too large to read through: round up


@functools.lru_cache(maxsize=4096)
def _references(template: str) -> tuple[frozenset[str], bool] | None:
    """(variables the template reads, whether every lookup in it is pure), or None when it does not parse."""
    try:
        tree = _ENV.parse(template)
    except (TemplateError, RecursionError, ValueError):
        return None
    names: set[str] = set()
    pure = True
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load":
            names.add(node.name)
    for call in tree.find_all(nodes.Call):
        callee = call.node
        if isinstance(callee, nodes.Name) and callee.name in _LOOKUP_CALLS:
            first = call.args[0] if call.args else None
            plugin = first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else ""
            if canonical_action(plugin) not in _PURE_LOOKUPS:
                pure = False
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    return frozenset(names - assigned - _LOOKUP_CALLS), pure
