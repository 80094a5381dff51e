"""Time `policylint compare` on 350, 2,000 and 18,000 documents beside the compose floor
(wall, processor time and peak memory of the process tree, as run.py measures them), and the
HTML report in headless Chromium: load to interactive, and the time a filter keystroke takes.

    .venv/bin/python benchmarks/compare_browser.py --sizes 350,2000 --corpus /tmp/bench

The browser part needs Chromium (as the browser tests do); --no-browser skips it.  A report
of more agencies than one page holds is a folder: its summary page (index.html) is what is
loaded, and the largest state page is loaded too (the drill-down a reader opens next).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import Row, compose_floor, corpus_files, ensure_corpus, table, timed  # noqa: E402

#: (label, format, target under the output folder; a trailing slash is a folder).
RUNS = (("compare -f html -o DIR/", "html", "html/"),
        ("compare -f json -o FILE", "json", "out.json"),
        ("compare -f csv -o FILE", "csv", "out.csv"))

#: Types into the finder (or the page's filter) one character at a time and measures, in the
#: page, the time from the keystroke to the next frame after the page has redrawn.
KEYSTROKES = """(async (text) => {
  const q = document.getElementById('q'), out = [];
  for (const ch of text) {
    const start = performance.now();
    q.value += ch;
    q.dispatchEvent(new Event('input', {bubbles: true}));
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
    out.push(performance.now() - start);
  }
  return out;
})"""


def browser_times(page: Path, text: str) -> dict[str, Any]:
    """Load ``page`` in a fresh Chromium: milliseconds to the load event (the script has run
    by then), the page's bytes, and the time of each keystroke of ``text``."""
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from conftest import Browser, find_browser

    executable = find_browser()
    if executable is None:
        raise SystemExit("no Chromium found (set POLICYLINT_CHROMIUM), or run with --no-browser")
    with tempfile.TemporaryDirectory(prefix="policylint-bench-chromium-") as profile:
        browser = Browser(executable, profile)
        try:
            browser.open_page(1400, 900)
            start = time.perf_counter()
            browser.send("Page.navigate", {"url": page.resolve().as_uri()}, timeout=600)
            browser.wait_event("Page.loadEventFired", timeout=600)
            outside = (time.perf_counter() - start) * 1000
            inside = browser.js("performance.getEntriesByType('navigation')[0].loadEventEnd")
            has_filter = browser.js("!!document.getElementById('q')")
            keys = browser.js(f"{KEYSTROKES}({json.dumps(text)})") if has_filter else []
            browser.drain(0.2)
            errors = browser.console_errors()
        finally:
            browser.close()
    return {"page": page.name, "bytes": page.stat().st_size, "load_ms": inside, "load_ms_cdp": outside,
            "keystroke_ms_median": statistics.median(keys) if keys else None,
            "keystroke_ms_max": max(keys) if keys else None, "console_errors": errors}


def html_pages(target: Path) -> tuple[Path, Path | None]:
    """The page a reader opens first, and the largest state page when the report is a folder."""
    if target.is_file():
        return target, None
    pages = sorted(target.glob("state-*.html"), key=lambda p: p.stat().st_size)
    return target / "index.html", (pages[-1] if pages else None)


def page_line(p: dict[str, Any]) -> str:
    keys = (f"{p['keystroke_ms_median']:,.1f} | {p['keystroke_ms_max']:,.1f}"
            if p["keystroke_ms_median"] is not None else "– | –")
    return f"| {p['page']} | {p['bytes'] / 1e6:,.2f} | {p['load_ms']:,.0f} | {keys} | {len(p['console_errors'])} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="350,2000,18000")
    parser.add_argument("--corpus", default=str(HERE / "corpus"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", default="html,json,csv", help="compare formats to time")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--type", default="ashb", help="what the keystroke timing types (a name prefix)")
    parser.add_argument("--keep", default=None, help="write the reports under this folder (kept)")
    parser.add_argument("--markdown", default=None, help="also write the tables to this file")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("POLICYLINT_COMPARE_PAGE_ROWS", None)
    out_root = Path(args.keep or tempfile.mkdtemp(prefix="policylint-bench-compare-"))
    lines = [f"Machine: {os.cpu_count()} processors, load average {os.getloadavg()[0]:.2f} at start; "
             f"Python {sys.version.split()[0]}.\n"]
    print(lines[0])
    formats = set(args.formats.split(","))
    for size in [int(s) for s in args.sizes.split(",") if s]:
        root = ensure_corpus(args.corpus, size, args.seed)
        files = corpus_files(root)
        wall, cpu = compose_floor(files, 1)
        floor = Row("C-loader compose floor (1 process, in-process)", size, wall, cpu=cpu)
        rows, pages = [floor], []
        for label, fmt, name in RUNS:
            if fmt not in formats:
                continue
            target = out_root / f"n{size}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, "-m", "policylint", "compare", root, "--isolated", "-f", fmt,
                       "-o", str(target) + ("/" if name.endswith("/") else "")]
            seconds, peak, _, used = timed(command, {**env, "POLICYLINT_CACHE_DIR": str(out_root / "cache")})
            written = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) if target.is_dir() \
                else target.stat().st_size
            rows.append(Row(f"policylint {label}", size, seconds, peak, f"{written / 1e6:,.1f} MB written", used))
            print(rows[-1].cells(floor), flush=True)
            if fmt == "html" and not args.no_browser:
                first, largest = html_pages(target)
                pages.append(browser_times(first, args.type))
                if largest is not None:
                    pages.append(browser_times(largest, args.type))
                for p in pages[-2:]:
                    print(p, flush=True)
        lines.append(table(f"compare, {size:,} documents", rows, floor))
        if pages:
            head = "| page | MB | load to interactive, ms | keystroke, median ms | keystroke, max ms | console errors |"
            body = [page_line(p) for p in pages]
            lines.append(f"Chromium (headless), {size:,} documents:\n\n{head}\n|---|---|---|---|---|---|\n"
                         + "\n".join(body) + "\n")
        print("\n".join(lines[-2:]), flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
