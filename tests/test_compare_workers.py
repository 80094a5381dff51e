"""compare's rows made in the pool workers, counts made as rows arrive, state pages written
on several processes, and the state pages of an earlier run removed (and nothing else)."""

from __future__ import annotations

import dataclasses
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from policylint.compare import coverage, render_pages
from policylint.compare.model import Shaping, build
from policylint.compare.run import CompareSettings, check_options, run_compare
from policylint.compare.summary import RowChecker, RowResult, collect
from policylint.compare.totals import Totals, facts
from policylint.rules.registry import load_registry
from policylint.run.parallel import POOL_THRESHOLD

REPO = Path(__file__).resolve().parents[1]
MA = REPO / "examples" / "ma"
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402 - found through the path set just above

pytestmark = pytest.mark.slow  # real pools of processes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough generated documents for a pool, a few of them in two versions (the same
    agency in two files), and Massachusetts's examples (Lynn has two versions)."""
    root = tmp_path_factory.mktemp("corpus")
    for serial in range(1, POOL_THRESHOLD + 11):
        (root / f"agency-{serial:03d}.yaml").write_text(document(5, serial, None, 0.02, 0.5), "utf-8")
    old = root / "old"
    old.mkdir()
    for serial in range(1, 6):
        (old / f"agency-{serial:03d}.yaml").write_text(document(5, serial, None, 0.02, 0.5), "utf-8")
    return root


def options(jobs: int) -> Any:
    return dataclasses.replace(check_options((), (), None, True), jobs=jobs)


def built(paths: list[str], jobs: int, workers: bool, **shape: Any) -> Any:
    """The comparison with rows made in the workers (``workers``) or here from plain results."""
    opts = options(jobs)
    registry = load_registry(opts.rule_dirs, opts.cache_dir)
    checker = partial(RowChecker, shaping=Shaping(".", shape.get("filters") or {}, shape.get("sort", "name"),
                                                  shape.get("group_by", "none"))) if workers else None
    results = collect(paths, opts, None, checker) if checker else collect(paths, opts)
    return build(results, registry, **shape)


SHAPES = ({}, {"sort": "score", "group_by": "state"}, {"filters": {"kind": frozenset({"municipal_police"})}},
          {"sort": "population", "filters": {"state": frozenset({"ma", "ca", "tx", "ny"})}})


@pytest.mark.parametrize("shape", SHAPES)
def test_rows_made_in_the_workers_equal_rows_made_in_one_process(corpus: Path, shape: dict[str, Any]) -> None:
    paths = [str(corpus), str(MA)]
    with built(paths, 2, True, **shape) as pooled, built(paths, 1, False, **shape) as local:
        assert [r.file for r in pooled.rows] == [r.file for r in local.rows]
        assert list(pooled.rows) == list(local.rows)  # every cell, score and earlier version
        assert any(r.history for r in local.rows)
        assert pooled.coverage == local.coverage
        assert (pooled.topics, pooled.rules, pooled.packs) == (local.topics, local.rules, local.packs)
        assert [(g, [r.file for r in rows]) for g, rows in pooled.groups] == \
            [(g, [r.file for r in rows]) for g, rows in local.groups]


def test_the_pool_sends_rows_not_findings(corpus: Path) -> None:
    opts = options(2)
    results = list(collect([str(corpus)], opts, None, partial(RowChecker, shaping=Shaping())))
    assert results and all(isinstance(r, RowResult) and r.arrival is not None and not r.findings
                           for r in results)


@pytest.mark.parametrize("shape", SHAPES)
def test_counts_made_on_arrival_equal_counts_of_the_rows_shown(corpus: Path, shape: dict[str, Any]) -> None:
    """Coverage, rules and topics are counted as rows arrive; versions that are not their
    agency's current one, and agencies whose current version is filtered out, are taken back."""
    with built([str(corpus), str(MA)], 1, True, all_topics=True, **shape) as c:
        held = c.held()
        assert c.coverage == coverage.count(held.rows, c.topics)
        assert {col.id for col in c.rules} == {rid for r in held.rows for rid, cell in r.rules.items()
                                                if cell.state != "not_selected"}
        assert c.totals.coded_topics() == {k for r in held.rows for k, cell in r.topics.items() if cell.coded}
        states = c.totals.shown_states()
        assert sum(s.agencies for s in states.values()) == len(held.rows)


