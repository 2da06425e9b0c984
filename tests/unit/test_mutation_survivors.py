# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests written to kill mutants that survived `scripts/mutation` (docs/mutation-testing.md has the triage).

Each test names the mutant class it kills: a boundary or a refusal the other tests never reached, or a format that
both sides of a check computed the same way (so a change to it went unnoticed although it breaks every token or
record written before it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import tokens
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import (
    Approver,
    init_operator,
    load_registry,
    operator_key_encrypted,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    Binding,
    InvalidToken,
    TokenItem,
    cosign_token,
    new_item_id,
    sign_token,
    split_tokens,
    verify_token,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit import checkpoint, merkle
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
    PUBLIC_KEY_FILE,
    Anchor,
    CheckpointKeys,
    checkpoint_payload,
    key_id,
    load_public_key,
    read_anchor,
    verify_checkpoint_signature,
    write_anchor,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import ConfigError, StateError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.limits import InputRejected
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import (
    _SECRET_HINT_WORDS,
    _TOKEN_HINT_WORDS,
    REDACTED,
    SPLIT_REDACTED,
    _any_of,
    holds_no_hint,
    redact,
    redact_text,
    redact_texts,
    truncate,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ------------------------------------------------------------------------------------------------ approval tokens
# A fixed key pair, clock and nonce make a token a fixed string: the signer and the verifier share the encoding
# (base64 without padding, sorted compact JSON), so only a pinned vector shows that a change to it would void every
# token already printed on an operator's terminal.
FIXED_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ALICE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
BOB_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
ALICE = Approver("alice", ALICE_KEY.public_key())
BOB = Approver("bob", BOB_KEY.public_key())
REGISTRY = {ALICE.key_id: ALICE, BOB.key_id: BOB}
PINNED_TOKEN_SHA256 = "19e13f8ddec9fe23da0d87d84ae670097600868fbafe7f79123ac21dd325a4f1"
PINNED_COSIGNED_SHA256 = "797a239ced1e454690384910b15d33b30d9329f740c2e83233951d8ee30d2bb9"
PINNED_ITEMS = [TokenItem("item-1", "d" * 64, "web1", "T2"), TokenItem("item-2", "e" * 64, "web1", "T3")]


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens.secrets, "token_hex", lambda n: "5a" * n)


def _token(items: list[TokenItem] | None = None, *, key: Ed25519PrivateKey = ALICE_KEY, approver: Approver = ALICE,
           ttl: int = 600) -> str:  # fmt: skip
    return sign_token(plan="req-0123456789abcdef", items=items or PINNED_ITEMS, key=key, approver=approver, ttl=ttl,
                      now=FIXED_NOW)  # fmt: skip


def _reassemble(payload: bytes, signatures: list[dict[str, Any]]) -> str:
    """A token over any payload bytes, signed by whoever is in ``signatures`` (pass the keys to sign with)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    return f"pxa1.{b64(payload)}.{b64(json.dumps(signatures).encode())}"


def _signature(key: Ed25519PrivateKey, approver: Approver, payload: bytes) -> dict[str, Any]:
    signed = base64.urlsafe_b64encode(key.sign(tokens._DOMAIN + payload)).decode().rstrip("=")
    return {"k": approver.key_id, "n": approver.name, "s": signed}


def _payload_bytes(items: list[dict[str, Any]] | None = None, **extra: Any) -> bytes:
    iat = int(FIXED_NOW.timestamp())
    payload = {
        "v": 1,
        "plan": "req-0123456789abcdef",
        "iat": iat,
        "exp": iat + 600,
        "nonce": "00" * 16,
        "items": items if items is not None else [{"id": "item-1", "d": "d" * 64, "t": "web1", "tier": "T2"}],
    }
    payload.update(extra)
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()  # fmt: skip


def test_a_minted_token_is_pinned(fixed_nonce: None) -> None:
    """Kills the payload encoding mutants of sign_token (sort_keys, separators), the signature record's field names
    in sign_token and cosign_token, and _b64's padding strip: the same inputs must mint the same token, byte for byte,
    and a token printed before an upgrade must still verify after it."""
    token = _token()
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert payload == (
        b'{"exp":1772367000,"iat":1772366400,"items":[{"d":"' + b"d" * 64 + b'","id":"item-1","t":"web1","tier":"T2"},'
        b'{"d":"' + b"e" * 64 + b'","id":"item-2","t":"web1","tier":"T3"}],"nonce":"' + b"5a" * 16 + b'",'
        b'"plan":"req-0123456789abcdef","v":1}'
    )
    assert "=" not in token  # no padding: a token is pasted and split on '.' and '=' alike
    assert hashlib.sha256(token.encode()).hexdigest() == PINNED_TOKEN_SHA256
    cosigned = cosign_token(token, key=BOB_KEY, approver=BOB)
    assert hashlib.sha256(cosigned.encode()).hexdigest() == PINNED_COSIGNED_SHA256
    verified = verify_token(cosigned, approvers=REGISTRY, now=FIXED_NOW, max_ttl=900)
    assert verified.approvers == ("alice", "bob")


def test_a_token_of_exactly_the_maximum_length_is_read() -> None:
    """Kills `len(text) > _MAX_TOKEN` -> `>=`: the bound is inclusive; one character more is refused."""
    item = {"id": "item-1", "d": "d" * 64, "t": "", "tier": "T2"}
    overhead = len(_reassemble(_payload_bytes([item]), [_signature(ALICE_KEY, ALICE, _payload_bytes([item]))]))
    estimate = (tokens._MAX_TOKEN - overhead) * 3 // 4  # payload bytes grow the token by 4/3 each
    for pad in range(estimate - 8, estimate + 8):
        body = _payload_bytes([{**item, "t": "w" * pad}])
        token = _reassemble(body, [_signature(ALICE_KEY, ALICE, body)])
        if len(token) == tokens._MAX_TOKEN:
            break
    else:  # pragma: no cover - base64 reaches three lengths in four
        pytest.fail("no padding reaches the maximum length exactly")
    assert verify_token(token, approvers=REGISTRY, now=FIXED_NOW, max_ttl=900).items[0].target == "w" * pad
    with pytest.raises(InvalidToken, match="too long"):
        verify_token(token + " x", approvers=REGISTRY, now=FIXED_NOW, max_ttl=900)
    with pytest.raises(InvalidToken, match="too long"):
        verify_token("pxa1." + "A" * tokens._MAX_TOKEN, approvers=REGISTRY, now=FIXED_NOW, max_ttl=900)


def test_a_token_nested_deeper_than_minted_is_refused_by_the_bounded_parser() -> None:
    """Kills dropping `max_depth=_MAX_TOKEN_DEPTH` from either load_json call: a payload or a signature list nested
    deeper than a minted token is damaged input, refused before its values are read (without the bound, an item id
    that is itself an object would be accepted as its text)."""
    body = _payload_bytes([{"id": {"x": ["item-1"]}, "d": "d" * 64, "t": "web1", "tier": "T2"}])
    with pytest.raises(InvalidToken, match="damaged") as payload_refusal:
        verify_token(_reassemble(body, [_signature(ALICE_KEY, ALICE, body)]), approvers=REGISTRY, now=FIXED_NOW,
                     max_ttl=900)  # fmt: skip
    assert isinstance(payload_refusal.value.__cause__, InputRejected)
    body = _payload_bytes()
    deep_signature = {**_signature(ALICE_KEY, ALICE, body), "n": [[["alice"]]]}
    with pytest.raises(InvalidToken, match="damaged") as signature_refusal:
        verify_token(_reassemble(body, [deep_signature]), approvers=REGISTRY, now=FIXED_NOW, max_ttl=900)
    assert isinstance(signature_refusal.value.__cause__, InputRejected)


def test_a_signature_by_an_unregistered_key_does_not_hide_the_ones_after_it() -> None:
    """Kills `continue` -> `break` in verify_token: an unknown key proves nothing, and nothing less either."""
    stranger = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
    body = _payload_bytes()
    token = _reassemble(body, [_signature(stranger, Approver("mallory", stranger.public_key()), body),
                               _signature(ALICE_KEY, ALICE, body)])  # fmt: skip
    assert verify_token(token, approvers=REGISTRY, now=FIXED_NOW, max_ttl=900).approvers == ("alice",)


def test_a_token_holds_at_most_max_items_items() -> None:
    """Kills `len(raw_items) <= _MAX_ITEMS` -> `<`: a request of exactly _MAX_ITEMS items is approvable in one
    token, one more is not."""
    item = {"id": "i", "d": "", "t": "", "tier": ""}
    body = _payload_bytes([item] * tokens._MAX_ITEMS)
    assert len(verify_token(_reassemble(body, [_signature(ALICE_KEY, ALICE, body)]), approvers=REGISTRY,
                            now=FIXED_NOW, max_ttl=900).items) == tokens._MAX_ITEMS  # fmt: skip
    body = _payload_bytes([item] * (tokens._MAX_ITEMS + 1))
    with pytest.raises(InvalidToken, match="content is malformed"):
        verify_token(_reassemble(body, [_signature(ALICE_KEY, ALICE, body)]), approvers=REGISTRY, now=FIXED_NOW,
                     max_ttl=900)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("", ()),
        ([], ()),
        ("pxa1.a.b", ("pxa1.a.b",)),
        ("pxa1.a.b pxa1.c.d", ("pxa1.a.b", "pxa1.c.d")),
        ("pxa1.a.b,pxa1.c.d", ("pxa1.a.b", "pxa1.c.d")),
        (" pxa1.a.b ,, pxa1.c.d ", ("pxa1.a.b", "pxa1.c.d")),
        (["pxa1.a.b", " pxa1.c.d ", "", "  "], ("pxa1.a.b", "pxa1.c.d")),
        (("pxa1.a,b",), ("pxa1.a,b",)),  # a list item is one token as it is: only a string is split
    ],
)
def test_presented_tokens_are_split_on_spaces_and_commas(value: Any, expected: tuple[str, ...]) -> None:
    """Kills split_tokens' mutants (no test in the mutation run's selection reached it): how a run's
    ``praxis_approval`` value becomes tokens."""
    assert split_tokens(value) == expected


def test_an_item_id_is_item_and_twenty_hex_digits() -> None:
    """Kills new_item_id's `[:20]` -> `[:21]`: the id is what `approvals approve --item` takes and the store keys on."""
    ids = {new_item_id() for _repeat in range(50)}
    assert len(ids) == 50 and all(re.fullmatch(r"item-[0-9a-f]{20}", i) for i in ids)


# ------------------------------------------------------------------------------------------------ operators
def test_a_registry_key_with_stray_characters_is_refused(tmp_path: Path) -> None:
    """Kills `b64decode(text, validate=True)` -> lenient in _public_from_b64: a key is its exact text."""
    line = ALICE.line()
    registry = tmp_path / "approvers"
    registry.write_text(line + "\n")
    assert [a.name for a in load_registry(registry).values()] == ["alice"]
    name, kind, b64 = line.split()
    registry.write_text(f"{name} {kind} {b64[:8]}!{b64[8:]}\n")
    with pytest.raises(ConfigError, match="not an Ed25519 public key"):
        load_registry(registry)
    with pytest.raises(ConfigError, match="not an Ed25519 public key"):
        load_registry(None, inline=f"alice={b64[:8]}!{b64[8:]}")


def test_a_registry_error_names_the_line_it_is_on(tmp_path: Path) -> None:
    """Kills `enumerate(..., start=1)` -> 0 or 2: the operator is sent to the line to fix."""
    registry = tmp_path / "approvers"
    registry.write_text(f"# approvers\n{ALICE.line()}\nbob ed25519\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(registry))}:3: "):
        load_registry(registry)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another uid needs root")
@pytest.mark.parametrize("owner", [1, 4242])
def test_a_registry_owned_by_another_user_is_refused(tmp_path: Path, owner: int) -> None:
    """Kills `st_uid not in (os.geteuid(), 0)` -> `(..., 1)`: root and the operator may own it, nobody else."""
    registry = tmp_path / "approvers"
    registry.write_text(ALICE.line() + "\n")
    os.chown(registry, owner, -1)
    with pytest.raises(ConfigError, match=f"belongs to uid {owner}"):
        load_registry(registry)


def test_a_second_operator_joins_an_existing_registry(tmp_path: Path) -> None:
    """Kills `registry.exists() and any(...)` -> `or`: only a name already registered is refused."""
    registry = tmp_path / "approvers"
    init_operator("alice", key_dir=tmp_path / "keys", registry=registry, passphrase=None)
    init_operator("bob", key_dir=tmp_path / "keys", registry=registry, passphrase=None)
    assert sorted(a.name for a in load_registry(registry).values()) == ["alice", "bob"]
    with pytest.raises(ConfigError, match="already registered"):
        init_operator("alice", key_dir=tmp_path / "other-keys", registry=registry, passphrase=None)


def test_operator_init_creates_missing_directories_owner_only_and_a_world_readable_registry(tmp_path: Path) -> None:
    """Kills dropping `parents=True` from either mkdir, the registry directory's mode 0o700 (dropped or 0o701), and
    the registry file's mode 0o644 -> 0o645: the key and the registry may live in directories that do not exist yet;
    a directory made for them is the operator's alone; the registry itself is public and never executable."""
    old = os.umask(0)
    try:
        key_dir, registry = tmp_path / "a" / "b" / "keys", tmp_path / "c" / "d" / "approvers"
        init_operator("alice", key_dir=key_dir, registry=registry, passphrase=None)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(registry.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(registry.stat().st_mode) == 0o644
    assert [a.name for a in load_registry(registry).values()] == ["alice"]


def test_operator_init_does_not_append_through_a_symlinked_registry(tmp_path: Path) -> None:
    """Kills `O_NOFOLLOW | O_CLOEXEC` -> `O_NOFOLLOW & O_CLOEXEC` (which drops both): a registry path that is a
    symlink would add the operator's key to whatever file it points at."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("")
    registry = tmp_path / "approvers"
    registry.symlink_to(elsewhere)
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        init_operator("alice", key_dir=tmp_path / "keys", registry=registry, passphrase=None)
    assert elsewhere.read_text() == ""


def test_whether_an_operator_key_is_passphrase_protected(tmp_path: Path) -> None:
    """Kills operator_key_encrypted's mutants (no test in the mutation run's selection reached it): `operator
    approve` asks for a passphrase when, and only when, the key has one; an unreadable key counts as protected."""
    init_operator("plain", key_dir=tmp_path, registry=tmp_path / "approvers", passphrase=None)
    init_operator("locked", key_dir=tmp_path, registry=tmp_path / "approvers", passphrase=b"correct horse")
    assert operator_key_encrypted("plain", key_dir=tmp_path) is False
    assert operator_key_encrypted("locked", key_dir=tmp_path) is True
    assert operator_key_encrypted("nobody", key_dir=tmp_path) is True


# ------------------------------------------------------------------------------------------------ checkpoints
def test_the_checkpoint_payload_is_pinned() -> None:
    """Kills checkpoint_payload's field-name, sort_keys and separator mutants: the signer and the verifier share the
    function, so only a fixed vector shows that a change would void every checkpoint already signed."""
    record = {"tree_size": 3, "root": "ab" * 32, "prev_checkpoint": "cd" * 32, "key_id": "0123456789abcdef",
              "time": "2026-03-01T12:00:00Z", "seq": 7, "signature": "not covered", "event": "checkpoint"}  # fmt: skip
    assert checkpoint_payload(record) == (
        b'{"key_id":"0123456789abcdef","prev_checkpoint":"' + b"cd" * 32 + b'","root":"' + b"ab" * 32 + b'",'
        b'"seq":7,"time":"2026-03-01T12:00:00Z","tree_size":3}'
    )


def test_a_lost_public_checkpoint_key_is_published_again(tmp_path: Path) -> None:
    """Kills `if not os.path.lexists(public)` -> `if lexists` and `_publish_public(None)`: verifiers need the public
    half, and the private key is enough to publish it again."""
    keys = CheckpointKeys.load_or_create(tmp_path)
    public_path = tmp_path / PUBLIC_KEY_FILE
    public_path.unlink()
    again = CheckpointKeys.load_or_create(tmp_path)
    assert again.key_id == keys.key_id
    assert key_id(load_public_key(public_path)) == keys.key_id


def test_a_lost_public_checkpoint_key_that_cannot_be_published_does_not_stop_loading(tmp_path: Path) -> None:
    """Kills narrowing `contextlib.suppress(OSError, StateError)`: publishing late is best effort; a directory
    where the public key cannot be written (here: a directory in its place's parent path) must not stop the
    private key from loading. The failure is a real one: ENOTDIR from a file where the directory was."""
    keys = CheckpointKeys.load_or_create(tmp_path)
    (tmp_path / PUBLIC_KEY_FILE).unlink()
    (tmp_path / PUBLIC_KEY_FILE).mkdir()  # lexists, so nothing is published: the control for the next case
    assert CheckpointKeys.load_or_create(tmp_path).key_id == keys.key_id
    (tmp_path / PUBLIC_KEY_FILE).rmdir()
    calls: list[Path] = []

    def cannot_write(self: CheckpointKeys, state_dir: Path) -> None:
        calls.append(state_dir)
        raise (OSError(28, "No space left on device") if len(calls) == 1 else StateError("no room"))

    with pytest.MonkeyPatch.context() as patch:  # a full disk cannot be made without privileges: a double for it
        patch.setattr(CheckpointKeys, "_publish_public", cannot_write)
        assert CheckpointKeys.load_or_create(tmp_path).key_id == keys.key_id
        assert CheckpointKeys.load_or_create(tmp_path).key_id == keys.key_id
    assert calls == [tmp_path, tmp_path]


def test_a_key_created_by_a_racing_process_is_the_one_loaded(tmp_path: Path) -> None:
    """Kills `return cls.load_or_create(state_dir)` -> `(None)` in _create: the loser of the link race loads the
    winner's key rather than failing or making a second one."""
    winner = CheckpointKeys.load_or_create(tmp_path)
    loser = CheckpointKeys._create(tmp_path)  # the loser found no key, then lost the link to the winner
    assert loser.key_id == winner.key_id
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([PUBLIC_KEY_FILE, "audit-signing.key"])


def test_an_anchor_round_trips_with_its_offset(tmp_path: Path) -> None:
    """Kills Anchor.as_dict's "offset" key mutants: the writer resumes the tree from the offset it wrote."""
    anchor = Anchor(seq=3, checkpoint_hash="h" * 64, tree_size=10, root="r" * 64, offset=4096)
    write_anchor(tmp_path / "audit.anchor", anchor)
    assert read_anchor(tmp_path / "audit.anchor") == anchor


def test_the_anchor_never_moves_backward_or_sideways(tmp_path: Path) -> None:
    """Kills `current = read_anchor(path)` -> None and `current.seq >= anchor.seq` -> `>`: a checkpoint with the same
    or a lower sequence number never replaces the anchor (the high-water mark only moves forward)."""
    path = tmp_path / "audit.anchor"
    first = Anchor(seq=5, checkpoint_hash="a" * 64, tree_size=10, root="r" * 64, offset=100)
    write_anchor(path, first)
    write_anchor(path, Anchor(seq=5, checkpoint_hash="b" * 64, tree_size=11, root="s" * 64, offset=200))
    write_anchor(path, Anchor(seq=4, checkpoint_hash="c" * 64, tree_size=9, root="t" * 64, offset=50))
    assert read_anchor(path) == first
    later = Anchor(seq=6, checkpoint_hash="d" * 64, tree_size=12, root="u" * 64, offset=300)
    write_anchor(path, later)
    assert read_anchor(path) == later


def test_a_damaged_anchor_is_replaced_by_the_next_good_one(tmp_path: Path) -> None:
    """Kills `current = None` -> `""` in write_anchor's except branch (which then fails on `"".seq`)."""
    path = tmp_path / "audit.anchor"
    path.write_text("{not json")
    with pytest.raises(StateError):
        read_anchor(path)
    anchor = Anchor(seq=1, checkpoint_hash="a" * 64, tree_size=1, root="r" * 64)
    write_anchor(path, anchor)
    assert read_anchor(path) == anchor


def test_a_failed_atomic_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills `os.unlink(tmp)` -> `os.unlink(None)` and `suppress(OSError)` -> `suppress(None)` in _write_atomic: a
    short write (a full disk, simulated: one cannot be made without privileges) raises OSError and leaves nothing."""
    real_write = os.write
    monkeypatch.setattr(checkpoint.os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    with pytest.raises(OSError, match="short write"):
        write_anchor(tmp_path / "audit.anchor", Anchor(seq=1, checkpoint_hash="a" * 64, tree_size=1, root="r" * 64))
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------ merkle
def test_an_index_equal_to_the_tree_size_is_outside_the_tree() -> None:
    """Kills verify_inclusion's `0 <= index < size` -> `<=`: in a one-leaf tree, "leaf 1" with an empty proof would
    otherwise verify for any leaf equal to the root."""
    root = merkle.root_of(LEAVES[:1])
    assert merkle.verify_inclusion(0, 1, LEAVES[0], [], root)
    assert not merkle.verify_inclusion(1, 1, LEAVES[0], [], root)


def test_a_compact_range_restored_from_json_keeps_growing_like_the_original() -> None:
    """Kills from_json's `cls(size, ...)` -> `cls(None, ...)` and CompactRange.copy's mutants (copy had no test in
    the selection): a restored or copied range appends exactly as the one it came from, independently of it."""
    grown = merkle.CompactRange()
    for leaf in LEAVES[:5]:
        grown.append(leaf)
    restored = merkle.CompactRange.from_json(grown.size, grown.to_json())
    copied = grown.copy()
    for leaf in LEAVES[5:]:
        restored.append(leaf)
        copied.append(leaf)
    assert restored.root() == copied.root() == ROOT
    assert restored.size == copied.size == len(LEAVES)
    assert grown.size == 5 and grown.root() == merkle.root_of(LEAVES[:5])  # the copy shares nothing with it


# ------------------------------------------------------------------------------------------------ redaction bounds
def _nested(levels: int, make: Any) -> Any:
    value: Any = "leaf"
    for _level in range(levels):
        value = make(value)
    return value


@pytest.mark.parametrize("make", [lambda v: {"k": v}, lambda v: [v]], ids=["mapping", "sequence"])
def test_redaction_keeps_eight_levels_and_withholds_the_ninth(make: Any) -> None:
    """Kills redact's `max_depth=8` -> 9 and `depth + 1` -> `depth + 2` for mapping values: the depth bound counts
    one level per container, from 8 kept levels."""
    eight, nine = redact(_nested(8, make)), redact(_nested(9, make))
    assert json.dumps(eight).count("leaf") == 1 and "too-deep" not in json.dumps(eight)
    assert "leaf" not in json.dumps(nine) and json.dumps(nine).count("<withheld:too-deep>") == 1


def test_redaction_keeps_two_hundred_items_and_strings_of_2048_characters() -> None:
    """Kills redact's `max_items=200` -> 201, `max_str=2048` -> 2049 and `total > max_items` -> `>=`: the documented
    defaults, with a marker only when something was left out."""
    assert redact(list(range(200))) == list(range(200))
    assert redact(list(range(201))) == [*range(200), "<truncated: 1 more items>"]
    assert redact("a" * 2048) == "a" * 2048
    assert len(redact("a" * 2049)) == 2048 and redact("a" * 2049).endswith("...<truncated>")


@pytest.mark.parametrize("hint_free", [False, True])
def test_a_mapping_key_is_bounded_to_200_characters(hint_free: bool) -> None:
    """Kills the key bound's `200` -> `201` and its dropped `limit=` (4096) on both paths."""
    (key,) = redact({"k" * 300: 1}, hint_free=hint_free)
    assert len(key) == 200 and key.endswith("...<truncated>")
    (key,) = redact({"k" * 200: 1}, hint_free=hint_free)
    assert key == "k" * 200


def test_a_key_that_is_not_a_string_is_judged_by_its_text() -> None:
    """Kills `name = key if isinstance(key, str) else str(key)` -> `key` always: an object key whose text names a
    secret withholds its value like a string key does."""

    class Key:
        def __str__(self) -> str:
            return "db_password"

    assert redact({Key(): "hunter2", 5: "five"}) == {"db_password": REDACTED, "5": "five"}


@pytest.mark.parametrize(("empty", "kept"), [({}, {}), ("", ""), ([], []), ((), []), (None, None)])
def test_an_empty_value_under_a_secret_key_stays_visible_as_the_same_kind(empty: Any, kept: Any) -> None:
    """Kills _empty_copy's `isinstance(item, dict)` / `isinstance(item, str)` -> False: an empty secret shows as
    the empty value of its own kind (a missing password is worth seeing), never as another kind."""
    (value,) = redact({"password": empty}).values()
    assert value == kept and type(value) is type(kept)


def test_split_secret_values_are_marked_and_counted_against_the_node_budget() -> None:
    """Kills the split-argument branch's `SPLIT_REDACTED` -> None and its `budget -= 1` -> `= 1`, `+= 1`, `-= 2`:
    a withheld value is marked as such, and counts as one node like any other."""
    argv = ["--password", "a", "--password", "b", "c"]
    assert redact(argv) == ["--password", SPLIT_REDACTED, "--password", SPLIT_REDACTED, "c"]
    assert redact(argv, max_nodes=6) == ["--password", SPLIT_REDACTED, "--password", SPLIT_REDACTED, "c"]
    assert redact(argv, max_nodes=5) == ["--password", SPLIT_REDACTED, "--password", SPLIT_REDACTED,
                                         "<withheld:too-large>"]  # fmt: skip
    assert redact(argv, max_nodes=4) == ["--password", SPLIT_REDACTED, "--password", "<withheld:too-large>"]


def test_an_argument_of_up_to_200_characters_can_name_a_secret() -> None:
    """Kills `len(item) <= 200` -> `< 200` and `<= 201`: the bound on items matched against the split-secret
    pattern (it keeps the regex cheap) is 200 characters, inclusive."""
    option = "--" + "x" * 190 + "password"
    assert len(option) == 200
    assert redact([option, "hunter2"]) == [option, SPLIT_REDACTED]
    longer = "--y" + option[2:]
    assert redact([longer, "hunter2"]) == [longer, "hunter2"]


def test_redact_texts_needs_one_limit_per_text() -> None:
    """Kills `zip(..., strict=True)` -> not strict on both paths: a caller that passes too few limits is a bug to
    report, not a reason to drop texts silently."""
    assert redact_texts(["a", "b"], limits=[10, 10]) == ["a", "b"]
    for texts in (["a", "b"], ["a", "token=x"]):
        with pytest.raises(ValueError, match="zip"):
            redact_texts(texts, limits=[10])


# ------------------------------------------------------------------------------------------------ the hint prefilter
@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.sets(st.text(alphabet="ab-.", min_size=1, max_size=4), min_size=1, max_size=6),
    st.text(alphabet="ab-.c", max_size=12),
)
def test_the_hint_trie_finds_exactly_the_texts_that_hold_one_of_its_words(words: set[str], text: str) -> None:
    """Kills _any_of's mutants. The function runs only while redact.py is imported (before mutmut switches a mutant
    on), so the module's own prefilters cannot show them; called here directly, the trie it builds must find a text
    exactly when the text holds one of the words (over a small alphabet, so words share prefixes and hold regex
    metacharacters)."""
    assert bool(_any_of(words).search(text)) == any(word in text for word in words)


def test_the_hint_trie_of_the_real_hints_finds_each_of_them() -> None:
    """The same over the module's own hint words (some start others: "-p" and "--", "pw" and "pwd"): each is found
    inside other text, and text without any is passed over."""
    trie = _any_of(_TOKEN_HINT_WORDS | _SECRET_HINT_WORDS)
    for word in sorted(_TOKEN_HINT_WORDS | _SECRET_HINT_WORDS):
        assert trie.search(f"~~{word}~~"), word
    assert trie.search("/usr/bin/true mode=0644 owner=root") is None


# ------------------------------------------------------------------------------------------------ redaction of pairs
def test_a_secret_key_without_a_value_does_not_end_the_scan() -> None:
    """Kills `if value is None: continue` -> `break` in _redact_pairs: an empty value under one secret key must not
    let the secret pairs after it through."""
    assert redact_text("password=;token=abc") == "password=;token=<redacted>"
    assert redact_text("password= ;api_key=abc user=bob") == "password= ;api_key=<redacted> user=bob"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"password": "hunter2", "user": "bob"}', '{"password": "<redacted>", "user": "bob"}'),
        ("user=bob password='hunter 2' mode=0644", "user=bob password='<redacted>' mode=0644"),
        ("user=bob password=hunter2 mode=0644", "user=bob password=<redacted> mode=0644"),
    ],
)
def test_a_withheld_value_keeps_its_quotes_and_only_them(text: str, expected: str) -> None:
    """Kills the quote mutants of _redact_pairs (`quote = None`, and the quote test forced either way): a record
    keeps the shape of the text it came from, so a quoted value stays quoted and a bare one bare."""
    assert redact_text(text) == expected


