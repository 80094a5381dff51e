"""The Jinja environment for the built-in human formats, with terminal-safe output."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# C0/C1 control characters (ANSI escapes start with ESC) in policy text must not reach a
# terminal or a CI log as live control sequences; tabs and newlines are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(value: Any) -> Any:
    """Neutralise control characters in text bound for a terminal or log."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return "" if value is None else value


@lru_cache(maxsize=None)
def text_environment() -> Any:
    """Environment for plain-text templates: every ``{{ }}`` passes through terminal_safe."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("policylint", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=terminal_safe,
    )
    return env


def render_text(template: str, **context: Any) -> str:
    return text_environment().get_template(template).render(**context)
