"""The words every match of a rule pattern must contain: a substring test before the search."""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11 names the parser re._parser; older versions sre_parse
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - only before 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

#: A set of literals of which every match contains at least one, or ``None`` (no such set known).
Literals = frozenset[str] | None

_REPEATS = tuple(op for op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None))
                 if op is not None)
_ATOMIC_GROUP = getattr(_c, "ATOMIC_GROUP", None)


def required_literals(pattern: str) -> Literals:
    """Literals of which every match of ``pattern`` (searched case-sensitively) holds one.

    Rule patterns are mostly words and alternations of words; most quotes contain none of
    them, and ``word in text`` is many times cheaper than starting a search.  The answer is
    only ever what the pattern proves: any part the analysis does not understand (character
    classes, optional parts, lookarounds, case-insensitive flags) contributes nothing, and a
    pattern with no provably required literal gets ``None`` (no test; search as before).
    """
    try:
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    if parsed.state.flags & re.IGNORECASE or _has_scoped_flags(parsed):
        # Case-insensitive matching relates characters that lower-casing does not (the long
        # s matches `s`), so a literal in the pattern proves nothing about the text.
        return None
    return _sequence(list(parsed))


def _has_scoped_flags(items: Any) -> bool:
    """Whether any group turns flags on or off (``(?i:...)``, ``(?-i:...)``)."""
    for op, arg in items:
        if op is _c.SUBPATTERN:
            _, add, remove, body = arg
            if add or remove or _has_scoped_flags(body):
                return True
        elif op is _c.BRANCH:
            if any(_has_scoped_flags(branch) for branch in arg[1]):
                return True
        elif op in _REPEATS:
            if _has_scoped_flags(arg[2]):
                return True
        elif op is _ATOMIC_GROUP or op in (_c.ASSERT, _c.ASSERT_NOT):
            body = arg if op is _ATOMIC_GROUP else arg[1]
            if _has_scoped_flags(body):
                return True
    return False


def _sequence(items: list[tuple[Any, Any]]) -> Literals:
    """The best requirement of a sequence: its longest run of literal characters, or the
    requirement of one of its mandatory parts, whichever has the longest shortest literal."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg))
            continue
        _add_run(candidates, run)
        run = []
        inner = _item(op, arg)
        if inner:
            candidates.append(inner)
    _add_run(candidates, run)
    if not candidates:
        return None
    return max(candidates, key=lambda lits: min(len(s) for s in lits))


def _add_run(candidates: list[frozenset[str]], run: list[str]) -> None:
    """Add a run of literal characters as a candidate, without its outer white space.

    Any part of a required literal is required too; white space is in nearly every text,
    so a literal that ends in a space is slower to look for (and a lone space says nothing).
    """
    word = "".join(run).strip()
    if word:
        candidates.append(frozenset((word,)))


def _item(op: Any, arg: Any) -> Literals:
    """The requirement of one part of a sequence that is not a plain character."""
    if op is _c.SUBPATTERN:
        return _sequence(list(arg[3]))
    if op is _ATOMIC_GROUP:
        return _sequence(list(arg))
    if op is _c.BRANCH:
        # Any branch may match: every branch must require something, and the union of
        # their requirements is required.
        out: set[str] = set()
        for branch in arg[1]:
            lits = _sequence(list(branch))
            if not lits:
                return None
            out |= lits
        return frozenset(out)
    if op in _REPEATS:
        low, _, body = arg
        return _sequence(list(body)) if low >= 1 else None
    return None  # classes, anchors, lookarounds, back-references: nothing is proven
