# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent-session stage of the pipeline: grants, budgets and the trifecta, for requests of ``agent:`` principals.

Order, after the mode ceiling: a closed session refuses; a scoped session (one that was ever granted anything)
refuses whatever no live grant covers; an actuation (T1 and above, not a dry run) over a spent budget refuses; an
actuation needs a human when the session's latch is armed, or when its arguments derive from host output, and
always at T2 and above (this stage then has the approvals stage decide it, so one request is never asked twice);
only once everything else allowed it is the actuation charged to the budgets. After each outcome the latch arms
if host output reached the session or a secret was read; signals from the adapter (credential lookups) arm it too.

Runs of anyone else pass through untouched: this stage costs one string comparison outside agent sessions.

Security constraints: SEC-4 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..approvals.stage import ApprovalSeam
from ..approvals.tokens import APPROVAL_TIERS
from ..core.models import RequestKind, Tier, Verdict
from ..core.seams import ALL_TIERS, NO_TIERS, SeamContext, SeamResult, Signal
from ..core.settings import GateSettings
from . import trifecta
from .config import AgentSettings, load_agent_settings
from .principals import session_of

if TYPE_CHECKING:  # the store and the session book load with the first agent session: other runs never need them
    from ..store import Store
    from .sessions import SessionBook, SessionInfo

__all__ = ["Recorder", "SessionSeam"]

Recorder = Callable[..., bool]
_STASH_LIMIT = 10_000
_ARM_ATTEMPTS = 3


