"""Configuration: upward discovery, pyproject, extends and merge order, validation errors at
file:line, per-path overrides, severity overrides, show-config provenance, --isolated."""

from __future__ import annotations

import json

import pytest

from policylint.errors import ConfigError
from policylint.run import config as configuration
from policylint.run.api import build_settings, check_text

DOC = """\
policylint: 1
agency: {name: Example Police Department, kind: municipal_police, state: MA, jurisdiction: Example}
instrument: {kind: department_policy, title: Example, effective_date: 2024-01-01}
provisions:
  civil_detainer_hold: {value: allowed, quote: "Officers may hold on detainers.", section: "II"}
"""


def test_discovery_walks_up_and_stops_at_the_first_file(tmp_path):
    (tmp_path / "policylint.yaml").write_text("fail-on: info\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert configuration.find(str(deep)) == str(tmp_path / "policylint.yaml")
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert configuration.find(str(deep)) == str(tmp_path / "policylint.yaml")  # not ours: skipped
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.policylint]\nfail-on = "warning"\n')
    found = configuration.find(str(deep))
    assert found == str(tmp_path / "a" / "pyproject.toml")
    assert configuration.load(found).get("fail-on") == "warning"  # nearest wins, no implicit merge


def test_extends_merge_order_and_provenance(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "fail-on: warning\nselect: [a]\nseverity: {r1: error, r2: info}\n"
        "per-path:\n  - {files: 'drafts/**', ignore: [x]}\n")
    (tmp_path / "policylint.yaml").write_text(
        "extends: base.yaml\nselect: [b]\nseverity: {r2: warning}\n"
        "per-path:\n  - {files: '*.yaml', select: [y]}\nrule-dirs: [rules]\n")
    cfg = configuration.load(str(tmp_path / "policylint.yaml"))
    assert cfg.get("fail-on") == "warning" and cfg.sources["fail-on"].endswith("base.yaml:1:1")
    assert cfg.get("select") == ["b"]  # lists replace
    assert cfg.get("severity") == {"r1": "error", "r2": "warning"}  # mappings merge
    assert cfg.sources["severity.r2"].endswith("policylint.yaml:3:12")
    assert [p.files for p in cfg.per_path] == [("drafts/**",), ("*.yaml",)]  # appended
    assert cfg.get("rule-dirs") == [str(tmp_path / "rules")]  # relative to the file
    assert cfg.files == [str(tmp_path / "base.yaml"), str(tmp_path / "policylint.yaml")]


