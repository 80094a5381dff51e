"""The `sources` pack: quotes, sections and the archive checked against the archived instrument."""

from __future__ import annotations

import builtins
import hashlib
import importlib.util
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from policylint.load import archive as archive_mod
from policylint.load.archive import PAGE_BREAK, read_archive
from policylint.load.limits import Limits
from policylint.load.sourcetext import (
    Source,
    find_quote,
    fold,
    section_in_source,
    strip_running_lines,
)
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions

SOURCE = (
    "POLICY 200-15: IMMIGRATION STATUS\n"
    "III. PROCEDURE\n"
    "A. Officers shall not stop, question, or detain any person solely on the basis of immigra-\n"
    "tion status.\n"
    "B. The Department shall not honor an ICE detainer request unless it is accompanied by a\n"
    "judicial warrant.\n"
)
QUOTE = "Officers shall not stop, question, or detain any person solely on the basis of immigration status."
SOURCE_RULES = {"quote-not-in-source", "section-not-in-source", "archive-missing", "archive-changed",
                "archive-unreadable", "source-passages-unencoded"}


def _document(archive: str = "policy.txt", sha: str | None = None, quote: str = QUOTE,
              section: str = "III.A") -> str:
    pin = f", sha256: {sha}" if sha else ""
    return (
        "policylint: 1\n"
        "agency: {name: Testville Police Department, state: MA}\n"
        "instrument:\n"
        "  kind: department_policy\n"
        f"  source: {{archive: {archive!r}{pin}}}\n"
        "provisions:\n"
        "  status_inquiry:\n"
        "    value: prohibited\n"
        f"    quote: {quote!r}\n"
        f"    section: {section!r}\n"
    )


def _findings(folder: Path, name: str = "policy.yaml", **options: Any) -> list[Any]:
    # A generous rule budget: the machine running the tests may be busy (no timing is tested).
    opts = CheckOptions(jobs=1, cache_dir=options.pop("cache_dir", None),
                        limits=Limits(max_rule_seconds=60), **options)
    [result] = check_paths([str(folder / name)], opts)
    return [f for f in result.findings if f.rule in SOURCE_RULES]


def _setup(tmp_path: Path, source: bytes | str = SOURCE, **doc: Any) -> Path:
    raw = source.encode() if isinstance(source, str) else source
    (tmp_path / "policy.txt").write_bytes(raw)
    doc.setdefault("sha", hashlib.sha256(raw).hexdigest())
    (tmp_path / "policy.yaml").write_text(_document(**doc), encoding="utf-8")
    return tmp_path


def test_a_faithful_encoding_passes(tmp_path: Path) -> None:
    found = _findings(_setup(tmp_path))
    # The detainer passage is not encoded: that is information, the only finding.
    assert [f.rule for f in found] == ["source-passages-unencoded"]
    assert found[0].severity == "info" and "line 5" in found[0].message


def test_one_character_flipped_in_a_quote(tmp_path: Path) -> None:
    found = _findings(_setup(tmp_path, quote=QUOTE.replace("question", "questlon")))
    bad = [f for f in found if f.rule == "quote-not-in-source"]
    assert len(bad) == 1
    assert bad[0].severity == "error" and bad[0].basis == "data-quality"
    assert bad[0].path == "/provisions/status_inquiry/quote" and bad[0].line == 9
    # The message shows the closest passage and where it is.
    assert "line 3" in bad[0].message and "Officers shall not stop, question" in bad[0].message


def test_one_character_flipped_in_the_archive(tmp_path: Path) -> None:
    folder = _setup(tmp_path)
    (folder / "policy.txt").write_text(SOURCE.replace("judicial", "judicia1"), encoding="utf-8")
    found = _findings(folder)
    changed = [f for f in found if f.rule == "archive-changed"]
    assert len(changed) == 1 and changed[0].severity == "error"
    assert changed[0].path == "/instrument/source/sha256"


