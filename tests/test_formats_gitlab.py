"""GitLab Code Quality: a JSON array with every required field, unique fingerprints,
relative paths, mapped severities, no BOM, hidden findings left out."""

from __future__ import annotations

import json
from pathlib import Path

from policylint.finding import Finding
from policylint.report import RenderContext
from policylint.report.gitlab import render
from policylint.run.runner import FileResult, Summary

SHARED = Path(__file__).resolve().parents[2] / "shared"


def f(file: str, rule: str, severity: str = "error", line: int = 3, **kw) -> Finding:
    return Finding(file=file, rule=rule, severity=severity, message="m", path="/provisions/x/value",
                   line=line, column=1, end_line=line, end_column=4, meta=(("value_hash", "h"),), **kw)


def issues(results: list[FileResult], root: str) -> list[dict]:
    summary = Summary()
    for r in results:
        summary.add(r)
    text = render(results, summary, RenderContext(root=root))
    assert not text.startswith("\ufeff")
    data = json.loads(text)
    assert isinstance(data, list)
    return data


def test_required_fields_unique_fingerprints_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    a, b = str(tmp_path / "pol" / "a.yaml"), str(tmp_path / "pol" / "b.yaml")
    results = [
        # Two identical findings in one file and the same finding in another file.
        FileResult(a, [f(a, "r1"), f(a, "r1", line=9), f(a, "r2", "warning"), f(a, "r3", "info"),
                       f(a, "r4", suppressed="why"), f(a, "r5", baseline="unchanged")]),
        FileResult(b, [f(b, "r1")]),
    ]
    data = issues(results, str(tmp_path))
    assert len(data) == 5
    fingerprints = [i["fingerprint"] for i in data]
    assert len(set(fingerprints)) == 5
    for item in data:
        assert item["description"] and item["check_name"]
        assert item["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert item["location"]["path"] in ("pol/a.yaml", "pol/b.yaml")
        assert item["location"]["lines"]["begin"] >= 1
    assert [i["severity"] for i in data[:4]] == ["major", "major", "minor", "info"]


def test_fingerprints_do_not_depend_on_lines(tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    a = str(tmp_path / "a.yaml")
    before = issues([FileResult(a, [f(a, "r1", line=3)])], str(tmp_path))
    after = issues([FileResult(a, [f(a, "r1", line=13)])], str(tmp_path))
    assert before[0]["fingerprint"] == after[0]["fingerprint"]


def test_paths_are_relative_to_ci_project_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    a = str(tmp_path / "x" / "a.yaml")
    assert issues([FileResult(a, [f(a, "r1")])], "/")[0]["location"]["path"] == "x/a.yaml"


def test_input_errors_block(tmp_path):
    a = str(tmp_path / "a.yaml")
    data = issues([FileResult(a, [f(a, "yaml-syntax", input_error=True)])], str(tmp_path))
    assert data[0]["severity"] == "blocker"


def test_shape_matches_gitlabs_documented_example():
    example = SHARED / "formats" / "gitlab-codequality-example.json"
    if not example.is_file():
        import pytest

        pytest.skip("the shared GitLab example is not beside the repository")
    documented = json.loads(example.read_text("utf-8"))[0]
    ours = issues([FileResult("a.yaml", [f("a.yaml", "r1")])], ".")[0]
    assert set(documented) <= set(ours)
    assert set(documented["location"]) <= set(ours["location"])
