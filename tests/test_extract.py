"""`policylint extract`: cue data, sections, proposals, verbatim quotes, the draft and the CLI.

The fixture policies under tests/data/extract/ are of FICTIONAL towns (Maple Falls, Cedar
Grove, Birch Hollow), written for these tests.
"""

from __future__ import annotations

import copy
import io
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_sources import _pdf, without_pypdf

from policylint.cli import cli
from policylint.extract import draft_from_file
from policylint.extract.cues import CueError, load_cues, parse_cues
from policylint.extract.propose import exception_clauses, extract_text
from policylint.extract.sections import split_units
from policylint.load.archive import PAGE_BREAK
from policylint.load.limits import Limits
from policylint.load.sourcetext import Source, find_quote, fold
from policylint.report.scaffold import Agency
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions
from policylint.schema.taxonomy import load_taxonomy
from policylint.shipped import read_text

DATA = Path(__file__).parent / "data" / "extract"
FIXTURES = ("maple-falls.txt", "cedar-grove.html", "birch-hollow.md", "aspen-ridge.txt", "juniper-county.txt")
AGENCY = Agency("Maple Falls Police Department", "MA")
PATTERNS = load_cues().patterns()


# -- the cue data ------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.id for p in PATTERNS])
def test_each_pattern_fires_on_its_examples_and_only_those(pattern: Any) -> None:
    topic = next(t for t in load_cues().topics if t.topic == pattern.topic)
    for sentence in pattern.match_examples:
        assert pattern.fires(sentence), f"{pattern.id} should fire on: {sentence}"
        assert topic.bears_on(sentence), f"{pattern.topic}'s cues should find: {sentence}"
        # Read as a whole passage, the example proposes the pattern's value (no earlier
        # pattern of the topic takes it); a topic whose cues need context gets it from a
        # sentence of the same section.
        text = f"1. {sentence}\n1.1 This section concerns ICE.\n" if topic.context else sentence + "\n"
        result = extract_text(text, False).topic(pattern.topic)
        # A value that only adds to another proposes nothing alone: the passage is listed.
        expected = pattern.value if pattern.alone else "unclear"
        assert result.value == expected, (pattern.id, sentence, result.value)
    for sentence in pattern.no_match_examples:
        assert not pattern.fires(sentence), f"{pattern.id} should not fire on: {sentence}"


def test_every_topic_has_cues_and_the_patterns_cover_most_topics() -> None:
    cues = load_cues()
    assert [t.topic for t in cues.topics] == list(load_taxonomy().topic_keys)
    assert len({p.topic for p in cues.patterns()}) >= 25


@pytest.mark.parametrize("topic, sentence", [
    ("discretion_and_approval", "Cooperation with ICE is at the discretion of the Chief."),
    ("agency_resources", "No Department personnel or equipment shall be used to assist ICE."),
    ("civil_immigration_arrest", "Officers shall not arrest anyone because of immigration status."),
    ("transfer_to_ice", "No inmate shall be released into the custody of ICE."),
    ("ice_facility_access", "ICE agents are not allowed in the secure areas of the station."),
    ("status_inquiry", "Every arrestee shall be interviewed about his or her immigration status."),
    ("civil_detainer_hold", "Deputies shall not act on hold requests."),
    # Regressions: `addresses?` never matched "address"; "civil immigration" ran into "warrant".
    ("nonpublic_data_sharing", "No employee shall give ICE the address of any resident."),
    ("civil_immigration_arrest", "Deputies shall not arrest anyone on a civil immigration warrant."),
])
def test_cues_find_the_topic(topic: str, sentence: str) -> None:
    cues = next(t for t in load_cues().topics if t.topic == topic)
    assert cues.bears_on(sentence)


READINGS = [getattr(load_cues(), n) for n in ("doubt", "continues", "caveat", "refers")] \
    + list(load_cues().exception_kinds)


@pytest.mark.parametrize("reading", READINGS, ids=[r.name for r in READINGS])
def test_each_reading_finds_its_examples_and_only_those(reading: Any) -> None:
    name = reading.name
    for sentence in reading.match_examples:
        assert reading.search(sentence), f"{name} should find: {sentence}"
    for sentence in reading.no_match_examples:
        assert not reading.search(sentence), f"{name} should not find: {sentence}"


