"""Refuse rule regular expressions that could backtrack without bound on hostile text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

try:  # Python 3.11 names the parser re._parser; older versions sre_parse
    from re import _constants as _c
    from re import _parser as _sre
except ImportError:  # pragma: no cover - only before 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sre  # type: ignore[no-redef]

# Atomic groups and possessive repeats exist from Python 3.11 on.
_ATOMIC_GROUP = getattr(_c, "ATOMIC_GROUP", None)

#: Longest pattern a rule may use; the longest shipped pattern is about 150 characters.
MAX_PATTERN_LENGTH = 1000
#: Largest ``{m,n}`` count: bigger counts only make slow, huge programs.
MAX_COUNT = 1000
#: A bounded repeat whose length may vary by more than this behaves like ``*`` for backtracking.
_WIDE = 32

_UNBOUNDED = _c.MAXREPEAT
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)

# Stand-ins for "every other character": one of each kind that \w, \d, \s and their
# complements tell apart (ASCII and not).  The pattern's own characters are added per pattern.
_BASE_PROBE = "aZ09_ \t\n\r\x0b-.,'\"\x00\x7f\xa0\u2003\u2028éЖ中٣€"
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n", "CATEGORY_NOT_LINEBREAK": r"[^\n]",
}


class UnsafeRegex(ValueError):
    """A pattern refused before it runs; the message says why and how to rewrite it."""


@dataclass(frozen=True, slots=True)
class _Info:
    """What the backtracking analysis needs to know about a piece of a pattern.

    ``first``/``last``: characters a match may start or end with; ``chars``: every character
    it may consume; ``lead``/``trail``: characters of unbounded repeats a match may begin or
    end with (nothing mandatory before or after them); ``width``: its length in characters,
    ``None`` when it varies (so the matcher may try several); ``ambiguous``: it holds an
    alternation whose branches can start alike.  Atomic groups and possessive repeats reset
    what leaks out of them.
    """

    nullable: bool = True
    first: frozenset[str] = frozenset()
    last: frozenset[str] = frozenset()
    chars: frozenset[str] = frozenset()
    lead: frozenset[str] = frozenset()
    trail: frozenset[str] = frozenset()
    width: int | None = 0
    ambiguous: bool = False

    @property
    def variable(self) -> bool:
        return self.width is None


_EMPTY = _Info()


def check(pattern: str, max_length: int = MAX_PATTERN_LENGTH) -> None:
    """Raise :class:`UnsafeRegex` if ``pattern`` is too long or can backtrack catastrophically.

    Refused: backreferences; a repeated group whose length varies and whose end can run into
    its next repetition (``(a+)+``, ``(\\w+\\s?)*``, ``(\\d+\\d)+``); a repeated alternation
    whose branches can start alike (``(a|ab)+``); two unbounded repeats that can match the same
    characters with nothing required between them (``\\d+\\.?\\d+``, ``\\s*\\s*``); counts over
    :data:`MAX_COUNT`.  Invalid syntax is left to :func:`re.compile` to report.
    """
    if len(pattern) > max_length:
        raise UnsafeRegex(f"the pattern is {len(pattern):,} characters long (limit {max_length:,})")
    try:
        parsed = _sre.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return
    except Exception:  # noqa: BLE001 - the parser's own bugs: let re.compile decide
        return
    _Analysis(pattern).sequence(list(parsed))


@lru_cache(maxsize=1024)
def problem(pattern: str, max_length: int = MAX_PATTERN_LENGTH) -> str | None:
    """Why ``pattern`` is refused, or ``None`` when it may run."""
    try:
        check(pattern, max_length)
    except UnsafeRegex as exc:
        return str(exc)
    except RecursionError:
        return "the pattern nests groups too deeply to analyse"
    return None


def compile_guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile`` after :func:`check` (raises :class:`UnsafeRegex` or ``re.error``)."""
    reason = problem(pattern)
    if reason is not None:
        raise UnsafeRegex(reason)
    return re.compile(pattern, flags)


def _probe(pattern: str) -> str:
    """The probe characters plus every character the pattern names and its neighbours.

    Two character ranges overlap exactly when one holds an end of the other, so probing the
    pattern's own characters makes range overlap exact.
    """
    extra = {ch for ch in pattern}
    for ch in list(extra):
        for near in (ord(ch) - 1, ord(ch) + 1):
            if 0 <= near <= 0x10FFFF:
                extra.add(chr(near))
    return "".join(sorted(set(_BASE_PROBE) | extra))


@lru_cache(maxsize=4096)
def _variants(ch: str) -> tuple[str, ...]:
    """``ch`` and its other cases, where each is one character (``ß`` upper-cases to ``SS``)."""
    return tuple({v for v in (ch, ch.lower(), ch.upper(), ch.casefold()) if len(v) == 1})


@lru_cache(maxsize=None)
def _category(name: str) -> re.Pattern[str]:
    return re.compile(_CATEGORIES.get(name, r"[\s\S]"))