def test_a_changed_archive_is_seen_through_the_results_cache(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    folder = _setup(docs)
    cache = str(tmp_path / "cache")
    assert not [f for f in _findings(folder, cache_dir=cache) if f.rule == "archive-changed"]
    (folder / "policy.txt").write_text(SOURCE.replace("judicial", "judicia1"), encoding="utf-8")
    assert [f.rule for f in _findings(folder, cache_dir=cache) if f.rule == "archive-changed"]


def test_no_archive_no_sources_pack(tmp_path: Path) -> None:
    text = _document().replace("  source: {archive: 'policy.txt'}\n", "")
    (tmp_path / "policy.yaml").write_text(text.replace("source:", "note:"), encoding="utf-8")
    assert _findings(tmp_path) == []


def test_section_not_in_source(tmp_path: Path) -> None:
    found = _findings(_setup(tmp_path, section="IV.C"))
    assert [(f.rule, f.severity) for f in found if f.rule == "section-not-in-source"] == [
        ("section-not-in-source", "warning")]


def test_decimal_clause_with_a_subsection_is_a_section() -> None:
    # A policy manual numbers clauses "512.5" and lettered items "(a)": "512.5(a)" names one.
    text = ("512.4 BOOKING\n(a) Booking staff shall not ask.\n512.5 NOTIFICATION REQUESTS\n"
            "(a) The Records Unit shall not answer.\n(b) Approval first.\n")
    source = Source.of(text, False)
    assert section_in_source(source, "512.5(a)") and section_in_source(source, "512.4(a)")
    assert section_in_source(source, "512.5")
    assert not section_in_source(source, "512.6(a)") and not section_in_source(source, "512.5(c)")


def test_code_section_numbers_with_a_subsection_are_sections() -> None:
    # A municipal code numbers sections "Sec. 9-142." and items "(a)": "9-142(a)" names one.
    text = ("Sec. 9-141. Definitions.\nSec. 9-142. Civil detainers.\n(a) No officer shall hold.\n"
            "(b) Except as provided.\n")
    source = Source.of(text, False)
    assert section_in_source(source, "9-142(a)") and section_in_source(source, "9-142")
    assert section_in_source(source, "Sec. 9-142(b)")
    assert not section_in_source(source, "9-143(a)") and not section_in_source(source, "9-142(c)")


def test_a_clause_under_a_markdown_heading_is_a_section() -> None:
    # "### Sec. 9-142." then "(a)": the heading's marks stood between the line start and the number.
    source = Source.of("## Article XIV\n\n### Sec. 9-142. Use of resources.\n\n(a) No agent.\n\n"
                       "**4.2** Holds.\n", False)
    assert section_in_source(source, "9-142(a)") and section_in_source(source, "4.2")
    assert not section_in_source(source, "9-142(b)") and not section_in_source(source, "9-143(a)")


@pytest.mark.parametrize("label", ["VIII.A", "XIII", "viii(b)", "VII.A"])
def test_a_four_letter_roman_numeral_is_a_clause_number(label: str) -> None:
    # "VIII" was read as a heading in words and looked up as written, so "VIII.A" failed.
    text = "VII. DETAINERS\nA. Holds.\nVIII. NOTIFICATION\nA. Release dates.\n(b) Logs.\nXIII. REVIEW\n"
    assert section_in_source(Source.of(text, False), label)


def test_a_heading_in_words_of_roman_letters_is_still_a_heading() -> None:
    source = Source.of("4. CIVIL MATTERS\nOfficers shall not.\n", False)
    assert section_in_source(source, "Civil Matters") and not section_in_source(source, "Civil Rights")


# -- hostile archives: a finding, never a traceback or a hang --------------------------------

def _only(found: list[Any], rule: str) -> Any:
    hits = [f for f in found if f.rule == rule]
    assert len(hits) == 1, found
    assert not [f for f in found if f.rule == "quote-not-in-source"]  # nothing read, nothing reported
    return hits[0]


def test_missing_archive(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(_document(), encoding="utf-8")
    assert "no such file" in _only(_findings(tmp_path), "archive-missing").message


def test_huge_archive(tmp_path: Path) -> None:
    folder = _setup(tmp_path, source=b"a" * (archive_mod.DEFAULT_LIMITS.max_file_size + 1))
    assert "limit" in _only(_findings(folder), "archive-missing").message


def test_symlink_out_of_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text(SOURCE, encoding="utf-8")
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "policy.txt").symlink_to(outside)
    (folder / "policy.yaml").write_text(_document(), encoding="utf-8")
    assert "outside" in _only(_findings(folder), "archive-missing").message


def test_path_out_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (tmp_path / "x.txt").write_text(SOURCE, encoding="utf-8")
    (folder / "policy.yaml").write_text(_document(archive="../x.txt"), encoding="utf-8")
    assert "outside" in _only(_findings(folder), "archive-missing").message


def test_fifo_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "policy.txt")
    (tmp_path / "policy.yaml").write_text(_document(), encoding="utf-8")
    assert "regular file" in _only(_findings(tmp_path), "archive-missing").message


