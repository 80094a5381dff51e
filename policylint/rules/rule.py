"""Rules and packs as loaded values, and a rule compiled into closures ready to run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from policylint.load.document import escape_token
from policylint.rules.checks import get as get_check
from policylint.rules.conditions import (
    Condition,
    ConditionError,
    compile_condition,
    reads_subject,
    uses_standard,
)
from policylint.rules.fastconditions import Patterns
from policylint.rules.paths import Path, PathError, compile_path, relative_pointer
from policylint.rules.templating import MessageTemplate, TemplateError, compile_message


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule file, as data (see docs/rule-format.md)."""

    id: str
    title: str
    severity: str
    message: str
    topics: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: One subject path, or several whose subjects are checked in turn (a tuple).
    given: str | tuple[str, ...] | None = None
    at: str | None = None
    rationale: str = ""
    law: dict[str, Any] = field(default_factory=dict)
    remediation: dict[str, Any] = field(default_factory=dict)
    examples: dict[str, Any] = field(default_factory=dict)
    category: str = ""
    file: str = ""
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The package's own rule (reviewed with the code), not a third-party rule directory's.
    shipped: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any], file: str = "", category: str = "",
                  shipped: bool = False) -> Rule:
        return cls(
            id=data["id"], title=data["title"], severity=data.get("severity", "warning"),
            message=data["message"], topics=tuple(data.get("topics") or ()),
            reads=tuple(data.get("reads") or ()), aliases=tuple(data.get("aliases") or ()),
            given=tuple(data["given"]) if isinstance(data.get("given"), list) else data.get("given"),
            at=data.get("at"), rationale=data.get("rationale", ""),
            law=dict(data.get("law") or {}), remediation=dict(data.get("remediation") or {}),
            examples=dict(data.get("examples") or {}), category=category, file=file, data=data,
            shipped=shipped,
        )


@dataclass(frozen=True, slots=True)
class PackRule:
    """A rule as one pack uses it: its severity, citation and scorecard weight there."""

    rule: str
    severity: str
    citation: str | None = None
    url: str | None = None
    weight: int = 1
    #: ``drafting``: the pack recommends the rule, but its law does not require it (the
    #: citation is context, and the finding is labelled a drafting standard).
    basis: str = "law"
    #: The pack's law requires the written policy itself to contain the provision, so silence
    #: is an error; otherwise silence on a duty the law imposes anyway is a warning.
    requires_text: bool = False


@dataclass(frozen=True, slots=True)
class Pack:
    """A pack manifest: a standard (law, model policy, drafting guide) as a list of rules."""

    id: str
    title: str
    jurisdiction: str
    status: str
    rules: tuple[PackRule, ...]
    states: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    effective_from: str | None = None
    effective_to: str | None = None
    #: Scorecards: silence on a rule's topics complies with this standard (earns its weight).
    silence_complies: bool = False
    description: str = ""
    sources: tuple[dict[str, Any], ...] = ()
    file: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any], file: str = "") -> Pack:
        return cls(
            id=data["id"], title=data["title"], jurisdiction=data["jurisdiction"],
            status=data["status"],
            rules=tuple(PackRule(rule=r["rule"], severity=r["severity"], citation=r.get("citation"),
                                 url=r.get("url"), weight=r.get("weight", 1),
                                 basis=r.get("basis", "law"),
                                 requires_text=bool(r.get("requires_text", False)))
                        for r in data.get("rules") or ()),
            states=tuple(data.get("states") or ()),
            jurisdictions=tuple(data.get("jurisdictions") or ()),
            effective_from=data.get("effective_from"), effective_to=data.get("effective_to"),
            silence_complies=bool(data.get("silence_complies", False)),
            description=data.get("description", ""),
            sources=tuple(data.get("sources") or ()), file=file,
        )

    @property
    def standard(self) -> str | None:
        """The state whose law this pack applies ("Boston, MA" -> "MA"); None for US/any."""
        tail = self.jurisdiction.rsplit(",", 1)[-1].strip()
        return tail if len(tail) == 2 and tail.isalpha() and tail.isupper() and tail != "US" else None

    def default_for(self, state: Any, jurisdiction: Any) -> bool:
        """Whether this pack is a default pack for an agency in ``state``/``jurisdiction``."""
        if self.status == "federal" or self.id == "drafting":
            return True
        if not isinstance(state, str):
            return False
        st = state.strip().upper()
        if st in self.states:
            return True
        if isinstance(jurisdiction, str) and self.jurisdictions:
            place = f"{jurisdiction.strip()}, {st}".casefold()
            return any(place == j.casefold() for j in self.jurisdictions)
        return False


class RuleCompileError(ValueError):
    """A part of a rule that does not compile; ``pointer`` says which part of the file."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to run: selector, conditions and message template, compiled once."""

    rule: Rule
    selector: Path | None
    #: ``root -> [(pointer, subject, key)]``: the rule's subjects in a document.
    subjects: Callable[[Any], list[tuple[str, Any, Any]]]
    when: Condition | None
    fail: Condition
    template: MessageTemplate
    at_pointer: Callable[[str], str]
    #: Pointers the rule reads whatever the subject: a schema error under any of them
    #: (or above them) skips the rule for that document.
    reads: tuple[str, ...]
    #: For a wildcard ``given``: the fixed part; only an error at or above it skips the rule
    #: (errors deeper down skip just the subjects they touch).
    subjects_under: str | None
    #: The conditions ask which state's law is applied (``standard``): the engine then runs
    #: the rule once per distinct standard among the packs that select it.
    uses_standard: bool = False
    #: ``when`` reads only the document (not the subject): it is evaluated once per document
    #: instead of once per subject of a wildcard ``given``.
    when_per_document: bool = False