class _Analysis:
    """One pass over the parsed pattern; raises :class:`UnsafeRegex` at the first hazard."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.probe = _probe(pattern)
        self.all = frozenset(self.probe)
        self.sets: dict[tuple[Any, str], frozenset[str]] = {}
        self.by_variant: dict[str, set[str]] = {}  # a character -> probe characters folding to it
        for c in self.probe:
            for v in _variants(c):
                self.by_variant.setdefault(v, set()).add(c)

    def _where(self, items: list[tuple[Any, Any]], fallback: str) -> str:
        """The offending part as written, when the parser kept its shape, else ``fallback``."""
        shown = _show(items, limit=10_000)
        if shown in self.pattern and len(shown) <= 60:
            return f"`{shown}`"
        return fallback

    # -- character sets (always case-insensitive: matching may be) ---------------------------

    def _literal(self, code: int) -> frozenset[str]:
        ch = chr(code)
        return frozenset(self.by_variant.get(ch, ())) | {ch}

    def _item(self, op: Any, av: Any) -> frozenset[str] | None:
        """Probe characters matched by one item of a character class (``None``: unmodelled)."""
        if op is _c.LITERAL:
            return self._literal(av)
        if op is _c.RANGE:
            lo, hi = av
            return frozenset(c for c in self.probe if any(lo <= ord(v) <= hi for v in _variants(c)))
        if op is _c.CATEGORY:
            rx = _category(str(av))
            return frozenset(c for c in self.probe
                             if any(rx.fullmatch(v) is not None for v in _variants(c)))
        return None

    def _charset(self, op: Any, av: Any) -> frozenset[str]:
        key = (op, repr(av))
        got = self.sets.get(key)
        if got is not None:
            return got
        if op is _c.LITERAL:
            got = self._literal(av)
        elif op is _c.NOT_LITERAL:
            got = self.all - self._literal(av)
        elif op is _c.IN:
            negate = bool(av) and av[0][0] is _c.NEGATE
            members: frozenset[str] = frozenset()
            for iop, iav in av[1:] if negate else av:
                part = self._item(iop, iav)
                if part is None:  # an item we do not model: assume it matches anything
                    members = self.all
                    break
                members |= part
            got = self.all - members if negate else members
        else:  # ANY and anything unmodelled
            got = self.all
        self.sets[key] = got
        return got

    # -- structure ----------------------------------------------------------------------------

    def sequence(self, items: Iterable[tuple[Any, Any]]) -> _Info:
        nullable, ambiguous = True, False
        width: int | None = 0
        first: frozenset[str] = frozenset()
        last: frozenset[str] = frozenset()
        chars: frozenset[str] = frozenset()
        lead: frozenset[str] = frozenset()
        trail: frozenset[str] = frozenset()
        for op, av in items:
            info = self.node(op, av)
            if trail & info.lead:
                raise UnsafeRegex(
                    f"{self._where([(op, av)], 'a repeat')} can match the same characters as the "
                    "repeat before it, with nothing required between them, so a failed match tries every way "
                    "of splitting the text between the two (slow on long values); merge them "
                    "into one repeat or require a separator")
            chars |= info.chars
            width = None if width is None or info.width is None else width + info.width
            ambiguous |= info.ambiguous
            if nullable:
                first |= info.first
                lead |= info.lead
            last = info.last | last if info.nullable else info.last
            trail = info.trail | trail if info.nullable else info.trail
            nullable = nullable and info.nullable
        return _Info(nullable, first, last, chars, lead, trail, width, ambiguous)

    def node(self, op: Any, av: Any) -> _Info:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN):
            cs = self._charset(op, av)
            return _Info(False, cs, cs, cs, width=1)
        if op is _c.AT:
            return _EMPTY
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            self.sequence(av[1])  # hazards inside a lookaround count too
            return _EMPTY
        if op is _c.SUBPATTERN:
            return self.sequence(av[-1])
        if op is _ATOMIC_GROUP:
            inner = self.sequence(av)
            # It matches one way from a given start, so for backtracking it is one fixed step.
            return _Info(inner.nullable, inner.first, inner.last, inner.chars,
                         width=0 if inner.width == 0 else 1)
        if op is _c.BRANCH:
            return self._branch([self.sequence(alt) for alt in av[1]])
        if op is _c.GROUPREF_EXISTS:
            alts = [self.sequence(av[1]), self.sequence(av[2]) if av[2] is not None else _EMPTY]
            return self._branch(alts)
        if op is _c.GROUPREF:
            raise UnsafeRegex("backreferences (`\\1`, `(?P=name)`) are not allowed: matching "
                              "them can take exponential time")
        if op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            return self._repeat(op, av)
        return _Info(False, self.all, self.all, self.all, width=None)  # unmodelled: be wary

    def _branch(self, alts: list[_Info]) -> _Info:
        ambiguous = any(a.ambiguous for a in alts)
        if len(alts) > 1:
            if any(a.nullable for a in alts):
                ambiguous = True
            for i, a in enumerate(alts):
                for b in alts[i + 1:]:
                    if a.first & b.first:
                        ambiguous = True
        union = _union(alts)
        widths = {a.width for a in alts}
        return _Info(
            nullable=any(a.nullable for a in alts), first=union.first, last=union.last,
            chars=union.chars, lead=union.lead, trail=union.trail,
            width=widths.pop() if len(widths) == 1 else None, ambiguous=ambiguous)

    def _repeat(self, op: Any, av: Any) -> _Info:
        lo, hi, body_items = av
        for count in (lo, hi):
            if count != _UNBOUNDED and count > MAX_COUNT:
                raise UnsafeRegex(f"the count {{{count}}} in {self._where([(op, av)], 'a repeat')} "
                                  f"is over {MAX_COUNT:,}")
        body = self.sequence(body_items)
        repeats = hi == _UNBOUNDED or hi > 1
        if repeats and body.variable and body.first & body.last:
            raise UnsafeRegex(
                f"{self._where([(op, av)], 'the pattern')} repeats a part whose length varies and whose end can "
                "run into its next repetition (nested quantifiers), so a failed match tries "
                "exponentially many ways to split the text; quantify the inner part only "
                "(e.g. `(a+)+` -> `a+`) or make the repetitions end with a separator")
        if repeats and body.ambiguous:
            raise UnsafeRegex(
                f"{self._where([(op, av)], 'the pattern')} repeats an alternation whose branches can start with "
                "the same character, so a failed match tries exponentially many combinations; "
                "factor the common start out (e.g. `(ab|ac)+` -> `(a[bc])+`)")
        if body.width == 0:  # repeating something that consumes nothing (`(\b)*`)
            width: int | None = 0
        elif lo == hi and body.width is not None:
            width = lo * body.width
        else:
            width = None
        if op is getattr(_c, "POSSESSIVE_REPEAT", None):  # one way from a given start, as atomic
            return _Info(lo == 0 or body.nullable, body.first, body.last, body.chars,
                         width=0 if body.width == 0 else 1)
        wide = hi == _UNBOUNDED or hi - lo > _WIDE
        return _Info(
            nullable=lo == 0 or body.nullable, first=body.first, last=body.last,
            chars=body.chars,
            lead=body.chars if wide else body.lead,
            trail=body.chars if wide else body.trail,
            width=width, ambiguous=body.ambiguous)


def _union(infos: list[_Info]) -> _Info:
    out = _EMPTY
    for i in infos:
        out = _Info(out.nullable, out.first | i.first, out.last | i.last, out.chars | i.chars,
                    out.lead | i.lead, out.trail | i.trail)
    return out


# -- showing a fragment of a parsed pattern in messages ------------------------------------------

def _show(items: Iterable[tuple[Any, Any]], limit: int = 60) -> str:
    text = "".join(_show_one(op, av) for op, av in items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lit(code: int) -> str:
    ch = chr(code)
    return re.escape(ch) if ch.isprintable() else f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


_CATEGORY_TEXT = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
                  "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


def _show_one(op: Any, av: Any) -> str:
    if op is _c.LITERAL:
        return _lit(av)
    if op is _c.NOT_LITERAL:
        return f"[^{_lit(av)}]"
    if op is _c.ANY:
        return "."
    if op is _c.IN:
        if len(av) == 1 and av[0][0] is _c.CATEGORY:
            return _CATEGORY_TEXT.get(str(av[0][1]), "[…]")
        parts = []
        for iop, iav in av:
            if iop is _c.NEGATE:
                parts.append("^")
            elif iop is _c.LITERAL:
                parts.append(_lit(iav))
            elif iop is _c.RANGE:
                parts.append(f"{_lit(iav[0])}-{_lit(iav[1])}")
            elif iop is _c.CATEGORY:
                parts.append(_CATEGORY_TEXT.get(str(iav), "…"))
        return "[" + "".join(parts) + "]"
    if op is _c.AT:
        return {"AT_BEGINNING": "^", "AT_END": "$", "AT_BOUNDARY": r"\b",
                "AT_NON_BOUNDARY": r"\B"}.get(str(av), "")
    if op is _c.SUBPATTERN:
        return "(" + _show(av[-1], 10_000) + ")"
    if op is _ATOMIC_GROUP:
        return "(?>" + _show(av, 10_000) + ")"
    if op is _c.BRANCH:
        return "|".join(_show(alt, 10_000) for alt in av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return "(?" + ("=" if op is _c.ASSERT else "!") + _show(av[1], 10_000) + ")"
    if op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
        lo, hi, body = av
        inner = _show(body, 10_000)
        if len(body) > 1 or (body and body[0][0] is _c.BRANCH):
            inner = f"(?:{inner})"
        if (lo, hi) == (0, _UNBOUNDED):
            q = "*"
        elif (lo, hi) == (1, _UNBOUNDED):
            q = "+"
        elif (lo, hi) == (0, 1):
            q = "?"
        elif hi == _UNBOUNDED:
            q = f"{{{lo},}}"
        else:
            q = f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}"
        if op is _c.MIN_REPEAT:
            q += "?"
        elif op is not _c.MAX_REPEAT:
            q += "+"
        return inner + q
    if op is _c.GROUPREF:
        return f"\\{av}"
    return "…"
