"""Fuzz the loader: arbitrary text and bytes never raise, positions stay inside the file, and
data written as YAML reads back as the same data with every value where it was written."""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import share

from policylint.load.document import join
from policylint.load.loader import Limits, load_bytes, load_text

SMALL = Limits(max_nodes=2_000, max_depth=20, max_string=5_000)

# Pieces of YAML syntax, so random sequences reach the parser's corners far more often than
# random characters would.
TOKENS = [
    "\n", "  ", "- ", "? ", ": ", ":", ",", "[", "]", "{", "}", "#", "&a ", "*a", "&b ", "*b",
    "<<: ", "!!str ", "!!python/object:os.system ", "!tag ", "|", ">", "|-", ">+2", '"', "'",
    "\\", "\\u00e9", "\\x00", "\\ud800", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! x\n", "key",
    "value", "policylint", "agency", "provisions", "1", "0x1F", "1_000", ".inf", "-.nan", "~",
    "null", "yes", "on", "2024-01-01", "2024-13-45", "é", "\t", "\r\n", "\u2028", "\ufeff",
    "\x85", "\x1b[31m", "\u202e", "𝒳", "\x00",
]
yamlish = st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=60).map("".join)


def yaml_lines(text: str) -> list[str]:
    """The lines as YAML counts them (its marks do): \r\n, \r, \n, NEL, LS and PS end one."""
    return re.split("\r\n|[\r\n\x85\u2028\u2029]", text)


def _check(result: Any, text: str) -> None:
    lines = yaml_lines(text)
    for f in result.findings:
        assert f.file and f.rule and f.message and f.severity in ("error", "warning", "info")
        assert 1 <= f.line <= len(lines) + 1, (f, len(lines))
        assert f.column >= 1 and f.end_line >= f.line
        if f.line <= len(lines):
            assert f.column <= len(lines[f.line - 1]) + 2, f
    doc = result.document
    if doc is not None:
        json.dumps(doc.data, allow_nan=True)  # plain JSON-compatible data
        assert isinstance(doc.data, dict)
        for pointer in _pointers(doc.data):
            span = doc.span(pointer)
            assert 1 <= span.line <= len(lines) + 1 and span.column >= 1


def _pointers(data: Any, base: str = "", limit: int = 200) -> list[str]:
    out = [base]
    if isinstance(data, dict):
        items: Any = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return out
    for key, value in items:
        if len(out) >= limit:
            break
        out += _pointers(value, join(base, key), limit - len(out))
    return out


@share(3)
@given(st.text())
def test_any_text_loads_or_says_why(text: str) -> None:
    _check(load_text(text, "fuzz.yaml", SMALL), text)


@share(4)
@given(yamlish)
def test_yaml_like_text_loads_or_says_why(text: str) -> None:
    _check(load_text(text, "fuzz.yaml", SMALL), text)


@share(2)
@given(st.binary(max_size=300))
def test_any_bytes_load_or_say_why(raw: bytes) -> None:
    result = load_bytes(raw, "fuzz.yaml", SMALL)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    assert result.document is not None or result.findings
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1
        assert f.line <= len(yaml_lines(text)) + 1


@share(2)
@given(yamlish)
def test_the_pure_parser_agrees_on_whether_text_loads(text: str) -> None:
    # Deep-nesting limits above what libyaml survives send text to the pure-Python parser;
    # it must never raise either.
    result = load_text(text, "fuzz.yaml", Limits(max_depth=20_000, max_nodes=2_000))
    _check(result, text)


# PyYAML's emitter mangles line separators and control characters in quoted text (its bug,
# not the loader's), so the round trip writes text without them.
WRITABLE = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85")
KEYS = st.text(WRITABLE, min_size=1, max_size=12)
SCALARS = (st.none() | st.booleans() | st.integers() | st.text(WRITABLE, max_size=40)
           | st.floats(allow_nan=False) | st.dates().map(datetime.date.isoformat))
DATA = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(KEYS, kids, max_size=4), max_leaves=25)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@share(2)
@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=5), st.booleans())
def test_written_data_reads_back_with_every_value_at_its_place(data: dict[str, Any], flow: bool) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False, width=60)
    result = load_text(text, "round.yaml")
    assert result.findings == []
    doc = result.document
    assert doc is not None and _same(doc.data, data)
    lines = yaml_lines(text)
    for pointer in _pointers(data):
        span = doc.span(pointer)
        assert 1 <= span.line <= len(lines) + 1
        value = _value(data, pointer)
        if pointer and isinstance(value, str) and value:
            # The span covers the written scalar: reading it alone gives the value back.
            if span.line != span.end_line:
                continue
            piece = lines[span.line - 1][span.column - 1: span.end_column - 1]
            if piece and not piece.startswith(("|", ">")):
                assert yaml.safe_load(piece) == value


def _value(data: Any, pointer: str) -> Any:
    from policylint.load.document import resolve

    return resolve(data, pointer)


@settings(max_examples=20)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=2, max_value=6))
def test_alias_expansion_is_counted(levels: int, width: int) -> None:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    size, total = 1 + width, 1 + (1 + width)  # the root mapping, then the first list
    for _ in range(levels):
        size = 1 + width * size  # each alias expands to a full copy of the level below
        total += size
    result = load_text("\n".join(lines), "bomb.yaml", Limits(max_nodes=5_000))
    if total > 5_000:
        assert result.document is None and result.findings[-1].rule == "yaml-too-many-nodes"
    else:
        assert result.document is not None
