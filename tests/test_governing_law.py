"""Every finding names the law that binds the agency checked, at the severity that law supports."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from policylint.finding import SEVERITY_RANK
from policylint.load.loader import load_path, load_text
from policylint.rules.engine import Engine, Selection
from policylint.rules.governing import govern, silence_capped
from policylint.rules.registry import load_registry
from policylint.rules.rule import Pack, PackRule, Rule
from policylint.schema.validate import validate

ROOT = Path(__file__).resolve().parents[1]
MA_EXAMPLES = sorted((ROOT / "examples" / "ma").glob("*.yaml"))
MODELS = sorted((ROOT / "examples" / "models").glob("*.yaml"))

#: Citation forms of law that does not bind a Massachusetts agency (Boston's binds Boston only;
#: the Safe Communities Act is a bill, law nowhere).
FOREIGN = {
    "CA": r"Cal\. (Gov|Penal)\. Code",
    "OR": r"\bORS \d",
    "WA": r"\bRCW \d|Chelan County",
    "IL": r"\bILCS\b|Ill\. P\.A\.|\bP\.A\. 10\d",
    "NJ": r"\bN\.?J\.? (Attorney General|AG)\b|Immigrant Trust Directive",
    "Boston": r"Boston Trust Act|City of Boston Code",
    "bill": r"Safe Communities Act|MIRA",
    "AZ": r"Gilbert \(AZ\)",
}
LABEL = re.compile(r"\bnot (a rule of )?law\b")


@cache
def _doc(path: Path) -> tuple[Any, frozenset[str]]:
    result = load_path(str(path), display=path.relative_to(ROOT).as_posix())
    assert result.document is not None
    return result.document, validate(result.document).invalid


def _findings(path: Path, packs: tuple[str, ...] | None = None) -> list[Any]:
    doc, invalid = _doc(path)
    return Engine(load_registry(), Selection(packs=packs)).findings(doc, invalid)


def _selections() -> list[tuple[str, ...] | None]:
    return [None, *((p,) for p in sorted(load_registry().packs))]


def _foreign_for(agency: dict[str, Any]) -> dict[str, str]:
    boston = str(agency.get("jurisdiction") or "").casefold() == "boston"
    return {k: v for k, v in FOREIGN.items() if not (k == "Boston" and boston)}


@pytest.mark.parametrize("path", MA_EXAMPLES, ids=lambda p: p.stem)
def test_no_unlabelled_foreign_law_in_any_citation(path: Path) -> None:
    """Over every pack: another jurisdiction's law is shown only after a "not law" label."""
    doc, _ = _doc(path)
    foreign = _foreign_for(doc.data.get("agency") or {})
    bad = []
    for packs in _selections():
        for f in _findings(path, packs):
            cite = f.citation or ""
            hits = [m.start() for rx in foreign.values() for m in [re.search(rx, cite)] if m]
            if not hits:
                continue
            label = LABEL.search(cite)
            if label is None or label.start() > min(hits) or f.basis == "law":
                bad.append(f"{packs or 'default'}: [{f.rule}] {cite}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", MA_EXAMPLES + MODELS, ids=lambda p: p.stem)
def test_errors_only_from_binding_law_or_data_quality(path: Path) -> None:
    bad = [f"{packs or 'default'}: [{f.rule}] {f.basis} {f.citation}"
           for packs in _selections() for f in _findings(path, packs)
           if f.severity == "error" and f.basis not in ("law", "data-quality")]
    assert not bad, "\n".join(bad)


def test_advisory_model_and_drafting_packs_raise_no_error_for_substance() -> None:
    registry = load_registry()
    bad = [f"{p.id}: {e.rule}" for p in registry.packs.values() if p.status in ("advisory", "model")
           for e in p.rules if e.severity == "error"
           and (registry.rules[e.rule].law or {}).get("basis") != "data-quality"]
    assert not bad, bad
    # The data-quality rules are marked, and only they may be errors in `drafting`.
    quality = {r.id for r in registry.rules.values() if (r.law or {}).get("basis") == "data-quality"}
    assert {"citation-nonexistent", "value-without-quote"} <= quality


