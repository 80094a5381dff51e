"""Regenerate docs/screenshots/: the comparison report of examples/ma/ in headless Chromium.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Writes compare-desktop.png (1400×900) and compare-phone.png (390×844): the first screen a
reader sees on each, so a reviewer sees what a change to the report looks like.  With
--full, also compare-desktop-full.png (the whole page at 1400 px; large, not committed).  Uses the same DevTools-over-a-pipe driver as the browser
tests (tests/browser/conftest.py); set POLICYLINT_CHROMIUM to choose the browser.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

from conftest import Browser, find_browser

from policylint.compare.run import CompareSettings, check_options, run_compare

SIZES = (("desktop", 1400, 900, False), ("phone", 390, 844, True))


def main(argv: list[str]) -> int:
    full = "--full" in argv
    argv = [a for a in argv if a != "--full"]
    out = Path(argv[0]) if argv else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    browser_path = find_browser()
    if browser_path is None:
        print("no Chromium found (set POLICYLINT_CHROMIUM)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="policylint-shots-") as tmp:
        report = Path(tmp) / "ma.html"
        options = check_options((), (), None, True)
        run_compare(CompareSettings(paths=(str(REPO / "examples" / "ma"),), fmt="html",
                                    output=str(report), title="Massachusetts policies compared"),
                    options)
        with tempfile.TemporaryDirectory(prefix="policylint-chromium-") as profile:
            browser = Browser(browser_path, profile)
            try:
                browser.open_page()
                for name, width, height, mobile in SIZES:
                    browser.send("Emulation.setDeviceMetricsOverride",
                                 {"width": width, "height": height, "deviceScaleFactor": 1,
                                  "mobile": mobile})
                    browser.goto(report.resolve().as_uri())
                    browser.screenshot(out / f"compare-{name}.png")
                    print(out / f"compare-{name}.png")
                if full:
                    browser.send("Emulation.setDeviceMetricsOverride",
                                 {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})
                    browser.goto(report.resolve().as_uri())
                    browser.screenshot(out / "compare-desktop-full.png", full_page=True)
                    print(out / "compare-desktop-full.png")
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
