"""Checks on the legal citations a policy makes, resolved against `rules/citations.yaml`."""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policylint import shipped
from policylint.rules import deadline
from policylint.rules.checks.named import register
from policylint.rules.conditions import as_date

# -- parsing -----------------------------------------------------------------------------

#: A section number with its subsections: 1357, 1252c, 287.7, 1101(a)(15)(U), 2000e-2.
_SEC = r"\d+[a-z]?(?:\.\d+)?(?:-\d+)?(?:\s?\([a-z0-9]{1,5}\))*"
#: What may stand before a section number: §, §§ (folded to §), Sec., Section(s), s.
_SECWORD = r"(?:§\s*|sec(?:tion|s)?\b\.?\s*|s\.\s*)"
_USC = r"u\.?\s?s\.?\s?c(?:ode)?\b\.?(?:\s?a\b\.?)?|united\s+states\s+code(?:\s+annotated)?|u\.?\s?s\.?\s+code"
_CFR = r"c\.?\s?f\.?\s?r\b\.?|code\s+of\s+federal\s+regulations"
_INA = r"\bina\b|\bi\.n\.a\.|immigration\s+(?:and|&)\s+nationality\s+act"
_CODE = rf"(?P<code>{_USC}|{_CFR})"
#: Further sections after the first: "§§ 1373 and 1644", "1357(g), 1226" (but not the title
#: number of a following citation: "INA § 287(g), 8 U.S.C. § 1357(g)").
_MORE_PATTERN = (rf"\s*(?:,|;|\band\b|\bor\b|&)\s*(?:{_SECWORD})?(?P<sec>{_SEC})(?!\w)(?!\.\d)"
                 rf"(?!\s*(?:{_USC}|{_CFR}))")

_FORM_PATTERNS = (
    # 8 U.S.C. § 1357(g) / 8 USC 287.7 / 8 C.F.R. sec. 287.7
    rf"\b(?P<title>\d+)\s*{_CODE}\s*,?\s*(?:{_SECWORD})?(?P<sec>{_SEC})(?!\w)(?!\.\d)",
    # Section 287.7 of Title 8 of the United States Code
    rf"{_SECWORD}(?P<sec>{_SEC})\s*,?\s*of\s+(?:the\s+)?title\s+(?P<title>\d+)\s*,?\s*"
               rf"(?:of\s+)?(?:the\s+)?{_CODE}",
    # Title 8, United States Code, Section 1357 / Title 8 of the C.F.R., § 287.7
    rf"\btitle\s+(?P<title>\d+)\s*,?\s*(?:of\s+)?(?:the\s+)?{_CODE}\s*,?\s*"
               rf"{_SECWORD}(?P<sec>{_SEC})",
    # Title 8, Section 287.7 of the United States Code
    rf"\btitle\s+(?P<title>\d+)\s*,?\s*{_SECWORD}(?P<sec>{_SEC})\s*,?\s*"
               rf"(?:of\s+)?(?:the\s+)?{_CODE}",
    # INA § 287(g) / INA section 236 / Immigration and Nationality Act 287(g)
    rf"(?P<ina>{_INA})\s*,?\s*(?:{_SECWORD})?(?P<sec>{_SEC})(?!\w)(?!\.\d)",
    # Section 287(g) of the Immigration and Nationality Act
    rf"{_SECWORD}(?P<sec>{_SEC})\s*,?\s*of\s+(?:the\s+)?(?P<ina>{_INA})",
)


@lru_cache(maxsize=None)
@deadline.setup  # compiled before the first document's clock runs on
def _patterns() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """The citation patterns, compiled on first use (most documents cite nothing)."""
    return (re.compile(_MORE_PATTERN, re.IGNORECASE),
            tuple(re.compile(form, re.IGNORECASE) for form in _FORM_PATTERNS))


@dataclass(frozen=True)
class Cite:
    """One statutory or regulatory citation, normalised."""

    code: str  # usc | cfr | ina
    title: str | None
    section: str  # with subsections, e.g. "1357(g)(10)"

    @property
    def base(self) -> str:
        """The section without its subsections: "1357" for "1357(g)(10)"."""
        return self.section.split("(", 1)[0]

    @property
    def subsections(self) -> str:
        return self.section[len(self.base):]

    def __str__(self) -> str:
        if self.code == "ina":
            return f"INA § {self.section}"
        return f"{self.title} {'U.S.C.' if self.code == 'usc' else 'C.F.R.'} § {self.section}"


