"""Loading rule files and packs: meta-schema errors at file:line, ids, duplicates, references."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from policylint.errors import RuleFileError
from policylint.rules.registry import _load_registry, build_registry, directory_files, load_registry

GOOD = textwrap.dedent("""\
    id: {id}
    title: A rule
    topics: [civil_detainer_hold]
    severity: error
    given: provisions.civil_detainer_hold
    fail: {{topic: civil_detainer_hold, in: [allowed]}}
    at: value
    message: "`{{{{ value }}}}`"
    rationale: Why.
    law: {{citation: "Some law"}}
    remediation: {{text: Fix it.}}
    examples:
      pass:
        - document: "provisions: {{}}"
      fail:
        - document: "provisions: {{civil_detainer_hold: {{value: allowed}}}}"
          findings: [{{at: /provisions/civil_detainer_hold/value, line: 1}}]
    """)


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load(root: Path):
    return build_registry(directory_files(str(root)))


def problems(root: Path) -> list[str]:
    with pytest.raises(RuleFileError) as info:
        load(root)
    return [str(p) for p in info.value.problems]  # type: ignore[attr-defined]


def test_a_good_rule_and_pack_load(tmp_path: Path) -> None:
    write(tmp_path, "holds/my-rule.yaml", GOOD.format(id="my-rule").replace(
        "topics:", "aliases: [old-rule]\ntopics:"))
    write(tmp_path, "packs/my-pack.yaml", textwrap.dedent("""\
        id: my-pack
        title: Mine
        jurisdiction: MA
        states: [MA]
        status: binding
        effective_from: 2017-07-24
        description: Test.
        sources: [{citation: "x", seen: true}]
        rules: [{rule: my-rule, severity: warning, weight: 2}]
        """))
    reg = load(tmp_path)
    assert reg.resolve("old-rule") == "my-rule"
    assert reg.rule("old-rule").id == "my-rule"
    assert reg.packs["my-pack"].effective_from == "2017-07-24"
    assert [p.id for p, _ in reg.packs_using("my-rule")] == ["my-pack"]
    with pytest.raises(KeyError, match="did you mean `my-rule`"):
        reg.rule("my-rul")


def test_unknown_key_is_reported_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace("at: value", "at: value\nseverty: error"))
    assert problems(tmp_path) == [f"{tmp_path}/x/my-rule.yaml:8:1: unknown key `severty` (did you mean `severity`?)"]


def test_unknown_key_in_a_nested_condition(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(
        "fail: {topic: civil_detainer_hold, in: [allowed]}",
        "fail:\n  all:\n    - {topic: civil_detainer_hold, is_in: [allowed]}"))
    (got,) = problems(tmp_path)
    assert got.startswith(f"{tmp_path}/x/my-rule.yaml:8:36: unknown key `is_in`")


def test_missing_required_key_and_wrong_type(tmp_path: Path) -> None:
    text = GOOD.format(id="my-rule").replace("rationale: Why.\n", "").replace("severity: error", "severity: fatal")
    write(tmp_path, "x/my-rule.yaml", text)
    got = problems(tmp_path)
    assert any(p.startswith(f"{tmp_path}/x/my-rule.yaml:1:1:") and "'rationale' is a required property" in p for p in got)
    assert any(p.startswith(f"{tmp_path}/x/my-rule.yaml:4:11: `/severity`") for p in got)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    write(tmp_path, "x/other-name.yaml", GOOD.format(id="my-rule"))
    assert problems(tmp_path) == [
        f"{tmp_path}/x/other-name.yaml:1:5: rule id `my-rule` must match the file name `other-name`"]


def test_duplicate_ids_and_aliases(tmp_path: Path) -> None:
    write(tmp_path, "a/my-rule.yaml", GOOD.format(id="my-rule"))
    write(tmp_path, "b/my-rule.yaml", GOOD.format(id="my-rule"))
    write(tmp_path, "c/two.yaml", GOOD.format(id="two").replace("topics:", "aliases: [my-rule]\ntopics:"))
    got = problems(tmp_path)
    assert len(got) == 2
    assert all("`my-rule` is already defined in" in p for p in got)


def test_condition_and_template_errors_point_into_the_file(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(
        "fail: {topic: civil_detainer_hold, in: [allowed]}",
        "fail: {topic: civil_detainer_hold, in: [allowed], equals: x}"))
    write(tmp_path, "x/two.yaml", GOOD.format(id="two").replace('message: "`{{ value }}`"', 'message: "{{ value "'))
    write(tmp_path, "x/three.yaml", GOOD.format(id="three").replace("at: value", "at: exceptions[*]"))
    got = problems(tmp_path)
    assert got[0].startswith(f"{tmp_path}/x/my-rule.yaml:6:7: a `topic` predicate needs exactly one of")
    assert got[1].startswith(f"{tmp_path}/x/three.yaml:7:5: `at: exceptions[*]` must be a fixed path")
    assert got[2].startswith(f"{tmp_path}/x/two.yaml:8:10: message template:")


def test_pack_references_are_checked(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace("topics:", "aliases: [old]\ntopics:"))
    write(tmp_path, "packs/p.yaml", textwrap.dedent("""\
        id: p
        title: P
        jurisdiction: US
        status: federal
        description: Test.
        sources: [{citation: "x", seen: false}]
        rules:
          - {rule: my-rul, severity: error}
          - {rule: old, severity: error}
          - {rule: my-rule, severity: error}
          - {rule: my-rule, severity: info}
          - {rule: my-rule, severity: loud, colour: red}
        """))
    got = problems(tmp_path)
    assert got == [
        f"{tmp_path}/packs/p.yaml:12:31: `/rules/4/severity`: 'loud' is not one of ['error', 'warning', 'info']",
        f"{tmp_path}/packs/p.yaml:12:37: unknown key `colour`",
    ]
    write(tmp_path, "packs/p.yaml", (tmp_path / "packs/p.yaml").read_text().rsplit("  - {rule: my-rule, severity: loud", 1)[0])
    assert problems(tmp_path) == [
        f"{tmp_path}/packs/p.yaml:8:12: pack `p` uses unknown rule `my-rul` (did you mean `my-rule`?)",
        f"{tmp_path}/packs/p.yaml:9:12: pack `p` uses unknown rule `old` (it is an alias of `my-rule`; use the rule id)",
        f"{tmp_path}/packs/p.yaml:11:12: rule `my-rule` is listed twice in pack `p`",
    ]


def test_unreadable_yaml_and_missing_directory(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", "id: [unclosed\n")
    (got,) = problems(tmp_path)
    assert got.startswith(f"{tmp_path}/x/my-rule.yaml:")
    with pytest.raises(RuleFileError, match="rule directory not found"):
        load(tmp_path / "nope")


def test_error_message_lists_every_problem_with_the_first_as_location(tmp_path: Path) -> None:
    write(tmp_path, "x/a.yaml", GOOD.format(id="b"))
    write(tmp_path, "x/c.yaml", GOOD.format(id="d"))
    with pytest.raises(RuleFileError) as info:
        load(tmp_path)
    text = str(info.value)
    assert text.startswith(f"{tmp_path}/x/a.yaml:1:5: rule id `b` must match")
    assert f"\n  {tmp_path}/x/c.yaml:1:5: rule id `d`" in text


def test_extra_rule_directories_join_the_package_registry(tmp_path: Path) -> None:
    write(tmp_path, "local/my-local-rule.yaml", GOOD.format(id="my-local-rule"))
    reg = load_registry((str(tmp_path),))
    assert "my-local-rule" in reg.rules
    assert "incident-contradicts-policy" in reg.rules
    assert load_registry((str(tmp_path),)) is reg  # cached per process


def test_a_stamp_skips_revalidating_texts_already_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    write(tmp_path, "rules/x/my-rule.yaml", GOOD.format(id="my-rule"))
    first = _load_registry.__wrapped__((str(tmp_path / "rules"),), str(tmp_path / "cache"))
    assert first.compiled["my-rule"].template.compiled
    (stamp,) = [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".ok"]
    with monkeypatch.context() as patched:  # the texts as parsed are kept beside the stamp
        patched.setattr("policylint.rules.registry.read_yaml", lambda *a: pytest.fail("parsed again"))
        second = _load_registry.__wrapped__((str(tmp_path / "rules"),), str(tmp_path / "cache"))
    assert not second.compiled["my-rule"].template.compiled  # compiled on its first finding
    assert second.rules["my-rule"].data == first.rules["my-rule"].data
    # any change to any text is a new set of texts: validated in full again
    write(tmp_path, "rules/x/my-rule.yaml", GOOD.format(id="my-rule").replace("severity: error", "severity: errr"))
    with pytest.raises(RuleFileError, match="'errr' is not one of"):
        _load_registry.__wrapped__((str(tmp_path / "rules"),), str(tmp_path / "cache"))
    assert [p for p in (tmp_path / "cache").iterdir() if p.suffix == ".ok"] == [stamp]


def test_the_stamp_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", "")
    write(tmp_path, "rules/x/my-rule.yaml", GOOD.format(id="my-rule"))
    for _ in range(2):
        reg = _load_registry.__wrapped__((str(tmp_path / "rules"),), None)
        assert not hasattr(reg.compiled["my-rule"].template, "source")
    _load_registry.cache_clear()
    for _ in range(2):  # the environment's "" is what the default means
        reg = load_registry((str(tmp_path / "rules"),))
        assert not hasattr(reg.compiled["my-rule"].template, "source")
        _load_registry.cache_clear()


def test_a_rule_file_may_compare_numbers(tmp_path: Path) -> None:
    text = GOOD.format(id="hours-rule").replace(
        "fail: {topic: civil_detainer_hold, in: [allowed]}",
        "fail: {path: '@.max_hours', at_least: 48}").replace(
        "at: value", "at: max_hours").replace(
        "{civil_detainer_hold: {value: allowed}}", "{civil_detainer_hold: {max_hours: 72}}").replace(
        "/provisions/civil_detainer_hold/value", "/provisions/civil_detainer_hold/max_hours")
    write(tmp_path, "x/hours-rule.yaml", text)
    registry = load(tmp_path)
    assert "hours-rule" in registry.rules


# -- named conditions ------------------------------------------------------------------------

NAMED_FAIL = "fail: {topic: civil_detainer_hold, in: [allowed]}"


def test_a_rule_directory_defines_and_uses_its_own_named_conditions(tmp_path: Path) -> None:
    write(tmp_path, "conditions/mine.yaml", textwrap.dedent("""\
        held:
          description: The hold is allowed.
          condition: {any: [{condition: allowed-hold}, {topic: civil_detainer_hold, in: [required]}]}
        allowed-hold:
          description: Allowed.
          condition: {topic: civil_detainer_hold, in: [allowed]}
        """))
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(NAMED_FAIL, "fail: {condition: held}"))
    reg = load(tmp_path)
    assert reg.rules["my-rule"].data["fail"] == {"any": [
        {"topic": "civil_detainer_hold", "in": ["allowed"]},
        {"topic": "civil_detainer_hold", "in": ["required"]}]}
    from policylint.rules.conditions import Env

    fail = reg.compiled["my-rule"].fail
    assert fail(Env({"provisions": {"civil_detainer_hold": {"value": "required"}}}), None, None)
    assert not fail(Env({"provisions": {"civil_detainer_hold": {"value": "prohibited"}}}), None, None)


def test_a_third_party_rule_may_use_a_shipped_named_condition(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(
        NAMED_FAIL, "fail: {condition: hold-without-judicial-warrant}"))
    reg = load_registry((str(tmp_path),), cache_dir=None)
    assert reg.rules["my-rule"].data["fail"] == reg.rules["detainer-hold-prohibited"].data["fail"]


def test_an_unknown_named_condition_is_reported_at_the_reference(tmp_path: Path) -> None:
    write(tmp_path, "conditions/mine.yaml", "allowed-hold:\n  description: A.\n"
                                            "  condition: {topic: civil_detainer_hold, in: [allowed]}\n")
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(NAMED_FAIL, "fail: {condition: alowed-hold}"))
    assert problems(tmp_path) == [f"{tmp_path}/x/my-rule.yaml:6:19: no named condition `alowed-hold` "
                                  "(did you mean `allowed-hold`?)"]


def test_a_cycle_of_named_conditions_is_reported_where_it_closes(tmp_path: Path) -> None:
    write(tmp_path, "conditions/mine.yaml", textwrap.dedent("""\
        a-one:
          description: A.
          condition: {not: {condition: b-two}}
        b-two:
          description: B.
          condition:
            all:
              - {topic: civil_detainer_hold, in: [allowed]}
              - {condition: a-one}
        """))
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(NAMED_FAIL, "fail: {condition: a-one}"))
    file = f"{tmp_path}/conditions/mine.yaml"
    assert problems(tmp_path) == [
        f"{file}:3:32: named condition `a-one` uses itself (a-one -> b-two -> a-one)",
        f"{file}:9:21: named condition `b-two` uses itself (b-two -> a-one -> b-two)",
        f"{tmp_path}/x/my-rule.yaml:6:19: named condition `a-one` uses itself (a-one -> b-two -> a-one)"]


def test_a_named_condition_is_checked_in_its_own_file(tmp_path: Path) -> None:
    write(tmp_path, "conditions/mine.yaml", textwrap.dedent("""\
        bad-leaf:
          description: Two operators.
          condition: {topic: civil_detainer_hold, in: [allowed], equals: allowed}
        """))
    write(tmp_path, "conditions/blank.yaml", "no-words:\n  condition: {topic: civil_detainer_hold, in: [allowed]}\n")
    write(tmp_path, "conditions/more.yaml", "bad-leaf:\n  description: Again.\n"
                                            "  condition: {present: civil_detainer_hold}\n")
    found = problems(tmp_path)
    assert found[0] == f"{tmp_path}/conditions/blank.yaml:2:3: `/no-words`: 'description' is a required property"
    assert found[1] == f"{tmp_path}/conditions/more.yaml:1:1: named condition `bad-leaf` is already defined in " \
                       f"{tmp_path}/conditions/mine.yaml"
    assert found[2].startswith(f"{tmp_path}/conditions/mine.yaml:3:")
    assert "exactly one of" in found[2]


def test_a_named_condition_stands_alone(tmp_path: Path) -> None:
    write(tmp_path, "x/my-rule.yaml", GOOD.format(id="my-rule").replace(
        NAMED_FAIL, "fail: {condition: hold-without-judicial-warrant, topic: x}"))
    with pytest.raises(RuleFileError, match="`condition` stands alone"):
        load_registry((str(tmp_path),), cache_dir=None)


def test_the_package_rules_see_only_the_package_named_conditions() -> None:
    from policylint.rules.registry import _named_conditions

    files = [("pkg/conditions/a.yaml", "conditions",
              "a-one:\n  description: A.\n  condition: {condition: b-two}\n"),
             ("third/conditions/b.yaml", "conditions",
              "b-two:\n  description: B.\n  condition: {present: civil_detainer_hold}\n")]
    found: list = []
    named, package = _named_conditions(files, False, {}, None, found, frozenset({"pkg/conditions/a.yaml"}))
    assert set(named) == {"a-one", "b-two"} and set(package) == {"a-one"}
    assert [p.message for p in found] == ["no named condition `b-two`"]
