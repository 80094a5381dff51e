"""The HTML report: one self-contained, escaped file with inline CSS, script and SVG charts."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator

from policylint.compare import charts
from policylint.compare.scores import METHOD, histogram

#: What each rule state shows: short visible text, and the words a screen reader and the
#: legend use.  Colour is never the only signal.
RULE_LABELS = {
    "pass": ("pass", "passes on what the policy says"),
    "fail": ("fail", "fails on what the policy says"),
    "suppressed": ("waived", "finding suppressed or waived"),
    "not_addressed": ("silent", "silent: the policy says nothing on the rule's topics"),
    "not_read": ("not read", "not read: the rule rests on text the encoder did not read"),
    "not_applicable": ("n/a", "does not apply to this policy"),
    "skipped": ("skipped", "not checked: the document has an error where the rule reads"),
    "not_selected": ("—", "not one of this agency's packs"),
}
SEVERITY_SHORT = {"error": "error", "warning": "warn", "info": "info"}

#: The legend of the rule tables: (css class, visible text, meaning).
LEGEND = (
    ("r-pass", "pass", "passes on what the policy says"),
    ("r-fail sev-error", "error", "fails on what the policy says at severity error (in a pack of law, a violation)"),
    ("r-fail sev-warning", "warn", "fails at severity warning: a weakness, not a violation"),
    ("r-fail sev-info", "info", "fails at severity info"),
    ("r-not_addressed", "silent · warn", "silent, and the rule reports the silence as a finding"),
    *((f"r-{state}", short, long) for state, (short, long) in RULE_LABELS.items()
      if state not in ("pass", "fail")),
)

#: What each status means, for tooltips.
STATUS_HELP = {
    "written": "The agency has a written instrument: ordinance, bylaw, general order, department "
               "policy, select board vote, executive order or agreement.",
    "unwritten": "The only rule known is an unwritten directive.",
    "directive": "The agency's rule is a directive whose form (written or not) is not known.",
    "state_directive_only": "The agency follows a state directive and has no instrument of its own.",
    "draft": "Only a draft exists.",
    "none": "The agency has no policy on the matter.",
    "pending": "A records request for the policy has not been answered yet.",
    "denied": "The agency refused a records request for the policy.",
    "no_response": "The agency did not respond to a records request for the policy.",
    "ended": "The agency's latest instrument is no longer in force (instrument.ended).",
    "unknown": "Nobody has seen the policy.",
}

#: What ``instrument.text_read`` says, in a reader's words.
TEXT_READ_HELP = {
    "full": "The encoding rests on the instrument's full text.",
    "partial": "Only part of the instrument's text was read: a topic it does not code is "
               "'not read', not 'silent'.",
    "none": "The instrument's own text was not read (the encoding rests on reports about it): "
            "a topic it does not code is 'not read', not 'silent'.",
}

#: The values that carry no provision, in every topic's legend.
UNCODED_HELP = {
    "unclear": "The instrument addresses the topic, but its words support more than one value.",
    "silent": "The instrument does not address the topic.",
    "not_read": "Not read: the encoding does not rest on all of the instrument's text, so the "
                "policy may address this topic. Never counted against the agency.",
    "not_known": "Not known: nobody has seen the policy (instrument kind unknown).",
    "ended": "Ended: the agency's instrument is no longer in force (instrument.ended); what it "
             "said is in the agency's row and history, not counted as its rule today.",
}


def words(value: Any) -> str:
    """A vocabulary word for reading: ``criminal_matters_only`` -> ``criminal matters only``."""
    return "" if value is None else str(value).replace("_", " ")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 violation``, ``2 violations``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A stylesheet or script shipped beside the templates."""
    return resources.files("policylint.report").joinpath("templates").joinpath("compare").joinpath(name) \
        .read_text("utf-8")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _terminal_safe(value: Any) -> Any:
    """Policy text without live escape sequences or bidi overrides (a report written to
    standard output lands in a terminal); our own markup is left as it is."""
    # Called for every value a page shows: printable text (nearly all of it) has none of
    # the characters control_safe replaces, and needs no regex.
    if type(value) is str:
        return value if value.isprintable() else _control_safe(value)
    if not isinstance(value, str):  # numbers, None
        return value
    from markupsafe import Markup

    return value if isinstance(value, Markup) else _control_safe(value)


def _control_safe(value: str) -> str:
    from policylint.report.environment import control_safe

    result: str = control_safe(value)
    return result


