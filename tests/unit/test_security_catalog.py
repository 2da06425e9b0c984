# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security-constraint catalog is checked, not just written: every code symbol and test it names exists, and the
STPA behind it (docs/stpa/analysis.yml) traces every constraint to a hazard and every unsafe control action to a
constraint that prevents it; every SEC-N token in the sources names a catalog entry, and every enforcement module
names the constraint it enforces."""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize(("sec", "kind", "ref"), REFERENCES, ids=[f"{s}-{r}" for s, _unused, r in REFERENCES])
def test_catalog_reference_exists(sec: str, kind: str, ref: str) -> None:
    file_part, _separator, symbol = ref.partition("::")
    path = ROOT / file_part
    assert path.is_file(), f"{sec}: {file_part} does not exist"
    assert symbol in _symbols(path), f"{sec}: {symbol} is not defined in {file_part}"
    if kind == "tests":
        assert symbol.split(".")[-1].startswith("test_"), f"{sec}: {ref} is not a test"


def test_every_constraint_has_code_and_tests() -> None:
    for entry in CATALOG["constraints"]:
        assert entry["code"] and entry["tests"], entry["id"]


# ------------------------------------------------------------------------------------------------ the STPA trace
# docs/stpa/analysis.yml: losses <- hazards <- system constraints <- security constraints (the catalog) -> unsafe
# control actions they prevent, loss scenarios they mitigate. Each check returns problems tagged by their kind, so the
# tests below can show that every kind of broken trace is found.
STPA = yaml.safe_load((ROOT / "docs" / "stpa" / "analysis.yml").read_text())
SEC_TOKEN = re.compile(r"\bSEC-(\d+)\b")
TOKEN_SOURCES = ("plugins", "boot", "tests", "docs", "roles", "playbooks")
TOKEN_SUFFIXES = frozenset({".py", ".md", ".yml", ".yaml", ".rst", ".txt", ".j2"})


def _token(sec: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(sec)}\b(?!\d)")


def trace_problems(catalog: Mapping[str, Any], stpa: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, message) for every break in the chain from a catalog entry to a loss."""
    problems: list[tuple[str, str]] = []
    losses, hazards = stpa.get("losses") or {}, stpa.get("hazards") or {}
    system, actions = stpa.get("system_constraints") or {}, stpa.get("control_actions") or {}
    ucas, scenarios = stpa.get("unsafe_control_actions") or {}, stpa.get("loss_scenarios") or {}
    refinements, planned = stpa.get("security_constraints") or {}, stpa.get("planned") or {}
    catalog_ids = {entry["id"] for entry in catalog["constraints"]}
    known = catalog_ids | set(planned)
    for hazard, entry in hazards.items():
        if not entry.get("losses") or any(loss not in losses for loss in entry["losses"]):
            problems.append(("hazard-without-loss", f"{hazard} leads to no known loss ({entry.get('losses')})"))
    addressed = set()
    for sc, entry in system.items():
        named = entry.get("hazards") or []
        if not named or any(h not in hazards for h in named):
            problems.append(("constraint-without-hazard", f"{sc} addresses no known hazard ({named})"))
        addressed.update(named)
    problems += [("hazard-unconstrained", f"{h} is addressed by no system constraint") for h in hazards
                 if h not in addressed]  # fmt: skip
    for uca, entry in ucas.items():
        if entry.get("ca") not in actions:
            problems.append(("uca-dangling", f"{uca} names an unknown control action {entry.get('ca')!r}"))
        if not entry.get("hazards") or any(h not in hazards for h in entry["hazards"]):
            problems.append(("uca-dangling", f"{uca} leads to no known hazard ({entry.get('hazards')})"))
        prevented = entry.get("prevented_by") or []
        if not prevented:
            problems.append(("uca-unprevented", f"{uca} is prevented by no security constraint"))
        problems += [("uca-unprevented", f"{uca} is prevented by {sec}, which is not in the catalog")
                     for sec in prevented if sec not in known]  # fmt: skip
    for sec in sorted(known):
        refined = (refinements.get(sec) or {}).get("refines") or []
        reaches = [sc for sc in refined if sc in system and system[sc].get("hazards")]
        if not reaches:
            problems.append(("sec-untraced", f"{sec} refines no system constraint that traces to a hazard"))
    for sec in set(refinements) - known:
        problems.append(("sec-untraced", f"{sec} is refined in the analysis but is neither in the catalog nor planned"))
    for sec in set(planned) & catalog_ids:
        problems.append(("sec-untraced", f"{sec} is in the catalog: take it off the planned list"))
    for ls, entry in scenarios.items():
        if not isinstance(entry, Mapping) or not entry.get("ucas") or any(u not in ucas for u in entry["ucas"]):
            problems.append(("scenario-dangling", f"{ls} names no known unsafe control action"))
            continue
        mitigations = entry.get("mitigated_by") or []
        if not mitigations or any(sec not in known for sec in mitigations):
            problems.append(("scenario-dangling", f"{ls} is mitigated by no known constraint ({mitigations})"))
    return problems


