"""Checks of an encoding against the archived text of its instrument (the `sources` pack)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policylint.load.limits import DEFAULT_LIMITS
from policylint.rules.checks.named import register

if TYPE_CHECKING:  # imported on first use: most documents have no archive (zip, HTML, difflib)
    from policylint.load.archive import ArchiveText
    from policylint.load.sourcetext import Source

_MEMO_KEY = "sources.archive"
#: Passages listed in one `source-passages-unencoded` message; the rest are counted.
_LISTED = 5


def archive_path(root: Any) -> str | None:
    """``instrument.source.archive`` when it is a non-empty string."""
    instrument = root.get("instrument") if isinstance(root, dict) else None
    source = instrument.get("source") if isinstance(instrument, dict) else None
    archive = source.get("archive") if isinstance(source, dict) else None
    return archive if isinstance(archive, str) and archive.strip() else None


Loaded = tuple["ArchiveText", "Source | None"]
#: The archive of the document being checked, read before the rules' time budget starts
#: (see :func:`prepare`); the document object itself is the key.
_prepared: tuple[Any, Loaded] | None = None
#: Prepared texts by (sha256, path): several documents may share one archive.
_SOURCES: dict[tuple[str, str], Source] = {}


def load(document_file: str, archive: str, max_bytes: int = DEFAULT_LIMITS.max_file_size) -> Loaded:
    """Read ``archive`` (relative to ``document_file``, at most ``max_bytes``, the limit for
    documents) and prepare its text for checking."""
    from policylint.load.archive import read_archive
    from policylint.load.sourcetext import Source

    read = read_archive(document_file, archive, max_bytes)
    if read.problem is not None or read.sha256 is None:
        return read, None
    key = (read.sha256, archive)
    source = _SOURCES.get(key)
    if source is None:
        if len(_SOURCES) >= 16:
            _SOURCES.pop(next(iter(_SOURCES)))
        source = _SOURCES[key] = Source.of(read.text, read.paged)
    return read, source


def prepare(doc: Any, max_bytes: int = DEFAULT_LIMITS.max_file_size) -> None:
    """Read the document's archive now: extracting a long PDF is file work, and must not be
    taken for a slow rule by the rules' time budget."""
    global _prepared
    archive = archive_path(doc.data)
    _prepared = (doc, load(doc.file, archive)) if archive is not None else None


def _loaded(ctx: Any) -> Loaded | None:
    """The document's archive, read once per document and shared by every check."""
    archive = archive_path(ctx.root)
    if archive is None:
        return None
    got = ctx.memo.get(_MEMO_KEY)
    if got is None:
        if _prepared is not None and _prepared[0] is ctx.doc:
            got = _prepared[1]
        else:
            got = load(getattr(ctx.doc, "file", "") or "", archive)
        ctx.memo[_MEMO_KEY] = got
    return got


@register("archive-missing")
def archive_missing(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when the archive path leads to no usable file; says why."""
    got = _loaded(ctx)
    if got is None or got[0].problem != "missing":
        return None
    return {"archive": got[0].path, "reason": got[0].reason}


@register("archive-unreadable")
def archive_unreadable(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when the archive was read but no text could be extracted from it; says why."""
    got = _loaded(ctx)
    if got is None or got[0].problem != "unreadable":
        return None
    return {"archive": got[0].path, "reason": got[0].reason}


@register("archive-changed")
def archive_changed(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when ``instrument.source.sha256`` differs from the archived file's SHA-256."""
    got = _loaded(ctx)
    expected = ctx.root.get("instrument", {}).get("source", {}).get("sha256") if got else None
    if got is None or got[0].sha256 is None or not isinstance(expected, str):
        return None
    if expected.strip().lower() == got[0].sha256:
        return None
    return {"archive": got[0].path, "expected": expected.strip().lower(), "actual": got[0].sha256}


@register("quote-not-in-source")
def quote_not_in_source(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when the subject's ``quote`` is not in the archived text; gives the closest passage."""
    got = _loaded(ctx)
    quote = subject.get("quote") if isinstance(subject, dict) else None
    if got is None or got[1] is None or not isinstance(quote, str) or not quote.strip():
        return None  # never report on text nobody read
    from policylint.load.sourcetext import closest_passage, excerpt, find_quote, place

    source = got[1]
    if find_quote(source.folded, quote) is not None:
        return None
    near = closest_passage(source.folded, source.text, quote)
    if near is None:
        return {"archive": got[0].path, "closest": None, "place": None}
    return {"archive": got[0].path, "closest": excerpt(source.text, *near),
            "place": place(source.text, near[0], source.paged)}


@register("section-not-in-source")
def section_not_in_source(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when the subject's ``section`` is not a heading, clause number or page of the source."""
    got = _loaded(ctx)
    section = subject.get("section") if isinstance(subject, dict) else None
    if got is None or got[1] is None or isinstance(section, bool) or not isinstance(section, (str, int)):
        return None
    from policylint.load.sourcetext import section_in_source

    if section_in_source(got[1], section):
        return None
    return {"archive": got[0].path, "section": str(section)}


def _quotes(root: Any) -> list[str]:
    """Every quote of the document: provisions, their exceptions, definitions, citations."""
    out: list[str] = []

    def take(item: Any) -> None:
        if isinstance(item, dict) and isinstance(item.get("quote"), str):
            out.append(item["quote"])

    provisions = root.get("provisions")
    for prov in (provisions.values() if isinstance(provisions, dict) else ()):
        take(prov)
        exceptions = prov.get("exceptions") if isinstance(prov, dict) else None
        for exc in (exceptions if isinstance(exceptions, list) else ()):
            take(exc)
    definitions = root.get("definitions")
    for item in (definitions.values() if isinstance(definitions, dict) else ()):
        take(item)
    citations = root.get("citations")
    for item in (citations if isinstance(citations, list) else ()):
        take(item)
    return out


@register("source-passages-unencoded")
def source_passages_unencoded(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """True when passages of the source on immigration enforcement overlap no quote."""
    got = _loaded(ctx)
    if got is None or got[1] is None:
        return None
    from policylint.load.sourcetext import CUES, excerpt, find_quote, passages, place

    source = got[1]
    spans = [s for s in (find_quote(source.folded, q) for q in _quotes(ctx.root)) if s is not None]
    missed = [(a, b) for a, b in passages(source.text)
              if CUES.search(source.text, a, b) and not any(s < b and a < e for s, e in spans)]
    if not missed:
        return None
    listed = [f"{place(source.text, a, source.paged)}: \u201c{excerpt(source.text, a, b, 160)}\u201d"
              for a, b in missed[:_LISTED]]
    return {"archive": got[0].path, "count": len(missed), "passages": listed,
            "more": max(0, len(missed) - _LISTED)}
