"""Loader: exact positions, and every YAML hazard ends in a clear finding, fast."""

from __future__ import annotations

import time

import pytest

from policylint.load.loader import Limits, load_bytes, load_text

DOC = """\
policylint: 1
agency:
  name: Quincy Police Department
  state: MA
provisions:
  status_database_query:
    value: routine_at_booking
    exceptions:
      - kind: public_safety
        bounded: false
"""


def rules(result):
    return [(f.rule, f.line, f.column) for f in result.findings]


def test_positions_of_mappings_sequences_and_scalars():
    doc = load_text(DOC, "q.yaml").document
    assert doc.data["provisions"]["status_database_query"]["exceptions"][0]["bounded"] is False
    # scalar value
    s = doc.span("/agency/name")
    assert (s.line, s.column, s.end_line, s.end_column) == (3, 9, 3, 33)
    # mapping value starts at its first key
    assert doc.span("/provisions/status_database_query").line == 7
    # sequence item and a field inside it
    assert doc.span("/provisions/status_database_query/exceptions/0").line == 9
    assert (doc.span("/provisions/status_database_query/exceptions/0/kind").column) == 15
    # the key of a member
    k = doc.key_span("/agency/state")
    assert (k.line, k.column) == (4, 3)


def test_missing_key_points_at_the_key_naming_its_parent():
    doc = load_text(DOC, "q.yaml").document
    assert doc.span("/agency/jurisdiction") == doc.key_span("/agency")
    assert (doc.span("/agency/jurisdiction").line, doc.span("/agency/jurisdiction").column) == (2, 1)
    assert doc.span("/provisions/status_database_query/trigger").line == 6
    assert doc.span("/provisions/juveniles").line == 5
    assert not doc.exists("/agency/jurisdiction")


def test_duplicate_key_is_reported_at_the_second_occurrence():
    result = load_text("a: 1\nb: 2\na: 3\n", "d.yaml")
    assert rules(result) == [("yaml-duplicate-key", 3, 1)]
    assert "first defined on line 1" in result.findings[0].message
    assert not result.findings[0].input_error


@pytest.mark.parametrize("text, rule, line, column", [
    ("", "yaml-empty", 1, 1),
    ("# only a comment\n", "yaml-empty", 1, 1),
    ("- a\n- b\n", "yaml-not-mapping", 1, 1),
    ("just text\n", "yaml-not-mapping", 1, 1),
    ("a: [1, 2\nb: 3\n", "yaml-syntax", 1, 4),  # at the bracket left open
    ("a: 1\n---\nb: 2\n", "yaml-multiple-documents", 2, 1),
    ("a: b\nc: \x07\n", "yaml-syntax", 2, 4),
])
def test_unreadable_documents_are_input_errors(text, rule, line, column):
    result = load_text(text, "x.yaml")
    assert result.document is None
    assert [(f.rule, f.line) for f in result.findings] == [(rule, line)]
    assert result.findings[0].input_error


def test_python_tags_are_never_constructed():
    result = load_text("a: !!python/object/apply:os.system ['echo pwned']\nb: !custom x\n")
    assert [f.rule for f in result.findings] == ["yaml-tag", "yaml-tag"]
    assert result.document.data == {"a": ["echo pwned"], "b": "x"}


def test_yaml_timestamps_stay_iso_text_and_keys_keep_their_words():
    data = load_text("effective_date: 2025-02-01\non: 1\nnull: 2\n").document.data
    assert data == {"effective_date": "2025-02-01", "on": 1, "null": 2}


def test_aliases_and_merge_keys_are_expanded():
    data = load_text("base: &b {kind: public_safety}\nx:\n  <<: *b\n  bounded: false\ny: *b\n").document.data
    assert data["x"] == {"kind": "public_safety", "bounded": False}
    assert data["y"] == {"kind": "public_safety"}


def billion_laughs(levels: int = 10) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly():
    start = time.process_time()
    result = load_text(billion_laughs(), "bomb.yaml")
    assert time.process_time() - start < 5  # CPU time, generous: expanded, it never ends
    assert result.document is None
    assert result.findings[-1].rule == "yaml-too-many-nodes"


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000,   # flow nesting that crashes libyaml 0.2.5
    "- " * 100_000 + "x\n",                   # compact block nesting
    "a: " + "[" * 200 + "]" * 200,            # within the parser, beyond our limit
])
def test_deep_nesting_is_refused_quickly(text):
    start = time.process_time()
    result = load_text(text, "deep.yaml")
    assert time.process_time() - start < 5  # CPU time, generous
    assert result.document is None
    assert result.findings[-1].rule == "yaml-too-deep"


