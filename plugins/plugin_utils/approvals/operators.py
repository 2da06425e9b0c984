# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operators: the humans whose Ed25519 keys can approve gated actions.

An approval is only as strong as the answer to "whose key signed it?". The private key stays with the operator
(passphrase-protected by default, 0600) and never touches the state directory, the store or a run; the gate only
ever sees public keys, from the approver registry in operator configuration (a file named by ``PRAXIS_APPROVERS``
or ``[praxis_gatekeeper] approvers``, or keys inline in ``PRAXIS_APPROVER_KEYS`` for execution environments).
Nothing a run can write is consulted for trust, so a caller who controls the store, the audit log and the project
cannot mint an approval.

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..audit.checkpoint import key_id
from ..core.errors import ConfigError
from ..core.limits import InputRejected, read_bounded
from ..core.requirements import lazy
from ..core.statedir import open_private_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
else:  # loaded on first use: arming the gate does not import them
    serialization = lazy("cryptography.hazmat.primitives.serialization")
    ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")

__all__ = ["Approver", "init_operator", "load_operator_key", "load_registry", "operator_key_encrypted"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_MAX_REGISTRY = 1024 * 1024
_REGISTRY_HINT = "PRAXIS_APPROVERS must name a regular file of `NAME ed25519 BASE64` lines (at most 1 MiB)"


@dataclass(frozen=True)
class Approver:
    name: str
    public: ed25519.Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    @property
    def raw(self) -> bytes:
        """The public key's 32 raw bytes: what the registry line spells in base64 and what a token's verification
        is remembered by (approvals/tokens.py)."""
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def line(self) -> str:
        return f"{self.name} ed25519 {base64.b64encode(self.raw).decode()}"


def _public_from_b64(text: str, where: str) -> ed25519.Ed25519PublicKey:
    try:
        raw = base64.b64decode(text, validate=True)
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{where}: not an Ed25519 public key", hint="use the line `operator init` printed") from exc


def _check_registry_file(path: Path) -> None:
    info = path.stat()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            f"the approver registry {path} is writable by group or others; anyone who can write it can approve",
            hint=f"chmod go-w {path}",
        )
    if info.st_uid not in (os.geteuid(), 0):
        raise ConfigError(
            f"the approver registry {path} belongs to uid {info.st_uid}, neither you nor root",
            hint="keep the registry owned by the operator (or root)",
        )


def load_registry(path: Path | None, inline: str | None = None) -> dict[str, Approver]:
    """Trusted approvers by key id. An unreadable or unsafe registry is an error, never an empty trust set."""
    approvers: dict[str, Approver] = {}
    names: set[str] = set()

    def add(name: str, public: ed25519.Ed25519PublicKey, where: str) -> None:
        if not _NAME.fullmatch(name):
            raise ConfigError(f"{where}: invalid approver name {name!r}", hint="letters, digits, . _ @ -")
        if name in names:
            raise ConfigError(f"{where}: approver {name!r} is registered twice", hint="remove the duplicate")
        names.add(name)
        approver = Approver(name, public)
        approvers[approver.key_id] = approver

    if path is not None and path.exists():
        _check_registry_file(path)
        try:
            text = read_bounded(path, max_bytes=_MAX_REGISTRY, what="the approver registry").decode("utf-8")
        except (InputRejected, OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the approver registry: {exc}", hint=_REGISTRY_HINT) from None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) < 3 or parts[1] != "ed25519":
                raise ConfigError(f"{path}:{number}: expected `NAME ed25519 BASE64`", hint="fix or remove the line")
            add(parts[0], _public_from_b64(parts[2], f"{path}:{number}"), f"{path}:{number}")
    for entry in (inline or "").replace(";", ",").split(","):
        if entry.strip():
            name, sep, b64 = entry.strip().partition("=")
            if not sep:
                raise ConfigError("PRAXIS_APPROVER_KEYS: expected NAME=BASE64 entries", hint="comma-separated")
            add(name.strip(), _public_from_b64(b64.strip(), "PRAXIS_APPROVER_KEYS"), "PRAXIS_APPROVER_KEYS")
    return approvers


def init_operator(name: str, *, key_dir: Path, registry: Path, passphrase: bytes | None) -> Approver:
    """Create NAME's key pair (private 0600, encrypted unless ``passphrase`` is None) and register the public half."""
    if not _NAME.fullmatch(name):
        raise ConfigError(f"invalid operator name {name!r}", hint="letters, digits, . _ @ -; up to 64 characters")
    if registry.exists() and any(a.name == name for a in load_registry(registry).values()):
        raise ConfigError(f"an approver named {name!r} is already registered in {registry}", hint="pick another name")
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path = key_dir / f"{name}.key"
    if key_path.exists():
        raise ConfigError(f"{key_path} already exists", hint="an operator key is never overwritten")
    private = ed25519.Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    fd = open_private_file(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    approver = Approver(name, private.public_key())
    registry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(registry, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, (approver.line() + "\n").encode())
    finally:
        os.close(fd)
    (key_dir / f"{name}.pub").write_text(approver.line() + "\n")
    return approver


def operator_key_encrypted(name: str, *, key_dir: Path) -> bool:
    """Whether NAME's private key is passphrase-protected (an unreadable key counts as protected: loading it then
    says what is wrong)."""
    try:
        with (key_dir / f"{name}.key").open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return True
    return not head.startswith(b"-----BEGIN PRIVATE KEY-----")


def load_operator_key(name: str, *, key_dir: Path, passphrase: bytes | None) -> ed25519.Ed25519PrivateKey:
    path = key_dir / f"{name}.key"
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"no key for operator {name!r} at {path}", hint="run `praxis-gate operator init`") from exc
    try:
        private = serialization.load_pem_private_key(pem, password=passphrase or None)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"cannot unlock the key of operator {name!r} (wrong or missing passphrase)", hint="try again"
        ) from exc
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 key", hint="re-create it with `praxis-gate operator init`")
    return private


def registry_names(approvers: Mapping[str, Approver]) -> list[str]:
    return sorted(a.name for a in approvers.values())
