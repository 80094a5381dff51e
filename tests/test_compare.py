"""policylint compare: summaries, cells, scores, coverage, filters and the four report formats."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from policylint.compare import render_csv, render_html, render_json, render_markdown
from policylint.compare.model import RuleCell, build, rule_cell
from policylint.compare.order import parse_filters
from policylint.compare.scores import PackMethod, WeightedRule, score
from policylint.compare.summary import collect, safe_url, summarise
from policylint.errors import UsageError
from policylint.finding import Finding
from policylint.rules.registry import load_registry

REPO = Path(__file__).resolve().parents[1]
MA = REPO / "examples" / "ma"
HOSTILE = REPO / "tests" / "browser" / "fixtures" / "hostile.yaml"


def doc(name: str, *, county: str = "Essex", population: int | None = 1000, kind: str = "municipal_police",
        instrument: str = "department_policy", survey: str | None = None,
        provisions: dict[str, Any] | None = None, **extra: Any) -> str:
    data: dict[str, Any] = {
        "policylint": 1,
        "agency": {"name": name, "kind": kind, "state": "MA", "jurisdiction": name, "county": county},
        "instrument": {"kind": instrument, "title": "Policy", "effective_date": "2024-01-01",
                       "issuing_authority": "Chief of Police", **extra},
        "provisions": provisions or {},
    }
    if population is not None:
        data["agency"]["population"] = population
    if survey:
        data["survey"] = {"status": survey}
    return yaml.safe_dump(data, sort_keys=False)


def compare(paths: list[Any], **kwargs: Any) -> Any:
    return build(collect([str(p) for p in paths]), load_registry(), **kwargs)


@pytest.fixture(scope="module")
def ma() -> Any:
    return compare([MA])


def row(comparison: Any, file_end: str) -> Any:
    """The row of a document, or the version in an agency's history."""
    return next(v for r in comparison.rows for v in (r, *r.history) if v.file.endswith(file_end))


# -- summaries ------------------------------------------------------------------------------


def test_summary_survives_wrong_types_and_keeps_no_node_tree() -> None:
    got = summarise({"agency": {"name": ["x"], "population": "many", "county": 7},
                     "instrument": "oops", "provisions": {"status_inquiry": {"value": 3},
                                                          "training": "required"}})
    assert got["agency"] == {"name": None, "kind": None, "state": None, "jurisdiction": None,
                             "county": "7", "population": None}
    assert got["provisions"]["status_inquiry"]["value"] == "3"
    assert "training" not in got["provisions"]  # not a mapping: nothing to show
    json.dumps(got)  # plain data only


