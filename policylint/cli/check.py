"""``policylint check``: parse options into CheckSettings and run them."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from policylint.cli import error, split_ids
from policylint.finding import SEVERITIES
from policylint.report import FORMATS


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-f", "--format", "formats", multiple=True, metavar="FORMAT[:FILE]",
              help="Output format, optionally written to FILE; repeat for several. FORMAT is "
                   f"one of {', '.join(FORMATS)}, or template:PATH.j2 (your own Jinja "
                   "template). Default: text (github inside GitHub Actions).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the (first) format to this file instead of standard output.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding is at least this severe. Default: error.")
@click.option("--max-warnings", type=click.IntRange(min=0), default=None,
              help="Also exit 1 when there are more warnings than this.")
@click.option("--pack", "packs", multiple=True, callback=split_ids, metavar="ID",
              help="Check against this pack (repeatable); replaces the default packs.")
@click.option("--extend-pack", "extend_packs", multiple=True, callback=split_ids, metavar="ID",
              help="Add a pack to the default ones (repeatable).")
@click.option("--select", multiple=True, callback=split_ids, metavar="RULE", help="Only these rule ids or prefixes.")
@click.option("--ignore", multiple=True, callback=split_ids, metavar="RULE", help="Skip these rule ids or prefixes.")
@click.option("--stdin-filename", default="<stdin>", show_default=True,
              help="The name to report for a document read from `-`.")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, metavar="BYTES",
              help="Largest file to read (default 2 MiB).")
@click.option("--max-nodes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Most values a document may expand to, aliases included (default 100,000).")
@click.option("--max-depth", type=click.IntRange(min=1), default=None, metavar="N",
              help="Deepest nesting allowed (default 64).")
@click.option("--max-string", type=click.IntRange(min=1), default=None, metavar="CHARS",
              help="Longest text value (default 100,000).")
@click.option("--max-documents", type=click.IntRange(min=1), default=None, metavar="N",
              help="Most documents one run checks (default 100,000).")
@click.option("--max-rule-seconds", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="S", help="Stop a rule still running after S seconds on one document "
                                "(default 1).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in text output (NO_COLOR is honoured).")
@click.option("-q", "--quiet", is_flag=True, help="Show only errors.")
@click.option("-v", "--verbose", count=True, help="Show more (links to the law).")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Hide the findings recorded in this baseline file; report stale entries.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, metavar="N",
              help="Processes to check with (default, or 0: one per processor; 1: this "
                   "process only; more than 4 per processor counts as 4 per processor). A pool starts only for "
                   "50 files or more.")
@click.option("--skip-other-yaml", is_flag=True,
              help="Skip YAML files named here that are not policylint documents (no top-level "
                   "`policylint` key), with a note, as a directory walk does, instead of an "
                   "error: for pre-commit and other tools that pass every YAML file.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Where to cache results (default: $POLICYLINT_CACHE_DIR, else the user "
                   "cache directory, e.g. ~/.cache/policylint).")
def check_command(paths: tuple[str, ...], formats: tuple[str, ...], output: str | None,
                  fail_on: str | None, max_warnings: int | None, packs: tuple[str, ...],
                  extend_packs: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
                  stdin_filename: str, max_file_size: int | None, max_nodes: int | None,
                  max_depth: int | None, max_string: int | None, max_documents: int | None,
                  max_rule_seconds: float | None, color: str, quiet: bool, verbose: int, statistics: bool,
                  baseline: str | None, config_file: str | None, isolated: bool, jobs: int | None,
                  skip_other_yaml: bool, no_cache: bool, cache_dir: str | None) -> None:
    """Check policy documents (files, directories, or - for standard input).

    Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage, configuration
    or input error (a file that cannot be read or parsed).
    """
    from policylint.errors import PolicylintError
    from policylint.report import format_module
    from policylint.report.outputs import run_check
    from policylint.run import config as configuration
    from policylint.run.api import build_settings, use_color

    if not paths:
        raise click.UsageError("give at least one file or directory to check (or - for stdin)")
    try:
        config = configuration.resolve(explicit=config_file, isolated=isolated)
        settings = build_settings(
            config, paths=paths, formats=formats, stdin_filename=stdin_filename,
            packs=packs or None, extend_packs=extend_packs,
            select=select, ignore=ignore, fail_on=fail_on,
            max_warnings=max_warnings, max_file_size=max_file_size, max_nodes=max_nodes,
            max_depth=max_depth, max_string=max_string, max_documents=max_documents,
            max_rule_seconds=max_rule_seconds, color=use_color(color), verbose=verbose, quiet=quiet,
            statistics=statistics, baseline=baseline, jobs=jobs, no_cache=no_cache,
            cache_dir=cache_dir, skip_other_yaml=skip_other_yaml)
        if output:
            (name, target), *rest = settings.outputs
            settings = replace(settings, outputs=((name, target or output), *rest))
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    outputs = settings.outputs
    try:
        for name, _ in outputs:
            format_module(name)
        code = run_check(settings)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    sys.exit(code)
