"""The diff as terminal text: what ``policylint diff`` prints on a terminal."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def environment() -> Any:
    """The plain-text environment (every value made terminal-safe) with the diff's filters."""
    from policylint.compare.render_html import score_text, words
    from policylint.report.environment import text_environment

    env = text_environment().overlay()
    env.filters.update(words=words, score=score_text)
    return env


def render_diff(d: Any, color: bool = False) -> str:
    from policylint.compare.render_html import diff_labels
    from policylint.report.text import style_for

    return environment().get_template("compare/diff.txt.j2").render(
        d=d, style=style_for(color), **diff_labels())
