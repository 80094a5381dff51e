"""The comparison as versioned JSON (shape documented in docs/compare.md), built as data."""

from __future__ import annotations

from typing import Any, Iterator

from policylint import __version__

#: Bumped only on an incompatible change of shape; additions keep the version.
COMPARE_FORMAT_VERSION = 2


def _score(score: Any) -> dict[str, Any]:
    return {"violations": score.violations, "warnings": score.warnings, "silent": score.silent,
            "not_read": score.not_read,
            "addressed": score.addressed, "applicable": score.applicable,
            "score": score.value, "earned": score.earned, "possible": score.possible,
            "rules": [{"rule": r, "weight": w, "counts_as": k} for r, w, k in score.rules]}


def _law(tally: Any) -> dict[str, Any] | None:
    if tally is None:
        return None
    return {"packs": list(tally.packs), "violations": list(tally.ids("violation")),
            "warnings": list(tally.ids("warning")),
            "silent": list(tally.ids("silent")), "not_read": list(tally.ids("not_read")),
            "addressed": tally.addressed, "applicable": tally.applicable}


def _version(r: Any) -> dict[str, Any]:
    return {"file": r.file, "status": r.status,
            "instrument": {k: r.instrument.get(k) for k in INSTRUMENT_KEYS},
            "law": _law(r.law)}


INSTRUMENT_KEYS = ("kind", "title", "number", "effective_date", "ended", "text_read")


def _topic(cell: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"value": cell.value}
    if cell.coded:
        out.update(quote=cell.quote, paraphrase=cell.paraphrase, section=cell.section, form=cell.form,
                   source=cell.source, exceptions=list(cell.exceptions))
    return out


def _rule(cell: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"state": cell.state}
    if cell.severity:
        out["severity"] = cell.severity
    if cell.findings:
        out["findings"] = cell.findings
    if cell.reasons:
        out["reasons"] = list(cell.reasons)
    if cell.message:
        out["message"] = cell.message
    if cell.silence:
        out["silence"] = True
    return out


def envelope(comparison: Any) -> dict[str, Any]:
    """Everything but the agencies and the unreadable documents (known before any row is read)."""
    from policylint.compare.scores import METHOD, is_law

    cov = comparison.coverage
    return {
        "version": COMPARE_FORMAT_VERSION,
        "kind": "policylint-compare",
        "tool": {"name": "policylint", "version": __version__},
        "options": comparison.options,
        "documents": comparison.total,
        "agencies_compared": len(comparison.rows),
        "methodology": METHOD,
        "packs": [{"id": m.pack.id, "title": m.pack.title, "status": m.pack.status,
                   "law": is_law(m.pack),
                   "jurisdiction": m.pack.jurisdiction, "points": m.total,
                   "rules": [{"rule": r.rule, "title": r.title, "weight": r.weight,
                              "severity": r.severity, "citation": r.citation} for r in m.rules]}
                  for m in comparison.packs],
        "topics": [{"key": t.key, "number": t.number, "title": t.title,
                    "values": list(t.by_restrictiveness)} for t in comparison.topics],
        "rules": [{"id": r.id, "title": r.title, "topics": list(r.topics), "packs": list(r.packs)}
                  for r in comparison.rules],
        "coverage": {
            "agencies": cov.agencies,
            "headline": list(cov.headline),
            "status": {w: n for w, _, n in cov.status},
            "instrument_kind": {w: n for w, _, n in cov.instrument_kind},
            "survey_status": {w: n for w, _, n in cov.survey_status},
            "agency_kind": {w: n for w, _, n in cov.agency_kind},
            "topics": {key: {v: n for v, _, n in counts} for key, counts in cov.topics},
        },
    }


def agency(r: Any, comparison: Any) -> dict[str, Any]:
    """One entry of ``agencies``."""
    group_by = comparison.options["group_by"]
    return {
        "file": r.file, "name": r.name, "kind": r.kind, "state": r.state, "county": r.county,
        "jurisdiction": r.jurisdiction, "population": r.population,
        "instrument": {k: r.instrument.get(k) for k in INSTRUMENT_KEYS},
        "survey": r.survey, "status": r.status, "packs": list(r.packs),
        "schema_errors": r.schema_errors,
        "group": r.attribute(group_by) if group_by != "none" else None,
        "topics": {t.key: _topic(r.topics[t.key]) for t in comparison.topics},
        "rules": {c.id: _rule(r.rules[c.id]) for c in comparison.rules if c.id in r.rules},
        "law": _law(r.law),
        "scores": {pid: _score(s) for pid, s in r.scores.items()},
        "history": [_version(v) for v in r.history],
    }


def _unreadable(comparison: Any) -> list[dict[str, str]]:
    return [{"file": f, "problem": p} for f, p in comparison.unreadable]


def report(comparison: Any) -> dict[str, Any]:
    """The comparison as plain data (every row at once: for tests and the Python API)."""
    return {**envelope(comparison), "agencies": [agency(r, comparison) for r in comparison.rows],
            "unreadable": _unreadable(comparison)}


def chunks(comparison: Any) -> Iterator[str]:
    """The report as JSON a piece at a time: the envelope, then one line per agency as its
    row is read, then the unreadable documents; one valid document in the end."""
    from policylint.report.stream import JsonArray, dumps, members

    yield "{\n" + members(envelope(comparison), 0) + ',\n  "agencies": ['
    array = JsonArray(1)
    for r in comparison.rows:
        yield array.item(agency(r, comparison))
    yield array.close()
    yield ',\n  "unreadable": ' + dumps(_unreadable(comparison), 1) + "\n}\n"


def render(comparison: Any) -> str:
    return "".join(chunks(comparison))
