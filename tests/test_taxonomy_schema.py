"""The taxonomy, the policy-document JSON Schema generated from it, and docs/format.md."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from policylint.cli import cli
from policylint.schema import generate as schemagen
from policylint.schema.taxonomy import (
    TaxonomyError,
    get_topic,
    load_taxonomy,
    parse_taxonomy,
    topic_keys,
    values_for,
)

REGENERATE = "regenerate with: python -m policylint.schema.generate --docs"

# The provision topics, T02-T37 without T01 (the instrument), T29 and T32 (exceptions).
TOPICS: dict[str, tuple[str, list[str]]] = {
    "civil_detainer_hold": ("T02", ["prohibited", "judicial_warrant_only", "restricted_to_listed_crimes", "allowed", "required"]),
    "admin_warrant_hold": ("T03", ["prohibited", "judicial_warrant_only", "restricted_to_listed_crimes", "allowed", "required"]),
    "judicial_warrant_definition": ("T04", ["criminal_judicial_defined", "any_judge_defined", "undefined"]),
    "transfer_to_ice": ("T05", ["prohibited", "judicial_warrant_only", "restricted_to_listed_crimes", "allowed"]),
    "release_notification_requests": ("T06", ["prohibited", "public_info_only", "restricted_to_listed_crimes", "end_of_sentence_only", "allowed", "required"]),
    "proactive_notification": ("T07", ["prohibited", "criminal_matters_only", "restricted_to_listed_crimes", "supervisor_approval", "allowed", "required"]),
    "status_inquiry": ("T08", ["prohibited", "required_by_law_only", "criminal_investigation_nexus", "serious_offense_nexus", "listed_circumstances", "allowed"]),
    "place_of_birth_inquiry": ("T09", ["prohibited", "required_by_law_only", "criminal_investigation_nexus", "serious_offense_nexus", "listed_circumstances", "allowed"]),
    "status_database_query": ("T10", ["prohibited", "criminal_investigation_nexus", "supervisor_approval", "routine_at_booking"]),
    "agreement_287g": ("T11", ["prohibited", "none_in_force", "jem", "wso", "tfm"]),
    "immigration_officer_functions": ("T12", ["prohibited", "allowed"]),
    "civil_immigration_arrest": ("T13", ["prohibited", "allowed"]),
    "criminal_immigration_enforcement": ("T14", ["prohibited", "1326_aggravated_only", "allowed"]),
    "joint_task_forces": ("T15", ["criminal_only_with_reporting", "criminal_only", "unrestricted"]),
    "joint_operations_support": ("T16", ["prohibited", "exigent_or_officer_safety_only", "allowed"]),
    "ice_facility_access": ("T17", ["prohibited", "judicial_warrant_only", "public_areas_only", "allowed"]),
    "ice_interviews_in_custody": ("T18", ["prohibited", "consent_form_and_counsel", "consent_form", "allowed"]),
    "detainee_notice": ("T19", ["required", "partial", "absent"]),
    "nonpublic_data_sharing": ("T20", ["prohibited", "court_order_only", "public_info_only", "restricted_to_listed_crimes", "allowed"]),
    "criminal_history_sharing": ("T21", ["allowed_on_request", "prohibited"]),
    "status_information_sharing": ("T22", ["not_restricted", "restricted"]),
    "agency_resources": ("T23", ["prohibited_for_immigration_enforcement", "allowed"]),
    "detention_contracts": ("T24", ["prohibited", "allowed", "in_force"]),
    "ice_as_interpreters": ("T25", ["prohibited", "allowed"]),
    "sensitive_locations": ("T26", ["prohibited", "judicial_warrant_only", "supervisor_approval", "allowed"]),
    "juveniles": ("T27", ["enhanced_protection", "same_as_adults"]),
    "discretion_and_approval": ("T28", ["chief_or_designee_only", "supervisor_approval", "any_officer"]),
    "record_keeping_reporting": ("T30", ["public_annual_report", "report_to_state", "internal_log", "none"]),
    "training": ("T31", ["required", "absent"]),
    "complaints_discipline": ("T33", ["named_body_and_discipline", "named_body", "private_right_of_action", "absent"]),
    "bias_based_policing": ("T34", ["bans_status_and_national_origin", "bans_national_origin_only", "bans_status_only", "absent"]),
    "u_t_visa_certification": ("T35", ["procedure_with_deadline", "procedure", "absent"]),
    "consular_notification": ("T36", ["required", "absent"]),
    "biometric_channel_acknowledged": ("T37", ["acknowledged", "absent"]),
}

# A fictional agency; every quote below is invented for the test, not any real policy's words.
FULL_DOCUMENT = """\
# yaml-language-server: $schema=../policylint/schema/schemas/policy.schema.json
$schema: ../policylint/schema/schemas/policy.schema.json
policylint: 1
agency:
  name: Exampleton Police Department
  kind: municipal_police
  state: MA
  jurisdiction: Exampleton
  county: null
  ori: MA0000000
  population: 41000
