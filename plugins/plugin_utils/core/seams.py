# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seam after the mode ceiling where approvals and agent-session containment (trifecta, budgets, grants) join
the pipeline.

A seam sees a classified request and may object (approval required, refused) or allow with an approval
reference; it cannot lift a deny-list match or a mode refusal, because the pipeline never reaches it for those.
Seams also hear what happens between decisions: each outcome, and signals the adapter raises outside any task
(a credential lookup, say), so that state spanning tasks (an agent session's latch) can follow the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..policy.evaluate import Evaluation
from .models import TaskRequest, Tier, Verdict

__all__ = ["ALL_TIERS", "NO_TIERS", "Seam", "SeamContext", "SeamResult", "Signal"]

ALL_TIERS: frozenset[Tier] = frozenset(Tier)
NO_TIERS: frozenset[Tier] = frozenset()


# No generated __eq__, __hash__ or __repr__ (eq=False, repr=False): the pipeline never compares, hashes or prints
# these, and each generated method is compiled when the class is created, in every gated run's start-up (issue 22).
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SeamContext:
    """What a seam may look at: the request, how it was classified, and the ruleset it is bound to. (Seams that
    bind to the arguments digest them under their own key, as the approvals seam does.)"""

    request: TaskRequest
    evaluation: Evaluation
    decision_id: str
    ruleset_digest: str
    record: bool  # False when only explaining (`praxis-gate check`): a seam must not write anything then


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SeamResult:
    verdict: Verdict
    reason: str
    rule: str
    approval_ref: str | None = None
    approval_item: str | None = None
    planned: bool = False  # not run under --check; listed in the run's plan (the run goes on)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Signal:
    """Something the adapter saw that is not a task: ``kind`` is "sensitive-read" (a credential lookup, a
    vault-decrypted value) or "host-output"; ``reason`` says what, bounded and free of values."""

    kind: str
    reason: str
    host: str = ""
    action: str = ""


class Seam(Protocol):
    """Approvals and trifecta containment plug in after the mode ceiling; None means "no objection".

    A seam may also say, in a ``quiet_tiers`` attribute (a frozenset of Tier), the tiers for which it answers None
    for every request without reading or changing anything; when every seam of a gate is quiet for a decision's
    tier, the gate does not ask them (the plain decision's hot path). A seam that says nothing is always asked.

    And a ``warm(tier)`` method: the controller calls it (``Gate.warm_seams``) before workers fork, with the tier of
    each action's first task as written, so that the seam loads once what deciding such a task will need in every
    worker (the store's driver: workers are forked per task and host), and returns True once it has nothing left to
    load in this process. It must open, record and decide nothing, and never raise; a seam without one is not
    warmed."""

    def __call__(self, context: SeamContext) -> SeamResult | None: ...

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None: ...

    def observe(self, signal: Signal) -> None: ...
