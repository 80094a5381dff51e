"""``policylint init``: a blank document that validates and gets only the findings a blank draft should."""

from __future__ import annotations

from pathlib import Path

from policylint.run.api import check
from policylint.schema.taxonomy import topic_keys

#: What a blank draft should hear: it has no review date or issuing authority, and says
#: nothing where silence is itself the gap (no complaint channel, no record of ICE contacts).
BLANK_DRAFT_FINDINGS = {"missing-review-date", "missing-issuing-authority",
                        "ice-contact-log-and-report", "complaint-channel-present",
                        # Massachusetts: Lunn bars the hold, so silence on release requests is a gap.
                        "notification-gap-when-holds-banned"}


def test_blank_document_validates_and_gets_only_the_blank_draft_findings(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "draft.yaml"
    result = run_cli("init", str(target), "--agency", "Example Police Department", "--state", "ma",
                     "--jurisdiction", "Example")
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    for key in topic_keys():
        assert f"\n  {key}:\n    value: silent\n" in text
    # What was read, and whether it ended: a blank draft is the drafter's own full text.
    assert "\n  text_read: full\n" in text and "\n  ended: null " in text
    [checked] = check([str(target)])
    rules = {f.rule for f in checked.findings}
    assert not any(r.startswith(("schema-", "yaml-", "input-")) for r in rules), rules
    assert rules == BLANK_DRAFT_FINDINGS
    assert run_cli("check", str(target)).exit_code == 0


def test_refuses_to_overwrite_without_force(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "draft.yaml"
    target.write_text("keep me\n")
    args = ("init", str(target), "--agency", "X Police", "--state", "MA")
    refused = run_cli(*args)
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert target.read_text() == "keep me\n"
    assert run_cli(*args, "--force").exit_code == 0
    assert "policylint: 1" in target.read_text()


def test_prompts_for_what_is_missing(run_cli, tmp_path: Path) -> None:
    target = tmp_path / "asked.yaml"
    result = run_cli("init", str(target), input="Asked Police Department\nMA\nAsked\n")
    assert result.exit_code == 0, result.output
    assert 'name: "Asked Police Department"' in target.read_text()


def test_bad_state_and_kind_are_usage_errors(run_cli, tmp_path: Path) -> None:
    bad_state = run_cli("init", str(tmp_path / "a.yaml"), "--agency", "A", "--state", "Mass")
    assert bad_state.exit_code == 2 and "two-letter" in bad_state.output
    bad_kind = run_cli("init", str(tmp_path / "b.yaml"), "--agency", "B", "--state", "MA", "--kind", "sherif")
    assert bad_kind.exit_code == 2 and "did you mean `sheriff`" in bad_kind.output


def test_from_csv_writes_one_valid_stub_per_row(run_cli, tmp_path: Path) -> None:
    csv = tmp_path / "agencies.csv"
    csv.write_text("name,state,kind,jurisdiction\n"
                   "Alpha Police Department,MA,municipal_police,Alpha\n"
                   "Beta County Sheriff,MA,sheriff,Beta County\n"
                   "\"Quote, \"\"Comma\"\" Police\",MA,,Quote\n", encoding="utf-8")
    out = tmp_path / "stubs"
    result = run_cli("init", "--from-csv", str(csv), "--output-dir", str(out))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir() if p.is_file())
    assert written == ["alpha-police-department.yaml", "beta-county-sheriff.yaml", "quote-comma-police.yaml"]
    assert (out / "schemas" / "policy.schema.json").is_file()  # outside a repository: beside them
    for checked in check([str(out)]):
        assert not any(f.rule.startswith(("schema-", "yaml-", "input-")) for f in checked.findings), checked.findings


def test_from_csv_reports_the_bad_row(run_cli, tmp_path: Path) -> None:
    csv = tmp_path / "agencies.csv"
    csv.write_text("name,state\nGood Police,MA\nBad Police,Massachusetts\n", encoding="utf-8")
    result = run_cli("init", "--from-csv", str(csv), "--output-dir", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert f"{csv}:3:" in result.output
