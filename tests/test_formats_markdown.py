"""Markdown for PR comments (policy text made inert) and ``-f template:PATH`` (sandboxed)."""

from __future__ import annotations

import pytest

from policylint.errors import UsageError
from policylint.finding import Finding
from policylint.report import RenderContext, format_module
from policylint.report.markdown import md_escape, render
from policylint.report.template import load_template
from policylint.run.config import parse_output_spec
from policylint.run.runner import FileResult, Summary


def sample() -> tuple[list[FileResult], Summary]:
    f = Finding(file="a.yaml", rule="r1", severity="error", message="x | y\n# h <img src=x> @chief **b**",
                line=2, column=1, end_line=2, end_column=3, citation="Lunn v. Commonwealth, 477 Mass. 517 (2017)")
    results = [FileResult("a.yaml", [f, f.with_(rule="r2", suppressed="why")]), FileResult("b.yaml", [])]
    summary = Summary()
    for r in results:
        summary.add(r)
    return results, summary


def test_markdown_escapes_policy_text_into_one_table_cell():
    results, summary = sample()
    out = render(results, summary, RenderContext(root=".", statistics=True))
    row = next(line for line in out.splitlines() if "r1 |" in line)
    assert row.count(" | ") == 3  # the `|` in the message is escaped
    assert "x \\| y<br>\\# h &lt;img src=x&gt; &#64;chief \\*\\*b\\*\\*" in row
    assert "_Law: Lunn v. Commonwealth, 477 Mass. 517 \\(2017\\)_" in row
    assert "r2" not in out.split("| Rule | Count |")[0]  # suppressed: only counted
    assert "1 suppressed" in out


def test_md_escape_neutralises_html_and_formatting():
    assert md_escape("<script>&") == "&lt;script&gt;&amp;"
    assert md_escape("[link](javascript:x)") == "\\[link\\]\\(javascript:x\\)"


def test_template_format_renders_plain_data(tmp_path):
    tpl = tmp_path / "out.txt.j2"
    tpl.write_text("{% for f in active %}{{ f.path_in_repo }}:{{ f.line }} {{ f.rule }}\n{% endfor %}"
                   "{{ summary.findings }}\n", encoding="utf-8")
    results, summary = sample()
    name, target = parse_output_spec(f"template:{tpl}")
    assert target is None
    out = format_module(name).render(results, summary, RenderContext(root="."))
    assert out == "a.yaml:2 r1\n1\n"


def test_html_templates_autoescape(tmp_path):
    tpl = tmp_path / "r.html.j2"
    tpl.write_text("{% for f in findings %}<p>{{ f.message }}</p>{% endfor %}", encoding="utf-8")
    results, summary = sample()
    out = load_template(str(tpl)).render(results, summary, RenderContext(root="."))
    assert "&lt;img src=x&gt;" in out and "<img" not in out


def test_template_is_sandboxed(tmp_path):
    tpl = tmp_path / "evil.j2"
    tpl.write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    results, summary = sample()
    with pytest.raises(UsageError) as info:
        load_template(str(tpl)).render(results, summary, RenderContext(root="."))
    assert "evil.j2" in str(info.value)


@pytest.mark.parametrize("source, says", [
    ("{{ 'a' * 10**9 }}", "repeating a value 1,000,000,000 times would be over"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}{{ ns.s }}", "joining with `~` would be over"),
    ("{% for f in findings %}{{ f.message * 10**6 }}{% endfor %}", "would be over 2,000,000 characters"),  # 4 files
])
def test_a_runaway_report_template_is_stopped_with_a_clear_message(tmp_path, source, says):
    # `{{ 'a' * 10**9 }}` took 60 s and 4.9 GB: reports get the bounds of messages, per file.
    tpl = tmp_path / "big.j2"
    tpl.write_text(source, encoding="utf-8")
    results, summary = sample()
    with pytest.raises(UsageError) as info:
        load_template(str(tpl)).render(results + results, summary, RenderContext(root="."))
    assert str(info.value).startswith(f"{tpl}:1: template failed:") and says in str(info.value)


def test_a_report_template_gets_the_rule_time_budget_per_file(tmp_path):
    tpl = tmp_path / "slow.j2"
    tpl.write_text("{% for i in range(10**5) %}{% for j in range(10**5) %}{% endfor %}{% endfor %}",
                   encoding="utf-8")
    results, summary = sample()  # two files: 0.4 s in all
    with pytest.raises(UsageError) as info:
        load_template(str(tpl)).render(results, summary, RenderContext(root=".", rule_seconds=0.2))
    assert str(info.value) == f"{tpl}: template stopped: it ran longer than 0.4 s (the rule time " \
        "budget for each file reported)"


def test_template_syntax_error_names_file_and_line(tmp_path):
    tpl = tmp_path / "bad.j2"
    tpl.write_text("ok\n{% for x in %}\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_template(str(tpl))
    assert str(info.value).startswith(f"{tpl}:2: template syntax error")


def test_missing_template_is_a_usage_error_exit_2(run_cli, write, tmp_path):
    doc = write("d.yaml", "policylint: 1\n")
    result = run_cli("check", "--isolated", str(doc), "-f", f"template:{tmp_path}/nope.j2")
    assert result.exit_code == 2
    assert "cannot read template" in result.output
