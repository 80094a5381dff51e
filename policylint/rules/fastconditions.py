"""Shortcuts of the condition language: fused leaves, cheapest-first ordering, pattern prefilters.

Each gives the same answer as the plain meaning in :mod:`policylint.rules.conditions` (the
reference): tests/test_engine_shortcuts.py compares them on generated values, patterns
and documents.  Rules are mostly "topic X is one of these words" and "this quote matches
that pattern", run for every provision of every document; these save the calls and
searches that would otherwise be most of a run's rule time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from policylint.rules import deadline
from policylint.rules.paths import MISSING
from policylint.rules.regexliterals import required_literals

if TYPE_CHECKING:
    from policylint.rules.conditions import Condition, Env

#: The combinators and quantifiers of the language (see policylint.rules.conditions).
_COMBINATORS = ("all", "any", "not")
_QUANTIFIERS = ("any", "all", "none")


def cost(data: Any) -> int:
    """A rough relative cost of evaluating condition ``data`` (for ordering `all`)."""
    if not isinstance(data, dict):
        return 1
    if "check" in data:
        return 50
    if "each" in data:
        inner: Any = next((data[q] for q in _QUANTIFIERS if q in data), {})
        return 10 + 5 * cost(inner)
    total = 0
    for op in _COMBINATORS:
        if op in data:
            items = data[op] if isinstance(data[op], list) else [data[op]]
            total += sum(cost(c) for c in items)
    path = data.get("path")
    if isinstance(path, str):
        total += 5 if ("*" in path) else 1
    elif "topic" in data or "silent" in data or "present" in data:
        total += 1
    if "matches" in data:
        total += 5
    return total or 1


def field_leaf(name: str, op: str, arg: Any, test: Callable[[Env, Any], bool]) -> Condition:
    """A leaf on one field of the subject (``@.quote``, ``@.kind``), the commonest leaf of
    all (a rule over ``provisions.*`` runs it for every provision): one closure reads the
    field and tests it, with no reader call in between.  Same results as ``test`` on
    the field's value (``MISSING`` when the subject is not a mapping or lacks the field)."""
    if op == "equals" and type(arg) is str:
        def field_equals(env: Env, s: Any, k: Any) -> bool:
            return type(s) is dict and s.get(name, MISSING) == arg
        return field_equals
    if op == "equals" and type(arg) is bool:
        # `true` equals only `true` (not 1): the same object, as _same has it.
        def field_is(env: Env, s: Any, k: Any) -> bool:
            return type(s) is dict and s.get(name) is arg
        return field_is
    if op in ("in", "not_in") and isinstance(arg, list) and arg and all(type(a) is str for a in arg):
        words = frozenset(arg)
        if op == "in":
            def field_in(env: Env, s: Any, k: Any) -> bool:
                v = s.get(name) if type(s) is dict else None
                return type(v) is str and v in words
            return field_in

        def field_not_in(env: Env, s: Any, k: Any) -> bool:
            v = s.get(name) if type(s) is dict else None
            return type(v) is not str or v not in words
        return field_not_in
    if op == "exists" and arg is True:
        def field_exists(env: Env, s: Any, k: Any) -> bool:
            if type(s) is not dict:
                return False
            v = s.get(name)  # as _present: absent, null, "", [] and {} are not there
            return v is not None and v != "" and v != [] and v != {}
        return field_exists
    if op == "exists" and arg is False:
        def field_absent(env: Env, s: Any, k: Any) -> bool:
            if type(s) is not dict:
                return True
            v = s.get(name)
            return v is None or v == "" or v == [] or v == {}
        return field_absent
    def field_test(env: Env, s: Any, k: Any) -> bool:
        return test(env, s.get(name, MISSING) if type(s) is dict else MISSING)
    return field_test


def fused(op: str, arg: Any, read: Callable[[Env, Any, Any], Any]) -> Condition | None:
    """One closure for the commonest leaves (a value in/not in/equal to text), or ``None``.

    Rules are mostly "topic X is one of these words"; fusing the read and the test saves
    a call per leaf, which is most of a rule's cost.
    """
    if op == "equals" and type(arg) is str:
        return lambda env, s, k: read(env, s, k) == arg
    if op in ("in", "not_in") and isinstance(arg, list) and arg and all(type(a) is str for a in arg):
        words = frozenset(arg)
        if op == "in":
            def is_in(env: Env, s: Any, k: Any) -> bool:
                v = read(env, s, k)
                return type(v) is str and v in words
            return is_in

        def is_not_in(env: Env, s: Any, k: Any) -> bool:
            v = read(env, s, k)
            return type(v) is not str or v not in words
        return is_not_in
    return None


