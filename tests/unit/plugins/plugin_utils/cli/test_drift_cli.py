# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`praxis-gate drift` for operators: tables and JSON over a real store, refusals that never start a run, and exit
codes a scheduler can rely on (an error is 1 in this group, because 2 means "drift")."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.baseline import compute_baseline
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.ledger import Ledger, ensure_digest_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.runner import Execution
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.scan import ScanResult, aggregate, reconcile
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store


def _ran(host: str, line: int, status: str, digest: str | None = None) -> Execution:
    summary = ({"kind": "attributes", "path": f"/srv/{host}/motd", "attributes": {"mode": ["0600", "0644"]}},)
    return Execution(host=host, task_path=f"site.yml:{line}", task=f"task {line}", action="ansible.builtin.file",
                     verdict="allowed", tier="T1", rule="allowed", dry_run=True, status=status, digest=digest,
                     summary=summary if digest else ())  # fmt: skip


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An operator's environment with a store holding one scan: two open requests and one gone."""
    for name in list(os.environ):
        if name.startswith(("PRAXIS_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PRAXIS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    (project / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    (tmp_path / "inventory.ini").write_text("web1\nweb2\n")
    baseline = compute_baseline(project / "site.yml", [str(tmp_path / "inventory.ini")])
    settings = load_settings()
    ids: dict[str, str] = {}
    with open_store(settings) as store:
        key = ensure_digest_key(store, actor="test")
        ledger = Ledger(store, actor="scanner")
        at = datetime.now(UTC) - timedelta(hours=1)
        first = ScanResult(
            "scan-1",
            baseline,
            at,
            at,
            aggregate([_ran("web1", 1, "changed", "a"), _ran("web1", 2, "changed", "b")], key),
        )
        reconcile(ledger, first, ttl=timedelta(days=7))
        ledger.record_scan(first.record())
        now = datetime.now(UTC)
        runs = [_ran("web1", 1, "changed", "a"), _ran("web1", 2, "ok"), _ran("web2", 3, "changed", "c")]
        second = ScanResult("scan-2", baseline, now, now, aggregate(runs, key))
        reconcile(ledger, second, ttl=timedelta(days=7))
        ledger.record_scan(second.record())
        ids = {f"{r.host}:{r.task_path}": r.id for r in second.requests}
        ids["gone"] = second.gone[0]
        ids["superseded"] = second.superseded[0]
    return ids


def test_list_shows_open_requests_as_a_table_and_json(operator: dict[str, str], capsys: pytest.CaptureFixture[str]
                                                      ) -> None:  # fmt: skip
    assert main(["drift", "list"]) == 0
    table = capsys.readouterr().out
    assert operator["web1:site.yml:1"] in table and operator["web2:site.yml:3"] in table
    assert operator["gone"] not in table and "web1/motd: mode 0600->0644" in table
    assert main(["drift", "list", "--all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["state"] for r in rows} == {"proposed", "gone", "superseded"} and len(rows) == 4
    assert main(["drift", "list", "--state", "gone", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [operator["gone"]]
    assert main(["drift", "list", "--host", "web2", "--json"]) == 0
    assert [r["host"] for r in json.loads(capsys.readouterr().out)] == ["web2"]


def test_show_tells_what_differs_since_when_and_the_history(operator: dict[str, str],
                                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert main(["drift", "show", operator["superseded"]]) == 0
    text = capsys.readouterr().out
    assert "superseded" in text and "the same drift" in text and "history:" in text and "mode 0600->0644" in text
    assert main(["drift", "show", operator["web1:site.yml:1"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["effective_state"] == "proposed" and [v["state"] for v in shown["history"]] == ["proposed"]
    assert main(["drift", "scans", "--json"]) == 0
    assert [s["scan"] for s in json.loads(capsys.readouterr().out)] == ["scan-2", "scan-1"]


def test_the_report_is_written_for_the_newest_scan_or_the_one_named(
    operator: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", "report", "-o", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "scan-2" in page and operator["web2:site.yml:3"] in page and "Hosts by tasks" in page
    assert main(["drift", "report", "--scan", "scan-1", "-o", str(tmp_path / "old.html")]) == 0
    assert "scan-1" in (tmp_path / "old.html").read_text()
    assert main(["drift", "report", "--scan", "scan-9", "-o", str(tmp_path / "x.html")]) == 1
    assert "no drift scan scan-9" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


def test_converge_refuses_closed_unknown_and_unreadable_requests_before_any_run(
    operator: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", "converge", operator["gone"]]) == 1
    assert "is gone" in capsys.readouterr().out
    assert main(["drift", "converge", "cr-0000000000000000"]) == 1
    assert "no convergence request" in capsys.readouterr().err
    assert main(["drift", "converge", operator["web1:site.yml:1"], operator["superseded"]]) == 1
    assert "is superseded" in capsys.readouterr().out
    (tmp_path / "project" / "site.yml").unlink()
    assert main(["drift", "converge", operator["web1:site.yml:1"]]) == 1
    assert "cannot be read where it was scanned" in capsys.readouterr().out
    (tmp_path / "project" / "site.yml").write_text("- hosts: all\n  tasks: [] # changed\n")
    assert main(["drift", "converge", operator["web1:site.yml:1"]]) == 1
    assert "the baseline changed since scan scan-2 (the playbook's project" in capsys.readouterr().out
    assert main(["drift", "converge", operator["web1:site.yml:1"], "--approval-file", str(tmp_path / "nope")]) == 1


def test_errors_exit_1_in_the_drift_group_and_stay_2_elsewhere(
    operator: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drift", "scan", "-i", str(tmp_path / "inventory.ini"), str(tmp_path / "missing.yml")]) == 1
    assert main(["drift", "show", "cr-nope"]) == 1
    killswitch.trip(tmp_path / "state" / "emergency-stop", reason="incident", principal="ops")
    assert main(["drift", "scan", "-i", str(tmp_path / "inventory.ini"), str(tmp_path / "project" / "site.yml")]) == 1
    assert "emergency stop is tripped" in capsys.readouterr().err
    killswitch.clear(tmp_path / "state" / "emergency-stop")
    monkeypatch.setenv("PRAXIS_DRIFT_JOB", "0" * 32)  # inside a drift run (a baseline scanning itself): refused
    assert main(["drift", "scan", "-i", str(tmp_path / "inventory.ini"), str(tmp_path / "project" / "site.yml")]) == 1
    monkeypatch.setenv("PRAXIS_DRIFT_JOB", "not-a-job")
    assert main(["drift", "list"]) == 1  # a configuration error: 2 would read as "drift" to a scheduler
    assert main(["status"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["drift", "scan", "-i", "x", "p.yml", "--ttl", "0s"])
    assert usage.value.code == 2  # argparse's own usage error
