"""A rule whose threshold differs by state applies the law of the pack that runs it."""

from __future__ import annotations

from policylint.load.loader import load_text
from policylint.rules.engine import Engine, Selection
from policylint.rules.registry import load_registry

DOC = """\
agency: {name: Example Police Department, kind: municipal_police, state: MA}
provisions:
  status_inquiry:
    value: required_by_law_only
    quote: "Officers shall not ask about immigration status unless required by law."
"""


def rules(packs: tuple[str, ...], doc_text: str = DOC) -> list[tuple[str, str, tuple[str, ...]]]:
    engine = Engine(load_registry(), Selection(packs=packs, select=("status-inquiry-restricted",)))
    doc = load_text(doc_text, "ex.yaml").document
    return [(f.rule, f.severity, f.packs) for f in engine.findings(doc)]


def test_massachusetts_model_accepts_required_by_law_only():
    assert rules(("ma-safe-communities-act",)) == []


def test_the_same_town_against_illinois_law_fails_as_a_model():
    # Illinois law does not bind a Massachusetts town: its threshold is applied, but the
    # finding is a warning that names Illinois law as a model.
    assert rules(("il-trust",)) == [("status-inquiry-restricted", "warning", ("il-trust",))]
    engine = Engine(load_registry(), Selection(packs=("il-trust",), select=("status-inquiry-restricted",)))
    (finding,) = engine.findings(load_text(DOC, "ex.yaml").document)
    assert finding.citation == "Law of IL, not law here; model: 5 ILCS 805/15(e)"
    assert finding.basis == "other-jurisdiction"


def test_an_illinois_agency_is_bound_by_illinois_law():
    il_doc = DOC.replace("state: MA", "state: IL")
    assert rules(("il-trust",), il_doc) == [("status-inquiry-restricted", "error", ("il-trust",))]


def test_several_standards_report_one_finding_from_the_failing_law():
    found = rules(("ma-safe-communities-act", "il-trust"))
    assert found == [("status-inquiry-restricted", "warning", ("il-trust",))]


def test_without_a_state_pack_the_agency_state_is_the_standard():
    engine = Engine(load_registry(), Selection(packs=("drafting",), select=("status-inquiry-restricted",)))
    il_doc = load_text(DOC.replace("state: MA", "state: IL"), "il.yaml").document
    assert [f.rule for f in engine.findings(il_doc)] == ["status-inquiry-restricted"]


def test_california_bars_questions_for_immigration_enforcement_not_for_crimes():
    # Cal. Gov. Code § 7284.6(a)(1)(A) bars inquiry "for immigration enforcement purposes":
    # a question tied to a criminal investigation is no violation.
    ca_doc = DOC.replace("state: MA", "state: CA").replace("required_by_law_only", "criminal_investigation_nexus")
    assert rules(("ca-values-truth",), ca_doc) == []
    assert rules(("ca-values-truth",), ca_doc.replace("criminal_investigation_nexus", "allowed")) == [
        ("status-inquiry-restricted", "error", ("ca-values-truth",))]


def test_an_unknown_instrument_is_not_read_as_silence():
    engine = Engine(load_registry(), Selection())
    doc = load_text("agency: {name: Town A Police Department, state: MA}\n"
                    "instrument: {kind: unknown}\nsurvey: {status: no_response}\n", "a.yaml").document
    evaluation = engine.evaluate(doc)
    assert evaluation.findings == []
    assert set(evaluation.outcomes.values()) == {"not_applicable"}


def test_a_when_that_reads_only_the_document_is_evaluated_once_per_document():
    from policylint.rules.conditions import reads_subject

    assert not reads_subject({"any": [{"topic": "civil_detainer_hold", "in": ["prohibited"]},
                                      {"silent": "transfer_to_ice"}]})
    assert reads_subject({"path": "@.value", "exists": True})
    assert reads_subject({"each": "@.exceptions", "any": {"path": "@.kind", "equals": "x"}})
    assert reads_subject({"check": "citation-nonexistent"})
    compiled = load_registry().compiled["savings-clause-overbroad"]
    assert compiled.when_per_document
    assert not load_registry().compiled["value-without-quote"].when_per_document


def test_a_state_of_the_wrong_type_is_no_standard_and_no_crash():
    # A rule that asks which state's law applies (the Massachusetts floor of
    # notification-gap-when-holds-banned), on a document whose `agency.state` is a list.
    from policylint.rules.conditions import Env, compile_condition

    test = compile_condition({"standard": ["MA"]}, lambda name: None)
    assert test(Env({"agency": {"state": []}}), None, None) is False
    assert test(Env({"agency": {"state": "MA"}}), None, None) is True
    loaded = load_text("policylint: 1\nagency: {name: X, state: []}\ninstrument: null\n", "bad.yaml")
    assert loaded.document is not None
    Engine(load_registry(), Selection()).findings(loaded.document)  # must not raise
