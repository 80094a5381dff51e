"""Output formats: a registry of pure functions from results to text, and where they write."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import IO, Any, Callable

from policylint.errors import UsageError, did_you_mean

#: format name -> module.  A module either streams (``STREAM = True``: ``render_file(result,
#: ctx)`` per file and ``render_summary(summary, ctx)`` at the end) or renders once at the end
#: (``render(results, summary, ctx)``).  Every function is pure: data in, text out.
FORMATS: dict[str, str] = {
    "text": "policylint.formats.text",
    "concise": "policylint.formats.concise",
    "json": "policylint.formats.json",
    "sarif": "policylint.formats.sarif",
    "github": "policylint.formats.github",
    "gitlab": "policylint.formats.gitlab",
    "junit": "policylint.formats.junit",
    "markdown": "policylint.formats.markdown",
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
    #: rule id -> ``policylint.core_rules.RuleInfo`` (titles, law, help), called lazily so
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

    def describe(self, rule_id: str) -> Any:
        """The descriptor of ``rule_id`` (core ids and pack rules alike)."""
        if self.rules is None:
            from policylint.core_rules import describer

            return describer()(rule_id)
        return self.rules(rule_id)


def format_module(name: str) -> ModuleType | Any:
    """The module implementing format ``name`` (``UsageError`` with a hint if unknown).

    ``template:PATH`` gives a user's Jinja template, loaded (and syntax-checked) here.
    """
    if name.startswith("template:"):
        from policylint.formats.template import load_template

        return load_template(name[len("template:"):])
    target = FORMATS.get(name)
    if target is None:
        raise UsageError(f"unknown output format `{name}`{did_you_mean(name, FORMATS)}; "
                         f"choose from: {', '.join(sorted(FORMATS))}")
    return importlib.import_module(target)


def parse_output_spec(spec: str) -> tuple[str, str | None]:
    """``sarif:out.sarif`` -> ("sarif", "out.sarif"); ``text`` -> ("text", None)."""
    name, sep, target = spec.partition(":")
    if name == "template":  # template:PATH.j2[:OUT]
        path, _, out = target.partition(":")
        return f"template:{path}", out or None
    return name, (target or None) if sep else None


class _Stdout:
    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass


class Reporter:
    """One output of a run: a format and where it goes; streams when the format can."""

    def __init__(self, name: str, target: str | None, ctx: RenderContext, guard: Any = None) -> None:
        self.name, self.target, self.ctx, self.guard = name, target, ctx, guard
        self.module = format_module(name)
        self.stream = bool(getattr(self.module, "STREAM", False))
        self.results: list[Any] = []
        self.sink: Any = None

    def _open(self) -> Any:
        if self.sink is None:
            from policylint.formats.writer import GuardedWriter

            self.sink = GuardedWriter(self.target, self.guard) if self.target else _Stdout()
        return self.sink

    def add(self, result: Any) -> None:
        if self.stream:
            text = self.module.render_file(result, self.ctx)
            if text:
                self._open().write(text)
        else:
            self.results.append(result)

    def close(self, summary: Any) -> None:
        if self.stream:
            text = self.module.render_summary(summary, self.ctx)
        else:
            text = self.module.render(self.results, summary, self.ctx)
        sink = self._open()
        if text:
            sink.write(text)
        sink.close()
        appendix = getattr(self.module, "appendix", None)
        if appendix is not None:
            extra = appendix(self.results, summary, self.ctx)
            if extra is not None:
                path, more = extra
                # Appended, not replaced: other steps of the job write the same file.
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(more)

    def abort(self) -> None:
        if self.sink is not None:
            self.sink.abort()