class SessionSeam:
    """Containment for one agent session (the session named by the ``agent:<session>`` principal)."""

    def __init__(
        self,
        settings: GateSettings,
        *,
        approvals: ApprovalSeam,
        agent_settings: AgentSettings | None = None,
        store: Callable[[], Store] | None = None,
    ) -> None:
        self.settings = settings
        self.session = session_of(settings.principal)
        self.approvals = approvals
        self.recorder: Recorder | None = None  # the gate's record_event, set when the gate is built
        self._agent_settings = agent_settings
        self._open_store = store or self._operator_store
        self._book: SessionBook | None = None
        self._book_pid = -1
        self._seen: dict[str, SeamContext] = {}  # decision id -> context, until its outcome

    # -------------------------------------------------------------------------------------------- pipeline hook
    @property
    def quiet_tiers(self) -> frozenset[Tier]:
        """Outside an agent session this stage answers None at once, whatever the request (see core/seams.py)."""
        return ALL_TIERS if self.session is None else NO_TIERS

    def warm(self, tier: Tier) -> bool:
        """Before workers fork (the controller's warm-up, core/seams.py): in an agent session every task reads and
        charges the session's state in the store, whatever its tier, so the store's modules and driver and the
        session book are loaded here once. Outside a session there is nothing to load. True: nothing is left to
        load after one call. Opens nothing; never raises."""
        del tier  # (every tier: the session's grants and budgets are read for each task)
        if self.session is None:
            return True
        with contextlib.suppress(Exception):
            from ..store import warm  # noqa: PLC0415 - the store loads with the first agent session
            from .sessions import SessionBook  # noqa: F401, PLC0415

            warm()
        return True

    def __call__(self, context: SeamContext) -> SeamResult | None:
        session = self.session
        if session is None:
            return None
        if self.settings.session and self.settings.session != session:
            return SeamResult(
                Verdict.DENIED,
                f"the principal names agent session {session} but the run is in session {self.settings.session}; "
                "an agent run's principal and session are set together by the agent entry point",
                "agent.session-mismatch",
            )
        request, evaluation = context.request, context.evaluation
        book = self._sessions()
        info = self._session(book, session, write=context.record)
        if info.closed:
            return SeamResult(Verdict.REFUSED, f"the agent session {session} is closed ({info.closed_reason})",
                              "agent.session-closed")  # fmt: skip
        touches = trifecta.touches_host(request, evaluation)
        groups = () if request.delegate_to else request.groups
        if touches and book.scoped(session):
            grant, why = book.covering_grant(
                session, host=request.target, groups=groups, tier=evaluation.tier, action=evaluation.action
            )
            if grant is None:
                return SeamResult(
                    Verdict.REFUSED,
                    f"{why}; the session is deny-unless-granted since its first grant (an operator grants with "
                    f"`praxis-gate agent grant {session} --host {request.target} --max-tier {evaluation.tier}`)",
                    "agent.grant",
                )
        if context.record and request.provenance is not None and request.provenance.vaulted:
            # The decrypted secret is in this run's memory the moment the task is decided, whether or not it runs.
            reason = trifecta.sensitive_read(request, evaluation)
            self._arm(
                book, "sensitive-read", reason, context.decision_id, host=request.target, action=evaluation.action
            )
        if touches or request.kind is RequestKind.LOOKUP:
            self._remember(context)
        why, rule = self._trifecta(book, session, context)
        if not trifecta.is_actuation(evaluation):
            if why and evaluation.tier not in APPROVAL_TIERS and evaluation.dry_run:
                self.approvals.demand(context, why=why)  # joins the plan the operator approves before the real run
            return None
        refusal = book.usage(session).refusal(info.budgets, host=request.target, tier=evaluation.tier)
        if refusal:
            return SeamResult(Verdict.REFUSED, f"{refusal}; an operator can open a new session", "agent.budget")
        approved: SeamResult | None = None
        if why or evaluation.tier in APPROVAL_TIERS:
            approved = self.approvals.demand(context, why=why)
            if approved is not None and approved.verdict is not Verdict.ALLOWED:
                return replace(approved, rule=rule) if rule else approved
        if context.record:
            refusal = book.charge(session, info.budgets, host=request.target, tier=evaluation.tier,
                                  decision_id=context.decision_id, actor=self.settings.principal)  # fmt: skip
            if refusal:
                return SeamResult(Verdict.REFUSED, f"{refusal} (spent while this task was decided)", "agent.budget")
        return approved

    def after_outcome(self, decision_id: str, *, status: str, diff: Any) -> None:
        context = self._seen.pop(decision_id, None)
        if context is None or self.session is None:
            return
        request, evaluation = context.request, context.evaluation
        book = self._sessions()
        if status in ("ok", "changed"):
            reason = trifecta.sensitive_read(request, evaluation)
            if reason:
                self._arm(book, "sensitive-read", reason, decision_id, host=request.target, action=evaluation.action)
                return
        reason = trifecta.host_output(evaluation.action, request.target, status)
        if reason:
            self._arm(book, "host-output", reason, decision_id, host=request.target, action=evaluation.action)

    def observe(self, signal: Signal) -> None:
        if self.session is None or signal.kind not in ("sensitive-read", "host-output"):
            return
        self._arm(self._sessions(), signal.kind, signal.reason, "", host=signal.host, action=signal.action)

    # -------------------------------------------------------------------------------------------- helpers
    def _trifecta(self, book: SessionBook, session: str, context: SeamContext) -> tuple[str, str]:
        """(why this request needs a human under the trifecta rules, the rule) or ("", "")."""
        evaluation, request = context.evaluation, context.request
        if evaluation.tier < Tier.T1:
            return "", ""
        latch = book.latch(session)
        if latch.armed:
            return (f"the session's trifecta latch is armed ({latch.kind}: {latch.reason[:120]})", "agent.latch")
        derived = request.provenance.host_derived if request.provenance else ()
        if derived:
            return (f"argument {', '.join(derived[:3])} derives from host output", "agent.host-derived")
        return "", ""

    def _arm(self, book: SessionBook, kind: str, reason: str, decision_id: str, *, host: str, action: str) -> None:
        """Arm the latch (retried: a transient store error must not leave it clear), and record it. If the store
        stays unusable, the failure is recorded and raised; the next decision, which reads the same store, is then
        denied (fail closed)."""
        if self.session is None:  # only an agent session has a latch; raising denies the decision (fail closed)
            raise RuntimeError("the trifecta latch was armed outside an agent session")
        recorder = self.recorder
        for attempt in range(_ARM_ATTEMPTS):
            try:
                armed = book.arm(self.session, kind=kind, reason=reason, decision_id=decision_id,
                                 actor=self.settings.principal)  # fmt: skip
                break
            except Exception as exc:
                if attempt + 1 == _ARM_ATTEMPTS:
                    problem = f"{type(exc).__name__}: {exc}"[:300]
                    if recorder is not None:
                        with contextlib.suppress(Exception):
                            recorder("agent-latch-unrecorded", durable=True, kind=kind, reason=reason[:300],
                                     decision_id=decision_id or None, error=problem)  # fmt: skip
                    raise
                time.sleep(0.05 * (attempt + 1))
        if armed and recorder is not None:
            with contextlib.suppress(Exception):
                recorder("agent-latch-armed", durable=True, kind=kind, reason=reason[:300],
                         decision_id=decision_id or None, host=host[:255], action=action[:200])  # fmt: skip

    def _remember(self, context: SeamContext) -> None:
        if len(self._seen) >= _STASH_LIMIT:
            self._seen.pop(next(iter(self._seen)))
        self._seen[context.decision_id] = context

    def _session(self, book: SessionBook, session: str, *, write: bool) -> SessionInfo:
        info = book.get(session)
        if info is not None:
            return info
        budgets = self._agent().budgets
        if not write:  # explaining only: judge as the session would be opened, write nothing
            from .sessions import SessionInfo  # noqa: PLC0415 - loads with the first agent session

            return SessionInfo(session, "standard", budgets, datetime.now(UTC), self.settings.principal)
        return book.open(session, budgets=budgets, actor=self.settings.principal)

    def _agent(self) -> AgentSettings:
        if self._agent_settings is None:
            self._agent_settings = load_agent_settings()
        return self._agent_settings

    def _operator_store(self) -> Store:
        from ..store import open_store  # noqa: PLC0415 - the store loads with the first agent session

        return open_store(self.settings, quick_check=False)

    def _sessions(self) -> SessionBook:
        if self._book is None or self._book_pid != os.getpid():
            from .sessions import SessionBook  # noqa: PLC0415 - loads with the first agent session

            self._book, self._book_pid = SessionBook(self._open_store()), os.getpid()  # a store must not cross fork()
        return self._book