def test_no_rule_is_more_severe_in_an_advisory_pack_than_in_binding_law() -> None:
    registry = load_registry()
    bad = []
    for rule in registry.rules:
        used = registry.packs_using(rule)
        binding = [SEVERITY_RANK[e.severity] for p, e in used
                   if p.status in ("binding", "federal") and e.citation and e.basis != "drafting"]
        if not binding:
            continue
        for p, e in used:
            if p.status in ("advisory", "model") and SEVERITY_RANK[e.severity] > min(binding):
                bad.append(f"{rule}: {p.id} {e.severity}")
    assert not bad, bad


def test_errors_in_binding_packs_cite_the_packs_own_law() -> None:
    """An error needs binding law: a binding entry without a citation is a drafting standard."""
    registry = load_registry()
    bad = [f"{p.id}: {e.rule}" for p in registry.packs.values() if p.status in ("binding", "federal")
           for e in p.rules if e.severity == "error" and (not e.citation or e.basis == "drafting")]
    assert not bad, bad


def test_rule_laws_say_where_they_bind_or_that_they_are_not_law() -> None:
    bad = [r.id for r in load_registry().rules.values()
           if not (r.law or {}).get("jurisdiction") and (r.law or {}).get("basis") == "drafting"
           and not LABEL.search(r.law["citation"])]
    assert not bad, bad


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_every_model_passes_its_own_pack_without_error(path: Path) -> None:
    errors = [f"[{f.rule}] {f.message}" for f in _findings(path, (path.stem,)) if f.severity == "error"]
    assert not errors, errors


# -- the engine: binding law, labels, severity ----------------------------------------------

def _rule(**law: Any) -> Rule:
    return Rule(id="r", title="r", severity="error", message="m", law={"citation": "Own law § 1", **law})


def _pack(pid: str, status: str, *, states: tuple[str, ...] = (), jurisdiction: str = "X",
          **entry: Any) -> tuple[Pack, PackRule]:
    e = PackRule(rule="r", **{"severity": "error", **entry})
    return Pack(id=pid, title=pid, jurisdiction=jurisdiction, status=status, rules=(e,),
                states=states), e


def test_a_binding_pack_binds_only_its_own_agencies() -> None:
    entries = [_pack("ca", "binding", states=("CA",), jurisdiction="CA", citation="Cal. § 1")]
    ca = govern(_rule(), entries, "CA", None)
    assert (ca.severity, ca.citation, ca.basis) == ("error", "Cal. § 1", "law")
    ma = govern(_rule(), entries, "MA", None)
    assert (ma.severity, ma.citation, ma.basis) == (
        "warning", "Law of CA, not law here; model: Cal. § 1", "other-jurisdiction")


def test_an_entry_without_its_own_citation_is_a_drafting_standard() -> None:
    entries = [_pack("ma", "binding", states=("MA",), jurisdiction="MA", severity="warning")]
    got = govern(_rule(jurisdiction="CA"), entries, "MA", None)
    assert (got.citation, got.basis) == ("Drafting standard, not law here; model: Own law § 1", "drafting")
    # Law that binds the agency but does not require the rule is introduced with "see".
    got = govern(_rule(jurisdiction="US"), [_pack("drafting", "advisory", severity="warning")], "MA", None)
    assert got.citation == "Drafting standard, not law here; see: Own law § 1"


def test_advisory_errors_are_capped_except_for_data_quality() -> None:
    entries = [_pack("drafting", "advisory")]
    assert govern(_rule(jurisdiction="IL"), entries, "MA", None).severity == "warning"
    quality = govern(_rule(basis="data-quality"), entries, "MA", None)
    assert (quality.severity, quality.citation, quality.basis) == ("error", "Own law § 1", "data-quality")


def test_silence_on_a_duty_the_law_imposes_anyway_is_a_warning() -> None:
    entries = [_pack("ca", "binding", states=("CA",), jurisdiction="CA", citation="Cal. § 7283.1(a)")]
    law = govern(_rule(), entries, "CA", None)
    assert silence_capped(law, True, entries, "CA", None).severity == "warning"
    assert silence_capped(law, False, entries, "CA", None).severity == "error"
    written = [_pack("wa", "binding", states=("WA",), jurisdiction="WA", citation="RCW § 1",
                     requires_text=True)]
    assert silence_capped(govern(_rule(), written, "WA", None), True, written, "WA", None).severity == "error"


