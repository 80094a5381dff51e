"""Third-party packs: catastrophic patterns and escaping templates are refused at load; slow
rules and runaway messages are stopped while a document is checked, and the run goes on."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from policylint.errors import RuleFileError
from policylint.load.loader import Limits
from policylint.rules import deadline
from policylint.rules.registry import build_registry, directory_files, load_registry
from policylint.rules.templating import TemplateError, compile_message, render_message
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions

RULE = textwrap.dedent("""\
    id: {id}
    title: {id} title
    topics: [civil_detainer_hold]
    severity: error
    given: provisions.civil_detainer_hold
    fail: {{path: "@.quote", matches: '{pattern}'}}
    at: quote
    message: {message}
    rationale: Why.
    law: {{citation: "Some law"}}
    remediation: {{text: Fix it.}}
    examples:
      pass:
        - document: "provisions: {{civil_detainer_hold: {{quote: b}}}}"
      fail:
        - document: "provisions: {{civil_detainer_hold: {{quote: a}}}}"
          findings: [{{at: /provisions/civil_detainer_hold/quote, line: 1}}]
    """)
PACK = textwrap.dedent("""\
    id: third-party
    title: A pack from elsewhere
    jurisdiction: any
    status: advisory
    description: Test.
    sources: [{{citation: "x", seen: false}}]
    rules:
    {entries}
    """)


def write_pack(root: Path, rules: dict[str, tuple[str, str]]) -> Path:
    """A rule directory with one rule per ``id: (pattern, message)`` and a pack using them."""
    for rule_id, (pattern, message) in rules.items():
        path = root / "third" / f"{rule_id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RULE.format(id=rule_id, pattern=pattern, message=message), encoding="utf-8")
    entries = "\n".join(f"  - {{rule: {r}, severity: error}}" for r in rules)
    (root / "packs").mkdir(exist_ok=True)
    (root / "packs" / "third-party.yaml").write_text(PACK.format(entries=entries), encoding="utf-8")
    return root


def load_problems(root: Path) -> list[str]:
    """The problems reported in rule files (the pack then names an unknown rule, too)."""
    with pytest.raises(RuleFileError) as info:
        build_registry(directory_files(str(root)))
    return [str(p) for p in info.value.problems  # type: ignore[attr-defined]
            if "/packs/" not in p.file]


# -- regular expressions ---------------------------------------------------------------------
# Patterns run in the `regex` module with the time left of the rule budget as their timeout:
# a search that backtracks without bound is stopped like any slow rule (Python's `re` runs in
# C code that the budget's alarm cannot interrupt, which is why a pattern guard existed).
# Each pattern is exponential on the test text, not merely quadratic: `(ab|a)+c` once stood
# here and a fast machine finished it inside the 2 s budget.

BACKTRACKING = [r"(a+)+$", r"(\w+\s?)+$", r"([a-zA-Z]+)*$", r"(a|aa)+c",
                r"^(([a-z])+.)+[A-Z]([a-z])+$"]


@pytest.mark.slow
@pytest.mark.parametrize("pattern", BACKTRACKING)
def test_a_backtracking_pattern_is_stopped_as_a_rule_timeout(tmp_path: Path, pattern: str) -> None:
    write_pack(tmp_path / "rules", {"slow-rule": (pattern, "slow"), "quick-rule": ("a", "quick")})
    doc = tmp_path / "p.yaml"
    doc.write_text(POLICY.format(quote="a" * 5_000 + "!"), encoding="utf-8")
    options = CheckOptions(limits=Limits(max_rule_seconds=2.0), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False)
    start = time.process_time()
    [result] = check_paths([str(doc)], options)
    # The rule is stopped (or, on a cold and busy machine, all rules: issue of the budget
    # also timing the engine's start); unbounded, the search takes hours.
    assert "rule-timeout" in {f.rule for f in result.findings}
    assert time.process_time() - start < 20  # CPU time, a generous bound


@pytest.mark.slow
def test_bounded_repeats_in_sequence_end_quickly(tmp_path: Path) -> None:
    # Eight `\w{1,31}` then `!` passed the former guard and is exponential in Python's `re`.
    write_pack(tmp_path / "rules", {"seq-rule": (r"\w{1,31}" * 8 + "!", "seq")})
    doc = tmp_path / "p.yaml"
    doc.write_text(POLICY.format(quote="a" * 5_000), encoding="utf-8")
    options = CheckOptions(limits=Limits(max_rule_seconds=2.0), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False)
    start = time.process_time()
    [result] = check_paths([str(doc)], options)
    assert {f.rule for f in result.findings} <= {"rule-timeout"}  # no match, or stopped
    assert time.process_time() - start < 20


def test_a_search_outside_any_budget_still_has_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.rules.fastconditions import compile_pattern, search_pattern

    monkeypatch.setattr(deadline, "SEARCH_SECONDS", 0.1)
    with pytest.raises(deadline.Expired):
        search_pattern(compile_pattern(r"(a+)+$"), "a" * 5_000 + "!")


def test_too_long_and_invalid_patterns_are_refused_at_file_line_col(tmp_path: Path) -> None:
    write_pack(tmp_path, {"long-rule": ("x" * 1001, "found"), "bad-rule": ("(a", "found")})
    problems = sorted(load_problems(tmp_path))
    assert problems[0].startswith(f"{tmp_path / 'third' / 'bad-rule.yaml'}:6:")
    assert "invalid regular expression" in problems[0]
    assert problems[1].startswith(f"{tmp_path / 'third' / 'long-rule.yaml'}:6:")
    assert "at most 1,000 characters long; this one is 1,001" in problems[1]


def _shipped_patterns() -> list[str]:
    patterns: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("matches"), str):
                patterns.append(node["matches"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for rule in load_registry().rules.values():
        walk(rule.data.get("when"))
        walk(rule.data.get("fail"))
    return sorted(set(patterns))


def test_shipped_patterns_match_in_regex_exactly_where_they_do_in_re() -> None:
    import regex

    texts = [p.read_text(encoding="utf-8") for p in sorted(Path("examples").rglob("*.yaml"))]
    patterns = _shipped_patterns()
    assert patterns, "the shipped rules use `matches` somewhere"
    for pattern in patterns:
        flags = 0 if pattern == pattern.lower() else re.IGNORECASE
        ours = regex.compile(pattern, regex.IGNORECASE if flags else 0)
        theirs = re.compile(pattern, flags)
        for text in texts:
            text = text.lower() if not flags else text
            assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)], pattern


def test_the_package_patterns_compile_in_re_and_a_third_partys_in_regex(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.rules import fastconditions
    from policylint.rules.registry import _load_registry

    write_pack(tmp_path, {"third-rule": (r"a+b", "found")})
    made: dict[str, list[object]] = {}
    real = fastconditions.compile_pattern

    def record(pattern: str, ignore_case: bool = False, shipped: bool = False) -> object:
        compiled = real(pattern, ignore_case, shipped)
        made.setdefault(pattern, []).append(compiled)
        return compiled

    monkeypatch.setattr(fastconditions, "compile_pattern", record)
    registry = _load_registry.__wrapped__((str(tmp_path),), None)  # not the cached registry
    assert not registry.rules["third-rule"].shipped
    assert registry.rules["detainer-hold-prohibited"].shipped
    [third] = made["a+b"]
    import regex

    assert isinstance(third, regex.Pattern)  # searched with the rule budget's timeout
    shipped = _shipped_patterns()
    assert shipped and all(made[p] and all(isinstance(c, re.Pattern) for c in made[p]) for p in shipped)


def test_a_third_partys_pattern_compiled_on_first_use_keeps_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.rules.checks import get as get_check
    from policylint.rules.conditions import Env, compile_condition
    from policylint.rules.fastconditions import Patterns

    monkeypatch.setattr(deadline, "SEARCH_SECONDS", 0.1)
    # A rule text validated before (lazy), from a rule directory: still `regex`, still a timeout.
    test = compile_condition({"path": "q", "matches": "(a+)+$"}, get_check, "", Patterns(lazy=True))
    with pytest.raises(deadline.Expired):
        test(Env({"q": "a" * 5_000 + "!"}), None, None)
    shipped = compile_condition({"path": "q", "matches": "(a+)b$"}, get_check, "",
                                Patterns(shipped=True, lazy=True))
    assert shipped(Env({"q": "xaab"}), None, None)


def test_a_run_of_the_package_rules_never_imports_regex() -> None:
    code = ("import sys\n"
            "from policylint.run.parallel import check_paths\n"
            "from policylint.run.runner import CheckOptions\n"
            "[r] = check_paths(['examples/ma/boston.yaml'], CheckOptions(cache_dir=None))\n"
            "assert r.findings\n"
            "assert 'regex' not in sys.modules, 'regex was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


# -- message templates -----------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ agency['__class__'] }}", "{{ cycler.__init__.__globals__ }}", "{% include 'x' %}",
    "{% import 'x' as y %}", "{% extends 'x' %}",
])
def test_templates_reaching_past_their_context_are_refused(source: str) -> None:
    with pytest.raises(TemplateError, match="message template: line 1"):
        compile_message(source)


def test_a_pack_whose_message_reaches_python_internals_is_refused(tmp_path: Path) -> None:
    write_pack(tmp_path, {"mro-rule": ("a", "\"{{ ''.__class__.__mro__ }}\"")})
    [problem] = load_problems(tmp_path)
    assert problem.startswith(f"{tmp_path / 'third' / 'mro-rule.yaml'}:8:")
    assert "`__mro__` is not available to templates" in problem


CONTEXT = {"agency": {"name": "Q"}, "value": "v",
           "doc": {"x": "y" * 1000, "entries": list(range(1000))}}


@pytest.mark.parametrize("source", [
    "{{ 'a' * 100000000 }}", "{{ [1] * 10**9 }}", "{{ 10 ** 100000 }}",
    "{{ '%0999999999d' % 1 }}", "{{ '%0999999999d'|format(1) }}", "{{ 'x'|center(10**9) }}",
    "{{ 'x'.ljust(10**9) }}", "{{ '{:>999999999}'.format(1) }}",
    "{{ ('{:>9999999' ~ '99}')['format'](1) }}", "{{ doc.x|replace('', doc.x) }}",
    "{{ doc.entries|join(doc.x) }}", "{{ [1]|batch(10**9, 'x')|list }}", "{{ lipsum(10000) }}",
    "{{ doc.x|wordwrap(1, wrapstring=doc.x) }}", "{{ doc.x|indent(10**6) }}",
    "{{ range(10**9)|list|length }}", "{{ value|attr('__class__') }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
])
def test_runaway_messages_fall_back_to_the_title_in_bounded_memory(source: str) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert render_message(compile_message(source), CONTEXT, "TITLE") == "TITLE"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024


DOUBLING = [
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% set ns = namespace(s=['ab']) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% set ns = namespace(s=doc.x) %}{% for i in range(60) %}{% set ns.s = [ns.s, ns.s] %}"
    "{% endfor %}{{ ns.s }}",
    "{% set ns = namespace(s=doc.x) %}{% for i in range(60) %}{% set ns.s = [ns.s, ns.s] %}"
    "{% endfor %}{{ ns.s|lower }}",
    "{% set ns = namespace(s=doc.x) %}{% for i in range(60) %}{% set ns.s = '%s%s' % (ns.s, ns.s) %}"
    "{% endfor %}{{ ns.s|length }}",
    "{% set l = [] %}{% for i in range(10**5) %}{% set _ = l.append(doc.x) %}{% endfor %}{{ l }}",
    "{% set x %}{% for i in range(10**5) %}{{ doc.x }}{% endfor %}{% endset %}{{ x|length }}",
]


@pytest.mark.parametrize("source", DOUBLING)
def test_a_message_doubling_a_value_in_a_loop_is_stopped_early(source: str) -> None:
    # Each of these reached about a gigabyte before the time budget stopped it.
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert render_message(compile_message(source), CONTEXT, "TITLE") == "TITLE"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024


def test_a_key_of_any_type_is_looked_up_as_jinja_does() -> None:
    # `x[[1]]` raised TypeError (an unhashable key) in the guard instead of giving undefined.
    assert render_message(compile_message("a{{ value[[1]] }}b{{ agency[{}] }}c"), CONTEXT, "T") == "abc"


def test_a_top_level_set_after_a_loop_is_not_seen_inside_it() -> None:
    # Jinja: inside the loop the name assigned later at the top level is undefined; the
    # former compiled path read the context's `value` there ("[v][v] late").
    source = "{% for i in [1, 2] %}[{{ value }}]{% endfor %}{% set value = 'late' %} {{ value }}"
    assert render_message(compile_message(source), CONTEXT, "T") == "[][] late"


def test_shipped_style_messages_still_render() -> None:
    source = ("{% set names = [] %}{% for k in doc.entries[:3] %}{% set _ = names.append(k) %}"
              "{% endfor %}{{ agency.name or 'The policy' }}: {{ names|join(', ') }} "
              "{{ {'a': 'b'}.get('a') }} {{ 'x_y'|replace('_', ' ') }} {{ 2 ** 10 }}")
    assert render_message(compile_message(source), CONTEXT, "TITLE") == "Q: 0, 1, 2 b x y 1024"


# -- the time budget while checking ----------------------------------------------------------

POLICY = textwrap.dedent("""\
    policylint: 1
    agency: {{name: Test PD, kind: municipal_police, state: MA}}
    provisions:
      civil_detainer_hold: {{value: prohibited, quote: "{quote}"}}
    """)


@pytest.mark.slow
def test_a_slow_rule_is_stopped_reported_and_the_rest_of_the_run_goes_on(tmp_path: Path) -> None:
    # `.*a.*[xy]` is polynomial: on 100,000 characters without an x or y it
    # runs for seconds (a class: a plain `x` absent from the text is found missing before
    # any search).  The budget stops it on the first file; the second, short file is fine.
    write_pack(tmp_path / "rules", {"slow-rule": (".*a.*[xy]", "slow"), "quick-rule": ("a", "quick")})
    long = tmp_path / "long.yaml"
    long.write_text(POLICY.format(quote="a" * 99_000), encoding="utf-8")
    short = tmp_path / "short.yaml"
    short.write_text(POLICY.format(quote="a x"), encoding="utf-8")
    options = CheckOptions(limits=Limits(max_rule_seconds=0.3), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False)
    start = time.process_time()
    first, second = check_paths([str(long), str(short)], options)
    took = time.process_time() - start
    rules = {f.rule: f for f in first.findings}
    assert "rule-timeout" in rules, (took, sorted(rules))
    assert took < 30  # CPU time, generous: unbounded, `.*a.*[xy]` alone takes several seconds
    assert ("`slow-rule` was stopped when the rules on this document had run 0.3 s"
            in rules["rule-timeout"].message)
    # The document's time is spent: the rule after it is reported as not run, not as passed.
    assert first.outcomes is not None and first.outcomes["quick-rule"] == "skipped"
    assert {"slow-rule", "quick-rule"} <= {f.rule for f in second.findings}


def _selection(pack: str) -> object:
    from policylint.rules.engine import Selection

    return Selection(packs=(pack,))


def test_the_budget_is_off_the_main_thread_and_leaves_other_timers_alone() -> None:
    import signal
    import threading

    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(deadline.budget(1).__enter__()))
    thread.start()
    thread.join()
    assert seen == [False]
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        with deadline.budget(1) as enforced:
            assert not enforced
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@pytest.mark.slow
def test_a_hostile_pack_ends_cleanly_in_a_real_process(tmp_path: Path) -> None:
    write_pack(tmp_path / "rules", {"nested-rule": (r"(a+)+$", "found")})
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.format(quote="a" * 5_000 + "!"), encoding="utf-8")
    config = tmp_path / "policylint.yaml"
    config.write_text(f"rule-dirs: [{str(tmp_path / 'rules')!r}]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", "--config", str(config),
                           "--pack", "third-party", "-f", "concise", str(policy)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "[rule-timeout]" in proc.stdout  # the rule, or all rules on a cold, busy machine


@pytest.mark.slow
def test_a_stopped_rule_is_not_remembered_by_the_results_cache(tmp_path: Path) -> None:
    # Whether a rule runs out of time depends on how busy the machine is.
    write_pack(tmp_path / "rules", {"slow-rule": (".*a.*[xy]", "slow")})
    long = tmp_path / "long.yaml"
    long.write_text(POLICY.format(quote="a" * 99_000), encoding="utf-8")
    cache = tmp_path / "cache"
    options = CheckOptions(limits=Limits(max_rule_seconds=0.2), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False, cache_dir=str(cache))
    [first] = check_paths([str(long)], options)
    assert any(f.rule == "rule-timeout" for f in first.findings)
    # (The key and the rule-validation stamp may be there; no result is.)
    assert not [p for p in cache.glob("v*/**/*") if p.is_file() and p.stat().st_size > 0]
