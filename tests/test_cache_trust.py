"""The cache folder is untrusted input: nothing read from it runs as code or changes a
verdict unless the folder's own key signed it, and every cached thing can be turned off."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import types
import zlib
from pathlib import Path
from typing import Any

import pytest

from policylint import cachedir
from policylint.finding import Finding
from policylint.run import parallel
from policylint.run.cache import Cache
from policylint.run.parallel import check_paths
from policylint.run.runner import Checker, CheckOptions
from tests.test_cli_check import VALID
from tests.test_hostile_packs import write_pack

REPO = Path(__file__).resolve().parents[1]
VIOLATING = VALID.replace("value: prohibited", "value: permitted")


def _shards(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.parent.parent.name.startswith("v")]


def _rewrite(shard: Path, change: Any) -> None:
    data = json.loads(zlib.decompress(shard.read_bytes()))
    for entry in data["entries"].values():
        change(entry)
    shard.write_bytes(zlib.compress(json.dumps(data).encode()))


def test_a_forged_entry_cannot_clear_a_violating_document(run_cli: Any, write: Any) -> None:
    doc = write("bad.yaml", VIOLATING)
    first = run_cli("check", "-f", "json", str(doc))
    assert first.exit_code == 1
    root = Path(os.environ["POLICYLINT_CACHE_DIR"])

    def clear(entry: list[Any]) -> None:
        entry[2], entry[3] = [], {}  # "checked: nothing found"

    [shard] = _shards(root)
    _rewrite(shard, clear)
    again = run_cli("check", "-f", "json", str(doc))
    assert again.exit_code == 1, again.output
    assert json.loads(again.stdout)["files"] == json.loads(first.stdout)["files"]


def test_an_entry_with_an_unknown_severity_is_a_miss_not_a_crash(run_cli: Any, write: Any) -> None:
    doc = write("bad.yaml", VIOLATING)
    first = run_cli("check", "-f", "json", str(doc))
    root = Path(os.environ["POLICYLINT_CACHE_DIR"])

    def bogus(entry: list[Any]) -> None:
        for f in entry[2]:
            f["severity"] = "catastrophic"

    [shard] = _shards(root)
    _rewrite(shard, bogus)
    again = run_cli("check", "-f", "json", str(doc))
    assert again.exit_code == 1 and json.loads(again.stdout)["files"] == json.loads(first.stdout)["files"]


@pytest.mark.parametrize("field, value", [
    ("severity", "catastrophic"), ("line", "1"), ("line", True), ("message", None), ("bogus", 1),
])
def test_a_signed_entry_that_no_finding_can_hold_is_still_a_miss(tmp_path: Path, field: str, value: Any) -> None:
    # Validation does not lean on the signature: a format change or a bug that wrote an
    # odd entry is a miss too.
    store = Cache(str(tmp_path / "c"), "run")
    finding = Finding(file="a.yaml", rule="r", severity="error", message="m")
    store.record("a.yaml", "digest", None, [finding], {"r": "fail"})
    store.flush()
    assert store.lookup("a.yaml", "digest", "day") is not None
    [shard] = _shards(tmp_path / "c")
    key = store.key()
    assert key is not None

    def odd(entry: list[Any]) -> None:
        entry[2][0][field] = value
        entry[4] = store._mac(key, "a.yaml", entry)

    _rewrite(shard, odd)
    fresh = Cache(str(tmp_path / "c"), "run")
    assert fresh.lookup("a.yaml", "digest", "day") is None


@pytest.mark.parametrize("mode, owner", [(0o777, None), (0o775, None), (0o700, 65534)])
def test_a_folder_others_can_write_or_someone_elses_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int, owner: int | None) -> None:
    if owner is not None and os.geteuid() != 0:
        pytest.skip("giving a folder away needs root")
    root = tmp_path / "shared"
    doc = tmp_path / "bad.yaml"
    doc.write_text(VIOLATING, encoding="utf-8")
    options = CheckOptions(jobs=1, cache_dir=str(root))
    [first] = check_paths([str(doc)], options)
    assert (root / cachedir.KEY_FILE).exists() and _shards(root)
    root.chmod(mode)
    if owner is not None:
        os.chown(root, owner, owner)
    checked: list[str] = []
    original = Checker.check_loaded

    def spy(self: Checker, loaded: Any) -> Any:
        checked.append(loaded.document.file)
        return original(self, loaded)

    monkeypatch.setattr(Checker, "check_loaded", spy)
    [second] = check_paths([str(doc)], options)
    assert checked == [str(doc)]  # nothing was read from it
    assert second.findings == first.findings
    fresh = tmp_path / "fresh"
    fresh.mkdir(mode=0o777)
    fresh.chmod(0o777)
    list(check_paths([str(doc)], CheckOptions(jobs=1, cache_dir=str(fresh))))
    assert not list(fresh.iterdir())  # and nothing is written to one


def _run(*args: str, cache: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policylint", "check", "--isolated", "-f", "json", *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "POLICYLINT_CACHE_DIR": cache})


def _rule_findings(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return sorted((f["rule"], f["path"]) for file in json.loads(proc.stdout)["files"] for f in file["findings"])


def test_a_poisoned_rules_snapshot_neuters_no_rule(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    doc = tmp_path / "bad.yaml"
    doc.write_text(VIOLATING, encoding="utf-8")
    first = _run(str(doc), cache=str(cache))
    expected = _rule_findings(first)
    assert len(expected) > 2
    [snapshot] = cache.glob("rules-*.json")
    raw = snapshot.read_bytes()
    try:
        data, head = json.loads(raw), b""
    except ValueError:
        head, _, body = raw.partition(b"\n")
        data, head = json.loads(body), head + b"\n"
    for parsed in data["files"].values():
        if isinstance(parsed, dict) and "fail" in parsed:
            parsed["given"] = "nowhere.at.all"
    snapshot.write_bytes(head + json.dumps(data).encode())
    assert _rule_findings(_run(str(doc), cache=str(cache))) == expected
    assert _rule_findings(_run("--no-cache", str(doc), cache=str(cache))) == expected


def test_a_forged_validation_stamp_does_not_let_an_unsafe_pack_in(tmp_path: Path) -> None:
    from policylint.errors import RuleFileError
    from policylint.rules import registry

    # A message template that reaches for Python internals is refused when a rule text is
    # validated; a stamp saying it was validated before must not skip that.
    rules = write_pack(tmp_path / "rules", {"unsafe-rule": ("a", "found {{ agency.__class__ }}")})
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    files = [*registry.package_files(), *registry.directory_files(str(rules))]
    Path(registry._stamp_path(files, str(cache))).write_text("validated\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="__class__"):
        registry.load_registry((str(rules),), str(cache))


def test_a_result_that_depends_on_the_day_is_not_reused_the_next_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Chelsea cites Executive Order 13768, revoked on 2021-01-20: checked the day before,
    # nothing; on the day, a finding, whatever the cache remembers.
    from policylint.rules.checks import citations

    doc = tmp_path / "chelsea.yaml"
    shutil.copy(REPO / "examples" / "ma" / "chelsea.yaml", doc)
    options = CheckOptions(jobs=1, cache_dir=str(tmp_path / "cache"))

    def on(day: datetime.date) -> list[str]:
        class Day(datetime.date):
            @classmethod
            def today(cls) -> Day:
                return cls(day.year, day.month, day.day)

        fake = types.SimpleNamespace(date=Day, datetime=datetime.datetime)
        monkeypatch.setattr(citations, "_dt", fake)
        monkeypatch.setattr(parallel, "_dt", fake, raising=False)
        [result] = check_paths([str(doc)], options)
        return [f.rule for f in result.findings]

    assert "citation-superseded-instrument" not in on(datetime.date(2021, 1, 19))
    assert "citation-superseded-instrument" in on(datetime.date(2021, 1, 20))


def test_every_finding_field_has_a_declared_type() -> None:
    # A field the cache does not know makes every entry holding it a miss: nothing is cached.
    import dataclasses

    from policylint.finding import Finding
    from policylint.run.cache import _FIELD_TYPES

    assert {f.name for f in dataclasses.fields(Finding)} - {"file"} == set(_FIELD_TYPES)
