"""Scorecards: per agency and pack, points from the weights the pack declares, each traced to its rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from policylint.governing import entry_label
from policylint.registry import Registry

#: Pack statuses in reading order (as ``policylint packs`` lists them).
STATUS_ORDER = {"binding": 0, "model": 1, "federal": 2, "advisory": 3}

#: Rule states that earn the rule's weight, that cost it, and that leave it out of the score.
#: A rule that passes only because the policy is silent on its topics earns nothing: a score
#: counts what the text does (the packs weight "the core limits that decide whether the
#: agency itself holds, hands over, reports or questions people"), even where the rule does
#: not report silence as a finding.  Those points are counted apart, so a reader sees how
#: much of a low score is silence rather than a provision that fails.
EARNS = frozenset({"pass"})
LOSES = frozenset({"fail", "suppressed", "not_addressed"})

#: The published methodology, shown with every report (the numbers come from the packs).
METHOD = (
    "Each pack gives each of its rules a weight. For every agency checked against a pack, a "
    "rule that passes earns its weight. A rule that fails, or whose finding is suppressed or "
    "waived, earns nothing; so does a rule the policy does not address (it says nothing on "
    "the rule's topics), even where the rule itself reports no finding for silence: a score "
    "counts what the text does. Points lost to silence are shown apart. A pack whose standard "
    "limits what a policy may say (8 U.S.C. § 1373) declares that silence complies, and there "
    "silence earns the weight. A rule that does not "
    "apply to the policy, that rests on a topic the encoding did not read (a document coded "
    "from part of the instrument's text, `text_read: partial` or `none`), or that could not "
    "be checked because of an error in the document, is left out of both sides, and so is a "
    "rule of weight 0 (a notice about the encoding, not the policy). The score is 10 × points "
    "earned ÷ points possible, to one "
    "decimal. The overall score is the mean of the agency's pack scores, each standard "
    "counting the same. Agencies whose policy is not known (instrument kind `unknown`) are "
    "not scored. Scores measure what the text says, not what officers do."
)


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

    pack: Any  # policylint.rule.Pack
    rules: tuple[WeightedRule, ...]

    @property
    def total(self) -> int:
        return sum(r.weight for r in self.rules)


@dataclass(frozen=True, slots=True)
class Score:
    """One agency's score on one pack, with every rule that lost or did not count."""

    pack: str
    earned: int
    possible: int
    silent: int                                 # points lost to rules not addressed
    lost: tuple[tuple[str, int, str], ...]      # (rule, weight, state)
    unscored: tuple[tuple[str, str], ...]       # (rule, state)

    @property
    def value(self) -> float | None:
        return round(10 * self.earned / self.possible, 1) if self.possible else None


def pack_methods(registry: Registry, rows: Sequence[Any]) -> tuple[PackMethod, ...]:
    """The packs any row was checked against, in reading order, with their weighted rules."""
    used = {p for row in rows for p in row.packs}
    out = []
    for pack in sorted((registry.packs[p] for p in used if p in registry.packs),
                       key=lambda p: (STATUS_ORDER.get(p.status, 9), p.id)):
        rules = tuple(WeightedRule(e.rule, registry.rules[e.rule].title if e.rule in registry.rules else e.rule,
                                   e.weight, e.severity, entry_label(pack, e))
                      for e in pack.rules)
        out.append(PackMethod(pack, rules))
    return tuple(out)


def score(row: Any, method: PackMethod) -> Score:
    earned = possible = silent = 0
    lost: list[tuple[str, int, str]] = []
    unscored: list[tuple[str, str]] = []
    for rule in method.rules:
        if rule.weight == 0:  # a notice about the encoding, not the policy: never scored
            continue
        cell = row.rules.get(rule.rule)
        state = cell.state if cell is not None else "not_selected"
        if state in EARNS or (state == "not_addressed" and method.pack.silence_complies):
            earned += rule.weight
            possible += rule.weight
        elif state in LOSES:
            possible += rule.weight
            lost.append((rule.rule, rule.weight, state))
            silent += rule.weight if state == "not_addressed" else 0
        else:
            unscored.append((rule.rule, state))
    return Score(method.pack.id, earned, possible, silent, tuple(lost), tuple(unscored))


def score_row(row: Any, methods: Sequence[PackMethod]) -> None:
    """Fill ``row.scores`` for the packs the row was checked against, and ``row.overall``."""
    if not row.scored:
        return
    row.scores = {m.pack.id: score(row, m) for m in methods if m.pack.id in row.packs}
    values = [s.value for s in row.scores.values() if s.value is not None]
    row.overall = round(sum(values) / len(values), 1) if values else None


def histogram(values: Sequence[float | None]) -> list[int]:
    """Counts of scores in the bins 0–<1, 1–<2, ... 9–10 (ten bins)."""
    bins = [0] * 10
    for v in values:
        if v is not None:
            bins[min(int(v), 9)] += 1
    return bins
