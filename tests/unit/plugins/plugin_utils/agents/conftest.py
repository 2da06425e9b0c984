# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the agent-session suite: the store suite's backends (SQLite and a real PostgreSQL cluster), and a
gate built the way ansible-playbook builds it, for one agent session, on either backend."""

from __future__ import annotations

import base64
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_spec = importlib.util.spec_from_file_location(
    "praxis_store_fixtures", Path(__file__).resolve().parents[1] / "store" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_store_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _store_fixtures  # dataclasses look their module up while the class is built
_spec.loader.exec_module(_store_fixtures)
# The store suite's backends, reused: every session test runs on SQLite and on PostgreSQL.
BACKENDS = _store_fixtures.BACKENDS
pg_cluster = _store_fixtures.pg_cluster
pg_database = _store_fixtures.pg_database


class Backend:
    """Where one test's store lives: the environment that points the gate at it."""

    def __init__(self, kind: str, state_dir: Path, dsn: str | None) -> None:
        self.kind, self.state_dir, self.dsn = kind, state_dir, dsn

    def env(self, **extra: str) -> dict[str, str]:
        env = {"PRAXIS_STATE_DIR": str(self.state_dir), "HOME": str(self.state_dir.parent), "PRAXIS_MODE": "open"}
        if self.dsn:
            env["PRAXIS_STORE_DSN"] = self.dsn
        env.update(extra)
        return env


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Backend:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    dsn = request.getfixturevalue("pg_database") if request.param == "postgres" else None
    # The stages open the operator's store from the process environment, as they do in ansible-playbook.
    if dsn:
        monkeypatch.setenv("PRAXIS_STORE_DSN", dsn)
    else:
        monkeypatch.delenv("PRAXIS_STORE_DSN", raising=False)
    for name in [n for n in os.environ if n.startswith("PRAXIS_AGENT_")]:
        monkeypatch.delenv(name)
    return Backend(request.param, state, dsn)


class Operator:
    """An approver: a key pair whose public half the gate trusts through PRAXIS_APPROVER_KEYS."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.keys = f"{name}={base64.b64encode(raw).decode()}"


@pytest.fixture
def alice() -> Operator:
    return Operator("alice")


GateFactory = Callable[..., Gate]


@pytest.fixture
def agent_gate(backend: Backend, alice: Operator) -> Iterator[GateFactory]:
    """A gate for ``agent:<session>`` (or any ``principal``), with the agent and approvals stages in its pipeline."""

    def make(session: str = "s1", *, principal: str | None = None, mode: str = "open", **env: Any) -> Gate:
        values = backend.env(
            PRAXIS_MODE=mode,
            PRAXIS_PRINCIPAL=principal or f"agent:{session}",
            PRAXIS_SESSION=session,
            PRAXIS_APPROVER_KEYS=alice.keys,
            **{k: str(v) for k, v in env.items()},
        )
        for name, value in values.items():
            if name.startswith("PRAXIS_AGENT_"):
                os.environ[name] = value  # read by the stage from the environment, as in ansible-playbook
        return Gate.from_settings(load_settings(values, cfg=False), warn=lambda message: None)

    yield make
    for name in [n for n in os.environ if n.startswith("PRAXIS_AGENT_")]:
        del os.environ[name]
