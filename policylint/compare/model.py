"""The comparison as data: one row per agency with its topic cells, rule cells and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Sequence

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

    rows: list[Row]
    groups: list[tuple[str | None, list[Row]]]
    unreadable: list[tuple[str, str]]
    topics: tuple[Topic, ...]
    rules: tuple[RuleColumn, ...]
    packs: tuple[Any, ...]             # scores.PackMethod, in reading order
    coverage: Any                      # coverage.Coverage
    options: dict[str, Any]
    total: int                         # documents read, before filtering


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


def _rule_columns(registry: Registry, rows: Sequence[Row], packs: Sequence[Any]) -> tuple[RuleColumn, ...]:
    seen: dict[str, list[str]] = {}
    for pack in packs:
        for entry in pack.pack.rules:
            seen.setdefault(entry.rule, []).append(pack.pack.id)
    used = {rid for row in rows for rid, cell in row.rules.items() if cell.state != "not_selected"}
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


def _version_key(row: Row, others: Sequence[Row]) -> tuple[Any, ...]:
    """Newest last: in force, not replaced by another version, latest effective date, file."""
    names = {n.casefold() for n in (row.instrument.get("title"), row.instrument.get("number")) if n}
    replaced = any(names & {s.casefold() for s in (o.instrument.get("supersedes") or ())}
                   for o in others if o is not row)
    return (row.in_force, not replaced, row.instrument.get("effective_date") or "", row.file)


def by_agency(rows: Sequence[Row]) -> list[Row]:
    """One row per agency: its latest document in force (else its latest), the others in
    ``history``, newest first.  Documents of one agency share name, state and jurisdiction."""
    versions: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        versions.setdefault(row.agency_key, []).append(row)
    out = []
    for group in versions.values():
        ordered = sorted(group, key=lambda r: _version_key(r, group), reverse=True)
        current = ordered[0]
        current.history = ordered[1:]
        out.append(current)
    return out


def build(results: Iterable[Any], registry: Registry, *, root: str = ".",
          filters: dict[str, frozenset[str]] | None = None, sort: str = "name",
          group_by: str = "none", all_topics: bool = False) -> Comparison:
    """The comparison of ``results`` (from :func:`policylint.compare.summary.collect`)."""
    from policylint.compare import coverage, order, scores

    order.validate(sort, group_by, registry)
    filters = filters or {}
    rows: list[Row] = []
    unreadable: list[tuple[str, str]] = []
    total = 0
    for result in results:
        total += 1
        if result.summary is None:
            problem = next((f.message for f in result.findings if f.input_error), "could not be read")
            unreadable.append((report_path(result.file, root), problem))
            continue
        rows.append(make_row(result, registry, root))
    rows = [row for row in by_agency(rows) if order.keep(row, filters)]
    packs = scores.pack_methods(registry, rows)
    for row in rows:
        for version in (row, *row.history):
            scores.score_row(version, packs)
    rows.sort(key=order.sort_key(sort))
    for i, row in enumerate(rows):
        row.index = i
        for version in row.history:
            version.index = -1
    taxonomy = load_taxonomy()
    topics = taxonomy.topics if all_topics else tuple(
        t for t in taxonomy.topics if any(r.topics[t.key].coded for r in rows))
    groups = order.group(rows, group_by)
    return Comparison(
        rows=rows, groups=groups, unreadable=unreadable, topics=topics,
        rules=_rule_columns(registry, rows, packs), packs=packs,
        coverage=coverage.count(rows, topics), total=total,
        options={"sort": sort, "group_by": group_by,
                 "filters": {k: sorted(v) for k, v in filters.items()}})
