# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Human approvals under real runs: a --check plan, an operator's signature, one execution, and every forgery a
caller who can read and write the store, the audit log and the project (but not the operator's private key) can try.

The harness plays the operator: it runs `praxis-gate operator init` and `approvals approve`, and where a test needs
a token the CLI would never print (expired, for two T3 hosts, signed by the requester) it signs one with the
operator's key file directly, which is exactly as much as a rogue operator could do. Every refusal is proved by a
canary file that a gated task would have created.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import subprocess
import textwrap
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver, load_operator_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    Binding,
    TokenItem,
    sign_token,
    token_ref,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_sqlite
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .harness import BIN_DIR, AnsibleLab, RunResult, SshTarget

REQUESTER = "agent@controller"


# ---------------------------------------------------------------------------------------------------- the lab
@pytest.fixture
def lab(tmp_path: Path, ssh_target: SshTarget) -> AnsibleLab:
    """Two inventory hosts (aliases of one real sshd), an operator `alice` with a registered key."""
    lab = AnsibleLab(root=tmp_path / "lab", targets={"target1": ssh_target, "target2": ssh_target})
    lab.env_overrides.update(
        PRAXIS_OPERATOR_DIR=str(lab.config_dir / "operators"),
        PRAXIS_APPROVERS=str(lab.config_dir / "approvers"),
        PRAXIS_PRINCIPAL=REQUESTER,
    )
    _operator_init(lab, "alice")
    return lab


def _operator_init(lab: AnsibleLab, name: str) -> None:
    result = lab.run("praxis-gate", ["operator", "init", "--name", name, "--no-passphrase"])
    assert result.rc == 0, result.output


def _requests(lab: AnsibleLab, *, every: bool = False) -> list[dict[str, Any]]:
    result = lab.run("praxis-gate", ["approvals", "list", "--json", *(["--all"] if every else [])])
    assert result.rc == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def _only_request(lab: AnsibleLab) -> str:
    rows = _requests(lab)
    assert len(rows) == 1, rows
    return str(rows[0]["request"])


def _show(lab: AnsibleLab, request: str) -> dict[str, Any]:
    result = lab.run("praxis-gate", ["approvals", "show", request, "--json"])
    assert result.rc == 0, result.output
    detail: dict[str, Any] = json.loads(result.stdout)
    return detail


def _approve(lab: AnsibleLab, request: str, *args: str, name: str = "alice") -> str:
    result = lab.run("praxis-gate", ["approvals", "approve", request, "--as", name, *args])
    assert result.rc == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("pxa1.") and "\n" not in token, result.stdout
    assert token not in result.stderr
    return token


def _operator_key(lab: AnsibleLab, name: str = "alice") -> tuple[Ed25519PrivateKey, Approver]:
    key = load_operator_key(name, key_dir=lab.config_dir / "operators", passphrase=None)
    return key, Approver(name, key.public_key())


def _mint(
    lab: AnsibleLab,
    request: str,
    *,
    signer: tuple[Ed25519PrivateKey, Approver] | None = None,
    targets: tuple[str, ...] | None = None,
    now: datetime | None = None,
    ttl: int = 900,
) -> str:
    """Sign the request's items the way `approvals approve` does, without its checks (the operator's key in hand)."""
    key, approver = signer or _operator_key(lab)
    items: list[TokenItem] = []
    with open_sqlite(lab.state_dir / "state.db") as store:
        for pending in store.list_approval_requests(limit=5000):
            if pending.payload.get("plan") != request:
                continue
            for item in store.approval_items(pending.request_id):
                if targets is None or item.target in targets:
                    binding = Binding(item.action, item.target, item.tier, item.args_digest, pending.ruleset_digest)
                    items.append(TokenItem(item.item_id, binding.digest(item.item_id), item.target, item.tier))
    assert items, f"nothing pending in {request}"
    return sign_token(plan=request, items=items, key=key, approver=approver, ttl=ttl, now=now)


def _consumptions(lab: AnsibleLab) -> list[tuple[str, str, str]]:
    conn = sqlite3.connect(f"file:{lab.state_dir / 'state.db'}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute("SELECT item_id, consumer, context FROM consumptions ORDER BY item_id")]
    finally:
        conn.close()


def _with_token(token: str) -> list[str]:
    return ["-e", json.dumps({"praxis_approval": token})]


def _gated(canary: Path, hosts: str = "target1", command: str = "touch {canary}/{{{{ inventory_hostname }}}}") -> str:
    """One T2 task (free-form command) that leaves a canary file named after the host when it runs."""
    return f"""\
        - hosts: {hosts}
          gather_facts: false
          tasks:
            - name: gated command
              ansible.builtin.command: {command.format(canary=canary)}
        """


def _t3(canary: Path, hosts: str = "target1", serial: str = "") -> str:
    """One T3 task: writing an authorized_keys file (under the canary, one directory per host)."""
    for host in ("target1", "target2"):
        (canary / host).mkdir(exist_ok=True)
    return f"""\
        - hosts: {hosts}
          gather_facts: false
          {serial}
          tasks:
            - name: irreversible
              ansible.builtin.copy:
                content: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA operator\\n"
                dest: "{canary}/{{{{ inventory_hostname }}}}/authorized_keys"
        """


def _files(canary: Path) -> list[str]:
    return sorted(str(p.relative_to(canary)) for p in canary.rglob("*") if p.is_file())


def _ask(lab: AnsibleLab, play: str, *args: str) -> str:
    """A run without a token: the gated task fails with approval_required and the request it names."""
    result = lab.playbook(play, args=args)
    assert result.rc != 0, result.output
    required = result.decisions(decision="approval_required")
    assert required, result.output
    assert "approval_required" in result.output and "praxis-gate approvals show req-" in result.output
    return _only_request(lab)


def _reasons(result: RunResult, decision: str = "approval_required") -> str:
    return " | ".join(d["reason"] for d in result.decisions(decision=decision))


# ---------------------------------------------------------------------------------------------------- full flow
def test_check_plan_approve_run_executes_exactly_the_plan_once(lab: AnsibleLab, canary: Path) -> None:
    plan_tasks = f"""\
        - hosts: target1,target2
          gather_facts: false
          tasks:
            - name: restart the service
              ansible.builtin.command: touch {canary}/{{{{ inventory_hostname }}}}-cmd
            - name: install the unit file
              ansible.builtin.copy:
                content: "unit for {{{{ inventory_hostname }}}}\\n"
                dest: "{canary}/{{{{ inventory_hostname }}}}-copy"
              become: true
        """
    unplanned = f"""\
            - name: not in the plan
              ansible.builtin.command: touch {canary}/{{{{ inventory_hostname }}}}-extra
        """

    # 1. the dry run: gated tasks run as dry runs (nothing changes) and become one request with four items
    check = lab.playbook(plan_tasks, args=["--check", "--diff"])
    assert check.rc == 0, check.output
    assert _files(canary) == []
    decisions = check.decisions()
    assert len(decisions) == 4 and all(d["decision"] == "allowed" and d["dry_run"] for d in decisions), decisions
    assert {d["tier"] for d in decisions} == {"T2"}
    request = _only_request(lab)
    listed = _requests(lab)[0]
    assert (listed["items"], listed["pending"], listed["requester"]) == (4, 4, REQUESTER)
    assert listed["targets"] == ["target1", "target2"] and listed["tiers"] == ["T2"]
    detail = _show(lab, request)
    assert detail["check_run"] is True and detail["denied"] is None and detail["requester"] == REQUESTER
    items = detail["items"]
    assert sorted((i["action"], i["target"]) for i in items) == [
        ("ansible.builtin.command", "target1"), ("ansible.builtin.command", "target2"),
        ("ansible.builtin.copy", "target1"), ("ansible.builtin.copy", "target2"),
    ]  # fmt: skip
    assert {i["state"] for i in items} == {"pending"}
    for item in items:
        if item["action"] == "ansible.builtin.copy":
            assert item["become"] is True
            assert any("privilege escalation" in r for r in item["reasons"]), item
            diff = item["diff"] if isinstance(item["diff"], list) else [item["diff"]]
            assert any(d.get("after") == f"unit for {item['target']}\n" for d in diff), item
        else:
            assert item["args"] == {"_raw_params": f"touch {canary}/{item['target']}-cmd"}
    human = lab.run("praxis-gate", ["approvals", "show", request])
    assert human.rc == 0 and "[from a --check run]" in human.stdout and "diff:" in human.stdout, human.output

    # 2. the operator approves the plan once
    approve = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert approve.rc == 0, approve.output
    token = approve.stdout.strip()
    assert token.startswith("pxa1.") and token not in approve.stderr
    assert "approved 4 item(s)" in approve.stderr
    # ... and the diffs it reviewed are purged from the store: only their sha256 remains
    purged = {i["item"]: i for i in _show(lab, request)["items"] if i["action"] == "ansible.builtin.copy"}
    assert len(purged) == 2 and all(i["diff"] is None for i in purged.values()), purged
    assert {(i["body"]["purged"], i["body"]["purged_because"]) for i in purged.values()} == {(True, "approved")}
    human = lab.run("praxis-gate", ["approvals", "show", request])
    for item in purged.values():
        assert f"after the item was approved; sha256 {item['body']['sha256']}" in human.stdout, human.output

    # 3. the real run with the token: the four planned items run; a task that was not planned does not
    run = lab.playbook(plan_tasks.rstrip(" ") + unplanned, args=_with_token(token))
    assert run.rc != 0, run.output
    assert _files(canary) == ["target1-cmd", "target1-copy", "target2-cmd", "target2-copy"], run.output
    assert (canary / "target1-copy").read_text() == "unit for target1\n"
    granted = run.decisions(rule="approval.granted")
    assert len(granted) == 4 and {d["approval_ref"] for d in granted} == {token_ref(token)}, run.records
    assert all("approved by alice" in d["reason"] and request in d["reason"] for d in granted)
    extra = run.decisions(decision="approval_required")
    assert len(extra) == 2 and {d["task"] for d in extra} == {"not in the plan"}, extra
    assert "does not cover this task" in extra[0]["reason"]
    used = _consumptions(lab)
    assert len(used) == 4
    assert {c[1] for c in used} == {d["decision_id"] for d in granted}
    assert all(json.loads(c[2])["approval_ref"] == token_ref(token) for c in used)
    assert {i["state"] for i in _show(lab, request)["items"]} == {"used"}

    # 4. the same token again: nothing runs, nothing more is consumed, and no request is opened for a replay of a
    # used approval: the refusal names the used request and how to ask anew (issue 23: a redemption race or a
    # relaunch must not flood the queue)
    for path in canary.iterdir():
        path.unlink()
    replay = lab.playbook(plan_tasks, args=_with_token(token))
    assert replay.rc != 0
    assert _files(canary) == [], replay.output
    refused = replay.decisions()
    assert [d["decision"] for d in refused] == ["approval_required"] * 2, refused  # the play stops at the first
    assert all("already used" in d["reason"] and f"approvals show {request}" in d["reason"] for d in refused)
    assert len(_consumptions(lab)) == 4
    # the used plan is closed; what stays pending is what the run asked for anew (the unplanned task)
    pending = {r["request"] for r in _requests(lab)}
    assert pending == {f"req-{run.decisions()[0]['run_id'][:16]}"}, pending
    assert request in {r["request"] for r in _requests(lab, every=True)}
    # a run without the used token asks anew, and that request supersedes nothing else
    fresh = lab.playbook(plan_tasks)
    assert fresh.rc != 0 and _files(canary) == []
    assert len(_requests(lab)) == 2

    # 5. the token appeared only on the operator's terminal
    for result in (check, run, replay):
        assert token not in result.stdout and token not in result.stderr
        assert token.split(".")[2] not in result.output
    _assert_token_nowhere(lab, token)
    assert any(r.get("approval_ref") == token_ref(token) for r in lab.audit_records())
    assert any(r.get("event") == "approval-grant" for r in lab.audit_records())


def _assert_token_nowhere(lab: AnsibleLab, token: str) -> None:
    """Not the token, not its signature part, in any file under the state directory (store, WAL, audit log)."""
    needles = [token.encode(), token.split(".")[2].encode()]
    checked = 0
    for path in lab.state_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            checked += 1
            assert not any(n in data for n in needles), f"{path} holds the approval token"
    assert checked >= 2  # at least the audit log and the store


@pytest.mark.parametrize("how", ["PRAXIS_APPROVAL", "PRAXIS_APPROVAL_FILE", "two tokens in the extra var"])
def test_tokens_are_accepted_from_the_environment_a_file_or_a_list(
    lab: AnsibleLab, canary: Path, tmp_path: Path, how: str
) -> None:
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)
    env: dict[str, str] = {}
    args: list[str] = []
    if how == "PRAXIS_APPROVAL":
        env["PRAXIS_APPROVAL"] = token
    elif how == "PRAXIS_APPROVAL_FILE":
        token_file = tmp_path / "token"
        token_file.write_text(token + "\n")
        env["PRAXIS_APPROVAL_FILE"] = str(token_file)
    else:
        stranger = _mint(lab, request, signer=(Ed25519PrivateKey.generate(), Approver("mallory", _pub())))
        args = _with_token(f"{stranger} {token}")
    result = lab.playbook(_gated(canary), env=env, args=args)
    assert result.rc == 0, result.output
    assert _files(canary) == ["target1"]
    assert result.decisions(rule="approval.granted")[0]["approval_ref"] == token_ref(token)
    assert token not in result.output
    again = lab.playbook(_gated(canary, command="touch {canary}/again"), env=env, args=args)
    assert not (canary / "again").exists() and "does not cover" in _reasons(again), again.output


def _pub() -> Any:
    return Ed25519PrivateKey.generate().public_key()


# ---------------------------------------------------------------------------------------------------- forgeries
@dataclass(frozen=True)
class Forgery:
    """What the caller does between the request and the run, and how the gate must answer."""

    forge: Callable[[AnsibleLab, str, Path], tuple[str | None, str]]  # -> (token, the play to run)
    expect: str  # in the refused decision's reason
    consumed_before: int = 0  # consumptions that exist before the forged run (the reused token used one)
    still_good: bool = False  # the genuine token was presented for something else; it must still work after


def _handwritten_rows(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    """Rows typed straight into state.db, bypassing the store code: a grant fact claiming the item approved, and a
    second request whose item is marked approved. The triggers allow INSERTs; none of it is consulted for trust."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    conn = sqlite3.connect(lab.state_dir / "state.db", isolation_level=None)
    try:
        item_id, action, target, tier, args_digest = conn.execute(
            "SELECT item_id, action, target, tier, args_digest FROM approval_items"
        ).fetchone()
        for predicate, fact_type, content in (
            (
                "grant:forged",
                "approval-grant",
                {"approval_ref": "0" * 64, "items": [item_id], "ttl": 900, "approved": True, "by": "alice"},
            ),
            ("decision", "approval", {"approved": True, "items": [item_id], "by": "alice"}),
        ):
            text = json.dumps(content, sort_keys=True, separators=(",", ":"))
            conn.execute(
                "INSERT INTO facts (fact_id, subject, predicate, fact_type, version, supersedes, content, content_hash,"
                " retracted, valid_from, valid_to, recorded_at, actor, reason) "
                "VALUES (?, ?, ?, ?, 1, NULL, ?, ?, 0, ?, NULL, ?, 'alice', 'approved')",
                (uuid.uuid4().hex, request, predicate, fact_type, text, hashlib.sha256(text.encode()).hexdigest(),
                 now, now),
            )  # fmt: skip
        conn.execute(
            "INSERT INTO approval_requests (request_id, created_at, requester, session, run_id, ruleset_digest, "
            "expires_at, payload) VALUES ('req-forged', ?, 'alice', '', '', '', ?, ?)",
            (now, later, json.dumps({"plan": "req-forged", "approved": True, "status": "approved"})),
        )
        conn.execute(
            "INSERT INTO approval_items (item_id, request_id, action, target, tier, args_digest, payload) "
            "VALUES ('item-forged', 'req-forged', ?, ?, ?, ?, ?)",
            (action, target, tier, args_digest, json.dumps({"approved": True, "approved_by": "alice"})),
        )
    finally:
        conn.close()
    return None, _gated(canary)


def _reused(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    token = _approve(lab, request)
    first = lab.playbook(_gated(canary), args=_with_token(token))
    assert first.rc == 0 and _files(canary) == ["target1"], first.output
    (canary / "target1").unlink()
    return token, _gated(canary)


def _other_host(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    return _approve(lab, request, "--host", "target1"), _gated(canary, hosts="target2")


def _changed_args(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    return _approve(lab, request), _gated(canary, command="touch {canary}/{{{{ inventory_hostname }}}} {canary}/more")


def _expired(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    return _mint(lab, request, now=datetime.now(UTC) - timedelta(seconds=2000), ttl=900), _gated(canary)


def _flip(token: str, part: int, locate: Callable[[bytes], int]) -> str:
    pieces = token.split(".")
    raw = base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4))
    if part == 2:  # the signature list: flip one bit of the Ed25519 signature itself
        signatures = json.loads(raw)
        signature = bytearray(base64.urlsafe_b64decode(signatures[0]["s"] + "=="))
        signature[locate(bytes(signature))] ^= 0x01
        signatures[0]["s"] = base64.urlsafe_b64encode(bytes(signature)).decode().rstrip("=")
        raw = json.dumps(signatures).encode()
    else:
        flipped = bytearray(raw)
        flipped[locate(raw)] ^= 0x01
        raw = bytes(flipped)
    pieces[part] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return ".".join(pieces)


def _flipped_payload(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    token = _approve(lab, request)
    return _flip(token, 1, lambda raw: raw.index(b'"nonce":"') + 9), _gated(canary)  # still valid JSON


def _flipped_signature(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    return _flip(_approve(lab, request), 2, lambda sig: len(sig) // 2), _gated(canary)


def _unregistered_key(lab: AnsibleLab, request: str, canary: Path) -> tuple[str | None, str]:
    """The caller's own key, under the operator's name: it can sign anything and it proves nothing."""
    key = Ed25519PrivateKey.generate()
    return _mint(lab, request, signer=(key, Approver("alice", key.public_key()))), _gated(canary)


FORGERIES = {
    "hand-written approved rows": Forgery(_handwritten_rows, ""),
    "reused token": Forgery(_reused, "already used", consumed_before=1),
    "token for another host": Forgery(_other_host, "does not cover this task", still_good=True),
    "changed args": Forgery(_changed_args, "does not cover this task", still_good=True),
    "expired token": Forgery(_expired, "expired"),
    "one flipped byte in the payload": Forgery(_flipped_payload, "does not verify"),
    "one flipped byte in the signature": Forgery(_flipped_signature, "does not verify"),
    "signed by an unregistered key": Forgery(_unregistered_key, "not signed by any registered approver"),
}


@pytest.mark.one_version
@pytest.mark.parametrize("case", list(FORGERIES))
def test_forgery_matrix(lab: AnsibleLab, canary: Path, case: str) -> None:
    forgery = FORGERIES[case]
    request = _ask(lab, _gated(canary))
    token, play = forgery.forge(lab, request, canary)
    assert len(_consumptions(lab)) == forgery.consumed_before
    result = lab.playbook(play, args=_with_token(token) if token else ())
    assert result.rc != 0, result.output
    assert _files(canary) == [], f"the gated task ran: {result.output}"
    (refused,) = result.decisions(action="ansible.builtin.command")
    assert refused["decision"] == "approval_required" and refused["approval_ref"] is None, refused
    assert forgery.expect in refused["reason"], refused["reason"]
    assert len(_consumptions(lab)) == forgery.consumed_before, "a refused token consumed something"
    if token:
        assert token not in result.output
    if forgery.still_good:
        genuine = lab.playbook(_gated(canary), args=_with_token(str(token)))
        assert genuine.rc == 0 and _files(canary) == ["target1"], genuine.output


@pytest.mark.one_version
def test_a_t3_token_for_two_hosts_is_refused(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "open"
    check = lab.playbook(_t3(canary, hosts="target1,target2"), args=["--check"])
    assert check.rc == 0, check.output
    request = _only_request(lab)
    assert {(i["tier"], i["target"]) for i in _show(lab, request)["items"]} == {("T3", "target1"), ("T3", "target2")}
    cli = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice", "--confirm-host", "target1"])
    assert cli.rc != 0 and cli.stdout == "" and "one host at a time" in cli.stderr, cli.output
    token = _mint(lab, request)  # the operator's key, past the CLI's check
    result = lab.playbook(_t3(canary), args=_with_token(token))
    assert result.rc != 0
    assert _files(canary) == [], result.output
    assert "exactly one target host" in _reasons(result), result.output
    assert _consumptions(lab) == []


@pytest.mark.one_version
def test_deny_list_and_mode_refusals_are_never_approvable(lab: AnsibleLab, canary: Path) -> None:
    """No request is recorded for them, and not even a genuine operator signature over the action makes it run."""
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - ansible.builtin.shell: echo dG91Y2ggL3RtcC9uZXZlcg== | base64 -d | sh
              ignore_errors: true
            - ansible.builtin.copy: content="ssh-ed25519 AAAA x" dest={canary}/authorized_keys
              ignore_errors: true
        """
    )
    assert [(d["decision"], d["rule"]) for d in result.decisions()] == [
        ("denied", "deny.decode-to-shell"),
        ("refused", "mode.ceiling"),
    ], result.output
    assert "approvals show" not in result.output
    assert _requests(lab, every=True) == []
    # a T3 action the operator approved while the mode was open is still refused once the mode is guarded
    lab.mode = "open"
    check = lab.playbook(_t3(canary), args=["--check"])
    assert check.rc == 0, check.output
    token = _approve(lab, _only_request(lab), "--confirm-host", "target1")
    lab.mode = "guarded"
    refused = lab.playbook(_t3(canary), args=_with_token(token))
    assert _files(canary) == [], refused.output
    assert [d["rule"] for d in refused.decisions()] == ["mode.ceiling"]
    assert _consumptions(lab) == []


@pytest.mark.one_version
def test_a_ruleset_change_invalidates_pending_approvals(lab: AnsibleLab, canary: Path) -> None:
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)
    lab.allow_commands("uptime")  # the operator adds a policy file: the ruleset digest changes
    result = lab.playbook(_gated(canary), args=_with_token(token))
    assert _files(canary) == [], result.output
    assert "does not cover this task" in _reasons(result)
    assert _consumptions(lab) == []
    assert {i["state"] for i in _show(lab, request)["items"]} == {"stale (rules changed)"}
    stale = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert stale.rc != 0 and stale.stdout == "" and "no pending items" in stale.stderr, stale.output


