# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's third-party packages, loaded on first use behind one guard.

Why: an agent runs many one-task playbooks, and every one of them armed the gate by importing cryptography,
pydantic, jsonschema, the timestamp client and msgspec, although a run that signs nothing, verifies nothing and has
no new policy file to validate uses none of them (docs/performance.md, start-up). Two more readers gain from it:
``ansible-test sanity``'s import test loads each runner module in an environment holding only ansible-core's own
requirements, and a Galaxy-only install without the gate's requirements gets a clear refusal at arming
(adapter/hooks.py checks ``missing`` first, so a run never starts that would fail half-way).

``lazy("cryptography.hazmat.primitives.asymmetric.ed25519")`` is a stand-in module: the first attribute read
imports the real one, and every read is handed on to it. A module that
cannot be imported raises ``MissingRequirement`` naming the package and the pip command. For the type checker,
modules write ``if TYPE_CHECKING: from x import y`` beside it, so every use stays fully typed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from .errors import GatekeeperError

__all__ = ["REQUIREMENTS", "MissingRequirement", "lazy", "missing", "require"]

# import name -> requirement, as pyproject.toml states it (tests/unit/test_requirements.py holds them together, and
# with adapter/_probe.py's copy, which must stay standard-library only).
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
# Optional extras: needed only by the feature that names them.
EXTRAS = {"psycopg": "praxis-gatekeeper[postgres]"}


class MissingRequirement(GatekeeperError):
    """A package the gate needs for what it was asked to do is not installed in this Python."""


def _requirement(module: str) -> str:
    top = module.split(".", 1)[0]
    return REQUIREMENTS.get(top) or EXTRAS.get(top) or top


def require(module: str) -> ModuleType:
    """Import ``module`` now; a missing package is a ``MissingRequirement`` that says what to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        requirement = _requirement(module)
        python = sys.executable
        raise MissingRequirement(
            f"praxis.gatekeeper needs the Python package {requirement} for this, and {python} cannot import "
            f"{module} ({exc})",
            hint=f"{python} -m pip install '{requirement}' (or {python} -m pip install praxis-gatekeeper, which "
            "installs every requirement)",
        ) from exc


def missing() -> list[str]:
    """Requirements this Python cannot import, found without importing them (a few directory lookups)."""
    absent = []
    for module, requirement in REQUIREMENTS.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            absent.append(requirement)
    return absent


# The variable that names a PostgreSQL store (store.DSN_VARIABLE; core cannot import store, a test holds them equal).
STORE_DSN_VARIABLE = "PRAXIS_STORE_DSN"


def missing_store_driver(env: Mapping[str, str] | None = None) -> str:
    """The extra to install when the operator names a PostgreSQL store and this Python cannot import its driver, else
    "". The store opens on first use (issue 22), so without this look at arming a run would start and meet the
    missing driver at its first approval, or at its end."""
    if not (os.environ if env is None else env).get(STORE_DSN_VARIABLE, "").strip():
        return ""
    try:
        found = importlib.util.find_spec("psycopg") is not None
    except (ImportError, ValueError):
        found = False
    return "" if found else EXTRAS["psycopg"]


class _LazyModule(ModuleType):
    """Imports the module it stands for at the first attribute read, then hands every read on to it.

    Reads are forwarded rather than copied: some packages (cryptography) install module objects of their own that
    compute attributes on access, and copying would trigger their deprecation warnings."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        target = self.__dict__["_lazy_target"]
        if target is None:
            target = self.__dict__["_lazy_target"] = require(self.__name__)
        return getattr(target, attribute)


def lazy(module: str) -> Any:
    """A stand-in for ``module`` that imports it on first use (see the module docstring)."""
    return _LazyModule(module)
