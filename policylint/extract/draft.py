"""Render an extraction as a draft policy document (format v1) and as a summary for the reader."""

from __future__ import annotations

import re
from typing import Any

import yaml

from policylint.extract.propose import Extraction, Passage, TopicResult
from policylint.report.scaffold import Agency
from policylint.schema.taxonomy import UNCLEAR

#: Passages listed per topic in the draft: enough for a reviewer, not a copy of the policy.
MAX_PASSAGES = 6

#: Marks every entry `extract` wrote; the reviewer deletes it once the entry is checked.
MARK = "proposed by extract"
#: Instrument kinds read from the words of the first headings, most specific first.
_KINDS = (("executive_order", r"\bexecutive\s+order\b"), ("general_order", r"\bgeneral\s+order\b"),
          ("ordinance", r"\bordinance\b"), ("bylaw", r"\bby-?law\b"))


def instrument_kind(extraction: Extraction) -> str | None:
    """The instrument kind the first headings name ("General Order 4-12" -> general_order), or None."""
    head = [extraction.source.text[u.start:u.end] for u in extraction.units[:6] if u.kind == "heading"]
    for kind, words in _KINDS:
        if any(re.search(words, h, re.IGNORECASE) for h in head):
            return kind
    return None


def _title(extraction: Extraction) -> str | None:
    """The first heading that names the instrument (not the agency's letterhead)."""
    for unit in extraction.units[:6]:
        if unit.kind != "heading":
            continue
        words = " ".join(extraction.source.text[unit.start:unit.end].split())
        if re.search(r"\b(?:order|policy|procedure|ordinance|by-?law|directive|immigra\w+)\b", words, re.I):
            return words
    return None


def _note(result: TopicResult, lead: Passage) -> str:
    where = f" (at {lead.unit.place})"
    if result.proposed and result.pattern is not None:
        text = (f"{MARK}: pattern `{result.pattern.id}` ({result.pattern.description}) matched this "
                f"passage{where}. Review the value against the whole text before relying on it.")
        if result.exceptions:
            text += (" Its exception clauses are listed under `exceptions`, each with its kind: "
                     "check each, and set `bounded` where the instrument limits the exception.")
        if result.flagged:
            text += (" A passage the value rests on makes an exception (except, unless, provided, "
                     "however): check whether it limits the value, and code it under `exceptions`"
                     f"{' (where it is not there yet)' if result.exceptions else ''}.")
        return text
    if result.conflict:
        return (f"{MARK}: patterns proposed different values ({', '.join(result.conflict)}) in "
                f"different passages; the value is `unclear` until a reader decides{where}.")
    return (f"{MARK}: these passages bear on the topic{where}, but no documented pattern is "
            "confident of the value: code it from the text.")


def _entry(passage: Passage) -> dict[str, Any]:
    out: dict[str, Any] = {"value": passage.pattern.value if passage.pattern else UNCLEAR,
                           "quote": passage.quote}
    if passage.section:
        out["section"] = passage.section
    note = f"{MARK} (at {passage.unit.place})"
    if passage.pattern is None:
        note += ": a further passage on the topic; code its value or delete it"
    else:
        note += f": pattern `{passage.pattern.id}`"
    out["note"] = note
    return out


def provision(result: TopicResult) -> dict[str, Any]:
    """The provision entry of one topic with passages."""
    lead = result.passages[0]
    out: dict[str, Any] = {"value": result.value, "quote": lead.quote}
    if lead.section:
        out["section"] = lead.section
    note = _note(result, lead)
    # With a value proposed, only passages that agree are listed: a further passage coded
    # `unclear` would read as sections disagreeing.  The others are named by place, and
    # `check` lists every passage no quote covers (source-passages-unencoded).
    listed = [p for p in result.passages[1:]
              if not result.proposed or (p.pattern is not None and p.pattern.value == result.value)]
    listed = listed[:MAX_PASSAGES - 1]
    unlisted = [p for p in result.passages[1:] if p not in listed]
    if unlisted:
        note += (" Further passages on the topic, not coded: "
                 + "; ".join(p.unit.place for p in unlisted) + ".")
    out["note"] = note
    if result.exceptions:
        out["exceptions"] = [{"kind": e.kind, "quote": e.quote, **({"section": lead.section} if lead.section else {}),
                              "note": f"{MARK}: the kind was read from the clause's words"}
                             for e in result.exceptions]
    others = [_entry(p) for p in listed]
    if others:
        out["other_sections"] = others
    return out


def document(extraction: Extraction, agency: Agency, archive: str, sha256: str, source_name: str,
             kind: str | None = None) -> dict[str, Any]:
    """The draft as data: agency, instrument (text read in full, archive and hash), provisions."""
    agency_out: dict[str, Any] = {"name": agency.name, "kind": agency.kind, "state": agency.state}
    if agency.jurisdiction:
        agency_out["jurisdiction"] = agency.jurisdiction
    guessed = kind is None
    kind = kind or instrument_kind(extraction) or "department_policy"
    instrument: dict[str, Any] = {"kind": kind}
    title = _title(extraction)
    if title:
        instrument["title"] = title
    instrument["text_read"] = "full"
    instrument["source"] = {"archive": archive, "sha256": sha256}
    instrument["note"] = (f"{MARK}: {'kind read from the headings, ' if guessed else ''}"
                          f"{'title taken from the first heading, ' if title else ''}dates, number and "
                          "issuing authority left for the reader to fill in.")
    provisions = {t.topic: provision(t) for t in extraction.topics if t.passages}
    return {
        "policylint": 1,
        "agency": agency_out,
        "instrument": instrument,
        "provisions": provisions,
        "notes": [
            f"Draft written by `policylint extract` from {source_name}. Every entry marked "
            f"'{MARK}' is a proposal: read the passages in the source, fix the values, "
            "delete the marks.",
            "Topics left out were searched for and not found: with text_read full they read as "
            "silent. Check that none was missed before relying on that.",
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Block style, keys in the order given, long quotes kept on one line per item."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def render(data: dict[str, Any], schema_ref: str | None = None) -> str:
    """The YAML text of a draft, with a first comment line telling the reader what it is
    (after the editor's schema line, when the repository keeps a schema)."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    head = f"# yaml-language-server: $schema={schema_ref}\n" if schema_ref else ""
    return (head + "# Draft written by `policylint extract`: review every entry marked "
            f"'{MARK}' against the source.\n" + body)


def summary(extraction: Extraction) -> str:
    """Topics with a proposed value, with passages but no proposal, and with nothing found."""
    proposed = [t for t in extraction.topics if t.proposed]
    open_ = [t for t in extraction.topics if t.passages and not t.proposed]
    none = [t for t in extraction.topics if not t.passages]
    lines = [f"{len(extraction.topics)} topics: {len(proposed)} with a proposed value, "
             f"{len(open_)} with passages but no proposal, {len(none)} with nothing found"]
    if proposed:
        lines.append("proposed (review each):")
        for t in proposed:
            lead = t.passages[0]
            at = f"section {lead.section}, " if lead.section else ""
            flag = "  [a passage makes an exception: review]" if t.flagged else ""
            lines.append(f"  {t.topic}: {t.value} ({at}{lead.unit.place}){flag}")
    if open_:
        lines.append("passages but no proposal (value `unclear`):")
        for t in open_:
            why = f"; patterns disagree: {', '.join(t.conflict)}" if t.conflict else ""
            lines.append(f"  {t.topic}: {t.found} passage{'s' if t.found != 1 else ''}{why}")
    if none:
        lines.append("nothing found (left out: silent): " + ", ".join(t.topic for t in none))
    return "\n".join(lines)