def test_extends_cycle_is_an_error(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        configuration.load(str(tmp_path / "a.yaml"))


@pytest.mark.parametrize("text, location, message", [
    ("fail-on: warning\nfial-on: error\n", ":2:1", "unknown key `fial-on` (did you mean `fail-on`?)"),
    ("fail-on: sometimes\n", ":1:1", "expected one of: error, warning, info"),
    ("limits:\n  max-depth: 0\n", ":2:3", "0 is less than the minimum of 1"),
    ("select: [a\n", ":1:9", "YAML syntax error: the `[` opened on line 1 is not closed"),
])
def test_invalid_config_reports_file_line(tmp_path, text, location, message):
    path = tmp_path / "policylint.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        configuration.load(str(path))
    assert info.value.location.endswith("policylint.yaml" + location), info.value.location
    assert message in info.value.message


def test_pyproject_error_points_at_the_key(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.policylint]\nfail-on = "never"\n')
    with pytest.raises(ConfigError) as info:
        configuration.load(str(path))
    assert info.value.location.endswith("pyproject.toml:5")


def test_command_line_wins_over_config_and_config_over_defaults(tmp_path):
    (tmp_path / "policylint.yaml").write_text(
        "fail-on: warning\nmax-warnings: 3\noutput: ['sarif:out/x.sarif']\nlimits: {max-depth: 9}\n")
    cfg = configuration.load(str(tmp_path / "policylint.yaml"))
    settings = build_settings(cfg, paths=("d",), fail_on="info", max_depth=None)
    assert settings.fail_on == "info" and settings.max_warnings == 3
    assert settings.outputs == (("sarif", str(tmp_path / "out" / "x.sarif")),)
    assert settings.limits.max_depth == 9
    assert build_settings(cfg, paths=("d",), formats=("json",)).outputs == (("json", None),)
    assert build_settings(configuration.Config(), paths=("d",)).fail_on == "error"


def test_jobs_and_the_cache_switch_come_from_the_config_unless_the_command_line_says(tmp_path):
    (tmp_path / "policylint.yaml").write_text("jobs: 1\ncache: false\n")
    cfg = configuration.load(str(tmp_path / "policylint.yaml"))
    settings = build_settings(cfg, paths=("d",))
    assert settings.jobs == 1 and settings.cache_dir is None
    settings = build_settings(cfg, paths=("d",), jobs=0, cache_dir=str(tmp_path / "c"))
    assert settings.jobs == 0 and settings.cache_dir == str(tmp_path / "c")
    defaults = build_settings(configuration.Config(), paths=("d",))
    assert defaults.jobs is None and defaults.cache_dir  # one per processor; the user cache
    for bad in ("jobs: -1\n", "cache: 'no'\n", "cache-dir: /tmp/x\n"):
        (tmp_path / "policylint.yaml").write_text(bad)
        with pytest.raises(ConfigError):
            configuration.load(str(tmp_path / "policylint.yaml"))


def test_severity_and_per_path_overrides_apply(tmp_path):
    (tmp_path / "policylint.yaml").write_text(
        "severity: {detainer-hold-prohibited: info}\n"
        "per-path:\n  - files: 'drafts/*.yaml'\n    ignore: [detainer-hold-prohibited]\n")
    cfg = configuration.load(str(tmp_path / "policylint.yaml"))
    settings = build_settings(cfg, paths=())
    kwargs = {k: getattr(settings, k) for k in ("severity", "per_path")}
    final = check_text(DOC, str(tmp_path / "final.yaml"), **kwargs)
    draft = check_text(DOC, str(tmp_path / "drafts" / "d.yaml"), **kwargs)
    held = [f for f in final.findings if f.rule == "detainer-hold-prohibited"]
    assert held and all(f.severity == "info" for f in held)
    assert not [f for f in draft.findings if f.rule == "detainer-hold-prohibited"]


def test_unknown_rule_in_per_path_names_the_config_line(tmp_path):
    (tmp_path / "policylint.yaml").write_text("per-path:\n  - {files: '*', ignore: [detainer-hold-prohibitd]}\n")
    settings = build_settings(configuration.load(str(tmp_path / "policylint.yaml")), paths=())
    with pytest.raises(ConfigError) as info:
        check_text(DOC, "x.yaml", per_path=settings.per_path)
    assert "did you mean `detainer-hold-prohibited`" in info.value.message
    assert info.value.location.endswith("policylint.yaml:2:5")


def test_core_rules_can_be_ignored_and_selected():
    doc = DOC.replace("kind: municipal_police", "kind: municipal_police, nmae: x")
    assert any(f.rule == "schema-unknown-key" for f in check_text(doc).findings)
    assert not any(f.rule == "schema-unknown-key" for f in check_text(doc, ignore=("schema-",)).findings)
    only = check_text(doc, select=("schema-unknown-key",)).findings
    assert [f.rule for f in only] == ["schema-unknown-key"]


def test_glob_matching():
    g = configuration.glob_match
    assert g("drafts/**", "/r/drafts/a/b.yaml", "/r")
    assert g("*.yaml", "/r/x/y.yaml", "/r")  # no slash: any folder
    assert not g("drafts/*.yaml", "/r/drafts/a/b.yaml", "/r")
    assert not g("*.yaml", "/elsewhere/y.yaml", "/r")


def test_show_config_lists_sources_and_isolated_ignores_files(run_cli, tmp_path, monkeypatch):
    (tmp_path / "policylint.yaml").write_text("fail-on: warning\n")
    monkeypatch.chdir(tmp_path)
    out = run_cli("show-config").output
    assert "fail-on" in out and "policylint.yaml:1:1" in out and "max-warnings" in out
    data = json.loads(run_cli("show-config", "-f", "json").output)
    row = next(r for r in data["values"] if r["key"] == "fail-on")
    assert row["value"] == "warning"
    isolated = json.loads(run_cli("show-config", "--isolated", "-f", "json").output)
    assert next(r for r in isolated["values"] if r["key"] == "fail-on")["source"] == "default"


def test_check_uses_discovered_config_and_reports_config_errors(run_cli, tmp_path, monkeypatch):
    (tmp_path / "d.yaml").write_text(DOC)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policylint.yaml").write_text("ignore: [detainer-hold-prohibited]\nfail-on: info\n")
    quiet = run_cli("check", "-f", "concise", "d.yaml")
    assert "detainer-hold-prohibited" not in quiet.output
    loud = run_cli("check", "-f", "concise", "--isolated", "d.yaml")
    assert "detainer-hold-prohibited" in loud.output
    (tmp_path / "policylint.yaml").write_text("fail-on: never\n")
    bad = run_cli("check", "d.yaml")
    assert bad.exit_code == 2 and "policylint.yaml:1:1" in bad.output


def test_directory_walks_skip_config_files_and_excluded_globs(run_cli, tmp_path, monkeypatch):
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "d.yaml").write_text(DOC)
    (tmp_path / "pol" / "skip").mkdir()
    (tmp_path / "pol" / "skip" / "broken.yaml").write_text("[")
    (tmp_path / "policylint.yaml").write_text("exclude: [skip]\n")
    monkeypatch.chdir(tmp_path)
    out = run_cli("check", "-f", "json", ".").stdout
    files = [item["file"] for item in json.loads(out)["files"]]
    assert files == ["./pol/d.yaml"]
