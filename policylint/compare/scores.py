"""Scorecards: per agency and pack, points from the weights the pack declares, each traced to its rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from policylint.compare.spool import compact
from policylint.rules.governing import entry_label, is_data_quality
from policylint.rules.registry import Registry

#: Pack statuses in the order a report shows them: law first (the agency's own, then
#: federal), then the standards that are not law.
STATUS_ORDER = {"binding": 0, "federal": 1, "model": 2, "advisory": 3}

#: Packs of law that binds the agency (its state's or city's law, federal law), and packs
#: that are not law (model laws, drafting and advocacy standards).  No number ever adds
#: the two together.
LAW = frozenset({"binding", "federal"})


def is_law(pack: Any) -> bool:
    return pack.status in LAW


#: What each rule of a pack counts as, for one agency:
#:   violation  the rule fails at severity error on what the policy says (or on the
#:              instrument itself): severity follows the law, so an error is what the law
#:              forbids, or a provision the law requires the written policy to contain;
#:   warning    the rule fails at severity warning or info on what the policy says: a
#:              weakness (an unbounded exception, an undefined term), not a violation;
#:   silent     the policy says nothing on the rule's topics (whether or not the rule
#:              reports that silence as a finding);
#:   not_read   the rule's topics are in text the encoder did not read;
#:   pass       the rule passes on what the policy says;
#:   waived     every finding is suppressed or waived (counted apart, never as a pass);
#:   unscored   the rule does not apply, could not be checked, or is not in the packs.
KINDS = ("violation", "warning", "silent", "not_read", "pass", "waived", "unscored")

#: The kinds that say the policy addresses the rule's topics.
ADDRESSED = frozenset({"pass", "violation", "warning", "waived"})

#: Severities from least to most severe.
_RANK = {"info": 0, "warning": 1, "error": 2}

#: The published methodology, shown with every report.
METHOD = (
    "Each agency is one row: its latest document in force (earlier and ended versions are "
    "listed under it). For every standard (rule pack) the agency is checked against, each "
    "rule of the pack counts as one of: a violation (the rule fails at severity error on what "
    "the policy says, or on the instrument itself; severity follows the law, so an error is "
    "what the law forbids or a provision it requires the written policy to contain), a "
    "warning (the rule fails at severity warning or info on what the policy says: a weakness "
    "such as an unbounded exception, not a violation), silent (the policy says nothing on "
    "what the rule reads, whether or not the rule reports that as a finding), not read (the "
    "same, where the encoder did not read all of the instrument's text: instrument.text_read "
    "partial or none), a pass, waived (its findings are suppressed or waived), or not counted "
    "(the rule does not apply, could not be checked, or has weight 0: a notice about the "
    "encoding, not the policy). A rule counts at no more than the "
    "severity its own pack gives it. Silence and text not read are never counted as "
    "violations or warnings. “Addresses 3 of 9” counts the rules the policy says something "
    "on (passes, violations, warnings, waived), out of those that count. The score, where "
    "shown, is over what the policy addresses only: 10 × the weights of the rules it passes "
    "÷ the weights of the rules it addresses, to one decimal; there is no score when it "
    "addresses none. Packs of binding law (the agency's state or city) and federal law are "
    "counted together, in “Law that binds”, where a rule shared by several packs counts "
    "once; model laws and advisory standards (drafting, advocates' checklists) are shown one "
    "by one and are never added to law. There is no overall score. Agencies whose policy is "
    "not known (instrument kind unknown) are not scored. The numbers measure what the "
    "written text says, not what officers do."
)


def kind_of(cell: Any, severity: str | None = None) -> str:
    """What one rule cell counts as (one of KINDS) in a pack that gives the rule ``severity``.

    A finding carries the severity of the most severe pack that selects its rule; within
    one pack the rule counts at no more than that pack's own severity, so an advisory
    pack's severity never makes a violation of law.
    """
    state = cell.state if cell is not None else "not_selected"
    if state == "pass":
        return "pass"
    if state == "not_read":
        return "not_read"
    if state == "not_addressed" or (state in ("fail", "suppressed") and cell.silence):
        return "silent"
    if state == "fail":
        found = _RANK.get(cell.severity or "", 2)
        return "violation" if min(found, _RANK.get(severity or "", 2)) == 2 else "warning"
    if state == "suppressed":
        return "waived"
    return "unscored"


@dataclass(frozen=True, slots=True)
class WeightedRule:
    rule: str
    title: str
    weight: int
    severity: str
    citation: str | None


@dataclass(frozen=True, slots=True)
class PackMethod:
    """A pack as a scorecard uses it: its rules with their weights."""

    pack: Any  # policylint.rules.rule.Pack
    rules: tuple[WeightedRule, ...]

    @property
    def total(self) -> int:
        return sum(r.weight for r in self.rules)


class _Counts:
    """Counts of rules by kind, for anything that lists ``(rule, kind)`` pairs."""

    __slots__ = ()

    def kinds_of_rules(self) -> Iterable[tuple[str, str]]:
        raise NotImplementedError

    def ids(self, kind: str) -> tuple[str, ...]:
        return tuple(r for r, k in self.kinds_of_rules() if k == kind)

    @property
    def violations(self) -> int:
        return len(self.ids("violation"))

    @property
    def warnings(self) -> int:
        return len(self.ids("warning"))

    @property
    def silent(self) -> int:
        return len(self.ids("silent"))

    @property
    def not_read(self) -> int:
        return len(self.ids("not_read"))

    @property
    def addressed(self) -> int:
        return sum(1 for _, k in self.kinds_of_rules() if k in ADDRESSED)

    @property
    def applicable(self) -> int:
        return sum(1 for _, k in self.kinds_of_rules() if k != "unscored")


@compact
@dataclass(frozen=True, slots=True)
class Score(_Counts):
    """One agency's standing on one pack: its rules by kind, and the score over what it addresses."""

    pack: str
    earned: int                                 # weights of the rules passed
    possible: int                               # weights of the rules addressed
    rules: tuple[tuple[str, int, str], ...]     # (rule, weight, kind) for every rule of the pack

    def kinds_of_rules(self) -> Iterable[tuple[str, str]]:
        return ((r, k) for r, _, k in self.rules)

    @property
    def value(self) -> float | None:
        return round(10 * self.earned / self.possible, 1) if self.possible else None


