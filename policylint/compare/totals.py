"""Counts over a comparison's agencies, added as each row arrives (and taken back for a
version that turns out not to be its agency's current one)."""

from __future__ import annotations

import json
from collections import Counter as Multiset
from dataclasses import dataclass, field
from typing import Any

from policylint.compare import coverage


def script_json(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element holding it, whatever the text."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def state_label(row: Any) -> str:
    return row.state or "(no state)"


@dataclass(frozen=True, slots=True)
class Facts:
    """What one row adds to the counts: small, made where the row is made."""

    status: str
    kind: str | None
    instrument: str | None
    survey: str | None
    topics: tuple[tuple[str, str, str], ...]   # (topic, value as counted, tone of its cell)
    used: tuple[str, ...]                      # rules the agency was checked with
    coded: tuple[str, ...]                     # topics its document gives a value
    state: str                                 # its state's label
    law: tuple[int, int, int, int] | None      # violations, warnings, silent, not read
    scores: tuple[tuple[str, float], ...]      # (pack, score) where there is a score
    line: str                                  # its finder line, without the page link


def facts(row: Any) -> Facts:
    law = row.law
    counts = [law.violations, law.warnings, law.silent, law.not_read, law.addressed, law.applicable] \
        if law is not None else [None] * 6
    line = [row.name, row.jurisdiction, row.county, state_label(row), row.status, row.file, *counts]
    return Facts(
        status=row.status, kind=row.kind, instrument=row.instrument.get("kind"), survey=row.survey,
        topics=tuple((key, row.standing_value(key), cell.tone) for key, cell in row.topics.items()),
        used=tuple(rid for rid, cell in row.rules.items() if cell.state != "not_selected"),
        coded=tuple(key for key, cell in row.topics.items() if cell.coded),
        state=state_label(row),
        law=None if law is None else (law.violations, law.warnings, law.silent, law.not_read),
        scores=tuple((pid, s.value) for pid, s in row.scores.items() if s.value is not None),
        line=script_json(line))


@dataclass(slots=True)
class StateCounts:
    """One state's line of the national summary."""

    label: str
    agencies: int = 0
    written: int = 0
    with_violation: int = 0
    violations: int = 0
    warnings: int = 0
    silent: int = 0
    not_read: int = 0
    not_scored: int = 0
    indices: list[int] = field(default_factory=list)   # rows, in the comparison's order
    pages: list[tuple[str, int, int]] = field(default_factory=list)  # (file, first, last) 1-based

    def add(self, f: Facts, sign: int = 1) -> None:
        self.agencies += sign
        self.written += sign * (f.status == "written")
        if f.law is None:
            self.not_scored += sign
            return
        violations, warnings, silent, not_read = f.law
        self.with_violation += sign * bool(violations)
        self.violations += sign * violations
        self.warnings += sign * warnings
        self.silent += sign * silent
        self.not_read += sign * not_read


class Totals:
    """Everything counted across the agencies shown, in memory that grows with the number
    of distinct words, states and packs, not with the number of rows."""

    def __init__(self) -> None:
        self.coverage = coverage.Counter()
        self.used: Multiset[str] = Multiset()
        self.coded: Multiset[str] = Multiset()
        self.states: dict[str, StateCounts] = {}
        self.bins: dict[str, list[int]] = {}

    def add(self, f: Facts, sign: int = 1) -> None:
        """Count ``f`` (``sign`` -1: take it back)."""
        self.coverage.add_facts(f, sign)
        self.used.update({r: sign for r in f.used})
        self.coded.update({t: sign for t in f.coded})
        self.states.setdefault(f.state, StateCounts(f.state)).add(f, sign)
        for pid, value in f.scores:
            self.bins.setdefault(pid, [0] * 10)[min(int(value), 9)] += sign

    def used_rules(self) -> set[str]:
        return {r for r, n in self.used.items() if n > 0}

    def coded_topics(self) -> set[str]:
        return {t for t, n in self.coded.items() if n > 0}

    def shown_states(self) -> dict[str, StateCounts]:
        return {label: s for label, s in self.states.items() if s.agencies > 0}