@lru_cache(maxsize=None)
def environment() -> Any:
    """HTML templates with autoescaping on: policy text is untrusted and always escaped."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("policylint.report", "templates"), undefined=StrictUndefined,
                      autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=_terminal_safe)
    env.filters.update(words=words, score=score_text, plural=plural,
                       valued=lambda cells, value: [k for k, c in cells.items() if c.value == value])
    env.globals.update(LEGEND=LEGEND)
    return env


def rule_view(cell: Any) -> dict[str, Any]:
    """A rule cell's class, visible text and full description."""
    short, long = RULE_LABELS[cell.state]
    if cell.state == "fail":
        short = SEVERITY_SHORT.get(cell.severity or "", "fail")
        count = f"{cell.findings} finding{'s' if cell.findings != 1 else ''}"
        long = (f"silent, reported as a finding ({cell.severity}, {count})" if cell.silence
                else f"fails on what the policy says ({cell.severity}, {count})")
        if cell.message:
            long += f": {cell.message}"
        if cell.silence:
            short = f"silent · {short}"
    elif cell.state == "suppressed":
        long += ": " + "; ".join(cell.reasons)
    css = f"r-{cell.state}" + (f" sev-{cell.severity}" if cell.state == "fail" else "")
    if cell.silence and cell.state == "fail":
        css = "r-not_addressed"
    return {"css": css, "short": short, "long": long, "state": cell.state}


def rule_td(cell: Any) -> Any:
    """A rule cell of the rule tables as markup: its class, full description and short text,
    each made terminal-safe and escaped as the template would."""
    from markupsafe import Markup, escape

    v = rule_view(cell)
    return Markup(f'<td class="{escape(_terminal_safe(v["css"]))}" title="{escape(_terminal_safe(v["long"]))}">'
                  f'{escape(_terminal_safe(v["short"]))}</td>')


def _memo(fn: Any, key: Any) -> Any:
    """``fn`` answering each ``key(*args)`` once: a page asks the same few thousand times."""
    seen: dict[Any, Any] = {}

    def call(*args: Any) -> Any:
        k = key(*args)
        if k not in seen:
            seen[k] = fn(*args)
        return seen[k]
    return call


def _options(rows: list[Any], key: str) -> list[str]:
    return sorted({v for r in rows if (v := r.attribute(key))}, key=str.casefold)


def members(rows: Any, test: Any) -> str:
    """The indices of the rows that pass ``test``: the script recounts them under a filter."""
    return " ".join(str(r.index) for r in rows if test(r))


def value_help(topic: Any, value: str) -> str:
    """A value word's one-line meaning and its place on the topic's scale."""
    from policylint.compare.scales import scale

    if value in UNCODED_HELP:
        return f"{words(value)}: {UNCODED_HELP[value]}"
    from policylint.compare.model import tone

    meaning = topic.describe(value) or "not a word of the format"
    step = scale(topic.key).step(tone(topic, value))
    return f"{words(value)}: {meaning}" + (f" (on this topic: {step})" if step else "")


def pack_help(pack: Any) -> str:
    kind = {"binding": "binding law", "federal": "federal law", "model": "a model law, not law here",
            "advisory": "an advisory standard, not law"}.get(pack.status, pack.status)
    return f"{pack.title}: {kind}, {pack.jurisdiction} (pack id: {pack.id})"


def _coverage(comparison: Any) -> dict[str, Any]:
    """Every count of the coverage section with the rows behind it (so a filter can recount)."""
    from policylint.compare.states import POLICY_STATUSES
    from policylint.schema.taxonomy import load_taxonomy

    rows, cov, taxonomy = comparison.rows, comparison.coverage, load_taxonomy()
    statuses = [(w, label, members(rows, lambda r, w=w: r.status == w))
                for w, label, _ in cov.status]
    kinds = [(k, [members(rows, lambda r, k=k, w=w: (r.kind or "(not recorded)") == k and r.status == w)
                  for w, _, _ in statuses], members(rows, lambda r, k=k: (r.kind or "(not recorded)") == k))
             for k, _ in cov.status_by_kind]
    help_of = {t.value: t.description for t in taxonomy.instrument_kinds}
    instruments = [(w, help_of.get(w, d),
                    members(rows, lambda r, w=w: (r.instrument.get("kind") or "(not recorded)") == w))
                   for w, d, _ in cov.instrument_kind]
    return {"statuses": statuses, "kinds": kinds, "instruments": instruments,
            "all": members(rows, lambda r: True), "labels": dict(POLICY_STATUSES)}


def _survey(rows: list[Any]) -> list[dict[str, Any]]:
    """The shape of an advocate's survey table: asked, then each answer, with the agencies."""
    from policylint.compare.coverage import SURVEY_PHRASES

    asked = [r for r in rows if r.survey]
    if not asked:
        return []
    out = [{"label": "asked for their policy", "members": members(asked, lambda r: True), "rows": asked}]
    labels = {"provided": "answered with a policy", "no_policy": "answered that they have none",
              "no_response": "did not respond", "pending": "have not answered yet", "denied": "refused"}
    for word, _, _ in SURVEY_PHRASES:
        chosen = [r for r in asked if r.survey == word]
        if chosen or word in ("provided", "no_policy", "no_response"):
            out.append({"label": labels[word], "members": members(chosen, lambda r: True), "rows": chosen})
    return out