@compact
@dataclass(frozen=True, slots=True)
class Tally(_Counts):
    """Rules by kind over several packs of one class (law, never law and advisory together)."""

    packs: tuple[str, ...]
    kinds: dict[str, str]    # rule -> kind (a rule shared by packs counts once)

    def kinds_of_rules(self) -> Iterable[tuple[str, str]]:
        return self.kinds.items()


def pack_methods(registry: Registry, rows: Sequence[Any]) -> tuple[PackMethod, ...]:
    """The packs any row (or an earlier version) was checked against, in reading order."""
    return methods_of(registry, {p for row in rows for version in (row, *row.history) for p in version.packs})


def methods_of(registry: Registry, pack_ids: Iterable[str]) -> tuple[PackMethod, ...]:
    """The scorecards of ``pack_ids`` (those the registry knows), in reading order."""
    out = []
    for pack in sorted((registry.packs[p] for p in set(pack_ids) if p in registry.packs),
                       key=lambda p: (STATUS_ORDER.get(p.status, 9), p.id)):
        rules = tuple(WeightedRule(e.rule, registry.rules[e.rule].title if e.rule in registry.rules else e.rule,
                                   e.weight, e.severity,
                                   entry_label(pack, e, e.rule in registry.rules
                                               and is_data_quality(registry.rules[e.rule])))
                      for e in pack.rules)
        out.append(PackMethod(pack, rules))
    return tuple(out)


class Scorer:
    """Scores rows one at a time, making each pack's scorecard once."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._methods: dict[tuple[str, ...], tuple[PackMethod, ...]] = {}

    def __call__(self, row: Any) -> None:
        packs = tuple(sorted(set(row.packs)))
        methods = self._methods.get(packs)
        if methods is None:
            methods = self._methods[packs] = methods_of(self.registry, packs)
        score_row(row, methods)


def score(row: Any, method: PackMethod) -> Score:
    earned = possible = 0
    rules = []
    for rule in method.rules:
        # A rule of weight 0 is a notice about the encoding, not the policy: never counted.
        kind = kind_of(row.rules.get(rule.rule), rule.severity) if rule.weight else "unscored"
        if kind in ADDRESSED:
            possible += rule.weight
            earned += rule.weight if kind == "pass" else 0
        rules.append((rule.rule, rule.weight, kind))
    return Score(method.pack.id, earned, possible, tuple(rules))


def tally(scores: Sequence[Score], packs: Sequence[str]) -> Tally:
    """The rules of ``scores`` by kind, each rule once: its worst kind across the packs."""
    worst = {k: i for i, k in enumerate(KINDS)}
    kinds: dict[str, str] = {}
    for s in scores:
        for rule, _, kind in s.rules:
            if rule not in kinds or worst[kind] < worst[kinds[rule]]:
                kinds[rule] = kind
    return Tally(tuple(packs), kinds)


def score_row(row: Any, methods: Sequence[PackMethod]) -> None:
    """Fill ``row.scores`` for the packs the row was checked against, and ``row.law``."""
    if not row.scored:
        return
    row.scores = {m.pack.id: score(row, m) for m in methods if m.pack.id in row.packs}
    law = [m.pack.id for m in methods if m.pack.id in row.scores and is_law(m.pack)]
    row.law = tally([row.scores[p] for p in law], law)


def histogram(values: Sequence[float | None]) -> list[int]:
    """Counts of scores in the bins 0–<1, 1–<2, ... 9–10 (ten bins)."""
    bins = [0] * 10
    for v in values:
        if v is not None:
            bins[min(int(v), 9)] += 1
    return bins
