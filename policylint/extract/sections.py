"""Split an instrument's text into headings and sentences, each with its section label and place."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from policylint.load.archive import PAGE_BREAK
from policylint.load.sourcetext import Source, section_in_source

#: A clause marker at the start of a line, most specific first.  Groups: ``snum`` (after
#: Section, Sec., Article, §: "3", "2-401", "4.2"), ``num`` ("4.2"), ``top`` ("4.", "IV."),
#: ``letter`` ("A."), ``item`` ("(a)", "(1)", "(iv)", "(A)").
_MARKER = re.compile(
    r"""^[ \t]*(?:
        (?:(?:section|sec\.|§§?|article|art\.|part|chapter)\s*)(?P<snum>[0-9]+[A-Za-z]?(?:[-.][0-9A-Za-z]+)*|[IVXLC]+)[.:]?
      | (?P<num>[0-9]{1,3}(?:\.[0-9]{1,3})+)\.?
      | (?P<top>[0-9]{1,3}|[IVXLC]{1,6})\.
      | (?P<letter>[A-Z])\.
      | \((?P<item>[a-z]{1,2}|[0-9]{1,2}|[ivxlc]{1,5})\)
      | (?P<ritem>[a-z]|[0-9]{1,2})\)
      | (?P<bullet>[\u2022\u25cf\u25aa\u25e6\u2023\u2043\u00b7*\u2013\u2014-])
    )(?=[ \t]|$)""",
    re.IGNORECASE | re.VERBOSE)
#: Abbreviations whose period ends no sentence.
_ABBREV = frozenset("""u.s.c u.s no nos sec secs mass gen l c ch v vs e.g i.e inc st dr mr ms mrs jr art
    seq al fed reg stat c.f.r cfr approx p pp para dept govt cf ex fig op ann cmr""".split())
#: A sentence end: terminal punctuation, closing quotes or brackets, then space and a capital,
#: digit, quote or bracket.
_END = re.compile(r"""[.!?;:]["'\u201d\u2019)\]]*(?=\s+["'\u201c\u2018(\[]?[A-Z0-9§])|[.!?]["'\u201d\u2019)\]]*\s*$""")
#: A word hyphenated across a line break in extracted text.
_BROKEN = re.compile(r"(?<=[a-z])-[ \t]*\n\s*(?=[a-z])")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+")
_SMALL = frozenset("of and or the to in on for a an with by at from".split())
_VERB = re.compile(r"\b(?:shall|may|must|will|is|are|was|were|means|has|have)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Unit:
    """A heading or a sentence of the instrument: its span in the text (marker excluded),
    its section label (checked to be one `check` recognises) and where it is."""

    start: int
    end: int
    kind: str  # "heading" | "sentence"
    section: str | None
    top: str | None  # the enclosing chapter ("3" of "3.2", "III"): the context of a sentence
    place: str
    lead_in: int | None = None  # index of the "... shall not:" sentence a list item continues


def quote_text(text: str, start: int, end: int) -> str:
    """The words of ``text[start:end]`` on one line: line breaks and runs of spaces become
    one space and a word hyphenated across lines is joined.  The result is the source's own
    words as `check` compares them (it folds whitespace and hyphens the same way)."""
    words = " ".join(_BROKEN.sub("", text[start:end]).split())
    # A dash at the very end is a word cut by the next clause ("detainer-" before "4.2"):
    # `check` joins it to what follows, so the quote cannot keep it.
    return words.rstrip(_DASHES + " ") or words


#: A memo's or an order's header field ("DATE: October 6, 2025", "TO: All Personnel"): a line
#: of the form, neither a heading that names the passages under it nor a sentence of a rule.
_HEADER_FIELD = re.compile(
    r"\s*(?:to|from|date|re|subject|subj|cc|bcc|attn|effective\s+date|issue\s+date|issued|"
    r"revised|review\s+date|distribution|number|order\s+number|rescinds|amends|pages?)\s*:\s*\S",
    re.IGNORECASE)


def _is_heading(line: str, after_marker: bool = False) -> bool:
    """A short line in capitals or title case with no sentence punctuation at its end; after
    a section marker, also a few words ending in a period with no verb ("Definitions.")."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", line)
    stripped = line.rstrip()
    if not words or len(line) > 90:
        return False
    if after_marker and len(words) <= 5 and not _VERB.search(line) and words[0][0].isupper() \
            and not stripped.endswith((",", ";", ":", "-")) and "." not in stripped[:-1]:
        return True  # "Definitions.", "Prohibited activities", "Other matters"
    if stripped.endswith((".", ",", ";", ":", "-")):
        return False
    if line.isupper():
        return True
    capped = [w for w in words if w[0].isupper() or w.lower() in _SMALL]
    return len(words) <= 10 and len(capped) == len(words) and words[0][0].isupper()


