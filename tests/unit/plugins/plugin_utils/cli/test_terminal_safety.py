# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile strings never reach an operator's terminal raw: every operator-facing praxis-gate command, run on a real
pseudo-terminal over a state directory full of the hostile corpus (tests/hostile.py), writes no control byte, no
escape sequence and no bidirectional override of its own making; JSON output keeps every value exact.

The corpus enters the way it does in production: as task names, hosts, actions, arguments, requesters and sessions
of requests the real pipeline decided (Gate.decide records them and the approvals stage stores pending requests),
as diffs of pending items, as the reason of an emergency stop, and as ids an operator pastes into a command. The
only escape sequences allowed in the output are praxis-gate's own colours (core.display.STYLES), which the test
strips first; anything left that a terminal would act on fails the test.
"""

from __future__ import annotations

import errno
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.display import RESET, STYLES
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.baseline import compute_baseline
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.ledger import Ledger, ensure_digest_key
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.runner import Execution
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.scan import ScanResult, aggregate, reconcile
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import open_store
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store._model import ApprovalItem

from tests.conftest import _shim_root
from tests.hostile import HOSTILE, dangerous

MAIN = (
    f"import sys; sys.path.insert(0, {str(_shim_root())!r}); "
    "from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main; sys.exit(main())"
)
# One process on the terminal runs many commands in turn (an interpreter start per command would make this test
# take minutes); a marker line before each command attributes the output. main() is what the praxis-gate entry
# point calls.
DRIVER = (
    f"import json, sys; sys.path.insert(0, {str(_shim_root())!r})\n"
    "from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main\n"
    "for number, argv in enumerate(json.load(open(sys.argv[1]))):\n"
    "    print(f'@@command {number}@@', flush=True)\n"
    "    try:\n"
    "        main(argv)\n"
    "    except SystemExit:\n"
    "        pass\n"
    "    sys.stdout.flush(); sys.stderr.flush()\n"
)
OURS = sorted({*STYLES.values(), RESET}, key=len, reverse=True)
# What the store can hold as text columns (it refuses NUL; SQLite text cannot hold a lone surrogate).
STORABLE = [t for t in HOSTILE if "\x00" not in t and "\udc80" not in t]


def on_a_terminal(commands: list[list[str]], env: dict[str, str], scratch: Path) -> list[bytes]:
    """Run each ``praxis-gate ARGV`` in one process whose stdin, stdout and stderr are a pseudo-terminal; the bytes
    each command wrote, in order."""
    listing = scratch / f"commands-{uuid.uuid4().hex}.json"
    listing.write_text(json.dumps(commands))
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(listing)], stdin=slave, stdout=slave,
                               stderr=slave, env=env, close_fds=True, start_new_session=True)  # fmt: skip
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            ready, _unused1, _unused2 = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0, b"".join(chunks)[-2000:]
    finally:
        os.close(master)
        listing.unlink()
        if process.poll() is None:
            process.kill()
            process.wait()
    parts = re.split(rb"@@command \d+@@\r?\n", b"".join(chunks))
    assert len(parts) == len(commands) + 1, "a command's output is missing"
    return parts[1:]


def raw_controls(output: bytes) -> list[str]:
    """Every character of ``output`` a terminal would act on, once praxis-gate's own colours are removed. The
    terminal turns each newline into CR LF, so a CR directly before a LF is the terminal's own."""
    text = output.decode("utf-8", errors="surrogateescape")
    for sequence in OURS:
        text = text.replace(sequence, "")
    text = text.replace("\r\n", "\n")
    return [repr(char) for char in text if char != "\n" and (dangerous(char) or "\udc80" <= char <= "\udcff")]


