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

from policylint import deadline, regexguard
from policylint.errors import RuleFileError
from policylint.loader import Limits
from policylint.registry import build_registry, directory_files, load_registry
from policylint.runner import CheckOptions, check_paths
from policylint.templating import TemplateError, compile_message, render_message

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

CATASTROPHIC = [
    r"(a+)+$", r"(a*)*b", r"(a|aa)+$", r"(a|a)*b", r"(\w+\s?)+$", r"(\d+\d)+x",
    r"(.*a){12}", r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(?:a?){30}a{30}", r"([a-zA-Z]+)*$",
    r"(.*)*x", r"(?=(a+)+b)", r"(ab|a)+c",
]
POLYNOMIAL = [r"\d+\.?\d+x", r"\s*\s*x", r".*.*=.*", r"\w+\d+x", r"[a-f]+[e-z]+!", r"(?i)A+a+!"]
OTHER = [(r"(\w)\1", "backreferences"), (r"(?P<a>x)(?P=a)", "backreferences"),
         (r"a{100000}", "over 1,000"), ("x" * 1001, "1,001 characters long")]
SAFE = [
    r"\bwarrants?\b", r"(\s*,\s*\w+)*", r"(x\d+)+", r"(foo|bar)+", r"(foo|far)+", r"(?>a+)+b",
    r"a++b", r".*a.*b", r"\bpublic[ -]safety\b", r"(\d+x)+", r"(federal\s+|state\s+)?",
    r"[a-z]+@[a-z]+\.com", r"(?:\b\w+\b\s)+end", r"\w+\s+\w+", r"[a-f]+[g-z]+", r"\d+[^\d]+",
    r"inherent\s+(legal\s+|police\s+)?(authority|power)|(1357|287)\s*\(g\)\s*\(10\)",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC + POLYNOMIAL)
def test_backtracking_patterns_are_refused(pattern: str) -> None:
    assert regexguard.problem(pattern) is not None


@pytest.mark.parametrize(("pattern", "why"), OTHER)
def test_backreferences_huge_counts_and_long_patterns_are_refused(pattern: str, why: str) -> None:
    assert why in (regexguard.problem(pattern) or "")


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_allowed(pattern: str) -> None:
    assert regexguard.problem(pattern) is None


def _timed_search(pattern: str, text: str) -> float:
    start = time.perf_counter()
    with deadline.budget(0.5):
        try:
            re.search(pattern, text)
        except deadline.Expired:
            pass
    return time.perf_counter() - start


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)+$", r"(a|aa)+$"])
def test_refused_patterns_really_are_slow(pattern: str) -> None:
    # The guard is not crying wolf: 40 characters already take the whole half second.
    assert _timed_search(pattern, "a" * 40 + "!") >= 0.45


def test_every_shipped_pattern_passes_the_guard() -> None:
    registry = load_registry()
    patterns: list[tuple[str, str]] = []

    def walk(node: object, rule_id: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("matches"), str):
                patterns.append((rule_id, node["matches"]))
            for value in node.values():
                walk(value, rule_id)
        elif isinstance(node, list):
            for value in node:
                walk(value, rule_id)

    for rule in registry.rules.values():
        walk(rule.data.get("when"), rule.id)
        walk(rule.data.get("fail"), rule.id)
    assert patterns, "the shipped rules use `matches` somewhere"
    assert [(r, p) for r, p in patterns if regexguard.problem(p)] == []


def test_a_pack_with_a_catastrophic_pattern_is_refused_at_file_line_col(tmp_path: Path) -> None:
    write_pack(tmp_path, {"nested-rule": (r"(a+)+$", "found")})
    [problem] = load_problems(tmp_path)
    assert problem.startswith(f"{tmp_path / 'third' / 'nested-rule.yaml'}:6:")
    assert "unsafe regular expression" in problem and "nested quantifiers" in problem


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


def test_a_slow_rule_is_stopped_reported_and_the_rest_of_the_run_goes_on(tmp_path: Path) -> None:
    # `.*[xy]` passes the guard but is quadratic: on 100,000 characters without an x or y it
    # runs for seconds (a class: a plain `x` absent from the text is found missing before
    # any search).  The budget stops it on the first file; the second, short file is fine.
    write_pack(tmp_path / "rules", {"slow-rule": (".*[xy]", "slow"), "quick-rule": ("a", "quick")})
    long = tmp_path / "long.yaml"
    long.write_text(POLICY.format(quote="a" * 99_000), encoding="utf-8")
    short = tmp_path / "short.yaml"
    short.write_text(POLICY.format(quote="a x"), encoding="utf-8")
    options = CheckOptions(limits=Limits(max_rule_seconds=0.3), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False)
    start = time.perf_counter()
    first, second = check_paths([str(long), str(short)], options)
    took = time.perf_counter() - start
    rules = {f.rule: f for f in first.findings}
    assert "rule-timeout" in rules, (took, sorted(rules))
    assert took < 10  # unbounded, `.*[xy]` alone takes several seconds here
    assert ("`slow-rule` was stopped when the rules on this document had run 0.3 s"
            in rules["rule-timeout"].message)
    # The document's time is spent: the rule after it is reported as not run, not as passed.
    assert first.outcomes is not None and first.outcomes["quick-rule"] == "skipped"
    assert {"slow-rule", "quick-rule"} <= {f.rule for f in second.findings}


def _selection(pack: str) -> object:
    from policylint.engine import Selection

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


def test_a_hostile_pack_ends_cleanly_in_a_real_process(tmp_path: Path) -> None:
    write_pack(tmp_path / "rules", {"nested-rule": (r"(a+)+$", "found")})
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY.format(quote="a"), encoding="utf-8")
    config = tmp_path / "policylint.yaml"
    config.write_text(f"rule-dirs: [{str(tmp_path / 'rules')!r}]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", "--config", str(config),
                           str(policy)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{tmp_path / 'rules' / 'third' / 'nested-rule.yaml'}:6:" in proc.stderr
    assert "unsafe regular expression" in proc.stderr


def test_a_stopped_rule_is_not_remembered_by_the_results_cache(tmp_path: Path) -> None:
    # Whether a rule runs out of time depends on how busy the machine is.
    write_pack(tmp_path / "rules", {"slow-rule": (".*[xy]", "slow")})
    long = tmp_path / "long.yaml"
    long.write_text(POLICY.format(quote="a" * 99_000), encoding="utf-8")
    cache = tmp_path / "cache"
    options = CheckOptions(limits=Limits(max_rule_seconds=0.2), rule_dirs=(str(tmp_path / "rules"),),
                           selection=_selection("third-party"), validate=False, cache_dir=str(cache))
    [first] = check_paths([str(long)], options)
    assert any(f.rule == "rule-timeout" for f in first.findings)
    # (The key and the rule-validation stamp may be there; no result is.)
    assert not [p for p in cache.glob("v*/**/*") if p.is_file() and p.stat().st_size > 0]
