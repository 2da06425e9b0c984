# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SHA-256 and HMAC-SHA256 for the audit writer's hot path: the same digests, cheaper in a freshly forked worker.

Why: ansible-core forks one worker per task and host, and each worker writes two audit records (a chain hash and a
line digest each) and two keyed digests (the arguments', the output's). Through OpenSSL every first digest in a
fresh process writes to the provider's shared state (locks, reference counts, the allocator), about 50 copy-on-write
page faults and 0.1 ms per HMAC; CPython's own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before) touches only its
own small object: a quarter of that (measured in forked children, bench/results/issue22/pertask2/). The keyed digest
is HMAC (RFC 2104) with the key's inner and outer blocks hashed once per process, before the workers fork, and
copied per digest: byte for byte the value ``hmac.new(key, data, hashlib.sha256)`` gives (tests hold it to that).

Where Python runs in FIPS mode, or lacks its own implementation, both fall back to ``hashlib`` and ``hmac``.

Security constraints: SEC-9 (docs/security-constraints.yml).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["KeyedDigest", "sha256", "sha256_hex"]

_BLOCK = 64  # SHA-256's block size in bytes
_INNER = bytes(b ^ 0x36 for b in range(256))  # RFC 2104 ipad, as a translation table
_OUTER = bytes(b ^ 0x5C for b in range(256))  # opad


def _constructor() -> Callable[..., Any]:
    try:
        fips = bool(importlib.import_module("_hashlib").get_fips_mode())
    except (ImportError, AttributeError):
        fips = False
    if not fips:
        for name in ("_sha2", "_sha256"):
            try:
                found: Callable[..., Any] = importlib.import_module(name).sha256
            except (ImportError, AttributeError):
                continue
            return found
    return hashlib.sha256


sha256: Callable[..., Any] = _constructor()
_BUILTIN = sha256 is not hashlib.sha256


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as hex, as ``hashlib.sha256(data).hexdigest()``."""
    return str(sha256(data).hexdigest())


class KeyedDigest:
    """HMAC-SHA256 under one key, prepared once: ``hexdigest(data)`` equals
    ``hmac.new(key, data, hashlib.sha256).hexdigest()``."""

    __slots__ = ("_inner", "_key", "_outer")

    def __init__(self, key: bytes) -> None:
        self._key = bytes(key)
        block = hashlib.sha256(self._key).digest() if len(self._key) > _BLOCK else self._key
        block = block.ljust(_BLOCK, b"\0")
        self._inner = sha256(block.translate(_INNER))
        self._outer = sha256(block.translate(_OUTER))

    def hexdigest(self, data: bytes) -> str:
        if not _BUILTIN:
            return hmac.new(self._key, data, hashlib.sha256).hexdigest()
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return str(outer.hexdigest())
