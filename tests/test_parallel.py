"""Checking on a pool of processes gives exactly the in-process results, in input order, streamed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from policylint.run import parallel
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions, FileResult

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402


def corpus(root: Path, n: int) -> Path:
    """``n`` generated documents in two folders, a few of them broken in different ways."""
    for serial in range(1, n + 1):
        folder = root / ("a" if serial % 3 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        text = document(5, serial, "MA" if serial % 2 else None, 0.1, 0.3)
        if serial == 7:
            text = "policylint: 1\nagency: [unclosed\n"        # a syntax error
        if serial == 11:
            text = text.replace("policylint: 1", "policylint: 1\npolicylint: 1", 1)  # duplicate key
        (folder / f"doc-{serial:03d}.yaml").write_text(text, encoding="utf-8")
    (root / "a" / "binary.yaml").write_bytes(b"\x00\x01\x02")
    return root


def snapshot(results: list[FileResult]) -> list[tuple]:
    return [(r.file, r.findings, [f.meta for f in r.findings], r.outcomes) for r in results]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return corpus(tmp_path_factory.mktemp("corpus"), 130)


def test_a_pool_gives_the_same_results_in_the_same_order(files):
    inputs = [str(files / "b"), str(files / "missing.yaml"), str(files / "a")]
    alone = list(check_paths(inputs, CheckOptions(jobs=1)))
    pooled = list(check_paths(inputs, CheckOptions(jobs=2)))
    assert len(alone) == 132
    assert snapshot(pooled) == snapshot(alone)
    names = [r.file for r in pooled]
    assert names[43].endswith("missing.yaml") and pooled[43].input_error  # in its place
    assert any(f.rule == "yaml-syntax" for r in pooled for f in r.findings)
    assert any(f.rule == "schema-invalid-value" for r in pooled for f in r.findings)


def no_pool(*args, **kwargs):
    raise AssertionError("a pool was started")


def test_few_files_are_checked_in_this_process(files, monkeypatch):
    monkeypatch.setattr(parallel, "_pooled", no_pool)
    few = sorted(str(p) for p in (files / "b").glob("*.yaml"))[: parallel.POOL_THRESHOLD - 1]
    assert len(list(check_paths(few, CheckOptions(jobs=4)))) == len(few)


def test_jobs_1_never_starts_a_pool(files, monkeypatch):
    monkeypatch.setattr(parallel, "_pooled", no_pool)
    assert len(list(check_paths([str(files)], CheckOptions(jobs=1)))) == 131


def test_results_stream_before_the_input_is_read_to_the_end(files):
    paths = sorted(str(p) for p in files.rglob("doc-*.yaml"))
    pulled = 0

    def items():
        nonlocal pulled
        for _ in range(20):  # 20 x 130 files: far more than the pool may hold in flight
            for path in paths:
                pulled += 1
                yield path, None

    results = parallel.check_files(items(), CheckOptions(jobs=2))
    first = next(results)
    assert first.file == paths[0]
    in_flight = parallel.POOL_THRESHOLD + parallel.CHUNK * 2 * parallel.WINDOW + parallel.CHUNK
    assert pulled <= in_flight < 20 * len(paths)
    results.close()  # stops the pool


def test_the_command_line_output_is_the_same_with_any_number_of_jobs(files, run_cli):
    outputs = []
    for jobs in ("1", "2", "0"):
        result = run_cli("check", str(files), "-f", "json", "--jobs", jobs, "--no-cache")
        assert result.exit_code == 2  # the binary file and the syntax error are input errors
        outputs.append(json.loads(result.stdout)["files"])
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 131


def test_default_jobs_is_at_least_one():
    assert parallel.default_jobs() >= 1


def test_without_fork_the_workers_build_their_own_checker(files, monkeypatch):
    # Windows (and macOS by default) start workers with spawn: nothing is inherited.
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    few = sorted(str(p) for p in (files / "a").glob("doc-*.yaml"))[:60]
    alone = list(check_paths(few, CheckOptions(jobs=1)))
    spawned = list(check_paths(few, CheckOptions(jobs=2)))
    assert snapshot(spawned) == snapshot(alone)


def test_a_finding_survives_the_trip_to_the_parent_whole():
    import pickle

    from policylint.finding import Finding

    f = Finding(file="a.yaml", rule="r", severity="warning", message="m", path="/x", line=3,
                column=4, end_line=3, end_column=9, args=(("value", "v"),), packs=("p",),
                citation="c", url="u", snippet="s", suppressed="why", baseline="unchanged",
                input_error=True, meta=(("k", 1),))
    back = pickle.loads(pickle.dumps(f, pickle.HIGHEST_PROTOCOL))
    assert back == f and back.meta == f.meta  # meta takes no part in equality: checked apart


def test_jobs_are_clamped_to_a_few_per_processor(files, monkeypatch):
    started: list[int] = []

    def pooled(worker, items, jobs, cache):
        started.append(jobs)
        return iter(())

    monkeypatch.setattr(parallel, "_pooled", pooled)
    monkeypatch.setattr(parallel, "default_jobs", lambda: 2)
    paths = [str(files)]
    for asked in (100_000, 9, 8, 3, 0):
        list(check_paths(paths, CheckOptions(jobs=asked)))
    assert started == [8, 8, 8, 3, 2]
    monkeypatch.setattr(parallel, "default_jobs", lambda: 96)
    assert parallel.jobs_for(100_000) == 384 and parallel.jobs_for(None) == 96
