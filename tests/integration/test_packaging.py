# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as operators install it: the Galaxy tarball (callback-armed, verifiable), the pip install
(verifiable too), and ansible-doc for every plugin, module and role."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from .harness import BIN_DIR, REPO_ROOT, AnsibleLab, installed_collection

# The top level of the Galaxy artifact: what a Galaxy user runs (galaxy.yml build_ignore keeps everything else out).
SHIPPED = {"CHANGELOG.md", "FILES.json", "LICENSE", "MANIFEST.json", "README.md", "changelogs", "docs", "meta",
           "playbooks", "plugins", "requirements.txt", "roles"}  # fmt: skip


def test_galaxy_tarball_installs_and_its_callback_arms_the_gate(lab: AnsibleLab, canary: Path, tmp_path: Path) -> None:
    build = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path)],
        check=False, cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    tarball = next(tmp_path.glob("praxis-gatekeeper-*.tar.gz"))
    collections = tmp_path / "collections"
    install = subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), "collection", "install", "--force", str(tarball), "-p", str(collections)],
        check=False, capture_output=True, text=True,
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
        check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert not (canary / "written.txt").exists(), run.stdout + run.stderr
    starts = [r for r in lab.audit_records() if r.get("event") == "run-start"]
    assert starts and starts[-1]["via"] == "callback", starts
    assert any(r.get("decision") == "refused" for r in lab.audit_records())


def _galaxy(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN_DIR / "ansible-galaxy"), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_galaxy_build_install_verify_round_trip(tmp_path: Path) -> None:
    """The tarball holds only what a Galaxy user runs, installs, verifies, and verify notices a changed file."""
    build = _galaxy("collection", "build", "--force", "--output-path", str(tmp_path), str(REPO_ROOT))
    assert build.returncode == 0, build.stderr
    tarball = next(tmp_path.glob("praxis-gatekeeper-*.tar.gz"))
    with tarfile.open(tarball) as archive:
        tops = {name.split("/")[0] for name in archive.getnames()}
        names = archive.getnames()
    assert tops == SHIPPED, tops
    assert not [n for n in names if "/molecule" in n or "__pycache__" in n or n.endswith(".pyc")], names
    collections = tmp_path / "collections"
    # --force: the pip-installed copy on sys.path would otherwise count as "already installed"
    install = _galaxy("collection", "install", "--offline", "--force", str(tarball), "-p", str(collections))
    assert install.returncode == 0, install.stderr
    verify = _galaxy("collection", "verify", "--offline", "praxis.gatekeeper", "-p", str(collections))
    assert verify.returncode == 0 and "Successfully verified" in verify.stdout, verify.stdout + verify.stderr
    # Negative control: one changed byte in a role and one planted file are both reported.
    installed = collections / "ansible_collections" / "praxis" / "gatekeeper"
    tasks = installed / "roles" / "controller" / "tasks" / "main.yml"
    tasks.write_text(tasks.read_text() + "#\n")
    (installed / "plugins" / "callback" / "planted.py").write_text("")
    tampered = _galaxy("collection", "verify", "--offline", "praxis.gatekeeper", "-p", str(collections))
    assert tampered.returncode != 0, tampered.stdout
    assert "roles/controller/tasks/main.yml" in tampered.stdout and "planted.py" in tampered.stdout