def _item_kind(item: str) -> str:
    if item.isdigit():
        return "digit"
    if re.fullmatch(r"[ivxlc]+", item) and len(item) > 1:
        return "roman"
    return "upper" if item.isupper() else "lower"


class _Labels:
    """The section label in force as the lines go by: top ("III", "4.2", "2-401"), then a
    letter ("A."), then nested items ("(A)(1)")."""

    def __init__(self) -> None:
        self.top: str | None = None
        self.letter: str | None = None
        self.items: list[str] = []
        self.heading: str | None = None

    def see(self, m: re.Match[str], line: str) -> str:
        """Take the marker ``m``; return its kind: "top", "letter" or "item"."""
        g = dict(m.groupdict())
        if g["top"] is not None and self.letter and len(g["top"]) == 1 and g["top"].isupper() \
                and ord(g["top"]) == ord(self.letter) + 1:
            # "C." after "B." is the next item, not the Roman numeral 100
            g["letter"], g["top"] = g["top"], None
        if g["snum"] is not None or g["num"] is not None or g["top"] is not None:
            self.top = g["snum"] or g["num"] or g["top"]
            self.letter, self.items = None, []
            rest = line[m.end():].strip()
            self.heading = rest if rest and _is_heading(rest, after_marker=True) else None
            return "top"
        if g["letter"] is not None:
            self.letter, self.items = g["letter"], []
            return "letter"
        if g["bullet"] is not None:
            return "bullet"  # a list item with no label of its own
        item = g["item"] or g["ritem"]
        kinds = [_item_kind(i) for i in self.items]
        kind = _item_kind(item)
        if kind == "roman" or (item in "ivx" and "lower" in kinds and kinds[-1] != "lower"):
            kind = "roman" if kind == "roman" or item != "i" or "roman" in kinds else kind
        if kind in kinds:
            self.items = self.items[:kinds.index(kind)]
        self.items.append(item)
        return "item"

    @property
    def depth(self) -> int:
        return len(self.items) + (1 if self.letter else 0)

    def chapter(self) -> str | None:
        return self.top.split(".")[0] if self.top else None

    def candidates(self, page: int | None) -> list[str]:
        out = []
        items = "".join(f"({i})" for i in self.items)
        if self.top:
            base = self.top + (f".{self.letter}" if self.letter else "")
            for n in range(len(self.items), 0, -1):
                out.append(base + "".join(f"({i})" for i in self.items[:n]))
            out.append(base)
            if self.letter:
                out.append(self.top)
        elif self.letter:
            out.append(self.letter + items)
        if self.heading:
            out.append(self.heading)
        if page is not None:
            out.append(f"p. {page}")
        return out


class _Places:
    """Page and line of an offset, as :func:`policylint.load.sourcetext.place` words them, found by
    bisection (counting from the start for each sentence is quadratic in a long text)."""

    def __init__(self, text: str, paged: bool) -> None:
        self.paged = paged
        self.breaks = [i for i, c in enumerate(text) if c == PAGE_BREAK]
        self.lines = [i for i, c in enumerate(text) if c == "\n"]

    def page(self, at: int) -> int:
        return bisect_right(self.breaks, at - 1) + 1

    def __call__(self, at: int) -> str:
        line = bisect_right(self.lines, at - 1)  # newlines before ``at``
        if not self.paged:
            return f"line {line + 1}"
        page = self.page(at)
        start = self.breaks[page - 2] + 1 if page > 1 else 0
        return f"page {page}, line {line - bisect_right(self.lines, start - 1) + 1}"


#: Compound labels asked of `check`'s section test per text: each asks a search of the whole
#: text, so a hostile text with thousands of clauses falls back to markers as written.
_MAX_ASKED = 400


