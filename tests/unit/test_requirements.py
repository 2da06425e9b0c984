# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's Python requirements are stated once per audience and agree: pyproject.toml (pip), requirements.txt
(Galaxy users and ansible-builder, through meta/execution-environment.yml) and the list the gate checks when a
Galaxy-only install lacks them (adapter/_probe.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter._probe import REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
BROUGHT_BY_THE_CONTROLLER = ("ansible-core", "ansible-runner")
# Requirements of a praxis-gate command only (`praxis-gate mcp`), which exists only where the pip package is
# installed: the gate never imports them, so a Galaxy-only install must not be refused for lacking them.
PIP_COMMANDS_ONLY = ("mcp",)


def _name(requirement: str) -> str:
    for stop in "<>=!~[; ":
        requirement = requirement.split(stop, 1)[0]
    return requirement.lower()


def test_requirements_txt_pyproject_and_the_gates_check_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    expected = sorted(r for r in pyproject if _name(r) not in (*BROUGHT_BY_THE_CONTROLLER, *PIP_COMMANDS_ONLY))
    listed = sorted(
        line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )  # fmt: skip
    assert listed == expected
    assert sorted(REQUIREMENTS.values()) == expected


def test_ansible_builder_finds_the_requirements() -> None:
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 1 and meta["dependencies"]["python"] == "requirements.txt"
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert not any(pattern in ("requirements.txt", "meta") for pattern in galaxy["build_ignore"])
