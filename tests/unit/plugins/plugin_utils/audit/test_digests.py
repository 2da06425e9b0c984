# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit writer's digests (audit/digests.py) are exactly hashlib's SHA-256 and the standard library's
HMAC-SHA256, for every key length (shorter than, equal to, and longer than a block) and every message, in this
Python's own implementation and in the fallback FIPS mode selects; and the writer's records still verify."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import digests
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import writer as audit_writer
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    read_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import verify_log
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog, load_or_create_key
from hypothesis import given, settings
from hypothesis import strategies as st

KEY_LENGTHS = [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 200, 4096]


@settings(max_examples=400, deadline=None)
@given(key=st.binary(max_size=300), data=st.binary(max_size=3000))
def test_keyed_digest_is_hmac_sha256(key: bytes, data: bytes) -> None:
    assert digests.KeyedDigest(key).hexdigest(data) == hmac.new(key, data, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("length", KEY_LENGTHS)
def test_every_key_length_and_reuse(length: int) -> None:
    key = bytes(range(256)) * (length // 256 + 1)
    keyed = digests.KeyedDigest(key[:length])
    for data in (b"", b"x", b"\0" * 64, "ünï".encode(), bytes(range(256)) * 40):
        for _again in range(2):  # the prepared state is copied, never consumed
            assert keyed.hexdigest(data) == hmac.new(key[:length], data, hashlib.sha256).hexdigest()


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=5000))
def test_sha256_is_hashlibs(data: bytes) -> None:
    assert digests.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_this_python_uses_its_own_implementation() -> None:
    """Positive control: the fast path is the one these tests exercise (CPython 3.11 and 3.12 both ship one)."""
    assert digests._BUILTIN
    assert digests.sha256 is not hashlib.sha256


def test_fips_mode_falls_back_to_hashlib(monkeypatch: pytest.MonkeyPatch) -> None:
    class Fips:
        @staticmethod
        def get_fips_mode() -> int:
            return 1

    real = digests.importlib.import_module
    monkeypatch.setattr(digests.importlib, "import_module", lambda name: Fips if name == "_hashlib" else real(name))
    assert digests._constructor() is hashlib.sha256
    monkeypatch.setattr(digests, "_BUILTIN", False)
    monkeypatch.setattr(digests, "sha256", hashlib.sha256)
    assert digests.KeyedDigest(b"k" * 32).hexdigest(b"data") == hmac.new(b"k" * 32, b"data", hashlib.sha256).hexdigest()


def test_records_written_with_them_verify_and_digests_match_the_key(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    log = AuditLog(state / "audit.jsonl")
    log.prepare()
    for number in range(5):
        assert log.append({"event": "decision", "n": number, "output_sha256": log.output_digest(b"out%d" % number)})
    assert log.checkpoint()
    key = load_or_create_key(state / "audit.key")
    lines = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    assert [r["output_sha256"] for r in lines if r.get("event") == "decision"] == [
        hmac.new(key, b"out%d" % n, hashlib.sha256).hexdigest() for n in range(5)
    ]
    public = state / PUBLIC_KEY_FILE
    report = verify_log(
        state / "audit.jsonl", public_key=load_public_key(public), anchor=read_anchor(state / "audit.anchor")
    )
    assert report.ok, report


class _Hostile(str):
    """A str subclass that lies about itself in every way a method can."""

    def __str__(self) -> str:
        return "lie"

    def __repr__(self) -> str:
        return "'lie'"

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0

    def __lt__(self, other: object) -> bool:
        return True

    def encode(self, *args: object, **kwargs: object) -> bytes:
        return b"lie"


def test_string_subclass_values_are_written_as_their_characters(tmp_path: Path) -> None:
    """Records holding str-subclass values (ansible-core's tagged arguments; a hostile subclass) skip the
    normalising round trip: the line is byte for byte the line of the same record made of exact strings, and the
    log verifies. A subclass as a key still takes the round trip."""
    from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
    from ansible.module_utils._internal._datatag import AnsibleTagHelper

    tagged = AnsibleTagHelper.tag("/srv/app.conf", {TrustedAsTemplate(), Origin(path="/p.yml", line_num=3)})
    for value in (tagged, _Hostile("truth"), [_Hostile("a"), {"k": tagged}]):
        plain = json.loads(json.dumps(value))
        ours = AuditLog._finish({"event": "x", "time": "T", "args": {"v": value}}, "0" * 64, 1)[1]
        exact = AuditLog._finish({"event": "x", "time": "T", "args": {"v": plain}}, "0" * 64, 1)[1]
        assert ours == exact
    assert not audit_writer._json_native({_Hostile("k"): 1})
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    log = AuditLog(state / "audit.jsonl")
    for value in (tagged, _Hostile("truth"), {"nested": [_Hostile("x"), tagged]}, {_Hostile("key"): tagged}):
        assert log.append({"event": "decision", "args": value})
    public = state / PUBLIC_KEY_FILE
    assert log.checkpoint()
    report = verify_log(
        state / "audit.jsonl", public_key=load_public_key(public), anchor=read_anchor(state / "audit.anchor")
    )
    assert report.ok, report
