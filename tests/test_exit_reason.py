"""A red build says why: the exit reason in text, on stderr, in the GitHub log and job
summary, in Markdown and in SARIF (valid against the OASIS schema)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policylint.finding import Finding
from policylint.report import RenderContext, github, markdown, sarif, text
from policylint.run.runner import FileResult, Summary

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO.parent / "shared" / "formats" / "sarif-schema-2.1.0.json"
EXAMPLE = REPO / "examples" / "policy-repo" / "policies"


def run(errors: int = 0, warnings: int = 0, infos: int = 0, broken: bool = False) -> tuple[list[FileResult], Summary]:
    base = Finding(file="a.yaml", rule="training-required", severity="warning", message="m",
                   path="/provisions/training/value", line=3, column=1, end_line=3, end_column=2)
    findings = ([base.with_(severity="error", line=i + 1) for i in range(errors)]
                + [base.with_(line=i + 1) for i in range(warnings)]
                + [base.with_(severity="info", line=i + 1) for i in range(infos)])
    if broken:
        findings.append(base.with_(rule="yaml-syntax", severity="error", input_error=True))
    results = [FileResult("a.yaml", findings)]
    summary = Summary()
    for r in results:
        summary.add(r)
    return results, summary


@pytest.mark.parametrize(("counts", "fail_on", "max_warnings", "reason"), [
    ((0, 31, 0), "error", 20, "exit 1: 31 warnings exceed --max-warnings 20"),
    ((0, 1, 0), "error", 0, "exit 1: 1 warning exceeds --max-warnings 0"),
    ((3, 0, 0), "error", None, "exit 1: 3 errors at or above --fail-on error"),
    ((1, 0, 0), "error", None, "exit 1: 1 error at or above --fail-on error"),
    ((3, 31, 0), "error", 20,
     "exit 1: 3 errors at or above --fail-on error; 31 warnings exceed --max-warnings 20"),
    # --fail-on warning already counts the warnings: one reason, not the same one twice.
    ((3, 31, 2), "warning", 20, "exit 1: 3 errors and 31 warnings at or above --fail-on warning"),
    ((0, 0, 2), "info", None, "exit 1: 2 info at or above --fail-on info"),
    ((0, 20, 5), "error", 20, ""),
    ((0, 0, 0), "info", 0, ""),
])
def test_exit_reason_names_the_setting_that_failed_the_run(counts, fail_on, max_warnings, reason):
    _, summary = run(*counts)
    assert summary.exit_reason(fail_on, max_warnings) == reason
    assert (summary.exit_code(fail_on, max_warnings) == 0) == (reason == "")


def test_unreadable_file_reason_is_exit_2():
    _, summary = run(warnings=1, broken=True)
    assert summary.exit_reason("error", None) == "exit 2: 1 file could not be read or checked"


def test_text_summary_ends_with_the_reason():
    _, summary = run(warnings=31)
    out = text.render_summary(summary, RenderContext(max_warnings=20))
    assert out.splitlines()[-1] == "exit 1: 31 warnings exceed --max-warnings 20"
    assert "exit" not in text.render_summary(summary, RenderContext(max_warnings=40))


def test_github_log_and_job_summary_say_why(tmp_path):
    results, summary = run(errors=3)
    step = tmp_path / "summary.md"
    ctx = RenderContext(root=".", step_summary=str(step))
    log = github.render(results, summary, ctx)
    assert log.splitlines()[-1] == "policylint: exit 1: 3 errors at or above --fail-on error"
    from policylint.report.stream import render as render_stream

    path, job_summary = github.appendix_stream(ctx)
    more = render_stream(job_summary, results, summary)
    assert path == str(step)
    assert "\n**exit 1: 3 errors at or above --fail-on error**\n" in more
    assert "exit 1" not in markdown.render(*run(warnings=2), RenderContext(root="."))


def validate(log: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip("the shared SARIF schema is not beside the repository")
    import jsonschema

    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(log)


def test_sarif_invocation_carries_the_reason_as_a_notification():
    results, summary = run(warnings=31)
    log = sarif.report(results, summary, RenderContext(root=".", max_warnings=20))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["exitCode"] == 1 and invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [{
        "message": {"text": "exit 1: 31 warnings exceed --max-warnings 20"},
        "level": "note", "descriptor": {"id": "exit-code"}}]
    validate(log)

    results, summary = run(warnings=1, broken=True)
    log = sarif.report(results, summary, RenderContext(root="."))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["exitCode"] == 2 and invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["level"] == "error"
    validate(log)

    clean = sarif.report(*run(), RenderContext(root="."))["runs"][0]["invocations"][0]
    assert clean == {"executionSuccessful": True, "exitCode": 0}


def test_cli_text_concise_and_sarif_say_why_a_run_with_no_errors_fails(run_cli, tmp_path):
    rules = ("training-required,ice-contact-log-and-report,u-t-visa-procedure,"
             "complaint-channel-present,notification-gap-when-holds-banned,unused-suppression")
    # A generous deadline: a loaded machine compiling a cold cache must not stop the rules.
    args = ("check", "--isolated", "--no-cache", "--max-rule-seconds", "120", "--select", rules,
            str(EXAMPLE))
    counted = json.loads(run_cli(*args[:-1], "-f", "json", args[-1]).stdout)
    n = sum(1 for f in counted["files"][0]["findings"]
            if f["severity"] == "warning" and not f.get("suppressed") and not f.get("baseline"))
    assert n >= 2, "the example needs warnings for this test"
    reason = f"exit 1: {n} warnings exceed --max-warnings {n - 1}"

    result = run_cli(*args, "--color", "never", "--max-warnings", str(n - 1))
    assert result.exit_code == 1
    assert result.stdout.rstrip("\n").splitlines()[-1] == reason
    assert result.stderr == ""  # the text format said it already

    result = run_cli(*args, "-f", "concise", "--max-warnings", str(n - 1))
    assert result.exit_code == 1
    assert reason not in result.stdout  # the concise lines stay parseable
    assert result.stderr == f"policylint: {reason}\n"

    out = tmp_path / "run.sarif"
    result = run_cli(*args, "-f", f"sarif:{out}", "--max-warnings", str(n - 1))
    assert result.exit_code == 1
    note = json.loads(out.read_text("utf-8"))["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note[0]["message"]["text"] == reason

    result = run_cli(*args, "-f", "concise", "--max-warnings", str(n))
    assert result.exit_code == 0 and result.stderr == ""
