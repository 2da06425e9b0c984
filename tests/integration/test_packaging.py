# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as operators install it: the Galaxy tarball (callback-armed) and ansible-doc."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

from .harness import BIN_DIR, REPO_ROOT, AnsibleLab


def test_galaxy_tarball_installs_and_its_callback_arms_the_gate(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    build = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    tarball = next(tmp_path.glob("praxis-gatekeeper-*.tar.gz"))
    collections = tmp_path / "collections"
    install = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "install", "--force", str(tarball), "-p", str(collections)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    installed = collections / "ansible_collections" / "praxis" / "gatekeeper"
    assert (installed / "plugins" / "callback" / "gate.py").is_file()
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        f"- hosts: target1\n  gather_facts: false\n  tasks:\n"
        f"    - ansible.builtin.copy: content=x dest={canary}/written.txt\n"
    )
    # python -S: no .pth start-up hook, as for a Galaxy-only install; site-packages stay importable via PYTHONPATH.
    env = lab.env(
        PRAXIS_MODE="readonly",
        PRAXIS_GATE="",
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        PYTHONPATH=os.pathsep.join(site.getsitepackages()),
    )
    run = subprocess.run(
        [sys.executable, "-S", str(BIN_DIR / "ansible-playbook"), str(playbook)],
        env=env, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert not (canary / "written.txt").exists(), run.stdout + run.stderr
    starts = [r for r in lab.audit_records() if r.get("event") == "run-start"]
    assert starts and starts[-1]["via"] == "callback", starts
    assert any(r.get("decision") == "refused" for r in lab.audit_records())


def test_ansible_doc_renders_every_plugin() -> None:
    plugins = [
        (kind.name, f"praxis.gatekeeper.{path.stem}")
        for kind in sorted((REPO_ROOT / "plugins").iterdir())
        # an action plugin is documented by the module of the same name (plugins/modules), as in ansible-core
        if kind.is_dir() and kind.name not in ("plugin_utils", "module_utils", "doc_fragments", "action")
        for path in sorted(kind.glob("*.py"))
        if not path.name.startswith("_")
    ]
    assert plugins, "no plugins found"
    actions = {f"praxis.gatekeeper.{path.stem}" for path in (REPO_ROOT / "plugins" / "action").glob("*.py")}
    assert actions <= {name for kind, name in plugins if kind == "modules"}, "an action plugin without module docs"
    for kind, name in plugins:
        plugin_type = "module" if kind == "modules" else kind
        result = subprocess.run([str(BIN_DIR / "ansible-doc"), "-t", plugin_type, name], capture_output=True, text=True)
        assert result.returncode == 0 and name in result.stdout, f"{kind} {name}: {result.stderr}"
