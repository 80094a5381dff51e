"""The results cache answers only for unchanged files under unchanged rules and options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint import cachedir
from policylint.finding import Finding
from policylint.run import cache as cache_module
from policylint.run.cache import FORMAT as CACHE_FORMAT
from policylint.run.cache import Cache, decode_finding, encode_finding, run_digest
from policylint.run.parallel import check_paths
from policylint.run.runner import Checker, CheckOptions

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_corpus import document  # noqa: E402

WAIVED = """\
policylint: 1
agency: {name: Waiver Town Police Department, state: MA}
instrument: {kind: general_order, effective_date: null}
waivers:
  - {rule: missing-effective-date, reason: "the date is being researched", until: 2026-06-30}
"""


def snapshot(results):
    return [(r.file, r.findings, [f.meta for f in r.findings], r.outcomes) for r in results]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for serial in range(1, 13):
        folder = tmp_path / "policies" / ("ma" if serial % 2 else "ny")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"town-{serial}.yaml").write_text(document(3, serial, None, 0.2, 0.5), encoding="utf-8")
    return tmp_path


def options(tmp_path: Path, **changes) -> CheckOptions:
    return replace(CheckOptions(jobs=1, cache_dir=str(tmp_path / "cache")), **changes)


def forbid_checking(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, loaded):
        raise AssertionError(f"{loaded.document.file if loaded.document else '?'} was checked again")

    monkeypatch.setattr(Checker, "check_loaded", refuse)


def test_an_unchanged_repository_is_answered_from_the_cache(repo, monkeypatch):
    first = list(check_paths(["policies"], options(repo)))
    assert sum(len(r.findings) for r in first) > 0
    forbid_checking(monkeypatch)
    again = list(check_paths(["policies"], options(repo)))
    assert snapshot(again) == snapshot(first)


def test_a_changed_file_is_checked_again_and_only_it(repo, monkeypatch):
    first = {r.file: r for r in check_paths(["policies"], options(repo))}
    target = "policies/ma/town-3.yaml"
    Path(target).write_text(Path(target).read_text().replace("policylint: 1", "policylint: 2"))
    checked = []
    original = Checker.check_loaded

    def spy(self, loaded):
        checked.append(loaded.document.file)
        return original(self, loaded)

    monkeypatch.setattr(Checker, "check_loaded", spy)
    second = {r.file: r for r in check_paths(["policies"], options(repo))}
    assert checked == [target]
    assert any(f.rule == "schema-invalid-value" and f.path == "/policylint" for f in second[target].findings)
    assert all(snapshot([second[k]]) == snapshot([first[k]]) for k in first if k != target)


def _changes():
    from policylint.load.loader import DEFAULT_LIMITS
    from policylint.rules.engine import Selection

    return [{"selection": Selection(ignore=("missing-review-date",))}, {"fingerprints": False},
            {"limits": replace(DEFAULT_LIMITS, max_string=50_000)}, {"validate": False}]


@pytest.mark.parametrize("change", _changes(), ids=lambda c: next(iter(c)))
def test_other_options_are_another_cache(repo, monkeypatch, change):
    list(check_paths(["policies"], options(repo)))
    forbid_checking(monkeypatch)
    with pytest.raises(AssertionError, match="was checked again"):
        list(check_paths(["policies"], options(repo, **change)))


def test_jobs_and_the_cache_folder_do_not_change_the_key(repo):
    assert run_digest(options(repo), ignore=("jobs", "cache_dir")) == \
        run_digest(options(repo, jobs=8, cache_dir="/elsewhere"), ignore=("jobs", "cache_dir"))


def test_a_changed_rule_file_is_another_cache(repo, monkeypatch):
    rules = repo / "rules" / "extra"
    rules.mkdir(parents=True)
    rule = (REPO / "policylint" / "rules" / "data" / "instrument" / "missing-review-date.yaml").read_text()
    (rules / "missing-review-date-copy.yaml").write_text(
        rule.replace("id: missing-review-date", "id: missing-review-date-copy"))
    before = run_digest(options(repo, rule_dirs=(str(repo / "rules"),)))
    (rules / "missing-review-date-copy.yaml").write_text(
        rule.replace("id: missing-review-date", "id: missing-review-date-copy").replace("severity: info", "severity: warning"))
    assert run_digest(options(repo, rule_dirs=(str(repo / "rules"),))) != before


def test_the_key_does_not_depend_on_the_hash_seed(repo):
    code = ("from policylint.run.api import CheckSettings, check_options; from policylint.run.cache import run_digest;"
            "print(run_digest(check_options(CheckSettings(select=('schema-', 'missing-'), severity=(('missing-review-date', 'error'),), today='2026-01-01'))))")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)},
                              cwd=repo).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1 and len(next(iter(digests)).strip()) == 32


def test_a_corrupt_or_foreign_cache_is_a_miss_and_is_rewritten(repo):
    first = list(check_paths(["policies"], options(repo)))
    shards = [p for p in (repo / "cache").rglob("*") if p.is_file() and p.parent.name != "cache"]
    assert len(shards) == 2  # one per folder
    shards[0].write_bytes(b"not zlib at all")
    shards[1].write_bytes(__import__("zlib").compress(b'{"format": 99, "entries": {}}'))
    assert snapshot(check_paths(["policies"], options(repo))) == snapshot(first)
    assert all(json.loads(__import__("zlib").decompress(p.read_bytes()))["format"] == cache_module.FORMAT for p in shards)


def test_an_unwritable_cache_never_stops_a_run(repo):
    blocker = repo / "cache"
    blocker.write_text("a file where the cache folder should be")
    results = list(check_paths(["policies"], options(repo)))
    assert len(results) == 12 and blocker.is_file()


def test_the_cache_folder_is_marked_and_ignored_by_git(repo):
    list(check_paths(["policies"], options(repo)))
    assert (repo / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (repo / "cache" / ".gitignore").read_text() == "*\n"


def test_a_result_that_depends_on_the_day_is_kept_for_that_day_only(repo, monkeypatch):
    from policylint.run.suppress import SuppressSettings

    Path("policies/ma/waived.yaml").write_text(WAIVED)
    early = options(repo, suppress=SuppressSettings(today="2026-05-01"))
    late = options(repo, suppress=SuppressSettings(today="2026-07-01"))
    before = {r.file: r for r in check_paths(["policies/ma"], early)}
    assert not [f for f in before["policies/ma/waived.yaml"].active if f.rule == "missing-effective-date"]
    after = {r.file: r for r in check_paths(["policies/ma"], late)}
    assert [f.rule for f in after["policies/ma/waived.yaml"].findings if f.rule == "expired-waiver"]
    forbid_checking(monkeypatch)  # the other files did not change with the day
    with pytest.raises(AssertionError, match="waived.yaml was checked again"):
        list(check_paths(["policies/ma"], early))


def test_entries_of_deleted_files_are_dropped(repo):
    list(check_paths(["policies"], options(repo)))
    os.remove("policies/ny/town-2.yaml")
    with open("policies/ny/town-4.yaml", "a") as fh:  # changed, so its folder's entries are written
        fh.write("# edited\n")
    list(check_paths(["policies/ny/town-4.yaml"], options(repo)))
    cache = Cache(str(repo / "cache"), run_digest(options(repo), ignore=("jobs", "cache_dir", "suppress.today")))
    shard = cache._load(cache._shard_name("policies/ny/town-4.yaml"))
    assert "policies/ny/town-6.yaml" in shard and "policies/ny/town-2.yaml" not in shard


def test_the_command_line_uses_the_cache_unless_told_not_to(repo, run_cli, monkeypatch):
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(repo / "envcache"))
    first = run_cli("check", "policies", "-f", "json")
    assert (repo / "envcache" / f"v{cache_module.FORMAT}").is_dir()
    run_cli("check", "policies", "-f", "json", "--cache-dir", str(repo / "other"))
    assert (repo / "other" / f"v{cache_module.FORMAT}").is_dir()
    run_cli("check", "policies", "-f", "json", "--no-cache", "--cache-dir", str(repo / "third"))
    assert not (repo / "third").exists()
    forbid_checking(monkeypatch)
    assert run_cli("check", "policies", "-f", "json").output == first.output


def test_default_dir_is_the_user_cache_not_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("POLICYLINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform not in ("win32", "darwin"):
        assert cachedir.default_dir() == str(tmp_path / "xdg" / "policylint")
    assert not cachedir.default_dir().startswith(os.getcwd())


values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                      lambda inner: st.tuples(inner, inner) | st.tuples(st.text(max_size=4), inner), max_leaves=6)


@settings(max_examples=200, deadline=None)
@given(rule=st.text(min_size=1, max_size=10), message=st.text(max_size=30),
       line=st.integers(1, 10_000), args=st.lists(st.tuples(st.text(max_size=5), values), max_size=3),
       packs=st.lists(st.text(max_size=6), max_size=3), citation=st.none() | st.text(max_size=10),
       meta=st.lists(st.tuples(st.text(max_size=5), st.text(max_size=8)), max_size=2),
       suppressed=st.none() | st.text(max_size=5), input_error=st.booleans())
def test_findings_survive_the_cache(rule, message, line, args, packs, citation, meta, suppressed, input_error):
    f = Finding(file="x.yaml", rule=rule, severity="warning", message=message, line=line,
                end_line=line, args=tuple(args), packs=tuple(packs), citation=citation,
                meta=tuple(meta), suppressed=suppressed, input_error=input_error)
    back = decode_finding(json.loads(json.dumps(encode_finding(f))), "x.yaml")
    assert back == f and back.meta == f.meta


def test_a_pipe_named_on_the_command_line_is_read_once_and_not_cached(repo, tmp_path):
    import threading

    fifo = tmp_path / "draft.yaml"
    os.mkfifo(fifo)
    text = Path("policies/ma/town-1.yaml").read_text()

    def writer():
        with open(fifo, "w") as fh:
            fh.write(text)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    (result,) = check_paths([str(fifo)], options(repo))
    thread.join(timeout=5)
    expected = {f.rule for f in next(r for r in check_paths(["policies/ma/town-1.yaml"], options(repo))).findings}
    assert {f.rule for f in result.findings} == expected


def test_stale_stamps_are_pruned_when_new_ones_are_written(tmp_path, monkeypatch):
    import os
    import time

    from policylint.rules import registry
    from policylint.run import cache

    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path))
    old = time.time() - cache.STALE_SECONDS - 60
    stale_stamp, fresh_stamp = tmp_path / "rules-0ld.ok", tmp_path / "rules-recent.ok"
    other = tmp_path / "unrelated-file"
    for path in (stale_stamp, fresh_stamp, other):
        path.write_text("x")
    for path in (stale_stamp, other):
        os.utime(path, (old, old))
    registry._load_registry.cache_clear()
    try:
        registry.load_registry()  # a new stamp for this cache folder
    finally:
        registry._load_registry.cache_clear()
    assert not stale_stamp.exists()
    assert fresh_stamp.exists() and other.exists()  # recent, or not ours to judge
    assert any(p.name.startswith("rules-") and p.suffix == ".ok" and p != fresh_stamp
               for p in tmp_path.iterdir())


def test_a_large_folder_is_kept_in_parts_and_read_a_part_at_a_time(tmp_path, monkeypatch):
    """A folder of any size never puts more than a few parts' entries in memory (a flat
    folder of 18,000 documents took 615 MiB when its entries were one file)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_module, "PART", 10)
    folder = tmp_path / "flat"
    folder.mkdir()
    for serial in range(1, 96):
        (folder / f"agency-{serial:03d}.yaml").write_text(document(5, serial, None, 0.1, 0.5), encoding="utf-8")
    loaded: list[int] = []
    original = Cache._load

    def spy(self, shard):
        got = original(self, shard)
        loaded.append(len(got))
        return got

    monkeypatch.setattr(Cache, "_load", spy)
    list(check_paths(["flat"], options(tmp_path)))
    # A loaded machine can stop the rules of a process's first document (its rules compile
    # then): such a result is not kept, and this run checks it again.
    first = list(check_paths(["flat"], options(tmp_path)))
    parts = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.parent.parent.name == f"v{CACHE_FORMAT}"]
    sizes = [len(json.loads(__import__("zlib").decompress(p.read_bytes()))["entries"]) for p in parts]
    assert len(parts) >= 5 and max(sizes) <= 20 and sum(sizes) == 95
    loaded.clear()
    forbid_checking(monkeypatch)
    again = list(check_paths(["flat"], options(tmp_path)))
    assert snapshot(again) == snapshot(first)
    assert max(loaded) <= 20  # one part at a time, never the folder


def test_a_split_folder_keeps_every_entry_when_one_file_is_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cache_module, "PART", 10)
    folder = tmp_path / "flat"
    folder.mkdir()
    for serial in range(1, 60):
        (folder / f"a-{serial:03d}.yaml").write_text(document(5, serial, None, 0.1, 0.5), encoding="utf-8")
    list(check_paths(["flat"], options(tmp_path)))
    with open("flat/a-030.yaml", "a") as fh:
        fh.write("# edited\n")
    list(check_paths(["flat/a-030.yaml"], options(tmp_path)))  # writes the part of a-030 alone
    list(check_paths(["flat"], options(tmp_path)))  # a result stopped by the time budget, if any
    forbid_checking(monkeypatch)
    assert len(list(check_paths(["flat"], options(tmp_path)))) == 59
