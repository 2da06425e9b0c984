# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vocabulary of the runner: what is asked (a request), and what the gate answers (a decision).

Plain Python on purpose: adapters (the Ansible callback, the CLI, tests) build these objects, and the runner
never needs to know where they came from.

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_HOST_TYPE",
    "HOST_TYPES",
    "Decision",
    "Mode",
    "Provenance",
    "RequestKind",
    "TaskRequest",
    "Tier",
    "Verdict",
    "new_decision",
    "normalise_host_type",
]


class Tier(enum.IntEnum):
    """How much a task can change. Ordered, so that "ambiguity rounds up" is just ``max``."""

    T0 = 0  # observe
    T1 = 1  # reversible change
    T2 = 2  # stateful change
    T3 = 3  # irreversible change

    def __str__(self) -> str:
        return self._name_  # the member's name without the enum descriptor lookup: reasons format many tiers

    @classmethod
    def parse(cls, value: str | int | Tier) -> Tier:
        """Accept ``T2``, ``t2``, ``2`` or a Tier; anything else is a ValueError (never a silent default)."""
        if isinstance(value, Tier):
            return value
        if isinstance(value, bool):
            raise ValueError(f"not a tier: {value!r}")
        if isinstance(value, int):
            return cls(value)
        text = str(value).strip().upper()
        if text in cls.__members__:
            return cls[text]
        raise ValueError(f"not a tier: {value!r} (expected one of T0, T1, T2, T3)")


class Mode(enum.Enum):
    """The operator's ceiling. Only operator configuration sets it; nothing in a run can raise it."""

    OPEN = "open"
    GUARDED = "guarded"
    READONLY = "readonly"

    @property
    def ceiling(self) -> Tier:
        return _CEILINGS[self]

    def stricter(self, other: Mode) -> Mode:
        """The more restrictive of two modes: used wherever a less trusted source may only tighten."""
        return self if self.ceiling <= other.ceiling else other

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: str) -> Mode:
        text = str(value).strip().lower()
        for mode in cls:
            if mode.value == text:
                return mode
        raise ValueError(f"not a mode: {value!r} (expected one of open, guarded, readonly)")


_CEILINGS = {Mode.OPEN: Tier.T3, Mode.GUARDED: Tier.T2, Mode.READONLY: Tier.T0}


class Verdict(enum.StrEnum):
    """What the gate answered. Only ALLOWED lets anything run."""

    ALLOWED = "allowed"
    DENIED = "denied"  # deny list, malformed request, internal error: never approvable
    REFUSED = "refused"  # mode ceiling or kill switch: never approvable either
    APPROVAL_REQUIRED = "approval_required"

    def __str__(self) -> str:
        return self.value


class RequestKind(enum.StrEnum):
    """Where the request came from inside a run; every kind goes through the same pipeline."""

    TASK = "task"  # a task about to run its action handler
    LOOKUP = "lookup"  # a controller-side lookup that executes commands
    META = "meta"  # a meta task handled by the strategy (never reaches a worker)
    INCLUDE = "include"  # include_tasks / include_role: expands the task list, touches no host
    CHECK = "check"  # `praxis-gate check`: explain only, never executes

    def __str__(self) -> str:
        return self.value


# What kind of machine a host is, from the operator's inventory (``praxis_host_type``): a Linux box reached over SSH,
# or a Talos node, which has no shell and no Python and is reached only through controller-side talosctl.
HOST_TYPES = frozenset({"linux", "talos"})
DEFAULT_HOST_TYPE = "linux"
# Earlier releases called a Linux host "ssh" (the transport, not the machine); requests that still say so mean linux.
_LEGACY_HOST_TYPES = {"ssh": "linux"}


