"""Measure `policylint extract` against hand encodings, and time it on a 20-page PDF.

For every document under the given folders (default: examples/, benchmarks/extract-corpus/ (the
development set the cues are tuned on) and benchmarks/extract-heldout/ (measured once, after
the cues are frozen), where present) whose `instrument.source.archive` is set, extract runs on the archive and its
result is compared topic by topic with the hand encoding:

- recall: of the topics the hand encoding quotes, those where the quoted passage is among the
  passages extract found for the topic;
- wrong values: of extract's proposals on topics the hand encoding codes, those whose value
  differs from the hand value;
- proposals on silent topics: values extract proposed on topics the hand encoding leaves out
  or codes `silent` (counted only where the encoding read the full text).

Usage: python benchmarks/extract_accuracy.py [FOLDER ...] [--no-timing] [--pages 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from policylint.extract import draft_from_file  # noqa: E402
from policylint.extract.propose import Extraction, extract_text  # noqa: E402
from policylint.load.archive import read_archive  # noqa: E402
from policylint.load.sourcetext import find_quote  # noqa: E402
from policylint.report.scaffold import Agency  # noqa: E402
from policylint.schema.taxonomy import SILENT  # noqa: E402

DEFAULT_FOLDERS = ("examples", os.path.join("benchmarks", "extract-corpus"),
                   os.path.join("benchmarks", "extract-heldout"))
FIXTURE = os.path.join(REPO, "tests", "data", "extract", "maple-falls.txt")


@dataclass
class Score:
    """Counts for one document (or the total)."""

    quoted: int = 0        # hand topics with a quote found in the source
    recalled: int = 0      # ... whose passage extract found for the topic
    proposals: int = 0     # extract proposals on topics the hand encoding codes
    wrong: int = 0         # ... with a value other than the hand value
    on_silent: int = 0     # extract proposals on topics the hand encoding leaves silent
    coded: int = 0         # topics the hand encoding codes (not silent)
    listed_silent: int = 0  # topics the hand encoding leaves silent that extract lists `unclear`
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.quoted += other.quoted
        self.recalled += other.recalled
        self.proposals += other.proposals
        self.wrong += other.wrong
        self.on_silent += other.on_silent
        self.coded += other.coded
        self.listed_silent += other.listed_silent


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "n/a"


def _provisions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw = doc.get("provisions")
    return {k: v for k, v in raw.items() if isinstance(v, dict)} if isinstance(raw, dict) else {}


def score(doc: dict[str, Any], extraction: Extraction) -> Score:
    """Compare one hand encoding with what extract found in its archive."""
    out = Score()
    hand = _provisions(doc)
    full = (doc.get("instrument") or {}).get("text_read") in (None, "full")
    folded = extraction.source.folded
    for result in extraction.topics:
        entry = hand.get(result.topic)
        hand_value = entry.get("value") if entry else None
        coded = hand_value not in (None, SILENT)
        out.coded += coded
        found = "—"
        quote = entry.get("quote") if entry else None
        if coded and isinstance(quote, str) and quote.strip():
            span = find_quote(folded, quote)
            if span is not None:
                out.quoted += 1
                hit = any(p.unit.start < span[1] and span[0] < p.unit.end for p in result.passages)
                out.recalled += hit
                found = "yes" if hit else "**no**"
            else:
                found = "quote not in source"
        proposed = result.value if result.proposed else None
        verdict = ""
        if proposed is not None and coded:
            out.proposals += 1
            if proposed != hand_value:
                out.wrong += 1
                verdict = "**wrong value**"
            else:
                verdict = "right"
        elif proposed is not None and full:
            out.on_silent += 1
            verdict = "**proposed on a silent topic**"
        elif result.passages and not coded and full:
            out.listed_silent += 1
        if coded or proposed is not None or result.passages:
            out.rows.append((result.topic, str(hand_value or SILENT), found,
                             proposed or ("unclear" if result.passages else "—"), verdict))
    return out


def documents(folders: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """Documents under ``folders`` with an archive, sorted by path."""
    out = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith((".yaml", ".yml")):
                    continue
                path = os.path.join(root, name)
                try:
                    with open(path, encoding="utf-8") as fh:
                        doc = yaml.safe_load(fh)
                except (OSError, yaml.YAMLError, UnicodeDecodeError):
                    continue
                source = ((doc or {}).get("instrument") or {}).get("source") if isinstance(doc, dict) else None
                if isinstance(source, dict) and isinstance(source.get("archive"), str):
                    out.append((path, doc))
    return sorted(out)


def report(folders: list[str]) -> Score:
    """Print a table per document and the totals; return the totals."""
    total = Score()
    docs = documents(folders)
    if not docs:
        print(f"No document with `instrument.source.archive` under {', '.join(folders)}.")
        return total
    for path, doc in docs:
        archive = doc["instrument"]["source"]["archive"]
        read = read_archive(path, archive)
        print(f"\n### {os.path.relpath(path, REPO)}\n")
        if read.problem is not None:
            print(f"archive {archive}: {read.problem} ({read.reason})")
            continue
        result = score(doc, extract_text(read.text, read.paged))
        total.add(result)
        print("| topic | hand value | hand passage found | extract | |")
        print("|---|---|---|---|---|")
        for row in result.rows:
            print("| " + " | ".join(f"`{c}`" if i in (0, 1, 3) and c not in ("—",) else c
                                     for i, c in enumerate(row)) + " |")
        print(f"\nrecall {_pct(result.recalled, result.quoted)}; wrong values "
              f"{_pct(result.wrong, result.proposals)}; proposals on silent topics {result.on_silent}")
    print(f"\n### Totals ({len(docs)} documents)\n")
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| recall of hand-quoted topics | {_pct(total.recalled, total.quoted)} | ≥ 90% |")
    print(f"| wrong values, over proposals | {_pct(total.wrong, total.proposals)} | ≤ 5% |")
    print(f"| proposals on topics the hand encoding leaves silent | {total.on_silent} | 0 |")
    print(f"| hand-coded topics given a value | {_pct(total.proposals, total.coded)} | |")
    print(f"| topics the hand encoding leaves silent listed `unclear` (passages to review) "
          f"| {total.listed_silent} | |")
    return total


# -- timing --------------------------------------------------------------------------------------

def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF, one text line per entry and one page per list: the corpus's own PDF
    writer (benchmarks/extract-corpus/build.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus_build", os.path.join(HERE, "extract-corpus", "build.py"))
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.pdf_document([build.text_page(lines) for lines in pages])  # type: ignore[no-any-return]


def long_policy(pages: int, lines_per_page: int = 56) -> list[list[str]]:
    """The Maple Falls fixture, its sections renumbered and repeated, wrapped at 95 characters,
    with a running head and a page footer on every page."""
    import textwrap

    with open(FIXTURE, encoding="utf-8") as fh:
        body = fh.read().splitlines()[3:]
    lines: list[str] = []
    part = 0
    while len(lines) < pages * (lines_per_page - 3):
        part += 1
        for line in body:
            if line[:1].isdigit():
                line = f"{part}{line[1:]}" if part < 10 else f"{part}.{line}"
            lines.extend(textwrap.wrap(line, 95) or [""])
    out = []
    per = lines_per_page - 3
    for n in range(pages):
        out.append(["Maple Falls Police Department - General Order 2-17", ""]
                   + lines[n * per:(n + 1) * per] + [f"Page {n + 1} of {pages}"])
    return out


def time_pdf(pages: int) -> None:
    """Time extract (PDF text extraction included) on a generated PDF of ``pages`` pages."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        print("\npypdf is not installed: no PDF timing (pip install 'policylint[sources]').")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long-policy.pdf")
        with open(path, "wb") as fh:
            fh.write(pdf_bytes(long_policy(pages)))
        agency = Agency("Maple Falls Police Department", "MA")
        started = time.perf_counter()
        draft = draft_from_file(path, agency, os.path.join(tmp, "draft.yaml"))
        cold = time.perf_counter() - started
        runs = []
        for _ in range(3):  # text memoised by hash: these time splitting and matching alone
            started = time.perf_counter()
            extract_text(draft.extraction.source.text, True)
            runs.append(time.perf_counter() - started)
        size = os.path.getsize(path)
    units = sum(1 for u in draft.extraction.units if u.kind == "sentence")
    print(f"\n### Time on a {pages}-page PDF\n")
    print(f"{pages} pages, {size:,} bytes, {units:,} sentences: extract from the file (pypdf text "
          f"extraction included) {cold:.2f} s; splitting and matching alone {min(runs):.2f} s "
          f"(best of 3).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", help="folders of hand encodings (default: %(default)s)")
    parser.add_argument("--no-timing", action="store_true", help="skip the PDF timing")
    parser.add_argument("--pages", type=int, default=20, help="pages of the timed PDF")
    args = parser.parse_args(argv)
    folders = args.folders or [os.path.join(REPO, f) for f in DEFAULT_FOLDERS
                               if os.path.isdir(os.path.join(REPO, f))]
    report(folders)
    if not args.no_timing:
        time_pdf(args.pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