# Each topic said in other words than the patterns' examples: the cues must find the passage
# (recall), whatever value is proposed.
PARAPHRASES = [
 ("civil_detainer_hold", "Deputies shall not keep anyone in jail past the end of the sentence because ICE asked them to."),
 ("civil_detainer_hold", "Requests from ICE to keep a person in custody longer shall not be honored."),
 ("admin_warrant_hold", "A warrant of removal signed by an ICE officer is not a basis for arrest."),
 ("admin_warrant_hold", "Officers shall not act on Form I-205."),
 ("transfer_to_ice", "No inmate shall be handed to ICE agents at the jail door."),
 ("transfer_to_ice", "Inmates shall not be released directly to immigration agents."),
 ("release_notification_requests", "Staff shall not tell ICE when an inmate is going to be let out."),
 ("release_notification_requests", "The jail shall not answer ICE questions about when a person will be released."),
 ("proactive_notification", "No officer shall report anyone to immigration authorities."),
 ("proactive_notification", "Officers shall not share a person's whereabouts with ICE on their own initiative."),
 ("status_inquiry", "Officers shall not ask anyone whether he or she is lawfully present in the United States."),
 ("status_inquiry", "Officers shall not ask for proof of citizenship."),
 ("place_of_birth_inquiry", "Officers shall not ask people where they were born."),
 ("status_database_query", "Dispatchers shall not run immigration checks through the state message switch."),
 ("agreement_287g", "The County will not sign a memorandum of agreement with ICE under section 287(g)."),
 ("immigration_officer_functions", "No deputy shall be cross-designated as an immigration officer."),
 ("civil_immigration_arrest", "Officers shall not arrest anyone for being in the country unlawfully."),
 ("criminal_immigration_enforcement", "Officers shall not arrest anyone for unlawful entry under 8 U.S.C. 1325."),
 ("joint_task_forces", "Officers assigned to the HSI task force shall not work on civil immigration cases."),
 ("joint_operations_support", "Officers shall not provide traffic control for ICE."),
 ("ice_facility_access", "ICE agents shall not be allowed past the public lobby of the station."),
 ("ice_interviews_in_custody", "ICE shall not question people held in the lockup."),
 ("detainee_notice", "The jail shall give each inmate a copy of any ICE detainer lodged against him."),
 ("nonpublic_data_sharing", "Officers shall not give ICE anyone's phone number or address."),
 ("criminal_history_sharing", "Officers may share rap sheets with any law enforcement agency."),
 ("status_information_sharing", "Nothing in this policy restricts sending citizenship information to federal agencies under 8 U.S.C. 1373."),
 ("agency_resources", "No City staff time or money shall be spent on enforcing federal immigration law."),
 ("detention_contracts", "The County shall not rent jail beds to ICE."),
 ("ice_as_interpreters", "Officers shall not use ICE agents to translate."),
 ("sensitive_locations", "Officers shall not help immigration agents make arrests at courthouses."),
 ("juveniles", "No child shall be held for ICE."),
 ("discretion_and_approval", "Only the Chief may approve any help to ICE."),
 ("record_keeping_reporting", "The Department shall keep a record of each request ICE makes."),
 ("training", "Every officer shall be trained on this order within 30 days."),
 ("complaints_discipline", "A resident may complain about a breach of this order to the Police Commission."),
 ("bias_based_policing", "Officers shall not treat people differently because of their immigration status."),
 ("u_t_visa_certification", "The Chief shall sign U visa certifications for victims who helped the police."),
 ("consular_notification", "Arrested foreign nationals shall be told they may have their consulate contacted."),
 ("biometric_channel_acknowledged", "Booking fingerprints are sent automatically to the FBI, which shares them with DHS."),
 ('detainee_notice', 'When ICE lodges a hold on an inmate, the jail shall tell the inmate and give him a copy of it.'),
 ('detainee_notice', 'Each person in custody shall be told in writing of any request ICE makes about him or her.'),
 ('status_information_sharing', "Members may exchange information about a person's citizenship with federal agencies as federal law permits."),
 ('u_t_visa_certification', 'Victims of qualifying crimes may ask the Department to sign Form I-918 Supplement B.'),
 ('u_t_visa_certification', 'Requests for certification of helpfulness for a T visa go to the Chief.'),
 ('biometric_channel_acknowledged', 'Prints taken at booking go to the state identification bureau and from there to federal databases, where ICE can see them.'),
 ('criminal_immigration_enforcement', 'Officers shall not arrest anyone for re-entering the United States after deportation.'),
 ('detention_contracts', 'The Sheriff shall not hold people for ICE under any intergovernmental agreement.'),
 ('ice_as_interpreters', 'Officers shall not rely on Border Patrol agents for language assistance.'),
 ('agency_resources', 'No Department resources shall be spent helping ICE.'),
 ('juveniles', 'Officers shall not share information about any person under 18 with ICE.'),
 ('discretion_and_approval', 'Any decision to help ICE shall be made by the Chief of Police.'),
 ('discretion_and_approval', 'A watch commander must approve any response to an ICE request.'),
 ('joint_operations_support', 'Officers shall not stand by at the scene of an ICE arrest.'),
 ('joint_operations_support', 'Officers shall not block streets or guard doors for ICE agents.'),
 ('civil_detainer_hold', 'Inmates shall be released on time even if ICE has asked the jail to hold them.'),
 ('release_notification_requests', 'Officers shall not tell ICE the date an inmate will leave the jail.'),
 ('proactive_notification', "Officers shall not alert immigration agents to a person's presence."),
 ('status_inquiry', 'Officers shall not ask anyone for a green card or visa.'),
 ('ice_interviews_in_custody', "No ICE agent shall meet with an inmate in the jail without the inmate's written agreement."),
 ('ice_facility_access', "ICE shall not use the station's interview rooms."),
 ('nonpublic_data_sharing', "Officers shall not give ICE a person's date of birth, workplace or social security number."),
 ('sensitive_locations', 'Officers shall not help ICE make arrests at homeless shelters or clinics.'),
 ('agreement_287g', 'The County shall end its agreement with ICE under section 287(g) of the Immigration and Nationality Act.'),
 ('immigration_officer_functions', 'No officer shall enforce immigration law as a deputized federal agent.'),
 ('civil_immigration_arrest', 'Officers shall not arrest anyone because he or she may be deportable.'),
 ('record_keeping_reporting', 'Each ICE contact shall be written up in a report to the Chief.'),
 ('training', 'The Academy shall teach this policy to every recruit.'),
 ('complaints_discipline', 'Any member who breaks this policy may be disciplined.'),
 ('bias_based_policing', 'Officers shall not single out people because of where they come from.'),
 ('consular_notification', "Officers shall follow the State Department's rules on notifying consulates."),
]


@pytest.mark.parametrize("topic, sentence", PARAPHRASES, ids=[f"{t}-{i}" for i, (t, _) in enumerate(PARAPHRASES)])
def test_the_cues_find_a_paraphrase(topic: str, sentence: str) -> None:
    assert extract_text("1. Immigration\n" + sentence + "\n", False).topic(topic).passages


# Clear rules in other words than the patterns' examples: each gets its value (the one value a
# careful reader would code).
CLEAR_RULES = [
 ("civil_detainer_hold", "Deputies shall not keep anyone in jail past release because ICE asked them to.", "prohibited"),
 ("civil_detainer_hold", "The jail will hold every inmate named in an ICE detainer for up to 48 hours.", "required"),
 ("civil_detainer_hold", "Deputies may honor a detainer only for an inmate convicted of a violent felony listed in Appendix B.", "restricted_to_listed_crimes"),
 ("transfer_to_ice", "Officers shall not transfer anyone to ICE unless a judge has signed a criminal warrant.", "judicial_warrant_only"),
 ("status_inquiry", "No employee shall ask any person about citizenship status.", "prohibited"),
 ("status_inquiry", "Officers shall not ask about immigration status unless the person is a suspect in a felony.", "serious_offense_nexus"),
 ("release_notification_requests", "The jail shall not respond to ICE notification requests.", "prohibited"),
 ("release_notification_requests", "The jail shall not respond to ICE notification requests except with information available to the public.", "public_info_only"),
 ("proactive_notification", "No officer shall contact ICE about any person's immigration status.", "prohibited"),
 ("agreement_287g", "The Sheriff shall not enter into any agreement under 287(g).", "prohibited"),
 ("agreement_287g", "The Sheriff's Office participates in the 287(g) jail enforcement model.", "jem"),
 ("ice_facility_access", "ICE agents shall not enter the secure areas of the jail unless they present a judicial warrant.", "judicial_warrant_only"),
 ("ice_interviews_in_custody", "ICE shall not interview inmates unless the inmate signs a written consent form and may have a lawyer present.", "consent_form_and_counsel"),
 ("nonpublic_data_sharing", "Officers shall not give ICE anyone's home address unless a court order requires it.", "court_order_only"),
 ("agency_resources", "No Town funds or personnel shall be used to enforce federal immigration law.", "prohibited_for_immigration_enforcement"),
 ("civil_immigration_arrest", "Officers shall not arrest anyone for a civil immigration violation.", "prohibited"),
 ("joint_operations_support", "Officers shall not assist ICE in any raid or enforcement operation.", "prohibited"),
 ("training", "All deputies shall complete training on this directive every year.", "required"),
 ("record_keeping_reporting", "The Chief shall publish an annual report of ICE requests on the City website.", "public_annual_report"),
 ("consular_notification", "Officers shall inform every arrested foreign national of the right to contact the consulate.", "required"),
 ("u_t_visa_certification", "The Department shall decide each U visa certification request within 60 days.", "procedure_with_deadline"),
 ("juveniles", "No juvenile shall be reported to ICE.", "enhanced_protection"),
 ("bias_based_policing", "Officers shall not engage in profiling based on national origin or immigration status.", "bans_status_and_national_origin"),
 ("sensitive_locations", "Officers shall not assist immigration enforcement at hospitals, schools or places of worship.", "prohibited"),
 ("admin_warrant_hold", "Officers shall not arrest anyone on an administrative warrant issued by ICE.", "prohibited"),
 ("detainee_notice", "The jail shall give the inmate a copy of any ICE detainer and tell the inmate whether the jail will comply.", "required"),
 ("ice_as_interpreters", "Officers shall not ask ICE agents to interpret.", "prohibited"),
 ("criminal_immigration_enforcement", "Officers shall not enforce 8 U.S.C. 1326.", "prohibited"),
 ("immigration_officer_functions", "No officer shall act as an immigration officer.", "prohibited"),
 ("status_database_query", "Officers shall not run immigration status checks on anyone.", "prohibited"),
]