def compile_rule(rule: Rule, trusted: bool = False) -> CompiledRule:
    """Compile ``rule``; raise :class:`RuleCompileError` naming the part that is wrong.

    ``trusted``: the file's exact text compiled before, so the message template and the
    patterns are compiled only when first used.  The rule's origin (``rule.shipped``) says
    how its patterns compile: the package's in ``re``, a third party's in ``regex`` with a
    timeout.
    """
    patterns = Patterns(shipped=rule.shipped, lazy=trusted)
    several = isinstance(rule.given, tuple)
    selectors: list[Path] = []
    for i, text in enumerate(rule.given if isinstance(rule.given, tuple) else (rule.given,) if rule.given else ()):
        where = f"/given/{i}" if several else "/given"
        try:
            compiled_path = compile_path(text)
        except PathError as exc:
            raise RuleCompileError(str(exc), where) from None
        if compiled_path.start != "root":
            raise RuleCompileError("`given` starts at the document root (no `@`)", where)
        selectors.append(compiled_path)
    selector = selectors[0] if len(selectors) == 1 else None
    conds: dict[str, Condition | None] = {}
    for part in ("when", "fail"):
        if rule.data.get(part) is None:
            conds[part] = None
            continue
        try:
            conds[part] = compile_condition(rule.data[part], get_check, "", patterns)
        except ConditionError as exc:
            raise RuleCompileError(exc.message, f"/{part}{exc.pointer}") from None
    if conds["fail"] is None:
        raise RuleCompileError("a rule needs a `fail` condition", "")
    template: MessageTemplate
    if trusted:
        template = MessageTemplate(rule.message)
    else:
        try:
            template = compile_message(rule.message)
        except TemplateError as exc:
            raise RuleCompileError(str(exc), "/message") from None
    at = rule.at
    try:
        suffix = relative_pointer("", at)
    except PathError as exc:
        raise RuleCompileError(str(exc), "/at") from None
    if at and at.startswith("/"):
        at_pointer: Callable[[str], str] = lambda base: suffix  # noqa: E731 - absolute
    else:
        at_pointer = lambda base: base + suffix  # noqa: E731

    reads = {f"/provisions/{escape_token(t)}" for t in rule.topics}
    for i, text in enumerate(rule.reads):
        reads.add(_read_pointer(text, i))
    for part in ("when", "fail"):
        if rule.data.get(part) is not None:
            reads.update(_condition_reads(rule.data[part]))
    subjects_under = None
    for path in selectors:
        if not path.wildcard:
            reads.add(path.static_pointer)
        elif selector is not None:
            subjects_under = path.static_pointer
        # With several paths, an error in one collection skips only the subjects it touches.
    if selector is not None:
        subjects = selector.selector()
    elif selectors:
        readers = tuple(path.selector() for path in selectors)

        def subjects(root: Any) -> list[tuple[str, Any, Any]]:
            return [s for read in readers for s in read(root)]
    else:
        def subjects(root: Any) -> list[tuple[str, Any, Any]]:
            return [("", root, None)]
    return CompiledRule(
        rule=rule, selector=selector,
        subjects=subjects,
        when=conds["when"], fail=conds["fail"],
        template=template, at_pointer=at_pointer,
        reads=tuple(sorted(reads)), subjects_under=subjects_under,
        uses_standard=uses_standard(rule.data.get("when")) or uses_standard(rule.data.get("fail")),
        when_per_document=rule.data.get("when") is not None and not reads_subject(rule.data["when"]),
    )


def _read_pointer(text: str, index: int) -> str:
    """The JSON Pointer of a ``reads`` entry: a dotted root path like every other path in a
    rule file (``instrument.effective_date``); a JSON Pointer (``/instrument``) is still read."""
    if text == "" or text.startswith("/"):
        return text
    try:
        path = compile_path(text)
    except PathError as exc:
        raise RuleCompileError(str(exc), f"/reads/{index}") from None
    if path.start != "root" or path.wildcard:
        raise RuleCompileError("`reads` names a fixed place from the document root "
                               "(no `@`, `[*]` or `.*`)", f"/reads/{index}")
    return path.static_pointer


def _condition_reads(data: Any) -> set[str]:
    """The document pointers a condition reads independently of the subject."""
    out: set[str] = set()
    if isinstance(data, list):
        for item in data:
            out |= _condition_reads(item)
        return out
    if not isinstance(data, dict):
        return out
    for key in ("path", "each"):
        text = data.get(key)
        if isinstance(text, str) and not text.startswith("@"):
            try:
                out.add(compile_path(text).static_pointer)
            except PathError:
                pass
    for key in ("topic", "silent", "present"):
        if isinstance(data.get(key), str):
            out.add(f"/provisions/{escape_token(data[key])}")
    for key in ("all", "any", "not", "none"):
        if key in data:
            out |= _condition_reads(data[key])
    return out
