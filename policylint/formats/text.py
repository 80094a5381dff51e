"""The default ``text`` format: findings grouped by file, citations beneath, a summary line."""

from __future__ import annotations

from typing import Any

from policylint.formats.templates import Styled, render_text, terminal_safe

STREAM = True
SAYS_EXIT_REASON = True  # the summary ends with why the run fails

_COLORS = {"error": "31", "warning": "33", "info": "36", "dim": "2", "bold": "1", "ok": "32", "file": "4"}


def style_for(color: bool) -> Any:
    """The templates' ``style(text, kind)``: colour codes around terminal-safe text, or none."""
    def style(text: Any, kind: str) -> str:
        text = str(text)
        if not color or kind not in _COLORS:
            return text
        # Our colour codes survive the template's escaping; the text inside them does not.
        return Styled(f"\x1b[{_COLORS[kind]}m{terminal_safe(text)}\x1b[0m")
    return style


def _style(ctx: Any) -> Any:
    return style_for(ctx.color)


def render_file(result: Any, ctx: Any) -> str:
    findings = result.active
    if not findings:
        return ""
    width = max(len(f"{f.line}:{f.column}") for f in findings)
    return render_text("text.j2", file=result.file, findings=findings, width=width,
                       style=_style(ctx), verbose=ctx.verbose)


def render_summary(summary: Any, ctx: Any) -> str:
    counts = [(n, s) for s, n in summary.by_severity.items() if n]
    text = render_text("text-summary.j2", summary=summary, counts=counts, style=_style(ctx),
                       statistics=ctx.statistics,
                       by_rule=sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    reason = ctx.exit_reason(summary)
    return f"{text}{_style(ctx)(reason, 'error')}\n" if reason else text