@pytest.mark.parametrize("topic, sentence, value", CLEAR_RULES, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(CLEAR_RULES)])
def test_a_clear_rule_gets_its_value(topic: str, sentence: str, value: str) -> None:
    assert extract_text("1. Immigration\n" + sentence + "\n", False).topic(topic).value == value


def _raw() -> dict[str, Any]:
    return yaml.safe_load(read_text("schema", "cues.yaml"))


@pytest.mark.parametrize("change, message", [
    (lambda r: r["topics"].pop("training"), "missing: training"),
    (lambda r: r["topics"].__setitem__("trainings", r["topics"]["training"]), "unknown topic"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("value", "mandatory"), "vocabulary"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("value", "unclear"), "never silent or unclear"),
    (lambda r: r["topics"]["training"]["patterns"][0]["all"].append("{NOPE}"), "unknown macro {NOPE}"),
    (lambda r: r["topics"]["training"]["patterns"][0]["all"].append("(unclosed"), "invalid regular expression"),
    (lambda r: r["topics"]["training"]["patterns"][0].pop("examples"), "examples"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("id", "Bad Id"), "kebab-case"),
    (lambda r: r["topics"]["training"]["patterns"].append(
        copy.deepcopy(r["topics"]["training"]["patterns"][0])), "used twice"),
    (lambda r: r["topics"]["training"].__setitem__("cues", []), "non-empty list"),
    (lambda r: r["topics"]["training"].__setitem__("colour", 1), "unknown key"),
    (lambda r: r["topics"]["training"].__setitem__("definitions", "yes"), "definitions: must be true or false"),
    (lambda r: r.__setitem__("definition", "(unclosed"), "definition: invalid regular expression"),
    (lambda r: r["macros"].__setitem__("LOOP", "{NEG}"), "may not use another macro"),
    (lambda r: r.__setitem__("version", 2), "version: 1"),
    (lambda r: r.pop("doubt"), "doubt: must be a mapping"),
    (lambda r: r["continues"].pop("examples"), "continues: must be a mapping"),
    (lambda r: r["caveat"]["examples"].pop("no_match"), "caveat: `examples`"),
    (lambda r: r["refers"].__setitem__("regex", r"\bnotwithstanding\b"), "must name the clause it refers to"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("supersedes", ["mandatory"]), "supersedes"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("supersedes", ["required"]), "supersedes"),
    (lambda r: r["topics"]["training"]["patterns"][0].__setitem__("alone", False), "`alone`"),
    (lambda r: r["exception_kinds"].__setitem__("mayor_whim", r["exception_kinds"]["public_safety"]),
     "unknown kind"),
])
def test_malformed_cue_data_is_refused_with_where_and_what(change: Any, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(CueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_cues(raw, load_taxonomy())


# -- sections and sentences --------------------------------------------------------------------

def test_sections_sentences_lead_ins_and_abbreviations() -> None:
    text = ("II. PROCEDURE\n"
            "A. Officers shall not enforce 8 U.S.C. 1325 or No. 4 of the code. A second sentence.\n"
            "B. Officers shall not:\n"
            "(1) hold a person on a detainer;\n"
            "(2) transfer a person to ICE.\n"
            "C. The last item, after B, is a letter and not the Roman numeral one hundred.\n")
    source = Source.of(text, False)
    units = split_units(source)
    got = [(u.kind, u.section, source.text[u.start:u.end]) for u in units]
    assert got[0] == ("heading", "II", "PROCEDURE")
    assert got[1] == ("sentence", "II.A", "Officers shall not enforce 8 U.S.C. 1325 or No. 4 of the code.")
    assert got[2][2] == "A second sentence."
    assert got[4][1:] == ("II.B(1)", "hold a person on a detainer;")
    assert units[4].lead_in == 3 and units[5].lead_in == 3
    assert got[6][1] == "II.C"
    assert units[1].place == "line 2"


def test_codified_sections_nested_items_and_where_a_lead_in_ends() -> None:
    text = ("Sec. 2-403. Prohibited activities.\n"
            "(A) Officials shall not:\n"
            "(1) Inquire into an individual's immigration status.\n"
            "(2) Detain an individual on the basis of a hold request.\n"
            "(B) No city department shall enter into an agreement under 8 U.S.C. Section 1357(g).\n")
    source = Source.of(text, False)
    units = split_units(source)
    assert [(u.kind, u.section) for u in units] == [
        ("heading", "2-403"), ("sentence", "2-403(A)"), ("sentence", "2-403(A)(1)"),
        ("sentence", "2-403(A)(2)"), ("sentence", "2-403(B)")]
    assert [u.lead_in for u in units] == [None, None, 1, 1, None]  # (B) is no item of (A)'s list
    extraction = extract_text(text, False)
    # "U.S.C." does not stop the pattern's window at "U.S."
    assert extraction.topic("agreement_287g").value == "prohibited"
    assert extraction.topic("civil_detainer_hold").value == "prohibited"


def test_markdown_headings_bullets_and_right_paren_items() -> None:
    text = ("## 3. Detainers\n"
            "Officers shall not:\n"
            "\u2022 hold a person on an ICE detainer;\n"
            "\u2022 transfer any person to ICE custody.\n"
            "4. Other matters\n"
            "a) Officers shall not run an Immigration Alien Query.\n")
    source = Source.of(text, False)
    units = split_units(source)
    assert [(u.kind, u.section, u.lead_in) for u in units] == [
        ("heading", "3", None), ("sentence", "3", None), ("sentence", "3", 1), ("sentence", "3", 1),
        ("heading", "4", None), ("sentence", "4(a)", None)]
    extraction = extract_text(text, False)
    assert extraction.topic("civil_detainer_hold").value == "prohibited"
    assert extraction.topic("transfer_to_ice").passages[0].quote == "transfer any person to ICE custody."


def test_a_memo_header_field_is_no_heading() -> None:
    # "DATE: October 6, 2025" is title case without a stop: it was taken for a heading and
    # became the section label of every passage under it (a held-out memo showed it).
    text = ("MEMORANDUM\n\nTO: All Personnel\nFROM: Chief Example\nDATE: October 6, 2025\n"
            "RE: Immigration enforcement\n\nOfficers do not hold anyone on an ICE detainer.\n\n"
            "Section 4: Detainers\nNo one is held on a detainer.\n")
    units = split_units(Source.of(text, False))
    headings = [text[u.start:u.end] for u in units if u.kind == "heading"]
    assert not [h for h in headings if h.split(":")[0] in ("TO", "FROM", "DATE", "RE")]
    assert "Detainers" in headings  # "Section 4: Detainers" is still a heading (marker apart)
    assert not [u for u in units if u.section and "October" in u.section]
    # Nor is a field a sentence: the rule after the header is quoted alone.
    assert "Officers do not hold anyone on an ICE detainer." in [text[u.start:u.end] for u in units]


def test_a_list_item_reads_its_lead_in() -> None:
    item = "(a) transfer any person into the custody of federal immigration authorities;\n"
    head = "1. PURPOSE\nA purpose.\n4. CONTACT WITH ICE\n4.1 Officers shall not:\n"
    result = extract_text(head + item, False).topic("transfer_to_ice")
    assert result.value == "prohibited"
    assert result.passages[0].quote == "transfer any person into the custody of federal immigration authorities;"
    assert result.passages[0].section == "4.1(a)"
    # The label is the one `check` finds: a decimal clause with its lettered item ("4.1(a)")
    # is a section of the source even without a clause "4." of its own.
    result = extract_text("4.1 Officers shall not:\n" + item, False).topic("transfer_to_ice")
    assert result.passages[0].section == "4.1(a)"


def test_pdf_pages_keep_page_and_line_and_a_sentence_across_a_page_break() -> None:
    text = ("Maple Falls Police Department\nPage 1\n3.1 Officers shall not detain any person solely on the\n"
            f"{PAGE_BREAK}Maple Falls Police Department\nPage 2\nbasis of a civil immigration detainer.\n"
            f"{PAGE_BREAK}Maple Falls Police Department\nPage 3\n3.2 Officers shall receive training on this "
            "order about ICE.\n")
    extraction = extract_text(text, True)
    hold = extraction.topic("civil_detainer_hold")
    assert hold.value == "prohibited"
    assert hold.passages[0].quote == ("Officers shall not detain any person solely on the basis of a civil "
                                      "immigration detainer.")
    assert hold.passages[0].unit.place == "page 1, line 3"
    assert extraction.topic("training").passages[0].unit.place == "page 3, line 3"


# -- proposals: negation, exceptions, doubt -----------------------------------------------------

def test_an_exception_keeps_the_value_and_flags_it() -> None:
    text = "Officers shall not detain any person on an immigration detainer, except as the Chief directs.\n"
    result = extract_text(text, False).topic("civil_detainer_hold")
    assert result.value == "prohibited" and result.flagged


def test_an_exception_in_any_passage_the_value_rests_on_is_flagged() -> None:
    text = ("1. Officers shall not detain any person solely on the basis of an immigration detainer.\n"
            "2. Members shall not hold any individual beyond the time of release at the request of ICE, "
            "except as the Chief directs.\n")
    result = extract_text(text, False).topic("civil_detainer_hold")
    assert [p.pattern.id for p in result.passages if p.pattern] == [
        "detainer-hold-prohibited", "hold-past-release-prohibited"]
    assert result.value == "prohibited" and result.flagged


def test_the_patterns_own_exception_is_not_flagged() -> None:
    text = "Officers shall not detain a person on a detainer unless it is accompanied by a judicial warrant.\n"
    result = extract_text(text, False).topic("civil_detainer_hold")
    assert result.value == "judicial_warrant_only" and not result.flagged


@pytest.mark.parametrize("text", [
    "Officers may honor an immigration detainer.",            # permission: no pattern is sure
    "A detainer is a request from ICE to hold a person.",     # a definition, no rule
    "Whether to honor a detainer is not addressed here.",     # negation without a duty
])
def test_doubt_leaves_the_value_unclear(text: str) -> None:
    result = extract_text(text + "\n", False).topic("civil_detainer_hold")
    assert result.passages and result.value == "unclear" and not result.proposed


@pytest.mark.parametrize("text", [
    "It is not the practice of the Office not to honor immigration detainers.",   # double negation
    "No deputy shall fail to honor a detainer that comes with a court order.",   # negated duty not to act
    "WHEREAS, holding people on detainers has cost the County its residents' trust;",  # a recital
])
def test_a_doubtful_passage_is_listed_but_proposes_nothing(text: str) -> None:
    result = extract_text(text + "\n", False).topic("civil_detainer_hold")
    assert result.passages and result.value == "unclear"


def test_exception_clauses_of_one_clear_kind_are_written_with_their_words() -> None:
    clauses = exception_clauses(
        "Officers shall not share records with ICE, except where required by federal law, or where the "
        "Chief decides that public safety requires it, or unless the person is a threat to national "
        "security.", load_cues().exception, load_cues().exception_kinds)
    # The Chief's clause names two kinds (chief_discretion, public_safety): not clear, left out.
    assert [(c.kind, c.quote) for c in clauses] == [
        ("required_by_law", "except where required by federal law"),
        ("national_security", "unless the person is a threat to national security")]


def test_a_flagged_exception_is_written_under_exceptions_and_checks_clean(tmp_path: Path) -> None:
    text = ("1. Immigration detainers\n1.1 Officers shall not detain any person on an immigration "
            "detainer, except in an emergency that leaves no time to reach a judge.\n")
    (tmp_path / "policy.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "draft.yaml"
    draft = draft_from_file(str(tmp_path / "policy.txt"), AGENCY, str(output))
    entry = yaml.safe_load(draft.text)["provisions"]["civil_detainer_hold"]
    assert entry["value"] == "prohibited"
    assert [(e["kind"], e["quote"], e["section"]) for e in entry["exceptions"]] == [
        ("exigent_circumstances", "except in an emergency that leaves no time to reach a judge", "1.1")]
    output.write_text(draft.text, encoding="utf-8")
    [result] = check_paths([str(output)], CheckOptions(jobs=1, limits=Limits(max_rule_seconds=60)))
    assert not [f for f in result.findings if f.rule.startswith(("schema", "yaml")) or f.rule in (
        "quote-not-in-source", "section-not-in-source")], result.findings
    # The clause a value rests on is the value, not an exception to it.
    text = "1.1 Officers shall not detain any person on a detainer unless a judicial warrant is presented.\n"
    assert extract_text(text, False).topic("civil_detainer_hold").exceptions == ()


def test_a_limit_in_the_next_sentence_is_part_of_the_rule() -> None:
    text = ("4.1 Deputies shall not keep anyone in custody on an immigration detainer. Only a judicial "
            "warrant may be the basis for such a hold.\n")
    result = extract_text(text, False).topic("civil_detainer_hold")
    assert result.value == "judicial_warrant_only"
    # The limit is shown with the rule, as a further passage.
    assert [p.quote[:9] for p in result.passages] == ["Deputies ", "Only a ju"]
    # In another clause the next sentence limits nothing: the rule stands alone.
    text = ("4.1 Deputies shall not keep anyone in custody on an immigration detainer.\n"
            "4.2 Only a judicial warrant may be the basis for an arrest on an administrative warrant.\n")
    assert extract_text(text, False).topic("civil_detainer_hold").value == "prohibited"


def test_a_clause_that_names_another_limits_it() -> None:
    rule = ("Sec. 3. Operations.\n(a) No officer shall assist ICE in any enforcement operation, including by "
            "providing traffic control.\n")
    assert extract_text(rule, False).topic("joint_operations_support").value == "prohibited"
    text = rule + ("(b) Notwithstanding subsection (a), an officer may act when necessary to protect "
                   "the physical safety of any person.\n")
    assert extract_text(text, False).topic("joint_operations_support").value == "exigent_or_officer_safety_only"


@pytest.mark.parametrize("lead_in, exception", [
    ("Except as provided in 5.3, members shall not:", "5.3 Section 5.2 yields to a judicial warrant.\n"),
    ("Members shall not:", "5.3 The restrictions in 5.2 do not apply where a judicial warrant is presented.\n"),
])
def test_a_list_limited_by_a_clause_it_names_or_that_names_it(lead_in: str, exception: str) -> None:
    items = f"5.2 {lead_in}\na) hold any person in custody on an ICE detainer;\nb) ask about immigration status.\n"
    assert extract_text(items, False).topic("civil_detainer_hold").value == "prohibited"
    result = extract_text(items + exception, False).topic("civil_detainer_hold")
    assert result.passages[0].section == "5.2(a)" and result.value == "unclear"


def test_an_exception_announced_in_the_section_leaves_it_unclear() -> None:
    text = ("4. ICE operations\nWe will not assist ICE in its enforcement operations.\n"
            "There is one exception. A supervisor may send a unit to keep the peace.\n"
            "5. Training\nAll officers shall receive training on this memo.\n")
    extraction = extract_text(text, False)
    assert extraction.topic("joint_operations_support").value == "unclear"
    assert extraction.topic("training").value == "required"  # another section is unaffected
    # Without numbered chapters, the caveat covers the sentences around it only.
    text = ("We will not assist ICE in its enforcement operations. There is one exception. A supervisor "
            "may send a unit to keep the peace. We track calls. We answer every call for service. "
            "We help our neighbors. We keep our word. All officers shall receive training on this memo "
            "about ICE.\n")
    extraction = extract_text(text, False)
    assert extraction.topic("joint_operations_support").value == "unclear"
    assert extraction.topic("training").value == "required"


def test_a_value_that_adds_to_another_is_proposed_not_a_conflict() -> None:
    text = ("7.1 The desk sergeant shall record every request from ICE in a log.\n"
            "7.2 Each year the Chief shall publish on the Town website the number of ICE requests in the log.\n")
    result = extract_text(text, False).topic("record_keeping_reporting")
    assert result.value == "public_annual_report" and not result.conflict


def test_a_value_that_only_adds_to_another_needs_it() -> None:
    report = "8.2 Each year the Chief shall report to the Town Council on every task force officers serve on.\n"
    limit = "8.1 Officers assigned to a federal task force shall limit their work to criminal matters.\n"
    assert extract_text(report, False).topic("joint_task_forces").value == "unclear"
    assert extract_text(limit + report, False).topic("joint_task_forces").value == "criminal_only_with_reporting"


def test_an_instrument_mostly_about_immigration_is_context_everywhere() -> None:
    sections = ["1. Holds\nOfficers shall not honor ICE detainers.\n",
                "2. Questions\nOfficers shall not ask about immigration status.\n",
                "3. Records\nOfficers shall not share records with ICE.\n"]
    training = "4. Training\nAll officers shall receive training every year.\n"
    assert extract_text("".join(sections) + training, False).topic("training").value == "required"
    # With most sections about something else, a section must speak of immigration itself.
    other = "".join(f"{n}. Patrol\nOfficers shall patrol the park.\n" for n in (5, 6, 7, 8))
    assert extract_text(sections[0] + training + other, False).topic("training").value is None


def test_a_sentence_about_the_instrument_itself_is_in_context() -> None:
    text = ("1. Policy\nOfficers shall not consider immigration status in deciding whom to stop.\n"
            "2. Procedure\nOfficers shall receive training on this policy each year.\n"
            "3. Equipment\nOfficers shall receive training on radios.\n")
    passages = extract_text(text, False).topic("training").passages
    assert [p.section for p in passages] == ["2"]


# Sentences written to trap a confident reading: a limit, a "no duty", a double negation, a
# condition after "only".  Each must get one of the values listed (often `unclear`), never
# another: a wrong value costs more than a missing one.
TRAPS = [
 ("proactive_notification", "1. ICE\nThe jail shall notify ICE of the release of any inmate convicted of a felony listed in Section 5.\n", {"restricted_to_listed_crimes","unclear"}),
 ("civil_detainer_hold", "1. ICE\nDeputies shall honor ICE detainers for inmates charged with a violent felony.\n", {"restricted_to_listed_crimes","unclear"}),
 ("status_inquiry", "1. ICE\nMembers shall not be required to ask about immigration status.\n", {"unclear"}),
 ("status_inquiry", "1. ICE\nOfficers shall not ask about immigration status, except as this policy permits.\n", {"unclear"}),
 ("agreement_287g", "1. ICE\nThe Department does not currently have a 287(g) agreement.\n", {"unclear","none_in_force"}),
 ("ice_facility_access", "1. ICE\nICE officers shall have access to the public lobby only.\n", {"unclear","public_areas_only"}),
 ("release_notification_requests", "1. ICE\nThe jail shall answer every ICE request for a release date if the inmate was convicted of a felony.\n", {"unclear","restricted_to_listed_crimes"}),
 ("transfer_to_ice", "1. ICE\nNo inmate shall be transferred to ICE without a judicial warrant.\n", {"judicial_warrant_only"}),
 ("civil_detainer_hold", "1. ICE\nDeputies may not hold anyone on a detainer without a warrant signed by a judge.\n", {"judicial_warrant_only"}),
 ("civil_detainer_hold", "1. ICE\nIt is not the policy of the Sheriff to refuse detainers.\n", {"unclear"}),
 ("consular_notification", "1. ICE\nOfficers are not required to notify the consulate of an arrest.\n", {"unclear","absent"}),
 ("training", "1. ICE\nTraining on this order is encouraged but officers shall not be required to attend it.\n", {"unclear", None}),
 ("record_keeping_reporting", "1. ICE\nThe Chief shall not publish the annual report of ICE requests.\n", {"unclear"}),
 ("joint_operations_support", "1. ICE\nOfficers may assist ICE operations only when a supervisor approves.\n", {"unclear"}),
 ("status_database_query", "1. ICE\nDeputies shall run an IAQ at booking only when the arrestee admits being born abroad.\n", {"unclear"}),
 ("criminal_history_sharing", "1. ICE\nOfficers shall not share criminal history with ICE except as state law requires.\n", {"unclear","prohibited"}),
 ("nonpublic_data_sharing", "1. ICE\nOfficers shall not share addresses with ICE unless a judge orders it.\n", {"court_order_only","unclear"}),
 ("place_of_birth_inquiry", "1. ICE\nOfficers shall not ask a person's country of birth unless federal law requires the question.\n", {"required_by_law_only"}),
 ("joint_task_forces", "1. ICE\nOfficers may serve on the DEA task force without limit.\n", {"unclear", None, "unrestricted"}),
 ("complaints_discipline", "1. ICE\nOfficers who violate this order are subject to discipline.\n", {"unclear"}),
 ('civil_detainer_hold', '1. ICE\nDeputies shall not release an inmate who is the subject of an ICE detainer.\n', {'required', 'unclear'}),
 ('civil_detainer_hold', '1. ICE\nNothing in this policy prohibits deputies from honoring an ICE detainer.\n', {'allowed', 'unclear'}),
 ('civil_detainer_hold', '1. ICE\nAn ICE detainer shall not, by itself, be a reason to refuse bail.\n', {'unclear'}),
 ('transfer_to_ice', '1. ICE\nOfficers shall not delay the transfer of an inmate to ICE custody.\n', {'allowed', 'required', 'unclear'}),
 ('status_inquiry', '1. ICE\nOfficers shall not ask victims about immigration status, but may ask suspects.\n', {'unclear'}),
 ('status_inquiry', '1. ICE\nOfficers shall not stop anyone in order to ask about immigration status.\n', {'prohibited', 'unclear'}),
 ('agreement_287g', '1. ICE\nThe Sheriff shall not end the 287(g) agreement without a vote of the Board.\n', {'unclear'}),
 ('agreement_287g', '1. ICE\nThe Office ended its 287(g) jail enforcement agreement in 2020.\n', {'none_in_force', 'unclear'}),
 ('ice_interviews_in_custody', '1. ICE\nInmates shall not be interviewed by ICE unless they sign a consent form.\n', {'consent_form', 'unclear'}),
 ('ice_facility_access', '1. ICE\nNo member shall refuse ICE access to the booking area.\n', {'allowed', 'unclear'}),
 ('nonpublic_data_sharing', '1. ICE\nOfficers shall share home addresses with ICE on request.\n', {'allowed', 'unclear'}),
 ('training', '1. ICE\nNo training on this order is required.\n', {None, 'absent', 'unclear'}),
 ('record_keeping_reporting', '1. ICE\nThe Department keeps no log of ICE requests.\n', {None, 'none', 'unclear'}),
 ('proactive_notification', '1. ICE\nOfficers shall not call ICE about a crime victim or witness.\n', {'prohibited', 'unclear'}),
 ('release_notification_requests', '1. ICE\nRelease dates are public records and may be given to anyone who asks, including ICE.\n', {'allowed', 'public_info_only', 'unclear'}),
 ('civil_immigration_arrest', '1. ICE\nOfficers shall arrest a person for a civil immigration violation only on a judicial warrant.\n', {'unclear'}),
 ('immigration_officer_functions', '1. ICE\nNo officer shall perform the functions of an immigration officer except under the 287(g) agreement.\n', {'unclear'}),
 ('joint_operations_support', '1. ICE\nOfficers shall not refuse to help ICE operations.\n', {'allowed', 'unclear'}),
 ('sensitive_locations', '1. ICE\nOfficers shall not assist immigration enforcement at schools unless the principal agrees.\n', {'unclear'}),
 ('detention_contracts', '1. ICE\nThe County shall not renew its detention contract with ICE after June 2027.\n', {'prohibited', 'unclear'}),
 ('judicial_warrant_definition', '1. ICE\nJudicial warrant: see Section 2.\n', {'unclear'}),
 ('u_t_visa_certification', '1. ICE\nThe Department shall not refuse to certify U visa requests within 30 days.\n', {'unclear'}),
 ('bias_based_policing', '1. ICE\nOfficers shall not engage in profiling based on race, national origin or immigration status, except when a suspect description includes it.\n', {'unclear'}),
 ('civil_detainer_hold', '1. Immigration\nDeputies will honor an ICE detainer only if a federal judge has signed a warrant for the inmate.\n', {'judicial_warrant_only'}),
 ('civil_detainer_hold', '1. Immigration\nAn ICE detainer, standing alone, is not a lawful basis to keep anyone in custody, and deputies shall release the person when he or she is otherwise eligible.\n', {'prohibited', 'unclear'}),
 ('civil_detainer_hold', '1. Immigration\nThe jail complies with all ICE detainers.\n', {'required', 'unclear'}),
 ('transfer_to_ice', '1. Immigration\nInmates may be transferred to ICE custody when ICE presents a detainer.\n', {'allowed', 'unclear'}),
 ('agreement_287g', '1. Immigration\nThe Department has never entered into a 287(g) agreement and will not do so.\n', {'none_in_force', 'prohibited', 'unclear'}),
 ('agreement_287g', "1. Immigration\nUnder its 287(g) agreement, the Office's designated deputies perform immigration functions in the jail.\n", {'jem', 'unclear'}),
 ('status_inquiry', '1. Immigration\nOfficers may ask about immigration status when the person has been arrested for a felony.\n', {'serious_offense_nexus', 'unclear'}),
 ('ice_facility_access', '1. Immigration\nICE agents may enter the public lobby like anyone else but not the cell block.\n', {'public_areas_only', 'unclear'}),
 ('nonpublic_data_sharing', "1. Immigration\nOfficers shall not share a person's address with ICE except as required by 8 U.S.C. 1373.\n", {'prohibited', 'unclear'}),
 ('nonpublic_data_sharing', '1. Immigration\nThe Department will share any information in its records with ICE when asked.\n', {'allowed', 'unclear'}),
 ('release_notification_requests', '1. Immigration\nRelease dates shall be given to ICE only for inmates serving a sentence for a violent felony.\n', {'restricted_to_listed_crimes', 'unclear'}),
 ('proactive_notification', '1. Immigration\nDeputies shall notify ICE whenever a foreign-born person is booked.\n', {'required'}),
 ('proactive_notification', '1. Immigration\nOfficers shall not contact ICE about a person unless the person is suspected of terrorism.\n', {'unclear'}),
 ('joint_operations_support', '1. Immigration\nOfficers may provide traffic control at an ICE operation only when there is an imminent threat to life.\n', {'exigent_or_officer_safety_only', 'unclear'}),
 ('training', '1. Immigration\nSupervisors shall ensure that all officers under their command receive annual training on this policy.\n', {'required'}),
 ('record_keeping_reporting', '1. Immigration\nThe Sheriff shall report the number of detainers honored to the state each year.\n', {'public_annual_report', 'report_to_state', 'unclear'}),
 ('complaints_discipline', '1. Immigration\nComplaints under this policy shall be investigated by the Office of Professional Standards, and violations shall result in discipline.\n', {'named_body_and_discipline', 'unclear'}),
 ('judicial_warrant_definition', '1. Immigration\n"Judicial warrant" means a warrant issued by a judge of a state or federal court in a criminal case.\n', {'criminal_judicial_defined'}),
 ('judicial_warrant_definition', '1. Immigration\nFor this policy, a judicial warrant is any warrant a judge has signed.\n', {'any_judge_defined', 'unclear'}),
 ('immigration_officer_functions', '1. Immigration\nNo member shall accept designation under 8 U.S.C. 1357(g).\n', {'prohibited', 'unclear'}),
 ('civil_immigration_arrest', '1. Immigration\nOfficers shall not detain anyone solely because the person lacks immigration documents.\n', {'prohibited', 'unclear'}),
 ('discretion_and_approval', '1. Immigration\nOfficers may contact ICE only after a supervisor approves.\n', {'supervisor_approval', 'unclear'}),
 ('discretion_and_approval', '1. Immigration\nDeputies may contact ICE if they have reason to believe a person is wanted on a criminal warrant.\n', {'any_officer', 'unclear'}),
 ('criminal_history_sharing', '1. Immigration\nOfficers shall not share criminal history with ICE.\n', {'prohibited', 'unclear'}),
 ('criminal_history_sharing', '1. Immigration\nNothing in this policy prevents officers from refusing to share criminal records with ICE.\n', {'prohibited', 'unclear'}),
 ('record_keeping_reporting', '1. Immigration\nOfficers shall document the reason for every stop.\n', {None, 'unclear'}),
 ('record_keeping_reporting', '1. Immigration\nThe Chief shall keep a log of ICE requests and publish it each year on the Town website.\n', {'public_annual_report'}),
 ('record_keeping_reporting', '1. Immigration\nSupervisors shall not log calls from ICE.\n', {'none', 'unclear'}),
 ('complaints_discipline', '1. Immigration\nAny person may file a complaint with the Office of Internal Affairs.\n', {'named_body', 'named_body_and_discipline', 'unclear'}),
 ('status_inquiry', '1. Immigration\nOfficers shall not ask about immigration status unless state law requires it or the Chief approves.\n', {'unclear'}),
 ('status_inquiry', '1. Immigration\nOfficers shall not ask about immigration status unless the person is suspected of a felony or a misdemeanor.\n', {'criminal_investigation_nexus', 'unclear'}),
 ('place_of_birth_inquiry', "1. Immigration\nBooking officers shall record each arrestee's place of birth unless the arrestee declines.\n", {'allowed', 'unclear'}),
 ('transfer_to_ice', '1. Immigration\nNo inmate charged with a misdemeanor shall be transferred to ICE.\n', {'unclear'}),
 ('transfer_to_ice', '1. Immigration\nOfficers shall not transfer a person to ICE unless the person was convicted of a crime.\n', {'restricted_to_listed_crimes', 'unclear'}),
 ('release_notification_requests', '1. Immigration\nStaff shall not respond to ICE release-date requests unless the inmate has a felony conviction listed in the statute.\n', {'restricted_to_listed_crimes', 'unclear'}),
 ('proactive_notification', '1. Immigration\nOfficers shall notify ICE only of the release of persons convicted of serious felonies.\n', {'restricted_to_listed_crimes', 'unclear'}),
 ('joint_task_forces', '1. Immigration\nNo officer shall serve on any task force that includes ICE.\n', {'unclear'}),
 ('joint_task_forces', '1. Immigration\nTask force officers shall report their hours to the Chief each year.\n', {None, 'unclear'}),
 ('ice_interviews_in_custody', '1. Immigration\nICE may interview an inmate who has signed a consent form and been told he may have a lawyer.\n', {'consent_form_and_counsel', 'unclear'}),
 ('ice_facility_access', '1. Immigration\nICE officers shall have access to the jail only with a judicial warrant.\n', {'judicial_warrant_only', 'unclear'}),
 ('nonpublic_data_sharing', "1. Immigration\nOfficers shall not release any person's address except to a court.\n", {None, 'court_order_only', 'unclear'}),
 ('consular_notification', "1. Immigration\nOfficers shall not notify a consulate without the arrestee's consent.\n", {'unclear'}),
 ('u_t_visa_certification', '1. Immigration\nThe Department shall not certify U visa requests within 30 days of an arrest.\n', {'unclear'}),
 ('bias_based_policing', '1. Immigration\nOfficers shall serve every resident regardless of immigration status, except where a federal law says otherwise.\n', {'unclear'}),
 ('training', '1. Immigration\nOfficers shall train their partners on radio use.\n', {None, 'unclear'}),
 ('juveniles', '1. Immigration\nJuveniles may be reported to ICE like adults.\n', {'same_as_adults', 'unclear'}),
 ('civil_detainer_hold', '4.1 Officers shall not hold anyone on an ICE detainer. Only the Chief may speak to the press about detainers.\n', {'prohibited', 'unclear'}),
 ('civil_detainer_hold', '4.1 Officers shall not hold anyone on an ICE detainer. However, officers shall treat every person with respect.\n', {'prohibited', 'unclear'}),
 ('civil_detainer_hold', '4.1 Officers shall not hold anyone on an ICE detainer.\n4.2 Notwithstanding section 4.1, an officer may hold a person for up to two hours if ICE presents a judicial warrant.\n', {'judicial_warrant_only', 'unclear'}),
 ('civil_detainer_hold', '4. Holds\n4.1 Officers shall not hold anyone on an ICE detainer.\n5. Records\n5.1 There are two exceptions to the records rule.\n', {'prohibited'}),
 ('civil_detainer_hold', 'Sec. 4. (a) Officers shall not hold anyone on an ICE detainer.\nSec. 9. (b) Notwithstanding subsection (a), the Clerk may destroy old files.\n', {'prohibited', 'unclear'}),
 ('status_inquiry', '2.1 Officers shall not ask about immigration status. This section does not apply to the consular notice a treaty requires.\n', {'unclear'}),
 ('training', 'WHEREAS, officers need training on this ordinance about immigration;\n', {None, 'unclear'}),
]


@pytest.mark.parametrize("topic, text, allowed", TRAPS, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(TRAPS)])
def test_a_trap_gets_no_wrong_value(topic: str, text: str, allowed: set[str | None]) -> None:
    assert extract_text(text, False).topic(topic).value in allowed


def test_a_definition_is_listed_but_proposes_only_for_definition_topics() -> None:
    text = ('"Civil immigration detainer" means a request that officers shall not honor.\n'
            '"Judicial warrant" means a warrant signed by a judge.\n')
    extraction = extract_text(text, False)
    hold = extraction.topic("civil_detainer_hold")
    assert hold.passages and hold.value == "unclear"
    assert extraction.topic("judicial_warrant_definition").value == "any_judge_defined"


def test_passages_that_disagree_leave_the_topic_unclear() -> None:
    text = ("1. Officers shall not detain any person solely on the basis of an immigration detainer.\n"
            "2. Officers shall honor every immigration detainer lodged by ICE.\n")
    result = extract_text(text, False).topic("civil_detainer_hold")
    assert result.value == "unclear" and set(result.conflict) == {"prohibited", "required"}


def test_a_context_cue_needs_immigration_in_its_section() -> None:
    text = ("1. Officers shall receive training on the use of force every year.\n"
            "2. Officers shall receive training on this order, which concerns ICE requests.\n")
    passages = extract_text(text, False).topic("training").passages
    assert [p.section for p in passages] == ["2"]


def test_nothing_found_is_none_and_the_fixture_proposals() -> None:
    extraction = extract_text((DATA / "maple-falls.txt").read_text("utf-8"), False)
    assert extraction.topic("juveniles").value is None
    assert extraction.topic("civil_detainer_hold").value == "prohibited"
    assert extraction.topic("ice_facility_access").value == "judicial_warrant_only"
    assert extraction.topic("joint_task_forces").value == "criminal_only"


# -- never invent text --------------------------------------------------------------------------

def _docx(text: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{line.replace('&', '&amp;').replace('<', '&lt;')}"
                   "</w:t></w:r></w:p>" for line in text.splitlines())
    xml = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           f"{body}</w:body></w:document>").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", xml)
    return buf.getvalue()


def _sources(folder: Path) -> list[Path]:
    """The fixtures as txt, html, md, docx and (with pypdf) a three-page PDF."""
    out = []
    for name in FIXTURES:
        shutil.copy(DATA / name, folder / name)
        out.append(folder / name)
    maple = (DATA / "maple-falls.txt").read_text("utf-8")
    (folder / "maple-falls.docx").write_bytes(_docx(maple))
    out.append(folder / "maple-falls.docx")
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return out
    wrapped: list[str] = []
    for line in maple.splitlines():  # a PDF line is short: long clauses wrap, hyphenated where a word is cut
        while len(line) > 80:
            if line[77:79].isalpha():  # cut the word, as a typesetter hyphenates it
                wrapped.append(line[:78] + "-")
                line = line[78:]
                continue
            cut = line.rfind(" ", 0, 80)
            wrapped.append(line[:cut])
            line = line[cut + 1:]
        wrapped.append(line)
    third = len(wrapped) // 3 + 1
    pages = [["Maple Falls Police Department", *wrapped[i:i + third], f"Page {n + 1} of 3"]
             for n, i in enumerate(range(0, len(wrapped), third))]
    (folder / "maple-falls.pdf").write_bytes(_pdf(pages))
    out.append(folder / "maple-falls.pdf")
    return out


def _quotes(doc: dict[str, Any]) -> list[str]:
    out = []
    for prov in doc["provisions"].values():
        out.append(prov["quote"])
        out.extend(o["quote"] for o in prov.get("other_sections", []))
        out.extend(e["quote"] for e in prov.get("exceptions", []))
    return out


def test_every_quote_of_every_fixture_is_verbatim_and_the_draft_checks_clean(tmp_path: Path) -> None:
    for source in _sources(tmp_path):
        output = tmp_path / f"{source.name}.yaml"
        draft = draft_from_file(str(source), AGENCY, str(output))
        doc = yaml.safe_load(draft.text)
        folded = draft.extraction.source.folded.text
        quotes = _quotes(doc)
        assert len(quotes) >= 8, source.name
        for quote in quotes:
            assert fold(quote).text in folded, (source.name, quote)
        output.write_text(draft.text, encoding="utf-8")
        opts = CheckOptions(jobs=1, limits=Limits(max_rule_seconds=60))
        [result] = check_paths([str(output)], opts)
        bad = [f for f in result.findings if f.rule.startswith(("schema", "yaml")) or f.rule in (
            "quote-not-in-source", "section-not-in-source", "archive-missing", "archive-changed",
            "archive-unreadable")]
        assert not bad, (source.name, [(f.rule, f.message) for f in bad])
        assert doc["instrument"]["text_read"] == "full"
        assert doc["instrument"]["source"] == {"archive": source.name, "sha256": draft.sha256}
        for key, prov in doc["provisions"].items():
            assert prov["note"].startswith("proposed by extract"), key


_WORDS = st.sampled_from("officers shall not detain any person detainer ICE immigration status hold "
                         "transfer custody unless judicial warrant training 287(g) U.S.C. No. emergency "
                         "(a) 4.2 Section except: ; , . - \u2019 \u201c".split())


@example([("detainer", "-\n"), ("4.2", " ")], False)  # a clause that cuts a hyphenated word
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, st.sampled_from([" ", " ", " ", "\n", "-\n", ". ", ".\n\n", "\f"])),
                min_size=1, max_size=80), st.booleans())