def token_problems(sources: Mapping[str, str], known: set[str]) -> list[tuple[str, str]]:
    """Every SEC-N token anywhere in the sources must name a catalog entry (or a planned one)."""
    return [
        ("dangling-token", f"{name}: SEC-{number} is not in the catalog")
        for name, text in sorted(sources.items())
        for number in sorted(set(SEC_TOKEN.findall(text)), key=int)
        if f"SEC-{number}" not in known
    ]


def backref_problems(catalog: Mapping[str, Any], read: Callable[[str], str]) -> list[tuple[str, str]]:
    """Every module named as enforcement carries the id of the constraint it enforces."""
    problems = []
    for entry in catalog["constraints"]:
        for ref in entry["code"]:
            path = ref.partition("::")[0]
            if not _token(entry["id"]).search(read(path)):
                problems.append(("missing-backref", f"{path} enforces {entry['id']} but does not name it"))
    return sorted(set(problems))


def prose_problems(stpa: Mapping[str, Any], prose: str) -> list[tuple[str, str]]:
    """The prose (docs/stpa/*.md) discusses every id of the analysis."""
    sections = ("losses", "hazards", "system_constraints", "control_actions", "unsafe_control_actions",
                "loss_scenarios")  # fmt: skip
    return [
        ("undocumented", f"{key} is in analysis.yml but not in docs/stpa/*.md")
        for section in sections
        for key in stpa.get(section) or {}
        if not re.search(rf"\b{re.escape(key)}\b(?!\d)", prose)
    ]


def _shipped_sources() -> dict[str, str]:
    found = {}
    for base in TOKEN_SOURCES:
        for path in sorted((ROOT / base).rglob("*")):
            if path == Path(__file__).resolve():
                continue  # this file holds the checks' own broken examples
            if path.is_file() and path.suffix in TOKEN_SUFFIXES and "__pycache__" not in path.parts:
                found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="replace")
    return found


def _known() -> set[str]:
    return {entry["id"] for entry in CATALOG["constraints"]} | set(STPA.get("planned") or {})


def test_the_stpa_trace_is_unbroken() -> None:
    assert STPA["unsafe_control_actions"] and STPA["loss_scenarios"], "the analysis was not read"
    assert trace_problems(CATALOG, STPA) == []


def test_every_sec_token_in_the_sources_names_a_catalog_entry() -> None:
    sources = _shipped_sources()
    assert len(sources) > 100
    assert token_problems(sources, _known()) == []


def test_every_enforcement_module_names_its_constraint() -> None:
    assert backref_problems(CATALOG, lambda path: (ROOT / path).read_text(encoding="utf-8")) == []


def test_the_prose_covers_the_analysis() -> None:
    prose = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "stpa").glob("*.md")))
    assert prose_problems(STPA, prose) == []