def _check(text: str, packs: tuple[str, ...] | None = None, select: tuple[str, ...] = ()) -> list[Any]:
    engine = Engine(load_registry(), Selection(packs=packs, select=select))
    return engine.findings(load_text(text, "t.yaml").document)


def test_truth_act_consent_form_silence_warns_and_contrary_text_errs() -> None:
    silent = "agency: {name: A, state: CA}\nprovisions: {}\n"
    (f,) = _check(silent, ("ca-values-truth",), ("interview-consent-form",))
    assert (f.severity, f.citation, f.basis) == ("warning", "Cal. Gov. Code § 7283.1(a)", "law")
    allowed = ("agency: {name: A, state: CA}\nprovisions:\n  ice_interviews_in_custody:\n"
               "    value: allowed\n    quote: ICE may interview detainees.\n")
    assert [f.severity for f in _check(allowed, ("ca-values-truth",), ("interview-consent-form",))] == ["error"]


# -- section and scope corrections (issue 12 §2) ------------------------------------------------

def _entry(pack: str, rule: str) -> PackRule:
    (entry,) = [e for e in load_registry().packs[pack].rules if e.rule == rule]
    return entry


def test_oregon_inquiry_rests_on_181a_823_not_on_giving_information() -> None:
    for rule in ("place-of-birth-inquiry-restricted", "status-inquiry-restricted", "iaq-requires-criminal-nexus"):
        e = _entry("or-sanctuary-promise", rule)
        assert "ORS 181A.823(1)(b)" in (e.citation or "") and "text not seen" in (e.citation or "")
        assert "181A.826(2)(b)(A)" not in (e.citation or "") and e.severity == "warning"
    sources = {s["citation"]: s for s in load_registry().packs["or-sanctuary-promise"].sources}
    assert any(c.startswith("ORS 181A.823") and not s["seen"] for c, s in sources.items())


def test_washington_state_agency_law_and_the_adopt_or_notify_duty() -> None:
    resources = _entry("wa-kww", "resources-not-used")
    assert resources.basis == "drafting" and resources.severity != "error"
    assert "state agencies" in (resources.citation or "")
    assert "43.17.425" not in (_entry("wa-kww", "place-of-birth-inquiry-restricted").citation or "")
    training = _entry("wa-kww", "training-required")
    assert training.citation.startswith("RCW 43.10.315") and training.basis == "drafting"  # type: ignore[union-attr]
    filed = _entry("wa-kww", "policy-filed-with-state")
    assert (filed.citation, filed.severity) == ("RCW 43.10.315", "warning")


def test_california_entries_that_rest_on_no_duty_are_not_errors() -> None:
    for rule in ("sensitive-locations-addressed", "juvenile-provision-present",
                 "ice-contact-log-and-report", "no-facility-access"):
        e = _entry("ca-values-truth", rule)
        assert e.basis == "drafting" and e.severity != "error", rule
    assert "7284.6(a)(5)" in _entry("ca-values-truth", "no-facility-access").citation  # type: ignore[operator]
    assert "(b)(5)" in _entry("ca-values-truth", "no-facility-access").citation  # type: ignore[operator]
    assert "a definition" in _entry("ca-values-truth", "juvenile-provision-present").citation  # type: ignore[operator]
    assert _entry("ca-values-truth", "u-t-visa-procedure").severity == "warning"
    nexus = ("agency: {name: A, state: CA}\nprovisions:\n  status_inquiry:\n    value: allowed\n"
             "    quote: Officers may ask.\n")
    (f,) = _check(nexus, ("ca-values-truth",), ("status-inquiry-restricted",))
    assert "at all" not in f.message and "immigration enforcement purposes" in f.message


