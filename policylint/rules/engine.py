"""Run the selected rules on a document and stamp each finding with its rule, severity and place."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Literal

from policylint.errors import UsageError, did_you_mean
from policylint.finding import SEVERITY_RANK, Finding, Span
from policylint.rules import deadline
from policylint.rules.selection import Selection

if TYPE_CHECKING:  # the rule machinery (Jinja included) loads when rules first run
    from policylint.rules.conditions import Condition
    from policylint.rules.registry import Registry
    from policylint.rules.rule import CompiledRule

#: ``not_read``: the rule did not run because its finding would rest on the absence of a
#: topic (or text field) that a partly read document leaves unread (policylint.rules.notread).
Outcome = Literal["pass", "fail", "not_applicable", "skipped", "not_read"]
#: When a rule runs under several states' laws, the strongest outcome is reported.
_OUTCOME_RANK = {"not_applicable": 0, "not_read": 1, "skipped": 1, "pass": 2, "fail": 3}


@dataclass(slots=True)
class Evaluation:
    """Findings of one document and what each selected rule concluded."""

    findings: list[Finding]
    outcomes: dict[str, Outcome] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedRule:
    """A compiled rule with what the selected packs make of it."""

    compiled: CompiledRule
    severity: str
    packs: tuple[str, ...]
    citation: str | None
    url: str | None
    #: The state whose law the rule applies here (``None``: the agency's own state).
    standard: str | None = None
    #: The selecting packs and their entries for the rule: which of them binds depends on
    #: the agency of each document (see :mod:`policylint.rules.governing`).
    entries: tuple[tuple[Any, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """The rules of one pack selection, compiled once, also indexed by topic."""

    packs: tuple[str, ...]
    rules: tuple[PlannedRule, ...]
    by_topic: dict[str, tuple[str, ...]]
    #: What evaluation reads of each planned rule, looked up once here (same order as rules).
    steps: tuple[_Step, ...] = ()
    #: How many distinct wildcard subject paths several rules share (see `_Step.shared`).
    shared: int = 0


@dataclass(frozen=True, slots=True)
class _Step:
    """One planned rule as :meth:`Engine.evaluate` runs it: its attributes looked up once
    per plan rather than once per document."""

    planned: PlannedRule
    compiled: CompiledRule
    rule_id: str
    subjects: Callable[[Any], list[tuple[str, Any, Any]]]
    #: Index of the rule's subjects in the per-document list of shared selections, or -1.
    #: Rules with the same wildcard `given` (`provisions.*`, `citations[*]`) select the same
    #: subjects: the document is walked once for all of them.
    shared: int
    #: ``when`` split by what it reads: the document only (run once per document) or the subject.
    document_when: Condition | None
    subject_when: Condition | None
    fail: Condition
    uses_standard: bool
    standard: str | None


def _steps(rules: tuple[PlannedRule, ...]) -> tuple[tuple[_Step, ...], int]:
    """The evaluation steps of ``rules`` and the number of shared subject selections."""
    users: dict[tuple[Any, ...], int] = {}
    for planned in rules:
        selector = planned.compiled.selector
        if selector is not None and selector.wildcard:
            users[selector.steps] = users.get(selector.steps, 0) + 1
    slots: dict[tuple[Any, ...], int] = {}
    steps: list[_Step] = []
    for planned in rules:
        compiled = planned.compiled
        selector = compiled.selector
        shared = -1
        if selector is not None and selector.wildcard and users[selector.steps] > 1:
            shared = slots.setdefault(selector.steps, len(slots))
        per_document = compiled.when is not None and compiled.when_per_document
        steps.append(_Step(
            planned, compiled, compiled.rule.id, compiled.subjects, shared,
            compiled.when if per_document else None, None if per_document else compiled.when,
            compiled.fail, compiled.uses_standard, planned.standard))
    return tuple(steps), len(slots)


#: The pack that checks an encoding against its archived source: a default pack for the
#: documents that name an archive (the others have nothing for it to read).
SOURCES_PACK = "sources"
#: Entries the governing-law memo keeps before it starts over: states and named cities make
#: a few hundred; only documents with made-up state names could fill it.
GOVERNING_MEMO = 4096


def has_archive(data: Any) -> bool:
    """Whether a document names an archived source (`instrument.source.archive`)."""
    instrument = data.get("instrument") if isinstance(data, dict) else None
    source = instrument.get("source") if isinstance(instrument, dict) else None
    return isinstance(source, dict) and bool(source.get("archive"))


class Engine:
    """Evaluates documents against a registry under a :class:`Selection`."""

    def __init__(self, registry: Registry, selection: Selection | None = None) -> None:
        self.registry = registry
        self.selection = selection or Selection()
        sel = self.selection
        for pack in (*(sel.packs or ()), *sel.extend_packs):
            if pack not in registry.packs:
                raise UsageError(f"unknown pack `{pack}`{did_you_mean(pack, registry.packs)}")
        self._select = self._resolve_patterns(sel.select, "--select") if sel.select else None
        self._ignore = self._resolve_patterns(sel.ignore, "--ignore")
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._defaults: dict[tuple[Any, Any], tuple[str, ...]] = {}
        self._city_packs = tuple(p for p in registry.packs.values() if p.jurisdictions)
        #: (planned rule, state, city its law names or None) -> its governing law there.
        self._governing: dict[tuple[int, Any, Any], Any] = {}
        #: planned rule -> the cities (``"boston, ma"``) its packs and law name.
        self._cities: dict[int, frozenset[str]] = {}
        # Jinja (messages) and regex (third parties' patterns; the package's run in `re`) are
        # imported with the engine rather than inside the first document's rule budget
        # (~40 ms on a cold start).
        if any(not rule.shipped for rule in registry.rules.values()):
            import regex  # noqa: F401

        from policylint.rules.templating import message_environment

        message_environment()

    # -- selection ---------------------------------------------------------------------------

    def _resolve_patterns(self, patterns: Iterable[str], option: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Split ``patterns`` into exact canonical ids and id prefixes; unknown ones are errors."""
        exact: list[str] = []
        prefixes: list[str] = []
        ids = self.registry.rules
        for raw in patterns:
            name = raw.strip()
            canonical = self.registry.resolve(name)
            if canonical is not None:
                exact.append(canonical)
            elif name and any(rid.startswith(name) for rid in ids):
                prefixes.append(name)
            else:
                raise UsageError(f"unknown rule or rule prefix `{raw}` in {option}"
                                 f"{did_you_mean(name, self.registry.known_ids())}")
        return tuple(exact), tuple(prefixes)

    @staticmethod
    def _matches(rule_id: str, patterns: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
        exact, prefixes = patterns
        return rule_id in exact or any(rule_id.startswith(p) for p in prefixes)

    def default_packs(self, state: Any, jurisdiction: Any) -> tuple[str, ...]:
        """The default packs for an agency in ``state`` (and city ``jurisdiction``)."""
        # Nearly every document names its own town, so a cache keyed by the town misses:
        # only packs that name cities read it, and the answer is cached per state and the
        # city packs that apply.
        cities = tuple(p.id for p in self._city_packs if p.default_for(state, jurisdiction))
        key = (state, cities)
        got = self._defaults.get(key)
        if got is None:
            got = self._defaults[key] = tuple(
                p.id for p in self.registry.packs.values()
                if p.id in cities or (not p.jurisdictions and p.default_for(state, None)))
        return got

    def packs_for(self, doc_data: Any) -> tuple[str, ...]:
        """The packs selected for a document (its defaults unless packs were given)."""
        sel = self.selection
        if sel.packs is not None:
            base = sel.packs
        else:
            agency = doc_data.get("agency") if isinstance(doc_data, dict) else None
            agency = agency if isinstance(agency, dict) else {}
            # Only text can name a state or city (and a list would not do as a cache key).
            state, place = (v if isinstance(v, str) else None
                            for v in (agency.get("state"), agency.get("jurisdiction")))
            base = self.default_packs(state, place)
            if SOURCES_PACK in self.registry.packs and SOURCES_PACK not in base and has_archive(doc_data):
                base = (*base, SOURCES_PACK)
        extra = tuple(p for p in sel.extend_packs if p not in base)
        return base + extra

    def plan(self, packs: tuple[str, ...]) -> Plan:
        """The compiled plan for ``packs`` (cached: most runs need one or a few)."""
        got = self._plans.get(packs)
        if got is None:
            got = self._plans[packs] = self._build_plan(packs)
        return got

    def _build_plan(self, packs: tuple[str, ...]) -> Plan:
        members: dict[str, list[tuple[str, Any]]] = {}
        for pack_id in packs:
            for entry in self.registry.packs[pack_id].rules:
                members.setdefault(entry.rule, []).append((pack_id, entry))
        if self._select is not None:
            candidates = [rid for rid in self.registry.rules if self._matches(rid, self._select)]
        else:
            candidates = list(members)
        planned: list[PlannedRule] = []
        by_topic: dict[str, list[str]] = {}
        for rid in candidates:
            if self._matches(rid, self._ignore):
                continue
            compiled = self.registry.compiled[rid]
            rule = compiled.rule
            entries = members.get(rid, [])
            if compiled.uses_standard and entries:
                # A rule whose threshold differs by state runs once per state whose law a
                # selecting pack applies: a Massachusetts town checked against California's
                # pack is judged by California's threshold, not its own state's.
                groups: dict[str | None, list[tuple[str, Any]]] = {}
                for pack_id, entry in entries:
                    groups.setdefault(self.registry.packs[pack_id].standard, []).append((pack_id, entry))
                planned.extend(_planned(compiled, group, standard, self.registry)
                               for standard, group in groups.items())
            else:
                planned.append(_planned(compiled, entries, None, self.registry))
            for topic in rule.topics:
                by_topic.setdefault(topic, []).append(rid)
        rules = tuple(planned)
        steps, shared = _steps(rules)
        return Plan(packs, rules, {t: tuple(r) for t, r in by_topic.items()}, steps, shared)

    # -- evaluation --------------------------------------------------------------------------

    def findings(self, doc: Any, invalid: Collection[str] = ()) -> list[Finding]:
        """The findings of the selected rules on ``doc``, sorted by position and rule."""
        return self.evaluate(doc, invalid).findings

    def evaluate(self, doc: Any, invalid: Collection[str] = (), seconds: float | None = None) -> Evaluation:
        """Findings plus each rule's outcome; rules reading invalid values are skipped.

        ``seconds``: the time all the rules together may run on this document (see
        :mod:`policylint.rules.deadline`).  The clock starts once the plan is built, so building
        it (and any other one-time set-up) never counts against a document.
        """
        plan = self.plan(self.packs_for(doc.data))
        if _instrument_unknown(doc.data):
            # Nobody knows what the policy says (a survey without an answer): every rule is
            # not applicable, rather than reading the unknown as silence.
            return Evaluation([], {p.compiled.rule.id: "not_applicable" for p in plan.rules})
        _render_message()  # imported before the clock starts
        findings: list[Finding] = []
        outcomes: dict[str, Outcome] = {}
        try:
            with deadline.budget(seconds):
                self._run(plan, doc, invalid, findings, outcomes)
        except deadline.Expired as exc:  # between two rules, or as one was being stopped
            findings.append(timeout_finding(doc, None, exc))
            for planned in plan.rules:
                outcomes.setdefault(planned.compiled.rule.id, "skipped")
        findings.sort(key=lambda f: (f.line, f.column, f.rule, f.path))
        return Evaluation(findings, outcomes)

    def _run(self, plan: Plan, doc: Any, invalid: Collection[str], findings: list[Finding],
             outcomes: dict[str, Outcome]) -> None:
        """Run the steps of ``plan`` on ``doc``, filling ``findings`` and ``outcomes``."""
        from policylint.rules.conditions import MISSING, Env
        from policylint.rules.notread import absence_of, unread

        root = doc.data
        env = Env(root, doc)
        # What a partly read document leaves unread (empty for nearly every document).
        not_read = unread(root)
        bad = _Invalid(invalid) if invalid else None
        selections: list[Any] = [None] * plan.shared
        for n, step in enumerate(plan.steps):
            rid = step.rule_id
            if bad is not None and _rule_blocked(step.compiled, bad):
                outcomes[rid] = "skipped"
                continue
            if not_read and any(p in not_read for p in absence_of(step.compiled.rule.data)):
                outcomes.setdefault(rid, "not_read")
                continue
            outcome: Outcome = "not_applicable"
            skipped = 0
            when, fail = step.subject_when, step.fail
            reported: set[str] | None = None
            env.standard = step.standard
            if step.document_when is not None:
                if env.args:
                    env.args = {}
                if not step.document_when(env, None, None):
                    outcomes.setdefault(rid, "not_applicable")
                    continue
            if step.uses_standard and rid in outcomes:
                # The same rule under another state's law: report each place once.
                reported = {f.path for f in findings if f.rule == rid}
            try:
                if step.shared < 0:
                    subjects = step.subjects(root)
                else:
                    subjects = selections[step.shared]
                    if subjects is None:
                        subjects = selections[step.shared] = step.subjects(root)
                for pointer, subject, key in subjects:
                    if bad is not None and pointer and bad.overlaps(pointer):
                        skipped += 1
                        continue
                    if subject is MISSING:
                        subject = None
                    if env.args:
                        env.args = {}
                    if when is not None and not when(env, subject, key):
                        continue
                    if fail(env, subject, key):
                        outcome = "fail"
                        place = step.compiled.at_pointer(pointer)
                        # One finding per (rule, place): subjects whose `at` is the same absolute
                        # pointer report once (and the repeats are not even built).
                        if reported is None:
                            reported = {place}
                        elif place in reported:
                            continue
                        else:
                            reported.add(place)
                        findings.append(self._finding(doc, step.planned, place, subject, key, env.args))
                    elif outcome == "not_applicable":
                        outcome = "pass"
            except deadline.Expired as exc:
                deadline.stop()  # the document's time is spent: the rules left do not run
                later = [s.rule_id for s in plan.steps[n + 1:]]
                findings.append(timeout_finding(doc, rid, exc, len(set(later) - {rid})))
                outcomes[rid] = "skipped"
                for other in later:
                    outcomes.setdefault(other, "skipped")
                return
            if outcome == "not_applicable" and skipped:
                outcome = "skipped"
            previous = outcomes.get(rid)
            if previous is None or _OUTCOME_RANK[outcome] > _OUTCOME_RANK[previous]:
                outcomes[rid] = outcome

    def _finding(self, doc: Any, planned: PlannedRule, pointer: str, subject: Any, key: Any,
                 args: dict[str, Any]) -> Finding:
        """The finding of ``planned`` at ``pointer`` (the subject's, moved by the rule's `at`)."""
        compiled = planned.compiled
        rule = compiled.rule
        span, add = doc.target(pointer)
        data = doc.data if isinstance(doc.data, dict) else {}
        agency = data.get("agency")
        if not isinstance(agency, dict):
            agency = None
        value = subject.get("value") if isinstance(subject, dict) else subject
        context = {
            "agency": agency if agency is not None else {},
            "doc": data,
            "subject": subject,
            "key": key,
            "topic": rule.topics[0] if rule.topics else key,
            "value": value,
            "args": dict(args),
            "rule": {"id": rule.id, "title": rule.title},
            "standard": planned.standard or (agency.get("state") if agency is not None else None),
        }
        template = compiled.template
        if not template.compiled:
            with deadline.paused():  # compiling it costs the same on every document
                template.compile()
        message = _render_message()(template, context, rule.title)
        if add:  # about something absent: say which key to write, where the finding points
            message = f"{message} {add}"
        state, place = _agency_place(agency)
        governing = self._governed(planned, state, place)
        if governing.severity == "error" and (subject is None or value == "silent"):
            from policylint.rules.governing import silence_capped

            governing = silence_capped(governing, True, planned.entries, state, place)
        return Finding(
            file=doc.file, rule=rule.id, severity=governing.severity,
            message=message, path=pointer, line=span.line, column=span.column,
            end_line=span.end_line, end_column=span.end_column,
            args=_stamped_args(args, value),
            packs=planned.packs, citation=governing.citation, url=governing.url,
            snippet=_snippet(doc, span), basis=governing.basis,
        )

    def _governed(self, planned: PlannedRule, state: Any, place: Any) -> Any:
        """The law that governs ``planned``'s findings for an agency in ``state``/``place``.

        Memoised by what the law can tell apart (:func:`governing.where`), not by the town:
        nearly every document names its own, and a memo keyed by it kept an entry for each
        document of a run."""
        from policylint.rules import governing

        cities = self._cities.get(id(planned))
        if cities is None:
            cities = self._cities[id(planned)] = governing.cities_named(planned.compiled.rule,
                                                                        planned.entries)
        key = (id(planned), *governing.where(state, place, cities))
        got = self._governing.get(key)
        if got is None:
            if len(self._governing) >= GOVERNING_MEMO:  # odd state names must not pile up
                self._governing.clear()
            got = self._governing[key] = governing.govern(planned.compiled.rule, planned.entries,
                                                          state, place)
        return got


def _render_message() -> Callable[[Any, dict[str, Any], str], str]:
    """``templating.render_message``, imported when the first finding is rendered (a run
    answered from the results cache renders nothing)."""
    global _RENDER
    if _RENDER is None:
        from policylint.rules.templating import render_message

        _RENDER = render_message
    return _RENDER


_RENDER: Callable[[Any, dict[str, Any], str], str] | None = None


def _stamped_args(args: dict[str, Any], value: Any) -> tuple[tuple[str, Any], ...]:
    """A finding's arguments, sorted and frozen: the check's, plus ``value`` when the
    subject's value is a plain value the check did not name itself."""
    if value is not None and not isinstance(value, (dict, list)) and "value" not in args:
        stamped = {**args, "value": value}
    elif not args:
        return ()
    else:
        stamped = args
    return tuple((k, _frozen(v)) for k, v in sorted(stamped.items()))


def _agency_place(agency: Any) -> tuple[str | None, str | None]:
    """The agency's state and place (``jurisdiction``), where they are text."""
    if not isinstance(agency, dict):
        return None, None
    state, place = agency.get("state"), agency.get("jurisdiction")
    return (state if isinstance(state, str) else None, place if isinstance(place, str) else None)


def _instrument_unknown(data: Any) -> bool:
    instrument = data.get("instrument") if isinstance(data, dict) else None
    return isinstance(instrument, dict) and instrument.get("kind") == "unknown"


def _planned(compiled: CompiledRule, entries: list[tuple[str, Any]], standard: str | None,
             registry: Registry) -> PlannedRule:
    """The rule as the packs in ``entries`` select it: the most severe pack's severity and law.

    Severity and citation here ignore the agency; each finding's are its agency's (see
    :mod:`policylint.rules.governing`): law that binds it, or a labelled model at most a warning.
    """
    rule = compiled.rule
    scoped = tuple((registry.packs[p], e) for p, e in entries)
    if not entries:
        return PlannedRule(compiled, rule.severity, (), rule.law.get("citation"), rule.law.get("url"),
                           standard, scoped)
    top = max(SEVERITY_RANK[e.severity] for _, e in entries)
    best = next(e for _, e in entries if SEVERITY_RANK[e.severity] == top)
    citation = best.citation or rule.law.get("citation")
    url = best.url if (best.citation or best.url) else rule.law.get("url")
    return PlannedRule(compiled, best.severity, tuple(p for p, _ in entries), citation, url, standard,
                       scoped)


def _snippet(doc: Any, span: Span, limit: int = 120) -> str | None:
    """Short source text of the finding: the value when on one line, else its first line."""
    if span.end_line == span.line:
        text = doc.snippet(span, limit)
    else:
        text = doc.line_text(span.line).strip()
        if len(text) > limit:
            text = text[: limit - 1] + "…"
    return text or None


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


class _Invalid:
    """The pointers with schema errors, indexed.

    A document can carry tens of thousands of errors (60,000 unknown keys fit in the size
    limit); comparing each rule and subject with every one of them took seconds.
    """

    __slots__ = ("pointers", "ordered")

    def __init__(self, pointers: Collection[str]) -> None:
        self.pointers = frozenset(pointers)
        self.ordered = sorted(self.pointers)

    def __bool__(self) -> bool:
        return bool(self.pointers)

    def at_or_above(self, pointer: str) -> bool:
        """Whether ``pointer`` or one of its parents (the root included) is invalid."""
        while True:
            if pointer in self.pointers:
                return True
            if not pointer:
                return False
            pointer = pointer[: pointer.rfind("/")]

    def overlaps(self, pointer: str) -> bool:
        """Whether ``pointer`` is at, above or below an invalid pointer."""
        if self.at_or_above(pointer):
            return True
        below = pointer + "/"
        i = bisect.bisect_left(self.ordered, below)
        return i < len(self.ordered) and self.ordered[i].startswith(below)


def _overlaps(pointer: str, invalid: _Invalid) -> bool:
    """Whether ``pointer`` is at, above or below any invalid pointer."""
    return invalid.overlaps(pointer)


def _rule_blocked(compiled: CompiledRule, invalid: _Invalid) -> bool:
    for pointer in compiled.reads:
        if not pointer or _overlaps(pointer, invalid):
            return True
    under = compiled.subjects_under
    return under is not None and invalid.at_or_above(under)


def timeout_finding(doc: Any, rule_id: str | None, exc: Any, left: int = 0) -> Finding:
    """The finding for rules stopped by the document's time budget (see policylint.rules.deadline)."""
    if rule_id:
        what = f"rule `{rule_id}` was stopped when the rules on this document had run {exc.seconds:g} s"
        whose = "its"
        if left:
            what += f"; the {left} rule{'s' if left > 1 else ''} after it did not run"
            whose = "their"
    else:
        what, whose = f"the rules were stopped after running {exc.seconds:g} s on this document", "their"
    return Finding(file=doc.file, rule="rule-timeout", severity="error",
                   message=f"{what} (a slow pattern or message template in a pack?); {whose} "
                           "findings here are missing", args=(("rule", rule_id or ""), ("skipped", left)))
