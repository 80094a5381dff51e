"""What a rule's finding can rest on the absence of, and what a partly read document leaves unread."""

from __future__ import annotations

import re
from typing import Any

from policylint.load.document import escape_token
from policylint.rules.conditions import OPERATORS, QUANTIFIERS

#: How much of the instrument's text the encoding rests on (``instrument.text_read``); with
#: these values a topic left out, or an empty text field, is not read rather than silent.
PARTIAL = frozenset({"partial", "none"})

#: Instrument fields whose value would come from the instrument's own text: left empty in a
#: partly read document, they are not known rather than missing from the instrument.
TEXT_FIELDS = ("title", "number", "effective_date", "review_date", "issuing_authority",
               "applies_to", "supersedes")


def _holds_when_absent(leaf: dict[str, Any]) -> bool | None:
    """Whether leaf ``leaf`` holds on a document (and subject) without the value it reads:
    a topic reads as ``silent``, a path as missing (``null``), as the condition language has
    it (docs/rule-format.md).  Worked out from the leaf's data, without compiling it."""
    op = next((o for o in OPERATORS if o in leaf), None)
    if op is None:
        return None
    arg = leaf[op]
    value: str | None = "silent" if "topic" in leaf else None
    if op == "equals":
        return value == arg and type(arg) is not bool
    if op in ("in", "not_in") and isinstance(arg, list):
        member = any(a == value and type(a) is not bool for a in arg)
        return member if op == "in" else not member
    if op == "exists" and isinstance(arg, bool):
        return (value is not None) is arg
    if op == "matches" and isinstance(arg, str) and value is not None:
        try:
            return re.search(arg, value, re.IGNORECASE) is not None
        except re.error:
            return None
    return False  # matches, contains, contains_any, before, after: nothing to test


def _pointer(path: str, given: str | None) -> str | None:
    """``/provisions/<topic>`` or ``/instrument/<field>`` for a dotted path that reads one."""
    if path.startswith("@"):
        if not given or "*" in given or path.startswith("@key"):
            return None
        path = given + path[1:]
    if "*" in path or "[" in path:
        return None
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] == "provisions" and parts[1]:
        return f"/provisions/{escape_token(parts[1])}"
    if len(parts) >= 2 and parts[0] == "instrument" and parts[1] in TEXT_FIELDS:
        return f"/instrument/{parts[1]}"
    if len(parts) >= 2 and parts[0] == "definitions" and parts[1]:
        return f"/definitions/{escape_token(parts[1])}"
    return None


def _walk(data: Any, holds: bool, given: str | None, out: set[str]) -> None:
    """Add to ``out`` what ``data`` reads whose absence makes it come out ``holds``."""
    if not isinstance(data, dict):
        return
    for op in ("all", "any"):
        if isinstance(data.get(op), list) and len(data) == 1:
            for item in data[op]:
                _walk(item, holds, given, out)
            return
    if "not" in data and len(data) == 1:
        _walk(data["not"], not holds, given, out)
        return
    for op in ("silent", "present"):
        if isinstance(data.get(op), str):
            if (op == "silent") is holds:
                out.add(f"/provisions/{escape_token(data[op])}")
            return
    if isinstance(data.get("topic"), str):
        pointer: str | None = f"/provisions/{escape_token(data['topic'])}"
    elif isinstance(data.get("path"), str):
        pointer = _pointer(data["path"], given)
    elif isinstance(data.get("each"), str):
        pointer = _pointer(data["each"], given)
        quantifier = next((q for q in QUANTIFIERS if q in data), None)
        # Over a missing collection `all` and `none` hold and `any` does not.
        if pointer is not None and quantifier is not None and (quantifier != "any") is holds:
            out.add(pointer)
        return
    elif isinstance(data.get("check"), str):
        # A named check says itself what it can fire on the absence of (``absence_reads``).
        from policylint.rules.checks import get

        func = get(data["check"])
        if holds and func is not None:
            out.update(getattr(func, "absence_reads", ()))
        return
    else:
        return  # `standard` reads no absence
    if pointer is not None and _holds_when_absent(data) is holds:
        out.add(pointer)


#: absence_reads of each rule's data, worked out when a partly read document first needs it
#: (keyed by identity; the data is kept so that the key stays its own).
_ABSENCE: dict[int, tuple[Any, frozenset[str]]] = {}


def absence_of(rule_data: dict[str, Any]) -> frozenset[str]:
    """:func:`absence_reads`, computed once per rule (most runs never need it)."""
    got = _ABSENCE.get(id(rule_data))
    if got is None or got[0] is not rule_data:
        got = _ABSENCE[id(rule_data)] = (rule_data, absence_reads(rule_data))
    return got[1]


def absence_reads(rule_data: dict[str, Any]) -> frozenset[str]:
    """The topics (``/provisions/<topic>``) and instrument text fields (``/instrument/<field>``)
    whose absence can make rule ``rule_data`` report a finding.

    Worked out from the rule's own `when` and `fail`: a leaf that holds on a document without
    the value it reads (``silent``, ``not_in``, ``exists: false``, a negated ``present`` ...)
    lets the rule fire on silence.  On a partly read document such a rule does not run while
    one of these is absent: its finding would rest on text nobody read.
    """
    out: set[str] = set()
    given = rule_data.get("given") if isinstance(rule_data.get("given"), str) else None
    for part in ("when", "fail"):
        _walk(rule_data.get(part), True, given, out)
    return frozenset(out)


def text_read(data: Any) -> Any:
    """``instrument.text_read`` of document ``data`` (``None`` when absent or not a mapping)."""
    instrument = data.get("instrument") if isinstance(data, dict) else None
    return instrument.get("text_read") if isinstance(instrument, dict) else None


class Unread:
    """What a partly read document leaves unread: a container of pointers.

    Its absent topics (``/provisions/<topic>``), empty instrument text fields
    (``/instrument/<field>``) and terms it does not define (``/definitions/<term>``).  A
    topic coded ``silent`` explicitly is read: the encoder says what was read shows the
    silence.  Falsy (empty) for a fully read document.
    """

    __slots__ = ("_data", "_partial")

    def __init__(self, data: Any) -> None:
        self._data = data if isinstance(data, dict) else {}
        read = text_read(data)
        self._partial = isinstance(read, str) and read in PARTIAL  # an invalid value reads as full

    def __bool__(self) -> bool:
        return self._partial

    def __contains__(self, pointer: object) -> bool:
        if not self._partial or not isinstance(pointer, str):
            return False
        _, part, name = pointer.split("/", 2) if pointer.count("/") >= 2 else ("", "", "")
        name = name.replace("~1", "/").replace("~0", "~")
        if part == "provisions":
            provisions = self._data.get("provisions")
            prov = provisions.get(name) if isinstance(provisions, dict) else None
            return not isinstance(prov, dict) or prov.get("value") is None
        if part == "instrument":
            return name in TEXT_FIELDS and self._data["instrument"].get(name) in (None, "", [])
        if part == "definitions":
            definitions = self._data.get("definitions")
            return not isinstance(definitions, dict) or definitions.get(name) in (None, {})
        return False


def unread(data: Any) -> Unread:
    """What document ``data`` leaves unread (empty unless ``text_read`` is partial or none)."""
    return Unread(data)


def topic_read(data: Any, topic: str) -> bool:
    """Whether ``topic`` of document ``data`` was read (coded, or the whole text was read)."""
    return f"/provisions/{escape_token(topic)}" not in unread(data)
