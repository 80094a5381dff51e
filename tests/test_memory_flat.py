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


#: Documents checked before the first measurement (every memo a state fills is full by
#: then), and after it: what the run keeps per document shows over these.
WARM, MORE = 250, 750
#: Bytes a run may grow per document between the two measurements.  Keeping one small
#: object per document costs about 100 (the memo of governing law keyed by each town kept
#: four, about 1,000 bytes, and grew a pool worker by 22 MiB over 25,000 documents).
PER_DOCUMENT_BYTES = 50


def _growth_per_document(tmp_path: Path, jobs: int) -> float:
    """Traced bytes this process gained per document from the WARM-th document checked to the
    WARM+MORE-th, in one state (so no new rule plan is due) and each in a town of its own."""
    import gc
    import tracemalloc
    from dataclasses import replace

    from policylint.load.limits import DEFAULT_LIMITS
    from policylint.run.api import CheckSettings, check_options
    from policylint.run.parallel import check_paths

    folder = tmp_path / "agencies"
    for serial in range(1, WARM + MORE + 1):
        # Folders of 50: a walk holds the names of one folder at a time, which would blur
        # the measure if all were in one.
        group = folder / f"{serial // 50:03d}"
        group.mkdir(parents=True, exist_ok=True)
        (group / f"agency-{serial:05d}.yaml").write_text(
            document(11, serial, "WA", 0.0, 0.5), encoding="utf-8")
    limits = replace(DEFAULT_LIMITS, max_rule_seconds=60)  # a loaded machine reports alike
    options = check_options(CheckSettings(paths=(str(folder),), jobs=jobs, limits=limits))
    tracemalloc.start()
    try:
        results = check_paths([str(folder)], options)
        sizes = []
        for count, result in enumerate(results, 1):
            assert not result.input_error, result.findings
            if count in (WARM, WARM + MORE):
                del result
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
        results.close()
    finally:
        tracemalloc.stop()
    assert len(sizes) == 2
    return (sizes[1] - sizes[0]) / MORE


@pytest.mark.slow
def test_one_process_keeps_nothing_per_document(tmp_path: Path) -> None:
    """Loading, checking and reporting in one process (``-j 1``, and what each pool worker
    runs) keep no state per document: the memory of 1,000 documents is that of 250."""
    growth = _growth_per_document(tmp_path, jobs=1)
    assert growth < PER_DOCUMENT_BYTES, f"{growth:.0f} bytes kept per document"


@pytest.mark.slow
def test_the_pool_parent_keeps_nothing_per_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process that hands files to a pool and orders its results keeps nothing per file."""
    from policylint.run import parallel

    # One file per task and one task in flight per worker: the results waiting for their
    # turn (up to 192 at the real sizes) would otherwise blur what the parent keeps.
    monkeypatch.setattr(parallel, "CHUNK", 1)
    monkeypatch.setattr(parallel, "WINDOW", 1)
    growth = _growth_per_document(tmp_path, jobs=2)
    assert growth < PER_DOCUMENT_BYTES, f"{growth:.0f} bytes kept per document"


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
