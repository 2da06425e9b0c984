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
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
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
        capture_output=True, text=True,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = next(house.glob("praxis_gatekeeper-*.whl"))
    version = subprocess.run(
        [TARGET_PYTHON, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    downloaded = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "-d", str(house), "--python-version", version,
         "--only-binary=:all:", f"{wheel}[postgres]"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert downloaded.returncode == 0, downloaded.stderr
    return house


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


def _molecule(lab: NetnsLab, role: str, inventory: Path, work: Path, *command: str) -> subprocess.CompletedProcess[str]:
    collection = installed_collection()
    assert collection is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_", "MOLECULE_"))}
    env.update(
        PATH=os.pathsep.join([str(BIN_DIR), env.get("PATH", "")]),
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
    return subprocess.run(
        [*lab.exec_prefix(), str(BIN_DIR / "molecule"), *command],
        cwd=REPO_ROOT / "roles" / role, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip


SCENARIOS = {
    # role: (groups of hosts, extra inventory variables)
    "controller": ({"controllers": ["controller"]}, {"praxis_test_user": "nobody"}),
    "operator": (
        {"controllers": ["controller"], "workstations": ["workstation"]},
        {"praxis_test_passphrase": secrets.token_urlsafe(16)},
    ),
}


@pytest.mark.parametrize("role", sorted(SCENARIOS))
def test_molecule_scenario_converges_idempotently_and_verifies(
    role: str, wheelhouse: Path, shared_root: Path, tmp_path: Path
) -> None:
    groups, variables = SCENARIOS[role]
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
    assert run.returncode == 0, output[-6000:]
    for step in ("converge", "idempotence", "verify"):
        assert f"default ➜ {step}" in output or step in output, output[-3000:]
    assert "Idempotence completed successfully" in output or "idempotence" in output
