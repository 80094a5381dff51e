"""Text from documents and third-party packs never reaches a terminal as a live escape
sequence (ESC, OSC, BEL), a bidirectional override or a Unicode line separator."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from policylint.finding import Finding
from policylint.run.runner import FileResult
from tests.test_cli_check import VALID
from tests.test_hostile_output import render

#: A title/OSC sequence that would rename the terminal, a bell, colour, a right-to-left
#: override, an isolate and the two Unicode separators.
HOSTILE = "\x1b]0;pwned\x07\x1b[31mred\u202eevil\u2066iso\u2069\u2028line\u2029para"
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029", "\x9b")


def _yaml(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (YAML forbids these characters raw)."""
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + '"'


def _clean(output: str) -> None:
    assert not [c for c in RAW if c in output], repr(output)


@pytest.fixture
def hostile_doc(write: Any) -> Path:
    # An unknown key is quoted back in a finding's message (schema-unknown-key).
    return write("hostile.yaml", VALID + f"{_yaml('key' + HOSTILE)}: 1\n")


@pytest.mark.parametrize("fmt", ["markdown", "text", "concise", "github"])
def test_check_outputs_escape_what_a_document_says(run_cli: Any, hostile_doc: Path, fmt: str) -> None:
    result = run_cli("check", "-f", fmt, str(hostile_doc))
    assert result.exit_code == 1, result.output
    assert "pwned" in result.output  # the text is shown, escaped
    _clean(result.output)


@pytest.mark.parametrize("fmt", ["text", "concise", "markdown", "github"])
def test_bidi_overrides_and_separators_are_escaped_in_messages(fmt: str) -> None:
    f = Finding(file="a.yaml", rule="r", severity="error", message=HOSTILE, citation=HOSTILE)
    out = render(fmt, FileResult("a.yaml", [f]))
    _clean(out)
    if fmt != "markdown":
        assert "\\u202e" in out and "\\u2028" in out


def test_diff_escapes_what_a_document_says(run_cli: Any, write: Any, hostile_doc: Path) -> None:
    old = write("old.yaml", VALID)
    for fmt in ("markdown", "html"):
        result = run_cli("diff", str(old), str(hostile_doc), "-f", fmt)
        assert result.exit_code == 0, result.output
        _clean(result.output)


def test_compare_escapes_what_a_document_says(run_cli: Any, write: Any) -> None:
    doc = write("odd.yaml", VALID.replace("name: Example Police Department", "name: " + _yaml("Town" + HOSTILE)))
    for fmt in ("markdown", "html"):
        result = run_cli("compare", str(doc), "-f", fmt)
        assert "pwned" in result.output, fmt
        _clean(result.output)


RULE = textwrap.dedent("""\
    id: odd-rule
    title: {title}
    topics: [civil_detainer_hold]
    severity: warning
    given: provisions.civil_detainer_hold
    fail: {{path: "@.quote", matches: 'zzz'}}
    message: {title}
    rationale: {title}
    law: {{citation: {title}}}
    remediation: {{text: {title}}}
    examples:
      pass:
        - document: "provisions: {{civil_detainer_hold: {{quote: b}}}}"
      fail:
        - document: "provisions: {{civil_detainer_hold: {{quote: zzz}}}}"
          findings: [{{at: /provisions/civil_detainer_hold, line: 1}}]
    """)
PACK = textwrap.dedent("""\
    id: odd-pack
    title: {title}
    jurisdiction: any
    status: advisory
    description: {title}
    sources: [{{citation: {title}, seen: false}}]
    rules:
      - {{rule: odd-rule, severity: warning}}
    """)


def test_rules_explain_and_packs_escape_what_a_pack_says(run_cli: Any, tmp_path: Path) -> None:
    title = _yaml("Odd " + HOSTILE)
    rules = tmp_path / "rules"
    (rules / "odd").mkdir(parents=True)
    (rules / "odd" / "odd-rule.yaml").write_text(RULE.format(title=title), encoding="utf-8")
    (rules / "packs").mkdir()
    (rules / "packs" / "odd-pack.yaml").write_text(PACK.format(title=title), encoding="utf-8")
    for args in (("rules", "--rules-dir", str(rules)), ("rules", "--rules-dir", str(rules), "-f", "markdown"),
                 ("rules", "--rules-dir", str(rules), "--pack", "odd-pack"),
                 ("explain", "--rules-dir", str(rules), "odd-rule"),
                 ("packs", "--rules-dir", str(rules))):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "pwned" in result.output, args
        _clean(result.output)


def test_error_messages_escape_what_they_quote(run_cli: Any, write: Any) -> None:
    doc = write("a.yaml", VALID)
    result = run_cli("check", "--pack", "x" + HOSTILE, str(doc))
    assert result.exit_code == 2 and "unknown pack" in result.output
    _clean(result.output)


# -- JSON outputs: the same characters as `\uXXXX` escapes, which read back unchanged ---------


def _clean_json(output: str) -> str:
    """The strings of JSON ``output``, joined, once it is checked to carry no raw character."""
    import json

    _clean(output)
    assert "\\u202e" in output

    def strings(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in (k, *strings(v))]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    return "\n".join(strings(json.loads(output)))


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab"])
def test_check_json_outputs_escape_what_a_document_says(run_cli: Any, hostile_doc: Path, fmt: str) -> None:
    result = run_cli("check", "-f", fmt, str(hostile_doc))
    assert result.exit_code == 1, result.output
    assert HOSTILE in _clean_json(result.stdout)  # the same text, once parsed


def test_diff_and_compare_json_escape_what_a_document_says(run_cli: Any, write: Any, hostile_doc: Path) -> None:
    old = write("old.yaml", VALID)
    result = run_cli("diff", str(old), str(hostile_doc), "-f", "json")
    assert result.exit_code == 0, result.output
    assert HOSTILE in _clean_json(result.stdout)
    doc = write("odd.yaml", VALID.replace("name: Example Police Department", "name: " + _yaml("Town" + HOSTILE)))
    compared = run_cli("compare", str(doc), "-f", "json")
    assert "pwned\x07\x1b[31mred\u202eevil" in _clean_json(compared.stdout)


def test_rules_and_packs_json_escape_what_a_pack_says(run_cli: Any, tmp_path: Path) -> None:
    title = _yaml("Odd " + HOSTILE)
    rules = tmp_path / "rules"
    (rules / "odd").mkdir(parents=True)
    (rules / "odd" / "odd-rule.yaml").write_text(RULE.format(title=title), encoding="utf-8")
    (rules / "packs").mkdir()
    (rules / "packs" / "odd-pack.yaml").write_text(PACK.format(title=title), encoding="utf-8")
    for args in (("rules", "--rules-dir", str(rules), "-f", "json"),
                 ("rules", "--rules-dir", str(rules), "--pack", "odd-pack", "-f", "json"),
                 ("packs", "--rules-dir", str(rules), "-f", "json")):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "Odd " + HOSTILE in _clean_json(result.stdout), args
