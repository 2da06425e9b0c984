# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Agent sessions in the store: who the session is, its trifecta latch, what it has actuated, what it is granted.

Why facts in the store rather than a file or memory: a session spans many runs and processes (every forked worker,
the next run, the MCP server, another controller on the same PostgreSQL store), and its history is evidence. Each
piece is a bitemporal fact keyed by the session id, so every change is a new version that names who made it and
why, and concurrent writers are settled by the store's compare-and-set:

- ``praxis.agent.session``: identity and the controls fixed when it was opened (profile, budgets); closing it adds
  a version. Nothing an agent passes reaches this fact.
- ``praxis.agent.latch``: exists once the latch has armed (kind, reason, the decision that armed it). It is written
  once and never superseded or retracted: the latch does not clear within a session.
- ``praxis.agent.usage``: actuations charged so far (total, at T2 and above, per host). Each charge is a
  compare-and-set on the previous count, so two workers can never both take the last unit of a budget.
- ``praxis.agent.grant`` (one fact per grant id): scoped, expiring permissions an operator issued; revoking
  retracts the fact. ``praxis.agent.scope`` records that the session was ever granted anything, which switches it to
  deny-unless-granted for good (an expired or revoked grant does not switch it back).

Security constraints: SEC-4, SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import fnmatch
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..core.errors import ConfigError, StateError
from ..core.models import Tier
from ..store import ConflictError, Fact, Store
from .config import Budgets
from .principals import AGENT_PREFIX, principal_of, session_of, valid_session_id

__all__ = [
    "AGENT_PREFIX",
    "Grant",
    "Latch",
    "SessionBook",
    "SessionInfo",
    "Usage",
    "principal_of",
    "session_of",
    "valid_session_id",
]

SESSION_TYPE = "praxis.agent.session"
LATCH_TYPE = "praxis.agent.latch"
USAGE_TYPE = "praxis.agent.usage"
GRANT_TYPE = "praxis.agent.grant"
SCOPE_TYPE = "praxis.agent.scope"
_STATE = "state"
_CHARGE_ATTEMPTS = 200
_MAX_GRANT_TTL = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class SessionInfo:
    session_id: str
    profile: str  # "standard", or "restricted" for a run without a session
    budgets: Budgets
    created_at: datetime
    created_by: str
    closed: bool = False
    closed_reason: str = ""

    @property
    def principal(self) -> str:
        return principal_of(self.session_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "principal": self.principal,
            "profile": self.profile,
            "budgets": self.budgets.as_dict(),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "closed": self.closed,
            "closed_reason": self.closed_reason,
        }


@dataclass(frozen=True, slots=True)
class Latch:
    armed: bool
    kind: str = ""  # "host-output" or "sensitive-read"
    reason: str = ""
    decision_id: str = ""
    at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"armed": self.armed, "kind": self.kind, "reason": self.reason, "decision_id": self.decision_id,
                "at": self.at}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Usage:
    total: int = 0
    t2: int = 0
    hosts: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "t2": self.t2, "hosts": dict(self.hosts)}

    def refusal(self, budgets: Budgets, *, host: str, tier: Tier) -> str:
        """Why one more actuation at ``tier`` on ``host`` is over budget ("" when it is within)."""
        if budgets.total is not None and self.total >= budgets.total:
            return f"the session's budget of {budgets.total} actuations is spent"
        if tier >= Tier.T2 and budgets.t2 is not None and self.t2 >= budgets.t2:
            return f"the session's budget of {budgets.t2} actuations at T2 and above is spent"
        if budgets.per_host is not None and self.hosts.get(host, 0) >= budgets.per_host:
            return f"the session's budget of {budgets.per_host} actuations on {host} is spent"
        return ""

    def plus(self, *, host: str, tier: Tier) -> Usage:
        hosts = dict(self.hosts)
        hosts[host] = hosts.get(host, 0) + 1
        return Usage(self.total + 1, self.t2 + (1 if tier >= Tier.T2 else 0), hosts)


