# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hook table is checked against the ansible-core in use, and arming refuses what it cannot hook.

Nothing here arms the gate: resolving the table imports ansible-core's classes but patches none of them.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import controller, hooks
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.hooks import (
    HOOK_TABLE,
    SUPPORTED,
    HookKind,
    HookPoint,
    HookSet,
)

ROOT = Path(__file__).resolve().parents[5]
PLUGIN_UTILS = ROOT / "plugins" / "plugin_utils"


def test_every_hook_point_of_this_ansible_core_resolves() -> None:
    points = hooks.hook_points()
    (row,) = [s for s in HOOK_TABLE if s.since <= _running() < s.before]
    assert [point for _unused, point in points] == list(row.points)
    for owner, point in points:
        assert callable(getattr(owner, point.method)), point


def test_ranges_do_not_overlap_and_match_the_published_pins() -> None:
    ranges = sorted((s.since, s.before) for s in HOOK_TABLE)
    assert all(since < before for since, before in ranges)
    assert all(ranges[i][1] <= ranges[i + 1][0] for i in range(len(ranges) - 1))
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"]
    low, high = SUPPORTED
    assert runtime == f">={low[0]}.{low[1]}.0,<{high[0]}.{high[1]}.0"
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"ansible-core>={low[0]}.{low[1]},<{high[0]}.{high[1]}" in pins


def test_a_release_outside_the_table_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(controller, "ansible_version", lambda: "2.23.0")
    message = "supports ansible-core 2.19 up to but not including 2.22; this is 2.23.0"
    with pytest.raises(AnsibleError, match=re.escape(message)):
        hooks.hook_points()


def test_a_missing_method_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = HookPoint("ansible.plugins.strategy:StrategyBase", "_no_such_method", hooks._around_meta, HookKind.PATCH)
    table = tuple(HookSet(s.since, s.before, (*s.points, missing)) for s in HOOK_TABLE)
    monkeypatch.setattr(hooks, "HOOK_TABLE", table)
    with pytest.raises(AnsibleError, match=r"cannot hook StrategyBase\._no_such_method"):
        hooks.hook_points()


def test_a_missing_class_is_an_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """ImportError, as a ``from ... import`` would raise: arming turns it into lock-down with the reason."""
    missing = HookPoint("ansible.plugins.strategy:NoSuchStrategy", "run", hooks._around_meta, HookKind.PATCH)
    monkeypatch.setattr(hooks, "HOOK_TABLE", tuple(HookSet(s.since, s.before, (missing,)) for s in HOOK_TABLE))
    with pytest.raises(ImportError, match="NoSuchStrategy"):
        hooks.hook_points()


def test_only_the_adapter_imports_ansible_and_nothing_imports_the_adapter() -> None:
    offenders = []
    for path in sorted(PLUGIN_UTILS.rglob("*.py")):
        if path.parent.name == "adapter":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")] + [a.name for a in node.names]
            if any(re.match(r"ansible(\.|$)|.*\badapter\b", name) for name in names):
                offenders.append(f"{path.relative_to(ROOT)}: {names}")
    assert not offenders


def _running() -> tuple[int, int]:
    major, minor = controller.ansible_version().split(".")[:2]
    return int(major), int(minor)
