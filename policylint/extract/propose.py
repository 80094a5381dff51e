"""Find the passages that bear on each topic and propose a value where a pattern is confident."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policylint.extract.cues import Cues, Pattern, Reading, TopicCues, load_cues
from policylint.extract.sections import Unit, quote_text, split_units
from policylint.load.sourcetext import CUES as IMMIGRATION
from policylint.load.sourcetext import Source
from policylint.schema.taxonomy import UNCLEAR


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence that bears on a topic, and what the patterns made of it."""

    unit: Unit
    quote: str
    pattern: Pattern | None
    flagged: bool  # the passage makes an exception the pattern did not account for

    @property
    def section(self) -> str | None:
        return self.unit.section


@dataclass(frozen=True, slots=True)
class ExceptionClause:
    """An exception clause of the passage a value rests on, of one clear kind: ``quote`` is
    the clause's own words (a part of the passage's quote)."""

    kind: str
    quote: str


@dataclass(frozen=True, slots=True)
class TopicResult:
    """One topic: its passages (the one the value rests on first) and the value proposed.

    ``value`` is a vocabulary word when patterns agree, ``unclear`` when passages were found
    but no pattern is confident (or patterns disagree: ``conflict`` lists their values), and
    None when nothing was found (the topic stays out of the draft: silent).
    """

    topic: str
    passages: tuple[Passage, ...]
    value: str | None
    pattern: Pattern | None
    conflict: tuple[str, ...] = ()
    exceptions: tuple[ExceptionClause, ...] = ()

    @property
    def found(self) -> int:
        return len(self.passages)

    @property
    def proposed(self) -> bool:
        return self.pattern is not None and self.value not in (None, UNCLEAR)

    @property
    def flagged(self) -> bool:
        """Whether a passage the value rests on makes an exception its pattern did not match."""
        return self.proposed and any(p.flagged for p in self.passages
                                     if p.pattern is not None and p.pattern.value == self.value)


@dataclass(frozen=True, slots=True)
class Extraction:
    """What `extract` found in one instrument's text."""

    source: Source
    units: tuple[Unit, ...]
    topics: tuple[TopicResult, ...]

    def topic(self, key: str) -> TopicResult:
        return next(t for t in self.topics if t.topic == key)


def _flagged(pattern: Pattern, text: str, exception: re.Pattern[str]) -> bool:
    """Whether ``text`` makes an exception outside what the pattern itself matched (a
    pattern for "unless a judicial warrant" accounts for its own "unless")."""
    own = [m.span() for p in pattern.all for m in p.finditer(text)]
    return any(not any(a <= m.start() and m.end() <= b for a, b in own) for m in exception.finditer(text))


#: A title that makes the whole instrument one on immigration enforcement.
_TITLE = re.compile(r"\b(?:trust\s+(?:act|ordinance|policy)|sanctuary|welcoming|safe\s+communit\w+)\b",
                    re.IGNORECASE)
#: Periods inside abbreviations ("U.S.C.", "No.", "Sec."), dropped from the text patterns
#: read: a pattern's window (``[^.]{0,100}``) stops at a sentence's end, not at these.
_ABBREVIATED = re.compile(r"\b(?:[A-Za-z]\.){2,}|\b(?:No|Nos|Sec|Secs|Art|Ch|Stat|Reg|Fed|Gen|Mass|St|Inc|"
                          r"v|vs|seq|al|cf|pp?|para)\.(?=\s)")


def matching_text(text: str) -> str:
    """``text`` as the patterns read it: abbreviations' periods removed."""
    return _ABBREVIATED.sub(lambda m: m.group().replace(".", ""), text)


#: A sentence that speaks of the instrument itself ("training on this order").
_SELF = re.compile(r"\bthis\s+(?:policy|order|general\s+order|executive\s+order|directive|memo(?:randum)?|"
                   r"by-?law|ordinance|chapter|article|rule|procedure)\b", re.IGNORECASE)


#: Where an exception clause ends: a semicolon, a colon, or a comma before the next clause
#: ("..., or unless ...", "..., and shall ...").
_CLAUSE_END = re.compile(r"[;:]|,\s+(?:and|or|but|nor)\b|,\s+(?=(?:unless|except|provided)\b)")
#: A clause that continues a list of exceptions after ", or": "..., or where the Chief ...".
_NEXT_CLAUSE = re.compile(r"\s*(?:and|or)\s+(?=(?:where|when|if|unless|except)\b)", re.IGNORECASE)