instrument:
  kind: department_policy
  title: "Interaction with Federal Immigration Authorities"
  number: "4.12"
  effective_date: 2025-02-01
  review_date: null
  issuing_authority: Chief of Police
  public: on_request
  applies_to: [sworn_officers, lockup_staff, task_force_officers]
  supersedes: ["4.12 (2018)"]
  source: {url: "https://example.org/policy-4-12.pdf", retrieved: 2026-03-01, via: public_records_request}
  sources:
    - {title: "Local paper, on the new policy", retrieved: 2025-02, via: press_report, note: month only}
provisions:
  civil_detainer_hold:
    value: judicial_warrant_only
    quote: "Officers shall not hold any person solely on an immigration detainer."
    section: "III.A"
    form: written
    max_hold_hours: 0
    exceptions:
      - kind: judicial_warrant
        bounded: true
        quote: "unless presented with a criminal warrant signed by a judge"
        section: "III.A.1"
  status_database_query:
    value: routine_at_booking
    trigger: foreign_born
    quote: "An immigration query shall be run on any foreign-born arrestee."
    section: "III.C"
    exceptions:
      - kind: public_safety
        bounded: false
        quote: "or where public safety so requires"
        crimes: []
    other_sections:
      - {value: prohibited, quote: "No member shall check immigration status.", section: "I"}
  proactive_notification:
    value: criminal_matters_only
    paraphrase: "Officers were told at roll call not to call ICE on civil matters."
    form: oral
    source: {url: "https://example.org/news/roll-call", via: press_report, title: "Roll call"}
  status_inquiry:
    value: criminal_investigation_nexus
    victims_witnesses_protected: true
    quote: "Victims and witnesses shall not be asked about status."
  joint_task_forces:
    value: unrestricted
    task_forces: [DEA, USMS, HSI]
    ice_component_member: yes
    information_flow_addressed: false
  sensitive_locations: {value: silent}
  ice_interviews_in_custody:
    value: consent_form
    languages: [English, Spanish]
    consent_form_covers: [purpose, voluntary]
  discretion_and_approval: {value: any_officer, documentation_required: no}
  record_keeping_reporting:
    value: internal_log
    recipient: Chief of Police
    frequency: per_request
    covers: [ice_requests]
  agreement_287g: {value: unclear, note: "The policy mentions 287(g) without saying more."}
definitions:
  judicial_warrant: {quote: "a warrant signed by a judge", section: "II"}
  street_level_contact: {paraphrase: "any stop that is not an arrest"}
citations:
  - {cite: "8 U.S.C. § 287.7", section: "II.B"}
  - cite: "Lunn v. Commonwealth, 477 Mass. 517 (2017)"
incidents:
  - {date: 2025-11-14, topics: [proactive_notification], summary: "An officer called ICE after an arrest.", source: "https://example.org/news/1"}
  - date: "2024"
    topics: [civil_detainer_hold]
    summary: "A person was held after bail."
    source: {title: "Court filing", via: court_record}
survey:
  status: provided
  requested: 2025-10-01
  responded: 2025-11-02
waivers:
  - {rule: notification-gap-when-holds-banned, reason: "Notification is addressed in the city ordinance.", until: 2027-01-01}
  - {rule: ca-7282.5-list-exact, pointer: /provisions/civil_detainer_hold, reason: "Not a California agency."}
notes:
  - Coded from the copy released on request.
