"""The comparison as CSV for spreadsheets: one row per agency, formula injection neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

#: A cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets
#: (tab and carriage return too, per OWASP's CSV injection guidance).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a spreadsheet cell that can never run as a formula."""
    if value is None:
        return ""
    # NUL (YAML's "\0") cannot be written by Python 3.10's csv module, nor read by most
    # spreadsheets: it becomes U+FFFD, the replacement character.
    text = str(value).replace("\x00", "\ufffd")
    if text.startswith(_FORMULA_START):
        # A leading apostrophe makes spreadsheets read the cell as text (and hide the mark).
        return "'" + text
    return text


def _pack_words(m: Any) -> tuple[str, str]:
    """A pack's plain name, and what it calls a failing rule (law: violation)."""
    from policylint.compare.scores import is_law

    law = is_law(m.pack)
    return f"{m.pack.title} ({'law' if law else 'not law'})", "violations" if law else "errors"


def header(comparison: Any) -> list[str]:
    """Plain column names: a reader of the spreadsheet needs no key to them."""
    cols = ["Agency", "File", "Agency kind", "State", "County", "Jurisdiction", "Population",
            "Instrument kind", "Instrument ended", "Text read", "Survey status", "Policy status",
            "Earlier versions", "Schema errors",
            "Law: violations", "Law: warnings", "Law: silent", "Law: not read", "Law: rules addressed",
            "Law: rules that apply"]
    cols += [f"{t.number} {t.title}" for t in comparison.topics]
    for m in comparison.packs:
        name, failing = _pack_words(m)
        cols += [f"{name}: {failing}", f"{name}: warnings", f"{name}: silent", f"{name}: not read",
                 f"{name}: score on what the policy addresses"]
    cols += [f"Rule: {r.title} [{r.id}]" for r in comparison.rules]
    return cols


def _rule_text(c: Any) -> str:
    if c is None:
        return "not_selected"
    if c.state == "fail" and c.severity:
        return f"silent:{c.severity}" if c.silence else f"fail:{c.severity}"
    return c.state


def rows(comparison: Any) -> Iterator[list[str]]:
    """One line per agency, in order, as each row is read."""
    for r in comparison.rows:
        law = r.law
        values: list[Any] = [r.name, r.file, r.kind, r.state, r.county, r.jurisdiction, r.population,
                             r.instrument.get("kind"), r.ended, r.text_read, r.survey, r.status,
                             " ".join(v.file for v in r.history), r.schema_errors]
        values += ([law.violations, law.warnings, law.silent, law.not_read, law.addressed, law.applicable]
                   if law is not None else [None] * 6)
        values += [r.topics[t.key].value for t in comparison.topics]
        for m in comparison.packs:
            s = r.scores.get(m.pack.id)
            values += [s.violations, s.warnings, s.silent, s.not_read, s.value] if s is not None else [None] * 5
        values += [_rule_text(r.rules.get(c.id)) for c in comparison.rules]
        yield [cell(v) for v in values]


#: The evidence layout: one row per agency and topic, with the words behind each value.
EVIDENCE_HEADER = ["Agency", "File", "Topic number", "Topic", "Value", "Meaning", "Quote",
                   "Paraphrase", "Section", "Source URL", "Source (not a web address)",
                   "Source title", "Obtained via", "Exceptions"]


def evidence_rows(comparison: Any) -> Iterator[list[str]]:
    """Every topic of every agency shown: coded values with their evidence, and the topics
    each policy leaves silent or that were not read (so the table is complete)."""
    from policylint.compare.render_html import value_help

    for r in comparison.rows:
        for t in comparison.topics:
            c = r.topics[t.key]
            meaning = value_help(t, c.value).split(": ", 1)[-1]
            exceptions = "; ".join(f"{e.get('kind')}{'' if e.get('bounded') else ' (unbounded)'}"
                                   for e in c.exceptions)
            src = c.source or {}
            values = [r.name, r.file, t.number, t.title, c.value, meaning, c.quote, c.paraphrase,
                      c.section, src.get("url"), src.get("url_text"), src.get("title"), src.get("via"),
                      exceptions]
            yield [cell(v) for v in values]


def _write(head: list[str], body: Iterable[list[str]]) -> Iterator[str]:
    """The CSV a piece at a time (a few hundred lines each): nothing waits for the end."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for i, line in enumerate(body, 1):
        writer.writerow(line)
        if i % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def chunks(comparison: Any, bom: bool = False) -> Iterator[str]:
    """CSV text (RFC 4180, CRLF line ends) as it is made; ``bom`` adds the UTF-8 mark Excel looks for."""
    yield "\ufeff" if bom else ""
    yield from _write(header(comparison), rows(comparison))


def evidence_chunks(comparison: Any, bom: bool = False) -> Iterator[str]:
    """The evidence CSV (``-f csv-evidence``): one row per agency and topic, as it is made."""
    yield "\ufeff" if bom else ""
    yield from _write(EVIDENCE_HEADER, evidence_rows(comparison))


def render(comparison: Any, bom: bool = False) -> str:
    return "".join(chunks(comparison, bom))


def render_evidence(comparison: Any, bom: bool = False) -> str:
    return "".join(evidence_chunks(comparison, bom))
