"""The rule engine: selectors, conditions, stamping, severity merging, skipping, selection."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from policylint.errors import UsageError
from policylint.load.loader import load_text
from policylint.rules.checks import get as get_check
from policylint.rules.conditions import ConditionError, Env, compile_condition
from policylint.rules.engine import Engine, Selection
from policylint.rules.paths import MISSING, PathError, compile_path
from policylint.rules.registry import Registry
from policylint.rules.rule import Pack, PackRule, Rule, RuleCompileError, compile_rule

# -- paths -----------------------------------------------------------------------------------

DATA = {
    "agency": {"state": "MA"},
    "provisions": {
        "civil_detainer_hold": {"value": "prohibited", "exceptions": [{"kind": "public_safety"}]},
        "proactive_notification": {"value": "allowed", "exceptions": [{"kind": "a"}, {"kind": "b"}]},
    },
    "citations": [{"cite": "8 U.S.C. § 287.7"}],
}


def test_fixed_path_yields_one_triple_even_when_missing() -> None:
    assert list(compile_path("provisions.training").select(DATA)) == [
        ("/provisions/training", MISSING, None)]
    assert list(compile_path("agency.state").select(DATA)) == [("/agency/state", "MA", None)]


def test_wildcards_yield_pointer_value_and_mapping_key() -> None:
    got = list(compile_path("provisions.*.exceptions[*]").select(DATA))
    assert [(p, k) for p, _, k in got] == [
        ("/provisions/civil_detainer_hold/exceptions/0", "civil_detainer_hold"),
        ("/provisions/proactive_notification/exceptions/0", "proactive_notification"),
        ("/provisions/proactive_notification/exceptions/1", "proactive_notification"),
    ]
    assert list(compile_path("nothing[*]").select(DATA)) == []


def test_subject_paths_and_key() -> None:
    subject = DATA["citations"][0]
    assert list(compile_path("@.cite").select(DATA, subject, "/citations/0")) == [
        ("/citations/0/cite", "8 U.S.C. § 287.7", None)]
    assert list(compile_path("@key").select(DATA, subject, "/x", "k")) == [("/x", "k", "k")]


@pytest.mark.parametrize("bad", ["a..b", "a*", ".a", "a[x]", "a b", ""])
def test_bad_paths_are_rejected(bad: str) -> None:
    with pytest.raises(PathError):
        compile_path(bad)


# -- conditions ------------------------------------------------------------------------------


def holds(cond: dict[str, Any], data: Any = DATA, subject: Any = None, key: Any = None) -> bool:
    return compile_condition(cond, get_check)(Env(data), subject, key)


@pytest.mark.parametrize(("cond", "expected"), [
    ({"path": "agency.state", "equals": "MA"}, True),
    ({"path": "agency.state", "in": ["CA", "MA"]}, True),
    ({"path": "agency.state", "not_in": ["CA"]}, True),
    ({"path": "agency.kind", "not_in": ["sheriff"]}, True),   # missing reads as null
    ({"path": "agency.kind", "in": [None]}, True),
    ({"path": "agency.kind", "exists": False}, True),
    ({"path": "agency.state", "exists": True}, True),
    ({"topic": "civil_detainer_hold", "equals": "prohibited"}, True),
    ({"topic": "training", "equals": "silent"}, True),          # absent topic reads as silent
    ({"silent": "training"}, True),
    ({"present": "civil_detainer_hold"}, True),
    ({"silent": "civil_detainer_hold"}, False),
    ({"path": "citations[*].cite", "matches": r"u\.s\.c\. § 287\.7"}, True),
    ({"path": "citations[*].cite", "matches": "C\\.F\\.R"}, False),
    ({"path": "provisions.*.value", "in": ["allowed"]}, True),   # any of several values
    ({"path": "provisions.*.value", "not_in": ["allowed"]}, False),  # ... none of them
    ({"all": [{"silent": "training"}, {"present": "civil_detainer_hold"}]}, True),
    ({"any": [{"silent": "civil_detainer_hold"}, {"path": "agency.state", "equals": "CA"}]}, False),
    ({"not": {"silent": "training"}}, False),
    ({"each": "provisions.proactive_notification.exceptions", "any": {"path": "@.kind", "equals": "b"}}, True),
    ({"each": "provisions.proactive_notification.exceptions", "all": {"path": "@.kind", "equals": "b"}}, False),
    ({"each": "provisions.proactive_notification.exceptions", "none": {"path": "@.kind", "equals": "c"}}, True),
    ({"each": "provisions.missing.exceptions", "any": {"path": "@.kind", "exists": True}}, False),
    ({"each": "provisions.missing.exceptions", "all": {"path": "@.kind", "exists": True}}, True),
    ({"each": "provisions", "any": {"path": "@key", "equals": "civil_detainer_hold"}}, True),
])
def test_conditions(cond: dict[str, Any], expected: bool) -> None:
    assert holds(cond) is expected


def test_dates_compare_iso_text_and_ignore_non_dates() -> None:
    doc = {"instrument": {"effective_date": "2008-02-04"}, "bad": "soon", "n": 5}
    assert holds({"path": "instrument.effective_date", "before": "2017-07-24"}, doc)
    assert not holds({"path": "instrument.effective_date", "after": "2017-07-24"}, doc)
    assert not holds({"path": "bad", "before": "2017-07-24"}, doc)
    assert not holds({"path": "n", "after": "2017-07-24"}, doc)


def test_wrong_types_are_false_never_errors() -> None:
    doc = {"provisions": "oops", "agency": ["x"], "incidents": "none", "list": [1, True]}
    assert not holds({"topic": "civil_detainer_hold", "equals": "prohibited"}, doc)
    assert not holds({"path": "agency.state", "matches": "m"}, doc)
    assert not holds({"path": "agency", "contains": "y"}, doc)
    assert not holds({"each": "incidents", "all": {"path": "@.date", "exists": True}}, doc)
    assert not holds({"each": "incidents", "none": {"path": "@.date", "exists": True}}, doc)
    # true is not 1
    assert not holds({"path": "list", "contains": 1.0}, {"list": [True]})
    assert holds({"path": "list", "contains": True}, doc)


def test_matches_is_case_insensitive_with_capitals_in_the_pattern() -> None:
    doc = {"q": "Public Safety or National Security"}
    assert holds({"path": "q", "matches": r"public safety"}, doc)
    assert holds({"path": "q", "matches": r"\bNational\s+SECURITY\b"}, doc)
    assert not holds({"path": "q", "matches": r"\S+ crimes"}, doc)


@pytest.mark.parametrize(("cond", "pointer"), [
    ({"path": "a", "equals": 1, "in": [1]}, ""),
    ({"path": "a", "wat": 1}, "/wat"),
    ({"all": []}, "/all"),
    ({"all": [{"path": "a", "matches": "("}]}, "/all/0/matches"),
    ({"path": "a", "before": "tomorrow"}, "/before"),
    ({"each": "a", "any": {"silent": "t"}, "all": {"silent": "t"}}, ""),
    ({"check": "no-such-check"}, "/check"),
    ({"check": "incident-contradicts-policy", "args": {"nope": 1}}, "/args"),
    ({"path": "a..b", "exists": True}, "/path"),
    ({"frobnicate": 1}, ""),
])
def test_condition_errors_name_the_part(cond: dict[str, Any], pointer: str) -> None:
    with pytest.raises(ConditionError) as info:
        compile_condition(cond, get_check)
    assert info.value.pointer == pointer


# -- a small registry built in memory --------------------------------------------------------


def make_rule(rule_id: str, **data: Any) -> Rule:
    base = {"id": rule_id, "title": f"{rule_id} title", "severity": "warning",
            "message": "{{ agency.name or 'The policy' }}: `{{ topic }}` is `{{ value }}`",
            "law": {"citation": f"{rule_id} law", "url": f"https://law/{rule_id}"}}
    base.update(data)
    return Rule.from_data(base, file=f"{rule_id}.yaml")


HOLD = make_rule("hold-banned", topics=["civil_detainer_hold"], given="provisions.civil_detainer_hold",
                 fail={"topic": "civil_detainer_hold", "in": ["allowed", "required"]}, at="value",
                 aliases=["hold-old-name"])
QUOTE = make_rule("quote-needed", given="provisions.*", fail={"path": "@.quote", "exists": False},
                  at="value", message="`{{ key }}` has no quote")
STATE = make_rule("needs-state", reads=["/agency"], fail={"path": "agency.state", "exists": False},
                  at="/agency/state", severity="info", message="no state")


def make_registry(*rules: Rule, packs: tuple[Pack, ...] = ()) -> Registry:
    reg = Registry()
    for rule in rules:
        reg.rules[rule.id] = rule
        reg.compiled[rule.id] = compile_rule(rule)
        reg.aliases.update({a: rule.id for a in rule.aliases})
    reg.packs = {p.id: p for p in packs}
    return reg


def make_pack(pack_id: str, *entries: PackRule, status: str = "binding", states: tuple[str, ...] = (),
              jurisdictions: tuple[str, ...] = ()) -> Pack:
    return Pack(id=pack_id, title=pack_id, jurisdiction="X", status=status, rules=entries,
                states=states, jurisdictions=jurisdictions)


PACKS = (
    make_pack("state-law", PackRule("hold-banned", "error", "State law § 1", "https://state/1"),
              PackRule("quote-needed", "warning"), states=("MA",)),
    make_pack("model", PackRule("hold-banned", "warning", "Model § 9"), status="model"),
    make_pack("city", PackRule("hold-banned", "error", "City code § 2"), jurisdictions=("Boston, MA",)),
    make_pack("federal", PackRule("needs-state", "info"), status="federal"),
    make_pack("drafting", PackRule("quote-needed", "info"), status="advisory"),
)

DOC = textwrap.dedent("""\
    agency:
      name: Example PD
      state: MA
    provisions:
      civil_detainer_hold:
        value: allowed
        quote: "we hold"
      training: {value: required}
    """)


def doc(text: str = DOC, name: str = "d.yaml"):
    loaded = load_text(text, name)
    assert loaded.document is not None, loaded.findings
    return loaded.document


def engine(selection: Selection | None = None, *rules: Rule) -> Engine:
    return Engine(make_registry(*(rules or (HOLD, QUOTE, STATE)), packs=PACKS), selection)


def test_stamping_rule_severity_position_snippet_message() -> None:
    found = engine(Selection(packs=("state-law",))).findings(doc())
    hold = next(f for f in found if f.rule == "hold-banned")
    assert (hold.severity, hold.path, hold.line, hold.column) == ("error", "/provisions/civil_detainer_hold/value", 6, 12)
    assert hold.snippet == "allowed"
    assert hold.message == "Example PD: `civil_detainer_hold` is `allowed`"
    assert (hold.packs, hold.citation, hold.url) == (("state-law",), "State law § 1", "https://state/1")
    assert dict(hold.args)["value"] == "allowed"
    quote = next(f for f in found if f.rule == "quote-needed")
    assert (quote.path, quote.line, quote.message) == ("/provisions/training/value", 8, "`training` has no quote")


def test_missing_key_points_at_nearest_parent() -> None:
    found = engine(Selection(packs=(), select=("needs-state",))).findings(doc("agency:\n  name: X\n"))
    # A missing key points at the key naming its parent (`agency:` on line 1).
    assert [(f.path, f.line, f.column) for f in found] == [("/agency/state", 1, 1)]


def test_findings_sorted_by_line_column_rule() -> None:
    found = engine(Selection(packs=("state-law", "federal"))).findings(doc())
    assert [(f.line, f.column) for f in found] == sorted((f.line, f.column) for f in found)


def test_one_finding_per_rule_and_pointer_with_most_severe_pack() -> None:
    found = engine(Selection(packs=("model", "state-law"))).findings(doc())
    holds_ = [f for f in found if f.rule == "hold-banned"]
    assert len(holds_) == 1
    assert holds_[0].severity == "error"
    assert holds_[0].packs == ("model", "state-law")
    assert holds_[0].citation == "State law § 1"
    only_model = engine(Selection(packs=("model",))).findings(doc())
    # A model pack binds nobody: its citation is labelled as such.
    assert [(f.severity, f.citation, f.url, f.basis) for f in only_model] == [
        ("warning", "Model standard, not law here; source: Model § 9", None, "model")]


def test_rule_outside_packs_uses_its_own_severity_and_law() -> None:
    found = engine(Selection(packs=(), select=("hold-banned",))).findings(doc())
    # No pack says which law binds the agency, and the rule's law names no jurisdiction.
    assert [(f.severity, f.packs, f.citation, f.url) for f in found] == [
        ("warning", (), "Drafting standard, not law here; source: hold-banned law", "https://law/hold-banned")]


def test_default_packs_by_state_city_federal_and_drafting() -> None:
    eng = engine()
    assert eng.packs_for({"agency": {"state": "MA"}}) == ("state-law", "federal", "drafting")
    assert eng.packs_for({"agency": {"state": "ma", "jurisdiction": "boston"}}) == (
        "state-law", "city", "federal", "drafting")
    assert eng.packs_for({"agency": {"state": "CA", "jurisdiction": "Boston"}}) == ("federal", "drafting")
    assert eng.packs_for({}) == ("federal", "drafting")
    assert engine(Selection(extend_packs=("model",))).packs_for({}) == ("federal", "drafting", "model")


def test_select_and_ignore_take_ids_aliases_and_prefixes() -> None:
    sel = engine(Selection(packs=("state-law", "federal"), select=("hold-old-name",)))
    assert {f.rule for f in sel.findings(doc())} == {"hold-banned"}
    ign = engine(Selection(packs=("state-law", "federal"), ignore=("quote-", "hold-old-name")))
    assert {f.rule for f in ign.findings(doc())} == set()


@pytest.mark.parametrize(("selection", "hint"), [
    (Selection(packs=("stat-law",)), "unknown pack `stat-law` (did you mean `state-law`?)"),
    (Selection(extend_packs=("nope",)), "unknown pack `nope`"),
    (Selection(select=("hold-baned",)), "unknown rule or rule prefix `hold-baned` in --select (did you mean `hold-banned`?)"),
    (Selection(ignore=("zzz",)), "unknown rule or rule prefix `zzz` in --ignore"),
])
def test_unknown_selection_is_a_usage_error(selection: Selection, hint: str) -> None:
    with pytest.raises(UsageError) as info:
        engine(selection)
    assert str(info.value) == hint


def test_outcomes() -> None:
    ev = engine(Selection(packs=("state-law", "federal"))).evaluate(
        doc("agency: {state: MA}\nprovisions:\n  civil_detainer_hold: {value: prohibited, quote: q}\n"))
    assert ev.outcomes == {"hold-banned": "pass", "quote-needed": "pass", "needs-state": "pass"}
    ev = engine(Selection(packs=("state-law",))).evaluate(doc("agency: {state: MA}\n"))
    assert ev.outcomes == {"hold-banned": "pass", "quote-needed": "not_applicable"}


def test_rules_reading_invalid_values_are_skipped() -> None:
    eng = engine(Selection(packs=("state-law", "federal")))
    d = doc()
    ev = eng.evaluate(d, invalid={"/provisions/civil_detainer_hold/value"})
    assert ev.outcomes["hold-banned"] == "skipped"
    assert ev.outcomes["needs-state"] == "pass"
    # a wildcard rule skips only the subjects the error touches
    assert ev.outcomes["quote-needed"] == "fail"
    assert [f.path for f in ev.findings] == ["/provisions/training/value"]
    ev = eng.evaluate(d, invalid={"/provisions"})
    assert ev.outcomes["quote-needed"] == "skipped" and ev.outcomes["hold-banned"] == "skipped"
    ev = eng.evaluate(d, invalid={"/agency/state"})
    assert ev.outcomes == {"hold-banned": "fail", "quote-needed": "fail", "needs-state": "skipped"}
    ev = eng.evaluate(d, invalid={""})
    assert set(ev.outcomes.values()) == {"skipped"}


def test_condition_paths_count_as_reads() -> None:
    rule = make_rule("reads-kind", fail={"path": "agency.kind", "equals": "sheriff"}, message="m")
    assert compile_rule(rule).reads == ("/agency/kind",)
    ev = Engine(make_registry(rule), Selection(packs=(), select=("reads-kind",))).evaluate(
        doc("agency: {kind: sheriff}\n"), invalid={"/agency/kind"})
    assert ev.outcomes == {"reads-kind": "skipped"}


def test_message_errors_fall_back_to_title_and_the_sandbox_holds() -> None:
    crash = make_rule("crash-msg", fail={"path": "a", "exists": True}, message="{{ value // 0 }}")
    # `value.__class__` is refused when the rule loads; reaching it by a filter is held at run time.
    probe = make_rule("probe-msg", fail={"path": "a", "exists": True},
                      message="[{{ value|attr('__class__') }}]")
    eng = Engine(make_registry(crash, probe), Selection(packs=(), select=("crash-msg", "probe-msg")))
    found = {f.rule: f.message for f in eng.findings(doc("a: 1\n"))}
    assert found["crash-msg"] == "crash-msg title"
    assert "int" not in found["probe-msg"]
    with pytest.raises(RuleCompileError, match="`__mro__` is not available"):
        compile_rule(make_rule("dunder-msg", fail={"path": "a", "exists": True},
                               message="[{{ value.__class__.__mro__ }}]"))


def test_incident_check_through_the_engine() -> None:
    rule = make_rule("incidents", given="incidents[*]",
                     fail={"check": "incident-contradicts-policy",
                           "args": {"prohibiting": ["prohibited"]}},
                     message="{{ args.topic }} {{ args.policy_value }} {{ args.effective_date }}")
    text = textwrap.dedent("""\
        instrument: {effective_date: 2024-01-01}
        provisions:
          proactive_notification: {value: prohibited}
          status_inquiry: {value: allowed}
        incidents:
          - {date: 2023-12-31, topics: [proactive_notification]}
          - {date: 2024-06-01, topics: [status_inquiry]}
          - {date: 2024-06-02, topics: [status_inquiry, proactive_notification]}
          - {topics: [proactive_notification]}
          - "not a mapping"
        """)
    found = Engine(make_registry(rule), Selection(packs=(), select=("incidents",))).findings(doc(text))
    assert [(f.path, f.line, f.message) for f in found] == [
        ("/incidents/2", 8, "proactive_notification prohibited 2024-01-01"),
        ("/incidents/3", 9, "proactive_notification prohibited 2024-01-01"),
    ]
    assert dict(found[0].args)["topics"] == ("proactive_notification",)


@pytest.mark.parametrize(("value", "cond", "expected"), [
    ("2017-07", {"before": "2017-07-24"}, False),   # same month: unknown
    ("2017-06", {"before": "2017-07-24"}, True),
    ("2016", {"before": "2017-07-24"}, True),
    ("2017", {"after": "2017-07-24"}, False),
    ("2018-01", {"after": "2017-07-24"}, True),
    ("2017-13", {"after": "2017-07-24"}, False),    # not a date
    ("2017-02-30", {"before": "2017-07-24"}, False),
    ("2017-07-23T10:00:00", {"before": "2017-07-24"}, True),
])
def test_partial_dates_compare_at_their_precision(value: str, cond: dict[str, str], expected: bool) -> None:
    assert holds({"path": "d", **cond}, {"d": value}) is expected


def test_incident_check_with_partial_dates() -> None:
    from policylint.rules.checks.incidents import incident_contradicts_policy as check

    def run(incident: str | None, effective: str | None) -> Any:
        root = {"instrument": {"effective_date": effective},
                "provisions": {"t": {"value": "prohibited"}}}
        return check(Env(root), {"date": incident, "topics": ["t"]}, {})

    assert run("2025-11", "2025-12-01") is None
    assert run("2025-11", "2025-11")["timing"] == "unknown"
    assert run("2025-11-20", "2025-11-20") is None
    assert run("2025-12", "2025-11-30")["timing"] == "after"
    assert run("2025-11", "2025-11-20")["timing"] == "unknown"
    assert run(None, "2025-11-20")["timing"] == "unknown"
    assert run("2025-11-21", None) == {"topics": ["t"], "topic": "t", "policy_value": "prohibited",
                                       "incident_date": "2025-11-21", "effective_date": None,
                                       "timing": "unknown"}


def test_one_finding_per_rule_and_place_when_subjects_share_a_pointer() -> None:
    rule = make_rule("defs-needed", given="provisions.*", fail={"path": "definitions", "exists": False},
                     at="/definitions", message="define your terms")
    found = Engine(make_registry(rule), Selection(packs=(), select=("defs-needed",))).findings(doc())
    assert [(f.rule, f.path) for f in found] == [("defs-needed", "/definitions")]


def test_no_document_shape_makes_any_rule_raise() -> None:
    """Every shipped rule on documents of the wrong shape: findings or not, never an error."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from policylint.load.document import Document
    from policylint.rules.registry import load_registry

    registry = load_registry()
    eng = Engine(registry, Selection(packs=tuple(registry.packs)))
    words = st.sampled_from(["value", "quote", "exceptions", "kind", "bounded", "trigger", "date",
                             "topics", "cite", "section", "prohibited", "allowed", "silent",
                             "public_safety", "8 U.S.C. § 287.7", "2025-11", "MA", "form"])
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), words, st.text(max_size=8))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(words, inner, max_size=4)), max_leaves=12)
    topics = st.sampled_from(["civil_detainer_hold", "status_database_query", "proactive_notification",
                              "bias_based_policing", "joint_task_forces", "release_notification_requests"])
    documents = st.fixed_dictionaries({}, optional={
        "agency": st.one_of(values, st.fixed_dictionaries({"state": st.sampled_from(["MA", "CA", 5])})),
        "instrument": values, "definitions": values, "citations": values, "incidents": values,
        "provisions": st.one_of(values, st.dictionaries(topics, values, max_size=4)),
    })

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents)
    def run(data: dict[str, Any]) -> None:
        eng.evaluate(Document(file="fuzz.yaml", data=data, root=None, text=""))

    run()


