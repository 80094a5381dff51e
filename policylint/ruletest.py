"""Run one rule on its own examples: the harness shared by the tests and `explain`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policylint.engine import Engine, Selection
from policylint.finding import Finding
from policylint.loader import load_text
from policylint.registry import Registry
from policylint.rule import CompiledRule


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """What running one example produced, and what it should have produced."""

    kind: str  # "pass" | "fail"
    index: int
    findings: tuple[Finding, ...]
    expected: tuple[tuple[str, int], ...]
    problem: str | None = None  # the example document could not be read

    @property
    def actual(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((f.path, f.line) for f in self.findings))

    @property
    def ok(self) -> bool:
        return self.problem is None and self.actual == self.expected


def single_rule_engine(compiled: CompiledRule) -> Engine:
    """An engine that runs only ``compiled`` (no pack: the rule's own severity and law)."""
    rule = compiled.rule
    registry = Registry(rules={rule.id: rule}, compiled={rule.id: compiled},
                        aliases={a: rule.id for a in rule.aliases})
    return Engine(registry, Selection(packs=(), select=(rule.id,)))


def run_example(compiled: CompiledRule, kind: str, index: int,
                engine: Engine | None = None) -> ExampleResult:
    """Run example ``index`` of ``kind`` ("pass"/"fail") of the rule, without schema validation."""
    rule = compiled.rule
    example: dict[str, Any] = rule.examples[kind][index]
    expected = tuple(sorted((e["at"], e["line"]) for e in example.get("findings", ())))
    name = f"{rule.id}:{kind}[{index}]"
    loaded = load_text(example["document"], name)
    if loaded.document is None or loaded.findings:
        problems = "; ".join(f"{f.line}:{f.column}: {f.message}" for f in loaded.findings)
        return ExampleResult(kind, index, (), expected, problem=problems or "unreadable")
    engine = engine or single_rule_engine(compiled)
    found = tuple(f for f in engine.check(loaded.document) if f.rule == rule.id)
    return ExampleResult(kind, index, found, expected)
