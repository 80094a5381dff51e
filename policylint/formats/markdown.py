"""The ``markdown`` format: a report for pull-request comments and GitHub job summaries."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from policylint.baseline import report_path

SAYS_EXIT_REASON = True  # under the summary line

# Characters Markdown would read as formatting; `|` would also split a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~<>])")


def md_escape(value: Any) -> str:
    """Text made inert in GitHub-flavoured Markdown (and its inline HTML), on one line."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    from policylint.formats.templates import control_safe

    # Printed to a terminal as often as posted: no live escape sequence or bidi override.
    text = control_safe(str(value)).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), text)
    text = text.replace("@", "&#64;")  # no @mentions from policy text
    return re.sub(r"\r\n|\r|\n", "<br>", text)


@lru_cache(maxsize=None)
def environment() -> Any:
    """Every ``{{ }}`` is escaped for Markdown unless the value is ``Markup``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("policylint", "templates"), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       autoescape=False, finalize=md_escape)


def view(results: list[Any], summary: Any, ctx: Any) -> dict[str, Any]:
    """What the template shows: active findings by file, hidden ones only counted."""
    files = []
    for r in results:
        active = r.active
        if active:
            files.append({"path": report_path(r.file, ctx.root), "findings": active})
    counts = [(n, s) for s, n in summary.by_severity.items() if n]
    return {"files": files, "summary": summary, "counts": counts,
            "by_rule": sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0])),
            "statistics": ctx.statistics, "version": ctx.tool_version,
            "reason": ctx.exit_reason(summary)}


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return environment().get_template("markdown.md.j2").render(**view(results, summary, ctx))
