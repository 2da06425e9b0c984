# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner's layout holds: imports point one way, the runner never imports Ansible, nothing imports the CLI, and
only plugins import the Ansible glue.

Why a test and not a convention: the packages exist so that a reader can trust the direction of every arrow (policy
never reaches into the store, the store never into approvals). A convention erodes one convenient import at a time;
this check fails on the first one. It reads the source (every ``import`` statement, including imports inside
functions), so it costs nothing at run time and sees lazy imports too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
RUNNER = ROOT / "plugins" / "plugin_utils"
PREFIX = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"

# The core splits in two: the foundation every package may use, and the pipeline that composes the concerns.
FOUNDATION = frozenset({
    "core.models", "core.errors", "core.limits", "core.settings", "core.statedir", "core.killswitch", "core.display",
    "core.options", "core.requirements", "core.templating",
})  # fmt: skip
# The seam interface sits between policy (whose Evaluation it carries) and the stages that plug into it.
INTERFACES = frozenset({"core.seams"})

# group -> the groups it may import. Groups of the second half (talos, agents, drift, egress) are placed already, so
# that they join at the right level; a module in a group not listed here fails the test until it is placed.
_CONCERNS = frozenset(
    {"foundation", "policy", "audit", "store", "egress", "talos", "interfaces", "approvals", "agents"}
)
_RUNNER = _CONCERNS | {"pipeline", "drift"}
ALLOWED: Mapping[str, frozenset[str]] = {
    "foundation": frozenset({"foundation"}),
    "policy": frozenset({"foundation", "policy"}),
    "audit": frozenset({"foundation", "audit"}),
    "store": frozenset({"foundation", "store"}),
    "egress": frozenset({"foundation", "egress"}),
    "talos": frozenset({"foundation", "policy", "talos"}),
    "interfaces": frozenset({"foundation", "policy", "interfaces"}),
    "approvals": frozenset({"foundation", "policy", "audit", "store", "egress", "interfaces", "approvals"}),
    "agents": _CONCERNS,
    "pipeline": _CONCERNS | {"pipeline"},
    "drift": _RUNNER - {"agents", "talos"},
    # The CLI may use every runner package, but never the Ansible glue: it must work without arming anything.
    "cli": _RUNNER | {"cli"},
    # The glue may use the runner, never the CLI.
    "adapter": _RUNNER | {"adapter"},
}
# Only these may import Ansible.
MAY_IMPORT_ANSIBLE = frozenset({"adapter"})


def group_of(module: str) -> str | None:
    """The layer a runner module belongs to (``core.gate`` -> pipeline, ``policy._shell.lexer`` -> policy)."""
    if module in FOUNDATION:
        return "foundation"
    if module in INTERFACES:
        return "interfaces"
    head = module.split(".", 1)[0]
    if head == "core":
        return "pipeline"
    return head if head in ALLOWED else None


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    target: str
    why: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}: {self.why}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(module: str, source: str, *, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, imported name) for every import in a module; relative imports resolved, runner names unprefixed."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if module else []
                package = base if is_package else base[:-1]
                package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                stem = ".".join([*package, node.module] if node.module else package)
                if node.module is None:
                    for alias in node.names:  # from . import a, b: each name is a module of the package
                        yield node.lineno, f"{PREFIX}.{stem}.{alias.name}" if stem else f"{PREFIX}.{alias.name}"
                else:
                    yield node.lineno, f"{PREFIX}.{stem}"
            elif node.module:
                yield node.lineno, node.module


