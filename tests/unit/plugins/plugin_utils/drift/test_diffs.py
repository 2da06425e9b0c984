# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A diff becomes a keyed digest and a redacted summary: the digest is stable over the shapes modules report and
over volatile headers, depends on the key and the change; the summary is bounded, redacted and never a body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift import diffs
from hypothesis import given, settings
from hypothesis import strategies as st

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def _copy_diff(before: str, after: str, *, after_header: str = "/tmp/ansible-local-1/source") -> list[dict[str, Any]]:
    return [{"before": before, "after": after, "before_header": "/etc/app.conf", "after_header": after_header}]


def test_the_shapes_modules_report_normalise_to_one() -> None:
    file_diff = {"before": {"path": "/etc/motd", "mode": "0600"}, "after": {"path": "/etc/motd", "mode": "0644"}}
    assert diffs.normalise(file_diff) == diffs.normalise([file_diff])
    assert diffs.normalise(None) == diffs.normalise("") == diffs.normalise([]) == []
    assert diffs.normalise(["--- a\n+++ b\n+x\n"]) == [{"prepared": "--- a\n+++ b\n+x\n"}]
    # lineinfile's second entry names the file attributes and holds nothing else: it says nothing
    lineinfile = [{"before": "a\n", "after": "b\n", "before_header": "/f (content)", "after_header": "/f (content)"},
                  {"before_header": "/f (file attributes)", "after_header": "/f (file attributes)"}]  # fmt: skip
    assert len(diffs.normalise(lineinfile)) == 1
    # a file to be created: the empty side is kept, it is information
    assert diffs.normalise([{"after": "x\n", "after_header": "/f"}]) == [{"before": "", "after": "x\n"}]


def test_the_digest_ignores_volatile_controller_headers_and_depends_on_key_and_change() -> None:
    one = diffs.execution_digest(KEY, action="ansible.builtin.template", diff=_copy_diff("a\n", "b\n"))
    elsewhere = _copy_diff("a\n", "b\n", after_header="/root/.ansible/tmp/xyz/t.j2")
    moved = diffs.execution_digest(KEY, action="ansible.builtin.template", diff=elsewhere)
    assert one == moved and len(one) == 64
    assert one != diffs.execution_digest(OTHER_KEY, action="ansible.builtin.template", diff=_copy_diff("a\n", "b\n"))
    assert one != diffs.execution_digest(KEY, action="ansible.builtin.template", diff=_copy_diff("a\n", "c\n"))
    assert one != diffs.execution_digest(KEY, action="ansible.builtin.copy", diff=_copy_diff("a\n", "b\n"))
    assert diffs.combine_digests(KEY, [one, "-"]) != diffs.combine_digests(KEY, ["-", one])
    assert diffs.combine_digests(KEY, [one]) != diffs.combine_digests(OTHER_KEY, [one])


