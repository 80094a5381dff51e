"""Check: a documented incident on a topic the written policy prohibits (practice vs policy)."""

from __future__ import annotations

from typing import Any

from policylint.rules.checks.named import register
from policylint.rules.conditions import partial_date

#: Provision values under which an incident on the topic contradicts the written policy,
#: unless a rule gives its own list in ``args.prohibiting``.
DEFAULT_PROHIBITING = ("prohibited", "prohibited_for_immigration_enforcement")


def _validate(args: dict[str, Any]) -> str | None:
    allowed = {"prohibiting", "policy_topic", "incident_topics"}
    extra = sorted(set(args) - allowed)
    if extra:
        return f"unknown argument `{extra[0]}` for check `incident-contradicts-policy`"
    for name in ("prohibiting", "incident_topics"):
        values = args.get(name, DEFAULT_PROHIBITING)
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            return f"`{name}` must be a list of words"
    if ("policy_topic" in args) != ("incident_topics" in args):
        return "`policy_topic` and `incident_topics` go together"
    if "policy_topic" in args and not isinstance(args["policy_topic"], str):
        return "`policy_topic` must be a topic name"
    return None


@register("incident-contradicts-policy")
def incident_contradicts_policy(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The incident ``subject`` names a topic whose coded value prohibits what happened.

    With ``policy_topic`` and ``incident_topics``, the practice is judged against another
    topic's rule: the incident names one of ``incident_topics`` (an immigration status
    check, say) and ``policy_topic`` (the bias-based-policing ban) is coded with one of the
    ``prohibiting`` values.

    An incident is held against the policy unless both dates are known and the incident
    happened on or before ``instrument.effective_date`` (a policy may be the answer to it).
    Dates may be partial (``2025-11``); an incident in the same month or year as the
    effective date, at the precision both give, is held against it with ``timing: unknown``
    (only an incident provably on or before the effective date is excused).
    Args: ``prohibiting`` (the values that prohibit). Returns ``topic``, ``topics``,
    ``policy_value``, ``incident_date``, ``effective_date`` and ``timing`` (``after``, or
    ``unknown`` when a date is missing or the dates tie at their precision).
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
    practice: list[str] = []
    if "policy_topic" in args:
        practice = [t for t in topics if t in args["incident_topics"]]
        judged = [args["policy_topic"]] if practice else []
    else:
        judged = [t for t in topics if isinstance(t, str)]
    for topic in judged:
        prov = provisions.get(topic)
        if isinstance(prov, dict) and prov.get("value") in prohibiting:
            hits.append((topic, prov["value"]))
    if not hits:
        return None
    instrument = root.get("instrument")
    effective = instrument.get("effective_date") if isinstance(instrument, dict) else None
    incident_day, effective_day = partial_date(subject.get("date")), partial_date(effective)
    timing = "unknown"
    if incident_day is not None and effective_day is not None:
        n = min(len(incident_day), len(effective_day))
        if incident_day[:n] < effective_day[:n] or (n == 3 and incident_day == effective_day):
            return None
        if incident_day[:n] > effective_day[:n]:
            timing = "after"
    found: dict[str, Any] = {
        "topics": [t for t, _ in hits],
        "topic": hits[0][0],
        "policy_value": hits[0][1],
        "incident_date": _iso(incident_day),
        "effective_date": _iso(effective_day),
        "timing": timing,
    }
    if practice:
        found["practice_topics"] = practice
    return found


def _iso(parts: tuple[int, ...] | None) -> str | None:
    if parts is None:
        return None
    return "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])


incident_contradicts_policy.validate_args = _validate  # type: ignore[attr-defined]
