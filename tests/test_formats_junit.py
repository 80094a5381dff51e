"""JUnit XML: valid against both community XSDs, one testcase per document × rule with a
unique classname+name, hostile text escaped (control characters included)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policylint.finding import Finding
from policylint.report import RenderContext
from policylint.report.junit import render
from policylint.run.runner import FileResult, Summary

REPO = Path(__file__).resolve().parents[1]
FORMATS = Path(__file__).resolve().parents[2] / "shared" / "formats"
XSDS = ("junit-10.xsd", "windyroad-JUnit.xsd")
HOSTILE = 'a <b> & "c" \x1b[31m\x00 ]]> \ud7ff'


def sample() -> str:
    f = Finding(file="docs/a.yaml", rule="r1", severity="error", message=HOSTILE, path="/x",
                line=2, column=1, end_line=2, end_column=3, citation="8 C.F.R. § 287.7")
    results = [
        FileResult("docs/a.yaml", [f, f.with_(line=5), f.with_(rule="r2", severity="warning"),
                                   f.with_(rule="r3", suppressed="why")],
                   outcomes={"r1": "fail", "r2": "fail", "r3": "fail", "r4": "pass", "r5": "not_applicable"}),
        FileResult("docs/b.yaml", [f.with_(file="docs/b.yaml", rule="yaml-syntax", input_error=True)]),
        FileResult("docs/c.yaml", []),
    ]
    summary = Summary()
    for r in results:
        summary.add(r)
    return render(results, summary, RenderContext(root=".", started="2026-01-02T03:04:05.123"))


@pytest.mark.parametrize("xsd", XSDS)
def test_valid_against_both_xsds(xsd):
    xmlschema = pytest.importorskip("xmlschema")
    if not (FORMATS / xsd).is_file():
        pytest.skip("the shared JUnit schemas are not beside the repository")
    xmlschema.XMLSchema(str(FORMATS / xsd)).validate(sample())


def test_one_testcase_per_document_and_rule():
    root = ET.fromstring(sample())
    cases = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(cases) == len(set(cases))
    assert ("docs/a.yaml", "r1") in cases and ("docs/a.yaml", "r4") in cases
    assert ("docs/a.yaml", "r5") not in cases  # not applicable is not a test
    assert ("docs/c.yaml", "policylint") in cases
    suite = root.find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "2" and suite.get("errors") == "0"
    r1 = next(c for c in root.iter("testcase") if c.get("name") == "r1")
    failure = r1.find("failure")
    assert failure.get("message").startswith("2 findings")
    assert "2:1 /x" in failure.text and "5:1 /x" in failure.text and "§ 287.7" in failure.text
    r3 = next(c for c in root.iter("testcase") if c.get("name") == "r3")
    assert r3.find("failure") is None  # suppressed: passes
    b = [s for s in root.iter("testsuite") if s.get("name") == "docs/b.yaml"][0]
    assert b.get("errors") == "1" and b.find("testcase/error") is not None


def test_hostile_text_is_escaped_and_control_characters_replaced():
    text = sample()
    root = ET.fromstring(text)  # parses: no raw < & or control characters
    message = next(root.iter("failure")).get("message")
    assert "<b>" in message and "\x1b" not in message and "\x00" not in message
    assert "\ufffd" in message


def test_examples_validate(run_cli, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    if not (FORMATS / XSDS[0]).is_file() or not any((REPO / "examples").glob("**/*.yaml")):
        pytest.skip("needs the shared schemas and the examples")
    out = tmp_path / "junit.xml"
    run_cli("check", "--isolated", str(REPO / "examples"), "-f", f"junit:{out}")
    for xsd in XSDS:
        xmlschema.XMLSchema(str(FORMATS / xsd)).validate(str(out))
