# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests written to kill mutants that survived `scripts/mutation` (docs/mutation-testing.md has the triage).

Each test names the mutant class it kills: a boundary or a refusal the other tests never reached, or a format that
both sides of a check computed the same way (so a change to it went unnoticed although it breaks every token or
record written before it).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import Binding
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import merkle
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    load_public_key,
    verify_checkpoint_signature,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog

LEAVES = [merkle.leaf_hash(f"record {i}".encode()) for i in range(7)]
ROOT = merkle.root_of(LEAVES)


# ------------------------------------------------------------------------------------------------ merkle boundaries
@pytest.mark.parametrize("index", [-1, len(LEAVES), len(LEAVES) + 1])
def test_a_proof_for_a_leaf_outside_the_tree_is_refused(index: int) -> None:
    """Kills inclusion_proof `index < len` -> `<=` and verify_inclusion's out-of-range `return False` -> True."""
    with pytest.raises(IndexError, match="outside the tree"):
        merkle.inclusion_proof(index, LEAVES)
    last_proof = merkle.inclusion_proof(len(LEAVES) - 1, LEAVES)
    assert not merkle.verify_inclusion(index, len(LEAVES), LEAVES[-1], last_proof, ROOT)


@pytest.mark.parametrize("index", range(len(LEAVES)))
def test_a_proof_with_a_sibling_too_many_does_not_verify(index: int) -> None:
    """Kills verify_inclusion's `if sn == 0: return False` -> True: a padded proof is not a proof."""
    proof = merkle.inclusion_proof(index, LEAVES)
    assert merkle.verify_inclusion(index, len(LEAVES), LEAVES[index], proof, ROOT)
    assert not merkle.verify_inclusion(index, len(LEAVES), LEAVES[index], [*proof, ROOT], ROOT)
    assert not merkle.verify_inclusion(index, len(LEAVES), LEAVES[index], proof[:-1], ROOT) or len(proof) == 0


# ------------------------------------------------------------------------------------------------ pinned formats
def test_the_binding_digest_is_pinned() -> None:
    """Kills every mutant of Binding.digest: signer and verifier share the function, so only a fixed vector shows
    that a change would void every token and pending item already written."""
    binding = Binding("ansible.builtin.command", "web1", "T2", "a" * 64, "b" * 64)
    assert binding.digest("item-1") == "d42c6aaf31ae6b1c0b6721b24a876d6d32a50a6365e165d2a1d9df7e5163f002"
    assert binding.digest("item-2") != binding.digest("item-1")


def test_a_checkpoint_signature_with_stray_characters_does_not_verify(tmp_path: Path) -> None:
    """Kills `b64decode(..., validate=True)` -> lenient decoding: a signature is its exact text."""
    log = AuditLog(tmp_path / "audit.jsonl", fsync=False)
    assert log.append({"event": "cli", "reason": "one"})
    assert log.checkpoint(), log.last_error
    record = next(r for r in map(json.loads, (tmp_path / "audit.jsonl").read_text().splitlines())
                  if r["event"] == "checkpoint")  # fmt: skip
    public = load_public_key(tmp_path / PUBLIC_KEY_FILE)
    assert verify_checkpoint_signature(record, public)
    signature = str(record["signature"])
    assert base64.b64decode(signature[:4] + "!" + signature[4:]) == base64.b64decode(signature)  # lenient reads it
    assert not verify_checkpoint_signature({**record, "signature": signature[:4] + "!" + signature[4:]}, public)
    assert not verify_checkpoint_signature({k: v for k, v in record.items() if k != "signature"}, public)
