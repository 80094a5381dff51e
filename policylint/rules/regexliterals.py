"""The words every match of a rule pattern must contain: a substring test before the search.

An accelerator: :func:`required_literals` reads only a plain subset of the pattern syntax
(characters, groups, alternation, repeats) and answers ``None`` for anything else; the
reference it must agree with is the search itself (tests/test_regexliterals.py checks that
every match holds one of the literals).
"""

from __future__ import annotations

import re

#: A set of literals of which every match contains at least one, or ``None`` (no such set known).
Literals = frozenset[str] | None

# A pattern read as: ("lit", char) | ("group", [sequence, ...]) | ("rep", min, item) | ("other",)
Item = tuple
_COUNT = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_CLASS_ESCAPES = frozenset("dDsSwWbBAZ")
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}


class _Unknown(Exception):
    """Syntax outside the subset (flags, conditionals, odd escapes): nothing is proven."""


def required_literals(pattern: str) -> Literals:
    """Literals of which every match of ``pattern`` (searched case-sensitively) holds one.

    Rule patterns are mostly words and alternations of words; most quotes contain none of
    them, and ``word in text`` is many times cheaper than starting a search.  The answer is
    only ever what the pattern proves: any part the analysis does not understand (character
    classes, optional parts, lookarounds, inline flags) contributes nothing, and a pattern
    with no provably required literal gets ``None`` (no test; search as before).
    """
    try:
        branches, end = _alternation(pattern, 0)
    except (_Unknown, RecursionError):
        return None
    if end != len(pattern):
        return None  # an unbalanced `)`: the pattern does not compile anyway
    return _item(("group", branches))


def _alternation(pattern: str, pos: int) -> tuple[list[list[Item]], int]:
    """The branches of an alternation from ``pos`` up to an unmatched ``)`` or the end."""
    branches: list[list[Item]] = [[]]
    while pos < len(pattern):
        ch = pattern[pos]
        if ch == ")":
            break
        if ch == "|":
            branches.append([])
            pos += 1
            continue
        seq = branches[-1]
        if ch in "*+?" or (ch == "{" and _COUNT.match(pattern, pos)):
            if not seq:
                raise _Unknown("a repeat of nothing")
            low, pos = _repeat(pattern, pos)
            seq[-1] = ("rep", low, seq[-1])
            continue
        item, pos = _atom(pattern, pos)
        if item is not None:
            seq.append(item)
    return branches, pos


def _repeat(pattern: str, pos: int) -> tuple[int, int]:
    """The least count of the repeat at ``pos`` and where it ends (lazy/possessive marks too)."""
    ch = pattern[pos]
    if ch == "{":
        m = _COUNT.match(pattern, pos)
        assert m is not None
        low, pos = int(m.group(1) or 0), m.end()
    else:
        low, pos = (1 if ch == "+" else 0), pos + 1
    if pos < len(pattern) and pattern[pos] in "?+":
        pos += 1
    return low, pos


def _atom(pattern: str, pos: int) -> tuple[Item | None, int]:
    ch = pattern[pos]
    if ch == "\\":
        if pos + 1 >= len(pattern):
            raise _Unknown("a trailing backslash")
        nxt = pattern[pos + 1]
        if nxt in _CONTROL_ESCAPES:
            return ("lit", _CONTROL_ESCAPES[nxt]), pos + 2
        if nxt in _CLASS_ESCAPES or nxt.isdigit():
            return ("other",), pos + 2  # classes, anchors, back-references
        if nxt.isalnum() or nxt == "_":
            raise _Unknown("an escape read otherwise (\\x, \\u, \\N, ...)")
        return ("lit", nxt), pos + 2
    if ch == "[":
        return ("other",), _class_end(pattern, pos)
    if ch in ".^$":
        return ("other",), pos + 1
    if ch == "(":
        return _group(pattern, pos)
    return ("lit", ch), pos + 1


def _class_end(pattern: str, pos: int) -> int:
    """Where the character class starting at ``pos`` ends."""
    pos += 1
    if pos < len(pattern) and pattern[pos] == "^":
        pos += 1
    if pos < len(pattern) and pattern[pos] == "]":
        pos += 1  # a leading `]` is a character of the class
    while pos < len(pattern):
        if pattern[pos] == "\\":
            pos += 2
            continue
        if pattern[pos] == "[":
            raise _Unknown("a nested set")  # read as a future set operation by re
        if pattern[pos] == "]":
            return pos + 1
        pos += 1
    raise _Unknown("an unterminated class")


def _group(pattern: str, pos: int) -> tuple[Item | None, int]:
    kind = "group"
    pos += 1
    if pattern.startswith("?", pos):
        rest = pattern[pos + 1: pos + 4]
        if rest.startswith((":", ">")):
            pos += 2
        elif rest.startswith("P<"):
            close = pattern.find(">", pos)
            if close < 0:
                raise _Unknown("an unterminated group name")
            pos = close + 1
        elif rest.startswith(("=", "!")):
            kind, pos = "other", pos + 2
        elif rest.startswith(("<=", "<!")):
            kind, pos = "other", pos + 3
        elif rest.startswith("#"):
            close = pattern.find(")", pos)
            if close < 0:
                raise _Unknown("an unterminated comment")
            return None, close + 1
        else:  # inline flags, conditionals, named back-references
            raise _Unknown("(?...) syntax outside the subset")
    branches, pos = _alternation(pattern, pos)
    if pos >= len(pattern):
        raise _Unknown("an unterminated group")
    return (kind, branches) if kind == "group" else ("other",), pos + 1


def _sequence(items: list[Item]) -> Literals:
    """The best requirement of a sequence: its longest run of literal characters, or the
    requirement of one of its mandatory parts, whichever has the longest shortest literal."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for item in items:
        if item[0] == "lit":
            run.append(item[1])
            continue
        _add_run(candidates, run)
        run = []
        inner = _item(item)
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


def _item(item: Item) -> Literals:
    """The requirement of one part of a sequence that is not a plain character."""
    if item[0] == "lit":
        return _sequence([item])
    if item[0] == "group":
        # Any branch may match: every branch must require something, and the union of
        # their requirements is required.
        out: set[str] = set()
        for branch in item[1]:
            lits = _sequence(branch)
            if not lits:
                return None
            out |= lits
        return frozenset(out)
    if item[0] == "rep":
        return _item(item[2]) if item[1] >= 1 else None
    return None  # classes, anchors, lookarounds, back-references: nothing is proven
