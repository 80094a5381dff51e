"""The comparison as data: one row per agency with its topic cells, rule cells and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

from policylint.compare.spool import compact
from policylint.compare.states import ENDED, NOT_KNOWN, NOT_READ, PARTLY_READ
from policylint.rules.registry import Registry
from policylint.run.baseline import report_path
from policylint.schema.taxonomy import SILENT, UNCLEAR, Topic, load_taxonomy

#: Topic cell tones from the end that limits cooperation to the end that cooperates (see
#: scales.yaml), then the cells that carry no value.
TONES = ("t0", "t1", "t2", "t3", "t4", "other", "unclear", "silent", NOT_READ, ENDED, NOT_KNOWN)

#: Rule cell states, in the order a legend lists them.
RULE_STATES = ("pass", "fail", "suppressed", "not_addressed", NOT_READ, "not_applicable",
               "skipped", "not_selected")

#: Values with no provision behind them.
UNCODED = frozenset({SILENT, NOT_KNOWN, NOT_READ})



@compact
@dataclass(frozen=True, slots=True)
class TopicCell:
    """What one agency's document says on one topic, with its evidence."""

    value: str
    tone: str            # t0 (most restrictive) .. t4 (least), silent, unclear, not_known, other
    quote: str | None = None
    paraphrase: str | None = None
    section: str | None = None
    form: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    exceptions: tuple[dict[str, Any], ...] = ()

    @property
    def coded(self) -> bool:
        return self.value not in UNCODED

    @property
    def order(self) -> int:
        """Sort position: most restrictive first, cells without a value last."""
        return TONES.index(self.tone) if self.tone in TONES else len(TONES)


@compact
@dataclass(frozen=True, slots=True)
class RuleCell:
    """How one rule came out for one agency."""

    state: str
    severity: str | None = None
    findings: int = 0
    reasons: tuple[str, ...] = ()
    message: str | None = None
    #: The rule reads only topics the policy leaves unsaid: a finding here reports silence,
    #: not something the text says.
    silence: bool = False


@compact
@dataclass(slots=True)
class Row:
    """One document of the comparison; the rows shown are agencies, each its current document."""

    file: str
    name: str
    kind: str | None
    state: str | None
    county: str | None
    jurisdiction: str | None
    population: int | None
    instrument: dict[str, Any]
    survey: str | None
    status: str
    packs: tuple[str, ...]
    schema_errors: int
    topics: dict[str, TopicCell]
    rules: dict[str, RuleCell]
    scores: dict[str, Any] = field(default_factory=dict)   # pack id -> scores.Score
    law: Any = None      # scores.Tally over the packs of law that binds the agency
    index: int = 0       # position in the sorted comparison: ties a row across tables
    text_read: str = "full"
    ended: str | None = None
    #: The agency's other documents (earlier versions, ended instruments), newest first.
    history: list[Row] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        """A policy nobody has seen (``instrument.kind: unknown``) gets no score."""
        return self.instrument.get("kind") != "unknown"

    @property
    def in_force(self) -> bool:
        """False once ``instrument.ended`` is a day that has come."""
        return self.ended is None or self.ended > date.today().isoformat()

    def standing_value(self, topic: str) -> str:
        """The topic's value as counted across agencies: a provision of an instrument that
        has ended is no longer the agency's rule, so it counts as ``ended``."""
        cell = self.topics[topic]
        return cell.value if self.in_force or not cell.coded else ENDED

    @property
    def agency_key(self) -> tuple[str, str, str]:
        """Documents with the same key are versions of one agency's rules."""
        return ((self.state or "").casefold(), (self.jurisdiction or "").casefold(),
                self.name.casefold())

    def attribute(self, key: str) -> str | None:
        """The value ``--filter``/``--group-by`` key ``key`` reads."""
        return {"state": self.state, "kind": self.kind, "county": self.county,
                "instrument": self.instrument.get("kind"), "survey": self.survey,
                "status": self.status}.get(key)


