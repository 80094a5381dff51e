"""The built-in human formats' templates (Jinja, compiled once per process); terminal-safe output."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# C0/C1 control characters (ANSI escapes start with ESC) in policy text must not reach a
# terminal or a CI log as live control sequences; nor may the bidirectional overrides and
# isolates (U+202A-E, U+2066-9), which make text display in another order than it reads
# ("Trojan Source"), or the Unicode line and paragraph separators (U+2028/9).
#: Characters that change how text displays without showing (bidi, line separators).
INVISIBLE = "\u202a-\u202e\u2066-\u2069\u2028\u2029"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE}]")
# In the human formats line breaks inside a value are escaped too (templates make the
# lines), and so is a value that starts a line with `::`: in a GitHub Actions log either
# would let a file name or key written as "\n::error::..." or "::stop-commands::..." run as
# a workflow command.  Tabs are kept.
_LOG = re.compile(f"[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f{INVISIBLE}]|^(?=\\s*::)\\s*:")


def _escape(match: re.Match[str]) -> str:
    text = match.group()
    if text.endswith(":"):
        return text[:-1] + "\\x3a"
    code = ord(text)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def control_safe(value: Any) -> Any:
    """Neutralise control characters (line breaks and tabs kept) as ``\\xNN``."""
    if isinstance(value, str):
        return _CONTROL.sub(_escape, value)
    return "" if value is None else value


class Styled(str):
    """Text already made safe, wrapped in our own colour codes: passed through as it is."""


def terminal_safe(value: Any) -> Any:
    """Neutralise control characters, line breaks and workflow-command lookalikes in a value."""
    if isinstance(value, Styled):
        return value
    if isinstance(value, str):
        # Nearly every value is printable text (no control or separator characters, so
        # the only whitespace is a plain space): then only a leading `::` needs the regex.
        if value.isprintable() and not value.lstrip(" ").startswith("::"):
            return value
        return _LOG.sub(_escape, value)
    return "" if value is None else value


@lru_cache(maxsize=None)
def text_environment() -> Any:
    """Environment for plain-text templates: every ``{{ }}`` passes through terminal_safe."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    # No bytecode cache: Jinja's unmarshals code from its folder, and nothing read from a
    # cache folder may run as code (docs/security.md).
    env = Environment(
        loader=PackageLoader("policylint.report", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=terminal_safe,
    )
    return env


def render_text(template: str, **context: Any) -> str:
    """Render one of the package's plain-text templates (``text.j2``, ``concise.j2``, ...)."""
    return text_environment().get_template(template).render(**context)
