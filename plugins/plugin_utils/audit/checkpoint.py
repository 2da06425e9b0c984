# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signed checkpoints and the anchor (high-water mark) of the audit log.

A hash chain shows that records were not edited or reordered, but a log truncated at a record boundary is still a
valid chain. Checkpoints (RFC 6962 tree heads signed with a per-installation Ed25519 key, each naming the previous
one) and an anchor file that remembers the newest checkpoint close that gap: `audit verify` refuses a log that no
longer reaches the anchor. The anchor can live elsewhere (``PRAXIS_AUDIT_ANCHOR``) so that truncating the log and
rolling back the anchor needs write access to two places; an RFC 3161 timestamp on a checkpoint adds a witness the
installation does not control at all.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import StateError
from ..core.limits import load_json, read_bounded
from ..core.requirements import lazy
from ..core.statedir import open_private_file

if TYPE_CHECKING:
    from cryptography import exceptions
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
else:  # loaded when a key is first read, made or checked: arming the gate does not import cryptography
    exceptions = lazy("cryptography.exceptions")
    serialization = lazy("cryptography.hazmat.primitives.serialization")
    ed25519 = lazy("cryptography.hazmat.primitives.asymmetric.ed25519")

__all__ = [
    "Anchor",
    "CheckpointKeys",
    "checkpoint_payload",
    "key_id",
    "read_anchor",
    "verify_checkpoint_signature",
    "write_anchor",
]

SIGNING_KEY_FILE = "audit-signing.key"
PUBLIC_KEY_FILE = "audit-signing.pub"
_MAX_KEY_FILE = 64 * 1024
_MAX_ANCHOR = 64 * 1024


def key_id(public: ed25519.Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_payload(record: Mapping[str, Any]) -> bytes:
    """The bytes a checkpoint signature covers: everything that identifies the tree head and its predecessor."""
    fields = {k: record.get(k) for k in ("tree_size", "root", "prev_checkpoint", "key_id", "time", "seq")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


# No generated __eq__, __hash__ or __repr__ (eq=False, repr=False): never compared, hashed or printed (it holds
# keys), and each generated method is compiled when the class is created, in every gated run's start-up (issue 22).
@dataclass(frozen=True, eq=False, repr=False)
class CheckpointKeys:
    """The installation's checkpoint signing key (private 0600) and its public half (for verifiers)."""

    private: ed25519.Ed25519PrivateKey
    public: ed25519.Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self.private.sign(payload)).decode()

    @classmethod
    def load_or_create(cls, state_dir: Path) -> CheckpointKeys:
        path = state_dir / SIGNING_KEY_FILE
        try:
            fd = open_private_file(path, os.O_RDONLY)
        except StateError:
            if os.path.lexists(path):
                raise
            return cls._create(state_dir)
        try:
            pem = os.read(fd, 64 * 1024)
        finally:
            os.close(fd)
        try:
            private = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise StateError(f"the checkpoint signing key {path} is unreadable", hint="restore it from backup") from exc
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise StateError(f"the checkpoint signing key {path} is not an Ed25519 key", hint="restore it")
        keys = cls(private, private.public_key())
        if not os.path.lexists(state_dir / PUBLIC_KEY_FILE):
            # Its creator could not publish it (a full disk right after the private key was linked): verifiers
            # need it, and it is derived from the private key, so publishing it late changes nothing.
            with contextlib.suppress(OSError, StateError):
                keys._publish_public(state_dir)
        return keys

    def _publish_public(self, state_dir: Path) -> None:
        pem = self.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        _write_atomic(state_dir / PUBLIC_KEY_FILE, pem)

    @classmethod
    def _create(cls, state_dir: Path) -> CheckpointKeys:
        """Create once, atomically: write a temp file, then link it into place so two processes cannot race."""
        private = ed25519.Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path = state_dir / SIGNING_KEY_FILE
        tmp = state_dir / f".{SIGNING_KEY_FILE}.{secrets.token_hex(6)}"
        try:
            _write_whole(tmp, pem)
            os.link(tmp, path)
        except FileExistsError:
            return cls.load_or_create(state_dir)
        except OSError as exc:  # a full or read-only disk: publish nothing rather than a truncated key
            raise StateError(
                f"cannot create the checkpoint signing key {path}: {exc.strerror or exc}",
                hint=f"free space or fix permissions in {state_dir}",
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        keys = cls(private, private.public_key())
        keys._publish_public(state_dir)
        return keys


def load_public_key(path: Path) -> ed25519.Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(read_bounded(path, max_bytes=_MAX_KEY_FILE, what="the public key"))
    except (OSError, ValueError) as exc:
        raise StateError(f"cannot read the checkpoint public key {path}: {exc}", hint="pass --pubkey") from exc
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise StateError(f"{path} is not an Ed25519 public key", hint="pass the installation's audit-signing.pub")
    return key


def verify_checkpoint_signature(record: Mapping[str, Any], public: ed25519.Ed25519PublicKey) -> bool:
    if record.get("key_id") != key_id(public):
        return False
    try:
        public.verify(base64.b64decode(str(record.get("signature", "")), validate=True), checkpoint_payload(record))
    except (exceptions.InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Anchor:
    """The newest checkpoint this installation wrote: the log must still reach it."""

    seq: int
    checkpoint_hash: str
    tree_size: int
    root: str
    offset: int = -1  # byte offset of the checkpoint line: lets the writer resume the tree without rescanning

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "checkpoint_hash": self.checkpoint_hash,
            "tree_size": self.tree_size,
            "root": self.root,
            "offset": self.offset,
        }


def read_anchor(path: Path) -> Anchor | None:
    """None when there is no anchor; StateError when it exists but cannot be trusted to parse."""
    try:
        data = load_json(read_bounded(path, max_bytes=_MAX_ANCHOR, what="the anchor"), max_bytes=_MAX_ANCHOR)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StateError(f"the audit anchor {path} is unreadable: {exc}", hint="investigate; do not delete it") from exc
    try:
        return Anchor(
            int(data["seq"]),
            str(data["checkpoint_hash"]),
            int(data["tree_size"]),
            str(data["root"]),
            int(data.get("offset", -1)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"the audit anchor {path} is malformed", hint="investigate; do not delete it") from exc


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Move the high-water mark forward (never backward), atomically and durably."""
    current = None
    try:
        current = read_anchor(path)
    except StateError:
        current = None  # a damaged anchor is replaced by a good one; verify reports the damage before that happens
    if current is not None and current.seq >= anchor.seq:
        return
    _write_atomic(path, json.dumps(anchor.as_dict(), sort_keys=True).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    try:
        _write_whole(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # a full disk must not leave half-written temporary files behind
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_whole(path: Path, data: bytes) -> None:
    """Create ``path`` (owner-only, exclusively) holding exactly ``data``, synced; OSError on a short write (a full
    disk), so that no caller publishes a truncated key or anchor."""
    fd = open_private_file(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)}: short write ({written} of {len(data)} bytes)")
        os.fsync(fd)
    finally:
        os.close(fd)
