# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a hook is put on an ansible-core class: the two kinds of installation the hook table names.

``patch`` replaces one method of one class. ``wrap_subclasses`` wraps a method on every subclass that defines it,
including classes defined later: connection and lookup plugins are loaded lazily, and each overrides the base
method, so wrapping the base alone would catch nothing. Both are class-level, so forked workers inherit them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["PatchHook", "SubclassHook", "patch", "wrap_subclasses"]

# A patch hook is called as hook(original, *args, **kwargs); a subclass hook as hook(original, name, self, ...).
PatchHook = Callable[..., Any]
SubclassHook = Callable[..., Any]


def patch(owner: type, name: str, hook: PatchHook) -> None:
    """Replace ``owner.name`` with a wrapper that hands the original method to ``hook``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return hook(original, *args, **kwargs)

    setattr(owner, name, wrapper)


def wrap_subclasses(base: Any, methods: Sequence[tuple[str, SubclassHook]]) -> None:
    """Wrap the methods on every subclass, including classes defined later (plugins load lazily).

    ``base`` is an ansible-core class (``Any``: ansible-core ships no type information)."""

    def wrap(cls: type) -> None:
        for name, hook in methods:
            original = cls.__dict__.get(name)
            if callable(original) and not getattr(original, "_praxis_wrapped", False):
                setattr(cls, name, _method_hook(hook, original, name))

    def init_subclass(cls: type, /, **kwargs: Any) -> None:
        super(base, cls).__init_subclass__(**kwargs)
        wrap(cls)

    base.__init_subclass__ = classmethod(init_subclass)
    pending: list[type] = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        wrap(cls)
        pending.extend(cls.__subclasses__())


def _method_hook(hook: SubclassHook, original: Any, name: str) -> Any:
    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return hook(original, name, self, *args, **kwargs)

    method._praxis_wrapped = True  # type: ignore[attr-defined]
    return method
