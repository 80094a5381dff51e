"""The registry of named check functions that rule conditions may call (`{check: NAME}`)."""

from __future__ import annotations

# Only the package's own modules register checks; nothing is ever loaded from a linted
# repository.  Import each sibling explicitly so the registry is complete and reviewable.
from policylint.rules.checks import (  # noqa: F401
    citations,
    drafting,
    incidents,
    sources,
)
from policylint.rules.checks.named import CHECKS, CheckFunction, get, register

__all__ = ["CHECKS", "CheckFunction", "get", "register"]