def test_the_default_node_budget_is_2000() -> None:
    """Kills redact's `max_nodes=2000` -> 2001: a value of 2001 nodes has its last one withheld."""
    value = [[0] * 199 for _row in range(10)]  # 1 + 10 + 1990 nodes
    redacted = redact(value)
    assert redacted[0] == [0] * 199 and redacted[-1][:-1] == [0] * 198
    assert redacted[-1][-1] == "<withheld:too-large>"


def test_integers_of_up_to_128_bits_are_kept() -> None:
    """Kills `bit_length() <= 128` -> `< 128` and `<= 129`."""
    assert redact([2**127, 2**128 - 1, 2**128]) == [2**127, 2**128 - 1, "<withheld:int bits=129>"]


def test_a_hint_free_dump_does_not_vouch_for_a_container_it_cannot_show() -> None:
    """Kills `type(value) in _DUMPED_AS_IS` -> `not in`: the caller's dump shows a custom mapping only as its
    ``str()`` (``default=str``), so "no hint in the dump" says nothing about its keys and values; they are scanned."""

    class Opaque(Mapping[str, str]):
        def __getitem__(self, key: str) -> str:
            return {"password": "hunter2"}[key]

        def __iter__(self) -> Iterator[str]:
            return iter(["password"])

        def __len__(self) -> int:
            return 1

        def __repr__(self) -> str:
            return "Opaque()"

    for value, expected in ((Opaque(), {"password": REDACTED}), ({"args": Opaque()}, {"args": {"password": REDACTED}})):
        assert holds_no_hint(json.dumps(value, default=str, ensure_ascii=False))
        assert redact(value, hint_free=True) == expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=40))
