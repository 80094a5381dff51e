"""The HTML comparison as a folder (more agencies than one page holds) in a real headless
Chromium: the summary page loads clean and offline, the finder filters and links to the
agency's row on its state's page, and policy text (also in a state's name) runs nothing."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from policylint.compare.run import CompareSettings, check_options, run_compare

REPO = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile.yaml"
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402 - found through the path set just above

DOCUMENTS = 160
#: A page holds this many agencies here (100 by default), so a state of 80 takes several.
PAGE_ROWS = "30"
#: A state whose name would end the data block and start markup, were it not escaped.
HOSTILE_STATE = '"</script><b id=x>"'


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="policylint-national-") as tmp:
        root = Path(tmp)
        docs = root / "docs"
        docs.mkdir()
        for serial in range(1, DOCUMENTS + 1):
            # Most in one state (split into parts), the rest across the country.
            state = "MA" if serial % 2 else None
            (docs / f"agency-{serial:04d}.yaml").write_text(document(5, serial, state, 0.0, 0.5), "utf-8")
        (docs / "hostile.yaml").write_text(HOSTILE.read_text("utf-8"), "utf-8")
        (docs / "hostile-state.yaml").write_text(
            HOSTILE.read_text("utf-8").replace("  state: MA", f"  state: {HOSTILE_STATE}"), "utf-8")
        before = os.environ.get("POLICYLINT_COMPARE_PAGE_ROWS")
        os.environ["POLICYLINT_COMPARE_PAGE_ROWS"] = PAGE_ROWS
        try:
            options = check_options((), (), None, True)
            run_compare(CompareSettings(paths=(str(docs),), fmt="html", output=str(root / "out") + "/"), options)
        finally:
            if before is None:
                del os.environ["POLICYLINT_COMPARE_PAGE_ROWS"]
            else:
                os.environ["POLICYLINT_COMPARE_PAGE_ROWS"] = before
        yield root / "out"


def index_url(folder: Path) -> str:
    return (folder / "index.html").resolve().as_uri()


def choose(browser: Any, element: str, value: str) -> None:
    """Set a control of the finder as a reader would, and let the page hear of it."""
    browser.js(f"(() => {{ const el = document.getElementById({element!r}); el.value = {value!r};"
               "el.dispatchEvent(new Event('input', {bubbles: true})); })()")


def finder_rows(browser: Any) -> list[list[str]]:
    return browser.js("""Array.from(document.querySelectorAll('#t-find tbody tr')).map(tr =>
        [tr.querySelector('a').textContent, tr.cells[1].textContent, tr.querySelector('a').getAttribute('href')])""")


def test_the_folder_has_a_summary_and_pages_of_at_most_the_limit(folder: Path) -> None:
    pages = sorted(p.name for p in folder.glob("state-*.html"))
    assert "index.html" in os.listdir(folder) and len(pages) >= 4
    assert {"state-ma.html", "state-ma-2.html", "state-ma-3.html"} <= set(pages)
    for page in pages:
        assert (folder / page).read_text("utf-8").count('<article class="agency"') <= int(PAGE_ROWS)
    # The hostile state's page name is made of safe characters only.
    assert all(all(c.isalnum() or c in "-." for c in p) for p in pages)


def test_the_summary_loads_clean_offline_and_lists_every_state(browser: Any, folder: Path) -> None:
    url = index_url(folder)
    browser.goto(url)
    browser.drain()
    assert browser.console_errors() == []
    assert browser.requests() == [url]  # the page itself: its data is inside it
    total = DOCUMENTS + 2
    assert browser.js("document.getElementById('shown').textContent") == \
        f"{total} of {total} agencies match; showing the first 100"
    assert browser.js("document.querySelectorAll('#t-find tbody tr').length") == 100
    counts = browser.js("""Array.from(document.querySelectorAll('#t-states tbody tr')).map(tr =>
        [tr.getAttribute('data-state'), parseInt(tr.cells[1].textContent.replace(/,/g, ''), 10)])""")
    assert sum(n for _, n in counts) == total
    in_ma = sum(1 for p in (folder.parent / "docs").glob("*.yaml") if "\n  state: MA\n" in p.read_text("utf-8"))
    assert ["MA", in_ma] in counts and in_ma > 2 * int(PAGE_ROWS)
    # Every link of the states table opens a page of the folder.
    links = browser.js("Array.from(document.querySelectorAll('#t-states a')).map(a => a.getAttribute('href'))")
    assert links and all((folder / link).is_file() for link in links)
    browser.click("#more")
    assert browser.js("document.querySelectorAll('#t-find tbody tr').length") == total
    assert browser.js("document.getElementById('more').hidden") is True


def test_typing_and_choosing_filter_and_a_match_opens_its_row(browser: Any, folder: Path) -> None:
    browser.goto(index_url(folder))
    target = browser.js("JSON.parse(document.getElementById('agencies').textContent)[120]")
    name = target[0]
    browser.click("#q")
    browser.type_text(name.split()[0] + " " + name.split()[1])
    rows = finder_rows(browser)
    assert [r[0] for r in rows] == [name]
    assert browser.js("document.getElementById('shown').textContent").startswith("1 of ")
    browser.js("document.getElementById('q').select()")
    browser.key("Backspace", "Backspace", 8)
    # A state chosen in the list: exactly the state's agencies, as the states table counts them.
    choose(browser, "f-state", "MA")
    ma = browser.js("parseInt(document.querySelector('#t-states tr[data-state=MA]').cells[1].textContent, 10)")
    assert browser.js("document.getElementById('shown').textContent").startswith(f"{ma} of ")
    assert {r[1] for r in finder_rows(browser)} == {"MA"}
    # The match links to its row on its state's page, which loads clean and leads back.
    choose(browser, "f-state", "")
    choose(browser, "q", name)
    href = finder_rows(browser)[0][2]
    page, anchor = href.split("#")
    browser.click("#t-find tbody a")
    browser.wait_event("Page.loadEventFired")
    assert browser.js("window.location.href").endswith(href)
    assert browser.js(f"document.getElementById({anchor!r}).querySelector('h3').textContent").startswith(name)
    assert browser.js(f"document.querySelector('#t-summary tr[data-agency=\"{anchor.split('-')[1]}\"] .name').textContent") == name
    assert browser.console_errors() == []
    assert browser.js("document.querySelector('.back a').getAttribute('href')") == "index.html"
    # The state page is today's report: its filters work on its own rows.
    browser.click("#q")
    browser.type_text(name)
    assert browser.js("Array.from(document.querySelectorAll('#t-summary tr[data-agency]')).filter(tr => !tr.hidden).length") == 1


def test_policy_text_on_the_summary_runs_nothing(browser: Any, folder: Path) -> None:
    url = index_url(folder)
    browser.goto(url)
    choose(browser, "q", "hostile")
    rows = finder_rows(browser)
    assert len(rows) == 2 and all(r[0].startswith("<script>window.__pwned") for r in rows)
    assert HOSTILE_STATE.strip('"') in {r[1] for r in rows}  # the state's name, shown as its words
    browser.drain(0.3)
    assert browser.js("typeof window.__pwned") == "undefined"
    assert browser.js("document.getElementById('x')") is None
    assert browser.js("Array.from(document.scripts).filter(s => s.type !== 'application/json').length") == 1
    assert browser.js("document.images.length") == 0
    assert browser.js("document.querySelectorAll('[onerror],[onload],[onmouseover]').length") == 0
    assert browser.js("Array.from(document.links).filter(a => !/^file:/.test(a.href)).length") == 0
    assert browser.console_errors() == []
    assert browser.requests() == [url]
    # The hostile state's own page: nothing runs there either.
    link = browser.js("""Array.from(document.querySelectorAll('#t-states tr')).find(tr =>
        tr.getAttribute('data-state') && tr.getAttribute('data-state').indexOf('script') >= 0).querySelector('a').href""")
    browser.goto(link)
    browser.drain(0.3)
    assert browser.js("typeof window.__pwned") == "undefined" and browser.js("document.getElementById('x')") is None
    assert browser.console_errors() == []
