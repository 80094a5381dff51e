"""The comparison and the diff as Markdown, for READMEs, issues and pull-request comments."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from policylint.compare.render_html import SEVERITY_MARKS, diff_labels

#: Rule states as a Markdown reader sees them: an emoji and a word, never colour alone.
RULE_MARKS = {
    "pass": "✅ pass", "suppressed": "⊘ waived", "not_addressed": "∅ silent",
    "not_read": "◌ not read", "not_applicable": "n/a", "skipped": "❔ skipped", "not_selected": "—",
}


def rule_mark(cell: Any) -> str:
    if cell is None:
        return RULE_MARKS["not_selected"]
    if cell.state == "fail":
        mark = SEVERITY_MARKS.get(cell.severity or "", "❌ fail")
        return f"∅ silent ({mark})" if cell.silence else mark
    return RULE_MARKS[cell.state]


@lru_cache(maxsize=None)
def environment() -> Any:
    """Every ``{{ }}`` is escaped for GitHub Markdown (and its inline HTML)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined
    from markupsafe import Markup

    from policylint.compare.render_html import score_text, words
    from policylint.compare.summary import safe_url
    from policylint.report.markdown import md_escape

    env = Environment(loader=PackageLoader("policylint.report", "templates"), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                      autoescape=False, finalize=md_escape)
    env.filters.update(words=words, score=score_text, mark=rule_mark,
                       safe_ref=lambda n: Markup(f"[^{int(n)}]"),
                       # Only addresses summarise() accepted as plain http(s) URLs get here.
                       safe_url=lambda u: Markup(u) if safe_url(u) else md_escape(u))
    return env


def render(comparison: Any, title: str = "Policy comparison") -> str:
    from policylint.compare.render_html import _survey
    from policylint.compare.scores import METHOD, is_law
    from policylint.compare.states import POLICY_STATUSES

    comparison = comparison.held()  # its tables and footnotes walk the rows several times
    # Evidence footnotes, numbered in the order the topic table shows the values.
    notes: list[tuple[int, Any, Any, Any]] = []
    numbers: dict[tuple[int, str], int] = {}
    for _, rows in comparison.groups:
        for r in rows:
            for t in comparison.topics:
                cell = r.topics[t.key]
                if cell.coded:
                    numbers[(r.index, t.key)] = len(notes) + 1
                    notes.append((len(notes) + 1, r, t, cell))
    return environment().get_template("compare/report.md.j2").render(
        c=comparison, cov=comparison.coverage, title=title, method=METHOD,
        status_labels=dict(POLICY_STATUSES), severity_marks=SEVERITY_MARKS,
        law_packs=[m for m in comparison.packs if is_law(m.pack)],
        other_packs=[m for m in comparison.packs if not is_law(m.pack)],
        survey=_survey(comparison.rows), notes=notes,
        note=lambda r, t: numbers[(r.index, t.key)])


def render_diff(d: Any) -> str:
    return environment().get_template("compare/diff.md.j2").render(d=d, **diff_labels())