def exception_clauses(quote: str, exception: re.Pattern[str], kinds: tuple[Reading, ...]) -> list[ExceptionClause]:
    """The exception clauses of ``quote`` whose kind is clear (one kind's regex alone finds
    the clause), each with its own words; clauses of no kind or of two kinds are left out."""
    out: list[ExceptionClause] = []
    starts = [m.start() for m in exception.finditer(quote)]
    pos = 0
    while starts:
        start = starts.pop(0)
        if start < pos:
            continue
        end_m = _CLAUSE_END.search(quote, start + 1)
        end = end_m.start() if end_m else len(quote)
        clause = quote[start:end].rstrip(" .,")
        pos = end
        if end_m is not None and end_m.group().startswith(","):
            nxt = _NEXT_CLAUSE.match(quote, end_m.start() + 1)
            if nxt is not None:
                starts.insert(0, nxt.end())
        found = [k.name for k in kinds if k.search(clause)]
        if len(found) == 1 and len(clause.split()) >= 3:
            out.append(ExceptionClause(found[0], clause))
    return list(dict.fromkeys(out))


def _context(units: list[Unit], text: str) -> list[bool]:
    """For each unit: whether it, or its top-level section, speaks of immigration enforcement.

    Every unit does when the instrument's title does, or when most of its top-level sections
    (three or more) do: the instrument is then about immigration enforcement as a whole.  A
    sentence about the instrument itself ("training on this order") does when any unit does.
    """
    heads = [u for u in units[:6] if u.kind == "heading"]
    if any(IMMIGRATION.search(text, u.start, u.end) or _TITLE.search(text, u.start, u.end) for u in heads):
        return [True] * len(units)
    own = [bool(IMMIGRATION.search(text, u.start, u.end)) for u in units]
    by_top: dict[str, bool] = {}
    for u, speaks in zip(units, own):
        if u.top is not None:
            by_top[u.top] = by_top.get(u.top, False) or speaks
    if len(by_top) >= 3 and 2 * sum(by_top.values()) > len(by_top):
        return [True] * len(units)
    anywhere = any(own)
    return [speaks or (u.top is not None and by_top.get(u.top, False))
            or (anywhere and _SELF.search(text, u.start, u.end) is not None)
            for u, speaks in zip(units, own)]


def _topic(cues: TopicCues, units: list[Unit], texts: list[str], own: list[str], matching: list[str],
           context: list[bool], silent: list[str | None], continued: list[bool],
           exception: re.Pattern[str], kinds: tuple[Reading, ...]) -> TopicResult:
    found: list[Passage] = []
    for i, unit in enumerate(units):
        if unit.kind != "sentence" or not cues.bears_on(own[i]):
            if i and continued[i - 1] and found and found[-1].unit is units[i - 1]:
                # The sentence that limits a passage ("The form shall explain ...") is shown with it.
                found.append(Passage(unit, texts[i], None, False))
            continue
        if cues.context and not context[i]:
            continue
        fired = None
        if silent[i] is None or (cues.definitions and silent[i] == "definition"):
            fired = next((p for p in cues.patterns if p.fires(matching[i])), None)
        flagged = fired is not None and _flagged(fired, matching[i], exception)
        found.append(Passage(unit, texts[i], fired, flagged))
    if not found:
        return TopicResult(cues.topic, (), None, None)
    values = list(dict.fromkeys(p.pattern.value for p in found if p.pattern is not None))
    # A value that only adds to another proposes nothing without it: its passage stays listed.
    found = [p if p.pattern is None or p.pattern.alone or set(p.pattern.supersedes) & set(values)
             else Passage(p.unit, p.quote, None, False) for p in found]
    values = list(dict.fromkeys(p.pattern.value for p in found if p.pattern is not None))
    conflict: tuple[str, ...] = ()
    if len(values) > 1:  # a value that adds to another (a public report beside a log) wins
        added = {w for p in found if p.pattern is not None for w in p.pattern.supersedes}
        values = [v for v in values if v not in added] or values
    if len(values) == 1:
        lead = next(p for p in found if p.pattern is not None and p.pattern.value == values[0])
        value, pattern = values[0], lead.pattern
    else:
        lead = next((p for p in found if p.pattern is not None), found[0])
        value, pattern, conflict = UNCLEAR, None, tuple(values)
    ordered = [lead] + [p for p in found if p is not lead]
    clauses: tuple[ExceptionClause, ...] = ()
    if pattern is not None:
        # A clause the pattern needs ("unless ... judicial warrant" for judicial_warrant_only)
        # is the value itself, not an exception to it.
        text = matching[units.index(lead.unit)]
        clauses = tuple(c for c in exception_clauses(lead.quote, exception, kinds)
                        if pattern.fires(text.replace(matching_text(c.quote), " ")))
    return TopicResult(cues.topic, tuple(ordered), value, pattern, conflict, clauses)


