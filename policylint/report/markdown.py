"""The ``markdown`` format: a report for pull-request comments and GitHub job summaries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

from policylint.report.environment import control_safe
from policylint.report.stream import render as render_stream
from policylint.run.baseline import report_path

SAYS_EXIT_REASON = True  # under the summary line

# Characters Markdown would read as formatting (`|` would also split a table cell) get a
# backslash; `&`, `<` and `>` become entities, and `@` too (no @mentions from policy text).
# One character at a time: nothing a replacement introduces is replaced again.
_MD_TABLE = str.maketrans({**{c: "\\" + c for c in "\\`*_{}[]()#+!|~"},
                           "&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "&#64;"})


def md_escape(value: Any) -> str:
    """Text made inert in GitHub-flavoured Markdown (and its inline HTML), on one line."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    # Printed to a terminal as often as posted: no live escape sequence or bidi override.
    # control_safe leaves no carriage return (it is a control character), only line feeds.
    return control_safe(str(value)).translate(_MD_TABLE).replace("\n", "<br>")


@lru_cache(maxsize=None)
def environment() -> Any:
    """Every ``{{ }}`` is escaped for Markdown unless the value is ``Markup``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("policylint.report", "templates"), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       autoescape=False, finalize=md_escape)


def counts(summary: Any) -> list[tuple[int, str]]:
    return [(n, s) for s, n in summary.by_severity.items() if n]


class Stream:
    """The report a file at a time; its opening (the totals) is written last, ahead of them.

    ``limit`` bounds the listing in UTF-8 bytes (a GitHub step summary over 1 MiB is
    dropped whole): files past it are counted and named as left out, never cut in half.
    """

    #: Kept for the opening, the closing table and the note about files left out.
    RESERVE = 16 * 1024

    def __init__(self, ctx: Any, limit: int | None = None) -> None:
        self.ctx = ctx
        self.budget = None if limit is None else max(0, limit - self.RESERVE)
        self.used = 0
        self.left_out = 0
        env = environment()
        self.file_template = env.get_template("markdown-file.md.j2")

    def begin(self) -> str:
        return ""

    def head(self, summary: Any) -> str:
        return str(environment().get_template("markdown-head.md.j2").render(
            summary=summary, counts=counts(summary), reason=self.ctx.exit_reason(summary)))

    def result(self, result: Any) -> str:
        active = result.active
        if not active:
            return ""
        text = str(self.file_template.render(
            file={"path": report_path(result.file, self.ctx.root), "findings": active}))
        if self.budget is not None:
            size = len(text.encode("utf-8"))
            if self.left_out or self.used + size > self.budget:
                self.left_out += 1
                return ""
            self.used += size
        return text

    def end(self, summary: Any) -> str:
        note = ""
        if self.left_out:
            note = (f"\n_{self.left_out} more file(s) with findings are not listed: a step summary "
                    "holds 1 MiB. The job log and the other reports list every finding._\n")
        return note + str(environment().get_template("markdown-tail.md.j2").render(
            statistics=self.ctx.statistics,
            by_rule=sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))))


def stream(ctx: Any, limit: int | None = None) -> Stream:
    return Stream(ctx, limit)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)
