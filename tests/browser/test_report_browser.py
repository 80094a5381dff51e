"""The HTML comparison report in a real headless Chromium: loads clean, sorts, filters every
summary, keeps one row per agency, explains every word, fits a phone, prints, runs no policy text."""

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
SURVEY = REPO / "examples" / "survey"
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
               "survey": make_report([SURVEY], Path(tmp) / "survey.html"),
               "hostile": make_report([HOSTILE, MA / "boston.yaml"], Path(tmp) / "hostile.html")}


def agencies(path: Path) -> set[str]:
    """The distinct agencies of a folder of documents (versions of one agency count once)."""
    import yaml

    return {yaml.safe_load(p.read_text(encoding="utf-8"))["agency"]["name"] for p in path.glob("*.yaml")}


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
    count = len(agencies(MA))
    assert count == len(list(MA.glob("*.yaml"))) - 1  # two versions of Lynn are one agency
    assert browser.js("document.getElementById('controls').hidden") is False  # the script ran
    assert browser.js("document.getElementById('shown').textContent") == f"Showing {count} of {count} agencies"


def test_clicking_a_heading_sorts_the_table(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.click("#t-summary thead th:nth-child(3) button")  # Population
    values = [float(v) if v else None for v in column(browser, "t-summary", 2)]
    known = [v for v in values if v is not None]
    assert known == sorted(known) and values[: len(known)] == known  # blanks last
    assert browser.js("document.querySelector('#t-summary thead th:nth-child(3)').getAttribute('aria-sort')") == "ascending"
    browser.click("#t-summary thead th:nth-child(3) button")
    values = [float(v) for v in column(browser, "t-summary", 2) if v]
    assert values == sorted(values, reverse=True)
    assert rows_in(browser, "t-summary")[0] == "Boston Police Department"  # the largest population
    # The topic matrix sorts by a topic's order of restrictiveness, not by the words.
    browser.click("#t-topics thead th:nth-child(2) button")
    orders = [int(v) for v in column(browser, "t-topics", 1)]
    assert orders == sorted(orders)


def test_sorting_works_from_the_keyboard(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.js("document.querySelector('#t-summary thead th:nth-child(1) button').focus()")
    browser.key("Enter", "Enter", 13, "\r")
    names = rows_in(browser, "t-summary")
    assert names == sorted(names, key=str.lower)
    assert browser.js("document.querySelector('#t-summary thead th:nth-child(1)').getAttribute('aria-sort')") == "ascending"
    browser.key("Enter", "Enter", 13, "\r")
    assert rows_in(browser, "t-summary") == sorted(names, key=str.lower, reverse=True)


def test_typing_and_choosing_filter_every_table(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.click("#q")
    browser.type_text("lynn")
    assert rows_in(browser, "t-summary") == ["Lynn Police Department"]
    assert rows_in(browser, "t-topics") == ["Lynn Police Department"]
    assert browser.js("document.getElementById('shown').textContent").startswith("Showing 1 of ")
    browser.js("document.getElementById('q').select()")
    browser.key("Backspace", "Backspace", 8)
    # Choose a county with the keyboard on the real <select>: the first county is Barnstable.
    browser.js("document.querySelector('select[data-filter=county]').focus()")
    browser.key("ArrowDown", "ArrowDown", 40)
    assert browser.js("document.querySelector('select[data-filter=county]').value") == "Barnstable"
    assert rows_in(browser, "t-summary") == ["Barnstable County Sheriff's Office"]
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


#: Every count the page shows with the agencies behind it, checked against the rows shown.
COUNTS = """(() => {
  const visible = new Set(Array.from(document.querySelectorAll('#t-summary tr[data-agency]'))
    .filter(tr => !tr.hidden).map(tr => tr.getAttribute('data-agency')));
  const wrong = [];
  document.querySelectorAll('[data-members]').forEach(el => {
    const want = (el.getAttribute('data-members') || '').split(' ').filter(i => i && visible.has(i)).length;
    const shown = el.tagName === 'g' ? parseInt(el.querySelector('text').textContent || '0', 10) : parseInt(el.textContent, 10);
    if (shown !== want && !(el.tagName === 'g' && want === 0)) wrong.push([el.tagName, el.getAttribute('data-members'), shown, want]);
  });
  const stacks = Array.from(document.querySelectorAll('svg[data-stack]')).map(svg =>
    Array.from(svg.querySelectorAll('g[data-members]')).filter(g => g.getAttribute('display') !== 'none')
      .reduce((sum, g) => sum + parseFloat(g.querySelector('rect').getAttribute('width')), 0));
  return {visible: visible.size, wrong: wrong, stacks: stacks,
          headline: parseInt(document.querySelector('#headline strong').textContent, 10),
          total: parseInt(document.querySelector('#t-status tfoot td:last-child').textContent, 10),
          legends: Array.from(document.querySelectorAll('figure.bar .legend')).map(p =>
            Array.from(p.querySelectorAll('[data-members]')).reduce((s, e) => s + parseInt(e.textContent, 10), 0)),
          hists: Array.from(document.querySelectorAll('svg[data-hist]')).map(svg =>
            Array.from(svg.querySelectorAll('g[data-members] text')).reduce((s, t) => s + (parseInt(t.textContent, 10) || 0), 0))};
})()"""


def test_a_filter_updates_every_summary_and_the_address_keeps_it(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    before = browser.js(COUNTS)
    assert before["wrong"] == [] and before["visible"] == before["headline"] == before["total"] == len(agencies(MA))
    assert set(before["legends"]) == {before["visible"]}
    browser.js("const s = document.querySelector('select[data-filter=county]'); s.value = 'Middlesex';"
               "s.dispatchEvent(new Event('change', {bubbles: true}))")
    after = browser.js(COUNTS)
    middlesex = browser.js("""Array.from(document.querySelectorAll('#t-summary tr[data-agency]'))
        .filter(tr => !tr.hidden).map(tr => tr.getAttribute('data-county'))""")
    assert set(middlesex) == {"Middlesex"} and 0 < after["visible"] < before["visible"]
    # The headline, the coverage tables, every bar, its legend and every histogram recount.
    assert after["wrong"] == [], after["wrong"]
    assert after["headline"] == after["total"] == after["visible"] == len(middlesex)
    assert set(after["legends"]) == {after["visible"]}
    assert all(abs(w - 100) < 0.1 for w in after["stacks"])
    assert all(h <= after["visible"] for h in after["hists"]) and after["hists"] != before["hists"]
    assert not browser.js("Array.from(document.querySelectorAll('article.agency')).some(a => !a.hidden && a.querySelector('h3').textContent.indexOf('Boston') === 0)")
    # The address carries the filter: a link opens the same view.
    url = browser.js("window.location.href")
    assert "county=Middlesex" in url
    browser.goto(url)
    assert browser.js("document.querySelector('select[data-filter=county]').value") == "Middlesex"
    assert browser.js(COUNTS)["visible"] == after["visible"]
    assert browser.console_errors() == []


def test_one_row_per_agency_with_its_history(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    names = rows_in(browser, "t-summary")
    assert sorted(names) == sorted(agencies(MA)) and len(names) == len(set(names))
    assert rows_in(browser, "t-topics") == names
    lynn = "Array.from(document.querySelectorAll('#t-summary tr[data-agency]')).find(tr => tr.querySelector('.name').textContent === 'Lynn Police Department')"
    assert browser.js(f"{lynn}.querySelector('details.versions summary').textContent") == "2 versions"
    browser.js(f"{lynn}.querySelector('details.versions').open = true")
    items = browser.js(f"Array.from({lynn}.querySelectorAll('details.versions li')).map(li => li.textContent)")
    assert len(items) == 2 and "lynn-updated-directive.yaml" in items[0] and "lynn-2025-11.yaml" in items[1]
    assert browser.js("document.querySelectorAll('article.agency').length") == len(names)


def test_every_value_word_and_pack_explains_itself(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    missing = browser.js("""Array.from(document.querySelectorAll('.vw'))
        .filter(el => !/^[^:]+: .{6,}/.test(el.getAttribute('title') || '')).map(el => el.textContent)""")
    assert missing == []
    # Every value in the topic table is a word with a meaning, and every word has a legend line.
    cells = browser.js("document.querySelectorAll('#t-topics td.v').length")
    assert cells and browser.js("document.querySelectorAll('#t-topics td.v .vw').length") == cells
    legend = set(browser.js("Array.from(document.querySelectorAll('#legend .vw')).map(e => e.textContent)"))
    shown = set(browser.js("Array.from(document.querySelectorAll('#t-topics td.v .vw')).map(e => e.textContent)"))
    assert shown <= legend
    packs = browser.js("Array.from(document.querySelectorAll('.pk')).map(el => el.getAttribute('title') || '')")
    assert packs and all("(pack id: " in t for t in packs)
    # Column heads are titles, not ids; the id is in the tooltip.
    heads = browser.js("Array.from(document.querySelectorAll('#t-summary thead th, #t-scores thead th')).map(th => th.textContent)")
    assert not any(h.strip() in ("ma-lunn", "us-1373", "drafting") for h in heads)
    assert any("Lunn v. Commonwealth" in h for h in heads)
    rule_heads = browser.js("Array.from(document.querySelectorAll('.rules th.rh')).map(th => [th.textContent, th.title])")
    assert rule_heads and all("rule id: " in t and "-" not in h.split("×")[0].strip().split(" ")[0][:1] for h, t in rule_heads)


def _overflow(browser: Any) -> Any:
    """Elements that reach past the right edge of the screen, outside a scroll frame that says so."""
    return browser.js("""(() => {
      const width = window.innerWidth, out = [];
      document.querySelectorAll('body *').forEach(el => {
        const r = el.getBoundingClientRect();
        if (!r.width || r.right <= width + 1) return;
        const frame = el.closest('.wrap');
        const cue = frame && frame.querySelector(':scope > .cue');
        if (frame && frame.classList.contains('overflows') && cue && getComputedStyle(cue).display !== 'none'
            && frame.getBoundingClientRect().right <= width + 1) return;
        out.push(el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 40));
      });
      return {page: document.documentElement.scrollWidth, width: width, out: out.slice(0, 10)};
    })()""")


def test_a_phone_never_scrolls_sideways_outside_a_frame_that_says_so(browser: Any, reports: dict[str, str]) -> None:
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 2,
                                                         "mobile": True})
    browser.goto(reports["ma"])
    found = _overflow(browser)
    assert found["page"] <= found["width"] and found["out"] == [], found
    # The summary is one card per agency: its numbers are on screen, labelled.
    cards = browser.js("""Array.from(document.querySelectorAll('#t-summary tr[data-agency]')).slice(0, 3).map(tr =>
        [tr.getBoundingClientRect().width, getComputedStyle(tr.cells[4], '::before').content])""")
    assert all(w <= 390 and "Violations of law" in label for w, label in cards)
    # An opened quote stays inside its cell.
    browser.js("document.querySelectorAll('#t-topics details').forEach(d => d.open = true)")
    spill = browser.js("""Array.from(document.querySelectorAll('#t-topics details blockquote, #t-topics details .cite'))
        .filter(q => q.getBoundingClientRect().right > q.closest('td').getBoundingClientRect().right + 1
                  || q.scrollWidth > q.clientWidth + 1).length""")
    assert spill == 0
    found = _overflow(browser)
    assert found["page"] <= found["width"] and found["out"] == [], found


def test_printing_uses_the_print_stylesheet(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["ma"])
    browser.send("Emulation.setEmulatedMedia", {"media": "print"})
    style = browser.js("""(() => {
      const css = (sel, prop, pseudo) => getComputedStyle(document.querySelector(sel), pseudo || null)[prop];
      return {controls: css('#controls', 'display'), nav: css('nav', 'display'), topics: css('#topics', 'display'),
              rules: css('#rules', 'display'), summary: css('#summary', 'display'),
              agencies: css('#agencies', 'breakBefore'), block: css('article.agency', 'breakInside'),
              link: css('article.agency a[href^="http"]', 'content', '::after')};
    })()""")
    assert style["controls"] == style["nav"] == style["topics"] == style["rules"] == "none"
    assert style["summary"] == "block" and style["agencies"] == "page"
    assert style["block"] in ("avoid", "avoid-page")
    # Links print as text: the address follows the link's words.
    href = browser.js("document.querySelector('article.agency a[href^=\"http\"]').getAttribute('href')")
    assert style["link"] == f'" <{href}>"'
    pdf = browser.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, timeout=120)
    assert pdf["data"][:8] == "JVBERi0x"  # "%PDF-1"
    browser.send("Emulation.setEmulatedMedia", {"media": ""})


def test_a_survey_reads_like_the_advocates_table(browser: Any, reports: dict[str, str]) -> None:
    browser.goto(reports["survey"])
    counts = browser.js("""Array.from(document.querySelectorAll('#survey .survey-count')).map(d =>
        [d.querySelector('p').textContent.trim(), Array.from(d.querySelectorAll('li')).map(li => li.textContent)])""")
    labels = [c[0] for c in counts]
    assert labels[0].startswith("5 asked for their policy")
    assert [label.split(" ", 1)[1] for label in labels[1:4]] == [
        "answered with a policy", "answered that they have none", "did not respond"]
    assert all(int(label.split()[0]) == len(names) for label, names in counts)
    browser.click("#q")
    browser.type_text("town a")
    counts = browser.js("""Array.from(document.querySelectorAll('#survey .survey-count')).map(d =>
        [d.querySelector('strong').textContent, Array.from(d.querySelectorAll('li')).filter(li => !li.hidden).length])""")
    assert counts[0] == ["1", 1] and all(int(n) == shown for n, shown in counts)


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
