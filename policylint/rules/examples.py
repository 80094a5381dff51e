"""Run one rule on its own examples: the harness shared by the tests and `explain`."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

from policylint.finding import Finding
from policylint.load.loader import load_text
from policylint.rules.engine import Engine, Selection
from policylint.rules.registry import Registry
from policylint.rules.rule import CompiledRule


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
    if "archive" in example:
        # The example's archived source is written beside its document, at the path the
        # document gives, so the rule reads files exactly as it does in a real run.
        with tempfile.TemporaryDirectory(prefix="policylint-example-") as folder:
            file = os.path.join(folder, "policy.yaml")
            problem = _write_example(folder, file, example["document"], example["archive"])
            if problem:
                return ExampleResult(kind, index, (), expected, problem=problem)
            return _run(compiled, kind, index, example["document"], file, expected, engine)
    return _run(compiled, kind, index, example["document"], name, expected, engine)


def _run(compiled: CompiledRule, kind: str, index: int, text: str, file: str,
         expected: tuple[tuple[str, int], ...], engine: Engine | None) -> ExampleResult:
    loaded = load_text(text, file)
    if loaded.document is None or loaded.findings:
        problems = "; ".join(f"{f.line}:{f.column}: {f.message}" for f in loaded.findings)
        return ExampleResult(kind, index, (), expected, problem=problems or "unreadable")
    engine = engine or single_rule_engine(compiled)
    found = tuple(f for f in engine.findings(loaded.document) if f.rule == compiled.rule.id)
    return ExampleResult(kind, index, found, expected)


def _write_example(folder: str, file: str, document: str, archive: str) -> str | None:
    """Write an example's document and its archive text into ``folder``; a problem or None."""
    from policylint.rules.checks.sources import archive_path

    loaded = load_text(document, file)
    rel = archive_path(loaded.document.data) if loaded.document is not None else None
    if rel is None:
        return "an example with `archive` needs `instrument.source.archive` in its document"
    target = os.path.realpath(os.path.join(folder, rel))
    if os.path.commonpath([os.path.realpath(folder), target]) != os.path.realpath(folder):
        return "the example's `instrument.source.archive` leads outside its folder"
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(file, "w", encoding="utf-8", newline="") as fh:
        fh.write(document)
    with open(target, "w", encoding="utf-8", newline="") as fh:
        fh.write(archive)
    return None
