"""Find an encoding's quotes and section labels in an instrument's extracted text."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from policylint.load.archive import PAGE_BREAK

#: Characters folded before comparing: curly quotes, primes and guillemets to straight
#: quotes; every dash and minus to a hyphen; soft hyphens and zero-width characters vanish.
_FOLD = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc`\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
})
#: An ellipsis or a bracketed elision in a quote: the parts around it are found in order.
_ELISION = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|(?:\.\s*){3}|\u2026)\s*")
#: Equally good windows compared letter by letter for the closest passage (repeated text).
_TIES = 50
#: A hyphen joining two word characters, possibly across a line break ("immi-\ngration").
_JOIN = re.compile(r"(?<=\w)-\s*(?=\w)")


@dataclass(frozen=True, slots=True)
class Folded:
    """A text normalised for comparison, with each character's offset in the original."""

    text: str
    offsets: tuple[int, ...]


def fold(text: str) -> Folded:
    """NFKC, curly quotes and dashes straightened, case folded, whitespace collapsed, and
    hyphens between word characters removed (so words hyphenated across lines, and the
    same word written with or without its hyphen, compare equal)."""
    chars: list[str] = []
    offsets: list[int] = []
    space = True  # drop leading whitespace
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(_FOLD).casefold():
            if c.isspace():
                if not space:
                    chars.append(" ")
                    offsets.append(i)
                    space = True
                continue
            chars.append(c)
            offsets.append(i)
            space = False
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    joined = "".join(chars)
    keep = [True] * len(joined)
    for m in _JOIN.finditer(joined):
        for k in range(m.start(), m.end()):
            keep[k] = False
    text_out = "".join(c for c, k in zip(joined, keep) if k)
    return Folded(text_out, tuple(o for o, k in zip(offsets, keep) if k))


def quote_parts(quote: str) -> list[str]:
    """The folded pieces of a quote between its elisions; brackets of an alteration go."""
    pieces = _ELISION.split(quote)
    out = []
    for piece in pieces:
        folded = fold(piece.replace("[", "").replace("]", "")).text
        folded = folded.strip(" .,;:'\"")  # an elided sentence's edge punctuation is the coder's
        if folded:
            out.append(folded)
    return out


def find_quote(source: Folded, quote: str) -> tuple[int, int] | None:
    """The (start, end) offsets in the original text where ``quote`` occurs, or None."""
    parts = quote_parts(quote)
    if not parts:
        return None
    pos = 0
    start = None
    end = 0
    for part in parts:
        at = source.text.find(part, pos)
        if at < 0:
            return None
        if start is None:
            start = at
        pos = end = at + len(part)
    assert start is not None
    return source.offsets[start], source.offsets[end - 1] + 1


def closest_passage(source: Folded, original: str, quote: str) -> tuple[int, int] | None:
    """The original (start, end) of the passage most like ``quote``: among the windows of as
    many words sharing the most words with it, the closest letter by letter; None when no
    window shares a third of its words."""
    want = " ".join(quote_parts(quote)).split()
    if not want:
        return None
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", source.text)]
    if not words:
        return None
    size = min(len(want), len(words))
    need = Counter(want)
    have: Counter[str] = Counter()
    score = 0

    def word(k: int) -> str:
        return source.text[words[k][0]:words[k][1]]

    best, starts = 0, list[int]()
    for k in range(len(words)):
        w = word(k)
        have[w] += 1
        if have[w] <= need[w]:
            score += 1
        if k >= size:
            old = word(k - size)
            if have[old] <= need[old]:
                score -= 1
            have[old] -= 1
        if k >= size - 1 and score >= best and score:
            if score > best:
                best, starts = score, []
            if len(starts) < _TIES:
                starts.append(k - size + 1)
    if best * 3 < len(want):
        return None  # nothing in the source is like the quote
    # Among the best windows, the one whose letters are closest (a shifted window shares as
    # many words but starts or ends off the quote).
    target = " ".join(want)

    def likeness(at: int) -> float:
        text = source.text[words[at][0]:words[at + size - 1][1]]
        return difflib.SequenceMatcher(None, text, target, autojunk=False).ratio()

    at = max(starts, key=likeness)
    first, last = words[at], words[at + size - 1]
    return source.offsets[first[0]], source.offsets[last[1] - 1] + 1


def place(text: str, offset: int, paged: bool) -> str:
    """Where ``offset`` is, in words: "page 3, line 12" for paged text, else "line 12"."""
    before = text[:offset]
    if paged:
        page_start = before.rfind(PAGE_BREAK) + 1
        line = before.count("\n", page_start) + 1
        return f"page {before.count(PAGE_BREAK) + 1}, line {line}"
    return f"line {before.count(chr(10)) + 1}"


def excerpt(text: str, start: int, end: int, limit: int = 240) -> str:
    """The passage on one line, shortened in the middle when long."""
    passage = " ".join(text[start:end].split())
    if len(passage) > limit:
        half = limit // 2 - 2
        passage = passage[:half] + " … " + passage[-half:]
    return passage


#: How many non-blank lines at the top and at the bottom of a page may be running matter.
EDGE_LINES = 3


