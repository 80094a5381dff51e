"""Build the held-out set's two sources that are not plain text from their layouts, with the
extract corpus's build functions, byte for byte the same on every run
(tests/test_extract_corpus.py checks the committed files against them):

- ``westhollow-university-police.pdf``: a university police manual chapter printed to PDF,
  with running heads, page footers, words hyphenated across lines and a sentence split
  across pages;
- ``kestrel-harbor-executive-order.docx``: a mayor's order saved from a word processor.

Run from anywhere: ``python benchmarks/extract-heldout/build.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
PDF_LAYOUT = HERE / "westhollow-university-police.layout"
DOCX_LAYOUT = HERE / "kestrel-harbor-executive-order.layout"
HEADS = ("WESTHOLLOW UNIVERSITY POLICE DEPARTMENT - POLICY MANUAL",
         "Chapter 433: Federal Immigration Enforcement on Campus")
FOOTER = "WUPD Policy Manual | Chapter 433 | Page {number} of {total}"
PDF_NOTICE = "% INVENTED FOR MEASUREMENT: a fictional university police manual chapter, not a real policy.\n"


def _corpus_build() -> ModuleType:
    """The extract corpus's build script (its folder name is not an importable package)."""
    spec = importlib.util.spec_from_file_location(
        "extract_corpus_build", HERE.parent / "extract-corpus" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs() -> dict[Path, bytes]:
    """Each built file and the bytes it should hold."""
    build = _corpus_build()
    return {HERE / "westhollow-university-police.pdf":
            build.build_pdf(PDF_LAYOUT.read_text("utf-8"), HEADS, FOOTER, PDF_NOTICE),
            HERE / "kestrel-harbor-executive-order.docx":
            build.build_docx(DOCX_LAYOUT.read_text("utf-8"))}


if __name__ == "__main__":
    for path, data in outputs().items():
        path.write_bytes(data)
        print(f"wrote {path}")
