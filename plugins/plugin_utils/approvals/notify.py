# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Approval notifications: an optional webhook that announces a run's pending approval request to operators.

What is sent, and what never is: the request id, a one-line summary, the actions with their targets and tiers, the
hosts, the expiry and the command an operator runs next. Never a token (the gate has none to send: tokens are minted
by an operator), never an argument body, task name, reason or diff (any of them may quote an argument).

The shape serves Slack-style and Matrix-style receivers alike: ``text`` (Slack incoming webhooks, Mattermost,
Matrix hookshot), ``body`` and ``msgtype`` (a Matrix ``m.text`` event), and the structured ``praxis`` object for
anything that reads JSON.

Delivery goes through the egress filter (SEC-7: checked, pinned, redirects re-checked), with bounded retries inside
a fixed time budget; a receiver that is down, hangs or refuses costs the run at most that budget and never fails it:
``announce`` never raises, it reports what happened for the audit log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.settings import GateSettings
from ..egress import client
from ..egress.addresses import EgressPolicy
from ..egress.rules import bounded_resolver
from ..store._model import ApprovalItem, ApprovalRequest

__all__ = ["BUDGET_SECONDS", "Delivery", "announce", "announcement"]

BUDGET_SECONDS = 5.0  # the most a run's end waits for the receiver, retries included
ATTEMPTS = 3
BACKOFF = (0.25, 0.75)  # seconds before the second and the third attempt
_MAX_LISTED = 20  # actions listed in the message; the rest are counted

Sender = Callable[..., client.Response]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one announcement (recorded in the audit log; the URL is never part of it)."""

    delivered: bool
    attempts: int
    detail: str
    request: str


def announcement(
    plan: str, requests: Sequence[ApprovalRequest], items: Sequence[ApprovalItem], *, mode: str
) -> dict[str, Any]:
    """The JSON body for a run's pending request ``plan``: made from ids, names and tiers only."""
    tiers = sorted({item.tier for item in items})
    hosts = sorted({item.target for item in items})
    expires = min((r.expires_at for r in requests), default=None)
    requester = requests[0].requester if requests else ""
    actions = [{"action": i.action, "target": i.target, "tier": i.tier} for i in items[:_MAX_LISTED]]
    next_step = f"praxis-gate approvals show {plan}"
    summary = (
        f"{len(items)} gated action(s) ({', '.join(tiers)}) on {len(hosts)} host(s) wait for approval "
        f"(requested by {requester}, {mode} mode)"
    )
    until = f"; expires {_iso(expires)}" if expires else ""
    text = f"praxis.gatekeeper: request {plan}: {summary}{until}. Review with `{next_step}`."
    return {
        "text": text,
        "body": text,
        "msgtype": "m.text",
        "praxis": {
            "event": "approval-requested",
            "request": plan,
            "summary": summary,
            "tiers": tiers,
            "hosts": hosts[:_MAX_LISTED],
            "actions": actions,
            "more_actions": max(0, len(items) - _MAX_LISTED),
            "expires_at": _iso(expires) if expires else None,
            "requester": requester,
            "next": next_step,
        },
    }


def announce(
    settings: GateSettings,
    plan: str,
    requests: Sequence[ApprovalRequest],
    items: Sequence[ApprovalItem],
    *,
    send: Sender = client.request,
    resolver: client.Resolver | None = None,
    sleep: Callable[[float], None] = time.sleep,
    budget: float = BUDGET_SECONDS,
) -> Delivery | None:
    """POST the announcement to the operator's webhook; None when none is configured. Never raises."""
    url = settings.approval_webhook
    if not url or not items:
        return None
    try:
        policy = EgressPolicy.parse(settings.egress_allow)
        body = json.dumps(announcement(plan, requests, items, mode=settings.mode.value), sort_keys=True).encode()
    except Exception as exc:  # a notification must never cost the run anything
        return Delivery(False, 0, f"cannot build the announcement: {type(exc).__name__}: {exc}", plan)
    deadline = time.perf_counter() + budget
    attempts, detail = 0, ""
    while attempts < ATTEMPTS:
        remaining = deadline - time.perf_counter()
        if remaining <= 0.05:
            detail += f"{'; ' if detail else ''}out of time after {attempts} attempt(s)"
            break
        attempts += 1
        try:
            response = send(
                url, policy=policy, method="POST", body=body, timeout=min(remaining, budget),
                headers={"Content-Type": "application/json"}, max_response=16 * 1024, max_redirects=2,
                resolver=resolver or bounded_resolver(max(0.05, min(remaining, 2.0))),
            )  # fmt: skip
        except client.EgressRefused as exc:
            return Delivery(False, attempts, exc.message, plan)  # the operator's configuration: retrying won't help
        except Exception as exc:  # EgressError (down, hanging, too large) and anything unforeseen
            detail = f"attempt {attempts}: {getattr(exc, 'message', None) or f'{type(exc).__name__}: {exc}'[:200]}"
        else:
            if 200 <= response.status < 300:
                return Delivery(True, attempts, f"HTTP {response.status}", plan)
            detail = f"attempt {attempts}: {response.url} answered HTTP {response.status}"
            if response.status < 500 and response.status != 429:
                break  # the receiver refuses this message; the same message will be refused again
        if attempts < ATTEMPTS:
            pause = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
            if deadline - time.perf_counter() > pause:
                sleep(pause)
    return Delivery(False, attempts, detail or "not delivered", plan)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""
