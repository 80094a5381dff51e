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