def test_the_token_encoding_round_trips_any_bytes(data: bytes) -> None:
    """Kills _b64's `rstrip("=")` -> `rstrip("XX=XX")`, which also eats a trailing 'X' of the encoding: b"\\0\\0\\x17"
    encodes as "AAAX"."""
    assert tokens._unb64(tokens._b64(b"\0\0\x17")) == b"\0\0\x17"
    encoded = tokens._b64(data)
    assert "=" not in encoded and tokens._unb64(encoded) == data


def test_an_anchor_written_before_offsets_were_kept_reads_as_offset_unknown(tmp_path: Path) -> None:
    """Kills read_anchor's `data.get("offset", -1)` -> None, no default, +1 or -2: an older anchor has no offset, and
    -1 is the value that tells the writer to rescan rather than seek to a made-up position."""
    path = tmp_path / "audit.anchor"
    path.write_text(json.dumps({"seq": 2, "checkpoint_hash": "a" * 64, "tree_size": 4, "root": "r" * 64}))
    assert read_anchor(path) == Anchor(seq=2, checkpoint_hash="a" * 64, tree_size=4, root="r" * 64, offset=-1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requirepass s3cr3t\nport 6379\nbind 0.0.0.0", "requirepass <redacted>\nport 6379\nbind 0.0.0.0"),
        ("port 6379\nrequirepass s3cr3t", "port 6379\nrequirepass <redacted>"),
        ("port 6379\n+masterauth s3cr3t\n-bind 0.0.0.0\n", "port 6379\n+masterauth <redacted>\n-bind 0.0.0.0\n"),
    ],
)
def test_a_secret_config_line_is_withheld_to_its_end_and_no_further(text: str, expected: str) -> None:
    """Kills _redact_config_lines' `text.find("\\n", ...)` -> `rfind` or a longer needle, and the forced `end < 0`
    test either way: the rest of the secret's line is withheld, the lines after it are not (a hardening role's diff
    stays readable), and a secret on the last line is withheld to the end of the text."""
    assert redact_text(text) == expected


