"""Every kind of bad input in DESIGN §6 gets a clear message with its position, exit code 2 (or
a finding), bounded time and memory, and never stops the other files of the run.

Run this file as a script to print the table of worst time and peak memory per class that
docs/security.md shows: ``PYTHONPATH=. python tests/test_hostile_inputs.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from policylint.load.document import Document
from policylint.load.loader import Limits, load_bytes, load_text
from policylint.run.api import check

VALID = textwrap.dedent("""\
    policylint: 1
    agency: {name: Test PD, kind: municipal_police, state: MA}
    instrument: {kind: department_policy, title: T, effective_date: 2024-01-01}
    provisions:
      civil_detainer_hold: {value: prohibited, quote: "No holds."}
    """)


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


# name -> how to make the input under a folder: the path to check, or the `check` arguments.
CASES: dict[str, Callable[[Path], Any]] = {}


def case(name: str) -> Callable[[Callable[[Path], Any]], Callable[[Path], Any]]:
    def register(make: Callable[[Path], Any]) -> Callable[[Path], Any]:
        CASES[name] = make
        return make
    return register


def _file(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@case("malformed YAML")
def _malformed(root: Path) -> Path:
    return _file(root, "malformed.yaml", "agency: {name: x\n  kind: [\n")


@case("wrong types")
def _wrong_types(root: Path) -> Path:
    return _file(root, "types.yaml", VALID.replace("{name: Test PD, kind: municipal_police, state: MA}",
                                                   "[1, 2]").replace("value: prohibited", "value: 7"))


@case("unknown keys (60,000 in one mapping)")
def _unknown(root: Path) -> Path:
    return _file(root, "unknown.yaml", VALID + "".join(f"k{i}: 1\n" for i in range(60_000)))


@case("duplicate keys (20,000)")
def _duplicates(root: Path) -> Path:
    return _file(root, "dup.yaml", VALID + "k: 1\n" * 20_000)


@case("billion laughs (10^9 values)")
def _bomb(root: Path) -> Path:
    return _file(root, "bomb.yaml", billion_laughs())


@case("5,000 aliases of one 90,000-character quote (110 KB)")
def _long_laughs(root: Path) -> Path:
    quote = "public safety " * 6_400
    return _file(root, "laughs.yaml", VALID + f'x: &e {{kind: public_safety, quote: "{quote}"}}\n'
                 "exceptions: [" + ", ".join(["*e"] * 5_000) + "]\n")


@case("10,000-deep flow nesting")
def _deep_flow(root: Path) -> Path:
    return _file(root, "deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n")


@case("400,000-deep nesting (2 MB)")
def _deeper(root: Path) -> Path:
    return _file(root, "deeper.yaml", "a: " + "{a: " * 400_000 + "}" * 400_000 + "\n")


@case("100 MB file")
def _huge(root: Path) -> Path:
    path = root / "huge.yaml"
    line = "note: " + "x" * 94 + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(100 * 1024 * 1024 // len(line) // 1000 + 1):
            fh.write(line * 1000)
    return path


@case("100 MB on standard input")
def _huge_stdin(root: Path) -> Path:
    return _huge(root)  # piped into `check -` by run_case


@case("2 MB of one long value")
def _long_value(root: Path) -> Path:
    return _file(root, "long.yaml", VALID + "note: '" + "a" * (2 * 1024 * 1024 - 300) + "'\n")


@case("30,000 provisions (1.4 MB, 90,000 values)")
def _big_valid(root: Path) -> Path:
    body = "".join(f"  topic_{i}: {{value: allowed, quote: \"q {i}\"}}\n" for i in range(30_000))
    return _file(root, "big.yaml", VALID.replace("provisions:\n", "provisions:\n" + body))


@case("binary bytes")
def _binary(root: Path) -> Path:
    return _file(root, "binary.yaml", bytes(range(256)) * 100)


@case("non-UTF-8 bytes")
def _latin1(root: Path) -> Path:
    return _file(root, "latin1.yaml", VALID.replace("Test PD", "Caf\xe9 PD").encode("latin-1"))


@case("empty file")
def _empty(root: Path) -> Path:
    return _file(root, "empty.yaml", "")


@case("several documents in one file")
def _multi(root: Path) -> Path:
    return _file(root, "multi.yaml", VALID + "---\n" + VALID)


@case("Python object tags")
def _tags(root: Path) -> Path:
    return _file(root, "tags.yaml", VALID + "x: !!python/object/apply:os.system ['touch PWNED']\n"
                 "y: !!python/name:os.system\n")


@case("missing file")
def _missing(root: Path) -> Path:
    return root / "no-such-file.yaml"


@case("directory of 2,000 files")
def _many(root: Path) -> Path:
    folder = root / "many"
    folder.mkdir()
    for i in range(2_000):
        (folder / f"p{i:04}.yaml").write_text(VALID.replace("Test PD", f"PD {i}"), encoding="utf-8")
    return folder


PACK_RULE = textwrap.dedent("""\
    id: {id}
    title: {id}
    topics: [civil_detainer_hold]
    severity: error
    given: provisions.civil_detainer_hold
    fail: {{path: "@.quote", matches: '{pattern}'}}
    at: quote
    message: "{message}"
    rationale: Why.
    law: {{citation: "Some law"}}
    remediation: {{text: Fix it.}}
    examples:
      pass: [{{document: "provisions: {{civil_detainer_hold: {{quote: b}}}}"}}]
      fail:
        - document: "provisions: {{civil_detainer_hold: {{quote: a}}}}"
          findings: [{{at: /provisions/civil_detainer_hold/quote, line: 1}}]
    """)


def _pack(root: Path, pattern: str, message: str = "found") -> list[str]:
    """A third-party rule folder (one rule and its pack) and the arguments that use it."""
    rules = root / "rules"
    (rules / "third").mkdir(parents=True)
    (rules / "packs").mkdir()
    _file(rules / "third", "third-rule.yaml", PACK_RULE.format(id="third-rule", pattern=pattern,
                                                              message=message))
    _file(rules / "packs", "third-pack.yaml", "id: third-pack\ntitle: T\njurisdiction: any\n"
          "status: advisory\ndescription: T.\nsources: [{citation: x, seen: false}]\n"
          "rules: [{rule: third-rule, severity: error}]\n")
    config = _file(root, "policylint.yaml", f"rule-dirs: [{str(rules)!r}]\n")
    return ["--config", str(config), "--pack", "third-pack"]


@case("hostile pack: catastrophic pattern")
def _pack_regex(root: Path) -> list[str]:
    policy = VALID.replace('"No holds."', '"' + "a" * 5_000 + '!"')
    return [*_pack(root, r"(a+)+$"), str(_file(root, "p.yaml", policy))]


@case("hostile pack: template reaching Python internals")
def _pack_template(root: Path) -> list[str]:
    return [*_pack(root, "a", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
            str(_file(root, "p.yaml", VALID))]


@case("hostile pack: slow pattern on a 99,000-character quote")
def _pack_slow(root: Path) -> list[str]:
    policy = VALID.replace('"No holds."', '"' + "a" * 99_000 + '"')
    # A class, not a letter: a letter absent from the quote is found missing before the search.
    return [*_pack(root, ".*a.*[xy]"), str(_file(root, "p.yaml", policy))]


@case("hostile output template")
def _output_template(root: Path) -> list[str]:
    template = _file(root, "evil.html.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}"
                     "{% for i in range(10**9) %}x{% endfor %}")
    return ["-f", f"template:{template}", str(_file(root, "p.yaml", VALID))]


# -- in-process: the message, the position and the exit code of each class -----------------------

def rules_of(path: Path, **kwargs: object) -> list[tuple[str, int, int]]:
    [result] = check([str(path)], **kwargs)
    return [(f.rule, f.line, f.column) for f in result.findings if f.input_error
            or f.rule.startswith(("yaml-", "schema-"))]


def test_malformed_yaml_points_at_the_problem(tmp_path: Path) -> None:
    assert rules_of(_malformed(tmp_path)) == [("yaml-syntax", 1, 9)]  # the `{` left open


def test_wrong_types_are_schema_findings_at_their_values(tmp_path: Path) -> None:
    got = rules_of(_wrong_types(tmp_path))
    assert got == [("schema-wrong-type", 2, 9), ("schema-invalid-value", 5, 32)]


def test_a_state_or_city_of_the_wrong_type_is_a_schema_finding_not_a_crash() -> None:
    # Found by fuzzing: a list as agency.state reached a cache key and stopped the run.
    from policylint.run.api import check_text

    for bad in ("[MA]", "{a: b}", "7", "null"):
        text = VALID.replace("state: MA}", f"state: {bad}, jurisdiction: [Quincy]}}")
        result = check_text(text, "bad-state.yaml")
        assert not result.input_error and result.outcomes  # the rules ran


def test_tens_of_thousands_of_unknown_keys_stay_linear(tmp_path: Path) -> None:
    start = time.process_time()
    [result] = check([str(_unknown(tmp_path))])
    assert time.process_time() - start < 60  # CPU time, generous: was quadratic, minutes
    got = [(f.rule, f.line, f.column) for f in result.findings if f.rule.startswith("schema-")]
    assert got[0] == ("schema-unknown-key", 6, 1) and len(got) == 1_000
    [capped] = [f for f in result.findings if f.rule == "findings-capped"]
    assert capped.message == ("`schema-unknown-key` found 60,000 problems in this document; "
                              "only the first 1,000 are reported")
    assert (capped.line, dict(capped.args)["total"]) == (1_006, 60_000)  # the 1,001st key


def test_wide_mappings_resolve_positions_in_constant_time() -> None:
    text = "m:\n" + "".join(f"  k{i}: {i}\n" for i in range(20_000))
    doc = load_text(text).document
    assert isinstance(doc, Document)
    start = time.process_time()
    spans = [doc.key_span(f"/m/k{i}").line for i in range(20_000)]
    assert spans == list(range(2, 20_002))
    assert time.process_time() - start < 15  # CPU time, generous


def test_duplicate_keys_are_reported_each(tmp_path: Path) -> None:
    got = rules_of(_duplicates(tmp_path))
    assert got.count(("yaml-duplicate-key", 7, 1)) == 1
    assert len([g for g in got if g[0] == "yaml-duplicate-key"]) == 1_000  # of 19,999: capped


def test_alias_bomb(tmp_path: Path) -> None:
    assert rules_of(_bomb(tmp_path)) == [("yaml-too-many-nodes", 1, 37)]


def test_aliases_repeating_a_long_value_are_refused_like_a_bomb() -> None:
    # 110 KB of YAML once expanded to 450 MB of text: 5,000 aliases of a 90,000-character
    # quote, each quoted back in a message (6 s, 740 MB, 240 MB of output).
    quote = "public safety " * 6_400
    text = (f'x: &e {{kind: public_safety, quote: "{quote}"}}\n'
            "exceptions: [" + ", ".join(["*e"] * 5_000) + "]\n")
    start = time.process_time()
    result = load_text(text, "laughs.yaml")
    assert time.process_time() - start < 4  # CPU time, generous (was 6 s)
    assert [(f.rule, f.line, f.column) for f in result.findings] == [("yaml-too-many-nodes", 1, 36)]
    assert "expand it to more than 2,097,152 characters" in result.findings[0].message
    key = "k" * 90_000
    keyed = f"a: &m\n  ? {key}\n  : 1\nb: [" + ", ".join(["*m"] * 50) + "]\n"
    assert [f.rule for f in load_text(keyed).findings] == ["yaml-too-many-nodes"]
    assert [f.rule for f in load_text(f"? {key}\n: 1\n", limits=Limits(max_string=1_000)).findings] == [
        "yaml-string-too-long"]


def test_deep_nesting_stops_at_the_level_that_passes_the_limit(tmp_path: Path) -> None:
    # libyaml 0.2.6 (PyYAML 6.0.4 wheels) scans flow collections ahead of the events we
    # count and stops itself at 1,000 levels; 0.2.5 lets our limit (64) stop it first.
    assert rules_of(_deep_flow(tmp_path)) in ([("yaml-too-deep", 1, 68)], [("yaml-too-deep", 1, 1003)])
    assert rules_of(_deeper(tmp_path)) in ([("yaml-too-deep", 1, 260)], [("yaml-too-deep", 1, 4003)])


def test_a_depth_limit_above_what_libyaml_survives_uses_the_pure_parser() -> None:
    # libyaml's composer recurses in C and crashes the process past ~20,000 levels.
    result = load_text("a: " + "[" * 30_000 + "]" * 30_000, limits=Limits(max_depth=50_000))
    assert [f.rule for f in result.findings] == ["yaml-too-deep"]


def test_reader_errors_point_at_the_character_after_wide_characters_and_line_separators() -> None:
    # Found by fuzzing: libyaml reports a bad character's offset in UTF-8 bytes, and YAML
    # (like every other position) counts NEL, LS and PS as line ends.
    assert [(f.line, f.column) for f in load_text("\U00010000\x1f").findings] == [(1, 2)]
    assert [(f.line, f.column) for f in load_text("a: 1\u2028b: \x00").findings] == [(2, 4)]


def test_a_lone_surrogate_escape_is_a_syntax_error_on_either_parser() -> None:
    # libyaml refuses "\ud800"; the pure-Python parser (used past libyaml's depth) let it
    # through, and no output could encode it.
    text = '"\\ud800": 1\nb: "x\\udc00"\n'
    long_list = "c:\n" + "  - x\n" * 11_000  # enough indicators to look deep: the pure parser
    for limits in (Limits(), Limits(max_depth=20_000, max_nodes=10**6)):
        result = load_text(text + long_list, limits=limits)
        assert result.document is None
        assert [(f.rule, f.line) for f in result.findings] == [("yaml-syntax", 1)]
    import yaml

    assert yaml.SafeLoader(text).get_single_node().value[0][0].value == "\ud800"


def test_oversized_files_are_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with open(path, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # a sparse file: 100 MB that cost nothing to make
    [(rule, line, column)] = rules_of(path)
    assert (rule, line, column) == ("input-too-large", 1, 1)


def test_long_values_are_refused_with_their_position(tmp_path: Path) -> None:
    assert rules_of(_long_value(tmp_path)) == [("yaml-string-too-long", 6, 7)]


def test_binary_and_encodings(tmp_path: Path) -> None:
    assert rules_of(_binary(tmp_path)) == [("input-binary", 1, 1)]
    assert rules_of(_latin1(tmp_path)) == [("input-encoding", 2, 19)]
    assert [f.rule for f in load_bytes(b"\xff\xfe\x00", "odd.yaml").findings] == ["input-encoding"]


def test_empty_multiple_tags_missing(tmp_path: Path) -> None:
    assert rules_of(_empty(tmp_path)) == [("yaml-empty", 1, 1)]
    assert rules_of(_multi(tmp_path)) == [("yaml-multiple-documents", 6, 1)]
    got = rules_of(_tags(tmp_path))
    assert ("yaml-tag", 6, 4) in got and ("yaml-tag", 7, 4) in got
    assert not (Path.cwd() / "PWNED").exists()
    assert rules_of(_missing(tmp_path)) == [("input-unreadable", 1, 1)]


def test_a_bad_file_never_stops_the_others(tmp_path: Path) -> None:
    good = _file(tmp_path, "good.yaml", VALID)
    paths = [_bomb(tmp_path), _binary(tmp_path), _missing(tmp_path), good, _deep_flow(tmp_path)]
    results = check([str(p) for p in paths])
    assert [r.file for r in results] == [str(p) for p in paths]
    assert [r.input_error for r in results] == [True, True, True, False, True]


def test_directory_walk_reports_link_loops_pipes_and_broken_links(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    _file(folder, "a-good.yaml", VALID)
    os.symlink("b-loop.yaml", folder / "b-loop.yaml")
    os.symlink("nowhere.yaml", folder / "c-broken.yaml")
    os.mkfifo(folder / "d-pipe.yaml")
    os.symlink(".", folder / "e-dir-loop")  # a directory link: not followed, so no loop
    _file(folder, "f-good.yaml", VALID)
    start = time.perf_counter()
    results = check([str(folder)])
    assert time.perf_counter() - start < 60  # generous: reading the pipe would block forever
    got = {Path(r.file).name: (r.findings[0].message if r.input_error else "ok") for r in results}
    assert got == {
        "a-good.yaml": "ok",
        "b-loop.yaml": "Too many levels of symbolic links",
        "c-broken.yaml": "no such file",
        "d-pipe.yaml": "not a regular file (a pipe, socket or device); skipped",
        "f-good.yaml": "ok",
    }


def test_unreadable_files_and_folders_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    folder = tmp_path / "policies"
    (folder / "locked").mkdir(parents=True)
    _file(folder, "secret.yaml", VALID)
    _file(folder, "open.yaml", VALID)
    real_open, real_scandir = builtins.open, os.scandir

    def fake_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def fake_scandir(path=".", *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    got = {Path(r.file).name: [f.message for f in r.findings if f.input_error] for r in check([str(folder)])}
    assert got["secret.yaml"] == ["permission denied"]
    assert got["open.yaml"] == []
    assert got["locked"] == ["cannot read directory: Permission denied"]


def test_the_document_limit_ends_the_run_with_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5):
        _file(folder, f"p{i}.yaml", VALID)
    results = check([str(folder)], limits=Limits(max_documents=3))
    assert len(results) == 4 and not any(r.input_error for r in results[:3])
    assert results[3].findings[0].rule == "input-too-many-files"
    assert "limit of 3 documents" in results[3].findings[0].message


def test_an_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    from policylint.errors import UsageError
    from policylint.report.outputs import run_check
    from policylint.run.api import CheckSettings

    policy = _file(tmp_path, "p.yaml", VALID)
    for paths, target in (((str(policy),), str(policy)), ((str(tmp_path),), str(tmp_path / "new.yaml"))):
        with pytest.raises(UsageError, match="is an input of this run"):
            run_check(CheckSettings(paths=paths, outputs=(("json", target),)))
    assert policy.read_text(encoding="utf-8") == VALID and not (tmp_path / "new.yaml").exists()


def test_an_interrupted_run_leaves_the_old_report_and_no_half_written_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.report import outputs
    from policylint.run.api import CheckSettings

    report = _file(tmp_path, "report.json", "old report\n")
    paths = [str(_file(tmp_path, f"p{i}.yaml", VALID)) for i in range(3)]
    real = outputs.iter_results

    def interrupted(settings):  # type: ignore[no-untyped-def]
        for n, result in enumerate(real(settings)):
            if n == 2:
                raise KeyboardInterrupt
            yield result

    monkeypatch.setattr(outputs, "iter_results", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.run_check(CheckSettings(paths=tuple(paths), outputs=(("json", str(report)),
                                                                     ("concise", str(tmp_path / "c.txt")))))
    assert report.read_text(encoding="utf-8") == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p0.yaml", "p1.yaml", "p2.yaml", "report.json"]


@pytest.mark.parametrize(("line", "message"), [
    ("extends: ../../etc/passwd", "`extends` reads"),
    ("extends: [base.yaml, /etc/hostname]", "`extends` reads"),
    ('output: ["json:../outside.json"]', "`output` writes"),
    ('output: ["sarif:/tmp/elsewhere.sarif"]', "`output` writes"),
])
def test_a_found_configuration_cannot_reach_outside_its_project(tmp_path: Path, line: str, message: str) -> None:
    # A repository's own configuration may come from a stranger's pull request.
    from policylint.errors import ConfigError
    from policylint.run import config

    project = tmp_path / "repo"
    project.mkdir()
    _file(project, "base.yaml", "fail-on: warning\n")
    _file(project, ".policylint.yaml", line + "\n")
    with pytest.raises(ConfigError, match=message):
        config.resolve(cwd=str(project))
    # Named on the command line, the same file is the user's own choice.
    if "hostname" not in line and "passwd" not in line:
        config.resolve(explicit=str(project / ".policylint.yaml"))


def test_a_found_configuration_may_use_its_own_folder(tmp_path: Path) -> None:
    from policylint.run import config

    _file(tmp_path, "base.yaml", "fail-on: warning\n")
    (tmp_path / "reports").mkdir()
    _file(tmp_path, ".policylint.yaml", 'extends: base.yaml\noutput: ["json:reports/r.json"]\n')
    assert config.resolve(cwd=str(tmp_path)).get("fail-on") == "warning"


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    paths = [_tags(tmp_path), _bomb(tmp_path), _file(tmp_path, "good.yaml", VALID)]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    check([str(p) for p in paths])
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == before


# -- in a real process: time, memory, exit code and no traceback for every class ------------------

_MEASURE = textwrap.dedent("""\
    import json, resource, sys, time
    start = time.perf_counter()
    from policylint.cli import main
    try:
        main(sys.argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss  # on Linux this keeps the parent's size from before exec: prefer
    try:                       # the peak of this program's own memory
        with open("/proc/self/status") as fh:
            peak_kb = next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # --jobs runs a process pool
    print(json.dumps({"wall": time.perf_counter() - start,
                      "cpu": usage.ru_utime + usage.ru_stime + workers.ru_utime + workers.ru_stime,
                      "rss_mb": max(peak_kb, workers.ru_maxrss) / 1024, "code": code}), file=sys.stderr)
    """)


def run_case(name: str, root: Path) -> dict[str, object]:
    """Check one class's input with ``policylint check`` in a fresh interpreter; measure it."""
    target = CASES[name](root)
    stdin = name.endswith("standard input")
    if isinstance(target, list):
        args = ["check", *target] if "-f" in target else ["check", "-f", "concise", *target]
        target = Path(os.devnull)
    else:
        args = ["check", "-f", "concise", "-" if stdin else str(target)]
    with open(target if stdin else os.devnull, "rb") as feed:
        proc = subprocess.run([sys.executable, "-c", _MEASURE, *args], stdin=feed,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "POLICYLINT_CACHE_DIR": str(root / "cache")})
    *_, last = proc.stderr.strip().splitlines() or ["{}"]
    out: dict[str, object] = json.loads(last) if last.startswith("{") else {"code": proc.returncode}
    out["traceback"] = "Traceback" in proc.stderr or "Traceback" in proc.stdout
    out["first"] = (proc.stdout.splitlines() or proc.stderr.splitlines() or [""])[0]
    out["output"] = proc.stdout + proc.stderr
    return out


