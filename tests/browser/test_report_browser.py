"""The HTML comparison report in a real headless Chromium: loads clean, sorts, filters, runs no policy text."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from policylint.compare.run import CompareSettings, check_options, run_compare

REPO = Path(__file__).resolve().parents[2]
MA = REPO / "examples" / "ma"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile.yaml"
TITLE = "Policy comparison"


def make_report(paths: list[Path], out: Path) -> str:
    options = check_options((), (), None, True)
    run_compare(CompareSettings(paths=tuple(str(p) for p in paths), fmt="html", output=str(out)), options)
    return out.resolve().as_uri()


@pytest.fixture(scope="module")
def reports() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="policylint-report-") as tmp:
        yield {"ma": make_report([MA], Path(tmp) / "ma.html"),
               "hostile": make_report([HOSTILE, MA / "boston.yaml"], Path(tmp) / "hostile.html")}


def rows_in(browser: Any, table: str) -> list[str]:
    return browser.js(f"""Array.from(document.querySelectorAll('#{table} tr[data-agency]'))
        .filter(tr => !tr.hidden).map(tr => tr.querySelector('.name').textContent)""")


def column(browser: Any, table: str, index: int) -> list[str]:
    return browser.js(f"""Array.from(document.querySelectorAll('#{table} tr[data-agency]'))
        .map(tr => tr.cells[{index}].getAttribute('data-sort'))""")


def test_report_loads_with_no_console_error_and_no_network_request(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.drain()
    assert browser.console_errors() == []
    assert browser.requests() == [reports["ma"]]  # the page itself, nothing else
    assert browser.js("document.title") == TITLE
    count = len(list(MA.glob("*.yaml")))
    assert browser.js("document.getElementById('controls').hidden") is False  # the script ran
    assert browser.js("document.getElementById('shown').textContent") == f"Showing {count} of {count} agencies"


def test_clicking_a_heading_sorts_the_table(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.click("#t-scores thead th:nth-child(3) button")  # Population
    values = [float(v) if v else None for v in column(browser, "t-scores", 2)]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[: len(known)] == known  # blanks last
    assert browser.js("document.querySelector('#t-scores thead th:nth-child(3)').getAttribute('aria-sort')") == "ascending"
    browser.click("#t-scores thead th:nth-child(3) button")
    values = [float(v) for v in column(browser, "t-scores", 2) if v]
    assert values == sorted(values, reverse=True)
    assert rows_in(browser, "t-scores")[0] == "Boston Police Department"  # the largest population
    # The topic matrix sorts by a topic's order of restrictiveness, not by the words.
    browser.click("#t-topics thead th:nth-child(2) button")
    orders = [int(v) for v in column(browser, "t-topics", 1)]
    assert orders == sorted(orders)


def test_sorting_works_from_the_keyboard(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.js("document.querySelector('#t-scores thead th:nth-child(1) button').focus()")
    browser.key("Enter", "Enter", 13, "\r")
    names = rows_in(browser, "t-scores")
    assert names == sorted(names, key=str.lower)
    assert browser.js("document.querySelector('#t-scores thead th:nth-child(1)').getAttribute('aria-sort')") == "ascending"
    browser.key("Enter", "Enter", 13, "\r")
    assert rows_in(browser, "t-scores") == sorted(names, key=str.lower, reverse=True)


def test_typing_and_choosing_filter_every_table(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.click("#q")
    browser.type_text("lynn")
    assert rows_in(browser, "t-scores") == ["Lynn Police Department"] * 2
    assert rows_in(browser, "t-topics") == ["Lynn Police Department"] * 2
    assert browser.js("document.getElementById('shown').textContent").startswith("Showing 2 of ")
    browser.js("document.getElementById('q').select()")
    browser.key("Backspace", "Backspace", 8)
    # Choose a county with the keyboard on the real <select>: the first county is Barnstable.
    browser.js("document.querySelector('select[data-filter=county]').focus()")
    browser.key("ArrowDown", "ArrowDown", 40)
    assert browser.js("document.querySelector('select[data-filter=county]').value") == "Barnstable"
    assert rows_in(browser, "t-scores") == ["Barnstable County Sheriff's Office"]
    shown = browser.js("""Array.from(document.querySelectorAll('tr[data-agency]:not([hidden]) .name'))
        .map(n => n.textContent)""")
    # One row in every table: scores, topics, and the rule table of each of its packs.
    assert set(shown) == {"Barnstable County Sheriff's Office"} and len(shown) >= 3
    assert browser.console_errors() == []


def test_hostile_policy_text_executes_nothing(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["hostile"])
    # Open every piece of evidence, as a reader would, so nothing stays inert by being hidden.
    browser.js("document.querySelectorAll('details').forEach(d => d.open = true)")
    browser.click("#t-topics tbody tr[data-agency] th")  # hover and click around the payloads
    browser.drain(0.5)
    assert browser.js("typeof window.__pwned") == "undefined"
    assert browser.js("document.title") == TITLE
    assert browser.js("document.scripts.length") == 1
    assert browser.js("document.images.length") == 0
    assert browser.js("document.querySelectorAll('[onerror],[onload],[onmouseover]').length") == 0
    assert browser.js("Array.from(document.links).filter(a => !/^(https?:|file:)/.test(a.href)).length") == 0
    text = browser.js("document.body.innerText")
    assert "<script>window.__pwned = 'quote'" in text  # shown as the words it is
    assert "javascript:window.__pwned = 'link'" in text
    assert "{{ 7 * 7 }}" in text
    assert browser.console_errors() == []  # not even a blocked script: nothing tried to run
    assert browser.requests() == [reports["hostile"]]


def test_screenshots_read_at_a_glance_on_a_desktop_and_a_phone(browser: Any, reports: dict[str, str],
                                                                tmp_path_factory: Any) -> None:
    # pytest keeps the last few temporary folders, so the pictures can be looked at after a run.
    out = Path(os.environ.get("POLICYLINT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    browser.goto(reports["ma"])
    browser.screenshot(out / "report-desktop.png")
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2,
                                                         "mobile": True})
    browser.goto(reports["ma"])
    # On a phone the page itself never scrolls sideways: only the wide tables do, in their frames.
    assert browser.js("document.documentElement.scrollWidth <= window.innerWidth")
    browser.screenshot(out / "report-phone.png")
    for name in ("report-desktop.png", "report-phone.png"):
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    print(json.dumps({"screenshots": str(out)}))