@dataclass(frozen=True, slots=True)
class RuleColumn:
    id: str
    title: str
    topics: tuple[str, ...]
    packs: tuple[str, ...]


@dataclass(slots=True)
class Comparison:
    """Everything a renderer shows; built by :func:`build`, never holding a node tree."""

    rows: Sequence[Row]                # a list, or spool.Rows read one at a time
    groups: list[tuple[str | None, Sequence[Row]]]
    unreadable: list[tuple[str, str]]
    topics: tuple[Topic, ...]
    rules: tuple[RuleColumn, ...]
    packs: tuple[Any, ...]             # scores.PackMethod, in reading order
    coverage: Any                      # coverage.Coverage
    options: dict[str, Any]
    total: int                         # documents read, before filtering
    spool: Any = None                  # spool.Spool the rows are read from, if any
    totals: Any = None                 # totals.Totals counted as the rows arrived, if any

    def held(self) -> Comparison:
        """The comparison with its rows in memory, for renderers that walk them many times
        (the HTML page and Markdown; a bounded number of rows)."""
        from dataclasses import replace

        if isinstance(self.rows, list):
            return self
        rows = list(self.rows)
        groups: list[tuple[str | None, Sequence[Row]]] = [
            (label, [rows[p.index] for p in members.placed])  # type: ignore[attr-defined]
            for label, members in self.groups]
        return replace(self, rows=rows, groups=groups)

    def close(self) -> None:
        """Remove the spool the rows are read from."""
        if self.spool is not None:
            self.spool.close()

    def __enter__(self) -> Comparison:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- statuses -------------------------------------------------------------------------------

#: instrument kinds that are a written instrument of the agency or its government.
WRITTEN_KINDS = frozenset({"ordinance", "bylaw", "general_order", "department_policy",
                           "select_board_vote", "executive_order", "agreement"})



def policy_status(instrument_kind: str | None, survey_status: str | None, ended: bool = False) -> str:
    """One word for where an agency stands: the survey's answer first, then the instrument."""
    if survey_status in ("no_response", "denied", "pending"):
        return survey_status
    if ended:
        return "ended"
    if instrument_kind in WRITTEN_KINDS:
        return "written"
    return {"unwritten_directive": "unwritten", "none": "none", "draft": "draft",
            "state_directive_only": "state_directive_only",
            "directive": "directive"}.get(instrument_kind or "", "unknown")


# -- cells ----------------------------------------------------------------------------------


def tone(topic: Topic, value: str) -> str:
    """A colour class from the value's place on the topic's scale (scales.yaml), else its
    place in the topic's order (five steps)."""
    from policylint.compare.scales import scale

    if value in (SILENT, UNCLEAR, NOT_KNOWN, NOT_READ):
        return value
    placed = scale(topic.key).tones.get(value)
    if placed:
        return placed
    rank = topic.rank(value)
    if rank is None:
        return "other"
    steps = len(topic.by_restrictiveness) - 1
    return f"t{round(rank * 4 / steps) if steps else 0}"


def topic_cell(topic: Topic, provision: dict[str, Any] | None, known: bool,
               read: bool = True) -> TopicCell:
    """``known``: someone has seen the policy; ``read``: all of its text was read."""
    if provision is None:
        value = (SILENT if read else NOT_READ) if known else NOT_KNOWN
        return TopicCell(value, tone(topic, value))
    return TopicCell(provision["value"], tone(topic, provision["value"]), provision.get("quote"),
                     provision.get("paraphrase"), provision.get("section"), provision.get("form"),
                     provision.get("source") or {}, tuple(provision.get("exceptions") or ()))


def _left_out(path: str, provisions: dict[str, Any]) -> bool:
    """The finding at ``path`` points at something the document does not code at all (a
    provision coded ``silent`` on purpose was read, and is not left out)."""
    parts = path.split("/")
    return not (len(parts) > 2 and parts[1] == "provisions" and parts[2] in provisions)