def _code_of(text: str) -> str:
    return "cfr" if _helpers()[0].fullmatch(text.strip()) else "usc"


def _clean_section(text: str) -> str:
    return _helpers()[1].sub("", text)


@lru_cache(maxsize=None)
@deadline.setup
def _helpers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns that read a match's parts, compiled once (not looked up in re's cache
    for every citation)."""
    return re.compile(_CFR, re.IGNORECASE), re.compile(r"\s+")


def _normalise(text: str) -> str:
    """Fold the spellings real documents use: non-breaking spaces, dashes, doubled §, runs of
    white space."""
    if text.isprintable() and "  " not in text and "§§" not in text \
            and "\u2011" not in text and "\u2013" not in text:
        # Nothing to fold (most citations): printable text holds no white space other
        # than the plain space (no tab, newline or non-breaking space), and no two meet.
        return text
    text = text.replace("\u00a0", " ").replace("\u2011", "-").replace("\u2013", "-")
    text = re.sub(r"§+", "§", text)  # §§ is only the plural; one § keeps the patterns linear
    return re.sub(r"\s+", " ", text)


#: A citation is a line or two; longer text is read only this far (a guard against hostile input).
MAX_TEXT = 10_000


def parse(text: str) -> list[Cite]:
    """Every U.S.C., C.F.R. and INA citation in ``text``, in order, without duplicates."""
    if not isinstance(text, str):
        return []
    text = _normalise(text[:MAX_TEXT])
    found: list[tuple[int, Cite]] = []
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping spans already read
    more_re, forms = _patterns()
    for form in forms:
        for m in form.finditer(text):
            at = bisect.bisect_right(taken, (m.start(), len(text) + 1))
            if (at and taken[at - 1][1] > m.start()) or (at < len(taken) and taken[at][0] < m.end()):
                continue  # an earlier, more specific form already read these words
            groups = m.groupdict()
            if groups.get("ina"):
                code, title = "ina", None
            else:
                code, title = _code_of(groups["code"]), groups["title"]
            found.append((m.start(), Cite(code, title, _clean_section(groups["sec"]))))
            pos = m.end()
            while (more := more_re.match(text, pos)) is not None:
                found.append((more.start(), Cite(code, title, _clean_section(more["sec"]))))
                pos = more.end()
            bisect.insort(taken, (m.start(), pos))
    seen: set[Cite] = set()
    out: list[Cite] = []
    for _, cite in sorted(found, key=lambda item: item[0]):
        if cite not in seen:
            seen.add(cite)
            out.append(cite)
    return out


# -- the table ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """``rules/citations.yaml``, loaded once, with its patterns compiled."""

    ina_to_usc: dict[str, str]
    usc_to_ina: dict[str, str]
    nonexistent: list[tuple[Cite, dict[str, Any]]]
    usc_decimal_means_cfr: bool
    superseded: list[tuple[list[_LazyPattern], dict[str, Any]]]
    cases: list[dict[str, Any]]
    jurisdictions: dict[str, tuple[str, list[_LazyPattern]]]
    #: One search each for "does the text name any superseded instrument / any case /
    #: any state's law at all": most citations name none, and one search costs a fraction
    #: of trying every pattern in turn.  ``None``: no such shortcut (try them all).
    any_superseded: re.Pattern[str] | None = None
    any_case: re.Pattern[str] | None = None
    any_jurisdiction: re.Pattern[str] | None = None


@lru_cache(maxsize=1)
@deadline.setup
def table() -> Table:
    from policylint.load.loader import load_text

    # The documents' own loader: a third of the time of yaml.load's constructor.
    loaded = load_text(shipped.read_text("rules", "data", "citations.yaml"), "policylint/rules/data/citations.yaml")
    if loaded.document is None or loaded.findings:
        raise ValueError(f"policylint/rules/data/citations.yaml: {[f.message for f in loaded.findings]}")
    data = loaded.document.data
    rx = _LazyPattern
    nonexistent = []
    for entry in data.get("nonexistent", []):
        key = entry["cite"]
        nonexistent.append((Cite(key["code"], key.get("title"), str(key["section"])), entry))
    cases = []
    for case in data.get("cases", []):
        cases.append({**case, "caption": rx(case["caption"]), "reporter": rx(case["reporter"]),
                      "variants": [{**v, "pattern": rx(v["pattern"])} for v in case.get("variants", [])]})
    superseded = [([rx(p) for p in e["patterns"]], e) for e in data.get("superseded", [])]
    jurisdictions = {code: (j["name"], [rx(p) for p in j["patterns"]])
                     for code, j in (data.get("jurisdictions") or {}).items()}
    return Table(
        ina_to_usc={str(e["ina"]): str(e["usc"]) for e in data.get("ina_usc", [])},
        usc_to_ina={str(e["usc"]): str(e["ina"]) for e in data.get("ina_usc", [])},
        nonexistent=nonexistent,
        usc_decimal_means_cfr=bool(data.get("usc_decimal_means_cfr")),
        superseded=superseded,
        cases=cases,
        jurisdictions=jurisdictions,
        any_superseded=_any_of([p for patterns, _ in superseded for p in patterns]),
        any_case=_any_of([v["pattern"] for c in cases for v in c["variants"]]
                         + [c["caption"] for c in cases]),
        any_jurisdiction=_any_of([p for _, patterns in jurisdictions.values() for p in patterns]),
    )


#: A pattern that sets its own flags (Python 3.10 would apply them to the whole join).
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


class _LazyPattern:
    """A case-insensitive table pattern, compiled on its first search.

    The joined searches below answer "no" for most citations, so most of the table's
    patterns are never needed; compiling all 32 cost a one-file run ~2 ms.
    """

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def search(self, text: str) -> re.Match[str] | None:
        if self._compiled is None:
            self._compiled = _compile(self.pattern)
        return self._compiled.search(text)


@deadline.setup
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _any_of(patterns: list[_LazyPattern]) -> re.Pattern[str] | None:
    """One case-insensitive pattern that finds a match exactly where one of ``patterns`` does.

    ``None`` when they cannot be joined safely: a capturing group could be referred to by
    its number, which joining would shift (the joined pattern then has groups), and a
    pattern with flags of its own does not compile inside another.  A pattern that does
    not compile at all fails here too, and again, with its own error, when it is tried."""
    if not patterns or any(_INLINE_FLAGS.match(p.pattern) for p in patterns):
        return None
    try:
        joined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)
    except re.error:
        return None
    return None if joined.groups else joined


# -- what the checks look at -------------------------------------------------------------

def cite_text(subject: Any) -> str | None:
    """The citation text of a `citations` item (a mapping with `cite`, or a bare string)."""
    if isinstance(subject, dict):
        subject = subject.get("cite")
    return subject[:MAX_TEXT] if isinstance(subject, str) and subject.strip() else None


def nonexistent(text: str, cites: list[Cite] | None = None) -> dict[str, Any] | None:
    """The first citation in ``text`` that names no real section, with a suggestion.

    ``cites``: ``parse(text)``, when the caller has it already."""
    t = table()
    for cite in parse(text) if cites is None else cites:
        for known, entry in t.nonexistent:
            if (cite.code, cite.title, cite.base) == (known.code, known.title, known.section):
                return {"cite": str(cite), "suggest": " or ".join(entry["suggest"]),
                        "note": " ".join(entry["note"].split()),
                        "verified": entry.get("verified", True)}
        if t.usc_decimal_means_cfr and cite.code in ("usc", "ina") and "." in cite.base:
            title = cite.title or "8"
            where = "U.S. Code" if cite.code == "usc" else "INA"
            return {"cite": str(cite), "suggest": f"{title} C.F.R. § {cite.section}",
                    "note": f"{where} sections are never numbered with a decimal point; "
                            "this is how the Code of Federal Regulations numbers its sections.",
                    "verified": True}
    return None


def ina_usc_mismatch(text: str, cites: list[Cite] | None = None) -> dict[str, Any] | None:
    """The first citation that puts an INA section number under 8 U.S.C., or the reverse.

    ``cites``: ``parse(text)``, when the caller has it already."""
    t = table()
    for cite in parse(text) if cites is None else cites:
        if "." in cite.base:
            continue  # a regulation number: `citation-nonexistent` says what it should be
        if cite.code == "usc" and cite.title == "8" and cite.base in t.ina_to_usc:
            right = Cite("usc", "8", t.ina_to_usc[cite.base] + cite.subsections)
            return {"cite": str(cite), "suggest": str(right),
                    "note": f"{cite.base} is the INA section number; INA § {cite.section} is "
                            f"codified at {right}."}
        if cite.code == "ina" and cite.base in t.usc_to_ina:
            ina = Cite("ina", None, t.usc_to_ina[cite.base] + cite.subsections)
            usc = Cite("usc", "8", cite.section)
            return {"cite": str(cite), "suggest": f"{ina} or {usc}",
                    "note": f"{cite.base} is the U.S. Code section number; the INA numbers "
                            f"the same section {ina.section}."}
    return None


def _after(day: _dt.date, when: str) -> bool:
    """``day`` is certainly after ``when`` (a date, a year-month or a year)."""
    return day.isoformat()[: len(when)] > when


def pending_supersessions(today: _dt.date | None = None) -> bool:
    """Whether an instrument of the table is superseded only after ``today``: results of
    `citation-superseded-instrument` then change on that day (the results cache asks)."""
    today = today or _dt.date.today()
    for _, entry in table().superseded:
        when = str(entry["date"])
        if not _after(today, when) and today.isoformat()[: len(when)] != when:
            return True
    return False


def superseded(text: str, effective: Any, today: _dt.date | None = None) -> dict[str, Any] | None:
    """The first revoked or replaced instrument ``text`` cites, dated against the policy."""
    today = today or _dt.date.today()
    t = table()
    if t.any_superseded is not None and not t.any_superseded.search(text):
        return None
    for patterns, entry in t.superseded:
        if not any(p.search(text) for p in patterns):
            continue
        when = str(entry["date"])
        if not _after(today, when) and today.isoformat()[: len(when)] != when:
            continue  # not yet superseded on the day the check runs
        took_effect = as_date(effective)
        already = took_effect is not None and _after(took_effect, when)
        return {"name": entry["name"], "date": when, "what": " ".join(entry["what"].split()),
                "replacement": entry.get("replacement"), "verified": entry.get("verified", True),
                "already": already,
                "status": " ".join(str(entry["status"]).split()) if entry.get("status") else None}
    return None


def case_caption(text: str) -> dict[str, Any] | None:
    """A case cited by a non-preferred caption, or without its reporter citation."""
    t = table()
    if t.any_case is not None and not t.any_case.search(text):
        return None
    for case in t.cases:
        for variant in case["variants"]:
            if variant["pattern"].search(text):
                return {"preferred": case["preferred"], "problem": "caption",
                        "note": " ".join(variant["note"].split())}
        if case["caption"].search(text) and not case["reporter"].search(text):
            return {"preferred": case["preferred"], "problem": "reporter",
                    "note": "The citation gives the case name without its reporter citation."}
    return None


def foreign_jurisdiction(text: str, state: Any) -> dict[str, Any] | None:
    """A state law cited in a policy of an agency in another state."""
    if not isinstance(state, str) or not state:
        return None
    t = table()
    if t.any_jurisdiction is not None and not t.any_jurisdiction.search(text):
        return None
    for code, (name, patterns) in t.jurisdictions.items():
        if code != state.upper() and any(p.search(text) for p in patterns):
            return {"cited_state": code, "cited_state_name": name}
    return None


#: Lunn by name or by its reporter citation.
_LUNN = re.compile(r"\blunn\b|\b477\s+mass\.?\s+517\b", re.IGNORECASE)
#: Words of telling ICE something, which Lunn does not address (notification is no arrest).
_TELLING = re.compile(r"\bnotif|\bnotice\b|\bcommunicat|\bcontact(?:ing)?\s+(?:ice|immigration|federal)"
                      r"|\binform(?:ation|ing)?\b|\bshar(?:e|es|ing)\b|\brelease\s+dates?\b",
                      re.IGNORECASE)
_COURT_OFFICERS = re.compile(r"\bcourt\s+officers?\b", re.IGNORECASE)
_ANY_OFFICER = re.compile(r"\bpolice\b|\blaw\s+enforcement\b|\ball\s+officers\b|\bour\s+officers\b"
                          r"|\bofficers\s+of\s+(?:this|the)\s+department\b|\bdepartment\s+personnel\b",
                          re.IGNORECASE)
#: Topics about telling ICE things, and topics about holding people, for section matching.
TELLING_TOPICS = ("release_notification_requests", "proactive_notification",
                  "nonpublic_data_sharing", "status_information_sharing")
HOLDING_TOPICS = ("civil_detainer_hold", "admin_warrant_hold", "transfer_to_ice",
                  "civil_immigration_arrest")


def lunn_scope(item: Any, provisions: Any) -> dict[str, Any] | None:
    """A Lunn citation used for more than it holds (notification), or for less (court officers).

    The citation is about telling ICE when its own words say so, or when it sits in the
    section of a notification or data-sharing provision and of no hold or transfer provision.
    """
    text = cite_text(item)
    if not text or not _LUNN.search(text):
        return None
    item = item if isinstance(item, dict) else {}
    words = item["quote"][:MAX_TEXT] if isinstance(item.get("quote"), str) else ""
    if words and _TELLING.search(words):
        return {"problem": "overclaim", "topic": None}
    section = item.get("section")
    provisions = provisions if isinstance(provisions, dict) else {}

    def in_section(topic: str) -> bool:
        prov = provisions.get(topic)
        return isinstance(prov, dict) and section is not None and prov.get("section") == section

    if section is not None and not any(in_section(t) for t in HOLDING_TOPICS):
        for topic in TELLING_TOPICS:
            if in_section(topic):
                return {"problem": "overclaim", "topic": topic}
    if words and _COURT_OFFICERS.search(words) and not _ANY_OFFICER.search(words):
        return {"problem": "underclaim", "topic": None}
    return None


# -- registered checks -------------------------------------------------------------------

def _no_args(name: str) -> Any:
    def validate(args: dict[str, Any]) -> str | None:
        return f"check `{name}` takes no arguments" if args else None
    return validate


def _root(ctx: Any) -> dict[str, Any]:
    return ctx.root if isinstance(ctx.root, dict) else {}


def _parsed(ctx: Any, text: str) -> list[Cite]:
    """``parse(text)``, once per document: several checks read every citation."""
    memo = getattr(ctx, "memo", None)
    if memo is None:
        return parse(text)
    key = ("citations.parse", text)
    cites = memo.get(key)
    if cites is None:
        cites = memo[key] = parse(text)
    return cites


@register("citation-nonexistent")
def check_nonexistent(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The citation names a section that does not exist (e.g. 8 U.S.C. § 287.7)."""
    text = cite_text(subject)
    return nonexistent(text, _parsed(ctx, text)) if text else None


