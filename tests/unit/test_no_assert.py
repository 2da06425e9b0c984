# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No ``assert`` in code that runs in production (plugins/, boot/): ``python -O`` drops them, so an invariant the gate
relies on must be an explicit check that raises (and a raise inside the gate denies the task). ansible-test's
no-assert sanity test says the same; this one runs in the ordinary unit suite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _asserts(path: Path) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(), str(path))) if isinstance(node, ast.Assert)]


def test_runtime_code_holds_no_assert() -> None:
    files = [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "boot").glob("*.py")]
    assert len(files) > 50  # the tree is there: an empty walk would prove nothing
    found = {str(p.relative_to(ROOT)): lines for p in files if (lines := _asserts(p))}
    assert not found, f"assert in runtime code (python -O drops it; raise instead): {found}"


@pytest.mark.parametrize(("source", "count"), [("assert x\n", 1), ("if not x:\n    raise ValueError\n", 0)])
def test_the_check_sees_an_assert(tmp_path: Path, source: str, count: int) -> None:
    path = tmp_path / "sample.py"
    path.write_text(source)
    assert len(_asserts(path)) == count