def _no_space_for_new_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk for files created in checkpoint.py (one cannot be made without privileges: a double for it)."""
    real = checkpoint.open_private_file

    def open_private_file(path: Path, flags: int) -> int:
        if flags & os.O_CREAT:
            raise OSError(28, "No space left on device", str(path))
        return real(path, flags)

    monkeypatch.setattr(checkpoint, "open_private_file", open_private_file)


def test_a_key_that_cannot_be_created_is_a_state_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kills `contextlib.suppress(OSError)` -> `suppress(None)` around _create's clean-up: when the temporary key
    was never created, removing it fails, and that must not replace the error that says what went wrong."""
    _no_space_for_new_files(monkeypatch)
    with pytest.raises(StateError, match="cannot create the checkpoint signing key"):
        CheckpointKeys.load_or_create(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_anchor_that_cannot_be_created_raises_the_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kills `contextlib.suppress(OSError)` -> `suppress(None)` in _write_atomic's clean-up (the same case)."""
    _no_space_for_new_files(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        write_anchor(tmp_path / "audit.anchor", Anchor(seq=1, checkpoint_hash="a" * 64, tree_size=1, root="r" * 64))
    assert list(tmp_path.iterdir()) == []


def test_a_config_line_already_withheld_does_not_end_the_scan() -> None:
    """Kills `continue` -> `break` after _redact_config_lines finds a line already withheld: text that holds a
    placeholder (a diff of a file redacted before) must not let the secret lines after it through."""
    assert redact_text("password <redacted>\nrequirepass s3cr3t") == "password <redacted>\nrequirepass <redacted>"


def test_truncation_bounds_and_marks() -> None:
    """Kills truncate's `len(text) <= limit` -> `<` and `max(0, ...)` -> `max(1, ...)`: text of exactly the limit is
    kept whole; longer text keeps what fits before the marker, and nothing of it when the marker alone is longer
    than the limit."""
    assert truncate("a" * 20, 20) == "a" * 20
    assert truncate("a" * 21, 20) == "a" * 6 + "...<truncated>"
    assert truncate("abcdefghijklmnopqrstuvwxyz", 10) == "...<truncated>"


def test_redact_text_bounds_to_4096_and_takes_any_object() -> None:
    """Kills redact_text's `limit=4096` -> 4097 and `str(text)` -> `str(None)`: the default bound, and a non-string
    is redacted as its text."""
    assert redact_text("a" * 4096) == "a" * 4096
    assert len(redact_text("a" * 5000)) == 4096
    assert redact_text(12345) == "12345"

    class Holder:
        def __str__(self) -> str:
            return "password=hunter2"

    assert redact_text(Holder()) == "password=<redacted>"
