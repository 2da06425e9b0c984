# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's roles, through their molecule scenarios: converge, idempotence, verify, on hosts made here.

Each scenario runs ``molecule test`` (delegated driver, unmanaged) in the controller namespace of a NetnsLab, against
hosts with their own sshd and strict host-key checking. The hosts have no network, so the roles install the
collection from a wheel of this working tree and a wheelhouse of its dependencies, the way an air-gapped controller
does. The hosts share this machine's filesystem and accounts: every path a role writes is under a temporary
directory that the test deletes, and the non-root account of the controller scenario is ``nobody``, which exists on
every Debian and Ubuntu and owns nothing here outside that directory.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .harness import BIN_DIR, REPO_ROOT, installed_collection
from .netns import NetnsLab

TARGET_PYTHON = "/usr/bin/python3"  # the hosts' own interpreter, as on a Debian or Ubuntu controller


def _store_fixtures() -> Any:
    """The store tests' private PostgreSQL cluster (unix socket only), for the DSN a controller gets."""
    path = REPO_ROOT / "tests" / "unit" / "plugins" / "plugin_utils" / "store" / "conftest.py"
    spec = importlib.util.spec_from_file_location("praxis_store_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_STORE = _store_fixtures()
pg_cluster = _STORE.pg_cluster
pg_database = _STORE.pg_database

pytestmark = pytest.mark.skipif(
    not (BIN_DIR / "molecule").exists() or os.geteuid() != 0 or not Path(TARGET_PYTHON).exists(),
    reason="needs molecule in this venv (scripts/setup), root (network namespaces) and the system python3",
)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this working tree and every dependency (with the postgres extra) for the hosts' Python."""
    house = tmp_path_factory.mktemp("wheelhouse")
    house.chmod(0o755)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(house), str(REPO_ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = next(house.glob("praxis_gatekeeper-*.whl"))
    for dependency in _dependency_wheels(wheel).iterdir():
        if dependency.suffix == ".whl":
            shutil.copy(dependency, house)
    return house


def _dependency_wheels(wheel: Path) -> Path:
    """The dependencies' wheels, downloaded once per set of requirements and target Python (a content-keyed cache
    under XDG_CACHE_HOME, rebuilt whenever it is missing or incomplete: the index is slow, the wheels do not change)."""
    version = subprocess.run(
        [TARGET_PYTHON, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = sorted([*project["dependencies"], *project["optional-dependencies"]["postgres"]])
    key = hashlib.sha256(json.dumps([version, requirements]).encode()).hexdigest()[:16]
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = cache_home / "praxis-gatekeeper" / "wheelhouse" / f"py{version}-{key}"
    if (cache / "complete").exists():
        return cache
    partial = Path(tempfile.mkdtemp(prefix=cache.name + "-", dir=cache.parent if cache.parent.exists() else None))
    downloaded = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(partial), "--python-version", version,
         "--only-binary=:all:", f"{wheel}[postgres]"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert downloaded.returncode == 0, downloaded.stderr
    for own in partial.glob("praxis_gatekeeper-*.whl"):
        own.unlink()
    (partial / "complete").write_text(" ".join(requirements))
    cache.parent.mkdir(parents=True, exist_ok=True)
    try:
        partial.rename(cache)
    except OSError:  # another session filled it first
        shutil.rmtree(partial, ignore_errors=True)
    return cache


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A temporary directory the hosts' accounts (including ``nobody``) can traverse; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="pxroles-", dir="/tmp"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _public_key() -> str:
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def _inventory(lab: NetnsLab, groups: dict[str, list[str]], variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(lab.client_key),
                "ansible_python_interpreter": TARGET_PYTHON,
                **variables,
            },
            "children": {
                group: {"hosts": {name: {"ansible_host": lab.hosts[name].address} for name in names}}
                for group, names in groups.items()
            },
        }
    }


def _molecule(
    lab: NetnsLab, role: str, inventory: Path, work: Path, *command: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    collection = installed_collection()
    assert collection is not None
    # Ungated unless the caller asks: nothing of this process's ANSIBLE_/PRAXIS_ settings leaks in.
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_", "MOLECULE_"))}
    environment.update(
        PATH=os.pathsep.join([str(BIN_DIR), os.environ.get("PATH", "")]),
        PRAXIS_MOLECULE_INVENTORY=str(inventory),
        PRAXIS_MOLECULE_COLLECTIONS_PATH=str(collection.parents[2]),
        PRAXIS_MOLECULE_SSH_ARGS=(
            f"-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile={lab.known_hosts} "
            "-o StrictHostKeyChecking=yes"
        ),
        MOLECULE_EPHEMERAL_DIRECTORY=str(work / "molecule"),
        XDG_CACHE_HOME=str(work / "cache"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    environment.update(env or {})
    return subprocess.run(
        [*lab.exec_prefix(), str(BIN_DIR / "molecule"), *command],
        cwd=REPO_ROOT / "roles" / role, env=environment, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip


def _failure(output: str) -> str:
    """What went wrong in a molecule run: every failed or unreachable task, then the end of the output."""
    lines = output.splitlines()
    marks = [i for i, line in enumerate(lines) if line.startswith(("fatal:", "failed:")) or "UNREACHABLE!" in line]
    failed = "\n".join("\n".join(lines[max(i - 3, 0) : i + 1])[:2000] for i in marks)
    return f"{failed}\n...\n{output[-4000:]}"


SCENARIOS = {
    # role: (groups of hosts, extra inventory variables)
    "controller": ({"controllers": ["controller"]}, {"praxis_test_user": "nobody"}),  # + a PostgreSQL DSN
    "operator": (
        {"controllers": ["controller"], "workstations": ["workstation"]},
        {"praxis_test_passphrase": secrets.token_urlsafe(16)},
    ),
}


@pytest.mark.molecule
@pytest.mark.parametrize("role", sorted(SCENARIOS))
def test_molecule_scenario_converges_idempotently_and_verifies(
    role: str, wheelhouse: Path, shared_root: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    groups, variables = SCENARIOS[role]
    if role == "controller":
        # The controller gets a PostgreSQL store (its DSN); the operator scenario's controller keeps SQLite.
        dsn = request.getfixturevalue("pg_database")
        socket_dir = Path(dsn.split("host=")[1].split()[0])
        socket_dir.parent.chmod(0o755)  # the controller account (nobody) connects through the socket too
        variables = {**variables, "praxis_test_store_dsn": dsn}
    names = sorted({name for members in groups.values() for name in members})
    with NetnsLab.start(tmp_path / "lab", names) as lab:
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(
            yaml.safe_dump(
                _inventory(
                    lab,
                    groups,
                    {
                        "praxis_test_root": str(shared_root),
                        "praxis_test_package": str(next(wheelhouse.glob("praxis_gatekeeper-*.whl"))),
                        "praxis_test_wheelhouse": str(wheelhouse),
                        "praxis_test_alice_key": _public_key(),
                        **variables,
                    },
                )
            )
        )
        run = _molecule(lab, role, inventory, tmp_path, "test", "-s", "default")
    output = run.stdout + run.stderr
    assert run.returncode == 0, _failure(output)
    steps = ["syntax", *(["prepare"] if role == "operator" else []), "converge", "idempotence", "verify"]
    for step in steps:  # each step of the scenario ran and passed (molecule reports a missing playbook as skipped)
        assert f"[default > {step}] Executed: Successful" in output, (step, output[-3000:])


def test_molecule_on_a_gated_controller_is_gated_not_silently_ungated(tmp_path: Path, shared_root: Path) -> None:
    """molecule points ANSIBLE_CONFIG at its own ansible.cfg; the environment the controller role writes still arms
    the gate, with the operator's state directory, and the role's stateful tasks wait for approval."""
    state = shared_root / "state"
    with NetnsLab.start(tmp_path / "lab", ["controller"]) as lab:
        inventory = tmp_path / "inventory.yml"
        variables = {
            "praxis_test_root": str(shared_root),
            "praxis_test_package": str(shared_root / "praxis_gatekeeper-0.1.0-py3-none-any.whl"),
            "praxis_test_wheelhouse": str(shared_root),
            "praxis_test_alice_key": _public_key(),
            "praxis_test_user": "nobody",
        }
        inventory.write_text(yaml.safe_dump(_inventory(lab, {"controllers": ["controller"]}, variables)))
        run = _molecule(
            lab, "controller", inventory, tmp_path, "converge", "-s", "default",
            env={"PRAXIS_GATE": "enforce", "PRAXIS_STATE_DIR": str(state), "PRAXIS_MODE": "guarded"},
        )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "approval_required" in output, output[-3000:]
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    starts = [r for r in records if r.get("event") == "run-start"]
    assert starts and starts[0]["via"] == "start-up hook", starts
    assert any(r.get("event") == "decision" and r.get("decision") == "approval_required" for r in records)
    # The scenario's pre-task (a directory: T1, allowed in guarded mode) ran; the role's stateful steps did not.
    assert not (shared_root / "opt").exists() and not (shared_root / "etc" / "praxis-gatekeeper").exists()
