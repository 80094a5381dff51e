"""Build calder-county-sheriff.pdf from its layout: the corpus's PDF, with running heads,
page footers and words hyphenated across lines, as a jail manual printed to PDF has them.

Run from anywhere: ``python benchmarks/extract-corpus/build_pdf.py``.  The output is
byte-for-byte the same on every run (tests/test_extract_corpus.py checks that the committed
PDF is what this script makes from the layout).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
LAYOUT = HERE / "calder-county-sheriff.layout"
OUTPUT = HERE / "calder-county-sheriff.pdf"
HEADS = ("CALDER COUNTY SHERIFF'S OFFICE - CUSTODY DIVISION MANUAL",
         "Policy 512: Immigration Detainers, Notifications, Transfers and Interviews")
NOTICE = "% INVENTED FOR MEASUREMENT: a fictional sheriff's jail policy, not a real policy.\n"


def _text(line: str) -> str:
    """A PDF string literal for one line of ASCII text."""
    line.encode("ascii")  # the standard Helvetica encoding: keep the layout plain ASCII
    return "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _page_stream(first: list[str], body: list[str], number: int, total: int) -> bytes:
    """Running heads at the top, the body, and the footer at the foot of the page."""
    ops = ["BT /F1 10 Tf 13 TL 72 756 Td"]
    ops += [f"{_text(line)} Tj T*" for line in [*first, *HEADS, "", *body]]
    ops.append("ET")
    ops.append(f"BT /F1 9 Tf 72 40 Td {_text(f'Rev. 2026-02 | Page {number} of {total}')} Tj ET")
    return "\n".join(ops).encode("ascii")


def build(layout: str) -> bytes:
    """The PDF for ``layout``: pages split at ``<<PAGE>>``; its first line opens page 1."""
    lines = layout.rstrip("\n").split("\n")
    notice, rest = lines[0], "\n".join(lines[1:])
    pages = [p.strip("\n").split("\n") for p in rest.split("<<PAGE>>")]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for n, body in enumerate(pages, 1):
        stream = _page_stream([notice] if n == 1 else [], body, n, len(pages))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = b"%PDF-1.4\n" + NOTICE.encode("ascii")
    offsets = []
    for i, body_bytes in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body_bytes + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


if __name__ == "__main__":
    OUTPUT.write_bytes(build(LAYOUT.read_text("utf-8")))
    print(f"wrote {OUTPUT}")
