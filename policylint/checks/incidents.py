"""Check: a documented incident on a topic the written policy prohibits (practice vs policy)."""

from __future__ import annotations

from typing import Any

from policylint.checks import register
from policylint.conditions import as_date

#: Provision values under which an incident on the topic contradicts the written policy,
#: unless a rule gives its own list in ``args.prohibiting``.
DEFAULT_PROHIBITING = ("prohibited", "prohibited_for_immigration_enforcement")


def _validate(args: dict[str, Any]) -> str | None:
    allowed = {"prohibiting"}
    extra = sorted(set(args) - allowed)
    if extra:
        return f"unknown argument `{extra[0]}` for check `incident-contradicts-policy`"
    values = args.get("prohibiting", DEFAULT_PROHIBITING)
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        return "`prohibiting` must be a list of provision values"
    return None


@register("incident-contradicts-policy")
def incident_contradicts_policy(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The incident ``subject`` names a topic whose coded value prohibits what happened.

    An incident is held against the policy unless both dates are known and the incident
    happened on or before ``instrument.effective_date`` (a policy may be the answer to it).
    """
    if not isinstance(subject, dict):
        return None
    topics = subject.get("topics")
    root = ctx.root if isinstance(ctx.root, dict) else {}
    provisions = root.get("provisions")
    if not isinstance(topics, list) or not isinstance(provisions, dict):
        return None
    prohibiting = set(args.get("prohibiting", DEFAULT_PROHIBITING))
    hits = []
    for topic in topics:
        prov = provisions.get(topic) if isinstance(topic, str) else None
        if isinstance(prov, dict) and prov.get("value") in prohibiting:
            hits.append((topic, prov["value"]))
    if not hits:
        return None
    instrument = root.get("instrument")
    effective = instrument.get("effective_date") if isinstance(instrument, dict) else None
    incident_day, effective_day = as_date(subject.get("date")), as_date(effective)
    if incident_day is not None and effective_day is not None and incident_day <= effective_day:
        return None
    return {
        "topics": [t for t, _ in hits],
        "topic": hits[0][0],
        "policy_value": hits[0][1],
        "incident_date": incident_day.isoformat() if incident_day else None,
        "effective_date": effective_day.isoformat() if effective_day else None,
    }


incident_contradicts_policy.validate_args = _validate  # type: ignore[attr-defined]
