"""Memory stays flat in the number of documents: every output format, written as results
arrive, and the results cache, on 3,000 generated documents in one folder, under caps that
holding the results would exceed (held, one JSON report alone peaked at 188 MiB here).
Memory, unlike time, does not depend on how loaded the machine is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402 - found through the path set just above

DOCUMENTS = 3000
#: Peak resident memory allowed for one checking process (streamed: ~40 MiB).
CAP_MIB = 100
FILE_FORMATS = ("json", "sarif", "junit", "gitlab", "markdown", "concise")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 documents in one folder (the cache keeps a folder's entries together), half of
    them written to break rules so every format has findings to hold."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "agencies"
    folder.mkdir()
    for serial in range(1, DOCUMENTS + 1):
        (folder / f"agency-{serial:05d}.yaml").write_text(
            document(11, serial, None, 0.005, 0.5), encoding="utf-8")
    return root


#: Runs the command and prints its peak resident memory.  A small process of its own starts
#: it: a child's peak counts the memory it had before ``exec``, a copy of whoever forked it.
_MEASURE = ("import resource, subprocess, sys; "
            "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
            "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_mib(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run ``policylint ARGS`` in one process and return its peak resident memory (MiB)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "policylint", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, check=True)
    code, kib = done.stdout.split()
    assert code in ("0", "1"), (args, done.stderr[-2000:])
    return int(kib) / 1024  # KiB on Linux


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_every_format_and_the_cache_stay_under_the_cap(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICYLINT_CACHE_DIR": str(tmp_path / "cache"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md")}
    # One process (-j 1), every format at once: they share one pass over the documents.
    # A generous rule time budget: a loaded machine must not change what is reported.
    outputs = [arg for name in FILE_FORMATS for arg in ("-f", f"{name}:{tmp_path / ('out.' + name)}")]
    common = ["check", "agencies", "-j", "1", "--max-rule-seconds", "60"]
    streamed = peak_mib([*common, "--no-cache", *outputs, "-f", "github", "-f", "text"], corpus, env)
    assert streamed < CAP_MIB, f"every format at once peaked at {streamed:.0f} MiB"
    # The results cache, written on a first run and read on a second a part at a time, adds
    # little to a run without it (holding the folder's entries, it added 68 and 52 MiB here).
    plain = peak_mib([*common, "--no-cache"], corpus, env)
    cold = peak_mib(common, corpus, env)
    warm = peak_mib(common, corpus, env)
    assert cold < plain + 45 and warm < plain + 25, \
        f"cache: {cold:.0f} MiB writing, {warm:.0f} MiB reading, {plain:.0f} MiB without it"
    report = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert len(report["files"]) == DOCUMENTS and report["summary"]["findings"] > DOCUMENTS
    sarif = json.loads((tmp_path / "out.sarif").read_text("utf-8"))
    assert len(sarif["runs"][0]["results"]) >= report["summary"]["findings"]
    assert len(json.loads((tmp_path / "out.gitlab").read_text("utf-8"))) == report["summary"]["findings"]
    assert (tmp_path / "out.junit").read_text("utf-8").count("<testsuite ") == DOCUMENTS
    assert os.path.getsize(tmp_path / "step-summary.md") <= 1024 * 1024


#: Peak resident memory allowed for ``compare`` (streamed: ~40 MiB; holding the rows of
#: 2,000 documents took 400-470 MiB before, so 3,000 held would be far above it).
COMPARE_CAP_MIB = 100


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_compare_writes_rows_and_holds_none(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICYLINT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("POLICYLINT_COMPARE_PAGE_ROWS", None)  # the real page size: 100 agencies
    common = ["compare", "agencies", "--isolated"]
    peaks = {fmt: peak_mib([*common, "-f", fmt, "-o", f"{tmp_path}/{target}"], corpus, env)
             for fmt, target in (("json", "out.json"), ("csv", "out.csv"), ("html", "report/"))}
    assert max(peaks.values()) < COMPARE_CAP_MIB, f"compare peaked at {peaks} MiB"
    print(json.dumps({"compare_peak_mib": peaks}))
    report = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert len(report["agencies"]) == report["agencies_compared"] == DOCUMENTS
    assert report["coverage"]["agencies"] == DOCUMENTS
    import csv

    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == DOCUMENTS + 1
    # More agencies than a page holds: a summary page and a page per state, none over 100.
    pages = list((tmp_path / "report").glob("state-*.html"))
    assert (tmp_path / "report" / "index.html").is_file() and len(pages) > 40
    assert sum(p.read_text("utf-8").count('<article class="agency"') for p in pages) == DOCUMENTS
