# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Interpreter start-up hook for praxis.gatekeeper (installed by pip as praxis_gatekeeper.pth).

Why it exists: a callback is loaded late and fails open (an unloadable callback is only a warning), and a
``collections/`` directory beside a playbook can replace the collection that provides it. This hook arms the gate
from the copy pip installed, right after ansible-core initialises its plugin loader and before any playbook, role
or project file is read, whenever the operator asked for the gate (``PRAXIS_GATE=enforce`` in the environment, or
``praxis.gatekeeper.gate`` in ``callbacks_enabled``). If praxis.gatekeeper would be loaded from anywhere else, the
run is refused.

Cost in processes that never import Ansible: one string comparison per import. This module therefore imports only
what the interpreter has already loaded at start-up (``importlib.machinery``, ``os``, ``sys``): ``importlib.abc``
alone would pull in ``importlib.resources``, ``tempfile`` and ``typing``, about 15 ms in every Python process of the
environment (Ansible imports them anyway, later).

Security constraints: SEC-2 (docs/security-constraints.yml).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at interpreter start-up
if TYPE_CHECKING:
    from typing import Any

_WATCHED = "ansible.plugins.loader"
_CALLBACK = "praxis.gatekeeper.gate"
_GATE = "ansible_collections.praxis.gatekeeper.plugins.callback.gate"
_ADAPTER = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter"
_COLLECTION = os.path.realpath(os.path.join(os.path.dirname(__file__), "ansible_collections", "praxis", "gatekeeper"))
# Programs that never execute tasks; everything else that initialises the plugin loader is armed.
_EXEMPT = frozenset(
    {
        "ansible-builder",
        "ansible-config",
        "ansible-creator",
        "ansible-doc",
        "ansible-galaxy",
        "ansible-inventory",
        "ansible-lint",
        "ansible-test",
        "ansible-vault",
    }
)
_TRUE = frozenset({"1", "true", "yes", "on", "enforce"})


class _Watcher:
    """Lets ``ansible.plugins.loader`` load normally, then wraps its ``init_plugin_loader``. A meta path finder by
    protocol (``find_spec``), not by subclassing ``importlib.abc.MetaPathFinder``: see the module's docstring."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != _WATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        real_exec = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            real_exec(module)
            _wrap_init(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _wrap_init(module: Any) -> None:
    original = module.init_plugin_loader

    def init_plugin_loader(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        _arm()
        return result

    init_plugin_loader.__wrapped__ = original  # type: ignore[attr-defined]
    module.init_plugin_loader = init_plugin_loader


def _requested() -> bool:
    if os.environ.get("PRAXIS_GATE", "").strip().lower() in _TRUE:
        return True
    from ansible import constants as C

    enabled = getattr(C, "CALLBACKS_ENABLED", None) or []
    return _CALLBACK in [str(name).strip() for name in enabled]


def _arm() -> None:
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if program in _EXEMPT or not _requested():
        return
    from ansible.errors import AnsibleError
    from ansible.utils.collection_loader import AnsibleCollectionConfig

    finder = AnsibleCollectionConfig.collection_finder
    found = None
    for root in getattr(finder, "_n_collection_paths", []) or []:
        candidate = os.path.join(root, "ansible_collections", "praxis", "gatekeeper")
        if os.path.basename(root) == "ansible_collections":
            candidate = os.path.join(root, "praxis", "gatekeeper")
        if os.path.isdir(candidate):
            found = os.path.realpath(candidate)
            break
    if found != _COLLECTION:
        raise AnsibleError(
            "praxis.gatekeeper refused this run: the gate is enabled, but praxis.gatekeeper would be loaded from "
            f"{found or 'nowhere'} instead of the installed copy at {_COLLECTION}. Remove the other copy from the "
            "collection search path (collections_path, or a collections/ folder beside the playbook)."
        )
    # The runner is loaded through Python's bytecode cache instead of being compiled from source by ansible-core's
    # collection loader on every run (adapter/bytecode.py). Installed here: a collection plugin may not change
    # sys.meta_path while it is imported (ansible-test sanity), so a Galaxy-only install, which arms through the
    # callback, loads the runner the slower way.
    importlib.import_module(_ADAPTER + ".bytecode").use_bytecode_cache()
    module = importlib.import_module(_GATE)
    # The callback arms through the adapter (hook table, hooks, request building): it is gate code as much as the
    # callback, so every module of it that is loaded must be the installed copy too.
    names = [_GATE, module.arm.__module__, *(n for n in sys.modules if n == _ADAPTER or n.startswith(_ADAPTER + "."))]
    for name in dict.fromkeys(names):
        path = getattr(sys.modules.get(name), "__file__", None)
        if not os.path.realpath(str(path)).startswith(_COLLECTION + os.sep):
            raise AnsibleError(f"praxis.gatekeeper refused this run: the gate loaded from {path}")
    module.arm(via="start-up hook")


def install() -> None:
    """Called from the .pth line; must never raise (a failing .pth line only prints a traceback)."""
    try:
        if not any(isinstance(finder, _Watcher) for finder in sys.meta_path):
            sys.meta_path.insert(0, _Watcher())
    except Exception as exc:  # pragma: no cover - defensive
        print(f"praxis.gatekeeper: could not install the start-up hook: {exc}", file=sys.stderr)