def normalise_host_type(value: object) -> str:
    """The host type in the vocabulary's spelling (``" Talos "`` is ``talos``, the legacy ``ssh`` is ``linux``).

    An unknown value is returned as written (trimmed and lower-cased), never replaced by a default: the policy
    refuses it with the value in the reason, because a typo must not quietly turn a Talos node into a Linux box."""
    text = str(value).strip().lower()
    return _LEGACY_HOST_TYPES.get(text, text)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a task's templated argument values came from, as ansible-core's data tags tell it (2.19+).

    Read by the adapter for agent sessions only (the trifecta rules need it; other runs skip the cost). Each field
    lists argument paths (``dest``, ``environment.PATH``, ``argv[2]``), never values:

    - ``computed``: values without ansible-core's ``TrustedAsTemplate`` tag, i.e. produced at run time (a filter, a
      concatenation, a lookup, a registered result, a fact) rather than written verbatim by the playbook, inventory
      or operator;
    - ``host_derived``: of those, the values whose template reads host output (registered results, gathered facts,
      values computed at run time by ``set_fact``, ``hostvars``, ``vars``, or a lookup that can reach them);
    - ``vaulted``: values decrypted from Ansible Vault.
    """

    computed: tuple[str, ...] = ()
    host_derived: tuple[str, ...] = ()
    vaulted: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {"computed": list(self.computed), "host_derived": list(self.host_derived),
                "vaulted": list(self.vaulted)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """One task on one host, as the adapter saw it just before the action handler would run.

    ``args`` are the templated, finalised module arguments. ``connection_options`` carries the connection, shell and
    become plugin options that can change what runs or where (ssh arguments, executables, interpreter, temporary
    directories); they are checked because task arguments do not show them. ``local_files`` holds the content of
    controller files the task ships and executes (the ``script`` module's payload), so that content can be
    classified, not just its name; ``copied_files`` the text of controller files the task copies to the host
    (``copy``/``template`` ``src``, core/sources.py), deny-scanned as a ``content`` argument is.
    ``controller_paths`` maps an option to the controller path the action will really read or write, resolved the
    way the action resolves it (search path, ``fetch``'s host directory) and through symlinks; a directory ends with
    ``/``. ``sub_actions`` are the modules a task runs in its own place, with the arguments they will get
    (``gather_facts`` runs its fact modules with their ``module_defaults``).

    ``host_type`` is the target's type from the operator's inventory (``linux`` when unset; see HOST_TYPES).
    ``untrusted_inventory`` names each inventory-only variable (``praxis_host_type``, a Talos node's address,
    endpoints, context and talosconfig) whose value came from anywhere but the operator's inventory, with that
    source; the policy denies such a task rather than guess which value was meant.
    """

    action: str
    args: Mapping[str, Any]
    host: str
    host_type: str = DEFAULT_HOST_TYPE
    delegate_to: str | None = None
    connection: str = "ssh"
    become: bool = False
    become_method: str | None = None
    become_user: str | None = None
    check_mode: bool = False
    environment: Mapping[str, Any] = field(default_factory=dict)
    connection_options: Mapping[str, Any] = field(default_factory=dict)
    local_files: Mapping[str, bytes | None] = field(default_factory=dict)
    copied_files: Mapping[str, bytes] = field(default_factory=dict)
    controller_paths: Mapping[str, str] = field(default_factory=dict)
    sub_actions: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    kind: RequestKind = RequestKind.TASK
    task_name: str = ""
    task_path: str = ""  # where the task is defined (file:line), as Ansible reports it; drift keys findings by it
    no_log: bool = False
    run_id: str = ""
    session: str = ""
    principal: str = ""
    approval_tokens: tuple[str, ...] = ()  # presented by the run; verified, never recorded
    batch_size: int = 1  # hosts in the play batch this task runs in (T3 needs exactly one)
    check_run: bool = False  # the run was started with --check (a task may still run for real: check_mode: false)
    approval_wait: int | None = None  # seconds this run waits for a decision (None: the operator's setting)
    untrusted_inventory: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # the host's inventory groups (agent grants may name groups)
    provenance: Provenance | None = None  # None: not read (runs outside agent sessions)

    def __post_init__(self) -> None:
        # The migration path for the legacy "ssh" spelling, applied wherever a request is built (adapters, the CLI,
        # recorded corpora): the policy and the records only ever see the current vocabulary.
        if self.host_type not in HOST_TYPES:  # (the vocabulary's own spellings need no work: most requests)
            object.__setattr__(self, "host_type", normalise_host_type(self.host_type))

    @property
    def target(self) -> str:
        """The host the action really lands on: the delegate when delegated."""
        return self.delegate_to or self.host

    @property
    def runs_on_controller(self) -> bool:
        """True when the action executes on the controller itself (local connection)."""
        return self.connection in _LOCAL_CONNECTIONS


_LOCAL_CONNECTIONS = frozenset({"local", "ansible.builtin.local", "ansible.legacy.local"})


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer for one request. ``reason`` is bounded and redacted; it is safe to show and to record."""

    verdict: Verdict
    tier: Tier
    mode: Mode
    reason: str
    rule: str
    ruleset: str
    decision_id: str
    dry_run: bool = False
    reasons: tuple[str, ...] = ()
    approval_ref: str | None = None  # sha256 of the approval token that allowed it; never the token
    approval_item: str | None = None  # the approval item it consumed
    planned: bool = False  # a --check run did not run it and listed it in the run's plan instead (the run goes on)
    host_type: str = DEFAULT_HOST_TYPE  # the target's type the decision was taken for
    sensitive: bool = False  # the action reads secrets (a kubeconfig, an etcd snapshot): agents' trifecta latch

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape used by `praxis-gate check --json` and the audit records."""
        return {
            "decision": self.verdict.value,
            "tier": str(self.tier),
            "mode": self.mode.value,
            "reason": self.reason,
            "rule": self.rule,
            "ruleset": self.ruleset,
            "decision_id": self.decision_id,
            "dry_run": self.dry_run,
            "reasons": list(self.reasons),
            "approval_ref": self.approval_ref,
            "approval_item": self.approval_item,
            "host_type": self.host_type,
            "sensitive": self.sensitive,
        }


# Every decision builds one Decision: a frozen dataclass sets each of its fourteen fields through object.__setattr__,
# and the decision's hot path (issue 22) builds it through the slots' descriptors instead (which the frozen
# __setattr__ does not guard), every field set; the instance is as frozen as any other. Tests hold it equal to the
# constructor, field for field (tests/unit/plugins/plugin_utils/core/test_decision_fields.py).
_DECISION_FIELDS = (
    "verdict", "tier", "mode", "reason", "rule", "ruleset", "decision_id", "dry_run", "reasons", "approval_ref",
    "approval_item", "planned", "host_type", "sensitive",
)  # fmt: skip
if Decision.__slots__ != _DECISION_FIELDS:  # pragma: no cover
    raise ImportError("Decision changed its fields: update new_decision")
_NEW = object.__new__
(_VERDICT, _TIER, _MODE, _REASON, _RULE, _RULESET, _DECISION_ID, _DRY_RUN, _REASONS, _APPROVAL_REF, _APPROVAL_ITEM,
 _PLANNED, _HOST_TYPE, _SENSITIVE) = [vars(Decision)[name].__set__ for name in _DECISION_FIELDS]  # fmt: skip


def new_decision(
    verdict: Verdict,
    tier: Tier,
    mode: Mode,
    reason: str,
    rule: str,
    *,
    ruleset: str,
    decision_id: str,
    dry_run: bool,
    reasons: tuple[str, ...],
) -> Decision:
    """``Decision(verdict, tier, mode, reason, rule, ruleset, decision_id, dry_run, reasons)``, the other fields at
    their defaults."""
    decision: Decision = _NEW(Decision)
    _VERDICT(decision, verdict)
    _TIER(decision, tier)
    _MODE(decision, mode)
    _REASON(decision, reason)
    _RULE(decision, rule)
    _RULESET(decision, ruleset)
    _DECISION_ID(decision, decision_id)
    _DRY_RUN(decision, dry_run)
    _REASONS(decision, reasons)
    _APPROVAL_REF(decision, None)
    _APPROVAL_ITEM(decision, None)
    _PLANNED(decision, False)
    _HOST_TYPE(decision, DEFAULT_HOST_TYPE)
    _SENSITIVE(decision, False)
    return decision