@register("citation-ina-usc-mismatch")
def check_ina_usc_mismatch(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The citation mixes INA and U.S. Code section numbers (8 U.S.C. § 287(g))."""
    text = cite_text(subject)
    return ina_usc_mismatch(text, _parsed(ctx, text)) if text else None


@register("citation-superseded")
def check_superseded(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The citation names a revoked order, a rescinded memo or a replaced form."""
    text = cite_text(subject)
    if not text:
        return None
    instrument = _root(ctx).get("instrument")
    effective = instrument.get("effective_date") if isinstance(instrument, dict) else None
    return superseded(text, effective)


@register("citation-case-caption")
def check_case_caption(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The citation names a case by a non-preferred caption or without its reporter."""
    text = cite_text(subject)
    return case_caption(text) if text else None


@register("citation-foreign-jurisdiction")
def check_foreign_jurisdiction(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """The citation is to another state's law than the agency's (`agency.state`)."""
    text = cite_text(subject)
    agency = _root(ctx).get("agency")
    state = agency.get("state") if isinstance(agency, dict) else None
    return foreign_jurisdiction(text, state) if text else None


@register("citation-lunn-scope")
def check_lunn_scope(ctx: Any, subject: Any, args: dict[str, Any]) -> dict[str, Any] | None:
    """A Lunn citation claims the case bars telling ICE things, or binds court officers only."""
    return lunn_scope(subject, _root(ctx).get("provisions"))


for _name, _func in (("citation-lunn-scope", check_lunn_scope),
                     ("citation-nonexistent", check_nonexistent),
                     ("citation-ina-usc-mismatch", check_ina_usc_mismatch),
                     ("citation-superseded", check_superseded),
                     ("citation-case-caption", check_case_caption),
                     ("citation-foreign-jurisdiction", check_foreign_jurisdiction)):
    _func.validate_args = _no_args(_name)  # type: ignore[attr-defined]
