"""Orchestration behind ``policylint compare`` and ``policylint diff`` (the CLI only parses)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from policylint import __version__
from policylint.errors import UsageError

COMPARE_FORMATS = ("html", "markdown", "csv", "csv-evidence", "json")
DIFF_FORMATS = ("text", "markdown", "html", "json")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".json": "json"}


def pick_format(fmt: str | None, output: str | None, allowed: Sequence[str],
                terminal: bool = False) -> str:
    """``--format``, else the output file's suffix (HTML for a folder), else ``text`` on a terminal (when the
    command has it) and Markdown anywhere else."""
    if fmt is None and output:
        from policylint.compare.render_pages import is_folder

        fmt = "html" if is_folder(output) and "html" in allowed else \
            _BY_SUFFIX.get(os.path.splitext(output)[1].lower())
    if fmt is None and output is None and terminal and "text" in allowed:
        fmt = "text"
    fmt = fmt or "markdown"
    if fmt not in allowed:
        raise UsageError(f"format `{fmt}` is not available here; choose from: {', '.join(allowed)}")
    return fmt


def check_options(packs: Sequence[str], extend_packs: Sequence[str], config_file: str | None,
                  isolated: bool) -> Any:
    """The checker options of a run: the project's configuration plus the pack options."""
    return configured(packs, extend_packs, config_file, isolated)[0]


def configured(packs: Sequence[str], extend_packs: Sequence[str], config_file: str | None,
               isolated: bool) -> tuple[Any, tuple[str, ...]]:
    """:func:`check_options`, and the configuration files read (which no output may replace)."""
    from policylint.run import api
    from policylint.run import config as configuration

    config = configuration.resolve(explicit=config_file, isolated=isolated)
    settings = api.build_settings(config, packs=tuple(packs) or None, extend_packs=tuple(extend_packs))
    return api.check_options(settings), tuple(config.files)


@dataclass(frozen=True, slots=True)
class CompareSettings:
    paths: tuple[str, ...]
    fmt: str = "markdown"
    output: str | None = None
    filters: tuple[str, ...] = ()
    sort: str = "name"
    group_by: str = "none"
    all_topics: bool = False
    title: str = "Policy comparison"
    bom: bool = False
    config_files: tuple[str, ...] = ()  # never written over, like the inputs


def build_comparison(settings: CompareSettings, options: Any) -> Any:
    from functools import partial

    from policylint.compare.model import Shaping, build
    from policylint.compare.order import parse_filters, validate
    from policylint.compare.summary import RowChecker, collect
    from policylint.rules.registry import load_registry

    filters = parse_filters(settings.filters)
    registry = load_registry(options.rule_dirs, options.cache_dir)
    validate(settings.sort, settings.group_by, registry)  # before any document is checked
    skipped: list[str] = []
    # Each document's row is made where it is checked (a pool worker, when there is a pool).
    rows = partial(RowChecker, shaping=Shaping(".", filters, settings.sort, settings.group_by))
    comparison = build(collect(settings.paths, options, skipped, rows), registry,
                       filters=filters, sort=settings.sort, group_by=settings.group_by,
                       all_topics=settings.all_topics)
    comparison.options["all_topics"] = settings.all_topics
    if skipped:  # said where a run's notes go, as `check` does; the report stays about towns
        from policylint.run.runner import skipped_note

        print(skipped_note(len(skipped)), file=sys.stderr)
    return comparison


def render_chunks(comparison: Any, fmt: str, title: str, bom: bool = False) -> Iterator[str]:
    """The report in ``fmt`` a piece at a time (CSV and JSON as each row is read)."""
    if fmt == "html":
        from policylint.compare.render_html import chunks as html_chunks

        return html_chunks(comparison, title, __version__)
    if fmt == "csv":
        from policylint.compare.render_csv import chunks as csv_chunks

        return csv_chunks(comparison, bom)
    if fmt == "csv-evidence":
        from policylint.compare.render_csv import evidence_chunks

        return evidence_chunks(comparison, bom)
    if fmt == "json":
        from policylint.compare.render_json import chunks as json_chunks

        return json_chunks(comparison)
    from policylint.compare.render_markdown import render as render_md

    return iter((render_md(comparison, title),))


def render_comparison(comparison: Any, fmt: str, title: str, bom: bool = False) -> str:
    return "".join(render_chunks(comparison, fmt, title, bom))


def output_guard(inputs: Sequence[str], config_files: Sequence[str] = ()) -> Any:
    """What a report must not replace: the documents it reads and the configuration."""
    from policylint.report.writer import Guard

    return Guard().protect(inputs, "an input").protect(config_files, "a configuration file")


def write(text: str, output: str | None, guard: Any = None) -> None:
    """To ``output`` whole (see :mod:`policylint.report.writer`), else stdout."""
    write_chunks((text,), output, guard)