def test_an_agency_whose_current_version_is_filtered_out_is_not_counted(tmp_path: Path) -> None:
    """The filter keeps only the earlier version: the agency is not shown, and the counts
    taken as the earlier version arrived are taken back."""
    text = (MA / "lynn-updated-directive.yaml").read_text("utf-8")
    assert "  kind: municipal_police\n" in text
    (tmp_path / "a-old.yaml").write_text(text.replace("  kind: municipal_police\n", "  kind: sheriff\n"), "utf-8")
    (tmp_path / "b-new.yaml").write_text(text, "utf-8")
    with built([str(tmp_path)], 1, True, filters={"kind": frozenset({"sheriff"})}) as c:
        assert len(c.rows) == 0 and c.coverage.agencies == 0 and not c.rules
        assert c.totals.shown_states() == {}
    with built([str(tmp_path)], 1, True) as c:
        assert len(c.rows) == 1 and c.rows[0].file.endswith("b-new.yaml") and c.coverage.agencies == 1


def test_taking_a_row_back_undoes_adding_it(corpus: Path) -> None:
    with built([str(MA)], 1, True) as c:
        rows = c.held().rows
        totals = Totals()
        for r in rows:
            totals.add(facts(r))
        before = totals.coverage.result(c.topics)
        for r in rows[:3]:
            totals.add(facts(r))
        for r in rows[:3]:
            totals.add(facts(r), -1)
        assert totals.coverage.result(c.topics) == before
        totals.add(facts(rows[0]), -1)
        assert totals.coverage.result(c.topics).agencies == len(rows) - 1


def _settings(paths: list[Path], output: str) -> CompareSettings:
    return CompareSettings(paths=tuple(str(p) for p in paths), fmt="html", output=output)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_state_pages_written_on_several_processes_equal_those_written_in_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "3")
    run_compare(_settings([MA], f"{tmp_path}/one/"), options(1))
    run_compare(_settings([MA], f"{tmp_path}/many/"), options(2))
    one, many = _files(tmp_path / "one"), _files(tmp_path / "many")
    assert len(one) > 4 and one == many


def test_a_page_that_cannot_be_written_stops_the_run_with_a_usage_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.errors import UsageError

    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "3")
    out = tmp_path / "out"
    (out / "state-ma-2.html").mkdir(parents=True)  # a folder where a page goes
    with pytest.raises(UsageError, match="state-ma-2.html"):
        run_compare(_settings([MA], f"{out}/"), options(2))


def test_the_state_pages_of_an_earlier_run_go_and_nothing_else(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "2")
    run_compare(_settings([MA], f"{out}/"), options(1))
    earlier = {p.name for p in out.glob("state-*.html")}
    assert "state-ma-8.html" in earlier
    page = (out / "state-ma-8.html").read_bytes()
    # What must stay: a user's files, a one-file report the tool wrote under a page's name
    # (no state-page mark), a link to a page, a folder, a page-like file with another name.
    (out / "state-notes.html").write_text("<p>my notes</p>", "utf-8")
    (out / "state-ny.html").write_text('<meta name="generator" content="policylint 0.1">', "utf-8")
    elsewhere = tmp_path / "kept.html"
    elsewhere.write_bytes(page)
    os.symlink(elsewhere, out / "state-linked.html")
    (out / "state-dir.html").mkdir()
    (out / "state-MA-9.html").write_bytes(page)
    (out / "notes.txt").write_text("x", "utf-8")
    (out / "state-ma-8.html.bak").write_bytes(page)
    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "5")
    run_compare(_settings([MA], f"{out}/"), options(1))
    names = {p.name for p in out.iterdir()}
    assert {"state-ma.html", "state-ma-2.html", "state-ma-3.html", "state-ma-4.html"} <= names
    assert not any(f"state-ma-{n}.html" in names for n in range(5, 9))  # the earlier run's extra pages
    kept = {"state-notes.html", "state-ny.html", "state-linked.html", "state-dir.html", "state-MA-9.html",
            "notes.txt", "state-ma-8.html.bak", "index.html"}
    assert kept <= names
    assert elsewhere.read_bytes() == page and (out / "state-linked.html").is_symlink()
    # A comparison that fits one page, into the same folder: every page of the tool goes.
    monkeypatch.delenv(render_pages.PAGE_ROWS_VARIABLE)
    run_compare(_settings([MA], f"{out}/"), options(1))
    assert {p.name for p in out.iterdir()} == kept


