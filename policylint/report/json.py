"""The ``json`` format: versioned, documented in docs/json-format.md, built as data and dumped."""

from __future__ import annotations

from typing import Any

from policylint import __version__
from policylint.report.stream import JsonArray, members
from policylint.report.stream import render as render_stream

#: Bumped only on an incompatible change of shape; additions keep the version.
JSON_FORMAT_VERSION = 1


def envelope() -> dict[str, Any]:
    return {"version": JSON_FORMAT_VERSION, "tool": {"name": "policylint", "version": __version__}}


def file_entry(result: Any) -> dict[str, Any]:
    return {"file": result.file, "findings": [f.to_dict() for f in result.findings]}


def summary_data(summary: Any) -> dict[str, Any]:
    return {
        "files": summary.files,
        "files_with_findings": summary.files_with_findings,
        "input_errors": summary.input_errors,
        "findings": summary.total,
        "by_severity": dict(summary.by_severity),
        "by_rule": dict(sorted(summary.by_rule.items())),
        "suppressed": summary.suppressed,
        "baselined": summary.baselined,
    }


def report(results: list[Any], summary: Any) -> dict[str, Any]:
    """The report as plain data (also used by other formats and the Python API)."""
    return {**envelope(), "files": [file_entry(r) for r in results], "summary": summary_data(summary)}


class Stream:
    """The report written as it is made: envelope, one ``files`` entry per result, summary.

    ``summary`` comes last because it is known only at the end; the text is what
    ``json.dumps(report(...), indent=2)`` writes.
    """

    def __init__(self, ctx: Any) -> None:
        self.files = JsonArray(1)

    def begin(self) -> str:
        return "{\n" + members(envelope(), 0) + ',\n  "files": ['

    def result(self, result: Any) -> str:
        return self.files.item(file_entry(result))

    def end(self, summary: Any) -> str:
        return self.files.close() + ",\n" + members({"summary": summary_data(summary)}, 0) + "\n}\n"


def stream(ctx: Any) -> Stream:
    return Stream(ctx)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)