def test_depth_limit_is_configurable():
    text = "a:\n  b:\n    c: 1\n"
    assert load_text(text, limits=Limits(max_depth=2)).findings[0].rule == "yaml-too-deep"
    assert load_text(text, limits=Limits(max_depth=3)).document is not None


def test_binary_and_non_utf8_bytes():
    assert rules(load_bytes(b"\x89PNG\r\n\x1a\n\x00\x00", "p.png")) == [("input-binary", 3, 1)]
    assert rules(load_bytes(b"name: caf\xe9\n", "l1.yaml")) == [("input-encoding", 1, 10)]
    bom = load_bytes("\ufeffa: é\n".encode("utf-8"), "bom.yaml")
    assert bom.document.data == {"a": "é"} and not bom.findings
    utf16 = load_bytes("a: b\n".encode("utf-16"), "u16.yaml")
    assert utf16.document.data == {"a": "b"}


def test_size_and_string_limits():
    assert rules(load_bytes(b"a: " + b"x" * 100, "big.yaml", Limits(max_file_size=50))) == [
        ("input-too-large", 1, 1)]
    result = load_text("a: " + "x" * 200 + "\n", limits=Limits(max_string=100))
    assert rules(result) == [("yaml-string-too-long", 1, 4)]


def test_complex_keys_are_findings():
    result = load_text("? [a, b]\n: 1\nc: 2\n")
    assert [f.rule for f in result.findings] == ["yaml-complex-key"]
    assert result.document.data == {"c": 2}


@pytest.mark.parametrize("text, value, words", [
    ("a: !!int abc\n", "abc", "not a valid `!!int`"),
    ("a: !!float x\n", "x", "not a valid `!!float`"),
    ("a: !!bool maybe\n", "maybe", "not a valid `!!bool`"),
    ("a: !!map text\n", "text", "does not fit a plain value"),
    ("a: !!seq {b: 1}\n", {"b": 1}, "does not fit a mapping"),
    ("a: !!str [1]\n", [1], "does not fit a list"),
])
def test_a_standard_tag_that_does_not_fit_its_value_is_a_finding_not_a_crash(text, value, words):
    result = load_text(text, "t.yaml")
    assert result.document.data == {"a": value}
    assert [(f.rule, f.line, f.column, f.path) for f in result.findings] == [("yaml-tag", 1, 4, "/a")]
    assert words in result.findings[0].message


def test_finding_paths_are_found_in_the_tree_only_when_needed():
    text = "a:\n  - x\n  - {b: 1, b: 2}\nc: &s {d: !foo y}\ne: [*s]\n"
    result = load_text(text, "p.yaml")
    assert [(f.rule, f.path) for f in result.findings] == [
        ("yaml-duplicate-key", "/a/1/b"), ("yaml-tag", "/c/d")]


def test_the_fast_tag_resolver_answers_as_pyyaml_does():
    import yaml

    from policylint.load.loader import _COMPOSER, _Loader

    words = ["", "~", "null", "Null", "NULL", "yes", "No", "on", "OFF", "y", "n", "true", "False",
             "=", "<<", "0x1F", "0o17", "017", "1_000", "-1", "+1", ".5", "-.inf", ".NaN", "1e3",
             "1:30", "2025-02-01", "2025-02-01T10:00:00Z", "2025-2-1", "12345678901234567890",
             "-", "+", ".", "0", "text", "Yesterday", "nully", "'quoted'", '"1"', "'yes'"]
    text = "a:\n" + "".join(f"  - {w}\n" for w in words) + "b: {c: [1, {d: e}]}\n? f\n"

    def tags(node):
        yield node.tag
        for child in node.value if node.id != "scalar" else ():
            yield from (t for part in (child if isinstance(child, tuple) else (child,)) for t in tags(part))

    assert list(tags(_COMPOSER(text).get_single_node())) == list(tags(_Loader(text).get_single_node()))
    assert list(tags(_COMPOSER(text).get_single_node())) == list(tags(yaml.compose(text, Loader=yaml.SafeLoader)))


def test_a_file_read_up_to_the_cap_whatever_size_it_claims(tmp_path) -> None:
    from policylint.load.limits import read_capped

    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 100)
    for claimed, limit, expected in ((100, 1000, 100), (10, 1000, 100), (0, 1000, 100),
                                     (100, 50, 51), (10, 50, 51), (100, 100, 100), (99, 100, 100)):
        with open(path, "rb") as fh:
            assert len(read_capped(fh, claimed, limit)) == expected, (claimed, limit)
