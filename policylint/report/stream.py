"""Formats as streams: text for the start, for each file's result, and for the end of a run.

A format's ``stream(ctx)`` returns an object with ``begin() -> str``, ``result(result) -> str``
and ``end(summary) -> str``; a writer (``policylint.report.Reporter``) writes each piece as
soon as it is made, so a report of any size costs the memory of one file's result.  A format
whose opening shows the run's totals (Markdown) also has ``head(summary) -> str``: its writer
keeps the body in a temporary file until the totals are known.  The pieces are pure text;
``render`` joins them for a list of results (tests, the Python API).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Protocol

from policylint.report.environment import INVISIBLE


class FormatStream(Protocol):
    """What a writer drives: one piece of text per call, nothing written by the format."""

    def begin(self) -> str: ...

    def result(self, result: Any) -> str: ...

    def end(self, summary: Any) -> str: ...


def render(stream: Any, results: Iterable[Any], summary: Any) -> str:
    """The whole report of ``stream`` for ``results`` (head, when it has one, before the body)."""
    body = [stream.result(r) for r in results]
    head = stream.head(summary) if hasattr(stream, "head") else ""
    return stream.begin() + head + "".join(body) + stream.end(summary)


class PerFile:
    """A stream over a module of ``render_file(result, ctx)`` and ``render_summary(summary, ctx)``."""

    def __init__(self, module: Any, ctx: Any) -> None:
        self.module, self.ctx = module, ctx

    def begin(self) -> str:
        return ""

    def result(self, result: Any) -> str:
        return str(self.module.render_file(result, self.ctx))

    def end(self, summary: Any) -> str:
        return str(self.module.render_summary(summary, self.ctx))


class Held:
    """A stream over ``render(results, summary, ctx)``: keeps every result until the end.

    Only for user templates (``-f template:``), whose context is the whole report at once.
    """

    def __init__(self, renderer: Any, ctx: Any) -> None:
        self.renderer, self.ctx = renderer, ctx
        self.results: list[Any] = []

    def begin(self) -> str:
        return ""

    def result(self, result: Any) -> str:
        self.results.append(result)
        return ""

    def end(self, summary: Any) -> str:
        return str(self.renderer.render(self.results, summary, self.ctx))


def open_stream(module: Any, ctx: Any) -> Any:
    """The stream of a format module (or of a loaded user template)."""
    if hasattr(module, "stream"):
        return module.stream(ctx)
    if getattr(module, "STREAM", False):
        return PerFile(module, ctx)
    return Held(module, ctx)


# -- JSON written a piece at a time ---------------------------------------------------------
#
# The envelope is indented as ``json.dumps(indent=2)`` would; each item of a streamed array
# (a file's entry, a SARIF result, a Code Quality issue) takes one line.  Indenting inside
# items would run Python's JSON encoder instead of its C one: 3-5x the cost of the whole
# report, paid in the one process that writes it.


# JSON may carry DEL, the C1 controls, bidi overrides and isolates and U+2028/9 raw, but a
# report is printed to terminals and shown in reviews as often as parsed: every JSON output
# writes them as `\uXXXX` escapes, which read back as the same text.  Outside its strings
# JSON is ASCII, so escaping the dumped text touches only what is inside strings.
_JSON_ESCAPED = re.compile(f"[\\x7f-\\x9f{INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(text: str) -> str:
    """JSON ``text`` with the invisible and control characters in its strings escaped."""
    return _JSON_ESCAPED.sub(_escape, text)


def dump(value: Any, **kwargs: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **kwargs)`` through :func:`json_safe`: the one
    way a JSON output is written (check, diff, compare, rules, packs)."""
    return json_safe(json.dumps(value, ensure_ascii=False, **kwargs))


def dumps(value: Any, level: int = 0) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it ``level`` levels deep (no leading indent).

    JSON strings never hold a raw line break, so indenting every line after the first is
    exactly what dumping the enclosing document would have written.
    """
    text = dump(value, indent=2, default=str)
    return text.replace("\n", "\n" + "  " * level) if level else text


def line(value: Any) -> str:
    """``value`` on one line (the C encoder)."""
    return dump(value, default=str)


def members(obj: dict[str, Any], level: int) -> str:
    """The ``"key": value`` lines of ``obj`` inside an object ``level`` levels deep."""
    pad = "  " * (level + 1)
    return ",\n".join(f"{pad}{dump(k)}: {dumps(v, level + 1)}"
                      for k, v in obj.items())


class JsonArray:
    """The items of a JSON array ``level`` levels deep, one line each, one at a time (the
    ``[`` is the caller's)."""

    def __init__(self, level: int) -> None:
        self.pad = "  " * (level + 1)
        self.close_pad = "  " * level
        self.count = 0

    def item(self, value: Any) -> str:
        self.count += 1
        return ("\n" if self.count == 1 else ",\n") + self.pad + line(value)

    def close(self) -> str:
        return "\n" + self.close_pad + "]" if self.count else "]"
