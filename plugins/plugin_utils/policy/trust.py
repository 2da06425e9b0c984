# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which controller-side code a run may load: the decision behind "refuse playbook-adjacent Python".

Python shipped with a playbook, a role or a project runs inside the controller, around the gate, before any task is
decided. So a run is refused when such code would load from a place the operator has not vouched for. This module
decides; the adapter only reports where ansible-core is about to look. Each verdict is a message that says what
was refused, why, and what to do next.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..core.settings import GateSettings

__all__ = ["adjacent_collections_refusal", "has_code", "plugin_dir_refusal", "project_path_refusal"]

_IGNORED = frozenset({"__pycache__", ".gitkeep", ".keep"})
_NEXT = "have the operator allowlist the path (PRAXIS_ALLOW_PATHS)"


def has_code(path: str) -> bool:
    """Whether a plugin directory holds anything a loader could pick up (an empty directory is harmless)."""
    try:
        return any(entry.name not in _IGNORED for entry in os.scandir(path))
    except OSError:
        return False


def _trusted(path: str, settings: GateSettings, trusted_roots: Sequence[str]) -> bool:
    real = os.path.realpath(path)
    if settings.is_allowlisted(real):
        return True
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in trusted_roots)


def plugin_dir_refusal(path: str, kind: str, settings: GateSettings, trusted_roots: Sequence[str]) -> str | None:
    """A plugin directory beside a playbook or inside a role (``library/``, ``filter_plugins/``...)."""
    if not has_code(path) or _trusted(path, settings, trusted_roots):
        return None
    return (
        f"praxis.gatekeeper refused this run: {path} holds {kind} code shipped beside the playbook or role, which "
        f"would run inside the controller around the gate. Move it into a collection installed by the operator, or "
        f"{_NEXT}."
    )


def adjacent_collections_refusal(playbook_dir: str, settings: GateSettings) -> tuple[str, bool] | None:
    """A ``collections/`` folder beside a playbook: (message, shadows praxis.gatekeeper) or None."""
    adjacent = os.path.realpath(os.path.join(playbook_dir, "collections", "ansible_collections"))
    if not os.path.isdir(adjacent) or settings.is_allowlisted(adjacent):
        return None
    shadow = os.path.isdir(os.path.join(adjacent, "praxis", "gatekeeper"))
    message = (
        f"praxis.gatekeeper refused this run: {adjacent} holds collections beside the playbook"
        + (", including a copy of praxis.gatekeeper that would replace the gate" if shadow else "")
        + f". Their Python would run in the controller. Install them where the operator installs collections, or "
        f"{_NEXT}."
    )
    return message, shadow


def project_path_refusal(
    setting: str, paths: Sequence[str], settings: GateSettings, trusted_roots: Sequence[str]
) -> tuple[str, str] | None:
    """A plugin or collection path set by the project's own ansible.cfg: (path, message) for the first with code."""
    for entry in paths:
        path = os.path.realpath(os.path.expanduser(str(entry)))
        if has_code(path) and not _trusted(path, settings, trusted_roots):
            return path, (
                f"praxis.gatekeeper refused this run: the project's ansible.cfg ({settings.project_config}) points "
                f"{setting} at {path}, whose code would run in the controller around the gate. Install it where the "
                f"operator installs plugins, or {_NEXT}."
            )
    return None