@dataclass(frozen=True, slots=True)
class Patterns:
    """How the ``matches`` patterns of one rule are compiled, from where the rule comes.

    ``shipped``: the rule is the package's own (reviewed with the code), so its patterns run
    in the standard ``re`` module; a third party's run in ``regex``, whose searches take a
    timeout.  ``lazy``: the rule's exact text compiled before (the registry's validation
    stamp), so each pattern is compiled on first use: a one-file run would otherwise spend
    a third of its time compiling patterns it never reaches.
    """

    shipped: bool = False
    lazy: bool = False


#: A third party's rule compiled now: the safe default.
THIRD_PARTY = Patterns()


class PatternError(ValueError):
    """A pattern that neither ``re`` nor ``regex`` compiles (the message says why)."""


@deadline.setup  # compiling a pattern costs the same on every document: not its time
@deadline.setup  # compiled once, on first use: its cost does not depend on the document
def compile_pattern(pattern: str, ignore_case: bool = False, shipped: bool = False) -> Any:
    """``pattern`` compiled: by ``re`` for the package's own rules, else by ``regex``.

    Rule patterns may come from third-party packs: a pattern that backtracks without bound
    (``(a+)+$``, ``\\w{1,31}`` eight times then ``!``) runs in C code that no signal
    interrupts, so every search of a third party's pattern carries the time left of the
    rule budget instead (:func:`search_pattern`).  The package's patterns are reviewed with
    its code and need no timeout, nor the ``regex`` import (~15 ms).
    """
    if shipped:
        try:
            return re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        except re.error as exc:
            raise PatternError(str(exc)) from None
    import regex  # only when a third party's pattern is first needed

    try:
        return regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)
    except regex.error as exc:
        raise PatternError(str(exc)) from None


def search_pattern(compiled: Any, text: str) -> bool:
    """Whether ``compiled`` finds a match; a ``regex`` search past the rule budget stops the rule."""
    if type(compiled) is re.Pattern:
        return compiled.search(text) is not None
    try:
        return compiled.search(text, timeout=deadline.time_left()) is not None
    except TimeoutError:
        raise deadline.spent() from None


def _lower_search(pattern: str, rx: Any = None, shipped: bool = False) -> Callable[[Env, str], bool]:
    """Search the document's lower-cased text for ``pattern`` (a pattern in lower case).

    When every match must contain one of the pattern's literals, a substring test comes
    first: most quotes contain none of a rule's words, and ``in`` costs a fraction of
    starting a search.  Without ``rx`` (a trusted rule text), the pattern is compiled and
    its literals found on first use.
    """
    # [literals, compiled pattern]: each filled on first need; a pattern whose words no
    # text has contained yet is never compiled (most of a one-file run's patterns).
    built: list[Any] = [None, rx]

    def search(env: Env, text: str) -> bool:
        words = built[0]
        if words is None:
            words = built[0] = _words(pattern)
        cache = env._lower  # the lower-cased text, shared by every pattern (Env.lower)
        lowered = cache.get(id(text))
        if lowered is None:
            lowered = cache[id(text)] = text.lower()
        if words:
            for word in words:
                if word in lowered:
                    break
            else:
                return False
        compiled = built[1]
        if compiled is None:
            compiled = built[1] = compile_pattern(pattern, shipped=shipped)
        return search_pattern(compiled, lowered)

    return search


@deadline.setup
def _words(pattern: str) -> tuple[str, ...]:
    """The literals every match of ``pattern`` contains one of, in a fixed order (or none)."""
    return tuple(sorted(required_literals(pattern) or ()))


def pattern_search(pattern: str, rx: Any = None, shipped: bool = False) -> Callable[[Env, str], bool]:
    """The case-insensitive search for ``pattern``: on the shared lower-cased text when the
    pattern has no capital letter, else with IGNORECASE; ``rx`` is the pattern compiled
    already, ``None`` to compile it on first use (a rule text validated before), by ``re``
    when ``shipped``."""
    if pattern == pattern.lower():
        return _lower_search(pattern, rx, shipped)
    box: list[Any] = [rx] if rx is not None else []

    def search(env: Env, text: str) -> bool:
        if not box:
            box.append(compile_pattern(pattern, ignore_case=True, shipped=shipped))
        return search_pattern(box[0], text)

    return search


