"""Baseline: keyed by document + rule + pointer + value hash (never lines), so unrelated edits
keep it valid; known findings are marked, fixed ones reported stale, new ones fail."""

from __future__ import annotations

import json

from policylint.finding import Finding
from policylint.run.baseline import Baseline, identity, occurrence_fingerprints

DOC = """\
policylint: 1
agency: {name: Example Police Department, kind: municipal_police, state: MA, jurisdiction: Example}
instrument: {kind: department_policy, title: Example, effective_date: 2024-01-01}
provisions:
  civil_detainer_hold: {value: allowed, quote: "Officers may hold on detainers.", section: "II"}
"""
RULE = "detainer-hold-prohibited"


def check(run_cli, *args):
    result = run_cli("check", "--isolated", "--select", RULE, "-f", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_create_then_check_hides_known_findings_across_line_shifts(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.yaml").write_text(DOC)
    made = run_cli("baseline", "create", "--isolated", "d.yaml")
    assert made.exit_code == 0, made.output
    data = json.loads((tmp_path / "policylint-baseline.json").read_text())
    entry = next(e for e in data["findings"] if e["rule"] == RULE)
    assert entry["file"] == "d.yaml" and entry["pointer"] == "/provisions/civil_detainer_hold/value"
    assert "line" not in entry

    (tmp_path / "d.yaml").write_text("\n" * 10 + "# a comment\n" + DOC)
    code, report = check(run_cli, "--baseline", "policylint-baseline.json", "d.yaml")
    held = [f for f in report["files"][0]["findings"] if f["rule"] == RULE]
    assert code == 0 and held[0]["baseline"] == "unchanged" and held[0]["line"] == 16
    assert report["summary"]["baselined"] == 1


def test_changed_value_is_new_and_the_old_entry_stale(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.yaml").write_text(DOC)
    run_cli("baseline", "create", "--isolated", "d.yaml")
    (tmp_path / "d.yaml").write_text(DOC.replace("value: allowed", "value: required"))
    code, report = check(run_cli, "--baseline", "policylint-baseline.json", "d.yaml")
    rules = {(f["rule"], f["baseline"]) for f in report["files"][0]["findings"]}
    assert code == 1
    assert (RULE, None) in rules and ("baseline-stale", None) in rules


def test_fixed_finding_is_stale_and_prune_removes_it(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.yaml").write_text(DOC)
    (tmp_path / "other.yaml").write_text(DOC)
    run_cli("baseline", "create", "--isolated", "d.yaml", "other.yaml")
    (tmp_path / "d.yaml").write_text(DOC.replace("value: allowed", "value: prohibited"))
    code, report = check(run_cli, "--baseline", "policylint-baseline.json", "d.yaml")
    stale = [f for f in report["files"][0]["findings"] if f["rule"] == "baseline-stale"]
    assert code == 0 and stale and stale[0]["path"] == "/provisions/civil_detainer_hold/value"
    pruned = run_cli("baseline", "prune", "--isolated", "d.yaml")
    assert pruned.exit_code == 0
    entries = json.loads((tmp_path / "policylint-baseline.json").read_text())["findings"]
    # d.yaml's fixed entry is gone; other.yaml was not checked, so its entries stay.
    assert not [e for e in entries if e["file"] == "d.yaml" and e["rule"] == RULE]
    assert [e for e in entries if e["file"] == "other.yaml" and e["rule"] == RULE]


def test_counts_let_equal_findings_through_one_by_one(tmp_path):
    base = Baseline(str(tmp_path / "b.json"))
    f = Finding(file=str(tmp_path / "a.yaml"), rule="r", severity="error", message="m", path="/x",
                meta=(("value_hash", "h"),))
    base.add(f)
    out = base.apply(f.file, [f, f.with_(line=9)])
    assert [g.baseline for g in out] == ["unchanged", None]


def test_round_trip_and_malformed_files(tmp_path):
    import pytest

    from policylint.errors import UsageError

    base = Baseline(str(tmp_path / "b.json"))
    base.add(Finding(file=str(tmp_path / "a.yaml"), rule="r", severity="error", message="m"))
    (tmp_path / "b.json").write_text(base.to_text(), encoding="utf-8")
    assert Baseline.load(base.path).counts == base.counts
    (tmp_path / "bad.json").write_text('{"findings": []}')
    with pytest.raises(UsageError):
        Baseline.load(str(tmp_path / "bad.json"))
    with pytest.raises(UsageError, match="not found"):
        Baseline.load(str(tmp_path / "missing.json"))


def test_identity_and_fingerprints_ignore_lines():
    a = Finding(file="a.yaml", rule="r", severity="error", message="m", path="/x", line=3,
                meta=(("value_hash", "h"),))
    b = a.with_(line=30, column=7)
    assert identity(a) == identity(b)
    assert occurrence_fingerprints([a]) == occurrence_fingerprints([b])
    first, second = occurrence_fingerprints([a, b])
    assert first != second and first[0].endswith(":1") and second[0].endswith(":2")
