"""Every rule's own examples run as tests: pass documents stay clean, fail documents fail where they say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policylint.registry import load_rule_text
from policylint.ruletest import run_example

RULES = Path(__file__).resolve().parent.parent / "policylint" / "rules"


def _rule_files() -> list[Path]:
    return sorted(p for p in RULES.glob("*/*.y*ml") if p.parent.name != "packs")


def _cases() -> list[object]:
    """One case per example, named ``<rule-id>-pass-<n>`` (``-k <rule-id>`` selects a rule)."""
    cases: list[object] = []
    for path in _rule_files():
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
            examples = data.get("examples") or {}
            counts = {kind: len(examples.get(kind) or ()) for kind in ("pass", "fail")}
        except Exception:  # noqa: BLE001 - the load test below reports it with a position
            counts = {"pass": 0, "fail": 0}
        for kind, count in counts.items():
            for n in range(count):
                cases.append(pytest.param(path, kind, n, id=f"{path.stem}-{kind}-{n}"))
    return cases


def _load(path: Path):  # noqa: ANN202
    compiled, problems = load_rule_text(path.read_text("utf-8"), str(path), path.parent.name)
    assert not problems, "\n".join(str(p) for p in problems)
    return compiled


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: f"{p.stem}-loads")
def test_rule_file_loads(path: Path) -> None:
    """The rule file validates against the meta-schema and compiles."""
    _load(path)


@pytest.mark.parametrize(("path", "kind", "index"), _cases())
def test_rule_example(path: Path, kind: str, index: int) -> None:
    compiled = _load(path)
    result = run_example(compiled, kind, index)
    document = compiled.rule.examples[kind][index]["document"]
    assert result.problem is None, f"example document is not readable YAML: {result.problem}"
    shown = "\n".join(f"  {f.path} line {f.line}: {f.message}" for f in result.findings) or "  (none)"
    assert result.actual == result.expected, (
        f"{compiled.rule.id} {kind} example {index}\n--- document\n{document}\n"
        f"--- expected (at, line): {list(result.expected)}\n--- found:\n{shown}")
    for finding in result.findings:
        assert finding.message and finding.message != compiled.rule.title, (
            f"the message template did not render: {compiled.rule.message!r}")