def test_quotes_are_substrings_of_the_normalised_source(words: list[tuple[str, str]], paged: bool) -> None:
    text = "".join(w + sep for w, sep in words)
    extraction = extract_text(text, paged)
    folded = extraction.source.folded
    for topic in extraction.topics:
        for passage in topic.passages:
            assert fold(passage.quote).text in folded.text, passage.quote
            assert find_quote(folded, passage.quote) is not None
        for clause in topic.exceptions:
            assert fold(clause.quote).text in folded.text, clause.quote


# -- the command --------------------------------------------------------------------------------

def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["extract", *args], catch_exceptions=False)


def test_cli_writes_refuses_to_overwrite_and_forces(tmp_path: Path) -> None:
    shutil.copy(DATA / "maple-falls.txt", tmp_path / "maple-falls.txt")
    out = tmp_path / "drafts" / "maple.yaml"
    first = _run(str(tmp_path / "maple-falls.txt"), "--agency", "Maple Falls Police Department",
                 "--state", "ma", "-o", str(out))
    assert first.exit_code == 0, first.output
    assert "with a proposed value" in first.output and "nothing found" in first.output
    doc = yaml.safe_load(out.read_text("utf-8"))
    assert doc["instrument"]["source"]["archive"] == "../maple-falls.txt"
    assert "outside the draft's folder" in first.output  # check would not read it there
    assert doc["agency"]["state"] == "MA" and doc["instrument"]["kind"] == "general_order"
    assert not out.read_text("utf-8").startswith("# yaml-language-server")  # no schema kept here
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "policy.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    _run(str(tmp_path / "maple-falls.txt"), "--agency", "X", "--state", "MA", "-o", str(tmp_path / "m.yaml"))
    assert (tmp_path / "m.yaml").read_text("utf-8").startswith(
        "# yaml-language-server: $schema=schemas/policy.schema.json\n")
    again = _run(str(tmp_path / "maple-falls.txt"), "--agency", "X", "--state", "MA", "-o", str(out))
    assert again.exit_code == 2 and "already exists; use --force" in again.output
    forced = _run(str(tmp_path / "maple-falls.txt"), "--agency", "X", "--state", "MA", "-o", str(out), "--force")
    assert forced.exit_code == 0 and yaml.safe_load(out.read_text("utf-8"))["agency"]["name"] == "X"