def rule_cell(rule_id: str, outcome: str | None, findings: list[Any], topics: tuple[str, ...],
              provisions: dict[str, Any], read: bool = True,
              absent: frozenset[str] = frozenset()) -> RuleCell:
    """The state of one rule for one document, from its outcome and findings.

    A rule's cell reports silence when the rule reads only topics the document leaves
    uncoded, or when every finding it made points at something the document leaves out
    (``absent``: the paths of such findings, e.g. ``/provisions/training/value`` of a
    policy silent on training, or a missing definition).  ``read`` is False when the
    encoder did not read all of the instrument's text: a rule reporting silence then reads
    text nobody read, and is ``not_read`` (never a violation, never silence).
    """
    if outcome is None:
        return RuleCell("not_selected")
    if outcome in ("skipped", "not_read"):
        return RuleCell(outcome)
    active = [f for f in findings if f.suppressed is None and f.baseline is None]
    reported = active or findings
    topic_silence = bool(topics) and all((provisions.get(t) or {}).get("value", SILENT) == SILENT
                                         for t in topics)
    absent_silence = bool(reported) and all(f.path in absent for f in reported)
    silence = topic_silence or absent_silence
    # A topic coded ``silent`` explicitly was read and found silent; only what the document
    # leaves out of a partly read text is not read.
    # Findings say what they rest on; without one pointing at nothing, the rule's topics do.
    left_out = any(_left_out(f.path, provisions) for f in reported) if absent_silence else \
        topic_silence and any(t not in provisions for t in topics)
    if silence and left_out and not read and outcome in ("pass", "fail"):
        return RuleCell(NOT_READ)
    if active:
        worst = max(active, key=lambda f: f.rank)
        return RuleCell("fail", worst.severity, len(active), message=active[0].message, silence=silence)
    if findings:
        reasons = tuple(dict.fromkeys(f.suppressed if f.suppressed is not None else "in the baseline"
                                      for f in findings))
        return RuleCell("suppressed", max(findings, key=lambda f: f.rank).severity, len(findings), reasons,
                        silence=silence)
    if outcome == "fail":  # every finding was turned off by configuration
        return RuleCell("suppressed", reasons=("turned off in configuration",), silence=silence)
    if outcome == "pass" and silence:
        # A rule that passes only because the policy says nothing on its topics has not
        # been met by anything the policy says.
        return RuleCell("not_addressed", silence=True)
    return RuleCell(outcome)


# -- building -------------------------------------------------------------------------------


def _rule_columns(registry: Registry, used: set[str], packs: Sequence[Any]) -> tuple[RuleColumn, ...]:
    """The rules any agency shown was checked with, in their packs' order."""
    seen: dict[str, list[str]] = {}
    for pack in packs:
        for entry in pack.pack.rules:
            seen.setdefault(entry.rule, []).append(pack.pack.id)
    order = [rid for rid in seen if rid in used] + sorted(used - set(seen))
    columns = []
    for rid in order:
        rule = registry.rules.get(rid)
        columns.append(RuleColumn(rid, rule.title if rule else rid,
                                  tuple(rule.topics) if rule else (), tuple(seen.get(rid, ()))))
    return tuple(columns)


def make_row(result: Any, registry: Registry, root: str) -> Row:
    """A row from one checked document (its ``summary``, ``outcomes`` and findings)."""
    summary = result.summary
    agency, instrument = summary["agency"], summary["instrument"]
    provisions = summary["provisions"]
    survey = (summary.get("survey") or {}).get("status")
    known = instrument.get("kind") != "unknown"
    read = instrument.get("text_read") not in PARTLY_READ
    absent = frozenset(summary.get("absent") or ())
    topics = {t.key: topic_cell(t, provisions.get(t.key), known, read) for t in load_taxonomy().topics}
    by_rule: dict[str, list[Any]] = {}
    for f in result.findings:
        by_rule.setdefault(f.rule, []).append(f)
    outcomes = result.outcomes or {}
    rules = {}
    for rid in set(outcomes) | {r for r in by_rule if r in registry.rules}:
        rule = registry.rules.get(rid)
        rules[rid] = rule_cell(rid, outcomes.get(rid, "fail" if rid in by_rule else None),
                               by_rule.get(rid, []), tuple(rule.topics) if rule else (), provisions,
                               read, absent)
    file = report_path(result.file, root)
    row = Row(
        file=file, name=agency.get("name") or file.rsplit("/", 1)[-1], kind=agency.get("kind"),
        state=agency.get("state"), county=agency.get("county"),
        jurisdiction=agency.get("jurisdiction"), population=agency.get("population"),
        instrument=instrument, survey=survey, status="unknown",
        packs=tuple(summary.get("packs") or ()),
        schema_errors=sum(1 for f in result.findings if f.rule.startswith("schema-")),
        topics=topics, rules=rules, text_read=instrument.get("text_read") or "full",
        ended=instrument.get("ended"))
    row.status = policy_status(instrument.get("kind"), survey, not row.in_force)
    return row


