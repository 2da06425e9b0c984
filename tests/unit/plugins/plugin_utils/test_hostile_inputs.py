# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nested and oversized input through every reader of the runner, and every operator file that is not a file.

Each reader has one documented verdict for input outside its bounds, and this table holds every reader to it over
the same payloads: 100,000 nested brackets (the report's record: a RecursionError before), nesting that Python can
still parse but that is deeper than any record, token or argument set the gate produces (the bound, not the
interpreter's stack, decides), and input larger than the reader's size bound. A reader that crashes, hangs or
answers anything but its verdict fails here. Readers of operator files run in a child process with a timeout
(a FIFO with no writer blocks an unbounded open forever; /dev/zero never ends).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import InvalidToken, verify_token
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import read_anchor
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import iter_records, verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import (
    ConfigError,
    PolicyFileError,
    StateError,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.runs import RunJournal, open_decisions
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_policy

CLI_MODULE = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main"


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# name -> a JSON value's text. "deep" is the report's record; "past-bound" parses in Python but is deeper than
# anything the gate writes or accepts; "oversized" is larger than every reader's size bound.
PAYLOADS = {
    "deep": _nested(100_000),
    "past-bound": _nested(200),
    "oversized": json.dumps(["x" * 1024] * (20 * 1024)),  # 20 MiB
}


def _member(payload: str) -> str:
    """A record whose one member holds the payload (the fast decoder skips members it does not read)."""
    return '{"event":"decision","seq":99,"junk":' + payload + "}"


# ------------------------------------------------------------------------------------------------ the audit log
def _log(tmp_path: Path, records: int = 3) -> Path:
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    log = AuditLog(state / "audit.jsonl", fsync=False)
    for index in range(records):
        assert log.append({"event": "cli", "command": f"c{index}"}), log.last_error
    return state / "audit.jsonl"


def _append_line(path: Path, line: str) -> None:
    with path.open("ab") as handle:
        handle.write(line.encode() + b"\n")


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
@pytest.mark.parametrize("shape", ["bare", "member"])
@pytest.mark.parametrize("where", ["last", "middle"])
def test_verify_reports_an_out_of_bounds_record_as_tampering(
    tmp_path: Path, payload: str, shape: str, where: str
) -> None:
    path = _log(tmp_path, records=4)
    bad = (PAYLOADS[payload] if shape == "bare" else _member(PAYLOADS[payload])).encode() + b"\n"
    lines = path.read_bytes().splitlines(keepends=True)
    # at the end of the log, or in its middle with records after it (a hand edit)
    path.write_bytes(b"".join([*lines[:3], bad, lines[3]] if where == "middle" else [*lines[:3], bad]))
    report = verify_log(path, expect_anchor=False)
    assert not report.ok and report.kind == "edited", report.problem
    assert report.line == 4, report.problem
    assert ("deeper than" in report.problem) or ("longer than" in report.problem) or (payload == "oversized")


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_verify_through_the_cli_exits_with_the_verification_code(tmp_path: Path, payload: str) -> None:
    path = _log(tmp_path)
    _append_line(path, _member(PAYLOADS[payload]))
    env = {**os.environ, "PRAXIS_STATE_DIR": str(path.parent), "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", CLI_MODULE, "audit", "verify"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert "FAILED: edited" in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_the_writer_seals_an_out_of_bounds_tail_and_the_log_verifies(tmp_path: Path, payload: str) -> None:
    path = _log(tmp_path)
    _append_line(path, _member(PAYLOADS[payload]) if payload != "oversized" else PAYLOADS["deep"])
    log = AuditLog(path, fsync=False)
    assert log.append({"event": "cli", "command": "after"}), log.last_error
    report = verify_log(path, expect_anchor=False)
    assert report.ok and report.seams == 1, report.problem


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_the_log_readers_skip_an_out_of_bounds_line(tmp_path: Path, payload: str) -> None:
    """`audit show` (iter_records) and run recovery (open_decisions) read on past a line they cannot bound."""
    path = _log(tmp_path)
    _append_line(path, _member(PAYLOADS[payload]).replace('"seq":99', '"seq":99,"run_id":"r","decision_id":"d"'))
    assert [r["command"] for r in iter_records(path)] == ["c0", "c1", "c2"]
    assert open_decisions(path, "r", 0) == []


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_a_run_marker_out_of_bounds_is_not_a_run(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "run.json"
    marker.write_text('{"run_id": "r", "pid": 1, "offset": 0, "x": ' + PAYLOADS[payload] + "}")
    assert RunJournal._read_marker(marker) is None


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_an_anchor_out_of_bounds_is_a_state_error(tmp_path: Path, payload: str) -> None:
    anchor = tmp_path / "audit.anchor"
    anchor.write_text('{"seq": 1, "checkpoint_hash": "x", "tree_size": 1, "root": "x", "x": ' + PAYLOADS[payload] + "}")
    with pytest.raises(StateError, match="unreadable"):
        read_anchor(anchor)


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_an_emergency_stop_sentinel_out_of_bounds_counts_as_tripped(tmp_path: Path, payload: str) -> None:
    sentinel = tmp_path / "emergency-stop"
    sentinel.write_text('{"reason": ' + PAYLOADS[payload] + "}")
    state = killswitch.status(sentinel)
    assert state.tripped and len(state.describe()) < 1000  # tripped whatever it holds; what it shows is bounded


# ------------------------------------------------------------------------------------------------ approval tokens
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("depth", [20_000, 200], ids=["deep", "past-bound"])  # 20,000: within the 64 KiB token bound
@pytest.mark.parametrize("part", ["payload", "signatures"])
def test_a_token_out_of_bounds_is_damaged(depth: int, part: str) -> None:
    nested = _b64(_nested(depth).encode())
    token = f"pxa1.{nested}.{_b64(b'[]')}" if part == "payload" else f"pxa1.{_b64(b'{}')}.{nested}"
    with pytest.raises(InvalidToken, match="damaged"):
        verify_token(token, approvers={}, now=datetime.now(UTC), max_ttl=900)


def test_an_oversized_token_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidToken, match="too long"):
        verify_token("pxa1." + "A" * (70 * 1024) + ".x", approvers={}, now=datetime.now(UTC), max_ttl=900)


# ------------------------------------------------------------------------------------------------ check --args/--env
def _check(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    return subprocess.run([sys.executable, "-m", CLI_MODULE, "check", "--action", "ansible.builtin.command", *argv],
                          check=False, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip


# 60,000 levels: as deep as one command-line argument can carry (the kernel refuses one over 128 KiB).
@pytest.mark.parametrize("depth", [60_000, 200], ids=["deep", "past-bound"])
@pytest.mark.parametrize("option", ["--args", "--env"])
def test_check_calls_out_of_bounds_arguments_invalid_input(tmp_path: Path, depth: int, option: str) -> None:
    """Exit 2 (usage error), never 1 (which means "would not be allowed") and never a traceback."""
    value = '{"_raw_params": "uptime", "x": ' + _nested(depth) + "}"
    done = _check(tmp_path, option, value)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert f"{option} nests deeper than 64 levels" in done.stderr, done.stderr[-2000:]


def test_check_within_the_bounds_still_decides(tmp_path: Path) -> None:
    done = _check(tmp_path, "--args", '{"_raw_params": "uptime", "x": ' + _nested(60) + "}")
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.split()[0] in ("ALLOWED", "DENIED", "REFUSED", "APPROVAL_REQUIRED"), done.stdout


# ------------------------------------------------------------------------------------------------ operator files
def _policy_text(payload: str) -> str:
    return "version: 1\ndeny: " + PAYLOADS[payload] + "\n"


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_a_policy_out_of_bounds_is_a_policy_file_error(tmp_path: Path, payload: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(_policy_text(payload))
    with pytest.raises(PolicyFileError, match=r"nests deeper than|larger than 1 MiB"):
        load_policy(path)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _sparse(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)


# reader -> (the code a child runs on the file, the error it must end with)
OPERATOR_FILE_READERS: dict[str, tuple[str, str]] = {
    "policy": ("from ..policy.ruleset import load_policy as f; f(PATH)", "PolicyFileError"),
    "approval-file": (
        "from ..core.settings import load_settings as f; f({'PRAXIS_APPROVAL_FILE': str(PATH), 'HOME': '/nonexistent'},"
        " cfg=None)",
        "ConfigError",
    ),
    "approver-registry": ("from ..approvals.operators import load_registry as f; f(PATH)", "ConfigError"),
    "anchor": ("from ..audit.checkpoint import read_anchor as f; f(PATH)", "StateError"),
    "public-key": ("from ..audit.checkpoint import load_public_key as f; f(PATH)", "StateError"),
}
KINDS: dict[str, Callable[[Path], None]] = {"fifo": _fifo, "dev-zero": _dev_zero, "oversized": _sparse}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("reader", sorted(OPERATOR_FILE_READERS))
def test_operator_files_that_are_not_small_regular_files_fail_fast(tmp_path: Path, reader: str, kind: str) -> None:
    path = tmp_path / "operator-file"
    KINDS[kind](path)
    code, error = OPERATOR_FILE_READERS[reader]
    call = code.replace("from ..", "from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.")
    program = (
        f"import sys; sys.path[:0] = {sys.path!r}\n"
        "from pathlib import Path\n"
        f"PATH = Path({str(path)!r})\n"
        "try:\n"
        f"    {call}\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "    sys.exit(1)\n"
    )
    if reader == "approver-registry" and kind == "dev-zero":
        error = "ConfigError"  # /dev/zero is world-writable: refused before it is read, with its own reason
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.startswith(error + " "), done.stdout


def test_the_approval_file_reader_still_reads_tokens(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("pxa1.a.b\npxa1.c.d, pxa1.e.f\n")
    settings = load_settings({"PRAXIS_APPROVAL_FILE": str(tokens), "HOME": str(tmp_path)}, cfg=None)
    assert settings.approval_tokens == ("pxa1.a.b", "pxa1.c.d", "pxa1.e.f")
    with pytest.raises(ConfigError, match="cannot read PRAXIS_APPROVAL_FILE"):
        load_settings({"PRAXIS_APPROVAL_FILE": str(tmp_path / "missing"), "HOME": str(tmp_path)}, cfg=None)


# ---------------------------------------------------------------------------------------------- a line too long to hold
LONG_LINE_READERS = """
import resource, sys
sys.path[:0] = {path!r}
from pathlib import Path
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import verify
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.runs import open_decisions
path = Path({log!r})
resource.setrlimit(resource.RLIMIT_AS, (160 << 20, resource.RLIM_INFINITY))  # the line alone is twice this
try:  # the control: a reader that holds the line whole does not survive this limit
    with path.open("rb") as handle:
        handle.readlines()
    print("control held it")
except MemoryError:
    print("control MemoryError")
report = verify.verify_log(path, expect_anchor=False, workers=1)
print("verify", report.ok, report.kind)
print("show", [r.get("command") for r in verify.iter_records(path)])
print("since", [r.get("command") for r in verify.records_since(path, "")])
print("since c1", [r.get("command") for r in verify.records_since(path, "", containing=b'"c1"')])
print("recover", open_decisions(path, "r", 0))
log = AuditLog(path, fsync=False)  # its tail window ends in the long line: it refuses, never guesses
print("append", log.append({{"event": "cli", "command": "after"}}), "no readable record" in log.last_error)
"""


@pytest.mark.parametrize("terminated", [True, False], ids=["line", "unterminated"])
def test_a_line_of_hundreds_of_megabytes_is_read_through_never_held(tmp_path: Path, terminated: bool) -> None:
    """Every reader of the log under an address-space limit half the size of one line: a reader that holds a line
    whole fails with MemoryError; these stream it (and the verifier still hashes it for a seam to match)."""
    path = _log(tmp_path)
    with path.open("r+b") as handle:
        handle.seek(320 << 20, os.SEEK_END)  # 320 MiB of zeros, sparse: costs no disk
        handle.write(b'"\n' if terminated else b'"')
    assert path.stat().st_size > 320 << 20
    program = LONG_LINE_READERS.format(path=sys.path, log=str(path))
    done = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    kind = "edited" if terminated else "torn tail"
    assert done.stdout.splitlines() == [
        "control MemoryError",
        f"verify False {kind}",
        "show ['c0', 'c1', 'c2']",
        "since ['c2', 'c1', 'c0']",
        "since c1 ['c1']",
        "recover []",
        "append False True",
    ], done.stdout
