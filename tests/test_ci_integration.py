"""What CI and hooks run: the pre-commit hook, the GitHub Action (valid metadata, SARIF upload,
caches, no doubled annotations), the GitLab example, and help listing every output format."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from policylint.report import FORMATS

ROOT = Path(__file__).resolve().parents[1]


def test_precommit_hook_checks_all_files_in_one_process():
    # pre-commit splits the files into one batch per processor unless the hook is serial, and
    # each batch would print its own summary; serial, it splits only past 128 KiB of names.
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    hook = hooks["policylint"]
    assert hook["entry"] == "policylint check --skip-other-yaml"
    assert hook["require_serial"] is True
    assert hook.get("pass_filenames", True) is True


def test_precommit_hook_skips_yaml_that_is_not_a_policy_document(run_cli, write):
    # pre-commit passes every staged YAML file (types: [yaml]); mkdocs.yml is not a policy.
    import re
    import shlex

    hook = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}["policylint"]
    policy = write("policies/town.yaml", (ROOT / "examples" / "ma" / "quincy.yaml").read_text("utf-8"))
    other = write("mkdocs.yml", "site_name: Our policies\nnav: [index.md]\n")
    assert re.search(hook["exclude"], "mkdocs.yml") is None  # it does reach the hook
    program, *args = shlex.split(hook["entry"])
    assert program == "policylint"
    result = run_cli(*args, "--isolated", "-f", "json", str(policy), str(other))
    assert "input-not-policylint" not in result.output
    assert "skipped 1 YAML file that is not a policylint document" in result.stderr
    files = [entry["file"] for entry in json.loads(result.stdout)["files"]]
    assert files == [str(policy)]
    # Named without the hook's option, it is still an error (a mistyped path is no policy).
    plain = run_cli("check", "--isolated", str(other))
    assert plain.exit_code == 2 and "input-not-policylint" in plain.output


def test_check_help_lists_every_format(run_cli):
    text = " ".join(run_cli("check", "--help").output.split())
    for name in FORMATS:
        assert f"{name}," in text or f"{name}, or" in text, name
    assert "template:PATH.j2" in text


ACTION_SCHEMA = ROOT / "tests" / "data" / "schemastore" / "github-action.json"


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))


def test_action_metadata_is_valid_against_the_schemastore_schema():
    if not ACTION_SCHEMA.is_file():
        pytest.skip(f"the action metadata schema is not at {ACTION_SCHEMA}")
    import jsonschema

    schema = json.loads(ACTION_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(_action()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # The schema has teeth: a step key GitHub does not know is rejected.
    broken = _action()
    broken["runs"]["steps"][0]["continue-on-eror"] = True
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def _steps() -> list[dict]:
    return _action()["runs"]["steps"]


def test_action_uploads_sarif_with_v4_without_failing_the_job():
    [upload] = [s for s in _steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v4"
    assert upload["continue-on-error"] is True


def test_action_caches_the_install_and_optionally_the_results():
    inputs = _action()["inputs"]
    assert inputs["cache"]["default"] == "true"
    assert inputs["results-cache"]["default"] == "false"
    caches = [s for s in _steps() if s.get("uses", "").startswith("actions/cache@")]
    conditions = sorted(s["if"] for s in caches)
    assert conditions == ["inputs.cache == 'true'", "inputs.results-cache == 'true'"]
    check = next(s for s in _steps() if s.get("id") == "check")
    assert '--cache-dir "$PL_RESULTS"' in check["run"]
    install = next(s for s in _steps() if s.get("name") == "Install policylint")
    assert install["env"]["PIP_CACHE_DIR"] == "${{ steps.where.outputs.pip }}"


def _bash(script: str, env: dict[str, str], tmp_path: Path) -> list[str]:
    """Run the Check step's script with a stub `policylint` that prints its arguments."""
    stub = tmp_path / "bin"
    stub.mkdir(exist_ok=True)
    (stub / "policylint").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    (stub / "policylint").chmod(0o755)
    out = tmp_path / "github-output"
    full = {"PATH": f"{stub}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), **env}
    done = subprocess.run(["bash", "-c", script], env=full, capture_output=True, text=True, check=True)
    assert "exit-code=0" in out.read_text("utf-8")
    return done.stdout.splitlines()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_annotations_and_code_scanning_do_not_both_annotate_by_default(tmp_path):
    check = next(s for s in _steps() if s.get("id") == "check")
    inputs = _action()["inputs"]
    env = {"PL_PATHS": "policies", "PL_ARGS": "", "PL_FAIL_ON": "", "PL_BASELINE": "",
           "PL_SARIF": "out.sarif", "PL_RESULTS_CACHE": "false", "PL_RESULTS": "",
           "PL_UPLOAD": inputs["upload-sarif"]["default"],
           "PL_ANNOTATIONS": inputs["annotations"]["default"]}
    uploaded = _bash(check["run"], env, tmp_path)  # the defaults: SARIF uploaded
    assert "github" not in uploaded
    assert uploaded[:5] == ["check", "-f", "text", "-f", f"markdown:{tmp_path / 'summary.md'}"]
    assert "sarif:out.sarif" in uploaded and uploaded[-1] == "policies"
    alone = _bash(check["run"], {**env, "PL_UPLOAD": "false"}, tmp_path)
    assert alone[:3] == ["check", "-f", "github"]
    forced = _bash(check["run"], {**env, "PL_ANNOTATIONS": "true"}, tmp_path)
    assert forced[:3] == ["check", "-f", "github"]


def test_gitlab_example_installs_from_the_repository_not_an_unpublished_package():
    text = (ROOT / "examples" / "policy-repo" / ".gitlab-ci.yml").read_text("utf-8")
    config = yaml.safe_load(text)
    script = " ".join(config["policylint"]["script"])
    assert "pip install policylint" not in script  # no such package is published
    assert "$POLICYLINT_SOURCE" in script
    assert config["variables"]["POLICYLINT_SOURCE"].endswith(".tar.gz")
    ci_doc = (ROOT / "docs" / "ci.md").read_text("utf-8")
    assert "pip install policylint\n" not in ci_doc


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_install_cache_key_follows_the_action_files(tmp_path):
    where = next(s for s in _steps() if s.get("id") == "where")

    def key(action_path: Path) -> dict[str, str]:
        out = tmp_path / "out"
        env = {**os.environ, "GITHUB_ACTION_PATH": str(action_path), "RUNNER_TEMP": "/runner/temp",
               "GITHUB_OUTPUT": str(out)}
        out.write_text("", encoding="utf-8")
        subprocess.run(["bash", "-c", where["run"]], env=env, check=True, capture_output=True)
        return dict(line.split("=", 1) for line in out.read_text("utf-8").splitlines())

    copy = tmp_path / "action"
    shutil.copytree(ROOT / "policylint", copy / "policylint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    first = key(copy)
    assert len(first["key"]) == 20 and first["venv"] == "/runner/temp/policylint-venv"
    assert key(copy) == first
    (copy / "policylint" / "rules.yaml").write_text("changed: true\n", encoding="utf-8")
    assert key(copy)["key"] != first["key"]