def test_cli_without_output_prints_the_draft_and_the_summary_apart(tmp_path: Path) -> None:
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(cli, ["extract", str(DATA / "cedar-grove.html"), "--agency", "Cedar Grove Sheriff's "
                                 "Office", "--state", "MA", "--kind", "sheriff"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["provisions"]["civil_detainer_hold"]["value"] == "required"
    assert "topics:" in result.stderr and "topics:" not in result.stdout


@pytest.mark.parametrize("args, message", [
    (["missing.txt"], "no such file"),
    (["policy.rtf"], "`.rtf` files cannot be read"),
    (["empty.txt"], "holds no text"),
    (["binary.txt"], "binary"),
    (["policy.txt", "--state", "Mass"], "not a two-letter state code"),
    (["policy.txt", "--kind", "police"], "unknown agency kind"),
    (["policy.txt", "--instrument-kind", "memo"], "unknown instrument kind"),
    (["policy.txt", "-o", "policy.txt", "--force"], "never writes over what it reads"),
])
def test_cli_bad_input_exits_2_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("policy.txt").write_text("Officers shall not honor detainers.\n", encoding="utf-8")
    Path("policy.rtf").write_text("{\\rtf1}", encoding="utf-8")
    Path("empty.txt").write_text("\n\n", encoding="utf-8")
    Path("binary.txt").write_bytes(b"\x00\x01")
    if "--state" not in args:
        args = [*args, "--state", "MA"]
    result = _run(*args, "--agency", "Testville Police Department")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert Path("policy.txt").read_text("utf-8") == "Officers shall not honor detainers.\n"


def test_cli_an_unwritable_output_is_reported_with_its_name_escaped(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("policy.txt").write_text("Officers shall not honor detainers.\n", encoding="utf-8")
    Path("a\u202e").write_text("a file where a folder should be", encoding="utf-8")
    result = _run("policy.txt", "--agency", "X", "--state", "MA", "-o", "a\u202e/draft.yaml")
    assert result.exit_code == 2 and "policylint: error:" in result.output
    assert "\u202e" not in result.output and "Traceback" not in result.output


def test_cli_pdf_without_pypdf_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_pypdf(monkeypatch)
    (tmp_path / "p.pdf").write_bytes(b"%PDF-1.4\n% a different file from every other test\n")
    result = _run(str(tmp_path / "p.pdf"), "--agency", "X", "--state", "MA")
    assert result.exit_code == 2 and "pip install 'policylint[sources]'" in result.output


@given(st.text(alphabet="ab \n\f", max_size=60), st.booleans())
def test_places_by_bisection_agree_with_sourcetext(text: str, paged: bool) -> None:
    from policylint.extract.sections import _Places
    from policylint.load.sourcetext import place

    places = _Places(text, paged)
    for at in range(len(text) + 1):
        assert places(at) == place(text, at, paged)


def test_the_accuracy_benchmark_counts_recall_wrong_values_and_silent_proposals(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "extract_accuracy", Path(__file__).parents[1] / "benchmarks" / "extract_accuracy.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules["extract_accuracy"] = bench  # dataclasses look their module up there
    try:
        spec.loader.exec_module(bench)
    finally:
        sys.modules.pop("extract_accuracy", None)
    shutil.copy(DATA / "maple-falls.txt", tmp_path / "maple-falls.txt")
    doc = yaml.safe_load((DATA / "maple-falls.yaml").read_text("utf-8"))
    doc["provisions"]["civil_detainer_hold"]["value"] = "required"       # extract says prohibited
    doc["provisions"]["training"]["quote"] = "This order is about ICE."  # not in the source
    del doc["provisions"]["agreement_287g"]                             # extract proposes one
    (tmp_path / "maple-falls.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    total = bench.report([str(tmp_path)])
    assert (total.quoted, total.recalled) == (17, 17)
    assert total.wrong == 1 and total.on_silent == 1 and total.proposals == 18
    out = capsys.readouterr().out
    assert "| `civil_detainer_hold` | `required` | yes | `prohibited` | **wrong value** |" in out
    assert "| `agreement_287g` | `silent` | — | `prohibited` | **proposed on a silent topic** |" in out
    assert "quote not in source" in out
