"""Orchestration behind ``policylint compare`` and ``policylint diff`` (the CLI only parses)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Sequence

from policylint import __version__
from policylint.errors import UsageError

COMPARE_FORMATS = ("html", "markdown", "csv", "csv-evidence", "json")
DIFF_FORMATS = ("markdown", "html", "json")
_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
              ".csv": "csv", ".json": "json"}


def pick_format(fmt: str | None, output: str | None, allowed: Sequence[str]) -> str:
    """``--format``, else the output file's suffix, else Markdown."""
    if fmt is None and output:
        fmt = _BY_SUFFIX.get(os.path.splitext(output)[1].lower())
    fmt = fmt or "markdown"
    if fmt not in allowed:
        raise UsageError(f"format `{fmt}` is not available here; choose from: {', '.join(allowed)}")
    return fmt


def check_options(packs: Sequence[str], extend_packs: Sequence[str], config_file: str | None,
                  isolated: bool) -> Any:
    """The checker options of a run: the project's configuration plus the pack options."""
    from policylint import api
    from policylint import config as configuration

    config = configuration.resolve(explicit=config_file, isolated=isolated)
    settings = api.build_settings(config, packs=tuple(packs) or None, extend_packs=tuple(extend_packs))
    return api.check_options(settings)


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


def build_comparison(settings: CompareSettings, options: Any) -> Any:
    from policylint.compare.model import build
    from policylint.compare.order import parse_filters
    from policylint.compare.summary import collect
    from policylint.registry import load_registry

    filters = parse_filters(settings.filters)
    comparison = build(collect(settings.paths, options), load_registry(options.rule_dirs),
                       filters=filters, sort=settings.sort, group_by=settings.group_by,
                       all_topics=settings.all_topics)
    comparison.options["all_topics"] = settings.all_topics
    return comparison


def render_comparison(comparison: Any, fmt: str, title: str, bom: bool = False) -> str:
    if fmt == "html":
        from policylint.compare.render_html import render

        return render(comparison, title, __version__)
    if fmt == "csv":
        from policylint.compare.render_csv import render as render_csv

        return render_csv(comparison, bom)
    if fmt == "csv-evidence":
        from policylint.compare.render_csv import render_evidence

        return render_evidence(comparison, bom)
    if fmt == "json":
        from policylint.compare.render_json import render as render_json

        return render_json(comparison)
    from policylint.compare.render_markdown import render as render_md

    return render_md(comparison, title)


def write(text: str, output: str | None) -> None:
    """To ``output`` atomically (an interrupted run leaves no half report), else stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from policylint.formats import AtomicWriter

    try:
        writer = AtomicWriter(output)
    except OSError as exc:
        raise UsageError(f"cannot write `{output}`: {exc.strerror or exc}") from None
    try:
        writer.write(text)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    # The temporary file was private (0600); a report is for sharing, so give it the mode
    # any new file gets under the user's umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(output, 0o666 & ~umask)


def run_compare(settings: CompareSettings, options: Any) -> tuple[int, list[tuple[str, str]]]:
    """Write the report; return the exit code (2 if a document could not be read) and those."""
    comparison = build_comparison(settings, options)
    write(render_comparison(comparison, settings.fmt, settings.title, settings.bom), settings.output)
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


def run_diff(old: str, new: str, fmt: str, output: str | None, options: Any) -> int:
    from policylint.compare.diff import diff
    from policylint.compare.summary import SummarisingChecker, load_revision
    from policylint.registry import load_registry

    checker = SummarisingChecker(options)
    d = diff(load_revision(old, options, checker), load_revision(new, options, checker),
             load_registry(options.rule_dirs))
    if fmt == "json":
        text = json.dumps(diff_report(d), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "html":
        from policylint.compare.render_html import render_diff

        text = render_diff(d, __version__)
    else:
        from policylint.compare.render_markdown import render_diff as render_md

        text = render_md(d)
    write(text, output)
    return 0
