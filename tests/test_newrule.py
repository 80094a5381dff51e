"""`policylint new-rule`: a rule file with every required field, added to its pack, never overwriting."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from policylint.errors import RuleFileError, UsageError
from policylint.rules.examples import run_example
from policylint.rules.newrule import TODO, add_to_pack, new_rule
from policylint.rules.registry import build_registry, directory_files, load_rule_text
from policylint.rules.rule import CompiledRule

PACK = textwrap.dedent("""\
    id: my-pack
    title: Mine
    jurisdiction: any
    status: advisory
    description: Test.
    sources: [{citation: "x", seen: false}]
    rules:
      # the holds
      - rule: detainer-hold-prohibited
        severity: warning
    """)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def rule_dir(tmp_path: Path) -> Path:
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "my-pack.yaml").write_text(PACK, encoding="utf-8")
    return tmp_path


def test_the_new_rule_loads_in_its_pack_but_its_examples_fail_until_written(rule_dir: Path) -> None:
    made = new_rule("my-new-rule", "my-pack", rule_dir=str(rule_dir))
    assert made.rule_file == str(rule_dir / "holds" / "my-new-rule.yaml")  # the pack's usual folder
    text = Path(made.rule_file).read_text(encoding="utf-8")
    # Every required field is there, as a placeholder to replace.
    for key in ("title:", "fail:", "message:", "rationale:", "law:", "citation:", "remediation:",
                "suggested_language:", "examples:", "pass:"):
        assert key in text
    assert text.count(TODO) >= 8
    # The pack names it, after the entry already there, in the same style.
    assert Path(made.pack_file).read_text(encoding="utf-8") == PACK + "  - rule: my-new-rule\n    severity: warning\n"
    # The rule directory loads (the rule validates against the meta-schema) ...
    files = [f for f in directory_files(str(rule_dir)) if "/packs/" not in f[0]]
    registry = build_registry(files)
    assert registry.rules["my-new-rule"].category == "holds"
    compiled, problems = load_rule_text(text, made.rule_file, "holds")
    assert not problems and isinstance(compiled, CompiledRule)
    # ... but its fail example cannot pass until real examples are written.
    assert run_example(compiled, "pass", 0).ok
    assert not run_example(compiled, "fail", 0).ok


def test_nothing_is_overwritten(rule_dir: Path) -> None:
    new_rule("my-new-rule", "my-pack", "holds", rule_dir=str(rule_dir))
    pack_text = (rule_dir / "packs" / "my-pack.yaml").read_text(encoding="utf-8")
    rule_text = (rule_dir / "holds" / "my-new-rule.yaml").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="`my-new-rule` is already used by .*my-new-rule.yaml"):
        new_rule("my-new-rule", "my-pack", "holds", rule_dir=str(rule_dir))
    with pytest.raises(UsageError, match="already used by policylint/rules/data/holds/detainer-hold-prohibited.yaml"):
        new_rule("detainer-hold-prohibited", "my-pack", rule_dir=str(rule_dir))
    # A file of that name that is no loadable rule (a draft elsewhere, say) is kept too.
    (rule_dir / "drafts").mkdir()
    (rule_dir / "drafts" / "other-rule.yaml").write_text("# a draft\n", encoding="utf-8")
    with pytest.raises(RuleFileError):  # the directory does not load: nothing is written
        new_rule("other-rule", "my-pack", "drafts", rule_dir=str(rule_dir))
    assert (rule_dir / "drafts" / "other-rule.yaml").read_text(encoding="utf-8") == "# a draft\n"
    assert (rule_dir / "packs" / "my-pack.yaml").read_text(encoding="utf-8") == pack_text
    assert (rule_dir / "holds" / "my-new-rule.yaml").read_text(encoding="utf-8") == rule_text


@pytest.mark.parametrize(("args", "message"), [
    (("My_Rule", "my-pack", None), "must be lower-case words joined by `-`"),
    (("my-rule", "my-pak", None), r"no pack `my-pak` in .*packs \(did you mean `my-pack`\?\); its packs: my-pack"),
    (("my-rule", "my-pack", "packs"), "category `packs` must be"),
    (("my-rule", "my-pack", "Holds"), "category `Holds` must be"),
])
def test_bad_arguments_are_usage_errors_and_write_nothing(rule_dir: Path, args: tuple, message: str) -> None:
    before = sorted(p.name for p in rule_dir.rglob("*"))
    with pytest.raises(UsageError, match=message):
        new_rule(*args, rule_dir=str(rule_dir))
    assert sorted(p.name for p in rule_dir.rglob("*")) == before


def test_the_entry_ends_the_rules_list_whatever_follows_it() -> None:
    text = "id: p\nrules:\n- rule: a\n  severity: error\n\n# more later\nsilence_complies: true\n"
    assert add_to_pack(text, "b") == ("id: p\nrules:\n- rule: a\n  severity: error\n- rule: b\n  severity: warning\n"
                                      "\n# more later\nsilence_complies: true\n")
    assert add_to_pack("id: p\nrules:\n  - rule: a\n    severity: info", "b").endswith(
        "    severity: info\n  - rule: b\n    severity: warning\n")
    with pytest.raises(UsageError, match="no block `rules:` list"):
        add_to_pack("id: p\nrules: []\n", "b")


def test_the_next_steps_name_what_to_regenerate() -> None:
    from policylint.rules.newrule import _next_steps

    steps = "\n".join(_next_steps("my-rule", "policylint/rules/data/holds/my-rule.yaml", None))
    assert "python -m policylint.report.ruledocs > docs/rules.md" in steps
    assert "POLICYLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_examples.py" in steps
    assert "python -m pytest tests/test_rule_examples.py -k my-rule" in steps


def test_the_command_prints_the_file_and_the_next_steps(rule_dir: Path, run_cli) -> None:
    result = run_cli("new-rule", "my-new-rule", "--pack", "my-pack", "--category", "mine",
                     "--rules-dir", str(rule_dir))
    assert result.exit_code == 0, result.output
    assert f"Created {rule_dir / 'mine' / 'my-new-rule.yaml'}" in result.output
    assert "policylint explain my-new-rule --rules-dir" in result.output
    again = run_cli("new-rule", "my-new-rule", "--pack", "my-pack", "--rules-dir", str(rule_dir))
    assert again.exit_code == 2
    assert "already used by" in again.output


def test_no_shipped_rule_is_left_with_a_placeholder() -> None:
    left = [p for p in sorted((REPO / "policylint" / "rules" / "data").rglob("*.yaml"))
            if TODO in p.read_text(encoding="utf-8")]
    assert not left, f"replace every {TODO} in: {left}"