@pytest.mark.parametrize("url, safe", [
    ("https://example.org/a?b=c", True), ("HTTP://EXAMPLE.ORG", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("data:text/html,x", False),
    ("https://example.org/\"><script>", False), ("//example.org", False), (None, False),
])
def test_only_plain_web_addresses_become_links(url: Any, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe


def test_a_quote_is_capped_so_a_hostile_document_cannot_swell_the_report() -> None:
    got = summarise({"provisions": {"training": {"value": "required", "quote": "x" * 50_000}}})
    quote = got["provisions"]["training"]["quote"]
    assert len(quote) <= 1200 and quote.endswith("…")


# -- rule cells ----------------------------------------------------------------------------


def finding(rule: str, severity: str = "warning", suppressed: str | None = None) -> Finding:
    return Finding(file="a.yaml", rule=rule, severity=severity, message=f"{rule} failed",  # type: ignore[arg-type]
                   suppressed=suppressed)


def test_rule_cell_states() -> None:
    coded = {"status_inquiry": {"value": "prohibited"}}
    assert rule_cell("r", None, [], (), {}).state == "not_selected"
    assert rule_cell("r", "skipped", [], (), {}).state == "skipped"
    failing = rule_cell("r", "fail", [finding("r"), finding("r", "error")], (), {})
    assert (failing.state, failing.severity, failing.findings, failing.message) == ("fail", "error", 2, "r failed")
    waived = rule_cell("r", "fail", [finding("r", suppressed="adopted 2024, under review")], (), {})
    assert (waived.state, waived.reasons) == ("suppressed", ("adopted 2024, under review",))
    assert rule_cell("r", "pass", [], ("status_inquiry",), {}).state == "not_addressed"
    assert rule_cell("r", "pass", [], ("status_inquiry",), coded).state == "pass"
    assert rule_cell("r", "pass", [], (), {}).state == "pass"  # a rule on no topic is never "silent"
    assert rule_cell("r", "not_applicable", [], ("status_inquiry",), {}).state == "not_applicable"
    # A partly read document: a rule the engine did not run, or one that passes only because
    # its topics were left out, is "not read", never "silent".
    assert rule_cell("r", "not_read", [], ("status_inquiry",), {}).state == "not_read"
    assert rule_cell("r", "pass", [], ("status_inquiry",), {}, read=False).state == "not_read"
    explicit = {"status_inquiry": {"value": "silent"}}
    assert rule_cell("r", "pass", [], ("status_inquiry",), explicit, read=False).state == "not_addressed"


# -- scores ---------------------------------------------------------------------------------


class _Row:
    def __init__(self, cells: dict[str, RuleCell]) -> None:
        self.rules = cells


def test_score_is_over_what_the_policy_addresses_and_counts_silence_apart() -> None:
    pack = load_registry().packs["ma-lunn"]
    method = PackMethod(pack, (WeightedRule("a", "A", 3, "error", None), WeightedRule("b", "B", 2, "error", None),
                               WeightedRule("c", "C", 1, "info", None), WeightedRule("d", "D", 5, "info", None),
                               WeightedRule("e", "E", 4, "warning", None), WeightedRule("f", "F", 2, "error", None),
                               WeightedRule("g", "G", 1, "warning", None), WeightedRule("h", "H", 1, "warning", None)))
    r = _Row({"a": RuleCell("pass"), "b": RuleCell("fail", "error", 1), "c": RuleCell("not_addressed", silence=True),
              "d": RuleCell("not_applicable"), "e": RuleCell("fail", "error", 1, silence=True),
              "f": RuleCell("not_read"), "g": RuleCell("fail", "warning", 1),
              # An error that another pack gave the rule counts at this pack's own severity.
              "h": RuleCell("fail", "error", 1)})
    s = score(r, method)
    # Silence (c, and e whose finding reports silence) and text not read (f) are neither
    # earned nor lost: the score is over the rules the policy addresses (a, b, g, h).
    assert (s.earned, s.possible, s.value) == (3, 7, 4.3)
    assert (s.violations, s.warnings, s.silent, s.not_read, s.addressed, s.applicable) == (1, 2, 2, 1, 4, 7)
    assert s.ids("violation") == ("b",) and s.ids("warning") == ("g", "h")
    assert s.ids("silent") == ("c", "e") and s.ids("unscored") == ("d",)


def test_a_policy_that_addresses_nothing_has_no_score_not_zero() -> None:
    pack = load_registry().packs["ma-lunn"]
    method = PackMethod(pack, (WeightedRule("a", "A", 3, "error", None), WeightedRule("b", "B", 2, "warning", None)))
    s = score(_Row({"a": RuleCell("not_addressed", silence=True), "b": RuleCell("fail", "error", 1, silence=True)}), method)
    assert s.value is None and (s.violations, s.silent, s.addressed, s.applicable) == (0, 2, 0, 2)


def test_scores_of_the_examples_trace_every_rule_of_their_packs(ma: Any) -> None:
    registry = load_registry()
    boston = row(ma, "boston.yaml")
    assert "boston-trust-act" in boston.scores and "boston-trust-act" not in row(ma, "quincy.yaml").scores
    for r in ma.rows:
        for pid, s in r.scores.items():
            weights = {e.rule: e.weight for e in registry.packs[pid].rules}
            assert [rule for rule, _, _ in s.rules] == list(weights)
            assert s.possible == sum(weights[rule] for rule, _, k in s.rules
                                     if k in ("pass", "violation", "warning", "waived"))
        assert not hasattr(r, "overall")  # there is no overall score


def test_an_agency_whose_policy_is_not_known_gets_no_score(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(doc("Town D", instrument="unknown", survey="no_response"))
    c = compare([tmp_path])
    assert c.rows[0].scores == {} and c.rows[0].law is None
    assert {cell.value for cell in c.rows[0].topics.values()} == {"not_known"}


# -- what a reader concludes: violations, silence, text not read, law apart from advice -----


def _with_instrument(text: str, **keys: Any) -> str:
    data = yaml.safe_load(text)
    data["instrument"].update(keys)
    return yaml.safe_dump(data, sort_keys=False)


def test_silence_and_text_not_read_are_never_counted_as_violations(ma: Any, tmp_path: Path) -> None:
    # Every violation counted on the shipped examples is a failing rule on something the
    # policy says (or on the instrument itself), never a rule that reads only silent topics.
    for r in ma.rows:
        for s in r.scores.values():
            for rid in s.ids("violation"):
                cell = r.rules[rid]
                assert cell.state == "fail" and not cell.silence, (r.file, rid)
        for rid in r.law.ids("violation") if r.law else ():
            assert not r.rules[rid].silence
    # The same silent policy, read in full and read in part: a rule that reports the silence
    # as a finding counts as silent in one and as not read in the other, a violation in neither.
    silent = doc("Town S", provisions={"status_inquiry": {"value": "prohibited", "quote": "No one is asked."}})
    (tmp_path / "full.yaml").write_text(silent)
    (tmp_path / "partial.yaml").write_text(_with_instrument(silent.replace("Town S", "Town P"), text_read="partial"))
    (tmp_path / "none.yaml").write_text(_with_instrument(silent.replace("Town S", "Town N"), text_read="none"))
    c = compare([tmp_path])
    full, partial, none = (row(c, f) for f in ("full.yaml", "partial.yaml", "none.yaml"))
    assert [r.schema_errors for r in (full, partial, none)] == [0, 0, 0]  # text_read is in the format
    reported = full.rules["ice-contact-log-and-report"]
    assert reported.state == "fail" and reported.silence  # a finding about silence
    assert full.topics["training"].value == "silent" and partial.topics["training"].value == "not_read"
    assert none.topics["training"].value == "not_read" and none.topics["training"].tone == "not_read"
    assert partial.topics["status_inquiry"].value == "prohibited"  # what was read still counts
    for r in (partial, none):
        assert r.rules["ice-contact-log-and-report"].state == "not_read"
        # Rules that did not apply to the full text may rest on the unread part: not read too.
        assert r.law.violations == 0 and r.law.silent == 0 and r.law.not_read >= full.law.silent > 0
        assert all(s.violations == 0 and s.silent == 0 for s in r.scores.values())
    assert full.law.violations == 0 and all(s.violations == 0 for pid, s in full.scores.items() if pid != "drafting")


def test_a_finding_about_what_the_document_leaves_out_is_silence(ma: Any, tmp_path: Path) -> None:
    from policylint.compare.summary import points_at_nothing

    data = {"provisions": {"civil_detainer_hold": {"value": "prohibited", "exceptions": [{"kind": "x"}]},
                           "training": {"value": "silent"}}, "instrument": {"review_date": None}}
    assert points_at_nothing(data, "/provisions/release_notification_requests/value")
    assert points_at_nothing(data, "/provisions/training/value") and points_at_nothing(data, "/instrument/review_date")
    assert points_at_nothing(data, "/definitions/eligible_for_release")
    assert not points_at_nothing(data, "/provisions/civil_detainer_hold/value")
    assert not points_at_nothing(data, "/provisions/civil_detainer_hold/exceptions/0/kind")
    assert not points_at_nothing(data, "") and not points_at_nothing(data, None)
    # A policy read in full that bans holds but says nothing on ICE's release requests: the
    # rule that reports that gap reads a coded topic (the hold ban) and still counts as
    # silence, not a failure.
    ban = {"civil_detainer_hold": {"value": "prohibited", "quote": "No one is held on a detainer alone."}}
    (tmp_path / "g.yaml").write_text(doc("Town G", provisions=ban))
    town = row(compare([tmp_path]), "g.yaml")
    gap = town.rules["notification-gap-when-holds-banned"]
    assert gap.state == "fail" and gap.silence
    assert "notification-gap-when-holds-banned" in town.law.ids("silent")
    assert town.rules["release-eligibility-defined"].silence  # a definition left out
    # Brookline's encoding rests on part of its text: the same gap there is not read.
    brookline = row(ma, "brookline.yaml")
    assert brookline.text_read == "partial"
    assert "notification-gap-when-holds-banned" in brookline.law.ids("not_read")
    # Quincy's unbounded "public safety" exception is something the policy says.
    quincy = row(ma, "quincy.yaml")
    assert not quincy.rules["exception-unbounded-public-safety"].silence


def test_no_aggregate_mixes_law_with_standards_that_are_not_law(tmp_path: Path) -> None:
    from policylint.compare.scores import LAW

    registry = load_registry()
    c = build(collect([str(MA)], _options(extend_packs=("cfjj-checklist",))), registry)
    assert any(not is_law_pack(registry, m.pack.id) for m in c.packs)  # there is advice to keep apart
    for r in c.rows:
        if r.law is None:
            continue
        assert r.law.packs and all(registry.packs[p].status in LAW for p in r.law.packs)
        law_rules = {e.rule for p in r.law.packs for e in registry.packs[p].rules}
        assert set(r.law.kinds) == law_rules  # no rule comes from an advisory or model pack
        expected = {rid for p in r.law.packs for rid in r.scores[p].ids("violation")}
        assert set(r.law.ids("violation")) == expected
    data = json.loads(render_json.render(c))
    assert all("overall" not in a for a in data["agencies"])
    assert all(a["law"] is None or all(registry.packs[p].status in LAW for p in a["law"]["packs"])
               for a in data["agencies"])
    head = render_csv.header(c)
    assert not any("overall" in h.lower() for h in head)


def is_law_pack(registry: Any, pack_id: str) -> bool:
    from policylint.compare.scores import is_law

    return is_law(registry.packs[pack_id])


def _options(**kwargs: Any) -> Any:
    from policylint.compare.run import check_options

    return check_options(kwargs.get("packs", ()), kwargs.get("extend_packs", ()), None, True)


def test_versions_of_one_agency_are_one_row_with_its_history(ma: Any, tmp_path: Path) -> None:
    names = [r.name for r in ma.rows]
    assert len(names) == len(set(names)) == len(list(MA.glob("*.yaml"))) - 1  # two Lynn files
    lynn = row(ma, "lynn-updated-directive.yaml")
    assert [v.file for v in lynn.history] == ["examples/ma/lynn-2025-11.yaml"] or \
        [v.file.rsplit("/", 1)[-1] for v in lynn.history] == ["lynn-2025-11.yaml"]
    assert ma.coverage.agencies == len(ma.rows) and ma.total == len(ma.rows) + 1
    # An ended agreement and a later policy: the policy in force is the row, the agreement
    # is its history, marked ended.  An agency whose only instrument ended is "ended".
    old = doc("Town E", instrument="agreement", provisions={"agreement_287g": {"value": "jem", "quote": "jail model"}})
    (tmp_path / "e-2017.yaml").write_text(_with_instrument(old, ended="2021-05-01", effective_date="2017-01-18"))
    (tmp_path / "e-2024.yaml").write_text(doc("Town E"))
    only = doc("Town F", instrument="agreement")
    (tmp_path / "f.yaml").write_text(_with_instrument(only, ended="2023-01-01"))
    c = compare([tmp_path])
    assert [r.name for r in c.rows] == ["Town E", "Town F"]
    assert all(v.schema_errors == 0 for r in c.rows for v in (r, *r.history))  # `ended` is in the format
    e, f = c.rows
    assert e.file.endswith("e-2024.yaml") and e.status == "written" and e.ended is None
    assert [(v.file.rsplit("/", 1)[-1], v.status, v.ended) for v in e.history] == [("e-2017.yaml", "ended", "2021-05-01")]
    assert e.history[0].law is not None  # earlier versions are scored too, for their history line
    assert f.status == "ended" and f.ended == "2023-01-01" and not f.history
    # A later version named by `supersedes` is newer whatever the file names say.
    (tmp_path / "g-a.yaml").write_text(_with_instrument(doc("Town G"), title="New order", supersedes="Old order",
                                                        effective_date=None))
    (tmp_path / "g-b.yaml").write_text(_with_instrument(doc("Town G"), title="Old order", effective_date=None))
    g = next(r for r in compare([tmp_path]).rows if r.name == "Town G")
    assert g.schema_errors == 0 and g.history[0].schema_errors == 0
    assert g.file.endswith("g-a.yaml") and [v.file.rsplit("/", 1)[-1] for v in g.history] == ["g-b.yaml"]


def test_every_topic_has_a_scale_and_cooperation_is_never_drawn_as_a_limit() -> None:
    from policylint.compare.model import tone
    from policylint.compare.scales import load
    from policylint.schema.taxonomy import load_taxonomy

    scales = load()
    topics = {t.key: t for t in load_taxonomy().topics}
    assert set(scales) == set(topics)
    for key, sc in scales.items():
        assert set(sc.tones) == set(topics[key].words), key  # every value placed, no stray word
    t287g = topics["agreement_287g"]
    assert [tone(t287g, v) for v in ("prohibited", "none_in_force", "jem", "wso", "tfm")] == ["t0", "t2", "t4", "t4", "t4"]
    assert scales["agreement_287g"].ends == ("limits cooperation", "cooperates")
    assert tone(topics["civil_detainer_hold"], "required") == "t4"
    assert scales["training"].ends[0] == "stronger safeguard"
def test_a_topic_not_read_is_shown_apart_from_silence_and_loses_no_points(tmp_path: Path) -> None:
    provisions = {"civil_detainer_hold": {"value": "prohibited", "quote": "No holds."},
                  "complaints_discipline": {"value": "silent", "note": "read: nothing on complaints"}}
    (tmp_path / "full.yaml").write_text(doc("Full Town", provisions=provisions))
    (tmp_path / "part.yaml").write_text(doc("Part Town", provisions=provisions, text_read="partial"))
    c = compare([tmp_path], all_topics=True)
    full, part = row(c, "full.yaml"), row(c, "part.yaml")
    assert (full.text_read, part.text_read) == ("full", "partial")
    # Left out: silent when the whole text was read, not read when only part of it was.
    assert full.topics["release_notification_requests"].value == "silent"
    assert part.topics["release_notification_requests"].value == "not_read"
    assert part.topics["release_notification_requests"].tone == "not_read"
    assert not part.topics["release_notification_requests"].coded
    # Coded `silent` on purpose: silent either way.
    assert part.topics["complaints_discipline"].value == "silent"
    assert full.rules["ice-contact-log-and-report"].state == "fail"
    assert part.rules["ice-contact-log-and-report"].state == "not_read"
    assert part.rules["complaint-channel-present"].state == "fail"
    # The unread topics cost nothing: every point the partial encoding loses, the full one
    # loses too, and the rules left unread are out of the score.
    for pid, s in part.scores.items():
        assert s.violations <= full.scores[pid].violations and s.warnings <= full.scores[pid].warnings, pid
        assert s.possible <= full.scores[pid].possible
    assert "ice-contact-log-and-report" in part.scores["drafting"].ids("not_read")
    assert part.rules["encoding-partial"].state == "fail"
    assert "encoding-partial" in part.scores["drafting"].ids("unscored")  # weight 0: never counted
    counts = {v: n for v, _, n in dict(c.coverage.topics)["release_notification_requests"]}
    assert counts == {"silent": 1, "not_read": 1}


def test_an_instrument_that_ended_is_shown_as_ended(tmp_path: Path) -> None:
    provisions = {"agreement_287g": {"value": "jem", "paraphrase": "A 287(g) Jail Enforcement Model agreement."}}
    (tmp_path / "ended.yaml").write_text(doc("Old County", instrument="agreement", provisions=provisions,
                                             ended="2021-05", text_read="none"))
    (tmp_path / "live.yaml").write_text(doc("Live County", instrument="agreement", provisions=provisions))
    c = compare([tmp_path])
    assert (row(c, "ended.yaml").ended, row(c, "live.yaml").ended) == ("2021-05", None)
    data = json.loads(render_json.render(c))
    ended = next(a for a in data["agencies"] if a["file"].endswith("ended.yaml"))
    assert ended["instrument"]["ended"] == "2021-05" and ended["instrument"]["text_read"] == "none"
    table = list(csv.reader(io.StringIO(render_csv.render(c))))
    head, body = table[0], {line[1].rsplit("/", 1)[-1]: line for line in table[1:]}
    assert body["ended.yaml"][head.index("Instrument ended")] == "2021-05"
    assert body["live.yaml"][head.index("Instrument ended")] == ""
    assert body["ended.yaml"][head.index("Text read")] == "none"
    text = render_markdown.render(c)
    assert "| Old County (ended 2021-05) |" in text and "| Live County |" in text


# -- topic matrix on the real examples ------------------------------------------------------


def test_topic_cells_carry_the_coded_value_and_its_evidence(ma: Any) -> None:
    lynn = row(ma, "lynn-updated-directive.yaml")
    cell = lynn.topics["proactive_notification"]
    assert cell.value == "criminal_matters_only" and cell.tone == "t1"
    assert cell.quote.startswith("updated directives prohibiting any proactive communication")
    assert cell.source["url"].startswith("https://www.nenc.news/wbur/2026-02-13/")
    # Nothing of Lynn's rules before the directive was read: not read, not silent; the one
    # topic coded from the department's account is silent.
    lynn_before = row(ma, "lynn-2025-11.yaml")
    assert lynn_before.topics["proactive_notification"].value == "not_read"
    assert lynn_before.topics["release_notification_requests"].value == "silent"
    assert row(ma, "bristol-sheriff-287g-2017.yaml").ended == "2021-05"
    quincy = row(ma, "quincy.yaml")
    assert quincy.topics["status_database_query"].value == "routine_at_booking"
    assert quincy.topics["proactive_notification"].tone == "unclear"
    assert [e["kind"] for e in quincy.topics["proactive_notification"].exceptions] == ["public_safety", "national_security"]


def test_only_addressed_topics_are_columns_unless_all_are_asked_for(ma: Any) -> None:
    shown = {t.key for t in ma.topics}
    assert "proactive_notification" in shown
    assert all(any(r.topics[k].coded for r in ma.rows) for k in shown)
    assert len(compare([MA / "lynn-2025-11.yaml"]).topics) == 0
    assert len(compare([MA / "lynn-2025-11.yaml"], all_topics=True).topics) >= 34


def test_rule_matrix_marks_what_the_policy_does_not_address(ma: Any) -> None:
    tewksbury = row(ma, "tewksbury.yaml")
    assert tewksbury.rules["detainer-hold-prohibited"].state == "not_addressed"
    boston = row(ma, "boston.yaml")
    assert boston.rules["detainer-hold-prohibited"].state == "pass"
    # proactive-notification-prohibited is in the Boston Trust Act pack, not in Quincy's packs.
    assert boston.rules["proactive-notification-prohibited"].state == "pass"
    assert "proactive-notification-prohibited" not in row(ma, "quincy.yaml").rules


# -- coverage -------------------------------------------------------------------------------


def test_coverage_headline_reads_like_an_advocates_table(tmp_path: Path) -> None:
    for i, status in enumerate(["provided"] * 23 + ["no_policy"] * 15 + ["no_response"] * 4):
        instrument = {"provided": "department_policy", "no_policy": "none", "no_response": "unknown"}[status]
        (tmp_path / f"t{i:02d}.yaml").write_text(doc(f"Town {i:02d}", survey=status, instrument=instrument))
    c = compare([tmp_path])
    assert c.coverage.headline[0] == ("Of 42 agencies asked for their policy, 23 provided one, "
                                      "15 said they had none and 4 did not respond.")
    assert c.coverage.headline[1] == "Of 42 agencies compared: 23 written policy, 15 no policy and 4 did not respond."
    assert dict((w, n) for w, _, n in c.coverage.survey_status) == {"provided": 23, "no_policy": 15, "no_response": 4}


def test_coverage_counts_topic_values_most_restrictive_first(ma: Any) -> None:
    counts = dict(ma.coverage.topics)["proactive_notification"]
    assert [v for v, _, _ in counts][:2] == ["prohibited", "criminal_matters_only"]
    assert sum(n for _, _, n in counts) == len(ma.rows)
    by_kind = dict(ma.coverage.status_by_kind)
    assert sum(by_kind["sheriff"]) == sum(1 for r in ma.rows if r.kind == "sheriff")


# -- filters, sorting, grouping -------------------------------------------------------------


def test_filter_sort_and_group(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(doc("Alpha", county="Essex", population=5))
    (tmp_path / "b.yaml").write_text(doc("Beta", county="Norfolk", population=50))
    (tmp_path / "c.yaml").write_text(doc("Gamma", county="essex", population=None, kind="sheriff"))
    c = compare([tmp_path], filters=parse_filters(["county=ESSEX"]))
    assert [r.name for r in c.rows] == ["Alpha", "Gamma"]
    assert c.total == 3
    c = compare([tmp_path], sort="population")
    assert [r.name for r in c.rows] == ["Beta", "Alpha", "Gamma"]  # unknown population last
    c = compare([tmp_path], filters=parse_filters(["kind=municipal_police", "county=essex,norfolk"]),
                group_by="county")
    assert [(label, [r.name for r in rows]) for label, rows in c.groups] == [("Essex", ["Alpha"]), ("Norfolk", ["Beta"])]
    assert [r.name for r in compare([tmp_path], sort="score:ma-lunn").rows][0] in {"Alpha", "Beta", "Gamma"}


@pytest.mark.parametrize("bad", ["county", "colour=red", "county="])
def test_bad_filters_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_filters([bad])


@pytest.mark.parametrize("kwargs", [{"sort": "colour"}, {"group_by": "colour"}, {"sort": "score:nope"}])
def test_bad_sort_or_group_is_a_usage_error(kwargs: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        compare([MA / "quincy.yaml"], **kwargs)


# -- formats --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile() -> Any:
    return compare([HOSTILE, MA / "boston.yaml"])


def test_csv_is_one_row_per_agency_and_formula_safe(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(doc("=HYPERLINK(\"http://evil.example\",\"x\")", county="+1", population=3))
    (tmp_path / "b.yaml").write_text(doc("@SUM(1)", county="-2"))
    (tmp_path / "c.yaml").write_text(doc("\tTabbed"))
    c = compare([tmp_path])
    text = render_csv.render(c)
    table = list(csv.reader(io.StringIO(text)))
    head, body = table[0], table[1:]
    assert len(body) == 3 and all(len(line) == len(head) for line in body)
    cells = [v for line in body for v in line]
    assert not any(v.startswith(("=", "+", "-", "@", "\t")) for v in cells)
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+1" in cells and "'-2" in cells
    assert head[:3] == ["Agency", "File", "Agency kind"] and "Law: violations" in head
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    assert render_csv.render(c, bom=True).startswith("\ufeff")


def test_json_has_the_documented_shape(ma: Any) -> None:
    data = json.loads(render_json.render(ma))
    assert data["version"] == 2 and data["kind"] == "policylint-compare"
    assert set(data) >= {"packs", "topics", "rules", "coverage", "agencies", "unreadable", "methodology"}
    assert len(data["agencies"]) == len(ma.rows)
    boston = next(a for a in data["agencies"] if a["file"].endswith("boston.yaml"))
    lunn = boston["scores"]["ma-lunn"]
    assert lunn["possible"] == sum(x["weight"] for x in lunn["rules"]
                                   if x["counts_as"] in ("pass", "violation", "warning", "waived"))
    assert lunn["violations"] == sum(x["counts_as"] == "violation" for x in lunn["rules"])
    assert boston["law"]["packs"] == ["boston-trust-act", "ma-lunn", "federal-detainer-reg", "us-1373"]
    lynn = next(a for a in data["agencies"] if a["name"] == "Lynn Police Department")
    assert [v["file"] for v in lynn["history"]] == ["examples/ma/lynn-2025-11.yaml"]
    pack = next(p for p in data["packs"] if p["id"] == "ma-lunn")
    assert pack["points"] == sum(r["weight"] for r in pack["rules"])


def test_markdown_escapes_policy_text(hostile: Any) -> None:
    text = render_markdown.render(hostile)
    assert "<script" not in text and "<img" not in text and "<svg" not in text
    assert "&lt;script&gt;" in text
    # A pipe or newline in policy text must not add a column or end a table row.
    tables: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    for table in filter(None, tables):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
        assert len(widths) == 1, table


#: Every element the report itself writes; policy text must never add another.
REPORT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "a", "header", "h1", "h2", "h3", "p", "nav",
    "ul", "li", "form", "label", "input", "select", "option", "output", "main", "section", "div",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "span", "strong", "code",
    "figure", "figcaption", "svg", "g", "rect", "text", "line", "details", "summary",
    "blockquote", "footer", "script", "button", "article", "dl", "dt", "dd",
}


def _html_structure(page: str) -> dict[str, Any]:
    """Parse the page like a browser would and check no policy text became markup."""
    from html.parser import HTMLParser

    seen: dict[str, Any] = {"tags": set(), "scripts": 0, "handlers": [], "hrefs": []}

    class Walk(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            seen["tags"].add(tag)
            seen["scripts"] += tag == "script"
            seen["handlers"] += [name for name, _ in attrs if name.startswith("on")]
            seen["hrefs"] += [v for name, v in attrs if name in ("href", "src", "action", "formaction")]

    Walk().feed(page)
    assert seen["tags"] <= REPORT_TAGS, seen["tags"] - REPORT_TAGS
    assert seen["scripts"] <= 1 and not seen["handlers"]
    assert all((v or "").startswith(("#", "https://", "http://")) for v in seen["hrefs"]), seen["hrefs"]
    return seen


def test_html_escapes_everything_and_runs_only_its_own_hashed_script(hostile: Any) -> None:
    page = render_html.render(hostile, "Policy comparison", "test")
    _html_structure(page)
    assert "&lt;script&gt;window.__pwned = &#39;quote&#39;" in page
    assert "javascript:window.__pwned" in page  # shown as text, not as a link
    assert "{{ 7 * 7 }}" in page and ">49<" not in page
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)  # type: ignore[union-attr]
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)  # type: ignore[union-attr]
    import html

    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert render_html.csp_hash(script) in csp and render_html.csp_hash(style) in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_html_is_self_contained(ma: Any) -> None:
    page = render_html.render(ma, "Policy comparison", "test")
    seen = _html_structure(page)
    assert seen["scripts"] == 1
    assert not re.search(r"url\(|@import", page)  # no stylesheet fetches either
    assert page.count("<table") >= 4 + len(ma.packs)
    assert 'scope="row"' in page and 'scope="col"' in page and "<caption>" in page


# -- the command ----------------------------------------------------------------------------


def test_cli_writes_the_report_and_infers_the_format(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run_cli("compare", str(MA), "-o", str(out), "--isolated")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    import os

    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # shareable, not a private temp file
    result = run_cli("compare", str(MA / "quincy.yaml"), "-f", "csv", "--isolated")
    assert result.exit_code == 0 and result.output.startswith("Agency,File,")


def test_cli_reports_unreadable_documents_and_exits_2(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(doc("Good"))
    (tmp_path / "bad.yaml").write_bytes(b"agency: [unclosed\n")
    result = run_cli("compare", str(tmp_path), "-f", "json", "--isolated")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [a["name"] for a in data["agencies"]] == ["Good"]
    assert data["unreadable"][0]["file"].endswith("bad.yaml")
    assert "bad.yaml" in result.stderr


@pytest.mark.parametrize("args", [["--sort", "colour"], ["--filter", "x=y"], ["--pack", "nope"], ["-f", "sarif"]])
def test_cli_usage_errors_exit_2(run_cli: Any, args: list[str]) -> None:
    result = run_cli("compare", str(MA / "quincy.yaml"), "--isolated", *args)
    assert result.exit_code == 2


def test_silence_complies_with_a_standard_that_limits_what_a_policy_may_say() -> None:
    pack = load_registry().packs["us-1373"]
    assert pack.silence_complies
    method = PackMethod(pack, (WeightedRule("a", "A", 2, "warning", None), WeightedRule("b", "B", 1, "warning", None)))
    s = score(_Row({"a": RuleCell("not_addressed", silence=True), "b": RuleCell("fail", "warning", 1)}), method)
    # Silence is shown as silence (the report adds "silence complies"), never as a failure.
    assert (s.earned, s.possible, s.violations, s.warnings, s.silent) == (0, 1, 0, 1, 1)


def test_evidence_csv_has_value_quote_section_and_source_for_every_agency_and_topic(ma: Any) -> None:
    table = list(csv.reader(io.StringIO(render_csv.render_evidence(ma))))
    head, body = table[0], table[1:]
    assert head[:6] == ["Agency", "File", "Topic number", "Topic", "Value", "Meaning"]
    assert len(body) == len(ma.rows) * len(ma.topics)
    at = {h: i for i, h in enumerate(head)}
    boston = [line for line in body if line[at["Agency"]] == "Boston Police Department"]
    hold = next(line for line in boston if line[at["Topic number"]] == "T02")
    assert hold[at["Value"]] == "judicial_warrant_only"
    assert hold[at["Quote"]].startswith("A law enforcement officer shall not detain")
    assert hold[at["Source URL"]].startswith("https://codelibrary.amlegal.com/")
    assert hold[at["Meaning"]] and "silent" not in hold[at["Meaning"]]
    framingham = next(line for line in body if line[at["Agency"]] == "Framingham Police Department"
                      and line[at["Topic number"]] == "T08")
    assert framingham[at["Section"]] == "Policy Statement"
    # The wide CSV names its columns in words, with the rule's id kept in brackets.
    head = render_csv.header(ma)
    assert "T07 Contacting ICE without a request" in head
    assert any(h.startswith("Rule: ") and h.endswith("[detainer-hold-prohibited]") for h in head)


def test_markdown_gives_every_coded_value_a_footnote_with_its_evidence(ma: Any) -> None:
    text = render_markdown.render(ma)
    refs = re.findall(r"\[\^(\d+)\](?!:)", text)
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", text, re.MULTILINE))
    coded = sum(1 for r in ma.rows for t in ma.topics if r.topics[t.key].coded)
    assert len(refs) == len(set(refs)) == len(notes) == coded
    quincy = next(n for n in notes.values() if n.startswith("Quincy Police Department, T10"))
    assert "“foreign-born person arrested”" in quincy and "<https://www.nenc.news/wbur/" in quincy
    assert "Overall" not in text and "| Violations of law | Warnings | Silent | Not read | Addresses |" in text


def test_html_gives_every_value_word_and_pack_a_meaning(ma: Any) -> None:
    page = render_html.render(ma, "Policy comparison", "test")
    words = re.findall(r'class="[^"]*\bvw\b[^"]*" title="([^"]*)"', page)
    assert len(words) > 100 and all(": " in w and len(w.split(": ", 1)[1]) > 5 for w in words)
    assert 'title="jem: A jail enforcement model agreement is in force. (on this topic: cooperates)"' in page
    packs = re.findall(r'class="[^"]*\bpk\b[^"]*"[^>]*title="([^"]*)"', page)
    packs += re.findall(r'title="([^"]*)"[^>]*class="[^"]*\bpk\b', page)
    assert packs and all("(pack id: " in p for p in packs)
    assert "Lunn v. Commonwealth (Massachusetts)" in page and ">ma-lunn<" not in page


def test_what_an_ended_instrument_said_is_not_counted_as_the_agencys_rule_today(tmp_path: Path) -> None:
    agreement = doc("Sheriff A", kind="sheriff", instrument="agreement",
                    provisions={"agreement_287g": {"value": "jem", "quote": "jail enforcement model"}})
    (tmp_path / "a.yaml").write_text(_with_instrument(agreement, ended="2021-05-01"))
    (tmp_path / "b.yaml").write_text(agreement.replace("Sheriff A", "Sheriff B"))
    c = compare([tmp_path])
    assert {v: n for v, _, n in dict(c.coverage.topics)["agreement_287g"]} == {"jem": 1, "ended": 1}
    assert all(r.schema_errors == 0 for r in c.rows)
    a = row(c, "a.yaml")
    assert a.topics["agreement_287g"].value == "jem"  # the matrix still shows what it said
    page = render_html.render(c, "t", "test")
    assert "ended 2021-05-01</span> no longer in force" in page
