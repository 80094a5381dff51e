"""Formats written as results arrive: the same reports as before they streamed (byte for
byte, or as the same data where the order of JSON keys or GitHub commands changed), the same
text whether written piece by piece to a file or rendered at once, and no piece held back."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from format_equivalence import same_github, same_json, same_sarif
from format_samples import sample_context, sample_results, sample_summary

from policylint.finding import Finding
from policylint.report import Reporter, format_module, github, gitlab, markdown, sarif
from policylint.report import json as json_format
from policylint.run.runner import FileResult

SNAPSHOTS = Path(__file__).parent / "snapshots" / "formats"
FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit", "markdown")
#: Formats whose reference is compared as data (key order or command order changed when they
#: began streaming); the others byte for byte.
AS_DATA = {"json": same_json, "sarif": same_sarif, "github": same_github, "gitlab": same_json}


def render(name: str) -> str:
    results = sample_results()
    module = format_module(name)
    if getattr(module, "STREAM", False):
        ctx = sample_context()
        return "".join(module.render_file(r, ctx) for r in results) + \
            module.render_summary(sample_summary(results), ctx)
    return str(module.render(results, sample_summary(results), sample_context()))


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_gives_the_reference_report(name: str) -> None:
    """The references were written by the formats before they streamed; regenerate them with
    POLICYLINT_UPDATE_SNAPSHOTS=1 only for a deliberate change of a format."""
    path = SNAPSHOTS / f"sample.{name}"
    text = render(name)
    if os.environ.get("POLICYLINT_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8", newline="")
    reference = path.read_text(encoding="utf-8")
    if name in AS_DATA:
        assert AS_DATA[name](reference, text)
    else:
        assert text == reference


@pytest.mark.parametrize("name", FORMATS)
def test_written_piece_by_piece_to_a_file_is_the_rendered_report(name: str, tmp_path: Path) -> None:
    target = tmp_path / "out"
    reporter = Reporter(name, str(target), sample_context())
    results = sample_results()
    for r in results:
        reporter.add(r)
    reporter.close(sample_summary(results))
    written = target.read_text(encoding="utf-8")
    if name == "github":  # a random stop-commands token per run
        assert same_github(render(name), written)
    else:
        assert written == render(name)


def test_json_sarif_and_gitlab_are_the_documents_their_data_describes() -> None:
    results, ctx = sample_results(), sample_context()
    summary = sample_summary(results)
    assert json.loads(json_format.render(results, summary, ctx)) == json_format.report(results, summary)
    assert json.loads(sarif.render(results, summary, ctx)) == sarif.report(results, summary, ctx)
    assert json.loads(gitlab.render(results, summary, ctx)) == gitlab.report(results, ctx)
    empty = sample_summary([])
    assert json.loads(json_format.render([], empty, ctx)) == json_format.report([], empty)
    assert json.loads(sarif.render([], empty, ctx))["runs"][0]["results"] == []
    assert gitlab.render([], empty, ctx) == "[]\n"


def test_a_piece_is_written_before_the_next_result_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing waits for the end of the run: after each result its text has been written."""
    results = sample_results()
    for name in ("json", "sarif", "gitlab", "junit", "github"):
        reporter = Reporter(name, None, sample_context())
        written = []
        for r in results:
            reporter.add(r)
            written.append(len(capsys.readouterr().out))
        reporter.close(sample_summary(results))
        # Every result with something to report was written as it arrived.
        assert sum(n > 0 for n in written) >= 3, (name, written)


def test_github_annotations_chosen_as_results_arrive_are_the_ones_chosen_at_once() -> None:
    rng = random.Random(7)
    findings = [Finding(file=f"d{rng.randrange(5)}.yaml", rule=f"r{rng.randrange(3)}",
                        severity=rng.choice(("error", "warning", "info")), message=str(n),
                        line=rng.randrange(1, 9), column=rng.randrange(1, 3)) for n in range(400)]
    selection = github.Selection()
    for start in range(0, len(findings), 7):
        selection.add(findings[start:start + 7])
    ordered = sorted(findings, key=github._order)
    expected = [f for f in ordered if sum(g.severity == f.severity for g in ordered[:ordered.index(f)]) < 10]
    kept, dropped = selection.chosen()
    assert [f.message for f in kept] == [f.message for f in expected]
    assert dropped == len(findings) - 30


def test_step_summary_stays_under_githubs_limit_and_says_what_it_left_out() -> None:
    ctx = sample_context()
    big = [FileResult(f"p{n}.yaml", [Finding(file=f"p{n}.yaml", rule="r", severity="warning",
                                             message="x" * 500, line=k) for k in range(1, 30)])
           for n in range(200)]
    summary = sample_summary(big)
    limit = 64 * 1024
    stream = markdown.stream(ctx, limit=limit)
    body = "".join(stream.result(r) for r in big)
    text = stream.begin() + stream.head(summary) + body + stream.end(summary)
    assert len(text.encode("utf-8")) <= limit
    listed = text.count("\n#### ")
    assert 0 < listed < 200
    assert f"{200 - listed} more file(s) with findings are not listed" in text
    assert text.startswith("### policylint\n\n**5800 problems**")


def test_job_summary_appended_by_the_github_format_is_the_markdown_report(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n", encoding="utf-8")
    results = sample_results()
    reporter = Reporter("github", None, sample_context(step_summary=str(summary_file)))
    for r in results:
        reporter.add(r)
    reporter.close(sample_summary(results))
    expected = markdown.render(results, sample_summary(results), sample_context())
    assert summary_file.read_text("utf-8") == "earlier step\n" + expected + "\n"
    assert "::error " in capsys.readouterr().out