@pytest.mark.one_version
def test_a_denied_request_cannot_be_approved_or_redeemed(lab: AnsibleLab, canary: Path) -> None:
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)  # approved first, then another operator denies it before the run
    deny = lab.run("praxis-gate", ["approvals", "deny", request, "--reason", "change freeze", "--as", "alice"])
    assert deny.rc == 0, deny.output
    assert _show(lab, request)["denied"]["reason"] == "change freeze"
    again = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert again.rc != 0 and again.stdout == "" and "was denied" in again.stderr
    result = lab.playbook(_gated(canary), args=_with_token(token))
    assert _files(canary) == [], result.output
    assert "was denied by an operator" in _reasons(result)
    assert _consumptions(lab) == []
    assert any(r.get("event") == "approval-denial" and r.get("reason") == "change freeze" for r in lab.audit_records())


@pytest.mark.one_version
def test_the_approver_must_differ_from_the_requester_when_configured(lab: AnsibleLab, canary: Path) -> None:
    lab.env_overrides.update(PRAXIS_APPROVAL_DISTINCT="true", PRAXIS_PRINCIPAL="alice@controller")
    request = _ask(lab, _gated(canary))
    own = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "alice"])
    assert own.rc != 0 and own.stdout == "" and "other than the requester" in own.stderr, own.output
    self_signed = _mint(lab, request)  # alice signs her own request with her key, past the CLI
    result = lab.playbook(_gated(canary), args=_with_token(self_signed))
    assert _files(canary) == [], result.output
    assert "signed by the requester" in _reasons(result)
    assert _consumptions(lab) == []
    _operator_init(lab, "bob")
    # the refused run asked anew for the same task, which superseded the first request: approving that one names it
    stale = lab.run("praxis-gate", ["approvals", "approve", request, "--as", "bob"])
    latest = _only_request(lab)
    assert stale.rc != 0 and f"approve {latest}" in stale.stderr and latest != request, stale.output
    token = _approve(lab, latest, name="bob")
    ok = lab.playbook(_gated(canary), args=_with_token(token))
    assert ok.rc == 0 and _files(canary) == ["target1"], ok.output
    assert "approved by bob" in ok.decisions(rule="approval.granted")[0]["reason"]


