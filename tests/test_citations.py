"""The citation parser and the citation table: real-world spellings, and the table's own consistency."""

from __future__ import annotations

import datetime as dt

import pytest

from policylint.rules.checks import citations as c


@pytest.mark.parametrize("text, expected", [
    ("8 U.S.C. § 287.7", ["8 U.S.C. § 287.7"]),
    ("8 USC 287.7", ["8 U.S.C. § 287.7"]),
    ("8 U.S.C. §287.7", ["8 U.S.C. § 287.7"]),
    ("8 U.S.C. Sec. 287.7", ["8 U.S.C. § 287.7"]),
    ("under 8 U.S.C. section 287.7.", ["8 U.S.C. § 287.7"]),
    ("Section 287.7 of Title 8 of the United States Code", ["8 U.S.C. § 287.7"]),
    ("Title 8, United States Code, Section 287.7", ["8 U.S.C. § 287.7"]),
    ("Title 8, Section 287.7 of the United States Code", ["8 U.S.C. § 287.7"]),
    ("Title 8 U.S.C. Section 1357", ["8 U.S.C. § 1357"]),
    ("8 U.S. Code § 1357 (g)", ["8 U.S.C. § 1357(g)"]),
    ("8 U.S.C.A. § 1357(g)(10)", ["8 U.S.C. § 1357(g)(10)"]),
    ("8 CFR 287.7(d)", ["8 C.F.R. § 287.7(d)"]),
    ("Section 287.7 of Title 8 of the Code of Federal Regulations", ["8 C.F.R. § 287.7"]),
    ("8 U.S.C. §§ 1373 and 1644.", ["8 U.S.C. § 1373", "8 U.S.C. § 1644"]),
    ("INA § 287(g)", ["INA § 287(g)"]),
    ("INA section 236", ["INA § 236"]),
    ("Section 287(g) of the Immigration and Nationality Act", ["INA § 287(g)"]),
    ("8 U.S.C. § 1101(a)(15)(U)", ["8 U.S.C. § 1101(a)(15)(U)"]),
    ("INA § 287(g), 8 U.S.C. § 1357(g)", ["INA § 287(g)", "8 U.S.C. § 1357(g)"]),
    ("Lunn v. Commonwealth, 477 Mass. 517 (2017)", []),
])
def test_parse_reads_real_world_spellings(text: str, expected: list[str]) -> None:
    assert [str(x) for x in c.parse(text)] == expected


@pytest.mark.parametrize("text", [
    "8 U.S.C. § 287.7", "8 USC 287.7", "Section 287.7 of Title 8 of the United States Code",
    "8 U.S.C. sec. 287.7(d)", "INA 287.7",
])
def test_nonexistent_287_7_suggests_the_regulation(text: str) -> None:
    found = c.nonexistent(text)
    assert found is not None and "8 C.F.R. § 287.7" in found["suggest"]


@pytest.mark.parametrize("text", ["8 C.F.R. § 287.7", "8 U.S.C. § 1357(g)", "8 U.S.C. § 1373"])
def test_real_sections_are_not_nonexistent(text: str) -> None:
    assert c.nonexistent(text) is None


def test_any_decimal_usc_section_is_read_as_a_regulation() -> None:
    found = c.nonexistent("8 U.S.C. § 214.2")
    assert found is not None and found["suggest"] == "8 C.F.R. § 214.2"


@pytest.mark.parametrize("text, suggest", [
    ("8 U.S.C. § 287(g)", "8 U.S.C. § 1357(g)"),
    ("8 USC 236", "8 U.S.C. § 1226"),
    ("8 U.S.C. § 101(a)(15)(U)", "8 U.S.C. § 1101(a)(15)(U)"),
    ("INA § 1357(g)", "INA § 287(g) or 8 U.S.C. § 1357(g)"),
])
def test_ina_usc_mismatch(text: str, suggest: str) -> None:
    found = c.ina_usc_mismatch(text)
    assert found is not None and found["suggest"] == suggest


@pytest.mark.parametrize("text", ["INA § 287(g)", "8 U.S.C. § 1357(g)", "8 U.S.C. § 287.7"])
def test_no_mismatch_for_consistent_or_regulation_numbers(text: str) -> None:
    assert c.ina_usc_mismatch(text) is None


def test_superseded_is_dated_against_the_policy() -> None:
    today = dt.date(2026, 1, 1)
    eo = c.superseded("Exec. Order No. 13,768", "2017-08-01", today)
    assert eo is not None and eo["date"] == "2021-01-20" and not eo["already"] and eo["verified"]
    # EO 13993, which revoked it, was itself revoked in 2025: the finding says what the stored
    # sources show about its status instead of advising flatly to remove the reference.
    assert "13993" in eo["what"] and "2025-01-20" in eo["status"] and "revived" in eo["status"]
    form = c.superseded("Form I-247D", "2019-01-15", today)
    assert form is not None and form["already"] and form["replacement"] == "Form I-247A"
    assert c.superseded("New Detainer Form (I-247A)", "2017-08-01", today) is None
    # Not yet superseded on the day of the check: nothing to say.
    assert c.superseded("Executive Order 13768", None, dt.date(2020, 1, 1)) is None


