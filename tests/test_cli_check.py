"""``policylint check`` end to end: findings at file:line:col, exit codes, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

VALID = """\
policylint: 1
agency:
  name: Example Police Department
  kind: municipal_police
  state: MA
  jurisdiction: Example
instrument:
  kind: department_policy
  title: Example policy
  effective_date: 2024-01-01
provisions:
  civil_detainer_hold:
    value: prohibited
    quote: "Officers shall not hold any person solely on a civil immigration detainer."
    section: "II"
"""

WRONG_VALUE = VALID.replace("value: prohibited", "value: forbidden")
DUPLICATE = VALID.replace("  state: MA\n", "  state: MA\n  state: MA\n")
SYNTAX = VALID.replace("title: Example policy", "title: [Example policy")


def concise(result) -> list[str]:
    return [line for line in result.output.splitlines() if line]


def test_three_broken_files_are_all_reported_at_their_positions(run_cli, write):
    a = write("wrong.yaml", WRONG_VALUE)
    b = write("dup.yaml", DUPLICATE)
    c = write("syntax.yaml", SYNTAX)
    result = run_cli("check", "-f", "concise", str(a), str(b), str(c))
    lines = concise(result)
    assert any(line.startswith(f"{a}:13:12: error [schema-invalid-value]") and "did you mean `prohibited`" in line
               for line in lines), lines
    assert any(line.startswith(f"{b}:6:3: error [yaml-duplicate-key]") for line in lines), lines
    assert any(line.startswith(f"{c}:") and "[yaml-syntax]" in line for line in lines), lines
    assert result.exit_code == 2  # the syntax error is an input error
    assert "Traceback" not in result.output


def test_exit_code_1_for_findings_and_fail_on(run_cli, write):
    path = write("wrong.yaml", WRONG_VALUE)
    assert run_cli("check", str(path)).exit_code == 1
    info_only = write("ok.yaml", VALID)
    result = run_cli("check", "--select", "missing-review-date", "--fail-on", "error", str(info_only))
    assert result.exit_code == 0, result.output


def test_missing_file_does_not_stop_the_others(run_cli, write, tmp_path):
    good = write("good.yaml", WRONG_VALUE)
    result = run_cli("check", "-f", "concise", str(tmp_path / "nope.yaml"), str(good))
    assert "no such file" in result.output
    assert "schema-invalid-value" in result.output
    assert result.exit_code == 2


def test_directory_walk_skips_hidden_and_non_yaml(run_cli, write, tmp_path):
    write("a/one.yaml", WRONG_VALUE)
    write("a/two.yml", WRONG_VALUE)
    write("a/notes.txt", "not yaml")
    write("a/.hidden/three.yaml", "::: broken")
    result = run_cli("check", "-f", "json", str(tmp_path / "a"))
    report = json.loads(result.stdout)
    assert [f["file"].rsplit("/", 1)[-1] for f in report["files"]] == ["one.yaml", "two.yml"]


def test_stdin_with_filename(run_cli):
    result = run_cli("check", "-", "--stdin-filename", "draft.yaml", "-f", "concise", input=WRONG_VALUE)
    assert "draft.yaml:13:12: error [schema-invalid-value]" in result.output
    assert result.exit_code == 1


def test_json_output_is_versioned_and_complete(run_cli, write):
    path = write("wrong.yaml", WRONG_VALUE)
    report = json.loads(run_cli("check", "-f", "json", str(path)).stdout)
    assert report["version"] == 1
    finding = next(f for f in report["files"][0]["findings"] if f["rule"] == "schema-invalid-value")
    assert (finding["line"], finding["column"], finding["path"]) == (
        13, 12, "/provisions/civil_detainer_hold/value")


def test_output_file_and_several_formats(run_cli, write, tmp_path):
    path = write("wrong.yaml", WRONG_VALUE)
    out = tmp_path / "out.json"
    result = run_cli("check", "-f", "concise", "-f", f"json:{out}", str(path))
    assert "schema-invalid-value" in result.output
    assert json.loads(out.read_text())["summary"]["files"] == 1


def test_usage_errors_exit_2(run_cli, write):
    path = write("ok.yaml", VALID)
    assert run_cli("check").exit_code == 2
    bad_format = run_cli("check", "-f", "jsn", str(path))
    assert bad_format.exit_code == 2 and "did you mean `json`" in bad_format.output
    bad_pack = run_cli("check", "--pack", "ma-lun", str(path))
    assert bad_pack.exit_code == 2 and "ma-lunn" in bad_pack.output


def test_hostile_inputs_end_cleanly_in_a_real_process(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]\n" for i in range(1, 10)))
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 100_000 + "]" * 100_000)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(bytes(range(256)) * 10)
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", "-f", "concise",
                           str(bomb), str(deep), str(binary)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "[yaml-too-many-nodes]" in proc.stdout
    assert "[yaml-too-deep]" in proc.stdout
    assert "[input-binary]" in proc.stdout


def test_quiet_trims_the_terminal_not_the_report_files(run_cli, write, tmp_path):
    path = write("warn.yaml", VALID.replace("  effective_date: 2024-01-01\n", ""))
    out = tmp_path / "all.json"
    result = run_cli("check", "-q", "-f", "concise", "-f", f"json:{out}", str(path))
    assert "warning" not in result.output
    severities = {f["severity"] for f in json.loads(out.read_text())["files"][0]["findings"]}
    assert "warning" in severities


def test_a_directory_without_yaml_files_is_said(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([sys.executable, "-m", "policylint", "check", str(tmp_path / "empty")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "no YAML files found" in proc.stderr


def test_id_options_take_comma_lists_in_every_command(run_cli):
    from pathlib import Path

    quincy = str(Path(__file__).resolve().parents[1] / "examples" / "ma" / "quincy.yaml")
    one = run_cli("check", quincy, "-f", "concise", "--select", "iaq-trigger-national-origin,iaq-is-notification")
    assert {line.split("[")[1].split("]")[0] for line in one.output.splitlines() if "[" in line} == {
        "iaq-trigger-national-origin", "iaq-is-notification"}
    report = json.loads(run_cli("compare", quincy, "-f", "json", "--pack", "ma-lunn,drafting").output)
    assert "ma-lunn" in json.dumps(report) and "drafting" in json.dumps(report)
    assert run_cli("diff", quincy, quincy, "--pack", "ma-lunn, drafting").exit_code == 0


def test_a_rule_stopped_by_the_deadline_is_reported_under_select(run_cli, write):
    # --select names the rules to run; that they were stopped must not read as "no problems".
    path = write("wrong.yaml", VALID)
    args = ("check", "--isolated", "--no-cache", "-f", "concise", "--max-rule-seconds", "1e-9",
            "--select", "detainer-hold-prohibited", str(path))
    result = run_cli(*args)
    assert "[rule-timeout]" in result.stdout
    assert result.exit_code == 1
    assert "[rule-timeout]" not in run_cli(*args, "--ignore", "rule-timeout").stdout
