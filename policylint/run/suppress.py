"""Suppressions: ``# policylint: disable=...`` comments and the document's ``waivers:`` list.

A suppression marks a finding (``suppressed=reason``); it never drops it.  Suppressions
without a reason (when one is required), expired waivers, unknown rule ids and suppressions
that match nothing are findings themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from policylint.errors import did_you_mean
from policylint.finding import Finding, Span
from policylint.load.document import Document, join
from policylint.rules.catalog import CORE_RULES
from policylint.run.settings import SuppressSettings

#: A directive comment; what follows ``policylint:`` is parsed by :func:`parse_directive`.
_DIRECTIVE = re.compile(r"#\s*policylint:\s*(?P<body>(?:disable|enable)\S*.*)$")
_MARKER = re.compile(r"#\s*policylint:")
_KINDS = ("disable-file", "disable", "enable")
#: The suppression settings of a run that sets none.
DEFAULTS = SuppressSettings()
#: Rules whose findings no comment or waiver can hide (they are about suppressions).
UNSUPPRESSIBLE = frozenset({"unused-suppression", "expired-waiver", "suppression-without-reason",
                            "suppression-invalid"})


@dataclass(slots=True)
class Entry:
    """One rule of one directive or waiver, and whether it hid anything."""

    rule: str            # canonical id, or "all"
    reason: str | None
    span: Span           # where to report problems with it
    pointer: str = ""    # waivers: the finding's path must be at or under it
    lines: tuple[int, int] | None = None   # first/last line covered (comments)
    nodes: tuple[str, ...] = ()            # pointers of nodes starting on the target line
    waiver: bool = False
    origin: str = ""     # waivers: the waiver's own pointer (/waivers/N)
    used: bool = False

    def covers(self, f: Finding) -> bool:
        if self.rule != "all" and self.rule != f.rule:
            return False
        if self.waiver:
            return not self.pointer or f.path == self.pointer or f.path.startswith(self.pointer + "/")
        assert self.lines is not None
        if self.lines[0] <= f.line <= self.lines[1]:
            return True
        return any(f.path == p or f.path.startswith(p + "/") for p in self.nodes)


@dataclass(frozen=True, slots=True)
class Directive:
    """A parsed ``# policylint:`` comment."""

    kind: str
    rules: tuple[str, ...]
    reason: str | None
    line: int
    column: int
    end_column: int
    trailing: bool  # the comment follows YAML on the same line


def parse_directive(body: str) -> tuple[str, tuple[str, ...], str | None] | None:
    """``disable=a,b -- why`` -> ("disable", ("a", "b"), "why"); ``None`` if not a directive."""
    head, sep, reason = body.partition("--")
    head = head.strip()
    kind = next((k for k in _KINDS if head == k or head.startswith(k + "=")
                 or head.startswith(k + " ")), None)
    if kind is None:
        return None
    rest = head[len(kind):].strip()
    if rest.startswith("="):
        rest = rest[1:]
    rules = tuple(r.strip() for r in rest.split(",") if r.strip())
    return kind, rules, (reason.strip() or None) if sep else None


