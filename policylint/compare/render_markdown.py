"""The comparison and the diff as Markdown, for READMEs, issues and pull-request comments."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: Rule states as a Markdown reader sees them: an emoji and a word, never colour alone.
RULE_MARKS = {
    "pass": "✅ pass", "suppressed": "⊘ waived", "not_addressed": "∅ silent", "not_read": "⋯ not read",
    "not_applicable": "n/a", "skipped": "❔ skipped", "not_selected": "—",
}
SEVERITY_MARKS = {"error": "❌ error", "warning": "⚠️ warn", "info": "ℹ️ info"}


def rule_mark(cell: Any) -> str:
    if cell is None:
        return RULE_MARKS["not_selected"]
    if cell.state == "fail":
        return SEVERITY_MARKS.get(cell.severity or "", "❌ fail")
    return RULE_MARKS[cell.state]


@lru_cache(maxsize=None)
def environment() -> Any:
    """Every ``{{ }}`` is escaped for GitHub Markdown (and its inline HTML)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from policylint.compare.render_html import score_text, words
    from policylint.formats.markdown import md_escape

    env = Environment(loader=PackageLoader("policylint", "templates"), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      autoescape=False, finalize=md_escape)
    env.filters.update(words=words, score=score_text, mark=rule_mark)
    return env


def render(comparison: Any, title: str = "Policy comparison") -> str:
    from policylint.compare.model import POLICY_STATUSES
    from policylint.compare.scores import METHOD

    return environment().get_template("compare/report.md.j2").render(
        c=comparison, cov=comparison.coverage, title=title, method=METHOD,
        status_labels=dict(POLICY_STATUSES), severity_marks=SEVERITY_MARKS)


def render_diff(d: Any) -> str:
    return environment().get_template("compare/diff.md.j2").render(d=d, **diff_labels())


def diff_labels() -> dict[str, Any]:
    """Words for the kinds of change, shared by the Markdown and HTML diffs."""
    return {
        "kinds": {"added": "added", "removed": "removed", "value_changed": "value changed",
                  "reworded": "quote reworded", "amended": "amended"},
        "directions": {"more_restrictive": "more restrictive", "less_restrictive": "less restrictive"},
        "severity_marks": SEVERITY_MARKS,
    }