def strip_running_lines(text: str) -> str:
    """Remove repeated page headers and footers from paged text.

    A line among the first or last three of a page that recurs (numbers aside: "Page 3 of 9")
    on at least half the pages, and on three or more, is running matter, not the instrument's
    words; left in, it splits any sentence that crosses a page.
    """
    pages = text.split(PAGE_BREAK)
    if len(pages) < 3:
        return text

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split())).casefold()

    counts: Counter[str] = Counter()
    edges: list[list[int]] = []
    for page in pages:
        lines = page.split("\n")
        filled = [i for i, line in enumerate(lines) if line.strip()]
        # Three lines at each edge: a first page often puts a title or notice above the
        # running heads, and a head missed there splits the sentence that crosses the page.
        idx = sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))
        edges.append(idx)
        counts.update({shape(lines[i]) for i in idx})
    running = {s for s, n in counts.items() if n >= 3 and n * 2 >= len(pages)}
    if not running:
        return text
    out = []
    for page, idx in zip(pages, edges):
        lines = page.split("\n")
        for i in idx:
            if shape(lines[i]) in running:
                lines[i] = ""  # keep the line count: places stay true to the extracted text
        out.append("\n".join(lines))
    return PAGE_BREAK.join(out)


# -- section labels ---------------------------------------------------------------------------

_PAGE_REF = re.compile(r"^(?:p|pp|page|pages)\.?\s*(\d+)", re.IGNORECASE)
#: A label's parts: a decimal clause number ("512.5") is one part, as a policy manual numbers
#: it.  (A code section's "9-142" is folded to one number, as in the text, before the split.)
_LABEL_PARTS = re.compile(r"\d+(?:\.\d+)+|[a-z]+|\d+")
#: A roman numeral ("viii", "xiii"): a clause number, not a heading in words.
_ROMAN = re.compile(r"m{0,4}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
_MARK = r"(?:§\s*|section\s+|sec\.\s*|article\s+|part\s+|chapter\s+)"
#: The start of a line as a clause begins it, after a Markdown heading's marks or bold.
_LEAD = r"(?:^|\n)\s*(?:#{1,6}\s+)?(?:\*\*|__)?"


def section_in_source(source: Source, label: str | int) -> bool:
    """Whether ``label`` names a heading or numbered clause of the source (or, as "p. 3", a page)."""
    raw = str(label).strip()
    if not raw:
        return True
    page = _PAGE_REF.match(raw)
    if page:
        return source.paged and 1 <= int(page.group(1)) <= source.pages
    whole = fold(raw).text.strip(" .")
    if not whole:
        return True
    if len(whole) > 3 and any(not _ROMAN.fullmatch(w) for w in re.findall(r"[a-z]{4,}", whole)):
        # A heading in words ("Definitions", "IV. Detainers"): it occurs as written.
        return whole in source.folded.text
    lines = source.lines
    if re.search(rf"{_LEAD}{_MARK}?{re.escape(whole)}(?![\w])|{_MARK}{re.escape(whole)}(?![\w])", lines):
        return True
    # "III.C", "4.2(b)", "9-142(a)": each part is a clause marker somewhere ("III." heading,
    # "C." item; "4.2" clause, "(b)" item).  A decimal clause number may stand without a stop
    # after it.
    parts = _LABEL_PARTS.findall(whole)
    return bool(parts) and all(
        re.search(rf"{_LEAD}{_MARK}?\(?{re.escape(p)}{'[.):]?' if '.' in p else '[.):]'}(?:\s|$)"
                  rf"|\({re.escape(p)}\)", lines)
        for p in parts)


@dataclass(frozen=True)
class Source:
    """An archive's text prepared for checking: running heads removed, folded for search."""

    text: str
    paged: bool
    folded: Folded
    lines: str
    pages: int

    @classmethod
    def of(cls, text: str, paged: bool) -> Source:
        text = strip_running_lines(text) if paged else text
        lines = "\n".join(fold(line).text for line in text.replace(PAGE_BREAK, "\n").split("\n"))
        return cls(text, paged, fold(text), lines, text.count(PAGE_BREAK) + 1)


# -- passages on immigration enforcement ---------------------------------------------------

#: Words that mark a passage as speaking of immigration enforcement.
CUES = re.compile(
    r"\b(?:ice|immigration|immigrant|detainers?|287\s?\(g\)|i-247\w?|i-200|i-205|citizenship|"
    r"deport\w*|removal|alien|undocumented|homeland security|ero|cbp|border patrol)\b",
    re.IGNORECASE)


def passages(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each paragraph of ``text`` (blank lines or page breaks between)."""
    out = []
    for m in re.finditer(r"(?:[^\n\f]+\n?)+", text):
        start, end = m.start(), m.end()
        if text[start:end].strip():
            out.append((start, end))
    if len(out) == 1 and text.count("\n") > 3:
        # One block with no blank lines (a PDF text layer): lines are the passages.
        out = [(m.start(), m.end()) for m in re.finditer(r"[^\n\f]+", text) if m.group().strip()]
    return out
