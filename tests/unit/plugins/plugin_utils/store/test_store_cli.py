# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`praxis-gate store migrate|check|backup|restore`, on both backends."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import main as cli
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import SCHEMA_VERSION
from conftest import Target

EXIT_OK, EXIT_ERROR, EXIT_VERIFY = 0, 2, 3


@pytest.fixture
def praxis_gate(target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Target:
    """Point praxis-gate at the target's store through the operator environment, as an operator would."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    if target.kind == "sqlite":
        monkeypatch.setenv("PRAXIS_STATE_DIR", str(target.path.parent))
        monkeypatch.delenv("PRAXIS_STORE_DSN", raising=False)
    else:
        monkeypatch.setenv("PRAXIS_STATE_DIR", str(tmp_path / "state"))
        monkeypatch.setenv("PRAXIS_STORE_DSN", target.location)
    return target


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_then_check(praxis_gate: Target, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _unused = _run(capsys, "store", "migrate")
    assert (
        code == EXIT_OK
        and "schema version" in out
        and out.rstrip().endswith(
            f"0 -> {SCHEMA_VERSION}" if praxis_gate.kind == "postgres" else f"{SCHEMA_VERSION}, up to date"
        )
    )  # a new SQLite store is built complete; an empty PostgreSQL database is migrated from 0
    code, out, _unused = _run(capsys, "store", "migrate")
    assert code == EXIT_OK and "up to date" in out
    code, out, _unused = _run(capsys, "store", "check")
    assert code == EXIT_OK and out.rstrip().endswith("OK") and "26/26 present" in out
    code, out, _unused = _run(capsys, "store", "check", "--json")
    report = json.loads(out)
    assert code == EXIT_OK and report["ok"] is True and report["backend"] == praxis_gate.kind
    assert report["schema_version"] == report["expected_version"] == SCHEMA_VERSION
    assert "password" not in out


def test_check_fails_on_a_dropped_trigger(praxis_gate: Target, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "store", "migrate")[0] == EXIT_OK
    praxis_gate.raw("DROP TRIGGER facts_no_update" + (" ON facts" if praxis_gate.kind == "postgres" else ""))
    code, out, _unused = _run(capsys, "store", "check")
    assert code == EXIT_VERIFY and "missing or altered: facts_no_update" in out and "FAILED" in out
    code, out, _unused = _run(capsys, "store", "check", "--json")
    assert code == EXIT_VERIFY and json.loads(out)["triggers_missing"] == ["facts_no_update"]


def test_check_and_migrate_on_a_newer_schema(praxis_gate: Target, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "store", "migrate")[0] == EXIT_OK
    praxis_gate.raw(
        "INSERT INTO schema_version (version, description, applied_at, applied_by) VALUES (?, ?, ?, ?)",
        (SCHEMA_VERSION + 1, "future", "2030-01-01T00:00:00.000000Z", "newer release"),
    )
    code, out, _unused = _run(capsys, "store", "check", "--json")
    assert code == EXIT_VERIFY and json.loads(out)["schema_version"] == SCHEMA_VERSION + 1
    code, _unused, err = _run(capsys, "store", "migrate")
    assert code == EXIT_ERROR and "newer than this praxis.gatekeeper" in err and "upgrade" in err


def test_check_without_a_store(praxis_gate: Target, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "store", "check")
    if praxis_gate.kind == "sqlite":
        assert code == EXIT_ERROR and "no store" in err and "store migrate" in err
        assert not praxis_gate.path.exists()
    else:  # an empty database: reported as not migrated
        assert code == EXIT_VERIFY and "store migrate" in out


def test_check_reports_a_damaged_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PRAXIS_STATE_DIR", str(state))
    monkeypatch.delenv("PRAXIS_STORE_DSN", raising=False)
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    assert _run(capsys, "store", "migrate")[0] == EXIT_OK
    (state / "state.db").write_bytes(b"\x00" * 8192)
    code, _unused, err = _run(capsys, "store", "check")
    assert code == EXIT_VERIFY and "damaged" in err and "never recreates" in err
    code, out, _unused = _run(capsys, "store", "check", "--json")
    assert code == EXIT_VERIFY and json.loads(out)["ok"] is False
    assert _run(capsys, "store", "migrate")[0] == EXIT_ERROR
    assert (state / "state.db").read_bytes() == b"\x00" * 8192


def test_backup_and_restore(praxis_gate: Target, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(capsys, "store", "migrate")[0] == EXIT_OK
    backup = tmp_path / "backup.bin"
    code, out, _unused = _run(capsys, "store", "backup", str(backup))
    assert code == EXIT_OK and "verified" in out and backup.exists()
    code, _unused, err = _run(capsys, "store", "backup", str(backup))
    assert code == EXIT_ERROR and "refusing to overwrite" in err
    if praxis_gate.kind == "sqlite":
        code, _unused, err = _run(capsys, "store", "restore", str(backup))
        assert code == EXIT_ERROR and "--force" in err
        code, out, _unused = _run(capsys, "store", "restore", str(backup), "--force")
        assert code == EXIT_OK and "kept at" in out
        return
    code, _unused, err = _run(capsys, "store", "restore", str(backup))
    assert code == EXIT_ERROR and "already holds a praxis store" in err
    assert praxis_gate.cluster is not None
    name = f"r_{uuid.uuid4().hex[:12]}"
    praxis_gate.cluster.admin(f'CREATE DATABASE "{name}"')
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PRAXIS_STORE_DSN", praxis_gate.cluster.dsn(name))
            code, out, _unused = _run(capsys, "store", "restore", str(backup))
            assert code == EXIT_OK and out.rstrip().endswith("OK"), out
            assert _run(capsys, "store", "restore", str(backup), "--force")[0] == EXIT_ERROR
    finally:
        praxis_gate.cluster.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