@given(st.text(max_size=300), st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_equal_diffs_digest_alike_and_any_difference_shows(before: str, after: str) -> None:
    first = diffs.execution_digest(KEY, action="a.b.c", diff=_copy_diff(before, after))
    assert first == diffs.execution_digest(KEY, action="a.b.c", diff=[dict(d) for d in _copy_diff(before, after)])
    if before != after + "!":
        assert first != diffs.execution_digest(KEY, action="a.b.c", diff=_copy_diff(before, after + "!"))


def test_a_content_summary_counts_lines_and_keeps_only_the_first_changed_ones() -> None:
    before = "".join(f"line {i}\n" for i in range(40))
    after = before.replace("line 3\n", "line three\n") + "".join(f"new {i}\n" for i in range(20))
    (change,) = diffs.summarise(_copy_diff(before, after))
    assert change["kind"] == "content" and (change["added"], change["removed"]) == (21, 1)
    assert change["lines"][:2] == ["- line 3", "+ line three"] and len(change["lines"]) == 8
    assert change["path"] == "/etc/app.conf"
    assert not any("line 10" in line for line in change["lines"]), "context lines are not kept"
    assert "+22 -1" not in diffs.describe([change]) and "+21 -1 lines" in diffs.describe([change])


def test_removed_lines_that_look_like_headers_are_counted() -> None:
    (change,) = diffs.summarise(_copy_diff("-- a comment\n--- b\n+++ c\nkeep\n", "keep\n"))
    assert (change["added"], change["removed"]) == (0, 3)
    assert change["lines"] == ["- -- a comment", "- --- b", "- +++ c"]
    (prepared,) = diffs.summarise(["--- a/f\n+++ b/f\n@@ -1 +1 @@\n---- x\n++++ y\n"])
    assert (prepared["added"], prepared["removed"], prepared["lines"]) == (1, 1, ["- --- x", "+ +++ y"])


def test_attributes_state_creation_binary_and_no_diff() -> None:
    (mode,) = diffs.summarise({"before": {"path": "/m", "mode": "0600"}, "after": {"path": "/m", "mode": "0644"}})
    assert mode == {"kind": "attributes", "attributes": {"mode": ["0600", "0644"]}, "path": "/m"}
    (state,) = diffs.summarise({"before": {"path": "/g", "state": "file"}, "after": {"path": "/g", "state": "absent"}})
    assert state["kind"] == "state" and state["attributes"] == {"state": ["file", "absent"]}
    (created,) = diffs.summarise([{"after": "x\n"}], path="/new")
    assert created["note"] == "would be created" and created["path"] == "/new"
    (binary,) = diffs.summarise(_copy_diff("\x00\x01", "\x00\x02"))
    assert binary["note"] == "binary content differs" and "lines" not in binary
    (nothing,) = diffs.summarise(None, path="/svc")
    assert "shows no diff" in nothing["note"] and nothing["path"] == "/svc"
    (withheld,) = diffs.summarise(_copy_diff("password: x\n", "password: y\n"), withheld=True)
    assert withheld["kind"] == "withheld" and "x" not in json.dumps(withheld).replace("withheld", "")


SECRETS = [  # (what comes before the secret, the secret, what follows it)
    ("password=", "hunter2-very-secret", ""),
    ("api_token: ", "tok-1234567890abcdef", ""),
    ("", "ghp_" + "a" * 36, ""),
    ("", "AKIA" + "B" * 16, ""),
    ("Authorization: Bearer ", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmno", ""),
    ("", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", ""),
    ("db_url=postgres://app:", "s3cr3t-p4ss", "@db.example.com/app"),
]


@pytest.mark.parametrize(("prefix", "secret", "suffix"), SECRETS, ids=[s[1][:12] for s in SECRETS])
@pytest.mark.parametrize("side", ["before", "after", "prepared", "attribute", "header"])
def test_no_secret_survives_a_summary_whichever_side_it_is_on(prefix: str, secret: str, suffix: str, side: str) -> None:
    line = f"{prefix}{secret}{suffix}"
    if side == "before":
        diff: Any = _copy_diff(f"a\n{line}\n", "a\nb\n")
    elif side == "after":
        diff = _copy_diff("a\nb\n", f"a\n{line}\n")
    elif side == "prepared":
        diff = [f"--- x\n+++ y\n-{line.replace(chr(10), chr(10) + '-')}\n+other\n"]
    elif side == "attribute":
        diff = {"before": {"path": "/p", "content": line}, "after": {"path": "/p", "content": "x"}}
    else:
        diff = [{"before": "a", "after": "b", "before_header": f"/etc/{line}"}]
    summary = diffs.summarise(diff)
    text = json.dumps(summary) + diffs.describe(summary, limit=10_000)
    for fragment in (secret, secret.split("\n")[1] if "\n" in secret else secret[-10:]):
        assert fragment not in text, (side, text)
    assert "<redacted" in text, text


def test_summaries_are_bounded_however_large_the_change() -> None:
    huge = [{"before": "x\n" * 10, "after": ("y" * 5000 + "\n") * 500, "before_header": "p" * 5000}] * 50
    summary = diffs.summarise(huge)
    assert len(summary) == 20
    assert all(len(line) <= 170 for change in summary for line in change["lines"])
    assert all(len(change["path"]) <= 200 for change in summary)
    assert len(json.dumps(summary)) < 60_000
    too_big = diffs.summarise(_copy_diff("a" * (3 * 1024 * 1024), "b" * (3 * 1024 * 1024)))
    assert too_big[0]["note"].startswith("the content differs (too large")
