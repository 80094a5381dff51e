"""GitHub workflow commands: exact escaping (round-trips hostile text), the 10-per-type cap
(most severe first), the job summary, and automatic selection inside GitHub Actions."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from policylint.finding import Finding
from policylint.report import RenderContext, Reporter
from policylint.report.github import annotation, command, escape_data, escape_property, render, select
from policylint.run.api import default_outputs
from policylint.run.runner import FileResult, Summary


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a command the way the Actions runner does, then unescape it."""
    assert line.startswith("::")
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, True)
    return name, properties, unescape(data, False)


def unescape(text: str, prop: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")] + ([("%3A", ":"), ("%2C", ",")] if prop else [])
    for code, char in pairs + [("%25", "%")]:
        text = text.replace(code, char)
    return text


@given(st.text(), st.text())
def test_hostile_text_round_trips_and_stays_on_one_line(message, title):
    line = command("error", {"file": "a,b:c.yaml", "title": title}, message)
    assert "\n" not in line and "\r" not in line
    name, props, data = parse(line)
    assert name == "error" and data == message
    assert props["file"] == "a,b:c.yaml"
    if title:
        assert props["title"] == title


def test_escaping_matches_the_toolkit_exactly():
    assert escape_data("100% :: a,b\r\nx") == "100%25 :: a,b%0D%0Ax"
    assert escape_property("100% :: a,b\r\nx") == "100%25 %3A%3A a%2Cb%0D%0Ax"


def finding(severity: str, line: int, message: str = "m", **kw) -> Finding:
    return Finding(file="p.yaml", rule=f"r-{severity}", severity=severity, message=message,
                   line=line, column=3, end_line=line, end_column=9, **kw)


def test_annotation_has_one_based_position_and_rule_title():
    name, props, data = parse(annotation(finding("warning", 4, "x\n::error::injected"), "."))
    assert name == "warning"
    assert props == {"file": "p.yaml", "line": "4", "col": "3", "endColumn": "9",
                     "title": "policylint [r-warning]"}
    assert data == "x\n::error::injected"


def test_multi_line_annotation_sends_end_line_and_no_columns():
    f = finding("error", 2).with_(end_line=5, end_column=2)
    _, props, _ = parse(annotation(f, "."))
    assert props["endLine"] == "5" and "col" not in props


def test_at_most_ten_per_type_most_severe_first():
    findings = [finding("info", n) for n in range(1, 13)] + [finding("error", n) for n in range(1, 15)] \
        + [finding("warning", n) for n in range(1, 4)]
    kept, dropped = select(findings)
    assert [f.severity for f in kept] == ["error"] * 10 + ["warning"] * 3 + ["info"] * 10
    assert dropped == 4 + 2


def test_render_caps_annotations_and_lists_the_rest_with_commands_stopped():
    hostile = "::error file=x::fake"
    result = FileResult("p.yaml", [finding("error", n, f"{hostile}\n{hostile}") for n in range(1, 13)])
    summary = Summary()
    summary.add(result)
    out = render([result], summary, RenderContext(root="."))
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    end = lines.index(f"::{token}::")
    assert token not in "\n".join(lines[start + 1:end])
    # The listing comes first (it is written as results arrive), the annotations after it.
    assert sum(1 for ln in lines[end:] if ln.startswith("::error ")) == 10
    # Outside the stopped block, no line starts a command that we did not write.
    outside = lines[:start] + lines[end:]
    assert all(not re.match(r"\s*::", ln) or ln.startswith(("::error ", "::group::", "::endgroup::", f"::{token}::"))
               for ln in outside)


def test_suppressed_findings_are_not_annotated():
    result = FileResult("p.yaml", [finding("error", 1, suppressed="why"), finding("error", 2, baseline="unchanged")])
    summary = Summary()
    summary.add(result)
    assert "::error " not in render([result], summary, RenderContext(root="."))


def test_job_summary_is_appended_as_markdown(tmp_path, monkeypatch, capsys):
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n", encoding="utf-8")
    ctx = RenderContext(root=".", step_summary=str(summary_file))
    reporter = Reporter("github", None, ctx)
    result = FileResult("p.yaml", [finding("error", 1, "a | b <script>")])
    summary = Summary()
    summary.add(result)
    reporter.add(result)
    reporter.close(summary)
    text = summary_file.read_text("utf-8")
    assert text.startswith("earlier step\n")
    assert "a \\| b &lt;script&gt;" in text
    assert "::error " in capsys.readouterr().out


def test_github_is_the_default_inside_github_actions():
    assert default_outputs({"GITHUB_ACTIONS": "true"}) == (("github", None),)
    assert default_outputs({}) == (("text", None),)


def test_check_picks_github_format_from_the_environment(run_cli, write, monkeypatch):
    doc = write("d.yaml", "policylint: 1\nagency: {name: X, kind: bogus, state: MA}\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = run_cli("check", "--isolated", str(doc))
    assert "::error file=" in result.output


def test_the_job_summary_is_never_appended_to_a_file_the_run_reads(run_cli, write, tmp_path, monkeypatch):
    # $GITHUB_STEP_SUMMARY is a link to the policy being checked: appending would write
    # Markdown into it.  It goes through the guarded writer: refused, exit 2, file unchanged.
    doc = write("d.yaml", "policylint: 1\nagency: {name: X, kind: bogus, state: MA}\n")
    before = doc.read_bytes()
    link = tmp_path / "summary.md"
    link.symlink_to(doc)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(link))
    result = run_cli("check", "--isolated", str(doc))
    assert result.exit_code == 2
    assert "is an input of this run; policylint never writes over what it reads" in result.output
    assert doc.read_bytes() == before


def test_a_job_summary_that_cannot_be_written_is_a_usage_error(run_cli, write, tmp_path, monkeypatch):
    doc = write("d.yaml", "policylint: 1\nagency: {name: X, kind: bogus, state: MA}\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder
    result = run_cli("check", "--isolated", str(doc))
    assert result.exit_code == 2
    assert f"cannot write {tmp_path}: it is a folder" in result.output
    assert "Traceback" not in result.output
