"""``-f template:PATH.j2``: render the findings through a user's own Jinja template, sandboxed and bounded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from policylint.errors import UsageError
from policylint.rules.templateguard import MAX_OUTPUT, GuardedReportSandbox
from policylint.run.baseline import report_path

if TYPE_CHECKING:
    from policylint.report import RenderContext
    from policylint.run.runner import FileResult, Summary

#: Templates named like these are HTML or XML: their values are autoescaped.
_ESCAPED = (".html", ".htm", ".xml", ".svg")


@dataclass(frozen=True, slots=True)
class TemplateFormat:
    """A loaded user template; behaves like a format module that renders at the end."""

    path: str
    template: Any
    STREAM = False

    def render(self, results: list[FileResult], summary: Summary, ctx: RenderContext) -> str:
        from policylint.rules import deadline

        # The bounds of a rule message, once per document reported: each value or text the
        # template builds, and its output, stay under max_size; its time under the rule budget.
        files = max(1, len(results))
        self.template.environment.max_size = MAX_OUTPUT * files
        seconds = ctx.rule_seconds * files
        try:
            with deadline.budget(seconds):
                return self.template.render(**context(results, summary, ctx))
        except deadline.Expired:
            raise UsageError(f"template stopped: it ran longer than {seconds:g} s (the rule time "
                             "budget for each file reported)", location=self.path) from None
        except Exception as exc:
            line = _error_line(exc)
            raise UsageError(f"template failed: {exc}",
                             location=f"{self.path}:{line}" if line else self.path) from None


def _error_line(exc: BaseException) -> int | None:
    """The template line of a runtime error (Jinja maps its frames back to template lines)."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def context(results: list[FileResult], summary: Summary, ctx: RenderContext) -> dict[str, Any]:
    """Plain data only: the sandbox never sees policylint's objects."""
    from policylint.report.json import report

    data = report(results, summary)
    for item in data["files"]:
        item["path"] = report_path(item["file"], ctx.root)
        for f in item["findings"]:
            f["path_in_repo"] = item["path"]
    findings = [f for item in data["files"] for f in item["findings"]]
    return {"report": data, "files": data["files"], "summary": data["summary"],
            "findings": findings,
            "active": [f for f in findings if not f["suppressed"] and not f["baseline"]],
            "tool": data["tool"]}


def load_template(path: str) -> TemplateFormat:
    """Read and compile ``path``; a missing file or syntax error is a usage error with its line."""
    from jinja2 import StrictUndefined, TemplateSyntaxError

    if not path:
        raise UsageError("`-f template:PATH` needs the path of a Jinja template")
    from policylint.load.limits import DEFAULT_LIMITS
    from policylint.load.loader import read_regular

    try:
        source = read_regular(path, DEFAULT_LIMITS.max_file_size).decode("utf-8")
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read template {path}: {getattr(exc, 'strerror', None) or exc}") from None
    stem = path[:-3] if path.endswith(".j2") else path
    env = GuardedReportSandbox(
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=stem.lower().endswith(_ESCAPED))
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise UsageError(f"template syntax error: {exc.message}",
                         location=f"{path}:{exc.lineno}") from None
    return TemplateFormat(path, template)
