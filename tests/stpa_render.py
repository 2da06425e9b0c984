# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tables of docs/stpa/*.md, rendered from docs/stpa/analysis.yml and docs/security-constraints.yml, so the
prose and the machine-checked trace cannot drift apart.

    python -m tests.stpa_render            # exit 1 and name the files that differ
    python -m tests.stpa_render --write    # after editing analysis.yml or the catalog

tests/unit/test_security_catalog.py::test_the_stpa_tables_are_rendered_from_the_analysis runs the check.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
STPA_DIR = ROOT / "docs" / "stpa"
TYPES = {"N": "not provided", "P": "provided, unsafe", "T": "wrong timing or order", "D": "too long / stopped too soon"}
BEGIN, END = "<!-- rendered from analysis.yml: begin -->", "<!-- rendered from analysis.yml: end -->"


def _cell(value: object) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


def _number(sec: str) -> int:
    return int(sec.split("-")[1])


def tables(analysis: dict[str, Any], catalog: dict[str, Any]) -> dict[str, str]:
    """file name -> the table that goes between its markers."""
    a = analysis
    out: dict[str, str] = {}
    out["01-losses-hazards-constraints.md"] = "\n".join(
        [
            "## Losses\n\n| id | loss |\n|---|---|",
            *(f"| {k} | {_cell(v)} |" for k, v in a["losses"].items()),
            "\n## Hazards\n\n| id | hazard | leads to |\n|---|---|---|",
            *(f"| {k} | {_cell(v['text'])} | {', '.join(v['losses'])} |" for k, v in a["hazards"].items()),
            "\n## System-level constraints\n\n| id | constraint | addresses |\n|---|---|---|",
            *(f"| {k} | {_cell(v['text'])} | {', '.join(v['hazards'])} |" for k, v in a["system_constraints"].items()),
        ]
    )
    out["02-control-structure.md"] = "\n".join(
        [
            "| id | by | action | on |\n|---|---|---|---|",
            *(
                f"| {k} | {_cell(v['by'])} | {_cell(v['text'])} | {_cell(v['to'])} |"
                for k, v in a["control_actions"].items()
            ),
        ]
    )
    out["03-unsafe-control-actions.md"] = "\n".join(
        [
            "| id | action | type | unsafe control action | hazards | prevented by |\n|---|---|---|---|---|---|",
            *(
                f"| {k} | {v['ca']} | {TYPES[v['type']]} | {_cell(v['text'])} | {', '.join(v['hazards'])} | "
                f"{', '.join(v['prevented_by'])} |"
                for k, v in a["unsafe_control_actions"].items()
            ),
        ]
    )
    out["04-loss-scenarios.md"] = "\n".join(
        [
            "| id | scenario | causes | mitigated by |\n|---|---|---|---|",
            *(
                f"| {k} | {_cell(v['text'])} | {', '.join(v['ucas'])} | {', '.join(v['mitigated_by'])} |"
                for k, v in a["loss_scenarios"].items()
            ),
        ]
    )
    entries = collections.defaultdict(list)
    for entry in catalog["constraints"]:
        entries[entry["id"]].append(entry)
    prevents, mitigates = collections.defaultdict(list), collections.defaultdict(list)
    for key, uca in a["unsafe_control_actions"].items():
        for sec in uca["prevented_by"]:
            prevents[sec].append(key)
    for key, scenario in a["loss_scenarios"].items():
        for sec in scenario["mitigated_by"]:
            mitigates[sec].append(key)
    rows = ["| constraint | status | refines | prevents | mitigates | enforced by | proved by |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for sec in sorted(set(entries) | set(a.get("planned") or {}), key=_number):
        refines = ", ".join(a["security_constraints"].get(sec, {}).get("refines", []))
        trace = f"{refines} | {', '.join(prevents[sec])} | {', '.join(mitigates[sec])}"
        for entry in entries.get(sec, []):
            code = "<br>".join(f"`{ref.replace('plugins/plugin_utils/', '')}`" for ref in entry["code"])
            tests = "<br>".join(f"`{ref.split('::')[-1]}`" for ref in entry["tests"])
            title, status = _cell(entry["title"]), _cell(entry["status"])
            rows.append(f"| **{sec}** {title} | {status} | {trace} | {code} | {tests} |")
        if sec not in entries:
            rows.append(f"| **{sec}** | planned: {_cell(a['planned'][sec])} | {trace} | — | — |")
    out["07-security-constraints.md"] = "\n".join(rows)
    return out


def render(text: str, table: str) -> str:
    head, _separator, rest = text.partition(BEGIN)
    _head, _separator, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def stale() -> dict[Path, str]:
    """Files whose rendered tables differ from the analysis: path -> what they should read."""
    analysis = yaml.safe_load((STPA_DIR / "analysis.yml").read_text(encoding="utf-8"))
    catalog = yaml.safe_load((ROOT / "docs" / "security-constraints.yml").read_text(encoding="utf-8"))
    found = {}
    for name, table in tables(analysis, catalog).items():
        path = STPA_DIR / name
        text = path.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            found[path] = text + f"\n{BEGIN}\n{table}\n{END}\n"
            continue
        wanted = render(text, table)
        if wanted != text:
            found[path] = wanted
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the tables in place")
    args = parser.parse_args(argv)
    found = stale()
    for path, text in found.items():
        if args.write:
            path.write_text(text, encoding="utf-8")
        print(f"{'rewrote' if args.write else 'stale'}: {path.relative_to(ROOT)}")
    return 0 if args.write or not found else 1


if __name__ == "__main__":
    sys.exit(main())
