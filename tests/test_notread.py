"""A partly read document: rules that would report silence on what nobody read do not run."""

from __future__ import annotations

from typing import Any

import pytest

from policylint.load.loader import load_text
from policylint.rules.engine import Engine, Selection
from policylint.rules.notread import absence_reads, unread
from policylint.rules.registry import load_registry

DOC = """\
policylint: 1
agency: {name: Example Police Department, kind: municipal_police, state: MA, jurisdiction: Example}
instrument:
  kind: department_policy
  effective_date: null
%s
provisions:
  civil_detainer_hold: {value: prohibited, quote: "No one is held on a detainer."}
  complaints_discipline: {value: silent, note: "The whole of section IX was read: no complaint channel."}
"""


def _rules(text_read: str | None) -> tuple[set[str], dict[str, str]]:
    line = f"  text_read: {text_read}" if text_read else ""
    loaded = load_text(DOC % line, "doc.yaml")
    assert loaded.document is not None and not loaded.findings
    evaluation = Engine(load_registry(), Selection()).evaluate(loaded.document)
    return {f.rule for f in evaluation.findings}, evaluation.outcomes


@pytest.mark.parametrize("text_read", [None, "full"])
def test_a_fully_read_document_reports_silence(text_read: str | None) -> None:
    found, _ = _rules(text_read)
    assert {"notification-gap-when-holds-banned", "ice-contact-log-and-report",
            "complaint-channel-present", "missing-effective-date"} <= found
    assert "encoding-partial" not in found


@pytest.mark.parametrize("text_read", ["partial", "none"])
def test_a_partly_read_document_reports_no_silence_it_did_not_read(text_read: str) -> None:
    found, outcomes = _rules(text_read)
    # Left out: not read, so neither its silence nor a missing date is reported ...
    for rule in ("notification-gap-when-holds-banned", "ice-contact-log-and-report",
                 "missing-effective-date", "release-eligibility-defined"):
        assert rule not in found
        assert outcomes[rule] == "not_read"
    # ... but a topic coded `silent` on purpose is read, and its silence is reported.
    assert "complaint-channel-present" in found
    # One notice says the encoding is partial.
    assert [r for r in found if r == "encoding-partial"] == ["encoding-partial"]


def test_absence_reads_come_from_the_rules_own_conditions() -> None:
    registry = load_registry()
    gap = registry.rules["notification-gap-when-holds-banned"]
    assert absence_reads(gap.data) == {"/provisions/release_notification_requests"}
    assert absence_reads(registry.rules["missing-effective-date"].data) == {"/instrument/effective_date"}
    # A rule that needs its topic coded never rests on its absence.
    assert absence_reads(registry.rules["detainer-hold-prohibited"].data) == frozenset()
    assert absence_reads(registry.rules["iaq-is-notification"].data) == frozenset()


@pytest.mark.parametrize(("condition", "expected"), [
    ({"silent": "training"}, {"/provisions/training"}),
    ({"present": "training"}, set()),
    ({"not": {"present": "training"}}, {"/provisions/training"}),
    ({"topic": "training", "not_in": ["required"]}, {"/provisions/training"}),
    ({"topic": "training", "in": ["required"]}, set()),
    ({"topic": "training", "in": ["silent", "unclear"]}, {"/provisions/training"}),
    ({"path": "instrument.review_date", "exists": False}, {"/instrument/review_date"}),
    ({"path": "instrument.kind", "in": ["draft"]}, set()),
    ({"path": "definitions.judicial_warrant", "exists": False}, {"/definitions/judicial_warrant"}),
    ({"each": "provisions.training.exceptions", "none": {"path": "@.bounded", "equals": True}},
     {"/provisions/training"}),
    ({"any": [{"standard": ["MA"]}, {"check": "units-missing"}]}, set()),
    # A named check declares what it can fire on the absence of.
    ({"check": "predates-events", "args": {"events": []}}, {"/instrument/review_date"}),
    ({"not": {"check": "predates-events", "args": {"events": []}}}, set()),
])
def test_absence_analysis_of_condition_leaves(condition: dict[str, Any], expected: set[str]) -> None:
    assert absence_reads({"fail": condition}) == expected


def test_a_subject_path_reads_the_given_topic() -> None:
    rule = {"given": "provisions.training", "fail": {"path": "@.value", "not_in": ["required"]}}
    assert absence_reads(rule) == {"/provisions/training"}
    wildcard = {"given": "provisions.*", "fail": {"path": "@.value", "not_in": ["silent"]}}
    assert absence_reads(wildcard) == frozenset()


def test_what_a_partly_read_document_leaves_unread() -> None:
    data = {"instrument": {"kind": "ordinance", "text_read": "partial", "effective_date": "2020-02-10"},
            "provisions": {"training": {"value": "silent"}, "juveniles": {"note": "no value"}},
            "definitions": {"ice": {"quote": "ICE means ..."}}}
    left = unread(data)
    assert left
    assert "/provisions/status_inquiry" in left and "/provisions/juveniles" in left
    assert "/provisions/training" not in left
    assert "/instrument/review_date" in left and "/instrument/effective_date" not in left
    assert "/instrument/kind" not in left  # what kind of instrument it is, is known
    assert "/definitions/judicial_warrant" in left and "/definitions/ice" not in left
    full = unread({**data, "instrument": {**data["instrument"], "text_read": "full"}})
    assert not full and "/provisions/status_inquiry" not in full