# ------------------------------------------------------------------------------------------------ the checks can fail
def _broken(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    stpa = copy.deepcopy(STPA)
    edit(stpa)
    return stpa


BREAKS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("hazard-without-loss", lambda s: s["hazards"]["H-1"].update(losses=["L-99"])),
    ("hazard-without-loss", lambda s: s["hazards"]["H-2"].update(losses=[])),
    ("constraint-without-hazard", lambda s: s["system_constraints"]["SC-1"].update(hazards=["H-99"])),
    ("hazard-unconstrained", lambda s: s["hazards"].update({"H-99": {"text": "x", "losses": ["L-1"]}})),
    ("uca-unprevented", lambda s: s["unsafe_control_actions"]["UCA-1"].update(prevented_by=[])),
    ("uca-unprevented", lambda s: s["unsafe_control_actions"]["UCA-2"].update(prevented_by=["SEC-42"])),
    ("uca-dangling", lambda s: s["unsafe_control_actions"]["UCA-3"].update(ca="CA-99")),
    ("uca-dangling", lambda s: s["unsafe_control_actions"]["UCA-3"].update(hazards=["H-77"])),
    ("sec-untraced", lambda s: s["security_constraints"].pop("SEC-9")),
    ("sec-untraced", lambda s: s["security_constraints"]["SEC-10"].update(refines=["SC-99"])),
    ("sec-untraced", lambda s: s["security_constraints"].update({"SEC-11": {"refines": ["SC-1"]}})),
    ("sec-untraced", lambda s: s["planned"].update({"SEC-7": "already built"})),
    ("scenario-dangling", lambda s: s["loss_scenarios"]["LS-1"].update(ucas=["UCA-999"])),
    ("scenario-dangling", lambda s: s["loss_scenarios"]["LS-2"].update(mitigated_by=["SEC-77"])),
]


@pytest.mark.parametrize(("kind", "edit"), BREAKS, ids=[f"{k}-{i}" for i, (k, _unused) in enumerate(BREAKS)])
def test_the_trace_check_finds_each_kind_of_break(kind: str, edit: Callable[[dict[str, Any]], None]) -> None:
    problems = trace_problems(CATALOG, _broken(edit))
    assert kind in {k for k, _unused in problems}, problems


def test_the_trace_check_finds_a_constraint_the_analysis_does_not_refine() -> None:
    catalog = copy.deepcopy(CATALOG)
    catalog["constraints"].append({"id": "SEC-12", "title": "x", "code": [], "tests": []})
    assert ("sec-untraced", "SEC-12 refines no system constraint that traces to a hazard") in trace_problems(
        catalog, STPA
    )


def test_the_token_check_finds_a_dangling_reference() -> None:
    problems = token_problems({"plugins/x.py": '"""Enforces SEC-11 and SEC-1."""'}, _known())
    assert problems == [("dangling-token", "plugins/x.py: SEC-11 is not in the catalog")]


def test_the_backref_check_finds_a_module_without_its_constraint() -> None:
    files = {"plugins/a.py": '"""Security constraints: SEC-10."""', "plugins/b.py": '"""SEC-1"""'}
    catalog = {"constraints": [{"id": "SEC-1", "code": ["plugins/a.py::f", "plugins/b.py::g"], "tests": []}]}
    # SEC-10 in a.py does not count as SEC-1
    assert backref_problems(catalog, files.__getitem__) == [
        ("missing-backref", "plugins/a.py enforces SEC-1 but does not name it")
    ]


def test_the_prose_check_finds_an_undocumented_id() -> None:
    stpa = _broken(lambda s: s["unsafe_control_actions"].update({"UCA-99": {"ca": "CA-1"}}))
    assert ("undocumented", "UCA-99 is in analysis.yml but not in docs/stpa/*.md") in prose_problems(stpa, "UCA-9")


def test_the_stpa_tables_are_rendered_from_the_analysis() -> None:
    from tests import stpa_render

    stale = stpa_render.stale()
    assert not stale, f"run `python -m tests.stpa_render --write`: {sorted(p.name for p in stale)}"