def write_chunks(pieces: Iterable[str], output: str | None, guard: Any = None) -> None:
    """Each piece as it is made: to ``output`` (whole or not at all, see
    :func:`policylint.report.writer.write_pieces`), else stdout."""
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    from policylint.report.writer import write_pieces

    write_pieces(pieces, output, guard)


def _revision_file(spec: str) -> str:
    """The file a diff argument reads: ``REV:path`` names ``path`` (unless it is a file)."""
    if os.path.exists(spec) or ":" not in spec:
        return spec
    return spec.split(":", 1)[1]


def run_compare(settings: CompareSettings, options: Any) -> tuple[int, list[tuple[str, str]]]:
    """Write the report; return the exit code (2 if a document could not be read) and those.

    An HTML report of more agencies than one page holds, or one written to a folder, is a
    folder of pages (:mod:`policylint.compare.render_pages`); every other report is written
    as its rows are read.
    """
    from policylint.compare import render_pages

    guard = output_guard(settings.paths, settings.config_files)
    if settings.output:
        guard.refuse(settings.output)  # before checking anything
    with build_comparison(settings, options) as comparison:
        if settings.fmt == "html" and (render_pages.is_folder(settings.output)
                                       or len(comparison.rows) > render_pages.page_rows()):
            render_pages.write(comparison, settings.output, settings.title, __version__, guard,
                              options.jobs)
        else:
            write_chunks(render_chunks(comparison, settings.fmt, settings.title, settings.bom),
                         settings.output, guard)
        return (2 if comparison.unreadable else 0), comparison.unreadable


def diff_report(d: Any) -> dict[str, Any]:
    """The diff as plain data (the ``json`` format of ``policylint diff``)."""
    def counts(s: Any) -> dict[str, int] | None:
        return None if s is None else {"violations": s.violations, "warnings": s.warnings,
                                       "silent": s.silent,
                                       "not_read": s.not_read, "addressed": s.addressed,
                                       "applicable": s.applicable}

    def finding(f: Any) -> dict[str, Any]:
        return {"rule": f.rule, "severity": f.severity, "message": f.message, "path": f.path,
                "line": f.line, "column": f.column}

    return {
        "version": 1, "kind": "policylint-diff", "tool": {"name": "policylint", "version": __version__},
        "old": d.old_file, "new": d.new_file, "agency": d.new.name,
        "instrument": [{"field": n, "old": a, "new": b} for n, a, b in d.instrument],
        "provisions": [{"topic": p.topic, "change": p.kind, "direction": p.direction,
                        "old": p.old, "new": p.new, "details": list(p.details)} for p in d.provisions],
        "findings": {"new": [finding(f) for f in d.new_findings], "fixed": [finding(f) for f in d.fixed],
                     "unchanged": [finding(f) for f in d.unchanged]},
        "scores": [{"pack": pid, "old": a.value if a else None, "new": b.value if b else None,
                    "old_counts": counts(a), "new_counts": counts(b)} for pid, _, a, b in d.scores],
    }


def new_findings_reason(d: Any, fail_on: str | None) -> str:
    """``exit 1: 2 new errors at or above --fail-on error``, or "" when the diff passes."""
    from policylint.finding import SEVERITY_RANK
    from policylint.run.runner import count_words

    if fail_on is None:
        return ""
    counts: dict[str, int] = {}
    for f in d.new_findings:
        if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]:
            counts[f.severity] = counts.get(f.severity, 0) + 1
    if not counts:
        return ""
    failing = [count_words(counts[s], "new " + s) for s in ("error", "warning", "info") if s in counts]
    return f"exit 1: {' and '.join(failing)} at or above --fail-on {fail_on}"


def run_diff(old: str, new: str, fmt: str, output: str | None, options: Any,
             config_files: Sequence[str] = (), fail_on: str | None = None, color: bool = False) -> int:
    """Write the diff; 1 when ``fail_on`` is set and a new finding is at least that severe."""
    from policylint.compare.diff import diff
    from policylint.compare.summary import SummarisingChecker, load_revision
    from policylint.rules.registry import load_registry

    guard = output_guard([_revision_file(old), _revision_file(new)], config_files)
    if output:
        guard.refuse(output)  # before checking anything

    checker = SummarisingChecker(options)
    d = diff(load_revision(old, options, checker), load_revision(new, options, checker),
             load_registry(options.rule_dirs, options.cache_dir))
    if fmt == "text":
        from policylint.compare.render_text import render_diff as render_txt

        text = render_txt(d, color)
    elif fmt == "json":
        from policylint.report.stream import dump

        text = dump(diff_report(d), indent=2) + "\n"
    elif fmt == "html":
        from policylint.compare.render_html import render_diff

        text = render_diff(d, __version__)
    else:
        from policylint.compare.render_markdown import render_diff as render_md

        text = render_md(d)
    write(text, output, guard)
    reason = new_findings_reason(d, fail_on)
    if reason:
        print(f"policylint: {reason}", file=sys.stderr)
    return 1 if reason else 0
