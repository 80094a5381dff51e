"""Coverage of a corpus: counts by instrument, survey answer, agency kind and topic value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from policylint.compare.states import ENDED, NOT_KNOWN, NOT_READ, POLICY_STATUSES
from policylint.schema.taxonomy import SILENT, UNCLEAR, Topic, load_taxonomy

#: Survey answers in the order an advocate reports them, with the words of the headline.
SURVEY_PHRASES = (
    ("provided", "provided one", "provided one"),
    ("no_policy", "said it had none", "said they had none"),
    ("no_response", "did not respond", "did not respond"),
    ("pending", "has not answered yet", "have not answered yet"),
    ("denied", "refused", "refused"),
)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Counts over the agencies shown (after ``--filter``)."""

    agencies: int
    instrument_kind: tuple[tuple[str, str, int], ...]      # (word, description, count)
    survey_status: tuple[tuple[str, str, int], ...]
    agency_kind: tuple[tuple[str, str, int], ...]
    status: tuple[tuple[str, str, int], ...]               # policy status (states.POLICY_STATUSES)
    status_by_kind: tuple[tuple[str, tuple[int, ...]], ...]  # agency kind -> counts per status
    topics: tuple[tuple[str, tuple[tuple[str, str, int], ...]], ...]  # topic -> (value, tone, n)
    headline: tuple[str, ...]


def _counts(words: Sequence[Any], vocabulary: Sequence[Any], missing: str) -> tuple[tuple[str, str, int], ...]:
    """Counts of ``words`` in vocabulary order; words outside it and ``None`` come last."""
    tally: dict[str | None, int] = {}
    for w in words:
        tally[w] = tally.get(w, 0) + 1
    out = [(t.value, t.description, tally.pop(t.value)) for t in vocabulary if t.value in tally]
    none = tally.pop(None, 0)
    out.extend((str(w), "not a word of the format", n) for w, n in sorted(tally.items(), key=lambda kv: str(kv[0])))
    if none:
        out.append((missing, "not recorded in the document", none))
    return tuple(out)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def headline(rows: Sequence[Any], status_counts: dict[str, int]) -> tuple[str, ...]:
    """The sentences an advocate publishes, from the survey answers and the instruments."""
    out = []
    surveyed = [r.survey for r in rows if r.survey]
    if surveyed:
        parts = [f"{n} {one if n == 1 else many}" for word, one, many in SURVEY_PHRASES
                 if (n := surveyed.count(word))]
        out.append(f"Of {_plural(len(surveyed), 'agency', 'agencies')} asked for their policy, "
                   f"{_join(parts)}.")
    if rows:
        parts = [f"{n} {label}" for word, label in POLICY_STATUSES if (n := status_counts.get(word, 0))]
        out.append(f"Of {_plural(len(rows), 'agency', 'agencies')} compared: {_join(parts)}.")
    return tuple(out)


def topic_counts(topic: Topic, rows: Sequence[Any]) -> tuple[tuple[str, str, int], ...]:
    """How many agencies hold each value of ``topic``, most restrictive first."""
    tally: dict[str, tuple[str, int]] = {}
    for r in rows:
        value = r.standing_value(topic.key)
        tone, n = tally.get(value, (r.topics[topic.key].tone if value != ENDED else ENDED, 0))
        tally[value] = (tone, n + 1)
    order = [*topic.by_restrictiveness, UNCLEAR, SILENT, NOT_READ, ENDED, NOT_KNOWN]
    keys = [v for v in order if v in tally] + sorted(set(tally) - set(order))
    return tuple((v, tally[v][0], tally[v][1]) for v in keys)


def count(rows: Sequence[Any], topics: Sequence[Topic]) -> Coverage:
    taxonomy = load_taxonomy()
    statuses = {w: 0 for w, _ in POLICY_STATUSES}
    by_kind: dict[str, list[int]] = {}
    index = {w: i for i, (w, _) in enumerate(POLICY_STATUSES)}
    for r in rows:
        statuses[r.status] += 1
        by_kind.setdefault(r.kind or "(not recorded)", [0] * len(POLICY_STATUSES))[index[r.status]] += 1
    kind_order = [t.value for t in taxonomy.agency_kinds]
    return Coverage(
        agencies=len(rows),
        instrument_kind=_counts([r.instrument.get("kind") for r in rows], taxonomy.instrument_kinds,
                                "(not recorded)"),
        survey_status=_counts([r.survey for r in rows], taxonomy.survey_statuses, "(no survey)"),
        agency_kind=_counts([r.kind for r in rows], taxonomy.agency_kinds, "(not recorded)"),
        status=tuple((w, label, statuses[w]) for w, label in POLICY_STATUSES if statuses[w]),
        status_by_kind=tuple(sorted(((k, tuple(v)) for k, v in by_kind.items()),
                                    key=lambda kv: (kind_order.index(kv[0]) if kv[0] in kind_order else 99, kv[0]))),
        topics=tuple((t.key, topic_counts(t, rows)) for t in topics),
        headline=headline(rows, statuses),
    )
