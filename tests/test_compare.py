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
from policylint.registry import load_registry

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
    return next(r for r in comparison.rows if r.file.endswith(file_end))


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


def test_score_counts_weights_and_traces_every_lost_point() -> None:
    pack = load_registry().packs["ma-lunn"]
    method = PackMethod(pack, (WeightedRule("a", "A", 3, "error", None), WeightedRule("b", "B", 2, "warning", None),
                               WeightedRule("c", "C", 1, "info", None), WeightedRule("d", "D", 5, "info", None)))
    r = _Row({"a": RuleCell("pass"), "b": RuleCell("fail", "warning", 1), "c": RuleCell("not_addressed"),
              "d": RuleCell("not_applicable")})
    s = score(r, method)
    assert (s.earned, s.possible, s.silent) == (3, 6, 1)
    assert s.value == 5.0
    assert s.lost == (("b", 2, "fail"), ("c", 1, "not_addressed"))
    assert s.unscored == (("d", "not_applicable"),)
    assert s.earned + sum(w for _, w, _ in s.lost) == s.possible


def test_scores_of_the_examples_add_up_to_the_pack_weights(ma: Any) -> None:
    registry = load_registry()
    boston = row(ma, "boston.yaml")
    assert "boston-trust-act" in boston.scores and "boston-trust-act" not in row(ma, "quincy.yaml").scores
    for r in ma.rows:
        for pid, s in r.scores.items():
            weights = {e.rule: e.weight for e in registry.packs[pid].rules}
            unscored = sum(weights[rule] for rule, _ in s.unscored)
            assert s.possible + unscored == sum(weights.values())
        values = [s.value for s in r.scores.values() if s.value is not None]
        assert r.overall == round(sum(values) / len(values), 1)


def test_an_agency_whose_policy_is_not_known_gets_no_score(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(doc("Town D", instrument="unknown", survey="no_response"))
    c = compare([tmp_path])
    assert c.rows[0].scores == {} and c.rows[0].overall is None
    assert {cell.value for cell in c.rows[0].topics.values()} == {"not_known"}


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
        lost_full = {r: w for r, w, _ in full.scores[pid].lost}
        assert all(lost_full.get(r) == w for r, w, _ in s.lost), pid
        assert s.possible <= full.scores[pid].possible
    assert ("ice-contact-log-and-report", "not_read") in part.scores["drafting"].unscored
    assert part.rules["encoding-partial"].state == "fail"
    assert "encoding-partial" not in {r for r, _, _ in part.scores["drafting"].lost}
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
    head, body = table[0], {line[0].rsplit("/", 1)[-1]: line for line in table[1:]}
    assert body["ended.yaml"][head.index("instrument_ended")] == "2021-05"
    assert body["live.yaml"][head.index("instrument_ended")] == ""
    assert body["ended.yaml"][head.index("text_read")] == "none"
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
    assert head[:3] == ["file", "agency", "kind"] and "score:overall" in head
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    assert render_csv.render(c, bom=True).startswith("\ufeff")


def test_json_has_the_documented_shape(ma: Any) -> None:
    data = json.loads(render_json.render(ma))
    assert data["version"] == 1 and data["kind"] == "policylint-compare"
    assert set(data) >= {"packs", "topics", "rules", "coverage", "agencies", "unreadable", "methodology"}
    assert len(data["agencies"]) == len(ma.rows)
    boston = next(a for a in data["agencies"] if a["file"].endswith("boston.yaml"))
    lunn = boston["scores"]["ma-lunn"]
    assert lunn["earned"] + sum(x["weight"] for x in lunn["lost"]) == lunn["possible"]
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
    "blockquote", "footer", "script", "button",
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
    assert result.exit_code == 0 and result.output.startswith("file,agency,")


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


def test_silence_earns_the_weight_where_the_standard_says_silence_complies() -> None:
    pack = load_registry().packs["us-1373"]
    assert pack.silence_complies
    method = PackMethod(pack, (WeightedRule("a", "A", 2, "warning", None), WeightedRule("b", "B", 1, "warning", None)))
    s = score(_Row({"a": RuleCell("not_addressed"), "b": RuleCell("fail", "warning", 1)}), method)
    assert (s.earned, s.possible, s.silent) == (2, 3, 0)
    assert s.lost == (("b", 1, "fail"),)
