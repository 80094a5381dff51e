"""SARIF: valid against the OASIS 2.1.0 schema, every field GitHub code scanning requires,
fingerprints that survive line shifts, suppressed and baselined results marked, not dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policylint.finding import Finding
from policylint.report import RenderContext
from policylint.report.sarif import report
from policylint.run.runner import FileResult, Summary

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SCHEMA = SHARED / "formats" / "sarif-schema-2.1.0.json"

HOSTILE = 'ends "quoted" \u202e, has :: and ,\nand a second line <b>'


def results() -> tuple[list[FileResult], Summary]:
    f = Finding(file="docs/a b.yaml", rule="detainer-hold-prohibited", severity="error",
                message=HOSTILE, path="/provisions/civil_detainer_hold/value", line=3, column=12,
                end_line=3, end_column=19, snippet="allowed", citation="Lunn v. Commonwealth, 477 Mass. 517 (2017)",
                meta=(("value_hash", "abc"),))
    s = f.with_(rule="schema-unknown-key", severity="warning", path="/agency/nmae", line=2,
                suppressed="kept for the archive")
    b = f.with_(rule="missing-review-date", severity="info", line=5, baseline="unchanged")
    items = [FileResult("docs/a b.yaml", [s, f, b])]
    summary = Summary()
    for r in items:
        summary.add(r)
    return items, summary


def github_requirements(log: dict) -> None:
    """The properties GitHub marks required (ecosystem.md §2.1), none of them empty."""
    assert log["$schema"] and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "policylint" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"].strip(), (rule["id"], key)
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["markdown"].strip()
        assert rule["defaultConfiguration"]["level"] in ("note", "warning", "error")
    for result in run["results"]:
        assert result["message"]["text"].strip()
        assert result["ruleId"] in ids and ids[result["ruleIndex"]] == result["ruleId"]
        assert 1 <= len(result["locations"]) <= 10
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), uri
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"]
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        assert result.get("kind", "fail") == "fail"
        assert "security-severity" not in result.get("properties", {})


def validate_schema(log: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip("the shared SARIF schema is not beside the repository")
    import jsonschema

    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(log)


def test_synthetic_log_is_valid_and_meets_github_requirements():
    items, summary = results()
    log = report(items, summary, RenderContext(root=".", baseline="base.json"))
    github_requirements(log)
    validate_schema(log)  # skips when the shared schema is absent


def test_suppressed_and_baselined_results_are_marked_not_dropped():
    items, summary = results()
    run = report(items, summary, RenderContext(root=".", baseline="base.json"))["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert len(run["results"]) == 3
    assert by_rule["schema-unknown-key"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "kept for the archive"}]
    assert by_rule["missing-review-date"]["baselineState"] == "unchanged"
    assert by_rule["missing-review-date"]["suppressions"][0]["kind"] == "external"
    assert by_rule["detainer-hold-prohibited"]["baselineState"] == "new"
    assert "suppressions" not in by_rule["detainer-hold-prohibited"]


def test_location_carries_pointer_snippet_and_an_escaped_relative_uri():
    items, summary = results()
    result = report(items, summary, RenderContext(root="."))["runs"][0]["results"][1]
    loc = result["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "docs/a%20b.yaml"
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "/provisions/civil_detainer_hold/value"
    assert loc["physicalLocation"]["region"]["snippet"]["text"] == "allowed"
    assert loc["physicalLocation"]["region"]["endColumn"] == 19
    assert "Lunn v. Commonwealth" in result["message"]["text"]
    assert "baselineState" not in result  # no baseline in use


def test_core_rules_get_descriptors_without_the_registry():
    items, summary = results()
    rules = report(items, summary, RenderContext(root="."))["runs"][0]["tool"]["driver"]["rules"]
    core = next(r for r in rules if r["id"] == "schema-unknown-key")
    assert core["shortDescription"]["text"] == "Unknown key"


def test_examples_log_is_valid_and_fingerprints_survive_ten_blank_lines(run_cli, tmp_path, monkeypatch):
    examples = REPO / "examples"
    if not any(examples.glob("**/*.yaml")):
        pytest.skip("no example documents")
    out = tmp_path / "all.sarif"
    result = run_cli("check", "--isolated", str(examples), "-f", f"sarif:{out}")
    assert result.exit_code in (0, 1), result.output
    log = json.loads(out.read_text("utf-8"))
    github_requirements(log)
    if SCHEMA.is_file():
        validate_schema(log)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    pack_rules = [r for r in rules.values() if "policylint" in r["properties"]["tags"]
                  and r["id"].split("-")[0] not in ("schema", "yaml", "input")]
    assert pack_rules and all("Law:" in r["help"]["markdown"] for r in pack_rules
                              if r.get("helpUri"))

    # The same document with ten blank lines on top: lines move, fingerprints do not.
    source = next(p for p in sorted(examples.glob("ma/*.yaml")))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.yaml").write_text(source.read_text("utf-8"), encoding="utf-8")
    run_cli("check", "--isolated", "doc.yaml", "-f", "sarif:before.sarif")
    (tmp_path / "doc.yaml").write_text("\n" * 10 + source.read_text("utf-8"), encoding="utf-8")
    run_cli("check", "--isolated", "doc.yaml", "-f", "sarif:after.sarif")
    before = json.loads((tmp_path / "before.sarif").read_text())["runs"][0]["results"]
    after = json.loads((tmp_path / "after.sarif").read_text())["runs"][0]["results"]
    assert before, "the example should have findings"
    assert [r["partialFingerprints"] for r in before] == [r["partialFingerprints"] for r in after]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] + 10 for r in before] == \
        [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after]
