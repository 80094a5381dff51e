"""The Python API and the orchestration behind ``policylint check`` (the CLI only parses)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from policylint.finding import SEVERITY_RANK
from policylint.loader import DEFAULT_LIMITS, Limits
from policylint.runner import CheckOptions, Checker, FileResult, Summary, check_paths


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """A fully resolved ``check`` run: inputs, rule selection, limits and outputs."""

    paths: tuple[str, ...] = ()
    stdin_filename: str = "<stdin>"
    packs: tuple[str, ...] | None = None
    extend_packs: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    max_warnings: int | None = None
    limits: Limits = DEFAULT_LIMITS
    outputs: tuple[tuple[str, str | None], ...] = (("text", None),)
    color: bool = False
    verbose: int = 0
    quiet: bool = False
    statistics: bool = False
    rule_dirs: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def selection(settings: CheckSettings) -> Any:
    """The engine's rule selection for ``settings`` (validated: unknown ids are usage errors)."""
    from policylint.engine import Selection

    return Selection(packs=settings.packs, extend_packs=settings.extend_packs,
                     select=settings.select, ignore=settings.ignore)


def iter_results(settings: CheckSettings) -> Iterator[FileResult]:
    """Check every input of ``settings``, one result per file, in input order."""
    options = CheckOptions(limits=settings.limits, selection=selection(settings),
                           rule_dirs=settings.rule_dirs)
    paths = [p for p in settings.paths if p != "-"]
    if "-" in settings.paths:
        checker = Checker(options)
        raw = sys.stdin.buffer.read(settings.limits.max_file_size + 1)
        yield checker.check_bytes(raw, settings.stdin_filename)
    if paths:
        yield from check_paths(paths, options)


def run_check(settings: CheckSettings) -> int:
    """Run a check, write every requested output, and return the exit code."""
    from policylint import __version__
    from policylint.formats import RenderContext, Reporter

    ctx = RenderContext(color=settings.color, verbose=settings.verbose,
                        statistics=settings.statistics, tool_version=__version__)
    reporters = [Reporter(name, target, ctx) for name, target in settings.outputs]
    summary = Summary()
    try:
        for result in iter_results(settings):
            summary.add(result)
            for reporter in reporters:
                if settings.quiet and reporter.stream and reporter.target is None:
                    result = _errors_only(result)
                reporter.add(result)
    except BaseException:
        for reporter in reporters:
            reporter.abort()
        raise
    for reporter in reporters:
        reporter.close(summary)
    return summary.exit_code(settings.fail_on, settings.max_warnings)


def _errors_only(result: FileResult) -> FileResult:
    keep = [f for f in result.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["error"]]
    return FileResult(result.file, keep, result.summary)


def check(paths: Sequence[str], **kwargs: Any) -> list[FileResult]:
    """Check files or directories and return their results (the simplest Python entry point)."""
    settings = CheckSettings(paths=tuple(paths), **kwargs)
    return list(iter_results(settings))


def check_text(text: str, file: str = "<string>", **kwargs: Any) -> FileResult:
    """Check one document given as text."""
    settings = CheckSettings(**kwargs)
    options = CheckOptions(limits=settings.limits, selection=selection(settings),
                           rule_dirs=settings.rule_dirs)
    return Checker(options).check_bytes(text.encode("utf-8"), file)


def use_color(choice: str, stream: Any = None) -> bool:
    """Resolve ``--color auto|always|never`` (NO_COLOR and FORCE_COLOR honoured)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
