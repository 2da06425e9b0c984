# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU of verifying a fleet's approval (2,000 items minted as six 64 KiB tokens), in five freshly forked processes
and then warm in this one, as a redeeming worker tried them before the controller verified them once.

Usage: python verify_cost.py   (with the collection importable, e.g. in the bench virtual environment)"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import tokens as token_module
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    TokenItem,
    sign_tokens,
    verify_token,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY = Ed25519PrivateKey.generate()
APPROVER = Approver("alice", KEY.public_key())
ITEMS = [TokenItem(f"item-{n:020x}", "d" * 64, f"fleet-host-{n % 100:03d}", "T2") for n in range(2000)]
TOKENS = [minted.token for minted in sign_tokens(plan="plan-1", items=ITEMS, key=KEY, approver=APPROVER, ttl=3600)]
REGISTRY = {APPROVER.key_id: APPROVER}


def verify_all() -> float:
    """CPU ms to verify every token once, nothing remembered (the memo is emptied first)."""
    getattr(token_module, "_VERIFIED", {}).clear()
    started = time.process_time_ns()
    for token in TOKENS:
        verify_token(token, approvers=REGISTRY, now=datetime.now(UTC), max_ttl=86_400, allow_expired=True)
    return (time.process_time_ns() - started) / 1e6


def main() -> None:
    print(f"{len(TOKENS)} tokens of {[len(token) for token in TOKENS]} characters")
    for _fork in range(5):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.write(write, f"{verify_all():.2f}".encode())
            os._exit(0)
        os.close(write)
        print("in a fresh fork, every token: CPU ms", os.read(read, 100).decode())
        os.close(read)
        os.waitpid(pid, 0)
    print("warm, every token: CPU ms", f"{verify_all():.2f}", f"{verify_all():.2f}")


if __name__ == "__main__":
    main()
