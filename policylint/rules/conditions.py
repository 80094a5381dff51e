"""The condition language of rule files, compiled into Python closures once per run.

This module is the language and its reference meaning; the shortcuts that make common
leaves, orderings and pattern searches fast live in :mod:`policylint.rules.fastconditions`,
each checked against the plain version here by tests/test_engine_shortcuts.py.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Callable, Iterable, Mapping

from policylint.errors import did_you_mean
from policylint.rules import fastconditions as fast
from policylint.rules.fastconditions import THIRD_PARTY, Patterns, cost, field_leaf, fused
from policylint.rules.paths import MISSING, Path, PathError, compile_path

#: Leaf operators that compare the value at ``path``/``topic``; exactly one per leaf.
OPERATORS = ("equals", "in", "not_in", "exists", "matches", "contains", "contains_any",
             "before", "after", "at_most", "at_least")
COMBINATORS = ("all", "any", "not")
TOPIC_PREDICATES = ("silent", "present")
#: The predicate on the jurisdiction whose law is applied (see Env.standard).
STANDARD = "standard"
QUANTIFIERS = ("any", "all", "none")
#: ``{condition: NAME}``: a reference to a named condition, defined once in a
#: ``conditions/`` file and shared by the rules that use it (see :func:`expand_named`).
NAMED = "condition"


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``pointer`` is relative to the condition."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


class Env:
    """Per-document evaluation state shared by every compiled condition.

    ``args`` collects the message arguments named checks return for the current subject;
    ``key`` is the mapping key of the current subject (set by the engine before each call).
    """

    __slots__ = ("root", "doc", "args", "key", "provisions", "standard", "memo", "_lower")

    def __init__(self, root: Any, doc: Any = None) -> None:
        self.root = root
        self.doc = doc
        #: Two-letter state whose law the running pack applies; ``None`` = the agency's own.
        self.standard: str | None = None
        provisions = root.get("provisions") if type(root) is dict else None
        #: The provisions mapping, or ``None`` when absent or not a mapping (read per topic).
        self.provisions: dict[str, Any] | None = provisions if type(provisions) is dict else None
        self.args: dict[str, Any] = {}
        self.key: Any = None
        #: Work named checks share within the document, by a key of their choosing (a
        #: citation is parsed once for every check that reads it).
        self.memo: dict[Any, Any] = {}
        self._lower: dict[int, str] = {}

    def standard_state(self) -> Any:
        """The state whose law is applied: the pack's, else the agency's ``state``."""
        if self.standard is not None:
            return self.standard
        agency = self.root.get("agency") if type(self.root) is dict else None
        return agency.get("state") if type(agency) is dict else None

    def lower(self, text: str) -> str:
        """``text.lower()``, computed once per string per document (regex rules share it)."""
        got = self._lower.get(id(text))
        if got is None:
            got = self._lower[id(text)] = text.lower()
        return got


#: A compiled condition: ``(env, subject, key) -> bool``.
Condition = Callable[[Env, Any, Any], bool]
#: How a named check is looked up: name -> function, or ``None`` when unknown.
CheckLookup = Callable[[str], Callable[..., Any] | None]


def compile_condition(data: Any, checks: CheckLookup, pointer: str = "",
                      patterns: Patterns = THIRD_PARTY) -> Condition:
    """Compile condition ``data``; raise :class:`ConditionError` on any mistake.

    ``patterns`` says how its ``matches`` patterns compile (by the rule's origin, see
    :class:`~policylint.rules.fastconditions.Patterns`): a third party's, now, by default.
    """
    if not isinstance(data, dict) or not data:
        raise ConditionError("a condition must be a non-empty mapping", pointer)
    keys = set(data)
    if NAMED in keys:  # the registry expands references before compiling
        raise ConditionError(f"named condition `{data[NAMED]}` was not expanded", pointer + "/" + NAMED)
    if "each" in keys:
        return _compile_each(data, checks, pointer, patterns)
    if "check" in keys:
        return _compile_check(data, checks, pointer)
    if keys & set(TOPIC_PREDICATES):
        return _compile_topic_predicate(data, pointer)
    if STANDARD in keys:
        return _compile_standard(data, pointer)
    if "path" in keys or "topic" in keys:
        return _compile_leaf(data, pointer, patterns)
    if len(keys) != 1 or not keys <= set(COMBINATORS):
        raise ConditionError(
            f"cannot tell what the condition with keys {sorted(keys)} means: use one of "
            "all/any/not, a path or topic predicate, silent/present, each or check", pointer)
    op = next(iter(keys))
    if op == "not":
        inner = compile_condition(data["not"], checks, pointer + "/not", patterns)
        return lambda env, s, k: not inner(env, s, k)
    items = data[op]
    if not isinstance(items, list) or not items:
        raise ConditionError(f"`{op}` takes a non-empty list of conditions", pointer + "/" + op)
    parts = tuple(compile_condition(c, checks, f"{pointer}/{op}/{n}", patterns) for n, c in enumerate(items))
    if op == "all":
        # Cheapest first: an `all` that holds runs every part anyway (so named checks still
        # supply their message arguments), and one that fails usually fails on a cheap part.
        # `any` keeps its order, since a later check may be what supplies the arguments.
        order = sorted(range(len(parts)), key=lambda n: cost(items[n]))
        parts = tuple(parts[n] for n in order)
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        if op == "all":
            return lambda env, s, k: a(env, s, k) and b(env, s, k)
        return lambda env, s, k: a(env, s, k) or b(env, s, k)
    if op == "all":
        def every(env: Env, s: Any, k: Any) -> bool:
            for p in parts:
                if not p(env, s, k):
                    return False
            return True
        return every

    def some(env: Env, s: Any, k: Any) -> bool:
        for p in parts:
            if p(env, s, k):
                return True
        return False
    return some


def expand_named(data: Any, named: Mapping[str, Any], pointer: str = "",
                 using: tuple[str, ...] = ()) -> Any:
    """Condition ``data`` with every ``{condition: NAME}`` replaced by the condition ``named``
    gives for NAME (itself expanded); ``data`` is returned unchanged when it has none.

    Expansion happens on the data, before anything reads a rule's conditions, so the
    compiler, the read analysis and the not-read analysis all see the same condition a
    rule would have written out in full.  An unknown name or a name that uses itself,
    directly or through others, is a :class:`ConditionError` at the reference.
    """
    if isinstance(data, list):
        items = [expand_named(c, named, f"{pointer}/{n}", using) for n, c in enumerate(data)]
        return data if all(a is b for a, b in zip(items, data)) else items
    if not isinstance(data, dict):
        return data
    if NAMED in data:
        name = data[NAMED]
        where = pointer + "/" + NAMED
        if len(data) != 1:
            extra = sorted(k for k in data if k != NAMED)[0]
            raise ConditionError(f"`{NAMED}` stands alone: put `{extra}` in an `all` beside it",
                                 f"{pointer}/{extra}")
        if not isinstance(name, str) or name not in named:
            raise ConditionError(f"no named condition `{name}`"
                                 f"{did_you_mean(str(name), named)}", where)
        if name in using:
            chain = " -> ".join((*using[using.index(name):], name))
            raise ConditionError(f"named condition `{name}` uses itself ({chain})", where)
        try:
            return expand_named(named[name], named, where, (*using, name))
        except ConditionError as exc:  # a problem inside the definition: shown at the reference
            raise ConditionError(exc.message, where) from None
    out = {key: expand_named(value, named, f"{pointer}/{key}", using)
           if key in COMBINATORS or key in QUANTIFIERS else value
           for key, value in data.items()}
    return data if all(out[k] is data[k] for k in data) else out


def _extra(data: dict[str, Any], allowed: Iterable[str], pointer: str) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise ConditionError(f"unexpected key `{extra[0]}` here", f"{pointer}/{extra[0]}")


def _path(text: Any, pointer: str) -> Path:
    try:
        return compile_path(text)
    except PathError as exc:
        raise ConditionError(str(exc), pointer) from None


def _values(path: Path) -> Callable[[Env, Any, Any], list[Any]]:
    """A reader returning every value at ``path`` (one value, MISSING included, if no wildcard)."""
    read = path.values()
    return lambda env, s, k: read(env.root, s, k)


def _topic_reader(topic: str) -> Callable[[Env, Any, Any], Any]:
    """``provisions.<topic>.value``; an absent topic or value reads as ``silent``."""

    def read(env: Env, s: Any, k: Any) -> Any:
        provisions = env.provisions
        if provisions is None:
            return "silent"
        prov = provisions.get(topic)
        if prov is None:
            return "silent"
        if type(prov) is not dict:
            return MISSING
        value = prov.get("value")
        return "silent" if value is None else value

    return read


def _compile_topic_predicate(data: dict[str, Any], pointer: str) -> Condition:
    _extra(data, TOPIC_PREDICATES, pointer)
    if len(data) != 1:
        raise ConditionError("use `silent` or `present`, not both", pointer)
    op, topic = next(iter(data.items()))
    if not isinstance(topic, str) or not topic:
        raise ConditionError(f"`{op}` takes a topic name", f"{pointer}/{op}")
    read = _topic_reader(topic)
    if op == "silent":
        return lambda env, s, k: read(env, s, k) == "silent"
    return lambda env, s, k: read(env, s, k) != "silent"


def _compile_standard(data: dict[str, Any], pointer: str) -> Condition:
    _extra(data, (STANDARD,), pointer)
    states = data[STANDARD]
    if not isinstance(states, list) or not states or not all(
            isinstance(s, str) and len(s) == 2 and s.isupper() for s in states):
        raise ConditionError("`standard` takes a list of two-letter state codes", f"{pointer}/{STANDARD}")
    wanted = frozenset(states)

    def applies(env: Env, s: Any, k: Any) -> bool:
        state = env.standard_state()  # an invalid document's `state` may be any value
        return type(state) is str and state in wanted
    return applies


def reads_subject(data: Any) -> bool:
    """Whether condition ``data`` may depend on the subject (``@`` paths or a named check)."""
    if isinstance(data, dict):
        if "check" in data:
            return True
        for key in ("path", "each"):
            if isinstance(data.get(key), str) and data[key].startswith("@"):
                return True
        return any(reads_subject(v) for v in data.values())
    if isinstance(data, list):
        return any(reads_subject(v) for v in data)
    return False


def uses_standard(data: Any) -> bool:
    """Whether condition ``data`` asks which state's law is applied."""
    if isinstance(data, dict):
        return STANDARD in data or any(uses_standard(v) for v in data.values())
    if isinstance(data, list):
        return any(uses_standard(v) for v in data)
    return False


