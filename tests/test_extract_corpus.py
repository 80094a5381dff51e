"""The extract corpus (benchmarks/extract-corpus/): invented policies whose hand encodings are
valid, quote their archived text verbatim and pin it by SHA-256 (issue 17 §5)."""

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
ENCODINGS = sorted(CORPUS.glob("*.yaml"))
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


def test_the_corpus_has_ten_to_twelve_documents() -> None:
    assert 10 <= len(ENCODINGS) <= 12, [p.name for p in ENCODINGS]


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
    assert archive.is_file() and archive.parent == CORPUS, f"{_rel(path)}: archive {source['archive']!r}"
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


def test_built_sources_match_their_layouts() -> None:
    """The PDF and the .docx are what build.py makes from their layouts, byte for byte."""
    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for path, data in build.outputs().items():
        assert path.read_bytes() == data, f"{_rel(path)} differs from its layout: run build.py"


def test_readme_lists_every_document() -> None:
    readme = (CORPUS / "README.md").read_text("utf-8")
    assert NOTICE.lower() in readme.lower() or "invented" in readme.lower()
    missing = [p.name for p in ENCODINGS if p.name not in readme or _archive(p).name not in readme]
    assert not missing, f"benchmarks/extract-corpus/README.md does not list: {missing}"