@pytest.mark.parametrize(("value", "at_most", "at_least"), [
    (48, True, True), (0, True, False), (48.5, False, True), (49, False, True),
    ("48", False, False), (True, False, False), (None, False, False),
])
def test_numeric_comparisons(value: Any, at_most: bool, at_least: bool) -> None:
    data = {"x": value}
    assert holds({"path": "x", "at_most": 48}, data) is at_most
    assert holds({"path": "x", "at_least": 48}, data) is at_least
    assert holds({"path": "missing", "at_most": 48}, data) is False


@pytest.mark.parametrize("arg", ["48", True, None, [48]])
def test_numeric_comparisons_take_a_number(arg: Any) -> None:
    with pytest.raises(ConditionError, match="`at_most` takes a number"):
        compile_condition({"path": "x", "at_most": arg}, get_check)


@pytest.mark.parametrize(("reads", "pointer"), [
    (["instrument.effective_date"], "/instrument/effective_date"),
    (["/instrument"], "/instrument"),  # a JSON Pointer is still read
])
def test_reads_are_dotted_paths_like_every_path_in_a_rule(reads: list[str], pointer: str) -> None:
    rule = make_rule("r", given="provisions.*", fail={"path": "@.value", "equals": "x"}, reads=reads)
    assert pointer in compile_rule(rule).reads


@pytest.mark.parametrize("bad", ["@.value", "provisions.*", "a..b"])
def test_reads_name_a_fixed_place_from_the_root(bad: str) -> None:
    rule = make_rule("r", given="provisions.*", fail={"path": "@.value", "equals": "x"},
                     reads=["agency", bad])
    with pytest.raises(RuleCompileError) as info:
        compile_rule(rule)
    assert info.value.pointer == "/reads/1"