@dataclass(frozen=True, slots=True)
class Grant:
    """What an operator allowed a session: hosts (names or shell-style patterns) or inventory groups, up to a tier,
    optionally only some actions (FQCN patterns), until it expires."""

    grant_id: str
    hosts: tuple[str, ...]
    groups: tuple[str, ...]
    max_tier: Tier
    verbs: tuple[str, ...]
    expires_at: datetime
    issued_by: str
    reason: str

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def covers(self, *, host: str, groups: Sequence[str], tier: Tier, action: str, now: datetime) -> bool:
        if self.expired(now) or tier > self.max_tier:
            return False
        if self.verbs and not any(fnmatch.fnmatchcase(action, verb) for verb in self.verbs):
            return False
        on_host = any(fnmatch.fnmatchcase(host, pattern) for pattern in self.hosts)
        return on_host or bool(set(groups) & set(self.groups))

    def as_dict(self) -> dict[str, Any]:
        return {
            "grant": self.grant_id,
            "hosts": list(self.hosts),
            "groups": list(self.groups),
            "max_tier": str(self.max_tier),
            "verbs": list(self.verbs),
            "expires_at": self.expires_at.isoformat(),
            "issued_by": self.issued_by,
            "reason": self.reason,
        }

    @classmethod
    def from_fact(cls, fact: Fact) -> Grant:
        data = fact.content
        return cls(
            grant_id=fact.predicate,
            hosts=tuple(str(h) for h in data.get("hosts", [])),
            groups=tuple(str(g) for g in data.get("groups", [])),
            max_tier=Tier.parse(str(data["max_tier"])),
            verbs=tuple(str(v) for v in data.get("verbs", [])),
            expires_at=datetime.fromisoformat(str(data["expires_at"])),
            issued_by=fact.actor,
            reason=str(data.get("reason", "")),
        )