def view(comparison: Any, title: str, version: str) -> dict[str, Any]:
    """Everything the template draws, computed once (the template holds no logic)."""
    from policylint.compare.model import RuleCell
    from policylint.compare.scales import scale
    from policylint.compare.scores import is_law
    from policylint.compare.states import POLICY_STATUSES
    from policylint.schema.taxonomy import load_taxonomy

    rows = comparison.rows
    cov = comparison.coverage
    topic_titles = {t.key: t for t in comparison.topics}
    bars = []
    for key, counts in cov.topics:
        topic = topic_titles[key]
        segments = charts.stacked(counts)
        bars.append({"topic": topic, "ends": scale(key).ends, "segments": [
            (seg, members(rows, lambda r, v=seg.label, k=key: r.standing_value(k) == v), value_help(topic, seg.label))
            for seg in segments]})
    hists = []
    for m in comparison.packs:
        scored = [r for r in rows if m.pack.id in r.scores and r.scores[m.pack.id].value is not None]
        bins = charts.histogram_bars(histogram([r.scores[m.pack.id].value for r in scored]))
        hists.append((m, [(b, members(scored, lambda r, i=i, p=m.pack.id: min(int(r.scores[p].value), 9) == i))
                          for i, b in enumerate(bins)]))
    matrices = []
    for method in comparison.packs:
        shown = [r for r in rows if method.pack.id in r.packs]
        if shown:
            matrices.append({"method": method, "rows": {r.file for r in shown}})
    law = [m for m in comparison.packs if is_law(m.pack)]
    other = [m for m in comparison.packs if not is_law(m.pack)]
    taxonomy = load_taxonomy()
    css, js = asset("report.css"), asset("report.js")
    return {
        "title": title, "version": version, "c": comparison, "cov": cov, "bars": bars,
        "hists": hists, "hist": (charts.HIST_WIDTH, charts.HIST_HEIGHT, charts.HIST_BASE),
        "matrices": matrices, "method": METHOD,
        "not_selected": RuleCell("not_selected"), "status_labels": dict(POLICY_STATUSES),
        "status_help": STATUS_HELP, "text_read_help": TEXT_READ_HELP,
        "kind_help": {t.value: t.description for t in taxonomy.instrument_kinds},
        "law_packs": law, "other_packs": other, "pack_help": pack_help,
        "value_help": _memo(value_help, lambda topic, value: (topic.key, value)), "scale": scale,
        "rule_td": _memo(rule_td, lambda cell: cell), "uncoded_help": UNCODED_HELP,
        "coverage": _coverage(comparison), "survey": _survey(rows),
        "rule_titles": {r.id: r.title for r in comparison.rules},
        "filters": {k: _options(rows, k) for k in ("county", "kind", "state", "status")},
        "css": css, "js": js, "csp": {"style": csp_hash(css), "script": csp_hash(js)},
    }


def chunks(comparison: Any, title: str = "Policy comparison", version: str = "",
           back: dict[str, str] | None = None) -> Iterator[str]:
    """The page a piece at a time.  Its tables, counts and filters walk the rows many times,
    so the rows are held: a page is for a bounded number of agencies (see render_pages).
    ``back``: a link to the national summary (``href``, ``text``) for one state's page,
    whose topic table links each value to its evidence instead of repeating it."""
    from markupsafe import Markup

    context = view(comparison.held(), title, version)
    # Our own stylesheet and script, inserted verbatim so their CSP hashes match.
    context["css"], context["js"] = Markup(context["css"]), Markup(context["js"])
    context["back"] = back
    # A state page shows each value's evidence once, in the agency's block; its table links there.
    context["light"] = back is not None
    return environment().get_template("compare/report.html.j2").generate(**context)


def render(comparison: Any, title: str = "Policy comparison", version: str = "") -> str:
    return "".join(chunks(comparison, title, version))


def render_diff(d: Any, version: str = "") -> str:
    """The diff of two versions as a page (no script at all)."""
    from markupsafe import Markup

    css = asset("report.css")
    return environment().get_template("compare/diff.html.j2").render(
        d=d, version=version, css=Markup(css), csp={"style": csp_hash(css)}, **diff_labels())


#: Finding severities as a reader of the diffs sees them: an emoji and a word, never colour alone.
SEVERITY_MARKS = {"error": "❌ error", "warning": "⚠️ warn", "info": "ℹ️ info"}


def diff_labels() -> dict[str, Any]:
    """Words for the kinds of change, shared by the Markdown and HTML diffs."""
    return {
        "kinds": {"added": "added", "removed": "removed", "value_changed": "value changed",
                  "reworded": "quote reworded", "amended": "amended"},
        "directions": {"more_restrictive": "more restrictive", "less_restrictive": "less restrictive"},
        "severity_marks": SEVERITY_MARKS,
    }
