# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval bodies are kept only until their item is decided or their request expires, then purged to their sha256.

Why: what an operator reads before approving (a dry run's diff, module output kept for review) can quote a host's
configuration. It is redacted before it is written, but redaction recognises shapes, not meaning, so the store keeps
it only as long as someone may still need to read it: until the item is approved, denied or used, or its request
expires. Then the body becomes nothing and its sha256 stays, in the body row and in the item's append-only payload
(the store's ``approval_bodies`` table, whose only permitted change is that purge; see store/_migrations.py).

When: at each decision (``approvals approve`` and ``deny``, the gate's redemption of an item), and lazily wherever
the store is opened for approvals work (the gate's approvals stage sweeps used and expired items; the approvals and
store commands also sweep approved and denied ones), so expiry needs no daemon and no listener. A purge that fails
is logged and retried by the next sweep: it never raises into the gate, whose decision does not depend on it.

Security constraints: SEC-10 (docs/security-constraints.yml).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..store import Store
from .queue import GRANTS, denial

__all__ = ["purge", "settle", "sweep"]

log = logging.getLogger(__name__)


def purge(store: Store, item_ids: Iterable[str], *, because: str) -> int:
    """Purge these items' bodies now (``because``: approved, denied, used, expired); never raises."""
    ids = list(item_ids)
    if not ids:
        return 0
    try:
        return store.purge_bodies(ids, because=because)
    except Exception as exc:
        log.warning("praxis: could not purge %d approval bodies (%s) in %s, retried at the next sweep: %s",
                    len(ids), because, store.location, exc)  # fmt: skip
        return 0


def sweep(store: Store) -> int:
    """Purge the bodies of used items and of expired requests (one read when there is nothing to do); never raises.

    What the gate runs when it opens the store for its approvals stage."""
    try:
        return store.sweep_bodies()
    except Exception as exc:
        log.warning("praxis: could not purge used or expired approval bodies in %s, retried at the next sweep: %s",
                    store.location, exc)  # fmt: skip
        return 0


def settle(store: Store) -> int:
    """Every purge that is due: used, expired, denied (the whole request) and approved (the items signed); the
    operator's commands run it when they open the store. Returns how many bodies were purged; never raises."""
    purged = sweep(store)
    try:
        waiting = store.unpurged_bodies()
        by_request: dict[str, list[str]] = {}
        for item_id, request_id in waiting:
            by_request.setdefault(request_id, []).append(item_id)
        denied: list[str] = []
        approved: list[str] = []
        plans: dict[str, tuple[bool, set[str]]] = {}
        for request_id, item_ids in by_request.items():
            request = store.approval_request(request_id)
            if request is None:
                continue
            plan = str(request.payload.get("plan") or request_id)
            if plan not in plans:
                granted = {
                    str(item)
                    for grant in store.history(plan, *GRANTS)
                    if isinstance(grant.content, dict)
                    for item in grant.content.get("items", [])
                }
                plans[plan] = (denial(store, plan) is not None, granted)
            is_denied, granted = plans[plan]
            if is_denied:
                denied.extend(item_ids)
            else:
                approved.extend(item for item in item_ids if item in granted)
    except Exception as exc:
        log.warning("praxis: could not look for decided approval bodies in %s, retried at the next sweep: %s",
                    store.location, exc)  # fmt: skip
        return purged
    return purged + purge(store, denied, because="denied") + purge(store, approved, because="approved")