def test_binary_archive(tmp_path: Path) -> None:
    folder = _setup(tmp_path, source=b"\x7fELF\x00\x01\x02" * 100)
    finding = _only(_findings(folder), "archive-unreadable")
    assert finding.severity == "warning" and "binary" in finding.message


def test_not_utf8(tmp_path: Path) -> None:
    folder = _setup(tmp_path, source=SOURCE.encode("utf-16"))
    assert "unreadable" in _only(_findings(folder), "archive-unreadable").rule


def _docx(xml: bytes, name: str = "word/document.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, xml)
    return buf.getvalue()


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_docx_text_is_read(tmp_path: Path) -> None:
    xml = (b"<w:document " + _W + b"><w:body><w:p><w:r><w:t>A. Officers shall not stop, "
           b"question, or detain any person </w:t></w:r><w:r><w:t>solely on the basis of immigration "
           b"status.</w:t></w:r></w:p></w:body></w:document>")
    (tmp_path / "p.docx").write_bytes(_docx(xml))
    got = read_archive(str(_touch(tmp_path / "d.yaml")), "p.docx")
    assert got.problem is None and find_quote(Source.of(got.text, False).folded, QUOTE)


def test_docx_entity_bomb_and_zip_bomb(tmp_path: Path) -> None:
    doc = str(_touch(tmp_path / "d.yaml"))
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<w:document " + _W + b"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>")
    (tmp_path / "bomb.docx").write_bytes(_docx(bomb))
    assert "DTD" in read_archive(doc, "bomb.docx").reason
    (tmp_path / "zip.docx").write_bytes(_docx(b" " * (archive_mod._DOCX_XML_CAP + 10)))
    assert "inflates" in read_archive(doc, "zip.docx").reason
    (tmp_path / "junk.docx").write_bytes(b"PK\x03\x04 not really a zip")
    assert read_archive(doc, "junk.docx").problem == "unreadable"


def _touch(path: Path) -> Path:
    path.write_text("policylint: 1\n", encoding="utf-8")
    return path


def _pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one text line per entry, one page per list (Helvetica), made by the
    extract corpus's PDF writer (benchmarks/extract-corpus/build.py)."""
    spec = importlib.util.spec_from_file_location(
        "corpus_build", Path(__file__).resolve().parents[1] / "benchmarks" / "extract-corpus" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.pdf_document([build.text_page(lines) for lines in pages])  # type: ignore[no-any-return]


def test_pdf_pages_running_heads_and_hyphenation(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    pages = [["Framingham Police Department", "Policy 200-15", f"Page {n} of 3"] for n in (1, 2, 3)]
    pages[1][2:2] = ["A. Officers shall not stop, question, or detain any person solely on the",
                     "basis of immigra-"]
    pages[2][2:2] = ["tion status. Officers shall not ask about status."]
    (tmp_path / "p.pdf").write_bytes(_pdf(pages))
    got = read_archive(str(_touch(tmp_path / "d.yaml")), "p.pdf")
    assert got.problem is None and got.paged and got.text.count(PAGE_BREAK) == 2
    source = Source.of(got.text, True)
    # The running head and footer between pages 2 and 3 do not split the sentence.
    assert find_quote(source.folded, QUOTE) is not None
    assert section_in_source(source, "p. 3") and not section_in_source(source, "p. 4")


def _pdftotext_pages() -> str:
    """A policy as pdftotext writes it: pages separated by form feeds, each with a running
    head that speaks of immigration and a page footer; a sentence crosses pages 2 and 3."""
    head = "Testville Police Department - Immigration Status Policy"
    bodies = [["III. PROCEDURE", "Officers shall not ask about status."],
              ["A. Officers shall not stop, question, or detain any person solely on the basis of immigra-"],
              ["tion status.", "B. Officers shall answer calls for service."]]
    return PAGE_BREAK.join("\n".join([head, "", *body, "", f"Page {n} of 3"]) + "\n"
                           for n, body in enumerate(bodies, 1))


def test_text_with_form_feeds_is_paged(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text(_pdftotext_pages(), encoding="utf-8")
    (tmp_path / "plain.txt").write_text(SOURCE, encoding="utf-8")
    doc = str(_touch(tmp_path / "d.yaml"))
    got = read_archive(doc, "p.txt")
    assert got.problem is None and got.paged
    assert not read_archive(doc, "plain.txt").paged
    source = Source.of(got.text, got.paged)
    # The running head and footer between pages 2 and 3 do not split the sentence.
    assert find_quote(source.folded, QUOTE) is not None
    assert "Immigration Status Policy" not in source.text
    assert section_in_source(source, "p. 3") and not section_in_source(source, "p. 4")


def test_running_heads_of_a_text_copy_are_not_unencoded_passages(tmp_path: Path) -> None:
    found = _findings(_setup(tmp_path, source=_pdftotext_pages(), section="III.A"))
    assert [f.rule for f in found if f.rule != "source-passages-unencoded"] == []
    unencoded = " ".join(f.message for f in found if f.rule == "source-passages-unencoded")
    assert "Immigration Status Policy" not in unencoded


def test_pdf_without_text_or_damaged(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    doc = str(_touch(tmp_path / "d.yaml"))
    (tmp_path / "scan.pdf").write_bytes(_pdf([[], []]))
    assert "no text layer" in read_archive(doc, "scan.pdf").reason
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\n garbage \x00\xff" * 50)
    assert read_archive(doc, "bad.pdf").problem == "unreadable"


def without_pypdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import pypdf`` fail for the rest of the test, as where the extra is not installed."""
    real = builtins.__import__

    def no_pypdf(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pypdf":
            raise ImportError("No module named 'pypdf'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pypdf)


def test_pdf_without_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_pypdf(monkeypatch)
    monkeypatch.setattr(archive_mod, "_MEMO", {})
    (tmp_path / "p.pdf").write_bytes(b"%PDF-1.4\n")
    got = read_archive(str(_touch(tmp_path / "d.yaml")), "p.pdf")
    assert got.problem == "unreadable" and "policylint[sources]" in got.reason


def test_html_text(tmp_path: Path) -> None:
    html = ("<html><head><title>x</title><script>var s = 'Officers';</script></head><body>"
            "<p>A. Officers shall not stop, question, or detain any person solely on the basis of "
            "<em>immigration</em>&nbsp;status.</p></body></html>")
    (tmp_path / "p.html").write_text(html, encoding="utf-8")
    got = read_archive(str(_touch(tmp_path / "d.yaml")), "p.html")
    assert "var s" not in got.text and find_quote(Source.of(got.text, False).folded, QUOTE)


# -- normalisation ---------------------------------------------------------------------------

@pytest.mark.parametrize("quote", [
    "\u201cOfficers shall not stop, question, or detain\u201d",  # curly quotes around
    "officers shall not  stop,\nquestion",                         # case, whitespace, line break
    "ﬁrst \u2014 the rule",                                        # NFKC ligature, em dash
    "Officers shall not stop [...] immigration status",            # elision
])
def test_normalisation_finds(quote: str) -> None:
    source = Source.of("Officers shall not stop, question, or detain any person on the basis of "
                       "immigra-\ntion status. \"first - the rule\"", False)
    assert find_quote(source.folded, quote) is not None


def test_fold_keeps_offsets() -> None:
    folded = fold("A  \u201cB\u201d\nimmi-\ngration")
    assert folded.text == 'a "b" immigration'
    assert len(folded.offsets) == len(folded.text)


def test_a_running_head_below_a_first_page_title_is_stripped() -> None:
    # Page 1 has a notice line above the two running heads: the second head is its third line.
    # Counted only in two edge lines, it recurred on 2 of 3 pages and was kept, splitting the
    # sentence that crosses from page 1 to page 2.
    pages = ["NOTICE: a public copy\nCity of Example\nPolicy 4.1 Immigration\nOfficers shall not hold a\n"
             "Page 1 of 3",
             "City of Example\nPolicy 4.1 Immigration\nperson on a civil detainer.\nPage 2 of 3",
             "City of Example\nPolicy 4.1 Immigration\nThe end.\nPage 3 of 3"]
    source = Source.of("\f".join(pages), True)
    assert "Policy 4.1 Immigration" not in source.text and "City of Example" not in source.text
    assert find_quote(source.folded, "Officers shall not hold a person on a civil detainer.")
    assert "NOTICE: a public copy" in source.text  # said once, not running matter


def test_running_lines_need_three_pages() -> None:
    two = "Head\nbody one\fHead\nbody two"
    assert strip_running_lines(two) == two