"""


class _IsoTimestamps(yaml.SafeLoader):
    """YAML timestamps stay as their ISO text, as the document loader keeps them."""


_IsoTimestamps.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_IsoTimestamps)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(schemagen.SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, doc: Any) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc))


# --- the schema as a schema ---------------------------------------------------------------

def test_schema_is_valid_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]


def test_committed_schema_is_fresh() -> None:
    committed = schemagen.SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == schemagen.render_schema(), f"policy.schema.json is stale; {REGENERATE}"


def test_committed_compiled_check_is_fresh() -> None:
    committed = schemagen.CHECK_PATH.read_text(encoding="utf-8")
    assert committed == schemagen.render_check(), f"schemas/policy_check.py is stale; {REGENERATE}"


def test_format_docs_are_fresh() -> None:
    committed = schemagen.DOCS_PATH.read_text(encoding="utf-8")
    assert committed == schemagen.build_docs(), f"docs/format.md is stale; {REGENERATE}"


def test_check_mode_reports_fresh_files() -> None:
    assert schemagen.main(["--docs", "--check"]) == 0


def test_check_mode_catches_stale_files_and_regeneration_fixes_them(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    schema_file, docs_file = tmp_path / "policy.schema.json", tmp_path / "format.md"
    schema_file.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(schemagen, "SCHEMA_PATH", schema_file)
    monkeypatch.setattr(schemagen, "DOCS_PATH", docs_file)
    monkeypatch.setattr(schemagen, "CHECK_PATH", tmp_path / "policy_check.py")
    assert schemagen.main(["--docs", "--check"]) == 1
    assert "python -m policylint.schema.generate --docs" in capsys.readouterr().err
    assert schema_file.read_text(encoding="utf-8") == "{}\n" and not docs_file.exists()  # --check writes nothing
    assert schemagen.main(["--docs"]) == 0
    assert schemagen.main(["--docs", "--check"]) == 0
    assert docs_file.read_text(encoding="utf-8") == schemagen.build_docs()


def _properties(node: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    """Every (path, subschema) named under a `properties` keyword, anywhere in the schema."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", sub
        for key, sub in node.items():
            yield from _properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{path}/{i}")


def test_every_property_has_a_description(schema: dict[str, Any]) -> None:
    props = list(_properties(schema))
    assert len(props) > 500  # every topic's provision is spelled out for editors
    missing = [p for p, sub in props if not (isinstance(sub, dict) and str(sub.get("description", "")).strip())]
    assert missing == []


