"""The ``sarif`` format: SARIF 2.1.0 for GitHub code scanning, built as data and dumped."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from policylint import __version__
from policylint.report.stream import JsonArray, members
from policylint.report.stream import render as render_stream
from policylint.run.baseline import occurrence_fingerprints, report_path

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: GitHub shows this as the alert's severity for non-security results.
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
_TEXT_LIMIT = 1024  # GitHub rejects longer shortDescription/fullDescription texts


def _cut(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = " ".join(text.split()) or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rule_descriptor(info: Any) -> dict[str, Any]:
    """One ``reportingDescriptor``: every field GitHub requires, never empty."""
    descriptor: dict[str, Any] = {
        "id": info.id,
        "name": info.id,
        "shortDescription": {"text": _cut(info.title)},
        "fullDescription": {"text": _cut(info.description or info.title)},
        "help": {"text": info.help_text or info.description or info.title,
                 "markdown": info.help_markdown or info.help_text or info.title},
        "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning")},
        "properties": {
            "tags": ["policylint", *info.tags][:20],
            "problem.severity": _PROBLEM_SEVERITY.get(info.severity, "warning"),
        },
    }
    if info.help_uri:
        descriptor["helpUri"] = info.help_uri
    return descriptor


def artifact_uri(file: str, ctx: Any) -> str:
    return quote(report_path(file, ctx.root), safe="/")


def _region(f: Any) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(1, f.line), "startColumn": max(1, f.column),
                              "endLine": max(f.line, f.end_line, 1)}
    end_column = f.end_column if f.end_line > f.line else max(f.end_column, f.column)
    region["endColumn"] = max(1, end_column)
    if f.snippet:
        region["snippet"] = {"text": f.snippet}
    return region


def _suppressions(f: Any, baseline: str | None) -> list[dict[str, Any]]:
    out = []
    if f.suppressed is not None:
        out.append({"kind": "inSource", "status": "accepted", "justification": f.suppressed})
    if f.baseline is not None:
        out.append({"kind": "external", "status": "accepted",
                    "justification": f"recorded in the baseline {baseline or ''}".strip()})
    return out


def result(f: Any, rule_index: int, fingerprints: dict[str, str], ctx: Any,
           uri: str | None = None) -> dict[str, Any]:
    """One SARIF ``result`` for finding ``f`` (suppressed and baselined ones are marked);
    ``uri``: its file's, when the caller has it already."""
    text = f.message
    if f.citation:
        text += f"\n\nLaw: {f.citation}" + (f" <{f.url}>" if f.url else "")
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri if uri is not None else artifact_uri(f.file, ctx),
                                 "uriBaseId": "%SRCROOT%"},
            "region": _region(f),
        },
    }
    if f.path:
        location["logicalLocations"] = [{"fullyQualifiedName": f.path, "kind": "element"}]
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": fingerprints,
    }
    suppressions = _suppressions(f, ctx.baseline)
    if suppressions:
        out["suppressions"] = suppressions
    if ctx.baseline is not None:
        out["baselineState"] = ("unchanged" if f.baseline is not None
                                else "absent" if f.rule == "baseline-stale" else "new")
    props = {k: v for k, v in (("pointer", f.path), ("packs", list(f.packs)),
                               ("citation", f.citation), ("url", f.url),
                               ("basis", f.basis)) if v}
    if props:
        out["properties"] = props
    return out


def invocation(summary: Any, ctx: Any) -> dict[str, Any]:
    """The run's ``invocation``: its exit code and, when that is not 0, why.

    The reason is a ``note`` when findings fail the run (policylint did its work) and an
    ``error`` when a file could not be read (it could not).
    """
    code = summary.exit_code(ctx.fail_on, ctx.max_warnings)
    out: dict[str, Any] = {"executionSuccessful": not summary.input_errors, "exitCode": code}
    reason = ctx.exit_reason(summary)
    if reason:
        out["exitCodeDescription"] = reason
        out["toolExecutionNotifications"] = [{
            "message": {"text": reason},
            "level": "error" if code == 2 else "note",
            "descriptor": {"id": "exit-code"},
        }]
    return out


class Stream:
    """The log written as results arrive: envelope, the run's ``results``, then its ``tool``
    (the rules used, in the order they first appear, which ``ruleIndex`` points into) and
    ``invocations``, known only at the end."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.index: dict[str, int] = {}  # rule id -> ruleIndex: bounded by the rules, not the files
        self.results = JsonArray(3)

    def begin(self) -> str:
        return "{\n" + members(envelope(), 0) + ',\n  "runs": [\n    {\n      "results": ['

    def sarif_results(self, r: Any) -> list[dict[str, Any]]:
        out = []
        uri = artifact_uri(r.file, self.ctx)
        for f, prints in zip(r.findings, occurrence_fingerprints(r.findings)):
            rule_index = self.index.setdefault(f.rule, len(self.index))
            out.append(result(f, rule_index, {
                "primaryLocationLineHash": prints[0], "policylint/v1": prints[1]}, self.ctx,
                uri if f.file == r.file else None))
        return out

    def result(self, r: Any) -> str:
        return "".join(self.results.item(item) for item in self.sarif_results(r))

    def run_tail(self, summary: Any) -> dict[str, Any]:
        """The run's members besides its results."""
        return {"tool": {"driver": driver(list(self.index), self.ctx)},
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation(summary, self.ctx)]}

    def end(self, summary: Any) -> str:
        return (self.results.close() + ",\n" + members(self.run_tail(summary), 2)
                + "\n    }\n  ]\n}\n")


def envelope() -> dict[str, Any]:
    return {"$schema": SCHEMA_URI, "version": "2.1.0"}


def driver(rule_ids: list[str], ctx: Any) -> dict[str, Any]:
    return {
        "name": "policylint",
        "version": ctx.tool_version or __version__,
        "semanticVersion": ctx.tool_version or __version__,
        "rules": [rule_descriptor(ctx.describe(rule_id)) for rule_id in rule_ids],
    }


def stream(ctx: Any) -> Stream:
    return Stream(ctx)


def report(results: list[Any], summary: Any, ctx: Any) -> dict[str, Any]:
    """The whole SARIF log as data: one run, the rules used, one result per finding."""
    s = stream(ctx)
    sarif_results = [item for r in results for item in s.sarif_results(r)]
    return {**envelope(), "runs": [{"results": sarif_results, **s.run_tail(summary)}]}


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)