def test_boston_pack_demands_neither_certification_nor_a_log_of_every_contact() -> None:
    rules = {e.rule for e in load_registry().packs["boston-trust-act"].rules}
    assert not rules & {"u-t-visa-procedure", "ice-contact-log-and-report"}
    model = ROOT / "examples" / "models" / "boston-trust-act.yaml"
    assert _findings(model, ("boston-trust-act",)) == []


def test_lunn_is_not_shown_as_the_law_of_the_notification_gap() -> None:
    gap = ("agency: {name: A, state: MA}\nprovisions:\n  civil_detainer_hold:\n    value: prohibited\n"
           "    quote: No holds.\n")
    (f,) = _check(gap, None, ("notification-gap-when-holds-banned",))
    assert f.basis == "drafting" and f.citation.startswith("Drafting standard, not law")
    assert "does not reach release notification" in f.citation
    admin = _entry("ma-lunn", "admin-warrant-not-judicial")
    assert admin.severity == "warning" and "inference" in (admin.citation or "")


def test_the_48_hour_cap_is_no_permission_to_hold_in_massachusetts() -> None:
    holds = ("agency: {name: A, state: MA}\nprovisions:\n  civil_detainer_hold:\n    value: allowed\n"
             "    quote: Detainers are honoured.\n")
    (f,) = _check(holds, None, ("detainer-48h-cap",))
    assert "no hold on a detainer alone is lawful" in f.message and "Cap any such hold" not in f.message
    elsewhere = _check(holds.replace("state: MA", "state: TX"), None, ("detainer-48h-cap",))
    assert "Cap any such hold at 48 hours" in elsewhere[0].message


def test_cfjj_questions_only_where_the_source_shows_them() -> None:
    for e in load_registry().packs["cfjj-checklist"].rules:
        cite = e.citation or ""
        if e.rule in ("iaq-requires-criminal-nexus", "victims-witnesses-no-inquiry"):
            assert "question 1" in cite
        elif e.rule == "proactive-notification-prohibited":
            assert "question 2" in cite and "not seen" in cite
        else:
            # The rest are policylint's drafting checks, and say so.
            assert (cite.startswith("Not a CfJJ checklist question seen") and e.basis == "drafting"
                    ) or not e.citation, e.rule


def test_quincy_foreign_born_check_is_a_labelled_drafting_warning() -> None:
    found = [f for f in _findings(ROOT / "examples" / "ma" / "quincy.yaml")
             if f.rule == "iaq-trigger-national-origin"]
    assert [(f.severity, f.citation) for f in found] == [
        ("warning", "Drafting standard, not law here; model: 5 ILCS 805/15(e)")]


def test_compare_scorecards_label_entries_that_are_not_the_packs_law() -> None:
    from policylint.rules.governing import entry_label

    registry = load_registry()
    lunn = registry.packs["ma-lunn"]
    assert entry_label(lunn, _entry("ma-lunn", "detainer-hold-prohibited")).startswith("Lunn v. Commonwealth")
    assert entry_label(lunn, _entry("ma-lunn", "judicial-warrant-defined")) == "Drafting standard"
    sca = registry.packs["ma-safe-communities-act"]
    assert entry_label(sca, _entry("ma-safe-communities-act", "no-287g")).startswith("Model standard, not law")


def test_the_governing_memo_key_tells_apart_every_place_the_law_does() -> None:
    # The engine memoises `govern` by `where(...)` instead of the agency's town; two agencies
    # with the same key must be governed alike, or a memo hit would carry the wrong law.
    from policylint.rules.governing import cities_named, where

    registry = load_registry()
    places = [("MA", "Boston"), ("ma", " boston "), ("MA", "Cambridge"), ("MA", "Springfield"),
              ("CA", "Oakland"), ("CA", "Fresno"), ("IL", "Chicago"), (None, "Boston"), ("MA", None)]
    for rule in registry.rules.values():
        entries = [(p, e) for p in registry.packs.values() for e in p.rules if e.rule == rule.id]
        cities = cities_named(rule, entries)
        seen: dict[tuple[Any, ...], Any] = {}
        for state, place in places:
            got = govern(rule, entries, state, place)
            assert seen.setdefault(where(state, place, cities), got) == got, (rule.id, state, place)
