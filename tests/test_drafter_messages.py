"""What a drafter reads: schema messages with hints that work when followed, asserted in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from policylint.run.api import check_text
from policylint.schema.hints import state_code

HEAD = """\
policylint: 1
agency: {name: X Police Department, kind: municipal_police, state: MA, jurisdiction: X}
instrument: {kind: draft}
"""


def schema_messages(text: str) -> list[str]:
    result = check_text(text, "d.yaml", select=("schema-",))
    return [f"{f.line}:{f.column} {f.rule} {f.message}" for f in result.findings]


def test_a_bare_yes_for_a_word_field_suggests_the_allowed_words_not_quotes() -> None:
    text = HEAD.replace("{kind: draft}", "{kind: draft, public: yes}")
    assert schema_messages(text) == [
        ("3:35 schema-invalid-value `instrument.public` is `yes`; expected one of: published, "
        "on_request, not_public (YAML reads the bare word `yes` as true/false; write one of the "
        "words above instead)")]
    # Following the hint gives a valid document; quoting "yes" would not have.
    assert schema_messages(text.replace("public: yes", "public: published")) == []
    assert [m.split(" ", 2)[1] for m in schema_messages(text.replace("public: yes", 'public: "yes"'))] \
        == ["schema-invalid-value"]


def test_a_bare_yes_where_the_quoted_word_is_allowed_still_says_to_quote_it() -> None:
    text = HEAD.replace("jurisdiction: X}", "jurisdiction: yes}")
    assert schema_messages(text) == [
        ("2:86 schema-wrong-type `agency.jurisdiction` should be text or null, not true/false — YAML "
        "reads the bare word `yes` as true/false; write \"yes\" in quotes")]
    assert schema_messages(text.replace("jurisdiction: yes", 'jurisdiction: "yes"')) == []


@pytest.mark.parametrize("written", ["Massachusetts", "Mass.", "ma", "Commonwealth of Massachusetts"])
def test_a_state_written_out_suggests_its_code(written: str) -> None:
    text = HEAD.replace("state: MA", f"state: {written}")
    column = HEAD.splitlines()[1].index("MA") + 1
    assert schema_messages(text) == [
        f"2:{column} schema-invalid-format `agency.state` is `{written}`; write the two-letter code `MA`"]


def test_state_codes_from_names_and_abbreviations() -> None:
    assert [state_code(s) for s in ("California", "Calif.", "N.J.", "W. Va.", "Oreg.", "Narnia")] \
        == ["CA", "CA", "NJ", "WV", "OR", None]


def test_an_unknown_state_still_shows_the_form() -> None:
    assert schema_messages(HEAD.replace("state: MA", "state: Narnia")) == [
        ("2:68 schema-invalid-format `agency.state` is `Narnia`; expected text matching `^[A-Z]{2}$` "
        "(Two-letter state code, e.g. MA; it chooses which binding rule packs apply)")]


def test_an_agency_kind_by_its_everyday_name_suggests_the_word() -> None:
    assert schema_messages(HEAD.replace("kind: municipal_police", "kind: police")) == [
        ("2:43 schema-invalid-value `agency.kind` is `police`; expected one of: municipal_police, "
        "sheriff, state_police, campus_police, county_police, transit_police, corrections, other "
        "(did you mean `municipal_police`?)")]


def test_a_topic_given_as_a_word_shows_the_mapping_form() -> None:
    text = HEAD + "provisions:\n  training: required\n  juveniles: maybe\n"
    assert schema_messages(text) == [
        ("5:13 schema-wrong-type `provisions.training` should be a mapping of keys, not text; write "
        "the topic as a mapping: `training: {value: required}` (values: required, absent, silent, unclear)"),
        ("6:14 schema-wrong-type `provisions.juveniles` should be a mapping of keys, not text; write "
        "the topic as a mapping: `juveniles: {value: ...}` (values: enhanced_protection, "
        "same_as_adults, silent, unclear)")]
    fixed = HEAD + "provisions:\n  training: {value: required}\n"
    assert schema_messages(fixed) == []


def test_init_suggests_the_kind_and_the_state_code(run_cli, tmp_path: Path) -> None:
    kind = run_cli("init", str(tmp_path / "a.yaml"), "--agency", "A", "--state", "MA", "--kind", "police")
    assert kind.exit_code == 2
    assert kind.output == (
        "policylint: error: unknown agency kind `police` (did you mean `municipal_police`?); choose "
        "from: municipal_police, sheriff, state_police, campus_police, county_police, "
        "transit_police, corrections, other\n")
    state = run_cli("init", str(tmp_path / "a.yaml"), "--agency", "A", "--state", "Massachusetts")
    assert state.exit_code == 2
    assert state.output == "policylint: error: `Massachusetts` is not a two-letter state code (did you mean `MA`?)\n"
    assert run_cli("init", str(tmp_path / "a.yaml"), "--agency", "A", "--state", "MA",
                   "--kind", "municipal_police").exit_code == 0


# -- issue 13 §7: required keys and nested positions ----------------------------------------

def validation_messages(text: str) -> list[str]:
    from policylint.load.loader import load_text
    from policylint.schema.validate import validate

    doc = load_text(text, "d.yaml").document
    assert doc is not None
    return [f"{f.line}:{f.column} {f.rule} {f.message}" for f in validate(doc).findings]


def test_each_missing_top_level_key_is_named_once() -> None:
    assert validation_messages("foo: bar\n") == [
        "1:1 schema-missing-key the document is missing the required key `policylint`",
        "1:1 schema-missing-key the document is missing the required key `agency`",
        "1:1 schema-missing-key the document is missing the required key `instrument`",
        "1:1 schema-unknown-key unknown key `foo` in the document"]
    assert schema_messages("policylint: 1\nprovisions: {}\n") == [
        "1:1 schema-missing-key the document is missing the required key `agency`",
        "1:1 schema-missing-key the document is missing the required key `instrument`"]


def test_an_enum_error_inside_an_any_of_is_reported_at_the_nested_value() -> None:
    text = HEAD + ("incidents:\n  - summary: x\n    source:\n      url: https://example.org\n"
                   "      via: pressreport\n")
    assert schema_messages(text) == [
        ("8:12 schema-invalid-value `incidents[0].source.via` is `pressreport`; expected one of: "
        "published, public_records_request, press_report, court_record, other (did you mean "
        "`press_report`?)")]


# -- issue 13 §7: duplicate keys through aliases, merges and lists ---------------------------

def duplicates(text: str) -> list[str]:
    from policylint.load.loader import load_text

    return [f"{f.line}:{f.column} {f.rule} {f.message}" for f in load_text(text, "d.yaml").findings]


def test_a_duplicate_through_an_alias_key_is_reported_at_the_alias() -> None:
    text = ("policylint: 1\n&k agency: {name: A}\ninstrument: {kind: draft}\n*k : {name: B}\n")
    assert duplicates(text) == [
        "4:1 yaml-duplicate-key duplicate key `agency` (first defined on line 2); only the last one would be used"]


def test_a_duplicate_inside_a_reused_mapping_is_reported_once() -> None:
    text = ("policylint: 1\nagency: &a {name: A, kind: sheriff, name: C}\n"
            "instrument: {kind: draft}\nx: {<<: *a}\ny: [*a, *a]\n")
    assert duplicates(text) == [
        "2:37 yaml-duplicate-key duplicate key `name` (first defined on line 2); only the last one would be used"]


def test_duplicates_in_a_document_that_is_a_list_are_reported() -> None:
    assert duplicates("- a: 1\n  a: 2\n") == [
        ("1:1 yaml-not-mapping a policy document must be a mapping of keys (`policylint: 1`, "
        "`agency: ...`), not a list"),
        "2:3 yaml-duplicate-key duplicate key `a` (first defined on line 1); only the last one would be used"]


def test_a_repeated_merge_key_is_reported() -> None:
    text = "x: &x {name: A}\ny: &y {kind: sheriff}\nagency:\n  <<: *x\n  <<: *y\n  state: MA\n"
    assert duplicates(text) == [
        ("5:3 yaml-duplicate-key a second `<<` merge key (the first is on line 4); merge several "
        "mappings with one key: `<<: [*a, *b]`")]
    # one merge key with a list, and an explicit key overriding a merged one, are fine
    assert duplicates("x: &x {name: A}\ny: &y {kind: sheriff}\nagency:\n  <<: [*x, *y]\n  name: B\n") == []


# -- issue 13 §7: YAML files that are not policy documents -----------------------------------

NOT_A_POLICY = ("not a policylint document: add `policylint: 1` at the top if it is one (it has "
                "no top-level `policylint` key)")


def test_a_walk_skips_yaml_files_that_are_not_policy_documents_and_says_how_many(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "mkdocs.yml").write_text("site_name: Docs\nnav: [index.md]\n")
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "town.yaml").write_text(HEAD)
    run = subprocess.run([sys.executable, "-m", "policylint", "check", "--isolated", "-f", "concise",
                          "--select", "schema-,input-", str(tmp_path)], check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""
    assert run.stderr == ("policylint: skipped 2 YAML files that are not policylint documents "
                          "(no top-level `policylint` key)\n")


def test_a_file_named_explicitly_that_is_not_a_policy_gets_one_finding(tmp_path: Path) -> None:
    from policylint.run.api import check

    target = tmp_path / "mkdocs.yml"
    target.write_text("site_name: Docs\nnav: [index.md]\n")
    [result] = check([str(target)])
    assert [(f.line, f.column, f.rule, f.message) for f in result.findings] == [
        (1, 1, "input-not-policylint", NOT_A_POLICY)]
    assert result.input_error and not result.skipped


def test_compare_leaves_out_what_a_walk_found_that_is_not_a_policy(tmp_path: Path) -> None:
    from policylint.compare.summary import collect

    (tmp_path / "mkdocs.yml").write_text("site_name: Docs\n")
    (tmp_path / "town.yaml").write_text(HEAD)
    skipped: list[str] = []
    assert [Path(r.file).name for r in collect([str(tmp_path)], skipped=skipped)] == ["town.yaml"]
    assert [Path(p).name for p in skipped] == ["mkdocs.yml"]


def test_compare_says_how_many_files_it_skipped(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "mkdocs.yml").write_text("site_name: Docs\n")
    (tmp_path / "town.yaml").write_text(HEAD)
    run = subprocess.run([sys.executable, "-m", "policylint", "compare", "-f", "csv", str(tmp_path)],
                         check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ("policylint: skipped 1 YAML file that is not a policylint document "
                          "(no top-level `policylint` key)\n")


# -- issue 14.4: findings about something absent point where it belongs and name the key -----

def rule_findings(text: str, rule: str) -> list[tuple[int, int, str]]:
    result = check_text(text, "d.yaml", select=(rule,))
    return [(f.line, f.column, f.message) for f in result.findings]


def test_a_missing_definition_points_at_definitions_or_the_top_never_at_policylint() -> None:
    holds = "provisions:\n  civil_detainer_hold: {value: prohibited, quote: No holds.}\n"
    top = "# a draft\n" + HEAD + holds
    [(line, column, message)] = rule_findings(top, "release-eligibility-defined")
    assert (line, column) == (1, 1)
    assert message.endswith(" otherwise eligible. Add `definitions:` with `eligible_for_release:` to the document.")
    with_definitions = top + "definitions:\n  judicial_warrant: {quote: a warrant signed by a judge}\n"
    [(line, column, message)] = rule_findings(with_definitions, "release-eligibility-defined")
    assert (line, column) == (7, 1)
    assert message.endswith(" Add `eligible_for_release:` under `definitions:`.")


def test_an_absent_topic_points_at_the_provisions_key_and_names_the_topic() -> None:
    text = HEAD + "provisions:\n  civil_detainer_hold: {value: prohibited, quote: No holds.}\n"
    [(line, column, message)] = rule_findings(text, "notification-gap-when-holds-banned")
    assert (line, column) == (4, 1)  # the `provisions:` key: a suppression comment goes there
    assert message.endswith(" Add `release_notification_requests:` under `provisions:`.")
    # a topic that is present (even `silent`) is pointed at itself, with nothing to add
    silent = text + "  release_notification_requests: {value: silent}\n"
    [(line, column, message)] = rule_findings(silent, "notification-gap-when-holds-banned")
    assert (line, column) == (6, 42) and "Add `" not in message


# -- issue 14.5: an editor line that works for every collaborator; explain a pack ------------

def test_init_points_at_the_schema_the_repository_keeps_by_a_relative_path(run_cli, tmp_path: Path) -> None:
    import json

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    target = repo / "policies" / "ma" / "quincy.yaml"
    first = run_cli("init", str(target), "--agency", "Quincy Police Department", "--state", "MA")
    assert first.exit_code == 0, first.output
    kept = repo / "schemas" / "policy.schema.json"
    assert json.loads(kept.read_text())["$id"] == "urn:policylint:schema:policy-document:v1"
    assert target.read_text().splitlines()[0] == "# yaml-language-server: $schema=../../schemas/policy.schema.json"
    # a second document finds the kept schema and leaves it alone
    kept.write_text(kept.read_text() + "\n")
    other = repo / "policies" / "lynn.yaml"
    assert run_cli("init", str(other), "--agency", "Lynn Police Department", "--state", "MA").exit_code == 0
    assert other.read_text().splitlines()[0] == "# yaml-language-server: $schema=../schemas/policy.schema.json"
    assert kept.read_text().endswith("}\n\n")
    assert "site-packages" not in target.read_text()


def test_init_from_csv_points_every_stub_at_the_kept_schema(run_cli, tmp_path: Path) -> None:
    csv = tmp_path / "agencies.csv"
    csv.write_text("name,state\nAlpha Police Department,MA\n")
    (tmp_path / "repo" / "policylint.yaml").parent.mkdir()
    (tmp_path / "repo" / "policylint.yaml").write_text("fail-on: error\n")
    result = run_cli("init", "--from-csv", str(csv), "--output-dir", str(tmp_path / "repo" / "policies"))
    assert result.exit_code == 0, result.output
    stub = tmp_path / "repo" / "policies" / "alpha-police-department.yaml"
    assert stub.read_text().splitlines()[0] == "# yaml-language-server: $schema=../schemas/policy.schema.json"
    assert (tmp_path / "repo" / "schemas" / "policy.schema.json").is_file()


def test_explain_a_pack_id_explains_the_pack(run_cli) -> None:
    from policylint.rules.registry import load_registry

    result = run_cli("explain", "ma-lunn")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:7] == [
        "ma-lunn (a rule pack)",
        "  Lunn v. Commonwealth (Massachusetts)",
        "",
        "What it is",
        "  Status: binding (law that binds the agencies it applies to).",
        "  Jurisdiction: MA; in effect from 2017-07-24.",
        "  Checked by default for agencies in MA."]
    rules = [e.rule for e in load_registry().packs["ma-lunn"].rules]
    listed = [line.split()[0] for line in lines[lines.index(f"Rules ({len(rules)})") + 1:] if line.startswith("  ")]
    assert listed == rules
    assert lines[-1] == "Explain one with `policylint explain RULE`; list them with `policylint rules --pack ma-lunn`."


# -- issue 14.1: YAML syntax errors on the right line, with a hint and a source excerpt ------

SYNTAX_CASES = [
    ("policylint: 1\nagency:\n\tname: X\n", 3, 1,
     ("YAML syntax error: line 3 is indented with a tab; YAML indents with spaces only: replace "
     "the tab with spaces")),
    ("policylint: 1\nagency:\n  name: X\n\tkind: sheriff\n", 4, 1,
     ("YAML syntax error: line 4 is indented with a tab; YAML indents with spaces only: replace "
     "the tab with spaces")),
    ("policylint: 1\nagency:\n  name: Quincy: the city\n", 3, 15,
     ("YAML syntax error: the text after `name:` contains `: `, which YAML reads as the start of "
     'another key; put the text in quotes: `name: "Quincy: the city"`')),
    ("policylint: 1\nagency:\n  name: X\n   kind: sheriff\n", 4, 4,
     ("YAML syntax error: line 4 is indented 1 space more than `name:` on line 3; keys of one "
     "mapping line up: remove 1 space (or, if it is text, put it in quotes)")),
    ("policylint: 1\nagency:\n    name: X\n  kind: sheriff\n", 4, 3,
     ("YAML syntax error: line 4 is indented 2 spaces, which lines up with nothing above it; line "
     "it up with one of: 4 spaces (`name:` on line 3), 0 spaces (`agency:` on line 2)")),
    ("policylint: 1\nagency:\n  name X\n  kind: sheriff\n", 3, 3,
     ("YAML syntax error: line 3 (`name X`) has no `:` after its key, so YAML read it as text "
     "running on into line 4: write `name: X`")),
    ("policylint: 1\nincidents:\n  - summary: officers were told\n      to call ICE\n      as follows: x\n", 5, 17,
     ("YAML syntax error: the text of `summary:` (line 3) runs on to line 5, where `: ` starts "
     "another key; put the whole text in quotes")),
    ('policylint: 1\nagency:\n  name: "X\n  kind: sheriff\n', 3, 9,
     'YAML syntax error: the quote `"` opened on line 3 is never closed: end the text with `"`'),
    ("policylint: 1\nagency: {name: X, kind: sheriff\ninstrument: {}\n", 2, 9,
     ("YAML syntax error: the `{` opened on line 2 is not closed on that line: add `}` where it "
     "ends (separate its items with `,`)")),
    ("policylint: 1\nincidents:\n  - topics: [training, juveniles\n    summary: x\n", 3, 13,
     ("YAML syntax error: the `[` opened on line 3 is not closed on that line: add `]` where it "
     "ends (separate its items with `,`)")),
]


@pytest.mark.parametrize("text, line, column, message", SYNTAX_CASES)
def test_a_syntax_error_is_explained_on_the_line_of_the_mistake(text: str, line: int, column: int,
                                                                  message: str) -> None:
    from policylint.load.loader import load_text

    [finding] = load_text(text, "d.yaml").findings
    assert (finding.rule, finding.line, finding.column, finding.message) == ("yaml-syntax", line, column, message)


@pytest.mark.parametrize("text, line, column, message", SYNTAX_CASES[:3])
def test_the_pure_python_parser_gives_the_same_explanation(text: str, line: int, column: int, message: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from policylint.load import loader

    monkeypatch.setattr(loader, "_COMPOSER", yaml.SafeLoader)
    [finding] = loader.load_text(text, "d.yaml").findings
    assert (finding.line, finding.column, finding.message) == (line, column, message)


def test_text_output_shows_the_source_line_and_a_caret(run_cli, write) -> None:
    tab = write("tab.yaml", "policylint: 1\nagency:\n\tname: X\n")
    out = run_cli("check", "--isolated", "--color", "never", str(tab)).output
    assert out.splitlines()[:4] == [
        str(tab),
        ("  3:1  error    YAML syntax error: line 3 is indented with a tab; YAML indents with spaces "
        "only: replace the tab with spaces  yaml-syntax"),
        "       3 |     name: X",
        "         | ^^^^"]
    bad = write("bad.yaml", HEAD.replace("state: MA", "state: Massachusetts"))
    out = run_cli("check", "--isolated", "--color", "never", "--select", "schema-", str(bad)).output
    assert out.splitlines()[1:4] == [
        ("  2:68  error    `agency.state` is `Massachusetts`; write the two-letter code `MA`  "
        "schema-invalid-format"),
        ("        2 | agency: {name: X Police Department, kind: municipal_police, state: "
        "Massachusetts, jurisdiction: X}"),
        "          |                                                                    ^^^^^^^^^^^^^"]


# -- issue 14.3: every rule says what language would fix it, labelled for what it is ---------

def test_every_rule_has_model_language_with_its_source_or_suggested_language() -> None:
    from policylint.rules.registry import load_registry

    registry = load_registry()
    without = [rid for rid, rule in registry.rules.items()
               if not (rule.remediation.get("model_language") and rule.remediation.get("model_source"))
               and not rule.remediation.get("suggested_language")]
    assert without == []
    unsourced = [rid for rid, rule in registry.rules.items()
                 if rule.remediation.get("model_language") and not rule.remediation.get("model_source")]
    assert unsourced == []


def test_suggested_language_never_passes_for_law(run_cli) -> None:
    from policylint.rules.catalog import describer

    explained = run_cli("explain", "notification-gap-when-holds-banned").output
    assert ("  Suggested language (drafted for policylint, not taken from any law or model policy; adapt\n"
            "  it with counsel):\n    Requests from immigration authorities") in explained
    assert "Model language" not in explained
    label, text = describer()("notification-gap-when-holds-banned").language
    assert label == "Suggested language (drafted for policylint, not taken from any law)"
    assert text.startswith("Requests from immigration authorities for the date or time")
    label, _ = describer()("detainer-hold-prohibited").language
    assert label.startswith("Model language (Boston Trust Act")


def test_check_v_shows_the_language_and_the_summary_points_to_explain(run_cli, write) -> None:
    draft = write("d.yaml", HEAD + "provisions:\n  civil_detainer_hold: {value: prohibited, quote: No holds.}\n")
    args = ("check", "--isolated", "--color", "never", "--max-rule-seconds", "30",
            "--select", "notification-gap-when-holds-banned", str(draft))
    plain = run_cli(*args).output
    assert plain.splitlines()[-1] == (
        "Run `policylint explain RULE` (e.g. `policylint explain notification-gap-when-holds-banned`) "
        "for the law behind a finding and language that would fix it; `-v` shows the language here.")
    assert "Suggested language" not in plain
    verbose = run_cli(*args[:1], "-v", *args[1:]).output.splitlines()
    at = verbose.index("                Suggested language (drafted for policylint, not taken from any law):")
    assert verbose[at + 1].startswith("                  Requests from immigration authorities for the date")


def test_massachusetts_hold_language_never_reads_as_permission_to_hold() -> None:
    from policylint.rules.registry import load_registry

    registry = load_registry()
    def language(rid: str) -> str:
        return " ".join(registry.rules[rid].remediation["suggested_language"].split())

    # The 48-hour cap runs for every state: it opens with the prohibition and names Lunn.
    cap = language("detainer-48h-cap")
    assert cap.startswith("No person shall be kept in custody on an immigration detainer except as [State] law expressly allows")
    assert cap.endswith("(In Massachusetts no one may be held solely on a federal civil immigration detainer "
                        "beyond the time of release: Lunn v. Commonwealth, 477 Mass. 517 (2017).)")
    # An exception drafted to bound "public safety" or "national security" never reopens holds.
    for rid in ("exception-unbounded-public-safety", "exception-unbounded-national-security"):
        assert "does not permit keeping any person in custody on an immigration detainer" in language(rid), rid


def test_a_topic_given_as_a_bare_yes_is_not_told_to_quote_it() -> None:
    assert schema_messages(HEAD + "provisions:\n  training: yes\n") == [
        ("5:13 schema-wrong-type `provisions.training` should be a mapping of keys, not true/false; "
        "write the topic as a mapping: `training: {value: ...}` (values: required, absent, silent, unclear)")]
