"""Shared fixtures: run the CLI in-process and write documents to a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from hypothesis_profiles import pytest_configure  # noqa: F401 - Hypothesis: ci unless --hypothesis-profile

REPO = Path(__file__).resolve().parents[1]
#: The shared research folder beside the repository, when present (formats, facts).
SHARED = REPO.parent / "shared"


@pytest.fixture
def run_cli() -> Callable[..., object]:
    """Invoke ``policylint ARGS`` in-process; returns click's Result (exit_code, output)."""
    from policylint.cli import cli

    def run(*args: str, input: str | bytes | None = None) -> object:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _own_results_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets an empty results cache: no result crosses tests, none lands in ~/.cache."""
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path_factory.mktemp("results-cache")))


#: Test modules marked ``slow`` as a whole: real processes, a browser, large inputs and
#: property-based runs of hundreds of examples.  ``pytest -m "not slow"`` leaves them out
#: (the fast suite, for a developer's edit-test loop); CI runs everything.
SLOW_MODULES = frozenset({
    "test_hostile_inputs", "test_hostile_output", "test_fuzz_formats", "test_fuzz_pipeline",
    "test_fuzz_loader", "test_fastvalidate", "test_engine_shortcuts", "test_parallel",
    "test_report_browser",
})


#: Single tests of other modules that take seconds (a subprocess, a property run, an XSD).
SLOW_TESTS = frozenset({
    "test_no_document_shape_makes_any_rule_raise", "test_the_key_does_not_depend_on_the_hash_seed",
    "test_findings_survive_the_cache", "test_hostile_inputs_end_cleanly_in_a_real_process",
    "test_valid_against_both_xsds", "test_schema_is_valid_2020_12",
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        name = getattr(item, "originalname", None) or item.name
        if (module is not None and module.__name__.rpartition(".")[2] in SLOW_MODULES) \
                or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