@dataclass(slots=True)
class Document:
    """What choosing an agency's current version, filtering and ordering need of one
    document, without its row (which waits in the spool)."""

    where: tuple[int, int]
    agency: tuple[str, str, str]
    file: str
    in_force: bool
    names: frozenset[str]        # its title and number, casefolded
    supersedes: frozenset[str]   # the titles or numbers it replaces, casefolded
    effective: str
    keep: bool                   # passes --filter
    sort: Any                    # its --sort key
    group: str | None            # its --group-by group
    packs: tuple[str, ...]
    state: str = ""              # its state's label
    line: tuple[int, int] | None = None  # its finder line, in the spool


def document(row: Row, where: tuple[int, int], keep: bool, sort: Any, group: str | None) -> Document:
    from policylint.compare.totals import state_label

    inst = row.instrument
    return Document(where, row.agency_key, row.file, row.in_force,
                    frozenset(n.casefold() for n in (inst.get("title"), inst.get("number")) if n),
                    frozenset(s.casefold() for s in (inst.get("supersedes") or ())),
                    inst.get("effective_date") or "", keep, sort, group, row.packs, state_label(row))


@dataclass(frozen=True, slots=True)
class Shaping:
    """How a comparison chooses, orders and groups its rows: what a pool worker needs to
    make a document's :class:`Arrival` (plain data, sent to workers that are not forked)."""

    root: str = "."
    filters: dict[str, frozenset[str]] = field(default_factory=dict)
    sort: str = "name"
    group_by: str = "none"


@dataclass(slots=True)
class Arrival:
    """One document's row, made and scored where the document was checked: packed for the
    spool, with what choosing, ordering and counting need of it."""

    packed: bytes
    doc: Document        # its ``where`` is set when the row is put in the spool
    facts: Any           # totals.Facts


class Shaper:
    """Makes arrivals from checked documents, in a pool worker or in this process."""

    def __init__(self, registry: Registry, shaping: Shaping) -> None:
        from policylint.compare import order, scores

        self.registry, self.shaping = registry, shaping
        self.scorer = scores.Scorer(registry)
        self.sort_key = order.sort_key(shaping.sort)

    def __call__(self, result: Any) -> Arrival:
        from policylint.compare import order
        from policylint.compare.spool import pack
        from policylint.compare.totals import facts

        row = make_row(result, self.registry, self.shaping.root)
        self.scorer(row)
        return Arrival(pack(row), document(row, (0, 0), order.keep(row, self.shaping.filters), self.sort_key(row),
                                           order.group_label(row, self.shaping.group_by)), facts(row))


def _version_key(doc: Document, others: Sequence[Document]) -> tuple[Any, ...]:
    """Newest last: in force, not replaced by another version, latest effective date, file."""
    replaced = any(doc.names & o.supersedes for o in others if o is not doc)
    return (doc.in_force, not replaced, doc.effective, doc.file)


