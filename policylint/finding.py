"""The one immutable value every check, loader and validator produces: a Finding."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

#: Rank of each severity; higher is more severe.  ``--fail-on`` compares against it.
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "error": 3}
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region of a file; ``end_column`` is exclusive (as in SARIF)."""

    line: int
    column: int
    end_line: int
    end_column: int


#: Where a finding points when a file has no usable position (unreadable file, etc.).
FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one document, stamped with its rule, severity and position.

    ``path`` is a JSON Pointer into the document ("" for the whole document).  ``args``
    are the raw message arguments (kept for JSON output and tests), as ``(name, value)``
    pairs so the value stays hashable.  ``packs`` names the rule packs that selected the
    rule; ``citation``/``url``/``basis`` say what law governs the finding for the agency
    checked (policylint.rules.governing).  ``suppressed`` holds
    the reason when a suppression or waiver applies (the finding is kept, not dropped,
    so SARIF can report it as suppressed); ``baseline`` is ``"unchanged"`` when a baseline
    already knows the finding.  ``input_error`` marks problems that stop a document from
    being read at all (exit code 2).
    """

    file: str
    rule: str
    severity: Severity
    message: str
    path: str = ""
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1
    args: tuple[tuple[str, Any], ...] = ()
    packs: tuple[str, ...] = ()
    citation: str | None = None
    url: str | None = None
    snippet: str | None = None
    suppressed: str | None = None
    baseline: str | None = None
    input_error: bool = False
    #: What the finding rests on for the agency checked: ``law`` (law that binds it),
    #: ``drafting``, ``advisory``, ``model``, ``other-jurisdiction`` or ``data-quality``
    #: (see policylint.rules.governing); ``None`` for findings of no rule pack (input, schema).
    basis: str | None = None
    meta: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @property
    def span(self) -> Span:
        return Span(self.line, self.column, self.end_line, self.end_column)

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.path)

    def __reduce__(self) -> tuple[Any, ...]:
        # Findings cross from worker processes to the parent by pickle; the field values
        # in order, rebuilt by the constructor, pickle ~30% faster than the slot state.
        return (Finding, tuple(getattr(self, name) for name in _FIELDS))

    def with_(self, **changes: Any) -> Finding:
        """Return a copy with ``changes`` applied (findings are never mutated)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data (the ``json`` format's item shape)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "path": self.path,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "args": {k: v for k, v in self.args},
            "packs": list(self.packs),
            "citation": self.citation,
            "url": self.url,
            "snippet": self.snippet,
            "suppressed": self.suppressed,
            "baseline": self.baseline,
            "input_error": self.input_error,
            "basis": self.basis,
        }


_FIELDS = tuple(f.name for f in fields(Finding))
