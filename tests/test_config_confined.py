"""A configuration found by searching upwards comes with the repository (perhaps from a
stranger's pull request): every path it names stays inside the project, it may only lower
limits, and no chain of `extends` can crash or stall the run."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from policylint.errors import ConfigError
from policylint.run import config as configuration
from tests.test_cli_check import VALID


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "d.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(root)
    return root


def _discover(project: Path, text: str) -> Any:
    (project / "policylint.yaml").write_text(text, encoding="utf-8")
    return configuration.resolve(cwd=str(project))


@pytest.mark.parametrize("text, what", [
    ('output: ["template:/etc/passwd"]\n', "`output` reads the template"),
    ("output: ['template:../elsewhere/t.j2:report.txt']\n", "`output` reads the template"),
    ("baseline: ../elsewhere/base.json\n", "`baseline` names"),
    ("rule-dirs: [../elsewhere]\n", "`rule-dirs` reads"),
    ("output: ['json:../elsewhere/out.json']\n", "`output` writes"),
])
def test_every_path_a_discovered_configuration_names_stays_in_the_project(
        project: Path, text: str, what: str, run_cli: Any) -> None:
    with pytest.raises(ConfigError, match=f"{what} .*outside the project"):
        _discover(project, text)
    result = run_cli("check", "d.yaml")
    assert result.exit_code == 2 and "outside the project" in result.output
    assert "root:" not in result.output  # /etc/passwd was not printed
    assert not list((project.parent / "elsewhere").iterdir())


def test_a_link_out_of_the_project_is_outside_it(project: Path) -> None:
    (project / "rules").symlink_to(project.parent / "elsewhere")
    with pytest.raises(ConfigError, match="outside the project"):
        _discover(project, "rule-dirs: [rules]\n")


def test_the_same_paths_are_allowed_with_an_explicit_config(project: Path) -> None:
    (project / "policylint.yaml").write_text("baseline: ../elsewhere/base.json\n", encoding="utf-8")
    got = configuration.resolve(cwd=str(project), explicit=str(project / "policylint.yaml"))
    assert got.get("baseline").endswith("elsewhere/base.json")


def test_a_discovered_configuration_may_only_lower_limits(project: Path, run_cli: Any) -> None:
    lowered = _discover(project, "limits: {max-file-size: 1000, max-rule-seconds: 0.5}\n")
    assert lowered.get("limits") == {"max-file-size": 1000, "max-rule-seconds": 0.5}
    for raised in ("max-file-size: 1000000000", "max-nodes: 100000000", "max-rule-seconds: 600",
                   "max-depth: 100000", "max-string: 10000000", "max-documents: 10000000"):
        with pytest.raises(ConfigError, match="may only lower limits"):
            _discover(project, f"limits: {{{raised}}}\n")
    result = run_cli("check", "d.yaml")
    assert result.exit_code == 2 and "may only lower limits" in result.output
    explicit = configuration.resolve(cwd=str(project), explicit=str(project / "policylint.yaml"))
    assert explicit.get("limits") == {"max-documents": 10_000_000}


def test_jobs_are_capped_at_the_processors(project: Path) -> None:
    from policylint.run.config import default_jobs

    assert _discover(project, "jobs: 100000\n").get("jobs") == default_jobs()
    assert _discover(project, "jobs: 0\n").get("jobs") == 0
    explicit = configuration.resolve(cwd=str(project), explicit=str(project / "policylint.yaml"))
    assert explicit.get("jobs") == 0


def test_a_1200_deep_chain_of_extends_is_a_clear_error(project: Path, run_cli: Any) -> None:
    for n in range(1200):
        (project / f"c{n}.yaml").write_text(f"extends: c{n + 1}.yaml\n" if n < 1199 else "fail-on: info\n",
                                            encoding="utf-8")
    (project / "policylint.yaml").write_text("extends: c0.yaml\n", encoding="utf-8")
    result = run_cli("check", "d.yaml")
    assert result.exit_code == 2, result.output
    assert "`extends` goes more than" in result.output and "Traceback" not in result.output


def test_a_diamond_of_extends_reads_each_file_once(project: Path) -> None:
    # 30 levels of diamonds: each file extends both files of the level below (2^30 paths).
    levels = 30
    for n in range(levels):
        for side in "ab":
            below = f"extends: [l{n + 1}a.yaml, l{n + 1}b.yaml]\n" if n + 1 < levels else ""
            (project / f"l{n}{side}.yaml").write_text(below + "fail-on: warning\n", encoding="utf-8")
    (project / "policylint.yaml").write_text("extends: [l0a.yaml, l0b.yaml]\n", encoding="utf-8")
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(configuration.resolve(cwd=str(project))), daemon=True)
    worker.start()
    worker.join(120)
    assert got, "extends did not finish"
    assert len(got[0].files) == 2 * levels + 1


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_rule_files_templates_and_baselines_must_be_regular_files(
        project: Path, run_cli: Any, kind: str) -> None:
    odd = project / "odd"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    rules = project / "rules" / "third"
    rules.mkdir(parents=True)
    (rules / "x.yaml").symlink_to(odd)
    template = project / "t.j2"
    template.symlink_to(odd)
    baseline = project / "base.json"
    baseline.symlink_to(odd)
    for args in (("check", "--isolated", "--baseline", str(baseline), "d.yaml"),
                 ("check", "--isolated", "-f", f"template:{template}", "d.yaml"),
                 ("check", "--config", str(_config(project, "rule-dirs: [rules]\n")), "d.yaml")):
        result = _with_timeout(run_cli, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "not a regular file" in result.output, (args, result.output)


def _config(project: Path, text: str) -> Path:
    path = project / "explicit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _with_timeout(run: Any, *args: str) -> Any:
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(run(*args)), daemon=True)
    worker.start()
    worker.join(60)
    assert got, f"{args} did not finish"
    return got[0]