@pytest.fixture(scope="module")
def hostile_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A state directory holding the corpus everywhere an operator command can show it."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "empty.cfg").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_", "NO_COLOR"))}
    env.update(
        HOME=str(root / "home"), PRAXIS_STATE_DIR=str(root / "state"), PRAXIS_MODE="guarded",
        PRAXIS_OPERATOR_DIR=str(root / "operators"), PRAXIS_APPROVERS=str(root / "approvers"),
        ANSIBLE_CONFIG=str(root / "empty.cfg"), TERM="xterm-256color", COLUMNS="100", PRAXIS_PRINCIPAL="operator",
    )  # fmt: skip
    settings = load_settings(env, cfg=None)
    gate = Gate.from_settings(settings)
    for index, text in enumerate(HOSTILE):
        run_id = uuid.uuid4().hex
        gate.run_id = run_id
        gate.start_run(program=text, runner_ident=text)
        gate.decide(TaskRequest(  # a gated task: a pending request with a hostile name, requester and arguments
            action="ansible.builtin.command", args={"_raw_params": f"systemctl restart unit{index} {text}"},
            host=f"web{index}", task_name=text, principal=text, session=text, run_id=run_id,
        ))  # fmt: skip
        gate.decide(TaskRequest(action=text, args={"k": text}, host=text, task_name=text, run_id=run_id))
        gate.decide(TaskRequest(action="ansible.builtin.shell", args={"_raw_params": f"rm -rf / {text}"},
                                host="web1", task_name=text, run_id=run_id))  # fmt: skip
        gate.finish_run()
    ruleset = load_ruleset(None).digest
    with open_store(settings) as store:
        store.add_approval_request(
            request_id="req-00000000hostile.diff",
            requester="agent",
            session="",
            run_id="hostile-diff",
            ruleset_digest=ruleset,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
            payload={"plan": "req-00000000hostile", "check_run": True},
            items=[
                ApprovalItem(
                    f"item-hostile-{i}",
                    "req-00000000hostile.diff",
                    "ansible.builtin.copy",
                    text,
                    "T2",
                    "d" * 64,
                    {"task": text, "args": {"content": text}, "reasons": [text]},
                )
                for i, text in enumerate(STORABLE)
            ],
            bodies={
                f"item-hostile-{i}": {
                    "diff": {"before": f"a\n{text}\n", "after": f"b\n{text}\n", "before_header": text}
                }
                for i, text in enumerate(STORABLE)
            },
        )
        plans = sorted({str(r.payload.get("plan")) for r in store.list_approval_requests(limit=5000)})
        drift = _drift_requests(store, root)
    return {"env": env, "plans": plans, "root": root, "drift": drift}


def _drift_requests(store: Any, root: Path) -> list[str]:
    """Convergence requests whose host, task, path and redacted summary are the corpus, from a scan whose baseline
    is named by it: what a hostile inventory and playbook leave in the drift ledger."""
    (root / "site.yml").write_text("- hosts: all\n  tasks: []\n")
    (root / "inventory.ini").write_text("web1\n")
    baseline = compute_baseline(root / "site.yml", [str(root / "inventory.ini")], name=HOSTILE[0],
                                scm_revision=HOSTILE[17])  # fmt: skip
    key = ensure_digest_key(store, actor="test")
    runs = [
        Execution(host=text, task_path=f"{text}:{i}", task=text, action="ansible.builtin.lineinfile",
                  verdict="allowed", tier="T1", rule="allowed", dry_run=True, status="changed", digest=f"{i:064x}",
                  summary=({"kind": "lines", "path": text, "lines": [f"+{text}", f"-{text}"]},))
        for i, text in enumerate(STORABLE)
    ] + [
        Execution(host=text, task_path=f"{text}:u{i}", task=text, action="ansible.builtin.command",
                  verdict="refused", tier="T2", rule="mode.ceiling", dry_run=False, status="not-run", reason=text,
                  message=text)
        for i, text in enumerate(STORABLE[:3])
    ]  # fmt: skip
    now = datetime.now(UTC)
    result = ScanResult(uuid.uuid4().hex, baseline, now, now, aggregate(runs, key))
    reconcile(Ledger(store, actor=HOSTILE[1]), result, ttl=timedelta(days=7))
    Ledger(store, actor="test").record_scan(result.record())
    return [r.id for r in result.requests]


