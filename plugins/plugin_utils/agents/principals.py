# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whose run this is: an agent session's principal (``agent:<session>``) and its session id.

Why apart from sessions.py: every gated run asks whether its principal is an agent session's, and most are not.
Answering must not load the session book and the store behind it (issue 22: a run that is no agent's never opens
them); sessions.py re-exports these names.

Security constraints: SEC-4 (docs/security-constraints.yml).
"""

from __future__ import annotations

import re

from ..core.errors import ConfigError

__all__ = ["AGENT_PREFIX", "principal_of", "session_of", "valid_session_id"]

AGENT_PREFIX = "agent:"
_SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def valid_session_id(session_id: str) -> str:
    """The id, if it is one (1-64 of letters, digits, ``.``, ``_``, ``-``, starting alphanumeric); else ConfigError."""
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise ConfigError(
            f"not a session id: {str(session_id)[:80]!r}",
            hint="a session id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return session_id


def principal_of(session_id: str) -> str:
    """The principal every decision of an agent session carries."""
    return AGENT_PREFIX + session_id


def session_of(principal: str) -> str | None:
    """The session an ``agent:<session>`` principal belongs to; None for any other principal."""
    if not principal.startswith(AGENT_PREFIX):
        return None
    return principal[len(AGENT_PREFIX) :]
