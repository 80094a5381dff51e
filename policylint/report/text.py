"""The default ``text`` format: findings grouped by file, citations beneath, a summary line."""

from __future__ import annotations

from typing import Any

from policylint.report.environment import Styled, render_text, terminal_safe

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


def excerpt(f: Any) -> list[tuple[str, str, str]]:
    """The source line a finding points at and a caret line under its span (as rustc and ruff
    show them), from the excerpt the loader or validator kept: rows of (gutter, text, style),
    none when there is no excerpt."""
    meta = dict(f.meta)
    source = meta.get("excerpt")
    if not isinstance(source, str) or not source.strip():
        return []
    skipped = meta.get("excerpt_skipped") or 0
    start = max(0, min(f.column - 1 - skipped, len(source)))
    if f.end_line == f.line and f.end_column > f.column:
        end = min(f.end_column - 1 - skipped, len(source))
    else:
        end = len(source.rstrip()) if f.end_line > f.line else start + 1
    # Tabs are shown as four spaces, so the caret stays under the character it marks.
    shown = source.replace("\t", "    ").rstrip()
    pad = len(source[:start].replace("\t", "    "))
    width = max(1, len(source[start:end].replace("\t", "    ")))
    number = str(f.line)
    return [(f"{number} |", shown, "plain"), (" " * len(number) + " |", " " * pad + "^" * width, f.severity)]


def _style(ctx: Any) -> Any:
    return style_for(ctx.color)


def render_file(result: Any, ctx: Any) -> str:
    findings = result.active
    if not findings:
        return ""
    width = max(len(f"{f.line}:{f.column}") for f in findings)
    return render_text("text.j2", file=result.file, findings=findings, width=width, pad=" " * width,
                       style=_style(ctx), verbose=ctx.verbose, excerpt=excerpt,
                       language=_language(ctx) if ctx.verbose else _no_language)


def _no_language(rule_id: str) -> list[tuple[str, str]]:
    return []


def _language(ctx: Any) -> Any:
    """``-v``: rule id -> rows of the language that would fix it, under its label (a model
    law's words, or a suggestion drafted for policylint)."""
    def language(rule_id: str) -> list[tuple[str, str]]:
        found = getattr(ctx.describe(rule_id), "language", None)
        if not found:
            return []
        import textwrap

        label, text = found
        if label.startswith("Model language"):
            text = f'"{text}"'  # a model law's words, quoted
        lines = [wrapped for line in text.splitlines()
                 for wrapped in textwrap.wrap(line, 88, break_long_words=False, break_on_hyphens=False)]
        return [(f"{label}:", "dim"), *((f"  {line}", "plain") for line in lines)]
    return language


def render_summary(summary: Any, ctx: Any) -> str:
    counts = [(n, s) for s, n in summary.by_severity.items() if n]
    from policylint.rules.catalog import CORE_RULES

    # Findings of pack rules have a law and fixing language behind them; point to where.
    ranked = sorted(((-n, r) for r, n in summary.by_rule.items() if n and r not in CORE_RULES))
    explained = ranked[0][1] if ranked else None
    text = render_text("text-summary.j2", summary=summary, counts=counts, style=_style(ctx),
                       statistics=ctx.statistics, explain_rule=explained, verbose=ctx.verbose,
                       by_rule=sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0])))
    reason = ctx.exit_reason(summary)
    if not reason:
        return text
    if not text.endswith("\n"):  # the summary's last line (the explain hint) has no break
        text += "\n"
    return f"{text}{_style(ctx)(reason, 'error')}\n"