class SessionBook:
    """Reads and writes agent-session state in one store. Not shared across threads or forks (a Store is not)."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self._clock = clock

    # ------------------------------------------------------------------------------------------------ sessions
    def get(self, session_id: str) -> SessionInfo | None:
        fact = self.store.current(session_id, _STATE, SESSION_TYPE)
        if fact is None:
            return None
        first = fact if fact.version == 1 else self.store.history(session_id, _STATE, SESSION_TYPE)[0]
        return _session(fact, first)

    def open(self, session_id: str, *, budgets: Budgets, actor: str, profile: str = "standard") -> SessionInfo:
        """The session, created with these controls if it does not exist yet. An existing session keeps the
        controls it was opened with, whatever this caller passes; a closed one is refused."""
        valid_session_id(session_id)
        existing = self.get(session_id)
        if existing is None:
            content = {"profile": profile, "budgets": budgets.as_dict(), "closed": False}
            with contextlib.suppress(ConflictError):  # another process opened it first: theirs stands
                self.store.put(session_id, _STATE, SESSION_TYPE, content, expected_hash=None, actor=actor,
                               reason="session opened")  # fmt: skip
            existing = self.get(session_id)
            if existing is None:
                raise StateError(f"the session {session_id} could not be opened in the store")
        if existing.closed:
            raise ConfigError(
                f"the session {session_id} is closed ({existing.closed_reason or 'no reason given'})",
                hint="start a new session; a closed session accepts no further runs",
            )
        return existing

    def close(self, session_id: str, *, actor: str, reason: str) -> SessionInfo:
        while True:
            fact = self.store.current(session_id, _STATE, SESSION_TYPE)
            if fact is None:
                raise ConfigError(f"no session {session_id}", hint="`praxis-gate agent sessions` lists them")
            content = {**fact.content, "closed": True, "closed_reason": reason[:300]}
            try:
                self.store.put(session_id, _STATE, SESSION_TYPE, content, expected_hash=fact.content_hash,
                               actor=actor, reason=reason[:300] or "closed")  # fmt: skip
            except ConflictError:
                continue
            info = self.get(session_id)
            if info is None:  # written a moment ago: only a store that lost it gets here
                raise RuntimeError(f"the store lost agent session {session_id!r} right after writing it")
            return info

    def sessions(self) -> list[SessionInfo]:
        facts = self.store.list_current(predicate=_STATE, fact_type=SESSION_TYPE)
        return [info for info in (self.get(fact.subject) for fact in facts) if info is not None]

    # ------------------------------------------------------------------------------------------------ latch
    def latch(self, session_id: str) -> Latch:
        fact = self.store.current(session_id, _STATE, LATCH_TYPE)
        if fact is None:
            return Latch(armed=False)
        data = fact.content
        return Latch(True, str(data.get("kind", "")), str(data.get("reason", "")), str(data.get("decision_id", "")),
                     fact.recorded_at.isoformat())  # fmt: skip

    def arm(self, session_id: str, *, kind: str, reason: str, decision_id: str, actor: str) -> bool:
        """Arm the latch; True when this call armed it (False: it was armed already). It never clears."""
        if self.store.current(session_id, _STATE, LATCH_TYPE) is not None:
            return False
        content = {"kind": kind, "reason": reason[:300], "decision_id": decision_id}
        try:
            self.store.put(session_id, _STATE, LATCH_TYPE, content, expected_hash=None, actor=actor,
                           reason=f"trifecta latch armed: {kind}")  # fmt: skip
        except ConflictError:
            return False
        return True

    # ------------------------------------------------------------------------------------------------ budgets
    def usage(self, session_id: str) -> Usage:
        return _usage(self.store.current(session_id, _STATE, USAGE_TYPE))

    def charge(self, session_id: str, budgets: Budgets, *, host: str, tier: Tier, decision_id: str, actor: str) -> str:
        """Take one actuation from the session's budgets; "" when charged, else why not (nothing charged).

        A compare-and-set loop: the count read is the count replaced, so concurrent workers serialise on the store
        and the last unit of a budget goes to exactly one of them."""
        for attempt in range(_CHARGE_ATTEMPTS):
            fact = self.store.current(session_id, _STATE, USAGE_TYPE)
            usage = _usage(fact)
            refusal = usage.refusal(budgets, host=host, tier=tier)
            if refusal:
                return refusal
            after = usage.plus(host=host, tier=tier)
            try:
                self.store.put(session_id, _STATE, USAGE_TYPE, after.as_dict(),
                               expected_hash=fact.content_hash if fact else None, actor=actor,
                               reason=f"{tier} actuation on {host[:200]} ({decision_id})")  # fmt: skip
            except ConflictError:
                time.sleep(random.uniform(0.001, 0.004 * (1 + min(attempt, 10))))  # noqa: S311 - jitter, not crypto
                continue
            return ""
        return "the session's budget could not be charged (the store stayed contended); refused to stay within it"

    # ------------------------------------------------------------------------------------------------ grants
    def scoped(self, session_id: str) -> bool:
        """True once the session was ever granted anything: from then on it is deny-unless-granted."""
        return self.store.current(session_id, _STATE, SCOPE_TYPE) is not None

    def grants(self, session_id: str) -> list[Grant]:
        """Grants not revoked (expired ones included; ``Grant.expired`` tells)."""
        facts = self.store.list_current(subject=session_id, fact_type=GRANT_TYPE)
        return [Grant.from_fact(fact) for fact in facts]

    def grant(
        self,
        session_id: str,
        *,
        hosts: Sequence[str],
        groups: Sequence[str],
        max_tier: Tier,
        verbs: Sequence[str],
        ttl: int,
        actor: str,
        reason: str,
        budgets: Budgets | None = None,
    ) -> Grant:
        """Issue a grant. A session that does not exist yet is opened with ``budgets`` (an operator may scope a
        session before its agent first runs); without them, an unknown session is an error."""
        if self.get(session_id) is None:
            if budgets is None:
                raise ConfigError(f"no session {session_id}", hint="`praxis-gate agent sessions` lists them")
            self.open(session_id, budgets=budgets, actor=actor)
        if not hosts and not groups:
            raise ConfigError("a grant names at least one host or group", hint="pass --host or --group")
        if not 1 <= ttl <= _MAX_GRANT_TTL:
            raise ConfigError(f"a grant lasts 1..{_MAX_GRANT_TTL} seconds, not {ttl}", hint="pass --ttl SECONDS")
        if not reason.strip():
            raise ConfigError("a grant needs a reason", hint="pass --reason 'why the agent needs it'")
        now = self._clock()
        expires = now + timedelta(seconds=ttl)
        grant_id = f"grant-{uuid.uuid4().hex[:12]}"
        content = {
            "hosts": sorted(dict.fromkeys(hosts)),
            "groups": sorted(dict.fromkeys(groups)),
            "max_tier": str(max_tier),
            "verbs": sorted(dict.fromkeys(verbs)),
            "expires_at": expires.isoformat(),
            "reason": reason.strip()[:300],
        }
        fact = self.store.put(session_id, grant_id, GRANT_TYPE, content, expected_hash=None, actor=actor,
                              reason=reason.strip()[:300], valid_to=expires)  # fmt: skip
        if not self.scoped(session_id):
            with contextlib.suppress(ConflictError):  # a concurrent first grant wrote it: scoped either way
                self.store.put(session_id, _STATE, SCOPE_TYPE, {"first_grant": grant_id}, expected_hash=None,
                               actor=actor, reason="first grant: the session is now deny-unless-granted")  # fmt: skip
        return Grant.from_fact(fact)

    def revoke(self, session_id: str, grant_id: str, *, actor: str, reason: str) -> Grant:
        fact = self.store.current(session_id, grant_id, GRANT_TYPE)
        if fact is None:
            raise ConfigError(f"no active grant {grant_id} in session {session_id}", hint="see `agent sessions ID`")
        if not reason.strip():
            raise ConfigError("revoking a grant needs a reason", hint="pass --reason")
        self.store.retract(session_id, grant_id, GRANT_TYPE, expected_hash=fact.content_hash, actor=actor,
                           reason=reason.strip()[:300])  # fmt: skip
        return Grant.from_fact(fact)

    def covering_grant(
        self, session_id: str, *, host: str, groups: Sequence[str], tier: Tier, action: str
    ) -> tuple[Grant | None, str]:
        """(the grant that covers this request, or None with why nothing does)."""
        now = self._clock()
        grants = self.grants(session_id)
        for grant in grants:
            if grant.covers(host=host, groups=groups, tier=tier, action=action, now=now):
                return grant, ""
        live = [g for g in grants if not g.expired(now)]
        if not live:
            return None, "the session's grants have expired or were revoked"
        return None, f"no grant of this session covers {action} at {tier} on {host}"

    def summary(self, session_id: str) -> dict[str, Any]:
        """Everything about one session, for `agent sessions ID` and the MCP session tool."""
        info = self.get(session_id)
        now = self._clock()
        return {
            "session": info.as_dict() if info else None,
            "latch": self.latch(session_id).as_dict(),
            "usage": self.usage(session_id).as_dict(),
            "scoped": self.scoped(session_id),
            "grants": [{**g.as_dict(), "expired": g.expired(now)} for g in self.grants(session_id)],
        }


def _session(fact: Fact, first: Fact) -> SessionInfo:
    """The session as its current version says, opened when and by whom its first version says."""
    data = fact.content
    return SessionInfo(
        session_id=fact.subject,
        profile=str(data.get("profile", "standard")),
        budgets=Budgets.from_dict(data.get("budgets", {})),
        created_at=first.recorded_at,
        created_by=first.actor,
        closed=bool(data.get("closed", False)),
        closed_reason=str(data.get("closed_reason", "")),
    )


def _usage(fact: Fact | None) -> Usage:
    if fact is None:
        return Usage()
    data = fact.content
    hosts = data.get("hosts", {})
    return Usage(int(data.get("total", 0)), int(data.get("t2", 0)),
                 {str(k): int(v) for k, v in hosts.items()} if isinstance(hosts, dict) else {})  # fmt: skip
