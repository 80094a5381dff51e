"""A fixed run for output-format tests: several documents, hostile text, suppressed,
baselined and unreadable ones, a clean one; its descriptors do not depend on the rules."""

from __future__ import annotations

from typing import Any

from policylint.finding import Finding
from policylint.report import RenderContext
from policylint.rules.catalog import RuleInfo
from policylint.run.runner import FileResult, Summary

HOSTILE = 'ends "quoted" \u202e, has :: and ,\nand a second line <b> & @someone | `x` \x1b[2J'


def sample_results() -> list[FileResult]:
    def f(file: str, rule: str, severity: str, line: int, **kw: Any) -> Finding:
        return Finding(file=file, rule=rule, severity=severity, message=kw.pop("message", f"{rule} at {line}"),
                       path=kw.pop("path", f"/provisions/p{line}/value"), line=line, column=3,
                       end_line=kw.pop("end_line", line), end_column=9,
                       meta=(("value_hash", f"{line:016x}"),), **kw)

    a = "policies/ma/a b.yaml"
    return [
        FileResult(a, [
            f(a, "detainer-hold-prohibited", "error", 3, message=HOSTILE, snippet="allowed",
              citation="Lunn v. Commonwealth, 477 Mass. 517 (2017)", url="https://example.org/lunn",
              packs=("massachusetts",)),
            f(a, "detainer-hold-prohibited", "error", 3, message="the same place twice"),
            f(a, "schema-unknown-key", "warning", 4, suppressed="kept for the archive"),
            f(a, "missing-review-date", "info", 5, baseline="unchanged"),
            f(a, "value-without-quote", "warning", 7, end_line=9, citation=HOSTILE),
        ], outcomes={"detainer-hold-prohibited": "fail", "sro-covered": "pass", "x-skipped": "skipped"}),
        FileResult("policies/ma/clean.yaml", [], outcomes={"sro-covered": "pass"}),
        FileResult("policies/tx/broken.yaml", [
            Finding(file="policies/tx/broken.yaml", rule="yaml-syntax", severity="error",
                    message="mapping values are not allowed here", line=2, column=5, end_line=2,
                    end_column=6, input_error=True)]),
        FileResult("policies/tx/many.yaml", [
            f("policies/tx/many.yaml", "value-without-quote", "warning", n) for n in range(1, 14)]
            + [f("policies/tx/many.yaml", "missing-review-date", "info", 20)]),
    ]


def sample_summary(results: list[FileResult]) -> Summary:
    summary = Summary()
    for r in results:
        summary.add(r)
    return summary


def describe(rule_id: str) -> RuleInfo:
    return RuleInfo(id=rule_id, title=f"Title of {rule_id}", description=f"What {rule_id} checks.",
                    severity="warning", help_text=f"Help for {rule_id}.", help_markdown=f"**Help** for {rule_id}.",
                    help_uri="https://example.org/" + rule_id, tags=("law",))


def sample_context(**kw: Any) -> RenderContext:
    return RenderContext(tool_version="9.9.9", root=".", rules=describe, started="2026-01-02T03:04:05",
                         statistics=True, **kw)
