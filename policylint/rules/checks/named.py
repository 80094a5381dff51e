"""The table of named check functions and the decorator that fills it (`{check: NAME}` in a rule)."""

from __future__ import annotations

from typing import Any, Callable

#: A check: ``(ctx, subject, args) -> bool | dict | None``.  ``ctx`` is the per-document
#: :class:`policylint.rules.conditions.Env` (``ctx.root`` is the document data, ``ctx.key`` the
#: mapping key of the subject); a dict result is true and becomes message arguments.
CheckFunction = Callable[[Any, Any, dict[str, Any]], Any]

CHECKS: dict[str, CheckFunction] = {}


def register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``name`` (names are global and never reused)."""

    def decorate(func: CheckFunction) -> CheckFunction:
        if name in CHECKS and CHECKS[name] is not func:
            raise ValueError(f"check `{name}` is registered twice")
        CHECKS[name] = func
        return func

    return decorate


def get(name: str) -> CheckFunction | None:
    """The check registered as ``name``, or ``None``."""
    return CHECKS.get(name)
