# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security-constraint catalog is checked, not just written: every code symbol and test it names exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOG = yaml.safe_load((ROOT / "docs" / "security-constraints.yml").read_text())


def _symbols(path: Path) -> set[str]:
    """Dotted names of every function and class (methods as Class.method) defined in a file."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                names.add(name)
                visit(child, f"{name}.")

    visit(tree, "")
    return names


REFERENCES = [
    (entry["id"], kind, ref) for entry in CATALOG["constraints"] for kind in ("code", "tests") for ref in entry[kind]
]


@pytest.mark.parametrize(("sec", "kind", "ref"), REFERENCES, ids=[f"{s}-{r}" for s, _, r in REFERENCES])
def test_catalog_reference_exists(sec: str, kind: str, ref: str) -> None:
    file_part, _, symbol = ref.partition("::")
    path = ROOT / file_part
    assert path.is_file(), f"{sec}: {file_part} does not exist"
    assert symbol in _symbols(path), f"{sec}: {symbol} is not defined in {file_part}"
    if kind == "tests":
        assert symbol.split(".")[-1].startswith("test_"), f"{sec}: {ref} is not a test"


def test_every_constraint_has_code_and_tests() -> None:
    for entry in CATALOG["constraints"]:
        assert entry["code"] and entry["tests"], entry["id"]
