"""The engine's shortcuts (pattern prefilters, shared per-document work) never change a result."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylint.load.loader import load_text
from policylint.rules.conditions import Env
from policylint.rules.engine import Engine, Selection
from policylint.rules.fastconditions import _lower_search
from policylint.rules.paths import MISSING
from policylint.rules.regexliterals import required_literals
from policylint.rules.registry import load_registry
from policylint.schema.validate import validate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402


def _walk_patterns(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "matches" and isinstance(value, str):
                yield value
            else:
                yield from _walk_patterns(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk_patterns(item)


#: Every pattern of the shipped rules.
PATTERNS = sorted({p for rule in load_registry().rules.values()
                   for part in ("when", "fail") for p in _walk_patterns(rule.data.get(part))})


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)


def _documents(n: int = 120) -> list[Any]:
    """Generated documents, most of them written to break rules, plus the examples."""
    docs = [load_text(document(23, serial, "MA" if serial % 3 == 0 else None, 0.1, 0.7), "g.yaml").document
            for serial in range(1, n + 1)]
    docs += [load_text(path.read_text("utf-8"), str(path)).document
             for path in sorted((REPO / "examples").rglob("*.yaml"))]
    return [d for d in docs if d is not None]


# -- which literals a pattern requires -------------------------------------------------------

@pytest.mark.parametrize("pattern, expected", [
    ("warrant", {"warrant"}),
    (r"\bwarrants?\b", {"warrant"}),
    ("bail|bond|recogni[sz]ance", {"bail", "bond", "recogni"}),
    # the longest shortest literal wins: the alternation, not "by"
    (r"\b(required|mandated|compelled)\s+by\s+law", {"required", "mandated", "compelled"}),
    (r"\bany (other )?(information|data)\b", {"information", "data"}),  # optional: proves nothing
    (r"nothing (in|herein)", {"nothing"}),                        # outer spaces are dropped
    (r"\b[ut] (or|and) [ut]\b", {"or", "and"}),
    (r"x |[ut] [ut]", None),                                      # a lone space proves nothing
    (r"x{0,3}abc", {"abc"}),
    (r"(?:abc){1,3}", {"abc"}),
    (r"(?>abc)d", {"abc"}),
    (r"ab(?=cdef)", {"ab"}),                                      # lookarounds contribute nothing
    (r"\d+|word", None),                                          # one branch without a literal
    (r"(a|)bc", {"bc"}),
    (r"(a|)", None),
    (r"[a-z]+\s\d", None),
    (r"(?i)abc", None),                                           # case-insensitive: never
    (r"x(?i:abc)", None),
    (r"(", None),                                                 # not a pattern: no literals
])
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    got = required_literals(pattern)
    assert (set(got) if got is not None else None) == expected


def test_every_shipped_pattern_gets_its_literal_test_where_one_exists() -> None:
    with_literals = [p for p in PATTERNS if required_literals(p)]
    assert len(with_literals) >= len(PATTERNS) - 2  # rule patterns are words and alternations


def _fragments(pattern: str) -> list[str]:
    """Pieces of text likely to make ``pattern`` match, or almost match."""
    words = re.findall(r"[a-z0-9]+", pattern)
    return words + [w[:-1] for w in words if len(w) > 2] + [" ", "-", "(", ")", ".", "/", "s"]


@pytest.mark.parametrize("pattern", PATTERNS)
@given(data=st.data())
def test_a_text_without_the_literals_never_matches(pattern: str, data: st.DataObject) -> None:
    literals = required_literals(pattern)
    pieces = st.one_of(st.sampled_from(_fragments(pattern)), st.text(max_size=4))
    text = "".join(data.draw(st.lists(pieces, max_size=30))).lower()
    if re.search(pattern, text):
        assert literals is None or any(word in text for word in literals)


def test_prefiltered_searches_agree_with_plain_ones_on_generated_documents() -> None:
    texts = {s.lower() for doc in _documents() for s in _strings(doc.data)}
    matched = 0
    for pattern in PATTERNS:
        rx = re.compile(pattern)
        quick = _lower_search(pattern)
        for text in texts:
            want = rx.search(text) is not None
            assert quick(Env({}), text) == want, (pattern, text)
            matched += want
    assert matched > 100  # the corpus exercises the patterns, not only their misses


# -- shared per-document work ----------------------------------------------------------------

def test_rules_run_together_conclude_what_each_concludes_alone() -> None:
    """Rules that share a subject path share its selection (and the lowered texts): running
    them together gives the findings and outcomes each rule gives when it runs alone."""
    registry = load_registry()
    together = Engine(registry, Selection(extend_packs=tuple(sorted(registry.packs))))
    alone: dict[str, Engine] = {}
    compared = failed = 0
    for doc in _documents(60):
        invalid = validate(doc).invalid
        full = together.evaluate(doc, invalid)
        findings: list[Any] = []
        for rid, outcome in full.outcomes.items():
            engine = alone.get(rid)
            if engine is None:
                engine = alone[rid] = Engine(registry, Selection(
                    extend_packs=tuple(sorted(registry.packs)), select=(rid,)))
            single = engine.evaluate(doc, invalid)
            assert single.outcomes == {rid: outcome}, (doc.file, rid)
            findings += single.findings
            compared += 1
            failed += outcome == "fail"
        findings.sort(key=lambda f: (f.line, f.column, f.rule, f.path))
        assert findings == full.findings, doc.file
    assert compared > 3000 and failed > 200


# -- fused leaves ----------------------------------------------------------------------------

_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from(["", "a", "b", "silent", "A b"]),
              st.dates(), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["f", "g"]), inner, max_size=2)),
    max_leaves=6)
_LEAVES = st.one_of(
    st.tuples(st.just("equals"), st.one_of(st.sampled_from(["a", "silent", ""]), st.booleans(), st.integers(0, 1), st.none())),
    st.tuples(st.sampled_from(["in", "not_in"]), st.lists(st.one_of(st.sampled_from(["a", "b", ""]), st.booleans(), st.none()),
                                                         min_size=1, max_size=3)),
    st.tuples(st.just("exists"), st.booleans()),
    st.tuples(st.just("matches"), st.sampled_from(["a", r"\bb\b", "a|b", "^$", "A"])),
    st.tuples(st.just("contains"), st.sampled_from(["a", True, 1])),
    st.tuples(st.sampled_from(["before", "after"]), st.just("2020-01-01")),
)


@given(subject=st.one_of(_VALUES, st.dictionaries(st.sampled_from(["f", "g"]), _VALUES, max_size=2)), leaf=_LEAVES)
def test_a_leaf_on_a_subject_field_agrees_with_the_same_leaf_read_from_the_root(subject: Any, leaf: Any) -> None:
    """`@.f` compiles to one fused closure; `x.f` (read from the root) takes the general path."""
    from policylint.rules.checks import get as get_check
    from policylint.rules.conditions import compile_condition

    op, arg = leaf
    fused = compile_condition({"path": "@.f", op: arg}, get_check)
    general = compile_condition({"path": "x.f", op: arg}, get_check)
    assert fused(Env({}), subject, None) == general(Env({"x": subject}), None, None)


# -- citations -------------------------------------------------------------------------------

def _joined_tables() -> list[tuple[re.Pattern[str], list[re.Pattern[str]]]]:
    from policylint.rules.checks.citations import table

    t = table()
    joined = [
        (t.any_superseded, [p for patterns, _ in t.superseded for p in patterns]),
        (t.any_case, [v["pattern"] for c in t.cases for v in c["variants"]] + [c["caption"] for c in t.cases]),
        (t.any_jurisdiction, [p for _, patterns in t.jurisdictions.values() for p in patterns]),
    ]
    assert all(one is not None for one, _ in joined)  # the shipped table joins
    return joined  # type: ignore[return-value]


_CITATION_WORDS = sorted({w for _, patterns in _joined_tables() for p in patterns
                          for w in re.findall(r"[a-z0-9]+", p.pattern)} | {
    " ", ".", ",", "§", "(", ")", "-", "v.", "Mass.", "Lunn", "U.S.C.", "I-247A", "E.O."})


@given(pieces=st.lists(st.one_of(st.sampled_from(_CITATION_WORDS), st.text(max_size=3)), max_size=12))
def test_a_joined_citation_pattern_finds_a_match_exactly_where_one_of_its_parts_does(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for one, parts in _joined_tables():
        assert bool(one.search(text)) == any(p.search(text) for p in parts), (one.pattern, text)


def test_joined_citation_patterns_on_the_documents_citations() -> None:
    texts = {s for doc in _documents(200) for s in _strings(doc.data.get("citations") if isinstance(doc.data, dict) else None)}
    texts |= {"Commonwealth v. Lunn", "Lunn v. Commonwealth, 477 Mass. 517 (2017)", "M.G.L. c. 147",
              "Cal. Gov. Code § 7284.6", "Executive Order 13768", "Form I-247A", "RCW 10.93.160"}
    hits = 0
    for text in texts:
        for one, parts in _joined_tables():
            want = any(p.search(text) for p in parts)
            assert bool(one.search(text)) == want, (one.pattern, text)
            hits += want
    assert hits >= 7


def test_a_citation_is_parsed_once_per_document() -> None:
    from policylint.rules.checks import citations

    calls: list[str] = []
    real = citations.parse

    def counting(text: str) -> list[Any]:
        calls.append(text)
        return real(text)

    doc = load_text("citations:\n  - {cite: '8 U.S.C. § 287.7'}\n  - {cite: '8 U.S.C. § 287.7'}\n"
                    "  - {cite: 'INA § 1357'}\n", "c.yaml").document
    engine = Engine(load_registry(), Selection(packs=("drafting",), select=(
        "citation-nonexistent", "citation-ina-usc-mismatch")))
    citations.parse = counting  # type: ignore[assignment]
    try:
        found = [f.rule for f in engine.findings(doc)]
    finally:
        citations.parse = real  # type: ignore[assignment]
    assert sorted(calls) == ["8 U.S.C. § 287.7", "INA § 1357"]
    assert found == ["citation-nonexistent", "citation-nonexistent", "citation-ina-usc-mismatch"]


_INNER = st.sampled_from([{"path": "@", "equals": "a"}, {"path": "@key", "equals": "g"},
                          {"path": "@.g", "exists": True}, {"path": "@", "matches": "a"},
                          {"not": {"path": "@", "in": ["a", "b"]}}])


@given(subject=st.dictionaries(st.sampled_from(["f", "g"]), _VALUES, max_size=2),
       quantifier=st.sampled_from(["any", "all", "none"]), inner=_INNER, key=st.sampled_from([None, "k"]))
def test_each_over_one_collection_agrees_with_each_over_a_wildcard_path(
        subject: Any, quantifier: str, inner: Any, key: Any) -> None:
    """`each: @.f` tests items as it reads them; `each: y.*.f` collects them first."""
    from policylint.rules.checks import get as get_check
    from policylint.rules.conditions import compile_condition

    one = compile_condition({"each": "@.f", quantifier: inner}, get_check)
    collected = compile_condition({"each": "y.*.f", quantifier: inner}, get_check)
    assert one(Env({}), subject, key) == collected(Env({"y": {"only": subject}}), None, key)


@pytest.mark.parametrize("state", ["MA", "ma ", "CA", "TX", None, 7])
@pytest.mark.parametrize("city", ["Boston", " boston ", "Quincy", "BOSTON", None, ["Boston"]])
def test_default_packs_cached_per_state_are_each_packs_own_answer(state: Any, city: Any) -> None:
    registry = load_registry()
    engine = Engine(registry)
    engine.default_packs(state, "Somewhere")  # a cached answer for the state must not leak
    want = tuple(p.id for p in registry.packs.values() if p.default_for(state, city))
    assert engine.default_packs(state, city) == want


@given(st.lists(st.one_of(st.sampled_from(["8 U.S.C.", "§", "§§", " ", "  ", "\u00a0", "\u2011", "\u2013",
                                           "\t", "\n", "\u2003", "\x1c", "1373", "-"]), st.text(max_size=3)),
                max_size=10))
def test_citation_text_with_nothing_to_fold_is_returned_as_it_is(pieces: list[str]) -> None:
    from policylint.rules.checks.citations import _normalise

    text = "".join(pieces)
    folded = text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2013", "-")
    folded = re.sub(r"\s+", " ", re.sub(r"§+", "§", folded))
    assert _normalise(text) == folded


def test_provisions_coded_in_other_sections_are_compared() -> None:
    from policylint.rules.checks.drafting import other_sections_conflict

    subject = {"value": "prohibited", "section": "4", "other_sections": [
        {"value": "allowed", "section": "9"}, {"value": "silent"}, {"value": "prohibited"}]}
    assert other_sections_conflict(Env({}), subject, {}) == {
        "conflicts": ["`allowed` (section 9)"], "section": "4"}
    assert other_sections_conflict(Env({}), {**subject, "value": "silent"}, {}) is None
    assert other_sections_conflict(Env({}), {"value": "allowed"}, {}) is None
    assert other_sections_conflict(Env({}), None, {}) is None


def test_a_pattern_whose_word_is_missing_is_answered_without_a_search() -> None:
    """`.*x` is quadratic on a long text without an x; the missing x answers it at once."""
    import time

    search = _lower_search(".*x")
    start = time.process_time()
    assert not search(Env({}), "a" * 99_000)
    assert time.process_time() - start < 1.0  # CPU time; the search alone takes seconds
    assert search(Env({}), "a" * 1_000 + "X")


def _patterns() -> st.SearchStrategy[str]:
    """Patterns of the syntax the literal reader handles, and some it gives up on."""
    atom = st.sampled_from(["a", "b", "ab", "ba", " ", "\\.", ".", "[ab]", "\\b", "\\w", "\\s",
                            "(?i)", "\\x61", "(?=a)", "(?#c)", "$", "^"])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        group = st.tuples(st.sampled_from(["(", "(?:", "(?>", "(?P<n>"]),
                          st.lists(inner, min_size=1, max_size=3).map("|".join)).map(lambda t: f"{t[0]}{t[1]})")
        rep = st.tuples(st.one_of(group, atom),
                        st.sampled_from(["", "?", "*", "+", "{2}", "{0,2}", "{1,}", "+?", "{,3}"]))
        return st.lists(rep.map("".join), min_size=1, max_size=4).map("".join)

    return st.recursive(atom, extend, max_leaves=8)


@given(pattern=_patterns(), text=st.text(alphabet="ab .\n", max_size=12))
def test_generated_patterns_never_match_a_text_without_their_literals(pattern: str, text: str) -> None:
    # The accelerator against its reference: the search itself.
    try:
        rx = re.compile(pattern)
    except re.error:
        return
    literals = required_literals(pattern)
    if rx.search(text):
        assert literals is None or any(word in text for word in literals), (pattern, literals)


# -- each accelerator of policylint.rules.fastconditions against the plain meaning -----------------

_NO_ARG_LEAVES = _LEAVES.filter(lambda leaf: leaf[0] != "matches")


@given(value=st.one_of(_VALUES, st.just(MISSING)), leaf=_LEAVES)
def test_fused_and_field_leaves_agree_with_the_plain_operator(value: Any, leaf: Any) -> None:
    from policylint.rules.conditions import _operator
    from policylint.rules.fastconditions import THIRD_PARTY, field_leaf, fused

    op, arg = leaf
    plain = _operator(op, arg, "", THIRD_PARTY)
    expected = plain(Env({}), value)
    one = fused(op, arg, lambda env, s, k: value)
    if one is not None:
        assert one(Env({}), None, None) == expected
    subject = {"f": value} if value is not MISSING else {}
    assert field_leaf("f", op, arg, plain)(Env({}), subject, None) == expected


@given(root=st.dictionaries(st.sampled_from(["a", "b", "c"]), _VALUES, max_size=3),
       leaves=st.lists(st.tuples(st.sampled_from(["a", "b", "c", "c.*", "a[*]"]), _NO_ARG_LEAVES),
                       min_size=1, max_size=4))
def test_all_in_cost_order_concludes_what_all_in_written_order_does(root: dict[str, Any], leaves: Any) -> None:
    from policylint.rules.checks import get as get_check
    from policylint.rules.conditions import compile_condition

    items = [{"path": path, op: arg} for path, (op, arg) in leaves]
    written = [compile_condition(c, get_check) for c in items]
    expected = all(c(Env(root), None, None) for c in written)
    assert compile_condition({"all": items}, get_check)(Env(root), None, None) == expected


@given(pattern=st.sampled_from(["a", "ab", r"\bb\b", "a|b", "^$", "A", "aB", r"\w+c", "(ab)+", "b.a"]),
       text=st.text(alphabet="aAbBc .", max_size=12))
def test_pattern_searches_agree_with_a_plain_case_insensitive_search(pattern: str, text: str) -> None:
    import regex

    from policylint.rules.fastconditions import compile_pattern, pattern_search

    expected = regex.search(pattern, text, regex.IGNORECASE) is not None
    assert pattern_search(pattern)(Env({}), text) == expected  # compiled on first use
    ignore = pattern != pattern.lower()
    assert pattern_search(pattern, compile_pattern(pattern, ignore))(Env({}), text) == expected
    # The package's own rules search with `re`: the same answers.
    assert pattern_search(pattern, shipped=True)(Env({}), text) == expected
    assert pattern_search(pattern, compile_pattern(pattern, ignore, shipped=True), True)(Env({}), text) == expected
