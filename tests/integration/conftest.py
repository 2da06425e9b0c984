# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for integration tests: one real sshd per test session, a fresh operator lab per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import AnsibleLab, SshTarget, close_labs, stale_install_files


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run integration tests against a stale install (checked once, in the xdist controller)."""
    if hasattr(config, "workerinput"):
        return
    stale = stale_install_files()
    if stale:
        pytest.exit(
            "the pip-installed praxis.gatekeeper differs from this working tree "
            f"({', '.join(stale[:5])}{'...' if len(stale) > 5 else ''}); run `pip install --no-deps .` "
            "(scripts/test does this) so integration tests exercise this code",
            returncode=4,
        )


@pytest.fixture(autouse=True)
def _close_labs() -> Iterator[None]:
    """Every lab a test opened is closed after it (control masters ended, /tmp socket directory removed)."""
    yield
    close_labs()


@pytest.fixture(scope="session")
def ssh_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshTarget]:
    with SshTarget.start(tmp_path_factory.mktemp("sshd")) as target:
        yield target


@pytest.fixture
def lab(tmp_path: Path, ssh_target: SshTarget) -> AnsibleLab:
    return AnsibleLab(root=tmp_path / "lab", targets={"target1": ssh_target})


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A directory whose emptiness proves a refused task had no effect on the host."""
    path = tmp_path / "canary"
    path.mkdir()
    return path