def test_a_page_the_run_reads_is_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    page = out / "state-ma-3.html"
    page.write_bytes(b'<meta name="generator" content="policylint 0.1.0">\n'
                     + render_pages.STATE_PAGE_MARK)
    from policylint.compare.run import output_guard

    assert render_pages.remove_stale(str(out), set(), output_guard([str(page)])) == []
    assert page.exists()
    assert render_pages.remove_stale(str(out), set(), output_guard([])) == ["state-ma-3.html"]


def test_a_state_page_keeps_every_quote_once_and_links_its_table_to_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from markupsafe import escape

    monkeypatch.setenv(render_pages.PAGE_ROWS_VARIABLE, "5")
    run_compare(_settings([MA], f"{tmp_path}/out/"), options(1))
    pages = "".join(p.read_text("utf-8") for p in sorted((tmp_path / "out").glob("state-*.html")))
    with built([str(MA)], 1, True) as c:
        quotes = {cell.quote for r in c.rows for cell in r.topics.values() if cell.coded and cell.quote}
    assert quotes
    for quote in quotes:
        assert f"“{escape(quote)}”" in pages
    single = tmp_path / "one.html"
    monkeypatch.delenv(render_pages.PAGE_ROWS_VARIABLE)
    run_compare(_settings([MA], str(single)), options(1))
    one = single.read_text("utf-8")
    # The one-file report shows the evidence in the table's cell and in the agency's block;
    # a state page in the block only, its cell a link to the block.
    assert sum(one.count(f"“{escape(q)}”") for q in quotes) > sum(pages.count(f"“{escape(q)}”") for q in quotes)
    import re

    linked = 0
    for page in (tmp_path / "out").glob("state-*.html"):  # each cell links to a block of its own page
        text = page.read_text("utf-8")
        links = re.findall(r'<td class="v [^"]*" data-sort="\d+"><a class="vw" href="#(agency-\d+)"', text)
        assert all(f'<article class="agency" id="{anchor}"' in text for anchor in links)
        linked += len(links)
    assert linked


@pytest.mark.parametrize("state", ["fail", "suppressed", "pass", "not_selected"])
def test_a_rule_cell_made_in_python_is_the_markup_the_template_made(state: str) -> None:
    from policylint.compare.model import RuleCell
    from policylint.compare.render_html import environment, rule_td, rule_view

    cell = RuleCell(state, "error", 2, ("waived: <b>x</b>\x1b[2J",) if state == "suppressed" else (),
                    message='a <b>"x"</b> & \x1b[31m\u202e' if state == "fail" else None)
    v = rule_view(cell)
    template = environment().from_string('<td class="{{ v.css }}" title="{{ v.long }}">{{ v.short }}</td>')
    made = str(rule_td(cell))
    assert made == template.render(v=v)
    assert "\x1b" not in made and "\u202e" not in made and "<b>" not in made


def test_a_yaml_file_that_is_not_a_policy_is_skipped_as_before(corpus: Path, tmp_path: Path) -> None:
    """A walk's mkdocs.yml is skipped (and counted) with rows made in the workers too; named,
    it is a row as it always was."""
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(corpus, docs)
    (docs / "mkdocs.yml").write_text("site_name: Docs\n", "utf-8")
    opts = options(2)
    shaping = partial(RowChecker, shaping=Shaping())
    skipped: list[str] = []
    files = [r.file for r in collect([str(docs)], opts, skipped, shaping)]
    assert skipped == [str(docs / "mkdocs.yml")] and str(docs / "mkdocs.yml") not in files
    with built([str(docs / "mkdocs.yml"), str(MA / "amherst.yaml")], 1, True) as c:
        assert sorted(r.file.rsplit("/", 1)[-1] for r in c.rows) == ["amherst.yaml", "mkdocs.yml"]
    with built([str(docs / "mkdocs.yml"), str(MA / "amherst.yaml")], 1, False) as c:
        assert sorted(r.file.rsplit("/", 1)[-1] for r in c.rows) == ["amherst.yaml", "mkdocs.yml"]