@pytest.mark.one_version
def test_t3_needs_two_distinct_approvers_when_configured(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "open"
    lab.env_overrides["PRAXIS_APPROVAL_T3_TWO"] = "true"
    _operator_init(lab, "bob")
    request = _ask(lab, _t3(canary))
    token = _approve(lab, request, "--confirm-host", "target1")
    one = lab.playbook(_t3(canary), args=_with_token(token))
    assert _files(canary) == [], one.output
    assert "T3 needs 2 distinct approvers; this approval has 1" in _reasons(one)
    assert _consumptions(lab) == []
    twice = subprocess.run(
        [str(BIN_DIR / "praxis-gate"), "approvals", "cosign", "-", "--as", "alice"],
        check=False, input=token, env=lab.env(), capture_output=True, text=True, cwd=lab.root,
    )  # fmt: skip
    assert twice.returncode != 0 and twice.stdout == "" and "already signed" in twice.stderr
    cosign = lab.run("praxis-gate", ["approvals", "cosign", token, "--as", "bob"])
    assert cosign.rc == 0, cosign.output
    cosigned = cosign.stdout.strip()
    assert cosigned.split(".")[1] == token.split(".")[1]
    two = lab.playbook(_t3(canary), args=_with_token(cosigned))
    assert two.rc == 0, two.output
    assert _files(canary) == ["target1/authorized_keys"]
    (granted,) = two.decisions(rule="approval.granted")
    assert "alice, bob" in granted["reason"] and granted["tier"] == "T3"
    assert token not in two.output and cosigned not in two.output
    _assert_token_nowhere(lab, cosigned)


@pytest.mark.one_version
def test_t3_in_a_batch_of_two_hosts_is_refused_even_when_approved(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "open"
    unapproved = lab.playbook(_t3(canary, hosts="target1,target2"))
    assert [d["rule"] for d in unapproved.decisions()] == ["approval.t3-one-host"] * 2, unapproved.output
    assert "serial: 1" in unapproved.output
    assert _requests(lab, every=True) == []  # refused outright: there is nothing to approve
    check = lab.playbook(_t3(canary, hosts="target1,target2"), args=["--check"])
    assert check.rc == 0, check.output
    request = _only_request(lab)
    token = _approve(lab, request, "--host", "target1", "--confirm-host", "target1")
    batch = lab.playbook(_t3(canary, hosts="target1,target2"), args=_with_token(token))
    assert _files(canary) == [], batch.output
    assert [d["rule"] for d in batch.decisions()] == ["approval.t3-one-host"] * 2
    assert _consumptions(lab) == []
    one_at_a_time = lab.playbook(_t3(canary, hosts="target1,target2", serial="serial: 1"), args=_with_token(token))
    assert _files(canary) == ["target1/authorized_keys"], one_at_a_time.output
    assert [(d["target"], d["decision"]) for d in one_at_a_time.decisions()] == [
        ("target1", "allowed"), ("target2", "approval_required"),
    ]  # fmt: skip


def _approve_typing(lab: AnsibleLab, request: str, typed: str) -> subprocess.CompletedProcess[str]:
    """`approvals approve` without --confirm-host, answering the prompt on standard input. A new session has no
    controlling terminal, so the prompt falls back from /dev/tty to stdin, as it does in a pipeline."""
    return subprocess.run(
        [str(BIN_DIR / "praxis-gate"), "approvals", "approve", request, "--as", "alice"],
        check=False, input=typed, env=lab.env(), capture_output=True, text=True, cwd=lab.root, start_new_session=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.one_version
def test_a_t3_approval_makes_the_operator_type_the_host_name(lab: AnsibleLab, canary: Path) -> None:
    lab.mode = "open"
    check = lab.playbook(_t3(canary), args=["--check"])
    assert check.rc == 0, check.output
    request = _only_request(lab)
    for typed in ("target2\n", "\n", "TARGET1\n", "target\n", ""):
        wrong = _approve_typing(lab, request, typed)
        assert wrong.returncode != 0, wrong
        assert wrong.stdout == "", "a token was printed for a wrong host name"
        assert "type the host name" in wrong.stderr and "does not match target1" in wrong.stderr, wrong.stderr
    assert not any(r.get("event") == "approval-grant" for r in lab.audit_records())
    right = _approve_typing(lab, request, "target1\n")
    assert right.returncode == 0, right.stderr
    token = right.stdout.strip()
    assert token.startswith("pxa1.")
    result = lab.playbook(_t3(canary), args=_with_token(token))
    assert result.rc == 0 and _files(canary) == ["target1/authorized_keys"], result.output


# ---------------------------------------------------------------------------------------------------- deeper attacks
@pytest.mark.one_version
def test_a_reused_token_stays_spent_after_the_store_is_rewritten(lab: AnsibleLab, canary: Path) -> None:
    """The issue's threat: a caller who can read and write every file the gate uses. Such a caller owns state.db,
    so it can drop the append-only trigger and delete the consumption (or restore a copy of the file taken before
    the run). Single use must survive that: the audit log is a second witness of the use."""
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)
    first = lab.playbook(_gated(canary), args=_with_token(token))
    assert first.rc == 0 and _files(canary) == ["target1"], first.output
    (canary / "target1").unlink()
    conn = sqlite3.connect(lab.state_dir / "state.db", isolation_level=None)
    try:
        conn.execute("DROP TRIGGER consumptions_no_delete")
        conn.execute("DELETE FROM consumptions")
    finally:
        conn.close()
    replay = lab.playbook(_gated(canary), args=_with_token(token))
    assert _files(canary) == [], "a spent approval ran a second time after the store was rewritten"
    assert "already used" in _reasons(replay), replay.output


def test_an_approval_does_not_follow_the_inventory_name_to_another_machine(
    tmp_path: Path, ssh_target: SshTarget, canary: Path
) -> None:
    """The operator approved a task on target1, which the inventory puts at 127.0.0.1. The playbook author owns play
    vars, which outrank inventory vars: pointing ansible_host (and port and key) elsewhere runs the approved action
    on another machine, because the binding names the inventory host, not where the connection goes."""
    with SshTarget.start(tmp_path / "sshd-b", address="127.0.0.2") as other:
        lab = AnsibleLab(root=tmp_path / "lab", targets={"target1": ssh_target, "elsewhere": other})
        lab.env_overrides.update(
            PRAXIS_OPERATOR_DIR=str(lab.config_dir / "operators"), PRAXIS_APPROVERS=str(lab.config_dir / "approvers")
        )
        _operator_init(lab, "alice")
        play = """\
            - hosts: target1
              gather_facts: false
              {vars}
              tasks:
                - name: gated command
                  ansible.builtin.command:
                    argv: [sh, -c, 'echo "$SSH_CONNECTION" >> {canary}/connections']
            """
        check = lab.playbook(play.format(vars="", canary=canary), args=["--check"])
        assert check.rc == 0, check.output
        token = _approve(lab, _only_request(lab))
        moved = f"vars: {{ansible_host: {other.address}, ansible_port: {other.port}, "
        moved += f"ansible_ssh_private_key_file: {other.client_key}}}"
        redirected = play.format(vars=moved, canary=canary)
        result = lab.playbook(redirected, args=_with_token(token))
        landed = (canary / "connections").read_text() if (canary / "connections").exists() else ""
        assert f"{other.address} {other.port}" not in landed, "the approved action ran on another machine"
        assert not result.decisions(rule="approval.granted"), result.output


@pytest.mark.one_version
def test_an_approval_without_privilege_escalation_does_not_cover_become(lab: AnsibleLab, canary: Path) -> None:
    """`approvals show` tells the operator whether an item runs with become; an item approved without it must not
    be redeemable by the same task with become: true added (free-form commands are T2 either way, so the tier
    does not tell them apart)."""
    request = _ask(lab, _gated(canary))
    assert [i["become"] for i in _show(lab, request)["items"]] == [False]
    token = _approve(lab, request)
    escalated = _gated(canary).replace("gather_facts: false", "gather_facts: false\n          become: true")
    result = lab.playbook(escalated, args=_with_token(token))
    assert not result.decisions(rule="approval.granted", become=True), "an unprivileged approval ran as root"
    assert _files(canary) == [], result.output


@pytest.mark.one_version
def test_a_plan_with_the_same_action_twice_runs_it_twice(lab: AnsibleLab, canary: Path) -> None:
    """A play that restarts a service at two points has two identical gated tasks; the plan holds two items and the
    operator approves both, so both must run. Each presentation must try every covering item, not only the first."""
    play = f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - name: restart before the migration
              ansible.builtin.command: sh -c 'echo restarted >> {canary}/log'
            - name: restart after the migration
              ansible.builtin.command: sh -c 'echo restarted >> {canary}/log'
        """
    check = lab.playbook(play, args=["--check"])
    assert check.rc == 0, check.output
    request = _only_request(lab)
    assert len(_show(lab, request)["items"]) == 2
    token = _approve(lab, request)
    result = lab.playbook(play, args=_with_token(token))
    assert [d["decision"] for d in result.decisions()] == ["allowed", "allowed"], _reasons(result)
    assert (canary / "log").read_text() == "restarted\nrestarted\n"
    assert len(_consumptions(lab)) == 2


def test_a_token_given_as_the_first_argument_stays_out_of_the_audit_log(lab: AnsibleLab, canary: Path) -> None:
    """The run-start record keeps the first command-line argument (redacted). A token passed there, attached to -e,
    must not be recorded, not even its payload: the audit log keeps approval_ref only."""
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)
    playbook = canary.parent / "first-arg.yml"
    playbook.write_text(textwrap.dedent(_gated(canary)))
    result = lab.run("ansible-playbook", ["-e" + json.dumps({"praxis_approval": token}), str(playbook)])
    assert result.rc == 0 and result.decisions(rule="approval.granted"), result.output
    audit = (lab.state_dir / "audit.jsonl").read_text()
    for part in token.split(".")[1:]:
        assert part[:40] not in audit, "a piece of the approval token is in the audit log"


LEAKS = {
    "the extra var by name": ("praxis_approval", "var: praxis_approval"),
    "a dump of hostvars": ("praxis_approval", "var: hostvars[inventory_hostname]"),
    "a slice of the extra var": ("praxis_approval", 'msg: "{{ praxis_approval[5:] }}"'),
    "the env lookup": ("PRAXIS_APPROVAL", "var: lookup('ansible.builtin.env', 'PRAXIS_APPROVAL')"),
}


@pytest.mark.parametrize("leak", list(LEAKS))
def test_a_task_cannot_print_the_token_it_was_given(lab: AnsibleLab, canary: Path, leak: str) -> None:
    """Secrecy: tokens never appear in task results or stdout. A module argument carrying the whole token is denied
    (deny.token-leak), but a T0 task that names the variable holding it, dumps the variables, templates a piece of
    it, or reads the environment variable, hands it to stdout, to ansible-runner events and so to AWX job events
    (and a T0 `uri` GET could as well send it elsewhere)."""
    channel, debug_args = LEAKS[leak]
    request = _ask(lab, _gated(canary))
    token = _approve(lab, request)
    presented: dict[str, Any] = (
        {"env": {"PRAXIS_APPROVAL": token}} if channel == "PRAXIS_APPROVAL" else {"args": _with_token(token)}
    )
    result = lab.playbook(
        f"""\
        - hosts: target1
          gather_facts: false
          tasks:
            - name: gated command
              ansible.builtin.command: touch {canary}/{{{{ inventory_hostname }}}}
            - name: show it
              ansible.builtin.debug:
                {debug_args}
              ignore_errors: true
        """,
        **presented,
    )
    assert result.decisions(rule="approval.granted"), result.output  # the token itself was good
    assert token.split(".")[2] not in result.output, f"a T0 debug task printed the approval token ({leak})"


# ---------------------------------------------------------------------------------------------------- housekeeping
@pytest.mark.parametrize("armed_by", ["callback and PRAXIS_GATE", "PRAXIS_GATE alone"])
def test_a_check_run_names_its_request_at_the_end(lab: AnsibleLab, canary: Path, armed_by: str) -> None:
    """A --check run has no failed task to name its plan, so the run names it at its end, once, as a real run's
    refusal does; also when only PRAXIS_GATE armed the gate (no callback to print a recap line)."""
    if armed_by == "PRAXIS_GATE alone":
        lab.config.write_text(lab.config.read_text().replace("callbacks_enabled = praxis.gatekeeper.gate", ""))
    check = lab.playbook(_gated(canary), args=["--check"])
    assert check.rc == 0, check.output
    request = _only_request(lab)
    line = f"gated action(s) of this run wait for an operator in request {request}"
    assert check.output.count(line) == 1, check.output
    assert f"praxis-gate approvals show {request}" in check.output


@pytest.mark.one_version
def test_retrying_a_task_leaves_one_pending_request(lab: AnsibleLab, canary: Path) -> None:
    for _repeat in range(3):
        result = lab.playbook(_gated(canary))
        assert result.rc != 0 and result.decisions(decision="approval_required"), result.output
    latest = f"req-{result.decisions()[0]['run_id'][:16]}"
    assert [r["request"] for r in _requests(lab)] == [latest]
    every = {r["request"]: r["status"] for r in _requests(lab, every=True)}
    assert sorted(every.values()) == ["pending", "superseded", "superseded"] and every[latest] == "pending"
    token = _approve(lab, latest)
    ok = lab.playbook(_gated(canary), args=_with_token(token))
    assert ok.rc == 0 and _files(canary) == ["target1"], ok.output
