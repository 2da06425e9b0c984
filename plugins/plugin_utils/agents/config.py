# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operator's agent settings: where agents may take playbooks from, the budgets a new session starts with, and
how much output an agent is shown.

Read from the operator's environment and the operator's ansible.cfg (``[praxis_gatekeeper] agent_*``), never from a
project's ansible.cfg, a playbook, extra vars or anything an agent passes: these are the controls an agent works
under, so nothing the agent touches may set them. Each is a row of the settings table (core/options.py), which
generates docs/settings.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ConfigError
from ..core.settings import SECTION, CfgFile, find_operator_cfg

__all__ = ["AgentSettings", "Budgets", "load_agent_settings"]

_DEFAULT_BUDGETS = {"total": 100, "t2": 10, "per_host": 25}
# A run without a session gets a fresh session under these: nothing at T2 or above, a handful of T1 changes.
_RESTRICTED_CAP = {"total": 20, "t2": 0, "per_host": 10}


@dataclass(frozen=True, slots=True)
class Budgets:
    """How much a session may actuate (T1 and above, dry runs excluded): in total, at T2 and above, and per host.
    None means no limit (only an operator can configure that)."""

    total: int | None
    t2: int | None
    per_host: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"total": self.total, "t2": self.t2, "per_host": self.per_host}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Budgets:
        def limit(key: str) -> int | None:
            value = data.get(key)
            return None if value is None else int(str(value))

        return cls(limit("total"), limit("t2"), limit("per_host"))

    def restricted(self) -> Budgets:
        """The budgets of a session nobody named: the operator's, capped at the restricted profile."""
        return Budgets(
            *(
                cap if mine is None else min(mine, cap)
                for mine, cap in (
                    (self.total, _RESTRICTED_CAP["total"]),
                    (self.t2, _RESTRICTED_CAP["t2"]),
                    (self.per_host, _RESTRICTED_CAP["per_host"]),
                )
            )
        )


# AgentSettings generates no __eq__, __hash__ or __repr__ (eq=False, repr=False): never compared, hashed or printed,
# and each generated method is compiled when the class is created, in every gated run's start-up (issue 22). Budgets
# keeps them: a budget is a value, compared as one (tests/unit/test_settings_reference.py).
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AgentSettings:
    """Resolved agent settings. ``projects`` are real paths; an empty tuple means agents may run nothing."""

    projects: tuple[Path, ...]
    budgets: Budgets
    run_timeout: int
    env_allow: frozenset[str]
    output_limit: int

    def project(self, requested: str | os.PathLike[str] | None) -> Path:
        """The project directory a run uses: ``requested`` (which must be one of the roots or inside one, after
        resolving every symbolic link), or the first root."""
        if not self.projects:
            raise ConfigError(
                "no project root is configured for agent runs",
                hint=f"the operator sets PRAXIS_AGENT_PROJECTS (or [{SECTION}] agent_projects) to the directories "
                "agents may run playbooks from",
            )
        if requested is None or str(requested) == "":
            return self.projects[0]
        real = Path(os.path.realpath(requested))
        for root in self.projects:
            if real == root or root in real.parents:
                if not real.is_dir():
                    raise ConfigError(f"the project {requested} is not a directory", hint="name a project directory")
                return real
        raise ConfigError(
            f"the project {requested} is outside the operator's project roots",
            hint="agents run playbooks only from " + ", ".join(str(p) for p in self.projects),
        )


def load_agent_settings(
    env: Mapping[str, str] | None = None, *, cwd: str | None = None, cfg: CfgFile | bool | None = True
) -> AgentSettings:
    """The operator's agent settings from ``env`` (default: this process) and the operator's ansible.cfg.

    ``cfg=True`` finds the operator's ansible.cfg (a project's is never read); pass a CfgFile (or None) to decide it
    yourself: a project's file (``operator=False``) sets nothing."""
    env = dict(os.environ if env is None else env)
    cfg_file = find_operator_cfg(env, cwd) if cfg is True else (cfg or None)
    values: Mapping[str, str] = cfg_file.values if cfg_file is not None and cfg_file.operator else {}

    def raw(variable: str, key: str) -> str:
        return (env.get(variable) or values.get(key) or "").strip()

    projects: list[Path] = []
    for part in raw("PRAXIS_AGENT_PROJECTS", "agent_projects").replace(os.pathsep, ",").split(","):
        entry = part.strip()
        if not entry:
            continue
        if not os.path.isabs(entry):
            raise ConfigError(
                f"agent project roots must be absolute paths, got {entry!r}",
                hint="set PRAXIS_AGENT_PROJECTS to absolute directories",
            )
        projects.append(Path(os.path.realpath(entry)))
    budgets = Budgets(
        _limit(raw("PRAXIS_AGENT_BUDGET_TOTAL", "agent_budget_total"), "total", "PRAXIS_AGENT_BUDGET_TOTAL"),
        _limit(raw("PRAXIS_AGENT_BUDGET_T2", "agent_budget_t2"), "t2", "PRAXIS_AGENT_BUDGET_T2"),
        _limit(
            raw("PRAXIS_AGENT_BUDGET_PER_HOST", "agent_budget_per_host"), "per_host", "PRAXIS_AGENT_BUDGET_PER_HOST"
        ),
    )
    timeout = _whole(raw("PRAXIS_AGENT_RUN_TIMEOUT", "agent_run_timeout") or "3600", "PRAXIS_AGENT_RUN_TIMEOUT")
    output = _whole(raw("PRAXIS_AGENT_OUTPUT_LIMIT", "agent_output_limit") or "4096", "PRAXIS_AGENT_OUTPUT_LIMIT")
    allow = frozenset(
        name.strip() for name in raw("PRAXIS_AGENT_ENV_ALLOW", "agent_env_allow").split(",") if name.strip()
    )
    return AgentSettings(
        projects=tuple(dict.fromkeys(projects)),
        budgets=budgets,
        run_timeout=max(1, timeout),
        env_allow=allow,
        output_limit=max(256, output),
    )


def _limit(text: str, name: str, variable: str) -> int | None:
    if not text:
        return _DEFAULT_BUDGETS[name]
    if text.lower() in ("none", "unlimited"):
        return None
    return _whole(text, variable)


def _whole(text: str, what: str) -> int:
    if not text.isdigit():
        raise ConfigError(f"{what} must be a whole number, got {text!r}", hint="fix the operator setting")
    return int(text)