def test_case_caption_prefers_lunn_v_commonwealth_with_reporter() -> None:
    assert c.case_caption("Commonwealth v Lunn")["problem"] == "caption"  # type: ignore[index]
    assert c.case_caption("Lunn v. Commonwealth")["problem"] == "reporter"  # type: ignore[index]
    assert c.case_caption("Lunn v. Commonwealth, 477 Mass. 517 (2017)") is None


@pytest.mark.parametrize("text, state", [
    ("Cal. Gov. Code § 7284.6", "CA"), ("California Government Code section 7284.4(i)", "CA"),
    ("5 ILCS 805/15(e)", "IL"), ("RCW 10.93.160", "WA"), ("ORS 181A.826", "OR"),
    ("N.J.S.A. 52:17B-98", "NJ"), ("M.G.L. c. 41 § 98", "MA"), ("477 Mass. 517", "MA"),
])
def test_foreign_jurisdiction(text: str, state: str) -> None:
    other = "MA" if state != "MA" else "CA"
    assert c.foreign_jurisdiction(text, other)["cited_state"] == state  # type: ignore[index]
    assert c.foreign_jurisdiction(text, state) is None
    assert c.foreign_jurisdiction("8 U.S.C. § 1373", other) is None


def test_lunn_scope() -> None:
    provisions = {"proactive_notification": {"value": "prohibited", "section": "IV"},
                  "civil_detainer_hold": {"value": "prohibited", "section": "III"}}
    lunn = "Lunn v. Commonwealth, 477 Mass. 517 (2017)"
    assert c.lunn_scope({"cite": lunn, "section": "IV"}, provisions)["topic"] == "proactive_notification"  # type: ignore[index]
    assert c.lunn_scope({"cite": lunn, "section": "III"}, provisions) is None
    assert c.lunn_scope({"cite": lunn, "quote": "Court officers may not hold anyone."}, {})["problem"] == "underclaim"  # type: ignore[index]
    assert c.lunn_scope({"cite": lunn, "quote": "Police officers may not hold anyone."}, {}) is None
    assert c.lunn_scope({"cite": "8 C.F.R. § 287.7", "section": "IV"}, provisions) is None


def test_table_suggestions_are_known_citations() -> None:
    """Every suggestion the table makes is itself a citation the table knows to be good."""
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("policylint.rules").joinpath("data").joinpath("citations.yaml").read_text("utf-8"))
    known = {str(c.parse(k["cite"])[0]) for k in data["known"]}
    for entry in data["nonexistent"]:
        for suggestion in entry["suggest"]:
            parsed = c.parse(suggestion)
            assert parsed, suggestion
            cite = parsed[0]
            assert cite.code == "ina" or str(cite) in known, suggestion
    for pair in data["ina_usc"]:
        assert f"8 U.S.C. § {pair['usc']}" in known


@pytest.mark.parametrize("text", [
    "§" * 100_000 + "1", "8 U.S.C. § 1357(a)" * 20_000, "Section " * 20_000 + "287.7 of Title 8",
    "8 USC " + "1" * 200_000, "commonwealth v. " * 30_000,
])
def test_hostile_citation_text_is_read_in_linear_time(text: str) -> None:
    """Citation text is untrusted: long or repetitive input must not make a check crawl."""
    import time

    start = time.process_time()  # CPU time: a busy machine does not slow it
    cite = c.cite_text(text)
    assert cite is not None
    for check in (c.parse, c.nonexistent, c.ina_usc_mismatch, c.case_caption):
        check(cite)
    c.superseded(cite, None)
    c.foreign_jurisdiction(cite, "MA")
    c.lunn_scope({"cite": text, "quote": text}, {})
    assert time.process_time() - start < 10  # generous: quadratic would take minutes


def test_every_table_pattern_compiles_and_the_joined_searches_agree_with_them() -> None:
    t = c.table()
    groups = {
        "any_superseded": [p for patterns, _ in t.superseded for p in patterns],
        "any_case": [v["pattern"] for case in t.cases for v in case["variants"]]
                    + [case["caption"] for case in t.cases],
        "any_jurisdiction": [p for _, patterns in t.jurisdictions.values() for p in patterns],
    }
    samples = ["8 U.S.C. 1373", "Lunn v. Commonwealth, 477 Mass. 517", "Executive Order 13768",
               "Form I-247D", "Cal. Gov. Code § 7284.6", "nothing to see", "5 ILCS 805/15"]
    for name, patterns in groups.items():
        joined = getattr(t, name)
        assert joined is not None, f"{name}: the table's patterns no longer join"
        for text in samples:
            one = any(p.search(text) for p in patterns)  # compiles each pattern
            assert bool(joined.search(text)) == one, (name, text)
