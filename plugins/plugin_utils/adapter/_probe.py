# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one Python would do about the gate if it ran Ansible here: the facts ``praxis-gate doctor`` judges.

Internal, no stability promise. Run as a script by another interpreter (the one behind an ``ansible-playbook`` on
PATH, which may belong to a different environment with no praxis.gatekeeper at all), so it imports nothing but the
standard library and ansible-core, and it never initialises the plugin loader (that would arm the gate here).

Usage: ``PYTHON -c SOURCE``, started with the working directory set to an empty private directory: with
``-c`` the first entry of ``sys.path`` is the working directory, and a project's ``json.py`` must not be imported
in place of the standard library's. The probe drops that entry, moves to the caller's directory (passed in
``PRAXIS_PROBE_CWD``, where ansible-core would look for a project ``ansible.cfg``) and prints one JSON object.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

# import name -> requirement: the gate's own Python requirements (pyproject.toml's dependencies without ansible-core
# and ansible-runner, which a run brings itself). requirements.txt at the collection root lists the same; a test
# holds the three together.
REQUIREMENTS = {
    "pydantic": "pydantic>=2.7,<3",
    "jsonschema": "jsonschema>=4.21,<5",
    "yaml": "PyYAML>=6.0,<7",
    "cryptography": "cryptography>=42",
    "rfc3161_client": "rfc3161-client>=1.0.9,<2",
    "msgspec": "msgspec>=0.18,<1",
    "sqlglot": "sqlglot>=26,<31",
    "tree_sitter": "tree-sitter>=0.24,<0.27",
    "tree_sitter_powershell": "tree-sitter-powershell>=0.24,<0.27",
}
CALLBACK = "praxis.gatekeeper.gate"
_TRUE = frozenset({"1", "true", "yes", "on", "enforce"})


def missing_requirements() -> list[str]:
    """Requirements of the gate this Python cannot import (found without importing them)."""
    missing = []
    for module, requirement in REQUIREMENTS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(requirement)
    return missing


def _hook() -> dict[str, Any]:
    """Whether this interpreter's start-up hook (praxis_gatekeeper.pth) is installed, and which copy it arms."""
    for finder in sys.meta_path:
        if type(finder).__name__ == "_Watcher" and type(finder).__module__ == "_praxis_gatekeeper_boot":
            module = sys.modules.get("_praxis_gatekeeper_boot")
            return {"installed": True, "collection": getattr(module, "_COLLECTION", None)}
    return {"installed": False, "collection": None}


def _ansible() -> dict[str, Any]:
    try:
        # Imported here, not at the top: a Python without ansible-core is an answer, not a crash.
        from ansible import constants as C  # noqa: PLC0415
        from ansible import release  # noqa: PLC0415
        from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder  # noqa: PLC0415
    except Exception as exc:  # not installed, or broken: the doctor reports it
        return {"version": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
    enabled = [str(name).strip() for name in (getattr(C, "CALLBACKS_ENABLED", None) or [])]
    try:
        finder = _AnsibleCollectionFinder(
            paths=C.COLLECTIONS_PATHS, scan_sys_paths=getattr(C, "COLLECTIONS_SCAN_SYS_PATH", True)
        )
        roots = list(getattr(finder, "_n_collection_paths", []) or [])
    except Exception as exc:
        return {"version": str(release.__version__), "error": f"collection search path: {exc}"[:300]}
    found = None
    for root in roots:
        candidate = os.path.join(root, "ansible_collections", "praxis", "gatekeeper")
        if os.path.basename(root) == "ansible_collections":
            candidate = os.path.join(root, "praxis", "gatekeeper")
        if os.path.isdir(candidate):
            found = os.path.realpath(candidate)
            break
    return {
        "version": str(release.__version__),
        "error": None,
        "callbacks_enabled": enabled,
        "callback_enabled": CALLBACK in enabled,
        "config_file": C.CONFIG_FILE,
        "collection": found,
    }


def probe() -> dict[str, Any]:
    """The facts, as plain JSON data."""
    hook = _hook()
    result: dict[str, Any] = {
        "python": sys.executable,
        "python_version": ".".join(str(part) for part in sys.version_info[:3]),
        "hook": hook["installed"],
        "hook_collection": hook["collection"],
        "praxis_gate_env": os.environ.get("PRAXIS_GATE", "").strip().lower() in _TRUE,
        "missing": missing_requirements(),
    }
    result.update(_ansible())
    return result


if __name__ == "__main__":
    sys.path[:] = [entry for entry in sys.path if entry not in ("", os.getcwd())]
    os.chdir(os.environ.get("PRAXIS_PROBE_CWD") or os.getcwd())
    print(json.dumps(probe()))
