"""compare at scale: rows read back from the spool, CSV and JSON written a row at a time, and
the HTML folder (a summary page and a page per state) when the agencies do not fit one page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from policylint.compare import render_json, render_pages
from policylint.compare.model import build
from policylint.compare.run import CompareSettings, check_options, render_chunks, run_compare
from policylint.compare.spool import Rows
from policylint.compare.summary import collect
from policylint.errors import UsageError
from policylint.rules.registry import load_registry

REPO = Path(__file__).resolve().parents[1]
MA = REPO / "examples" / "ma"
HOSTILE = REPO / "tests" / "browser" / "fixtures" / "hostile.yaml"


@pytest.fixture(scope="module")
def options() -> Any:
    return check_options((), (), None, True)


def compare(paths: list[Path], options: Any, **kw: Any) -> Any:
    registry = load_registry(options.rule_dirs, options.cache_dir)
    return build(collect([str(p) for p in paths], options), registry, **kw)


def test_rows_are_read_from_the_spool_each_time_and_hold_their_versions(options: Any) -> None:
    with compare([MA], options, group_by="county") as c:
        assert isinstance(c.rows, Rows) and all(isinstance(rows, Rows) for _, rows in c.groups)
        first, again = list(c.rows), list(c.rows)
        assert [r.file for r in first] == [r.file for r in again] and first[0] is not again[0]
        assert [r.index for r in first] == list(range(len(first)))
        lynn = next(r for r in first if r.name == "Lynn Police Department")
        assert [v.index for v in lynn.history] == [-1] and lynn.history[0].file.endswith("lynn-2025-11.yaml")
        held = c.held()
        assert isinstance(held.rows, list) and [r.file for r in held.rows] == [r.file for r in first]
        assert sum(len(rows) for _, rows in held.groups) == len(first)
    assert c.spool.fh is None  # closed: the temporary file is gone


def test_json_is_written_a_row_at_a_time_and_stays_one_document(options: Any) -> None:
    with compare([MA], options, group_by="county") as c:
        pieces = list(render_chunks(c, "json", "t"))
        assert len(pieces) >= len(c.rows) + 2  # the envelope, each agency, the end
        data = json.loads("".join(pieces))
        assert data == json.loads(json.dumps(render_json.report(c)))
        assert [a["name"] for a in data["agencies"]] == [r.name for r in c.rows]
        assert data["coverage"]["agencies"] == len(data["agencies"]) == len(c.rows)


def test_csv_is_written_in_pieces(options: Any) -> None:
    with compare([MA], options) as c:
        pieces = [p for p in render_chunks(c, "csv", "t") if p]
        text = "".join(pieces)
        assert text.count("\r\n") >= len(c.rows) + 1
        assert text.startswith("Agency,File,")


def _settings(paths: list[Path], output: str | None) -> CompareSettings:
    return CompareSettings(paths=tuple(str(p) for p in paths), fmt="html", output=output)


def test_more_agencies_than_a_page_make_a_folder_of_pages(options: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "5")
    run_compare(_settings([MA], f"{tmp_path}/out/"), options)
    out = tmp_path / "out"
    pages = sorted(p.name for p in out.glob("state-*.html"))
    assert pages == ["state-ma-2.html", "state-ma-3.html", "state-ma-4.html", "state-ma.html"]
    blocks = [(out / p).read_text("utf-8").count('<article class="agency"') for p in pages]
    assert sum(blocks) == 16 and max(blocks) == 5
    index = (out / "index.html").read_text("utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="agencies">(.*?)</script>', index, re.S)[1])
    assert len(data) == 16
    for line in data:  # every match links to its own row on its state's page
        page, anchor = line[-1].split("#")
        assert f'<article class="agency" id="{anchor}"' in (out / page).read_text("utf-8")
        assert str(escape(line[0])) in (out / page).read_text("utf-8")
    assert 'href="index.html"' in (out / "state-ma-2.html").read_text("utf-8")


def test_a_file_output_gets_its_pages_beside_it(options: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "10")
    run_compare(_settings([MA], str(tmp_path / "my report.html")), options)
    assert (tmp_path / "my report.html").is_file()
    assert sorted(p.name for p in (tmp_path / "my report-pages").iterdir()) == ["state-ma-2.html", "state-ma.html"]
    index = (tmp_path / "my report.html").read_text("utf-8")
    assert 'href="my%20report-pages/state-ma.html"' in index
    assert 'href="../my%20report.html"' in (tmp_path / "my report-pages" / "state-ma.html").read_text("utf-8")


def test_a_small_comparison_to_a_folder_is_the_one_page_report(options: Any, tmp_path: Path) -> None:
    run_compare(_settings([MA], f"{tmp_path}/out/"), options)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.html"]
    assert (tmp_path / "out" / "index.html").read_text("utf-8").count('<article class="agency"') == 16


def test_a_folder_report_cannot_go_to_standard_output(options: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "5")
    with pytest.raises(UsageError, match="folder of pages"):
        run_compare(_settings([MA], None), options)


def test_a_state_name_cannot_end_the_data_or_name_a_file_outside(options: Any, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "1")
    docs = tmp_path / "docs"
    docs.mkdir()
    text = HOSTILE.read_text("utf-8")
    (docs / "a.yaml").write_text(text.replace("  state: MA", '  state: "</script><b>"'), "utf-8")
    (docs / "b.yaml").write_text(text.replace("  state: MA", '  state: "../../x"'), "utf-8")
    run_compare(_settings([docs], f"{tmp_path}/out/"), options)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.html", "state-script-b.html",
                                                                     "state-x.html"]
    index = (tmp_path / "out" / "index.html").read_text("utf-8")
    block = re.search(r'<script type="application/json" id="agencies">(.*?)</script>', index, re.S)[1]
    assert "<" not in block and [line[3] for line in json.loads(block)] == ["</script><b>", "../../x"]
    assert "<b>" not in index.replace("&lt;b&gt;", "")
    assert not (tmp_path / "x").exists()
