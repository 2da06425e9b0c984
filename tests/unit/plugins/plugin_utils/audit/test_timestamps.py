# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 3161 timestamps on checkpoints: real round trips against a local TSA, then every way it can go wrong."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import timestamps as tsa
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.timestamps import (
    TimestampError,
    imprint,
    request_timestamp,
    timestamp_time,
    verify_timestamp,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from asn1crypto import cms, core
from asn1crypto import tsp as asn1_tsp

from tests.tsa_server import TestTSA


def _checkpoints(tmp_path: Path, count: int = 2) -> list[dict[str, Any]]:
    """Real checkpoints written by the audit writer (not hand-made dicts)."""
    log = AuditLog(tmp_path / "audit.jsonl", fsync=False)
    for round_ in range(count):
        for index in range(3):
            assert log.append({"event": "cli", "reason": f"round {round_} record {index}"})
        assert log.checkpoint(), log.last_error
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    found = [record for record in records if record["event"] == "checkpoint"]
    assert len(found) == count
    return found


@pytest.fixture
def checkpoint(tmp_path: Path) -> dict[str, Any]:
    return _checkpoints(tmp_path, 1)[0]


@pytest.fixture(scope="module")
def tsa_ok() -> Iterator[TestTSA]:
    with TestTSA() as server:
        yield server


@pytest.fixture
def token(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> bytes:
    return request_timestamp(checkpoint, url=tsa_ok.url, timeout=5)


def _tampered(token: bytes, edit: Any) -> bytes:
    """Re-encode ``token`` after ``edit(signed_data)`` changed it; the signature bytes are kept as they were."""
    response = asn1_tsp.TimeStampResp.load(token)
    signed_data = response["time_stamp_token"]["content"].untag().copy()
    edit(signed_data)
    content = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    rebuilt: bytes = asn1_tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": content}).dump()
    return rebuilt


def _tst_info(token: bytes) -> asn1_tsp.TSTInfo:
    response = asn1_tsp.TimeStampResp.load(token)
    return response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


# ------------------------------------------------------------------------------------------------ imprint


def test_imprint_binds_the_signed_payload_and_the_chain_hash(tmp_path: Path) -> None:
    first, second = _checkpoints(tmp_path)
    assert len(imprint(first)) == 32
    assert imprint(first) == imprint(dict(first))
    assert imprint(first) != imprint(second)
    other = {
        "tree_size": 999,
        "root": "e" * 64,
        "prev_checkpoint": "e" * 64,
        "key_id": "e" * 16,
        "time": "2030-01-01T00:00:00.000000+00:00",
        "seq": 999,
        "hash": "e" * 64,
    }
    for field, value in other.items():
        assert first[field] != value
        edited = dict(first, **{field: value})
        assert imprint(edited) != imprint(first), field
    unsigned = dict(first, peaks=["f" * 64])  # not in the signed payload: the chain hash covers it instead
    assert imprint(unsigned) == imprint(first)


@pytest.mark.parametrize("bad_hash", [None, "", "abc", "G" * 64, "A" * 64, 7])
def test_imprint_refuses_a_checkpoint_without_a_valid_hash(checkpoint: dict[str, Any], bad_hash: Any) -> None:
    edited = dict(checkpoint, hash=bad_hash)
    with pytest.raises(TimestampError, match="no valid 'hash'"):
        imprint(edited)


# ------------------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_granted_token_verifies(checkpoint: dict[str, Any], key_type: str) -> None:
    with TestTSA(key_type=key_type) as server:
        before = time.time()
        token = request_timestamp(checkpoint, url=server.url, timeout=5)
        assert verify_timestamp(token, checkpoint, roots_pem=server.root_pem) is None
        # the request the TSA saw: sha256 imprint of this checkpoint, a nonce, and certReq
        [request_der] = server.requests
    request = asn1_tsp.TimeStampReq.load(request_der)
    assert request["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert request["message_imprint"]["hashed_message"].native == imprint(checkpoint)
    assert request["cert_req"].native is True
    assert request["nonce"].native == _tst_info(token)["nonce"].native
    # the stored bytes are the whole TimeStampResp, status granted
    assert asn1_tsp.TimeStampResp.load(token)["status"]["status"].native == "granted"
    when = timestamp_time(token)
    assert when is not None
    assert before - 5 <= when.timestamp() <= time.time() + 5


def test_each_request_carries_a_fresh_nonce(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    first = request_timestamp(checkpoint, url=tsa_ok.url)
    second = request_timestamp(checkpoint, url=tsa_ok.url)
    assert _tst_info(first)["nonce"].native != _tst_info(second)["nonce"].native
    assert verify_timestamp(first, checkpoint, roots_pem=tsa_ok.root_pem) is None
    assert verify_timestamp(second, checkpoint, roots_pem=tsa_ok.root_pem) is None


def test_request_verifies_inline_when_given_the_root(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    token = request_timestamp(checkpoint, url=tsa_ok.url, roots_pem=tsa_ok.root_pem)
    assert verify_timestamp(token, checkpoint, roots_pem=tsa_ok.root_pem) is None
    with TestTSA() as other, pytest.raises(TimestampError, match="does not verify"):
        request_timestamp(checkpoint, url=tsa_ok.url, roots_pem=other.root_pem)


def test_the_test_tsa_is_conformant_per_openssl(tsa_ok: TestTSA, checkpoint: dict[str, Any], tmp_path: Path) -> None:
    """An independent implementation accepts the test TSA's tokens, so the round trips above are not self-serving."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    token = request_timestamp(checkpoint, url=tsa_ok.url)
    (tmp_path / "resp.der").write_bytes(token)
    (tmp_path / "root.pem").write_bytes(tsa_ok.root_pem)
    command = ["openssl", "ts", "-verify", "-in", str(tmp_path / "resp.der"), "-CAfile", str(tmp_path / "root.pem")]
    good = subprocess.run([*command, "-digest", imprint(checkpoint).hex()], check=False, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run([*command, "-digest", "00" * 32], check=False, capture_output=True, text=True)
    assert bad.returncode != 0


# ------------------------------------------------------------------------------------------------ verification


def test_one_flipped_byte_in_the_signed_parts_fails(token: bytes, tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    """Every byte of the TSTInfo, the signed attributes and the signature value is covered.

    (A few envelope bytes outside the signature, such as the SignedData/SignerInfo version numbers, are not signed
    in CMS and a flip there can still verify; nothing a reader relies on, time or imprint, lives there.)
    """
    signed_data = asn1_tsp.TimeStampResp.load(token)["time_stamp_token"]["content"]
    signer = signed_data["signer_infos"][0]
    regions = {
        "tst_info": signed_data["encap_content_info"]["content"].parsed.dump(),
        "signed_attrs": signer["signed_attrs"].contents,
        "signature": signer["signature"].contents,
    }
    checked = 0
    for name, region in regions.items():
        start = token.find(region)
        assert start > 0 and token.count(region) == 1, name
        for offset in range(start, start + len(region)):
            flipped = bytearray(token)
            flipped[offset] ^= 0x01
            problem = verify_timestamp(bytes(flipped), checkpoint, roots_pem=tsa_ok.root_pem)
            assert problem is not None, f"{name}: flipping byte {offset} still verifies"
            checked += 1
    assert checked > 300
    assert verify_timestamp(token, checkpoint, roots_pem=tsa_ok.root_pem) is None  # the original still does


def test_last_byte_flipped_fails(token: bytes, tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    flipped = token[:-1] + bytes([token[-1] ^ 0xFF])
    assert verify_timestamp(flipped, checkpoint, roots_pem=tsa_ok.root_pem) is not None


def test_token_for_another_checkpoint_fails(tsa_ok: TestTSA, tmp_path: Path) -> None:
    first, second = _checkpoints(tmp_path)
    token = request_timestamp(first, url=tsa_ok.url)
    assert verify_timestamp(token, first, roots_pem=tsa_ok.root_pem) is None
    problem = verify_timestamp(token, second, roots_pem=tsa_ok.root_pem)
    assert problem is not None
    assert "imprint" in problem
    edited = dict(first, root="0" * 64)  # the same record with its tree head rewritten
    assert "imprint" in (verify_timestamp(token, edited, roots_pem=tsa_ok.root_pem) or "")


def test_tstinfo_rewritten_for_another_checkpoint_fails(tsa_ok: TestTSA, tmp_path: Path) -> None:
    """The attack that matters: keep the TSA's signature, swap the imprint inside the token."""
    first, second = _checkpoints(tmp_path)
    token = request_timestamp(first, url=tsa_ok.url)

    def swap_imprint(signed_data: cms.SignedData) -> None:
        tst = asn1_tsp.TSTInfo.load(signed_data["encap_content_info"]["content"].parsed.dump())
        tst["message_imprint"] = {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": imprint(second)}
        signed_data["encap_content_info"] = {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(tst.dump()),
        }

    forged = _tampered(token, swap_imprint)
    assert _tst_info(forged)["message_imprint"]["hashed_message"].native == imprint(second)
    problem = verify_timestamp(forged, second, roots_pem=tsa_ok.root_pem)
    assert problem is not None
    assert "imprint" not in problem  # it got past the imprint check and failed on the signature


def test_token_from_a_tsa_with_another_root_fails(checkpoint: dict[str, Any]) -> None:
    # Both TSAs use the same names: only the keys differ, so nothing can pass on a name match.
    with TestTSA() as trusted, TestTSA() as impostor:
        token = request_timestamp(checkpoint, url=impostor.url)
        assert verify_timestamp(token, checkpoint, roots_pem=impostor.root_pem) is None
        problem = verify_timestamp(token, checkpoint, roots_pem=trusted.root_pem)
        assert problem is not None
        assert "does not verify" in problem
        both = trusted.root_pem + impostor.root_pem  # a bundle: any listed root is trusted
        assert verify_timestamp(token, checkpoint, roots_pem=both) is None


def test_a_self_signed_signer_embedded_in_the_token_is_not_trusted(checkpoint: dict[str, Any]) -> None:
    """Swap in the impostor's certificate and signature: the embedded certificate must not act as its own root."""
    with TestTSA() as trusted, TestTSA() as impostor:
        token = request_timestamp(checkpoint, url=impostor.url)

        def add_impostor_root(signed_data: cms.SignedData) -> None:
            from asn1crypto import x509 as asn1_x509
            from cryptography.hazmat.primitives import serialization

            root = asn1_x509.Certificate.load(impostor.root_cert.public_bytes(serialization.Encoding.DER))
            signed_data["certificates"] = [*signed_data["certificates"], root]

        with_root = _tampered(token, add_impostor_root)
        assert verify_timestamp(with_root, checkpoint, roots_pem=impostor.root_pem) is None
        assert verify_timestamp(with_root, checkpoint, roots_pem=trusted.root_pem) is not None


@pytest.mark.parametrize("eku", ["non-critical", "none"])
def test_signer_without_the_critical_timestamping_eku_fails(checkpoint: dict[str, Any], eku: str) -> None:
    with TestTSA(eku=eku) as server:
        token = request_timestamp(checkpoint, url=server.url)
        problem = verify_timestamp(token, checkpoint, roots_pem=server.root_pem)
    assert problem is not None
    assert "unsuitable certificate purpose" in problem  # OpenSSL's timestamping purpose check refuses it first


@pytest.mark.parametrize(
    "bad_token",
    [b"", b"\x00", b"\x30\x00", b"\x30\x84\xff\xff\xff\xff", bytes(range(256)), b"not a token" * 100],
)
def test_verify_never_raises_on_garbage(tsa_ok: TestTSA, checkpoint: dict[str, Any], bad_token: bytes) -> None:
    problem = verify_timestamp(bad_token, checkpoint, roots_pem=tsa_ok.root_pem)
    assert isinstance(problem, str) and problem


def test_verify_never_raises_on_truncations(token: bytes, tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    for length in range(0, len(token), 7):
        assert verify_timestamp(token[:length], checkpoint, roots_pem=tsa_ok.root_pem) is not None
    assert verify_timestamp(token + b"\x00", checkpoint, roots_pem=tsa_ok.root_pem) is not None


def test_verify_reports_unusable_roots_and_checkpoints(token: bytes, checkpoint: dict[str, Any]) -> None:
    for roots in (b"", b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"):
        problem = verify_timestamp(token, checkpoint, roots_pem=roots)
        assert problem is not None
        assert "root" in problem
    with TestTSA() as server:
        assert "hash" in (verify_timestamp(token, {"seq": 1}, roots_pem=server.root_pem) or "")


def test_verify_refuses_a_rejection_response(checkpoint: dict[str, Any]) -> None:
    with TestTSA("rejection") as server:
        rejection = server.respond(b"")  # the rejection does not depend on the request
        problem = verify_timestamp(rejection, checkpoint, roots_pem=server.root_pem)
    assert problem is not None
    assert "rejection" in problem


# ------------------------------------------------------------------------------------------------ a misbehaving TSA


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong-imprint", "imprint mismatch"),
        ("wrong-nonce", "nonce mismatch"),
        ("no-nonce", "left the nonce out"),
        ("rejection", "did not grant the timestamp: rejection (test TSA refuses this request)"),
        ("garbage", "not a TimeStampResp"),
        ("http-error", "answered HTTP 500"),
        ("redirect", "redirects are refused"),
        ("huge", "sent more than 65536 bytes"),
        ("huge-declared", "announced a 1073741824-byte answer"),
    ],
)
def test_misbehaving_tsa_is_refused(checkpoint: dict[str, Any], mode: str, message: str) -> None:
    with TestTSA(mode) as server:
        with pytest.raises(TimestampError, match=r"the TSA at http://127\.0\.0\.1:") as caught:
            request_timestamp(checkpoint, url=server.url, timeout=5)
        assert message in caught.value.message
        assert caught.value.hint  # says what to do next
        assert len(server.requests) == 1  # a redirect was not followed


def test_redirect_target_is_never_contacted(checkpoint: dict[str, Any]) -> None:
    with TestTSA("redirect") as server:
        with pytest.raises(TimestampError, match=r"redirected to http://127\.0\.0\.1:\d+/tsa/elsewhere"):
            request_timestamp(checkpoint, url=server.url)
        time.sleep(0.1)
        assert len(server.requests) == 1


def test_response_limit_is_configurable(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    with pytest.raises(TimestampError, match="limit is 100 bytes"):
        request_timestamp(checkpoint, url=tsa_ok.url, max_response=100)


@pytest.mark.parametrize(("mode", "delay"), [("slow", 5.0), ("drip", 0.2)])
def test_slow_tsa_times_out_on_the_wall_clock(checkpoint: dict[str, Any], mode: str, delay: float) -> None:
    """ "drip" sends a byte every 0.2 s: no single read times out, only the overall deadline stops it."""
    with TestTSA(mode, delay=delay) as server:
        started = time.monotonic()
        with pytest.raises(TimestampError, match=r"did not answer within 0\.6 s"):
            request_timestamp(checkpoint, url=server.url, timeout=0.6)
        elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.0


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (not even a TLS handshake)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_silent_server_times_out(checkpoint: dict[str, Any], silent_server: int, scheme: str) -> None:
    started = time.monotonic()
    with pytest.raises(TimestampError, match="did not answer within"):
        request_timestamp(checkpoint, url=f"{scheme}://127.0.0.1:{silent_server}/tsa", timeout=0.5)
    assert time.monotonic() - started < 2.0


def test_unreachable_tsa(checkpoint: dict[str, Any]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connection refused
        with pytest.raises(TimestampError, match="cannot reach the TSA"):
            request_timestamp(checkpoint, url=f"http://127.0.0.1:{port}/tsa", timeout=2)


def test_https_tsa_round_trip(checkpoint: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestTSA(tls=True) as server:
        assert server.url.startswith("https://")
        with pytest.raises(TimestampError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            request_timestamp(checkpoint, url=server.url, timeout=5)  # the server is not trusted yet
        (tmp_path / "ca.pem").write_bytes(server.root_pem)
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
        token = request_timestamp(checkpoint, url=server.url, timeout=5, roots_pem=server.root_pem)
    assert verify_timestamp(token, checkpoint, roots_pem=server.root_pem) is None


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/tsa",
        "data:application/timestamp-reply;base64,MAA=",
        "gopher://127.0.0.1/",
        "127.0.0.1:80/tsa",
        "http://",
        "https:///tsa",
        "",
    ],
)
def test_non_http_urls_are_refused(checkpoint: dict[str, Any], url: str) -> None:
    with pytest.raises(TimestampError, match="http"):
        request_timestamp(checkpoint, url=url)


def test_urls_with_credentials_are_refused_without_echoing_them(checkpoint: dict[str, Any]) -> None:
    with pytest.raises(TimestampError, match="credentials") as caught:
        request_timestamp(checkpoint, url="https://alice:s3cret@tsa.invalid/tsa")
    assert "s3cret" not in str(caught.value)


def test_response_limit_must_be_positive(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    with pytest.raises(TimestampError, match="limit must be positive"):
        request_timestamp(checkpoint, url=tsa_ok.url, max_response=0)


@pytest.mark.parametrize("timeout", [0, -1, 301, float("nan")])
def test_timeout_must_be_sane(tsa_ok: TestTSA, checkpoint: dict[str, Any], timeout: float) -> None:
    with pytest.raises(TimestampError, match="timeout"):
        request_timestamp(checkpoint, url=tsa_ok.url, timeout=timeout)


def test_request_refuses_a_checkpoint_without_hash(tsa_ok: TestTSA, checkpoint: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in checkpoint.items() if k != "hash"}
    sent = len(tsa_ok.requests)
    with pytest.raises(TimestampError, match="no valid 'hash'"):
        request_timestamp(unsigned, url=tsa_ok.url)
    assert len(tsa_ok.requests) == sent  # refused before anything went out


def test_timestamp_error_is_a_gatekeeper_error() -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import GatekeeperError

    assert issubclass(tsa.TimestampError, GatekeeperError)
    assert timestamp_time(b"junk") is None
