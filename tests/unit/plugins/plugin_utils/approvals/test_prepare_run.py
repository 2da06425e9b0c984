# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run's presented tokens are verified once, in the controller, and what is remembered never outlives what it
depends on: a changed registry, requester rule or lifetime verifies again, and the clock is judged on every use.

The redemption path is driven through Gate.from_settings against a SQLite store and the real `praxis-gate
approvals` commands; the forked worker is a real ``os.fork()``, as ansible-core forks one per task and host.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import tokens
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.stage import ApprovalSeam
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    InvalidToken,
    TokenItem,
    sign_token,
    verify_token,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.operator_env import operator_environment

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TTL = 600


@pytest.fixture(autouse=True)
def _empty_memo() -> Iterator[None]:
    tokens._VERIFIED.clear()
    yield
    tokens._VERIFIED.clear()


def _operator(name: str) -> tuple[Ed25519PrivateKey, Approver]:
    key = Ed25519PrivateKey.generate()
    return key, Approver(name, key.public_key())


def _token(key: Ed25519PrivateKey, approver: Approver, *, now: datetime = NOW) -> str:
    items = [TokenItem("item-1", "d" * 64, "web1", "T2")]
    return sign_token(plan="req-1", items=items, key=key, approver=approver, ttl=TTL, now=now)


