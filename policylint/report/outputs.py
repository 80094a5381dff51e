"""A check run written out: every requested report (``policylint check``), or a baseline.

Above the run (policylint.run) and the formats, it is where the two meet: the run yields one
result per file, each output writes them through the guarded writer.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from policylint.finding import SEVERITY_RANK
from policylint.report import RenderContext, Reporter
from policylint.report.writer import Guard, write_file
from policylint.run.api import CheckSettings, iter_results, rules_that_ran
from policylint.run.runner import FileResult, Summary, skipped_note

if TYPE_CHECKING:  # hashing (the baseline's) loads only for runs that use one
    from policylint.run.baseline import Baseline


def output_guard(settings: CheckSettings) -> Guard:
    """What no output of the run may replace: its inputs (and the YAML files of input
    folders), the configuration files, output templates and the baseline."""
    templates = [name[len("template:"):] for name, _ in settings.outputs if name.startswith("template:")]
    return (Guard().protect(settings.paths, "an input")
            .protect(settings.config_files, "a configuration file")
            .protect(templates, "an output template")
            .protect([settings.baseline], "the baseline"))


def run_check(settings: CheckSettings) -> int:
    """Run a check, write every requested output, and return the exit code.

    The pipeline: load -> validate -> engine -> overrides -> suppressions and waivers (all
    per file, in :class:`Checker`) -> baseline (here: it spans files) -> render.
    """
    import datetime

    from policylint import __version__
    from policylint.rules.catalog import describer

    baseline = None
    if settings.baseline:
        from policylint.run.baseline import Baseline

        baseline = Baseline.load(settings.baseline, settings.limits.max_file_size)
    ctx = RenderContext(color=settings.color, verbose=settings.verbose,
                        statistics=settings.statistics, tool_version=__version__,
                        rules=describer(settings.rule_dirs, settings.cache_dir),
                        started=datetime.datetime.now().isoformat(timespec="seconds"),
                        step_summary=os.environ.get("GITHUB_STEP_SUMMARY") or None,
                        baseline=settings.baseline, fail_on=settings.fail_on,
                        max_warnings=settings.max_warnings,
                        rule_seconds=settings.limits.max_rule_seconds)
    guard = output_guard(settings)
    for _, target in settings.outputs:  # before checking anything
        if target:
            guard.refuse(target)
    reporters = [Reporter(name, target, ctx, guard) for name, target in settings.outputs]
    summary = Summary()
    try:
        for result in iter_results(settings):
            if baseline is not None:
                marked = baseline.apply(result.file, result.findings, rules_that_ran(settings, result))
                result = FileResult(result.file, marked, result.summary, result.outcomes)
            summary.add(result)
            if result.skipped:
                continue
            for reporter in reporters:
                # -q trims only what the terminal shows; files still get every finding.
                shown = result
                if settings.quiet and reporter.terminal and reporter.target is None:
                    shown = errors_only(result)
                reporter.add(shown)
    except BaseException:
        for reporter in reporters:
            reporter.abort()
        raise
    for reporter in reporters:
        reporter.close(summary)
    if summary.skipped:
        print(skipped_note(summary.skipped), file=sys.stderr)
    if summary.files == 0 and summary.skipped == 0 and settings.paths:
        # Like a linter finding no source files: say so rather than report a silent success.
        print(f"policylint: warning: no YAML files found in {', '.join(settings.paths)}",
              file=sys.stderr)
    reason = ctx.exit_reason(summary)
    if reason and not any(r.target is None and getattr(r.module, "SAYS_EXIT_REASON", False)
                          for r in reporters):
        # Formats on standard output that do not say it themselves (concise, json, ...):
        # the reason goes to standard error, out of the way of a parser.
        print(f"policylint: {reason}", file=sys.stderr)
    return summary.exit_code(settings.fail_on, settings.max_warnings)


def errors_only(result: FileResult) -> FileResult:
    """``result`` with only its findings of severity error (what ``-q`` shows)."""
    keep = [f for f in result.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK["error"]]
    return FileResult(result.file, keep, result.summary, result.outcomes)


def create_baseline(settings: CheckSettings, path: str) -> tuple[Baseline, int]:
    """Check ``settings.paths`` and record every unsuppressed finding in a new baseline.

    Returns the baseline (already written) and the number of input errors, which are never
    recorded: an unreadable file must be fixed, not accepted.
    """
    from policylint.run.baseline import Baseline

    settings = replace(settings, fingerprints=True)
    guard = output_guard(settings)
    guard.refuse(path)  # before checking anything
    baseline = Baseline(path)
    errors = 0
    for result in iter_results(settings):
        errors += result.input_error
        for f in result.findings:
            if not f.input_error and f.suppressed is None and f.rule != "baseline-stale":
                baseline.add(f)
    write_file(path, baseline.to_text(), guard)
    return baseline, errors


def prune_baseline(settings: CheckSettings, path: str) -> tuple[Baseline, int]:
    """Drop the entries of ``path`` that no finding matches any more; never add entries.

    Returns the pruned baseline (already written) and how many findings were removed.
    """
    from policylint.run.baseline import Baseline

    settings = replace(settings, fingerprints=True)
    guard = output_guard(settings)
    guard.refuse(path)
    baseline = Baseline.load(path, settings.limits.max_file_size)
    for result in iter_results(settings):
        baseline.apply(result.file, result.findings, rules_that_ran(settings, result))
    kept = baseline.pruned()
    write_file(path, kept.to_text(), guard)
    return kept, sum(baseline.counts.values()) - sum(kept.counts.values())