def _scalar_spans(root: Any) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Start/end (line, column) of every scalar, to tell comments from `#` inside text."""
    out = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.id == "scalar":
            out.append(((node.start_mark.line, node.start_mark.column),
                        (node.end_mark.line, node.end_mark.column)))
        elif node.id == "sequence":
            stack.extend(node.value)
        elif node.id == "mapping":
            for k, v in node.value:
                stack.extend((k, v))
    return out


def directives(doc: Document) -> Iterator[Directive]:
    """Every directive comment of ``doc`` (text inside quoted or block values is skipped)."""
    # Every document says `policylint: 1`: look for the comment marker itself before
    # splitting ~250 lines (~20 µs a document).
    if _MARKER.search(doc.text) is None:
        return
    scalars: list[tuple[tuple[int, int], tuple[int, int]]] | None = None
    for n, line in enumerate(doc.text.splitlines()):
        if "policylint:" not in line or "#" not in line:
            continue
        m = _DIRECTIVE.search(line)
        if m is None:
            continue
        col = m.start()
        if col and not line[col - 1].isspace():
            continue  # `a#b` is not a comment in YAML
        if scalars is None:
            scalars = _scalar_spans(doc.root)
        if any(s <= (n, col) < e for s, e in scalars):
            continue
        parsed = parse_directive(m.group("body"))
        if parsed is None:
            continue
        kind, rules, reason = parsed
        yield Directive(kind, rules, reason, n + 1, col + 1, len(line) + 1,
                        trailing=bool(line[:col].strip()))


def _nodes_starting_on(doc: Document, line: int) -> tuple[str, ...]:
    """Pointers of the mapping values and list items whose key or item starts on ``line``."""
    out: list[str] = []
    stack: list[tuple[Any, str]] = [(doc.root, "")]
    while stack:
        node, pointer = stack.pop()
        if node is None or node.start_mark.line + 1 > line or node.end_mark.line + 1 < line:
            continue
        if node.id == "mapping":
            for k, v in node.value:
                child = join(pointer, getattr(k, "value", ""))
                if k.start_mark.line + 1 == line:
                    out.append(child)
                stack.append((v, child))
        elif node.id == "sequence":
            for i, item in enumerate(node.value):
                child = join(pointer, i)
                if item.start_mark.line + 1 == line:
                    out.append(child)
                stack.append((item, child))
    return tuple(out)


def _next_content_line(lines: list[str], after: int) -> int:
    """The first line after 1-based ``after`` that is neither blank nor only a comment."""
    for n in range(after, len(lines)):
        stripped = lines[n].strip()
        if stripped and not stripped.startswith("#"):
            return n + 1
    return after


@dataclass(slots=True)
class _Collector:
    """Builds entries from a document, reporting problems with the suppressions themselves."""

    doc: Document
    resolve: Callable[[str], str | None]
    settings: SuppressSettings
    problems: list[Finding] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def problem(self, rule: str, message: str, span: Span, path: str = "") -> None:
        self.problems.append(Finding(
            file=self.doc.file, rule=rule, severity=CORE_RULES[rule][0], message=message,  # type: ignore[arg-type]
            path=path, line=span.line, column=span.column, end_line=span.end_line,
            end_column=span.end_column))

    def rule_id(self, raw: str, span: Span, path: str = "") -> str | None:
        if raw == "all":
            return raw
        canonical = self.resolve(raw)
        if canonical is None:
            self.problem("suppression-invalid",
                         f"unknown rule `{raw}` in a suppression{did_you_mean(raw, list(CORE_RULES))}",
                         span, path)
        return canonical

    def comments(self) -> None:
        found = list(directives(self.doc))
        if not found:
            return
        lines = self.doc.text.splitlines()
        # An own-line `disable` closed by a later `enable` of the same rule is a block.
        block_end: dict[tuple[int, str], int] = {}
        open_: dict[str, Directive] = {}
        for d in found:
            if d.kind == "disable" and not d.trailing:
                for raw in d.rules:
                    open_[raw] = d
            elif d.kind == "enable":
                names = d.rules or tuple(open_)
                for raw in names:
                    start = open_.pop(raw, None)
                    if start is None:
                        self.problem("suppression-invalid",
                                     f"`enable={raw}` has no `disable={raw}` above it",
                                     Span(d.line, d.column, d.line, d.end_column))
                    else:
                        block_end[(start.line, raw)] = d.line - 1
        for d in found:
            if d.kind == "enable":
                continue
            span = Span(d.line, d.column, d.line, d.end_column)
            if not d.rules:
                self.problem("suppression-invalid",
                             f"`{d.kind}` needs the rules it applies to: `{d.kind}=RULE -- reason`",
                             span)
                continue
            if d.reason is None and self.settings.require_reason:
                self.problem("suppression-without-reason",
                             f"suppression of {', '.join(d.rules)} gives no reason "
                             "(add `-- why`); it is not applied", span)
                continue
            for raw in d.rules:
                rule = self.rule_id(raw, span)
                if rule is None:
                    continue
                covered: tuple[int, int]
                nodes: tuple[str, ...]
                if d.kind == "disable-file":
                    covered, nodes = (1, max(len(lines), 1)), ()
                elif d.trailing:
                    covered, nodes = (d.line, d.line), _nodes_starting_on(self.doc, d.line)
                elif (d.line, raw) in block_end:
                    covered, nodes = (d.line + 1, block_end[(d.line, raw)]), ()
                else:
                    target = _next_content_line(lines, d.line)
                    covered, nodes = (target, target), _nodes_starting_on(self.doc, target)
                reason = d.reason or f"suppressed by the comment on line {d.line}"
                self.entries.append(Entry(rule, reason, span, lines=covered, nodes=nodes))

    def waivers(self) -> None:
        data = self.doc.data
        waivers = data.get("waivers") if isinstance(data, dict) else None
        if not isinstance(waivers, list):
            return
        for i, waiver in enumerate(waivers):
            if not isinstance(waiver, dict) or not isinstance(waiver.get("rule"), str):
                continue  # the schema reports its shape
            where = f"/waivers/{i}"
            span = self.doc.span(where)
            reason = waiver.get("reason")
            reason = reason.strip() if isinstance(reason, str) and reason.strip() else None
            if reason is None and self.settings.require_reason:
                self.problem("suppression-without-reason",
                             f"waiver of `{waiver['rule']}` gives no `reason`; it is not applied",
                             span, where)
                continue
            until = waiver.get("until")
            if isinstance(until, str) and self.settings.today and until[:10] < self.settings.today:
                self.problem("expired-waiver",
                             f"the waiver of `{waiver['rule']}` expired on {until[:10]}; "
                             "it no longer suppresses anything", self.doc.span(where + "/until"),
                             where + "/until")
                continue
            rule = self.rule_id(waiver["rule"], self.doc.span(where + "/rule"), where + "/rule")
            if rule is None:
                continue
            pointer = waiver["pointer"] if isinstance(waiver.get("pointer"), str) else ""
            label = f"waiver: {reason}" if reason else "waived in the document"
            if isinstance(until, str):
                label += f" (until {until[:10]})"
            self.entries.append(Entry(rule, label, span, pointer=pointer, waiver=True,
                                      origin=where))


def apply(doc: Document, findings: list[Finding], resolve: Callable[[str], str | None],
          ran: Callable[[str], bool], settings: SuppressSettings = DEFAULTS) -> list[Finding]:
    """Mark the findings that suppressions cover and add findings about the suppressions.

    ``resolve`` maps a rule id or alias to its canonical id (``None`` if unknown); ``ran``
    says whether a rule was evaluated for this document, so a suppression of a rule that did
    not run (deselected, skipped) is never called unused.
    """
    collector = _Collector(doc, resolve, settings)
    collector.comments()
    collector.waivers()
    entries = collector.entries
    if not entries:
        return [*findings, *collector.problems]
    out = []
    for f in findings:
        if f.input_error or f.rule in UNSUPPRESSIBLE or f.suppressed is not None:
            out.append(f)
            continue
        hit = None
        for entry in entries:
            if entry.covers(f):
                entry.used = True
                hit = hit or entry
        out.append(f.with_(suppressed=hit.reason) if hit is not None else f)
    if settings.report_unused:
        for entry in entries:
            if not entry.used and (entry.rule == "all" or ran(entry.rule)):
                what = "waiver" if entry.waiver else "suppression"
                # The rule's finding may sit elsewhere (a topic the document lacks is
                # reported on its `provisions:` key): say where, rather than just "remove it".
                elsewhere = next((f for f in out if f.rule == entry.rule and f.suppressed is None), None)
                if elsewhere is None:
                    advice = "remove it"
                elif entry.waiver:
                    advice = (f"`{entry.rule}` is reported at `{elsewhere.path or '/'}` (line "
                              f"{elsewhere.line}), outside the waiver's `pointer`")
                else:
                    advice = f"`{entry.rule}` is reported on line {elsewhere.line}: suppress it there"
                collector.problem("unused-suppression",
                                  f"this {what} of `{entry.rule}` matches no finding; {advice}",
                                  entry.span, entry.origin)
    return [*out, *collector.problems]
