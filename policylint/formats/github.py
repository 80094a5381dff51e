"""The ``github`` format: workflow-command annotations (most severe first) and a job summary."""

from __future__ import annotations

import hashlib
from typing import Any

from policylint.baseline import report_path
from policylint.finding import SEVERITY_RANK
from policylint.formats.templates import control_safe

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


def select(findings: list[Any]) -> tuple[list[Any], int]:
    """The annotations to emit (at most 10 per type, most severe first) and how many were left."""
    ordered = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.file, f.line, f.column, f.rule))
    kept: list[Any] = []
    per_type: dict[str, int] = {}
    for f in ordered:
        kind = COMMANDS.get(f.severity, "warning")
        if per_type.get(kind, 0) < MAX_PER_TYPE:
            per_type[kind] = per_type.get(kind, 0) + 1
            kept.append(f)
    return kept, len(ordered) - len(kept)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    from policylint.formats.concise import render_file as concise

    active = [f for r in results for f in r.active]
    kept, dropped = select(active)
    lines = [annotation(f, ctx.root) for f in kept]
    if dropped:
        lines.append(f"policylint: {dropped} more finding(s) are not annotated "
                     "(GitHub shows 10 per type); see the job summary.")
    full = "".join(concise(r, ctx) for r in results)
    if full:
        # Policy text could contain lines that look like workflow commands: stop command
        # processing for the plain listing.  The token depends on the listing, so the text
        # cannot contain it.
        token = "policylint-" + hashlib.sha256(full.encode("utf-8")).hexdigest()[:24]
        lines += ["::group::policylint: all findings", f"::stop-commands::{token}",
                  full.rstrip("\n"), f"::{token}::", "::endgroup::"]
    total = summary.total
    lines.append(f"policylint: {total} problem(s) in {summary.files_with_findings} of "
                 f"{summary.files} file(s)" if total else
                 f"policylint: {summary.files} file(s) checked, no problems")
    reason = ctx.exit_reason(summary)
    if reason:
        lines.append(f"policylint: {reason}")
    return "\n".join(lines) + "\n"


def appendix(results: list[Any], summary: Any, ctx: Any) -> tuple[str, str] | None:
    """The full report as Markdown for ``$GITHUB_STEP_SUMMARY``, when that is set."""
    if not ctx.step_summary:
        return None
    from policylint.formats.markdown import render as markdown

    return ctx.step_summary, markdown(results, summary, ctx) + "\n"
