# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval notifications against a real HTTP receiver on loopback: what is announced (and what never is), through
the egress filter, with bounded retries; a receiver that is down, hangs or fails never fails the run or holds it
past the budget. The gate, its approvals stage and the SQLite store are the real ones."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import notify
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings

from tests.http_receiver import HttpReceiver, down_url

SECRET_ARG = "s3cr3t-argument-body-9f2c"
TASK_NAME = "rotate the credentials of hunter2-task"


def _gate(tmp_path: Path, webhook: str | None, *, allow: str = "127.0.0.1/32") -> Gate:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": "guarded", "HOME": str(tmp_path),
           "PRAXIS_EGRESS_ALLOW": allow, "PRAXIS_PRINCIPAL": "ci@controller"}  # fmt: skip
    if webhook:
        env["PRAXIS_APPROVAL_WEBHOOK"] = webhook
    return Gate.from_settings(load_settings(env, cfg=False), warn=lambda message: None)


def _run_with_pending(gate: Gate) -> str:
    """A run that leaves two T2 actions (and one T3) waiting for an operator; returns the request id."""
    gate.start_run(playbook="site.yml")
    ids = set()
    for host, command in (("web1", f"systemctl restart nginx --token={SECRET_ARG}"), ("web2", "useradd deploy")):
        request = TaskRequest(action="ansible.builtin.command", args={"cmd": command}, host=host,
                              task_name=TASK_NAME, run_id=gate.run_id, principal="ci@controller")  # fmt: skip
        decision = gate.decide(request)
        assert decision.verdict is Verdict.APPROVAL_REQUIRED, decision
        ids.add(decision.reason.split("request ", 1)[1].split()[0].rstrip(".:("))
    assert len(ids) == 1
    return ids.pop()


def _events(gate: Gate, event: str) -> list[dict[str, Any]]:
    lines = gate.settings.audit_path.read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("event") == event]


def test_a_pending_request_is_announced_with_ids_names_and_tiers_only(tmp_path: Path) -> None:
    with HttpReceiver() as receiver:
        gate = _gate(tmp_path, receiver.url)
        request_id = _run_with_pending(gate)
        gate.finish_run()
    assert len(receiver.received) == 1
    sent = receiver.received[0]
    assert sent.method == "POST" and sent.headers["Content-Type"] == "application/json"
    body = sent.json()
    praxis = body["praxis"]
    assert praxis["request"] == request_id and praxis["event"] == "approval-requested"
    assert praxis["tiers"] == ["T2"] and praxis["hosts"] == ["web1", "web2"]
    assert {a["target"] for a in praxis["actions"]} == {"web1", "web2"}
    assert praxis["next"] == f"praxis-gate approvals show {request_id}"
    assert praxis["expires_at"].endswith("Z") and praxis["requester"] == "ci@controller"
    assert request_id in body["text"] and body["text"] == body["body"] and body["msgtype"] == "m.text"
    raw = sent.body.decode()
    for never in (SECRET_ARG, "systemctl", "useradd", "hunter2", "pxa1"):
        assert never not in raw, f"{never!r} reached the webhook"
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is True and event["attempts"] == 1
    assert "secret-path-token" not in gate.settings.audit_path.read_text()  # the webhook URL is a secret


def test_nothing_is_sent_when_nothing_waits(tmp_path: Path) -> None:
    with HttpReceiver() as receiver:
        gate = _gate(tmp_path, receiver.url)
        gate.start_run()
        assert gate.decide(TaskRequest(action="ansible.builtin.ping", args={}, host="web1")).allowed
        gate.finish_run()
    assert receiver.received == []
    assert _events(gate, "approval-notification") == []


def test_a_receiver_that_is_down_costs_the_run_nothing(tmp_path: Path) -> None:
    gate = _gate(tmp_path, down_url())
    _run_with_pending(gate)
    started = time.perf_counter()
    gate.finish_run()
    assert time.perf_counter() - started < notify.BUDGET_SECONDS + 2
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is False and event["attempts"] == notify.ATTEMPTS
    assert "cannot reach" in event["detail"]
    assert _events(gate, "run-end"), "the run still ended and was recorded"


def test_a_receiver_that_hangs_is_cut_off_within_the_budget(tmp_path: Path) -> None:
    with HttpReceiver(behaviour="hang") as receiver:
        gate = _gate(tmp_path, receiver.url)
        _run_with_pending(gate)
        started = time.perf_counter()
        gate.finish_run()
        elapsed = time.perf_counter() - started
    assert receiver.received, "the receiver was reached (and hung)"
    assert elapsed < notify.BUDGET_SECONDS + 2, elapsed
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is False and "did not answer" in event["detail"]
    assert _events(gate, "run-end")


def test_a_failing_receiver_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    with HttpReceiver(behaviour="flaky", failures=2) as receiver:
        gate = _gate(tmp_path, receiver.url)
        _run_with_pending(gate)
        gate.finish_run()
    assert len(receiver.received) == 3
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is True and event["attempts"] == 3


def test_a_receiver_that_refuses_the_message_is_not_retried(tmp_path: Path) -> None:
    with HttpReceiver(status=404) as receiver:
        gate = _gate(tmp_path, receiver.url)
        _run_with_pending(gate)
        gate.finish_run()
    assert len(receiver.received) == 1
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is False and "HTTP 404" in event["detail"]


@pytest.mark.parametrize("allow", ["", "10.0.0.0/8"])
def test_the_webhook_goes_through_the_egress_filter(tmp_path: Path, allow: str) -> None:
    """A receiver on loopback is refused unless the operator allowlists it: nothing reaches it."""
    with HttpReceiver() as receiver:
        gate = _gate(tmp_path, receiver.url, allow=allow)
        _run_with_pending(gate)
        gate.finish_run()
    assert receiver.received == []
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is False and event["attempts"] == 1
    assert "egress refused" in event["detail"] and "loopback" in event["detail"]


def test_a_webhook_that_is_not_http_is_a_configuration_error(tmp_path: Path) -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError

    with pytest.raises(ConfigError, match="APPROVAL_WEBHOOK"):
        _gate(tmp_path, "file:///tmp/hook")


def test_an_announcement_at_interpreter_shutdown_needs_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run ends in an atexit handler, where Python 3.12 starts no thread and no executor takes work: delivery
    (its deadline, resolving the receiver's name) must not need either. (The receiver's own threads run on.)"""
    import concurrent.futures

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    with HttpReceiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")  # a name: resolution must work without a thread too
        gate = _gate(tmp_path, url, allow="127.0.0.1/32, ::1/128")
        _run_with_pending(gate)
        monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit", refuse)
        gate.finish_run()
        monkeypatch.undo()
    assert len(receiver.received) == 1
    [event] = _events(gate, "approval-notification")
    assert event["delivered"] is True, event
