"""The comparison as CSV for spreadsheets: one row per agency, formula injection neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

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


def header(comparison: Any) -> list[str]:
    cols = ["file", "agency", "kind", "state", "county", "jurisdiction", "population",
            "instrument_kind", "instrument_ended", "text_read", "survey_status", "policy_status",
            "schema_errors"]
    cols += [f"topic:{t.key}" for t in comparison.topics]
    cols += [f"rule:{r.id}" for r in comparison.rules]
    cols += [f"score:{m.pack.id}" for m in comparison.packs] + ["score:overall"]
    return cols


def _rule_text(c: Any) -> str:
    if c is None:
        return "not_selected"
    return f"fail:{c.severity}" if c.state == "fail" and c.severity else c.state


def rows(comparison: Any) -> list[list[str]]:
    out = []
    for r in comparison.rows:
        values: list[Any] = [r.file, r.name, r.kind, r.state, r.county, r.jurisdiction, r.population,
                             r.instrument.get("kind"), r.ended, r.text_read, r.survey, r.status,
                             r.schema_errors]
        values += [r.topics[t.key].value for t in comparison.topics]
        values += [_rule_text(r.rules.get(c.id)) for c in comparison.rules]
        values += [r.scores[m.pack.id].value if m.pack.id in r.scores else None for m in comparison.packs]
        values.append(r.overall)
        out.append([cell(v) for v in values])
    return out


def render(comparison: Any, bom: bool = False) -> str:
    """CSV text (RFC 4180, CRLF line ends); ``bom`` adds the UTF-8 mark Excel looks for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(comparison))
    writer.writerows(rows(comparison))
    return ("\ufeff" if bom else "") + buffer.getvalue()
