"""Read the archived copy of an instrument (`instrument.source.archive`) as untrusted input."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from policylint.load.limits import DEFAULT_LIMITS

#: Text formats read as text; the others need their own reader.
_TEXT = frozenset({"txt", "md"})
_HTML = frozenset({"html", "htm"})
#: Page break in extracted text (PDF pages); places are then reported as page and line.
PAGE_BREAK = "\f"
#: A .docx is a zip: at most this many bytes of its main XML part are inflated (zip bombs).
_DOCX_XML_CAP = 4 * DEFAULT_LIMITS.max_file_size
#: Pages read from a PDF: a real policy has tens; a hostile file may claim millions.
_MAX_PAGES = 2000
_INSTALL_HINT = "pip install 'policylint[sources]'"


@dataclass(frozen=True, slots=True)
class ArchiveText:
    """The outcome of reading an archive: its text, or why there is none.

    ``problem`` is ``missing`` (no usable file at the path: absent, outside the document's
    folder, not a regular file, too large) or ``unreadable`` (a file whose text cannot be
    extracted: binary, not UTF-8, a PDF without a text layer, pypdf not installed), with
    ``reason`` in words.  ``sha256`` is set whenever the file's bytes were read.
    """

    path: str
    text: str = ""
    sha256: str | None = None
    problem: str | None = None
    reason: str = ""
    paged: bool = False


def locate(document_file: str, archive: str) -> tuple[str | None, str]:
    """The real path of ``archive`` relative to ``document_file``, or ``(None, reason)``.

    The archive must stay inside the document's folder tree after symlinks are resolved: a
    document from an untrusted repository must not make the tool read ``/etc/passwd`` or a
    file outside the checkout and quote it back in a message.
    """
    if not document_file or document_file in ("-", "<stdin>") or not os.path.isfile(document_file):
        return None, "the document was not read from a file, so a path relative to it has no meaning"
    if os.path.isabs(archive) or archive.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", archive):
        return None, "the path is absolute; give it relative to the document"
    base = os.path.dirname(os.path.realpath(document_file))
    target = os.path.realpath(os.path.join(base, archive))
    if os.path.commonpath([base, target]) != base:
        return None, "the path leads outside the document's folder (after following links)"
    return target, ""


def read_archive(document_file: str, archive: str, max_bytes: int = DEFAULT_LIMITS.max_file_size) -> ArchiveText:
    """Locate, read, hash and extract the archive; never raises for a bad file."""
    target, reason = locate(document_file, archive)
    if target is None:
        return ArchiveText(archive, problem="missing", reason=reason)
    try:
        info = os.stat(target)
        if not stat.S_ISREG(info.st_mode):  # before opening: opening a FIFO waits forever
            return ArchiveText(archive, problem="missing", reason="it is not a regular file")
        if info.st_size > max_bytes:
            return ArchiveText(archive, problem="missing", reason=(
                f"the file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit"))
        with open(target, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return ArchiveText(archive, problem="missing", reason="no such file")
    except OSError as exc:
        return ArchiveText(archive, problem="missing", reason=f"it cannot be read ({exc.strerror or exc})")
    if len(raw) > max_bytes:
        return ArchiveText(archive, problem="missing", reason=f"the file grew past the {max_bytes:,}-byte limit")
    digest = hashlib.sha256(raw).hexdigest()
    kind = os.path.splitext(archive)[1].lower().lstrip(".")
    text, paged, why = _extract_cached(digest, kind, raw)
    if text is None:
        return ArchiveText(archive, sha256=digest, problem="unreadable", reason=why)
    return ArchiveText(archive, text=text, sha256=digest, paged=paged)


#: Extracted texts of this run, by (sha256, kind): several documents may share one archive.
_MEMO: dict[tuple[str, str], tuple[str | None, bool, str]] = {}
_MEMO_SIZE = 16


def _extract_cached(digest: str, kind: str, raw: bytes) -> tuple[str | None, bool, str]:
    """Extraction memoised within the run, keyed by the bytes' hash.  Not kept on disk: the
    cache folder is untrusted too, and extracting again costs little beside checking."""
    key = (digest, kind)
    got = _MEMO.get(key)
    if got is None:
        try:
            got = _extract(kind, raw)
        except Exception as exc:
            got = None, False, f"its text could not be extracted ({type(exc).__name__}: {exc})"[:300]
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = got
    return got


def _extract(kind: str, raw: bytes) -> tuple[str | None, bool, str]:
    """``(text, paged, reason)``: the text of ``raw`` read as a ``kind`` file."""
    if kind in _TEXT or kind in _HTML:
        text, why = _decode(raw)
        if text is None:
            return None, False, why
        if kind in _HTML:
            return _html_text(text), False, ""
        # A form feed is a page break (pdftotext writes one between pages): the text is
        # paged, so running heads and footers are stripped and places name the page.
        return text, PAGE_BREAK in text, ""
    if kind == "docx":
        return _docx_text(raw)
    if kind == "pdf":
        return _pdf_text(raw)
    return None, False, f"`.{kind}` is not a supported archive format"


def _decode(raw: bytes) -> tuple[str | None, str]:
    if b"\x00" in raw:
        return None, "it is a binary file, not text"
    try:
        return raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        return None, f"it is not UTF-8 text (byte {exc.start:,}); save it as UTF-8"


class _HTMLText(HTMLParser):
    """The visible text of an HTML page, one line per block element."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                         "section", "article", "header", "footer", "table", "ul", "ol", "dd",
                         "dt", "blockquote", "pre", "hr", "td", "th"})
    _HIDDEN = frozenset({"script", "style", "template", "noscript", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _html_text(text: str) -> str:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_text(raw: bytes) -> tuple[str | None, bool, str]:
    """The paragraphs of a .docx: its ``word/document.xml``, read with the standard library.

    The XML may declare no DTD (Word never writes one): entity expansion is refused outright.
    """
    import io
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf, zf.open("word/document.xml") as part:
            xml = part.read(_DOCX_XML_CAP + 1)
    except KeyError:
        return None, False, "it is not a Word document (no word/document.xml)"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        return None, False, f"it is not a readable .docx ({exc})"
    if len(xml) > _DOCX_XML_CAP:
        return None, False, f"its text part inflates past {_DOCX_XML_CAP:,} bytes"
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        return None, False, "its XML declares a DTD or entities, which a Word document never does"
    root = ElementTree.fromstring(xml)
    paragraphs = []
    for para in root.iter(f"{_W}p"):
        bits = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                bits.append(node.text)
            elif node.tag == f"{_W}tab":
                bits.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                bits.append("\n")
        paragraphs.append("".join(bits))
    return "\n".join(paragraphs), False, ""


def _pdf_text(raw: bytes) -> tuple[str | None, bool, str]:
    """The text layer of a PDF, page by page (pages separated by a form feed)."""
    try:
        import pypdf
    except ImportError:
        return None, False, f"reading a PDF needs pypdf, which is not installed ({_INSTALL_HINT})"
    import io
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about odd files go to the finding
    reader = pypdf.PdfReader(io.BytesIO(raw))
    if reader.is_encrypted:
        return None, False, "the PDF is encrypted"
    if len(reader.pages) > _MAX_PAGES:
        return None, False, f"the PDF has {len(reader.pages):,} pages, over the {_MAX_PAGES:,}-page limit"
    pages = [page.extract_text() or "" for page in reader.pages]
    if not any(p.strip() for p in pages):
        return None, True, "the PDF has no text layer (a scan?): run OCR on it and archive the text"
    return PAGE_BREAK.join(p.replace(PAGE_BREAK, "\n") for p in pages), True, ""
