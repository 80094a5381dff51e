"""`policylint extract`: a draft encoding proposed from an instrument's own text, for review."""

from __future__ import annotations

import os
from dataclasses import dataclass

from policylint.errors import UsageError
from policylint.extract.draft import document, render, summary
from policylint.extract.propose import Extraction, extract_text
from policylint.load.archive import read_archive
from policylint.report.scaffold import Agency, kept_schema, schema_ref
from policylint.schema.taxonomy import load_taxonomy

__all__ = ["Draft", "draft_from_file", "extract_text", "read_source"]

#: The file kinds `extract` reads: those an archive may be.
FORMATS = ("txt", "md", "html", "htm", "pdf", "docx")


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft document for one source: its YAML text, what was found, and warnings."""

    text: str
    extraction: Extraction
    archive: str
    sha256: str
    warnings: tuple[str, ...]

    @property
    def summary(self) -> str:
        return summary(self.extraction)


def read_source(path: str) -> tuple[str, bool, str]:
    """``(text, paged, sha256)`` of the source file, read as an archive is (same limits, same
    extraction, memoised by hash); a UsageError says why a file cannot be read."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in FORMATS:
        raise UsageError(f"{path}: `.{ext or '(none)'}` files cannot be read; give a "
                         f"{', '.join('.' + f for f in FORMATS)} file")
    real = os.path.realpath(path)
    if not os.path.exists(real):
        raise UsageError(f"{path}: no such file")
    got = read_archive(real, os.path.basename(real))
    if got.problem is not None or got.sha256 is None:
        raise UsageError(f"{path}: {got.reason}")
    if not got.text.strip():
        raise UsageError(f"{path}: the file holds no text")
    return got.text, got.paged, got.sha256


def archive_reference(source: str, output: str | None) -> tuple[str, str | None]:
    """The source's path relative to the draft's folder (``/`` separators), and a warning
    when `check` will not read it there (archives must sit inside the document's folder)."""
    folder = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    rel = os.path.relpath(os.path.abspath(source), folder).replace(os.sep, "/")
    # The test `check` applies (policylint.load.archive.locate): inside the folder once links
    # are followed.
    base, target = os.path.realpath(folder), os.path.realpath(source)
    warning = None
    if rel.startswith("../") or os.path.commonpath([base, target]) != base:
        warning = (f"the source is outside the draft's folder ({rel}): `check` reads an archive only "
                   "inside the document's folder, so move the source (or the draft) before checking")
    return rel, warning


def draft_from_file(source: str, agency: Agency, output: str | None = None,
                    instrument_kind: str | None = None) -> Draft:
    """Read ``source`` and write nothing: the draft for ``agency`` as YAML text."""
    if instrument_kind is not None:
        kinds = [t.value for t in load_taxonomy().instrument_kinds]
        if instrument_kind not in kinds:
            raise UsageError(f"unknown instrument kind `{instrument_kind}`; choose from: {', '.join(kinds)}")
    text, paged, sha = read_source(source)
    extraction = extract_text(text, paged)
    archive, warning = archive_reference(source, output)
    data = document(extraction, agency, archive, sha, os.path.basename(source), instrument_kind)
    target = output or os.path.join(os.getcwd(), "draft.yaml")
    kept, exists = kept_schema(os.path.dirname(os.path.abspath(target)))
    ref = schema_ref(target, kept) if exists else None  # the editor line `init` writes
    return Draft(render(data, ref), extraction, archive, sha, (warning,) if warning else ())
