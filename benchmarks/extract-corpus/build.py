"""Build the two corpus sources that are not plain text from their layouts, byte for byte the
same on every run (tests/test_extract_corpus.py checks the committed files against them):

- ``calder-county-sheriff.pdf``: a jail manual printed to PDF, with running heads, page
  footers and words hyphenated across lines;
- ``amberlee-executive-order.docx``: a mayor's order saved from a word processor.

Run from anywhere: ``python benchmarks/extract-corpus/build.py``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
PDF_LAYOUT = HERE / "calder-county-sheriff.layout"
DOCX_LAYOUT = HERE / "amberlee-executive-order.layout"
HEADS = ("CALDER COUNTY SHERIFF'S OFFICE - CUSTODY DIVISION MANUAL",
         "Policy 512: Immigration Detainers, Notifications, Transfers and Interviews")
PDF_NOTICE = "% INVENTED FOR MEASUREMENT: a fictional sheriff's jail policy, not a real policy.\n"
FOOTER = "Rev. 2026-02 | Page {number} of {total}"


def _text(line: str) -> str:
    """A PDF string literal for one line of ASCII text."""
    line.encode("ascii")  # the standard Helvetica encoding: keep the layout plain ASCII
    return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _page_stream(first: list[str], body: list[str], number: int, total: int,
                 heads: tuple[str, ...] = HEADS, footer: str = FOOTER) -> bytes:
    """Running heads at the top, the body, and the footer (``{number}``, ``{total}``) at the
    foot of the page."""
    ops = ["BT /F1 10 Tf 13 TL 72 756 Td"]
    ops += [f"{_text(line)} Tj T*" for line in [*first, *heads, "", *body]]
    ops.append("ET")
    ops.append(f"BT /F1 9 Tf 72 40 Td {_text(footer.format(number=number, total=total))} Tj ET")
    return "\n".join(ops).encode("ascii")


def build_pdf(layout: str, heads: tuple[str, ...] = HEADS, footer: str = FOOTER,
              notice_comment: str = PDF_NOTICE) -> bytes:
    """The PDF for ``layout``: pages split at ``<<PAGE>>``; its first line opens page 1. The
    defaults are this corpus's sheriff's manual; another manual passes its own running heads,
    footer and ``%`` comment line."""
    lines = layout.rstrip("\n").split("\n")
    notice, rest = lines[0], "\n".join(lines[1:])
    pages = [p.strip("\n").split("\n") for p in rest.split("<<PAGE>>")]
    return pdf_document([_page_stream([notice] if n == 1 else [], body, n, len(pages), heads, footer)
                         for n, body in enumerate(pages, 1)], notice_comment.encode("ascii"))


def text_page(lines: list[str]) -> bytes:
    """A page's content stream: ``lines`` of ASCII text from the top, one per line."""
    return "\n".join(["BT /F1 10 Tf 12 TL 60 770 Td", *(f"{_text(line)} Tj T*" for line in lines),
                      "ET"]).encode("ascii")


def pdf_document(streams: list[bytes], comment: bytes = b"") -> bytes:
    """A minimal PDF 1.4 with one page per content stream, in standard Helvetica (no
    dependency); ``comment``, a ``%`` line, follows the header."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for stream in streams:
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = b"%PDF-1.4\n" + comment
    offsets = []
    for i, body_bytes in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body_bytes + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '</Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'),
}


def build_docx(layout: str) -> bytes:
    """A minimal Word document: one paragraph per paragraph of ``layout`` (blank-line separated)."""
    paragraphs = [" ".join(p.split("\n")) for p in layout.strip("\n").split("\n\n")]
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in [*_DOCX_PARTS.items(), ("word/document.xml", document)]:
            # A fixed date and no compression: the same bytes on every run and zlib version.
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 9, 0, 0, 0))
            zf.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()


def outputs() -> dict[Path, bytes]:
    """Each built file and the bytes it should hold."""
    return {HERE / "calder-county-sheriff.pdf": build_pdf(PDF_LAYOUT.read_text("utf-8")),
            HERE / "amberlee-executive-order.docx": build_docx(DOCX_LAYOUT.read_text("utf-8"))}


if __name__ == "__main__":
    for path, data in outputs().items():
        path.write_bytes(data)
        print(f"wrote {path}")
