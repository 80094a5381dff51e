"""Checks for drafting rules that a single condition cannot say: dates, scope, conflicts."""

from __future__ import annotations

from typing import Any

from policylint.rules.checks.named import register
from policylint.rules.conditions import as_date

SILENT = "silent"


def _root(ctx: Any) -> dict[str, Any]:
    return ctx.root if isinstance(ctx.root, dict) else {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _coded(provisions: dict[str, Any], topic: str, values: Any = None) -> bool:
    """The topic is coded with a value other than ``silent`` (and one of ``values``, if given)."""
    value = _mapping(provisions.get(topic)).get("value")
    if not isinstance(value, str) or value == SILENT:
        return False
    return values is None or value in values


def _validate_events(args: dict[str, Any]) -> str | None:
    events = args.get("events")
    if set(args) - {"events"} or not isinstance(events, list) or not events:
        return "check `predates-events` takes `events`: a non-empty list"
    for n, event in enumerate(events):
        if not isinstance(event, dict) or as_date(event.get("date")) is None \
                or not isinstance(event.get("event"), str):
            return f"event {n + 1} needs a `date` (YYYY-MM-DD) and an `event` text"
        extra = set(event) - {"date", "event", "states", "topics", "values"}
        if extra:
            return f"event {n + 1} has an unknown key `{sorted(extra)[0]}`"
    return None


@register("predates-events")
def predates_events(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The instrument took effect before events that changed the law, and no review since.

    Each event may be limited to agencies of some ``states`` or to instruments that code
    one of some ``topics`` (with one of some ``values``, when given).  A review date on or
    after an event counts as a review since.
    """
    root = _root(ctx)
    instrument = _mapping(root.get("instrument"))
    effective = as_date(instrument.get("effective_date"))
    if effective is None:
        return None
    review = as_date(instrument.get("review_date"))
    state = _mapping(root.get("agency")).get("state")
    provisions = _mapping(root.get("provisions"))
    hits = []
    for event in args["events"]:
        day = as_date(event["date"])
        if event.get("states") and state not in event["states"]:
            continue
        if event.get("topics") and not any(_coded(provisions, t, event.get("values"))
                                           for t in event["topics"]):
            continue
        if day is not None and effective < day and (review is None or review < day):
            hits.append((day, event["event"]))
    if not hits:
        return None
    hits.sort()
    return {"events": [text for _, text in hits], "latest": hits[-1][1],
            "effective_date": effective.isoformat(),
            "review_date": review.isoformat() if review else None}


predates_events.validate_args = _validate_events  # type: ignore[attr-defined]
# "No review since" rests on the absence of a review date (see policylint.rules.notread).
predates_events.absence_reads = ("/instrument/review_date",)  # type: ignore[attr-defined]


def _validate_units(args: dict[str, Any]) -> str | None:
    needs = args.get("needs")
    if set(args) - {"needs"} or not isinstance(needs, list) or not needs:
        return "check `units-missing` takes `needs`: a non-empty list"
    for n, need in enumerate(needs):
        if not isinstance(need, dict) or not isinstance(need.get("unit"), str) \
                or not isinstance(need.get("because"), str):
            return f"need {n + 1} needs a `unit` and a `because` text"
        extra = set(need) - {"unit", "also", "topics", "fields", "because"}
        if extra:
            return f"need {n + 1} has an unknown key `{sorted(extra)[0]}`"
    return None


@register("units-missing")
def units_missing(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """Units the document shows the agency has, missing from ``instrument.applies_to``.

    A need applies when one of its ``topics`` is coded (not silent) or one of its
    ``fields`` (``topic.field``) is filled in; it is met when ``applies_to`` names its
    ``unit`` or one of the units in ``also``.
    """
    root = _root(ctx)
    applies = _mapping(root.get("instrument")).get("applies_to")
    if not isinstance(applies, list) or not applies:
        return None
    provisions = _mapping(root.get("provisions"))
    missing, reasons = [], []
    for need in args["needs"]:
        shown = any(_coded(provisions, t) for t in need.get("topics") or ())
        for spec in need.get("fields") or ():
            topic, _, name = str(spec).partition(".")
            if _mapping(provisions.get(topic)).get(name) not in (None, "", [], {}):
                shown = True
        if shown and not {need["unit"], *(need.get("also") or ())} & set(applies):
            missing.append(need["unit"])
            reasons.append(need["because"])
    if not missing:
        return None
    return {"missing": missing, "reasons": reasons}


units_missing.validate_args = _validate_units  # type: ignore[attr-defined]


@register("other-sections-conflict")
def other_sections_conflict(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """Another section codes the provision ``subject`` with a different value."""
    subject = _mapping(subject)
    others = subject.get("other_sections")
    if not isinstance(others, list):  # most provisions: the rule runs on every one of them
        return None
    value = subject.get("value")
    if not isinstance(value, str) or value == SILENT:
        return None
    conflicts = []
    for other in others:
        other = _mapping(other)
        other_value = other.get("value")
        if isinstance(other_value, str) and other_value not in (SILENT, value):
            section = other.get("section")
            conflicts.append(f"`{other_value}` (section {section})" if section else f"`{other_value}`")
    if not conflicts:
        return None
    return {"conflicts": conflicts, "section": subject.get("section")}


other_sections_conflict.validate_args = lambda args: (  # type: ignore[attr-defined]
    "check `other-sections-conflict` takes no arguments" if args else None)
