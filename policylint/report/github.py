"""The ``github`` format: workflow-command annotations (most severe first) and a job summary."""

from __future__ import annotations

import secrets
from typing import Any

from policylint.finding import SEVERITY_RANK
from policylint.report.environment import control_safe
from policylint.report.stream import render as render_stream
from policylint.run.baseline import report_path

#: GitHub keeps 10 annotations of each type per step; more are dropped silently.
MAX_PER_TYPE = 10
COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
SAYS_EXIT_REASON = True  # the log's last line, and the job summary, say why the run fails


def escape_data(text: str) -> str:
    """Escape a command's message exactly as ``@actions/core`` ``escapeData`` does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value exactly as ``@actions/core`` ``escapeProperty`` does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, Any], message: str) -> str:
    """One ``::name key=value,...::message`` line; empty properties are left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items()
                     if v is not None and v != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(f: Any, root: str) -> str:
    props: dict[str, Any] = {"file": control_safe(report_path(f.file, root)), "line": f.line}
    if f.end_line > f.line:
        props["endLine"] = f.end_line
    else:  # GitHub takes columns only for a single-line annotation
        props["col"] = f.column
        props["endColumn"] = max(f.end_column, f.column)
    props["title"] = f"policylint [{f.rule}]"
    # The log shows the message: no live terminal control sequences from policy text.
    message = control_safe(f.message) + (f"\n\nLaw: {control_safe(f.citation)}" if f.citation else "")
    return command(COMMANDS.get(f.severity, "warning"), props, message)


def _order(f: Any) -> tuple[Any, ...]:
    return (-SEVERITY_RANK[f.severity], f.file, f.line, f.column, f.rule)


class Selection:
    """The annotations to emit, chosen as findings arrive: at most 10 per type, most severe
    first; holds 20 findings per type at most, whatever the number of findings."""

    def __init__(self) -> None:
        self.kept: dict[str, list[Any]] = {}
        self.seen = 0

    def add(self, findings: list[Any]) -> None:
        for f in findings:
            self.seen += 1
            kept = self.kept.setdefault(COMMANDS.get(f.severity, "warning"), [])
            kept.append(f)
            if len(kept) >= 2 * MAX_PER_TYPE:
                kept.sort(key=_order)  # stable: equal keys keep their arrival order
                del kept[MAX_PER_TYPE:]

    def chosen(self) -> tuple[list[Any], int]:
        kept = sorted((f for fs in self.kept.values() for f in sorted(fs, key=_order)[:MAX_PER_TYPE]),
                      key=_order)
        return kept, self.seen - len(kept)


def select(findings: list[Any]) -> tuple[list[Any], int]:
    """The annotations to emit (at most 10 per type, most severe first) and how many were left."""
    selection = Selection()
    selection.add(findings)
    return selection.chosen()


def summary_line(summary: Any) -> str:
    total = summary.total
    return (f"policylint: {total} problem(s) in {summary.files_with_findings} of "
            f"{summary.files} file(s)" if total else
            f"policylint: {summary.files} file(s) checked, no problems")


class Stream:
    """The log as results arrive: every finding in a collapsed group, with workflow commands
    stopped around it (policy text could hold lines that look like commands), then the
    annotations chosen over the whole run, then a summary line."""

    def __init__(self, ctx: Any, token: str | None = None) -> None:
        from policylint.report.concise import render_file

        self.ctx = ctx
        self.concise = render_file
        # The listing is written before it is known, so the token is drawn at random: policy
        # text cannot contain what it cannot predict.
        self.token = token or "policylint-" + secrets.token_hex(12)
        self.grouped = False
        self.selection = Selection()

    def begin(self) -> str:
        return ""

    def result(self, result: Any) -> str:
        self.selection.add(result.active)
        text = self.concise(result, self.ctx)
        if not text:
            return ""
        if not self.grouped:
            self.grouped = True
            text = f"::group::policylint: all findings\n::stop-commands::{self.token}\n" + text
        return text

    def end(self, summary: Any) -> str:
        lines = [f"::{self.token}::", "::endgroup::"] if self.grouped else []
        kept, dropped = self.selection.chosen()
        lines += [annotation(f, self.ctx.root) for f in kept]
        if dropped:
            lines.append(f"policylint: {dropped} more finding(s) are not annotated "
                         "(GitHub shows 10 per type); see the job summary.")
        lines.append(summary_line(summary))
        reason = self.ctx.exit_reason(summary)
        if reason:
            lines.append(f"policylint: {reason}")
        return "\n".join(lines) + "\n"


def stream(ctx: Any) -> Stream:
    return Stream(ctx)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)


#: GitHub drops a step summary larger than this (1 MiB) whole.
STEP_SUMMARY_LIMIT = 1024 * 1024


def appendix_stream(ctx: Any) -> tuple[str, Any] | None:
    """Where the job summary goes (``$GITHUB_STEP_SUMMARY``, when set) and the Markdown
    report that fills it, kept within what the step's file still holds."""
    if not ctx.step_summary:
        return None
    import os

    from policylint.report.markdown import stream as markdown

    try:
        used = os.path.getsize(ctx.step_summary)
    except OSError:
        used = 0
    return ctx.step_summary, markdown(ctx, limit=max(0, STEP_SUMMARY_LIMIT - used))
