"""Explain a YAML syntax error as a drafter can fix it: the line the mistake is on, and what to do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_CLOSERS = {"{": "}", "[": "]"}


@dataclass(frozen=True, slots=True)
class Explained:
    """A syntax error's message and its 0-based position (where the mistake is, not where the
    parser gave up)."""

    message: str
    line: int
    column: int


def _at(lines: list[str], n: int) -> str:
    """Line ``n`` (0-based), or "" past the end (a mark may sit after the last line break)."""
    return lines[n] if 0 <= n < len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _previous(lines: list[str], line: int) -> int | None:
    """The nearest line above ``line`` that holds YAML (not blank, not only a comment)."""
    for n in range(min(line, len(lines)) - 1, -1, -1):
        if _content(lines[n]):
            return n
    return None


def _key(line: str) -> str:
    """The key a `key: value` line starts with (a list item's dash left out)."""
    text = line.strip()
    if text.startswith("- "):
        text = text[2:].lstrip()
    return text.split(":", 1)[0].strip()


def _label(line: str) -> str:
    """How a message names a line: its key (`name:`) or, for a list item without one, its text."""
    text = line.strip()
    if ":" in text:
        return f"`{_key(line)}:`"
    return f"`{text[:30]}`"


def _quoted(text: str) -> str:
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _spaces(n: int) -> str:
    return f"{n} space{'s' if n != 1 else ''}"


def explain(exc: Any, text: str) -> Explained | None:
    """A drafter's explanation of ``exc`` (a PyYAML or libyaml error) on ``text``, or None."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    if mark is None:
        return None
    lines = _BREAK.split(text)
    line, column = mark.line, mark.column
    here = _at(lines, line)
    char = here[column] if column < len(here) else ""
    opened = getattr(exc, "context_mark", None)

    if char == "\t" or "tab" in problem:
        if here[:column].strip(" \t") == "":
            return Explained(f"YAML syntax error: line {line + 1} is indented with a tab; YAML "
                             "indents with spaces only: replace the tab with spaces", line, column)
        return Explained(f"YAML syntax error: a tab on line {line + 1} where YAML expects a "
                         "space: replace it with a space", line, column)

    if "quoted scalar" in context and opened is not None:
        quote = _at(lines, opened.line)[opened.column:opened.column + 1] or '"'
        return Explained(f"YAML syntax error: the quote `{quote}` opened on line {opened.line + 1} "
                         f"is never closed: end the text with `{quote}`", opened.line, opened.column)

    if context.startswith("while parsing a flow") and opened is not None:
        bracket = _at(lines, opened.line)[opened.column:opened.column + 1] or "{"
        closer = _CLOSERS.get(bracket, "}")
        if opened.line != line:
            return Explained(f"YAML syntax error: the `{bracket}` opened on line {opened.line + 1} is "
                             f"not closed on that line: add `{closer}` where it ends (separate its "
                             f"items with `,`)", opened.line, opened.column)
        return Explained(f"YAML syntax error: expected `,` or `{closer}` here, inside the "
                         f"`{bracket}` opened at column {opened.column + 1}; put text with `,`, `:` "
                         "or brackets in quotes", line, column)

    if "mapping values are not allowed" in problem:
        before = here[:column]
        if ": " in before.lstrip() or before.rstrip().endswith(":"):
            key = _key(here)
            value = here.split(":", 1)[1].strip() if ":" in here else ""
            return Explained(f"YAML syntax error: the text after `{key}:` contains `: `, which YAML "
                             f"reads as the start of another key; put the text in quotes: "
                             f"`{key}: {_quoted(value)}`", line, column)
        prev = _previous(lines, line)
        owner = _text_owner(lines, line)
        if owner is not None:  # a long value runs on over several lines into this `key: `
            return Explained(f"YAML syntax error: the text of `{_key(lines[owner])}:` (line {owner + 1}) "
                             f"runs on to line {line + 1}, where `: ` starts another key; put the "
                             "whole text in quotes", line, column)
        if prev is not None:
            above = lines[prev]
            stripped = above.strip()
            if ":" not in stripped.lstrip("- ") and not stripped.startswith(("-", "[", "{", '"', "'")) \
                    and _indent(above) <= _indent(here):
                first, _, rest = stripped.partition(" ")
                return Explained(f"YAML syntax error: line {prev + 1} (`{stripped[:40]}`) has no `:` "
                                 f"after its key, so YAML read it as text running on into line "
                                 f"{line + 1}: write `{first}: {rest.strip()}`"[:300], prev, _indent(above))
            if _indent(here) > _indent(above):
                extra = _indent(here) - _indent(above)
                return Explained(f"YAML syntax error: line {line + 1} is indented {_spaces(extra)} more "
                                 f"than `{_key(above)}:` on line {prev + 1}; keys of one mapping line up: "
                                 f"remove {_spaces(extra)} (or, if it is text, put it in quotes)",
                                 line, _indent(here))
        return None

    if ("expected key" in problem or "expected <block end>" in problem) \
            and "block mapping" in context:
        if here[:column].strip() == "" and line > 0:
            prev = _previous(lines, line)
            if prev is not None and _indent(lines[prev]) > column:
                levels = _levels(lines, prev)
                if column not in levels:
                    shown = ", ".join(f"{_spaces(i)} ({_label(lines[n])} on line {n + 1})"
                                      for i, n in sorted(levels.items(), reverse=True))
                    return Explained(f"YAML syntax error: line {line + 1} is indented {_spaces(column)}, "
                                     f"which lines up with nothing above it; line it up with one of: "
                                     f"{shown}", line, column)
        if here[:column].rstrip().endswith(('"', "'")):
            return Explained("YAML syntax error: text follows the closing quote; put all of the "
                             "text inside the quotes", line, column)
    return None


def _text_owner(lines: list[str], line: int) -> int | None:
    """The `key: text` line whose text runs on (as lines without a colon, indented deeper
    than the key) down to ``line``, or None."""
    prev = _previous(lines, line)
    if prev is None or ":" in lines[prev] or _indent(lines[prev]) > _indent(lines[line]):
        return None
    n: int | None = prev
    while n is not None and ":" not in lines[n]:
        n = _previous(lines, n)
    if n is None:
        return None
    key_line = lines[n]
    value = key_line.split(":", 1)[1].strip()
    deeper = _indent(key_line) < _indent(lines[prev])
    plain = value and not value.startswith(("'", '"', "|", ">", "[", "{", "&", "*", "#"))
    return n if deeper and plain else None


def _levels(lines: list[str], start: int) -> dict[int, int]:
    """Indentations of the keys open at line ``start`` (its own, then each parent's): indent ->
    line number."""
    levels: dict[int, int] = {}
    current = _indent(lines[start]) + 1
    for n in range(start, -1, -1):
        if not _content(lines[n]):
            continue
        width = _indent(lines[n])
        if width < current:
            levels[width] = n
            current = width
        if width == 0:
            break
    return levels
