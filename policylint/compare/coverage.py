"""Coverage of a corpus: counts by instrument, survey answer, agency kind and topic value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

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


def _counts(tally: dict[Any, int], vocabulary: Sequence[Any], missing: str) -> tuple[tuple[str, str, int], ...]:
    """Counts of words in vocabulary order; words outside it and ``None`` come last."""
    tally = dict(tally)
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


def headline(agencies: int, surveys: dict[Any, int], status_counts: dict[str, int]) -> tuple[str, ...]:
    """The sentences an advocate publishes, from the survey answers and the instruments."""
    out = []
    surveyed = sum(n for word, n in surveys.items() if word)
    if surveyed:
        parts = [f"{n} {one if n == 1 else many}" for word, one, many in SURVEY_PHRASES
                 if (n := surveys.get(word, 0))]
        out.append(f"Of {_plural(surveyed, 'agency', 'agencies')} asked for their policy, "
                   f"{_join(parts)}.")
    if agencies:
        parts = [f"{n} {label}" for word, label in POLICY_STATUSES if (n := status_counts.get(word, 0))]
        out.append(f"Of {_plural(agencies, 'agency', 'agencies')} compared: {_join(parts)}.")
    return tuple(out)


def _topic_order(topic: Topic, tally: dict[str, tuple[str, int]]) -> tuple[tuple[str, str, int], ...]:
    """``(value, tone, count)`` most restrictive first."""
    order = [*topic.by_restrictiveness, UNCLEAR, SILENT, NOT_READ, ENDED, NOT_KNOWN]
    keys = [v for v in order if v in tally] + sorted(set(tally) - set(order))
    return tuple((v, tally[v][0], tally[v][1]) for v in keys)


def topic_counts(topic: Topic, rows: Iterable[Any]) -> tuple[tuple[str, str, int], ...]:
    """How many agencies hold each value of ``topic``, most restrictive first."""
    counter = Counter()
    for r in rows:
        counter.add(r)
    return _topic_order(topic, counter.topics.get(topic.key, {}))


class Counter:
    """Coverage counted as rows arrive: memory in the number of distinct words, not of rows."""

    def __init__(self) -> None:
        self.agencies = 0
        self.statuses = {w: 0 for w, _ in POLICY_STATUSES}
        self.by_kind: dict[str, list[int]] = {}
        self.instruments: dict[Any, int] = {}
        self.surveys: dict[Any, int] = {}
        self.kinds: dict[Any, int] = {}
        #: topic -> value -> (tone, count)
        self.topics: dict[str, dict[str, tuple[str, int]]] = {}
        self._index = {w: i for i, (w, _) in enumerate(POLICY_STATUSES)}

    def add(self, r: Any) -> None:
        self._add(r.status, r.kind, r.instrument.get("kind"), r.survey,
                  ((key, r.standing_value(key), cell.tone) for key, cell in r.topics.items()), 1)

    def add_facts(self, f: Any, sign: int = 1) -> None:
        """Count one row's :class:`~policylint.compare.totals.Facts` (``sign`` -1: take them back)."""
        self._add(f.status, f.kind, f.instrument, f.survey, f.topics, sign)

    def _add(self, status: str, kind: str | None, instrument: str | None, survey: str | None,
             topics: Iterable[tuple[str, str, str]], sign: int) -> None:
        self.agencies += sign
        self.statuses[status] += sign
        self.by_kind.setdefault(kind or "(not recorded)", [0] * len(POLICY_STATUSES))[self._index[status]] += sign
        self.instruments[instrument] = self.instruments.get(instrument, 0) + sign
        self.surveys[survey] = self.surveys.get(survey, 0) + sign
        self.kinds[kind] = self.kinds.get(kind, 0) + sign
        for key, value, tone in topics:
            tally = self.topics.setdefault(key, {})
            first, n = tally.get(value, (tone if value != ENDED else ENDED, 0))
            tally[value] = (first, n + sign)

    def result(self, topics: Sequence[Topic]) -> Coverage:
        self._drop_zeros()
        taxonomy = load_taxonomy()
        kind_order = [t.value for t in taxonomy.agency_kinds]
        return Coverage(
            agencies=self.agencies,
            instrument_kind=_counts(self.instruments, taxonomy.instrument_kinds, "(not recorded)"),
            survey_status=_counts(self.surveys, taxonomy.survey_statuses, "(no survey)"),
            agency_kind=_counts(self.kinds, taxonomy.agency_kinds, "(not recorded)"),
            status=tuple((w, label, self.statuses[w]) for w, label in POLICY_STATUSES if self.statuses[w]),
            status_by_kind=tuple(sorted(((k, tuple(v)) for k, v in self.by_kind.items()),
                                        key=lambda kv: (kind_order.index(kv[0]) if kv[0] in kind_order else 99,
                                                        kv[0]))),
            topics=tuple((t.key, _topic_order(t, self.topics.get(t.key, {}))) for t in topics),
            headline=headline(self.agencies, self.surveys, self.statuses),
        )


    def _drop_zeros(self) -> None:
        """Words whose rows were all taken back are not shown with a count of 0."""
        for tally in (self.instruments, self.surveys, self.kinds):
            for word in [w for w, n in tally.items() if n == 0]:
                del tally[word]
        for kind in [k for k, v in self.by_kind.items() if not any(v)]:
            del self.by_kind[kind]
        for values in self.topics.values():
            for word in [w for w, (_, n) in values.items() if n == 0]:
                del values[word]


def count(rows: Iterable[Any], topics: Sequence[Topic]) -> Coverage:
    counter = Counter()
    for r in rows:
        counter.add(r)
    return counter.result(topics)
