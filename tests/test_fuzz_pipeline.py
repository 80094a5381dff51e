"""Fuzz the whole check: documents built from the policy schema (most of them valid, some
bent out of shape, all full of hostile text) go through validation, every shipped rule and
every output format without an exception, and every finding points inside its file."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_profiles import share

from policylint.report import FORMATS, RenderContext, format_module
from policylint.rules import deadline
from policylint.run.api import check_text
from policylint.run.runner import FileResult, Summary
from policylint.schema.validate import policy_schema

NASTY = ["::error::x", "\x1b[31m", "<script>", "=cmd|' /C calc'!A0", "@here", "|", "\u202e",
         "{{ 7*7 }}", "%0A", "]]>", "\\", "\t", "é", "𝒳", "public safety", "national security",
         "judicial warrant", "8 U.S.C. § 1357(g)", "Lunn v. Commonwealth, 477 Mass. 517 (2017)"]
TEXT = (st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
        | st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map(" ".join))
JUNK = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(TEXT, kids, max_size=3),
                    max_leaves=8)


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def from_schema(node: dict[str, Any], root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values the schema describes; one in ten is replaced by something it does not."""
    node = _resolve(node, root)
    valid = _valid(node, root, depth)
    return st.integers(0, 9).flatmap(lambda n: JUNK if n == 0 else valid)


def _valid(node: dict[str, Any], root: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return st.one_of([from_schema(n, root, depth) for n in node[key]])
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of([_valid({**node, "type": k}, root, depth) for k in kind])
    if kind == "object" or "properties" in node:
        if depth > 5:
            return st.just({})
        props = node.get("properties", {})
        required = set(node.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, root, depth + 1) for k, v in props.items() if k in required},
            optional={k: from_schema(v, root, depth + 1) for k, v in props.items() if k not in required})
    if kind == "array":
        items = node.get("items", {})
        return st.lists(from_schema(items, root, depth + 1) if items else JUNK, max_size=3)
    if kind == "string":
        if node.get("format") == "date" or "date" in node.get("description", "").lower()[:40]:
            return st.dates().map(lambda d: d.isoformat()) | TEXT
        return TEXT
    if kind == "integer":
        return st.integers(-5, 200_000)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return JUNK


DOCUMENTS = from_schema(policy_schema(), policy_schema())


def _lines(text: str) -> list[str]:
    return re.split("\r\n|[\r\n\x85\u2028\u2029]", text)


def render_all(result: FileResult, tmp: str) -> dict[str, str]:
    summary = Summary()
    summary.add(result)
    ctx = RenderContext(color=False, tool_version="1.0.0", root=tmp, started="2026-01-01T00:00:00")
    out = {}
    for name in FORMATS:
        module = format_module(name)
        if getattr(module, "STREAM", False):
            out[name] = module.render_file(result, ctx) + module.render_summary(summary, ctx)
        else:
            out[name] = module.render([result], summary, ctx)
    return out


@share(1.5)
@given(DOCUMENTS, st.booleans())
def test_any_document_shape_is_checked_and_reported_in_every_format(data: Any, flow: bool) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False)
    with deadline.budget(20):  # a hang fails the test instead of stalling the suite
        result = check_text(text, "fuzz.yaml")
    lines = _lines(text)
    for f in result.findings:
        assert f.file == "fuzz.yaml" and f.message
        assert 1 <= f.line <= len(lines) + 1, f
        assert f.column >= 1 and (f.end_line, f.end_column) >= (f.line, f.column - 1), f
    assert not any(f.rule == "rule-timeout" for f in result.findings)
    outputs = render_all(result, str(Path.cwd()))
    json.loads(outputs["json"])
    json.loads(outputs["sarif"])
    json.loads(outputs["gitlab"])
    ET.fromstring(outputs["junit"].encode("utf-8"))
    for name in ("text", "concise"):
        assert "\x1b" not in outputs[name]
        assert not any(line.startswith("::") for line in outputs[name].split("\n"))


@share(1)
@given(st.dictionaries(TEXT, JUNK, max_size=6))
def test_documents_of_any_shape_never_raise(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    result = check_text(text, "junk.yaml")
    assert all(f.line >= 1 and f.column >= 1 for f in result.findings)
