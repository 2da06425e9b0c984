# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. What every request needs to know about Talos, without the talosctl tables.

Every decision asks whether a request is the ``praxis.gatekeeper.talos`` action, runs ``talosctl``, or goes over the
talosctl connection; almost none is or does. The verb table, its options and the parser (``_talos_tables``) cost
milliseconds to build, so they load the first time a talos action or a talosctl command line is actually seen: the
functions below that need them import them then, and any other name of the tables is reached through this module
as before (``_talos.parse``, ``_talos.TALOS_DATA``), loading them on first access.

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.models import Tier
    from ._talos_tables import ModuleVerdict, TalosCall

__all__ = [
    "CONNECTION",
    "MODULE",
    "MODULE_ARGS",
    "NODES",
    "OPTION",
    "PROGRAM",
    "TARGET",
    "VERB",
    "command_findings",
    "command_tiers",
    "connection_findings",
    "module_verdict",
    "parse",
]

PROGRAM = "talosctl"
MODULE = "praxis.gatekeeper.talos"
CONNECTION = "praxis.gatekeeper.talosctl"
# The module's arguments: the talosctl words after node selection (verb first) and a bound on how long they may run.
MODULE_ARGS = frozenset({"command", "timeout"})

TARGET = "deny.talos-target"  # not a Talos host, not the talosctl connection, node selection in the task's args
OPTION = "deny.talos-option"  # an option the verb's allowlist does not name, or node selection in the words
NODES = "deny.talos-nodes"  # a T3 call that does not name exactly one node
VERB = "deny.talos-verb"  # a verb the module cannot run (interactive, or acts on the controller, not a node)


def connection_findings(action: str, connection: str, *, control: bool) -> list[tuple[str, str]]:
    """The talosctl connection runs the module and nothing else: any other module (``raw``, fact gathering, ...)
    would need a shell or Python on the node, which Talos does not have. ``control``: the action touches no host
    (``debug``, ``set_fact``, ...), which stays allowed."""
    plugin = connection if "." in connection else f"ansible.builtin.{connection}"
    if plugin != CONNECTION or action == MODULE or control:
        return []
    return [(TARGET, f"{action[:60]} cannot run on a Talos node (no shell, no Python): over {CONNECTION} only "
                     f"{MODULE} runs; set gather_facts: false for Talos plays")]  # fmt: skip


# ------------------------------------------------------------------------------------- the tables, on first use
def parse(argv: Sequence[str]) -> TalosCall:
    """talosctl words (after the program) read through the verb table: see ``_talos_tables.parse``."""
    from . import _talos_tables  # noqa: PLC0415 - the tables load when talosctl is first seen

    return _talos_tables.parse(argv)


def command_tiers(argv: Sequence[str]) -> list[tuple[Tier, str]]:
    """What weighs on ``talosctl ...`` in command text: see ``_talos_tables.command_tiers``."""
    from . import _talos_tables  # noqa: PLC0415 - the tables load when talosctl is first seen

    return _talos_tables.command_tiers(argv)


def command_findings(argv: Sequence[str], *, unresolved: bool = False) -> list[tuple[str, str]]:
    """Deny findings for ``talosctl ...`` in command text: see ``_talos_tables.command_findings``."""
    from . import _talos_tables  # noqa: PLC0415 - the tables load when talosctl is first seen

    return _talos_tables.command_findings(argv, unresolved=unresolved)


def module_verdict(
    args: Mapping[str, object], *, host_type: str, connection: str, nodes: Sequence[str] | None
) -> ModuleVerdict:
    """Tier and findings of one ``praxis.gatekeeper.talos`` task: see ``_talos_tables.module_verdict``."""
    from . import _talos_tables  # noqa: PLC0415 - the tables load when the talos action is first seen

    return _talos_tables.module_verdict(args, host_type=host_type, connection=connection, nodes=nodes)


def __getattr__(name: str) -> Any:
    """Every other name of the tables (``TALOS_DATA`` for the ruleset's fingerprint, ``lookup``, ``TalosCall``...),
    loading them on first access."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import _talos_tables  # noqa: PLC0415

    try:
        return getattr(_talos_tables, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
