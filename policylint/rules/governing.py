"""Which law governs a finding for the agency checked: its citation, severity and basis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policylint.finding import SEVERITY_RANK

#: What a finding rests on (the JSON ``basis`` field):
#: ``law``: law binding the agency checked (its state's or city's binding pack, or a federal
#: pack) forbids what the policy says or requires the provision;
#: ``drafting``: a drafting standard no law here requires (a binding pack may recommend it);
#: ``advisory``: an advocacy standard (an advisory pack other than ``drafting``);
#: ``model``: a proposed law or a model policy (a ``model`` pack);
#: ``other-jurisdiction``: another state's or city's law, shown as a model;
#: ``data-quality``: the quality of the document or its encoding (a citation that does not
#: exist, a value without the words it rests on), not law.
BASES = ("law", "drafting", "advisory", "model", "other-jurisdiction", "data-quality")


@dataclass(frozen=True, slots=True)
class Governing:
    """A finding's severity, citation (labelled when it is not law here) and basis."""

    severity: str
    citation: str | None
    url: str | None
    basis: str


def binds(pack: Any, entry: Any, state: Any, place: Any) -> bool:
    """Whether ``entry`` of ``pack`` states law that binds an agency in ``state``/``place``.

    A federal pack binds every agency, a binding pack those of its states or places. The entry
    must cite the pack's own law for the rule: an entry without a citation of its own, or one
    marked ``basis: drafting``, is a drafting standard the pack recommends, not its law.
    """
    if not entry.citation or entry.basis == "drafting":
        return False
    if pack.status == "federal":
        return True
    return pack.status == "binding" and pack.default_for(state, place)


def is_data_quality(rule: Any) -> bool:
    """Whether ``rule`` checks the document's quality rather than the law (may be an error anywhere)."""
    return (rule.law or {}).get("basis") == "data-quality"


def _capped(severity: str, quality: bool) -> str:
    """Severity without binding law behind it: never an error, except for data quality."""
    return "warning" if severity == "error" and not quality else severity


def _state_of(place: Any) -> str | None:
    tail = str(place).rsplit(",", 1)[-1].strip()
    return tail if len(tail) == 2 and tail.isalpha() and tail.isupper() else None


def law_applies(jurisdiction: Any, state: Any, place: Any) -> bool:
    """Whether law of ``jurisdiction`` ("CA", "US", "Boston, MA") binds an agency in ``state``/``place``."""
    if not isinstance(jurisdiction, str):
        return False
    if jurisdiction == "US":
        return True
    st = state.strip().upper() if isinstance(state, str) else None
    if "," in jurisdiction:
        if not isinstance(place, str) or st is None:
            return False
        return f"{place.strip()}, {st}".casefold() == jurisdiction.casefold()
    return st == jurisdiction


def cities_named(rule: Any, entries: Sequence[tuple[Any, Any]]) -> frozenset[str]:
    """Every city jurisdiction (``"boston, ma"``, casefolded) that ``rule``'s law or the packs
    of ``entries`` name: the only places :func:`govern` tells apart."""
    named = [(rule.law or {}).get("jurisdiction")]
    for pack, _entry in entries:
        named.extend((pack.jurisdiction, *pack.jurisdictions))
    return frozenset(j.casefold() for j in named if isinstance(j, str) and "," in j)


def where(state: Any, place: Any, cities: frozenset[str]) -> tuple[str | None, str | None]:
    """What of an agency's ``state`` and ``place`` :func:`govern` can depend on, given the
    ``cities`` (:func:`cities_named`) of the rule: the state as :func:`law_applies` compares it,
    and the place only where it is one of those cities (every other town governs alike)."""
    st = state.strip().upper() if isinstance(state, str) else None
    if st is None or not isinstance(place, str):
        return st, None
    city = f"{place.strip()}, {st}".casefold()
    return st, city if city in cities else None


def _label(kind: str, citation: str, jurisdiction: Any, state: Any, place: Any) -> str:
    """``citation`` introduced by what it is here: a model, a source, or law that does not require this."""
    if isinstance(jurisdiction, str) and jurisdiction != "any":
        relation = "see" if law_applies(jurisdiction, state, place) else "model"
    else:
        relation = "source"
    return f"{kind}, not law here; {relation}: {citation}"


def _kind(pack: Any | None) -> tuple[str, str]:
    """The words that say what a non-binding source is, and its basis."""
    if pack is None or pack.status in ("binding", "federal") or pack.id == "drafting":
        return "Drafting standard", "drafting"
    if pack.status == "model":
        return "Model standard", "model"
    return "Advisory standard", "advisory"


