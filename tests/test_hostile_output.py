"""Policy text and file names in reports: what fuzzing found, kept as plain regression tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from policylint.finding import Finding
from policylint.report import RenderContext, format_module
from policylint.report.environment import _LOG, _escape, terminal_safe
from policylint.run.runner import FileResult, Summary, display_name

POLICY = b"policylint: 1\nagency: {name: A, kind: municipal_police, state: MA}\n"


def render(name: str, result: FileResult) -> str:
    summary = Summary()
    summary.add(result)
    ctx = RenderContext(color=False, tool_version="1", root="/nonexistent")
    module = format_module(name)
    if getattr(module, "STREAM", False):
        return module.render_file(result, ctx) + module.render_summary(summary, ctx)
    return module.render([result], summary, ctx)


def test_a_file_named_like_a_workflow_command_runs_no_command_in_text_output() -> None:
    # The text format prints the file name alone on a line: `::error::x.yaml` was a command.
    for name in ("::error::x.yaml", "  ::stop-commands::t.yaml", "a\n::error::b.yaml"):
        f = Finding(file=name, rule="yaml-empty", severity="error", message="the file is empty")
        for fmt in ("text", "concise"):
            lines = render(fmt, FileResult(name, [f])).split("\n")
            assert not any(line.lstrip().startswith("::") for line in lines), (fmt, lines)


def test_values_lose_line_breaks_and_control_sequences_but_keep_their_text() -> None:
    assert terminal_safe("::error::x") == "\\x3a:error::x"
    assert terminal_safe("a\n::b\r\x1b[31m\x9b") == "a\\x0a::b\\x0d\\x1b[31m\\x9b"
    assert terminal_safe("8 U.S.C. § 1357(g)\tok") == "8 U.S.C. § 1357(g)\tok"


@given(st.text(alphabet=st.sampled_from(" :\t\n\r\x1b\x85\x9b\u00a0\u2028\u3000ab§–"), max_size=12)
       | st.text(max_size=12))
def test_the_printable_shortcut_gives_the_same_text_as_the_full_escape(value: str) -> None:
    assert terminal_safe(value) == _LOG.sub(_escape, value)


def test_github_annotations_carry_no_terminal_escapes() -> None:
    f = Finding(file="p.yaml", rule="r", severity="error", message="\x1b[2J\x1b]0;title\x07 cleared",
                citation="\x1b[31mred")
    out = render("github", FileResult("p.yaml", [f]))
    assert "\x1b" not in out and "\x07" not in out
    annotation = next(ln for ln in out.splitlines() if ln.startswith("::error "))
    assert annotation.startswith("::error file=") and "\\x1b[2J" in annotation


def test_file_names_that_are_not_utf8_are_shown_escaped_in_every_format(tmp_path: Path) -> None:
    # Found by fuzzing the folder walk: `caf\xe9.yaml` (Latin-1 bytes) reached SARIF, GitHub
    # and GitLab output as a lone surrogate, which no output stream can encode.
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.yaml"), "wb") as fh:
        fh.write(POLICY)
    assert display_name(os.fsdecode(os.path.join(folder, b"caf\xe9.yaml"))).endswith("caf\\xe9.yaml")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "POLICYLINT_CACHE_DIR": str(tmp_path / "c")}
    for fmt in ("concise", "json", "sarif", "github", "gitlab", "junit", "markdown"):
        proc = subprocess.run([sys.executable, "-m", "policylint", "check", "-f", fmt, str(tmp_path)],
                              capture_output=True, timeout=60, env=env)
        assert proc.returncode == 1, (fmt, proc.stderr[-300:])
        assert b"xe9.yaml" in proc.stdout, fmt  # `\xe9` (JSON: `\\xe9`, SARIF URI: `%5Cxe9`)


def test_colour_codes_survive_and_policy_text_inside_them_is_still_escaped() -> None:
    # Colour output used to escape its own codes (`\x1b[4m` shown literally).
    f = Finding(file="\x1b[31mred.yaml", rule="r", severity="error", message="m")
    summary = Summary()
    summary.add(FileResult(f.file, [f]))
    text = format_module("text").render_file(FileResult(f.file, [f]), RenderContext(color=True))
    assert text.startswith("\x1b[4m\\x1b[31mred.yaml\x1b[0m")
