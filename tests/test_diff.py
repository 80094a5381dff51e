"""policylint diff: provision changes by topic, findings new/fixed/unchanged, git revisions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from policylint.compare.diff import provision_change
from policylint.schema.taxonomy import get_topic

REPO = Path(__file__).resolve().parents[1]
LYNN_OLD = str(REPO / "examples" / "ma" / "lynn-2025-11.yaml")
LYNN_NEW = str(REPO / "examples" / "ma" / "lynn-updated-directive.yaml")
HOSTILE = REPO / "tests" / "browser" / "fixtures" / "hostile.yaml"

BASE = """\
policylint: 1
agency: {name: Town X Police Department, kind: municipal_police, state: MA, jurisdiction: Town X}
instrument: {kind: department_policy, title: Policy, effective_date: 2024-01-01, issuing_authority: Chief}
provisions:
  proactive_notification:
    value: %s
    quote: "%s"
    section: "IV"
"""


def test_lynn_shows_the_new_directive_and_the_release_gap_it_leaves_open(run_cli: Any) -> None:
    # Nothing of Lynn's earlier rules was read, so nothing could be reported about proactive
    # contact before the directive; the directive limits proactive contact only, so the gap
    # on ICE's own release questions (the November answer) is in both versions.
    result = run_cli("diff", LYNN_OLD, LYNN_NEW, "--extend-pack", "cfjj-checklist", "-f", "json", "--isolated")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [change] = data["provisions"]
    assert (change["topic"], change["change"], change["old"]) == ("proactive_notification", "added", None)
    assert change["new"]["value"] == "criminal_matters_only"
    assert change["new"]["quote"].startswith("updated directives prohibiting any proactive communication")
    assert data["findings"]["fixed"] == []
    unchanged = [f["rule"] for f in data["findings"]["unchanged"]]
    assert "notification-gap-when-holds-banned" in unchanged
    every = [f["rule"] for part in data["findings"].values() for f in part]
    assert "unwritten-directive" not in every  # the directives' form is not known
    # Under Lunn the only rule either version can be checked on is the release gap: both leave
    # release requests unsaid, which counts as silence, never as a violation.
    lunn = next(s for s in data["scores"] if s["pack"] == "ma-lunn")
    assert lunn["old_counts"] == lunn["new_counts"]
    assert lunn["new_counts"]["violations"] == 0 and lunn["new_counts"]["silent"] >= 1


def test_lynn_markdown_reads_as_a_pull_request_comment(run_cli: Any) -> None:
    result = run_cli("diff", LYNN_OLD, LYNN_NEW, "--extend-pack", "cfjj-checklist", "--isolated")
    text = result.stdout
    assert text.startswith("### policylint diff: Lynn Police Department")
    assert "| T07 Contacting ICE without a request | added | not read | **criminal matters only**" in text
    assert "✅ fixed" not in text
    assert "<details><summary>" in text


def test_value_changes_say_which_way_they_go() -> None:
    topic = get_topic("proactive_notification")
    old = {"value": "allowed", "quote": "may call", "section": "IV"}
    tighter = provision_change(topic, old, {"value": "prohibited", "quote": "shall not call", "section": "IV"})
    assert (tighter.kind, tighter.direction) == ("value_changed", "more_restrictive")  # type: ignore[union-attr]
    looser = provision_change(topic, {"value": "prohibited"}, {"value": "required"})
    assert looser.direction == "less_restrictive"  # type: ignore[union-attr]
    unclear = provision_change(topic, {"value": "prohibited"}, {"value": "unclear"})
    assert (unclear.kind, unclear.direction) == ("value_changed", None)  # type: ignore[union-attr]
    assert provision_change(topic, old, dict(old, quote="may telephone")).kind == "reworded"  # type: ignore[union-attr]
    amended = provision_change(topic, old, dict(old, section="V", exceptions=[{"kind": "public_safety", "bounded": False}]))
    assert amended.kind == "amended"  # type: ignore[union-attr]
    assert amended.details == ("section: IV → V", "exception added: public_safety (unbounded)")  # type: ignore[union-attr]
    assert provision_change(topic, old, None).kind == "removed"  # type: ignore[union-attr]
    assert provision_change(topic, old, {"value": "silent"}).kind == "removed"  # type: ignore[union-attr]
    assert provision_change(topic, None, {"value": "silent"}) is None
    assert provision_change(topic, old, dict(old)) is None


def test_findings_are_matched_by_rule_and_place_not_by_line(run_cli: Any, write: Any) -> None:
    old = write("old.yaml", BASE % ("allowed", "Officers may call ICE."))
    # The same policy with lines added above: every finding moves down, none is "new".
    new = write("new.yaml", "# reviewed 2026\n# no change of substance\n" + BASE % ("allowed", "Officers may call ICE."))
    result = run_cli("diff", str(old), str(new), "-f", "json", "--isolated", "--extend-pack", "cfjj-checklist")
    data = json.loads(result.stdout)
    assert data["provisions"] == [] and data["findings"]["new"] == [] and data["findings"]["fixed"] == []
    moved = [f for f in data["findings"]["unchanged"] if f["rule"] == "proactive-notification-prohibited"]
    assert moved and moved[0]["line"] == 6 + 2
    changed = write("changed.yaml", BASE % ("prohibited", "Officers shall not call ICE."))
    data = json.loads(run_cli("diff", str(old), str(changed), "-f", "json", "--isolated",
                              "--extend-pack", "cfjj-checklist").stdout)
    assert data["provisions"][0]["change"] == "value_changed"
    assert data["provisions"][0]["direction"] == "more_restrictive"
    assert "proactive-notification-prohibited" in [f["rule"] for f in data["findings"]["fixed"]]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_old_may_be_a_git_revision(run_cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "policies").mkdir()
    target = tmp_path / "policies" / "town.yaml"
    target.write_text(BASE % ("allowed", "Officers may call ICE."), encoding="utf-8")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first")
    target.write_text(BASE % ("prohibited", "Officers shall not call ICE."), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("diff", "HEAD:policies/town.yaml", "policies/town.yaml", "-f", "json", "--isolated")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["old"] == "HEAD:policies/town.yaml"
    assert data["provisions"][0]["old"]["value"] == "allowed"
    missing = run_cli("diff", "HEAD~5:policies/town.yaml", "policies/town.yaml", "--isolated")
    assert missing.exit_code == 2
    assert "cannot read `HEAD~5:policies/town.yaml` from git" in missing.stderr
    nowhere = run_cli("diff", "HEAD:policies/none.yaml", "policies/town.yaml", "--isolated")
    assert nowhere.exit_code == 2 and "does not exist" in nowhere.stderr


def test_a_revision_cannot_smuggle_in_a_git_option(run_cli: Any) -> None:
    result = run_cli("diff", "--isolated", "--", "--output=/tmp/policylint-x:y", LYNN_NEW)
    assert result.exit_code == 2
    assert "neither a file nor a git revision" in result.stderr


def test_an_unreadable_version_exits_2(run_cli: Any, write: Any) -> None:
    broken = write("broken.yaml", b"\x00\x01binary")
    result = run_cli("diff", str(broken), LYNN_NEW, "--isolated")
    assert result.exit_code == 2 and "broken.yaml" in result.stderr
    assert run_cli("diff", "missing.yaml", LYNN_NEW, "--isolated").exit_code == 2


def test_html_diff_escapes_policy_text_and_has_no_script(run_cli: Any, write: Any) -> None:
    text = HOSTILE.read_text(encoding="utf-8")
    new = write("hostile-new.yaml", text.replace("value: prohibited\n    quote: \"<script>",
                                                 "value: allowed\n    quote: \"<script>"))
    result = run_cli("diff", str(HOSTILE), str(new), "-f", "html", "--isolated")
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;window.__pwned = &#39;quote&#39;" in page
    assert "script-src 'none'" in page.replace("&#39;", "'")
    assert "value changed (less restrictive)" in page


def test_text_diff_for_the_terminal_and_fail_on_new_findings(run_cli: Any, write: Any) -> None:
    old = write("old.yaml", BASE % ("prohibited", "Officers shall not call ICE."))
    new = write("new.yaml", BASE % ("allowed", "Officers may call ICE."))
    # A generous rule deadline: a loaded machine must not stop the rules being compared.
    config = write("policylint.yaml", "limits: {max-rule-seconds: 120}\n")
    args = ("diff", str(old), str(new), "-f", "text", "--config", str(config), "--extend-pack",
            "cfjj-checklist")
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "policylint diff: Town X Police Department"
    assert lines[1] == f"  {old} → {new}"
    assert "  T07 Contacting ICE without a request: value changed (less restrictive)" in lines
    assert "    before: prohibited “Officers shall not call ICE.”" in lines
    assert "    after:  allowed “Officers may call ICE.”" in lines
    new_lines = [line for line in lines if line.startswith("  new ")]
    assert any("proactive-notification-prohibited (line 6)" in line for line in new_lines), lines
    assert "\x1b[" not in result.stdout  # no colour when not on a terminal
    added = json.loads(run_cli(*args[:4], "json", *args[5:]).stdout)["findings"]["new"]
    worst = max(added, key=lambda f: {"info": 1, "warning": 2, "error": 3}[f["severity"]])
    failed = run_cli(*args, "--fail-on", worst["severity"])
    assert failed.exit_code == 1
    assert failed.stderr.startswith("policylint: exit 1: ")
    assert f"at or above --fail-on {worst['severity']}\n" in failed.stderr
    # The other way round the diff fixes those findings: only what is new there can fail it.
    back = ("diff", str(new), str(old), *args[3:])
    added = json.loads(run_cli(*back[:4], "json", *back[5:]).stdout)["findings"]["new"]
    rank = {"info": 1, "warning": 2, "error": 3}
    for threshold, floor in rank.items():
        expected = int(any(rank[f["severity"]] >= floor for f in added))
        assert run_cli(*back, "--fail-on", threshold).exit_code == expected, threshold
    assert not any(f["rule"] == worst["rule"] for f in added)


def test_text_is_the_default_on_a_terminal_markdown_elsewhere() -> None:
    from policylint.compare.run import COMPARE_FORMATS, DIFF_FORMATS, pick_format

    assert pick_format(None, None, DIFF_FORMATS, terminal=True) == "text"
    assert pick_format(None, None, DIFF_FORMATS, terminal=False) == "markdown"
    assert pick_format(None, "d.html", DIFF_FORMATS, terminal=True) == "html"
    assert pick_format(None, None, COMPARE_FORMATS, terminal=True) == "markdown"


def test_text_diff_neutralises_control_characters(run_cli: Any, write: Any) -> None:
    old = write("old.yaml", BASE % ("allowed", "Officers may call ICE."))
    new = write("new.yaml", BASE % ("prohibited", "Never \\u001b[31mred\\u001b[0m or \\n::error::x"))
    result = run_cli("diff", str(old), str(new), "-f", "text", "--isolated", "--color", "always")
    assert result.exit_code == 0, result.output
    assert "\x1b[31mred" not in result.stdout and "\\x1b[31mred" in result.stdout
    assert "\n::error::" not in result.stdout
