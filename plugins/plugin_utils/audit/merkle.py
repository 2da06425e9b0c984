# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RFC 6962 (Certificate Transparency) Merkle tree hashing for audit checkpoints.

Why a Merkle tree on top of the hash chain: the chain proves order and integrity to someone who reads the whole
log; a signed tree head lets someone check one record against a checkpoint with a short proof, and lets a
checkpoint commit to everything before it in one hash. Leaf and node hashes are domain-separated (0x00 / 0x01) so
a leaf can never be passed off as an interior node. ``CompactRange`` folds leaves in O(log n) memory, which keeps
verification of any log size in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["CompactRange", "inclusion_proof", "leaf_hash", "node_hash", "root_of", "verify_inclusion"]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass
class CompactRange:
    """The roots of the perfect subtrees that make up a tree of ``size`` leaves, largest (leftmost) first."""

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash (already ``leaf_hash``-ed)."""
        self.peaks.append(leaf)
        self.size += 1
        # Merge equal-sized perfect subtrees: one merge per trailing 1-bit of the new size's predecessor.
        merges = (self.size & -self.size).bit_length() - 1
        for _repeat in range(merges):
            right = self.peaks.pop()
            left = self.peaks.pop()
            self.peaks.append(node_hash(left, right))

    def root(self) -> bytes:
        """MTH(D[0:size]) as RFC 6962 defines it (split at the largest power of two below n)."""
        if not self.peaks:
            return EMPTY_ROOT
        root = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            root = node_hash(peak, root)
        return root

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.peaks))

    def to_json(self) -> list[str]:
        return [peak.hex() for peak in self.peaks]

    @classmethod
    def from_json(cls, size: int, peaks: Sequence[str]) -> CompactRange:
        expected = bin(size).count("1")
        if len(peaks) != expected:
            raise ValueError(f"a compact range of size {size} has {expected} peaks, not {len(peaks)}")
        return cls(size, [bytes.fromhex(peak) for peak in peaks])


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, computed directly from the definition (used to cross-check CompactRange)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _largest_power_of_two_below(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) from RFC 6962 section 2.1.1: the sibling hashes from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError("leaf index outside the tree")
    if len(leaves) == 1:
        return []
    k = _largest_power_of_two_below(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root_of(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root_of(leaves[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: recompute the root from a leaf and its audit path."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    current = leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and current == root