def test_closed_objects_everywhere_a_typo_could_hide(schema: dict[str, Any]) -> None:
    def walk(node: Any, path: str) -> Iterator[str]:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
                yield path
            for key, sub in node.items():
                yield from walk(sub, f"{path}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                yield from walk(sub, f"{path}/{i}")

    assert list(walk(schema, "#")) == []


def test_topics_have_titles(schema: dict[str, Any]) -> None:
    topics = schema["properties"]["provisions"]["properties"]
    assert all(t.get("title") for t in topics.values())


# --- the taxonomy -------------------------------------------------------------------------

def test_all_34_topics_with_part_a_vocabularies() -> None:
    assert list(topic_keys()) == list(TOPICS)
    for key, (number, words) in TOPICS.items():
        topic = get_topic(key)
        assert topic.number == number
        assert list(topic.words) == words, key
        assert values_for(key) == (*words, "silent", "unclear")
        assert all(v.description for v in topic.values)


def test_schema_value_enums_follow_the_taxonomy(schema: dict[str, Any]) -> None:
    topics = schema["properties"]["provisions"]["properties"]
    assert list(topics) == list(TOPICS)
    for key, (_, words) in TOPICS.items():
        assert topics[key]["properties"]["value"]["enum"] == [*words, "silent", "unclear"]


@pytest.mark.parametrize(("topic", "field", "kind"), [
    ("status_database_query", "trigger", "enum"),
    ("status_inquiry", "victims_witnesses_protected", "boolean"),
    ("place_of_birth_inquiry", "victims_witnesses_protected", "boolean"),
    ("joint_task_forces", "task_forces", "list"),
    ("joint_task_forces", "ice_component_member", "boolean"),
    ("sensitive_locations", "locations", "list"),
    ("discretion_and_approval", "documentation_required", "boolean"),
    ("ice_interviews_in_custody", "languages", "list"),
    ("record_keeping_reporting", "recipient", "string"),
    ("record_keeping_reporting", "frequency", "enum"),
])
def test_topic_fields(topic: str, field: str, kind: str) -> None:
    f = get_topic(topic).field(field)
    assert f is not None and f.type == kind and f.description


def test_trigger_vocabulary_is_part_a() -> None:
    trigger = get_topic("status_database_query").field("trigger")
    assert trigger is not None
    assert trigger.words == ("none", "all_arrestees", "foreign_born", "suspected_noncitizen", "listed_offense")


def test_document_level_vocabularies() -> None:
    tax = load_taxonomy()
    assert [t.value for t in tax.exception_kinds][:9] == [
        "judicial_warrant", "required_by_law", "listed_serious_violent_crimes", "federal_felony_warrant",
        "exigent_circumstances", "officer_safety_deconfliction", "public_safety", "national_security",
        "chief_discretion"]
    assert [t.value for t in tax.instrument_kinds] == [
        "ordinance", "bylaw", "general_order", "department_policy", "select_board_vote", "executive_order",
        "agreement", "state_directive_only", "unwritten_directive", "directive", "none", "draft", "unknown"]
    assert [t.value for t in tax.text_read_values] == ["full", "partial", "none"]
    assert [t.value for t in tax.public_values] == ["published", "on_request", "not_public"]
    assert [t.value for t in tax.source_via] == [
        "published", "public_records_request", "press_report", "court_record", "other"]
    assert [t.value for t in tax.agency_kinds] == [
        "municipal_police", "sheriff", "state_police", "campus_police", "county_police", "transit_police",
        "corrections", "other"]
    assert [t.value for t in tax.survey_statuses] == ["provided", "no_policy", "no_response", "pending", "denied"]


def test_restrictiveness_order() -> None:
    detainer = get_topic("civil_detainer_hold")
    assert detainer.rank("prohibited") == 0 and detainer.rank("required") == 4
    assert detainer.rank("silent") is None and detainer.rank("nonsense") is None
    history = get_topic("criminal_history_sharing")  # listed least restrictive first
    assert history.by_restrictiveness == ("prohibited", "allowed_on_request")
    assert history.describe("silent") and history.describe("unclear")


def test_unknown_topic_suggests_the_nearest() -> None:
    with pytest.raises(KeyError, match="civil_detainer_hold"):
        get_topic("civil_detainer_holds")


def _raw_taxonomy() -> dict[str, Any]:
    from importlib import resources

    return yaml.safe_load(resources.files("policylint.schema").joinpath("taxonomy.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda raw: raw["topics"][0]["values"].append({"value": "silent", "description": "x"}), "added to every topic"),
    (lambda raw: raw["topics"][0]["values"].append({"value": True, "description": "a YAML 1.1 yes"}), "snake_case"),
    (lambda raw: raw["topics"][1].update(key=raw["topics"][0]["key"]), "duplicate topic keys"),
    (lambda raw: raw["topics"][0].update(fields={"quote": {"type": "string", "description": "x"}}), "field name"),
    (lambda raw: raw["topics"][0].update(fields={"x": {"type": "enum", "description": "x"}}), "values"),
    (lambda raw: raw["topics"][0].update(colour="red"), "unknown keys"),
    (lambda raw: raw["topics"][0]["values"][0].update(description=""), "description"),
])
def test_malformed_taxonomy_is_rejected(mutate: Any, message: str) -> None:
    raw = _raw_taxonomy()
    parse_taxonomy(copy.deepcopy(raw))  # the shipped file is fine
    mutate(raw)
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(raw)


# --- documents ----------------------------------------------------------------------------

def test_full_document_validates(validator: Draft202012Validator) -> None:
    doc = load(FULL_DOCUMENT)
    assert doc["instrument"]["effective_date"] == "2025-02-01"  # timestamps reach us as text
    assert errors(validator, doc) == []


def test_minimal_document_validates(validator: Draft202012Validator) -> None:
    doc = {"policylint": 1, "agency": {"name": "X", "state": "MA"}, "instrument": {"kind": "none"}}
    assert errors(validator, doc) == []


def _with(path: str, value: Any) -> dict[str, Any]:
    """The full document with the value at a dotted path replaced (or added)."""
    doc = load(FULL_DOCUMENT)
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


def _without(path: str) -> dict[str, Any]:
    doc = load(FULL_DOCUMENT)
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[last]
    return doc


@pytest.mark.parametrize(("doc", "where", "message"), [
    (_with("polciy", 1), "", "'polciy' was unexpected"),
    (_with("provisions.civil_detainer_hold.qoute", "x"), "provisions/civil_detainer_hold", "'qoute' was unexpected"),
    (_with("provisions.civil_detainer", {"value": "prohibited"}), "provisions", "'civil_detainer' was unexpected"),
    (_with("provisions.civil_detainer_hold.value", "banned"), "provisions/civil_detainer_hold/value", "'banned' is not one of"),
    (_with("provisions.status_database_query.trigger", "everyone"), "provisions/status_database_query/trigger", "is not one of"),
    (_with("provisions.status_inquiry.trigger", "foreign_born"), "provisions/status_inquiry", "'trigger' was unexpected"),
    (load(FULL_DOCUMENT.replace("public: on_request", "public: yes")), "instrument/public", "True is not one of"),
    (_with("instrument.effective_date", "2025-13-01"), "instrument/effective_date", "does not match"),
    (_with("instrument.effective_date", "Feb 2025"), "instrument/effective_date", "does not match"),
    (_with("instrument.effective_date", 2025), "instrument/effective_date", "is not of type"),
    (_without("provisions.civil_detainer_hold.exceptions.0.kind"), "provisions/civil_detainer_hold/exceptions/0", "'kind' is a required property"),
    (_with("provisions.civil_detainer_hold.exceptions.0.kind", "emergency"), "provisions/civil_detainer_hold/exceptions/0/kind", "is not one of"),
    (_without("provisions.civil_detainer_hold.value"), "provisions/civil_detainer_hold", "'value' is a required property"),
    (_without("waivers.0.reason"), "waivers/0", "'reason' is a required property"),
    (_with("waivers.0.reason", "  "), "waivers/0/reason", "does not match"),
    (_with("waivers.1.pointer", "provisions/x"), "waivers/1/pointer", "does not match"),
    (_with("agency.state", "Mass"), "agency/state", "does not match"),
    (_with("policylint", 2), "policylint", "1 was expected"),
    (_with("definitions.Judicial Warrant", {"quote": "x"}), "definitions", "does not match"),
    (_with("instrument.source.url", "example.org/policy"), "instrument/source/url", "does not match"),
    (_with("incidents.0.topics", ["proactive_notifications"]), "incidents/0/topics/0", "is not one of"),
    (_with("provisions.status_database_query.other_sections.0.value", "maybe"), "provisions/status_database_query/other_sections/0/value", "is not one of"),
    (_with("provisions.joint_task_forces.ice_component_member", "yes"), "provisions/joint_task_forces/ice_component_member", "is not of type"),
    (_with("instrument.kind", "policy"), "instrument/kind", "is not one of"),
    (_with("instrument.number", 4.12), "instrument/number", "is not of type"),
    (_with("instrument.text_read", "some"), "instrument/text_read", "is not one of"),
    (_with("instrument.text_read", True), "instrument/text_read", "is not one of"),
    (_with("instrument.ended", "May 2021"), "instrument/ended", "does not match"),
    (_with("instrument.ended", 2021), "instrument/ended", "is not of type"),
    (_with("provisions.agreement_287g", {"value": "tfm", "ended": "autumn 2009"}), "provisions/agreement_287g/ended", "does not match"),
])
def test_typical_mistakes_fail(validator: Draft202012Validator, doc: Any, where: str, message: str) -> None:
    found = errors(validator, doc)
    assert any(e.startswith(f"{where}: ") and message in e for e in found), found


@pytest.mark.parametrize("date", ["2014-08", "2019", "2025-02-01", None])
def test_partial_and_unknown_dates_are_accepted(validator: Draft202012Validator, date: Any) -> None:
    assert errors(validator, _with("instrument.effective_date", date)) == []


@pytest.mark.parametrize("value", ["full", "partial", "none", None])
def test_text_read_takes_its_three_words(validator: Draft202012Validator, value: Any) -> None:
    assert errors(validator, _with("instrument.text_read", value)) == []


@pytest.mark.parametrize("date", ["2021-05", "2021-09-10", "2023", None])
def test_an_end_date_may_be_a_month(validator: Draft202012Validator, date: Any) -> None:
    assert errors(validator, _with("instrument.ended", date)) == []


def test_a_provision_carries_its_own_start_and_end(validator: Draft202012Validator) -> None:
    doc = _with("provisions.agreement_287g", {"value": "tfm", "effective_date": "2007", "ended": "2009-10-01"})
    assert errors(validator, doc) == []


def test_text_read_and_ended_are_documented(schema: dict[str, Any]) -> None:
    instrument = schema["properties"]["instrument"]["properties"]
    assert instrument["text_read"]["enum"] == ["full", "partial", "none", None]
    assert "not read" in instrument["text_read"]["description"]
    assert instrument["ended"]["$ref"] == "#/$defs/date"
    docs = schemagen.build_docs()
    assert "| `text_read` |" in docs and "| `ended` |" in docs
    assert "**`instrument.text_read` (absent means `full`)**" in docs
    assert "**Instruments that ended.**" in docs and "**What was read.**" in docs


# --- the command ----------------------------------------------------------------------------

def test_schema_command_prints_the_committed_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == schemagen.SCHEMA_PATH.read_text(encoding="utf-8")


def test_schema_command_writes_a_file(tmp_path: Any) -> None:
    out = tmp_path / "policy.schema.json"
    result = CliRunner().invoke(cli, ["schema", "--output", str(out)])
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(out.read_text(encoding="utf-8"))["$id"] == schemagen.SCHEMA_ID


def test_schema_command_reports_an_unwritable_file(tmp_path: Any) -> None:
    result = CliRunner().invoke(cli, ["schema", "-o", str(tmp_path / "missing" / "x.json")])
    assert result.exit_code == 2
    assert "cannot write" in result.output
