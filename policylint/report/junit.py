"""The ``junit`` format: one testsuite per document, one testcase per document × rule."""

from __future__ import annotations

import platform
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from policylint.report.stream import render as render_stream
from policylint.run.baseline import report_path

# XML 1.0 cannot carry most control characters even as references; policy text may.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: Any) -> Any:
    if isinstance(value, Markup):  # escaped (and cleared) already
        return value
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    return "" if value is None else value


@lru_cache(maxsize=None)
def environment() -> Any:
    """Autoescaping XML environment; every value is first cleared of non-XML characters."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("policylint.report", "templates"), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                       autoescape=True, finalize=xml_safe)


def _escaped(text: str) -> Markup:
    """``text`` cleared and escaped once, for a value every testcase of a document repeats."""
    return Markup.escape(xml_safe(text))


@lru_cache(maxsize=1024)
def _escaped_rule(rule: str) -> Markup:
    return _escaped(rule)


def _case(classname: str, rule: str, findings: list[Any]) -> dict[str, Any]:
    case: dict[str, Any] = {"classname": classname, "name": rule, "kind": None}
    if findings:
        case["kind"] = "error" if any(f.input_error for f in findings) else "failure"
        worst = findings[0]
        case["type"] = worst.severity
        case["message"] = worst.message if len(findings) == 1 else \
            f"{len(findings)} findings; first: {worst.message}"
        case["body"] = "\n".join(
            f"{f.line}:{f.column} {f.path or '/'}: {f.severity}: {f.message}"
            + (f" ({f.citation})" if f.citation else "") for f in findings)
    return case


def suite(result: Any, root: str) -> dict[str, Any]:
    """Testcases of one document: failing rules, then rules that passed (when known)."""
    classname = report_path(result.file, root)
    by_rule: dict[str, list[Any]] = {}
    for f in result.active:
        by_rule.setdefault(f.rule, []).append(f)
    names = list(by_rule)
    outcomes = getattr(result, "outcomes", None) or {}
    names += sorted(r for r, outcome in outcomes.items() if outcome in ("pass", "fail") and r not in by_rule)
    if not names:
        names = ["policylint"]  # a document with nothing to report still shows as a passed test
    # Escaped here once rather than in each of a document's ~30 testcases.
    escaped = _escaped(classname)
    cases = [_case(escaped, _escaped_rule(name), by_rule.get(name, [])) for name in names]
    return {"name": classname, "cases": cases,
            "failures": sum(c["kind"] == "failure" for c in cases),
            "errors": sum(c["kind"] == "error" for c in cases)}


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
TAIL = "</testsuites>\n"


class Stream:
    """The report written a ``testsuite`` (one document) at a time."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.template = environment().get_template("junit-suite.xml.j2")
        self.common = {"timestamp": (ctx.started or datetime.now().isoformat())[:19],
                       "hostname": platform.node() or "localhost", "version": ctx.tool_version}
        self.count = 0

    def begin(self) -> str:
        return HEAD

    def result(self, result: Any) -> str:
        self.count += 1
        return str(self.template.render(s=suite(result, self.ctx.root), index=self.count - 1,
                                        **self.common))

    def end(self, summary: Any) -> str:
        return TAIL


def stream(ctx: Any) -> Stream:
    return Stream(ctx)


def render(results: list[Any], summary: Any, ctx: Any) -> str:
    return render_stream(stream(ctx), results, summary)