@pytest.mark.parametrize(("name", "code", "says"), [
    ("hostile pack: catastrophic pattern", 1, "[rule-timeout]"),
    ("hostile pack: template reaching Python internals", 2, "`__subclasses__` is not available"),
    ("hostile pack: slow pattern on a 99,000-character quote", 1, "[rule-timeout] rule `third-rule` was stopped"),
    ("hostile output template", 2, "template failed"),
])
def test_hostile_packs_and_templates_are_refused_or_contained(name: str, code: int, says: str,
                                                              tmp_path: Path) -> None:
    got = run_case(name, tmp_path)
    assert got["code"] == code and says in str(got["output"]), got
    assert got["cpu"] < 5 and not got["traceback"], got


BOUNDED = ["billion laughs (10^9 values)", "10,000-deep flow nesting", "100 MB file",
           "100 MB on standard input"]


@pytest.mark.parametrize("name", BOUNDED)
def test_the_three_classic_attacks_end_in_under_2_s_and_200_mb(name: str, tmp_path: Path) -> None:
    got = run_case(name, tmp_path)
    assert got["code"] == 2 and not got["traceback"]
    assert got["cpu"] < 2.0, got  # CPU, not wall: the machine is shared
    assert got["rss_mb"] < 200, got


@pytest.mark.parametrize("name", [n for n in CASES if n not in BOUNDED])
def test_every_class_ends_cleanly_in_a_real_process(name: str, tmp_path: Path) -> None:
    got = run_case(name, tmp_path)
    assert got["code"] in (0, 1, 2) and not got["traceback"], got
    assert got["rss_mb"] < 400, got


def main() -> None:  # pragma: no cover - prints the table for docs/security.md
    import tempfile

    print("| input | exit | worst wall s | worst CPU s | peak RSS MB | first line of output |")
    print("|---|---|---|---|---|---|")
    for name in CASES:
        runs = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(run_case(name, Path(tmp)))
        first = str(runs[0]["first"]).split(": ", 1)[-1][:70].replace("|", "\\|")
        print(f"| {name} | {runs[0]['code']} | {max(r['wall'] for r in runs):.2f} | "
              f"{max(r['cpu'] for r in runs):.2f} | {max(r['rss_mb'] for r in runs):.0f} | {first} |")


if __name__ == "__main__":  # pragma: no cover
    main()
