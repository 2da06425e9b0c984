# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline identity: the same content anywhere is the same baseline; any change to what the run reads
(project file, executable bit, link target, inventory, vars beside it) is a different one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift import baseline as baseline_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.baseline import compute_baseline


def _project(root: Path) -> tuple[Path, Path]:
    project = root / "project"
    (project / "roles" / "web" / "tasks").mkdir(parents=True)
    (project / "roles" / "web" / "tasks" / "main.yml").write_text("- ansible.builtin.debug: {}\n")
    (project / "templates").mkdir()
    (project / "templates" / "motd.j2").write_text("hello {{ x }}\n")
    (project / "site.yml").write_text("- hosts: all\n  roles: [web]\n")
    inventory = root / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.ini").write_text("web1\n")
    (inventory / "group_vars" / "all.yml").write_text("x: 1\n")
    return project / "site.yml", inventory / "hosts.ini"


def test_the_same_content_elsewhere_is_the_same_baseline(tmp_path: Path) -> None:
    playbook, inventory = _project(tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b", symlinks=True)
    first = compute_baseline(playbook, [str(inventory)])
    second = compute_baseline(
        tmp_path / "b" / "project" / "site.yml", [str(tmp_path / "b" / "inventory" / "hosts.ini")]
    )
    assert first.digest == second.digest and first.playbook != second.playbook
    assert first.name == "site.yml" and first.files == 3
    assert compute_baseline(playbook, [str(inventory)], name="nightly").name == "nightly"


def _edit(relative: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / relative).write_text(text)

    return change


CHANGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "a task file": (_edit("project/roles/web/tasks/main.yml", "- ansible.builtin.debug: {msg: x}\n"), "project"),
    "a template": (_edit("project/templates/motd.j2", "bye\n"), "project"),
    "a new file": (_edit("project/files.txt", ""), "project"),
    "the playbook": (_edit("project/site.yml", "- hosts: web\n  roles: [web]\n"), "project"),
    "an executable bit": (lambda root: os.chmod(root / "project/templates/motd.j2", 0o755), "project"),
    "a link target": (lambda root: os.symlink("/etc/hostname", root / "project/link"), "project"),
    "the inventory": (_edit("inventory/hosts.ini", "web1\nweb2\n"), "inventory"),
    "the inventory's vars": (_edit("inventory/group_vars/all.yml", "x: 2\n"), "vars"),
    "new host vars": (lambda root: (root / "inventory/host_vars").mkdir(), "vars"),
    "vars beside the playbook": (_edit("project/group_vars.yml", "x: 3\n"), "project"),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_any_change_to_what_the_run_reads_is_another_baseline(tmp_path: Path, what: str) -> None:
    playbook, inventory = _project(tmp_path)
    before = compute_baseline(playbook, [str(inventory)])
    change, part = CHANGES[what]
    change(tmp_path)
    after = compute_baseline(playbook, [str(inventory)])
    assert after.digest != before.digest, what
    changed = {name for name in ("project", "inventory", "vars")
               if getattr(after, f"{name}_digest") != getattr(before, f"{name}_digest")}  # fmt: skip
    assert part in changed, (what, changed)


def test_caches_and_version_control_are_not_the_baseline_and_links_are_not_followed(tmp_path: Path) -> None:
    playbook, inventory = _project(tmp_path)
    before = compute_baseline(playbook, [str(inventory)])
    for ignored in (".git", "__pycache__", ".venv-x", ".ansible"):
        (playbook.parent / ignored).mkdir()
        (playbook.parent / ignored / "x").write_text("noise")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big").write_text("x" * 100)
    os.symlink(outside, playbook.parent / "linked-dir")
    after = compute_baseline(playbook, [str(inventory)])
    assert after.project_digest != before.project_digest  # the link itself is content (its target)
    (outside / "big").write_text("y" * 100)
    assert compute_baseline(playbook, [str(inventory)]).digest == after.digest  # ...what it points at is not read


def test_git_revision_is_recorded_for_people_but_not_digested(tmp_path: Path) -> None:
    playbook, inventory = _project(tmp_path)
    plain = compute_baseline(playbook, [str(inventory)])
    assert plain.scm_revision is None
    git = ["git", "-C", str(playbook.parent), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "baseline"], check=True)
    tracked = compute_baseline(playbook, [str(inventory)])
    assert tracked.scm_revision and len(tracked.scm_revision) == 40 and tracked.digest == plain.digest
    playbook.write_text(playbook.read_text() + "# edited\n")
    assert compute_baseline(playbook, [str(inventory)]).scm_revision == tracked.scm_revision + "+dirty"
    assert compute_baseline(playbook, [str(inventory)], scm_revision="r42").scm_revision == "r42"


def test_host_lists_missing_paths_and_oversized_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    playbook, inventory = _project(tmp_path)
    listed = compute_baseline(playbook, ["web1,web2,"])
    assert listed.inventory == ("web1,web2,",)
    assert listed.digest != compute_baseline(playbook, ["web1,web3,"]).digest
    with pytest.raises(ConfigError, match="does not exist"):
        compute_baseline(tmp_path / "nope.yml", [str(inventory)])
    with pytest.raises(ConfigError, match=r"inventory source .* does not exist"):
        compute_baseline(playbook, [str(tmp_path / "missing.ini")])
    with pytest.raises(ConfigError, match="needs an inventory"):
        compute_baseline(playbook, [])
    monkeypatch.setattr(baseline_module, "MAX_FILES", 2)
    with pytest.raises(ConfigError, match="larger than a drift scan reads"):
        compute_baseline(playbook, [str(inventory)])


def test_extra_vars_are_part_of_the_baseline_by_digest_only(tmp_path: Path) -> None:
    playbook, inventory = _project(tmp_path)
    plain = compute_baseline(playbook, [str(inventory)])
    secret = "db_password=Sw0rdfish-extra"
    with_extra = compute_baseline(playbook, [str(inventory)], extra_vars=["x=1", secret])
    assert with_extra.digest != plain.digest and with_extra.vars_digest != plain.vars_digest
    assert with_extra.project_digest == plain.project_digest and with_extra.inventory_digest == plain.inventory_digest
    assert secret not in json.dumps(with_extra.as_dict()), "extra vars are digested, never kept"
    assert compute_baseline(playbook, [str(inventory)], extra_vars=[secret, "x=1"]).digest != with_extra.digest
    for name in ("a.yml", "b.yml"):  # a vars file by its content, wherever it is
        (tmp_path / name).write_text("x: 1\n")
    from_a = compute_baseline(playbook, [str(inventory)], extra_vars=[f"@{tmp_path / 'a.yml'}"])
    assert from_a.digest == compute_baseline(playbook, [str(inventory)], extra_vars=[f"@{tmp_path / 'b.yml'}"]).digest
    (tmp_path / "b.yml").write_text("x: 2\n")
    assert from_a.digest != compute_baseline(playbook, [str(inventory)], extra_vars=[f"@{tmp_path / 'b.yml'}"]).digest
    with pytest.raises(ConfigError, match="extra vars file"):
        compute_baseline(playbook, [str(inventory)], extra_vars=[f"@{tmp_path / 'missing.yml'}"])
    assert baseline_module.extra_vars_arguments(["@rel.yml", "k=v"]) == [f"@{Path('rel.yml').resolve()}", "k=v"]