def _commands(state: dict[str, Any]) -> list[list[str]]:
    commands = [
        ["status"], ["doctor"], ["audit", "show", "--run", "all"], ["audit", "show"], ["audit", "verify"],
        ["audit", "recover"], ["approvals", "list"], ["approvals", "list", "--all"], ["store", "check"],
        ["schema", "policy"], ["emergency-stop", "--reason", HOSTILE[1]], ["status"],
        ["emergency-clear", "--reason", HOSTILE[2]],
    ]  # fmt: skip
    commands += [["approvals", "show", plan] for plan in state["plans"]]
    commands += [["drift", "list"], ["drift", "list", "--all"], ["drift", "scans"]]
    commands += [["drift", "show", request] for request in state["drift"]]
    # ids and values an operator pastes, echoed back in errors: every class of the corpus in one argument (an
    # argument cannot hold NUL)
    pasted = "req-" + "".join(HOSTILE).replace("\x00", "")
    commands += [
        ["approvals", "show", pasted], ["approvals", "approve", pasted],
        ["approvals", "deny", pasted, "--reason", pasted],
        ["audit", "gated", "--runner-ident", pasted], ["audit", "show", "--run", "all", "--host", pasted],
        ["check", "--action", pasted], ["check", "--action", "ansible.builtin.shell", "--args",
                                        json.dumps({"_raw_params": f"echo {pasted}"})],
        ["check", "--action", "ansible.builtin.copy", "--args", json.dumps({"dest": pasted, "content": pasted})],
        ["operator", "init", "--name", pasted, "--no-passphrase"], ["audit", "show", "--run", pasted, "--tier", "T9"],
        ["approvals", "nosuch", pasted], ["audit", "verify", pasted],
        ["drift", "show", pasted], ["drift", "converge", pasted], ["drift", "report", "--scan", pasted, "-o", "x.html"],
        ["drift", "list", "--host", pasted], ["drift", "scan", "-i", pasted, pasted],
    ]  # fmt: skip
    return commands


def test_no_operator_command_writes_a_raw_control_character(hostile_state: dict[str, Any], tmp_path: Path) -> None:
    commands = _commands(hostile_state)
    outputs = on_a_terminal(commands, hostile_state["env"], tmp_path)
    found = {
        " ".join(map(repr, argv))[:160]: sorted(set(bad))[:8]
        for argv, output in zip(commands, outputs, strict=True)
        if (bad := raw_controls(output))
    }
    assert len(commands) > 40 and all(outputs), "every command writes something"
    assert not found, json.dumps(found, indent=1)


def test_the_corpus_really_reaches_the_screens(hostile_state: dict[str, Any], tmp_path: Path) -> None:
    """Positive control: the hostile values are shown (escaped), so the test above looked at them."""
    listing, table, shown, error = on_a_terminal(
        [["approvals", "list"], ["audit", "show", "--run", "all"], ["approvals", "show", "req-00000000hostile"],
         ["approvals", "show", "req-\x1b[2J\x1b]52;c;eA==\x07"]],
        hostile_state["env"], tmp_path,
    )  # fmt: skip
    assert b"mallory \\x1b[2K\\x1b[1G alice" in listing
    assert b"\\x1b" in table and b"\\u202e" in table
    assert b"\\x1b]52;c;" in shown and STYLES["added"].encode() in shown  # colour is on: it is a terminal
    assert b"no approval request req-\\x1b[2J\\x1b]52;c;eA==\\x07" in error


def test_the_drift_ledger_corpus_really_reaches_the_screens(hostile_state: dict[str, Any], tmp_path: Path) -> None:
    """Positive control for the drift commands: hosts, task names, summary lines and baseline names are shown,
    escaped, so the first test looked at them."""
    requests = hostile_state["drift"]
    assert len(requests) == len(STORABLE)
    listing, scans, *shown = on_a_terminal(
        [["drift", "list"], ["drift", "scans"], *(["drift", "show", r] for r in requests)],
        hostile_state["env"], tmp_path,
    )  # fmt: skip
    assert b"\\x1b" in listing and b"\\u202e" in listing
    assert b"\\x1b" in scans
    assert any(b"\\x1b]52;c;" in screen for screen in shown)
    assert all(b"convergence request" in screen for screen in shown)


def test_json_output_stays_exact(hostile_state: dict[str, Any]) -> None:
    env = hostile_state["env"]
    records = subprocess.run([sys.executable, "-c", MAIN, "audit", "show", "--run", "all", "--json"], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert records.stdout.isascii()
    decisions = [json.loads(line) for line in records.stdout.splitlines()]
    tasks = {d.get("task") for d in decisions}
    assert HOSTILE[0] in tasks and HOSTILE[17] in tasks  # ESC and the right-to-left override, byte for byte
    asked = {d["principal"] for d in decisions if d["event"] == "decision" and d["decision"] == "approval_required"}
    listed = subprocess.run([sys.executable, "-c", MAIN, "approvals", "list", "--json"], env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert listed.stdout.isascii()
    requesters = {row["requester"] for row in json.loads(listed.stdout)}
    hostile = asked & set(HOSTILE)  # each plan is listed under its first requester: the run's hostile principal
    assert len(hostile) >= 15 and hostile <= requesters, (hostile, requesters)
