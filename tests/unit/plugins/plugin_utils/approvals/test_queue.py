# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval housekeeping through the real pipeline and the real `praxis-gate approvals` commands: one pending
request per task however often it is retried, configurable expiry, denying several requests at once, and the
operator messages around approving (no key yet, a key without a passphrase, a superseded request).

Each test drives Gate.from_settings (the approvals stage included) against a SQLite store in a temporary state
directory, and the CLI's ``main`` in this process with the same environment.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.queue import item_state
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import _common
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store

from tests.operator_env import operator_environment


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An operator's environment: a private state directory, an operator key directory and registry."""
    return operator_environment(tmp_path, monkeypatch, state=tmp_path / "state", mode="guarded",
                                principal="agent@controller")  # fmt: skip


def _task(
    command: str = "systemctl restart nginx", *, run_id: str | None = None, tokens: tuple[str, ...] = ()
) -> TaskRequest:
    return TaskRequest(
        action="ansible.builtin.command", args={"_raw_params": command}, host="web1", task_name="restart nginx",
        run_id=run_id or uuid.uuid4().hex, principal="agent@controller", approval_tokens=tokens,
    )  # fmt: skip


def _decide(request: TaskRequest) -> Any:
    gate = Gate.from_settings(load_settings())
    gate.run_id = request.run_id or gate.run_id
    return gate.decide(request)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _listed(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    code, out, err = _cli(capsys, "approvals", "list", "--json", *extra)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_retries_of_one_task_leave_one_pending_request(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    runs = [uuid.uuid4().hex for _repeat in range(7)]
    for run_id in runs:
        decision = _decide(_task(run_id=run_id))
        assert decision.verdict is Verdict.APPROVAL_REQUIRED
        assert f"request req-{run_id[:16]}" in decision.reason
    pending = _listed(capsys)
    assert [row["request"] for row in pending] == [f"req-{runs[-1][:16]}"], pending
    every = {row["request"]: row["status"] for row in _listed(capsys, "--all")}
    assert every == {f"req-{r[:16]}": ("pending" if r == runs[-1] else "superseded") for r in runs}
    code, out, _unused = _cli(capsys, "approvals", "show", f"req-{runs[0][:16]}")
    assert code == 0 and f"[superseded by req-{runs[-1][:16]}]" in out, out
    # the superseded request cannot be approved; the message names the one to approve
    code, _unused, err = _cli(capsys, "approvals", "approve", f"req-{runs[0][:16]}", "--as", "alice")
    assert code == 2 and "no pending items" in err and f"approve req-{runs[-1][:16]}" in err, err


def test_a_different_task_is_not_superseded(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _decide(_task("systemctl restart nginx"))
    _decide(_task("systemctl restart postgresql"))
    assert len(_listed(capsys)) == 2


def test_the_same_task_twice_in_one_run_asks_twice(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """A play that restarts a service at two points: both items of the one request stay pending."""
    run_id = uuid.uuid4().hex
    _decide(_task(run_id=run_id))
    _decide(_task(run_id=run_id))
    (row,) = _listed(capsys)
    assert (row["items"], row["pending"]) == (2, 2), row


def test_pending_requests_expire_after_the_configured_lifetime(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRAXIS_APPROVAL_PENDING_TTL", "600")
    run_id = uuid.uuid4().hex
    _decide(_task(run_id=run_id))
    settings = load_settings()
    ruleset = load_ruleset(settings.policy_path).digest
    with open_store(settings) as store:
        (request,) = store.list_approval_requests(run_id=run_id)
        (item,) = store.approval_items(request.request_id)
        assert timedelta(seconds=595) <= request.expires_at - request.created_at <= timedelta(seconds=601)
        assert item_state(store, request, item, ruleset=ruleset).pending
        later = request.created_at + timedelta(seconds=601)
        assert item_state(store, request, item, ruleset=ruleset, now=lambda: later).name == "expired"


@pytest.mark.parametrize("value", ["0", "299", "2592001", "ten", "-5"])
def test_an_invalid_pending_lifetime_is_refused(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PRAXIS_APPROVAL_PENDING_TTL", value)
    with pytest.raises(ConfigError, match=r"pending approval request must be 300\.\.2592000 seconds"):
        load_settings()


def test_deny_takes_several_requests_or_every_pending_one(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    commands = ["systemctl restart a", "systemctl restart b", "systemctl restart c", "systemctl restart d"]
    for command in commands:
        _decide(_task(command))
    requests = [row["request"] for row in _listed(capsys)]
    assert len(requests) == 4
    code, out, err = _cli(capsys, "approvals", "deny", requests[0], requests[1], "--reason", "freeze")
    assert code == 0, err
    assert out.splitlines() == [f"denied {requests[0]}: freeze", f"denied {requests[1]}: freeze"]
    assert sorted(row["request"] for row in _listed(capsys)) == sorted(requests[2:])
    code, out, err = _cli(capsys, "approvals", "deny", "--all-pending", "--reason", "weekend")
    assert code == 0 and sorted(out.splitlines()) == sorted(f"denied {r}: weekend" for r in requests[2:]), err
    assert _listed(capsys) == []
    assert {row["status"] for row in _listed(capsys, "--all")} == {"denied"}
    # an unknown id refuses the whole command before anything is denied
    _decide(_task("systemctl restart e"))
    (fresh,) = [row["request"] for row in _listed(capsys)]
    code, _unused, err = _cli(capsys, "approvals", "deny", fresh, "req-nosuchrequest", "--reason", "x")
    assert code == 2 and "no approval request req-nosuchrequest" in err
    assert [row["request"] for row in _listed(capsys)] == [fresh]
    code, _unused, err = _cli(capsys, "approvals", "deny", "--reason", "x")
    assert code == 2 and "--all-pending" in err


def test_check_names_no_request(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _unused = _cli(
        capsys, "check", "--action", "ansible.builtin.command", "--args", '{"_raw_params": "systemctl restart nginx"}'
    )
    assert code == 1
    assert "APPROVAL_REQUIRED" in out and "req-" not in out and "a real run records an approval request" in out, out
    assert _listed(capsys) == []  # and nothing was recorded


def test_approve_without_an_operator_key_points_at_operator_init(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _decide(_task())
    (row,) = _listed(capsys)
    code, out, err = _cli(capsys, "approvals", "approve", row["request"])
    assert code == 2 and out == ""
    assert "no operator key" in err and "praxis-gate operator init --name NAME" in err, err


def test_a_key_without_a_passphrase_is_not_asked_for_one(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _unused, err = _cli(capsys, "operator", "init", "--name", "alice", "--no-passphrase")
    assert code == 0, err
    _decide(_task())
    (row,) = _listed(capsys)

    def no_prompt(prompt: str = "") -> str:
        raise AssertionError(f"asked for a passphrase: {prompt}")

    monkeypatch.setattr(_common.getpass, "getpass", no_prompt)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code, out, err = _cli(capsys, "approvals", "approve", row["request"])
    assert code == 0 and out.startswith("pxa1."), err


def test_a_key_with_a_passphrase_is_asked_for_it(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse\n")
    assert _cli(capsys, "operator", "init", "--name", "alice", "--passphrase-file", str(secret))[0] == 0
    _decide(_task())
    (row,) = _listed(capsys)
    asked: list[str] = []
    monkeypatch.setattr(_common.getpass, "getpass", lambda prompt="": asked.append(prompt) or "correct horse")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code, out, err = _cli(capsys, "approvals", "approve", row["request"])
    assert code == 0 and out.startswith("pxa1."), err
    assert asked == ["passphrase for operator alice: "]


def test_approvals_show_renders_diffs_as_unified_diffs(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings()
    with open_store(settings) as store:
        now = datetime.now(UTC)
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._model import ApprovalItem

        diff = [{"before": "listen 80\nworkers 4\n", "after": "listen 8080\nworkers 4\n",
                 "before_header": "/etc/app.conf", "after_header": "/etc/app.conf"},
                {"before": {"mode": "0644", "path": "/etc/app.conf"},
                 "after": {"mode": "0600", "path": "/etc/app.conf"}}]  # fmt: skip
        store.add_approval_request(
            request_id="req-0123456789abcdef.x", requester="agent@controller", session="", run_id="r",
            ruleset_digest=load_ruleset(None).digest, expires_at=now + timedelta(hours=1),
            payload={"plan": "req-0123456789abcdef", "check_run": True},
            items=[ApprovalItem("item-1", "req-0123456789abcdef.x", "ansible.builtin.copy", "web1", "T2", "d" * 64,
                                {"task": "install config", "args": {}})],
            bodies={"item-1": {"diff": diff}},
        )  # fmt: skip
    code, out, err = _cli(capsys, "approvals", "show", "req-0123456789abcdef")
    assert code == 0, err
    lines = [line.strip() for line in out.splitlines()]
    for expected in ("--- before: /etc/app.conf", "+++ after: /etc/app.conf", "-listen 80", "+listen 8080",
                     'workers 4', '-  "mode": "0644",', '+  "mode": "0600",'):  # fmt: skip
        assert expected in lines, out
    assert "{" not in "".join(line for line in lines if line.startswith(("-listen", "+listen")))
