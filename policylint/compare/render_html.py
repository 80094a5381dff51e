"""The HTML report: one self-contained, escaped file with inline CSS, script and SVG charts."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any

from policylint.compare import charts
from policylint.compare.scores import METHOD, histogram

#: What each rule state shows: short visible text, and the words a screen reader and the
#: legend use.  Colour is never the only signal.
RULE_LABELS = {
    "pass": ("pass", "passes"),
    "fail": ("fail", "fails"),
    "suppressed": ("waived", "finding suppressed or waived"),
    "not_addressed": ("silent", "not addressed: the policy says nothing on the rule's topics"),
    "not_read": ("not read", "not checked: the encoding did not read the part of the text it rests on"),
    "not_applicable": ("n/a", "does not apply to this policy"),
    "skipped": ("skipped", "not checked: the document has an error where the rule reads"),
    "not_selected": ("—", "not one of this agency's packs"),
}
SEVERITY_SHORT = {"error": "error", "warning": "warn", "info": "info"}

#: The legend of the rule tables: (css class, visible text, meaning).
LEGEND = (
    ("r-pass", "pass", "passes"),
    ("r-fail sev-error", "error", "fails, severity error"),
    ("r-fail sev-warning", "warn", "fails, severity warning"),
    ("r-fail sev-info", "info", "fails, severity info"),
    *((f"r-{state}", short, long) for state, (short, long) in RULE_LABELS.items()
      if state not in ("pass", "fail")),
)


def words(value: Any) -> str:
    """A vocabulary word for reading: ``criminal_matters_only`` -> ``criminal matters only``."""
    return "" if value is None else str(value).replace("_", " ")


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A stylesheet or script shipped beside the templates."""
    return resources.files("policylint").joinpath("templates").joinpath("compare").joinpath(name) \
        .read_text("utf-8")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _terminal_safe(value: Any) -> Any:
    """Policy text without live escape sequences or bidi overrides (a report written to
    standard output lands in a terminal); our own markup is left as it is."""
    from markupsafe import Markup

    from policylint.formats.templates import control_safe

    return control_safe(value) if isinstance(value, str) and not isinstance(value, Markup) else value


@lru_cache(maxsize=None)
def environment() -> Any:
    """HTML templates with autoescaping on: policy text is untrusted and always escaped."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("policylint", "templates"), undefined=StrictUndefined,
                      autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=_terminal_safe)
    env.filters.update(words=words, score=score_text)
    env.globals.update(LEGEND=LEGEND)
    return env


def rule_view(cell: Any) -> dict[str, Any]:
    """A rule cell's class, visible text and full description."""
    short, long = RULE_LABELS[cell.state]
    if cell.state == "fail":
        short = SEVERITY_SHORT.get(cell.severity or "", "fail")
        long = f"fails ({cell.severity}, {cell.findings} finding{'s' if cell.findings != 1 else ''})"
        if cell.message:
            long += f": {cell.message}"
    elif cell.state == "suppressed":
        long += ": " + "; ".join(cell.reasons)
    css = f"r-{cell.state}" + (f" sev-{cell.severity}" if cell.state == "fail" else "")
    return {"css": css, "short": short, "long": long, "state": cell.state}


def _options(rows: list[Any], key: str) -> list[str]:
    return sorted({v for r in rows if (v := r.attribute(key))}, key=str.casefold)


def view(comparison: Any, title: str, version: str) -> dict[str, Any]:
    """Everything the template draws, computed once (the template holds no logic)."""
    cov = comparison.coverage
    topic_titles = {t.key: t for t in comparison.topics}
    bars = [(topic_titles[key], charts.stacked(counts)) for key, counts in cov.topics]
    hists = [("Overall", charts.histogram_bars(histogram([r.overall for r in comparison.rows])))]
    hists += [(m.pack.id, charts.histogram_bars(histogram(
        [r.scores[m.pack.id].value for r in comparison.rows if m.pack.id in r.scores])))
        for m in comparison.packs]
    matrices = []
    for method in comparison.packs:
        rows = [r for r in comparison.rows if method.pack.id in r.packs]
        if rows:
            matrices.append({"method": method, "rows": {r.file for r in rows}})
    from policylint.compare.model import POLICY_STATUSES, RuleCell

    css, js = asset("report.css"), asset("report.js")
    return {
        "title": title, "version": version, "c": comparison, "cov": cov, "bars": bars,
        "hists": hists, "hist": (charts.HIST_WIDTH, charts.HIST_HEIGHT, charts.HIST_BASE),
        "matrices": matrices, "method": METHOD, "rule_view": rule_view,
        "not_selected": RuleCell("not_selected"), "status_labels": dict(POLICY_STATUSES),
        "status_index": {w: i for i, (w, _) in enumerate(POLICY_STATUSES)},
        "filters": {k: _options(comparison.rows, k) for k in ("county", "kind", "state", "status")},
        "css": css, "js": js, "csp": {"style": csp_hash(css), "script": csp_hash(js)},
    }


def render(comparison: Any, title: str = "Policy comparison", version: str = "") -> str:
    from markupsafe import Markup

    context = view(comparison, title, version)
    # Our own stylesheet and script, inserted verbatim so their CSP hashes match.
    context["css"], context["js"] = Markup(context["css"]), Markup(context["js"])
    return environment().get_template("compare/report.html.j2").render(**context)


def render_diff(d: Any, version: str = "") -> str:
    """The diff of two versions as a page (no script at all)."""
    from markupsafe import Markup

    from policylint.compare.render_markdown import diff_labels

    css = asset("report.css")
    return environment().get_template("compare/diff.html.j2").render(
        d=d, version=version, css=Markup(css), csp={"style": csp_hash(css)}, **diff_labels())
