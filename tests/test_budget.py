"""The rule time budget: one per document, armed around rule evaluation only, so that a cold
start or a busy machine never turns a document's findings into a `rule-timeout`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policylint.load.limits import Limits
from policylint.rules.engine import Selection
from policylint.run.parallel import check_paths
from policylint.run.runner import CheckOptions
from tests.test_hostile_packs import write_pack

REPO = Path(__file__).resolve().parents[1]
BOSTON = REPO / "examples" / "ma" / "boston.yaml"

POLICY = textwrap.dedent("""\
    policylint: 1
    agency: {{name: Test PD, kind: municipal_police, state: MA}}
    provisions:
      civil_detainer_hold: {{value: prohibited, quote: "{quote}"}}
    """)


@pytest.fixture
def busy() -> Iterator[None]:
    """Two processes spinning beside the test (a loaded 2-core machine), ended afterwards."""
    spin = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def _check_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", "-f", "json", *args],
                          capture_output=True, text=True, timeout=300, cwd=REPO, check=False,
                          env={**os.environ, **(env or {})})
    assert "Traceback" not in proc.stderr, proc.stderr
    files = json.loads(proc.stdout)["files"]
    return proc.returncode, [f for file in files for f in file["findings"]]


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["rule"], f["path"], f["line"], f["message"])


def test_a_cold_start_on_a_busy_machine_keeps_every_finding(busy: None) -> None:
    # Building the rules with an empty cache took 0.35-0.5 s and counted against the first
    # document: at 0.3 s Boston's findings became one `rule-timeout`.
    code, loaded = _check_json("--isolated", "--no-cache", "--max-rule-seconds", "0.3", str(BOSTON),
                               env={"POLICYLINT_CACHE_DIR": ""})
    assert not [f for f in loaded if f["rule"] == "rule-timeout"]
    _, calm = _check_json("--isolated", "--no-cache", "--max-rule-seconds", "60", str(BOSTON),
                          env={"POLICYLINT_CACHE_DIR": ""})
    assert sorted(map(_key, loaded)) == sorted(map(_key, calm))
    assert len(calm) > 10 and code == 1


def test_building_the_rules_does_not_count_against_the_first_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.rules import registry

    real = registry.load_registry

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.6)  # a cold cache on a busy machine
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "load_registry", slow_build)
    [result] = check_paths([str(BOSTON)], CheckOptions(limits=Limits(max_rule_seconds=0.3)))
    assert not [f for f in result.findings if f.rule == "rule-timeout"]
    assert len(result.findings) > 10


def test_compiling_a_message_the_first_time_does_not_count_against_the_document(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.rules.templating import MessageTemplate

    real = MessageTemplate.compile

    def slow_compile(self: MessageTemplate) -> Any:
        if not self.compiled:
            time.sleep(0.05)  # Jinja's compiler, once per template, on a busy machine
        return real(self)

    monkeypatch.setattr(MessageTemplate, "compile", slow_compile)
    [result] = check_paths([str(BOSTON)], CheckOptions(limits=Limits(max_rule_seconds=0.3)))
    assert not [f for f in result.findings if f.rule == "rule-timeout"]
    assert len([f for f in result.findings if f.message]) > 10


def test_a_document_has_one_budget_for_all_its_rules(tmp_path: Path) -> None:
    # Each stopped rule used to give the next one a fresh budget: ten slow rules on three
    # documents ran for 30 s at 1 s.
    rules = write_pack(tmp_path / "rules", {f"slow-{n}": (".*a.*[xy]", "slow") for n in range(3)})
    long = tmp_path / "long.yaml"
    long.write_text(POLICY.format(quote="a" * 99_000), encoding="utf-8")
    options = CheckOptions(limits=Limits(max_rule_seconds=0.2), rule_dirs=(str(rules),),
                           selection=Selection(packs=("third-party",)), validate=False)
    [result] = check_paths([str(long)], options)
    [timeout] = [f for f in result.findings if f.rule == "rule-timeout"]
    assert "`slow-0` was stopped" in timeout.message
    assert "the 2 rules after it did not run" in timeout.message
    assert result.outcomes == {"slow-0": "skipped", "slow-1": "skipped", "slow-2": "skipped"}


def test_spawned_workers_keep_every_finding_under_a_small_budget(tmp_path: Path, busy: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows and macOS start workers with spawn: each builds its own rules before its
    # first document, and that used to run on the document's clock.
    import multiprocessing

    monkeypatch.setenv("POLICYLINT_CACHE_DIR", "")
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    for n in range(60):
        (tmp_path / f"doc-{n:02d}.yaml").write_bytes(BOSTON.read_bytes())
    options = CheckOptions(limits=Limits(max_rule_seconds=0.3), jobs=2)
    spawned = list(check_paths([str(tmp_path)], options))
    assert len(spawned) == 60
    assert not [f for r in spawned for f in r.findings if f.rule == "rule-timeout"]
    alone = list(check_paths([str(tmp_path)], CheckOptions(limits=Limits(max_rule_seconds=60))))
    assert [r.findings for r in spawned] == [r.findings for r in alone]


def test_loading_a_checks_tables_does_not_count_against_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    # The citation checks load their table and compile their patterns on first use, inside
    # the first document's rules: 0.1 s unloaded, enough under load to drop its findings.
    from policylint.load import loader
    from policylint.rules.checks import citations

    real = loader.load_text

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return real(*args, **kwargs)

    citations.table.cache_clear()
    monkeypatch.setattr(loader, "load_text", slow_load)
    chelsea = REPO / "examples" / "ma" / "chelsea.yaml"
    options = CheckOptions(limits=Limits(max_rule_seconds=0.3))
    try:
        [result] = check_paths([str(chelsea)], options)
    finally:
        citations.table.cache_clear()
    rules = {f.rule for f in result.findings}
    assert "rule-timeout" not in rules and "citation-superseded-instrument" in rules


def test_set_up_runs_with_the_clock_stopped() -> None:
    from policylint.rules import deadline

    @deadline.setup
    def slow() -> str:
        time.sleep(0.4)
        return "ready"

    with deadline.budget(0.2) as enforced:
        assert enforced
        assert slow() == "ready"
        with pytest.raises(deadline.Expired):
            time.sleep(1)  # the clock still runs outside set-up
