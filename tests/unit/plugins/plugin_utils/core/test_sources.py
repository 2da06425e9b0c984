# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller files a task copies are read for the deny list (core/sources.py; SEC-1), bounded, never hanging,
and what they hold is refused as ``content`` would be (policy.evaluate)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import sources
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.sources import copied_sources
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset

_UNIT = b"[Service]\nExecStart=/bin/rm -rf /usr\n"


@pytest.mark.parametrize("action", ["ansible.builtin.copy", "ansible.builtin.template"])
def test_the_source_file_of_a_copying_action_is_read(tmp_path: Path, action: str) -> None:
    source = tmp_path / "x.service"
    source.write_bytes(_UNIT)
    assert copied_sources(action, {"src": str(source)}) == {str(source): _UNIT}


@pytest.mark.parametrize("action", ["ansible.builtin.fetch", "ansible.builtin.script", "ansible.builtin.unarchive"])
def test_other_actions_read_nothing(tmp_path: Path, action: str) -> None:
    source = tmp_path / "x"
    source.write_bytes(_UNIT)
    assert copied_sources(action, {"src": str(source), "dest": str(source)}) == {}


def test_a_directory_is_read_as_the_tree_copy_places(tmp_path: Path) -> None:
    tree = tmp_path / "files"
    (tree / "etc" / "cron.d").mkdir(parents=True)
    (tree / "etc" / "cron.d" / "job").write_bytes(b"* * * * * root rm -rf /usr\n")
    (tree / "a.txt").write_bytes(b"hello\n")
    found = copied_sources("ansible.builtin.copy", {"src": f"{tree}/"})
    assert sorted(found) == [str(tree / "a.txt"), str(tree / "etc" / "cron.d" / "job")]


def test_large_binary_and_unreadable_files_are_left_out(tmp_path: Path) -> None:
    tree = tmp_path / "files"
    tree.mkdir()
    (tree / "big").write_bytes(b"x" * (sources.MAX_FILE_BYTES + 1))
    (tree / "blob").write_bytes(b"ELF\x00rm -rf /usr")
    (tree / "locked").write_bytes(b"rm -rf /usr")
    (tree / "locked").chmod(0)
    os.mkfifo(tree / "pipe")  # a FIFO with no writer: must not hang
    (tree / "ok").write_bytes(b"fine\n")
    found: dict[str, bytes] = {}
    worker = threading.Thread(target=lambda: found.update(copied_sources("ansible.builtin.copy", {"src": f"{tree}/"})))
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "reading a FIFO hung"
    expected = {str(tree / "ok")} | ({str(tree / "locked")} if os.geteuid() == 0 else set())
    assert set(found) == expected


def test_a_tree_is_bounded_and_a_link_loop_ends(tmp_path: Path) -> None:
    tree = tmp_path / "files"
    tree.mkdir()
    for number in range(sources.MAX_FILES + 20):
        (tree / f"f{number:03d}").write_bytes(b"x\n")
    (tree / "loop").symlink_to(tree)
    found = copied_sources("ansible.builtin.copy", {"src": f"{tree}/"})
    assert len(found) == sources.MAX_FILES
    assert sum(len(v) for v in found.values()) <= sources.MAX_TOTAL_BYTES


def test_a_missing_source_reads_nothing(tmp_path: Path) -> None:
    assert copied_sources("ansible.builtin.copy", {"src": str(tmp_path / "absent")}) == {}
    assert copied_sources("ansible.builtin.copy", {"src": f"{tmp_path / 'absent'}/"}) == {}
    assert copied_sources("ansible.builtin.copy", {}) == {}


_RULESET = load_ruleset(None)


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (_UNIT, "deny.root-wipe"),
        (b"* * * * * root rm -rf /usr\n", "deny.root-wipe"),
        (b"#!/bin/sh\ndd if=/dev/zero of=/dev/sda\n", "deny.raw-disk-write"),
        (b'services:\n  x:\n    command: ["mkfs.ext4", "/dev/sda"]\n', "deny.raw-disk-write"),
    ],
)
def test_what_a_copied_file_holds_is_refused_as_content_would_be(data: bytes, rule: str) -> None:
    request = TaskRequest(
        action="ansible.builtin.copy",
        args={"src": "files/x", "dest": "/srv/x"},
        host="h1",
        copied_files={"/play/files/x": data},
    )
    findings = evaluate(request, ruleset=_RULESET).findings
    assert findings and findings[0].rule == rule, findings
    assert "(in x)" in findings[0].reason
    as_content = TaskRequest(action="ansible.builtin.copy", args={"content": data.decode(), "dest": "/srv/x"}, host="h")
    assert [f.rule for f in evaluate(as_content, ruleset=_RULESET).findings][:1] == [rule]


def test_an_ordinary_copied_file_is_not_refused() -> None:
    request = TaskRequest(
        action="ansible.builtin.template",
        args={"src": "app.service.j2", "dest": "/etc/systemd/system/app.service"},
        host="h1",
        copied_files={"/play/templates/app.service.j2": b"[Service]\nExecStart={{ app_bin }} --port {{ port }}\n"},
    )
    assert evaluate(request, ruleset=_RULESET).findings == ()


def test_a_nul_inside_a_text_file_does_not_hide_it(tmp_path: Path) -> None:
    """A NUL past the first line of UTF-8 text is skipped by bash and dropped by the analyser: the file is read."""
    source = tmp_path / "x.service"
    source.write_bytes(_UNIT + b"\x00\n")
    assert copied_sources("ansible.builtin.copy", {"src": str(source)}) == {str(source): _UNIT + b"\x00\n"}
    request = TaskRequest(action="ansible.builtin.copy", args={"src": "x", "dest": "/x"}, host="h",
                          copied_files={str(source): _UNIT + b"\x00\n"})  # fmt: skip
    assert [f.rule for f in evaluate(request, ruleset=_RULESET).findings][:1] == ["deny.root-wipe"]
    (tmp_path / "image").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    assert copied_sources("ansible.builtin.copy", {"src": str(tmp_path / "image")}) == {}


@pytest.mark.parametrize("path", ["/tmp/a\x00b/", "/tmp/a\x00b", "/tmp/\ud800/", "/tmp/\ud800"])
def test_a_path_no_system_call_accepts_reads_nothing_and_never_raises(path: str) -> None:
    assert copied_sources("ansible.builtin.copy", {"src": path}) == {}