def check(sources: Mapping[str, tuple[str, bool]]) -> list[Violation]:
    """Every layering violation in a runner tree given as {module: (source, is_package)}."""
    violations: list[Violation] = []
    for module, (source, is_package) in sorted(sources.items()):
        if not module:
            continue  # the runner's own __init__ (a docstring)
        group = group_of(module)
        if group is None:
            violations.append(Violation(module, 1, "-", "belongs to no known package; place it in ALLOWED"))
            continue
        for line, target in imports_of(module, source, is_package=is_package):
            if target == "ansible" or target.startswith("ansible.") or target.startswith("ansible_collections.ansible"):
                if group not in MAY_IMPORT_ANSIBLE:
                    violations.append(Violation(module, line, target, "the runner never imports Ansible"))
                continue
            if not target.startswith(PREFIX + "."):
                if target.startswith("ansible_collections.praxis.gatekeeper.plugins."):
                    violations.append(Violation(module, line, target, "the runner never imports a plugin"))
                continue
            inner = target[len(PREFIX) + 1 :]
            target_group = group_of(inner)
            if target_group is None:
                violations.append(Violation(module, line, target, "imports a module outside every known package"))
            elif target_group not in ALLOWED[group]:
                violations.append(Violation(module, line, inner, f"{group} may not import {target_group}"))
    return violations


def runner_sources(root: Path = RUNNER) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, root): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def test_the_runner_layout_holds() -> None:
    sources = runner_sources()
    assert len(sources) > 30, "the runner tree was not found"
    violations = check(sources)
    assert not violations, "\n".join(map(str, violations))


def test_every_runner_package_says_what_it_decides() -> None:
    for init in sorted(RUNNER.rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        docstring = ast.get_docstring(tree)
        assert docstring and len(docstring) > 80, f"{init.relative_to(ROOT)} needs a docstring saying what it decides"


def test_package_inits_import_nothing_heavy() -> None:
    """Importing a package must cost nothing: the concern packages' ``__init__`` files hold a docstring only (the
    store keeps its small interface module, which imports no database driver)."""
    for init in sorted(RUNNER.rglob("__init__.py")):
        if init.parent.name == "store" or init.parent.parent.name == "policy":
            continue
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom) and n.module != "__future__"], (
            f"{init.relative_to(ROOT)} imports at package import time"
        )


# ------------------------------------------------------------------------------------------------ the check can fail
def _tree(**modules: str) -> dict[str, tuple[str, bool]]:
    return {name.replace("__", "."): (source, False) for name, source in modules.items()}


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        ({"policy__evaluate": "from ..cli.main import main\n"}, "policy may not import cli"),
        ({"audit__writer": "from ..cli import main\n"}, "audit may not import cli"),
        ({"store__thing": "import ansible.constants\n"}, "never imports Ansible"),
        ({"policy__x": "from ansible.errors import AnsibleError\n"}, "never imports Ansible"),
        (
            {"core__gate": "def f():\n    from ansible.plugins.loader import init_plugin_loader\n"},
            "never imports Ansible",
        ),
        ({"core__gate": "from ..adapter.hooks import install\n"}, "pipeline may not import adapter"),
        ({"cli__check": "from ..adapter import requests\n"}, "cli may not import adapter"),
        ({"policy__evaluate": "from ..core.gate import Gate\n"}, "policy may not import pipeline"),
        ({"store__x": "from ..approvals.tokens import sign_token\n"}, "store may not import approvals"),
        ({"core__models": "from ..policy.ruleset import Ruleset\n"}, "foundation may not import policy"),
        ({"audit__x": f"from {PREFIX}.store import open_store\n"}, "audit may not import store"),
        ({"policy__x": "from ansible_collections.praxis.gatekeeper.plugins.callback import gate\n"}, "a plugin"),
        ({"newthing__x": "import os\n"}, "belongs to no known package"),
    ],
)
def test_the_layout_check_catches(modules: dict[str, str], expected: str) -> None:
    violations = check(_tree(**modules))
    assert any(expected in str(v) for v in violations), violations


@pytest.mark.parametrize(
    "modules",
    [
        {"core__gate": "from ..policy.evaluate import evaluate\nfrom ..approvals.stage import ApprovalSeam\n"},
        {"approvals__stage": "from ..core.seams import SeamContext\nfrom ..store import open_store\n"},
        {"cli__main": "from ..core.gate import Gate\nfrom . import check\n"},
        {"adapter__hooks": "from ansible.errors import AnsibleError\nfrom ..core.gate import Gate\n"},
        {"policy__evaluate": "from . import _commands\nfrom ..core.models import Tier\n"},
    ],
)
def test_the_layout_check_allows_the_intended_directions(modules: dict[str, str]) -> None:
    assert check(_tree(**modules)) == []