def test_the_pip_install_verifies_like_a_galaxy_install() -> None:
    """MANIFEST.json and FILES.json come with the wheel; bytecode pip and Python write there is expected."""
    installed = installed_collection()
    assert installed is not None and (installed / "MANIFEST.json").is_file() and (installed / "FILES.json").is_file()
    assert list(installed.rglob("__pycache__")), "the check below must see bytecode caches to mean anything"
    verify = _galaxy("collection", "verify", "--offline", "praxis.gatekeeper", "-p", str(installed.parents[2]))
    assert verify.returncode == 0 and "Successfully verified" in verify.stdout, verify.stdout + verify.stderr
    assert str(installed) in verify.stdout
    manifest = json.loads((installed / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["namespace"] == "praxis" and manifest["collection_info"]["name"] == "gatekeeper"
    assert not (installed / "roles" / "controller" / "molecule").exists()


def _documentable() -> list[tuple[str, str]]:
    plugins = [
        ("module" if kind.name == "modules" else kind.name, f"praxis.gatekeeper.{path.stem}")
        for kind in sorted((REPO_ROOT / "plugins").iterdir())
        # an action plugin is documented by the module of the same name (plugins/modules), as in ansible-core
        if kind.is_dir() and kind.name not in ("plugin_utils", "module_utils", "doc_fragments", "action")
        for path in sorted(kind.glob("*.py"))
        if not path.name.startswith("_")
    ]
    plugins = list(dict.fromkeys(plugins))
    roles = [
        ("role", f"praxis.gatekeeper.{role.name}") for role in sorted((REPO_ROOT / "roles").iterdir()) if role.is_dir()
    ]
    return plugins + roles


def test_ansible_doc_documents_every_plugin_module_and_role() -> None:
    documentable = _documentable()
    kinds = {kind for kind, _unused in documentable}
    assert {"callback", "connection", "module", "role"} <= kinds, documentable
    actions = {f"praxis.gatekeeper.{path.stem}" for path in (REPO_ROOT / "plugins" / "action").glob("*.py")}
    assert actions <= {name for kind, name in documentable if kind == "module"}, "an action plugin without module docs"
    for kind, name in documentable:
        result = subprocess.run(
            [str(BIN_DIR / "ansible-doc"), "-t", kind, "--json", name], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{kind} {name}: {result.stderr}"
        doc = json.loads(result.stdout)[name]
        if kind == "role":
            # Every entry point documents every variable its defaults file sets, and says what each is.
            for entry, spec in doc["entry_points"].items():
                assert spec.get("short_description") and spec.get("description"), (name, entry)
                for option, info in spec["options"].items():
                    assert info.get("description") and info.get("type"), (name, entry, option)
            role_dir = REPO_ROOT / "roles" / name.rsplit(".", 1)[1]
            defaults = yaml.safe_load((role_dir / "defaults" / "main.yml").read_text()) or {}
            assert set(defaults) <= set(doc["entry_points"]["main"]["options"]), (name, set(defaults))
        else:
            assert doc["doc"].get("short_description"), (kind, name)
        listed = subprocess.run(
            [str(BIN_DIR / "ansible-doc"), "-t", kind, "-l", "praxis.gatekeeper"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert name in listed.stdout, (kind, name, listed.stdout, listed.stderr)


def test_ansible_doc_lists_every_setting() -> None:
    """The configuration reference reaches operators through ansible-doc too (generated from core/options.py)."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.options import SETTINGS

    result = subprocess.run(
        [str(BIN_DIR / "ansible-doc"), "-t", "callback", "praxis.gatekeeper.gate"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for setting in SETTINGS:
        assert setting.env in text, setting.env
        if setting.ini:
            assert f"key: {setting.ini}" in text, setting.ini


def test_the_start_up_hook_costs_a_python_process_that_never_runs_ansible_only_itself() -> None:
    """The pip install's .pth line runs in every interpreter of the environment (pip, pytest, any script). The hook
    module must import nothing the interpreter has not already loaded: importlib.abc alone pulled in
    importlib.resources, tempfile and typing, about 15 ms in every process (issue 22)."""
    probe = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_", "PYTHON"))}
    hooked = json.loads(subprocess.run([str(BIN_DIR / "python"), "-c", probe], env=env, capture_output=True,
                                       text=True, check=True).stdout)  # fmt: skip
    assert "_praxis_gatekeeper_boot" in hooked  # the hook ran: the comparison below means something
    heavy = {"importlib.abc", "importlib.resources", "importlib.util", "typing", "tempfile", "ansible"}
    assert not heavy & set(hooked), sorted(heavy & set(hooked))
    # positive control: the same interpreter importing one of them shows it in the same probe
    control = json.loads(subprocess.run([str(BIN_DIR / "python"), "-c", "import importlib.abc; " + probe], env=env,
                                        capture_output=True, text=True, check=True).stdout)  # fmt: skip
    assert "importlib.abc" in control and "typing" in control


_LOADERS = """
import json, sys
import ansible.cli.playbook
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()  # PRAXIS_GATE=enforce: the start-up hook arms the installed copy here
print(json.dumps({name: [type(module.__spec__.loader).__name__, getattr(module, "__file__", None)]
                  for name, module in list(sys.modules.items()) if name.startswith("ansible_collections.praxis.")}))
"""


def test_the_start_up_hook_loads_the_installed_runner_through_the_bytecode_cache(tmp_path: Path) -> None:
    """ansible-core's collection loader compiles every module from source on every run; the start-up hook hands
    the runner to Python's source loader (adapter/bytecode.py), from the installed copy and nowhere else."""
    installed = installed_collection()
    assert installed is not None
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_"))}
    env.update(PRAXIS_GATE="enforce", PRAXIS_STATE_DIR=str(state), HOME=str(tmp_path),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))  # fmt: skip
    done = subprocess.run([str(BIN_DIR / "python"), "-c", _LOADERS], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    runner = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils."
    assert f"{runner}core.gate" in modules, "the start-up hook did not arm the gate"
    cached = {name for name, (loader, _file) in modules.items() if loader == "SourceFileLoader"}
    # everything of the runner but the adapter package and the finder's own module (imported to install it)
    expected = {name for name in modules if name.startswith(runner)} - {f"{runner}adapter", f"{runner}adapter.bytecode"}
    assert cached == expected, sorted(cached ^ expected)
    for name in cached:
        assert Path(modules[name][1]).resolve().is_relative_to(installed.resolve()), (name, modules[name][1])
