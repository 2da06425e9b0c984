# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local RFC 3161 time-stamping authority for tests.

The timestamp code must be tested against real DER on a real socket, not against mocks of the library it calls, so
this builds a throwaway PKI (a root CA and a TSA leaf with the critical timeStamping EKU) with ``cryptography`` and
answers ``application/timestamp-query`` POSTs on 127.0.0.1. ``cryptography``'s PKCS7 builder cannot set the TSTInfo
content type, so the CMS SignedData is assembled with ``asn1crypto`` and signed with ``cryptography``.

``mode`` makes the server misbehave in one specific way so each refusal in the client can be shown to happen:

    ok             a granted TimeStampResp over the request's imprint and nonce
    wrong-imprint  a correctly signed token over some other digest
    wrong-nonce    a correctly signed token that answers another nonce
    no-nonce       a correctly signed token without a nonce
    rejection      status rejection (2) with a status string, no token
    garbage        HTTP 200 with bytes that are not DER
    http-error     HTTP 500
    redirect       HTTP 302 to a path that would have answered "ok"
    huge           HTTP 200 with a body larger than any sane response and no Content-Length
    huge-declared  HTTP 200 announcing a Content-Length of a gigabyte
    slow           waits ``delay`` seconds before answering
    drip           sends headers at once, then the body one byte at a time (``delay`` seconds apart)
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import secrets
import ssl
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["MODES", "TestTSA"]

MODES = (
    "ok",
    "wrong-imprint",
    "wrong-nonce",
    "no-nonce",
    "rejection",
    "garbage",
    "http-error",
    "redirect",
    "huge",
    "huge-declared",
    "slow",
    "drip",
)
TEST_POLICY = "1.3.6.1.4.1.99999.3161.1"  # a made-up policy arc; the client does not pin a policy

_PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class _StatusOnlyResp(core.Sequence):  # type: ignore[misc]  # asn1crypto ships no type hints
    """A TimeStampResp without a token (asn1crypto's own class makes the optional token mandatory)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _new_key(key_type: str) -> _PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "praxis.gatekeeper tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class TestTSA:
    """A context manager running one local TSA: ``url``, ``root_pem``, ``mode``, ``requests`` (DER bodies seen).

    ``eku``: "critical" (RFC 3161 conformant), "non-critical" or "none", to test that verifiers insist on it.
    ``key_type``: "ec" (P-256, fast) or "rsa" (2048, PKCS#1 v1.5), so both common TSA key types are exercised.
    ``tls``: serve https with a server certificate for 127.0.0.1 issued by the same root (``root_pem``), so a
    client that trusts the root (e.g. through ``SSL_CERT_FILE``) can exercise its TLS path.
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self,
        mode: str = "ok",
        *,
        eku: str = "critical",
        key_type: str = "ec",
        delay: float = 3.0,
        name: str = "Test",
        tls: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown test TSA mode {mode!r}")
        self.mode = mode
        self.delay = delay
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        now = datetime.now(UTC)
        self.root_key = _new_key(key_type)
        self.root_cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{name} TSA Root"))
            .issuer_name(_name(f"{name} TSA Root"))
            .public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.tsa_key = _new_key(key_type)
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{name} TSA"))
            .issuer_name(self.root_cert.subject)
            .public_key(self.tsa_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=10))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()), critical=False
            )
        )
        if eku != "none":
            leaf = leaf.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=eku == "critical"
            )
        self.tsa_cert = leaf.sign(self.root_key, hashes.SHA256())
        self.root_pem = self.root_cert.public_bytes(serialization.Encoding.PEM)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        if tls:
            self._server.socket = self._tls_context(now).wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="test-tsa", daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"{'https' if tls else 'http'}://{host!s}:{port}/tsa"

    def _tls_context(self, now: datetime) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("127.0.0.1"))
            .issuer_name(self.root_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=10))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()), critical=False
            )
            .sign(self.root_key, hashes.SHA256())
        )
        self._tls_dir = tempfile.TemporaryDirectory(prefix="test-tsa-")
        cert_path, key_path = Path(self._tls_dir.name, "cert.pem"), Path(self._tls_dir.name, "key.pem")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context

    def __enter__(self) -> TestTSA:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()  # wakes "slow" and "drip" handlers so they do not outlive the test
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self._tls_dir is not None:
            self._tls_dir.cleanup()

    # -- building responses -------------------------------------------------------------------------------------

    def respond(self, request_der: bytes, mode: str | None = None) -> bytes:
        """The DER TimeStampResp that ``mode`` (default: this TSA's) calls for; also usable without HTTP."""
        mode = mode or self.mode
        if mode == "rejection":
            rejected: bytes = _StatusOnlyResp(
                {
                    "status": {
                        "status": "rejection",
                        "status_string": ["test TSA refuses this request"],
                        "fail_info": {"bad_alg"},
                    }
                }
            ).dump()
            return rejected
        request = tsp.TimeStampReq.load(request_der)
        imprint = request["message_imprint"]
        if mode == "wrong-imprint":
            imprint = tsp.MessageImprint(
                {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "hashed_message": hashlib.sha256(b"some other checkpoint").digest(),
                }
            )
        nonce = request["nonce"].native
        if mode == "wrong-nonce":
            nonce = (nonce or 0) + 1
        elif mode == "no-nonce":
            nonce = None
        token = self.token(imprint, nonce, include_certs=bool(request["cert_req"].native))
        granted: bytes = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
        return granted

    def token(self, imprint: tsp.MessageImprint, nonce: int | None, *, include_certs: bool = True) -> cms.ContentInfo:
        """A TimeStampToken: CMS SignedData over a TSTInfo, signed attributes as RFC 3161 and RFC 5035 require."""
        tst_fields: dict[str, Any] = {
            "version": "v1",
            "policy": TEST_POLICY,
            "message_imprint": imprint,
            "serial_number": secrets.randbits(64),
            "gen_time": datetime.now(UTC).replace(microsecond=0),
            "accuracy": {"seconds": 1},
            "ordering": False,
        }
        if nonce is not None:
            tst_fields["nonce"] = nonce
        tst_info = tsp.TSTInfo(tst_fields)
        tst_der = tst_info.dump()
        cert_der = self.tsa_cert.public_bytes(serialization.Encoding.DER)
        tsa_cert = asn1_x509.Certificate.load(cert_der)
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": tst_fields["gen_time"]})]}),
                cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [
                            {
                                "certs": [
                                    {
                                        "hash_algorithm": {"algorithm": "sha256"},
                                        "cert_hash": hashlib.sha256(cert_der).digest(),
                                        "issuer_serial": {
                                            "issuer": [
                                                asn1_x509.GeneralName({"directory_name": tsa_cert.issuer}),
                                            ],
                                            "serial_number": tsa_cert.serial_number,
                                        },
                                    }
                                ]
                            }
                        ],
                    }
                ),
            ]
        )
        to_sign = signed_attrs.dump()  # the SET OF encoding (tag 0x31), which is what CMS signs
        if isinstance(self.tsa_key, rsa.RSAPrivateKey):
            signature = self.tsa_key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
            signature_algorithm = "sha256_rsa"
        else:
            signature = self.tsa_key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
            signature_algorithm = "sha256_ecdsa"
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": tsa_cert.issuer,
                            "serial_number": tsa_cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
                "signature": signature,
            }
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_der)},
            "signer_infos": [signer_info],
        }
        if include_certs:
            signed_data["certificates"] = [tsa_cert]
        return cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})


def _handler_for(tsa: TestTSA) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; a body without Content-Length ends at close

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 64 * 1024))
            tsa.requests.append(body)
            mode = "ok" if self.path.endswith("/elsewhere") else tsa.mode
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(mode, body)  # a client that gives up early is what several modes test

        def _answer(self, mode: str, body: bytes) -> None:
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self._send(415, b"expected application/timestamp-query")
                return
            if mode == "redirect":
                self.send_response(302)
                self.send_header("Location", f"{tsa.url}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if mode == "http-error":
                self._send(500, b"internal error")
                return
            if mode == "garbage":
                self._send(200, b"this is not a TimeStampResp\n" * 4)
                return
            if mode == "huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.end_headers()
                chunk = b"\x00" * 65536
                for _repeat in range(32):  # 2 MiB, no Content-Length: only the client's own bound stops it
                    self.wfile.write(chunk)
                return
            if mode == "huge-declared":
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(1 << 30))
                self.end_headers()
                self.wfile.write(b"\x30\x84")
                return
            if mode == "slow" and tsa._stop.wait(tsa.delay):
                return
            answer = tsa.respond(body, mode)
            if mode == "drip":
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                for index in range(len(answer)):
                    self.wfile.write(answer[index : index + 1])
                    self.wfile.flush()
                    if tsa._stop.wait(tsa.delay):
                        return
                return
            self._send(200, answer, "application/timestamp-reply")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
