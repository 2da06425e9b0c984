# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the runner's modules through Python's own bytecode cache instead of compiling them on every run.

Why: ansible-core's collection loader compiles each module it loads from source, on every run, and keeps no
bytecode (``_AnsibleCollectionPkgLoaderBase.get_code`` calls ``compile``). For the runner's eighty-odd modules that
was about 190 ms of CPU per gated run, half of the gate's whole start-up (issue 22). The runner under
``plugin_utils`` is plain Python with no collection routing (meta/runtime.yml redirects no plugin_utils name), so
the standard source loader can load it: it reads the ``__pycache__`` pip wrote at install time (and writes one
where none exists, unless ``PYTHONDONTWRITEBYTECODE`` says not to).

Installed by the start-up hook (boot/), before it imports the callback: a collection plugin may not change
``sys.meta_path`` while it is imported (ansible-test sanity's import test), so a Galaxy-only install, which arms
through the callback, loads the runner the slower way.

What does not change: which files are loaded. A name is looked up only in the directories the collection loader
itself gave the parent package (``__path__``), so the copy of the collection is the one ansible-core chose (and the
start-up hook checks that this is the installed copy), and only ``.py`` source files are found: the finder knows
no extension modules and no source-less bytecode. A ``.pyc`` is used only when it records the source's size and
modification time, as for any Python import; writing it needs write access to the collection, which is write
access to its source.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

_RUNNER = __name__.rpartition(".adapter.")[0]  # ansible_collections.praxis.gatekeeper.plugins.plugin_utils
_LOADER_DETAILS = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)


class RunnerFinder(importlib.abc.MetaPathFinder):
    """Finds the runner's submodules in their parent package's directories, with the caching source loader."""

    def __init__(self, package: str) -> None:
        self.prefix = package + "."

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(self.prefix):
            return None
        parent = sys.modules.get(fullname.rpartition(".")[0])
        for directory in getattr(parent, "__path__", None) or ():
            spec = importlib.machinery.FileFinder(str(directory), _LOADER_DETAILS).find_spec(fullname)
            if spec is not None and spec.loader is not None:  # a source module or a package with __init__.py
                return spec
        return None  # not a source here (or a directory without __init__.py): the collection loader decides


def use_bytecode_cache(package: str = _RUNNER) -> None:
    """Put the finder ahead of the collection loader, once per process. A name it does not find is left to the
    collection loader, which then loads it the slower way."""
    if not any(isinstance(finder, RunnerFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, RunnerFinder(package))