def by_agency(docs: Sequence[Document]) -> list[tuple[Document, list[Document]]]:
    """One entry per agency: its latest document in force (else its latest), and the others,
    newest first.  Documents of one agency share name, state and jurisdiction."""
    versions: dict[tuple[str, str, str], list[Document]] = {}
    for doc in docs:
        versions.setdefault(doc.agency, []).append(doc)
    out = []
    for group in versions.values():
        ordered = sorted(group, key=lambda d: _version_key(d, group), reverse=True) if len(group) > 1 else group
        out.append((ordered[0], ordered[1:]))
    return out


def build(results: Iterable[Any], registry: Registry, *, root: str = ".",
          filters: dict[str, frozenset[str]] | None = None, sort: str = "name",
          group_by: str = "none", all_topics: bool = False) -> Comparison:
    """The comparison of ``results`` (from :func:`policylint.compare.summary.collect`).

    A result checked by :class:`policylint.compare.summary.RowChecker` brings its row made,
    scored and packed (:class:`Arrival`, made in the pool worker that checked it); any
    other result's row is made here.  Each row goes to a spool as it arrives and is counted
    then (coverage, rules, topics, states); memory holds a few hundred bytes per document
    (what choosing, filtering and ordering need) and the counts.  A counted document that
    turns out not to be its agency's current version is read back and taken out of the
    counts.  Renderers read the rows back one at a time; close the comparison
    (:meth:`Comparison.close`) to remove the spool.
    """
    from policylint.compare import order, scores
    from policylint.compare.spool import Placed, Rows, Spool
    from policylint.compare.totals import Totals, facts

    order.validate(sort, group_by, registry)
    shaping = Shaping(root, filters or {}, sort, group_by)
    shaper: Shaper | None = None
    spool, totals = Spool(), Totals()
    try:
        docs: list[Document] = []
        unreadable: list[tuple[str, str]] = []
        total = 0
        for result in results:
            total += 1
            arrival = getattr(result, "arrival", None)
            if arrival is None:
                if result.summary is None:
                    problem = next((f.message for f in result.findings if f.input_error), "could not be read")
                    unreadable.append((report_path(result.file, root), problem))
                    continue
                shaper = shaper or Shaper(registry, shaping)
                arrival = shaper(result)
            doc = arrival.doc
            doc.where = spool.put_bytes(arrival.packed)
            doc.line = spool.put_bytes(arrival.facts.line.encode("utf-8"))
            if doc.keep:
                totals.add(arrival.facts)
            docs.append(doc)
        agencies = [(current, history) for current, history in by_agency(docs) if current.keep]
        shown = {id(current) for current, _ in agencies}
        for doc in docs:  # earlier versions, and the agencies whose current version is filtered out
            if doc.keep and id(doc) not in shown:
                totals.add(facts(spool.get(doc.where)), -1)
        del docs, shown
        agencies.sort(key=lambda a: a[0].sort)
        placed = [Placed(i, current.where, tuple(d.where for d in history), current.state, current.line)
                  for i, (current, history) in enumerate(agencies)]
        rows = Rows(spool, placed)
        packs = scores.methods_of(registry, {p for current, history in agencies
                                             for d in (current, *history) for p in d.packs})
        coded = totals.coded_topics()
        taxonomy = load_taxonomy()
        topics = taxonomy.topics if all_topics else tuple(t for t in taxonomy.topics if t.key in coded)
        if group_by == "none":
            groups: list[tuple[str | None, Sequence[Row]]] = [(None, rows)]
        else:
            members: dict[str, list[Placed]] = {}
            for p, (current, _) in zip(placed, agencies):
                members.setdefault(current.group or "", []).append(p)
            groups = [(label, Rows(spool, members[label])) for label in sorted(members, key=order.group_order)]
        return Comparison(
            rows=rows, groups=groups, unreadable=unreadable, topics=topics,
            rules=_rule_columns(registry, totals.used_rules(), packs), packs=packs,
            coverage=totals.coverage.result(topics), total=total,
            options={"sort": sort, "group_by": group_by,
                     "filters": {k: sorted(v) for k, v in filters.items()} if filters else {}},
            spool=spool, totals=totals)
    except BaseException:
        spool.close()
        raise
