"""The extract corpus (benchmarks/extract-corpus/) and the held-out set
(benchmarks/extract-heldout/): invented policies whose hand encodings are valid, quote their
archived text verbatim and pin it by SHA-256 (issue 17 §5)."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from policylint.load.archive import read_archive
from policylint.load.limits import Limits
from policylint.load.loader import load_path
from policylint.rules.engine import Selection
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions
from policylint.schema.validate import validate

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "extract-corpus"
#: Written without looking at extract or its cues, and never tuned on: held-out accuracy.
HELDOUT = ROOT / "benchmarks" / "extract-heldout"
FOLDERS = (CORPUS, HELDOUT)
ENCODINGS = sorted(p for folder in FOLDERS for p in folder.glob("*.yaml"))
#: Findings of the `sources` pack that say an encoding does not rest on its archived text.
BROKEN = {"quote-not-in-source", "section-not-in-source", "archive-missing", "archive-changed",
          "archive-unreadable"}
NOTICE = "INVENTED FOR MEASUREMENT"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _data(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _archive(path: Path) -> Path:
    return path.parent / _data(path)["instrument"]["source"]["archive"]


@lru_cache(maxsize=None)
def _source_findings(path: Path) -> tuple[Any, ...]:
    # Only the sources pack; a generous rule budget, as a busy machine may be slow (no timing here).
    opts = CheckOptions(jobs=1, selection=Selection(packs=("sources",)), limits=Limits(max_rule_seconds=60))
    [result] = check_paths([str(path)], opts)
    return tuple(result.findings)


@pytest.mark.parametrize("folder", FOLDERS, ids=_rel)
def test_the_corpus_has_ten_to_twelve_documents(folder: Path) -> None:
    encodings = sorted(folder.glob("*.yaml"))
    assert 10 <= len(encodings) <= 12, [p.name for p in encodings]


@pytest.mark.parametrize("path", ENCODINGS, ids=_rel)
def test_encoding_is_valid(path: Path) -> None:
    result = load_path(str(path), display=_rel(path))
    assert result.document is not None, [f.message for f in result.findings]
    problems = [*result.findings, *validate(result.document).findings]
    assert not problems, "\n".join(f"{_rel(path)}:{f.line}:{f.column} {f.rule} {f.message}" for f in problems)


@pytest.mark.parametrize("path", ENCODINGS, ids=_rel)
def test_encoding_rests_on_its_whole_archived_text(path: Path) -> None:
    instrument = _data(path)["instrument"]
    source = instrument["source"]
    assert instrument.get("text_read") == "full"
    archive = _archive(path)
    assert archive.is_file() and archive.parent == path.parent, f"{_rel(path)}: archive {source['archive']!r}"
    assert source["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest(), (
        f"{_rel(path)}: sha256 is not the archive's; if the text changed on purpose, re-read it "
        "against the encoding and update the hash")


@pytest.mark.parametrize("path", ENCODINGS, ids=_rel)
def test_every_quote_and_section_is_in_the_archived_text(path: Path) -> None:
    if _archive(path).suffix == ".pdf":
        pytest.importorskip("pypdf")
    broken = [f for f in _source_findings(path) if f.rule in BROKEN]
    assert not broken, "\n".join(f"{_rel(path)}:{f.line}:{f.column} {f.rule} {f.message}" for f in broken)


@pytest.mark.parametrize("path", ENCODINGS, ids=_rel)
def test_the_text_says_first_that_it_is_invented(path: Path) -> None:
    archive = _archive(path)
    if archive.suffix == ".pdf":
        pytest.importorskip("pypdf")
    read = read_archive(str(path), archive.name)
    assert read.problem is None, read.reason
    first = read.text.lstrip().split("\n", 1)[0]
    assert first.startswith(NOTICE) and "not a real" in first, f"{archive.name}: {first!r}"
    assert path.read_text("utf-8").startswith(f"# {NOTICE}"), f"{_rel(path)}: first line"


def test_a_changed_quote_is_caught(tmp_path: Path) -> None:
    """The check above can fail: one letter changed in one quote is reported."""
    original = CORPUS / "ashcombe-general-order.yaml"
    shutil.copy(_archive(original), tmp_path)
    text = original.read_text("utf-8")
    changed = text.replace("shall work only on criminal investigations",
                           "shall work only on criminal investigationz", 1)
    assert changed != text
    (tmp_path / original.name).write_text(changed, "utf-8")
    found = _source_findings(tmp_path / original.name)
    assert [f.rule for f in found if f.rule in BROKEN] == ["quote-not-in-source"]


@pytest.mark.parametrize("folder", FOLDERS, ids=_rel)
def test_built_sources_match_their_layouts(folder: Path) -> None:
    """The PDF and the .docx are what build.py makes from their layouts, byte for byte."""
    spec = importlib.util.spec_from_file_location(f"build_{folder.name.replace('-', '_')}",
                                                  folder / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    outputs = build.outputs()
    assert {p.suffix for p in outputs} == {".pdf", ".docx"}
    for path, data in outputs.items():
        assert path.parent == folder
        assert path.read_bytes() == data, f"{_rel(path)} differs from its layout: run build.py"


@pytest.mark.parametrize("folder", FOLDERS, ids=_rel)
def test_readme_lists_every_document(folder: Path) -> None:
    readme = (folder / "README.md").read_text("utf-8")
    assert NOTICE.lower() in readme.lower() or "invented" in readme.lower()
    missing = [p.name for p in sorted(folder.glob("*.yaml"))
               if p.name not in readme or _archive(p).name not in readme]
    assert not missing, f"{_rel(folder)}/README.md does not list: {missing}"


def test_the_held_out_set_shares_no_document_with_the_tuned_corpus() -> None:
    """A held-out source or encoding that is also in the corpus extract is tuned on would not
    be held out (the README and the build script aside)."""
    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    tuned = [p for p in CORPUS.iterdir() if p.is_file()]
    documents = [p for p in HELDOUT.iterdir() if p.is_file() and p.name not in {"README.md", "build.py"}]
    assert len(documents) >= 20
    shared = [p.name for p in documents
              if p.name in {q.name for q in tuned} or digest(p) in {digest(q) for q in tuned}]
    assert not shared, shared
