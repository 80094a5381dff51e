"""Output formats: a registry of pure functions from results to text, and where they write."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import IO, Any, Callable

from policylint.errors import UsageError, did_you_mean

#: format name -> module.  A module gives ``stream(ctx)``, an object whose ``begin``,
#: ``result`` and ``end`` make the report a piece at a time (``policylint.report.stream``),
#: or is a terminal format (``STREAM = True``: ``render_file(result, ctx)`` per file and
#: ``render_summary(summary, ctx)`` at the end).  Every function is pure: data in, text out.
FORMATS: dict[str, str] = {
    "text": "policylint.report.text",
    "concise": "policylint.report.concise",
    "json": "policylint.report.json",
    "sarif": "policylint.report.sarif",
    "github": "policylint.report.github",
    "gitlab": "policylint.report.gitlab",
    "junit": "policylint.report.junit",
    "markdown": "policylint.report.markdown",
}


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What formatters may know besides the findings."""

    color: bool = False
    verbose: int = 0
    statistics: bool = False
    tool_version: str = ""
    root: str = field(default_factory=os.getcwd)  # paths in reports are relative to it
    options: tuple[tuple[str, Any], ...] = ()
    #: rule id -> ``policylint.rules.catalog.RuleInfo`` (titles, law, help), called lazily so
    #: a run that needs no rule metadata never loads the registry.
    rules: Callable[[str], Any] | None = None
    started: str = ""  # ISO time the run started (JUnit timestamps), "" for "now"
    step_summary: str | None = None  # $GITHUB_STEP_SUMMARY: the github format appends to it
    baseline: str | None = None  # the baseline file in use, if any (SARIF baselineState)
    fail_on: str = "error"  # the run's exit-code settings, so a report can say why it failed
    max_warnings: int | None = None

    def exit_reason(self, summary: Any) -> str:
        """Why the run exits non-zero ("" if it does not): see ``Summary.exit_reason``."""
        return str(summary.exit_reason(self.fail_on, self.max_warnings))
    rule_seconds: float = 1.0  # the rule time budget per document (bounds report templates too)

    def describe(self, rule_id: str) -> Any:
        """The descriptor of ``rule_id`` (core ids and pack rules alike)."""
        if self.rules is None:
            from policylint.rules.catalog import describer

            return describer()(rule_id)
        return self.rules(rule_id)


def format_module(name: str) -> ModuleType | Any:
    """The module implementing format ``name`` (``UsageError`` with a hint if unknown).

    ``template:PATH`` gives a user's Jinja template, loaded (and syntax-checked) here.
    """
    if name.startswith("template:"):
        from policylint.report.template import load_template

        return load_template(name[len("template:"):])
    target = FORMATS.get(name)
    if target is None:
        raise UsageError(f"unknown output format `{name}`{did_you_mean(name, FORMATS)}; "
                         f"choose from: {', '.join(sorted(FORMATS))}")
    return importlib.import_module(target)


class _Stdout:
    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class Writer:
    """Drives one format's stream into one destination, writing each piece as it is made.

    A format with a ``head`` (the totals, known at the end, shown first) gets its body
    kept in a temporary file until then: memory stays that of one result either way.
    """

    def __init__(self, stream: Any, open_sink: Callable[[], Any], trailer: str = "") -> None:
        self.stream, self.open_sink, self.trailer = stream, open_sink, trailer
        self.sink: Any = None
        self.spool: IO[str] | None = None
        self.started = False

    def _write(self, text: str) -> None:
        if text:
            if self.sink is None:
                self.sink = self.open_sink()
            self.sink.write(text)

    def _begin(self) -> None:
        if not self.started:
            self.started = True
            self._write(self.stream.begin())

    def add(self, result: Any) -> None:
        self._begin()
        text = self.stream.result(result)
        if not text:
            return
        if hasattr(self.stream, "head"):
            if self.spool is None:
                import tempfile

                self.spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
            self.spool.write(text)
        else:
            self._write(text)

    def close(self, summary: Any) -> None:
        self._begin()
        if hasattr(self.stream, "head"):
            self._write(self.stream.head(summary))
            if self.spool is not None:
                self.spool.seek(0)
                while chunk := self.spool.read(1 << 16):
                    self._write(chunk)
                self.spool.close()
        self._write(self.stream.end(summary) + self.trailer)
        if self.sink is None:
            self.sink = self.open_sink()
        self.sink.close()

    def abort(self) -> None:
        if self.spool is not None:
            self.spool.close()
        if self.sink is not None:
            self.sink.abort()


class Reporter:
    """One output of a run: a format and where it goes, written as results arrive."""

    def __init__(self, name: str, target: str | None, ctx: RenderContext, guard: Any = None) -> None:
        from policylint.report.stream import open_stream
        from policylint.report.writer import GuardedWriter

        self.name, self.target, self.ctx, self.guard = name, target, ctx, guard
        self.module = format_module(name)
        #: A terminal format (text, concise): what ``-q`` trims when it goes to the terminal.
        self.terminal = bool(getattr(self.module, "STREAM", False))
        self.writers = [Writer(open_stream(self.module, ctx),
                               lambda: GuardedWriter(target, guard) if target else _Stdout())]
        appendix = getattr(self.module, "appendix_stream", None)
        extra = appendix(ctx) if appendix is not None else None
        if extra is not None:
            path, stream = extra
            # Appended, not replaced: other steps of the job write the same file; the
            # blank line ends our part of it.  Through the guard like every output.
            self.writers.append(Writer(stream, lambda: GuardedWriter(path, guard, append=True),
                                       trailer="\n"))

    def add(self, result: Any) -> None:
        for writer in self.writers:
            writer.add(result)

    def close(self, summary: Any) -> None:
        for writer in self.writers:
            writer.close(summary)

    def abort(self) -> None:
        for writer in self.writers:
            writer.abort()