def _compile_leaf(data: dict[str, Any], pointer: str, patterns: Patterns) -> Condition:
    if "path" in data and "topic" in data:
        raise ConditionError("use either `path` or `topic`, not both", pointer)
    source = "path" if "path" in data else "topic"
    _extra(data, (source, *OPERATORS), pointer)
    ops = [op for op in OPERATORS if op in data]
    if len(ops) != 1:
        raise ConditionError(
            f"a `{source}` predicate needs exactly one of: {', '.join(OPERATORS)}", pointer)
    op = ops[0]
    test = _operator(op, data[op], f"{pointer}/{op}", patterns)
    if source == "topic":
        if not isinstance(data["topic"], str) or not data["topic"]:
            raise ConditionError("`topic` takes a topic name", pointer + "/topic")
        one = _topic_reader(data["topic"])
        return fused(op, data[op], one) or (lambda env, s, k: test(env, one(env, s, k)))
    path = _path(data["path"], pointer + "/path")
    if path.start == "subject" and len(path.steps) == 1 and path.steps[0][0] == "key":
        return field_leaf(path.steps[0][1], op, data[op], test)
    if not path.wildcard:
        get = path.getter()

        def at_path(env: Env, s: Any, k: Any) -> Any:
            return get(env.root, s, k)

        return fused(op, data[op], at_path) or (lambda env, s, k: test(env, get(env.root, s, k)))
    read = _values(path)
    if op in ("not_in",) or (op == "exists" and data[op] is False):
        # Negative tests hold only when *no* selected value has the property.
        return lambda env, s, k: all(test(env, v) for v in read(env, s, k))
    return lambda env, s, k: any(test(env, v) for v in read(env, s, k))


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps ``true`` apart from ``1`` (YAML values are typed)."""
    if type(a) is bool or type(b) is bool:
        return a is b
    return a == b


def _nullify(v: Any) -> Any:
    return None if v is MISSING else v


def _operator(op: str, arg: Any, pointer: str, patterns: Patterns) -> Callable[[Env, Any], bool]:
    if op == "equals":
        return lambda env, v: _same(_nullify(v), arg)
    if op in ("in", "not_in"):
        if not isinstance(arg, list):
            raise ConditionError(f"`{op}` takes a list", pointer)
        strings = frozenset(a for a in arg if isinstance(a, str))
        others = tuple(a for a in arg if not isinstance(a, str))

        def member(v: Any) -> bool:
            v = _nullify(v)
            if type(v) is str:
                return v in strings
            try:
                return any(_same(v, a) for a in others)
            except TypeError:
                return False

        if op == "in":
            return lambda env, v: member(v)
        return lambda env, v: not member(v)
    if op == "exists":
        if not isinstance(arg, bool):
            raise ConditionError("`exists` takes true or false", pointer)
        if arg:
            return lambda env, v: _present(v)
        return lambda env, v: not _present(v)
    if op == "matches":
        return _matches(_regex(arg, pointer, patterns))
    if op == "contains":
        return lambda env, v: type(v) is list and any(_same(x, arg) for x in v)
    if op == "contains_any":
        if not isinstance(arg, list):
            raise ConditionError("`contains_any` takes a list", pointer)
        return lambda env, v: type(v) is list and any(_same(x, a) for x in v for a in arg)
    if op in ("at_most", "at_least"):
        if type(arg) not in (int, float):
            raise ConditionError(f"`{op}` takes a number", pointer)
        # A number only: true is not 1, and a missing value or a text is no number.
        if op == "at_most":
            return lambda env, v: type(v) in (int, float) and v <= arg
        return lambda env, v: type(v) in (int, float) and v >= arg
    # before / after: a partial date (2025, 2025-02) compares at its own precision, and a tie
    # at that precision is unknown, so false.
    when = partial_date(arg)
    if when is None or len(when) != 3:
        raise ConditionError(f"`{op}` takes an ISO date (YYYY-MM-DD)", pointer)
    if op == "before":
        return lambda env, v: (d := partial_date(v)) is not None and d < when[: len(d)]
    return lambda env, v: (d := partial_date(v)) is not None and d > when[: len(d)]


def _matches(search: Callable[[Env, str], bool]) -> Callable[[Env, Any], bool]:
    """The `matches` test: a string value matches, or any string in a list value."""

    def matches(env: Env, v: Any) -> bool:
        if type(v) is str:
            return search(env, v)
        if type(v) is list:
            return any(type(x) is str and search(env, x) for x in v)
        return False

    return matches


def _present(v: Any) -> bool:
    return v is not MISSING and v is not None and v != "" and v != [] and v != {}


_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|[T ])")


def partial_date(v: Any) -> tuple[int, ...] | None:
    """``(year,)``, ``(year, month)`` or ``(year, month, day)`` of an ISO date, else ``None``.

    Sources often give only a month ("February 2025" is coded ``2025-02``); comparisons
    then happen at that precision.
    """
    if isinstance(v, (_dt.date, _dt.datetime)):
        return (v.year, v.month, v.day)
    if type(v) is not str:
        return None
    m = _PARTIAL_DATE.match(v.strip())
    if not m:
        return None
    parts = tuple(int(g) for g in m.groups() if g is not None)
    if len(parts) == 3 and as_date(v) is None:
        return None
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return None
    return parts


def as_date(v: Any) -> _dt.date | None:
    """An ISO date (or the date part of an ISO timestamp), else ``None``."""
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    if type(v) is str and len(v) >= 10:
        try:
            return _dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


#: Longest pattern a rule may use; the longest shipped pattern is about 150 characters.
MAX_PATTERN_LENGTH = 1000

def _regex(pattern: Any, pointer: str, patterns: Patterns) -> Callable[[Env, str], bool]:
    """A case-insensitive search.  A pattern with no capital letter (so no ``\\S``/``\\D``
    escapes either) runs case-sensitively on the lower-cased text, which the document
    shares between rules; other patterns fall back to ``IGNORECASE``."""
    if not isinstance(pattern, str) or not pattern:
        raise ConditionError("`matches` takes a regular expression", pointer)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ConditionError(f"a regular expression is at most {MAX_PATTERN_LENGTH:,} characters "
                             f"long; this one is {len(pattern):,}", pointer)
    if patterns.lazy:
        return fast.pattern_search(pattern, shipped=patterns.shipped)
    try:
        rx = fast.compile_pattern(pattern, ignore_case=pattern != pattern.lower(),
                                  shipped=patterns.shipped)
    except fast.PatternError as exc:
        raise ConditionError(f"invalid regular expression: {exc}", pointer) from None
    return fast.pattern_search(pattern, rx, patterns.shipped)


def _compile_each(data: dict[str, Any], checks: CheckLookup, pointer: str, patterns: Patterns) -> Condition:
    _extra(data, ("each", *QUANTIFIERS), pointer)
    quants = [q for q in QUANTIFIERS if q in data]
    if len(quants) != 1:
        raise ConditionError("`each` needs exactly one of `any`, `all`, `none`", pointer)
    q = quants[0]
    path = _path(data["each"], pointer + "/each")
    inner = compile_condition(data[q], checks, f"{pointer}/{q}", patterns)
    if not path.wildcard:
        return _each_of_one(q, path.getter(), inner)
    read = _values(path)

    def items(env: Env, s: Any, k: Any) -> list[tuple[Any, Any]] | None:
        out: list[tuple[Any, Any]] = []
        for coll in read(env, s, k):
            if coll is MISSING or coll is None:
                continue
            if type(coll) is list:
                out.extend((item, k) for item in coll)
            elif type(coll) is dict:
                out.extend((item, key) for key, item in coll.items())
            else:
                return None  # wrong type: the quantifier is false, whatever it is
        return out

    if q == "any":
        def each_any(env: Env, s: Any, k: Any) -> bool:
            got = items(env, s, k)
            return got is not None and any(inner(env, item, key) for item, key in got)
        return each_any
    if q == "all":
        def each_all(env: Env, s: Any, k: Any) -> bool:
            got = items(env, s, k)
            return got is not None and all(inner(env, item, key) for item, key in got)
        return each_all

    def each_none(env: Env, s: Any, k: Any) -> bool:
        got = items(env, s, k)
        return got is not None and not any(inner(env, item, key) for item, key in got)
    return each_none


def _each_of_one(q: str, get: Callable[[Any, Any, Any], Any], inner: Condition) -> Condition:
    """`each` over one collection (a path without wildcards, like ``@.exceptions``): the
    items are tested as they are read, without first collecting them.  A missing or null
    collection has no items; a value that is no collection makes every quantifier false."""
    if q == "any":
        def each_any(env: Env, s: Any, k: Any) -> bool:
            coll = get(env.root, s, k)
            if type(coll) is list:
                for item in coll:
                    if inner(env, item, k):
                        return True
            elif type(coll) is dict:
                for key, item in coll.items():
                    if inner(env, item, key):
                        return True
            return False
        return each_any

    def holds_for_all(env: Env, s: Any, k: Any, wanted: bool) -> bool:
        """Whether ``inner`` is ``wanted`` for every item (true when there are none)."""
        coll = get(env.root, s, k)
        if type(coll) is list:
            for item in coll:
                if bool(inner(env, item, k)) is not wanted:
                    return False
            return True
        if type(coll) is dict:
            for key, item in coll.items():
                if bool(inner(env, item, key)) is not wanted:
                    return False
            return True
        return coll is MISSING or coll is None

    if q == "all":
        return lambda env, s, k: holds_for_all(env, s, k, True)
    return lambda env, s, k: holds_for_all(env, s, k, False)


def _compile_check(data: dict[str, Any], checks: CheckLookup, pointer: str) -> Condition:
    _extra(data, ("check", "args"), pointer)
    name = data["check"]
    func = checks(name) if isinstance(name, str) else None
    if func is None:
        raise ConditionError(f"no check function named `{name}`", pointer + "/check")
    args = data.get("args") or {}
    if not isinstance(args, dict):
        raise ConditionError("`args` must be a mapping", pointer + "/args")
    validate = getattr(func, "validate_args", None)
    if validate is not None:
        problem = validate(args)
        if problem:
            raise ConditionError(problem, pointer + "/args")

    def call(env: Env, s: Any, k: Any) -> bool:
        env.key = k
        try:
            result = func(env, None if s is MISSING else s, args)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            return False  # a value of the wrong type: the schema reports it, the rule does not
        if isinstance(result, dict):
            env.args.update(result)
            return True
        return bool(result)

    return call