def split_units(source: Source) -> list[Unit]:
    """The headings and sentences of ``source.text``, in order."""
    text = source.text
    place = _Places(text, source.paged)
    units: list[Unit] = []
    labels = _Labels()
    # A marker seen at the start of a line ("3.2", "III", "A") is a label `check` finds by
    # construction; compound labels ("III.A", "4.2(a)") and headings are asked of it.
    known: dict[str, bool] = {}
    seen: set[str] = set()

    def recognised(candidate: str) -> bool:
        if candidate.startswith("p. ") or candidate in seen:
            return True  # a page of this paged text, or a marker as written
        if candidate not in known:
            known[candidate] = len(known) < _MAX_ASKED and section_in_source(source, candidate)
        return known[candidate]

    def label(at: int) -> str | None:
        page = place.page(at) if source.paged else None
        return next((c for c in labels.candidates(page) if recognised(c)), None)

    # Blocks: runs of text between clause markers, headings and paragraph breaks.  A blank
    # line (or a page break) ends a block only after sentence punctuation: a PDF page break
    # in mid-sentence does not.
    block_start: int | None = None
    lead_in: int | None = None
    lead_depth = 0  # the list depth of the lead-in: an item no deeper ends its list

    def flush(end: int) -> None:
        nonlocal block_start, lead_in, lead_depth
        if block_start is None:
            return
        start, block_start = block_start, None
        while start < end and text[start].isspace():
            start += 1
        pos = start
        while pos < end:
            m = _END.search(text, pos, end)
            while m and text[m.start()] == "." and _abbreviation(text, m.start()):
                m = _END.search(text, m.end(), end)  # "U.S.C." or "No.": not an end
            stop = m.end() if m else end
            s, e = pos, stop
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and re.search(r"[A-Za-z]{2}", text[s:e]):
                units.append(Unit(s, e, "sentence", label(s), labels.chapter(),
                                  place(s), lead_in))
                if text[e - 1] == ":":
                    lead_in, lead_depth = len(units) - 1, labels.depth
            pos = stop

    def heading(start: int, end: int) -> None:
        units.append(Unit(start, end, "heading", label(start), labels.chapter(),
                          place(start)))

    offset = 0
    previous_blank = False
    for line in text.split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        bare = line.replace(PAGE_BREAK, "")
        if not bare.strip():
            previous_blank = True
            continue
        shift = len(line) - len(line.lstrip(PAGE_BREAK))
        hashes = _MD_HEADING.match(bare)
        if hashes:  # a Markdown heading: its marker, if any, follows the hashes
            shift += hashes.end()
            bare = bare[hashes.end():]
            if not _MARKER.match(bare):
                flush(line_start)
                lead_in = None
                labels.heading = bare.strip()
                heading(line_start + shift, line_start + len(line))
                previous_blank = False
                continue
        m = _MARKER.match(bare)
        if m:
            flush(line_start)
            kind = labels.see(m, bare)
            if kind == "top" or (kind != "bullet" and lead_in is not None and labels.depth <= lead_depth):
                lead_in = None
            marker = m.group(0).strip()
            if kind != "bullet":
                seen.add(labels.top if kind == "top" and labels.top else
                         marker.rstrip(".:") if kind == "letter" else marker)
            after = bare[m.end():]
            rest_at = line_start + shift + m.end() + len(after) - len(after.lstrip())
            rest = after.strip()
            if rest and kind == "top" and labels.heading is not None:
                heading(rest_at, line_start + len(line))
                continue
            block_start = rest_at
            previous_blank = False
            continue
        if _HEADER_FIELD.match(bare) and (block_start is None or _ends_sentence(text, line_start)):
            flush(line_start)  # a header field stands alone: it names nothing under it
            lead_in = None
            previous_blank = False
            continue
        if _is_heading(bare.strip()) and (block_start is None or _ends_sentence(text, line_start)):
            flush(line_start)
            lead_in = None
            labels.heading = bare.strip()
            heading(line_start + shift, line_start + len(line))
            previous_blank = False
            continue
        if previous_blank and block_start is not None and _ends_sentence(text, line_start):
            flush(line_start)
            lead_in = None
        if block_start is None:
            block_start = line_start + shift
        previous_blank = False
    flush(len(text))
    return units


def _ends_sentence(text: str, at: int) -> bool:
    """Whether the text before ``at`` (blank lines and page breaks aside) ends a sentence."""
    before = text[max(0, at - 400):at].rstrip()
    return not before or before[-1] in ".!?:;\"'\u201d)"


def _abbreviation(text: str, dot: int) -> bool:
    """Whether the period at ``dot`` ends an abbreviation ("U.S.C.", "No.", "Mass.") or an initial."""
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12):dot])
    if not word:
        return False
    w = word.group(1).lower().strip(".")
    return w in _ABBREV or (len(w) == 1 and w.isalpha())