#: Sentences before and after a caveat it covers, in text without numbered chapters.
_NEAR = 3


def _chapter(unit: Unit) -> str | None:
    return unit.top if unit.top is not None else unit.section


def _label(text: str) -> str:
    return re.sub(r"[\s.§]", "", text).casefold()


def _exceptions_elsewhere(cues: Cues, units: list[Unit], texts: list[str], matching: list[str]) -> list[bool]:
    """Read each rule with the sentences that limit it from elsewhere: the next sentence when
    it only limits this one ("Only a judicial warrant ..."), and a sentence that names this
    rule's clause ("Notwithstanding subsection (a)(9), ...").  Returns, for each unit, whether
    the next sentence continues it."""
    extra: list[list[str]] = [[] for _ in units]
    continued = [False] * len(units)
    for i in range(len(units) - 1):
        nxt = units[i + 1]
        if (units[i].kind == nxt.kind == "sentence" and nxt.section == units[i].section
                and cues.continues.search(texts[i + 1])):
            extra[i].append(texts[i + 1])
            continued[i] = True
    for j, text in enumerate(texts):
        for m in cues.refers.regex.finditer(text):
            label = _label(m.group("label"))
            if not label:
                continue
            relative = label.startswith("(")  # "(a)(9)": a clause of the referring section
            named = []
            for i, unit in enumerate(units):
                if i == j or unit.kind != "sentence" or not unit.section:
                    continue
                own = _label(unit.section)
                if (own.endswith(label) and unit.top == units[j].top) if relative else \
                        (own == label or own.startswith(label + "(")):
                    named.append(i)
            if m.group().lower().startswith(("except", "subject")):
                # "Except as provided in 4.3, no member shall ...": this rule (and the list it
                # introduces) is read with the clause it names.
                for i in [j] + [k for k, u in enumerate(units) if u.lead_in == j]:
                    extra[i].extend(texts[n] for n in named if n != i)
            else:  # "Notwithstanding subsection (a)(9), ...": the clause named is read with this one
                for i in named:
                    extra[i].append(text)
    for i, more in enumerate(extra):
        if more:
            matching[i] = " ".join([matching[i], *map(matching_text, dict.fromkeys(more))])
    return continued


def extract_text(text: str, paged: bool, cues: Cues | None = None) -> Extraction:
    """Split ``text`` (an archive's extracted text) and find every topic's passages."""
    cues = cues or load_cues()
    source = Source.of(text, paged)
    units = split_units(source)
    texts = [quote_text(source.text, u.start, u.end) for u in units]
    # A list item is read with its lead-in ("Officers shall not: ... (a) detain ..."), so the
    # negation of the lead-in governs it; the quote stays the item's own words.
    matching = [matching_text((texts[u.lead_in] + " " + texts[i]) if u.lead_in is not None else texts[i])
                for i, u in enumerate(units)]
    continued = _exceptions_elsewhere(cues, units, texts, matching)
    context = _context(units, source.text)
    # Definitions propose only for definition topics; a doubtful passage (a double negation,
    # a recital, a purpose clause, a section that announces an exception) proposes nothing:
    # it is listed for the reader as `unclear`.
    caveats = [k for k, (u, t) in enumerate(zip(units, texts)) if u.kind == "sentence" and cues.caveat.search(t)]
    chapters = {_chapter(units[k]) for k in caveats} - {None}
    # Text without numbered chapters: the caveat covers the sentences around it only.
    near = {i for k in caveats if _chapter(units[k]) is None for i in range(k - _NEAR, k + _NEAR + 1)}
    silent: list[str | None] = [
        "doubt" if cues.doubt.search(t) or _chapter(u) in chapters or (i in near and _chapter(u) is None) else
        "definition" if cues.definition.search(t) else None
        for i, (u, t) in enumerate(zip(units, texts))]
    # Cues read a sentence's own words, with the periods of abbreviations removed as patterns do.
    own = [matching_text(t) for t in texts]
    topics = tuple(_topic(t, units, texts, own, matching, context, silent, continued, cues.exception,
                          cues.exception_kinds) for t in cues.topics)
    return Extraction(source, tuple(units), topics)