def govern(rule: Any, entries: Sequence[tuple[Any, Any]], state: Any, place: Any) -> Governing:
    """The severity, citation and basis of ``rule``'s findings on an agency in ``state``/``place``.

    ``entries`` are the selecting packs with their entries for the rule.  Law binding the
    agency sets the severity and is cited as it is.  Every other source is labelled ("Drafting
    standard, not law here; model: Cal. Gov. Code § 7283.1(a)") and raises at most a warning,
    except for data-quality rules.  A rule run without a pack stands on its own law: binding
    when that law is the agency's own, else a drafting standard with its law as a model.
    """
    quality = is_data_quality(rule)
    law = rule.law or {}
    if not entries:
        citation, url = law.get("citation"), law.get("url")
        if law_applies(law.get("jurisdiction"), state, place) and not quality:
            return Governing(rule.severity, citation, url, "law")
        return _unbound(rule, None, None, rule.severity, quality, state, place)
    binding = [e for p, e in entries if binds(p, e, state, place)]
    others = [(p, e) for p, e in entries if not binds(p, e, state, place)]
    top_other = max((SEVERITY_RANK[_capped(e.severity, quality)] for _, e in others), default=0)
    if binding:
        best = max(binding, key=lambda e: SEVERITY_RANK[e.severity])  # first of the most severe
        rank = max(SEVERITY_RANK[best.severity], top_other)
        severity = next(s for s, r in SEVERITY_RANK.items() if r == rank)
        return Governing(severity, best.citation, best.url or None, "law")
    pack, entry = max(others, key=lambda pe: SEVERITY_RANK[_capped(pe[1].severity, quality)])
    return _unbound(rule, pack, entry, entry.severity, quality, state, place)


def _unbound(rule: Any, pack: Any | None, entry: Any | None, severity: str, quality: bool,
             state: Any, place: Any) -> Governing:
    """A finding no binding law supports: its source labelled, its severity capped."""
    law = rule.law or {}
    kind, basis = _kind(pack)
    if quality:
        kind, basis = "Data-quality standard", "data-quality"
    elif entry is not None and entry.basis == "drafting":
        kind, basis = "Drafting standard", "drafting"
    elif pack is not None and pack.status == "binding" and entry is not None and entry.citation:
        kind, basis = f"Law of {pack.jurisdiction}", "other-jurisdiction"
    if entry is not None and entry.citation:
        if pack is not None and pack.status in ("binding", "federal"):
            jurisdiction: Any = pack.jurisdiction
        else:
            jurisdiction = None  # an advocacy checklist or a bill is nobody's law
        citation, url = entry.citation, entry.url
    else:
        jurisdiction, citation, url = law.get("jurisdiction"), law.get("citation"), law.get("url")
    if citation is None:
        return Governing(_capped(severity, quality), None, url, basis)
    if (entry is None or not entry.citation) and (
            quality or (jurisdiction is None and law.get("basis") == "drafting")):
        # A data-quality rule's law is about the document, not the agency; a drafting
        # rule with no jurisdiction says itself that it is no law.
        labelled = citation
    else:
        labelled = _label(kind, citation, jurisdiction, state, place)
    return Governing(_capped(severity, quality), labelled, url or None, basis)


def silence_capped(governing: Governing, silent: bool, entries: Sequence[tuple[Any, Any]],
                   state: Any, place: Any) -> Governing:
    """Silence on a duty the law imposes anyway is a warning, not an error.

    A policy that says nothing forbids nothing and permits nothing: the law binds whatever it
    says.  Only a binding entry marked ``requires_text`` (the law requires the written policy
    itself to contain the provision) keeps an error for silence.
    """
    if not silent or governing.severity != "error" or governing.basis == "data-quality":
        return governing
    if any(e.requires_text and binds(p, e, state, place) for p, e in entries):
        return governing
    return Governing("warning", governing.citation, governing.url, governing.basis)


def law_scope(rule: Any) -> str:
    """Where ``rule``'s own law binds, in words: how a reader elsewhere should take it."""
    law = rule.law or {}
    basis, where = law.get("basis", "law"), law.get("jurisdiction")
    if basis == "data-quality":
        return "a data-quality standard, not law"
    if where == "US":
        return "federal law"
    if where:
        return f"law in {where}; a model elsewhere"
    return "not law: a drafting standard" if basis == "drafting" else "not law"


def entry_label(pack: Any, entry: Any, quality: bool = False) -> str:
    """A pack entry's citation as a table of that pack's rules shows it (compare's scorecards).

    The table is headed by the pack, so a binding pack's law is shown as it is; drafting
    entries, advisory checklists and bills say they are no law; a data-quality rule
    (``quality``) is labelled as one, in any pack.
    """
    if quality:
        return "Data-quality standard" + (f"; see: {entry.citation}" if entry.citation else "")
    if entry.basis == "drafting" or not entry.citation:
        return "Drafting standard" + (f"; see: {entry.citation}" if entry.citation else "")
    if pack.status == "model":
        return f"Model standard, not law; source: {entry.citation}"
    if pack.status == "advisory":
        return f"Advisory standard, not law; source: {entry.citation}"
    return str(entry.citation)
