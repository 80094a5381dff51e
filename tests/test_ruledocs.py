"""`rules`, `explain`, `packs` and docs/rules.md: what people read about the rules."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from policylint.cli import cli
from policylint.load.loader import load_text
from policylint.report.ruledocs import explain, list_packs, list_rules
from policylint.rules.engine import Engine
from policylint.rules.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_docs_rules_md_is_up_to_date() -> None:
    expected = list_rules(load_registry(), fmt="markdown")
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `python -m policylint.report.ruledocs > docs/rules.md`"


def test_the_named_checks_table_of_the_rule_format_is_up_to_date() -> None:
    from policylint.report.ruledocs import with_checks_table

    actual = (ROOT / "docs" / "rule-format.md").read_text(encoding="utf-8")
    assert "`units-missing`" in actual
    assert with_checks_table(actual) == actual, \
        "docs/rule-format.md is stale: run `python -m policylint.report.ruledocs --checks`"


def test_explain_shows_the_law_with_its_holding_packs_examples_and_fix() -> None:
    text = explain(load_registry(), "detainer-hold-prohibited")
    assert "Lunn v. Commonwealth, 477 Mass. 517 (2017)" in text
    assert "Holding (paraphrase):" in text
    for part in ("What it checks", "Why", "The law", "Packs that use it", "Failing example",
                 "Passing example", "How to fix", "ma-lunn (binding, MA): error",
                 "(law in MA; a model elsewhere)", "Binds agencies there: Lunn v. Commonwealth"):
        assert part in text
    assert "-> line " in text  # the failing example was run and its finding shown


def test_explain_resolves_aliases_and_rejects_unknown_ids() -> None:
    code, out, _ = run("explain", "judicial-warrant-undefined")
    assert code == 0
    assert out.startswith("judicial-warrant-defined\n(`judicial-warrant-undefined` is an alias")
    code, out, err = run("explain", "detainer-hold-prohibted")
    assert (code, out) == (2, "")
    assert err == ("policylint: error: unknown rule or pack `detainer-hold-prohibted` "
                   "(did you mean `detainer-hold-prohibited`?)\n")


def test_rules_lists_every_rule_or_one_pack() -> None:
    reg = load_registry()
    code, out, _ = run("rules")
    assert code == 0
    assert out.count("\n") == len(reg.rules) + 1
    code, out, _ = run("rules", "--pack", "ma-lunn")
    lines = out.splitlines()
    assert len(lines) == len(reg.packs["ma-lunn"].rules) + 1
    assert lines[0].split()[:2] == ["detainer-hold-prohibited", "error"]
    code, out, err = run("rules", "--pack", "ma-lun")
    assert code == 2 and "did you mean `ma-lunn`" in err


def test_rules_json_carries_packs_law_and_remediation() -> None:
    code, out, _ = run("rules", "-f", "json")
    data = json.loads(out)
    by_id = {r["id"]: r for r in data["rules"]}
    hold = by_id["detainer-hold-prohibited"]
    assert {p["pack"] for p in hold["packs"]} >= {"ma-lunn", "ca-values-truth", "il-trust"}
    assert hold["law"]["citation"] and hold["remediation"]["text"]


def test_packs_text_and_json() -> None:
    code, out, _ = run("packs")
    assert code == 0
    assert "ma-lunn" in out and "default for MA" in out and "default everywhere" in out
    assert "default for Boston, MA" in out
    data = json.loads(run("packs", "-f", "json")[1])
    assert len(data["packs"]) == 13
    assert {p["status"] for p in data["packs"]} == {"binding", "model", "federal", "advisory"}
    assert list_packs(load_registry()) == out


# -- the cases the packs were built for ----------------------------------------------------------


def rules_found(text: str) -> dict[str, list[int]]:
    loaded = load_text(textwrap.dedent(text), "case.yaml")
    assert loaded.document is not None, loaded.findings
    found: dict[str, list[int]] = {}
    for f in Engine(load_registry()).findings(loaded.document):
        found.setdefault(f.rule, []).append(f.line)
    return found


def test_quincy_as_reported() -> None:
    found = rules_found("""\
        agency: {name: Quincy Police Department, kind: municipal_police, state: MA, jurisdiction: Quincy}
        instrument: {kind: department_policy, effective_date: 2025-02}
        provisions:
          status_database_query:
            value: routine_at_booking
            trigger: foreign_born
            quote: "foreign-born person arrested"
          proactive_notification:
            value: restricted_to_listed_crimes
            quote: "public safety or national security"
            exceptions:
              - {kind: public_safety, bounded: false, quote: "public safety or national security"}
          bias_based_policing:
            value: bans_status_and_national_origin
            quote: "no bias-based policing on the basis of national origin or immigration status"
        """)
    assert found["iaq-trigger-national-origin"] == [6]
    assert "bias-ban-vs-iaq-foreign-born" in found
    assert found["exception-unbounded-public-safety"] == [12]


def test_lynn_unwritten_directive_and_release_notification_incident() -> None:
    found = rules_found("""\
        agency: {name: Lynn Police Department, kind: municipal_police, state: MA, jurisdiction: Lynn}
        instrument: {kind: unwritten_directive, effective_date: null}
        provisions:
          proactive_notification:
            value: criminal_matters_only
            quote: "prohibiting any proactive communication with ICE ... regarding civil immigration enforcement"
        incidents:
          - date: 2025-11
            topics: [proactive_notification, release_notification_requests]
            summary: "an officer told ICE a man had posted bail and would be released"
        """)
    assert "unwritten-directive" in found
    assert found["incident-contradicts-policy"] == [8]


def test_tewksbury_no_written_policy() -> None:
    found = rules_found("""\
        agency: {name: Tewksbury Police Department, kind: municipal_police, state: MA, jurisdiction: Tewksbury}
        instrument: {kind: none}
        """)
    assert "no-written-policy" in found


@pytest.mark.parametrize(("state", "jurisdiction", "expected"), [
    ("MA", "Quincy", {"ma-lunn", "us-1373", "federal-detainer-reg", "drafting"}),
    ("MA", "Boston", {"ma-lunn", "boston-trust-act", "us-1373", "federal-detainer-reg", "drafting"}),
    ("CA", "Oakland", {"ca-values-truth", "us-1373", "federal-detainer-reg", "drafting"}),
    ("TX", None, {"us-1373", "federal-detainer-reg", "drafting"}),
])
def test_default_packs(state: str, jurisdiction: str | None, expected: set[str]) -> None:
    eng = Engine(load_registry())
    assert set(eng.packs_for({"agency": {"state": state, "jurisdiction": jurisdiction}})) == expected


def test_explain_renders_every_rule() -> None:
    reg = load_registry()
    for rule_id in reg.rules:
        text = explain(reg, rule_id)
        assert text.startswith(rule_id + "\n") and "How to fix" in text
        assert "-> line " in text, f"the failing example of `{rule_id}` shows no finding"


def test_data_quality_rules_are_labelled_data_quality_never_drafting() -> None:
    from policylint.rules.governing import entry_label, is_data_quality

    registry = load_registry()
    quality = {rid for rid, rule in registry.rules.items() if is_data_quality(rule)}
    assert {"citation-nonexistent", "value-without-quote", "archive-missing"} <= quality
    docs = list_rules(registry, fmt="markdown")
    rows = [ln for ln in docs.splitlines() if ln.startswith("| [`")]
    for rid in quality:
        for row in (r for r in rows if r.startswith(f"| [`{rid}`]")):
            assert "Data-quality standard" in row and "Drafting standard" not in row, row
    for pack in json.loads(list_packs(registry, fmt="json"))["packs"]:
        for entry in pack["rules"]:
            assert (entry["basis"] == "data-quality") is (entry["rule"] in quality), (pack["id"], entry)
    shown = explain(registry, "citation-nonexistent")
    assert "Data-quality standard, not law" in shown and "Drafting standard" not in shown
    pack = registry.packs["drafting"]
    entry = next(e for e in pack.rules if e.rule == "value-without-quote")
    assert entry_label(pack, entry, True).startswith("Data-quality standard")
