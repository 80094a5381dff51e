"""Fuzz every output format with findings full of hostile text: each output parses back in its
own format, carries the text intact or escaped, and never lets policy text act as markup, a
CI command, a spreadsheet formula or a terminal control sequence."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_profiles import share

from policylint.finding import Finding
from policylint.report import FORMATS, RenderContext, format_module
from policylint.report.environment import control_safe
from policylint.run.runner import FileResult, Summary

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "formats" / "sarif-schema-2.1.0.json"

NASTY = [
    "::error::injected", "\n::error file=x,line=1::injected", "%0A::warning::x", "::stop-commands::x",
    "\x1b[31mred\x1b[0m", "\x1b]8;;http://evil\x07link\x1b]8;;\x07", "\x9b31m", "\r", "\r\n",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]></failure><x>", "&amp;",
    '"', "'", "`", "|", "\\|", "=HYPERLINK(\"http://evil\")", "+1", "-1", "@SUM(A1)",
    "@here", "#", "[link](http://evil)", "**bold**", "\u202e", "\u2028", "\x85", "\x00", "\ufffe",
    "{{ 7*7 }}", "${{ secrets.TOKEN }}", "a" * 300, "é", "𝒳", "\t",
]
# Text a YAML file can carry (no lone surrogates: the loader never produces them).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
NASTY_TEXT = st.lists(st.sampled_from(NASTY) | TEXT, min_size=1, max_size=4).map("".join)
RULES = st.sampled_from(["detainer-hold-prohibited", "schema-unknown-key", "yaml-syntax",
                         "input-binary", "rule-timeout", "no-287g"])


@st.composite
def findings(draw: Any, file: str) -> Finding:
    line = draw(st.integers(1, 10_000))
    end_line = line + draw(st.integers(0, 3))
    return Finding(
        file=file, rule=draw(RULES), severity=draw(st.sampled_from(["error", "warning", "info"])),
        message=draw(NASTY_TEXT), path=draw(st.none() | NASTY_TEXT) or "", line=line,
        column=draw(st.integers(1, 500)), end_line=end_line, end_column=draw(st.integers(1, 500)),
        citation=draw(st.none() | NASTY_TEXT), url=draw(st.none() | st.just("https://example.org/a?b=c&d")),
        snippet=draw(st.none() | NASTY_TEXT), input_error=draw(st.booleans()),
        suppressed=draw(st.none() | NASTY_TEXT), meta=(("value_hash", "0" * 16),))


@st.composite
def runs(draw: Any) -> list[FileResult]:
    names = draw(st.lists(NASTY_TEXT.map(lambda s: s + ".yaml"), min_size=1, max_size=3, unique=True))
    return [FileResult(name, draw(st.lists(findings(name), max_size=5))) for name in names]


def render(name: str, results: list[FileResult], tmp: Path, color: bool = False) -> str:
    summary = Summary()
    for r in results:
        summary.add(r)
    ctx = RenderContext(color=color, tool_version="1.0.0", root=str(tmp), started="2026-01-01T00:00:00")
    module = format_module(name)
    if getattr(module, "STREAM", False):
        return "".join(module.render_file(r, ctx) for r in results) + module.render_summary(summary, ctx)
    return module.render(results, summary, ctx)


def active(results: list[FileResult]) -> list[Finding]:
    return [f for r in results for f in r.active]


# What a terminal or a CI runner acts on (Unicode line separators are only displayed).
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check_no_commands(text: str) -> None:
    """No line a CI runner would read as a workflow command or a terminal control sequence."""
    assert not _TERMINAL_BAD.search(text), repr(_TERMINAL_BAD.search(text))
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##vso[" not in line and "##[" not in line, line


def test_every_format_is_fuzzed() -> None:
    assert set(FORMATS) == {"text", "concise", "json", "sarif", "github", "gitlab", "junit", "markdown"}


@share(1.5)
@given(runs())
def test_text_and_concise_are_inert_in_a_terminal_and_a_ci_log(results: list[FileResult]) -> None:
    for name in ("text", "concise"):
        check_no_commands(render(name, results, Path("/nonexistent")))
    # In colour, the only escape sequences are our own SGR codes around whole values.
    coloured = render("text", results, Path("/nonexistent"), color=True)
    check_no_commands(re.sub(r"\x1b\[[0-9;]*m", "", coloured))


@share(1.5)
@given(runs())
def test_json_parses_back_to_the_same_findings(results: list[FileResult]) -> None:
    data = json.loads(render("json", results, Path("/nonexistent")))
    got = [f["message"] for item in data["files"] for f in item["findings"]]
    assert got == [f.message for r in results for f in r.findings]


@share(1)
@given(runs())
def test_sarif_is_valid_and_keeps_every_message(results: list[FileResult]) -> None:
    log = json.loads(render("sarif", results, Path("/nonexistent")))
    if SARIF_SCHEMA.exists():
        import jsonschema

        jsonschema.validate(log, _sarif_schema())
    texts = [r["message"]["text"] for r in log["runs"][0]["results"]]
    assert [t.split("\n\nLaw: ")[0] for t in texts] == [f.message for r in results for f in r.findings]


_SCHEMA_CACHE: dict[str, Any] = {}


def _sarif_schema() -> Any:
    if "sarif" not in _SCHEMA_CACHE:
        _SCHEMA_CACHE["sarif"] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return _SCHEMA_CACHE["sarif"]


@share(1.5)
@given(runs())
def test_gitlab_is_a_json_array_with_every_active_finding(results: list[FileResult]) -> None:
    issues = json.loads(render("gitlab", results, Path("/nonexistent")))
    assert [i["description"].split(" (Law: ")[0] for i in issues] == [f.message for f in active(results)]
    assert len({i["fingerprint"] for i in issues}) == len(issues)


_XML_NORMAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@share(1.5)
@given(runs())
def test_junit_is_well_formed_xml_that_keeps_the_text(results: list[FileResult]) -> None:
    root = ET.fromstring(render("junit", results, Path("/nonexistent")).encode("utf-8"))
    messages = [el.get("message") for el in root.iter() if el.tag in ("failure", "error")]
    for message in messages:
        assert message is not None
    one = [r.active[0].message for r in results if len(r.active) == 1]
    for text in one:
        # Attribute values: non-XML characters become U+FFFD, line ends become spaces.
        expected = re.sub("[\t\n\r]", " ", _XML_NORMAL.sub("\ufffd", text.replace("\r\n", "\n")))
        assert expected in messages, (expected, messages)


_ESCAPES = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def _unescape(text: str) -> str:
    return re.sub("%25|%0D|%0A|%3A|%2C", lambda m: _ESCAPES[m.group()], text)


@share(1.5)
@given(runs())
def test_github_annotations_are_one_command_each_and_policy_text_runs_no_command(
        results: list[FileResult]) -> None:
    out = render("github", results, Path("/nonexistent"))
    lines = out.split("\n")
    commands = [ln for ln in lines if ln.startswith("::")]
    stop = next((ln for ln in commands if ln.startswith("::stop-commands::")), None)
    allowed = re.compile(r"::(error|warning|notice)( [^:]*)?::|::group::policylint|::endgroup::|"
                         r"::stop-commands::policylint-[0-9a-f]{24}$|::policylint-[0-9a-f]{24}::$")
    inside = False
    for ln in lines:
        if stop and ln == stop:
            inside = True
            continue
        if stop and ln == "::" + stop.split("::")[2] + "::":
            inside = False
            continue
        if not inside and ln.startswith("::"):
            assert allowed.match(ln), ln
        if not inside:
            assert not _TERMINAL_BAD.search(ln), repr(ln)
    annotations = [ln for ln in commands if allowed.match(ln) and ln.split("::")[1].split(" ")[0]
                   in ("error", "warning", "notice")]
    for ln in annotations:
        _, _, message = ln[2:].partition("::")
        assert _unescape(message).split("\n\nLaw: ")[0] in {control_safe(f.message) for f in active(results)}
    assert len(annotations) == min(len(active(results)), 30)


@share(1.5)
@given(runs())
def test_markdown_tables_keep_their_columns_and_no_html(results: list[FileResult]) -> None:
    out = render("markdown", results, Path("/nonexistent"))
    rows = [ln for ln in out.split("\n") if ln.startswith("| ") and not ln.startswith("| Rule")]
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) in (6, 4), row  # 4 columns (findings) or 2 (statistics) between pipes
    assert "<script" not in out and "<img" not in out and "](http" not in out
    assert "@here" not in out


@share(0.5)
@given(results=runs(), name=st.sampled_from(["report.html.j2", "report.xml.j2"]))
def test_user_html_and_xml_templates_autoescape(results: list[FileResult], name: str,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("tpl")
    template = tmp / name
    template.write_text("<r>{% for f in findings %}<p title=\"{{ f.file }}\">{{ f.message }}</p>"
                        "{% endfor %}</r>", encoding="utf-8")
    out = render(f"template:{template}", results, tmp)
    assert "<script" not in out and "<img" not in out
    if name.endswith(".xml.j2") and not any(_XML_NORMAL.search(f.message + f.file) for f in
                                            (f for r in results for f in r.findings)):
        ET.fromstring(out.encode("utf-8"))


@given(st.lists(NASTY_TEXT | st.none() | st.integers(), min_size=1, max_size=6))
def test_csv_cells_never_start_a_formula_and_read_back(values: list[Any]) -> None:
    from policylint.compare.render_csv import _FORMULA_START, cell

    cells = [cell(v) for v in values]
    assert not any(c.startswith(_FORMULA_START) for c in cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    assert next(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == cells


@given(NASTY_TEXT | st.sampled_from(["javascript:alert(1)", " JaVaScRiPt:x", "data:text/html,x",
                                     "vbscript:x", "https://ok.example/a", "//evil.example"]))
def test_report_links_are_only_ever_web_addresses(value: str) -> None:
    from policylint.compare.summary import safe_url

    url = safe_url(value)
    assert url is None or re.match(r"https?://", url, re.IGNORECASE)