def _verify(token: str, registry: dict[str, Approver], **kwargs: Any) -> Any:
    values: dict[str, Any] = {"now": NOW, "max_ttl": 3600, **kwargs}
    return verify_token(token, approvers=registry, **values)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the full verifications (signature, shape, lifetime) that happen from now on."""
    calls: list[str] = []
    untimed: Callable[..., Any] = tokens._verify_untimed

    def counted(token: str, *args: Any) -> Any:
        calls.append(token[:12])
        return untimed(token, *args)

    monkeypatch.setattr(tokens, "_verify_untimed", counted)
    return calls


# ---------------------------------------------------------------------------------------------------- the memo
def test_a_token_verified_once_is_not_verified_again_for_the_same_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    key, alice = _operator("alice")
    token = _token(key, alice)
    calls = _counting(monkeypatch)
    first = _verify(token, {alice.key_id: alice})
    again = _verify(f"  {token}\n", {alice.key_id: Approver("alice", alice.public)})  # a registry read again
    assert again == first and len(calls) == 1


# Each change of what verification depends on, apart from the clock, with the answer it must give afterwards.
_CHANGES: dict[str, tuple[Callable[[Approver, Approver], dict[str, Any]], str | None]] = {
    "the approver left the registry": (lambda alice, bob: {"registry": {bob.key_id: bob}}, "not signed by any"),
    "an empty registry": (lambda alice, bob: {"registry": {}}, "not signed by any"),
    "the key id now names another key": (
        lambda alice, bob: {"registry": {alice.key_id: Approver("alice", bob.public)}},
        "does not verify",
    ),
    "the approver was renamed to the requester": (
        lambda alice, bob: {
            "registry": {alice.key_id: Approver("agent", alice.public)},
            "requester": "agent",
            "distinct_from_requester": True,
        },
        "signed by the requester",
    ),
    "the distinct-approver rule was switched on": (
        lambda alice, bob: {"requester": "alice@ctl", "distinct_from_requester": True},
        "signed by the requester",
    ),
    "a shorter maximum lifetime": (lambda alice, bob: {"max_ttl": TTL - 1}, "lifetime exceeds"),
    "a second approver joined (positive control: still valid)": (
        lambda alice, bob: {"registry": {alice.key_id: alice, bob.key_id: bob}},
        None,
    ),
}


@pytest.mark.parametrize("change", list(_CHANGES))
def test_what_verification_depends_on_is_part_of_what_is_remembered(
    change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, alice = _operator("alice")
    _unused, bob = _operator("bob")
    token = _token(key, alice)
    assert _verify(token, {alice.key_id: alice}).approvers == ("alice",)
    calls = _counting(monkeypatch)
    build, refusal = _CHANGES[change]
    changed = build(alice, bob)
    registry = changed.pop("registry", {alice.key_id: alice})
    if refusal is None:
        assert _verify(token, registry, **changed).approvers == ("alice",)
    else:
        with pytest.raises(InvalidToken, match=refusal):
            _verify(token, registry, **changed)
    assert len(calls) == 1  # verified again, not answered from what was remembered


def test_the_clock_is_judged_on_every_use_of_a_remembered_token(monkeypatch: pytest.MonkeyPatch) -> None:
    key, alice = _operator("alice")
    registry = {alice.key_id: alice}
    token = _token(key, alice)
    assert _verify(token, registry).expires_at == int(NOW.timestamp()) + TTL
    calls = _counting(monkeypatch)
    with pytest.raises(InvalidToken, match="expired"):
        _verify(token, registry, now=NOW + timedelta(seconds=TTL))
    assert _verify(token, registry, now=NOW + timedelta(seconds=TTL), allow_expired=True).plan == "req-1"
    with pytest.raises(InvalidToken, match="lifetime exceeds"):  # now seen from a clock far behind the approver's
        _verify(token, registry, now=NOW - timedelta(seconds=61))
    assert _verify(token, registry, now=NOW - timedelta(seconds=60)).plan == "req-1"  # within the skew
    assert calls == []


def test_what_does_not_verify_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    key, alice = _operator("alice")
    token = _token(key, alice)
    calls = _counting(monkeypatch)
    for _attempt in range(3):
        with pytest.raises(InvalidToken):
            _verify(token, {})
    assert len(calls) == 3 and not tokens._VERIFIED


def test_the_memo_is_bounded() -> None:
    key, alice = _operator("alice")
    registry = {alice.key_id: alice}
    minted = [_token(key, alice) for _number in range(tokens._VERIFIED_LIMIT + 10)]
    assert all(_verify(token, registry).plan == "req-1" for token in minted)
    assert len(tokens._VERIFIED) == tokens._VERIFIED_LIMIT


# ---------------------------------------------------------------------------------------------------- the run
@pytest.fixture
def approved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> TaskRequest:
    """A task whose request an operator approved: the same task again, presenting the printed tokens."""
    operator_environment(tmp_path, monkeypatch, state=tmp_path / "state", mode="guarded", principal="agent@ctl")
    assert main(["operator", "init", "--name", "alice", "--no-passphrase"]) == 0
    run_id = uuid.uuid4().hex
    request = TaskRequest(
        action="ansible.builtin.command", args={"_raw_params": "systemctl restart nginx"}, host="web1",
        task_name="restart nginx", run_id=run_id, principal="agent@ctl",
    )  # fmt: skip
    gate = Gate.from_settings(load_settings())
    gate.run_id = run_id
    assert gate.decide(request).verdict is Verdict.APPROVAL_REQUIRED
    capsys.readouterr()
    assert main(["approvals", "approve", f"req-{run_id[:16]}", "--as", "alice"]) == 0
    printed = capsys.readouterr().out.split()
    monkeypatch.setenv("PRAXIS_APPROVAL", " ".join(printed))
    return request


def _decide_in_a_fork(gate: Gate, request: TaskRequest, *, verification_fails: bool) -> str:
    """The verdict a freshly forked worker reaches; with ``verification_fails`` every full verification raises in
    the worker, so only a token verified before the fork can be redeemed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.close(read)
            if verification_fails:

                def refuse(*_args: Any) -> Any:
                    raise InvalidToken("verified in the worker")

                tokens._verify_untimed = refuse
            decision = gate.decide(request)
            os.write(write, f"{decision.verdict.value}|{decision.reason}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return answer


def _seam(gate: Gate) -> ApprovalSeam:
    return next(seam for seam in gate.seams if isinstance(seam, ApprovalSeam))


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "positive-control-unprepared"])
def test_a_worker_forked_after_prepare_run_redeems_without_verifying_again(
    approved: TaskRequest, prepared: bool
) -> None:
    settings = load_settings()
    gate = Gate.from_settings(settings)
    gate.run_id = approved.run_id
    request = dataclasses.replace(approved, approval_tokens=settings.approval_tokens)
    if prepared:
        _seam(gate).prepare_run(settings.approval_tokens)
        assert _seam(gate)._store is None  # the store opened to read the key is closed: it must not cross fork()
        assert _seam(gate)._binding_key is not None
    answer = _decide_in_a_fork(gate, request, verification_fails=True)
    if prepared:
        assert answer.startswith("allowed|") and "approved by alice" in answer, answer
    else:
        assert answer.startswith("approval_required|") and "verified in the worker" in answer, answer


def test_prepare_run_never_raises_and_leaves_refusals_to_the_task(
    approved: TaskRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    gate = Gate.from_settings(settings)
    gate.run_id = approved.run_id
    seam = _seam(gate)
    seam.prepare_run(["pxa1.damaged.token", "not a token at all"])  # refused later, by the task presenting them
    assert not tokens._VERIFIED
    monkeypatch.setenv("PRAXIS_APPROVERS", str(Path(os.environ["PRAXIS_APPROVERS"]).parent / "missing"))
    broken = Gate.from_settings(load_settings())
    _seam(broken).prepare_run(settings.approval_tokens)  # an unreadable registry: nothing remembered, no raise
    assert not tokens._VERIFIED
